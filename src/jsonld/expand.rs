//! Expansion (JSON-LD 1.1 Processing Algorithms §5.1 and §5.3.2) and
//! deserialization to RDF (§8.1 with §8.5 Object to RDF and §8.6 List
//! to RDF).
//!
//! Expansion produces [`Item`]s rather than expanded JSON, and RDF is
//! written straight from them: flattening into a node map (§7.2) only
//! merges what quads merge anyway, and blank node labels are replaced by
//! canonicalization, so quads are emitted in one walk with fresh labels.
//!
//! Data Integrity requires that nothing is silently lost on the way to
//! RDF (VC Data Integrity §4.3, "safe mode" in jsonld.js): every place
//! where JSON-LD would drop data (a term the context does not define, a
//! relative IRI, a free-floating value, a `null` `@value`, a malformed
//! language tag, a base direction with no RDF form) is
//! [`LdError::DataLoss`] here.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use super::context::{ActiveContext, Options, is_absolute_iri, is_keyword};
use super::json::{Json, Members};
use super::{LdError, Loader};
use crate::limits::JsonLdBudget;
use crate::rdf::dataset::{Dataset, Slot};

pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
pub(crate) const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
pub(crate) const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
pub(crate) const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// An expanded value.
#[derive(Debug)]
pub enum Item<'j> {
    /// A node object or graph object.
    Node(Node<'j>),
    /// A value object.
    Value(Literal<'j>),
    /// A list object's items, in order.
    List(Vec<Item<'j>>),
}

/// An expanded node object (or graph object, when `graph` is set).
#[derive(Debug, Default)]
pub struct Node<'j> {
    /// `@id`, expanded (an IRI or a blank node identifier); None for a
    /// node that gets a fresh blank node.
    pub id: Option<String>,
    /// `@type`, expanded.
    pub types: Vec<String>,
    /// Properties, as expanded IRIs, with their values.
    pub props: Vec<(String, Vec<Item<'j>>)>,
    /// `@graph`: the items of the named graph the node stands for.
    pub graph: Option<Vec<Item<'j>>>,
    /// Where `id` came from, kept only when expansion is recorded for a
    /// shape program ([`expand_recorded`]).
    pub id_from: Option<IdFrom<'j>>,
}

/// The source of a node's `@id`: a string of the document, expanded under
/// `context` (as a vocabulary-relative IRI when `vocab`). A shape program
/// expands the same string of each later record the same way.
#[derive(Debug)]
pub struct IdFrom<'j> {
    /// The string, in the document.
    pub json: &'j Json<'j>,
    /// The active context it was expanded under.
    pub context: Arc<ActiveContext>,
    /// Vocabulary-relative (a term with `"@type": "@vocab"`).
    pub vocab: bool,
}

/// An expanded value object.
#[derive(Debug)]
pub struct Literal<'j> {
    /// Borrowed from the document being expanded.
    pub value: &'j Json<'j>,
    /// `@type`: a datatype IRI, or `@json` for a JSON literal.
    pub datatype: Option<String>,
    /// `@language`.
    pub language: Option<String>,
    /// `@direction`; data loss when converted to RDF.
    pub direction: Option<String>,
}

/// Expands `document` with `active` as its initial context and returns
/// its quads as a compact dataset.
pub fn to_rdf(
    loader: &Loader,
    active: &Arc<ActiveContext>,
    document: &Json<'_>,
    budget: &JsonLdBudget,
) -> Result<Dataset, LdError> {
    emit(&expand(loader, active, document, budget)?)
}

/// JSON-LD expansion alone (§5.1): the document's top-level items.
pub fn expand<'j>(
    loader: &Loader,
    active: &Arc<ActiveContext>,
    document: &'j Json<'j>,
    budget: &JsonLdBudget,
) -> Result<Vec<Item<'j>>, LdError> {
    let expander = Expander {
        loader,
        budget,
        record: false,
        refused: Cell::new(None),
    };
    expander.top(active, document)
}

/// Expansion that also notes where each node's `@id` came from
/// ([`Node::id_from`]), for compiling a shape program. Besides the items,
/// it says why no program may be compiled from them, if anything read a
/// value a shape does not capture (an embedded `@context`, a keyword
/// member under an alias the shape does not name).
pub fn expand_recorded<'j>(
    loader: &Loader,
    active: &Arc<ActiveContext>,
    document: &'j Json<'j>,
    budget: &JsonLdBudget,
) -> Result<(Vec<Item<'j>>, Option<&'static str>), LdError> {
    let expander = Expander {
        loader,
        budget,
        record: true,
        refused: Cell::new(None),
    };
    let items = expander.top(active, document)?;
    Ok((items, expander.refused.get()))
}

