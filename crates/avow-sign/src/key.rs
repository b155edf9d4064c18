//! Key sources and the [`Signer`].

use std::fmt;
use std::path::{Path, PathBuf};

use ssh_key::private::KeypairData;
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::agent::{Agent, SSH_AGENT_RSA_SHA2_512};
use crate::algorithm::{check_supported, is_security_key, is_supported_type};
use crate::ecdsa_scalar;
use crate::signature::{from_parts, Signature};
use crate::{verify, Error, NAMESPACE};

/// The hash every avow signature uses.
pub const HASH: HashAlg = HashAlg::Sha512;

/// Where the signing key comes from (resolved by the CLI from git config:
/// `avow.signingKey`, then `user.signingKey`, then the agent, then
/// `~/.ssh/id_ed25519`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A private key file, or a public key file (`*.pub`, or a file holding
    /// only a public key) whose private half is in the agent.
    File(PathBuf),
    /// A literal public key (`ssh-ed25519 AAAA…` as in git's `key::` form of
    /// `user.signingKey`; the `key::` prefix is accepted); the agent must
    /// hold it.
    Literal(String),
    /// The first key of a supported type the agent offers (a key in memory
    /// before a security key, which would need a touch). To pick another
    /// one (the key a keyring knows), list them with [`agent_keys`] and
    /// name it as [`KeySource::Literal`].
    Agent,
}

/// The callback [`Signer::load`] asks for a key file's passphrase.
pub type PassphraseFn<'a> = dyn FnMut(&Path) -> Result<Zeroizing<String>, Error> + 'a;

enum Backend {
    /// A decrypted private key, held in memory (zeroized on drop), and the
    /// file it was read from.
    Key(Box<PrivateKey>, PathBuf),
    /// A key held by the agent at this socket.
    Agent(Agent),
}

/// A ready signer: a decrypted private key, or a key in ssh-agent.
pub struct Signer {
    public: PublicKey,
    backend: Backend,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.backend {
            Backend::Key(_, path) => format!("key file {}", path.display()),
            Backend::Agent(agent) => format!("ssh-agent at {}", agent.socket().display()),
        };
        f.debug_struct("Signer").field("key", &fingerprint(&self.public)).field("backend", &backend).finish()
    }
}

