//! The per-record outcome: one verdict word, every problem found, warnings.
//!
//! Problems are finer than verdicts: each [`Problem`] maps to exactly one
//! [`Verdict`], and a record's verdict is the highest in precedence among its
//! problems (CONTRACT.md, "Verdict vocabulary"). Problems and warnings are
//! small bit sets, so the order in which checks run never changes them;
//! [`Evidence`] keeps the first item found for each problem, and the checks
//! of a record run in one fixed order, so it is the same on every path.

use std::fmt;

use crate::time::Timestamp;

/// The verdict vocabulary of CONTRACT.md, in precedence order (highest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Verdict {
    /// The record is not well-formed: bad JSON or JWS, a missing member, a bad date.
    Malformed,
    /// Its proofs are all of kinds this engine does not verify.
    Unsupported,
    /// It carries no proof at all.
    NoProof,
    /// A proof is malformed or breaks a rule of its suite or of JSON-LD.
    InvalidProof,
    /// It uses a JSON-LD context neither built in nor given with `--contexts`.
    UnknownContext,
    /// The verification method cannot be resolved offline.
    UnknownKey,
    /// The signature fails, or the key is not an acceptable Ed25519 key.
    InvalidSignature,
    /// The key's controller is not the credential's issuer.
    IssuerMismatch,
    /// A revocation status entry is set.
    Revoked,
    /// A suspension status entry is set.
    Suspended,
    /// Its validity ended before the judging instant.
    Expired,
    /// Its validity starts after the judging instant.
    NotYetValid,
    /// A status entry could not be answered from the status lists given.
    StatusUnavailable,
    /// Every check passed.
    Valid,
}

impl Verdict {
    /// Every verdict, in precedence order.
    pub const ALL: [Verdict; 14] = [
        Verdict::Malformed,
        Verdict::Unsupported,
        Verdict::NoProof,
        Verdict::InvalidProof,
        Verdict::UnknownContext,
        Verdict::UnknownKey,
        Verdict::InvalidSignature,
        Verdict::IssuerMismatch,
        Verdict::Revoked,
        Verdict::Suspended,
        Verdict::Expired,
        Verdict::NotYetValid,
        Verdict::StatusUnavailable,
        Verdict::Valid,
    ];

    /// The word written in verdict records and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Malformed => "malformed",
            Verdict::Unsupported => "unsupported",
            Verdict::NoProof => "no_proof",
            Verdict::InvalidProof => "invalid_proof",
            Verdict::UnknownContext => "unknown_context",
            Verdict::UnknownKey => "unknown_key",
            Verdict::InvalidSignature => "invalid_signature",
            Verdict::IssuerMismatch => "issuer_mismatch",
            Verdict::Revoked => "revoked",
            Verdict::Suspended => "suspended",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::StatusUnavailable => "status_unavailable",
            Verdict::Valid => "valid",
        }
    }

    /// Parses a verdict word.
    pub fn from_word(word: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == word)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal $(=> $verdict:ident)?,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every code, in output order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code written in verdict records.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        codes!(@verdict $name { $($variant $(=> $verdict)?,)* });
    };
    (@verdict Problem { $($variant:ident => $verdict:ident,)* }) => {
        impl Problem {
            /// The verdict this problem decides when it is the highest one.
            pub fn verdict(self) -> Verdict {
                match self { $(Problem::$variant => Verdict::$verdict,)* }
            }
        }
    };
    (@verdict Warning { $($variant:ident,)* }) => {};
}

