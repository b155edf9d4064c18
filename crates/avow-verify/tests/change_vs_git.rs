//! `avow_verify::change` against docs/payload.md, recomputed by hand: for
//! every commit built here, `digest` must equal the digest computed from
//! git's own `diff-tree --raw`, `cat-file` and `diff` output with
//! `sha256sum` (`avow_testutil::by_hand`, which shares no code with avow).
//! The commits cover every shape of change: text, binary, renames, mode
//! changes, symlinks, submodules, CRLF, whitespace-only edits, no newline
//! at the end of a file, paths that need quoting, odd tree modes, SHA-256
//! repositories, and random trees and edits.
// Unix only: symlinks and the executable bit.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt as _};

use avow_testutil::TestRepo;
use avow_verify::change::{self, Digest};
use git2::{Oid, Repository};

fn ours(t: &TestRepo, commit: &str) -> Option<Digest> {
    let repo = Repository::open(t.path()).expect("open");
    let c = repo.revparse_single(commit).and_then(|o| o.peel_to_commit()).expect("commit");
    let parent = avow_verify::commit::parent_tree(&c).expect("parent tree");
    let tree = c.tree().expect("tree");
    change::digest(&repo, parent.as_ref(), &tree).expect("digest")
}

/// Asserts avow agrees with the by-hand digest on `commit` (against its
/// first parent) and returns the digest.
fn check(t: &TestRepo, commit: &str, what: &str) -> Option<Digest> {
    let theirs = t.change_digest_by_hand(commit);
    let mine = ours(t, commit);
    if mine.map(|d| d.to_string()) != theirs {
        let repo = Repository::open(t.path()).expect("open");
        let c = repo.revparse_single(commit).and_then(|o| o.peel_to_commit()).expect("commit");
        let parent = avow_verify::commit::parent_tree(&c).expect("parent tree");
        let records = change::records(&repo, parent.as_ref(), &c.tree().unwrap()).unwrap();
        panic!(
            "change digest mismatch for {what} ({commit}):\navow's records: {:#?}\nby hand: {:#?}",
            records.iter().map(|r| String::from_utf8_lossy(&r.bytes).into_owned()).collect::<Vec<_>>(),
            t.file_records_by_hand(commit).iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect::<Vec<_>>(),
        );
    }
    mine
}

/// Commits everything and checks the commit; returns its id and digest.
fn commit_check(t: &TestRepo, what: &str) -> (String, Option<Digest>) {
    let c = t.commit_all(what);
    let p = check(t, &c, what);
    (c, p)
}

fn set_exec(t: &TestRepo, rel: &str, exec: bool) {
    let p = t.path().join(rel);
    let mut perm = fs::metadata(&p).expect("meta").permissions();
    perm.set_mode(if exec { 0o755 } else { 0o644 });
    fs::set_permissions(&p, perm).expect("chmod");
}

fn rm(t: &TestRepo, rel: &str) {
    let p = t.path().join(rel);
    if p.is_dir() {
        fs::remove_dir_all(p).expect("rm -r");
    } else {
        fs::remove_file(p).expect("rm");
    }
}

fn ln(t: &TestRepo, target: &str, rel: &str) {
    let p = t.path().join(rel);
    let _ = fs::remove_file(&p);
    symlink(target, p).expect("symlink");
}

fn numbered(n: usize, tag: &str) -> String {
    use std::fmt::Write as _;
    (0..n).fold(String::new(), |mut s, i| {
        let _ = writeln!(s, "line {i} {tag}");
        s
    })
}

/// Deterministic pseudo-random bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn agrees_with_git_on_every_kind_of_change() {
    every_kind_of_change(&TestRepo::new());
}

/// The same changes in a SHA-256 repository (64-digit object ids).
#[test]
fn agrees_with_git_in_a_sha256_repository() {
    every_kind_of_change(&TestRepo::new_sha256());
}

