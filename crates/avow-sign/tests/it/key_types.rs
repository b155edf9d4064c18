//! Every key type git's SSH signing takes, signed and verified by avow and
//! by `ssh-keygen -Y sign/verify`, both ways: from a key file, a
//! passphrase-protected file and ssh-agent. Security keys (sk-) need an
//! authenticator to sign; without one here, the test plays it in software
//! (PROTOCOL.u2f) and checks verification both ways.

use std::path::{Path, PathBuf};

use avow_sign::ssh_key::public::{EcdsaPublicKey, KeyData, SkEcdsaSha2NistP256};
use avow_sign::ssh_key::sha2::{Digest as _, Sha256};
use avow_sign::ssh_key::{Algorithm, HashAlg, Mpint, PublicKey, SshSig};
use avow_sign::{parse_public_key, rsa_bits, verify, Error, KeySource, Signature, Signer, Zeroizing, NAMESPACE};
use avow_testutil::TestRepo;

use crate::support::{assert_keygen_verifies, keygen_sign, no_prompt, pub_line, AgentGuard};

const PAYLOAD: &[u8] = b"avow-attestation v2\nchange none\n";

/// (name, ssh-keygen type arguments, the key type OpenSSH names).
const TYPES: [(&str, &[&str], &str); 5] = [
    ("p256", &["-t", "ecdsa", "-b", "256"], "ecdsa-sha2-nistp256"),
    ("p384", &["-t", "ecdsa", "-b", "384"], "ecdsa-sha2-nistp384"),
    ("p521", &["-t", "ecdsa", "-b", "521"], "ecdsa-sha2-nistp521"),
    ("rsa2048", &["-t", "rsa", "-b", "2048"], "ssh-rsa"),
    ("rsa4096", &["-t", "rsa", "-b", "4096"], "ssh-rsa"),
];

fn check_signature(repo: &TestRepo, key: &Path, sig: &Signature, key_type: &str) {
    let by = verify(PAYLOAD, sig).unwrap();
    let line = pub_line(key);
    assert!(line.starts_with(key_type), "{line}");
    assert_eq!(by.key_data(), parse_public_key(&line).unwrap().key_data());
    if key_type == "ssh-rsa" {
        // rsa-sha2-512, never SHA-1.
        assert_eq!(sig.as_sshsig().signature().algorithm(), Algorithm::Rsa { hash: Some(HashAlg::Sha512) });
    }
    assert!(matches!(verify(b"other", sig), Err(Error::BadSignature { .. })));
    assert_keygen_verifies(repo, &line, &sig.to_armored(), PAYLOAD);
}

#[test]
fn key_files_of_every_type_sign_and_ssh_keygen_verifies() {
    let repo = TestRepo::new();
    for (name, kind, key_type) in TYPES {
        let key = repo.keygen_typed(name, kind, "");
        let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap();
        assert!(!signer.uses_agent());
        let sig = signer.sign(PAYLOAD).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_signature(&repo, &key, &sig, key_type);
        // The same key named by its .pub file (no agent: the file beside it).
        let signer =
            Signer::load_with_agent(&KeySource::File(key.with_extension("pub")), &mut no_prompt, None).unwrap();
        check_signature(&repo, &key, &signer.sign(PAYLOAD).unwrap(), key_type);
    }
}

#[test]
fn ssh_keygen_signatures_of_every_type_verify() {
    let repo = TestRepo::new();
    for (name, kind, key_type) in TYPES {
        let key = repo.keygen_typed(name, kind, "");
        let armored = keygen_sign(&repo, &key, NAMESPACE, PAYLOAD);
        let sig = Signature::from_armored(&armored).unwrap();
        check_signature(&repo, &key, &sig, key_type);
        assert_eq!(Signature::from_base64(&sig.to_base64()).unwrap(), sig);
    }
}

#[test]
fn passphrase_protected_keys_of_every_type_sign() {
    let repo = TestRepo::new();
    for (name, kind, key_type) in TYPES.into_iter().take(4) {
        let key = repo.keygen_typed(name, kind, "s3cret passphrase");
        let mut asked = 0;
        let mut prompt = |_: &Path| {
            asked += 1;
            Ok(Zeroizing::new("s3cret passphrase".to_owned()))
        };
        let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut prompt, None).unwrap();
        assert_eq!(asked, 1, "{name}");
        check_signature(&repo, &key, &signer.sign(PAYLOAD).unwrap(), key_type);
        let mut wrong = |_: &Path| Ok(Zeroizing::new("wrong".to_owned()));
        let err = Signer::load_with_agent(&KeySource::File(key.clone()), &mut wrong, None).unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase { .. }), "{name}: {err:?}");
    }
}

