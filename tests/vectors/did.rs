//! did:key (w3c-ccg/did-method-key test vectors) and did:jwk (quartzjer/did-jwk
//! examples): Ed25519, P-256 and P-384 identifiers resolve to their key,
//! every other key type is `unknown_key`.

use std::collections::BTreeSet;

use credverify::json::Value;
use credverify::resolve::KeyResolver;
use credverify::resolve::multikey::{
    KeyMaterial, decode_jwk, decode_jwk_any, decode_multikey, encode_multikey,
};
use credverify::verdict::Problem;
use credverify::verify::key::PublicKey;

use super::{hex_array, str_member, with_json};

const ED25519: &str = "did/did-key/ed25519-x25519.json";
const OTHERS: [&str; 5] = [
    "did/did-key/secp256k1.json",
    "did/did-key/nist-curves.json",
    "did/did-key/bls12381.json",
    "did/did-key/x25519.json",
    "did/did-key/rsa.json",
];
const DID_JWK: &str = "did/did-jwk/examples.json";

/// An Ed25519 did:key vector: the DID, the seed and the key as the file
/// writes it in the DID document's first verification method.
struct KeyVector {
    did: String,
    seed: [u8; 32],
    method_id: String,
    key: [u8; 32],
    key_form: &'static str,
    /// The X25519 key agreement DID derived from the same seed.
    agreement: String,
}

fn base58_key(text: &str, what: &str) -> [u8; 32] {
    let bytes = bs58::decode(text)
        .into_vec()
        .unwrap_or_else(|e| panic!("{what}: not base58: {e}"));
    bytes
        .as_slice()
        .try_into()
        .unwrap_or_else(|_| panic!("{what}: {} bytes, not 32", bytes.len()))
}

fn ed25519_vectors() -> Vec<KeyVector> {
    with_json(ED25519, |doc| {
        doc.members()
            .map(|(did, v)| {
                let what = format!("{ED25519} {did}");
                let document = v
                    .get("didDocument")
                    .unwrap_or_else(|| panic!("{what}: no didDocument"));
                assert_eq!(
                    str_member(document, "id", &what),
                    did,
                    "{what}: didDocument id"
                );
                let method = document
                    .get("verificationMethod")
                    .and_then(|m| m.elements().next())
                    .unwrap_or_else(|| panic!("{what}: no verificationMethod"));
                let (key, key_form) = if let Some(b58) =
                    method.get("publicKeyBase58").and_then(Value::as_str)
                {
                    (base58_key(b58, &what), "publicKeyBase58")
                } else if let Some(mb) = method.get("publicKeyMultibase").and_then(Value::as_str) {
                    (
                        decode_multikey(mb)
                            .unwrap_or_else(|e| panic!("{what}: publicKeyMultibase: {e}")),
                        "publicKeyMultibase",
                    )
                } else if let Some(jwk) = method.get("publicKeyJwk") {
                    (
                        decode_jwk(jwk).unwrap_or_else(|e| panic!("{what}: publicKeyJwk: {e}")),
                        "publicKeyJwk",
                    )
                } else {
                    panic!("{what}: the first verification method has no key")
                };
                let agreement = document
                    .get("keyAgreement")
                    .and_then(|k| k.elements().next())
                    .and_then(Value::as_str)
                    .and_then(|id| id.split_once('#'))
                    .map(|(_, fragment)| format!("did:key:{fragment}"))
                    .unwrap_or_else(|| panic!("{what}: no keyAgreement"));
                KeyVector {
                    did: did.to_owned(),
                    seed: hex_array(str_member(v, "seed", &what), &what),
                    method_id: str_member(method, "id", &what).to_owned(),
                    key,
                    key_form,
                    agreement,
                }
            })
            .collect()
    })
}

