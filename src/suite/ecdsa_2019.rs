//! `ecdsa-rdfc-2019` and `ecdsa-jcs-2019` (W3C Data Integrity ECDSA
//! Cryptosuites v1.0 §3.2, §3.3): the canonical forms of the EdDSA suites
//! of the same canonicalization (the proof configuration without
//! `proofValue`, the document without `proof`), each hashed with the
//! hash of the key's curve (SHA-256 for P-256, SHA-384 for P-384, §3.2.4),
//! and an ECDSA signature (`r ‖ s`) over the two hashes joined. For RDFC,
//! RDF canonicalization hashes with the curve's hash too (§3.2.3: "a hash
//! algorithm that has an appropriate security level for the curve").
//! The signature is checked at once, not in a batch (`data_integrity`).

use super::eddsa_jcs_2022::EddsaJcs2022;
use super::eddsa_rdfc_2022::write_canonical_nquads;
use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::verdict::Format;

/// The `ecdsa-rdfc-2019` cryptosuite.
pub struct EcdsaRdfc2019;

impl Cryptosuite for EcdsaRdfc2019 {
    fn format(&self) -> Format {
        Format::EcdsaRdfc2019
    }

    fn ecdsa(&self) -> bool {
        true
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

/// The `ecdsa-jcs-2019` cryptosuite.
pub struct EcdsaJcs2019;

impl Cryptosuite for EcdsaJcs2019 {
    fn format(&self) -> Format {
        Format::EcdsaJcs2019
    }

    fn ecdsa(&self) -> bool {
        true
    }

    /// As `eddsa-jcs-2022` (§3.3.3, §3.3.5 there; §3.3.3, §3.3.5 here).
    fn write_hash_inputs(
        &self,
        document: &SecuredDocument<'_, '_>,
        tools: &mut Canonicalizers<'_, '_, '_>,
        out: &mut Vec<u8>,
    ) -> Result<usize, Failure> {
        EddsaJcs2022.write_hash_inputs(document, tools, out)
    }
}
