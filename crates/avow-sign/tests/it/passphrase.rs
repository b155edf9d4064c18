//! Passphrase-protected key files.

use std::cell::Cell;
use std::path::Path;

use avow_sign::{verify, Error, KeySource, Signer, Zeroizing};
use avow_testutil::TestRepo;

use crate::support::{assert_keygen_verifies, pub_line};

const PASS: &str = "correct horse battery staple";

#[test]
fn right_passphrase_loads_and_signs() {
    let repo = TestRepo::new();
    let key = repo.keygen_with_passphrase("alice", PASS);
    let calls = Cell::new(0);
    let mut prompt = |path: &Path| {
        assert_eq!(path, key);
        calls.set(calls.get() + 1);
        Ok(Zeroizing::new(PASS.to_owned()))
    };
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut prompt, None).unwrap();
    assert_eq!(calls.get(), 1);
    let sig = signer.sign(b"payload").unwrap();
    verify(b"payload", &sig).unwrap();
    assert_keygen_verifies(&repo, &pub_line(&key), &sig.to_armored(), b"payload");
}

#[test]
fn wrong_passphrase_is_a_clear_error() {
    let repo = TestRepo::new();
    let key = repo.keygen_with_passphrase("alice", PASS);
    let mut prompt = |_: &Path| Ok(Zeroizing::new("wrong".to_owned()));
    let err = Signer::load_with_agent(&KeySource::File(key.clone()), &mut prompt, None).unwrap_err();
    assert!(matches!(&err, Error::WrongPassphrase { path } if *path == key), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "wrong passphrase for {}; try again, or check the key with ssh-keygen -y -f {}",
            key.display(),
            key.display()
        )
    );
}

#[test]
fn callback_error_is_passed_through() {
    let repo = TestRepo::new();
    let key = repo.keygen_with_passphrase("alice", PASS);
    let mut prompt =
        |path: &Path| Err(Error::PassphraseUnavailable { path: path.to_path_buf(), reason: "no terminal".to_owned() });
    let err = Signer::load_with_agent(&KeySource::File(key), &mut prompt, None).unwrap_err();
    assert!(matches!(err, Error::PassphraseUnavailable { .. }), "{err:?}");
}

#[test]
fn callback_not_called_for_unencrypted_keys() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let calls = Cell::new(0);
    let mut prompt = |_: &Path| {
        calls.set(calls.get() + 1);
        Ok(Zeroizing::new(String::new()))
    };
    let signer = Signer::load_with_agent(&KeySource::File(key), &mut prompt, None).unwrap();
    signer.sign(b"x").unwrap();
    assert_eq!(calls.get(), 0);
}

/// The public half of an encrypted key file (and of a public key file, and
/// of each key type) is read without a passphrase: the same key the
/// decrypted file gives and ssh-keygen writes beside it.
#[test]
fn the_public_key_is_read_without_the_passphrase() {
    let repo = TestRepo::new();
    let key = repo.keygen_with_passphrase("alice", PASS);
    let expected = avow_sign::parse_public_key(&pub_line(&key)).unwrap();
    for source in [KeySource::File(key.clone()), KeySource::File(key.with_extension("pub"))] {
        let public = avow_sign::public_key_of(&source, None).unwrap();
        assert_eq!(public.key_data(), expected.key_data(), "{source:?}");
    }
    let mut prompt = |_: &Path| Ok(Zeroizing::new(PASS.to_owned()));
    let signer = Signer::load_with_agent(&KeySource::File(key), &mut prompt, None).unwrap();
    assert_eq!(signer.public_key().key_data(), expected.key_data());
    for kind in ["ed25519", "ecdsa", "rsa"] {
        let key = crate::support::keygen_type(&repo, &format!("k-{kind}"), kind);
        let public = avow_sign::public_key_of(&KeySource::File(key.clone()), None).unwrap();
        assert_eq!(public.key_data(), avow_sign::parse_public_key(&pub_line(&key)).unwrap().key_data(), "{kind}");
    }
}
