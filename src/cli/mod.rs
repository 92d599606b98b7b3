//! The command line as typed (clap derive), and its translation into the
//! library's configuration. Exit codes are decided in one place,
//! [`Outcome::exit_code`].

use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{RunError, UsageError};
use crate::pipeline::{Observer, PipelineError};
use crate::report::summary::RunSummary;
use crate::report::{OutputFormat, VerdictWriter};
use crate::run::VerifyConfig;
use crate::source::documents::DocumentSource;
use crate::source::{InputPath, Notice, SourceOptions};
use crate::time::{Clock, SystemClock, Timestamp};

pub mod paths;
pub mod signals;
pub mod throughput;

/// Verify digital credentials in bulk, offline.
#[derive(Debug, Parser)]
#[command(name = "credverify", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify credentials and write one verdict per record.
    Verify(VerifyArgs),
    /// Write a reproducible synthetic export with its expected verdicts.
    #[cfg(feature = "generate")]
    Generate(crate::generate::GenerateArgs),
    /// Judge the records of a revalidation index (verify --index) again.
    Recheck(RecheckArgs),
    /// From a revalidation index, the records valid at one instant that expire by another.
    Expiring(ExpiringArgs),
    /// Measure end-to-end records/s against the raw Ed25519 batch rate.
    Throughput(throughput::ThroughputArgs),
    /// Join the parts of a sharded run (verify --shard) into its verdicts and summary.
    Merge(MergeArgs),
}

/// `credverify merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The parts: the directories `verify --shard K/N -o DIR` wrote, all N, in any order.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,

    /// Where the merged verdicts go (default: standard output).
    #[arg(short, long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Write the merged run summary as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,

    /// Write one roaring bitmap of record ordinals per verdict into this
    /// directory, from the parts' (their shards ran with `--bitmaps PART/DIR`).
    #[arg(long, value_name = "DIR")]
    pub bitmaps: Option<PathBuf>,

    /// Write the run's revalidation index into this directory (new or
    /// empty), joined from the parts' (their shards ran with `--index PART/DIR`).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
}

/// `expiring --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// By UTC day.
    Day,
    /// By UTC month.
    Month,
}

/// `expiring --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// One JSON object.
    Json,
    /// Rows with a header.
    Csv,
}

/// What `recheck` and `expiring` read: the index, and the lists, documents
/// and contexts its records are judged with.
#[derive(Debug, Args)]
pub struct IndexSources {
    /// The index directory written by `verify --index`.
    #[arg(value_name = "DIR")]
    pub index: PathBuf,

    /// Status list credentials, as for `verify`.
    ///
    /// Verified as `verify` verifies them, with the index's documents and
    /// those of --dids. Without any, a record with a status entry is judged
    /// as `verify` would judge it without lists (`expiring` then counts it
    /// by its proof and window alone, and says so).
    #[arg(long, value_name = "PATH")]
    pub status_lists: Vec<String>,

    /// Documents beside the index's own (an issuer's rotated key, for a new list).
    #[arg(long, value_name = "PATH")]
    pub dids: Vec<String>,

    /// JSON-LD contexts beside the index's own, as for `verify`.
    #[arg(long, value_name = "PATH")]
    pub contexts: Option<PathBuf>,
}

impl IndexSources {
    /// A recheck of the index at `as_of` with these sources.
    fn config(&self, as_of: Timestamp) -> crate::run::RecheckConfig {
        let parse = |specs: &[String]| specs.iter().map(|d| DocumentSource::parse(d)).collect();
        crate::run::RecheckConfig {
            index: self.index.clone(),
            as_of,
            status_lists: parse(&self.status_lists),
            dids: parse(&self.dids),
            contexts: self.contexts.clone(),
            bitmaps: None,
            changed_only: false,
            check_first: true,
        }
    }
}

/// `credverify expiring`: what in an archive lapses between two instants.
#[derive(Debug, Args)]
pub struct ExpiringArgs {
    /// The index, and what judges its records at --from.
    #[command(flatten)]
    pub sources: IndexSources,

    /// The start: records valid at this instant are counted (RFC 3339).
    #[arg(long, value_name = "RFC 3339")]
    pub from: String,

    /// The end: records whose validity ends after --from and by this instant.
    #[arg(long, value_name = "RFC 3339")]
    pub to: String,

    /// How the ends are grouped.
    #[arg(long, value_enum, default_value = "month")]
    pub by: PeriodArg,

    /// List each record (id and end) under its period.
    #[arg(long)]
    pub ids: bool,

    /// Count per issuer within each period.
    #[arg(long)]
    pub by_issuer: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: TableFormat,

