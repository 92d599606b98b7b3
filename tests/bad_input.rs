//! Bad input is an ordinary input: each gets its verdict, the run goes on,
//! nothing panics, hangs or is skipped.

use crate::util::{self, run_lines, run_one, run_with};

fn assert_malformed(line: &str, problem: &str) {
    let v = run_one(line);
    assert_eq!(
        (v.verdict.as_str(), v.problems.as_slice()),
        ("malformed", &[problem.to_owned()][..]),
        "{:.80}",
        line
    );
}

#[test]
fn nesting_100_000_levels_deep_is_malformed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_malformed(&deep, "too_deep");
    let deep_obj = format!(
        "{{\"a\":{}1{}}}",
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_malformed(&deep_obj, "too_deep");
}

#[test]
fn a_64_mb_line_is_too_large_and_the_run_goes_on() {
    let good = util::signed_credential(&util::key(1), "");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(64 << 20));
    let text = format!("{good}\n{huge}\n{good}\n");
    let path = util::temp_file("huge.jsonl", text.as_bytes());
    for (mmap, threads) in [(true, 1), (false, 2)] {
        let (out, _) = run_with(&[&path], |c| {
            c.source.mmap = mmap;
            c.threads = threads;
        });
        let v = util::parse_verdicts(&out);
        let got: Vec<(&str, u64)> = v.iter().map(|r| (r.verdict.as_str(), r.line)).collect();
        assert_eq!(
            got,
            [("valid", 1), ("malformed", 2), ("valid", 3)],
            "mmap {mmap}"
        );
        assert_eq!(v[1].problems, ["record_too_large"]);
    }
    // Streamed (gzip): the long line is never held whole.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
    let gz = util::temp_file("huge.jsonl.gz", &enc.finish().unwrap());
    let (out, _) = run_with(&[&gz], |_| {});
    let v = util::parse_verdicts(&out);
    assert_eq!(
        v.iter()
            .map(|r| (r.verdict.as_str(), r.line))
            .collect::<Vec<_>>(),
        [("valid", 1), ("malformed", 2), ("valid", 3)]
    );
    // Spaces count: a long line of spaces before a small record is too
    // large on every path, mapped or streamed.
    let padded = format!("{good}\n{}{{}}\n{good}\n", " ".repeat(3 << 20));
    let path2 = util::temp_file("padded.jsonl", padded.as_bytes());
    for mmap in [true, false] {
        let (out, _) = run_with(&[&path2], |c| {
            c.source.mmap = mmap;
            c.source.max_record_bytes = 100 << 10;
        });
        let v = util::parse_verdicts(&out);
        assert_eq!(
            v.iter()
                .map(|r| (r.verdict.as_str(), r.line))
                .collect::<Vec<_>>(),
            [("valid", 1), ("malformed", 2), ("valid", 3)],
            "mmap {mmap}"
        );
        assert_eq!(v[1].problems, ["record_too_large"], "mmap {mmap}");
    }
    // Raising the limit lets the same line be judged as a record.
    let (out, _) = run_with(&[&path], |c| c.source.max_record_bytes = 100 << 20);
    assert_eq!(util::parse_verdicts(&out)[1].problems, ["bad_member"]);
}

#[test]
fn invalid_utf8_and_nul_bytes_are_malformed() {
    let mut line = util::signed_credential(&util::key(2), "").into_bytes();
    line.insert(20, 0xff);
    let path = util::temp_file(
        "utf8.jsonl",
        &[&line[..], b"\n{\"a\":\"\x00\"}\n\x00\x00\n"].concat(),
    );
    let (out, _) = run_with(&[&path], |_| {});
    let v = util::parse_verdicts(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].problems, ["invalid_utf8"]);
    // A raw NUL inside a string is not allowed by JSON.
    assert_eq!(v[1].problems, ["invalid_json"]);
    assert_eq!(v[2].verdict, "malformed");
}

#[test]
fn duplicate_member_names_are_malformed_at_any_depth() {
    let good = util::signed_credential(&util::key(3), "");
    assert_eq!(run_one(&good).verdict, "valid");
    assert_malformed(
        &good.replacen("{", "{\"id\":\"urn:uuid:other\",", 1),
        "duplicate_key",
    );
    assert_malformed(
        &good.replacen(
            "\"name\":\"Ada Lovelace\"",
            "\"name\":\"Ada\",\"name\":\"Eve\"",
            1,
        ),
        "duplicate_key",
    );
}

#[test]
fn a_truncated_last_line_is_malformed() {
    let good = util::signed_credential(&util::key(4), "");
    let text = format!("{good}\n{}", &good[..good.len() / 2]);
    let path = util::temp_file("truncated.jsonl", text.as_bytes());
    let v = util::parse_verdicts(&run_with(&[&path], |_| {}).0);
    assert_eq!(
        v.iter().map(|r| r.verdict.as_str()).collect::<Vec<_>>(),
        ["valid", "malformed"]
    );
    assert_eq!(v[1].problems, ["invalid_json"]);
}

