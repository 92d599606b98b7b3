//! JSON records without escapes, parsed from the positions of their quotes.
//!
//! In a record with no backslash and no control byte (a "plain" record, see
//! [`super::Source`]), every `"` opens or closes a string and nothing
//! inside a string needs decoding. One vector pass finds whether the record
//! is plain and where its quotes are; the structure between strings is then
//! a few bytes per member (`":"`, `","`, `"},"`), read one by one, and the
//! strings themselves are never read again. The tape is simd-json's, node
//! for node, its strings borrowed from the record itself.
//!
//! This parser only accepts: anything it does not take (numbers, invalid
//! JSON or UTF-8, nesting at simd-json's limit) is left to simd-json, which
//! then parses the record or says what is wrong with it, as it always did.
//! Exports of credentials are almost all plain records without numbers.

// The AVX2 scan (intrinsics behind a run-time feature check) and string
// slices whose bounds the scan proved.
#![allow(unsafe_code)]

use simd_json::{Node, StaticNode};

use super::MAX_DEPTH;

/// A worker's scratch space for plain records.
#[derive(Default)]
pub struct PlainParser {
    /// One bit per byte of the record, set where a `"` is, 64 bytes a word.
    quotes: Vec<u64>,
    /// The objects and arrays open at the current position.
    open: Vec<Open>,
}

/// An object or array being read.
#[derive(Clone, Copy)]
struct Open {
    /// Its node's position on the tape.
    at: usize,
    /// Commas read so far at its level.
    commas: usize,
    object: bool,
}

/// What [`PlainParser::parse`] made of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The text has a backslash or a byte below 0x20.
    NotPlain,
    /// The text is plain, but simd-json must decide: it holds a number, is
    /// not valid JSON or UTF-8, nests deeper than `MAX_DEPTH` or is beyond
    /// simd-json's 4 GiB.
    Declined,
    /// The tape and the objects are filled.
    Parsed,
}

