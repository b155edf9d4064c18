//! Patch-ids computed in-process, bit-for-bit equal to git's.
//!
//! The patch-id of a change is defined (see `SPEC.md`, "What the signature
//! binds") as the first field printed by
//!
//! ```text
//! git diff-tree -p --root --no-renames --full-index --binary PARENT COMMIT \
//!     | git patch-id --stable
//! ```
//!
//! run with default configuration (first parent; the empty tree for a root
//! commit). Running `git` per commit is far too slow, so this module
//! reproduces both halves in-process:
//!
//! 1. **The patch text.** A tree walk in git's own entry order (the same
//!    merge of two sorted trees that `diff-tree` performs, skipping equal
//!    subtrees, no rename detection) yields one file pair per changed path.
//!    A pair whose file type changes (regular file, symlink, gitlink) is
//!    split into a deletion followed by an addition, as git does. For each
//!    pair the lines git would print are produced: the `diff --git` header
//!    with C-quoted paths (`core.quotePath=true`), mode lines, the full
//!    `index` line, then either `GIT binary patch` (binary when either side
//!    has a NUL in its first 8000 bytes, or is bigger than git's default
//!    `core.bigFileThreshold`) or the `---`/`+++` lines and hunks. Hunks of
//!    two-sided text changes come from libgit2's copy of xdiff configured
//!    like git's (Myers, 3 lines of context, no inter-hunk context, indent
//!    heuristic on); one-sided changes and submodules (`Subproject commit
//!    <id>` lines) are generated directly. Binary payloads are never
//!    encoded: `patch-id` skips them and hashes the full pre- and post-image
//!    blob ids from the `index` line instead, which binds the content.
//!
//! 2. **The hash.** [`LineHasher`] is a line-by-line reimplementation of the
//!    state machine in git's `builtin/patch-id.c` (`get_one_patchid` with
//!    `--stable`), including its quirks: header lines are hashed with
//!    whitespace (space, tab, CR, LF only) removed, `index` lines are skipped
//!    but remembered, each file's hash is added into the result with carry,
//!    a file without hunks (mode change, empty file) is hashed together with
//!    the next file, the `diff --git` line right after a binary file is not
//!    hashed, and hashing of a line stops at a NUL byte.
//!
//! Deliberate limits (the reference command itself is not config-free here):
//! `.gitattributes` (`-diff`, `binary`, `diff=driver`) and `.gitmodules`
//! `ignore=` settings are not consulted; they are read from the working
//! tree by git, so they are not a property of the commit.
//!
//! SHA-256 repositories (git2's `unstable-sha256`, libgit2's experimental
//! SHA-256 support): `git patch-id` there hashes with SHA-256 and reads
//! 64-digit object ids, and so does this module, choosing by the trees'
//! object format. Trees of two different formats are an
//! [`Error::UnsupportedObjectFormat`] rather than a wrong answer.

use std::fmt;

use git2::{Blob, DiffOptions, ObjectFormat, Oid, Patch, Repository, Tree};
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// Bytes in a SHA-1 object id.
const SHA1_RAWSZ: usize = 20;
/// Bytes in the longest object id (SHA-256), `GIT_MAX_RAWSZ`.
const MAX_RAWSZ: usize = 32;
/// Longest object id `patch-id` copies out of an `index` line
/// (`GIT_MAX_HEXSZ`).
const MAX_HEXSZ: usize = 64;
/// git looks for NUL in this many leading bytes to call a blob binary.
const FIRST_FEW_BYTES: usize = 8000;
/// Default `core.bigFileThreshold`: bigger blobs are binary to `diff`.
const BIG_FILE_THRESHOLD: usize = 512 * 1024 * 1024;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFGITLINK: u32 = 0o160_000;

/// A patch-id: the hash `git patch-id --stable` prints (SHA-1, or SHA-256 in
/// a SHA-256 repository).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatchId(Oid);

