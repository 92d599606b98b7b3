//! Strict unpadded base64url (RFC 4648 §5), as compact JWS uses it (RFC 7515
//! §2): the URL-safe alphabet only, no `=`, no length of the form 4n + 1, and
//! the unused low bits of a final partial group must be zero, so that every
//! byte string has exactly one accepted encoding.
//!
//! A VC-JWT payload is 3-4 KB of base64url, decoded once per record; the
//! table-driven `base64` crate takes ~2.5 µs for it, 9% of a VC-JWT record's
//! time. With AVX2, 32 characters are checked and translated with range
//! compares and packed from 6-bit to 8-bit groups with two multiply-adds and
//! a shuffle (Muła and Lemire, "Faster Base64 Encoding and Decoding using
//! AVX2 Instructions", 2018); the remainder, and CPUs without AVX2, take the
//! table path. Both accept exactly what the `base64` crate's
//! `URL_SAFE_NO_PAD` engine accepts, which the tests check.

// The AVX2 decoder: intrinsics behind a run-time feature check.
#![allow(unsafe_code)]

/// Decodes `text` into `out` (cleared first); false if it is not strict
/// unpadded base64url, in which case `out` holds no meaningful bytes.
pub fn decode(text: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    if text.len() % 4 == 1 {
        return false;
    }
    out.reserve(text.len() / 4 * 3 + 2);
    let done = simd_prefix(text, out);
    let Some(done) = done else {
        return false;
    };
    decode_scalar(&text[done..], out)
}

