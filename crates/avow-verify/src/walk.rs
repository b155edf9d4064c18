//! The range's commits: which, in what order, and kept how.
//!
//! A range `A..B` is the commits reachable from `B` and not from `A` (all
//! of `B`'s history without `A`), parents before children — the order of
//! libgit2's revision walk sorted `TOPOLOGICAL | REVERSE`, which is `git
//! rev-list --topo-order --reverse A..B`'s (`tests/walk_vs_git.rs` holds all
//! three together on merges, criss-crosses, octopus merges, unrelated
//! roots, bases off the tip's history and shallow clones).
//!
//! libgit2's walk keeps a node of about a hundred bytes per commit until
//! it ends, and the result took 33 bytes per id (git2's `Oid` has room for
//! SHA-256): 130 MB for a million commits. Most ranges are linear — every
//! commit from the tip down to the base has one parent — and there the
//! range is simply the commits met following parents from the tip until
//! the base, in reverse: [`linear`] walks that way keeping nothing but the
//! ids, 20 bytes each in one buffer ([`Ids`]). A linear walk needs no
//! record of commits seen: with one parent each, no commit is reached
//! twice, and the base, on that chain, hides exactly the chain below it.
//! Whenever that argument does not hold — a merge on the way, a root
//! reached before the base (the base is not an ancestor of the tip, so
//! which commits it hides depends on its own history), grafts (which can
//! make a cycle) — [`linear`] gives up and [`range_commits`] takes
//! libgit2's walk, whose memory is as before.
//!
//! [`linear`] reads only each commit's header, up to its `parent` lines
//! (the whole commit is read again when it is verified). Parents are read
//! as libgit2 reads a commit for verification: in a shallow clone, whose
//! boundary commits have none (`src/shallow.rs` says what to fetch), by
//! libgit2 itself. libgit2's own walk reads them from a commit-graph file when
//! there is one, which git writes only for repositories that are neither
//! shallow nor grafted; there both agree.

use avow_mwindow::odb::Handoff;
use git2::{Oid, Repository, Sort};

use crate::Error;

/// Commit ids in one buffer: 20 bytes each (32 in a SHA-256 repository),
/// instead of git2's 33-byte `Oid`s. Ids come out canonical
/// ([`crate::canonical`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    bytes: Vec<u8>,
    /// Bytes per id; 0 until the first id.
    width: usize,
}

impl Ids {
    /// No ids.
    #[must_use]
    pub fn new() -> Self {
        Ids::default()
    }

    /// How many ids.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Adds `id` at the end. Ids of one repository all have its object
    /// format's length.
    pub fn push(&mut self, id: Oid) {
        let b = id.as_bytes();
        if self.width == 0 {
            self.width = b.len();
        }
        debug_assert_eq!(b.len(), self.width, "ids of one repository have one length");
        self.bytes.extend_from_slice(b);
    }

    /// The `i`th id.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<Oid> {
        let start = i.checked_mul(self.width)?;
        self.bytes.get(start..start + self.width).and_then(|b| Oid::from_bytes(b).ok())
    }

    /// The last id.
    #[must_use]
    pub fn last(&self) -> Option<Oid> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The ids in order.
    #[must_use]
    pub fn iter(&self) -> Iter<'_> {
        Iter { ids: self, front: 0, back: self.len() }
    }

    /// The ids in runs of `n` (the last one shorter), each as a `Vec`.
    pub fn chunks(&self, n: usize) -> impl Iterator<Item = Vec<Oid>> + '_ {
        self.chunks_until(n, self.len())
    }

    /// The first `end` ids in runs of `n` (the last one shorter), each as a
    /// `Vec`.
    pub fn chunks_until(&self, n: usize, end: usize) -> impl Iterator<Item = Vec<Oid>> + '_ {
        let (n, end) = (n.max(1), end.min(self.len()));
        (0..end).step_by(n).map(move |start| (start..(start + n).min(end)).filter_map(|i| self.get(i)).collect())
    }

    /// Reverses the order in place.
    fn reverse(&mut self) {
        let (w, n) = (self.width, self.len());
        for i in 0..n / 2 {
            let (head, tail) = self.bytes.split_at_mut((n - 1 - i) * w);
            head[i * w..(i + 1) * w].swap_with_slice(&mut tail[..w]);
        }
    }
}

impl FromIterator<Oid> for Ids {
    fn from_iter<I: IntoIterator<Item = Oid>>(iter: I) -> Self {
        let mut ids = Ids::new();
        for id in iter {
            ids.push(id);
        }
        ids
    }
}

