//! JWS examples of RFC 7515 (A.2 `RS256`, A.3 `ES256`) and RFC 7520 (4.1
//! `RS256`; 4.2 `PS384` and 4.3 `ES512`, which this engine does not
//! verify), through the key readers and verifiers VC-JWTs use.

use credverify::json::{JsonParser, Value};
use credverify::resolve::KeyResolver;
use credverify::resolve::multikey::{KeyMaterial, decode_jwk_any};
use credverify::suite::vc_jwt;
use credverify::verdict::JwtAlg;
use credverify::verify::key::PublicKey;

use super::{str_member, with_json};

/// The key and token of one example.
struct Example {
    key: PublicKey,
    token: String,
}

fn load(jwk: Value<'_>, what: &str) -> PublicKey {
    let material = decode_jwk_any(jwk).unwrap_or_else(|e| panic!("{what}: JWK refused: {e}"));
    KeyResolver::new(false)
        .load(&material)
        .unwrap_or_else(|e| panic!("{what}: key refused: {e}"))
}

fn rfc7515(file: &str) -> Example {
    with_json(file, |v| Example {
        key: load(v.get("jwk").expect("jwk"), file),
        token: str_member(v, "token", file).to_owned(),
    })
}

/// Splits a token into its signing input and decoded signature, and
/// reads its `alg`.
fn parts(token: &str, what: &str) -> (JwtAlg, Vec<u8>, Vec<u8>) {
    let mut scratch = Vec::new();
    let opened = vc_jwt::open(token, &mut JsonParser::default(), &mut scratch)
        .unwrap_or_else(|p| panic!("{what}: not a JWS: {p:?}"));
    let mut signature = Vec::new();
    assert!(opened.decode_signature(&mut signature), "{what}: signature");
    (opened.alg, opened.signing_input().to_vec(), signature)
}

fn verifies(key: &PublicKey, alg: JwtAlg, input: &[u8], signature: &[u8]) -> bool {
    match (key, alg) {
        (PublicKey::Rsa(k), JwtAlg::Rs256) => k.verify_rs256(input, signature),
        (PublicKey::Rsa(k), JwtAlg::Ps256) => k.verify_ps256(input, signature),
        (PublicKey::Ec(k), JwtAlg::Es256 | JwtAlg::Es384) => k.verify(input, signature),
        _ => false,
    }
}

#[test]
fn rfc7515_a2_rs256() {
    let file = "jose/rfc7515-A.2-rs256.json";
    let e = rfc7515(file);
    let (alg, input, signature) = parts(&e.token, file);
    assert_eq!(alg, JwtAlg::Rs256, "{file}: alg");
    let PublicKey::Rsa(key) = &e.key else {
        panic!("{file}: not an RSA key");
    };
    assert!(key.verify_rs256(&input, &signature), "{file}: verifies");
    assert!(
        !key.verify_ps256(&input, &signature),
        "{file}: not as PS256"
    );
    let mut tampered = input.clone();
    tampered[20] ^= 1;
    assert!(!key.verify_rs256(&tampered, &signature), "{file}: tampered");
}

/// P-256's group order `n`, big-endian.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `a − b` for big-endian numbers of one length, `a ≥ b`.
fn minus(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = i16::from(d < 0);
        out[i] = d.rem_euclid(256) as u8;
    }
    assert_eq!(borrow, 0, "a < b");
    out
}

/// The DER `ECDSA-Sig-Value` of `r ‖ s` (RFC 3279 §2.2.3).
fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |x: &[u8]| {
        let x = &x[x.iter().take_while(|b| **b == 0).count()..];
        let mut v = vec![0x02];
        let pad = x[0] & 0x80 != 0;
        v.push((x.len() + usize::from(pad)) as u8);
        if pad {
            v.push(0);
        }
        v.extend_from_slice(x);
        v
    };
    let body = [int(r), int(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn rfc7515_a3_es256_in_either_s_form_and_never_as_der() {
    let file = "jose/rfc7515-A.3-es256.json";
    let e = rfc7515(file);
    let (alg, input, signature) = parts(&e.token, file);
    assert_eq!(alg, JwtAlg::Es256, "{file}: alg");
    let PublicKey::Ec(key) = &e.key else {
        panic!("{file}: not an EC key");
    };
    assert!(key.verify(&input, &signature), "{file}: verifies");
    // (r, n − s) is the same signature in the other form: accepted.
    let (r, s) = signature.split_at(32);
    let flipped = [r, &minus(&P256_N, s)].concat();
    assert_ne!(flipped, signature);
    assert!(key.verify(&input, &flipped), "{file}: n − s");
    // RFC 7518 §3.4: the JWS form is r ‖ s; DER fails.
    assert!(!key.verify(&input, &der(r, s)), "{file}: DER");
    assert!(!key.verify(&input, &signature[..63]), "{file}: short");
    let mut tampered = signature.clone();
    tampered[40] ^= 1;
    assert!(!key.verify(&input, &tampered), "{file}: tampered");
    assert!(
        !verifies(&e.key, JwtAlg::Rs256, &input, &signature),
        "{file}: an EC key signs no RS256"
    );
}

#[test]
fn rfc7520_cookbook() {
    let key_file = "jose/rfc7520/jwk/3_3.rsa_public_key.json";
    let key = with_json(key_file, |v| load(v, key_file));
    let ec_file = "jose/rfc7520/jwk/3_1.ec_public_key.json";
    // A P-521 key: no algorithm here signs with it.
    let p521 = with_json(ec_file, |v| decode_jwk_any(v).map(|_| ()));
    assert!(p521.is_err(), "{ec_file}: read as {p521:?}");
    for (file, alg, holds) in [
        (
            "jose/rfc7520/jws/4_1.rsa_v15_signature.json",
            JwtAlg::Rs256,
            true,
        ),
        (
            "jose/rfc7520/jws/4_2.rsa-pss_signature.json",
            JwtAlg::Unknown,
            false,
        ),
        (
            "jose/rfc7520/jws/4_3.ecdsa_signature.json",
            JwtAlg::Unknown,
            false,
        ),
    ] {
        let token = with_json(file, |v| {
            let compact = v.get("output").and_then(|o| o.get("compact"));
            compact
                .and_then(Value::as_str)
                .expect("output.compact")
                .to_owned()
        });
        let (got, input, signature) = parts(&token, file);
        assert_eq!(got, alg, "{file}: alg (PS384 and ES512 are not verified)");
        assert_eq!(verifies(&key, got, &input, &signature), holds, "{file}");
    }
    // The cookbook's RSA key, read with its private members, is refused.
    let file = "jose/rfc7520/jws/4_1.rsa_v15_signature.json";
    let private = with_json(file, |v| {
        decode_jwk_any(v.get("input").and_then(|i| i.get("key")).expect("key")).map(|_| ())
    });
    assert!(private.is_err(), "{file}: a private JWK was read");
    let material = with_json(key_file, decode_jwk_any).expect("public");
    assert!(matches!(material, KeyMaterial::Rsa { .. }), "{key_file}");
}
