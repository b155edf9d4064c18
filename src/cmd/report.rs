//! `git avow report`: what in a range deserves a careful look. Information
//! for a reviewer, not a verdict.

use avow_policy::markers::MarkerHit;
use avow_policy::text::visible;
use avow_verify::signals::{self, format_date, CommitSignals, ContributorSignals, SignalKind, Signals};
use avow_verify::trust::Trusted;
use avow_verify::verify::{Options, Verdict};
use git2::Repository;
use serde_json::{json, Value};

use crate::cmd::verify::{load_trusted, resolve, verify_range};
use crate::error::{Outcome, Result};
use crate::git::open_repo;
use crate::output::markdown::{code, md, md_message};
use crate::output::{self, colour, github, paint, short, Verbosity};
use crate::progress::Progress;

/// Report signals of autonomous generation and identity continuity.
///
/// For every commit of RANGE: the AI-agent markers it carries and whether
/// they contradict its declared authorship, the size and spread of its
/// change, the quality of its rationale, and whether its attestation
/// verifies. For every contributor: when the repository first saw them,
/// their first attested commit, their key's age and rotations, and bursts
/// of large commits. The most important findings come first (unattested
/// commits summed up in one line); `--quiet` prints only them, `--verbose`
/// adds the thresholds in force. Runs on any repository: without
/// `.avow/keyring.toml` at the trusted revision it skips attestation checks
/// and says so.
/// Exit 0 whenever a report could be made, whatever it says; 2 on errors.
/// docs/signals.md describes every signal.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commits: `BASE..TIP`, or one revision (it and its ancestors;
    /// needs --trust). Default: `@{upstream}..HEAD`.
    pub range: Option<String>,
    /// Read the keyring and policy from REV instead of the range's base.
    #[arg(long, value_name = "REV")]
    pub trust: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

/// The report's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for a person at a terminal.
    Human,
    /// One JSON document (schema in docs/signals.md).
    Json,
    /// Markdown for a pull-request comment or job summary: findings,
    /// contributors' continuity, commits folded; commit text escaped.
    Markdown,
    /// GitHub Actions workflow commands: a `::warning` per finding, and a
    /// job summary (the Markdown report) when `GITHUB_STEP_SUMMARY` is set.
    Github,
    /// A SARIF 2.1.0 log with one warning per finding.
    Sarif,
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    let (spec, range, trust_rev) = resolve("report", &repo, args.range.as_deref(), args.trust.as_deref())?;
    // A repository that has not adopted avow is reported on all the same:
    // markers, identities, bursts and sizes need no keyring.
    let adopted = Trusted::is_adopted(&repo, &trust_rev)?;
    let trusted = if adopted {
        load_trusted(&repo, &range, &trust_rev, args.trust.as_deref())?
    } else {
        Trusted::unadopted(&repo, &trust_rev)?
    };
    let options = Options {
        keep_facts: true,
        count_lines: true,
        ..crate::cmd::verify::options_of(&crate::git::Config::new(Some(&repo)), false)?
    };
    let progress = Progress::commits(range.commits.len(), "reading");
    let reports = verify_range(&repo, &range, &trusted, options, &|| progress.inc())?;
    drop(progress);
    let branch = tip_branch(&repo, &spec);
    let signals =
        signals::analyse(&repo, &range, &trusted, &reports, &trusted.policy.markers(), branch.as_deref(), adopted)?;
    let out = match args.format {
        ReportFormat::Human => human(&spec, &trusted, &signals, colour(), output::verbosity()),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&spec, &trusted, branch.as_deref(), &signals))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        ReportFormat::Markdown => markdown(&spec, &trusted, &signals),
        ReportFormat::Github => {
            github::append_step_summary(&markdown(&spec, &trusted, &signals))?;
            github_annotations(&spec, &trusted, &signals)
        }
        ReportFormat::Sarif => output::sarif::report(&spec, &trusted, &signals),
    };
    output::write_stdout(out.as_bytes())?;
    Ok(Outcome::Ok)
}

