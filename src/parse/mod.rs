//! Records into a borrowed credential view, and the canonical forms that
//! signatures cover: JCS (RFC 8785) and the JWS signing input.

pub mod base58;
pub mod base64url;
pub mod credential;
pub mod jcs;
pub mod json;
pub mod jws;
mod multibuffer;
mod plain;
pub mod sha256x;
pub mod sha512x;
