//! W3C Data Integrity EdDSA Cryptosuites v1.0, `eddsa-jcs-2022` test vectors
//! (w3c/vc-di-eddsa `TestVectors/`): each step of the proof, then whole runs.

use std::path::PathBuf;

use credverify::canon::jcs::canonicalize;
use credverify::json::{JsonParser, Value};
use credverify::resolve::multikey::decode_multikey;
use credverify::verify::{VerifyingKey, verify};
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

use super::{hex, minify, read, read_string, str_member, to_hex, with_json};

const DIR: &str = "vc-di-eddsa/TestVectors";

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn jcs_of(name: &str) -> String {
    String::from_utf8(with_json(&path(name), canonicalize)).expect("JCS is UTF-8")
}

/// The text of a file; `.txt` vectors have no trailing newline, but be
/// lenient about one.
fn text(name: &str) -> String {
    read_string(&path(name)).trim_end_matches('\n').to_owned()
}

/// The key pair: the public Multikey, and the seed of
/// `privateKeyMultibase` = z + base58btc(0x80 0x26 ‖ seed).
fn key_pair() -> ([u8; 32], [u8; 32]) {
    let file = path("keyPair.json");
    with_json(&file, |v| {
        let public = decode_multikey(str_member(v, "publicKeyMultibase", &file))
            .unwrap_or_else(|e| panic!("{file}: publicKeyMultibase: {e}"));
        let private = str_member(v, "privateKeyMultibase", &file);
        let bytes = bs58::decode(
            private
                .strip_prefix('z')
                .unwrap_or_else(|| panic!("{file}: privateKeyMultibase is not base58btc")),
        )
        .into_vec()
        .unwrap_or_else(|e| panic!("{file}: privateKeyMultibase: {e}"));
        assert_eq!(bytes.len(), 34, "{file}: privateKeyMultibase length");
        assert_eq!(
            bytes[..2],
            [0x80, 0x26],
            "{file}: privateKeyMultibase multicodec (ed25519-priv)"
        );
        (public, bytes[2..].try_into().expect("32 bytes"))
    })
}

