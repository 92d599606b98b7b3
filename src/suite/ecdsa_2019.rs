//! `ecdsa-rdfc-2019` and `ecdsa-jcs-2019` (W3C Data Integrity ECDSA
//! Cryptosuites v1.0 §3.2, §3.3): the canonical forms of the EdDSA suite
//! of the same canonicalization (the proof configuration without
//! `proofValue`, the document without `proof`), each hashed with the
//! hash of the key's curve (SHA-256 for P-256, SHA-384 for P-384, §3.2.4),
//! and an ECDSA signature (`r ‖ s`) over the two hashes joined. For RDFC,
//! RDF canonicalization hashes with the curve's hash too (§3.2.3: "a hash
//! algorithm that has an appropriate security level for the curve").
//! The signature is checked at once, not in a batch (`data_integrity`).

use super::eddsa_jcs_2022::EddsaJcs2022;
use super::eddsa_rdfc_2022::EddsaRdfc2022;
use super::{Canonicalizers, Cryptosuite, Failure, SecuredDocument};
use crate::verdict::Format;

/// An ECDSA suite: its format, and the EdDSA suite whose canonical forms
/// it signs.
pub struct Ecdsa2019 {
    format: Format,
    forms: &'static dyn Cryptosuite,
}

/// `ecdsa-rdfc-2019`: the forms of `eddsa-rdfc-2022` (§3.2.3, §3.2.5).
pub static ECDSA_RDFC_2019: Ecdsa2019 = Ecdsa2019 {
    format: Format::EcdsaRdfc2019,
    forms: &EddsaRdfc2022,
};

/// `ecdsa-jcs-2019`: the forms of `eddsa-jcs-2022` (§3.3.3, §3.3.5).
pub static ECDSA_JCS_2019: Ecdsa2019 = Ecdsa2019 {
    format: Format::EcdsaJcs2019,
    forms: &EddsaJcs2022,
};

impl Cryptosuite for Ecdsa2019 {
    fn format(&self) -> Format {
        self.format
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
        self.forms.write_hash_inputs(document, tools, out)
    }
}
