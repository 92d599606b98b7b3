//! Public key encodings: Multikey (`z` + base58btc of `0xed 0x01` ‖ key),
//! base58 raw keys (Ed25519VerificationKey2018) and JWK (RFC 8037 OKP).

use crate::encoding::{base58, base64url};
use crate::json::{JsonParser, Value};

/// The multicodec prefix of an Ed25519 public key (varint of 0xed).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

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

/// Decodes the identifier of a `did:jwk` (the base64url of the JWK's JSON).
pub fn decode_did_jwk(method_specific_id: &str) -> Result<[u8; 32], KeyDecodeError> {
    let mut json = Vec::new();
    if !base64url::decode(method_specific_id.as_bytes(), &mut json) {
        return Err(KeyDecodeError::Jwk("identifier is not base64url"));
    }
    JsonParser::default()
        .with_doc(&json, decode_jwk)
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
