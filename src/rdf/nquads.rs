//! RDF quads and their N-Quads form: a parser for the documents the
//! canonicalization tests and later stages hand in, and the canonical
//! serialization RDFC-1.0 hashes and outputs (RDF 1.2 N-Quads §
//! "Canonical N-Quads": only `"` `\` and the C0 controls and DEL are
//! escaped; `\b \t \n \f \r \" \\` as two-character escapes, the others as
//! `\u00XX` in upper-case hex).

use std::fmt::Write as _;

/// A node of a quad.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// An IRI, without the angle brackets and unescaped.
    Iri(String),
    /// A blank node label, without `_:`.
    Blank(String),
    /// A literal.
    Literal {
        /// The lexical form, unescaped.
        value: String,
        /// The datatype IRI; `None` for `xsd:string` and language-tagged
        /// strings.
        datatype: Option<String>,
        /// The language tag, without `@`.
        language: Option<String>,
    },
}

/// A statement, in a named graph or the default one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad {
    /// An IRI or a blank node.
    pub subject: Term,
    /// An IRI.
    pub predicate: Term,
    /// Any term.
    pub object: Term,
    /// The graph name; `None` for the default graph.
    pub graph: Option<Term>,
}

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

impl Term {
    /// Appends the canonical N-Quads form of the term.
    pub fn write(&self, out: &mut String) {
        self.write_relabelled(out, &|label, out| out.push_str(label));
    }

    /// As [`Term::write`], the label of a blank node written by
    /// `relabel(label, out)`.
    pub fn write_relabelled(&self, out: &mut String, relabel: &impl Fn(&str, &mut String)) {
        match self {
            Term::Iri(iri) => {
                out.push('<');
                out.push_str(iri);
                out.push('>');
            }
            Term::Blank(label) => {
                out.push_str("_:");
                relabel(label, out);
            }
            Term::Literal {
                value,
                datatype,
                language,
            } => {
                out.push('"');
                write_escaped(out, value);
                out.push('"');
                if let Some(lang) = language {
                    out.push('@');
                    out.push_str(lang);
                } else if let Some(dt) = datatype.as_deref().filter(|dt| *dt != XSD_STRING) {
                    out.push_str("^^<");
                    out.push_str(dt);
                    out.push('>');
                }
            }
        }
    }
}

/// Bytes a canonical N-Quads literal escapes: the C0 controls, `"`, `\`
/// and DEL.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table
};

