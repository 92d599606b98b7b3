//! `credverify throughput`: end-to-end records/s on an export, next to the
//! raw rate of the project's own Ed25519 batch verifier on the same
//! signatures, and their ratio. Speed is measured here and in
//! `benches/`, never in tests.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use clap::Args;

use crate::error::RunError;
use crate::evaluate::{ChunkWork, Evaluator};
use crate::pipeline::process_chunk;
use crate::report::{OutputFormat, VerdictWriter};
use crate::run::{self, VerifyConfig, verify};
use crate::source::documents::DocumentSource;
use crate::source::{InputPath, for_each_chunk};
use crate::time::Stopwatch;
use crate::verify::batch::Signature;
use crate::verify::queue::Triple;
use crate::verify::tuner::{BatchTuner, DEFAULT_BATCH_SIZE, Strategy, verify_in_batches};
use crate::verify::{VerifyingKey, prepare_many};

/// At most this many signatures are extracted for the raw rate: enough for
/// a stable figure, bounded in memory for JWT exports (messages of ~3 KB).
const MAX_TRIPLES: usize = 500_000;

/// Signatures per parallel task of the raw measurement: about one input
/// chunk's worth, as in the pipeline.
const RAW_GROUP: usize = 800;

/// `credverify throughput`.
#[derive(Debug, Args)]
pub struct ThroughputArgs {
    /// The export to measure (as `generate` writes it).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// DID documents (as for `verify`).
    #[arg(long, value_name = "PATH")]
    pub dids: Vec<String>,

    /// Status list credentials (as for `verify`).
    #[arg(long, value_name = "PATH")]
    pub status_lists: Vec<String>,

    /// JSON-LD contexts (as for `verify`).
    #[arg(long, value_name = "PATH")]
    pub contexts: Option<PathBuf>,

    /// The judging instant (the export's manifest.json names it).
    #[arg(long, value_name = "RFC 3339")]
    pub as_of: String,

    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Signatures per batch.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,

    /// Measure this many times, alternating pipeline and raw runs, and
    /// report the round of the median ratio with the spread: on a shared
    /// machine a single run can be off by several percent.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub rounds: usize,

    /// Instead of the raw verifier, time the pipeline writing a
    /// revalidation index (`verify --index`, into a temporary directory
    /// under DIR, removed after each round) against the pipeline without
    /// one, alternated round by round, and report what the index costs.
    #[arg(long, value_name = "DIR")]
    pub index_overhead: Option<PathBuf>,
}

