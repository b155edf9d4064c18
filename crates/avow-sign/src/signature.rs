//! SSHSIG signatures: strict parsing, encoding and verification.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use ssh_encoding::{Decode as _, Encode as _};
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, PublicKey, SshSig};

use crate::{Error, NAMESPACE};

/// The six bytes every SSHSIG blob starts with.
const MAGIC: &[u8] = b"SSHSIG";
/// PEM armor lines of `ssh-keygen -Y sign`.
const ARMOR_BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const ARMOR_END: &str = "-----END SSH SIGNATURE-----";
/// `ssh-keygen` wraps armored signatures at 70 columns.
const ARMOR_WIDTH: usize = 70;
/// Flag of a FIDO signature: the user touched the key.
const SK_USER_PRESENT: u8 = 0x01;
/// Nothing legitimate is this large (an ed25519 SSHSIG is under 300 bytes).
const MAX_BLOB: usize = 16 * 1024;

/// An SSHSIG signature (PROTOCOL.sshsig) by a key of a supported type
/// ([`crate::KEY_TYPES`]).
///
/// Values only come from this crate's parsers and signers, so a `Signature`
/// always holds a canonical blob of SSHSIG version 1 with an empty reserved
/// field and a supported key, whose signature algorithm matches the key
/// (`rsa-sha2-256` or `rsa-sha2-512` for RSA). Its namespace is *not* checked until [`verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    sig: SshSig,
    /// The exact blob `sig` was decoded from (and encodes to).
    raw: Vec<u8>,
}

impl Signature {
    /// Standard base64 (with padding) of the raw SSHSIG blob, on one line and
    /// without armor: the form of the `Avow-Signature: v1 …` trailer.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.raw)
    }

    /// Parses [`Signature::to_base64`]'s output. Strict: any whitespace,
    /// non-canonical base64, truncation, trailing bytes, wrong magic or
    /// version, or an unsupported key or signature algorithm is an error.
    pub fn from_base64(s: &str) -> Result<Self, Error> {
        if s.len() > MAX_BLOB.div_ceil(3) * 4 {
            return Err(malformed("too long"));
        }
        let raw = STANDARD.decode(s).map_err(|e| malformed(&format!("invalid base64: {e}")))?;
        Self::from_bytes(&raw)
    }

    /// The PEM form `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify`
    /// reads (`-----BEGIN SSH SIGNATURE-----`, lines of 70 characters, a
    /// final newline).
    pub fn to_armored(&self) -> String {
        let body = self.to_base64();
        let mut out = String::with_capacity(body.len() + body.len() / ARMOR_WIDTH + 64);
        out.push_str(ARMOR_BEGIN);
        out.push('\n');
        for line in body.as_bytes().chunks(ARMOR_WIDTH) {
            // base64 output is ASCII, so each chunk is valid UTF-8.
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str(ARMOR_END);
        out.push('\n');
        out
    }

    /// Parses the PEM form. Blank lines or whitespace around the armor and
    /// `\r\n` line ends are accepted; the body is then as strict as
    /// [`Signature::from_base64`].
    pub fn from_armored(s: &str) -> Result<Self, Error> {
        let mut lines = s.trim().lines().map(str::trim_end);
        if lines.next() != Some(ARMOR_BEGIN) {
            return Err(malformed(&format!("does not start with {ARMOR_BEGIN}")));
        }
        let mut body = String::with_capacity(s.len());
        let mut ended = false;
        for line in lines.by_ref() {
            if line == ARMOR_END {
                ended = true;
                break;
            }
            body.push_str(line);
        }
        if !ended {
            return Err(malformed(&format!("no {ARMOR_END} line")));
        }
        if lines.next().is_some() {
            return Err(malformed("text after the END line"));
        }
        Self::from_base64(&body)
    }

    /// Parses a raw SSHSIG blob, with the same strictness as
    /// [`Signature::from_base64`].
    pub fn from_bytes(raw: &[u8]) -> Result<Self, Error> {
        if raw.len() > MAX_BLOB {
            return Err(malformed("too long"));
        }
        precheck(raw)?;
        let mut reader = raw;
        let sig = SshSig::decode(&mut reader).map_err(|e| malformed(&e.to_string()))?;
        if !reader.is_empty() {
            return Err(malformed(&format!("{} bytes after the signature", reader.len())));
        }
        let this = Self { sig, raw: raw.to_vec() };
        this.check_shape()?;
        // Decoding is not always injective (e.g. sk signatures are split and
        // re-joined); refuse any blob that does not re-encode to itself, so
        // that a signature has exactly one text form.
        if this.encode_sig()? != raw {
            return Err(malformed("not in canonical form"));
        }
        Ok(this)
    }

    /// Wraps an [`SshSig`] built elsewhere (e.g. by hand from a security
    /// key's answer), checking it as [`Signature::from_bytes`] does.
    pub fn from_sshsig(sig: &SshSig) -> Result<Self, Error> {
        Self::from_bytes(&encode_sshsig(sig)?)
    }

    /// The raw SSHSIG blob.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The parsed SSHSIG structure.
    pub fn as_sshsig(&self) -> &SshSig {
        &self.sig
    }

    /// The public key embedded in the signature (not yet trusted: compare it
    /// with a keyring after [`verify`] succeeds).
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(self.sig.public_key().clone())
    }

    /// The namespace the signature was made in.
    pub fn namespace(&self) -> &str {
        self.sig.namespace()
    }

    /// The hash the signed message was digested with (`sha256`/`sha512`).
    pub fn hash_alg(&self) -> ssh_key::HashAlg {
        self.sig.hash_alg()
    }

    fn encode_sig(&self) -> Result<Vec<u8>, Error> {
        encode_sshsig(&self.sig)
    }

    /// Invariants beyond what `ssh-key` checks when decoding.
    fn check_shape(&self) -> Result<(), Error> {
        if self.sig.version() != SshSig::VERSION {
            return Err(Error::SignatureVersion { version: self.sig.version() });
        }
        if !self.sig.reserved().is_empty() {
            return Err(malformed("the reserved field is not empty"));
        }
        let key = self.sig.public_key();
        check_key(key)?;
        let algorithm = self.sig.signature().algorithm();
        if !crate::algorithm::signature_matches(key, &algorithm) {
            return Err(malformed(&format!("a {algorithm} signature by a {} key", key.algorithm())));
        }
        Ok(())
    }
}

