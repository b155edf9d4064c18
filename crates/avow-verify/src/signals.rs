//! Signals for a reviewer: what in a range deserves a careful look.
//!
//! `git avow report` informs; it does not judge. From the verifier's
//! [`Report`]s (with their [`CommitFacts`]) and the repository's history
//! this module derives, per commit, the AI-agent markers it carries, the
//! size and spread of its change and the quality of its rationale, and per
//! contributor their history of attested commits, their keys' age and
//! rotations, and bursts of large commits. The most important of these are
//! also listed as [`Signal`]s, ordered by [`SignalKind`]. `docs/signals.md`
//! describes each signal, why it matters and its false positives.
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

use std::collections::{BTreeSet, HashMap, HashSet};

use avow_core::attestation::{Authorship, AUTHORSHIP, RATIONALE, SIGNATURE};
use avow_core::trailer::{self, ParseOptions, Trailer};
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::findings::{Finding, Severity, ATTESTATION_MISSING};
use avow_policy::markers::{MarkerHit, Markers};
use avow_policy::policy::{normalize, repeats_subject, visible_len, Policy, DEFAULT_BOILERPLATE};
use git2::{Oid, Repository, Sort};

use crate::resolve::Range;
use crate::trust::Trusted;
use crate::verify::{Report, SignerInfo, Verdict};
use crate::Error;

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

const DAY_SECS: i64 = 86_400;

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

/// The size and spread of one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSize {
    /// Lines added.
    pub lines_added: usize,
    /// Lines removed.
    pub lines_removed: usize,
    /// Files changed.
    pub files: usize,
    /// Distinct top-level directories, sorted ([`ROOT_DIR`] for files at
    /// the root).
    pub top_level: Vec<String>,
    /// What exceeds the thresholds, e.g. `612 changed lines (over 400)`;
    /// empty when the change is not oversized.
    pub oversized: Vec<String>,
}

impl ChangeSize {
    /// Added plus removed lines.
    pub fn lines_changed(&self) -> usize {
        self.lines_added + self.lines_removed
    }
}

/// How good a rationale is, as far as a machine can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RationaleQuality {
    /// Characters, with whitespace runs counted as one.
    pub length: usize,
    /// Below [`Thresholds::short_rationale`].
    pub short: bool,
    /// It only repeats the subject (after [`normalize`], with or without
    /// the subject's leading `area:`).
    pub repeats_subject: bool,
    /// The boilerplate phrase it is, if any.
    pub boilerplate: Option<String>,
    /// Other commits of the range with the same rationale (after
    /// [`normalize`]), by anyone, oldest first.
    pub reused_with: Vec<Oid>,
    /// Whether one of those is by the same person (`Understood-by`, or the
    /// author when there is none).
    pub reused_by_same_person: bool,
}

impl RationaleQuality {
    /// Whether anything is wrong with it.
    pub fn is_weak(&self) -> bool {
        self.short || self.repeats_subject || self.boilerplate.is_some() || !self.reused_with.is_empty()
    }
}

/// Everything the report says about one commit.
#[derive(Debug, Clone)]
pub struct CommitSignals {
    /// The commit.
    pub id: Oid,
    /// Its subject.
    pub subject: String,
    /// Its author.
    pub author: Ident,
    /// Its author time, seconds since 1970.
    pub author_time: i64,
    /// The verifier's verdict.
    pub verdict: Verdict,
    /// Why the verifier rejects it (its deny findings).
    pub problems: Vec<Finding>,
    /// The declared `Authorship:` (the trailer's value, lowercased, even
    /// when the rest of the statement is malformed).
    pub authorship: Option<String>,
    /// The `Assisted-by:` values.
    pub assisted_by: Vec<String>,
    /// The `Understood-by:` value.
    pub understood_by: Option<String>,
    /// Whose key verified, when one did.
    pub signer: Option<std::sync::Arc<SignerInfo>>,
    /// The AI-agent markers found.
    pub markers: Vec<MarkerHit>,
    /// The ordinary automation it is recognised as (dependabot, renovate):
    /// named, never counted as AI.
    pub automation: Vec<MarkerHit>,
    /// Declares `human` and carries markers.
    pub mismatch: bool,
    /// Size and spread.
    pub change: ChangeSize,
    /// The rationale's quality, when the commit has a `Rationale:`.
    pub rationale: Option<RationaleQuality>,
}

