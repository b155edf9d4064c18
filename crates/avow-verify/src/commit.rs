//! Reading what avow needs from a commit: message, trailers, identities, and
//! the change's size and spread.

use std::collections::BTreeSet;

use avow_core::attestation::Statement;
use avow_core::encoding::Encoding;
use avow_core::trailer::{self, ParseOptions};
use avow_policy::facts::{ChangeStats, CommitFacts, Ident};
use git2::{Commit, Diff, DiffOptions, Oid, Repository, Tree};

use crate::tree::{self, Entry};
use crate::Error;

/// The subject prefixes of commits made to be folded into another by `git
/// rebase --autosquash` (`git commit --fixup`, `--squash`, `--fixup=amend:`).
pub const AUTOSQUASH_PREFIXES: [&str; 3] = ["fixup! ", "squash! ", "amend! "];

/// Whether a subject marks a commit made to be autosquashed.
pub fn is_autosquash(subject: &str) -> bool {
    AUTOSQUASH_PREFIXES.iter().any(|p| subject.starts_with(p))
}

/// The tree of a commit's first parent, or `None` for a root commit.
pub fn parent_tree<'r>(commit: &Commit<'r>) -> Result<Option<Tree<'r>>, Error> {
    if commit.parent_count() == 0 {
        return Ok(None);
    }
    let parent = commit.parent(0).map_err(|e| Error::git(format!("reading the first parent of {}", commit.id()), e))?;
    parent.tree().map(Some).map_err(|e| Error::git(format!("reading the tree of {}", parent.id()), e))
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
    let paths = changed_paths(repo, old, new)?;
    let (lines_added, lines_removed) = if count_lines {
        let mut opts = diff_options();
        let diff: Diff<'_> = repo
            .diff_tree_to_tree(old, Some(new), Some(&mut opts))
            .map_err(|e| Error::git("diffing trees".into(), e))?;
        let stats = diff.stats().map_err(|e| Error::git("counting changed lines".into(), e))?;
        (stats.insertions(), stats.deletions())
    } else {
        (0, 0)
    };
    Ok(ChangeStats { lines_added, lines_removed, paths, kept: Vec::new() })
}

