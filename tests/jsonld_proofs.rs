//! eddsa-rdfc-2022 and Ed25519Signature2020 end to end: the W3C and
//! 1EdTech signed vectors through the whole pipeline, and self-signed
//! credentials for what the vectors do not cover (data loss, unknown
//! contexts, the suite context rule, the draft suite name, the
//! canonicalization bound, documents rewritten without changing their
//! meaning).

use credverify::canon::rdfc::{HashAlgorithm, Limits, canonicalize};
use credverify::json::JsonParser;
use credverify::jsonld::json::Json;
use credverify::jsonld::{Contexts, Processor};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use crate::util::{self, Verdict, data, did_key, key, run_lines};

const VECTORS: &str = "vc-di-eddsa/TestVectors";

/// A JSON file as one line.
fn line_of(rel: &str) -> String {
    let bytes = std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let json = JsonParser::default()
        .with_doc(&bytes, |v| Json::from_value(v).into_static())
        .unwrap_or_else(|p| panic!("{rel}: {p}"));
    let mut out = Vec::new();
    json.write_jcs(&mut out);
    String::from_utf8(out).expect("UTF-8")
}

fn with_test_contexts(c: &mut credverify::VerifyConfig) {
    c.contexts = Some(data("contexts"));
}

fn run(lines: &[String], tweak: impl FnOnce(&mut credverify::VerifyConfig)) -> Vec<Verdict> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    run_lines(&refs, |c| {
        with_test_contexts(c);
        tweak(c);
    })
}

#[test]
fn w3c_vectors_verify_and_tampered_copies_do_not() {
    let files = [
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-rdfc-2022/employ/signedDataInt.json",
        "Ed25519Signature2020/signedEdSig.json",
        "proof-set-chain/signedProofSet1.json",
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ];
    let lines: Vec<String> = files
        .iter()
        .map(|f| line_of(&format!("{VECTORS}/{f}")))
        .collect();
    // The vectors' issuers are URLs that the did:key signers do not
    // control: a good signature shows as issuer_mismatch and nothing else.
    for (f, v) in files.iter().zip(run(&lines, |_| {})) {
        assert_eq!(v.problems, ["issuer_mismatch"], "{f}: {v:?}");
        let want = if f.contains("EdSig") {
            "Ed25519Signature2020"
        } else {
            "eddsa-rdfc-2022"
        };
        assert_eq!(v.format.as_deref(), Some(want), "{f}");
    }
    // Each signed value changed: the name, or a proof of the set.
    let tampered: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.contains("Alumni Credential") {
                l.replacen("Alumni Credential", "Alumni Credentials", 1)
            } else {
                l.replacen("\"created\":\"20", "\"created\":\"19", 1)
            }
        })
        .collect();
    for ((f, v), line) in files.iter().zip(run(&tampered, |_| {})).zip(&tampered) {
        assert!(
            lines.iter().all(|l| l != line),
            "{f}: the tampering changed nothing"
        );
        assert_eq!(v.verdict, "invalid_signature", "{f}: {v:?}");
    }
}

#[test]
fn a_failed_signature_reports_its_context_digests() {
    let line = line_of(&format!("{VECTORS}/eddsa-rdfc-2022/signedDataInt.json")).replacen(
        "Alumni Credential",
        "Alumni Credentials",
        1,
    );
    let (out, _) = util::run_with(
        &[&util::temp_file("digests.jsonl", line.as_bytes())],
        with_test_contexts,
    );
    let v2 = "\"https://www.w3.org/ns/credentials/v2\":\"59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734\"";
    let examples = "\"https://www.w3.org/ns/credentials/examples/v2\":\"57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c\"";
    assert!(
        out.contains(&format!("\"contexts\":{{{v2},{examples}}}")),
        "{out}"
    );
    // A verifying record does not carry them.
    let good = line_of(&format!("{VECTORS}/eddsa-rdfc-2022/signedDataInt.json"));
    let (out, _) = util::run_with(
        &[&util::temp_file("digests.jsonl", good.as_bytes())],
        with_test_contexts,
    );
    assert!(!out.contains("\"contexts\""), "{out}");
}