/// A key a contributor signed with in the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAge {
    /// The key's fingerprint.
    pub fingerprint: String,
    /// The keyring's `added` date, seconds since 1970.
    pub added: Option<i64>,
    /// Whole days from `added` to the first signature with it in the range.
    pub age_days: Option<i64>,
    /// The keys it succeeds (its `succeeds` chain), newest first.
    pub rotations: Vec<String>,
}

/// Large commits close together in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burst {
    /// The commits, by author time.
    pub commits: Vec<Oid>,
    /// The first author time.
    pub start: i64,
    /// The last author time.
    pub end: i64,
}

/// Everything the report says about one contributor (by author email).
#[derive(Debug, Clone)]
pub struct ContributorSignals {
    /// The author name on their first commit in the range.
    pub name: String,
    /// The author email (as on their first commit in the range).
    pub email: String,
    /// Their commits in the range, in range order.
    pub commits: Vec<Oid>,
    /// Their first attested commit (one with an `Avow-Signature:` trailer)
    /// in the whole history reachable from the range, and its author time.
    pub first_attested: Option<(Oid, i64)>,
    /// Their attested commits reachable from the range but outside it.
    pub earlier_attested: usize,
    /// Their first commit of all (attested or not) in the history reachable
    /// from the range, and its author time: when the repository first saw
    /// them.
    pub first_seen: Option<(Oid, i64)>,
    /// Their commits (attested or not) reachable from the range but outside
    /// it.
    pub earlier_commits: usize,
    /// With a `[newcomer]` policy: their track record (attested commits in
    /// the trusted history, counted as `verify` counts them) and the record
    /// that ends the newcomer rules.
    pub newcomer: Option<(usize, usize)>,
    /// The keys that verified their commits in the range.
    pub keys: Vec<KeyAge>,
    /// Their bursts.
    pub bursts: Vec<Burst>,
    /// Their commits that declare `human` and carry agent markers.
    pub mismatches: Vec<Oid>,
    /// Whether every one of their commits is exempt or skipped by the
    /// policy (bots, history before adoption); no identity signal then.
    pub exempt: bool,
}

impl ContributorSignals {
    /// New to the repository: no attested commit before the range (when
    /// attestations were checked), or no commit at all before it (when the
    /// repository has not adopted avow).
    pub fn is_new(&self, attestation_checked: bool) -> bool {
        if attestation_checked {
            self.earlier_attested == 0
        } else {
            self.earlier_commits == 0
        }
    }
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

/// The distinct top-level directories of `paths`, sorted.
pub fn top_level_dirs(paths: &[String]) -> Vec<String> {
    let set: BTreeSet<&str> = paths.iter().map(|p| p.split_once('/').map_or(ROOT_DIR, |(dir, _)| dir)).collect();
    set.into_iter().map(str::to_owned).collect()
}

/// The bursts among `(commit, author time, changed lines)`: runs of at
/// least [`BURST_MIN_COMMITS`] commits of at least [`BURST_MIN_LINES`]
/// changed lines each, every [`BURST_MIN_COMMITS`] consecutive ones
/// (by author time) within [`BURST_WINDOW_SECS`]. Overlapping windows merge
/// into one burst.
pub fn bursts(commits: &[(Oid, i64, usize)]) -> Vec<Burst> {
    let mut large: Vec<(Oid, i64)> =
        commits.iter().filter(|(_, _, lines)| *lines >= BURST_MIN_LINES).map(|(id, t, _)| (*id, *t)).collect();
    large.sort_by_key(|(_, t)| *t);
    let n = BURST_MIN_COMMITS;
    // `in_window[i]`: commits i..i+n lie within the window.
    let in_window: Vec<bool> = (0..large.len())
        .map(|i| i + n <= large.len() && large[i + n - 1].1.saturating_sub(large[i].1) <= BURST_WINDOW_SECS)
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < large.len() {
        if !in_window[i] {
            i += 1;
            continue;
        }
        let mut end = i + n; // exclusive
        let mut j = i + 1;
        while j < large.len() && j < end {
            if in_window[j] {
                end = j + n;
            }
            j += 1;
        }
        let run = &large[i..end];
        out.push(Burst {
            commits: run.iter().map(|(id, _)| *id).collect(),
            start: run[0].1,
            end: run[run.len() - 1].1,
        });
        i = end;
    }
    out
}

/// Whether a commit message carries an `Avow-Signature:` trailer.
fn is_attested(c: &git2::Commit<'_>) -> bool {
    let raw = c.message_raw_bytes();
    let needle = SIGNATURE.as_bytes();
    if !raw.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle)) {
        return false;
    }
    crate::commit::message_text(c)
        .is_some_and(|m| trailer::parse(&m, &ParseOptions::default()).iter().any(|t| t.is(SIGNATURE)))
}

