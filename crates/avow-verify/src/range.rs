//! Verifying a range: the one function that decides every verdict of
//! `git avow verify` (and of `report` and the pre-push hook) — the policy's
//! adoption point, each commit's checks, the cache, and the range-level
//! rationale-reuse rule — streaming each verdict out as it is decided.
//!
//! Memory does not grow with the range's length beyond the list of its
//! commit ids: commits are verified in batches of [`avow_sign::BATCH`] on
//! all cores, at most [`CHUNK`] commits ahead of the oldest one not yet
//! handed out (and, by [`walk_and_verify`], the range's last [`AHEAD`]
//! while it is walked); each batch's reports are handed to the caller in
//! range order and dropped, and the reuse rule keeps 8 bytes per distinct
//! rationale ([`ReuseCheck`]).

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use avow_core::attestation::Statement;
use avow_mwindow::odb::Handoff;
use avow_policy::policy::{reuse_finding, ReuseCheck, Severity};
use git2::{Oid, Repository};

use crate::cache::Cache;
use crate::resolve::{adoption_exempt, Ends, Range};
use crate::trust::Trusted;
use crate::verify::{Options, Records, Report, Verdict, Verifier};
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
/// And tells glibc's malloc to keep what the verification frees for its
/// next allocations ([`avow_mwindow::steady_heap`]).
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
    each: impl FnMut(Report) -> Result<(), E>,
) -> Result<(), E> {
    let records = crate::newcomer::track_records(repo, trusted, range)?;
    let verifier = verifier(repo, range.base, trusted, options, cache, squash_sources, records.as_ref())?;
    let pool = Pool::new(&verifier, trusted, repo.path(), progress);
    rayon::in_place_scope(|scope| hand_out(scope, &pool, range, Vec::new(), each))
}

/// Walks the range between `ends` and verifies it, as [`resolve::Ends::walk`]
/// and then [`verify_range`] do, with the same verdicts in the same order,
/// but without waiting for the walk: a linear range ([`crate::walk::linear`])
/// is walked from the tip down, on this thread, and its first [`AHEAD`]
/// commits, the range's last, are verified on the pool meanwhile, so that
/// both cores work from the start. Their reports wait until the commits
/// before them have been handed out. `walked` is called with the range
/// once it is walked, before any report is handed out; an error from it
/// ends the verification.
///
/// A range the linear walk gives up on (a merge on the way, grafts) is
/// walked again by libgit2 and verified in its order; the commits verified
/// ahead are then verified again (at most [`AHEAD`]). So is every range when the
/// policy has `[newcomer]` rules, whose track records need the whole range
/// first.
///
/// [`resolve::Ends::walk`]: crate::resolve::Ends::walk
#[allow(clippy::too_many_arguments)]
pub fn walk_and_verify<E: From<Error>>(
    repo: &Repository,
    ends: Ends,
    trusted: &Trusted,
    options: Options,
    cache: Option<&Cache>,
    squash_sources: &[String],
    walked: impl FnOnce(&Range) -> Result<(), E>,
    progress: &(dyn Fn() + Sync),
    each: impl FnMut(Report) -> Result<(), E>,
) -> Result<(), E> {
    if trusted.policy.newcomer.is_some() {
        let range = ends.walk(repo)?;
        walked(&range)?;
        return verify_range(repo, &range, trusted, options, cache, squash_sources, progress, each);
    }
    let verifier = verifier(repo, ends.base, trusted, options, cache, squash_sources, None)?;
    let pool = Pool::new(&verifier, trusted, repo.path(), progress);
    rayon::in_place_scope(|scope| {
        // Batches of the range's end, the one nearest the tip first, each
        // in range order.
        let mut ahead = Vec::new();
        // The walk's own handle, as every verifying thread's: one from
        // `repo::open` reads a large pack through avow's reader, where the
        // caller's maps the whole pack index (docs/performance.md).
        let walking = crate::repo::open(repo.path())?;
        // The verifying threads take each commit the walk read from here
        // rather than inflating it again (`with_repo`); cleared at the end.
        let handoff = crate::repo::handoff(repo.path());
        handoff.clear();
        let _cleared = Cleared(&handoff);
        let linear = crate::walk::linear_with(&walking, ends.tip, ends.base, Some(&handoff), |ids| {
            let n = ids.len();
            if n % avow_sign::BATCH == 0 && n <= AHEAD {
                let batch: Vec<Oid> = (n - avow_sign::BATCH..n).rev().filter_map(|i| ids.get(i)).collect();
                ahead.push(pool.spawn(scope, batch, true));
            }
        });
        let range = if let Some(ids) = linear {
            ends.with(ids)
        } else {
            // Not a linear range: what was verified ahead is dropped, and
            // the batches not started yet are not verified.
            pool.dropped.store(true, Ordering::Relaxed);
            ahead.clear();
            ends.walk_libgit2(repo)?
        };
        if let Err(e) = walked(&range) {
            pool.stop.store(true, Ordering::Relaxed);
            return Err(e);
        }
        hand_out(scope, &pool, &range, ahead, each)
    })
}

