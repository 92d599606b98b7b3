//! RFC 8037 Appendix A: the Ed25519 OKP JWK, its RFC 7638 thumbprint and the
//! compact JWS "Example of Ed25519 signing".

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credverify::canon::jcs::canonicalize;
use credverify::resolve::multikey::decode_jwk;
use credverify::verify::{VerifyingKey, verify};
use sha2::{Digest, Sha256};

use super::{hex_array, str_member, with_json};

const FILE: &str = "vc-jose/rfc8037-appendixA-ed25519.json";

/// RFC 8032 §7.1 TEST 1, which RFC 8037 Appendix A reuses.
const TEST1: &str = "ed25519/rfc8032/rfc8032-section7.1-ed25519.json";

struct Appendix {
    public_key: Result<[u8; 32], String>,
    private_key: Result<[u8; 32], String>,
    d: Vec<u8>,
    thumbprint_json: String,
    thumbprint_input: String,
    thumbprint: String,
    header: String,
    payload: String,
    signing_input: String,
    jws: String,
}

fn appendix() -> Appendix {
    with_json(FILE, |v| {
        let public = v
            .get("public_jwk")
            .unwrap_or_else(|| panic!("{FILE}: no public_jwk"));
        let private = v
            .get("private_jwk")
            .unwrap_or_else(|| panic!("{FILE}: no private_jwk"));
        Appendix {
            public_key: decode_jwk(public).map_err(|e| e.to_string()),
            private_key: decode_jwk(private).map_err(|e| e.to_string()),
            d: URL_SAFE_NO_PAD
                .decode(str_member(private, "d", FILE))
                .unwrap_or_else(|e| panic!("{FILE}: d: {e}")),
            thumbprint_json: String::from_utf8(canonicalize(public)).expect("UTF-8"),
            thumbprint_input: str_member(v, "thumbprint_input", FILE).into(),
            thumbprint: str_member(v, "jwk_thumbprint_sha256_rfc7638", FILE).into(),
            header: str_member(v, "protected_header", FILE).into(),
            payload: str_member(v, "payload_utf8", FILE).into(),
            signing_input: str_member(v, "signing_input", FILE).into(),
            jws: str_member(v, "compact_jws", FILE).into(),
        }
    })
}

fn test1_public_key() -> [u8; 32] {
    with_json(TEST1, |v| {
        let first = v
            .elements()
            .next()
            .unwrap_or_else(|| panic!("{TEST1}: empty"));
        assert_eq!(
            str_member(first, "name", TEST1),
            "TEST 1",
            "{TEST1}: first vector"
        );
        hex_array(str_member(first, "public_key", TEST1), TEST1)
    })
}

#[test]
fn public_jwk_decodes_to_the_rfc8032_test1_key() {
    let a = appendix();
    let key = a
        .public_key
        .unwrap_or_else(|e| panic!("{FILE} public_jwk: refused: {e}"));
    assert_eq!(
        key,
        test1_public_key(),
        "{FILE} public_jwk: x is RFC 8032 TEST 1's public key"
    );
    let seed: [u8; 32] =
        a.d.as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("{FILE} private_jwk: d is not 32 bytes"));
    assert_eq!(
        ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes(),
        key,
        "{FILE} private_jwk: d derives x"
    );
}

#[test]
fn private_jwk_is_refused() {
    let a = appendix();
    assert!(
        a.private_key.is_err(),
        "{FILE} private_jwk: a JWK with \"d\" was accepted as a public key"
    );
}

/// RFC 7638 §3.2: the thumbprint input is the required members in
/// lexicographic order without whitespace, which is the JWK's JCS form.
#[test]
fn thumbprint_input_is_the_canonical_jwk() {
    let a = appendix();
    assert_eq!(
        a.thumbprint_json, a.thumbprint_input,
        "{FILE}: JCS of public_jwk vs thumbprint_input"
    );
    let digest = Sha256::digest(a.thumbprint_input.as_bytes());
    assert_eq!(
        URL_SAFE_NO_PAD.encode(digest),
        a.thumbprint,
        "{FILE}: RFC 7638 thumbprint"
    );
}

#[test]
fn compact_jws_verifies_over_header_and_payload() {
    let a = appendix();
    let parts: Vec<&str> = a.jws.split('.').collect();
    assert_eq!(parts.len(), 3, "{FILE} compact_jws: three parts");
    let input = format!("{}.{}", parts[0], parts[1]);
    assert_eq!(input, a.signing_input, "{FILE} compact_jws: signing input");
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("{FILE} compact_jws {what}: {e}"))
    };
    assert_eq!(
        decode(parts[0], "header"),
        a.header.as_bytes(),
        "{FILE} compact_jws: protected header"
    );
    assert_eq!(
        decode(parts[1], "payload"),
        a.payload.as_bytes(),
        "{FILE} compact_jws: payload"
    );
    let sig: [u8; 64] = decode(parts[2], "signature")
        .try_into()
        .unwrap_or_else(|_| panic!("{FILE} compact_jws: signature is not 64 bytes"));
    let key_bytes = a
        .public_key
        .unwrap_or_else(|e| panic!("{FILE} public_jwk: refused: {e}"));
    let key = VerifyingKey::screen(key_bytes, 0)
        .unwrap_or_else(|r| panic!("{FILE} public_jwk: key refused by screening: {r:?}"));
    assert_eq!(
        verify(&sig, &key, input.as_bytes()),
        Ok(true),
        "{FILE} compact_jws: not accepted"
    );
    // The same signature over another payload, and a tampered signature.
    let other = format!(
        "{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode("Example of Ed25519 signing!")
    );
    assert_ne!(
        verify(&sig, &key, other.as_bytes()),
        Ok(true),
        "{FILE} compact_jws: accepted over another payload"
    );
    let mut tampered = sig;
    tampered[10] ^= 0x01;
    assert_ne!(
        verify(&tampered, &key, input.as_bytes()),
        Ok(true),
        "{FILE} compact_jws: accepted with R altered"
    );
}
