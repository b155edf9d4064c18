//! Attacks on the server hooks (docs/server.md, docs/threat-model.md
//! "Where pushes arrive, and CI"): an outsider with push access and a
//! stolen contributor key, pushing with real `git push` into a bare
//! repository that carries `git avow install --server`.

use std::path::PathBuf;

use crate::keyring::{as_bob, as_bob_at, fingerprint, with_bob};
use crate::server::{origin, push, push_cpu, remote_rev, unattested, write_parser_tables};
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

/// A server with avow's hook, and the statement (with its signature) of
/// the commit that adopted avow, which anyone can copy from the history.
fn server_and_a_copied_statement() -> (World, PathBuf, String) {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let statement = w.message("base").split_once("\n\n").unwrap().1.to_owned();
    (w, remote, statement)
}

/// Entry 110. Anyone who may push makes one huge commit (here 20 files of
/// 20,000 lines) and gives its statement — copied, with its signature, from
/// any commit of the project — to 60 small commits after it. Each is refused,
/// but the rationale-reuse rule confirmed each reuse by verifying the huge
/// commit again: the server spent 60 times the huge commit's cost on a push
/// that carried it once, quadratic in what the pusher sends. Each earlier
/// commit is now verified again at most once: the push costs what the same
/// push with 60 different rationales costs.
#[test]
fn one_huge_commits_statement_reused_by_many_small_commits_is_verified_again_once() {
    let (w, remote, statement) = server_and_a_copied_statement();
    let statement = statement.as_str();
    write_parser_tables(&w);
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", &format!("Vendor the parser tables\n\n{statement}")]);
    let huge = w.git(["rev-parse", "HEAD"]);
    // 60 small commits on top, with the huge commit's statement or (to
    // compare) each with a rationale of its own.
    let small = |branch: &str, reuse: bool| {
        let mut head = huge.clone();
        for i in 0..60 {
            w.write("small.txt", format!("{i}\n"));
            w.git(["add", "small.txt"]);
            let tree = w.git(["write-tree"]);
            let own = statement.replace("Rationale: ", &format!("Rationale: Small change number {i}. "));
            let msg = format!("Small change {i}\n\n{}", if reuse { statement } else { &own });
            head = w.git(["commit-tree", &tree, "-p", &head, "-m", &msg]);
        }
        w.git(["update-ref", &format!("refs/heads/{branch}"), &head]);
    };
    small("distinct", false);
    small("reused", true);
    let (distinct, out) = push_cpu(&w, &["distinct:main"], 1);
    assert!(out.contains("61 commits: 0 accepted, 61 rejected"), "{out}");
    assert!(!out.contains("[rationale.reject-reuse]"), "{out}");
    let (reused, out) = push_cpu(&w, &["reused:main"], 1);
    assert!(out.contains("61 commits: 0 accepted, 61 rejected"), "{out}");
    assert_eq!(out.matches("[rationale.reject-reuse]").count(), 60, "{out}");
    // One more verification of the huge commit, not 60 (which took four
    // times the whole push).
    assert!(
        reused < 1.5 * distinct,
        "the push took {reused:.2} s of processor time, with distinct rationales {distinct:.2} s"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "base"]));
}

/// Entry 111. One commit that changes every eighth line of a file of
/// 60,000 lines (7,500 hunks), pushed with any copied statement: the change
/// digest numbers each hunk by the occurrences of its pre-image before it,
/// which was a search of the file from its start for each hunk — hunks ×
/// lines, eight seconds at 80,000 lines and hours at a few megabytes, for
/// one refused push (36 times the cost of the same lines changed in one
/// block, here). It costs now a small multiple of that (the 7,500 hunks are
/// more diff output).
#[test]
fn a_file_of_many_hunks_costs_about_what_one_block_costs() {
    let (w, remote, statement) = server_and_a_copied_statement();
    let statement = statement.as_str();
    let file = |changed: &dyn Fn(usize) -> bool| -> String {
        (0..60_000).map(|i| if changed(i) { format!("changed {i}\n") } else { format!("line {i}\n") }).collect()
    };
    w.write("data.txt", file(&|_| false));
    w.git(["add", "data.txt"]);
    w.git(["commit", "-q", "--no-verify", "-m", &format!("Add the data\n\n{statement}")]);
    w.git(["tag", "data"]);
    for (branch, changed) in [("spread", &(|i: usize| i % 8 == 0) as &dyn Fn(usize) -> bool), ("block", &|i| i < 7_500)]
    {
        w.git(["switch", "-q", "-c", branch, "data"]);
        w.write("data.txt", file(changed));
        w.git(["commit", "-q", "--no-verify", "-a", "-m", &format!("Change the data\n\n{statement}")]);
    }
    let (block, out) = push_cpu(&w, &["block:main"], 1);
    assert!(out.contains("2 commits: 0 accepted, 2 rejected"), "{out}");
    let (spread, out) = push_cpu(&w, &["spread:main"], 1);
    assert!(out.contains("2 commits: 0 accepted, 2 rejected"), "{out}");
    assert!(
        spread < 6.0 * block,
        "the push took {spread:.2} s of processor time, the same lines changed in one block {block:.2} s"
    );
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "base"]));
}

