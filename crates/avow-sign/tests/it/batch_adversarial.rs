//! Hand-made ed25519 signatures (non-canonical `R` and `s`, small-order and
//! mixed-order `R`, the identity) fed to the batch path ([`verify_many`]),
//! to single verification ([`verify`]) and to real `ssh-keygen -Y verify`,
//! with keys ssh-keygen generated.
//!
//! What must hold: whatever avow accepts, in a batch or alone, ssh-keygen
//! accepts too; and the batch answers as [`verify`] does — except for the
//! one documented difference of every ed25519 batch check (batch.rs,
//! threat-model entry 102): an `R` with a small-order component, which
//! only the key's holder can make.

use avow_sign::ssh_key::SshSig;
use avow_sign::{verify, verify_many, Signature};
use avow_testutil::forge::{identity_negative_zero, identity_y_plus_p, plus_l, torsion, Ed25519Key, EdwardsPoint};
use avow_testutil::TestRepo;
use proptest::prelude::*;

use crate::support::keygen_verify;

/// The ways a signature is made here.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `R = rB`, `s = r + h·a`.
    Honest,
    /// `R` the identity, written canonically, `s = h·a` (gives the key away).
    IdentityCanonical,
    /// `R` the identity written with `y = p + 1`, `s = h·a`.
    IdentityYPlusP,
    /// `R` the identity with x's sign bit set, `s = h·a`.
    IdentityNegativeZero,
    /// An honest `s` plus ℓ.
    SPlusL,
    /// `R = rB + T` for a point `T` of this order, retried over `r` until a
    /// batch of this signature alone passes.
    TorsionR(u32),
    /// The honest signature over another payload.
    OtherPayload,
}

const KINDS: [Kind; 9] = [
    Kind::Honest,
    Kind::IdentityCanonical,
    Kind::IdentityYPlusP,
    Kind::IdentityNegativeZero,
    Kind::SPlusL,
    Kind::TorsionR(2),
    Kind::TorsionR(4),
    Kind::TorsionR(8),
    Kind::OtherPayload,
];

fn wrap(sig: &SshSig) -> Signature {
    Signature::from_sshsig(sig).unwrap()
}

fn make(key: &Ed25519Key, payload: &[u8], kind: Kind, nonce: u64) -> Signature {
    let no_torsion = EdwardsPoint::default();
    match kind {
        Kind::Honest => wrap(&key.sign_with(payload, nonce, no_torsion)),
        Kind::OtherPayload => wrap(&key.sign_with(b"another payload", nonce, no_torsion)),
        Kind::IdentityCanonical => wrap(&key.sign_identity_r(payload, EdwardsPoint::default().compress().to_bytes())),
        Kind::IdentityYPlusP => wrap(&key.sign_identity_r(payload, identity_y_plus_p())),
        Kind::IdentityNegativeZero => wrap(&key.sign_identity_r(payload, identity_negative_zero())),
        Kind::SPlusL => {
            let honest = key.sign_with(payload, nonce, no_torsion);
            let (r, s) = honest.signature_bytes().split_at(32);
            wrap(&key.sshsig(r.try_into().unwrap(), plus_l(s.try_into().unwrap())))
        }
        Kind::TorsionR(order) => {
            let t = torsion(order);
            (nonce..nonce + 400)
                .map(|n| wrap(&key.sign_with(payload, n, t)))
                .find(|sig| verify_many(&[(payload, sig)])[0].is_ok())
                .expect("a batch of one passes one time in `order`")
        }
    }
}

/// ssh-keygen's verdict on `sig` over `payload`.
fn keygen_accepts(repo: &TestRepo, key: &Ed25519Key, sig: &Signature, payload: &[u8]) -> bool {
    keygen_verify(repo, &key.openssh(), &sig.to_armored(), payload).status.success()
}

/// ed25519-dalek's `verify_strict` of `sig` over `payload` (SSHSIG's signed
/// data): refuses small-order `R` and keys besides what `verify` refuses.
fn strict_accepts(sig: &Signature, payload: &[u8]) -> bool {
    let sshsig = sig.as_sshsig();
    let avow_sign::ssh_key::public::KeyData::Ed25519(pk) = sshsig.public_key() else { return false };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk.0) else { return false };
    let Ok(bytes) = <[u8; 64]>::try_from(sshsig.signature_bytes()) else { return false };
    let m = SshSig::signed_data(avow_sign::NAMESPACE, sshsig.hash_alg(), payload).unwrap();
    key.verify_strict(&m, &ed25519_dalek::Signature::from_bytes(&bytes)).is_ok()
}

