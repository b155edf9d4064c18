//! Verifying many signatures at once: ed25519 batch verification, with a
//! fallback that checks each signature alone when a batch fails, so the
//! answer is per signature exactly as [`verify`] gives it.
//!
//! One ed25519 verification is a double scalar multiplication; a batch of
//! n is one multi-scalar multiplication of size 2n + 1, about half the cost
//! per signature (ed25519-dalek's `verify_batch`). Only plain `ssh-ed25519`
//! signatures over SSHSIG signed data with an empty reserved field take the
//! batch; anything else (security-key signatures, whose signed message
//! carries the authenticator data, or a signature whose namespace or key
//! type [`verify`] refuses) is answered by [`verify`] itself.
//!
//! A batch that passes means every signature in it satisfies the ed25519
//! equation for its key and message (the batch's random coefficients are
//! derived from all of its inputs, so they cannot be chosen to cancel a bad
//! signature). A batch that fails names nothing: then each of its
//! signatures is verified alone, so the bad one is named, and the good ones
//! beside it still pass.

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
    let signed_data = SshSig::signed_data(NAMESPACE, sig.hash_alg(), payload).ok()?;
    Some(Prepared { key, signed_data, signature })
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
    let all_good = ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok();
    for (i, _) in pending.drain(..) {
        let (payload, sig) = items[i];
        out[i] = Some(if all_good {
            Ok(PublicKey::from(sig.as_sshsig().public_key().clone()))
        } else {
            verify(payload, sig)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_has_no_answers() {
        assert!(verify_many(&[]).is_empty());
    }
}
