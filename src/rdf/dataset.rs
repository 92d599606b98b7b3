//! A compact dataset for canonicalization: every IRI and literal is stored
//! once, already in its canonical N-Quads form, in one text buffer, and
//! blank nodes are dense numbers.
//!
//! RDFC-1.0 only ever relabels blank nodes; the text of every other term is
//! fixed. Serializing those terms once when the quads are made, instead of
//! building a string per term and rewriting it at every hashing step, makes
//! a credential's quads a handful of allocations instead of hundreds.

use std::collections::HashMap;

use super::nquads::{Quad, Term, write_escaped};

/// One position of a quad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// `text[start..end]` of the dataset: `<iri>` or a literal.
    Text { start: u32, end: u32 },
    /// A blank node, by number.
    Blank(u32),
    /// No graph name: the default graph.
    Default,
}

/// Quads as [`Slot`]s over one text buffer.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    text: String,
    /// Labels of blank nodes by number (the input's, or made up).
    blanks: Vec<String>,
    /// Input blank node labels → numbers.
    by_label: HashMap<String, u32>,
    quads: Vec<[Slot; 4]>,
}

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

impl Dataset {
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    pub fn quads(&self) -> &[[Slot; 4]] {
        &self.quads
    }

    /// Number of distinct blank nodes.
    pub fn blank_count(&self) -> usize {
        self.blanks.len()
    }

    pub fn blank_label(&self, n: u32) -> &str {
        &self.blanks[n as usize]
    }

    /// The canonical text of a term slot (empty for blank nodes and the
    /// default graph).
    pub fn text(&self, slot: Slot) -> &str {
        match slot {
            Slot::Text { start, end } => &self.text[start as usize..end as usize],
            _ => "",
        }
    }

    fn close(&mut self, start: usize) -> Slot {
        Slot::Text {
            start: start as u32,
            end: self.text.len() as u32,
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
        self.blanks.push(label.to_owned());
        self.by_label.insert(label.to_owned(), n);
        Slot::Blank(n)
    }

    /// A blank node no input label names.
    pub fn fresh_blank(&mut self) -> Slot {
        let n = self.blanks.len() as u32;
        // Input labels are kept apart by `by_label`; this one is only for
        // `Canonical::issued`.
        self.blanks.push(format!("_fresh{n}"));
        Slot::Blank(n)
    }

    pub fn push(&mut self, subject: Slot, predicate: Slot, object: Slot, graph: Slot) {
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

    /// Compares two slots as their N-Quads text would compare, blank nodes
    /// by number (enough for finding duplicates).
    pub(crate) fn slot_key(&self, slot: Slot) -> (u8, &str, u32) {
        match slot {
            Slot::Default => (0, "", 0),
            Slot::Blank(n) => (1, "", n),
            Slot::Text { .. } => (2, self.text(slot), 0),
        }
    }

    /// Appends a quad's N-Quads line, blank node labels written by `label`.
    pub(crate) fn write_line(
        &self,
        quad: &[Slot; 4],
        out: &mut String,
        label: &impl Fn(u32, &mut String),
    ) {
        for (i, &slot) in quad.iter().enumerate() {
            match slot {
                Slot::Default => continue,
                Slot::Blank(n) => {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str("_:");
                    label(n, out);
                }
                Slot::Text { .. } => {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(self.text(slot));
                }
            }
        }
        out.push_str(" .\n");
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
        assert_ne!(ds.fresh_blank(), s);
        assert_eq!(ds.text(o), "\"a\\\"b\\n\"@en");
        assert_eq!(
            ds.text(o2),
            "\"5\"^^<http://www.w3.org/2001/XMLSchema#integer>"
        );
        assert_eq!(ds.text(plain), "\"s\"");
        let mut line = String::new();
        ds.write_line(&ds.quads()[0], &mut line, &|n, out| {
            out.push_str(&format!("n{n}"))
        });
        assert_eq!(line, "_:n0 <http://example.org/p> \"a\\\"b\\n\"@en .\n");
    }
}