#[expect(clippy::too_many_lines, reason = "one long story of changes, each checked against git")]
fn every_kind_of_change(t: &TestRepo) {
    let mut n = 0;
    let mut step = |what: &str| {
        n += 1;
        commit_check(t, what)
    };

    // Root commit: text, binary, empty, symlink, executable, nested dirs.
    t.write("README", "hello\nworld\n");
    t.write("src/main.c", "int main(void)\n{\n\treturn 0;\n}\n");
    t.write("bin/blob.dat", noise(1, 3000));
    t.write("empty", "");
    t.write("tool.sh", "#!/bin/sh\necho hi\n");
    set_exec(t, "tool.sh", true);
    ln(t, "README", "link");
    let (_, root) = step("root commit");
    assert!(root.is_some());

    // Plain text edits, several hunks in one file.
    t.write("big.txt", numbered(300, "v1"));
    step("add a 300-line file");
    let mut lines: Vec<String> = numbered(300, "v1").lines().map(str::to_owned).collect();
    for i in (5..300).step_by(17) {
        lines[i] = format!("changed {i}");
    }
    lines.insert(100, "inserted".into());
    lines.remove(250);
    t.write("big.txt", lines.join("\n") + "\n");
    step("many hunks in one file");

    // 50 files at once.
    for i in 0..50 {
        t.write(&format!("many/f{i:02}.txt"), format!("file {i}\nsame\n"));
    }
    step("add 50 files");
    for i in 0..50 {
        t.write(&format!("many/f{i:02}.txt"), format!("file {i} edited\nsame\n"));
    }
    step("touch 50 files");

    // Add / delete.
    t.write("added.txt", "new\nfile\n");
    rm(t, "README");
    ln(t, "big.txt", "link");
    step("add, delete, and symlink retarget");

    // Rename with edits (no rename detection: delete + add), pure rename.
    fs::rename(t.path().join("src/main.c"), t.path().join("src/app.c")).expect("mv");
    t.write("src/app.c", "int main(void)\n{\n\treturn 1;\n}\n");
    step("rename with edits");
    fs::rename(t.path().join("added.txt"), t.path().join("renamed.txt")).expect("mv");
    step("pure rename");

    // Mode changes.
    set_exec(t, "renamed.txt", true);
    step("mode change 100644 -> 100755");
    set_exec(t, "renamed.txt", false);
    t.write("renamed.txt", "new\nfile\nmore\n");
    set_exec(t, "renamed.txt", false);
    t.write("tool.sh", "#!/bin/sh\necho bye\n");
    set_exec(t, "tool.sh", false);
    step("mode change back, plus content changes with and without mode change");

    // Binary files.
    let mut bin = noise(2, 12_000);
    bin[10] = 0;
    t.write("data.bin", &bin);
    step("add binary");
    let mut bin2 = bin.clone();
    bin2[9000] ^= 0xff;
    bin2[11_999] ^= 0x01;
    t.write("data.bin", &bin2);
    let (_, tail_change) = step("binary change only after offset 8000");
    let mut bin3 = bin2.clone();
    bin3[0] ^= 1;
    t.write("data.bin", &bin3);
    let (_, head_change) = step("binary one-byte change at offset 0");
    assert_ne!(tail_change, head_change);

    // Binary followed by text in the same commit (the skipped "diff" line),
    // and binary last in the patch.
    t.write("a.bin", b"\0\x01\x02");
    t.write("b.txt", "after binary\n");
    t.write("zz.bin", b"z\0z");
    step("binary files around a text file");

    // Text -> binary and back.
    t.write("b.txt", b"after binary\n\0now binary\n");
    step("text to binary");
    t.write("b.txt", "text again\n");
    step("binary to text");

    // NUL after the first 8000 bytes: still text to git.
    let mut late_nul = numbered(1000, "x").into_bytes();
    late_nul.extend_from_slice(b"has a \0 nul\n");
    t.write("late-nul.txt", &late_nul);
    step("text with NUL after 8000 bytes");
    late_nul.truncate(late_nul.len() - 12);
    late_nul.extend_from_slice(b"has a \0 changed nul\nand more\n");
    t.write("late-nul.txt", &late_nul);
    step("edit the line holding the NUL");

    // Empty files.
    t.write("e1", "");
    step("add empty file");
    t.write("e1", "now content\n");
    rm(t, "empty");
    step("empty file gets content; delete an empty file");
    t.write("e1", "");
    step("file becomes empty");

    // Mode-only change followed by text changes (no flush in between).
    set_exec(t, "e1", true);
    t.write("f-after-mode", "x\n");
    step("mode-only change then a new file");

    // Missing trailing newline.
    t.write("nonl", "a\nb");
    step("file without trailing newline");
    t.write("nonl", "a\nb\n");
    step("add trailing newline");
    t.write("nonl", "a\nc");
    step("remove trailing newline and change last line");

    // CRLF and whitespace-only changes.
    t.write("crlf.txt", "one\r\ntwo\r\nthree\r\n");
    step("CRLF file");
    t.write("crlf.txt", "one\ntwo\nthree\n");
    step("CRLF -> LF (whitespace-only)");
    t.write("crlf.txt", "  one\n\ttwo \nthree   \n");
    step("indentation and trailing whitespace only");
    t.write("crlf.txt", "one\x0btwo\nthree\x0c\n");
    step("vertical tab and form feed (not whitespace to git)");

    // Paths that need quoting.
    t.write("with space.txt", "s\n");
    t.write("dir with space/inner file", "s\n");
    t.write("caf\u{e9}.txt", "unicode\n");
    t.write("\u{65e5}\u{672c}/\u{8a9e}.md", "cjk\n");
    t.write("quo\"te", "q\n");
    t.write("back\\slash", "b\n");
    t.write("tab\there", "t\n");
    t.write("new\nline", "n\n");
    t.write("del\x7fete", "d\n");
    step("paths needing quoting");
    t.write("caf\u{e9}.txt", "unicode edited\n");
    t.write("tab\there", b"t\0binary\n");
    rm(t, "quo\"te");
    step("edit quoted paths, one becomes binary");

    // Symlinks and type changes.
    ln(t, "nowhere", "dangling");
    step("add dangling symlink");
    ln(t, "elsewhere/far", "dangling");
    step("retarget symlink");
    rm(t, "dangling");
    t.write("dangling", "now a file\n");
    step("symlink -> regular file");
    rm(t, "data.bin");
    ln(t, "b.txt", "data.bin");
    step("binary file -> symlink");
    rm(t, "link");
    step("delete symlink");

    // File <-> directory, and git's tree order around it.
    t.write("x", "file x\n");
    t.write("x-y", "dash\n");
    t.write("x.txt", "dot\n");
    t.write("x0", "zero\n");
    step("siblings of x");
    rm(t, "x");
    t.write("x/inner", "dir now\n");
    step("file -> directory");
    rm(t, "x");
    t.write("x", "file again\n");
    step("directory -> file");

    // Indent-heuristic slider.
    t.write("slider.c", "int a(void)\n{\n\treturn 1;\n}\n\nint c(void)\n{\n\treturn 3;\n}\n");
    step("slider base");
    t.write(
        "slider.c",
        "int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 2;\n}\n\nint c(void)\n{\n\treturn 3;\n}\n",
    );
    step("insert a function (slider)");
    // A slider the indent heuristic places differently from plain xdiff.
    t.write("slider2.c", "}\n\tif (y) {\n\tx;\n\tx;\n\t\tz;\n\n");
    step("indent-heuristic base");
    t.write("slider2.c", "}\n\tif (y) {\n\tx;\n\tx;\n\n\t\tz;\n\t}\n\tx;\n\tx;\n\t\tz;\n\n");
    step("insertion the indent heuristic moves");

    // Identical sections: the hunk's pre-image occurs three times, and the
    // edit is in the third (occurrence index 3), then in the first.
    let block = "a\nb\nc\nd\ne\nf\ng\n";
    t.write("sections.txt", block.repeat(3));
    step("three identical sections");
    t.write("sections.txt", format!("{block}{block}a\nb\nc\nD\ne\nf\ng\n"));
    let (_, third) = step("edit the third section");
    t.write("sections.txt", block.repeat(3));
    step("undo");
    t.write("sections.txt", format!("a\nb\nc\nD\ne\nf\ng\n{block}{block}"));
    let (_, first) = step("the same edit in the first section");
    assert_ne!(third, first, "the occurrence index tells identical sections apart");

    // Delete a whole directory tree with binary and text inside.
    rm(t, "many");
    rm(t, "bin");
    step("delete directories");

    // Empty commit.
    let c = t.commit_all("empty commit");
    assert_eq!(check(t, &c, "empty commit"), None);
    n += 1;

    assert!(n >= 30, "only {n} commits");
}