    /// Where the table goes (default: standard output).
    #[arg(short, long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// `credverify recheck`: a revalidation index judged again at an instant,
/// with status lists.
#[derive(Debug, Args)]
pub struct RecheckArgs {
    /// The index, and what judges its records.
    #[command(flatten)]
    pub sources: IndexSources,

    /// The instant at which validity and status are judged (RFC 3339).
    ///
    /// Default: now, in UTC.
    #[arg(long, value_name = "RFC 3339")]
    pub as_of: Option<String>,

    /// Where verdicts go (default: standard output), as for `verify`.
    #[arg(short, long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Verdict format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: FormatArg,

    /// Write the run summary as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,

    /// Write one roaring bitmap of record ordinals per verdict into DIR.
    #[arg(long, value_name = "DIR")]
    pub bitmaps: Option<PathBuf>,

    /// Only the records whose verdict changed since the index was written.
    ///
    /// Each carries `previous`, the verdict it had then (a last CSV
    /// column); the summary counts the transitions (`valid → revoked`, …).
    #[arg(long)]
    pub changed_only: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One JSON object per record.
    Jsonl,
    /// The same fields as columns, with a header row.
    Csv,
}

impl From<FormatArg> for OutputFormat {
    fn from(format: FormatArg) -> OutputFormat {
        match format {
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Csv => OutputFormat::Csv,
        }
    }
}

/// `credverify verify`: the flags of CONTRACT.md and a few more.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Inputs: JSON Lines, a JSON array (.json), either gzipped; `-` for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// The instant at which validity and status are judged (RFC 3339).
    ///
    /// Default: now, in UTC. Tests and benchmarks always pass it, so that a
    /// run can be repeated years later with the same verdicts.
    #[arg(long, value_name = "RFC 3339")]
    pub as_of: Option<String>,

    /// DID and controller documents: a file, a directory, or URL=FILE.
    ///
    /// Repeatable. Documents are keyed by their `id`; a directory's
    /// `index.json` (URL → file name) or `URL=FILE` binds a document to the
    /// URL it was published under. Needed for did:web, https verification
    /// methods and any DID method other than did:key and did:jwk.
    #[arg(long, value_name = "PATH")]
    pub dids: Vec<String>,

    /// Status list credentials: a file, a directory, or URL=FILE.
    ///
    /// Repeatable. Each list (Bitstring Status List, StatusList2021, 1EdTech
    /// Revocation List, Open Badges 2.0 RevocationList) is keyed by its
    /// `id`, or by the URL that `URL=FILE` or a directory's `index.json`
    /// binds it to. Lists are verified like any credential and decoded
    /// once; nothing is fetched. Several snapshots of one URL may be given:
    /// the latest whose `validFrom` is not after `--as-of` answers.
    #[arg(long, value_name = "PATH")]
    pub status_lists: Vec<String>,

    /// Treat a numeric statusListIndex and a list shorter than 131,072 entries as errors.
    ///
    /// Both break the W3C Bitstring Status List rules and both are common in
    /// the field: by default they are accepted with the warnings
    /// `status_index_numeric` and `status_list_short`; with this flag the
    /// entry is `status_unavailable` with those problem codes.
    #[arg(long)]
    pub strict_status: bool,

    /// JSON-LD contexts beyond the built-in ones: a directory with an index.json.
    ///
    /// `index.json` maps each context URL to a file name in the directory.
    /// An entry adds a context or overrides a built-in one of the same URL
    /// (W3C VC v1 and v2, Data Integrity v1 and v2, Multikey, Ed25519-2020,
    /// Bitstring Status List, StatusList2021, Open Badges 3.0.x and its
    /// extensions, CLR 2.0). A record naming any other context is
    /// `unknown_context`; nothing is fetched.
    #[arg(long, value_name = "PATH")]
    pub contexts: Option<PathBuf>,

    /// Write one roaring bitmap of record ordinals per verdict into this directory.
    ///
    /// `DIR/<verdict>.roaring` for every verdict word, holding the 0-based
    /// ordinals (counted across all inputs in order) of the records with
    /// that verdict, in the portable format the C, Java and Go roaring
    /// libraries read. Written when the run completes.
    #[arg(long, value_name = "DIR")]
    pub bitmaps: Option<PathBuf>,

    /// Write a revalidation index of the run into DIR, for `recheck`.
    ///
    /// What each record's verdict depends on besides the instant and the
    /// status lists, and what those parts are judged from (INDEX.md has
    /// the format), with copies of the --dids documents and --contexts.
    /// `credverify recheck DIR --as-of T` then gives the verdicts this run
    /// would give at T with the lists given, without reading the inputs.
    /// DIR must not exist or be empty; it appears when the run completes.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Verify only shard K of N of the inputs (K from 0), as a part for `merge`.
    ///
    /// JSON Lines files are cut into byte ranges at record boundaries;
    /// other files go whole to one shard. `-o DIR` is then the part: a
    /// directory with the shard's verdicts and `part.json`. `env` takes K
    /// and N from a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`,
    /// `JOB_COMPLETIONS`) or a Slurm job array (`SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT`).
    #[arg(long, value_name = "K/N|env")]
    pub shard: Option<String>,