#[test]
fn open_badges_and_clr_vectors_verify_with_fragment_keys() {
    let lines: Vec<String> = ["obv3p0", "clrv2p0"]
        .iter()
        .map(|d| {
            line_of(&format!(
                "openbadges-3.0/ldp-test-vector/{d}/signed-credential.json"
            ))
        })
        .collect();
    for v in run(&lines, |c| c.trust_fragment_keys = true) {
        assert_eq!(v.verdict, "valid", "{v:?}");
        assert_eq!(v.warnings, ["key_from_fragment"], "{v:?}");
    }
    for v in run(&lines, |_| {}) {
        assert_eq!(v.verdict, "unknown_key", "{v:?}");
    }
    // Without --contexts too: only built-in contexts are named.
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    for v in run_lines(&refs, |c| c.trust_fragment_keys = true) {
        assert_eq!(v.verdict, "valid", "{v:?}");
    }
}

/// Signs `doc` (a JSON object text with `@context`, without `proof`) with
/// a JSON-LD suite: `proof` is the proof configuration's members. The
/// canonical forms come from the crate's own processor; the W3C and
/// 1EdTech vectors above anchor it.
fn rdf_signed(doc: &str, proof: &str, sk: &SigningKey) -> String {
    let mut contexts = Contexts::builtin().expect("contexts");
    contexts
        .add_directory(&data("contexts"))
        .expect("test contexts");
    let p = Processor::new(&contexts).expect("processor");
    let parse = |text: &str| {
        JsonParser::default()
            .with_doc(text.as_bytes(), |v| Json::from_value(v).into_static())
            .expect("JSON")
    };
    let doc_json = parse(doc);
    let context = doc_json.get("@context").cloned();
    let strip = |j: &Json<'static>| -> Json<'static> {
        match j {
            Json::Object(m) => {
                Json::Object(m.iter().filter(|(k, _)| k != "@context").cloned().collect())
            }
            other => other.clone(),
        }
    };
    let canonical = |body: &Json<'_>| {
        let (quads, _) = p
            .to_rdf(context.as_ref(), body)
            .unwrap_or_else(|e| panic!("{e}: {body:?}"));
        canonicalize(&quads, HashAlgorithm::Sha256, Limits::default())
            .expect("canonical")
            .nquads
    };
    let mut message = Vec::new();
    message.extend_from_slice(&Sha256::digest(canonical(&parse(&format!("{{{proof}}}")))));
    message.extend_from_slice(&Sha256::digest(canonical(&strip(&doc_json))));
    let value = bs58::encode(sk.sign(&message).to_bytes()).into_string();
    let body = doc.trim_end().strip_suffix('}').expect("an object");
    format!("{body},\"proof\":{{{proof},\"proofValue\":\"z{value}\"}}}}")
}

/// A credential by `issuer` under `contexts`; VC 1.1 (`V1` first) says
/// `issuanceDate` where VC 2.0 says `validFrom`.
fn document(issuer: &str, contexts: &str, extra: &str) -> String {
    let from = if contexts.starts_with(V1) {
        "issuanceDate"
    } else {
        "validFrom"
    };
    format!(
        "{{\"@context\":[{contexts}],\"id\":\"urn:uuid:rdf-1\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{issuer}\",\"{from}\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"{extra}}}}}"
    )
}

const V2: &str = "\"https://www.w3.org/ns/credentials/v2\"";
const V1: &str = "\"https://www.w3.org/2018/credentials/v1\"";
/// The W3C examples context: `@vocab` for any term (in `tests/data/contexts`).
const EX: &str = "\"https://www.w3.org/ns/credentials/examples/v2\"";
const DI: &str = "\"https://w3id.org/security/data-integrity/v2\"";
const ED2020: &str = "\"https://w3id.org/security/suites/ed25519-2020/v1\"";

