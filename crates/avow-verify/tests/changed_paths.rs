//! `commit::changed_paths` (the tree walk that skips equal subtrees) against
//! real git: for every commit built here it must list exactly what
//! `git diff-tree -r --no-renames --name-only PARENT COMMIT` lists.
// Unix only: symlinks and the executable bit.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt as _};

use avow_testutil::TestRepo;
use avow_verify::commit::{change_stats, changed_paths, parent_tree};
use git2::{Oid, Repository};

const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

#[track_caller]
fn check(t: &TestRepo, what: &str) {
    check_commit(t, &t.commit_all(what), what);
}

#[track_caller]
fn check_commit(t: &TestRepo, commit: &str, what: &str) {
    let repo = Repository::open(t.path()).unwrap();
    let c = repo.find_commit(Oid::from_str(commit).unwrap()).unwrap();
    let parent = parent_tree(&c).unwrap();
    let old = parent.as_ref().map_or_else(|| EMPTY_TREE.to_owned(), |p| p.id().to_string());
    let out = t.git_output(["diff-tree", "-r", "--no-renames", "--name-only", "-z", &old, commit]);
    assert!(out.status.success());
    let mut theirs: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    theirs.sort();
    // A tree naming an entry twice gets its path listed twice by git.
    theirs.dedup();
    let tree = c.tree().unwrap();
    let ours = changed_paths(&repo, parent.as_ref(), &tree).unwrap();
    assert_eq!(ours, theirs, "{what}");
    // And the line-counting path lists the same paths.
    assert_eq!(change_stats(&repo, parent.as_ref(), &tree, true).unwrap().paths, theirs, "{what} (with line counts)");
}

#[test]
fn the_tree_walk_lists_what_git_lists() {
    let t = TestRepo::new();
    t.write("README", "readme\n");
    t.write("src/a.rs", "a\n");
    t.write("src/deep/er/b.rs", "b\n");
    t.write("docs/x.md", "x\n");
    check(&t, "root commit");
    t.write("src/a.rs", "a changed\n");
    check(&t, "one file in a subdirectory");
    t.write("src/deep/er/c.rs", "c\n");
    t.write("top.txt", "top\n");
    check(&t, "two additions at different depths");
    fs::remove_file(t.path().join("src/deep/er/b.rs")).unwrap();
    check(&t, "a deletion");
    fs::remove_dir_all(t.path().join("src/deep")).unwrap();
    check(&t, "a whole directory deleted");
    let p = t.path().join("README");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    check(&t, "a mode change only");
    fs::remove_file(t.path().join("top.txt")).unwrap();
    symlink("README", t.path().join("top.txt")).unwrap();
    check(&t, "a file replaced by a symlink");
    fs::remove_file(t.path().join("top.txt")).unwrap();
    t.write("top.txt/inner.txt", "now a directory\n");
    check(&t, "a symlink replaced by a directory");
    fs::remove_dir_all(t.path().join("docs")).unwrap();
    t.write("docs", "now a file\n");
    check(&t, "a directory replaced by a file");
    t.git(["update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/lib"]);
    t.git(["commit", "-q", "--no-verify", "-m", "a submodule"]);
    t.git(["update-index", "--cacheinfo", "160000,2222222222222222222222222222222222222222,vendor/lib"]);
    t.write("src/a.rs", "a again\n");
    check(&t, "a submodule moved and a file changed");
    check(&t, "an empty commit");
    t.write("docs", "same name, new content\n");
    t.write("src/a.rs", "a again\n");
    t.write("zzz/last.txt", "last\n");
    check(&t, "first and last entries");
}

/// A malformed tree (`git fsck`: duplicateEntries) may name an entry
/// twice, `git mktree` writes one, and a lookup by name finds only one of
/// the two: the change behind the other must still be listed, or a commit
/// could slip a second `.avow` past the `.avow/` rule.
#[test]
fn a_name_given_twice_in_a_tree_hides_no_change() {
    let t = TestRepo::new();
    t.write(".avow/keyring.toml", "trusted\n");
    t.write("src/a.rs", "a\n");
    let base = t.commit_all("base");
    let trusted = t.git(["rev-parse", "HEAD:.avow"]);
    let src = t.git(["rev-parse", "HEAD:src"]);
    let blob = t.git_stdin(["hash-object", "-w", "--stdin"], b"forged\n");
    let blob = String::from_utf8(blob).unwrap();
    let forged = t.git_stdin(["mktree"], format!("100644 blob {}\tkeyring.toml\n", blob.trim()).as_bytes());
    let forged = String::from_utf8(forged).unwrap();
    for order in [[&trusted, forged.trim()], [forged.trim(), &trusted]] {
        let entries =
            format!("040000 tree {}\t.avow\n040000 tree {}\t.avow\n040000 tree {src}\tsrc\n", order[0], order[1]);
        let root = String::from_utf8(t.git_stdin(["mktree"], entries.as_bytes())).unwrap();
        let commit = t.git(["commit-tree", root.trim(), "-p", &base, "-m", "two .avow"]);
        check_commit(&t, &commit, &format!("a second .avow ({order:?})"));
    }
}
