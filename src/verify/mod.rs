//! Ed25519 verification exactly per CONTRACT.md's acceptance rule.
//!
//! A signature `(R, S)` by key `A` on message `M` is accepted when `S < ℓ`,
//! `A` and `R` are canonical encodings of points, neither has small order,
//! `A` is torsion-free (checked once per key, in [`VerifyingKey::screen`]),
//! and the cofactored equation `[8][S]B = [8]R + [8][k]A` holds, with
//! `k = SHA-512(R ‖ A ‖ M) mod ℓ` (RFC 8032 §5.1.7; FIPS 186-5 §7.8.2).
//!
//! [`batch`] checks many signatures with one multiscalar multiplication over
//! the same cofactored equation, so a valid signature passes in any batch and
//! an invalid one fails in every batch except with probability about 2^-125:
//! a record's verdict never depends on its batch. When invalid signatures
//! are dense, [`tuner`] checks them one by one instead, through per-key
//! fixed-base tables ([`table`]) that compute the same equation.

pub mod batch;
pub mod ecdsa;
pub mod key;
pub mod queue;
pub mod rsa;
pub mod table;
pub mod tuner;

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

/// A public key that passed screening: canonical, not of small order,
/// in the prime-order subgroup. Screening is the expensive part (a point
/// decompression and a scalar multiplication by ℓ), so keys are screened
/// once per run and shared.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    /// A dense number, unique within a run, used to combine batch terms.
    pub id: u32,
    /// The key's encoding `A`, as hashed into each challenge.
    pub bytes: [u8; 32],
    pub(crate) point: EdwardsPoint,
    pub(crate) minus_point: EdwardsPoint,
}

/// Why a key or a signature is refused before the equation is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The key's `y` is not below `p = 2^255 - 19`.
    #[error("the key is not a canonical point encoding")]
    KeyNotCanonical,
    /// The key's `y` has no `x` on the curve.
    #[error("the key is not a point on the curve")]
    KeyNotOnCurve,
    /// The key is one of the eight points of small order.
    #[error("the key has small order")]
    KeySmallOrder,
    /// The key is outside the prime-order subgroup.
    #[error("the key has a torsion component")]
    KeyTorsion,
    /// `S` is not below `ℓ`.
    #[error("S is not below the group order")]
    SNotCanonical,
    /// `R`'s `y` is not below `p = 2^255 - 19`.
    #[error("R is not a canonical point encoding")]
    RNotCanonical,
    /// `R`'s `y` has no `x` on the curve. Only [`verify`] reports it: a
    /// [`Prepared`] signature leaves `R` compressed until it is checked,
    /// and then answers `false`.
    #[error("R is not a point on the curve")]
    RNotOnCurve,
    /// `R` is one of the eight points of small order.
    #[error("R has small order")]
    RSmallOrder,
    /// An RSA key refused as it loads: a modulus outside 2,048 to 8,192
    /// bits, or an exponent no signature could verify under.
    #[error("the RSA key is refused: {0}")]
    KeyRsa(rsa::RsaKeyError),
    /// An EC key that is not a point of its curve.
    #[error("the EC key is refused: {0}")]
    KeyEc(ecdsa::EcKeyError),
}

