//! A verification run: its configuration, what is loaded once before the
//! first record (contexts, keys, status lists), and the driver that goes
//! over the records ([`verify`]).

use std::path::PathBuf;

use roaring::RoaringBitmap;
use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::evaluate::RecordOutcome;
use crate::evaluate::{self, Context};
use crate::index::{Index, IndexOptions, IndexRecord, IndexWriter, Manifest};
use crate::jsonld;
use crate::pipeline::{Observer, Settings, Silent, Totals, run_parallel, run_sequential};
use crate::report::Sink;
use crate::report::bitmaps::BitmapSink;
use crate::report::summary::RunSummary;
use crate::resolve::{self, KeyResolver};
use crate::source::documents::{self, DocumentSource};
use crate::source::walk::{self, Walk};
use crate::source::{InputPath, SourceOptions};
use crate::status::check::StatusLists;
use crate::status::list::{self, StatusList};
use crate::time::{Stopwatch, Timestamp};
use crate::verdict::{Evidence, Findings, Problem, StatusSource, Verdict, VerdictRecord, Warning};
use crate::verify::tuner::DEFAULT_BATCH_SIZE;

/// Everything a verification run needs.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    /// The inputs, in order.
    pub inputs: Vec<InputPath>,
    /// The instant validity and status are judged at.
    pub as_of: Timestamp,
    /// Worker threads; 1 runs the sequential reference driver.
    pub threads: usize,
    /// Upper bound of signatures per verification batch (tuning only).
    pub batch_size: usize,
    /// DID and controller documents (`--dids`).
    pub dids: Vec<DocumentSource>,
    /// Accept a key written in an https verification method's fragment
    /// (`--trust-fragment-keys`).
    pub trust_fragment_keys: bool,
    /// Accept a key carried in a JWS header's `jwk` (`--trust-header-jwk`).
    pub trust_header_jwk: bool,
    /// Status list credentials (`--status-lists`).
    pub status_lists: Vec<DocumentSource>,
    /// Numeric indices and short lists are problems, not warnings
    /// (`--strict-status`).
    pub strict_status: bool,
    /// Where to write one roaring bitmap of record ordinals per verdict.
    pub bitmaps: Option<PathBuf>,
    /// A directory of JSON-LD contexts with an `index.json`.
    pub contexts: Option<PathBuf>,
    /// How inputs are opened and cut.
    pub source: SourceOptions,
    /// What walking the inputs' directories found
    /// ([`VerifyConfig::walk_directories`]); `None` when they were not
    /// walked.
    pub walked: Option<Walk>,
    /// Where to write the run's revalidation index (`--index`), if
    /// anywhere.
    pub index: Option<IndexTarget>,
    /// A shard's share of each input (`--shard`, [`crate::parts::plan`]);
    /// `None`: every input whole.
    pub shares: Option<Vec<crate::shard::Share>>,
}

/// Where a run writes its revalidation index, and what its verdict
/// writer does that `recheck` must do alike.
#[derive(Clone, Debug)]
pub struct IndexTarget {
    /// The index directory (must not exist, or be empty).
    pub dir: PathBuf,
    /// Whether verdicts carry `file`.
    pub named_files: bool,
}

impl VerifyConfig {
    /// A run over `inputs` judged at `as_of`: one thread per core, no side
    /// documents, every default strict.
    pub fn new(inputs: Vec<InputPath>, as_of: Timestamp) -> VerifyConfig {
        VerifyConfig {
            inputs,
            as_of,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_size: DEFAULT_BATCH_SIZE,
            dids: Vec::new(),
            trust_fragment_keys: false,
            trust_header_jwk: false,
            status_lists: Vec::new(),
            strict_status: false,
            bitmaps: None,
            contexts: None,
            source: SourceOptions::default(),
            walked: None,
            index: None,
            shares: None,
        }
    }

    /// Replaces every directory among the inputs with the files it holds
    /// ([`walk::expand`]) and keeps what the walk found for the summary.
    /// Without this, a directory input fails to open.
    pub fn walk_directories(&mut self) -> &Walk {
        let walk = walk::expand(&self.inputs);
        self.inputs = walk.files.clone();
        self.walked.insert(walk)
    }
}

