//! The registered JWT claims (RFC 7519 §4.1) that VC-JWT ties to the
//! credential it carries.

use crate::json::{Value, number};
use crate::time::Timestamp;

use super::{ClaimFallback, Credential};

/// `iss`, `jti`, `sub`, `nbf` and `exp` of a JWT payload.
#[derive(Clone, Copy, Debug, Default)]
pub struct JwtClaims<'a> {
    /// `iss`: the issuer.
    pub iss: Option<&'a str>,
    /// `jti`: the credential's id.
    pub jti: Option<&'a str>,
    /// `sub`: the subject's id.
    pub sub: Option<&'a str>,
    /// `nbf`: not before, a NumericDate.
    pub nbf: Option<Timestamp>,
    /// `exp`: expiry, a NumericDate.
    pub exp: Option<Timestamp>,
    /// A claim is present but of the wrong type.
    pub malformed: bool,
}

impl<'a> JwtClaims<'a> {
    /// Reads the claims of a payload object.
    pub fn read(payload: Value<'a>) -> JwtClaims<'a> {
        let mut malformed = false;
        let mut text = |name| match payload.get(name) {
            None => None,
            Some(v) => {
                malformed |= v.as_str().is_none();
                v.as_str()
            }
        };
        let (iss, jti, sub) = (text("iss"), text("jti"), text("sub"));
        let mut time = |name| match payload.get(name) {
            None => None,
            Some(v) => match v.node() {
                simd_json::Node::Static(s) => {
                    let time = number(s).map(|n| Timestamp::from_unix(n.floor() as i64));
                    malformed |= time.is_none();
                    time
                }
                _ => {
                    malformed = true;
                    None
                }
            },
        };
        let (nbf, exp) = (time("nbf"), time("exp"));
        JwtClaims {
            iss,
            jti,
            sub,
            nbf,
            exp,
            malformed,
        }
    }

    /// What the claims supply to a VC 1.1 `vc` claim that leaves members
    /// out (VC Data Model 1.1 §6.3.1).
    pub fn fallback(&self) -> ClaimFallback<'a> {
        ClaimFallback {
            id: self.jti,
            issuer: self.iss,
            valid_from: self.nbf,
        }
    }

    /// Open Badges 3.0 §8.2.4 / VC-JWT: where a claim and the credential
    /// both state a fact, they must state the same one. Times compare to
    /// the second, the resolution of a NumericDate.
    pub fn agree_with(&self, cred: &Credential<'_>) -> bool {
        let same_time = |claim: Option<Timestamp>, member: Option<Timestamp>| match (claim, member)
        {
            (Some(c), Some(m)) => c.secs == m.secs,
            _ => true,
        };
        let mut subjects = cred.subject.one_or_many();
        let subject_id = match (subjects.next(), subjects.next()) {
            (Some(one), None) => one.get("id").and_then(Value::as_str),
            _ => None,
        };
        self.iss.is_none_or(|i| i == cred.issuer)
            && self.jti.is_none_or(|j| cred.id.is_none_or(|id| id == j))
            && self.sub.is_none_or(|s| subject_id.is_none_or(|id| id == s))
            && same_time(self.nbf, cred.valid_from)
            && same_time(self.exp, cred.valid_until)
    }
}
