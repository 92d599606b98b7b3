//! `verify --shard K/N` and `merge`: the merged parts are, byte for byte,
//! what one run writes (the summary's elapsed time and rate aside),
//! whatever N, over JSON Lines cut into byte ranges, JSON arrays, gzip and
//! a directory of files, the shards running at once; parts that do not
//! make one run are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util;

fn credverify(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credverify"))
        .args(args)
        .env_remove(credverify::shard::K8S_INDEX)
        .env_remove(credverify::shard::SLURM_ID)
        .envs(env.iter().copied())
        .output()
        .expect("run credverify")
}

/// The inputs of one run: the sample's JSON Lines (cut into ranges), a
/// JSON array and a gzip file made from its records, and the folder
/// sample's files (whole files, walked).
fn inputs(dir: &Path) -> Vec<String> {
    let sample = util::repo().join("datasets/sample/credentials.jsonl");
    // Bytes: the sample's malformed records include invalid UTF-8.
    let text = std::fs::read(&sample).expect("the sample");
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let array = dir.join("array.json");
    let mut bytes = b"[".to_vec();
    bytes.extend(lines[..40].join(&b",\n"[..]));
    bytes.push(b']');
    std::fs::write(&array, bytes).unwrap();
    let gz = dir.join("some.jsonl.gz");
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(&lines[40..140].join(&b'\n')).unwrap();
        e.finish().unwrap();
    }
    [
        sample,
        array,
        gz,
        util::repo().join("datasets/sample-files/files"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect()
}

fn common(inputs: &[String]) -> Vec<String> {
    let s = util::repo().join("datasets/sample");
    let mut args: Vec<String> = [
        "--as-of",
        util::AS_OF,
        "--dids",
        &s.join("dids").display().to_string(),
        "--status-lists",
        &s.join("status").display().to_string(),
        "--threads",
        "2",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(inputs.iter().cloned());
    args
}

/// Runs N shards into `dir/pK`, all at once (up to 16 processes, started
/// last shard first), merges them; returns the merged verdicts and
/// summary.
fn sharded(dir: &Path, args: &[String], n: u64) -> (Vec<u8>, String) {
    let mut parts = Vec::new();
    let mut running = Vec::new();
    for k in (0..n).rev() {
        let part = dir.join(format!("n{n}-p{k}"));
        let mut a: Vec<String> = vec!["verify".into(), "--shard".into(), format!("{k}/{n}")];
        a.extend(["-o".into(), part.display().to_string()]);
        for what in ["--bitmaps", "--index"] {
            a.extend([what.into(), part.join(&what[2..]).display().to_string()]);
        }
        a.extend(args.iter().cloned());
        let child = Command::new(env!("CARGO_BIN_EXE_credverify"))
            .args(&a)
            .env_remove(credverify::shard::K8S_INDEX)
            .env_remove(credverify::shard::SLURM_ID)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn a shard");
        running.push((k, child));
        if running.len() == 16 || k == 0 {
            for (k, child) in running.drain(..) {
                let out = child.wait_with_output().expect("a shard");
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "shard {k}/{n}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        parts.push(part.display().to_string());
    }
    let merged = dir.join(format!("n{n}.jsonl"));
    let summary = dir.join(format!("n{n}.json"));
    let mut a = vec!["merge".to_owned()];
    a.extend(parts);
    a.extend(["-o".into(), merged.display().to_string()]);
    a.extend(["--summary".into(), summary.display().to_string()]);
    for what in ["--bitmaps", "--index"] {
        a.extend([
            what.into(),
            dir.join(format!("n{n}-{}", &what[2..]))
                .display()
                .to_string(),
        ]);
    }
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = credverify(&refs, &[]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "merge of {n}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read(merged).unwrap(),
        std::fs::read_to_string(summary).unwrap(),
    )
}

#[test]
fn merged_parts_are_the_single_run_for_any_number_of_shards() {
    let dir = util::temp_dir("shards");
    let args = common(&inputs(&dir));
    let single = dir.join("single.jsonl");
    let summary = dir.join("single.json");
    let mut a: Vec<String> = vec!["verify".into(), "-o".into(), single.display().to_string()];
    a.extend(["--summary".into(), summary.display().to_string()]);
    for what in ["--bitmaps", "--index"] {
        a.extend([
            what.into(),
            dir.join(format!("single-{}", &what[2..]))
                .display()
                .to_string(),
        ]);
    }
    a.extend(args.iter().cloned());
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = credverify(&refs, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read(&single).unwrap();
    let want_summary = util::steady_summary(&std::fs::read_to_string(&summary).unwrap());
    assert!(want.len() > 100_000 && String::from_utf8_lossy(&want).contains("array.json"));
    for n in [1, 2, 3, 7, 64] {
        let (got, got_summary) = sharded(&dir, &args, n);
        assert!(got == want, "{n} shards: the merged verdicts differ");
        assert_eq!(
            util::steady_summary(&got_summary),
            want_summary,
            "{n} shards: the summary"
        );
        for what in ["bitmaps", "index"] {
            let (want, got) = (
                files_of(&dir.join(format!("single-{what}"))),
                files_of(&dir.join(format!("n{n}-{what}"))),
            );
            assert!(want.len() >= 10, "{what}: {} files", want.len());
            assert!(
                got == want,
                "{n} shards: the merged {what} differ from one run's"
            );
        }
    }
}

/// Every file below `dir`, by its path below it, with its bytes.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn more_shards_than_records_leave_parts_empty_and_still_merge() {
    let dir = util::temp_dir("shards-tiny");
    let input = dir.join("two.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n",
            util::signed_credential(&util::key(1), ""),
            util::signed_credential(&util::key(2), "")
        ),
    )
    .unwrap();
    let args = vec![
        "--as-of".to_owned(),
        util::AS_OF.to_owned(),
        input.display().to_string(),
    ];
    let (got, summary) = sharded(&dir, &args, 64);
    let lines: Vec<util::Verdict> = util::parse_verdicts(&String::from_utf8_lossy(&got));
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0].line, lines[1].line), (1, 2));
    assert!(lines.iter().all(|v| v.verdict == "valid"));
    assert!(summary.contains("\"records\":2,"));
}

