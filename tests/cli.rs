//! The binary as users' scripts see it: arguments, exit codes, standard
//! output and error, the atomic output file, the summary, `generate`.

use std::path::Path;

use crate::util::{self, cli};

fn sample_args() -> Vec<String> {
    let dir = util::repo().join("datasets/sample");
    vec![
        "verify".into(),
        "--as-of".into(),
        util::AS_OF.into(),
        "--dids".into(),
        dir.join("dids").display().to_string(),
        "--status-lists".into(),
        dir.join("status").display().to_string(),
        "--no-progress".into(),
        dir.join("credentials.jsonl").display().to_string(),
    ]
}

/// How many records of the sample's truth have `verdict`.
fn truth_count(verdict: &str) -> u64 {
    let truth = std::fs::read_to_string(util::repo().join("datasets/sample/truth.jsonl")).unwrap();
    let needle = format!("\"verdict\":\"{verdict}\"");
    truth.lines().filter(|l| l.contains(&needle)).count() as u64
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn exit_code_0_when_all_valid_1_when_not() {
    let good = util::signed_credential(&util::key(1), "");
    let path = util::temp_file("good.jsonl", format!("{good}\n{good}\n").as_bytes());
    let out = cli(
        &["verify", "--as-of", util::AS_OF, path.to_str().unwrap()],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let out = cli(&args(&sample_args()), None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 500);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let valid = format!("{} valid", truth_count("valid"));
    assert!(
        stderr.contains("500 records") && stderr.contains(&valid),
        "human summary: {stderr}"
    );
}

#[test]
fn exit_code_2_for_run_failures_and_nothing_left_at_out() {
    let dir = util::temp_dir("cli-fail");
    let out_path = dir.join("verdicts.jsonl");
    let o = out_path.to_str().unwrap();
    let sample = util::repo()
        .join("datasets/sample/credentials.jsonl")
        .display()
        .to_string();
    for bad in [
        vec![
            "verify",
            "--as-of",
            util::AS_OF,
            "-o",
            o,
            "/nonexistent/input.jsonl",
        ],
        vec!["verify", "--as-of", "not-a-date", "-o", o, "x"],
        vec![
            "verify",
            "--as-of",
            util::AS_OF,
            "--dids",
            "/nonexistent/dids",
            "-o",
            o,
            "x",
        ],
        vec![
            "verify",
            "--as-of",
            util::AS_OF,
            "--contexts",
            "/nonexistent/contexts",
            "-o",
            o,
            &sample,
        ],
        vec!["verify", "--threads", "0", "-o", o, "x"],
        vec!["verify", "--format", "xml", "-o", o, "x"],
        vec!["verify"],
        vec!["frobnicate"],
        vec![
            "verify",
            "--as-of",
            util::AS_OF,
            "-o",
            o,
            "--summary",
            "/nonexistent/dir/s.json",
            &sample,
        ],
    ] {
        let out = cli(&bad, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out_path.exists(), "{bad:?} left a file at --out");
        assert!(
            std::fs::read_dir(&dir).unwrap().next().is_none(),
            "{bad:?} left a temporary file"
        );
    }
}

#[test]
fn out_file_appears_whole_on_success() {
    let dir = util::temp_dir("cli-out");
    let out_path = dir.join("v.jsonl");
    let mut a = sample_args();
    a.extend([
        "-o".into(),
        out_path.display().to_string(),
        "--summary".into(),
        dir.join("s.json").display().to_string(),
    ]);
    let out = cli(&args(&a), None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "verdicts went to the file, not stdout"
    );
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert_eq!(written.lines().count(), 500);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "only the verdicts and the summary: {names:?}"
    );
    // The summary: every verdict word, zeros included.
    let summary = std::fs::read_to_string(dir.join("s.json")).unwrap();
    let mut parser = credverify::json::JsonParser::default();
    parser
        .with_doc(summary.as_bytes(), |v| {
            assert_eq!(v.get("records").and_then(|r| r.as_u64()), Some(500));
            let verdicts = v.get("verdicts").expect("verdicts");
            for word in credverify::verdict::Verdict::ALL {
                assert!(
                    verdicts
                        .get(word.as_str())
                        .and_then(|n| n.as_u64())
                        .is_some(),
                    "summary lacks {word}"
                );
            }
            for word in ["valid", "revoked", "suspended", "malformed"] {
                assert_eq!(
                    verdicts.get(word).and_then(|n| n.as_u64()),
                    Some(truth_count(word)),
                    "{word}"
                );
            }
            assert_eq!(v.get("as_of").and_then(|s| s.as_str()), Some(util::AS_OF));
            for key in ["elapsed_seconds", "records_per_second", "threads"] {
                assert!(
                    v.get(key).and_then(|n| n.as_f64()).is_some(),
                    "summary lacks {key}"
                );
            }
        })
        .expect("summary is JSON");
}

#[test]
fn stdin_csv_and_several_inputs() {
    let good = util::signed_credential(&util::key(2), "");
    let input = format!("{good}\n{{\"x\":1}}\n");
    let out = cli(
        &["verify", "--as-of", util::AS_OF, "--format", "csv", "-"],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "line,id,issuer,format,verdict,problems,warnings");
    assert!(
        rows[1].starts_with("1,urn:uuid:test-1,did:key:")
            && rows[1].ends_with(",eddsa-jcs-2022,valid,,"),
        "{}",
        rows[1]
    );
    assert_eq!(rows[2], "2,,,,malformed,bad_member,");
    let a = util::temp_file("a.jsonl", good.as_bytes());
    let out = cli(
        &["verify", "--as-of", util::AS_OF, a.to_str().unwrap(), "-"],
        Some(b"{}\n"),
    );
    let v = util::parse_verdicts(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        v.iter()
            .map(|r| (r.file.clone().unwrap(), r.verdict.clone()))
            .collect::<Vec<_>>(),
        [
            (a.display().to_string(), "valid".to_owned()),
            ("-".to_owned(), "malformed".to_owned())
        ]
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // Close our end at once: the writer meets EPIPE.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_credverify"));
    let mut a = sample_args();
    a.push("--threads=2".into());
    cmd.args(&a)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code().is_some(), "not killed by a signal");
}

#[test]
fn every_flag_has_help() {
    let out = cli(&["verify", "--help"], None);
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--as-of",
        "--dids",
        "--out",
        "--format",
        "--summary",
        "--threads",
        "--trust-fragment-keys",
        "--batch-size",
        "--no-mmap",
        "--max-record-bytes",
        "--no-progress",
        "--status-lists",
        "--strict-status",
        "--bitmaps",
    ] {
        let lines: Vec<&str> = help.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(flag) || l.contains(&format!(", {flag}")))
            .unwrap_or_else(|| panic!("{flag} missing from --help"));
        assert!(
            lines.get(at + 1).is_some_and(|l| l.trim().len() > 10),
            "{flag} has no help text"
        );
    }
    assert_eq!(cli(&["generate", "--help"], None).status.code(), Some(0));
    assert_eq!(cli(&["throughput", "--help"], None).status.code(), Some(0));
}

