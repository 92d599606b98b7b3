//! JSON records parsed by simd-json into a flat tape, and a borrowed view of it.
//!
//! Records without escapes and numbers, nearly all of an export, take a
//! shorter road to the same tape (the module `plain`); simd-json parses the
//! rest and judges every record that road does not take.
//!
//! simd-json keeps the last of two members with the same name and has no
//! notion of I-JSON; both matter here. Duplicate names are a known
//! signature-confusion vector (the signer and the verifier may read different
//! values), so [`JsonParser`] rejects them, along with nesting deeper than
//! [`MAX_DEPTH`] and integers that an IEEE double cannot hold exactly
//! (RFC 7493 §2.2). Every problem is a [`Problem`] code, never a panic.

use simd_json::{Buffers, Node, StaticNode, Tape};

pub mod number;
mod plain;
pub mod write;

use crate::verdict::Problem;
use plain::{Outcome, PlainParser};

/// Deepest nesting a record may have. Credentials nest a handful of levels;
/// 64 leaves room for rich Open Badges achievements and refuses the
/// pathological inputs (100,000 levels) without a deep stack anywhere.
pub const MAX_DEPTH: usize = crate::limits::JSON_DEPTH;

/// Beyond 2^53 not every integer is a double.
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// Duplicate-name checks that a caller's own pass over a document makes on
/// the way (see [`JsonParser::with_name_checks`]).
pub trait NameChecks {
    /// Forgets what was learnt about the previous document.
    fn begin_document(&mut self);
    /// Whether some object seen since [`NameChecks::begin_document`] has two
    /// members of one name.
    fn duplicate_found(&self) -> bool;
    /// Whether the object at tape position `at` was seen and its member
    /// names are distinct.
    fn names_distinct(&self, at: usize) -> bool;
}

/// A reusable parser: worker-owned buffers, so a record costs no allocation
/// once the buffers have grown to the largest record seen.
pub struct JsonParser {
    buffers: Buffers,
    input: Vec<u8>,
    tape: Option<Tape<'static>>,
    /// Tape positions of the objects whose names are still to be checked.
    objects: Vec<usize>,
    /// The parser of records without escapes, tried first.
    plain: PlainParser,
    /// What [`JsonParser::with_filled`] parses.
    filled: Vec<u8>,
}

impl Default for JsonParser {
    fn default() -> Self {
        JsonParser {
            buffers: Buffers::with_max_depth(4096, MAX_DEPTH),
            input: Vec::new(),
            tape: Some(Tape::null()),
            objects: Vec::new(),
            plain: PlainParser::default(),
            filled: Vec::new(),
        }
    }
}

impl JsonParser {
    /// Parses `bytes` and hands the checked document to `f`.
    pub fn with_doc<R>(
        &mut self,
        bytes: &[u8],
        f: impl FnOnce(Value<'_>) -> R,
    ) -> Result<R, Problem> {
        self.parse_text(bytes, |root, objects, _| {
            objects
                .iter()
                .try_for_each(|&i| check_unique_keys(root.nodes, i))
                .map_err(Failure::Known)?;
            Ok(f(root))
        })
        .map_err(|e| e.problem(bytes))
    }

    /// Parses the bytes that `fill` writes into a buffer the parser keeps
    /// (a decoded JWS payload), as [`JsonParser::with_doc`] parses a record.
    /// None if `fill` returns false.
    pub fn with_filled<R>(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> bool,
        f: impl FnOnce(Value<'_>) -> R,
    ) -> Option<Result<R, Problem>> {
        let mut filled = std::mem::take(&mut self.filled);
        filled.clear();
        let result = fill(&mut filled).then(|| self.with_doc(&filled, f));
        self.filled = filled;
        result
    }

    /// Parses `bytes` and hands `f` the document, its plain [`Source`] when
    /// it has one, and `checks`, a pass of the caller's own that sees member
    /// names (the JCS member sort does). The objects `checks` found
    /// distinct are not checked again; the others are checked after `f`.
    /// When a duplicate name turns up either way, `f`'s result is dropped
    /// and the record is `duplicate_key` as if it had failed to parse:
    /// callers undo what `f` recorded.
    pub fn with_name_checks<'s, R, C: NameChecks>(
        &mut self,
        bytes: &'s [u8],
        checks: &mut C,
        f: impl FnOnce(Value<'_>, Option<Source<'s>>, &mut C) -> R,
    ) -> Result<R, Problem> {
        self.parse_text(bytes, |root, objects, source| {
            checks.begin_document();
            let result = f(root, source, checks);
            if checks.duplicate_found() {
                return Err(Failure::Known(Problem::DuplicateKey));
            }
            objects
                .iter()
                .filter(|&&i| !checks.names_distinct(i))
                .try_for_each(|&i| check_unique_keys(root.nodes, i))
                .map_err(Failure::Known)?;
            Ok(result)
        })
        .map_err(|e| e.problem(bytes))
    }

    /// Parses `bytes` and hands `f` the document, the tape positions of its
    /// objects of two or more members (whose names `f` must check, or have
    /// checked) and, when the record is plain, its [`Source`].
    ///
    /// A plain record is parsed in place by [`PlainParser`]; the others, and
    /// the plain ones it does not take, by simd-json from a padded copy.
    /// Both give the same tape.
    fn parse_text<'s, R>(
        &mut self,
        bytes: &'s [u8],
        f: impl FnOnce(Value<'_>, &[usize], Option<Source<'s>>) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let mut tape: Tape<'_> = self.tape.take().unwrap_or_else(Tape::null).reset();
        let outcome = self.plain.parse(bytes, &mut tape.0, &mut self.objects);
        if outcome == Outcome::Parsed {
            let source = Source {
                text: bytes,
                base: bytes.as_ptr() as usize,
            };
            let root = Value {
                nodes: &tape.0,
                idx: 0,
            };
            let result = f(root, &self.objects, Some(source));
            self.tape = Some(tape.reset());
            return result;
        }
        self.tape = Some(tape.reset());
        let plain = outcome == Outcome::Declined;
        self.load(bytes);
        // The copy's address once padding can no longer move it.
        let base = self.input.as_ptr() as usize;
        let source = plain.then_some(Source { text: bytes, base });
        self.parse_with(bytes, |root, objects| f(root, objects, source))
    }

