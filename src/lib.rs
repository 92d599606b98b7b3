//! credverify verifies digital credentials in bulk: Open Badges 3.0 and W3C
//! Verifiable Credentials with Data Integrity `eddsa-jcs-2022` proofs or
//! VC-JOSE / VC-JWT (EdDSA), one verdict per record, offline.
//!
//! ```text
//! source ──▶ parse ──▶ resolve ──▶ verify ──▶ status ──▶ report
//! mmap/gz    simd-json  did:key    Ed25519     validity    JSONL/CSV
//! chunks     JCS, JWS   did:jwk    batches     windows     summary
//! ```
//!
//! - [`source`] cuts inputs into chunks of whole records.
//! - [`parse`] reads each record into a borrowed view ([`parse::json::Value`])
//!   and writes the bytes a signature covers (JCS, JWS signing input).
//! - [`resolve`] turns verification methods into screened keys, once per run.
//! - [`verify`](mod@verify) checks Ed25519 signatures in batches over the cofactored
//!   equation, bisecting failed batches so each record gets its own answer.
//! - [`status`] judges validity windows at one injected instant.
//! - [`report`] writes verdict records ([`verdict::Verdict`]) in input order.
//!
//! [`pipeline`] drives them, sequentially or on a rayon pool, with
//! byte-identical output.
//!
//! ```no_run
//! use credverify::{VerifyConfig, verify, report::NullSink, source::InputPath};
//! let config = VerifyConfig::new(vec![InputPath::parse("credentials.jsonl")]);
//! let summary = verify(&config, &mut NullSink).expect("run");
//! println!("{} of {} valid", summary.count(credverify::verdict::Verdict::Valid), summary.records);
//! ```

pub mod canon;
pub mod cli;
pub mod credential;
pub mod encoding;
pub mod error;
pub mod evaluate;
pub mod generate;
pub mod hash;
pub mod json;
pub mod jsonld;
pub mod pipeline;
pub mod rdf;
pub mod report;
pub mod resolve;
pub mod source;
pub mod status;
pub mod suite;
pub mod time;
pub mod verdict;
pub mod verify;

use error::RunError;
use pipeline::{Settings, run_parallel, run_sequential};
use report::{OutputFormat, Sink, summary::RunSummary};
use resolve::KeyResolver;
use source::{InputPath, SourceOptions};
use status::check::StatusLists;
use time::{Stopwatch, Timestamp};

/// Everything a verification run needs, resolved from the command line.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    pub inputs: Vec<InputPath>,
    pub as_of: Timestamp,
    pub threads: usize,
    pub batch_size: usize,
    pub format: OutputFormat,
    /// `--dids` arguments: files, directories, `URL=FILE`.
    pub dids: Vec<String>,
    pub trust_fragment_keys: bool,
    /// `--status-lists` arguments: files, directories, `URL=FILE`.
    pub status_lists: Vec<String>,
    /// `--strict-status`.
    pub strict_status: bool,
    /// `--bitmaps`: where to write one roaring bitmap of record ordinals per
    /// verdict.
    pub bitmaps: Option<std::path::PathBuf>,
    /// `--contexts`: a directory of JSON-LD contexts with an `index.json`.
    pub contexts: Option<std::path::PathBuf>,
    pub source: SourceOptions,
    pub progress: bool,
}

impl VerifyConfig {
    /// Defaults: judged at the Unix epoch (callers set `as_of`), one thread
    /// per core, JSON Lines.
    pub fn new(inputs: Vec<InputPath>) -> VerifyConfig {
        VerifyConfig {
            inputs,
            as_of: Timestamp::from_unix(0),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_size: crate::verify::tuner::DEFAULT_BATCH_SIZE,
            format: OutputFormat::Jsonl,
            dids: Vec::new(),
            trust_fragment_keys: false,
            status_lists: Vec::new(),
            strict_status: false,
            bitmaps: None,
            contexts: None,
            source: SourceOptions::default(),
            progress: false,
        }
    }
}

