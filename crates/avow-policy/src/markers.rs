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

use avow_core::attestation::{Person, AUTHORSHIP};
use serde::{Deserialize, Deserializer};

use crate::diagnostics::{line_of, one_line};
use crate::facts::{CommitFacts, Ident};

mod builtin;

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

/// The longest message line read for line markers. Markers are footers and
/// trailers of a few dozen bytes; a longer line is prose or padding, and
/// scanning unbounded lines against every pattern would let one message
/// stall `verify` (`attacks::huge_message`).
const MAX_MARKER_LINE: usize = 1024;

/// The first position of `needle` (lowercase) in `hay`, ASCII
/// case-insensitively.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // Candidates start with the needle's first byte in either case: memchr
    // finds those without comparing at every position, which keeps a
    // message of long lines (an attacker's) from stalling the verifier.
    let (head, rest) = (needle[0], &needle[1..]);
    let last_start = hay.len().checked_sub(needle.len())?;
    memchr::memchr2_iter(head.to_ascii_lowercase(), head.to_ascii_uppercase(), &hay[..=last_start])
        .find(|&i| hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest))
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
    /// An identity's email matches the pattern (a [`Wildcard`]): the
    /// author, the committer, and every `Name <email>` trailer
    /// (`Co-authored-by:`, `Signed-off-by:`, `Assisted-by: … <email>`).
    Identity,
    /// An identity's whole name is the pattern (ASCII case-insensitive):
    /// only for names no person bears (`Codex`, `Crush`), never `Claude`.
    Name,
    /// A GitHub app identity `name[bot]`: matched against the author, the
    /// committer and every `Name <email>` trailer, by the name `name[bot]`
    /// or the email `[ID+]name[bot]@users.noreply.github.com` (or
    /// `ID+name@users.noreply.github.com`, as some apps write it).
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
    /// The start of a branch name: matched against the branch a merge
    /// subject names (`Merge pull request #74 from org/devin/…`, `Merge
    /// branch 'claude/…'`) and by [`Markers::scan_branch`].
    BranchPrefix,
    /// A rule written in code for agents not yet listed; the pattern names
    /// it: `emoji-generated-footer`, `agent-account`, `ai-bot-login`,
    /// `vendor-noreply` ([`GENERIC_RULES`]). Reported only when no listed
    /// agent marker is found in the commit.
    Generic,
}

impl MarkerKind {
    /// The name used in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::AuthorEmail => "author-email",
            MarkerKind::CommitterEmail => "committer-email",
            MarkerKind::Identity => "identity",
            MarkerKind::Name => "name",
            MarkerKind::BotLogin => "bot-login",
            MarkerKind::Trailer => "trailer",
            MarkerKind::Footer => "footer",
            MarkerKind::SubjectPrefix => "subject-prefix",
            MarkerKind::NameSuffix => "name-suffix",
            MarkerKind::BranchPrefix => "branch-prefix",
            MarkerKind::Generic => "generic",
        }
    }
}

impl fmt::Display for MarkerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of tool leaves a marker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerClass {
    /// An AI agent or AI service (the default).
    #[default]
    Agent,
    /// Ordinary automation (dependabot, renovate, release bots): known so
    /// that it is named as such, never counted as AI.
    Automation,
    /// A disclosure of AI help in a project's own convention (the kernel's
    /// `Assisted-by:`, Apache's `Generated-by:`): an AI marker in a commit
    /// without an avow statement; in one with an `Authorship:` trailer the
    /// statement already declares it (and is checked against it), so it
    /// is not reported again.
    Disclosure,
}

impl MarkerClass {
    /// The name used in the data file and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerClass::Agent => "agent",
            MarkerClass::Automation => "automation",
            MarkerClass::Disclosure => "disclosure",
        }
    }
}

/// The generic rules a `kind = "generic"` entry may name.
pub const GENERIC_RULES: &[&str] = &["emoji-generated-footer", "agent-account", "ai-bot-login", "vendor-noreply"];