/// Loads the controller documents of `dids` into a resolver.
pub fn load_resolver(
    dids: &[DocumentSource],
    trust_fragment_keys: bool,
    trust_header_jwk: bool,
) -> Result<KeyResolver, RunError> {
    let resolver = KeyResolver::new(trust_fragment_keys).trust_header_jwk(trust_header_jwk);
    for source in dids {
        for file in documents::collect(source)? {
            let mut failure = None;
            file.for_each(|doc| {
                if let Err(e) = resolve::document::register(&resolver, doc, file.bound.as_deref()) {
                    failure.get_or_insert(e);
                }
            })?;
            if let Some(source) = failure {
                return Err(RunError::ControllerDocument {
                    path: file.path,
                    source,
                });
            }
        }
    }
    Ok(resolver)
}

/// The JSON-LD processor of a run: the built-in contexts and those of
/// `contexts`.
pub fn load_contexts(contexts: Option<&std::path::Path>) -> Result<jsonld::Processor, RunError> {
    let mut all = jsonld::Contexts::builtin()?;
    if let Some(dir) = contexts {
        all.add_directory(dir)?;
    }
    Ok(jsonld::Processor::new(&all)?)
}

/// Loads, verifies and decodes the status lists of `config`.
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
    let ctx = Context {
        resolver,
        jsonld,
        status: &unchecked,
        as_of: config.as_of,
        max_record_bytes: config.source.max_record_bytes,
    };
    // Every snapshot of every URL, with its file and the digest of its bytes.
    let mut snapshots: Vec<(String, StatusList, PathBuf, [u8; 32])> = Vec::new();
    for source in &config.status_lists {
        for file in documents::collect(source)? {
            let error = |source| RunError::StatusList {
                path: file.path.clone(),
                source,
            };
            let docs = file
                .raw_documents()
                .map_err(|e| error(list::StatusListError::Array(e)))?;
            let judged = evaluate::judge_documents(&ctx, &docs);
            for (doc, (problems, signers)) in docs.iter().zip(judged) {
                let (url, mut list) =
                    list::load(doc, problems, file.bound.as_deref()).map_err(error)?;
                list.signers = signers;
                let digest: [u8; 32] = Sha256::digest(doc.trim_ascii()).into();
                list.digest = digest;
                snapshots.push((url, list, file.path.clone(), digest));
            }
        }
    }
    for (url, list) in choose_snapshots(snapshots, config.as_of)? {
        lists.insert(&url, list);
    }
    Ok(lists)
}

/// For each URL, the list in force at `as_of` among its snapshots (CONTRACT.md
/// "Status history"): the latest whose `validFrom` is not after `as_of` (one
/// without `validFrom` is in force from the beginning). When every snapshot
/// starts later, the earliest stands for them, unusable
/// (`status_list_not_yet_valid`). Two different snapshots with the same
/// `validFrom`, or an unsigned list beside another, stop the run;
/// identical ones count once. A URL given once keeps its list as it is.
fn choose_snapshots(
    mut snapshots: Vec<(String, StatusList, PathBuf, [u8; 32])>,
    as_of: Timestamp,
) -> Result<Vec<(String, StatusList)>, RunError> {
    // Stable: equal keys keep the order the files were given in.
    snapshots.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.valid_from.cmp(&b.1.valid_from)));
    let mut chosen = Vec::new();
    let mut rest = snapshots.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|n| n.0 == group[0].0) {
            let last = group.last().expect("a group is never empty");
            if next.1.valid_from == last.1.valid_from {
                if next.3 != last.3 {
                    return Err(RunError::StatusList {
                        path: next.2,
                        source: list::StatusListError::Duplicate {
                            url: next.0,
                            other: last.2.clone(),
                        },
                    });
                }
                continue;
            }
            group.push(next);
        }
        let several = group.len() > 1;
        // Snapshots say when they were issued under their issuer's
        // signature: an unsigned list (1EdTech, Open Badges 2.0) dates
        // itself on nobody's word, so it may not stand beside another.
        if several
            && let Some(unsigned) = group
                .iter()
                .position(|s| s.1.warnings.contains(Warning::StatusListUnsigned))
        {
            let (url, _, path, _) = group.swap_remove(unsigned);
            let other = group[0].2.clone();
            return Err(RunError::StatusList {
                path,
                source: list::StatusListError::UnsignedSnapshot { url, other },
            });
        }
        if !several {
            chosen.extend(group.into_iter().map(|(url, list, ..)| (url, list)));
            continue;
        }
        let in_force = group
            .iter()
            .rposition(|s| s.1.valid_from.is_none_or(|from| from <= as_of));
        let (url, mut list, ..) = match in_force {
            Some(i) => group.swap_remove(i),
            None => {
                let (url, mut earliest, ..) = group.swap_remove(0);
                earliest.usable = Err(Problem::StatusListNotYetValid);
                chosen.push((url, earliest));
                continue;
            }
        };
        list.of_several = several;
        chosen.push((url, list));
    }
    Ok(chosen)
}

