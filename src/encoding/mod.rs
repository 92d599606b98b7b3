//! Text encodings of binary values, one decoder each: [`base58`]
//! (base58btc, for `proofValue` and Multikey), [`base64url`] (JWS, JWK,
//! `encodedList`), and [`multibase`], the prefixed forms Data Integrity
//! uses.

pub mod base58;
pub mod base64url;
pub mod multibase;
