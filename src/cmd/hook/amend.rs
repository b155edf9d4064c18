//! Whether the commit being made amends HEAD.
//!
//! Git does not tell the commit-msg hook; the hook needs to know, because
//! an amended commit's change is taken against HEAD's parent, not HEAD.
//! The answer is in the command line of the `git commit` that runs the
//! hook, found by walking up the process tree through `/proc`.

/// Whether the git process that runs this hook is `git commit --amend`.
/// Git does not tell hooks; its command line does (see the module docs).
pub fn is_amend() -> bool {
    if let Ok(v) = std::env::var("AVOW_AMEND") {
        return v == "1";
    }
    crate::workflows::ancestor_commands().find_map(|args| git_commit_amend(&args)).unwrap_or(false)
}

/// For a `git … commit …` command line, whether it amends; `None` if it is
/// not a commit command.
pub fn git_commit_amend(args: &[String]) -> Option<bool> {
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
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env" => {
                rest.next();
            }
            s if s.starts_with('-') => {}
            s => break s,
        }
    };
    if sub != "commit" {
        return None;
    }
    let mut rest = rest.peekable();
    while let Some(a) = rest.next() {
        if a == "--" {
            break;
        }
        // Options whose value is the next argument: that value is not an option.
        if matches!(
            a.as_str(),
            "-m" | "-F"
                | "-C"
                | "-c"
                | "-t"
                | "--message"
                | "--file"
                | "--author"
                | "--date"
                | "--template"
                | "--reuse-message"
                | "--reedit-message"
                | "--fixup"
                | "--squash"
                | "--cleanup"
                | "--trailer"
                | "--pathspec-from-file"
        ) {
            rest.next();
            continue;
        }
        // parse-options accepts any unambiguous prefix: --am, --ame, --amen.
        if a.len() >= 4 && "--amend".starts_with(a.as_str()) {
            return Some(true);
        }
        if a == "--no-amend" {
            return Some(false);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::git_commit_amend;

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
}
