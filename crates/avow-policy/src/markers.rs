//! Known AI-agent markers: what coding agents and AI tools leave in commits
//! (bot identities, `Co-authored-by:` trailers, message footers, subject
//! prefixes, branch names).
//!
//! The list is data, not code: `data/agent-markers.toml`, embedded at build
//! time and parsed once ([`Markers::builtin`]). Every pattern is compiled
//! when the list is parsed, so [`Markers::scan`] does no parsing or
//! allocation-heavy work per commit and can run over thousands of commits.
//!
//! Matching follows the lessons of existing detectors: trailer keys are
//! matched at the start of a line, identities by email address or by the
//! `name[bot]` login GitHub gives apps (with or without the numeric id),
//! never by a bare display name — "Claude", "Devin", "Jules" and "Amp" are
//! also people's names.
//!
//! A hit is evidence that an agent took part; no hit is not evidence of the
//! contrary (several agents' attribution is opt-in or can be switched off).
//!
//! ```
//! use avow_policy::facts::{CommitFacts, Ident};
//! use avow_policy::markers::Markers;
//!
//! let facts = CommitFacts {
//!     author: Ident { name: "Alice".into(), email: "alice@example.org".into() },
//!     subject: "Fix the parser".into(),
//!     message: "Fix the parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n".into(),
//!     ..CommitFacts::default()
//! };
//! let hits = Markers::builtin().scan(&facts);
//! assert_eq!(hits[0].tool, "Claude Code");
//! assert_eq!(hits[0].evidence, "Co-Authored-By: Claude <noreply@anthropic.com>");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use avow_core::attestation::Person;
use serde::{Deserialize, Deserializer};

use crate::facts::{CommitFacts, Ident};

/// The embedded marker list (`crates/avow-policy/data/agent-markers.toml`).
pub const BUILTIN_TOML: &str = include_str!("../data/agent-markers.toml");

/// The GitHub domain under which apps and users get no-reply addresses.
const GITHUB_NOREPLY: &str = "@users.noreply.github.com";

/// A pattern in which `*` matches any run of characters (including none)
/// and every other character matches itself, ASCII case-insensitively.
///
/// Brackets, `?` and braces are literal, so `*[bot]@users.noreply.github.com`
/// means what it says (unlike in shell globs, where `[bot]` is a character
/// class). The whole input must match.
#[derive(Clone)]
pub struct Wildcard {
    text: String,
    /// The literal pieces between `*`s, ASCII-lowercased.
    parts: Vec<Box<[u8]>>,
}

impl Wildcard {
    /// Compiles a pattern.
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard {
            text: pattern.to_owned(),
            parts: pattern.split('*').map(|p| p.as_bytes().to_ascii_lowercase().into_boxed_slice()).collect(),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern has no `*`.
    pub fn is_literal(&self) -> bool {
        self.parts.len() == 1
    }

    /// Whether `input` matches the whole pattern.
    pub fn is_match(&self, input: &str) -> bool {
        let s = input.as_bytes();
        let (first, last) = match self.parts.as_slice() {
            [only] => return s.eq_ignore_ascii_case(only),
            [first, .., last] => (first, last),
            [] => return s.is_empty(),
        };
        if s.len() < first.len() + last.len()
            || !s[..first.len()].eq_ignore_ascii_case(first)
            || !s[s.len() - last.len()..].eq_ignore_ascii_case(last)
        {
            return false;
        }
        let end = s.len() - last.len();
        let mut pos = first.len();
        for mid in &self.parts[1..self.parts.len() - 1] {
            match find_ci(&s[pos..end], mid) {
                Some(i) => pos += i + mid.len(),
                None => return false,
            }
        }
        true
    }
}

/// The first position of `needle` (lowercase) in `hay`, ASCII
/// case-insensitively.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

impl fmt::Debug for Wildcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wildcard({:?})", self.text)
    }
}

impl fmt::Display for Wildcard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Wildcard {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Wildcard {}

impl<'de> Deserialize<'de> for Wildcard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(serde::de::Error::custom("empty pattern; write an email or a pattern with `*`"));
        }
        Ok(Wildcard::new(&s))
    }
}