impl Expander<'_> {
    fn top<'j>(
        &self,
        active: &Arc<ActiveContext>,
        document: &'j Json<'j>,
    ) -> Result<Vec<Item<'j>>, LdError> {
        let mut items = self.element(active, None, document, false)?;
        // §5.1.1 step 19: a lone graph object without other members is its
        // graph's contents.
        if let [Item::Node(node)] = items.as_mut_slice()
            && node.id.is_none()
            && node.types.is_empty()
            && node.props.is_empty()
            && let Some(graph) = node.graph.take()
        {
            items = graph;
        }
        Ok(items)
    }

    /// Notes (when recording) why the expansion cannot become a program.
    fn refuse(&self, why: &'static str) {
        if self.record && self.refused.get().is_none() {
            self.refused.set(Some(why));
        }
    }
}

/// Deserialization to RDF (§8.1) of expanded items.
pub fn emit(items: &[Item<'_>]) -> Result<Dataset, LdError> {
    emit_into(items, Dataset::default())
}

/// As [`emit`], into `ds` (a shape program's dataset, its constant terms
/// already written).
pub fn emit_into(items: &[Item<'_>], ds: Dataset) -> Result<Dataset, LdError> {
    let mut emitter = Emitter { ds };
    for item in items {
        match item {
            Item::Node(n) => {
                emitter.node(n, Slot::Default)?;
            }
            _ => return Err(LdError::DataLoss("free-floating value")),
        }
    }
    Ok(emitter.ds)
}

struct Expander<'l> {
    loader: &'l Loader,
    /// The record's JSON-LD budget: one unit per element and member.
    budget: &'l JsonLdBudget,
    /// Note where ids come from, and what a shape program cannot replay.
    record: bool,
    refused: Cell<Option<&'static str>>,
}

impl Expander<'_> {
    /// §5.1.2 for any element; an empty result stands for null.
    fn element<'j>(
        &self,
        active: &Arc<ActiveContext>,
        property: Option<&str>,
        element: &'j Json<'j>,
        from_map: bool,
    ) -> Result<Vec<Item<'j>>, LdError> {
        self.budget.expansion.charge(1)?;
        let definition = property.and_then(|p| active.terms.get(p));
        match element {
            Json::Null => Ok(Vec::new()),
            Json::Array(items) => {
                let list = definition.is_some_and(|d| d.container.list);
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let expanded = self.element(active, property, item, from_map)?;
                    if list && matches!(item, Json::Array(_)) {
                        out.push(Item::List(expanded));
                    } else {
                        out.extend(expanded);
                    }
                }
                Ok(out)
            }
            Json::Object(members) => self.object(active, property, members, from_map),
            scalar => {
                if matches!(property, None | Some("@graph")) {
                    return Err(LdError::DataLoss("free-floating scalar"));
                }
                let holder;
                let active = match definition.and_then(|d| d.context.as_ref()) {
                    Some(s) => {
                        holder =
                            active.scoped(self.loader, self.budget, s, Options::PROPERTY_SCOPED)?;
                        &holder
                    }
                    None => active,
                };
                Ok(vec![value(active, property, scalar, self.record)?])
            }
        }
    }

    fn object<'j>(
        &self,
        outer: &Arc<ActiveContext>,
        property: Option<&str>,
        members: &'j Members<'j>,
        from_map: bool,
    ) -> Result<Vec<Item<'j>>, LdError> {
        // A node object costs four units in all: it becomes a node with
        // its own maps, several times the memory of a value.
        self.budget.expansion.charge(3)?;
        // Contexts are borrowed where they can be: an Arc shared by every
        // worker costs an atomic read-modify-write per clone, and records
        // have dozens of nodes.
        let scoped = property
            .and_then(|p| outer.terms.get(p))
            .and_then(|d| d.context.as_ref());
        // Step 7: type-scoped contexts do not reach nested nodes.
        let mut base = outer;
        if let Some(previous) = &outer.previous
            && !from_map
        {
            let expands_to =
                |k: &str, kw: &str| outer.expand_iri(k, false, true).as_deref() == Some(kw);
            let has_value = members.iter().any(|(k, _)| expands_to(k, "@value"));
            let only_id = members.len() == 1 && expands_to(&members[0].0, "@id");
            if !has_value && !only_id {
                base = previous;
            }
        }
        // Step 8: a property-scoped context.
        let mut changed: Option<Arc<ActiveContext>> = None;
        if let Some(s) = scoped {
            changed = Some(base.scoped(self.loader, self.budget, s, Options::PROPERTY_SCOPED)?);
        }
        // Step 9: an embedded context.
        if let Some((_, local)) = members.iter().find(|(k, _)| k == "@context") {
            self.refuse("an embedded @context");
            let current = changed.as_ref().unwrap_or(base);
            changed = Some(current.embedded(self.loader, self.budget, local)?);
        }
        // Step 11: type-scoped contexts, types in lexicographic order.
        let type_scoped: &Arc<ActiveContext> = changed.as_ref().unwrap_or(base);
        let mut typed: Option<Arc<ActiveContext>> = None;
        let mut type_keys: Vec<&(Cow<'j, str>, Json<'j>)> = members
            .iter()
            .filter(|(k, _)| type_scoped.expand_iri(k, false, true).as_deref() == Some("@type"))
            .collect();
        type_keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, types) in type_keys {
            let mut terms: Vec<&str> = types
                .one_or_many()
                .iter()
                .filter_map(Json::as_str)
                .collect();
            terms.sort_unstable();
            for term in terms {
                if let Some(ctx) = type_scoped.terms.get(term).and_then(|d| d.context.as_ref()) {
                    let current = typed.as_ref().unwrap_or(type_scoped);
                    typed = Some(current.scoped(
                        self.loader,
                        self.budget,
                        ctx,
                        Options::TYPE_SCOPED,
                    )?);
                }
            }
        }
        let active: &Arc<ActiveContext> = typed.as_ref().unwrap_or(type_scoped);

        let mut node = Node::default();
        let mut value_member: Option<&Json> = None;
        let mut language: Option<String> = None;
        let mut direction: Option<String> = None;
        let mut list: Option<Vec<Item>> = None;
        let mut set: Option<Vec<Item>> = None;
        let mut seen_keywords: Vec<String> = Vec::new();
        for (key, value) in members {
            if key == "@context" {
                continue;
            }
            let expanded = match active.expand_iri(key, false, true) {
                Some(e) if is_keyword(&e) || e.contains(':') => e,
                _ => return Err(LdError::DataLoss("undefined term")),
            };
            if !is_keyword(&expanded) {
                self.property(active, key, expanded.into_owned(), value, &mut node)?;
                continue;
            }
            // JSON-LD 1.1 merges `@type` given under two aliases (§5.1.2
            // step 13.4.2); any other keyword twice is an error.
            if expanded != "@type" && seen_keywords.iter().any(|k| *k == *expanded) {
                return Err(LdError::Invalid("colliding keywords"));
            }
            seen_keywords.push(expanded.to_string());
            // A shape keeps the values of `type`, `@type`, `@language` and
            // `@direction` members only: a keyword whose value steers
            // expansion under another name cannot be replayed.
            if matches!(&*expanded, "@type" | "@language" | "@direction")
                && !matches!(&**key, "type" | "@type" | "@language" | "@direction")
            {
                self.refuse("a keyword under an alias a shape does not name");
            }
            match &*expanded {
                "@id" => {
                    let Json::String(id) = value else {
                        return Err(LdError::Invalid("invalid @id value"));
                    };
                    node.id = Some(
                        active
                            .expand_iri(id, true, false)
                            .ok_or(LdError::DataLoss("reserved @id value"))?
                            .into_owned(),
                    );
                    if self.record {
                        node.id_from = Some(IdFrom {
                            json: value,
                            context: active.clone(),
                            vocab: false,
                        });
                    }
                }
                "@type" => {
                    for t in value.one_or_many() {
                        let Json::String(t) = t else {
                            return Err(LdError::Invalid("invalid type value"));
                        };
                        node.types.push(
                            type_scoped
                                .expand_iri(t, true, true)
                                .ok_or(LdError::DataLoss("reserved @type value"))?
                                .into_owned(),
                        );
                    }
                }
                "@graph" => {
                    node.graph = Some(self.element(active, Some("@graph"), value, false)?);
                }
                "@value" => value_member = Some(value),
                "@language" => match value {
                    // Language tags are case-insensitive; jsonld.js and
                    // pyld write them in lower case, so signers did too.
                    Json::String(l) => language = Some(l.to_lowercase()),
                    _ => return Err(LdError::Invalid("invalid language-tagged string")),
                },
                "@direction" => match value {
                    Json::String(d) if d == "ltr" || d == "rtl" => direction = Some(d.to_string()),
                    _ => return Err(LdError::Invalid("invalid base direction")),
                },
                "@index" => {
                    if !matches!(value, Json::String(_)) {
                        return Err(LdError::Invalid("invalid @index value"));
                    }
                }
                "@list" => {
                    if matches!(property, None | Some("@graph")) {
                        return Err(LdError::DataLoss("free-floating list"));
                    }
                    list = Some(self.element(active, property, value, false)?);
                }
                "@set" => set = Some(self.element(active, property, value, false)?),
                "@reverse" => return Err(LdError::Unsupported("@reverse")),
                "@nest" => return Err(LdError::Unsupported("@nest")),
                "@included" => return Err(LdError::Unsupported("@included")),
                _ => return Err(LdError::Invalid("invalid keyword in a node object")),
            }
        }

        if let Some(v) = value_member {
            let extra = node.id.is_some()
                || !node.props.is_empty()
                || node.graph.is_some()
                || list.is_some()
                || set.is_some();
            if extra || node.types.len() > 1 || (language.is_some() && !node.types.is_empty()) {
                return Err(LdError::Invalid("invalid value object"));
            }
            let datatype = node.types.pop();
            if *v == Json::Null {
                return Err(LdError::DataLoss("null @value"));
            }
            if datatype.as_deref() != Some("@json") {
                if !v.is_scalar() {
                    return Err(LdError::Invalid("invalid value object value"));
                }
                if language.is_some() && !matches!(v, Json::String(_)) {
                    return Err(LdError::Invalid("invalid language-tagged value"));
                }
            }
            return Ok(vec![Item::Value(Literal {
                value: v,
                datatype,
                language,
                direction,
            })]);
        }
        if language.is_some() || direction.is_some() {
            return Err(LdError::DataLoss("object with only @language"));
        }
        if let Some(items) = list {
            if node.id.is_some() || !node.types.is_empty() || !node.props.is_empty() {
                return Err(LdError::Invalid("invalid set or list object"));
            }
            return Ok(vec![Item::List(items)]);
        }
        if let Some(items) = set {
            if node.id.is_some() || !node.types.is_empty() || !node.props.is_empty() {
                return Err(LdError::Invalid("invalid set or list object"));
            }
            return Ok(items);
        }
        if matches!(property, None | Some("@graph"))
            && node.types.is_empty()
            && node.props.is_empty()
            && node.graph.is_none()
        {
            return Err(LdError::DataLoss(if node.id.is_some() {
                "object with only @id"
            } else {
                "empty object"
            }));
        }
        Ok(vec![Item::Node(node)])
    }

    /// Step 13.4 onwards for a member that expands to an IRI.
    fn property<'j>(
        &self,
        active: &Arc<ActiveContext>,
        key: &str,
        expanded: String,
        value: &'j Json<'j>,
        node: &mut Node<'j>,
    ) -> Result<(), LdError> {
        self.budget.expansion.charge(1)?;
        let definition = active.terms.get(key);
        let container = definition.map(|d| d.container).unwrap_or_default();
        let mut items = if definition.and_then(|d| d.type_mapping.as_deref()) == Some("@json") {
            vec![Item::Value(Literal {
                value,
                datatype: Some("@json".into()),
                language: None,
                direction: None,
            })]
        } else if container.language
            && let Json::Object(map) = value
        {
            let mut out = Vec::new();
            for (lang, texts) in map {
                let tag = match active.expand_iri(lang, false, true).as_deref() {
                    Some("@none") => None,
                    _ => Some(lang.to_lowercase()),
                };
                for text in texts.one_or_many() {
                    match text {
                        Json::Null => {}
                        Json::String(_) => out.push(Item::Value(Literal {
                            value: text,
                            datatype: None,
                            language: tag.clone(),
                            direction: None,
                        })),
                        _ => return Err(LdError::Invalid("invalid language map value")),
                    }
                }
            }
            out
        } else {
            self.element(active, Some(key), value, false)?
        };
        let json_literal = definition.and_then(|d| d.type_mapping.as_deref()) == Some("@json");
        if matches!(value, Json::Null) && !json_literal {
            return Ok(());
        }
        // Step 13.9: wrap unless the value was itself a list object (an
        // array holding one list is a list of lists).
        let list_object =
            matches!(value, Json::Object(_)) && matches!(items.as_slice(), [Item::List(_)]);
        if container.list && !list_object {
            items = vec![Item::List(items)];
        }
        if container.graph {
            items = items
                .into_iter()
                .map(|item| {
                    Item::Node(Node {
                        graph: Some(vec![item]),
                        ..Node::default()
                    })
                })
                .collect();
        }
        // Two members may expand to the same property; as quads form a set,
        // their values need no merging.
        node.props.push((expanded, items));
        Ok(())
    }
}

