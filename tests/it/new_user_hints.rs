//! Hints no test followed before, each provoked with real git and
//! ssh-keygen and run as printed: a key `init` refuses, a failing
//! `gpg.ssh.defaultKeyCommand`, an adoption tag a `--no-tags` clone lacks,
//! `reattest --vouch` for a maintainer taking over others' commits, and a
//! printed range ending in a branch name a pull request's author chose.

use std::path::{Path, PathBuf};

use crate::support::*;

/// The commands a hint quotes (every backticked `git …` or `ssh-keygen …`).
fn hint_commands(stderr: &str) -> Vec<String> {
    let hint = stderr.lines().find_map(|l| l.strip_prefix("hint: ")).unwrap_or_else(|| panic!("no hint:\n{stderr}"));
    hint.split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("git ") || c.starts_with("ssh-keygen "))
        .map(str::to_owned)
        .collect()
}

/// Runs a hint's command in the work tree as typed: `git avow` on PATH,
/// `~` the test's home.
fn run_in(w: &World, dir: &Path, line: &str) -> Run {
    let mut c = w.shell(line);
    c.current_dir(dir);
    c.output().unwrap().into()
}

/// A DSA key, which ssh-keygen still makes and avow refuses.
fn dsa_key(w: &World) -> PathBuf {
    w.keygen_typed("old-dsa", &["-t", "dsa"], "")
}

/// `git avow init --key` with a key type the keyring refuses names, as
/// commands, the key to adopt with instead (yours, when there is one) and
/// the setting that signs with it; run as printed, adoption verifies.
#[test]
fn init_with_a_refused_key_names_yours_and_the_commands_adopt_with_it() {
    let w = World::bare();
    let dsa = dsa_key(&w);
    // A contributor with an ed25519 key of their own at the default place.
    let ssh = w.home().join(".ssh");
    std::fs::copy(&w.key, ssh.join("id_ed25519")).unwrap();
    std::fs::copy(w.key.with_extension("pub"), ssh.join("id_ed25519.pub")).unwrap();
    w.git(["config", "avow.signingKey", dsa.to_str().unwrap()]);
    let r = w.avow(["init", "--preset", "no-autonomous", "--key", &format!("{}.pub", dsa.display())]).expect(2);
    assert!(r.stderr.starts_with("git-avow: error: ssh-dss keys are not accepted"), "{}", r.stderr);
    let commands = hint_commands(&r.stderr);
    assert_eq!(
        commands,
        [
            "git avow init --preset no-autonomous --key ~/.ssh/id_ed25519.pub",
            "git config avow.signingKey ~/.ssh/id_ed25519"
        ],
        "{}",
        r.stderr
    );
    assert!(!w.path().join(".avow").exists(), "nothing was written");
    for c in &commands {
        run_in(&w, &w.path(), c).expect(0);
    }
    adopt_and_verify(&w);
}

