//! Status lists: decoding against the public and generated vectors, and
//! every entry kind answered end to end with self-signed lists.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credverify::json::{JsonParser, Value};
use credverify::status::list::{Bitstring, DecodeError, Encoding};
use ed25519_dalek::SigningKey;

use crate::util::{self, data, did_key, key, proof_members, signed_line, temp_dir};

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `f` over the parsed JSON of a test data file.
fn with_json<R>(rel: &str, f: impl FnOnce(Value<'_>) -> R) -> R {
    JsonParser::default()
        .with_doc(&read(&data(rel)), f)
        .expect("JSON")
}

fn set_bits(bits: &Bitstring) -> Vec<u32> {
    bits.set_bits().iter().collect()
}

#[test]
fn real_lists_decode_to_their_published_bits() {
    let subject_list = |rel: &str| {
        with_json(rel, |v| {
            let encoded = v
                .get("credentialSubject")
                .and_then(|s| s.get("encodedList"))
                .and_then(Value::as_str)
                .expect("encodedList")
                .to_owned();
            Bitstring::decode(&encoded, Encoding::Multibase).expect("decodes")
        })
    };
    let dcc = subject_list("status-list/real-lists/dcc-verifier-core_e5WK8CbZ1GjycuPombrj.json");
    assert_eq!(dcc.len_bits(), 100_000);
    assert_eq!(set_bits(&dcc), [2, 6, 8]);
    let one_ed_tech = subject_list("status-list/real-lists/1edtech-validator_testlist.json");
    assert_eq!(one_ed_tech.len_bits(), 131_072);
    assert_eq!(set_bits(&one_ed_tech), [23]);
    with_json(
        "status-list/real-lists/digitalbazaar-encodedList-strings.json",
        |v| {
            let mut seen = 0;
            for (name, case) in v.members().filter(|(k, _)| !k.starts_with('_')) {
                let bits = Bitstring::decode(
                    case.get("value").and_then(Value::as_str).unwrap(),
                    Encoding::Multibase,
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    Some(bits.len_bits()),
                    case.get("decoded_bits").and_then(Value::as_u64),
                    "{name}"
                );
                let expected: Vec<u32> = case
                    .get("set_indices_msb_first")
                    .unwrap()
                    .elements()
                    .map(|i| i.as_u64().unwrap() as u32)
                    .collect();
                assert_eq!(set_bits(&bits), expected, "{name}");
                seen += 1;
            }
            assert_eq!(seen, 3);
        },
    );
    // The W3C examples' lists are all zeros, 131,072 entries.
    for example in [
        "example-02-status-list-credential.json",
        "example-04-status-list-credential.json",
    ] {
        let bits = subject_list(&format!("status-list/spec-examples/{example}"));
        assert_eq!(
            (bits.len_bits(), set_bits(&bits).len()),
            (131_072, 0),
            "{example}"
        );
    }
}

#[test]
fn generated_bit_order_and_multi_bit_cases() {
    with_json("status-list/generated/bitstring-cases.json", |v| {
        let cases: Vec<Value<'_>> = v.get("cases").unwrap().elements().collect();
        assert_eq!(cases.len(), 4);
        for case in cases {
            let name = case.get("name").and_then(Value::as_str).unwrap();
            let text = |k| case.get(k).and_then(Value::as_str).unwrap();
            let bits = Bitstring::decode(text("encodedList"), Encoding::Multibase).expect(name);
            assert_eq!(
                Some(bits.len_bits()),
                case.get("bitstring_length_bits").and_then(Value::as_u64)
            );
            let size = case.get("statusSize").and_then(Value::as_u64).unwrap() as u32;
            for query in case.get("queries").unwrap().elements() {
                let index = query.get("index").and_then(Value::as_u64).unwrap();
                let got = bits.value(index, size);
                let expected = query.get("expected").unwrap();
                match (expected.as_u64(), expected.as_str()) {
                    (Some(bit), _) => assert_eq!(got, Some(bit as u32), "{name} {index}"),
                    (None, Some("RANGE_ERROR")) => assert_eq!(got, None, "{name} {index}"),
                    (None, Some(hex)) if hex.starts_with("0x") => {
                        let value = u32::from_str_radix(&hex[2..], 16).unwrap();
                        assert_eq!(got, Some(value), "{name} {index}");
                    }
                    // The short list: the bit reads, and the length rule is
                    // the checker's (tested end to end below).
                    (None, Some(_)) => assert_eq!(got, Some(1), "{name} {index}"),
                    _ => panic!("{name}: unexpected query"),
                }
            }
        }
    });
}

#[test]
fn encodings_are_strict() {
    with_json("status-list/generated/encoding-cases.json", |v| {
        let mut seen = Vec::new();
        for case in v.get("cases").unwrap().elements() {
            let name = case.get("name").and_then(Value::as_str).unwrap();
            let encoded = case.get("encodedList").and_then(Value::as_str).unwrap();
            let got = Bitstring::decode(encoded, Encoding::Multibase).map(|b| b.len_bits());
            let expected = match name {
                "ok-reference" | "gzip-with-FNAME-and-mtime" => Ok(131_072),
                "padded-base64url" => Err(DecodeError::Base64),
                "no-multibase-prefix (StatusList2021 style)" | "base58-prefix" => {
                    Err(DecodeError::Prefix)
                }
                "zlib-not-gzip" | "truncated-gzip" => Err(DecodeError::Gzip),
                other => panic!("unknown case {other}"),
            };
            assert_eq!(got, expected, "{name}");
            seen.push(name.to_owned());
            // StatusList2021 has no prefix: the bare form decodes as one.
            if name.starts_with("no-multibase-prefix") {
                assert_eq!(
                    Bitstring::decode(encoded, Encoding::Bare).map(|b| b.len_bits()),
                    Ok(131_072)
                );
            }
        }
        assert_eq!(seen.len(), 7);
    });
}

/// `u` + base64url(gzip(bytes)), or without the prefix for StatusList2021.
fn encode_list(bytes: &[u8], prefix: &str) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap()))
}