fn rdfc_proof(method: &str, cryptosuite: &str) -> String {
    format!(
        "\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"{cryptosuite}\",\"created\":\"2024-01-01T00:00:00Z\",\"verificationMethod\":\"{method}\",\"proofPurpose\":\"assertionMethod\""
    )
}

#[test]
fn self_signed_rdfc_credentials_and_the_draft_name() {
    let sk = key(61);
    let (did, method) = did_key(&sk);
    let ob = "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"";
    // Literals that N-Quads escapes, a language-tagged value, numbers, a
    // float-typed number (Open Badges `creditsAvailable`), a list.
    let extra = ",\"type\":[\"AchievementSubject\"],\"achievement\":{\"id\":\"https://example.org/a/1\",\"type\":[\"Achievement\"],\"name\":\"Tab\\there, bell\\u0007, quote \\\" and back\\\\slash\",\"description\":{\"@value\":\"Cours de soudure\",\"@language\":\"fr-CA\"},\"creditsAvailable\":7.5,\"criteria\":{\"narrative\":\"Line one\\nline two\"}}";
    let doc = document(&did, &format!("{V2},{ob}"), extra);
    let lines = vec![
        rdf_signed(&doc, &rdfc_proof(&method, "eddsa-rdfc-2022"), &sk),
        rdf_signed(&doc, &rdfc_proof(&method, "eddsa-2022"), &sk),
    ];
    let got = run(&lines, |_| {});
    assert_eq!(got[0].verdict, "valid", "{:?}", got[0]);
    assert!(got[0].warnings.is_empty(), "{:?}", got[0]);
    assert_eq!(got[1].verdict, "valid", "{:?}", got[1]);
    assert_eq!(got[1].warnings, ["draft_cryptosuite_name"]);
    assert_eq!(got[1].format.as_deref(), Some("eddsa-rdfc-2022"));

    // The same credential with members reordered and strings escaped
    // otherwise has the same RDF: its signature still holds.
    let rewritten = lines[0]
        .replace("Cours de soudure", "Cours de \\u0073oudure")
        .replacen(
            "\"id\":\"urn:uuid:rdf-1\",\"type\":[\"VerifiableCredential\"]",
            "\"type\":[\"VerifiableCredential\"],\"id\":\"urn:uuid:rdf-1\"",
            1,
        );
    assert_ne!(rewritten, lines[0]);
    // A changed literal, even by one control character, is caught.
    let tampered = lines[0].replacen("bell\\u0007", "bell\\u0008", 1);
    assert_ne!(tampered, lines[0]);
    let got = run(&[rewritten, tampered], |_| {});
    assert_eq!(got[0].verdict, "valid", "{:?}", got[0]);
    assert_eq!(got[1].verdict, "invalid_signature", "{:?}", got[1]);
}

#[test]
fn ed25519_signature_2020_needs_its_context() {
    let sk = key(62);
    let (did, method) = did_key(&sk);
    let proof = format!(
        "\"type\":\"Ed25519Signature2020\",\"created\":\"2024-01-01T00:00:00Z\",\"verificationMethod\":\"{method}\",\"proofPurpose\":\"assertionMethod\""
    );
    let with = rdf_signed(&document(&did, &format!("{V1},{ED2020}"), ""), &proof, &sk);
    let without = with.replacen(&format!(",{ED2020}"), "", 1);
    let got = run(&[with, without], |_| {});
    assert_eq!(got[0].verdict, "valid", "{:?}", got[0]);
    assert_eq!(got[0].format.as_deref(), Some("Ed25519Signature2020"));
    assert_eq!(got[1].verdict, "invalid_proof", "{:?}", got[1]);
    assert_eq!(got[1].problems, ["suite_context"]);
}

