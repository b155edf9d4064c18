//! Attacks through what one push makes the server hook repeat: git hands
//! the pre-receive hook every ref of a push at once (a ref costs the
//! pusher one line), and the notes ref is let through unverified.

use std::fmt::Write as _;

use crate::server::{origin, push, push_cpu, remote_rev, unattested, write_parser_tables};
use crate::support::*;

/// Anyone who may push makes one huge commit (20 files of 20,000 lines)
/// with a statement copied from the project's history and pushes it to 60
/// new branches at once: 60 lines of the push, one commit. Each branch was
/// judged on its own, so the huge commit's change was digested 60 times,
/// for a push the server refuses. Once a ref of the push is refused, the
/// push is refused whole (pre-receive decides for all of them), and the
/// refs after it are named without verifying the commits again.
#[test]
fn one_huge_commit_pushed_to_many_new_branches_is_verified_once() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let statement = w.message("base").split_once("\n\n").unwrap().1.to_owned();
    w.git(["switch", "-q", "-c", "tables"]);
    write_parser_tables(&w);
    w.git(["add", "-A"]);
    w.git(["commit", "-q", "--no-verify", "-m", &format!("Vendor the parser tables\n\n{statement}")]);
    let (one, out) = push_cpu(&w, &["HEAD:refs/heads/tables".to_owned()], 1);
    assert!(out.contains("refs/heads/tables: 1 commit: 0 accepted, 1 rejected"), "{out}");
    let many: Vec<String> = (0..60).map(|i| format!("HEAD:refs/heads/tables-{i}")).collect();
    let (all, out) = push_cpu(&w, &many, 1);
    assert!(out.contains("refs/heads/tables-0: 1 commit: 0 accepted, 1 rejected"), "{out}");
    assert!(all < 1.5 * one, "the push to 60 branches took {all:.2} s of processor time, to one {one:.2} s");
    assert!(out.contains("refs/heads/tables-59: not verified: the push is refused already (see above)"), "{out}");
    assert_eq!(remote_rev(&w, &remote, "tables-59"), "");
    // A push the hook accepts still has every ref judged.
    w.git(["switch", "-q", "main"]);
    w.change("a.txt", "a\n", "Add a");
    let accepted = push(&w, &["main:refs/heads/one", "main:refs/heads/two"], 0);
    assert!(
        accepted.contains("refs/heads/one: 1 commit: 1 accepted")
            && accepted.contains("refs/heads/two: 1 commit: 1 accepted"),
        "{accepted}"
    );
}

/// Anyone who may push replaces `refs/notes/avow` (let through unverified
/// by default: a note counts only when its signature does) with a notes
/// tree of 100,000 entries in one directory, then pushes unattested
/// commits. Each rejected commit's note is looked up, and libgit2 read the
/// whole notes tree and scanned it entry by entry for every lookup: sixty
/// commits cost ten times what six cost. The notes are now read once per
/// run, whatever the number of commits.
#[test]
fn a_huge_notes_tree_is_read_once_per_push() {
    let w = World::adopted("disclose");
    let remote = origin(&w);
    w.avow_in(&remote, ["install", "--server"]).expect(0);
    let blob = w.git_stdin(["hash-object", "-w", "--stdin"], b"not a statement\n");
    let blob = String::from_utf8(blob).unwrap();
    let mut lines = String::new();
    for i in 0..100_000_u64 {
        _ = writeln!(lines, "100644 blob {}\t{:040x}", blob.trim(), i * 7919 + 1);
    }
    let tree = String::from_utf8(w.git_stdin(["mktree"], lines.as_bytes())).unwrap();
    let notes = w.git(["commit-tree", tree.trim(), "-m", "Notes"]);
    w.git(["update-ref", "refs/notes/avow", &notes]);
    push(&w, &["refs/notes/avow"], 0);
    let small = |branch: &str, n: usize| {
        w.git(["switch", "-q", "-c", branch, "main"]);
        for i in 0..n {
            w.write("small.txt", format!("{i}\n"));
            w.git(["add", "small.txt"]);
            w.git(["commit", "-q", "--no-verify", "-m", &format!("Small change {i}")]);
        }
    };
    small("few", 6);
    small("many", 60);
    let (few, out) = push_cpu(&w, &["few".to_owned()], 1);
    assert!(out.contains("6 commits: 0 accepted, 6 rejected"), "{out}");
    let (many, out) = push_cpu(&w, &["many".to_owned()], 1);
    assert!(out.contains("60 commits: 0 accepted, 60 rejected"), "{out}");
    assert!(many < 1.5 * few + 0.3, "sixty commits took {many:.2} s of processor time, six {few:.2} s");
    // A note that holds an attestation is still found among them.
    w.git(["switch", "-q", "main"]);
    let id = unattested(&w, "vouched.txt", "Add a file vouched for later");
    let rationale = "The maintainer reviewed this change and vouches for it after the fact.";
    w.avow(["attest", &id, "--authorship", "human", "--rationale", rationale]).expect(0);
    push(&w, &["refs/notes/avow"], 0);
    let out = push(&w, &["main"], 0);
    assert!(out.contains("1 commit: 1 accepted"), "{out}");
}