fn part(dir: &Path, k: u64, n: u64, input: &Path, extra: &[&str]) -> PathBuf {
    let p = dir.join(format!("p{k}of{n}{}", extra.join("")));
    let mut a = vec![
        "verify".to_owned(),
        "--shard".into(),
        format!("{k}/{n}"),
        "-o".into(),
        p.display().to_string(),
        "--as-of".into(),
        util::AS_OF.into(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a.push(input.display().to_string());
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = credverify(&refs, &[]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p
}

#[test]
fn parts_that_are_not_one_run_are_refused_and_nothing_is_written() {
    let dir = util::temp_dir("shards-refused");
    let input = util::repo().join("datasets/sample/credentials.jsonl");
    let p: Vec<PathBuf> = (0..3).map(|k| part(&dir, k, 3, &input, &[])).collect();
    let strict = part(&dir, 1, 3, &input, &["--strict-status"]);
    let edited = dir.join("edited");
    std::fs::create_dir_all(&edited).unwrap();
    for f in ["part.json", "verdicts.jsonl"] {
        std::fs::copy(p[2].join(f), edited.join(f)).unwrap();
    }
    let verdicts = std::fs::read(edited.join("verdicts.jsonl")).unwrap();
    std::fs::write(
        edited.join("verdicts.jsonl"),
        &verdicts[..verdicts.len() - 10],
    )
    .unwrap();
    let d = |p: &PathBuf| p.display().to_string();
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "a missing part",
            vec![d(&p[0]), d(&p[2])],
            "part 1 of 3 is missing",
        ),
        (
            "a part twice",
            vec![d(&p[0]), d(&p[1]), d(&p[1]), d(&p[2])],
            "given twice",
        ),
        (
            "other options",
            vec![d(&p[0]), d(&strict), d(&p[2])],
            "options",
        ),
        (
            "an edited part",
            vec![d(&p[0]), d(&p[1]), d(&edited)],
            "truncated or edited",
        ),
        ("not a part", vec![d(&p[0]), d(&p[1]), d(&dir)], "part.json"),
    ];
    for (what, parts, said) in cases {
        let out_path = dir.join(format!("{}.jsonl", what.replace(' ', "-")));
        let mut a = vec!["merge".to_owned()];
        a.extend(parts);
        a.extend(["-o".into(), d(&out_path)]);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = credverify(&refs, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(said), "{what}: {stderr}");
        assert!(!out_path.exists(), "{what}: something was written");
    }
}

#[test]
fn the_shard_comes_from_kubernetes_or_slurm_when_asked() {
    let dir = util::temp_dir("shards-env");
    let input = util::repo().join("datasets/sample/credentials.jsonl");
    let base = |p: &Path| {
        vec![
            "verify".to_owned(),
            "--shard".into(),
            "env".into(),
            "-o".into(),
            p.display().to_string(),
            "--as-of".into(),
            util::AS_OF.into(),
            input.display().to_string(),
        ]
    };
    let run = |p: &Path, env: &[(&str, &str)]| {
        let a = base(p);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        credverify(&refs, env)
    };
    use credverify::shard::{K8S_COUNT, K8S_INDEX, SLURM_COUNT, SLURM_ID, SLURM_MAX, SLURM_MIN};
    let k8s = [(K8S_INDEX, "1"), (K8S_COUNT, "2")];
    let out = run(&dir.join("k8s"), &k8s);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = std::fs::read_to_string(dir.join("k8s/part.json")).unwrap();
    assert!(manifest.contains("\"shard\":1,\"shards\":2"), "{manifest}");
    let slurm = [
        (SLURM_ID, "7"),
        (SLURM_MIN, "5"),
        (SLURM_COUNT, "3"),
        (SLURM_MAX, "7"),
    ];
    let out = run(&dir.join("slurm"), &slurm);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = std::fs::read_to_string(dir.join("slurm/part.json")).unwrap();
    assert!(manifest.contains("\"shard\":2,\"shards\":3"), "{manifest}");
    // Nothing set, or a count missing: exit 2, naming the variable.
    for (env, named) in [(&[][..], K8S_INDEX), (&[(K8S_INDEX, "0")][..], K8S_COUNT)] {
        let out = run(&dir.join("none"), env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(named), "{stderr}");
    }
}

/// Every record of a stream, as (line, offset, bytes) the pipeline numbers
/// them: the whole stream, or shard `k` of `n`'s share of it.
fn stream_share(
    path: &Path,
    options: credverify::source::SourceOptions,
    share: Option<(u64, u64)>,
) -> Vec<(u64, u64, Option<Vec<u8>>)> {
    use credverify::source::{self, InputPath};
    let input = InputPath::File(path.to_owned());
    let mut records = Vec::new();
    // Lines before each chunk, as the pipeline's writer counts them.
    let mut base = 0u64;
    let mut emit = |chunk: source::Chunk| {
        let span = chunk.for_each_record(options.max_record_bytes, |r| {
            records.push((base + r.line, r.offset, r.bytes.map(<[u8]>::to_vec)));
        });
        base += span;
        true
    };
    match share {
        None => source::for_each_chunk(0, &input, options, &mut |_| {}, &mut emit).unwrap(),
        Some((k, n)) => {
            let (of, _) = source::stream_records(0, path, options).unwrap();
            let shard = credverify::shard::Shard::new(k, n).unwrap();
            let range = credverify::shard::record_share(of, shard);
            source::for_each_chunk_in_records(0, &input, range, options, &mut |_| {}, &mut emit)
                .unwrap();
        }
    }
    records
}

#[test]
fn a_gzip_stream_is_shared_by_records_cut_inside_chunks() {
    use std::io::Write;
    let dir = util::temp_dir("shards-stream");
    let options = credverify::source::SourceOptions {
        mmap: true,
        max_record_bytes: 120,
        chunk_bytes: 256,
    };
    // JSON Lines with blank lines, CRLF, a line past the record limit and
    // no final newline; and a JSON array of the same values.
    let mut lines = String::new();
    let mut values = Vec::new();
    for i in 0..97 {
        let value = format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 13 * 3));
        lines.push_str(&value);
        lines.push_str(match i % 5 {
            0 => "\n\n",
            1 => "\r\n",
            _ => "\n",
        });
        if i == 50 {
            lines.push_str(&format!("{{\"long\":\"{}\"}}\n", "y".repeat(500)));
        }
        values.push(value);
    }
    lines.push_str("{\"last\":true}");
    let array = format!("[{}]", values.join(",\n"));
    for (name, text) in [
        ("lines.jsonl.gz", lines.as_str()),
        ("array.json.gz", array.as_str()),
    ] {
        let path = dir.join(name);
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap();
        let whole = stream_share(&path, options, None);
        assert!(whole.len() > 90, "{name}: {} records", whole.len());
        let (of, _) = credverify::source::stream_records(0, &path, options).unwrap();
        assert_eq!(of, whole.len() as u64, "{name}: the count");
        for n in [1, 2, 3, 7, 64, 200] {
            let mut joined = Vec::new();
            for k in 0..n {
                let share = stream_share(&path, options, Some((k, n)));
                let want = credverify::shard::record_share(
                    of,
                    credverify::shard::Shard::new(k, n).unwrap(),
                );
                assert_eq!(share.len() as u64, want.end - want.start, "{name}: {k}/{n}");
                joined.extend(share);
            }
            assert!(
                joined == whole,
                "{name}: {n} shares differ from the whole stream"
            );
        }
    }
}