#[test]
fn submodules_gitlinks() {
    gitlinks(&TestRepo::new(), 40);
}

#[test]
fn submodules_gitlinks_in_a_sha256_repository() {
    gitlinks(&TestRepo::new_sha256(), 64);
}

/// Gitlink changes with commit ids of `hexsz` digits.
fn gitlinks(t: &TestRepo, hexsz: usize) {
    t.write("f", "x\n");
    commit_check(t, "base");
    let commit_index = |what: &str| {
        t.git(["commit", "-q", "--no-verify", "--allow-empty", "-m", what]);
        let c = t.git(["rev-parse", "HEAD"]);
        check(t, &c, what);
    };
    let a = &"1".repeat(hexsz);
    let b = &"2".repeat(hexsz);
    t.git(["update-index", "--add", "--cacheinfo", &format!("160000,{a},sub")]);
    t.git(["update-index", "--add", "--cacheinfo", &format!("160000,{a},deps/other sub")]);
    commit_index("add submodules");
    t.git(["update-index", "--cacheinfo", &format!("160000,{b},sub")]);
    commit_index("bump submodule");
    t.git(["update-index", "--cacheinfo", &format!("160000,{b},deps/other sub")]);
    t.write("f", "y\n");
    t.git(["add", "f"]);
    commit_index("bump another submodule and edit a file");
    t.git(["rm", "-q", "--cached", "sub"]);
    commit_index("remove submodule");
    // gitlink <-> regular file at the same path.
    let blob = t.git_stdin(["hash-object", "-w", "--stdin"], b"plain\n");
    let blob = String::from_utf8(blob).expect("utf8");
    t.git(["update-index", "--cacheinfo", &format!("100644,{},deps/other sub", blob.trim())]);
    commit_index("submodule -> file");
    t.git(["update-index", "--cacheinfo", &format!("160000,{a},deps/other sub")]);
    commit_index("file -> submodule");
}

