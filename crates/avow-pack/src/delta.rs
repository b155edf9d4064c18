//! git's delta format: the base's size and the result's size (each a
//! little-endian base-128 number), then instructions: a byte with the
//! high bit set copies a range of the base (offset and size bytes as its
//! low seven bits say; a size of 0 means 0x10000), a byte 1–127 inserts
//! that many bytes that follow; 0 is reserved.

/// The size the delta `delta` says its result has, and where its
/// instructions start; `None` when its header is malformed.
pub fn header(delta: &[u8]) -> Option<(u64, u64, usize)> {
    let (base, a) = varint(delta, 0)?;
    let (result, b) = varint(delta, a)?;
    Some((base, result, b))
}

/// Applies `delta` to `base`; `None` when the delta is malformed or does
/// not fit `base`, or its result would be longer than `max`.
pub fn apply(base: &[u8], delta: &[u8], max: usize) -> Option<Vec<u8>> {
    let (base_len, result_len, mut at) = header(delta)?;
    if base_len != base.len() as u64 {
        return None;
    }
    let result_len = usize::try_from(result_len).ok().filter(|&n| n <= max)?;
    let mut out = Vec::with_capacity(result_len);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0_usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            let mut size = 0_usize;
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    size |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if size == 0 {
                size = 0x10000;
            }
            let end = offset.checked_add(size)?;
            if out.len() + size > result_len {
                return None;
            }
            out.extend_from_slice(base.get(offset..end)?);
        } else if op != 0 {
            let n = usize::from(op);
            if out.len() + n > result_len {
                return None;
            }
            out.extend_from_slice(delta.get(at..at + n)?);
            at += n;
        } else {
            return None;
        }
    }
    (out.len() == result_len).then_some(out)
}

/// A little-endian base-128 number at `at`, and where it ends.
fn varint(b: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0_u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(at)?;
        at += 1;
        if shift > 63 {
            return None;
        }
        let part = u64::from(byte & 0x7f);
        if shift > 0 && part.leading_zeros() < shift {
            return None;
        }
        value |= part << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::apply;

    /// A delta of `base_len` → `result_len` bytes with `ops`.
    fn delta(base_len: u8, result_len: u8, ops: &[u8]) -> Vec<u8> {
        let mut d = vec![base_len, result_len];
        d.extend_from_slice(ops);
        d
    }

    #[test]
    fn copies_and_inserts() {
        let base = b"hello world";
        // copy 5 bytes from 6 ("world"), insert " ", copy 5 from 0.
        let d = delta(11, 11, &[0x91, 6, 5, 1, b' ', 0x90, 5]);
        assert_eq!(apply(base, &d, 100).as_deref(), Some(&b"world hello"[..]));
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let base = b"hello";
        assert_eq!(apply(base, &delta(4, 5, &[0x90, 5]), 100), None, "wrong base size");
        assert_eq!(apply(base, &delta(5, 6, &[0x91, 1, 5]), 100), None, "copy past the base");
        assert_eq!(apply(base, &delta(5, 4, &[0x90, 5]), 100), None, "longer than it says");
        assert_eq!(apply(base, &delta(5, 6, &[0x90, 5]), 100), None, "shorter than it says");
        assert_eq!(apply(base, &delta(5, 1, &[0]), 100), None, "reserved instruction");
        assert_eq!(apply(base, &delta(5, 3, &[3, b'a']), 100), None, "insert past the end");
        assert_eq!(apply(base, &delta(5, 5, &[0x90, 5]), 4), None, "over the limit");
        assert_eq!(apply(base, &[0xff; 12], 100), None, "an endless size");
    }

    #[test]
    fn a_copy_of_size_zero_is_64_kib() {
        let base = vec![7_u8; 0x10000];
        let mut d = vec![0x80, 0x80, 0x04, 0x80, 0x80, 0x04];
        d.push(0x80);
        assert_eq!(apply(&base, &d, 1 << 20), Some(base));
    }

    proptest::proptest! {
        /// Any bytes as a delta: a result or `None`, never a panic, never
        /// longer than the limit.
        #[test]
        fn any_delta_is_refused_or_applied(base: Vec<u8>, d: Vec<u8>) {
            if let Some(out) = apply(&base, &d, 4096) {
                proptest::prop_assert!(out.len() <= 4096);
            }
        }
    }
}
