//! The command line: one subcommand per file under `cmd/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::error::{self, CliError};
use crate::output;

/// avow: make a named, key-holding person stand behind each commit.
///
/// Contributors attest each commit — how it was authored (human, assisted,
/// generated), who understands it, and why it is right — and sign that
/// statement with their SSH key (ed25519, ECDSA or RSA, from a file or
/// ssh-agent). Maintainers and CI verify every commit of a range against the
/// keyring and policy in `.avow/` at a trusted base revision.
///
/// Exit codes: 0 all good, 1 verification failed or commit refused, 2 usage,
/// configuration or runtime error.
#[derive(Debug, Parser)]
#[command(name = "git-avow", bin_name = "git avow", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Say less: only failures and the summary (verify), only findings
    /// (report), only the verdict (show); no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more: signer fingerprints and change digests (verify), thresholds
    /// (report).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(cmd::init::Args),
    Install(cmd::install::InstallArgs),
    Uninstall(cmd::install::UninstallArgs),
    #[command(subcommand)]
    Hook(cmd::hook::HookCommand),
    #[command(subcommand)]
    Keyring(cmd::keyring::KeyringCommand),
    Verify(cmd::verify::Args),
    Reattest(cmd::reattest::Args),
    Attest(cmd::attest::Args),
    Show(cmd::show::Args),
    Report(cmd::report::Args),
    Demo(cmd::demo::Args),
    Doctor(cmd::doctor::Args),
    Completions(cmd::completions::Args),
    Man(cmd::man::Args),
}

/// clap says only that some argument is not UTF-8: name it.
fn not_utf8_argument() -> CliError {
    let arg = std::env::args_os().skip(1).find(|a| a.to_str().is_none()).unwrap_or_default();
    CliError::new(format!("the argument {:?} is not UTF-8", arg.to_string_lossy()))
        .hint("avow reads revisions, paths and values as UTF-8: name a revision by its commit id (`git rev-parse`), or rename or link the file to a UTF-8 path")
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::InvalidUtf8 {
                return output::report_error(&not_utf8_argument());
            }
            let _ = e.print();
            return ExitCode::from(error::ERROR);
        }
    };
    output::set_verbosity(match (cli.quiet, cli.verbose) {
        (true, _) => output::Verbosity::Quiet,
        (false, true) => output::Verbosity::Verbose,
        (false, false) => output::Verbosity::Normal,
    });
    let result: Result<error::Outcome, CliError> = match cli.command {
        Command::Init(a) => cmd::init::run(&a),
        Command::Install(a) => cmd::install::install(&a),
        Command::Uninstall(a) => cmd::install::uninstall(&a),
        Command::Hook(h) => cmd::hook::run(h),
        Command::Keyring(k) => cmd::keyring::run(k),
        Command::Verify(a) => cmd::verify::run(&a),
        Command::Reattest(a) => cmd::reattest::run(&a),
        Command::Attest(a) => cmd::attest::run(&a),
        Command::Show(a) => cmd::show::run(&a),
        Command::Report(a) => cmd::report::run(&a),
        Command::Demo(a) => cmd::demo::run(&a),
        Command::Doctor(a) => cmd::doctor::run(&a),
        Command::Completions(a) => cmd::completions::run(&a),
        Command::Man(a) => cmd::man::run(&a),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => crate::output::report_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// clap's own consistency checks over every subcommand: a global flag
    /// (`-q`, `-v`) clashing with a subcommand's, duplicate short options,
    /// `conflicts_with` naming an argument that does not exist.
    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
