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
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

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
    std::thread::scope(|scope| {
        let _closed = Closed(&pool);
        hand_out(scope, &pool, range, Vec::new(), each)
    })
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
    std::thread::scope(|scope| {
        let _closed = Closed(&pool);
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
                ahead.push(pool.submit(scope, batch, true));
            }
        });
        let range = if let Some(ids) = linear {
            ends.with(ids)
        } else {
            // Not a linear range: what was verified ahead is dropped, and
            // the batches not started yet are not verified.
            pool.drop_ahead();
            ahead.clear();
            ends.walk_libgit2(repo)?
        };
        if let Err(e) = walked(&range) {
            pool.close();
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

/// A batch handed to the pool: its place in the order batches were handed
/// over, by which its reports are taken ([`Pool::take`]).
type Ticket = usize;

/// The threads that verify a range's batches: the calling thread and
/// [`threads`] − 1 others. Batches wait in one queue, each a whole
/// signature batch ([`avow_sign::BATCH`] commits), and their reports in
/// one table until the calling thread takes them, in range order; the
/// calling thread, waiting for the batch whose reports come next, verifies
/// that batch itself when no thread has started it, or another one, rather
/// than sleep. A thread sleeps only when the queue is empty and is woken
/// only when a batch comes: a handful of wake-ups per range, not one per
/// batch or per commit (on a virtual machine every wake-up of an idle core
/// costs far more than taking a lock nobody holds). With one core, no
/// thread is started and the calling thread verifies every batch.
struct Pool<'a, 't> {
    verifier: &'a Verifier<'t>,
    trusted: &'a Trusted,
    git_dir: &'a Path,
    progress: &'a (dyn Fn() + Sync),
    state: Mutex<State>,
    /// Signalled when a batch is queued or the pool is closed.
    queued: Condvar,
    /// Signalled when a batch the calling thread waits for is done.
    done: Condvar,
}

/// The batch at hand.
struct Task {
    ticket: Ticket,
    ids: Vec<Oid>,
    /// Verified while the walk goes on ([`walk_and_verify`]).
    ahead: bool,
}

#[derive(Default)]
struct State {
    /// Batches not started yet, oldest handed over first.
    queue: VecDeque<Task>,
    /// Reports of the batches done and not taken yet; `None` for a batch
    /// whose thread panicked (the scope raises the panic when it ends).
    done: HashMap<Ticket, Option<Result<Vec<Report>, Error>>>,
    /// The next ticket.
    next: Ticket,
    /// Whether the other threads were started.
    started: bool,
    /// Threads waiting for a batch.
    idle: usize,
    /// The batch the calling thread waits for, asleep.
    waiting: Option<Ticket>,
    /// Set when no batch comes any more: the threads end once idle.
    closed: bool,
    /// Set when the reports of the batches verified ahead are not wanted.
    dropped: bool,
}

/// How many threads verify a range, the calling one included: one per
/// core this process may run on, or `RAYON_NUM_THREADS` when set to a
/// number (the variable avow has always taken for it).
fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

impl<'a, 't> Pool<'a, 't> {
    fn new(
        verifier: &'a Verifier<'t>,
        trusted: &'a Trusted,
        git_dir: &'a Path,
        progress: &'a (dyn Fn() + Sync),
    ) -> Self {
        Pool {
            verifier,
            trusted,
            git_dir,
            progress,
            state: Mutex::new(State::default()),
            queued: Condvar::new(),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `ids` (one signature batch's worth) for verification; `ahead`
    /// when they are verified while the walk goes on. The other threads
    /// start with the first batch verified ahead, or else the second: a
    /// range of one batch is verified on the calling thread alone.
    fn submit<'s>(&'s self, scope: &'s std::thread::Scope<'s, '_>, ids: Vec<Oid>, ahead: bool) -> Ticket
    where
        'a: 's,
    {
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        state.queue.push_back(Task { ticket, ids, ahead });
        if state.idle > 0 {
            self.queued.notify_one();
        }
        if (ahead || ticket == 1) && !state.started {
            state.started = true;
            drop(state);
            for _ in 1..threads() {
                // Fewer threads when the system gives none: the calling
                // thread verifies what they would have.
                _ = std::thread::Builder::new().name("avow-verify".into()).spawn_scoped(scope, || self.work());
            }
        }
        ticket
    }

    /// A thread of the pool: verifies queued batches until the pool closes.
    fn work(&self) {
        let _reserved = reserve_heap();
        let mut state = self.lock();
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                let guard = Panicked(self, &task);
                let reports = self.verify(&task.ids);
                std::mem::forget(guard);
                state = self.lock();
                self.finish(&mut state, &task, Some(reports));
            } else if state.closed {
                return;
            } else {
                state.idle += 1;
                state = self.queued.wait(state).unwrap_or_else(PoisonError::into_inner);
                state.idle -= 1;
            }
        }
    }

    /// Keeps the reports of `task` for the calling thread (`None`: its
    /// thread panicked), and wakes it if it waits for them.
    fn finish(&self, state: &mut State, task: &Task, reports: Option<Result<Vec<Report>, Error>>) {
        if !(task.ahead && state.dropped) {
            state.done.insert(task.ticket, reports);
        }
        if state.waiting == Some(task.ticket) {
            self.done.notify_one();
        }
    }

    /// The reports of the batch `ticket`, once done; on the calling thread,
    /// which verifies batches meanwhile (that one first) rather than wait.
    /// `None` when a thread panicked.
    fn take(&self, ticket: Ticket) -> Option<Result<Vec<Report>, Error>> {
        let mut state = self.lock();
        loop {
            if let Some(reports) = state.done.remove(&ticket) {
                return reports;
            }
            let at = state.queue.iter().position(|t| t.ticket == ticket).unwrap_or(0);
            if let Some(task) = state.queue.remove(at) {
                drop(state);
                let reports = self.verify(&task.ids);
                state = self.lock();
                self.finish(&mut state, &task, Some(reports));
            } else {
                state.waiting = Some(ticket);
                state = self.done.wait(state).unwrap_or_else(PoisonError::into_inner);
                state.waiting = None;
            }
        }
    }

    /// The batches verified ahead are not wanted: those not started are
    /// not verified, and no reports are kept for the others.
    fn drop_ahead(&self) {
        let mut state = self.lock();
        state.dropped = true;
        state.queue.retain(|t| !t.ahead);
        state.done.clear();
    }

    /// No batch comes any more: the batches not started are not verified,
    /// and the threads end.
    fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.queue.clear();
        if state.idle > 0 {
            self.queued.notify_all();
        }
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

/// Bytes of heap a verifying thread other than the calling one reserves
/// when it starts ([`reserve_heap`]): about what it holds at most over a
/// range of 1,000 commits or more (2.4 MB measured at 1,000).
const HEAP_RESERVE: usize = 4 << 20;

/// Grows this thread's malloc arena by [`HEAP_RESERVE`] at once, and gives
/// all of it but the returned block back, untouched. glibc's malloc gives
/// every thread but the first an arena of its own, reserved without access
/// and made accessible (`mprotect`) as it grows, a page or two at a time:
/// about 330 calls per 1,000 commits, each a system call that splits or
/// merges the process's mappings. An arena stays accessible as far as it
/// ever grew, so after this it grows without them. The returned block, the
/// arena's last, is kept until the thread ends: freed, it would join the
/// others to a free top larger than [`avow_mwindow::TRIM_THRESHOLD`], which
/// malloc would give back to the kernel at once (`madvise`), and the pages
/// it wrote its bookkeeping on would fault again. Nothing else is touched:
/// no page is made resident that the verification would not touch anyway.
/// Blocks are smaller than [`avow_mwindow::MMAP_THRESHOLD`], which malloc
/// would map by themselves instead. Elsewhere than on glibc it is a few
/// allocations given back at once, and one kept.
fn reserve_heap() -> Vec<u8> {
    const BLOCK: usize = 256 << 10;
    const _: () = assert!(BLOCK < avow_mwindow::MMAP_THRESHOLD.unsigned_abs() as usize);
    let mut blocks: Vec<Vec<u8>> = (0..HEAP_RESERVE / BLOCK).map(|_| Vec::with_capacity(BLOCK)).collect();
    let last = blocks.pop().unwrap_or_default();
    for b in blocks {
        drop(std::hint::black_box(b));
    }
    std::hint::black_box(last)
}

/// Closes the pool when dropped, before its scope waits for the threads:
/// also when the calling thread returns early or panics.
struct Closed<'p, 'a, 't>(&'p Pool<'a, 't>);

impl Drop for Closed<'_, '_, '_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Tells the calling thread, when dropped while a thread of the pool
/// unwinds, that the batch it verified never comes.
struct Panicked<'p, 'a, 't>(&'p Pool<'a, 't>, &'p Task);

impl Drop for Panicked<'_, '_, '_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        self.0.finish(&mut state, self.1, None);
    }
}

