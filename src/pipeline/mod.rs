//! The drivers: sequential (the reference) and parallel.
//!
//! ```text
//!  feeder ──chunks──▶ workers (rayon pool) ──outputs──▶ writer (in order) ──▶ sink
//!     ▲                                                   │
//!     └──────────────────── tickets ◀─────────────────────┘
//! ```
//!
//! The feeder cuts inputs into chunks; each worker parses and prepares a
//! whole chunk, batch-verifies its signatures and serialises its verdicts;
//! the writer puts chunk outputs back in input order and adds line numbers.
//! A fixed number of tickets bounds the chunks in flight, so memory stays
//! flat however large the input. Both drivers run the same per-chunk code,
//! so they give byte-identical output.

pub mod record;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::ops::Range;

use crossbeam_channel::bounded;

use crate::report::{OutputFormat, Sink, write_rest};
use crate::source::{Chunk, Framing, InputPath, SourceError, SourceOptions, for_each_chunk};
use crate::verdict::{Problem, Verdict};
use crate::verify::batch::{Signature, verify_each};
use record::{BatchTuner, ChunkWork, Context, Worker, trim};

/// Chunks in flight per worker thread: enough that no worker waits on the
/// feeder or the writer, few enough to keep memory to a few megabytes.
const IN_FLIGHT_PER_THREAD: usize = 4;

/// Default upper bound of signatures per batch. `benches/verify.rs`
/// measured on the 2-core reference machine: 7.5 µs per signature in
/// batches of 64, 6.3 µs at 256, 4.9 µs at 1,024 (the doubling chain of the
/// multiscalar multiplication, about 50 µs, is shared by the batch).
pub const DEFAULT_BATCH_SIZE: usize = 1024;

/// How a run processes records.
pub struct Settings<'r> {
    pub ctx: Context<'r>,
    pub format: OutputFormat,
    pub batch_size: usize,
    pub threads: usize,
    pub source: SourceOptions,
    pub progress: bool,
    /// `--status-lists` was given: CSV records carry `status_messages`.
    pub status_column: bool,
}

impl<'r> Settings<'r> {
    /// The settings of a run of `config` with keys from `resolver`.
    pub fn new(
        config: &crate::VerifyConfig,
        resolver: &'r crate::resolve::KeyResolver,
        status: &'r crate::status::check::StatusLists,
        jsonld: &'r crate::jsonld::Processor,
    ) -> Settings<'r> {
        Settings {
            ctx: Context {
                resolver,
                jsonld,
                status,
                as_of: config.as_of,
                max_record_bytes: config.source.max_record_bytes,
            },
            format: config.format,
            batch_size: config.batch_size,
            threads: config.threads,
            source: config.source,
            progress: config.progress,
            status_column: !config.status_lists.is_empty(),
        }
    }
}

/// A chunk's verdicts, serialised but for their line numbers.
pub struct ChunkOutput {
    input: usize,
    span: u64,
    bytes_read: u64,
    /// Per record: local line, verdict, end of its bytes in `text`.
    records: Vec<(u64, Verdict, usize)>,
    text: Vec<u8>,
    signatures: u64,
}

/// Counts of a completed run, before elapsed time is known.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub records: u64,
    pub verdicts: [u64; 14],
    pub signatures: u64,
    pub stopped_early: bool,
}

/// A run-level failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot write verdicts: {0}")]
    Write(io::Error),
}