/// Words that make a `name[bot]` login an AI agent's (`ai-bot-login`),
/// compared with the login's `-`/`_`-separated words.
const AI_LOGIN_WORDS: &[&str] = &[
    "ai",
    "agent",
    "llm",
    "gpt",
    "copilot",
    "claude",
    "anthropic",
    "openai",
    "codex",
    "gemini",
    "devin",
    "cursor",
    "jules",
    "coderabbitai",
    "droid",
    "aider",
    "openhands",
];

/// Domains whose `noreply@` addresses are forges and translation services,
/// not agents (`vendor-noreply`): `GitHub <noreply@github.com>` commits
/// every merge made on the web.
const NOREPLY_NOT_AGENTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "gitee.com",
    "sourceforge.net",
    "sr.ht",
    "weblate.org",
    "crowdin.com",
    "transifex.com",
];

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
    /// Where the marker is documented or seen: a public URL, or a public
    /// repository and commit.
    pub source: String,
    /// Agent (default) or ordinary automation.
    #[serde(default)]
    pub class: MarkerClass,
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
    /// Agent or automation.
    pub class: MarkerClass,
}

impl MarkerHit {
    /// Whether the marker is AI evidence (an agent's, or a disclosure),
    /// not ordinary automation.
    pub fn is_agent(&self) -> bool {
        self.class != MarkerClass::Automation
    }
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

/// The generic rules, compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generic {
    EmojiGeneratedFooter,
    AgentAccount,
    AiBotLogin,
    VendorNoreply,
}

/// A compiled entry.
#[derive(Debug, Clone)]
enum Matcher {
    Email(Wildcard),
    /// A whole name, compared ASCII case-insensitively.
    Name(String),
    /// `name[bot]`, lowercased.
    Bot(String),
    /// Value pattern; `None` for any value. The key is in `trailer_keys`.
    Trailer(Option<Wildcard>),
    Line(Wildcard),
    Prefix(String),
    Suffix(String),
    Generic(Generic),
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
        MarkerKind::AuthorEmail | MarkerKind::CommitterEmail | MarkerKind::Identity => {
            if !p.contains('@') {
                return Err(format!("{p:?} is not an email address (never match bare display names)"));
            }
            (Matcher::Email(Wildcard::new(p)), None)
        }
        MarkerKind::Name => {
            if p.contains(['*', '<', '>', '@']) || p.trim() != p {
                return Err(format!("{p:?} is not a whole name (no `*`, `<`, `>`, `@` or outer spaces)"));
            }
            (Matcher::Name(p.to_owned()), None)
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
        MarkerKind::Generic => {
            let rule = match p {
                "emoji-generated-footer" => Generic::EmojiGeneratedFooter,
                "agent-account" => Generic::AgentAccount,
                "ai-bot-login" => Generic::AiBotLogin,
                "vendor-noreply" => Generic::VendorNoreply,
                _ => return Err(format!("{p:?} is not a generic rule (one of {})", GENERIC_RULES.join(", "))),
            };
            (Matcher::Generic(rule), None)
        }
    })
}

