//! External test vectors, each with its provenance in `tests/data/README.md`.
//!
//! The vectors are read from `tests/data/` only, so a fresh clone needs
//! nothing outside the repository. Every assertion names its case: the file,
//! the vector number or the line.

mod did;
mod ed25519;
mod jcs;
mod jose;
mod jsonld;
mod rdfc;
mod rfc8037;
mod w3c_ecdsa;
mod w3c_ecdsa_sd;
mod w3c_eddsa_jcs;
mod w3c_rdfc_suites;
mod wycheproof;

use std::path::PathBuf;

use credverify::json::{JsonParser, Value};

/// The path of a file under `tests/data/`.
pub fn data_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The bytes of a file under `tests/data/`.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data_path(rel)).unwrap_or_else(|e| panic!("tests/data/{rel}: {e}"))
}

/// The text of a file under `tests/data/`.
pub fn read_string(rel: &str) -> String {
    String::from_utf8(read(rel)).unwrap_or_else(|e| panic!("tests/data/{rel}: not UTF-8: {e}"))
}

/// Parses a JSON file under `tests/data/` with the crate's own parser and
/// hands the document to `f`.
pub fn with_json<R>(rel: &str, f: impl FnOnce(Value<'_>) -> R) -> R {
    let bytes = read(rel);
    JsonParser::default()
        .with_doc(&bytes, f)
        .unwrap_or_else(|p| panic!("tests/data/{rel}: the parser refused it: {p:?}"))
}

/// The string member `key` of `v`; `what` names the case for the panic.
pub fn str_member<'a>(v: Value<'a>, key: &str, what: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{what}: no string member {key:?}"))
}

/// Decodes hexadecimal text (whitespace between bytes allowed).
pub fn hex(text: &str, what: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "{what}: odd number of hex digits"
    );
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).unwrap_or_else(|_| panic!("{what}: not hex"));
            u8::from_str_radix(pair, 16).unwrap_or_else(|_| panic!("{what}: {pair:?} is not hex"))
        })
        .collect()
}

/// Decodes hexadecimal text of exactly `N` bytes.
pub fn hex_array<const N: usize>(text: &str, what: &str) -> [u8; N] {
    let bytes = hex(text, what);
    bytes
        .as_slice()
        .try_into()
        .unwrap_or_else(|_| panic!("{what}: {} bytes, expected {N}", bytes.len()))
}

/// Lower-case hexadecimal.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The JSON text with the whitespace between tokens removed, members kept
/// in their order: one line of JSON Lines.
pub fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}
