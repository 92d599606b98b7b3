//! The `shape` target: see `harness::shape`.

#![no_main]

// Each target uses one of the harness's functions.
#[allow(dead_code)]
#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::shape(data));
