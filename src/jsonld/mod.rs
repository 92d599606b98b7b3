//! JSON-LD contexts, offline and pinned: the contexts the JSON-LD proof
//! suites need are built into the binary, each with the SHA-256 of its
//! bytes, and a user may add or override contexts from a directory
//! (`--contexts`, CONTRACT.md). Nothing is ever fetched.
//!
//! The same URL circulates in several versions (the Open Badges 3.0.3
//! context gained terms in 2024, 2025 and 2026), so every context carries
//! its digest: a record whose signature fails can say which version it was
//! checked against.
//!
//! Built-in contexts and where they come from (files in `contexts/`):
//!
//! | URL | origin |
//! | --- | --- |
//! | `https://www.w3.org/ns/credentials/v2` | `w3c/vc-data-model` @ 979c4af1 `contexts/credentials/v2` (the digest printed in VC DM 2.0 §B.1) |
//! | `https://www.w3.org/2018/credentials/v1` | same repository, `contexts/credentials/v1` |
//! | `https://w3id.org/security/data-integrity/v1`, `/v2`, `https://w3id.org/security/multikey/v1` | `w3c/vc-data-integrity` @ 570d7641 `contexts/` |
//! | `https://w3id.org/security/suites/ed25519-2020/v1` | `w3c/vc-di-eddsa` @ abb673eb `contexts/lds-ed25519-2020-v1.json` |
//! | `https://www.w3.org/ns/credentials/status/v1`, `https://w3id.org/vc/status-list/2021/v1` | `w3c/vc-bitstring-status-list` @ 74fcae11 `contexts/v1.jsonld`, `contexts/2021/v1.jsonld` |
//! | `https://purl.imsglobal.org/spec/ob/v3p0/context.json`, `context-3.0.1.json` to `context-3.0.3.json` | `1EdTech/openbadges-specification` @ 1af145ff `ob_v3p0/` |
//! | `https://purl.imsglobal.org/spec/ob/v3p0/extensions.json`, `https://purl.imsglobal.org/spec/clr/v2p0/context.json`, `context-2.0.1.json` | `1EdTech/digital-credentials-public-validator` @ 38254719, its offline context cache |
//!
//! [`Processor`] turns a JSON-LD document into RDF quads with these
//! contexts: [`context`] processes contexts, [`expand`] expands documents
//! and writes their quads, [`json`] is the owned JSON both work on.

pub mod context;
pub mod expand;
pub mod json;
pub mod shape;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::limits::{Exceeded, JsonLdBudget};
use crate::rdf::dataset::Dataset;
use crate::verdict::Problem;
use context::{ActiveContext, Options};
use json::Json;

/// A context document and the digest of its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// The URL documents name it by.
    pub url: String,
    /// The document, as built in or as read from its file.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lower-case hex.
    pub sha256: String,
    /// Built in, or read from a `--contexts` directory.
    pub builtin: bool,
}

