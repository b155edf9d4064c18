//! Signals for a reviewer: what in a range deserves a careful look.
//!
//! `git avow report` informs; it does not judge. From the verifier's
//! [`Report`]s (with their
//! [`CommitFacts`](avow_policy::facts::CommitFacts)) and the repository's
//! history this module derives, per commit, the AI-agent markers it
//! carries, the size and spread of its change and the quality of its
//! rationale, and per contributor their history of attested commits, their
//! keys' age and rotations, and bursts of large commits. The most important
//! of these are also listed as [`Signal`]s, ordered by [`SignalKind`].
//! `docs/signals.md` describes each signal, why it matters and its false
//! positives.
//!
//! ```
//! use avow_verify::signals::{bursts, BURST_MIN_COMMITS};
//!
//! // Five commits of 300 changed lines, ten minutes apart.
//! let commits: Vec<(git2::Oid, i64, usize)> =
//!     (0..5u8).map(|i| (git2::Oid::from_bytes(&[i; 20]).unwrap(), i64::from(i) * 600, 300)).collect();
//! let found = bursts(&commits);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].commits.len(), BURST_MIN_COMMITS);
//! ```
//!
//! Per commit (markers, size, rationale quality): `commit.rs`; per
//! contributor (history, keys, bursts): `contributor.rs`; the list of
//! [`Signal`]s a reviewer reads first: `list.rs`.

use avow_policy::markers::Markers;
use avow_policy::policy::Policy;
use git2::{Oid, Repository};

use crate::resolve::Range;
use crate::trust::Trusted;
use crate::verify::Report;
use crate::Error;

mod commit;
mod contributor;
mod list;
#[cfg(test)]
mod tests;

pub use commit::{commit_signals, top_level_dirs, ChangeSize, CommitSignals, RationaleQuality};
use contributor::contributor_signals;
pub use contributor::{bursts, Burst, ContributorSignals, KeyAge};
use list::findings;

/// A burst needs at least this many large commits…
pub const BURST_MIN_COMMITS: usize = 5;
/// …each of at least this many changed lines (added + removed)…
pub const BURST_MIN_LINES: usize = 200;
/// …whose author times lie within this many seconds of each other.
pub const BURST_WINDOW_SECS: i64 = 3600;
/// A commit is oversized above this many changed lines, unless the policy's
/// `[size] max-lines` says otherwise.
pub const OVERSIZED_LINES: usize = 400;
/// A commit is oversized above this many changed files, unless the policy's
/// `[size] max-files` says otherwise.
pub const OVERSIZED_FILES: usize = 20;
/// A commit is oversized when it spreads over more than this many distinct
/// top-level directories.
pub const OVERSIZED_DIRS: usize = 3;
/// A rationale is short below this many characters, when the policy's
/// `[rationale] min-length` is 0 (disabled).
pub const SHORT_RATIONALE: usize = 20;
/// The directory name given to files at the repository's root when
/// counting top-level directories.
pub const ROOT_DIR: &str = ".";

/// The thresholds in force for one report: the constants above, with the
/// policy's size and rationale limits where it sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// [`BURST_MIN_COMMITS`].
    pub burst_min_commits: usize,
    /// [`BURST_MIN_LINES`].
    pub burst_min_lines: usize,
    /// [`BURST_WINDOW_SECS`].
    pub burst_window_secs: i64,
    /// `[size] max-lines`, or [`OVERSIZED_LINES`].
    pub oversized_lines: usize,
    /// `[size] max-files`, or [`OVERSIZED_FILES`].
    pub oversized_files: usize,
    /// [`OVERSIZED_DIRS`].
    pub oversized_dirs: usize,
    /// `[rationale] min-length` when above 0, or [`SHORT_RATIONALE`].
    pub short_rationale: usize,
}

impl Thresholds {
    /// The thresholds for `policy`.
    pub fn for_policy(policy: &Policy) -> Thresholds {
        Thresholds {
            burst_min_commits: BURST_MIN_COMMITS,
            burst_min_lines: BURST_MIN_LINES,
            burst_window_secs: BURST_WINDOW_SECS,
            oversized_lines: policy.size.max_lines.unwrap_or(OVERSIZED_LINES),
            oversized_files: policy.size.max_files.unwrap_or(OVERSIZED_FILES),
            oversized_dirs: OVERSIZED_DIRS,
            short_rationale: if policy.rationale.min_length > 0 {
                policy.rationale.min_length
            } else {
                SHORT_RATIONALE
            },
        }
    }
}