codes! {
    /// A failing check. Declared in precedence order of their verdicts, so
    /// the lowest set bit of a [`Problems`] set decides the verdict.
    Problem {
        /// Not valid UTF-8.
        InvalidUtf8 = "invalid_utf8" => Malformed,
        /// Not JSON, or JSON cut short.
        InvalidJson = "invalid_json" => Malformed,
        /// An object names the same member twice.
        DuplicateKey = "duplicate_key" => Malformed,
        /// Nested deeper than the parser's fixed limit.
        TooDeep = "too_deep" => Malformed,
        /// A number outside I-JSON (RFC 7493 §2.2).
        NumberOutOfRange = "number_out_of_range" => Malformed,
        /// Longer than the record size limit.
        RecordTooLarge = "record_too_large" => Malformed,
        /// A JSON array lost its framing (an unterminated string, a
        /// mismatched bracket): this record stands for everything from the
        /// element where the damage begins to the end of the input.
        FramingLost = "framing_lost" => Malformed,
        /// A badge image (PNG or SVG) with no baked credential in it.
        BakedNone = "baked_none" => Malformed,
        /// A badge image with more than one baked credential.
        BakedTwice = "baked_twice" => Malformed,
        /// A badge image that is damaged or not what its name says (a bad
        /// signature or CRC, truncated, ill-formed XML, entities declared).
        ImageCorrupt = "image_corrupt" => Malformed,
        /// Neither a JSON object nor a compact JWS.
        NotACredential = "not_a_credential" => Malformed,
        /// A compact JWS whose parts do not decode.
        BadJws = "bad_jws" => Malformed,
        /// A required credential member is missing or of the wrong type.
        BadMember = "bad_member" => Malformed,
        /// A date that is not an XML Schema dateTime.
        BadDate = "bad_date" => Malformed,
        /// A proof or JWS algorithm this engine does not verify.
        UnsupportedProof = "unsupported_proof" => Unsupported,
        /// An Open Badges 2.0 hosted assertion (or its URL): its proof is
        /// that the issuer's server still serves it, which only an online
        /// check can see.
        HostedAssertion = "hosted_assertion" => Unsupported,
        /// No proof at all.
        NoProof = "no_proof" => NoProof,
        /// A proof lacks a member it must have, or has one of the wrong type.
        ProofMalformed = "proof_malformed" => InvalidProof,
        /// The `proofValue` or JWS signature does not decode to what its
        /// suite signs with (64 bytes for Ed25519 and P-256, 96 for P-384,
        /// an `ecdsa-sd-2023` derived proof's CBOR).
        ProofValue = "proof_value" => InvalidProof,
        /// `proofPurpose` is not `assertionMethod`.
        ProofPurpose = "proof_purpose" => InvalidProof,
        /// The verification method is not authorised for `assertionMethod`.
        NotAuthorized = "not_authorized" => InvalidProof,
        /// The proof's `@context` is not a prefix of the document's.
        ContextMismatch = "context_mismatch" => InvalidProof,
        /// A `previousProof` names no proof of the set.
        PreviousProof = "previous_proof" => InvalidProof,
        /// A JWT claim disagrees with the credential it carries.
        JwtClaims = "jwt_claims" => InvalidProof,
        /// The proof's own `expires` is before the judging instant.
        ProofExpired = "proof_expired" => InvalidProof,
        /// JSON-LD expansion or conversion to RDF would drop data (an
        /// undefined term, a relative IRI, …): Data Integrity §4.3.
        DataLoss = "data_loss" => InvalidProof,
        /// The document or one of its contexts breaks a JSON-LD rule, or uses
        /// a JSON-LD feature this engine does not implement.
        JsonLdInvalid = "jsonld_invalid" => InvalidProof,
        /// RDF canonicalization would need more work than its bound allows
        /// (RDFC-1.0 §4.8 poison graphs).
        CanonicalizationBound = "canonicalization_bound" => InvalidProof,
        /// More proofs in the record, or more `previousProof` references in
        /// a proof, than [`crate::limits`] allows.
        ProofBound = "proof_bound" => InvalidProof,
        /// JSON-LD context processing or expansion would need more work
        /// (term definitions, nodes) than [`crate::limits`] allows.
        JsonLdBound = "jsonld_bound" => InvalidProof,
        /// An `Ed25519Signature2020` proof on a document whose `@context`
        /// lacks the suite's context.
        SuiteContext = "suite_context" => InvalidProof,
        /// The key's type does not fit the proof: a JWS `alg` another key
        /// type signs with (`RS256` with an EC key, `ES256` with a P-384
        /// key, …), or an Ed25519 suite with an RSA or EC key.
        KeyType = "key_type" => InvalidProof,
        /// An `ecdsa-sd-2023` base proof: the form an issuer gives a
        /// holder, with the HMAC key that unlinks every disclosure, never
        /// meant for a verifier (vc-di-ecdsa §3.6.7: verifiers check derived
        /// proofs).
        SdBaseProof = "sd_base_proof" => InvalidProof,
        /// A JSON-LD context neither built in nor given with `--contexts`.
        UnknownContext = "unknown_context" => UnknownContext,
        /// The verification method cannot be resolved offline.
        UnknownKey = "unknown_key" => UnknownKey,
        /// The key is not acceptable: an Ed25519 key the acceptance rule
        /// refuses, an RSA modulus shorter than 2,048 bits, an EC point
        /// off its curve.
        WeakKey = "weak_key" => InvalidSignature,
        /// The signature is not accepted: by the Ed25519 rule, or by its
        /// JWS algorithm.
        InvalidSignature = "invalid_signature" => InvalidSignature,
        /// The key's controller is not the credential's issuer.
        IssuerMismatch = "issuer_mismatch" => IssuerMismatch,
        /// A revocation status bit is set.
        Revoked = "revoked" => Revoked,
        /// A suspension status bit is set.
        Suspended = "suspended" => Suspended,
        /// `validUntil` / `expirationDate` / `exp` is before the judging instant.
        Expired = "expired" => Expired,
        /// `validFrom` / `issuanceDate` / `nbf` is after the judging instant.
        NotYetValid = "not_yet_valid" => NotYetValid,
        /// No list was given for the URL a status entry names.
        StatusListMissing = "status_list_missing" => StatusUnavailable,
        /// The status list's own proof is missing, unsupported or fails.
        StatusListUnverified = "status_list_unverified" => StatusUnavailable,
        /// The status list's `validUntil` is before the judging instant.
        StatusListExpired = "status_list_expired" => StatusUnavailable,
        /// The status list's `validFrom` is after the judging instant.
        StatusListNotYetValid = "status_list_not_yet_valid" => StatusUnavailable,
        /// The status list was issued by another issuer than the credential.
        StatusListIssuer = "status_list_issuer" => StatusUnavailable,
        /// The status list's `encodedList` or members do not decode.
        StatusListMalformed = "status_list_malformed" => StatusUnavailable,
        /// The list is of another kind than the entry that names it.
        StatusListKind = "status_list_kind" => StatusUnavailable,
        /// A status entry lacks a member it must have, or has one of the
        /// wrong type.
        StatusEntryMalformed = "status_entry_malformed" => StatusUnavailable,
        /// A status entry of a type this engine does not check.
        StatusTypeUnsupported = "status_type_unsupported" => StatusUnavailable,
        /// The entry's `statusPurpose` is not one of the list's.
        StatusPurposeMismatch = "status_purpose_mismatch" => StatusUnavailable,
        /// The entry's index lies beyond the end of the list.
        StatusIndexOutOfRange = "status_index_out_of_range" => StatusUnavailable,
        /// `--strict-status`: the list is shorter than 131,072 entries.
        StatusListShort = "status_list_short" => StatusUnavailable,
        /// `--strict-status`: `statusListIndex` is a JSON number.
        StatusIndexNumeric = "status_index_numeric" => StatusUnavailable,
    }
}

