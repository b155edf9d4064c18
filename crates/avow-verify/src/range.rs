//! Verifying a range: the one function that decides every verdict of
//! `git avow verify` (and of `report` and the pre-push hook) — the policy's
//! adoption point, each commit's checks, the cache, and the range-level
//! rationale-reuse rule — streaming each verdict out as it is decided.
//!
//! Memory does not grow with the range's length beyond the list of its
//! commit ids: commits are verified in batches of [`avow_sign::BATCH`] on
//! all cores, at most [`CHUNK`] commits ahead of the oldest one not yet
//! handed out; each batch's reports are handed to the caller in range
//! order and dropped, and the reuse rule keeps 8 bytes per distinct
//! rationale ([`ReuseCheck`]).

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use avow_core::attestation::Statement;
use avow_policy::policy::{reuse_finding, ReuseCheck, Severity};
use git2::{Oid, Repository};

use crate::cache::Cache;
use crate::resolve::{adoption_exempt, Range};
use crate::trust::Trusted;
use crate::verify::{Options, Report, Verdict, Verifier};
use crate::walk::Ids;
use crate::Error;

/// Commits verified ahead of the oldest one not yet handed out: about the
/// most reports that exist at once.
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
    // The reuse rule numbers the range's commits with `u32`s.
    if u32::try_from(range.commits.len()).is_err() {
        return Err(E::from(Error::git("verifying".into(), git2::Error::from_str("a range of 2^32 commits or more"))));
    }
    let mut reuse = ReuseCheck::new(&trusted.policy, range.commits.len());
    let mut at = 0;
    // An earlier commit's statement, read again by verifying it again.
    let earlier = |p: u32| {
        let Some(id) = range.commits.get(p as usize) else { return Ok(None) };
        let reports = with_repo(git_dir, |repo| verifier.verify_commits(repo, &[id]))?;
        Ok(reports.first().and_then(reuse_statement).map(|s| (s.understood_by.email.clone(), s.rationale.clone())))
    };
    // Each task verifies one signature batch's worth of commits, on the
    // pool's threads; this thread hands their reports out in range order as
    // each batch is done, while the pool goes on with the batches after it
    // (no barrier: a core never waits for the other to finish a chunk, nor
    // for the reports to be written). At most `CHUNK` commits are in flight.
    let verify = |ids: &[Oid]| {
        with_repo(git_dir, |repo| {
            let reports = verifier.verify_commits(repo, ids)?;
            for _ in ids {
                progress();
            }
            Ok(reports)
        })
    };
    let stop = AtomicBool::new(false);
    let result = rayon::in_place_scope(|scope| {
        let mut batches = range.commits.chunks(avow_sign::BATCH);
        let mut in_flight = VecDeque::new();
        loop {
            while in_flight.len() < CHUNK / avow_sign::BATCH {
                let Some(ids) = batches.next() else { break };
                let (tx, rx) = mpsc::sync_channel::<Result<Vec<Report>, Error>>(1);
                let (verify, stop) = (&verify, &stop);
                scope.spawn(move |_| {
                    if !stop.load(Ordering::Relaxed) {
                        // The receiver is gone only when this thread stopped.
                        _ = tx.send(verify(&ids));
                    }
                });
                in_flight.push_back(rx);
            }
            let Some(rx) = in_flight.pop_front() else { return Ok(()) };
            // Only a task that panicked sends nothing; the scope raises its
            // panic when it ends.
            let Ok(reports) = rx.recv() else { return Ok(()) };
            let emitted = reports.map_err(E::from).and_then(|reports| {
                reports.into_iter().try_for_each(|mut r| {
                    apply_reuse(&mut reuse, at, &mut r, &range.commits, earlier).map_err(E::from)?;
                    at += 1;
                    each(r)
                })
            });
            if emitted.is_err() {
                // The tasks not started yet need not run.
                stop.store(true, Ordering::Relaxed);
                return emitted;
            }
        }
    });
    result
}

/// The range-level rule on the report of the range's commit number `at`,
/// in range order: the first use of a rationale is kept, every later one
/// by the same person is reported. `earlier` reads an earlier commit's
/// statement again when its tag matches ([`ReuseCheck`]).
fn apply_reuse(
    reuse: &mut ReuseCheck,
    at: u32,
    r: &mut Report,
    commits: &Ids,
    earlier: impl FnMut(u32) -> Result<Option<(String, String)>, Error>,
) -> Result<(), Error> {
    let Some(s) = reuse_statement(r) else { return Ok(()) };
    let Some(first) = reuse.check(at, &s.understood_by.email, &s.rationale, earlier)? else { return Ok(()) };
    let first = commits.get(first as usize).map_or_else(String::new, |id| id.to_string());
    let finding = reuse_finding(&s.understood_by.email, first);
    if finding.severity == Severity::Deny {
        r.verdict = Verdict::Rejected;
    }
    r.findings.push(finding);
    Ok(())
}

/// The statement the reuse rule takes from a report, as (email,
/// rationale): only of commits whose verdict it can change.
fn reuse_statement(r: &Report) -> Option<&Statement> {
    if matches!(r.verdict, Verdict::Accepted | Verdict::Rejected) {
        r.statement.as_ref()
    } else {
        None
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
