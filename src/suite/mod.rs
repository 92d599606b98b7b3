//! Proof suites: what each kind of proof signs, behind one seam.
//!
//! A Data Integrity proof (Verifiable Credential Data Integrity 1.0) names
//! its suite with `type` and `cryptosuite`; [`SUITES`] maps those names to
//! a [`Cryptosuite`], which says what its signature covers (the canonical
//! proof configuration and document) and what it requires of the
//! document. Everything the suites share, proof sets and chains, the
//! proof's purpose, dates, verification method, `proofValue` and
//! `@context` rules, is [`data_integrity`]'s. A VC-JOSE / VC-JWT token
//! ([`vc_jwt`]) is the other envelope: its signature covers the token's
//! own bytes.
//!
//! Adding a Data Integrity suite is a new file here with a type that
//! implements [`Cryptosuite`], and one line in [`SUITES`].
//!
//! Checking a proof writes into a [`ProofCheck`]: the record's findings,
//! and the signature queue its signatures wait in until the chunk's
//! messages are hashed and its batch verified (`crate::verify`).

pub mod data_integrity;
pub mod ecdsa_2019;
pub mod ecdsa_sd_2023;
pub mod ed25519_signature_2020;
pub mod eddsa_jcs_2022;
pub mod eddsa_rdfc_2022;
pub mod ob2;
pub mod vc_jwt;

use std::ops::Range;
use std::sync::Arc;

use crate::canon::jcs;
use crate::credential::Credential;
use crate::json::Value;
use crate::jsonld::Processor;
use crate::jsonld::context::ActiveContext;
use crate::limits::JsonLdBudget;
use crate::resolve::multikey::KeyMaterial;
use crate::resolve::{KeyResolver, LocalKeys, ResolvedKey};
use crate::time::Timestamp;
use crate::verdict::{Evidence, Findings, Format, Problem, Warning};
use crate::verify::VerifyingKey;
use crate::verify::key::PublicKey;
use crate::verify::queue::SignatureQueue;

/// A Data Integrity cryptosuite: it signs with Ed25519 over
/// SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)
/// (vc-di-eddsa §3.2.4, §3.3.4), or, when [`Cryptosuite::ecdsa`], with
/// ECDSA over the same two forms hashed with the curve's hash (vc-di-ecdsa
/// §3.2.4, §3.3.4).
pub trait Cryptosuite: Sync {
    /// The `format` written in verdicts of records it verifies.
    fn format(&self) -> Format;

    /// Whether the suite signs with ECDSA (P-256 or P-384) rather than
    /// Ed25519.
    fn ecdsa(&self) -> bool {
        false
    }

    /// Whether the suite's proofs are selective-disclosure proofs, whose
    /// `proofValue` and checks are their own ([`ecdsa_sd_2023`]) after the
    /// Data Integrity steps every suite shares.
    fn selective(&self) -> bool {
        false
    }

    /// What the suite requires of the secured document beyond Data
    /// Integrity's rules.
    fn check_document(&self, _credential: &Credential<'_>) -> Result<(), Problem> {
        Ok(())
    }

    /// Appends the canonical proof configuration, then the canonical
    /// document, to `out`; returns where the document starts. On an error
    /// the caller forgets what was appended.
    fn write_hash_inputs(
        &self,
        document: &SecuredDocument<'_, '_>,
        tools: &mut Canonicalizers<'_, '_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<usize, Failure>;
}

/// Why a suite could not write its canonical forms: the problem, and what
/// decided it when that helps a reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The problem.
    pub problem: Problem,
    /// What decided it.
    pub evidence: Option<Evidence>,
}

impl Failure {
    /// A problem with its evidence.
    pub fn with(problem: Problem, evidence: Evidence) -> Failure {
        Failure {
            problem,
            evidence: Some(evidence),
        }
    }
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Failure {
        Failure {
            problem,
            evidence: None,
        }
    }
}

