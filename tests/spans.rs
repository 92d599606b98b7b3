//! The index reader's spans and chunks, on indexes of synthetic records
//! written through the index writer: more than two spans, so that
//! decoding on several threads, the order records are handed back in,
//! chunks checked one by one and a worker's panic are exercised.

use std::path::{Path, PathBuf};

use credverify::index::codec::Decoder;
use credverify::index::{BLOCK, CHUNK_BLOCKS, Index, IndexError, SPAN_BLOCKS};
use credverify::time::Timestamp;
use roaring::RoaringBitmap;

use crate::util;

/// Records in the test index: two whole spans and part of a third.
const RECORDS: u32 = 2 * (SPAN_BLOCKS as u32 * BLOCK as u32) + 1_000;

/// Records per chunk of `records.bin`.
const CHUNK_RECORDS: u32 = CHUNK_BLOCKS as u32 * BLOCK as u32;

fn id(i: u32) -> String {
    format!("urn:example:credential:{i}")
}

/// An index of `n` synthetic records (no export behind it: fast, for
/// tests that need many spans), written at 2023-11-14 through the index
/// writer into a fresh directory named after `name`: ids
/// `urn:example:credential:N`, two issuers, three keys, one record in
/// seven with a bad signature, each ending ten minutes after the last.
pub fn synthetic(name: &str, n: u32) -> PathBuf {
    use credverify::report::Sink;
    use credverify::verdict::{
        EvidenceSet, Problem, Problems, Revalidation, VerdictRecord, Window,
    };
    let dest = util::temp_dir(name).join("idx");
    let mut null = credverify::report::NullSink;
    let mut writer = credverify::index::IndexWriter::create(&mut null, &dest).unwrap();
    let evidence = EvidenceSet::default();
    let mut prepared = credverify::index_record::Prepared::default();
    let mut lines = Vec::new();
    for i in 0..n {
        let revalidation = Revalidation {
            window: Window {
                starts: [None, None],
                ends: [
                    Some(Timestamp::from_unix(1_700_000_000 + i64::from(i) * 600)),
                    None,
                ],
            },
            signed_by: vec![[(i % 3) as u8; 32]],
            ..Revalidation::default()
        };
        let mut problems = Problems::default();
        if i % 7 == 0 {
            problems.insert(Problem::InvalidSignature);
        }
        let text = id(i);
        let issuer = Some(["did:example:a", "did:example:b"][(i % 2) as usize]);
        let record = VerdictRecord {
            id: Some(&text),
            issuer,
            format: None,
            disclosed: (i % 3 == 0).then_some(i),
            problems,
            warnings: Default::default(),
            evidence: &evidence,
            status_messages: &[],
            status_snapshots: &[],
            previous: None,
            contexts: &[],
        };
        prepared.push(&record, &revalidation, None);
        lines.push((text, issuer, problems));
    }
    // The records again, each with its part that the worker prepared.
    for (i, (text, issuer, problems)) in lines.iter().enumerate() {
        let record = VerdictRecord {
            id: Some(text),
            issuer: *issuer,
            format: None,
            disclosed: (i % 3 == 0).then_some(i as u32),
            problems: *problems,
            warnings: Default::default(),
            evidence: &evidence,
            status_messages: &[],
            status_snapshots: &[],
            previous: None,
            contexts: &[],
        };
        let part = prepared.record(i).unwrap();
        writer
            .record_indexed(0, i as u64 + 1, &record, part)
            .unwrap();
    }
    let manifest = credverify::index::Manifest {
        as_of: Some(Timestamp::from_unix(1_700_000_000)),
        records: 0,
        inputs: vec!["x.jsonl".into()],
        options: Default::default(),
        status_lists: Vec::new(),
    };
    writer
        .commit(&manifest, &[], None, &Default::default())
        .unwrap();
    dest
}

/// The offsets of the blocks of the index at `dir`, read from
/// `blocks.bin` as INDEX.md describes it.
fn block_offsets(dir: &Path) -> Vec<u64> {
    let bytes = std::fs::read(dir.join("blocks.bin")).unwrap();
    let mut d = Decoder::new(&bytes[8..]);
    let n = d.uint().unwrap();
    let mut at = 0;
    (0..n)
        .map(|_| {
            at += d.uint().unwrap();
            at
        })
        .collect()
}