    /// Copies `bytes` into the input buffer, padded.
    fn load(&mut self, bytes: &[u8]) {
        self.input.clear();
        self.input.extend_from_slice(bytes);
        self.pad();
    }

    /// Pads the input as simd-json requires.
    fn pad(&mut self) {
        self.input
            .resize(self.input.len() + simd_json::INPUT_PADDING, 0);
    }

    /// Parses `self.input` (padded, a copy of `original`) and runs the
    /// I-JSON number checks; `f` gets the document and the tape positions
    /// of its objects of two or more members, whose names it must check
    /// for duplicates (or have checked).
    fn parse_with<R>(
        &mut self,
        original: &[u8],
        f: impl FnOnce(Value<'_>, &[usize]) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let len = self.input.len() - simd_json::INPUT_PADDING;
        let mut tape: Tape<'_> = self.tape.take().unwrap_or_else(Tape::null).reset();
        let result =
            match simd_json::fill_tape_padded(&mut self.input, len, &mut self.buffers, &mut tape) {
                Ok(()) => {
                    self.objects.clear();
                    let numbers = if scan_tape(&tape.0, &mut self.objects) {
                        number::check_text(original)
                    } else {
                        Ok(())
                    };
                    match numbers {
                        Ok(()) => f(
                            Value {
                                nodes: &tape.0,
                                idx: 0,
                            },
                            &self.objects,
                        ),
                        Err(p) => Err(Failure::Known(p)),
                    }
                }
                Err(e) => Err(translate(e.error())),
            };
        self.tape = Some(tape.reset());
        result
    }
}

/// What a string's position on the tape says about the record's text.
///
/// A string that has no escape points where it was found: into the record
/// itself when the plain-record parser read it, into simd-json's copy of
/// the record otherwise. When the record holds
/// no backslash and no control character at all (it is "plain"), no string
/// has an escape or needs one in canonical form, so the canonical bytes of a
/// string are exactly its bytes in the record, quotes included, and a
/// member `"name":"value"` written without whitespace is one slice of the
/// record. [`crate::canon::jcs`] copies such slices whole when the strings'
/// positions show that nothing but the required `:` or `,` lies between
/// them.
#[derive(Clone, Copy)]
pub struct Source<'s> {
    text: &'s [u8],
    /// Address of the bytes the tape's strings point into: `text` itself
    /// when [`PlainParser`] read it, else simd-json's copy of it.
    base: usize,
}

