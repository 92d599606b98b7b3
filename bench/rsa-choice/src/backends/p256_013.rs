//! RustCrypto p256 0.13.2 (ecdsa 0.16, sha2 0.10), pure Rust. Keys: `VerifyingKey::from_public_key_pem`
//! / `from_public_key_der` (trait `pkcs8::DecodePublicKey`, feature `pem`)
//! take an SPKI; JWK (x, y) is `VerifyingKey::from_sec1_bytes(04||x||y)`
//! (or `from_encoded_point`). Signatures: `Signature::from_slice(r||s)`.

use super::{Backend, Key, KeyResult, sec1_point};
use crate::{Alg, Jwk};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;

pub struct P256v013;

struct Vk(VerifyingKey);

impl Key for Vk {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match Signature::from_slice(sig) {
            Ok(sig) => self.0.verify(msg, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

impl Backend for P256v013 {
    fn name(&self) -> &'static str {
        "p256 0.13.2"
    }
    fn supports(&self, alg: Alg) -> bool {
        alg == Alg::Es256
    }
    fn key_from_pem(&self, _: Alg, pem: &str) -> KeyResult {
        Ok(Box::new(Vk(
            VerifyingKey::from_public_key_pem(pem).map_err(|e| e.to_string())?
        )))
    }
    fn key_from_spki_der(&self, _: Alg, spki: &[u8]) -> KeyResult {
        Ok(Box::new(Vk(
            VerifyingKey::from_public_key_der(spki).map_err(|e| e.to_string())?
        )))
    }
    fn key_from_jwk(&self, _: Alg, jwk: &Jwk) -> KeyResult {
        let Jwk::Ec { x, y } = jwk else {
            return Err("not an EC JWK".into());
        };
        let key = VerifyingKey::from_sec1_bytes(&sec1_point(x, y)).map_err(|e| e.to_string())?;
        Ok(Box::new(Vk(key)))
    }
}
