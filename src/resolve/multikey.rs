//! Public key encodings: Multikey (`z` + base58btc of a multicodec
//! prefix ‖ key: `0xed 0x01` Ed25519, `0x80 0x24` P-256 and `0x81 0x24`
//! P-384 compressed points), base58 raw keys (Ed25519VerificationKey2018)
//! and JWK (RFC 8037 `OKP` Ed25519, RFC 7518 §6.2 `EC` P-256 / P-384,
//! §6.3 `RSA`).

use crate::encoding::{base58, base64url};
use crate::json::{JsonParser, Value};
use crate::verify::ecdsa::Curve;

/// The multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// The multicodec prefix of a compressed P-256 public key (varint of
/// 0x1200, `p256-pub`).
const P256_PUB: [u8; 2] = [0x80, 0x24];

/// The multicodec prefix of a compressed P-384 public key (varint of
/// 0x1201, `p384-pub`).
const P384_PUB: [u8; 2] = [0x81, 0x24];

/// Key material as an encoding gave it, before it is loaded and checked
/// ([`crate::resolve::KeyResolver::load`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyMaterial {
    /// An Ed25519 public key's 32 bytes.
    Ed25519([u8; 32]),
    /// An RSA modulus and exponent, big-endian.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// A SEC 1 point of `curve`, compressed or not.
    Ec {
        /// The curve.
        curve: Curve,
        /// The point's encoding.
        sec1: Vec<u8>,
    },
}

/// Why key material did not decode to 32 Ed25519 key bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyDecodeError {
    /// Not base58btc (a Multikey also needs its `z`), or a
    /// `publicKeyBase58` that is not 32 bytes.
    #[error("not a base58btc multibase value")]
    Multibase,
    /// Not the Ed25519 multicodec prefix followed by 32 key bytes.
    #[error("not an Ed25519 multicodec key")]
    Multicodec,
    /// Not an OKP Ed25519 public JWK; the reason says which rule it breaks.
    #[error("not a JWK of an Ed25519 public key: {0}")]
    Jwk(&'static str),
}

/// Decodes a Multikey `publicKeyMultibase` (also a did:key identifier).
pub fn decode_multikey(text: &str) -> Result<[u8; 32], KeyDecodeError> {
    let body = text.strip_prefix('z').ok_or(KeyDecodeError::Multibase)?;
    if body
        .bytes()
        .any(|b| !b.is_ascii_alphanumeric() || matches!(b, b'0' | b'O' | b'I' | b'l'))
    {
        return Err(KeyDecodeError::Multibase);
    }
    let decoded = base58::decode_exact::<34>(body).ok_or(KeyDecodeError::Multicodec)?;
    match decoded.split_first_chunk::<2>() {
        Some((prefix, key)) if *prefix == ED25519_PUB => {
            key.try_into().map_err(|_| KeyDecodeError::Multicodec)
        }
        _ => Err(KeyDecodeError::Multicodec),
    }
}

impl KeyMaterial {
    /// The fingerprint the key will have once loaded
    /// ([`crate::verify::key::PublicKey::fingerprint`]), when it can be
    /// told without loading it: not for a compressed EC point.
    pub fn fingerprint(&self) -> Option<[u8; 32]> {
        use crate::verify::key::{ec_fingerprint, rsa_fingerprint};
        match self {
            KeyMaterial::Ed25519(bytes) => Some(*bytes),
            KeyMaterial::Rsa { n, e } => Some(rsa_fingerprint(n, e)),
            KeyMaterial::Ec { curve, sec1 } if sec1.first() == Some(&4) => {
                Some(ec_fingerprint(*curve, sec1))
            }
            KeyMaterial::Ec { .. } => None,
        }
    }
}

/// Decodes a Multikey `publicKeyMultibase` (also a did:key identifier) of
/// any type this engine verifies with: Ed25519, or a compressed P-256 or
/// P-384 point (did:key `zDn…`, `z82…`).
pub fn decode_multikey_any(text: &str) -> Result<KeyMaterial, KeyDecodeError> {
    if let Ok(key) = decode_multikey(text) {
        return Ok(KeyMaterial::Ed25519(key));
    }
    let body = text.strip_prefix('z').ok_or(KeyDecodeError::Multibase)?;
    let ec = |prefix: [u8; 2], curve: Curve, decoded: &[u8]| match decoded.split_first_chunk::<2>()
    {
        Some((p, point)) if *p == prefix => Ok(KeyMaterial::Ec {
            curve,
            sec1: point.to_vec(),
        }),
        _ => Err(KeyDecodeError::Multicodec),
    };
    if let Some(decoded) = base58::decode_exact::<35>(body) {
        return ec(P256_PUB, Curve::P256, &decoded);
    }
    if let Some(decoded) = base58::decode_exact::<51>(body) {
        return ec(P384_PUB, Curve::P384, &decoded);
    }
    Err(KeyDecodeError::Multicodec)
}

