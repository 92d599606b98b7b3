//! `Ed25519Signature2020`, the suite `eddsa-rdfc-2022` replaced: the same
//! canonical forms, on documents that name the suite's own context (as
//! jsonld-signatures requires).

use super::eddsa_rdfc_2022::write_canonical_nquads;
use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::credential::Credential;
use crate::verdict::{Format, Problem};

/// The context an `Ed25519Signature2020` document must name.
pub const CONTEXT: &str = "https://w3id.org/security/suites/ed25519-2020/v1";

/// The `Ed25519Signature2020` suite.
pub struct Ed25519Signature2020;

impl Cryptosuite for Ed25519Signature2020 {
    fn format(&self) -> Format {
        Format::Ed25519Signature2020
    }

    fn check_document(&self, credential: &Credential<'_>) -> Result<(), Problem> {
        if credential
            .context
            .one_or_many()
            .any(|c| c.as_str() == Some(CONTEXT))
        {
            Ok(())
        } else {
            Err(Problem::SuiteContext)
        }
    }

    fn write_hash_inputs(
        &self,
        document: &SecuredDocument<'_, '_>,
        tools: &mut Canonicalizers<'_, '_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<usize, Failure> {
        write_canonical_nquads(document, tools, out)
    }
}