/// §5.3.2 Value Expansion.
fn value<'j>(
    active: &Arc<ActiveContext>,
    property: Option<&str>,
    v: &'j Json<'j>,
    record: bool,
) -> Result<Item<'j>, LdError> {
    let definition = property.and_then(|p| active.terms.get(p));
    let mapping = definition.and_then(|d| d.type_mapping.as_deref());
    if let (Some(kind @ ("@id" | "@vocab")), Json::String(s)) = (mapping, v) {
        let id = active
            .expand_iri(s, true, kind == "@vocab")
            .ok_or(LdError::DataLoss("reserved @id value"))?;
        return Ok(Item::Node(Node {
            id: Some(id.into_owned()),
            id_from: record.then(|| IdFrom {
                json: v,
                context: active.clone(),
                vocab: kind == "@vocab",
            }),
            ..Node::default()
        }));
    }
    let mut literal = Literal {
        value: v,
        datatype: None,
        language: None,
        direction: None,
    };
    match mapping {
        Some("@id" | "@vocab") => {}
        Some(datatype) if datatype != "@none" => literal.datatype = Some(datatype.to_owned()),
        // §5.3.2 step 5: no type mapping, or `@none`: a string takes the
        // term's language, else the default one.
        _ if matches!(v, Json::String(_)) => {
            literal.language = match definition.and_then(|d| d.language.clone()) {
                Some(explicit) => explicit,
                None => active.language.clone(),
            };
            literal.direction = match definition.and_then(|d| d.direction.clone()) {
                Some(explicit) => explicit,
                None => active.direction.clone(),
            };
        }
        _ => {}
    }
    Ok(Item::Value(literal))
}

