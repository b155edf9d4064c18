//! Property tests: parsing and verifying never panic, and a mutated
//! signature never verifies.

use std::sync::OnceLock;

use avow_sign::ssh_key::private::Ed25519Keypair;
use avow_sign::ssh_key::{LineEnding, PrivateKey};
use avow_sign::{verify, KeySource, Signature, Signer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;

/// The payload [`fixed_signature`] signs.
pub const FIXED_PAYLOAD: &[u8] = b"avow fixed payload\n";

/// A signature by a key from a fixed seed, made through `Signer` (the key is
/// written to a temporary file, never committed).
pub fn fixed_signature() -> &'static Signature {
    static SIG: OnceLock<Signature> = OnceLock::new();
    SIG.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&[7; 32]));
        let path = dir.path().join("fixed");
        key.write_openssh_file(&path, LineEnding::LF).unwrap();
        let signer = Signer::load_with_agent(&KeySource::File(path), &mut crate::support::no_prompt, None).unwrap();
        signer.sign(FIXED_PAYLOAD).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn from_base64_never_panics(s in ".{0,400}") {
        if let Ok(sig) = Signature::from_base64(&s) {
            let _ = verify(FIXED_PAYLOAD, &sig);
        }
    }

    #[test]
    fn from_base64_never_panics_on_base64(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(sig) = Signature::from_base64(&STANDARD.encode(&bytes)) {
            let _ = verify(FIXED_PAYLOAD, &sig);
        }
        let _ = Signature::from_bytes(&bytes);
    }

    #[test]
    fn mutated_signature_never_verifies(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let original = fixed_signature().as_bytes().to_vec();
        let mut raw = original.clone();
        for (at, byte, op) in edits {
            let i = at.index(raw.len() + 1);
            match op {
                0 if i < raw.len() => raw[i] ^= byte | 1,
                1 => raw.insert(i, byte),
                2 if i < raw.len() => { raw.remove(i); }
                _ => raw.truncate(i),
            }
        }
        if let Ok(sig) = Signature::from_base64(&STANDARD.encode(&raw)) {
            let result = verify(FIXED_PAYLOAD, &sig);
            prop_assert!(raw == original || result.is_err(), "mutated signature verified");
            let _ = verify(&payload, &sig);
            let _ = sig.to_armored();
        }
    }

    #[test]
    fn from_armored_never_panics(s in "(-----BEGIN SSH SIGNATURE-----\n)?[A-Za-z0-9+/=\r\n ]{0,300}(-----END SSH SIGNATURE-----\n)?") {
        let _ = Signature::from_armored(&s);
    }

    #[test]
    fn signatures_round_trip_through_every_form(seed in any::<[u8; 32]>(), payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let sshsig = key.sign(avow_sign::NAMESPACE, avow_sign::HASH, &payload).unwrap();
        let sig = Signature::from_sshsig(&sshsig).unwrap();
        prop_assert_eq!(&Signature::from_base64(&sig.to_base64()).unwrap(), &sig);
        prop_assert_eq!(&Signature::from_armored(&sig.to_armored()).unwrap(), &sig);
        prop_assert_eq!(&Signature::from_bytes(sig.as_bytes()).unwrap(), &sig);
        let signer = verify(&payload, &sig).unwrap();
        prop_assert_eq!(signer.key_data(), key.public_key().key_data());
        let mut other = payload.clone();
        other.push(b'\n');
        prop_assert!(verify(&other, &sig).is_err());
    }
}