/// How proofs name a suite.
pub struct Registration {
    /// The proof's `type`.
    pub proof_type: &'static str,
    /// The proof's `cryptosuite`; `None`: any value, or none.
    pub cryptosuite: Option<&'static str>,
    /// The suite.
    pub suite: &'static dyn Cryptosuite,
    /// What a proof naming the suite this way is noted with.
    pub warning: Option<Warning>,
}

/// The Data Integrity suites this engine verifies. A proof of any other
/// kind is skipped with a warning (`unsupported_proof_skipped`), and a
/// record none of whose proofs is listed here is `unsupported`.
pub static SUITES: &[Registration] = &[
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("eddsa-jcs-2022"),
        suite: &eddsa_jcs_2022::EddsaJcs2022,
        warning: None,
    },
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("eddsa-rdfc-2022"),
        suite: &eddsa_rdfc_2022::EddsaRdfc2022,
        warning: None,
    },
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("ecdsa-rdfc-2019"),
        suite: &ecdsa_2019::ECDSA_RDFC_2019,
        warning: None,
    },
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("ecdsa-jcs-2019"),
        suite: &ecdsa_2019::ECDSA_JCS_2019,
        warning: None,
    },
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("ecdsa-sd-2023"),
        suite: &ecdsa_sd_2023::EcdsaSd2023,
        warning: None,
    },
    // The draft name of eddsa-rdfc-2022, as early Open Badges 3.0 issuers
    // wrote it.
    Registration {
        proof_type: "DataIntegrityProof",
        cryptosuite: Some("eddsa-2022"),
        suite: &eddsa_rdfc_2022::EddsaRdfc2022,
        warning: Some(Warning::DraftCryptosuiteName),
    },
    Registration {
        proof_type: "Ed25519Signature2020",
        cryptosuite: None,
        suite: &ed25519_signature_2020::Ed25519Signature2020,
        warning: None,
    },
];

/// The registration a proof's `type` and `cryptosuite` name, if any.
pub fn find(proof_type: &str, cryptosuite: Option<&str>) -> Option<&'static Registration> {
    SUITES.iter().find(|r| {
        r.proof_type == proof_type && r.cryptosuite.is_none_or(|c| Some(c) == cryptosuite)
    })
}

/// A document secured by one proof, as its suite canonicalizes it.
pub struct SecuredDocument<'v, 'a> {
    /// The credential.
    pub credential: &'v Credential<'a>,
    /// The proof being checked.
    pub proof: Value<'a>,
    /// The proof's own `@context`, which opens the document's.
    pub proof_context: Option<Value<'a>>,
    /// Data Integrity §4.5: the proofs a chained proof names in
    /// `previousProof` (whether it was an array, and the proofs), which
    /// the document is signed with as its `proof`.
    pub chained: Option<(bool, &'v [Value<'a>])>,
}

/// What suites canonicalize with.
pub struct Canonicalizers<'w, 'c, 's> {
    /// JCS, knowing the record's text.
    pub jcs: &'w mut jcs::Writer<'c, 's>,
    /// JSON-LD to RDF, with the run's contexts.
    pub jsonld: &'w Processor,
    /// The worker's shape programs.
    pub shapes: &'w mut crate::jsonld::shape::ShapeCache,
    /// The record's JSON-LD budget, shared by all its proofs.
    pub jsonld_budget: &'w JsonLdBudget,
    /// The RDFC-1.0 bounds of the record's size.
    pub rdfc_limits: crate::canon::rdfc::Limits,
    /// The hash RDFC-1.0 labels blank nodes with: SHA-256, or SHA-384 for
    /// an ECDSA proof with a P-384 key.
    pub rdfc_hash: crate::canon::rdfc::HashAlgorithm,
    /// The JSON-LD context the canonical forms were made with, reported
    /// when the signature fails.
    pub contexts: &'w mut Option<Arc<ActiveContext>>,
}

