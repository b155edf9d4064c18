//! One pack: its index, its `.pack` file read through [`Blocks`], and
//! delta chains resolved through [`Bases`].
//!
//! An entry (git's `Documentation/gitformat-pack.txt`) is a header —
//! the type in bits 4–6 of the first byte and the inflated size in base
//! 128, low bits first — then, for an offset delta, how far back its base
//! starts (git's own base-128 form, each continuation adding one), or for
//! a reference delta the base's id, then the zlib stream of the object or
//! of the delta.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};

use crate::cache::{Bases, Blocks, BLOCK};
use crate::index::{read_exact_at, Index};
use crate::{delta, Error, Kind, Object, ID_LEN, MAX_OBJECT};

/// The longest delta chain followed (git's own limit is 4095).
const MAX_DEPTH: usize = 10_000;

/// An open pack and its index.
#[derive(Debug)]
pub struct Pack {
    index: Index,
    file: File,
    path: PathBuf,
    /// The file's length without its trailing checksum: where entries end.
    end: u64,
    blocks: Blocks,
    bases: Bases,
    inflater: Decompress,
}

/// What an entry's header says.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u64,
    /// The type code: 1–4 an object, 6 an offset delta, 7 a reference delta.
    code: u8,
    /// The inflated size of the object or of the delta.
    size: u64,
    /// Where the zlib stream starts.
    data: u64,
    /// A delta's base.
    base: Option<Base>,
}

#[derive(Debug, Clone, Copy)]
enum Base {
    Offset(u64),
    Id([u8; ID_LEN]),
}

impl Pack {
    /// Opens the pack whose index is at `idx` (the pack is the same path
    /// with `.pack`), checking the pack's header against the index.
    pub fn open(idx: &Path) -> Result<Pack, Error> {
        let index = Index::open(idx)?;
        let path = idx.with_extension("pack");
        let io = |source| Error::Io { path: path.clone(), source };
        let file = File::open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut head = [0_u8; 12];
        if len < 12 + ID_LEN as u64 {
            return Err(Error::Corrupt { path, what: "too short for a pack".into() });
        }
        read_exact_at(&file, &mut head, 0).map_err(io)?;
        let version = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if &head[..4] != b"PACK" || !(version == 2 || version == 3) {
            return Err(Error::Unsupported { path, what: "not a version 2 or 3 pack".into() });
        }
        if u32::from_be_bytes([head[8], head[9], head[10], head[11]]) != index.len() {
            return Err(Error::Corrupt { path, what: "its index lists another number of objects".into() });
        }
        Ok(Pack {
            index,
            file,
            path,
            end: len - ID_LEN as u64,
            blocks: Blocks::default(),
            bases: Bases::default(),
            inflater: Decompress::new(true),
        })
    }

    /// The pack offset of `id`, or `None` when this pack does not hold it.
    pub fn find(&mut self, id: &[u8]) -> Result<Option<u64>, Error> {
        match self.index.find(id)? {
            Some(pos) => self.index.offset(pos).map(Some),
            None => Ok(None),
        }
    }

    /// The object whose entry starts at `offset`, its deltas resolved.
    pub fn read_at(&mut self, offset: u64) -> Result<Object, Error> {
        let mut chain = Vec::new();
        let mut at = offset;
        let (kind, mut data, cached) = loop {
            if let Some((kind, data)) = self.bases.get(at) {
                break (kind, data, true);
            }
            if chain.len() > MAX_DEPTH {
                return Err(self.corrupt("a delta chain too long (or a cycle)"));
            }
            let e = self.entry(at)?;
            match e.base {
                None => {
                    let kind = kind_of(e.code).ok_or_else(|| self.corrupt("an unknown object type"))?;
                    let data = self.inflate(e.data, e.size)?;
                    if chain.is_empty() {
                        // Not a delta: nothing to keep.
                        return Ok(Object { kind, data });
                    }
                    break (kind, Arc::from(data), false);
                }
                Some(Base::Offset(base)) => at = base,
                Some(Base::Id(id)) => {
                    at = self.find(&id)?.ok_or_else(|| Error::Unsupported {
                        path: self.path.clone(),
                        what: "a delta whose base is in another pack".into(),
                    })?;
                }
            }
            chain.push(e);
        };
        if chain.is_empty() {
            return Ok(Object { kind, data: data.to_vec() });
        }
        if !cached {
            self.bases.put(at, kind, Arc::clone(&data));
        }
        for (i, e) in chain.iter().enumerate().rev() {
            let delta = self.inflate(e.data, e.size)?;
            match delta::header(&delta) {
                Some((_, size, _)) if size > MAX_OBJECT as u64 => {
                    return Err(Error::TooLarge { path: self.path.clone(), size })
                }
                None => return Err(self.corrupt("a malformed delta")),
                Some(_) => {}
            }
            let out = delta::apply(&data, &delta, MAX_OBJECT)
                .ok_or_else(|| self.corrupt("a delta that does not fit its base"))?;
            if i == 0 {
                // The object asked for: kept too (the next version of a
                // tree is often a delta against it), and returned.
                self.bases.put(e.offset, kind, Arc::from(out.as_slice()));
                return Ok(Object { kind, data: out });
            }
            data = Arc::from(out);
            self.bases.put(e.offset, kind, Arc::clone(&data));
        }
        Ok(Object { kind, data: data.to_vec() })
    }