/// The paths that differ between two trees, sorted — what
/// `git diff-tree -r --no-renames --name-only OLD NEW` lists: every
/// added, deleted or modified file, symlink or submodule, a mode change
/// included, both sides of a file replaced by a directory. Subtrees with
/// equal ids are skipped without being read, so a commit touching one file
/// reads only the trees on that file's path (a libgit2 diff walks every
/// entry of both trees).
pub fn changed_paths(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Vec<String>, Error> {
    Ok(changed_paths_at_most(repo, old, new, usize::MAX)?.unwrap_or_default())
}

/// [`changed_paths`], or `None` as soon as more than `limit` paths differ:
/// the walk stops there, so its cost follows `limit`, not the trees (the
/// squash check compares a commit's few paths with a branch's whole
/// change, threat-model entry 117).
pub fn changed_paths_at_most(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    limit: usize,
) -> Result<Option<Vec<String>>, Error> {
    let odb = repo.odb().ok();
    let (old, new) = (old.cloned().map(Root::Git), Root::Git(new.clone()));
    changed_paths_of_roots(repo, odb.as_ref(), old.as_ref(), &new, limit)
}

/// A commit's root tree, read by id: its stored bytes when the object
/// database holds it as a tree (split by [`tree::parse_tree`] when they are
/// in git's canonical form, as subtrees are), else libgit2's tree, to
/// parse or refuse.
pub(crate) enum Root<'r, 'o> {
    Stored(Oid, git2::OdbObject<'o>),
    Git(Tree<'r>),
}

impl<'r> Root<'r, '_> {
    pub(crate) fn id(&self) -> Oid {
        match self {
            Root::Stored(id, _) => *id,
            Root::Git(t) => t.id(),
        }
    }

    /// libgit2's tree, for what needs one (the change digest, line counts).
    pub(crate) fn git(&self, repo: &'r Repository) -> Result<Tree<'r>, Error> {
        match self {
            Root::Git(t) => Ok(t.clone()),
            Root::Stored(id, _) => repo.find_tree(*id).map_err(|err| Error::git(format!("reading the tree {id}"), err)),
        }
    }

    fn side(&self) -> Side<'r, '_, '_> {
        match self {
            Root::Stored(id, object) => Side::Held(*id, object.data()),
            Root::Git(t) => Side::Git(t.clone()),
        }
    }
}

/// The root tree `id` ([`Root`]); `git` reads it through libgit2 when the
/// object database does not hold it as a tree, and says why it cannot.
pub(crate) fn read_root<'r, 'o>(
    odb: Option<&'o git2::Odb<'r>>,
    id: Oid,
    git: impl FnOnce() -> Result<Tree<'r>, Error>,
) -> Result<Root<'r, 'o>, Error> {
    match odb.and_then(|odb| odb.read(id).ok()).filter(|o| o.kind() == git2::ObjectType::Tree) {
        Some(object) => Ok(Root::Stored(id, object)),
        None => git().map(Root::Git),
    }
}

/// [`change_stats`] of two root trees read by id.
pub(crate) fn change_stats_of_roots<'r>(
    repo: &'r Repository,
    odb: Option<&git2::Odb<'r>>,
    old: Option<&Root<'r, '_>>,
    new: &Root<'r, '_>,
    count_lines: bool,
) -> Result<ChangeStats, Error> {
    if count_lines {
        let old = old.map(|t| t.git(repo)).transpose()?;
        return change_stats(repo, old.as_ref(), &new.git(repo)?, true);
    }
    let paths = changed_paths_of_roots(repo, odb, old, new, usize::MAX)?.unwrap_or_default();
    Ok(ChangeStats { lines_added: 0, lines_removed: 0, paths, kept: Vec::new() })
}

/// [`changed_paths_at_most`] of two root trees read by id.
fn changed_paths_of_roots<'r>(
    repo: &'r Repository,
    odb: Option<&git2::Odb<'r>>,
    old: Option<&Root<'r, '_>>,
    new: &Root<'r, '_>,
    limit: usize,
) -> Result<Option<Vec<String>>, Error> {
    let mut out = BTreeSet::new();
    // The directories still to compare, with their paths: on a stack of
    // their own, not the thread's, which a pushed tree nested thousands of
    // directories deep overflowed (threat-model entry 113).
    let mut todo: Todo<'_, '_, '_> = vec![(old.map(Root::side), Some(new.side()), Vec::new())];
    while let Some((old, new, mut prefix)) = todo.pop() {
        if let (Some(o), Some(n)) = (&old, &new) {
            if o.id() == n.id() {
                continue;
            }
        }
        // Whether more than `limit` paths differ: the walk stops.
        let mut over = false;
        with_entries(repo, old.as_ref(), |old_entries| {
            with_entries(repo, new.as_ref(), |new_entries| {
                let (old_pair, new_paired) = counterparts(&names(old_entries), &names(new_entries));
                let mut walk = Walk { repo, odb, prefix: &mut prefix, out: &mut out, todo: &mut todo };
                for (entry, other) in old_entries.iter().zip(old_pair) {
                    walk.entry(Some(entry), other.map(|j| &new_entries[j]))?;
                    if walk.out.len() > limit {
                        over = true;
                        return Ok(());
                    }
                }
                for (entry, paired) in new_entries.iter().zip(new_paired) {
                    if !paired {
                        walk.entry(None, Some(entry))?;
                        if walk.out.len() > limit {
                            over = true;
                            return Ok(());
                        }
                    }
                }
                Ok(())
            })
        })?;
        if over {
            return Ok(None);
        }
    }
    Ok(Some(out.into_iter().collect()))
}

