//! Scanning a commit (its identities, trailers, message lines, subject and
//! the branch a merge names) or a branch name for the listed markers.

use avow_core::attestation::{Person, AUTHORSHIP};

use super::compile::{is_trailer_key, Matcher};
use super::identity::{Evidence, Who};
use super::wildcard::{ends_with_ci, starts_with_ci};
use super::{MarkerClass, MarkerHit, MarkerKind, Markers};
use crate::facts::{CommitFacts, Ident};

/// The longest message line read for line markers. Markers are footers and
/// trailers of a few dozen bytes; a longer line is prose or padding, and
/// scanning unbounded lines against every pattern would let one message
/// stall `verify` (`attacks::huge_message`).
const MAX_MARKER_LINE: usize = 1024;

/// Splits a message line into a trailer key and value when the line starts
/// with `Key:` (no indentation: indented lines are continuations).
fn split_trailer_line(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end_matches([' ', '\t']);
    is_trailer_key(key).then(|| (key, value.trim()))
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

impl Markers {
    /// The entries of a trailer key, ASCII case-insensitively; without
    /// allocating for the usual short key.
    fn entries_of_trailer_key(&self, key: &str) -> Option<&Vec<usize>> {
        let mut buf = [0u8; 64];
        let Some(lower) = buf.get_mut(..key.len()) else {
            return self.trailer_keys.get(&key.to_ascii_lowercase());
        };
        lower.copy_from_slice(key.as_bytes());
        lower.make_ascii_lowercase();
        // ASCII lowercasing keeps UTF-8 valid.
        std::str::from_utf8(lower)
            .map_or_else(|_| self.trailer_keys.get(&key.to_ascii_lowercase()), |lower| self.trailer_keys.get(lower))
    }

    fn hit(&self, i: usize, evidence: String) -> MarkerHit {
        let e = &self.entries[i];
        MarkerHit {
            tool: e.tool.to_string(),
            kind: e.kind.as_str().to_owned(),
            evidence,
            source: e.source.to_string(),
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
        let who = self.identities(facts, &mut found);

        let subject =
            if facts.subject.is_empty() { facts.message.lines().next().unwrap_or("") } else { &facts.subject };
        let merged =
            if facts.parent_count > 1 || subject.starts_with("Merge ") { merged_branch(subject) } else { None };
        // The message's lines as footers are matched, split once for all
        // footer patterns, when one of them may match.
        let mut footer_lines: Option<Vec<&str>> = None;
        let mut generic = Vec::new();
        let mut lower: Option<String> = None;
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
                    who.iter().find(|p| w.is_match(&p.email)).map(|p| p.evidence.text())
                }
                (_, Matcher::Name(n)) => {
                    who.iter().find(|p| p.name.trim().eq_ignore_ascii_case(n)).map(|p| p.evidence.text())
                }
                (_, Matcher::Bot(login)) => who.iter().find(|p| p.is_bot(login)).map(|p| p.evidence.text()),
                (_, Matcher::Line(w, longest)) => {
                    // A line that matches holds each literal part of the
                    // pattern, so a message without the longest one has no
                    // such line: most messages are answered by one search
                    // per pattern rather than a match per line.
                    let lower = lower.get_or_insert_with(|| facts.message.to_ascii_lowercase());
                    if longest.find(lower.as_bytes()).is_none() {
                        None
                    } else {
                        let lines = footer_lines.get_or_insert_with(|| {
                            facts.message.lines().map(str::trim).filter(|l| l.len() <= MAX_MARKER_LINE).collect()
                        });
                        lines.iter().find(|l| w.is_match(l)).map(|l| (*l).to_owned())
                    }
                }
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

    /// The commit's identities, each (name, email) once: its author and
    /// committer and every `Name <email>` trailer or trailer-like line,
    /// whose trailer markers are recorded in `found` on the way.
    fn identities<'f>(&self, facts: &'f CommitFacts, found: &mut [Option<String>]) -> Vec<Who<'f>> {
        let mut who: Vec<Who<'_>> = vec![
            Who::new(facts.author.name.as_str(), facts.author.email.as_str(), Evidence::Ident("author", &facts.author)),
            Who::new(
                facts.committer.name.as_str(),
                facts.committer.email.as_str(),
                Evidence::Ident("committer", &facts.committer),
            ),
        ];

        // Trailers: git's parse, and any message line that starts with a
        // trailer key (squash merges and quoted footers put them anywhere).
        let message_trailers = facts.message.lines().filter_map(|l| split_trailer_line(l).map(|(k, v)| (k, v, l)));
        let parsed = facts.trailers.iter().map(|t| (t.key.as_str(), t.value.as_str(), ""));
        for (key, value, line) in parsed.chain(message_trailers) {
            let evidence = if line.is_empty() { Evidence::Trailer(key, value) } else { Evidence::Line(line) };
            if let Some(ids) = self.entries_of_trailer_key(key) {
                for &i in ids {
                    if found[i].is_some() {
                        continue;
                    }
                    let Matcher::Trailer(pattern) = &self.matchers[i] else { continue };
                    if pattern.as_ref().is_none_or(|p| p.is_match(value)) {
                        found[i] = Some(evidence.text());
                    }
                }
            }
            if value.contains('<') {
                if let Some(person) = Person::parse(value) {
                    who.push(Who::new(person.name, person.email, evidence));
                }
            }
        }
        // Each identity once: the author is usually the committer and the
        // person a trailer names. Every test of an identity (`scan_all`,
        // the generic rules) depends on its name and email alone and takes
        // the first identity that passes, so it takes the same one among
        // the first of each (name, email).
        let mut distinct: Vec<Who<'_>> = Vec::with_capacity(who.len());
        for w in who {
            if !distinct.iter().any(|d| d.name == w.name && d.email == w.email) {
                distinct.push(w);
            }
        }
        distinct
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
