//! The canonical payload: the exact bytes an attestation signature covers,
//! and the `Avow-Signature:` trailer that carries the signature.
//!
//! `docs/payload.md` describes the format for other implementers; the two
//! must agree. The payload is a few `\n`-terminated lines:
//!
//! ```text
//! avow-attestation v1
//! patch-id 3f1c…            (or "none" for an empty change)
//! tree-binding 9a0b…        (32 hex digits; see below)
//! author-email alice@example.org
//! subject Fix the parser's off-by-one
//! signed-at 1764000000
//! Authorship: assisted
//! Assisted-by: Claude:claude-opus-4-5
//! Understood-by: Alice Example <alice@example.org>
//! Rationale: The loop stopped one short of the last element because …
//! ```
//!
//! ```
//! use avow_core::payload::{Payload, SignatureTrailer};
//! use avow_core::attestation::{Authorship, Person, Statement};
//! let statement = Statement {
//!     authorship: Authorship::Human,
//!     assisted_by: vec![],
//!     understood_by: Person::parse("Alice <alice@example.org>").unwrap(),
//!     rationale: "Explain the change.".into(),
//! };
//! let payload = Payload {
//!     patch_id: Some("0123456789abcdef0123456789abcdef01234567".into()),
//!     tree_binding: "00112233445566778899aabbccddeeff".into(),
//!     author_email: "alice@example.org".into(),
//!     subject: "Fix it".into(),
//!     signed_at: 1_764_000_000,
//!     statement: &statement,
//! };
//! let bytes = payload.to_bytes().unwrap();
//! assert!(bytes.starts_with(b"avow-attestation v1\npatch-id 0123"));
//! let trailer = SignatureTrailer::new(&payload, "U1NIU0lH".into());
//! let parsed = SignatureTrailer::parse(&trailer.to_string()).unwrap();
//! assert_eq!(parsed, trailer);
//! ```

use std::fmt;

use crate::attestation::{Statement, ASSISTED_BY, AUTHORSHIP, RATIONALE, UNDERSTOOD_BY};

/// The first line of every payload; a new format gets a new version.
pub const HEADER: &str = "avow-attestation v1";

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
    /// The `Avow-Signature:` value is malformed.
    #[error("malformed `Avow-Signature:` value: {reason}")]
    BadSignatureTrailer {
        /// What is wrong.
        reason: String,
    },
}

/// The values a signature binds. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload<'a> {
    /// The change's patch-id in lowercase hex; `None` for an empty change.
    pub patch_id: Option<String>,
    /// 32 lowercase hex digits binding the exact (parent tree, tree) pair at
    /// signing time, which lets a verifier skip recomputing the patch-id
    /// when a commit has not been rebased.
    pub tree_binding: String,
    /// The commit author's email, as git records it.
    pub author_email: String,
    /// The subject, as `git log --format=%s` shows it.
    pub subject: String,
    /// Seconds since the Unix epoch when the attestation was signed.
    pub signed_at: i64,
    /// The statement being signed.
    pub statement: &'a Statement,
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

