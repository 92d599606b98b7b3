//! The JSON Canonicalization Scheme (RFC 8785), written straight from the tape.
//!
//! Members are ordered by their names' UTF-16 code units (§3.2.3), strings use
//! the minimal escaping of ECMAScript's `JSON.stringify` (§3.2.2.2), numbers
//! the ECMAScript `Number.prototype.toString` form (§3.2.2.3, via `ryu-js`).
//! No intermediate tree is built: a general-purpose JCS crate takes ~33 µs on
//! a 2.8 KB credential, a direct walk a few microseconds.

use std::cmp::Ordering;

use simd_json::{Node, StaticNode};

use crate::json::write::{digits, write_number, write_string};
use crate::json::{JsonParser, NameChecks, Source, Value};
use crate::verdict::Problem;

/// A replacement for one member of the object being canonicalized.
#[derive(Clone, Copy)]
pub enum Patch<'a, 'p> {
    /// The member takes this value.
    Value(Value<'a>),
    /// The member becomes an array of these values.
    Array(&'p [Value<'a>]),
}

/// The scratch space of canonical JSON writing, kept by a worker from one
/// record to the next, and what member sorting learnt about the current
/// document's names.
#[derive(Default)]
pub struct Canonicalizer {
    /// Members being sorted, one frame per open object.
    stack: Vec<Member>,
    /// Tape positions of the objects whose member names were all found
    /// distinct while sorting them, one bit each.
    distinct: Vec<u64>,
    /// Two members of one object had the same name.
    duplicate: bool,
    /// Members and arrays copied whole from a plain text so far.
    copied: usize,
}

impl Canonicalizer {
    /// Appends the canonical form of `value` to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>, value: Value<'_>) {
        self.writer(None).write(out, value);
    }

    /// A writer for one document; with its plain [`Source`] it copies
    /// members straight from the record's text.
    pub fn writer<'c, 's>(&'c mut self, source: Option<Source<'s>>) -> Writer<'c, 's> {
        Writer {
            canon: self,
            source,
        }
    }

    /// Members and arrays copied whole from plain texts (see [`Source`])
    /// by this canonicalizer's writers so far.
    pub fn copied(&self) -> usize {
        self.copied
    }

    fn mark_distinct(&mut self, at: usize) {
        let word = at / 64;
        if word >= self.distinct.len() {
            self.distinct.resize(word + 1, 0);
        }
        self.distinct[word] |= 1 << (at % 64);
    }
}

/// What member sorting learnt about the current document's names.
impl NameChecks for Canonicalizer {
    fn begin_document(&mut self) {
        self.distinct.clear();
        self.duplicate = false;
    }

    fn duplicate_found(&self) -> bool {
        self.duplicate
    }

    fn names_distinct(&self, at: usize) -> bool {
        self.distinct
            .get(at / 64)
            .is_some_and(|word| word & (1 << (at % 64)) != 0)
    }
}

