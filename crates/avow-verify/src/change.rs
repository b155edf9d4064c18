//! The change digest and the tree binding: what ties an attestation to the
//! content of a commit. [docs/payload.md](../../../docs/payload.md) defines
//! both byte for byte, with a worked example to recompute by hand; this
//! module and that page must agree.
//!
//! **The change digest** names *the change* — which lines of which files
//! change how — and nothing else, so it survives `git rebase`,
//! `git cherry-pick` and `git format-patch | git am`. Every changed path
//! (the two trees compared as `git diff-tree -r --no-renames` does, no
//! rename detection) gets a *file record*: the exact path bytes, the old
//! and new modes, and
//!
//! - for text on both sides (or one side absent), every hunk of git's
//!   default diff (Myers, 3 lines of context, indent heuristic) as the
//!   *occurrence index* of its pre-image in the old file followed by its
//!   lines byte for byte as `git diff` prints them (no line numbers, no
//!   whitespace normalisation);
//! - otherwise (a binary file, a submodule, a change between file, symlink
//!   and submodule), the SHA-256 of each side's blob or the submodule's
//!   commit id.
//!
//! The digest is SHA-256 over the sorted lowercase-hex SHA-256 digests of
//! the file records, one per line. A hash of a sorted list is collision
//! resistant as SHA-256 is; git's patch-id, a *sum* of per-file hashes,
//! is not (issue 11: a generalized-birthday search forges any patch-id with
//! a few hundred chosen files). git's patch-id is never computed here.
//!
//! **The tree binding** names the exact (parent tree, tree) pair; when a
//! commit still has the pair it was signed with, the verifier takes the
//! signed change digest without recomputing it (the *fast path*), and
//! `binding = "trees"` in the policy accepts nothing else.

use std::path::Path;

use git2::{Blob, DiffOptions, Oid, Patch, Repository, Tree};
use sha2::{Digest as _, Sha256};

mod occurrence;
#[cfg(test)]
use occurrence::occurrence;

pub use avow_core::payload::{Binding, Digest};

/// The change digest (a [`Digest`]), by the name the session plan uses.
pub type ChangeDigest = Digest;

/// git looks for NUL in this many leading bytes to call a blob binary.
const FIRST_FEW_BYTES: usize = 8000;
/// Default `core.bigFileThreshold`: bigger blobs are binary to `git diff`.
const BIG_FILE_THRESHOLD: usize = 512 * 1024 * 1024;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFGITLINK: u32 = 0o160_000;

/// Why a change digest could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An object needed for the diff could not be read.
    #[error("cannot read {what} {id}")]
    Read {
        /// What was being read ("tree", "blob").
        what: &'static str,
        /// Its id.
        id: Oid,
        /// The underlying git2 error.
        #[source]
        source: git2::Error,
    },
    /// libgit2 could not diff the two versions of a file.
    #[error("cannot diff {path:?}")]
    Diff {
        /// The file's path (lossily decoded).
        path: String,
        /// The underlying git2 error.
        #[source]
        source: git2::Error,
    },
    /// A hunk of the diff does not fit the old file (a libgit2 fault).
    #[error("the diff of {path:?} does not match its old content")]
    Hunk {
        /// The file's path (lossily decoded).
        path: String,
    },
}

/// The change digest from `old` (`None`: the empty tree, for a root
/// commit) to `new`; `Ok(None)` when no path changes.
pub fn digest(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Option<ChangeDigest>, Error> {
    let mut digests = Vec::new();
    each_record(repo, old, new, &mut |_, record| digests.push(Digest(Sha256::digest(record).into())))?;
    Ok(combine(digests))
}

/// The change digest and tree binding of the change from `old` to `new`:
/// what the hook signs for a staged change and what the verifier
/// recomputes for a commit.
pub fn binding(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Binding, Error> {
    Ok(Binding { change: digest(repo, old, new)?, trees: tree_binding(old.map(Tree::id), new.id()) })
}

/// The tree binding: SHA-256 over
/// `"avow-tree-binding v2\n" + (parent tree hex or "none") + "\n" + tree hex + "\n"`,
/// all 32 bytes.
pub fn tree_binding(parent_tree: Option<Oid>, tree: Oid) -> Digest {
    let mut h = Sha256::new();
    h.update(b"avow-tree-binding v2\n");
    let mut buf = [0; 64];
    match parent_tree {
        Some(p) => h.update(oid_hex(p, &mut buf)),
        None => h.update(b"none"),
    }
    h.update(b"\n");
    h.update(oid_hex(tree, &mut buf));
    h.update(b"\n");
    Digest(h.finalize().into())
}

/// An id's lowercase hex digits, what `Oid`'s `Display` writes, without
/// the formatter or an allocation (the tree binding is made per commit).
fn oid_hex(id: Oid, buf: &mut [u8; 64]) -> &[u8] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut n = 0;
    for (b, out) in id.as_bytes().iter().zip(buf.chunks_exact_mut(2)) {
        out[0] = DIGITS[usize::from(b >> 4)];
        out[1] = DIGITS[usize::from(b & 0xf)];
        n += 2;
    }
    &buf[..n]
}

/// One changed path's file record, as hashed into the change digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// The path, exact bytes.
    pub path: Vec<u8>,
    /// The record's bytes (docs/payload.md, "File records").
    pub bytes: Vec<u8>,
}

