//! RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2, RFC 7518 §3.3),
//! the algorithm Open Badges 2.0 signed assertions and many VC-JWTs use,
//! and PS256: RSASSA-PSS with SHA-256 (RFC 8017 §8.1, RFC 7518 §3.5).
//!
//! Keys arrive as PEM: a `PUBLIC KEY` (SubjectPublicKeyInfo, RFC 5280
//! §4.1.2.7) or an `RSA PUBLIC KEY` (PKCS #1, RFC 8017 §A.1.1), or as a
//! JWK's `n` and `e`. The ASN.1 is read by RustCrypto's `spki` and
//! `pkcs1`, the signature checked by `aws-lc-rs` (chosen on measurement:
//! `BENCHMARKS.md`, "RSA and ECDSA"), with the key parsed once for each
//! padding. A modulus shorter than 2,048 bits is refused when the key loads
//! ([`RsaKeyError::Weak`]), as RFC 7518 §3.3 requires; one longer than
//! 8,192 bits too, so no key makes a check arbitrarily slow.

use std::sync::Arc;

use base64::Engine;

use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, RsaPublicKeyComponents,
};

/// The shortest modulus accepted.
pub const MIN_BITS: usize = 2048;

/// The longest modulus accepted.
pub const MAX_BITS: usize = 8192;

/// An RSA public key that loaded: its modulus and exponent, and the key
/// as `aws-lc-rs` checks PKCS #1 v1.5 and PSS signatures with it.
#[derive(Clone, Debug)]
pub struct RsaKey {
    n: Vec<u8>,
    e: Vec<u8>,
    fingerprint: [u8; 32],
    pkcs1: Arc<ParsedPublicKey>,
    pss: Arc<ParsedPublicKey>,
}

impl PartialEq for RsaKey {
    fn eq(&self, other: &RsaKey) -> bool {
        (&self.n, &self.e) == (&other.n, &other.e)
    }
}

impl Eq for RsaKey {}

/// Why a key did not load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// Not a PEM block, or its body is not base64.
    #[error("not a PEM block")]
    Pem,
    /// A PEM label other than `PUBLIC KEY` or `RSA PUBLIC KEY`.
    #[error("a PEM block that is not a public key")]
    Label,
    /// The DER does not decode, names another algorithm than RSA, or has
    /// an exponent that is even, 1, or beyond 32 bits.
    #[error("not an RSA public key")]
    NotRsa,
    /// A modulus shorter than [`MIN_BITS`] or longer than [`MAX_BITS`].
    #[error("an RSA modulus of {bits} bits")]
    Weak {
        /// The modulus's length.
        bits: usize,
    },
}

impl RsaKey {
    /// Reads a PEM public key. Line ends may be LF or CRLF, and lines of
    /// any length; nothing but whitespace may surround the block.
    pub fn from_pem(text: &str) -> Result<RsaKey, RsaKeyError> {
        let (label, der) = pem_block(text).ok_or(RsaKeyError::Pem)?;
        match label {
            "PUBLIC KEY" => RsaKey::from_spki_der(&der),
            "RSA PUBLIC KEY" => RsaKey::from_pkcs1_der(&der),
            _ => Err(RsaKeyError::Label),
        }
    }

    /// Reads a DER SubjectPublicKeyInfo whose algorithm is `rsaEncryption`.
    pub fn from_spki_der(der: &[u8]) -> Result<RsaKey, RsaKeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| RsaKeyError::NotRsa)?;
        if spki.algorithm.oid != pkcs1::ALGORITHM_OID {
            return Err(RsaKeyError::NotRsa);
        }
        let inner = spki
            .subject_public_key
            .as_bytes()
            .ok_or(RsaKeyError::NotRsa)?;
        RsaKey::from_pkcs1_der(inner)
    }

    /// Reads a DER PKCS #1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<RsaKey, RsaKeyError> {
        let key = pkcs1::RsaPublicKeyRef::try_from(der).map_err(|_| RsaKeyError::NotRsa)?;
        RsaKey::from_components(key.modulus.as_bytes(), key.public_exponent.as_bytes())
    }

    /// A key from its big-endian modulus and exponent (a JWK's `n` and `e`).
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<RsaKey, RsaKeyError> {
        let n = strip_zeros(n);
        let e = strip_zeros(e);
        let bits = bit_len(n);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(RsaKeyError::Weak { bits });
        }
        // Only odd exponents from 3 up to 2^32 - 1 are accepted: any other
        // would fail every signature, so the key is refused as it loads.
        let odd = e.last().is_some_and(|b| b & 1 == 1);
        if !odd || e == [1] || e.len() > 4 {
            return Err(RsaKeyError::NotRsa);
        }
        let components = RsaPublicKeyComponents { n, e };
        let parse = |params| {
            components
                .to_parsed_public_key(params)
                .map(Arc::new)
                .map_err(|_| RsaKeyError::NotRsa)
        };
        Ok(RsaKey {
            n: n.to_vec(),
            e: e.to_vec(),
            fingerprint: super::key::rsa_fingerprint(n, e),
            pkcs1: parse(&RSA_PKCS1_2048_8192_SHA256)?,
            pss: parse(&RSA_PSS_2048_8192_SHA256)?,
        })
    }

    /// The modulus's length in bits.
    pub fn bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// [`super::key::PublicKey::fingerprint`], computed as the key loaded.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The big-endian modulus and exponent, without leading zero bytes.
    pub fn components(&self) -> (&[u8], &[u8]) {
        (&self.n, &self.e)
    }

    /// Whether `signature` is a PS256 signature of `message` by this key:
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a salt of 32 bytes,
    /// as long as the hash (RFC 7518 §3.5, RFC 8017 §8.1).
    pub fn verify_ps256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.pss.verify_sig(message, signature).is_ok()
    }

    /// Whether `signature` is an RS256 signature of `message` by this key.
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.pkcs1.verify_sig(message, signature).is_ok()
    }
}

