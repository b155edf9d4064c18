//! The git command that runs the hook, read from its command line.
//!
//! Git does not tell the commit-msg hook whether the commit amends HEAD
//! (the change is then taken against HEAD's parent, not HEAD), nor which
//! `--cleanup`, `-v` or `--allow-empty-message` it was given (they decide
//! what git stores). The answer is in the command line of the `git commit`
//! that runs the hook, found by walking up the process tree through
//! `/proc`; it is parsed the way git's parse-options reads it (bundled
//! short options, stuck values, unambiguous long-option prefixes). The
//! same walk tells prepare-commit-msg that `git revert` runs it.

use crate::error::CliError;

/// What the hook needs to know about the `git commit` that runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[expect(clippy::struct_excessive_bools, reason = "one flag per git option, as git's own parse-options variables")]
pub struct Invocation {
    /// `--amend`.
    pub amend: bool,
    /// `--cleanup=MODE`, the last one given.
    pub cleanup: Option<String>,
    /// `-v`/`--verbose` (`Some(true)`) or `--no-verbose` (`Some(false)`).
    pub verbose: Option<bool>,
    /// `--allow-empty-message`.
    pub allow_empty_message: bool,
    /// `-m`, `-F` or `-C` (a message given: no editor unless `-e`).
    pub message_given: bool,
    /// `-e`/`--edit` (`Some(true)`) or `--no-edit` (`Some(false)`).
    pub edit: Option<bool>,
    /// `--fixup=COMMIT` without `amend:`/`reword:` (no editor by default).
    pub plain_fixup: bool,
    /// `-C`/`-c COMMIT` (`--reuse-message`, `--reedit-message`): the commit
    /// whose message this one starts from, the last one given.
    pub reused: Option<String>,
    /// `-n`/`--no-verify` (`--verify` undoes it): git skips the commit-msg
    /// hook, and runs prepare-commit-msg all the same.
    pub no_verify: bool,
    /// git itself was started with `GIT_EDITOR=:` (so the `:` the hook
    /// sees does not say "no editor").
    pub own_editor_is_colon: bool,
}

impl Invocation {
    /// Whether git opens an editor, by its command line (git's `use_editor`).
    pub fn editor(&self) -> bool {
        self.edit.unwrap_or(!(self.message_given || self.plain_fixup))
    }
}

/// The `git commit` running this hook, if it can be found.
pub fn find() -> Option<Invocation> {
    ancestors().find_map(|(pid, args)| {
        let mut inv = parse_git_commit(&args)?;
        // Read only where it can decide something (cleanup.rs,
        // `editor_is_used`): git gave the hook `GIT_EDITOR=:` and its
        // command line says an editor opens. A `-m` commit reads no
        // environment of git's.
        inv.own_editor_is_colon = inv.editor()
            && std::env::var_os("GIT_EDITOR").is_some_and(|e| e == ":")
            && std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == b"GIT_EDITOR=:"));
        Some(inv)
    })
}

/// Whether the git process that runs this hook is `git commit --amend`
/// (`AVOW_AMEND=1`/`0` overrides, for callers that know better).
pub fn is_amend(invocation: Option<&Invocation>) -> bool {
    amend_override().ok().flatten().unwrap_or_else(|| invocation.is_some_and(|i| i.amend))
}

/// What `AVOW_AMEND` says: `1` an amend, `0` not, unset nothing; any other
/// value is an error (the commit-msg hook reads it first, through
/// `settings_read`), not a guess that might sign the wrong parent.
pub fn amend_override() -> Result<Option<bool>, CliError> {
    match std::env::var_os(AMEND) {
        None => Ok(None),
        Some(v) if v == "1" => Ok(Some(true)),
        Some(v) if v == "0" => Ok(Some(false)),
        Some(v) => Err(CliError::new(format!(
            "{AMEND} is {:?} in the environment, which is neither 1 nor 0",
            v.to_string_lossy()
        ))
        .hint(format!("set it to 1 for an amend or 0 for a new commit, or leave it to the hook: `unset {AMEND}`"))),
    }
}

/// The variable that tells the hook whether the commit is an amend.
const AMEND: &str = "AVOW_AMEND";