/// Whether the 32 bytes encode a field element `y < p = 2^255 - 19`
/// (the sign bit aside). Non-canonical `y` values are the 19 values from
/// `p` to `2^255 - 1`.
fn y_is_canonical(bytes: &[u8; 32]) -> bool {
    !(bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

impl VerifyingKey {
    /// Screens a public key; `id` is assigned by the caller's key table.
    pub fn screen(bytes: [u8; 32], id: u32) -> Result<VerifyingKey, Rejection> {
        if !y_is_canonical(&bytes) {
            return Err(Rejection::KeyNotCanonical);
        }
        let point = CompressedEdwardsY(bytes)
            .decompress()
            .ok_or(Rejection::KeyNotOnCurve)?;
        // (0, -1) with the sign bit set decodes to a point whose encoding
        // differs; it has small order, so the next check refuses it.
        if point.is_small_order() {
            return Err(Rejection::KeySmallOrder);
        }
        if !point.is_torsion_free() {
            return Err(Rejection::KeyTorsion);
        }
        Ok(VerifyingKey {
            id,
            bytes,
            point,
            minus_point: -point,
        })
    }
}

/// A signature made ready for the equation: `S` and `k` reduced, `R`'s
/// encoding screened. Made by the worker that parsed the record, so the
/// message can be dropped before verification.
///
/// `R` is decompressed only when it is needed ([`Prepared::r_point`]):
/// batches need it as a point, but a single check compares the encoding of
/// `[S]B − [k]A` with `R`'s bytes first (see [`verify_prepared`]), and a
/// point's encoding costs a share of one field inversion when many are
/// encoded together, where decompressing `R` costs a square root, about a
/// seventh of a whole check.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub(crate) r_bytes: [u8; 32],
    pub(crate) s: Scalar,
    pub(crate) k: Scalar,
}

impl Prepared {
    /// Checks the parts of the rule that need no key and computes `k`.
    pub fn new(
        signature: &[u8; 64],
        key: &VerifyingKey,
        message: &[u8],
    ) -> Result<Prepared, Rejection> {
        let mut h = Sha512::new();
        h.update(&signature[..32]);
        h.update(key.bytes);
        h.update(message);
        Prepared::with_challenge(signature, &h.finalize().into())
    }

    /// As [`Prepared::new`], with `digest = SHA-512(R ‖ A ‖ M)` already
    /// computed (see [`prepare_many`]).
    pub fn with_challenge(signature: &[u8; 64], digest: &[u8; 64]) -> Result<Prepared, Rejection> {
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&signature[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&signature[32..]);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
            .ok_or(Rejection::SNotCanonical)?;
        if !y_is_canonical(&r_bytes) {
            return Err(Rejection::RNotCanonical);
        }
        if has_small_order(&r_bytes) {
            return Err(Rejection::RSmallOrder);
        }
        let k = Scalar::from_bytes_mod_order_wide(digest);
        Ok(Prepared { r_bytes, s, k })
    }

    /// `R` as a point, or `None` when its `y` has no `x` on the curve (the
    /// rule's [`Rejection::RNotOnCurve`]: the signature is invalid).
    pub fn r_point(&self) -> Option<EdwardsPoint> {
        CompressedEdwardsY(self.r_bytes).decompress()
    }

    /// `[S]B − [k]A`, which is `R` itself when the signature is valid and
    /// `R` has no torsion component.
    pub(crate) fn image(&self, key: &VerifyingKey) -> EdwardsPoint {
        EdwardsPoint::vartime_double_scalar_mul_basepoint(&self.k, &key.minus_point, &self.s)
    }

    /// The rule's equation given `image = [S]B − [k]A` and its encoding:
    /// when the encoding is `R`'s bytes the equation holds exactly (and `R`
    /// decodes to `image`, a point of the prime-order subgroup); otherwise
    /// `R` is decompressed and the cofactored equation `[8](R − image) = 0`
    /// decides, so a signature whose `R` carries a torsion component is
    /// accepted exactly as the rule says, and one whose `R` is not a point
    /// is refused.
    pub(crate) fn settle(&self, image: &EdwardsPoint, encoded: &CompressedEdwardsY) -> bool {
        if encoded.0 == self.r_bytes {
            return true;
        }
        match self.r_point() {
            Some(r) => (r - image).mul_by_cofactor().is_identity(),
            None => false,
        }
    }
}

/// Whether a canonical encoding decodes to one of the eight points of small
/// order: their ten encodings with `y < p` (each point's own, and the
/// other sign bit, which for the two points with `x = 0` decodes to the
/// same point and for the others to the point's negation, also of small
/// order), compared byte for byte instead of decompressing.
fn has_small_order(bytes: &[u8; 32]) -> bool {
    small_order_encodings().contains(bytes)
}

/// The encodings [`has_small_order`] refuses, from curve25519-dalek's
/// eight-torsion points.
fn small_order_encodings() -> &'static [[u8; 32]] {
    static ENCODINGS: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    ENCODINGS.get_or_init(|| {
        let mut all: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .flat_map(|t| {
                let own = t.compress().0;
                let mut other = own;
                other[31] ^= 0x80;
                [own, other]
            })
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    })
}

