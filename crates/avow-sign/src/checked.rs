//! Unencrypted Ed25519 key files already read in full, remembered by the
//! SHA-256 of their bytes, so that the commit-msg hook does not check the
//! same key's halves against each other again at every commit.
//!
//! Reading an OpenSSH Ed25519 private key with ssh-key derives the public
//! half from the private one and refuses a file where they differ (signing
//! with a wrong public half can leak the private key: two signatures of one
//! message under two public keys share their nonce). That derivation is a
//! scalar multiplication, about 200,000 instructions, a tenth of what the
//! hook spends (docs/performance.md, "2026-12-07, late night: the hook").
//!
//! With a record set ([`remember_checked_keys`]; the hook keeps its in the
//! repository's `.git/avow/`), a key file whose exact bytes ssh-key already
//! read in full — every check, the derivation included — is read again by
//! [`read_known`], which takes the same fields out of the same bytes
//! without deriving. Any other file, a changed one included (its digest is
//! new), goes through ssh-key in full, and is added to the record only if
//! ssh-key accepts it. The record says nothing about a file it does not
//! name by content, so it can never stand for a key that changed; writing
//! to it needs write access to the git directory, which already lets one
//! replace the hook itself.

use std::sync::OnceLock;

use sha2::{Digest as _, Sha256};
use ssh_key::private::{Ed25519Keypair, Ed25519PrivateKey, KeypairData};
use ssh_key::public::Ed25519PublicKey;
use ssh_key::PrivateKey;
use zeroize::Zeroizing;

use crate::wire::Reader;

/// The SHA-256 of a key file's bytes.
pub type KeyDigest = [u8; 32];

/// Where the digests of fully checked key files are kept.
pub trait CheckedKeys: Send + Sync {
    /// Whether a file with these bytes was read in full before.
    fn contains(&self, digest: &KeyDigest) -> bool;
    /// Records a file ssh-key has just read in full (best effort).
    fn add(&self, digest: KeyDigest);
}

static RECORD: OnceLock<Box<dyn CheckedKeys>> = OnceLock::new();

/// Sets this process's record of checked key files (the first one set
/// stays). Without one every key file is read in full.
pub fn remember_checked_keys(record: Box<dyn CheckedKeys>) {
    let _ = RECORD.set(record);
}

/// The process's record, if one is set.
pub(crate) fn record() -> Option<&'static dyn CheckedKeys> {
    RECORD.get().map(AsRef::as_ref)
}

/// The digest of a key file's text.
pub fn digest(text: &str) -> KeyDigest {
    Sha256::digest(text.as_bytes()).into()
}

/// The key in an unencrypted OpenSSH `ssh-ed25519` private key file, read
/// without deriving the public half: only for bytes ssh-key accepted in
/// full before (the caller checks the record). `None` for anything else
/// (encrypted, another type, another layout), which ssh-key then reads.
pub(crate) fn read_known(text: &str) -> Option<PrivateKey> {
    let raw = pem_body(text)?;
    let mut r = Reader::new(&raw);
    if r.take(15)? != b"openssh-key-v1\0"
        || r.string()? != b"none"
        || r.string()? != b"none"
        || !r.string()?.is_empty()
        || r.u32()? != 1
    {
        return None;
    }
    let mut public = Reader::new(r.string()?);
    let private = r.string()?;
    if !r.is_empty() || public.string()? != b"ssh-ed25519" {
        return None;
    }
    let pk: [u8; 32] = public.string()?.try_into().ok()?;
    if !public.is_empty() || private.len() % 8 != 0 {
        return None;
    }
    let mut s = Reader::new(private);
    if s.u32()? != s.u32()? || s.string()? != b"ssh-ed25519" || s.string()? != pk {
        return None;
    }
    let pair = s.string()?;
    if pair.len() != 64 || pair[32..] != pk {
        return None;
    }
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(pair[..32].try_into().ok()?);
    let comment = std::str::from_utf8(s.string()?).ok()?.to_owned();
    let padding = s.rest();
    if padding.len() >= 8 || padding.iter().zip(1u8..).any(|(b, i)| *b != i) {
        return None;
    }
    let pair = Ed25519Keypair { public: Ed25519PublicKey(pk), private: Ed25519PrivateKey::from_bytes(&seed) };
    PrivateKey::new(KeypairData::Ed25519(pair), comment).ok()
}

