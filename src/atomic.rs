//! Replacing files the way git's readers need: whole or not at all.
//!
//! A temporary file in the same directory is written, then renamed over
//! the original, so a reader (git reading the message back, a verifier
//! reading the keyring) sees the old contents or the new, never half.

use std::io::Write as _;
use std::path::Path;

use crate::error::{CliError, Result};

/// Replaces `file` with `contents` atomically and durably: flushed to disk
/// before the rename.
pub fn write_atomically(file: &Path, contents: &str) -> Result<()> {
    replace_file(file, contents.as_bytes(), true)
}

/// Replaces the commit message file git passed to a hook (bytes: a message
/// may be in a non-UTF-8 commit encoding): atomically (git never reads half
/// a message) but without waiting for the disk, which costs several
/// milliseconds per commit. The file only lives until git reads it back a
/// moment later; git itself does not sync it either.
pub fn write_message_bytes(file: &Path, contents: &[u8]) -> Result<()> {
    replace_file(file, contents, false)
}

fn replace_file(file: &Path, contents: &[u8], durable: bool) -> Result<()> {
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| {
        CliError::new(format!("cannot write the commit message file {}: {e}", file.display()))
            .hint("check the permissions of the .git directory")
    };
    let mut tmp = tempfile::Builder::new().prefix(".avow-msg").tempfile_in(dir).map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    if durable {
        tmp.as_file().sync_all().map_err(fail)?;
    }
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}
