//! `git avow man`: manual pages in roff, generated from the clap
//! definitions (the same text as `--help`).

use std::path::{Path, PathBuf};

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::{CliError, Outcome, Result};
use crate::output;

/// Print the git-avow(1) manual page, or write one page per command.
///
/// `git avow man | man -l -` reads it now. `git avow man --install` writes
/// `git-avow.1` and `git-avow-COMMAND.1` for every command and subcommand
/// next to the binary, in `BIN/../share/man/man1` (`~/.cargo/bin/git-avow`:
/// `~/.cargo/share/man/man1`), where `man` looks for the pages of commands
/// on PATH, so that `git avow --help`, `git help avow` and `man
/// git-avow-verify` work. `--dir DIR` writes them into DIR instead.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write every page into this directory instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "install")]
    pub dir: Option<PathBuf>,
    /// Write every page into `share/man/man1` beside the directory that
    /// holds this git-avow.
    #[arg(long)]
    pub install: bool,
}

/// `BIN/../share/man/man1` for the running binary in `BIN`: man-db and
/// BSD man derive that from each PATH entry.
fn beside_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(format!("cannot find the git-avow binary: {e}")).hint("give the directory with `--dir DIR`")
    })?;
    let prefix = exe.parent().and_then(Path::parent).ok_or_else(|| {
        CliError::new(format!("{} has no parent directory to put share/man in", exe.display()))
            .hint("give the directory with `--dir DIR`")
    })?;
    Ok(prefix.join("share/man/man1"))
}

fn render(cmd: clap::Command) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| CliError::new(format!("cannot render the manual page: {e}")).hint(crate::error::REPORT_HINT))?;
    Ok(out)
}

/// Every page: `(file name, roff)`, the command first, then its
/// subcommands depth-first, named `git-avow-verify`, `git-avow-keyring-add`…
fn pages(cmd: &clap::Command, name: &str, usage: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let page = cmd.clone().name(name.to_owned()).bin_name(usage.to_owned());
    out.push((format!("{name}.1"), render(page)?));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        pages(sub, &format!("{name}-{}", sub.get_name()), &format!("{usage} {}", sub.get_name()), out)?;
    }
    Ok(())
}

fn write_pages(dir: &Path) -> Result<Outcome> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut all = Vec::new();
    pages(&cmd, "git-avow", "git avow", &mut all)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::new(format!("cannot create {}: {e}", dir.display())).hint("give a writable directory to --dir")
    })?;
    for (file, roff) in &all {
        let path = dir.join(file);
        std::fs::write(&path, roff).map_err(|e| {
            CliError::new(format!("cannot write {}: {e}", path.display())).hint("give a writable directory to --dir")
        })?;
    }
    crate::output::outln!("avow: wrote {} manual pages to {}", all.len(), dir.display())?;
    Ok(Outcome::Ok)
}

pub fn run(args: &Args) -> Result<Outcome> {
    if let Some(dir) = &args.dir {
        return write_pages(dir);
    }
    if args.install {
        return write_pages(&beside_binary()?);
    }
    let mut cmd = Cli::command().name("git-avow");
    cmd.build();
    output::write_stdout(&render(cmd)?)?;
    Ok(Outcome::Ok)
}
