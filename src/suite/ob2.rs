//! Open Badges 2.0 signed assertions: an assertion in the payload of a
//! compact JWS signed with `RS256` (Open Badges 2.0, "Signed Badges").
//!
//! ```text
//! assertion ─badge─▶ BadgeClass ─issuer─▶ Profile ─publicKey─▶ CryptographicKey (PEM)
//!     └─ verification.creator ─────────────────────────────────────┘
//! ```
//!
//! The BadgeClass is named by URL and looked up among the documents given
//! with `--dids`, or embedded in the assertion; the Profile and its keys
//! are always looked up offline ([`crate::resolve::ob2`]), since only the
//! published Profile may say which keys are the issuer's. The signing key
//! is `verification.creator` when present, and must be one the Profile
//! lists (`not_authorized` otherwise) and whose `owner` is the Profile
//! (`issuer_mismatch`); without `creator`, any key the Profile lists may
//! have signed. `issuedOn` and `expires` bound validity as `validFrom` and
//! `validUntil` do (judged with every credential's window, in
//! `crate::evaluate`). Revocation is the Profile's `revocationList`, answered
//! by the status machinery ([`crate::status::check::StatusLists::check_ob2`]).

use crate::json::Value;
use crate::resolve::ob2::Ob2Documents;
use crate::status::check::{StatusAnswer, StatusLists};
use crate::time::Timestamp;
use crate::verdict::{Evidence, Findings, Problem};

/// What an assertion says, as far as verification needs it.
pub struct Assertion<'a> {
    /// `id`: the assertion's URL (or `urn:uuid:`), what revocation lists name.
    pub id: &'a str,
    /// `badge`: the BadgeClass's URL, or the BadgeClass itself.
    pub badge: Value<'a>,
    /// `verification.creator`: the signing key's URL, when named.
    pub creator: Option<&'a str>,
    /// `verification.type` is `hosted` / `HostedBadge` (or absent).
    pub hosted: bool,
    /// `issuedOn`.
    pub issued_on: Timestamp,
    /// `expires`.
    pub expires: Option<Timestamp>,
}

/// An Open Badges 2.0 `DateTime`: an ISO 8601 date-time, or (as the
/// specification also allows) a 10-digit Unix timestamp.
fn datetime(v: Value<'_>) -> Result<Timestamp, Problem> {
    if let Some(secs) = v.as_u64() {
        return i64::try_from(secs)
            .ok()
            .filter(|s| *s < 10_000_000_000)
            .map(Timestamp::from_unix)
            .ok_or(Problem::BadDate);
    }
    let text = v.as_str().ok_or(Problem::BadMember)?;
    if !text.is_empty() && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = text.parse().map_err(|_| Problem::BadDate)?;
        return Ok(Timestamp::from_unix(secs));
    }
    Timestamp::parse(text).map_err(|_| Problem::BadDate)
}

impl<'a> Assertion<'a> {
    /// Reads the members verification needs: `id`, `badge`, `recipient`
    /// and `issuedOn` are required (`bad_member`), dates must parse
    /// (`bad_date`).
    pub fn read(root: Value<'a>) -> Result<Assertion<'a>, Problem> {
        let id = root
            .get("id")
            .and_then(Value::as_str)
            .ok_or(Problem::BadMember)?;
        let badge = root
            .get("badge")
            .filter(|b| b.as_str().is_some() || b.is_object())
            .ok_or(Problem::BadMember)?;
        if !root.get("recipient").is_some_and(Value::is_object) {
            return Err(Problem::BadMember);
        }
        let verification = root.get("verification").or_else(|| root.get("verify"));
        let kind = verification
            .and_then(|v| v.get("type"))
            .and_then(Value::as_str);
        let creator = match verification.and_then(|v| v.get("creator")) {
            None => None,
            Some(c) => Some(c.as_str().ok_or(Problem::ProofMalformed)?),
        };
        let issued_on = datetime(root.get("issuedOn").ok_or(Problem::BadMember)?)?;
        let expires = root.get("expires").map(datetime).transpose()?;
        Ok(Assertion {
            id,
            badge,
            creator,
            hosted: !matches!(kind, Some("signed" | "SignedBadge")),
            issued_on,
            expires,
        })
    }

    /// The issuer Profile's id: the BadgeClass's `issuer`, the BadgeClass
    /// read from `docs` when `badge` is its URL. `Err` names the document
    /// that is missing.
    pub fn issuer(&self, docs: &'a Ob2Documents) -> Result<&'a str, Problem> {
        let issuer = match self.badge.as_str() {
            Some(url) => docs.badge_issuer(url),
            None => self
                .badge
                .get("issuer")
                .and_then(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str))),
        };
        issuer.ok_or(Problem::UnknownKey)
    }
}

/// Checks the signature of an assertion by the Profile `issuer` over
/// `message`: the keys it may be signed with, then RS256 under each until
/// one verifies. Every problem goes to `findings`.
pub fn check_signature(
    assertion: &Assertion<'_>,
    issuer: &str,
    docs: &Ob2Documents,
    message: &[u8],
    signature: &[u8],
    findings: &mut Findings,
) {
    let method = |m: &str| Evidence::Method { method: m.into() };
    let Some(profile) = docs.profile(issuer) else {
        return findings.problem_with(Problem::UnknownKey, method(issuer));
    };
    let candidates: Vec<&str> = match assertion.creator {
        Some(creator) => {
            if !profile.keys.iter().any(|k| **k == *creator) {
                findings.problem_with(Problem::NotAuthorized, method(creator));
            }
            vec![creator]
        }
        None => profile.keys.iter().map(|k| &**k).collect(),
    };
    let Some(first) = candidates.first() else {
        // The Profile lists no key at all.
        return findings.problem_with(Problem::UnknownKey, method(issuer));
    };
    // The first problem among the keys tried stands when none verifies.
    let mut failure: Option<(Problem, Evidence)> = None;
    for url in &candidates {
        let Some(key) = docs.key(url) else {
            failure.get_or_insert((Problem::UnknownKey, method(url)));
            continue;
        };
        if let Some(owner) = key.owner.as_deref()
            && owner != issuer
        {
            // A key another Profile owns is not this issuer's.
            failure.get_or_insert((
                Problem::IssuerMismatch,
                Evidence::Controller {
                    method: (*url).into(),
                    controller: owner.into(),
                },
            ));
            continue;
        }
        match &key.key {
            Err(p) => {
                failure.get_or_insert((*p, method(url)));
            }
            Ok(rsa) if rsa.verify_rs256(message, signature) => return,
            Ok(_) => {
                failure.get_or_insert((Problem::InvalidSignature, method(url)));
            }
        }
    }
    let (problem, evidence) = failure.unwrap_or_else(|| (Problem::InvalidSignature, method(first)));
    findings.problem_with(problem, evidence);
}

/// Answers revocation from the Profile's `revocationList`, when it names
/// one, into `out`.
pub fn check_revocation(
    assertion: &Assertion<'_>,
    issuer: &str,
    docs: &Ob2Documents,
    lists: &StatusLists,
    out: &mut StatusAnswer,
) {
    if let Some(url) = docs
        .profile(issuer)
        .and_then(|p| p.revocation_list.as_deref())
    {
        lists.check_ob2(url, assertion.id, out);
    }
}
