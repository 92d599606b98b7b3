//! I-JSON for every number (RFC 7493 §2.2): a number is accepted only when
//! the double it parses to, written back in shortest round-trip form (as
//! JCS writes it, RFC 8785 §3.2.2.3), is the same decimal value.
//!
//! JCS signs the double, not the text: two texts that parse to one double
//! (`9007199254740993` and `9007199254740992`, `3.14159265358979323846`
//! and `3.141592653589793`) canonicalize alike and verify under one
//! signature. Refusing every text that is not its double's shortest form
//! leaves one accepted text per double (trailing zeros, a leading minus on
//! zero and exponent notation aside), so two different values never verify
//! under one signature.
//!
//! The check reads the record's text, because the parsed tape holds only
//! the double: [`check_text`] runs once per record that has a fraction, an
//! exponent or an integer beyond 2^53 (integers up to 2^53 are always
//! exact and skip it).

use crate::verdict::Problem;

/// A decimal value in normal form: `0.d₁d₂…dₙ × 10^exponent` with `d₁ ≠ 0`
/// and `dₙ ≠ 0`, or zero (no digits).
#[derive(Debug, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    /// Significant digits, leading and trailing zeros removed; borrowed
    /// from `buffer` when they had to be joined across the decimal point.
    digits: DigitRun<'a>,
    exponent: i64,
}

/// Significant digits, kept without copying when they are contiguous.
#[derive(Debug)]
enum DigitRun<'a> {
    Slice(&'a [u8]),
    Joined(Vec<u8>),
}

impl DigitRun<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            DigitRun::Slice(s) => s,
            DigitRun::Joined(v) => v,
        }
    }
}

impl PartialEq for DigitRun<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for DigitRun<'_> {}

/// Longest exponent field read exactly; longer ones are out of range
/// whatever their digits (a double's decimal exponent lies within ±400).
const MAX_EXPONENT_DIGITS: usize = 6;

/// Reads a JSON number token (already validated by the parser) into its
/// normal form; None when its exponent is beyond any double's.
fn decimal(token: &[u8]) -> Option<Decimal<'_>> {
    let (negative, rest) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, token),
    };
    let mantissa_end = rest
        .iter()
        .position(|&b| b == b'e' || b == b'E')
        .unwrap_or(rest.len());
    let (mantissa, exp_part) = rest.split_at(mantissa_end);
    let mut exponent: i64 = 0;
    if let Some((_, field)) = exp_part.split_first() {
        let (sign, digits) = match field.split_first() {
            Some((b'-', d)) => (-1, d),
            Some((b'+', d)) => (1, d),
            _ => (1, field),
        };
        let digits = trim_leading_zeros(digits);
        if digits.len() > MAX_EXPONENT_DIGITS {
            return None;
        }
        for &d in digits {
            exponent = exponent * 10 + i64::from(d - b'0');
        }
        exponent *= sign;
    }
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
        None => (mantissa, &mantissa[..0]),
    };
    // value = int.frac × 10^exponent = 0.(int frac) × 10^(exponent + len(int))
    let int = trim_leading_zeros(int);
    let digits = if int.is_empty() {
        let frac_trimmed = trim_leading_zeros(frac);
        exponent -= (frac.len() - frac_trimmed.len()) as i64;
        DigitRun::Slice(trim_trailing_zeros(frac_trimmed))
    } else {
        exponent += int.len() as i64;
        if trim_trailing_zeros(frac).is_empty() {
            DigitRun::Slice(trim_trailing_zeros(int))
        } else {
            let mut joined = Vec::with_capacity(int.len() + frac.len());
            joined.extend_from_slice(int);
            joined.extend_from_slice(trim_trailing_zeros(frac));
            DigitRun::Joined(joined)
        }
    };
    if digits.bytes().is_empty() {
        // Zero, whatever its sign or exponent.
        return Some(Decimal {
            negative: false,
            digits,
            exponent: 0,
        });
    }
    Some(Decimal {
        negative,
        digits,
        exponent,
    })
}

