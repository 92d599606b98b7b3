//! ring 0.17. Keys: RSA verification takes the PKCS#1 RSAPublicKey DER
//! (`UnparsedPublicKey`) or big-endian (n, e) (`RsaPublicKeyComponents`), not
//! an SPKI; ECDSA takes the SEC1 point 04||x||y. ring parses no PEM and no
//! SPKI for public keys, so the caller unwraps the SPKI (crate::der). There
//! is no pre-parsed public key type: every verify call parses the key again.

use super::{Backend, Key, KeyResult, sec1_point};
use crate::{Alg, Jwk, der};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};

pub struct Ring;

fn algorithm(alg: Alg) -> &'static dyn VerificationAlgorithm {
    match alg {
        Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Alg::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
    }
}

/// The key bytes ring's `UnparsedPublicKey` takes.
struct Unparsed {
    alg: Alg,
    bytes: Vec<u8>,
}

impl Key for Unparsed {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(algorithm(self.alg), &self.bytes)
            .verify(msg, sig)
            .is_ok()
    }
}

struct Components {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl Key for Components {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
        .is_ok()
    }
}

impl Backend for Ring {
    fn name(&self) -> &'static str {
        "ring 0.17.14"
    }
    fn supports(&self, _: Alg) -> bool {
        true
    }
    fn key_from_pem(&self, alg: Alg, pem: &str) -> KeyResult {
        self.key_from_spki_der(alg, &der::pem_to_der(pem)?)
    }
    fn key_from_spki_der(&self, alg: Alg, spki: &[u8]) -> KeyResult {
        let bytes = match alg {
            Alg::Rs256 => der::rsa_pkcs1(spki)?,
            Alg::Es256 => der::p256_point(spki)?,
        };
        Ok(Box::new(Unparsed {
            alg,
            bytes: bytes.to_vec(),
        }))
    }
    fn key_from_jwk(&self, alg: Alg, jwk: &Jwk) -> KeyResult {
        match (alg, jwk) {
            (Alg::Rs256, Jwk::Rsa { n, e }) => Ok(Box::new(Components {
                n: n.clone(),
                e: e.clone(),
            })),
            (Alg::Es256, Jwk::Ec { x, y }) => Ok(Box::new(Unparsed {
                alg,
                bytes: sec1_point(x, y),
            })),
            _ => Err("JWK kty does not match alg".into()),
        }
    }
}
