//! The revalidation index (`verify --index DIR`, `credverify recheck DIR`):
//! what a run found in each record that no instant and no status list can
//! change, and what the rest is judged from, so that an archive is judged
//! again at a new date, with new lists, without parsing a record or
//! verifying a signature.
//!
//! Format version 3 (`INDEX.md` at the repository root describes it byte
//! by byte): a directory holding `manifest.json`; `records.bin`;
//! `tables.bin` (each issuer id, key and status string once); the lookup
//! files `blocks.bin` (where every eighth record starts), `verdicts.bin`
//! (a roaring bitmap per verdict), `times.bin` (per kind of instant, a
//! bitmap per UTC day) and `postings.bin` (per status list URL, the records
//! and entries that name it, and what the run's list answered); and
//! copies of the run's controller documents (`dids/`) and contexts
//! (`contexts/`), which new status lists are verified with. The manifest
//! names every other file with its size and SHA-256; a file that does not
//! match is refused before anything is read from it. `records.bin` is
//! memory-mapped and checked a chunk of [`CHUNK_BLOCKS`] blocks at a time,
//! against the SHA-256 `blocks.bin` gives the chunk, before a record of
//! the chunk is decoded: a command reads only the chunks it needs, and
//! hashes them on every core. The directory is
//! written beside its destination and renamed into place when the run
//! completes.
//!
//! What a record keeps, and its encoding, are `crate::index_record`'s: the
//! workers encode their chunks' records ([`Prepared`]), and the writer
//! here completes them with positions in its tables.

pub use crate::index_record::{
    BUCKET_SECONDS, IndexRecord, Prepared, PreparedRecord, RecordId, STATUS_WARNINGS, bucket,
    codec, judged_again, prepare,
};

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;
use sha2::{Digest, Sha256};

use crate::index_record::{HashMap, Table};
use crate::report::Sink;
use crate::source::ChunkData;
use crate::status::check::StatusLists;
use crate::status::list::{ListBody, StatusList};
use crate::time::Timestamp;
use crate::verdict::{Verdict, VerdictRecord};
use codec::{Decoder, Encoder};

/// The manifest's `format`.
pub const FORMAT: &str = "credverify-index";

/// The format version this build writes and reads.
pub const VERSION: u64 = 5;

/// Magic numbers opening each binary file.
const RECORDS_MAGIC: &[u8; 8] = b"CVIXREC3";
const TABLES_MAGIC: &[u8; 8] = b"CVIXTAB3";
const BLOCKS_MAGIC: &[u8; 8] = b"CVIXBLK3";
const VERDICTS_MAGIC: &[u8; 8] = b"CVIXVRD3";
const TIMES_MAGIC: &[u8; 8] = b"CVIXTIM3";
const POSTINGS_MAGIC: &[u8; 8] = b"CVIXPST3";

/// Records per block of `blocks.bin`: a record is found by decoding at
/// most this many from its block's start.
pub const BLOCK: u64 = 8;

/// Blocks per chunk of `records.bin`: the unit `blocks.bin` gives a
/// SHA-256 for, checked when a command first decodes a record of it, so
/// that a command that needs few records reads few bytes.
pub const CHUNK_BLOCKS: usize = 64;

/// Records per chunk.
const CHUNK_RECORDS: u64 = CHUNK_BLOCKS as u64 * BLOCK;

/// Per kind of instant, per bucket (day), where in `times.bin` the bitmap
/// of its records is.
type Buckets = [Vec<(i64, std::ops::Range<usize>)>; TIME_KINDS];

/// Blocks per task of [`Index::map_spans`]: 8,192 records, a whole
/// number of chunks.
pub const SPAN_BLOCKS: usize = 1024;
const _: () = assert!(SPAN_BLOCKS.is_multiple_of(CHUNK_BLOCKS));

/// The kinds of instant `times.bin` buckets: validity starts, validity
/// ends, and proofs' `expires`.
pub const TIME_KINDS: usize = 3;

/// One status entry of one record that names a list index: the record's
/// ordinal, the entry's index and size, and the value the run read there
/// (`None` when the list gave none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posting {
    /// The record's position in the index, from 0.
    pub ordinal: u32,
    /// `statusListIndex`.
    pub index: u64,
    /// `statusSize`.
    pub size: u32,
    /// The value the run's list held there.
    pub value: Option<u32>,
}

/// The records whose status names one list URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlPostings {
    /// The URL.
    pub url: String,
    /// [`StatusList::fingerprint`] of the list the run used, if any.
    pub fingerprint: Option<[u8; 32]>,
    /// Every record with an entry naming the URL (or, for an Open Badges
    /// 2.0 assertion, whose issuer's `revocationList` it is).
    pub all: RoaringBitmap,
    /// The entries that name an index, in record order.
    pub postings: Vec<Posting>,
}

/// Why an index could not be written or read; a run-level error (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The index is not one this build reads, or is damaged.
    #[error("{}: {why}", path.display())]
    Refused {
        /// The file that decided it.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_owned(),
        source,
    }
}

fn refused(path: &Path, why: impl Into<String>) -> IndexError {
    IndexError::Refused {
        path: path.to_owned(),
        why: why.into(),
    }
}

/// How a verdict was shaped, besides the instant and the lists: what
/// `recheck` must do alike, kept in the manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// `--strict-status`.
    pub strict_status: bool,
    /// `--trust-fragment-keys`.
    pub trust_fragment_keys: bool,
    /// `--trust-header-jwk`.
    pub trust_header_jwk: bool,
    /// Whether verdicts carry `file`.
    pub named_files: bool,
}

/// What the manifest says besides the files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The instant the run judged at.
    pub as_of: Option<Timestamp>,
    /// Records in the index.
    pub records: u64,
    /// The inputs as named in verdicts.
    pub inputs: Vec<String>,
    /// Options that shaped verdicts.
    pub options: IndexOptions,
    /// The status lists the run used: URL and SHA-256 of the document.
    pub status_lists: Vec<(String, String)>,
}

/// What [`IndexWriter::commit_with`] asks of each status list URL: given
/// the URL and its postings, it sets their values and gives the
/// fingerprint of the list that answered.
pub type Answer<'a> = dyn FnMut(&str, &mut [Posting]) -> Result<Option<[u8; 32]>, IndexError> + 'a;

/// A controller document an index keeps: the URL it is bound to, if any,
/// and its bytes.
pub type Document = (Option<String>, Vec<u8>);

/// A sink that passes every record on to `inner` and writes the index of
/// the run into a temporary directory beside `dest`, renamed into place by
/// [`IndexWriter::commit`].
pub struct IndexWriter<'s> {
    inner: &'s mut dyn Sink,
    dest: PathBuf,
    tmp: PathBuf,
    records: HashingFile,
    tables: Tables,
    count: u64,
    written: u64,
    blocks: Vec<u64>,
    /// The bytes of the chunk being written; the SHA-256 of those before.
    chunk: Encoder,
    chunk_hashes: Vec<[u8; 32]>,
    verdicts: Vec<Ascending>,
    times: [DayBuckets; TIME_KINDS],
    postings: std::collections::BTreeMap<u64, Gathering>,
    with_status: Ascending,
}