/// Encodes 32 key bytes as a Multikey value (for the generator and the
/// tests: verification only decodes).
#[cfg(any(test, feature = "generate"))]
pub fn encode_multikey(key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a raw base58 key (`publicKeyBase58`).
pub fn decode_base58_key(text: &str) -> Result<[u8; 32], KeyDecodeError> {
    base58::decode_exact::<32>(text).ok_or(KeyDecodeError::Multibase)
}

/// Reads an OKP Ed25519 public JWK (RFC 8037 §2). A JWK carrying the
/// private `d` is refused (a leaked key is no identity), as is one marked
/// for encryption.
pub fn decode_jwk(jwk: Value<'_>) -> Result<[u8; 32], KeyDecodeError> {
    let field = |name| jwk.get(name).and_then(Value::as_str);
    if !jwk.is_object() {
        return Err(KeyDecodeError::Jwk("not an object"));
    }
    if field("kty") != Some("OKP") {
        return Err(KeyDecodeError::Jwk("kty is not OKP"));
    }
    if field("crv") != Some("Ed25519") {
        return Err(KeyDecodeError::Jwk("crv is not Ed25519"));
    }
    if jwk.get("d").is_some() {
        return Err(KeyDecodeError::Jwk("it holds the private key d"));
    }
    if field("use").is_some_and(|u| u != "sig") {
        return Err(KeyDecodeError::Jwk("use is not sig"));
    }
    let x = field("x").ok_or(KeyDecodeError::Jwk("no x"))?;
    let mut bytes = Vec::with_capacity(32);
    if !base64url::decode(x.as_bytes(), &mut bytes) {
        return Err(KeyDecodeError::Jwk("x is not base64url"));
    }
    bytes
        .try_into()
        .map_err(|_| KeyDecodeError::Jwk("x is not 32 bytes"))
}

/// Reads a public JWK of any type this engine verifies with: `OKP`
/// Ed25519 ([`decode_jwk`]), `EC` P-256 / P-384 with `x` and `y` (RFC 7518
/// §6.2.1), or `RSA` with `n` and `e` (§6.3.1). A JWK carrying private
/// members (`d`, and for RSA `p`, `q`, `dp`, `dq`, `qi`, `oth`) is
/// refused, as is one whose `use` is not `sig`.
pub fn decode_jwk_any(jwk: Value<'_>) -> Result<KeyMaterial, KeyDecodeError> {
    let field = |name| jwk.get(name).and_then(Value::as_str);
    if !jwk.is_object() {
        return Err(KeyDecodeError::Jwk("not an object"));
    }
    let b64 = |name: &'static str, why: &'static str| {
        let text = field(name).ok_or(KeyDecodeError::Jwk(why))?;
        let mut bytes = Vec::new();
        match base64url::decode(text.as_bytes(), &mut bytes) && !bytes.is_empty() {
            true => Ok(bytes),
            false => Err(KeyDecodeError::Jwk(why)),
        }
    };
    match field("kty") {
        Some("OKP") => decode_jwk(jwk).map(KeyMaterial::Ed25519),
        Some(kty @ ("EC" | "RSA")) => {
            if ["d", "p", "q", "dp", "dq", "qi", "oth"]
                .iter()
                .any(|m| jwk.get(m).is_some())
            {
                return Err(KeyDecodeError::Jwk("it holds private members"));
            }
            if field("use").is_some_and(|u| u != "sig") {
                return Err(KeyDecodeError::Jwk("use is not sig"));
            }
            if kty == "RSA" {
                let n = b64("n", "n is absent or not base64url")?;
                let e = b64("e", "e is absent or not base64url")?;
                return Ok(KeyMaterial::Rsa { n, e });
            }
            let curve = field("crv")
                .and_then(Curve::from_jwk_name)
                .ok_or(KeyDecodeError::Jwk("crv is not P-256 or P-384"))?;
            let x = b64("x", "x is absent or not base64url")?;
            let y = b64("y", "y is absent or not base64url")?;
            let n = curve.field_len();
            if x.len() != n || y.len() != n {
                return Err(KeyDecodeError::Jwk("x or y is not the curve's length"));
            }
            let mut sec1 = Vec::with_capacity(1 + 2 * n);
            sec1.push(4);
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            Ok(KeyMaterial::Ec { curve, sec1 })
        }
        _ => Err(KeyDecodeError::Jwk("kty is not OKP, EC or RSA")),
    }
}

/// Decodes the identifier of a `did:jwk` (the base64url of the JWK's JSON)
/// into its key, of any type [`decode_jwk_any`] reads.
pub fn decode_did_jwk(method_specific_id: &str) -> Result<KeyMaterial, KeyDecodeError> {
    let mut json = Vec::new();
    if !base64url::decode(method_specific_id.as_bytes(), &mut json) {
        return Err(KeyDecodeError::Jwk("identifier is not base64url"));
    }
    JsonParser::default()
        .with_doc(&json, decode_jwk_any)
        .map_err(|_| KeyDecodeError::Jwk("identifier is not JSON"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multikey_round_trips() {
        let key = [7u8; 32];
        let text = encode_multikey(&key);
        assert!(text.starts_with("z6Mk"));
        assert_eq!(decode_multikey(&text), Ok(key));
        assert_eq!(decode_multikey(&text[1..]), Err(KeyDecodeError::Multibase));
        assert_eq!(decode_multikey("zQ3s"), Err(KeyDecodeError::Multicodec));
    }
}
