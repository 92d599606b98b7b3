//! Inputs into chunks of whole records, each chunk tagged with where it
//! starts, ready for a worker.
//!
//! Plain files are memory-mapped (with a fallback to reading); standard
//! input and gzip streams are read in blocks. JSON Lines are cut at
//! newlines: a chunk always starts at the beginning of a line, so a worker
//! numbers its lines locally and the writer adds the chunk's base. A JSON
//! array is split into its elements by a streaming scanner
//! ([`array::ArrayScanner`]): the file is never parsed as a whole.
//! Badge images carry one credential each, baked into a PNG chunk or an
//! SVG element: [`baked`] finds it without decoding the picture.

pub mod array;
pub mod baked;
pub mod bundle;
pub mod documents;
mod mmap;
pub mod walk;

pub(crate) use mmap::map_file;

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use memmap2::Mmap;

use array::{ArrayScanner, Damage};

/// Target size of a chunk. Large enough that a chunk holds a few hundred
/// typical credentials (2–3 KB each), so batches are full and per-chunk
/// overhead is noise; small enough that a handful of chunks in flight per
/// worker stays a few megabytes.
pub const CHUNK_BYTES: usize = 2 << 20;

/// Records longer than this are `malformed` (`record_too_large`) unless
/// `--max-record-bytes` says otherwise. Credentials with embedded images
/// reach a few megabytes; 16 MiB keeps a runaway line from costing more.
pub const DEFAULT_MAX_RECORD_BYTES: usize = crate::limits::RECORD_BYTES;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputPath {
    /// Standard input, named `-`.
    Stdin,
    /// A file, plain or gzip, or a directory to walk
    /// ([`walk::expand`]).
    File(PathBuf),
    /// A file found by walking a directory: the directory as given joined
    /// with the path below it. A file that cannot be opened (gone since
    /// the walk, unreadable) is reported ([`Notice::Unreadable`]) and read
    /// as empty; the run goes on.
    Found(PathBuf),
}

impl InputPath {
    /// A command-line argument as an input: `-` is standard input.
    pub fn parse(arg: &str) -> InputPath {
        if arg == "-" {
            InputPath::Stdin
        } else {
            InputPath::File(PathBuf::from(arg))
        }
    }

    /// The name shown in verdicts and messages.
    pub fn display(&self) -> String {
        match self {
            InputPath::Stdin => "-".to_owned(),
            InputPath::File(p) | InputPath::Found(p) => p.display().to_string(),
        }
    }
}

/// How records are delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// JSON Lines: one record per line.
    Lines,
    /// A JSON array: one record per element.
    Array,
    /// One JSON value spread over several lines (a pretty-printed
    /// credential): one record, the whole input. Its chunk is framed as an
    /// array of one element.
    Single,
    /// Small files of one record each, read whole and put together so
    /// that their signatures are checked in batches ([`bundle`]): element
    /// `i` is the record of input `files[i]`, its line 1.
    Files,
}

/// The bytes of a chunk (or of any file read whole, such as an index's
/// `records.bin`).
#[derive(Debug)]
pub enum ChunkData {
    /// A range of a memory-mapped file.
    Mapped(Arc<Mmap>, Range<usize>),
    /// Bytes read or decompressed into memory.
    Owned(Vec<u8>),
}

impl ChunkData {
    /// The chunk's bytes, wherever they live.
    pub fn bytes(&self) -> &[u8] {
        match self {
            ChunkData::Mapped(map, range) => &map[range.clone()],
            ChunkData::Owned(v) => v,
        }
    }
}

/// A run of whole records.
pub struct Chunk {
    /// Index of the input this chunk belongs to.
    pub input: usize,
    /// The records' bytes.
    pub data: ChunkData,
    /// Byte offset of `data` in the (decompressed) input.
    pub offset: u64,
    /// For arrays: each element's range within `data`; empty for lines.
    pub elements: Vec<Range<usize>>,
    /// How the records of `data` are delimited.
    pub framing: Framing,
    /// A JSON array's damaged region ([`mod@array`]): the chunk holds nothing
    /// but stands for one record, `framing_lost`, at `offset`.
    pub damaged: bool,
    /// For [`Framing::Files`]: the input each element comes from, one
    /// record per file ([`bundle`]); empty otherwise.
    pub files: Vec<u32>,
    /// For [`Framing::Files`]: what the reader found about each element
    /// (a badge image without a credential, a compressed one), when any
    /// element has something; empty otherwise.
    pub notes: Vec<ElementNote>,
    /// Lines (or elements) of the input just before this chunk's that no
    /// chunk carries: records of a stream outside a shard's share
    /// ([`for_each_chunk_in_records`]), numbered as if they were read.
    pub skipped: u64,
}

/// What reading a file found about the record it holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElementNote {
    /// The record is refused with this problem (its bytes are not read).
    pub problem: Option<crate::verdict::Problem>,
    /// The record carries this warning.
    pub warning: Option<crate::verdict::Warning>,
}

impl Chunk {
    /// The record that stands for a JSON array's damaged region.
    fn damaged(input: usize, damage: Damage) -> Chunk {
        Chunk {
            input,
            data: ChunkData::Owned(Vec::new()),
            offset: damage.start,
            elements: Vec::new(),
            framing: Framing::Array,
            damaged: true,
            files: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
        }
    }

