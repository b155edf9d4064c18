//! A contributor's first pull request, in the order people really do it:
//! Bob forks the project, clones his fork, commits and pushes before any
//! maintainer has his key; the hook's warning prints the command for a
//! maintainer, who runs it as printed on the project; Bob's branch, signed
//! before his key was added, verifies; the branch behind the project's
//! keyring is named as such (not "send your key again"), and the printed
//! fix works. Two clones, real pushes, real hooks.

use std::path::{Path, PathBuf};

use crate::support::*;

const BOB_NAME: &str = "Bob Builder";
const BOB_EMAIL: &str = "bob@example.org";

/// A shell command line as Bob types it in `dir`: his identity, his key,
/// `git-avow` on PATH, no terminal.
fn as_bob(w: &World, dir: &Path, line: &str) -> Run {
    let mut c = w.shell(line);
    c.current_dir(dir)
        .env("GIT_AUTHOR_NAME", BOB_NAME)
        .env("GIT_AUTHOR_EMAIL", BOB_EMAIL)
        .env("GIT_COMMITTER_NAME", BOB_NAME)
        .env("GIT_COMMITTER_EMAIL", BOB_EMAIL);
    c.output().unwrap().into()
}

/// The project (`origin`), Bob's fork of it, and Bob's clone of his fork
/// with the project as `upstream`, hooks installed, his key configured.
fn bobs_clone(w: &World) -> PathBuf {
    let origin = w.remote("origin");
    // A forge's repository has its default branch as HEAD.
    w.git(["--git-dir", origin.to_str().unwrap(), "symbolic-ref", "HEAD", "refs/heads/main"]);
    let fork = w.scratch().join("fork.git");
    w.git(["clone", "-q", "--bare", origin.to_str().unwrap(), fork.to_str().unwrap()]);
    let clone = w.scratch().join("bob-clone");
    w.git(["clone", "-q", fork.to_str().unwrap(), clone.to_str().unwrap()]);
    let key = w.keygen("bob");
    for line in [
        format!("git config user.name '{BOB_NAME}'"),
        format!("git config user.email {BOB_EMAIL}"),
        format!("git config avow.signingKey {}", key.display()),
        format!("git remote add upstream {}", origin.display()),
        "git fetch -q upstream".to_owned(),
        "git avow install".to_owned(),
    ] {
        as_bob(w, &clone, &line).expect(0);
    }
    clone
}

fn commit_line(subject: &str) -> String {
    format!("git commit -q -am '{subject}' --trailer 'Authorship: human' --trailer 'Rationale: {subject}: the parser stopped one element early; iterate to the end.'")
}

/// `git avow doctor`'s lines that are not `ok`.
fn doctor_problems(w: &World, dir: &Path) -> Vec<String> {
    let r = as_bob(w, dir, "git avow doctor");
    r.stdout.lines().filter(|l| !l.starts_with("ok ") && !l.starts_with("- ")).map(str::to_owned).collect()
}

#[test]
fn a_forks_pull_request_signed_before_the_key_was_added_verifies() {
    let w = World::adopted("disclose");
    w.change("parser.txt", "parse\n", "Add the parser");
    let bob = bobs_clone(&w);

    // Bob's first commit: his key is in no keyring yet.
    as_bob(&w, &bob, "git switch -q -c fix").expect(0);
    std::fs::write(bob.join("parser.txt"), "parse to the end\n").unwrap();
    let r = as_bob(&w, &bob, &commit_line("Fix the parser")).expect(0);
    let warning =
        r.stderr.lines().find(|l| l.contains("is not in .avow/keyring.toml")).unwrap_or_else(|| panic!("{}", r.stderr));
    let add = quoted_commands(warning);
    assert_eq!(add.len(), 1, "{warning}");
    assert!(
        add[0].starts_with(&format!("git avow keyring add --name \"{BOB_NAME}\" --email {BOB_EMAIL} --key ")),
        "{warning}"
    );
    as_bob(&w, &bob, "git push -q -u origin fix").expect(0);

    // The maintainer runs the printed command on the project, as printed.
    w.shell(&add[0]).output().map(Run::from).unwrap().expect(0);
    w.git(["add", ".avow"]);
    w.commit(&[
        "-m",
        "Add Bob's key",
        "--trailer",
        "Authorship: human",
        "--trailer",
        "Rationale: Bob sent his first pull request; his commits must verify.",
    ])
    .expect(0);
    w.git(["push", "-q", "origin", "main"]);

    // Bob's commit, signed before the key was added, verifies against
    // the project's keyring.
    // `git avow verify` alone checks `@{upstream}..HEAD`, and the upstream
    // of a pushed topic branch is its own copy: nothing to check, which
    // it says, naming the range the pull request is checked on.
    as_bob(&w, &bob, "git fetch -q upstream").expect(0);
    let r = as_bob(&w, &bob, "git avow verify").expect(0);
    assert!(r.stdout.contains("0 commits"), "{}", r.stdout);
    let note = r
        .stderr
        .lines()
        .find(|l| l.starts_with("avow: note: HEAD is where its upstream (origin/fix) is: nothing was checked"));
    let printed = quoted_commands(note.unwrap_or_else(|| panic!("{}", r.stderr)));
    assert_eq!(printed, ["git avow verify upstream/main..HEAD"]);
    let r = as_bob(&w, &bob, &printed[0]).expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted, 0 rejected"), "{}", r.stdout);

    // His branch's keyring is behind the project's, which has the key: the
    // hook and doctor say so, and do not ask him to send the key again.
    std::fs::write(bob.join("parser.txt"), "parse to the very end\n").unwrap();
    let r = as_bob(&w, &bob, &commit_line("Fix the last case of the parser")).expect(0);
    assert!(!r.stderr.contains("send them your public key"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("avow: note: your key {} is in upstream/main's .avow/keyring.toml, which `git avow verify upstream/main..HEAD` trusts, but not in this branch's: a maintainer added it after the branch left upstream/main; `git rebase upstream/main` brings it here", fingerprint(&w, "bob"))),
        "{}",
        r.stderr
    );
    let problems = doctor_problems(&w, &bob);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with("warn  keyring: your key ") && problems[0].contains("is in upstream/main's"),
        "{problems:?}"
    );
    assert_eq!(problems[1], "      fix: git rebase upstream/main");
    assert_eq!(problems[2], "avow doctor: no problems, 1 warning");
    // The fix, as printed: afterwards nothing is left to fix.
    as_bob(&w, &bob, "git rebase -q upstream/main").expect(0);
    assert_eq!(doctor_problems(&w, &bob), ["avow doctor: all good"]);
    as_bob(&w, &bob, "git push -q -f origin fix").expect(0);

    // The pull request, fetched from the fork as a forge exposes it, and
    // verified against the project's main.
    let fork = w.scratch().join("fork.git");
    w.git(["fetch", "-q", fork.to_str().unwrap(), "fix:refs/pull/1/head"]);
    let r = w.verify("main..refs/pull/1/head").expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted, 0 rejected"), "{}", r.stdout);
}

fn fingerprint(w: &World, key: &str) -> String {
    let out = w.command("ssh-keygen").arg("-lf").arg(w.scratch().join(key)).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split(' ').nth(1).unwrap().to_owned()
}
