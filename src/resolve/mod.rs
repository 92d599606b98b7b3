//! Verification method → public key (Ed25519, RSA, P-256, P-384), offline.
//!
//! `did:key` and `did:jwk` are decoded from the identifier itself (both
//! implicitly authorise their one key for `assertionMethod`); every other
//! method, `did:web` and `https:` controller documents included, must be
//! given with `--dids` ([`document`]). A key written into an https URL's
//! fragment is trusted only under `--trust-fragment-keys`.
//!
//! Each distinct verification method is resolved and its key screened once
//! per run; the [`KeyResolver`] cache is shared by every worker, and each
//! worker keeps its own copies of the few methods it meets ([`LocalKeys`]).

pub mod document;
pub mod multikey;
pub mod ob2;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use crate::verdict::Problem;
use crate::verify::VerifyingKey;
use crate::verify::ecdsa::EcKey;
use crate::verify::key::PublicKey;
use crate::verify::rsa::RsaKey;
use multikey::KeyMaterial;

/// A resolved verification method.
#[derive(Debug)]
pub struct ResolvedKey {
    /// The verification method's id.
    pub method: Box<str>,
    /// The loaded key, or why the key material is unacceptable.
    pub key: Result<PublicKey, crate::verify::Rejection>,
    /// The controller of the verification method.
    pub controller: Box<str>,
    /// Whether the controller authorises the method for `assertionMethod`.
    pub assertion: bool,
    /// The key came from the fragment of an https URL (`--trust-fragment-keys`).
    pub from_fragment: bool,
}

/// The outcome of resolving a verification method.
pub type Resolution = Result<Arc<ResolvedKey>, Problem>;

/// Beyond this many cached methods, new ones are resolved without caching,
/// so an export naming millions of distinct keys cannot grow memory without
/// bound. Real exports name a few dozen.
const CACHE_LIMIT: usize = 100_000;

/// Methods a worker keeps its own copies of; further methods are looked up
/// in the shared [`KeyResolver`] each time. Exports name a handful.
const LOCAL_METHODS: usize = 16;

/// One worker's copies of the methods it has resolved.
///
/// Looking a method up here takes no lock, and the keys handed out are
/// copies whose reference counts no other worker touches: on two cores,
/// the cache-line traffic of a shared `RwLock` and shared `Arc` counts,
/// several times per record, costs more than the lookup itself. A copy
/// keeps its key's id, so batch terms still combine per key.
#[derive(Default)]
pub struct LocalKeys {
    entries: Vec<(Box<str>, Resolution)>,
}

impl LocalKeys {
    /// [`KeyResolver::resolve`], answered from this worker's copies.
    pub fn resolve(&mut self, shared: &KeyResolver, method: &str) -> Resolution {
        if let Some((_, hit)) = self.entries.iter().find(|(m, _)| **m == *method) {
            return hit.clone();
        }
        let resolution = shared.resolve(method);
        if self.entries.len() >= LOCAL_METHODS {
            return resolution;
        }
        let copy = match resolution {
            Ok(r) => Ok(Arc::new(ResolvedKey {
                method: r.method.clone(),
                key: r.key.as_ref().map(PublicKey::local_copy).map_err(|e| *e),
                controller: r.controller.clone(),
                assertion: r.assertion,
                from_fragment: r.from_fragment,
            })),
            Err(p) => Err(p),
        };
        self.entries.push((method.into(), copy.clone()));
        copy
    }
}

/// Keys taken from JWS headers: by fingerprint, each issuer that was
/// given the key and what it resolved to.
type HeaderKeys = HashMap<[u8; 32], Vec<(Box<str>, Resolution)>>;

/// Resolves and caches verification methods.
pub struct KeyResolver {
    cache: RwLock<HashMap<Box<str>, Resolution>>,
    next_id: AtomicU32,
    trust_fragment_keys: bool,
    trust_header_jwk: bool,
    ob2: RwLock<ob2::Ob2Documents>,
    /// Each controller document's verification methods, by the
    /// document's id.
    methods: RwLock<HashMap<Box<str>, Vec<Box<str>>>>,
    /// Keys taken from JWS headers under `--trust-header-jwk`, by
    /// fingerprint, then issuer.
    header_keys: RwLock<HeaderKeys>,
}

impl KeyResolver {
    /// An empty resolver. `trust_fragment_keys` is `--trust-fragment-keys`:
    /// an `https:` method whose fragment is a Multikey resolves to that key.
    pub fn new(trust_fragment_keys: bool) -> KeyResolver {
        KeyResolver {
            cache: RwLock::new(HashMap::new()),
            next_id: AtomicU32::new(0),
            trust_fragment_keys,
            trust_header_jwk: false,
            ob2: RwLock::new(ob2::Ob2Documents::default()),
            methods: RwLock::new(HashMap::new()),
            header_keys: RwLock::new(HashMap::new()),
        }
    }