/// Where a marker is found, and so how its pattern is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerKind {
    /// The author's email matches the pattern (a [`Wildcard`]).
    AuthorEmail,
    /// The committer's email matches the pattern (a [`Wildcard`]).
    CommitterEmail,
    /// A GitHub app identity `name[bot]`: matched against the author, the
    /// committer and every `Name <email>` trailer, by the name `name[bot]`
    /// or the email `[ID+]name[bot]@users.noreply.github.com`.
    BotLogin,
    /// A trailer, written `Key` (any value) or `Key: VALUE` where VALUE is a
    /// [`Wildcard`], e.g. `Co-authored-by: *<noreply@anthropic.com>`. The
    /// key is compared case-insensitively and must start a line.
    Trailer,
    /// A whole line of the message (trimmed), as a [`Wildcard`].
    Footer,
    /// The start of the subject line (case-insensitive).
    SubjectPrefix,
    /// The end of the author's or committer's name (case-insensitive).
    NameSuffix,
    /// The start of a branch name; informational, commits do not carry
    /// branches (see [`Markers::scan_branch`]).
    BranchPrefix,
}

impl MarkerKind {
    /// The name used in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::AuthorEmail => "author-email",
            MarkerKind::CommitterEmail => "committer-email",
            MarkerKind::BotLogin => "bot-login",
            MarkerKind::Trailer => "trailer",
            MarkerKind::Footer => "footer",
            MarkerKind::SubjectPrefix => "subject-prefix",
            MarkerKind::NameSuffix => "name-suffix",
            MarkerKind::BranchPrefix => "branch-prefix",
        }
    }
}

impl fmt::Display for MarkerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the marker list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MarkerEntry {
    /// The tool that leaves the marker, e.g. `Claude Code`.
    pub tool: String,
    /// Where the marker is found.
    pub kind: MarkerKind,
    /// The exact pattern; how it is read depends on `kind`.
    pub pattern: String,
    /// Where the marker is documented: a public URL or a place in
    /// `shared/agent-markers.md`.
    pub source: String,
    /// Remarks (false positives, history).
    #[serde(default)]
    pub note: Option<String>,
}

/// A marker found in a commit or a branch name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerHit {
    /// The tool, from the entry.
    pub tool: String,
    /// The kind, as in the data file (`trailer`, `bot-login`, …).
    pub kind: String,
    /// What matched: the message line, or the identity `Name <email>`
    /// (prefixed with `author ` or `committer `), or the branch.
    pub evidence: String,
    /// The entry's source.
    pub source: String,
}

/// Why a marker list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkersError {
    /// Not valid TOML, or not the expected shape.
    #[error("agent-markers.toml:{line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An entry whose pattern cannot be used.
    #[error("agent-markers.toml: entry {index} ({tool}, {kind}): {message}")]
    BadEntry {
        /// 1-based position of the `[[marker]]` entry.
        index: usize,
        /// The entry's tool.
        tool: String,
        /// The entry's kind.
        kind: MarkerKind,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkerFile {
    version: u32,
    #[serde(default)]
    marker: Vec<MarkerEntry>,
}

/// A compiled entry.
#[derive(Debug, Clone)]
enum Matcher {
    Email(Wildcard),
    /// `name[bot]`, lowercased.
    Bot(String),
    /// Value pattern; `None` for any value. The key is in `trailer_keys`.
    Trailer(Option<Wildcard>),
    Line(Wildcard),
    Prefix(String),
    Suffix(String),
}

/// A parsed, compiled marker list.
#[derive(Debug, Clone)]
pub struct Markers {
    entries: Vec<MarkerEntry>,
    matchers: Vec<Matcher>,
    /// Lowercased trailer key → entries of kind `trailer` with that key.
    trailer_keys: HashMap<String, Vec<usize>>,
}

/// Whether `key` is a possible git trailer key (letters, digits, `-`).
fn is_trailer_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Splits a message line into a trailer key and value when the line starts
/// with `Key:` (no indentation: indented lines are continuations).
fn split_trailer_line(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end_matches([' ', '\t']);
    is_trailer_key(key).then(|| (key, value.trim()))
}

fn compile(entry: &MarkerEntry) -> Result<(Matcher, Option<String>), String> {
    let p = entry.pattern.as_str();
    if p.trim().is_empty() {
        return Err("empty pattern".into());
    }
    if entry.source.trim().is_empty() {
        return Err("empty source; say where the marker is documented".into());
    }
    if entry.tool.trim().is_empty() {
        return Err("empty tool".into());
    }
    Ok(match entry.kind {
        MarkerKind::AuthorEmail | MarkerKind::CommitterEmail => {
            if !p.contains('@') {
                return Err(format!("{p:?} is not an email address (never match bare display names)"));
            }
            (Matcher::Email(Wildcard::new(p)), None)
        }
        MarkerKind::BotLogin => {
            let login = p.to_ascii_lowercase();
            if login.len() <= "[bot]".len() || !login.ends_with("[bot]") || login.contains(['*', ' ', '@']) {
                return Err(format!("{p:?} is not a GitHub app login `name[bot]`"));
            }
            (Matcher::Bot(login), None)
        }
        MarkerKind::Trailer => {
            let (key, value) = match p.split_once(':') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p.trim(), None),
            };
            if !is_trailer_key(key) {
                return Err(format!("{key:?} is not a trailer key (letters, digits and `-`)"));
            }
            let value = match value {
                None | Some("*") => None,
                Some("") => return Err("empty trailer value; write `Key` alone to match any value".into()),
                Some(v) => Some(Wildcard::new(v)),
            };
            (Matcher::Trailer(value), Some(key.to_ascii_lowercase()))
        }
        MarkerKind::Footer => {
            if p.trim().trim_matches('*').trim().is_empty() {
                return Err("a footer pattern must contain some literal text".into());
            }
            (Matcher::Line(Wildcard::new(p.trim())), None)
        }
        MarkerKind::SubjectPrefix | MarkerKind::BranchPrefix => (Matcher::Prefix(p.to_owned()), None),
        MarkerKind::NameSuffix => (Matcher::Suffix(p.to_owned()), None),
    })
}