#[test]
fn ed25519_did_keys_decode_and_resolve() {
    let vectors = ed25519_vectors();
    assert_eq!(vectors.len(), 5, "{ED25519}: seeds 0, 1, 2, 3 and 5");
    let resolver = KeyResolver::new(false);
    for v in &vectors {
        let what = format!("{ED25519} {} ({})", v.did, v.key_form);
        let id = v
            .did
            .strip_prefix("did:key:")
            .unwrap_or_else(|| panic!("{what}: not a did:key"));
        assert_eq!(
            decode_multikey(id),
            Ok(v.key),
            "{what}: the identifier decodes to the document's key"
        );
        assert_eq!(
            encode_multikey(&v.key),
            id,
            "{what}: the key encodes to the identifier"
        );
        assert_eq!(
            ed25519_dalek::SigningKey::from_bytes(&v.seed)
                .verifying_key()
                .to_bytes(),
            v.key,
            "{what}: key derived from the seed"
        );
        let method = format!("{}#{id}", v.did);
        assert_eq!(v.method_id, method, "{what}: verification method id");
        let resolved = resolver
            .resolve(&method)
            .unwrap_or_else(|p| panic!("{what}: {method} not resolved: {p:?}"));
        assert_eq!(&*resolved.controller, v.did, "{what}: controller");
        assert!(
            resolved.assertion,
            "{what}: not authorised for assertionMethod"
        );
        assert!(!resolved.from_fragment, "{what}: marked as a fragment key");
        let key = resolved
            .key
            .as_ref()
            .unwrap_or_else(|r| panic!("{what}: key refused by screening: {r:?}"));
        assert_eq!(key.fingerprint(), v.key, "{what}: resolved key");
        // The X25519 key agreement key of the same seed signs nothing.
        assert_eq!(
            resolver
                .resolve(&format!("{}#{}", v.agreement, &v.agreement[8..]))
                .map(|_| ()),
            Err(Problem::UnknownKey),
            "{what}: key agreement DID {}",
            v.agreement
        );
    }
}