codes! {
    /// An observation that did not decide the verdict.
    Warning {
        /// A proof of a kind this engine does not verify was skipped.
        UnsupportedProofSkipped = "unsupported_proof_skipped",
        /// The key was read from an https URL's fragment (`--trust-fragment-keys`).
        KeyFromFragment = "key_from_fragment",
        /// The key was read from a JWS header's `jwk` (`--trust-header-jwk`).
        KeyFromHeader = "key_from_header",
        /// A status list shorter than 131,072 entries was accepted.
        StatusListShort = "status_list_short",
        /// A numeric `statusListIndex` was accepted.
        StatusIndexNumeric = "status_index_numeric",
        /// A status list whose issuer is not the credential's answered for
        /// it, because the same key verified both.
        StatusListSameKey = "status_list_same_key",
        /// The credential came from a compressed PNG `iTXt` chunk, which
        /// both Open Badges specifications forbid; it was read anyway.
        BakedCompressed = "baked_compressed",
        /// A `refresh` status bit is set: the holder should fetch a fresh copy.
        StatusRefresh = "status_refresh",
        /// A 1EdTech Revocation List without a proof was trusted.
        StatusListUnsigned = "status_list_unsigned",
        /// The proof names its cryptosuite `eddsa-2022`, the draft name of
        /// `eddsa-rdfc-2022`.
        DraftCryptosuiteName = "draft_cryptosuite_name",
    }
}

