//! avow's pack reader ([`avow_pack::Packs`]) as a libgit2 object-database
//! backend, so that libgit2 reads the objects of large packs through it
//! instead of mapping their indexes whole; and [`Handoff`], commits one
//! thread has read already, given to the thread that reads them next.
//!
//! The pack reader's backend is added in front of libgit2's own (after
//! the in-memory one that takes writes) and answers only for objects of
//! the packs it was given. For anything else — an object not in those
//! packs, one it cannot read (too large, damaged, a delta against another
//! pack), a short id, a SHA-256 id — it passes, and libgit2's own
//! backends answer as before, from the same files. So the verdicts cannot
//! depend on which reader served an object: the same bytes, or libgit2's
//! own answer. The same holds for [`Handoff`], which holds only bytes
//! libgit2 itself read from the repository under the id they were read by.
//!
//! This is glue between C and Rust and the only place that touches
//! libgit2's backend structure; the reading itself is safe Rust in
//! avow-pack.

use std::collections::{HashMap, VecDeque};
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use avow_pack::{Kind, Packs};
use git2::Binding as _;
use libgit2_sys as raw;

/// What a backend says about one object.
enum Answer {
    /// The object: its type and content.
    Object(Kind, Vec<u8>),
    /// An object's type and length (for a header).
    Header(Kind, usize),
    /// Not in the backend's files (libgit2 asks its other backends).
    NotFound,
    /// The backend does not answer for it; libgit2 reads it itself.
    Pass,
}

/// What a backend reads objects from.
trait Source: Send + 'static {
    /// The object `id` (a SHA-1 id), read whole.
    fn read(&self, id: &[u8; 20]) -> Answer;
    /// The object `id`'s type and length.
    fn header(&self, id: &[u8; 20]) -> Answer;
    /// Whether the source holds the object `id`.
    fn exists(&self, id: &[u8; 20]) -> bool;
}

impl Source for Mutex<Packs> {
    fn read(&self, id: &[u8; 20]) -> Answer {
        match self.lock().map(|mut p| p.read(id)) {
            Ok(Ok(Some(object))) => Answer::Object(object.kind, object.data),
            Ok(Ok(None)) => Answer::NotFound,
            _ => Answer::Pass,
        }
    }

    fn header(&self, id: &[u8; 20]) -> Answer {
        // Type and size from the entry headers alone (and a delta's first
        // bytes), not the whole object.
        match self.lock().map(|mut p| p.read_header(id)) {
            Ok(Ok(Some((kind, size)))) => usize::try_from(size).map_or(Answer::Pass, |len| Answer::Header(kind, len)),
            Ok(Ok(None)) => Answer::NotFound,
            _ => Answer::Pass,
        }
    }

    fn exists(&self, id: &[u8; 20]) -> bool {
        // An error says "not here": libgit2 asks its own backends next.
        self.lock().ok().and_then(|mut p| p.contains(id).ok()).unwrap_or(false)
    }
}

/// The backend: libgit2's structure first (libgit2 hands the callbacks a
/// pointer to it, which is a pointer to the whole), then the source.
#[repr(C)]
struct Backend<S: Source> {
    parent: raw::git_odb_backend,
    source: S,
}

/// Adds a backend serving `packs` to `odb` at `priority` (libgit2's own
/// loose and pack backends have 1 and 2; backends with a higher priority
/// are asked first). Adds nothing when `packs` is empty.
pub fn add_pack_reader(odb: &git2::Odb<'_>, packs: Packs, priority: i32) -> Result<(), git2::Error> {
    if packs.is_empty() {
        return Ok(());
    }
    add_backend(odb, Mutex::new(packs), priority)
}

/// Adds a backend that serves the commits `handoff` holds to `odb` at
/// `priority`, each once (see [`Handoff`]).
pub fn add_handoff(odb: &git2::Odb<'_>, handoff: Arc<Handoff>, priority: i32) -> Result<(), git2::Error> {
    add_backend(odb, handoff, priority)
}

