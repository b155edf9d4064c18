//! `git avow demo`: a walk-through in a throw-away repository, showing the
//! contributor's and the maintainer's side with the real binary and git.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{CliError, Outcome, Result};

/// Walk through avow in a temporary repository: adopt it, see an
/// unattested commit refused, attest one, verify the range, and watch
/// verification catch an edit made after signing.
///
/// Touches nothing outside the temporary directory (it has its own HOME
/// and key). Needs `git` and `ssh-keygen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the temporary repository and print its path.
    #[arg(long)]
    pub keep: bool,
}

struct Demo {
    root: PathBuf,
    exe: PathBuf,
}

impl Demo {
    fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(self.repo())
            .env("HOME", self.root.join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.root.join("home/.gitconfig"))
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env("AVOW_DEMO", "1")
            .stdin(Stdio::null());
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.exe.parent().map(Path::to_path_buf).unwrap_or_default()];
        dirs.extend(std::env::split_paths(&path));
        if let Ok(p) = std::env::join_paths(dirs) {
            c.env("PATH", p);
        }
        c
    }

    /// Runs a step, echoing the command and its output; checks the exit code.
    fn step(&self, program: &str, args: &[&str], expect: i32) -> Result<String> {
        let shown: Vec<String> = args
            .iter()
            .map(|a| if a.is_empty() || a.contains(' ') { format!("\"{a}\"") } else { (*a).to_owned() })
            .collect();
        crate::output::outln!("$ {program} {}", shown.join(" "))?;
        let out = self.command(program, args).output().map_err(|e| {
            CliError::new(format!("cannot run {program}: {e}")).hint("the demo needs git and ssh-keygen on PATH")
        })?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for line in text.lines() {
            crate::output::outln!("    {line}")?;
        }
        let code = out.status.code().unwrap_or(-1);
        if code != expect {
            return Err(CliError::new(format!(
                "demo step `{program} {}` exited {code}, expected {expect}",
                args.join(" ")
            ))
            .hint("please report this; rerun with --keep to inspect the repository"));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn say(text: &str) -> Result<()> {
        crate::output::outln!("\n# {text}")
    }
}

const TMPDIR_HINT: &str = "point TMPDIR at a writable directory with some free space";

/// A failure writing inside the demo's temporary directory.
fn temp_error(e: &std::io::Error) -> CliError {
    CliError::new(format!("cannot write in the demo's temporary directory: {e}")).hint(TMPDIR_HINT)
}

pub fn run(args: &Args) -> Result<Outcome> {
    let dir = tempfile::Builder::new()
        .prefix("avow-demo")
        .tempdir()
        .map_err(|e| CliError::new(format!("cannot create a temporary directory: {e}")).hint(TMPDIR_HINT))?;
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(format!("cannot find git-avow: {e}"))
            .hint("run the demo from an installed git-avow (`cargo install --path .`)")
    })?;
    let d = Demo { root: dir.path().to_path_buf(), exe };
    for sub in ["repo", "home/.ssh"] {
        std::fs::create_dir_all(d.root.join(sub)).map_err(|e| temp_error(&e))?;
    }
    std::fs::write(d.root.join("home/.gitconfig"), "").map_err(|e| temp_error(&e))?;
    let key = d.root.join("home/.ssh/id_ed25519");
    let key_s = key.display().to_string();

    Demo::say("A contributor, Alice, with an ed25519 key, in a new repository.")?;
    d.step("git", &["init", "-q", "-b", "main"], 0)?;
    d.step("git", &["config", "user.name", "Alice Example"], 0)?;
    d.step("git", &["config", "user.email", "alice@example.org"], 0)?;
    d.step("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-C", "alice@example.org", "-f", &key_s], 0)?;

    Demo::say("The maintainer adopts avow: a policy (the Linux kernel's disclosure rule) and a keyring.")?;
    d.step("git", &["avow", "init", "--preset", "disclose"], 0)?;
    d.step("git", &["avow", "install"], 0)?;
    d.step("git", &["add", avow_policy::AVOW_DIR], 0)?;
    d.step(
        "git",
        &[
            "commit",
            "-q",
            "-m",
            "Adopt avow",
            "--trailer",
            "Authorship: human",
            "--trailer",
            "Rationale: Every commit after this one must carry a signed statement of how it was written and why.",
        ],
        0,
    )?;
    let base = d.step("git", &["rev-parse", "HEAD"], 0)?;

    Demo::say("A commit without an attestation is refused (no terminal to ask on); the message is kept.")?;
    std::fs::write(d.repo().join("greet.sh"), "echo hello\n").map_err(|e| temp_error(&e))?;
    d.step("git", &["add", "greet.sh"], 0)?;
    d.step("git", &["-c", "avow.prompt=false", "commit", "-q", "-m", "Add a greeting script"], 1)?;

    Demo::say("With the statement given as trailers, the hook adds Understood-by and signs.")?;
    d.step(
        "git",
        &[
            "commit", "-q", "-m", "Add a greeting script",
            "--trailer", "Authorship: assisted",
            "--trailer", "Assisted-by: Claude:claude-opus-4-5",
            "--trailer", "Rationale: New users asked for a smoke test; the script prints a fixed greeting so the install can be checked.",
        ],
        0,
    )?;
    d.step("git", &["log", "-1", "--format=%B"], 0)?;

    Demo::say("The maintainer (or CI) verifies the range against the keyring and policy at its base.")?;
    let range = format!("{base}..HEAD");
    d.step("git", &["avow", "verify", &range], 0)?;

    Demo::say("Someone edits the subject after signing: verification fails (exit 1).")?;
    let msg = d.step("git", &["log", "-1", "--format=%B"], 0)?;
    let edited = msg.replacen("Add a greeting script", "Add a friendly greeting script", 1);
    let msg_file = d.root.join("edited-msg");
    std::fs::write(&msg_file, edited).map_err(|e| temp_error(&e))?;
    d.step("git", &["commit", "-q", "--amend", "--no-verify", "-F", &msg_file.display().to_string()], 0)?;
    d.step("git", &["avow", "verify", &range], 1)?;

    Demo::say("Re-attesting (the hook runs again on amend) makes it verify.")?;
    d.step("git", &["commit", "-q", "--amend", "--no-edit"], 0)?;
    d.step("git", &["avow", "verify", &range], 0)?;

    if args.keep {
        let kept = dir.keep();
        crate::output::outln!("\navow: demo repository kept at {}", kept.join("repo").display())?;
    } else {
        crate::output::outln!("\navow: demo finished; every step behaved as expected.")?;
    }
    Ok(Outcome::Ok)
}