/// How the drivers run `config` with what was loaded for it.
pub fn settings<'r>(
    config: &'r VerifyConfig,
    resolver: &'r KeyResolver,
    status: &'r StatusLists,
    jsonld: &'r jsonld::Processor,
) -> Settings<'r> {
    Settings {
        ctx: Context {
            resolver,
            jsonld,
            status,
            as_of: config.as_of,
            max_record_bytes: config.source.max_record_bytes,
        },
        batch_size: config.batch_size,
        threads: config.threads,
        source: config.source,
        capture: false,
        shares: config.shares.as_deref(),
    }
}

/// Verifies every record of the inputs into `sink`.
pub fn verify(config: &VerifyConfig, sink: &mut dyn Sink) -> Result<RunSummary, RunError> {
    verify_observed(config, sink, &Silent)
}

/// [`verify`], telling `observer` how far the run has got and what it
/// noticed on the way.
pub fn verify_observed(
    config: &VerifyConfig,
    sink: &mut dyn Sink,
    observer: &dyn Observer,
) -> Result<RunSummary, RunError> {
    let stopwatch = Stopwatch::start();
    let jsonld = load_contexts(config.contexts.as_deref())?;
    let resolver = load_resolver(
        &config.dids,
        config.trust_fragment_keys,
        config.trust_header_jwk,
    )?;
    let status = load_status_lists(config, &resolver, &jsonld)?;
    let mut settings = settings(config, &resolver, &status, &jsonld);
    settings.capture = config.index.is_some();
    let drive = |sink: &mut dyn Sink| -> Result<Totals, RunError> {
        Ok(if config.threads <= 1 {
            run_sequential(&config.inputs, &settings, sink, observer)?
        } else {
            run_parallel(&config.inputs, &settings, sink, observer)?
        })
    };
    // The index sees every record the writer sees, then is renamed into
    // place once the run completed.
    let run = |sink: &mut dyn Sink| -> Result<Totals, RunError> {
        let Some(target) = &config.index else {
            return drive(sink);
        };
        let mut index = IndexWriter::create(sink, &target.dir)?;
        let totals = match drive(&mut index) {
            // A signal after the last chunk stops the run as well: no index
            // is put in place for a run that does not stand.
            Ok(totals) if observer.cancelled() => {
                index.abandon();
                return Err(crate::pipeline::PipelineError::Cancelled {
                    records: totals.records,
                }
                .into());
            }
            Ok(totals) => totals,
            Err(e) => {
                index.abandon();
                return Err(e);
            }
        };
        let manifest = Manifest {
            as_of: Some(config.as_of),
            records: 0,
            inputs: config.inputs.iter().map(InputPath::display).collect(),
            options: IndexOptions {
                strict_status: config.strict_status,
                trust_fragment_keys: config.trust_fragment_keys,
                trust_header_jwk: config.trust_header_jwk,
                named_files: target.named_files,
            },
            status_lists: status
                .used()
                .into_iter()
                .map(|(url, digest)| (url, digest.iter().map(|b| format!("{b:02x}")).collect()))
                .collect(),
        };
        let mut documents = Vec::new();
        for source in &config.dids {
            for file in documents::collect(source)? {
                documents.push((file.bound, file.bytes));
            }
        }
        index.commit(&manifest, &documents, config.contexts.as_deref(), &status)?;
        Ok(totals)
    };
    let totals = match &config.bitmaps {
        None => run(sink)?,
        Some(dir) => {
            let mut bitmaps = BitmapSink::new(sink, dir);
            let totals = run(&mut bitmaps)?;
            bitmaps
                .write()
                .map_err(|(path, source)| RunError::Io { path, source })?;
            totals
        }
    };
    Ok(summarize(config, &totals, &stopwatch))
}

