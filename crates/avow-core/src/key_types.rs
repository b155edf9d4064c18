//! The SSH key types an attestation may be signed with, one list for the
//! signer (avow-sign) and the keyring (avow-policy): every type git's SSH
//! signing takes (`ssh-keygen -Y sign`) except DSA. docs/keyring.md lists
//! them for people.

/// The public key types accepted, as OpenSSH names them.
pub const KEY_TYPES: [&str; 7] = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
];

/// The smallest RSA modulus accepted, in bits (OpenSSH 9's minimum, and
/// NIST SP 800-131A's).
pub const RSA_MIN_BITS: usize = 2048;

/// The largest RSA modulus accepted, in bits: what the verifier's RSA code
/// (the `rsa` crate's public keys) reads.
pub const RSA_MAX_BITS: usize = 4096;

/// Whether `name` is one of [`KEY_TYPES`].
pub fn is_accepted(name: &str) -> bool {
    KEY_TYPES.contains(&name)
}

/// The size in bits of a big-endian unsigned integer (an RSA modulus as
/// `ssh-key`'s `Mpint::as_positive_bytes` gives it), ignoring leading
/// zero bytes.
pub fn bit_length(be: &[u8]) -> usize {
    let be = &be[be.iter().take_while(|b| **b == 0).count()..];
    match be.first() {
        Some(first) => (be.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0xff; 256]), 2048);
        assert!(is_accepted("ssh-rsa") && !is_accepted("ssh-dss"));
    }
}