    /// Where verdicts go (default: standard output).
    ///
    /// Written to a temporary file beside it and renamed into place only
    /// when the run completes; a failed run leaves nothing at this path.
    #[arg(short, long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Verdict format.
    ///
    /// `jsonl`: one JSON object per record. `csv`: the same fields as
    /// columns, with problems and warnings joined by `;`.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: FormatArg,

    /// Write the run summary as JSON to this path.
    ///
    /// A short human summary always goes to standard error.
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,

    /// Worker threads (default: all cores).
    ///
    /// The output is byte-identical for every value; 1 runs the sequential
    /// reference driver. More threads than the machine has cores are
    /// capped at the number of cores, with a warning.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Accept a key (Ed25519, P-256, P-384) written in an https verification method's fragment.
    ///
    /// A named relaxation, off by default: when the URL before `#` is the
    /// issuer's id, the fragment is read as a Multikey, as the 1EdTech
    /// validator does. Such verdicts carry the warning `key_from_fragment`.
    #[arg(long)]
    pub trust_fragment_keys: bool,

    /// Accept the key a VC-JWT's header carries in `jwk`.
    ///
    /// A named relaxation, off by default: a token without `kid` whose
    /// header's `jwk` is none of the issuer's verification methods is
    /// checked with that key, as the issuer's, and its verdict carries the
    /// warning `key_from_header`. Without it such a token is `unknown_key`:
    /// anyone can put a key in a header.
    #[arg(long)]
    pub trust_header_jwk: bool,

    /// Signatures per verification batch.
    ///
    /// Tuning only: verdicts never depend on it. A batch is at most one
    /// chunk's signatures.
    #[arg(long, value_name = "N", default_value_t = crate::verify::tuner::DEFAULT_BATCH_SIZE, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_535))]
    pub batch_size: usize,

    /// Read plain files instead of memory-mapping them.
    ///
    /// Mapping is faster; reading is safe against a file truncated by
    /// another process during the run.
    #[arg(long)]
    pub no_mmap: bool,

    /// Largest record, in bytes; longer ones are `malformed`.
    ///
    /// Such records get the problem `record_too_large` and the run goes on.
    #[arg(long, value_name = "BYTES", default_value_t = crate::source::DEFAULT_MAX_RECORD_BYTES)]
    pub max_record_bytes: usize,

    /// Never draw a progress bar (one is drawn only when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// What a command ended with; [`Outcome::exit_code`] maps it to the
/// contract's exit codes.
#[derive(Debug)]
pub enum Outcome {
    /// Every record is `valid` (or the command has no verdicts).
    Clean,
    /// The run completed and some record is not `valid`.
    NotAllValid,
    /// The run failed.
    Failed(RunError),
    /// A signal stopped the run (SIGINT, SIGTERM or SIGHUP); nothing was
    /// left at the output paths.
    Interrupted {
        /// The signal's number.
        signal: i32,
    },
}

impl Outcome {
    /// The exit code: 0, 1 or 2 (`CONTRACT.md`, "Exit codes").
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Clean => 0,
            Outcome::NotAllValid => 1,
            Outcome::Failed(_) => 2,
            Outcome::Interrupted { signal } => 128 + signal,
        }
    }
}

/// Parses `--as-of`, or asks the clock.
pub fn resolve_as_of(flag: Option<&str>, clock: &dyn Clock) -> Result<Timestamp, UsageError> {
    match flag {
        Some(text) => Ok(Timestamp::parse(text)?),
        None => Ok(clock.now()),
    }
}

impl VerifyArgs {
    /// Validates the flags into the library's configuration.
    pub fn to_config(&self, clock: &dyn Clock) -> Result<VerifyConfig, UsageError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = match self.threads {
            Some(0) => return Err(UsageError::NoThreads),
            Some(n) => n.min(cores),
            None => cores,
        };
        if self.inputs.iter().filter(|i| *i == "-").count() > 1 {
            return Err(UsageError::StdinTwice);
        }
        Ok(VerifyConfig {
            inputs: self.inputs.iter().map(|i| InputPath::parse(i)).collect(),
            as_of: resolve_as_of(self.as_of.as_deref(), clock)?,
            threads,
            batch_size: self.batch_size,
            dids: self.dids.iter().map(|d| DocumentSource::parse(d)).collect(),
            trust_fragment_keys: self.trust_fragment_keys,
            trust_header_jwk: self.trust_header_jwk,
            status_lists: self
                .status_lists
                .iter()
                .map(|d| DocumentSource::parse(d))
                .collect(),
            strict_status: self.strict_status,
            bitmaps: self.bitmaps.clone(),
            contexts: self.contexts.clone(),
            source: SourceOptions {
                mmap: !self.no_mmap,
                max_record_bytes: self.max_record_bytes,
                ..SourceOptions::default()
            },
            walked: None,
            shares: None,
            index: self.index.clone().map(|dir| crate::run::IndexTarget {
                dir,
                named_files: self.names_files(),
            }),
        })
    }
}

