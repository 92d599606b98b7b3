//! What every Data Integrity suite shares (Verifiable Credential Data
//! Integrity 1.0 §4): proof sets and chains, and the checks of a proof
//! that come before its suite's canonical forms.

use super::ecdsa_sd_2023::{self, DerivedProof, ProofValueError};
use super::{Canonicalizers, Cryptosuite, ProofCheck, SecuredDocument};
use crate::canon::rdfc::HashAlgorithm;
use crate::credential::Credential;
use crate::credential::proof::ProofMembers;
use crate::encoding::multibase;
use crate::json::Value;
use crate::limits;
use crate::time::Timestamp;
use crate::verdict::{Evidence, Problem, Warning};
use crate::verify::ecdsa::{Curve, EcKey};
use crate::verify::key::PublicKey;

/// Checks the proofs of `credential` (§4.4–4.6): every proof of a
/// supported kind must verify; proofs of other kinds are skipped with a
/// warning; a credential with none supported is `unsupported`, one with
/// no proof at all `no_proof`.
pub fn check_proofs(
    credential: &Credential<'_>,
    tools: &mut Canonicalizers<'_, '_, '_>,
    check: &mut ProofCheck<'_>,
) {
    let Some(proofs) = credential.proof else {
        return check.findings.problem(Problem::NoProof);
    };
    if proofs.one_or_many().next().is_none() {
        return check.findings.problem(Problem::NoProof);
    }
    if proofs.one_or_many().any(|p| !p.is_object()) {
        return check.findings.problem(Problem::ProofMalformed);
    }
    // Each proof is canonicalized with the proofs it chains to: without a
    // bound, n proofs naming every earlier one cost n² canonical forms.
    if proofs
        .one_or_many()
        .nth(limits::PROOFS_PER_RECORD)
        .is_some()
    {
        return check.findings.problem(Problem::ProofBound);
    }
    let mut supported = 0;
    for proof in proofs.one_or_many() {
        let members = ProofMembers::read(proof);
        let proof_type = members.kind.and_then(Value::as_str);
        let cryptosuite = members.cryptosuite.and_then(Value::as_str);
        match proof_type.and_then(|t| super::find(t, cryptosuite)) {
            Some(registration) => {
                supported += 1;
                let suite = registration.suite;
                check.format.get_or_insert(suite.format());
                if let Some(warning) = registration.warning {
                    check.findings.warn(warning);
                }
                let proof = Proof {
                    value: proof,
                    members: &members,
                    set: proofs,
                };
                check_proof(credential, &proof, suite, tools, check);
            }
            None => check.findings.warn(Warning::UnsupportedProofSkipped),
        }
    }
    if supported == 0 {
        check.findings.problem(Problem::UnsupportedProof);
    }
}

/// One proof of a set.
struct Proof<'m, 'a> {
    value: Value<'a>,
    members: &'m ProofMembers<'a>,
    /// The whole `proof` member: one proof or an array of them.
    set: Value<'a>,
}