#[test]
fn empty_and_blank_files_give_no_verdicts_and_are_named() {
    for bytes in [&b""[..], b"\n\n", b"  \r\n\t\n"] {
        // (An empty `.png` or `.svg` is a badge image without a credential:
        // one malformed record, tested with the images.)
        for name in ["empty.jsonl", "empty.json", "empty.jwt", "empty"] {
            let path = util::temp_file(name, bytes);
            let (out, summary) = run_with(&[&path], |c| c.threads = 2);
            // A file that holds nothing is no record, and not silently
            // passed over: the summary names it.
            let empty: &[String] = &[path.display().to_string()];
            let got = (out.as_str(), summary.records, &summary.empty_inputs[..]);
            assert_eq!(got, ("", 0, empty), "{name} {bytes:?}");
            assert!(summary.all_valid());
            assert!(summary.to_human().contains("1 inputs held no record"));
        }
    }
    // In a walk, among files that hold records, and with the bundled path
    // of small files: only the empty ones are named.
    let dir = util::temp_dir("empty-walk");
    let good = util::signed_credential(&util::key(5), "");
    std::fs::write(dir.join("a.json"), &good).unwrap();
    std::fs::write(dir.join("b.json"), b"").unwrap();
    std::fs::write(dir.join("c.jsonl"), format!("{good}\n")).unwrap();
    std::fs::write(dir.join("d.jsonl"), b"\n").unwrap();
    for threads in [1, 2] {
        let (out, summary) = run_with(&[&dir], |c| {
            c.threads = threads;
            c.walk_directories();
        });
        assert_eq!(out.lines().count(), 2);
        let names: Vec<&str> = summary
            .empty_inputs
            .iter()
            .map(|n| n.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["b.json", "d.jsonl"], "{threads} threads");
        assert!(summary.to_json().contains("\"empty_inputs\":["));
    }
}

#[test]
fn huge_numbers_are_outside_i_json() {
    let good = util::signed_credential(&util::key(5), "");
    assert_malformed(
        &good.replacen("\"name\":\"Ada Lovelace\"", "\"n\":1e400", 1),
        "number_out_of_range",
    );
    assert_malformed(
        &good.replacen("\"name\":\"Ada Lovelace\"", "\"n\":9007199254740993", 1),
        "number_out_of_range",
    );
}

#[test]
fn crlf_blank_lines_bom_and_no_final_newline() {
    let good = util::signed_credential(&util::key(6), "");
    let text = format!("\u{feff}{good}\r\n\r\n{good}\r\n   \n{good}");
    let path = util::temp_file("crlf.jsonl", text.as_bytes());
    let v = util::parse_verdicts(&run_with(&[&path], |c| c.threads = 2).0);
    assert_eq!(
        v.iter()
            .map(|r| (r.line, r.verdict.as_str()))
            .collect::<Vec<_>>(),
        [(1, "valid"), (3, "valid"), (5, "valid")]
    );
}

#[test]
fn records_that_are_not_credentials() {
    for (line, problem) in [
        ("[[1,2,3]]", "not_a_credential"),
        ("42", "not_a_credential"),
        ("\"just a string\"", "bad_jws"),
        ("<html>", "invalid_json"),
        ("eyJhbGciOiJFZERTQSJ9.e30", "bad_jws"),
        ("eyJhbGciOiJFZERTQSJ9.!!.sig", "bad_jws"),
        ("{}", "bad_member"),
        (
            "{\"@context\":\"https://www.w3.org/ns/credentials/v2\",\"type\":\"VerifiableCredential\",\"credentialSubject\":{}}",
            "bad_member",
        ),
    ] {
        assert_malformed(line, problem);
    }
}

#[test]
fn a_bad_record_does_not_disturb_its_neighbours() {
    let good = util::signed_credential(&util::key(7), "");
    let lines = [good.as_str(), "{", good.as_str(), "\u{0}", good.as_str()];
    let v = run_lines(&lines, |c| c.threads = 2);
    assert_eq!(
        v.iter().map(|r| r.verdict.as_str()).collect::<Vec<_>>(),
        ["valid", "malformed", "valid", "malformed", "valid"]
    );
}

#[test]
fn a_huge_array_element_is_too_large_on_every_path_and_memory_stays_bounded() {
    let good = util::signed_credential(&util::key(8), "");
    let huge = format!("{{\"pad\":\"{}\",\"x\":[{{}}]}}", "y".repeat(3 << 20));
    let text = format!(
        "[{good},\n{huge} ,{good},\"{}\",{good}]",
        "z".repeat(2 << 20)
    );
    let plain = util::temp_file("huge.json", text.as_bytes());
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
    let gz = util::temp_file("huge.json.gz", &enc.finish().unwrap());
    let mut reports = Vec::new();
    for (path, mmap) in [(&plain, true), (&plain, false), (&gz, true)] {
        for chunk in [1 << 10, 1 << 20] {
            let (out, _) = run_with(&[path], |c| {
                c.source.mmap = mmap;
                c.source.max_record_bytes = 100 << 10;
                c.source.chunk_bytes = chunk;
            });
            let v = util::parse_verdicts(&out);
            let got: Vec<(u64, &str, Vec<String>)> = v
                .iter()
                .map(|r| (r.line, r.verdict.as_str(), r.problems.clone()))
                .collect();
            let too_large = vec!["record_too_large".to_owned()];
            assert_eq!(
                got,
                [
                    (1, "valid", vec![]),
                    (2, "malformed", too_large.clone()),
                    (3, "valid", vec![]),
                    (4, "malformed", too_large),
                    (5, "valid", vec![])
                ],
                "{} mmap {mmap} chunk {chunk}",
                path.display()
            );
            reports.push(out);
        }
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]));
}
