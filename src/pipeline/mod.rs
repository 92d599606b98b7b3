//! The drivers: sequential (the reference) and parallel.
//!
//! ```text
//!  feeder ──chunks──▶ workers (rayon pool) ──outputs──▶ writer (in order) ──▶ sink
//!     ▲                                                   │
//!     └──────────────────── tickets ◀─────────────────────┘
//! ```
//!
//! The feeder cuts inputs into chunks; each worker evaluates a whole chunk
//! and batch-verifies its signatures; the writer puts chunk outputs back in
//! input order, numbers their lines and hands each record to the sink,
//! which renders it. Rendering there is serial: it costs about 120 ns per
//! record (`perf` over the default export), so one writer keeps up with
//! some eight million records per second, far beyond what the workers of
//! any machine verify.
//! A fixed number of tickets bounds the chunks in flight, so memory stays
//! flat however large the input. Both drivers run the same per-chunk code,
//! so they give byte-identical output.

use std::collections::{BTreeMap, HashMap};
use std::io;

use crossbeam_channel::bounded;

use std::sync::Arc;

use crate::evaluate::{ChunkWork, Context, Evaluator, TextRange};
use crate::index_record::Prepared;
use crate::jsonld::context::ActiveContext;
use crate::report::Sink;
use crate::source::bundle::for_each_chunk_of;
use crate::source::{Chunk, InputPath, Notice, SourceError, SourceOptions};
use crate::time::Timestamp;
use crate::verdict::Revalidation;
use crate::verdict::{EvidenceSet, Format, Problem, Problems, Verdict, VerdictRecord, Warnings};

/// Chunks in flight per worker thread: enough that no worker waits on the
/// feeder or the writer, few enough to keep memory to a few megabytes.
const IN_FLIGHT_PER_THREAD: usize = 4;

/// How a run processes records.
pub struct Settings<'r> {
    /// What every record is judged against.
    pub ctx: Context<'r>,

    /// Upper bound of signatures per batch.
    pub batch_size: usize,
    /// Worker threads.
    pub threads: usize,
    /// How inputs are opened and cut.
    pub source: SourceOptions,
    /// Whether each record's [`Revalidation`] reaches the sink (for
    /// `verify --index`).
    pub capture: bool,
    /// A shard's share of each input (`verify --shard`); `None`: all of
    /// every input.
    pub shares: Option<&'r [crate::shard::Share]>,
}

/// What a run tells its caller besides verdicts: how far it has got, and
/// what it noticed on the way. The library prints nothing itself; the
/// command line draws a progress bar and prints notices to standard error.
/// Called from the run's threads, in no particular order across them.
pub trait Observer: Sync {
    /// `bytes` more bytes of input were verified.
    fn progress(&self, _bytes: u64) {}

    /// Something about an input the caller may want to tell its user.
    fn notice(&self, _notice: &Notice) {}

    /// Whether the run should stop (a signal arrived): checked before each
    /// chunk is read, so the run stops within one chunk's work and ends
    /// with [`PipelineError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// A chunk's verdicts, as the writer hands them to the sink.
///
/// Only what a sink sees crosses from the worker to the writer: a compact
/// entry per record, the records' ids and issuers, and the few records'
/// evidence, messages and contexts. Whole records (about 170 bytes each)
/// stay with the worker: moving them through the writer's core cost 4-5%
/// of the default export's throughput (`time credverify verify`, 1,000,000
/// records, two threads).
pub struct ChunkOutput {
    input: usize,
    /// A bundle's inputs, one per entry ([`crate::source::Framing::Files`]).
    files: Vec<u32>,
    span: u64,
    bytes_read: u64,
    entries: Vec<Entry>,
    /// The records' ids and issuers.
    text: String,
    extras: Vec<Extra>,
    /// The records as their index keeps them, when the run writes one.
    index: Option<Prepared>,
    signatures: u64,
}

/// One record of a [`ChunkOutput`].
struct Entry {
    line: u64,
    id: Option<TextRange>,
    issuer: Option<TextRange>,
    format: Option<Format>,
    disclosed: Option<u32>,
    problems: Problems,
    warnings: Warnings,
    /// Index of its [`Extra`], if it has one.
    extra: Option<u32>,
}

/// What few records have: evidence, status messages and snapshots,
/// contexts.
struct Extra {
    evidence: EvidenceSet,
    messages: Vec<String>,
    snapshots: Vec<(Box<str>, Option<Timestamp>)>,
    contexts: Option<Arc<ActiveContext>>,
}

impl ChunkOutput {
    /// The record of `entry` as a sink sees it.
    fn view<'a>(&'a self, entry: &Entry) -> VerdictRecord<'a> {
        static NONE: EvidenceSet = EvidenceSet::new();
        let range = |r: TextRange| &self.text[r.0 as usize..(r.0 + r.1) as usize];
        let extra = entry.extra.map(|i| &self.extras[i as usize]);
        let signature_failed = entry.problems.contains(Problem::InvalidSignature);
        VerdictRecord {
            id: entry.id.map(range),
            issuer: entry.issuer.map(range),
            format: entry.format,
            disclosed: entry.disclosed,
            problems: entry.problems,
            warnings: entry.warnings,
            evidence: extra.map_or(&NONE, |e| &e.evidence),
            status_messages: extra.map_or(&[], |e| &e.messages),
            status_snapshots: extra.map_or(&[], |e| &e.snapshots),
            previous: None,
            contexts: match extra.and_then(|e| e.contexts.as_ref()) {
                Some(active) if signature_failed => &active.sources,
                _ => &[],
            },
        }
    }
}