impl Signer {
    /// Loads a signer, using the agent named by `SSH_AUTH_SOCK` (if set and
    /// not empty) when one is needed.
    ///
    /// `passphrase` is called (with the key path) only when a key file is
    /// encrypted and the agent does not already hold that key; the CLI
    /// prompts on `/dev/tty` there.
    pub fn load(source: &KeySource, passphrase: &mut PassphraseFn<'_>) -> Result<Signer, Error> {
        let socket = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()).map(PathBuf::from);
        Self::load_with_agent(source, passphrase, socket.as_deref())
    }

    /// Like [`Signer::load`] with the agent socket given explicitly (`None`:
    /// no agent).
    ///
    /// For [`KeySource::File`]:
    /// - an unencrypted ed25519 private key signs in process;
    /// - an encrypted one is used through the agent if the agent holds it
    ///   (as `ssh-keygen -Y sign` does), otherwise it is decrypted with the
    ///   passphrase from the callback;
    /// - a security-key (`sk-ssh-ed25519`) private key, or a public key
    ///   file, must be in the agent; for `NAME.pub` the private key `NAME`
    ///   beside it is used when the agent does not hold the key.
    pub fn load_with_agent(
        source: &KeySource,
        passphrase: &mut PassphraseFn<'_>,
        agent_socket: Option<&Path>,
    ) -> Result<Signer, Error> {
        match source {
            KeySource::Agent => {
                let socket = agent_socket.ok_or(Error::AgentNotRunning)?;
                let agent = Agent::new(socket);
                let count = agent.identities()?.len();
                let keys = agent_keys(socket)?;
                let chosen = keys
                    .iter()
                    .find(|k| !is_security_key(k.key_data()))
                    .or_else(|| keys.first())
                    .ok_or(Error::NoAgentKey { count })?;
                Ok(Signer { public: chosen.clone(), backend: Backend::Agent(agent) })
            }
            KeySource::Literal(line) => {
                let public = parse_public_key(line)?;
                Self::from_agent(public, agent_socket, None)
            }
            KeySource::File(path) => load_file(path, passphrase, agent_socket),
        }
    }

    /// A signer for `public`, which the agent at `socket` must hold.
    fn from_agent(public: PublicKey, socket: Option<&Path>, path: Option<&Path>) -> Result<Signer, Error> {
        let agent = Agent::new(socket.ok_or(Error::AgentNotRunning)?);
        if agent_holds(&agent, &public)? {
            Ok(Signer { public, backend: Backend::Agent(agent) })
        } else {
            Err(Error::KeyNotInAgent { fingerprint: fingerprint(&public), path: path.map(Path::to_path_buf) })
        }
    }

    /// The public key of the signing key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The private key file this signer read and signs with in process
    /// (`None` when ssh-agent signs). For `NAME.pub` it is `NAME`: check
    /// its permissions with [`permissions_warning`].
    pub fn key_file(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Key(_, path) => Some(path),
            Backend::Agent(_) => None,
        }
    }

    /// Whether the key is used through ssh-agent (rather than from a key
    /// file in this process).
    pub fn uses_agent(&self) -> bool {
        matches!(self.backend, Backend::Agent(_))
    }

    /// Signs `payload` in namespace [`NAMESPACE`] with hash sha512 (RSA
    /// keys: signature algorithm `rsa-sha2-512`).
    pub fn sign(&self, payload: &[u8]) -> Result<Signature, Error> {
        let fpr = || fingerprint(&self.public);
        let sig = match &self.backend {
            Backend::Key(key, _) if matches!(key.key_data(), KeypairData::Rsa(_)) => {
                let signature = sign_rsa(key, payload).map_err(|reason| Error::Sign { fingerprint: fpr(), reason })?;
                from_parts(self.public.key_data(), HASH, signature)?
            }
            Backend::Key(key, _) if matches!(key.key_data(), KeypairData::Ed25519(_)) => {
                let KeypairData::Ed25519(pair) = key.key_data() else { unreachable!() };
                // Made from the key's own halves, checked against each other
                // when it was read: not verified again below.
                let signature =
                    sign_ed25519(pair, payload).map_err(|reason| Error::Sign { fingerprint: fpr(), reason })?;
                return from_parts(self.public.key_data(), HASH, signature);
            }
            Backend::Key(key, _) => {
                let sig = key
                    .sign(NAMESPACE, HASH, payload)
                    .map_err(|e| Error::Sign { fingerprint: fpr(), reason: e.to_string() })?;
                Signature::from_sshsig(&sig).map_err(|e| Error::Sign { fingerprint: fpr(), reason: e.to_string() })?
            }
            Backend::Agent(agent) => {
                let data = ssh_key::SshSig::signed_data(NAMESPACE, HASH, payload)
                    .map_err(|e| Error::Sign { fingerprint: fpr(), reason: e.to_string() })?;
                let blob =
                    self.public.to_bytes().map_err(|e| Error::Sign { fingerprint: fpr(), reason: e.to_string() })?;
                let flags = if matches!(self.public.key_data(), KeyData::Rsa(_)) { SSH_AGENT_RSA_SHA2_512 } else { 0 };
                let answer = agent.sign(&blob, &data, flags, &fpr()).map_err(|e| match e {
                    // The agent holds only a handle to a security key: it fails
                    // when the authenticator is absent or not touched.
                    Error::AgentRefused { fingerprint, .. } if is_security_key(self.public.key_data()) => {
                        Error::SecurityKeyAbsent { fingerprint }
                    }
                    e => e,
                })?;
                let signature = decode_agent_signature(&answer)
                    .map_err(|reason| Error::AgentProtocol { socket: agent.socket().to_path_buf(), reason })?;
                from_parts(self.public.key_data(), HASH, signature)?
            }
        };
        // Never hand out a signature the verifier would refuse (a confused
        // agent, a security key configured without touch).
        verify(payload, &sig).map_err(|e| Error::Sign {
            fingerprint: fpr(),
            reason: format!("the new signature does not verify: {e}"),
        })?;
        Ok(sig)
    }
}