macro_rules! bitset {
    ($set:ident, $code:ident) => {
        /// A set of codes; iteration is in declaration order.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $set(u64);

        impl $set {
            /// The set with no code.
            pub const fn empty() -> Self {
                $set(0)
            }
            /// Adds `code`; adding it again changes nothing.
            pub fn insert(&mut self, code: $code) {
                self.0 |= 1 << code as u8;
            }
            /// Whether `code` is in the set.
            pub fn contains(self, code: $code) -> bool {
                self.0 & (1 << code as u8) != 0
            }
            /// Whether the set has no code.
            pub fn is_empty(self) -> bool {
                self.0 == 0
            }
            /// Adds every code of `other`.
            pub fn extend(&mut self, other: $set) {
                self.0 |= other.0;
            }
            /// The set as bits, bit `code as u8` for each code: what a
            /// revalidation index stores.
            pub fn bits(self) -> u64 {
                self.0
            }
            /// The set of these bits; bits no code has are dropped.
            pub fn from_bits(bits: u64) -> Self {
                const EVERY: u64 = {
                    let mut every = 0u64;
                    let mut i = 0;
                    while i < $code::ALL.len() {
                        every |= 1 << $code::ALL[i] as u8;
                        i += 1;
                    }
                    every
                };
                $set(bits & EVERY)
            }
            /// The codes in the set, in declaration order (each code's bit
            /// is its position in the declaration).
            pub fn iter(self) -> impl Iterator<Item = $code> {
                let mut bits = self.0;
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let next = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    $code::ALL.get(next).copied()
                })
            }
        }

        impl FromIterator<$code> for $set {
            fn from_iter<I: IntoIterator<Item = $code>>(iter: I) -> Self {
                let mut set = $set::empty();
                for code in iter {
                    set.insert(code);
                }
                set
            }
        }
    };
}

bitset!(Problems, Problem);
bitset!(Warnings, Warning);

impl Problems {
    /// The verdict these problems decide: the highest in precedence, or
    /// `valid` when there are none.
    pub fn verdict(self) -> Verdict {
        self.iter().next().map_or(Verdict::Valid, Problem::verdict)
    }
}

/// The proof format that was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Data Integrity `eddsa-jcs-2022`.
    EddsaJcs2022,
    /// Data Integrity `eddsa-rdfc-2022`, also under its draft name `eddsa-2022`.
    EddsaRdfc2022,
    /// Data Integrity `Ed25519Signature2020`.
    Ed25519Signature2020,
    /// VC-JOSE / VC-JWT, a compact JWS, with the `alg` its header names.
    VcJwt(JwtAlg),
    /// An Open Badges 2.0 hosted assertion.
    Ob2Hosted,
    /// An Open Badges 2.0 signed assertion.
    Ob2Signed,
    /// Data Integrity `ecdsa-rdfc-2019`.
    EcdsaRdfc2019,
    /// Data Integrity `ecdsa-jcs-2019`.
    EcdsaJcs2019,
    /// Data Integrity `ecdsa-sd-2023`, a derived (disclosure) proof.
    EcdsaSd2023,
}

/// The `alg` of a VC-JWT's protected header (RFC 7518 §3.1, RFC 8037 §3.1),
/// named in the verdict record's `alg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwtAlg {
    /// The header is unreadable, or names an algorithm this engine does
    /// not verify (`none`, `HS256`, …): no `alg` is written.
    Unknown,
    /// `EdDSA`.
    EdDsa,
    /// `Ed25519` (the fully specified name of EdDSA with Ed25519).
    Ed25519,
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// `PS256`: RSASSA-PSS with SHA-256.
    Ps256,
    /// `ES256`: ECDSA with P-256 and SHA-256.
    Es256,
    /// `ES384`: ECDSA with P-384 and SHA-384.
    Es384,
}

