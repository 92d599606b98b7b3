//! Splits a JSON array into its elements without parsing it: a byte scanner
//! that knows strings, escapes and nesting, fed block by block.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    /// Before the opening `[`.
    #[default]
    Start,
    /// Inside the array, where an element (or `]`) may begin.
    BeforeElement { after_comma: bool },
    /// Inside an element.
    InElement,
    /// After the closing `]`.
    Closed,
}

/// A streaming splitter of one JSON array.
#[derive(Debug, Default)]
pub struct ArrayScanner {
    state: State,
    /// Nesting inside the current element.
    nest: u64,
    in_string: bool,
    escaped: bool,
    element_start: u64,
    /// Offset of the last non-space byte of the current element, plus one.
    element_end: u64,
    trailing_data: bool,
    not_an_array: bool,
    unclosed: bool,
}

impl ArrayScanner {
    /// Scans `data`, which starts at absolute offset `base`, and appends the
    /// range of every element that ends within it.
    pub fn feed(&mut self, data: &[u8], base: u64, out: &mut Vec<Range<u64>>) {
        for (i, &b) in data.iter().enumerate() {
            let at = base + i as u64;
            match self.state {
                State::Start => match b {
                    b'[' => self.state = State::BeforeElement { after_comma: false },
                    _ if b.is_ascii_whitespace() => {}
                    _ => {
                        self.not_an_array = true;
                        self.state = State::Closed;
                    }
                },
                State::BeforeElement { after_comma } => match b {
                    _ if b.is_ascii_whitespace() => {}
                    b']' => {
                        if after_comma {
                            // `[a,]`: an empty element, reported as a record.
                            out.push(at..at);
                        }
                        self.state = State::Closed;
                    }
                    b',' => out.push(at..at), // `[,` or `,,`: an empty element
                    _ => {
                        self.state = State::InElement;
                        self.element_start = at;
                        self.nest = 0;
                        self.in_string = false;
                        self.escaped = false;
                        self.step(b, at, out);
                    }
                },
                State::InElement => self.step(b, at, out),
                State::Closed => {
                    if !b.is_ascii_whitespace() {
                        self.trailing_data = true;
                    }
                }
            }
        }
    }

    #[inline]
    fn step(&mut self, b: u8, at: u64, out: &mut Vec<Range<u64>>) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            self.element_end = at + 1;
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'[' | b'{' => self.nest += 1,
            b']' | b'}' if self.nest > 0 => self.nest -= 1,
            b',' | b']' if self.nest == 0 => {
                out.push(self.element_start..self.element_end);
                self.state = if b == b',' {
                    State::BeforeElement { after_comma: true }
                } else {
                    State::Closed
                };
                return;
            }
            _ if b.is_ascii_whitespace() => return,
            _ => {}
        }
        self.element_end = at + 1;
    }

    /// Ends the input at absolute offset `end`: an element still open (a
    /// truncated file) is emitted as it is, so it gets its own verdict.
    pub fn finish(&mut self, _end: u64, out: &mut Vec<Range<u64>>) {
        match self.state {
            State::InElement => {
                out.push(self.element_start..self.element_end);
                self.unclosed = true;
            }
            State::BeforeElement { .. } | State::Start => self.unclosed = !self.not_an_array,
            State::Closed => {}
        }
        self.state = State::Closed;
    }

    /// Where the element being scanned began, if one is open.
    pub fn open_element_start(&self) -> Option<u64> {
        (self.state == State::InElement).then_some(self.element_start)
    }

    /// What was wrong with the array as a whole, if anything.
    pub fn problem(&self) -> Option<ArrayProblem> {
        if self.not_an_array {
            Some(ArrayProblem::NotAnArray)
        } else if self.unclosed {
            Some(ArrayProblem::Unclosed)
        } else if self.trailing_data {
            Some(ArrayProblem::TrailingData)
        } else {
            None
        }
    }
}

/// What is wrong with an array as a whole, once it is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArrayProblem {
    /// The text does not open with `[`.
    #[error("the input does not start with a JSON array")]
    NotAnArray,
    /// The text ends inside the array.
    #[error("the JSON array is not closed (truncated input?)")]
    Unclosed,
    /// Something follows the closing `]`.
    #[error("data after the end of the JSON array was ignored")]
    TrailingData,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, block: usize) -> (Vec<String>, Option<ArrayProblem>) {
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
        (parts, s.problem())
    }

    #[test]
    fn splits_elements_whatever_the_block_size() {
        let text = r#" [ {"a":"x,]}\"y"} , "tok.en.s" ,{"b":[1,{"c":[]}]}] "#;
        for block in [1, 2, 3, 7, 64] {
            let (parts, problem) = split(text, block);
            assert_eq!(
                parts,
                [
                    r#"{"a":"x,]}\"y"}"#,
                    r#""tok.en.s""#,
                    r#"{"b":[1,{"c":[]}]}"#
                ],
                "block {block}"
            );
            assert_eq!(problem, None);
        }
    }

    #[test]
    fn reports_empty_truncated_and_trailing() {
        assert_eq!(split("[]", 1), (vec![], None));
        assert_eq!(split("[1,,2,]", 3).0, ["1", "", "2", ""]);
        let (parts, problem) = split(r#"[{"a":1},{"b":"#, 4);
        assert_eq!(parts, [r#"{"a":1}"#, r#"{"b":"#]);
        assert_eq!(problem, Some(ArrayProblem::Unclosed));
        assert_eq!(split("[1] x", 2).1, Some(ArrayProblem::TrailingData));
    }
}