impl PatchId {
    /// The patch-id as a git object id (it is not the id of any object).
    pub fn oid(&self) -> Oid {
        self.0
    }
}

impl fmt::Display for PatchId {
    /// Lowercase hex, as `git patch-id` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a patch-id could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An object needed for the diff could not be read.
    #[error("cannot read {what} {id}")]
    Read {
        /// What was being read ("tree", "blob", "commit", ...).
        what: &'static str,
        /// Its id.
        id: Oid,
        /// The underlying git2 error.
        #[source]
        source: git2::Error,
    },
    /// The first parent of a commit could not be read.
    #[error("cannot read the first parent of commit {commit}")]
    Parent {
        /// The commit whose parent was wanted.
        commit: Oid,
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
    /// The two trees have object ids of different formats (SHA-1 and
    /// SHA-256), so no patch-id can be defined.
    #[error("unsupported object format: {len}-byte object ids next to ids of another format")]
    UnsupportedObjectFormat {
        /// Length in bytes of the object ids seen.
        len: usize,
    },
}

/// patch-id of the change from `old` (`None` = empty tree) to `new`;
/// `Ok(None)` when the diff is empty.
pub fn between_trees(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Option<PatchId>, Error> {
    let format = new.id().object_format();
    for id in old.map(Tree::id).into_iter().chain([new.id()]) {
        if id.object_format() != format {
            return Err(Error::UnsupportedObjectFormat { len: id.as_bytes().len() });
        }
    }
    if old.is_some_and(|o| o.id() == new.id()) {
        return Ok(None);
    }
    let mut gen = PatchGen::new(repo, format);
    let mut prefix = Vec::new();
    gen.diff_trees(old, Some(new), &mut prefix)?;
    gen.hasher.finish().as_deref().map(PatchId::from_raw).transpose()
}

/// patch-id of a commit against its first parent (the empty tree for a root
/// commit); `Ok(None)` when the diff is empty.
pub fn of_commit(repo: &Repository, commit: &git2::Commit<'_>) -> Result<Option<PatchId>, Error> {
    let tree = commit.tree().map_err(|source| Error::Read { what: "tree of commit", id: commit.id(), source })?;
    if commit.parent_count() == 0 {
        return between_trees(repo, None, &tree);
    }
    let parent = commit.parent(0).map_err(|source| Error::Parent { commit: commit.id(), source })?;
    let parent_tree =
        parent.tree().map_err(|source| Error::Read { what: "tree of commit", id: parent.id(), source })?;
    between_trees(repo, Some(&parent_tree), &tree)
}

impl PatchId {
    fn from_raw(raw: &[u8]) -> Result<Self, Error> {
        Oid::from_bytes(raw).map(PatchId).map_err(|_| Error::UnsupportedObjectFormat { len: raw.len() })
    }
}

// ---------------------------------------------------------------------------
// The hash: git's patch-id state machine, fed one line at a time.
// ---------------------------------------------------------------------------

/// Reimplementation of `get_one_patchid()` in `--stable` mode, for a single
/// patch (as `diff-tree` with two trees prints: no commit header).
///
/// Lines are fed whole, including their trailing `\n`.
struct LineHasher {
    /// Hash of the current file (git calls it a hunk).
    ctx: Hash,
    /// Sum of the per-file hashes, little-endian with carry.
    result: [u8; MAX_RAWSZ],
    /// Bytes hashed through the normal path; 0 means "no patch".
    patchlen: usize,
    /// Lines left in the current hunk's pre-image; -1 while in a header.
    before: i64,
    /// Lines left in the current hunk's post-image.
    after: i64,
    /// Inside a binary file: skip everything up to the next `diff `.
    diff_is_binary: bool,
    /// Pre-image id from the last `index` line.
    pre_oid: Vec<u8>,
    /// Post-image id from the last `index` line.
    post_oid: Vec<u8>,
    /// git stopped reading this patch (it would start another one).
    stopped: bool,
    /// Reused buffer for a line with whitespace removed.
    scratch: Vec<u8>,
}

impl LineHasher {
    /// A hasher for a SHA-1 repository.
    #[cfg(test)]
    fn new() -> Self {
        Self::for_format(ObjectFormat::Sha1)
    }

    /// A hasher for a repository of `format`: `git patch-id` hashes with
    /// the repository's hash function and reads object ids of its length.
    fn for_format(format: ObjectFormat) -> Self {
        Self {
            ctx: Hash::new(format),
            result: [0; MAX_RAWSZ],
            patchlen: 0,
            before: -1,
            after: -1,
            diff_is_binary: false,
            pre_oid: Vec::with_capacity(MAX_HEXSZ),
            post_oid: Vec::with_capacity(MAX_HEXSZ),
            stopped: false,
            scratch: Vec::with_capacity(256),
        }
    }

    fn feed(&mut self, line: &[u8]) {
        if self.stopped {
            return;
        }
        // A line starting with an object name (possibly after "commit " or
        // "From ") begins the next patch of a log; git stops this one there.
        let p = line.strip_prefix(b"commit ").or_else(|| line.strip_prefix(b"From ")).unwrap_or(line);
        if starts_with_hex_oid(p, 2 * self.ctx.rawsz()) {
            self.stopped = true;
            return;
        }
        // Text before the first "diff " is commit message.
        if self.patchlen == 0 && !line.starts_with(b"diff ") {
            return;
        }
        if self.before == -1 {
            if line.starts_with(b"GIT binary patch") || line.starts_with(b"Binary files") {
                self.diff_is_binary = true;
                self.before = 0;
                self.ctx.update(&self.pre_oid);
                self.ctx.update(&self.post_oid);
                self.flush();
                return;
            } else if line.starts_with(b"index ") {
                self.remember_index_ids(line);
                return;
            } else if line.starts_with(b"--- ") {
                self.before = 1;
                self.after = 1;
            } else if !line.first().is_some_and(u8::is_ascii_alphabetic) {
                self.stopped = true;
                return;
            }
        }
        // "\ No newline at end of file"
        if line.starts_with(b"\\ ") && c_strlen(line) > 12 {
            return;
        }
        if self.diff_is_binary {
            if line.starts_with(b"diff ") {
                // Note: this "diff " line is not hashed.
                self.diff_is_binary = false;
                self.before = -1;
            }
            return;
        }
        if self.before == 0 && self.after == 0 {
            if line.starts_with(b"@@ -") {
                scan_hunk_header(line, &mut self.before, &mut self.after);
                return;
            }
            if !line.starts_with(b"diff ") {
                self.stopped = true;
                return;
            }
            self.flush();
            self.before = -1;
            self.after = -1;
        }
        match line.first() {
            Some(b'-') => self.before -= 1,
            Some(b'+') => self.after -= 1,
            Some(b' ') => {
                self.before -= 1;
                self.after -= 1;
            }
            _ => {}
        }
        self.scratch.clear();
        self.scratch.extend(line[..c_strlen(line)].iter().copied().filter(|&c| !is_git_space(c)));
        self.patchlen += self.scratch.len();
        self.ctx.update(&self.scratch);
    }

    /// `index <pre>..<post>[ <mode>]`: keep the two ids for binary files.
    fn remember_index_ids(&mut self, line: &[u8]) {
        let line = &line[..c_strlen(line)];
        let Some(dots) = find(line, b"..", 0) else {
            return;
        };
        let post_end = find(line, b" ", dots).unwrap_or(line.len().saturating_sub(1));
        let copy = |dst: &mut Vec<u8>, src: &[u8]| {
            dst.clear();
            dst.extend_from_slice(&src[..src.len().min(MAX_HEXSZ)]);
        };
        copy(&mut self.pre_oid, &line[b"index ".len()..dots]);
        let post_start = dots + 2;
        copy(&mut self.post_oid, line.get(post_start..post_end.max(post_start)).unwrap_or_default());
    }

    /// Adds the current file's hash into the result (20-byte sum with carry).
    fn flush(&mut self) {
        let (hash, rawsz) = self.ctx.finalize_reset();
        let hash = &hash[..rawsz];
        let mut carry: u16 = 0;
        for (r, h) in self.result.iter_mut().zip(hash.iter()) {
            carry += u16::from(*r) + u16::from(*h);
            *r = carry.to_le_bytes()[0];
            carry >>= 8;
        }
    }

    /// The patch-id, or `None` when nothing was hashed (empty diff).
    fn finish(mut self) -> Option<Vec<u8>> {
        self.flush();
        (self.patchlen > 0).then(|| self.result[..self.ctx.rawsz()].to_vec())
    }
}

/// The repository's hash function.
enum Hash {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hash {
    fn new(format: ObjectFormat) -> Self {
        if format == ObjectFormat::Sha1 {
            Hash::Sha1(Sha1::new())
        } else {
            Hash::Sha256(Sha256::new())
        }
    }

    /// Bytes in a digest (and an object id).
    fn rawsz(&self) -> usize {
        match self {
            Hash::Sha1(_) => SHA1_RAWSZ,
            Hash::Sha256(_) => MAX_RAWSZ,
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hash::Sha1(c) => c.update(data),
            Hash::Sha256(c) => c.update(data),
        }
    }

    /// The digest (in the first [`Hash::rawsz`] bytes) and its length.
    fn finalize_reset(&mut self) -> ([u8; MAX_RAWSZ], usize) {
        let mut out = [0; MAX_RAWSZ];
        let n = match self {
            Hash::Sha1(c) => {
                out[..SHA1_RAWSZ].copy_from_slice(&c.finalize_reset());
                SHA1_RAWSZ
            }
            Hash::Sha256(c) => {
                out.copy_from_slice(&c.finalize_reset());
                MAX_RAWSZ
            }
        };
        (out, n)
    }
}

/// git's `isspace` (its own ctype table: no `\v`, no `\f`).
fn is_git_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Length up to the first NUL, as C string functions see the line.
fn c_strlen(s: &[u8]) -> usize {
    s.iter().position(|&c| c == 0).unwrap_or(s.len())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn starts_with_hex_oid(p: &[u8], hexsz: usize) -> bool {
    p.len() >= hexsz && p[..hexsz].iter().all(u8::is_ascii_hexdigit)
}

fn count_digits(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// C `atoi` on a byte string (saturating instead of undefined on overflow).
fn atoi(s: &[u8]) -> i64 {
    let s = &s[s.iter().take_while(|&&c| matches!(c, b' ' | b'\t'..=b'\r')).count()..];
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = s[..count_digits(s)].iter().fold(0_i64, |n, &d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')));
    if neg {
        -n
    } else {
        n
    }
}

/// `@@ -a[,b] +c[,d] @@`: sets the pre/post line counts (1 when omitted),
/// stopping where git's parser stops on malformed input.
fn scan_hunk_header(line: &[u8], before: &mut i64, after: &mut i64) {
    let mut q = &line[4..];
    let mut n = count_digits(q);
    if q.get(n) == Some(&b',') {
        q = &q[n + 1..];
        *before = atoi(q);
        n = count_digits(q);
    } else {
        *before = 1;
    }
    if n == 0 || q.get(n) != Some(&b' ') || q.get(n + 1) != Some(&b'+') {
        return;
    }
    let r = &q[n + 2..];
    let n = count_digits(r);
    if r.get(n) == Some(&b',') {
        *after = atoi(&r[n + 1..]);
    } else {
        *after = 1;
    }
}

// ---------------------------------------------------------------------------
// The patch text: what `git diff-tree -p --no-renames --full-index --binary`
// prints, line by line, straight into the hasher.
// ---------------------------------------------------------------------------

/// One side of a file pair: canonical mode and blob (or commit) id.
#[derive(Clone, Copy)]
struct Side {
    mode: u32,
    id: Oid,
}

/// A side's content as git's diff machinery sees it.
enum Content<'r> {
    /// The file does not exist on this side.
    Missing,
    Blob(Blob<'r>),
    /// A submodule: `Subproject commit <id>\n`.
    Gitlink(Vec<u8>),
}

impl Content<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Content::Missing => &[],
            Content::Blob(b) => b.content(),
            Content::Gitlink(v) => v,
        }
    }

    /// git's `diff_filespec_is_binary` without attributes.
    fn is_binary(&self) -> bool {
        match self {
            Content::Blob(b) => {
                let data = b.content();
                data.len() > BIG_FILE_THRESHOLD || data[..data.len().min(FIRST_FEW_BYTES)].contains(&0)
            }
            Content::Missing | Content::Gitlink(_) => false,
        }
    }
}

struct PatchGen<'r> {
    repo: &'r Repository,
    hasher: LineHasher,
    /// The line being built.
    line: Vec<u8>,
    /// Options for libgit2's xdiff, matching git's defaults.
    opts: DiffOptions,
}

impl<'r> PatchGen<'r> {
    fn new(repo: &'r Repository, format: ObjectFormat) -> Self {
        let mut opts = DiffOptions::new();
        opts.force_text(true).indent_heuristic(true).context_lines(3).interhunk_lines(0).ignore_submodules(false);
        Self { repo, hasher: LineHasher::for_format(format), line: Vec::with_capacity(256), opts }
    }

    fn emit_line(&mut self) {
        self.hasher.feed(&self.line);
    }

    fn find_tree(&self, id: Oid) -> Result<Tree<'r>, Error> {
        self.repo.find_tree(id).map_err(|source| Error::Read { what: "tree", id, source })
    }

    /// git's tree-diff: merge two sorted trees, recursing where subtrees
    /// differ, reporting file pairs in output order.
    fn diff_trees(
        &mut self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        prefix: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let (mut i, mut j) = (0, 0);
        loop {
            let a = old.and_then(|t| t.get(i));
            let b = new.and_then(|t| t.get(j));
            let (a, b) = match (a, b) {
                (None, None) => return Ok(()),
                (Some(a), None) => (Some(a), None),
                (None, Some(b)) => (None, Some(b)),
                (Some(a), Some(b)) => {
                    let am = canon_mode(a.filemode_raw());
                    let bm = canon_mode(b.filemode_raw());
                    match base_name_compare(a.name_bytes(), am, b.name_bytes(), bm) {
                        std::cmp::Ordering::Less => (Some(a), None),
                        std::cmp::Ordering::Greater => (None, Some(b)),
                        std::cmp::Ordering::Equal => (Some(a), Some(b)),
                    }
                }
            };
            let side = |e: &git2::TreeEntry<'_>| Side { mode: canon_mode(e.filemode_raw()), id: e.id() };
            let a_side = a.as_ref().map(side);
            let b_side = b.as_ref().map(side);
            if a.is_some() {
                i += 1;
            }
            if b.is_some() {
                j += 1;
            }
            if let (Some(x), Some(y)) = (a_side, b_side) {
                if x.id == y.id && x.mode == y.mode {
                    continue;
                }
            }
            let Some(entry) = a.as_ref().or(b.as_ref()) else { continue };
            let base = prefix.len();
            prefix.extend_from_slice(entry.name_bytes());
            let result = self.entry_pair(a_side, b_side, prefix);
            prefix.truncate(base);
            result?;
        }
    }

    fn entry_pair(&mut self, a: Option<Side>, b: Option<Side>, path: &mut Vec<u8>) -> Result<(), Error> {
        let is_dir = |s: &Option<Side>| s.is_some_and(|s| s.mode & S_IFMT == S_IFDIR);
        if is_dir(&a) || is_dir(&b) {
            // Same name compares equal only for the same kind, so both sides
            // (when present) are trees here, and different ones.
            let old = a.map(|s| self.find_tree(s.id)).transpose()?;
            let new = b.map(|s| self.find_tree(s.id)).transpose()?;
            path.push(b'/');
            return self.diff_trees(old.as_ref(), new.as_ref(), path);
        }
        match (a, b) {
            (Some(a), Some(b)) if (a.mode ^ b.mode) & S_IFMT != 0 => {
                // Changes between file, symlink and gitlink are shown as a
                // deletion followed by a creation.
                self.file_pair(path, Some(a), None)?;
                self.file_pair(path, None, Some(b))
            }
            _ => self.file_pair(path, a, b),
        }
    }

    fn content(&self, side: Option<Side>) -> Result<Content<'r>, Error> {
        let Some(side) = side else {
            return Ok(Content::Missing);
        };
        if side.mode & S_IFMT == S_IFGITLINK {
            let mut v = b"Subproject commit ".to_vec();
            push_hex(&mut v, side.id);
            v.push(b'\n');
            return Ok(Content::Gitlink(v));
        }
        self.repo.find_blob(side.id).map(Content::Blob).map_err(|source| Error::Read {
            what: "blob",
            id: side.id,
            source,
        })
    }

