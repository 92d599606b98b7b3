//! credverify verifies digital credentials in bulk, offline: Open Badges 3.0
//! and W3C Verifiable Credentials secured with Data Integrity proofs
//! (`eddsa-jcs-2022`, `eddsa-rdfc-2022`, `Ed25519Signature2020`) or as
//! VC-JOSE / VC-JWT tokens (EdDSA), one verdict per record, in input order.
//!
//! ```text
//! source ──▶ json ──▶ evaluate ─────────────────────────────▶ verify ──▶ report
//! mmap/gz    tape     credential: members, validity, status    Ed25519    JSONL/CSV
//! chunks              suite: canonical forms (canon, jsonld),  batches    summary
//!                            key (resolve)                     │
//!                     status admitted once the proof holds ◀───┘
//! ```
//!
//! - [`source`] cuts inputs into chunks of whole records.
//! - [`json`] parses each record into a borrowed view ([`json::Value`]);
//!   [`credential`] reads the credential's members from it.
//! - [`evaluate`] takes every record through the same steps: the
//!   credential's members, its validity window
//!   ([`evaluate::validity`]), its status entries ([`status`]); then its
//!   proof, by its [`suite`], which writes the bytes the signature covers
//!   ([`canon`]: JCS and RDFC-1.0, with [`jsonld`] and [`rdf`]) and finds
//!   the key ([`resolve`]). Status counts only once the proof has verified
//!   ([`evaluate::admit_status`]).
//! - [`verify`](mod@verify) checks Ed25519 signatures in batches over the
//!   cofactored equation, finding each failed record's own answer; its
//!   messages are hashed many at a time ([`hash`]).
//! - [`report`] renders verdict records ([`verdict::VerdictRecord`]) and
//!   the run summary.
//! - [`pipeline`] drives it all, sequentially or on a pool of workers, with
//!   byte-identical output; [`run`] loads what a run needs once and starts
//!   it; [`cli`] is the command line.
//!
//! The principal types: [`VerifyConfig`] (what to verify, judged at which
//! instant), [`report::Sink`] (where verdicts go), [`verdict::Verdict`],
//! [`verdict::Problem`] and [`verdict::Evidence`] (what a record got and
//! why), [`report::summary::RunSummary`] (what a run found) and
//! [`error::RunError`] (why a run stopped).
//!
//! ```no_run
//! use credverify::report::NullSink;
//! use credverify::source::InputPath;
//! use credverify::time::Timestamp;
//! use credverify::verdict::Verdict;
//! use credverify::{VerifyConfig, verify};
//!
//! let as_of = Timestamp::parse("2026-01-01T00:00:00Z").expect("an RFC 3339 instant");
//! let config = VerifyConfig::new(vec![InputPath::parse("credentials.jsonl")], as_of);
//! let summary = verify(&config, &mut NullSink).expect("the run completes");
//! println!("{} of {} valid", summary.count(Verdict::Valid), summary.records);
//! ```
//!
//! ## Layers
//!
//! A module may use only the modules on the lines below its own, so the
//! modules form no cycle. `tests/layering.rs` reads this list and every
//! path from the crate root under `src/` (`crate::…`, and `super::` chains
//! that reach it), and fails on one that names a module on its own line or
//! above, or an item the root re-exports.
//!
//! ```text
//! cli                                the command line
//! parts                              a sharded run's parts: planned, written, merged
//! run                                a run: configuration, loading, the driver
//! error                              run-level errors
//! generate                           synthetic exports (feature `generate`)
//! index                              the revalidation index: written, read
//! pipeline                           the sequential and the parallel driver
//! evaluate report                    one record through every check; verdict sinks
//! index_record                       a record as the index keeps it; its encoding
//! suite                              proof suites: what each signs
//! resolve status                     verification methods to keys; status lists
//! credential jsonld source verify    credential view; JSON-LD; inputs; Ed25519
//! canon                              JCS and RDFC-1.0
//! json rdf                           the JSON parser and writer; RDF datasets
//! verdict                            verdicts, problems, evidence
//! encoding hash limits shard time    base58/base64url; SHA-2; budgets; shard arithmetic; instants and the clock
//! ```

pub mod canon;
pub mod cli;
pub mod credential;
pub mod encoding;
pub mod error;
pub mod evaluate;
#[cfg(feature = "generate")]
pub mod generate;
pub mod hash;
pub mod index;
pub mod index_record;
pub mod json;
pub mod jsonld;
pub mod limits;
pub mod parts;
pub mod pipeline;
pub mod rdf;
pub mod report;
pub mod resolve;
pub mod run;
pub mod shard;
pub mod source;
pub mod status;
pub mod suite;
pub mod time;
pub mod verdict;
pub mod verify;

pub use run::{VerifyConfig, verify, verify_observed};