fn trim_leading_zeros(d: &[u8]) -> &[u8] {
    let start = d.iter().position(|&b| b != b'0').unwrap_or(d.len());
    &d[start..]
}

fn trim_trailing_zeros(d: &[u8]) -> &[u8] {
    let end = d.iter().rposition(|&b| b != b'0').map_or(0, |i| i + 1);
    &d[..end]
}

/// Longest token whose double is worth computing: no double needs more
/// than 17 significant digits, so a longer run of significant digits is
/// refused without parsing (the bound keeps hostile 10 MB numbers cheap).
const MAX_SIGNIFICANT_DIGITS: usize = 17;

/// Whether a JSON number token (valid JSON number syntax) is the shortest
/// round-trip form of its double, in value.
pub fn is_exact(token: &[u8]) -> bool {
    let Some(value) = decimal(token) else {
        return false;
    };
    if value.digits.bytes().len() > MAX_SIGNIFICANT_DIGITS {
        return false;
    }
    // The token is ASCII by JSON's grammar.
    let Ok(text) = std::str::from_utf8(token) else {
        return false;
    };
    let Ok(double) = text.parse::<f64>() else {
        return false;
    };
    if !double.is_finite() {
        return false;
    }
    let mut buffer = ryu_js::Buffer::new();
    let shortest = buffer.format_finite(double);
    decimal(shortest.as_bytes()).is_some_and(|s| s == value)
}

/// Checks every number token of a JSON text that parsed: refuses the first
/// one that is not exact ([`is_exact`]). Strings are skipped, escapes
/// included.
pub fn check_text(text: &[u8]) -> Result<(), Problem> {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() {
                    match text[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < text.len()
                    && matches!(text[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                if !is_exact(&text[start..i]) {
                    return Err(Problem::NumberOutOfRange);
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_forms_pass_whatever_their_notation() {
        for ok in [
            "0",
            "-0",
            "0.0",
            "0e10",
            "1",
            "-1",
            "0.1",
            "1.10",
            "1.5e3",
            "1500",
            "1.5E+3",
            "15e2",
            "0.002",
            "2e-3",
            "1e+30",
            "1E30",
            "4.50",
            "1e-27",
            "333333333.3333333",
            "9007199254740992",
            "-9007199254740992",
        ] {
            assert!(is_exact(ok.as_bytes()), "{ok}");
        }
        // 2^63 and 2^64 are doubles, but print as other decimal values.
        assert!(!is_exact(b"9223372036854775808"));
        assert!(!is_exact(b"18446744073709551616"));
        assert!(is_exact(b"9223372036854776000"));
        assert!(is_exact(b"18446744073709552000"));
        assert!(is_exact(b"3333333333333334000"));
        assert!(is_exact(b"1.7976931348623157e308"));
        assert!(is_exact(b"5e-324"));
    }

    #[test]
    fn values_that_a_double_cannot_hold_are_refused() {
        for bad in [
            "9007199254740993",
            "-9007199254740993",
            "18446744073709551616",
            "18446744073709551615",
            "-18446744073709551616",
            "3333333333333333504",
            "1e400",
            "-1e400",
            "1e-400",
            "3.14159265358979323846",
            "333333333.33333329",
            "0.30000000000000001",
            "123456789012345678",
            "1e1000000000000",
            "100000000000000000000000000000000000000000000000000000000001",
        ] {
            assert!(!is_exact(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn the_text_scan_skips_strings() {
        assert_eq!(
            check_text(br#"{"a":"9007199254740993","b\"9007199254740993":1.5}"#),
            Ok(())
        );
        assert_eq!(
            check_text(br#"{"a":[1,2,9007199254740993]}"#),
            Err(Problem::NumberOutOfRange)
        );
        assert_eq!(check_text(br#"[-0.5e-3, 1e2]"#), Ok(()));
    }
}