/// Parses a record to be canonicalized: `f` gets the document and a JCS
/// writer that knows the record's text (see [`Source`]). The duplicate
/// name check of the objects `f` canonicalized is the one their member
/// sort already made; the other objects are checked after `f`. When that
/// finds a duplicate name, `f`'s result is dropped and the record is
/// `duplicate_key` as if it had failed to parse: callers undo what `f`
/// recorded.
pub fn with_record<R>(
    parser: &mut JsonParser,
    canon: &mut Canonicalizer,
    bytes: &[u8],
    f: impl FnOnce(Value<'_>, &mut Writer<'_, '_>) -> R,
) -> Result<R, Problem> {
    parser.with_name_checks(bytes, canon, |root, source, canon| {
        f(root, &mut canon.writer(source))
    })
}

/// Writes canonical JSON of one document.
pub struct Writer<'c, 's> {
    canon: &'c mut Canonicalizer,
    /// The document's text, when it is plain.
    source: Option<Source<'s>>,
}

impl Writer<'_, '_> {
    /// Appends the canonical form of `value` to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>, value: Value<'_>) {
        self.write_value(out, value);
    }

    fn write_str(&self, out: &mut Vec<u8>, s: &str) {
        if self.source.is_some() {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        } else {
            write_string(out, s);
        }
    }

    fn write_value(&mut self, out: &mut Vec<u8>, value: Value<'_>) {
        match value.node() {
            Node::String(s) => self.write_str(out, s),
            Node::Static(s) => write_static(out, s),
            Node::Array { .. } => {
                if let Some(span) = self.source.and_then(|source| array_span(source, value)) {
                    self.canon.copied += 1;
                    return out.extend_from_slice(span);
                }
                out.push(b'[');
                for (i, v) in value.elements().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_value(out, v);
                }
                out.push(b']');
            }
            Node::Object { .. } => self.write_patched(out, value, &[], &[]),
        }
    }

    /// Appends the canonical form of the object `obj` with the members named
    /// in `drop` left out and the members in `set` replaced or added.
    ///
    /// Sorting the members also finds duplicate names, and the object is
    /// marked as checked (see [`NameChecks::names_distinct`]).
    pub fn write_patched<'a>(
        &mut self,
        out: &mut Vec<u8>,
        obj: Value<'a>,
        drop: &[&str],
        set: &[(&str, Patch<'a, '_>)],
    ) {
        // Members are sorted on a shared stack: deeper objects push above
        // this frame and truncate back to it. The text a member can be
        // copied from is found while its name and value are at hand.
        let canon = &mut *self.canon;
        let base = canon.stack.len();
        for (name, v) in obj.members() {
            let left_out = drop.contains(&name) || set.iter().any(|(s, _)| *s == name);
            let (slot, span) = match (left_out, self.source) {
                (true, _) => (v.position() + DROPPED, None),
                (false, Some(source)) => (v.position(), member_span(source, name, v)),
                (false, None) => (v.position(), None),
            };
            let (start, end) = span
                .and_then(|(s, e)| Some((u32::try_from(s).ok()?, u32::try_from(e).ok()?)))
                .unwrap_or((0, 0));
            canon.stack.push(Member {
                key: sort_key(name),
                slot,
                start,
                end,
            });
        }
        for (i, (name, _)) in set.iter().enumerate() {
            canon.stack.push(Member {
                key: sort_key(name),
                slot: PATCHED + i,
                start: 0,
                end: 0,
            });
        }
        let name = |slot: usize| match slot.checked_sub(PATCHED) {
            Some(i) => set[i].0,
            None => obj.at((slot & !DROPPED) - 1).as_str().unwrap_or_default(),
        };
        if sort_members(&mut canon.stack[base..], name) {
            canon.duplicate = true;
        } else {
            canon.mark_distinct(obj.position());
        }
        out.push(b'{');
        let mut first = true;
        for i in base..self.canon.stack.len() {
            let member = self.canon.stack[i];
            let slot = member.slot;
            if slot & DROPPED != 0 && slot < PATCHED {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            if let (Some(source), true) = (self.source, member.end != 0) {
                self.canon.copied += 1;
                out.extend_from_slice(&source.text()[member.start as usize..member.end as usize]);
                continue;
            }
            self.write_str(out, name(slot));
            out.push(b':');
            match slot.checked_sub(PATCHED).map(|i| set[i].1) {
                None => self.write_value(out, obj.at(slot)),
                Some(Patch::Value(v)) => self.write_value(out, v),
                Some(Patch::Array(values)) => {
                    out.push(b'[');
                    for (j, v) in values.iter().enumerate() {
                        if j > 0 {
                            out.push(b',');
                        }
                        self.write_value(out, *v);
                    }
                    out.push(b']');
                }
            }
        }
        out.push(b'}');
        self.canon.stack.truncate(base);
    }
}

/// A member of an object being canonicalized.
#[derive(Clone, Copy)]
struct Member {
    /// [`sort_key`] of its name.
    key: u64,
    /// An own member's value position on the tape (the name sits just
    /// before it), that plus [`DROPPED`] for an own member left out, or
    /// [`PATCHED`] plus an index in the patches.
    slot: usize,
    /// The text the member is copied from, when `end` is not 0 (see
    /// [`member_span`]).
    start: u32,
    end: u32,
}

