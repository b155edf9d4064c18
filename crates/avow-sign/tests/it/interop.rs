//! Interoperability with OpenSSH's `ssh-keygen -Y`, both ways.

use avow_sign::{fingerprint, verify, Error, KeySource, Signature, Signer, NAMESPACE};
use avow_testutil::TestRepo;

use crate::support::{assert_keygen_verifies, keygen_sign, keygen_verify, no_prompt, pub_line};

const PAYLOAD: &[u8] = b"avow-attestation v2\nchange none\nAuthorship: human\n";

#[test]
fn our_signature_verifies_with_ssh_keygen() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap();
    assert!(!signer.uses_agent());
    let sig = signer.sign(PAYLOAD).unwrap();
    assert_eq!(sig.namespace(), NAMESPACE);
    assert_eq!(sig.hash_alg(), avow_sign::ssh_key::HashAlg::Sha512);
    assert_eq!(sig.public_key().key_data(), signer.public_key().key_data());

    assert_keygen_verifies(&repo, &pub_line(&key), &sig.to_armored(), PAYLOAD);
    // ssh-keygen refuses it over another payload: the check is real.
    let out = keygen_verify(&repo, &pub_line(&key), &sig.to_armored(), b"something else");
    assert!(!out.status.success());

    // And we verify our own, returning the signing key.
    let signed_by = verify(PAYLOAD, &sig).unwrap();
    assert_eq!(fingerprint(&signed_by), fingerprint(signer.public_key()));
}

#[test]
fn ssh_keygen_signature_verifies_with_ours() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let armored = keygen_sign(&repo, &key, NAMESPACE, PAYLOAD);
    let sig = Signature::from_armored(&armored).unwrap();
    let signed_by = verify(PAYLOAD, &sig).unwrap();
    let expected = avow_sign::parse_public_key(&pub_line(&key)).unwrap();
    assert_eq!(signed_by.key_data(), expected.key_data());
    // Our armor is ssh-keygen's armor, byte for byte.
    assert_eq!(sig.to_armored(), armored);
    // The base64 form round-trips and still verifies.
    let b64 = sig.to_base64();
    assert!(!b64.contains(char::is_whitespace));
    let back = Signature::from_base64(&b64).unwrap();
    assert_eq!(back, sig);
    assert_eq!(back.to_base64(), b64);
    assert_eq!(back.to_string().parse::<Signature>().unwrap(), sig);
    verify(PAYLOAD, &back).unwrap();
}

#[test]
fn sha256_signature_by_ssh_keygen_verifies() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let file = repo.scratch().join("p");
    std::fs::write(&file, PAYLOAD).unwrap();
    let out = repo
        .command("ssh-keygen")
        .args(["-q", "-Y", "sign", "-O", "hashalg=sha256", "-n", NAMESPACE, "-f"])
        .arg(&key)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sig = Signature::from_armored(&std::fs::read_to_string(file.with_extension("sig")).unwrap()).unwrap();
    assert_eq!(sig.hash_alg(), avow_sign::ssh_key::HashAlg::Sha256);
    verify(PAYLOAD, &sig).unwrap();
}

#[test]
fn git_namespace_signature_is_refused() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let armored = keygen_sign(&repo, &key, "git", PAYLOAD);
    let sig = Signature::from_armored(&armored).unwrap();
    assert_eq!(sig.namespace(), "git");
    let err = verify(PAYLOAD, &sig).unwrap_err();
    assert!(matches!(&err, Error::WrongNamespace { found, .. } if found == "git"), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the signature was made for namespace \"git\", not \"avow-attestation@v1\"; it is not an avow attestation (a git commit signature cannot be reused); re-sign with git avow"
    );
}