/// Whether an identity is the GitHub app `login` (`name[bot]`, lowercase):
/// its name is the login, or its email is `[ID+]login@users.noreply.github.com`.
fn is_bot(login: &str, name: &str, email: &str) -> bool {
    if name.trim().eq_ignore_ascii_case(login) {
        return true;
    }
    let Some(local) = email
        .len()
        .checked_sub(GITHUB_NOREPLY.len())
        .and_then(|n| ends_with_ci(email, GITHUB_NOREPLY).then(|| &email[..n]))
    else {
        return false;
    };
    let local = match local.split_once('+') {
        Some((id, rest)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => local,
    };
    local.eq_ignore_ascii_case(login)
}

fn ident_evidence(role: &str, who: &Ident) -> String {
    format!("{role} {} <{}>", who.name, who.email)
}

impl Markers {
    /// The embedded list, parsed once.
    pub fn builtin() -> &'static Markers {
        static BUILTIN: OnceLock<Markers> = OnceLock::new();
        BUILTIN.get_or_init(|| Markers::parse(BUILTIN_TOML).expect("the embedded agent-markers.toml is valid (tested)"))
    }

    /// Parses and compiles a marker list (the format of
    /// `data/agent-markers.toml`).
    pub fn parse(text: &str) -> Result<Markers, MarkersError> {
        let file: MarkerFile = toml::from_str(text).map_err(|e| MarkersError::Syntax {
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: one_line(e.message()),
        })?;
        if file.version != 1 {
            return Err(MarkersError::Syntax {
                line: 1,
                message: format!("version {} is not supported (this avow reads version 1)", file.version),
            });
        }
        let mut matchers = Vec::with_capacity(file.marker.len());
        let mut trailer_keys: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, entry) in file.marker.iter().enumerate() {
            let (matcher, key) = compile(entry).map_err(|message| MarkersError::BadEntry {
                index: i + 1,
                tool: entry.tool.clone(),
                kind: entry.kind,
                message,
            })?;
            if let Some(key) = key {
                trailer_keys.entry(key).or_default().push(i);
            }
            matchers.push(matcher);
        }
        Ok(Markers { entries: file.marker, matchers, trailer_keys })
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[MarkerEntry] {
        &self.entries
    }

    fn hit(&self, i: usize, evidence: String) -> MarkerHit {
        let e = &self.entries[i];
        MarkerHit { tool: e.tool.clone(), kind: e.kind.as_str().to_owned(), evidence, source: e.source.clone() }
    }

    /// The markers a commit carries: in its author and committer, its
    /// trailers, every line of its message, and its subject. At most one
    /// hit per entry (the first evidence found), in entry order.
    pub fn scan(&self, facts: &CommitFacts) -> Vec<MarkerHit> {
        let mut found: Vec<Option<String>> = vec![None; self.entries.len()];
        let idents = [("author", &facts.author), ("committer", &facts.committer)];

        // Trailers: git's parse, and any message line that starts with a
        // trailer key (squash merges and quoted footers put them anywhere).
        let message_trailers = facts.message.lines().filter_map(|l| split_trailer_line(l).map(|(k, v)| (k, v, l)));
        let parsed = facts.trailers.iter().map(|t| (t.key.as_str(), t.value.as_str(), ""));
        let mut trailer_people: Vec<(Person, String)> = Vec::new();
        for (key, value, line) in parsed.chain(message_trailers) {
            let evidence = || if line.is_empty() { format!("{key}: {value}") } else { line.trim_end().to_owned() };
            if let Some(ids) = self.trailer_keys.get(&key.to_ascii_lowercase()) {
                for &i in ids {
                    if found[i].is_some() {
                        continue;
                    }
                    let Matcher::Trailer(pattern) = &self.matchers[i] else { continue };
                    if pattern.as_ref().is_none_or(|p| p.is_match(value)) {
                        found[i] = Some(evidence());
                    }
                }
            }
            if value.contains('<') {
                if let Some(person) = Person::parse(value) {
                    trailer_people.push((person, evidence()));
                }
            }
        }

        let subject =
            if facts.subject.is_empty() { facts.message.lines().next().unwrap_or("") } else { &facts.subject };
        for (i, matcher) in self.matchers.iter().enumerate() {
            if found[i].is_some() {
                continue;
            }
            found[i] = match (self.entries[i].kind, matcher) {
                (MarkerKind::AuthorEmail, Matcher::Email(w)) => {
                    w.is_match(&facts.author.email).then(|| ident_evidence("author", &facts.author))
                }
                (MarkerKind::CommitterEmail, Matcher::Email(w)) => {
                    w.is_match(&facts.committer.email).then(|| ident_evidence("committer", &facts.committer))
                }
                (_, Matcher::Bot(login)) => idents
                    .iter()
                    .find(|(_, who)| is_bot(login, &who.name, &who.email))
                    .map(|(role, who)| ident_evidence(role, who))
                    .or_else(|| {
                        trailer_people
                            .iter()
                            .find(|(p, _)| is_bot(login, &p.name, &p.email))
                            .map(|(_, line)| line.clone())
                    }),
                (_, Matcher::Line(w)) => {
                    facts.message.lines().find(|l| w.is_match(l.trim())).map(|l| l.trim().to_owned())
                }
                (MarkerKind::SubjectPrefix, Matcher::Prefix(p)) => {
                    starts_with_ci(subject, p).then(|| subject.to_owned())
                }
                (_, Matcher::Suffix(s)) => idents
                    .iter()
                    .find(|(_, who)| ends_with_ci(who.name.trim_end(), s.trim_end()))
                    .map(|(role, who)| ident_evidence(role, who)),
                _ => None,
            };
        }
        found.into_iter().enumerate().filter_map(|(i, ev)| ev.map(|ev| self.hit(i, ev))).collect()
    }

    /// The branch-name markers of `branch` (`claude/…`, `copilot/…`). A
    /// leading `refs/heads/`, or `refs/remotes/REMOTE/`, is ignored.
    pub fn scan_branch(&self, branch: &str) -> Vec<MarkerHit> {
        let name = if let Some(rest) = branch.strip_prefix("refs/heads/") {
            rest
        } else if let Some(rest) = branch.strip_prefix("refs/remotes/") {
            rest.split_once('/').map_or(rest, |(_, b)| b)
        } else {
            branch
        };
        self.entries
            .iter()
            .zip(&self.matchers)
            .enumerate()
            .filter(|(_, (e, m))| {
                e.kind == MarkerKind::BranchPrefix && matches!(m, Matcher::Prefix(p) if starts_with_ci(name, p))
            })
            .map(|(i, _)| self.hit(i, name.to_owned()))
            .collect()
    }
}