/// The summary of a run of `config` that counted `totals`.
fn summarize(config: &VerifyConfig, totals: &Totals, stopwatch: &Stopwatch) -> RunSummary {
    RunSummary {
        records: totals.records,
        verdicts: totals.verdicts,
        as_of: config.as_of,
        elapsed_seconds: stopwatch.elapsed().as_secs_f64(),
        threads: config.threads,
        batch_size: config.batch_size,
        inputs: match &config.walked {
            Some(walk) => walk.given.clone(),
            None => config.inputs.iter().map(InputPath::display).collect(),
        },
        signatures: totals.signatures,
        damaged_inputs: totals
            .damaged
            .iter()
            .map(|&(input, element)| (config.inputs[input].display(), element))
            .collect(),
        files: config.inputs.len() as u64,
        skipped_files: config.walked.as_ref().map_or_else(Vec::new, |w| {
            w.skipped
                .iter()
                .map(|(reason, n)| (reason.as_str().to_owned(), *n))
                .collect()
        }),
        walk_errors: config.walked.as_ref().map_or_else(Vec::new, |w| {
            w.errors
                .iter()
                .map(|e| (e.path.clone(), e.error.clone()))
                .collect()
        }),
        unreadable: totals
            .unreadable
            .iter()
            .map(|(input, error)| (config.inputs[*input].display(), error.clone()))
            .collect(),
        issuers: {
            let counts = &totals.issuers;
            let mut rows: Vec<(Option<String>, [u64; 14])> = counts
                .by_issuer
                .iter()
                .map(|(id, c)| (Some(id.clone()), *c))
                .collect();
            rows.sort();
            if counts.none.iter().any(|&n| n > 0) {
                rows.push((None, counts.none));
            }
            rows
        },
        issuers_first: {
            let mut ids: Vec<(&String, u64)> = totals
                .issuers
                .first
                .iter()
                .map(|(id, &o)| (id, o))
                .collect();
            ids.sort();
            ids.into_iter().map(|(_, o)| o).collect()
        },
        empty_inputs: totals
            .empty
            .iter()
            .map(|&input| config.inputs[input].display())
            .collect(),
        hosted_assertions: totals.hosted,
        transitions: Vec::new(),
        records_per_input: {
            let mut per_input = totals.per_input.clone();
            per_input.resize(config.inputs.len().max(per_input.len()), 0);
            per_input
        },
        other_issuers: totals
            .issuers
            .others
            .iter()
            .any(|&n| n > 0)
            .then_some(totals.issuers.others),
    }
}

/// What `credverify recheck` needs.
#[derive(Clone, Debug)]
pub struct RecheckConfig {
    /// The index directory.
    pub index: PathBuf,
    /// The instant to judge at.
    pub as_of: Timestamp,
    /// Status lists (`--status-lists`), verified as `verify` verifies them.
    pub status_lists: Vec<DocumentSource>,
    /// Documents beside the index's own (`--dids`): a key an issuer rotated
    /// in, for a new list.
    pub dids: Vec<DocumentSource>,
    /// Contexts beside the index's own (`--contexts`).
    pub contexts: Option<PathBuf>,
    /// Where to write one roaring bitmap of record ordinals per verdict.
    pub bitmaps: Option<PathBuf>,
    /// Only the records whose verdict differs from the one the index was
    /// written with, each with its `previous` verdict (`--changed-only`).
    pub changed_only: bool,
    /// Whether every record to be judged is decoded once before the first
    /// verdict is written, so that a damaged index writes nothing: for an
    /// output that cannot be taken back (standard output, a sink in
    /// memory). A verdict file written beside its destination and renamed
    /// into place at the end needs no such pass: a run that fails leaves
    /// nothing there.
    pub check_first: bool,
}

/// Judges every record of an index again at `config.as_of` with the lists
/// given, into `sink`: the verdicts `verify` would give the original
/// inputs with the same options, instant and lists, with no record read
/// and no record signature verified (CONTRACT.md "Revalidation").
pub fn recheck(config: &RecheckConfig, sink: &mut dyn Sink) -> Result<RunSummary, RunError> {
    let stopwatch = Stopwatch::start();
    let index = Index::open(&config.index)?;
    recheck_index(&index, config, sink, stopwatch)
}