    /// Owned JSON Lines bytes of input `input`, starting at `offset`.
    fn lines(input: usize, data: Vec<u8>, offset: u64) -> Chunk {
        Chunk {
            input,
            data: ChunkData::Owned(data),
            offset,
            elements: Vec::new(),
            framing: Framing::Lines,
            damaged: false,
            files: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
        }
    }
}

/// One record of a chunk, as the input frames it.
#[derive(Clone, Copy, Debug)]
pub struct RawRecord<'c> {
    /// Line (or element) number relative to the chunk's first, 0-based.
    pub line: u64,
    /// Byte offset of the record in its (decompressed) input.
    pub offset: u64,
    /// The record's bytes without the JSON Lines framing ([`trim`]); `None`
    /// when the line or element is longer than the record size limit, or
    /// when the record is a JSON array's damaged region.
    pub bytes: Option<&'c [u8]>,
    /// The record stands for a JSON array's damaged region (problem
    /// `framing_lost`).
    pub framing_lost: bool,
    /// What reading its file found ([`Framing::Files`] only).
    pub note: ElementNote,
}

impl Chunk {
    /// Calls `f` with each record of the chunk, in order: every line that is
    /// not blank (blank lines are skipped but counted), or every element.
    /// A line or element longer than `max_record_bytes` comes without its
    /// bytes. Returns the number of lines (or elements) the chunk covers.
    pub fn for_each_record(
        &self,
        max_record_bytes: usize,
        mut f: impl FnMut(RawRecord<'_>),
    ) -> u64 {
        let skipped = self.skipped;
        let span = self.for_each_record_here(max_record_bytes, |mut record| {
            record.line += skipped;
            f(record)
        });
        skipped + span
    }

    /// [`Chunk::for_each_record`] without the lines skipped before it.
    fn for_each_record_here(
        &self,
        max_record_bytes: usize,
        mut f: impl FnMut(RawRecord<'_>),
    ) -> u64 {
        let data = self.data.bytes();
        match self.framing {
            Framing::Lines => {
                let mut span = 0u64;
                let mut start = 0;
                let last = (data.last() != Some(&b'\n') && !data.is_empty()).then_some(data.len());
                for (line, end) in memchr::memchr_iter(b'\n', data).chain(last).enumerate() {
                    let raw = &data[start..end];
                    let record = trim(raw);
                    let offset = self.offset + start as u64;
                    // Too large is judged on the line as read, spaces
                    // included, so the mapped and the streamed paths (which
                    // keeps only a long line's head) agree.
                    if raw.len() > max_record_bytes {
                        f(RawRecord {
                            line: line as u64,
                            offset,
                            bytes: None,
                            framing_lost: false,
                            note: ElementNote::default(),
                        });
                    } else if !record.is_empty() {
                        f(RawRecord {
                            line: line as u64,
                            offset,
                            bytes: Some(record),
                            framing_lost: false,
                            note: ElementNote::default(),
                        });
                    }
                    start = end + 1;
                    span = line as u64 + 1;
                }
                span
            }
            Framing::Array if self.damaged => {
                f(RawRecord {
                    line: 0,
                    offset: self.offset,
                    bytes: None,
                    framing_lost: true,
                    note: ElementNote::default(),
                });
                1
            }
            Framing::Array | Framing::Single | Framing::Files => {
                for (i, range) in self.elements.iter().enumerate() {
                    let bytes = &data[Range::clone(range)];
                    // A bundled file's record starts its own input.
                    let offset = match self.framing {
                        Framing::Files => 0,
                        _ => self.offset + range.start as u64,
                    };
                    f(RawRecord {
                        line: i as u64,
                        offset,
                        bytes: (range.len() <= max_record_bytes).then(|| trim(bytes)),
                        framing_lost: false,
                        note: self.notes.get(i).copied().unwrap_or_default(),
                    });
                }
                self.elements.len() as u64
            }
        }
    }
}

/// Strips the JSON Lines framing: spaces, tabs and a CR before the newline.
pub fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// A run-level input problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// An input could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The input's name, as shown in verdicts.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// A file changed while it was read: its size or modification time at
    /// the end differs from what they were when it was opened, or fewer
    /// bytes were read than it held. Records read from it may never have
    /// existed, so the run fails.
    #[error("{path}: the file changed while it was read ({what}); the run is void")]
    Changed {
        /// The input's name, as shown in verdicts.
        path: String,
        /// What changed.
        what: String,
    },
}

/// What a file looked like: rechecked when it has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Snapshot {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Snapshot {
    /// The open file's size and modification time (`fstat`: the file
    /// itself, even if its name now points elsewhere).
    fn of(file: &File) -> io::Result<Snapshot> {
        let m = file.metadata()?;
        Ok(Snapshot {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }

    /// How `after` differs from this snapshot, if it does.
    fn change(self, after: Snapshot) -> Option<String> {
        if after.len != self.len {
            Some(format!("{} bytes when opened, {} now", self.len, after.len))
        } else if after.modified != self.modified {
            Some("modified while it was read".to_owned())
        } else {
            None
        }
    }
}

/// Counts the bytes a reader yields.
struct Counted<R> {
    inner: R,
    count: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Options for opening inputs.
#[derive(Clone, Copy, Debug)]
pub struct SourceOptions {
    /// Memory-map plain files (the default); else read them.
    pub mmap: bool,
    /// Longer records are `record_too_large` (`--max-record-bytes`).
    pub max_record_bytes: usize,
    /// Target size of a chunk, in bytes.
    pub chunk_bytes: usize,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            mmap: true,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            chunk_bytes: CHUNK_BYTES,
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: &[u8] = b"\xef\xbb\xbf";

/// How an input's records are framed, decided by its content whatever
/// its name (CONTRACT.md, "Inputs"). `head` is the input's first bytes
/// after any byte order mark.
///
/// - Content opening with `{`: JSON Lines when that first object closes on
///   its first line; one JSON value (one record) when it runs over several
///   lines, as a pretty-printed credential does.
/// - Content opening with `[`: a JSON array (one record per element),
///   unless the array closes on its first line and either more content
///   follows it or the name says JSON Lines (`jsonl_name`: `.jsonl` or
///   `.ndjson`, optionally `.gz`), which makes JSON Lines whose first
///   record is an array.
/// - Anything else (compact JWS tokens, one per line, above all): JSON
///   Lines. So is a first line that does not end within `head`.
fn framing_for(head: &[u8], jsonl_name: bool) -> Framing {
    let Some(start) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Framing::Lines;
    };
    let first = head[start];
    if first != b'{' && first != b'[' {
        return Framing::Lines;
    }
    let value = first_value(&head[start..]);
    match (first, value.end) {
        (b'{', Some(_)) if !value.multiline => Framing::Lines,
        (b'{', _) if value.multiline => Framing::Single,
        (b'{', _) => Framing::Lines,
        (_, Some(end)) if !value.multiline => {
            let rest = &head[start + end..];
            if jsonl_name || rest.iter().any(|b| !b.is_ascii_whitespace()) {
                Framing::Lines
            } else {
                Framing::Array
            }
        }
        _ => Framing::Array,
    }
}

/// Whether an input's name says JSON Lines: `.jsonl` or `.ndjson`,
/// optionally followed by `.gz`, any letter case.
fn jsonl_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let name = lower.strip_suffix(".gz").unwrap_or(&lower);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// Where the JSON value at the start of `bytes` closes, if it does on its
/// first line, or that a line break comes first (the scan stops there, so
/// a large pretty-printed file is not read twice). Only brackets and
/// strings are followed: the parser judges the value itself.
struct FirstValue {
    end: Option<usize>,
    multiline: bool,
}

fn first_value(bytes: &[u8]) -> FirstValue {
    let (mut depth, mut in_string, mut escaped, mut multiline) = (0usize, false, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            multiline = true;
            break;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return FirstValue {
                        end: Some(i + 1),
                        multiline,
                    };
                }
            }
            _ => {}
        }
    }
    FirstValue {
        end: None,
        multiline,
    }
}

