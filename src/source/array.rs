//! Splits a JSON array into its elements without building it: a streaming
//! JSON grammar checker, fed block by block, that knows where each element
//! of the outermost array begins and ends.
//!
//! # The framing rule
//!
//! The scanner checks the whole text against JSON's grammar (RFC 8259:
//! strings with their escapes and no raw control characters, numbers,
//! literals, brackets that match, separators where they belong), but not
//! UTF-8, which each element's own parser checks. One exception: an
//! element of the outermost array may also be a bare token of the
//! characters of a compact JWS (letters, digits, `-_.+/=~`), as JSON Lines
//! records may; the element's own parser judges it (a bare `true`, `1` or
//! `tru` is then a `malformed` record of its own, framing intact).
//!
//! - While the text is valid, every element of the outermost array is one
//!   record: exactly the values a JSON parser sees in that array.
//! - At the first byte that breaks the grammar, framing is lost: an
//!   unterminated string, for one, turns every later quote inside out, and
//!   no rule can tell which later bytes were meant as elements. Elements
//!   that ended before that byte stay records. Everything from the start of
//!   the element in which the error lies (or from the error itself, when it
//!   lies between elements or after the array) to the end of the input is
//!   **one** record, judged `malformed` with the problem `framing_lost`.
//!   Text that ends inside the array (a truncated file) loses framing at
//!   its end the same way.
//!
//! So no verdict is ever made up from a damaged region, and no record
//! disappears without one: a damaged input has exactly one more verdict
//! than the elements that precede the damage, and standard error says
//! where the damage starts.

use std::ops::Range;

/// Where the scanner is in the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    /// Before the opening `[`.
    #[default]
    Start,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a name or `}`.
    ObjectFirst,
    /// A value must follow (after `,` in an array, `:` in an object).
    Value,
    /// A member name must follow (after `,` in an object).
    Name,
    /// After a member name: `:`.
    Colon,
    /// After a value: `,` or the closing bracket.
    AfterValue,
    /// Inside a string (a member name when `name`).
    Str { name: bool },
    /// After a backslash in a string.
    Escape { name: bool },
    /// Inside `\uXXXX`, `left` hex digits to go.
    Hex { name: bool, left: u8 },
    /// Inside a number.
    Number(Num),
    /// Inside `true`, `false` or `null`: the bytes still expected.
    Literal { rest: &'static [u8] },
    /// Inside a bare token, an element of the outermost array.
    Bare,
    /// After the closing `]` of the outermost array.
    Done,
    /// The grammar broke; nothing more is read.
    Damaged,
}

/// The states of JSON's number grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    /// After `-`: a digit must follow.
    Minus,
    /// A leading `0`.
    Zero,
    /// Integer digits.
    Int,
    /// After `.`: a digit must follow.
    Dot,
    /// Fraction digits.
    Frac,
    /// After `e`: a sign or digit.
    Exp,
    /// After the exponent's sign: a digit.
    ExpSign,
    /// Exponent digits.
    ExpDigits,
}

impl Num {
    /// Whether a number may end in this state.
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }

    /// The state after `b`, or None when `b` is not part of the number.
    fn step(self, b: u8) -> Option<Num> {
        Some(match (self, b) {
            (Num::Minus, b'0') => Num::Zero,
            (Num::Minus, b'1'..=b'9') => Num::Int,
            (Num::Int, b'0'..=b'9') => Num::Int,
            (Num::Zero | Num::Int, b'.') => Num::Dot,
            (Num::Dot | Num::Frac, b'0'..=b'9') => Num::Frac,
            (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::Exp,
            (Num::Exp, b'+' | b'-') => Num::ExpSign,
            (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Num::ExpDigits,
            _ => return None,
        })
    }
}

/// Where a JSON array input lost its framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first byte that breaks the grammar (the input's length
    /// when it ends too soon).
    pub error: u64,
    /// Offset where the damaged record starts: the start of the element
    /// holding the error, or the error itself between elements.
    pub start: u64,
    /// What broke.
    pub problem: ArrayProblem,
}

