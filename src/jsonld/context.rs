//! Active contexts: JSON-LD 1.1 Processing Algorithms §4.1 (Context
//! Processing), §4.2 (Create Term Definition) and §5.2 (IRI Expansion).
//!
//! What verifiable credentials use is supported: term definitions with
//! `@id`, `@type` (`@id`, `@vocab`, `@json`, `@none` or a datatype),
//! `@container` (`@set`, `@list`, `@graph`, `@language`), `@language`,
//! `@direction`, `@prefix`, `@protected` and scoped `@context`s, plus
//! `@vocab`, `@language`, `@direction`, `@propagate` and `@version` in a
//! context. Features no credential context uses (`@import`, `@base`,
//! `@reverse`, `@nest`, index, id and type maps) are refused with
//! [`LdError::Unsupported`] rather than half done.
//!
//! Processing a context is the expensive part of JSON-LD, and exports reuse
//! a handful of them: each distinct result is computed once per run and
//! shared ([`ActiveContext::scoped`] memoizes the scoped contexts applied on
//! top of a context; [`super::Processor`] the top-level ones).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::json::{Json, Members};
use super::{LdError, Loader};
use crate::limits::JsonLdBudget;

/// A term's container mapping, as flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Container {
    /// `@set`.
    pub set: bool,
    /// `@list`: the values form an ordered list.
    pub list: bool,
    /// `@graph`: each value is a named graph.
    pub graph: bool,
    /// `@language`: the value is a language map.
    pub language: bool,
}

/// A term definition (§4.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct TermDef {
    /// The IRI mapping; `None` when the term is explicitly mapped to null.
    pub iri: Option<String>,
    /// The term may prefix a compact IRI (`@prefix`, or §4.2.2's rule for
    /// simple terms).
    pub prefix: bool,
    /// `@protected`: only a property-scoped context may redefine it.
    pub protected: bool,
    /// `@id`, `@vocab`, `@json`, `@none` or a datatype IRI.
    pub type_mapping: Option<String>,
    /// The container mapping.
    pub container: Container,
    /// `Some(None)`: the term resets the language to none.
    pub language: Option<Option<String>>,
    /// `ltr` or `rtl`; `Some(None)`: the term resets the direction to none.
    pub direction: Option<Option<String>>,
    /// The scoped context, applied lazily when the term is used.
    pub context: Option<Arc<Json<'static>>>,
}

/// Term definitions by term. The keys come from contexts (built in or given
/// by the user), never from records, so a fast unkeyed hash is safe here:
/// records only look terms up.
pub type TermMap = HashMap<String, TermDef, BuildHasherDefault<TermHasher>>;

/// The multiply-rotate hash of rustc's FxHasher: a few cycles per word,
/// where SipHash costs tens of nanoseconds per term lookup.
#[derive(Default, Clone, Copy)]
pub struct TermHasher(u64);

impl TermHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for TermHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A processed context: term definitions and defaults.
#[derive(Debug, Default)]
pub struct ActiveContext {
    /// Term definitions by term.
    pub terms: TermMap,
    /// `@vocab`: prepended to a term no definition maps.
    pub vocab: Option<String>,
    /// The default language (`@language`), lower-cased.
    pub language: Option<String>,
    /// The default base direction (`@direction`): `ltr` or `rtl`.
    pub direction: Option<String>,
    /// Set when a type-scoped context was applied: the context to return to
    /// for nested nodes (§4.1.2 step 3, `@propagate`).
    pub previous: Option<Arc<ActiveContext>>,
    /// Remote contexts this one was built from, with their SHA-256.
    pub sources: Vec<(String, String)>,
    /// Contexts derived from this one by applying a scoped context, keyed
    /// by the scoped context's identity and how it was applied.
    memo: Mutex<HashMap<(usize, bool, bool), Memo>>,
    /// Contexts derived from this one by an embedded `@context` (a node's
    /// own), keyed by its JCS form.
    embedded: Mutex<HashMap<Vec<u8>, Arc<ActiveContext>>>,
    /// Held by a run-wide cache: only such contexts memoize what is derived
    /// from them (a per-record context would otherwise keep its derived
    /// contexts, which point back at it, alive for ever).
    pub(crate) cached: AtomicBool,
    /// Context units of [`JsonLdBudget`] its making cost: a record that takes it
    /// from a cache is charged the same, so verdicts do not depend on
    /// which record made it first.
    pub(crate) cost: usize,
}

