//! Attestations survive the history operations that keep the change.

use crate::support::*;

fn two_branches() -> World {
    let w = World::adopted("disclose");
    w.git(["checkout", "-q", "-b", "feature"]);
    w.change("feature.txt", "feature work\n", "Add the feature");
    w.change("feature.txt", "feature work\nmore\n", "Extend the feature");
    w.git(["checkout", "-q", "main"]);
    w.change("main.txt", "main moves on\n", "Unrelated main work");
    w.git(["checkout", "-q", "feature"]);
    w
}

#[test]
fn rebase_keeps_attestations_valid() {
    let w = two_branches();
    let before = w.git(["rev-parse", "HEAD"]);
    w.git(["rebase", "-q", "main"]);
    assert_ne!(w.git(["rev-parse", "HEAD"]), before, "rebase rewrote the commits");
    let r = w.verify("main..HEAD").expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted, 0 rejected"), "{}", r.stdout);
    // …and the slow path (recomputing each change digest) agrees.
    w.avow(["verify", "main..HEAD", "--no-fast-path"]).expect(0);
}

#[test]
fn cherry_pick_keeps_attestations_valid() {
    let w = two_branches();
    w.git(["checkout", "-q", "main"]);
    w.git(["cherry-pick", "feature~1"]);
    let r = w.verify("main~1..HEAD").expect(0);
    assert!(r.stdout.contains("1 commit: 1 accepted"), "{}", r.stdout);
}

#[test]
fn format_patch_and_am_keep_attestations_valid() {
    let w = two_branches();
    let patches = w.scratch().join("patches");
    w.git(["format-patch", "-q", "-o", patches.to_str().unwrap(), "base..feature"]);
    w.git(["checkout", "-q", "main"]);
    w.git(["tag", "before-am"]);
    let mut files: Vec<_> = std::fs::read_dir(&patches).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut args = vec!["am".to_owned(), "-q".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    w.git(args);
    let r = w.verify("before-am..HEAD").expect(0);
    assert!(r.stdout.contains("2 commits: 2 accepted"), "{}", r.stdout);
}