#[test]
fn keys_of_every_type_sign_through_the_agent() {
    let repo = TestRepo::new();
    let agent = AgentGuard::start(&repo);
    let keys: Vec<(PathBuf, &str)> = TYPES
        .into_iter()
        .take(4)
        .map(|(name, kind, key_type)| {
            let key = repo.keygen_typed(name, kind, "agent only");
            (key, key_type)
        })
        .collect();
    for (key, _) in &keys {
        // ssh-add would prompt: these are unencrypted copies for adding.
        let plain = key.with_extension("plain");
        std::fs::copy(key, &plain).unwrap();
        let out = repo
            .command("ssh-keygen")
            .args(["-q", "-p", "-P", "agent only", "-N", "", "-f"])
            .arg(&plain)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        agent.add(&repo, &plain);
        std::fs::remove_file(&plain).unwrap();
    }
    let listed = avow_sign::agent_keys(agent.socket()).unwrap();
    assert_eq!(listed.len(), keys.len());
    for (key, key_type) in &keys {
        // An encrypted key file the agent holds: no passphrase asked.
        let signer =
            Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, Some(agent.socket())).unwrap();
        assert!(signer.uses_agent());
        check_signature(&repo, key, &signer.sign(PAYLOAD).unwrap(), key_type);
        let signer =
            Signer::load_with_agent(&KeySource::Literal(pub_line(key)), &mut no_prompt, Some(agent.socket())).unwrap();
        check_signature(&repo, key, &signer.sign(PAYLOAD).unwrap(), key_type);
    }
}

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    let repo = TestRepo::new();
    let key = repo.keygen_typed("rsa1024", &["-t", "rsa", "-b", "1024"], "");
    let err = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap_err();
    assert!(matches!(err, Error::RsaKeySize { bits: 1024 }), "{err:?}");
    let err = parse_public_key(&pub_line(&key)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RSA key of 1024 bits: avow accepts RSA keys of 2048 to 4096 bits; create a new key with ssh-keygen -t ed25519 (or -t rsa -b 3072)"
    );
    // A signature ssh-keygen makes with it is refused too.
    let sig = Signature::from_armored(&keygen_sign(&repo, &key, NAMESPACE, PAYLOAD));
    assert!(matches!(sig, Err(Error::RsaKeySize { bits: 1024 })), "{sig:?}");
    let ok = repo.keygen_typed("rsa3072", &["-t", "rsa", "-b", "3072"], "");
    assert_eq!(rsa_bits(parse_public_key(&pub_line(&ok)).unwrap().key_data()), Some(3072));
}

/// An SSHSIG by an RSA key whose signature algorithm is `ssh-rsa` (SHA-1),
/// built by hand from a real rsa-sha2-512 signature.
#[test]
fn sha1_ssh_rsa_signatures_are_refused() {
    let repo = TestRepo::new();
    let key = repo.keygen_typed("rsa", &["-t", "rsa", "-b", "2048"], "");
    let good = Signature::from_armored(&keygen_sign(&repo, &key, NAMESPACE, PAYLOAD)).unwrap();
    let raw = good.as_bytes();
    let needle = b"\0\0\0\x0crsa-sha2-512";
    let at = raw.windows(needle.len()).position(|w| w == needle).unwrap();
    let mut forged = raw[..at].to_vec();
    // The outer signature string's length shrinks by 5 ("rsa-sha2-512" -> "ssh-rsa").
    let outer = u32::from_be_bytes(forged[at - 4..at].try_into().unwrap()) - 5;
    forged[at - 4..at].copy_from_slice(&outer.to_be_bytes());
    forged.extend_from_slice(b"\0\0\0\x07ssh-rsa");
    forged.extend_from_slice(&raw[at + needle.len()..]);
    let err = Signature::from_bytes(&forged).unwrap_err();
    assert!(matches!(err, Error::Sha1Signature { .. }), "{err:?}");
    assert!(err.to_string().contains("ssh-rsa (SHA-1), which is refused"), "{err}");
}