impl VerifyArgs {
    /// `--format`.
    pub fn output_format(&self) -> OutputFormat {
        self.format.into()
    }

    /// Whether verdicts carry `file`: when the command line names several
    /// inputs or a directory, whatever the directory holds.
    fn names_files(&self) -> bool {
        self.inputs.len() > 1 || self.inputs.iter().any(|i| Path::new(i).is_dir())
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        #[cfg(feature = "generate")]
        Command::Generate(args) => {
            crate::generate::run(&args)
                .map_err(RunError::from)
                .map(|path| {
                    let _ = writeln!(
                        io::stderr(),
                        "credverify: wrote {} records to {}",
                        args.records,
                        path.display()
                    );
                    Outcome::Clean
                })
        }
        Command::Recheck(args) => run_recheck(&args),
        Command::Expiring(args) => run_expiring(&args),
        Command::Throughput(args) => throughput::run(&args).map(|()| Outcome::Clean),
        Command::Merge(args) => run_merge(&args),
    };
    result.unwrap_or_else(Outcome::Failed)
}

/// A file written beside its destination and renamed into place on commit,
/// so readers never see a partial file.
struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    /// Its slot among the files the SIGBUS handler removes.
    slot: Option<usize>,
}

impl AtomicFile {
    fn create(dest: &Path) -> Result<(AtomicFile, fs::File), RunError> {
        // Through a symbolic link, replace the file it names, not the link.
        let resolved = fs::canonicalize(dest).ok();
        let dest = resolved.as_deref().unwrap_or(dest);
        for stale in signals::stale_temporaries(dest) {
            warn(&format!(
                "{} was left by an earlier run that was killed; it is not this run's, remove it",
                stale.display()
            ));
        }
        let tmp = signals::temporary_name(dest, std::process::id());
        let file = fs::File::create(&tmp).map_err(RunError::io(&tmp))?;
        let slot = signals::register_temporary(&tmp);
        Ok((
            AtomicFile {
                tmp,
                dest: dest.to_owned(),
                slot,
            },
            file,
        ))
    }