/// [`recheck`] of an index already read; `stopwatch` times the run.
pub fn recheck_index<'i>(
    index: &'i Index,
    config: &RecheckConfig,
    sink: &mut dyn Sink,
    stopwatch: Stopwatch,
) -> Result<RunSummary, RunError> {
    let (run, lists) = lists_for_index(index, config)?;
    let mut transitions: std::collections::BTreeMap<(Verdict, Verdict), u64> =
        std::collections::BTreeMap::new();
    let mut judge = |sink: &mut dyn Sink| -> Result<Totals, RunError> {
        let mut totals = Totals::default();
        let write_error =
            |e: std::io::Error| RunError::Pipeline(crate::pipeline::PipelineError::Write(e));
        let candidates = match config.changed_only {
            true => Some(index.candidates(config.as_of, Some(&lists))?),
            false => None,
        };
        if config.check_first {
            index.check(candidates.as_ref())?;
        }
        // Records are decoded, judged and rendered on every core; verdicts
        // are written in record order.
        let renderer = sink.renderer();
        let each = |span: &mut Span<'i>, _, rec: IndexRecord<'i>| {
            let Some(r) = rejudge(rec, config.as_of, &lists, config.changed_only) else {
                return;
            };
            let view = r.view(config.changed_only);
            let row = Row {
                problems: view.problems,
                before: r.before,
                issuer: r.issuer,
                input: r.input,
                line: r.line,
                end: match &renderer {
                    Some(renderer) => {
                        renderer.render(r.input, r.line, &view, &mut span.bytes);
                        span.bytes.len()
                    }
                    None => 0,
                },
            };
            span.rows.push((row, renderer.is_none().then_some(r)));
        };
        let consume = |span: Span<'i>| {
            let mut start = 0;
            for (row, judged) in span.rows {
                let verdict = row.problems.verdict();
                match judged {
                    Some(r) => sink.record(r.input, r.line, &r.view(config.changed_only)),
                    None => sink.rendered(verdict, &span.bytes[start..row.end]),
                }
                .map_err(write_error)?;
                start = row.end;
                if verdict != row.before {
                    *transitions.entry((row.before, verdict)).or_insert(0u64) += 1;
                }
                totals.count(row.input, row.line, row.issuer, row.problems);
            }
            Ok::<(), RunError>(())
        };
        // With `--changed-only`, only records whose verdict may have
        // changed are judged.
        index.map_spans(candidates.as_ref(), Span::default, each, consume)?;
        sink.finish().map_err(write_error)?;
        Ok(totals)
    };
    let totals = match &config.bitmaps {
        None => judge(sink)?,
        Some(dir) => {
            let mut bitmaps = BitmapSink::new(sink, dir);
            let totals = judge(&mut bitmaps)?;
            bitmaps
                .write()
                .map_err(|(path, source)| RunError::Io { path, source })?;
            totals
        }
    };
    let mut summary = summarize(&run, &totals, &stopwatch);
    summary.transitions = transitions
        .into_iter()
        .map(|((from, to), n)| (from, to, n))
        .collect();
    Ok(summary)
}

/// A record of an index judged again: what its verdict record needs.
struct Rejudged<'s> {
    findings: Findings,
    messages: Vec<String>,
    snapshots: Vec<(Box<str>, Option<Timestamp>)>,
    input: usize,
    line: u64,
    id: Option<std::borrow::Cow<'s, str>>,
    issuer: Option<&'s str>,
    format: Option<crate::verdict::Format>,
    contexts: Vec<(String, String)>,
    /// Its verdict when the index was written.
    before: Verdict,
}

/// The records of one span of an index judged again: their rendered
/// verdicts, one after another, and what the run's totals need of each
/// (with the record itself when the sink renders its own).
#[derive(Default)]
struct Span<'s> {
    bytes: Vec<u8>,
    rows: Vec<(Row<'s>, Option<Rejudged<'s>>)>,
}

/// What the totals of a recheck need of one record, and where its
/// rendered verdict ends in its span's bytes.
struct Row<'s> {
    problems: crate::verdict::Problems,
    before: Verdict,
    issuer: Option<&'s str>,
    input: usize,
    line: u64,
    end: usize,
}

impl Rejudged<'_> {
    /// Its verdict record; `previous` when `changed_only`.
    fn view(&self, changed_only: bool) -> VerdictRecord<'_> {
        VerdictRecord {
            id: self.id.as_deref(),
            issuer: self.issuer,
            format: self.format,
            disclosed: self.findings.disclosed,
            problems: self.findings.problems,
            warnings: self.findings.warnings,
            evidence: &self.findings.evidence,
            status_messages: &self.messages,
            status_snapshots: &self.snapshots,
            contexts: &self.contexts,
            previous: changed_only.then_some(self.before),
        }
    }
}

/// `rec` judged at `as_of` with `lists`; `None` when `changed_only` and
/// its verdict is the one the index holds.
fn rejudge<'s>(
    mut rec: IndexRecord<'s>,
    as_of: Timestamp,
    lists: &StatusLists,
    changed_only: bool,
) -> Option<Rejudged<'s>> {
    let id = rec.id.map(crate::index::RecordId::text);
    let judged = judge_again(&mut rec, id.as_deref(), as_of, lists);
    let now = judged.findings.problems.verdict();
    (!changed_only || now != rec.verdict).then_some(Rejudged {
        findings: judged.findings,
        messages: judged.status.messages,
        snapshots: judged.status.snapshots,
        input: rec.input,
        line: rec.line,
        id,
        issuer: rec.issuer,
        format: rec.format,
        contexts: rec.contexts,
        before: rec.verdict,
    })
}

