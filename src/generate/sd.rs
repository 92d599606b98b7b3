//! `ecdsa-sd-2023` for the generator: what an issuer and then a holder
//! do, at the level of canonical statements (vc-di-ecdsa §3.4 to §3.6).
//!
//! The issuer canonicalizes the credential, relabels its blank nodes with
//! HMAC digests of their canonical labels, makes some statements
//! mandatory, signs each other statement with a proof-scoped P-256 key and
//! signs the proof hash, that key and the hash of the mandatory
//! statements with its own key (the base proof). The holder reveals the
//! credential less some of its optional members, and the derived proof
//! carries the label map of the revealed blank nodes, the indexes of the
//! mandatory statements among the revealed ones, and the signatures of
//! the revealed optional statements.
//!
//! Which statements are mandatory is said here by the credential's shape,
//! not by JSON pointers: everything outside `credentialSubject` (issuer,
//! dates, status, name, types), and in it every identifier, type and
//! member that holds objects. The optional ones are the other members of
//! `credentialSubject` and its objects, when their object keeps an `id` or
//! a `type` (so that removing them removes statements, never a node): the
//! holder reveals each with even odds.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha256};

use super::Sign;
use super::rng::Rng;
use crate::canon::rdfc::{self, HashAlgorithm, Limits};
use crate::jsonld::json::Json;
use crate::suite::ecdsa_sd_2023::{DERIVED_HEADER, P256_MULTIKEY, label_text};

/// A credential secured by a derived `ecdsa-sd-2023` proof, as one JSON
/// line: `signed` is the credential the issuer signed (members with their
/// `@context`), `shown` what the holder shows before removing members
/// (the same, or altered for a tampered record), `proof_members` the
/// proof's members but its value; `sign` signs with the issuer's key.
/// The holder reveals every optional member when `reveal_all`.
pub(super) fn derived_record(
    rng: &mut Rng,
    signed: &str,
    shown: &str,
    proof_members: &str,
    sign: Sign<'_>,
    reveal_all: bool,
) -> Vec<u8> {
    let processor = super::processor();
    let original = parse(signed);
    let context = original.get("@context").cloned();
    let rdf = |doc: &Json<'_>| {
        let body = without(doc, "@context");
        let (quads, _) = processor
            .to_rdf(context.as_ref(), &body)
            .expect("generated credentials have no JSON-LD data loss");
        quads
    };
    // The issuer's statements, relabelled with HMAC digests.
    let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, &rng.bytes::<32>());
    let issued = canonical(&rdf(&original));
    let digest_of: BTreeMap<String, [u8; 32]> = issued
        .issued
        .iter()
        .map(|(input, c14n)| {
            let tag = hmac::sign(&hmac_key, c14n.as_bytes());
            let mut d = [0u8; 32];
            d.copy_from_slice(tag.as_ref());
            (input.clone(), d)
        })
        .collect();
    // Blank nodes keep their input labels when only members holding
    // values are removed, so a document's canonical labels map back to
    // the issuer's through them.
    let relabelled = |doc: &Json<'_>| -> (Vec<String>, BTreeMap<u64, [u8; 32]>) {
        let quads = rdf(doc);
        let c = canonical(&quads);
        let mut map = BTreeMap::new();
        for (input, c14n) in &c.issued {
            let k: u64 = c14n["c14n".len()..].parse().expect("a canonical label");
            map.insert(k, digest_of[input]);
        }
        let labels: BTreeMap<usize, String> = map
            .iter()
            .map(|(k, d)| (*k as usize, label_text(d)))
            .collect();
        let label = |k: usize| labels.get(&k).map(String::as_str);
        let text = rdfc::canonical_nquads_relabelled(
            &quads,
            HashAlgorithm::Sha256,
            Limits::default(),
            &label,
        )
        .expect("every blank node has its label");
        (text.split_inclusive('\n').map(str::to_owned).collect(), map)
    };
    let (all, _) = relabelled(&original);
    let optional = count_optional(&original);
    let (mandatory, _) = relabelled(&pruned(&original, &vec![false; optional]));
    let mandatory: HashSet<String> = mandatory.into_iter().collect();
    // The base proof's signatures: one per optional statement.
    let scoped = scoped_key(rng);
    let mut public_key = P256_MULTIKEY.to_vec();
    public_key.extend_from_slice(scoped.verifying_key().to_sec1_point(true).as_bytes());
    let mut mandatory_hash = Sha256::new();
    let mut signature_of: BTreeMap<&str, [u8; 64]> = BTreeMap::new();
    for statement in &all {
        if mandatory.contains(statement) {
            mandatory_hash.update(statement.as_bytes());
        } else {
            let sig: p256::ecdsa::Signature = scoped.sign(statement.as_bytes());
            signature_of.insert(statement, sig.to_bytes().into());
        }
    }
    let config = parse(&format!("{{{proof_members}}}"));
    let config_quads = processor
        .to_rdf(context.as_ref(), &without(&config, "@context"))
        .expect("the proof configuration expands")
        .0;
    let config_nquads =
        rdfc::canonical_nquads(&config_quads, HashAlgorithm::Sha256, Limits::default())
            .expect("the proof configuration canonicalizes");
    let mut sign_data = Sha256::digest(config_nquads.as_bytes()).to_vec();
    sign_data.extend_from_slice(&public_key);
    sign_data.extend_from_slice(&mandatory_hash.finalize());
    let base_signature = sign(&sign_data);
    // The holder's choice, and what it reveals.
    let keep: Vec<bool> = (0..optional)
        .map(|_| reveal_all || rng.below(2) == 0)
        .collect();
    let revealed = pruned(&parse(shown), &keep);
    let (statements, label_map) = relabelled(&pruned(&original, &keep));
    let mut indexes = Vec::new();
    let mut signatures = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        match signature_of.get(statement.as_str()) {
            Some(sig) => signatures.push(*sig),
            None => indexes.push(i as u64),
        }
    }
    let value = derived_value(&Components {
        base_signature: &base_signature,
        public_key: &public_key,
        signatures: &signatures,
        label_map: &label_map,
        indexes: &indexes,
    });
    let mut proof = parse(&format!("{{{proof_members}}}"));
    if let Json::Object(members) = &mut proof {
        members.push((Cow::Borrowed("proofValue"), Json::String(Cow::Owned(value))));
    }
    let mut line = revealed;
    if let Json::Object(members) = &mut line {
        members.push((Cow::Borrowed("proof"), proof));
    }
    let mut out = Vec::new();
    line.write_jcs(&mut out);
    out
}

