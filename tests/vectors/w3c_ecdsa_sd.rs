//! `ecdsa-sd-2023` selective disclosure: the W3C test vectors (the
//! PermanentResidentCard and EmploymentAuthorizationDocument examples,
//! their base and derived proofs and the intermediate values of "Verify
//! Derived Proof") and the 1EdTech validator's derived Open Badge, through
//! the whole pipeline, with every part of a derived proof tampered with.
//!
//! The W3C vectors' issuer is another did:key than the one that signs, so
//! a derived vector can be no better than `issuer_mismatch`: that it is
//! exactly that says the base signature and every statement's signature
//! verified.

use credverify::encoding::multibase;
use credverify::suite::ecdsa_sd_2023::{
    self, BASE_HEADER, DERIVED_HEADER, DerivedProof, ProofValueError, parse_derived,
};

use super::{data_path, read_string, str_member, with_json};
use crate::util;

const SETS: [&str; 2] = ["prc", "employ"];

fn file(set: &str, name: &str) -> String {
    format!("vc-di-ecdsa/ecdsa-sd-2023/{set}/{name}")
}

/// A vector file on one line.
fn compact(rel: &str) -> String {
    read_string(rel).lines().map(str::trim).collect()
}

/// `text` with `from` replaced by `to` once (which must be there).
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "no {from:?}");
    text.replacen(from, to, 1)
}

/// The verdicts of `lines`, with the W3C test contexts.
fn judged(lines: &[String], fragment_keys: bool) -> Vec<util::Verdict> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    util::run_lines(&refs, |c| {
        c.contexts = Some(data_path("contexts"));
        c.trust_fragment_keys = fragment_keys;
        // Within the PermanentResidentCard's validity.
        c.as_of = credverify::time::Timestamp::parse("2025-01-01T00:00:00Z").expect("instant");
    })
}

fn proof_value(doc: &str) -> String {
    let member = doc.find("\"proofValue\":").expect("proofValue") + 13;
    let start = member + doc[member..].find('"').expect("opening quote") + 1;
    let end = start + doc[start..].find('"').expect("closing quote");
    doc[start..end].to_owned()
}