/// The status lists of a run judging `index` again as `config` says,
/// verified with the index's documents and contexts and those `config`
/// adds; and the run as `verify` would have been configured (for loading
/// the lists and for the summary).
fn lists_for_index(
    index: &Index,
    config: &RecheckConfig,
) -> Result<(VerifyConfig, StatusLists), RunError> {
    let mut contexts = jsonld::Contexts::builtin()?;
    if index.contexts {
        contexts.add_directory(&index.dir.join("contexts"))?;
    }
    if let Some(dir) = &config.contexts {
        contexts.add_directory(dir)?;
    }
    let jsonld = jsonld::Processor::new(&contexts)?;
    let mut dids = vec![DocumentSource::path(index.dir.join("dids"))];
    dids.extend(config.dids.iter().cloned());
    let options = &index.manifest.options;
    let resolver = load_resolver(&dids, options.trust_fragment_keys, options.trust_header_jwk)?;
    let mut run = VerifyConfig::new(
        index
            .manifest
            .inputs
            .iter()
            .map(|name| InputPath::parse(name))
            .collect(),
        config.as_of,
    );
    run.threads = 1;
    run.status_lists = config.status_lists.clone();
    run.strict_status = options.strict_status;
    run.trust_fragment_keys = options.trust_fragment_keys;
    run.trust_header_jwk = options.trust_header_jwk;
    let lists = load_status_lists(&run, &resolver, &jsonld)?;
    Ok((run, lists))
}

/// One record of an index judged at `as_of` with `lists`, as
/// `crate::evaluate` judges a record: the kept findings, the validity
/// window and the proofs' `expires` at `as_of`, then status, admitted only
/// when the proof verified and the issuer matched. `id` is the record's id
/// as text; the record's evidence and keys move into the outcome.
fn judge_again(
    rec: &mut IndexRecord,
    id: Option<&str>,
    as_of: Timestamp,
    lists: &StatusLists,
) -> RecordOutcome {
    let mut out = RecordOutcome {
        findings: Findings {
            problems: rec.problems,
            warnings: rec.warnings,
            evidence: std::mem::take(&mut rec.evidence),
            disclosed: rec.disclosed,
        },
        signed_by: std::mem::take(&mut rec.revalidation.to_mut().signed_by),
        ..RecordOutcome::default()
    };
    let r = &rec.revalidation;
    evaluate::validity::judge(&r.window, as_of, &mut out.findings);
    for &expires in &r.proof_expires {
        if expires < as_of {
            out.findings.problem_with(
                Problem::ProofExpired,
                Evidence::ProofExpired { expires, as_of },
            );
        }
    }
    match &r.status {
        None => {}
        Some(StatusSource::Entries(entries)) => {
            let issuer = rec.issuer.unwrap_or_default();
            lists.check_entries(entries, issuer, id, &mut out.status);
        }
        Some(StatusSource::Ob2List(url)) => {
            lists.check_ob2(url, id.unwrap_or_default(), &mut out.status);
        }
    }
    evaluate::admit_status(&mut out);
    out
}

/// How `expiring` groups instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// `YYYY-MM-DD`, UTC.
    Day,
    /// `YYYY-MM`, UTC.
    Month,
}

impl Period {
    /// The period `t` falls in.
    fn of(self, t: Timestamp) -> String {
        let mut text = Vec::new();
        t.write_rfc3339(&mut text);
        let len = match self {
            Period::Day => 10,
            Period::Month => 7,
        };
        String::from_utf8_lossy(&text[..len.min(text.len())]).into_owned()
    }
}

/// What `credverify expiring` needs.
#[derive(Clone, Debug)]
pub struct ExpiringConfig {
    /// The index, the instant `from` (as `as_of`) and the lists that decide
    /// which records are valid then.
    pub recheck: RecheckConfig,
    /// The end of the span.
    pub to: Timestamp,
    /// How instants are grouped.
    pub by: Period,
    /// Whether records are counted per issuer too (`--by-issuer`).
    pub by_issuer: bool,
    /// Whether each record's id and end are kept (`--ids`).
    pub ids: bool,
}

/// The records that expire in one period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpiringIn {
    /// How many.
    pub records: u64,
    /// With [`ExpiringConfig::by_issuer`] or [`ExpiringConfig::ids`], per
    /// issuer (`None`: no issuer); else empty.
    pub issuers: std::collections::BTreeMap<Option<String>, IssuerExpiring>,
}