/// Counts of a completed run, before elapsed time is known.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    /// Records written to the sink.
    pub records: u64,
    /// Count per verdict, indexed by `Verdict as usize`.
    pub verdicts: [u64; 14],
    /// Signatures prepared for the batch verifier.
    pub signatures: u64,
    /// JSON array inputs that lost their framing: the input's index and
    /// the element number of its `framing_lost` record.
    pub damaged: Vec<(usize, u64)>,
    /// Files found in a directory walk that could not be opened: the
    /// input's index and why ([`Notice::Unreadable`]).
    pub unreadable: Vec<(usize, String)>,
    /// Verdict counts per issuer ([`IssuerCounts`]).
    pub issuers: IssuerCounts,
    /// Records that are Open Badges 2.0 hosted assertions (problem
    /// `hosted_assertion`): they need an online check.
    pub hosted: u64,
    /// Inputs that were read and held no record (an empty or blank file):
    /// their indices, in order. Unreadable files are not among them.
    pub empty: Vec<usize>,
    /// Records written per input, by input index.
    pub per_input: Vec<u64>,
}

impl Totals {
    /// Counts one record written to the sink, of input `input`, line
    /// `line`: its verdict, overall and for its issuer, and what its
    /// problems say of the run (a hosted assertion, framing lost).
    pub fn count(&mut self, input: usize, line: u64, issuer: Option<&str>, problems: Problems) {
        let verdict = problems.verdict();
        let ordinal = self.records;
        self.records += 1;
        if self.per_input.len() <= input {
            self.per_input.resize(input + 1, 0);
        }
        self.per_input[input] += 1;
        self.verdicts[verdict as usize] += 1;
        self.issuers.add(issuer, verdict, ordinal);
        if problems.contains(Problem::HostedAssertion) {
            self.hosted += 1;
        }
        if problems.contains(Problem::FramingLost) {
            self.damaged.push((input, line));
        }
    }
}

/// Verdict counts per issuer id, for at most
/// [`crate::limits::SUMMARY_ISSUERS`] issuers; records without an issuer
/// (those that did not parse that far) and those of issuers past the bound
/// are counted apart.
#[derive(Clone, Debug, Default)]
pub struct IssuerCounts {
    /// Counts per issuer id, indexed by `Verdict as usize`.
    pub by_issuer: HashMap<String, [u64; 14]>,
    /// Records with no issuer.
    pub none: [u64; 14],
    /// Records of issuers past the bound.
    pub others: [u64; 14],
    /// The ordinal of each counted issuer's first record.
    pub first: HashMap<String, u64>,
}

impl IssuerCounts {
    /// Counts one record, the run's `ordinal`-th (from 0).
    pub fn add(&mut self, issuer: Option<&str>, verdict: Verdict, ordinal: u64) {
        let slot = match issuer {
            None => &mut self.none,
            Some(id) => {
                if let Some(counts) = self.by_issuer.get_mut(id) {
                    counts
                } else if self.by_issuer.len() < crate::limits::SUMMARY_ISSUERS {
                    self.first.insert(id.to_owned(), ordinal);
                    self.by_issuer.entry(id.to_owned()).or_default()
                } else {
                    &mut self.others
                }
            }
        };
        slot[verdict as usize] += 1;
    }
}

/// A run-level failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// An input could not be read or framed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Writing to the sink failed, a reader that went away included.
    #[error("cannot write verdicts: {0}")]
    Write(io::Error),
    /// The observer asked the run to stop ([`Observer::cancelled`]) after
    /// `records` records were written.
    #[error("stopped after {records} records")]
    Cancelled {
        /// Records written before the run stopped.
        records: u64,
    },
    /// The worker pool could not be built.
    #[error("cannot start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Evaluates one chunk into the output its sink sees.