/// An Ed25519 signature over the SSHSIG signed data of `payload`, as
/// ssh-key (and `ssh-keygen -Y sign`) make it, byte for byte (Ed25519 is
/// deterministic), with one scalar multiplication instead of four: the
/// commit-msg hook signs once per commit, and ssh-key derives the public
/// half from the private one again for each signature (it already did when
/// the key was read: `Ed25519Keypair::decode` refuses a key whose halves do
/// not match), and [`Signer::sign`] would verify the result. The check
/// after signing is there for signatures made elsewhere (an agent, a
/// security key); this one is computed here from a consistent key pair,
/// and signatures so made verify by construction.
///
/// The signing equation is RFC 8032's (5.1.6), as ed25519-dalek's
/// `hazmat::raw_sign` computes it, written out so that the public half is
/// only hashed: `raw_sign` takes it as a `VerifyingKey`, and making one
/// from bytes decompresses the point (about 40,000 instructions per
/// commit) only for its bytes to be hashed again.
fn sign_ed25519(pair: &ssh_key::private::Ed25519Keypair, payload: &[u8]) -> Result<ssh_key::Signature, String> {
    use curve25519_dalek::{EdwardsPoint, Scalar};
    use ed25519_dalek::hazmat::ExpandedSecretKey;
    use sha2::{Digest as _, Sha512};
    let data = ssh_key::SshSig::signed_data(NAMESPACE, HASH, payload).map_err(|e| e.to_string())?;
    // Zeroized when dropped (ed25519-dalek's `zeroize` feature).
    let expanded = ExpandedSecretKey::from(pair.private.as_ref());
    // r = H(prefix ‖ M), R = r·B, k = H(R ‖ A ‖ M), s = k·a + r.
    let r = Scalar::from_hash(Sha512::new().chain_update(expanded.hash_prefix).chain_update(&data));
    let big_r = EdwardsPoint::mul_base(&r).compress();
    let k =
        Scalar::from_hash(Sha512::new().chain_update(big_r.as_bytes()).chain_update(pair.public.0).chain_update(&data));
    let s = k * expanded.scalar + r;
    let mut signature = Vec::with_capacity(64);
    signature.extend_from_slice(big_r.as_bytes());
    signature.extend_from_slice(s.as_bytes());
    ssh_key::Signature::new(Algorithm::Ed25519, signature).map_err(|e| e.to_string())
}

/// An `rsa-sha2-512` signature over the SSHSIG signed data of `payload`
/// (PKCS #1 v1.5 with SHA-512, as `ssh-keygen -Y sign` makes), with the
/// private key rebuilt from n, e, d, p and q.
fn sign_rsa(key: &PrivateKey, payload: &[u8]) -> Result<ssh_key::Signature, String> {
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let KeypairData::Rsa(pair) = key.key_data() else { return Err("not an RSA key".to_owned()) };
    let big = |m: &ssh_key::Mpint| rsa::BigUint::from_bytes_be(m.as_positive_bytes().unwrap_or_default());
    let private = rsa::RsaPrivateKey::from_components(
        big(&pair.public.n),
        big(&pair.public.e),
        big(&pair.private.d),
        vec![big(&pair.private.p), big(&pair.private.q)],
    )
    .map_err(|e| format!("the RSA key is inconsistent: {e}"))?;
    let data = ssh_key::SshSig::signed_data(NAMESPACE, HASH, payload).map_err(|e| e.to_string())?;
    let signer = rsa::pkcs1v15::SigningKey::<ssh_key::sha2::Sha512>::new(private);
    let sig = signer.try_sign(&data).map_err(|e| e.to_string())?;
    ssh_key::Signature::new(Algorithm::Rsa { hash: Some(HashAlg::Sha512) }, sig.to_vec()).map_err(|e| e.to_string())
}

/// Decodes the signature an agent returns (string algorithm, string bytes,
/// plus flags and counter for security keys), refusing trailing bytes.
fn decode_agent_signature(blob: &[u8]) -> Result<ssh_key::Signature, String> {
    use ssh_encoding::Decode as _;
    let mut reader = blob;
    let sig = ssh_key::Signature::decode(&mut reader).map_err(|e| format!("bad signature: {e}"))?;
    if reader.is_empty() {
        Ok(sig)
    } else {
        Err("trailing bytes after the signature".to_owned())
    }
}

