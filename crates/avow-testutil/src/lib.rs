//! Test helpers shared by avow's crates: every `git` and `ssh-keygen` call a
//! test makes goes through here, so that no user or system configuration,
//! agent or home directory leaks into a test, and dates are fixed.
//!
//! Panicking is the right failure mode here: these run only inside tests.
#![allow(clippy::missing_panics_doc, reason = "test helpers panic on failure by design")]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use tempfile::TempDir;

pub mod by_hand;
pub mod forge;

/// Fixed identity used for every test commit unless a test overrides it.
pub const AUTHOR_NAME: &str = "Alice Example";
/// Fixed email used for every test commit unless a test overrides it.
pub const AUTHOR_EMAIL: &str = "alice@example.org";
/// A fixed date, so commit ids are reproducible.
pub const DATE: &str = "1764000000 +0000";
/// The clock git-avow reads in tests (`AVOW_TEST_NOW`, honoured by debug
/// builds only): the same instant as [`DATE`], 2025-11-24T16:00:00Z, so the
/// signing time, the `added` date `init` writes and every status shown are
/// the same on any day. A test that needs time to pass sets the variable
/// again on its command.
pub const NOW: i64 = 1_764_000_000;

/// Applies the hermetic environment to any command (git, ssh-keygen, the
/// binary under test). `home` becomes `$HOME`, so `~/.ssh` and
/// `~/.gitconfig` are the test's own.
pub fn hermetic<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CEILING_DIRECTORIES",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "SSH_AUTH_SOCK",
        "SSH_AGENT_PID",
        "GIT_EDITOR",
        "EDITOR",
        "VISUAL",
        "NO_COLOR",
        "AVOW_LOG",
        "AVOW_CACHE_DIR",
        "RAYON_NUM_THREADS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_AUTHOR_NAME", AUTHOR_NAME)
        .env("GIT_AUTHOR_EMAIL", AUTHOR_EMAIL)
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_NAME", AUTHOR_NAME)
        .env("GIT_COMMITTER_EMAIL", AUTHOR_EMAIL)
        .env("GIT_COMMITTER_DATE", DATE)
        .env("GIT_EDITOR", "true")
        .env("AVOW_TEST_NOW", NOW.to_string())
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
}

/// A temporary directory holding a home directory and a git repository.
pub struct TestRepo {
    dir: TempDir,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// `git init` a fresh repository with branch `main`, a hermetic home and
    /// the fixed identity in the repository's own config (which libgit2 reads
    /// too).
    pub fn new() -> Self {
        Self::init(&[])
    }

    /// Like [`TestRepo::new`], with SHA-256 object ids
    /// (`git init --object-format=sha256`).
    pub fn new_sha256() -> Self {
        Self::init(&["--object-format=sha256"])
    }

    fn init(extra: &[&str]) -> Self {
        let dir = tempfile::Builder::new().prefix("avow-test").tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home/.ssh")).expect("home");
        std::fs::write(dir.path().join("home/.gitconfig"), "").expect("gitconfig");
        std::fs::create_dir_all(dir.path().join("repo")).expect("repo dir");
        let repo = Self { dir };
        repo.git(["init", "-q", "-b", "main"].iter().chain(extra));
        repo.git(["config", "user.name", AUTHOR_NAME]);
        repo.git(["config", "user.email", AUTHOR_EMAIL]);
        repo.git(["config", "commit.gpgsign", "false"]);
        repo.git(["config", "core.quotePath", "true"]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The hermetic `$HOME`.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The scratch area next to the repository (for keys, patches, clones).
    pub fn scratch(&self) -> PathBuf {
        let p = self.dir.path().join("scratch");
        std::fs::create_dir_all(&p).expect("scratch");
        p
    }

    /// A hermetic command for `program`, run in the work tree.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        hermetic(&mut cmd, &self.home());
        cmd.current_dir(self.path()).stdin(Stdio::null());
        cmd
    }

    /// Runs git and returns its raw output, whatever its exit status.
    pub fn git_output<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command("git").args(args).output().expect("run git")
    }

    /// Runs git, panics with its stderr if it fails, returns stdout trimmed
    /// of the final newline.
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_os_string()).collect();
        let out = self.git_output(&args);
        assert!(
            out.status.success(),
            "git {:?} failed: {}\n{}",
            args,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        if s.ends_with('\n') {
            s.pop();
        }
        s
    }

    /// Runs git with `input` on stdin; panics on failure; returns stdout.
    pub fn git_stdin<I, S>(&self, args: I, input: &[u8]) -> Vec<u8>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        use std::io::Write as _;
        let mut child = self
            .command("git")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git");
        child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
        let out = child.wait_with_output().expect("wait git");
        assert!(out.status.success(), "git failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// Writes a file (creating directories) relative to the work tree.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, contents).expect("write file");
    }

    /// `git add -A && git commit -q --no-verify -m msg`; returns the new commit id.
    pub fn commit_all(&self, msg: &str) -> String {
        self.git(["add", "-A"]);
        self.git(["commit", "-q", "--no-verify", "--allow-empty", "-m", msg]);
        self.git(["rev-parse", "HEAD"])
    }

    /// Generates an unencrypted ed25519 key pair in the scratch area with
    /// real `ssh-keygen`; returns the private key path (`.pub` beside it).
    pub fn keygen(&self, name: &str) -> PathBuf {
        self.keygen_with_passphrase(name, "")
    }

    /// Like [`TestRepo::keygen`], protected by `passphrase`.
    pub fn keygen_with_passphrase(&self, name: &str, passphrase: &str) -> PathBuf {
        self.keygen_typed(name, &["-t", "ed25519"], passphrase)
    }

    /// A key of any type: `kind` are ssh-keygen's type arguments, like
    /// `["-t", "ecdsa", "-b", "384"]` or `["-t", "rsa", "-b", "2048"]`.
    pub fn keygen_typed(&self, name: &str, kind: &[&str], passphrase: &str) -> PathBuf {
        let path = self.scratch().join(name);
        let out = self
            .command("ssh-keygen")
            .arg("-q")
            .args(kind)
            .args(["-C", name, "-N", passphrase, "-f"])
            .arg(&path)
            .output()
            .expect("run ssh-keygen");
        assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
        path
    }
}