#[test]
fn throughput_reports_each_round_and_the_median_one() {
    let dir = util::repo().join("datasets/sample");
    let path = |name: &str| dir.join(name).display().to_string();
    let input = path("credentials.jsonl");
    let dids = path("dids");
    let status = path("status");
    let out = cli(
        &[
            "throughput",
            &input,
            "--dids",
            &dids,
            "--status-lists",
            &status,
            "--as-of",
            util::AS_OF,
            "--rounds",
            "3",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("round ")).count(), 3);
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} line in {text}"))
    };
    assert!(line("pipeline:").contains(" 500 records in "), "{text}");
    // min <= median <= max, and the median is the ratio line's.
    let spread: Vec<f64> = line("ratio over 3 rounds:")
        .split(&[' ', ','][..])
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(spread.len(), 4, "{text}"); // the 3 of the count, then the three ratios
    assert!(spread[1] <= spread[2] && spread[2] <= spread[3], "{text}");
    let ratio: f64 = line("ratio:")
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ratio, spread[2], "{text}");
}

fn generate(dir: &Path, threads: &str, seed: &str) {
    generate_as(dir, threads, seed, "mixed");
}

fn generate_as(dir: &Path, threads: &str, seed: &str, format: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_credverify"))
        .args([
            "generate",
            "--records",
            "300",
            "--seed",
            seed,
            "--format",
            format,
            "--out",
            dir.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generate_is_reproducible_and_its_truth_holds() {
    let (a, b, c) = (
        util::temp_dir("gen-a"),
        util::temp_dir("gen-b"),
        util::temp_dir("gen-c"),
    );
    generate(&a, "1", "11");
    generate(&b, "2", "11");
    generate(&c, "2", "12");
    for f in ["credentials.jsonl", "truth.jsonl", "manifest.json"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs across thread counts"
        );
    }
    assert!(
        std::fs::read(a.join("credentials.jsonl")).unwrap()
            != std::fs::read(c.join("credentials.jsonl")).unwrap(),
        "seed changes nothing"
    );
    let (_, got) = judged_as_truth(&a, "mixed");
    assert_eq!(got.len(), 300);
}

/// Verifies the export a `generate` run wrote in `dir` with its documents
/// and checks every verdict against its truth; returns the JSON Lines and
/// the verdicts.
fn judged_as_truth(dir: &Path, what: &str) -> (String, Vec<util::Verdict>) {
    let (out, _) = util::run_with(&[&dir.join("credentials.jsonl")], |cfg| {
        cfg.dids = vec![credverify::source::documents::DocumentSource::path(
            dir.join("dids"),
        )]
    });
    let got = util::parse_verdicts(&out);
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    assert_eq!(
        got.len(),
        truth.lines().count(),
        "{what}: one verdict a record"
    );
    for (g, t) in got.iter().zip(truth.lines()) {
        assert!(
            t.contains(&format!("\"verdict\":\"{}\"", g.verdict)),
            "{what} line {}: got {} ({:?}), truth {t}",
            g.line,
            g.verdict,
            g.problems
        );
    }
    (out, got)
}

/// `--format jwt-rs256`, `jwt-es256`, `ecdsa-rdfc`, `ecdsa-jcs` and `ecdsa-sd`: the
/// same bytes whatever the threads (ECDSA with RFC 6979 nonces), every
/// verdict the truth's, and every valid record of the format it was made
/// as (a token naming its algorithm).
#[test]
fn rsa_and_ecdsa_formats_are_reproducible_and_their_truth_holds() {
    for (format, shown) in [
        ("jwt-rs256", "\"alg\":\"RS256\""),
        ("jwt-es256", "\"alg\":\"ES256\""),
        ("ecdsa-rdfc", "\"format\":\"ecdsa-rdfc-2019\""),
        ("ecdsa-jcs", "\"format\":\"ecdsa-jcs-2019\""),
        // A derived proof says how many optional statements it reveals.
        ("ecdsa-sd", "\"format\":\"ecdsa-sd-2023\",\"disclosed\":"),
    ] {
        let (a, b) = (
            util::temp_dir(&format!("gen-{format}-a")),
            util::temp_dir(&format!("gen-{format}-b")),
        );
        generate_as(&a, "1", "21", format);
        generate_as(&b, "2", "21", format);
        for f in [
            "credentials.jsonl",
            "truth.jsonl",
            "dids/university-of-tokyo-3.json",
        ] {
            assert!(
                std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
                "{format}: {f} differs across thread counts"
            );
        }
        let (out, got) = judged_as_truth(&a, format);
        let mut valid = 0;
        for (g, line) in got.iter().zip(out.lines()) {
            if g.verdict == "valid" {
                assert!(line.contains(shown), "{line}");
                valid += 1;
            }
        }
        assert_eq!(got.len(), 300);
        assert!(valid > 100, "{format}: {valid} valid");
    }
}

#[test]
fn out_through_a_symlink_replaces_the_target_not_the_link() {
    let dir = util::temp_dir("cli-link");
    let target = dir.join("real.jsonl");
    std::fs::write(&target, "old\n").unwrap();
    let link = dir.join("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let good = util::signed_credential(&util::key(3), "");
    let input = util::temp_file("one.jsonl", good.as_bytes());
    let out = cli(
        &[
            "verify",
            "--as-of",
            util::AS_OF,
            "-o",
            link.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("\"verdict\":\"valid\"")
    );
}

#[test]
fn verdict_bitmaps_partition_the_records() {
    let maps = util::temp_dir("cli-bitmaps").join("maps");
    let mut a = sample_args();
    let input = a.pop().unwrap();
    a.extend(["--bitmaps".into(), maps.display().to_string(), input]);
    let out = cli(&args(&a), None);
    assert_eq!(out.status.code(), Some(1));
    let verdicts = util::parse_verdicts(&String::from_utf8(out.stdout).unwrap());
    let mut seen = roaring::RoaringBitmap::new();
    for verdict in credverify::verdict::Verdict::ALL {
        let file = std::fs::File::open(maps.join(format!("{verdict}.roaring")))
            .expect("one file per verdict");
        let set = roaring::RoaringBitmap::deserialize_from(file).expect("portable format");
        assert!(
            seen.is_disjoint(&set),
            "{verdict}: an ordinal under two verdicts"
        );
        seen |= &set;
        for ordinal in &set {
            assert_eq!(
                verdicts[ordinal as usize].verdict,
                verdict.as_str(),
                "record {ordinal}"
            );
        }
    }
    assert_eq!(seen.len(), verdicts.len() as u64);
    assert_eq!(seen.max(), Some(verdicts.len() as u32 - 1));
}

#[test]
fn contexts_flag_adds_contexts_and_a_broken_directory_stops_the_run() {
    // The W3C eddsa-rdfc-2022 vector names the examples context, which is
    // not built in.
    let signed = util::data("vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json");
    let text = std::fs::read_to_string(&signed).unwrap().replace('\n', " ");
    let input = util::temp_file("rdfc-vector.jsonl", format!("{text}\n").as_bytes());
    let input = input.to_str().unwrap();
    let contexts = util::data("contexts");
    let run = |extra: &[&str]| {
        let mut a = vec!["verify", "--as-of", util::AS_OF];
        a.extend_from_slice(extra);
        a.push(input);
        cli(&a, None)
    };
    let without = run(&[]);
    assert_eq!(without.status.code(), Some(1));
    let v = util::parse_verdicts(&String::from_utf8(without.stdout).unwrap());
    assert_eq!(v[0].verdict, "unknown_context", "{v:?}");
    let with = run(&["--contexts", contexts.to_str().unwrap()]);
    assert_eq!(with.status.code(), Some(1));
    let v = util::parse_verdicts(&String::from_utf8(with.stdout).unwrap());
    // The signature verifies; the vector's issuer does not control its key.
    assert_eq!(v[0].problems, ["issuer_mismatch"], "{v:?}");
    assert_eq!(v[0].format.as_deref(), Some("eddsa-rdfc-2022"));
    // An index naming a file outside the directory, and one that is not JSON.
    for index in [r#"{"https://example.org/c":"../escape.json"}"#, "not json"] {
        let dir = util::temp_dir("bad-contexts");
        std::fs::write(dir.join("index.json"), index).unwrap();
        let out = run(&["--contexts", dir.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{index}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