/// Per UTC day, the records with an instant of one kind on that day, as
/// the writer gathers them. Records' days come in no order, and a bitmap
/// per day touched at every instant would miss the cache each time; so
/// the instants of 65,536 records at a time (one roaring container's
/// span of ordinals) are sorted by day and appended to each day's bitmap
/// in one go.
#[derive(Default)]
struct DayBuckets {
    days: std::collections::BTreeMap<i64, RoaringBitmap>,
    /// The upper 16 bits of the ordinals in `pending`.
    high: u32,
    /// Per instant, its day and the lower 16 bits of its record's
    /// ordinal in one word ([`DayBuckets::key`]), in ordinal order.
    pending: Vec<u64>,
    /// `pending` sorted by day, and the count per day that sorts it.
    sorted: Vec<u64>,
    counts: Vec<u32>,
}

impl DayBuckets {
    /// What a day is offset by so that every day (`bucket` of an `i64`
    /// second count, less than 2^47 in magnitude) is positive and below
    /// 2^48.
    const DAY_OFFSET: i64 = 1 << 47;

    fn key(day: i64, ordinal: u32) -> u64 {
        ((day + Self::DAY_OFFSET) as u64) << 16 | u64::from(ordinal & 0xffff)
    }

    /// Notes that record `ordinal` has an instant on day `day`; ordinals
    /// never decrease from one call to the next.
    fn add(&mut self, day: i64, ordinal: u32) {
        if ordinal >> 16 != self.high {
            self.flush();
            self.high = ordinal >> 16;
        }
        self.pending.push(Self::key(day, ordinal));
    }

    /// Days spanned beyond which `flush` sorts by comparison rather than
    /// by counting.
    const COUNTED_DAYS: u64 = 1 << 16;

    /// Sorts `pending` by day into `sorted`, keeping ordinal order within
    /// a day: by counting when the days span at most
    /// [`DayBuckets::COUNTED_DAYS`] (archives span years, not ages), else
    /// by comparison.
    fn sort(&mut self) {
        let (lo, hi) = self.pending.iter().fold((u64::MAX, 0), |(lo, hi), k| {
            (lo.min(k >> 16), hi.max(k >> 16))
        });
        self.sorted.clear();
        if self.pending.is_empty() || hi - lo >= Self::COUNTED_DAYS {
            self.sorted.extend_from_slice(&self.pending);
            self.sorted.sort_unstable();
            return;
        }
        self.counts.clear();
        self.counts.resize((hi - lo + 2) as usize, 0);
        for k in &self.pending {
            self.counts[((k >> 16) - lo + 1) as usize] += 1;
        }
        for i in 1..self.counts.len() {
            self.counts[i] += self.counts[i - 1];
        }
        self.sorted.resize(self.pending.len(), 0);
        for &k in &self.pending {
            let slot = &mut self.counts[((k >> 16) - lo) as usize];
            self.sorted[*slot as usize] = k;
            *slot += 1;
        }
    }

    fn flush(&mut self) {
        self.sort();
        // A record with two instants of one kind on one day is there once.
        self.sorted.dedup();
        let high = self.high << 16;
        for run in self.sorted.chunk_by(|a, b| a >> 16 == b >> 16) {
            let day = (run[0] >> 16) as i64 - Self::DAY_OFFSET;
            let bitmap = self.days.entry(day).or_default();
            // Sorted, and above every ordinal of an earlier flush.
            let _ = bitmap.append(run.iter().map(|&k| high | (k & 0xffff) as u32));
        }
        self.pending.clear();
    }

    /// Every day with its records.
    fn finish(mut self) -> std::collections::BTreeMap<i64, RoaringBitmap> {
        self.flush();
        self.days
    }
}

/// A bitmap that ordinals are added to in increasing order, runs of
/// consecutive ordinals (a verdict, having status) inserted as ranges.
/// (Roaring's `push` looks for the bitmap's maximum at every call,
/// scanning a bitmap container's words from the end; `append` pushes.)
#[derive(Clone, Default)]
struct Ascending {
    bitmap: RoaringBitmap,
    /// The run not yet inserted.
    run: std::ops::Range<u32>,
}

impl Ascending {
    /// Adds `ordinal`, not below any ordinal added before (an ordinal
    /// added again is there once).
    fn add(&mut self, ordinal: u32) {
        if ordinal < self.run.end {
            return;
        }
        if ordinal != self.run.end || self.run.is_empty() {
            self.close_run();
            self.run.start = ordinal;
        }
        self.run.end = ordinal + 1;
    }

    fn close_run(&mut self) {
        match self.run.len() {
            0 => {}
            1 => {
                self.bitmap.insert(self.run.start);
            }
            _ => {
                self.bitmap.insert_range(self.run.clone());
            }
        }
        self.run = self.run.end..self.run.end;
    }

    /// The bitmap, each container in its smallest form (ranges leave run
    /// containers where an array or a bitmap is smaller).
    fn finish(mut self) -> RoaringBitmap {
        self.close_run();
        self.bitmap.optimize();
        self.bitmap
    }
}

/// The postings of one list URL, as the writer gathers them.
#[derive(Default)]
struct Gathering {
    all: Ascending,
    postings: Vec<Posting>,
}

/// The writer's tables, and where the values of the chunk being written
/// are in them ([`prepare`]).
#[derive(Default)]
struct Tables {
    issuers: Table<String>,
    keys: Table<[u8; 32]>,
    strings: Table<String>,
    /// The serial of the chunk whose values `positions` holds.
    serial: u64,
    /// Per table (issuers, keys, strings), the position of each of the
    /// chunk's values, [`Tables::UNKNOWN`] until first used.
    positions: [Vec<u64>; 3],
}

impl Tables {
    const UNKNOWN: u64 = u64::MAX;

    /// Takes the values of `record`'s chunk, if it is another chunk's.
    fn enter(&mut self, record: &PreparedRecord<'_>) {
        if record.serial() == self.serial {
            return;
        }
        self.serial = record.serial();
        let local = record.tables();
        let lens = [
            local.issuers.list.len(),
            local.keys.list.len(),
            local.strings.list.len(),
        ];
        for (positions, len) in self.positions.iter_mut().zip(lens) {
            positions.clear();
            positions.resize(len, Self::UNKNOWN);
        }
    }

    /// The position of the chunk's value `local` of the table `slot`
    /// names, given it one if it has none (after [`Tables::enter`]).
    fn position(&mut self, record: &PreparedRecord<'_>, slot: prepare::Slot, local: usize) -> u64 {
        use prepare::Slot;
        let values = record.tables();
        let table = match slot {
            Slot::Issuer => 0,
            Slot::Key => 1,
            Slot::String | Slot::Url => 2,
        };
        let known = &mut self.positions[table][local];
        if *known == Self::UNKNOWN {
            *known = match table {
                0 => self.issuers.id(values.issuers.list[local].as_str()),
                1 => self.keys.id(&values.keys.list[local]),
                _ => self.strings.id(values.strings.list[local].as_str()),
            };
        }
        *known
    }
}

/// A file written through a buffer, hashed as it is written.
struct HashingFile {
    path: PathBuf,
    out: BufWriter<fs::File>,
    hash: Sha256,
    bytes: u64,
}