/// The branch the range's tip names (`feature` in `main..feature`, the
/// current branch for `HEAD` or an empty tip), if it is one.
fn tip_branch(repo: &Repository, spec: &str) -> Option<String> {
    let tip = spec.split_once("..").map_or(spec, |(_, b)| b);
    let reference = if tip.is_empty() || tip == "HEAD" {
        repo.head().ok()?
    } else {
        repo.resolve_reference_from_short_name(tip).ok()?
    };
    if !(reference.is_branch() || reference.is_remote()) {
        return None;
    }
    reference.name().ok().map(str::to_owned)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The human label of a finding kind, and its colour.
fn label(kind: SignalKind) -> (&'static str, &'static str) {
    match kind {
        SignalKind::Mismatch => ("MISMATCH", "31;1"),
        SignalKind::Marker => ("marker", "35"),
        SignalKind::Rejected => ("rejected", "31"),
        SignalKind::NewIdentity => ("new identity", "33"),
        SignalKind::Burst => ("burst", "33"),
        SignalKind::Oversized => ("oversized", "33"),
        SignalKind::WeakRationale => ("rationale", "33"),
    }
}

/// Where a finding points: a commit, a contributor, the branch (its name
/// is a marker) or the whole range (the unattested commits' summary).
fn subject_of(s: &signals::Signal) -> String {
    match (&s.commit, &s.contributor) {
        (Some(id), _) => short(*id),
        (None, Some(email)) => format!("<{email}>"),
        (None, None) if s.kind == SignalKind::Marker => "branch".to_owned(),
        (None, None) => "range".to_owned(),
    }
}

/// The verdict, or `unchecked` when attestations were not checked.
fn verdict_text(c: &CommitSignals, checked: bool) -> &'static str {
    if checked {
        c.verdict.as_str()
    } else {
        "unchecked"
    }
}

/// The note a report on a repository without `.avow/` starts with.
fn skipped_note(trusted: &Trusted) -> String {
    format!(
        "attestation checks skipped: there is no .avow/keyring.toml at {} (the repository has not adopted avow); markers, identities, bursts and sizes only",
        trusted.rev
    )
}

fn authorship_text(c: &CommitSignals) -> String {
    match (&c.authorship, c.assisted_by.is_empty()) {
        (Some(a), true) => a.clone(),
        (Some(a), false) => format!("{a} (Assisted-by: {})", c.assisted_by.join(", ")),
        (None, _) => "no authorship declared".to_owned(),
    }
}

fn change_text(c: &CommitSignals) -> String {
    let ch = &c.change;
    format!(
        "+{} -{}, {} in {} ({})",
        ch.lines_added,
        ch.lines_removed,
        plural(ch.files, "file", "files"),
        plural(ch.top_level.len(), "top-level directory", "top-level directories"),
        ch.top_level.join(", ")
    )
}

fn rationale_text(c: &CommitSignals) -> String {
    match &c.rationale {
        Some(q) if q.is_weak() => format!("weak rationale ({} characters)", q.length),
        Some(q) => format!("rationale {} characters", q.length),
        None => "no rationale".to_owned(),
    }
}

fn markers_text(hits: &[MarkerHit]) -> String {
    let mut tools: Vec<&str> = Vec::new();
    for h in hits {
        if !tools.contains(&h.tool.as_str()) {
            tools.push(&h.tool);
        }
    }
    tools.join(", ")
}

fn key_text(p: &ContributorSignals) -> Vec<String> {
    p.keys
        .iter()
        .map(|k| {
            let added = match (k.added, k.age_days) {
                (Some(a), Some(d)) => format!("added {}, {} before signing", format_date(a), plural_days(d)),
                _ => "no `added` date in the keyring".to_owned(),
            };
            let rotations = match k.rotations.as_slice() {
                [] => "no rotation".to_owned(),
                chain => format!("{} (succeeds {})", plural(chain.len(), "rotation", "rotations"), chain.join(" <- ")),
            };
            format!("key {} {added}; {rotations}", k.fingerprint)
        })
        .collect()
}

fn plural_days(d: i64) -> String {
    if d == 1 {
        "1 day".to_owned()
    } else {
        format!("{d} days")
    }
}

