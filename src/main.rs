//! `git-avow`: sign and verify authorship attestations on git commits.
//! See `git avow --help`, README.md and docs/.

mod atomic;
mod cache;
mod cli;
mod clock;
mod cmd;
mod error;
mod git;
mod identity;
mod keys;
mod message;
mod output;
mod progress;
mod resign;
mod shallow;
mod tty;
mod workflows;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