pub fn process_chunk(
    evaluator: &mut Evaluator,
    work: &mut ChunkWork,
    settings: &Settings<'_>,
    chunk: &Chunk,
) -> ChunkOutput {
    // With `--index`: the chunk's index records, in the buffers of one
    // the writer is done with, when the caller put one in `work`.
    work.index = settings.capture.then(|| {
        let mut index = work.index.take().unwrap_or_default();
        index.clear();
        index
    });
    let span = evaluator.evaluate_chunk(&settings.ctx, chunk, settings.batch_size, work);
    let mut entries = Vec::with_capacity(work.records.len());
    let mut extras = Vec::new();
    let mut index = work.index.take();
    for rec in &mut work.records {
        // Contexts are reported only with a failed signature.
        let contexts = rec
            .contexts
            .take()
            .filter(|_| rec.findings.problems.contains(Problem::InvalidSignature));
        let messages = std::mem::take(&mut rec.status.messages);
        let snapshots = std::mem::take(&mut rec.status.snapshots);
        let evidence = std::mem::take(&mut rec.findings.evidence);
        if let Some(index) = &mut index {
            // Encoded here, and dropped by the thread that allocated it.
            let revalidation = Revalidation {
                window: rec.window,
                proof_expires: std::mem::take(&mut rec.proof_expires),
                status: None,
                signed_by: std::mem::take(&mut rec.signed_by),
            };
            let range = |r: TextRange| &work.text[r.0 as usize..(r.0 + r.1) as usize];
            let record = VerdictRecord {
                id: rec.id.map(range),
                issuer: rec.issuer.map(range),
                format: rec.format,
                disclosed: rec.findings.disclosed,
                problems: rec.findings.problems,
                warnings: rec.findings.warnings,
                evidence: &evidence,
                status_messages: &messages,
                status_snapshots: &snapshots,
                previous: None,
                contexts: contexts.as_ref().map_or(&[], |c| &c.sources),
            };
            index.push(&record, &revalidation, rec.status_part.as_ref());
            let mut keys = revalidation.signed_by;
            if keys.capacity() > 0 {
                keys.clear();
                work.spare_keys.push(keys);
            }
        }
        let rare = !evidence.is_empty() || !messages.is_empty() || !snapshots.is_empty();
        let extra = (rare || contexts.is_some()).then(|| {
            extras.push(Extra {
                evidence,
                messages,
                snapshots,
                contexts,
            });
            extras.len() as u32 - 1
        });
        entries.push(Entry {
            line: rec.line,
            id: rec.id,
            issuer: rec.issuer,
            format: rec.format,
            disclosed: rec.findings.disclosed,
            problems: rec.findings.problems,
            warnings: rec.findings.warnings,
            extra,
        });
    }
    ChunkOutput {
        input: chunk.input,
        files: chunk.files.clone(),
        span,
        bytes_read: chunk.data.bytes().len() as u64,
        entries,
        text: work.text.clone(),
        extras,
        index,
        signatures: work.signatures.prepared() as u64,
    }
}

/// Puts chunk outputs into the sink in order, numbering lines.
struct Writer<'s> {
    sink: &'s mut dyn Sink,
    base: Vec<u64>,
    totals: Totals,
    observer: &'s dyn Observer,
    /// Whether each input gave a record.
    held: Vec<bool>,
}

impl Writer<'_> {
    fn write(&mut self, out: &ChunkOutput) -> io::Result<()> {
        if self.base.len() <= out.input {
            self.base.resize(out.input + 1, 0);
        }
        let base = self.base[out.input];
        for (n, entry) in out.entries.iter().enumerate() {
            let view = out.view(entry);
            // A bundle's entry is the one record of its own input.
            let (input, line) = match out.files.get(entry.line as usize) {
                Some(&file) => (file as usize, 1),
                None => (out.input, base + entry.line + 1),
            };
            match out.index.as_ref().and_then(|p| p.record(n)) {
                Some(part) => self.sink.record_indexed(input, line, &view, part)?,
                None => self.sink.record(input, line, &view)?,
            }
            if let Some(held) = self.held.get_mut(input) {
                *held = true;
            }
            self.totals.count(input, line, view.issuer, view.problems);
        }
        self.totals.signatures += out.signatures;
        if out.files.is_empty() {
            self.base[out.input] = base + out.span;
        }
        self.observer.progress(out.bytes_read);
        Ok(())
    }
}

impl Writer<'_> {
    /// Completes the totals once every chunk was written: the files that
    /// could not be opened, and the inputs read that held no record.
    fn note_empty(&mut self, unreadable: Vec<(usize, String)>) {
        let mut gone = vec![false; self.held.len()];
        for (input, _) in &unreadable {
            if let Some(g) = gone.get_mut(*input) {
                *g = true;
            }
        }
        self.totals.empty = (0..self.held.len())
            .filter(|&i| !self.held[i] && !gone[i])
            .collect();
        self.totals.unreadable = unreadable;
    }
}