fn add_backend<S: Source>(odb: &git2::Odb<'_>, source: S, priority: i32) -> Result<(), git2::Error> {
    let backend = Box::new(Backend {
        parent: raw::git_odb_backend {
            version: raw::GIT_ODB_BACKEND_VERSION,
            odb: std::ptr::null_mut(),
            read: Some(read::<S>),
            read_prefix: None,
            read_header: Some(read_header::<S>),
            write: None,
            writestream: None,
            readstream: None,
            exists: Some(exists::<S>),
            exists_prefix: None,
            refresh: None,
            foreach: None,
            writepack: None,
            writemidx: None,
            freshen: None,
            free: Some(free::<S>),
        },
        source,
    });
    let ptr = Box::into_raw(backend);
    // SAFETY: `odb.raw()` is a live `git_odb` for as long as `odb` is
    // borrowed. `ptr` points to a `Backend` whose first field (repr(C)) is
    // a fully initialised `git_odb_backend` of this libgit2's version, with
    // `odb` null as `git_odb_add_backend` requires; on success libgit2 owns
    // it and calls `free` (below) exactly once when the database goes; on
    // failure it does not keep it, and it is freed here.
    #[expect(unsafe_code, reason = "an audited call: see the SAFETY comment")]
    let rc = unsafe { raw::git_odb_add_backend(odb.raw(), ptr.cast::<raw::git_odb_backend>(), priority) };
    if rc < 0 {
        // SAFETY: libgit2 refused the backend and kept no pointer to it;
        // `ptr` came from `Box::into_raw` above and is freed once.
        #[expect(unsafe_code, reason = "an audited call: see the SAFETY comment")]
        drop(unsafe { Box::from_raw(ptr) });
        return Err(git2::Error::last_error(rc));
    }
    Ok(())
}

/// Commits read whole once already, kept for the next reader of each.
///
/// `git avow verify` walks a range on one thread (reading each commit to
/// find its parent) while other threads verify it, reading each commit
/// again: inflating a commit is most of what either read costs. The walk
/// puts the bytes it read here ([`Handoff::put`]), and the verifying
/// threads' repository handles, with [`add_handoff`], take them from here
/// instead of inflating them again: each commit is given out once, then
/// forgotten; a commit not here is read by libgit2 as before.
///
/// Only what libgit2 read from the repository goes in, under the id it
/// was read by, so a read served from here gives the same bytes as
/// libgit2 would (objects are named by their content). It holds at most
/// [`Handoff::MAX_COMMITS`] commits and [`Handoff::MAX_BYTES`] bytes: when
/// full, the commits put in first are dropped (a walk from the tip down
/// meets last the commits verified first).
#[derive(Debug, Default)]
pub struct Handoff {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    commits: HashMap<[u8; 20], Box<[u8]>>,
    /// Ids in the order they were put (some given out already).
    order: VecDeque<[u8; 20]>,
    bytes: usize,
}

impl Handoff {
    /// The most commits held at once.
    pub const MAX_COMMITS: usize = 1024;
    /// The most bytes held at once (commits' contents).
    pub const MAX_BYTES: usize = 2 << 20;
    /// The largest commit held.
    pub const MAX_COMMIT: usize = 64 << 10;

    /// Keeps `data`, the content of the commit `id` as libgit2 read it from
    /// the repository, for the next read of `id`; nothing for another id
    /// format or a commit over [`Handoff::MAX_COMMIT`] bytes.
    pub fn put(&self, id: &[u8], data: &[u8]) {
        let (Ok(id), true) = (<[u8; 20]>::try_from(id), data.len() <= Self::MAX_COMMIT) else { return };
        let Ok(mut kept) = self.kept.lock() else { return };
        let kept = &mut *kept;
        while kept.commits.len() >= Self::MAX_COMMITS || kept.bytes + data.len() > Self::MAX_BYTES {
            let Some(old) = kept.order.pop_front() else { break };
            if let Some(d) = kept.commits.remove(&old) {
                kept.bytes -= d.len();
            }
        }
        if let Some(d) = kept.commits.insert(id, data.into()) {
            kept.bytes -= d.len();
        }
        kept.bytes += data.len();
        kept.order.push_back(id);
        // Ids given out already stay in `order` until they come first;
        // keep it from growing past twice the commits held.
        if kept.order.len() > 2 * Self::MAX_COMMITS {
            let Kept { commits, order, .. } = kept;
            order.retain(|i| commits.contains_key(i));
        }
    }

