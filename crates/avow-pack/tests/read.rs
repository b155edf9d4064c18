//! The reader against git itself: every object of packs that git wrote
//! (offset deltas, reference deltas, 64-bit offsets) reads as `git
//! cat-file` prints it, ids that are not there are not found, and damaged
//! packs and indexes give errors, never a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use avow_pack::{Kind, Packs};

fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.org")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.org")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A repository of a few hundred commits whose files change a little at a
/// time (so that git stores most trees and blobs as deltas), packed
/// whole; and every object in it as git reads it.
struct Fixture {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    objects: HashMap<Vec<u8>, (Kind, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("r");
        std::fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        let mut text = String::new();
        for i in 0..200_u32 {
            text.push_str(&format!("line {i}: {}\n", "x".repeat(i as usize % 37)));
            std::fs::create_dir_all(repo.join(format!("d{}/e", i % 5))).unwrap();
            std::fs::write(repo.join(format!("d{}/e/f.txt", i % 5)), &text).unwrap();
            let binary: Vec<u8> = (0..2000_u32).map(|b| u8::try_from((b * 31 + i) % 251).unwrap()).collect();
            std::fs::write(repo.join("blob.bin"), binary).unwrap();
            git(&repo, &["add", "-A"]);
            git(&repo, &["commit", "-q", "-m", &format!("commit {i}\n\nbody {i}")]);
        }
        git(&repo, &["tag", "-a", "-m", "a tag", "v1"]);
        git(&repo, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let mut objects = HashMap::new();
        let all = git(&repo, &["cat-file", "--batch-all-objects", "--batch"]);
        let mut rest = &all[..];
        while !rest.is_empty() {
            let nl = rest.iter().position(|&b| b == b'\n').unwrap();
            let head = String::from_utf8(rest[..nl].to_vec()).unwrap();
            let mut parts = head.split(' ');
            let (id, kind, size) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let size: usize = size.parse().unwrap();
            let data = rest[nl + 1..nl + 1 + size].to_vec();
            rest = &rest[nl + 2 + size..];
            let kind = match kind {
                "commit" => Kind::Commit,
                "tree" => Kind::Tree,
                "blob" => Kind::Blob,
                "tag" => Kind::Tag,
                other => panic!("{other}"),
            };
            objects.insert(hex(id), (kind, data));
        }
        Fixture { _dir: dir, repo, objects }
    })
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn pack_dir(repo: &Path) -> PathBuf {
    repo.join(".git/objects/pack")
}

/// Reads every object of the fixture through `packs` and compares: each
/// one's type and size alone first (nothing is cached yet), then whole,
/// then its type and size again (from the cache of delta bases where it
/// is kept).
fn reads_all(packs: &mut Packs) {
    let f = fixture();
    for (id, (kind, data)) in &f.objects {
        assert_eq!(packs.read_header(id).unwrap(), Some((*kind, data.len() as u64)));
    }
    for (id, (kind, data)) in &f.objects {
        let o = packs.read(id).unwrap().expect("found");
        assert_eq!((o.kind, &o.data), (*kind, data));
        assert!(packs.contains(id).unwrap());
        assert_eq!(packs.read_header(id).unwrap(), Some((*kind, data.len() as u64)));
    }
}

/// `git verify-pack -v`'s lines for the fixture's pack: id, whether the
/// entry is a delta, its size in the pack and its offset.
fn entries(dir: &Path) -> Vec<(Vec<u8>, bool, u64, u64)> {
    let idx =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "idx"));
    let out = git(dir, &["verify-pack", "-v", idx.unwrap().to_str().unwrap()]);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 5 && f[0].len() == 40)
                .then(|| (hex(f[0]), f.len() == 7, f[3].parse().unwrap(), f[4].parse().unwrap()))
        })
        .collect()
}

/// A type and size come from headers alone: with the end of an object's
/// zlib stream damaged (a whole object's, and a delta's past the two sizes
/// it starts with), the object no longer reads, and its type and size
/// still do.
#[test]
fn type_and_size_are_read_without_the_object() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_packs(tmp.path(), None);
    let all = entries(&dir);
    let largest = |delta: bool| all.iter().filter(|e| e.1 == delta).max_by_key(|e| e.2).unwrap().clone();
    let damaged: Vec<_> = [largest(false), largest(true)].into();
    assert!(damaged.iter().all(|e| e.2 > 40), "{damaged:?}");
    let pack = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    for (_, _, in_pack, offset) in &damaged {
        // The stream's last bytes: its Adler-32 checksum and what precedes.
        for at in offset + in_pack - 6..offset + in_pack {
            bytes[usize::try_from(at).unwrap()] ^= 0x55;
        }
    }
    std::fs::write(&pack, &bytes).unwrap();
    let mut packs = Packs::open(&dir, 0);
    for (id, delta, _, _) in &damaged {
        let (kind, data) = &f.objects[id];
        assert_eq!(packs.read_header(id).unwrap(), Some((*kind, data.len() as u64)), "delta: {delta}");
        assert!(packs.read(id).is_err(), "delta: {delta}");
    }
}