/// Whose a deferred signature is: the record (its index in the chunk),
/// and the verification method its key came from, named in the evidence
/// when the signature fails.
#[derive(Clone)]
pub struct Signer {
    /// The record's index among the chunk's records.
    pub record: u32,
    /// The resolved verification method.
    pub method: Arc<ResolvedKey>,
}

/// Where checking one record's proofs writes, and what it checks with.
pub struct ProofCheck<'w> {
    /// The judging instant (a proof's `expires`).
    pub as_of: Timestamp,
    /// The run's verification methods.
    pub resolver: &'w KeyResolver,
    /// The worker's copies of them.
    pub keys: &'w mut LocalKeys,
    /// The record's index among the chunk's records.
    pub record: u32,
    /// The record's problems, evidence and warnings.
    pub findings: &'w mut Findings,
    /// The format of the first supported proof.
    pub format: &'w mut Option<Format>,
    /// Every proof's `expires`, in the order the proofs were checked (what
    /// `proof_expired` is judged from again at another instant).
    pub proof_expires: &'w mut Vec<Timestamp>,
    /// The chunk's signature queue.
    pub signatures: &'w mut SignatureQueue<Signer>,
    /// The record's ECDSA checks ([`crate::limits::ecdsa_budget`]).
    pub ecdsa_work: crate::limits::Budget,
    /// The fingerprints of the keys whose signatures were checked at once
    /// (not batched) and held; the caller adds them to the record's
    /// `signed_by`, as the batch does for Ed25519 keys.
    pub held: Vec<[u8; 32]>,
}