/// The five components of a derived proof value.
struct Components<'p> {
    base_signature: &'p [u8],
    public_key: &'p [u8],
    signatures: &'p [[u8; 64]],
    label_map: &'p BTreeMap<u64, [u8; 32]>,
    indexes: &'p [u64],
}

/// serializeDerivedProofValue (§3.5.7): `u` + base64url of the header and
/// the CBOR of the five components.
fn derived_value(c: &Components<'_>) -> String {
    fn write(
        e: &mut minicbor::Encoder<Vec<u8>>,
        c: &Components<'_>,
    ) -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        e.array(5)?.bytes(c.base_signature)?.bytes(c.public_key)?;
        e.array(c.signatures.len() as u64)?;
        for s in c.signatures {
            e.bytes(s)?;
        }
        e.map(c.label_map.len() as u64)?;
        for (k, d) in c.label_map {
            e.u64(*k)?.bytes(d)?;
        }
        e.array(c.indexes.len() as u64)?;
        for i in c.indexes {
            e.u64(*i)?;
        }
        Ok(())
    }
    let mut e = minicbor::Encoder::new(DERIVED_HEADER.to_vec());
    write(&mut e, c).expect("writing to memory");
    format!("u{}", URL_SAFE_NO_PAD.encode(e.into_writer()))
}

/// A proof-scoped P-256 key from the record's stream.
fn scoped_key(rng: &mut Rng) -> p256::ecdsa::SigningKey {
    loop {
        if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&rng.bytes::<32>()) {
            return key;
        }
    }
}

fn parse(text: &str) -> Json<'static> {
    crate::json::JsonParser::default()
        .with_doc(text.as_bytes(), |v| Json::from_value(v).into_static())
        .expect("generated JSON parses")
}

fn canonical(quads: &crate::rdf::dataset::Dataset) -> rdfc::Canonical {
    rdfc::canonicalize(quads, HashAlgorithm::Sha256, Limits::default())
        .expect("generated credentials canonicalize")
}

/// `doc` without its member `name`.
fn without(doc: &Json<'_>, name: &str) -> Json<'static> {
    match doc {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| k != name)
                .map(|(k, v)| (Cow::Owned(k.to_string()), v.clone().into_static()))
                .collect(),
        ),
        other => other.clone().into_static(),
    }
}

/// Whether `value` holds only values (a string, number or boolean, or an
/// array of them), and can be removed without removing a node.
fn holds_values(value: &Json<'_>) -> bool {
    value.one_or_many().iter().all(Json::is_scalar)
}

/// Whether a member of an object with these members may be left out.
fn optional_member(object: &[(Cow<'_, str>, Json<'_>)], key: &str, value: &Json<'_>) -> bool {
    !matches!(key, "id" | "type" | "@context" | "@id" | "@type")
        && holds_values(value)
        && object.iter().any(|(k, _)| k == "id" || k == "type")
}

/// Visits the optional members under `credentialSubject` in document
/// order: `visit` says whether each stays.
fn walk(value: &mut Json<'_>, visit: &mut dyn FnMut() -> bool) {
    match value {
        Json::Array(items) => items.iter_mut().for_each(|i| walk(i, visit)),
        Json::Object(members) => {
            let decisions: Vec<bool> = members
                .iter()
                .map(|(k, v)| !optional_member(members, k, v) || visit())
                .collect();
            let mut d = decisions.into_iter();
            members.retain(|_| d.next().unwrap_or(true));
            members.iter_mut().for_each(|(_, v)| walk(v, visit));
        }
        _ => {}
    }
}

/// The optional members of a credential.
fn count_optional(doc: &Json<'_>) -> usize {
    let mut n = 0;
    let mut copy = doc.clone();
    if let Some(subject) = subject_mut(&mut copy) {
        walk(subject, &mut || {
            n += 1;
            true
        });
    }
    n
}

/// The credential with the optional members whose `keep` is false left
/// out.
fn pruned(doc: &Json<'_>, keep: &[bool]) -> Json<'static> {
    let mut copy = doc.clone().into_static();
    let mut flags = keep.iter().copied();
    if let Some(subject) = subject_mut(&mut copy) {
        walk(subject, &mut || flags.next().unwrap_or(true));
    }
    copy
}

fn subject_mut<'d, 'a>(doc: &'d mut Json<'a>) -> Option<&'d mut Json<'a>> {
    match doc {
        Json::Object(members) => members
            .iter_mut()
            .find(|(k, _)| k == "credentialSubject")
            .map(|(_, v)| v),
        _ => None,
    }
}