/// (URL, bytes, pinned SHA-256).
type Pinned = (&'static str, &'static [u8], &'static str);

macro_rules! pinned {
    ($($url:literal => $file:literal, $sha:literal;)*) => {
        &[$(($url, include_bytes!(concat!("contexts/", $file)), $sha),)*]
    };
}

/// The built-in contexts.
const BUILTIN: &[Pinned] = pinned! {
    "https://www.w3.org/ns/credentials/v2" => "credentials-v2.jsonld", "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734";
    "https://www.w3.org/2018/credentials/v1" => "credentials-v1.jsonld", "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc";
    "https://w3id.org/security/data-integrity/v1" => "data-integrity-v1.jsonld", "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554";
    "https://w3id.org/security/data-integrity/v2" => "data-integrity-v2.jsonld", "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4";
    "https://w3id.org/security/multikey/v1" => "multikey-v1.jsonld", "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597";
    "https://w3id.org/security/suites/ed25519-2020/v1" => "ed25519-2020-v1.jsonld", "3db5c19efb0047a6edfd3b36e24346a8a3caad369d749e3c2d69e862696403e5";
    "https://www.w3.org/ns/credentials/status/v1" => "bitstring-status-list-v1.jsonld", "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7";
    "https://w3id.org/vc/status-list/2021/v1" => "status-list-2021-v1.jsonld", "6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4";
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json" => "ob-v3p0-context.json", "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10";
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json" => "ob-v3p0-context-3.0.1.json", "d582f3564282fb3b709136d28412e78e70b678b4dbc2f0221f67d84932748355";
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json" => "ob-v3p0-context-3.0.2.json", "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53";
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" => "ob-v3p0-context-3.0.3.json", "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761";
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" => "ob-v3p0-extensions.json", "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3";
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json" => "clr-v2p0.json", "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167";
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json" => "clr-v2p0-2.0.1.json", "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6";
};

/// The URLs of the built-in contexts.
pub fn builtin_urls() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(url, _, _)| *url)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The contexts of a run: the built-in ones, then those of `--contexts`,
/// which add to them or replace them.
#[derive(Debug)]
pub struct Contexts {
    by_url: HashMap<String, Context>,
}

/// Why the contexts could not be loaded; a run-level error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A built-in context's bytes do not match its pinned digest.
    #[error("built-in context {url}: its bytes do not match the pinned SHA-256")]
    Pin {
        /// The context's URL.
        url: String,
    },
    /// A file of a `--contexts` directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The directory's `index.json` is not JSON.
    #[error("{}: not JSON ({problem})", path.display())]
    IndexNotJson {
        /// The `index.json`.
        path: PathBuf,
        /// What the parser found.
        problem: Problem,
    },
    /// An entry of `index.json` does not map a URL to a file name.
    #[error("{}: {url} does not map to a file name", path.display())]
    IndexEntry {
        /// The `index.json`.
        path: PathBuf,
        /// The URL.
        url: String,
    },
    /// An entry of `index.json` names a file outside the directory.
    #[error("{}: {file} is outside the directory", path.display())]
    Outside {
        /// The `index.json`.
        path: PathBuf,
        /// The file name.
        file: String,
    },
    /// A context document is not JSON.
    #[error("context {url}: not JSON ({problem})")]
    NotJson {
        /// The context's URL.
        url: String,
        /// What the parser found.
        problem: Problem,
    },
}

impl Contexts {
    /// The built-in contexts, each checked against its pinned digest.
    pub fn builtin() -> Result<Contexts, ContextError> {
        let mut by_url = HashMap::new();
        for (url, bytes, pinned) in BUILTIN {
            let sha256 = sha256_hex(bytes);
            if sha256 != *pinned {
                return Err(ContextError::Pin {
                    url: (*url).to_owned(),
                });
            }
            by_url.insert(
                (*url).to_owned(),
                Context {
                    url: (*url).to_owned(),
                    bytes: bytes.to_vec(),
                    sha256,
                    builtin: true,
                },
            );
        }
        Ok(Contexts { by_url })
    }

    /// Adds the contexts of a directory whose `index.json` maps context URL
    /// to file name (relative to the directory). An entry replaces a
    /// built-in context of the same URL.
    pub fn add_directory(&mut self, dir: &Path) -> Result<(), ContextError> {
        let index_path = dir.join("index.json");
        let read = |path: PathBuf| {
            std::fs::read(&path).map_err(|source| ContextError::Io { path, source })
        };
        let index = read(index_path.clone())?;
        let entries: Vec<(String, String)> = crate::json::JsonParser::default()
            .with_doc(&index, |v| {
                v.members()
                    .map(|(url, file)| {
                        file.as_str()
                            .map(|f| (url.to_owned(), f.to_owned()))
                            .ok_or_else(|| ContextError::IndexEntry {
                                path: index_path.clone(),
                                url: url.to_owned(),
                            })
                    })
                    .collect::<Result<Vec<_>, ContextError>>()
            })
            .map_err(|problem| ContextError::IndexNotJson {
                path: index_path.clone(),
                problem,
            })??;
        for (url, file) in entries {
            if file.contains("..") || Path::new(&file).is_absolute() {
                return Err(ContextError::Outside {
                    path: index_path,
                    file,
                });
            }
            let bytes = read(dir.join(&file))?;
            let sha256 = sha256_hex(&bytes);
            self.by_url.insert(
                url.clone(),
                Context {
                    url,
                    bytes,
                    sha256,
                    builtin: false,
                },
            );
        }
        Ok(())
    }