/// With no ed25519 key at all, the refusal says how to make one first;
/// on a terminal (ssh-keygen asks for a passphrase), the commands as
/// printed adopt avow.
#[test]
fn init_with_a_refused_key_and_no_other_names_how_to_make_one() {
    let w = World::bare();
    let weak = w.keygen_typed("old-rsa", &["-t", "rsa", "-b", "1024"], "");
    let r = w.avow(["init", "--key", &format!("{}.pub", weak.display())]).expect(2);
    assert!(r.stderr.contains("an RSA key of 1024 bits is not accepted"), "{}", r.stderr);
    let commands = hint_commands(&r.stderr);
    assert_eq!(commands[0], "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519", "{}", r.stderr);
    let bin = avow_bin().parent().unwrap().display().to_string();
    let line = format!("PATH={bin}:$PATH; {}", commands.join(" && "));
    // ssh-keygen asks for the passphrase twice: none.
    let (code, screen) = w.on_terminal(&line, "\n\n", &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(w.home().join(".ssh/id_ed25519").is_file(), "{screen}");
    adopt_and_verify(&w);
}

/// Installs the hooks, commits .avow/ and a change, and verifies both
/// against the adoption commit itself.
fn adopt_and_verify(w: &World) {
    w.commit_adoption();
    w.change("a.txt", "a\n", "Add a");
    w.avow(["verify", "HEAD", "--trust", "HEAD~1"]).expect(0);
}

/// `gpg.format = ssh` with `gpg.ssh.defaultKeyCommand = ssh-add -L` and no
/// agent running: the command fails, and the hook names the setting that
/// points avow at the key file instead; as printed, the commit is made.
#[test]
fn a_failing_default_key_command_names_a_key_file_that_works() {
    let w = World::adopted("disclose");
    let ssh = w.home().join(".ssh");
    std::fs::copy(&w.key, ssh.join("id_ed25519")).unwrap();
    std::fs::copy(w.key.with_extension("pub"), ssh.join("id_ed25519.pub")).unwrap();
    w.git(["config", "--unset", "avow.signingKey"]);
    w.git(["config", "gpg.format", "ssh"]);
    w.git(["config", "gpg.ssh.defaultKeyCommand", "ssh-add -L"]);
    w.write("a.txt", "a\n");
    w.git(["add", "a.txt"]);
    let args = [
        "-m",
        "Add a",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: A file a to attest; small and reviewed.",
    ];
    let r = w.commit(&args).expect(1);
    assert!(r.stderr.contains("gpg.ssh.defaultKeyCommand (ssh-add -L) failed"), "{}", r.stderr);
    let commands = hint_commands(&r.stderr);
    assert_eq!(commands, ["git config avow.signingKey ~/.ssh/id_ed25519"], "{}", r.stderr);
    run_in(&w, &w.path(), &commands[0]).expect(0);
    w.commit(&args).expect(0);
    w.verify("base..HEAD").expect(0);
}

/// `adoption.since` names a tag, and a clone made with `--no-tags` has
/// none: `git fetch origin` (the old hint) fetches no tags there. The
/// printed fetch brings the tag, and verify runs.
#[test]
fn an_adoption_tag_missing_from_a_no_tags_clone_is_fetched_as_printed() {
    let w = World::bare();
    w.repo.write("old.txt", "before avow\n");
    w.repo.git(["add", "old.txt"]);
    w.repo.git(["commit", "-q", "-m", "Work before avow"]);
    w.repo.git(["tag", "v1.0"]);
    w.avow(["init", "--preset", "disclose"]).expect(0);
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let since = policy.lines().find(|l| l.starts_with("since = ")).expect("init set adoption.since").to_owned();
    std::fs::write(w.path().join(".avow/policy.toml"), policy.replace(&since, "since = \"v1.0\"")).unwrap();
    w.commit_adoption();
    let clone = w.scratch().join("clone");
    w.repo.git(["clone", "-q", "--no-tags", w.path().to_str().unwrap(), clone.to_str().unwrap()]);
    let r = w.avow_in(&clone, ["verify", "HEAD", "--trust", "HEAD"]).expect(2);
    assert!(r.stderr.contains("adoption.since = \"v1.0\""), "{}", r.stderr);
    // What the old hint said fixes nothing here.
    run_in(&w, &clone, "git fetch -q origin").expect(0);
    w.avow_in(&clone, ["verify", "HEAD", "--trust", "HEAD"]).expect(2);
    let commands = hint_commands(&r.stderr);
    assert_eq!(commands, ["git fetch origin tag v1.0"], "{}", r.stderr);
    run_in(&w, &clone, &commands[0]).expect(0);
    let v = w.avow_in(&clone, ["verify", "HEAD", "--trust", "HEAD"]).expect(0);
    assert!(v.stdout.contains("1 accepted, 0 rejected, 1 exempt"), "{}", v.stdout);
}

/// A commit id that the trusted history lacks cannot be fetched into it:
/// the hint says the policy must change, and offers no fetch.
#[test]
fn an_adoption_id_outside_the_history_is_not_offered_a_fetch() {
    let w = World::adopted("disclose");
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    let missing = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        w.path().join(".avow/policy.toml"),
        policy.replace("# since = \"v1.4.0\"", &format!("since = \"{missing}\"")),
    )
    .unwrap();
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Name the adoption",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: The history before adopting is exempt by its id.",
    ])
    .expect(0);
    let r = w.avow(["verify", "HEAD", "--trust", "HEAD"]).expect(2);
    assert!(r.stderr.contains("names no commit in this repository"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: the commit is not in the history of HEAD"), "{}", r.stderr);
    assert!(hint_commands(&r.stderr).is_empty(), "{}", r.stderr);
}

/// A maintainer takes over Bob's commit after a conflict, where the
/// policy lets keyring people vouch: `reattest` refuses Bob's statement
/// and now says `--vouch` signs it in the maintainer's name; run as
/// printed (then the `--sign` it names, since no hook recorded the pick),
/// the range verifies under that policy.
#[test]
fn reattest_names_vouch_where_the_policy_lets_keyring_people_vouch() {
    let w = crate::workflows::bobs_topic();
    assert_ne!(w.git_notty(["cherry-pick", "topic"]).code, 0);
    crate::workflows::resolve(&w);
    w.git_notty(["-c", "core.hooksPath=/nonexistent", "cherry-pick", "--continue"]).expect(0);
    // Under the default policy, no such hint.
    let r = w.avow(["reattest", "base..main"]).expect(1);
    assert!(!r.stderr.contains("--vouch"), "{}", r.stderr);
    // The maintainers let keyring people vouch, on main.
    let policy = std::fs::read_to_string(w.path().join(".avow/policy.toml")).unwrap();
    std::fs::write(
        w.path().join(".avow/policy.toml"),
        policy.replace("understood-by = \"author\"", "understood-by = \"keyring\""),
    )
    .unwrap();
    let r = w.avow(["reattest", "base..main"]).expect(1);
    let vouch: Vec<String> = r.stderr.lines().filter(|l| l.starts_with("hint: ")).flat_map(hint_commands).collect();
    assert_eq!(vouch, ["git avow reattest --vouch base..main"], "{}", r.stderr);
    let r = run_in(&w, &w.path(), &vouch[0]).expect(1);
    let sign: Vec<&str> = r.stderr.lines().map(str::trim).filter(|l| l.starts_with("git avow reattest")).collect();
    assert_eq!(sign.len(), 1, "{}", r.stderr);
    assert!(sign[0].starts_with("git avow reattest --vouch --sign "), "{}", r.stderr);
    run_in(&w, &w.path(), sign[0]).expect(0);
    assert_eq!(w.trailer("HEAD", "Understood-by").unwrap(), "Alice Example <alice@example.org>");
    // Verified under a trusted commit with that policy.
    w.git(["switch", "-q", "-c", "trust"]);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Let keyring people vouch",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Maintainers re-sign resolved picks of others' work.",
    ])
    .expect(0);
    w.avow(["verify", "base..main", "--trust", "trust", "--no-fast-path"]).expect(0);
}

