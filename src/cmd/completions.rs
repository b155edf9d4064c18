//! `git avow completions SHELL`: shell completion scripts, generated from
//! the same clap definitions as the parser, so they never drift.

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::{Outcome, Result};

/// Print a shell completion script for `git-avow`.
///
/// Load it in the current shell, e.g. `source <(git avow completions bash)`,
/// or install it where your shell looks (docs/cli.md lists the places).
/// The bash script completes both `git-avow` and, with git's bash
/// completion loaded, `git avow`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// For bash, `git avow <TAB>`: git's completion calls `_git_avow` for the
/// `avow` command (`__git_cmd_idx` is where it stands on the line); it
/// hands the words after it to the generated function as if `git-avow`
/// had been typed.
fn bash_git_subcommand(script: &str) -> Option<String> {
    let function = script.split("complete -F ").nth(1)?.split_whitespace().next()?;
    Some(format!(
        r#"
# `git avow <TAB>` through git's own bash completion.
_git_avow() {{
    local i=${{__git_cmd_idx:-1}}
    local COMP_WORDS=(git-avow "${{COMP_WORDS[@]:i+1}}")
    local COMP_CWORD=$((COMP_CWORD - i))
    {function} git-avow "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
}}
"#
    ))
}

pub fn run(args: &Args) -> Result<Outcome> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command().bin_name("git-avow"), "git-avow", &mut out);
    if args.shell == clap_complete::Shell::Bash {
        // clap_complete names the per-command states `git__subcmd__avow…`
        // but looks them up as `git__avow…` when the binary's name has a
        // dash, so options of subcommands would never complete; align them.
        let mut script = String::from_utf8_lossy(&out).replace("git__subcmd__avow", "git__avow");
        if let Some(shim) = bash_git_subcommand(&script) {
            script.push_str(&shim);
        }
        out = script.into_bytes();
    }
    crate::output::write_stdout(&out)?;
    Ok(Outcome::Ok)
}
