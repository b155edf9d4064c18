//! Git trailers, read exactly as `git interpret-trailers --parse` reads them.
//!
//! libgit2's trailer parser disagrees with git (continuation lines, carriage
//! returns, trailing white space), so avow has its own, following git's
//! `trailer.c` rules: the title paragraph is never trailers; the trailer
//! block is the last paragraph when it consists only of trailers (and their
//! indented continuation lines), or when it holds a git-generated trailer
//! (`Signed-off-by: `, `(cherry picked from commit `) and at least 25%
//! trailers; a `---` line starts a patch, and trailing comments, blank lines
//! and everything from the scissors line on are not part of the message.
//!
//! ```
//! use avow_core::trailer::{parse, ParseOptions, Trailer};
//! let msg = "Fix it\n\nBody.\n\nAuthorship: human\nRationale: long\n  and wrapped\n";
//! assert_eq!(
//!     parse(msg, &ParseOptions::default()),
//!     vec![Trailer::new("Authorship", "human"), Trailer::new("Rationale", "long and wrapped")]
//! );
//! ```

use std::fmt;

/// Options mirroring git's: the comment prefix (`core.commentChar`,
/// default `#`) and `--no-divider`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Lines starting with this are comments.
    pub comment_prefix: String,
    /// Do not treat a `---` line as the start of a patch.
    pub no_divider: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { comment_prefix: "#".to_owned(), no_divider: false }
    }
}

/// One trailer as `git interpret-trailers --parse` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The key, trimmed.
    pub key: String,
    /// The value, continuation lines unfolded, trimmed.
    pub value: String,
}

impl Trailer {
    /// A trailer.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Trailer { key: key.into(), value: value.into() }
    }

    /// Whether the key is `key`, compared ASCII case-insensitively as git
    /// compares trailer tokens.
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

impl fmt::Display for Trailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.value)
    }
}

/// One line-item of the trailer block: its raw text (with continuation
/// lines and line ends, exactly as in the message) and the trailer it
/// holds, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The raw text.
    pub raw: String,
    /// The parsed trailer; `None` for other lines and comments.
    pub trailer: Option<Trailer>,
}

/// Where the trailer block is in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Byte offset of the block's first line.
    pub start: usize,
    /// Byte offset just after the block: the end of the log message,
    /// before trailing comments, blank lines, a `---` patch or the scissors
    /// line.
    pub end: usize,
    /// The block's items.
    pub items: Vec<Item>,
}

/// Trailers git itself writes; their presence lowers the bar for a block.
const GIT_GENERATED_PREFIXES: [&str; 2] = ["Signed-off-by: ", "(cherry picked from commit "];

/// git's `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Offset of the line after the one starting at `i` (or the end).
fn next_line(s: &[u8], i: usize) -> usize {
    match memchr::memchr(b'\n', &s[i..]) {
        Some(p) => i + p + 1,
        None => s.len(),
    }
}

/// Start of the last line in `s[..len]`, where a final newline belongs to
/// the last line; `None` for an empty range.
fn last_line(s: &[u8], len: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    // The newline before the last line, not counting one at `len - 1`.
    Some(memchr::memrchr(b'\n', &s[..len - 1]).map_or(0, |i| i + 1))
}

/// A line of white space only (or empty).
fn is_blank_line(line: &[u8]) -> bool {
    line.iter().take_while(|&&b| b != b'\n').all(|&b| is_space(b))
}

/// Position of the `:` separator in a line that could be a trailer: a token
/// of alphanumerics and `-`, optionally followed by spaces or tabs. `None`
/// when the line is not shaped like a trailer.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// The scissors line git's `commit -v` writes, after the comment prefix.
const SCISSORS: &str = " ------------------------ >8 ------------------------\n";

/// Where the scissors line starts, if there is one at the start of a line.
fn scissors_at(s: &str, prefix: &str) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with(prefix) && rest[prefix.len()..].starts_with(SCISSORS) {
            return Some(i);
        }
        i = next_line(s.as_bytes(), i);
    }
    None
}

