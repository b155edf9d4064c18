//! `git avow verify`: the authority. Every commit of a range against the
//! keyring and policy of a trusted revision.

use avow_verify::resolve::{resolve_ends, Ends, Range};
use avow_verify::trust::Trusted;
use avow_verify::verify::{Options, Report};
use git2::Repository;

use crate::error::{CliError, Outcome, Result};
use crate::git::{open_repo, Config};
use crate::output::{self, Format};

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
    /// Verify each signature alone, never in a batch (or set `git config
    /// avow.batch false`): verdicts then agree with `ssh-keygen -Y verify`
    /// on every signature, including one its key's holder made to pass a
    /// batch only (docs/threat-model.md, entry 102). Slower; no cache.
    #[arg(long)]
    pub no_batch: bool,
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

/// The range and the revision to trust: the range's base unless `--trust`
/// names one.
pub fn resolve(
    command: &str,
    repo: &Repository,
    range: Option<&str>,
    trust: Option<&str>,
) -> Result<(String, Range, String)> {
    let (spec, ends, trust_rev) = resolve_unwalked(command, repo, range, trust)?;
    let range = ends.walk(repo)?;
    crate::shallow::check(repo, &spec, &range)?;
    Ok((spec, range, trust_rev))
}

/// [`resolve`] without the walk: the range's ends.
fn resolve_unwalked(
    command: &str,
    repo: &Repository,
    range: Option<&str>,
    trust: Option<&str>,
) -> Result<(String, Ends, String)> {
    let spec = if let Some(r) = range {
        r.to_owned()
    } else {
        if repo.revparse_single("@{upstream}").is_err() {
            let hint = match crate::local::base_branches(repo, false).first() {
                Some(base) => format!("give a range, e.g. `git avow {command} {base}..HEAD`"),
                None => format!(
                    "give a range, BASE..HEAD; with no other branch to take as base, check this one whole against its own keyring and policy: `git avow {command} HEAD --trust HEAD`"
                ),
            };
            return Err(CliError::new("no range given and the current branch has no upstream").hint(hint));
        }
        "@{upstream}..HEAD".to_owned()
    };
    let ends = resolve_ends(repo, &spec).map_err(|e| crate::shallow::explain_unknown(repo, e))?;
    let trust_rev = match (trust, &ends.base_rev) {
        (Some(t), _) => t.to_owned(),
        (None, Some(base)) => base.clone(),
        (None, None) => {
            // The branch the work goes into, else the revision itself.
            let trust = crate::local::base_branches(repo, false).into_iter().next().unwrap_or_else(|| spec.clone());
            return Err(CliError::new(format!("`{spec}` has no base to take the keyring and policy from"))
                .hint(format!("name a trusted revision: `git avow {command} {spec} --trust {trust}`")));
        }
    };
    Ok((spec, ends, trust_rev))
}

/// The keyring and policy of `trust_rev`; a `--trust` other than the base
/// must be reachable from it through maintainer-attested `.avow/` changes.
pub fn load_trusted(
    repo: &Repository,
    base_rev: Option<&str>,
    trust_rev: &str,
    trust: Option<&str>,
) -> Result<Trusted> {
    let trusted = Trusted::load(repo, trust_rev)?;
    if let (Some(_), Some(base)) = (trust, base_rev) {
        avow_verify::chain::check(repo, base, &trusted)?;
    }
    Ok(trusted)
}

/// A range whose base is from before the project adopted avow (a release
/// check, `verify v0.9..v1.1`, across the adoption) has no keyring to trust:
/// the error's generic hint (`git avow init`, or `--trust`, which the base
/// cannot vouch for either) leads nowhere. When one commit of the range
/// added `.avow/`, the hint names the range after it, trusting its tip
/// (or the `--trust` given): the keys added after the adoption, within the
/// range, are known there, and every `.avow/` change on the way must be a
/// maintainer's (`avow_verify::chain`).
fn before_adoption(repo: &Repository, spec: &str, ends: &Ends, trust: Option<&str>, e: CliError) -> CliError {
    let (Some(base_rev), Some(base)) = (ends.base_rev.as_deref(), ends.base) else { return e };
    let Some((_, tip_rev)) = spec.split_once("..").filter(|(_, t)| !t.starts_with('.') && !t.is_empty()) else {
        return e;
    };
    if Trusted::is_adopted(repo, &base.to_string()).unwrap_or(true) {
        return e;
    }
    let has_keyring = |c: &git2::Commit<'_>| {
        c.tree().is_ok_and(|t| t.get_path(std::path::Path::new(avow_verify::trust::KEYRING_PATH)).is_ok())
    };
    let Ok(mut walk) = repo.revwalk() else { return e };
    if walk.push(ends.tip).is_err() || walk.hide(base).is_err() {
        return e;
    }
    let mut adoptions = walk
        .flatten()
        .filter_map(|id| repo.find_commit(id).ok())
        .filter(|c| has_keyring(c) && c.parents().all(|p| !has_keyring(&p)));
    let (Some(adoption), None) = (adoptions.next(), adoptions.next()) else { return e };
    let id = &adoption.id().to_string()[..12];
    let subject = adoption.summary().ok().flatten().unwrap_or_default().to_owned();
    let trust = trust.unwrap_or(tip_rev);
    e.hint(format!(
        "{base_rev} is from before this project adopted avow: {id} ({subject:?}) added .avow/; verify what came after it: `git avow verify {} --trust {}`",
        avow_verify::shell_word(&format!("{id}..{tip_rev}")),
        avow_verify::shell_word(trust)
    ))
}