/// Writes quads for expanded items into a compact dataset.
struct Emitter {
    ds: Dataset,
}

impl Emitter {
    fn reference(&mut self, id: &str, what: &'static str) -> Result<Slot, LdError> {
        reference(&mut self.ds, id, what)
    }

    fn push(&mut self, subject: Slot, predicate: &str, object: Slot, graph: Slot) {
        let predicate = self.ds.iri(predicate);
        self.ds.push(subject, predicate, object, graph);
    }

    /// A node's quads in `graph`; returns its subject.
    fn node(&mut self, node: &Node<'_>, graph: Slot) -> Result<Slot, LdError> {
        let subject = match &node.id {
            Some(id) => self.reference(id, "relative subject reference")?,
            None => self.ds.fresh_blank(),
        };
        for t in &node.types {
            let object = self.reference(t, "relative type reference")?;
            self.push(subject, RDF_TYPE, object, graph);
        }
        for (predicate, items) in &node.props {
            if predicate.starts_with("_:") {
                return Err(LdError::DataLoss("blank node predicate"));
            }
            if !is_absolute_iri(predicate) {
                return Err(LdError::DataLoss("relative predicate reference"));
            }
            let predicate = self.ds.iri(predicate);
            for item in items {
                let object = self.item(item, graph)?;
                self.ds.push(subject, predicate, object, graph);
            }
        }
        if let Some(contents) = &node.graph {
            for item in contents {
                match item {
                    Item::Node(n) => {
                        self.node(n, subject)?;
                    }
                    _ => return Err(LdError::DataLoss("free-floating value")),
                }
            }
        }
        Ok(subject)
    }