impl JwtAlg {
    /// The algorithm a header's `alg` names.
    pub fn from_name(name: &str) -> JwtAlg {
        match name {
            "EdDSA" => JwtAlg::EdDsa,
            "Ed25519" => JwtAlg::Ed25519,
            "RS256" => JwtAlg::Rs256,
            "PS256" => JwtAlg::Ps256,
            "ES256" => JwtAlg::Es256,
            "ES384" => JwtAlg::Es384,
            _ => JwtAlg::Unknown,
        }
    }

    /// The name written in the verdict record's `alg`.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            JwtAlg::Unknown => None,
            JwtAlg::EdDsa => Some("EdDSA"),
            JwtAlg::Ed25519 => Some("Ed25519"),
            JwtAlg::Rs256 => Some("RS256"),
            JwtAlg::Ps256 => Some("PS256"),
            JwtAlg::Es256 => Some("ES256"),
            JwtAlg::Es384 => Some("ES384"),
        }
    }
}

impl Format {
    /// Every format: the revalidation index names a format by its
    /// position here (INDEX.md), so new ones go at the end.
    pub const ALL: [Format; 15] = [
        Format::EddsaJcs2022,
        Format::EddsaRdfc2022,
        Format::Ed25519Signature2020,
        Format::VcJwt(JwtAlg::Unknown),
        Format::Ob2Hosted,
        Format::Ob2Signed,
        Format::VcJwt(JwtAlg::EdDsa),
        Format::VcJwt(JwtAlg::Ed25519),
        Format::VcJwt(JwtAlg::Rs256),
        Format::VcJwt(JwtAlg::Ps256),
        Format::VcJwt(JwtAlg::Es256),
        Format::VcJwt(JwtAlg::Es384),
        Format::EcdsaRdfc2019,
        Format::EcdsaJcs2019,
        Format::EcdsaSd2023,
    ];

    /// The name written in the `format` field of verdict records.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::EddsaJcs2022 => "eddsa-jcs-2022",
            Format::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Format::Ed25519Signature2020 => "Ed25519Signature2020",
            Format::VcJwt(_) => "vc-jwt",
            Format::Ob2Hosted => "ob2-hosted",
            Format::Ob2Signed => "ob2-signed",
            Format::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Format::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Format::EcdsaSd2023 => "ecdsa-sd-2023",
        }
    }

    /// The name written in the `alg` field of verdict records: a VC-JWT's
    /// algorithm, when it is one this engine verifies.
    pub fn alg(self) -> Option<&'static str> {
        match self {
            Format::VcJwt(alg) => alg.as_str(),
            _ => None,
        }
    }
}

