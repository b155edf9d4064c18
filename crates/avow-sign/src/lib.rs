//! avow's signatures: SSHSIG (the format of `ssh-keygen -Y sign`, see
//! OpenSSH's PROTOCOL.sshsig) in namespace [`NAMESPACE`] with hash sha512,
//! made with a key from an OpenSSH key file (optionally passphrase-protected)
//! or held by ssh-agent. Key types: every one git's SSH signing takes
//! ([`KEY_TYPES`]: ed25519, ECDSA on nistp256/384/521, their FIDO
//! security-key forms, and RSA of 2048 to 4096 bits signing with
//! `rsa-sha2-256`/`rsa-sha2-512`; DSA and SHA-1 `ssh-rsa` signatures are
//! refused).
//!
//! ```
//! # fn main() -> Result<(), avow_sign::Error> {
//! let sig = avow_sign::Signature::from_armored(
//!     "-----BEGIN SSH SIGNATURE-----\n\
//!      U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgsz6u836i33yqAQ3v3qNOJB9l8b\n\
//!      UppPQ+0UMn9cVKq2IAAAAHZXhhbXBsZQAAAAAAAAAGc2hhNTEyAAAAUwAAAAtzc2gtZWQy\n\
//!      NTUxOQAAAEBPEav+tMGNnox4MuzM7rlHyVBajCn8B0kAyiOWwPKprNsG3i6X+voz/WCSik\n\
//!      /FowYwqhgCABUJSvRX3AERVBUP\n\
//!      -----END SSH SIGNATURE-----\n",
//! )?;
//! // Made for namespace "example", so it is no avow attestation:
//! assert_eq!(sig.namespace(), "example");
//! assert!(matches!(
//!     avow_sign::verify(b"testing\n", &sig),
//!     Err(avow_sign::Error::WrongNamespace { .. })
//! ));
//! // The base64 form (the `Avow-Signature` trailer) round-trips.
//! assert_eq!(avow_sign::Signature::from_base64(&sig.to_base64())?, sig);
//! # Ok(())
//! # }
//! ```
//!
//! Signing: `Signer::load(&KeySource::File(path), &mut prompt)?.sign(payload)`.
#![deny(missing_docs)]

mod agent;
mod algorithm;
mod batch;
mod checked;
mod ecdsa_scalar;
mod error;
mod key;
mod signature;
mod wire;

pub use algorithm::{check_supported, is_security_key, rsa_bits, KEY_TYPES, RSA_MAX_BITS, RSA_MIN_BITS};
pub use batch::{verify_many, BATCH};
pub use checked::{digest as key_digest, remember_checked_keys, CheckedKeys, KeyDigest};
pub use error::Error;
pub use key::{
    agent_keys, fingerprint, parse_public_key, permissions_warning, public_key_of, KeySource, PassphraseFn, Signer,
    HASH,
};
pub use signature::{verify, Signature};
/// The `ssh-key` crate this API speaks in (`PublicKey`, `SshSig`).
pub use ssh_key;
/// Zeroizing containers for passphrases.
pub use zeroize::Zeroizing;

/// The SSHSIG namespace of avow attestations (defined with the payload).
pub use avow_core::payload::NAMESPACE;