impl PlainParser {
    /// Parses `text`, if it is plain, into `tape` as simd-json would, and
    /// lists in `objects` the tape positions of its objects of two or more
    /// members. Unless the outcome is [`Outcome::Parsed`], `tape` and
    /// `objects` are to be ignored.
    pub fn parse<'t>(
        &mut self,
        text: &'t [u8],
        tape: &mut Vec<Node<'t>>,
        objects: &mut Vec<usize>,
    ) -> Outcome {
        if !self.scan(text) {
            Outcome::NotPlain
        } else if u32::try_from(text.len()).is_ok() && self.parse_scanned(text, tape, objects) {
            Outcome::Parsed
        } else {
            Outcome::Declined
        }
    }

    /// Whether `text` is plain: it has no backslash and no byte below 0x20.
    /// Also finds its quotes for [`PlainParser::parse_scanned`].
    fn scan(&mut self, text: &[u8]) -> bool {
        self.quotes.clear();
        self.quotes.reserve(text.len().div_ceil(64));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, the one feature the function enables.
            return unsafe { scan_avx2(text, &mut self.quotes) };
        }
        scan_portable(text, &mut self.quotes)
    }

    /// [`PlainParser::parse`] of a text that [`PlainParser::scan`] has
    /// just found plain (its quotes are the ones found). False when
    /// simd-json must decide.
    fn parse_scanned<'t>(
        &mut self,
        text: &'t [u8],
        tape: &mut Vec<Node<'t>>,
        objects: &mut Vec<usize>,
    ) -> bool {
        tape.clear();
        objects.clear();
        self.open.clear();
        // A string's bounds are quotes, which no multi-byte character
        // contains, so a valid text slices into valid strings.
        let Ok(whole) = simdutf8::basic::from_utf8(text) else {
            return false;
        };
        let mut reader = Reader {
            text,
            whole,
            quotes: &self.quotes,
            pos: 0,
        };
        let open = &mut self.open;
        // Each turn reads one value, then whatever closes after it.
        loop {
            reader.skip_spaces();
            match reader.byte() {
                Some(b'"') => match reader.string() {
                    Some(s) => tape.push(Node::String(s)),
                    None => return false,
                },
                Some(b @ (b'{' | b'[')) => {
                    if open.len() >= MAX_DEPTH {
                        return false;
                    }
                    let object = b == b'{';
                    open.push(Open {
                        at: tape.len(),
                        commas: 0,
                        object,
                    });
                    tape.push(if object {
                        Node::Object { len: 0, count: 0 }
                    } else {
                        Node::Array { len: 0, count: 0 }
                    });
                    reader.pos += 1;
                    reader.skip_spaces();
                    let close = if object { b'}' } else { b']' };
                    if reader.byte() != Some(close) {
                        if object && !reader.key(tape) {
                            return false;
                        }
                        continue;
                    }
                    // Empty: closed at once, below.
                }
                Some(b't') if reader.literal(b"true") => {
                    tape.push(Node::Static(StaticNode::Bool(true)));
                }
                Some(b'f') if reader.literal(b"false") => {
                    tape.push(Node::Static(StaticNode::Bool(false)));
                }
                Some(b'n') if reader.literal(b"null") => {
                    tape.push(Node::Static(StaticNode::Null));
                }
                // Numbers, and anything that is not JSON.
                _ => return false,
            }
            // After a value: close what ends here, until a comma asks for
            // the next value, or the root is complete.
            loop {
                reader.skip_spaces();
                let Some(top) = open.last_mut() else {
                    return reader.pos == text.len();
                };
                match (reader.byte(), top.object) {
                    (Some(b','), object) => {
                        top.commas += 1;
                        reader.pos += 1;
                        if object && !reader.key(tape) {
                            return false;
                        }
                        break;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        reader.pos += 1;
                        let Open { at, commas, object } = *top;
                        open.pop();
                        // An empty container is closed straight after its
                        // opening: nothing was pushed after it.
                        let count = tape.len() - at - 1;
                        let len = if count == 0 { 0 } else { commas + 1 };
                        tape[at] = if object {
                            Node::Object { len, count }
                        } else {
                            Node::Array { len, count }
                        };
                        if object && len > 1 {
                            objects.push(at);
                        }
                    }
                    _ => return false,
                }
            }
        }
    }
}

/// A position in a plain text being parsed.
struct Reader<'t, 'q> {
    text: &'t [u8],
    /// The same text, known to be UTF-8.
    whole: &'t str,
    quotes: &'q [u64],
    pos: usize,
}

impl<'t> Reader<'t, '_> {
    #[inline]
    fn byte(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// Plain texts have no tab, newline or carriage return: the only
    /// whitespace is the space.
    #[inline]
    fn skip_spaces(&mut self) {
        while self.byte() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// The string whose opening quote is at the position; moves past it.
    #[inline(always)]
    fn string(&mut self) -> Option<&'t str> {
        let from = self.pos + 1;
        let end = self.next_quote(from)?;
        self.pos = end + 1;
        debug_assert!(self.whole.is_char_boundary(from) && self.whole.is_char_boundary(end));
        // SAFETY: `from` is just past a quote and `end` is a quote at or
        // after it, inside the text: `quotes` were found in this very text
        // (`parse` scans and parses in one call). A quote is ASCII, and in
        // valid UTF-8 an ASCII byte and the byte after it both start
        // characters.
        Some(unsafe { self.whole.get_unchecked(from..end) })
    }

    /// The first quote at or after `from`.
    #[inline(always)]
    fn next_quote(&self, from: usize) -> Option<usize> {
        let mut word = from / 64;
        let mut bits = self.quotes.get(word)? & (!0u64 << (from % 64));
        while bits == 0 {
            word += 1;
            bits = *self.quotes.get(word)?;
        }
        let at = word * 64 + bits.trailing_zeros() as usize;
        (at < self.text.len()).then_some(at)
    }

    /// A member's name and the colon after it, the name pushed on `tape`.
    #[inline(always)]
    fn key(&mut self, tape: &mut Vec<Node<'t>>) -> bool {
        self.skip_spaces();
        if self.byte() != Some(b'"') {
            return false;
        }
        let Some(name) = self.string() else {
            return false;
        };
        tape.push(Node::String(name));
        self.skip_spaces();
        if self.byte() != Some(b':') {
            return false;
        }
        self.pos += 1;
        true
    }

    /// Whether `word` is at the position; moves past it if so. What may
    /// follow it is checked as for any value.
    #[inline]
    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.text[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }
}

