//! Attacks on the server hooks (docs/server.md, docs/threat-model.md
//! "Where pushes arrive, and CI"): an outsider with push access and a
//! stolen contributor key, pushing with real `git push` into a bare
//! repository that carries `git avow install --server`.

use std::path::PathBuf;

use crate::keyring::{as_bob, as_bob_at, fingerprint, with_bob};
use crate::server::{origin, push, remote_rev, unattested};
use crate::support::*;

/// Alice (maintainer) and Bob (contributor) share a bare `origin` with
/// avow's pre-receive hook; Bob's laptop is stolen and Alice revokes his
/// key on `main` and pushes that. Returns the world, the remote and Bob's
/// private key (which the thief holds).
fn bobs_key_revoked_on_the_server() -> (World, PathBuf, PathBuf) {
    let (w, bob) = with_bob();
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    w.avow(["keyring", "revoke", &fingerprint(&w, &bob), "--reason", "laptop stolen"]).expect(0);
    let mut args = vec!["-a", "-m", "Revoke Bob's stolen key"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    w.git(["tag", "revoked"]);
    (w, remote, bob)
}

/// The thief first force-pushes `main` back to the commit before the
/// revocation. That push adds no commit, so nothing was verified and it
/// went through; the next push was then judged against the rewound
/// keyring, where Bob's key is still valid. A force push must not change
/// the `.avow/` later pushes are judged against.
#[test]
fn force_push_that_rewinds_the_keyring_to_before_a_revocation() {
    let (w, remote, bob) = bobs_key_revoked_on_the_server();
    let revoked = w.git(["rev-parse", "revoked"]);
    let out = push(&w, &["--force", "with-bob:main"], 1);
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        [
            "remote: avow: refs/heads/main: refused: this push replaces the branch's .avow/ (keyring and policy) with another without adding a commit that changes it, so a maintainer never attested the change; every later push would be verified against it",
            "remote: avow: refs/heads/main: to change .avow/, push a commit on top of refs/heads/main that makes the change, attested by a maintainer",
        ],
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), revoked, "main did not move");
    // Had the rewind gone through, this would have been judged against
    // the keyring before the revocation (and accepted). In one push, the
    // rewrite is refused as well.
    w.git(["switch", "-q", "-c", "theft", "with-bob"]);
    as_bob(&w, &bob, "loot.c", "Bob's stolen work");
    let out = push(&w, &["--force", "theft:main"], 1);
    assert!(out.starts_with("remote: avow: refs/heads/main: refused: this push replaces the branch's .avow/"), "{out}");
    // On top of main, the revocation refuses it.
    w.git(["switch", "-q", "-c", "theft-on-main", "revoked"]);
    // The hook tells the committer the key is revoked; the server refuses.
    let warned = as_bob_at(&w, &bob, "loot.c", "Bob's stolen work", avow_testutil::NOW);
    assert!(warned.contains("is revoked on ") && warned.contains("[signature.key-status]"), "{warned}");
    let out = push(&w, &["theft-on-main:main"], 1);
    assert!(out.contains("revoked on") && out.contains("laptop stolen [signature.key-status]"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "main"), revoked, "main did not move");
}

/// A rewrite that keeps `.avow/` as the branch has it is judged as before:
/// on the commits it adds. And the hint, literally: Alice undoes the
/// revocation with a new commit on top of main, which she attests.
#[test]
fn force_push_that_keeps_the_keyring_passes_and_a_keyring_change_goes_on_top() {
    let (w, remote, _bob) = bobs_key_revoked_on_the_server();
    w.change("a.txt", "a\n", "Add a");
    push(&w, &["main"], 0);
    w.git(["reset", "-q", "--hard", "HEAD~1"]);
    w.change("b.txt", "b\n", "Add b instead");
    assert_eq!(
        push(&w, &["--force", "main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    w.git(["checkout", "-q", "revoked~1", "--", ".avow"]);
    let mut args = vec!["-m", "Restore Bob's key: the laptop was found"];
    args.extend_from_slice(&HUMAN);
    w.commit(&args).expect(0);
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "HEAD"]));
}

/// After the revocation, the thief creates a branch at a commit from
/// before it (already on main: the push adds nothing to verify), then
/// pushes work signed with the key to that branch, which is judged against
/// its own keyring — from before the revocation. A key the default
/// branch's keyring revokes is refused on every branch.
#[test]
fn branch_created_at_a_commit_from_before_the_revocation() {
    let (w, remote, bob) = bobs_key_revoked_on_the_server();
    assert_eq!(
        push(&w, &["with-bob:refs/heads/old"], 0),
        "remote: avow: refs/heads/old: 0 commits: 0 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    w.git(["switch", "-q", "-c", "old", "with-bob"]);
    as_bob(&w, &bob, "loot.c", "Bob's stolen work");
    let out = push(&w, &["old"], 1);
    let lines: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(lines[0], "remote: FAIL    <id>  Bob's stolen work", "{out}");
    assert!(
        lines[1].starts_with("remote:         signed with <fingerprint> of Bob Example <bob@example.org>: revoked on ")
            && lines[1].ends_with(
                ": laptop stolen, in the keyring of refs/heads/main (a key the default branch revokes is refused on every ref) [signature.key-status]"
            ),
        "{out}"
    );
    assert_eq!(
        lines[2], "remote: avow: refs/heads/old: 1 commit: 0 accepted, 1 rejected (trust refs/heads/old)",
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "old"), w.git(["rev-parse", "with-bob"]), "the branch did not move");
    // Alice's own work on that branch still goes through.
    w.git(["switch", "-q", "-c", "alice-old", "with-bob"]);
    w.change("fix.txt", "fix\n", "Fix the old branch");
    assert_eq!(
        push(&w, &["alice-old:old"], 0),
        "remote: avow: refs/heads/old: 1 commit: 1 accepted, 0 rejected (trust refs/heads/old)\n"
    );
}

