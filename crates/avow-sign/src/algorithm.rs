//! The key types avow signs and verifies with: every type git's SSH signing
//! takes (`ssh-keygen -Y sign`), except DSA and RSA keys under 2048 bits.

use ssh_key::public::KeyData;
use ssh_key::{Algorithm, EcdsaCurve};

use crate::Error;

pub use avow_core::key_types::{KEY_TYPES, RSA_MAX_BITS, RSA_MIN_BITS};

/// The modulus size of an RSA key in bits (`None` for other keys).
pub fn rsa_bits(key: &KeyData) -> Option<usize> {
    let KeyData::Rsa(rsa) = key else { return None };
    Some(avow_core::key_types::bit_length(rsa.n.as_positive_bytes().unwrap_or_default()))
}

/// Whether the private half of this key lives on a FIDO security key (so
/// only ssh-agent, driving the token, can sign with it).
pub fn is_security_key(key: &KeyData) -> bool {
    matches!(key, KeyData::SkEd25519(_) | KeyData::SkEcdsaSha2NistP256(_))
}

/// Accepts the key types of [`KEY_TYPES`]; RSA keys only from
/// [`RSA_MIN_BITS`] to [`RSA_MAX_BITS`] bits.
pub fn check_supported(key: &KeyData) -> Result<(), Error> {
    match key {
        KeyData::Ed25519(_) | KeyData::SkEd25519(_) | KeyData::SkEcdsaSha2NistP256(_) => Ok(()),
        KeyData::Ecdsa(ec) => match ec.curve() {
            EcdsaCurve::NistP256 | EcdsaCurve::NistP384 | EcdsaCurve::NistP521 => Ok(()),
        },
        KeyData::Rsa(_) => {
            let bits = rsa_bits(key).unwrap_or(0);
            if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                Ok(())
            } else {
                Err(Error::RsaKeySize { bits })
            }
        }
        other => Err(Error::KeyAlgorithm { algorithm: other.algorithm().as_str().to_owned() }),
    }
}

/// Whether `name` is a key type accepted by [`check_supported`] (size
/// aside).
pub fn is_supported_type(name: &str) -> bool {
    avow_core::key_types::is_accepted(name)
}

/// The signature algorithm a signature by `key` must carry. RSA keys sign
/// with `rsa-sha2-256` or `rsa-sha2-512`; `Ok(None)` means "either".
pub(crate) fn expected_signature(key: &KeyData) -> Option<Algorithm> {
    match key {
        KeyData::Rsa(_) => None,
        other => Some(other.algorithm()),
    }
}

/// Whether a signature algorithm is acceptable for `key`.
pub(crate) fn signature_matches(key: &KeyData, sig: &Algorithm) -> bool {
    match expected_signature(key) {
        Some(expected) => *sig == expected,
        None => matches!(sig, Algorithm::Rsa { hash: Some(_) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_is_a_known_algorithm() {
        for t in KEY_TYPES {
            assert_eq!(Algorithm::new(t).unwrap().as_str(), t);
            assert!(is_supported_type(t));
        }
        assert!(!is_supported_type("ssh-dss"));
        assert!(!is_supported_type("rsa-sha2-512"), "a signature algorithm, not a key type");
    }
}
