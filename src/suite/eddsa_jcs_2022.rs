//! `eddsa-jcs-2022` (W3C Data Integrity EdDSA Cryptosuites v1.0 §3.3): the
//! proof configuration and the document in JCS (RFC 8785).

use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::canon::jcs::Patch;
use crate::verdict::Format;

/// The `eddsa-jcs-2022` cryptosuite.
pub struct EddsaJcs2022;

impl Cryptosuite for EddsaJcs2022 {
    fn format(&self) -> Format {
        Format::EddsaJcs2022
    }

    /// §3.3.5 (proof configuration: the proof without `proofValue`) and
    /// §3.3.3 (the document without `proof`, under the proof's `@context`
    /// when it has one, with the proofs a chained proof names as `proof`).
    fn write_hash_inputs(
        &self,
        document: &SecuredDocument<'_, '_>,
        tools: &mut Canonicalizers<'_, '_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<usize, Failure> {
        tools
            .jcs
            .write_patched(out, document.proof, &["proofValue"], &[]);
        let document_start = out.len();
        let context_patch = document
            .proof_context
            .map(|pc| ("@context", Patch::Value(pc)));
        let proof_patch = match document.chained {
            Some((true, previous)) => Some(("proof", Patch::Array(previous))),
            Some((false, previous)) => Some(("proof", Patch::Value(previous[0]))),
            None => None,
        };
        let mut set = [("", Patch::Value(document.proof)); 2];
        let mut patches = 0;
        for patch in [context_patch, proof_patch].into_iter().flatten() {
            set[patches] = patch;
            patches += 1;
        }
        tools
            .jcs
            .write_patched(out, document.credential.root, &["proof"], &set[..patches]);
        Ok(document_start)
    }
}
