//! SHA-256 and SHA-512 over many messages at once.
//!
//! Canonical documents are hashed hundreds per chunk, and every Ed25519
//! challenge is a SHA-512: [`sha256`] and [`sha512`] run one message per
//! SIMD lane (AVX-512 or AVX2), [`multibuffer`] cuts messages into lanes.

mod multibuffer;
pub mod sha256;
pub mod sha512;