/// Verifies the commits of `range` before the ones `ahead` answers for (the
/// range's end, verified already or being verified, its last batch first)
/// and hands every report to `each` in range order, with the reuse rule
/// applied.
fn hand_out<'s, E: From<Error>>(
    scope: &'s std::thread::Scope<'s, '_>,
    pool: &'s Pool<'s, '_>,
    range: &Range,
    mut ahead: Vec<Ticket>,
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
    // Each batch is one signature batch's worth of commits; this thread
    // hands their reports out in range order as each batch is done, while
    // the other threads go on with the batches after it (no barrier: a
    // core never waits for the other to finish a chunk, nor for the reports
    // to be written). At most `CHUNK` commits are in flight besides those
    // verified ahead.
    // Every batch verified ahead is a whole one.
    let before = range.commits.len() - ahead.len() * avow_sign::BATCH;
    let mut batches = range.commits.chunks_until(avow_sign::BATCH, before);
    let mut in_flight = VecDeque::new();
    loop {
        while in_flight.len() < CHUNK / avow_sign::BATCH {
            if let Some(ids) = batches.next() {
                in_flight.push_back(pool.submit(scope, ids, false));
            } else if let Some(ticket) = ahead.pop() {
                in_flight.push_back(ticket);
            } else {
                break;
            }
        }
        let Some(ticket) = in_flight.pop_front() else { return Ok(()) };
        // Only a thread that panicked gives nothing; the scope raises its
        // panic when it ends.
        let Some(reports) = pool.take(ticket) else { return Ok(()) };
        let emitted = reports.map_err(E::from).and_then(|reports| {
            reports.into_iter().try_for_each(|mut r| {
                apply_reuse(&mut reuse, at, &mut r, &range.commits, earlier).map_err(E::from)?;
                at += 1;
                each(r)
            })
        });
        if emitted.is_err() {
            // The batches not started yet need not be verified.
            pool.close();
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