    /// Everything git prints for one file pair.
    fn file_pair(&mut self, path: &[u8], old: Option<Side>, new: Option<Side>) -> Result<(), Error> {
        let zero = if self.hasher.ctx.rawsz() == SHA1_RAWSZ { Oid::ZERO_SHA1 } else { Oid::ZERO_SHA256 };
        let (old_id, new_id) = (old.map_or(zero, |s| s.id), new.map_or(zero, |s| s.id));

        self.line.clear();
        self.line.extend_from_slice(b"diff --git ");
        push_quoted_two(&mut self.line, b"a/", path);
        self.line.push(b' ');
        push_quoted_two(&mut self.line, b"b/", path);
        self.line.push(b'\n');
        self.emit_line();

        match (old, new) {
            (None, Some(n)) => self.mode_line(b"new file mode ", n.mode),
            (Some(o), None) => self.mode_line(b"deleted file mode ", o.mode),
            (Some(o), Some(n)) if o.mode != n.mode => {
                self.mode_line(b"old mode ", o.mode);
                self.mode_line(b"new mode ", n.mode);
            }
            _ => {}
        }
        if old_id != new_id {
            self.line.clear();
            self.line.extend_from_slice(b"index ");
            push_hex(&mut self.line, old_id);
            self.line.extend_from_slice(b"..");
            push_hex(&mut self.line, new_id);
            if let (Some(o), Some(n)) = (old, new) {
                if o.mode == n.mode {
                    self.line.push(b' ');
                    push_mode(&mut self.line, o.mode);
                }
            }
            self.line.push(b'\n');
            self.emit_line();
        }
        if old_id == new_id {
            // Mode change only: no content lines, binary or not.
            return Ok(());
        }

        let old_c = self.content(old)?;
        let new_c = self.content(new)?;
        if old_c.is_binary() || new_c.is_binary() {
            if old_c.bytes() != new_c.bytes() {
                self.line.clear();
                self.line.extend_from_slice(b"GIT binary patch\n");
                self.emit_line();
                // The encoded payload follows in git's output; patch-id
                // skips it, having hashed the two ids of the index line.
            }
            return Ok(());
        }
        if let (Content::Blob(ob), Content::Blob(nb)) = (&old_c, &new_c) {
            self.text_hunks(path, ob, nb)
        } else {
            // One side missing, or a submodule: xdiff's answer is "all old
            // lines removed, all new lines added".
            self.replace_all(path, old.is_some(), new.is_some(), old_c.bytes(), new_c.bytes());
            Ok(())
        }
    }