/// A streaming splitter of one JSON array.
#[derive(Debug, Default)]
pub struct ArrayScanner {
    state: State,
    /// One bit per open container below the outermost array: set for an
    /// object.
    stack: Vec<u64>,
    /// Open containers, the outermost array included.
    depth: usize,
    element_start: u64,
    damage: Option<Damage>,
}

impl ArrayScanner {
    /// Scans `data`, which starts at absolute offset `base`, and appends the
    /// range of every element that ends within it. Once the framing is
    /// lost ([`ArrayScanner::damage`]), nothing more is read.
    pub fn feed(&mut self, data: &[u8], base: u64, out: &mut Vec<Range<u64>>) {
        let mut i = 0;
        while i < data.len() {
            if self.state == State::Damaged {
                return;
            }
            // Inside a string, skip plain bytes in one go.
            if let State::Str { .. } = self.state {
                let run = data[i..]
                    .iter()
                    .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                    .unwrap_or(data.len() - i);
                i += run;
                if i == data.len() {
                    return;
                }
            }
            self.step(data[i], base + i as u64, out);
            i += 1;
        }
    }

    /// Ends the input at absolute offset `end`. Text that ends inside the
    /// array loses its framing there.
    pub fn finish(&mut self, end: u64, out: &mut Vec<Range<u64>>) {
        match self.state {
            State::Number(n) if n.complete() => self.end_value(end, out),
            State::Bare => self.end_value(end, out),
            _ => {}
        }
        match self.state {
            State::Done | State::Damaged => {}
            State::Start => self.lose(end, end, ArrayProblem::NotAnArray),
            _ => {
                let start = if self.in_element() {
                    self.element_start
                } else {
                    end
                };
                self.lose(end, start, ArrayProblem::Unclosed);
            }
        }
    }

    /// Where the element being scanned began, if one is open.
    pub fn open_element_start(&self) -> Option<u64> {
        self.in_element().then_some(self.element_start)
    }

    /// Where the framing was lost, if it was.
    pub fn damage(&self) -> Option<Damage> {
        self.damage
    }

    /// Whether an element of the outermost array is open: inside a nested
    /// container, or inside a scalar at the top.
    fn in_element(&self) -> bool {
        match self.state {
            State::Start | State::Done | State::Damaged => false,
            State::ArrayFirst | State::Value | State::AfterValue => self.depth > 1,
            _ => true,
        }
    }

    fn lose(&mut self, error: u64, start: u64, problem: ArrayProblem) {
        self.damage = Some(Damage {
            error,
            start,
            problem,
        });
        self.state = State::Damaged;
    }

    /// A broken byte at `at`.
    fn broken(&mut self, at: u64) {
        let start = if self.in_element() {
            self.element_start
        } else {
            at
        };
        let problem = if self.state == State::Done {
            ArrayProblem::TrailingData
        } else if self.state == State::Start {
            ArrayProblem::NotAnArray
        } else {
            ArrayProblem::Syntax
        };
        self.lose(at, start, problem);
    }

    fn is_object(&self) -> bool {
        // The outermost array has no bit; container k (depth k + 1) has bit k - 1.
        let k = self.depth - 2;
        self.stack[k / 64] >> (k % 64) & 1 == 1
    }

    fn push(&mut self, object: bool) {
        let k = self.depth - 1;
        if k / 64 == self.stack.len() {
            self.stack.push(0);
        }
        let mask = 1u64 << (k % 64);
        if object {
            self.stack[k / 64] |= mask;
        } else {
            self.stack[k / 64] &= !mask;
        }
        self.depth += 1;
    }

    /// A value begins at `at` (in a state that expects one).
    fn begin_value(&mut self, b: u8, at: u64) -> bool {
        if self.depth == 1 {
            self.element_start = at;
            if bare(b) {
                self.state = State::Bare;
                return true;
            }
        }
        self.state = match b {
            b'{' => {
                self.push(true);
                State::ObjectFirst
            }
            b'[' => {
                self.push(false);
                State::ArrayFirst
            }
            b'"' => State::Str { name: false },
            b'-' => State::Number(Num::Minus),
            b'0' => State::Number(Num::Zero),
            b'1'..=b'9' => State::Number(Num::Int),
            b't' => State::Literal { rest: b"rue" },
            b'f' => State::Literal { rest: b"alse" },
            b'n' => State::Literal { rest: b"ull" },
            _ => return false,
        };
        true
    }

