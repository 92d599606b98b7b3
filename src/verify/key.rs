//! A public key of any type this engine verifies with: Ed25519 (checked
//! in batches, [`super::batch`]), RSA ([`super::rsa`]) or ECDSA P-256 /
//! P-384 ([`super::ecdsa`]), each read and checked once per run and shared.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::VerifyingKey;
use super::ecdsa::{Curve, EcKey};
use super::rsa::RsaKey;

/// A key that loaded.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// An Ed25519 key that passed screening.
    Ed25519(Arc<VerifyingKey>),
    /// An RSA key of 2,048 to 8,192 bits.
    Rsa(Arc<RsaKey>),
    /// A point of P-256 or P-384.
    Ec(Arc<EcKey>),
}

/// The type of a key, as an algorithm or a suite asks for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// Ed25519.
    Ed25519,
    /// RSA.
    Rsa,
    /// ECDSA on this curve.
    Ec(Curve),
}

impl PublicKey {
    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match self {
            PublicKey::Ed25519(_) => KeyType::Ed25519,
            PublicKey::Rsa(_) => KeyType::Rsa,
            PublicKey::Ec(k) => KeyType::Ec(k.curve()),
        }
    }

    /// The Ed25519 key, when it is one.
    pub fn ed25519(&self) -> Option<&Arc<VerifyingKey>> {
        match self {
            PublicKey::Ed25519(k) => Some(k),
            _ => None,
        }
    }

    /// 32 bytes that name the key among a run's keys, as verdicts compare
    /// them (a status list signed under the key that signed a credential)
    /// and the revalidation index keeps them: an Ed25519 key's own
    /// encoding; for others, SHA-256 of a type tag and the key's
    /// encoding (`rsa` ‖ `n` ‖ `e`, `p-256` / `p-384` ‖ the uncompressed
    /// point), which no Ed25519 encoding can equal but by a collision;
    /// computed once, as the key loads.
    pub fn fingerprint(&self) -> [u8; 32] {
        match self {
            PublicKey::Ed25519(k) => k.bytes,
            PublicKey::Rsa(k) => k.fingerprint(),
            PublicKey::Ec(k) => k.fingerprint(),
        }
    }

    /// A copy for one worker: an Ed25519 key is copied (keeping its id,
    /// so batch terms still combine per key), other keys are shared.
    pub fn local_copy(&self) -> PublicKey {
        match self {
            PublicKey::Ed25519(k) => PublicKey::Ed25519(Arc::new(VerifyingKey::clone(k))),
            other => other.clone(),
        }
    }
}

/// [`PublicKey::fingerprint`] of an RSA key: `n` and `e` big-endian, any
/// leading zero bytes ignored.
pub fn rsa_fingerprint(n: &[u8], e: &[u8]) -> [u8; 32] {
    let strip = |b: &[u8]| -> usize { b.iter().take_while(|x| **x == 0).count() };
    let (n, e) = (&n[strip(n)..], &e[strip(e)..]);
    let mut h = Sha256::new();
    h.update(b"rsa");
    h.update((n.len() as u32).to_be_bytes());
    h.update(n);
    h.update(e);
    h.finalize().into()
}

/// [`PublicKey::fingerprint`] of an EC key, from its uncompressed point.
pub fn ec_fingerprint(curve: Curve, uncompressed: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(match curve {
        Curve::P256 => b"p-256",
        Curve::P384 => b"p-384",
    });
    h.update(uncompressed);
    h.finalize().into()
}