/// What the history reachable from a range says about one person (by
/// lowercased author email).
#[derive(Debug, Clone, Copy, Default)]
struct Record {
    /// The first attested commit, with its author time.
    first_attested: Option<(Oid, i64)>,
    /// Attested commits outside the range.
    earlier_attested: usize,
    /// The first commit of all, with its author time.
    first_seen: Option<(Oid, i64)>,
    /// Commits outside the range.
    earlier_commits: usize,
}

/// Walks the history reachable from the range, oldest first.
fn history(repo: &Repository, range: &Range, emails: &HashSet<String>) -> Result<HashMap<String, Record>, Error> {
    let mut out: HashMap<String, Record> = HashMap::new();
    if range.commits.is_empty() {
        return Ok(out);
    }
    let in_range: HashSet<Oid> = range.commits.iter().copied().collect();
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).map_err(|e| Error::git("sorting".into(), e))?;
    for id in &range.commits {
        walk.push(*id).map_err(|e| Error::walk(repo, e))?;
    }
    for id in walk {
        let id = crate::canonical(id.map_err(|e| Error::walk(repo, e))?);
        let c = repo.find_commit(id).map_err(|e| Error::walk(repo, e))?;
        let email = String::from_utf8_lossy(c.author().email_bytes()).to_ascii_lowercase();
        if !emails.contains(&email) {
            continue;
        }
        let outside = !in_range.contains(&id);
        let when = (id, c.author().when().seconds());
        let entry = out.entry(email).or_default();
        entry.first_seen.get_or_insert(when);
        entry.earlier_commits += usize::from(outside);
        if is_attested(&c) {
            entry.first_attested.get_or_insert(when);
            entry.earlier_attested += usize::from(outside);
        }
    }
    Ok(out)
}

fn short(id: Oid) -> String {
    id.to_string()[..12].to_owned()
}

/// `2025-11-24 16:00 UTC`.
pub fn format_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// `2025-11-24`.
pub fn format_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

fn first_trailer<'a>(trailers: &'a [Trailer], key: &str) -> Option<&'a str> {
    trailers.iter().find(|t| t.is(key)).map(|t| t.value.as_str())
}

fn change_size(facts: &CommitFacts, th: &Thresholds) -> ChangeSize {
    let c = &facts.change;
    let top_level = top_level_dirs(&c.paths);
    let mut oversized = Vec::new();
    if c.lines_changed() > th.oversized_lines {
        oversized.push(format!("{} changed lines (over {})", c.lines_changed(), th.oversized_lines));
    }
    if c.paths.len() > th.oversized_files {
        oversized.push(format!("{} files (over {})", c.paths.len(), th.oversized_files));
    }
    if top_level.len() > th.oversized_dirs {
        oversized.push(format!("{} top-level directories (over {})", top_level.len(), th.oversized_dirs));
    }
    ChangeSize {
        lines_added: c.lines_added,
        lines_removed: c.lines_removed,
        files: c.paths.len(),
        top_level,
        oversized,
    }
}