/// Continuity: when the repository first saw them, and (when attestations
/// are checked) their attested record.
fn history_text(p: &ContributorSignals, checked: bool) -> String {
    let seen = match p.first_seen {
        Some((id, t)) => format!("first seen {} ({})", short(id), format_date(t)),
        None => "first seen in this range".to_owned(),
    };
    let earlier = format!("{} before this range", plural(p.earlier_commits, "commit", "commits"));
    if !checked {
        return format!("{seen}; {earlier}");
    }
    let newcomer = match p.newcomer {
        Some((record, needed)) if record < needed => {
            format!("; newcomer: {record} of the {needed} attested commits that end the newcomer rules")
        }
        Some((_, needed)) => format!("; past the newcomer rules ({needed}+ attested commits)"),
        None => String::new(),
    };
    let first = match p.first_attested {
        Some((id, t)) => format!("first attested commit {} ({})", short(id), format_date(t)),
        None => "no attested commit".to_owned(),
    };
    format!(
        "{seen}; {earlier}; {first}; {} before this range{newcomer}",
        plural(p.earlier_attested, "attested commit", "attested commits")
    )
}

/// `report --format github`: a `::warning` per finding, then one line
/// saying how many there are.
fn github_annotations(spec: &str, trusted: &Trusted, s: &Signals) -> String {
    let mut out = String::new();
    for f in &s.findings {
        let (word, _) = label(f.kind);
        out.push_str(&github::command("warning", &format!("avow report: {word} {}", subject_of(f)), &f.message));
    }
    out.push_str(&format!(
        "avow report: {} in {} (range {spec}, trust {})\n",
        plural(s.findings.len(), "finding", "findings"),
        plural(s.commits.len(), "commit", "commits"),
        trusted.rev
    ));
    out
}

/// The human report; `--quiet` keeps only the findings, `--verbose` adds
/// the thresholds that decided them.
fn human(spec: &str, trusted: &Trusted, s: &Signals, colour: bool, verbosity: Verbosity) -> String {
    let mut out = format!(
        "avow report: {spec} (trust: {}), {} by {}\n\n",
        trusted.rev,
        plural(s.commits.len(), "commit", "commits"),
        plural(s.contributors.len(), "contributor", "contributors")
    );
    if !s.attestation_checked {
        out.push_str(&format!("{}\n\n", visible(&skipped_note(trusted))));
    }
    if verbosity == Verbosity::Verbose {
        let th = &s.thresholds;
        out.push_str(&format!(
            "thresholds: burst = {}+ commits of {}+ changed lines within {}s; oversized = over {} lines, {} files or {} top-level directories; short rationale = under {} characters\n\n",
            th.burst_min_commits,
            th.burst_min_lines,
            th.burst_window_secs,
            th.oversized_lines,
            th.oversized_files,
            th.oversized_dirs,
            th.short_rationale
        ));
    }
    if s.findings.is_empty() {
        out.push_str(
            "findings: none (no agent markers, rejected attestations, new identities, bursts, oversized changes or weak rationales)\n",
        );
    } else {
        out.push_str(&format!("findings ({}), most important first:\n", s.findings.len()));
        for f in &s.findings {
            let (word, code) = label(f.kind);
            let padded = format!("{word:<12}");
            out.push_str(&format!(
                "  {}  {}  {}\n",
                paint(colour, code, &padded),
                visible(&subject_of(f)),
                visible(&f.message)
            ));
        }
    }
    if verbosity == Verbosity::Quiet {
        return out;
    }
    if !s.contributors.is_empty() {
        out.push_str("\ncontributors:\n");
    }
    for p in &s.contributors {
        out.push_str(&format!(
            "  {} <{}>: {}; {}\n",
            visible(&p.name),
            visible(&p.email),
            plural(p.commits.len(), "commit", "commits"),
            history_text(p, s.attestation_checked)
        ));
        for k in key_text(p) {
            out.push_str(&format!("    {k}\n"));
        }
    }
    if !s.commits.is_empty() {
        out.push_str("\ncommits:\n");
    }
    for c in &s.commits {
        let mut line =
            format!("  {:<8}  {}  {}\n", verdict_text(c, s.attestation_checked), short(c.id), visible(&c.subject));
        let mut details = vec![authorship_text(c), change_text(c), rationale_text(c)];
        if !c.markers.is_empty() {
            details.push(format!(
                "{}markers: {}",
                if c.mismatch { "MISMATCH, " } else { "" },
                markers_text(&c.markers)
            ));
        }
        line.push_str(&format!("            {}\n", details.join("; ")));
        out.push_str(&line);
    }
    out
}

fn hit_json(h: &MarkerHit) -> Value {
    json!({ "tool": h.tool, "kind": h.kind, "class": h.class.as_str(), "evidence": h.evidence, "source": h.source })
}