#[test]
fn data_loss_unknown_contexts_and_bad_json_ld_are_verdicts() {
    let sk = key(63);
    let (did, method) = did_key(&sk);
    let proof = rdfc_proof(&method, "eddsa-rdfc-2022");
    let case = |contexts: &str, extra: &str| {
        // Signed over whatever RDF survives would be pointless: sign a
        // clean document, then add the problem (the verdict must not
        // depend on the signature).
        let clean = rdf_signed(&document(&did, contexts, ""), &proof, &sk);
        clean.replacen(
            "\"id\":\"did:example:subject\"",
            &format!("\"id\":\"did:example:subject\"{extra}"),
            1,
        )
    };
    let cases = [
        // VC 1.1 has no @vocab: an undefined term is dropped by expansion.
        (
            case(&format!("{V1},{DI}"), ",\"favouriteColour\":\"blue\""),
            "data_loss",
        ),
        // A relative IRI as a node id.
        (
            case(
                &format!("{V2},{EX}"),
                ",\"knows\":{\"id\":\"relative/path\",\"name\":\"x\"}",
            ),
            "data_loss",
        ),
        // A relative type.
        (
            case(&format!("{V1},{DI}"), ",\"type\":\"NotDefined\""),
            "data_loss",
        ),
        // A malformed language tag.
        (
            case(V2, ",\"name\":{\"@value\":\"x\",\"@language\":\"en_GB\"}"),
            "data_loss",
        ),
        // A null @value.
        (case(V2, ",\"name\":{\"@value\":null}"), "data_loss"),
        // Not JSON-LD: an @id that is not a string.
        (
            case(&format!("{V2},{EX}"), ",\"knows\":{\"@id\":5}"),
            "jsonld_invalid",
        ),
        // A protected term redefined inline.
        (
            case(
                V2,
                ",\"@context\":{\"name\":\"https://example.org/other-name\"},\"name\":\"x\"",
            ),
            "jsonld_invalid",
        ),
    ];
    let lines: Vec<String> = cases.iter().map(|(l, _)| l.clone()).collect();
    for ((line, want), v) in cases.iter().zip(run(&lines, |_| {})) {
        assert_eq!(v.problems, [*want], "{line}: {v:?}");
        assert_eq!(v.verdict, "invalid_proof", "{line}");
    }
    let unknown = rdf_signed(&document(&did, V2, ""), &proof, &sk).replacen(
        V2,
        &format!("{V2},\"https://example.org/not-built-in/v1\""),
        1,
    );
    let got = run(&[unknown], |_| {});
    assert_eq!(got[0].verdict, "unknown_context", "{:?}", got[0]);
    assert_eq!(got[0].problems, ["unknown_context"]);
}

#[test]
fn a_poison_graph_is_refused_within_the_bound() {
    // Ten blank nodes that all know each other (RDFC-1.0 §4.8, the shape
    // of test074): canonicalization would examine 10! permutations.
    let sk = key(64);
    let (did, method) = did_key(&sk);
    let n = 10;
    let nodes: Vec<String> = (0..n)
        .map(|i| {
            let others: Vec<String> = (0..n)
                .filter(|j| *j != i)
                .map(|j| format!("{{\"id\":\"_:n{j}\"}}"))
                .collect();
            format!("{{\"id\":\"_:n{i}\",\"knows\":[{}]}}", others.join(","))
        })
        .collect();
    let doc = document(
        &did,
        &format!("{V2},{EX}"),
        &format!(",\"knows\":[{}]", nodes.join(",")),
    );
    let line = format!(
        "{},\"proof\":{{{},\"proofValue\":\"z{}\"}}}}",
        doc.strip_suffix('}').unwrap(),
        rdfc_proof(&method, "eddsa-rdfc-2022"),
        bs58::encode([7u8; 64]).into_string()
    );
    let got = run(&[line.clone(), line], |_| {});
    for v in got {
        assert_eq!(v.verdict, "invalid_proof", "{v:?}");
        assert_eq!(v.problems, ["canonicalization_bound"]);
    }
}

