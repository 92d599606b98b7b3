//! JSON-LD to RDF against the W3C vectors: the signed `eddsa-rdfc-2022`
//! (and its "employ" example) and `Ed25519Signature2020` documents, split
//! into document and proof configuration as a verifier does, give exactly
//! the published canonical N-Quads.

use credverify::canon::rdfc::{HashAlgorithm, Limits, canonicalize};
use credverify::jsonld::json::Json;
use credverify::jsonld::{Contexts, Processor};

use super::{data_path, read_string, with_json};

const DIR: &str = "vc-di-eddsa/TestVectors";

pub fn processor() -> Processor {
    let mut contexts = Contexts::builtin().expect("built-in contexts");
    contexts
        .add_directory(&data_path("contexts"))
        .expect("test contexts");
    Processor::new(&contexts).expect("contexts parse")
}

/// The canonical N-Quads of a document given without its `@context`.
pub fn canonical(p: &Processor, context: Option<&Json<'_>>, body: &Json<'_>, what: &str) -> String {
    let (quads, _) = p
        .to_rdf(context, body)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    canonicalize(&quads, HashAlgorithm::Sha256, Limits::default())
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .nquads
}

fn without(doc: &Json<'static>, names: &[&str]) -> Json<'static> {
    match doc {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| !names.contains(&&**k))
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The canonical N-Quads a verifier signs over, from a signed document
/// file: the document without its proof, and the proof configuration (the
/// first proof without `proofValue`) under the document's `@context`.
fn signing_forms(p: &Processor, file: &str) -> (String, String) {
    let doc = with_json(file, |v| Json::from_value(v).into_static());
    let context = doc.get("@context").cloned();
    // The CLR's proof is a set of one.
    let proof = doc.get("proof").expect("proof").one_or_many()[0].clone();
    let body = without(&doc, &["@context", "proof"]);
    let config = without(&proof, &["@context", "proofValue"]);
    (
        canonical(p, context.as_ref(), &body, file),
        canonical(p, context.as_ref(), &config, file),
    )
}

#[test]
fn signed_vectors_give_the_published_canonical_forms() {
    let p = processor();
    for (dir, tag, signed) in [
        ("eddsa-rdfc-2022", "DataInt", "signedDataInt.json"),
        ("eddsa-rdfc-2022/employ", "DataInt", "signedDataInt.json"),
        ("Ed25519Signature2020", "EdSig", "signedEdSig.json"),
    ] {
        let file = format!("{DIR}/{dir}/{signed}");
        let (doc, config) = signing_forms(&p, &file);
        let want = read_string(&format!("{DIR}/{dir}/canonDoc{tag}.txt"));
        assert_eq!(doc, want, "{file}: canonical document");
        let want = read_string(&format!("{DIR}/{dir}/proofCanon{tag}.txt"));
        assert_eq!(config, want, "{file}: canonical proof configuration");
    }
}

#[test]
fn open_badges_and_clr_vectors_give_1edtech_canonical_forms() {
    let p = processor();
    for dir in ["obv3p0", "clrv2p0"] {
        let base = format!("openbadges-3.0/ldp-test-vector/{dir}");
        let file = format!("{base}/signed-credential.json");
        let (doc, config) = signing_forms(&p, &file);
        assert_eq!(
            doc,
            read_string(&format!("{base}/document-canon.txt")),
            "{file}: canonical document"
        );
        assert_eq!(
            config,
            read_string(&format!("{base}/proof-canon.txt")),
            "{file}: canonical proof configuration"
        );
    }
}

/// Literal forms worked out by hand from JSON-LD 1.1 §8.6 (Object to RDF)
/// and the N-Quads canonical escapes: control characters, DEL, quotes and
/// backslashes; `xsd:float` in the https XML Schema namespace (as the Open
/// Badges context writes it) on a fractional number; doubles, integers and
/// booleans with and without a datatype; a language tag; an `@json`
/// literal in JCS form.
#[test]
fn literals_take_their_canonical_forms() {
    let p = processor();
    let doc = r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
      "id":"urn:x:1","type":["VerifiableCredential","OpenBadgeCredential"],"issuer":"did:example:i","validFrom":"2024-01-01T00:00:00Z",
      "credentialSubject":{"id":"did:example:s","type":["AchievementSubject"],
        "@context":{"score":{"@id":"https://example.org/score","@type":"http://www.w3.org/2001/XMLSchema#double"},
                    "count":"https://example.org/count","flag":"https://example.org/flag",
                    "data":{"@id":"https://example.org/data","@type":"@json"}},
        "score":5,"count":[3,2.5],"flag":true,"data":{"b":1,"a":[true,null,"é"]},
        "achievement":{"id":"urn:a:1","type":["Achievement"],
          "name":"bell\u0007 tab\t \"q\" \\ del\u007f é",
          "creditsAvailable":7.5,
          "description":{"@value":"Soudure","@language":"fr-CA"}}}}"#;
    let json = credverify::json::JsonParser::default()
        .with_doc(doc.as_bytes(), |v| Json::from_value(v).into_static())
        .expect("JSON");
    let context = json.get("@context").cloned();
    let got = canonical(
        &p,
        context.as_ref(),
        &without(&json, &["@context"]),
        "literals",
    );
    let lines = [
        "<urn:a:1> <https://schema.org/name> \"bell\\u0007 tab\\t \\\"q\\\" \\\\ del\\u007F é\" .",
        "<urn:a:1> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsAvailable> \"7.5E0\"^^<https://www.w3.org/2001/XMLSchema#float> .",
        "<urn:a:1> <https://schema.org/description> \"Soudure\"@fr-ca .",
        "<did:example:s> <https://example.org/score> \"5.0E0\"^^<http://www.w3.org/2001/XMLSchema#double> .",
        "<did:example:s> <https://example.org/count> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .",
        "<did:example:s> <https://example.org/count> \"2.5E0\"^^<http://www.w3.org/2001/XMLSchema#double> .",
        "<did:example:s> <https://example.org/flag> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> .",
        "<did:example:s> <https://example.org/data> \"{\\\"a\\\":[true,null,\\\"é\\\"],\\\"b\\\":1}\"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .",
    ];
    for line in lines {
        assert!(got.lines().any(|l| l == line), "missing {line}\nin\n{got}");
    }
}

/// The canonical N-Quads of a small inline-context document, or the error.
fn small(doc: &str) -> Result<String, credverify::jsonld::LdError> {
    let p = processor();
    let json = credverify::json::JsonParser::default()
        .with_doc(doc.as_bytes(), |v| Json::from_value(v).into_static())
        .expect("JSON");
    let context = json.get("@context").cloned();
    let (ds, _) = p.to_rdf(context.as_ref(), &without(&json, &["@context"]))?;
    Ok(canonicalize(&ds, HashAlgorithm::Sha256, Limits::default())
        .expect("canonical")
        .nquads)
}

/// Cases a review found: each is the JSON-LD 1.1 rule as written.
#[test]
fn expansion_edge_cases() {
    let l = r#""l":{"@id":"https://e.org/l","@container":"@list"}"#;
    // A list of one list is not the list itself (§5.1.2 step 13.9).
    let flat = small(&format!(
        r#"{{"@context":{{{l}}},"@id":"urn:x","l":[1,2]}}"#
    ))
    .unwrap();
    let nested = small(&format!(
        r#"{{"@context":{{{l}}},"@id":"urn:x","l":[[1,2]]}}"#
    ))
    .unwrap();
    let object = small(&format!(
        r#"{{"@context":{{{l}}},"@id":"urn:x","l":{{"@list":[1,2]}}}}"#
    ))
    .unwrap();
    assert_ne!(flat, nested);
    assert_eq!(
        flat, object,
        "a list object under a list container is not wrapped again"
    );
    assert_eq!(nested.matches("rdf-syntax-ns#first").count(), 3);
    // A key starting with a multi-byte character (no panic).
    let got =
        small(r#"{"@context":{"@vocab":"https://e.org/"},"@id":"urn:x","éclair":"1","aé:b":"2"}"#)
            .unwrap();
    assert!(got.contains("<https://e.org/éclair> \"1\""), "{got}");
    // `"term": null` maps the term to null: the member is dropped, which
    // is data loss, even with a @vocab.
    let dropped =
        small(r#"{"@context":{"@vocab":"https://e.org/","t":null},"@id":"urn:x","t":"v"}"#);
    assert_eq!(
        dropped,
        Err(credverify::jsonld::LdError::DataLoss("undefined term"))
    );
    // Language tags are lower-cased, as jsonld.js and pyld write them.
    let got = small(r#"{"@context":{"@vocab":"https://e.org/","@language":"EN-GB"},"@id":"urn:x","n":"a","m":{"@value":"b","@language":"FR-CA"}}"#).unwrap();
    assert!(
        got.contains("\"a\"@en-gb") && got.contains("\"b\"@fr-ca"),
        "{got}"
    );
    // A null @json value is the JSON literal null.
    let got = small(
        r#"{"@context":{"j":{"@id":"https://e.org/j","@type":"@json"}},"@id":"urn:x","j":null}"#,
    )
    .unwrap();
    assert!(
        got.contains("\"null\"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>"),
        "{got}"
    );
    // `type` and `@type` in one object merge (JSON-LD 1.1).
    let got = small(r#"{"@context":{"type":"@type"},"@id":"urn:x","type":"https://e.org/A","@type":"https://e.org/B"}"#)
        .unwrap();
    assert!(
        got.contains("<https://e.org/A>") && got.contains("<https://e.org/B>"),
        "{got}"
    );
}

/// Inline contexts built to exhaust the processor get an error, quickly.
#[test]
fn adversarial_contexts_are_refused_not_run() {
    // A chain of 10,000 terms each defined through the next one.
    let chain: Vec<String> = (0..10_000)
        .map(|i| format!(r#""t{i}":"t{}:a""#, i + 1))
        .collect();
    let got = small(&format!(
        r#"{{"@context":{{{},"t10000":"https://e.org/"}},"@id":"urn:x","t0":"v"}}"#,
        chain.join(",")
    ));
    assert_eq!(
        got,
        Err(credverify::jsonld::LdError::Invalid(
            "term definitions nested too deep"
        ))
    );
    // 200,000 independent terms: linear, not quadratic.
    let many: Vec<String> = (0..200_000)
        .map(|i| format!(r#""t{i}":"https://e.org/t{i}""#))
        .collect();
    let got = small(&format!(
        r#"{{"@context":{{{}}},"@id":"urn:x","t199999":"v"}}"#,
        many.join(",")
    ))
    .unwrap();
    assert!(got.contains("<https://e.org/t199999>"), "{got}");
    // The same remote context named 400 times.
    let urls = vec![r#""https://www.w3.org/ns/credentials/v2""#; 400].join(",");
    let got = small(&format!(r#"{{"@context":[{urls}],"@id":"urn:x"}}"#));
    assert_eq!(
        got,
        Err(credverify::jsonld::LdError::Invalid("too many contexts"))
    );
}
