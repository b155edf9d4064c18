//! Whether the commit being made amends HEAD.
//!
//! Git does not tell the commit-msg hook; the hook needs to know, because
//! an amended commit's change is taken against HEAD's parent, not HEAD.
//! The answer is in the command line of the `git commit` that runs the
//! hook, found by walking up the process tree through `/proc`.

/// Whether the git process that runs this hook is `git commit --amend`.
/// Git does not tell hooks; its command line does (see SPEC "amend").
pub fn is_amend() -> bool {
    if let Ok(v) = std::env::var("AVOW_AMEND") {
        return v == "1";
    }
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..8 {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if let Some(amend) = git_commit_amend(&args) {
            return amend;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
        let Some(parent) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            return false;
        };
        if parent <= 1 {
            return false;
        }
        pid = parent;
    }
    false
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
