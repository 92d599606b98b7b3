//! The W3C `eddsa-rdfc-2022` (with its "employ" example) and
//! `Ed25519Signature2020` test vectors, from the canonical N-Quads on: each
//! canonical form survives RDFC-1.0 unchanged and is reached again from a
//! relabelled, reordered copy; its SHA-256 is the published hash; proof
//! hash ‖ document hash is the published combined hash; and the published
//! signature verifies over it with the vectors' key. (JSON-LD expansion,
//! the step before, is not built yet.)

use credverify::canon::rdfc::{HashAlgorithm, Limits, canonicalize};
use credverify::rdf::nquads::{self, Term};
use credverify::resolve::multikey::decode_multikey;
use credverify::verify::{VerifyingKey, verify};
use sha2::{Digest, Sha256};

use super::{hex, read_string, str_member, to_hex, with_json};

const DIR: &str = "vc-di-eddsa/TestVectors";

/// `canon` canonicalized again, after renaming every blank node and
/// reversing the order of the quads.
fn recanonicalized(canon: &str, what: &str) -> String {
    let quads = nquads::parse(canon).unwrap_or_else(|e| panic!("{what}: {e}"));
    let rename = |t: &Term| match t {
        Term::Blank(label) => Term::Blank(format!("n{}", label.chars().rev().collect::<String>())),
        other => other.clone(),
    };
    let shuffled: Vec<_> = quads
        .iter()
        .rev()
        .map(|q| nquads::Quad {
            subject: rename(&q.subject),
            predicate: q.predicate.clone(),
            object: rename(&q.object),
            graph: q.graph.as_ref().map(rename),
        })
        .collect();
    let again = canonicalize(&quads, HashAlgorithm::Sha256, Limits::default())
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        again.nquads, canon,
        "{what}: canonical N-Quads change under RDFC-1.0"
    );
    canonicalize(&shuffled, HashAlgorithm::Sha256, Limits::default())
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .nquads
}

#[test]
fn canonical_forms_hashes_and_signatures() {
    let key_file = format!("{DIR}/keyPair.json");
    let public = with_json(&key_file, |v| {
        decode_multikey(str_member(v, "publicKeyMultibase", &key_file)).expect("Multikey")
    });
    let key = VerifyingKey::screen(public, 0).expect("the vectors' key is acceptable");
    let suites = [
        ("eddsa-rdfc-2022", "DataInt"),
        ("eddsa-rdfc-2022/employ", "DataInt"),
        ("Ed25519Signature2020", "EdSig"),
    ];
    for (dir, tag) in suites {
        let file = |name: &str| read_string(&format!("{DIR}/{dir}/{name}{tag}.txt"));
        let what = |name: &str| format!("{dir}/{name}{tag}.txt");
        let doc = file("canonDoc");
        let proof = file("proofCanon");
        assert_eq!(
            recanonicalized(&doc, &what("canonDoc")),
            doc,
            "{}",
            what("canonDoc")
        );
        assert_eq!(
            recanonicalized(&proof, &what("proofCanon")),
            proof,
            "{}",
            what("proofCanon")
        );
        // The hashes cover the canonical N-Quads, last newline included.
        let doc_hash = Sha256::digest(&doc);
        let proof_hash = Sha256::digest(&proof);
        let published = |name: &str| file(name).trim().to_owned();
        assert_eq!(
            to_hex(&doc_hash),
            published("docHash"),
            "{}",
            what("docHash")
        );
        assert_eq!(
            to_hex(&proof_hash),
            published("proofHash"),
            "{}",
            what("proofHash")
        );
        let mut combined = proof_hash.to_vec();
        combined.extend_from_slice(&doc_hash);
        assert_eq!(
            to_hex(&combined),
            published("combinedHash"),
            "{}",
            what("combinedHash")
        );
        let signature: [u8; 64] = hex(&published("sigHex"), &what("sigHex"))
            .try_into()
            .expect("64 bytes");
        assert_eq!(
            verify(&signature, &key, &combined),
            Ok(true),
            "{}",
            what("sigHex")
        );
        let mut forged = combined.clone();
        forged[0] ^= 1;
        assert_eq!(
            verify(&signature, &key, &forged),
            Ok(false),
            "{}: a changed hash",
            what("sigHex")
        );
    }
}