impl ProofCheck<'_> {
    /// Resolves `method` for a credential by `issuer`, recording every
    /// problem (an unknown method, one its controller does not authorise
    /// for `assertionMethod`, a controller that is not the issuer, a key
    /// that fails screening); returns the key when a signature can be
    /// checked with it.
    pub fn key_for(&mut self, method: &str, issuer: &str) -> Option<(Arc<ResolvedKey>, PublicKey)> {
        let resolved: Arc<ResolvedKey> = match self.keys.resolve(self.resolver, method) {
            Ok(r) => r,
            Err(p) => {
                let evidence = Evidence::Method {
                    method: method.into(),
                };
                self.findings.problem_with(p, evidence);
                return None;
            }
        };
        self.accept(resolved, issuer)
    }

    /// The key of a JWS header's `jwk` for a credential by `issuer` (a
    /// token without `kid`): the issuer's verification method that holds
    /// the same key, else, under `--trust-header-jwk`, the key itself as
    /// the issuer's (warning `key_from_header`), else `unknown_key`.
    pub fn key_from_header(
        &mut self,
        material: &KeyMaterial,
        issuer: &str,
    ) -> Option<(Arc<ResolvedKey>, PublicKey)> {
        let Some(fingerprint) = material.fingerprint() else {
            self.findings.problem(Problem::UnknownKey);
            return None;
        };
        let (resolver, keys) = (self.resolver, &mut *self.keys);
        let listed = resolver.find_method_of(issuer, |method| {
            let resolved = keys.resolve(resolver, method).ok()?;
            let same = resolved
                .key
                .as_ref()
                .is_ok_and(|key| key.fingerprint() == fingerprint);
            same.then_some(resolved)
        });
        if let Some(resolved) = listed {
            return self.accept(resolved, issuer);
        }
        if !self.resolver.trusts_header_jwk() {
            self.findings.problem(Problem::UnknownKey);
            return None;
        }
        match self.resolver.header_key(issuer, material) {
            Ok(resolved) => {
                self.findings.warn(Warning::KeyFromHeader);
                self.accept(resolved, issuer)
            }
            Err(p) => {
                self.findings.problem(p);
                None
            }
        }
    }

    /// Records what a resolved method says about a credential by
    /// `issuer` ([`ProofCheck::key_for`]); returns its key when it loaded.
    fn accept(
        &mut self,
        resolved: Arc<ResolvedKey>,
        issuer: &str,
    ) -> Option<(Arc<ResolvedKey>, PublicKey)> {
        let evidence = || Evidence::Method {
            method: resolved.method.clone(),
        };
        if resolved.from_fragment {
            // --trust-fragment-keys covers only the issuer's own URL.
            if *resolved.controller != *issuer {
                self.findings.problem_with(Problem::UnknownKey, evidence());
                return None;
            }
            self.findings.warn(Warning::KeyFromFragment);
        }
        if !resolved.assertion {
            self.findings
                .problem_with(Problem::NotAuthorized, evidence());
        }
        if *resolved.controller != *issuer {
            self.findings.problem_with(
                Problem::IssuerMismatch,
                Evidence::Controller {
                    method: resolved.method.clone(),
                    controller: resolved.controller.clone(),
                },
            );
        }
        match &resolved.key {
            Ok(key) => {
                let key = key.clone();
                Some((resolved, key))
            }
            Err(_) => {
                self.findings.problem_with(Problem::WeakKey, evidence());
                None
            }
        }
    }

    /// Defers a signature over `message` itself (a JWS signing input).
    fn defer_message(
        &mut self,
        method: Arc<ResolvedKey>,
        key: Arc<VerifyingKey>,
        signature: &[u8; 64],
        message: &[u8],
    ) {
        let signer = Signer {
            record: self.record,
            method,
        };
        self.signatures
            .defer_message(signer, signature, key, message);
    }

    /// Defers a Data Integrity signature over the hash inputs at these
    /// ranges of the queue's buffer.
    fn defer_hashed_pair(
        &mut self,
        method: Arc<ResolvedKey>,
        key: Arc<VerifyingKey>,
        signature: &[u8; 64],
        proof: Range<usize>,
        document: Range<usize>,
    ) {
        let signer = Signer {
            record: self.record,
            method,
        };
        self.signatures
            .defer_hashed_pair(signer, signature, key, proof, document);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_name_their_suites() {
        let found = |t: &str, c: Option<&str>| find(t, c).map(|r| (r.suite.format(), r.warning));
        assert_eq!(
            found("DataIntegrityProof", Some("eddsa-jcs-2022")),
            Some((Format::EddsaJcs2022, None))
        );
        assert_eq!(
            found("DataIntegrityProof", Some("eddsa-rdfc-2022")),
            Some((Format::EddsaRdfc2022, None))
        );
        assert_eq!(
            found("DataIntegrityProof", Some("eddsa-2022")),
            Some((Format::EddsaRdfc2022, Some(Warning::DraftCryptosuiteName)))
        );
        // The legacy suite names no cryptosuite; whatever it says is ignored.
        for c in [None, Some("eddsa-2022"), Some("x")] {
            assert_eq!(
                found("Ed25519Signature2020", c),
                Some((Format::Ed25519Signature2020, None))
            );
        }
        assert_eq!(
            found("DataIntegrityProof", Some("ecdsa-rdfc-2019")),
            Some((Format::EcdsaRdfc2019, None))
        );
        assert_eq!(
            found("DataIntegrityProof", Some("ecdsa-jcs-2019")),
            Some((Format::EcdsaJcs2019, None))
        );
        assert_eq!(
            found("DataIntegrityProof", Some("ecdsa-sd-2023")),
            Some((Format::EcdsaSd2023, None))
        );
        for (t, c) in [
            ("DataIntegrityProof", Some("bbs-2023")),
            ("DataIntegrityProof", None),
            ("EcdsaSecp256k1Signature2019", None),
            ("dataintegrityproof", Some("eddsa-jcs-2022")),
        ] {
            assert!(find(t, c).is_none(), "{t} {c:?}");
        }
    }

    #[test]
    fn each_registration_is_reachable() {
        // A registration shadowed by an earlier one would never be found.
        for (i, r) in SUITES.iter().enumerate() {
            let first =
                find(r.proof_type, r.cryptosuite.or(Some("any"))).map(|f| std::ptr::eq(f, r));
            assert_eq!(first, Some(true), "registration {i}");
        }
    }
}
