//! RustCrypto rsa 0.9 (pure Rust, num-bigint-dig) with sha2 0.10. Keys:
//! `RsaPublicKey::from_public_key_pem` / `from_public_key_der` (trait
//! `pkcs8::DecodePublicKey`; the PEM one needs the crate's `pem` feature)
//! take an SPKI; `DecodeRsaPublicKey` takes PKCS#1; JWK (n, e) is
//! `RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))`.
//! Then `pkcs1v15::VerifyingKey::<Sha256>::new(key)`.

use super::{Backend, Key, KeyResult};
use crate::{Alg, Jwk};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use sha2::Sha256;

pub struct Rsa09;

struct Vk(VerifyingKey<Sha256>);

impl Key for Vk {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match Signature::try_from(sig) {
            Ok(sig) => self.0.verify(msg, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

fn boxed(key: RsaPublicKey) -> KeyResult {
    Ok(Box::new(Vk(VerifyingKey::<Sha256>::new(key))))
}

impl Backend for Rsa09 {
    fn name(&self) -> &'static str {
        "rsa 0.9.10 + sha2 0.10"
    }
    fn supports(&self, alg: Alg) -> bool {
        alg == Alg::Rs256
    }
    fn key_from_pem(&self, _: Alg, pem: &str) -> KeyResult {
        boxed(RsaPublicKey::from_public_key_pem(pem).map_err(|e| e.to_string())?)
    }
    fn key_from_spki_der(&self, _: Alg, spki: &[u8]) -> KeyResult {
        boxed(RsaPublicKey::from_public_key_der(spki).map_err(|e| e.to_string())?)
    }
    fn key_from_jwk(&self, _: Alg, jwk: &Jwk) -> KeyResult {
        let Jwk::Rsa { n, e } = jwk else {
            return Err("not an RSA JWK".into());
        };
        let key = RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
            .map_err(|e| e.to_string())?;
        boxed(key)
    }
}
