//! Verifying many signatures at once: ed25519 batch verification, with a
//! fallback that checks each signature alone when a batch fails, so the
//! answer is per signature as [`verify`] gives it.
//!
//! One ed25519 verification is a double scalar multiplication; a batch of
//! n signatures by k keys is one multi-scalar multiplication of size
//! n + k + 1 (ed25519-dalek's `verify_batch` equation, whose size is
//! 2n + 1, with each key's terms added up: `batch_holds`), well under
//! half the cost per signature. Only plain `ssh-ed25519`
//! signatures over SSHSIG signed data with an empty reserved field take the
//! batch; anything else (security-key signatures, whose signed message
//! carries the authenticator data, or a signature whose namespace or key
//! type [`verify`] refuses, or one whose `R` is not written canonically) is
//! answered by [`verify`] itself.
//!
//! A batch that passes means every signature in it satisfies the ed25519
//! equation for its key and message (the batch's random coefficients are
//! derived from all of its inputs, so they cannot be chosen to cancel a bad
//! signature). A batch that fails names nothing: then each of its
//! signatures is verified alone, so the bad one is named, and the good ones
//! beside it still pass.
//!
//! Batch and single verification differ where every ed25519 batch
//! verification differs from the single check: a signature whose equation
//! holds only up to a small-order point (its `R` or its key carrying a
//! torsion component) fails alone but passes a batch when the coefficient
//! drawn for it is a multiple of that point's order (at least one time in
//! eight; whoever makes the signature can try again until it is). Making
//! such a signature takes the key's secret — `s = r + H(R‖A‖M)·a` — so it
//! still proves that the key's holder signed that payload; no one else can
//! make one, and honest signers (ssh-keygen, ssh-agent) never do
//! (docs/threat-model.md, entry 102).

use ssh_key::public::KeyData;
use ssh_key::{PublicKey, SshSig};

use crate::signature::{verify, Signature};
use crate::{Error, NAMESPACE};

/// Signatures verified in one ed25519 batch: large enough that the
/// multi-scalar multiplication's savings are almost all there, small enough
/// that a failed batch costs little to redo one by one.
pub const BATCH: usize = 64;

/// The parts of an `ssh-ed25519` SSHSIG signature that the ed25519 equation
/// needs.
struct Prepared {
    key: ed25519_dalek::VerifyingKey,
    signed_data: Vec<u8>,
    signature: ed25519_dalek::Signature,
}

/// The keys of one [`verify_many`] call, decompressed once each: a range is
/// signed with a few keys, and decompressing one (a square root in the
/// field) costs about a quarter of what a signature costs in a batch.
#[derive(Default)]
struct Keys(Vec<([u8; 32], ed25519_dalek::VerifyingKey)>);

impl Keys {
    /// The curve point `bytes` encode, or `None` when they encode none.
    fn get(&mut self, bytes: &[u8; 32]) -> Option<ed25519_dalek::VerifyingKey> {
        if let Some((_, key)) = self.0.iter().find(|(b, _)| b == bytes) {
            return Some(*key);
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).ok()?;
        // Bounded, so that a range of many keys costs a linear search of at
        // most this many per signature.
        if self.0.len() < BATCH {
            self.0.push((*bytes, key));
        }
        Some(key)
    }
}

/// The batchable parts of `sig` over `payload`, or `None` when only
/// [`verify`] can answer (another key type or namespace, a reserved field,
/// a key that is not a curve point).
fn prepare(payload: &[u8], sig: &SshSig, keys: &mut Keys) -> Option<Prepared> {
    let KeyData::Ed25519(pk) = sig.public_key() else { return None };
    if sig.namespace() != NAMESPACE || !sig.reserved().is_empty() {
        return None;
    }
    let key = keys.get(&pk.0)?;
    let signature = ed25519_dalek::Signature::try_from(sig.signature()).ok()?;
    if !canonical(signature.r_bytes()) {
        return None;
    }
    let signed_data = SshSig::signed_data(NAMESPACE, sig.hash_alg(), payload).ok()?;
    Some(Prepared { key, signed_data, signature })
}

/// Whether `bytes` are the one encoding of their point: `y` below the
/// field's prime `p = 2²⁵⁵ − 19`, and the sign bit of `x` clear when `x` is 0
/// (the points `y = ±1`). Single verification (and `ssh-keygen -Y verify`)
/// compares `R`'s bytes with the encoding of `sB − hA`, which is always
/// canonical, so it refuses any other `R`; the batch decompresses `R`, which
/// reduces `y`, and would accept the identity written as `y = p + 1` with
/// `s = h·a` (avow-sign's `batch_adversarial` tests). Such an `R` goes to
/// [`verify`].
fn canonical(bytes: &[u8; 32]) -> bool {
    let sign = bytes[31] & 0x80 != 0;
    let top = bytes[31] & 0x7f;
    let middle_all_ones = bytes[1..31].iter().all(|&b| b == 0xff);
    let y_at_least_p = top == 0x7f && middle_all_ones && bytes[0] >= 0xed;
    let y_is_one = bytes[0] == 1 && top == 0 && bytes[1..31].iter().all(|&b| b == 0);
    let y_is_p_minus_one = top == 0x7f && middle_all_ones && bytes[0] == 0xec;
    !y_at_least_p && !(sign && (y_is_one || y_is_p_minus_one))
}