/// The bytes of the one `OPENSSH PRIVATE KEY` block in `text`, found as
/// ssh-key finds it (its PEM decoder, lines of 70 characters): after any
/// text before it, up to the end of the file. A file where another reader
/// would find another block — a first `BEGIN` line indented, which ssh-key
/// takes for text before the key — must not be read otherwise here than
/// ssh-key read it when it was recorded (threat-model entry 132).
fn pem_body(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut decoder = ssh_encoding::pem::Decoder::new_wrapped(text.as_bytes(), 70).ok()?;
    if decoder.type_label() != "OPENSSH PRIVATE KEY" {
        return None;
    }
    let mut body = Zeroizing::new(Vec::new());
    decoder.decode_to_end(&mut body).ok()?;
    Some(body)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ssh_key::PrivateKey;

    use super::read_known;

    /// An unencrypted Ed25519 key as `ssh-keygen` writes it (seed 7s).
    fn key_text() -> String {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]);
        let key = PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), "alice@example.org").unwrap();
        key.to_openssh(ssh_key::LineEnding::LF).unwrap().to_string()
    }

    #[test]
    fn reads_what_ssh_key_reads() {
        let text = key_text();
        assert_eq!(read_known(&text), Some(PrivateKey::from_openssh(&text).unwrap()));
    }

    /// A file that holds, before the key ssh-key reads, another block that
    /// reads as a key: with its first line indented, ssh-key takes it for
    /// text before the key (RFC 7468 allows any) and reads the key after
    /// it, whose halves agree — so a record names the file — while a reader
    /// that looks for the first `BEGIN` line, trimmed, read the block
    /// before: the seed with another key's public half (threat-model entry
    /// 129). Whatever ssh-key reads in a file, `read_known` reads the same
    /// or nothing.
    #[test]
    fn reads_the_key_ssh_key_reads_not_a_block_before_it() {
        use ssh_key::private::{Ed25519Keypair, KeypairData};
        let text = key_text();
        let seven = Ed25519Keypair::from_seed(&[7; 32]);
        let eight = Ed25519Keypair::from_seed(&[8; 32]);
        let mixed = Ed25519Keypair { public: eight.public, private: seven.private.clone() };
        let block = PrivateKey::new(KeypairData::Ed25519(mixed), "alice@example.org")
            .unwrap()
            .to_openssh(ssh_key::LineEnding::LF)
            .unwrap()
            .to_string();
        for before in [format!("  {block}"), format!("\t{block}"), format!("text\n {block}")] {
            let file = format!("{before}{text}");
            let full = PrivateKey::from_openssh(&file).unwrap();
            assert_eq!(full.public_key(), PrivateKey::from_openssh(&text).unwrap().public_key(), "{file}");
            assert_eq!(read_known(&file), Some(full), "{file}");
        }
    }

    /// Text before the key, a broken block of the same layout inside it
    /// or not, in every combination of a few shapes: whatever ssh-key
    /// reads, `read_known` reads too, or nothing.
    #[test]
    fn text_before_the_key_is_read_as_ssh_key_reads_it() {
        use ssh_key::private::{Ed25519Keypair, KeypairData};
        let text = key_text();
        let mixed = Ed25519Keypair {
            public: Ed25519Keypair::from_seed(&[8; 32]).public,
            private: Ed25519Keypair::from_seed(&[7; 32]).private,
        };
        let block =
            PrivateKey::new(KeypairData::Ed25519(mixed), "x").unwrap().to_openssh(ssh_key::LineEnding::LF).unwrap();
        let mut accepted = 0;
        for before in ["", " ", "\t", "\r", "text\n ", "\n  ", "x", "\n"] {
            for between in ["", "\n", "x\n", " "] {
                for block in ["", block.as_str(), &block.replace('\n', "\r\n")] {
                    let file = format!("{before}{block}{between}{text}");
                    if let (Some(quick), Ok(full)) = (read_known(&file), PrivateKey::from_openssh(&file)) {
                        assert_eq!(quick, full, "{file:?}");
                        accepted += 1;
                    }
                }
            }
        }
        assert!(accepted > 0);
    }

    #[test]
    fn reads_no_encrypted_or_other_key() {
        let key = PrivateKey::from_openssh(key_text()).unwrap();
        let encrypted =
            key.encrypt(&mut rand_core::OsRng, "secret").unwrap().to_openssh(ssh_key::LineEnding::LF).unwrap();
        assert_eq!(read_known(&encrypted), None);
        assert_eq!(read_known("not a key"), None);
    }

    proptest! {
        /// Whatever both read from a damaged file, they read alike; and
        /// whatever ssh-key refuses, a record could never have named, so
        /// what `read_known` makes of it is never used.
        #[test]
        fn never_reads_a_different_key(at in 36usize..400, byte in 0u8..128) {
            let mut text = key_text().into_bytes();
            let i = at % text.len();
            text[i] = byte;
            let Ok(text) = String::from_utf8(text) else { return Ok(()) };
            if let (Some(quick), Ok(full)) = (read_known(&text), PrivateKey::from_openssh(&text)) {
                prop_assert_eq!(quick, full);
            }
        }
    }
}