impl std::fmt::Display for Signature {
    /// The base64 form, as [`Signature::to_base64`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl std::str::FromStr for Signature {
    type Err = Error;

    /// Parses the base64 form, as [`Signature::from_base64`].
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_base64(s)
    }
}

/// Reads the header by hand before `ssh-key` decodes, so that a wrong magic
/// or version, keys `ssh-key` is not built to parse (DSA), and SHA-1
/// `ssh-rsa` signatures (which `ssh-key` cannot decode) get a precise error
/// rather than "unknown algorithm".
fn precheck(raw: &[u8]) -> Result<(), Error> {
    let mut r = crate::wire::Reader::new(raw);
    if r.take(MAGIC.len()) != Some(MAGIC) {
        return Err(malformed("does not start with SSHSIG"));
    }
    let version = r.u32().ok_or_else(|| malformed("truncated before the version"))?;
    if version != SshSig::VERSION {
        return Err(Error::SignatureVersion { version });
    }
    let key_blob = r.string().ok_or_else(|| malformed("truncated in the public key"))?;
    let algorithm =
        crate::wire::Reader::new(key_blob).string().ok_or_else(|| malformed("truncated in the public key"))?;
    if !std::str::from_utf8(algorithm).is_ok_and(crate::algorithm::is_supported_type) {
        return Err(Error::SignatureAlgorithm {
            algorithm: String::from_utf8_lossy(algorithm).into_owned(),
            fingerprint: blob_fingerprint(key_blob),
        });
    }
    // namespace, reserved, hash algorithm, then the signature blob, whose
    // first string is the signature algorithm.
    let signature_algorithm = (|| {
        r.string()?;
        r.string()?;
        r.string()?;
        crate::wire::Reader::new(r.string()?).string()
    })();
    if signature_algorithm == Some(Algorithm::Rsa { hash: None }.as_str().as_bytes()) {
        return Err(Error::Sha1Signature { fingerprint: blob_fingerprint(key_blob) });
    }
    Ok(())
}

