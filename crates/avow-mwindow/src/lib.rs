//! The workspace's audited `unsafe` code: a call made once at start-up
//! before any thread exists, bounding how much of the pack files libgit2
//! keeps mapped ([`bound_pack_windows`]), so that verifying a long range
//! does not keep every page of the pack it touched resident; and the glue
//! that makes avow's own pack reader a libgit2 object-database backend
//! ([`odb::add_pack_reader`]), so that large packs' indexes are not
//! mapped whole either, and hands commits from the range walk to the
//! verifying threads ([`odb::Handoff`]); and glibc's malloc told to keep
//! what a verification frees for its next allocations ([`steady_heap`]).
//!
//! libgit2 reads packs through mapped windows: by default windows of
//! 1 GiB and up to 8 GiB of them mapped at once (on 64-bit systems), so a
//! verification that reads a commit and its trees from all over a 1 GB
//! pack ends with all of it mapped, and every page it touched counts in
//! its resident set. With [`WINDOW`]-sized windows and at most
//! [`MAPPED_LIMIT`] mapped, libgit2 unmaps the least recently used window
//! before mapping another (a soft limit: windows in use are never
//! unmapped).
//!
//! The limits are C globals that libgit2 reads, under its window lock,
//! whenever it maps a window; git2 exposes the setters only as `unsafe fn`
//! because they write them without that lock. This crate is the one place
//! avow calls them, and it calls them only when it can show that no other
//! thread exists (so none can be inside libgit2): the rest of the workspace
//! keeps `unsafe_code = "forbid"`.

pub mod odb;

/// The size from which glibc's malloc maps an allocation by itself
/// instead of taking it from an arena (see [`steady_heap`]).
pub const MMAP_THRESHOLD: i32 = 512 << 10;

/// Free bytes at the top of an arena that glibc's malloc keeps rather than
/// gives back to the kernel (see [`steady_heap`]).
pub const TRIM_THRESHOLD: i32 = 1 << 20;

/// Keeps the memory a verification frees for its next allocations, on
/// glibc (elsewhere it does nothing): blocks up to [`MMAP_THRESHOLD`] come
/// from the arenas, and an arena keeps up to [`TRIM_THRESHOLD`] free at
/// its top instead of returning it at once.
///
/// Each signature batch builds a table of about 80–160 KiB
/// (curve25519-dalek's lookup tables for its multi-scalar multiplication,
/// grown by doubling), then frees it. With glibc's defaults that block is
/// mapped and unmapped, or the arena grows and shrinks around it, and
/// every batch faults its pages in again, zeroed by the kernel: about a
/// fifth of the page faults and system time of `verify` over 1,000
/// commits (docs/performance.md). Setting either value also turns off
/// glibc's own adjustment of them. It can raise the peak resident set by
/// at most [`TRIM_THRESHOLD`] per arena (one per thread).
pub fn steady_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::os::raw::c_int, value: std::os::raw::c_int) -> std::os::raw::c_int;
        }
        // glibc's <malloc.h>.
        const M_TRIM_THRESHOLD: std::os::raw::c_int = -1;
        const M_MMAP_THRESHOLD: std::os::raw::c_int = -3;
        // SAFETY: `mallopt` is glibc's, declared as in <malloc.h> (two
        // ints in, an int out, no pointers); glibc documents it MT-Safe: it
        // takes the main arena's lock and sets two of malloc's tuning
        // parameters, which only decide when memory is mapped or returned,
        // never what an allocation holds.
        #[expect(unsafe_code, reason = "an audited call: see the SAFETY comment")]
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}

/// Bytes of a pack file mapped in one window.
///
/// Verification reads a commit and its trees in range order: in a
/// repacked pack that is a few places moving slowly (commits, trees, delta
/// bases), each served by one window for thousands of commits, so small
/// windows cost a few more `mmap` calls and no measurable CPU (measured
/// at 20,000 commits; docs/performance.md).
pub const WINDOW: usize = 1 << 20;

/// Bytes of pack windows mapped at once, all packs and threads together.
pub const MAPPED_LIMIT: usize = 8 << 20;

/// Sets libgit2's window size and mapped limit to [`WINDOW`] and
/// [`MAPPED_LIMIT`] when this process has a single thread (read from
/// `/proc/self/status`); returns whether it did. Call it first thing in
/// `main`. On systems without `/proc`, or with other threads already
/// running, it changes nothing: libgit2 keeps its defaults.
pub fn bound_pack_windows() -> bool {
    if !single_threaded() {
        return false;
    }
    // SAFETY: git2 asks that these setters run before any thread is
    // spawned, because they write libgit2's `git_mwindow__window_size` and
    // `git_mwindow__mapped_limit` without synchronization while other
    // threads may read them. `single_threaded()` has just seen this
    // process with one thread — this one — so no other thread exists to
    // read them, and none can start before the writes below finish, since
    // only this thread could start it. The setters take plain sizes (no
    // pointers); git2 initializes libgit2 first (behind a `Once`).
    #[expect(unsafe_code, reason = "an audited call: see the SAFETY comment")]
    unsafe {
        git2::opts::set_mwindow_size(WINDOW).is_ok() && git2::opts::set_mwindow_mapped_limit(MAPPED_LIMIT).is_ok()
    }
}

/// Whether the kernel counts one thread in this process.
fn single_threaded() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Threads:")).map(|n| n.trim() == "1"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn with_another_thread_nothing_is_set() {
        let (stop, wait) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || wait.recv());
        assert!(!super::single_threaded());
        assert!(!super::bound_pack_windows());
        drop(stop);
        let _ = other.join();
    }
}