/// The records of one issuer that expire in one period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssuerExpiring {
    /// How many.
    pub records: u64,
    /// With [`ExpiringConfig::ids`], each as its id and the instant it
    /// expires, in record order; else empty.
    pub ids: Vec<(Option<String>, Timestamp)>,
}

/// Records valid at the start of a span that expire within it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expiring {
    /// Whether validity at the start was judged with status lists; without
    /// any, a record counts when its proof verified and its window holds
    /// the start, its status unchecked.
    pub with_lists: bool,
    /// Records valid at the start.
    pub valid_at_start: u64,
    /// Per period, the records that expire in it.
    pub periods: std::collections::BTreeMap<String, ExpiringIn>,
}

/// `credverify expiring`: from an index, the records valid at
/// `config.recheck.as_of` (the verdict `recheck` would give then with the
/// lists given) whose validity ends after that instant and no later than
/// `config.to`, by the period their end falls in.
///
/// Counting needs few records decoded: a record whose verdict the index
/// holds, with no validity end on the first or the last day of the span,
/// is counted from the day buckets of `times.bin` alone, under the first
/// day in the span that one of its validity ends falls on (which is its
/// earliest end: any end before the span would have expired it). The
/// others are decoded and judged: the records whose verdict may differ
/// at the start ([`Index::candidates`]), and those with an end on the
/// first or last day, whose exact instants decide. Per issuer or with
/// ids, every record that ends in the span is decoded, for its issuer
/// and id.
pub fn expiring(config: &ExpiringConfig) -> Result<Expiring, RunError> {
    let index = Index::open(&config.recheck.index)?;
    let (_, lists) = lists_for_index(&index, &config.recheck)?;
    let from = config.recheck.as_of;
    let with_lists = !config.recheck.status_lists.is_empty();
    let mut out = Expiring {
        with_lists,
        ..Expiring::default()
    };
    // Of the records whose verdict at `from` may differ from the one the
    // index holds, those valid then are judged again. Without lists,
    // every record with status is, its status left out.
    let changed = index.candidates(from, with_lists.then_some(&lists))?;
    let valid_then = &index.verdicts[Verdict::Valid as usize];
    let unchanged_valid = valid_then - &changed;
    out.valid_at_start = unchanged_valid.len();
    let (first, last) = (crate::index::bucket(from), crate::index::bucket(config.to));
    const ENDS: usize = 1;
    let detail = config.by_issuer || config.ids;
    let exact = if detail {
        &changed | &index.buckets(&[ENDS], first, last)?
    } else {
        let edges = &index.buckets(&[ENDS], first, first)? | &index.buckets(&[ENDS], last, last)?;
        let mut seen = RoaringBitmap::new();
        let exact = &changed | &(edges & &unchanged_valid);
        index.each_bucket(ENDS, first + 1, last - 1, |day, records| {
            let mut ending = &records & &unchanged_valid;
            ending -= &exact;
            ending -= &seen;
            seen |= records;
            if !ending.is_empty() {
                let start = Timestamp::from_unix(day * crate::index::BUCKET_SECONDS);
                out.periods.entry(config.by.of(start)).or_default().records += ending.len();
            }
        })?;
        exact
    };
    // Decoded and judged on every core, gathered in record order: whether
    // the record is valid at `from`, and when it expires if in the span.
    let valid_again = std::sync::atomic::AtomicU64::new(0);
    index.map_in_parallel(
        Some(&exact),
        |ordinal, mut rec| {
            let valid = if changed.contains(ordinal) {
                if !with_lists {
                    rec.revalidation.to_mut().status = None;
                }
                let id = rec.id.map(crate::index::RecordId::text);
                let judged = judge_again(&mut rec, id.as_deref(), from, &lists);
                let now = judged.findings.problems.verdict() == Verdict::Valid;
                if now {
                    valid_again.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                now
            } else {
                valid_then.contains(ordinal)
            };
            let end = rec.revalidation.window.ends.iter().flatten().min().copied();
            end.filter(|e| valid && *e > from && *e <= config.to)
                .map(|end| (rec.issuer, rec.id, end))
        },
        |_, (issuer, id, end)| {
            let period = out.periods.entry(config.by.of(end)).or_default();
            period.records += 1;
            if detail {
                let of = period.issuers.entry(issuer.map(str::to_owned)).or_default();
                of.records += 1;
                if config.ids {
                    of.ids.push((id.map(|i| i.text().into_owned()), end));
                }
            }
            Ok::<(), RunError>(())
        },
    )?;
    out.valid_at_start += valid_again.into_inner();
    Ok(out)
}

impl Expiring {
    /// Writes it as JSON to `out`: the span, whether lists judged
    /// validity, the records valid at the start, and per period the count
    /// (per issuer with `config.by_issuer`, their ids with `config.ids`).
    pub fn write_json(
        &self,
        config: &ExpiringConfig,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        use crate::json::write::write_string;
        let mut buf = Vec::with_capacity(1 << 16);
        let instant = |buf: &mut Vec<u8>, t: Timestamp| {
            buf.push(b'"');
            t.write_rfc3339(buf);
            buf.push(b'"');
        };
        let text = |buf: &mut Vec<u8>, s: Option<&str>| match s {
            Some(s) => write_string(buf, s),
            None => buf.extend_from_slice(b"null"),
        };
        buf.extend_from_slice(b"{\"from\":");
        instant(&mut buf, config.recheck.as_of);
        buf.extend_from_slice(b",\"to\":");
        instant(&mut buf, config.to);
        buf.extend_from_slice(match config.by {
            Period::Day => b",\"by\":\"day\"",
            Period::Month => b",\"by\":\"month\"",
        });
        buf.extend_from_slice(
            format!(
                ",\"status_lists\":{},\"valid_at_from\":{},\"periods\":[",
                self.with_lists, self.valid_at_start
            )
            .as_bytes(),
        );
        for (i, (period, expiring)) in self.periods.iter().enumerate() {
            buf.extend_from_slice(if i == 0 { b"{" } else { b",{" });
            buf.extend_from_slice(b"\"period\":");
            write_string(&mut buf, period);
            buf.extend_from_slice(format!(",\"records\":{}", expiring.records).as_bytes());
            if config.by_issuer {
                buf.extend_from_slice(b",\"issuers\":[");
                for (k, (issuer, of)) in expiring.issuers.iter().enumerate() {
                    buf.extend_from_slice(if k == 0 { b"{" } else { b",{" });
                    buf.extend_from_slice(b"\"issuer\":");
                    text(&mut buf, issuer.as_deref());
                    buf.extend_from_slice(format!(",\"records\":{}}}", of.records).as_bytes());
                }
                buf.push(b']');
            }
            if config.ids {
                buf.extend_from_slice(b",\"ids\":[");
                let all = expiring.issuers.values().flat_map(|of| &of.ids);
                for (k, (id, end)) in all.enumerate() {
                    buf.extend_from_slice(if k == 0 { b"{" } else { b",{" });
                    buf.extend_from_slice(b"\"id\":");
                    text(&mut buf, id.as_deref());
                    buf.extend_from_slice(b",\"expires\":");
                    instant(&mut buf, *end);
                    buf.push(b'}');
                    if buf.len() >= 1 << 16 {
                        out.write_all(&buf)?;
                        buf.clear();
                    }
                }
                buf.push(b']');
            }
            buf.push(b'}');
        }
        buf.extend_from_slice(b"]}\n");
        out.write_all(&buf)?;
        out.flush()
    }

    /// Writes it as CSV to `out`: `period,issuer,records` (issuer empty
    /// unless `by_issuer`), or with `ids` one row per record,
    /// `period,issuer,id,expires`.
    pub fn write_csv(
        &self,
        config: &ExpiringConfig,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let (by_issuer, ids) = (config.by_issuer, config.ids);
        let mut out = csv::Writer::from_writer(out);
        let _ = if ids {
            out.write_record(["period", "issuer", "id", "expires"])
        } else {
            out.write_record(["period", "issuer", "records"])
        };
        for (period, expiring) in &self.periods {
            let issuers = &expiring.issuers;
            if ids {
                for (issuer, of) in issuers {
                    for (id, end) in &of.ids {
                        let mut t = Vec::new();
                        end.write_rfc3339(&mut t);
                        let safe = crate::report::spreadsheet_safe;
                        let _ = out.write_record([
                            period.as_bytes(),
                            safe(issuer.as_deref().unwrap_or_default()).as_bytes(),
                            safe(id.as_deref().unwrap_or_default()).as_bytes(),
                            &t,
                        ]);
                    }
                }
            } else if by_issuer {
                for (issuer, of) in issuers {
                    let n = of.records.to_string();
                    let issuer =
                        crate::report::spreadsheet_safe(issuer.as_deref().unwrap_or_default());
                    let _ = out.write_record([period.as_str(), &issuer, n.as_str()]);
                }
            } else {
                let n = expiring.records.to_string();
                let _ = out.write_record([period.as_str(), "", n.as_str()]);
            }
        }
        out.flush()
    }
}
