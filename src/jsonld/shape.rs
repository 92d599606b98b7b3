//! Shape programs: the RDF of a record replayed from the records of the
//! same shape seen before, instead of expanded again.
//!
//! Records of one issuer repeat their shape: the same members in the same
//! nesting, the same types, under the same processed `@context`; only
//! values differ. Expansion spends most of its time on what the shape
//! alone decides (term lookups, IRI expansion of member names and types,
//! scoped contexts, the nodes and value objects it builds). A shape's
//! [`Program`] keeps the decisions: for each node, where its `@id` comes
//! from and under which context it is expanded, its type IRIs and
//! predicates already written as dataset terms, and for each value the
//! position of the JSON value and its datatype and language. Replaying it
//! over a later record of the same shape writes the quads straight from
//! the values.
//!
//! **What a shape is.** [`describe`] writes, in document order, every
//! member name and the kind of every value (null, boolean, number,
//! string, array with its length, object with its member count), plus the
//! strings of the members that steer expansion by value: `type`, `@type`,
//! `@language` and `@direction`. Everything else expansion decides from
//! names and kinds alone, given the processed context: the shape key is the
//! description and the context's identity, and a hit compares the whole
//! description, never a hash alone (a record built to collide with a
//! common shape would otherwise be read through the wrong program).
//! Expansion that read a value the description does not hold (an embedded
//! `@context`, a keyword member under another alias) is never compiled
//! ([`super::expand::expand_recorded`]); values that only fill terms
//! (literals, `@id`s, strings of `@id`-typed terms) are read by the program
//! itself, with the same checks expansion applies to them.
//!
//! **Cost.** A shape is compiled the second time it is seen, so a shape
//! seen once costs its description and nothing else. Programs live per
//! worker within [`crate::limits::SHAPE_CACHE_BYTES`]; when the next one
//! would not fit, the cache starts again empty (as does the set of shapes
//! seen once, past [`crate::limits::SHAPES_SEEN`]). A replay charges the
//! record's JSON-LD budget exactly what expanding it cost; a record whose
//! budget would not cover that is expanded instead, so that it fails where
//! expansion fails and the verdict is the same.
//!
//! **Allocation.** A replay writes into a dataset handed back by the
//! previous record ([`ShapeCache::recycle`]): its text, term table and quad
//! vector keep their capacity, and the template's term table is already
//! large enough for every term the replay adds, so no quad and no term
//! allocates. What a record still allocates, and why: the JSON trees of its
//! document, proof configuration and `@context` (one vector per object and
//! array, strings borrowed from the parser's tape; expansion of a shape
//! not yet compiled needs trees, and replays read the same ones), the list
//! of its values (one vector, made as large as the last record's), each
//! `@id` value's expanded IRI (a string, before it is interned) and each
//! number's lexical form. Canonicalization works in the thread's buffers
//! ([`crate::canon::rdfc`]) but for the list of first-degree hash inputs
//! (one vector of slices into those buffers).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::LdError;
use super::context::ActiveContext;
use super::expand::{
    IdFrom, Item, Node, RDF_FIRST, RDF_NIL, RDF_REST, RDF_TYPE, literal_term, reference,
};
use super::json::Json;
use crate::limits::{JsonLdBudget, SHAPE_CACHE_BYTES, SHAPES_SEEN};
use crate::rdf::dataset::{Dataset, Slot};

/// Writes the shape of `document` into `out` and its values, in document
/// order, into `values` (the positions a program reads).
pub fn describe<'a>(document: &'a Json<'a>, out: &mut Vec<u8>, values: &mut Vec<&'a Json<'a>>) {
    out.clear();
    values.clear();
    walk(document, false, out, values);
}

