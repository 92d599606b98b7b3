//! The documents say what the code does: the README's option tables are
//! generated from the command line's definition (`CREDVERIFY_BLESS=1 cargo
//! test --test tests docs` rewrites them), CONTRACT.md names only options
//! that exist, and the README stays a user's document.

use clap::CommandFactory;
use credverify::cli::Cli;

use crate::util;

/// The option table of a subcommand, as the README shows it.
fn option_table(subcommand: &str) -> String {
    let command = Cli::command();
    let sub = command
        .get_subcommands()
        .find(|c| c.get_name() == subcommand)
        .unwrap_or_else(|| panic!("no subcommand {subcommand}"));
    let mut out = String::from("| option | meaning |\n| --- | --- |\n");
    for arg in sub.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue; // positional
        };
        if long == "help" {
            continue;
        }
        let mut name = match arg.get_short() {
            Some(short) => format!("-{short}, --{long}"),
            None => format!("--{long}"),
        };
        if arg.get_action().takes_values() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            let shown = if values.is_empty() {
                arg.get_value_names()
                    .map(|n| {
                        n.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_else(|| long.to_uppercase())
            } else {
                values.join("\\|")
            };
            name.push_str(&format!(" <{shown}>"));
        }
        let mut meaning = arg
            .get_help()
            .map(|h| h.to_string())
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_owned();
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if arg.get_action().takes_values() && !defaults.is_empty() {
            meaning.push_str(&format!(" (default: {})", defaults.join(", ")));
        }
        if arg.is_required_set() {
            meaning.push_str(" (required)");
        }
        out.push_str(&format!("| `{name}` | {meaning} |\n"));
    }
    out
}

/// The README block that holds `subcommand`'s table.
fn markers(subcommand: &str) -> (String, String) {
    (
        format!("<!-- options of `{subcommand}`, generated from the CLI by tests/docs.rs -->\n"),
        format!("<!-- end of the options of `{subcommand}` -->"),
    )
}

#[test]
fn readme_option_tables_are_the_cli_definition() {
    let path = util::repo().join("README.md");
    let mut readme = std::fs::read_to_string(&path).expect("README.md");
    let bless = std::env::var_os("CREDVERIFY_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for subcommand in ["verify", "generate", "throughput"] {
        let (open, close) = markers(subcommand);
        let start = readme
            .find(&open)
            .unwrap_or_else(|| panic!("README.md lacks the line {open}"))
            + open.len();
        let end = start
            + readme[start..]
                .find(&close)
                .unwrap_or_else(|| panic!("README.md lacks the line {close}"));
        let table = option_table(subcommand);
        if readme[start..end] != table {
            stale.push(format!("{subcommand}:\n{table}"));
            readme.replace_range(start..end, &table);
        }
    }
    if bless {
        std::fs::write(&path, &readme).expect("write README.md");
    } else {
        assert!(
            stale.is_empty(),
            "README.md's option tables differ from the CLI (CREDVERIFY_BLESS=1 rewrites them):\n{}",
            stale.join("\n")
        );
    }
}

#[test]
fn contract_names_only_options_that_exist() {
    let contract = std::fs::read_to_string(util::repo().join("CONTRACT.md")).expect("CONTRACT.md");
    let verify = option_table("verify");
    let mut named = 0;
    for line in contract.lines().filter(|l| l.starts_with("| `-")) {
        let option = line
            .trim_start_matches("| `")
            .split('`')
            .next()
            .unwrap_or_default();
        let long = option
            .split_whitespace()
            .find(|w| w.starts_with("--"))
            .unwrap_or_default()
            .trim_end_matches(',');
        assert!(
            verify.contains(&format!("{long}`")) || verify.contains(&format!("{long} ")),
            "CONTRACT.md names {long}, which `verify` does not have"
        );
        named += 1;
    }
    assert!(named >= 10, "CONTRACT.md's option table has {named} rows");
}

#[test]
fn the_readme_is_a_users_document() {
    let readme = std::fs::read_to_string(util::repo().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 440,
        "README.md has {lines} lines: detailed figures go to BENCHMARKS.md"
    );
    // Every document the README points to is in the repository.
    for name in ["CONTRACT.md", "BENCHMARKS.md"] {
        assert!(readme.contains(name), "README.md does not point to {name}");
        assert!(util::repo().join(name).exists(), "{name} is missing");
    }
}

#[test]
fn the_table_generator_shows_values_defaults_and_short_names() {
    let table = option_table("verify");
    assert!(table.contains("| `--format <jsonl\\|csv>` |"), "{table}");
    assert!(table.contains("| `-o, --out <PATH>` |"), "{table}");
    assert!(table.contains("(default: 1024) |"), "{table}");
    assert!(table.contains("| `--no-mmap` |"), "{table}");
    assert!(!table.contains("--help"), "{table}");
}

