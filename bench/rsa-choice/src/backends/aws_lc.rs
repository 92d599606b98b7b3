//! aws-lc-rs 1.x (AWS-LC, a BoringSSL fork, in C and assembly). Keys:
//! `ParsedPublicKey::new` takes an SPKI DER directly (or, for RSA, a PKCS#1
//! RSAPublicKey DER; for EC, the SEC1 point), and parses it once.
//! `RsaPublicKeyComponents { n, e }.to_parsed_public_key` takes JWK (n, e);
//! ECDSA from JWK (x, y) is `ParsedPublicKey::new` over 04||x||y. No PEM:
//! the caller strips the armour.

use super::{Backend, Key, KeyResult, sec1_point};
use crate::{Alg, Jwk, der};
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents, VerificationAlgorithm};

pub struct AwsLc;

fn algorithm(alg: Alg) -> &'static dyn VerificationAlgorithm {
    match alg {
        Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Alg::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
    }
}

struct Parsed(ParsedPublicKey);

impl Key for Parsed {
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.0.verify_sig(msg, sig).is_ok()
    }
}

impl Backend for AwsLc {
    fn name(&self) -> &'static str {
        "aws-lc-rs 1.19.0"
    }
    fn supports(&self, _: Alg) -> bool {
        true
    }
    fn key_from_pem(&self, alg: Alg, pem: &str) -> KeyResult {
        self.key_from_spki_der(alg, &der::pem_to_der(pem)?)
    }
    fn key_from_spki_der(&self, alg: Alg, spki: &[u8]) -> KeyResult {
        let key = ParsedPublicKey::new(algorithm(alg), spki).map_err(|e| e.to_string())?;
        Ok(Box::new(Parsed(key)))
    }
    fn key_from_jwk(&self, alg: Alg, jwk: &Jwk) -> KeyResult {
        let key = match (alg, jwk) {
            (Alg::Rs256, Jwk::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256),
            (Alg::Es256, Jwk::Ec { x, y }) => {
                ParsedPublicKey::new(algorithm(alg), sec1_point(x, y))
            }
            _ => return Err("JWK kty does not match alg".into()),
        };
        Ok(Box::new(Parsed(key.map_err(|e| e.to_string())?)))
    }
}
