//! What `verify` keeps resident on a large repository: the pack index is
//! read through avow's own reader (`pread`, a fan-out table per pack), not
//! through libgit2's mapping of the whole index, by every handle that reads
//! the range's commits (docs/performance.md).
//!
//! The regression this guards: after the walk beside the verification was
//! merged with avow's pack reader, the walk read the range through the
//! caller's repository handle, which libgit2 opens with the index mapped.
//! Every commit it looked up faulted in pages of that mapping, and at a
//! million commits the peak went from 43 to 154 MiB. The caller's handle
//! still maps the index (it resolves the range and reads the trusted base),
//! so what is checked is how much of that mapping is resident while the
//! commits are being verified.

use std::io::Read as _;
use std::path::Path;
use std::process::Stdio;

use crate::support::*;

/// Blobs nobody reaches, enough for one pack index over avow's own
/// reader's threshold (`OWN_READER_MIN_INDEX`, 16 MiB: 28 bytes an object
/// in a version-2 index).
const BLOBS: usize = 620_000;

/// Commits in the verified range: each one looked up in the index by
/// whatever walks it.
const COMMITS: usize = 3_000;

/// The `Rss:` of the mapping of `file` in `/proc/PID/smaps`, in KiB, or
/// `None` once the process has gone (a finished process has no mappings).
fn resident_kib(pid: u32, file: &Path) -> Option<u64> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).ok()?;
    let name = file.to_str().unwrap();
    let mut inside = false;
    let mut total = None;
    for line in smaps.lines() {
        // A mapping's header ends with its file's path; its fields follow.
        if !line.split_whitespace().next().is_some_and(|field| field.ends_with(':')) {
            inside = line.ends_with(name);
        } else if inside {
            if let Some(v) = line.strip_prefix("Rss:") {
                let kib: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap();
                *total.get_or_insert(0) += kib;
            }
        }
    }
    Some(total.unwrap_or(0))
}

#[test]
fn verify_keeps_a_large_pack_index_out_of_memory_while_it_walks() {
    let w = World::adopted("disclose");
    let mut stream = Vec::new();
    for i in 0..BLOBS {
        let data = format!("{i}\n");
        stream.extend_from_slice(format!("blob\ndata {}\n{data}\n", data.len()).as_bytes());
    }
    for i in 0..COMMITS {
        let data = format!("{i}\n");
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\ncommitter A <a@example.org> 1764000000 +0000\ndata 9\nUnsigned\n{}M 644 inline f.txt\ndata {}\n{data}\n",
                if i == 0 { "from refs/heads/main^0\n" } else { "" },
                data.len()
            )
            .as_bytes(),
        );
    }
    w.git_stdin(["fast-import", "--quiet"], &stream);
    drop(stream);
    let packs = w.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let idx_kib = std::fs::metadata(&idx).unwrap().len() / 1024;
    assert!(idx_kib >= 16 * 1024, "the index is over avow's threshold: {idx_kib} KiB");

    // Reports are printed only once the range is walked, and standard
    // output is read a little at a time, so the process stays alive and
    // blocked on its output until most of it has been read: each read is
    // followed by a look at the index's mapping.
    let mut child = w.repo.command(avow_bin()).args(["verify", "base..main"]).stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let (mut shown, mut samples, mut most) = (0_usize, 0_usize, 0_u64);
    let mut buf = [0_u8; 4096];
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        shown += n;
        if let Some(kib) = resident_kib(pid, &idx) {
            samples += 1;
            most = most.max(kib);
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "every commit of the range is unattested");
    assert!(shown > 256 * 1024, "enough output to hold the process: {shown} bytes");
    assert!(samples > 10, "the process was looked at while it ran: {samples} samples");
    // A handful of look-ups by the caller's handle fault in a few pieces
    // of the index; walking the range through it brings in most of it.
    assert!(most < idx_kib / 4, "{most} KiB of the {idx_kib} KiB index resident while verifying");
}