/// 1-based line of byte offset `pos` in `text`.
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos].split(|&b| b == b'\n').count()
}

/// A message on one line.
pub(crate) fn one_line(message: &str) -> String {
    message.trim().lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(author: (&str, &str), message: &str) -> CommitFacts {
        CommitFacts {
            author: Ident { name: author.0.into(), email: author.1.into() },
            committer: Ident { name: author.0.into(), email: author.1.into() },
            subject: message.lines().next().unwrap_or("").into(),
            message: message.into(),
            ..CommitFacts::default()
        }
    }

    #[test]
    fn wildcard() {
        let w = Wildcard::new("*[bot]@users.noreply.github.com");
        assert!(w.is_match("49699333+dependabot[bot]@users.noreply.github.com"));
        assert!(w.is_match("Renovate[Bot]@users.noreply.github.com"));
        assert!(!w.is_match("dependabotb@users.noreply.github.com"));
        assert!(Wildcard::new("a*b*c").is_match("abc"));
        assert!(Wildcard::new("a*b*c").is_match("axxbyyc"));
        assert!(!Wildcard::new("a*b*c").is_match("acb"));
        assert!(!Wildcard::new("ab*ba").is_match("aba"));
        assert!(Wildcard::new("*").is_match(""));
        assert!(Wildcard::new("x@y").is_match("X@Y"));
        assert!(!Wildcard::new("x@y").is_match("x@yz"));
        assert!(Wildcard::new("🤖 *").is_match("🤖 Generated"));
    }

    #[test]
    fn builtin_parses() {
        assert!(Markers::builtin().entries().len() > 30);
    }

    #[test]
    fn claude_code_commit() {
        let m = "Add retry to the HTTP client\n\nRetries idempotent requests.\n\n\
                 🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n\
                 Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n";
        let hits = Markers::builtin().scan(&facts(("Bob", "bob@example.org"), m));
        let got: Vec<_> = hits.iter().map(|h| (h.kind.as_str(), h.evidence.as_str())).collect();
        assert_eq!(
            got,
            [
                ("trailer", "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
                ("footer", "🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
            ]
        );
    }

    #[test]
    fn bot_identities_by_login_and_numeric_email() {
        let m = Markers::builtin();
        let f = facts(("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"), "Fix typo\n");
        assert_eq!(m.scan(&f)[0].evidence, "author claude[bot] <209825114+claude[bot]@users.noreply.github.com>");
        let f = facts(("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "Fix typo\n");
        let tools: Vec<_> = m.scan(&f).into_iter().map(|h| h.kind).collect();
        assert_eq!(tools, ["author-email", "committer-email", "bot-login"]);
        // A human whose GitHub login is `claude`.
        let f = facts(("Claude", "12345+claude@users.noreply.github.com"), "Fix typo\n");
        assert_eq!(m.scan(&f), []);
    }

    #[test]
    fn people_named_like_agents_are_not_markers() {
        let m = "Cite Claude Shannon in the entropy docs\n\nAs Devin and Amp suggested.\n\n\
                 Co-authored-by: Claude Shannon <claude@bell-labs.example>\n\
                 Reviewed-by: Devin Smith <devin@smith.example>\n";
        assert_eq!(Markers::builtin().scan(&facts(("Devin Smith", "devin@smith.example"), m)), []);
        assert_eq!(Markers::builtin().scan_branch("claudette/fix"), []);
    }

    #[test]
    fn branches() {
        let hits = Markers::builtin().scan_branch("refs/remotes/origin/copilot/fix-123");
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].tool.as_str(), hits[0].evidence.as_str()), ("Copilot coding agent", "copilot/fix-123"));
    }

    #[test]
    fn bad_lists() {
        let bad =
            "version = 1\n[[marker]]\ntool = \"X\"\nkind = \"author-email\"\npattern = \"Claude\"\nsource = \"s\"\n";
        assert_eq!(
            Markers::parse(bad).unwrap_err().to_string(),
            "agent-markers.toml: entry 1 (X, author-email): \"Claude\" is not an email address (never match bare display names)"
        );
        let bad = "version = 1\n[[marker]]\ntool = \"X\"\nkind = \"colour\"\npattern = \"x\"\nsource = \"s\"\n";
        assert_eq!(
            Markers::parse(bad).unwrap_err().to_string(),
            "agent-markers.toml:4: unknown variant `colour`, expected one of `author-email`, `committer-email`, \
             `bot-login`, `trailer`, `footer`, `subject-prefix`, `name-suffix`, `branch-prefix`"
        );
    }
}
