//! Side documents named on the command line (`--dids`, later
//! `--status-lists`): a file, a directory of `*.json` / `*.jsonl`, or
//! `URL=FILE` to bind a document to the URL it was published under. A
//! directory may hold an `index.json` mapping URL to file name for the same
//! purpose.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::json::{JsonParser, Value};

/// One file of documents, with the URL it is bound to, if any.
#[derive(Debug)]
pub struct DocumentFile {
    pub bound: Option<String>,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Why side documents could not be loaded; always a run-level error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: {why}")]
    Invalid { path: String, why: String },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DocumentError + '_ {
    move |source| DocumentError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Splits `URL=FILE`; anything else is a path.
fn binding(spec: &str) -> (Option<&str>, &str) {
    match spec.split_once('=') {
        Some((url, file)) if url.contains("://") || url.starts_with("did:") => (Some(url), file),
        _ => (None, spec),
    }
}

/// Collects the files a `--dids` / `--status-lists` argument names.
pub fn collect(spec: &str) -> Result<Vec<DocumentFile>, DocumentError> {
    let (bound, path) = binding(spec);
    let path = Path::new(path);
    let meta = fs::metadata(path).map_err(io_error(path))?;
    if !meta.is_dir() {
        let bytes = fs::read(path).map_err(io_error(path))?;
        return Ok(vec![DocumentFile {
            bound: bound.map(str::to_owned),
            path: path.to_owned(),
            bytes,
        }]);
    }
    if bound.is_some() {
        return Err(DocumentError::Invalid {
            path: spec.to_owned(),
            why: "URL=FILE needs a file, not a directory".into(),
        });
    }
    let mut index: Vec<(String, String)> = Vec::new();
    let index_path = path.join("index.json");
    if index_path.exists() {
        let bytes = fs::read(&index_path).map_err(io_error(&index_path))?;
        let invalid = |why: &str| DocumentError::Invalid {
            path: index_path.display().to_string(),
            why: why.to_owned(),
        };
        let entries = JsonParser::default()
            .with_doc(&bytes, |v| {
                v.is_object().then(|| {
                    v.members()
                        .map(|(url, f)| f.as_str().map(|f| (url.to_owned(), f.to_owned())))
                        .collect::<Option<Vec<_>>>()
                })
            })
            .map_err(|p| invalid(&format!("not valid JSON ({p})")))?;
        index = entries
            .flatten()
            .ok_or_else(|| invalid("must be an object mapping URL to file name"))?;
    }
    let mut names: Vec<PathBuf> = fs::read_dir(path)
        .map_err(io_error(path))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json" || x == "jsonl")
                && p.file_name() != Some("index.json".as_ref())
        })
        .collect();
    names.sort();
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let file_name = name
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let bound = index
            .iter()
            .find(|(_, f)| *f == file_name)
            .map(|(url, _)| url.clone());
        let bytes = fs::read(&name).map_err(io_error(&name))?;
        files.push(DocumentFile {
            bound,
            path: name,
            bytes,
        });
    }
    for (url, f) in &index {
        if !files
            .iter()
            .any(|d| d.path.file_name().and_then(|n| n.to_str()) == Some(f))
        {
            return Err(DocumentError::Invalid {
                path: index_path.display().to_string(),
                why: format!("{url} maps to {f}, which is not in the directory"),
            });
        }
    }
    Ok(files)
}

impl DocumentFile {
    /// The documents of the file as they are written, for documents whose
    /// own bytes matter (a signed status list): the file itself, each line
    /// of JSON Lines, or each element of a top-level array.
    pub fn raw_documents(&self) -> Result<Vec<&[u8]>, String> {
        let blank = |piece: &[u8]| piece.iter().all(u8::is_ascii_whitespace);
        if self.path.extension().is_some_and(|x| x == "jsonl") {
            return Ok(self
                .bytes
                .split(|&b| b == b'\n')
                .filter(|p| !blank(p))
                .collect());
        }
        let start = self.bytes.iter().position(|b| !b.is_ascii_whitespace());
        if start.is_none_or(|i| self.bytes[i] != b'[') {
            return Ok(vec![&self.bytes]);
        }
        let mut scanner = super::array::ArrayScanner::default();
        let mut ranges = Vec::new();
        scanner.feed(&self.bytes, 0, &mut ranges);
        scanner.finish(self.bytes.len() as u64, &mut ranges);
        if let Some(problem) = scanner.problem() {
            return Err(problem.to_owned());
        }
        Ok(ranges
            .into_iter()
            .map(|r| &self.bytes[r.start as usize..r.end as usize])
            .collect())
    }

    /// Calls `f` with each document of the file: the object itself, each
    /// element of an array, or each line of JSON Lines.
    pub fn for_each(
        &self,
        mut f: impl FnMut(Value<'_>) -> Result<(), String>,
    ) -> Result<(), DocumentError> {
        let invalid = |why: String| DocumentError::Invalid {
            path: self.path.display().to_string(),
            why,
        };
        let mut parser = JsonParser::default();
        let jsonl = self.path.extension().is_some_and(|x| x == "jsonl");
        let pieces: Vec<&[u8]> = if jsonl {
            self.bytes.split(|&b| b == b'\n').collect()
        } else {
            vec![&self.bytes]
        };
        for (n, piece) in pieces.into_iter().enumerate() {
            if piece.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let outcome = parser
                .with_doc(piece, |v| {
                    if v.is_array() {
                        v.elements().try_for_each(&mut f)
                    } else {
                        f(v)
                    }
                })
                .map_err(|p| invalid(format!("line {}: not valid JSON ({p})", n + 1)))?;
            outcome.map_err(|why| invalid(format!("line {}: {why}", n + 1)))?;
        }
        Ok(())
    }
}