/// Copies the fixture's pack directory to a new one, `reindex` given the
/// pack's path and the new index's path to write the index.
fn copy_packs(to: &Path, reindex: Option<&[&str]>) -> PathBuf {
    let f = fixture();
    let dir = to.join("pack");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(pack_dir(&f.repo)).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or_default().to_owned();
        if ext == "pack" || (ext == "idx" && reindex.is_none()) {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
        if let (Some(args), "pack") = (reindex, ext.as_str()) {
            let pack = dir.join(p.file_name().unwrap());
            let idx = pack.with_extension("idx");
            let mut all = vec!["index-pack"];
            all.extend_from_slice(args);
            all.extend(["-o", idx.to_str().unwrap(), pack.to_str().unwrap()]);
            git(to, &all);
        }
    }
    dir
}

#[test]
fn reads_every_object_as_git_does() {
    let f = fixture();
    let mut packs = Packs::open(&pack_dir(&f.repo), 0);
    assert_eq!(packs.len(), 1);
    reads_all(&mut packs);
    // Read again, in another order: from the caches this time.
    reads_all(&mut packs);
}

#[test]
fn a_small_index_is_left_out_under_a_threshold() {
    let f = fixture();
    assert!(Packs::open(&pack_dir(&f.repo), 1 << 40).is_empty());
}

#[test]
fn reads_64_bit_offsets() {
    let tmp = tempfile::tempdir().unwrap();
    // Every object past byte 256 gets a 64-bit offset.
    let dir = copy_packs(tmp.path(), Some(&["--index-version=2,256"]));
    let mut packs = Packs::open(&dir, 0);
    assert_eq!(packs.len(), 1);
    reads_all(&mut packs);
}

#[test]
fn reads_reference_deltas() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("r");
    git(tmp.path(), &["clone", "-q", "--no-local", f.repo.to_str().unwrap(), repo.to_str().unwrap()]);
    git(&repo, &["-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq", "--depth=50", "--window=50"]);
    let mut packs = Packs::open(&pack_dir(&repo), 0);
    assert_eq!(packs.len(), 1);
    // The clone has every object the fixture has (the tag included).
    reads_all(&mut packs);
}

#[test]
fn ids_not_in_the_pack_are_not_found() {
    let f = fixture();
    let mut packs = Packs::open(&pack_dir(&f.repo), 0);
    let mut n = 0;
    for id in f.objects.keys() {
        for delta in [1_u8, 0x80] {
            let mut other = id.clone();
            other[19] ^= delta;
            if !f.objects.contains_key(&other) {
                assert_eq!(packs.read(&other).unwrap(), None);
                assert!(!packs.contains(&other).unwrap());
                n += 1;
            }
        }
    }
    assert!(n > 100);
    for edge in [[0_u8; 20], [0xff; 20]] {
        assert_eq!(packs.read(&edge).unwrap(), None);
    }
    assert_eq!(packs.read(&[1, 2, 3]).unwrap(), None, "not a SHA-1 id");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
    /// Bytes changed anywhere in the pack or its index, or either cut
    /// short: opening and reading every object gives objects or errors,
    /// never a panic.
    #[test]
    fn damaged_packs_give_errors_not_panics(
        in_index: bool,
        changes in proptest::collection::vec((proptest::num::usize::ANY, 1_u8..=255), 1..8),
        cut in proptest::option::of(proptest::num::usize::ANY),
    ) {
        let f = fixture();
        let tmp = tempfile::tempdir().unwrap();
        let dir = copy_packs(tmp.path(), None);
        let target = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == if in_index { "idx" } else { "pack" })).unwrap();
        let mut bytes = std::fs::read(&target).unwrap();
        for (at, xor) in changes {
            let len = bytes.len();
            bytes[at % len] ^= xor;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % bytes.len());
        }
        std::fs::write(&target, &bytes).unwrap();
        let mut packs = Packs::open(&dir, 0);
        for id in f.objects.keys() {
            _ = packs.read_header(id);
            _ = packs.read(id);
            _ = packs.contains(id);
        }
    }
}