    /// The context published at `url`, if known.
    pub fn get(&self, url: &str) -> Option<&Context> {
        self.by_url.get(url)
    }

    /// Number of contexts, built in and added.
    pub fn len(&self) -> usize {
        self.by_url.len()
    }

    /// Whether there is no context at all.
    pub fn is_empty(&self) -> bool {
        self.by_url.is_empty()
    }
}

/// Why a document has no RDF form; each maps to a verdict problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LdError {
    /// A context URL neither built in nor given with `--contexts`.
    #[error("unknown context {0}")]
    UnknownContext(String),
    /// Expansion or conversion to RDF would drop data (the reason is
    /// jsonld.js's event name for it).
    #[error("JSON-LD data loss: {0}")]
    DataLoss(&'static str),
    /// The document or a context breaks a JSON-LD rule (the reason is the
    /// JSON-LD API's error code).
    #[error("invalid JSON-LD: {0}")]
    Invalid(&'static str),
    /// A JSON-LD feature no credential context needs, refused rather than
    /// half done (the reason names it).
    #[error("unsupported JSON-LD feature: {0}")]
    Unsupported(&'static str),
    /// The record's JSON-LD budget ran out
    /// ([`crate::limits::JsonLdBudget`]).
    #[error("JSON-LD work beyond the record's budget")]
    Bound,
}

impl From<Exceeded> for LdError {
    fn from(_: Exceeded) -> LdError {
        LdError::Bound
    }
}

/// A context document, parsed once.
#[derive(Debug)]
pub struct RemoteContext {
    /// The parsed document.
    pub document: Json<'static>,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

/// Resolves context URLs to parsed documents; never fetches.
#[derive(Debug)]
pub struct Loader {
    by_url: HashMap<String, Arc<RemoteContext>>,
    /// Processed contexts cached so far, against [`CACHE_BUDGET`].
    cached: AtomicUsize,
}

impl Loader {
    /// Parses every context of `contexts`.
    pub fn new(contexts: &Contexts) -> Result<Loader, ContextError> {
        let mut by_url = HashMap::new();
        for (url, c) in &contexts.by_url {
            let document = crate::json::JsonParser::default()
                .with_doc(&c.bytes, |v| Json::from_value(v).into_static())
                .map_err(|problem| ContextError::NotJson {
                    url: url.clone(),
                    problem,
                })?;
            by_url.insert(
                url.clone(),
                Arc::new(RemoteContext {
                    document,
                    sha256: c.sha256.clone(),
                }),
            );
        }
        Ok(Loader {
            by_url,
            cached: AtomicUsize::new(0),
        })
    }

    /// Whether one more processed context may be cached (and counts it).
    pub fn may_cache(&self) -> bool {
        self.cached.fetch_add(1, Ordering::Relaxed) < CACHE_BUDGET
    }

    /// The context published at `url`, or [`LdError::UnknownContext`].
    pub fn load(&self, url: &str) -> Result<Arc<RemoteContext>, LdError> {
        self.by_url
            .get(url)
            .cloned()
            .ok_or_else(|| LdError::UnknownContext(url.to_owned()))
    }
}

/// Processed contexts remembered per run, top-level and derived together.
/// A processed context holds every term of its sources (tens of kilobytes
/// for the credential contexts); an export needs a few dozen, and records
/// that each bring their own inline contexts would otherwise fill memory.
/// Past the budget, contexts are processed each time they are needed.
pub const CACHE_BUDGET: usize = 512;

/// Longest `@context` value (in JCS bytes) kept as a cache key: real ones
/// are a few hundred bytes; a record can carry megabytes of inline context.
const CACHED_CONTEXT_BYTES: usize = 64 * 1024;

/// JSON-LD to RDF for a whole run: shared by every worker, it processes
/// each distinct `@context` once.
#[derive(Debug)]
pub struct Processor {
    loader: Loader,
    empty: Arc<ActiveContext>,
    /// JCS of a document's `@context` value → the processed context.
    top: Mutex<HashMap<Vec<u8>, Arc<ActiveContext>>>,
    /// How records' RDF was made ([`shape::ShapeCache`] adds to it).
    shape_totals: Arc<shape::ShapeTotals>,
}

impl Processor {
    /// A processor over `contexts`, each parsed once here.
    pub fn new(contexts: &Contexts) -> Result<Processor, ContextError> {
        Ok(Processor {
            loader: Loader::new(contexts)?,
            empty: {
                let empty = ActiveContext::default();
                empty.cached.store(true, Ordering::Relaxed);
                Arc::new(empty)
            },
            top: Mutex::new(HashMap::new()),
            shape_totals: Arc::default(),
        })
    }

    /// The processed form of a document's `@context` value, charged to
    /// `budget` (what it cost to make, even when it comes from the cache).
    pub fn context(
        &self,
        local: &Json<'_>,
        budget: &JsonLdBudget,
    ) -> Result<Arc<ActiveContext>, LdError> {
        let mut key = Vec::new();
        local.write_jcs(&mut key);
        if let Some(hit) = self.top.lock().ok().and_then(|t| t.get(&key).cloned()) {
            budget.context.charge(hit.cost)?;
            return Ok(hit);
        }
        let processed = self
            .empty
            .process(&self.loader, budget, local, Options::DEFAULT, 0)?;
        if key.len() <= CACHED_CONTEXT_BYTES
            && let Ok(mut top) = self.top.lock()
            && self.loader.may_cache()
        {
            processed.cached.store(true, Ordering::Relaxed);
            top.insert(key, processed.clone());
        }
        Ok(processed)
    }

    /// As [`Processor::to_rdf`], under a context already processed with
    /// [`Processor::context`] (a record's document and proof configuration
    /// share one).
    pub fn to_rdf_in(
        &self,
        active: &Arc<ActiveContext>,
        body: &Json<'_>,
        budget: &JsonLdBudget,
    ) -> Result<Dataset, LdError> {
        expand::to_rdf(&self.loader, active, body, budget)
    }

    /// As [`Processor::to_rdf_in`], replaying a shape program of
    /// `shapes` when `body` has the shape of an earlier record
    /// ([`shape`]): the same quads, made faster.
    pub fn to_rdf_shaped(
        &self,
        shapes: &mut shape::ShapeCache,
        active: &Arc<ActiveContext>,
        body: &Json<'_>,
        budget: &JsonLdBudget,
    ) -> Result<Dataset, LdError> {
        shapes.quads_of(self, active, body, budget)
    }

    /// Records whose RDF was replayed from a shape program, expanded and
    /// compiled, and expanded alone, so far (workers add theirs when they
    /// finish).
    pub fn shape_totals(&self) -> (u64, u64, u64) {
        self.shape_totals.get()
    }

    /// Expansion alone of `body` under `context` (for measuring the stages
    /// apart; [`Processor::to_rdf`] is expansion followed by
    /// [`expand::emit`]).
    pub fn expand<'j>(
        &self,
        context: Option<&Json<'_>>,
        body: &'j Json<'j>,
    ) -> Result<Vec<expand::Item<'j>>, LdError> {
        let budget = JsonLdBudget::unlimited();
        let active = match context {
            Some(local) => self.context(local, &budget)?,
            None => self.empty.clone(),
        };
        expand::expand(&self.loader, &active, body, &budget)
    }

    /// The quads of `body`, a document whose `@context` member, if any, is
    /// given apart as `context` (so that its processed form is shared).
    /// Also returns the context used, for reporting its sources. Without a
    /// budget: for documents the caller trusts (see [`JsonLdBudget::unlimited`]).
    pub fn to_rdf(
        &self,
        context: Option<&Json<'_>>,
        body: &Json<'_>,
    ) -> Result<(Dataset, Arc<ActiveContext>), LdError> {
        let budget = JsonLdBudget::unlimited();
        let active = match context {
            Some(local) => self.context(local, &budget)?,
            None => self.empty.clone(),
        };
        let quads = expand::to_rdf(&self.loader, &active, body, &budget)?;
        Ok((quads, active))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_past_the_cache_budget_are_still_processed() {
        let p = Processor::new(&Contexts::builtin().unwrap()).unwrap();
        for i in 0..CACHE_BUDGET + 100 {
            let context = Json::Array(vec![Json::Object(vec![(
                "p".into(),
                Json::String(format!("https://example.org/p{i}").into()),
            )])]);
            let body = Json::Object(vec![
                ("@id".into(), Json::String("urn:x".into())),
                ("p".into(), Json::String("v".into())),
            ]);
            let (ds, _) = p.to_rdf(Some(&context), &body).unwrap();
            let nquads = crate::canon::rdfc::canonicalize(
                &ds,
                crate::canon::rdfc::HashAlgorithm::Sha256,
                crate::canon::rdfc::Limits::default(),
            )
            .unwrap()
            .nquads;
            assert_eq!(
                nquads,
                format!("<urn:x> <https://example.org/p{i}> \"v\" .\n")
            );
        }
        let cached = p.top.lock().unwrap().len();
        assert!(cached <= CACHE_BUDGET, "{cached} contexts cached");
    }

    #[test]
    fn builtin_contexts_match_their_pins_and_parse() {
        let contexts = Contexts::builtin().expect("every pin holds");
        assert_eq!(contexts.len(), BUILTIN.len());
        for url in builtin_urls() {
            let c = contexts.get(url).expect("present");
            assert!(c.builtin);
            let has_context = crate::json::JsonParser::default()
                .with_doc(&c.bytes, |v| v.get("@context").is_some())
                .unwrap_or_else(|p| panic!("{url}: not JSON ({p:?})"));
            assert!(has_context, "{url}: no @context member");
        }
    }

    #[test]
    fn a_directory_adds_and_overrides() {
        let dir = std::env::temp_dir().join(format!("credverify-contexts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ob = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
        std::fs::write(
            dir.join("index.json"),
            format!("{{\"{ob}\":\"ob.json\",\"https://example.org/ctx\":\"x.json\"}}"),
        )
        .unwrap();
        std::fs::write(dir.join("ob.json"), "{\"@context\":{\"jti\":\"@id\"}}").unwrap();
        std::fs::write(dir.join("x.json"), "{\"@context\":{}}").unwrap();
        let mut contexts = Contexts::builtin().unwrap();
        let pinned = contexts.get(ob).unwrap().sha256.clone();
        contexts.add_directory(&dir).expect("loads");
        let replaced = contexts.get(ob).unwrap();
        assert!(!replaced.builtin);
        assert_ne!(
            replaced.sha256, pinned,
            "the override's own digest is reported"
        );
        assert!(contexts.get("https://example.org/ctx").is_some());
        std::fs::write(
            dir.join("index.json"),
            "{\"https://e.org/y\":\"../y.json\"}",
        )
        .unwrap();
        assert!(
            contexts.add_directory(&dir).is_err(),
            "paths stay inside the directory"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
