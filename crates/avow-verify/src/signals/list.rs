//! The list of [`Signal`]s a reviewer reads first, most important kind
//! first: one line each, with the unattested commits summed up in one.

use avow_policy::findings::ATTESTATION_MISSING;
use avow_policy::markers::MarkerHit;
use git2::Oid;

use super::{format_date, format_time, RationaleQuality, Signal, SignalKind, Signals, Thresholds};
use crate::verify::Verdict;

fn short(id: Oid) -> String {
    id.to_string()[..12].to_owned()
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

pub(super) fn findings(signals: &Signals, branch_hits: &[MarkerHit]) -> Vec<Signal> {
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
