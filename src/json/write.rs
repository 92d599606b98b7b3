//! The JSON writer: strings with the minimal escaping of RFC 8785
//! §3.2.2.2 (which is also what `JSON.stringify` writes), numbers in the
//! ECMAScript form, integers without allocation. JCS, verdict records and
//! the run summary all write JSON through these.

/// Appends a finite double in ECMAScript `Number.prototype.toString` form.
pub fn write_number(out: &mut Vec<u8>, v: f64) {
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format_finite(v).as_bytes());
}

/// The decimal digits of an integer, formatted without allocation.
pub struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    /// The digits.
    pub fn take(&mut self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// The decimal digits of `v`.
pub fn digits(mut v: u64) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return d;
        }
    }
}

/// Appends a JSON string with RFC 8785 §3.2.2.2 escaping: `"` and `\`, the
/// two-letter escapes for \b \t \n \f \r, `\u00xx` (lower-case hex) for the
/// other controls, everything else as is.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let first = first_to_escape(bytes);
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if first == bytes.len() {
        // The common case: nothing to escape, one copy.
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 15) as usize],
                ]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Position of the first byte that needs escaping, or the length: eight
/// bytes at a time, then byte by byte.
#[inline]
fn first_to_escape(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        if needs_escape(u64::from_le_bytes(word.try_into().unwrap_or_default())) {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], 0x00..=0x1f | b'"' | b'\\') {
        i += 1;
    }
    i
}

/// Whether any of the eight bytes is a control character, `"` or `\\`
/// (the classic "has a zero byte" / "has a byte less than n" bit tricks).
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space | has_zero(w ^ (ONES * u64::from(b'"'))) | has_zero(w ^ (ONES * u64::from(b'\\'))))
        != 0
}