/// git commit's long options (git 2.4x), for resolving abbreviations.
const LONG: &[&str] = &[
    "quiet",
    "verbose",
    "file",
    "author",
    "date",
    "message",
    "reedit-message",
    "reuse-message",
    "fixup",
    "squash",
    "reset-author",
    "trailer",
    "signoff",
    "template",
    "edit",
    "cleanup",
    "status",
    "gpg-sign",
    "all",
    "include",
    "interactive",
    "patch",
    "only",
    "no-verify",
    "verify",
    "dry-run",
    "short",
    "branch",
    "ahead-behind",
    "porcelain",
    "long",
    "null",
    "amend",
    "no-post-rewrite",
    "post-rewrite",
    "untracked-files",
    "pathspec-from-file",
    "pathspec-file-nul",
    "allow-empty",
    "allow-empty-message",
];
/// Long options that take a value (as the next argument when not stuck).
const LONG_VALUE: &[&str] = &[
    "file",
    "author",
    "date",
    "message",
    "reedit-message",
    "reuse-message",
    "fixup",
    "squash",
    "trailer",
    "template",
    "cleanup",
    "pathspec-from-file",
];
/// Short options that take a value; `S` and `u` take one only when stuck.
const SHORT_VALUE: &str = "FmcCt";
const SHORT_OPTIONAL: &str = "Su";

/// A long option's full name from what was typed (an exact name, or a
/// prefix of exactly one name); `None` when unknown or ambiguous.
fn long_name(typed: &str) -> Option<&'static str> {
    if let Some(exact) = LONG.iter().find(|n| **n == typed) {
        return Some(exact);
    }
    let mut matches = LONG.iter().filter(|n| n.starts_with(typed));
    let first = matches.next()?;
    matches.next().is_none().then_some(*first)
}

/// For a `git … commit …` command line, what it says; `None` if it is not
/// a commit command.
pub fn parse_git_commit(args: &[String]) -> Option<Invocation> {
    let prog = args.first()?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    if base != "git" {
        return None;
    }
    let mut rest = args[1..].iter();
    // git's own options before the subcommand; -C and -c take a value.
    let sub = loop {
        let a = rest.next()?;
        match a.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env"
            | "--attr-source" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            s => break s,
        }
    };
    if sub != "commit" {
        return None;
    }
    let mut inv = Invocation::default();
    let mut rest = rest.peekable();
    while let Some(a) = rest.next() {
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (typed, stuck) = match long.split_once('=') {
                Some((k, v)) => (k, Some(v.to_owned())),
                None => (long, None),
            };
            let (negated, typed) = match typed.strip_prefix("no-") {
                Some(t) if long_name(typed).is_none() => (true, t),
                _ => (false, typed),
            };
            let Some(name) = long_name(typed) else { continue };
            let value =
                if LONG_VALUE.contains(&name) && !negated { stuck.or_else(|| rest.next().cloned()) } else { stuck };
            apply_long(&mut inv, name, negated, value.as_deref());
        } else if let Some(shorts) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (i, c) in shorts.char_indices() {
                if SHORT_VALUE.contains(c) {
                    let stuck = &shorts[i + c.len_utf8()..];
                    let value = if stuck.is_empty() { rest.next().cloned() } else { Some(stuck.to_owned()) };
                    apply_short(&mut inv, c, value.as_deref());
                    break;
                }
                if SHORT_OPTIONAL.contains(c) {
                    break;
                }
                apply_short(&mut inv, c, None);
            }
        }
    }
    Some(inv)
}

fn apply_long(inv: &mut Invocation, name: &str, negated: bool, value: Option<&str>) {
    match name {
        "amend" => inv.amend = !negated,
        "cleanup" => inv.cleanup = value.map(str::to_owned),
        "verbose" => inv.verbose = Some(!negated),
        "allow-empty-message" => inv.allow_empty_message = !negated,
        "message" | "file" | "reuse-message" if !negated => {
            inv.message_given = true;
            if name == "reuse-message" {
                inv.reused = value.map(str::to_owned);
            }
        }
        "reedit-message" if !negated => inv.reused = value.map(str::to_owned),
        "edit" => inv.edit = Some(!negated),
        "no-verify" => inv.no_verify = !negated,
        "verify" => inv.no_verify = negated,
        "fixup" => {
            inv.plain_fixup = value.is_some_and(|v| !v.starts_with("amend:") && !v.starts_with("reword:"));
        }
        _ => {}
    }
}