    /// A value ended just before `end`.
    fn end_value(&mut self, end: u64, out: &mut Vec<Range<u64>>) {
        if self.depth == 1 {
            out.push(self.element_start..end);
        }
        self.state = State::AfterValue;
    }

    /// A closing bracket `b` at `at` after a value or an opening one.
    fn close(&mut self, b: u8, at: u64, out: &mut Vec<Range<u64>>) {
        let object = self.depth > 1 && self.is_object();
        if (b == b'}') != object {
            return self.broken(at);
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.state = State::Done;
        } else {
            self.end_value(at + 1, out);
        }
    }

    #[inline]
    fn step(&mut self, b: u8, at: u64, out: &mut Vec<Range<u64>>) {
        let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.state {
            State::Start => match b {
                b'[' => {
                    self.depth = 1;
                    self.state = State::ArrayFirst;
                }
                _ if space => {}
                _ => self.broken(at),
            },
            State::ArrayFirst | State::Value => {
                if space {
                } else if b == b']' && self.state == State::ArrayFirst {
                    self.close(b, at, out);
                } else if !self.begin_value(b, at) {
                    self.broken(at);
                }
            }
            State::ObjectFirst | State::Name => match b {
                b'"' => self.state = State::Str { name: true },
                b'}' if self.state == State::ObjectFirst => self.close(b, at, out),
                _ if space => {}
                _ => self.broken(at),
            },
            State::Colon => match b {
                b':' => self.state = State::Value,
                _ if space => {}
                _ => self.broken(at),
            },
            State::AfterValue => match b {
                b',' => {
                    self.state = if self.depth > 1 && self.is_object() {
                        State::Name
                    } else {
                        State::Value
                    }
                }
                b']' | b'}' => self.close(b, at, out),
                _ if space => {}
                _ => self.broken(at),
            },
            State::Str { name } => match b {
                b'"' if name => self.state = State::Colon,
                b'"' => self.end_value(at + 1, out),
                b'\\' => self.state = State::Escape { name },
                0..0x20 => self.broken(at),
                _ => {}
            },
            State::Escape { name } => match b {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                    self.state = State::Str { name }
                }
                b'u' => self.state = State::Hex { name, left: 4 },
                _ => self.broken(at),
            },
            State::Hex { name, left } => {
                if !b.is_ascii_hexdigit() {
                    self.broken(at);
                } else if left == 1 {
                    self.state = State::Str { name };
                } else {
                    self.state = State::Hex {
                        name,
                        left: left - 1,
                    };
                }
            }
            State::Number(n) => match n.step(b) {
                Some(next) => self.state = State::Number(next),
                None if n.complete() => {
                    self.end_value(at, out);
                    self.step(b, at, out);
                }
                None => self.broken(at),
            },
            State::Bare => {
                if space || b == b',' || b == b']' {
                    self.end_value(at, out);
                    self.step(b, at, out);
                } else if !bare(b) {
                    self.broken(at);
                }
            }
            State::Literal { rest } => {
                if rest.first() != Some(&b) {
                    self.broken(at);
                } else if rest.len() == 1 {
                    self.end_value(at + 1, out);
                } else {
                    self.state = State::Literal { rest: &rest[1..] };
                }
            }
            State::Done => {
                if !space {
                    self.broken(at);
                }
            }
            State::Damaged => {}
        }
    }
}

/// A byte of a bare token: the characters of a compact JWS and of JSON
/// numbers and literals.
fn bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=' | b'~')
}

