//! The commit-msg hook's record of the key files it has read in full
//! (`avow_sign::CheckedKeys`), in `.git/avow/checked-keys`: the SHA-256 of
//! each file's bytes, so that the same unchanged key is not checked again
//! at every commit (crates/avow-sign/src/checked.rs says what is skipped
//! and why that is safe). A changed key file has a new digest and is read
//! in full; a damaged or missing record only means reading in full.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use avow_sign::{CheckedKeys, KeyDigest};
use git2::Repository;

/// The first line of the record.
const HEADER: &str = "avow-checked-keys 1";
/// The most digests kept (the newest).
const KEEP: usize = 8;

/// The record as read, and what this process adds to it.
#[derive(Default)]
pub struct Record {
    known: Vec<KeyDigest>,
    added: Mutex<Vec<KeyDigest>>,
}

struct Handle(Arc<Record>);

impl CheckedKeys for Handle {
    fn contains(&self, digest: &KeyDigest) -> bool {
        self.0.known.contains(digest)
    }

    fn add(&self, digest: KeyDigest) {
        if let Ok(mut added) = self.0.added.lock() {
            added.push(digest);
        }
    }
}

fn file(repo: &Repository) -> PathBuf {
    repo.commondir().join("avow/checked-keys")
}

/// One digest as [`avow_verify::cache::hex`] writes it: 64 lower-case hex
/// digits (`u8::from_str_radix` alone would also take `+f`).
fn parse_hex(line: &str) -> Option<KeyDigest> {
    let bytes = line.as_bytes();
    if bytes.len() != 64 || !bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// Reads the record and makes it this process's (`avow_sign::remember_checked_keys`).
pub fn install(repo: &Repository) -> Arc<Record> {
    let text = std::fs::read_to_string(file(repo)).unwrap_or_default();
    let mut lines = text.lines();
    let known = if lines.next() == Some(HEADER) { lines.filter_map(parse_hex).collect() } else { Vec::new() };
    let record = Arc::new(Record { known, added: Mutex::default() });
    avow_sign::remember_checked_keys(Box::new(Handle(Arc::clone(&record))));
    record
}

/// Writes the digests this process added (best effort: a record that
/// cannot be written only means reading the key in full next time).
pub fn save(repo: &Repository, record: &Record) {
    let added = record.added.lock().map(|a| a.clone()).unwrap_or_default();
    if added.is_empty() {
        return;
    }
    let mut all: Vec<KeyDigest> = record.known.iter().filter(|d| !added.contains(d)).copied().collect();
    all.extend(added);
    let keep = &all[all.len().saturating_sub(KEEP)..];
    let text: String = std::iter::once(HEADER.to_owned())
        .chain(keep.iter().map(|d| avow_verify::cache::hex(d)))
        .map(|l| l + "\n")
        .collect();
    let _ = crate::shared::write_record(repo, &file(repo), &text);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// A digest reads back as written; any other line of 64 characters
        /// (upper case, a sign, a stray byte) reads as none.
        #[test]
        fn digests_read_back_and_nothing_else(digest in any::<[u8; 32]>(), other in "[0-9a-fA-F+ -]{64}") {
            let line = avow_verify::cache::hex(&digest);
            prop_assert_eq!(super::parse_hex(&line), Some(digest));
            let written = other.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            prop_assert_eq!(super::parse_hex(&other).is_some(), written);
        }

        #[test]
        fn any_line_never_panics(line in "\\PC{0,70}") {
            let _ = super::parse_hex(&line);
        }
    }
}
