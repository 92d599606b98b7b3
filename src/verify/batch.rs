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
//! When a batch fails, one more multiscalar multiplication usually finds
//! the culprit (`locate_single`: exports rarely hold two forgeries in one
//! batch); otherwise the batch is bisected until each signature has its own
//! answer, small groups checked one by one with [`verify_prepared`], or
//! through a worker's per-key tables ([`verify_each_using`], same answers).

use std::sync::Arc;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use super::table::KeyTables;
use super::{Prepared, VerifyingKey, verify_prepared};

/// A signature ready for the batch, with the key it must verify under.
#[derive(Clone, Debug)]
pub struct Signature {
    /// The signature, checked and reduced.
    pub prepared: Prepared,
    /// The screened key it must verify under.
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
        _ => match decompressed(items) {
            (ready, true) => holds(&ready),
            (_, false) => false,
        },
    }
}

/// Each signature's own answer, in order, equal to [`verify_prepared`] on it.
pub fn verify_each(items: &[Signature]) -> Vec<bool> {
    verify_each_using(items, None)
}

/// As [`verify_each`], the signatures that attribution checks one by one
/// going through `tables` when given (same answers, see [`KeyTables`]).
///
/// `R` is decompressed here, as the multiscalar multiplication needs it: a
/// signature whose `R` is not a point is refused before the batch, the
/// others are checked together.
pub fn verify_each_using(items: &[Signature], tables: Option<&mut KeyTables>) -> Vec<bool> {
    let (ready, all) = decompressed(items);
    let answers = each(&ready, &mut Single { tables });
    if all {
        return answers;
    }
    let mut out = vec![false; items.len()];
    for (r, answer) in ready.iter().zip(answers) {
        out[r.at] = answer;
    }
    out
}

/// A signature of the batch with `R` decompressed.
struct Ready<'a> {
    item: &'a Signature,
    r: EdwardsPoint,
    /// Its position among the signatures given.
    at: usize,
}

/// The signatures whose `R` is a point, and whether all of them are.
fn decompressed(items: &[Signature]) -> (Vec<Ready<'_>>, bool) {
    let ready: Vec<Ready<'_>> = items
        .iter()
        .enumerate()
        .filter_map(|(at, item)| item.prepared.r_point().map(|r| Ready { item, r, at }))
        .collect();
    let all = ready.len() == items.len();
    (ready, all)
}

/// Each signature's own answer: the batch, then the one invalid signature
/// located, or bisection.
fn each(items: &[Ready<'_>], single: &mut Single<'_>) -> Vec<bool> {
    let mut out = vec![false; items.len()];
    if items.len() < SINGLE_BELOW {
        attribute(items, &mut out, false, single);
        return out;
    }
    let weights = weights(items);
    let sum = batch_sum(items, &weights);
    if sum.mul_by_cofactor().is_identity() {
        out.fill(true);
    } else if let Some(bad) = locate_single(items, &weights, &sum, single) {
        out.fill(true);
        out[bad] = false;
    } else {
        attribute(items, &mut out, true, single);
    }
    out
}

/// How signatures are checked one by one: through a worker's tables, or
/// plainly.
struct Single<'a> {
    tables: Option<&'a mut KeyTables>,
}

impl Single<'_> {
    /// `R + [k]A − [S]B` for one signature.
    fn error(&mut self, ready: &Ready<'_>) -> EdwardsPoint {
        let (p, key) = (&ready.item.prepared, &ready.item.key);
        match self.tables.as_deref_mut() {
            Some(tables) => tables.error(p, &ready.r, key),
            None => ready.r - p.image(key),
        }
    }

    fn check(&mut self, ready: &Ready<'_>) -> bool {
        self.error(ready).mul_by_cofactor().is_identity()
    }
}