/// Entry 112. Anyone who may push sends `refs/replace/<main's tip>` naming
/// an older commit of main (or any commit the server took on another
/// branch): the ref adds no commit, so it passed, and from then on git on
/// the server — `git log main`, `git archive`, what a mirror clone checks
/// out — showed the other commit as main's tip, while `git avow verify`
/// (which reads the objects themselves) judged the real one. Replacements
/// are refused unless `avow.receive.replace = allow`, in any letter case.
#[test]
fn a_replacement_of_mains_tip_is_refused() {
    let (w, remote, _) = server_and_a_copied_statement();
    let tip = w.change("greeting.txt", "hello\n", "Greet the user");
    push(&w, &["main"], 0);
    let base = w.git(["rev-parse", "base"]);
    for name in [format!("refs/replace/{tip}"), format!("refs/REPLACE/{tip}")] {
        let out = push(&w, &[&format!("base:{name}")], 1);
        assert!(
            out.starts_with(&format!(
                "remote: avow: {name}: refused: a replacement makes git on this server (and in mirrors of it) show another commit wherever the replaced one is named"
            )),
            "{out}"
        );
    }
    let shown = w.git(["--git-dir", remote.to_str().unwrap(), "ls-tree", "--name-only", "main"]);
    assert!(shown.contains("greeting.txt"), "{shown}");
    // Where a project wants them, it says so.
    w.git(["--git-dir", remote.to_str().unwrap(), "config", "avow.receive.replace", "allow"]);
    push(&w, &[&format!("base:refs/replace/{tip}")], 0);
    assert_eq!(remote_rev(&w, &remote, &format!("refs/replace/{tip}")), base);
}

/// Entry 113. A commit whose tree nests a file 8,000 directories deep
/// (made with `git fast-import`; the pusher's git sends it with
/// `-c core.maxTreeDepth=…`): the verifier walked trees by recursion, and
/// the server's hook died of a stack overflow (signal 6) instead of
/// judging the push; `git avow verify` in CI did the same. The walks keep
/// their own stack: the hook gives its verdict.
#[test]
fn a_tree_nested_eight_thousand_directories_deep_gets_a_verdict() {
    let (w, remote, statement) = server_and_a_copied_statement();
    let path = format!("{}file.txt", "d/".repeat(8_000));
    let message = format!("Nest the data\n\n{statement}");
    let stream = format!(
        "commit refs/heads/deep\ncommitter {AUTHOR_NAME} <{AUTHOR_EMAIL}> 1700000000 +0000\ndata {}\n{message}\nfrom refs/heads/main^0\nM 100644 inline {path}\ndata 5\ndeep\n\n",
        message.len()
    );
    w.git_stdin(["fast-import", "--quiet"], stream.as_bytes());
    let verify = w.verify("main..deep").expect(1);
    assert!(verify.stdout.contains("[attestation.change]"), "{}{}", verify.stdout, verify.stderr);
    let out = w.git_notty(["-c", "core.maxTreeDepth=100000", "push", "-q", "origin", "deep:main"]);
    assert!(out.stderr.contains("avow: refs/heads/main: 1 commit: 0 accepted, 1 rejected"), "{}", out.stderr);
    assert!(!out.stderr.contains("signal"), "{}", out.stderr);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "base"]));
}

/// Entry 114. Entry 108 compared ref names ignoring ASCII case only, but
/// macOS's file systems fold Unicode case (and HFS+ decomposes names):
/// there `refs/heads/maſter` (a long s) is the file `refs/heads/master`.
/// Pushed to a server whose default branch is `master`, it was a new
/// branch adding no commit — and every macOS clone that fetched it wrote
/// it over its `origin/master`, which then named whatever commit the
/// pusher chose (one from before a revocation) as the trusted base of
/// `git avow verify origin/master..HEAD`. Names are now compared folded.
#[test]
fn a_ref_named_like_the_default_branch_under_unicode_case_folding_is_refused() {
    let (w, remote, _) = server_and_a_copied_statement();
    w.git(["branch", "-m", "main", "master"]);
    w.git(["--git-dir", remote.to_str().unwrap(), "branch", "-m", "main", "master"]);
    w.git(["--git-dir", remote.to_str().unwrap(), "symbolic-ref", "HEAD", "refs/heads/master"]);
    w.change("a.txt", "a\n", "Add a");
    push(&w, &["master"], 0);
    w.change("keep.txt", "k\n", "Keep a file");
    push(&w, &["HEAD:refs/heads/keep"], 0);
    for (spec, name, twin) in [
        ("HEAD~1:refs/heads/ma\u{17f}ter", "refs/heads/ma\u{17f}ter", "refs/heads/master"),
        ("HEAD~1:refs/heads/\u{212a}eep", "refs/heads/\u{212a}eep", "refs/heads/keep"),
    ] {
        let out = push(&w, &[spec], 1);
        assert_eq!(
            out.lines().next().unwrap(),
            format!(
                "remote: avow: {name}: refused: it differs from {twin} only in letter case, and on a case-insensitive file system (this server's or a clone's) the two are one ref"
            ),
            "{out}"
        );
        assert_eq!(remote_rev(&w, &remote, name), "");
    }
}