/// The SSHSIG blob of `sig` (PROTOCOL.sshsig), written here rather than by
/// `ssh-key`, whose 0.6 encoder wraps the FIDO flags and counter of an
/// `sk-ecdsa-sha2-nistp256@openssh.com` signature inside the signature
/// string (it splits them off only for sk-ed25519), which neither OpenSSH
/// nor its own decoder reads back.
fn encode_sshsig(sig: &SshSig) -> Result<Vec<u8>, Error> {
    use crate::wire::{put_string, put_u32};
    let too_long = || malformed("a field is too long");
    let mut key = Vec::new();
    sig.public_key().encode(&mut key).map_err(|e| malformed(&format!("cannot encode: {e}")))?;
    let signature = sig.signature();
    let bytes = signature.as_bytes();
    let mut inner = Vec::with_capacity(bytes.len() + 64);
    put_string(&mut inner, signature.algorithm().as_str().as_bytes()).ok_or_else(too_long)?;
    if matches!(signature.algorithm(), Algorithm::SkEd25519 | Algorithm::SkEcdsaSha2NistP256) {
        // string signature, then byte flags and uint32 counter outside it.
        let at = bytes.len().checked_sub(5).ok_or_else(|| malformed("a security-key signature without flags"))?;
        put_string(&mut inner, &bytes[..at]).ok_or_else(too_long)?;
        inner.extend_from_slice(&bytes[at..]);
    } else {
        put_string(&mut inner, bytes).ok_or_else(too_long)?;
    }
    let mut out = Vec::with_capacity(inner.len() + key.len() + 64);
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, sig.version());
    for field in [&key[..], sig.namespace().as_bytes(), sig.reserved(), sig.hash_alg().as_str().as_bytes(), &inner] {
        put_string(&mut out, field).ok_or_else(too_long)?;
    }
    Ok(out)
}

/// A supported key type and size, as an error about the signature.
fn check_key(key: &KeyData) -> Result<(), Error> {
    match crate::algorithm::check_supported(key) {
        Ok(()) => Ok(()),
        Err(Error::KeyAlgorithm { algorithm }) => {
            Err(Error::SignatureAlgorithm { algorithm, fingerprint: key_data_fingerprint(key) })
        }
        Err(e) => Err(e),
    }
}

fn malformed(reason: &str) -> Error {
    Error::MalformedSignature { reason: reason.to_owned() }
}

/// `SHA256:…` of a raw public key blob (what `ssh-keygen -l` hashes).
fn blob_fingerprint(blob: &[u8]) -> String {
    use ssh_key::sha2::{Digest as _, Sha256};
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(blob)))
}

fn key_data_fingerprint(key: &KeyData) -> String {
    key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
}

/// Verifies `sig` over `payload`.
///
/// Checks, in this order: the namespace is [`NAMESPACE`] (a signature made
/// for namespace `git`, i.e. a git commit signature, is refused), the key is
/// of a supported type and size (guaranteed by [`Signature`]'s parsers,
/// checked again), the cryptographic signature over
/// the SSHSIG signed data (hash `sha256` or `sha512`, as the signature says),
/// and, for a security key, that the user touched it (the user-presence flag,
/// which `ssh-keygen -Y verify` requires too unless `no-touch-required`).
///
/// Returns the signing public key (without comment) on success; whether that
/// key is trusted is for the caller to decide. Parses nothing: hashing the
/// payload and one signature verification are the whole cost.
pub fn verify(payload: &[u8], sig: &Signature) -> Result<PublicKey, Error> {
    let inner = &sig.sig;
    if inner.namespace() != NAMESPACE {
        return Err(Error::WrongNamespace { found: inner.namespace().to_owned(), expected: NAMESPACE });
    }
    let key_data = inner.public_key();
    check_key(key_data)?;
    let is_sk = crate::algorithm::is_security_key(key_data);
    let key = PublicKey::from(key_data.clone());
    if key.verify(NAMESPACE, payload, inner).is_err() {
        return Err(Error::BadSignature { fingerprint: key_data_fingerprint(key_data) });
    }
    if is_sk {
        // ssh-key keeps the FIDO trailer (flags byte, counter) after the
        // signature bytes (ed25519 and ECDSA alike).
        let bytes = inner.signature_bytes();
        let flags = bytes.len().checked_sub(5).and_then(|i| bytes.get(i)).copied();
        if flags.unwrap_or(0) & SK_USER_PRESENT == 0 {
            return Err(Error::NoUserPresence { fingerprint: key_data_fingerprint(key_data) });
        }
    }
    Ok(key)
}

/// Builds a [`Signature`] from a freshly made signature (local key or agent).
pub(crate) fn from_parts(
    key: &KeyData,
    hash_alg: ssh_key::HashAlg,
    signature: ssh_key::Signature,
) -> Result<Signature, Error> {
    let fingerprint = || key_data_fingerprint(key);
    let sig = SshSig::new(key.clone(), NAMESPACE, hash_alg, signature)
        .map_err(|e| Error::Sign { fingerprint: fingerprint(), reason: e.to_string() })?;
    Signature::from_sshsig(&sig).map_err(|e| Error::Sign { fingerprint: fingerprint(), reason: e.to_string() })
}