fn commit_json(c: &CommitSignals, checked: bool) -> Value {
    let reason = match &c.verdict {
        Verdict::Exempt(w) | Verdict::Skipped(w) => Some(w.clone()),
        _ => None,
    };
    json!({
        "commit": c.id.to_string(),
        "subject": c.subject,
        "author": { "name": c.author.name, "email": c.author.email },
        "author_time": c.author_time,
        "verdict": verdict_text(c, checked),
        "reason": reason,
        // Without `.avow/` nothing was checked, so nothing is a problem.
        "problems": c.problems.iter().filter(|_| checked).map(|f| json!({"rule": f.rule, "message": f.message})).collect::<Vec<_>>(),
        "authorship": c.authorship,
        "assisted_by": c.assisted_by,
        "understood_by": c.understood_by,
        "signer": c.signer.as_ref().map(|s| json!({
            "name": s.name, "email": s.email, "role": s.role.to_string(), "fingerprint": s.fingerprint,
        })),
        "markers": c.markers.iter().map(hit_json).collect::<Vec<_>>(),
        "automation": c.automation.iter().map(hit_json).collect::<Vec<_>>(),
        "mismatch": c.mismatch,
        "change": {
            "lines_added": c.change.lines_added,
            "lines_removed": c.change.lines_removed,
            "files": c.change.files,
            "top_level_dirs": c.change.top_level,
            "oversized": c.change.oversized,
        },
        "rationale": c.rationale.as_ref().map(|q| json!({
            "length": q.length,
            "short": q.short,
            "repeats_subject": q.repeats_subject,
            "boilerplate": q.boilerplate,
            "reused_with": q.reused_with.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "reused_by_same_person": q.reused_by_same_person,
            "weak": q.is_weak(),
        })),
    })
}