    fn mode_line(&mut self, what: &[u8], mode: u32) {
        self.line.clear();
        self.line.extend_from_slice(what);
        push_mode(&mut self.line, mode);
        self.line.push(b'\n');
        self.emit_line();
    }

    fn file_labels(&mut self, path: &[u8], old_exists: bool, new_exists: bool) {
        for (marker, prefix, exists) in [(b"--- ", b"a/", old_exists), (b"+++ ", b"b/", new_exists)] {
            self.line.clear();
            self.line.extend_from_slice(marker);
            let start = self.line.len();
            if exists {
                push_quoted_two(&mut self.line, prefix, path);
            } else {
                self.line.extend_from_slice(b"/dev/null");
            }
            if self.line[start..].contains(&b' ') {
                self.line.push(b'\t');
            }
            self.line.push(b'\n');
            self.emit_line();
        }
    }

    fn hunk_header(&mut self, old_start: u32, old_lines: u32, new_start: u32, new_lines: u32) {
        use std::io::Write as _;
        self.line.clear();
        // Writing to a Vec cannot fail.
        let _ = write!(self.line, "@@ -{old_start}");
        if old_lines != 1 {
            let _ = write!(self.line, ",{old_lines}");
        }
        let _ = write!(self.line, " +{new_start}");
        if new_lines != 1 {
            let _ = write!(self.line, ",{new_lines}");
        }
        self.line.extend_from_slice(b" @@\n");
        self.emit_line();
    }

