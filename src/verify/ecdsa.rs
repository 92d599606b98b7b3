//! ECDSA over NIST P-256 and P-384 (FIPS 186-5 §6.4.2), as JWS `ES256` /
//! `ES384` (RFC 7518 §3.4) and the Data Integrity `ecdsa-*` suites use it.
//!
//! A key is read once per run ([`EcKey::from_sec1`], [`EcKey::from_coordinates`]):
//! a SEC 1 point, compressed (as `did:key` and Multikey carry it) or not
//! (as a JWK's `x` and `y`), is decoded and checked to lie on its curve by
//! RustCrypto's `p256` / `p384`, and kept uncompressed; the signature is
//! checked by `aws-lc-rs`, which parses it once (chosen on measurement:
//! `BENCHMARKS.md`, "RSA and ECDSA": four times ring's speed on P-384).
//!
//! A signature is the fixed-width `r ‖ s` of RFC 7518 §3.4 (32 + 32 bytes
//! for P-256, 48 + 48 for P-384); a DER `ECDSA-Sig-Value` fails. Both
//! `s` and `n − s` are accepted: neither RFC 7518 §3.4 nor VC Data
//! Integrity ECDSA Cryptosuites v1.0 (§3.3.4, "Verify Proof") asks for
//! the low `s` form, and FIPS 186-5 §6.4.2 accepts any `s` in `[1, n−1]`.

use std::sync::Arc;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ParsedPublicKey};
use p256::elliptic_curve::sec1::ToSec1Point;

/// The curves of the keys this engine verifies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1), hashed with SHA-256.
    P256,
    /// NIST P-384 (secp384r1), hashed with SHA-384.
    P384,
}

impl Curve {
    /// The length of one coordinate, and of `r` and of `s`.
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    /// The JWK `crv` name (RFC 7518 §6.2.1.1).
    pub fn jwk_name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }

    /// The curve a JWK `crv` names.
    pub fn from_jwk_name(name: &str) -> Option<Curve> {
        match name {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            _ => None,
        }
    }
}

/// A public key on [`Curve`] that decoded to a point of the curve other
/// than the identity: its uncompressed SEC 1 encoding (`04 ‖ x ‖ y`), and
/// the key as `aws-lc-rs` checks signatures with it.
#[derive(Clone, Debug)]
pub struct EcKey {
    curve: Curve,
    point: Box<[u8]>,
    fingerprint: [u8; 32],
    parsed: Arc<ParsedPublicKey>,
}

impl PartialEq for EcKey {
    fn eq(&self, other: &EcKey) -> bool {
        (self.curve, &self.point) == (other.curve, &other.point)
    }
}

impl Eq for EcKey {}

impl std::hash::Hash for EcKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.curve, &self.point).hash(state);
    }
}

/// Why EC key material did not load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EcKeyError {
    /// Not a SEC 1 encoding of the curve's length, or a point that is not
    /// on the curve (or the identity).
    #[error("not a point of {0}")]
    NotOnCurve(&'static str),
}

impl EcKey {
    /// Reads a SEC 1 point (`02`/`03` ‖ x, or `04` ‖ x ‖ y) on `curve`.
    pub fn from_sec1(curve: Curve, bytes: &[u8]) -> Result<EcKey, EcKeyError> {
        let refused = EcKeyError::NotOnCurve(curve.jwk_name());
        let point: Box<[u8]> = match curve {
            Curve::P256 => p256::PublicKey::from_sec1_bytes(bytes)
                .map_err(|_| refused)?
                .to_sec1_point(false)
                .as_bytes()
                .into(),
            Curve::P384 => p384::PublicKey::from_sec1_bytes(bytes)
                .map_err(|_| refused)?
                .to_sec1_point(false)
                .as_bytes()
                .into(),
        };
        let algorithm = match curve {
            Curve::P256 => &ECDSA_P256_SHA256_FIXED,
            Curve::P384 => &ECDSA_P384_SHA384_FIXED,
        };
        let parsed = ParsedPublicKey::new(algorithm, &point[..]).map_err(|_| refused)?;
        Ok(EcKey {
            curve,
            fingerprint: super::key::ec_fingerprint(curve, &point),
            point,
            parsed: Arc::new(parsed),
        })
    }

    /// A key from a JWK's decoded `x` and `y` (RFC 7518 §6.2.1.2-3: each
    /// exactly the field's length).
    pub fn from_coordinates(curve: Curve, x: &[u8], y: &[u8]) -> Result<EcKey, EcKeyError> {
        let n = curve.field_len();
        if x.len() != n || y.len() != n {
            return Err(EcKeyError::NotOnCurve(curve.jwk_name()));
        }
        let mut sec1 = Vec::with_capacity(1 + 2 * n);
        sec1.push(4);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        EcKey::from_sec1(curve, &sec1)
    }

    /// The key's curve.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// [`super::key::PublicKey::fingerprint`], computed as the key loaded.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The uncompressed SEC 1 encoding, `04 ‖ x ‖ y`.
    pub fn uncompressed(&self) -> &[u8] {
        &self.point
    }

    /// Whether `signature` (`r ‖ s`) is this key's ECDSA signature of
    /// `message`, hashed with the curve's hash (SHA-256 for P-256,
    /// SHA-384 for P-384).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature.len() == 2 * self.curve.field_len()
            && self.parsed.verify_sig(message, signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7515 Appendix A.3's P-256 key, `x` and `y` decoded.
    fn rfc7515_key() -> EcKey {
        let b64 = |s: &str| {
            let mut out = Vec::new();
            assert!(crate::encoding::base64url::decode(s.as_bytes(), &mut out));
            out
        };
        EcKey::from_coordinates(
            Curve::P256,
            &b64("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
            &b64("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"),
        )
        .expect("the RFC's key")
    }

    #[test]
    fn a_point_is_read_compressed_or_not() {
        let key = rfc7515_key();
        let full = key.uncompressed().to_vec();
        assert_eq!(full.len(), 65);
        // Compressed: the parity of y picks the prefix.
        let mut compressed = vec![2 + (full[64] & 1)];
        compressed.extend_from_slice(&full[1..33]);
        assert_eq!(EcKey::from_sec1(Curve::P256, &compressed), Ok(key.clone()));
        // The other root of the same x is another point.
        compressed[0] ^= 1;
        let other = EcKey::from_sec1(Curve::P256, &compressed).expect("the other y");
        assert_ne!(other, key);
        assert_eq!(other.uncompressed()[..33], full[..33]);
    }

    #[test]
    fn what_is_not_a_point_is_refused() {
        let key = rfc7515_key();
        let full = key.uncompressed();
        let mut off = full.to_vec();
        off[64] ^= 1;
        let refused = Err(EcKeyError::NotOnCurve("P-256"));
        assert_eq!(EcKey::from_sec1(Curve::P256, &off), refused);
        assert_eq!(EcKey::from_sec1(Curve::P256, &full[..64]), refused);
        assert_eq!(EcKey::from_sec1(Curve::P256, &[0]), refused, "the identity");
        assert_eq!(
            EcKey::from_sec1(Curve::P384, full),
            Err(EcKeyError::NotOnCurve("P-384"))
        );
        assert_eq!(
            EcKey::from_coordinates(Curve::P256, &full[1..33], &full[33..64]),
            refused
        );
    }
}