/// The local part of a GitHub no-reply address without its numeric id
/// (`dependabot[bot]` of `49699333+dependabot[bot]@users.noreply.github.com`).
fn github_login(email: &str) -> Option<&str> {
    let n = email.len().checked_sub(GITHUB_NOREPLY.len())?;
    if !ends_with_ci(email, GITHUB_NOREPLY) {
        return None;
    }
    let local = &email[..n];
    Some(match local.split_once('+') {
        Some((id, rest)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => local,
    })
}

/// Whether an identity is the GitHub app `login` (`name[bot]`, lowercase):
/// its name is the login, or its email is `[ID+]login@users.noreply.github.com`,
/// or `ID+name@users.noreply.github.com` (the login without `[bot]`, with
/// the numeric id, as Sweep's nightly app writes it: a person's no-reply
/// address never has a `[bot]`-named owner, and the id-less form would be
/// a person's login).
fn is_bot(login: &str, name: &str, email: &str) -> bool {
    if name.trim().eq_ignore_ascii_case(login) {
        return true;
    }
    let Some(local) = github_login(email) else { return false };
    if local.eq_ignore_ascii_case(login) {
        return true;
    }
    let bare = &login[..login.len() - "[bot]".len()];
    let has_id = email.split_once('+').is_some_and(|(id, _)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    has_id && local.eq_ignore_ascii_case(bare) && ends_with_ci(name.trim(), "[bot]")
}

/// Words of `s`: runs of ASCII letters and digits, lowercased.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase)
}

/// `agent-account`: `agent` is a word of the name or of the email's local
/// part (`joestump-agent`, `Cursor Agent`, `Joe (Agent) Stump`), but not
/// inside a word (`TheRAWagent`, `truffleagent`).
fn is_agent_account(name: &str, email: &str) -> bool {
    let local = github_login(email).unwrap_or_else(|| email.split('@').next().unwrap_or(""));
    words(name).chain(words(local)).any(|w| w == "agent")
}

/// `ai-bot-login`: a `name[bot]` login (in the name or the no-reply email)
/// whose words include an AI word ([`AI_LOGIN_WORDS`]).
fn is_ai_bot(name: &str, email: &str) -> bool {
    let login = if ends_with_ci(name.trim(), "[bot]") {
        Some(name.trim())
    } else {
        github_login(email).filter(|l| ends_with_ci(l, "[bot]"))
    };
    let Some(login) = login else { return false };
    let bare = &login[..login.len() - "[bot]".len()];
    words(bare).any(|w| AI_LOGIN_WORDS.contains(&w.as_str()))
}

/// `vendor-noreply`: `noreply@DOMAIN` or `no-reply@DOMAIN` of a domain that
/// is neither a forge nor a translation service ([`NOREPLY_NOT_AGENTS`]) nor
/// a placeholder (`example.*`, `*.example`, `*.invalid`, `localhost`).
fn is_vendor_noreply(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else { return false };
    if !(local.eq_ignore_ascii_case("noreply") || local.eq_ignore_ascii_case("no-reply")) {
        return false;
    }
    let domain = domain.to_ascii_lowercase();
    let placeholder = domain.starts_with("example.")
        || domain.ends_with(".example")
        || domain.ends_with(".invalid")
        || domain == "localhost"
        || !domain.contains('.');
    let forge = NOREPLY_NOT_AGENTS.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")));
    !placeholder && !forge
}

/// `emoji-generated-footer`: a line `<symbols> Generated with <tool>` where
/// the symbols hold no ASCII letter or digit and at least one non-ASCII
/// character (`🤖 Generated with …`, `💘 Generated with Crush`): the
/// signature agents append. A plain `Generated with ./gen.sh` is not one.
fn is_emoji_generated_footer(line: &str) -> bool {
    const PHRASE: &str = "generated with ";
    let lower = line.to_ascii_lowercase();
    let Some(at) = lower.find(PHRASE) else { return false };
    let (prefix, rest) = (&line[..at], &line[at + PHRASE.len()..]);
    !rest.trim().is_empty()
        && !prefix.trim().is_empty()
        && !prefix.bytes().any(|b| b.is_ascii_alphanumeric())
        && !prefix.is_ascii()
}

/// The branch a merge commit's subject names as merged: `Merge pull
/// request #N from OWNER/BRANCH`, `Merge branch 'BRANCH'[ of URL][ into
/// X]`, `Merge remote-tracking branch 'REMOTE/BRANCH'`.
pub fn merged_branch(subject: &str) -> Option<&str> {
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        let (_, from) = rest.split_once(" from ")?;
        let from = from.split_whitespace().next()?;
        return from.split_once('/').map(|(_, branch)| branch);
    }
    if let Some(rest) = subject.strip_prefix("Merge remote-tracking branch '") {
        let quoted = rest.split_once('\'')?.0;
        return quoted.split_once('/').map(|(_, branch)| branch);
    }
    let rest = subject.strip_prefix("Merge branch '")?;
    Some(rest.split_once('\'')?.0)
}

fn ident_evidence(role: &str, who: &Ident) -> String {
    format!("{role} {} <{}>", who.name, who.email)
}

/// An identity of a commit: the author, the committer, or a `Name <email>`
/// trailer, with the evidence to show for it.
struct Who<'f> {
    name: std::borrow::Cow<'f, str>,
    email: std::borrow::Cow<'f, str>,
    evidence: String,
}

