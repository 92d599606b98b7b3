//! A compact dataset for canonicalization: every distinct IRI and literal
//! is stored once, already in its canonical N-Quads form, in one text
//! buffer, and blank nodes are dense numbers. Equal terms get equal slots,
//! so quads compare as integers.
//!
//! RDFC-1.0 only ever relabels blank nodes; the text of every other term is
//! fixed. Serializing those terms once when the quads are made, instead of
//! building a string per term and rewriting it at every hashing step, makes
//! a credential's quads a handful of allocations instead of hundreds.

use std::collections::HashMap;

use super::nquads::{Quad, Term, write_escaped};

/// One position of a quad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// `text[start..end]` of the dataset: `<iri>` or a literal.
    Text {
        /// Byte offset of the term's first byte.
        start: u32,
        /// Byte offset just past its last byte.
        end: u32,
    },
    /// A blank node, by number.
    Blank(u32),
    /// No graph name: the default graph.
    Default,
}

/// Quads as [`Slot`]s over one text buffer.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    text: String,
    /// Labels of blank nodes by number: the input's, or none for nodes
    /// made by [`Dataset::fresh_blank`].
    blanks: Vec<Option<String>>,
    /// Input blank node labels → numbers.
    by_label: HashMap<String, u32>,
    quads: Vec<[Slot; 4]>,
    /// Open-addressed table of the terms in `text`: (hash, slot), `u64::MAX`
    /// marking an empty entry; its length is a power of two, at most half
    /// full.
    terms: Vec<(u64, Slot)>,
    term_count: usize,
    /// See [`Dataset::presorted`].
    presorted: bool,
    /// See [`Dataset::sorted_terms`].
    sorted_terms: u32,
}

/// A hash of a term's text, never `u64::MAX` (the empty mark): foldhash,
/// seeded once per process, so that a hostile record cannot be built to
/// collide in every run (collisions only cost a text comparison); it reads
/// long literals several words at a time.
pub(crate) fn term_hash(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    STATE
        .get_or_init(foldhash::fast::RandomState::default)
        .hash_one(bytes)
        .min(u64::MAX - 1)
}

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

impl Dataset {
    /// Number of quads, duplicates included.
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    /// Whether the dataset has no quad.
    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    /// The quads as subject, predicate, object and graph slots, in the
    /// order they were pushed, duplicates included.
    pub fn quads(&self) -> &[[Slot; 4]] {
        &self.quads
    }

    /// Whether the quads were written in canonical order, distinct, with
    /// one blank node that is the subject of them all: their canonical
    /// N-Quads are their lines as they stand, the blank node `_:c14n0`
    /// (a shape program's proof configuration sets it).
    pub fn presorted(&self) -> bool {
        self.presorted
    }

    pub(crate) fn set_presorted(&mut self, presorted: bool) {
        self.presorted = presorted;
    }

    /// The terms written so far were written in code point order of
    /// their text (a shape program's constant terms).
    pub(crate) fn mark_sorted_terms(&mut self) {
        self.sorted_terms = self.text.len() as u32;
    }

    /// Bytes at the start of the term text whose IRI terms were written in
    /// code point order: for two such terms, the one that starts first has
    /// the smaller text (distinct IRIs, whose `>` ends them, are never
    /// prefixes of one another).
    pub fn sorted_terms(&self) -> u32 {
        self.sorted_terms
    }

    /// Bytes of term text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Makes this dataset a copy of `template`, keeping its own buffers'
    /// capacity (a worker reuses one dataset from record to record).
    pub fn reset_to(&mut self, template: &Dataset) {
        self.text.clone_from(&template.text);
        self.blanks.clone_from(&template.blanks);
        self.by_label.clone_from(&template.by_label);
        self.quads.clone_from(&template.quads);
        self.terms.clone_from(&template.terms);
        self.term_count = template.term_count;
        self.presorted = template.presorted;
        self.sorted_terms = template.sorted_terms;
    }

    /// Room for `n` more distinct terms without the term table growing (a
    /// shape program's template makes room for the terms a replay adds,
    /// so no replay rehashes the table).
    pub(crate) fn reserve_terms(&mut self, n: usize) {
        while (self.term_count + n) * 2 >= self.terms.len() {
            self.grow();
        }
    }

    /// Room for `n` more quads.
    pub fn reserve_quads(&mut self, n: usize) {
        self.quads.reserve(n);
    }