impl HashingFile {
    fn create(path: PathBuf) -> Result<HashingFile, IndexError> {
        let file = fs::File::create(&path).map_err(io_error(&path))?;
        Ok(HashingFile {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Flushes and syncs; the size and SHA-256 in hex.
    fn finish(mut self) -> Result<(u64, String), IndexError> {
        self.out.flush().map_err(io_error(&self.path))?;
        let file = self.out.get_ref();
        file.sync_all().map_err(io_error(&self.path))?;
        Ok((self.bytes, hex(&self.hash.finalize())))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The temporary directory an index to `dest` is written in.
pub fn temporary_dir(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.credverify-{}.tmp", std::process::id()))
}

impl<'s> IndexWriter<'s> {
    /// Starts an index to `dest` (which must not exist, or be an empty
    /// directory), passing records on to `inner`.
    pub fn create(inner: &'s mut dyn Sink, dest: &Path) -> Result<IndexWriter<'s>, IndexError> {
        if let Ok(mut entries) = fs::read_dir(dest)
            && entries.next().is_some()
        {
            return Err(refused(dest, "the index directory exists and is not empty"));
        }
        let tmp = temporary_dir(dest);
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(io_error(&tmp))?;
        let records = HashingFile::create(tmp.join("records.bin"))?;
        let mut writer = IndexWriter {
            inner,
            dest: dest.to_owned(),
            tmp,
            records,
            tables: Tables::default(),
            count: 0,
            written: 0,
            blocks: Vec::new(),
            chunk: Encoder::default(),
            chunk_hashes: Vec::new(),
            verdicts: vec![Ascending::default(); Verdict::ALL.len()],
            times: Default::default(),
            postings: std::collections::BTreeMap::new(),
            with_status: Ascending::default(),
        };
        writer
            .records
            .write(RECORDS_MAGIC)
            .map_err(io_error(&writer.records.path))?;
        Ok(writer)
    }

    /// Where the index is being written.
    pub fn temporary(&self) -> &Path {
        &self.tmp
    }

    /// Writes the tables, the documents and the manifest, then renames
    /// the directory into place. `documents` are the controller documents
    /// (bound URL, bytes); `contexts` the `--contexts` directory.
    pub fn commit(
        self,
        manifest: &Manifest,
        documents: &[(Option<String>, Vec<u8>)],
        contexts: Option<&Path>,
        lists: &StatusLists,
    ) -> Result<(), IndexError> {
        self.commit_with(manifest, documents, contexts, &mut |url, postings| {
            let list = lists.get(url);
            for p in postings {
                p.value = list.and_then(|l| value_at(l, p));
            }
            Ok(list.map(StatusList::fingerprint))
        })
    }

    /// [`IndexWriter::commit`], with the status answers `answer` gives:
    /// for each list URL and the postings naming it (in record order), it
    /// sets each posting's value and returns the fingerprint of the list
    /// that answered, if one did.
    pub fn commit_with(
        self,
        manifest: &Manifest,
        documents: &[(Option<String>, Vec<u8>)],
        contexts: Option<&Path>,
        answer: &mut Answer<'_>,
    ) -> Result<(), IndexError> {
        let IndexWriter {
            dest,
            tmp,
            mut records,
            tables,
            count,
            blocks,
            chunk,
            mut chunk_hashes,
            verdicts,
            times,
            postings,
            with_status,
            ..
        } = self;
        if !chunk.buf.is_empty() {
            chunk_hashes.push(Sha256::digest(&chunk.buf).into());
            records.write(&chunk.buf).map_err(io_error(&records.path))?;
        }
        let Tables {
            issuers,
            keys,
            strings,
            ..
        } = tables;
        let mut files: Vec<(String, u64, String)> = Vec::new();
        let (bytes, sha) = records.finish()?;
        files.push(("records.bin".into(), bytes, sha));
        let mut e = Encoder::default();
        e.bytes(TABLES_MAGIC);
        e.uint(issuers.list.len() as u64);
        for issuer in &issuers.list {
            e.str(issuer);
        }
        e.uint(keys.list.len() as u64);
        for key in &keys.list {
            e.bytes(key);
        }
        e.uint(strings.list.len() as u64);
        for s in &strings.list {
            e.str(s);
        }
        files.push(write_file(&tmp, "tables.bin", &e.buf)?);
        let mut e = Encoder::default();
        e.bytes(BLOCKS_MAGIC);
        e.uint(blocks.len() as u64);
        let mut previous = 0;
        for offset in &blocks {
            e.uint(offset - previous);
            previous = *offset;
        }
        e.uint(chunk_hashes.len() as u64);
        for hash in &chunk_hashes {
            e.bytes(hash);
        }
        files.push(write_file(&tmp, "blocks.bin", &e.buf)?);
        let mut e = Encoder::default();
        e.bytes(VERDICTS_MAGIC);
        e.uint(verdicts.len() as u64);
        for b in verdicts {
            e.bitmap(&b.finish());
        }
        files.push(write_file(&tmp, "verdicts.bin", &e.buf)?);
        let mut e = Encoder::default();
        e.bytes(TIMES_MAGIC);
        for kind in times {
            let kind = kind.finish();
            e.uint(kind.len() as u64);
            for (day, b) in &kind {
                e.int(*day);
                e.bitmap(b);
            }
        }
        files.push(write_file(&tmp, "times.bin", &e.buf)?);
        let mut e = Encoder::default();
        e.bytes(POSTINGS_MAGIC);
        e.bitmap(&with_status.finish());
        e.uint(postings.len() as u64);
        for (id, mut url) in postings {
            let fingerprint = answer(&strings.list[id as usize], &mut url.postings)?;
            e.uint(id);
            match fingerprint {
                None => e.uint(0),
                Some(f) => {
                    e.uint(1);
                    e.bytes(&f);
                }
            }
            e.bitmap(&url.all.finish());
            e.uint(url.postings.len() as u64);
            let mut previous = 0;
            for p in &url.postings {
                e.uint(u64::from(p.ordinal - previous));
                previous = p.ordinal;
                e.uint(p.index);
                e.uint(u64::from(p.size));
                e.uint(p.value.map_or(0, |v| u64::from(v) + 1));
            }
        }
        files.push(write_file(&tmp, "postings.bin", &e.buf)?);
        // The documents, each a file of `dids/`, bound ones through an
        // `index.json` as `--dids` reads a directory.
        let dids = tmp.join("dids");
        fs::create_dir_all(&dids).map_err(io_error(&dids))?;
        let mut bound = Vec::new();
        for (i, (url, bytes)) in documents.iter().enumerate() {
            let name = format!("{i:06}.json");
            let path = dids.join(&name);
            fs::write(&path, bytes).map_err(io_error(&path))?;
            files.push((
                format!("dids/{name}"),
                bytes.len() as u64,
                hex(&Sha256::digest(bytes)),
            ));
            if let Some(url) = url {
                bound.push(format!("{}:{}", quoted(url), quoted(&name)));
            }
        }
        if !bound.is_empty() {
            let text = format!("{{{}}}\n", bound.join(","));
            let path = dids.join("index.json");
            fs::write(&path, &text).map_err(io_error(&path))?;
            files.push((
                "dids/index.json".into(),
                text.len() as u64,
                hex(&Sha256::digest(&text)),
            ));
        }
        if let Some(dir) = contexts {
            for (rel, bytes) in context_files(dir)? {
                let path = tmp.join("contexts").join(&rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(io_error(parent))?;
                }
                fs::write(&path, &bytes).map_err(io_error(&path))?;
                files.push((
                    format!("contexts/{rel}"),
                    bytes.len() as u64,
                    hex(&Sha256::digest(&bytes)),
                ));
            }
        }
        let manifest = Manifest {
            records: count,
            ..manifest.clone()
        };
        let text = manifest_json(&manifest, &files, contexts.is_some());
        let path = tmp.join("manifest.json");
        fs::write(&path, text).map_err(io_error(&path))?;
        let _ = fs::remove_dir(&dest);
        fs::rename(&tmp, &dest).map_err(io_error(&dest))
    }

    /// Removes the temporary directory (a run that failed).
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }

    /// Files record `ordinal`, from `input` and `line`, with verdict
    /// `verdict`, and appends its bytes to the chunk's.
    fn put(&mut self, input: usize, line: u64, verdict: Verdict, record: &PreparedRecord<'_>) {
        let ordinal = self.count as u32;
        self.tables.enter(record);
        self.verdicts[verdict as usize].add(ordinal);
        for &(kind, day) in record.times() {
            self.times[usize::from(kind)].add(day, ordinal);
        }
        if record.has_status() {
            self.with_status.add(ordinal);
        }
        for named in record.named() {
            let id = self
                .tables
                .position(record, prepare::Slot::String, named.url);
            let postings = self.postings.entry(id).or_default();
            postings.all.add(ordinal);
            if let Some((index, size)) = named.at {
                postings.postings.push(Posting {
                    ordinal,
                    index,
                    size,
                    value: None,
                });
            }
        }
        let e = &mut self.chunk;
        e.uint(input as u64);
        e.uint(line);
        let (bytes, mut from, end) = record.bytes();
        for patch in record.patches() {
            e.bytes(&bytes[from..patch.at]);
            from = patch.at;
            let position = self.tables.position(record, patch.slot, patch.local);
            e.uint(position + u64::from(patch.slot == prepare::Slot::Url));
        }
        e.bytes(&bytes[from..end]);
    }
}

impl Sink for IndexWriter<'_> {
    /// A record without its index part: an error, since the index would
    /// lack it.
    fn record(&mut self, _: usize, _: u64, _: &VerdictRecord<'_>) -> io::Result<()> {
        Err(io::Error::other(
            "a record reached the index writer without its index part",
        ))
    }

    fn record_indexed(
        &mut self,
        input: usize,
        line: u64,
        record: &VerdictRecord<'_>,
        part: PreparedRecord<'_>,
    ) -> io::Result<()> {
        self.inner.record(input, line, record)?;
        self.add(input, line, record.problems.verdict(), part)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }
}

impl IndexWriter<'_> {
    /// Files the next record, from `input` and `line`, with verdict
    /// `verdict`, without passing it on: [`Sink::record_indexed`], and
    /// `merge` joining the indexes of a run's parts.
    pub fn add(
        &mut self,
        input: usize,
        line: u64,
        verdict: Verdict,
        part: PreparedRecord<'_>,
    ) -> io::Result<()> {
        if self.count >= u64::from(u32::MAX) {
            return Err(io::Error::other(
                "an index holds at most 4,294,967,295 records",
            ));
        }
        if self.count.is_multiple_of(BLOCK) {
            self.blocks.push(self.written);
        }
        let before = self.chunk.buf.len();
        self.put(input, line, verdict, &part);
        self.written += (self.chunk.buf.len() - before) as u64;
        self.count += 1;
        if self.count.is_multiple_of(CHUNK_RECORDS) {
            self.chunk_hashes
                .push(Sha256::digest(&self.chunk.buf).into());
            let result = self.records.write(&self.chunk.buf);
            self.chunk.buf.clear();
            result?;
        }
        Ok(())
    }
}

/// The value `list` holds at `p`'s index, when it holds bits there.
fn value_at(list: &StatusList, p: &Posting) -> Option<u32> {
    match &list.body {
        ListBody::Bits { bits, .. } => bits.value(p.index, p.size),
        ListBody::Revoked(_) => None,
    }
}

/// Writes `bytes` as the file `name` of the index being written; its
/// manifest entry.
fn write_file(tmp: &Path, name: &str, bytes: &[u8]) -> Result<(String, u64, String), IndexError> {
    let mut file = HashingFile::create(tmp.join(name))?;
    file.write(bytes).map_err(io_error(&file.path))?;
    let (size, sha) = file.finish()?;
    Ok((name.to_owned(), size, sha))
}

fn quoted(s: &str) -> String {
    let mut out = Vec::new();
    crate::json::write::write_string(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

/// The files of a `--contexts` directory: its `index.json` and every file
/// it names, by path below the directory.
fn context_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let index_path = dir.join("index.json");
    let index = fs::read(&index_path).map_err(io_error(&index_path))?;
    let names: Vec<String> = crate::json::JsonParser::default()
        .with_doc(&index, |v| {
            v.members()
                .filter_map(|(_, f)| f.as_str().map(str::to_owned))
                .collect()
        })
        .map_err(|p| refused(&index_path, format!("not JSON ({p})")))?;
    let mut files = vec![("index.json".to_owned(), index)];
    for name in names {
        if name.contains("..") || Path::new(&name).is_absolute() {
            return Err(refused(
                &index_path,
                format!("{name} is outside the directory"),
            ));
        }
        if files.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let path = dir.join(&name);
        let bytes = fs::read(&path).map_err(io_error(&path))?;
        files.push((name, bytes));
    }
    Ok(files)
}

fn manifest_json(m: &Manifest, files: &[(String, u64, String)], contexts: bool) -> String {
    let mut as_of = Vec::new();
    if let Some(t) = m.as_of {
        t.write_rfc3339(&mut as_of);
    }
    let inputs: Vec<String> = m.inputs.iter().map(|i| quoted(i)).collect();
    let lists: Vec<String> = m
        .status_lists
        .iter()
        .map(|(url, sha)| format!("{{\"url\":{},\"sha256\":\"{sha}\"}}", quoted(url)))
        .collect();
    let files: Vec<String> = files
        .iter()
        .map(|(name, bytes, sha)| {
            format!(
                "{}:{{\"bytes\":{bytes},\"sha256\":\"{sha}\"}}",
                quoted(name)
            )
        })
        .collect();
    format!(
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"credverify\":\"{}\",\"as_of\":\"{}\",\"records\":{},\"inputs\":[{}],\"options\":{{\"strict_status\":{},\"trust_fragment_keys\":{},\"trust_header_jwk\":{},\"named_files\":{}}},\"contexts\":{contexts},\"status_lists\":[{}],\"files\":{{{}}}}}\n",
        env!("CARGO_PKG_VERSION"),
        String::from_utf8_lossy(&as_of),
        m.records,
        inputs.join(","),
        m.options.strict_status,
        m.options.trust_fragment_keys,
        m.options.trust_header_jwk,
        m.options.named_files,
        lists.join(","),
        files.join(",")
    )
}

/// An index read back, every file checked against the manifest.
#[derive(Debug)]
pub struct Index {
    /// What the manifest says.
    pub manifest: Manifest,
    /// The directory.
    pub dir: PathBuf,
    /// Whether the index holds contexts (`contexts/`).
    pub contexts: bool,
    /// `records.bin` after its magic, mapped (or read when it cannot be).
    records: ChunkData,
    /// Per chunk of `records.bin`, its SHA-256 from `blocks.bin`, and
    /// whether its bytes matched it, known once a command first used it.
    chunk_hashes: Vec<[u8; 32]>,
    chunks_checked: Vec<std::sync::OnceLock<bool>>,
    issuers: Vec<String>,
    keys: Vec<[u8; 32]>,
    strings: Vec<String>,
    /// The byte offset (after the magic) of every [`BLOCK`]-th record.
    blocks: Vec<u64>,
    /// The records of each verdict when the index was written, by the
    /// verdict's position in the vocabulary.
    pub verdicts: Vec<RoaringBitmap>,
    /// `times.bin`, whose bitmaps are decoded only when a bucket is used.
    times_bytes: Vec<u8>,
    /// Per kind of instant ([`TIME_KINDS`]), per bucket (day), where in
    /// `times_bytes` the bitmap of its records is.
    times: Buckets,
    /// The records with status (entries, or an Open Badges 2.0 issuer's
    /// `revocationList`).
    pub with_status: RoaringBitmap,
    /// The status postings, one per list URL.
    pub postings: Vec<UrlPostings>,
}

impl Index {
    /// The controller documents the index keeps (`dids/`), in the order
    /// the run gave them, each with the URL it is bound to: what
    /// [`IndexWriter::commit`] took.
    pub fn documents(&self) -> Result<Vec<Document>, IndexError> {
        let dids = self.dir.join("dids");
        let index_path = dids.join("index.json");
        let bound: Vec<(String, String)> = match fs::read(&index_path) {
            Ok(text) => crate::json::JsonParser::default()
                .with_doc(&text, |v| {
                    v.members()
                        .filter_map(|(url, f)| Some((url.to_owned(), f.as_str()?.to_owned())))
                        .collect()
                })
                .map_err(|p| refused(&index_path, format!("not JSON ({p})")))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_error(&index_path)(e)),
        };
        let mut documents = Vec::new();
        for i in 0.. {
            let name = format!("{i:06}.json");
            let path = dids.join(&name);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(io_error(&path)(e)),
            };
            let url = bound
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(u, _)| u.clone());
            documents.push((url, bytes));
        }
        Ok(documents)
    }

    /// Reads the index at `dir`: the manifest, then every file it names,
    /// each checked for size and SHA-256 before it is used.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        let manifest_path = dir.join("manifest.json");
        let text = fs::read(&manifest_path).map_err(io_error(&manifest_path))?;
        let bad = |why: &str| refused(&manifest_path, why.to_owned());
        let mut parser = crate::json::JsonParser::default();
        let (manifest, files, contexts) = parser
            .with_doc(&text, |v| -> Result<_, IndexError> {
                let s = |k: &str| v.get(k).and_then(crate::json::Value::as_str);
                if s("format") != Some(FORMAT) {
                    return Err(bad("not a credverify index (format)"));
                }
                let version = v.get("version").and_then(crate::json::Value::as_u64);
                if version != Some(VERSION) {
                    return Err(bad(&format!(
                        "format version {version:?}; this build reads version {VERSION}"
                    )));
                }
                let as_of = s("as_of")
                    .and_then(|t| Timestamp::parse(t).ok())
                    .ok_or_else(|| bad("no as_of"))?;
                let records = v
                    .get("records")
                    .and_then(crate::json::Value::as_u64)
                    .ok_or_else(|| bad("no records count"))?;
                let inputs = v
                    .get("inputs")
                    .filter(|i| i.is_array())
                    .ok_or_else(|| bad("no inputs"))?
                    .elements()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| bad("an input is not a string"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let options = v.get("options").ok_or_else(|| bad("no options"))?;
                let flag = |k: &str| {
                    options
                        .get(k)
                        .and_then(|f| match f.node() {
                            simd_json::Node::Static(simd_json::StaticNode::Bool(b)) => Some(b),
                            _ => None,
                        })
                        .ok_or_else(|| bad(&format!("no option {k}")))
                };
                let options = IndexOptions {
                    strict_status: flag("strict_status")?,
                    trust_fragment_keys: flag("trust_fragment_keys")?,
                    trust_header_jwk: flag("trust_header_jwk")?,
                    named_files: flag("named_files")?,
                };
                let contexts = matches!(
                    v.get("contexts").map(|c| c.node()),
                    Some(simd_json::Node::Static(simd_json::StaticNode::Bool(true)))
                );
                let status_lists = v
                    .get("status_lists")
                    .map(|l| {
                        l.elements()
                            .filter_map(|e| {
                                Some((
                                    e.get("url")?.as_str()?.to_owned(),
                                    e.get("sha256")?.as_str()?.to_owned(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let files = v
                    .get("files")
                    .filter(|f| f.is_object())
                    .ok_or_else(|| bad("no files"))?
                    .members()
                    .map(|(name, f)| {
                        let bytes = f.get("bytes").and_then(crate::json::Value::as_u64);
                        let sha = f.get("sha256").and_then(crate::json::Value::as_str);
                        match (bytes, sha) {
                            (Some(b), Some(s)) => Ok((name.to_owned(), b, s.to_owned())),
                            _ => Err(bad("a file without bytes or sha256")),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let manifest = Manifest {
                    as_of: Some(as_of),
                    records,
                    inputs,
                    options,
                    status_lists,
                };
                Ok((manifest, files, contexts))
            })
            .map_err(|p| refused(&manifest_path, format!("not JSON ({p})")))??;
        let mut read = HashMap::default();
        let mut records = None;
        for (name, bytes, sha) in &files {
            if name.contains("..") || Path::new(name).is_absolute() {
                return Err(bad(&format!("{name} is outside the index")));
            }
            let path = dir.join(name);
            if name == "records.bin" {
                // Checked chunk by chunk as it is used, against the
                // SHA-256 `blocks.bin` gives each chunk.
                let data = open_records(&path, *bytes)?;
                records = Some((path, data));
                continue;
            }
            let data = fs::read(&path).map_err(io_error(&path))?;
            if data.len() as u64 != *bytes {
                return Err(refused(
                    &path,
                    format!("{} bytes, the manifest says {bytes}", data.len()),
                ));
            }
            if hex(&Sha256::digest(&data)) != *sha {
                return Err(refused(
                    &path,
                    "its SHA-256 is not the manifest's: the file changed",
                ));
            }
            if name.ends_with(".bin") {
                read.insert(name.clone(), data);
            }
        }
        let mut take = |name: &str| -> Result<(PathBuf, Vec<u8>), IndexError> {
            let data = read
                .remove(name)
                .ok_or_else(|| bad(&format!("no {name}")))?;
            Ok((dir.join(name), data))
        };
        let n = manifest.records;
        let (records_path, records) = records.ok_or_else(|| bad("no records.bin"))?;
        let (tables_path, tables_bytes) = take("tables.bin")?;
        let (issuer_list, keys, strings) =
            read_tables(&tables_bytes).map_err(|why| refused(&tables_path, why))?;
        let (blocks_path, blocks_bytes) = take("blocks.bin")?;
        let (blocks, chunk_hashes) = read_blocks(&blocks_bytes, n, records.bytes().len() as u64)
            .map_err(|why| refused(&blocks_path, why))?;
        if n == 0 && !records.bytes().is_empty() {
            return Err(refused(&records_path, "bytes but no record"));
        }
        let (verdicts_path, verdicts_bytes) = take("verdicts.bin")?;
        let verdicts =
            read_verdicts(&verdicts_bytes, n).map_err(|why| refused(&verdicts_path, why))?;
        let (times_path, times_bytes) = take("times.bin")?;
        let times = read_times(&times_bytes).map_err(|why| refused(&times_path, why))?;
        let (postings_path, postings_bytes) = take("postings.bin")?;
        let (with_status, postings) = read_postings(&postings_bytes, n, &strings)
            .map_err(|why| refused(&postings_path, why))?;
        let index = Index {
            manifest,
            dir: dir.to_owned(),
            contexts,
            records,
            chunks_checked: chunk_hashes.iter().map(|_| Default::default()).collect(),
            chunk_hashes,
            issuers: issuer_list,
            keys,
            strings,
            blocks,
            verdicts,
            times_bytes,
            times,
            with_status,
            postings,
        };
        Ok(index)
    }

    /// The bytes of chunk `chunk` of `records.bin` (after the magic), once
    /// their SHA-256 is the one `blocks.bin` gives, and where they start.
    fn chunk(&self, chunk: usize) -> Result<(u64, &[u8]), IndexError> {
        let body = self.records.bytes();
        // `read_blocks` keeps offsets increasing and within the file, the
        // first at 0, and gives every chunk a hash.
        let start = self.blocks[chunk * CHUNK_BLOCKS];
        let end = self
            .blocks
            .get((chunk + 1) * CHUNK_BLOCKS)
            .map_or(body.len(), |&e| e as usize);
        let bytes = &body[start as usize..end];
        let matches = *self.chunks_checked[chunk]
            .get_or_init(|| Sha256::digest(bytes).as_slice() == self.chunk_hashes[chunk]);
        if !matches {
            return Err(refused(
                &self.dir.join("records.bin"),
                format!(
                    "the SHA-256 of bytes {start} to {end} (records from {}) is not the one blocks.bin gives: the file changed",
                    chunk as u64 * CHUNK_RECORDS
                ),
            ));
        }
        Ok((start, bytes))
    }

    /// Decodes records from the start of block `block` in order, calling
    /// `f` with each one's ordinal and the record until it returns
    /// `false`. Each chunk's SHA-256 is checked before a record of it is
    /// decoded, and each record against the lookup files as it is read:
    /// a block starts where `blocks.bin` says, a record is under the
    /// verdict `verdicts.bin` gives it, and each chunk holds the records
    /// `blocks.bin` gives it; a record that breaks any of this is an
    /// error, so a caller that must not act on part of a damaged index
    /// reads first ([`Index::check`]).
    fn walk<'s, E: From<IndexError>>(
        &'s self,
        mut block: usize,
        mut f: impl FnMut(u32, IndexRecord<'s>) -> Result<bool, E>,
    ) -> Result<(), E> {
        // Named only when something is wrong: walks are many and short.
        let path = || self.dir.join("records.bin");
        while block < self.blocks.len() {
            let chunk = block / CHUNK_BLOCKS;
            let (chunk_start, bytes) = self.chunk(chunk)?;
            let from = self.blocks[block];
            let skip = usize::try_from(from - chunk_start).unwrap_or(bytes.len());
            let mut d = Decoder::new(&bytes[skip..]);
            let mut ordinal = block as u64 * BLOCK;
            let end = ((chunk as u64 + 1) * CHUNK_RECORDS).min(self.manifest.records);
            while !d.is_empty() {
                let at = chunk_start + (bytes.len() - d.remaining()) as u64;
                let damaged =
                    |why: String| refused(&path(), format!("record {ordinal} at byte {at}: {why}"));
                if ordinal >= end {
                    return Err(damaged(format!(
                        "more records than the {} blocks.bin and the manifest give its chunk",
                        end - chunk as u64 * CHUNK_RECORDS
                    ))
                    .into());
                }
                if ordinal.is_multiple_of(BLOCK)
                    && self.blocks.get((ordinal / BLOCK) as usize) != Some(&at)
                {
                    return Err(damaged("not where blocks.bin puts its block".into()).into());
                }
                let rec = codec::decode_record(
                    &mut d,
                    &self.issuers,
                    &self.keys,
                    &self.strings,
                    self.manifest.inputs.len(),
                )
                .map_err(&damaged)?;
                let here = ordinal as u32;
                if !self.verdicts[rec.verdict as usize].contains(here) {
                    return Err(damaged("not under its verdict in verdicts.bin".into()).into());
                }
                ordinal += 1;
                if !f(here, rec)? {
                    return Ok(());
                }
            }
            if ordinal != end {
                return Err(refused(
                    &path(),
                    format!(
                        "the chunk of records from {} ends after record {ordinal}; blocks.bin and the manifest give it {}",
                        chunk as u64 * CHUNK_RECORDS,
                        end - chunk as u64 * CHUNK_RECORDS
                    ),
                )
                .into());
            }
            block = (chunk + 1) * CHUNK_BLOCKS;
        }
        Ok(())
    }

    /// Decodes every record `set` holds (every record when `None`), as
    /// [`Index::for_each_in`] would, without judging any: an error here
    /// means the index must be refused before a verdict is written.
    pub fn check(&self, set: Option<&RoaringBitmap>) -> Result<(), IndexError> {
        self.map_spans(set, || (), |(), _, _| {}, |()| Ok::<(), IndexError>(()))
    }

    /// Calls `f` with every record whose ordinal `wanted` yields (in
    /// increasing order), decoding only the blocks that hold them.
    pub fn for_each_in<'s, E: From<IndexError>>(
        &'s self,
        wanted: impl IntoIterator<Item = u32>,
        mut f: impl FnMut(u32, IndexRecord<'s>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut wanted = wanted.into_iter().peekable();
        while let Some(&first) = wanted.peek() {
            let block = (u64::from(first) / BLOCK) as usize;
            if block >= self.blocks.len() {
                return Ok(());
            }
            self.walk::<E>(block, |here, rec| {
                if wanted.peek() == Some(&here) {
                    wanted.next();
                    f(here, rec)?;
                }
                let next = u64::from(here) + 1;
                Ok(!next.is_multiple_of(BLOCK) && wanted.peek().is_some())
            })?;
        }
        Ok(())
    }

    /// Decodes the records `set` holds (every record when `None`) and
    /// applies `map` to each on all of rayon's threads, then hands each
    /// record that `map` kept and its result to `consume` in record order
    /// ([`Index::map_spans`]).
    pub fn map_in_parallel<'s, T: Send, E: From<IndexError>>(
        &'s self,
        set: Option<&RoaringBitmap>,
        map: impl Fn(u32, IndexRecord<'s>) -> Option<T> + Sync,
        mut consume: impl FnMut(u32, T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.map_spans(
            set,
            Vec::new,
            |kept: &mut Vec<(u32, T)>, ordinal, rec| {
                if let Some(t) = map(ordinal, rec) {
                    kept.push((ordinal, t));
                }
            },
            |kept| kept.into_iter().try_for_each(|(o, t)| consume(o, t)),
        )
    }

    /// Decodes the records `set` holds (every record when `None`), a span
    /// of [`SPAN_BLOCKS`] blocks at a time on each of rayon's threads
    /// (as many threads as its pool has): each span's records are folded
    /// into a state that `start` makes, by `each`, in record order, and
    /// the states are handed to `consume` in span order on the calling
    /// thread while later spans are decoded. At most four spans per thread
    /// are decoded and not yet consumed.
    pub fn map_spans<'s, S: Send, E: From<IndexError>>(
        &'s self,
        set: Option<&RoaringBitmap>,
        start: impl Fn() -> S + Sync,
        each: impl Fn(&mut S, u32, IndexRecord<'s>) + Sync,
        mut consume: impl FnMut(S) -> Result<(), E>,
    ) -> Result<(), E> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let spans = self.blocks.len().div_ceil(SPAN_BLOCKS);
        let threads = rayon::current_num_threads().clamp(1, spans.max(1));
        let window = 4 * threads;
        let records = self.manifest.records;
        let one = |span: usize| -> Result<S, IndexError> {
            let first = span * SPAN_BLOCKS;
            let from = first as u64 * BLOCK;
            let end = ((first + SPAN_BLOCKS) as u64 * BLOCK).min(records);
            let mut state = start();
            match set {
                None => self.walk::<IndexError>(first, |ordinal, rec| {
                    each(&mut state, ordinal, rec);
                    Ok(u64::from(ordinal) + 1 < end)
                })?,
                // Ordinals fit u32 (the writer refuses more).
                Some(set) => self.for_each_in::<IndexError>(
                    set.range(from as u32..end as u32),
                    |ordinal, rec| {
                        each(&mut state, ordinal, rec);
                        Ok(())
                    },
                )?,
            }
            Ok(state)
        };
        // A worker takes a ticket before it claims the next span, and the
        // consumer gives one back for each span it consumes: so no more
        // than `window` spans wait, however slow the consumer.
        let (tickets, ticket) = crossbeam_channel::bounded::<()>(window);
        for _ in 0..window {
            let _ = tickets.send(());
        }
        // A span's outcome, or the panic of the worker that decoded it,
        // passed on to the calling thread: a worker that died silently
        // would leave the consumer waiting for its span forever.
        type Done<S> = (usize, std::thread::Result<Result<S, IndexError>>);
        let (done_tx, done) = crossbeam_channel::unbounded::<Done<S>>();
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (ticket, done_tx, next, stop, one) =
                    (&ticket, done_tx.clone(), &next, &stop, &one);
                scope.spawn(move || {
                    while ticket.recv().is_ok() && !stop.load(Ordering::Relaxed) {
                        let span = next.fetch_add(1, Ordering::Relaxed);
                        if span >= spans {
                            break;
                        }
                        let out =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(span)));
                        let panicked = out.is_err();
                        if done_tx.send((span, out)).is_err() || panicked {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut waiting = std::collections::BTreeMap::new();
            let mut wanted = 0;
            let result = (|| -> Result<(), E> {
                while wanted < spans {
                    let Some(state) = waiting.remove(&wanted) else {
                        let Ok((span, state)) = done.recv() else {
                            break;
                        };
                        waiting.insert(span, state);
                        continue;
                    };
                    let state = match state {
                        Ok(state) => state.map_err(E::from)?,
                        // Unwinding drops the tickets, which stops the
                        // other workers; the scope then re-raises it.
                        Err(panic) => {
                            stop.store(true, Ordering::Relaxed);
                            std::panic::resume_unwind(panic)
                        }
                    };
                    wanted += 1;
                    let _ = tickets.send(());
                    consume(state)?;
                }
                Ok(())
            })();
            stop.store(true, Ordering::Relaxed);
            // Wake every worker waiting for a ticket.
            drop(tickets);
            result
        })
    }

    /// The records whose verdict at `as_of` with `lists` may differ from
    /// their verdict when the index was written (a superset): those with an
    /// instant in a bucket between the index's instant and `as_of`, both
    /// included; those naming a list URL whose list now answers otherwise
    /// than the run's did apart from its bits ([`StatusList::fingerprint`]),
    /// or is there now and was not, or was and is not; and those whose
    /// entry's value in the list now differs from the value the run read.
    /// With `lists` `None`, every record with status (as when status is
    /// not judged at all).
    pub fn candidates(
        &self,
        as_of: Timestamp,
        lists: Option<&StatusLists>,
    ) -> Result<RoaringBitmap, IndexError> {
        let written = self.manifest.as_of.unwrap_or(as_of);
        let (lo, hi) = (bucket(written.min(as_of)), bucket(written.max(as_of)));
        let mut out = self.buckets(&[0, 1, 2], lo, hi)?;
        let Some(lists) = lists else {
            out |= &self.with_status;
            return Ok(out);
        };
        for url in &self.postings {
            let list = lists.get(&url.url);
            if list.map(StatusList::fingerprint) != url.fingerprint {
                out |= &url.all;
                continue;
            }
            let Some(list) = list else { continue };
            for p in &url.postings {
                if value_at(list, p) != p.value {
                    out.insert(p.ordinal);
                }
            }
        }
        Ok(out)
    }

    /// The records with an instant of one of `kinds` ([`TIME_KINDS`]) in a
    /// bucket from day `first` to day `last`, both included; the buckets'
    /// bitmaps are decoded (and checked) here, only those in the span.
    pub fn buckets(
        &self,
        kinds: &[usize],
        first: i64,
        last: i64,
    ) -> Result<RoaringBitmap, IndexError> {
        let mut out = RoaringBitmap::new();
        for &kind in kinds {
            self.each_bucket(kind, first, last, |_, b| out |= b)?;
        }
        Ok(out)
    }

    /// Calls `f` with each bucket of instants of kind `kind`
    /// ([`TIME_KINDS`]) from day `first` to day `last`, both included, in
    /// increasing order: its day and its records.
    pub fn each_bucket(
        &self,
        kind: usize,
        first: i64,
        last: i64,
        mut f: impl FnMut(i64, RoaringBitmap),
    ) -> Result<(), IndexError> {
        let Some(kind) = self.times.get(kind) else {
            return Ok(());
        };
        let start = kind.partition_point(|(day, _)| *day < first);
        for (day, at) in kind[start..].iter().take_while(|(day, _)| *day <= last) {
            let b = Decoder::new(&self.times_bytes[at.clone()])
                .bitmap(self.manifest.records)
                .map_err(|why| refused(&self.dir.join("times.bin"), why))?;
            f(*day, b);
        }
        Ok(())
    }

    /// The number of records.
    pub fn len(&self) -> u64 {
        self.manifest.records
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.manifest.records == 0
    }
}

type Decoded<T> = Result<T, codec::DecodeError>;

/// `tables.bin`: the issuers, the keys and the other strings.
#[allow(clippy::type_complexity)]
fn read_tables(bytes: &[u8]) -> Decoded<(Vec<String>, Vec<[u8; 32]>, Vec<String>)> {
    let mut d = Decoder::new(bytes);
    if d.bytes(8)? != TABLES_MAGIC {
        return Err("not a tables file".into());
    }
    let mut issuers = Vec::new();
    for _ in 0..d.count(1)? {
        issuers.push(d.str()?.to_owned());
    }
    let mut keys = Vec::new();
    for _ in 0..d.count(32)? {
        let mut key = [0u8; 32];
        key.copy_from_slice(d.bytes(32)?);
        keys.push(key);
    }
    let mut strings = Vec::new();
    for _ in 0..d.count(1)? {
        strings.push(d.str()?.to_owned());
    }
    if !d.is_empty() {
        return Err("bytes after the tables".into());
    }
    Ok((issuers, keys, strings))
}

/// `blocks.bin`: one offset per [`BLOCK`] of the `records` records,
/// increasing from 0, within the `size` bytes of `records.bin` after its
/// magic; then a SHA-256 per [`CHUNK_BLOCKS`] blocks.
#[allow(clippy::type_complexity)]
fn read_blocks(bytes: &[u8], records: u64, size: u64) -> Decoded<(Vec<u64>, Vec<[u8; 32]>)> {
    let mut d = Decoder::new(bytes);
    if d.bytes(8)? != BLOCKS_MAGIC {
        return Err("not a blocks file".into());
    }
    let n = d.count(1)?;
    if n as u64 != records.div_ceil(BLOCK) {
        return Err(format!("{n} blocks for {records} records"));
    }
    let mut blocks = Vec::with_capacity(n);
    let mut at = 0u64;
    for i in 0..n {
        let delta = d.uint()?;
        if (i == 0) != (delta == 0) {
            return Err("a block that starts nowhere it can".into());
        }
        at = at
            .checked_add(delta)
            .filter(|a| *a < size)
            .ok_or("a block beyond records.bin")?;
        blocks.push(at);
    }
    let chunks = d.count(32)?;
    if chunks != n.div_ceil(CHUNK_BLOCKS) {
        return Err(format!("{chunks} chunk hashes for {n} blocks"));
    }
    let hashes = (0..chunks)
        .map(|_| {
            d.bytes(32)
                .map(|h| <[u8; 32]>::try_from(h).unwrap_or_default())
        })
        .collect::<Decoded<Vec<_>>>()?;
    if !d.is_empty() {
        return Err("bytes after the chunk hashes".into());
    }
    Ok((blocks, hashes))
}

/// `records.bin` after its magic, which the manifest says is `bytes`
/// long: a range of its memory map, or read when it cannot be mapped.
fn open_records(path: &Path, bytes: u64) -> Result<ChunkData, IndexError> {
    let file = fs::File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    if size != bytes {
        return Err(refused(
            path,
            format!("{size} bytes, the manifest says {bytes}"),
        ));
    }
    let whole = match crate::source::map_file(&file, path, &mut |_| {}) {
        Some(map) => {
            let len = map.len();
            ChunkData::Mapped(std::sync::Arc::new(map), 0..len)
        }
        None => {
            let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            io::Read::read_to_end(&mut io::Read::take(&file, size), &mut data)
                .map_err(io_error(path))?;
            ChunkData::Owned(data)
        }
    };
    if whole.bytes().len() as u64 != size || !whole.bytes().starts_with(RECORDS_MAGIC) {
        return Err(refused(path, "not a records file"));
    }
    Ok(match whole {
        ChunkData::Mapped(map, all) => ChunkData::Mapped(map, RECORDS_MAGIC.len()..all.end),
        ChunkData::Owned(mut data) => {
            data.drain(..RECORDS_MAGIC.len());
            ChunkData::Owned(data)
        }
    })
}

/// `verdicts.bin`: a bitmap per verdict.
fn read_verdicts(bytes: &[u8], records: u64) -> Decoded<Vec<RoaringBitmap>> {
    let mut d = Decoder::new(bytes);
    if d.bytes(8)? != VERDICTS_MAGIC {
        return Err("not a verdicts file".into());
    }
    if d.uint()? != Verdict::ALL.len() as u64 {
        return Err("not one bitmap per verdict".into());
    }
    let verdicts = (0..Verdict::ALL.len())
        .map(|_| d.bitmap(records))
        .collect::<Decoded<Vec<_>>>()?;
    if !d.is_empty() {
        return Err("bytes after the bitmaps".into());
    }
    Ok(verdicts)
}

/// `times.bin`: per kind, buckets in increasing order, each the place of
/// its bitmap (decoded when used: [`Index::buckets`]).
fn read_times(bytes: &[u8]) -> Decoded<Buckets> {
    let mut d = Decoder::new(bytes);
    if d.bytes(8)? != TIMES_MAGIC {
        return Err("not a times file".into());
    }
    let mut times: Buckets = Default::default();
    for kind in &mut times {
        for _ in 0..d.count(2)? {
            let day = d.int()?;
            if kind.last().is_some_and(|(last, _)| *last >= day) {
                return Err("buckets out of order".into());
            }
            let start = bytes.len() - d.remaining();
            d.blob()?;
            kind.push((day, start..bytes.len() - d.remaining()));
        }
    }
    if !d.is_empty() {
        return Err("bytes after the buckets".into());
    }
    Ok(times)
}

/// `postings.bin`: per list URL, its fingerprint, its records and the
/// entries that name an index.
fn read_postings(
    bytes: &[u8],
    records: u64,
    strings: &[String],
) -> Decoded<(RoaringBitmap, Vec<UrlPostings>)> {
    let mut d = Decoder::new(bytes);
    if d.bytes(8)? != POSTINGS_MAGIC {
        return Err("not a postings file".into());
    }
    let with_status = d.bitmap(records)?;
    let mut urls = Vec::new();
    for _ in 0..d.count(3)? {
        let id = d.uint()?;
        let url = usize::try_from(id)
            .ok()
            .and_then(|i| strings.get(i))
            .ok_or_else(|| format!("string {id} of {}", strings.len()))?
            .clone();
        let fingerprint = match d.uint()? {
            0 => None,
            1 => Some(<[u8; 32]>::try_from(d.bytes(32)?).map_err(|_| "a short fingerprint")?),
            _ => return Err("an unknown fingerprint form".into()),
        };
        let all = d.bitmap(records)?;
        let mut postings = Vec::new();
        let mut ordinal = 0u64;
        for _ in 0..d.count(4)? {
            ordinal = ordinal
                .checked_add(d.uint()?)
                .ok_or("a posting beyond the records")?;
            let index = d.uint()?;
            let size = u32::try_from(d.uint()?)
                .ok()
                .filter(|s| (1..=32).contains(s))
                .ok_or("a posting's size beyond 32")?;
            let value = match d.uint()? {
                0 => None,
                v => Some(u32::try_from(v - 1).map_err(|_| "a value beyond 32 bits")?),
            };
            let ordinal32 = u32::try_from(ordinal)
                .ok()
                .filter(|o| all.contains(*o))
                .ok_or("a posting outside its URL's records")?;
            postings.push(Posting {
                ordinal: ordinal32,
                index,
                size,
                value,
            });
        }
        urls.push(UrlPostings {
            url,
            fingerprint,
            all,
            postings,
        });
    }
    if !d.is_empty() {
        return Err("bytes after the postings".into());
    }
    Ok((with_status, urls))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Day buckets as a plain map would gather them: per day, the
    /// ordinals in order, once each.
    fn plainly(instants: &[(i64, u32)]) -> std::collections::BTreeMap<i64, Vec<u32>> {
        let mut days: std::collections::BTreeMap<i64, Vec<u32>> = Default::default();
        for &(day, ordinal) in instants {
            let v = days.entry(day).or_default();
            if v.last() != Some(&ordinal) {
                v.push(ordinal);
            }
        }
        days
    }

    fn gathered(instants: &[(i64, u32)]) -> std::collections::BTreeMap<i64, Vec<u32>> {
        let mut buckets = DayBuckets::default();
        for &(day, ordinal) in instants {
            buckets.add(day, ordinal);
        }
        buckets
            .finish()
            .into_iter()
            .map(|(day, b)| (day, b.iter().collect()))
            .collect()
    }

    #[test]
    fn day_buckets_sort_by_counting_and_by_comparison_alike() {
        // Days spanning a few years (sorted by counting), then days
        // spanning the whole range of instants (by comparison), across
        // three spans of 65,536 ordinals; a record with two instants on
        // one day, and two days far apart.
        let mut near = Vec::new();
        let mut far = Vec::new();
        let mut x = 7u64;
        for ordinal in 0..200_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let day = 19_000 + (x >> 40) as i64 % 2_000;
            near.push((day, ordinal));
            far.push((
                if ordinal % 3 == 0 {
                    day
                } else {
                    -day * 1_000_000_000
                },
                ordinal,
            ));
            if ordinal % 5 == 0 {
                near.push((day, ordinal));
                far.push((i64::MAX / BUCKET_SECONDS, ordinal));
            }
        }
        for instants in [&near, &far] {
            assert_eq!(gathered(instants), plainly(instants));
        }
        assert_eq!(gathered(&[]), Default::default());
    }

    #[test]
    fn ascending_bitmaps_hold_what_was_added() {
        let ordinals: Vec<u32> = (0..10_000u32)
            .filter(|i| i % 7 != 0 || i % 3 == 0)
            .chain([20_000, 20_000, 20_001, 70_000, u32::MAX - 1, u32::MAX - 1])
            .collect();
        let mut ascending = Ascending::default();
        for &o in &ordinals {
            ascending.add(o);
        }
        let expected: RoaringBitmap = ordinals.iter().copied().collect();
        assert_eq!(ascending.finish(), expected);
    }
}
