//! avow's pack reader ([`avow_pack::Packs`]) as a libgit2 object-database
//! backend, so that libgit2 reads the objects of large packs through it
//! instead of mapping their indexes whole.
//!
//! The backend is added in front of libgit2's own (after the in-memory
//! one that takes writes) and answers only for objects of the packs it
//! was given. For anything else — an object not in those packs, one it
//! cannot read (too large, damaged, a delta against another pack), a
//! short id, a SHA-256 id — it passes, and libgit2's own backends answer
//! as before, from the same files. So the verdicts cannot depend on which
//! reader served an object: the same bytes, or libgit2's own answer.
//!
//! This is glue between C and Rust and the only place that touches
//! libgit2's backend structure; the reading itself is safe Rust in
//! avow-pack.

use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use avow_pack::{Kind, Packs};
use git2::Binding as _;
use libgit2_sys as raw;

/// The backend: libgit2's structure first (libgit2 hands the callbacks a
/// pointer to it, which is a pointer to the whole), then the reader.
#[repr(C)]
struct Backend {
    parent: raw::git_odb_backend,
    packs: Mutex<Packs>,
}

/// Adds a backend serving `packs` to `odb` at `priority` (libgit2's own
/// loose and pack backends have 1 and 2; backends with a higher priority
/// are asked first). Adds nothing when `packs` is empty.
pub fn add_pack_reader(odb: &git2::Odb<'_>, packs: Packs, priority: i32) -> Result<(), git2::Error> {
    if packs.is_empty() {
        return Ok(());
    }
    let backend = Box::new(Backend {
        parent: raw::git_odb_backend {
            version: raw::GIT_ODB_BACKEND_VERSION,
            odb: std::ptr::null_mut(),
            read: Some(read),
            read_prefix: None,
            read_header: Some(read_header),
            write: None,
            writestream: None,
            readstream: None,
            exists: Some(exists),
            exists_prefix: None,
            refresh: None,
            foreach: None,
            writepack: None,
            writemidx: None,
            freshen: None,
            free: Some(free),
        },
        packs: Mutex::new(packs),
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

/// Runs `f` on the backend's reader; `None` when it panicked or an
/// earlier call panicked while holding it (libgit2 then reads the object
/// itself).
///
/// SAFETY (for callers): `backend` is the pointer libgit2 passes to a
/// callback of a backend made by [`add_pack_reader`].
#[expect(unsafe_code, reason = "turns libgit2's backend pointer back into ours; see the callers")]
unsafe fn with_packs<T>(backend: *mut raw::git_odb_backend, f: impl FnOnce(&mut Packs) -> T) -> Option<T> {
    // SAFETY: the caller's contract: `backend` is the start of a live
    // `Backend` (repr(C), libgit2's structure first), not yet freed; only
    // a shared reference is made, and the reader behind it is reached
    // through its mutex.
    let b = unsafe { &*backend.cast::<Backend>() };
    catch_unwind(AssertUnwindSafe(|| b.packs.lock().ok().map(|mut p| f(&mut p)))).ok().flatten()
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
extern "C" fn read(
    data_p: *mut *mut c_void,
    len_p: *mut libc_size,
    type_p: *mut raw::git_object_t,
    backend: *mut raw::git_odb_backend,
    oid: *const raw::git_oid,
) -> c_int {
    // SAFETY: libgit2 calls `read` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return raw::GIT_PASSTHROUGH };
    // SAFETY: as above.
    match unsafe { with_packs(backend, |p| p.read(&id)) } {
        Some(Ok(Some(object))) => {
            // SAFETY: `backend` is live; libgit2 allocates `len` bytes (or
            // returns null) that it frees itself with the object.
            let buf = unsafe { raw::git_odb_backend_data_alloc(backend, object.data.len()) };
            if buf.is_null() {
                return raw::GIT_PASSTHROUGH;
            }
            // SAFETY: `buf` has room for `object.data.len()` bytes and does
            // not overlap `object.data`; the out-pointers are libgit2's.
            unsafe {
                std::ptr::copy_nonoverlapping(object.data.as_ptr(), buf.cast::<u8>(), object.data.len());
                *data_p = buf;
                *len_p = object.data.len();
                *type_p = object_type(object.kind);
            }
            0
        }
        Some(Ok(None)) => raw::GIT_ENOTFOUND,
        _ => raw::GIT_PASSTHROUGH,
    }
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comments")]
extern "C" fn read_header(
    len_p: *mut libc_size,
    type_p: *mut raw::git_object_t,
    backend: *mut raw::git_odb_backend,
    oid: *const raw::git_oid,
) -> c_int {
    // SAFETY: libgit2 calls `read_header` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return raw::GIT_PASSTHROUGH };
    // SAFETY: as above.
    match unsafe { with_packs(backend, |p| p.read_header(&id)) } {
        Some(Ok(Some((kind, size)))) => {
            // Below `avow_pack::MAX_OBJECT`, so it fits.
            let Ok(size) = libc_size::try_from(size) else { return raw::GIT_PASSTHROUGH };
            // SAFETY: the out-pointers are libgit2's.
            unsafe {
                *len_p = size;
                *type_p = object_type(kind);
            }
            0
        }
        Some(Ok(None)) => raw::GIT_ENOTFOUND,
        _ => raw::GIT_PASSTHROUGH,
    }
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comments")]
extern "C" fn exists(backend: *mut raw::git_odb_backend, oid: *const raw::git_oid) -> c_int {
    // SAFETY: libgit2 calls `exists` with a valid id and our backend.
    let Some(id) = (unsafe { sha1(oid) }) else { return 0 };
    // An error says "not here": libgit2 asks its own backends next.
    // SAFETY: as above.
    c_int::from(unsafe { with_packs(backend, |p| p.contains(&id)) }.and_then(Result::ok).unwrap_or(false))
}

#[expect(unsafe_code, reason = "a libgit2 backend callback; see the SAFETY comment")]
extern "C" fn free(backend: *mut raw::git_odb_backend) {
    // SAFETY: libgit2 calls `free` once, when the database that owns the
    // backend goes, with the pointer `add_pack_reader` gave it, which came
    // from `Box::into_raw` of a `Backend`.
    drop(unsafe { Box::from_raw(backend.cast::<Backend>()) });
}

/// C's `size_t` as libgit2-sys spells it.
#[allow(non_camel_case_types)]
type libc_size = usize;