fn decoded(value: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    multibase::decode_base64url(value, &mut bytes).expect("u + base64url");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn derived_vectors_verify_and_base_proofs_are_refused() {
    let mut lines = Vec::new();
    for set in SETS {
        lines.push(compact(&file(set, "derivedRevealDocument.json")));
        lines.push(compact(&file(set, "addSignedSDBase.json")));
    }
    let got = judged(&lines, false);
    for (i, set) in SETS.iter().enumerate() {
        let derived = &got[2 * i];
        assert_eq!(
            (derived.verdict.as_str(), derived.problems.clone()),
            ("issuer_mismatch", vec!["issuer_mismatch".to_owned()]),
            "{set}: {derived:?}"
        );
        assert_eq!(derived.format.as_deref(), Some("ecdsa-sd-2023"), "{set}");
        // Six selective statements revealed (the vectors' three pointers
        // reach six quads), besides the mandatory ones.
        assert_eq!(derived.disclosed, Some(6), "{set}");
        let base = &got[2 * i + 1];
        assert_eq!(
            (base.verdict.as_str(), base.problems.clone(), base.disclosed),
            ("invalid_proof", vec!["sd_base_proof".to_owned()], None),
            "{set}: base proof"
        );
    }
}

#[test]
fn parsed_components_are_the_vectors_intermediates() {
    for set in SETS {
        let doc = compact(&file(set, "derivedRevealDocument.json"));
        let bytes = decoded(&proof_value(&doc));
        assert_eq!(bytes[..3], DERIVED_HEADER, "{set}");
        let proof = parse_derived(&bytes).expect("a derived proof");
        let expected = file(set, "verifyDerivedProofValue.json");
        with_json(&expected, |v| {
            assert_eq!(
                hex(proof.base_signature),
                str_member(v, "baseSignature", &expected)
            );
            let key = format!("z{}", bs58::encode(proof.public_key).into_string());
            assert_eq!(key, str_member(v, "publicKey", &expected), "{set}");
            let sigs: Vec<String> = v
                .get("signatures")
                .expect("signatures")
                .elements()
                .map(|s| s.as_str().expect("hex").to_owned())
                .collect();
            let ours: Vec<String> = proof.signatures.iter().map(|s| hex(*s)).collect();
            assert_eq!(ours, sigs, "{set}");
            let labels: Vec<(String, String)> = v
                .get("labelMap")
                .expect("labelMap")
                .elements()
                .map(|pair| {
                    let mut it = pair
                        .elements()
                        .map(|s| s.as_str().expect("text").to_owned());
                    (it.next().expect("key"), it.next().expect("label"))
                })
                .collect();
            let ours: Vec<(String, String)> = proof
                .label_map
                .iter()
                .map(|(k, d)| (format!("c14n{k}"), ecdsa_sd_2023::label_text(d)))
                .collect();
            assert_eq!(ours, labels, "{set}");
            let indexes: Vec<u64> = v
                .get("mandatoryIndexes")
                .expect("mandatoryIndexes")
                .elements()
                .map(|n| n.as_u64().expect("index"))
                .collect();
            assert_eq!(proof.mandatory_indexes, indexes, "{set}");
        });
        // The base proof's header, and the verdict it gets.
        let base = decoded(&proof_value(&compact(&file(set, "addSignedSDBase.json"))));
        assert_eq!(base[..3], BASE_HEADER);
        assert_eq!(parse_derived(&base), Err(ProofValueError::BaseProof));
    }
}

#[test]
fn the_relabelled_statements_are_the_vectors() {
    // The verifier's statements (verifyNQuads.json) and the split the
    // mandatory indexes make (verifyCreateVerifyData.json): a statement
    // the vectors call non-mandatory, changed, fails its own signature; a
    // mandatory one fails the base signature; both are read back from the
    // statements' text, so the label map and order must be the vectors'.
    let set = "prc";
    let doc = compact(&file(set, "derivedRevealDocument.json"));
    let nquads = file(set, "verifyNQuads.json");
    let all: Vec<String> = with_json(&nquads, |v| {
        v.elements()
            .map(|s| s.as_str().expect("N-Quad").to_owned())
            .collect()
    });
    let data = file(set, "verifyCreateVerifyData.json");
    let optional: Vec<String> = with_json(&data, |v| {
        v.get("nonMandatory")
            .expect("nonMandatory")
            .elements()
            .map(|s| s.as_str().expect("N-Quad").to_owned())
            .collect()
    });
    let bytes = decoded(&proof_value(&doc));
    let proof = parse_derived(&bytes).expect("derived");
    let mandatory: Vec<&String> = proof
        .mandatory_indexes
        .iter()
        .map(|&i| &all[i as usize])
        .collect();
    assert_eq!(mandatory.len() + optional.len(), all.len());
    assert!(optional.iter().all(|q| !mandatory.contains(&q)));
    // The mandatory hash of the vectors is SHA-256 of the mandatory
    // statements joined.
    use sha2::Digest;
    let joined: String = mandatory.iter().map(|s| s.as_str()).collect();
    with_json(&data, |v| {
        assert_eq!(
            hex(&sha2::Sha256::digest(joined.as_bytes())),
            str_member(v, "mandatoryHash", &data)
        );
    });
    // A revealed literal of each kind, changed in the document.
    let got = judged(
        &[
            replaced(&doc, "\"Arcadia\"", "\"Utopia\""),
            replaced(&doc, "2024-12-16T00:00:00Z", "2024-12-17T00:00:00Z"),
            replaced(&doc, "iVBORw0KGgo", "iVBORw0KGgp"),
        ],
        false,
    );
    for (what, v) in [
        "a selective statement",
        "validFrom",
        "the mandatory issuer image",
    ]
    .iter()
    .zip(&got)
    {
        assert_eq!(v.verdict, "invalid_signature", "{what}: {v:?}");
        assert_eq!(v.disclosed, Some(6), "{what}");
    }
}

/// Re-encodes `proof` as a derived `proofValue`.
fn encode(proof: &DerivedProof<'_>, header: [u8; 3]) -> String {
    use base64::Engine;
    let mut e = minicbor::Encoder::new(Vec::new());
    e.array(5).expect("vec");
    e.bytes(proof.base_signature).expect("vec");
    e.bytes(proof.public_key).expect("vec");
    e.array(proof.signatures.len() as u64).expect("vec");
    for s in &proof.signatures {
        e.bytes(*s).expect("vec");
    }
    e.map(proof.label_map.len() as u64).expect("vec");
    for (k, d) in &proof.label_map {
        e.u64(*k).expect("vec").bytes(*d).expect("vec");
    }
    e.array(proof.mandatory_indexes.len() as u64).expect("vec");
    for i in &proof.mandatory_indexes {
        e.u64(*i).expect("vec");
    }
    let mut bytes = header.to_vec();
    bytes.extend(e.into_writer());
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[test]
fn every_part_of_a_derived_proof_is_checked() {
    let doc = compact(&file("prc", "derivedRevealDocument.json"));
    let value = proof_value(&doc);
    let bytes = decoded(&value);
    let proof = parse_derived(&bytes).expect("derived");
    let with_value = |v: &str| replaced(&doc, &value, v);
    let variant = |f: &dyn Fn(&mut DerivedProof<'_>)| {
        let mut p = parse_derived(&bytes).expect("derived");
        f(&mut p);
        with_value(&encode(&p, DERIVED_HEADER))
    };
    static OTHER_SIG: [u8; 64] = [7u8; 64];
    let (_, ed_method) = util::did_key(&util::key(4));
    let p384 = with_json("vc-di-ecdsa/p384KeyPair.json", |v| {
        str_member(v, "publicKeyMultibase", "p384KeyPair").to_owned()
    });
    let method = with_json(&file("prc", "derivedRevealDocument.json"), |v| {
        str_member(v.get("proof").expect("proof"), "verificationMethod", "prc").to_owned()
    });
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "re-encoded as it was",
            variant(&|_| {}),
            "issuer_mismatch",
            "issuer_mismatch",
        ),
        (
            "the employ proof on the prc document",
            with_value(&proof_value(&compact(&file(
                "employ",
                "derivedRevealDocument.json",
            )))),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "a statement signature replaced",
            variant(&|p| p.signatures[2] = &OTHER_SIG),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "the base signature replaced",
            variant(&|p| p.base_signature = &OTHER_SIG),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "one signature fewer than statements",
            variant(&|p| {
                p.signatures.pop();
            }),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "a mandatory statement called selective",
            variant(&|p| {
                p.mandatory_indexes.pop();
            }),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "two blank nodes given one label",
            variant(&|p| p.label_map[1].1 = p.label_map[0].1),
            "invalid_proof",
            "proof_value",
        ),
        (
            "a blank node the label map omits",
            variant(&|p| {
                p.label_map.pop();
            }),
            "invalid_signature",
            "invalid_signature",
        ),
        (
            "a mandatory index beyond the statements",
            variant(&|p| p.mandatory_indexes.push(10)),
            "invalid_proof",
            "proof_value",
        ),
        (
            "a mandatory index twice",
            variant(&|p| p.mandatory_indexes.push(0)),
            "invalid_proof",
            "proof_value",
        ),
        (
            "base58 instead of base64url",
            with_value(&format!("z{}", bs58::encode(&bytes).into_string())),
            "invalid_proof",
            "proof_value",
        ),
        (
            "a base header on derived components",
            with_value(&encode(&proof, BASE_HEADER)),
            "invalid_proof",
            "sd_base_proof",
        ),
        (
            "an Ed25519 issuer key",
            replaced(&doc, &method, &ed_method),
            "invalid_proof",
            "key_type",
        ),
        (
            "a P-384 issuer key",
            replaced(&doc, &method, &format!("did:key:{p384}#{p384}")),
            "invalid_proof",
            "key_type",
        ),
    ];
    let lines: Vec<String> = cases.iter().map(|c| c.1.clone()).collect();
    let got = judged(&lines, false);
    for ((what, _, verdict, problem), v) in cases.iter().zip(&got) {
        assert_eq!(v.verdict, *verdict, "{what}: {v:?}");
        assert!(v.problems.iter().any(|p| p == problem), "{what}: {v:?}");
    }
}