    /// §8.5 Object to RDF, §8.6 List to RDF.
    fn item(&mut self, item: &Item<'_>, graph: Slot) -> Result<Slot, LdError> {
        match item {
            Item::Node(n) => self.node(n, graph),
            Item::Value(literal) => self.literal(literal),
            Item::List(items) => {
                if items.is_empty() {
                    return Ok(self.ds.iri(RDF_NIL));
                }
                let heads: Vec<Slot> = items.iter().map(|_| self.ds.fresh_blank()).collect();
                for (i, item) in items.iter().enumerate() {
                    let object = self.item(item, graph)?;
                    self.push(heads[i], RDF_FIRST, object, graph);
                    let rest = match heads.get(i + 1) {
                        Some(next) => *next,
                        None => self.ds.iri(RDF_NIL),
                    };
                    self.push(heads[i], RDF_REST, rest, graph);
                }
                Ok(heads[0])
            }
        }
    }

    fn literal(&mut self, literal: &Literal<'_>) -> Result<Slot, LdError> {
        let datatype = literal.datatype.as_deref();
        let language = literal.language.as_deref();
        check_literal(datatype, language, literal.direction.is_some())?;
        literal_term(&mut self.ds, literal.value, datatype, language)
    }
}

/// The slot of an IRI or blank node identifier from the document.
pub(crate) fn reference(ds: &mut Dataset, id: &str, what: &'static str) -> Result<Slot, LdError> {
    if let Some(label) = id.strip_prefix("_:") {
        return Ok(ds.blank(label));
    }
    if is_absolute_iri(id) {
        Ok(ds.iri(id))
    } else {
        Err(LdError::DataLoss(what))
    }
}

