//! Small files read whole and put together into chunks.
//!
//! A folder of credential files holds mostly one record per file. Read one
//! file per chunk, each record's signature would be checked alone, its
//! SHA-256 computed one message per pass, and each file mapped and
//! unmapped (unmapping costs every core an interrupt). So files of at
//! most [`SMALL_FILE_BYTES`] that hold exactly one record are read whole
//! and their records gathered into [`Framing::Files`] chunks of up to a
//! chunk's worth of bytes or [`BUNDLE_FILES`] files; every other input
//! goes through [`super::for_each_chunk`] as before. Records keep their input and
//! their line (1), so the output is the same either way.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::shard::Share;

use super::baked::{self, BakedError};
use super::mmap;
use crate::verdict::{Problem, Warning};

use super::{
    BOM, Chunk, ChunkData, ElementNote, Framing, GZIP_MAGIC, InputPath, Notice, Snapshot,
    SourceError, SourceOptions, framing_for, read_stream, recheck, trim,
};

/// Files up to this size are read whole rather than mapped.
pub const SMALL_FILE_BYTES: u64 = 1 << 20;

/// Files read ahead together, in parallel, at most: at most this many
/// times [`SMALL_FILE_BYTES`] in memory at once.
pub const READ_AHEAD: usize = 32;

/// Files per bundled chunk, at most.
pub const BUNDLE_FILES: usize = 4096;

/// Calls `emit` with the chunks of every input in order, small
/// single-record files bundled; stops when `emit` returns false. Files
/// are read ahead on `pool`'s threads, or one by one on this thread
/// without one, so a run never uses more threads than it was given.
///
/// With `shares` (a shard's, one per input), an input whose share is
/// [`Share::Skip`] is not opened, and one given as a byte range is read
/// in that range only ([`super::for_each_chunk_in_range`]).
pub fn for_each_chunk_of(
    inputs: &[InputPath],
    options: SourceOptions,
    shares: Option<&[Share]>,
    pool: Option<&rayon::ThreadPool>,
    notices: &mut dyn FnMut(Notice),
    emit: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), SourceError> {
    let share = |index: usize| shares.and_then(|s| s.get(index)).unwrap_or(&Share::Whole);
    let open = std::cell::Cell::new(true);
    let mut emit = |chunk: Chunk| {
        let more = open.get() && emit(chunk);
        open.set(more);
        more
    };
    let mut bundle = Bundle::default();
    // Files are opened and read a block at a time on the run's threads,
    // then taken in order: opening many small files is what a folder costs.
    for (block, inputs_of_block) in inputs.chunks(READ_AHEAD).enumerate() {
        let first = block * READ_AHEAD;
        let read_one = |(k, input): (usize, &InputPath)| {
            let mut noted = Vec::new();
            let result = match share(first + k) {
                Share::Skip => Ok(Small::Nothing),
                Share::Bytes(_) | Share::Records { .. } => Ok(Small::Large),
                Share::Whole => read_small(first + k, input, options, &mut |n| noted.push(n)),
            };
            (result, noted)
        };
        let read: Vec<(Result<Small, SourceError>, Vec<Notice>)> = match pool {
            Some(pool) => pool.install(|| {
                inputs_of_block
                    .par_iter()
                    .enumerate()
                    .map(read_one)
                    .collect()
            }),
            None => inputs_of_block.iter().enumerate().map(read_one).collect(),
        };
        for (k, (result, noted)) in read.into_iter().enumerate() {
            if !open.get() {
                return Ok(());
            }
            noted.into_iter().for_each(&mut *notices);
            let (index, input) = (first + k, &inputs_of_block[k]);
            match result? {
                Small::One(bytes, range, note) => {
                    bundle.push(index, &bytes[range], note);
                    if bundle.data.len() >= options.chunk_bytes
                        || bundle.files.len() >= BUNDLE_FILES
                    {
                        bundle.flush(&mut emit);
                    }
                }
                Small::Nothing => {}
                Small::Other(bytes) => {
                    if bundle.flush(&mut emit) {
                        let name = input.display();
                        let reader = Box::new(io::Cursor::new(bytes));
                        read_stream(index, reader, &name, options, notices, &mut emit)?;
                    }
                }
                Small::Large => {
                    if bundle.flush(&mut emit) {
                        super::for_each_chunk_of_share(
                            index,
                            input,
                            share(index),
                            options,
                            notices,
                            &mut emit,
                        )?;
                    }
                }
            }
        }
    }
    bundle.flush(&mut emit);
    Ok(())
}

