//! `ecdsa-sd-2023` (W3C Data Integrity ECDSA Cryptosuites v1.0 §3.6, with
//! the functions of §3.4 and §3.5): selective disclosure. An issuer signs a base
//! proof for the holder; the holder derives from it a proof that reveals
//! the statements the issuer made mandatory and any of the others they
//! choose. A verifier checks only derived proofs ("Verify Derived Proof",
//! §3.6.7):
//!
//! 1. `proofValue` is `u` + base64url of the header `d9 5d 01` and a CBOR
//!    array of five: the base signature (64 bytes), the proof-scoped
//!    public key (a P-256 Multikey, 35 bytes), one signature (64 bytes)
//!    per revealed non-mandatory statement, the label map (canonical
//!    blank node number → 32-byte HMAC digest) and the indexes of the
//!    mandatory statements ([`parse_derived`]). The header `d9 5d 00` is a
//!    base proof: `sd_base_proof`.
//! 2. The revealed document is canonicalized (RDFC-1.0), each canonical
//!    blank node label `c14nK` replaced by `u` + base64url of the label
//!    map's digest for `K`, and the lines sorted again. The mandatory
//!    indexes pick the mandatory statements; the others, in order, are
//!    the non-mandatory ones.
//! 3. The base signature is checked with the issuer's P-256 key over
//!    SHA-256(canonical proof configuration) ‖ public key ‖
//!    SHA-256(mandatory statements joined), and each non-mandatory
//!    statement's signature with the proof-scoped key over the statement.
//!
//! The specification leaves some cases open; this engine refuses them:
//! a label map that gives two blank nodes one label (the relabelled
//! statements would no longer be the revealed graph), a mandatory index
//! beyond the statements or given twice, trailing bytes after the CBOR
//! array, CBOR tags, indefinite lengths. §3.5.8 says the public key is 36
//! bytes; every implementation and the W3C test vectors write 35 (the
//! two-byte P-256 Multikey header and a 33-byte compressed point), as
//! this engine reads it. The base signature is 64 bytes (§3.5.8), so the
//! issuer's key is a P-256 key: any other is `key_type`.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::canon::rdfc::{
    CanonError, HashAlgorithm, canonical_nquads, canonical_nquads_relabelled,
};
use crate::verdict::{Format, Problem};
use crate::verify::ecdsa::{Curve, EcKey};

/// The `ecdsa-sd-2023` cryptosuite.
pub struct EcdsaSd2023;

impl Cryptosuite for EcdsaSd2023 {
    fn format(&self) -> Format {
        Format::EcdsaSd2023
    }

    fn ecdsa(&self) -> bool {
        true
    }

    fn selective(&self) -> bool {
        true
    }

    /// Not used: a derived proof is checked by [`check_derived`], which
    /// needs the document's canonical statements one by one.
    fn write_hash_inputs(
        &self,
        _document: &SecuredDocument<'_, '_>,
        _tools: &mut Canonicalizers<'_, '_, '_>,
        _out: &mut Vec<u8>,
    ) -> Result<usize, Failure> {
        Err(Problem::ProofValue.into())
    }
}

/// The header of a base proof value (§3.5.2).
pub const BASE_HEADER: [u8; 3] = [0xd9, 0x5d, 0x00];
/// The header of a derived proof value (§3.5.7).
pub const DERIVED_HEADER: [u8; 3] = [0xd9, 0x5d, 0x01];
/// The Multikey header of a P-256 public key (multicodec `p256-pub`,
/// 0x1200, as a varint).
pub const P256_MULTIKEY: [u8; 2] = [0x80, 0x24];

/// A derived proof value, borrowing its decoded bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct DerivedProof<'b> {
    /// The issuer's signature over the proof hash, the proof-scoped key
    /// and the mandatory hash: `r ‖ s`.
    pub base_signature: &'b [u8; 64],
    /// The proof-scoped key: [`P256_MULTIKEY`] and a compressed point.
    pub public_key: &'b [u8; 35],
    /// One signature per revealed non-mandatory statement, in order.
    pub signatures: Vec<&'b [u8; 64]>,
    /// Canonical blank node number → HMAC digest, sorted by number.
    pub label_map: Vec<(u64, &'b [u8; 32])>,
    /// Which of the relabelled statements are mandatory.
    pub mandatory_indexes: Vec<u64>,
}

/// Why a proof value is not a derived proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofValueError {
    /// A base proof (`d9 5d 00`): `sd_base_proof`.
    BaseProof,
    /// Anything else that is not the five components: `proof_value`.
    Malformed,
}

impl From<minicbor::decode::Error> for ProofValueError {
    fn from(_: minicbor::decode::Error) -> ProofValueError {
        ProofValueError::Malformed
    }
}

/// The definite length of an array or map, or an error.
fn definite(len: Option<u64>) -> Result<u64, ProofValueError> {
    len.ok_or(ProofValueError::Malformed)
}

