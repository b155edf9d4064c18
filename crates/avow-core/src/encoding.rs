//! Commit message encodings.
//!
//! git stores a message's bytes as written and, when `i18n.commitEncoding`
//! is set to anything but UTF-8, records the encoding in the commit's
//! `encoding` header. avow works on text: the hook decodes the message file
//! from the commit encoding, signs, and encodes the message back (so the
//! commit keeps its declared encoding, byte for byte); the verifier decodes
//! the stored message by its `encoding` header. The payload is always
//! UTF-8, so an attestation means the same whatever encoding stored it.
//!
//! Supported: UTF-8 (git's default) and ISO-8859-1 (Latin-1), whose bytes
//! are exactly the code points U+0000 to U+00FF, so decoding and encoding
//! are exact and need no tables.
//!
//! ```
//! use avow_core::encoding::Encoding;
//! let latin1 = Encoding::from_label("ISO-8859-1").unwrap();
//! assert_eq!(latin1.decode(b"caf\xe9").unwrap(), "café");
//! assert_eq!(latin1.encode("café").unwrap(), b"caf\xe9");
//! assert_eq!(latin1.encode("Łódź"), Err('Ł'));
//! assert_eq!(Encoding::from_label("Shift_JIS"), None);
//! ```

/// A commit message encoding avow can read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, git's default.
    Utf8,
    /// ISO-8859-1 (Latin-1).
    Latin1,
}

impl Encoding {
    /// The encoding for a label as git passes it to iconv (`UTF-8`,
    /// `ISO-8859-1`, `latin1`, …; case does not matter); `None` for an
    /// encoding avow does not support.
    pub fn from_label(label: &str) -> Option<Encoding> {
        let l = label.trim().to_ascii_lowercase();
        match l.as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "iso88591" | "latin1" | "latin-1" | "l1" | "cp819"
            | "ibm819" => Some(Encoding::Latin1),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
        }
    }

    /// Decodes `bytes`; `None` when they are not valid in this encoding
    /// (only UTF-8 can fail).
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
            Encoding::Latin1 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        }
    }

    /// Encodes `text`; `Err(c)` names the first character this encoding
    /// cannot represent.
    pub fn encode(self, text: &str) -> Result<Vec<u8>, char> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Latin1 => text.chars().map(|c| u8::try_from(u32::from(c)).map_err(|_| c)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let text = Encoding::Latin1.decode(&all).unwrap();
        assert_eq!(text.chars().count(), 256);
        assert_eq!(Encoding::Latin1.encode(&text).unwrap(), all);
    }

    #[test]
    fn labels() {
        for l in ["UTF-8", "utf8"] {
            assert_eq!(Encoding::from_label(l), Some(Encoding::Utf8));
        }
        for l in ["ISO-8859-1", "iso8859-1", "Latin1", "latin-1"] {
            assert_eq!(Encoding::from_label(l), Some(Encoding::Latin1));
        }
        for l in ["ISO-8859-15", "windows-1252", "", "EUC-JP"] {
            assert_eq!(Encoding::from_label(l), None, "{l}");
        }
    }

    #[test]
    fn utf8_refuses_invalid_bytes() {
        assert_eq!(Encoding::Utf8.decode(b"caf\xe9"), None);
        assert_eq!(Encoding::Utf8.encode("\u{141}").unwrap(), "\u{141}".as_bytes());
    }
}
