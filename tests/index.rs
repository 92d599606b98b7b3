//! The revalidation index (CONTRACT.md "Revalidation"): `recheck` of an
//! index gives, byte for byte, what `verify` of the original inputs gives
//! at the same instant with the same lists; a damaged index is refused.

use std::path::{Path, PathBuf};

use credverify::generate::{self, GenFormat, GenerateArgs, Layout};
use credverify::report::{OutputFormat, VerdictWriter};
use credverify::run::{IndexTarget, RecheckConfig};
use credverify::source::InputPath;
use credverify::source::documents::DocumentSource;
use credverify::time::Timestamp;
use credverify::{VerifyConfig, verify};

use crate::util;

/// A generated export with every case, three snapshots of each list.
fn export() -> PathBuf {
    let dir = util::temp_dir("index-export");
    let args = GenerateArgs {
        layout: Layout::Jsonl,
        shapes: 1,
        records: 300,
        seed: 16,
        out: dir.clone(),
        format: GenFormat::Mixed,
        issuers: 3,
        status_lists: 3,
        status_history: 3,
        mix: "valid=40,tampered=5,wrong_key=5,other_issuer=5,expired=10,not_yet_valid=10,malformed=5,unsupported=5,no_proof=5,revoked=10,suspended=10,status_message=10".into(),
        as_of: util::AS_OF.into(),
    };
    generate::run(&args).expect("generate");
    dir
}

fn config(dir: &Path, as_of: &str, lists: &[PathBuf]) -> VerifyConfig {
    let mut c = VerifyConfig::new(
        vec![InputPath::File(dir.join("credentials.jsonl"))],
        Timestamp::parse(as_of).unwrap(),
    );
    c.threads = 2;
    c.dids = vec![DocumentSource::path(dir.join("dids"))];
    c.status_lists = lists.iter().map(DocumentSource::path).collect();
    c
}

fn verified(c: &VerifyConfig, format: OutputFormat) -> String {
    let names: Vec<String> = c.inputs.iter().map(InputPath::display).collect();
    let mut sink = VerdictWriter::new(Vec::new(), format, &names)
        .unwrap()
        .with_status_messages_if(!c.status_lists.is_empty());
    verify(c, &mut sink).expect("verify");
    String::from_utf8(sink.into_inner()).unwrap()
}

fn rechecked(
    index: &Path,
    names: &[String],
    as_of: &str,
    lists: &[PathBuf],
    format: OutputFormat,
) -> String {
    rechecked_as(index, names, as_of, lists, format, false)
}

fn rechecked_as(
    index: &Path,
    names: &[String],
    as_of: &str,
    lists: &[PathBuf],
    format: OutputFormat,
    changed_only: bool,
) -> String {
    let config = RecheckConfig {
        index: index.to_owned(),
        as_of: Timestamp::parse(as_of).unwrap(),
        status_lists: lists.iter().map(DocumentSource::path).collect(),
        dids: Vec::new(),
        contexts: None,
        bitmaps: None,
        changed_only,
        check_first: true,
    };
    let writer = || {
        VerdictWriter::new(Vec::new(), format, names)
            .unwrap()
            .with_status_messages_if(!lists.is_empty())
            .with_previous_if(changed_only)
    };
    // Verdicts rendered on the workers, and by the sink itself.
    let mut sink = writer();
    credverify::run::recheck(&config, &mut sink).expect("recheck");
    let mut own = OwnRendering(writer());
    credverify::run::recheck(&config, &mut own).expect("recheck, the sink rendering");
    let got = sink.into_inner();
    assert!(
        got == own.0.into_inner(),
        "rendered on the workers and by the sink, verdicts differ"
    );
    String::from_utf8(got).unwrap()
}

/// A sink that renders its own records (no `Sink::renderer`).
struct OwnRendering(VerdictWriter<Vec<u8>>);

impl credverify::report::Sink for OwnRendering {
    fn record(
        &mut self,
        input: usize,
        line: u64,
        record: &credverify::verdict::VerdictRecord<'_>,
    ) -> std::io::Result<()> {
        self.0.record(input, line, record)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.0.finish()
    }
}