/// Prepares many signatures at once: the challenges `SHA-512(R ‖ A ‖ M)`
/// are hashed several messages per SIMD pass ([`crate::hash::sha512`]).
/// `items` are (signature, key, message); the answers are in order.
pub fn prepare_many(
    items: &[(&[u8; 64], &VerifyingKey, &[u8])],
) -> Vec<Result<Prepared, Rejection>> {
    let total: usize = items.iter().map(|(_, _, m)| 64 + m.len()).sum();
    let mut inputs = Vec::with_capacity(total);
    let mut ends = Vec::with_capacity(items.len());
    for (signature, key, message) in items {
        inputs.extend_from_slice(&signature[..32]);
        inputs.extend_from_slice(&key.bytes);
        inputs.extend_from_slice(message);
        ends.push(inputs.len());
    }
    let mut start = 0;
    let framed: Vec<(&[u8; 64], &[u8])> = items
        .iter()
        .zip(&ends)
        .map(|((signature, _, _), &end)| {
            let slice = &inputs[start..end];
            start = end;
            (*signature, slice)
        })
        .collect();
    prepare_framed(&framed)
}

/// As [`prepare_many`] for messages already framed as the challenge's
/// input, `R ‖ A ‖ M` (`R` the signature's first half, `A` the key's
/// encoding): a caller that writes long messages (JWS signing inputs) that
/// way saves copying them again.
pub fn prepare_framed(items: &[(&[u8; 64], &[u8])]) -> Vec<Result<Prepared, Rejection>> {
    let slices: Vec<&[u8]> = items
        .iter()
        .map(|(signature, framed)| {
            debug_assert_eq!(framed.get(..32), Some(&signature[..32]), "framed without R");
            *framed
        })
        .collect();
    let mut digests = vec![[0u8; 64]; items.len()];
    crate::hash::sha512::sha512_many(&slices, &mut digests);
    items
        .iter()
        .zip(&digests)
        .map(|((signature, _), digest)| Prepared::with_challenge(signature, digest))
        .collect()
}

/// The rule's equation for one signature, `[8]([S]B − [k]A − R) = 0`, with
/// `R` not a point answering `false`: the encoding of `[S]B − [k]A` is
/// compared with `R`'s bytes, and only when they differ is `R`
/// decompressed (`Prepared::settle`). [`table::KeyTables::check_many`]
/// does the same for many signatures, encoding their points together.
pub fn verify_prepared(p: &Prepared, key: &VerifyingKey) -> bool {
    let image = p.image(key);
    p.settle(&image, &image.compress())
}