/// The verifier of a range: the policy's adoption point, track records,
/// squash sources and cache.
fn verifier<'t>(
    repo: &Repository,
    base: Option<Oid>,
    trusted: &'t Trusted,
    options: Options,
    cache: Option<&'t Cache>,
    squash_sources: &[String],
    records: Option<&'t Records>,
) -> Result<Verifier<'t>, Error> {
    let exempt = match trusted.policy.adoption_since() {
        Some(since) => adoption_exempt(repo, since, base)?,
        None => HashSet::new(),
    };
    let mut verifier =
        Verifier::new(trusted, exempt, options).with_squash_sources(squash_sources.to_vec()).with_base(base);
    if let Some(r) = records {
        verifier = verifier.with_newcomers(r);
    }
    if let Some(c) = cache {
        verifier = verifier.with_cache(c);
    }
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    avow_mwindow::steady_heap();
    Ok(verifier)
}

/// Commits verified ahead while a linear range is still being walked (see
/// [`walk_and_verify`]); with the [`CHUNK`] of [`hand_out`], about the most
/// reports that exist at once.
pub const AHEAD: usize = CHUNK / 2;

/// The priority of the verifying handles' [`Handoff`] backend: before the
/// pack backends (libgit2's 1 and 2, avow's reader's 500), after the
/// in-memory one for writes (1000).
const HANDOFF_PRIORITY: i32 = 800;

/// The answer of one batch's task.
type Answer = mpsc::Receiver<Result<Vec<Report>, Error>>;

/// What the pool's tasks share.
struct Pool<'a, 't> {
    verifier: &'a Verifier<'t>,
    trusted: &'a Trusted,
    git_dir: &'a Path,
    progress: &'a (dyn Fn() + Sync),
    /// Set when the tasks not started yet need not run.
    stop: AtomicBool,
    /// Set when those of the batches verified ahead need not run.
    dropped: AtomicBool,
}

impl<'a, 't> Pool<'a, 't> {
    fn new(
        verifier: &'a Verifier<'t>,
        trusted: &'a Trusted,
        git_dir: &'a Path,
        progress: &'a (dyn Fn() + Sync),
    ) -> Self {
        Pool { verifier, trusted, git_dir, progress, stop: AtomicBool::new(false), dropped: AtomicBool::new(false) }
    }

    /// Verifies `ids` (one signature batch's worth) on a thread of the
    /// pool; `ahead` when they are verified while the walk goes on.
    fn spawn<'s>(&'s self, scope: &rayon::Scope<'s>, ids: Vec<Oid>, ahead: bool) -> Answer
    where
        'a: 's,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        scope.spawn(move |_| {
            let dropped = ahead && self.dropped.load(Ordering::Relaxed);
            if !dropped && !self.stop.load(Ordering::Relaxed) {
                // The receiver is gone only when this thread stopped.
                _ = tx.send(self.verify(&ids));
            }
        });
        rx
    }

    fn verify(&self, ids: &[Oid]) -> Result<Vec<Report>, Error> {
        with_repo(self.git_dir, |repo| {
            let reports = self.verifier.verify_commits(repo, ids)?;
            for _ in ids {
                (self.progress)();
            }
            Ok(reports)
        })
    }
}

