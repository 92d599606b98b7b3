//! The integration tests: one binary, one module per theme.

mod bad_input;
mod baked;
mod cli;
mod deploy;
mod docs;
mod fuzz_replay;
mod hostile;
mod index;
mod inputs;
mod jsonld_proofs;
mod jwt_algs;
mod layering;
mod ob2;
mod paths;
mod proofs;
mod sample;
mod shapes;
mod shards;
mod spans;
mod status;
mod util;
mod vectors;
