//! The batch signature check (avow-sign's batch.rs) attacked through the
//! real binary: a contributor replaces the signature the hook made with an
//! ed25519 signature made by hand with the same ssh-keygen key, one that
//! `ssh-keygen -Y verify` refuses, and counts on `git avow verify`, which
//! checks a range's signatures in batches, accepting it.

use avow_sign::Signature;
use avow_testutil::forge::{identity_negative_zero, identity_y_plus_p, torsion, Ed25519Key};

use crate::attacks::{payload, set_sig_field};
use crate::interop::ssh_keygen_verifies_head;
use crate::support::World;

/// HEAD: a commit by Alice, attested by the hook, on top of `base`.
fn attested_commit() -> (World, Ed25519Key) {
    let w = World::adopted("disclose");
    w.change("src/lib.rs", "pub fn answer() -> u32 { 42 }\n", "Add the answer");
    w.verify("base..HEAD").expect(0);
    let key = Ed25519Key::read(&w.key);
    (w, key)
}

/// Entry 101: `R` is the identity written non-canonically (y = p + 1, or
/// x's sign bit set on x = 0) and `s = H(R‖A‖M)·a`. ssh-keygen compares
/// `R`'s bytes with the encoding of `sB − hA`, always canonical, and
/// refuses it; a batch decompresses `R` and its equation holds whatever
/// the coefficients, so every batch accepted it. Now the batch leaves such
/// an `R` to single verification, which refuses it as ssh-keygen does.
#[test]
fn non_canonical_identity_r_is_refused_as_ssh_keygen_refuses_it() {
    for r in [identity_y_plus_p(), identity_negative_zero()] {
        let (w, key) = attested_commit();
        let payload = payload(&w);
        let forged = Signature::from_sshsig(&key.sign_identity_r(payload.as_bytes(), r)).unwrap();
        set_sig_field(&w, "s", &forged.to_base64());
        let (_, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
        assert!(!out.status.success(), "ssh-keygen accepted R = {r:02x?}");
        let run = w.verify("base..HEAD").expect(1);
        assert!(run.stdout.contains("signature.invalid"), "{}", run.stdout);
        // The same, among good commits in one batch.
        w.change("src/more.rs", "pub fn more() {}\n", "Add more");
        w.verify("base..HEAD").expect(1);
    }
}

/// Entry 102, a limit: `R = rB + T` with `T` of small order, made (by the
/// key's holder: `s = r + h·a`) and retried until the coefficient a batch
/// of this one signature draws is a multiple of `T`'s order. ssh-keygen
/// refuses it; `git avow verify` of a range in which it is the only
/// signature accepts it, and single verification (a batch that fails for
/// another commit's bad signature) refuses it. What it proves is still
/// that the key's holder signed this payload.
#[test]
fn small_order_r_ground_for_a_batch_of_one_is_the_stated_limit() {
    let (w, key) = attested_commit();
    let payload = payload(&w);
    let sig = (0..400u64)
        .map(|n| Signature::from_sshsig(&key.sign_with(payload.as_bytes(), n, torsion(8))).unwrap())
        .find(|sig| avow_sign::verify_many(&[(payload.as_bytes(), sig)])[0].is_ok())
        .expect("one try in eight passes");
    assert!(avow_sign::verify(payload.as_bytes(), &sig).is_err());
    set_sig_field(&w, "s", &sig.to_base64());
    let (_, out) = ssh_keygen_verifies_head(&w, "avow-attestation@v1");
    assert!(!out.status.success(), "ssh-keygen accepted a small-order R");
    w.verify("base..HEAD").expect(0);
}
