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
/// specification also allows) a 10-digit Unix timestamp, as a number or a
/// string; anything else is `bad_date` (`bad_member` when neither).
fn datetime(v: Value<'_>) -> Result<Timestamp, Problem> {
    const TEN_DIGITS: std::ops::RangeInclusive<i64> = 1_000_000_000..=9_999_999_999;
    if let Some(text) = v.as_str() {
        if text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit()) {
            let secs: i64 = text.parse().map_err(|_| Problem::BadDate)?;
            return Ok(Timestamp::from_unix(secs));
        }
        return Timestamp::parse(text).map_err(|_| Problem::BadDate);
    }
    if v.as_f64().is_some() {
        return v
            .as_u64()
            .and_then(|n| i64::try_from(n).ok())
            .filter(|n| TEN_DIGITS.contains(n))
            .map(Timestamp::from_unix)
            .ok_or(Problem::BadDate);
    }
    Err(Problem::BadMember)
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
///
/// A key must verify the signature before whose it is matters: one that
/// verifies but that another Profile owns is `issuer_mismatch`, one that
/// states no owner (and is not written into the Profile) `unknown_key`.
/// Without `creator`, the first [`crate::limits::OB2_KEYS_TRIED`] keys
/// the Profile lists are tried, and a clean success wins over a key
/// another Profile owns; when none verifies, the first key's problem
/// stands.
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
        None => profile
            .keys
            .iter()
            .take(crate::limits::OB2_KEYS_TRIED)
            .map(|k| &**k)
            .collect(),
    };
    if candidates.is_empty() {
        // The Profile lists no key at all.
        return findings.problem_with(Problem::UnknownKey, method(issuer));
    }
    let mut failure: Option<(Problem, Evidence)> = None;
    let mut mismatch: Option<Evidence> = None;
    for url in &candidates {
        let key = docs.key(profile, url);
        let rsa = match key.map(|k| &k.key) {
            None => Err(Problem::UnknownKey),
            Some(Err(p)) => Err(*p),
            Some(Ok(rsa)) if rsa.verify_rs256(message, signature) => Ok(()),
            Some(Ok(_)) => Err(Problem::InvalidSignature),
        };
        if let Err(p) = rsa {
            failure.get_or_insert((p, method(url)));
            continue;
        }
        match key.and_then(|k| k.owner.as_deref()) {
            Some(owner) if owner == issuer => return,
            Some(owner) => {
                mismatch.get_or_insert(Evidence::Controller {
                    method: (*url).into(),
                    controller: owner.into(),
                });
            }
            // A standalone key that says nobody's it is binds to no
            // issuer.
            None => {
                failure.get_or_insert((Problem::UnknownKey, method(url)));
            }
        }
    }
    if let Some(evidence) = mismatch {
        return findings.problem_with(Problem::IssuerMismatch, evidence);
    }
    if let Some((problem, evidence)) = failure {
        findings.problem_with(problem, evidence);
    }
}

/// Answers revocation from the Profile's `revocationList`, when it names
/// one, into `out`; returns the list's URL.
pub fn check_revocation<'d>(
    assertion: &Assertion<'_>,
    issuer: &str,
    docs: &'d Ob2Documents,
    lists: &StatusLists,
    out: &mut StatusAnswer,
) -> Option<&'d str> {
    let url = docs.profile(issuer)?.revocation_list.as_deref()?;
    lists.check_ob2(url, assertion.id, out);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonParser;

    fn parsed(json: &str) -> Result<i64, Problem> {
        JsonParser::default()
            .with_doc(json.as_bytes(), |v| datetime(v).map(|t| t.secs))
            .expect("JSON")
    }

    #[test]
    fn datetimes_are_iso_8601_or_ten_digit_unix_times() {
        assert_eq!(parsed(r#""2016-12-31T23:59:59Z""#), Ok(1_483_228_799));
        assert_eq!(parsed(r#""1704067200""#), Ok(1_704_067_200));
        assert_eq!(parsed("1704067200"), Ok(1_704_067_200));
        for bad in [
            r#""170406720""#,
            r#""17040672000""#,
            "170406720",
            "-1704067200",
            "1704067200.5",
            "17040672000",
            r#""yesterday""#,
        ] {
            assert_eq!(parsed(bad), Err(Problem::BadDate), "{bad}");
        }
        assert_eq!(parsed("true"), Err(Problem::BadMember));
    }
}
