//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading a key, signing or verifying.
///
/// Each message says what is wrong and how to fix it, so that the CLI can
/// print it as is. Fingerprints are `SHA256:…` as `ssh-keygen -l` prints them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured key file does not exist.
    #[error("no such key file {}; create one with ssh-keygen -t ed25519, or name an existing one", path.display())]
    KeyFileMissing {
        /// The missing file.
        path: PathBuf,
    },

    /// The key file exists but cannot be read.
    #[error("cannot read key file {}: {source}; check its permissions", path.display())]
    KeyFileRead {
        /// The unreadable file.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },

    /// The key file holds neither an OpenSSH private key nor a public key line.
    #[error(
        "{} is not an OpenSSH key file ({reason}); name a key made by ssh-keygen (or its .pub file) instead",
        path.display()
    )]
    KeyFileFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        reason: String,
    },

    /// The key file holds a key of another algorithm.
    #[error(
        "{} is {} key, which avow does not sign with; use an ed25519, ECDSA or RSA (2048 bits or more) key in OpenSSH format (ssh-keygen -t ed25519 makes one; ssh-keygen -p -f {} converts a PEM key)",
        path.display(),
        with_article(algorithm),
        path.display()
    )]
    KeyFileAlgorithm {
        /// The file.
        path: PathBuf,
        /// The algorithm found, in words (`RSA`, `ECDSA`, `DSA`, …).
        algorithm: String,
    },

    /// A private key in a PEM format (PKCS #1, SEC 1, PKCS #8) of a type avow
    /// signs with: `ssh-keygen -p` rewrites it in OpenSSH format.
    #[error(
        "{} holds {} private key in PEM format, and avow reads OpenSSH key files; rewrite it in OpenSSH format (same key) with ssh-keygen -p -f {}",
        path.display(),
        with_article(algorithm),
        path.display()
    )]
    PemKeyFile {
        /// The file.
        path: PathBuf,
        /// The algorithm, in words (`RSA`, `ECDSA`, `PKCS#8`).
        algorithm: String,
    },

    /// The passphrase does not decrypt the key file.
    #[error("wrong passphrase for {}; try again, or check the key with ssh-keygen -y -f {}", path.display(), path.display())]
    WrongPassphrase {
        /// The encrypted key file.
        path: PathBuf,
    },

    /// No passphrase could be obtained for an encrypted key file (no
    /// terminal, the prompt was cancelled, …).
    #[error(
        "{} is protected by a passphrase and none was given ({reason}); add the key to ssh-agent with ssh-add {}, or run the command from a terminal",
        path.display(),
        path.display()
    )]
    PassphraseUnavailable {
        /// The encrypted key file.
        path: PathBuf,
        /// Why no passphrase was obtained.
        reason: String,
    },

    /// A public key given as text cannot be parsed.
    #[error("not an SSH public key ({reason}); expected a line like \"ssh-ed25519 AAAA… comment\"")]
    PublicKeyFormat {
        /// What is wrong with it.
        reason: String,
    },

    /// A public key of an algorithm avow does not use.
    #[error(
        "{algorithm} keys are not supported; avow accepts ed25519, ECDSA (nistp256/384/521), their security-key (sk-) forms and RSA keys of 2048 to 4096 bits (ssh-keygen -t ed25519 makes one)"
    )]
    KeyAlgorithm {
        /// The algorithm name, as in the key line.
        algorithm: String,
    },

    /// The agent is needed and none is configured.
    #[error(
        "no ssh-agent is running (SSH_AUTH_SOCK is not set); start one with eval \"$(ssh-agent)\" and ssh-add your key, or name the private key file instead"
    )]
    AgentNotRunning,

    /// The agent socket cannot be reached, or the connection broke.
    #[error(
        "cannot talk to the ssh-agent at {}: {source}; check SSH_AUTH_SOCK or restart the agent",
        socket.display()
    )]
    AgentIo {
        /// The agent's socket.
        socket: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },

    /// The agent sent something that is not the SSH agent protocol.
    #[error(
        "the ssh-agent at {} sent a malformed reply ({reason}); check SSH_AUTH_SOCK points at an ssh-agent",
        socket.display()
    )]
    AgentProtocol {
        /// The agent's socket.
        socket: PathBuf,
        /// What was wrong.
        reason: String,
    },

    /// The agent refused the request (failure reply).
    #[error(
        "the ssh-agent refused to {what} with key {fingerprint}; if the key needs confirmation or a touch of the security key, give it, or re-add the key with ssh-add"
    )]
    AgentRefused {
        /// What was asked (`sign`, `list keys`).
        what: &'static str,
        /// The key concerned (empty for a key listing).
        fingerprint: String,
    },

    /// A security-key (FIDO, `sk-`) key file, which signs only through
    /// ssh-agent, and no agent is running.
    #[error(
        "{} is a security-key (FIDO) key, which avow signs with through ssh-agent, and no agent is running (SSH_AUTH_SOCK is not set); start one with eval \"$(ssh-agent)\" and add the key with ssh-add {}",
        path.display(),
        path.display()
    )]
    SecurityKeyNeedsAgent {
        /// The key file (its private half is a handle to the security key).
        path: PathBuf,
    },

    /// The agent holds a security key's handle but could not sign with it:
    /// the authenticator is not plugged in, or was not touched in time.
    #[error(
        "the security key {fingerprint} did not sign: it is not plugged in, or was not touched in time; plug it in, run the same command again and touch it when it blinks"
    )]
    SecurityKeyAbsent {
        /// The security key's public key.
        fingerprint: String,
    },

    /// The agent does not hold the wanted key.
    #[error("the ssh-agent does not hold the key {fingerprint}; add it with ssh-add{}", hint_path(path.as_ref()))]
    KeyNotInAgent {
        /// The wanted key.
        fingerprint: String,
        /// The key file it was named by, if any.
        path: Option<PathBuf>,
    },

    /// The agent holds no ed25519 key at all.
    #[error(
        "the ssh-agent holds no key avow can sign with ({count} keys of other types); add one with ssh-add ~/.ssh/id_ed25519"
    )]
    NoAgentKey {
        /// How many keys of other algorithms it holds.
        count: usize,
    },

    /// Signing failed inside the signing library or the agent returned a
    /// signature that does not verify.
    #[error("signing with key {fingerprint} failed: {reason}")]
    Sign {
        /// The key.
        fingerprint: String,
        /// What failed.
        reason: String,
    },

    /// A signature is not a well-formed SSHSIG blob.
    #[error("malformed signature: {reason}; re-sign the commit")]
    MalformedSignature {
        /// What is wrong with it.
        reason: String,
    },

    /// A signature of an SSHSIG version this crate does not know.
    #[error("unsupported SSHSIG version {version} (only version 1 exists); re-sign the commit")]
    SignatureVersion {
        /// The version found.
        version: u32,
    },

    /// A signature made in another namespace (e.g. a git commit signature,
    /// namespace `git`).
    #[error(
        "the signature was made for namespace {found:?}, not {expected:?}; it is not an avow attestation (a git commit signature cannot be reused); re-sign with git avow"
    )]
    WrongNamespace {
        /// The namespace found in the signature.
        found: String,
        /// The namespace avow requires.
        expected: &'static str,
    },

    /// A signature made with a key of an algorithm avow does not accept.
    #[error(
        "the signature was made with a {algorithm} key ({fingerprint}); avow accepts ed25519, ECDSA and RSA (2048 to 4096 bits) keys and their security-key forms"
    )]
    SignatureAlgorithm {
        /// The key algorithm found.
        algorithm: String,
        /// The signing key.
        fingerprint: String,
    },

    /// The cryptographic check failed: the payload is not what was signed.
    #[error(
        "bad signature by key {fingerprint}: the signed statement or the commit changed after signing; re-attest the commit"
    )]
    BadSignature {
        /// The key named in the signature.
        fingerprint: String,
    },

    /// An RSA key of a size avow does not accept.
    #[error(
        "RSA key of {bits} bits: avow accepts RSA keys of 2048 to 4096 bits; create a new key with ssh-keygen -t ed25519 (or -t rsa -b 3072)"
    )]
    RsaKeySize {
        /// The modulus size.
        bits: usize,
    },

    /// An RSA signature made with SHA-1 (`ssh-rsa`), which OpenSSH no longer
    /// accepts either.
    #[error(
        "the signature by RSA key {fingerprint} uses ssh-rsa (SHA-1), which is refused; re-sign the commit (avow and ssh-keygen -Y sign use rsa-sha2-512)"
    )]
    Sha1Signature {
        /// The signing key.
        fingerprint: String,
    },

    /// A security-key signature made without the user touching the key.
    #[error(
        "the security key {fingerprint} signed without user presence (no touch); re-sign and touch the key when it blinks"
    )]
    NoUserPresence {
        /// The security key.
        fingerprint: String,
    },
}

fn hint_path(path: Option<&PathBuf>) -> String {
    match path {
        Some(p) => format!(" {}", p.display()),
        None => " and the path of its private key".to_owned(),
    }
}

/// "an RSA", "a DSA".
fn with_article(word: &str) -> String {
    let article = match word.chars().next() {
        Some('A' | 'E' | 'I' | 'O' | 'U' | 'a' | 'e' | 'i' | 'o' | 'u') => "an",
        // Acronyms read letter by letter: "an RSA", "an SSH", "an ECDSA".
        Some('R' | 'S' | 'F' | 'H' | 'L' | 'M' | 'N' | 'X')
            if word.len() > 1 && word.chars().nth(1).is_some_and(|c| c.is_ascii_uppercase()) =>
        {
            "an"
        }
        _ => "a",
    };
    format!("{article} {word}")
}