/// A list of `entries` one-bit entries with the given indices set.
fn bits_with(entries: usize, set: &[usize]) -> Vec<u8> {
    let mut bytes = vec![0u8; entries / 8];
    for &i in set {
        bytes[i / 8] |= 0x80 >> (i % 8);
    }
    bytes
}

struct Issuer {
    sk: SigningKey,
    did: String,
    method: String,
}

fn issuer(n: u8) -> Issuer {
    let sk = key(n);
    let (did, method) = did_key(&sk);
    Issuer { sk, did, method }
}

/// A signed BitstringStatusListCredential (or StatusList2021Credential).
fn list_credential(
    by: &Issuer,
    url: &str,
    purpose: &str,
    encoded: &str,
    kind: &str,
    extra: &str,
) -> String {
    list_snapshot(
        by,
        url,
        purpose,
        encoded,
        kind,
        "2024-01-01T00:00:00Z",
        extra,
    )
}

/// [`list_credential`] valid from `valid_from`.
fn list_snapshot(
    by: &Issuer,
    url: &str,
    purpose: &str,
    encoded: &str,
    kind: &str,
    valid_from: &str,
    extra: &str,
) -> String {
    let members = format!(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{url}\",\"type\":[\"VerifiableCredential\",\"{kind}Credential\"],\"issuer\":\"{}\",\"validFrom\":\"{valid_from}\"{extra},\"credentialSubject\":{{\"id\":\"{url}#list\",\"type\":\"{kind}\",\"statusPurpose\":{purpose},\"encodedList\":\"{encoded}\"}}",
        by.did
    );
    signed_line(&members, &proof_members(&by.method, ""), &by.sk)
}

/// A signed credential by `by` with these status entries (a JSON value).
fn credential(by: &Issuer, id: &str, status: &str) -> String {
    let members = format!(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{id}\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"}},\"credentialStatus\":{status}",
        by.did
    );
    signed_line(&members, &proof_members(&by.method, ""), &by.sk)
}

fn entry(kind: &str, url: &str, purpose: &str, index: &str, extra: &str) -> String {
    format!(
        "{{\"type\":\"{kind}\",\"statusPurpose\":\"{purpose}\",\"statusListIndex\":{index},\"statusListCredential\":\"{url}\"{extra}}}"
    )
}

/// A record's verdict, problems, warnings and status messages.
type Answer = (String, Vec<String>, Vec<String>, Vec<String>);

/// A case: the record, then its expected verdict, problems, warnings and
/// status messages.
type Case<'a> = (String, &'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);

