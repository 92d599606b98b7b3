//! RustCrypto rsa 0.10 (pure Rust, crypto-bigint 0.7 BoxedUint) with its own
//! sha2 0.11 (re-exported as `rsa::sha2`). Keys: `PublicKey::from_public_key_der`
//! (trait `pkcs8::DecodePublicKey`, feature `encoding`) takes an SPKI; there is
//! no `pem` feature in 0.10: turn on `spki/pem` (or `pkcs8/pem`) to get
//! `from_public_key_pem`, else strip the armour yourself, as here. JWK (n, e)
//! is `PublicKey::new(BoxedUint::from_be_slice(n, bits)?, BoxedUint::from_be_slice(e, bits)?)`.
//! Then `pkcs1v15::VerifyingKey::<Sha256>::new(key)` (feature `pkcs1v15`).

use super::{Backend, Key, KeyResult};
use crate::{Alg, Jwk, der};
use rsa010::pkcs1v15::{Signature, VerifyingKey};
use rsa010::pkcs8::DecodePublicKey;
use rsa010::sha2::Sha256;
use rsa010::signature::Verifier;
use rsa010::{BoxedUint, PublicKey};

pub struct Rsa010;

struct Vk(VerifyingKey<Sha256>);

impl Key for Vk {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match Signature::try_from(sig) {
            Ok(sig) => self.0.verify(msg, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

fn boxed(key: PublicKey) -> KeyResult {
    Ok(Box::new(Vk(VerifyingKey::<Sha256>::new(key))))
}

fn uint(bytes: &[u8]) -> Result<BoxedUint, String> {
    let bits = u32::try_from(bytes.len() * 8).map_err(|e| e.to_string())?;
    BoxedUint::from_be_slice(bytes, bits).map_err(|e| format!("{e:?}"))
}

impl Backend for Rsa010 {
    fn name(&self) -> &'static str {
        "rsa 0.10.0 + sha2 0.11"
    }
    fn supports(&self, alg: Alg) -> bool {
        alg == Alg::Rs256
    }
    fn key_from_pem(&self, alg: Alg, pem: &str) -> KeyResult {
        self.key_from_spki_der(alg, &der::pem_to_der(pem)?)
    }
    fn key_from_spki_der(&self, _: Alg, spki: &[u8]) -> KeyResult {
        boxed(PublicKey::from_public_key_der(spki).map_err(|e| e.to_string())?)
    }
    fn key_from_jwk(&self, _: Alg, jwk: &Jwk) -> KeyResult {
        let Jwk::Rsa { n, e } = jwk else {
            return Err("not an RSA JWK".into());
        };
        boxed(PublicKey::new(uint(n)?, uint(e)?).map_err(|e| e.to_string())?)
    }
}