    fn content_line(&mut self, origin: u8, content: &[u8]) {
        self.line.clear();
        self.line.push(origin);
        self.line.extend_from_slice(content);
        if !content.ends_with(b"\n") {
            self.line.push(b'\n');
            self.emit_line();
            self.line.clear();
            self.line.extend_from_slice(b"\\ No newline at end of file\n");
        }
        self.emit_line();
    }

    /// A diff where no line is common (one side empty, or a submodule).
    fn replace_all(&mut self, path: &[u8], old_exists: bool, new_exists: bool, old: &[u8], new: &[u8]) {
        let old_n = count_lines(old);
        let new_n = count_lines(new);
        if old_n == 0 && new_n == 0 {
            return;
        }
        self.file_labels(path, old_exists, new_exists);
        self.hunk_header(u32::from(old_n > 0), old_n, u32::from(new_n > 0), new_n);
        for line in split_lines(old) {
            self.content_line(b'-', line);
        }
        for line in split_lines(new) {
            self.content_line(b'+', line);
        }
    }

    fn text_hunks(&mut self, path: &[u8], old: &Blob<'_>, new: &Blob<'_>) -> Result<(), Error> {
        let diff_err = |source| Error::Diff { path: String::from_utf8_lossy(path).into_owned(), source };
        let diff = Patch::from_blobs(old, None, new, None, Some(&mut self.opts)).map_err(diff_err)?;
        let hunks = diff.num_hunks();
        if hunks == 0 {
            return Ok(());
        }
        self.file_labels(path, true, true);
        for h in 0..hunks {
            let (hunk, lines) = diff.hunk(h).map_err(diff_err)?;
            self.hunk_header(hunk.old_start(), hunk.old_lines(), hunk.new_start(), hunk.new_lines());
            for l in 0..lines {
                let line = diff.line_in_hunk(h, l).map_err(diff_err)?;
                // Other origins are the end-of-file newline markers, which
                // `content_line` has already emitted after the line.
                if let c @ ('+' | '-' | ' ') = line.origin() {
                    let origin = u8::try_from(c).unwrap_or(b' ');
                    self.content_line(origin, line.content());
                }
            }
        }
        Ok(())
    }
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

fn count_lines(s: &[u8]) -> u32 {
    let n = split_lines(s).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Lines including their `\n` (the last may lack it).
fn split_lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    s.split_inclusive(|&c| c == b'\n')
}

fn push_hex(buf: &mut Vec<u8>, id: Oid) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in id.as_bytes() {
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 0xf)]);
    }
}