/// Decodes a prefix of whole 32-character blocks with SIMD where the CPU has
/// it; the number of characters consumed, or None if one was invalid.
fn simd_prefix(text: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if text.len() >= 32 && std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was detected just above.
        return unsafe { avx2::decode_blocks(text, out) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (text, out);
    Some(0)
}

/// 0..=63 for the alphabet, `INVALID` for every other byte.
const INVALID: u8 = 0xff;

const TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// The table path: whole groups of four, then a final group of two or three.
fn decode_scalar(text: &[u8], out: &mut Vec<u8>) -> bool {
    let groups = text.chunks_exact(4);
    let tail = groups.remainder();
    for group in groups {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| TABLE[group[i] as usize]);
        if (a | b | c | d) > 63 {
            return false;
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    let mut values = [0u8; 3];
    for (v, &ch) in values.iter_mut().zip(tail) {
        *v = TABLE[ch as usize];
    }
    let values = &values[..tail.len()];
    if values.iter().any(|&v| v > 63) {
        return false;
    }
    match *values {
        [] => true,
        // Two characters carry one byte: 12 bits, the low 4 unused.
        [a, b] if b & 0x0f == 0 => {
            out.push(a << 2 | b >> 4);
            true
        }
        // Three carry two bytes: 18 bits, the low 2 unused.
        [a, b, c] if c & 0x03 == 0 => {
            out.push(a << 2 | b >> 4);
            out.push(b << 4 | c >> 2);
            true
        }
        _ => false,
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Decodes 32-character blocks while at least one whole block remains.
    #[target_feature(enable = "avx2")]
    pub(super) fn decode_blocks(text: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        // Each block stores 32 bytes of which 24 are kept, so the output
        // gets 8 bytes of room past the last block, cut off at the end.
        let blocks = text.len() / 32;
        let start = out.len();
        out.resize(start + blocks * 24 + 8, 0);
        for (i, block) in text.chunks_exact(32).enumerate() {
            // SAFETY: `block` is exactly 32 readable bytes; the load is
            // unaligned.
            let chars = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
            let Some(values) = translate(chars) else {
                out.truncate(start);
                return None;
            };
            let at = start + i * 24;
            let dest = &mut out[at..at + 32];
            // SAFETY: `dest` is exactly 32 writable bytes; the store is
            // unaligned.
            unsafe { _mm256_storeu_si256(dest.as_mut_ptr().cast(), pack(values)) };
        }
        out.truncate(start + blocks * 24);
        Some(blocks * 32)
    }

    /// Alphabet characters to their 6-bit values, or None if any byte is
    /// outside the alphabet. Bytes of 0x80 and above are negative to the
    /// signed compares and fall in no range.
    #[target_feature(enable = "avx2")]
    fn translate(chars: __m256i) -> Option<__m256i> {
        let at_least = |lo: u8| _mm256_cmpgt_epi8(chars, _mm256_set1_epi8((lo - 1) as i8));
        let at_most = |hi: u8| _mm256_cmpgt_epi8(_mm256_set1_epi8((hi + 1) as i8), chars);
        let within = |lo: u8, hi: u8| _mm256_and_si256(at_least(lo), at_most(hi));
        let is = |c: u8| _mm256_cmpeq_epi8(chars, _mm256_set1_epi8(c as i8));
        // (class mask, what to add to the character to get its value)
        let classes = [
            (within(b'A', b'Z'), -(b'A' as i8)),
            (within(b'a', b'z'), 26 - b'a' as i8),
            (within(b'0', b'9'), 52 - b'0' as i8),
            (is(b'-'), 62 - b'-' as i8),
            (is(b'_'), 63 - b'_' as i8),
        ];
        let mut valid = _mm256_setzero_si256();
        let mut offset = _mm256_setzero_si256();
        for (mask, add) in classes {
            valid = _mm256_or_si256(valid, mask);
            offset = _mm256_or_si256(offset, _mm256_and_si256(mask, _mm256_set1_epi8(add)));
        }
        if _mm256_movemask_epi8(valid) != -1 {
            return None;
        }
        Some(_mm256_add_epi8(chars, offset))
    }

    /// Four 6-bit values a, b, c, d per 32-bit lane into the three bytes of
    /// a<<18 | b<<12 | c<<6 | d, big-endian, 24 bytes at the front.
    #[target_feature(enable = "avx2")]
    fn pack(values: __m256i) -> __m256i {
        // Unsigned bytes times (64, 1), summed in pairs: a<<6 | b, c<<6 | d.
        let pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x0140_0140));
        // 16-bit halves times (4096, 1), summed: the 24-bit group.
        let groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
        // Each lane's three low bytes, most significant first; 12 bytes at
        // the front of each 128-bit half.
        let bytes = _mm256_shuffle_epi8(
            groups,
            _mm256_setr_epi8(
                2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, //
                2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
            ),
        );
        // The two halves' 12 bytes side by side.
        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    /// A small deterministic generator (xorshift64*), enough for test data.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Our answer and the `base64` crate's, for both of our paths.
    fn agree(text: &[u8]) {
        let expected = URL_SAFE_NO_PAD.decode(text).ok();
        let mut out = Vec::new();
        let got = decode(text, &mut out).then_some(out);
        assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(text));
        let mut out = Vec::new();
        let scalar = (text.len() % 4 != 1 && decode_scalar(text, &mut out)).then_some(out);
        assert_eq!(scalar, expected, "table path on {text:?}");
    }

    #[test]
    fn round_trips_every_length() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let text = URL_SAFE_NO_PAD.encode(&bytes);
            let mut out = Vec::new();
            assert!(decode(text.as_bytes(), &mut out), "length {len}");
            assert_eq!(out, bytes);
            agree(text.as_bytes());
        }
    }

    #[test]
    fn refuses_what_the_reference_refuses() {
        let mut rng = Rng(7);
        // Every byte value at every position of blocks crossing the SIMD and
        // table paths.
        let bytes: Vec<u8> = (0..75).map(|_| rng.next() as u8).collect();
        let text = URL_SAFE_NO_PAD.encode(&bytes).into_bytes();
        for pos in 0..text.len() {
            for value in 0..=255u8 {
                let mut t = text.clone();
                t[pos] = value;
                agree(&t);
            }
        }
        // Padding, lengths 4n + 1, standard alphabet, non-zero trailing bits.
        for case in [
            "QQ==", "QUI=", "QUJD=", "Q", "QUJDR", "a+b/", "QR", "QUJ", "QUE", "QQ",
        ] {
            agree(case.as_bytes());
        }
        // Random strings over an alphabet with a few strays.
        let alphabet = b"ABCXYZabcxyz0189-_+/=. \x00\x80\xff";
        for _ in 0..20_000 {
            let len = rng.below(100);
            let t: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(50) == 0 {
                        alphabet[rng.below(alphabet.len())]
                    } else {
                        b"QWxhZGRpbjpvcGVuIHNlc2FtZQ-_"[rng.below(28)]
                    }
                })
                .collect();
            agree(&t);
        }
    }
}
