//! Batch verification over the cofactored equation, with attribution.
//!
//! For signatures `(Rᵢ, Sᵢ)` by keys `Aᵢ` with challenges `kᵢ` and 128-bit
//! weights `zᵢ`, the batch holds when
//!
//! ```text
//! [8]( Σ zᵢ·Rᵢ + Σ_A (Σ_{i: Aᵢ = A} zᵢ·kᵢ)·A − (Σ zᵢ·Sᵢ)·B ) = 0
//! ```
//!
//! Terms for the same key are combined into one, so a batch of n signatures
//! from m issuers costs a multiscalar multiplication of n + m + 1 points
//! instead of 2n + 1 (exports come from a handful of issuers).
//!
//! The weights are derived from a hash of the whole batch (every `R`, `S`,
//! `k` and key), Fiat–Shamir style: reproducible from run to run, yet not
//! choosable by whoever wrote the signatures. Each valid signature satisfies
//! its own cofactored equation, so a batch of valid signatures always passes;
//! a batch holding an invalid one passes with probability about 2^-125.
//! A failed batch is bisected until each signature has its own answer, and
//! small groups are checked one by one with [`verify_prepared`].

use std::sync::Arc;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use super::{Prepared, VerifyingKey, verify_prepared};

/// A signature ready for the batch, with the key it must verify under.
#[derive(Clone, Debug)]
pub struct Signature {
    pub prepared: Prepared,
    pub key: Arc<VerifyingKey>,
}

/// Below this size a failed group is checked signature by signature: a
/// single cofactored check costs about two batch terms, and bisecting a group
/// of four needs at least two more multiscalar multiplications.
const SINGLE_BELOW: usize = 4;

/// Whether every signature of the batch is accepted.
pub fn verify_batch(items: &[Signature]) -> bool {
    match items {
        [] => true,
        [one] => verify_prepared(&one.prepared, &one.key),
        _ => equation(items),
    }
}

/// Each signature's own answer, in order, equal to [`verify_prepared`] on it.
pub fn verify_each(items: &[Signature]) -> Vec<bool> {
    let mut out = vec![false; items.len()];
    attribute(items, &mut out, false);
    out
}

/// `known_bad`: the caller already knows this group fails as a whole.
fn attribute(items: &[Signature], out: &mut [bool], known_bad: bool) {
    if items.len() < SINGLE_BELOW {
        for (item, slot) in items.iter().zip(out.iter_mut()) {
            *slot = verify_prepared(&item.prepared, &item.key);
        }
        return;
    }
    if !known_bad && verify_batch(items) {
        out.fill(true);
        return;
    }
    let mid = items.len() / 2;
    let (left, right) = items.split_at(mid);
    let (out_left, out_right) = out.split_at_mut(mid);
    if verify_batch(left) {
        out_left.fill(true);
        // The whole failed and the left half passed: the right half fails.
        attribute(right, out_right, true);
    } else {
        attribute(left, out_left, true);
        attribute(right, out_right, false);
    }
}

fn equation(items: &[Signature]) -> bool {
    let weights = weights(items);
    let mut b_coefficient = Scalar::ZERO;
    // (key id, Σ z·k, key point), combined per key below.
    let mut key_terms: Vec<(u32, Scalar, &VerifyingKey)> = Vec::with_capacity(items.len());
    for (item, z) in items.iter().zip(&weights) {
        b_coefficient -= z * item.prepared.s;
        key_terms.push((item.key.id, z * item.prepared.k, &item.key));
    }
    key_terms.sort_unstable_by_key(|t| t.0);
    // Ids are unique per screened key; comparing the bytes as well keeps the
    // equation right even if a caller numbered two keys alike.
    let mut combined: Vec<(u32, Scalar, &VerifyingKey)> = Vec::new();
    for (id, scalar, key) in key_terms {
        match combined.last_mut() {
            Some((last, acc, last_key)) if *last == id && last_key.bytes == key.bytes => {
                *acc += scalar
            }
            _ => combined.push((id, scalar, key)),
        }
    }
    let scalars = weights
        .iter()
        .copied()
        .chain(combined.iter().map(|c| c.1))
        .chain(std::iter::once(b_coefficient));
    let points = items
        .iter()
        .map(|i| i.prepared.r)
        .chain(combined.iter().map(|c| c.2.point))
        .chain(std::iter::once(ED25519_BASEPOINT_POINT));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// 128-bit weights from a hash of everything the batch checks.
fn weights(items: &[Signature]) -> Vec<Scalar> {
    let mut transcript = Sha512::new();
    transcript.update(b"credverify batch v1");
    transcript.update((items.len() as u64).to_le_bytes());
    for item in items {
        transcript.update(item.prepared.r_bytes);
        transcript.update(item.prepared.s.as_bytes());
        transcript.update(item.prepared.k.as_bytes());
        transcript.update(item.key.bytes);
    }
    let seed: [u8; 64] = transcript.finalize().into();
    let mut weights = Vec::with_capacity(items.len());
    let mut counter = 0u64;
    while weights.len() < items.len() {
        let mut h = Sha512::new();
        h.update(seed);
        h.update(counter.to_le_bytes());
        counter += 1;
        let block: [u8; 64] = h.finalize().into();
        for part in block.chunks_exact(16) {
            if weights.len() == items.len() {
                break;
            }
            let mut bytes = [0u8; 32];
            bytes[..16].copy_from_slice(part);
            weights.push(Scalar::from_bytes_mod_order(bytes));
        }
    }
    weights
}