    /// The type and size of the object whose entry starts at `offset`,
    /// read as git's `cat-file -t`/`-s` read them, without the object: a
    /// whole object's header says its size; a delta's result size is the
    /// second number at the start of the delta, so only those first bytes
    /// of its stream are inflated, and its type is that of the object at
    /// the end of its chain, whose entry header alone is read. The sizes
    /// are the pack's word for them, as libgit2's reader takes it; the
    /// content is checked against them when the object is read.
    pub fn header_at(&mut self, offset: u64) -> Result<(Kind, u64), Error> {
        if let Some((kind, data)) = self.bases.get(offset) {
            return Ok((kind, data.len() as u64));
        }
        let first = self.entry(offset)?;
        let Some(mut base) = first.base else {
            let kind = kind_of(first.code).ok_or_else(|| self.corrupt("an unknown object type"))?;
            return Ok((kind, first.size));
        };
        // The delta's header: two base-128 numbers of at most 10 bytes.
        let start = self.inflate_start(first.data, first.size, 20)?;
        let size = match delta::header(&start) {
            Some((_, size, _)) if size > MAX_OBJECT as u64 => {
                return Err(Error::TooLarge { path: self.path.clone(), size })
            }
            Some((_, size, _)) => size,
            None => return Err(self.corrupt("a malformed delta")),
        };
        for _ in 0..=MAX_DEPTH {
            let at = match base {
                Base::Offset(at) => at,
                Base::Id(id) => self.find(&id)?.ok_or_else(|| Error::Unsupported {
                    path: self.path.clone(),
                    what: "a delta whose base is in another pack".into(),
                })?,
            };
            if let Some((kind, _)) = self.bases.get(at) {
                return Ok((kind, size));
            }
            let e = self.entry(at)?;
            match e.base {
                None => {
                    let kind = kind_of(e.code).ok_or_else(|| self.corrupt("an unknown object type"))?;
                    return Ok((kind, size));
                }
                Some(next) => base = next,
            }
        }
        Err(self.corrupt("a delta chain too long (or a cycle)"))
    }