/// The per-commit part, without history: markers, size, rationale
/// quality (reuse included), mismatch.
pub fn commit_signals(policy: &Policy, reports: &[Report], markers: &Markers) -> Vec<CommitSignals> {
    let th = Thresholds::for_policy(policy);
    let mut boilerplate: Vec<&str> = policy.rationale.boilerplate.iter().map(String::as_str).collect();
    let defaults: Vec<&str> = DEFAULT_BOILERPLATE.iter().copied().filter(|d| !boilerplate.contains(d)).collect();
    boilerplate.extend(defaults);
    let mut out: Vec<CommitSignals> = Vec::with_capacity(reports.len());
    // normalized rationale → (commit index, person) of each use
    let mut uses: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    let mut norms: Vec<Option<String>> = Vec::with_capacity(reports.len());
    for r in reports {
        let fallback;
        let facts = if let Some(f) = r.facts.as_deref() {
            f
        } else {
            fallback = CommitFacts {
                subject: r.subject.clone(),
                author: r.author.clone(),
                trailers: r.trailers.clone(),
                ..CommitFacts::default()
            };
            &fallback
        };
        let (hits, automation): (Vec<MarkerHit>, Vec<MarkerHit>) =
            markers.scan_all(facts).into_iter().partition(MarkerHit::is_agent);
        let authorship = r
            .authorship
            .map(|a| a.as_str().to_owned())
            .or_else(|| first_trailer(&r.trailers, AUTHORSHIP).map(|v| v.trim().to_ascii_lowercase()));
        let mismatch = !hits.is_empty() && authorship.as_deref() == Some(Authorship::Human.as_str());
        let rationale_text = r
            .statement
            .as_ref()
            .map(|s| s.rationale.clone())
            .or_else(|| first_trailer(&r.trailers, RATIONALE).map(str::to_owned));
        let understood_by = r
            .statement
            .as_ref()
            .map(|s| s.understood_by.to_string())
            .or_else(|| first_trailer(&r.trailers, avow_core::attestation::UNDERSTOOD_BY).map(str::to_owned));
        let person = r
            .statement
            .as_ref()
            .map_or_else(|| r.author.email.to_ascii_lowercase(), |s| s.understood_by.email.to_ascii_lowercase());
        let rationale = rationale_text.as_ref().map(|text| {
            let norm = normalize(text);
            let length = visible_len(text);
            RationaleQuality {
                length,
                short: length < th.short_rationale,
                repeats_subject: repeats_subject(&norm, &r.subject),
                boilerplate: boilerplate.iter().find(|p| normalize(p) == norm).map(|p| (*p).to_owned()),
                reused_with: Vec::new(),
                reused_by_same_person: false,
            }
        });
        let norm = rationale_text.as_deref().map(normalize).filter(|n| !n.is_empty());
        if let Some(n) = &norm {
            uses.entry(n.clone()).or_default().push((out.len(), person));
        }
        norms.push(norm);
        out.push(CommitSignals {
            id: r.id,
            subject: r.subject.clone(),
            author: r.author.clone(),
            author_time: facts.author_time,
            verdict: r.verdict.clone(),
            problems: r.findings.iter().filter(|f| f.severity == Severity::Deny).cloned().collect(),
            authorship,
            assisted_by: r.statement.as_ref().map_or_else(
                || {
                    r.trailers
                        .iter()
                        .filter(|t| t.is(avow_core::attestation::ASSISTED_BY))
                        .map(|t| t.value.clone())
                        .collect()
                },
                |s| s.assisted_by.clone(),
            ),
            understood_by,
            signer: r.signer.clone(),
            markers: hits,
            automation,
            mismatch,
            change: change_size(facts, &th),
            rationale,
        });
    }
    for (i, norm) in norms.iter().enumerate() {
        let Some(group) = norm.as_ref().and_then(|n| uses.get(n)) else { continue };
        if group.len() < 2 {
            continue;
        }
        let me = &group.iter().find(|(j, _)| *j == i).map(|(_, p)| p.clone()).unwrap_or_default();
        let others: Vec<&(usize, String)> = group.iter().filter(|(j, _)| *j != i).collect();
        let same = others.iter().any(|(_, p)| p == me);
        let ids: Vec<Oid> = others.iter().map(|(j, _)| out[*j].id).collect();
        if let Some(q) = out[i].rationale.as_mut() {
            q.reused_with = ids;
            q.reused_by_same_person = same;
        }
    }
    out
}