/// What reading an input whole found.
enum Small {
    /// One record: the bytes read and the record's range in them
    /// (trimmed), and what was found about it.
    One(Vec<u8>, Range<usize>, ElementNote),
    /// No record: an empty file, or one that could not be opened.
    Nothing,
    /// A small file of several records, or compressed: read whole, framed
    /// as a stream.
    Other(Vec<u8>),
    /// Standard input or a large file: read as before.
    Large,
}

/// Reads `input` whole when it is a small file.
fn read_small(
    index: usize,
    input: &InputPath,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
) -> Result<Small, SourceError> {
    let name = input.display();
    let io_err = |source| SourceError::Io {
        path: name.clone(),
        source,
    };
    let file = match input {
        InputPath::Stdin => return Ok(Small::Large),
        InputPath::File(p) => File::open(p).map_err(io_err)?,
        InputPath::Found(p) => match File::open(p) {
            Ok(file) => file,
            Err(error) => {
                notices(Notice::Unreadable {
                    input: index,
                    path: p.clone(),
                    error,
                });
                return Ok(Small::Nothing);
            }
        },
    };
    let before = Snapshot::of(&file).map_err(io_err)?;
    if !file.metadata().map_err(io_err)?.is_file() {
        return Ok(Small::Large);
    }
    if let Some(image) = image_kind(&name, &file).map_err(io_err)? {
        let found = read_image(image, &file, before, &name, options, notices)?;
        return Ok(found);
    }
    if before.len > SMALL_FILE_BYTES {
        return Ok(Small::Large);
    }
    let mut bytes = Vec::with_capacity(before.len as usize);
    (&file)
        .take(SMALL_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    recheck(&file, before, Some(bytes.len() as u64), &name)?;
    if bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Small::Other(bytes));
    }
    let content = bytes.strip_prefix(BOM).unwrap_or(&bytes);
    let start = content
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(content.len());
    let record = trim(content);
    if record.is_empty() {
        return Ok(Small::Nothing);
    }
    // One line, the first, that is not an array: one record whatever the
    // framing rule says (JSON Lines of one line, or one value), found
    // without scanning the record byte by byte.
    let first_line_only = memchr::memchr(b'\n', &content[..start]).is_none()
        && memchr::memchr(b'\n', record).is_none();
    let lines_name = super::jsonl_name(&name);
    let one = if first_line_only && record[0] != b'[' {
        true
    } else {
        match framing_for(content, lines_name) {
            Framing::Single => true,
            Framing::Lines => first_line_only,
            _ => false,
        }
    };
    if one {
        // `record` lies within `bytes`: keep its range, not a copy.
        let start = record.as_ptr() as usize - bytes.as_ptr() as usize;
        let range = start..start + record.len();
        Ok(Small::One(bytes, range, ElementNote::default()))
    } else {
        Ok(Small::Other(bytes))
    }
}

/// The two kinds of badge image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Image {
    Png,
    Svg,
}

