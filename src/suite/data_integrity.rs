//! What every Data Integrity suite shares (Verifiable Credential Data
//! Integrity 1.0 §4): proof sets and chains, and the checks of a proof
//! that come before its suite's canonical forms.

use super::{Canonicalizers, Cryptosuite, ProofCheck, SecuredDocument};
use crate::credential::Credential;
use crate::credential::proof::ProofMembers;
use crate::encoding::multibase;
use crate::json::Value;
use crate::limits;
use crate::time::Timestamp;
use crate::verdict::{Evidence, Problem, Warning};

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
    let Some(signature) = members
        .value
        .and_then(Value::as_str)
        .and_then(|v| multibase::decode_base58btc::<64>(v).ok())
    else {
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
    // The EdDSA suites sign with Ed25519 keys only.
    let Some(key) = key.ed25519().cloned() else {
        let evidence = Evidence::Method {
            method: method.method.clone(),
        };
        return check.findings.problem_with(Problem::KeyType, evidence);
    };
    let document = SecuredDocument {
        credential,
        proof: proof.value,
        proof_context,
        chained: members
            .previous
            .map(|pp| (pp.is_array(), previous.as_slice())),
    };
    let out = check.signatures.inputs();
    let start = out.len();
    match suite.write_hash_inputs(&document, tools, out) {
        Ok(document_start) => {
            let end = out.len();
            check.defer_hashed_pair(
                method,
                key,
                &signature,
                start..document_start,
                document_start..end,
            );
        }
        Err(failure) => {
            out.truncate(start);
            match failure.evidence {
                Some(evidence) => check.findings.problem_with(failure.problem, evidence),
                None => check.findings.problem(failure.problem),
            }
        }
    }
}