/// A byte string of exactly `N` bytes.
fn fixed<'b, const N: usize>(
    d: &mut minicbor::Decoder<'b>,
) -> Result<&'b [u8; N], ProofValueError> {
    d.bytes()?
        .try_into()
        .map_err(|_| ProofValueError::Malformed)
}

/// parseDerivedProofValue (§3.5.8), on the bytes after the multibase `u`:
/// the header, then exactly one CBOR array of the five components, with
/// no tags, no indefinite lengths and nothing after it. Nothing is
/// allocated by a count the input announces: lists grow as items decode.
pub fn parse_derived(bytes: &[u8]) -> Result<DerivedProof<'_>, ProofValueError> {
    let body = match bytes.split_first_chunk::<3>() {
        Some((header, body)) if *header == DERIVED_HEADER => body,
        Some((header, _)) if *header == BASE_HEADER => return Err(ProofValueError::BaseProof),
        _ => return Err(ProofValueError::Malformed),
    };
    let mut d = minicbor::Decoder::new(body);
    if definite(d.array()?)? != 5 {
        return Err(ProofValueError::Malformed);
    }
    let base_signature = fixed::<64>(&mut d)?;
    let public_key = fixed::<35>(&mut d)?;
    let mut signatures = Vec::new();
    for _ in 0..definite(d.array()?)? {
        signatures.push(fixed::<64>(&mut d)?);
    }
    let mut label_map = Vec::new();
    for _ in 0..definite(d.map()?)? {
        let k = d.u64()?;
        label_map.push((k, fixed::<32>(&mut d)?));
    }
    let mut mandatory_indexes = Vec::new();
    for _ in 0..definite(d.array()?)? {
        mandatory_indexes.push(d.u64()?);
    }
    if d.position() != body.len() {
        return Err(ProofValueError::Malformed);
    }
    label_map.sort_unstable_by_key(|(k, _)| *k);
    if label_map.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(ProofValueError::Malformed);
    }
    Ok(DerivedProof {
        base_signature,
        public_key,
        signatures,
        label_map,
        mandatory_indexes,
    })
}

/// What checking a derived proof found.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The base signature and every statement's signature verify.
    Verified,
    /// A signature does not verify, or the revealed statements are not
    /// the ones signed (more or fewer than the signatures).
    Failed,
}

/// The ECDSA checks a derived proof costs: its base signature and one per
/// revealed statement.
pub fn checks(proof: &DerivedProof<'_>) -> usize {
    1 + proof.signatures.len()
}

/// createVerifyData (§3.5.9) and "Verify Derived Proof" (§3.6.7) for
/// `document`, signed by the issuer's P-256 `key`. The base signature is
/// checked with the issuer's key, as the W3C vectors sign it (§3.6.7 read
/// literally names the proof-scoped key).
pub fn check_derived(
    document: &SecuredDocument<'_, '_>,
    tools: &mut Canonicalizers<'_, '_, '_>,
    proof: &DerivedProof<'_>,
    key: &EcKey,
) -> Result<Outcome, Failure> {
    let Some(scoped) = proof_scoped_key(proof.public_key) else {
        return Ok(Outcome::Failed);
    };
    let labels = labels(&proof.label_map).ok_or(Failure::from(Problem::ProofValue))?;
    let (config, doc) = super::eddsa_rdfc_2022::rdf_datasets(document, tools)?;
    let limits = tools.rdfc_limits;
    let bound = |_| Failure::from(Problem::CanonicalizationBound);
    let config = canonical_nquads(&config, HashAlgorithm::Sha256, limits).map_err(bound)?;
    let label = |k: usize| {
        let at = labels.binary_search_by_key(&(k as u64), |(n, _)| *n).ok()?;
        Some(labels[at].1.as_str())
    };
    let nquads = match canonical_nquads_relabelled(&doc, HashAlgorithm::Sha256, limits, &label) {
        Ok(text) => text,
        // A blank node the label map does not name: the revealed document
        // is not the one the proof was derived for.
        Err(CanonError::Unlabelled(_)) => return Ok(Outcome::Failed),
        Err(CanonError::TooComplex) => return Err(Problem::CanonicalizationBound.into()),
    };
    let statements: Vec<&str> = nquads.split_inclusive('\n').collect();
    let mut mandatory = vec![false; statements.len()];
    for &i in &proof.mandatory_indexes {
        match usize::try_from(i).ok().and_then(|i| mandatory.get_mut(i)) {
            Some(seen @ false) => *seen = true,
            _ => return Err(Problem::ProofValue.into()),
        }
    }
    let mut mandatory_hash = Sha256::new();
    let mut optional = Vec::with_capacity(proof.signatures.len());
    for (statement, &m) in statements.iter().zip(&mandatory) {
        if m {
            mandatory_hash.update(statement.as_bytes());
        } else {
            optional.push(*statement);
        }
    }
    if optional.len() != proof.signatures.len() {
        return Ok(Outcome::Failed);
    }
    let mut sign_data = Vec::with_capacity(32 + 35 + 32);
    sign_data.extend_from_slice(&Sha256::digest(config.as_bytes()));
    sign_data.extend_from_slice(proof.public_key);
    sign_data.extend_from_slice(&mandatory_hash.finalize());
    let held = key.verify(&sign_data, proof.base_signature)
        && optional
            .iter()
            .zip(&proof.signatures)
            .all(|(statement, signature)| scoped.verify(statement.as_bytes(), *signature));
    Ok(if held {
        Outcome::Verified
    } else {
        Outcome::Failed
    })
}

