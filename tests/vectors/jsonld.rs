//! JSON-LD to RDF against the W3C vectors: the signed `eddsa-rdfc-2022`
//! (and its "employ" example) and `Ed25519Signature2020` documents, split
//! into document and proof configuration as a verifier does, give exactly
//! the published canonical N-Quads.

use credverify::jsonld::json::Json;
use credverify::jsonld::{Contexts, Processor};
use credverify::rdf::canon::{HashAlgorithm, Limits, canonicalize};

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
pub fn canonical(p: &Processor, context: Option<&Json>, body: &Json, what: &str) -> String {
    let (quads, _) = p
        .to_rdf(context, body)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    canonicalize(&quads, HashAlgorithm::Sha256, Limits::default())
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .nquads
}

fn without(doc: &Json, names: &[&str]) -> Json {
    match doc {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
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
        let doc = with_json(&file, Json::from_value);
        let context = doc.get("@context").cloned();
        let proof = doc.get("proof").expect("proof").clone();
        let body = without(&doc, &["@context", "proof"]);
        let got = canonical(&p, context.as_ref(), &body, &file);
        let want = read_string(&format!("{DIR}/{dir}/canonDoc{tag}.txt"));
        assert_eq!(got, want, "{file}: canonical document");
        let config = without(&proof, &["@context", "proofValue"]);
        let got = canonical(&p, context.as_ref(), &config, &file);
        let want = read_string(&format!("{DIR}/{dir}/proofCanon{tag}.txt"));
        assert_eq!(got, want, "{file}: canonical proof configuration");
    }
}

#[test]
fn open_badges_and_clr_vectors_give_1edtech_canonical_forms() {
    let p = processor();
    for dir in ["obv3p0", "clrv2p0"] {
        let base = format!("openbadges-3.0/ldp-test-vector/{dir}");
        let file = format!("{base}/signed-credential.json");
        let doc = with_json(&file, Json::from_value);
        let context = doc.get("@context").cloned();
        let proof = doc.get("proof").expect("proof").clone();
        let body = without(&doc, &["@context", "proof"]);
        let got = canonical(&p, context.as_ref(), &body, &file);
        assert_eq!(
            got,
            read_string(&format!("{base}/document-canon.txt")),
            "{file}: canonical document"
        );
        // The CLR's proof is a set of one.
        let config = without(&proof.one_or_many()[0], &["@context", "proofValue"]);
        let got = canonical(&p, context.as_ref(), &config, &file);
        assert_eq!(
            got,
            read_string(&format!("{base}/proof-canon.txt")),
            "{file}: canonical proof configuration"
        );
    }
}
