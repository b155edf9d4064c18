//! The reader's two bounded caches: blocks of the pack file (what
//! libgit2's mapped windows were for) and resolved delta bases.

use std::sync::Arc;

use crate::Kind;

/// Bytes of the pack read at once.
pub const BLOCK: usize = 16 << 10;
/// Blocks kept (direct-mapped by block number): 512 KiB.
const BLOCKS: usize = 32;

/// Blocks of a file, each [`BLOCK`] bytes at a multiple of [`BLOCK`] (the
/// last one shorter), kept in [`BLOCKS`] slots.
#[derive(Debug)]
pub struct Blocks {
    slots: Vec<Option<(u64, Vec<u8>)>>,
}

impl Default for Blocks {
    fn default() -> Self {
        Blocks { slots: vec![None; BLOCKS] }
    }
}

impl Blocks {
    /// The block numbered `n`, read by `fill` (into an empty buffer) when
    /// it is not kept.
    pub fn get<E>(&mut self, n: u64, fill: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<&[u8], E> {
        let slot = usize::try_from(n % BLOCKS as u64).unwrap_or(0);
        let hit = matches!(&self.slots[slot], Some((m, _)) if *m == n);
        if !hit {
            let mut buf = self.slots[slot].take().map(|(_, b)| b).unwrap_or_default();
            buf.clear();
            fill(&mut buf)?;
            self.slots[slot] = Some((n, buf));
        }
        Ok(self.slots[slot].as_ref().map_or(&[][..], |(_, b)| b.as_slice()))
    }
}

/// A kept object: its pack offset, type and content.
type Kept = (u64, Kind, Arc<[u8]>);

/// Resolved objects by pack offset, at most [`Bases::BUDGET`] bytes in
/// [`Bases::SLOTS`] slots (direct-mapped by offset, as git's own delta
/// base cache).
#[derive(Debug)]
pub struct Bases {
    slots: Vec<Option<Kept>>,
    bytes: usize,
}

impl Default for Bases {
    fn default() -> Self {
        Bases { slots: vec![None; Self::SLOTS], bytes: 0 }
    }
}

impl Bases {
    const SLOTS: usize = 256;
    /// Bytes kept at most.
    pub const BUDGET: usize = 4 << 20;

    fn slot(offset: u64) -> usize {
        // Offsets of neighbouring objects differ in their low bits.
        usize::try_from((offset ^ (offset >> 8)) % Self::SLOTS as u64).unwrap_or(0)
    }

    /// The object at `offset`, when kept.
    pub fn get(&self, offset: u64) -> Option<(Kind, Arc<[u8]>)> {
        match &self.slots[Self::slot(offset)] {
            Some((o, kind, data)) if *o == offset => Some((*kind, Arc::clone(data))),
            _ => None,
        }
    }

    /// Keeps the object at `offset`, dropping others (from the next slot
    /// on) while the budget would be exceeded; an object over a quarter of
    /// the budget is not kept.
    pub fn put(&mut self, offset: u64, kind: Kind, data: Arc<[u8]>) {
        if data.len() > Self::BUDGET / 4 {
            return;
        }
        let slot = Self::slot(offset);
        if let Some((_, _, old)) = self.slots[slot].take() {
            self.bytes -= old.len();
        }
        let mut i = slot;
        while self.bytes + data.len() > Self::BUDGET {
            i = (i + 1) % Self::SLOTS;
            if let Some((_, _, old)) = self.slots[i].take() {
                self.bytes -= old.len();
            }
        }
        self.bytes += data.len();
        self.slots[slot] = Some((offset, kind, data));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Bases;
    use crate::Kind;

    #[test]
    fn bases_stay_within_the_budget() {
        let mut b = Bases::default();
        for i in 0..2000_u64 {
            let len = usize::try_from(i * 7919 % (Bases::BUDGET as u64 / 4 + 10)).unwrap();
            b.put(i * 13, Kind::Tree, Arc::from(vec![0_u8; len]));
            assert!(b.bytes <= Bases::BUDGET);
            let kept: usize = b.slots.iter().flatten().map(|(_, _, d)| d.len()).sum();
            assert_eq!(kept, b.bytes);
        }
        b.put(5, Kind::Blob, Arc::from(&b"x"[..]));
        assert_eq!(b.get(5).map(|(k, d)| (k, d.to_vec())), Some((Kind::Blob, b"x".to_vec())));
        assert!(b.get(6).is_none());
    }
}