fn contributor_json(p: &ContributorSignals, checked: bool) -> Value {
    json!({
        "name": p.name,
        "email": p.email,
        "commits": p.commits.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "first_attested": p.first_attested.map(|(id, t)| json!({"commit": id.to_string(), "author_time": t})),
        "earlier_attested": p.earlier_attested,
        "first_seen": p.first_seen.map(|(id, t)| json!({"commit": id.to_string(), "author_time": t})),
        "earlier_commits": p.earlier_commits,
        "newcomer": p.newcomer.map(|(record, needed)| json!({"record": record, "needed": needed, "newcomer": record < needed})),
        "new_identity": p.is_new(checked),
        "exempt": p.exempt,
        "keys": p.keys.iter().map(|k| json!({
            "fingerprint": k.fingerprint,
            "added": k.added,
            "age_days": k.age_days,
            "rotations": k.rotations,
        })).collect::<Vec<_>>(),
        "bursts": p.bursts.iter().map(|b| json!({
            "commits": b.commits.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "start": b.start,
            "end": b.end,
        })).collect::<Vec<_>>(),
        "mismatches": p.mismatches.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn to_json(spec: &str, trusted: &Trusted, branch: Option<&str>, s: &Signals) -> Value {
    let th = &s.thresholds;
    let counts: serde_json::Map<String, Value> =
        SignalKind::ALL.iter().map(|k| (k.as_str().to_owned(), json!(s.count(*k)))).collect();
    let checked = s.attestation_checked;
    json!({
        "range": spec,
        "trust": { "rev": trusted.rev, "commit": trusted.commit.to_string() },
        "attestation_checks": if checked { "done" } else { "skipped" },
        "branch": branch,
        "thresholds": {
            "burst_min_commits": th.burst_min_commits,
            "burst_min_lines": th.burst_min_lines,
            "burst_window_secs": th.burst_window_secs,
            "oversized_lines": th.oversized_lines,
            "oversized_files": th.oversized_files,
            "oversized_dirs": th.oversized_dirs,
            "short_rationale": th.short_rationale,
        },
        "summary": {
            "commits": s.commits.len(),
            "contributors": s.contributors.len(),
            "findings": counts,
        },
        "findings": s.findings.iter().map(|f| json!({
            "kind": f.kind.as_str(),
            "commit": f.commit.map(|id| id.to_string()),
            "contributor": f.contributor,
            "message": f.message,
        })).collect::<Vec<_>>(),
        "contributors": s.contributors.iter().map(|p| contributor_json(p, checked)).collect::<Vec<_>>(),
        "commits": s.commits.iter().map(|c| commit_json(c, checked)).collect::<Vec<_>>(),
    })
}

/// Markdown for a pull-request comment or a job summary: the findings
/// (mismatches and markers first, unattested commits in one line), each
/// contributor's continuity, then the commits folded away. Every string a
/// commit controls is escaped ([`md`]) or in a code span ([`code`]).
fn markdown(spec: &str, trusted: &Trusted, s: &Signals) -> String {
    let mut out = format!("### avow report for {}\n\n", code(spec));
    let source = if s.attestation_checked { "keyring and policy from" } else { "history up to" };
    out.push_str(&format!(
        "{} by {}, {source} {}. Information for the reviewer, not a verdict.\n\n",
        plural(s.commits.len(), "commit", "commits"),
        plural(s.contributors.len(), "contributor", "contributors"),
        code(&trusted.rev)
    ));
    if !s.attestation_checked {
        out.push_str(&format!(
            "> **Attestation checks skipped**: {} has no `.avow/keyring.toml` (the repository has not adopted avow); markers, identities, bursts and sizes only.\n\n",
            code(&trusted.rev)
        ));
    }
    if s.findings.is_empty() {
        out.push_str("**No findings**: no agent markers, rejected attestations, new identities, bursts, oversized changes or weak rationales.\n");
    } else {
        out.push_str(&format!("**Findings** ({}), most important first:\n\n", s.findings.len()));
        for f in &s.findings {
            let (word, _) = label(f.kind);
            let at = match (&f.commit, &f.contributor) {
                (Some(id), _) => code(&short(*id)),
                (None, Some(email)) => code(email),
                (None, None) => subject_of(f),
            };
            out.push_str(&format!("- **{word}** {at}: {}\n", md_message(&f.message)));
        }
    }
    if !s.contributors.is_empty() {
        out.push_str(if s.attestation_checked {
            "\n| contributor | commits here | first seen | earlier commits | attested before | keys |\n| --- | --- | --- | --- | --- | --- |\n"
        } else {
            "\n| contributor | commits here | first seen | earlier commits |\n| --- | --- | --- | --- |\n"
        });
    }
    for p in &s.contributors {
        let seen =
            p.first_seen.map_or_else(|| "—".to_owned(), |(id, t)| format!("{} {}", code(&short(id)), format_date(t)));
        let mut row =
            format!("| {} {} | {} | {seen} | {} |", md(&p.name), code(&p.email), p.commits.len(), p.earlier_commits);
        if s.attestation_checked {
            let keys = if p.keys.is_empty() {
                "—".to_owned()
            } else {
                p.keys
                    .iter()
                    .map(|k| match k.age_days {
                        Some(d) => format!("{} ({})", code(&k.fingerprint), plural_days(d)),
                        None => code(&k.fingerprint),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let newcomer = match p.newcomer {
                Some((record, needed)) if record < needed => format!(" (newcomer: {record} of {needed})"),
                _ => String::new(),
            };
            row.push_str(&format!(" {}{newcomer} | {keys} |", p.earlier_attested));
        }
        out.push_str(&row);
        out.push('\n');
    }
    if !s.commits.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>{}</summary>\n\n| commit | subject | author | authorship | verdict | change | markers | rationale |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
            plural(s.commits.len(), "commit", "commits")
        ));
    }
    for c in &s.commits {
        let markers = if c.markers.is_empty() {
            "—".to_owned()
        } else {
            format!("{}{}", if c.mismatch { "**mismatch**: " } else { "" }, md(&markers_text(&c.markers)))
        };
        let rationale = match &c.rationale {
            Some(q) if q.is_weak() => "weak",
            Some(_) => "ok",
            None => "—",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | +{} −{}, {} | {markers} | {rationale} |\n",
            code(&short(c.id)),
            md(&c.subject),
            md(&c.author.name),
            md(c.authorship.as_deref().unwrap_or("—")),
            verdict_text(c, s.attestation_checked),
            c.change.lines_added,
            c.change.lines_removed,
            plural(c.change.files, "file", "files"),
        ));
    }
    if !s.commits.is_empty() {
        out.push_str("\n</details>\n");
    }
    out
}