impl FileRecord {
    /// SHA-256 of the record.
    pub fn digest(&self) -> Digest {
        Digest(Sha256::digest(&self.bytes).into())
    }
}

/// Every file record of the change from `old` to `new`, in git's path
/// order (for explaining a digest; [`digest`] does not keep them).
pub fn records(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Vec<FileRecord>, Error> {
    let mut out = Vec::new();
    each_record(repo, old, new, &mut |path, bytes| {
        out.push(FileRecord { path: path.to_vec(), bytes: bytes.to_vec() });
    })?;
    Ok(out)
}

/// SHA-256 over the sorted hex digests, one per line; `None` for none.
pub fn combine(mut digests: Vec<Digest>) -> Option<Digest> {
    if digests.is_empty() {
        return None;
    }
    digests.sort_unstable();
    let mut h = Sha256::new();
    for d in &digests {
        h.update(d.to_string().as_bytes());
        h.update(b"\n");
    }
    Some(Digest(h.finalize().into()))
}

fn each_record(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    sink: &mut dyn FnMut(&[u8], &[u8]),
) -> Result<(), Error> {
    if old.is_some_and(|o| o.id() == new.id()) {
        return Ok(());
    }
    let mut walk = Walk { repo, opts: diff_options(), record: Vec::with_capacity(4096), sink };
    walk.trees(old, Some(new), &mut Vec::new())
}

/// libgit2's xdiff configured as git's default diff.
fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.force_text(true).indent_heuristic(true).context_lines(3).interhunk_lines(0).ignore_submodules(false);
    opts
}

/// One side of a changed path: canonical mode and object id.
#[derive(Clone, Copy)]
struct Side {
    mode: u32,
    id: Oid,
}

impl Side {
    fn kind(self) -> u32 {
        self.mode & S_IFMT
    }
}

struct Walk<'r, 's> {
    repo: &'r Repository,
    opts: DiffOptions,
    /// The record being built (reused).
    record: Vec<u8>,
    sink: &'s mut dyn FnMut(&[u8], &[u8]),
}