impl<'s> Source<'s> {
    /// The record's text.
    #[inline]
    pub fn text(&self) -> &'s [u8] {
        self.text
    }

    /// Where the string `s` of this record's tape starts in the text, when
    /// it lies in the parsed bytes. `s` must come from this record's tape
    /// (on the plain road the parsed bytes are the caller's text, which
    /// other strings may point into too). Both parsers leave a string
    /// without escapes in place, so it starts there in the text too, after
    /// its quote.
    #[inline]
    pub fn offset(&self, s: &str) -> Option<usize> {
        let at = (s.as_ptr() as usize).checked_sub(self.base)?;
        let found = at >= 1 && at + s.len() < self.text.len();
        debug_assert!(
            !found || (self.text[at - 1] == b'"' && self.text[at + s.len()] == b'"'),
            "a string of a plain record is where simd-json found it"
        );
        found.then_some(at)
    }
}

/// Whether `text` has no backslash and no control character: then no JSON
/// string in it has an escape or needs one. This is the definition; the
/// plain parser finds the same in its own vector pass, which the tests
/// check against this.
pub fn is_plain(text: &[u8]) -> bool {
    !text.iter().any(|&b| b < 0x20 || b == b'\\')
}

/// Why a parse failed, once simd-json's error has been read.
enum Failure {
    Known(Problem),
    /// The structure is wrong; the bytes decide whether to call it invalid
    /// UTF-8 or invalid JSON.
    Structure,
}

impl Failure {
    fn problem(self, original: &[u8]) -> Problem {
        match self {
            Failure::Known(p) => p,
            // simd-json validates UTF-8 only once the structure parsed; say
            // which it is when the bytes themselves are not UTF-8.
            Failure::Structure if std::str::from_utf8(original).is_err() => Problem::InvalidUtf8,
            Failure::Structure => Problem::InvalidJson,
        }
    }
}

/// Translates simd-json's errors into problem codes, in one place.
fn translate(error: &simd_json::ErrorType) -> Failure {
    use simd_json::ErrorType as E;
    match error {
        E::InvalidUtf8 => Failure::Known(Problem::InvalidUtf8),
        E::DepthLimitExceeded => Failure::Known(Problem::TooDeep),
        E::InvalidNumber | E::InvalidExponent | E::Overflow => {
            Failure::Known(Problem::NumberOutOfRange)
        }
        _ => Failure::Structure,
    }
}

/// Collects the positions of objects with two or more members, whose
/// names need checking, and says whether the record holds a number that
/// the I-JSON check ([`number::check_text`]) must read in the text: a
/// fraction, an exponent or an integer beyond 2^53. Integers up to 2^53
/// are always their double's shortest form.
fn scan_tape(nodes: &[Node<'_>], objects: &mut Vec<usize>) -> bool {
    let mut numbers = false;
    for (i, node) in nodes.iter().enumerate() {
        match *node {
            Node::Object { len, .. } if len > 1 => objects.push(i),
            Node::Static(StaticNode::I64(v)) if v.unsigned_abs() > MAX_SAFE_INTEGER => {
                numbers = true
            }
            Node::Static(StaticNode::U64(v)) if v > MAX_SAFE_INTEGER => numbers = true,
            Node::Static(StaticNode::F64(_)) => numbers = true,
            _ => {}
        }
    }
    numbers
}

/// Whether the object at tape position `obj` has distinct member names.
fn check_unique_keys(nodes: &[Node<'_>], obj: usize) -> Result<(), Problem> {
    let Node::Object { len, .. } = nodes[obj] else {
        return Ok(());
    };
    // Small objects: compare pairwise; large ones: sort the names.
    const PAIRWISE: usize = 16;
    let mut small: [&str; PAIRWISE] = [""; PAIRWISE];
    let mut j = obj + 1;
    if len <= PAIRWISE {
        for slot in small.iter_mut().take(len) {
            let Node::String(key) = nodes[j] else {
                return Err(Problem::InvalidJson);
            };
            *slot = key;
            j += 1 + span(&nodes[j + 1]);
        }
        let keys = &small[..len];
        for (a, ka) in keys.iter().enumerate() {
            if keys[a + 1..].iter().any(|kb| kb == ka) {
                return Err(Problem::DuplicateKey);
            }
        }
        return Ok(());
    }
    let mut names: Vec<&str> = Vec::with_capacity(len);
    for _ in 0..len {
        let Node::String(key) = nodes[j] else {
            return Err(Problem::InvalidJson);
        };
        names.push(key);
        j += 1 + span(&nodes[j + 1]);
    }
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(Problem::DuplicateKey);
    }
    Ok(())
}

/// Number of tape nodes a value occupies.
#[inline]
fn span(node: &Node<'_>) -> usize {
    match *node {
        Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
        _ => 1,
    }
}

/// A JSON value inside a parsed record: a position on the tape.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    nodes: &'a [Node<'a>],
    idx: usize,
}

