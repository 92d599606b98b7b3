//! Thin: parse flags, run, map the outcome to an exit code.

use std::io::Write;

use clap::Parser;
use credverify::cli::{Cli, Outcome, run};

fn main() {
    let outcome = run(Cli::parse());
    if let Outcome::Failed(e) = &outcome {
        // A standard error that cannot be written must not turn a failure
        // into a panic (exit 101): the exit code still says what happened.
        let _ = writeln!(std::io::stderr(), "credverify: error: {e}");
    }
    std::process::exit(outcome.exit_code());
}