#[test]
fn merges_use_the_first_parent() {
    let t = TestRepo::new();
    t.write("a", numbered(20, "base"));
    t.write("b", "b\n");
    commit_check(&t, "base");
    t.git(["checkout", "-q", "-b", "side"]);
    t.write("b", "b side\n");
    t.write("side-only", "s\n");
    commit_check(&t, "side");
    t.git(["checkout", "-q", "main"]);
    t.write("a", numbered(20, "main"));
    commit_check(&t, "main");
    t.git(["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
    let m = t.git(["rev-parse", "HEAD"]);
    let p = check(&t, &m, "merge");
    assert!(p.is_some());
    // An "ours" merge changes nothing relative to the first parent.
    t.git(["checkout", "-q", "-b", "side2", "HEAD~1"]);
    t.write("c", "c\n");
    commit_check(&t, "side2");
    t.git(["checkout", "-q", "main"]);
    t.git(["merge", "-q", "--no-ff", "-s", "ours", "-m", "ours merge", "side2"]);
    let m = t.git(["rev-parse", "HEAD"]);
    assert_eq!(check(&t, &m, "ours merge"), None);
}

#[test]
fn cherry_pick_keeps_the_digest_and_binary_bytes_change_it() {
    let t = TestRepo::new();
    t.write("base.txt", numbered(30, "b"));
    t.write("img.bin", noise(7, 9000));
    commit_check(&t, "base");
    t.git(["checkout", "-q", "-b", "topic"]);
    let mut lines: Vec<String> = numbered(30, "b").lines().map(str::to_owned).collect();
    lines[15] = "the change".into();
    t.write("base.txt", lines.join("\n") + "\n");
    let mut img = noise(7, 9000);
    img[100] = 0;
    img[8500] ^= 0x55;
    t.write("img.bin", &img);
    let (topic, topic_pid) = commit_check(&t, "topic change");
    t.git(["checkout", "-q", "main"]);
    t.write("other.txt", "unrelated\n");
    let mut lines: Vec<String> = numbered(30, "b").lines().map(str::to_owned).collect();
    lines[0] = "moved context far away".into();
    t.write("base.txt", lines.join("\n") + "\n");
    commit_check(&t, "main moves on");
    t.git(["cherry-pick", &topic]);
    let picked = t.git(["rev-parse", "HEAD"]);
    assert_ne!(picked, topic);
    let picked_pid = check(&t, &picked, "cherry-pick");
    assert_eq!(picked_pid, topic_pid, "a cherry-pick keeps the change digest");

    // One byte more in the binary file: a different change digest.
    t.git(["checkout", "-q", "topic~1"]);
    t.write("base.txt", lines_at(15, "the change"));
    let mut img2 = img.clone();
    img2[8999] ^= 1;
    t.write("img.bin", &img2);
    let (_, other) = commit_check(&t, "same text change, binary differs by one byte");
    assert_ne!(other, topic_pid);
}

fn lines_at(i: usize, s: &str) -> String {
    let mut lines: Vec<String> = numbered(30, "b").lines().map(str::to_owned).collect();
    lines[i] = s.into();
    lines.join("\n") + "\n"
}

#[test]
fn binding_matches_digest_and_an_unchanged_tree_is_none() {
    let t = TestRepo::new();
    t.write("a", "1\n");
    let c1 = t.commit_all("one");
    t.write("a", "2\n");
    let c2 = t.commit_all("two");
    let repo = Repository::open(t.path()).expect("open");
    let t1 = repo.find_commit(Oid::from_str(&c1).unwrap()).unwrap().tree().unwrap();
    let t2 = repo.find_commit(Oid::from_str(&c2).unwrap()).unwrap().tree().unwrap();
    let binding = change::binding(&repo, Some(&t1), &t2).unwrap();
    assert_eq!(binding.change, change::digest(&repo, Some(&t1), &t2).unwrap());
    assert_eq!(binding.trees, change::tree_binding(Some(t1.id()), t2.id()));
    assert!(binding.change.is_some());
    assert_eq!(change::digest(&repo, Some(&t2), &t2).unwrap(), None);
    assert_eq!(binding.change.unwrap().to_string().len(), 64);
}

mod random {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Body {
        Text(Vec<String>),
        Binary(Vec<u8>),
        Empty,
    }

    impl Body {
        fn bytes(&self, no_final_newline: bool) -> Vec<u8> {
            match self {
                Body::Text(lines) => {
                    let mut s = lines.join("\n");
                    if !no_final_newline && !s.is_empty() {
                        s.push('\n');
                    }
                    s.into_bytes()
                }
                Body::Binary(b) => b.clone(),
                Body::Empty => Vec::new(),
            }
        }
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("alpha".to_string()),
            Just("beta".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just(String::new()),
            "[a-d]{1,3}",
        ]
    }

    fn text_line() -> impl Strategy<Value = String> {
        (prop::collection::vec((word(), "[ \t]{0,2}"), 0..4), "[ \t]{0,2}", prop::bool::weighted(0.1)).prop_map(
            |(parts, lead, cr)| {
                let mut s = lead;
                for (w, sep) in parts {
                    s.push_str(&w);
                    s.push_str(&sep);
                }
                if cr {
                    s.push('\r');
                }
                s
            },
        )
    }

    fn body() -> impl Strategy<Value = Body> {
        prop_oneof![
            6 => prop::collection::vec(text_line(), 0..25).prop_map(Body::Text),
            2 => prop::collection::vec(any::<u8>(), 1..200).prop_map(|mut b| { b[0] = 0; Body::Binary(b) }),
            1 => Just(Body::Empty),
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("b.txt".to_string()),
            Just("d/c".to_string()),
            Just("d/e f".to_string()),
            Just("d-x".to_string()),
            Just("\u{e9}t\u{e9}".to_string()),
            Just("z/y/x".to_string()),
        ]
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Write(String, Body, bool),
        Delete(String),
        Chmod(String),
        /// Change a few lines of an existing text file.
        Tweak(String, usize, String),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            3 => (path(), body(), prop::bool::weighted(0.2)).prop_map(|(p, b, n)| Edit::Write(p, b, n)),
            1 => path().prop_map(Edit::Delete),
            1 => path().prop_map(Edit::Chmod),
            4 => (path(), 0..30_usize, text_line()).prop_map(|(p, i, l)| Edit::Tweak(p, i, l)),
        ]
    }

    fn apply(repo: &TestRepo, edit: &Edit) {
        let exists = |p: &str| repo.path().join(p).is_file();
        match edit {
            Edit::Write(p, b, nonl) => {
                // A file may not be written where a directory is and vice versa.
                let blocked = repo.path().join(p).is_dir()
                    || p.split('/')
                        .scan(String::new(), |acc, part| {
                            if !acc.is_empty() {
                                acc.push('/');
                            }
                            acc.push_str(part);
                            Some(acc.clone())
                        })
                        .take(p.split('/').count() - 1)
                        .any(|d| repo.path().join(d).is_file());
                if !blocked {
                    repo.write(p, b.bytes(*nonl));
                }
            }
            Edit::Delete(p) => {
                if exists(p) {
                    rm(repo, p);
                }
            }
            Edit::Chmod(p) => {
                if exists(p) {
                    let mode = fs::metadata(repo.path().join(p)).unwrap().permissions().mode();
                    set_exec(repo, p, mode & 0o100 == 0);
                }
            }
            Edit::Tweak(p, idx, new_line) => {
                if exists(p) {
                    let data = fs::read(repo.path().join(p)).unwrap();
                    if data.contains(&0) {
                        return;
                    }
                    let text = String::from_utf8_lossy(&data).into_owned();
                    let mut lines: Vec<&str> = text.split('\n').collect();
                    let at = idx % (lines.len() + 1);
                    if at < lines.len() && idx % 3 == 0 {
                        lines[at] = new_line;
                    } else {
                        lines.insert(at, new_line);
                    }
                    repo.write(p, lines.join("\n"));
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn random_trees_and_edits_agree_with_git(
            base in prop::collection::vec(edit(), 1..8),
            edits in prop::collection::vec(edit(), 0..10),
            edits2 in prop::collection::vec(edit(), 0..6),
        ) {
            random_story(&TestRepo::new(), &[base, edits, edits2]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn random_trees_and_edits_agree_with_git_in_sha256(
            base in prop::collection::vec(edit(), 1..8),
            edits in prop::collection::vec(edit(), 0..10),
        ) {
            random_story(&TestRepo::new_sha256(), &[base, edits]);
        }
    }

    /// Applies each batch of edits and checks the commit against git.
    fn random_story(t: &TestRepo, batches: &[Vec<Edit>]) {
        for (i, batch) in batches.iter().enumerate() {
            for e in batch {
                apply(t, e);
            }
            commit_check(t, &format!("random edits {i}"));
        }
    }
}

/// Ad-hoc speed check (docs/performance.md): `cargo test -p avow-verify
/// --release --test change_vs_git -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run by hand in release mode"]
fn time_of_digest_on_small_commits() {
    use std::fmt::Write as _;
    const FILES: usize = 200;
    const COMMITS: usize = 3000;
    let t = TestRepo::new();
    // Build history in one `git fast-import` run: 200 files of 30 lines,
    // then each commit rewrites one to three files with a one-line change.
    let mut contents: Vec<Vec<String>> =
        (0..FILES).map(|f| (0..30).map(|l| format!("file {f} line {l} some text here")).collect()).collect();
    let mut stream = String::new();
    for c in 0..=COMMITS {
        let _ = write!(stream, "commit refs/heads/main\ncommitter A <a@b> {} +0000\ndata 2\nc\n", 1_700_000_000 + c);
        let touched: Vec<usize> =
            if c == 0 { (0..FILES).collect() } else { (0..=(c % 3)).map(|k| (c * 7 + k * 31) % FILES).collect() };
        for f in touched {
            if c > 0 {
                let l = (c * 13 + f) % 30;
                contents[f][l] = format!("file {f} line {l} edited in commit {c}");
            }
            let body = contents[f].join("\n") + "\n";
            let _ = write!(stream, "M 100644 inline dir{}/file{f}.txt\ndata {}\n{body}\n", f % 10, body.len());
        }
    }
    t.git_stdin(["fast-import", "--quiet"], stream.as_bytes());
    let repo = Repository::open(t.path()).expect("open");
    let mut walk = repo.revwalk().expect("revwalk");
    walk.push_ref("refs/heads/main").expect("push");
    let ids: Vec<Oid> = walk.map(|r| r.expect("walk")).collect();
    let commits: Vec<_> = ids.iter().map(|id| repo.find_commit(*id).expect("commit")).collect();
    let trees: Vec<_> = commits[..commits.len() - 1]
        .iter()
        .map(|c| (c.parent(0).expect("parent").tree().expect("tree"), c.tree().expect("tree")))
        .collect();
    let start = std::time::Instant::now();
    let mut some = 0;
    for (old, new) in &trees {
        some += usize::from(change::digest(&repo, Some(old), new).expect("digest").is_some());
    }
    let elapsed = start.elapsed();
    let n = commits.len() - 1;
    let per = f64::from(u32::try_from(n).expect("count"));
    assert_eq!(some, n);
    println!(
        "change::digest: {n} small commits in {elapsed:?} = {:.1} us/commit ({:.0} commits/s)",
        elapsed.as_secs_f64() * 1e6 / per,
        per / elapsed.as_secs_f64()
    );
    // Spot-check a few against the by-hand digest.
    for c in commits.iter().step_by(500) {
        check(&t, &c.id().to_string(), "timing history");
    }
}

/// Trees written by old or foreign tools: non-canonical modes (git shows
/// `100664` and `100600` as `100644`, `100775` as `100755`).
#[test]
fn non_canonical_tree_modes() {
    let t = TestRepo::new();
    t.write("seed", "x\n");
    let base = t.commit_all("base");
    let blob = |data: &[u8]| String::from_utf8(t.git_stdin(["hash-object", "-w", "--stdin"], data)).expect("utf8");
    let raw_tree = |entries: &[(&str, &str, &str)]| {
        let mut raw = Vec::new();
        for (mode, name, hex) in entries {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(Oid::from_str(hex.trim()).expect("oid").as_bytes());
        }
        let id = t.git_stdin(["hash-object", "-t", "tree", "--literally", "-w", "--stdin"], &raw);
        String::from_utf8(id).expect("utf8").trim().to_owned()
    };
    let b1 = blob(b"one\n");
    let b2 = blob(b"two\n");
    let mut parent = base;
    for (i, entries) in [
        vec![("100664", "a", b1.as_str()), ("100600", "b", b1.as_str())],
        vec![("100644", "a", b1.as_str()), ("100775", "b", b2.as_str())],
        vec![("100664", "a", b2.as_str()), ("100755", "b", b2.as_str())],
    ]
    .iter()
    .enumerate()
    {
        let tree = raw_tree(entries);
        let c = t.git(["commit-tree", &tree, "-p", &parent, "-m", &format!("odd modes {i}")]);
        check(&t, &c, &format!("odd modes {i}"));
        parent = c;
    }
}

#[test]
fn gitlink_replaced_by_directory_and_back() {
    let t = TestRepo::new();
    t.write("f", "x\n");
    commit_check(&t, "base");
    let a = "1111111111111111111111111111111111111111";
    t.git(["update-index", "--add", "--cacheinfo", &format!("160000,{a},sub")]);
    t.git(["commit", "-q", "-m", "add gitlink"]);
    let c = t.git(["rev-parse", "HEAD"]);
    check(&t, &c, "add gitlink");
    t.git(["rm", "-q", "--cached", "sub"]);
    t.write("sub/inner.txt", "now a directory\n");
    t.write("sub-x", "sibling\n");
    t.git(["add", "sub/inner.txt", "sub-x"]);
    t.git(["commit", "-q", "-m", "gitlink -> dir"]);
    let c = t.git(["rev-parse", "HEAD"]);
    check(&t, &c, "gitlink -> dir");
    t.git(["rm", "-q", "-r", "--cached", "sub"]);
    t.git(["update-index", "--add", "--cacheinfo", &format!("160000,{a},sub")]);
    t.git(["commit", "-q", "-m", "dir -> gitlink"]);
    let c = t.git(["rev-parse", "HEAD"]);
    check(&t, &c, "dir -> gitlink");
}

/// The digest is defined without attributes (docs/payload.md): the
/// repository's `diff` attributes and diff drivers change nothing, not
/// even a driver whose word pattern libgit2 cannot compile (which
/// failed the digest while libgit2 looked up the attributes of the blob
/// diff's stand-in path).
#[test]
fn digest_ignores_attributes() {
    let t = TestRepo::new();
    t.write("f.c", "int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 2;\n}\n");
    commit_check(&t, "base");
    t.write("f.c", "int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 3;\n}\n");
    let (c, plain) = commit_check(&t, "change");
    assert!(plain.is_some());
    let info = t.path().join(".git/info");
    fs::create_dir_all(&info).expect("mkdir info");
    t.git(["config", "diff.broken.wordRegex", "("]);
    t.git(["config", "diff.funcs.xfuncname", "^int .*"]);
    for attributes in ["* -diff\n", "* diff=funcs\n", "* diff=broken\n", "*.c diff=broken\nfile diff=broken\n"] {
        fs::write(info.join("attributes"), attributes).expect("write attributes");
        assert_eq!(ours(&t, &c), plain, "with {attributes:?}");
    }
}