fn agent_holds(agent: &Agent, public: &PublicKey) -> Result<bool, Error> {
    Ok(agent
        .identities()?
        .iter()
        .filter_map(|id| PublicKey::from_bytes(&id.blob).ok())
        .any(|k| k.key_data() == public.key_data()))
}

/// The keys of a supported type ([`crate::algorithm::check_supported`])
/// that the agent at `socket` holds, in the agent's order.
pub fn agent_keys(socket: &Path) -> Result<Vec<PublicKey>, Error> {
    Ok(Agent::new(socket)
        .identities()?
        .iter()
        .filter_map(|id| PublicKey::from_bytes(&id.blob).ok())
        .filter(|k| check_supported(k.key_data()).is_ok())
        .collect())
}

fn load_file(path: &Path, passphrase: &mut PassphraseFn<'_>, socket: Option<&Path>) -> Result<Signer, Error> {
    let text = read_key_file(path)?;
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return load_private(path, &text, passphrase, socket);
    }
    if let Some(algorithm) = foreign_private_key(&text) {
        let (path, algorithm) = (path.to_path_buf(), algorithm.to_owned());
        return Err(match algorithm.as_str() {
            "RSA" | "ECDSA" | "PKCS#8" | "encrypted PKCS#8" => Error::PemKeyFile { path, algorithm },
            _ => Error::KeyFileAlgorithm { path, algorithm },
        });
    }
    // A public key file.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| Error::KeyFileFormat { path: path.to_path_buf(), reason: "the file is empty".to_owned() })?;
    let public = match parse_public_key(line) {
        Ok(key) => key,
        Err(Error::KeyAlgorithm { algorithm }) => {
            return Err(Error::KeyFileAlgorithm { path: path.to_path_buf(), algorithm: algorithm_in_words(&algorithm) })
        }
        Err(e) => return Err(Error::KeyFileFormat { path: path.to_path_buf(), reason: e.to_string() }),
    };
    let private_path = path.extension().filter(|e| *e == "pub").map(|_| path.with_extension(""));
    let agent_result = match socket {
        Some(_) => Signer::from_agent(public.clone(), socket, Some(private_path.as_deref().unwrap_or(path))),
        None => Err(Error::AgentNotRunning),
    };
    match (agent_result, private_path) {
        (Ok(signer), _) => Ok(signer),
        // A security key's file beside it is only a handle for the agent:
        // what the agent said is the answer.
        (Err(Error::AgentNotRunning), Some(private)) if is_security_key(public.key_data()) && private.is_file() => {
            Err(Error::SecurityKeyNeedsAgent { path: private })
        }
        (Err(e), _) if is_security_key(public.key_data()) => Err(e),
        // NAME.pub whose private key NAME lies beside it, and no (reachable)
        // agent holds the key: use the file, as long as it is the same key.
        (Err(Error::AgentNotRunning | Error::AgentIo { .. } | Error::KeyNotInAgent { .. }), Some(private))
            if private.is_file() =>
        {
            let signer = load_file(&private, passphrase, None)?;
            if signer.public.key_data() == public.key_data() {
                Ok(signer)
            } else {
                Err(Error::KeyFileFormat {
                    path: private,
                    reason: format!("it does not match its public key {}", path.display()),
                })
            }
        }
        (Err(e), _) => Err(e),
    }
}

fn read_key_file(path: &Path) -> Result<Zeroizing<String>, Error> {
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::KeyFileMissing { path: path.to_path_buf() })
        }
        Err(source) => return Err(Error::KeyFileRead { path: path.to_path_buf(), source }),
    };
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            // Wipe the bytes handed back with the error too.
            drop(Zeroizing::new(e.into_bytes()));
            Err(Error::KeyFileFormat { path: path.to_path_buf(), reason: "it is not text".to_owned() })
        }
    }
}

/// The algorithm of a PEM private key in a format other than OpenSSH's.
fn foreign_private_key(text: &str) -> Option<&'static str> {
    [
        ("-----BEGIN RSA PRIVATE KEY-----", "RSA"),
        ("-----BEGIN EC PRIVATE KEY-----", "ECDSA"),
        ("-----BEGIN DSA PRIVATE KEY-----", "DSA"),
        ("-----BEGIN PRIVATE KEY-----", "PKCS#8"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "encrypted PKCS#8"),
        ("PuTTY-User-Key-File", "PuTTY"),
    ]
    .into_iter()
    .find(|(marker, _)| text.contains(marker))
    .map(|(_, name)| name)
}