fn walk<'a>(json: &'a Json<'a>, keep: bool, out: &mut Vec<u8>, values: &mut Vec<&'a Json<'a>>) {
    values.push(json);
    let len = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
    match json {
        Json::Null => out.push(b'z'),
        Json::Bool(_) => out.push(b'b'),
        Json::Number(_) => out.push(b'n'),
        Json::String(s) if keep => {
            out.push(b'S');
            len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Json::String(_) => out.push(b's'),
        Json::Array(items) => {
            out.push(b'[');
            len(out, items.len());
            for item in items {
                walk(item, keep, out, values);
            }
        }
        Json::Object(members) => {
            out.push(b'{');
            len(out, members.len());
            for (name, value) in members {
                len(out, name.len());
                out.extend_from_slice(name.as_bytes());
                let keep = matches!(&**name, "type" | "@type" | "@language" | "@direction");
                walk(value, keep, out, values);
            }
        }
    }
}

/// Where a node's subject comes from.
#[derive(Debug)]
enum Subject {
    /// A fresh blank node.
    Fresh,
    /// The string at `at`, expanded under `contexts[context]`.
    Json { at: u32, context: u32, vocab: bool },
}

#[derive(Debug)]
struct PNode {
    subject: Subject,
    /// `rdf:type` objects.
    types: Box<[Slot]>,
    /// How many of `props` are written before the types (the types come
    /// first but in a presorted program).
    types_after: u32,
    props: Box<[(Slot, Box<[Step]>)]>,
    graph: Option<Box<[Step]>>,
}

#[derive(Debug)]
enum Step {
    Node(PNode),
    /// The value at `at`, as a literal.
    Value {
        at: u32,
        datatype: Option<Box<str>>,
        language: Option<Box<str>>,
    },
    List(Box<[Step]>),
}

/// A compiled shape.
#[derive(Debug)]
pub struct Program {
    /// The shape's description, compared whole on a hit.
    shape: Box<[u8]>,
    /// The processed `@context` the shape was seen under; held so that its
    /// address, part of the key, is not reused while the program lives.
    context: Arc<ActiveContext>,
    /// The contexts `@id`s are expanded under.
    contexts: Vec<Arc<ActiveContext>>,
    /// The constant terms: predicates, types and the list vocabulary.
    template: Dataset,
    rdf_type: Slot,
    rdf_first: Slot,
    rdf_rest: Slot,
    rdf_nil: Slot,
    top: Box<[Step]>,
    /// JSON-LD budget units expanding a record of the shape costs.
    expansion_units: usize,
    context_units: usize,
    /// Quads a record of the shape has (the dataset's capacity).
    quads: usize,
    /// The quads are written in canonical order (a proof configuration:
    /// see [`Program::presort`]).
    presorted: bool,
    /// Approximate bytes held, against the cache budget.
    size: usize,
}

/// What compiling found that a program cannot hold.
struct Refused;

struct Compiler<'j> {
    positions: HashMap<*const Json<'j>, u32>,
    contexts: Vec<Arc<ActiveContext>>,
    template: Dataset,
    steps: usize,
}

