//! The binary's error: a one-line reason and a hint at the fix, mapped to
//! exit code 2. A refused commit or failed verification is not an error; it
//! is an outcome (exit 1).

use std::fmt;
use std::process::ExitCode;

/// Exit code when everything is fine.
pub const OK: u8 = 0;
/// Exit code when verification failed or a commit was refused.
pub const FAILED: u8 = 1;
/// Exit code for usage, configuration and runtime errors.
pub const ERROR: u8 = 2;

/// A user-facing error.
#[derive(Debug)]
pub struct CliError {
    /// One line: what went wrong, naming the file or value.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError { message: one_line(&message.into()), hint: None }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(one_line(&hint.into()));
        self
    }
}

/// Errors must never spill over several lines: a message from a library may
/// carry newlines (TOML errors do), so fold them.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(part);
    }
    out
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The hint for a failure avow cannot explain.
pub const REPORT_HINT: &str = "this should not happen; please report it to avow with the command you ran";

/// The hint for a failure inside git's data (a missing or corrupt object),
/// where avow has no more specific advice.
pub const GIT_HINT: &str =
    "check the repository with `git fsck`; if git finds nothing wrong, please report this to avow";

impl From<avow_verify::Error> for CliError {
    fn from(e: avow_verify::Error) -> Self {
        let hint = e.hint().unwrap_or_else(|| GIT_HINT.to_owned());
        CliError::new(e.to_string()).hint(hint)
    }
}

impl From<git2::Error> for CliError {
    fn from(e: git2::Error) -> Self {
        CliError::new(format!("git: {}", e.message())).hint(GIT_HINT)
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// What a command returns when it did not fail with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: refused or failed verification.
    Failed,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Ok => OK,
            Outcome::Failed => FAILED,
        })
    }
}
