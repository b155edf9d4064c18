//! A pack's index (`.idx`, version 2), read with `pread`: the 1 KiB
//! fan-out table is kept, nothing else.
//!
//! Layout (git's `Documentation/gitformat-pack.txt`): `\377tOc`, version
//! 2, 256 big-endian counts (objects whose first byte is at most `i`),
//! then the `n` sorted names, `n` CRC32s, `n` 31-bit offsets (the high
//! bit set: an index into the table of 64-bit offsets that follows), and
//! two checksums.
//!
//! A lookup reads names a window at a time: object names are hashes,
//! spread evenly, so the name's place is guessed from its value between
//! the two known ends (interpolation), and a window of [`WINDOW`] names
//! around the guess nearly always holds it. A window that does not
//! narrows the ends; after such a miss the next guess is the middle
//! (bisection), so even names chosen to defeat the guess cost at most
//! about two reads per halving.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{Error, ID_LEN};

/// Names read at once (20 bytes each).
pub const WINDOW: u32 = 128;

const MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
const HEADER: u64 = 8 + 256 * 4;
/// Two checksums at the end: the pack's and the index's.
const TRAILER: u64 = 2 * ID_LEN as u64;

/// An open pack index.
#[derive(Debug)]
pub struct Index {
    file: File,
    path: PathBuf,
    fanout: [u32; 256],
    /// Entries in the table of 64-bit offsets.
    large: u64,
    /// Names read by the last lookup: its first position and the bytes.
    window: (u32, Vec<u8>),
}

impl Index {
    /// Opens the index at `path`, checking its header, its fan-out table
    /// and its length.
    pub fn open(path: &Path) -> Result<Index, Error> {
        let file = File::open(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        let len = file.metadata().map_err(|source| Error::Io { path: path.to_owned(), source })?.len();
        let corrupt = |what: &str| Error::Corrupt { path: path.to_owned(), what: what.to_owned() };
        if len < HEADER + TRAILER {
            return Err(corrupt("too short for a pack index"));
        }
        let mut head = [0_u8; 8 + 256 * 4];
        read_exact_at(&file, &mut head, 0).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        if head[..4] != MAGIC {
            return Err(Error::Unsupported { path: path.to_owned(), what: "a version 1 pack index".into() });
        }
        if be32(&head[4..8]) != 2 {
            return Err(Error::Unsupported { path: path.to_owned(), what: "a pack index of another version".into() });
        }
        let mut fanout = [0_u32; 256];
        for (i, f) in fanout.iter_mut().enumerate() {
            *f = be32(&head[8 + 4 * i..12 + 4 * i]);
        }
        if fanout.windows(2).any(|w| w[0] > w[1]) {
            return Err(corrupt("the fan-out table decreases"));
        }
        let n = u64::from(fanout[255]);
        let fixed = HEADER + n * (ID_LEN as u64 + 8) + TRAILER;
        let large = len.checked_sub(fixed).ok_or_else(|| corrupt("shorter than its object count needs"))?;
        if large % 8 != 0 {
            return Err(corrupt("the table of 64-bit offsets is not whole"));
        }
        Ok(Index { file, path: path.to_owned(), fanout, large: large / 8, window: (0, Vec::new()) })
    }

    /// The index's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many objects it lists.
    #[must_use]
    pub fn len(&self) -> u32 {
        self.fanout[255]
    }

    /// Whether it lists none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position of `id` among the index's names, or `None` when the
    /// index does not list it (or `id` is not a SHA-1 name).
    pub fn find(&mut self, id: &[u8]) -> Result<Option<u32>, Error> {
        let Ok(id) = <&[u8; ID_LEN]>::try_from(id) else { return Ok(None) };
        let first = usize::from(id[0]);
        let mut lo = if first == 0 { 0 } else { self.fanout[first - 1] };
        let mut hi = self.fanout[first];
        // The names' values just outside [lo, hi), as far as known: the
        // bounds of the first byte's bucket to begin with.
        let mut lo_key = u64::from(id[0]) << 56;
        let mut hi_key = lo_key | ((1 << 56) - 1);
        let key = key_of(id);
        let mut bisect = false;
        while lo < hi {
            let count = hi - lo;
            let start = if count <= WINDOW {
                lo
            } else {
                let guess = if bisect {
                    lo + count / 2
                } else {
                    let span = u128::from(hi_key.saturating_sub(lo_key)).max(1);
                    let at = u128::from(key.saturating_sub(lo_key)).min(span);
                    lo + u32::try_from(at * u128::from(count) / span).unwrap_or(count).min(count - 1)
                };
                guess.saturating_sub(WINDOW / 2).clamp(lo, hi - WINDOW)
            };
            let end = (start + WINDOW).min(hi);
            let names = self.names(start, end)?;
            let at = |i: usize| &names[i * ID_LEN..(i + 1) * ID_LEN];
            let in_window = (end - start) as usize;
            match search(in_window, |i| at(i).cmp(&id[..])) {
                Ok(i) => return Ok(Some(start + u32::try_from(i).unwrap_or(0))),
                // Between two names of the window, or the window covers
                // the whole of [lo, hi): not listed.
                Err(i) if (i > 0 && i < in_window) || (start == lo && end == hi) => return Ok(None),
                Err(0) => {
                    hi_key = key_of(at(0));
                    hi = start;
                }
                Err(_) => {
                    lo_key = key_of(at(in_window - 1));
                    lo = end;
                }
            }
            bisect = !bisect;
        }
        Ok(None)
    }

    /// The pack offset of the object at position `pos`.
    pub fn offset(&self, pos: u32) -> Result<u64, Error> {
        let n = u64::from(self.len());
        if u64::from(pos) >= n {
            return Err(self.corrupt("an object position past the end"));
        }
        let mut b = [0_u8; 4];
        self.read(&mut b, HEADER + n * (ID_LEN as u64 + 4) + u64::from(pos) * 4)?;
        let small = be32(&b);
        if small & 0x8000_0000 == 0 {
            return Ok(u64::from(small));
        }
        let i = u64::from(small & 0x7fff_ffff);
        if i >= self.large {
            return Err(self.corrupt("a 64-bit offset past its table"));
        }
        let mut b = [0_u8; 8];
        self.read(&mut b, HEADER + n * (ID_LEN as u64 + 8) + i * 8)?;
        Ok(u64::from_be_bytes(b))
    }

    /// The names at positions `start..end` (`end - start` at most
    /// [`WINDOW`]), from the last lookup's window when it is the same.
    fn names(&mut self, start: u32, end: u32) -> Result<&[u8], Error> {
        let len = (end - start) as usize * ID_LEN;
        if self.window.0 != start || self.window.1.len() != len {
            let mut buf = std::mem::take(&mut self.window.1);
            buf.resize(len, 0);
            self.read(&mut buf, HEADER + u64::from(start) * ID_LEN as u64)?;
            self.window = (start, buf);
        }
        Ok(&self.window.1)
    }

    fn read(&self, buf: &mut [u8], at: u64) -> Result<(), Error> {
        read_exact_at(&self.file, buf, at).map_err(|source| Error::Io { path: self.path.clone(), source })
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Corrupt { path: self.path.clone(), what: what.to_owned() }
    }
}

/// Binary search over `0..len` by `cmp` (how the `i`th item compares
/// with the one sought): `Ok(i)` where it is, or `Err(i)` where it would go.
fn search(len: usize, cmp: impl Fn(usize) -> std::cmp::Ordering) -> Result<usize, usize> {
    let (mut a, mut b) = (0, len);
    while a < b {
        let m = a + (b - a) / 2;
        match cmp(m) {
            std::cmp::Ordering::Less => a = m + 1,
            std::cmp::Ordering::Greater => b = m,
            std::cmp::Ordering::Equal => return Ok(m),
        }
    }
    Err(a)
}

/// A name's first eight bytes as a number, for interpolation.
fn key_of(name: &[u8]) -> u64 {
    let mut b = [0_u8; 8];
    b.copy_from_slice(&name[..8]);
    u64::from_be_bytes(b)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Reads `buf.len()` bytes at `offset` of `file`, without moving a file
/// position (so one handle serves every read).
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Index, HEADER, ID_LEN, WINDOW};