impl<'r> Walk<'r, '_> {
    fn find_tree(&self, id: Oid) -> Result<Tree<'r>, Error> {
        self.repo.find_tree(id).map_err(|source| Error::Read { what: "tree", id, source })
    }

    fn find_blob(&self, id: Oid) -> Result<Blob<'r>, Error> {
        self.repo.find_blob(id).map_err(|source| Error::Read { what: "blob", id, source })
    }

    /// git's tree diff: merge two sorted trees, descending where subtrees
    /// differ, skipping equal entries without reading them. The trees being
    /// walked are kept on a stack of their own, not the thread's: a pushed
    /// tree nested thousands of directories deep overflowed the thread's
    /// stack and killed the verifier (threat-model entry 113).
    fn trees(&mut self, old: Option<&Tree<'_>>, new: Option<&Tree<'_>>, prefix: &mut Vec<u8>) -> Result<(), Error> {
        /// A directory being walked: both sides, the next entry of each,
        /// and where its path starts in `prefix`.
        struct Level<'t> {
            old: Option<Tree<'t>>,
            new: Option<Tree<'t>>,
            i: usize,
            j: usize,
            base: usize,
        }
        let mut stack = vec![Level { old: old.cloned(), new: new.cloned(), i: 0, j: 0, base: prefix.len() }];
        while let Some(level) = stack.last_mut() {
            // The next changed entry of this directory, its name pushed on
            // `prefix`; `None` when the directory is done.
            let changed = loop {
                let a = level.old.as_ref().and_then(|t| t.get(level.i));
                let b = level.new.as_ref().and_then(|t| t.get(level.j));
                let (a, b) = match (a, b) {
                    (None, None) => break None,
                    (Some(a), Some(b)) => {
                        let (am, bm) = (canon_mode(a.filemode_raw()), canon_mode(b.filemode_raw()));
                        match base_name_compare(a.name_bytes(), am, b.name_bytes(), bm) {
                            std::cmp::Ordering::Less => (Some(a), None),
                            std::cmp::Ordering::Greater => (None, Some(b)),
                            std::cmp::Ordering::Equal => (Some(a), Some(b)),
                        }
                    }
                    other => other,
                };
                level.i += usize::from(a.is_some());
                level.j += usize::from(b.is_some());
                let side = |e: &git2::TreeEntry<'_>| Side { mode: canon_mode(e.filemode_raw()), id: e.id() };
                let (a_side, b_side) = (a.as_ref().map(side), b.as_ref().map(side));
                if let (Some(x), Some(y)) = (a_side, b_side) {
                    if x.id == y.id && x.mode == y.mode {
                        continue;
                    }
                }
                let Some(entry) = a.as_ref().or(b.as_ref()) else { continue };
                let base = prefix.len();
                prefix.extend_from_slice(entry.name_bytes());
                break Some((a_side, b_side, base));
            };
            let Some((a, b, base)) = changed else {
                prefix.truncate(level.base);
                stack.pop();
                continue;
            };
            let is_dir = |s: Option<Side>| s.is_some_and(|s| s.kind() == S_IFDIR);
            if is_dir(a) || is_dir(b) {
                // A name compares equal only to one of the same kind, so
                // both sides (when present) are trees here.
                let old = a.map(|s| self.find_tree(s.id)).transpose()?;
                let new = b.map(|s| self.find_tree(s.id)).transpose()?;
                prefix.push(b'/');
                stack.push(Level { old, new, i: 0, j: 0, base });
            } else {
                let result = self.file(prefix, a, b);
                prefix.truncate(base);
                result?;
            }
        }
        Ok(())
    }

    /// Builds and hands on the record of one changed path.
    fn file(&mut self, path: &[u8], old: Option<Side>, new: Option<Side>) -> Result<(), Error> {
        let mut record = std::mem::take(&mut self.record);
        record.clear();
        record.extend_from_slice(b"path ");
        record.extend_from_slice(path);
        record.extend_from_slice(b"\0mode ");
        push_mode(&mut record, old);
        record.push(b' ');
        push_mode(&mut record, new);
        record.push(b'\n');
        let result = self.body(&mut record, path, old, new);
        if result.is_ok() {
            (self.sink)(path, &record);
        }
        self.record = record;
        result
    }

    fn body(&mut self, record: &mut Vec<u8>, path: &[u8], old: Option<Side>, new: Option<Side>) -> Result<(), Error> {
        if let (Some(o), Some(n)) = (old, new) {
            if o.id == n.id && o.kind() == n.kind() {
                // A mode change only.
                return Ok(());
            }
        }
        let blob = |s: Option<Side>| match s {
            Some(s) if s.kind() != S_IFGITLINK => self.find_blob(s.id).map(Some),
            _ => Ok(None),
        };
        let (old_blob, new_blob) = (blob(old)?, blob(new)?);
        let text = |s: Option<Side>, b: &Option<Blob<'_>>| s.is_none() || b.as_ref().is_some_and(|b| !is_binary(b));
        let same_kind = match (old, new) {
            (Some(o), Some(n)) => o.kind() == n.kind(),
            _ => true,
        };
        if same_kind && text(old, &old_blob) && text(new, &new_blob) {
            let empty: &[u8] = &[];
            let old_bytes = old_blob.as_ref().map_or(empty, Blob::content);
            let new_bytes = new_blob.as_ref().map_or(empty, Blob::content);
            if let (Some(ob), Some(nb)) = (&old_blob, &new_blob) {
                return self.hunks(record, path, ob, nb);
            }
            whole(record, old_bytes, new_bytes);
            return Ok(());
        }
        for (label, side, blob) in [(&b"old "[..], old, &old_blob), (&b"new "[..], new, &new_blob)] {
            record.extend_from_slice(label);
            match (side, blob) {
                (None, _) => record.extend_from_slice(b"none"),
                (Some(_), Some(b)) => {
                    record.extend_from_slice(b"blob ");
                    record.extend_from_slice(Digest(Sha256::digest(b.content()).into()).to_string().as_bytes());
                }
                (Some(s), None) => {
                    record.extend_from_slice(b"commit ");
                    record.extend_from_slice(s.id.to_string().as_bytes());
                }
            }
            record.push(b'\n');
        }
        Ok(())
    }

    /// The hunks of a two-sided text diff.
    fn hunks(&mut self, record: &mut Vec<u8>, path: &[u8], old: &Blob<'_>, new: &Blob<'_>) -> Result<(), Error> {
        let lossy = || String::from_utf8_lossy(path).into_owned();
        let diff_err = |source| Error::Diff { path: lossy(), source };
        // An empty path, not the file's: libgit2 then takes its automatic
        // diff driver without looking up the `diff` attribute of any path
        // (a blob diff without a path is diffed as a file named `file`,
        // whose attributes it reads: most of a hook's digest). The driver
        // could change nothing here anyway: `force_text` overrides its
        // binary setting, and its function patterns only name hunk
        // headers, which a record leaves out; but a driver configured with
        // a bad word pattern failed the diff (`digest_ignores_attributes`).
        let diff = Patch::from_blobs(old, Some(Path::new("")), new, None, Some(&mut self.opts)).map_err(diff_err)?;
        let old_lines: Vec<&[u8]> = split_lines(old.content()).collect();
        // Each hunk's lines, and its pre-image (context and removed lines)
        // as where it starts in the old file and how many lines it has;
        // then the records, once every hunk's occurrence number is known.
        let mut lines: Vec<(u8, &[u8])> = Vec::new();
        let mut ends = Vec::with_capacity(diff.num_hunks());
        let mut pres = Vec::with_capacity(diff.num_hunks());
        for h in 0..diff.num_hunks() {
            let (hunk, count) = diff.hunk(h).map_err(diff_err)?;
            let start = lines.len();
            for l in 0..count {
                let line = diff.line_in_hunk(h, l).map_err(diff_err)?;
                // Other origins mark a missing newline at the end of the
                // file, which the content itself shows.
                if let c @ ('+' | '-' | ' ') = line.origin() {
                    lines.push((u8::try_from(c).unwrap_or(b' '), line.content()));
                }
            }
            let pre = lines[start..].iter().filter(|&&(origin, _)| origin != b'+').map(|&(_, content)| content);
            let len = pre.clone().count();
            let at = usize::try_from(hunk.old_start()).unwrap_or(usize::MAX).saturating_sub(usize::from(len > 0));
            if !old_lines.get(at..at.saturating_add(len)).is_some_and(|old| old.iter().copied().eq(pre)) {
                return Err(Error::Hunk { path: lossy() });
            }
            ends.push(lines.len());
            pres.push((at, len));
        }
        let mut start = 0;
        for (end, occurrence) in ends.into_iter().zip(occurrence::occurrences(&old_lines, &pres)) {
            push_hunk_header(record, occurrence);
            for &(origin, content) in &lines[start..end] {
                push_line(record, origin, content);
            }
            start = end;
        }
        Ok(())
    }
}