/// Slot flag of an own member left out of the canonical form.
const DROPPED: usize = 1 << (usize::BITS - 2);
/// Slot base of the members a patch sets.
const PATCHED: usize = 1 << (usize::BITS - 1);

/// Sorts an object's members by (sort key, name, slot) and says whether
/// two own members have one name. Names sort by UTF-16 units and then by
/// slot, so a name's own members come before its patch and two own members
/// of one name are neighbours. Members are sorted as integer pairs (sort
/// key, slot) first, by insertion when there are few as in credentials;
/// then each run of equal sort keys (names alike in their first eight
/// bytes, which is rare) by `name`, then slot.
#[inline]
fn sort_members<'n>(frame: &mut [Member], name: impl Fn(usize) -> &'n str) -> bool {
    const FEW: usize = 16;
    let order = |m: &Member| (m.key, m.slot);
    if frame.len() > FEW {
        frame.sort_unstable_by_key(order);
    } else {
        // Members of one sort key end up next to each other, so a tie, if
        // any, is beside the member just inserted.
        let mut tie = false;
        for i in 1..frame.len() {
            let member = frame[i];
            let mut j = i;
            while j > 0 && order(&member) < order(&frame[j - 1]) {
                frame[j] = frame[j - 1];
                j -= 1;
            }
            frame[j] = member;
            tie |= (j > 0 && frame[j - 1].key == member.key)
                || (j < i && frame[j + 1].key == member.key);
        }
        if !tie {
            return false;
        }
    }
    let mut duplicate = false;
    let mut start = 0;
    for end in 1..=frame.len() {
        if end == frame.len() || frame[end].key != frame[start].key {
            if end - start > 1 {
                let run = &mut frame[start..end];
                run.sort_by(|a, b| utf16_cmp(name(a.slot), name(b.slot)).then(a.slot.cmp(&b.slot)));
                duplicate |= run
                    .windows(2)
                    .any(|w| w[1].slot < PATCHED && name(w[0].slot) == name(w[1].slot));
            }
            start = end;
        }
    }
    duplicate
}

/// Where the canonical bytes of an own member lie in a plain record's text:
/// `"name":` followed by a string, an array of strings, `true`, `false` or
/// `null`, written without whitespace.
///
/// Between two tokens of JSON text there is only whitespace and at most one
/// structural character, so when the tape's strings lie exactly one byte
/// apart in the text (quotes aside), that byte is the `:` or `,` that must
/// be there and there is no whitespace. Positions alone show that a member
/// or an element lines up; the text is read only around other tokens.
#[inline]
fn member_span(source: Source<'_>, name: &str, value: Value<'_>) -> Option<(usize, usize)> {
    let text = source.text();
    let start = source.offset(name)? - 1;
    // Just past the name's closing quote, where the colon must be.
    let colon = start + name.len() + 2;
    let end = match value.node() {
        Node::String(s) => {
            let at = source.offset(s)?;
            (at == colon + 2).then_some(at + s.len() + 1)?
        }
        Node::Array { .. } => {
            let (from, to) = array_bounds(source, value)?;
            (from == colon + 1).then_some(to)?
        }
        Node::Static(StaticNode::Bool(true)) => literal_end(text, colon, b":true")?,
        Node::Static(StaticNode::Bool(false)) => literal_end(text, colon, b":false")?,
        Node::Static(StaticNode::Null) => literal_end(text, colon, b":null")?,
        _ => return None,
    };
    (end <= text.len()).then_some((start, end))
}

/// Where `literal` ends when the text has it at `at`.
#[inline]
fn literal_end(text: &[u8], at: usize, literal: &[u8]) -> Option<usize> {
    let end = at + literal.len();
    (text.get(at..end)? == literal).then_some(end)
}

/// The canonical bytes of a non-empty array of strings, copied from a
/// plain record's text (see [`member_span`]).
#[inline]
fn array_span<'s>(source: Source<'s>, array: Value<'_>) -> Option<&'s [u8]> {
    let (from, to) = array_bounds(source, array)?;
    source.text().get(from..to)
}

