//! RDF for the JSON-LD proof suites (`eddsa-rdfc-2022`,
//! `Ed25519Signature2020`): quads and canonical N-Quads ([`nquads`]) and
//! RDF Dataset Canonicalization, RDFC-1.0 ([`canon`]).
//!
//! This is the first stage of that path; JSON-LD expansion to RDF and the
//! suites themselves build on it.

pub mod canon;
pub mod dataset;
pub mod nquads;