/// Something about an input that its reader may want to know; the run
/// goes on.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// A JSON array input lost its framing ([`mod@array`]): the elements before
    /// the damage are records, the rest is one `framing_lost` record.
    Array {
        /// The input's name.
        input: String,
        /// Where and what.
        damage: Damage,
    },
    /// A file found in a directory walk could not be opened (it is gone,
    /// or unreadable): it gives no records, and the run's exit code says
    /// the audit is incomplete.
    Unreadable {
        /// The input's index.
        input: usize,
        /// The file.
        path: PathBuf,
        /// Why it could not be opened.
        error: io::Error,
    },
    /// A file could not be memory-mapped and is read instead.
    Unmapped {
        /// The file.
        path: PathBuf,
        /// Why it could not be mapped.
        error: io::Error,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Array { input, damage } => write!(
                f,
                "{input}: {} at byte {}: framing lost; the rest of the input, from byte {}, is one malformed record (framing_lost)",
                damage.problem, damage.error, damage.start
            ),
            Notice::Unreadable { path, error, .. } => {
                write!(
                    f,
                    "{}: {error}; skipped, the audit is incomplete",
                    path.display()
                )
            }
            Notice::Unmapped { path, error } => {
                write!(f, "cannot map {}: {error}; reading instead", path.display())
            }
        }
    }
}

/// Calls `emit` with every chunk of one input, in order; `notices` hears
/// what is worth telling about the input as a whole.
pub fn for_each_chunk(
    index: usize,
    path: &InputPath,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    let name = path.display();
    match path {
        InputPath::Stdin => {
            let stdin = io::stdin().lock();
            read_stream(index, Box::new(stdin), &name, options, notices, emit).map(|_| ())
        }
        InputPath::File(p) => {
            let file = File::open(p).map_err(|source| SourceError::Io {
                path: name.clone(),
                source,
            })?;
            read_file(index, file, p, &name, options, notices, emit)
        }
        InputPath::Found(p) => match File::open(p) {
            Ok(file) => read_file(index, file, p, &name, options, notices, emit),
            Err(error) => {
                notices(Notice::Unreadable {
                    input: index,
                    path: p.clone(),
                    error,
                });
                Ok(())
            }
        },
    }
}