impl<'a> Value<'a> {
    /// The simd-json tape node at this position.
    #[inline]
    pub fn node(self) -> Node<'a> {
        self.nodes[self.idx]
    }

    /// Another position of the same document (from [`Value::position`]).
    #[inline]
    pub fn at(self, idx: usize) -> Value<'a> {
        Value {
            nodes: self.nodes,
            idx,
        }
    }

    /// The tape position, unique within one document.
    pub fn position(self) -> usize {
        self.idx
    }

    /// A string's text, unescaped; None for other values.
    pub fn as_str(self) -> Option<&'a str> {
        match self.node() {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number's value as a double.
    pub fn as_f64(self) -> Option<f64> {
        match self.node() {
            Node::Static(s) => number(s),
            _ => None,
        }
    }

    /// A non-negative integer's value.
    pub fn as_u64(self) -> Option<u64> {
        match self.node() {
            Node::Static(StaticNode::U64(v)) => Some(v),
            Node::Static(StaticNode::I64(v)) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// Whether the value is an object.
    pub fn is_object(self) -> bool {
        matches!(self.node(), Node::Object { .. })
    }

    /// Whether the value is an array.
    pub fn is_array(self) -> bool {
        matches!(self.node(), Node::Array { .. })
    }

    /// Number of members or elements; 0 for scalars.
    pub fn len(self) -> usize {
        match self.node() {
            Node::Object { len, .. } | Node::Array { len, .. } => len,
            _ => 0,
        }
    }

    /// Whether [`Value::len`] is 0: an empty object or array, or a scalar.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The member named `key` of an object.
    pub fn get(self, key: &str) -> Option<Value<'a>> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// An object's members in document order; empty for non-objects.
    pub fn members(self) -> Members<'a> {
        let remaining = match self.node() {
            Node::Object { len, .. } => len,
            _ => 0,
        };
        Members {
            nodes: self.nodes,
            next: self.idx + 1,
            remaining,
        }
    }

    /// An array's elements in order; empty for non-arrays.
    pub fn elements(self) -> Elements<'a> {
        let remaining = match self.node() {
            Node::Array { len, .. } => len,
            _ => 0,
        };
        Elements {
            nodes: self.nodes,
            next: self.idx + 1,
            remaining,
        }
    }

    /// The value itself when it is not an array, else its elements: the
    /// "one or many" shape of `type`, `proof`, `credentialSubject`, ….
    pub fn one_or_many(self) -> Elements<'a> {
        if self.is_array() {
            self.elements()
        } else {
            Elements {
                nodes: self.nodes,
                next: self.idx,
                remaining: 1,
            }
        }
    }

    /// Structural equality (object members compared as sets).
    pub fn json_eq(self, other: Value<'_>) -> bool {
        match (self.node(), other.node()) {
            (Node::String(a), Node::String(b)) => a == b,
            (Node::Static(a), Node::Static(b)) => static_eq(a, b),
            (Node::Array { len: la, .. }, Node::Array { len: lb, .. }) => {
                la == lb
                    && self
                        .elements()
                        .zip(other.elements())
                        .all(|(a, b)| a.json_eq(b))
            }
            (Node::Object { len: la, .. }, Node::Object { len: lb, .. }) => {
                la == lb
                    && self
                        .members()
                        .all(|(k, v)| other.get(k).is_some_and(|w| v.json_eq(w)))
            }
            _ => false,
        }
    }
}

fn static_eq(a: StaticNode, b: StaticNode) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// A number's value as a double (I-JSON numbers are doubles).
pub fn number(s: StaticNode) -> Option<f64> {
    match s {
        StaticNode::I64(v) => Some(v as f64),
        StaticNode::U64(v) => Some(v as f64),
        StaticNode::F64(v) => Some(v),
        _ => None,
    }
}

