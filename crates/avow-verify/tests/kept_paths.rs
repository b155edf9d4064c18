//! `merge::kept_paths` on merges made by real git (threat-model entry 142):
//! what a merge keeps against a merged parent's change, out of sight of
//! its first-parent diff.
// Unix only: a file name that is not UTF-8.
#![cfg(unix)]

use std::os::unix::ffi::OsStrExt as _;

use avow_testutil::TestRepo;
use avow_verify::commit::{changed_paths, parent_tree};
use avow_verify::merge::{kept_paths, MAX_MERGED_PARENTS};
use git2::{Oid, Repository};

/// `kept_paths` of commit `rev`, given its own first-parent diff.
fn kept(t: &TestRepo, rev: &str) -> Vec<String> {
    let repo = Repository::open(t.path()).unwrap();
    let c = repo.find_commit(Oid::from_str(&t.git(["rev-parse", rev])).unwrap()).unwrap();
    let first = changed_paths(&repo, parent_tree(&c).unwrap().as_ref(), &c.tree().unwrap()).unwrap();
    let parents: Vec<_> = c.parents().collect();
    let mut out = kept_paths(&repo, &parents, &c.tree().unwrap(), &first).unwrap();
    out.sort();
    out
}

/// `old` with `crypto/aes.c` and `crypto/bad.c`; `main` after it changes
/// the first, deletes the second, adds `crypto/check.c`, and a file whose
/// name is not UTF-8.
fn fixed() -> TestRepo {
    let t = TestRepo::new();
    t.write("crypto/aes.c", "1\n");
    t.write("crypto/bad.c", "bad\n");
    t.write("README", "read me\n");
    t.commit_all("old");
    t.git(["tag", "old"]);
    t.write("crypto/aes.c", "14\n");
    std::fs::remove_file(t.path().join("crypto/bad.c")).unwrap();
    t.write("crypto/check.c", "check\n");
    let odd = std::ffi::OsStr::from_bytes(b"crypto/\xff.c");
    std::fs::write(t.path().join(odd), "odd\n").unwrap();
    t.commit_all("fix");
    t
}

#[test]
fn a_merge_into_an_old_commit_that_keeps_it_keeps_every_path_main_changed() {
    let t = fixed();
    t.git(["switch", "-q", "-c", "rollback", "old"]);
    t.git(["merge", "-q", "--no-edit", "-s", "ours", "main"]);
    assert_eq!(t.git(["diff", "--name-only", "HEAD^1", "HEAD"]), "", "nothing in the first-parent diff");
    assert_eq!(kept(&t, "HEAD"), ["crypto/aes.c", "crypto/bad.c", "crypto/check.c", "crypto/\u{fffd}.c"]);
}

#[test]
fn normal_merges_either_way_keep_nothing() {
    let t = fixed();
    t.git(["switch", "-q", "-c", "feature", "old"]);
    t.write("feature.txt", "feature\n");
    t.commit_all("feature");
    t.git(["switch", "-q", "main"]);
    t.git(["merge", "-q", "--no-edit", "--no-ff", "feature"]);
    assert_eq!(kept(&t, "HEAD"), Vec::<String>::new());
    t.git(["switch", "-q", "feature"]);
    t.git(["merge", "-q", "--no-edit", "--no-ff", "main"]);
    assert_eq!(kept(&t, "HEAD"), Vec::<String>::new());
    // Only the paths out of sight of the first-parent diff: a merge into
    // the old commit that keeps one file keeps only that one.
    t.git(["switch", "-q", "-c", "one", "old"]);
    t.git(["merge", "-q", "--no-ff", "--no-commit", "main"]);
    t.git(["checkout", "old", "--", "crypto/aes.c"]);
    t.git(["commit", "-q", "--no-verify", "-m", "merge"]);
    assert_eq!(kept(&t, "HEAD"), ["crypto/aes.c"]);
}

#[test]
fn a_merge_of_too_many_parents_counts_every_path_it_holds() {
    let t = fixed();
    let mut parents = Vec::new();
    for i in 0..MAX_MERGED_PARENTS {
        t.git(["switch", "-q", "-c", &format!("b{i}"), "old"]);
        t.write(&format!("b/{i}"), "x\n");
        parents.push(t.commit_all("b"));
    }
    let mut args = vec!["commit-tree".to_owned(), "old^{tree}".to_owned(), "-m".to_owned(), "octopus".to_owned()];
    for p in std::iter::once(t.git(["rev-parse", "old"])).chain(parents) {
        args.extend(["-p".to_owned(), p]);
    }
    let octopus = t.git(&args);
    assert_eq!(kept(&t, &octopus), ["README", "crypto/aes.c", "crypto/bad.c"]);
}
