//! Canonical forms: the exact bytes a Data Integrity signature covers.
//!
//! - [`jcs`]: the JSON Canonicalization Scheme (RFC 8785), for
//!   `eddsa-jcs-2022`, written straight from the parsed record.
//! - [`rdfc`]: RDF Dataset Canonicalization (RDFC-1.0), for the JSON-LD
//!   suites `eddsa-rdfc-2022` and `Ed25519Signature2020`, over the datasets
//!   of [`crate::rdf`] that [`crate::jsonld`] makes.

pub mod jcs;
pub mod rdfc;