#[test]
fn real_status_lists_signed_with_json_ld_suites_verify() {
    // The DCC list (Ed25519Signature2020) and the 1EdTech list
    // (eddsa-rdfc-2022, key in an https fragment), judged as credentials.
    let lines = vec![
        line_of("status-list/real-lists/dcc-verifier-core_e5WK8CbZ1GjycuPombrj.json"),
        line_of("status-list/real-lists/1edtech-validator_testlist.json"),
    ];
    let got = run(&lines, |c| c.trust_fragment_keys = true);
    assert_eq!(got[0].verdict, "valid", "{:?}", got[0]);
    assert_eq!(got[0].format.as_deref(), Some("Ed25519Signature2020"));
    assert_eq!(got[1].verdict, "valid", "{:?}", got[1]);
    assert_eq!(got[1].warnings, ["key_from_fragment"]);
    let tampered: Vec<String> = lines
        .iter()
        .map(|l| l.replacen("\"uH4s", "\"uH5s", 1))
        .collect();
    for v in run(&tampered, |c| c.trust_fragment_keys = true) {
        assert_eq!(v.verdict, "invalid_signature", "{v:?}");
    }
}

#[test]
fn json_ld_shapes_that_break_the_rules_get_verdicts_not_panics() {
    let sk = key(65);
    let (did, method) = did_key(&sk);
    let contexts = format!("{V2},{EX}");
    let clean = rdf_signed(
        &document(&did, &contexts, ""),
        &rdfc_proof(&method, "eddsa-rdfc-2022"),
        &sk,
    );
    // (extra members of the subject, the verdict they must give)
    let odd = [
        (r#""@context":5"#, "jsonld_invalid"),
        (r#""@context":{"@version":1.0}"#, "jsonld_invalid"),
        (r#""@context":{"@vocab":5}"#, "jsonld_invalid"),
        (r#""@context":{"x":{"@id":"@context"}}"#, "jsonld_invalid"),
        (
            r#""@context":{"x":{"@container":"@index"}},"x":{"a":"b"}"#,
            "jsonld_invalid",
        ),
        (
            r#""@context":{"x":{"@reverse":"https://e.org/r"}},"x":"y""#,
            "jsonld_invalid",
        ),
        (
            r#""@context":{"x":{"@id":"https://e.org/x","@type":"not an iri"}}"#,
            "jsonld_invalid",
        ),
        (
            r#""@context":{"a":"b:c","b":"a:c"},"a":"v""#,
            "jsonld_invalid",
        ),
        // Nullifying a context with protected terms.
        (r#""@context":null"#, "jsonld_invalid"),
        (r#""@context":[[]]"#, "jsonld_invalid"),
        (r#""@type":{"a":1}"#, "jsonld_invalid"),
        (r#""@id":["a"]"#, "jsonld_invalid"),
        (r#""knows":{"@value":{"a":1}}"#, "jsonld_invalid"),
        (
            r#""knows":{"@value":"x","@language":"en","@type":"https://e.org/t"}"#,
            "jsonld_invalid",
        ),
        (r#""knows":{"@value":"x","knows":"y"}"#, "jsonld_invalid"),
        (
            r#""knows":{"@list":"x","@id":"https://e.org/l"}"#,
            "jsonld_invalid",
        ),
        (
            r#""knows":{"@direction":"up","@value":"x"}"#,
            "jsonld_invalid",
        ),
        (r#""knows":{"@included":[]}"#, "jsonld_invalid"),
        (r#""knows":{"@nest":{}}"#, "jsonld_invalid"),
        (r#""knows":{"@graph":5}"#, "data_loss"),
        (
            r#""knows":{"@graph":[{"@id":"https://e.org/g"}]}"#,
            "data_loss",
        ),
        (r#""knows":{"@value":"x","@direction":"rtl"}"#, "data_loss"),
        (
            r#""knows":{"@foo":"a reserved-looking keyword is dropped"}"#,
            "data_loss",
        ),
        // Valid JSON-LD that changes the RDF: the signature fails.
        (
            r#""knows":{"@value":"x","@type":"vocab-relative"}"#,
            "invalid_signature",
        ),
        (r#""knows":{"@list":[[["deep"]]]}"#, "invalid_signature"),
        (r#""knows":{"@set":[{"@set":[1]}]}"#, "invalid_signature"),
        (
            r#""knows":{"@id":"_:b","knows":{"@id":"_:b"}}"#,
            "invalid_signature",
        ),
        (
            r#""knows":[1e300,-0.0,true,null,"",{"@value":""}]"#,
            "invalid_signature",
        ),
        // Not I-JSON: a parse problem first.
        (r#""knows":123456789012345678"#, "number_out_of_range"),
        // `@index` adds nothing to the RDF, so the signature still holds.
        (r#""@index":"x""#, ""),
    ];
    let lines: Vec<String> = odd
        .iter()
        .map(|(extra, _)| {
            clean.replacen(
                "\"id\":\"did:example:subject\"",
                &format!("\"id\":\"did:example:subject\",{extra}"),
                1,
            )
        })
        .collect();
    let got = run(&lines, |_| {});
    assert_eq!(got.len(), odd.len(), "one verdict per record");
    for ((extra, want), v) in odd.iter().zip(&got) {
        let want: Vec<&str> = [*want].into_iter().filter(|w| !w.is_empty()).collect();
        assert_eq!(v.problems, want, "{extra}: {v:?}");
    }
}

#[test]
fn blank_node_heavy_documents_keep_their_signature_under_reordering() {
    // Twenty anonymous alignment nodes, some identical, each with nested
    // anonymous nodes: RDFC-1.0 must label them the same whatever order
    // the (unordered) array lists them in.
    let sk = key(66);
    let (did, method) = did_key(&sk);
    let ob = "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"";
    let alignment = |i: usize| {
        format!(
            "{{\"type\":[\"Alignment\"],\"targetName\":\"Skill {}\",\"targetUrl\":\"https://framework.example/{}\"}}",
            i % 7,
            i % 7
        )
    };
    let items: Vec<String> = (0..20).map(alignment).collect();
    let extra = |items: &[String]| {
        format!(
            ",\"type\":[\"AchievementSubject\"],\"achievement\":{{\"id\":\"https://example.org/a/9\",\"type\":[\"Achievement\"],\"name\":\"n\",\"criteria\":{{\"narrative\":\"c\"}},\"alignment\":[{}]}},\"result\":[{{\"type\":[\"Result\"],\"value\":\"1\"}},{{\"type\":[\"Result\"],\"value\":\"2\"}}]",
            items.join(",")
        )
    };
    let doc = document(&did, &format!("{V2},{ob}"), &extra(&items));
    let signed = rdf_signed(&doc, &rdfc_proof(&method, "eddsa-rdfc-2022"), &sk);
    let mut reversed = items.clone();
    reversed.reverse();
    let reordered = signed
        .replacen(&items.join(","), &reversed.join(","), 1)
        .replacen(
            "{\"type\":[\"Result\"],\"value\":\"1\"},{\"type\":[\"Result\"],\"value\":\"2\"}",
            "{\"type\":[\"Result\"],\"value\":\"2\"},{\"type\":[\"Result\"],\"value\":\"1\"}",
            1,
        );
    assert_ne!(reordered, signed);
    // One alignment changed: the signature must fail.
    let changed = signed.replacen("Skill 3", "Skill 8", 1);
    let got = run(&[signed, reordered, changed], |_| {});
    assert_eq!(got[0].verdict, "valid", "{:?}", got[0]);
    assert_eq!(got[1].verdict, "valid", "{:?}", got[1]);
    assert_eq!(got[2].verdict, "invalid_signature", "{:?}", got[2]);
}