/// Directories of status lists: every snapshot; the last ones only; one
/// list tampered with; one list left out.
fn list_sets(export: &Path) -> Vec<(&'static str, Vec<PathBuf>)> {
    let status = export.join("status");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&status)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let last: Vec<PathBuf> = files
        .iter()
        .filter(|f| !f.to_string_lossy().contains(".snapshot-"))
        .cloned()
        .collect();
    let tampered_dir = util::temp_dir("index-tampered-lists");
    for f in &last {
        std::fs::copy(f, tampered_dir.join(f.file_name().unwrap())).unwrap();
    }
    let first = tampered_dir.join(last[0].file_name().unwrap());
    let text = std::fs::read_to_string(&first).unwrap();
    // Another encodedList under the same signature: the list fails.
    let at = text.find("\"encodedList\":\"u").unwrap() + 20;
    let flipped = if &text[at..at + 1] == "A" { "B" } else { "A" };
    std::fs::write(
        &first,
        format!("{}{flipped}{}", &text[..at], &text[at + 1..]),
    )
    .unwrap();
    vec![
        ("every snapshot", vec![status.clone()]),
        ("last snapshots", last.clone()),
        ("one list tampered", vec![tampered_dir]),
        ("one list missing", last[1..].to_vec()),
        ("no lists", vec![]),
    ]
}

