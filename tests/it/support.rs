//! A test world: a repository with avow adopted, a contributor key, and
//! helpers to run git (with hooks, without a terminal) and git-avow.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

pub use avow_testutil::{TestRepo, AUTHOR_EMAIL, AUTHOR_NAME};

/// The binary under test.
pub fn avow_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-avow"))
}

/// The outcome of a command, with text streams.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

pub struct World {
    pub repo: TestRepo,
    pub key: PathBuf,
}

impl std::ops::Deref for World {
    type Target = TestRepo;
    fn deref(&self) -> &TestRepo {
        &self.repo
    }
}

/// A statement for `git commit --trailer`.
pub const HUMAN: [&str; 4] = [
    "--trailer",
    "Authorship: human",
    "--trailer",
    "Rationale: The parser stopped one element early; iterate to the end so the last item is read.",
];

impl World {
    /// A repository with no avow set-up, and Alice's key configured.
    pub fn bare() -> World {
        World::bare_in(TestRepo::new())
    }

    /// [`World::bare`] in a given repository (e.g. a SHA-256 one).
    pub fn bare_in(repo: TestRepo) -> World {
        let key = repo.keygen("alice");
        repo.git(["config", "avow.signingKey", key.to_str().unwrap()]);
        World { repo, key }
    }

    /// A repository where avow is adopted with `preset`, hooks installed,
    /// and .avow/ committed (attested) as the base commit `base`.
    pub fn adopted(preset: &str) -> World {
        World::adopted_in(TestRepo::new(), preset)
    }

    /// [`World::adopted`] in a given repository.
    pub fn adopted_in(repo: TestRepo, preset: &str) -> World {
        let w = World::bare_in(repo);
        w.avow(["init", "--preset", preset]).expect(0);
        w.commit_adoption();
        w.repo.git(["tag", "base"]);
        w
    }

    /// After `git avow init`: installs the hooks and commits `.avow/`
    /// through them, signed, as the adoption commit.
    pub fn commit_adoption(&self) {
        self.avow(["install"]).expect(0);
        self.repo.git(["add", ".avow"]);
        self.commit(&[
            "-m",
            "Adopt avow",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: Every commit from here on carries a signed attestation.",
        ])
        .expect(0);
    }

    /// Runs git without a controlling terminal (so the hook cannot prompt),
    /// hooks enabled.
    pub fn git_notty<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.repo.command("setsid");
        c.arg("-w").arg("git").args(args);
        c.output().expect("run setsid git").into()
    }

    /// `git commit` with the given arguments (hooks on, no terminal).
    pub fn commit(&self, args: &[&str]) -> Run {
        let mut all = vec!["commit", "-q"];
        all.extend_from_slice(args);
        self.git_notty(all)
    }

    /// Writes a file, stages everything and commits with a human statement.
    pub fn change(&self, file: &str, contents: &str, subject: &str) -> String {
        self.repo.write(file, contents);
        self.repo.git(["add", "-A"]);
        let rationale =
            format!("Rationale: {subject}, because the tests need a real change to attest; it is small and reviewed.");
        self.commit(&["-m", subject, "--trailer", "Authorship: human", "--trailer", &rationale]).expect(0);
        self.repo.git(["rev-parse", "HEAD"])
    }

    /// Runs git-avow in the work tree, hermetically, without a terminal.
    pub fn avow<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.avow_in(&self.repo.path(), args)
    }

    pub fn avow_in<I, S>(&self, dir: &Path, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.repo.command("setsid");
        c.arg("-w").arg(avow_bin()).args(args).current_dir(dir);
        c.output().expect("run git-avow").into()
    }

    /// The commit message of a revision.
    pub fn message(&self, rev: &str) -> String {
        self.repo.git(["log", "-1", "--format=%B", rev])
    }

    /// Rewrites HEAD's message with `edit`, bypassing hooks (a tamperer).
    pub fn tamper_message(&self, edit: impl FnOnce(String) -> String) {
        let msg = edit(self.message("HEAD"));
        let f = self.repo.scratch().join("tampered-msg");
        std::fs::write(&f, msg).unwrap();
        self.repo.git(["commit", "-q", "--amend", "--no-verify", "--cleanup=verbatim", "-F", f.to_str().unwrap()]);
    }

    /// Trailer value of `key` in HEAD's message (first).
    pub fn trailer(&self, rev: &str, key: &str) -> Option<String> {
        let out = self.repo.git_stdin(["interpret-trailers", "--parse"], self.message(rev).as_bytes());
        String::from_utf8(out).unwrap().lines().find_map(|l| l.strip_prefix(&format!("{key}: ")).map(str::to_owned))
    }

    /// Runs `command` (a shell command line) on a pseudo-terminal made by
    /// `script`, typing `answers` one line at a time; returns the exit code
    /// and what the terminal showed. `timeout` bounds it, so a prompt that
    /// never gets its answer fails the test instead of hanging it.
    pub fn on_terminal(&self, command: &str, answers: &str, env: &[(&str, &std::ffi::OsStr)]) -> (i32, String) {
        use std::io::Write as _;
        let mut c = self.repo.command("timeout");
        c.args(["120", "script", "-qec", command, "/dev/null"]);
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for line in answers.lines() {
                std::thread::sleep(std::time::Duration::from_millis(500));
                stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let out = child.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A bare repository `scratch/NAME.git` as remote NAME, with `main`
    /// pushed to it (hooks skipped) and set as main's upstream.
    pub fn remote(&self, name: &str) -> PathBuf {
        let path = self.repo.scratch().join(format!("{name}.git"));
        self.repo.git(["init", "-q", "--bare", path.to_str().unwrap()]);
        self.repo.git(["remote", "add", name, path.to_str().unwrap()]);
        self.repo.git(["push", "-q", "--no-verify", "-u", name, "main"]);
        path
    }

    pub fn verify(&self, range: &str) -> Run {
        self.avow(["verify", range])
    }

    /// Sets `sequence.editor` so that an interactive rebase marks the line
    /// of commit `rev` `edit`: the part of a printed `git rebase -i` hint
    /// that the person does in the editor.
    pub fn mark_edit_in_rebase(&self, rev: &str) {
        let full = self.git(["rev-parse", rev]).trim().to_owned();
        let mark = format!(
            "awk '$1 == \"pick\" && index(\"{full}\", $2) == 1 {{ $1 = \"edit\" }} {{ print }}' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\""
        );
        let editor = self.scratch().join("mark-edit");
        std::fs::write(&editor, format!("#!/bin/sh\n{mark}\n")).unwrap();
        self.git(["config", "sequence.editor", &format!("sh {}", editor.display())]);
    }

    /// `sh -c LINE` in the work tree as a person types a hint avow printed:
    /// `git-avow` on PATH (so `git avow …` works), no terminal.
    pub fn shell(&self, line: &str) -> std::process::Command {
        let bin_dir = avow_bin().parent().unwrap().to_path_buf();
        let path = std::env::join_paths(
            std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .unwrap();
        let mut c = self.repo.command("setsid");
        c.args(["-w", "sh", "-c", line]).current_dir(self.repo.path()).env("PATH", path);
        c
    }
}

/// The shell commands quoted with backticks in `text` that start with `git`.
pub fn quoted_commands(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).filter(|c| c.starts_with("git ")).map(str::to_owned).collect()
}