/// What decided a problem, kept where it helps a reader: the instants of a
/// validity window, the status list and index that answered, the
/// verification method in question, the context that was unknown.
/// Rendered in JSON Lines verdicts as the `evidence` object (see
/// `CONTRACT.md`, "The verdict record").
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// The end of the credential's validity (`validUntil`,
    /// `expirationDate` or a JWT's `exp`, the earliest when several),
    /// before the judging instant.
    Expired {
        /// When the credential's validity ended.
        valid_until: Timestamp,
        /// The judging instant (`--as-of`).
        as_of: Timestamp,
    },
    /// The start of the credential's validity (`validFrom`, `issuanceDate`
    /// or a JWT's `nbf`, the latest when several), after the judging
    /// instant.
    NotYetValid {
        /// When the credential's validity starts.
        valid_from: Timestamp,
        /// The judging instant (`--as-of`).
        as_of: Timestamp,
    },
    /// A proof's own `expires`, before the judging instant.
    ProofExpired {
        /// The proof's `expires`.
        expires: Timestamp,
        /// The judging instant (`--as-of`).
        as_of: Timestamp,
    },
    /// The status list a status entry names, and the index it reads when
    /// it got that far.
    Status {
        /// The URL of the list (`statusListCredential`, or the `id` of a
        /// 1EdTech Revocation List entry).
        list: Box<str>,
        /// The entry's `statusListIndex`.
        index: Option<u64>,
    },
    /// The verification method a proof names.
    Method {
        /// Its id.
        method: Box<str>,
    },
    /// A verification method whose controller is not the credential's
    /// issuer.
    Controller {
        /// The method's id.
        method: Box<str>,
        /// Its controller.
        controller: Box<str>,
    },
    /// A JSON-LD context neither built in nor given with `--contexts`.
    Context {
        /// The context's URL.
        url: Box<str>,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Expired { valid_until, as_of } => {
                write!(f, "expired at {valid_until}, judged at {as_of}")
            }
            Evidence::NotYetValid { valid_from, as_of } => {
                write!(f, "valid from {valid_from}, judged at {as_of}")
            }
            Evidence::ProofExpired { expires, as_of } => {
                write!(f, "the proof expired at {expires}, judged at {as_of}")
            }
            Evidence::Status {
                list,
                index: Some(index),
            } => write!(f, "status list {list}, index {index}"),
            Evidence::Status { list, index: None } => write!(f, "status list {list}"),
            Evidence::Method { method } => write!(f, "verification method {method}"),
            Evidence::Controller { method, controller } => {
                write!(
                    f,
                    "verification method {method}, controlled by {controller}"
                )
            }
            Evidence::Context { url } => write!(f, "context {url}"),
        }
    }
}

/// The evidence of a record's problems: at most one item per problem, the
/// first that was found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvidenceSet(Vec<(Problem, Evidence)>);

impl EvidenceSet {
    /// No evidence.
    pub const fn new() -> EvidenceSet {
        EvidenceSet(Vec::new())
    }

    /// Notes `evidence` for `problem`, unless the problem has some already.
    pub fn note(&mut self, problem: Problem, evidence: Evidence) {
        // Kept in problem order, so that the items come out in it.
        if let Err(at) = self.0.binary_search_by_key(&problem, |(p, _)| *p) {
            self.0.insert(at, (problem, evidence));
        }
    }

    /// The evidence of `problem`, if any was noted.
    pub fn get(&self, problem: Problem) -> Option<&Evidence> {
        let at = self.0.binary_search_by_key(&problem, |(p, _)| *p).ok()?;
        Some(&self.0[at].1)
    }

    /// Whether no evidence was noted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds what `other` noted for problems this set has no evidence for.
    pub fn extend(&mut self, other: EvidenceSet) {
        if self.0.is_empty() {
            self.0 = other.0;
            return;
        }
        for (problem, evidence) in other.0 {
            self.note(problem, evidence);
        }
    }

    /// The items in problem order (the order of the `problems` field).
    pub fn iter(&self) -> impl Iterator<Item = (Problem, &Evidence)> {
        self.0.iter().map(|(p, e)| (*p, e))
    }
}

/// What the checks found about one record: its problems with their
/// evidence, and its warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Every failing check.
    pub problems: Problems,
    /// Observations that do not decide the verdict.
    pub warnings: Warnings,
    /// What decided some of the problems.
    pub evidence: EvidenceSet,
    /// For a selective-disclosure proof (`ecdsa-sd-2023`): how many of
    /// the statements the issuer did not make mandatory the holder
    /// revealed.
    pub disclosed: Option<u32>,
}

impl Findings {
    /// Records a failing check.
    pub fn problem(&mut self, problem: Problem) {
        self.problems.insert(problem);
    }

    /// Records a failing check with what decided it.
    pub fn problem_with(&mut self, problem: Problem, evidence: Evidence) {
        self.problems.insert(problem);
        self.evidence.note(problem, evidence);
    }

    /// Records an observation.
    pub fn warn(&mut self, warning: Warning) {
        self.warnings.insert(warning);
    }