/// One version of a directory still to compare: a tree libgit2 parsed, or
/// one's stored bytes read from the object database (by the walk, or a
/// root tree the caller holds).
enum Side<'r, 'o, 'h> {
    Git(Tree<'r>),
    Stored(Oid, git2::OdbObject<'o>),
    Held(Oid, &'h [u8]),
}

impl Side<'_, '_, '_> {
    fn id(&self) -> Oid {
        match self {
            Side::Git(t) => t.id(),
            Side::Stored(id, _) | Side::Held(id, _) => *id,
        }
    }
}

/// Runs `f` with the entries of `side` (none for `None`): a stored tree's
/// parsed here ([`tree::parse_tree`]) when its bytes are in git's
/// canonical form, else by libgit2, whose error (a malformed tree) is
/// reported.
fn with_entries(
    repo: &Repository,
    side: Option<&Side<'_, '_, '_>>,
    f: impl FnOnce(&[Entry<'_>]) -> Result<(), Error>,
) -> Result<(), Error> {
    let (id, data) = match side {
        None => return f(&[]),
        Some(Side::Git(tree)) => return tree::of_tree(Some(tree), |entries| f(entries.unwrap_or_default())),
        Some(Side::Stored(id, object)) => (id, object.data()),
        Some(Side::Held(id, data)) => (id, *data),
    };
    if let Some(entries) = tree::parse_tree(data, id.as_bytes().len()) {
        return f(&entries);
    }
    let tree = repo.find_tree(*id).map_err(|err| Error::git(format!("reading the tree {id}"), err))?;
    tree::of_tree(Some(&tree), |entries| f(entries.unwrap_or_default()))
}

/// Two versions of a directory still to compare, and its path with a
/// trailing `/`.
type Todo<'r, 'o, 'h> = Vec<(Option<Side<'r, 'o, 'h>>, Option<Side<'r, 'o, 'h>>, Vec<u8>)>;

/// The walk of two trees: where subtrees are read, the path so far, the
/// paths found and the directories still to compare.
struct Walk<'w, 'r, 'o, 'h> {
    repo: &'r Repository,
    odb: Option<&'o git2::Odb<'r>>,
    prefix: &'w mut Vec<u8>,
    out: &'w mut BTreeSet<String>,
    todo: &'w mut Todo<'r, 'o, 'h>,
}

impl<'r, 'o, 'h> Walk<'_, 'r, 'o, 'h> {
    /// One name on either side: equal entries are skipped, two trees left
    /// to compare on `todo`, anything else listed (a tree side with all
    /// its files).
    fn entry(&mut self, old: Option<&Entry<'_>>, new: Option<&Entry<'_>>) -> Result<(), Error> {
        if let (Some(o), Some(n)) = (old, new) {
            if o.id == n.id && o.filemode() == n.filemode() {
                return Ok(());
            }
        }
        let name = old.or(new).map_or(&[][..], |e| e.name);
        let len = self.prefix.len();
        self.prefix.extend_from_slice(name);
        let (old_tree, new_tree) = (self.subtree(old)?, self.subtree(new)?);
        let leaf = (old.is_some() && old_tree.is_none()) || (new.is_some() && new_tree.is_none());
        if leaf {
            self.out.insert(String::from_utf8_lossy(self.prefix).into_owned());
        }
        if old_tree.is_some() || new_tree.is_some() {
            let mut path = self.prefix.clone();
            path.push(b'/');
            self.todo.push((old_tree, new_tree, path));
        }
        self.prefix.truncate(len);
        Ok(())
    }

    /// The tree `e` names, when it names one: its stored bytes (parsed when
    /// its turn comes: [`with_entries`]), else libgit2's read, whose error
    /// (a missing tree, or not a tree) is reported.
    fn subtree(&self, e: Option<&Entry<'_>>) -> Result<Option<Side<'r, 'o, 'h>>, Error> {
        let Some(id) = e.map(Entry::tree_id).transpose()?.flatten() else { return Ok(None) };
        let stored = self.odb.and_then(|odb| odb.read(id).ok()).filter(|o| o.kind() == git2::ObjectType::Tree);
        if let Some(object) = stored {
            return Ok(Some(Side::Stored(id, object)));
        }
        self.repo
            .find_tree(id)
            .map(|t| Some(Side::Git(t)))
            .map_err(|err| Error::git(format!("reading the tree {id}"), err))
    }
}

fn names<'e>(entries: &'e [Entry<'_>]) -> Vec<&'e [u8]> {
    entries.iter().map(|e| e.name).collect()
}

/// For each name of `old`, the index of the same name in `new`, and for
/// each name of `new`, whether `old` has it. A name either side gives more
/// than once (a malformed tree; `git fsck`: duplicateEntries) has no
/// counterpart, as a lookup would find only one of its entries: all its
/// entries count as changed. Found by sorting the names (git's tree order
/// is not byte order once a name is a directory's), not by a lookup per
/// name, which in libgit2 allocates and searches.
fn counterparts(old: &[&[u8]], new: &[&[u8]]) -> (Vec<Option<usize>>, Vec<bool>) {
    // Most commits change files without adding or removing any: both trees
    // list the same names in the same order. Names in strictly increasing
    // byte order are each given once, so each pairs with the entry at its
    // own index, which is what sorting would find.
    if old == new && old.windows(2).all(|w| w[0] < w[1]) {
        return ((0..old.len()).map(Some).collect(), vec![true; new.len()]);
    }
    counterparts_sorted(old, new)
}

/// [`counterparts`] by sorting both sides' names.
fn counterparts_sorted(old: &[&[u8]], new: &[&[u8]]) -> (Vec<Option<usize>>, Vec<bool>) {
    let sorted = |names: &[&[u8]]| {
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_unstable_by(|&a, &b| names[a].cmp(names[b]));
        order
    };
    let (old_order, new_order) = (sorted(old), sorted(new));
    // The end of the run of equal names that starts at `from`.
    let run = |names: &[&[u8]], order: &[usize], from: usize| {
        from + order[from..].iter().take_while(|&&i| names[i] == names[order[from]]).count()
    };
    let mut old_pair = vec![None; old.len()];
    let mut new_paired = vec![false; new.len()];
    let (mut a, mut b) = (0, 0);
    while a < old_order.len() && b < new_order.len() {
        match old[old_order[a]].cmp(new[new_order[b]]) {
            std::cmp::Ordering::Less => a += 1,
            std::cmp::Ordering::Greater => b += 1,
            std::cmp::Ordering::Equal => {
                let (a_end, b_end) = (run(old, &old_order, a), run(new, &new_order, b));
                if a_end - a == 1 && b_end - b == 1 {
                    old_pair[old_order[a]] = Some(new_order[b]);
                    new_paired[new_order[b]] = true;
                }
                (a, b) = (a_end, b_end);
            }
        }
    }
    (old_pair, new_paired)
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
    use super::{counterparts, counterparts_sorted};

    #[test]
    fn counterparts_pair_names_in_any_order_and_never_a_name_given_twice() {
        // Stored order is not byte order (a directory `a` sorts as `a/`,
        // after `a.b`), and a malformed tree may be unsorted.
        let old: [&[u8]; 5] = [b"x", b"a.b", b"a", b"dup", b"dup"];
        let new: [&[u8]; 5] = [b"a", b"a.b", b"dup", b"y", b"x"];
        let (old_pair, new_paired) = counterparts(&old, &new);
        assert_eq!(old_pair, [Some(4), Some(1), Some(0), None, None]);
        assert_eq!(new_paired, [true, true, false, false, true]);
        assert_eq!(counterparts(&[], &new), (vec![], vec![false; 5]));
        assert_eq!(counterparts(&old, &[]), (vec![None; 5], vec![]));
    }

    proptest::proptest! {
        /// The shortcut for two trees with the same names in the same
        /// order pairs exactly as sorting does, duplicates and odd orders
        /// included.
        #[test]
        fn the_same_names_pair_as_sorting_pairs_them(names in proptest::collection::vec("[ab./-]{0,3}", 0..8), same: bool) {
            let old: Vec<&[u8]> = names.iter().map(String::as_bytes).collect();
            let mut sorted = old.clone();
            sorted.sort_unstable();
            sorted.dedup();
            for old in [old, sorted] {
                let new = if same { old.clone() } else { old.iter().rev().copied().collect() };
                proptest::prop_assert_eq!(counterparts(&old, &new), counterparts_sorted(&old, &new));
            }
        }
    }
}