    /// The commit `id`, given out once.
    fn take(&self, id: &[u8; 20]) -> Option<Box<[u8]>> {
        let mut kept = self.kept.lock().ok()?;
        let data = kept.commits.remove(id)?;
        kept.bytes -= data.len();
        Some(data)
    }

    /// Drops every commit held.
    pub fn clear(&self) {
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Kept::default();
        }
    }

    /// How many commits are held.
    pub fn len(&self) -> usize {
        self.kept.lock().map_or(0, |k| k.commits.len())
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Source for Arc<Handoff> {
    fn read(&self, id: &[u8; 20]) -> Answer {
        self.take(id).map_or(Answer::Pass, |data| Answer::Object(Kind::Commit, data.into_vec()))
    }

    // Not found, not a pass, when not held: libgit2 answers a header
    // that no backend passes on with "cannot read header", as it did
    // before this backend was added, rather than with a whole read.
    fn header(&self, id: &[u8; 20]) -> Answer {
        self.kept
            .lock()
            .ok()
            .and_then(|k| k.commits.get(id).map(|d| Answer::Header(Kind::Commit, d.len())))
            .unwrap_or(Answer::NotFound)
    }

    fn exists(&self, _: &[u8; 20]) -> bool {
        false
    }
}

/// The SHA-1 id libgit2 asks for, or `None` for another format.
///
/// SAFETY (for callers): `oid` is the valid `git_oid` libgit2 passes to a
/// backend callback.
#[expect(unsafe_code, reason = "reads the id libgit2 passes; see the callers")]
unsafe fn sha1(oid: *const raw::git_oid) -> Option<[u8; 20]> {
    // SAFETY: the caller's contract: `oid` points to a live `git_oid`.
    let oid = unsafe { &*oid };
    // GIT_OID_SHA1
    if oid.kind != 1 {
        return None;
    }
    oid.id[..20].try_into().ok()
}

/// Runs `f` on the backend's source; `None` when it panicked (libgit2
/// then reads the object itself).
///
/// SAFETY (for callers): `backend` is the pointer libgit2 passes to a
/// callback of a backend made by [`add_backend`] with a source of type `S`.
#[expect(unsafe_code, reason = "turns libgit2's backend pointer back into ours; see the callers")]
unsafe fn with_source<S: Source, T>(backend: *mut raw::git_odb_backend, f: impl FnOnce(&S) -> T) -> Option<T> {
    // SAFETY: the caller's contract: `backend` is the start of a live
    // `Backend<S>` (repr(C), libgit2's structure first), not yet freed;
    // only a shared reference is made, and the source behind it is
    // reached through its lock.
    let b = unsafe { &*backend.cast::<Backend<S>>() };
    catch_unwind(AssertUnwindSafe(|| f(&b.source))).ok()
}

fn object_type(kind: Kind) -> raw::git_object_t {
    match kind {
        Kind::Commit => raw::GIT_OBJECT_COMMIT,
        Kind::Tree => raw::GIT_OBJECT_TREE,
        Kind::Blob => raw::GIT_OBJECT_BLOB,
        Kind::Tag => raw::GIT_OBJECT_TAG,
    }
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comments")]
extern "C" fn read<S: Source>(
    data_p: *mut *mut c_void,
    len_p: *mut libc_size,
    type_p: *mut raw::git_object_t,
    backend: *mut raw::git_odb_backend,
    oid: *const raw::git_oid,
) -> c_int {
    // SAFETY: libgit2 calls `read` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return raw::GIT_PASSTHROUGH };
    // SAFETY: as above.
    match unsafe { with_source::<S, _>(backend, |s| s.read(&id)) } {
        Some(Answer::Object(kind, data)) => {
            // SAFETY: `backend` is live; libgit2 allocates `len` bytes (or
            // returns null) that it frees itself with the object.
            let buf = unsafe { raw::git_odb_backend_data_alloc(backend, data.len()) };
            if buf.is_null() {
                return raw::GIT_PASSTHROUGH;
            }
            // SAFETY: `buf` has room for `data.len()` bytes and does not
            // overlap `data`; the out-pointers are libgit2's.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), data.len());
                *data_p = buf;
                *len_p = data.len();
                *type_p = object_type(kind);
            }
            0
        }
        Some(Answer::NotFound) => raw::GIT_ENOTFOUND,
        _ => raw::GIT_PASSTHROUGH,
    }
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comments")]
extern "C" fn read_header<S: Source>(
    len_p: *mut libc_size,
    type_p: *mut raw::git_object_t,
    backend: *mut raw::git_odb_backend,
    oid: *const raw::git_oid,
) -> c_int {
    // SAFETY: libgit2 calls `read_header` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return raw::GIT_PASSTHROUGH };
    // SAFETY: as above.
    let (kind, len) = match unsafe { with_source::<S, _>(backend, |s| s.header(&id)) } {
        Some(Answer::Object(kind, data)) => (kind, data.len()),
        Some(Answer::Header(kind, len)) => (kind, len),
        Some(Answer::NotFound) => return raw::GIT_ENOTFOUND,
        _ => return raw::GIT_PASSTHROUGH,
    };
    // SAFETY: the out-pointers are libgit2's.
    unsafe {
        *len_p = len;
        *type_p = object_type(kind);
    }
    0
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comments")]
extern "C" fn exists<S: Source>(backend: *mut raw::git_odb_backend, oid: *const raw::git_oid) -> c_int {
    // SAFETY: libgit2 calls `exists` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return 0 };
    // SAFETY: as above.
    c_int::from(unsafe { with_source::<S, _>(backend, |s| s.exists(&id)) }.unwrap_or(false))
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comment")]
extern "C" fn free<S: Source>(backend: *mut raw::git_odb_backend) {
    // SAFETY: libgit2 calls `free` once, when the database that owns the
    // backend goes, with the pointer `add_backend` gave it, which came
    // from `Box::into_raw` of a `Backend<S>`.
    drop(unsafe { Box::from_raw(backend.cast::<Backend<S>>()) });
}

/// C's `size_t` as libgit2-sys spells it.
#[allow(non_camel_case_types)]
type libc_size = usize;

#[cfg(test)]
mod tests {
    use super::Handoff;

    fn id(n: usize) -> [u8; 20] {
        let mut id = [0_u8; 20];
        id[..8].copy_from_slice(&(n as u64).to_le_bytes());
        id
    }

    #[test]
    fn a_commit_is_given_out_once() {
        let h = Handoff::default();
        h.put(&id(1), b"tree x\n");
        assert_eq!(h.len(), 1);
        assert_eq!(h.take(&id(1)).as_deref(), Some(&b"tree x\n"[..]));
        assert_eq!(h.take(&id(1)), None);
        assert!(h.is_empty());
        // Not a SHA-1 id, or too large: not kept.
        h.put(&[1; 32], b"x");
        h.put(&id(2), &vec![0; Handoff::MAX_COMMIT + 1]);
        assert!(h.is_empty());
    }

    #[test]
    fn when_full_the_first_put_goes_first() {
        let h = Handoff::default();
        for n in 0..Handoff::MAX_COMMITS + 10 {
            h.put(&id(n), b"c");
        }
        assert_eq!(h.len(), Handoff::MAX_COMMITS);
        assert_eq!(h.take(&id(9)), None);
        assert!(h.take(&id(10)).is_some());
        assert!(h.take(&id(Handoff::MAX_COMMITS + 9)).is_some());
        // Bytes are bounded too, and given-out ids do not pile up.
        let big = vec![7; Handoff::MAX_COMMIT];
        for n in 0..10 * Handoff::MAX_COMMITS {
            h.put(&id(n), &big);
            if n % 2 == 0 {
                h.take(&id(n));
            }
        }
        let kept = h.kept.lock().unwrap();
        assert!(kept.bytes <= Handoff::MAX_BYTES);
        assert_eq!(kept.bytes, kept.commits.values().map(|d| d.len()).sum::<usize>());
        assert!(kept.order.len() <= 2 * Handoff::MAX_COMMITS + 1);
        drop(kept);
        h.clear();
        assert!(h.is_empty());
    }
}