    /// Adds everything `other` found.
    pub fn extend(&mut self, other: Findings) {
        self.problems.extend(other.problems);
        self.warnings.extend(other.warnings);
        self.evidence.extend(other.evidence);
        self.disclosed = self.disclosed.or(other.disclosed);
    }

    /// The verdict the problems decide.
    pub fn verdict(&self) -> Verdict {
        self.problems.verdict()
    }
}

/// The instants that bound a credential's validity, from its members and,
/// for a VC-JWT, its claims (judged in `crate::evaluate::validity`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// When validity starts: `validFrom` / `issuanceDate`, and `nbf`.
    pub starts: [Option<crate::time::Timestamp>; 2],
    /// When validity ends: `validUntil` / `expirationDate`, and `exp`.
    pub ends: [Option<crate::time::Timestamp>; 2],
}

/// A `credentialStatus` entry as read from a credential, before any list
/// answers it: everything the status check asks of the entry's JSON
/// (`crate::status::entry` reads it), in a form a revalidation index keeps
/// and that answers exactly as the JSON did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusEntry {
    /// No `type` string (`status_entry_malformed`) or one of no list kind
    /// (`status_type_unsupported`): refused before any list is looked up.
    Refused(Problem),
    /// An entry of a list kind.
    Named(NamedEntry),
}

/// The entry types that name a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// `BitstringStatusListEntry`.
    Bitstring,
    /// `StatusList2021Entry`.
    StatusList2021,
    /// `1EdTechRevocationList`.
    OneEdTech,
}

/// What a status bit means (Bitstring Status List §2.1 `statusPurpose`).
/// The purpose is an arbitrary string: those the recommendation defines
/// have a meaning here, others are matched by name and decide nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `revocation`: a set value is `revoked`.
    Revocation,
    /// `suspension`: a set value is `suspended`.
    Suspension,
    /// `message`: the value's `statusMessage` text is reported.
    Message,
    /// `refresh`: a set value is the warning `status_refresh`.
    Refresh,
    /// Any other word, as written.
    Other(Box<str>),
}

impl Purpose {
    /// The purpose a `statusPurpose` word names.
    pub fn from_word(word: &str) -> Purpose {
        match word {
            "revocation" => Purpose::Revocation,
            "suspension" => Purpose::Suspension,
            "message" => Purpose::Message,
            "refresh" => Purpose::Refresh,
            other => Purpose::Other(other.into()),
        }
    }
}

/// An entry of a list kind, each field as far as it could be read; a
/// field that could not is its problem, raised only when the check reaches
/// it, as it would be reading the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedEntry {
    /// The entry type.
    pub kind: EntryKind,
    /// The list's URL (`statusListCredential`; a 1EdTech entry's `id`).
    pub url: Option<Box<str>>,
    /// `statusPurpose`, when a string.
    pub purpose: Option<Purpose>,
    /// `statusListIndex`.
    pub index: EntryIndex,
    /// `statusSize` in 1 to 32 (1 when absent), or `None` when given
    /// otherwise.
    pub size: Option<u32>,
    /// How many `statusMessage` items an array holds (0 when not an array).
    pub message_count: u64,
    /// The `statusMessage` items whose `status` is a hexadecimal `0x…`
    /// value that fits 32 bits and whose `message` is a string, in order.
    pub messages: Vec<(u32, Box<str>)>,
}

/// A `statusListIndex`, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryIndex {
    /// Absent, or neither a string of decimal digits nor a JSON integer.
    Malformed,
    /// A string of decimal digits beyond 64 bits: beyond every list.
    TooLarge,
    /// A string of decimal digits.
    Text(u64),
    /// A JSON integer (accepted leniently, with `status_index_numeric`).
    Numeric(u64),
}

impl NamedEntry {
    /// The text of `value`: the first `statusMessage` item for it, else
    /// the value in hex (`0x2`).
    pub fn message(&self, value: u32) -> String {
        self.messages
            .iter()
            .find(|(v, _)| *v == value)
            .map_or_else(|| format!("0x{value:x}"), |(_, text)| text.to_string())
    }
}

