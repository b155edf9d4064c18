//! The canonical payload: the exact bytes an attestation signature covers,
//! and the `Avow-Signature:` trailer that carries the signature.
//!
//! [docs/payload.md](../../../docs/payload.md) is the reference for the
//! format, byte for byte; this module and that page must agree. The payload
//! is a few `\n`-terminated lines:
//!
//! ```text
//! avow-attestation v2
//! change 3f1c…              (64 hex digits, or "none" for an empty change)
//! tree-binding 9a0b…        (64 hex digits)
//! author-email alice@example.org
//! subject Fix the parser's off-by-one
//! signed-at 1764000000
//! Authorship: assisted
//! Assisted-by: Claude:claude-opus-4-5
//! Understood-by: Alice Example <alice@example.org>
//! Rationale: The loop stopped one short of the last element because …
//! ```
//!
//! The change digest and the tree binding are computed from a repository
//! by `avow_verify::change`; this crate only carries them.
//!
//! ```
//! use avow_core::payload::{Binding, Digest, Payload, SignatureTrailer};
//! use avow_core::attestation::{Authorship, Person, Statement};
//! let statement = Statement {
//!     authorship: Authorship::Human,
//!     assisted_by: vec![],
//!     understood_by: Person::parse("Alice <alice@example.org>").unwrap(),
//!     rationale: "Explain the change.".into(),
//! };
//! let binding = Binding { change: Some(Digest([0x01; 32])), trees: Digest([0xab; 32]) };
//! let payload = Payload::new(&binding, "alice@example.org", "Fix it", 1_764_000_000, &statement);
//! let bytes = payload.to_bytes().unwrap();
//! assert!(bytes.starts_with(b"avow-attestation v2\nchange 0101"));
//! let trailer = SignatureTrailer::new(&payload, "U1NIU0lH".into());
//! let parsed = SignatureTrailer::parse(&trailer.to_string()).unwrap();
//! assert_eq!(parsed, trailer);
//! ```

use std::fmt;

use crate::attestation::{Statement, ASSISTED_BY, AUTHORSHIP, RATIONALE, UNDERSTOOD_BY};

/// The first line of every payload; a new format gets a new version.
pub const HEADER: &str = "avow-attestation v2";

/// The version word that starts an `Avow-Signature:` value.
pub const VERSION: &str = "v2";

/// The SSHSIG namespace of avow attestations. Never `git`, so that a git
/// commit signature can never be replayed as an attestation, or the
/// reverse. It stays `@v1` across payload versions: the payload's first
/// line ([`HEADER`]) tells versions apart.
pub const NAMESPACE: &str = "avow-attestation@v1";

/// A SHA-256 digest: the change digest and the tree binding. Always the
/// full 32 bytes, printed as 64 lowercase hex digits (nothing that decides
/// trust is truncated).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Parses exactly 64 lowercase hex digits.
    pub fn from_hex(hex: &str) -> Option<Digest> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let mut out = [0; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(Digest(out))
    }

    /// The 64 lowercase hex digits, without going through the formatter
    /// (every verified commit's payload spells two digests).
    pub fn hex(&self) -> [u8; 64] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0xf)];
        }
        out
    }
}

impl fmt::Display for Digest {
    /// 64 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(hex_str(&self.hex()))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// What ties an attestation to a commit's content (docs/payload.md, "The
/// change digest" and "The tree binding").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The change digest; `None` for an empty change.
    pub change: Option<Digest>,
    /// The tree binding: the exact (parent tree, tree) pair.
    pub trees: Digest,
}

/// Why a payload or signature trailer cannot be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// A field would contain a line break, which would make the payload
    /// ambiguous.
    #[error("the {field} contains a line break or NUL, which an attestation cannot bind")]
    LineBreak {
        /// Which field.
        field: &'static str,
    },
    /// The `Avow-Signature:` value is of another version than this avow
    /// reads (`v1`: bound by git's forgeable patch-id, refused).
    #[error("the attestation is of version `{found}`; this avow reads only {VERSION} attestations")]
    Version {
        /// The version word found (at most a few characters of it).
        found: String,
    },
    /// The `Avow-Signature:` value is malformed.
    #[error("malformed `Avow-Signature:` value: {reason}")]
    BadSignatureTrailer {
        /// What is wrong.
        reason: String,
    },
}

/// The values a signature binds. See the module documentation; build it
/// with [`Payload::new`], for signing and for checking alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload<'a> {
    /// The change digest and tree binding.
    pub binding: Binding,
    /// The commit author's email, as git records it.
    pub author_email: &'a str,
    /// The subject, as `git log --format=%s` shows it.
    pub subject: &'a str,
    /// Seconds since the Unix epoch when the attestation was signed.
    pub signed_at: i64,
    /// The statement being signed.
    pub statement: &'a Statement,
}

/// A digest's hex digits as text.
fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).expect("hex digits are ASCII")
}

