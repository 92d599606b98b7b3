//! Thin: parse flags, run, map the outcome to an exit code.

use clap::Parser;
use credverify::cli::{Cli, Outcome, run};

fn main() {
    let outcome = run(Cli::parse());
    if let Outcome::Failed(e) = &outcome {
        eprintln!("credverify: error: {e}");
    }
    std::process::exit(outcome.exit_code());
}