fn load_private(
    path: &Path,
    text: &str,
    passphrase: &mut PassphraseFn<'_>,
    socket: Option<&Path>,
) -> Result<Signer, Error> {
    // Read the algorithm first: ssh-key would only say "unknown algorithm"
    // for DSA and other types it is not built for.
    if let Some(algorithm) = openssh_private_key_algorithm(text) {
        if !is_supported_type(&algorithm) {
            return Err(Error::KeyFileAlgorithm {
                path: path.to_path_buf(),
                algorithm: algorithm_in_words(&algorithm),
            });
        }
    }
    // The same bytes read in full before (crate::checked): read again
    // without deriving the public half.
    let record = crate::checked::record().map(|r| (r, crate::checked::digest(text)));
    if let Some(key) = record.filter(|(r, d)| r.contains(d)).and_then(|_| crate::checked::read_known(text)) {
        let public = key.public_key().clone();
        return Ok(Signer { public, backend: Backend::Key(Box::new(key), path.to_path_buf()) });
    }
    let is_ecdsa = openssh_private_key_algorithm(text).is_some_and(|a| a.starts_with("ecdsa-"));
    let key = match PrivateKey::from_openssh(text) {
        Ok(key) => key,
        Err(e) => match is_ecdsa.then(|| ecdsa_scalar::read(text, None)) {
            Some(Ok(key)) => key,
            _ => return Err(Error::KeyFileFormat { path: path.to_path_buf(), reason: e.to_string() }),
        },
    };
    let public = key.public_key().clone();
    match check_supported(public.key_data()) {
        Ok(()) => {}
        Err(Error::KeyAlgorithm { algorithm }) => {
            return Err(Error::KeyFileAlgorithm { path: path.to_path_buf(), algorithm: algorithm_in_words(&algorithm) })
        }
        Err(e) => return Err(e),
    }
    // The private half lives on the security key; ssh-agent drives it.
    if is_security_key(public.key_data()) {
        return Signer::from_agent(public, socket, Some(path)).map_err(|e| match e {
            Error::AgentNotRunning => Error::SecurityKeyNeedsAgent { path: path.to_path_buf() },
            e => e,
        });
    }
    if !key.is_encrypted() {
        // Read in full, its halves checked against each other: remembered.
        if let (Some((record, digest)), KeypairData::Ed25519(_)) = (record, key.key_data()) {
            record.add(digest);
        }
        return Ok(Signer { public, backend: Backend::Key(Box::new(key), path.to_path_buf()) });
    }
    // Encrypted: the agent, if it holds the key, spares the prompt.
    if let Some(socket) = socket {
        let agent = Agent::new(socket);
        if matches!(agent_holds(&agent, &public), Ok(true)) {
            return Ok(Signer { public, backend: Backend::Agent(agent) });
        }
    }
    let pass = passphrase(path)?;
    let decrypted = match key.decrypt(pass.as_bytes()) {
        Ok(key) => key,
        Err(ssh_key::Error::Crypto | ssh_key::Error::PublicKey) => {
            return Err(Error::WrongPassphrase { path: path.to_path_buf() })
        }
        Err(other) if is_ecdsa => match ecdsa_scalar::read(text, Some(pass.as_bytes())) {
            Ok(key) if key.public_key().key_data() == public.key_data() => key,
            Err(ecdsa_scalar::Failure::WrongPassphrase) => {
                return Err(Error::WrongPassphrase { path: path.to_path_buf() })
            }
            _ => {
                return Err(Error::KeyFileFormat {
                    path: path.to_path_buf(),
                    reason: format!("cannot decrypt: {other}"),
                })
            }
        },
        Err(other) => {
            return Err(Error::KeyFileFormat { path: path.to_path_buf(), reason: format!("cannot decrypt: {other}") })
        }
    };
    drop(pass);
    Ok(Signer { public, backend: Backend::Key(Box::new(decrypted), path.to_path_buf()) })
}

