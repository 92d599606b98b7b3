//! Wycheproof (C2SP) verification vectors for the algorithms of VC-JWT and
//! the ECDSA suites: ECDSA P-256 / SHA-256 and P-384 / SHA-384 with the
//! JWS signature form `r ‖ s` (IEEE P1363), RSASSA-PKCS1-v1_5 2048 / SHA-256
//! (`RS256`) and RSASSA-PSS 2048 / SHA-256 / MGF1-SHA-256 / salt 32
//! (`PS256`). Every vector's expected result, through the engine's own key
//! readers and verifiers: `valid` must verify, `invalid` must not, and
//! `acceptable` may go either way.

use credverify::verify::ecdsa::{Curve, EcKey};
use credverify::verify::rsa::RsaKey;

use super::{hex, str_member, with_json};

/// Runs every test of `file`, `verify(group, msg, sig)` deciding; returns
/// (valid, invalid, acceptable) counts.
fn run<K>(
    file: &str,
    key: impl Fn(credverify::json::Value<'_>, &str) -> K,
    verify: impl Fn(&K, &[u8], &[u8]) -> bool,
) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    with_json(file, |doc| {
        for (g, group) in doc
            .get("testGroups")
            .expect("testGroups")
            .elements()
            .enumerate()
        {
            let what = format!("{file} group {g}");
            let k = key(group, &what);
            for test in group.get("tests").expect("tests").elements() {
                let id = test.get("tcId").and_then(|v| v.as_u64()).expect("tcId");
                let what = format!("{file} tcId {id}");
                let msg = hex(str_member(test, "msg", &what), &what);
                let sig = hex(str_member(test, "sig", &what), &what);
                let got = verify(&k, &msg, &sig);
                match str_member(test, "result", &what) {
                    "valid" => {
                        assert!(got, "{what}: a valid signature was refused");
                        counts.0 += 1;
                    }
                    "invalid" => {
                        assert!(!got, "{what}: an invalid signature was accepted");
                        counts.1 += 1;
                    }
                    "acceptable" => counts.2 += 1,
                    other => panic!("{what}: result {other:?}"),
                }
            }
        }
    });
    counts
}

fn ec(curve: Curve) -> impl Fn(credverify::json::Value<'_>, &str) -> EcKey {
    move |group, what| {
        let point = group.get("publicKey").expect("publicKey");
        let sec1 = hex(str_member(point, "uncompressed", what), what);
        EcKey::from_sec1(curve, &sec1).unwrap_or_else(|e| panic!("{what}: key refused: {e}"))
    }
}

fn rsa(group: credverify::json::Value<'_>, what: &str) -> RsaKey {
    let key = group.get("publicKey").expect("publicKey");
    let n = hex(str_member(key, "modulus", what), what);
    let e = hex(str_member(key, "publicExponent", what), what);
    RsaKey::from_components(&n, &e).unwrap_or_else(|err| panic!("{what}: key refused: {err}"))
}

#[test]
fn ecdsa_p256_sha256() {
    let file = "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json";
    let counts = run(file, ec(Curve::P256), |k, m, s| k.verify(m, s));
    assert_eq!(counts, (173, 89, 0), "{file}: valid, invalid, acceptable");
}

#[test]
fn ecdsa_p384_sha384() {
    let file = "wycheproof/ecdsa_secp384r1_sha384_p1363_test.json";
    let counts = run(file, ec(Curve::P384), |k, m, s| k.verify(m, s));
    assert_eq!(counts, (193, 87, 0), "{file}: valid, invalid, acceptable");
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    let file = "wycheproof/rsa_signature_2048_sha256_test.json";
    let counts = run(file, rsa, |k, m, s| k.verify_rs256(m, s));
    assert_eq!(counts, (9, 249, 1), "{file}: valid, invalid, acceptable");
}

#[test]
fn rsa_pss_2048_sha256_salt32() {
    let file = "wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json";
    let counts = run(file, rsa, |k, m, s| k.verify_ps256(m, s));
    assert_eq!(counts, (63, 45, 0), "{file}: valid, invalid, acceptable");
}