    /// Writes an index listing `names` (sorted, distinct) at offsets
    /// 12, 13, …, the last ones through the 64-bit table.
    fn write_index(path: &std::path::Path, names: &BTreeSet<[u8; ID_LEN]>) {
        let mut b = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
        for i in 0..=255_u8 {
            let n = names.iter().filter(|id| id[0] <= i).count();
            b.extend_from_slice(&u32::try_from(n).unwrap().to_be_bytes());
        }
        assert_eq!(b.len() as u64, HEADER);
        for id in names {
            b.extend_from_slice(id);
        }
        b.extend(std::iter::repeat_n(0, names.len() * 4));
        let n = u32::try_from(names.len()).unwrap();
        for i in 0..n {
            let small = if i % 3 == 2 { 0x8000_0000 | (i / 3) } else { 12 + i };
            b.extend_from_slice(&small.to_be_bytes());
        }
        for i in (0..n).filter(|i| i % 3 == 2) {
            b.extend_from_slice(&(u64::from(i) + (1 << 33)).to_be_bytes());
        }
        b.extend([0; 2 * ID_LEN]);
        std::fs::write(path, b).unwrap();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, ..Default::default() })]
        /// Buckets far larger than a window, names spread evenly or
        /// bunched (where interpolation guesses badly): every name is
        /// found with its offset, and names next to them are not.
        #[test]
        fn finds_exactly_the_listed_names(
            seeds in proptest::collection::btree_set(proptest::num::u64::ANY, 1..3000),
            first in proptest::sample::select(vec![0_u8, 7, 255]),
            bunched: bool,
        ) {
            let names: BTreeSet<[u8; ID_LEN]> = seeds.iter().map(|s| {
                let mut id = [0_u8; ID_LEN];
                id[0] = first;
                // Bunched: the high bits all alike, the low ones varying.
                let v = if bunched { (s % 4096) << 8 | (s >> 60) } else { *s };
                id[1..9].copy_from_slice(&v.to_be_bytes());
                id[19] = 1;
                id
            }).collect();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("p.idx");
            write_index(&path, &names);
            let mut index = Index::open(&path).unwrap();
            proptest::prop_assert_eq!(index.len() as usize, names.len());
            for (i, id) in names.iter().enumerate() {
                let pos = index.find(id).unwrap();
                proptest::prop_assert_eq!(pos, Some(u32::try_from(i).unwrap()));
                let i = u64::try_from(i).unwrap();
                let offset = index.offset(u32::try_from(i).unwrap()).unwrap();
                proptest::prop_assert_eq!(offset, if i % 3 == 2 { i + (1 << 33) } else { 12 + i });
                let mut near = *id;
                near[19] = 0;
                proptest::prop_assert_eq!(index.find(&near).unwrap(), None);
                near[19] = 2;
                proptest::prop_assert_eq!(index.find(&near).unwrap(), None);
            }
            proptest::prop_assert!(names.len() < WINDOW as usize || index.len() > WINDOW);
        }
    }
}