/// The limits table: every `pub const` of `src/limits.rs`, its value (read
/// from the library itself) and the first sentence of its documentation.
fn limits_table() -> String {
    use credverify::limits as l;
    let values: &[(&str, usize)] = &[
        ("RECORD_BYTES", l::RECORD_BYTES),
        ("JSON_DEPTH", l::JSON_DEPTH),
        ("PROOFS_PER_RECORD", l::PROOFS_PER_RECORD),
        ("PREVIOUS_PROOFS", l::PREVIOUS_PROOFS),
        ("CONTEXTS_PER_ARRAY", l::CONTEXTS_PER_ARRAY),
        ("REMOTE_CONTEXT_DEPTH", l::REMOTE_CONTEXT_DEPTH),
        ("TERM_DEFINITION_DEPTH", l::TERM_DEFINITION_DEPTH),
        ("JSONLD_CONTEXT_WORK", l::JSONLD_CONTEXT_WORK),
        ("JSONLD_EXPANSION_BASE", l::JSONLD_EXPANSION_BASE),
        ("JSONLD_BYTES_PER_UNIT", l::JSONLD_BYTES_PER_UNIT),
        ("ECDSA_UNITS_BASE", l::ECDSA_UNITS_BASE),
        ("ECDSA_BYTES_PER_UNIT", l::ECDSA_BYTES_PER_UNIT),
        ("RDFC_N_DEGREE_CALLS", l::RDFC_N_DEGREE_CALLS),
        ("RDFC_PERMUTATIONS", l::RDFC_PERMUTATIONS),
        ("RDFC_BLANK_NODES", l::RDFC_BLANK_NODES),
        ("RDFC_BYTES_PER_BLANK_NODE", l::RDFC_BYTES_PER_BLANK_NODE),
        ("RDFC_BYTES_PER_STEP", l::RDFC_BYTES_PER_STEP),
        ("RDFC_N_DEGREE_DEPTH", l::RDFC_N_DEGREE_DEPTH),
        ("METHODS_PER_DOCUMENT", l::METHODS_PER_DOCUMENT),
        ("OB2_KEYS_TRIED", l::OB2_KEYS_TRIED),
        ("SUMMARY_ISSUERS", l::SUMMARY_ISSUERS),
        ("WORKER_STACK_BYTES", l::WORKER_STACK_BYTES),
        ("SHAPE_CACHE_BYTES", l::SHAPE_CACHE_BYTES),
        ("SHAPES_SEEN", l::SHAPES_SEEN),
    ];
    let source = std::fs::read_to_string(util::repo().join("src/limits.rs")).expect("limits.rs");
    let mut out = String::from("| limit | value | what it bounds |\n| --- | ---: | --- |\n");
    let mut doc: Vec<&str> = Vec::new();
    let mut seen = Vec::new();
    for line in source.lines() {
        let line = line.trim();
        if let Some(d) = line.strip_prefix("///") {
            doc.push(d.trim());
            continue;
        }
        if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().expect("name");
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("tests/docs.rs does not know limits::{name}"))
                .1;
            let text = doc.join(" ").replace("[`", "`").replace("`]", "`");
            let sentence = text
                .split(". ")
                .next()
                .unwrap_or(&text)
                .trim_end_matches('.');
            let digits = value.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            out.push_str(&format!("| `{name}` | {grouped} | {sentence}. |\n"));
            seen.push(name.to_owned());
        }
        doc.clear();
    }
    assert_eq!(seen.len(), values.len(), "every limit is in src/limits.rs");
    out
}

#[test]
fn contract_limits_table_is_the_source() {
    let path = util::repo().join("CONTRACT.md");
    let mut contract = std::fs::read_to_string(&path).expect("CONTRACT.md");
    let (open, close) = (
        "<!-- limits table: begin -->\n",
        "<!-- limits table: end -->",
    );
    let start = contract
        .find(open)
        .expect("CONTRACT.md lacks the limits table")
        + open.len();
    let end = start
        + contract[start..]
            .find(close)
            .expect("end of the limits table");
    let table = limits_table();
    if contract[start..end] != table {
        if std::env::var_os("CREDVERIFY_BLESS").is_some_and(|v| v == "1") {
            contract.replace_range(start..end, &table);
            std::fs::write(&path, contract).expect("write CONTRACT.md");
        } else {
            panic!(
                "CONTRACT.md's limits table differs from src/limits.rs (CREDVERIFY_BLESS=1 rewrites it):\n{table}"
            );
        }
    }
}
