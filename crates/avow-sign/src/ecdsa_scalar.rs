//! ECDSA private key files whose secret scalar is shorter than the curve.
//!
//! OpenSSH writes the scalar as an `mpint`, without leading zero bytes, so a
//! P-521 scalar (521 bits, 66 bytes) takes 65 bytes about half the time, and
//! a P-256 or P-384 one is shorter once in 256 keys. `ssh-key` 0.6 wants the
//! full width and refuses such files ("length invalid"). This module reads
//! the `openssh-key-v1` container itself (decrypting it with `ssh-key`'s KDF
//! and cipher), pads the scalar to the curve's width, and hands `ssh-key` an
//! unencrypted container it reads.

use ssh_key::PrivateKey;
use zeroize::Zeroizing;

use crate::wire::{put_string, put_u32, Reader};

const MAGIC: &[u8] = b"openssh-key-v1\0";

/// Why the workaround could not read the file.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The check integers differ after decryption: the passphrase is wrong.
    WrongPassphrase,
    /// Anything else: not a file this module can mend (the caller reports
    /// `ssh-key`'s own error).
    Unreadable,
}

/// `what` documents the reason at the call site; the caller reports
/// `ssh-key`'s error, which names the field.
fn unreadable(what: &str) -> Failure {
    let _ = what;
    Failure::Unreadable
}

/// The base64 body of an `OPENSSH PRIVATE KEY` PEM block, decoded.
pub(crate) fn container(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    use base64::Engine as _;
    let body: Zeroizing<String> = Zeroizing::new(
        text.lines()
            .map(str::trim)
            .skip_while(|l| *l != "-----BEGIN OPENSSH PRIVATE KEY-----")
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect(),
    );
    base64::engine::general_purpose::STANDARD.decode(body.as_bytes()).ok().map(Zeroizing::new)
}

/// Reads an ECDSA key file whose scalar `ssh-key` refused for its length.
/// `passphrase` is needed when the file is encrypted.
pub(crate) fn read(text: &str, passphrase: Option<&[u8]>) -> Result<PrivateKey, Failure> {
    let raw = container(text).ok_or_else(|| unreadable("not base64"))?;
    let mut r = Reader::new(&raw);
    r.take(MAGIC.len()).filter(|m| *m == MAGIC).ok_or_else(|| unreadable("no openssh-key-v1 header"))?;
    let cipher = r.string().ok_or_else(|| unreadable("truncated"))?;
    r.string().ok_or_else(|| unreadable("truncated"))?; // kdf
    r.string().ok_or_else(|| unreadable("truncated"))?; // kdf options
    if r.u32() != Some(1) {
        return Err(unreadable("not exactly one key"));
    }
    let public = r.string().ok_or_else(|| unreadable("truncated"))?;
    let private = r.string().ok_or_else(|| unreadable("truncated"))?;
    let tag = r.rest();
    let plain: Zeroizing<Vec<u8>> = if cipher == b"none" {
        Zeroizing::new(private.to_vec())
    } else {
        let pass = passphrase.ok_or_else(|| unreadable("encrypted"))?;
        // ssh-key reads the container's header (cipher, KDF) of an
        // encrypted key; only the decrypted part trips it.
        let key = PrivateKey::from_openssh(text).map_err(|_| Failure::Unreadable)?;
        let (k, iv) = key.kdf().derive_key_and_iv(key.cipher(), pass).map_err(|_| Failure::Unreadable)?;
        let tag: Option<[u8; 16]> = if tag.is_empty() { None } else { tag.try_into().ok() };
        let mut buffer = Zeroizing::new(private.to_vec());
        key.cipher().decrypt(&k, &iv, &mut buffer, tag).map_err(|_| Failure::WrongPassphrase)?;
        buffer
    };
    let mended = pad_scalar(&plain)?;
    let mut blob = Zeroizing::new(Vec::with_capacity(mended.len() + public.len() + 64));
    blob.extend_from_slice(MAGIC);
    for field in [&b"none"[..], b"none", b""] {
        put_string(&mut blob, field).ok_or_else(|| unreadable("too long"))?;
    }
    put_u32(&mut blob, 1);
    put_string(&mut blob, public).ok_or_else(|| unreadable("too long"))?;
    put_string(&mut blob, &mended).ok_or_else(|| unreadable("too long"))?;
    PrivateKey::from_bytes(&blob).map_err(|_| Failure::Unreadable)
}

/// The decrypted private section with the ECDSA scalar padded to the
/// curve's width and the block padding redone.
fn pad_scalar(plain: &[u8]) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut r = Reader::new(plain);
    let (check1, check2) = (r.u32(), r.u32());
    if check1.is_none() || check1 != check2 {
        return Err(Failure::WrongPassphrase);
    }
    let truncated = || unreadable("truncated private key");
    let algorithm = r.string().ok_or_else(truncated)?;
    let curve = r.string().ok_or_else(truncated)?;
    let point = r.string().ok_or_else(truncated)?;
    let scalar = r.string().ok_or_else(truncated)?;
    let comment = r.string().ok_or_else(truncated)?;
    let width = match curve {
        b"nistp256" => 32,
        b"nistp384" => 48,
        b"nistp521" => 66,
        _ => return Err(unreadable("not an ECDSA key")),
    };
    if scalar.len() >= width {
        return Err(unreadable("the scalar is not short"));
    }
    let mut padded = Zeroizing::new(vec![0u8; width - scalar.len()]);
    padded.extend_from_slice(scalar);
    let mut out = Zeroizing::new(Vec::with_capacity(plain.len() + width));
    put_u32(&mut out, check1.unwrap_or_default());
    put_u32(&mut out, check1.unwrap_or_default());
    for field in [algorithm, curve, point, &padded[..], comment] {
        put_string(&mut out, field).ok_or_else(|| unreadable("too long"))?;
    }
    // Padding 1, 2, 3, … up to the cipher block size (8 for "none").
    let mut n = 1u8;
    while out.len() % 8 != 0 {
        out.push(n);
        n += 1;
    }
    Ok(out)
}
