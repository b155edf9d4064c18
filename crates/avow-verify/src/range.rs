//! Verifying a range: the one function that decides every verdict of
//! `git avow verify` (and of `report` and the pre-push hook) — the policy's
//! adoption point, each commit's checks, the cache, and the range-level
//! rationale-reuse rule — streaming each verdict out as it is decided.
//!
//! Memory does not grow with the range's length beyond the list of its
//! commit ids: commits are verified in chunks of [`CHUNK`] on all cores,
//! each chunk's reports are handed to the caller in range order and
//! dropped, and the reuse rule keeps a 16-byte digest per distinct
//! rationale ([`ReuseCheck`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use avow_policy::policy::{ReuseCheck, Severity};
use git2::{Oid, Repository};
use rayon::prelude::*;

use crate::cache::Cache;
use crate::resolve::{adoption_exempt, Range};
use crate::trust::Trusted;
use crate::verify::{Options, Report, Verdict, Verifier};
use crate::Error;

/// Commits verified in one parallel step: the most reports that exist at
/// once.
pub const CHUNK: usize = 1024;

/// Verifies every commit of `range` against `trusted`, oldest first, and
/// hands each report to `each` as soon as its verdict is final, in the
/// range's order. `progress` is called once per verified commit (from any
/// thread). `cache`, when given, answers for the patch-id and signature
/// checks of commits it knows and learns the others. `squash_sources` are
/// the revisions a rejected commit may be the squash of
/// ([`Verifier::with_squash_sources`]); the policy's `[newcomer]` track
/// records are read here ([`crate::newcomer::track_records`]).
///
/// The verdicts are exactly those of [`Verifier::verify`] on each commit
/// (signatures checked in batches; only a rejected commit goes on to the
/// note and squash retries),
/// with the range-level rule applied: a rationale the same person gave on
/// an earlier commit of the range is reported (and, as the policy says,
/// rejects the later commit).
///
/// Turns libgit2's object cache off for the process: every object is read
/// once, and each thread's repository would otherwise hold up to 256 MiB
/// of objects it never reads again. Also turns off re-hashing every object
/// read (a tenth of the time), as git itself reads objects: they were
/// checked when they entered the repository (`git fetch`, `git
/// index-pack`), and whoever can rewrite `.git/objects` can rewrite the
/// refs under test too.
// Each argument is one independent input of a range's verdicts; a struct
// bundling them would only be unpacked here.
#[allow(clippy::too_many_arguments)]
pub fn verify_range<E: From<Error>>(
    repo: &Repository,
    range: &Range,
    trusted: &Trusted,
    options: Options,
    cache: Option<&Cache>,
    squash_sources: &[String],
    progress: &(dyn Fn() + Sync),
    mut each: impl FnMut(Report) -> Result<(), E>,
) -> Result<(), E> {
    let exempt = match trusted.policy.adoption_since() {
        Some(since) => adoption_exempt(repo, since, range.base)?,
        None => HashSet::new(),
    };
    let records = crate::newcomer::track_records(repo, trusted, range)?;
    let mut verifier = Verifier::new(trusted, exempt, options).with_squash_sources(squash_sources.to_vec());
    if let Some(r) = &records {
        verifier = verifier.with_newcomers(r);
    }
    if let Some(c) = cache {
        verifier = verifier.with_cache(c);
    }
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    let git_dir = repo.path();
    let mut reuse = ReuseCheck::new(&trusted.policy);
    for chunk in range.commits.chunks(CHUNK) {
        // Each task verifies one signature batch's worth of commits.
        let done: Vec<Result<Vec<Report>, Error>> = chunk
            .par_chunks(avow_sign::BATCH)
            .map(|ids| {
                with_repo(git_dir, |repo| {
                    let reports = verifier.verify_commits(repo, ids)?;
                    for _ in ids {
                        progress();
                    }
                    Ok(reports)
                })
            })
            .collect();
        for reports in done {
            for mut r in reports? {
                apply_reuse(&mut reuse, &mut r);
                each(r)?;
            }
        }
    }
    Ok(())
}

/// The range-level rule on one report, in range order: the first use of a
/// rationale is kept, every later one by the same person is reported.
fn apply_reuse(reuse: &mut ReuseCheck<Oid>, r: &mut Report) {
    if !matches!(r.verdict, Verdict::Accepted | Verdict::Rejected) {
        return;
    }
    let Some(s) = &r.statement else { return };
    if let Some(finding) = reuse.check(r.id, &s.understood_by.email, &s.rationale) {
        if finding.severity == Severity::Deny {
            r.verdict = Verdict::Rejected;
        }
        r.findings.push(finding);
    }
}

/// Runs `f` with this thread's handle on the repository at `git_dir`,
/// opened on first use.
fn with_repo<T>(git_dir: &Path, f: impl FnOnce(&Repository) -> Result<T, Error>) -> Result<T, Error> {
    thread_local! {
        static REPO: RefCell<Option<(PathBuf, Repository)>> = const { RefCell::new(None) };
    }
    REPO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(p, _)| p != git_dir) {
            let repo =
                crate::repo::open(git_dir).map_err(|e| Error::git(format!("opening {}", git_dir.display()), e))?;
            *slot = Some((git_dir.to_path_buf(), repo));
        }
        let (_, repo) = slot.as_ref().expect("just set");
        f(repo)
    })
}
