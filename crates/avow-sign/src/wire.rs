//! The few pieces of the SSH wire format (RFC 4251 §5) that the agent client
//! and the signature pre-checks need: big-endian `uint32`, and `string` as a
//! `uint32` length followed by that many bytes.

/// Appends a `uint32`.
pub(crate) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Appends a `string`; `None` when it is longer than a `uint32` can say.
pub(crate) fn put_string(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    put_u32(out, u32::try_from(bytes.len()).ok()?);
    out.extend_from_slice(bytes);
    Some(())
}

/// A cursor over a byte slice that never reads past its end.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts at the beginning of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// The next `n` bytes, or `None` when fewer are left.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// A big-endian `uint32`.
    pub(crate) fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length-prefixed `string`.
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len)
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_round_trip() {
        let mut out = Vec::new();
        put_string(&mut out, b"ssh-ed25519").unwrap();
        put_u32(&mut out, 7);
        assert_eq!(&out[..4], &[0, 0, 0, 11]);
        let mut r = Reader::new(&out);
        assert_eq!(r.string(), Some(&b"ssh-ed25519"[..]));
        assert_eq!(r.u32(), Some(7));
        assert!(r.is_empty());
        assert_eq!(r.u8(), None);
    }

    #[test]
    fn truncated_string_is_none() {
        let mut r = Reader::new(&[0, 0, 0, 5, b'a', b'b']);
        assert_eq!(r.string(), None);
        let mut r = Reader::new(&[0, 0]);
        assert_eq!(r.u32(), None);
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(r.string(), None);
    }
}