/// Reads an opened file: mapped when it can be, else streamed.
///
/// A file is checked again once read: a change while it was read
/// (truncation above all) voids the run rather than reporting records
/// that never existed. A mapped file that shrinks raises SIGBUS on the
/// next access past its new end; the command line contains it (see
/// `cli::signals`).
fn read_file(
    index: usize,
    file: File,
    path: &std::path::Path,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    let io_err = |source| SourceError::Io {
        path: name.to_owned(),
        source,
    };
    let before = Snapshot::of(&file).map_err(io_err)?;
    if let Some(map) = options
        .mmap
        .then(|| mmap::map_file(&file, path, notices))
        .flatten()
        .filter(|m| !m.starts_with(&GZIP_MAGIC))
    {
        chunk_mapped(index, Arc::new(map), name, options, notices, emit)?;
        return recheck(&file, before, None, name);
    }
    let read = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let handle = file.try_clone().map_err(io_err)?;
    let counted = Box::new(Counted {
        inner: handle,
        count: read.clone(),
    });
    let finished = read_stream(index, counted, name, options, notices, emit)?;
    // A stream stopped early (the consumer stopped) has not read the
    // whole file: only its size and time are compared.
    let whole = finished.then(|| read.load(std::sync::atomic::Ordering::Relaxed));
    recheck(&file, before, whole, name)
}