/// Parses, prepares and verifies one chunk.
pub fn process_chunk(
    worker: &mut Worker,
    work: &mut ChunkWork,
    settings: &Settings<'_>,
    chunk: &Chunk,
) -> ChunkOutput {
    work.clear();
    let data = chunk.data.bytes();
    // Line (or element) numbers this chunk covers.
    let mut span = 0u64;
    match chunk.framing {
        Framing::Lines => {
            let mut start = 0;
            let last = (data.last() != Some(&b'\n') && !data.is_empty()).then_some(data.len());
            for (line, end) in memchr::memchr_iter(b'\n', data).chain(last).enumerate() {
                let raw = &data[start..end];
                let record = trim(raw);
                // Too large is judged on the line as read, spaces included,
                // so the mapped and the streamed paths (which keeps only a
                // long line's head) agree.
                if raw.len() > settings.ctx.max_record_bytes {
                    worker.too_large(line as u64, chunk.offset + start as u64, work);
                } else if !record.is_empty() {
                    worker.evaluate(
                        &settings.ctx,
                        record,
                        line as u64,
                        chunk.offset + start as u64,
                        work,
                    );
                }
                start = end + 1;
                span = line as u64 + 1;
            }
        }
        Framing::Array => {
            span = chunk.elements.len() as u64;
            for (i, range) in chunk.elements.iter().enumerate() {
                let offset = chunk.offset + range.start as u64;
                if range.len() > settings.ctx.max_record_bytes {
                    worker.too_large(i as u64, offset, work);
                    continue;
                }
                worker.evaluate(
                    &settings.ctx,
                    trim(&data[Range::clone(range)]),
                    i as u64,
                    offset,
                    work,
                );
            }
        }
    }
    settle_signatures(worker, work, settings.batch_size);
    let mut text = Vec::with_capacity(work.records.len() * 160);
    let mut records = Vec::with_capacity(work.records.len());
    for rec in work.records.iter_mut() {
        // Status is trusted only once the proof verified and the issuer
        // matched (CONTRACT.md).
        if rec.problems.verdict() > Verdict::IssuerMismatch {
            rec.problems.extend(rec.status.problems);
            rec.warnings.extend(rec.status.warnings);
        } else {
            rec.status.messages.clear();
        }
    }
    for rec in &work.records {
        write_rest(
            settings.format,
            settings.status_column,
            rec,
            work,
            &mut text,
        );
        records.push((rec.line, rec.problems.verdict(), text.len()));
    }
    ChunkOutput {
        input: chunk.input,
        span,
        bytes_read: data.len() as u64,
        records,
        text,
        signatures: work.signatures.len() as u64,
    }
}

/// Hashes and verifies the signatures a chunk's records wait on, marking
/// each record whose signature fails.
fn settle_signatures(worker: &mut Worker, work: &mut ChunkWork, limit: usize) {
    work.prepare_signatures();
    let answers = verify_signatures(&mut worker.batch, &work.signatures, limit);
    for (j, good) in answers.into_iter().enumerate() {
        if !good {
            let owner = work.owners[j] as usize;
            work.records[owner]
                .problems
                .insert(Problem::InvalidSignature);
        }
    }
}

/// Judges standalone documents (status list credentials) exactly as records
/// are judged: each one's problems, its own status entries aside.
pub fn judge_documents(ctx: &Context<'_>, docs: &[&[u8]]) -> Vec<crate::verdict::Problems> {
    let mut worker = Worker::default();
    let mut work = ChunkWork::default();
    for (i, doc) in docs.iter().enumerate() {
        worker.evaluate(ctx, trim(doc), i as u64, 0, &mut work);
    }
    settle_signatures(&mut worker, &mut work, DEFAULT_BATCH_SIZE);
    work.records.iter().map(|r| r.problems).collect()
}

/// Each signature's answer, checked in batches of at most `limit` whose
/// sizes `tuner` chooses.
pub fn verify_signatures(
    tuner: &mut BatchTuner,
    signatures: &[Signature],
    limit: usize,
) -> Vec<bool> {
    let mut answers = Vec::with_capacity(signatures.len());
    while answers.len() < signatures.len() {
        let start = answers.len();
        let end = (start + tuner.size(limit)).min(signatures.len());
        let group = verify_each(&signatures[start..end]);
        tuner.record(group.len(), group.iter().filter(|ok| !**ok).count());
        answers.extend(group);
    }
    answers
}

/// Puts chunk outputs into the sink in order, numbering lines.
struct Writer<'s> {
    sink: &'s mut dyn Sink,
    base: Vec<u64>,
    totals: Totals,
    progress: Option<indicatif::ProgressBar>,
}

impl Writer<'_> {
    fn write(&mut self, out: &ChunkOutput) -> io::Result<()> {
        if self.base.len() <= out.input {
            self.base.resize(out.input + 1, 0);
        }
        let base = self.base[out.input];
        let mut start = 0;
        for &(line, verdict, end) in &out.records {
            self.sink
                .record(out.input, base + line + 1, verdict, &out.text[start..end])?;
            self.totals.verdicts[verdict as usize] += 1;
            start = end;
        }
        self.totals.records += out.records.len() as u64;
        self.totals.signatures += out.signatures;
        self.base[out.input] = base + out.span;
        if let Some(bar) = &self.progress {
            bar.inc(out.bytes_read);
        }
        Ok(())
    }
}

