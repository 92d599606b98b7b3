//! RFC 8785 (JCS) against the reference implementation's test data
//! (cyberphone/json-canonicalization `testdata/`) and its ES6 number file.

use std::io::Read;

use credverify::canon::jcs::canonicalize;
use credverify::json::JsonParser;
use credverify::json::write::write_number;
use sha2::{Digest, Sha256};

use super::{data_path, hex, read, read_string, to_hex};

/// How many failing lines a failure message quotes.
const SHOW: usize = 10;

/// The input/output/outhex triples, by file stem, sorted.
fn case_names() -> Vec<String> {
    let dir = data_path("jcs-rfc8785/input");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .into_string()
                .expect("UTF-8 file name")
        })
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn rfc8785_input_output_pairs() {
    let names = case_names();
    assert_eq!(
        names,
        [
            "arrays",
            "french",
            "structures",
            "unicode",
            "values",
            "weird"
        ],
        "jcs-rfc8785/input: the upstream cases"
    );
    let mut parser = JsonParser::default();
    for name in &names {
        let mut input = read(&format!("jcs-rfc8785/input/{name}.json"));
        if name == "values" {
            // RFC 8785's 333333333.33333329 is not the shortest form of its
            // double, so I-JSON for every number (RFC 7493 §2.2, as the
            // README's record rules apply it) refuses it: two texts would
            // verify under one signature. Its shortest form, which the
            // expected output holds, takes its place.
            assert_eq!(
                parser.with_doc(&input, canonicalize).err(),
                Some(credverify::verdict::Problem::NumberOutOfRange),
                "jcs-rfc8785 input/values.json: 333333333.33333329 is refused"
            );
            let text = String::from_utf8(input).expect("UTF-8");
            assert!(text.contains("333333333.33333329"));
            input = text
                .replace("333333333.33333329", "333333333.3333333")
                .into_bytes();
        }
        let output = read(&format!("jcs-rfc8785/output/{name}.json"));
        let outhex = hex(
            &read_string(&format!("jcs-rfc8785/outhex/{name}.txt")),
            &format!("outhex/{name}.txt"),
        );
        assert_eq!(
            output, outhex,
            "jcs-rfc8785 {name}: output/{name}.json and outhex/{name}.txt disagree"
        );
        let got = parser.with_doc(&input, canonicalize).unwrap_or_else(|p| {
            panic!("jcs-rfc8785 input/{name}.json: the parser refused it: {p:?}")
        });
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&output),
            "jcs-rfc8785 input/{name}.json: canonical form differs from output/{name}.json"
        );
        assert_eq!(
            to_hex(&got),
            to_hex(&outhex),
            "jcs-rfc8785 input/{name}.json: bytes differ from outhex/{name}.txt"
        );
        // Canonicalization is idempotent.
        let again = parser
            .with_doc(&got, canonicalize)
            .unwrap_or_else(|p| panic!("jcs-rfc8785 output/{name}.json: refused: {p:?}"));
        assert_eq!(
            again, got,
            "jcs-rfc8785 output/{name}.json: canonicalizing the canonical form changed it"
        );
    }
}

/// SHA-256 of the first 100,000 lines, from the upstream README's table.
const ES6_100K_SHA256: &str = "22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7";
const ES6_FILE: &str = "jcs-rfc8785/es6-numbers/es6testfile-lines-*.txt.gz";
/// The first 100,000 lines, gzipped in two halves to keep each committed
/// file under 2 MB.
const ES6_PARTS: [&str; 2] = [
    "jcs-rfc8785/es6-numbers/es6testfile-lines-000001-050000.txt.gz",
    "jcs-rfc8785/es6-numbers/es6testfile-lines-050001-100000.txt.gz",
];

/// The ES6 number file, decompressed and checked against the published hash.
fn es6_lines() -> String {
    let mut text = String::new();
    for part in ES6_PARTS {
        flate2::read::GzDecoder::new(read(part).as_slice())
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{part}: {e}"));
    }
    assert_eq!(
        to_hex(&Sha256::digest(text.as_bytes())),
        ES6_100K_SHA256,
        "{ES6_FILE}: not the published first 100,000 lines"
    );
    assert_eq!(text.lines().count(), 100_000, "{ES6_FILE}: line count");
    text
}

/// Splits `hex-ieee754,expected` into the double and the expected text.
fn es6_line(line: &str, number: usize) -> (f64, &str) {
    let (bits, expected) = line
        .split_once(',')
        .unwrap_or_else(|| panic!("{ES6_FILE} line {number}: no comma in {line:?}"));
    let bits = u64::from_str_radix(bits, 16)
        .unwrap_or_else(|e| panic!("{ES6_FILE} line {number}: {bits:?}: {e}"));
    (f64::from_bits(bits), expected)
}

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} lines fail; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(SHOW)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `write_number` prints each double as ECMAScript's `Number.prototype.toString`.
#[test]
fn es6_numbers_are_formatted_as_ecmascript() {
    let text = es6_lines();
    let mut failures = Vec::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (value, expected) = es6_line(line, i + 1);
        out.clear();
        write_number(&mut out, value);
        if out != expected.as_bytes() {
            failures.push(format!(
                "line {}: {line}: got {}",
                i + 1,
                String::from_utf8_lossy(&out)
            ));
        }
    }
    report(ES6_FILE, &failures);
}

/// Parses `[expected]` and canonicalizes it; the lines for which it does
/// not come back unchanged, among those `select` picks.
fn round_trip_failures(select: impl Fn(&str) -> bool) -> (usize, Vec<String>) {
    let text = es6_lines();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut parser = JsonParser::default();
    for (i, line) in text.lines().enumerate() {
        let (_, expected) = es6_line(line, i + 1);
        if !select(expected) {
            continue;
        }
        checked += 1;
        let doc = format!("[{expected}]");
        match parser.with_doc(doc.as_bytes(), canonicalize) {
            Ok(got) if got == doc.as_bytes() => {}
            Ok(got) => failures.push(format!(
                "line {}: {line}: {doc} canonicalized to {}",
                i + 1,
                String::from_utf8_lossy(&got)
            )),
            Err(p) => failures.push(format!(
                "line {}: {line}: {doc} refused by the parser: {p:?}",
                i + 1
            )),
        }
    }
    (checked, failures)
}

fn report_round_trip(what: &str, checked: usize, failures: &[String]) {
    let refused = failures.iter().filter(|f| f.contains("refused")).count();
    report(
        &format!("{ES6_FILE} ({what}, {checked} lines checked, {refused} refused by the parser)"),
        failures,
    );
}

/// Each expected text, read by the JSON parser (simd-json's number parsing)
/// and canonicalized, comes back unchanged: `[expected]` → `[expected]`.
#[test]
fn es6_numbers_survive_parse_and_canonicalize() {
    let (checked, failures) = round_trip_failures(|_| true);
    report_round_trip("every line", checked, &failures);
}