/// Runs the measurement and prints its report on standard output.
pub fn run(args: &ThroughputArgs) -> Result<(), RunError> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let input = InputPath::File(args.input.clone());
    let as_of = crate::cli::resolve_as_of(Some(&args.as_of), &crate::time::SystemClock)?;
    let mut config = VerifyConfig::new(vec![input.clone()], as_of);
    config.threads = threads;
    config.batch_size = args.batch_size.max(1);
    config.dids = args.dids.iter().map(|d| DocumentSource::parse(d)).collect();
    config.status_lists = args
        .status_lists
        .iter()
        .map(|d| DocumentSource::parse(d))
        .collect();
    config.contexts = args.contexts.clone();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(crate::limits::WORKER_STACK_BYTES)
        .build()?;
    let batch = config.batch_size;
    let count = args.rounds.max(1);
    if let Some(dir) = &args.index_overhead {
        return index_overhead(&config, dir, count);
    }
    let names = [input.display()];
    // Rounds alternate the two measurements, so that a change in the
    // machine's load during the command touches both alike.
    let mut rounds = Vec::with_capacity(count);
    let mut triples: Option<Vec<Triple>> = None;
    let mut shapes = (0, 0, 0);
    for round in 1..=count {
        // Verdicts are rendered as `verify` renders them, then discarded:
        // the pipeline's rate includes writing its output.
        let mut sink = VerdictWriter::new(io::sink(), OutputFormat::Jsonl, &names)
            .map_err(RunError::Stdout)?;
        let summary = verify(&config, &mut sink)?;
        let triples = match &triples {
            Some(t) => t,
            None => {
                let (t, s) = extract(&config, &input)?;
                shapes = s;
                triples.insert(t)
            }
        };
        let (raw_seconds, accepted) = raw_run(&pool, triples, batch, Strategy::Adaptive);
        let measured = Round {
            summary,
            raw_rate: triples.len() as f64 / raw_seconds,
        };
        if count > 1 {
            println!(
                "round {round}:           {:.0} records/s, {:.0} signatures/s, ratio {}",
                measured.summary.records_per_second(),
                measured.raw_rate,
                shown(measured.ratio())
            );
        }
        rounds.push((measured, raw_seconds, accepted));
    }
    let triples = triples.unwrap_or_default();
    rounds.sort_by(|a, b| a.0.ratio().total_cmp(&b.0.ratio()));
    let ratios: Vec<f64> = rounds.iter().map(|r| r.0.ratio()).collect();
    // The round of the median ratio (the lower middle one of an even count).
    let (median, raw_seconds, accepted) = &rounds[(rounds.len() - 1) / 2];
    let summary = &median.summary;
    let rps = summary.records_per_second();
    println!("input:              {}", args.input.display());
    println!("threads:            {threads}   batch size: {batch}");
    println!(
        "pipeline:           {} records in {:.3} s = {:.0} records/s ({} signatures)",
        summary.records, summary.elapsed_seconds, rps, summary.signatures
    );
    println!(
        "raw batch verifier: {} signatures in {:.3} s = {:.0} signatures/s ({accepted} accepted)",
        triples.len(),
        raw_seconds,
        median.raw_rate
    );
    let (replayed, compiled, expanded) = shapes;
    let jsonld = replayed + compiled + expanded;
    if jsonld > 0 {
        println!(
            "JSON-LD shapes:     {replayed} replayed, {compiled} compiled, {expanded} expanded: hit rate {:.2}% (of the {jsonld} documents and proof configurations read for the raw run)",
            100.0 * replayed as f64 / jsonld as f64
        );
    }
    println!(
        "ratio:              {} (pipeline signatures/s ÷ raw signatures/s; {:.3} signatures per record)",
        shown(median.ratio()),
        median.per_record()
    );
    if count > 1 {
        println!(
            "ratio over {count} rounds: min {}, median {}, max {} (the lines above are the median round)",
            shown(ratios[0]),
            shown(median.ratio()),
            shown(ratios[ratios.len() - 1])
        );
    }
    Ok(())
}

/// A ratio to three places, or `n/a` when the export has no Ed25519
/// signature to compare (RS256 and ES256 tokens are checked one by one,
/// not by the batch verifier).
fn shown(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{ratio:.3}")
    } else {
        "n/a".to_owned()
    }
}

/// `--index-overhead`: the pipeline with and without an index, alternated
/// `count` times; per round, the ratio of the two rates.
fn index_overhead(
    config: &VerifyConfig,
    dir: &std::path::Path,
    count: usize,
) -> Result<(), RunError> {
    let names = [config.inputs[0].display()];
    let rate = |config: &VerifyConfig| -> Result<(f64, u64), RunError> {
        let mut sink = VerdictWriter::new(io::sink(), OutputFormat::Jsonl, &names)
            .map_err(RunError::Stdout)?;
        let summary = verify(config, &mut sink)?;
        Ok((summary.records_per_second(), summary.records))
    };
    let target = dir.join(format!("credverify-overhead-{}", std::process::id()));
    let mut indexed = config.clone();
    indexed.index = Some(run::IndexTarget {
        dir: target.clone(),
        named_files: false,
    });
    let mut costs = Vec::with_capacity(count);
    for round in 1..=count {
        let (plain, records) = rate(config)?;
        let _ = std::fs::remove_dir_all(&target);
        let (with_index, _) = rate(&indexed)?;
        let _ = std::fs::remove_dir_all(&target);
        let cost = plain / with_index - 1.0;
        println!(
            "round {round}: {records} records, {plain:.0} records/s without an index, {with_index:.0} with one: {:+.1}%",
            100.0 * cost
        );
        costs.push(cost);
    }
    costs.sort_by(f64::total_cmp);
    println!(
        "index cost over {count} rounds: min {:+.1}%, median {:+.1}%, max {:+.1}% (time with an index over time without, minus 1)",
        100.0 * costs[0],
        100.0 * costs[(count - 1) / 2],
        100.0 * costs[count - 1]
    );
    Ok(())
}

/// One round's measurements.
struct Round {
    summary: crate::report::summary::RunSummary,
    raw_rate: f64,
}

impl Round {
    fn per_record(&self) -> f64 {
        self.summary.signatures as f64 / self.summary.records.max(1) as f64
    }