/// What a record's status is answered from, apart from the lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusSource {
    /// A credential's `credentialStatus` entries, as read.
    Entries(Vec<StatusEntry>),
    /// An Open Badges 2.0 assertion's: the `revocationList` its issuer
    /// Profile names (the assertion's `id` is the record's).
    Ob2List(Box<str>),
}

/// What a record's verdict depends on besides what was found in it: the
/// instants that bound its validity, its proofs' `expires`, where its
/// status is answered from and the keys that verified it. With the
/// verdict's time- and list-independent part, it judges the record again
/// (`crate::index`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Revalidation {
    /// The instants that bound validity.
    pub window: Window,
    /// Every proof's `expires`, in the order the proofs were checked.
    pub proof_expires: Vec<crate::time::Timestamp>,
    /// Where its status is answered from, when it has any.
    pub status: Option<StatusSource>,
    /// The encodings of the keys its signatures were verified under.
    pub signed_by: Vec<[u8; 32]>,
}

/// One record's verdict as a [sink](crate::report::Sink) sees it.
#[derive(Clone, Copy, Debug)]
pub struct VerdictRecord<'a> {
    /// The credential's `id` (a VC-JWT's `jti` when it has none), when the
    /// record parsed that far.
    pub id: Option<&'a str>,
    /// The issuer's id, when the record parsed that far.
    pub issuer: Option<&'a str>,
    /// The proof format that was checked.
    pub format: Option<Format>,
    /// A derived `ecdsa-sd-2023` proof: the non-mandatory statements it
    /// reveals.
    pub disclosed: Option<u32>,
    /// Every failing check.
    pub problems: Problems,
    /// Observations that did not decide the verdict.
    pub warnings: Warnings,
    /// What decided some of the problems.
    pub evidence: &'a EvidenceSet,
    /// The texts (or hex values) of `message` status entries.
    pub status_messages: &'a [String],
    /// The status lists chosen among several snapshots of their URL that
    /// answered its entries: URL and the snapshot's `validFrom`.
    pub status_snapshots: &'a [(Box<str>, Option<crate::time::Timestamp>)],
    /// The verdict the record had when its index was written, for
    /// `recheck --changed-only`.
    pub previous: Option<Verdict>,
    /// When a JSON-LD proof's signature failed: each context the record
    /// used, with the SHA-256 of the version it was checked against.
    pub contexts: &'a [(String, String)],
}

impl VerdictRecord<'_> {
    /// The verdict: the highest problem's, or `valid`.
    pub fn verdict(&self) -> Verdict {
        self.problems.verdict()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_declared_in_verdict_precedence() {
        let verdicts: Vec<Verdict> = Problem::ALL.iter().map(|p| p.verdict()).collect();
        let mut sorted = verdicts.clone();
        sorted.sort();
        assert_eq!(verdicts, sorted);
        assert!(Problem::ALL.len() <= 64 && Warning::ALL.len() <= 64);
    }

    #[test]
    fn verdict_is_highest_problem() {
        let set: Problems = [Problem::Expired, Problem::Revoked, Problem::IssuerMismatch]
            .into_iter()
            .collect();
        assert_eq!(set.verdict(), Verdict::IssuerMismatch);
        assert_eq!(Problems::empty().verdict(), Verdict::Valid);
        let codes: Vec<&str> = set.iter().map(Problem::as_str).collect();
        assert_eq!(codes, ["issuer_mismatch", "revoked", "expired"]);
    }

    #[test]
    fn sets_iterate_and_store_codes_by_declaration() {
        for (i, p) in Problem::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i);
        }
        for (i, w) in Warning::ALL.iter().enumerate() {
            assert_eq!(*w as usize, i);
        }
        let every: Problems = Problem::ALL.iter().copied().collect();
        assert!(every.iter().eq(Problem::ALL.iter().copied()));
        assert_eq!(Problems::from_bits(every.bits()), every);
        assert_eq!(Problems::from_bits(u64::MAX), every);
        let warnings: Warnings = Warning::ALL.iter().copied().collect();
        assert_eq!(Warnings::from_bits(u64::MAX), warnings);
    }

    #[test]
    fn verdict_words_round_trip() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::from_word(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::from_word("fine"), None);
    }
}
