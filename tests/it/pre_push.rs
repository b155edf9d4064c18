//! The pre-push hook (`git avow install --pre-push`): what is about to be
//! pushed is verified against the keyring and policy on the remote's side.

use std::io::Write as _;
use std::process::Stdio;

use crate::support::*;

/// Replaces commit ids and the scratch path so output can be compared whole.
pub fn filtered(w: &World, text: &str) -> String {
    let scratch = w.scratch().display().to_string();
    let text = text.replace(&scratch, "<scratch>");
    let mut out = String::new();
    for line in text.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|word| {
                if word.len() >= 12 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
                    "<id>".to_owned()
                } else if word.starts_with("SHA256:") {
                    "<fingerprint>".to_owned()
                } else {
                    word.to_owned()
                }
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

/// An adopted repository pushed to a bare remote `origin`, with the
/// pre-push hook installed.
fn with_remote() -> (World, std::path::PathBuf) {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    let out = w.avow(["install", "--pre-push"]).expect(0);
    assert_eq!(
        out.stdout,
        format!(
            "avow: installed commit-msg, prepare-commit-msg, post-rewrite, post-applypatch, pre-push in {}\n",
            w.path().join(".git/hooks").display()
        )
    );
    (w, remote)
}

fn remote_rev(w: &World, remote: &std::path::Path, rev: &str) -> String {
    let out = w.git_output(["--git-dir", remote.to_str().unwrap(), "rev-parse", "--verify", "-q", rev]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn unattested(w: &World, file: &str) {
    w.write(file, "unattested\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Sneak a change in"]);
}

#[test]
fn a_good_push_passes_and_a_bad_one_is_refused() {
    let (w, remote) = with_remote();
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: refs/heads/main → refs/heads/main: 2 commits: 2 accepted, 0 rejected (trust origin's refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));

    let pushed = w.git(["rev-parse", "HEAD"]);
    unattested(&w, "c.txt");
    w.change("d.txt", "d\n", "Add d");
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert_eq!(
        filtered(&w, &r.stderr),
        "FAIL    <id>  Sneak a change in\n\
         \x20       the commit carries no attestation (no Authorship, Rationale or Avow-Signature trailers); install the hook with `git avow install` and re-commit [attestation.missing]\n\
         avow: refs/heads/main → refs/heads/main: 2 commits: 1 accepted, 1 rejected (trust origin's refs/heads/main)\n\
         avow: push refused: re-sign your statements with `git avow reattest origin/main..HEAD` (it names any commit it cannot re-sign, and what that commit needs), then push again\n\
         error: failed to push some refs to '<scratch>/origin.git'\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), pushed, "the remote did not move");
}

#[test]
fn new_branches_are_checked_against_the_remotes_default_branch_and_deletions_pass() {
    let (w, remote) = with_remote();
    w.git(["checkout", "-q", "-b", "feature"]);
    unattested(&w, "c.txt");
    let r = w.git_notty(["push", "-q", "origin", "feature"]).expect(1);
    assert_eq!(
        filtered(&w, &r.stderr).lines().nth(2).unwrap(),
        "avow: refs/heads/feature → refs/heads/feature: 1 commit: 0 accepted, 1 rejected (trust origin/main)"
    );
    assert_eq!(remote_rev(&w, &remote, "feature"), "");

    // Attest it (a commit made with --no-verify is re-attested by amending).
    let mut args = vec!["--amend", "--no-edit"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    let r = w.git_notty(["push", "-q", "origin", "feature"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: refs/heads/feature → refs/heads/feature: 1 commit: 1 accepted, 0 rejected (trust origin/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "feature"), w.git(["rev-parse", "HEAD"]));

    // A deletion brings no commits: nothing to verify, nothing printed.
    let r = w.git_notty(["push", "-q", "origin", ":feature"]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(remote_rev(&w, &remote, "feature"), "");
}

/// The refusal's last line, and the commands it quotes.
fn refusal_commands(stderr: &str) -> (String, Vec<String>) {
    let line = stderr.lines().find(|l| l.starts_with("avow: push refused: ")).expect("a refusal").to_owned();
    let commands = quoted_commands(&line);
    (line, commands)
}

/// Runs each command as the pusher types it; each must succeed.
fn follow(w: &World, commands: &[String]) {
    for command in commands {
        let r: Run = w.shell(command).output().unwrap().into();
        r.expect(0);
    }
}

/// A push whose statements no longer match their changes (a fix amended
/// in with `--no-verify`) is refused with the command that re-signs them;
/// typed as printed, it does, and the same push goes through.
#[test]
fn a_refused_push_names_reattest_and_following_it_lets_the_push_through() {
    let (w, remote) = with_remote();
    w.change("a.txt", "a\n", "Add a");
    w.change("b.txt", "b\n", "Add b");
    w.write("b.txt", "b, spelled right\n");
    w.git(["commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert!(r.stderr.contains("[attestation.change]"), "{}", r.stderr);
    let (line, commands) = refusal_commands(&r.stderr);
    assert_eq!(commands, ["git avow reattest origin/main..HEAD"], "{line}");
    follow(&w, &commands);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: refs/heads/main → refs/heads/main: 2 commits: 2 accepted, 0 rejected (trust origin's refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// A new branch pushed from another checked-out branch: the command
/// switches to it first (reattest rewrites the current branch) and takes
/// the remote's default branch as the base, as the check did.
#[test]
fn the_hint_for_a_branch_not_checked_out_switches_to_it() {
    let (w, remote) = with_remote();
    w.git(["switch", "-q", "-c", "feature"]);
    w.change("f.txt", "f\n", "Add f");
    w.write("f.txt", "f, finished\n");
    w.git(["commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]);
    w.git(["switch", "-q", "main"]);
    let r = w.git_notty(["push", "-q", "origin", "feature"]).expect(1);
    let (line, commands) = refusal_commands(&r.stderr);
    assert_eq!(commands, ["git switch feature && git avow reattest origin/main..HEAD"], "{line}");
    follow(&w, &commands);
    w.git_notty(["push", "-q", "origin", "feature"]).expect(0);
    assert_eq!(remote_rev(&w, &remote, "feature"), w.git(["rev-parse", "feature"]));
}

/// Entry 146: entry 134 in the pre-push hook's hint. A contributor names
/// their pull request's branch `pr$(touch${IFS}pwned)` (git allows `$`,
/// parentheses and braces); the maintainer checks it out under that name,
/// as `gh pr checkout` does, and pushes it from another branch. The
/// refusal's `git switch BRANCH && …` carried the name as it was: copied
/// and run, the shell ran the contributor's command. The branch and the
/// base are shell words; run as printed, the command switches, re-signs
/// and runs nothing else, and the push goes through.
#[test]
fn the_hint_quotes_a_branch_name_a_shell_would_run() {
    let (w, remote) = with_remote();
    let branch = "pr$(touch${IFS}pwned)";
    w.git(["switch", "-q", "-c", branch]);
    w.change("f.txt", "f\n", "Add f");
    w.write("f.txt", "f, finished\n");
    w.git(["commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]);
    w.git(["switch", "-q", "main"]);
    let r = w.git_notty(["push", "-q", "origin", branch]).expect(1);
    let (line, commands) = refusal_commands(&r.stderr);
    assert_eq!(commands, ["git switch 'pr$(touch${IFS}pwned)' && git avow reattest origin/main..HEAD"], "{line}");
    follow(&w, &commands);
    assert!(!w.path().join("pwned").exists(), "the hint ran a command");
    w.git_notty(["push", "-q", "origin", branch]).expect(0);
    assert_eq!(remote_rev(&w, &remote, branch), w.git(["rev-parse", branch]));
}

/// Mallory adds her key to the local keyring and signs a commit ("Add my
/// other key") with it: the local keyring says yes, the receiving side's
/// says no.
pub fn add_own_key(w: &World) {
    let mallory = w.keygen("mallory");
    let pubkey = format!("{}.pub", mallory.display());
    w.avow(["keyring", "add", "--name", AUTHOR_NAME, "--email", AUTHOR_EMAIL, "--key", &pubkey]).expect(0);
    w.git(["config", "avow.signingKey", mallory.to_str().unwrap()]);
    w.git(["add", "-A"]);
    let mut args = vec!["-m", "Add my other key"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
}

#[test]
fn the_keyring_comes_from_the_remote_so_a_push_cannot_add_its_own_key() {
    let (w, _remote) = with_remote();
    add_own_key(&w);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert_eq!(
        filtered(&w, &r.stderr),
        "FAIL    <id>  Add my other key\n\
         \x20       signed with <fingerprint> which is not in the trusted keyring (.avow/keyring.toml at origin's refs/heads/main); a maintainer adds keys in a commit that is already trusted [signature.unknown-key]\n\
         \x20       the commit changes .avow/ (keyring or policy) but is not attested by a maintainer of the trusted keyring at origin's refs/heads/main [trust.avow-change]\n\
         avow: refs/heads/main → refs/heads/main: 1 commit: 0 accepted, 1 rejected (trust origin's refs/heads/main)\n\
         avow: push refused: fix what each line above names, then push again\n\
         error: failed to push some refs to '<scratch>/origin.git'\n"
    );
}

#[test]
fn a_remote_without_avow_is_pushed_to_with_a_note() {
    let w = World::adopted("disclose");
    w.avow(["install", "--pre-push"]).expect(0);
    let empty = w.scratch().join("empty.git");
    w.git(["init", "-q", "--bare", empty.to_str().unwrap()]);
    w.git(["remote", "add", "empty", empty.to_str().unwrap()]);
    let r = w.git_notty(["push", "-q", "empty", "main"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: empty has no branch fetched here to take the keyring and policy from; refs/heads/main is not verified\n"
    );
}

/// Runs `git avow hook pre-push origin URL` with `input` on standard input.
fn hook_with_input(w: &World, input: &str) -> Run {
    let mut child = w
        .command(avow_bin())
        .args(["hook", "pre-push", "origin", "/nowhere"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap().into()
}

#[test]
fn malformed_input_and_an_unfetched_remote_tip_are_errors_with_hints() {
    let (w, _remote) = with_remote();
    let r = hook_with_input(&w, "refs/heads/main abc\n").expect(2);
    assert_eq!(
        r.stderr,
        "git-avow: error: pre-push input line 1: expected `<local ref> <local sha> <remote ref> <remote sha>`, got \"refs/heads/main abc\"\n\
         hint: this command is run by git's pre-push hook (`git avow install --pre-push`), which feeds it these lines\n"
    );
    let head = w.git(["rev-parse", "HEAD"]);
    let unknown = "1".repeat(40);
    let r = hook_with_input(&w, &format!("refs/heads/main {head} refs/heads/main {unknown}\n")).expect(2);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: origin's refs/heads/main is at {unknown}, which this repository does not have\n\
             hint: run `git fetch origin` and integrate its changes, then push again\n"
        )
    );
    let r = hook_with_input(&w, &format!("refs/heads/main {unknown} refs/heads/main {head}\n")).expect(2);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: refs/heads/main: {unknown} is not in this repository\nhint: run the hook through `git push`\n"
        )
    );
}

#[test]
fn uninstall_removes_the_pre_push_hook_too() {
    let (w, _remote) = with_remote();
    let out = w.avow(["uninstall"]).expect(0);
    assert_eq!(out.stdout, format!("avow: removed 5 hooks from {}\n", w.path().join(".git/hooks").display()));
    unattested(&w, "c.txt");
    w.git_notty(["push", "-q", "origin", "main"]).expect(0);
}

#[test]
fn a_chained_pre_push_hook_and_avow_both_read_the_refs() {
    let w = World::adopted("disclose");
    w.remote("origin");
    let log = w.scratch().join("pre-push.log");
    let hook = w.path().join(".git/hooks/pre-push");
    std::fs::write(&hook, format!("#!/bin/sh\necho \"$1\" >> '{0}'\ncat >> '{0}'\n", log.display())).unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&hook).status().unwrap();
    w.avow(["install", "--pre-push"]).expect(0);
    let old = w.git(["rev-parse", "HEAD"]);
    w.change("a.txt", "a\n", "Add a");
    let new = w.git(["rev-parse", "HEAD"]);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("origin\nrefs/heads/main {new} refs/heads/main {old}\n")
    );
    assert_eq!(
        r.stderr,
        "avow: refs/heads/main → refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust origin's refs/heads/main)\n"
    );
}

#[test]
fn the_hooks_folder_works_as_core_hooks_path() {
    // A project that vendors avow's hooks/ and points core.hooksPath at it.
    let w = World::adopted("disclose");
    w.avow(["uninstall"]).expect(0);
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        let to = w.path().join("hooks").join(entry.file_name());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(entry.path(), &to).unwrap();
    }
    w.git(["config", "core.hooksPath", "hooks"]);
    w.remote("origin");
    let mut path = vec![avow_bin().parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let path = std::env::join_paths(path).unwrap();
    let git = |args: &[&str]| -> Run {
        let mut c = w.command("setsid");
        c.arg("-w").arg("git").args(args).env("PATH", &path);
        c.output().unwrap().into()
    };
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let r = git(&["commit", "-q", "-m", "Add a"]).expect(1);
    assert!(r.stderr.starts_with("avow: commit refused: the message lacks"), "{}", r.stderr);
    let mut args = vec!["commit", "-q", "-m", "Add a"];
    args.extend_from_slice(&HUMAN);
    git(&args).expect(0);
    w.verify("base..HEAD").expect(0);
    git(&["commit", "-q", "--no-verify", "--allow-empty", "-m", "Sneak"]).expect(0);
    let r = git(&["push", "-q", "origin", "main"]).expect(1);
    assert!(r.stderr.contains("1 accepted, 1 rejected (trust origin's refs/heads/main)\n"), "{}", r.stderr);
}

#[test]
fn an_annotated_tag_is_verified_through_the_commit_it_names() {
    let (w, remote) = with_remote();
    unattested(&w, "c.txt");
    w.git(["tag", "-a", "-m", "Release", "v1"]);
    let r = w.git_notty(["push", "-q", "origin", "v1"]).expect(1);
    assert_eq!(
        filtered(&w, &r.stderr).lines().nth(2).unwrap(),
        "avow: refs/tags/v1 → refs/tags/v1: 1 commit: 0 accepted, 1 rejected (trust origin/main)"
    );
    assert_eq!(remote_rev(&w, &remote, "v1"), "");
}

#[test]
fn a_broken_policy_on_the_remote_is_an_error_naming_it() {
    let (w, remote) = with_remote();
    w.write(".avow/policy.toml", "this is = not [valid toml\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Break the policy"]);
    w.git(["push", "-q", "--no-verify", "origin", "main"]);
    unattested(&w, "a.txt");
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(1);
    assert_eq!(
        r.stderr,
        format!(
            "git-avow: error: .avow/policy.toml@{}:1: expected `.`, `=`\n\
             hint: fix the file in a trusted commit; docs/keyring.md and docs/policy.md describe the format\n\
             error: failed to push some refs to '{}'\n",
            remote_rev(&w, &remote, "main"),
            remote.display()
        )
    );
}

#[test]
fn avow_enabled_false_lets_a_push_through_unchecked() {
    let (w, remote) = with_remote();
    unattested(&w, "c.txt");
    let r = w.git_notty(["-c", "avow.enabled=false", "push", "-q", "origin", "main"]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

#[test]
fn the_push_that_adopts_avow_goes_through_with_a_note() {
    let w = World::bare();
    w.write("README", "hello\n");
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", "Start"]);
    w.remote("origin");
    w.avow(["init", "--preset", "disclose"]).expect(0);
    w.avow(["install", "--pre-push"]).expect(0);
    w.git(["add", ".avow"]);
    let mut args = vec!["-m", "Adopt avow"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    let r = w.git_notty(["push", "-q", "origin", "main"]).expect(0);
    assert_eq!(r.stderr, "avow: origin's refs/heads/main has no .avow/ yet; refs/heads/main is not verified\n");
    // From then on the remote's side is the trust base.
    unattested(&w, "c.txt");
    w.git_notty(["push", "-q", "origin", "main"]).expect(1);
}

#[test]
fn a_tag_moved_on_the_remote_is_checked_from_the_commit_it_named() {
    let (w, remote) = with_remote();
    w.git(["tag", "-a", "-m", "Release", "v1"]);
    w.git(["push", "-q", "origin", "v1"]);
    w.change("a.txt", "a\n", "Add a");
    w.git(["tag", "-f", "-a", "-m", "Release again", "v1"]);
    let r = w.git_notty(["push", "-q", "-f", "origin", "v1"]).expect(0);
    assert_eq!(
        r.stderr,
        "avow: refs/tags/v1 → refs/tags/v1: 1 commit: 1 accepted, 0 rejected (trust origin's refs/tags/v1)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "v1^{commit}"), w.git(["rev-parse", "HEAD"]));
}
