//! `git avow verify`: the authority. Every commit of a range against the
//! keyring and policy of a trusted revision.

use std::collections::HashSet;

use avow_policy::keyring::Keyring;
use avow_policy::policy::{Policy, Severity};
use avow_verify::trust::Trusted;
use avow_verify::verify::{adoption_exempt, resolve_range, Options, Report, Verdict, Verifier};
use git2::Repository;

use crate::error::{CliError, Outcome, Result};
use crate::git::open_repo;
use crate::output::{self, github, Format, RangeRun, Summary};
use crate::progress::Progress;

/// Verify the attestation of every commit in a range.
///
/// Reads `.avow/keyring.toml` and `.avow/policy.toml` from the trusted
/// revision — the range's base (`A` in `A..B`) unless `--trust` says
/// otherwise — never from the commits under test, so a change cannot vouch
/// for itself. Exit 0 when every commit is accepted, exempt or skipped; 1
/// when any is rejected.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The commits: `BASE..TIP`, or one revision (it and its ancestors;
    /// needs --trust). Default: `@{upstream}..HEAD`.
    pub range: Option<String>,
    /// Read the keyring and policy from REV instead of the range's base.
    #[arg(long, value_name = "REV")]
    pub trust: Option<String>,
    /// Output format: `github` writes workflow commands (annotations) and,
    /// when `GITHUB_STEP_SUMMARY` is set, a job summary; `sarif` a SARIF
    /// 2.1.0 log.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Recompute every change digest instead of trusting an unchanged tree
    /// binding (slower; the result is the same).
    #[arg(long)]
    pub no_fast_path: bool,
    /// A branch to check a rejected commit against as a squash of it
    /// (repeatable): accepted when its commits verify and their change
    /// together is the commit's. The forge's pull refs named in a squash's
    /// message (`refs/pull/N/head`, `refs/merge-requests/N/head`) are tried
    /// without it.
    #[arg(long, value_name = "REV")]
    pub squash_source: Vec<String>,
    #[command(flatten)]
    pub cache: crate::cache::CacheArgs,
}

/// Resolves the range and the trust base the way `verify` and `report` do;
/// `command` (`verify`, `report`) is named in the hints.
pub fn prepare(
    command: &str,
    repo: &Repository,
    range: Option<&str>,
    trust: Option<&str>,
) -> Result<(String, avow_verify::verify::Range, Trusted)> {
    let (spec, range, trust_rev) = resolve(command, repo, range, trust)?;
    let trusted = load_trusted(repo, &range, &trust_rev, trust)?;
    Ok((spec, range, trusted))
}

/// The range and the revision to trust: the range's base unless `--trust`
/// names one.
pub fn resolve(
    command: &str,
    repo: &Repository,
    range: Option<&str>,
    trust: Option<&str>,
) -> Result<(String, avow_verify::verify::Range, String)> {
    let spec = if let Some(r) = range {
        r.to_owned()
    } else {
        if repo.revparse_single("@{upstream}").is_err() {
            return Err(CliError::new("no range given and the current branch has no upstream")
                .hint(format!("give a range, e.g. `git avow {command} main..HEAD`")));
        }
        "@{upstream}..HEAD".to_owned()
    };
    let range = resolve_range(repo, &spec).map_err(|e| crate::shallow::explain_unknown(repo, e.into()))?;
    crate::shallow::check(repo, &spec, &range)?;
    let trust_rev = match (trust, &range.base_rev) {
        (Some(t), _) => t.to_owned(),
        (None, Some(base)) => base.clone(),
        (None, None) => {
            return Err(CliError::new(format!("`{spec}` has no base to take the keyring and policy from"))
                .hint(format!("name a trusted revision: `git avow {command} {spec} --trust main`")))
        }
    };
    Ok((spec, range, trust_rev))
}

/// The keyring and policy of `trust_rev`; a `--trust` other than the base
/// must be reachable from it through maintainer-attested `.avow/` changes.
pub fn load_trusted(
    repo: &Repository,
    range: &avow_verify::verify::Range,
    trust_rev: &str,
    trust: Option<&str>,
) -> Result<Trusted> {
    let trusted = Trusted::load(repo, trust_rev)?;
    if let (Some(_), Some(base)) = (trust, &range.base_rev) {
        avow_verify::chain::check(repo, base, &trusted)?;
    }
    Ok(trusted)
}

