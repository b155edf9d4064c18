//! The verifier's notes lookup ([`avow_verify::notes::Index`], threat-model
//! entry 120) finds what libgit2's `git_note_read` finds
//! ([`avow_verify::notes::read`]), on notes trees git writes (fanned out as
//! `git notes` does) and on trees made by hand: flat, mixed fan-outs, the
//! same commit noted at two levels in either order, entries that are not
//! notes.

use avow_testutil::TestRepo;
use avow_verify::notes::{read, Index, NOTES_REF};
use git2::{Oid, Repository};
use proptest::prelude::*;

/// `n` commits' ids (the notes' targets) in a fresh repository.
fn commits(t: &TestRepo, n: usize) -> Vec<Oid> {
    let mut script = String::new();
    for i in 0..n {
        let msg = format!("commit {i}\n");
        script.push_str(&format!(
            "commit refs/heads/main\ncommitter A <a@example.org> {i} +0000\ndata {}\n{msg}\n",
            msg.len()
        ));
    }
    t.git_stdin(["fast-import", "--quiet"], script.as_bytes());
    t.git(["rev-list", "refs/heads/main"]).lines().map(|l| Oid::from_str(l).unwrap()).collect()
}

/// Both lookups agree on every commit in `ids` (and on one nobody noted).
fn agree(repo: &Repository, ids: &[Oid]) -> usize {
    let index = Index::default();
    let mut found = 0;
    for id in ids.iter().copied().chain([Oid::from_str(&"ab".repeat(20)).unwrap()]) {
        let (libgit2, ours) = (read(repo, id), index.read(repo, id));
        assert_eq!(ours, libgit2, "{id}");
        found += usize::from(ours.is_some());
    }
    found
}

#[test]
fn notes_git_writes_are_found_as_libgit2_finds_them() {
    let t = TestRepo::new();
    let ids = commits(&t, 1200);
    // git fans the tree out once it holds enough notes; fast-import's
    // notemodify writes them as `git notes` would.
    let mut script = String::from("commit refs/notes/avow\ncommitter A <a@example.org> 0 +0000\ndata 5\nnotes\n");
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
        let body = format!("note {i}\n");
        script.push_str(&format!("N inline {id}\ndata {}\n{body}", body.len()));
    }
    t.git_stdin(["fast-import", "--quiet"], script.as_bytes());
    let repo = Repository::open(t.path()).unwrap();
    let tree = repo.find_reference(NOTES_REF).unwrap().peel_to_tree().unwrap();
    assert!(tree.iter().all(|e| e.name().is_ok_and(|n| n.len() == 2)), "fanned out");
    assert_eq!(agree(&repo, &ids), 800);
}

/// A tree entry as the strategy makes it: its name and whether it is a
/// directory (of one note under the rest of the id) or a note.
fn hand_made(repo: &Repository, ids: &[Oid], picks: &[(usize, u8, bool)]) -> Oid {
    let blob = |text: &str| repo.blob(text.as_bytes()).unwrap();
    let mut root = repo.treebuilder(None).unwrap();
    for (n, &(which, cut, dir)) in picks.iter().enumerate() {
        let hex = ids[which % ids.len()].to_string();
        let cut = usize::from(cut % 3) * 2;
        if dir && cut > 0 {
            let (head, rest) = hex.split_at(cut);
            let mut sub = repo.treebuilder(None).unwrap();
            sub.insert(rest, blob(&format!("note {n} under {head}\n")), 0o100_644).unwrap();
            let sub = sub.write().unwrap();
            // Nested two levels deep when cut is 4: ab/cd/rest.
            let (name, id) = if cut == 4 {
                let mut outer = repo.treebuilder(None).unwrap();
                outer.insert(&head[2..], sub, 0o040_000).unwrap();
                (&head[..2], outer.write().unwrap())
            } else {
                (head, sub)
            };
            if root.get(name).unwrap().is_none() {
                root.insert(name, id, 0o040_000).unwrap();
            }
        } else {
            root.insert(&hex, blob(&format!("note {n}\n")), 0o100_644).unwrap();
        }
    }
    // Names that are not notes: not hex, and a blob named like a fan-out
    // directory.
    root.insert("README", blob("not a note\n"), 0o100_644).unwrap();
    root.insert(&ids[0].to_string()[..2], blob("a blob, not a directory\n"), 0o100_644).ok();
    let tree = root.write().unwrap();
    let sig = git2::Signature::new("A", "a@example.org", &git2::Time::new(0, 0)).unwrap();
    let tree = repo.find_tree(tree).unwrap();
    let commit = repo.commit(None, &sig, &sig, "notes", &tree, &[]).unwrap();
    repo.reference(NOTES_REF, commit, true, "notes").unwrap();
    commit
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hand_made_notes_trees_are_read_as_libgit2_reads_them(
        picks in proptest::collection::vec((0_usize..8, any::<u8>(), any::<bool>()), 0..16)
    ) {
        let t = TestRepo::new();
        let ids = commits(&t, 8);
        let repo = Repository::open(t.path()).unwrap();
        hand_made(&repo, &ids, &picks);
        agree(&repo, &ids);
    }
}
