//! Tree entries read from a tree's stored bytes ([`parse_tree`]) when
//! they are in git's canonical form, else by libgit2: the walk that lists
//! changed paths ([`crate::commit::changed_paths`]) reads every changed
//! subtree, two per commit and directory level, and libgit2's parser reads
//! each mode with a generic `strtol` and allocates each tree's entries.

use git2::{Oid, Tree};

use crate::Error;

/// A tree entry, from libgit2's parse of a tree or from [`parse_tree`].
pub(crate) struct Entry<'a> {
    /// The mode as stored (libgit2's `filemode_raw`).
    pub(crate) attr: u16,
    pub(crate) name: &'a [u8],
    /// The id's bytes.
    pub(crate) id: &'a [u8],
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
    pub(crate) fn tree_id(&self) -> Result<Option<Oid>, Error> {
        if !self.is_tree() {
            return Ok(None);
        }
        Oid::from_bytes(self.id).map(Some).map_err(|e| Error::git("reading a tree entry's id".into(), e))
    }

    /// The mode as libgit2's `git_tree_entry_filemode` gives it
    /// (`normalize_filemode`).
    pub(crate) fn filemode(&self) -> u16 {
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
    pub(crate) fn is_tree(&self) -> bool {
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
pub(crate) fn parse_tree(data: &[u8], id_len: usize) -> Option<Vec<Entry<'_>>> {
    let mut entries = Vec::with_capacity(data.len() / (id_len + 8));
    let mut at = 0;
    while at < data.len() {
        // The two modes nearly every entry has, then any other.
        let (attr, name_start) = match data.get(at..at + 7) {
            Some(b"100644 ") => (0o100_644, at + 7),
            Some([b'4', b'0', b'0', b'0', b'0', b' ', _]) => (0o040_000, at + 6),
            _ => {
                let (attr, end) = mode(data, at)?;
                (attr, end + 1)
            }
        };
        let name_len = memchr::memchr(0, data.get(name_start..)?)?;
        let id_start = name_start + name_len + 1;
        if name_len == 0 || name_len > usize::from(u16::MAX) || data.len() - id_start < id_len {
            return None;
        }
        entries.push(Entry { attr, name: &data[name_start..id_start - 1], id: &data[id_start..id_start + id_len] });
        at = id_start + id_len;
    }
    Some(entries)
}

/// The mode of octal digits at `at`, at most six of them and at most
/// 0o177777, ended by a space; and where that space is.
fn mode(data: &[u8], mut at: usize) -> Option<(u16, usize)> {
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
    Some((u16::try_from(attr).ok()?, at))
}

/// Runs `f` with the entries of `tree` as libgit2 parsed them (none for
/// `None`).
pub(crate) fn of_tree<T>(tree: Option<&Tree<'_>>, f: impl FnOnce(Option<&[Entry<'_>]>) -> T) -> T {
    let Some(tree) = tree else { return f(None) };
    let git: Vec<_> = tree.iter().collect();
    let ids: Vec<Oid> = git.iter().map(git2::TreeEntry::id).collect();
    f(Some(&Entry::all(&git, &ids)))
}

#[cfg(test)]
mod tests {
    use super::{parse_tree, Entry};

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
}