    /// `--trust-header-jwk`: a JWS whose header carries a `jwk` and no
    /// `kid` is checked with that key, as the issuer's, when none of the
    /// issuer's methods holds it.
    pub fn trust_header_jwk(mut self, on: bool) -> KeyResolver {
        self.trust_header_jwk = on;
        self
    }

    /// Whether `--trust-header-jwk` is on.
    pub fn trusts_header_jwk(&self) -> bool {
        self.trust_header_jwk
    }

    /// Notes that the controller document `document` lists `method`.
    pub fn list_method(&self, document: &str, method: &str) {
        let mut methods = self.methods.write().unwrap_or_else(|e| e.into_inner());
        let list = methods.entry(document.into()).or_default();
        if list.len() < crate::limits::METHODS_PER_DOCUMENT {
            list.push(method.into());
        }
    }

    /// The first verification method of `controller` (those its document
    /// lists, or the one key of a did:key or did:jwk) for which `pick`
    /// answers something.
    pub fn find_method_of<T>(
        &self,
        controller: &str,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(sole) = KeyResolver::sole_method(controller) {
            return pick(&sole);
        }
        let methods = self.methods.read().unwrap_or_else(|e| e.into_inner());
        methods.get(controller)?.iter().find_map(|m| pick(m))
    }

    /// The key of a JWS header's `jwk` as `issuer`'s, under
    /// `--trust-header-jwk`, loaded once per issuer and key.
    pub fn header_key(&self, issuer: &str, material: &KeyMaterial) -> Resolution {
        let fingerprint = material.fingerprint().ok_or(Problem::UnknownKey)?;
        let find = |keys: &HeaderKeys| {
            keys.get(&fingerprint)?
                .iter()
                .find(|(who, _)| **who == *issuer)
                .map(|(_, r)| r.clone())
        };
        if let Some(hit) = find(&self.header_keys.read().unwrap_or_else(|e| e.into_inner())) {
            return hit;
        }
        let resolution = Ok(Arc::new(ResolvedKey {
            method: format!("{issuer}#header-jwk").into(),
            key: self.load(material),
            controller: issuer.into(),
            assertion: true,
            from_fragment: false,
        }));
        let mut cache = self.header_keys.write().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = find(&cache) {
            return hit; // another worker got there first: share its key
        }
        if cache.len() < CACHE_LIMIT {
            let issuers = cache.entry(fingerprint).or_default();
            issuers.push((issuer.into(), resolution.clone()));
        }
        resolution
    }

    /// The Open Badges 2.0 documents given with `--dids`.
    pub fn ob2(&self) -> RwLockReadGuard<'_, ob2::Ob2Documents> {
        self.ob2.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `doc` under `id` when it is an Open Badges 2.0 BadgeClass,
    /// Profile or `CryptographicKey` ([`ob2::Ob2Documents::register`]).
    pub fn register_ob2(
        &self,
        doc: crate::json::Value<'_>,
        id: &str,
    ) -> Result<bool, document::DocumentError> {
        let mut docs = self.ob2.write().unwrap_or_else(|e| e.into_inner());
        docs.register(doc, id, crate::limits::METHODS_PER_DOCUMENT)
    }

    /// Screens key bytes into a key with a fresh id.
    pub fn screen(&self, bytes: [u8; 32]) -> Result<Arc<VerifyingKey>, crate::verify::Rejection> {
        VerifyingKey::screen(bytes, self.next_id.fetch_add(1, Ordering::Relaxed)).map(Arc::new)
    }

    /// Loads key material of any type: an Ed25519 key is screened
    /// ([`KeyResolver::screen`]), an RSA or EC key checked.
    pub fn load(&self, material: &KeyMaterial) -> Result<PublicKey, crate::verify::Rejection> {
        use crate::verify::Rejection;
        match material {
            KeyMaterial::Ed25519(bytes) => self.screen(*bytes).map(PublicKey::Ed25519),
            KeyMaterial::Rsa { n, e } => RsaKey::from_components(n, e)
                .map(|k| PublicKey::Rsa(Arc::new(k)))
                .map_err(Rejection::KeyRsa),
            KeyMaterial::Ec { curve, sec1 } => EcKey::from_sec1(*curve, sec1)
                .map(|k| PublicKey::Ec(Arc::new(k)))
                .map_err(Rejection::KeyEc),
        }
    }