/// A memoized scoped context, with the scoped context itself held so that
/// its address (the key) cannot be reused while the entry lives.
#[derive(Debug)]
struct Memo {
    _scoped: Arc<Json<'static>>,
    result: Arc<ActiveContext>,
}

impl Clone for ActiveContext {
    fn clone(&self) -> Self {
        ActiveContext {
            terms: self.terms.clone(),
            vocab: self.vocab.clone(),
            language: self.language.clone(),
            direction: self.direction.clone(),
            previous: self.previous.clone(),
            sources: self.sources.clone(),
            memo: Mutex::new(HashMap::new()),
            embedded: Mutex::new(HashMap::new()),
            cached: AtomicBool::new(false),
            cost: self.cost,
        }
    }
}

/// Remote contexts may name other remote contexts; this bounds the chain.
const MAX_REMOTE_DEPTH: usize = crate::limits::REMOTE_CONTEXT_DEPTH;

const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@default",
    "@direction",
    "@embed",
    "@explicit",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@omitDefault",
    "@prefix",
    "@preserve",
    "@propagate",
    "@protected",
    "@requireAll",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

/// Whether `s` is a JSON-LD 1.1 keyword, framing keywords included.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// `@` followed by letters only: reserved for future keywords, ignored.
pub fn looks_like_keyword(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// An IRI with a scheme (RFC 3987 §2.2: `ALPHA *( ALPHA / DIGIT / "+" /
/// "-" / "." ) ":"`).
pub fn is_absolute_iri(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return false;
    };
    let scheme = &bytes[..colon];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !bytes[colon..].iter().any(|&b| NOT_IN_IRI[usize::from(b)])
}

/// Characters that make a value not an IRI for JSON-LD: whitespace, as
/// jsonld.js checks (`[^\s]*`), and the controls, `<`, `>` and `"`, which
/// would break the N-Quads line the IRI is written into.
const NOT_IN_IRI: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i <= 0x20 {
        table[i] = true;
        i += 1;
    }
    let others = b"<>\"";
    let mut j = 0;
    while j < others.len() {
        table[others[j] as usize] = true;
        j += 1;
    }
    table
};

/// The byte position of the first `:` after the first character (a
/// compact IRI's prefix must not be empty). The colon is ASCII, so the
/// position is always a character boundary.
fn colon_after_first(s: &str) -> Option<usize> {
    s.bytes().skip(1).position(|b| b == b':').map(|c| c + 1)
}

/// Terms of one context object being defined (§4.2.2's `local context` and
/// `defined` map), with the members hashed so that a context of n terms
/// costs O(n), not O(n²), to look terms up in.
struct Defining<'l> {
    local: HashMap<&'l str, &'l Json<'l>>,
    defined: HashMap<&'l str, bool>,
    /// Definitions in progress: one term's IRI can name another's, and a
    /// long enough chain would exhaust the stack.
    depth: usize,
}

/// Longest chain of terms whose definitions depend on each other.
const MAX_DEFINITION_DEPTH: usize = crate::limits::TERM_DEFINITION_DEPTH;

/// Contexts one context array may name: credentials use a handful.
const MAX_CONTEXTS_PER_ARRAY: usize = crate::limits::CONTEXTS_PER_ARRAY;

/// How [`ActiveContext::process`] was reached.
#[derive(Clone, Copy)]
pub struct Options {
    /// A property-scoped context may redefine protected terms.
    pub override_protected: bool,
    /// False for type-scoped contexts: nested nodes revert to the previous
    /// context.
    pub propagate: bool,
}

impl Options {
    /// A top-level context: protected terms stay protected, and nested
    /// nodes keep the context.
    pub const DEFAULT: Options = Options {
        override_protected: false,
        propagate: true,
    };

    /// A term's own context, applied to its values (§4.1.2 called from
    /// expansion step 8): may redefine protected terms.
    pub const PROPERTY_SCOPED: Options = Options {
        override_protected: true,
        propagate: true,
    };

    /// A type's context, applied to the nodes of that type only.
    pub const TYPE_SCOPED: Options = Options {
        override_protected: false,
        propagate: false,
    };
}

