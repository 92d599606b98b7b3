//! The integration tests: one binary, one module per theme.

mod bad_input;
mod cli;
mod jsonld_proofs;
mod paths;
mod proofs;
mod sample;
mod status;
mod util;
mod vectors;
