//! Malformed and foreign signatures: always an error, never a panic.

use avow_sign::{verify, Error, Signature, NAMESPACE};
use avow_testutil::TestRepo;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::support::{keygen_sign, keygen_type};

/// A valid signature made by a fixed-seed key (see props.rs).
fn valid() -> Signature {
    crate::props::fixed_signature().clone()
}

#[test]
fn truncated_at_every_length() {
    let raw = valid().as_bytes().to_vec();
    for len in 0..raw.len() {
        let err = Signature::from_bytes(&raw[..len]).unwrap_err();
        assert!(matches!(err, Error::MalformedSignature { .. }), "{len}: {err:?}");
        let b64 = STANDARD.encode(&raw[..len]);
        assert!(Signature::from_base64(&b64).is_err(), "{len}");
    }
    // Truncated base64 text (no longer valid base64 or a shorter blob).
    let b64 = valid().to_base64();
    for len in 0..b64.len() {
        assert!(Signature::from_base64(&b64[..len]).is_err(), "{len}");
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut raw = valid().as_bytes().to_vec();
    raw.push(0);
    let err = Signature::from_bytes(&raw).unwrap_err();
    assert_eq!(err.to_string(), "malformed signature: 1 bytes after the signature; re-sign the commit");
    assert!(Signature::from_base64(&STANDARD.encode(&raw)).is_err());
}

#[test]
fn wrong_magic_and_version() {
    let raw = valid().as_bytes().to_vec();
    let mut magic = raw.clone();
    magic[0] = b'X';
    let err = Signature::from_bytes(&magic).unwrap_err();
    assert_eq!(err.to_string(), "malformed signature: does not start with SSHSIG; re-sign the commit");
    for version in [0u32, 2, u32::MAX] {
        let mut v = raw.clone();
        v[6..10].copy_from_slice(&version.to_be_bytes());
        let err = Signature::from_base64(&STANDARD.encode(&v)).unwrap_err();
        assert!(matches!(err, Error::SignatureVersion { version: found } if found == version), "{err:?}");
    }
}

#[test]
fn garbage_and_non_canonical_text() {
    let b64 = valid().to_base64();
    let cases = [
        String::new(),
        "!!!!".to_owned(),
        "not base64 at all".to_owned(),
        format!(" {b64}"),
        format!("{b64}\n"),
        format!("{}\n{}", &b64[..40], &b64[40..]),
        b64.trim_end_matches('=').to_owned(),
        b64.replace('+', "-").replace('/', "_"),
        "U1NIU0lH".to_owned(),
        "A".repeat(100_000),
    ];
    for case in &cases {
        if *case == b64 {
            continue;
        }
        assert!(Signature::from_base64(case).is_err(), "accepted {case:?}");
    }
    for armored in
        ["", "-----BEGIN SSH SIGNATURE-----\n", "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"]
    {
        assert!(Signature::from_armored(armored).is_err(), "{armored:?}");
    }
    let armored = valid().to_armored();
    assert!(Signature::from_armored(&format!("{armored}trailing")).is_err());
    // Armor tolerates CRLF and surrounding blank lines.
    let crlf = format!("\n{}\n", armored.replace('\n', "\r\n"));
    assert_eq!(Signature::from_armored(&crlf).unwrap(), valid());
}

#[test]
fn dsa_signatures_are_refused() {
    let repo = TestRepo::new();
    let key = keygen_type(&repo, "dsa", "dsa");
    let armored = keygen_sign(&repo, &key, NAMESPACE, b"payload");
    let err = Signature::from_armored(&armored).unwrap_err();
    match &err {
        Error::SignatureAlgorithm { algorithm: found, fingerprint } => {
            assert_eq!(found, "ssh-dss");
            // The fingerprint is ssh-keygen's.
            let out = repo.command("ssh-keygen").arg("-lf").arg(key.with_extension("pub")).output().unwrap();
            let printed = String::from_utf8(out.stdout).unwrap();
            assert_eq!(printed.split_whitespace().nth(1), Some(fingerprint.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("avow accepts ed25519, ECDSA and RSA (2048 to 4096 bits) keys"), "{err}");
}

#[test]
fn signature_algorithm_must_match_key() {
    // Swap the 64-byte ed25519 signature's algorithm name for another one of
    // the same length, so only the algorithm check can catch it.
    let raw = valid().as_bytes().to_vec();
    let needle = b"\0\0\0\x0bssh-ed25519\0\0\0\x40";
    let pos = raw.windows(needle.len()).rposition(|w| w == needle).unwrap();
    let mut swapped = raw.clone();
    swapped[pos + 4..pos + 15].copy_from_slice(b"ssh-ed25518");
    assert!(Signature::from_bytes(&swapped).is_err());
}

#[test]
fn verify_never_accepts_a_different_payload() {
    let sig = valid();
    verify(crate::props::FIXED_PAYLOAD, &sig).unwrap();
    assert!(verify(b"", &sig).is_err());
    assert!(verify(&[0u8; 10_000], &sig).is_err());
}