impl From<Vec<Oid>> for Ids {
    fn from(v: Vec<Oid>) -> Self {
        v.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Ids {
    type Item = Oid;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The ids of an [`Ids`], front to back (or back to front).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    ids: &'a Ids,
    front: usize,
    back: usize,
}

impl Iterator for Iter<'_> {
    type Item = Oid;
    fn next(&mut self) -> Option<Oid> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.ids.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Oid> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.ids.get(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The commits of `base..tip` (of `tip` and all its ancestors when `base`
/// is `None`), parents first: [`linear`] when it applies, else libgit2's
/// walk.
pub fn range_commits(repo: &Repository, tip: Oid, base: Option<Oid>) -> Result<Ids, Error> {
    if let Some(ids) = linear(repo, tip, base) {
        return Ok(ids);
    }
    libgit2_walk(repo, tip, base)
}

/// The range by following single parents from `tip` down to `base` (or
/// to the root when there is no base), or `None` when the range is not
/// such a chain — a commit with several parents on the way, a root
/// reached while a base was given, a repository with grafts — or a commit
/// cannot be read (libgit2's walk then says why, as before).
#[must_use]
pub fn linear(repo: &Repository, tip: Oid, base: Option<Oid>) -> Option<Ids> {
    linear_with(repo, tip, base, None, |_| {})
}

/// [`linear`], calling `found` with the ids met so far (tip first, not yet
/// reversed) after each one, so that a caller can start on the commits
/// nearest the tip while the walk goes on towards the base; each commit
/// read whole goes to `keep`, when given, for the next reader (see
/// [`Handoff`]).
pub fn linear_with(
    repo: &Repository,
    tip: Oid,
    base: Option<Oid>,
    keep: Option<&Handoff>,
    mut found: impl FnMut(&Ids),
) -> Option<Ids> {
    // `info/grafts` may give any commit any parents, cycles included; a
    // walk without a record of what it has seen must not run there.
    if repo.commondir().join("info").join("grafts").exists() {
        return None;
    }
    let base = base.map(crate::canonical);
    let mut ids = Ids::new();
    let mut at = crate::canonical(tip);
    // A shallow clone's boundary commits have the parents libgit2 gives
    // them, not those their header names.
    let odb = if repo.is_shallow() { None } else { repo.odb().ok() };
    loop {
        if Some(at) == base {
            break;
        }
        let (count, first) = if let Some(odb) = &odb {
            first_parent(odb, at, keep)?
        } else {
            let commit = repo.find_commit(at).ok()?;
            (commit.parent_count(), commit.parent_id(0).ok())
        };
        ids.push(at);
        found(&ids);
        match count {
            // A root: the whole history when there is no base; else the
            // base was not on this chain, and what it hides depends on its
            // own history.
            0 if base.is_none() => break,
            1 => at = crate::canonical(first?),
            _ => return None,
        }
    }
    ids.reverse();
    Some(ids)
}

/// How many parents the commit `id` names and the first, read from its
/// stored header (`tree ID`, then a `parent ID` line for each parent, as
/// libgit2 parses it) without parsing the rest of the commit; `None` when
/// it is not a commit or its header is not of that form (libgit2's walk
/// then says why). The rest of the commit is read when it is verified:
/// from `keep`, when given, which gets the bytes read here.
fn first_parent(odb: &git2::Odb<'_>, id: Oid, keep: Option<&Handoff>) -> Option<(usize, Option<Oid>)> {
    let object = odb.read(id).ok()?;
    if object.kind() != git2::ObjectType::Commit {
        return None;
    }
    let hex = id.as_bytes().len() * 2;
    // `NAME ID\n` at the start of `data`: the id and the length of the line.
    let line = |data: &[u8], name: &[u8]| -> Option<(Oid, usize)> {
        let end = name.len() + hex;
        let id = data.strip_prefix(name)?.get(..hex).filter(|_| data.get(end) == Some(&b'\n'))?;
        // Hex digits of either case, as libgit2 reads them.
        let digit = |c: u8| char::from(c).to_digit(16);
        let mut bytes = [0_u8; 32];
        for (b, pair) in bytes.iter_mut().zip(id.chunks_exact(2)) {
            *b = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some((Oid::from_bytes(bytes.get(..hex / 2)?).ok()?, end + 1))
    };
    let data = object.data();
    let (_, mut at) = line(data, b"tree ")?;
    let (mut count, mut first) = (0, None);
    while let Some((parent, next)) = line(&data[at..], b"parent ") {
        first = first.or(Some(parent));
        count += 1;
        at += next;
    }
    if let Some(keep) = keep {
        keep.put(id.as_bytes(), data);
    }
    Some((count, first))
}

/// libgit2's revision walk, sorted as verification always has been.
pub fn libgit2_walk(repo: &Repository, tip: Oid, base: Option<Oid>) -> Result<Ids, Error> {
    let mut walk = repo.revwalk().map_err(|e| Error::git("starting a revision walk".into(), e))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).map_err(|e| Error::git("sorting".into(), e))?;
    walk.push(tip).map_err(|e| Error::walk(repo, e))?;
    if let Some(b) = base {
        walk.hide(b).map_err(|e| Error::walk(repo, e))?;
    }
    walk.map(|r| r.map_err(|e| Error::walk(repo, e))).collect()
}

#[cfg(test)]
mod tests {
    use git2::Oid;

    use super::Ids;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn ids_keep_order_and_reverse() {
        for n in 0..6_u8 {
            let v: Vec<Oid> = (0..n).map(oid).collect();
            let mut ids: Ids = v.clone().into();
            assert_eq!(ids.len(), v.len());
            assert_eq!(ids.is_empty(), v.is_empty());
            assert_eq!(ids.iter().collect::<Vec<_>>(), v);
            assert_eq!(ids.iter().rev().collect::<Vec<_>>(), v.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(ids.last(), v.last().copied());
            assert_eq!(ids.chunks(4).collect::<Vec<_>>(), v.chunks(4).map(<[Oid]>::to_vec).collect::<Vec<_>>());
            ids.reverse();
            assert_eq!(ids.iter().collect::<Vec<_>>(), v.iter().rev().copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn ids_take_twenty_bytes_each() {
        let ids: Ids = (0..100).map(oid).collect();
        assert_eq!(ids.bytes.len(), 100 * 20);
        assert_eq!(ids.get(100), None);
    }
}