fn rotations(trusted: &Trusted, fingerprint: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    seen.insert(fingerprint.to_owned());
    let mut current = trusted.keyring.find_by_fingerprint(fingerprint).and_then(|(_, k)| k.succeeds.clone());
    while let Some(fpr) = current {
        if !seen.insert(fpr.clone()) {
            break;
        }
        current = trusted.keyring.find_by_fingerprint(&fpr).and_then(|(_, k)| k.succeeds.clone());
        chain.push(fpr);
    }
    chain
}

fn contributor_signals(
    repo: &Repository,
    range: &Range,
    trusted: &Trusted,
    reports: &[Report],
    commits: &[CommitSignals],
) -> Result<Vec<ContributorSignals>, Error> {
    let mut order: Vec<String> = Vec::new();
    let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in commits.iter().enumerate() {
        let key = c.author.email.to_ascii_lowercase();
        if !by_email.contains_key(&key) {
            order.push(key.clone());
        }
        by_email.entry(key).or_default().push(i);
    }
    let emails: HashSet<String> = order.iter().cloned().collect();
    let hist = history(repo, range, &emails)?;
    let mut out = Vec::with_capacity(order.len());
    for email in &order {
        let idx = &by_email[email];
        let first = &commits[idx[0]];
        let seen = hist.get(email).copied().unwrap_or_default();
        // Keys: the first signature in the range with each.
        let mut keys: Vec<KeyAge> = Vec::new();
        for &i in idx {
            let (Some(signer), Some(signed_at)) = (&commits[i].signer, reports[i].signed_at) else { continue };
            if keys.iter().any(|k| k.fingerprint == signer.fingerprint) {
                continue;
            }
            let added = trusted.keyring.find_by_fingerprint(&signer.fingerprint).and_then(|(_, k)| k.added);
            keys.push(KeyAge {
                fingerprint: signer.fingerprint.clone(),
                added: added.map(|a| a.timestamp()),
                age_days: added.map(|a| signed_at.saturating_sub(a.timestamp()).div_euclid(DAY_SECS)),
                rotations: rotations(trusted, &signer.fingerprint),
            });
        }
        let sized: Vec<(Oid, i64, usize)> =
            idx.iter().map(|&i| (commits[i].id, commits[i].author_time, commits[i].change.lines_changed())).collect();
        out.push(ContributorSignals {
            name: first.author.name.clone(),
            email: first.author.email.clone(),
            commits: idx.iter().map(|&i| commits[i].id).collect(),
            first_attested: seen.first_attested,
            earlier_attested: seen.earlier_attested,
            first_seen: seen.first_seen,
            earlier_commits: seen.earlier_commits,
            newcomer: None,
            keys,
            bursts: bursts(&sized),
            mismatches: idx.iter().filter(|&&i| commits[i].mismatch).map(|&i| commits[i].id).collect(),
            exempt: idx.iter().all(|&i| matches!(commits[i].verdict, Verdict::Exempt(_) | Verdict::Skipped(_))),
        });
    }
    Ok(out)
}

/// The rule of a commit without any attestation.
const MISSING: &str = ATTESTATION_MISSING.id;

/// How many commits shown by id in the one-line summary of unattested ones.
const UNATTESTED_SHOWN: usize = 5;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12 of 40 commits are not attested (no `Avow-Signature:`): a, b, c, d,
/// e and 7 more [attestation.missing]`.
fn unattested_summary(ids: &[Oid], total: usize) -> String {
    let shown: Vec<String> = ids.iter().take(UNATTESTED_SHOWN).map(|id| short(*id)).collect();
    let more = ids.len().saturating_sub(UNATTESTED_SHOWN);
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!(
        "{} of {total} {} {} not attested (no `Avow-Signature:` trailer): {}{tail} [{MISSING}]",
        ids.len(),
        if total == 1 { "commit" } else { "commits" },
        if ids.len() == 1 { "is" } else { "are" },
        shown.join(", ")
    )
}