/// Finds the one invalid signature of a failed batch, if there is exactly
/// one, with one more multiscalar multiplication instead of a bisection.
///
/// With error points `eᵢ = Rᵢ + kᵢ·Aᵢ − Sᵢ·B` (`[8]eᵢ = 0` exactly when
/// signature i is valid), the failed batch gave `E = Σ zᵢ·eᵢ`. The same sum
/// weighted by position, `E′ = Σ (i+1)·zᵢ·eᵢ`, equals `(j+1)·E` after
/// clearing the cofactor when j alone is invalid; a walk over `E, 2E, …`
/// finds j. The guess is then confirmed with the original random weights:
/// `[8]eⱼ ≠ 0` and `[8](E − zⱼ·eⱼ) = 0`, the latter being the batch
/// equation of all the others. Any other outcome (two or more invalid)
/// returns `None` and the caller bisects.
fn locate_single(
    items: &[Ready<'_>],
    weights: &[Scalar],
    sum: &EdwardsPoint,
    single: &mut Single<'_>,
) -> Option<usize> {
    let positioned: Vec<Scalar> = weights
        .iter()
        .enumerate()
        .map(|(i, z)| z * Scalar::from(i as u64 + 1))
        .collect();
    let target = batch_sum(items, &positioned).mul_by_cofactor();
    let step = sum.mul_by_cofactor();
    let mut multiple = step;
    let mut found = None;
    for j in 0..items.len() {
        if multiple == target {
            found = Some(j);
            break;
        }
        multiple += step;
    }
    let j = found?;
    let error = single.error(&items[j]);
    let alone_bad = !error.mul_by_cofactor().is_identity();
    let others_good = (sum - weights[j] * error).mul_by_cofactor().is_identity();
    (alone_bad && others_good).then_some(j)
}

/// `known_bad`: the caller already knows this group fails as a whole.
fn attribute(items: &[Ready<'_>], out: &mut [bool], known_bad: bool, single: &mut Single<'_>) {
    if items.len() < SINGLE_BELOW {
        for (item, slot) in items.iter().zip(out.iter_mut()) {
            *slot = single.check(item);
        }
        return;
    }
    if !known_bad && holds(items) {
        out.fill(true);
        return;
    }
    let mid = items.len() / 2;
    let (left, right) = items.split_at(mid);
    let (out_left, out_right) = out.split_at_mut(mid);
    if holds(left) {
        out_left.fill(true);
        // The whole failed and the left half passed: the right half fails.
        attribute(right, out_right, true, single);
    } else {
        attribute(left, out_left, true, single);
        attribute(right, out_right, false, single);
    }
}

/// Whether every signature of the group is accepted.
fn holds(items: &[Ready<'_>]) -> bool {
    match items {
        [] => true,
        [one] => (one.r - one.item.prepared.image(&one.item.key))
            .mul_by_cofactor()
            .is_identity(),
        _ => batch_sum(items, &weights(items))
            .mul_by_cofactor()
            .is_identity(),
    }
}

/// `Σ zᵢ·Rᵢ + Σ_A (Σ zᵢ·kᵢ)·A − (Σ zᵢ·Sᵢ)·B`, the terms of each key combined.
fn batch_sum(items: &[Ready<'_>], weights: &[Scalar]) -> EdwardsPoint {
    let mut b_coefficient = Scalar::ZERO;
    // (key id, Σ z·k, key point), combined per key below.
    let mut key_terms: Vec<(u32, Scalar, &VerifyingKey)> = Vec::with_capacity(items.len());
    for (ready, z) in items.iter().zip(weights) {
        let item = ready.item;
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
        .map(|i| i.r)
        .chain(combined.iter().map(|c| c.2.point))
        .chain(std::iter::once(ED25519_BASEPOINT_POINT));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
}

/// 128-bit weights from a hash of everything the batch checks.
fn weights(items: &[Ready<'_>]) -> Vec<Scalar> {
    let mut transcript = Sha512::new();
    transcript.update(b"credverify batch v1");
    transcript.update((items.len() as u64).to_le_bytes());
    for Ready { item, .. } in items {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn batch(n: usize, bad: &[usize]) -> Vec<Signature> {
        let keys: Vec<(SigningKey, Arc<VerifyingKey>)> = (0..3u8)
            .map(|i| {
                let sk = SigningKey::from_bytes(&[i + 1; 32]);
                let vk =
                    VerifyingKey::screen(sk.verifying_key().to_bytes(), u32::from(i)).expect("key");
                (sk, Arc::new(vk))
            })
            .collect();
        (0..n)
            .map(|i| {
                let (sk, vk) = &keys[i % keys.len()];
                let msg = [i as u8; 40];
                let mut sig = sk.sign(&msg).to_bytes();
                if bad.contains(&i) {
                    sig[40] ^= 1; // still a canonical S, now wrong
                }
                let sig = if bad.contains(&i) && Prepared::new(&sig, vk, &msg).is_err() {
                    sk.sign(&[0xee; 3]).to_bytes()
                } else {
                    sig
                };
                Signature {
                    prepared: Prepared::new(&sig, vk, &msg).expect("prepares"),
                    key: vk.clone(),
                }
            })
            .collect()
    }

    fn expected(n: usize, bad: &[usize]) -> Vec<bool> {
        (0..n).map(|i| !bad.contains(&i)).collect()
    }

    #[test]
    fn one_bad_signature_is_found_at_every_position() {
        for n in [4, 5, 17, 64] {
            for j in 0..n {
                assert_eq!(
                    verify_each(&batch(n, &[j])),
                    expected(n, &[j]),
                    "n {n}, bad {j}"
                );
            }
        }
    }

    #[test]
    fn several_bad_signatures_fall_back_to_bisection() {
        for bad in [
            &[0, 1][..],
            &[3, 40],
            &[0, 31, 63],
            &[5, 6, 7, 8, 9],
            &(0..64).collect::<Vec<_>>(),
        ] {
            assert_eq!(
                verify_each(&batch(64, bad)),
                expected(64, bad),
                "bad {bad:?}"
            );
        }
        assert_eq!(verify_each(&batch(64, &[])), expected(64, &[]));
    }

    #[test]
    fn copies_of_a_key_combine_with_it() {
        // Workers verify under their own copies of shared keys (same id and
        // bytes, another allocation); a batch may hold both.
        for bad in [&[][..], &[7], &[2, 9]] {
            let mut items = batch(24, bad);
            for item in items.iter_mut().step_by(2) {
                item.key = Arc::new(VerifyingKey::clone(&item.key));
            }
            assert_eq!(verify_each(&items), expected(24, bad), "bad {bad:?}");
            assert_eq!(verify_batch(&items), bad.is_empty(), "bad {bad:?}");
        }
    }
}