/// `gh pr checkout` names the local branch after the pull request's own,
/// which its author chose and git allows to hold `$(…)`. After a rebase
/// with a conflict, post-rewrite printed `git avow reattest BASE..BRANCH`
/// with the name as it is, so pasting it ran the author's command. The
/// range is one quoted word now: as printed, it re-signs and runs nothing
/// else (docs/threat-model.md, entry 147).
#[test]
fn a_printed_reattest_range_runs_nothing_a_branch_name_holds() {
    let w = crate::workflows::diverged();
    let hostile = "pr$(touch${IFS}pwned)";
    w.git(["branch", "-m", hostile]);
    assert_ne!(w.git_notty(["rebase", "main"]).code, 0, "the rebase stops at the conflict");
    crate::workflows::resolve(&w);
    let r = w.git_notty(["rebase", "--continue"]).expect(0);
    let line = r
        .stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("git avow reattest"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(line.ends_with(&format!("..{hostile}'")), "{line}");
    run_in(&w, &w.path(), line).expect(0);
    assert!(!w.path().join("pwned").exists(), "the branch name ran a command");
    w.avow(["verify", &format!("main..{hostile}"), "--no-fast-path"]).expect(0);
}

/// verify's refusal of a `fixup!` commit named `git rebase -i --autosquash
/// BASE`, which fails as pasted (`invalid upstream 'BASE'`). It names the
/// range's base by id now; run as printed (the editor keeps git's todo
/// list), the fixup is folded in, post-rewrite re-signs, and the range
/// verifies.
#[test]
fn a_fixup_commit_is_folded_in_with_the_rebase_verify_prints() {
    let w = World::adopted("disclose");
    w.change("a.txt", "a\n", "Add a");
    w.write("a.txt", "a, fixed\n");
    w.git(["add", "a.txt"]);
    w.commit(&["--fixup", "HEAD"]).expect(0);
    let v = w.verify("base..HEAD").expect(1);
    assert!(v.stdout.contains("[attestation.fixup]"), "{}", v.stdout);
    let commands = quoted_commands(&v.stdout);
    let base = w.git(["rev-parse", "--short=12", "base"]);
    assert_eq!(commands, [format!("git rebase -i --autosquash {base}")], "{}", v.stdout);
    run_in(&w, &w.path(), &commands[0]).expect(0);
    assert_eq!(w.git(["log", "--format=%s", "base..HEAD"]), "Add a");
    assert_eq!(w.git(["show", "HEAD:a.txt"]), "a, fixed");
    w.avow(["verify", "base..HEAD", "--no-fast-path"]).expect(0);
}

/// A project whose default branch is `trunk`, checked out as CI does
/// (the pull request's commits, no `origin/trunk`): verify's hint named
/// `git fetch origin main`, which fails there. It names the branch of the
/// missing remote-tracking name now; as printed, the range verifies.
#[test]
fn a_missing_remote_base_is_fetched_by_its_own_name() {
    let w = World::adopted("disclose");
    w.git(["branch", "-m", "trunk"]);
    let clone = w.scratch().join("ci");
    w.git(["clone", "-q", "--single-branch", "--branch", "trunk", w.path().to_str().unwrap(), clone.to_str().unwrap()]);
    run_in(&w, &clone, "git switch -q -c pr && git update-ref -d refs/remotes/origin/trunk").expect(0);
    let r = w.avow_in(&clone, ["verify", "origin/trunk..HEAD"]).expect(2);
    assert!(r.stderr.starts_with("git-avow: error: unknown revision `origin/trunk`"), "{}", r.stderr);
    let commands = hint_commands(&r.stderr);
    assert_eq!(commands, ["git rev-parse", "git fetch origin trunk"], "{}", r.stderr);
    run_in(&w, &clone, &commands[1]).expect(0);
    w.avow_in(&clone, ["verify", "origin/trunk..HEAD"]).expect(0);
}

/// A clone's `origin/HEAD` names the remote's default branch, which whoever
/// runs the remote chose, and git allows `$(…)` in it. verify's and
/// reattest's "give a range" hints, the pre-adoption and doctor advice
/// named it unquoted; pasted, the command in the name ran. Now one quoted
/// word: as printed, the commands run and nothing else does
/// (docs/threat-model.md, entry 148).
#[test]
fn a_remote_default_branch_name_in_a_hint_runs_nothing() {
    let w = World::adopted("disclose");
    let hostile = "x$(touch${IFS}pwned)";
    let remote = w.scratch().join("upstream.git");
    w.git(["init", "-q", "--bare", "-b", hostile, remote.to_str().unwrap()]);
    w.git(["push", "-q", "--no-verify", remote.to_str().unwrap(), &format!("main:{hostile}")]);
    let clone = w.scratch().join("clone");
    w.git(["clone", "-q", remote.to_str().unwrap(), clone.to_str().unwrap()]);
    run_in(&w, &clone, "git switch -q -c topic").expect(0);
    for command in ["verify", "reattest"] {
        let r = w.avow_in(&clone, [command]).expect(2);
        let printed = hint_commands(&r.stderr);
        assert_eq!(printed, [format!("git avow {command} 'origin/{hostile}..HEAD'")], "{}", r.stderr);
        run_in(&w, &clone, &printed[0]).expect(0);
    }
    assert!(!clone.join("pwned").exists(), "a remote's branch name ran a command");
}

/// A project on `trunk`, no remote yet: verify without a range on a topic
/// branch offered only `HEAD --trust HEAD` (the branch judged by its own
/// keyring). With `init.defaultBranch = trunk` set, as people who name
/// their default branch so do, it names `trunk..HEAD`, which verifies.
#[test]
fn a_topic_branch_off_trunk_is_offered_the_trunk_range() {
    let w = World::adopted("disclose");
    w.git(["branch", "-m", "trunk"]);
    w.git(["switch", "-q", "-c", "topic"]);
    w.change("a.txt", "a\n", "Add a");
    let r = w.avow(["verify"]).expect(2);
    assert_eq!(hint_commands(&r.stderr), ["git avow verify HEAD --trust HEAD"], "{}", r.stderr);
    w.git(["config", "--global", "init.defaultBranch", "trunk"]);
    let r = w.avow(["verify"]).expect(2);
    let printed = hint_commands(&r.stderr);
    assert_eq!(printed, ["git avow verify trunk..HEAD"], "{}", r.stderr);
    let v = run_in(&w, &w.path(), &printed[0]).expect(0);
    assert!(v.stdout.contains("1 commit: 1 accepted"), "{}", v.stdout);
}