/// The public half of the key `source` names, read without decrypting
/// anything or asking for a passphrase: a literal key, the public key an
/// OpenSSH private key file carries in the clear (or a public key file),
/// or the key [`Signer::load`] would take from the agent at
/// `agent_socket`. For telling whether a signature is the signer's own
/// before deciding to sign.
pub fn public_key_of(source: &KeySource, agent_socket: Option<&Path>) -> Result<PublicKey, Error> {
    match source {
        KeySource::Literal(line) => parse_public_key(line),
        KeySource::Agent => {
            let keys = agent_keys(agent_socket.ok_or(Error::AgentNotRunning)?)?;
            let count = keys.len();
            keys.iter()
                .find(|k| !is_security_key(k.key_data()))
                .or_else(|| keys.first())
                .cloned()
                .ok_or(Error::NoAgentKey { count })
        }
        KeySource::File(path) => {
            let text = read_key_file(path)?;
            let format = |reason: &str| Error::KeyFileFormat { path: path.clone(), reason: reason.to_owned() };
            if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
                let blob = openssh_private_key_public(&text).ok_or_else(|| format("no public key in it"))?;
                return PublicKey::from_bytes(&blob).map_err(|e| format(&e.to_string()));
            }
            let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
            parse_public_key(line.ok_or_else(|| format("the file is empty"))?)
        }
    }
}

/// The first public key blob of an OpenSSH private key file (kept in the
/// clear, encrypted or not).
fn openssh_private_key_public(text: &str) -> Option<Vec<u8>> {
    let raw = ecdsa_scalar::container(text)?;
    let mut r = crate::wire::Reader::new(&raw);
    r.take(b"openssh-key-v1\0".len()).filter(|m| *m == b"openssh-key-v1\0")?;
    r.string()?; // cipher
    r.string()?; // kdf
    r.string()?; // kdf options
    r.u32()?; // number of keys
    r.string().map(<[u8]>::to_vec)
}

/// The public key algorithm named inside an OpenSSH private key file
/// (`openssh-key-v1`: cipher, kdf, kdf options, key count, then the first
/// public key blob, whose first string is the algorithm).
fn openssh_private_key_algorithm(text: &str) -> Option<String> {
    let blob = openssh_private_key_public(text)?;
    let algorithm = crate::wire::Reader::new(&blob).string()?;
    String::from_utf8(algorithm.to_vec()).ok()
}

/// "RSA" for `ssh-rsa` and so on, for messages.
fn algorithm_in_words(algorithm: &str) -> String {
    match algorithm {
        "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512" => "RSA".to_owned(),
        "ssh-dss" => "DSA".to_owned(),
        a if a.starts_with("ecdsa-") => "ECDSA".to_owned(),
        a if a.starts_with("sk-ecdsa-") => "ECDSA security-key".to_owned(),
        a => a.to_owned(),
    }
}

/// The `SHA256:…` fingerprint of a key, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Parses a public key line `ssh-ed25519 AAAA… [comment]` (or any type of
/// [`crate::KEY_TYPES`]; a leading `key::` as in git's `user.signingKey` is
/// accepted). Keys of other algorithms are refused with
/// [`Error::KeyAlgorithm`], RSA keys outside 2048–4096 bits with
/// [`Error::RsaKeySize`].
pub fn parse_public_key(s: &str) -> Result<PublicKey, Error> {
    let line = s.trim();
    let line = line.strip_prefix("key::").unwrap_or(line);
    let algorithm = line.split_ascii_whitespace().next().unwrap_or_default();
    if algorithm.is_empty() {
        return Err(Error::PublicKeyFormat { reason: "it is empty".to_owned() });
    }
    if !is_supported_type(algorithm) {
        return Err(
            if Algorithm::new(algorithm).is_ok() || algorithm.starts_with("ssh-") || algorithm.starts_with("ecdsa-") {
                Error::KeyAlgorithm { algorithm: algorithm.to_owned() }
            } else {
                Error::PublicKeyFormat { reason: format!("unknown key type {algorithm:?}") }
            },
        );
    }
    let key = PublicKey::from_openssh(line).map_err(|e| Error::PublicKeyFormat { reason: e.to_string() })?;
    check_supported(key.key_data())?;
    Ok(key)
}

