//! Run-level errors: the run cannot go on (exit code 2). Problems with one
//! record are verdicts, never errors.

use std::io;

use crate::pipeline::PipelineError;
use crate::resolve::document::DocumentError as ControllerDocumentError;
use crate::source::documents::DocumentError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Documents(#[from] DocumentError),
    #[error("{path}: {source}")]
    ControllerDocument {
        path: String,
        source: ControllerDocumentError,
    },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: not a usable status list: {why}")]
    StatusList { path: String, why: String },
    #[error(transparent)]
    Contexts(#[from] crate::jsonld::ContextError),
}