/// The verifier's options that git configuration sets: `avow.batch =
/// false` (or `no_batch`, from `--no-batch`) verifies each signature alone
/// ([`Options::no_batch`]). A value git would not read as a boolean is an
/// error, not the default: it is a setting someone made to be stricter.
pub fn options_of(cfg: &Config, no_batch: bool) -> Result<Options> {
    let batch = cfg.get_bool("avow.batch")?.unwrap_or(true);
    Ok(Options { no_batch: no_batch || !batch, ..Options::default() })
}

/// Verifies a resolved range, with the range-level rules applied, and
/// collects the reports (`report` and the pre-push hook need them all).
pub fn verify_range(
    repo: &Repository,
    range: &Range,
    trusted: &Trusted,
    options: Options,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Report>> {
    let mut reports = Vec::with_capacity(range.commits.len());
    avow_verify::range::verify_range(repo, range, trusted, options, None, &[], progress, |r| {
        reports.push(r);
        Ok::<(), CliError>(())
    })?;
    Ok(reports)
}

pub fn run(args: &Args) -> Result<Outcome> {
    let repo = open_repo()?;
    // What libgit2 writes while checking merges stays in memory.
    avow_verify::repo::writes_in_memory(&repo)?;
    // The range is walked while its commits are verified
    // (`walk_and_verify`); the trust base needs only its ends.
    let (spec, ends, trust_rev) = resolve_unwalked("verify", &repo, args.range.as_deref(), args.trust.as_deref())?;
    let trusted = load_trusted(&repo, ends.base_rev.as_deref(), &trust_rev, args.trust.as_deref())
        .map_err(|e| before_adoption(&repo, &spec, &ends, args.trust.as_deref(), e))?;
    // The human form prints no trailers: leave them out of long ranges' reports.
    let drop_trailers = matches!(args.format, Format::Human);
    // GitHub annotations name a file the commit changes.
    let keep_facts = args.format == Format::Github;
    let options = Options {
        no_fast_path: args.no_fast_path,
        drop_trailers,
        keep_facts,
        ..options_of(&Config::new(Some(&repo)), args.no_batch)?
    };
    // An audit without the fast path or without batches does not take the
    // cache's word either: batched runs filled it.
    let cache = if options.no_fast_path || options.no_batch { None } else { args.cache.open(&repo, &trusted)? };
    let progress = crate::progress::Later::new("verifying");
    // Human and JSON output are written as the verdicts come, so memory
    // stays flat however long the range; GitHub and SARIF output are built
    // from all reports.
    let mut out = output::VerifyStream::new(args.format, &spec, &trusted, output::colour(), output::verbosity());
    // The first commit refused for a key the trusted keyring lacks: a key
    // a maintainer added within the range (a release check) is named after.
    let mut unknown_key = None;
    let (tip, base) = (ends.tip, ends.base);
    avow_verify::range::walk_and_verify(
        &repo,
        ends,
        &trusted,
        options,
        cache.as_ref(),
        &args.squash_source,
        |range| {
            crate::shallow::check(&repo, &spec, range)?;
            progress.start(range.commits.len());
            Ok(())
        },
        &|| progress.inc(),
        |r| {
            if unknown_key.is_none()
                && r.findings.iter().any(|f| f.rule == avow_policy::findings::SIGNATURE_UNKNOWN_KEY.id)
            {
                unknown_key = Some(r.id);
            }
            progress.suspend(|| out.push(r));
            Ok::<(), CliError>(())
        },
    )?;
    drop(progress);
    crate::cache::CacheArgs::save(cache.as_ref());
    let summary = out.finish()?;
    if args.range.is_none() && summary.total == 0 {
        nothing_since_upstream(&repo);
    }
    // Trusting the base itself, as CI does (`--trust BASE`), is the same check.
    let trusts_base = args.trust.is_none() || base == Some(trusted.commit);
    if let (Some(id), Some(base), true) = (unknown_key, base, trusts_base) {
        key_added_in_range(&repo, &spec, &trusted, id, base, tip);
    }
    Ok(if summary.rejected == 0 { Outcome::Ok } else { Outcome::Failed })
}

/// A commit refused for a key the base's keyring lacks, where a commit of
/// the range adds the key — a maintainer's key rotation, a contributor
/// added — and `--trust TIP` would be accepted (every `.avow/` change on
/// the way a maintainer's, [`avow_verify::chain`]). Trust comes from the
/// base only (docs/keyring.md, "Changes to the keyring inside a range"):
/// name the two ways that verify — land the commit that adds the key
/// first, for work not merged yet; the keyring the tip shipped with, for
/// history already merged. An adder that was moved from where it was
/// signed (rebased or cherry-picked: a replay, entry 140) is named so.
fn key_added_in_range(
    repo: &Repository,
    spec: &str,
    trusted: &Trusted,
    id: git2::Oid,
    base: git2::Oid,
    tip: git2::Oid,
) {
    let Some((base_rev, tip_rev)) = spec.split_once("..").filter(|(_, t)| !t.is_empty() && !t.starts_with('.')) else {
        return;
    };
    let Some(key) = crate::git::signing_key(repo, id) else { return };
    let Ok(at_tip) = Trusted::load(repo, &tip.to_string()) else { return };
    if at_tip.keyring.find_by_key(&key).is_none() || avow_verify::chain::check(repo, &trusted.rev, &at_tip).is_err() {
        return;
    }
    let short = |id: git2::Oid| id.to_string()[..12].to_owned();
    let Some(adder) = avow_verify::chain::key_added_by(repo, base, id, &key) else { return };
    let subject =
        repo.find_commit(adder).ok().and_then(|c| c.summary().ok().flatten().map(str::to_owned)).unwrap_or_default();
    let moved = if avow_verify::chain::at_signed_trees(repo, adder) {
        ""
    } else {
        " — it was moved here from where its maintainer signed it (rebased or cherry-picked): make sure they made it for this branch —"
    };
    // A remote-tracking base names the branch to land it on.
    let remote = base_rev.split_once('/').filter(|(r, _)| repo.find_remote(r).is_ok());
    let land = match remote.filter(|_| repo.find_reference(&format!("refs/remotes/{base_rev}")).is_ok()) {
        Some((remote, branch)) => format!(
            "`git push {} {}:refs/heads/{} && git fetch {}` (or a pull request of its own)",
            avow_verify::shell_word(remote),
            short(adder),
            avow_verify::shell_word(branch),
            avow_verify::shell_word(remote)
        ),
        None => "a pull request of its own or a push of it to the target branch".to_owned(),
    };
    crate::output::errln!(
        "avow: note: the key of {} is added by {} ({subject:?}) within the range{moved} and a key counts only once the commit adding it is in the trusted base. For work not merged yet (a pull request), land that commit first, alone: {land}; then run this check again; to judge history already merged (a release) against the keyring it shipped with: `git avow verify {} --trust {}`",
        short(id),
        short(adder),
        avow_verify::shell_word(spec),
        avow_verify::shell_word(tip_rev)
    );
}

/// The default range was empty: HEAD is its upstream — for a topic branch
/// just pushed (`git push -u origin topic`), the contributor's own copy.
/// Nothing was checked, so name the range a pull request is checked on.
fn nothing_since_upstream(repo: &Repository) {
    let upstream = crate::local::base_branches(repo, true).into_iter().next();
    let bases = crate::local::base_branches(repo, false);
    if let Some(base) = bases.iter().find(|b| Some(*b) != upstream.as_ref()) {
        crate::output::errln!(
            "avow: note: HEAD is where its upstream ({}) is: nothing was checked; to check the branch as a pull request into {base} is: `git avow verify {}`",
            upstream.as_deref().unwrap_or("@{upstream}"),
            avow_verify::shell_word(&format!("{base}..HEAD"))
        );
    }
}