/// The text range of a non-empty array of strings written without
/// whitespace, from its `[` to after its `]`.
#[inline]
fn array_bounds(source: Source<'_>, array: Value<'_>) -> Option<(usize, usize)> {
    let text = source.text();
    let mut elements = array.elements();
    let first = elements.next()?.as_str()?;
    let from = source.offset(first)?.checked_sub(2)?;
    if text[from] != b'[' {
        return None;
    }
    // Past each string's closing quote; the next string starts two bytes
    // further, after `,"`.
    let mut end = from + first.len() + 3;
    for element in elements {
        let s = element.as_str()?;
        if source.offset(s)? != end + 2 {
            return None;
        }
        end += s.len() + 3;
    }
    (text.get(end) == Some(&b']')).then_some((from, end + 1))
}

/// Canonical JSON of `value`, as a new vector.
pub fn canonicalize(value: Value<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    Canonicalizer::default().write(&mut out, value);
    out
}

/// Orders member names by UTF-16 code units (RFC 8785 §3.2.3).
///
/// UTF-8 byte order is code point order, and UTF-16 order agrees with it
/// except that a supplementary character (UTF-8 lead byte F0–F4, surrogates
/// D800–DFFF in UTF-16) sorts before U+E000–U+FFFF (lead bytes EE–EF). Only
/// the first differing byte decides, and it can only disagree in that case:
/// when the lead bytes are equal, both characters have the same length and
/// their orders agree.
#[inline]
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some(i) => {
            let (x, y) = (a[i], b[i]);
            if x >= 0xee && y >= 0xee && (x >= 0xf0) != (y >= 0xf0) {
                y.cmp(&x)
            } else {
                x.cmp(&y)
            }
        }
    }
}

/// The first eight bytes of a member name as a number that orders as
/// [`utf16_cmp`] does (zero-padded; equal keys need the full comparison).
/// The lead bytes of supplementary characters (F0–F4) are moved below those
/// of U+E000–U+FFFF (EE–EF), the one place UTF-16 and UTF-8 orders differ;
/// no other byte of UTF-8 is EE or above.
#[inline(always)]
fn sort_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let key = match bytes.first_chunk::<8>() {
        Some(head) => u64::from_be_bytes(*head),
        // No call to copy a few bytes.
        None => bytes
            .iter()
            .enumerate()
            .fold(0, |key, (i, &b)| key | u64::from(b) << (56 - 8 * i)),
    };
    // Only non-ASCII names can hold a lead byte to move.
    if key & 0x8080_8080_8080_8080 == 0 {
        return key;
    }
    let mut bytes = key.to_be_bytes();
    for b in &mut bytes {
        *b = match *b {
            0xee | 0xef => *b + 5,
            0xf0..=0xf4 => *b - 2,
            b => b,
        };
    }
    u64::from_be_bytes(bytes)
}

/// Up to 2^53 every integer is a double that ECMAScript prints as digits.
const SAFE_INTEGER: u64 = 1 << 53;

