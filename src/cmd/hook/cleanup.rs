//! The message as git will store it.
//!
//! git runs the commit-msg hook on the message *before* cleaning it up:
//! afterwards it cuts at the scissors line (with `-v` or
//! `--cleanup=scissors`) and strips white space and, in the `strip` mode,
//! comment lines (`cleanup_message()` and `strbuf_stripspace()` in git).
//! The hook must sign what git keeps, so it applies the same clean-up
//! first. Which clean-up applies depends on git's command line and
//! configuration ([`Rules::find`]); the comment prefix may be chosen by git
//! for this message (`core.commentChar=auto`, [`auto_comment_prefix`]).

use crate::git::Config;

use super::invocation::Invocation;

/// git's `--cleanup` modes, after `default` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Strip comment lines and white space (`strip`; the default with an editor).
    Strip,
    /// Strip white space only (`whitespace`; the default without an editor).
    Whitespace,
    /// Cut at the scissors line, then strip white space (`scissors` with an editor).
    Scissors,
    /// Keep everything (`verbatim`).
    Verbatim,
}

/// How git will clean up this commit's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub mode: Mode,
    /// The comment prefix git uses for this message.
    pub comment: String,
    /// `-v`/`commit.verbose`: git cuts at the scissors line in every mode.
    pub verbose: bool,
    /// Whether an editor was opened on the message.
    pub editor: bool,
}

/// The line git writes above the diff of `commit -v`, after the comment
/// prefix and a space (`cut_line` in git's wt-status.c).
pub const CUT_LINE: &str = "------------------------ >8 ------------------------\n";

/// The candidates git tries, in order, for `core.commentChar=auto`.
const AUTO_CANDIDATES: &str = "#;@!$%^&|:";

impl Rules {
    /// The rules for the message `text` of the commit git is making, as
    /// git decides them: `--cleanup` on its command line, else
    /// `commit.cleanup`, else `strip` with an editor and `whitespace`
    /// without; the comment prefix from `core.commentString` /
    /// `core.commentChar`, chosen for the message when `auto`.
    pub fn find(cfg: &Config, invocation: Option<&Invocation>, text: &str) -> Rules {
        let editor = editor_is_used(invocation);
        let arg = invocation.and_then(|i| i.cleanup.clone()).or_else(|| cfg.get("commit.cleanup"));
        let mode = match arg.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("verbatim") => Mode::Verbatim,
            Some("strip") => Mode::Strip,
            Some("scissors") if editor => Mode::Scissors,
            // `scissors` without an editor is `whitespace` to git.
            Some("whitespace" | "scissors") => Mode::Whitespace,
            // `default`, unset (and values git would refuse before hooks run).
            _ if editor => Mode::Strip,
            _ => Mode::Whitespace,
        };
        let verbose = match invocation.and_then(|i| i.verbose) {
            Some(v) => v,
            // git refuses a value it cannot read before hooks run.
            None => cfg.get_bool("commit.verbose").ok().flatten().unwrap_or(false),
        };
        let configured = configured_comment(cfg);
        // git picks a character for the message only when an editor opens;
        // otherwise `auto` means `#`.
        let comment = match configured {
            Some(c) => c,
            None if editor => auto_comment_prefix(text),
            None => "#".to_owned(),
        };
        Rules { mode, comment, verbose, editor }
    }

    /// The message as git will store it.
    pub fn apply(&self, text: &str) -> String {
        let mut s = text;
        if self.verbose || self.mode == Mode::Scissors {
            s = &s[..scissors_at(s, &self.comment).unwrap_or(s.len())];
        }
        match self.mode {
            Mode::Verbatim => s.to_owned(),
            Mode::Strip => stripspace(s, Some(&self.comment)),
            Mode::Whitespace | Mode::Scissors => stripspace(s, None),
        }
    }

    /// Whether git removes comment lines (so guidance written as comments
    /// does not reach the commit) anywhere in the message.
    pub fn strips_comments(&self) -> bool {
        self.mode == Mode::Strip
    }

    /// Whether git removes everything from the scissors line on.
    pub fn cuts_at_scissors(&self) -> bool {
        self.verbose || self.mode == Mode::Scissors
    }
}

/// Whether git opened (or would open) an editor on the message. git tells
/// its commit hooks by setting `GIT_EDITOR=:` when it does not; a user's
/// own `GIT_EDITOR=:` (an editor that changes nothing) is told apart by
/// git's own environment, and then git's command line decides.
fn editor_is_used(invocation: Option<&Invocation>) -> bool {
    if std::env::var_os("GIT_EDITOR").is_none_or(|e| e != ":") {
        return true;
    }
    match invocation {
        Some(i) if i.own_editor_is_colon => i.editor(),
        _ => false,
    }
}

/// The comment prefix configured (`auto` read as `#`, as git does
/// without an editor), for messages read outside `git commit`.
pub fn configured_comment_prefix(cfg: &Config) -> String {
    configured_comment(cfg).unwrap_or_else(|| "#".to_owned())
}