/// vc-di-eddsa §3.3.2 / §3.2.2 (Verify Proof) with their Proof
/// Configuration steps, and §4.5 for `previousProof`; the canonical forms
/// are the suite's.
fn check_proof(
    credential: &Credential<'_>,
    proof: &Proof<'_, '_>,
    suite: &dyn Cryptosuite,
    tools: &mut Canonicalizers<'_, '_, '_>,
    check: &mut ProofCheck<'_>,
) {
    let members = proof.members;
    if members.purpose.and_then(Value::as_str) != Some("assertionMethod") {
        check.findings.problem(Problem::ProofPurpose);
    }
    for (name, member) in [("created", members.created), ("expires", members.expires)] {
        if let Some(v) = member {
            let parsed = v.as_str().map(Timestamp::parse);
            if let (Some(Ok(t)), "expires") = (&parsed, name) {
                check.proof_expires.push(*t);
            }
            match parsed {
                Some(Ok(t)) if name == "expires" && t < check.as_of => {
                    check.findings.problem_with(
                        Problem::ProofExpired,
                        Evidence::ProofExpired {
                            expires: t,
                            as_of: check.as_of,
                        },
                    );
                }
                Some(Ok(_)) => {}
                _ => check.findings.problem(Problem::ProofMalformed),
            }
        }
    }
    let Some(method) = members.method_id() else {
        return check.findings.problem(Problem::ProofMalformed);
    };
    // 64 bytes: Ed25519, or ECDSA on P-256 (`r ‖ s`); 96: ECDSA on P-384;
    // a selective-disclosure suite's CBOR.
    let value = members.value.and_then(Value::as_str);
    let mut derived_bytes = Vec::new();
    let signature = match value.map(|v| (v, suite.ecdsa())) {
        Some((v, _)) if suite.selective() => {
            if multibase::decode_base64url(v, &mut derived_bytes).is_err() {
                return check.findings.problem(Problem::ProofValue);
            }
            match ecdsa_sd_2023::parse_derived(&derived_bytes) {
                Ok(derived) => {
                    let disclosed = u32::try_from(derived.signatures.len()).unwrap_or(u32::MAX);
                    check.findings.disclosed.get_or_insert(disclosed);
                    Some(Signature::Derived(derived))
                }
                Err(ProofValueError::BaseProof) => {
                    return check.findings.problem(Problem::SdBaseProof);
                }
                Err(ProofValueError::Malformed) => None,
            }
        }
        Some((v, false)) => multibase::decode_base58btc::<64>(v)
            .ok()
            .map(Signature::Ed25519),
        Some((v, true)) => multibase::decode_base58btc::<64>(v)
            .map(|s| s.to_vec())
            .or_else(|_| multibase::decode_base58btc::<96>(v).map(|s| s.to_vec()))
            .ok()
            .map(Signature::Ecdsa),
        None => None,
    };
    let Some(signature) = signature else {
        return check.findings.problem(Problem::ProofValue);
    };
    // §3.3.2 step 4 (and §3.2.2 for RDFC): the proof's @context must open
    // the document's.
    let proof_context = members.context;
    if let Some(pc) = proof_context {
        let doc = || credential.context.one_or_many();
        let prefix = pc.one_or_many().count() <= doc().count()
            && pc.one_or_many().zip(doc()).all(|(a, b)| a.json_eq(b));
        if !prefix {
            return check.findings.problem(Problem::ContextMismatch);
        }
    }
    if let Err(problem) = suite.check_document(credential) {
        return check.findings.problem(problem);
    }
    // Data Integrity §4.5: a chained proof signs the document with the
    // proofs it names as `proof`.
    let mut previous: Vec<Value<'_>> = Vec::new();
    if let Some(pp) = members.previous {
        if pp.one_or_many().nth(limits::PREVIOUS_PROOFS).is_some() {
            return check.findings.problem(Problem::ProofBound);
        }
        for id in pp.one_or_many() {
            let found = id.as_str().and_then(|id| {
                proof
                    .set
                    .one_or_many()
                    .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            });
            match found {
                Some(p) => previous.push(p),
                None => return check.findings.problem(Problem::PreviousProof),
            }
        }
    }
    let Some((method, key)) = check.key_for(method, credential.issuer) else {
        return;
    };
    let evidence = || Evidence::Method {
        method: method.method.clone(),
    };
    // The EdDSA suites sign with Ed25519 keys only, the ECDSA suites with
    // P-256 or P-384 keys.
    let signed = match (signature, key) {
        (Signature::Ed25519(s), PublicKey::Ed25519(k)) => Signed::Ed25519(s, k),
        (Signature::Ecdsa(s), PublicKey::Ec(k)) => Signed::Ecdsa(s, k),
        // A derived proof's base signature is 64 bytes: P-256 (§3.5.8).
        (Signature::Derived(d), PublicKey::Ec(k)) if k.curve() == Curve::P256 => {
            Signed::Derived(d, k)
        }
        _ => return check.findings.problem_with(Problem::KeyType, evidence()),
    };
    // Every ECDSA check is counted before it is made.
    let units = match &signed {
        Signed::Ed25519(..) => 0,
        Signed::Ecdsa(_, k) if k.curve() == Curve::P384 => 4,
        Signed::Ecdsa(..) => 1,
        Signed::Derived(d, _) => ecdsa_sd_2023::checks(d),
    };
    if check.ecdsa_work.charge(units).is_err() {
        return check.findings.problem(Problem::ProofBound);
    }
    if let Signed::Ecdsa(_, k) = &signed
        && k.curve() == Curve::P384
    {
        tools.rdfc_hash = HashAlgorithm::Sha384;
    }
    let document = SecuredDocument {
        credential,
        proof: proof.value,
        proof_context,
        chained: members
            .previous
            .map(|pp| (pp.is_array(), previous.as_slice())),
    };
    if let Signed::Derived(derived, key) = &signed {
        return match ecdsa_sd_2023::check_derived(&document, tools, derived, key) {
            Ok(ecdsa_sd_2023::Outcome::Verified) => check.held.push(key.fingerprint()),
            Ok(ecdsa_sd_2023::Outcome::Failed) => check
                .findings
                .problem_with(Problem::InvalidSignature, evidence()),
            Err(failure) => match failure.evidence {
                Some(evidence) => check.findings.problem_with(failure.problem, evidence),
                None => check.findings.problem(failure.problem),
            },
        };
    }
    let out = check.signatures.inputs();
    let start = out.len();
    let written = suite.write_hash_inputs(&document, tools, out);
    tools.rdfc_hash = HashAlgorithm::Sha256;
    match (written, signed) {
        (Ok(document_start), Signed::Ed25519(signature, key)) => {
            let end = out.len();
            check.defer_hashed_pair(
                method,
                key,
                &signature,
                start..document_start,
                document_start..end,
            );
        }
        (Ok(document_start), Signed::Ecdsa(signature, key)) => {
            let held = verify_ecdsa(
                &key,
                &out[start..document_start],
                &out[document_start..],
                &signature,
            );
            out.truncate(start);
            if held {
                check.held.push(key.fingerprint());
            } else {
                check
                    .findings
                    .problem_with(Problem::InvalidSignature, evidence());
            }
        }
        (Ok(_), Signed::Derived(..)) => unreachable!("checked above"),
        (Err(failure), _) => {
            out.truncate(start);
            match failure.evidence {
                Some(evidence) => check.findings.problem_with(failure.problem, evidence),
                None => check.findings.problem(failure.problem),
            }
        }
    }
}

