//! RDF for the JSON-LD proof suites: quads and N-Quads ([`nquads`]) and the
//! compact dataset of pre-serialized terms ([`dataset`]) that JSON-LD
//! expansion writes and RDF canonicalization ([`crate::canon::rdfc`]) reads.

pub mod dataset;
pub mod nquads;