/// Notes refs are let through unverified by default; the thief parks an
/// unattested commit under one, then creates a branch at it, hoping that
/// the commit counts as already judged. Only branches count as judged: the
/// new branch's commits are verified. A pull ref pushed by hand (the ref a
/// squash's `(#N)` names) is verified as a branch is.
#[test]
fn commits_parked_under_a_notes_ref_or_a_pull_ref_are_not_judged_by_it() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    w.git(["switch", "-q", "-c", "smuggle"]);
    let bad = unattested(&w, "x.txt", "Parked under a notes ref");
    assert_eq!(push(&w, &["smuggle:refs/notes/parked"], 0), "");
    assert_eq!(remote_rev(&w, &remote, "refs/notes/parked"), bad);
    let out = push(&w, &["smuggle:refs/heads/feature"], 1);
    assert!(
        out.contains("remote: avow: refs/heads/feature: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)\n"),
        "{out}"
    );
    let out = push(&w, &["smuggle:refs/pull/9/head"], 1);
    assert!(
        out.contains("remote: avow: refs/pull/9/head: 1 commit: 0 accepted, 1 rejected (trust refs/heads/main)\n"),
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "refs/pull/9/head"), "");
}

/// The server keeps `master` as a symbolic ref to `main` after a rename.
/// Deleting `master` makes git delete what it points at — `main` — and
/// with no branch left, the next push "sets up the repository" unverified.
/// The default branch is never deleted, under any name.
#[test]
fn default_branch_deleted_through_a_symbolic_ref() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let git_dir = remote.to_str().unwrap();
    w.git(["--git-dir", git_dir, "symbolic-ref", "refs/heads/master", "refs/heads/main"]);
    let main = remote_rev(&w, &remote, "main");
    let out = push(&w, &[":master"], 1);
    assert_eq!(
        out.lines().next().unwrap(),
        "remote: avow: refs/heads/master: refused: it is the default branch refs/heads/main, through a symbolic ref, whose keyring and policy new branches are verified against",
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), main, "main is still there");
    // Then nothing could be verified: the unattested main the thief meant
    // to push next is refused.
    unattested(&w, "x.txt", "Take over main");
    let out = push(&w, &["main"], 1);
    assert!(out.contains("remote: avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected"), "{out}");
}

/// Entry 104. A bare repository made with `git init --bare` keeps `HEAD` at
/// `refs/heads/master` (or whatever `init.defaultBranch` said) however
/// many times `main` is pushed: `git push` never moves a server's `HEAD`.
/// The hook's default branch is then a branch that does not exist, so it
/// protected nothing from deletion: anyone with push access deleted
/// `main`, and the repository, with no branch left, took the next push of
/// `main` — unattested — as the "first push" that sets it up, unverified.
/// A deletion is now refused while the default branch does not exist, with
/// the hint that sets `HEAD`; followed, `main` is the default branch and is
/// never deleted.
#[test]
fn deleting_every_branch_while_head_names_a_missing_branch() {
    let w = World::adopted("disclose");
    let remote = w.remote("origin");
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    assert_eq!(w.git(["--git-dir", remote.to_str().unwrap(), "symbolic-ref", "HEAD"]), "refs/heads/master");
    w.change("a.txt", "a\n", "Add a");
    assert_eq!(
        push(&w, &["main"], 0),
        "remote: avow: refs/heads/main: 1 commit: 1 accepted, 0 rejected (trust refs/heads/main)\n"
    );
    let main = remote_rev(&w, &remote, "main");
    let out = push(&w, &[":main"], 1);
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "remote: avow: refs/heads/main: refused: the default branch refs/heads/master does not exist, so no branch may be deleted (one of them is the default branch in all but name); point HEAD at the default branch (`git symbolic-ref HEAD refs/heads/main`) or set `git config avow.receive.defaultBranch main` in the receiving repository",
        "{out}"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), main, "main was deleted");
    // Had the deletion gone through, this would have been the first push.
    w.git(["switch", "-q", "-c", "loot"]);
    unattested(&w, "loot.txt", "Unattested work");
    push(&w, &["--force", "loot:main"], 1);
    assert_eq!(remote_rev(&w, &remote, "main"), main);

    // The hint, followed literally in the receiving repository.
    let hint = first.split('`').nth(1).unwrap();
    assert_eq!(hint, "git symbolic-ref HEAD refs/heads/main");
    let args: Vec<&str> = hint.split(' ').skip(1).collect();
    let out = w.command("git").args(&args).current_dir(&remote).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        push(&w, &[":main"], 1).lines().next().unwrap(),
        "remote: avow: refs/heads/main: refused: it is the default branch, whose keyring and policy new branches are verified against"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), main);
}