/// Bytes at the end of `s[..len]` that git ignores: trailing comments and
/// blank lines, an old `Conflicts:` block, the scissors line and after.
fn ignored_bytes(s: &str, len: usize, prefix: &str) -> usize {
    let b = s.as_bytes();
    let cutoff = scissors_at(&s[..len], prefix).unwrap_or(len);
    let mut boc: Option<usize> = None;
    let mut in_conflicts = false;
    let mut bol = 0;
    while bol < cutoff {
        let next = match memchr::memchr(b'\n', &b[bol..cutoff]) {
            Some(p) => bol + p + 1,
            None => cutoff,
        };
        let line = &s[bol..cutoff];
        if (!prefix.is_empty() && line.starts_with(prefix)) || b[bol] == b'\n' {
            boc.get_or_insert(bol);
        } else if line.starts_with("Conflicts:\n") {
            in_conflicts = true;
            boc.get_or_insert(bol);
        } else if in_conflicts && b[bol] == b'\t' {
            // a path in the conflicts block
        } else if boc.is_some() {
            boc = None;
            in_conflicts = false;
        }
        bol = next;
    }
    match boc {
        Some(start) => len - start,
        None => len - cutoff,
    }
}

/// The end of the log message: before a `---` patch (unless
/// `no_divider`), then before what [`ignored_bytes`] skips.
fn end_of_log_message(s: &str, opts: &ParseOptions) -> usize {
    let b = s.as_bytes();
    let mut end = s.len();
    if !opts.no_divider {
        let mut i = 0;
        while i < b.len() {
            if b[i..].starts_with(b"---") && b.get(i + 3).is_some_and(|&c| is_space(c)) {
                end = i;
                break;
            }
            i = next_line(b, i);
        }
    }
    end - ignored_bytes(s, end, &opts.comment_prefix)
}

fn starts_with_comment(line: &str, prefix: &str) -> bool {
    !prefix.is_empty() && line.starts_with(prefix)
}

