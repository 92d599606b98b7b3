//! Every path gives the same report: thread counts, batch sizes, chunk
//! sizes, mmap and read, gzip and plain, JSON Lines and JSON arrays, the
//! sequential and the parallel driver.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{self, run_with};
use credverify::report::OutputFormat;
use credverify::source::documents::DocumentSource;

fn sample() -> PathBuf {
    util::repo().join("datasets/sample/credentials.jsonl")
}

fn dids() -> String {
    util::repo()
        .join("datasets/sample/dids")
        .display()
        .to_string()
}

/// The sample's DID documents and status lists.
fn keys(c: &mut credverify::VerifyConfig) {
    c.dids = vec![DocumentSource::path(dids())];
    c.status_lists = vec![DocumentSource::path(
        util::repo().join("datasets/sample/status"),
    )];
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// The sample's well-formed records (a cut line inside an array would
/// swallow the elements after it), as JSON Lines and as a JSON array with
/// one element per line, in the same order.
fn well_formed() -> (Vec<u8>, Vec<u8>) {
    let lines = std::fs::read(sample()).expect("sample");
    let truth =
        std::fs::read_to_string(util::repo().join("datasets/sample/truth.jsonl")).expect("truth");
    let kept: Vec<&[u8]> = lines
        .split(|&b| b == b'\n')
        .zip(truth.lines())
        .filter(|(_, t)| !t.contains("\"malformed\""))
        .map(|(l, _)| l)
        .collect();
    let jsonl = [kept.join(&b"\n"[..]), b"\n".to_vec()].concat();
    let array = [b"[\n".to_vec(), kept.join(&b",\n"[..]), b"\n]\n".to_vec()].concat();
    (jsonl, array)
}

fn reference(path: &Path) -> String {
    run_with(&[path], keys).0
}

#[test]
fn threads_batches_chunks_and_mmap_give_identical_reports() {
    let path = sample();
    let expected = reference(&path);
    assert_eq!(expected.lines().count(), 500);
    for threads in [1, 2, 8] {
        for batch in [1, 64, 1024] {
            for mmap in [true, false] {
                let (out, _) = run_with(&[&path], |c| {
                    keys(c);
                    c.threads = threads;
                    c.batch_size = batch;
                    c.source.mmap = mmap;
                });
                assert!(
                    out == expected,
                    "threads {threads}, batch {batch}, mmap {mmap}: report differs"
                );
            }
        }
    }
    // Chunks smaller than one record, and odd sizes, cut everywhere.
    for chunk in [1, 1000, 7_777, 65_536] {
        for threads in [1, 2] {
            let (out, _) = run_with(&[&path], |c| {
                keys(c);
                c.threads = threads;
                c.source.chunk_bytes = chunk;
            });
            assert!(
                out == expected,
                "chunk {chunk} bytes, threads {threads}: report differs"
            );
        }
    }
}

#[test]
fn gzip_and_plain_give_identical_reports() {
    let bytes = std::fs::read(sample()).expect("sample");
    let gz = util::temp_file("sample.jsonl.gz", &gzip(&bytes));
    let expected = reference(&sample());
    for threads in [1, 2] {
        let (out, _) = run_with(&[&gz], |c| {
            keys(c);
            c.threads = threads;
        });
        assert!(out == expected, "gzip, threads {threads}: report differs");
    }
    // Content decides: a gzip stream without the .gz name is still read.
    let disguised = util::temp_file("sample.jsonl", &gzip(&bytes));
    assert!(
        run_with(&[&disguised], keys).0 == expected,
        "gzip by content"
    );
}

#[test]
fn json_arrays_number_elements_like_lines() {
    let (jsonl, array) = well_formed();
    let lines = util::temp_file("kept.jsonl", &jsonl);
    let expected = run_with(&[&lines], keys).0;
    let array_path = util::temp_file("kept.json", &array);
    for (threads, chunk) in [(1, 1 << 20), (2, 3000), (8, 1)] {
        let (out, _) = run_with(&[&array_path], |c| {
            keys(c);
            c.threads = threads;
            c.source.chunk_bytes = chunk;
        });
        assert!(
            out == expected,
            "array, threads {threads}, chunk {chunk}: report differs"
        );
    }
    let gz = util::temp_file("kept.json.gz", &gzip(&array));
    assert!(run_with(&[&gz], keys).0 == expected, "gzip array");
}

#[test]
fn csv_carries_the_same_verdicts() {
    let jsonl = util::parse_verdicts(&reference(&sample()));
    let (csv, _) = util::run_in(OutputFormat::Csv, &[&sample()], |c| {
        keys(c);
        c.threads = 2;
    });
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("line,id,issuer,format,verdict,problems,warnings,status_messages")
    );
    for (row, v) in rows.zip(&jsonl) {
        // No field of the sample needs quoting, so splitting on commas is exact.
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols.len(), 8, "{row}");
        assert_eq!(cols[0], v.line.to_string());
        assert_eq!(cols[1], v.id.as_deref().unwrap_or(""), "line {}", v.line);
        assert_eq!(cols[4], v.verdict, "line {}", v.line);
        assert_eq!(cols[5], v.problems.join(";"), "line {}", v.line);
        assert_eq!(cols[7], v.status_messages.join(";"), "line {}", v.line);
    }
}

#[test]
fn several_inputs_name_their_file_and_restart_line_numbers() {
    let a = util::temp_file("a.jsonl", b"{\"x\":1}\n\n{\"y\":2}\n");
    // One line holding an array that closes on it, and more lines after:
    // JSON Lines whatever the first byte.
    let b = util::temp_file("b.jsonl", b"[]\n{}\n");
    for threads in [1, 2] {
        let (out, summary) = run_with(&[&a, &b], |c| c.threads = threads);
        let v = util::parse_verdicts(&out);
        assert_eq!(summary.records, 4);
        assert_eq!(
            v.iter()
                .map(|r| (r.file.clone().unwrap(), r.line))
                .collect::<Vec<_>>(),
            [
                (a.display().to_string(), 1),
                (a.display().to_string(), 3),
                (b.display().to_string(), 1),
                (b.display().to_string(), 2)
            ]
        );
    }
}
