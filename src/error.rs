//! Run-level errors: the run cannot go on (exit code 2). Problems with one
//! record are verdicts, never errors.

use std::io;
use std::path::PathBuf;

use crate::jsonld::ContextError;
use crate::pipeline::PipelineError;
use crate::resolve::document::DocumentError as ControllerDocumentError;
use crate::source::documents::DocumentError;
use crate::status::list::StatusListError;
use crate::time::DateError;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// An option's value is not usable.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// Reading inputs or writing verdicts failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A `--dids` or `--status-lists` argument could not be read.
    #[error(transparent)]
    Documents(#[from] DocumentError),
    /// A controller document given with `--dids` is not usable.
    #[error("{}: {source}", path.display())]
    ControllerDocument {
        /// The file.
        path: PathBuf,
        /// Why.
        source: ControllerDocumentError,
    },
    /// A document given with `--status-lists` is not a status list.
    #[error("{}: not a usable status list: {source}", path.display())]
    StatusList {
        /// The file.
        path: PathBuf,
        /// Why.
        source: StatusListError,
    },
    /// The JSON-LD contexts could not be loaded.
    #[error(transparent)]
    Contexts(#[from] ContextError),
    /// A revalidation index could not be written, or is not one to read.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Writing to standard output failed.
    #[error("standard output: {0}")]
    Stdout(io::Error),
    /// The signal handlers could not be installed.
    #[error("cannot install the signal handlers: {0}")]
    Signals(io::Error),
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// `credverify generate` was given parameters it cannot use.
    #[cfg(feature = "generate")]
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
}

impl RunError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> RunError {
        let path = path.into();
        move |source| RunError::Io { path, source }
    }
}

/// An option's value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// `--as-of` is not an RFC 3339 date-time.
    #[error("--as-of: {0}")]
    AsOf(#[from] DateError),
    /// `--threads 0`.
    #[error("--threads must be at least 1")]
    NoThreads,
    /// `-` was given twice.
    #[error("standard input (-) can be read only once")]
    StdinTwice,
    /// Two output options name the same file, or an output names an input.
    #[error("{first} and {second} name the same file, {}", path.display())]
    SamePath {
        /// The first option (`-o`, `--summary`, `--bitmaps`, or `input`).
        first: &'static str,
        /// The second.
        second: &'static str,
        /// The path they share.
        path: PathBuf,
    },
    /// `--shard` names no shard (a bad `K/N`, a missing environment
    /// variable).
    #[error(transparent)]
    Shard(#[from] crate::shard::ShardError),
    /// `--shard` with what a shard cannot do yet, or cannot do at all.
    #[error("--shard: {0}")]
    Sharding(String),
    /// An output option names a directory where a file is written, or a
    /// file where a directory is.
    #[error("{option}: {} is {what}", path.display())]
    WrongKind {
        /// The option.
        option: &'static str,
        /// The path.
        path: PathBuf,
        /// What it is instead (`a directory`, `not a directory`).
        what: &'static str,
    },
    /// An output's directory does not exist or cannot be written.
    #[error("{option}: cannot write in {}: {reason}", dir.display())]
    Unwritable {
        /// The option.
        option: &'static str,
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
}