    /// Registers a method read from a controller document.
    pub fn insert(&self, method: &str, resolution: Resolution) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.insert(method.into(), resolution);
    }

    /// Resolves a verification method id. did:key and did:jwk methods are
    /// always decoded from the identifier; documents cannot override them.
    pub fn resolve(&self, method: &str) -> Resolution {
        if let Some(hit) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(method)
        {
            return hit.clone();
        }
        let resolution = self.resolve_uncached(method);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.get(method) {
            return hit.clone(); // another worker got there first: share its key
        }
        if cache.len() < CACHE_LIMIT {
            cache.insert(method.into(), resolution.clone());
        }
        resolution
    }

    fn resolve_uncached(&self, method: &str) -> Resolution {
        let (did, fragment) = match method.split_once('#') {
            Some((d, f)) => (d, Some(f)),
            None => (method, None),
        };
        let decoded = if let Some(id) = did.strip_prefix("did:key:") {
            // did:key §3.1.2: the fragment, when present, repeats the identifier.
            if fragment.is_some_and(|f| f != id) {
                return Err(Problem::UnknownKey);
            }
            multikey::decode_multikey_any(id)
        } else if let Some(id) = did.strip_prefix("did:jwk:") {
            // did:jwk: the one method is `#0`.
            if fragment.is_some_and(|f| f != "0") {
                return Err(Problem::UnknownKey);
            }
            multikey::decode_did_jwk(id)
        } else if self.trust_fragment_keys && did.starts_with("https://") {
            // Any Multikey: Ed25519, or P-256 / P-384 as the 1EdTech
            // validator's ecdsa-sd-2023 example names its key.
            let material = fragment
                .ok_or(Problem::UnknownKey)
                .and_then(|f| multikey::decode_multikey_any(f).map_err(|_| Problem::UnknownKey))?;
            return Ok(Arc::new(ResolvedKey {
                method: method.into(),
                key: self.load(&material),
                controller: did.into(),
                assertion: true,
                from_fragment: true,
            }));
        } else {
            return Err(Problem::UnknownKey);
        };
        let material = decoded.map_err(|_| Problem::UnknownKey)?;
        Ok(Arc::new(ResolvedKey {
            method: method.into(),
            key: self.load(&material),
            controller: did.into(),
            assertion: true,
            from_fragment: false,
        }))
    }

    /// The key of an issuer that has exactly one: `did:key` and `did:jwk`
    /// (for a JWS without `kid`).
    pub fn sole_method(issuer: &str) -> Option<String> {
        if let Some(id) = issuer.strip_prefix("did:key:") {
            Some(format!("{issuer}#{id}"))
        } else if issuer.starts_with("did:jwk:") {
            Some(format!("{issuer}#0"))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DID: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

    #[test]
    fn did_key_resolves_once_and_is_shared() {
        let r = KeyResolver::new(false);
        let method = format!("{DID}#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2");
        let a = r.resolve(&method).unwrap();
        let b = r.resolve(&method).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a.controller, DID);
        assert!(a.assertion && a.key.is_ok());
        assert_eq!(
            r.resolve(&format!("{DID}#z6Mkother")).unwrap_err(),
            Problem::UnknownKey
        );
    }

    #[test]
    fn a_worker_copy_answers_as_the_shared_resolver() {
        let shared = KeyResolver::new(false);
        let mut local = LocalKeys::default();
        // More methods than a worker keeps copies of, each asked twice.
        let methods: Vec<String> = (1..=LOCAL_METHODS as u8 + 4)
            .map(|i| {
                let public = ed25519_dalek::SigningKey::from_bytes(&[i; 32])
                    .verifying_key()
                    .to_bytes();
                let id = multikey::encode_multikey(&public);
                format!("did:key:{id}#{id}")
            })
            .collect();
        for round in 0..2 {
            for (i, method) in methods.iter().enumerate() {
                let mine = local.resolve(&shared, method).unwrap();
                let theirs = shared.resolve(method).unwrap();
                let a = mine.key.as_ref().unwrap().ed25519().unwrap();
                let b = theirs.key.as_ref().unwrap().ed25519().unwrap();
                assert_eq!((a.id, a.bytes), (b.id, b.bytes), "method {i}");
                assert_eq!(mine.controller, theirs.controller);
                assert_eq!((mine.assertion, mine.from_fragment), (true, false));
                // The first methods are the worker's own copies; the
                // others are looked up in the shared cache every time.
                assert_eq!(
                    Arc::ptr_eq(a, b),
                    i >= LOCAL_METHODS,
                    "method {i}, round {round}"
                );
            }
        }
        let mut fresh = LocalKeys::default();
        for _ in 0..2 {
            assert_eq!(
                fresh.resolve(&shared, "did:key:z6Mkother").unwrap_err(),
                Problem::UnknownKey
            );
        }
    }

    #[test]
    fn fragment_keys_need_the_relaxation() {
        let method = "https://issuer.example/keys#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        assert_eq!(
            KeyResolver::new(false).resolve(method).unwrap_err(),
            Problem::UnknownKey
        );
        let got = KeyResolver::new(true).resolve(method).unwrap();
        assert!(got.from_fragment);
        assert_eq!(&*got.controller, "https://issuer.example/keys");
    }
}