/// Each kind's verdicts: the batch (alone and among good signatures),
/// single verification, ed25519-dalek's strict verification and
/// ssh-keygen.
#[test]
fn hand_made_signatures_batch_single_and_ssh_keygen() {
    let repo = TestRepo::new();
    let key = Ed25519Key::read(&repo.keygen("alice"));
    let payload = b"avow-attestation v2\nchange none\n".as_slice();
    let good: Vec<Signature> = (0..5).map(|n| make(&key, payload, Kind::Honest, 1000 + n)).collect();
    for kind in KINDS {
        let sig = make(&key, payload, kind, 7);
        let alone = verify(payload, &sig).is_ok();
        let batch_of_one = verify_many(&[(payload, &sig)])[0].is_ok();
        let mut items: Vec<(&[u8], &Signature)> = good.iter().map(|g| (payload, g)).collect();
        items.insert(2, (payload, &sig));
        let answers = verify_many(&items);
        assert!(answers.iter().enumerate().all(|(i, a)| i == 2 || a.is_ok()), "{kind:?}: a neighbour failed");
        let keygen = keygen_accepts(&repo, &key, &sig, payload);
        // The strict check accepts nothing that ssh-keygen refuses.
        assert!(keygen || !strict_accepts(&sig, payload), "{kind:?}");
        match kind {
            Kind::Honest => assert_eq!((alone, batch_of_one, keygen), (true, true, true)),
            // ssh-keygen and avow accept it (the equation holds, and R is
            // the canonical encoding of sB − hA); only the strict check
            // refuses a small-order R.
            Kind::IdentityCanonical => {
                assert_eq!((alone, batch_of_one, keygen, strict_accepts(&sig, payload)), (true, true, true, false));
            }
            // ssh-keygen reduces s mod ℓ; avow refuses an s that is not.
            Kind::SPlusL => assert_eq!((alone, batch_of_one, keygen), (false, false, true)),
            // The documented difference: made to pass a batch of one, it
            // does; alone and for ssh-keygen it fails.
            Kind::TorsionR(_) => assert_eq!((alone, batch_of_one, keygen), (false, true, false), "{kind:?}"),
            _ => assert_eq!((alone, batch_of_one, keygen), (false, false, false), "{kind:?}"),
        }
        if !matches!(kind, Kind::TorsionR(_)) {
            assert_eq!(answers[2].is_ok(), alone, "{kind:?} among good signatures");
        }
    }
}

/// Random batches of the kinds above by three ssh-keygen keys, in random
/// order: the batch answers as single verification for every signature
/// but one with a small-order `R` (the documented difference), and
/// whatever avow accepts ssh-keygen accepts. (An explicit runner rather
/// than `proptest!`, so that the repository and keys the cases share are
/// made once and still removed when the test ends.)
#[test]
fn batch_agrees_with_single_and_ssh_keygen() {
    let repo = TestRepo::new();
    let keys = ["k0", "k1", "k2"].map(|n| Ed25519Key::read(&repo.keygen(n)));
    let picks = proptest::collection::vec((0..KINDS.len(), any::<u64>(), 0..3usize), 1..12);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(48));
    let result = runner.run(&picks, |picks| {
        let payloads: Vec<Vec<u8>> = (0..picks.len()).map(|i| format!("payload {i}\n").into_bytes()).collect();
        let sigs: Vec<Signature> = picks
            .iter()
            .zip(&payloads)
            .map(|((k, n, who), p)| make(&keys[*who], p, KINDS[*k], *n % 1_000_000))
            .collect();
        let items: Vec<(&[u8], &Signature)> = payloads.iter().map(Vec::as_slice).zip(&sigs).collect();
        let answers = verify_many(&items);
        for (i, ((k, _, who), answer)) in picks.iter().zip(&answers).enumerate() {
            let kind = KINDS[*k];
            if matches!(kind, Kind::TorsionR(_)) {
                continue;
            }
            let alone = verify(items[i].0, items[i].1).is_ok();
            prop_assert_eq!(answer.is_ok(), alone, "{:?} at {}", kind, i);
            if answer.is_ok() {
                prop_assert!(
                    keygen_accepts(&repo, &keys[*who], items[i].1, items[i].0),
                    "{:?}: avow accepts, ssh-keygen refuses",
                    kind
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
