//! One module per crate, each behind its cargo feature. Every backend turns
//! a key into a `Key` three ways (SPKI PEM, SPKI DER, JWK members) so the
//! checks prove each input path, and the timing uses the SPKI DER one.

use crate::{Alg, Jwk};

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
#[cfg(feature = "p256")]
pub mod p256_013;
#[cfg(feature = "p256-014")]
pub mod p256_014;
#[cfg(feature = "ring")]
pub mod ring;
#[cfg(feature = "rsa010")]
pub mod rsa_010;
#[cfg(feature = "rsa")]
pub mod rsa_09;

/// A public key made ready to verify, as the crate keeps it between calls.
pub trait Key {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool;
}

pub type KeyResult = Result<Box<dyn Key>, String>;

pub trait Backend {
    /// Crate and version line, as in Cargo.lock.
    fn name(&self) -> &'static str;
    fn supports(&self, alg: Alg) -> bool;
    /// From the "BEGIN PUBLIC KEY" PEM text: with the crate's own PEM
    /// support where it has it, else the harness strips the armour.
    fn key_from_pem(&self, alg: Alg, pem: &str) -> KeyResult;
    /// From the SPKI DER (what the PEM holds).
    fn key_from_spki_der(&self, alg: Alg, der: &[u8]) -> KeyResult;
    /// From a JWK's members, already base64url-decoded by the harness
    /// (none of these crates reads JWK JSON here).
    fn key_from_jwk(&self, alg: Alg, jwk: &Jwk) -> KeyResult;
}

// Each push is behind its own cfg, so vec![] cannot say it.
#[allow(clippy::vec_init_then_push, unused_mut)]
pub fn all() -> Vec<Box<dyn Backend>> {
    let mut v: Vec<Box<dyn Backend>> = Vec::new();
    #[cfg(feature = "ring")]
    v.push(Box::new(ring::Ring));
    #[cfg(feature = "aws-lc-rs")]
    v.push(Box::new(aws_lc::AwsLc));
    #[cfg(feature = "rsa")]
    v.push(Box::new(rsa_09::Rsa09));
    #[cfg(feature = "rsa010")]
    v.push(Box::new(rsa_010::Rsa010));
    #[cfg(feature = "p256")]
    v.push(Box::new(p256_013::P256v013));
    #[cfg(feature = "p256-014")]
    v.push(Box::new(p256_014::P256v014));
    v
}

/// 04 || x || y, the SEC1 uncompressed point that ring and aws-lc-rs take.
#[cfg_attr(
    not(any(
        feature = "ring",
        feature = "aws-lc-rs",
        feature = "p256",
        feature = "p256-014"
    )),
    allow(dead_code)
)]
pub fn sec1_point(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(1 + x.len() + y.len());
    p.push(4);
    p.extend_from_slice(x);
    p.extend_from_slice(y);
    p
}
