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
//!
//! The list's model and parsing are here; how an entry's pattern is read,
//! `compile.rs`; the case-insensitive patterns, `wildcard.rs`; scanning a
//! commit or a branch, `scan.rs`, with its identities and GitHub app logins
//! in `identity.rs`; the rules written in code for agents not yet listed,
//! `generic.rs`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{line_of, one_line};

mod builtin;
mod compile;
mod generic;
mod identity;
mod scan;
mod subset;
#[cfg(test)]
mod tests;
mod wildcard;

pub use compile::GENERIC_RULES;
use compile::{compile, Matcher};
pub use scan::merged_branch;
pub use wildcard::Wildcard;

/// The embedded marker list (`crates/avow-policy/data/agent-markers.toml`).
pub const BUILTIN_TOML: &str = include_str!("../../data/agent-markers.toml");

/// Where a marker is found, and so how its pattern is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
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

/// One line of the marker list. The built-in list's text is borrowed
/// from the table the build wrote, so reading it copies no string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MarkerEntry {
    /// The tool that leaves the marker, e.g. `Claude Code`.
    pub tool: Cow<'static, str>,
    /// Where the marker is found.
    pub kind: MarkerKind,
    /// The exact pattern; how it is read depends on `kind`.
    pub pattern: Cow<'static, str>,
    /// Where the marker is documented or seen: a public URL, or a public
    /// repository and commit.
    pub source: Cow<'static, str>,
    /// Agent (default) or ordinary automation.
    #[serde(default)]
    pub class: MarkerClass,
    /// Remarks (false positives, history).
    #[serde(default)]
    pub note: Option<Cow<'static, str>>,
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

/// A parsed, compiled marker list.
#[derive(Debug, Clone)]
pub struct Markers {
    entries: Vec<MarkerEntry>,
    matchers: Vec<Matcher>,
    /// Lowercased trailer key → entries of kind `trailer` with that key.
    trailer_keys: HashMap<String, Vec<usize>>,
}

impl Markers {
    /// The embedded list, parsed once (by a quick reader of the plain TOML
    /// it is written in, which tests hold to the TOML parser's reading).
    pub fn builtin() -> &'static Markers {
        static BUILTIN: OnceLock<Markers> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            builtin::generated()
                .or_else(|| builtin::entries(BUILTIN_TOML))
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
                tool: entry.tool.to_string(),
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
}