/// A `proofValue`, decoded for its suite.
enum Signature<'b> {
    Ed25519([u8; 64]),
    /// `r ‖ s`, 64 or 96 bytes.
    Ecdsa(Vec<u8>),
    /// An `ecdsa-sd-2023` derived proof.
    Derived(DerivedProof<'b>),
}

/// A signature with the key of its type it is checked with.
enum Signed<'b> {
    Ed25519([u8; 64], std::sync::Arc<crate::verify::VerifyingKey>),
    Ecdsa(Vec<u8>, std::sync::Arc<EcKey>),
    Derived(DerivedProof<'b>, std::sync::Arc<EcKey>),
}

/// vc-di-ecdsa §3.2.4 / §3.3.4 and "Verify Proof": the proof configuration
/// and the document each hashed with the curve's hash, joined, and the
/// ECDSA signature checked over that (hashed again by ECDSA itself).
fn verify_ecdsa(key: &EcKey, config: &[u8], document: &[u8], signature: &[u8]) -> bool {
    use sha2::{Digest, Sha256, Sha384};
    let mut hash_data = Vec::with_capacity(96);
    match key.curve() {
        Curve::P256 => {
            hash_data.extend_from_slice(&Sha256::digest(config));
            hash_data.extend_from_slice(&Sha256::digest(document));
        }
        Curve::P384 => {
            hash_data.extend_from_slice(&Sha384::digest(config));
            hash_data.extend_from_slice(&Sha384::digest(document));
        }
    }
    key.verify(&hash_data, signature)
}
