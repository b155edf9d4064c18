//! Reading what avow needs from a commit: message, trailers, identities, and
//! the change's size and spread.

use std::collections::BTreeSet;

use avow_core::attestation::Statement;
use avow_core::encoding::Encoding;
use avow_core::trailer::{self, ParseOptions};
use avow_policy::facts::{ChangeStats, CommitFacts, Ident};
use git2::{Commit, Diff, DiffOptions, Oid, Repository, Tree};

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

/// [`parent_tree`], given the commit read just before (its id and tree):
/// when that commit is the first parent, as it is for each commit but the
/// first of a linear range read oldest first, its tree is the parent tree,
/// and neither the parent commit nor that tree is read again.
pub fn parent_tree_after<'r>(commit: &Commit<'r>, before: Option<&(Oid, Tree<'r>)>) -> Result<Option<Tree<'r>>, Error> {
    match before {
        Some((id, tree)) if commit.parent_count() > 0 && commit.parent_id(0).is_ok_and(|p| p == *id) => {
            Ok(Some(tree.clone()))
        }
        _ => parent_tree(commit),
    }
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
    Ok(ChangeStats { lines_added, lines_removed, paths })
}

/// The paths that differ between two trees, sorted — what
/// `git diff-tree -r --no-renames --name-only OLD NEW` lists: every
/// added, deleted or modified file, symlink or submodule, a mode change
/// included, both sides of a file replaced by a directory. Subtrees with
/// equal ids are skipped without being read, so a commit touching one file
/// reads only the trees on that file's path (a libgit2 diff walks every
/// entry of both trees).
pub fn changed_paths(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Result<Vec<String>, Error> {
    let mut out = BTreeSet::new();
    if old.is_some_and(|o| o.id() == new.id()) {
        return Ok(Vec::new());
    }
    let (old_git, new_git) = (old.map(|t| t.iter().collect::<Vec<_>>()), new.iter().collect::<Vec<_>>());
    let ids = |es: &[git2::TreeEntry<'_>]| es.iter().map(git2::TreeEntry::id).collect::<Vec<_>>();
    let (old_ids, new_ids) = (old_git.as_deref().map(ids), ids(&new_git));
    let old_entries = old_git.as_deref().zip(old_ids.as_deref()).map(|(es, ids)| Entry::all(es, ids));
    let new_entries = Entry::all(&new_git, &new_ids);
    let mut walk = Walk { repo, prefix: Vec::new(), out: &mut out };
    walk.entries(old_entries.as_deref(), Some(&new_entries))?;
    Ok(out.into_iter().collect())
}

/// A tree entry, from libgit2's parse of a tree or from [`parse_tree`].
struct Entry<'a> {
    /// The mode as stored (libgit2's `filemode_raw`).
    attr: u16,
    name: &'a [u8],
    /// The id's bytes.
    id: &'a [u8],
}

impl<'a> Entry<'a> {
    /// libgit2's entry `e`, whose id is `id`.
    fn of(e: &'a git2::TreeEntry<'_>, id: &'a Oid) -> Entry<'a> {
        // libgit2 keeps a tree entry's mode in 16 bits.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let attr = e.filemode_raw() as u16;
        Entry { attr, name: e.name_bytes(), id: id.as_bytes() }
    }

    /// libgit2's entries of a tree, given its entries and their ids.
    fn all(entries: &'a [git2::TreeEntry<'_>], ids: &'a [Oid]) -> Vec<Entry<'a>> {
        entries.iter().zip(ids).map(|(e, id)| Entry::of(e, id)).collect()
    }

    /// The id of a tree entry, when it is one.
    fn tree_id(&self) -> Result<Option<Oid>, Error> {
        if !self.is_tree() {
            return Ok(None);
        }
        Oid::from_bytes(self.id).map(Some).map_err(|e| Error::git("reading a tree entry's id".into(), e))
    }

    /// The mode as libgit2's `git_tree_entry_filemode` gives it
    /// (`normalize_filemode`).
    fn filemode(&self) -> u16 {
        const TYPE: u16 = 0o170_000;
        match self.attr & TYPE {
            0o040_000 => 0o040_000,
            _ if self.attr & 0o100 != 0 => 0o100_755,
            0o160_000 => 0o160_000,
            0o120_000 => 0o120_000,
            _ => 0o100_644,
        }
    }

    /// Whether libgit2 takes the entry for a tree (`git_tree_entry_type`).
    fn is_tree(&self) -> bool {
        self.attr & 0o170_000 == 0o040_000
    }
}

/// A tree's entries read from its stored bytes (`MODE SP NAME NUL ID`,
/// repeated), or `None` unless every entry has the canonical form: a mode
/// of octal digits only (at most six, at most 0o177777), a non-empty name
/// of at most 65,535 bytes and a whole id of `id_len` bytes. On the bytes
/// it accepts it gives exactly libgit2's entries (`git_tree__parse_raw`,
/// whose mode is read by `strtol`, which also takes signs, spaces and
/// letters, and whose type and mode checks are [`Entry`]'s); the others are
/// left to libgit2, to parse or refuse.
fn parse_tree(data: &[u8], id_len: usize) -> Option<Vec<Entry<'_>>> {
    let mut entries = Vec::with_capacity(data.len() / (id_len + 8));
    let mut at = 0;
    while at < data.len() {
        let mut attr: u32 = 0;
        let start = at;
        loop {
            let b = *data.get(at)?;
            if b == b' ' {
                break;
            }
            let digit = b.wrapping_sub(b'0');
            if digit > 7 || at - start == 6 {
                return None;
            }
            attr = attr * 8 + u32::from(digit);
            at += 1;
        }
        if at == start {
            return None;
        }
        let attr = u16::try_from(attr).ok()?;
        let name_start = at + 1;
        let name_len = data.get(name_start..)?.iter().position(|&b| b == 0)?;
        let id_start = name_start + name_len + 1;
        if name_len == 0 || name_len > usize::from(u16::MAX) || data.len() - id_start < id_len {
            return None;
        }
        entries.push(Entry { attr, name: &data[name_start..id_start - 1], id: &data[id_start..id_start + id_len] });
        at = id_start + id_len;
    }
    Some(entries)
}

/// The walk of two trees: the repository, the path so far and the paths
/// found.
struct Walk<'w, 'r> {
    repo: &'r Repository,
    prefix: Vec<u8>,
    out: &'w mut BTreeSet<String>,
}

impl Walk<'_, '_> {
    /// Both sides' entries, paired by name.
    fn entries(&mut self, old: Option<&[Entry<'_>]>, new: Option<&[Entry<'_>]>) -> Result<(), Error> {
        let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
        let (old_pair, new_paired) = counterparts(&names(old), &names(new));
        for (entry, other) in old.iter().zip(old_pair) {
            self.entry(Some(entry), other.map(|j| &new[j]))?;
        }
        for (entry, paired) in new.iter().zip(new_paired) {
            if !paired {
                self.entry(None, Some(entry))?;
            }
        }
        Ok(())
    }

    /// One name on either side: equal entries are skipped, two trees
    /// compared, anything else listed (a tree side with all its files).
    fn entry(&mut self, old: Option<&Entry<'_>>, new: Option<&Entry<'_>>) -> Result<(), Error> {
        if let (Some(o), Some(n)) = (old, new) {
            if o.id == n.id && o.filemode() == n.filemode() {
                return Ok(());
            }
        }
        let name = old.or(new).map_or(&[][..], |e| e.name);
        let len = self.prefix.len();
        self.prefix.extend_from_slice(name);
        let tree_id = |e: Option<&Entry<'_>>| e.map_or(Ok(None), Entry::tree_id);
        let (old_tree, new_tree) = (tree_id(old)?, tree_id(new)?);
        let leaf = (old.is_some() && old_tree.is_none()) || (new.is_some() && new_tree.is_none());
        if leaf {
            self.out.insert(String::from_utf8_lossy(&self.prefix).into_owned());
        }
        // Two trees with the same id hold the same paths.
        let same = old_tree.is_some() && old_tree == new_tree;
        if (old_tree.is_some() || new_tree.is_some()) && !same {
            self.prefix.push(b'/');
            self.with_tree(old_tree, |walk, old| walk.with_tree(new_tree, |walk, new| walk.entries(old, new)))?;
        }
        self.prefix.truncate(len);
        Ok(())
    }

    /// Runs `f` with the entries of the tree `id` (none for `None`): parsed
    /// here from its stored bytes ([`parse_tree`]), else by libgit2, whose
    /// error for a missing or malformed tree is reported.
    fn with_tree(
        &mut self,
        id: Option<Oid>,
        f: impl FnOnce(&mut Self, Option<&[Entry<'_>]>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Some(id) = id else { return f(self, None) };
        let odb = self.repo.odb().ok();
        let object = odb.as_ref().and_then(|odb| odb.read(id).ok());
        if let Some(object) = object.filter(|o| o.kind() == git2::ObjectType::Tree) {
            if let Some(entries) = parse_tree(object.data(), id.as_bytes().len()) {
                return f(self, Some(&entries));
            }
        }
        let tree = self.repo.find_tree(id).map_err(|err| Error::git(format!("reading the tree {id}"), err))?;
        let git: Vec<_> = tree.iter().collect();
        let ids: Vec<Oid> = git.iter().map(git2::TreeEntry::id).collect();
        f(self, Some(&Entry::all(&git, &ids)))
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
    use super::{counterparts, counterparts_sorted, parse_tree, Entry};

    /// A tree entry's bytes: `mode`, a space, `name`, NUL and a 20-byte id
    /// of `id` repeated.
    fn raw_entry(mode: &[u8], name: &[u8], id: u8) -> Vec<u8> {
        [mode, b" ", name, b"\0", &[id; 20]].concat()
    }

    proptest::proptest! {
        /// On any bytes stored as a tree, `parse_tree` gives libgit2's
        /// entries (mode as stored and as normalized, kind, name, id), or
        /// leaves them to libgit2; it never accepts what libgit2 refuses.
        /// Modes and names are drawn near the edges: signs, spaces, digits
        /// 8 and 9, letters, leading zeros, values over 16 bits, empty names,
        /// cut-off ids.
        #[test]
        fn parsed_trees_are_libgit2s(
            entries in proptest::collection::vec(
                ("[-+ 0-9a]{0,8}|(0|1|4|10|12|16)[0-7]{0,5}", "[a-z./]{0,4}", proptest::prelude::any::<u8>()),
                0..5,
            ),
            cut in 0usize..4,
        ) {
            let mut bytes: Vec<u8> = entries.iter().flat_map(|(m, n, id)| raw_entry(m.as_bytes(), n.as_bytes(), *id)).collect();
            bytes.truncate(bytes.len().saturating_sub(cut));
            let dir = std::env::temp_dir().join(format!("avow-parse-tree-{}", std::process::id()));
            let result = (|| {
                let repo = git2::Repository::init_bare(&dir).unwrap();
                let id = repo.odb().unwrap().write(git2::ObjectType::Tree, &bytes).unwrap();
                let Some(ours) = parse_tree(&bytes, 20) else { return Ok(()) };
                let theirs = repo.find_tree(id).expect("libgit2 parses what parse_tree accepts");
                let git: Vec<_> = theirs.iter().collect();
                proptest::prop_assert_eq!(ours.len(), git.len());
                for (o, g) in ours.iter().zip(&git) {
                    let id = g.id();
                    let t = Entry::of(g, &id);
                    proptest::prop_assert_eq!((o.attr, o.name, o.id), (t.attr, t.name, t.id));
                    proptest::prop_assert_eq!(i32::from(o.filemode()), g.filemode());
                    proptest::prop_assert_eq!(o.is_tree(), g.kind() == Some(git2::ObjectType::Tree));
                }
                Ok(())
            })();
            _ = std::fs::remove_dir_all(&dir);
            result?;
        }
    }

    #[test]
    fn canonical_trees_are_parsed_here() {
        let bytes =
            [raw_entry(b"100644", b"a", 1), raw_entry(b"40000", b"b", 2), raw_entry(b"160000", b"c", 3)].concat();
        let entries = parse_tree(&bytes, 20).unwrap();
        let kinds: Vec<(u16, bool, &[u8])> = entries.iter().map(|e| (e.filemode(), e.is_tree(), e.name)).collect();
        assert_eq!(kinds, [(0o100_644, false, &b"a"[..]), (0o040_000, true, b"b"), (0o160_000, false, b"c")]);
        // Left to libgit2: a signed mode, a name without its id.
        assert!(parse_tree(&raw_entry(b"+100644", b"a", 1), 20).is_none());
        assert!(parse_tree(&raw_entry(b"100644", b"a", 1)[..10], 20).is_none());
    }

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