/// Verifies the commits of `range` before the ones `ahead` answers for (the
/// range's end, verified already or being verified, its last batch first)
/// and hands every report to `each` in range order, with the reuse rule
/// applied.
fn hand_out<'s, E: From<Error>>(
    scope: &rayon::Scope<'s>,
    pool: &'s Pool<'s, '_>,
    range: &Range,
    mut ahead: Vec<Answer>,
    mut each: impl FnMut(Report) -> Result<(), E>,
) -> Result<(), E> {
    // The reuse rule numbers the range's commits with `u32`s.
    if u32::try_from(range.commits.len()).is_err() {
        return Err(E::from(Error::git("verifying".into(), git2::Error::from_str("a range of 2^32 commits or more"))));
    }
    let mut reuse = ReuseCheck::new(&pool.trusted.policy, range.commits.len());
    let mut at = 0;
    // An earlier commit's statement, read again by verifying it again.
    let earlier = |p: u32| {
        let Some(id) = range.commits.get(p as usize) else { return Ok(None) };
        let reports = with_repo(pool.git_dir, |repo| pool.verifier.verify_commits(repo, &[id]))?;
        Ok(reports.first().and_then(reuse_statement).map(|s| (s.understood_by.email.clone(), s.rationale.clone())))
    };
    // Each task verifies one signature batch's worth of commits, on the
    // pool's threads; this thread hands their reports out in range order as
    // each batch is done, while the pool goes on with the batches after it
    // (no barrier: a core never waits for the other to finish a chunk, nor
    // for the reports to be written). At most `CHUNK` commits are in flight
    // besides those verified ahead.
    // Every batch verified ahead is a whole one.
    let before = range.commits.len() - ahead.len() * avow_sign::BATCH;
    let mut batches = range.commits.chunks_until(avow_sign::BATCH, before);
    let mut in_flight = VecDeque::new();
    loop {
        while in_flight.len() < CHUNK / avow_sign::BATCH {
            if let Some(ids) = batches.next() {
                in_flight.push_back(pool.spawn(scope, ids, false));
            } else if let Some(rx) = ahead.pop() {
                in_flight.push_back(rx);
            } else {
                break;
            }
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
            pool.stop.store(true, Ordering::Relaxed);
            return emitted;
        }
    }
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

/// Clears the walk's [`Handoff`] when dropped: what the verification has
/// not taken by its end is not kept.
struct Cleared<'h>(&'h Handoff);

impl Drop for Cleared<'_> {
    fn drop(&mut self) {
        self.0.clear();
    }
}

/// Runs `f` with this thread's handle on the repository at `git_dir`,
/// opened on first use, which takes the commits the range's walk read
/// from its [`Handoff`] ([`crate::repo::handoff`]).
fn with_repo<T>(git_dir: &Path, f: impl FnOnce(&Repository) -> Result<T, Error>) -> Result<T, Error> {
    thread_local! {
        static REPO: RefCell<Option<(PathBuf, Repository)>> = const { RefCell::new(None) };
    }
    REPO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(p, _)| p != git_dir) {
            let repo = crate::repo::open(git_dir)?;
            repo.odb()
                .and_then(|odb| avow_mwindow::odb::add_handoff(&odb, crate::repo::handoff(git_dir), HANDOFF_PRIORITY))
                .map_err(|e| Error::git(format!("opening {}", git_dir.display()), e))?;
            *slot = Some((git_dir.to_path_buf(), repo));
        }
        let (_, repo) = slot.as_ref().expect("just set");
        f(repo)
    })
}
