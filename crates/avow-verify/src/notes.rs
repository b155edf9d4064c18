//! Attestations kept outside the commit, in git notes under
//! [`NOTES_REF`]: for commits made where no hook runs (a forge's web
//! editor or squash, `--no-verify`, history before adoption) and for a
//! maintainer vouching after the fact. A note holds exactly the trailers a
//! commit would carry — the statement and its `Avow-Signature:` — over the
//! same payload (docs/payload.md), and is checked exactly as those trailers
//! are, under the same trust base. docs/workflows.md describes its use.
//!
//! Anyone who can push to the notes ref can add, change or delete notes,
//! so a note decides nothing by being there: its signature must verify
//! with a key of the trusted keyring over this commit's change, author and
//! subject, as a trailer's must. A note is only read for a commit whose own
//! attestation is rejected, so removing one cannot reject a commit that
//! verifies on its own.

use git2::{Oid, Repository};

/// The notes ref avow reads and `git avow attest` writes.
pub const NOTES_REF: &str = "refs/notes/avow";

/// Notes larger than this are not read (a statement is a few lines).
const MAX_NOTE: usize = 64 * 1024;

/// The note on `id` under [`NOTES_REF`], when there is one that is UTF-8
/// text of a sensible size.
pub fn read(repo: &Repository, id: Oid) -> Option<String> {
    let note = repo.find_note(Some(NOTES_REF), id).ok()?;
    let bytes = note.message_bytes();
    if bytes.len() > MAX_NOTE {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// The note's text as the message whose trailers it holds: the commit's
/// subject, a blank line, then the note (so that git's trailer rules read
/// the note as the trailer block).
pub fn as_message(subject: &str, note: &str) -> String {
    format!("{subject}\n\n{}", note.trim_start_matches('\n'))
}
