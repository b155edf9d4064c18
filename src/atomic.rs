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
        let hint = match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                "the disk is full (or your quota is used up): free some space and try again".to_owned()
            }
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                format!("check that you may write to {}", dir.display())
            }
            _ => "check the file and its directory".to_owned(),
        };
        CliError::new(format!("cannot write {}: {e}", file.display())).hint(hint)
    };
    // Created as a new file would be (0666 less the umask), then given the
    // original's mode and group: the rename must not turn a shared
    // repository's group-writable file into one only its last writer can
    // open again. (Windows has neither: the new file inherits the
    // directory's access control list.)
    #[cfg(unix)]
    let mut tmp = {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let original = std::fs::metadata(file).ok();
        let tmp = tempfile::Builder::new()
            .prefix(".avow-tmp")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(fail)?;
        if let Some(meta) = &original {
            if meta.gid() != tmp.as_file().metadata().map_err(fail)?.gid() {
                // Best effort: only a member of the group may hand the file to it.
                let _ = std::os::unix::fs::fchown(tmp.as_file(), None, Some(meta.gid()));
            }
            tmp.as_file().set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777)).map_err(fail)?;
        }
        tmp
    };
    #[cfg(not(unix))]
    let mut tmp = tempfile::Builder::new().prefix(".avow-tmp").tempfile_in(dir).map_err(fail)?;
    tmp.write_all(contents).map_err(fail)?;
    if durable {
        tmp.as_file().sync_all().map_err(fail)?;
    }
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}