fn marker_list(hits: &[MarkerHit]) -> String {
    hits.iter().map(|h| format!("{} {} `{}`", h.tool, h.kind, h.evidence)).collect::<Vec<_>>().join("; ")
}

fn rationale_message(q: &RationaleQuality, th: &Thresholds) -> String {
    let mut parts = Vec::new();
    if q.short {
        parts.push(format!("is {} characters long (under {})", q.length, th.short_rationale));
    }
    if q.repeats_subject {
        parts.push("repeats the subject".to_owned());
    }
    if let Some(p) = &q.boilerplate {
        parts.push(format!("is the boilerplate {p:?}"));
    }
    if !q.reused_with.is_empty() {
        let ids = q.reused_with.iter().map(|id| short(*id)).collect::<Vec<_>>().join(", ");
        let who = if q.reused_by_same_person { "at least one by the same person" } else { "by others" };
        parts.push(format!("is also the rationale of {ids} ({who})"));
    }
    format!("the rationale {}", parts.join("; "))
}

fn findings(signals: &Signals, branch_hits: &[MarkerHit]) -> Vec<Signal> {
    let th = &signals.thresholds;
    let mut out = Vec::new();
    let mut unattested: Vec<Oid> = Vec::new();
    for h in branch_hits {
        out.push(Signal {
            kind: SignalKind::Marker,
            commit: None,
            contributor: None,
            message: format!("the branch `{}` is named the way {} names its branches", h.evidence, h.tool),
        });
    }
    for c in &signals.commits {
        let at =
            |kind, message| Signal { kind, commit: Some(c.id), contributor: Some(c.author.email.clone()), message };
        if c.mismatch {
            out.push(at(
                SignalKind::Mismatch,
                format!("declares `Authorship: human` but carries agent markers: {}", marker_list(&c.markers)),
            ));
        } else if !c.markers.is_empty() {
            let declared = match (&c.authorship, c.assisted_by.is_empty()) {
                (Some(a), true) => format!(" (declares `Authorship: {a}`)"),
                (Some(a), false) => format!(" (declares `Authorship: {a}`, Assisted-by {})", c.assisted_by.join(", ")),
                (None, _) => " (no authorship declared)".to_owned(),
            };
            out.push(at(SignalKind::Marker, format!("agent markers: {}{declared}", marker_list(&c.markers))));
        }
        if signals.attestation_checked && c.verdict == Verdict::Rejected {
            // Unattested commits are summed up in one line below; the
            // others say what verify refuses.
            if c.problems.iter().any(|p| p.rule == MISSING) {
                unattested.push(c.id);
            } else {
                let message = match c.problems.first() {
                    None => "verify rejects it".to_owned(),
                    Some(p) if c.problems.len() == 1 => format!("verify rejects it: {} [{}]", p.message, p.rule),
                    Some(p) => {
                        format!("verify rejects it: {} [{}] (and {} more)", p.message, p.rule, c.problems.len() - 1)
                    }
                };
                out.push(at(SignalKind::Rejected, message));
            }
        }
        if !c.change.oversized.is_empty() {
            out.push(at(SignalKind::Oversized, c.change.oversized.join(", ")));
        }
        if let Some(q) = c.rationale.as_ref().filter(|q| q.is_weak()) {
            out.push(at(SignalKind::WeakRationale, rationale_message(q, th)));
        }
    }
    if !unattested.is_empty() {
        out.push(Signal {
            kind: SignalKind::Rejected,
            commit: None,
            contributor: None,
            message: unattested_summary(&unattested, signals.commits.len()),
        });
    }
    for p in &signals.contributors {
        let at = |kind, message| Signal { kind, commit: None, contributor: Some(p.email.clone()), message };
        if p.is_new(signals.attestation_checked) && !p.exempt {
            let mut message = if signals.attestation_checked {
                "no attested commit before this range".to_owned()
            } else {
                "no commit before this range".to_owned()
            };
            if signals.attestation_checked && p.earlier_commits > 0 {
                if let Some((id, t)) = p.first_seen {
                    message.push_str(&format!(
                        " ({} without attestation, first seen {} on {})",
                        plural(p.earlier_commits, "earlier commit", "earlier commits"),
                        short(id),
                        format_date(t)
                    ));
                }
            }
            if let Some((id, t)) = p.first_attested {
                message.push_str(&format!("; first attested commit {} ({})", short(id), format_date(t)));
            }
            for k in &p.keys {
                if let Some(days) = k.age_days {
                    message.push_str(&format!("; key {} added {days} days before signing", k.fingerprint));
                }
            }
            out.push(at(SignalKind::NewIdentity, message));
        }
        for b in &p.bursts {
            out.push(at(
                SignalKind::Burst,
                format!(
                    "{} commits of {}+ changed lines within {} minutes ({} to {})",
                    b.commits.len(),
                    th.burst_min_lines,
                    b.end.saturating_sub(b.start) / 60,
                    format_time(b.start),
                    format_time(b.end)
                ),
            ));
        }
    }
    out.sort_by_key(|s| s.kind);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn author_times_at_the_ends_of_i64_are_no_burst_and_no_overflow() {
        // Author dates are whatever the commit object says; a crafted one
        // can hold any i64. Far apart is far apart, not a wrapped-around
        // negative gap.
        let c: Vec<_> = (0..6u8)
            .map(|i| (oid(i), if i < 3 { i64::MIN + i64::from(i) } else { i64::MAX - i64::from(i) }, 300))
            .collect();
        assert!(bursts(&c).is_empty());
    }

    #[test]
    fn five_large_commits_within_an_hour_are_a_burst() {
        let c: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 900, 200)).collect();
        let b = bursts(&c);
        assert_eq!(b, vec![Burst { commits: (0..5).map(oid).collect(), start: 0, end: 3600 }]);
    }

    #[test]
    fn four_are_not_nor_are_five_spread_over_more_than_an_hour() {
        let four: Vec<_> = (0..4u8).map(|i| (oid(i), i64::from(i) * 60, 500)).collect();
        assert!(bursts(&four).is_empty());
        let slow: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 901, 500)).collect();
        assert!(bursts(&slow).is_empty());
    }

    #[test]
    fn small_commits_do_not_count_and_overlapping_windows_merge() {
        let mut c: Vec<_> = (0..7u8).map(|i| (oid(i), i64::from(i) * 600, 250)).collect();
        c.push((oid(9), 100, 199));
        let b = bursts(&c);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].commits, (0..7).map(oid).collect::<Vec<_>>());
        assert_eq!((b[0].start, b[0].end), (0, 3600));
    }

    #[test]
    fn two_separate_bursts() {
        let mut c: Vec<_> = (0..5u8).map(|i| (oid(i), i64::from(i) * 60, 300)).collect();
        c.extend((5..10u8).map(|i| (oid(i), 100_000 + i64::from(i) * 60, 300)));
        let b = bursts(&c);
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].commits, (5..10).map(oid).collect::<Vec<_>>());
    }

    #[test]
    fn top_level_directories_count_the_root_as_dot() {
        let paths: Vec<String> = ["README.md", "src/a.rs", "src/b/c.rs", "docs/x.md", "Cargo.toml"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(top_level_dirs(&paths), vec![".", "docs", "src"]);
    }

    #[test]
    fn subject_copies_with_and_without_area() {
        assert!(repeats_subject(&normalize("Fix the parser."), "Fix the parser"));
        assert!(repeats_subject(&normalize("fix the parser"), "parser: Fix the parser"));
        assert!(!repeats_subject(&normalize("The loop stopped early."), "Fix the parser"));
        assert!(!repeats_subject("", "Fix the parser"));
    }

    #[test]
    fn kinds_sort_most_important_first() {
        let mut sorted = SignalKind::ALL;
        sorted.sort();
        assert_eq!(sorted, SignalKind::ALL);
        assert_eq!(sorted[0].as_str(), "mismatch");
    }
}
