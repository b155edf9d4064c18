//! What the report says about one commit: its agent markers, the size and
//! spread of its change, and the quality of its rationale (reuse across the
//! range included).

use std::collections::{BTreeSet, HashMap};

use avow_core::attestation::{Authorship, AUTHORSHIP, RATIONALE};
use avow_core::trailer::Trailer;
use avow_policy::facts::{CommitFacts, Ident};
use avow_policy::findings::{Finding, Severity};
use avow_policy::markers::{MarkerHit, Markers};
use avow_policy::policy::{normalize, repeats_subject, visible_len, Policy, DEFAULT_BOILERPLATE};
use git2::Oid;

use super::{Thresholds, ROOT_DIR};
use crate::verify::{Report, SignerInfo, Verdict};

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

/// The distinct top-level directories of `paths`, sorted.
pub fn top_level_dirs(paths: &[String]) -> Vec<String> {
    let set: BTreeSet<&str> = paths.iter().map(|p| p.split_once('/').map_or(ROOT_DIR, |(dir, _)| dir)).collect();
    set.into_iter().map(str::to_owned).collect()
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