/// The quote bits of one 64-byte block, and whether it holds a backslash
/// or a control byte.
#[inline(always)]
fn block_portable(block: &[u8]) -> (u64, bool) {
    let mut quotes = 0u64;
    let mut special = false;
    for (i, &b) in block.iter().enumerate() {
        quotes |= u64::from(b == b'"') << i;
        special |= (b < 0x20) | (b == b'\\');
    }
    (quotes, special)
}

fn scan_portable(text: &[u8], quotes: &mut Vec<u64>) -> bool {
    let mut special = false;
    for block in text.chunks(64) {
        let (bits, s) = block_portable(block);
        quotes.push(bits);
        special |= s;
    }
    !special
}

/// [`scan_portable`] 32 bytes at a time, the tests of the special bytes
/// accumulated and read once at the end.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(text: &[u8], quotes: &mut Vec<u64>) -> bool {
    use std::arch::x86_64::*;
    let quote = _mm256_set1_epi8(b'"' as i8);
    let backslash = _mm256_set1_epi8(b'\\' as i8);
    let control_max = _mm256_set1_epi8(0x1f);
    let mut special = _mm256_setzero_si256();
    let mut half = |bytes: &[u8; 32]| -> u32 {
        // SAFETY: `bytes` is 32 readable bytes, one unaligned 256-bit load.
        let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) };
        // A byte is a control byte when it is its own minimum with 0x1f.
        let control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, control_max), v);
        let escape = _mm256_cmpeq_epi8(v, backslash);
        special = _mm256_or_si256(special, _mm256_or_si256(control, escape));
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) as u32
    };
    let mut block = |block: &[u8; 64]| {
        let (halves, _) = block.as_chunks::<32>();
        u64::from(half(&halves[0])) | u64::from(half(&halves[1])) << 32
    };
    let (blocks, rest) = text.as_chunks::<64>();
    for b in blocks {
        quotes.push(block(b));
    }
    if !rest.is_empty() {
        // The last bytes, padded with spaces: neither quotes nor special.
        let mut last = [b' '; 64];
        last[..rest.len()].copy_from_slice(rest);
        quotes.push(block(&last));
    }
    _mm256_testz_si256(special, special) == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use simd_json::{Buffers, Tape};

    /// A tape node with its string located by offset in the text, so that
    /// tapes over different copies of one text compare.
    #[derive(Debug, PartialEq)]
    enum Item {
        Str { at: usize, len: usize },
        Object { len: usize, count: usize },
        Array { len: usize, count: usize },
        Static(StaticNode),
    }

    /// The tape and the objects of two or more members, sorted.
    type Parsed = (Vec<Item>, Vec<usize>);

    fn items(nodes: &[Node<'_>], base: *const u8) -> Vec<Item> {
        nodes
            .iter()
            .map(|n| match *n {
                Node::String(s) => Item::Str {
                    at: s.as_ptr() as usize - base as usize,
                    len: s.len(),
                },
                Node::Object { len, count } => Item::Object { len, count },
                Node::Array { len, count } => Item::Array { len, count },
                Node::Static(s) => Item::Static(s),
            })
            .collect()
    }

    /// What simd-json makes of `text`, as the pipeline calls it.
    fn reference(text: &[u8]) -> Option<Parsed> {
        let mut input = text.to_vec();
        input.resize(text.len() + simd_json::INPUT_PADDING, 0);
        let mut buffers = Buffers::with_max_depth(4096, MAX_DEPTH);
        let mut tape = Tape::null();
        let base = input.as_ptr();
        simd_json::fill_tape_padded(&mut input, text.len(), &mut buffers, &mut tape).ok()?;
        let objects = (0..tape.0.len())
            .filter(|&i| matches!(tape.0[i], Node::Object { len, .. } if len > 1))
            .collect();
        Some((items(&tape.0, base), objects))
    }

    /// What the plain parser makes of `text`, if it takes it.
    fn plain(text: &[u8]) -> Option<Parsed> {
        let (mut tape, mut objects) = (Vec::new(), Vec::new());
        let outcome = PlainParser::default().parse(text, &mut tape, &mut objects);
        if outcome != Outcome::Parsed {
            return None;
        }
        objects.sort_unstable();
        Some((items(&tape, text.as_ptr()), objects))
    }

    /// Whatever the plain parser takes, simd-json parses to the same tape;
    /// the scan finds plain texts as `is_plain` does, and its vector and
    /// portable forms find the same quotes. Returns whether the plain
    /// parser took the text.
    fn agrees(text: &[u8]) -> bool {
        let mut parser = PlainParser::default();
        let is_plain = parser.scan(text);
        let mut portable = Vec::new();
        assert_eq!(
            (is_plain, &parser.quotes),
            (scan_portable(text, &mut portable), &portable),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(
            is_plain,
            crate::json::is_plain(text),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        let Some(ours) = plain(text) else {
            return false;
        };
        assert_eq!(
            reference(text).as_ref(),
            Some(&ours),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        true
    }

    #[test]
    fn takes_plain_json_as_simd_json_parses_it() {
        for text in [
            r#"{}"#,
            r#"[]"#,
            r#""""#,
            r#""x""#,
            r#"true"#,
            r#"false"#,
            r#"null"#,
            r#"{"":""}"#,
            r#"{"a":{}}"#,
            r#"[[],[[]],{},"a"]"#,
            r#"{"é":"李","b":["x","y"],"c":{"d":true,"e":null,"f":false}}"#,
            r#"  { "a" : [ true , false , null ] , "b" : { } , "c" : [ ] }  "#,
            r#"{"a":[{"b":"c","d":"e"},{"b":"c"}],"f":"g"}"#,
        ] {
            assert!(agrees(text.as_bytes()), "not taken: {text}");
        }
    }

    #[test]
    fn quotes_at_every_place_in_a_block() {
        // Spaces before a document move each quote through every position
        // of the 64-byte blocks, strings across block ends included.
        let doc = r#"{"a":"bcdefghijklmnopqrstuvwxyz0123456789","b":["c",true],"d":{}}"#;
        for shift in 0..130 {
            let text = format!("{}{doc}", " ".repeat(shift));
            assert!(agrees(text.as_bytes()), "shift {shift}");
            let cut = &text.as_bytes()[..text.len() - 1];
            assert!(!agrees(cut), "shift {shift}, cut");
        }
    }

    #[test]
    fn leaves_to_simd_json_what_it_does_not_take() {
        // Numbers, escapes and control bytes, invalid JSON and UTF-8: none
        // of these is taken, whatever simd-json then makes of it.
        for text in [
            &br#"{"a":1}"#[..],
            br#"[-0.5e3]"#,
            br#"{"a":"\n"}"#,
            b"{\"a\":\"\tb\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\"}",
            br#"{"a":}"#,
            br#"{"a" "b"}"#,
            br#"["a",]"#,
            br#"{,}"#,
            br#"["#,
            br#"{"a":"b""#,
            br#""abc"#,
            br#"truex"#,
            br#"tru"#,
            br#"nul"#,
            br#"{"a":true}x"#,
            br#"{"a":"b"}}"#,
            br#"]"#,
            br#"{"a":"b",}"#,
            br#"{"a"}"#,
            br#"{"a":["b"}"#,
            br#"{"a":{"b":"c"]}"#,
            br#"[}"#,
            br#"{]"#,
            br#"[true false]"#,
            br#"[true,,false]"#,
            br#"["a" "b"]"#,
            br#"{"a":"b" "c":"d"}"#,
            br#"{"a":"b":"c"}"#,
            br#"{"a"::"b"}"#,
            br#""#,
            br#"   "#,
        ] {
            assert!(!agrees(text), "taken: {:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn nesting_beyond_the_depth_limit_is_left_to_simd_json() {
        // Both parsers take MAX_DEPTH levels; simd-json refuses one more.
        for depth in MAX_DEPTH - 2..MAX_DEPTH + 3 {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let objects = format!("{}\"x\"{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            for text in [arrays, objects] {
                let within = depth <= MAX_DEPTH;
                assert_eq!(agrees(text.as_bytes()), within, "depth {depth}");
                assert_eq!(
                    reference(text.as_bytes()).is_some(),
                    within,
                    "depth {depth}"
                );
            }
        }
    }

    /// The committed sample: every record simd-json parses that is plain and
    /// has no number is taken, with the same tape.
    #[test]
    fn takes_the_plain_records_of_the_sample() {
        let sample = include_bytes!("../../datasets/sample/credentials.jsonl");
        let mut taken = 0;
        for (n, line) in sample.split(|&b| b == b'\n').enumerate() {
            let text = line.trim_ascii();
            let expected = crate::json::is_plain(text)
                && reference(text).is_some_and(|(tape, _)| {
                    !tape.iter().any(|i| {
                        matches!(
                            i,
                            Item::Static(
                                StaticNode::I64(_) | StaticNode::U64(_) | StaticNode::F64(_)
                            )
                        )
                    })
                });
            assert_eq!(agrees(text), expected, "line {}", n + 1);
            taken += usize::from(expected);
        }
        assert!(taken > 300, "{taken} records taken");
    }

    /// The JSON vectors of `tests/data`, their line breaks and tabs made
    /// spaces so that they become plain: spaces everywhere, numbers.
    #[test]
    fn agrees_on_the_json_vectors() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut files = vec![std::path::PathBuf::from(dir)];
        let (mut seen, mut taken) = (0, 0);
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).expect("readable") {
                    files.push(entry.expect("entry").path());
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let mut text = std::fs::read(&path).expect("readable");
            for b in &mut text {
                if matches!(*b, b'\n' | b'\r' | b'\t') {
                    *b = b' ';
                }
            }
            seen += 1;
            taken += usize::from(agrees(&text));
        }
        assert!(seen > 50 && taken > 10, "{taken} of {seen} taken");
    }

    /// Records of the sample broken at many places, in many ways: whatever
    /// the plain parser takes of them, simd-json parses alike.
    #[test]
    fn agrees_on_broken_records() {
        let sample = include_bytes!("../../datasets/sample/credentials.jsonl");
        let replacements = [
            b'"', b'{', b'}', b'[', b']', b',', b':', b' ', b't', b'n', b'0', b'x', 0xff, 0xc3,
        ];
        let mut taken = 0;
        for line in sample.split(|&b| b == b'\n').take(12) {
            for at in (0..line.len()).step_by(5) {
                let mut cut = line.to_vec();
                cut.remove(at);
                taken += usize::from(agrees(&cut));
                taken += usize::from(agrees(&line[..at]));
                for &b in &replacements {
                    let mut swapped = line.to_vec();
                    swapped[at] = b;
                    taken += usize::from(agrees(&swapped));
                    let mut grown = line.to_vec();
                    grown.insert(at, b);
                    taken += usize::from(agrees(&grown));
                }
            }
        }
        // Changes inside strings leave most records valid.
        assert!(taken > 1000, "{taken} taken");
    }
}