/// Runs the library on `lines` with the lists in `dir`; each record's
/// verdict, problems, warnings and status messages.
fn run(lines: &[String], lists: &Path, strict: bool) -> Vec<Answer> {
    let input = util::temp_file("status.jsonl", lines.join("\n").as_bytes());
    let (out, _) = util::run_with(&[&input], |c| {
        c.status_lists = vec![credverify::source::documents::DocumentSource::path(lists)];
        c.strict_status = strict;
    });
    out.lines()
        .map(|line| {
            JsonParser::default()
                .with_doc(line.as_bytes(), |v| {
                    let words = |k| -> Vec<String> {
                        v.get(k)
                            .map(|a| {
                                a.elements()
                                    .map(|w| w.as_str().unwrap().to_owned())
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let verdict = v.get("verdict").and_then(Value::as_str).unwrap().to_owned();
                    (
                        verdict,
                        words("problems"),
                        words("warnings"),
                        words("status_messages"),
                    )
                })
                .unwrap()
        })
        .collect()
}

/// A 2-bit entry's size and its four texts.
const FOUR_MESSAGES: &str = ",\"statusSize\":2,\"statusMessage\":[{\"status\":\"0x0\",\"message\":\"none\"},{\"status\":\"0x1\",\"message\":\"pending\"},{\"status\":\"0x2\",\"message\":\"under appeal\"},{\"status\":\"0x3\",\"message\":\"under review\"}]";

const REV: &str = "https://status.example/rev";
const SUS: &str = "https://status.example/sus";
const MSG: &str = "https://status.example/msg";
const SHORT: &str = "https://status.example/short";
const S2021: &str = "https://status.example/2021";
const OTHER: &str = "https://status.example/other";
const TAMPERED: &str = "https://status.example/tampered";
const EXPIRED: &str = "https://status.example/expired";
const ONE_ED: &str = "https://status.example/1edtech";
const JWT_LIST: &str = "https://status.example/jwt";
const FOREIGN_KEY: &str = "https://status.example/foreign-key";
const UNSIGNED: &str = "https://status.example/unsigned";
const LATER: &str = "https://status.example/later";
const CUSTOM: &str = "https://status.example/custom";
const ARRAY_TYPE: &str = "https://status.example/array-type";
const ONE_ED_JWT: &str = "https://status.example/1edtech-jwt";

/// The lists of the end-to-end test, written into a fresh directory.
fn lists_dir() -> PathBuf {
    let a = issuer(31);
    let b = issuer(32);
    let dir = temp_dir("status-lists");
    let n = 131_072;
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    let bl = "BitstringStatusList";
    write(
        "rev.json",
        list_credential(
            &a,
            REV,
            "\"revocation\"",
            &encode_list(&bits_with(n, &[0, 7, 8, 15, 94_567]), "u"),
            bl,
            "",
        ),
    );
    write(
        "sus.json",
        list_credential(
            &a,
            SUS,
            "[\"suspension\",\"refresh\"]",
            &encode_list(&bits_with(n, &[5]), "u"),
            bl,
            "",
        ),
    );
    // 2-bit entries: entry 0 = 0b11, entry 1 = 0b01, entry 2 = 0b10.
    let mut msg = vec![0u8; 2 * n / 8];
    msg[0] = 0b1101_1000;
    write(
        "msg.json",
        list_credential(&a, MSG, "\"message\"", &encode_list(&msg, "u"), bl, ""),
    );
    write(
        "short.json",
        list_credential(
            &a,
            SHORT,
            "\"revocation\"",
            &encode_list(&bits_with(16_384, &[3]), "u"),
            bl,
            "",
        ),
    );
    write(
        "2021.json",
        list_credential(
            &a,
            S2021,
            "\"revocation\"",
            &encode_list(&bits_with(n, &[9]), ""),
            "StatusList2021",
            "",
        ),
    );
    write(
        "other.json",
        list_credential(
            &b,
            OTHER,
            "\"revocation\"",
            &encode_list(&bits_with(n, &[1]), "u"),
            bl,
            "",
        ),
    );
    let tampered = list_credential(
        &a,
        TAMPERED,
        "\"revocation\"",
        &encode_list(&bits_with(n, &[1]), "u"),
        bl,
        "",
    )
    .replace(
        &encode_list(&bits_with(n, &[1]), "u"),
        &encode_list(&bits_with(n, &[]), "u"),
    );
    write("tampered.json", tampered);
    write(
        "expired.json",
        list_credential(
            &a,
            EXPIRED,
            "\"revocation\"",
            &encode_list(&bits_with(n, &[1]), "u"),
            bl,
            ",\"validUntil\":\"2025-01-01T00:00:00Z\"",
        ),
    );
    // A list secured as a VC-JWT rather than with an embedded proof.
    let members = format!(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{JWT_LIST}\",\"type\":[\"VerifiableCredential\",\"BitstringStatusListCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"{JWT_LIST}#list\",\"type\":\"BitstringStatusList\",\"statusPurpose\":\"revocation\",\"encodedList\":\"{}\"}}",
        a.did,
        encode_list(&bits_with(n, &[4]), "u")
    );
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(format!("{{\"alg\":\"EdDSA\",\"kid\":\"{}\"}}", a.method)),
        URL_SAFE_NO_PAD.encode(format!("{{{members}}}"))
    );
    let signature = ed25519_dalek::Signer::sign(&a.sk, signing_input.as_bytes());
    write(
        "jwt.jsonl",
        format!(
            "{signing_input}.{}\n",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ),
    );
    // A 1EdTech Revocation List, unsigned as 1EdTech publishes them.
    write(
        "1edtech.json",
        format!(
            "{{\"id\":\"{ONE_ED}\",\"issuer\":\"{}\",\"revokedCredentials\":[{{\"id\":\"urn:uuid:revoked\",\"revocationReason\":\"test\"}}]}}",
            a.did
        ),
    );
    // The same, as a VC-JWT whose signature does not verify: it may not
    // pass for an unsigned list.
    let header = URL_SAFE_NO_PAD.encode(format!("{{\"alg\":\"EdDSA\",\"kid\":\"{}\"}}", a.method));
    let payload = URL_SAFE_NO_PAD.encode(format!(
        "{{\"id\":\"{ONE_ED_JWT}\",\"issuer\":\"{}\",\"revokedCredentials\":[]}}",
        a.did
    ));
    let forged = ed25519_dalek::Signer::sign(&b.sk, format!("{header}.{payload}").as_bytes());
    write(
        "1edtech-jwt.jsonl",
        format!(
            "{header}.{payload}.{}\n",
            URL_SAFE_NO_PAD.encode(forged.to_bytes())
        ),
    );
    // Issued by A but signed with B's key, which A does not control.
    let foreign = format!(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{FOREIGN_KEY}\",\"type\":[\"VerifiableCredential\",\"BitstringStatusListCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"{FOREIGN_KEY}#list\",\"type\":\"BitstringStatusList\",\"statusPurpose\":\"revocation\",\"encodedList\":\"{}\"}}",
        a.did,
        encode_list(&bits_with(n, &[]), "u")
    );
    write(
        "foreign.json",
        signed_line(&foreign, &proof_members(&b.method, ""), &b.sk),
    );
    // No proof at all.
    write(
        "unsigned.json",
        format!(
            "{{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{UNSIGNED}\",\"type\":[\"VerifiableCredential\",\"BitstringStatusListCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"{UNSIGNED}#list\",\"type\":\"BitstringStatusList\",\"statusPurpose\":\"revocation\",\"encodedList\":\"{}\"}}}}",
            a.did,
            encode_list(&bits_with(n, &[]), "u")
        ),
    );
    // Valid only from 2027, after the judging instant.
    let later = foreign
        .replace(FOREIGN_KEY, LATER)
        .replace("2024-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    write(
        "later.json",
        signed_line(&later, &proof_members(&a.method, ""), &a.sk),
    );
    // A purpose of the issuer's own beside revocation, and a subject type
    // given as an array.
    write(
        "custom.json",
        list_credential(
            &a,
            CUSTOM,
            "[\"revocation\",\"audit\"]",
            &encode_list(&bits_with(n, &[3]), "u"),
            bl,
            "",
        ),
    );
    let array_type = foreign
        .replace(FOREIGN_KEY, ARRAY_TYPE)
        .replace(
            "\"type\":\"BitstringStatusList\"",
            "\"type\":[\"BitstringStatusList\"]",
        )
        .replace(
            &encode_list(&bits_with(n, &[]), "u"),
            &encode_list(&bits_with(n, &[3]), "u"),
        );
    write(
        "array-type.json",
        signed_line(&array_type, &proof_members(&a.method, ""), &a.sk),
    );
    dir
}

fn strs(x: &[String]) -> Vec<&str> {
    x.iter().map(String::as_str).collect()
}

#[test]
fn every_entry_kind_end_to_end() {
    let dir = lists_dir();
    let a = issuer(31);
    let bsl = "BitstringStatusListEntry";
    let one = |url: &str, purpose: &str, index: &str| {
        credential(&a, "urn:uuid:x", &entry(bsl, url, purpose, index, ""))
    };
    let cases: Vec<Case<'_>> = vec![
        // Bit order: indices 0, 7, 8 and 15 are set, 1 and 9 are not.
        (
            one(REV, "revocation", "\"0\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (one(REV, "revocation", "\"1\""), "valid", &[], &[], &[]),
        (
            one(REV, "revocation", "\"7\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (
            one(REV, "revocation", "\"8\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (one(REV, "revocation", "\"9\""), "valid", &[], &[], &[]),
        (
            one(REV, "revocation", "\"15\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (
            one(REV, "revocation", "\"94567\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (
            one(REV, "revocation", "\"131072\""),
            "status_unavailable",
            &["status_index_out_of_range"],
            &[],
            &[],
        ),
        (
            one(REV, "revocation", "\"x1\""),
            "status_unavailable",
            &["status_entry_malformed"],
            &[],
            &[],
        ),
        (
            one(REV, "suspension", "\"0\""),
            "status_unavailable",
            &["status_purpose_mismatch"],
            &[],
            &[],
        ),
        (
            one(SUS, "suspension", "\"5\""),
            "suspended",
            &["suspended"],
            &[],
            &[],
        ),
        (
            one(SUS, "refresh", "\"5\""),
            "valid",
            &[],
            &["status_refresh"],
            &[],
        ),
        (one(SUS, "suspension", "\"6\""), "valid", &[], &[], &[]),
        // Lenient by default: a numeric index, a short list.
        (
            one(REV, "revocation", "0"),
            "revoked",
            &["revoked"],
            &["status_index_numeric"],
            &[],
        ),
        (
            one(SHORT, "revocation", "\"3\""),
            "revoked",
            &["revoked"],
            &["status_list_short"],
            &[],
        ),
        (
            credential(
                &a,
                "urn:uuid:x",
                &entry("StatusList2021Entry", S2021, "revocation", "\"9\"", ""),
            ),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (
            credential(
                &a,
                "urn:uuid:x",
                &entry(bsl, S2021, "revocation", "\"9\"", ""),
            ),
            "status_unavailable",
            &["status_list_kind"],
            &[],
            &[],
        ),
        // Lists that cannot answer.
        (
            one(OTHER, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_issuer"],
            &[],
            &[],
        ),
        (
            one(TAMPERED, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_unverified"],
            &[],
            &[],
        ),
        (
            one(EXPIRED, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_expired"],
            &[],
            &[],
        ),
        (
            one("https://status.example/none", "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_missing"],
            &[],
            &[],
        ),
        (
            credential(&a, "urn:uuid:x", "{\"type\":\"RevocationList2020Status\"}"),
            "status_unavailable",
            &["status_type_unsupported"],
            &[],
            &[],
        ),
        // Messages: two bits, each value's text from statusMessage.
        (
            credential(
                &a,
                "urn:uuid:x",
                &format!(
                    "[{},{}]",
                    entry(bsl, MSG, "message", "\"0\"", FOUR_MESSAGES),
                    entry(bsl, MSG, "message", "\"2\"", FOUR_MESSAGES)
                ),
            ),
            "valid",
            &[],
            &[],
            &["under review", "under appeal"],
        ),
        // More than one bit needs a text for every value (§2.1).
        (
            credential(
                &a,
                "urn:uuid:x",
                &entry(bsl, MSG, "message", "\"0\"", ",\"statusSize\":2"),
            ),
            "status_unavailable",
            &["status_entry_malformed"],
            &[],
            &[],
        ),
        // Every entry answered: revoked and suspended both reported.
        (
            credential(
                &a,
                "urn:uuid:x",
                &format!(
                    "[{},{}]",
                    entry(bsl, REV, "revocation", "\"0\"", ""),
                    entry(bsl, SUS, "suspension", "\"5\"", "")
                ),
            ),
            "revoked",
            &["revoked", "suspended"],
            &[],
            &[],
        ),
        // A VC-JWT list answers like any other.
        (
            one(JWT_LIST, "revocation", "\"4\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (one(JWT_LIST, "revocation", "\"5\""), "valid", &[], &[], &[]),
        // Revoked and expired: both said.
        (
            {
                let members = format!(
                    "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"urn:uuid:x\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2020-01-01T00:00:00Z\",\"validUntil\":\"2021-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"}},\"credentialStatus\":{}",
                    a.did,
                    entry(bsl, REV, "revocation", "\"0\"", "")
                );
                signed_line(&members, &proof_members(&a.method, ""), &a.sk)
            },
            "revoked",
            &["revoked", "expired"],
            &[],
            &[],
        ),
        // Lists that must not be trusted, and ones that must.
        (
            one(FOREIGN_KEY, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_unverified"],
            &[],
            &[],
        ),
        (
            one(UNSIGNED, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_unverified"],
            &[],
            &[],
        ),
        (
            one(LATER, "revocation", "\"2\""),
            "status_unavailable",
            &["status_list_not_yet_valid"],
            &[],
            &[],
        ),
        (
            one(CUSTOM, "revocation", "\"3\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (one(CUSTOM, "audit", "\"3\""), "valid", &[], &[], &[]),
        (
            one(ARRAY_TYPE, "revocation", "\"3\""),
            "revoked",
            &["revoked"],
            &[],
            &[],
        ),
        (
            one(REV, "revocation", "\"99999999999999999999999\""),
            "status_unavailable",
            &["status_index_out_of_range"],
            &[],
            &[],
        ),
        (
            credential(
                &a,
                "urn:uuid:x",
                &format!("{{\"id\":\"{ONE_ED_JWT}\",\"type\":\"1EdTechRevocationList\"}}"),
            ),
            "status_unavailable",
            &["status_list_unverified"],
            &[],
            &[],
        ),
        // 1EdTech: listed ids are revoked, others are not.
        (
            credential(
                &a,
                "urn:uuid:revoked",
                &format!("{{\"id\":\"{ONE_ED}\",\"type\":\"1EdTechRevocationList\"}}"),
            ),
            "revoked",
            &["revoked"],
            &["status_list_unsigned"],
            &[],
        ),
        (
            credential(
                &a,
                "urn:uuid:kept",
                &format!("{{\"id\":\"{ONE_ED}\",\"type\":\"1EdTechRevocationList\"}}"),
            ),
            "valid",
            &[],
            &["status_list_unsigned"],
            &[],
        ),
        // A 1EdTech entry needs the credential's id.
        (
            {
                let members = format!(
                    "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"}},\"credentialStatus\":{{\"id\":\"{ONE_ED}\",\"type\":\"1EdTechRevocationList\"}}",
                    a.did
                );
                signed_line(&members, &proof_members(&a.method, ""), &a.sk)
            },
            "status_unavailable",
            &["status_entry_malformed"],
            &["status_list_unsigned"],
            &[],
        ),
        // Status is not consulted when the key is not the issuer's.
        (
            {
                let b = issuer(32);
                let members = format!(
                    "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"urn:uuid:x\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"}},\"credentialStatus\":{}",
                    a.did,
                    entry(bsl, REV, "revocation", "\"0\"", "")
                );
                signed_line(&members, &proof_members(&b.method, ""), &b.sk)
            },
            "issuer_mismatch",
            &["issuer_mismatch"],
            &[],
            &[],
        ),
        // Status is not consulted when the proof fails.
        (
            one(REV, "revocation", "\"0\"").replace("did:example:subject", "did:example:eve"),
            "invalid_signature",
            &["invalid_signature"],
            &[],
            &[],
        ),
    ];
    let lines: Vec<String> = cases.iter().map(|c| c.0.clone()).collect();
    let got = run(&lines, &dir, false);
    assert_eq!(got.len(), cases.len());
    for (i, ((_, verdict, problems, warnings, messages), (v, p, w, m))) in
        cases.iter().zip(&got).enumerate()
    {
        assert_eq!(
            (v.as_str(), strs(p), strs(w), strs(m)),
            (
                *verdict,
                problems.to_vec(),
                warnings.to_vec(),
                messages.to_vec()
            ),
            "case {i}"
        );
    }
    // --strict-status: the two lenient cases become status_unavailable.
    let strict = run(&lines[13..15], &dir, true);
    assert_eq!(strict[0].0, "status_unavailable");
    assert_eq!(strict[0].1, ["status_index_numeric"].map(String::from));
    assert_eq!(strict[1].1, ["status_list_short"].map(String::from));
}

#[test]
fn a_list_that_is_not_one_stops_the_run() {
    let dir = temp_dir("not-a-list");
    std::fs::write(
        dir.join("x.json"),
        "{\"id\":\"https://x.example/1\",\"issuer\":\"did:example:1\"}",
    )
    .unwrap();
    let input = util::temp_file("one.jsonl", util::signed_credential(&key(3), "").as_bytes());
    let mut config = credverify::VerifyConfig::new(
        vec![credverify::source::InputPath::File(input)],
        credverify::time::Timestamp::parse(util::AS_OF).expect("timestamp"),
    );
    config.status_lists = vec![credverify::source::documents::DocumentSource::path(dir)];
    let mut sink = credverify::report::NullSink;
    let err = credverify::verify(&config, &mut sink).expect_err("not a status list");
    assert!(
        err.to_string().contains("not a usable status list"),
        "{err}"
    );
}

#[test]
fn verdict_bitmaps_in_the_portable_format() {
    let dir = lists_dir();
    let a = issuer(31);
    let lines = [
        credential(
            &a,
            "urn:uuid:x",
            &entry("BitstringStatusListEntry", REV, "revocation", "\"1\"", ""),
        ),
        credential(
            &a,
            "urn:uuid:x",
            &entry("BitstringStatusListEntry", REV, "revocation", "\"0\"", ""),
        ),
        credential(
            &a,
            "urn:uuid:x",
            &entry("BitstringStatusListEntry", REV, "revocation", "\"9\"", ""),
        ),
        "not json".to_owned(),
    ];
    let input = util::temp_file("bitmaps.jsonl", lines.join("\n").as_bytes());
    let out = temp_dir("bitmaps").join("maps");
    util::run_with(&[&input], |c| {
        c.status_lists = vec![credverify::source::documents::DocumentSource::path(dir)];
        c.bitmaps = Some(out.clone());
    });
    // Hand-made per RoaringFormatSpec (no run containers): cookie 12346,
    // container count, (key, cardinality - 1) per container, 32-bit offsets,
    // then each array container's sorted 16-bit values, all little-endian.
    let valid: &[u8] = &[
        0x3a, 0x30, 0, 0, 1, 0, 0, 0, // cookie, one container
        0, 0, 1, 0, // key 0, cardinality 2
        16, 0, 0, 0, // the container starts at byte 16
        0, 0, 2, 0, // ordinals 0 and 2
    ];
    let revoked: &[u8] = &[0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0];
    let malformed: &[u8] = &[0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 3, 0];
    let empty: &[u8] = &[0x3a, 0x30, 0, 0, 0, 0, 0, 0];
    assert_eq!(read(&out.join("valid.roaring")), valid);
    assert_eq!(read(&out.join("revoked.roaring")), revoked);
    assert_eq!(read(&out.join("malformed.roaring")), malformed);
    let files = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(
        files,
        credverify::verdict::Verdict::ALL.len(),
        "one file per verdict word"
    );
    assert_eq!(read(&out.join("suspended.roaring")), empty);
}

#[test]
fn a_real_list_verifies_and_answers_only_its_own_issuer() {
    // The DCC list is signed with Ed25519Signature2020 by its did:key
    // issuer (jsonld_proofs.rs checks that it verifies): a credential by
    // anyone else cannot take its answers.
    let a = issuer(31);
    let dcc = "https://testing.dcconsortium.org/status/e5WK8CbZ1GjycuPombrj";
    let lines = vec![credential(
        &a,
        "urn:uuid:x",
        &entry("BitstringStatusListEntry", dcc, "revocation", "\"2\"", ""),
    )];
    let got = run(
        &lines,
        &data("status-list/real-lists/dcc-verifier-core_e5WK8CbZ1GjycuPombrj.json"),
        false,
    );
    assert_eq!(got[0].0, "status_unavailable");
    assert_eq!(strs(&got[0].1), ["status_list_issuer"]);
}

/// Runs three records (index 3 of the list signed under their own key,
/// index 4 of it, index 3 of another key's list) with the lists in `lists`
/// and the issuer's document `did`: the first two are answered, with the
/// warning `status_list_same_key`, the third is not.
fn assert_same_key_answers(lines: &[String], lists: &Path, did: &Path) {
    let input = util::temp_file("same-key.jsonl", lines.join("\n").as_bytes());
    let (out, _) = util::run_with(&[&input], |c| {
        c.status_lists = vec![credverify::source::documents::DocumentSource::path(lists)];
        c.dids = vec![credverify::source::documents::DocumentSource::path(did)];
    });
    let got = util::parse_verdicts(&out);
    let summary: Vec<(&str, Vec<&str>, Vec<&str>)> = got
        .iter()
        .map(|v| {
            (
                v.verdict.as_str(),
                v.problems.iter().map(String::as_str).collect(),
                v.warnings.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("revoked", vec!["revoked"], vec!["status_list_same_key"]),
            ("valid", vec![], vec!["status_list_same_key"]),
            ("status_unavailable", vec!["status_list_issuer"], vec![]),
        ]
    );
}

#[test]
fn a_list_signed_under_the_credentials_own_key_answers_with_a_warning() {
    // As the Digital Credentials Consortium publishes: the credential names
    // a did:web whose document lists key A, the list is issued by A's
    // did:key. Another key's list still cannot answer.
    let a = issuer(41);
    let b = issuer(42);
    let web = "did:web:issuer.example";
    let vm = format!("{web}#key-1");
    let multibase =
        credverify::resolve::multikey::encode_multikey(&a.sk.verifying_key().to_bytes());
    let dir = temp_dir("same-key");
    std::fs::write(
        dir.join("did.json"),
        format!(
            "{{\"@context\":[\"https://www.w3.org/ns/did/v1\"],\"id\":\"{web}\",\"verificationMethod\":[{{\"id\":\"{vm}\",\"type\":\"Multikey\",\"controller\":\"{web}\",\"publicKeyMultibase\":\"{multibase}\"}}],\"assertionMethod\":[\"{vm}\"]}}"
        ),
    )
    .unwrap();
    let lists = temp_dir("same-key-lists");
    let same = "https://status.example/same-key";
    let other = "https://status.example/other-key";
    let bits = encode_list(&bits_with(131_072, &[3]), "u");
    for (by, url, name) in [(&a, same, "same.json"), (&b, other, "other.json")] {
        let list = list_credential(by, url, "\"revocation\"", &bits, "BitstringStatusList", "");
        std::fs::write(lists.join(name), list).unwrap();
    }
    let by_web = Issuer {
        sk: key(41),
        did: web.to_owned(),
        method: vm.clone(),
    };
    let lines: Vec<String> = [(same, "3"), (same, "4"), (other, "3")]
        .iter()
        .map(|(url, index)| {
            credential(
                &by_web,
                "urn:uuid:x",
                &entry(
                    "BitstringStatusListEntry",
                    url,
                    "revocation",
                    &format!("\"{index}\""),
                    "",
                ),
            )
        })
        .collect();
    assert_same_key_answers(&lines, &lists, &dir.join("did.json"));
}

/// A line signed with `ecdsa-jcs-2019` by a P-256 key under `method`.
fn ecdsa_line(members: &str, method: &str, sk: &p256::ecdsa::SigningKey) -> String {
    use p256::ecdsa::signature::Signer as _;
    use sha2::Digest as _;
    let proof = proof_members(method, "").replace("eddsa-jcs-2022", "ecdsa-jcs-2019");
    let mut message = sha2::Sha256::digest(util::jcs(&format!("{{{proof}}}"))).to_vec();
    message.extend_from_slice(&sha2::Sha256::digest(util::jcs(&format!("{{{members}}}"))));
    let sig: p256::ecdsa::Signature = sk.sign(&message);
    let value = bs58::encode(sig.to_bytes()).into_string();
    format!("{{{members},\"proof\":{{{proof},\"proofValue\":\"z{value}\"}}}}")
}

/// The did:key of a P-256 key (`zDn…`: Multikey `80 24` and the
/// compressed point) and its method.
fn p256_did_key(sk: &p256::ecdsa::SigningKey) -> (String, String, String) {
    let mut bytes = vec![0x80, 0x24];
    bytes.extend_from_slice(sk.verifying_key().to_sec1_point(true).as_bytes());
    let multibase = format!("z{}", bs58::encode(bytes).into_string());
    let did = format!("did:key:{multibase}");
    (did.clone(), format!("{did}#{multibase}"), multibase)
}

#[test]
fn a_list_signed_under_the_credentials_own_ecdsa_key_answers_with_a_warning() {
    // As above with P-256 keys and ecdsa-jcs-2019 proofs, checked at once
    // rather than batched: the credential's key is still compared with the
    // list's.
    let a = p256::ecdsa::SigningKey::from_slice(&[41u8; 32]).expect("a P-256 key");
    let b = p256::ecdsa::SigningKey::from_slice(&[42u8; 32]).expect("a P-256 key");
    let web = "did:web:ecdsa.example";
    let vm = format!("{web}#key-1");
    let (_, _, multibase) = p256_did_key(&a);
    let dir = temp_dir("same-ecdsa-key");
    std::fs::write(
        dir.join("did.json"),
        format!(
            "{{\"@context\":[\"https://www.w3.org/ns/did/v1\"],\"id\":\"{web}\",\"verificationMethod\":[{{\"id\":\"{vm}\",\"type\":\"Multikey\",\"controller\":\"{web}\",\"publicKeyMultibase\":\"{multibase}\"}}],\"assertionMethod\":[\"{vm}\"]}}"
        ),
    )
    .unwrap();
    let lists = temp_dir("same-ecdsa-key-lists");
    let same = "https://status.example/same-ecdsa-key";
    let other = "https://status.example/other-ecdsa-key";
    let bits = encode_list(&bits_with(131_072, &[3]), "u");
    for (by, url, name) in [(&a, same, "same.json"), (&b, other, "other.json")] {
        let (did, method, _) = p256_did_key(by);
        let members = format!(
            "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{url}\",\"type\":[\"VerifiableCredential\",\"BitstringStatusListCredential\"],\"issuer\":\"{did}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"{url}#list\",\"type\":\"BitstringStatusList\",\"statusPurpose\":\"revocation\",\"encodedList\":\"{bits}\"}}"
        );
        std::fs::write(lists.join(name), ecdsa_line(&members, &method, by)).unwrap();
    }
    let lines: Vec<String> = [(same, "3"), (same, "4"), (other, "3")]
        .iter()
        .map(|(url, index)| {
            let status = entry(
                "BitstringStatusListEntry",
                url,
                "revocation",
                &format!("\"{index}\""),
                "",
            );
            let members = format!(
                "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"urn:uuid:x\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{web}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\"}},\"credentialStatus\":{status}"
            );
            ecdsa_line(&members, &vm, &a)
        })
        .collect();
    assert_same_key_answers(&lines, &lists, &dir.join("did.json"));
}

/// Status history (CONTRACT.md "Status history"): several snapshots of one
/// URL; the one in force at `--as-of` answers, never an older one.
#[test]
fn the_snapshot_in_force_answers_and_is_named() {
    const HISTORY: &str = "https://status.example/history";
    let a = issuer(41);
    let dir = temp_dir("status-history");
    let n = 131_072;
    let snapshot = |name: &str, from: &str, set: &[usize], extra: &str| {
        let encoded = encode_list(&bits_with(n, set), "u");
        let text = list_snapshot(
            &a,
            HISTORY,
            "\"revocation\"",
            &encoded,
            "BitstringStatusList",
            from,
            extra,
        );
        std::fs::write(dir.join(name), text).unwrap();
    };
    snapshot("s1.json", "2024-01-01T00:00:00Z", &[], "");
    snapshot("s2.json", "2025-01-01T00:00:00Z", &[5], "");
    snapshot(
        "s3.json",
        "2025-06-01T00:00:00Z",
        &[5, 9],
        ",\"validUntil\":\"2025-09-01T00:00:00Z\"",
    );
    snapshot("s4.json", "2027-01-01T00:00:00Z", &[5, 9, 12], "");
    // The same snapshot again under another name counts once.
    std::fs::copy(dir.join("s2.json"), dir.join("s2-copy.json")).unwrap();
    let lines: Vec<String> = [5, 9, 12]
        .iter()
        .map(|i| {
            let e = entry(
                "BitstringStatusListEntry",
                HISTORY,
                "revocation",
                &format!("\"{i}\""),
                "",
            );
            credential(&a, &format!("urn:uuid:{i}"), &e)
        })
        .collect();
    let input = util::temp_file("history.jsonl", lines.join("\n").as_bytes());
    let at = |as_of: &str| -> Vec<(String, Vec<String>, Option<String>)> {
        let (out, _) = util::run_with(&[&input], |c| {
            c.status_lists = vec![credverify::source::documents::DocumentSource::path(&dir)];
            c.as_of = credverify::time::Timestamp::parse(as_of).unwrap();
        });
        out.lines()
            .map(|line| {
                JsonParser::default()
                    .with_doc(line.as_bytes(), |v| {
                        let problems = v
                            .get("problems")
                            .unwrap()
                            .elements()
                            .map(|p| p.as_str().unwrap().to_owned())
                            .collect();
                        let snapshot = v.get("status_snapshots").map(|s| {
                            let (url, from) = s.members().next().expect("one list");
                            assert_eq!(url, HISTORY);
                            from.as_str().unwrap_or("null").to_owned()
                        });
                        let verdict = v.get("verdict").and_then(Value::as_str).unwrap();
                        (verdict.to_owned(), problems, snapshot)
                    })
                    .unwrap()
            })
            .collect()
    };
    let valid = |from: &str| ("valid".to_owned(), vec![], Some(from.to_owned()));
    let revoked = |from: &str| {
        (
            "revoked".to_owned(),
            vec!["revoked".to_owned()],
            Some(from.to_owned()),
        )
    };
    // Before any change: the first snapshot.
    assert_eq!(
        at("2024-06-01T00:00:00Z"),
        vec![valid("2024-01-01T00:00:00Z"); 3]
    );
    // Exactly at a snapshot's validFrom, that snapshot; one second before,
    // the one before it.
    assert_eq!(
        at("2025-01-01T00:00:00Z"),
        [
            revoked("2025-01-01T00:00:00Z"),
            valid("2025-01-01T00:00:00Z"),
            valid("2025-01-01T00:00:00Z")
        ]
    );
    assert_eq!(
        at("2024-12-31T23:59:59Z"),
        vec![valid("2024-01-01T00:00:00Z"); 3]
    );
    assert_eq!(
        at("2025-07-01T00:00:00Z"),
        [
            revoked("2025-06-01T00:00:00Z"),
            revoked("2025-06-01T00:00:00Z"),
            valid("2025-06-01T00:00:00Z")
        ]
    );
    // The snapshot in force has expired: its problem, no older snapshot.
    let expired = (
        "status_unavailable".to_owned(),
        vec!["status_list_expired".to_owned()],
        Some("2025-06-01T00:00:00Z".to_owned()),
    );
    assert_eq!(at("2026-01-01T00:00:00Z"), vec![expired; 3]);
    assert_eq!(
        at("2028-01-01T00:00:00Z")[2],
        revoked("2027-01-01T00:00:00Z")
    );
    // Before every snapshot: not yet valid, and no snapshot answered (the
    // credentials, valid from 2024, are not yet valid either).
    let early = at("2023-06-01T00:00:00Z");
    assert_eq!(
        early[0],
        (
            "not_yet_valid".to_owned(),
            vec![
                "not_yet_valid".to_owned(),
                "status_list_not_yet_valid".to_owned()
            ],
            None
        )
    );
    // A URL given once names no snapshot.
    let single = temp_dir("status-single");
    std::fs::copy(dir.join("s2.json"), single.join("s2.json")).unwrap();
    let (out, _) = util::run_with(&[&input], |c| {
        c.status_lists = vec![credverify::source::documents::DocumentSource::path(&single)];
    });
    assert!(!out.contains("status_snapshots"), "{out}");
    assert!(out.contains("\"revoked\""));
    // Two different snapshots with one validFrom stop the run, naming both.
    snapshot("s2-other.json", "2025-01-01T00:00:00Z", &[6], "");
    let mut config = credverify::VerifyConfig::new(
        vec![credverify::source::InputPath::File(input.clone())],
        credverify::time::Timestamp::parse(util::AS_OF).unwrap(),
    );
    config.status_lists = vec![credverify::source::documents::DocumentSource::path(&dir)];
    let mut sink = credverify::report::VerdictWriter::new(
        Vec::new(),
        credverify::report::OutputFormat::Jsonl,
        &["history".to_owned()],
    )
    .unwrap();
    let error = credverify::verify(&config, &mut sink)
        .unwrap_err()
        .to_string();
    let named = ["s2.json", "s2-copy.json", "s2-other.json"]
        .iter()
        .filter(|f| error.contains(&format!("/{f}")))
        .count();
    assert!(error.contains("s2-other.json") && named == 2, "{error}");
    assert!(error.contains("same validFrom"), "{error}");
}

/// `generate --status-history K`: the last snapshot is the one the truth
/// holds for; earlier instants see earlier snapshots, which revoked less
/// and suspended some records the last one lifts.
#[test]
fn generated_histories_answer_by_instant() {
    use credverify::generate::{self, GenFormat, GenerateArgs, Layout};
    let dir = temp_dir("status-history-generated");
    let args = GenerateArgs {
        layout: Layout::Jsonl,
        shapes: 1,
        records: 600,
        seed: 11,
        out: dir.clone(),
        format: GenFormat::Jcs,
        issuers: 2,
        status_lists: 2,
        status_history: 3,
        mix: "valid=60,revoked=20,suspended=20".into(),
        as_of: util::AS_OF.into(),
    };
    generate::run(&args).expect("generate");
    let snapshots = std::fs::read_dir(dir.join("status"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".snapshot-")
        })
        .count();
    let lists = std::fs::read_dir(dir.join("status")).unwrap().count() - snapshots;
    assert_eq!(snapshots, 2 * lists, "two earlier snapshots per list");
    let input = dir.join("credentials.jsonl");
    let at = |as_of: &str| -> Vec<String> {
        let (out, _) = util::run_with(&[&input], |c| {
            c.dids = vec![credverify::source::documents::DocumentSource::path(
                dir.join("dids"),
            )];
            c.status_lists = vec![credverify::source::documents::DocumentSource::path(
                dir.join("status"),
            )];
            c.as_of = credverify::time::Timestamp::parse(as_of).unwrap();
        });
        assert!(
            out.contains("\"status_snapshots\":{"),
            "several snapshots are named"
        );
        util::parse_verdicts(&out)
            .into_iter()
            .map(|v| v.verdict)
            .collect()
    };
    let truth: Vec<String> = std::fs::read_to_string(dir.join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            JsonParser::default()
                .with_doc(l.as_bytes(), |v| {
                    v.get("verdict").and_then(Value::as_str).unwrap().to_owned()
                })
                .unwrap()
        })
        .collect();
    assert_eq!(at(util::AS_OF), truth);
    // The first snapshot (valid from a year and 60 days before --as-of).
    let early = at("2024-11-05T00:00:00Z");
    let revoked =
        |v: &[String]| -> Vec<usize> { (0..v.len()).filter(|&i| v[i] == "revoked").collect() };
    let (then, now) = (revoked(&early), revoked(&truth));
    assert!(
        !then.is_empty() && then.len() < now.len(),
        "{} then, {} now",
        then.len(),
        now.len()
    );
    assert!(
        then.iter().all(|i| now.contains(i)),
        "a revocation is never lifted"
    );
    let lifted = (0..truth.len())
        .filter(|&i| early[i] == "suspended" && truth[i] == "valid")
        .count();
    assert!(
        lifted > 0,
        "some suspensions are lifted by the last snapshot"
    );
}

/// Unsigned lists date themselves on nobody's word: two of one URL stop
/// the run instead of the later one answering.
#[test]
fn unsigned_lists_are_never_snapshots() {
    let dir = temp_dir("unsigned-snapshots");
    let list = |revoked: &str, issued: &str| {
        format!(
            "{{\"@context\":\"https://w3id.org/openbadges/v2\",\"id\":\"https://example.org/revocations.json\",\"type\":\"RevocationList\",\"issuanceDate\":\"{issued}\",\"revokedAssertions\":[{revoked}]}}"
        )
    };
    std::fs::write(
        dir.join("a.json"),
        list("\"urn:uuid:1\"", "2024-01-01T00:00:00Z"),
    )
    .unwrap();
    std::fs::write(dir.join("b.json"), list("", "2025-01-01T00:00:00Z")).unwrap();
    let input = util::temp_file("none.jsonl", b"{}\n");
    let mut config = credverify::VerifyConfig::new(
        vec![credverify::source::InputPath::File(input)],
        credverify::time::Timestamp::parse(util::AS_OF).unwrap(),
    );
    config.status_lists = vec![credverify::source::documents::DocumentSource::path(&dir)];
    let mut sink = credverify::report::VerdictWriter::new(
        Vec::new(),
        credverify::report::OutputFormat::Jsonl,
        &["none".to_owned()],
    )
    .unwrap();
    let error = credverify::verify(&config, &mut sink)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("only signed lists may be snapshots"),
        "{error}"
    );
    assert!(
        error.contains("a.json") && error.contains("b.json"),
        "{error}"
    );
}
