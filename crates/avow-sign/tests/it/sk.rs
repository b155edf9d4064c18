//! `sk-ssh-ed25519@openssh.com` (FIDO security key) signatures. No hardware
//! here: the test plays the authenticator with ed25519-dalek, following
//! PROTOCOL.u2f (the key signs sha256(application) || flags || counter ||
//! sha256(message)).

use avow_sign::ssh_key::public::{Ed25519PublicKey, KeyData, SkEd25519};
use avow_sign::ssh_key::sha2::{Digest as _, Sha256};
use avow_sign::ssh_key::{Algorithm, HashAlg, PublicKey, SshSig};
use avow_sign::{parse_public_key, verify, Error, Signature, NAMESPACE};
use avow_testutil::TestRepo;
use ed25519_dalek::Signer as _;

use crate::support::assert_keygen_verifies;

const PAYLOAD: &[u8] = b"signed by a security key\n";

fn sk_sign(seed: u8, flags: u8, payload: &[u8]) -> (PublicKey, Signature) {
    let device = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let sk = SkEd25519::new(Ed25519PublicKey(device.verifying_key().to_bytes()), "ssh:");
    let key = KeyData::SkEd25519(sk);
    let signed_data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, payload).unwrap();
    let counter: u32 = 42;
    let mut message = Sha256::digest(b"ssh:").to_vec();
    message.push(flags);
    message.extend(counter.to_be_bytes());
    message.extend(Sha256::digest(&signed_data));
    let mut data = device.sign(&message).to_bytes().to_vec();
    data.push(flags);
    data.extend(counter.to_be_bytes());
    let signature = avow_sign::ssh_key::Signature::new(Algorithm::SkEd25519, data).unwrap();
    let sig = SshSig::new(key.clone(), NAMESPACE, HashAlg::Sha512, signature).unwrap();
    (PublicKey::from(key), Signature::from_sshsig(&sig).unwrap())
}

#[test]
fn sk_ed25519_signature_verifies() {
    let (key, sig) = sk_sign(9, 0x01, PAYLOAD);
    let by = verify(PAYLOAD, &sig).unwrap();
    assert_eq!(by, key);
    assert_eq!(Signature::from_base64(&sig.to_base64()).unwrap(), sig);
    assert!(matches!(verify(b"other", &sig), Err(Error::BadSignature { .. })));
    // The public key line parses too.
    let line = key.to_openssh().unwrap();
    assert!(line.starts_with("sk-ssh-ed25519@openssh.com "));
    assert_eq!(parse_public_key(&line).unwrap().key_data(), key.key_data());
}

#[test]
fn sk_signature_without_user_presence_is_refused() {
    let (_, sig) = sk_sign(9, 0x00, PAYLOAD);
    let err = verify(PAYLOAD, &sig).unwrap_err();
    assert!(matches!(err, Error::NoUserPresence { .. }), "{err:?}");
}

#[test]
fn ssh_keygen_agrees_on_sk_signatures() {
    let repo = TestRepo::new();
    let (key, sig) = sk_sign(11, 0x01, PAYLOAD);
    let line = key.to_openssh().unwrap();
    assert_keygen_verifies(&repo, &line, &sig.to_armored(), PAYLOAD);
    // ssh-keygen -Y verify (OpenSSH 9.2) does not check the user-presence
    // flag (allowed_signers has no `no-touch-required`); avow does, so an
    // untouched signature is refused by avow (sk_signature_without_user_presence_is_refused).
}