fn apply_short(inv: &mut Invocation, c: char, value: Option<&str>) {
    if matches!(c, 'C' | 'c') {
        inv.reused = value.map(str::to_owned);
    }
    match c {
        'm' | 'F' | 'C' => inv.message_given = true,
        'v' => inv.verbose = Some(true),
        'e' => inv.edit = Some(true),
        'n' => inv.no_verify = true,
        _ => {}
    }
}

/// The command lines of this process's ancestors, nearest first (at most
/// eight): git does not tell hooks which command runs them; its command
/// line does.
fn ancestor_commands() -> impl Iterator<Item = Vec<String>> {
    ancestors().map(|(_, args)| args)
}

/// [`ancestor_commands`] with each process id (for its `/proc` entries).
pub fn ancestors() -> impl Iterator<Item = (u32, Vec<String>)> {
    #[cfg(unix)]
    let mut pid = Some(std::os::unix::process::parent_id());
    #[cfg(not(unix))]
    let mut pid: Option<u32> = None;
    std::iter::from_fn(move || {
        let p = pid.take()?;
        let cmdline = read_proc(p, "cmdline")?;
        let args = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let stat = read_proc(p, "stat");
        pid = stat
            .as_deref()
            .and_then(|s| s.iter().rposition(|&b| b == b')').map(|at| &s[at + 1..]))
            .and_then(|rest| std::str::from_utf8(rest).ok())
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|&n| n > 1);
        Some((p, args))
    })
    .take(8)
}

/// `/proc/PID/NAME`: `/proc` reports these files as empty, so `fs::read`
/// (and `File`'s own `read_to_end`) would ask their size and position and
/// then read them in growing pieces from 32 bytes (up to eight system
/// calls for a `stat` line). Read through `Take`, which asks nothing, into
/// a page of spare capacity: one read takes the file and the next sees
/// its end.
fn read_proc(pid: u32, name: &str) -> Option<Vec<u8>> {
    let file = std::fs::File::open(format!("/proc/{pid}/{name}")).ok()?;
    let mut buf = Vec::with_capacity(4096);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, u64::MAX), &mut buf).ok()?;
    Some(buf)
}

/// The subcommand of the nearest git process among the ancestors
/// (`revert`, `commit`, …).
pub fn git_command() -> Option<String> {
    ancestor_commands().find_map(|args| git_subcommand(&args))
}

/// The nearest git process among the ancestors: its subcommand and, for
/// `git commit`, what its command line says.
pub fn nearest_git() -> Option<(String, Option<Invocation>)> {
    ancestor_commands().find_map(|args| {
        let command = git_subcommand(&args)?;
        let invocation = if command == "commit" { parse_git_commit(&args) } else { None };
        Some((command, invocation))
    })
}

