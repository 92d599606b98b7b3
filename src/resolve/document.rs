//! Controller documents given with `--dids`: DID documents (`did:web` and
//! any other method) and `https:` controller documents; Open Badges 2.0
//! BadgeClasses, Profiles and keys go to [`super::ob2`].
//!
//! Every verification method a document lists is decoded and screened when
//! the document is loaded, and registered under its absolute id. A method is
//! authorised for `assertionMethod` when its controller is the document's
//! subject and the document's `assertionMethod` names it or embeds it
//! (Controlled Identifiers v1.0 §2.2, §3.3).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::multikey::{self, KeyDecodeError, KeyMaterial};
use super::{KeyResolver, ResolvedKey};
use crate::json::Value;
use crate::verdict::Problem;
use crate::verify::Rejection;
use crate::verify::key::PublicKey;

/// Why a controller document was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Without an `id` or a bound URL, its methods cannot be named.
    #[error("the document has no string `id` and no URL was bound to it")]
    NoId,
    /// Not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// More verification methods than [`crate::limits::METHODS_PER_DOCUMENT`].
    #[error(
        "the document lists more than {} verification methods",
        crate::limits::METHODS_PER_DOCUMENT
    )]
    TooManyMethods,
    /// Two different Open Badges 2.0 documents (BadgeClass, Profile or
    /// key) under one id.
    #[error("another, different Open Badges 2.0 document has the id {0}")]
    Conflict(String),
}

/// Registers every verification method of `doc` with `resolver`; `bound` is
/// the URL the document was bound to (`URL=FILE`), which stands for its id.
/// Returns the number of methods registered.
pub fn register(
    resolver: &KeyResolver,
    doc: Value<'_>,
    bound: Option<&str>,
) -> Result<usize, DocumentError> {
    if !doc.is_object() {
        return Err(DocumentError::NotAnObject);
    }
    let base = match (bound, doc.get("id").and_then(Value::as_str)) {
        (Some(url), _) => url,
        (None, Some(id)) => id,
        (None, None) => return Err(DocumentError::NoId),
    };
    // Open Badges 2.0 documents name keys their own way (`publicKey`).
    if resolver.register_ob2(doc, base)? {
        return Ok(0);
    }
    let absolute = |id: &str| {
        if id.starts_with('#') {
            format!("{base}{id}")
        } else {
            id.to_owned()
        }
    };
    // Sets and a cache of screened keys keep a document of n methods at
    // O(n) work, whatever it repeats.
    let mut authorised: HashSet<String> = HashSet::new();
    let mut screened: HashMap<KeyMaterial, Result<PublicKey, Rejection>> = HashMap::new();
    let mut methods: Vec<Value<'_>> = Vec::new();
    if let Some(list) = doc.get("assertionMethod") {
        for entry in list.one_or_many() {
            if let Some(r) = entry.as_str() {
                authorised.insert(absolute(r));
            } else if entry.is_object() {
                if let Some(id) = entry.get("id").and_then(Value::as_str) {
                    authorised.insert(absolute(id));
                }
                methods.push(entry);
            }
        }
    }
    if let Some(list) = doc.get("verificationMethod") {
        methods.extend(list.one_or_many().filter(|m| m.is_object()));
    }
    if methods.len() > crate::limits::METHODS_PER_DOCUMENT
        || authorised.len() > crate::limits::METHODS_PER_DOCUMENT
    {
        return Err(DocumentError::TooManyMethods);
    }
    let prefix = format!("{base}#");
    let mut count = 0;
    for method in methods {
        let Some(id) = method.get("id").and_then(Value::as_str).map(absolute) else {
            continue;
        };
        // A document speaks only for its own methods, and never for did:key
        // or did:jwk, whose keys are their identifiers (CONTRACT.md --dids).
        if !id.starts_with(&prefix) || id.starts_with("did:key:") || id.starts_with("did:jwk:") {
            continue;
        }
        let controller = method
            .get("controller")
            .and_then(Value::as_str)
            .map_or_else(|| base.to_owned(), absolute);
        let assertion = controller == base && authorised.contains(&id);
        let resolution = match key_material(method) {
            Ok(material) => Ok(Arc::new(ResolvedKey {
                method: id.as_str().into(),
                key: match screened.get(&material) {
                    Some(loaded) => loaded.clone(),
                    None => {
                        let loaded = resolver.load(&material);
                        screened.insert(material, loaded.clone());
                        loaded
                    }
                },
                controller: controller.into(),
                assertion,
                from_fragment: false,
            })),
            Err(_) => Err(Problem::UnknownKey),
        };
        resolver.insert(&id, resolution);
        resolver.list_method(base, &id);
        count += 1;
    }
    Ok(count)
}

/// The key of a verification method, in any of the forms the contract
/// names: `publicKeyMultibase` (Multikey: Ed25519, P-256, P-384),
/// `publicKeyJwk` (`JsonWebKey`, `JsonWebKey2020`: OKP, EC, RSA) or
/// `publicKeyBase58` (Ed25519VerificationKey2018).
fn key_material(method: Value<'_>) -> Result<KeyMaterial, KeyDecodeError> {
    if let Some(mb) = method.get("publicKeyMultibase").and_then(Value::as_str) {
        return multikey::decode_multikey_any(mb);
    }
    if let Some(jwk) = method.get("publicKeyJwk") {
        return multikey::decode_jwk_any(jwk);
    }
    if let Some(b58) = method.get("publicKeyBase58").and_then(Value::as_str) {
        return multikey::decode_base58_key(b58).map(KeyMaterial::Ed25519);
    }
    Err(KeyDecodeError::Multibase)
}