/// Start of the trailer block in `s[..len]`, or `len` when there is none.
fn trailer_block_start(s: &str, len: usize, prefix: &str) -> usize {
    let b = s.as_bytes();
    // The first paragraph is the title and cannot be trailers.
    let mut i = 0;
    while i < len {
        if !starts_with_comment(&s[i..len], prefix) && is_blank_line(&b[i..len]) {
            break;
        }
        i = next_line(&b[..len], i);
    }
    let end_of_title = i;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;
    let mut l = last_line(b, len);
    while let Some(bol) = l.filter(|&x| x >= end_of_title) {
        let line = &s[bol..len];
        l = last_line(b, bol);
        if starts_with_comment(line, prefix) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(line.as_bytes()) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            let mostly_trailers = recognized_prefix && trailer_lines * 3 >= non_trailer_lines;
            let only_trailers = trailer_lines > 0 && non_trailer_lines == 0;
            if mostly_trailers || only_trailers {
                return next_line(b, bol);
            }
            return len;
        }
        only_spaces = false;
        if GIT_GENERATED_PREFIXES.iter().any(|p| line.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }
        let first = line.as_bytes()[0];
        if find_separator(line.as_bytes()).is_some_and(|p| p >= 1) && !is_space(first) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(first) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

/// Collapses each line break and the white space after it to one space,
/// then trims, as git's `unfold_value`.
fn unfold(value: &str) -> String {
    // Most values are one line: nothing to collapse.
    if memchr::memchr(b'\n', value.as_bytes()).is_none() {
        return trim(value).to_owned();
    }
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c == b'\n' {
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    // Only ASCII bytes were removed or added, so this stays valid UTF-8.
    let s = String::from_utf8(out).unwrap_or_default();
    trim(&s).to_owned()
}

fn parse_item(raw: &str, prefix: &str) -> Option<Trailer> {
    if starts_with_comment(raw, prefix) {
        return None;
    }
    let sep = find_separator(raw.as_bytes()).filter(|&p| p >= 1)?;
    Some(Trailer::new(trim(&raw[..sep]), unfold(trim(&raw[sep + 1..]))))
}

/// Finds the trailer block of a message.
pub fn block(message: &str, opts: &ParseOptions) -> Block {
    let end = end_of_log_message(message, opts);
    let start = trailer_block_start(message, end, &opts.comment_prefix);
    let b = message.as_bytes();
    let mut items: Vec<Item> = Vec::new();
    let mut last_is_trailer = false;
    let mut i = start;
    while i < end {
        let n = next_line(&b[..end], i);
        let line = &message[i..n];
        if last_is_trailer && is_space(line.as_bytes()[0]) {
            if let Some(last) = items.last_mut() {
                last.raw.push_str(line);
            }
        } else {
            last_is_trailer = find_separator(line.as_bytes()).is_some_and(|p| p >= 1);
            items.push(Item { raw: line.to_owned(), trailer: None });
        }
        i = n;
    }
    for item in &mut items {
        item.trailer = parse_item(&item.raw, &opts.comment_prefix);
    }
    Block { start, end, items }
}

/// The trailers of a message, exactly as `git interpret-trailers --parse`
/// prints them.
pub fn parse(message: &str, opts: &ParseOptions) -> Vec<Trailer> {
    block(message, opts).items.into_iter().filter_map(|i| i.trailer).collect()
}

/// Rebuilds a message with the trailer block edited: items for which
/// `keep` is false are dropped, and `append` trailers are added at the end
/// of the block, where `git interpret-trailers --trailer` puts them
/// (starting a new block after a blank line when there is none). As git
/// does, kept trailers are re-printed as `key: value` and comment lines in
/// the block dropped; text outside the block is kept byte for byte.
pub fn rewrite(message: &str, opts: &ParseOptions, mut keep: impl FnMut(&Item) -> bool, append: &[Trailer]) -> String {
    let blk = block(message, opts);
    let mut out = String::with_capacity(message.len() + 64 * append.len());
    out.push_str(&message[..blk.start]);
    let had_block = blk.start < blk.end;
    if !had_block && !append.is_empty() {
        // git ends the message with a newline and separates a new block
        // from the text above by a blank line (none for an empty message).
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty()
            && !is_blank_line(out.as_bytes()[last_line(out.as_bytes(), out.len()).unwrap_or(0)..].as_ref())
        {
            out.push('\n');
        }
    }
    for item in &blk.items {
        // git drops comment lines inside the block when it rewrites it.
        if !keep(item) || starts_with_comment(&item.raw, &opts.comment_prefix) {
            continue;
        }
        // git re-prints trailers as `key: value` (value trimmed, its
        // continuation lines kept) and other lines as they were.
        match find_separator(item.raw.as_bytes()).filter(|&p| p >= 1 && item.trailer.is_some()) {
            Some(sep) => {
                out.push_str(trim(&item.raw[..sep]));
                out.push_str(": ");
                out.push_str(trim(&item.raw[sep + 1..]));
            }
            None => out.push_str(item.raw.strip_suffix('\n').unwrap_or(&item.raw)),
        }
        out.push('\n');
    }
    for t in append {
        out.push_str(&t.key);
        out.push_str(": ");
        out.push_str(&t.value);
        out.push('\n');
    }
    out.push_str(&message[blk.end..]);
    out
}

/// The subject as `git log --format=%s` shows it: the first paragraph,
/// lines trimmed and joined by one space. With `skip_comments`, lines
/// starting with the comment prefix are skipped first (as `git commit`'s
/// default clean-up removes them).
pub fn subject(message: &str, opts: &ParseOptions, skip_comments: bool) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for line in message.lines() {
        if skip_comments && starts_with_comment(line, &opts.comment_prefix) {
            continue;
        }
        // git keeps a subject line's leading white space, drops trailing.
        let t = line.trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
        if t.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        parts.push(t);
    }
    parts.join(" ")
}