    fn ratio(&self) -> f64 {
        self.summary.records_per_second() * self.per_record() / self.raw_rate
    }
}

/// Verifies `triples` on `pool` as the pipeline's workers would, preparing
/// them (challenges hashed, `R` screened) and checking them in batches
/// of at most `batch` with one tuner per thread checking as `strategy`
/// says; returns the seconds taken and how many signatures were accepted.
/// This is the "raw batch verifier" of the report (`Strategy::Adaptive`)
/// and what `benches/forged.rs` times.
pub fn raw_run(
    pool: &rayon::ThreadPool,
    triples: &[Triple],
    batch: usize,
    strategy: Strategy,
) -> (f64, usize) {
    let watch = Stopwatch::start();
    // The same batching as the pipeline: each worker takes chunk-sized
    // groups in turn and keeps its own tuner for the whole run.
    let groups: Vec<&[Triple]> = triples.chunks(RAW_GROUP).collect();
    let next = AtomicUsize::new(0);
    // Each thread verifies under its own copies of the keys, as each
    // pipeline worker does (`LocalKeys`), so that no reference count is
    // shared between threads.
    let own_key = |own: &mut Vec<Option<Arc<VerifyingKey>>>, key: &Arc<VerifyingKey>| {
        let id = key.id as usize;
        if own.len() <= id {
            own.resize(id + 1, None);
        }
        Arc::clone(own[id].get_or_insert_with(|| Arc::new(VerifyingKey::clone(key))))
    };
    let verify_group =
        |tuner: &mut BatchTuner, own: &mut Vec<Option<Arc<VerifyingKey>>>, group: &[Triple]| {
            let items: Vec<_> = group
                .iter()
                .map(|(m, s, k)| (s, &**k, m.as_slice()))
                .collect();
            let sigs: Vec<Signature> = prepare_many(&items)
                .into_iter()
                .zip(group)
                .filter_map(|(p, (_, _, k))| {
                    p.ok().map(|prepared| Signature {
                        prepared,
                        key: own_key(own, k),
                    })
                })
                .collect();
            verify_in_batches(tuner, &sigs, batch)
                .into_iter()
                .filter(|ok| *ok)
                .count()
        };
    let accepted: usize = pool
        .broadcast(|_| {
            let mut tuner = BatchTuner::new(strategy);
            let mut own = Vec::new();
            let mut accepted = 0;
            while let Some(group) = groups.get(next.fetch_add(1, AtomicOrdering::Relaxed)) {
                accepted += verify_group(&mut tuner, &mut own, group);
            }
            accepted
        })
        .into_iter()
        .sum();
    (watch.elapsed().as_secs_f64(), accepted)
}

/// Records whose RDF was replayed, compiled, expanded.
type ShapeCounts = (u64, u64, u64);

/// Collects the (message, signature, key) triples of an export by running
/// the pipeline's own stages up to the batch; also returns how the JSON-LD
/// records' RDF was made, on one thread
/// ([`crate::jsonld::Processor::shape_totals`]).
fn extract(
    config: &VerifyConfig,
    input: &InputPath,
) -> Result<(Vec<Triple>, ShapeCounts), RunError> {
    let jsonld = run::load_contexts(config.contexts.as_deref())?;
    let resolver = run::load_resolver(
        &config.dids,
        config.trust_fragment_keys,
        config.trust_header_jwk,
    )?;
    let status = run::load_status_lists(config, &resolver, &jsonld)?;
    let settings = run::settings(config, &resolver, &status, &jsonld);
    let mut evaluator = Evaluator::default();
    let mut work = ChunkWork::default();
    work.signatures.capture = Some(Vec::with_capacity(MAX_TRIPLES));
    let mut triples: Vec<Triple> = Vec::new();
    for_each_chunk(0, input, settings.source, &mut |_| {}, &mut |chunk| {
        let _ = process_chunk(&mut evaluator, &mut work, &settings, &chunk);
        triples.extend(
            work.signatures
                .capture
                .as_mut()
                .map(std::mem::take)
                .unwrap_or_default(),
        );
        work.signatures.capture = Some(Vec::with_capacity(
            MAX_TRIPLES.saturating_sub(triples.len()),
        ));
        triples.len() < MAX_TRIPLES
    })
    .map_err(crate::pipeline::PipelineError::from)?;
    drop(evaluator);
    Ok((triples, jsonld.shape_totals()))
}
