//! Compact JWS (RFC 7515 §7.1): the VC-JOSE / VC-JWT envelope.
//!
//! The signing input is the original `header.payload` bytes; nothing is
//! re-encoded.

use crate::encoding::base64url;

/// The three parts of a compact JWS, still encoded.
#[derive(Clone, Copy, Debug)]
pub struct CompactJws<'a> {
    /// The protected header, base64url; never empty.
    pub header: &'a str,
    /// The payload, base64url; never empty.
    pub payload: &'a str,
    /// The signature, base64url; may be empty.
    pub signature: &'a str,
}

impl<'a> CompactJws<'a> {
    /// Splits a token into exactly three parts, the first two not empty.
    pub fn split(token: &'a str) -> Option<CompactJws<'a>> {
        let bytes = token.as_bytes();
        let first = memchr::memchr(b'.', bytes)?;
        let second = first + 1 + memchr::memchr(b'.', &bytes[first + 1..])?;
        if memchr::memchr(b'.', &bytes[second + 1..]).is_some() {
            return None;
        }
        // The dots are ASCII, so these are character boundaries.
        let (header, payload, signature) = (
            &token[..first],
            &token[first + 1..second],
            &token[second + 1..],
        );
        if header.is_empty() || payload.is_empty() {
            return None;
        }
        // The alphabet is checked where each part is decoded.
        Some(CompactJws {
            header,
            payload,
            signature,
        })
    }

    /// The bytes the signature covers: `header.payload`.
    pub fn signing_input(&self, token: &'a str) -> &'a [u8] {
        &token.as_bytes()[..self.header.len() + 1 + self.payload.len()]
    }
}

/// Whether a record looks like a bare compact JWS rather than JSON.
pub fn looks_like_jws(bytes: &[u8]) -> bool {
    bytes
        .first()
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        && bytes.contains(&b'.')
}

/// Decodes unpadded base64url into `out` (cleared first).
pub fn decode_b64url(text: &str, out: &mut Vec<u8>) -> bool {
    base64url::decode(text.as_bytes(), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_parts_only() {
        let t = "eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.c2ln";
        let jws = CompactJws::split(t).unwrap();
        assert_eq!(jws.signing_input(t), b"eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ");
        assert!(CompactJws::split("a.b").is_none());
        assert!(CompactJws::split("a.b.c.d").is_none());
        let mut out = Vec::new();
        assert!(
            !decode_b64url("b+", &mut out),
            "standard base64 is not base64url"
        );
        assert!(CompactJws::split(".b.c").is_none());
    }
}