/// The length in bits of a big-endian number without leading zero bytes.
fn bit_len(n: &[u8]) -> usize {
    n.first().map_or(0, |top| {
        (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize)
    })
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The label and decoded body of the one PEM block in `text`.
fn pem_block(text: &str) -> Option<(&str, Vec<u8>)> {
    let text = text.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(end.as_str())?;
    let compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    Some((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `key1.json` of the 1EdTech validator's Open Badges 2.0 tests
    /// (`tests/data/ob2/PROVENANCE.md`).
    const KEY1: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAko9t/QZEwRUainRO5MqY\nGBBeFe7rm/BVg6ugkgkyRGdDkjCeEjNfCm6An+bQqeCsHoMCprs629/a9yJ58/4w\nP7ws/5lJ9YwZYXpGvLfha0xrpWl5DiExeOMB9pB8p4ze0AI6H49w9ZX0G+cgaqaK\n/FbQ/Ln1zkZH6+VaAntoaLu3I5kLLR1F31HqLmSKpm6rHyLFkq534dGfuNmjSM+x\nZxBKu+ugmyeL9DinHvBZ/dwFMGS+o4/bT54UeLMd7a71ONevRY2hXgwarfWjqkDs\nAgqnfKSDjjDZQDM2OlyLWvyI2SWF4eWxIUtWuFP4j0d/5SUFjhAldRLjIXMQWMEN\nNwIDAQAB\n-----END PUBLIC KEY-----";

    #[test]
    fn reads_an_spki_pem_however_its_lines_end() {
        let key = RsaKey::from_pem(KEY1).expect("key1");
        assert_eq!(key.bits(), 2048);
        assert_eq!(key.e, [1, 0, 1]);
        let crlf = KEY1.replace('\n', "\r\n");
        assert_eq!(RsaKey::from_pem(&crlf), Ok(key.clone()));
        // One long line, and surrounding whitespace.
        let body: String = KEY1.lines().filter(|l| !l.starts_with("-----")).collect();
        let one_line = format!("\n  -----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----\n");
        assert_eq!(RsaKey::from_pem(&one_line), Ok(key));
    }

    #[test]
    fn refuses_what_is_not_an_rsa_public_key() {
        assert_eq!(RsaKey::from_pem("MIIBIjANBg"), Err(RsaKeyError::Pem));
        let other = KEY1.replace("PUBLIC KEY", "CERTIFICATE");
        assert_eq!(RsaKey::from_pem(&other), Err(RsaKeyError::Label));
        let mismatched = KEY1.replacen("PUBLIC KEY", "RSA PUBLIC KEY", 1);
        assert_eq!(RsaKey::from_pem(&mismatched), Err(RsaKeyError::Pem));
        // The SPKI's DER given as PKCS #1: the labels decide how it is read.
        let relabelled = KEY1.replace("PUBLIC KEY", "RSA PUBLIC KEY");
        assert_eq!(RsaKey::from_pem(&relabelled), Err(RsaKeyError::NotRsa));
        let truncated = KEY1.replace("NwIDAQAB\n", "");
        assert_eq!(RsaKey::from_pem(&truncated), Err(RsaKeyError::NotRsa));
    }

    #[test]
    fn modulus_length_bounds() {
        let n = |bits: usize| {
            let mut n = vec![0u8; bits.div_ceil(8)];
            n[0] = 1 << ((bits - 1) % 8);
            n
        };
        for (bits, ok) in [
            (1024, false),
            (2047, false),
            (2048, true),
            (8192, true),
            (8193, false),
        ] {
            let got = RsaKey::from_components(&n(bits), &[1, 0, 1]);
            match ok {
                true => assert_eq!(got.map(|k| k.bits()), Ok(bits)),
                false => assert_eq!(got, Err(RsaKeyError::Weak { bits })),
            }
        }
        // Leading zero bytes do not count.
        let mut padded = vec![0, 0];
        padded.extend(n(2048));
        assert_eq!(
            RsaKey::from_components(&padded, &[3]).map(|k| k.bits()),
            Ok(2048)
        );
        for bad_e in [&[0u8][..], &[1], &[0, 0], &[1, 0], &[1, 0, 0, 0, 1]] {
            assert_eq!(
                RsaKey::from_components(&n(2048), bad_e),
                Err(RsaKeyError::NotRsa),
                "e = {bad_e:?}"
            );
        }
        assert!(RsaKey::from_components(&n(2048), &[0xff, 0xff, 0xff, 0xff]).is_ok());
    }
}
