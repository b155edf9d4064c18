//! Reading what avow needs from a commit: message, trailers, identities, and
//! the change's size and spread.

use std::collections::BTreeSet;

use avow_core::attestation::Statement;
use avow_core::encoding::Encoding;
use avow_core::trailer::{self, ParseOptions};
use avow_policy::facts::{ChangeStats, CommitFacts, Ident};
use git2::{Commit, Diff, DiffOptions, Oid, Repository, Tree};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The tree of a commit's first parent, or `None` for a root commit.
pub fn parent_tree<'r>(commit: &Commit<'r>) -> Result<Option<Tree<'r>>, Error> {
    if commit.parent_count() == 0 {
        return Ok(None);
    }
    let parent = commit.parent(0).map_err(|e| Error::git(format!("reading the first parent of {}", commit.id()), e))?;
    parent.tree().map(Some).map_err(|e| Error::git(format!("reading the tree of {}", parent.id()), e))
}

/// The tree binding: 32 hex digits naming the exact (parent tree, tree)
/// pair, so that a verifier can tell cheaply that a commit has the very
/// trees it was signed with. `docs/payload.md` defines it:
/// the first 16 bytes of SHA-256 over
/// `"avow-tree-binding v1\n" + (parent tree hex or "none") + "\n" + tree hex + "\n"`.
pub fn tree_binding(parent_tree: Option<Oid>, tree: Oid) -> String {
    let mut h = Sha256::new();
    h.update(b"avow-tree-binding v1\n");
    match parent_tree {
        Some(p) => h.update(p.to_string().as_bytes()),
        None => h.update(b"none"),
    }
    h.update(b"\n");
    h.update(tree.to_string().as_bytes());
    h.update(b"\n");
    let digest = h.finalize();
    digest[..16].iter().fold(String::with_capacity(32), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The diff options that make git2's tree diff match `git diff-tree
/// --no-renames` for listing changed paths.
fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(false).include_typechange(false);
    opts
}

/// The paths a change touches (old and new sides), and optionally its line
/// counts, which cost a content diff.
pub fn change_stats(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    count_lines: bool,
) -> Result<ChangeStats, Error> {
    let mut opts = diff_options();
    let diff: Diff<'_> =
        repo.diff_tree_to_tree(old, Some(new), Some(&mut opts)).map_err(|e| Error::git("diffing trees".into(), e))?;
    let mut paths = BTreeSet::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(p) = file.path_bytes() {
                if file.id().is_zero() {
                    continue;
                }
                paths.insert(String::from_utf8_lossy(p).into_owned());
            }
        }
    }
    let (lines_added, lines_removed) = if count_lines {
        let stats = diff.stats().map_err(|e| Error::git("counting changed lines".into(), e))?;
        (stats.insertions(), stats.deletions())
    } else {
        (0, 0)
    };
    Ok(ChangeStats { lines_added, lines_removed, paths: paths.into_iter().collect() })
}

fn ident(sig: &git2::Signature<'_>) -> Ident {
    Ident {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
    }
}

/// The message of a commit as text, decoded by its `encoding` header
/// (UTF-8 without one), or `None` when avow cannot read it: bytes invalid
/// in the declared encoding, or an encoding avow does not support (see
/// [`avow_core::encoding`]). An attestation binds text, so such a commit
/// cannot carry one.
pub fn message_text(commit: &Commit<'_>) -> Option<String> {
    let encoding = match commit.message_encoding().ok().flatten() {
        None => Encoding::Utf8,
        Some(label) => Encoding::from_label(label)?,
    };
    encoding.decode(commit.message_raw_bytes())
}

/// The encoding label a commit declares when avow cannot decode its
/// message with it (for messages); `None` when the message is readable or
/// declares no encoding.
pub fn unreadable_encoding(commit: &Commit<'_>) -> Option<String> {
    let label = commit.message_encoding().ok().flatten()?;
    match Encoding::from_label(label) {
        Some(_) => None,
        None => Some(label.to_owned()),
    }
}

/// Builds the facts the policy looks at. Trailers are read as git reads
/// them from a stored commit (comment prefix `#`, with the `---` divider).
pub fn facts(commit: &Commit<'_>, message: String, change: ChangeStats) -> CommitFacts {
    let opts = ParseOptions::default();
    let trailers = trailer::parse(&message, &opts);
    let statement = Statement::from_trailers(&trailers).ok();
    CommitFacts {
        id: commit.id().to_string(),
        author: ident(&commit.author()),
        committer: ident(&commit.committer()),
        subject: trailer::subject(&message, &opts, false),
        message,
        trailers,
        statement,
        parent_count: commit.parent_count(),
        change,
        author_time: commit.author().when().seconds(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_depends_on_both_trees() {
        let a = Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let b = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let x = tree_binding(Some(a), b);
        assert_eq!(x.len(), 32);
        assert_ne!(x, tree_binding(Some(b), a));
        assert_ne!(x, tree_binding(None, b));
        assert_eq!(x, tree_binding(Some(a), b));
    }
}
