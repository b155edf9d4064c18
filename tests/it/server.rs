//! The server hooks (`git avow install --server`): real `git push` into a
//! bare repository that carries the installed pre-receive (or update)
//! hook. Git relays the hook's standard error to the pusher as `remote:`
//! lines; what the hook refuses never reaches the repository.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::pre_push::{add_own_key, filtered};
use crate::support::*;

/// An adopted repository pushed to a bare `origin` that carries avow's
/// server hook.
fn with_server() -> (World, PathBuf) {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    let out = w.avow_in(&remote, ["install", "--server"]).expect(0);
    assert_eq!(out.stdout, format!("avow: installed pre-receive in {}\n", remote.join("hooks").display()));
    (w, remote)
}

/// The bare `origin` with `main` pushed, and its HEAD at main as a
/// server's is (the hermetic `git init --bare` leaves it at master).
pub(crate) fn origin(w: &World) -> PathBuf {
    let remote = w.remote("origin");
    w.git(["--git-dir", remote.to_str().unwrap(), "symbolic-ref", "HEAD", "refs/heads/main"]);
    remote
}

/// `git push` from the work tree; the `remote:` lines git shows, without
/// git's padding, ids and paths filtered.
pub(crate) fn push(w: &World, args: &[&str], code: i32) -> String {
    let mut all = vec!["push", "-q", "origin"];
    all.extend_from_slice(args);
    let r = w.git_notty(all).expect(code);
    let lines: Vec<&str> = r.stderr.lines().map(str::trim_end).collect();
    if lines.is_empty() {
        return String::new();
    }
    filtered(w, &(lines.join("\n") + "\n"))
}