/// Verifies one signature with the full acceptance rule.
pub fn verify(signature: &[u8; 64], key: &VerifyingKey, message: &[u8]) -> Result<bool, Rejection> {
    let p = Prepared::new(signature, key, message)?;
    if p.r_point().is_none() {
        return Err(Rejection::RNotOnCurve);
    }
    Ok(verify_prepared(&p, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_y_boundary() {
        let mut p = [0xffu8; 32];
        p[31] = 0x7f;
        p[0] = 0xec; // p - 1
        assert!(y_is_canonical(&p));
        p[0] = 0xed; // p
        assert!(!y_is_canonical(&p));
        p[31] = 0xff; // sign bit set, y = p
        assert!(!y_is_canonical(&p));
    }

    #[test]
    fn prepare_many_agrees_with_prepare_one_by_one() {
        use ed25519_dalek::{Signer, SigningKey};
        let sk = SigningKey::from_bytes(&[3; 32]);
        let key = VerifyingKey::screen(sk.verifying_key().to_bytes(), 0).unwrap();
        let messages: Vec<Vec<u8>> = (0..40).map(|i| vec![i as u8; i * 37]).collect();
        let mut sigs: Vec<[u8; 64]> = messages.iter().map(|m| sk.sign(m).to_bytes()).collect();
        sigs[5][63] = 0xff; // S out of range
        let items: Vec<(&[u8; 64], &VerifyingKey, &[u8])> = sigs
            .iter()
            .zip(&messages)
            .map(|(s, m)| (s, &key, m.as_slice()))
            .collect();
        for (i, got) in prepare_many(&items).into_iter().enumerate() {
            let one = Prepared::new(&sigs[i], &key, &messages[i]);
            match (got, one) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((a.k, a.s, a.r_bytes), (b.k, b.s, b.r_bytes), "item {i}");
                    assert!(verify_prepared(&a, &key), "item {i}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "item {i}"),
                (a, b) => panic!("item {i}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn small_order_r_is_found_by_its_bytes_as_by_decompressing() {
        assert_eq!(small_order_encodings().len(), 10);
        let mut candidates: Vec<[u8; 32]> = small_order_encodings().to_vec();
        // Every y below 4,096 and above p - 4,096, both signs.
        for y in 0u32..4096 {
            let mut low = [0u8; 32];
            low[..4].copy_from_slice(&y.to_le_bytes());
            let mut high = [0xffu8; 32];
            high[31] = 0x7f;
            high[..4].copy_from_slice(&(0xffff_ffedu32 - 1 - y).to_le_bytes());
            for mut b in [low, high] {
                candidates.push(b);
                b[31] ^= 0x80;
                candidates.push(b);
            }
        }
        let mut small = 0;
        for bytes in candidates.iter().filter(|b| y_is_canonical(b)) {
            let by_point = CompressedEdwardsY(*bytes)
                .decompress()
                .is_some_and(|p| p.is_small_order());
            assert_eq!(has_small_order(bytes), by_point, "{bytes:?}");
            small += usize::from(by_point);
        }
        assert!(small >= 10, "the list itself is among the candidates");
    }

    #[test]
    fn an_r_off_the_curve_is_refused_on_every_path() {
        use ed25519_dalek::{Signer, SigningKey};
        let sk = SigningKey::from_bytes(&[5; 32]);
        let key = VerifyingKey::screen(sk.verifying_key().to_bytes(), 0).unwrap();
        let mut sig = sk.sign(b"m").to_bytes();
        // y = 2 has no x on the curve.
        sig[..32].fill(0);
        sig[0] = 2;
        assert!(
            CompressedEdwardsY(sig[..32].try_into().unwrap())
                .decompress()
                .is_none()
        );
        assert_eq!(verify(&sig, &key, b"m"), Err(Rejection::RNotOnCurve));
        let p = Prepared::new(&sig, &key, b"m").expect("left to the check");
        assert!(!verify_prepared(&p, &key));
        let shared = std::sync::Arc::new(key);
        let items = vec![
            batch::Signature {
                prepared: p,
                key: shared.clone(),
            };
            5
        ];
        assert_eq!(batch::verify_each(&items), vec![false; 5]);
        assert!(!batch::verify_batch(&items));
        assert_eq!(
            table::KeyTables::new(1, 1).check_many(&items),
            vec![false; 5]
        );
    }

    #[test]
    fn small_order_keys_are_refused() {
        let identity = {
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        };
        assert_eq!(
            VerifyingKey::screen(identity, 0).unwrap_err(),
            Rejection::KeySmallOrder
        );
    }
}