/// What makes a value object lose data whatever its value: a relative
/// datatype, a base direction, a malformed language tag.
pub(crate) fn check_literal(
    datatype: Option<&str>,
    language: Option<&str>,
    direction: bool,
) -> Result<(), LdError> {
    if let Some(dt) = datatype
        && dt != "@json"
        && !is_absolute_iri(dt)
    {
        return Err(LdError::DataLoss("relative type reference"));
    }
    if direction {
        // JSON-LD has no RDF form for a base direction unless asked for
        // one (`rdfDirection`), which Data Integrity does not do.
        return Err(LdError::DataLoss("base direction without rdfDirection"));
    }
    if let Some(tag) = language
        && !well_formed_language(tag)
    {
        return Err(LdError::DataLoss("invalid @language value"));
    }
    Ok(())
}

/// The literal term of a value (§8.5), its datatype and language already
/// checked ([`check_literal`]).
pub(crate) fn literal_term(
    ds: &mut Dataset,
    value: &Json<'_>,
    datatype: Option<&str>,
    language: Option<&str>,
) -> Result<Slot, LdError> {
    // A language tag implies rdf:langString; N-Quads writes only the tag.
    let typed = |default: &'static str| {
        if language.is_some() {
            None
        } else {
            Some(datatype.unwrap_or(default))
        }
    };
    let slot = if datatype == Some("@json") {
        let mut out = Vec::new();
        value.write_jcs(&mut out);
        let text = String::from_utf8(out).map_err(|_| LdError::Invalid("invalid JSON literal"))?;
        ds.literal(&text, Some(RDF_JSON), None)
    } else {
        match value {
            Json::Bool(b) => ds.literal(
                if *b { "true" } else { "false" },
                typed(XSD_BOOLEAN),
                language,
            ),
            Json::Number(n) => {
                let double = n.fract() != 0.0 || n.abs() >= 1e21 || datatype == Some(XSD_DOUBLE);
                if double {
                    ds.literal(&canonical_double(*n), typed(XSD_DOUBLE), language)
                } else {
                    ds.literal(&format!("{}", *n as i128), typed(XSD_INTEGER), language)
                }
            }
            Json::String(s) => ds.literal(s, typed(XSD_STRING), language),
            _ => return Err(LdError::Invalid("invalid value object value")),
        }
    };
    Ok(slot)
}

/// The canonical lexical form of an xsd:double as JSON-LD writes it
/// (§8.6 "Data Round Tripping"): one digit before the point, at least one
/// after, no trailing zeros, an `E` exponent: `5.5E0`, `1.0E21`, `-1.25E-3`.
/// Like jsonld.js, 16 significant digits.
pub fn canonical_double(n: f64) -> String {
    let formatted = format!("{n:.15e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let mantissa = match mantissa.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
        }
        None => format!("{mantissa}.0"),
    };
    format!("{mantissa}E{exponent}")
}

/// BCP 47 shape as JSON-LD checks it: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
fn well_formed_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_take_jsonld_canonical_form() {
        assert_eq!(canonical_double(5.5), "5.5E0");
        assert_eq!(canonical_double(1e21), "1.0E21");
        assert_eq!(canonical_double(-0.00125), "-1.25E-3");
        assert_eq!(canonical_double(123456.789), "1.23456789E5");
    }

    #[test]
    fn language_tags_are_checked_for_shape() {
        assert!(well_formed_language("en"));
        assert!(well_formed_language("zh-Hant-TW"));
        assert!(!well_formed_language("en_US"));
        assert!(!well_formed_language(""));
        assert!(!well_formed_language("toolongtag"));
    }
}