/// Every record `set` holds (all when `None`), as `map_in_parallel`
/// hands them back on a pool of `threads`: ordinal, line and id; and the
/// error that stopped it, if any.
fn read(
    index: &Index,
    set: Option<&RoaringBitmap>,
    threads: usize,
) -> (Vec<(u32, u64, String)>, Option<IndexError>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    let mut got = Vec::new();
    let result = pool.install(|| {
        index.map_in_parallel(
            set,
            |_, rec| Some((rec.line, rec.id.map(|i| i.text().into_owned()))),
            |ordinal, (line, id)| {
                got.push((ordinal, line, id.unwrap_or_default()));
                Ok::<(), IndexError>(())
            },
        )
    });
    (got, result.err())
}

#[test]
fn records_come_back_in_order_on_any_number_of_threads() {
    let dir = synthetic("spans-order", RECORDS);
    let index = Index::open(&dir).expect("the index");
    assert_eq!(index.len(), u64::from(RECORDS));
    let want: Vec<(u32, u64, String)> =
        (0..RECORDS).map(|i| (i, u64::from(i) + 1, id(i))).collect();
    // A sparse set across every span, with chunk and span edges in it.
    let mut set: RoaringBitmap = (0..RECORDS).step_by(997).collect();
    let span = SPAN_BLOCKS as u32 * BLOCK as u32;
    let chunk = CHUNK_RECORDS;
    set.extend([chunk - 1, chunk, span - 1, span, 2 * span, RECORDS - 1]);
    let some: Vec<(u32, u64, String)> = set.iter().map(|i| (i, u64::from(i) + 1, id(i))).collect();
    for threads in [1, 2, 3] {
        let (all, error) = read(&index, None, threads);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(all, want, "{threads} threads, every record");
        let (got, error) = read(&index, Some(&set), threads);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, some, "{threads} threads, a set");
    }
}

#[test]
fn a_changed_chunk_is_refused_when_a_record_of_it_is_used() {
    let dir = synthetic("spans-chunk", RECORDS);
    let damaged_chunk = 20;
    let at = block_offsets(&dir)[damaged_chunk * CHUNK_BLOCKS];
    let path = dir.join("records.bin");
    let mut bytes = std::fs::read(&path).expect("records.bin");
    bytes[8 + at as usize + 5] ^= 0x20;
    std::fs::write(&path, bytes).expect("written");
    // Opening reads no record; the chunk is checked when first used.
    let index = Index::open(&dir).expect("the index, opened");
    let (got, error) = read(&index, None, 2);
    let error = error.expect("refused").to_string();
    assert!(
        error.contains("records.bin") && error.contains("SHA-256"),
        "{error}"
    );
    // Records are handed back in order up to the span that holds it.
    let first_bad = damaged_chunk as u32 * CHUNK_RECORDS;
    let span = SPAN_BLOCKS as u32 * BLOCK as u32;
    assert_eq!(got.len() as u32, first_bad / span * span);
    assert!(index.check(None).is_err());
    // Records of other chunks are read and checked as before.
    let elsewhere: RoaringBitmap = [0, first_bad - 1, first_bad + CHUNK_RECORDS]
        .into_iter()
        .collect();
    let (got, error) = read(&index, Some(&elsewhere), 2);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got.len(), 3);
    let one: RoaringBitmap = [first_bad + 3].into_iter().collect();
    assert!(index.check(Some(&one)).is_err());
}

#[test]
fn a_panic_while_decoding_reaches_the_caller_and_nothing_hangs() {
    // More spans than may wait at once (four per thread), so that the
    // other worker would block for tickets were the panic lost.
    let span = SPAN_BLOCKS as u32 * BLOCK as u32;
    let dir = synthetic("spans-panic", 12 * span);
    let index = std::sync::Arc::new(Index::open(&dir).expect("the index"));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = index.clone();
    std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                reader.map_spans(
                    None,
                    || 0u32,
                    |n, ordinal, _| {
                        // A bug in the second span's first record.
                        assert_ne!(ordinal, span, "planted");
                        *n += 1;
                    },
                    |_| Ok::<(), IndexError>(()),
                )
            })
        }));
        let _ = tx.send(outcome.is_err());
    });
    let panicked = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("map_spans returned (or unwound) instead of hanging");
    assert!(panicked, "the worker's panic reached the caller");
}