impl<'j> Compiler<'j> {
    fn at(&self, json: &'j Json<'j>) -> Result<u32, Refused> {
        self.positions
            .get(&(json as *const Json<'j>))
            .copied()
            .ok_or(Refused)
    }

    fn context(&mut self, context: &Arc<ActiveContext>) -> u32 {
        match self.contexts.iter().position(|c| Arc::ptr_eq(c, context)) {
            Some(i) => i as u32,
            None => {
                self.contexts.push(context.clone());
                self.contexts.len() as u32 - 1
            }
        }
    }

    fn node(&mut self, node: &Node<'j>) -> Result<PNode, Refused> {
        self.steps += 1;
        let subject = match (&node.id, &node.id_from) {
            (None, _) => Subject::Fresh,
            (
                Some(_),
                Some(IdFrom {
                    json,
                    context,
                    vocab,
                }),
            ) => Subject::Json {
                at: self.at(json)?,
                context: self.context(context),
                vocab: *vocab,
            },
            (Some(_), None) => return Err(Refused),
        };
        let mut types = Vec::with_capacity(node.types.len());
        for t in &node.types {
            // A blank node type would share its label with the record's
            // other blank nodes: left to expansion.
            if t.starts_with("_:") {
                return Err(Refused);
            }
            types.push(reference(&mut self.template, t, "").map_err(|_| Refused)?);
        }
        let mut props = Vec::with_capacity(node.props.len());
        for (predicate, items) in &node.props {
            let p = self.template.iri(predicate);
            props.push((p, self.steps(items)?));
        }
        let graph = match &node.graph {
            Some(items) => Some(self.steps(items)?),
            None => None,
        };
        Ok(PNode {
            subject,
            types: types.into(),
            types_after: 0,
            props: props.into(),
            graph,
        })
    }

    fn steps(&mut self, items: &[Item<'j>]) -> Result<Box<[Step]>, Refused> {
        items.iter().map(|item| self.step(item)).collect()
    }

    fn step(&mut self, item: &Item<'j>) -> Result<Step, Refused> {
        self.steps += 1;
        Ok(match item {
            Item::Node(n) => Step::Node(self.node(n)?),
            Item::Value(literal) => {
                if literal.direction.is_some() {
                    return Err(Refused);
                }
                Step::Value {
                    at: self.at(literal.value)?,
                    datatype: literal.datatype.as_deref().map(Into::into),
                    language: literal.language.as_deref().map(Into::into),
                }
            }
            Item::List(items) => Step::List(self.steps(items)?),
        })
    }
}

/// The predicates and types of `items`, which a program writes as
/// constants.
fn constant_iris<'i>(items: &'i [Item<'_>], out: &mut Vec<&'i str>) {
    for item in items {
        match item {
            Item::Node(n) => {
                out.extend(n.types.iter().map(String::as_str));
                for (p, values) in &n.props {
                    out.push(p);
                    constant_iris(values, out);
                }
                if let Some(g) = &n.graph {
                    constant_iris(g, out);
                }
            }
            Item::List(items) => constant_iris(items, out),
            Item::Value(_) => {}
        }
    }
}

impl Program {
    /// Compiles the items expansion made of a record of shape `shape`
    /// whose values are `values` (as [`describe`] listed them), or None
    /// when they hold something a program cannot replay. `items` must
    /// have been turned into RDF without error.
    fn compile<'j>(
        shape: &[u8],
        values: &[&'j Json<'j>],
        context: &Arc<ActiveContext>,
        items: &[Item<'j>],
        expansion_units: usize,
        context_units: usize,
        quads: usize,
    ) -> Option<Program> {
        let mut c = Compiler {
            positions: values
                .iter()
                .enumerate()
                .map(|(i, v)| (*v as *const Json<'j>, i as u32))
                .collect(),
            contexts: Vec::new(),
            template: Dataset::default(),
            steps: 0,
        };
        // The constant terms are written in sorted order, so that
        // canonicalization orders two of them by position alone
        // ([`Dataset::sorted_terms`]).
        let mut constants = vec![RDF_TYPE, RDF_FIRST, RDF_REST, RDF_NIL];
        constant_iris(items, &mut constants);
        // In the order of their text, `<iri>`.
        constants
            .sort_unstable_by(|a, b| a.bytes().chain(Some(b'>')).cmp(b.bytes().chain(Some(b'>'))));
        constants.dedup();
        for iri in constants {
            if !iri.starts_with("_:") {
                c.template.iri(iri);
            }
        }
        c.template.mark_sorted_terms();
        let rdf_type = c.template.iri(RDF_TYPE);
        let rdf_first = c.template.iri(RDF_FIRST);
        let rdf_rest = c.template.iri(RDF_REST);
        let rdf_nil = c.template.iri(RDF_NIL);
        let top = c.steps(items).ok()?;
        // Each value a replay reads makes at most one term.
        c.template.reserve_terms(values.len());
        if top.iter().any(|s| !matches!(s, Step::Node(_))) {
            return None;
        }
        let mut top = top;
        let presorted = Program::presort(&mut top, &c.template, rdf_type);
        let size = shape.len()
            + c.template.heap_bytes()
            + c.steps * std::mem::size_of::<Step>()
            + c.contexts.len() * 8
            + 256;
        Some(Program {
            shape: shape.into(),
            context: context.clone(),
            contexts: c.contexts,
            template: c.template,
            rdf_type,
            rdf_first,
            rdf_rest,
            rdf_nil,
            top,
            expansion_units,
            context_units,
            quads,
            presorted,
            size,
        })
    }

    /// Puts a one-node program's quads in canonical order, if it has that
    /// form: one node with a fresh blank subject, no lists or graphs, and
    /// each predicate once with one value that is a literal or an `@id`.
    /// All its quads then share their subject (`_:c14n0` whatever its
    /// hash, the only blank node), and distinct predicates decide their
    /// order as N-Quads lines: a proof configuration, whose
    /// canonicalization becomes writing its lines. A replay whose `@id`
    /// turns out to be a blank node identifier makes a second blank node,
    /// and is canonicalized in full ([`Dataset::presorted`]).
    fn presort(top: &mut [Step], template: &Dataset, rdf_type: Slot) -> bool {
        let [Step::Node(node)] = top else {
            return false;
        };
        let simple = |step: &Step| match step {
            Step::Value { .. } => true,
            Step::Node(n) => {
                matches!(n.subject, Subject::Json { .. })
                    && n.types.is_empty()
                    && n.props.is_empty()
                    && n.graph.is_none()
            }
            Step::List(_) => false,
        };
        if !matches!(node.subject, Subject::Fresh)
            || node.graph.is_some()
            || !node
                .props
                .iter()
                .all(|(_, steps)| steps.len() == 1 && simple(&steps[0]))
        {
            return false;
        }
        let text = |slot: Slot| template.text(slot).to_owned();
        let mut props = std::mem::take(&mut node.props).into_vec();
        props.sort_by_key(|(p, _)| text(*p));
        let distinct =
            props.windows(2).all(|w| w[0].0 != w[1].0) && props.iter().all(|(p, _)| *p != rdf_type);
        if !distinct {
            node.props = props.into();
            return false;
        }
        let mut types = std::mem::take(&mut node.types).into_vec();
        types.sort_by_key(|t| text(*t));
        node.types = types.into();
        let type_text = template.text(rdf_type);
        node.types_after = props
            .iter()
            .take_while(|(p, _)| template.text(*p) < type_text)
            .count() as u32;
        node.props = props.into();
        true
    }

    /// The quads of the record whose values are `values`, in `ds` (a
    /// recycled dataset, or a new one).
    fn replay(&self, values: &[&Json<'_>], mut ds: Dataset) -> Result<Dataset, LdError> {
        ds.reset_to(&self.template);
        ds.reserve_quads(self.quads);
        let mut run = Replay {
            program: self,
            values,
            ds,
        };
        for step in &self.top {
            if let Step::Node(n) = step {
                run.node(n, Slot::Default)?;
            }
        }
        let presorted = self.presorted && run.ds.blank_count() == 1;
        run.ds.set_presorted(presorted);
        Ok(run.ds)
    }
}

struct Replay<'p, 'v, 'j> {
    program: &'p Program,
    values: &'v [&'v Json<'j>],
    ds: Dataset,
}

impl Replay<'_, '_, '_> {
    fn node(&mut self, node: &PNode, graph: Slot) -> Result<Slot, LdError> {
        let subject = match node.subject {
            Subject::Fresh => self.ds.fresh_blank(),
            Subject::Json { at, context, vocab } => {
                let Json::String(s) = self.values[at as usize] else {
                    return Err(LdError::Invalid("invalid @id value"));
                };
                let id = self.program.contexts[context as usize]
                    .expand_iri(s, true, vocab)
                    .ok_or(LdError::DataLoss("reserved @id value"))?;
                reference(&mut self.ds, &id, "relative subject reference")?
            }
        };
        let (before, after) = node.props.split_at(node.types_after as usize);
        for (predicate, steps) in before {
            for step in steps {
                let object = self.step(step, graph)?;
                self.ds.push(subject, *predicate, object, graph);
            }
        }
        for &t in &node.types {
            self.ds.push(subject, self.program.rdf_type, t, graph);
        }
        for (predicate, steps) in after {
            for step in steps {
                let object = self.step(step, graph)?;
                self.ds.push(subject, *predicate, object, graph);
            }
        }
        if let Some(contents) = &node.graph {
            for step in contents {
                if let Step::Node(n) = step {
                    self.node(n, subject)?;
                }
            }
        }
        Ok(subject)
    }

    fn step(&mut self, step: &Step, graph: Slot) -> Result<Slot, LdError> {
        match step {
            Step::Node(n) => self.node(n, graph),
            Step::Value {
                at,
                datatype,
                language,
            } => literal_term(
                &mut self.ds,
                self.values[*at as usize],
                datatype.as_deref(),
                language.as_deref(),
            ),
            Step::List(steps) => {
                if steps.is_empty() {
                    return Ok(self.program.rdf_nil);
                }
                let first = self.ds.fresh_blank();
                for _ in 1..steps.len() {
                    self.ds.fresh_blank();
                }
                let Slot::Blank(first) = first else {
                    unreachable!("fresh_blank makes blank nodes")
                };
                for (i, step) in steps.iter().enumerate() {
                    let head = Slot::Blank(first + i as u32);
                    let object = self.step(step, graph)?;
                    self.ds.push(head, self.program.rdf_first, object, graph);
                    let rest = if i + 1 < steps.len() {
                        Slot::Blank(first + i as u32 + 1)
                    } else {
                        self.program.rdf_nil
                    };
                    self.ds.push(head, self.program.rdf_rest, rest, graph);
                }
                Ok(Slot::Blank(first))
            }
        }
    }
}

/// How a record's RDF was made, counted per run.
#[derive(Debug, Default)]
pub struct ShapeTotals {
    /// Replayed from a program.
    pub replayed: AtomicU64,
    /// Expanded, and compiled into a program (a shape's second record).
    pub compiled: AtomicU64,
    /// Expanded: a shape seen for the first time, or one a program cannot
    /// hold, or a record whose budget would not cover a replay.
    pub expanded: AtomicU64,
}

impl ShapeTotals {
    /// (replayed, compiled, expanded).
    pub fn get(&self) -> (u64, u64, u64) {
        (
            self.replayed.load(Ordering::Relaxed),
            self.compiled.load(Ordering::Relaxed),
            self.expanded.load(Ordering::Relaxed),
        )
    }
}

/// One worker's shape programs.
#[derive(Default)]
pub struct ShapeCache {
    /// Programs by shape hash; a hit compares the whole shape.
    programs: HashMap<u64, Vec<Program>>,
    /// Hashes of shapes seen once, and whether compiling them was refused
    /// (their records are then expanded without being recorded again).
    seen: HashMap<u64, bool>,
    bytes: usize,
    shape: Vec<u8>,
    /// Values of the last record described: the next one's vector is made
    /// that large at once.
    last_values: usize,
    counts: [u64; 3],
    totals: Option<Arc<ShapeTotals>>,
    /// Datasets canonicalized and handed back, for the next replays.
    spare: Vec<Dataset>,
}

impl Drop for ShapeCache {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Programs sharing one shape hash, at most (hashes of hostile shapes may
/// collide; each hit compares whole shapes).
const PER_HASH: usize = 4;

impl ShapeCache {
    fn flush(&mut self) {
        if let Some(t) = &self.totals {
            t.replayed.fetch_add(self.counts[0], Ordering::Relaxed);
            t.compiled.fetch_add(self.counts[1], Ordering::Relaxed);
            t.expanded.fetch_add(self.counts[2], Ordering::Relaxed);
        }
        self.counts = [0; 3];
    }

    /// Takes back a dataset whose quads were used, for a later replay to
    /// write into (a small one: a huge record's buffers are let go).
    pub fn recycle(&mut self, ds: Dataset) {
        if self.spare.len() < 2 && ds.heap_bytes() <= 256 << 10 {
            self.spare.push(ds);
        }
    }

    /// This cache's records not yet added to the run's totals:
    /// (replayed, compiled, expanded).
    pub fn counts(&self) -> [u64; 3] {
        self.counts
    }

    /// Programs held, and the bytes they take.
    pub fn held(&self) -> (usize, usize) {
        (self.programs.values().map(Vec::len).sum(), self.bytes)
    }

    /// The quads of `document` under `active`: replayed when its shape
    /// has a program, else expanded (and compiled on a shape's second
    /// record).
    pub(super) fn quads_of(
        &mut self,
        processor: &super::Processor,
        active: &Arc<ActiveContext>,
        document: &Json<'_>,
        budget: &JsonLdBudget,
    ) -> Result<Dataset, LdError> {
        if self.totals.is_none() {
            self.totals = Some(processor.shape_totals.clone());
        }
        // A context no run-wide cache holds is made for this record alone:
        // its address means nothing to the next one.
        if !active.cached.load(Ordering::Relaxed) {
            self.counts[2] += 1;
            return super::expand::to_rdf(&processor.loader, active, document, budget);
        }
        let mut values = Vec::with_capacity(self.last_values);
        describe(document, &mut self.shape, &mut values);
        self.last_values = values.len();
        let hash = crate::rdf::dataset::term_hash(&self.shape)
            ^ (Arc::as_ptr(active) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if let Some(p) = self.programs.get(&hash).and_then(|ps| {
            ps.iter()
                .find(|p| Arc::ptr_eq(&p.context, active) && *p.shape == *self.shape)
        }) && budget.expansion.fits(p.expansion_units)
            && budget.context.fits(p.context_units)
        {
            budget.expansion.charge(p.expansion_units)?;
            budget.context.charge(p.context_units)?;
            self.counts[0] += 1;
            return p.replay(&values, self.spare.pop().unwrap_or_default());
        }
        match self.seen.get(&hash) {
            Some(false) => {}
            refused => {
                if refused.is_none() {
                    if self.seen.len() >= SHAPES_SEEN {
                        self.seen.clear();
                    }
                    self.seen.insert(hash, false);
                }
                self.counts[2] += 1;
                return super::expand::to_rdf(&processor.loader, active, document, budget);
            }
        }
        let (expansion, context) = (budget.expansion.used(), budget.context.used());
        let (items, refused) =
            super::expand::expand_recorded(&processor.loader, active, document, budget)?;
        let ds = super::expand::emit(&items)?;
        let compiled = if refused.is_some()
            || self
                .programs
                .get(&hash)
                .is_some_and(|ps| ps.len() >= PER_HASH)
        {
            None
        } else {
            Program::compile(
                &self.shape,
                &values,
                active,
                &items,
                budget.expansion.used() - expansion,
                budget.context.used() - context,
                ds.len(),
            )
        };
        match compiled {
            Some(program) => {
                if self.bytes + program.size > SHAPE_CACHE_BYTES {
                    self.programs.clear();
                    self.bytes = 0;
                }
                self.bytes += program.size;
                self.programs.entry(hash).or_default().push(program);
                self.seen.remove(&hash);
                self.counts[1] += 1;
            }
            None => {
                self.seen.insert(hash, true);
                self.counts[2] += 1;
            }
        }
        Ok(ds)
    }
}
