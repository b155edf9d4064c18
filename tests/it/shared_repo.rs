//! A repository shared by group (`git init --shared=group`), used by two
//! real users through the hooks. git gives every directory it makes under
//! `.git/objects` the group's write bit whatever the user's umask; libgit2
//! does not (it ignores `core.sharedRepository`), so a loose-object
//! directory avow let libgit2 create under a umask of 022 would lock every
//! other user out of the objects whose ids start with its name.
//!
//! The tests are deterministic: before the step under test the objects are
//! packed and the loose-object directories removed, the step writes objects
//! no one wrote before (so any writer must create their directories), and
//! the test then checks the modes of every directory there. The first user
//! (root) works with umask 022, the most common default.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::PathBuf;

use crate::support::{Run, World};

pub const SECOND: &str = "avow-second";
pub const RATIONALE: &str =
    "Rationale: The parser stopped one element early; iterate to the end so the last item is read.";

/// The shared repository, its second user and their key.
pub struct Shared {
    pub w: World,
    key2: PathBuf,
}

impl Shared {
    /// An adopted `--shared=group` repository (avow initialised and hooks
    /// installed) that root and the user `avow-second` may both write.
    /// `None` when the test does not run as root (it needs a second user).
    pub fn new() -> Option<Shared> {
        let is_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n");
        if !is_root {
            eprintln!("skipped: creating a second user needs root");
            return None;
        }
        let _ = std::process::Command::new("useradd").args(["-M", "-U", SECOND]).output();
        let w = World::bare();
        // The test's directories must be reachable by the second user.
        let mut dir = w.path();
        while dir != std::path::Path::new("/tmp") && dir.pop() {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(w.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
        w.git(["init", "-q", "--shared=group"]);
        // Each user trusts the other's repository (git's and libgit2's owner checks).
        w.git(["config", "--global", "--add", "safe.directory", "*"]);
        std::process::Command::new("chgrp").args(["-R", SECOND]).arg(w.path()).status().unwrap();
        std::process::Command::new("chmod").args(["-R", "g+rwX"]).arg(w.path()).status().unwrap();
        // As `git init --shared=group` leaves a new repository: every
        // directory set-group-id, so what anyone creates in it is the
        // group's (re-initialising the existing one does not set it).
        let dirs = std::process::Command::new("find")
            .arg(w.path())
            .args(["-type", "d", "-exec", "chmod", "g+s", "{}", "+"])
            .status();
        assert!(dirs.unwrap().success());
        w.avow(["init", "--preset", "disclose"]).expect(0);
        w.avow(["install"]).expect(0);
        // The second user's key, theirs alone.
        let key2 = w.scratch().join("second");
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key2)
            .status()
            .unwrap();
        std::process::Command::new("chown").arg(format!("{SECOND}:{SECOND}")).arg(&key2).status().unwrap();
        std::fs::set_permissions(w.scratch(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(Shared { w, key2 })
    }

    /// Runs `args` (no terminal) under `umask`, as root or as the second
    /// user (with their own signing key) when `second`.
    pub fn run(&self, second: bool, umask: &str, args: &[&str]) -> Run {
        let mut c = self.w.repo.command("setsid");
        c.arg("-w");
        if second {
            c.args(["setpriv", "--reuid", SECOND, "--regid", SECOND, "--init-groups", "--"]);
        }
        c.args(["sh", "-c", "umask $0 && exec \"$@\"", umask]);
        if second && args.first() == Some(&"git") {
            c.args(["git", "-c", &format!("avow.signingKey={}", self.key2.display())]).args(&args[1..]);
        } else {
            c.args(args);
        }
        c.output().unwrap().into()
    }

    /// A hooked `git commit -q -m SUBJECT` with a human statement, plus `extra`.
    pub fn commit(&self, second: bool, umask: &str, subject: &str, extra: &[&str]) -> Run {
        let m = format!("{subject}\n\nAuthorship: human\n{RATIONALE}");
        let mut args = vec!["git", "commit", "-q", "-m", m.as_str()];
        args.extend_from_slice(extra);
        self.run(second, umask, &args)
    }

    /// Writes `file`, stages it and commits it through the hook (umask 002).
    pub fn change(&self, file: &str, contents: &str, subject: &str) {
        self.w.write(file, contents);
        self.run(false, "002", &["git", "add", file]).expect(0);
        self.commit(false, "002", subject, &[]).expect(0);
    }

    /// Runs git-avow under `umask`, as root.
    pub fn avow(&self, umask: &str, args: &[&str]) -> Run {
        let bin = crate::support::avow_bin();
        let mut all = vec![bin.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(false, umask, &all)
    }

    /// Packs every object and removes the loose-object directories: the
    /// next object anyone writes needs a directory made for it.
    pub fn pack_everything(&self) {
        self.w.git(["repack", "-adq"]);
        self.w.git(["prune-packed"]);
        // And what no commit reaches (a merge's first try, say).
        self.w.git(["prune", "--expire=now"]);
        let left: Vec<_> = self.object_dirs().collect();
        assert!(left.is_empty(), "loose-object directories left after packing: {left:?}");
    }

    /// `.git/objects/XX` directories.
    fn object_dirs(&self) -> impl Iterator<Item = PathBuf> {
        std::fs::read_dir(self.w.path().join(".git/objects")).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(
            |p| {
                p.file_name()
                    .is_some_and(|n| n.len() == 2 && n.to_string_lossy().bytes().all(|b| b.is_ascii_hexdigit()))
            },
        )
    }

    /// The second user writes `object` again (what git does when it
    /// writes an object it cannot freshen: it is someone else's), into the
    /// directory whoever wrote it first made: refused there if that
    /// directory is not the group's.
    pub fn second_user_rewrites(&self, object: &str) {
        let script = r#"t=$(git cat-file -t "$0") && git cat-file "$t" "$0" | git hash-object -w --stdin -t "$t""#;
        let r = self.run(true, "002", &["sh", "-c", script, object]);
        assert_eq!(r.code, 0, "the second user could not write {object} again:\n{}", r.stderr);
        assert_eq!(r.stdout.trim(), self.w.git(["rev-parse", object]));
    }

    /// Every loose-object directory is writable by the group, as git makes
    /// it in a shared repository; `after` names the step for the message.
    /// Returns how many there are, so a test can make sure its step wrote.
    pub fn assert_objects_shared(&self, after: &str) -> usize {
        let dirs: Vec<_> = self.object_dirs().collect();
        let private: Vec<String> = dirs
            .iter()
            .filter(|d| std::fs::metadata(d).unwrap().mode() & 0o070 != 0o070)
            .map(|d| format!("{} {:o}", d.display(), std::fs::metadata(d).unwrap().mode() & 0o7777))
            .collect();
        assert!(private.is_empty(), "after {after}, loose-object directories the group cannot write: {private:?}");
        dirs.len()
    }
}

/// In a shared repository, a cherry-pick whose conflict root resolves and
/// commits (commit-msg checks the already signed message against the
/// resolved tree, which it stages) leaves every object directory writable
/// by the group, and the second user's next commit works.
#[test]
fn a_resolved_cherry_pick_leaves_the_shared_objects_writable() {
    let Some(s) = Shared::new() else { return };
    let w = &s.w;
    s.change("f.txt", "one\n", "Add f");
    s.run(false, "002", &["git", "switch", "-q", "-c", "side"]).expect(0);
    s.change("f.txt", "side\n", "Change f on the side");
    s.run(false, "002", &["git", "switch", "-q", "main"]).expect(0);
    s.change("f.txt", "main\n", "Change f on main");
    s.pack_everything();
    let r = s.run(false, "022", &["git", "cherry-pick", "side"]);
    assert_ne!(r.code, 0, "the cherry-pick should conflict:\n{}", r.stderr);
    w.write("f.txt", "main and side, resolved\n");
    s.run(false, "002", &["git", "add", "f.txt"]).expect(0);
    let r = s.run(false, "022", &["git", "commit", "-q", "--no-edit"]).expect(0);
    assert!(r.stderr.contains("no longer matches the resolved change"), "{}", r.stderr);
    assert!(s.assert_objects_shared("the resolved cherry-pick") > 0, "the cherry-pick wrote no object");
    s.second_user_rewrites("HEAD^{tree}");
    w.write("g.txt", "the second user's file\n");
    s.run(true, "002", &["git", "add", "g.txt"]).expect(0);
    let r = s.commit(true, "002", "Add g", &[]);
    assert_eq!(r.code, 0, "the second user's commit failed:\n{}", r.stderr);
}

/// The same for a revert, its statement given on the command line (the
/// form the revert refusal names): the hook stages the reverted tree.
#[test]
fn a_revert_leaves_the_shared_objects_writable() {
    let Some(s) = Shared::new() else { return };
    s.change("f.txt", "one\n", "Add f");
    s.change("f.txt", "two\n", "Change f");
    s.pack_everything();
    s.run(false, "022", &["git", "revert", "--no-commit", "HEAD"]).expect(0);
    s.run(
        false,
        "022",
        &["git", "commit", "-q", "--no-edit", "--trailer", "Authorship: human", "--trailer", RATIONALE],
    )
    .expect(0);
    assert!(s.assert_objects_shared("the revert") > 0, "the revert wrote no object");
    // (Not a commit of the second user's: under umask 022 git's own
    // `--trailer` rewrites COMMIT_EDITMSG without the group's write bit.)
    s.second_user_rewrites("HEAD^{tree}");
}

/// post-rewrite re-signs an autosquashed commit (new commit objects that
/// must last): they are written with the shared modes too.
#[test]
fn an_autosquash_re_sign_leaves_the_shared_objects_writable() {
    let Some(s) = Shared::new() else { return };
    let w = &s.w;
    s.change("a.txt", "first\n", "Add a");
    s.run(false, "002", &["git", "tag", "base"]).expect(0);
    s.change("a.txt", "second\n", "Change a");
    w.write("a.txt", "second, fixed\n");
    s.run(false, "002", &["git", "commit", "-q", "-a", "--fixup", "HEAD"]).expect(0);
    s.pack_everything();
    let mut c = w.repo.command("setsid");
    c.args(["-w", "sh", "-c", "umask 022 && exec git rebase -q -i --autosquash base"])
        .env("GIT_SEQUENCE_EDITOR", "true");
    let r: Run = c.output().unwrap().into();
    let r = r.expect(0);
    assert!(r.stderr.contains("re-signed 1 statement"), "{}", r.stderr);
    assert!(s.assert_objects_shared("the autosquash") > 0, "the autosquash wrote no object");
    s.second_user_rewrites("HEAD");
    let r = s.commit(true, "002", "After the rebase", &["--allow-empty"]);
    assert_eq!(r.code, 0, "the second user's commit failed:\n{}", r.stderr);
}

/// `git avow reattest` (a command that writes commits) leaves the objects
/// to the group.
#[test]
fn reattest_leaves_the_shared_objects_writable() {
    let Some(s) = Shared::new() else { return };
    let w = &s.w;
    s.change("a.txt", "first\n", "Add a");
    s.run(false, "002", &["git", "tag", "base"]).expect(0);
    s.change("a.txt", "second\n", "Change a");
    // The change amended without the hook: the signature no longer matches.
    w.write("a.txt", "third\n");
    s.run(false, "002", &["git", "commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]).expect(0);
    let stale = w.git(["rev-parse", "HEAD"]);
    s.pack_everything();
    let r = s.avow("022", &["reattest", "--sign", &stale, "base..HEAD"]);
    assert_eq!(r.code, 0, "reattest failed:\n{}", r.stderr);
    assert!(s.assert_objects_shared("reattest") > 0, "reattest wrote no object");
    s.second_user_rewrites("HEAD");
}

/// `git avow attest` (a command that writes notes) leaves the objects to
/// the group, and the second user can add to the same notes history.
#[test]
fn attest_leaves_the_shared_objects_writable() {
    let Some(s) = Shared::new() else { return };
    s.change("a.txt", "first\n", "Add a");
    s.pack_everything();
    let r = s.avow(
        "022",
        &["attest", "HEAD", "--authorship", "human", "--rationale", "The first commit, attested by note."],
    );
    assert_eq!(r.code, 0, "attest failed:\n{}", r.stderr);
    assert!(s.assert_objects_shared("attest") > 0, "attest wrote no object");
    s.second_user_rewrites("refs/notes/avow");
    s.second_user_rewrites("refs/notes/avow^{tree}");
    let r = s.run(
        true,
        "002",
        &["git", "notes", "--ref", "refs/notes/avow", "append", "-m", "A note of the second user's.", "HEAD"],
    );
    assert_eq!(r.code, 0, "the second user's note failed:\n{}", r.stderr);
}

/// `git avow verify` checks whether a merge is the automatic merge of its
/// parents; libgit2 writes the merge's files and trees as it computes it.
/// Those never reach the repository (verifying keeps no object), so they
/// cannot leave a directory the group cannot write.
#[test]
fn verifying_a_merge_writes_no_object() {
    let Some(s) = Shared::new() else { return };
    s.run(false, "002", &["git", "add", ".avow"]).expect(0);
    s.commit(false, "002", "Adopt avow", &[]).expect(0);
    s.run(false, "002", &["git", "tag", "base"]).expect(0);
    s.change("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "Add f");
    s.run(false, "002", &["git", "switch", "-q", "-c", "side"]).expect(0);
    s.change("f.txt", "1 side\n2\n3\n4\n5\n6\n7\n8\n9\n", "Change the top of f");
    s.run(false, "002", &["git", "switch", "-q", "main"]).expect(0);
    s.change("f.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9 main\n", "Change the bottom of f");
    // A merge with a change of its own: its tree is not the automatic
    // merge, which git therefore never wrote.
    s.run(false, "002", &["git", "merge", "-q", "--no-commit", "side"]).expect(0);
    s.change("f.txt", "1 side\n2\n3\n4\n5 merged\n6\n7\n8\n9 main\n", "Merge side");
    s.pack_everything();
    let r = s.avow("022", &["verify", "base..HEAD"]);
    assert!(r.stdout.contains("[merge.unclean]"), "the merge was not checked:\n{}{}", r.stdout, r.stderr);
    assert_eq!(s.assert_objects_shared("verify"), 0, "verify wrote objects");
}

/// The permission bits of `rel` in the repository's git directory.
fn mode(s: &Shared, rel: &str) -> u32 {
    std::fs::metadata(s.w.path().join(".git").join(rel)).unwrap().mode() & 0o7777
}

/// What avow writes in the git directory besides objects — the branch
/// reattest moves and its reflogs, `.git/avow/` where post-rewrite keeps
/// its record, the verification cache under it — gets the modes git gives
/// a shared repository even under a umask of 022, and the second user goes
/// on: commits (moving the branch, appending to its reflogs), amends
/// (post-rewrite's record) and verifies with the cache.
#[test]
fn refs_reflogs_and_avows_own_directories_stay_the_groups() {
    let Some(s) = Shared::new() else { return };
    let w = &s.w;
    s.run(false, "002", &["git", "add", ".avow"]).expect(0);
    s.commit(false, "002", "Adopt avow", &[]).expect(0);
    s.run(false, "002", &["git", "tag", "trusted"]).expect(0);
    s.change("a.txt", "first\n", "Add a");
    s.run(false, "002", &["git", "tag", "base"]).expect(0);
    s.change("a.txt", "second\n", "Change a");
    // An amend without the hook: post-rewrite records it, in `.git/avow/`.
    w.write("a.txt", "third\n");
    s.run(false, "022", &["git", "commit", "-q", "-a", "--amend", "--no-edit", "--no-verify"]).expect(0);
    assert_eq!(mode(&s, "avow"), 0o2775, ".git/avow");
    let stale = w.git(["rev-parse", "HEAD"]);
    let r = s.avow("022", &["reattest", "--sign", &stale, "base..HEAD"]);
    assert_eq!(r.code, 0, "reattest failed:\n{}", r.stderr);
    assert_eq!(w.git(["reflog", "-1", "--format=%gs", "main"]), "avow reattest: re-signed statements");
    assert_eq!(w.git(["reflog", "-1", "--format=%gs", "HEAD"]), "avow reattest: re-signed statements");
    for file in ["refs/heads/main", "logs/refs/heads/main", "logs/HEAD"] {
        assert_eq!(mode(&s, file) & 0o060, 0o060, "{file} is {:o}", mode(&s, file));
    }
    // Root's verification fills the cache with "Add a"; the second
    // user's adds "Change a".
    let bin = crate::support::avow_bin();
    let verify = |range| [bin.to_str().unwrap(), "verify", "--cache", range];
    let r = s.run(false, "022", &verify("trusted..base"));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(mode(&s, "avow/cache"), 0o2775, ".git/avow/cache");

    // The second user, whose umask lets the group write.
    w.write("b.txt", "b\n");
    s.run(true, "002", &["git", "add", "b.txt"]).expect(0);
    let r = s.commit(true, "002", "Add b", &[]);
    assert_eq!(r.code, 0, "the second user's commit failed:\n{}", r.stderr);
    w.write("b.txt", "bb\n");
    s.run(true, "002", &["git", "add", "b.txt"]).expect(0);
    let r = s.run(true, "002", &["git", "commit", "-q", "--amend", "--no-edit", "--no-verify"]).expect(0);
    assert!(!r.stderr.contains("not recorded"), "{}", r.stderr);
    assert!(std::fs::read_to_string(w.path().join(".git/avow/rewritten")).unwrap().lines().count() >= 2);
    let r = s.run(true, "002", &verify("base..HEAD~1"));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    let cache = std::fs::read_dir(w.path().join(".git/avow/cache")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read_to_string(cache).unwrap().lines().count(), 3, "a header and two commits");
}