impl Payload<'_> {
    /// The exact bytes that are signed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PayloadError> {
        let s = self.statement;
        let mut out = Vec::with_capacity(256 + s.rationale.len());
        line(&mut out, "header", "", HEADER)?;
        line(&mut out, "patch-id", "patch-id ", self.patch_id.as_deref().unwrap_or("none"))?;
        line(&mut out, "tree binding", "tree-binding ", &self.tree_binding)?;
        line(&mut out, "author email", "author-email ", &self.author_email)?;
        line(&mut out, "subject", "subject ", &self.subject)?;
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
/// `v1 t=<signed-at> p=<patch-id|none> b=<tree-binding> s=<base64 SSHSIG>`.
///
/// `t`, `p` and `b` repeat what the payload binds so that a verifier can
/// rebuild the payload and explain a mismatch ("the diff changed since
/// signing") instead of only reporting a bad signature. They are not trusted
/// on their own: each is either recomputed from the commit or checked by the
/// signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureTrailer {
    /// Seconds since the Unix epoch at signing.
    pub signed_at: i64,
    /// The patch-id that was signed (`None` for an empty change).
    pub patch_id: Option<String>,
    /// The tree binding that was signed.
    pub tree_binding: String,
    /// The SSHSIG blob, base64.
    pub signature: String,
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl SignatureTrailer {
    /// The trailer for a payload signed as `signature` (base64).
    pub fn new(payload: &Payload<'_>, signature: String) -> Self {
        SignatureTrailer {
            signed_at: payload.signed_at,
            patch_id: payload.patch_id.clone(),
            tree_binding: payload.tree_binding.clone(),
            signature,
        }
    }

    /// Parses a trailer value strictly: the fields in order, single spaces,
    /// nothing else.
    pub fn parse(value: &str) -> Result<Self, PayloadError> {
        let bad = |reason: &str| PayloadError::BadSignatureTrailer { reason: reason.to_owned() };
        let mut fields = value.split(' ');
        if fields.next() != Some("v1") {
            return Err(bad("it must start with `v1` (this avow reads version 1 attestations)"));
        }
        let mut field = |name: &str| -> Result<&str, PayloadError> {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .ok_or_else(|| bad(&format!("expected the field `{name}…`")))
        };
        let t = field("t=")?;
        let p = field("p=")?;
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
        let patch_id = match p {
            "none" => None,
            p if is_lower_hex(p) && (p.len() == 40 || p.len() == 64) => Some(p.to_owned()),
            _ => return Err(bad("`p=` must be a patch-id in lowercase hex or `none`")),
        };
        if !(is_lower_hex(b) && b.len() == 32) {
            return Err(bad("`b=` must be 32 lowercase hex digits"));
        }
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) {
            return Err(bad("`s=` must be base64"));
        }
        Ok(SignatureTrailer { signed_at, patch_id, tree_binding: b.to_owned(), signature: s.to_owned() })
    }
}

impl fmt::Display for SignatureTrailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v1 t={} p={} b={} s={}",
            self.signed_at,
            self.patch_id.as_deref().unwrap_or("none"),
            self.tree_binding,
            self.signature
        )
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

    #[test]
    fn exact_bytes() {
        let s = statement();
        let p = Payload {
            patch_id: None,
            tree_binding: "0".repeat(32),
            author_email: "alice@example.org".into(),
            subject: "Fix it".into(),
            signed_at: 42,
            statement: &s,
        };
        assert_eq!(
            String::from_utf8(p.to_bytes().unwrap()).unwrap(),
            "avow-attestation v1\npatch-id none\ntree-binding 00000000000000000000000000000000\n\
             author-email alice@example.org\nsubject Fix it\nsigned-at 42\nAuthorship: assisted\n\
             Assisted-by: Claude:claude-opus-4-5\nAssisted-by: aider:gpt-5 ripgrep\n\
             Understood-by: Alice Example <alice@example.org>\nRationale: Because.\n"
        );
    }

    #[test]
    fn refuses_line_breaks() {
        let s = statement();
        let p = Payload {
            patch_id: None,
            tree_binding: "0".repeat(32),
            author_email: "a@b".into(),
            subject: "two\nlines".into(),
            signed_at: 0,
            statement: &s,
        };
        assert_eq!(p.to_bytes(), Err(PayloadError::LineBreak { field: "subject" }));
    }

    #[test]
    fn signature_trailer_is_strict() {
        let good = format!("v1 t=5 p={} b={} s=AAAA", "a".repeat(40), "b".repeat(32));
        assert!(SignatureTrailer::parse(&good).is_ok());
        assert_eq!(SignatureTrailer::parse(&good.replace("t=5", "t=0")).map(|t| t.signed_at), Ok(0));
        for bad in [
            String::new(),
            "v2 t=5 p=none b=x s=AAAA".to_owned(),
            good.replace("t=5", "t=-5"),
            good.replace("t=5", "t=5 "),
            good.replace(" s=", "  s="),
            format!("{good} extra"),
            good.replace(&"a".repeat(40), &"A".repeat(40)),
            good.replace(&"a".repeat(40), &"a".repeat(39)),
            good.replace(&"b".repeat(32), &"b".repeat(31)),
            good.replace("s=AAAA", "s=AA AA"),
            good.replace("s=AAAA", "s="),
            good.replace("t=5", "t=99999999999999999999"),
            // Found by fuzzing: a leading zero parsed to the same time, so
            // one signature fitted two messages.
            good.replace("t=5", "t=05"),
            good.replace("t=5", "t=00"),
        ] {
            assert!(SignatureTrailer::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