/// A one-sided text change: one hunk, all old lines removed and all new
/// lines added; nothing when both are empty (an empty file added or
/// deleted).
fn whole(record: &mut Vec<u8>, old: &[u8], new: &[u8]) {
    if old.is_empty() && new.is_empty() {
        return;
    }
    push_hunk_header(record, 1);
    for line in split_lines(old) {
        push_line(record, b'-', line);
    }
    for line in split_lines(new) {
        push_line(record, b'+', line);
    }
}

fn push_hunk_header(record: &mut Vec<u8>, occurrence: usize) {
    record.extend_from_slice(b"hunk ");
    record.extend_from_slice(occurrence.to_string().as_bytes());
    record.push(b'\n');
}

/// A hunk line as `git diff` prints it: origin, content, and git's marker
/// line when the content has no newline at the end of the file.
fn push_line(record: &mut Vec<u8>, origin: u8, content: &[u8]) {
    record.push(origin);
    record.extend_from_slice(content);
    if !content.ends_with(b"\n") {
        record.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

/// git's `diff_filespec_is_binary` without attributes: a NUL in the first
/// 8,000 bytes, or bigger than `core.bigFileThreshold`'s default.
fn is_binary(blob: &Blob<'_>) -> bool {
    let data = blob.content();
    data.len() > BIG_FILE_THRESHOLD || data[..data.len().min(FIRST_FEW_BYTES)].contains(&0)
}

/// git's `canon_mode`: the mode a tree entry is treated as having.
fn canon_mode(raw: i32) -> u32 {
    let mode = u32::try_from(raw).unwrap_or(0);
    match mode & S_IFMT {
        S_IFREG => S_IFREG | if mode & 0o100 != 0 { 0o755 } else { 0o644 },
        S_IFLNK => S_IFLNK,
        S_IFDIR => S_IFDIR,
        _ => S_IFGITLINK,
    }
}

/// git's `base_name_compare`: names compare bytewise, a directory as if it
/// ended in '/'.
fn base_name_compare(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> std::cmp::Ordering {
    let len = a.len().min(b.len());
    a[..len].cmp(&b[..len]).then_with(|| {
        let end = |name: &[u8], mode: u32| match name.get(len) {
            Some(&c) => c,
            None if mode & S_IFMT == S_IFDIR => b'/',
            None => 0,
        };
        end(a, a_mode).cmp(&end(b, b_mode))
    })
}

/// Lines including their `\n` (the last may lack it).
fn split_lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    s.split_inclusive(|&c| c == b'\n')
}

/// `%06o` of the canonical mode, `000000` for an absent side (as
/// `git diff-tree --raw` prints them).
fn push_mode(buf: &mut Vec<u8>, side: Option<Side>) {
    let mode = side.map_or(0, |s| s.mode);
    for shift in [15, 12, 9, 6, 3, 0] {
        buf.push(b"01234567"[((mode >> shift) & 7) as usize]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn oid_hex_is_oids_display() {
        let mut buf = [0; 64];
        for text in ["0000000000000000000000000000000000000000", "0123456789abcdeffedcba9876543210a5f00f5a"] {
            let id = git2::Oid::from_str(text).unwrap();
            assert_eq!(super::oid_hex(id, &mut buf), id.to_string().as_bytes());
        }
    }

    use super::*;

    fn lines(s: &str) -> Vec<&[u8]> {
        split_lines(s.as_bytes()).collect()
    }

    #[test]
    fn occurrences_count_earlier_matches() {
        let old = lines("a\nb\nx\na\nb\ny\na\nb\n");
        let pre = lines("a\nb\n");
        assert_eq!(occurrence(&old, &pre, 0), 1);
        assert_eq!(occurrence(&old, &pre, 3), 2);
        assert_eq!(occurrence(&old, &pre, 6), 3);
        // Overlapping matches count.
        let same = lines("a\na\na\na\n");
        assert_eq!(occurrence(&same, &lines("a\na\n"), 2), 3);
        // The last line without a newline is another line than with one.
        let eof = lines("a\nb\na\nb");
        assert_eq!(occurrence(&eof, &lines("a\nb"), 2), 1);
        assert_eq!(occurrence(&[], &[], 0), 1);
    }

    #[test]
    fn occurrence_of_many_equal_lines_is_fast() {
        let text = "x\n".repeat(200_000);
        let old = lines(&text);
        let pre = &old[..100_000];
        assert_eq!(occurrence(&old, pre, 100_000), 100_001);
    }

    #[test]
    fn tree_binding_is_full_and_depends_on_both_trees() {
        let a = Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4904").unwrap();
        let b = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let x = tree_binding(Some(a), b);
        assert_eq!(x.to_string().len(), 64);
        assert_ne!(x, tree_binding(Some(b), a));
        assert_ne!(x, tree_binding(None, b));
        assert_eq!(x, tree_binding(Some(a), b));
    }

    #[test]
    fn combine_is_order_free_and_not_linear() {
        let d = |b: u8| Digest([b; 32]);
        assert_eq!(combine(vec![]), None);
        assert_eq!(combine(vec![d(1), d(2)]), combine(vec![d(2), d(1)]));
        assert_ne!(combine(vec![d(1), d(2)]), combine(vec![d(1)]));
        // A multiset: a record given twice is not the record once.
        assert_ne!(combine(vec![d(1), d(1)]), combine(vec![d(1)]));
        // Bytes that sum to the same value combine differently.
        assert_ne!(combine(vec![d(1), d(3)]), combine(vec![d(2), d(2)]));
    }
}