    /// Bytes the dataset holds on the heap, roughly.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.terms.capacity() * std::mem::size_of::<(u64, Slot)>()
            + self.quads.capacity() * std::mem::size_of::<[Slot; 4]>()
            + self.blanks.len() * 32
    }

    /// Number of distinct blank nodes.
    pub fn blank_count(&self) -> usize {
        self.blanks.len()
    }

    /// The input label of a blank node, or `_b<n>` for a made-up one.
    pub fn blank_label(&self, n: u32) -> std::borrow::Cow<'_, str> {
        match &self.blanks[n as usize] {
            Some(label) => std::borrow::Cow::Borrowed(label),
            None => std::borrow::Cow::Owned(format!("_b{n}")),
        }
    }

    /// The canonical text of a term slot (empty for blank nodes and the
    /// default graph).
    pub fn text(&self, slot: Slot) -> &str {
        match slot {
            Slot::Text { start, end } => &self.text[start as usize..end as usize],
            _ => "",
        }
    }

    /// The slot of the term just written at `text[start..]`: an earlier
    /// slot with the same text (the new copy is dropped), or a new one.
    fn close(&mut self, start: usize) -> Slot {
        if self.term_count * 2 >= self.terms.len() {
            self.grow();
        }
        let hash = term_hash(&self.text.as_bytes()[start..]);
        let mask = self.terms.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let (h, slot) = self.terms[i];
            if h == u64::MAX {
                let slot = Slot::Text {
                    start: start as u32,
                    end: self.text.len() as u32,
                };
                self.terms[i] = (hash, slot);
                self.term_count += 1;
                return slot;
            }
            if h == hash && self.text(slot) == &self.text[start..] {
                self.text.truncate(start);
                return slot;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.terms.len() * 2).max(64);
        let old = std::mem::replace(&mut self.terms, vec![(u64::MAX, Slot::Default); size]);
        for (h, slot) in old.into_iter().filter(|(h, _)| *h != u64::MAX) {
            let mut i = h as usize & (size - 1);
            while self.terms[i].0 != u64::MAX {
                i = (i + 1) & (size - 1);
            }
            self.terms[i] = (h, slot);
        }
    }

    /// An IRI term.
    pub fn iri(&mut self, iri: &str) -> Slot {
        let start = self.text.len();
        self.text.push('<');
        self.text.push_str(iri);
        self.text.push('>');
        self.close(start)
    }

    /// A literal: `datatype` None means xsd:string, or rdf:langString when
    /// `language` is set.
    pub fn literal(&mut self, value: &str, datatype: Option<&str>, language: Option<&str>) -> Slot {
        let start = self.text.len();
        self.text.push('"');
        write_escaped(&mut self.text, value);
        self.text.push('"');
        if let Some(lang) = language {
            self.text.push('@');
            self.text.push_str(lang);
        } else if let Some(dt) = datatype.filter(|dt| *dt != XSD_STRING) {
            self.text.push_str("^^<");
            self.text.push_str(dt);
            self.text.push('>');
        }
        self.close(start)
    }

    /// The blank node labelled `label` in the input.
    pub fn blank(&mut self, label: &str) -> Slot {
        if let Some(&n) = self.by_label.get(label) {
            return Slot::Blank(n);
        }
        let n = self.blanks.len() as u32;
        self.blanks.push(Some(label.to_owned()));
        self.by_label.insert(label.to_owned(), n);
        Slot::Blank(n)
    }

    /// A blank node no input label names.
    pub fn fresh_blank(&mut self) -> Slot {
        let n = self.blanks.len() as u32;
        self.blanks.push(None);
        Slot::Blank(n)
    }

    /// Adds a quad; `graph` is [`Slot::Default`] for the default graph.
    pub fn push(&mut self, subject: Slot, predicate: Slot, object: Slot, graph: Slot) {
        self.presorted = false;
        self.quads.push([subject, predicate, object, graph]);
    }

    /// The dataset of parsed quads.
    pub fn from_quads(quads: &[Quad]) -> Dataset {
        let mut ds = Dataset::default();
        let slot = |ds: &mut Dataset, t: &Term| match t {
            Term::Iri(iri) => ds.iri(iri),
            Term::Blank(label) => ds.blank(label),
            Term::Literal {
                value,
                datatype,
                language,
            } => ds.literal(value, datatype.as_deref(), language.as_deref()),
        };
        for q in quads {
            let s = slot(&mut ds, &q.subject);
            let p = slot(&mut ds, &q.predicate);
            let o = slot(&mut ds, &q.object);
            let g = match &q.graph {
                Some(g) => slot(&mut ds, g),
                None => Slot::Default,
            };
            ds.push(s, p, o, g);
        }
        ds
    }

    /// Appends a quad's N-Quads line, blank node labels written by `label`.
    pub(crate) fn write_line(
        &self,
        quad: &[Slot; 4],
        out: &mut Vec<u8>,
        label: &impl Fn(u32, &mut Vec<u8>),
    ) {
        for (i, &slot) in quad.iter().enumerate() {
            match slot {
                Slot::Default => continue,
                Slot::Blank(n) => {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(b"_:");
                    label(n, out);
                }
                Slot::Text { .. } => {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(self.text(slot).as_bytes());
                }
            }
        }
        out.extend_from_slice(b" .\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_written_once_in_canonical_form() {
        let mut ds = Dataset::default();
        let s = ds.blank("x");
        let p = ds.iri("http://example.org/p");
        let o = ds.literal("a\"b\n", None, Some("en"));
        let o2 = ds.literal("5", Some("http://www.w3.org/2001/XMLSchema#integer"), None);
        let plain = ds.literal("s", Some(XSD_STRING), None);
        ds.push(s, p, o, Slot::Default);
        assert_eq!(ds.blank("x"), s, "the same label is the same node");
        assert_eq!(
            ds.iri("http://example.org/p"),
            p,
            "the same IRI, the same slot"
        );
        assert_eq!(ds.literal("a\"b\n", None, Some("en")), o);
        assert_ne!(ds.literal("a\"b\n", None, Some("fr")), o);
        let before = ds.text.len();
        assert_eq!(
            ds.literal("5", Some("http://www.w3.org/2001/XMLSchema#integer"), None),
            o2
        );
        assert_eq!(ds.text.len(), before, "a repeated term is not stored again");
        for i in 0..1000 {
            let slot = ds.iri(&format!("http://example.org/{i}"));
            assert_eq!(ds.iri(&format!("http://example.org/{i}")), slot);
        }
        assert_ne!(ds.fresh_blank(), s);
        assert_eq!(ds.text(o), "\"a\\\"b\\n\"@en");
        assert_eq!(
            ds.text(o2),
            "\"5\"^^<http://www.w3.org/2001/XMLSchema#integer>"
        );
        assert_eq!(ds.text(plain), "\"s\"");
        let mut line = Vec::new();
        ds.write_line(&ds.quads()[0], &mut line, &|n, out| {
            out.extend_from_slice(format!("n{n}").as_bytes())
        });
        assert_eq!(line, b"_:n0 <http://example.org/p> \"a\\\"b\\n\"@en .\n");
    }
}