/// Verifies each `(payload, signature)` pair, as [`verify`] does one: the
/// answers are in the order given, and equal to [`verify`]'s for each pair.
/// Plain ed25519 signatures are verified in batches of [`BATCH`]; when a
/// batch fails, each of its signatures is verified alone, so the answer
/// still names which one is bad.
pub fn verify_many(items: &[(&[u8], &Signature)]) -> Vec<Result<PublicKey, Error>> {
    let mut out: Vec<Option<Result<PublicKey, Error>>> = Vec::with_capacity(items.len());
    let mut pending: Vec<(usize, Prepared)> = Vec::with_capacity(BATCH.min(items.len()));
    let mut keys = Keys::default();
    for (i, (payload, sig)) in items.iter().enumerate() {
        match prepare(payload, sig.as_sshsig(), &mut keys) {
            Some(p) => {
                out.push(None);
                pending.push((i, p));
                if pending.len() == BATCH {
                    settle(items, &mut pending, &mut out);
                }
            }
            None => out.push(Some(verify(payload, sig))),
        }
    }
    settle(items, &mut pending, &mut out);
    out.into_iter().map(|r| r.expect("every item is answered")).collect()
}

/// Verifies the pending batch and fills in its answers.
fn settle(
    items: &[(&[u8], &Signature)],
    pending: &mut Vec<(usize, Prepared)>,
    out: &mut [Option<Result<PublicKey, Error>>],
) {
    if pending.is_empty() {
        return;
    }
    let messages: Vec<&[u8]> = pending.iter().map(|(_, p)| p.signed_data.as_slice()).collect();
    let signatures: Vec<ed25519_dalek::Signature> = pending.iter().map(|(_, p)| p.signature).collect();
    let keys: Vec<ed25519_dalek::VerifyingKey> = pending.iter().map(|(_, p)| p.key).collect();
    let all_good = batch_holds(&messages, &signatures, &keys);
    for (i, _) in pending.drain(..) {
        let (payload, sig) = items[i];
        out[i] = Some(if all_good {
            Ok(PublicKey::from(sig.as_sshsig().public_key().clone()))
        } else {
            verify(payload, sig)
        });
    }
}

/// ed25519-dalek's `verify_batch` (2.2): the same random linear
/// combination of the signatures' equations, with the same coefficients
/// (drawn from a Merlin transcript of every signature's `H(R‖A‖M)` and `s`,
/// so a signer cannot choose them), checked in one multi-scalar
/// multiplication — except that the terms of each distinct key are added up
/// first: `Σ zᵢhᵢ·A` is one point's term per key instead of one per
/// signature, which halves the multiplication when one key signs most of a
/// batch. The sum is the same group element, so the answer is
/// `verify_batch`'s for every input (a unit test compares them).
#[allow(non_snake_case, reason = "the curve's names: B, R, A")]
fn batch_holds(
    messages: &[&[u8]],
    signatures: &[ed25519_dalek::Signature],
    keys: &[ed25519_dalek::VerifyingKey],
) -> bool {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::{IsIdentity as _, VartimeMultiscalarMul as _};
    use rand_core::RngCore as _;
    use sha2::Digest as _;

    if signatures.len() != messages.len() || keys.len() != messages.len() {
        return false;
    }
    let hrams: Vec<[u8; 64]> = (0..signatures.len())
        .map(|i| {
            let mut h = sha2::Sha512::new();
            h.update(signatures[i].r_bytes());
            h.update(keys[i].as_bytes());
            h.update(messages[i]);
            h.finalize().into()
        })
        .collect();
    let mut transcript = merlin::Transcript::new(b"ed25519 batch verification");
    for hram in &hrams {
        transcript.append_message(b"hram", hram);
    }
    for sig in signatures {
        transcript.append_message(b"sig.s", sig.s_bytes());
    }
    let mut rng = transcript.build_rng().finalize(&mut ZeroRng);
    // A non-canonical `s` fails the batch, as in ed25519-dalek.
    let Some(ss) = signatures
        .iter()
        .map(|sig| Option::from(Scalar::from_canonical_bytes(*sig.s_bytes())))
        .collect::<Option<Vec<Scalar>>>()
    else {
        return false;
    };
    let mut B_coefficient = Scalar::ZERO;
    let mut zs = Vec::with_capacity(signatures.len());
    // Each distinct key and the sum of its zᵢhᵢ.
    let mut A_terms: Vec<(&ed25519_dalek::VerifyingKey, Scalar)> = Vec::new();
    for ((s, hram), key) in ss.iter().zip(&hrams).zip(keys) {
        let mut buf = [0u8; 16];
        rng.fill_bytes(&mut buf);
        let z = Scalar::from(u128::from_le_bytes(buf));
        B_coefficient += z * s;
        let zh = z * Scalar::from_bytes_mod_order_wide(hram);
        match A_terms.iter_mut().find(|(k, _)| k.as_bytes() == key.as_bytes()) {
            Some((_, sum)) => *sum += zh,
            None => A_terms.push((key, zh)),
        }
        zs.push(z);
    }
    let Rs = signatures.iter().map(|sig| CompressedEdwardsY(*sig.r_bytes()).decompress());
    let As = A_terms.iter().map(|(k, _)| Some(k.to_edwards()));
    let scalars = std::iter::once(-B_coefficient).chain(zs).chain(A_terms.iter().map(|(_, sum)| *sum));
    let points = std::iter::once(Some(ED25519_BASEPOINT_POINT)).chain(Rs).chain(As);
    EdwardsPoint::optional_multiscalar_mul(scalars, points).is_some_and(|id| id.is_identity())
}

