//! Keys and signatures of the VC-JWT formats signed with RSA or ECDSA
//! (`--format jwt-rs256`, `jwt-es256`): every issuer is a did:web whose
//! document lists, beside its Ed25519 key (`#key-1`, which signs its status
//! lists), a P-256 key (`#key-2`) and an RSA key (`#key-3`), both as
//! `JsonWebKey2020`.
//!
//! Signatures are deterministic, so that a seed gives the same bytes:
//! RS256 (RSASSA-PKCS1-v1_5) is by construction, and ES256 uses RFC 6979
//! nonces (RustCrypto `p256`). The RSA keys are the committed test keys of
//! the Open Badges 2.0 issuer, shared by every issuer (the method, not the
//! key, names the issuer); rogue keys sign the `wrong_key` case.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;

use super::ob2::{ISSUER_KEY, ROGUE_KEY};
use super::rng::Rng;
use crate::verify::rsa::RsaKey;

/// The JWS algorithm of a generated VC-JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoseAlg {
    /// RS256 with the issuer's `#key-3`.
    Rs256,
    /// ES256 with the issuer's `#key-2`.
    Es256,
}

impl JoseAlg {
    /// The header's `alg`.
    pub fn name(self) -> &'static str {
        match self {
            JoseAlg::Rs256 => "RS256",
            JoseAlg::Es256 => "ES256",
        }
    }

    /// The fragment of the issuer's method for this algorithm.
    pub fn fragment(self) -> &'static str {
        match self {
            JoseAlg::Rs256 => "#key-3",
            JoseAlg::Es256 => "#key-2",
        }
    }
}

/// The RSA and P-256 keys of an export's issuers, and the rogue ones.
pub struct JoseKeys {
    rsa: RsaKeyPair,
    rsa_rogue: RsaKeyPair,
    ec: Vec<p256::ecdsa::SigningKey>,
    ec_rogue: p256::ecdsa::SigningKey,
}

/// A P-256 signing key from a seed's random bytes (drawn again in the
/// rare case they are not a valid scalar).
fn ec_key(rng: &mut Rng) -> p256::ecdsa::SigningKey {
    loop {
        if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&rng.bytes::<32>()) {
            return key;
        }
    }
}

impl JoseKeys {
    /// The keys of `count` issuers of the export of `seed`.
    pub fn new(seed: u64, count: usize) -> JoseKeys {
        let load = |der| RsaKeyPair::from_pkcs8(der).expect("a committed RSA test key");
        JoseKeys {
            rsa: load(ISSUER_KEY),
            rsa_rogue: load(ROGUE_KEY),
            ec: (0..count)
                .map(|i| ec_key(&mut Rng::for_record(seed ^ 0x0e5_2560, i as u64)))
                .collect(),
            ec_rogue: ec_key(&mut Rng::for_record(seed ^ 0x0bad_e525, 0)),
        }
    }

    /// The `publicKeyJwk` members of issuer `i`'s method for `alg`.
    pub fn jwk(&self, alg: JoseAlg, i: usize) -> String {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        match alg {
            JoseAlg::Rs256 => {
                let key = RsaKey::from_pkcs1_der(self.rsa.public_key().as_ref())
                    .expect("the committed key is RSA");
                let (n, e) = key.components();
                format!(
                    "{{\"kty\":\"RSA\",\"n\":\"{}\",\"e\":\"{}\"}}",
                    b64(n),
                    b64(e)
                )
            }
            JoseAlg::Es256 => {
                let point = self.ec[i].verifying_key().to_sec1_point(false);
                let bytes = point.as_bytes();
                format!(
                    "{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{}\",\"y\":\"{}\"}}",
                    b64(&bytes[1..33]),
                    b64(&bytes[33..65])
                )
            }
        }
    }

    /// The signature of `input` with issuer `i`'s key for `alg`, or with
    /// the rogue key.
    pub fn sign(&self, alg: JoseAlg, i: usize, rogue: bool, input: &[u8]) -> Vec<u8> {
        match alg {
            JoseAlg::Rs256 => {
                let pair = if rogue { &self.rsa_rogue } else { &self.rsa };
                let mut sig = vec![0; pair.public_modulus_len()];
                // PKCS #1 v1.5 draws nothing from the generator.
                pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input, &mut sig)
                    .expect("RSA signing");
                sig
            }
            JoseAlg::Es256 => {
                let key = if rogue { &self.ec_rogue } else { &self.ec[i] };
                let sig: p256::ecdsa::Signature = key.sign(input);
                sig.to_bytes().to_vec()
            }
        }
    }
}