fn line(out: &mut Vec<u8>, field: &'static str, prefix: &str, value: &str) -> Result<(), PayloadError> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(PayloadError::LineBreak { field });
    }
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(value.as_bytes());
    out.push(b'\n');
    Ok(())
}

impl<'a> Payload<'a> {
    /// The payload of a commit: the one place where both the hook (when
    /// signing) and the verifier (when checking) say what is signed. The
    /// hook passes the staged change's [`Binding`], the author it will
    /// commit as and the time now; the verifier passes the binding it
    /// established, the commit's author and subject, and the trailer's
    /// signing time.
    pub fn new(
        binding: &Binding,
        author_email: &'a str,
        subject: &'a str,
        signed_at: i64,
        statement: &'a Statement,
    ) -> Self {
        Payload { binding: *binding, author_email, subject, signed_at, statement }
    }

    /// The exact bytes that are signed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PayloadError> {
        let s = self.statement;
        let mut out = Vec::with_capacity(320 + s.rationale.len());
        let change = self.binding.change.map(|d| d.hex());
        line(&mut out, "header", "", HEADER)?;
        line(&mut out, "change digest", "change ", change.as_ref().map_or("none", |d| hex_str(d)))?;
        line(&mut out, "tree binding", "tree-binding ", hex_str(&self.binding.trees.hex()))?;
        line(&mut out, "author email", "author-email ", self.author_email)?;
        line(&mut out, "subject", "subject ", self.subject)?;
        line(&mut out, "signing time", "signed-at ", &self.signed_at.to_string())?;
        line(&mut out, "Authorship trailer", "Authorship: ", s.authorship.as_str())?;
        for tool in &s.assisted_by {
            line(&mut out, "Assisted-by trailer", "Assisted-by: ", tool)?;
        }
        line(&mut out, "Understood-by trailer", "Understood-by: ", &s.understood_by.to_string())?;
        line(&mut out, "Rationale trailer", "Rationale: ", &s.rationale)?;
        debug_assert!([AUTHORSHIP, ASSISTED_BY, UNDERSTOOD_BY, RATIONALE].len() == 4);
        Ok(out)
    }
}

/// The value of the `Avow-Signature:` trailer:
/// `v2 t=<signed-at> c=<change digest|none> b=<tree binding> s=<base64 SSHSIG>`.
///
/// `t`, `c` and `b` repeat what the payload binds so that a verifier can
/// rebuild the payload and explain a mismatch ("the diff changed since
/// signing") instead of only reporting a bad signature. They are not trusted
/// on their own: each is either recomputed from the commit or checked by the
/// signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureTrailer {
    /// Seconds since the Unix epoch at signing.
    pub signed_at: i64,
    /// The change digest and tree binding that were signed.
    pub binding: Binding,
    /// The SSHSIG blob, base64.
    pub signature: String,
}

impl SignatureTrailer {
    /// The trailer for a payload signed as `signature` (base64).
    pub fn new(payload: &Payload<'_>, signature: String) -> Self {
        SignatureTrailer { signed_at: payload.signed_at, binding: payload.binding, signature }
    }

    /// Parses a trailer value strictly: the fields in order, single spaces,
    /// nothing else. Another version word than [`VERSION`] is
    /// [`PayloadError::Version`].
    pub fn parse(value: &str) -> Result<Self, PayloadError> {
        let bad = |reason: &str| PayloadError::BadSignatureTrailer { reason: reason.to_owned() };
        let mut fields = value.split(' ');
        match fields.next() {
            Some(VERSION) => {}
            Some(v)
                if v.len() <= 4 && v.starts_with('v') && v[1..].bytes().all(|c| c.is_ascii_digit()) && v.len() > 1 =>
            {
                return Err(PayloadError::Version { found: v.to_owned() });
            }
            _ => return Err(bad(&format!("it must start with `{VERSION}`"))),
        }
        let mut field = |name: &str| -> Result<&str, PayloadError> {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .ok_or_else(|| bad(&format!("expected the field `{name}…`")))
        };
        let t = field("t=")?;
        let c = field("c=")?;
        let b = field("b=")?;
        let s = field("s=")?;
        if fields.next().is_some() {
            return Err(bad("unexpected text after the signature"));
        }
        // Canonical decimal only: `t=0123` would print back as `t=123`, so
        // the same signature would fit two different messages.
        let canonical = t == "0" || !t.starts_with('0');
        let signed_at = if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() && t.len() <= 12 && canonical {
            t.parse::<i64>().map_err(|_| bad("`t=` is not a time"))?
        } else {
            return Err(bad("`t=` must be seconds since 1970 in decimal, without leading zeros"));
        };
        let change = match c {
            "none" => None,
            c => Some(Digest::from_hex(c).ok_or_else(|| bad("`c=` must be 64 lowercase hex digits or `none`"))?),
        };
        let trees = Digest::from_hex(b).ok_or_else(|| bad("`b=` must be 64 lowercase hex digits"))?;
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) {
            return Err(bad("`s=` must be base64"));
        }
        Ok(SignatureTrailer { signed_at, binding: Binding { change, trees }, signature: s.to_owned() })
    }
}