/// Every string that starts with `did:key:`, keys included, fragment removed.
fn did_keys(v: Value<'_>, out: &mut BTreeSet<String>) {
    let mut note = |s: &str| {
        if s.starts_with("did:key:") {
            out.insert(s.split('#').next().unwrap_or(s).to_owned());
        }
    };
    if let Some(s) = v.as_str() {
        note(s);
    }
    let members: Vec<(&str, Value<'_>)> = v.members().collect();
    for (k, _) in &members {
        note(k);
    }
    for (_, child) in members {
        did_keys(child, out);
    }
    for child in v.elements() {
        did_keys(child, out);
    }
}

#[test]
fn other_key_types_are_unknown_keys() {
    let resolver = KeyResolver::new(false);
    let mut total = 0;
    for file in OTHERS {
        let mut dids = BTreeSet::new();
        with_json(file, |doc| did_keys(doc, &mut dids));
        assert!(!dids.is_empty(), "{file}: no did:key found");
        // P-256 and P-384 keys resolve (`nist_did_keys_resolve_to_their_jwk`).
        dids.retain(|d| !d.starts_with("did:key:zDn") && !d.starts_with("did:key:z82"));
        for did in &dids {
            let id = &did["did:key:".len()..];
            assert!(
                decode_multikey(id).is_err(),
                "{file} {did}: decodes as an Ed25519 multikey"
            );
            let method = format!("{did}#{id}");
            assert_eq!(
                resolver.resolve(&method).map(|_| ()),
                Err(Problem::UnknownKey),
                "{file} {did}: resolution"
            );
            assert_eq!(
                resolver.resolve(did).map(|_| ()),
                Err(Problem::UnknownKey),
                "{file} {did}: resolution without fragment"
            );
        }
        total += dids.len();
    }
    assert_eq!(
        total, 20,
        "did:key identifiers in the files of other key types"
    );
}

/// The NIST curves file: each P-256 (`zDn…`) and P-384 (`z82…`) did:key
/// decompresses to the point its document's JWK gives; P-521 is
/// `unknown_key`.
#[test]
fn nist_did_keys_resolve_to_their_jwk() {
    const FILE: &str = "did/did-key/nist-curves.json";
    let resolver = KeyResolver::new(false);
    let mut seen = (0, 0, 0);
    with_json(FILE, |doc| {
        for (did, entry) in doc.members() {
            let what = format!("{FILE} {did}");
            let id = &did["did:key:".len()..];
            let resolved = resolver.resolve(&format!("{did}#{id}"));
            if id.starts_with("z2J9") {
                assert_eq!(resolved.map(|_| ()), Err(Problem::UnknownKey), "{what}");
                seen.2 += 1;
                continue;
            }
            let resolved = resolved.unwrap_or_else(|p| panic!("{what}: not resolved: {p:?}"));
            assert_eq!(&*resolved.controller, did, "{what}: controller");
            let Ok(PublicKey::Ec(key)) = &resolved.key else {
                panic!("{what}: not an EC key: {:?}", resolved.key);
            };
            let jwk = entry
                .get("verificationMethod")
                .and_then(|m| m.get("publicKeyJwk"));
            let Some(jwk) = jwk else {
                // One P-256 entry gives its key as base58 only: the
                // compressed point.
                let b58 = entry
                    .get("verificationMethod")
                    .and_then(|m| m.get("publicKeyBase58"))
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{what}: neither a JWK nor base58"));
                let compressed = bs58::decode(b58).into_vec().expect("base58");
                let full = key.uncompressed();
                assert_eq!(compressed[1..], full[1..33], "{what}: x");
                assert_eq!(
                    compressed[0],
                    2 + (full[full.len() - 1] & 1),
                    "{what}: parity"
                );
                seen.0 += 1;
                continue;
            };
            match decode_jwk_any(jwk) {
                Ok(KeyMaterial::Ec { curve, sec1 }) => {
                    assert_eq!(curve, key.curve(), "{what}: curve");
                    assert_eq!(sec1, key.uncompressed(), "{what}: the JWK's point");
                }
                other => panic!("{what}: the JWK reads as {other:?}"),
            }
            match key.curve() {
                credverify::verify::ecdsa::Curve::P256 => seen.0 += 1,
                credverify::verify::ecdsa::Curve::P384 => seen.1 += 1,
            }
        }
    });
    assert_eq!(seen, (3, 2, 2), "{FILE}: P-256, P-384 and P-521 entries");
}

struct JwkExample {
    name: String,
    did: String,
    jwk_key: Result<[u8; 32], String>,
}

#[test]
fn did_jwk_examples() {
    let examples: Vec<JwkExample> = with_json(DID_JWK, |doc| {
        doc.get("examples")
            .unwrap_or_else(|| panic!("{DID_JWK}: no examples"))
            .elements()
            .map(|v| {
                let name = str_member(v, "name", DID_JWK).to_owned();
                let what = format!("{DID_JWK} {name}");
                JwkExample {
                    did: str_member(v, "did", &what).to_owned(),
                    jwk_key: decode_jwk(v.get("jwk").unwrap_or_else(|| panic!("{what}: no jwk")))
                        .map_err(|e| e.to_string()),
                    name,
                }
            })
            .collect()
    });
    let names: Vec<&str> = examples.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["P-256 (spec)", "X25519 (spec)", "Ed25519 (generated)"],
        "{DID_JWK}: examples"
    );
    let resolver = KeyResolver::new(false);
    for e in &examples {
        let what = format!("{DID_JWK} {}", e.name);
        let method = format!("{}#0", e.did);
        let resolved = resolver.resolve(&method);
        if e.name.starts_with("P-256") {
            let resolved = resolved.unwrap_or_else(|p| panic!("{what}: not resolved: {p:?}"));
            let jwk = with_json(DID_JWK, |doc| {
                let example = doc.get("examples").and_then(|x| x.elements().next());
                decode_jwk_any(example.and_then(|x| x.get("jwk")).expect("jwk"))
            });
            let Ok(KeyMaterial::Ec { sec1, .. }) = jwk else {
                panic!("{what}: the JWK reads as {jwk:?}");
            };
            match &resolved.key {
                Ok(PublicKey::Ec(key)) => assert_eq!(key.uncompressed(), sec1, "{what}: key"),
                other => panic!("{what}: resolved to {other:?}"),
            }
        } else if e.name.starts_with("Ed25519") {
            let expected = e
                .jwk_key
                .clone()
                .unwrap_or_else(|err| panic!("{what}: jwk refused: {err}"));
            let resolved = resolved.unwrap_or_else(|p| panic!("{what}: not resolved: {p:?}"));
            assert_eq!(&*resolved.controller, e.did, "{what}: controller");
            assert!(
                resolved.assertion,
                "{what}: not authorised for assertionMethod"
            );
            let key = resolved
                .key
                .as_ref()
                .unwrap_or_else(|r| panic!("{what}: key refused by screening: {r:?}"));
            assert_eq!(key.fingerprint(), expected, "{what}: resolved key");
            assert_eq!(
                resolver.resolve(&format!("{}#1", e.did)).map(|_| ()),
                Err(Problem::UnknownKey),
                "{what}: fragment #1"
            );
        } else {
            assert!(
                e.jwk_key.is_err(),
                "{what}: its JWK decodes as an Ed25519 key"
            );
            assert_eq!(
                resolved.map(|_| ()),
                Err(Problem::UnknownKey),
                "{what}: resolution"
            );
        }
    }
}