impl ActiveContext {
    /// §4.1.2: `local` applied on top of `self`.
    pub fn process(
        self: &Arc<Self>,
        loader: &Loader,
        budget: &JsonLdBudget,
        local: &Json<'_>,
        options: Options,
        remote_depth: usize,
    ) -> Result<Arc<ActiveContext>, LdError> {
        let start = budget.context.used();
        // The copy below costs a unit per term.
        budget.context.charge(1 + self.terms.len())?;
        let mut result: ActiveContext = (**self).clone();
        let mut propagate = options.propagate;
        if let Json::Object(_) = local
            && let Some(p) = local.get("@propagate")
        {
            match p {
                Json::Bool(b) => propagate = *b,
                _ => return Err(LdError::Invalid("invalid @propagate value")),
            }
        }
        if !propagate && result.previous.is_none() {
            result.previous = Some(self.clone());
        }
        if local.one_or_many().len() > MAX_CONTEXTS_PER_ARRAY {
            return Err(LdError::Invalid("too many contexts"));
        }
        for context in local.one_or_many() {
            match context {
                Json::Null => {
                    if !options.override_protected && result.terms.values().any(|t| t.protected) {
                        return Err(LdError::Invalid("invalid context nullification"));
                    }
                    let previous = result.previous.take();
                    result = ActiveContext {
                        previous: if propagate { None } else { previous },
                        sources: result.sources,
                        ..ActiveContext::default()
                    };
                }
                Json::String(url) => {
                    if remote_depth >= MAX_REMOTE_DEPTH {
                        return Err(LdError::Invalid("context overflow"));
                    }
                    let remote = loader.load(url)?;
                    if !result.sources.iter().any(|(u, _)| u == url) {
                        result
                            .sources
                            .push((url.to_string(), remote.sha256.clone()));
                    }
                    let Some(inner) = remote.document.get("@context") else {
                        return Err(LdError::Invalid("invalid remote context"));
                    };
                    let base = Arc::new(result);
                    let processed = base.process(
                        loader,
                        budget,
                        inner,
                        Options {
                            override_protected: options.override_protected,
                            propagate: true,
                        },
                        remote_depth + 1,
                    )?;
                    result = Arc::try_unwrap(processed).unwrap_or_else(|shared| (*shared).clone());
                }
                Json::Object(members) => {
                    result.apply_definitions(loader, budget, members, options)?;
                }
                _ => return Err(LdError::Invalid("invalid local context")),
            }
        }
        result.cost = budget.context.used() - start;
        Ok(Arc::new(result))
    }

    /// Steps 5.5 to 5.13 of §4.1.2 for one context object.
    fn apply_definitions(
        &mut self,
        loader: &Loader,
        budget: &JsonLdBudget,
        members: &Members<'_>,
        options: Options,
    ) -> Result<(), LdError> {
        // A term definition costs about four times what copying one does.
        budget.context.charge(4 * members.len())?;
        let mut protected = false;
        for (key, value) in members {
            match &**key {
                "@version" if *value != Json::Number(1.1) => {
                    return Err(LdError::Invalid("invalid @version value"));
                }
                "@import" => return Err(LdError::Unsupported("@import")),
                "@base" => return Err(LdError::Unsupported("@base")),
                "@vocab" => {
                    self.vocab = match value {
                        Json::Null => None,
                        Json::String(v) => {
                            let iri = self
                                .expand_iri(v, true, true)
                                .ok_or(LdError::Invalid("invalid vocab mapping"))?
                                .into_owned();
                            if !(is_absolute_iri(&iri) || iri.starts_with("_:")) {
                                return Err(LdError::Invalid("invalid vocab mapping"));
                            }
                            Some(iri)
                        }
                        _ => return Err(LdError::Invalid("invalid vocab mapping")),
                    }
                }
                "@language" => {
                    self.language = match value {
                        Json::Null => None,
                        Json::String(l) => Some(l.to_lowercase()),
                        _ => return Err(LdError::Invalid("invalid default language")),
                    }
                }
                "@direction" => {
                    self.direction = match value {
                        Json::Null => None,
                        Json::String(d) if d == "ltr" || d == "rtl" => Some(d.to_string()),
                        _ => return Err(LdError::Invalid("invalid base direction")),
                    }
                }
                "@propagate" => {}
                "@protected" => match value {
                    Json::Bool(b) => protected = *b,
                    _ => return Err(LdError::Invalid("invalid @protected value")),
                },
                _ => {}
            }
        }
        let mut st = Defining {
            local: members.iter().map(|(k, v)| (&**k, v)).collect(),
            defined: HashMap::new(),
            depth: 0,
        };
        for (key, _) in members {
            if !matches!(
                &**key,
                "@version"
                    | "@import"
                    | "@base"
                    | "@vocab"
                    | "@language"
                    | "@direction"
                    | "@propagate"
                    | "@protected"
            ) {
                self.define(loader, &mut st, key, protected, options)?;
            }
        }
        Ok(())
    }

