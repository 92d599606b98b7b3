//! W3C Data Integrity ECDSA Cryptosuites v1.0 test vectors: `ecdsa-rdfc-2019`
//! and `ecdsa-jcs-2019`, each with P-256 (SHA-256) and P-384 (SHA-384),
//! through the whole pipeline. The vectors' issuer is an https URL and
//! their key a `did:key`, so a verdict can be no better than
//! `issuer_mismatch`: that it is exactly that (no signature problem) says
//! the signature verified; a changed claim must make it
//! `invalid_signature`.

use credverify::resolve::KeyResolver;
use credverify::verify::ecdsa::Curve;
use credverify::verify::key::PublicKey;

use super::{data_path, read_string, str_member, with_json};
use crate::util;

const VECTORS: [(&str, &str, Curve); 4] = [
    (
        "vc-di-ecdsa/ecdsa-rdfc-2019/signedECDSAP256.json",
        "ecdsa-rdfc-2019",
        Curve::P256,
    ),
    (
        "vc-di-ecdsa/ecdsa-rdfc-2019/signedECDSAP384.json",
        "ecdsa-rdfc-2019",
        Curve::P384,
    ),
    (
        "vc-di-ecdsa/ecdsa-jcs-2019/signedJCSECDSAP256.json",
        "ecdsa-jcs-2019",
        Curve::P256,
    ),
    (
        "vc-di-ecdsa/ecdsa-jcs-2019/signedJCSECDSAP384.json",
        "ecdsa-jcs-2019",
        Curve::P384,
    ),
];

/// Verdict, format and problems of each line, with the test contexts.
fn judged(lines: &[String]) -> Vec<(String, Option<String>, Vec<String>)> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    util::run_lines(&refs, |c| c.contexts = Some(data_path("contexts")))
        .into_iter()
        .map(|v| (v.verdict, v.format, v.problems))
        .collect()
}

/// A vector on one line, with `from` replaced by `to` (once).
fn line(file: &str, from: &str, to: &str) -> String {
    let text = read_string(file);
    assert!(text.contains(from), "{file}: no {from:?}");
    let compact: String = text.lines().map(str::trim).collect();
    compact.replacen(from, to, 1)
}

#[test]
fn each_vector_verifies_and_a_changed_claim_does_not() {
    let mut lines = Vec::new();
    for (file, _, _) in VECTORS {
        lines.push(line(
            file,
            "The School of Examples",
            "The School of Examples",
        ));
        lines.push(line(
            file,
            "The School of Examples",
            "The School of Forgeries",
        ));
    }
    let got = judged(&lines);
    for (i, (file, suite, _)) in VECTORS.iter().enumerate() {
        let format = Some((*suite).to_owned());
        assert_eq!(
            got[2 * i],
            (
                "issuer_mismatch".into(),
                format.clone(),
                vec!["issuer_mismatch".into()]
            ),
            "{file}"
        );
        assert_eq!(
            got[2 * i + 1],
            (
                "invalid_signature".into(),
                format,
                vec!["invalid_signature".into(), "issuer_mismatch".into()]
            ),
            "{file}, tampered"
        );
    }
}

#[test]
fn the_vectors_keys_are_their_key_pairs() {
    let resolver = KeyResolver::new(false);
    for (file, _, curve) in VECTORS {
        let method = with_json(file, |v| {
            str_member(v.get("proof").expect("proof"), "verificationMethod", file).to_owned()
        });
        let pair = match curve {
            Curve::P256 => "vc-di-ecdsa/p256KeyPair.json",
            Curve::P384 => "vc-di-ecdsa/p384KeyPair.json",
        };
        let public = with_json(pair, |v| {
            str_member(v, "publicKeyMultibase", pair).to_owned()
        });
        assert_eq!(method, format!("did:key:{public}#{public}"), "{file}");
        match resolver.resolve(&method).map(|r| r.key.clone()) {
            Ok(Ok(PublicKey::Ec(key))) => assert_eq!(key.curve(), curve, "{file}"),
            other => panic!("{file}: {method} resolved to {other:?}"),
        }
    }
}

#[test]
fn a_key_of_another_type_is_key_type() {
    // The P-256 vector's proof naming an Ed25519 did:key, and an
    // eddsa-jcs-2022 proof naming the P-256 key.
    let sk = util::key(4);
    let (_, ed_method) = util::did_key(&sk);
    let (file, _, _) = VECTORS[2];
    let p256_method = with_json(file, |v| {
        str_member(v.get("proof").expect("proof"), "verificationMethod", file).to_owned()
    });
    let lines = [
        line(file, &p256_method, &ed_method),
        line(file, "ecdsa-jcs-2019", "eddsa-jcs-2022"),
    ];
    let got = judged(&lines);
    assert!(got[0].2.contains(&"key_type".to_owned()), "{:?}", got[0]);
    assert_eq!(got[0].0, "invalid_proof");
    // The P-256 signature's 64 bytes decode as an EdDSA proofValue; the
    // key's type decides.
    assert_eq!(got[1].0, "invalid_proof", "{:?}", got[1]);
    assert!(got[1].2.contains(&"key_type".to_owned()), "{:?}", got[1]);
}
