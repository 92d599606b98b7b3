//! VC-JOSE / VC-JWT: a credential in the payload of a compact JWS (RFC
//! 7515), signed over the token's own `header.payload` bytes.
//!
//! The protected header must name `alg` `EdDSA` (or `Ed25519`); any other
//! algorithm, `none` included, is `unsupported` once the payload is read
//! (`RS256` is verified for Open Badges 2.0 signed assertions,
//! [`super::ob2`]), and a `crit` header is
//! refused (RFC 7515 §4.1.11: extensions we do not understand, `b64` among
//! them, which changes the signing input, make the token unusable). The
//! payload is the credential (VC 2.0) or carries it in its `vc` claim (a
//! VC 1.1 JWT); the registered claims must agree with it
//! ([`JwtClaims::agree_with`]). The key is the one `kid` names, or the
//! issuer's only key (did:key, did:jwk).

use super::ProofCheck;
use crate::credential::Credential;
use crate::credential::jws::{self, CompactJws};
use crate::credential::jwt::JwtClaims;
use crate::json::{JsonParser, Value};
use crate::resolve::KeyResolver;
use crate::verdict::Problem;

/// The JWS algorithms this engine verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// `EdDSA` (or `Ed25519`): VC-JWT.
    EdDSA,
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256, which Open Badges 2.0
    /// signed assertions use.
    Rs256,
    /// Any other (`none` included): the record is `unsupported` once its
    /// payload has said what it is.
    Other,
}

/// A token whose protected header allows verification.
pub struct Token<'t> {
    jws: CompactJws<'t>,
    /// The protected header's `alg`.
    pub alg: Alg,
    /// The whole token (the signing input is its prefix).
    text: &'t str,
    /// `kid`, when the header names one.
    kid: Option<String>,
    /// The signature, when it decodes to 64 bytes.
    signature: Option<[u8; 64]>,
}

/// Splits `text` and reads its protected header with `parser`; `scratch`
/// is a decoding buffer.
pub fn open<'t>(
    text: &'t str,
    parser: &mut JsonParser,
    scratch: &mut Vec<u8>,
) -> Result<Token<'t>, Problem> {
    let jws = CompactJws::split(text).ok_or(Problem::BadJws)?;
    if !jws::decode_b64url(jws.header, scratch) {
        return Err(Problem::BadJws);
    }
    let header = parser.with_doc(scratch, |h| {
        if !h.is_object() {
            return Err(Problem::BadJws);
        }
        if h.get("crit").is_some() {
            return Err(Problem::ProofMalformed);
        }
        let alg = match h.get("alg").and_then(Value::as_str) {
            Some("EdDSA" | "Ed25519") => Alg::EdDSA,
            Some("RS256") => Alg::Rs256,
            Some(_) => Alg::Other,
            None => return Err(Problem::BadJws),
        };
        match h.get("kid") {
            None => Ok((alg, None)),
            Some(k) => Ok((
                alg,
                Some(k.as_str().ok_or(Problem::ProofMalformed)?.to_owned()),
            )),
        }
    });
    let (alg, kid) = match header {
        Ok(Ok(found)) => found,
        Ok(Err(p)) => return Err(p),
        Err(_) => return Err(Problem::BadJws),
    };
    let signature =
        (alg == Alg::EdDSA && jws::decode_b64url(jws.signature, scratch) && scratch.len() == 64)
            .then(|| {
                let mut signature = [0u8; 64];
                signature.copy_from_slice(scratch);
                signature
            });
    Ok(Token {
        jws,
        alg,
        text,
        kid,
        signature,
    })
}

impl Token<'_> {
    /// Decodes the payload into `out`; false if it is not base64url.
    pub fn decode_payload(&self, out: &mut Vec<u8>) -> bool {
        jws::decode_b64url(self.jws.payload, out)
    }

    /// Decodes the signature into `out`; false if it is not base64url.
    pub fn decode_signature(&self, out: &mut Vec<u8>) -> bool {
        jws::decode_b64url(self.jws.signature, out)
    }

    /// The bytes the signature covers: `header.payload`.
    pub fn signing_input(&self) -> &[u8] {
        self.jws.signing_input(self.text)
    }

    /// Checks the signature of the token over `credential` (read from its
    /// payload with `claims`): the claims agree with the credential, the
    /// key is the issuer's, and the signature is deferred to the batch.
    pub fn check(
        &self,
        credential: &Credential<'_>,
        claims: &JwtClaims<'_>,
        check: &mut ProofCheck<'_>,
    ) {
        if claims.malformed || !claims.agree_with(credential) {
            check.findings.problem(Problem::JwtClaims);
        }
        let Some(signature) = self.signature else {
            return check.findings.problem(Problem::ProofValue);
        };
        // An empty `kid` names no key, as an absent one.
        let method = match self.kid.as_deref() {
            None | Some("") => KeyResolver::sole_method(credential.issuer),
            Some(kid) if kid.starts_with('#') => Some(format!("{}{kid}", credential.issuer)),
            Some(kid) => Some(kid.to_owned()),
        };
        let Some(method) = method else {
            return check.findings.problem(Problem::UnknownKey);
        };
        if let Some((resolved, key)) = check.key_for(&method, credential.issuer) {
            let message = self.jws.signing_input(self.text);
            check.defer_message(resolved, key, &signature, message);
        }
    }
}

/// The credential a payload carries (itself, or its `vc` claim), and the
/// payload's registered claims.
pub fn credential_of(payload: Value<'_>) -> Result<(Value<'_>, JwtClaims<'_>), Problem> {
    if !payload.is_object() {
        return Err(Problem::NotACredential);
    }
    let claims = JwtClaims::read(payload);
    let root = match payload.get("vc") {
        Some(vc) if vc.is_object() => vc,
        Some(_) => return Err(Problem::BadMember),
        None => payload,
    };
    Ok((root, claims))
}
