//! The integration tests: one binary, one module per theme.

mod vectors;
