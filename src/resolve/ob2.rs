//! Open Badges 2.0 documents given with `--dids`: BadgeClasses, issuer
//! Profiles and `CryptographicKey`s, keyed by their `id` URL (or the URL
//! they are bound to, `URL=FILE`).
//!
//! A signed 2.0 assertion names its BadgeClass, which names the issuer
//! Profile; the Profile lists the keys it signs with (`publicKey`), each a
//! `CryptographicKey` with a PEM `publicKeyPem` and an `owner`, the
//! Profile's id (Open Badges 2.0, "Signed Badges"). Only documents given
//! offline are trusted to say which keys a Profile holds: a Profile or
//! BadgeClass embedded in the signed assertion itself is the signer's own
//! word. Each key is parsed and screened once, when its document loads.

use std::collections::HashMap;
use std::sync::Arc;

use super::document::DocumentError;
use crate::json::Value;
use crate::verdict::Problem;
use crate::verify::rsa::{RsaKey, RsaKeyError};

/// An issuer Profile, as far as verification needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// The ids of the keys it lists in `publicKey`, each once, in order.
    pub keys: Vec<Box<str>>,
    /// The keys written into the Profile itself (owned by it), by id: they
    /// answer for this Profile only, never for another's key ids.
    pub own_keys: Vec<(Box<str>, Ob2Key)>,
    /// Its `revocationList` URL, if any.
    pub revocation_list: Option<Box<str>>,
}

/// A `CryptographicKey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ob2Key {
    /// Its `owner`, the Profile that holds it; `None` when not stated (a
    /// standalone key must state it).
    pub owner: Option<Box<str>>,
    /// The parsed key, or the problem of every signature checked with it:
    /// `unknown_key` for a PEM that does not decode to an RSA key,
    /// `weak_key` for a modulus shorter than 2,048 bits.
    pub key: Result<Arc<RsaKey>, Problem>,
}

/// The Open Badges 2.0 documents of a run.
#[derive(Debug, Default)]
pub struct Ob2Documents {
    badges: HashMap<Box<str>, Box<str>>,
    profiles: HashMap<Box<str>, Profile>,
    keys: HashMap<Box<str>, Ob2Key>,
}

/// Adds `value` under `id`, unless a different one is there already.
fn insert_once<V: PartialEq>(
    map: &mut HashMap<Box<str>, V>,
    id: &str,
    value: V,
) -> Result<(), DocumentError> {
    match map.get(id) {
        Some(old) if *old != value => Err(DocumentError::Conflict(id.to_owned())),
        Some(_) => Ok(()),
        None => {
            map.insert(id.into(), value);
            Ok(())
        }
    }
}

/// The Open Badges 2.0 kind of a document, from its `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    BadgeClass,
    Profile,
    Key,
}

fn kind_of(doc: Value<'_>) -> Option<Kind> {
    doc.get("type")?
        .one_or_many()
        .find_map(|t| match t.as_str()? {
            "BadgeClass" => Some(Kind::BadgeClass),
            "Issuer" | "Profile" => Some(Kind::Profile),
            "CryptographicKey" => Some(Kind::Key),
            _ => None,
        })
}

/// The id of a member that is a URL or an object with an `id`.
fn id_of(v: Value<'_>) -> Option<&str> {
    v.as_str().or_else(|| v.get("id").and_then(Value::as_str))
}

impl Ob2Documents {
    /// Registers `doc` under `id` when it is a BadgeClass, a Profile or a
    /// `CryptographicKey`; returns whether it was one. A Profile lists at
    /// most `limit` keys. A second, different document under one id is
    /// refused: no document may replace another's statement of whose a
    /// key is, or which keys an issuer holds.
    pub fn register(
        &mut self,
        doc: Value<'_>,
        id: &str,
        limit: usize,
    ) -> Result<bool, DocumentError> {
        match kind_of(doc) {
            None => Ok(false),
            Some(Kind::BadgeClass) => {
                if let Some(issuer) = doc.get("issuer").and_then(id_of) {
                    insert_once(&mut self.badges, id, issuer.into())?;
                }
                Ok(true)
            }
            Some(Kind::Key) => {
                insert_once(&mut self.keys, id, read_key(doc, None))?;
                Ok(true)
            }
            Some(Kind::Profile) => {
                let mut profile = Profile {
                    revocation_list: doc.get("revocationList").and_then(id_of).map(Box::from),
                    ..Profile::default()
                };
                if let Some(listed) = doc.get("publicKey") {
                    if listed.one_or_many().count() > limit {
                        return Err(DocumentError::TooManyMethods);
                    }
                    for (i, key) in listed.one_or_many().enumerate() {
                        let key_id: Box<str> = if let Some(url) = key.as_str() {
                            url.into()
                        } else if key.is_object() {
                            // A key written into the Profile is the
                            // Profile's own; one without an id is named by
                            // its place.
                            let key_id: Box<str> = key
                                .get("id")
                                .and_then(Value::as_str)
                                .map_or_else(|| format!("{id}#publicKey-{i}"), str::to_owned)
                                .into();
                            if !profile.own_keys.iter().any(|(k, _)| *k == key_id) {
                                profile
                                    .own_keys
                                    .push((key_id.clone(), read_key(key, Some(id))));
                            }
                            key_id
                        } else {
                            continue;
                        };
                        if !profile.keys.contains(&key_id) {
                            profile.keys.push(key_id);
                        }
                    }
                }
                insert_once(&mut self.profiles, id, profile)?;
                Ok(true)
            }
        }
    }

    /// Whether no document was registered.
    pub fn is_empty(&self) -> bool {
        self.badges.is_empty() && self.profiles.is_empty() && self.keys.is_empty()
    }

    /// The issuer Profile id of the BadgeClass at `url`.
    pub fn badge_issuer(&self, url: &str) -> Option<&str> {
        self.badges.get(url).map(|s| &**s)
    }

    /// The Profile at `url`.
    pub fn profile(&self, url: &str) -> Option<&Profile> {
        self.profiles.get(url)
    }

    /// The key `url` of `profile`: one written into the Profile, else a
    /// standalone `CryptographicKey`.
    pub fn key<'d>(&'d self, profile: &'d Profile, url: &str) -> Option<&'d Ob2Key> {
        profile
            .own_keys
            .iter()
            .find(|(k, _)| **k == *url)
            .map(|(_, key)| key)
            .or_else(|| self.keys.get(url))
    }
}

/// A `CryptographicKey`'s owner and parsed PEM; `profile` is the Profile it
/// is written into, which owns it when it names no owner.
fn read_key(doc: Value<'_>, profile: Option<&str>) -> Ob2Key {
    let owner = doc.get("owner").and_then(id_of).or(profile).map(Box::from);
    let key = match doc.get("publicKeyPem").and_then(Value::as_str) {
        None => Err(Problem::UnknownKey),
        Some(pem) => match RsaKey::from_pem(pem) {
            Ok(key) => Ok(Arc::new(key)),
            Err(RsaKeyError::Weak { .. }) => Err(Problem::WeakKey),
            Err(_) => Err(Problem::UnknownKey),
        },
    };
    Ob2Key { owner, key }
}