/// Verifies a resolved range, with the range-level rules applied.
pub fn verify_range(
    repo: &Repository,
    range: &avow_verify::verify::Range,
    trusted: &Trusted,
    options: Options,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Report>> {
    verify_range_cached(repo, range, trusted, options, None, &[], progress)
}

/// [`verify_range`], with the verification cache when given one.
pub fn verify_range_cached(
    repo: &Repository,
    range: &avow_verify::verify::Range,
    trusted: &Trusted,
    options: Options,
    cache: Option<&avow_verify::cache::Cache>,
    squash_sources: &[String],
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Report>> {
    let exempt = match trusted.policy.adoption_since() {
        Some(since) => adoption_exempt(repo, since, range.base)?,
        None => HashSet::new(),
    };
    let records = avow_verify::newcomer::track_records(repo, trusted, range)?;
    let mut verifier = Verifier::new(trusted, exempt, options).with_squash_sources(squash_sources.to_vec());
    if let Some(r) = &records {
        verifier = verifier.with_newcomers(r);
    }
    if let Some(c) = cache {
        verifier = verifier.with_cache(c);
    }
    let mut reports = verifier.verify_all(repo.path(), &range.commits, progress)?;
    // Range-level: the same person's rationale reused across commits.
    // Borrowed, not copied, and by object id, not its text: a long range
    // would otherwise hold every rationale twice and every id as a string.
    let reuse = trusted.policy.check_reuse(
        reports
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Accepted | Verdict::Rejected))
            .filter_map(|r| r.statement.as_ref().map(|s| (r.id, s.understood_by.email.as_str(), s.rationale.as_str()))),
    );
    // By id, not a scan per finding: reuse can flag thousands of commits.
    let index: std::collections::HashMap<git2::Oid, usize> = if reuse.is_empty() {
        std::collections::HashMap::new()
    } else {
        reports.iter().enumerate().map(|(i, r)| (r.id, i)).collect()
    };
    for (id, finding) in reuse {
        if let Some(r) = index.get(&id).map(|&i| &mut reports[i]) {
            if finding.severity == Severity::Deny {
                r.verdict = Verdict::Rejected;
            }
            r.findings.push(finding);
        }
    }
    Ok(reports)
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    let (spec, range, trusted) = prepare("verify", &repo, args.range.as_deref(), args.trust.as_deref())?;
    // The human form prints no trailers: leave them out of long ranges' reports.
    let drop_trailers = matches!(args.format, Format::Human);
    // GitHub annotations name a file the commit changes.
    let keep_facts = args.format == Format::Github;
    let options = Options { no_fast_path: args.no_fast_path, drop_trailers, keep_facts, ..Options::default() };
    // An audit without the fast path does not take the cache's word either.
    let cache = if args.no_fast_path { None } else { args.cache.open(&repo, &trusted)? };
    let progress = Progress::commits(range.commits.len(), "verifying");
    let reports =
        verify_range_cached(&repo, &range, &trusted, options, cache.as_ref(), &args.squash_source, &|| progress.inc())?;
    drop(progress);
    crate::cache::CacheArgs::save(cache.as_ref());
    let run = RangeRun { spec: &spec, trusted: &trusted, reports: &reports };
    output::write_stdout(output::verify(args.format, &run, output::colour(), output::verbosity()).as_bytes())?;
    if args.format == Format::Github {
        github::append_step_summary(&github::verify_summary(&run))?;
    }
    Ok(if Summary::of(&reports).rejected == 0 { Outcome::Ok } else { Outcome::Failed })
}

/// The post-commit self-check: does HEAD's signature match HEAD? Only the
/// mechanical part (trailers, change, signature); trust is the verifier's
/// business. Returns the first problem's rule and message.
pub fn self_check(repo: &Repository, head: &git2::Commit<'_>) -> Option<(String, String)> {
    let trusted =
        Trusted { keyring: Keyring::default(), policy: Policy::default(), rev: "HEAD".into(), commit: head.id() };
    let report = Verifier::new(&trusted, HashSet::new(), Options::default()).verify(repo, head).ok()?;
    report
        .findings
        .iter()
        .find(|f| {
            f.severity == Severity::Deny
                && (f.rule.starts_with("attestation.")
                    || f.rule.starts_with("signature.") && f.rule != "signature.unknown-key")
        })
        .map(|f| (f.rule.clone(), f.message.clone()))
}