/// A literal's text with canonical N-Quads escapes; runs that need none are
/// copied whole.
pub(crate) fn write_escaped(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    if !bytes.iter().any(|&b| NEEDS_ESCAPE[usize::from(b)]) {
        out.push_str(value);
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x00..=0x1f | 0x7f => {
                out.push_str(&value[start..i]);
                let _ = write!(out, "\\u{:04X}", b);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.push_str(&value[start..i]);
        out.push_str(escape);
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

impl Quad {
    /// The quad with every blank node label replaced by `f(label)`.
    pub fn relabelled(&self, f: impl Fn(&str) -> String) -> Quad {
        let map = |t: &Term| match t {
            Term::Blank(label) => Term::Blank(f(label)),
            other => other.clone(),
        };
        Quad {
            subject: map(&self.subject),
            predicate: self.predicate.clone(),
            object: map(&self.object),
            graph: self.graph.as_ref().map(map),
        }
    }

    /// The canonical N-Quads line of the quad, newline included.
    pub fn to_line(&self) -> String {
        let mut out = String::new();
        self.write_line(&mut out);
        out
    }

    /// Appends the canonical N-Quads line of the quad, newline included.
    pub fn write_line(&self, out: &mut String) {
        self.write_line_relabelled(out, &|label, out| out.push_str(label));
    }

    /// As [`Quad::write_line`], blank node labels written by `relabel`.
    pub fn write_line_relabelled(&self, out: &mut String, relabel: &impl Fn(&str, &mut String)) {
        self.subject.write_relabelled(out, relabel);
        out.push(' ');
        self.predicate.write_relabelled(out, relabel);
        out.push(' ');
        self.object.write_relabelled(out, relabel);
        if let Some(g) = &self.graph {
            out.push(' ');
            g.write_relabelled(out, relabel);
        }
        out.push_str(" .\n");
    }
}

/// Why an N-Quads document does not parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("N-Quads line {line}: {why}")]
pub struct ParseError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Parses an N-Quads document (RDF 1.1 N-Quads: one statement per line,
/// `#` comments, escapes in IRIs and literals).
pub fn parse(text: &str) -> Result<Vec<Quad>, ParseError> {
    let mut quads = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let err = |why| ParseError { line: n + 1, why };
        let mut p = Cursor { s: line, at: 0 };
        p.skip_space();
        if p.done() || p.peek() == Some('#') {
            continue;
        }
        let subject = p.term().map_err(err)?;
        p.skip_space();
        let predicate = p.term().map_err(err)?;
        p.skip_space();
        let object = p.term().map_err(err)?;
        p.skip_space();
        let graph = if p.peek() == Some('.') {
            None
        } else {
            let g = p.term().map_err(err)?;
            p.skip_space();
            Some(g)
        };
        if p.next() != Some('.') {
            return Err(err("expected '.'"));
        }
        p.skip_space();
        if !(p.done() || p.peek() == Some('#')) {
            return Err(err("text after '.'"));
        }
        if matches!(subject, Term::Literal { .. })
            || !matches!(predicate, Term::Iri(_))
            || matches!(graph, Some(Term::Literal { .. }))
        {
            return Err(err("a term in a position it may not take"));
        }
        quads.push(Quad {
            subject,
            predicate,
            object,
            graph,
        });
    }
    Ok(quads)
}

struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
    fn peek(&self) -> Option<char> {
        self.s[self.at..].chars().next()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }
    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.at += 1;
        }
    }

    fn term(&mut self) -> Result<Term, &'static str> {
        match self.next() {
            Some('<') => self.iri().map(Term::Iri),
            Some('_') => {
                if self.next() != Some(':') {
                    return Err("expected ':' after '_'");
                }
                let start = self.at;
                while let Some(c) = self.peek() {
                    if c.is_whitespace() || c == '<' || c == '"' {
                        break;
                    }
                    self.at += c.len_utf8();
                }
                // A label does not end with '.'.
                while self.s[start..self.at].ends_with('.') {
                    self.at -= 1;
                }
                if self.at == start {
                    return Err("empty blank node label");
                }
                Ok(Term::Blank(self.s[start..self.at].to_owned()))
            }
            Some('"') => {
                let value = self.string()?;
                let (mut datatype, mut language) = (None, None);
                if self.peek() == Some('@') {
                    self.at += 1;
                    let start = self.at;
                    while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '-') {
                        self.at += 1;
                    }
                    if self.at == start {
                        return Err("empty language tag");
                    }
                    language = Some(self.s[start..self.at].to_owned());
                } else if self.s[self.at..].starts_with("^^<") {
                    self.at += 3;
                    datatype = Some(self.iri()?);
                }
                Ok(Term::Literal {
                    value,
                    datatype,
                    language,
                })
            }
            _ => Err("expected a term"),
        }
    }

    /// After `<`: the IRI up to `>`, escapes resolved. An escape may not
    /// stand for a character the IRI could not hold written out (RDF 1.1
    /// N-Quads §4: the IRI, once unescaped, must still be one): IRIs are
    /// written back unescaped, so such an IRI would not read back.
    fn iri(&mut self) -> Result<String, &'static str> {
        let excluded = |c: char| c <= ' ' || "<>\"{}|^`\\".contains(c);
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err("unterminated IRI"),
                Some('>') => return Ok(out),
                Some('\\') => match self.uchar()? {
                    c if excluded(c) => return Err("a character an IRI may not hold"),
                    c => out.push(c),
                },
                Some(c) if excluded(c) => return Err("a character an IRI may not hold"),
                Some(c) => out.push(c),
            }
        }
    }

    /// After `"`: the string up to `"`, escapes resolved.
    fn string(&mut self) -> Result<String, &'static str> {
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err("unterminated literal"),
                Some('"') => return Ok(out),
                Some('\\') => match self.peek() {
                    Some('u' | 'U') => out.push(self.uchar()?),
                    Some(c) => {
                        self.at += 1;
                        out.push(match c {
                            't' => '\t',
                            'b' => '\u{8}',
                            'n' => '\n',
                            'r' => '\r',
                            'f' => '\u{c}',
                            '"' => '"',
                            '\'' => '\'',
                            '\\' => '\\',
                            _ => return Err("unknown escape"),
                        });
                    }
                    None => return Err("unterminated escape"),
                },
                Some('\n' | '\r') => return Err("a line break in a literal"),
                Some(c) => out.push(c),
            }
        }
    }

    /// After `\`: `uXXXX` or `UXXXXXXXX`.
    fn uchar(&mut self) -> Result<char, &'static str> {
        let digits = match self.next() {
            Some('u') => 4,
            Some('U') => 8,
            _ => return Err("unknown escape"),
        };
        let hex = self
            .s
            .get(self.at..self.at + digits)
            .ok_or("short \\u escape")?;
        self.at += digits;
        u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or("bad \\u escape")
    }
}