/// The export, an index of it written at `util::AS_OF` with every
/// snapshot (in a temporary directory named after `name`), the list sets,
/// and the verdicts of that run.
#[allow(clippy::type_complexity)]
fn indexed(name: &str) -> (PathBuf, PathBuf, Vec<(&'static str, Vec<PathBuf>)>, String) {
    let export = export();
    let index = util::temp_dir(name).join("idx");
    let lists = list_sets(&export);
    let mut first = config(&export, util::AS_OF, &lists[0].1);
    first.index = Some(IndexTarget {
        dir: index.clone(),
        named_files: false,
    });
    let original = verified(&first, OutputFormat::Jsonl);
    (export, index, lists, original)
}

#[test]
fn recheck_gives_what_verify_gives_at_every_instant_and_with_every_list() {
    let (export, index, lists, original) = indexed("index");
    assert!(
        index.join("manifest.json").is_file(),
        "the index is in place"
    );
    let names = vec![InputPath::File(export.join("credentials.jsonl")).display()];
    let instants = turning_points(&export);
    assert!(instants.len() > 20, "{} instants", instants.len());
    let mut compared = 0;
    for (k, secs) in instants.iter().enumerate() {
        let mut at = Vec::new();
        Timestamp::from_unix(*secs).write_rfc3339(&mut at);
        let at = String::from_utf8(at).unwrap();
        // Every list set at a few instants, the first at all of them.
        for (name, set) in lists
            .iter()
            .filter(|(n, _)| k % 7 == 0 || *n == "every snapshot")
        {
            let want = verified(&config(&export, &at, set), OutputFormat::Jsonl);
            let got = rechecked(&index, &names, &at, set, OutputFormat::Jsonl);
            assert!(want == got, "{name} at {at}: recheck differs from verify");
            compared += 1;
        }
    }
    assert!(compared > 40);
    // CSV too, and the instant of the indexed run itself.
    for (name, set) in &lists {
        let want = verified(&config(&export, util::AS_OF, set), OutputFormat::Csv);
        let got = rechecked(&index, &names, util::AS_OF, set, OutputFormat::Csv);
        assert!(want == got, "{name}, CSV: recheck differs from verify");
    }
    assert_eq!(
        rechecked(
            &index,
            &names,
            util::AS_OF,
            &lists[0].1,
            OutputFormat::Jsonl
        ),
        original
    );
    // The export has what makes the comparison mean something.
    for word in [
        "\"revoked\"",
        "\"suspended\"",
        "\"expired\"",
        "\"status_snapshots\"",
        "\"status_messages\"",
        "\"invalid_signature\"",
    ] {
        assert!(original.contains(word), "{word}");
    }
}

/// The instants every window and every snapshot of `export` turns at,
/// exactly and one second either side, and far before and after.
fn turning_points(export: &Path) -> Vec<i64> {
    let mut instants: Vec<i64> = vec![0, 4_102_444_800];
    let truth = String::from_utf8_lossy(&std::fs::read(export.join("credentials.jsonl")).unwrap())
        .into_owned();
    for key in ["\"validFrom\":\"", "\"validUntil\":\""] {
        for part in truth.split(key).skip(1).take(40) {
            if let Ok(t) = Timestamp::parse(&part[..20]) {
                instants.extend([t.secs - 1, t.secs, t.secs + 1]);
            }
        }
    }
    for snapshot in std::fs::read_dir(export.join("status")).unwrap() {
        let text = std::fs::read_to_string(snapshot.unwrap().path()).unwrap();
        let from = text.split("\"validFrom\":\"").nth(1).unwrap();
        let t = Timestamp::parse(&from[..20]).unwrap();
        instants.extend([t.secs - 1, t.secs, t.secs + 1]);
    }
    instants.sort();
    instants.dedup();
    instants
}

/// A JSON Lines verdict record's verdict.
fn verdict_of(line: &str) -> &str {
    let rest = line.split("\"verdict\":\"").nth(1).expect("a verdict");
    &rest[..rest.find('"').unwrap()]
}

#[test]
fn changed_only_gives_exactly_the_records_whose_verdict_changed() {
    // `--changed-only` judges only the records the index's buckets and
    // postings say may have changed; the full output says which did.
    let (export, index, lists, original) = indexed("index-changed");
    let before: Vec<&str> = original.lines().collect();
    let names = vec![InputPath::File(export.join("credentials.jsonl")).display()];
    let mut compared = 0;
    let mut changes = 0;
    for (k, secs) in turning_points(&export).iter().enumerate() {
        let mut at = Vec::new();
        Timestamp::from_unix(*secs).write_rfc3339(&mut at);
        let at = String::from_utf8(at).unwrap();
        for (name, set) in lists.iter().filter(|_| k % 3 == 0) {
            let full = rechecked(&index, &names, &at, set, OutputFormat::Jsonl);
            let want: Vec<String> = full
                .lines()
                .zip(&before)
                .filter(|(now, then)| verdict_of(now) != verdict_of(then))
                .map(|(now, then)| {
                    let v = format!("\"verdict\":\"{}\"", verdict_of(now));
                    let with = format!("{v},\"previous\":\"{}\"", verdict_of(then));
                    now.replacen(&v, &with, 1)
                })
                .collect();
            let got = rechecked_as(&index, &names, &at, set, OutputFormat::Jsonl, true);
            let got: Vec<&str> = got.lines().collect();
            assert_eq!(got, want, "{name} at {at}");
            compared += 1;
            changes += want.len();
        }
    }
    assert!(
        compared > 20 && changes > 100,
        "{compared} comparisons, {changes} changes"
    );
}

#[test]
fn a_damaged_or_foreign_index_is_refused_naming_the_file() {
    let export = export();
    let index = util::temp_dir("index-damaged").join("idx");
    let mut c = config(&export, util::AS_OF, &[export.join("status")]);
    c.index = Some(IndexTarget {
        dir: index.clone(),
        named_files: false,
    });
    verified(&c, OutputFormat::Jsonl);
    let refuse = |dir: &Path| -> String {
        let config = RecheckConfig {
            index: dir.to_owned(),
            as_of: Timestamp::parse(util::AS_OF).unwrap(),
            status_lists: vec![],
            dids: vec![],
            contexts: None,
            bitmaps: None,
            changed_only: false,
            check_first: true,
        };
        let mut sink = VerdictWriter::new(Vec::new(), OutputFormat::Jsonl, &["x".into()]).unwrap();
        let err = credverify::run::recheck(&config, &mut sink)
            .unwrap_err()
            .to_string();
        assert!(
            sink.into_inner().is_empty(),
            "nothing written before the refusal"
        );
        err
    };
    let copy = |name: &str| {
        let dir = util::temp_dir(name).join("idx");
        std::fs::create_dir_all(dir.join("dids")).unwrap();
        for entry in walk(&index) {
            let rel = entry.strip_prefix(&index).unwrap();
            let to = dir.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&entry, to).unwrap();
        }
        dir
    };
    // A byte changed.
    let flipped = copy("index-flipped");
    let mut bytes = std::fs::read(flipped.join("records.bin")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(flipped.join("records.bin"), bytes).unwrap();
    let err = refuse(&flipped);
    assert!(
        err.contains("records.bin") && err.contains("SHA-256"),
        "{err}"
    );
    // Cut short.
    let cut = copy("index-cut");
    let bytes = std::fs::read(cut.join("tables.bin")).unwrap();
    std::fs::write(cut.join("tables.bin"), &bytes[..bytes.len() - 1]).unwrap();
    assert!(refuse(&cut).contains("tables.bin"));
    // Another version, and not an index at all.
    let other = copy("index-version");
    let manifest = std::fs::read_to_string(other.join("manifest.json")).unwrap();
    std::fs::write(
        other.join("manifest.json"),
        manifest.replace(
            &format!("\"version\":{}", credverify::index::VERSION),
            &format!("\"version\":{}", credverify::index::VERSION + 1),
        ),
    )
    .unwrap();
    assert!(refuse(&other).contains("version"), "{}", refuse(&other));
    // Each lookup file cut short.
    for name in ["blocks.bin", "verdicts.bin", "times.bin", "postings.bin"] {
        let cut = copy(&format!("index-cut-{name}"));
        let bytes = std::fs::read(cut.join(name)).unwrap();
        std::fs::write(cut.join(name), &bytes[..bytes.len() - 1]).unwrap();
        assert!(refuse(&cut).contains(name), "{name}: {}", refuse(&cut));
    }
    // Files that match the manifest (rewritten with it) but not the
    // records: a block moved, a record under another verdict.
    let moved = copy("index-moved");
    let blocks = std::fs::read(moved.join("blocks.bin")).unwrap();
    let mut changed = blocks.clone();
    // The second block's offset (after the magic and the count), one on.
    let second = 8 + 1 + 1;
    changed[second] = changed[second].wrapping_add(1);
    rewrite(&moved, "blocks.bin", &blocks, &changed);
    let err = refuse(&moved);
    assert!(
        err.contains("blocks.bin") || err.contains("records.bin"),
        "{err}"
    );
    let swapped = copy("index-swapped");
    let verdicts = std::fs::read(swapped.join("verdicts.bin")).unwrap();
    let mut e = credverify::index::codec::Encoder::default();
    e.bytes(b"CVIXVRD3");
    e.uint(credverify::verdict::Verdict::ALL.len() as u64);
    for _ in credverify::verdict::Verdict::ALL {
        e.bitmap(&roaring::RoaringBitmap::new());
    }
    rewrite(&swapped, "verdicts.bin", &verdicts, &e.buf);
    let err = refuse(&swapped);
    assert!(err.contains("verdicts.bin"), "{err}");
    let gone = copy("index-gone");
    std::fs::remove_file(gone.join("records.bin")).unwrap();
    assert!(refuse(&gone).contains("records.bin"));
    assert!(refuse(&export).contains("manifest.json"));
}

/// Replaces the file `name` of the index at `dir` (now `old`) with `new`,
/// and its size and SHA-256 in the manifest, as a forger would.
fn rewrite(dir: &Path, name: &str, old: &[u8], new: &[u8]) {
    use sha2::{Digest, Sha256};
    let hex = |b: &[u8]| -> String {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    std::fs::write(dir.join(name), new).unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let was = format!(
        "\"{name}\":{{\"bytes\":{},\"sha256\":\"{}\"}}",
        old.len(),
        hex(old)
    );
    assert!(manifest.contains(&was), "{name} in {manifest}");
    let now = format!(
        "\"{name}\":{{\"bytes\":{},\"sha256\":\"{}\"}}",
        new.len(),
        hex(new)
    );
    std::fs::write(dir.join("manifest.json"), manifest.replace(&was, &now)).unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_command_line_writes_an_index_and_rechecks_it() {
    // The folder sample: a walk (verdicts name their file), both Open
    // Badges versions, status lists.
    let sample = util::repo().join("datasets/sample-files");
    let s = |p: &str| sample.join(p).display().to_string();
    let index = util::temp_dir("index-cli").join("idx");
    let idx = index.display().to_string();
    let verify_at = |at: &str, index: Option<&str>| {
        let mut args = vec!["verify", "--as-of", at, "--dids"];
        let (dids, status, files) = (s("dids"), s("status"), s("files"));
        args.extend([
            dids.as_str(),
            "--status-lists",
            status.as_str(),
            files.as_str(),
        ]);
        if let Some(dir) = index {
            args.extend(["--index", dir]);
        }
        util::cli(&args, None)
    };
    let first = verify_at(util::AS_OF, Some(&idx));
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for at in ["2025-06-01T00:00:00Z", util::AS_OF, "2030-01-01T00:00:00Z"] {
        let want = verify_at(at, None);
        let status = s("status");
        let got = util::cli(
            &["recheck", &idx, "--as-of", at, "--status-lists", &status],
            None,
        );
        assert_eq!(got.status.code(), want.status.code(), "{at}");
        assert!(
            want.stdout == got.stdout,
            "{at}: recheck's verdicts differ from verify's"
        );
        assert!(String::from_utf8_lossy(&want.stdout).contains("\"file\":"));
        // Derived ecdsa-sd-2023 proofs keep their count through the index.
        assert!(String::from_utf8_lossy(&want.stdout).contains("\"disclosed\":"));
    }
    // --changed-only: exactly the records whose verdict differs from the
    // indexed run's, each with the verdict it had.
    let later = "2030-01-01T00:00:00Z";
    let before = util::parse_verdicts(&String::from_utf8_lossy(&first.stdout));
    let after = util::parse_verdicts(&String::from_utf8_lossy(&verify_at(later, None).stdout));
    let changed: Vec<(Option<String>, u64, String, String)> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.verdict != a.verdict)
        .map(|(b, a)| (a.file.clone(), a.line, a.verdict.clone(), b.verdict.clone()))
        .collect();
    assert!(!changed.is_empty());
    let summary_path = util::temp_dir("index-cli-summary").join("s.json");
    let summary = summary_path.display().to_string();
    let status = s("status");
    let only = util::cli(
        &[
            "recheck",
            &idx,
            "--as-of",
            later,
            "--status-lists",
            &status,
            "--changed-only",
            "--summary",
            &summary,
        ],
        None,
    );
    let got: Vec<(Option<String>, u64, String, String)> = String::from_utf8_lossy(&only.stdout)
        .lines()
        .map(|l| {
            let v = &util::parse_verdicts(l)[0];
            let previous = l
                .split("\"previous\":\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (
                v.file.clone(),
                v.line,
                v.verdict.clone(),
                previous.to_owned(),
            )
        })
        .collect();
    assert_eq!(got, changed);
    let summary = std::fs::read_to_string(&summary_path).unwrap();
    let counted: u64 = credverify::json::JsonParser::default()
        .with_doc(summary.as_bytes(), |v| {
            v.get("transitions")
                .expect("transitions")
                .elements()
                .map(|t| {
                    t.get("records")
                        .and_then(credverify::json::Value::as_u64)
                        .unwrap()
                })
                .sum()
        })
        .unwrap();
    assert_eq!(counted, changed.len() as u64, "{summary}");
    // The index directory must be new or empty; a damaged index is exit 2.
    let again = verify_at(util::AS_OF, Some(&idx));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--index"));
    std::fs::write(index.join("tables.bin"), b"CVIXTAB1\x00\x00").unwrap();
    let refused = util::cli(&["recheck", &idx, "--as-of", util::AS_OF], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("tables.bin"));
}

#[test]
fn expiring_counts_what_verify_sees_expire() {
    let export = export();
    let lists = list_sets(&export);
    let last = &lists[1].1;
    let index = util::temp_dir("index-expiring").join("idx");
    let mut c = config(&export, util::AS_OF, last);
    c.index = Some(IndexTarget {
        dir: index.clone(),
        named_files: false,
    });
    let at_start = verified(&c, OutputFormat::Jsonl);
    let to = "2028-01-01T00:00:00Z";
    let at_end = verified(&config(&export, to, last), OutputFormat::Jsonl);
    // By verify: valid at the start, expired by the end, grouped by the
    // month of the `valid_until` its evidence names.
    let mut want: std::collections::BTreeMap<String, usize> = Default::default();
    let mut valid = 0;
    for (start, end) in at_start.lines().zip(at_end.lines()) {
        if !start.contains("\"verdict\":\"valid\"") {
            continue;
        }
        valid += 1;
        if let Some(rest) = end.split("\"valid_until\":\"").nth(1) {
            *want.entry(rest[..7].to_owned()).or_default() += 1;
        }
    }
    let config = credverify::run::ExpiringConfig {
        recheck: RecheckConfig {
            index: index.clone(),
            as_of: Timestamp::parse(util::AS_OF).unwrap(),
            status_lists: last.iter().map(DocumentSource::path).collect(),
            dids: vec![],
            contexts: None,
            bitmaps: None,
            changed_only: false,
            check_first: true,
        },
        to: Timestamp::parse(to).unwrap(),
        by: credverify::run::Period::Month,
        by_issuer: false,
        ids: false,
    };
    // Counted from the day buckets, and with every record decoded for
    // its issuer and id: the same counts.
    let table = credverify::run::expiring(&config).expect("expiring");
    let detailed = credverify::run::expiring(&credverify::run::ExpiringConfig {
        by_issuer: true,
        ids: true,
        ..config.clone()
    })
    .expect("expiring, in detail");
    let got: std::collections::BTreeMap<String, usize> = table
        .periods
        .iter()
        .map(|(p, expiring)| (p.clone(), expiring.records as usize))
        .collect();
    let listed: std::collections::BTreeMap<String, usize> = detailed
        .periods
        .iter()
        .map(|(p, expiring)| {
            let ids: usize = expiring.issuers.values().map(|of| of.ids.len()).sum();
            let counted: u64 = expiring.issuers.values().map(|of| of.records).sum();
            assert_eq!(counted, expiring.records);
            (p.clone(), ids)
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    assert_eq!(listed, want);
    assert!(table.periods.values().all(|p| p.issuers.is_empty()));
    assert_eq!(table.valid_at_start, valid);
    assert_eq!(detailed.valid_at_start, valid);
    assert!(table.with_lists);
    // The same through the command line, as JSON and as CSV with ids.
    let idx = index.display().to_string();
    let status: Vec<String> = last.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["expiring", &idx, "--from", util::AS_OF, "--to", to];
    for s in &status {
        args.extend(["--status-lists", s.as_str()]);
    }
    let json = util::cli(&args, None);
    assert_eq!(json.status.code(), Some(0));
    let json = String::from_utf8(json.stdout).unwrap();
    assert!(
        json.contains(&format!("\"valid_at_from\":{valid}")),
        "{json}"
    );
    args.extend(["--format", "csv", "--ids", "--by", "day"]);
    let csv = String::from_utf8(util::cli(&args, None).stdout).unwrap();
    assert_eq!(csv.lines().count() - 1, want.values().sum::<usize>());
    assert!(csv.starts_with("period,issuer,id,expires\n"));
}

#[test]
fn an_index_cut_short_during_a_recheck_voids_it() {
    // Twelve spans of records: more than the workers decode ahead while
    // the output waits, so that records are still to be read from the
    // map when records.bin is cut.
    let index = crate::spans::synthetic("index-shrink", 12 * 8_192);
    let dir = index.parent().unwrap().to_owned();
    let out = dir.join("out.jsonl");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_credverify"))
        .args(["recheck", index.to_str().unwrap(), "--as-of", util::AS_OF])
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Verdicts come once the index is open; the run then waits on the
    // pipe while records.bin is cut.
    let (code, stderr) = util::cut_while_blocked(child, &index.join("records.bin"), 1_000);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("records.bin") && stderr.contains("SIGBUS"),
        "{stderr}"
    );
    assert!(!out.exists() && !dir.join("summary.json").exists());
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["idx"], "nothing else is left: {left:?}");
}
