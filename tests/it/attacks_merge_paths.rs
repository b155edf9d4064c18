//! A file under a `[[path]]` rule rolled back by a merge whose first
//! parent is an older commit: a merge is judged by its first-parent diff,
//! so `main` merged into a commit from before a fix under `crypto/**`,
//! keeping that commit's version of the file, showed no change under
//! `crypto/` — the rule (here: only `Authorship: human` there) never saw
//! the rollback, and an `assisted` attestation undid the fix
//! (threat-model entry 142; entry 133 is the same for `.avow/`).

use std::path::{Path, PathBuf};

use crate::attacks_merge_avow::git_as_bob;
use crate::policy::{msg, BOB_EMAIL, BOB_NAME};
use crate::server::{origin, push, remote_rev};
use crate::support::*;

/// Bob commits what is staged as a merge (or a commit), declaring
/// `authorship`.
fn bob_commits(w: &World, bob: &Path, subject: &str, authorship: &str) -> Run {
    let author = format!("{BOB_NAME} <{BOB_EMAIL}>");
    let mut args = vec!["commit", "-q", "--author", &author];
    let m = msg(subject, authorship, &[]);
    args.extend(m.iter().map(String::as_str));
    git_as_bob(w, bob, &args)
}

/// Runs `f` with the `[[path]]` rule out of the work tree's
/// `.avow/policy.toml` (what the commit-msg hook reads), unstaged.
fn without_the_rule<T>(w: &World, f: impl FnOnce() -> T) -> T {
    let policy = w.path().join(".avow/policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, &text[..text.find("[[path]]").expect("the rule")]).unwrap();
    let out = f();
    std::fs::write(&policy, text).unwrap();
    out
}

/// A server with avow's hook; a policy (every merge attested) whose
/// `[[path]]` rule takes only `Authorship: human` under `crypto/`; Bob a
/// contributor; `crypto/aes.c` added (tag `old`), then fixed by Alice, and
/// more work on top: all pushed and accepted.
fn fixed_on_the_server() -> (World, PathBuf, PathBuf) {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let bob = w.keygen("bob");
    let bob_pub = format!("{}.pub", bob.display());
    w.avow(["keyring", "add", "--name", BOB_NAME, "--email", BOB_EMAIL, "--role", "contributor", "--key", &bob_pub])
        .expect(0);
    let policy = w.path().join(".avow/policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let required = text.replacen("merges = \"skip\"", "merges = \"require\"", 1);
    assert_ne!(required, text);
    let text = format!("{required}\n[[path]]\nglob = \"crypto/**\"\nauthorship = [\"human\"]\n");
    std::fs::write(&policy, text).unwrap();
    w.change("crypto/aes.c", "int rounds = 1;\n", "Add the cipher");
    w.git(["tag", "old"]);
    w.change("crypto/aes.c", "int rounds = 14;\n", "Use the full number of rounds");
    w.change("work.txt", "work\n", "Some work");
    push(&w, &["main"], 0);
    (w, remote, bob)
}

/// Bob merges `main` into the commit from before the fix and keeps that
/// commit's `crypto/aes.c`: the first-parent diff brings `main`'s work and
/// nothing under `crypto/`, so his `assisted` attestation was enough — and
/// the fix was gone from `main`. Now the paths where a merge keeps another
/// version than a merged parent's change count as changed for `[[path]]`.
#[test]
fn a_merge_into_an_old_commit_cannot_roll_a_protected_path_back() {
    let (w, remote, bob) = fixed_on_the_server();
    let before = remote_rev(&w, &remote, "main");
    w.git(["switch", "-q", "-c", "rollback", "old"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    w.git(["checkout", "old", "--", "crypto"]);
    // Bob's own hook sees it (early feedback) and keeps his message …
    let r = bob_commits(&w, &bob, "Merge main", "assisted").expect(1);
    assert!(r.stderr.contains("[path[crypto/**].authorship]"), "{}", r.stderr);
    // … but the hook is his: he drops the rule from his work tree's policy
    // (not from what he commits) to get his merge signed.
    without_the_rule(&w, || bob_commits(&w, &bob, "Merge main", "assisted").expect(0));
    assert_eq!(w.git(["show", "-s", "--format=%p", "HEAD"]).split(' ').count(), 2, "a merge");
    assert_eq!(w.git(["show", "HEAD:crypto/aes.c"]), "int rounds = 1;", "the merge keeps the old file");
    assert_eq!(w.git(["diff", "--name-only", "HEAD^1", "HEAD"]), "work.txt", "its first-parent diff");
    // The server refuses it, and so does `verify` on CI.
    let out = push(&w, &["rollback:main"], 1);
    assert!(out.contains("[path[crypto/**].authorship]"), "{out}");
    assert!(out.contains("crypto/aes.c"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "main"), before);
    let r = w.verify("main..rollback").expect(1);
    assert!(r.stdout.contains("[path[crypto/**].authorship]"), "{}", r.stdout);
    // The same merge with the conflict the rollback makes when `old` has a
    // change of its own there: still refused.
    w.git(["switch", "-q", "-c", "conflict", "old"]);
    w.git(["reset", "-q", "--hard", "old"]);
    w.write("crypto/aes.c", "int rounds = 2;\n");
    w.git(["add", "crypto/aes.c"]);
    bob_commits(&w, &bob, "Tune the cipher by hand", "human").expect(0);
    w.git_output(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    w.git(["checkout", "--ours", "--", "crypto/aes.c"]);
    w.git(["add", "crypto/aes.c"]);
    let r = bob_commits(&w, &bob, "Merge main", "assisted").expect(1);
    assert!(r.stderr.contains("[path[crypto/**].authorship]"), "{}", r.stderr);
    without_the_rule(&w, || bob_commits(&w, &bob, "Merge main", "assisted").expect(0));
    assert_eq!(w.git(["show", "HEAD:crypto/aes.c"]), "int rounds = 2;");
    let r = w.verify("main..conflict").expect(1);
    assert!(r.stdout.contains("[path[crypto/**].authorship]"), "{}", r.stdout);
    // Or a merge made as a human (taking the fix), then amended to keep
    // the old file and say `assisted`: the hook judges the amended merge
    // against the parents it keeps.
    w.git(["switch", "-q", "-c", "amended", "old"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    bob_commits(&w, &bob, "Merge main", "human").expect(0);
    w.git(["checkout", "old", "--", "crypto"]);
    let author = format!("{BOB_NAME} <{BOB_EMAIL}>");
    let mut args = vec!["commit", "-q", "--amend", "--author", &author];
    let m = msg("Merge main", "assisted", &[]);
    args.extend(m.iter().map(String::as_str));
    let r = git_as_bob(&w, &bob, &args).expect(1);
    assert!(r.stderr.contains("[path[crypto/**].authorship]"), "{}", r.stderr);
    assert_eq!(w.git(["show", "HEAD:crypto/aes.c"]), "int rounds = 14;", "not amended");
}

/// Controls: normal merges, either way round, that take the merged side's
/// changes keep nothing, so an `assisted` merge that touches nothing under
/// `crypto/` passes as before — a branch merged into `main`, and `main`
/// (fixed before the branch started) merged into a branch.
#[test]
fn normal_merges_either_way_are_unaffected() {
    let (w, remote, bob) = fixed_on_the_server();
    // A feature branch from before the fix, merged into main.
    w.git(["switch", "-q", "-c", "feature", "old"]);
    w.write("feature.txt", "feature\n");
    w.git(["add", "feature.txt"]);
    bob_commits(&w, &bob, "Add the feature", "assisted").expect(0);
    w.git(["switch", "-q", "main"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    bob_commits(&w, &bob, "Merge the feature", "assisted").expect(0);
    push(&w, &["main"], 0);
    assert_eq!(remote_rev(&w, &remote, "main"), w.git(["rev-parse", "main"]));
    // A branch from after the fix; main moves on; main merged into it.
    w.git(["switch", "-q", "-c", "topic", "main"]);
    w.write("topic.txt", "topic\n");
    w.git(["add", "topic.txt"]);
    bob_commits(&w, &bob, "Add the topic", "assisted").expect(0);
    w.git(["switch", "-q", "main"]);
    w.change("later.txt", "later\n", "Later work");
    push(&w, &["main"], 0);
    w.git(["switch", "-q", "topic"]);
    w.git(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    bob_commits(&w, &bob, "Merge main", "assisted").expect(0);
    assert_eq!(w.git(["show", "HEAD:crypto/aes.c"]), "int rounds = 14;");
    push(&w, &["topic:main"], 0);
    let r = w.verify("old..topic").expect(0);
    assert!(!r.stdout.contains("skip"), "every merge checked: {}", r.stdout);
}
