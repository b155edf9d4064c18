//! Key hygiene: which file a signer read (for the permission warning), and
//! that every type holding private key material wipes it on drop.

use std::os::unix::fs::PermissionsExt as _;

use avow_sign::{KeySource, Signer, Zeroizing};
use avow_testutil::TestRepo;

use crate::support::no_prompt;

#[test]
fn key_file_names_the_private_key_read() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap();
    assert_eq!(signer.key_file(), Some(key.as_path()));
    // `NAME.pub` without an agent: the private key beside it is read, and
    // that is the file whose permissions matter.
    let signer = Signer::load_with_agent(&KeySource::File(key.with_extension("pub")), &mut no_prompt, None).unwrap();
    assert_eq!(signer.key_file(), Some(key.as_path()));
    assert_eq!(format!("{signer:?}").matches(&key.display().to_string()).count(), 1, "{signer:?}");
}

#[test]
fn permissions_warning_covers_group_and_others_and_every_private_key_format() {
    let repo = TestRepo::new();
    let key = repo.keygen_with_passphrase("alice", "correct horse");
    let warning = |mode: u32| {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
        avow_sign::permissions_warning(&key)
    };
    for mode in [0o600, 0o400, 0o700] {
        assert_eq!(warning(mode), None, "{mode:o}");
    }
    for mode in [0o640, 0o604, 0o660, 0o666, 0o644] {
        assert_eq!(
            warning(mode),
            Some(format!(
                "private key {} is readable by others (mode {mode:04o}); restrict it with chmod 600 {}",
                key.display(),
                key.display()
            )),
            "{mode:o}"
        );
    }
    // A PEM key of another format is a private key too.
    let pem = repo.scratch().join("legacy.pem");
    std::fs::write(&pem, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n").unwrap();
    std::fs::set_permissions(&pem, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(avow_sign::permissions_warning(&pem).is_some());
}

/// Compiles only if `T` wipes its secret on drop.
fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}

#[test]
fn private_key_material_is_wiped_on_drop() {
    // What ssh-key turns an ed25519 key into for every signature
    // (ed25519-dalek built with its `zeroize` feature).
    zeroize_on_drop::<ed25519_dalek::SigningKey>();
    // Passphrases and key file text travel in these.
    zeroize_on_drop::<Zeroizing<String>>();
    zeroize_on_drop::<Zeroizing<Vec<u8>>>();
    // ssh-key's `Ed25519PrivateKey` (inside the `PrivateKey` a signer
    // holds) implements `Drop` by zeroizing its bytes rather than the
    // marker trait, so it cannot be named here; docs/key-hygiene.md lists it.
}
