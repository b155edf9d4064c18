//! What the report says about one contributor: their history before the
//! range (attested or not), the age and rotations of the keys they signed
//! with, and bursts of large commits.

use std::collections::{HashMap, HashSet};

use avow_core::attestation::SIGNATURE;
use avow_core::trailer::{self, ParseOptions};
use git2::{Oid, Repository, Sort};

use super::{CommitSignals, BURST_MIN_COMMITS, BURST_MIN_LINES, BURST_WINDOW_SECS};
use crate::resolve::Range;
use crate::trust::Trusted;
use crate::verify::{Report, Verdict};
use crate::Error;

const DAY_SECS: i64 = 86_400;

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

pub(super) fn contributor_signals(
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
