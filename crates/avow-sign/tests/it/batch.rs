//! Batch verification answers exactly as one-by-one verification does.

use avow_sign::{fingerprint, verify, verify_many, Error, KeySource, Signature, Signer, BATCH};
use avow_testutil::TestRepo;

use crate::support::{keygen_sign, no_prompt};

/// Payloads and signatures by two keys, across more than one batch.
fn signed(repo: &TestRepo, n: usize) -> (Vec<Vec<u8>>, Vec<Signature>, [Signer; 2]) {
    let load = |name| Signer::load_with_agent(&KeySource::File(repo.keygen(name)), &mut no_prompt, None).unwrap();
    let signers = [load("alice"), load("bob")];
    let payloads: Vec<Vec<u8>> = (0..n).map(|i| format!("avow-attestation v1\nnumber {i}\n").into_bytes()).collect();
    let sigs = payloads.iter().enumerate().map(|(i, p)| signers[i % 2].sign(p).unwrap()).collect();
    (payloads, sigs, signers)
}

#[test]
fn good_signatures_all_verify_with_their_keys() {
    let repo = TestRepo::new();
    let n = BATCH * 2 + 3;
    let (payloads, sigs, signers) = signed(&repo, n);
    let items: Vec<(&[u8], &Signature)> = payloads.iter().map(Vec::as_slice).zip(&sigs).collect();
    let answers = verify_many(&items);
    assert_eq!(answers.len(), n);
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(fingerprint(a.as_ref().unwrap()), fingerprint(signers[i % 2].public_key()), "{i}");
    }
}

#[test]
fn a_bad_signature_in_a_batch_is_named_and_its_neighbours_pass() {
    let repo = TestRepo::new();
    let (mut payloads, mut sigs, _) = signed(&repo, BATCH + 10);
    // One payload changed after signing, one signature swapped for another
    // payload's, one made for namespace `git` by ssh-keygen.
    payloads[5].push(b'x');
    sigs.swap(BATCH + 1, BATCH + 3);
    let key = repo.keygen("carol");
    sigs[BATCH + 7] = Signature::from_armored(&keygen_sign(&repo, &key, "git", &payloads[BATCH + 7])).unwrap();
    let items: Vec<(&[u8], &Signature)> = payloads.iter().map(Vec::as_slice).zip(&sigs).collect();
    let answers = verify_many(&items);
    for (i, a) in answers.iter().enumerate() {
        let alone = verify(items[i].0, items[i].1);
        assert_eq!(a.is_ok(), alone.is_ok(), "{i}");
        match i {
            5 => assert!(matches!(a, Err(Error::BadSignature { .. })), "{a:?}"),
            x if x == BATCH + 1 || x == BATCH + 3 => assert!(matches!(a, Err(Error::BadSignature { .. })), "{a:?}"),
            x if x == BATCH + 7 => assert!(matches!(a, Err(Error::WrongNamespace { .. })), "{a:?}"),
            _ => assert!(a.is_ok(), "{i}: {a:?}"),
        }
    }
}