/// Copies the directory `from` to `to`, files and all.
fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in files_of(from) {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

#[test]
fn bitmaps_and_indexes_of_parts_are_checked_before_anything_is_written() {
    let dir = util::temp_dir("shards-files");
    let input = util::repo().join("datasets/sample/credentials.jsonl");
    let d = |p: &Path| p.display().to_string();
    let with_files = |k: u64| {
        let p = dir.join(format!("f{k}"));
        let (b, i) = (d(&p.join("bitmaps")), d(&p.join("index")));
        let mut a = vec!["verify", "--shard"];
        let shard = format!("{k}/2");
        let (out, input) = (d(&p), d(&input));
        a.extend([shard.as_str(), "-o", &out, "--bitmaps", &b, "--index", &i]);
        a.extend(["--as-of", util::AS_OF, &input]);
        let run = credverify(&a, &[]);
        assert_eq!(
            run.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        p
    };
    let (f0, f1) = (with_files(0), with_files(1));
    let plain = part(&dir, 1, 2, &input, &[]);
    let edited_bitmaps = dir.join("edited-bitmaps");
    copy_dir(&f1, &edited_bitmaps);
    let valid = edited_bitmaps.join("bitmaps/valid.roaring");
    let mut bytes = std::fs::read(&valid).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&valid, bytes).unwrap();
    let edited_index = dir.join("edited-index");
    copy_dir(&f1, &edited_index);
    let manifest = edited_index.join("index/manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("\"strict_status\":false", "\"strict_status\":true"),
    )
    .unwrap();
    let cases: Vec<(&str, &Path, &str, &str)> = vec![
        ("no bitmaps", &plain, "--bitmaps", "holds no bitmaps"),
        ("no index", &plain, "--index", "holds no index"),
        (
            "edited bitmaps",
            &edited_bitmaps,
            "--bitmaps",
            "truncated or edited",
        ),
        ("edited index", &edited_index, "--index", "edited"),
    ];
    for (what, second, flag, said) in cases {
        let out_path = dir.join(format!("{}.jsonl", what.replace(' ', "-")));
        let written = dir.join(format!("{}-out", what.replace(' ', "-")));
        let (first, second, o, w) = (d(&f0), d(second), d(&out_path), d(&written));
        let out = credverify(&["merge", &first, &second, "-o", &o, flag, &w], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(said), "{what}: {stderr}");
        assert!(
            !out_path.exists() && !written.exists(),
            "{what}: something was written"
        );
    }
    // The good parts merge, both outputs at once.
    let (b, i, o) = (
        d(&dir.join("mb")),
        d(&dir.join("mi")),
        d(&dir.join("m.jsonl")),
    );
    let out = credverify(
        &[
            "merge",
            &d(&f1),
            &d(&f0),
            "-o",
            &o,
            "--bitmaps",
            &b,
            "--index",
            &i,
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("mi/manifest.json").exists() && dir.join("mb/valid.roaring").exists());
    // A shard keeps them inside its part.
    let p = dir.join("outside");
    let (out, elsewhere, input) = (d(&p), d(&dir.join("elsewhere")), d(&input));
    let run = credverify(
        &[
            "verify",
            "--shard",
            "0/2",
            "-o",
            &out,
            "--bitmaps",
            &elsewhere,
            "--as-of",
            util::AS_OF,
            &input,
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("inside its part"), "{stderr}");
}

#[test]
fn past_the_summary_bound_merge_keeps_the_issuers_one_run_keeps() {
    let dir = util::temp_dir("shards-issuers");
    let input = dir.join("issuers.jsonl");
    let bound = credverify::limits::SUMMARY_ISSUERS as u64;
    // Issuers met in an order the shards do not see: the first half, a
    // hundred past the bound, the second half, then many again.
    let order: Vec<u64> = (0..bound / 2)
        .chain(bound..bound + 100)
        .chain(bound / 2..bound)
        .chain((0..bound + 100).step_by(7))
        .collect();
    let text: String = order
        .iter()
        .map(|i| {
            format!(
                "{{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"],\"issuer\":\"did:example:i{i}\",\"credentialSubject\":{{\"id\":\"urn:x\"}}}}\n"
            )
        })
        .collect();
    std::fs::write(&input, text).unwrap();
    let args = vec![
        "--as-of".to_owned(),
        util::AS_OF.to_owned(),
        input.display().to_string(),
    ];
    let single = dir.join("single.json");
    let mut a = vec![
        "verify".to_owned(),
        "-o".into(),
        dir.join("single.jsonl").display().to_string(),
    ];
    a.extend(["--summary".into(), single.display().to_string()]);
    a.extend(args.iter().cloned());
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    assert_eq!(credverify(&refs, &[]).status.code(), Some(1));
    let want = util::steady_summary(&std::fs::read_to_string(&single).unwrap());
    assert!(
        want.contains("\"other_issuers\":{\"records\":114,"),
        "{}",
        &want[want.len() - 200..]
    );
    for n in [3, 7] {
        let (_, got) = sharded(&dir, &args, n);
        assert!(
            util::steady_summary(&got) == want,
            "{n} shards: the issuers differ"
        );
    }
}

#[test]
fn a_signal_stops_merge_and_leaves_nothing_at_its_outputs() {
    use std::io::Read;
    let dir = util::temp_dir("shards-signal");
    // Three inputs of 10,000 records each: verdicts well past merge's
    // output buffer and the pipe's.
    let mut inputs = Vec::new();
    for f in 0..3 {
        let path = dir.join(format!("in{f}.jsonl"));
        let text: String = (0..10_000)
            .map(|i| {
                format!(
                    "{{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"],\"issuer\":\"did:example:i{i}\",\"credentialSubject\":{{\"id\":\"urn:x\"}}}}\n"
                )
            })
            .collect();
        std::fs::write(&path, text).unwrap();
        inputs.push(path.display().to_string());
    }
    let mut parts = Vec::new();
    for k in 0..2 {
        let p = dir.join(format!("p{k}"));
        let mut a = vec!["verify".to_owned(), "--shard".into(), format!("{k}/2")];
        a.extend(["-o".into(), p.display().to_string()]);
        a.extend(["--index".into(), p.join("index").display().to_string()]);
        a.extend(["--as-of".into(), util::AS_OF.into()]);
        a.extend(inputs.iter().cloned());
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_eq!(credverify(&refs, &[]).status.code(), Some(1));
        parts.push(p.display().to_string());
    }
    let whole = credverify(&["merge", &parts[0], &parts[1]], &[])
        .stdout
        .len();
    assert!(whole > 3_000_000, "{whole} bytes of verdicts");
    let index = dir.join("merged-index");
    let mut child = Command::new(env!("CARGO_BIN_EXE_credverify"))
        .args([
            "merge",
            &parts[0],
            &parts[1],
            "--index",
            index.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Verdicts come: merge is under way, and soon blocked on the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let (exit, stderr) = util::code_and_stderr(child);
    assert_eq!(exit, Some(130), "{stderr}");
    assert!(stderr.contains("merge stopped by SIGINT"), "{stderr}");
    assert!(rest.len() + 1 < whole, "merge went on to the end");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("merged-index"))
        .collect();
    assert!(left.is_empty(), "the stopped merge left {left:?}");
}
