//! The range walk's commits handed to the verifying threads
//! ([`avow_mwindow::odb::Handoff`]): the walk keeps exactly what git
//! stores for each commit it reads, and a handle with the handoff's
//! backend reads each of them from it once, then from the repository.

use avow_mwindow::odb::{add_handoff, Handoff};
use avow_testutil::TestRepo;
use git2::{Oid, Repository};

#[test]
fn the_walk_hands_over_what_git_stores_and_each_commit_is_read_once() {
    let t = TestRepo::new();
    for i in 0..5 {
        std::fs::write(t.path().join("f.txt"), format!("{i}\n")).unwrap();
        t.git(["add", "-A"]);
        t.git(["commit", "-q", "--no-verify", "-m", &format!("commit {i}")]);
    }
    let git_dir = t.path().join(".git");
    let repo = Repository::open(&git_dir).unwrap();
    let ids: Vec<Oid> = t.git(["rev-list", "HEAD"]).lines().map(|l| Oid::from_str(l).unwrap()).collect();
    let handoff = std::sync::Arc::new(Handoff::default());
    let walked = avow_verify::walk::linear_with(&repo, ids[0], Some(ids[4]), Some(&handoff), |_| {}).unwrap();
    assert_eq!(walked.iter().collect::<Vec<_>>(), ids[..4].iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(handoff.len(), 4, "the base is not read");

    // As verification runs: no object cache, so every read reaches the
    // backends (this test binary has no other test).
    git2::opts::enable_caching(false);
    let verifying = Repository::open(&git_dir).unwrap();
    add_handoff(&verifying.odb().unwrap(), std::sync::Arc::clone(&handoff), 800).unwrap();
    let stored: Vec<Vec<u8>> = ids[..4]
        .iter()
        .map(|id| t.command("git").args(["cat-file", "commit", &id.to_string()]).output().unwrap().stdout)
        .collect();
    // The objects are gone from the repository: only the handoff has them.
    for id in &ids[..4] {
        let hex = id.to_string();
        std::fs::remove_file(git_dir.join("objects").join(&hex[..2]).join(&hex[2..])).unwrap();
    }
    // A header is answered without giving the commit out.
    let odb = verifying.odb().unwrap();
    assert_eq!(odb.read_header(ids[1]).unwrap(), (stored[1].len(), git2::ObjectType::Commit));
    assert_eq!(handoff.len(), 4);
    for (i, id) in ids[..4].iter().enumerate() {
        let stored = &stored[i];
        // Not there any more for git either: the handoff kept a copy.
        assert!(t.command("git").args(["cat-file", "-e", &id.to_string()]).status().unwrap().code() != Some(0));
        if i == 0 {
            let object = odb.read(*id).unwrap();
            assert_eq!((object.kind(), object.data()), (git2::ObjectType::Commit, &stored[..]));
        } else {
            // Read as a commit by libgit2, as verification reads it.
            let c = verifying.find_commit(*id).unwrap();
            let body = stored.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
            assert_eq!(c.message_raw_bytes(), &stored[body..]);
            assert_eq!(c.parent_id(0).unwrap(), ids[i + 1]);
        }
        assert!(verifying.find_commit(*id).is_err(), "given out once");
    }
    assert!(handoff.is_empty());
    // Once given out, a missing commit's header is libgit2's "cannot read
    // header" again, as without the backend.
    let e = odb.read_header(ids[1]).unwrap_err();
    assert!(e.message().contains("cannot read header"), "{e}");
}