/// Why a JSON array input lost its framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArrayProblem {
    /// The text does not open with `[`.
    #[error("the input does not start with a JSON array")]
    NotAnArray,
    /// A byte breaks JSON's grammar.
    #[error("the JSON array breaks JSON's grammar")]
    Syntax,
    /// The text ends inside the array.
    #[error("the JSON array is not closed (truncated input?)")]
    Unclosed,
    /// Something follows the closing `]`.
    #[error("data follows the end of the JSON array")]
    TrailingData,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements, and the damage, of `text` fed in blocks of `block`.
    fn split(text: &str, block: usize) -> (Vec<String>, Option<Damage>) {
        let mut s = ArrayScanner::default();
        let mut spans = Vec::new();
        for (i, part) in text.as_bytes().chunks(block).enumerate() {
            s.feed(part, (i * block) as u64, &mut spans);
        }
        s.finish(text.len() as u64, &mut spans);
        let parts = spans
            .into_iter()
            .map(|r| text[r.start as usize..r.end as usize].to_owned())
            .collect();
        (parts, s.damage())
    }

    #[test]
    fn splits_elements_whatever_the_block_size() {
        let text = r#" [ {"a":"x,]}\"y"} , "tok.en.s" ,{"b":[1,{"c":[]}]}, -0.5e+3,true ,null] "#;
        for block in [1, 2, 3, 7, 64] {
            let (parts, damage) = split(text, block);
            assert_eq!(
                parts,
                [
                    r#"{"a":"x,]}\"y"}"#,
                    r#""tok.en.s""#,
                    r#"{"b":[1,{"c":[]}]}"#,
                    "-0.5e+3",
                    "true",
                    "null"
                ],
                "block {block}"
            );
            assert_eq!(damage, None);
        }
    }

    #[test]
    fn damage_starts_at_the_element_that_holds_the_error() {
        // An unterminated string: the damage starts at its element.
        let text = r#"[{"a":1},{"b":"x},{"c":2},{"d":3}]"#;
        let (parts, damage) = split(text, 5);
        assert_eq!(parts, [r#"{"a":1}"#]);
        let damage = damage.expect("damaged");
        assert_eq!(damage.start, 9);
        assert_eq!(damage.problem, ArrayProblem::Syntax);
        // Between elements: the damage starts at the error.
        let (parts, damage) = split("[1,,2]", 1);
        assert_eq!(parts, ["1"]);
        assert_eq!(damage.map(|d| (d.start, d.error)), Some((3, 3)));
        // Truncated inside an element, or after one.
        let (parts, damage) = split(r#"[{"a":1},{"b":"#, 4);
        assert_eq!(parts, [r#"{"a":1}"#]);
        assert_eq!(
            damage.map(|d| (d.start, d.problem)),
            Some((9, ArrayProblem::Unclosed))
        );
        let (parts, damage) = split("[1,2", 3);
        assert_eq!(parts, ["1", "2"]);
        assert_eq!(damage.map(|d| d.start), Some(4));
        // Trailing data, a mismatched bracket, a control byte in a string,
        // a bad escape, a broken literal, a number without digits.
        assert_eq!(
            split("[1] x", 2).1.map(|d| d.problem),
            Some(ArrayProblem::TrailingData)
        );
        assert_eq!(split("[1] [2]", 2).0, ["1"]);
        for broken in [
            "[{]",
            "[[}]",
            "[\"a\nb\"]",
            r#"["\x"]"#,
            "[[tru]]",
            "[[-]]",
            r#"[{"a":1.}]"#,
            "[eyJ0.x\"]",
            r#"[{"a" 1}]"#,
            r#"[{1:2}]"#,
        ] {
            let (parts, damage) = split(broken, 2);
            assert!(damage.is_some(), "{broken}: {parts:?}");
            assert!(parts.is_empty(), "{broken}: {parts:?}");
        }
        // A value that ended before the error stays a record, as a JSON
        // tokenizer reads it.
        assert_eq!(split("[[0]1]", 1).0, ["[0]"]);
        assert_eq!(split("[1 2]", 1).0, ["1"]);
        // Bare tokens at the top are elements, as in JSON Lines.
        assert_eq!(
            split("[eyJh.eyJi.c2ln , tru,1.,-]", 3),
            (
                vec![
                    "eyJh.eyJi.c2ln".into(),
                    "tru".into(),
                    "1.".into(),
                    "-".into()
                ],
                None
            )
        );
        assert_eq!(
            split("  {}", 1).1.map(|d| d.problem),
            Some(ArrayProblem::NotAnArray)
        );
        assert_eq!(split("[]", 1), (vec![], None));
    }
}