#[test]
fn tampered_payload_is_refused() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap();
    let sig = signer.sign(PAYLOAD).unwrap();
    let mut tampered = PAYLOAD.to_vec();
    tampered[0] ^= 0x20;
    let err = verify(&tampered, &sig).unwrap_err();
    assert!(
        matches!(&err, Error::BadSignature { fingerprint } if *fingerprint == avow_sign::fingerprint(signer.public_key()))
    );
    assert!(err.to_string().starts_with("bad signature by key SHA256:"), "{err}");
    assert!(verify(b"", &sig).is_err());
    // Also for an ssh-keygen signature.
    let theirs = Signature::from_armored(&keygen_sign(&repo, &key, NAMESPACE, PAYLOAD)).unwrap();
    assert!(matches!(verify(&tampered, &theirs), Err(Error::BadSignature { .. })));
}

#[test]
fn fingerprint_matches_ssh_keygen() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let out = repo.command("ssh-keygen").arg("-l").arg("-f").arg(key.with_extension("pub")).output().unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    let printed = line.split_whitespace().nth(1).unwrap();
    let ours = fingerprint(&avow_sign::parse_public_key(&pub_line(&key)).unwrap());
    assert_eq!(ours, printed);
}

#[test]
fn key_file_errors_say_what_to_do() {
    let repo = TestRepo::new();
    let missing = repo.scratch().join("nope");
    let err = Signer::load_with_agent(&KeySource::File(missing.clone()), &mut no_prompt, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no such key file {}; create one with ssh-keygen -t ed25519, or name an existing one",
            missing.display()
        )
    );

    // DSA: ssh-keygen still makes such keys; git's SSH signing would take
    // them, avow does not (OpenSSH disables DSA by default since 9.8).
    let dsa = crate::support::keygen_type(&repo, "dsa", "dsa");
    let err = Signer::load_with_agent(&KeySource::File(dsa.clone()), &mut no_prompt, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is a DSA key, which avow does not sign with; use an ed25519, ECDSA or RSA (2048 bits or more) key in OpenSSH format (ssh-keygen -t ed25519 makes one; ssh-keygen -p -f {} converts a PEM key)",
            dsa.display(),
            dsa.display()
        )
    );
    let dsa_pub = dsa.with_extension("pub");
    let err = Signer::load_with_agent(&KeySource::File(dsa_pub.clone()), &mut no_prompt, None).unwrap_err();
    assert!(
        matches!(&err, Error::KeyFileAlgorithm { algorithm, path } if algorithm == "DSA" && *path == dsa_pub),
        "{err:?}"
    );

    let junk = repo.scratch().join("junk");
    std::fs::write(&junk, "hello\n").unwrap();
    let err = Signer::load_with_agent(&KeySource::File(junk), &mut no_prompt, None).unwrap_err();
    assert!(matches!(err, Error::KeyFileFormat { .. }), "{err:?}");

    let err = Signer::load_with_agent(&KeySource::Literal("ssh-dss AAAA".into()), &mut no_prompt, None).unwrap_err();
    assert!(matches!(err, Error::KeyAlgorithm { .. }), "{err:?}");
}

#[test]
fn pub_file_without_agent_falls_back_to_private_key_beside_it() {
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    let signer = Signer::load_with_agent(&KeySource::File(key.with_extension("pub")), &mut no_prompt, None).unwrap();
    assert!(!signer.uses_agent());
    verify(PAYLOAD, &signer.sign(PAYLOAD).unwrap()).unwrap();

    // A lone public key needs the agent.
    std::fs::remove_file(&key).unwrap();
    let err = Signer::load_with_agent(&KeySource::File(key.with_extension("pub")), &mut no_prompt, None).unwrap_err();
    assert!(matches!(err, Error::AgentNotRunning), "{err:?}");
}

#[test]
fn permissions_warning_for_readable_private_keys_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let repo = TestRepo::new();
    let key = repo.keygen("alice");
    assert_eq!(avow_sign::permissions_warning(&key), None);
    assert_eq!(avow_sign::permissions_warning(&key.with_extension("pub")), None);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        avow_sign::permissions_warning(&key),
        Some(format!(
            "private key {} is readable by others (mode 0644); restrict it with chmod 600 {}",
            key.display(),
            key.display()
        ))
    );
    assert_eq!(avow_sign::permissions_warning(&repo.scratch().join("missing")), None);
}