/// Reads a stream, plain or gzip (sniffed by its magic number); returns
/// whether it was read to its end.
fn read_stream(
    index: usize,
    reader: Box<dyn Read + '_>,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<bool, SourceError> {
    let io_err = |source| SourceError::Io {
        path: name.to_owned(),
        source,
    };
    let mut reader = io::BufReader::with_capacity(1 << 16, reader);
    let head = io::BufRead::fill_buf(&mut reader).map_err(io_err)?;
    let gz = head.starts_with(&GZIP_MAGIC);
    let mut stream: Box<dyn Read> = if gz {
        Box::new(MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    chunk_stream(index, &mut *stream, name, options, notices, emit).map_err(io_err)
}

/// Compares an input file with what it was when opened, and the bytes
/// read with its size when it was read whole.
fn recheck(
    file: &File,
    before: Snapshot,
    read: Option<u64>,
    name: &str,
) -> Result<(), SourceError> {
    let after = Snapshot::of(file).map_err(|source| SourceError::Io {
        path: name.to_owned(),
        source,
    })?;
    let what = before.change(after).or_else(|| {
        read.filter(|&n| n != before.len)
            .map(|n| format!("{} bytes when opened, {n} read", before.len))
    });
    match what {
        Some(what) => Err(SourceError::Changed {
            path: name.to_owned(),
            what,
        }),
        None => Ok(()),
    }
}

/// Calls `emit` with the chunks of `range` of a plain JSON Lines file (a
/// shard's share, [`crate::shard::line_share`]): whole lines from the
/// range's start, which starts a line, to its end; offsets are the file's.
/// The file is mapped, or read whole when it cannot be.
pub fn for_each_chunk_in_range(
    index: usize,
    path: &InputPath,
    range: Range<u64>,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    let name = path.display();
    let io_err = |source| SourceError::Io {
        path: name.clone(),
        source,
    };
    let (InputPath::File(p) | InputPath::Found(p)) = path else {
        return Err(io_err(io::Error::other("standard input cannot be split")));
    };
    let file = File::open(p).map_err(io_err)?;
    let before = Snapshot::of(&file).map_err(io_err)?;
    let bytes: ChunkSource = match options
        .mmap
        .then(|| mmap::map_file(&file, p, notices))
        .flatten()
    {
        Some(map) => ChunkSource::Mapped(Arc::new(map)),
        None => {
            let mut all = Vec::new();
            (&file).read_to_end(&mut all).map_err(io_err)?;
            ChunkSource::Read(all)
        }
    };
    let len = bytes.bytes().len();
    let end = (range.end as usize).min(len);
    let mut pos = (range.start as usize).min(end);
    if pos == 0 && bytes.bytes().starts_with(BOM) {
        pos = BOM.len().min(end);
    }
    if !emit_line_chunks(index, &bytes, pos..end, options, emit) {
        return Ok(());
    }
    recheck(&file, before, None, &name)
}

/// Calls `emit` with the chunks of one input's `share`: a plain JSON
/// Lines file's byte range, a stream's records, the whole input, or
/// nothing.
pub fn for_each_chunk_of_share(
    index: usize,
    path: &InputPath,
    share: &crate::shard::Share,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    use crate::shard::Share;
    match share {
        Share::Skip => Ok(()),
        Share::Whole => for_each_chunk(index, path, options, notices, emit),
        Share::Bytes(range) => {
            for_each_chunk_in_range(index, path, range.clone(), options, notices, emit)
        }
        Share::Records { range, .. } => {
            for_each_chunk_in_records(index, path, range.clone(), options, notices, emit)
        }
    }
}

/// Calls `emit` with the chunks of a stream (a gzip file) that hold its
/// records numbered `records` (from 0, as a run meets them), cut where the
/// share starts and ends: every shard decompresses the stream from its
/// start, the records before its share are framed and counted but not
/// emitted (the first chunk emitted says how many lines they covered, so
/// that lines are numbered as in one run), and nothing past the share is
/// read.
pub fn for_each_chunk_in_records(
    index: usize,
    path: &InputPath,
    records: Range<u64>,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    if records.is_empty() {
        return Ok(());
    }
    // Records before the chunk at hand, and lines the writer was not told.
    let (mut seen, mut untold) = (0u64, 0u64);
    let mut starts: Vec<(u64, u64)> = Vec::new();
    let mut keep = |chunk: Chunk| -> bool {
        starts.clear();
        let span = chunk.for_each_record(options.max_record_bytes, |r| {
            starts.push((r.line, r.offset));
        });
        let n = starts.len() as u64;
        if seen + n <= records.start {
            seen += n;
            untold += span;
            return true;
        }
        let from = records.start.saturating_sub(seen) as usize;
        let to = (records.end - seen).min(n) as usize;
        let cut = cut_records(chunk, &starts, from..to, untold);
        untold = 0;
        seen += n;
        emit(cut) && seen < records.end
    };
    for_each_chunk(index, path, options, notices, &mut keep)
}

/// Chunk `chunk` (of `starts.len()` records, each's line and offset) cut
/// to its records `keep`, with `untold` lines skipped before it.
fn cut_records(mut chunk: Chunk, starts: &[(u64, u64)], keep: Range<usize>, untold: u64) -> Chunk {
    let whole = keep.start == 0 && keep.end == starts.len();
    let first_line = starts.get(keep.start).map_or(0, |s| s.0);
    chunk.skipped += untold + if whole { 0 } else { first_line };
    if whole {
        return chunk;
    }
    match chunk.framing {
        Framing::Lines => {
            let data = chunk.data.bytes();
            let at = |k: usize| (starts[k].1 - chunk.offset) as usize;
            let start = at(keep.start);
            let end = if keep.end < starts.len() {
                at(keep.end)
            } else {
                data.len()
            };
            let part = data[start..end].to_vec();
            chunk.offset += start as u64;
            chunk.data = ChunkData::Owned(part);
        }
        _ => {
            chunk.elements = chunk.elements[keep.clone()].to_vec();
            if !chunk.notes.is_empty() {
                chunk.notes = chunk.notes[keep].to_vec();
            }
        }
    }
    chunk
}

/// The records of a stream (a gzip file), as a run meets and numbers them,
/// and the SHA-256 of the file: read whole, nothing judged.
pub fn stream_records(
    index: usize,
    path: &std::path::Path,
    options: SourceOptions,
) -> Result<(u64, [u8; 32]), SourceError> {
    use sha2::Digest;
    struct Hashing<R> {
        inner: R,
        hash: sha2::Sha256,
    }
    impl<R: Read> Read for Hashing<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hash.update(&buf[..n]);
            Ok(n)
        }
    }
    let name = path.display().to_string();
    let io_err = |source| SourceError::Io {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut hashing = Hashing {
        inner: file,
        hash: sha2::Sha256::new(),
    };
    let mut records = 0u64;
    read_stream(
        index,
        Box::new(&mut hashing),
        &name,
        options,
        &mut |_| {},
        &mut |chunk| {
            chunk.for_each_record(options.max_record_bytes, |_| records += 1);
            true
        },
    )?;
    io::copy(&mut hashing, &mut io::sink()).map_err(io_err)?;
    Ok((records, hashing.hash.finalize().into()))
}

/// A shard's share of a plain JSON Lines file ([`crate::shard::line_share`]),
/// the lines it covers and the SHA-256 of its bytes, found through a map
/// of the file: only the share (and the rest of its last record) is read.
pub fn line_share_of(
    path: &std::path::Path,
    base: u64,
    total: u64,
    shard: crate::shard::Shard,
) -> io::Result<(Range<u64>, u64, [u8; 32])> {
    use sha2::Digest;
    let file = File::open(path)?;
    let bytes = match mmap::map_file(&file, path, &mut |_| {}) {
        Some(map) => ChunkSource::Mapped(Arc::new(map)),
        None => {
            let mut all = Vec::new();
            (&file).read_to_end(&mut all)?;
            ChunkSource::Read(all)
        }
    };
    let text = bytes.bytes();
    let range = crate::shard::line_share(text, base, total, shard);
    let slice = &text[range.clone()];
    Ok((
        range.start as u64..range.end as u64,
        crate::shard::lines_in(slice),
        sha2::Sha256::digest(slice).into(),
    ))
}

/// A whole file's bytes: mapped, or read when it cannot be (an empty
/// file, a pipe).
pub fn map_or_read(path: &std::path::Path) -> io::Result<ChunkData> {
    let file = File::open(path)?;
    match mmap::map_file(&file, path, &mut |_| {}) {
        Some(map) => {
            let len = map.len();
            Ok(ChunkData::Mapped(Arc::new(map), 0..len))
        }
        None => {
            let mut all = Vec::new();
            (&file).read_to_end(&mut all)?;
            Ok(ChunkData::Owned(all))
        }
    }
}

/// The SHA-256 of a file, read in blocks.
pub fn file_sha256(path: &std::path::Path) -> io::Result<[u8; 32]> {
    use sha2::Digest;
    let mut file = File::open(path)?;
    let mut hash = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hash.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hash.finalize().into())
}