impl Markers {
    /// The embedded list, parsed once (by a quick reader of the plain TOML
    /// it is written in, which tests hold to the TOML parser's reading).
    pub fn builtin() -> &'static Markers {
        static BUILTIN: OnceLock<Markers> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            builtin::entries(BUILTIN_TOML)
                .map_or_else(|| Markers::parse(BUILTIN_TOML), Markers::from_entries)
                .expect("the embedded agent-markers.toml is valid (tested)")
        })
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
        Markers::from_entries(file.marker)
    }

    /// Compiles a list of entries.
    pub fn from_entries(entries: Vec<MarkerEntry>) -> Result<Markers, MarkersError> {
        let mut matchers = Vec::with_capacity(entries.len());
        let mut trailer_keys: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
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
        Ok(Markers { entries, matchers, trailer_keys })
    }

    /// This list with a project's own entries (`[[markers.extra]]` of
    /// `.avow/policy.toml`) appended; an error names the extra entry (its
    /// index counts from 1 among the extras).
    pub fn with_extra(&self, extra: &[MarkerEntry]) -> Result<Markers, MarkersError> {
        let before = self.entries.len();
        let all = self.entries.iter().chain(extra).cloned().collect();
        Markers::from_entries(all).map_err(|e| match e {
            MarkersError::BadEntry { index, tool, kind, message } => {
                MarkersError::BadEntry { index: index.saturating_sub(before), tool, kind, message }
            }
            other @ MarkersError::Syntax { .. } => other,
        })
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[MarkerEntry] {
        &self.entries
    }

    fn hit(&self, i: usize, evidence: String) -> MarkerHit {
        let e = &self.entries[i];
        MarkerHit {
            tool: e.tool.clone(),
            kind: e.kind.as_str().to_owned(),
            evidence,
            source: e.source.clone(),
            class: e.class,
        }
    }

    /// The AI-agent markers a commit carries, without ordinary automation
    /// (dependabot, renovate, release bots): what a policy refuses, what
    /// contradicts `Authorship: human`, what the report flags. See
    /// [`Markers::scan_all`].
    pub fn scan(&self, facts: &CommitFacts) -> Vec<MarkerHit> {
        let mut hits = self.scan_all(facts);
        hits.retain(MarkerHit::is_agent);
        hits
    }

    /// Whether the commit carries any AI-agent marker ([`Markers::scan`]
    /// is not empty).
    pub fn has_agent_markers(&self, facts: &CommitFacts) -> bool {
        !self.scan(facts).is_empty()
    }

    /// Every marker a commit carries, automation included: in its author
    /// and committer, every `Name <email>` trailer, its trailers, every line
    /// of its message, its subject, and the branch a merge subject names.
    /// At most one hit per entry (the first evidence found), in entry
    /// order; generic rules only when no listed agent marker is found.
    pub fn scan_all(&self, facts: &CommitFacts) -> Vec<MarkerHit> {
        let mut found: Vec<Option<String>> = vec![None; self.entries.len()];
        let mut who: Vec<Who<'_>> = vec![
            Who {
                name: facts.author.name.as_str().into(),
                email: facts.author.email.as_str().into(),
                evidence: ident_evidence("author", &facts.author),
            },
            Who {
                name: facts.committer.name.as_str().into(),
                email: facts.committer.email.as_str().into(),
                evidence: ident_evidence("committer", &facts.committer),
            },
        ];

        // Trailers: git's parse, and any message line that starts with a
        // trailer key (squash merges and quoted footers put them anywhere).
        let message_trailers = facts.message.lines().filter_map(|l| split_trailer_line(l).map(|(k, v)| (k, v, l)));
        let parsed = facts.trailers.iter().map(|t| (t.key.as_str(), t.value.as_str(), ""));
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
                    who.push(Who { name: person.name.into(), email: person.email.into(), evidence: evidence() });
                }
            }
        }

        let subject =
            if facts.subject.is_empty() { facts.message.lines().next().unwrap_or("") } else { &facts.subject };
        let merged =
            if facts.parent_count > 1 || subject.starts_with("Merge ") { merged_branch(subject) } else { None };
        let mut generic = Vec::new();
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
                (MarkerKind::Identity, Matcher::Email(w)) => {
                    who.iter().find(|p| w.is_match(&p.email)).map(|p| p.evidence.clone())
                }
                (_, Matcher::Name(n)) => {
                    who.iter().find(|p| p.name.trim().eq_ignore_ascii_case(n)).map(|p| p.evidence.clone())
                }
                (_, Matcher::Bot(login)) => {
                    who.iter().find(|p| is_bot(login, &p.name, &p.email)).map(|p| p.evidence.clone())
                }
                (_, Matcher::Line(w)) => facts
                    .message
                    .lines()
                    .map(str::trim)
                    .filter(|l| l.len() <= MAX_MARKER_LINE)
                    .find(|l| w.is_match(l))
                    .map(str::to_owned),
                (MarkerKind::SubjectPrefix, Matcher::Prefix(p)) => {
                    starts_with_ci(subject, p).then(|| subject.to_owned())
                }
                (MarkerKind::BranchPrefix, Matcher::Prefix(p)) => {
                    merged.filter(|b| starts_with_ci(b, p)).map(|_| subject.to_owned())
                }
                (_, Matcher::Suffix(s)) => [("author", &facts.author), ("committer", &facts.committer)]
                    .iter()
                    .find(|(_, who)| ends_with_ci(who.name.trim_end(), s.trim_end()))
                    .map(|(role, who)| ident_evidence(role, who)),
                (_, Matcher::Generic(_)) => {
                    generic.push(i);
                    None
                }
                _ => None,
            };
        }
        if facts.trailers.iter().any(|t| t.is(AUTHORSHIP)) {
            for (i, f) in found.iter_mut().enumerate() {
                if self.entries[i].class == MarkerClass::Disclosure {
                    *f = None;
                }
            }
        }
        let listed_agent =
            found.iter().enumerate().any(|(i, f)| f.is_some() && self.entries[i].class != MarkerClass::Automation);
        if !listed_agent {
            self.scan_generic(facts, &who, &generic, &mut found);
        }
        found.into_iter().enumerate().filter_map(|(i, ev)| ev.map(|ev| self.hit(i, ev))).collect()
    }

    /// The generic rules `generic` (entry indexes), for a commit in which no
    /// listed agent marker was found; identities a listed automation entry
    /// names are not agents.
    fn scan_generic(&self, facts: &CommitFacts, who: &[Who<'_>], generic: &[usize], found: &mut [Option<String>]) {
        let automation: Vec<bool> = who
            .iter()
            .map(|p| {
                self.matchers.iter().enumerate().any(|(i, m)| {
                    self.entries[i].class == MarkerClass::Automation
                        && match m {
                            Matcher::Email(w) => w.is_match(&p.email),
                            Matcher::Bot(login) => is_bot(login, &p.name, &p.email),
                            Matcher::Name(n) => p.name.trim().eq_ignore_ascii_case(n),
                            _ => false,
                        }
                })
            })
            .collect();
        let people = || who.iter().zip(&automation).filter(|(_, a)| !**a).map(|(p, _)| p);
        for &i in generic {
            let Matcher::Generic(rule) = self.matchers[i] else { continue };
            found[i] = match rule {
                Generic::EmojiGeneratedFooter => {
                    facts.message.lines().find(|l| is_emoji_generated_footer(l.trim())).map(|l| l.trim().to_owned())
                }
                Generic::AgentAccount => {
                    people().find(|p| is_agent_account(&p.name, &p.email)).map(|p| p.evidence.clone())
                }
                Generic::AiBotLogin => people().find(|p| is_ai_bot(&p.name, &p.email)).map(|p| p.evidence.clone()),
                Generic::VendorNoreply => people().find(|p| is_vendor_noreply(&p.email)).map(|p| p.evidence.clone()),
            };
        }
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
                ("identity", "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
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
        let kinds: Vec<_> = m.scan(&f).into_iter().map(|h| h.kind).collect();
        assert_eq!(kinds, ["identity", "bot-login"]);
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
             `identity`, `name`, `bot-login`, `trailer`, `footer`, `subject-prefix`, `name-suffix`, `branch-prefix`, \
             `generic`"
        );
    }
}