/// Loads the controller documents named by `--dids` into a resolver.
pub fn load_resolver(dids: &[String], trust_fragment_keys: bool) -> Result<KeyResolver, RunError> {
    let resolver = KeyResolver::new(trust_fragment_keys);
    for spec in dids {
        for file in source::documents::collect(spec)? {
            let path = file.path.display().to_string();
            let mut failure = None;
            file.for_each(|doc| {
                if let Err(e) = resolve::document::register(&resolver, doc, file.bound.as_deref()) {
                    failure.get_or_insert(e);
                }
                Ok(())
            })?;
            if let Some(source) = failure {
                return Err(RunError::ControllerDocument { path, source });
            }
        }
    }
    Ok(resolver)
}

/// The JSON-LD processor of a run: the built-in contexts and those of
/// `--contexts`.
pub fn load_contexts(config: &VerifyConfig) -> Result<jsonld::Processor, RunError> {
    let mut contexts = jsonld::Contexts::builtin()?;
    if let Some(dir) = &config.contexts {
        contexts.add_directory(dir)?;
    }
    Ok(jsonld::Processor::new(&contexts)?)
}

/// Loads, verifies and decodes the status lists named by `--status-lists`.
///
/// Each list is judged as a record would be (proof, issuer of the key,
/// validity at `as_of`); a list that fails is kept, so that every entry
/// naming it says why it cannot be answered. A document that is not a
/// status list at all, or that no URL can be given to, stops the run.
pub fn load_status_lists(
    config: &VerifyConfig,
    resolver: &KeyResolver,
    jsonld: &jsonld::Processor,
) -> Result<StatusLists, RunError> {
    let mut lists = StatusLists::new(config.strict_status);
    let unchecked = StatusLists::default();
    let ctx = evaluate::Context {
        resolver,
        jsonld,
        status: &unchecked,
        as_of: config.as_of,
        max_record_bytes: config.source.max_record_bytes,
    };
    for spec in &config.status_lists {
        for file in source::documents::collect(spec)? {
            let path = file.path.display().to_string();
            let error = |why: String| RunError::StatusList {
                path: path.clone(),
                why,
            };
            let docs = file.raw_documents().map_err(&error)?;
            let judged = evaluate::judge_documents(&ctx, &docs);
            for (doc, problems) in docs.iter().zip(judged) {
                let (url, list) =
                    status::list::load(doc, problems, file.bound.as_deref()).map_err(&error)?;
                lists.insert(&url, list).map_err(&error)?;
            }
        }
    }
    Ok(lists)
}

/// Verifies every record of the inputs into `sink`.
pub fn verify(config: &VerifyConfig, sink: &mut dyn Sink) -> Result<RunSummary, RunError> {
    let stopwatch = Stopwatch::start();
    let jsonld = load_contexts(config)?;
    let resolver = load_resolver(&config.dids, config.trust_fragment_keys)?;
    let status = load_status_lists(config, &resolver, &jsonld)?;
    let settings = Settings::new(config, &resolver, &status, &jsonld);
    let run = |sink: &mut dyn Sink| {
        if config.threads <= 1 {
            run_sequential(&config.inputs, &settings, sink)
        } else {
            run_parallel(&config.inputs, &settings, sink)
        }
    };
    let totals = match &config.bitmaps {
        None => run(sink)?,
        Some(dir) => {
            let mut bitmaps = report::bitmaps::BitmapSink::new(sink, dir);
            let totals = run(&mut bitmaps)?;
            if !totals.stopped_early {
                bitmaps
                    .write()
                    .map_err(|(path, source)| RunError::Io { path, source })?;
            }
            totals
        }
    };
    Ok(RunSummary {
        records: totals.records,
        verdicts: totals.verdicts,
        as_of: config.as_of,
        elapsed_seconds: stopwatch.elapsed().as_secs_f64(),
        threads: config.threads,
        batch_size: config.batch_size,
        inputs: config.inputs.iter().map(InputPath::display).collect(),
        signatures: totals.signatures,
        stopped_early: totals.stopped_early,
    })
}
