//! Reading objects out of git pack files without mapping them.
//!
//! libgit2 maps each pack's index (`.idx`) whole and looks objects up by
//! binary search in it: a verification that reads most of a large
//! repository's commits and trees ends up touching every page of the
//! index, and every page it touched counts in its resident set (94 MB of
//! a 118 MB index at a million commits; docs/performance.md). This crate
//! reads the same files with `pread` instead: an index lookup is an
//! interpolation search over the sorted names (a window of
//! [`index::WINDOW`] names per read, usually one read), the pack is read
//! through a small cache of blocks, and deltas are resolved with a
//! bounded cache of bases. What it keeps is a few hundred KiB per reader,
//! whatever the size of the pack.
//!
//! Everything read here is untrusted: a pack in a server's repository
//! was pushed by someone. Every size, offset and delta instruction is
//! checked before use; anything this reader does not understand or finds
//! inconsistent is an [`Error`], never a panic, and objects larger than
//! [`MAX_OBJECT`] are left to the caller (an [`Error::TooLarge`]), so
//! no declared size makes it allocate more than that.
//!
//! Only SHA-1 packs (index version 2, pack version 2 or 3) are read; the
//! caller keeps another reader (libgit2's) for everything else.

mod cache;
mod delta;
pub mod index;
mod pack;

use std::path::{Path, PathBuf};

pub use pack::Pack;

/// The largest object this reader returns; larger ones are
/// [`Error::TooLarge`].
pub const MAX_OBJECT: usize = 64 << 20;

/// Bytes of an object id (SHA-1).
pub const ID_LEN: usize = 20;

/// An object's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    /// The name git gives the type (`git cat-file -t`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }
}

/// An object read from a pack: its type and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// Why an object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {what}")]
    Corrupt { path: PathBuf, what: String },
    #[error("{path}: {what} (not read by this reader)")]
    Unsupported { path: PathBuf, what: String },
    #[error("{path}: an object of {size} bytes, more than this reader returns")]
    TooLarge { path: PathBuf, size: u64 },
}

/// The packs of one object directory that this reader serves, each with
/// its own caches.
#[derive(Debug, Default)]
pub struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// The packs in `pack_dir` (an `objects/pack` directory), in the
    /// directory's order, when their indexes are at least
    /// `min_index_bytes` long together (else none: small indexes are
    /// better left to a reader that maps them). A pack whose files cannot
    /// be opened, or whose index or header this reader does not accept, is
    /// left out (whoever reads objects with another reader still finds it
    /// there). A directory that cannot be listed gives no packs.
    #[must_use]
    pub fn open(pack_dir: &Path, min_index_bytes: u64) -> Packs {
        let Ok(entries) = std::fs::read_dir(pack_dir) else { return Packs::default() };
        let mut idx: Vec<(PathBuf, u64)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .filter_map(|p| std::fs::metadata(&p).ok().filter(std::fs::Metadata::is_file).map(|m| (p, m.len())))
            .collect();
        if idx.iter().map(|(_, len)| len).sum::<u64>() < min_index_bytes {
            return Packs::default();
        }
        idx.sort();
        Packs { packs: idx.iter().filter_map(|(p, _)| Pack::open(p).ok()).collect() }
    }

    /// How many packs are served.
    #[must_use]
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    /// Whether no pack is served.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// Whether one of the packs holds the object `id`.
    pub fn contains(&mut self, id: &[u8]) -> Result<bool, Error> {
        for p in &mut self.packs {
            if p.find(id)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The type and size of the object `id`, without reading it whole
    /// ([`Pack::header_at`]), or `None` when no pack holds it.
    pub fn read_header(&mut self, id: &[u8]) -> Result<Option<(Kind, u64)>, Error> {
        for p in &mut self.packs {
            if let Some(offset) = p.find(id)? {
                return p.header_at(offset).map(Some);
            }
        }
        Ok(None)
    }

    /// The object `id`, or `None` when no pack holds it.
    pub fn read(&mut self, id: &[u8]) -> Result<Option<Object>, Error> {
        for p in &mut self.packs {
            if let Some(offset) = p.find(id)? {
                return p.read_at(offset).map(Some);
            }
        }
        Ok(None)
    }
}