/// Whether a file is a badge image: by its first bytes (the PNG signature,
/// or an SVG root), or by a name ending in `.png` or `.svg` (a file so
/// named that is neither is then a corrupt image, never text).
fn image_kind(name: &str, file: &File) -> io::Result<Option<Image>> {
    let mut head = [0u8; 512];
    let mut filled = 0;
    let mut reader = file;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    io::Seek::seek(&mut reader, io::SeekFrom::Start(0))?;
    let head = &head[..filled];
    let lower = name.to_ascii_lowercase();
    Ok(if baked::is_png(head) || lower.ends_with(".png") {
        Some(Image::Png)
    } else if lower.ends_with(".svg") || baked::looks_like_svg(head) {
        Some(Image::Svg)
    } else {
        None
    })
}

/// Reads the credential baked into an image: one record, or one refused
/// with the problem that says why there is none. A PNG whose signature is
/// missing is refused after its first bytes, whatever its size.
fn read_image(
    image: Image,
    file: &File,
    before: Snapshot,
    name: &str,
    options: SourceOptions,
    notices: &mut dyn FnMut(Notice),
) -> Result<Small, SourceError> {
    let io_err = |source| SourceError::Io {
        path: name.to_owned(),
        source,
    };
    let refused = |problem| {
        Small::One(
            Vec::new(),
            0..0,
            ElementNote {
                problem: Some(problem),
                warning: None,
            },
        )
    };
    let mapped;
    let read;
    let bytes: &[u8] = if before.len > SMALL_FILE_BYTES {
        let mut head = [0u8; 8];
        let n = io::Read::read(&mut &*file, &mut head).map_err(io_err)?;
        if image == Image::Png && !baked::is_png(&head[..n]) {
            return Ok(refused(Problem::ImageCorrupt));
        }
        match mmap::map_file(file, Path::new(name), notices) {
            Some(map) => {
                mapped = map;
                &mapped
            }
            None => return Ok(refused(Problem::ImageCorrupt)),
        }
    } else {
        let mut buf = Vec::with_capacity(before.len as usize);
        file.take(SMALL_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(io_err)?;
        read = buf;
        &read
    };
    let found = match image {
        Image::Png => baked::extract_png(bytes, options.max_record_bytes),
        Image::Svg => baked::extract_svg(bytes, options.max_record_bytes),
    };
    let whole = (before.len <= SMALL_FILE_BYTES).then_some(bytes.len() as u64);
    recheck(file, before, whole, name)?;
    Ok(match found {
        Ok(baked) => {
            let warning = baked.compressed.then_some(Warning::BakedCompressed);
            let len = baked.payload.len();
            Small::One(
                baked.payload,
                0..len,
                ElementNote {
                    problem: None,
                    warning,
                },
            )
        }
        Err(BakedError::NoCredential(_)) => refused(Problem::BakedNone),
        Err(BakedError::MoreThanOne { .. }) => refused(Problem::BakedTwice),
        Err(BakedError::TooLarge { .. }) => refused(Problem::RecordTooLarge),
        Err(_) => refused(Problem::ImageCorrupt),
    })
}

/// Records of small files gathered for one chunk.
#[derive(Default)]
struct Bundle {
    data: Vec<u8>,
    elements: Vec<Range<usize>>,
    files: Vec<u32>,
    notes: Vec<ElementNote>,
}

impl Bundle {
    fn push(&mut self, input: usize, bytes: &[u8], note: ElementNote) {
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        self.elements.push(start..self.data.len());
        self.files.push(input as u32);
        self.notes.push(note);
    }

    /// Emits what is gathered, if anything; false when the consumer
    /// stopped.
    fn flush(&mut self, emit: &mut dyn FnMut(Chunk) -> bool) -> bool {
        let Some(&first) = self.files.first() else {
            return true;
        };
        let notes = std::mem::take(&mut self.notes);
        let noted = notes.iter().any(|n| *n != ElementNote::default());
        emit(Chunk {
            input: first as usize,
            data: ChunkData::Owned(std::mem::take(&mut self.data)),
            offset: 0,
            elements: std::mem::take(&mut self.elements),
            framing: Framing::Files,
            damaged: false,
            files: std::mem::take(&mut self.files),
            notes: if noted { notes } else { Vec::new() },
            skipped: 0,
        })
    }
}