/// The "random" source Merlin mixes into the transcript's: none, as in
/// ed25519-dalek's `verify_batch` (the coefficients then depend on the
/// signatures alone, deterministically, and are still unpredictable to
/// whoever made them).
struct ZeroRng;

impl rand_core::RngCore for ZeroRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, _dest: &mut [u8]) {}

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for ZeroRng {}

#[cfg(test)]
mod tests {
    use super::*;

    /// `canonical` is "decompresses and compresses back to the same bytes"
    /// on every encoding near the edges (y around 0, 1, p − 1, p and 2²⁵⁵ − 1,
    /// each sign) and on points of the curve.
    #[test]
    fn canonical_is_a_round_trip() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let mut cases: Vec<[u8; 32]> = Vec::new();
        for low in 0u8..=255 {
            for (middle, top) in [(0u8, 0u8), (0xff, 0x7f)] {
                for sign in [0u8, 0x80] {
                    let mut b = [middle; 32];
                    b[0] = low;
                    b[31] = top | sign;
                    cases.push(b);
                }
            }
        }
        let points = (1u64..200).map(|i| {
            (curve25519_dalek::constants::ED25519_BASEPOINT_POINT * curve25519_dalek::Scalar::from(i))
                .compress()
                .to_bytes()
        });
        cases.extend(points);
        let mut decodable = 0;
        for b in cases {
            if let Some(p) = CompressedEdwardsY(b).decompress() {
                decodable += 1;
                assert_eq!(canonical(&b), p.compress().to_bytes() == b, "{b:02x?}");
            }
        }
        assert!(decodable > 200);
    }

    #[test]
    fn an_empty_list_has_no_answers() {
        assert!(verify_many(&[]).is_empty());
    }

    /// `batch_holds` answers as ed25519-dalek's `verify_batch` on batches of
    /// one to three keys, all good, or with one signature over another
    /// message, one `s` out of range, one `R` that is not a point, or a key
    /// given twice in the batch under different signatures.
    #[test]
    fn batch_holds_is_verify_batch() {
        use ed25519_dalek::{Signer as _, SigningKey};
        let signers: Vec<SigningKey> = (1..=3u8).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        for n in [1, 2, 5, 64] {
            for key_count in 1..=3 {
                let messages: Vec<Vec<u8>> = (0..n).map(|i| format!("payload {i} of {n}").into_bytes()).collect();
                let signer = |i: usize| &signers[i % key_count];
                let good: Vec<ed25519_dalek::Signature> =
                    messages.iter().enumerate().map(|(i, m)| signer(i).sign(m)).collect();
                let keys: Vec<ed25519_dalek::VerifyingKey> = (0..n).map(|i| signer(i).verifying_key()).collect();
                let mut cases = vec![good.clone()];
                let last = n - 1;
                let mut other_message = good.clone();
                other_message[last] = signer(last).sign(b"another message");
                cases.push(other_message);
                let mut big_s = good.clone();
                let mut bytes = big_s[last].to_bytes();
                bytes[63] |= 0xf0;
                big_s[last] = ed25519_dalek::Signature::from_bytes(&bytes);
                cases.push(big_s);
                let mut no_point = good.clone();
                let mut bytes = no_point[0].to_bytes();
                bytes[..32].copy_from_slice(&[0xff; 32]);
                no_point[0] = ed25519_dalek::Signature::from_bytes(&bytes);
                cases.push(no_point);
                let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
                for (c, sigs) in cases.iter().enumerate() {
                    let theirs = ed25519_dalek::verify_batch(&refs, sigs, &keys).is_ok();
                    assert_eq!(batch_holds(&refs, sigs, &keys), theirs, "{n} signatures, {key_count} keys, case {c}");
                    assert_eq!(theirs, c == 0, "{n} signatures, {key_count} keys, case {c}");
                }
            }
        }
    }
}