fn finish(writer: &mut Writer<'_>, result: io::Result<()>) -> Result<(), PipelineError> {
    // A reader that went away (`| head`) fails the run too: verdicts were
    // lost, and a script must not take the run for complete.
    result
        .and_then(|()| writer.sink.finish())
        .map_err(PipelineError::Write)?;
    if writer.observer.cancelled() {
        return Err(PipelineError::Cancelled {
            records: writer.totals.records,
        });
    }
    Ok(())
}

/// The reference driver: one thread, chunks in order.
pub fn run_sequential(
    inputs: &[InputPath],
    settings: &Settings<'_>,
    sink: &mut dyn Sink,
    observer: &dyn Observer,
) -> Result<Totals, PipelineError> {
    let mut writer = Writer {
        sink,
        base: Vec::new(),
        totals: Totals::default(),
        observer,
        held: vec![false; inputs.len()],
    };
    let mut evaluator = Evaluator::default();
    let mut work = ChunkWork::default();
    let mut write_result = Ok(());
    let mut unreadable = Vec::new();
    let mut notice = |n: Notice| {
        note_unreadable(&n, &mut unreadable);
        observer.notice(&n);
    };
    let shares = settings.shares;
    for_each_chunk_of(
        inputs,
        settings.source,
        shares,
        None,
        &mut notice,
        &mut |chunk| {
            if observer.cancelled() {
                return false;
            }
            let mut out = process_chunk(&mut evaluator, &mut work, settings, &chunk);
            write_result = writer.write(&out);
            work.index = out.index.take();
            write_result.is_ok()
        },
    )?;
    finish(&mut writer, write_result)?;
    writer.note_empty(unreadable);
    Ok(writer.totals)
}

/// Keeps what the totals say of a file that could not be opened.
fn note_unreadable(notice: &Notice, unreadable: &mut Vec<(usize, String)>) {
    if let Notice::Unreadable { input, error, .. } = notice {
        unreadable.push((*input, error.to_string()));
    }
}

/// The parallel driver; gives the same output as [`run_sequential`].
pub fn run_parallel(
    inputs: &[InputPath],
    settings: &Settings<'_>,
    sink: &mut dyn Sink,
    observer: &dyn Observer,
) -> Result<Totals, PipelineError> {
    let threads = settings.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("credverify-worker-{i}"))
        .stack_size(crate::limits::WORKER_STACK_BYTES)
        .build()?;
    // Small files are opened and read ahead on threads of their own (the
    // workers' are busy evaluating), as many as the run was given, never
    // the machine's every core.
    let readers = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("credverify-reader-{i}"))
        .build()?;
    let in_flight = threads * IN_FLIGHT_PER_THREAD;
    let (chunk_tx, chunk_rx) = bounded::<(u64, Chunk)>(in_flight);
    let (out_tx, out_rx) = bounded::<(u64, ChunkOutput)>(in_flight);
    let (ticket_tx, ticket_rx) = bounded::<()>(in_flight);
    // Index buffers the writer is done with, back to the workers (at most
    // one per chunk in flight), so that no worker grows new ones for every
    // chunk and frees them on the writer's thread.
    let (spare_tx, spare_rx) = bounded::<Prepared>(in_flight);
    for _ in 0..in_flight {
        let _ = ticket_tx.send(());
    }
    let mut writer = Writer {
        sink,
        base: Vec::new(),
        totals: Totals::default(),
        observer,
        held: vec![false; inputs.len()],
    };
    let (source_result, write_result) = std::thread::scope(|scope| {
        let feeder = scope.spawn(move || {
            let mut seq = 0u64;
            let mut unreadable = Vec::new();
            let mut notice = |n: Notice| {
                note_unreadable(&n, &mut unreadable);
                observer.notice(&n);
            };
            for_each_chunk_of(
                inputs,
                settings.source,
                settings.shares,
                Some(&readers),
                &mut notice,
                &mut |chunk| {
                    let open = !observer.cancelled()
                        && ticket_rx.recv().is_ok()
                        && chunk_tx.send((seq, chunk)).is_ok();
                    seq += 1;
                    open
                },
            )?;
            Ok::<_, SourceError>(unreadable)
        });
        scope.spawn(move || {
            pool.broadcast(|_| {
                let mut evaluator = Evaluator::default();
                let mut work = ChunkWork::default();
                for (seq, chunk) in chunk_rx.iter() {
                    work.index = spare_rx.try_recv().ok();
                    let out = process_chunk(&mut evaluator, &mut work, settings, &chunk);
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
            while let Some(mut out) = pending.remove(&next) {
                if let Err(e) = writer.write(&out) {
                    result = Err(e);
                    break 'outer;
                }
                if let Some(index) = out.index.take() {
                    let _ = spare_tx.try_send(index);
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
    let unreadable = source_result?;
    finish(&mut writer, write_result)?;
    writer.note_empty(unreadable);
    Ok(writer.totals)
}
