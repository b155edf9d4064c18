//! The workspace's audited `unsafe` code: a call made once at start-up
//! before any thread exists, bounding how much of the pack files libgit2
//! keeps mapped ([`bound_pack_windows`]), so that verifying a long range
//! does not keep every page of the pack it touched resident; and the glue
//! that makes avow's own pack reader a libgit2 object-database backend
//! ([`odb::add_pack_reader`]), so that large packs' indexes are not
//! mapped whole either.
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