/// `%06o` (canonical modes never need more than six digits).
fn push_mode(buf: &mut Vec<u8>, mode: u32) {
    for shift in [15, 12, 9, 6, 3, 0] {
        buf.push(b"01234567"[((mode >> shift) & 7) as usize]);
    }
}

/// git's C-style quoting with `core.quotePath=true`: `None` if `c` is
/// printed as is, else the escape letter or `0` for an octal escape.
fn quote_char(c: u8) -> Option<u8> {
    match c {
        0x07 => Some(b'a'),
        0x08 => Some(b'b'),
        b'\t' => Some(b't'),
        b'\n' => Some(b'n'),
        0x0b => Some(b'v'),
        0x0c => Some(b'f'),
        b'\r' => Some(b'r'),
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        0..=0x1f | 0x7f..=0xff => Some(0),
        _ => None,
    }
}

/// git's `quote_two(prefix, name)`: `prefix` + `name`, wrapped in double
/// quotes with C escapes when any byte needs quoting.
fn push_quoted_two(buf: &mut Vec<u8>, prefix: &[u8], name: &[u8]) {
    if !name.iter().chain(prefix).any(|&c| quote_char(c).is_some()) {
        buf.extend_from_slice(prefix);
        buf.extend_from_slice(name);
        return;
    }
    buf.push(b'"');
    for &c in prefix.iter().chain(name) {
        match quote_char(c) {
            None => buf.push(c),
            Some(0) => buf.extend_from_slice(&[b'\\', b'0' + (c >> 6), b'0' + ((c >> 3) & 7), b'0' + (c & 7)]),
            Some(e) => buf.extend_from_slice(&[b'\\', e]),
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_lines(lines: &[&[u8]]) -> Option<Vec<u8>> {
        let mut h = LineHasher::new();
        for l in lines {
            h.feed(l);
        }
        h.finish()
    }

    #[test]
    fn quoting_matches_git_rules() {
        let mut b = Vec::new();
        push_quoted_two(&mut b, b"a/", b"plain name.txt");
        assert_eq!(b, b"a/plain name.txt");
        b.clear();
        push_quoted_two(&mut b, b"a/", "t\u{e9}\t\"q\\\x7f\x01".as_bytes());
        assert_eq!(b, br#""a/t\303\251\t\"q\\\177\001""#);
    }

    #[test]
    fn mode_formatting() {
        for (m, s) in [(0o100_644, "100644"), (0o40_000, "040000"), (0o160_000, "160000"), (0, "000000")] {
            let mut b = Vec::new();
            push_mode(&mut b, m);
            assert_eq!(b, s.as_bytes());
        }
    }

    #[test]
    fn hunk_header_counts() {
        let (mut b, mut a) = (-1, -1);
        scan_hunk_header(b"@@ -5 +5 @@\n", &mut b, &mut a);
        assert_eq!((b, a), (1, 1));
        scan_hunk_header(b"@@ -0,0 +1,7 @@ fn\n", &mut b, &mut a);
        assert_eq!((b, a), (0, 7));
        scan_hunk_header(b"@@ -3,4 +3 @@\n", &mut b, &mut a);
        assert_eq!((b, a), (4, 1));
    }

    #[test]
    fn empty_input_has_no_id() {
        assert_eq!(hash_lines(&[]), None);
        assert_eq!(hash_lines(&[b"not a diff\n"]), None);
    }

    #[test]
    fn whitespace_and_nul() {
        let base: &[&[u8]] =
            &[b"diff --git a/x b/x\n", b"--- a/x\n", b"+++ b/x\n", b"@@ -1 +1 @@\n", b"-a\n", b"+b c\n"];
        let mut other = base.to_vec();
        other[5] = b"+ b\tc\r\n";
        assert_eq!(hash_lines(base), hash_lines(&other));
        // \v is not whitespace to git.
        other[5] = b"+b\x0bc\n";
        assert_ne!(hash_lines(base), hash_lines(&other));
        // Hashing stops at NUL.
        other[5] = b"+bc\0zzz\n";
        assert_eq!(hash_lines(base), hash_lines(&other));
    }
}