/// The proof-scoped key: a P-256 Multikey whose point is on the curve.
fn proof_scoped_key(multikey: &[u8; 35]) -> Option<Arc<EcKey>> {
    let point = multikey.strip_prefix(&P256_MULTIKEY)?;
    EcKey::from_sec1(Curve::P256, point).ok().map(Arc::new)
}

/// The label map decompressed (§3.5.6): number → `u` + base64url of the
/// digest, sorted by number; `None` when two numbers share a digest.
fn labels(map: &[(u64, &[u8; 32])]) -> Option<Vec<(u64, String)>> {
    let mut digests: Vec<&[u8; 32]> = map.iter().map(|(_, d)| *d).collect();
    digests.sort_unstable();
    if digests.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    Some(
        map.iter()
            .map(|(k, digest)| (*k, label_text(digest)))
            .collect(),
    )
}

/// `u` and the unpadded base64url of an HMAC digest: a blank node label.
pub fn label_text(digest: &[u8; 32]) -> String {
    use base64::Engine;
    let mut text = String::with_capacity(44);
    text.push('u');
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(digest, &mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A derived proof value: header, then the CBOR of `items`.
    fn value(header: [u8; 3], items: &[u8]) -> Vec<u8> {
        let mut v = header.to_vec();
        v.extend_from_slice(items);
        v
    }

    /// The CBOR of the five components with `n` signatures.
    fn components(n: u8) -> Vec<u8> {
        let mut c = vec![0x85, 0x58, 64];
        c.extend([1u8; 64]);
        c.extend([0x58, 35, 0x80, 0x24]);
        c.extend([2u8; 33]);
        c.push(0x80 + n);
        for _ in 0..n {
            c.extend([0x58, 64]);
            c.extend([3u8; 64]);
        }
        c.extend([0xa1, 0x00, 0x58, 32]);
        c.extend([4u8; 32]);
        c.extend([0x82, 0x00, 0x01]);
        c
    }

    #[test]
    fn derived_values_decode_and_base_ones_are_named() {
        let v = value(DERIVED_HEADER, &components(2));
        let p = parse_derived(&v).expect("derived");
        assert_eq!(p.signatures.len(), 2);
        assert_eq!(p.label_map, vec![(0, &[4u8; 32])]);
        assert_eq!(p.mandatory_indexes, vec![0, 1]);
        assert_eq!(checks(&p), 3);
        let base = value(BASE_HEADER, &components(2));
        assert_eq!(parse_derived(&base), Err(ProofValueError::BaseProof));
    }

    #[test]
    fn anything_but_the_five_components_is_refused() {
        let good = components(1);
        let mut trailing = good.clone();
        trailing.push(0);
        let mut four = good.clone();
        four[0] = 0x84;
        let mut short_key = good.clone();
        short_key[3 + 64 + 1] = 34; // the key's length byte
        let mut tagged = vec![0xc0];
        tagged.extend(&good);
        let mut indefinite = good.clone();
        indefinite[0] = 0x9f;
        for (what, cbor) in [
            ("trailing bytes", trailing),
            ("four components", four),
            ("a short key", short_key),
            ("a tag", tagged),
            ("an indefinite array", indefinite),
            ("nothing", Vec::new()),
        ] {
            let v = value(DERIVED_HEADER, &cbor);
            assert_eq!(parse_derived(&v), Err(ProofValueError::Malformed), "{what}");
        }
        assert_eq!(
            parse_derived(&value([0xd9, 0x5d, 0x02], &good)),
            Err(ProofValueError::Malformed)
        );
        assert_eq!(parse_derived(&[0xd9]), Err(ProofValueError::Malformed));
    }

    #[test]
    fn a_huge_announced_count_allocates_nothing() {
        // An array of 2^63 signatures announced in nine bytes: refused when
        // the input runs out, not when memory does.
        let mut c = vec![0x85, 0x58, 64];
        c.extend([1u8; 64]);
        c.extend([0x58, 35, 0x80, 0x24]);
        c.extend([2u8; 33]);
        c.extend([0x9b, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        let v = value(DERIVED_HEADER, &c);
        assert_eq!(parse_derived(&v), Err(ProofValueError::Malformed));
    }

    #[test]
    fn labels_are_the_multibase_digests_and_must_differ() {
        let (a, b) = ([0u8; 32], [0xffu8; 32]);
        let got = labels(&[(0, &a), (3, &b)]).expect("distinct");
        assert_eq!(got[0].1, format!("u{}", "A".repeat(43)));
        assert_eq!(got[1].0, 3);
        assert!(got[1].1.starts_with("u_____"));
        assert_eq!(labels(&[(0, &a), (1, &a)]), None);
    }
}
