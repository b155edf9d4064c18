//! avow's pack reader inside libgit2 ([`avow_verify::repo::read_packs`]):
//! objects read through a repository handle come from it, byte for byte
//! what git stores, and objects it does not hold still come from libgit2.

use avow_testutil::TestRepo;
use git2::{ObjectType, Oid, Repository};

/// A packed history with deltas, then one more commit left loose; every
/// object as git reads it (id, type, content).
fn packed_repo() -> (TestRepo, Vec<(Oid, ObjectType, Vec<u8>)>) {
    let t = TestRepo::new();
    let mut text = String::new();
    for i in 0..60 {
        text.push_str(&format!("line {i}\n"));
        std::fs::create_dir_all(t.path().join("dir")).unwrap();
        std::fs::write(t.path().join("dir/file.txt"), &text).unwrap();
        t.git(["add", "-A"]);
        t.git(["commit", "-q", "--no-verify", "-m", &format!("commit {i}")]);
    }
    t.git(["repack", "-adq", "--depth=20"]);
    std::fs::write(t.path().join("loose.txt"), "loose\n").unwrap();
    t.git(["add", "-A"]);
    t.git(["commit", "-q", "--no-verify", "-m", "loose"]);
    let listed = t.git(["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"]);
    let objects = listed
        .lines()
        .map(|l| {
            let (id, kind) = l.split_once(' ').unwrap();
            let data = t.command("git").args(["cat-file", kind, id]).output().unwrap().stdout;
            (Oid::from_str(id).unwrap(), ObjectType::from_str(kind).unwrap(), data)
        })
        .collect();
    (t, objects)
}

fn reads_all(repo: &Repository, objects: &[(Oid, ObjectType, Vec<u8>)]) -> Result<(), git2::Error> {
    let odb = repo.odb()?;
    for (id, kind, data) in objects {
        let o = odb.read(*id)?;
        assert_eq!((o.kind(), o.data()), (*kind, &data[..]), "{id}");
        assert!(odb.exists(*id));
        let header = odb.read_header(*id)?;
        assert_eq!(header, (data.len(), *kind));
    }
    Ok(())
}

#[test]
fn objects_come_from_avows_reader_and_from_libgit2_for_the_rest() {
    let (t, objects) = packed_repo();
    let loose = objects.len() - t.git(["rev-list", "--objects", "--all", "--unpacked"]).lines().count();
    assert!(loose > 100, "most objects are in the pack");
    let git_dir = t.path().join(".git");
    let ours = Repository::open(&git_dir).unwrap();
    avow_verify::repo::read_packs(&ours, 0).unwrap();
    let theirs = Repository::open(&git_dir).unwrap();
    // Neither handle has read its index yet. Without it, libgit2 cannot
    // find a packed object; avow's reader opened it already.
    let pack_dir = git_dir.join("objects/pack");
    for e in std::fs::read_dir(&pack_dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "idx") {
            std::fs::remove_file(p).unwrap();
        }
    }
    reads_all(&ours, &objects).unwrap();
    assert!(reads_all(&theirs, &objects).is_err(), "libgit2 alone needs the index");
    // Commits and trees as libgit2 parses them, through the reader.
    let head = ours.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.summary().unwrap(), Some("loose"));
    let first = head.parent(0).unwrap();
    assert_eq!(first.summary().unwrap(), Some("commit 59"));
    assert!(first.tree().unwrap().get_path(std::path::Path::new("dir/file.txt")).is_ok());
}

#[test]
fn below_the_threshold_libgit2_reads_everything() {
    let (t, objects) = packed_repo();
    let git_dir = t.path().join(".git");
    let repo = Repository::open(&git_dir).unwrap();
    avow_verify::repo::read_packs(&repo, u64::MAX).unwrap();
    reads_all(&repo, &objects).unwrap();
}