fn progress_bar(settings: &Settings<'_>, inputs: &[InputPath]) -> Option<indicatif::ProgressBar> {
    if !settings.progress || !io::stderr().is_terminal() {
        return None;
    }
    let total: u64 = inputs
        .iter()
        .map(|i| match i {
            InputPath::File(p) if !p.to_string_lossy().ends_with(".gz") => {
                std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            }
            _ => 0,
        })
        .sum();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

fn finish(writer: &mut Writer<'_>, result: io::Result<()>) -> Result<(), PipelineError> {
    if let Some(bar) = writer.progress.take() {
        bar.finish_and_clear();
    }
    match result.and_then(|()| writer.sink.finish()) {
        Ok(()) => Ok(()),
        // A reader that went away (`| head`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            writer.totals.stopped_early = true;
            Ok(())
        }
        Err(e) => Err(PipelineError::Write(e)),
    }
}

/// The reference driver: one thread, chunks in order.
pub fn run_sequential(
    inputs: &[InputPath],
    settings: &Settings<'_>,
    sink: &mut dyn Sink,
) -> Result<Totals, PipelineError> {
    let mut writer = Writer {
        sink,
        base: Vec::new(),
        totals: Totals::default(),
        progress: progress_bar(settings, inputs),
    };
    let mut worker = Worker::default();
    let mut work = ChunkWork::default();
    let mut write_result = Ok(());
    for (index, input) in inputs.iter().enumerate() {
        for_each_chunk(index, input, settings.source, &mut |chunk| {
            let out = process_chunk(&mut worker, &mut work, settings, &chunk);
            write_result = writer.write(&out);
            write_result.is_ok()
        })?;
        if write_result.is_err() {
            break;
        }
    }
    finish(&mut writer, write_result)?;
    Ok(writer.totals)
}

/// The parallel driver; gives the same output as [`run_sequential`].
pub fn run_parallel(
    inputs: &[InputPath],
    settings: &Settings<'_>,
    sink: &mut dyn Sink,
) -> Result<Totals, PipelineError> {
    let threads = settings.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("credverify-worker-{i}"))
        .build()
        .map_err(|e| PipelineError::Write(io::Error::other(e)))?;
    let in_flight = threads * IN_FLIGHT_PER_THREAD;
    let (chunk_tx, chunk_rx) = bounded::<(u64, Chunk)>(in_flight);
    let (out_tx, out_rx) = bounded::<(u64, ChunkOutput)>(in_flight);
    let (ticket_tx, ticket_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = ticket_tx.send(());
    }
    let mut writer = Writer {
        sink,
        base: Vec::new(),
        totals: Totals::default(),
        progress: progress_bar(settings, inputs),
    };
    let (source_result, write_result) = std::thread::scope(|scope| {
        let feeder = scope.spawn(move || {
            let mut seq = 0u64;
            for (index, input) in inputs.iter().enumerate() {
                let mut open = true;
                for_each_chunk(index, input, settings.source, &mut |chunk| {
                    open = ticket_rx.recv().is_ok() && chunk_tx.send((seq, chunk)).is_ok();
                    seq += 1;
                    open
                })?;
                if !open {
                    break;
                }
            }
            Ok::<(), SourceError>(())
        });
        scope.spawn(move || {
            pool.broadcast(|_| {
                let mut worker = Worker::default();
                let mut work = ChunkWork::default();
                for (seq, chunk) in chunk_rx.iter() {
                    let out = process_chunk(&mut worker, &mut work, settings, &chunk);
                    drop(chunk);
                    if out_tx.send((seq, out)).is_err() {
                        return;
                    }
                }
            });
        });
        // The writer: this thread.
        let mut pending: BTreeMap<u64, ChunkOutput> = BTreeMap::new();
        let mut next = 0u64;
        let mut result = Ok(());
        'outer: for (seq, out) in out_rx.iter() {
            pending.insert(seq, out);
            while let Some(out) = pending.remove(&next) {
                if let Err(e) = writer.write(&out) {
                    result = Err(e);
                    break 'outer;
                }
                next += 1;
                let _ = ticket_tx.send(());
            }
        }
        // Dropping the receivers and tickets stops the feeder and workers
        // when the writer stopped early.
        drop(out_rx);
        drop(ticket_tx);
        let source_result = feeder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (source_result, result)
    });
    source_result?;
    finish(&mut writer, write_result)?;
    Ok(writer.totals)
}