/// `core.commentString` / `core.commentChar` unless `auto` (the last one
/// set wins, as in git; `None` for `auto`).
fn configured_comment(cfg: &Config) -> Option<String> {
    let value = cfg.get("core.commentString").or_else(|| cfg.get("core.commentChar"));
    match value {
        Some(v) if v.eq_ignore_ascii_case("auto") => None,
        Some(v) if !v.is_empty() => Some(v),
        _ => Some("#".to_owned()),
    }
}

/// The comment character git chose for a message under
/// `core.commentChar=auto`. git picks the first of `#;@!$%^&|:` that no
/// line of the message starts with, then writes its own comment lines
/// (status, the scissors line) with it. The hook sees the message after
/// the editor, so it reads git's choice back from git's own lines: the
/// scissors line if there is one, else the last non-blank line (git's
/// comment block ends the file), else git's rule on the whole text.
pub fn auto_comment_prefix(text: &str) -> String {
    for c in AUTO_CANDIDATES.chars() {
        let prefix = c.to_string();
        if scissors_at(text, &prefix).is_some() {
            return prefix;
        }
    }
    if let Some(last) = text.lines().rev().find(|l| !l.trim().is_empty()) {
        if let Some(c) = last.chars().next().filter(|c| AUTO_CANDIDATES.contains(*c)) {
            // git's own comment lines are `<c> text` or a lone `<c>`.
            if last.len() == 1 || last[1..].starts_with([' ', '\t']) {
                return c.to_string();
            }
        }
    }
    let starts: Vec<char> = std::iter::once(text)
        .chain(text.match_indices(['\n', '\r']).map(|(i, _)| &text[i + 1..]))
        .filter_map(|l| l.chars().next())
        .collect();
    AUTO_CANDIDATES.chars().find(|c| !starts.contains(c)).unwrap_or('#').to_string()
}

/// Where the scissors line starts (git's `wt_status_locate_end`).
pub fn scissors_at(s: &str, prefix: &str) -> Option<usize> {
    let pattern = format!("{prefix} {CUT_LINE}");
    if s.starts_with(&pattern) {
        return Some(0);
    }
    s.find(&format!("\n{pattern}")).map(|i| i + 1)
}

/// git's `strbuf_stripspace`: trailing white space removed from every
/// line, runs of blank lines squeezed to one and dropped at both ends,
/// every line ended by `\n`, and lines starting with `comment` dropped.
pub fn stripspace(s: &str, comment: Option<&str>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut empties = 0usize;
    for line in s.split_inclusive('\n') {
        if comment.is_some_and(|c| !c.is_empty() && line.starts_with(c)) {
            continue;
        }
        // git's isspace: space, \t, \n, \r (not \v or \f).
        let kept = line.trim_end_matches([' ', '\t', '\n', '\r']);
        if kept.is_empty() {
            empties += 1;
            continue;
        }
        if empties > 0 && !out.is_empty() {
            out.push('\n');
        }
        empties = 0;
        out.push_str(kept);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripspace_matches_git() {
        assert_eq!(stripspace("\n\n  \nA  \n\n\n# c\nB\t\r\n\n", Some("#")), "A\n\nB\n");
        assert_eq!(stripspace("\n\n  \nA  \n\n\n# c\nB\t\r\n\n", None), "A\n\n# c\nB\n");
        assert_eq!(stripspace("#123 Fix\n", None), "#123 Fix\n");
        assert_eq!(stripspace("", Some("#")), "");
        assert_eq!(stripspace("no newline", None), "no newline\n");
    }

    #[test]
    fn auto_comment_prefix_reads_gits_choice() {
        // A template with # lines: git chose `;` and wrote its block with it.
        assert_eq!(auto_comment_prefix("Subject\n# from the template\n\n; Please enter\n;\n"), ";");
        assert_eq!(auto_comment_prefix("S\n# x\n; ------------------------ >8 ------------------------\n#diff\n"), ";");
        assert_eq!(auto_comment_prefix("Subject\n"), "#");
        assert_eq!(auto_comment_prefix("#1\n;2\n"), "@");
    }

    /// `git stripspace` (with `-s` and `core.commentChar` when comments go).
    fn git_stripspace(text: &str, comment: Option<&str>) -> String {
        let repo = avow_testutil::TestRepo::new();
        let mut git = repo.command("git");
        if let Some(c) = comment {
            git.arg("-c").arg(format!("core.commentChar={c}")).args(["stripspace", "-s"]);
        } else {
            git.arg("stripspace");
        }
        let input = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(input.path(), text).expect("write");
        let out = git.stdin(std::fs::File::open(input.path()).expect("open")).output().expect("run git");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 in, UTF-8 out")
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 64, ..Default::default() })]
        /// The cleanup the hook applies before reading trailers is git's,
        /// on messages of blank, white-space, comment and CR lines.
        #[test]
        fn stripspace_is_gits(
            text in "([a#;\\t \\r\\x0b\\x0c]{0,6}\\n?){0,8}|\\PC{0,30}",
            comment in proptest::option::of(proptest::sample::select(vec!["#", ";", "a", "//"])),
        ) {
            proptest::prop_assert_eq!(stripspace(&text, comment), git_stripspace(&text, comment), "{:?}", text);
        }
    }
}