/// What a signal is about, most important first: signals sort by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignalKind {
    /// The commit declares `Authorship: human` but carries agent markers.
    Mismatch,
    /// The commit carries AI-agent markers (and does not declare `human`).
    Marker,
    /// The verifier rejects the commit.
    Rejected,
    /// The contributor has no attested commit before the range.
    NewIdentity,
    /// The contributor made many large commits in a short time.
    Burst,
    /// The change is large or spread wide.
    Oversized,
    /// The rationale is short, repeats the subject, is boilerplate or is
    /// reused.
    WeakRationale,
}

impl SignalKind {
    /// Every kind, most important first.
    pub const ALL: [SignalKind; 7] = [
        SignalKind::Mismatch,
        SignalKind::Marker,
        SignalKind::Rejected,
        SignalKind::NewIdentity,
        SignalKind::Burst,
        SignalKind::Oversized,
        SignalKind::WeakRationale,
    ];

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Mismatch => "mismatch",
            SignalKind::Marker => "marker",
            SignalKind::Rejected => "rejected",
            SignalKind::NewIdentity => "new-identity",
            SignalKind::Burst => "burst",
            SignalKind::Oversized => "oversized",
            SignalKind::WeakRationale => "weak-rationale",
        }
    }
}

/// One finding for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// What it is about.
    pub kind: SignalKind,
    /// The commit, for per-commit signals.
    pub commit: Option<Oid>,
    /// The contributor's email, for per-contributor signals (and the
    /// author's for per-commit ones); `None` for the branch.
    pub contributor: Option<String>,
    /// One line saying what was found.
    pub message: String,
}

/// The whole report for a range.
#[derive(Debug, Clone)]
pub struct Signals {
    /// Whether attestations were checked: `false` for a repository that has
    /// not adopted avow (no `.avow/` at the trusted revision), where the
    /// report shows markers, identities, bursts and sizes only.
    pub attestation_checked: bool,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// One entry per commit, in range order.
    pub commits: Vec<CommitSignals>,
    /// One entry per author email, by first appearance.
    pub contributors: Vec<ContributorSignals>,
    /// The findings, most important kind first, then in range order.
    pub findings: Vec<Signal>,
}

impl Signals {
    /// How many findings of `kind`.
    pub fn count(&self, kind: SignalKind) -> usize {
        self.findings.iter().filter(|s| s.kind == kind).count()
    }
}

/// `2025-11-24 16:00 UTC`.
pub fn format_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// `2025-11-24`.
pub fn format_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Everything the report needs for a verified range: `reports` are
/// `verify_range`'s, with facts kept and lines counted; `branch` is the
/// branch the range's tip was named by, if any (for branch-name markers).
/// Without `attestation_checked` (a repository that has not adopted avow,
/// [`Trusted::unadopted`]) verdicts are ignored: no rejection is reported,
/// and an identity is new when it has no commit before the range.
pub fn analyse(
    repo: &Repository,
    range: &Range,
    trusted: &Trusted,
    reports: &[Report],
    markers: &Markers,
    branch: Option<&str>,
    attestation_checked: bool,
) -> Result<Signals, Error> {
    let commits = commit_signals(&trusted.policy, reports, markers);
    let mut contributors = contributor_signals(repo, range, trusted, reports, &commits)?;
    if let Some(records) = crate::newcomer::track_records(repo, trusted, range)? {
        for p in &mut contributors {
            p.newcomer = Some((records.of(&p.email), records.needed()));
        }
    }
    let mut signals = Signals {
        attestation_checked,
        thresholds: Thresholds::for_policy(&trusted.policy),
        commits,
        contributors,
        findings: Vec::new(),
    };
    let branch_hits = branch.map(|b| markers.scan_branch(b)).unwrap_or_default();
    signals.findings = findings(&signals, &branch_hits);
    Ok(signals)
}