/// A software authenticator for `sk-ecdsa-sha2-nistp256@openssh.com`: the
/// P-256 key signs sha256(application) || flags || counter ||
/// sha256(signed data).
fn sk_ecdsa_sign(flags: u8, payload: &[u8]) -> (PublicKey, Signature) {
    use p256::ecdsa::signature::Signer as _;
    let device = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let point = device.verifying_key().to_encoded_point(false);
    let ec = EcdsaPublicKey::from_sec1_bytes(point.as_bytes()).unwrap();
    let EcdsaPublicKey::NistP256(p) = ec else { panic!("P-256") };
    let key = KeyData::SkEcdsaSha2NistP256(SkEcdsaSha2NistP256::new(p, "ssh:".to_owned()));
    let signed_data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, payload).unwrap();
    let counter: u32 = 7;
    let mut message = Sha256::digest(b"ssh:").to_vec();
    message.push(flags);
    message.extend(counter.to_be_bytes());
    message.extend(Sha256::digest(&signed_data));
    let sig: p256::ecdsa::Signature = device.sign(&message);
    let (r, s) = sig.split_bytes();
    let mut data = Vec::new();
    for half in [r.as_slice(), s.as_slice()] {
        let mpint = Mpint::from_positive_bytes(half).unwrap();
        let bytes = mpint.as_bytes();
        data.extend(u32::try_from(bytes.len()).unwrap().to_be_bytes());
        data.extend(bytes);
    }
    // ssh-key holds r and s, then the FIDO flags and counter.
    let mut blob = data;
    blob.push(flags);
    blob.extend(counter.to_be_bytes());
    let signature = avow_sign::ssh_key::Signature::new(Algorithm::SkEcdsaSha2NistP256, blob).unwrap();
    let sshsig = SshSig::new(key.clone(), NAMESPACE, HashAlg::Sha512, signature).unwrap();
    (PublicKey::from(key), Signature::from_sshsig(&sshsig).unwrap())
}

#[test]
fn sk_ecdsa_signatures_verify_with_avow_and_ssh_keygen() {
    let repo = TestRepo::new();
    let (key, sig) = sk_ecdsa_sign(0x01, PAYLOAD);
    let line = key.to_openssh().unwrap();
    assert!(line.starts_with("sk-ecdsa-sha2-nistp256@openssh.com "), "{line}");
    assert_eq!(parse_public_key(&line).unwrap().key_data(), key.key_data());
    assert_eq!(verify(PAYLOAD, &sig).unwrap().key_data(), key.key_data());
    assert!(matches!(verify(b"other", &sig), Err(Error::BadSignature { .. })));
    assert_keygen_verifies(&repo, &line, &sig.to_armored(), PAYLOAD);
    let (_, untouched) = sk_ecdsa_sign(0x00, PAYLOAD);
    assert!(matches!(verify(PAYLOAD, &untouched), Err(Error::NoUserPresence { .. })));
}

/// An RSA key in the old PEM format (`ssh-keygen -m PEM`): refused with the
/// command that rewrites it; after running it, the same key signs.
#[test]
fn pem_key_files_are_refused_with_a_conversion_that_works() {
    let repo = TestRepo::new();
    let key = repo.keygen_typed("pem", &["-t", "rsa", "-b", "2048", "-m", "PEM"], "");
    let err = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap_err();
    assert!(matches!(err, Error::PemKeyFile { .. }), "{err:?}");
    let message = err.to_string();
    let command = message.rsplit_once("with ").unwrap().1;
    assert_eq!(command, format!("ssh-keygen -p -f {}", key.display()));
    // The printed command, with the (empty) passphrases given on the command
    // line instead of at its prompts.
    let mut args: Vec<String> = command.split(' ').skip(1).map(str::to_owned).collect();
    args.splice(1..1, ["-P".to_owned(), String::new(), "-N".to_owned(), String::new()]);
    let out = repo.command("ssh-keygen").args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let signer = Signer::load_with_agent(&KeySource::File(key.clone()), &mut no_prompt, None).unwrap();
    check_signature(&repo, &key, &signer.sign(PAYLOAD).unwrap(), "ssh-rsa");
}