/// An object's members as (name, value) pairs, from [`Value::members`].
pub struct Members<'a> {
    nodes: &'a [Node<'a>],
    next: usize,
    remaining: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, Value<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let Node::String(key) = self.nodes[self.next] else {
            // Never on a parser's tape; ends the iteration for good.
            self.remaining = 0;
            return None;
        };
        let value = Value {
            nodes: self.nodes,
            idx: self.next + 1,
        };
        self.next += 1 + span(&self.nodes[self.next + 1]);
        Some((key, value))
    }

    /// Exact on a tape the parser made (every member has its name), so
    /// collecting members allocates once.
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// An array's elements, from [`Value::elements`] and
/// [`Value::one_or_many`].
pub struct Elements<'a> {
    nodes: &'a [Node<'a>],
    next: usize,
    remaining: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let value = Value {
            nodes: self.nodes,
            idx: self.next,
        };
        self.next += span(&self.nodes[self.next]);
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Result<String, Problem> {
        JsonParser::default().with_doc(text, |v| format!("{}", v.len()))
    }

    #[test]
    fn accepts_ordinary_objects() {
        assert_eq!(
            parse(br#"{"a":1,"b":[1,2,{"c":null}],"d":"x"}"#),
            Ok("3".into())
        );
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        assert_eq!(parse(br#"{"a":1,"a":2}"#), Err(Problem::DuplicateKey));
        assert_eq!(
            parse(br#"{"x":{"y":[{"k":1,"j":2,"k":3}]}}"#),
            Err(Problem::DuplicateKey)
        );
        // Escapes are resolved before comparing: "\u0061" is "a".
        assert_eq!(parse(br#"{"a":1,"\u0061":2}"#), Err(Problem::DuplicateKey));
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        assert_eq!(
            parse(format!("{{{many}\"k7\":0}}").as_bytes()),
            Err(Problem::DuplicateKey)
        );
        assert!(parse(format!("{{{many}\"k70\":0}}").as_bytes()).is_ok());
        // Names alike in length and first eight bytes, or differing only
        // in length.
        assert!(parse(br#"{"identityHash":1,"identityType":2,"identity":3,"identit":4}"#).is_ok());
        assert!(parse(br#"{"a":1,"a\u0000":2,"":3}"#).is_ok());
        assert_eq!(
            parse(br#"{"identityHash":1,"identityType":2,"identityHash":3}"#),
            Err(Problem::DuplicateKey)
        );
        assert_eq!(parse(br#"{"":1,"b":2,"":3}"#), Err(Problem::DuplicateKey));
    }

    #[test]
    fn rejects_what_i_json_excludes() {
        assert_eq!(parse(br#"{"n":1e400}"#), Err(Problem::NumberOutOfRange));
        assert_eq!(
            parse(br#"{"n":9007199254740993}"#),
            Err(Problem::NumberOutOfRange)
        );
        assert_eq!(
            parse(br#"{"n":-9007199254740993}"#),
            Err(Problem::NumberOutOfRange)
        );
        assert!(parse(br#"{"n":9007199254740992}"#).is_ok());
        // Exactly a double, though above 2^53.
        assert!(parse(br#"{"n":9007199254740994}"#).is_ok());
        assert!(parse(br#"{"n":123456789012345680000}"#).is_ok());
        assert!(parse(br#"{"n":-3333333333333334000}"#).is_ok());
        assert!(parse(br#"{"n":1e300}"#).is_ok());
        assert!(parse(br#"{"n":[0.1,1.10,-2.5e-3,1E+30]}"#).is_ok());
        // Every number, not only integers of up to 64 bits: 2^63, 2^64,
        // beyond, exponents beyond a double, fractions longer than one.
        for bad in [
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "-18446744073709551616",
            "340282366920938463463374607431768211456",
            "1e400",
            "-1e400",
            "1e-400",
            "3.14159265358979323846",
            "3333333333333333504",
        ] {
            let doc = format!(r#"{{"a":"x","n":[1,{bad}]}}"#);
            assert_eq!(
                parse(doc.as_bytes()),
                Err(Problem::NumberOutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn classifies_broken_text() {
        assert_eq!(parse(b"{\"a\":\"\xff\"}"), Err(Problem::InvalidUtf8));
        assert_eq!(parse(br#"{"a":"#), Err(Problem::InvalidJson));
        assert_eq!(parse(b""), Err(Problem::InvalidJson));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(deep.as_bytes()), Err(Problem::TooDeep));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn navigates_members_and_elements() {
        let got = JsonParser::default()
            .with_doc(br#"{"a":{"b":[1,"two",{"c":true}]},"z":"end"}"#, |v| {
                let b = v.get("a").unwrap().get("b").unwrap();
                let second = b.elements().nth(1).unwrap().as_str().unwrap().to_owned();
                (
                    second,
                    v.get("z").unwrap().as_str().unwrap().to_owned(),
                    v.get("q").is_none(),
                )
            })
            .unwrap();
        assert_eq!(got, ("two".into(), "end".into(), true));
    }
}