/// For a `git …` command line, its subcommand.
pub fn git_subcommand(args: &[String]) -> Option<String> {
    let prog = args.first()?;
    if prog.rsplit('/').next() != Some("git") {
        return None;
    }
    let mut rest = args[1..].iter();
    loop {
        let a = rest.next()?;
        match a.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env"
            | "--attr-source" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            s => return Some(s.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{git_subcommand, parse_git_commit};

    fn git_commit_amend(args: &[String]) -> Option<bool> {
        parse_git_commit(args).map(|i| i.amend)
    }

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn amend_detection() {
        assert_eq!(git_commit_amend(&v("git commit --amend --no-edit")), Some(true));
        assert_eq!(git_commit_amend(&v("/usr/bin/git -C /x -c a=b commit -q --ame -m x")), Some(true));
        assert_eq!(git_commit_amend(&v("git commit -m --amend")), Some(false));
        assert_eq!(git_commit_amend(&v("git commit -m x --amend")), Some(true));
        assert_eq!(git_commit_amend(&v("git commit -m x")), Some(false));
        assert_eq!(git_commit_amend(&v("git commit -- --amend")), Some(false));
        assert_eq!(git_commit_amend(&v("git rebase --continue")), None);
        assert_eq!(git_commit_amend(&v("sh .git/hooks/commit-msg")), None);
    }

    #[test]
    fn no_verify_detection() {
        let no_verify = |s: &str| parse_git_commit(&v(s)).map(|i| i.no_verify);
        assert_eq!(no_verify("git commit --no-verify -m x"), Some(true));
        assert_eq!(no_verify("git commit -nm x"), Some(true));
        assert_eq!(no_verify("git commit -qn --amend"), Some(true));
        assert_eq!(no_verify("git commit --no-verify --verify -m x"), Some(false));
        assert_eq!(no_verify("git commit --no-ver -m x"), Some(true));
        assert_eq!(no_verify("git commit -m -n"), Some(false));
        assert_eq!(no_verify("git commit -m x"), Some(false));
        assert_eq!(no_verify("git commit -- -n"), Some(false));
    }

    #[test]
    fn subcommands() {
        assert_eq!(git_subcommand(&v("git revert --no-edit HEAD")).as_deref(), Some("revert"));
        assert_eq!(git_subcommand(&v("/usr/bin/git -C /x -c a=b revert HEAD")).as_deref(), Some("revert"));
        assert_eq!(git_subcommand(&v("git -c core.editor=true commit -F x")).as_deref(), Some("commit"));
        assert_eq!(git_subcommand(&v("sh .git/hooks/prepare-commit-msg")), None);
        assert_eq!(git_subcommand(&v("git -C")), None);
    }

    /// Pieces of a `git commit` command line: what avow reads (`--amend`,
    /// `--no-verify`, their short forms, abbreviations and negations), in
    /// groups of short options, and as the values of options that take
    /// one, where they are no option.
    fn piece() -> impl proptest::strategy::Strategy<Value = Vec<&'static str>> {
        use proptest::prelude::*;
        prop_oneof![
            Just(vec!["--no-verify"]),
            Just(vec!["--verify"]),
            Just(vec!["--no-veri"]),
            Just(vec!["-n"]),
            Just(vec!["-qn"]),
            Just(vec!["-nq"]),
            Just(vec!["-nm", "two"]),
            Just(vec!["-mn"]),
            Just(vec!["-m", "-n"]),
            Just(vec!["-m", "--no-verify"]),
            Just(vec!["--message", "--amend"]),
            Just(vec!["--message=--no-verify"]),
            Just(vec!["-F", "-"]),
            Just(vec!["--amend"]),
            Just(vec!["--amen"]),
            Just(vec!["--no-amend"]),
            Just(vec!["-q"]),
            Just(vec!["--no-edit"]),
            Just(vec!["--cleanup", "verbatim"]),
            Just(vec!["--cleanup=strip"]),
            Just(vec!["--allow-empty"]),
            Just(vec!["-C", "HEAD"]),
            Just(vec!["--trailer", "Ack: -n"]),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// What avow reads from a `git commit` command line is what git
        /// does with it: the commit-msg hook runs exactly when avow sees no
        /// `--no-verify`, and HEAD is replaced exactly when it sees
        /// `--amend` (command lines git refuses are skipped).
        #[test]
        fn agrees_with_git(pieces in proptest::collection::vec(piece(), 0..5)) {
            let repo = avow_testutil::TestRepo::new();
            repo.commit_all("First");
            let hook = repo.path().join(".git/hooks/commit-msg");
            std::fs::write(&hook, "#!/bin/sh\ntouch ran\n").unwrap();
            #[cfg(unix)]
            std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
            let mut args = vec!["git", "commit", "--allow-empty", "-m", "one"];
            args.extend(pieces.iter().flatten());
            let mut c = repo.command("git");
            c.args(&args[1..]).stdin(std::process::Stdio::null());
            let out = c.output().unwrap();
            proptest::prop_assume!(out.status.success());
            let inv = parse_git_commit(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>()).unwrap();
            let ran = repo.path().join("ran").exists();
            proptest::prop_assert_eq!(!inv.no_verify, ran, "{:?}", args);
            let count = repo.git(["rev-list", "--count", "HEAD"]);
            proptest::prop_assert_eq!(inv.amend, count == "1", "{:?}", args);
        }
    }
}
