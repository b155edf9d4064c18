//! What the commit-msg hook signed, left for the post-commit hook.
//!
//! post-commit warns when the new commit's attestation does not verify.
//! Verifying it again costs a commit more than the rest of the hook, and
//! for the usual commit it only repeats what commit-msg just did: it built
//! the payload from the staged trees, the author and the message, signed
//! it and checked the signature (`avow_sign::Signer::sign`), and checked
//! that git will store the message as written. So commit-msg leaves a
//! record of exactly what it signed — the message's bytes, the tree, the
//! parent and the author's email — in the repository's own git directory,
//! and post-commit takes it (reads and removes it): when the new HEAD is
//! that commit, every input of its attestation is one commit-msg signed,
//! and there is nothing to verify again. When anything differs (the hook
//! was skipped with `--no-verify`, another hook or git changed the message,
//! the index changed, a stale record from an aborted commit) post-commit
//! verifies HEAD in full, as it always did.
//!
//! A record never vouches for anything: it is only a shortcut to the
//! answer the full check would give for the same bytes, and only
//! post-commit's warning depends on it; `git avow verify` never reads it.
//! Whoever can write the git directory can also replace the hooks.

use std::path::{Path, PathBuf};

use git2::{Commit, Oid, Repository};

/// First line of a record; another version is not read.
const HEADER: &str = "avow-signed 1";

/// The record's file, in the git directory of this work tree (a linked
/// work tree has its own). Not an upper-case name: git would read one as a
/// pseudo-ref (`git rev-parse AVOW_SIGNED`).
fn path(repo: &Repository) -> PathBuf {
    repo.path().join("avow-signed")
}

/// What commit-msg signed.
#[derive(Debug, PartialEq, Eq)]
pub struct Signed {
    /// The message file's bytes as commit-msg left them (what git stores).
    message: Vec<u8>,
    tree: Oid,
    /// The commit's only parent; `None` for a root commit.
    parent: Option<Oid>,
    author_email: String,
}

impl Signed {
    pub fn new(message: Vec<u8>, tree: Oid, parent: Option<Oid>, author_email: &str) -> Self {
        Signed { message, tree, parent, author_email: author_email.to_owned() }
    }

    /// Whether `commit` is exactly what was signed: the same message bytes,
    /// tree, parent (and no other) and author email.
    pub fn describes(&self, commit: &Commit<'_>) -> bool {
        let parents: Vec<Oid> = commit.parent_ids().collect();
        commit.message_raw_bytes() == self.message.as_slice()
            && commit.tree_id() == self.tree
            && parents == self.parent.into_iter().collect::<Vec<_>>()
            && commit.author().email_bytes() == self.author_email.as_bytes()
    }

    fn to_bytes(&self) -> Vec<u8> {
        let parent = self.parent.map_or_else(|| "none".to_owned(), |p| p.to_string());
        let mut out =
            format!("{HEADER}\ntree {}\nparent {parent}\nauthor {}\n\n", self.tree, self.author_email).into_bytes();
        out.extend_from_slice(&self.message);
        out
    }

    /// Reads a record written by [`Signed::to_bytes`]; `None` for anything
    /// else.
    fn parse(bytes: &[u8]) -> Option<Signed> {
        let split = bytes.windows(2).position(|w| w == b"\n\n")?;
        let head = std::str::from_utf8(&bytes[..split]).ok()?;
        let mut lines = head.split('\n');
        if lines.next()? != HEADER {
            return None;
        }
        let tree = avow_verify::parse_whole_oid(lines.next()?.strip_prefix("tree ")?)?;
        let parent = match lines.next()?.strip_prefix("parent ")? {
            "none" => None,
            id => Some(avow_verify::parse_whole_oid(id)?),
        };
        let author_email = lines.next()?.strip_prefix("author ")?.to_owned();
        if lines.next().is_some() {
            return None;
        }
        Some(Signed { message: bytes[split + 2..].to_vec(), tree, parent, author_email })
    }
}

/// Leaves the record of a signed commit whose message is now in
/// `message_file`. Best effort: without a record post-commit verifies in
/// full, so a failure here costs time, never a commit.
pub fn save(repo: &Repository, message_file: &Path, tree: Oid, parent: Option<Oid>, author_email: &str) {
    // What git will read back: the file as written (encoding, line endings).
    let Ok(message) = std::fs::read(message_file) else {
        forget(repo);
        return;
    };
    // A multi-line email cannot be written on one line: no record.
    if author_email.contains('\n') {
        forget(repo);
        return;
    }
    let record = Signed::new(message, tree, parent, author_email);
    // Replaced by a rename, never written through a link someone put there.
    if crate::atomic::write_message_bytes(&path(repo), &record.to_bytes()).is_err() {
        forget(repo);
    }
}

/// Removes any record, so that none outlives the commit it was made for.
pub fn forget(repo: &Repository) {
    let _ = std::fs::remove_file(path(repo));
}

/// Reads and removes the record, if there is a readable one.
pub fn take(repo: &Repository) -> Option<Signed> {
    let path = path(repo);
    let bytes = std::fs::read(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    Signed::parse(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any record written reads back as itself (any message bytes,
        /// root or not, SHA-1 or SHA-256 ids); any bytes read as a record
        /// or as none, never a panic.
        #[test]
        fn records_round_trip(
            message in proptest::collection::vec(any::<u8>(), 0..200),
            tree in any::<[u8; 20]>(),
            parent in proptest::option::of(any::<[u8; 32]>()),
            email in "[^\n]{0,40}",
            junk in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let tree = Oid::from_bytes(&tree).unwrap();
            let parent = parent.map(|b| avow_verify::parse_oid(&avow_verify::cache::hex(&b)).unwrap());
            let signed = Signed::new(message, tree, parent, &email);
            prop_assert_eq!(Signed::parse(&signed.to_bytes()), Some(signed));
            let _ = Signed::parse(&junk);
            let mut headed = format!("{HEADER}\n").into_bytes();
            headed.extend_from_slice(&junk);
            let _ = Signed::parse(&headed);
        }
    }

    #[test]
    fn records_read_back_and_nothing_else_reads_as_one() {
        let tree = Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let parent = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        for (message, parent) in [
            (&b"Subject\n\nAuthorship: human\n"[..], Some(parent)),
            (b"", None),
            (b"\n\nodd\n\n\n", Some(parent)),
            (b"caf\xe9 (ISO-8859-1)\r\n", None),
        ] {
            let signed = Signed::new(message.to_vec(), tree, parent, "a@example.com");
            assert_eq!(Signed::parse(&signed.to_bytes()), Some(signed));
        }
        let good = Signed::new(b"m\n".to_vec(), tree, None, "a@example.com").to_bytes();
        let text = String::from_utf8(good.clone()).unwrap();
        for bad in [
            text.replace("avow-signed 1", "avow-signed 2"),
            text.replace("tree ", "tree x"),
            text.replace("parent none", "parent 12"),
            text.replace("author a@example.com\n", "author a@example.com\nextra\n"),
            text.replace("author a@example.com\n", ""),
            text.replace("\n\n", "\n"),
            String::new(),
        ] {
            assert_eq!(Signed::parse(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