/// Warns (returns `Some(message)`) when `path` is a private key file that
/// group or others can read (`mode & 0o077 != 0`), as ssh does. Public key
/// files, and files that cannot be read, get no warning. (Windows has no
/// such mode bits: no warning there.)
#[cfg(not(unix))]
pub fn permissions_warning(_path: &Path) -> Option<String> {
    None
}

/// Warns (returns `Some(message)`) when `path` is a private key file that
/// group or others can read (`mode & 0o077 != 0`), as ssh does. Public key
/// files, and files that cannot be read, get no warning.
#[cfg(unix)]
pub fn permissions_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    let group_or_others = mode & 0o077;
    if group_or_others == 0 {
        return None;
    }
    let text = Zeroizing::new(std::fs::read(path).ok()?);
    let marker = b"PRIVATE KEY-----";
    if !text.windows(marker.len()).any(|w| w == marker) {
        return None;
    }
    Some(format!(
        "private key {} is readable by others (mode {mode:04o}); restrict it with chmod 600 {}",
        path.display(),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_public_key_accepts_ed25519_and_key_prefix() {
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti user@example.com";
        let key = parse_public_key(line).unwrap();
        assert_eq!(key.comment(), "user@example.com");
        assert_eq!(parse_public_key(&format!("key::{line}\n")).unwrap().key_data(), key.key_data());
        assert!(fingerprint(&key).starts_with("SHA256:"));
    }

    #[test]
    fn parse_public_key_refuses_other_algorithms() {
        for line in ["ssh-dss AAAA", "ssh-rsa-cert-v01@openssh.com AAAA"] {
            match parse_public_key(line) {
                Err(Error::KeyAlgorithm { algorithm }) => {
                    assert_eq!(Some(algorithm.as_str()), line.split(' ').next());
                }
                other => panic!("{line}: {other:?}"),
            }
        }
        assert!(matches!(parse_public_key(""), Err(Error::PublicKeyFormat { .. })));
        assert!(matches!(parse_public_key("hello world"), Err(Error::PublicKeyFormat { .. })));
        assert!(matches!(parse_public_key("ssh-ed25519 AAAA"), Err(Error::PublicKeyFormat { .. })));
    }

    /// The in-process Ed25519 signature is ssh-key's own, byte for byte,
    /// and verifies.
    #[test]
    fn ed25519_signatures_are_ssh_keys() {
        let mut rng = rand_core::OsRng;
        for payload in [&b""[..], b"avow payload\n", &[0xff; 300]].into_iter().cycle().take(30) {
            let key = PrivateKey::random(&mut rng, Algorithm::Ed25519).unwrap();
            let KeypairData::Ed25519(pair) = key.key_data() else { unreachable!() };
            let ours = from_parts(key.public_key().key_data(), HASH, sign_ed25519(pair, payload).unwrap()).unwrap();
            let theirs = Signature::from_sshsig(&key.sign(NAMESPACE, HASH, payload).unwrap()).unwrap();
            assert_eq!(ours, theirs);
            verify(payload, &ours).unwrap();
            let signer =
                Signer { public: key.public_key().clone(), backend: Backend::Key(Box::new(key), PathBuf::new()) };
            assert_eq!(signer.sign(payload).unwrap(), theirs);
        }
    }

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
        check::<Signer>();
        check::<Signature>();
    }

    #[test]
    fn algorithm_names_in_messages() {
        assert_eq!(algorithm_in_words("ssh-rsa"), "RSA");
        assert_eq!(algorithm_in_words("ecdsa-sha2-nistp384"), "ECDSA");
        let err = Error::KeyFileAlgorithm { path: "/k".into(), algorithm: "DSA".to_owned() };
        assert!(err.to_string().starts_with("/k is a DSA key, which avow does not sign with; "), "{err}");
    }

    #[test]
    fn agent_signature_decoding_is_strict() {
        let mut blob = Vec::new();
        crate::wire::put_string(&mut blob, b"ssh-ed25519").unwrap();
        crate::wire::put_string(&mut blob, &[7u8; 64]).unwrap();
        let sig = decode_agent_signature(&blob).unwrap();
        assert_eq!(sig.algorithm(), Algorithm::Ed25519);
        blob.push(0);
        assert!(decode_agent_signature(&blob).is_err());
        assert!(decode_agent_signature(&blob[..20]).is_err());
    }
}
