//! The borrowed view of a credential that later stages need.
//!
//! Reads the VC Data Model 2.0 (`validFrom` / `validUntil`) and 1.1
//! (`issuanceDate` / `expirationDate`) shapes, recognised by the first
//! `@context` entry, and checks the members every credential must have.

pub mod jws;
pub mod jwt;
pub mod proof;

use crate::json::Value;
use crate::time::Timestamp;
use crate::verdict::Problem;

/// The first `@context` entry of a VC Data Model 1.1 credential.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The first `@context` entry of a VC Data Model 2.0 credential.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// The data model version a credential follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataModel {
    /// VC Data Model 1.1: `issuanceDate` (required) and `expirationDate`.
    V1_1,
    /// VC Data Model 2.0: `validFrom` and `validUntil`, both optional.
    V2_0,
}

/// Values a VC-JWT's registered claims supply when the `vc` claim of a
/// VC 1.1 JWT leaves them out (VC Data Model 1.1 §6.3.1).
#[derive(Clone, Copy, Debug, Default)]
pub struct ClaimFallback<'a> {
    /// `jti`, for a missing `id`.
    pub id: Option<&'a str>,
    /// `iss`, for a missing `issuer`.
    pub issuer: Option<&'a str>,
    /// `nbf`, for a missing `issuanceDate`.
    pub valid_from: Option<Timestamp>,
}

/// A credential's members, borrowed from the parsed record.
#[derive(Clone, Copy)]
pub struct Credential<'a> {
    /// The whole credential object.
    pub root: Value<'a>,
    /// The `@context` member.
    pub context: Value<'a>,
    /// The data model, from the first `@context` entry.
    pub model: DataModel,
    /// The `id` (or the JWT's `jti`), when there is one.
    pub id: Option<&'a str>,
    /// The issuer's id: `issuer` as a string, or `issuer.id`.
    pub issuer: &'a str,
    /// `validFrom` (VC 2.0) or `issuanceDate` (VC 1.1, always present);
    /// None when a VC 2.0 credential states none.
    pub valid_from: Option<Timestamp>,
    /// `validUntil` (VC 2.0) or `expirationDate` (VC 1.1); None when open-ended.
    pub valid_until: Option<Timestamp>,
    /// `credentialSubject`: one object or a non-empty array of objects.
    pub subject: Value<'a>,
    /// `credentialStatus`: one entry object or an array of them.
    pub status: Option<Value<'a>>,
    /// `proof`: one proof object or an array (a proof set or chain).
    pub proof: Option<Value<'a>>,
}

/// The credential's `id`, when it is a string.
pub fn id_of(root: Value<'_>) -> Option<&str> {
    root.get("id").and_then(Value::as_str)
}

/// The issuer's id: `issuer` as a string, or `issuer.id`.
pub fn issuer_of(root: Value<'_>) -> Option<&str> {
    let issuer = root.get("issuer")?;
    issuer
        .as_str()
        .or_else(|| issuer.get("id").and_then(Value::as_str))
}

fn date(member: Option<Value<'_>>) -> Result<Option<Timestamp>, Problem> {
    match member {
        None => Ok(None),
        Some(v) => {
            let text = v.as_str().ok_or(Problem::BadMember)?;
            Timestamp::parse(text)
                .map(Some)
                .map_err(|_| Problem::BadDate)
        }
    }
}

impl<'a> Credential<'a> {
    /// Reads and checks the required members.
    pub fn read(root: Value<'a>, fallback: ClaimFallback<'a>) -> Result<Credential<'a>, Problem> {
        if !root.is_object() {
            return Err(Problem::NotACredential);
        }
        // One pass over the members instead of a lookup per name.
        let mut m = Members::default();
        for (name, value) in root.members() {
            let slot = match name {
                "@context" => &mut m.context,
                "type" => &mut m.types,
                "id" => &mut m.id,
                "issuer" => &mut m.issuer,
                "credentialSubject" => &mut m.subject,
                "validFrom" => &mut m.valid_from,
                "validUntil" => &mut m.valid_until,
                "issuanceDate" => &mut m.issuance_date,
                "expirationDate" => &mut m.expiration_date,
                "credentialStatus" => &mut m.status,
                "proof" => &mut m.proof,
                _ => continue,
            };
            *slot = Some(value);
        }
        let context = m.context.ok_or(Problem::BadMember)?;
        let first = context.one_or_many().next().and_then(Value::as_str);
        let model = match first {
            Some(VC_V2_CONTEXT) => DataModel::V2_0,
            Some(VC_V1_CONTEXT) => DataModel::V1_1,
            _ => return Err(Problem::BadMember),
        };
        if context
            .one_or_many()
            .any(|c| !(c.as_str().is_some() || c.is_object()))
        {
            return Err(Problem::BadMember);
        }
        let mut is_vc = false;
        for t in m.types.ok_or(Problem::BadMember)?.one_or_many() {
            match t.as_str() {
                Some(s) => is_vc |= s == "VerifiableCredential",
                None => return Err(Problem::BadMember),
            }
        }
        if !is_vc {
            return Err(Problem::BadMember);
        }
        let id = match m.id {
            None => fallback.id,
            Some(v) => Some(v.as_str().ok_or(Problem::BadMember)?),
        };
        let issuer = match m.issuer {
            None => fallback.issuer.ok_or(Problem::BadMember)?,
            Some(v) => v
                .as_str()
                .or_else(|| v.get("id").and_then(Value::as_str))
                .ok_or(Problem::BadMember)?,
        };
        let subject = m.subject.ok_or(Problem::BadMember)?;
        if subject.is_empty() && subject.is_array() || subject.one_or_many().any(|s| !s.is_object())
        {
            return Err(Problem::BadMember);
        }
        let (valid_from, valid_until) = match model {
            DataModel::V2_0 => (date(m.valid_from)?, date(m.valid_until)?),
            DataModel::V1_1 => {
                let issued = date(m.issuance_date)?
                    .or(fallback.valid_from)
                    .ok_or(Problem::BadMember)?;
                (Some(issued), date(m.expiration_date)?)
            }
        };
        if m.status
            .is_some_and(|s| s.one_or_many().any(|e| !e.is_object()))
        {
            return Err(Problem::BadMember);
        }
        Ok(Credential {
            root,
            context,
            model,
            id,
            issuer,
            valid_from,
            valid_until,
            subject,
            status: m.status,
            proof: m.proof,
        })
    }
}

/// The top-level members a credential is read from.
#[derive(Default)]
struct Members<'a> {
    context: Option<Value<'a>>,
    types: Option<Value<'a>>,
    id: Option<Value<'a>>,
    issuer: Option<Value<'a>>,
    subject: Option<Value<'a>>,
    valid_from: Option<Value<'a>>,
    valid_until: Option<Value<'a>>,
    issuance_date: Option<Value<'a>>,
    expiration_date: Option<Value<'a>>,
    status: Option<Value<'a>>,
    proof: Option<Value<'a>>,
}