/// Emits the JSON Lines chunks of `range` of `bytes` (which starts a
/// line), each about `options.chunk_bytes` and ending at a newline;
/// returns false when `emit` asked to stop.
fn emit_line_chunks(
    index: usize,
    bytes: &ChunkSource,
    range: Range<usize>,
    options: SourceOptions,
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> bool {
    let text = bytes.bytes();
    let (mut pos, end) = (range.start, range.end);
    while pos < end {
        let target = pos + options.chunk_bytes;
        let stop = if target >= end {
            end
        } else {
            memchr::memchr(b'\n', &text[target..end]).map_or(end, |i| target + i + 1)
        };
        let data = match bytes {
            ChunkSource::Mapped(map) => ChunkData::Mapped(map.clone(), pos..stop),
            ChunkSource::Read(all) => ChunkData::Owned(all[pos..stop].to_vec()),
        };
        let chunk = Chunk {
            input: index,
            data,
            offset: pos as u64,
            elements: Vec::new(),
            framing: Framing::Lines,
            damaged: false,
            files: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
        };
        if !emit(chunk) {
            return false;
        }
        pos = stop;
    }
    true
}

/// A file's bytes, mapped or read.
enum ChunkSource {
    Mapped(Arc<Mmap>),
    Read(Vec<u8>),
}

impl ChunkSource {
    fn bytes(&self) -> &[u8] {
        match self {
            ChunkSource::Mapped(map) => map,
            ChunkSource::Read(v) => v,
        }
    }
}

/// How a shard can divide an input ([`crate::shard::Kind`]) and its size:
/// a plain file framed as JSON Lines is cut at record boundaries; a gzip
/// file given as an input (not found in a walk) and standard input are
/// streams, shared by records; anything else goes whole.
pub fn shard_kind(
    path: &InputPath,
    options: SourceOptions,
) -> io::Result<(crate::shard::Kind, u64)> {
    use crate::shard::Kind;
    let (InputPath::File(p) | InputPath::Found(p)) = path else {
        return Ok((Kind::Stream, 0));
    };
    let file = match File::open(p) {
        Ok(f) => f,
        // An unreadable file found in a walk is reported by the shard that
        // owns it, as a run reports it.
        Err(_) if matches!(path, InputPath::Found(_)) => return Ok((Kind::Whole, 0)),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok((Kind::Whole, 0));
    }
    let mut head = Vec::new();
    (&file)
        .take(options.max_record_bytes.saturating_add(4) as u64)
        .read_to_end(&mut head)?;
    let name = path.display();
    let content = head.strip_prefix(BOM).unwrap_or(&head);
    let lower = name.to_ascii_lowercase();
    let image = baked::is_png(&head)
        || baked::looks_like_svg(&head[..head.len().min(512)])
        || lower.ends_with(".png")
        || lower.ends_with(".svg");
    let kind = if head.starts_with(&GZIP_MAGIC) && matches!(path, InputPath::File(_)) {
        Kind::Stream
    } else if head.starts_with(&GZIP_MAGIC) || image {
        Kind::Whole
    } else if framing_for(content, jsonl_name(&name)) == Framing::Lines {
        Kind::Lines
    } else {
        Kind::Whole
    };
    Ok((kind, meta.len()))
}

fn chunk_mapped(
    index: usize,
    map: Arc<Mmap>,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    let start = if map.starts_with(BOM) { BOM.len() } else { 0 };
    // The rule looks at most at a record's worth of bytes, as streams do.
    let head_end = map
        .len()
        .min(start.saturating_add(options.max_record_bytes.saturating_add(1)));
    let framing = framing_for(&map[start..head_end], jsonl_name(name));
    let len = map.len();
    match framing {
        // The rule never gives this: bundles are made from small files.
        Framing::Files => {}
        Framing::Single => {
            let chunk = Chunk {
                input: index,
                data: ChunkData::Mapped(map.clone(), start..len),
                offset: start as u64,
                elements: std::iter::once(0..len - start).collect(),
                framing,
                damaged: false,
                files: Vec::new(),
                notes: Vec::new(),
                skipped: 0,
            };
            emit(chunk);
        }
        Framing::Lines => {
            let source = ChunkSource::Mapped(map.clone());
            if !emit_line_chunks(index, &source, start..len, options, emit) {
                return Ok(());
            }
        }
        Framing::Array => {
            let mut scanner = ArrayScanner::default();
            let mut spans: Vec<Range<u64>> = Vec::new();
            let mut pos = start;
            while pos < len {
                let end = (pos + options.chunk_bytes).min(len);
                scanner.feed(&map[pos..end], pos as u64, &mut spans);
                if end == len {
                    scanner.finish(len as u64, &mut spans);
                }
                if !spans.is_empty()
                    && (spans.last().map_or(0, |s| s.end) - spans[0].start
                        >= options.chunk_bytes as u64
                        || end == len
                        || scanner.damage().is_some())
                {
                    let lo = spans[0].start as usize;
                    let hi = spans.last().map_or(lo, |s| s.end as usize);
                    let elements = spans
                        .drain(..)
                        .map(|s| s.start as usize - lo..s.end as usize - lo)
                        .collect();
                    let chunk = Chunk {
                        input: index,
                        data: ChunkData::Mapped(map.clone(), lo..hi),
                        offset: lo as u64,
                        elements,
                        framing,
                        damaged: false,
                        files: Vec::new(),
                        notes: Vec::new(),
                        skipped: 0,
                    };
                    if !emit(chunk) {
                        return Ok(());
                    }
                }
                if scanner.damage().is_some() {
                    break;
                }
                pos = end;
            }
            if let Some(damage) = scanner.damage() {
                report_damage(name, damage, notices);
                emit(Chunk::damaged(index, damage));
            }
        }
    }
    Ok(())
}

fn report_damage(name: &str, damage: Damage, notices: &mut dyn FnMut(Notice)) {
    notices(Notice::Array {
        input: name.to_owned(),
        damage,
    });
}

/// Reads into `buf` until it holds at least `want` more bytes or EOF.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let target = buf.len() + want;
    let mut block = [0u8; 1 << 16];
    while buf.len() < target {
        let n = match reader.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(false);
        }
        buf.extend_from_slice(&block[..n]);
    }
    Ok(true)
}

