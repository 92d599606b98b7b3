//! VC-JOSE / VC-JWT: a credential in the payload of a compact JWS (RFC
//! 7515), signed over the token's own `header.payload` bytes.
//!
//! The protected header's `alg` is one of `EdDSA` (or `Ed25519`), `RS256`,
//! `PS256`, `ES256`, `ES384` (RFC 7518 §3.1, RFC 8037 §3.1); any other,
//! `none` and `HS256` among them, is `unsupported` once the payload is
//! read, and a `crit` header is refused (RFC 7515 §4.1.11: extensions we
//! do not understand, `b64` among them, which changes the signing input,
//! make the token unusable). The payload is the credential (VC 2.0) or
//! carries it in its `vc` claim (a VC 1.1 JWT); the registered claims must
//! agree with it ([`JwtClaims::agree_with`]).
//!
//! The key is the one `kid` names (a DID URL, or a URL whose controller
//! document was given), or the issuer's only key (did:key, did:jwk). A
//! key in the header's `jwk` proves nothing by itself: without `kid`, it
//! is used when one of the issuer's verification methods holds the same
//! key, or under `--trust-header-jwk` (warning `key_from_header`). The
//! key's type must fit `alg` (`key_type` otherwise): `EdDSA` an Ed25519
//! key, `RS256` and `PS256` an RSA key (of 2,048 bits at least, or the
//! key is `weak_key`), `ES256` a P-256 key, `ES384` a P-384 key. Ed25519
//! signatures join the chunk's batch; the others are checked at once.

use super::ProofCheck;
use crate::credential::Credential;
use crate::credential::jws::{self, CompactJws};
use crate::credential::jwt::JwtClaims;
use crate::json::{JsonParser, Value};
use crate::resolve::KeyResolver;
use crate::resolve::multikey::{self, KeyMaterial};
use crate::verdict::{Evidence, JwtAlg, Problem};
use crate::verify::ecdsa::Curve;
use crate::verify::key::{KeyType, PublicKey};

/// The JWS algorithms, as verdict records name them.
pub type Alg = JwtAlg;

/// Whether a key of type `key` may sign with `alg`.
pub fn fits(alg: Alg, key: KeyType) -> bool {
    matches!(
        (alg, key),
        (Alg::EdDsa | Alg::Ed25519, KeyType::Ed25519)
            | (Alg::Rs256 | Alg::Ps256, KeyType::Rsa)
            | (Alg::Es256, KeyType::Ec(Curve::P256))
            | (Alg::Es384, KeyType::Ec(Curve::P384))
    )
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
    /// The key of the header's `jwk`: `None` without one, `Some(Err)`
    /// when it is not a public JWK this engine reads.
    jwk: Option<Result<KeyMaterial, ()>>,
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
            Some(name) => Alg::from_name(name),
            None => return Err(Problem::BadJws),
        };
        let kid = match h.get("kid") {
            None => None,
            Some(k) => Some(k.as_str().ok_or(Problem::ProofMalformed)?.to_owned()),
        };
        // A `kid` names the key: the header's `jwk` is then not read.
        let jwk = match kid.as_deref() {
            Some(k) if !k.is_empty() => None,
            _ => h
                .get("jwk")
                .map(|j| multikey::decode_jwk_any(j).map_err(|_| ())),
        };
        Ok((alg, kid, jwk))
    });
    let (alg, kid, jwk) = match header {
        Ok(Ok(found)) => found,
        Ok(Err(p)) => return Err(p),
        Err(_) => return Err(Problem::BadJws),
    };
    Ok(Token {
        jws,
        alg,
        text,
        kid,
        jwk,
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
    /// key is the issuer's and fits `alg`; an Ed25519 signature is
    /// deferred to the batch, any other checked now. `scratch` receives
    /// the decoded signature. Returns the fingerprint of the key whose
    /// signature was checked now and held
    /// ([`PublicKey::fingerprint`]).
    pub fn check(
        &self,
        credential: &Credential<'_>,
        claims: &JwtClaims<'_>,
        check: &mut ProofCheck<'_>,
        scratch: &mut Vec<u8>,
    ) -> Option<[u8; 32]> {
        if claims.malformed || !claims.agree_with(credential) {
            check.findings.problem(Problem::JwtClaims);
        }
        if !self.decode_signature(scratch) || scratch.is_empty() {
            check.findings.problem(Problem::ProofValue);
            return None;
        }
        let issuer = credential.issuer;
        // An empty `kid` names no key, as an absent one.
        let (resolved, key) = match (self.kid.as_deref(), &self.jwk) {
            (Some(kid), _) if !kid.is_empty() => {
                let method = match kid.starts_with('#') {
                    true => format!("{issuer}{kid}"),
                    false => kid.to_owned(),
                };
                check.key_for(&method, issuer)?
            }
            (_, Some(Ok(material))) => check.key_from_header(material, issuer)?,
            (_, Some(Err(()))) => {
                check.findings.problem(Problem::UnknownKey);
                return None;
            }
            (_, None) => {
                let Some(method) = KeyResolver::sole_method(issuer) else {
                    check.findings.problem(Problem::UnknownKey);
                    return None;
                };
                check.key_for(&method, issuer)?
            }
        };
        let evidence = || Evidence::Method {
            method: resolved.method.clone(),
        };
        if !fits(self.alg, key.key_type()) {
            check.findings.problem_with(Problem::KeyType, evidence());
            return None;
        }
        let message = self.jws.signing_input(self.text);
        let held = match (&key, self.alg) {
            (PublicKey::Ed25519(k), _) => {
                match <&[u8; 64]>::try_from(&scratch[..]) {
                    Ok(signature) => check.defer_message(resolved, k.clone(), signature, message),
                    Err(_) => check.findings.problem(Problem::ProofValue),
                }
                return None;
            }
            (PublicKey::Rsa(k), Alg::Ps256) => k.verify_ps256(message, scratch),
            (PublicKey::Rsa(k), _) => k.verify_rs256(message, scratch),
            (PublicKey::Ec(k), _) => k.verify(message, scratch),
        };
        if held {
            Some(key.fingerprint())
        } else {
            check
                .findings
                .problem_with(Problem::InvalidSignature, evidence());
            None
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
