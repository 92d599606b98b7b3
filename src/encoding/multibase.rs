//! Multibase (draft-multiformats-multibase): a one-character prefix naming
//! the encoding of what follows. Data Integrity uses two: `z`, base58btc
//! (`proofValue`, `publicKeyMultibase`), and `u`, unpadded base64url
//! (Bitstring Status List `encodedList`, §4.1).

use super::{base58, base64url};

/// Why a multibase value did not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MultibaseError {
    /// The value does not start with the expected prefix.
    #[error("not the expected multibase prefix")]
    Prefix,
    /// What follows the prefix is not in the prefix's encoding, or not of
    /// the expected length.
    #[error("not valid in its multibase encoding")]
    Encoding,
}

/// Decodes `z` followed by base58btc of exactly `N` bytes.
pub fn decode_base58btc<const N: usize>(text: &str) -> Result<[u8; N], MultibaseError> {
    let digits = text.strip_prefix('z').ok_or(MultibaseError::Prefix)?;
    base58::decode_exact::<N>(digits).ok_or(MultibaseError::Encoding)
}

/// Decodes `u` followed by strict unpadded base64url into `out` (cleared
/// first).
pub fn decode_base64url(text: &str, out: &mut Vec<u8>) -> Result<(), MultibaseError> {
    let digits = text.strip_prefix('u').ok_or(MultibaseError::Prefix)?;
    if base64url::decode(digits.as_bytes(), out) {
        Ok(())
    } else {
        Err(MultibaseError::Encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_the_encoding() {
        assert_eq!(decode_base58btc::<2>("z5Q"), Err(MultibaseError::Encoding));
        assert_eq!(decode_base58btc::<1>("z5Q"), Ok([0xff]));
        assert_eq!(decode_base58btc::<1>("5Q"), Err(MultibaseError::Prefix));
        let mut out = Vec::new();
        assert_eq!(decode_base64url("uAQI", &mut out), Ok(()));
        assert_eq!(out, [1, 2]);
        assert_eq!(
            decode_base64url("AQI", &mut out),
            Err(MultibaseError::Prefix)
        );
        assert_eq!(
            decode_base64url("uAQI=", &mut out),
            Err(MultibaseError::Encoding)
        );
    }
}