    /// Reads the header of the entry at `offset`.
    fn entry(&mut self, offset: u64) -> Result<Entry, Error> {
        if offset < 12 || offset >= self.end {
            return Err(self.corrupt("an object offset outside the pack"));
        }
        // The longest header: a size of up to 64 bits (10 bytes) and a
        // base id or offset (at most 20 bytes).
        let mut head = [0_u8; 10 + ID_LEN];
        let n = self.bytes_at(offset, &mut head)?;
        let head = &head[..n];
        let mut at = 0;
        let mut next = || {
            let b = head.get(at).copied();
            at += 1;
            b
        };
        let first = next().ok_or_else(|| self.corrupt("a truncated entry"))?;
        let code = (first >> 4) & 7;
        let mut size = u64::from(first & 15);
        let mut c = first;
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = next().ok_or_else(|| self.corrupt("a truncated entry"))?;
            let part = u64::from(c & 0x7f);
            if shift > 63 || (shift > 0 && part.leading_zeros() < shift) {
                return Err(self.corrupt("an object size over 64 bits"));
            }
            size |= part << shift;
            shift += 7;
        }
        let base = match code {
            1..=4 => None,
            6 => {
                let mut c = next().ok_or_else(|| self.corrupt("a truncated entry"))?;
                let mut back = u64::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = next().ok_or_else(|| self.corrupt("a truncated entry"))?;
                    back = back
                        .checked_add(1)
                        .and_then(|b| b.checked_mul(128))
                        .map(|b| b | u64::from(c & 0x7f))
                        .ok_or_else(|| self.corrupt("a delta base offset over 64 bits"))?;
                }
                match offset.checked_sub(back) {
                    Some(base) if back > 0 => Some(Base::Offset(base)),
                    _ => return Err(self.corrupt("a delta base outside the pack")),
                }
            }
            7 => {
                let mut id = [0_u8; ID_LEN];
                for b in &mut id {
                    *b = next().ok_or_else(|| self.corrupt("a truncated entry"))?;
                }
                Some(Base::Id(id))
            }
            _ => return Err(self.corrupt("an unknown object type")),
        };
        if size > MAX_OBJECT as u64 {
            return Err(Error::TooLarge { path: self.path.clone(), size });
        }
        Ok(Entry { offset, code, size, data: offset + at as u64, base })
    }

    /// Inflates the zlib stream at `at`, which must give exactly `size`
    /// bytes (at most [`MAX_OBJECT`], checked by [`Pack::entry`]).
    fn inflate(&mut self, at: u64, size: u64) -> Result<Vec<u8>, Error> {
        self.inflate_part(at, size, None)
    }

    /// The first `want` bytes (fewer when `size`, the stream's whole
    /// inflated size, is smaller) of the zlib stream at `at`.
    fn inflate_start(&mut self, at: u64, size: u64, want: usize) -> Result<Vec<u8>, Error> {
        self.inflate_part(at, size, Some(want))
    }

    /// Inflates the zlib stream at `at`, whose inflated size is `size`:
    /// all of it, which must be exactly `size` bytes, or only its first
    /// `want` bytes (those of them it has).
    fn inflate_part(&mut self, mut at: u64, size: u64, want: Option<usize>) -> Result<Vec<u8>, Error> {
        let Pack { file, path, end, blocks, inflater, .. } = self;
        let corrupt = |what: &str| Error::Corrupt { path: path.clone(), what: what.to_owned() };
        let size = usize::try_from(size).map_err(|_| Error::TooLarge { path: path.clone(), size })?;
        let want = want.map_or(size, |w| w.min(size));
        let whole = want == size;
        // One byte more than expected, so that a stream giving more than it
        // should shows.
        let mut out = Vec::with_capacity(want + 1);
        inflater.reset(true);
        while whole || out.len() < want {
            let block = block(blocks, file, path, *end, at)?;
            let skip = usize::try_from(at % BLOCK as u64).unwrap_or(0);
            let input = block.get(skip..).unwrap_or_default();
            if input.is_empty() {
                return Err(corrupt("an object's data runs past the end of the pack"));
            }
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let status = inflater
                .decompress_vec(input, &mut out, FlushDecompress::None)
                .map_err(|e| corrupt(&format!("an object's data does not inflate: {e}")))?;
            let used = inflater.total_in() - before_in;
            at += used;
            if out.len() > size {
                return Err(corrupt("an object's data is longer than its header says"));
            }
            if status == Status::StreamEnd {
                break;
            }
            if used == 0 && inflater.total_out() == before_out {
                return Err(corrupt("an object's data does not inflate"));
            }
        }
        if out.len() < want || (whole && out.len() != size) {
            return Err(corrupt("an object's data is shorter than its header says"));
        }
        Ok(out)
    }

    /// Copies the pack's bytes at `at` into `buf`, as many as there are
    /// before the checksum; returns how many.
    fn bytes_at(&mut self, mut at: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let mut done = 0;
        while done < buf.len() {
            let block = self.block(at)?;
            let skip = usize::try_from(at % BLOCK as u64).unwrap_or(0);
            let part = block.get(skip..).unwrap_or_default();
            if part.is_empty() {
                break;
            }
            let n = part.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&part[..n]);
            done += n;
            at += n as u64;
        }
        Ok(done)
    }

    /// The block of the pack holding `at`.
    fn block(&mut self, at: u64) -> Result<&[u8], Error> {
        block(&mut self.blocks, &self.file, &self.path, self.end, at)
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Corrupt { path: self.path.clone(), what: what.to_owned() }
    }
}

/// The block of the pack `file` holding `at`, through `blocks`; blocks
/// stop at `end` (the checksum), so reading at or past it gives nothing.
fn block<'b>(blocks: &'b mut Blocks, file: &File, path: &Path, end: u64, at: u64) -> Result<&'b [u8], Error> {
    let n = at / BLOCK as u64;
    let start = n * BLOCK as u64;
    let len = usize::try_from(end.saturating_sub(start).min(BLOCK as u64)).unwrap_or(0);
    blocks.get(n, |buf| {
        buf.resize(len, 0);
        read_exact_at(file, buf, start).map_err(|source| Error::Io { path: path.to_owned(), source })
    })
}

fn kind_of(code: u8) -> Option<Kind> {
    match code {
        1 => Some(Kind::Commit),
        2 => Some(Kind::Tree),
        3 => Some(Kind::Blob),
        4 => Some(Kind::Tag),
        _ => None,
    }
}