#[test]
fn canonical_forms_hashes_and_signature() {
    let proof_canon = jcs_of("eddsa-jcs-2022/proofConfigJCS.json");
    assert_eq!(
        proof_canon,
        text("eddsa-jcs-2022/proofCanonJCS.txt"),
        "{DIR}: JCS of eddsa-jcs-2022/proofConfigJCS.json vs proofCanonJCS.txt"
    );
    let doc_canon = jcs_of("unsigned.json");
    assert_eq!(
        doc_canon,
        text("eddsa-jcs-2022/canonDocJCS.txt"),
        "{DIR}: JCS of unsigned.json vs eddsa-jcs-2022/canonDocJCS.txt"
    );

    let proof_hash = Sha256::digest(proof_canon.as_bytes());
    let doc_hash = Sha256::digest(doc_canon.as_bytes());
    assert_eq!(
        to_hex(&proof_hash),
        text("eddsa-jcs-2022/proofHashJCS.txt"),
        "{DIR}: proofHashJCS.txt"
    );
    assert_eq!(
        to_hex(&doc_hash),
        text("eddsa-jcs-2022/docHashJCS.txt"),
        "{DIR}: docHashJCS.txt"
    );
    let mut combined = proof_hash.to_vec();
    combined.extend_from_slice(&doc_hash);
    assert_eq!(
        to_hex(&combined),
        text("eddsa-jcs-2022/combinedHashJCS.txt"),
        "{DIR}: combinedHashJCS.txt = proofHash ‖ docHash"
    );

    let (public, seed) = key_pair();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    assert_eq!(
        signing.verifying_key().to_bytes(),
        public,
        "{DIR}/keyPair.json: the private key derives the public key"
    );
    let key = VerifyingKey::screen(public, 0)
        .unwrap_or_else(|r| panic!("{DIR}/keyPair.json: key refused by screening: {r:?}"));

    let sig_hex: [u8; 64] = hex(&text("eddsa-jcs-2022/sigHexJCS.txt"), "sigHexJCS.txt")
        .try_into()
        .expect("sigHexJCS.txt: 64 bytes");
    assert_eq!(
        signing.sign(&combined).to_bytes(),
        sig_hex,
        "{DIR}: sigHexJCS.txt reproduced by signing the combined hash"
    );
    assert_eq!(
        verify(&sig_hex, &key, &combined),
        Ok(true),
        "{DIR}: sigHexJCS.txt over the combined hash"
    );

    let signed = path("eddsa-jcs-2022/signedJCS.json");
    let proof_value = with_json(&signed, |v| {
        let proof = v
            .get("proof")
            .unwrap_or_else(|| panic!("{signed}: no proof"));
        str_member(proof, "proofValue", &signed).to_owned()
    });
    assert_eq!(
        proof_value,
        text("eddsa-jcs-2022/sigBTC58JCS.txt"),
        "{signed}: proofValue vs sigBTC58JCS.txt"
    );
    let decoded = bs58::decode(
        proof_value
            .strip_prefix('z')
            .unwrap_or_else(|| panic!("{signed}: proofValue is not base58btc")),
    )
    .into_vec()
    .unwrap_or_else(|e| panic!("{signed}: proofValue: {e}"));
    let sig: [u8; 64] = decoded
        .as_slice()
        .try_into()
        .unwrap_or_else(|_| panic!("{signed}: proofValue is {} bytes", decoded.len()));
    assert_eq!(sig, sig_hex, "{signed}: proofValue vs sigHexJCS.txt");
    assert_eq!(
        verify(&sig, &key, &combined),
        Ok(true),
        "{signed}: proofValue over the combined hash"
    );
    let mut altered = combined.clone();
    altered[40] ^= 0x01;
    assert_ne!(
        verify(&sig, &key, &altered),
        Ok(true),
        "{signed}: accepted over an altered document hash"
    );
}

/// One verdict record.
#[derive(Debug)]
struct Verdict {
    line: u64,
    verdict: String,
    problems: Vec<String>,
    warnings: Vec<String>,
    format: Option<String>,
}

