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
mod key_record;
mod keys;
mod local;
mod message;
mod output;
mod progress;
mod reply;
mod resign;
mod rewrites;
mod shallow;
mod shared;
// Prompts need a Unix terminal; elsewhere avow asks nothing (tty_none.rs).
#[cfg_attr(not(unix), path = "tty_none.rs")]
mod tty;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A hook git runs directly (`#!…/git-avow hook-direct`): straight to
    // the hook, without building the whole command line parser.
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == cmd::install::DIRECT) {
        return match cmd::install::run_direct(args) {
            Ok(outcome) => outcome.exit_code(),
            Err(e) => output::report_error(&e),
        };
    }
    // Before anything starts a thread: bound libgit2's mapped pack windows
    // so that a long verification does not keep the whole pack resident
    // (docs/performance.md). The hooks above read a commit or two.
    avow_mwindow::bound_pack_windows();
    cli::run()
}
