//! Records and runs built to crash, stall or exhaust the run, each of
//! which did before its bound existed (issue "Unbreakable"): every one gets
//! a verdict or a clean failure, the same for every thread count and batch
//! size, and never a crash.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use credverify::limits;
use credverify::source::array::ArrayScanner;

use crate::util::{self, AS_OF, cli, did_key, key, parse_verdicts, run_with, temp_file};

/// A credential by a did:key issuer with `subject` as its subject and a
/// proof of `suite` whose `proofValue` is well formed but wrong: every
/// check before the signature runs in full.
fn credential(contexts: &str, subject: &str, proofs: &str) -> String {
    let (did, _) = did_key(&key(7));
    format!(
        r#"{{"@context":{contexts},"id":"urn:uuid:h","type":["VerifiableCredential"],"issuer":"{did}","validFrom":"2024-01-01T00:00:00Z","credentialSubject":{subject},"proof":{proofs}}}"#
    )
}

fn proof(suite: &str, extra: &str) -> String {
    let (_, method) = did_key(&key(7));
    let value = bs58::encode([7u8; 64]).into_string();
    format!(
        r#"{{"type":"DataIntegrityProof","cryptosuite":"{suite}","created":"2024-01-01T00:00:00Z","verificationMethod":"{method}","proofPurpose":"assertionMethod","proofValue":"z{value}"{extra}}}"#
    )
}

const VOCAB: &str = r#"["https://www.w3.org/ns/credentials/v2",{"@vocab":"https://ex.org/#"}]"#;

/// A subject that is a chain of `n` blank nodes, each naming the next.
fn blank_chain(n: usize) -> String {
    let nodes: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"_:b{i}","next":{{"id":"_:b{}"}}}}"#, i + 1))
        .collect();
    format!("[{}]", nodes.join(","))
}

/// A chain of nodes with a long string beside it: the RDFC bounds grow
/// with the record, and a chain recursing to the depth bound needs calls
/// in proportion to its length squared.
fn padded(chain: String) -> String {
    let pad = "x".repeat(512 << 10);
    format!(
        r#"{},{{"id":"did:ex:pad","pad":"{pad}"}}]"#,
        chain.trim_end_matches(']')
    )
}