fn write_static(out: &mut Vec<u8>, s: StaticNode) {
    match s {
        StaticNode::Null => out.extend_from_slice(b"null"),
        StaticNode::Bool(true) => out.extend_from_slice(b"true"),
        StaticNode::Bool(false) => out.extend_from_slice(b"false"),
        // Integers within ±2^53 print as digits,
        // exactly as ECMAScript prints the same double.
        StaticNode::I64(v) if v.unsigned_abs() <= SAFE_INTEGER => {
            let mut buf = digits(v.unsigned_abs());
            if v < 0 {
                out.push(b'-');
            }
            out.extend_from_slice(buf.take());
        }
        StaticNode::U64(v) if v <= SAFE_INTEGER => out.extend_from_slice(digits(v).take()),
        // Larger integers are doubles to ECMAScript, printed in its form:
        // 1152921504606846976 is written 1152921504606847000.
        StaticNode::I64(v) => write_number(out, v as f64),
        StaticNode::U64(v) => write_number(out, v as f64),
        StaticNode::F64(v) => write_number(out, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonParser;

    fn jcs(text: &str) -> String {
        let bytes = JsonParser::default()
            .with_doc(text.as_bytes(), canonicalize)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn sorts_members_and_strips_whitespace() {
        assert_eq!(
            jcs(r#"{ "b" : [ 1 , 2 ], "a" : { "d":null, "c":true } }"#),
            r#"{"a":{"c":true,"d":null},"b":[1,2]}"#
        );
    }

    #[test]
    fn utf16_order_matches_a_utf16_comparison() {
        let samples = [
            "",
            "a",
            "ab",
            "b",
            "é",
            "\u{7ff}",
            "\u{800}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fb33}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
            "a\u{e000}",
            "a\u{1f600}",
            "\u{1f600}a",
            "\u{fb33}a",
        ];
        for x in samples {
            for y in samples {
                assert_eq!(
                    utf16_cmp(x, y),
                    x.encode_utf16().cmp(y.encode_utf16()),
                    "{x:?} vs {y:?}"
                );
            }
        }
    }

    #[test]
    fn sort_keys_order_as_utf16() {
        // Names sharing eight-byte prefixes and differing at every position,
        // across one- to four-byte characters.
        let parts = [
            "",
            "a",
            "\u{0}",
            "é",
            "\u{e000}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
        ];
        let mut names = Vec::new();
        for x in parts {
            for y in parts {
                for stem in ["", "abcdef", "abcdefgh", "identity"] {
                    names.push(format!("{stem}{x}{y}"));
                }
            }
        }
        for a in &names {
            for b in &names {
                let by_key = sort_key(a).cmp(&sort_key(b)).then_with(|| utf16_cmp(a, b));
                assert_eq!(
                    by_key,
                    a.encode_utf16().cmp(b.encode_utf16()),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    /// Canonical form of `text` written as the pipeline writes it: through
    /// [`with_record`], copying from the text when it is plain.
    fn jcs_from_record(text: &str) -> Result<String, crate::verdict::Problem> {
        let mut canon = Canonicalizer::default();
        with_record(
            &mut JsonParser::default(),
            &mut canon,
            text.as_bytes(),
            |v, w| {
                let mut out = Vec::new();
                w.write(&mut out, v);
                String::from_utf8(out).unwrap()
            },
        )
    }

    #[test]
    fn copying_from_plain_text_gives_the_written_form() {
        let cases = [
            // Plain and compact: members and string arrays are copied.
            "{\"b\":\"x\",\"a\":[\"y\",{\"d\":1,\"c\":\"é\"}]}",
            r#"{"t":true,"f":false,"n":null,"s":"","e":[],"one":["x"],"two":["",""]}"#,
            r#"{"z":["a","b",1,"c"],"y":[["a"],["b","c"]],"x":{"w":["q"]},"v":"[\"]"}"#,
            r#"["a","b"]"#,
            r#"[["a","b"],"c",[]]"#,
            r#"{"sep":"\",\"","colon":"\":\"","brackets":"]["}"#,
            r#"{"a":truex}"#,
            // Plain with spaces (no control character): nothing lines up.
            r#"{"b" : "x", "a" : [ "y" , "z" ], "t" : true}"#,
            r#"{"b":"x" ,"a":["y" ,"z"],"c": ["d"]}"#,
            r#"{ "a":"x","b":["y"] }"#,
            // Not plain: escapes, control characters, a newline.
            "{\"a\":\"tab\\there\"}",
            "{\"a\":\"quote\\\"d\",\"b\\u0041\":2}",
            "{\"a\":\"x\"}\r",
            "{\"a\":\n\"x\"}",
        ];
        for text in cases {
            match jcs_from_record(text) {
                Ok(got) => assert_eq!(got, jcs(text), "{text:?}"),
                Err(p) => assert!(
                    JsonParser::default().with_doc(text.as_bytes(), |_| ()) == Err(p),
                    "{text:?}"
                ),
            }
        }
    }

    #[test]
    fn copying_from_plain_text_agrees_on_the_sample() {
        // Every line of the committed sample (plain compact credentials,
        // JWTs, malformed lines) and the same lines with spaces after their
        // separators, written both ways.
        let sample = include_bytes!("../../datasets/sample/credentials.jsonl");
        let mut compared = 0;
        let copied = |text: &str| {
            let mut canon = Canonicalizer::default();
            with_record(
                &mut JsonParser::default(),
                &mut canon,
                text.as_bytes(),
                |v, w| w.write(&mut Vec::new(), v),
            )
            .ok()
            .map(|()| canon.copied())
        };
        let (mut plain_lines, mut copying_lines) = (0, 0);
        // (Lines that are not UTF-8 are the parser's business, not this test's.)
        for line in sample
            .split(|&b| b == b'\n')
            .filter_map(|l| std::str::from_utf8(l).ok())
        {
            let spaced = line.replace("\",\"", "\", \"").replace("\":", "\": ");
            let plain = line.starts_with('{') && crate::json::is_plain(line.as_bytes());
            if let (true, Some(n), Some(spaced_n)) = (plain, copied(line), copied(&spaced)) {
                plain_lines += 1;
                copying_lines += usize::from(n > 10);
                // Only one-string arrays still line up once spaced.
                assert!(spaced_n < n / 2, "{spaced_n} {n} {line}");
            }
            for text in [line, spaced.as_str()] {
                let slow = JsonParser::default().with_doc(text.as_bytes(), canonicalize);
                assert_eq!(
                    jcs_from_record(text),
                    slow.map(|b| String::from_utf8(b).unwrap()),
                    "{text}"
                );
                compared += 1;
            }
        }
        assert!(compared >= 900, "{compared}");
        // One parser for all the lines, as a worker keeps it: its buffer
        // grows (and moves) with the longer lines, and copying follows it.
        let (mut parser, mut canon) = (JsonParser::default(), Canonicalizer::default());
        let mut lines: Vec<&str> = sample
            .split(|&b| b == b'\n')
            .filter_map(|l| std::str::from_utf8(l).ok())
            .collect();
        lines.sort_by_key(|l| l.len());
        for line in lines {
            let before = canon.copied();
            let fast = with_record(&mut parser, &mut canon, line.as_bytes(), |v, w| {
                let mut out = Vec::new();
                w.write(&mut out, v);
                out
            });
            let slow = JsonParser::default().with_doc(line.as_bytes(), canonicalize);
            assert_eq!(fast, slow, "{line}");
            let object = line.starts_with('{');
            if fast.is_ok() && object && line.len() > 1000 && crate::json::is_plain(line.as_bytes())
            {
                assert!(canon.copied() > before + 10, "{line}");
            }
        }
        // The fast path is the path: nearly every plain credential copies
        // most of its members (the malformed lines' objects may not).
        assert!(plain_lines >= 300, "{plain_lines}");
        assert!(
            copying_lines * 10 >= plain_lines * 9,
            "{copying_lines} of {plain_lines}"
        );
    }

    #[test]
    fn member_sorting_finds_duplicate_names() {
        use crate::verdict::Problem::DuplicateKey;
        // Canonicalize the document without its "proof": duplicates inside
        // it or among the dropped names are found all the same.
        let without_proof = |text: &str| {
            let mut canon = Canonicalizer::default();
            with_record(
                &mut JsonParser::default(),
                &mut canon,
                text.as_bytes(),
                |v, w| {
                    let mut out = Vec::new();
                    w.write_patched(&mut out, v, &["proof"], &[]);
                    String::from_utf8(out).unwrap()
                },
            )
        };
        let duplicated = [
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"x":{"k":"v","k":"v"}}"#,
            r#"{"x":[{"m":1},{"n":1,"n":1}]}"#,
            r#"{"proof":{"k":1,"k":2},"a":1}"#,
            r#"{"proof":[{"k":1,"j":2,"k":2}],"a":1}"#,
            r#"{"proof":1,"a":1,"proof":2}"#,
            r#"{"a":1,"\u0061":2}"#,
        ];
        for text in duplicated {
            assert_eq!(without_proof(text), Err(DuplicateKey), "{text}");
        }
        assert_eq!(
            without_proof(r#"{"proof":{"k":1,"j":2},"b":[1,{"k":1,"kk":2}],"a":1}"#),
            Ok(r#"{"a":1,"b":[1,{"k":1,"kk":2}]}"#.to_owned())
        );
        // A replaced member and its patch are not two members of one name.
        let mut canon = Canonicalizer::default();
        let patched = with_record(
            &mut JsonParser::default(),
            &mut canon,
            br#"{"@context":["a","b"],"p":{"@context":["a"]}}"#,
            |v, w| {
                let pc = v.get("p").unwrap().get("@context").unwrap();
                let mut out = Vec::new();
                w.write_patched(&mut out, v, &[], &[("@context", Patch::Value(pc))]);
                String::from_utf8(out).unwrap()
            },
        );
        assert_eq!(
            patched,
            Ok(r#"{"@context":["a"],"p":{"@context":["a"]}}"#.to_owned())
        );
    }

    #[test]
    fn plain_means_no_backslash_and_no_control_byte() {
        use crate::json::is_plain;
        // A backslash or control byte anywhere in a long text, in a whole
        // block or in the remainder.
        let long = vec![b'a'; 100];
        assert!(is_plain(&long));
        for at in [0, 31, 32, 63, 95, 99] {
            for bad in [b'\\', 0x00, 0x1f, b'\n'] {
                let mut t = long.clone();
                t[at] = bad;
                assert!(!is_plain(&t), "{bad:#x} at {at}");
            }
        }
    }

    #[test]
    fn sorts_by_utf16_not_utf8() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16,
        // after it in UTF-8.
        assert_eq!(
            jcs("{\"\u{fb33}\":1,\"\u{1f600}\":2}"),
            "{\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }

    #[test]
    fn escapes_every_byte_position_alike() {
        // Each special character at each offset of a 20-byte string, so the
        // eight-byte skip and the byte loop are both exercised.
        for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é', '\u{7f}'] {
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.replace_range(at..at + 1, &special.to_string());
                let mut fast = Vec::new();
                write_string(&mut fast, &s);
                let slow: String = s
                    .chars()
                    .map(|c| match c {
                        '"' => "\\\"".to_owned(),
                        '\\' => "\\\\".to_owned(),
                        '\n' => "\\n".to_owned(),
                        c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32),
                        c => c.to_string(),
                    })
                    .collect();
                assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    format!("\"{slow}\""),
                    "{special:?} at {at}"
                );
            }
        }
    }

    #[test]
    fn escapes_minimally() {
        assert_eq!(
            jcs(r#"{"s":"\u0001\b\t\n\f\r\"\\/\u007f\u2028é"}"#),
            "{\"s\":\"\\u0001\\b\\t\\n\\f\\r\\\"\\\\/\u{7f}\u{2028}é\"}"
        );
    }

    #[test]
    fn formats_numbers_as_ecmascript() {
        assert_eq!(
            jcs(r#"[1.0,-0.0,1e21,1e-7,0.000001,123456789012345680000,-5,4.5e1]"#),
            "[1,0,1e+21,1e-7,0.000001,123456789012345680000,-5,45]"
        );
    }

    #[test]
    fn patches_top_level_members() {
        let out = JsonParser::default()
            .with_doc(
                br#"{"z":1,"proof":{"x":1},"@context":["a","b"],"m":2}"#,
                |doc| {
                    let ctx = doc.get("@context").unwrap().elements().next().unwrap();
                    let mut out = Vec::new();
                    Canonicalizer::default().writer(None).write_patched(
                        &mut out,
                        doc,
                        &["proof"],
                        &[("@context", Patch::Array(&[ctx])), ("a", Patch::Value(ctx))],
                    );
                    String::from_utf8(out).unwrap()
                },
            )
            .unwrap();
        assert_eq!(out, r#"{"@context":["a"],"a":"a","m":2,"z":1}"#);
    }
}