impl fmt::Display for SignatureTrailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{VERSION} t={} c=", self.signed_at)?;
        match self.binding.change {
            Some(d) => write!(f, "{d}")?,
            None => f.write_str("none")?,
        }
        write!(f, " b={} s={}", self.binding.trees, self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attestation::{Authorship, Person};

    fn statement() -> Statement {
        Statement {
            authorship: Authorship::Assisted,
            assisted_by: vec!["Claude:claude-opus-4-5".into(), "aider:gpt-5 ripgrep".into()],
            understood_by: Person::parse("Alice Example <alice@example.org>").unwrap(),
            rationale: "Because.".into(),
        }
    }

    const NONE: Binding = Binding { change: None, trees: Digest([0; 32]) };

    #[test]
    fn exact_bytes() {
        let s = statement();
        let p = Payload::new(&NONE, "alice@example.org", "Fix it", 42, &s);
        assert_eq!(
            String::from_utf8(p.to_bytes().unwrap()).unwrap(),
            format!(
                "avow-attestation v2\nchange none\ntree-binding {}\n\
                 author-email alice@example.org\nsubject Fix it\nsigned-at 42\nAuthorship: assisted\n\
                 Assisted-by: Claude:claude-opus-4-5\nAssisted-by: aider:gpt-5 ripgrep\n\
                 Understood-by: Alice Example <alice@example.org>\nRationale: Because.\n",
                "0".repeat(64)
            )
        );
        let change = Binding { change: Some(Digest([0xa5; 32])), trees: Digest([0x3c; 32]) };
        let bytes = Payload::new(&change, "a@b", "s", 0, &s).to_bytes().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(&format!(
            "avow-attestation v2\nchange {}\ntree-binding {}\n",
            "a5".repeat(32),
            "3c".repeat(32)
        )));
    }

    #[test]
    fn refuses_line_breaks() {
        let s = statement();
        let p = Payload::new(&NONE, "a@b", "two\nlines", 0, &s);
        assert_eq!(p.to_bytes(), Err(PayloadError::LineBreak { field: "subject" }));
    }

    #[test]
    fn digests_are_full_lowercase_hex() {
        let d = Digest::from_hex(&"0123456789abcdef".repeat(4)).unwrap();
        assert_eq!(d.to_string(), "0123456789abcdef".repeat(4));
        for bad in
            ["", &"a".repeat(63), &"a".repeat(65), &"A".repeat(64), &format!("{}g", "a".repeat(63)), &"é".repeat(32)]
        {
            assert_eq!(Digest::from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn signature_trailer_is_strict() {
        let good = format!("v2 t=5 c={} b={} s=AAAA", "a".repeat(64), "b".repeat(64));
        assert!(SignatureTrailer::parse(&good).is_ok());
        assert_eq!(SignatureTrailer::parse(&good.replace("t=5", "t=0")).map(|t| t.signed_at), Ok(0));
        let none = good.replace(&"a".repeat(64), "none");
        assert_eq!(SignatureTrailer::parse(&none).map(|t| t.binding.change), Ok(None));
        for bad in [
            String::new(),
            "v3x t=5 c=none b=x s=AAAA".to_owned(),
            good.replace("t=5", "t=-5"),
            good.replace("t=5", "t=5 "),
            good.replace(" s=", "  s="),
            format!("{good} extra"),
            good.replace(&"a".repeat(64), &"A".repeat(64)),
            good.replace(&"a".repeat(64), &"a".repeat(63)),
            // The tree binding is never truncated.
            good.replace(&"b".repeat(64), &"b".repeat(32)),
            good.replace(&"b".repeat(64), "none"),
            // A v1 patch-id field name in a v2 value.
            good.replace("c=", "p="),
            good.replace("s=AAAA", "s=AA AA"),
            good.replace("s=AAAA", "s="),
            good.replace("t=5", "t=99999999999999999999"),
            // Found by fuzzing: a leading zero parsed to the same time, so
            // one signature fitted two messages.
            good.replace("t=5", "t=05"),
            good.replace("t=5", "t=00"),
        ] {
            assert!(matches!(SignatureTrailer::parse(&bad), Err(PayloadError::BadSignatureTrailer { .. })), "{bad:?}");
        }
    }

    #[test]
    fn other_versions_are_named() {
        let v1 = format!("v1 t=5 p={} b={} s=AAAA", "a".repeat(40), "b".repeat(32));
        assert_eq!(SignatureTrailer::parse(&v1), Err(PayloadError::Version { found: "v1".into() }));
        assert_eq!(SignatureTrailer::parse("v3 t=1"), Err(PayloadError::Version { found: "v3".into() }));
    }
}