fn chunk_stream(
    index: usize,
    reader: &mut dyn Read,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> io::Result<bool> {
    let mut buf: Vec<u8> = Vec::with_capacity(options.chunk_bytes * 2);
    let mut more = fill(reader, &mut buf, options.chunk_bytes)?;
    let mut offset = 0u64;
    if buf.starts_with(BOM) {
        buf.drain(..BOM.len());
        offset = BOM.len() as u64;
    }
    // The framing rule reads the first line: wait for it, up to a record's
    // worth of bytes, so that a stream is framed as its mapped file is.
    let head_limit = options.max_record_bytes.saturating_add(1);
    while more && buf.len() < head_limit && memchr::memchr(b'\n', &buf).is_none() {
        more = fill(reader, &mut buf, 1 << 16)?;
    }
    let framing = framing_for(&buf[..buf.len().min(head_limit)], jsonl_name(name));
    if framing == Framing::Single {
        return chunk_stream_single(index, reader, buf, offset, more, options, emit);
    }
    if framing == Framing::Array {
        let start = StreamStart {
            buf,
            base: offset,
            more,
        };
        return chunk_stream_array(index, reader, start, name, options, notices, emit);
    }
    // The longest line kept whole; longer ones are cut to this length so
    // that the worker reports them as too large without us buffering them.
    let keep = options.max_record_bytes.saturating_add(1);
    loop {
        match memchr::memrchr(b'\n', &buf) {
            Some(last) => {
                let rest = buf.split_off(last + 1);
                let data = std::mem::replace(&mut buf, rest);
                let len = data.len() as u64;
                if !emit(Chunk::lines(index, data, offset)) {
                    return Ok(false);
                }
                offset += len;
            }
            None if !more => {
                if !buf.is_empty() {
                    let data = std::mem::take(&mut buf);
                    return Ok(emit(Chunk::lines(index, data, offset)));
                }
                return Ok(true);
            }
            None if buf.len() > keep => {
                // One line longer than any record may be: keep its head and
                // drop the rest of it as it streams past.
                let mut dropped = (buf.len() - keep) as u64;
                buf.truncate(keep);
                let mut block = Vec::with_capacity(1 << 16);
                loop {
                    block.clear();
                    more = fill(reader, &mut block, 1 << 16)?;
                    match memchr::memchr(b'\n', &block) {
                        Some(i) => {
                            dropped += i as u64;
                            buf.push(b'\n');
                            let line_len = buf.len() as u64;
                            let data = std::mem::replace(&mut buf, block[i + 1..].to_vec());
                            if !emit(Chunk::lines(index, data, offset)) {
                                return Ok(false);
                            }
                            offset += line_len + dropped;
                            break;
                        }
                        None => dropped += block.len() as u64,
                    }
                    if !more {
                        let data = std::mem::take(&mut buf);
                        return Ok(emit(Chunk::lines(index, data, offset)));
                    }
                }
                continue;
            }
            None => {}
        }
        if more {
            more = fill(reader, &mut buf, options.chunk_bytes)?;
        }
    }
}

/// Emits a streamed input that is one JSON value as one record: its bytes
/// when they fit the record size limit, else only the limit's worth, which
/// the worker reports as too large, the rest read and dropped.
fn chunk_stream_single(
    index: usize,
    reader: &mut dyn Read,
    mut buf: Vec<u8>,
    offset: u64,
    mut more: bool,
    options: SourceOptions,
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> io::Result<bool> {
    let keep = options.max_record_bytes.saturating_add(1);
    while more && buf.len() <= keep {
        more = fill(reader, &mut buf, 1 << 16)?;
    }
    if buf.len() > keep {
        buf.truncate(keep);
        let mut block = Vec::with_capacity(1 << 16);
        while more {
            block.clear();
            more = fill(reader, &mut block, 1 << 16)?;
        }
    }
    let len = buf.len();
    Ok(emit(Chunk {
        input: index,
        data: ChunkData::Owned(buf),
        offset,
        elements: std::iter::once(0..len).collect(),
        framing: Framing::Single,
        damaged: false,
        files: Vec::new(),
        notes: Vec::new(),
        skipped: 0,
    }))
}

/// A streamed JSON array's buffer: bytes from absolute offset `base`, of
/// which the first `scanned` went through the scanner.
struct ArrayBuffer {
    buf: Vec<u8>,
    base: u64,
    scanned: usize,
}

impl ArrayBuffer {
    /// Emits the complete elements in `spans` as one chunk and drops what
    /// the scanner no longer needs. Returns false when the consumer stopped.
    fn flush(
        &mut self,
        index: usize,
        spans: &mut Vec<Range<u64>>,
        scanner: &ArrayScanner,
        emit: &mut dyn FnMut(Chunk) -> bool,
    ) -> bool {
        if spans.is_empty() {
            return true;
        }
        let base = self.base;
        let lo = (spans[0].start - base) as usize;
        let hi = (spans.last().map_or(0, |s| s.end) - base) as usize;
        let elements = spans
            .drain(..)
            .map(|s| (s.start - base) as usize - lo..(s.end - base) as usize - lo)
            .collect();
        let data = self.buf[lo..hi].to_vec();
        if !emit(Chunk {
            input: index,
            data: ChunkData::Owned(data),
            offset: base + lo as u64,
            elements,
            framing: Framing::Array,
            damaged: false,
            files: Vec::new(),
            notes: Vec::new(),
            skipped: 0,
        }) {
            return false;
        }
        // Keep only what the scanner may still need: the open element.
        let keep_from = scanner
            .open_element_start()
            .map_or(hi, |s| ((s - base) as usize).min(hi));
        self.buf.drain(..keep_from);
        self.base += keep_from as u64;
        self.scanned -= keep_from;
        true
    }
}

/// What a stream's first read found: the bytes from absolute offset
/// `base`, and whether more may follow.
struct StreamStart {
    buf: Vec<u8>,
    base: u64,
    more: bool,
}

fn chunk_stream_array(
    index: usize,
    reader: &mut dyn Read,
    start: StreamStart,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> io::Result<bool> {
    let StreamStart {
        buf,
        base,
        mut more,
    } = start;
    let mut scanner = ArrayScanner::default();
    let mut spans: Vec<Range<u64>> = Vec::new();
    let mut b = ArrayBuffer {
        buf,
        base,
        scanned: 0,
    };
    // The longest element kept whole; longer ones keep only this much, as
    // lines do, so memory stays bounded whatever the input.
    let keep = options.max_record_bytes.saturating_add(1);
    loop {
        scanner.feed(&b.buf[b.scanned..], b.base + b.scanned as u64, &mut spans);
        b.scanned = b.buf.len();
        if !more {
            scanner.finish(b.base + b.buf.len() as u64, &mut spans);
        }
        let full = spans.last().map_or(0, |s| s.end) - spans.first().map_or(0, |s| s.start)
            >= options.chunk_bytes as u64;
        let damage = scanner.damage();
        if (!more || full || damage.is_some()) && !b.flush(index, &mut spans, &scanner, emit) {
            return Ok(false);
        }
        if let Some(damage) = damage {
            // Nothing after the damage is read: it could not be framed.
            report_damage(name, damage, notices);
            emit(Chunk::damaged(index, damage));
            return Ok(false);
        }
        if !more {
            return Ok(true);
        }
        let open_len = scanner
            .open_element_start()
            .map_or(0, |s| b.buf.len() - (s - b.base) as usize);
        if open_len > keep {
            // An element longer than any record may be: emit what came
            // before it, keep its head, and let the rest stream past the
            // scanner only.
            if !b.flush(index, &mut spans, &scanner, emit) {
                return Ok(false);
            }
            let start = (scanner.open_element_start().map_or(b.base, |s| s) - b.base) as usize;
            let mut next = b.base + b.buf.len() as u64; // absolute offset of the next byte read
            b.buf.drain(..start);
            b.base += start as u64;
            b.buf.truncate(keep);
            let mut block = Vec::with_capacity(1 << 16);
            loop {
                block.clear();
                more = fill(reader, &mut block, 1 << 16)?;
                scanner.feed(&block, next, &mut spans);
                let block_base = next;
                next += block.len() as u64;
                if !more {
                    scanner.finish(next, &mut spans);
                }
                if spans.is_empty() && scanner.damage().is_some() {
                    // The long element itself is damaged.
                    b.buf.clear();
                    b.scanned = 0;
                    break;
                }
                if !spans.is_empty() {
                    // The long element ended in this block (it is the first span).
                    let element = spans.remove(0);
                    let head = std::mem::take(&mut b.buf);
                    let len = head.len();
                    if !emit(Chunk {
                        input: index,
                        data: ChunkData::Owned(head),
                        offset: b.base,
                        elements: std::iter::once(0..len).collect(),
                        framing: Framing::Array,
                        damaged: false,
                        files: Vec::new(),
                        notes: Vec::new(),
                        skipped: 0,
                    }) {
                        return Ok(false);
                    }
                    let rest = (element.end.max(block_base) - block_base) as usize;
                    b = ArrayBuffer {
                        buf: block[rest..].to_vec(),
                        base: block_base + rest as u64,
                        scanned: block.len() - rest,
                    };
                    break;
                }
                if !more {
                    break;
                }
            }
            continue;
        }
        more = fill(reader, &mut b.buf, options.chunk_bytes)?;
    }
}