fn strings(v: Option<Value<'_>>) -> Vec<String> {
    v.map(|a| {
        a.elements()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Runs the verifier over the records as one JSON Lines file.
fn run(name: &str, records: &[String]) -> Vec<Verdict> {
    let file: PathBuf = std::env::temp_dir().join(format!(
        "credverify-vectors-{}-{name}.jsonl",
        std::process::id()
    ));
    std::fs::write(&file, records.join("\n") + "\n")
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut config = credverify::VerifyConfig::new(
        vec![credverify::source::InputPath::File(file.clone())],
        credverify::time::Timestamp::parse("2026-01-01T00:00:00Z").expect("timestamp"),
    );
    config.threads = 1;
    let mut sink = credverify::report::VerdictWriter::new(
        Vec::new(),
        credverify::report::OutputFormat::Jsonl,
        &[file.display().to_string()],
    )
    .expect("writer");
    let result = credverify::verify(&config, &mut sink);
    let _ = std::fs::remove_file(&file);
    let summary = result.unwrap_or_else(|e| panic!("{name}: the run failed: {e}"));
    assert_eq!(
        summary.records,
        records.len() as u64,
        "{name}: records in the summary"
    );
    let out = String::from_utf8(sink.into_inner()).expect("UTF-8 verdicts");
    let mut parser = JsonParser::default();
    let verdicts: Vec<Verdict> = out
        .lines()
        .map(|line| {
            parser
                .with_doc(line.as_bytes(), |v| Verdict {
                    line: v
                        .get("line")
                        .and_then(|n| match n.node() {
                            simd_json::Node::Static(s) => {
                                credverify::json::number(s).map(|x| x as u64)
                            }
                            _ => None,
                        })
                        .unwrap_or(0),
                    verdict: v
                        .get("verdict")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    problems: strings(v.get("problems")),
                    warnings: strings(v.get("warnings")),
                    format: v.get("format").and_then(Value::as_str).map(str::to_owned),
                })
                .unwrap_or_else(|p| panic!("{name}: verdict record is not JSON ({p:?}): {line}"))
        })
        .collect();
    assert_eq!(
        verdicts.len(),
        records.len(),
        "{name}: one verdict per record:\n{out}"
    );
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(
            v.line,
            i as u64 + 1,
            "{name}: verdict {i} line number:\n{out}"
        );
    }
    verdicts
}

fn signed_jcs_line() -> String {
    let line = minify(&read_string(&path("eddsa-jcs-2022/signedJCS.json")));
    assert!(!line.contains('\n'), "signedJCS.json minified to one line");
    line
}

/// The key is a did:key, the issuer an https URL that does not control it.
#[test]
fn signed_jcs_is_issuer_mismatch() {
    let v = run("signedJCS", &[signed_jcs_line()]);
    let what = format!("{DIR}/eddsa-jcs-2022/signedJCS.json line 1");
    assert_eq!(v[0].verdict, "issuer_mismatch", "{what}: {:?}", v[0]);
    assert_eq!(v[0].problems, ["issuer_mismatch"], "{what}: problems");
    assert_eq!(
        v[0].format.as_deref(),
        Some("eddsa-jcs-2022"),
        "{what}: format"
    );
}

#[test]
fn signed_jcs_with_one_character_changed_is_invalid_signature() {
    let original = signed_jcs_line();
    let from = r#""alumniOf":"The School of Examples""#;
    assert!(
        original.contains(from),
        "signedJCS.json: credentialSubject.alumniOf"
    );
    let changed = original.replace(from, r#""alumniOf":"The School of Exbmples""#);
    let v = run("signedJCS-altered", &[original, changed]);
    let what = format!("{DIR}/eddsa-jcs-2022/signedJCS.json with alumniOf altered, line 2");
    assert!(
        v[1].problems.iter().any(|p| p == "invalid_signature"),
        "{what}: {:?}",
        v[1]
    );
    assert_eq!(v[1].verdict, "invalid_signature", "{what}: {:?}", v[1]);
    assert_eq!(
        v[0].verdict, "issuer_mismatch",
        "{DIR}/eddsa-jcs-2022/signedJCS.json line 1 of the same run: {:?}",
        v[0]
    );
}

/// Proof sets and chains of `eddsa-rdfc-2022` proofs name the W3C examples
/// context, which is not built in: without `--contexts` they are
/// `unknown_context` (`jsonld_proofs.rs` verifies them with it).
#[test]
fn rdfc_proof_sets_and_chains_need_their_contexts() {
    let names = [
        "signedProofSet1",
        "signedProofSet2",
        "signedProofChain1",
        "signedProofChain2",
    ];
    let lines: Vec<String> = names
        .iter()
        .map(|n| minify(&read_string(&path(&format!("proof-set-chain/{n}.json")))))
        .collect();
    for (name, line) in names.iter().zip(&lines) {
        assert!(
            line.contains("eddsa-rdfc-2022"),
            "{DIR}/proof-set-chain/{name}.json: an eddsa-rdfc-2022 proof"
        );
        let bytes = read(&path(&format!("proof-set-chain/{name}.json")));
        JsonParser::default()
            .with_doc(&bytes, |_| ())
            .unwrap_or_else(|p| panic!("{DIR}/proof-set-chain/{name}.json: {p:?}"));
    }
    let v = run("proof-set-chain", &lines);
    for ((name, verdict), line) in names.iter().zip(&v).zip(1..) {
        let what = format!("{DIR}/proof-set-chain/{name}.json (line {line})");
        assert_eq!(verdict.verdict, "unknown_context", "{what}: {verdict:?}");
        assert_eq!(
            verdict.problems,
            ["unknown_context", "issuer_mismatch"],
            "{what}"
        );
        assert!(verdict.warnings.is_empty(), "{what}: {verdict:?}");
    }
}