/// `n` proofs, each naming every earlier one in `previousProof`.
fn proof_chain(suite: &str, n: usize) -> String {
    let proofs: Vec<String> = (0..n)
        .map(|i| {
            let previous: Vec<String> = (0..i).map(|j| format!("\"urn:p:{j}\"")).collect();
            let extra = if i == 0 {
                format!(r#","id":"urn:p:{i}""#)
            } else {
                format!(
                    r#","id":"urn:p:{i}","previousProof":[{}]"#,
                    previous.join(",")
                )
            };
            proof(suite, &extra)
        })
        .collect();
    format!("[{}]", proofs.join(","))
}

/// An inline context of `contexts` objects of `terms` terms each.
fn many_terms(contexts: usize, terms: usize) -> String {
    let objects: Vec<String> = (0..contexts)
        .map(|k| {
            let t: Vec<String> = (0..terms)
                .map(|i| format!(r#""t{k}_{i}":"https://ex.org/t{k}_{i}""#))
                .collect();
            format!("{{{}}}", t.join(","))
        })
        .collect();
    format!(
        r#"["https://www.w3.org/ns/credentials/v2",{},{{"@vocab":"https://ex.org/#"}}]"#,
        objects.join(",")
    )
}

/// `props` properties, each with a scoped context of `terms` terms, all
/// used: each use derives an active context as large as the whole.
fn scoped_terms(props: usize, terms: usize) -> (String, String) {
    let scoped: Vec<String> = (0..terms)
        .map(|j| format!(r#""u{j}":"https://ex.org/u{j}""#))
        .collect();
    let scoped = scoped.join(",");
    let defs: Vec<String> = (0..props)
        .map(|i| format!(r#""s{i}":{{"@id":"https://ex.org/s{i}","@context":{{{scoped}}}}}"#))
        .collect();
    let context = format!(
        r#"["https://www.w3.org/ns/credentials/v2",{{{}}},{{"@vocab":"https://ex.org/#"}}]"#,
        defs.join(",")
    );
    let uses: Vec<String> = (0..props)
        .map(|i| format!(r#""s{i}":{{"u1":"v"}}"#))
        .collect();
    let subject = format!(r#"{{"id":"did:ex:s",{}}}"#, uses.join(","));
    (context, subject)
}

/// The hostile records, each with the problem its bound gives.
fn hostile() -> Vec<(&'static str, String, &'static str)> {
    let rdfc = proof("eddsa-rdfc-2022", "");
    let (scoped_context, scoped_subject) = scoped_terms(600, 50);
    vec![
        (
            "blank-node chain of 1,600",
            credential(VOCAB, &padded(blank_chain(1_600)), &rdfc),
            "canonicalization_bound",
        ),
        (
            "blank-node chain of 5,000, unpadded",
            credential(VOCAB, &blank_chain(5_000), &rdfc),
            "jsonld_bound",
        ),
        (
            "800 JCS proofs naming every earlier one",
            credential(
                VOCAB,
                r#"{"id":"did:ex:s"}"#,
                &proof_chain("eddsa-jcs-2022", 800),
            ),
            "proof_bound",
        ),
        (
            "17 RDFC proofs",
            credential(
                VOCAB,
                r#"{"id":"did:ex:s"}"#,
                &proof_chain("eddsa-rdfc-2022", 17),
            ),
            "proof_bound",
        ),
        (
            "an inline context of 30,000 terms",
            credential(&many_terms(60, 500), r#"{"id":"did:ex:s"}"#, &rdfc),
            "jsonld_bound",
        ),
        (
            "600 scoped contexts of 50 terms, all used",
            credential(&scoped_context, &scoped_subject, &rdfc),
            "jsonld_bound",
        ),
    ]
}

/// The committed sample's lines that are UTF-8 (it also holds some that
/// are not, on purpose).
fn sample_lines() -> Vec<String> {
    let bytes =
        std::fs::read(util::repo().join("datasets/sample/credentials.jsonl")).expect("sample");
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|l| String::from_utf8(l.to_vec()).ok())
        .filter(|l| !l.is_empty())
        .collect()
}

fn problems_of(out: &str) -> Vec<Vec<String>> {
    parse_verdicts(out)
        .into_iter()
        .map(|v| v.problems)
        .collect()
}

#[test]
fn each_hostile_record_gets_its_bound_the_same_way_every_time() {
    let records = hostile();
    let mut text = String::new();
    for (_, record, _) in &records {
        text.push_str(record);
        text.push('\n');
    }
    // Real records around them: their verdicts must not change.
    let sample = sample_lines();
    let head: Vec<&str> = sample.iter().map(String::as_str).take(40).collect();
    text.push_str(&head.join("\n"));
    text.push('\n');
    let path = temp_file("hostile.jsonl", text.as_bytes());
    let (reference, _) = run_with(&[&path], |c| c.threads = 1);
    let problems = problems_of(&reference);
    assert_eq!(problems.len(), records.len() + head.len());
    for ((name, _, expected), got) in records.iter().zip(&problems) {
        assert!(
            got.iter().any(|p| p == expected),
            "{name}: expected {expected}, got {got:?}"
        );
    }
    let alone = {
        let p = temp_file("head.jsonl", format!("{}\n", head.join("\n")).as_bytes());
        problems_of(&run_with(&[&p], |c| c.threads = 1).0)
    };
    assert_eq!(
        &problems[records.len()..],
        &alone[..],
        "neighbours unchanged"
    );
    for threads in [1, 2, 3] {
        for batch in [1, 7, 1024] {
            for chunk in [1, 4096, 1 << 20] {
                let (out, _) = run_with(&[&path], |c| {
                    c.threads = threads;
                    c.batch_size = batch;
                    c.source.chunk_bytes = chunk;
                });
                assert!(
                    out == reference,
                    "threads {threads}, batch {batch}, chunk {chunk}: output differs"
                );
            }
        }
    }
}

#[test]
fn the_deepest_records_allowed_fit_a_quarter_of_a_worker_stack() {
    // Records at every recursion bound: JSON nesting at its limit, a chain
    // of term definitions at its limit, a blank-node chain at the RDFC
    // depth bound.
    let nested = format!(
        r#"{{"id":"did:ex:s","n":{}1{}}}"#,
        "[".repeat(limits::JSON_DEPTH - 4),
        "]".repeat(limits::JSON_DEPTH - 4)
    );
    let chain: Vec<String> = (0..limits::TERM_DEFINITION_DEPTH - 1)
        .map(|i| format!(r#""c{i}":"c{}:x""#, i + 1))
        .collect();
    let terms = format!(
        r#"["https://www.w3.org/ns/credentials/v2",{{"@vocab":"https://ex.org/#","c{}":"https://ex.org/",{}}}]"#,
        limits::TERM_DEFINITION_DEPTH - 1,
        chain.join(",")
    );
    let rdfc = proof("eddsa-rdfc-2022", "");
    let lines = [
        credential(VOCAB, &nested, &rdfc),
        credential(&terms, r#"{"id":"did:ex:s","c0":"v"}"#, &rdfc),
        credential(
            VOCAB,
            &padded(blank_chain(limits::RDFC_N_DEGREE_DEPTH - 2)),
            &rdfc,
        ),
        credential(
            VOCAB,
            &padded(blank_chain(limits::RDFC_N_DEGREE_DEPTH + 2)),
            &rdfc,
        ),
    ];
    let path = temp_file("deep.jsonl", format!("{}\n", lines.join("\n")).as_bytes());
    let out = std::thread::Builder::new()
        .stack_size(limits::WORKER_STACK_BYTES / 4)
        .spawn(move || run_with(&[&path], |c| c.threads = 1).0)
        .expect("thread")
        .join()
        .expect("no stack overflow");
    let verdicts = parse_verdicts(&out);
    assert_eq!(verdicts.len(), lines.len());
    for v in &verdicts[..3] {
        assert!(
            !v.problems.iter().any(|p| p.ends_with("_bound")),
            "within the bounds: {v:?}"
        );
    }
    assert_eq!(verdicts[3].problems, ["canonicalization_bound"]);
}

/// The elements of a JSON text as a JSON parser (simd-json, grammar and
/// UTF-8 only) sees it, or None when it is not a JSON array.
fn parser_view(text: &[u8]) -> Option<Vec<simd_json::OwnedValue>> {
    match simd_json::to_owned_value(&mut text.to_vec()) {
        Ok(simd_json::OwnedValue::Array(elements)) => Some(*elements),
        _ => None,
    }
}

fn parse_one(text: &[u8]) -> Option<simd_json::OwnedValue> {
    simd_json::to_owned_value(&mut text.to_vec()).ok()
}

#[test]
fn array_framing_agrees_with_a_json_parser_and_never_invents() {
    // Objects only, so that a JSON parser can judge the whole file.
    let sample = sample_lines();
    let objects: Vec<&str> = sample
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with('{') && parse_one(l.as_bytes()).is_some())
        .take(12)
        .collect();
    let array = format!("[\n{}\n]\n", objects.join(",\n"));
    let bytes = array.as_bytes();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut checked = 0;
    for round in 0..400 {
        let at = next(bytes.len());
        let mut text = bytes.to_vec();
        match round % 5 {
            0 => {
                text.remove(at);
            }
            1 => {
                // Drop a quote: an unterminated string.
                let quotes: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'"').collect();
                text.remove(quotes[next(quotes.len())]);
            }
            2 => text.insert(at, b'"'),
            3 => text.truncate(at),
            _ => text.insert(at, b"{[]},:\\"[next(7)]),
        }
        let mut scanner = ArrayScanner::default();
        let mut spans = Vec::new();
        let mut offset = 0;
        let block = 1 + next(4096);
        for piece in text.chunks(block) {
            scanner.feed(piece, offset as u64, &mut spans);
            offset += piece.len();
        }
        scanner.finish(text.len() as u64, &mut spans);
        let damage = scanner.damage();
        // The scanner leaves UTF-8 to each element's parser: a cut
        // character is no framing matter.
        if std::str::from_utf8(&text).is_err() {
            continue;
        }
        checked += 1;
        match parser_view(&text) {
            Some(elements) => {
                assert_eq!(damage, None, "round {round}: a valid array is not damaged");
                assert_eq!(spans.len(), elements.len(), "round {round}: element count");
                for (span, element) in spans.iter().zip(&elements) {
                    let got = parse_one(&text[span.start as usize..span.end as usize]);
                    assert_eq!(got.as_ref(), Some(element), "round {round}");
                }
            }
            None => {
                let damage =
                    damage.unwrap_or_else(|| panic!("round {round}: invalid, not damaged"));
                // Every record before the damage is an element a parser sees
                // in the text up to its end.
                for (i, span) in spans.iter().enumerate() {
                    assert!(
                        span.end <= damage.start,
                        "round {round}: a record after the damage"
                    );
                    let mut prefix = text[..span.end as usize].to_vec();
                    prefix.push(b']');
                    let seen = parser_view(&prefix)
                        .unwrap_or_else(|| panic!("round {round}: span {i} invents a record"));
                    assert_eq!(seen.len(), i + 1, "round {round}");
                    assert_eq!(
                        parse_one(&text[span.start as usize..span.end as usize]).as_ref(),
                        seen.last(),
                        "round {round}"
                    );
                }
            }
        }
    }
    assert!(checked > 300, "{checked} rounds were judged");
}

#[test]
fn a_damaged_array_gets_one_framing_lost_record_on_both_read_paths() {
    let (did, _) = did_key(&key(3));
    let good = util::signed_credential(&key(3), "");
    let bad = good.replacen(&format!("\"{did}\""), &format!("\"{did}"), 1);
    assert_ne!(good, bad);
    let mut elements = vec![good.clone(); 100];
    elements.push(bad);
    elements.extend(std::iter::repeat_n(good, 2_000));
    let text = format!("[\n{}\n]\n", elements.join(",\n"));
    let path = temp_file("damaged.json", text.as_bytes());
    for (mmap, threads) in [(true, 2), (false, 1), (false, 2)] {
        let (out, summary) = run_with(&[&path], |c| {
            c.source.mmap = mmap;
            c.threads = threads;
            c.source.chunk_bytes = 64 << 10;
        });
        let verdicts = parse_verdicts(&out);
        assert_eq!(verdicts.len(), 101, "mmap {mmap}");
        assert!(verdicts[..100].iter().all(|v| v.verdict == "valid"));
        assert_eq!(verdicts[100].problems, ["framing_lost"]);
        assert_eq!(verdicts[100].line, 101);
        assert_eq!(
            summary.damaged_inputs,
            [(path.display().to_string(), 101)],
            "the summary names the damaged input"
        );
    }
    // The command line says where.
    let out = cli(&["verify", "--as-of", AS_OF, path.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("framing lost"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn integers_beyond_a_double_and_long_fractions_are_refused() {
    let base = util::signed_credential(&key(4), r#","n":12345"#);
    for (token, ok) in [
        ("18446744073709551616", false),
        ("9223372036854775808", false),
        ("9007199254740993", false),
        ("-9007199254740993", false),
        ("1e400", false),
        ("3.14159265358979323846", false),
        ("0.1", true),
        ("1.10", true),
        ("-2.5e-3", true),
        ("9007199254740992", true),
    ] {
        let line = base.replace("12345", token);
        let v = util::run_one(&line);
        assert_eq!(
            v.problems.contains(&"number_out_of_range".to_owned()),
            !ok,
            "{token}: {v:?}"
        );
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    let sk = key(5);
    let (did, method) = did_key(&sk);
    let members = util::credential_members(&did, "").replace(
        "\"id\":\"urn:uuid:test-1\"",
        "\"id\":\"=HYPERLINK(\\\"http://evil.example\\\",\\\"click\\\")\"",
    );
    let line = util::signed_line(&members, &util::proof_members(&method, ""), &sk);
    let path = temp_file("formula.jsonl", format!("{line}\n").as_bytes());
    let out = cli(
        &[
            "verify",
            "--as-of",
            AS_OF,
            "--format",
            "csv",
            path.to_str().unwrap(),
        ],
        None,
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("CSV")).collect();
    assert_eq!(records.len(), 1);
    let id = &records[0][1];
    assert_eq!(id, "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(&records[0][4], "valid", "the signature still verifies");
    // JSON Lines keeps the value as signed.
    let out = cli(&["verify", "--as-of", AS_OF, path.to_str().unwrap()], None);
    let v = parse_verdicts(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        v[0].id.as_deref(),
        Some("=HYPERLINK(\"http://evil.example\",\"click\")")
    );
}

#[test]
fn output_paths_are_checked_before_any_work() {
    let dir = util::temp_dir("paths");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        format!("{}\n", util::signed_credential(&key(6), "")),
    )
    .unwrap();
    let before = std::fs::read(&input).unwrap();
    let p = |name: &str| dir.join(name).display().to_string();
    let i = input.display().to_string();
    for (args, says) in [
        (vec!["-o", &p("x"), "--summary", &p("x")], "the same file"),
        (vec!["-o", &i], "the same file"),
        (vec!["--summary", &i], "the same file"),
        (vec!["-o", &p("")], "is a directory"),
        (vec!["-o", &p("missing/x")], "cannot write"),
        (vec!["--bitmaps", &i], "not a directory"),
    ] {
        let mut all = vec!["verify", "--as-of", AS_OF, &i];
        all.extend(args.iter().copied());
        let out = cli(&all, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is untouched"
    );
    // Too many threads: capped, with a warning.
    let out = cli(
        &["verify", "--as-of", AS_OF, "--threads", "10000", &i],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads 10000"));
}

fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_credverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

#[test]
fn standard_streams_that_fail() {
    let sample = util::repo().join("datasets/sample/credentials.jsonl");
    let sample = sample.to_str().unwrap();
    // A closed standard output: exit 2, never success.
    let mut child = spawn(&["verify", "--as-of", AS_OF, "--threads", "2", sample]);
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(2), "closed stdout");
    // A full one.
    if Path::new("/dev/full").exists() {
        let out = Command::new(env!("CARGO_BIN_EXE_credverify"))
            .args(["verify", "--as-of", AS_OF, sample])
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "full stdout");
        // A full standard error: no panic, the output stands.
        let dir = util::temp_dir("stderr");
        let dest = dir.join("out.jsonl");
        let out = Command::new(env!("CARGO_BIN_EXE_credverify"))
            .args([
                "verify",
                "--as-of",
                AS_OF,
                sample,
                "-o",
                dest.to_str().unwrap(),
            ])
            .stderr(std::fs::File::create("/dev/full").unwrap())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "what the verdicts say");
        assert_eq!(std::fs::read_to_string(&dest).unwrap().lines().count(), 500);
    }
}

#[test]
fn signals_stop_the_run_and_leave_nothing_behind() {
    let sample = std::fs::read(util::repo().join("datasets/sample/credentials.jsonl")).unwrap();
    for (signal, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = util::temp_dir("signal");
        let dest = dir.join("out.jsonl");
        let summary = dir.join("summary.json");
        let index = dir.join("index");
        let mut child = spawn(&[
            "verify",
            "--as-of",
            AS_OF,
            "-",
            "-o",
            dest.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ]);
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&sample).unwrap();
        // The temporary files exist once the run is under way.
        let started = std::time::Instant::now();
        while std::fs::read_dir(&dir).unwrap().count() < 2 {
            assert!(started.elapsed().as_secs() < 30, "the run never started");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        // The reader wakes with more input, sees the signal, and stops.
        let _ = stdin.write_all(&sample);
        drop(stdin);
        let (exit, stderr) = util::code_and_stderr(child);
        assert_eq!(exit, Some(code), "SIG{signal}: {stderr}");
        assert!(stderr.contains(&format!("SIG{signal}")), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "SIG{signal} left {left:?}");
    }
}

#[test]
fn an_input_that_shrinks_during_the_run_voids_it() {
    let sample = std::fs::read(util::repo().join("datasets/sample/credentials.jsonl")).unwrap();
    for mmap in [true, false] {
        let dir = util::temp_dir("shrink");
        let input = dir.join("in.jsonl");
        std::fs::write(&input, sample.repeat(8)).unwrap();
        let summary = dir.join("summary.json");
        let mut args = vec![
            "verify",
            "--as-of",
            AS_OF,
            "--threads",
            "1",
            input.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ];
        if !mmap {
            args.push("--no-mmap");
        }
        // The run is under way once verdicts come; it then waits on the
        // pipe while the file is cut.
        let (code, stderr) = util::cut_while_blocked(spawn(&args), &input, 100_000);
        assert_eq!(code, Some(2), "mmap {mmap}: {stderr}");
        assert!(
            stderr.contains("changed while it was read") || stderr.contains("SIGBUS"),
            "mmap {mmap}: {stderr}"
        );
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["in.jsonl"], "mmap {mmap}: nothing else is left");
    }
}

#[test]
fn a_controller_document_with_too_many_methods_is_refused_at_load() {
    let mk = credverify::resolve::multikey::encode_multikey(&key(8).verifying_key().to_bytes());
    let doc = |n: usize| {
        let methods: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"id":"did:web:many.example#k{i}","type":"Multikey","controller":"did:web:many.example","publicKeyMultibase":"{mk}"}}"#
                )
            })
            .collect();
        let refs: Vec<String> = (0..n)
            .map(|i| format!("\"did:web:many.example#k{i}\""))
            .collect();
        format!(
            r#"{{"id":"did:web:many.example","verificationMethod":[{}],"assertionMethod":[{}]}}"#,
            methods.join(","),
            refs.join(",")
        )
    };
    let input = temp_file(
        "one.jsonl",
        format!("{}\n", util::signed_credential(&key(8), "")).as_bytes(),
    );
    for (n, code) in [
        (limits::METHODS_PER_DOCUMENT, 0),
        (limits::METHODS_PER_DOCUMENT + 1, 2),
    ] {
        let dids = temp_file("many.json", doc(n).as_bytes());
        let out = cli(
            &[
                "verify",
                "--as-of",
                AS_OF,
                "--dids",
                dids.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "{n} methods: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn real_credentials_spend_a_small_part_of_the_json_ld_budget() {
    use credverify::jsonld::json::Json;
    use credverify::jsonld::{Contexts, Processor};
    use credverify::limits::JsonLdBudget;
    let mut contexts = Contexts::builtin().expect("built-in contexts");
    contexts
        .add_directory(&util::data("contexts"))
        .expect("test contexts");
    let processor = Processor::new(&contexts).expect("processor");
    for rel in [
        "openbadges-3.0/ldp-test-vector/obv3p0/signed-credential.json",
        "openbadges-3.0/ldp-test-vector/clrv2p0/signed-credential.json",
        "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/employ/signedDataInt.json",
    ] {
        let bytes = std::fs::read(util::data(rel)).expect("vector");
        let used = credverify::json::JsonParser::default()
            .with_doc(&bytes, |v| {
                let doc = Json::from_value(v);
                let budget = JsonLdBudget::unlimited();
                let context = doc.get("@context").expect("@context");
                let active = processor.context(context, &budget).expect("context");
                processor.to_rdf_in(&active, &doc, &budget).expect("RDF");
                (budget.context.used(), budget.expansion.used())
            })
            .expect("JSON");
        let (context, expansion) = used;
        eprintln!(
            "{rel}: {context} context units, {expansion} expansion units, {} bytes",
            bytes.len()
        );
        assert!(
            context * 4 < limits::JSONLD_CONTEXT_WORK,
            "{rel}: {context} context units is more than a quarter of the budget"
        );
        let allowed = JsonLdBudget::for_record(bytes.len());
        allowed
            .expansion
            .charge(expansion * 2)
            .expect("twice the expansion is within the record's budget");
    }
}

/// A valid `ecdsa-sd-2023` credential by a P-256 did:key of its own,
/// revealing `statements` array items, with `pad` bytes of a mandatory
/// literal.
fn derived_sd(statements: usize, pad: usize) -> String {
    use p256::ecdsa::signature::Signer as _;
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("a P-256 key");
    let mut bytes = vec![0x80, 0x24];
    bytes.extend_from_slice(sk.verifying_key().to_sec1_point(true).as_bytes());
    let multibase = format!("z{}", bs58::encode(bytes).into_string());
    let did = format!("did:key:{multibase}");
    let items: Vec<String> = (0..statements).map(|i| format!("\"s{i}\"")).collect();
    let doc = format!(
        r#"{{"@context":{VOCAB},"id":"urn:uuid:sd","type":["VerifiableCredential"],"issuer":"{did}","validFrom":"2024-01-01T00:00:00Z","pad":"{}","credentialSubject":{{"type":"Person","tags":[{}]}}}}"#,
        "x".repeat(pad),
        items.join(",")
    );
    let proof = format!(
        r#""type":"DataIntegrityProof","cryptosuite":"ecdsa-sd-2023","created":"2024-01-01T00:00:00Z","verificationMethod":"{did}#{multibase}","proofPurpose":"assertionMethod""#
    );
    let sign = |data: &[u8]| {
        let sig: p256::ecdsa::Signature = sk.sign(data);
        sig.to_bytes().to_vec()
    };
    let line = credverify::generate::derived_sd_credential(3, &doc, &proof, &sign, true);
    String::from_utf8(line).expect("JSON text")
}

#[test]
fn a_derived_proof_checks_as_many_signatures_as_its_record_pays_for() {
    // 100 revealed statements and the base signature: 101 units, which a
    // record of about 13 KB does not pay for (64 + 13,000 / 768 = 80), and
    // one padded to 40 KB does (64 + 53 = 117): the same proof, valid.
    let units = |line: &str| limits::ECDSA_UNITS_BASE + line.len() / limits::ECDSA_BYTES_PER_UNIT;
    let small = derived_sd(100, 0);
    let padded = derived_sd(100, 30_000);
    assert!(units(&small) < 101 && units(&padded) >= 101);
    let got = util::run_lines(&[&small, &padded], |_| {});
    assert_eq!(
        (
            got[0].verdict.as_str(),
            got[0].problems.clone(),
            got[0].disclosed
        ),
        ("invalid_proof", vec!["proof_bound".to_owned()], Some(100)),
    );
    assert_eq!(
        (got[1].verdict.as_str(), got[1].disclosed),
        ("valid", Some(100)),
        "{:?}",
        got[1]
    );
}