    fn commit(self) -> Result<(), RunError> {
        if let Some(slot) = self.slot {
            signals::forget_temporary(slot);
        }
        let result = fs::rename(&self.tmp, &self.dest).map_err(RunError::io(&self.dest));
        if result.is_err() {
            let _ = fs::remove_file(&self.tmp);
        }
        std::mem::forget(self);
        result
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            signals::forget_temporary(slot);
        }
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Writes a line to standard error; a standard error that cannot be
/// written (closed, or a full disk behind it) is not a reason to fail or
/// panic: the run's output stands.
fn warn(message: &str) {
    let _ = writeln!(io::stderr(), "credverify: warning: {message}");
}

/// What the command line shows while a run goes: a progress bar on a
/// terminal, and the notices of the inputs on standard error.
struct Terminal {
    bar: Option<indicatif::ProgressBar>,
    /// `CREDVERIFY_DEBUG` is set: also say which files could not be mapped.
    debug: bool,
    /// The stopping signals received.
    signals: Option<signals::Signals>,
}

impl Terminal {
    fn new(progress: bool, inputs: &[InputPath]) -> Terminal {
        let bar = (progress && io::stderr().is_terminal()).then(|| {
            let total: u64 = inputs
                .iter()
                .map(|i| match i {
                    InputPath::File(p) if !p.to_string_lossy().ends_with(".gz") => {
                        fs::metadata(p).map(|m| m.len()).unwrap_or(0)
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
            bar
        });
        Terminal {
            bar,
            debug: std::env::var_os("CREDVERIFY_DEBUG").is_some(),
            signals: None,
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Terminal {
    fn progress(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn notice(&self, notice: &Notice) {
        let level = match notice {
            Notice::Unmapped { .. } if !self.debug => return,
            Notice::Unmapped { .. } => "debug",
            _ => "warning",
        };
        let _ = writeln!(io::stderr(), "credverify: {level}: {notice}");
    }

    fn cancelled(&self) -> bool {
        self.signals
            .as_ref()
            .is_some_and(|s| s.received().is_some())
    }
}

/// `credverify merge`: the parts checked, then joined; nothing is written
/// when they do not make one run.
fn run_merge(args: &MergeArgs) -> Result<Outcome, RunError> {
    let signals = signals::Signals::install().map_err(RunError::Signals)?;
    signals::contain_sigbus(signals::Mapped::Parts).map_err(RunError::Signals)?;
    match run_merge_with(args, &signals) {
        Err(_) if signals.received().is_some() => {
            let signal = signals.received().unwrap_or(signal_hook::consts::SIGINT);
            let _ = writeln!(
                io::stderr(),
                "credverify: merge stopped by {}: its temporary files were removed and nothing was written at the output paths",
                signals::name(signal)
            );
            Ok(Outcome::Interrupted { signal })
        }
        result => result,
    }
}

fn run_merge_with(args: &MergeArgs, signals: &signals::Signals) -> Result<Outcome, RunError> {
    let merged = |out: &mut dyn Write| {
        let outputs = crate::parts::MergeOutputs {
            bitmaps: args.bitmaps.clone(),
            index: args.index.clone(),
        };
        crate::parts::merge_observed(&args.parts, out, &outputs, &|| signals.received().is_some())
            .map_err(|e| RunError::Usage(UsageError::Sharding(e.to_string())))
    };
    let (summary, core) = match &args.out {
        Some(path) if !is_special(path) => {
            let (atomic, file) = AtomicFile::create(path)?;
            let mut writer = io::BufWriter::with_capacity(1 << 20, &file);
            let result = merged(&mut writer)?;
            writer.flush().map_err(RunError::io(path))?;
            drop(writer);
            file.sync_all().map_err(RunError::io(path))?;
            atomic.commit()?;
            result
        }
        Some(path) => {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(RunError::io(path))?;
            merged(&mut io::BufWriter::new(file))?
        }
        None => merged(&mut io::stdout().lock())?,
    };
    if let Some(path) = &args.summary {
        fs::write(path, summary.to_json()).map_err(RunError::io(path))?;
    }
    let _ = io::stderr().write_all(summary.to_human().as_bytes());
    let _ = writeln!(
        io::stderr(),
        "credverify: {} parts; the longest shard took {:.2} s, all shards {core:.2} s of thread time",
        args.parts.len(),
        summary.elapsed_seconds
    );
    Ok(if summary.all_valid() {
        Outcome::Clean
    } else {
        Outcome::NotAllValid
    })
}

/// `verify --shard`: the part directory `-o` names, and the shard's plan.
fn run_shard(
    args: &VerifyArgs,
    shard_arg: &str,
    config: &mut VerifyConfig,
) -> Result<(PathBuf, crate::parts::ShardPlan), RunError> {
    let shard = crate::shard::Shard::parse(shard_arg, &|name| std::env::var(name).ok())
        .map_err(UsageError::from)?;
    let refuse = |what: &str| RunError::Usage(UsageError::Sharding(what.to_owned()));
    let Some(dir) = args.out.clone() else {
        return Err(refuse("give the part's directory with -o DIR"));
    };
    if args.output_format() != OutputFormat::Jsonl {
        return Err(refuse(
            "parts are written as JSON Lines; merge writes them as one run would (--format csv is not sharded yet)",
        ));
    }
    // A part keeps its bitmaps and index inside it, where merge finds them.
    let mut files = crate::parts::PartFiles::default();
    for (flag, path, slot) in [
        ("--bitmaps", &args.bitmaps, &mut files.bitmaps),
        ("--index", &args.index, &mut files.index),
    ] {
        if let Some(path) = path {
            let rel = path
                .strip_prefix(&dir)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
                .filter(|r| crate::parts::inside(r));
            match rel {
                Some(rel) => *slot = Some(rel),
                None => {
                    return Err(refuse(&format!(
                        "{flag} {}: a shard keeps it inside its part: give a directory below {}, such as {}",
                        path.display(),
                        dir.display(),
                        dir.join(&flag[2..]).display()
                    )));
                }
            }
        }
    }
    if files.bitmaps.is_some() && files.bitmaps == files.index {
        return Err(refuse(
            "--bitmaps and --index must be different directories",
        ));
    }
    if args.summary.is_some() {
        return Err(refuse(
            "a part holds its summary in part.json; give --summary to merge",
        ));
    }
    match fs::read_dir(&dir).map(|mut entries| entries.next().is_some()) {
        Ok(true) => {
            return Err(refuse(&format!("{} is not empty", dir.display())));
        }
        Ok(false) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(&dir).map_err(RunError::io(&dir))?;
        }
        Err(e) => return Err(RunError::io(&dir)(e)),
    }
    let mut plan = crate::parts::plan(config, shard)?;
    plan.files = files;
    config.shares = Some(plan.shares());
    Ok((dir, plan))
}

fn run_verify(args: &VerifyArgs) -> Result<Outcome, RunError> {
    let mut config = args.to_config(&SystemClock)?;
    if let Some(asked) = args.threads.filter(|&n| n > config.threads) {
        warn(&format!(
            "--threads {asked}: this machine has {} cores; using {}",
            config.threads, config.threads
        ));
    }
    // A shard's -o is its part's directory, checked by `run_shard`.
    if args.shard.is_none() {
        paths::check(args)?;
    }
    for error in &config.walk_directories().errors {
        warn(&format!(
            "{}: {}: not read; the audit is incomplete",
            error.path, error.error
        ));
    }
    let shard = match &args.shard {
        Some(s) => Some(run_shard(args, s, &mut config)?),
        None => None,
    };
    let names: Vec<String> = config.inputs.iter().map(InputPath::display).collect();
    let mut terminal = Terminal::new(!args.no_progress, &config.inputs);
    let signals = signals::Signals::install().map_err(RunError::Signals)?;
    signals::contain_sigbus(signals::Mapped::Inputs).map_err(RunError::Signals)?;
    terminal.signals = Some(signals.clone());
    match run_verify_with(args, &config, &names, &terminal, shard.as_ref()) {
        Err(RunError::Pipeline(PipelineError::Cancelled { records })) => {
            let signal = signals.received().unwrap_or(signal_hook::consts::SIGINT);
            let _ = writeln!(
                io::stderr(),
                "credverify: stopped by {} after {records} records: the run did not complete; its temporary files were removed and nothing was written at the output paths",
                signals::name(signal)
            );
            Ok(Outcome::Interrupted { signal })
        }
        result => result,
    }
}

fn run_verify_with(
    args: &VerifyArgs,
    config: &VerifyConfig,
    names: &[String],
    terminal: &Terminal,
    shard: Option<&(PathBuf, crate::parts::ShardPlan)>,
) -> Result<Outcome, RunError> {
    let outputs = Outputs {
        out: match shard {
            Some((dir, _)) => Some(dir.join(crate::parts::VERDICTS)),
            None => args.out.clone(),
        },
        summary: args.summary.clone(),
        format: args.output_format(),
        named_files: args.names_files(),
        status_messages: !args.status_lists.is_empty(),
        previous: false,
    };
    let summary = std::sync::Mutex::new(None);
    let verify = |sink: &mut dyn crate::report::Sink| {
        let result = crate::run::verify_observed(config, sink, terminal);
        terminal.finish();
        if let Ok(s) = &result
            && let Ok(mut kept) = summary.lock()
        {
            *kept = Some(s.clone());
        }
        result
    };
    let outcome = write_run(&outputs, names, &verify, &|| terminal.cancelled())?;
    if let (Some((dir, plan)), Ok(Some(summary))) = (shard, summary.into_inner()) {
        let run = crate::parts::PartRun {
            options: format!(
                "{{\"as_of\":\"{}\",\"strict_status\":{},\"trust_fragment_keys\":{},\"trust_header_jwk\":{},\"max_record_bytes\":{},\"named_files\":{},\"status_messages\":{},\"inputs\":{}}}",
                config.as_of,
                config.strict_status,
                config.trust_fragment_keys,
                config.trust_header_jwk,
                config.source.max_record_bytes,
                outputs.named_files,
                outputs.status_messages,
                names.len()
            ),
            documents: crate::parts::documents_digest(config)?,
        };
        crate::parts::write_manifest(dir, plan, &run, &summary)?;
    }
    Ok(outcome)
}

fn run_recheck(args: &RecheckArgs) -> Result<Outcome, RunError> {
    let config = crate::run::RecheckConfig {
        bitmaps: args.bitmaps.clone(),
        changed_only: args.changed_only,
        // A verdict file is renamed into place only when the run stands.
        check_first: args.out.as_deref().is_none_or(is_special),
        ..args
            .sources
            .config(resolve_as_of(args.as_of.as_deref(), &SystemClock)?)
    };
    // `records.bin` is memory-mapped: a file cut short under the run
    // ends it as a failed run, its temporary files removed.
    signals::contain_sigbus(signals::Mapped::Index).map_err(RunError::Signals)?;
    // The index names its inputs and how verdicts named them.
    let stopwatch = crate::time::Stopwatch::start();
    let index = crate::index::Index::open(&config.index)?;
    let outputs = Outputs {
        out: args.out.clone(),
        summary: args.summary.clone(),
        format: args.format.into(),
        named_files: index.manifest.options.named_files,
        status_messages: !config.status_lists.is_empty(),
        previous: args.changed_only,
    };
    let names = index.manifest.inputs.clone();
    let recheck = |sink: &mut dyn crate::report::Sink| {
        crate::run::recheck_index(&index, &config, sink, stopwatch)
    };
    write_run(&outputs, &names, &recheck, &|| false)
}

fn run_expiring(args: &ExpiringArgs) -> Result<Outcome, RunError> {
    let from = Timestamp::parse(&args.from).map_err(UsageError::from)?;
    let config = crate::run::ExpiringConfig {
        recheck: args.sources.config(from),
        to: Timestamp::parse(&args.to).map_err(UsageError::from)?,
        by: match args.by {
            PeriodArg::Day => crate::run::Period::Day,
            PeriodArg::Month => crate::run::Period::Month,
        },
        by_issuer: args.by_issuer,
        ids: args.ids,
    };
    signals::contain_sigbus(signals::Mapped::Index).map_err(RunError::Signals)?;
    let table = crate::run::expiring(&config)?;
    let write = |out: &mut dyn Write| match args.format {
        TableFormat::Json => table.write_json(&config, out),
        TableFormat::Csv => table.write_csv(&config, out),
    };
    match &args.out {
        // A file is written beside its destination and renamed into place.
        Some(path) if !is_special(path) => {
            let (file, handle) = AtomicFile::create(path)?;
            write(&mut io::BufWriter::with_capacity(1 << 20, &handle))
                .and_then(|()| handle.sync_all())
                .map_err(RunError::io(path))?;
            file.commit()?;
        }
        Some(path) => {
            let handle = fs::File::create(path).map_err(RunError::io(path))?;
            write(&mut io::BufWriter::new(handle)).map_err(RunError::io(path))?;
        }
        None => write(&mut io::BufWriter::with_capacity(
            1 << 20,
            io::stdout().lock(),
        ))
        .map_err(RunError::Stdout)?,
    }
    if !table.with_lists {
        warn(
            "no --status-lists: records count when their proof verified and their window holds --from; their status was not checked",
        );
    }
    Ok(Outcome::Clean)
}

/// Where a run's verdicts and summary go, and how verdicts are written.
struct Outputs {
    out: Option<PathBuf>,
    summary: Option<PathBuf>,
    format: OutputFormat,
    named_files: bool,
    status_messages: bool,
    previous: bool,
}

impl Outputs {
    /// The verdict writer, buffered, over `out`.
    fn writer<W: Write + Send>(
        &self,
        out: W,
        names: &[String],
    ) -> io::Result<VerdictWriter<BufWriter<W>>> {
        let out = BufWriter::with_capacity(1 << 20, out);
        Ok(
            VerdictWriter::with_files(out, self.format, names, self.named_files)?
                .with_status_messages_if(self.status_messages)
                .with_previous_if(self.previous),
        )
    }
}

/// A run that writes verdicts to `outputs` through `run`: files renamed
/// into place only when it completes (and `cancelled` says no signal came),
/// the human summary on standard error; the exit outcome.
/// A device or pipe (`-o /dev/stdout`): written in place, since renaming
/// a file over it would replace the device node.
fn is_special(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn write_run(
    outputs: &Outputs,
    names: &[String],
    run: &dyn Fn(&mut dyn crate::report::Sink) -> Result<RunSummary, RunError>,
    cancelled: &dyn Fn() -> bool,
) -> Result<Outcome, RunError> {
    let special = is_special;
    // Open the summary's temporary file first: an unwritable path fails the
    // run before any work.
    let summary_file = match &outputs.summary {
        Some(path) if !special(path) => Some(AtomicFile::create(path)?),
        _ => None,
    };
    let mut verdict_file: Option<AtomicFile> = None;
    let summary: RunSummary = match &outputs.out {
        Some(dest) if special(dest) => {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(dest)
                .map_err(RunError::io(dest))?;
            let mut sink = outputs.writer(file, names).map_err(RunError::io(dest))?;
            run(&mut sink)?
        }
        Some(dest) => {
            let (atomic, file) = AtomicFile::create(dest)?;
            let mut sink = outputs.writer(file, names).map_err(RunError::io(dest))?;
            let summary = run(&mut sink)?;
            let file = sink
                .into_inner()
                .into_inner()
                .map_err(|e| RunError::io(dest)(e.into_error()))?;
            file.sync_all().map_err(RunError::io(dest))?;
            verdict_file = Some(atomic);
            summary
        }
        None => {
            let stdout = io::stdout();
            // Verdicts that cannot be written (a closed pipe included) fail
            // the run: exit 2, never success.
            let mut sink = outputs.writer(stdout, names).map_err(RunError::Stdout)?;
            run(&mut sink).map_err(|e| match e {
                RunError::Pipeline(PipelineError::Write(e)) => RunError::Stdout(e),
                e => e,
            })?
        }
    };
    // A signal that came after the last chunk still stops the run: nothing
    // is renamed into place.
    if cancelled() {
        return Err(PipelineError::Cancelled {
            records: summary.records,
        }
        .into());
    }
    // Both files are complete before either is renamed into place, so a
    // failure leaves neither behind.
    if let (Some(path), Some((atomic, mut file))) = (&outputs.summary, summary_file) {
        file.write_all(summary.to_json().as_bytes())
            .map_err(RunError::io(path))?;
        if let Some(verdicts) = verdict_file.take() {
            verdicts.commit()?;
        }
        atomic.commit()?;
    } else if let Some(path) = &outputs.summary {
        fs::write(path, summary.to_json()).map_err(RunError::io(path))?;
    }
    if let Some(verdicts) = verdict_file {
        verdicts.commit()?;
    }
    let _ = io::stderr().write_all(summary.to_human().as_bytes());
    Ok(if summary.all_valid() {
        Outcome::Clean
    } else {
        Outcome::NotAllValid
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FixedClock;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("credverify").chain(args.iter().copied()))
    }

    fn verify_args(args: &[&str]) -> VerifyArgs {
        match parse(args).unwrap().command {
            Command::Verify(v) => v,
            other => panic!("not verify: {other:?}"),
        }
    }

    const CLOCK: FixedClock = FixedClock(Timestamp::from_unix(1_700_000_000));

    #[test]
    fn verify_needs_an_input() {
        assert!(parse(&["verify"]).is_err());
    }

    #[test]
    fn defaults_are_strict_and_dated_by_the_clock() {
        let config = verify_args(&["verify", "a.jsonl"])
            .to_config(&CLOCK)
            .unwrap();
        assert_eq!(config.as_of, CLOCK.0);
        assert!(!config.trust_fragment_keys);
        assert!(
            config.status_lists.is_empty() && !config.strict_status && config.bitmaps.is_none()
        );
        assert_eq!(
            verify_args(&["verify", "a"]).output_format(),
            OutputFormat::Jsonl
        );
        assert!(config.source.mmap);
        assert_eq!(config.batch_size, crate::verify::tuner::DEFAULT_BATCH_SIZE);
    }

    #[test]
    fn as_of_is_parsed_and_checked() {
        let config = verify_args(&["verify", "--as-of", "2024-01-01T00:00:00Z", "a"])
            .to_config(&CLOCK)
            .unwrap();
        assert_eq!(config.as_of.to_string(), "2024-01-01T00:00:00Z");
        assert!(
            verify_args(&["verify", "--as-of", "yesterday", "a"])
                .to_config(&CLOCK)
                .is_err()
        );
    }

    #[test]
    fn every_flag_parses() {
        let args = verify_args(&[
            "verify",
            "--dids",
            "d1",
            "--dids",
            "https://x/y=f.json",
            "-o",
            "out.jsonl",
            "--format",
            "csv",
            "--summary",
            "s.json",
            "--threads",
            "3",
            "--trust-fragment-keys",
            "--batch-size",
            "1024",
            "--no-mmap",
            "--max-record-bytes",
            "100",
            "--no-progress",
            "--status-lists",
            "lists/",
            "--status-lists",
            "https://s.example/1=l.json",
            "--strict-status",
            "--bitmaps",
            "maps",
            "a",
            "b",
        ]);
        let config = args.to_config(&CLOCK).unwrap();
        assert_eq!(
            config.dids,
            [
                DocumentSource::path("d1"),
                DocumentSource {
                    url: Some("https://x/y".into()),
                    path: "f.json".into()
                }
            ]
        );
        assert_eq!(
            config.status_lists,
            [
                DocumentSource::path("lists/"),
                DocumentSource {
                    url: Some("https://s.example/1".into()),
                    path: "l.json".into()
                }
            ]
        );
        assert!(config.strict_status);
        assert_eq!(config.bitmaps.as_deref(), Some(Path::new("maps")));
        assert_eq!(args.out.as_deref(), Some(Path::new("out.jsonl")));
        assert_eq!(args.output_format(), OutputFormat::Csv);
        assert_eq!(args.summary.as_deref(), Some(Path::new("s.json")));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(config.threads, 3.min(cores), "capped at the cores");
        assert!(config.trust_fragment_keys && !config.source.mmap && args.no_progress);
        assert_eq!(
            (config.batch_size, config.source.max_record_bytes),
            (1024, 100)
        );
        assert_eq!(config.inputs.len(), 2);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(parse(&["verify", "--batch-size", "0", "a"]).is_err());
        assert!(parse(&["verify", "--format", "xml", "a"]).is_err());
        assert!(
            verify_args(&["verify", "--threads", "0", "a"])
                .to_config(&CLOCK)
                .is_err()
        );
        assert!(
            verify_args(&["verify", "-", "-"])
                .to_config(&CLOCK)
                .is_err()
        );
    }
}