#[test]
fn more_signatures_than_the_record_may_check_are_proof_bound() {
    // 400 statement signatures on a 2 KB document: counted before any is
    // checked, against the record's ECDSA budget (crate::limits).
    let doc = compact(&file("prc", "derivedRevealDocument.json"));
    let value = proof_value(&doc);
    let bytes = decoded(&value);
    let mut proof = parse_derived(&bytes).expect("derived");
    let filler = [9u8; 64];
    proof.signatures = vec![&filler; 400];
    let line = replaced(&doc, &value, &encode(&proof, DERIVED_HEADER));
    assert!(
        line.len() / credverify::limits::ECDSA_BYTES_PER_UNIT
            + credverify::limits::ECDSA_UNITS_BASE
            < 401
    );
    let got = judged(&[line], false);
    assert_eq!(got[0].verdict, "invalid_proof", "{:?}", got[0]);
    assert!(got[0].problems.contains(&"proof_bound".to_owned()));
    assert_eq!(got[0].disclosed, Some(400));
}

#[test]
fn the_1edtech_derived_badge_verifies_with_its_fragment_key() {
    // The validator resolves the key from the verification method's
    // fragment (a P-256 Multikey under the issuer's https URL): here that
    // is --trust-fragment-keys. Without it the key is unknown.
    let doc = compact("vc-di-ecdsa/1edtech/derivedcredential.json");
    let lines = [
        doc.clone(),
        replaced(&doc, "\"Teamwork\"", "\"Teamwerk\""),
        replaced(&doc, "2010-01-01T00:00:00Z", "2010-01-02T00:00:00Z"),
    ];
    let trusted = judged(&lines, true);
    assert_eq!(
        (trusted[0].verdict.as_str(), trusted[0].warnings.clone()),
        ("valid", vec!["key_from_fragment".to_owned()]),
        "{:?}",
        trusted[0]
    );
    assert_eq!(trusted[0].disclosed, Some(15));
    assert_eq!(trusted[1].verdict, "invalid_signature", "{:?}", trusted[1]);
    assert_eq!(trusted[2].verdict, "invalid_signature", "{:?}", trusted[2]);
    let untrusted = judged(&lines[..1], false);
    assert_eq!(untrusted[0].verdict, "unknown_key", "{:?}", untrusted[0]);
}
