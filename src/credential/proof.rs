//! The members of an embedded Data Integrity proof that verification
//! reads (Verifiable Credential Data Integrity 1.0 §2.1).

use crate::json::Value;

/// A proof's members, found in one pass; each is the first of its name.
#[derive(Clone, Copy, Default)]
pub struct ProofMembers<'a> {
    /// `type`.
    pub kind: Option<Value<'a>>,
    /// `cryptosuite`.
    pub cryptosuite: Option<Value<'a>>,
    /// `proofPurpose`.
    pub purpose: Option<Value<'a>>,
    /// `verificationMethod`.
    pub method: Option<Value<'a>>,
    /// `created`.
    pub created: Option<Value<'a>>,
    /// `expires`.
    pub expires: Option<Value<'a>>,
    /// `proofValue`.
    pub value: Option<Value<'a>>,
    /// `@context`.
    pub context: Option<Value<'a>>,
    /// `previousProof`.
    pub previous: Option<Value<'a>>,
}

impl<'a> ProofMembers<'a> {
    /// Reads the members of a proof object.
    pub fn read(proof: Value<'a>) -> ProofMembers<'a> {
        let mut m = ProofMembers::default();
        for (name, value) in proof.members() {
            let slot = match name {
                "type" => &mut m.kind,
                "cryptosuite" => &mut m.cryptosuite,
                "proofPurpose" => &mut m.purpose,
                "verificationMethod" => &mut m.method,
                "created" => &mut m.created,
                "expires" => &mut m.expires,
                "proofValue" => &mut m.value,
                "@context" => &mut m.context,
                "previousProof" => &mut m.previous,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        m
    }

    /// The verification method's id: `verificationMethod` as a string, or
    /// the `id` of an embedded method.
    pub fn method_id(&self) -> Option<&'a str> {
        let m = self.method?;
        m.as_str().or_else(|| m.get("id").and_then(Value::as_str))
    }
}
