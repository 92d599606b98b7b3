//! The committed sample's verdicts equal its truth file, case by case.

use credverify::json::{JsonParser, Value};

use crate::util::{self, run_with};

/// One line of a generated truth file.
struct TruthRow {
    /// Empty for a JSON Lines export; the file below `files/` for a folder.
    file: String,
    line: u64,
    case: String,
    verdict: String,
    /// The generator's proof format (`jcs`, `jwt`, …), or the verdict's
    /// own for an Open Badges 2.0 badge (`ob2-signed`, `ob2-hosted`).
    format: String,
    messages: Vec<String>,
}

fn truth_rows(truth: &str) -> Vec<TruthRow> {
    let mut parser = JsonParser::default();
    truth
        .lines()
        .map(|l| {
            parser
                .with_doc(l.as_bytes(), |v| {
                    let s = |k| {
                        v.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    TruthRow {
                        file: s("file"),
                        line: v.get("line").and_then(Value::as_u64).unwrap_or(0),
                        case: s("case"),
                        verdict: s("verdict"),
                        format: s("format"),
                        messages: v
                            .get("status_messages")
                            .map(|m| {
                                m.elements()
                                    .filter_map(|e| e.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .expect("truth line")
        })
        .collect()
}

#[test]
fn committed_sample_matches_its_truth() {
    let dir = util::repo().join("datasets/sample");
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    let (out, summary) = run_with(&[&dir.join("credentials.jsonl")], |c| {
        c.dids = vec![credverify::source::documents::DocumentSource::path(
            dir.join("dids"),
        )];
        c.status_lists = vec![credverify::source::documents::DocumentSource::path(
            dir.join("status"),
        )];
        c.threads = 2;
    });
    let got = util::parse_verdicts(&out);
    let expected: Vec<(u64, String, String, Vec<String>)> = truth_rows(&truth)
        .into_iter()
        .map(|r| (r.line, r.case, r.verdict, r.messages))
        .collect();
    assert_eq!(got.len(), expected.len());
    assert_eq!(summary.records as usize, expected.len());
    for (g, (line, case, verdict, messages)) in got.iter().zip(&expected) {
        assert_eq!(
            (g.line, &g.verdict, &g.status_messages),
            (*line, verdict, messages),
            "line {line}, case {case}: problems {:?}",
            g.problems
        );
    }
    // Every case of the generator is present in the sample.
    for case in credverify::generate::Case::ALL {
        assert!(
            expected.iter().any(|e| e.1 == case.name()),
            "the sample lacks {}",
            case.name()
        );
    }
    // Every proof format, valid and tampered.
    let rows = truth_rows(&truth);
    for format in [
        "jcs",
        "jwt",
        "jwt-rs256",
        "jwt-es256",
        "ecdsa-rdfc",
        "ecdsa-jcs",
        "ecdsa-sd",
        "rdfc",
        "ed2020",
    ] {
        for (case, verdict) in [("valid", "valid"), ("tampered", "invalid_signature")] {
            assert!(
                rows.iter()
                    .any(|r| r.format == format && r.case == case && r.verdict == verdict),
                "the sample lacks a {case} {format} record"
            );
        }
    }
}

/// The two parsers give the same verdicts. Committed, the sample's JSON
/// records are plain and parsed in place; made not plain by one escape
/// that changes no value (`"\u0056erifiableCredential"`), each is parsed by
/// simd-json instead, and every verdict, problem and warning stays.
#[test]
fn an_escape_that_changes_no_value_changes_no_verdict() {
    let dir = util::repo().join("datasets/sample");
    let original = dir.join("credentials.jsonl");
    let text = std::fs::read(&original).expect("sample");
    let (plain, escaped) = (
        &b"\"VerifiableCredential\""[..],
        &b"\"\\u0056erifiableCredential\""[..],
    );
    let mut changed = 0;
    let lines: Vec<Vec<u8>> = text
        .split(|&b| b == b'\n')
        .map(
            |line| match line.windows(plain.len()).position(|w| w == plain) {
                Some(at) => {
                    changed += 1;
                    [&line[..at], escaped, &line[at + plain.len()..]].concat()
                }
                None => line.to_vec(),
            },
        )
        .collect();
    assert!(changed > 300, "{changed} records escaped");
    // The plain road is taken by the committed records, not the escaped.
    let is_plain = credverify::json::is_plain;
    let plain_before = text.split(|&b| b == b'\n').filter(|l| is_plain(l)).count();
    let plain_after = lines.iter().filter(|l| is_plain(l)).count();
    assert_eq!(plain_before - plain_after, changed);
    let path = util::temp_file("escaped.jsonl", &lines.join(&b'\n'));
    let run = |input: &std::path::Path| {
        let (out, _) = run_with(&[input], |c| {
            c.dids = vec![credverify::source::documents::DocumentSource::path(
                dir.join("dids"),
            )];
            c.status_lists = vec![credverify::source::documents::DocumentSource::path(
                dir.join("status"),
            )];
            c.threads = 2;
        });
        let mut verdicts = util::parse_verdicts(&out);
        for v in &mut verdicts {
            v.file = None;
        }
        verdicts
    };
    let (from_plain, from_escaped) = (run(&original), run(&path));
    assert_eq!(from_plain.len(), from_escaped.len());
    for (a, b) in from_plain.iter().zip(&from_escaped) {
        assert_eq!(a, b, "line {}", a.line);
    }
    assert!(from_escaped.iter().filter(|v| v.verdict == "valid").count() > 100);
}

#[test]
fn committed_folder_sample_matches_its_truth() {
    // `generate --layout files`: pretty-printed files, one-line files,
    // tokens, arrays, JSON Lines, baked PNG and SVG badges, two levels deep,
    // and files a walk skips.
    let dir = util::repo().join("datasets/sample-files");
    let files = dir.join("files");
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth.jsonl");
    let run = |threads| {
        run_with(&[&files], |c| {
            c.dids = vec![credverify::source::documents::DocumentSource::path(
                dir.join("dids"),
            )];
            c.status_lists = vec![credverify::source::documents::DocumentSource::path(
                dir.join("status"),
            )];
            c.threads = threads;
            c.walk_directories();
        })
    };
    let (out, summary) = run(2);
    assert_eq!(run(1).0, out, "thread counts agree");
    let got = util::parse_verdicts(&out);
    let rows = truth_rows(&truth);
    let expected: Vec<(String, u64, String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.file.clone(),
                r.line,
                r.verdict.clone(),
                r.messages.clone(),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    for (g, (file, line, verdict, messages)) in got.iter().zip(&expected) {
        let named = files.join(file).display().to_string();
        assert_eq!(
            (g.file.as_deref(), g.line, &g.verdict, &g.status_messages),
            (Some(named.as_str()), *line, verdict, messages),
            "problems {:?}",
            g.problems
        );
    }
    // Open Badges 2.0 badges of both kinds, baked into both images.
    for (g, r) in got.iter().zip(&rows) {
        if r.format.starts_with("ob2") {
            assert_eq!(g.format.as_deref(), Some(r.format.as_str()), "{}", r.file);
        }
    }
    for (format, ext) in [
        ("ob2-signed", ".png"),
        ("ob2-signed", ".svg"),
        ("ob2-hosted", ".svg"),
    ] {
        assert!(
            rows.iter()
                .any(|r| r.format == format && r.file.ends_with(ext) && r.verdict != "malformed"),
            "the folder sample lacks an {format} {ext} badge"
        );
    }
    assert!(
        rows.iter()
            .any(|r| r.format == "ob2-signed" && r.verdict == "valid"),
        "the folder sample lacks a valid Open Badges 2.0 badge"
    );
    assert_eq!(summary.skipped_files, [("extension".to_owned(), 2)]);
    for ext in [".json", ".jsonl", ".jwt", ".png", ".svg"] {
        assert!(
            expected.iter().any(|e| e.0.ends_with(ext)),
            "the folder sample lacks a {ext} file"
        );
    }
    assert!(expected.iter().any(|e| e.0.contains("array") && e.1 == 3));
}