    /// §4.2.2 Create Term Definition.
    fn define<'l>(
        &mut self,
        loader: &Loader,
        st: &mut Defining<'l>,
        term: &'l str,
        default_protected: bool,
        options: Options,
    ) -> Result<(), LdError> {
        match st.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(LdError::Invalid("cyclic IRI mapping")),
            None => {}
        }
        if term.is_empty() {
            return Err(LdError::Invalid("invalid term definition"));
        }
        if st.depth >= MAX_DEFINITION_DEPTH {
            return Err(LdError::Invalid("term definitions nested too deep"));
        }
        st.depth += 1;
        let result = self.define_term(loader, st, term, default_protected, options);
        st.depth -= 1;
        result
    }

    fn define_term<'l>(
        &mut self,
        loader: &Loader,
        st: &mut Defining<'l>,
        term: &'l str,
        default_protected: bool,
        options: Options,
    ) -> Result<(), LdError> {
        st.defined.insert(term, false);
        let Some(value) = st.local.get(term).copied() else {
            return Err(LdError::Invalid("invalid term definition"));
        };
        if term == "@type" {
            // JSON-LD 1.1 allows `@type` a container of `@set` and
            // protection, nothing else.
            let ok = matches!(value, Json::Object(m) if !m.is_empty() && m.iter().all(|(k, v)| match &**k {
                "@container" => *v == Json::String("@set".into()),
                "@protected" => matches!(v, Json::Bool(_)),
                _ => false,
            }));
            if !ok {
                return Err(LdError::Invalid("keyword redefinition"));
            }
        } else if is_keyword(term) {
            return Err(LdError::Invalid("keyword redefinition"));
        } else if looks_like_keyword(term) {
            st.defined.insert(term, true);
            return Ok(());
        }
        let previous = self.terms.remove(term);
        let (simple, map): (bool, Option<&Members<'_>>) = match value {
            Json::Null => (false, None),
            Json::String(_) => (true, None),
            Json::Object(m) => (false, Some(m)),
            _ => return Err(LdError::Invalid("invalid term definition")),
        };
        let entry = |name: &str| -> Option<&Json> {
            match (value, map) {
                (Json::String(_), _) if name == "@id" => Some(value),
                (_, Some(m)) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
                _ => None,
            }
        };
        let mut def = TermDef {
            iri: None,
            prefix: false,
            protected: default_protected,
            type_mapping: None,
            container: Container::default(),
            language: None,
            direction: None,
            context: None,
        };
        if let Some(m) = map {
            for (k, _) in m {
                if !matches!(
                    &**k,
                    "@id"
                        | "@reverse"
                        | "@container"
                        | "@context"
                        | "@direction"
                        | "@index"
                        | "@language"
                        | "@nest"
                        | "@prefix"
                        | "@protected"
                        | "@type"
                ) {
                    return Err(LdError::Invalid("invalid term definition"));
                }
            }
        }
        if let Some(p) = entry("@protected") {
            def.protected = match p {
                Json::Bool(b) => *b,
                _ => return Err(LdError::Invalid("invalid @protected value")),
            };
        }
        if let Some(t) = entry("@type") {
            let Json::String(t) = t else {
                return Err(LdError::Invalid("invalid type mapping"));
            };
            let iri = self
                .expand_iri_defining(loader, st, t, options)?
                .ok_or(LdError::Invalid("invalid type mapping"))?;
            if !(matches!(iri.as_str(), "@id" | "@json" | "@none" | "@vocab")
                || is_absolute_iri(&iri))
            {
                return Err(LdError::Invalid("invalid type mapping"));
            }
            def.type_mapping = Some(iri);
        }
        if entry("@reverse").is_some() {
            return Err(LdError::Unsupported("@reverse"));
        }
        if entry("@nest").is_some() {
            return Err(LdError::Unsupported("@nest"));
        }
        match entry("@id") {
            Some(Json::Null) => {}
            Some(Json::String(id)) if id != term => {
                if looks_like_keyword(id) && !is_keyword(id) {
                    // Reserved: the term is ignored.
                    st.defined.insert(term, true);
                    return Ok(());
                }
                let iri = self
                    .expand_iri_defining(loader, st, id, options)?
                    .ok_or(LdError::Invalid("invalid IRI mapping"))?;
                if !(is_keyword(&iri) || is_absolute_iri(&iri) || iri.starts_with("_:")) {
                    return Err(LdError::Invalid("invalid IRI mapping"));
                }
                if iri == "@context" {
                    return Err(LdError::Invalid("invalid keyword alias"));
                }
                // A colon other than first or last, or a slash (§4.2.2
                // step 14.2.3).
                let inner = term
                    .char_indices()
                    .skip(1)
                    .any(|(i, c)| c == ':' && i + 1 < term.len());
                if inner || term.contains('/') {
                    st.defined.insert(term, true);
                    let again = self.expand_iri_defining(loader, st, term, options)?;
                    if again.as_deref() != Some(iri.as_str()) {
                        return Err(LdError::Invalid("invalid IRI mapping"));
                    }
                }
                if !term.contains([':', '/'])
                    && simple
                    && (iri.ends_with([':', '/', '?', '#', '[', ']', '@']) || iri.starts_with("_:"))
                {
                    def.prefix = true;
                }
                def.iri = Some(iri);
            }
            // `"term": null` maps the term to null (§4.2.2 step 7).
            None if matches!(value, Json::Null) => {}
            Some(Json::String(_)) | None => {
                def.iri = Some(self.implicit_iri(loader, st, term, options)?);
            }
            Some(_) => return Err(LdError::Invalid("invalid IRI mapping")),
        }
        if let Some(c) = entry("@container") {
            for item in c.one_or_many() {
                match item.as_str() {
                    Some("@set") => def.container.set = true,
                    Some("@list") => def.container.list = true,
                    Some("@graph") => def.container.graph = true,
                    Some("@language") => def.container.language = true,
                    Some("@index" | "@id" | "@type") => {
                        return Err(LdError::Unsupported("index, id and type maps"));
                    }
                    _ => return Err(LdError::Invalid("invalid container mapping")),
                }
            }
            if def.container.list && (def.container.set || def.container.graph) {
                return Err(LdError::Invalid("invalid container mapping"));
            }
        }
        if let Some(ctx) = entry("@context") {
            def.context = Some(Arc::new(ctx.clone().into_static()));
        }
        if def.type_mapping.is_none() {
            if let Some(l) = entry("@language") {
                def.language = Some(match l {
                    Json::Null => None,
                    Json::String(s) => Some(s.to_lowercase()),
                    _ => return Err(LdError::Invalid("invalid language mapping")),
                });
            }
            if let Some(d) = entry("@direction") {
                def.direction = Some(match d {
                    Json::Null => None,
                    Json::String(s) if s == "ltr" || s == "rtl" => Some(s.to_string()),
                    _ => return Err(LdError::Invalid("invalid base direction")),
                });
            }
        }
        if let Some(p) = entry("@prefix") {
            if term.contains([':', '/']) {
                return Err(LdError::Invalid("invalid term definition"));
            }
            def.prefix = match p {
                Json::Bool(b) => *b,
                _ => return Err(LdError::Invalid("invalid @prefix value")),
            };
        }
        if let Some(prev) = previous
            && !options.override_protected
            && prev.protected
        {
            let same = TermDef {
                protected: prev.protected,
                ..def.clone()
            } == prev;
            if !same {
                return Err(LdError::Invalid("protected term redefinition"));
            }
            def = prev;
        }
        self.terms.insert(term.to_owned(), def);
        st.defined.insert(term, true);
        Ok(())
    }

    /// A term's IRI when its definition gives no `@id` (§4.2.2 steps 15-18).
    fn implicit_iri<'l>(
        &mut self,
        loader: &Loader,
        st: &mut Defining<'l>,
        term: &'l str,
        options: Options,
    ) -> Result<String, LdError> {
        if let Some(colon) = colon_after_first(term) {
            let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
            if st.local.contains_key(prefix) {
                self.define(loader, st, prefix, false, options)?;
            }
            if let Some(TermDef { iri: Some(p), .. }) = self.terms.get(prefix) {
                return Ok(format!("{p}{suffix}"));
            }
            return Ok(term.to_owned());
        }
        if term.contains('/') {
            let iri = self
                .expand_iri(term, false, true)
                .ok_or(LdError::Invalid("invalid IRI mapping"))?
                .into_owned();
            if !is_absolute_iri(&iri) {
                return Err(LdError::Invalid("invalid IRI mapping"));
            }
            return Ok(iri);
        }
        if term == "@type" {
            return Ok("@type".to_owned());
        }
        match &self.vocab {
            Some(v) => Ok(format!("{v}{term}")),
            None => Err(LdError::Invalid("invalid IRI mapping")),
        }
    }

    /// IRI expansion while a local context is being processed: terms it
    /// defines are defined first (§5.2.2 steps 4 and 6.3).
    fn expand_iri_defining<'l>(
        &mut self,
        loader: &Loader,
        st: &mut Defining<'l>,
        value: &'l str,
        options: Options,
    ) -> Result<Option<String>, LdError> {
        if is_keyword(value) {
            return Ok(Some(value.to_owned()));
        }
        if st.local.contains_key(value) && st.defined.get(value) != Some(&true) {
            self.define(loader, st, value, false, options)?;
        }
        if let Some(colon) = colon_after_first(value) {
            let prefix = &value[..colon];
            if st.local.contains_key(prefix) && st.defined.get(prefix) != Some(&true) {
                self.define(loader, st, prefix, false, options)?;
            }
        }
        Ok(self.expand_iri(value, false, true).map(Cow::into_owned))
    }

    /// §5.2.2 IRI Expansion with a processed context. `None` when the value
    /// maps to null or is a reserved keyword-like string.
    pub fn expand_iri<'a>(
        &'a self,
        value: &'a str,
        document_relative: bool,
        vocab: bool,
    ) -> Option<Cow<'a, str>> {
        let _ = document_relative; // No base IRI: relative IRIs stay relative.
        if value.starts_with('@') {
            if is_keyword(value) {
                return Some(Cow::Borrowed(value));
            }
            if looks_like_keyword(value) {
                return None;
            }
        }
        if vocab && let Some(def) = self.terms.get(value) {
            return def.iri.as_deref().map(Cow::Borrowed);
        }
        if let Some(colon) = colon_after_first(value) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Some(Cow::Borrowed(value));
            }
            if let Some(TermDef {
                iri: Some(p),
                prefix: true,
                ..
            }) = self.terms.get(prefix)
            {
                return Some(Cow::Owned(format!("{p}{suffix}")));
            }
            if is_absolute_iri(value) {
                return Some(Cow::Borrowed(value));
            }
        }
        if vocab && let Some(v) = &self.vocab {
            return Some(Cow::Owned(format!("{v}{value}")));
        }
        Some(Cow::Borrowed(value))
    }

    /// A node's embedded `@context` applied on top of this context,
    /// computed once per run for each (context, embedded context) while the
    /// cache budget lasts.
    pub fn embedded(
        self: &Arc<Self>,
        loader: &Loader,
        budget: &JsonLdBudget,
        local: &Json<'_>,
    ) -> Result<Arc<ActiveContext>, LdError> {
        /// Longest embedded context kept as a key.
        const KEY_BYTES: usize = 4096;
        if !self.cached.load(Ordering::Relaxed) {
            return self.process(loader, budget, local, Options::DEFAULT, 0);
        }
        let mut key = Vec::new();
        local.write_jcs(&mut key);
        if let Some(hit) = self.embedded.lock().ok().and_then(|m| m.get(&key).cloned()) {
            budget.context.charge(hit.cost)?;
            return Ok(hit);
        }
        let processed = self.process(loader, budget, local, Options::DEFAULT, 0)?;
        if key.len() <= KEY_BYTES
            && let Ok(mut memo) = self.embedded.lock()
            && loader.may_cache()
        {
            processed.cached.store(true, Ordering::Relaxed);
            memo.insert(key, processed.clone());
        }
        Ok(processed)
    }

    /// `scoped` applied on top of this context, computed once per run for
    /// each (context, scoped context, options).
    pub fn scoped(
        self: &Arc<Self>,
        loader: &Loader,
        budget: &JsonLdBudget,
        scoped: &Arc<Json<'static>>,
        options: Options,
    ) -> Result<Arc<ActiveContext>, LdError> {
        let key = (
            Arc::as_ptr(scoped) as usize,
            options.override_protected,
            options.propagate,
        );
        if let Some(hit) = self
            .memo
            .lock()
            .ok()
            .and_then(|m| m.get(&key).map(|e| e.result.clone()))
        {
            budget.context.charge(hit.cost)?;
            return Ok(hit);
        }
        let processed = self.process(loader, budget, scoped, options, 0)?;
        if !self.cached.load(Ordering::Relaxed) {
            return Ok(processed);
        }
        if let Ok(mut memo) = self.memo.lock()
            && loader.may_cache()
        {
            processed.cached.store(true, Ordering::Relaxed);
            memo.insert(
                key,
                Memo {
                    _scoped: scoped.clone(),
                    result: processed.clone(),
                },
            );
        }
        Ok(processed)
    }
}