pub(crate) fn remote_rev(w: &World, remote: &Path, rev: &str) -> String {
    let out = w.git_output(["--git-dir", remote.to_str().unwrap(), "rev-parse", "--verify", "-q", rev]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(crate) fn remote_config(w: &World, remote: &Path, key: &str, value: &str) {
    w.git(["--git-dir", remote.to_str().unwrap(), "config", key, value]);
}

pub(crate) fn unattested(w: &World, file: &str, subject: &str) -> String {
    w.write(file, "unattested\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", subject]);
    w.git(["rev-parse", "HEAD"])
}

/// The refusal's last line when rules, not attestations, refused.
const REFUSED: &str = "remote: avow: push refused: fix what each line above names, then push again\n";

/// The refusal's last line when the commits' own attestations fail: the
/// command that re-signs them on top of `base`, the ref's value there.
fn refused_resign(branch: &str, base: &str) -> String {
    format!(
        "remote: avow: push refused: re-sign your statements with `git switch {branch} && git avow reattest {}..HEAD` (it names any commit it cannot re-sign, and what that commit needs), then push again\n",
        &base[..12]
    )
}

/// Writes 20 generated files of 20,000 lines each under `tables/` (a big
/// vendored change, for the attack tests that make the server digest it).
pub fn write_parser_tables(w: &World) {
    for f in 0..20 {
        let text = (0..20_000).fold(String::new(), |mut text, l| {
            _ = writeln!(text, "entry {f} {l} of the generated parser tables");
            text
        });
        w.write(&format!("tables/{f}.txt"), text);
    }
}

/// Processor time (user + system, seconds) of `git push origin ARGS`,
/// the server hook's included; and what the push printed (the attack
/// tests compare it between a push that costs the server and one that
/// does not, never against a fixed time).
pub fn push_cpu<S: AsRef<std::ffi::OsStr>>(w: &World, args: &[S], code: i32) -> (f64, String) {
    let out = w
        .command("bash")
        .args(["-c", r#"TIMEFORMAT="%3U %3S"; { time git push -q origin "$@" 2>"$0"; } 2>&1"#])
        .arg(w.scratch().join("push.err"))
        .args(args)
        .output()
        .expect("bash");
    let printed = std::fs::read_to_string(w.scratch().join("push.err")).unwrap();
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    let times: Vec<f64> = status.split_whitespace().map(|t| t.parse().expect("seconds")).collect();
    assert_eq!(times.len(), 2, "{status}");
    assert_eq!(out.status.code(), Some(code), "{printed}");
    (times[0] + times[1], printed)
}

#[test]
fn an_attested_push_is_accepted_and_an_unattested_one_refused_with_the_reason() {
    let (w, remote) = with_server();
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main: 2 commits: 2 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));

    let before = w.git(["rev-parse", "HEAD"]);
    let bad = unattested(&w, "c.txt", "Sneak <b>a change</b> in");
    w.change("d.txt", "d\n", "Add d");
    assert_eq!(
        push(&w, &["main"], 1),
        format!(
            "remote: FAIL    <id>  Sneak <b>a change</b> in\n\
             remote:         {}\n\
             remote: avow: refs/heads/main: 2 commits: 1 accepted, 1 rejected (trust refs/heads/main)\n\
             {}\
             To <scratch>/origin.git\n\
             \x20! [remote rejected] main -> main (pre-receive hook declined)\n\
             error: failed to push some refs to '<scratch>/origin.git'\n",
            crate::no_hook::missing_without_hook(&bad[..12]),
            refused_resign("main", &before)
        )
    );
    assert_eq!(remote_rev(&w, &remote, "main"), before, "the repository did not move");
    // The refused objects stayed in the quarantine git threw away.
    let c = w.git(["rev-parse", "HEAD~1"]);
    let out = w.git_output(["--git-dir", remote.to_str().unwrap(), "cat-file", "-e", &c]);
    assert!(!out.status.success(), "the refused commit reached the repository");
}

/// The server's refusal names the command that re-signs the pushed
/// commits whose changes no longer match; typed as printed in the
/// pusher's clone, it does, and the same push is accepted.
#[test]
fn following_the_servers_refusal_lets_the_push_through() {
    let (w, remote) = with_server();
    let before = w.git(["rev-parse", "HEAD"]);
    w.change("a.txt", "a\n", "Add a");
    w.write("a.txt", "a, amended without the hook\n");
    w.git(["commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]);
    let out = push(&w, &["main"], 1);
    let refusal = refused_resign("main", &before);
    assert!(out.contains(&refusal), "{out}");
    for command in quoted_commands(&refusal) {
        let r: Run = w.shell(&command).output().unwrap().into();
        r.expect(0);
    }
    push(&w, &["main"], 0);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// Runs `line` with `sh -c` in the bare repository `remote`, as its
/// administrator types a command `install --server` printed.
pub(crate) fn in_remote(w: &World, remote: &Path, line: &str) -> Run {
    w.command("sh").args(["-c", line]).current_dir(remote).output().unwrap().into()
}

/// `git init --bare` leaves `HEAD` at `master`; the project pushed `main`.
/// The hook then has no default branch to verify a new branch against and
/// refuses it. `install --server` says so, and the command it prints, run
/// in the repository, makes `main` the default branch: the same push is
/// verified and accepted, and install has nothing more to say.
#[test]
fn install_server_warns_of_a_missing_default_branch_and_its_fix_works() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    let out = w.avow_in(&remote, ["install", "--server"]).expect(0);
    assert_eq!(
        out.stderr,
        "avow: warning: the default branch refs/heads/master (HEAD) does not exist: pushes of new branches and of tags are refused (they have nothing to be verified against), and so are deletions; name the project's default branch: `git symbolic-ref HEAD refs/heads/main`\n"
    );
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("f.txt", "f\n", "Add f");
    assert_eq!(
        push(&w, &["feature"], 1),
        "remote: git-avow: error: the default branch refs/heads/master does not exist, so refs/heads/feature has nothing to be verified against\n\
         remote: hint: point HEAD at the default branch (`git symbolic-ref HEAD refs/heads/main`) or set `git config avow.receive.defaultBranch main` in the receiving repository\n\
         To <scratch>/origin.git\n ! [remote rejected] feature -> feature (pre-receive hook declined)\n\
         error: failed to push some refs to '<scratch>/origin.git'\n"
    );
    assert_eq!(remote_rev(&w, &remote, "feature"), "");
    let fix = quoted_commands(&out.stderr);
    assert_eq!(fix.len(), 1);
    assert_eq!(in_remote(&w, &remote, &fix[0]).expect(0).stderr, "");
    assert_eq!(
        push(&w, &["feature"], 0),
        "remote: avow: refs/heads/feature: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(w.avow_in(&remote, ["install", "--server"]).expect(0).stderr, "");
}

/// Before the first push, the repository has no branch at all: the
/// warning cannot know the project's branch, says what the first push
/// does, and names `main`; followed before pushing `main`, the next new
/// branch is verified against it.
#[test]
fn install_server_in_an_empty_repository_names_the_default_branch_before_the_first_push() {
    let w = World::adopted("disclose");
    let remote = w.scratch().join("empty.git");
    w.git(["init", "-q", "--bare", remote.to_str().unwrap()]);
    w.git(["remote", "add", "origin", remote.to_str().unwrap()]);
    let out = w.avow_in(&remote, ["install", "--server"]).expect(0);
    assert_eq!(
        out.stderr,
        "avow: warning: the default branch refs/heads/master (HEAD) does not exist yet: the first push sets up the repository unverified, and until refs/heads/master exists, pushes of any other new branch or of a tag are refused (they have nothing to be verified against), and so are deletions; if the project's default branch is another, name it before the first push: `git symbolic-ref HEAD refs/heads/main`\n"
    );
    let fix = quoted_commands(&out.stderr);
    assert_eq!(fix.len(), 1);
    in_remote(&w, &remote, &fix[0]).expect(0);
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main does not exist yet; refs/heads/main is not verified (the first push sets up the repository)\n"
    );
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("f.txt", "f\n", "Add f");
    assert_eq!(
        push(&w, &["feature"], 0),
        "remote: avow: refs/heads/feature: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(w.avow_in(&remote, ["install", "--server"]).expect(0).stderr, "");
}

#[test]
fn a_new_branch_is_verified_against_the_default_branch() {
    let (w, remote) = with_server();
    w.git(["checkout", "-q", "-b", "feature"]);
    unattested(&w, "c.txt", "Sneak a change in");
    let out = push(&w, &["feature"], 1);
    assert_eq!(
        out.lines().nth(2).unwrap(),
        "remote: avow: refs/heads/feature: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)"
    );
    assert_eq!(remote_rev(&w, &remote, "feature"), "");
    let mut args = vec!["--amend", "--no-edit"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    assert_eq!(
        push(&w, &["feature"], 0),
        "remote: avow: refs/heads/feature: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    // A second branch at a commit already on a branch adds nothing.
    assert_eq!(
        push(&w, &["feature:refs/heads/copy"], 0),
        "remote: avow: refs/heads/copy: 0 commits: 0 accepted, 0 rejected (trust refs/heads/main)\n"
    );
}

#[test]
fn deletions_follow_the_rule_and_the_default_branch_is_never_deleted() {
    let (w, remote) = with_server();
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("f.txt", "f\n", "Add f");
    push(&w, &["feature"], 0);
    remote_config(&w, &remote, "avow.receive.deletions", "refuse");
    assert_eq!(
        push(&w, &[":feature"], 1),
        format!(
            "remote: avow: refs/heads/feature: refused: deletions are refused here (avow.receive.deletions)\n\
             {REFUSED}\
             To <scratch>/origin.git\n\
             \x20! [remote rejected] feature (pre-receive hook declined)\n\
             error: failed to push some refs to '<scratch>/origin.git'\n"
        )
    );
    remote_config(&w, &remote, "avow.receive.deletions", "allow");
    assert_eq!(push(&w, &[":feature"], 0), "");
    assert_eq!(remote_rev(&w, &remote, "feature"), "");
    // Deleting main and pushing it again would take it out of every
    // check: refused whatever the rule.
    assert_eq!(
        push(&w, &[":main"], 1).lines().next().unwrap(),
        "remote: avow: refs/heads/main: refused: it is the default branch, whose keyring and policy new branches are verified against"
    );
    assert_ne!(remote_rev(&w, &remote, "main"), "");
}

#[test]
fn a_force_push_is_judged_on_the_commits_it_adds() {
    let (w, remote) = with_server();
    w.change("a.txt", "a\n", "Add a");
    push(&w, &["main"], 0);
    // Rewrite: drop "Add a", add two commits, one unattested.
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.change("b.txt", "b\n", "Add b");
    let bad = unattested(&w, "c.txt", "Sneak a change in");
    let out = push(&w, &["--force", "main"], 1);
    assert_eq!(
        out.lines().take(3).collect::<Vec<_>>(),
        [
            "remote: FAIL    <id>  Sneak a change in",
            &format!("remote:         {}", crate::no_hook::missing_without_hook(&bad[..12])),
            "remote: avow: refs/heads/main: 2 commits: 1 accepted, 1 rejected (trust refs/heads/main)",
        ]
    );
    assert!(w.git_notty(["push", "-q", "origin", "--force", "main"]).stderr.contains(&bad[..12]), "names the commit");
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(
        push(&w, &["--force", "main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

#[test]
fn a_branch_that_adds_its_own_key_is_refused() {
    let (w, remote) = with_server();
    w.git(["checkout", "-q", "-b", "mallory"]);
    add_own_key(&w);
    assert_eq!(
        push(&w, &["mallory"], 1).lines().take(4).collect::<Vec<_>>(),
        [
            "remote: FAIL    <id>  Add my other key",
            "remote:         signed with <fingerprint> which is not in the trusted keyring (.avow/keyring.toml at refs/heads/main); a maintainer adds keys in a commit that is already trusted [signature.unknown-key]",
            "remote:         the commit changes .avow/ (keyring or policy) but is not attested by a maintainer of the trusted keyring at refs/heads/main [trust.avow-change]",
            "remote: avow: refs/heads/mallory: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)",
        ]
    );
    assert_eq!(remote_rev(&w, &remote, "mallory"), "");
}

/// `avow.enabled` that is not a boolean refuses the push (it never turns
/// the server off quietly), and the hint names where to run its command.
#[test]
fn a_server_setting_avow_cannot_read_refuses_the_push_with_a_hint_that_works() {
    let (w, remote) = with_server();
    w.change("a.txt", "a\n", "Add a");
    remote_config(&w, &remote, "avow.enabled", "flase");
    assert_eq!(
        push(&w, &["main"], 1).lines().take(2).collect::<Vec<_>>(),
        [
            "remote: git-avow: error: avow.enabled is \"flase\" in the repository's configuration, which is not a boolean",
            "remote: hint: set it to true or false: `git config avow.enabled true` in the receiving repository",
        ]
    );
    let r = w.shell("git config avow.enabled true").current_dir(&remote).output().unwrap();
    assert!(r.status.success());
    push(&w, &["main"], 0);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

#[test]
fn tags_are_verified_unless_the_rule_says_otherwise() {
    let (w, remote) = with_server();
    w.git(["checkout", "-q", "-b", "side"]);
    unattested(&w, "t.txt", "Tagged but unattested");
    w.git(["tag", "-a", "-m", "Release", "v1"]);
    assert_eq!(
        push(&w, &["v1"], 1).lines().nth(2).unwrap(),
        "remote: avow: refs/tags/v1: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)"
    );
    remote_config(&w, &remote, "avow.receive.tags", "allow");
    assert_eq!(push(&w, &["v1"], 0), "");
    remote_config(&w, &remote, "avow.receive.tags", "refuse");
    w.git(["tag", "v2", "main"]);
    assert_eq!(
        push(&w, &["v2"], 1).lines().next().unwrap(),
        "remote: avow: refs/tags/v2: refused: updates of this ref are refused here (avow.receive.tags)"
    );
    // A value avow does not know refuses the push with a hint that works.
    remote_config(&w, &remote, "avow.receive.tags", "sometimes");
    assert_eq!(
        push(&w, &["v2"], 1).lines().take(2).collect::<Vec<_>>(),
        [
            "remote: git-avow: error: avow.receive.tags is \"sometimes\", which avow does not know",
            "remote: hint: set it to verify, allow or refuse: `git config avow.receive.tags verify`",
        ]
    );
    let r = w.command("git").args(["config", "avow.receive.tags", "verify"]).current_dir(&remote).output().unwrap();
    assert!(r.status.success());
    assert_eq!(
        push(&w, &["v2"], 0),
        "remote: avow: refs/tags/v2: 0 commits: 0 accepted, 0 rejected (trust refs/heads/main)\n"
    );
}

#[test]
fn the_update_hook_judges_each_ref() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--hook", "update"]).expect(0);
    w.change("a.txt", "a\n", "Add a");
    w.git(["branch", "good"]);
    unattested(&w, "b.txt", "Sneak a change in");
    let out = push(&w, &["main", "good"], 1);
    assert!(
        out.contains("remote: avow: refs/heads/main: 2 commits: 1 accepted, 1 rejected (trust refs/heads/main)\n"),
        "{out}"
    );
    assert!(
        out.contains("remote: avow: refs/heads/good: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"),
        "{out}"
    );
    assert!(out.contains(" ! [remote rejected] main -> main (hook declined)\n"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "good"), w.git(["rev-parse", "good"]), "the update hook refuses per ref");
    assert_ne!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "main"]));
}

/// The report in issue 15: a hand-written pre-receive hook that runs `git
/// avow verify` on each ref. The pushed commits sit in git's quarantine,
/// which only the environment names.
#[test]
fn verify_finds_quarantined_objects_in_a_hand_written_hook() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile read old new ref; do '{}' verify --quiet \"$old..$new\" || exit 1; done\n",
            avow_bin().display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&hook).unwrap().permissions(), 0o755);
    w.command("chmod").args(["+x", hook.to_str().unwrap()]).output().unwrap();
    for n in 0..3 {
        w.change(&format!("f{n}.txt"), "x\n", &format!("Add file {n}"));
    }
    let (base, head) = (w.git(["rev-parse", "origin/main"]), w.git(["rev-parse", "HEAD"]));
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    let lines: Vec<&str> = r.stderr.lines().map(str::trim_end).filter(|l| l.starts_with("remote: avow:")).collect();
    assert_eq!(
        lines,
        [format!("remote: avow: 3 commits: 3 accepted, 0 rejected (range {base}..{head}, trust {base})")]
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// A commit made without the hook and attested afterwards by a note: the
/// hook reads the notes the repository has, so the note goes first (in
/// one push with the commit, the notes ref has not moved yet when the
/// hook runs). A note is no way around the hook: the note's signature is
/// checked as a trailer's would be.
#[test]
fn a_commit_attested_by_a_note_is_accepted_once_the_note_is_there() {
    let (w, remote) = with_server();
    w.git(["-c", "core.hooksPath=/dev/null", "commit", "-q", "--allow-empty", "-m", "Edited on the web"]);
    let rationale = "The web editor's change is the one the issue asked for; I read it.";
    w.avow(["attest", "HEAD", "--authorship", "human", "--rationale", rationale]).expect(0);
    let out = push(&w, &["main", "refs/notes/avow"], 1);
    assert!(out.contains("remote: avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected"), "{out}");
    // Notes are not verified as code: "verify" is refused with a hint
    // that, followed, lets the note through.
    remote_config(&w, &remote, "avow.receive.notes", "verify");
    assert_eq!(
        push(&w, &["refs/notes/avow"], 1).lines().take(2).collect::<Vec<_>>(),
        [
            "remote: git-avow: error: avow.receive.notes is \"verify\", but there is no code to verify in what it covers",
            "remote: hint: set it to allow or refuse: `git config avow.receive.notes allow`",
        ]
    );
    let r = w.command("git").args(["config", "avow.receive.notes", "allow"]).current_dir(&remote).output().unwrap();
    assert!(r.status.success());
    assert_eq!(push(&w, &["refs/notes/avow"], 0), "");
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// The hook runs with the pusher's `HOME`: on a server where people push
/// under their own accounts, their `~/.gitconfig` is theirs to write. It
/// cannot turn the checks off or loosen a rule; the repository's own
/// configuration still does (docs/server.md, "Settings").
#[test]
fn the_pushers_global_config_does_not_weaken_the_server() {
    let (w, remote) = with_server();
    let before = w.git(["rev-parse", "HEAD"]);
    // The hostile settings, in the pusher's (and the hook's) ~/.gitconfig.
    for (key, value) in [
        ("avow.enabled", "false"),
        ("avow.receive.otherRefs", "allow"),
        ("avow.receive.tags", "allow"),
        ("avow.receive.deletions", "allow"),
        ("avow.receive.defaultBranch", "sneaky"),
    ] {
        w.git(["config", "--global", key, value]);
    }
    assert_eq!(w.git(["config", "--global", "avow.enabled"]), "false");
    unattested(&w, "s.txt", "Sneak a change in");
    let out = push(&w, &["main"], 1);
    assert!(
        out.contains("remote: avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)"),
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), before, "the repository did not move");
    let out = push(&w, &["HEAD:refs/sneaky/x"], 1);
    assert!(
        out.contains("remote: avow: refs/sneaky/x: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)"),
        "{out}"
    );
    w.git(["tag", "v-sneak"]);
    let out = push(&w, &["v-sneak"], 1);
    assert!(out.contains("remote: avow: refs/tags/v-sneak: 1 commit: 0 accepted, 1 rejected"), "{out}");
    // The repository's own setting is the one that counts.
    remote_config(&w, &remote, "avow.receive.otherRefs", "allow");
    assert_eq!(push(&w, &["HEAD:refs/sneaky/x"], 0), "");
    remote_config(&w, &remote, "avow.enabled", "false");
    assert_eq!(push(&w, &["main"], 0), "");
}

/// On a case-insensitive file system — the server's, or a clone's —
/// `refs/heads/MAIN` is `refs/heads/main` (a loose ref is a file). Taken
/// for another ref, it would be a new branch judged against main, and
/// pushing an old commit there would rewind main past a revocation on
/// such a server, or deleting it delete main: every such name is refused.
#[test]
fn a_ref_named_like_the_default_branch_in_another_case_is_refused() {
    let (w, remote) = with_server();
    w.change("a.txt", "a\n", "Add a");
    push(&w, &["main"], 0);
    let tip = w.git(["rev-parse", "HEAD"]);
    let refusal = |name: &str| {
        format!(
            "remote: avow: {name}: refused: it differs from refs/heads/main only in letter case, and on a case-insensitive file system (this server's or a clone's) the two are one ref"
        )
    };
    for (spec, name) in [
        ("HEAD~1:refs/heads/MAIN", "refs/heads/MAIN"),
        ("HEAD:refs/heads/Main", "refs/heads/Main"),
        (":refs/heads/MAIN", "refs/heads/MAIN"),
    ] {
        let out = push(&w, &[spec], 1);
        assert_eq!(out.lines().next().unwrap(), refusal(name), "{spec}:\n{out}");
        assert_eq!(remote_rev(&w, &remote, name), "", "{spec}");
    }
    assert_eq!(remote_rev(&w, &remote, "main"), tip);
    // Two new refs that differ only in case, in one push: both refused.
    w.git(["branch", "topic"]);
    let out = push(&w, &["topic:refs/heads/topic", "topic:refs/heads/TOPIC"], 1);
    assert!(out.contains("remote: avow: refs/heads/TOPIC: refused: it differs from refs/heads/topic only"), "{out}");
    assert!(out.contains("remote: avow: refs/heads/topic: refused: it differs from refs/heads/TOPIC only"), "{out}");
    // One at a time: the first is a branch like any other, the second a twin.
    push(&w, &["topic"], 0);
    let out = push(&w, &["topic:refs/heads/Topic"], 1);
    assert!(out.starts_with("remote: avow: refs/heads/Topic: refused: it differs from refs/heads/topic only"), "{out}");
    // Twins that are both there already (made on the server) are each
    // judged as themselves.
    w.git(["--git-dir", remote.to_str().unwrap(), "update-ref", "refs/heads/Topic", &tip]);
    w.change("b.txt", "b\n", "Add b");
    assert_eq!(
        push(&w, &["HEAD:refs/heads/Topic"], 0),
        "remote: avow: refs/heads/Topic: 1 commit: 1 accepted, 0 rejected (trust refs/heads/Topic)\n"
    );
}

/// `.AVOW/` is `.avow/` in a case-insensitive checkout: a non-maintainer's
/// keyring there is refused as a change to `.avow/`, and a force push may
/// not drop a change to it any more than one to `.avow/`.
#[test]
fn avow_in_another_case_follows_the_avow_rules() {
    let (w, remote) = with_server();
    let keyring = std::fs::read_to_string(w.path().join(".avow/keyring.toml")).unwrap();
    // A stranger's keyring under .AVOW/.
    w.git(["checkout", "-q", "-b", "mallory"]);
    let mallory = w.keygen("mallory");
    w.write(".AVOW/keyring.toml", format!("{keyring}\n# mallory was here\n"));
    w.git(["add", "-A"]);
    let rationale = "Rationale: The keyring under this name is read by case-insensitive checkouts too.";
    let key = format!("avow.signingKey={}", mallory.display());
    w.git_notty([
        "-c",
        &key,
        "commit",
        "-q",
        "-m",
        "Add a keyring",
        "--trailer",
        "Authorship: human",
        "--trailer",
        rationale,
    ])
    .expect(0);
    let out = push(&w, &["mallory"], 1);
    assert!(out.contains("[trust.avow-change]"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "mallory"), "");
    // The maintainer's own change to .AVOW/ on main, then a rewind dropping it.
    w.git(["checkout", "-q", "main"]);
    w.change(".AVOW/keyring.toml", &format!("{keyring}\n# the maintainer's\n"), "Add the keyring in capitals");
    push(&w, &["main"], 0);
    let tip = w.git(["rev-parse", "HEAD"]);
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    let out = push(&w, &["--force", "main"], 1);
    assert!(
        out.starts_with("remote: avow: refs/heads/main: refused: this push replaces the branch's .avow/ (keyring and policy) with another"),
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), tip);
}

/// A SHA-256 project (`git init --object-format=sha256`) on a SHA-256
/// server, with the pre-push hook too: both read git's 64-digit ids from
/// their input. They took them for SHA-1 ids and refused every push with
/// "… is not in this repository".
#[test]
fn a_sha256_repository_pushes_through_pre_push_and_the_server() {
    let w = World::adopted_in(TestRepo::new_sha256(), "disclose");
    let remote = w.scratch().join("origin.git");
    w.git(["init", "-q", "--bare", "--object-format=sha256", "-b", "main", remote.to_str().unwrap()]);
    w.git(["remote", "add", "origin", remote.to_str().unwrap()]);
    w.git(["push", "-q", "--no-verify", "-u", "origin", "main"]);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    w.avow(["install", "--pre-push"]).expect(0);
    w.change("a.txt", "a\n", "Add a");
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    let shown: Vec<&str> = r.stderr.lines().map(str::trim_end).collect();
    assert_eq!(
        shown,
        [
            "avow: refs/heads/main → refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust origin's refs/heads/main)",
            "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)"
        ]
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
    // An unattested commit: refused by pre-push, and by the server when
    // pre-push is skipped.
    let before = w.git(["rev-parse", "HEAD"]);
    unattested(&w, "b.txt", "Sneak a change in");
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert!(r.stderr.contains("[attestation.missing]"), "{}", r.stderr);
    let out = push(&w, &["--no-verify", "main"], 1);
    assert!(out.contains("remote: avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "main"), before);
}
