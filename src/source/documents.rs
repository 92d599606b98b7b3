//! Side documents named on the command line (`--dids`, `--status-lists`):
//! a file, a directory of `*.json` / `*.jsonl`, or `URL=FILE` to bind a
//! document to the URL it was published under. A directory may hold an
//! `index.json` mapping URL to file name for the same purpose.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::array::{ArrayProblem, ArrayScanner};
use crate::json::{JsonParser, Value};
use crate::verdict::Problem;

/// Where side documents come from: a file or a directory, and the URL a
/// file was published under when it is bound to one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSource {
    /// The URL the file is bound to (`URL=FILE`).
    pub url: Option<String>,
    /// The file or directory.
    pub path: PathBuf,
}

impl DocumentSource {
    /// Reads a command-line argument: `URL=FILE` when what comes before
    /// the first `=` is a URL (it holds `://`) or a DID, else a path.
    pub fn parse(spec: &str) -> DocumentSource {
        match spec.split_once('=') {
            Some((url, file)) if url.contains("://") || url.starts_with("did:") => DocumentSource {
                url: Some(url.to_owned()),
                path: PathBuf::from(file),
            },
            _ => DocumentSource::path(spec),
        }
    }

    /// A file or directory not bound to a URL.
    pub fn path(path: impl Into<PathBuf>) -> DocumentSource {
        DocumentSource {
            url: None,
            path: path.into(),
        }
    }
}

/// One file of documents, with the URL it is bound to, if any.
#[derive(Debug)]
pub struct DocumentFile {
    /// The URL the file's document is bound to.
    pub bound: Option<String>,
    /// The file.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why side documents could not be loaded; always a run-level error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// `URL=FILE` named a directory.
    #[error("{}: URL=FILE needs a file, not a directory", path.display())]
    BoundDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// A directory's `index.json` is not an object mapping URL to file
    /// name.
    #[error("{}: must be a JSON object mapping URL to file name", path.display())]
    Index {
        /// The `index.json`.
        path: PathBuf,
    },
    /// A directory's `index.json` maps a URL to a file it does not hold.
    #[error("{}: {url} maps to {file}, which is not in the directory", path.display())]
    IndexedFileMissing {
        /// The `index.json`.
        path: PathBuf,
        /// The URL.
        url: String,
        /// The file name.
        file: String,
    },
    /// A document is not valid JSON.
    #[error("{}: line {line}: not valid JSON ({problem})", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// The line (1 for a file holding one document or an array).
        line: usize,
        /// What the parser found.
        problem: Problem,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DocumentError + '_ {
    move |source| DocumentError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Collects the files a `--dids` / `--status-lists` argument names.
pub fn collect(source: &DocumentSource) -> Result<Vec<DocumentFile>, DocumentError> {
    let bound = source.url.as_deref();
    let path = source.path.as_path();
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
        return Err(DocumentError::BoundDirectory {
            path: path.to_owned(),
        });
    }
    let mut index: Vec<(String, String)> = Vec::new();
    let index_path = path.join("index.json");
    if index_path.exists() {
        let bytes = fs::read(&index_path).map_err(io_error(&index_path))?;
        let entries = JsonParser::default()
            .with_doc(&bytes, |v| {
                v.is_object().then(|| {
                    v.members()
                        .map(|(url, f)| f.as_str().map(|f| (url.to_owned(), f.to_owned())))
                        .collect::<Option<Vec<_>>>()
                })
            })
            .map_err(|problem| DocumentError::NotJson {
                path: index_path.clone(),
                line: 1,
                problem,
            })?;
        index = entries.flatten().ok_or_else(|| DocumentError::Index {
            path: index_path.clone(),
        })?;
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
            return Err(DocumentError::IndexedFileMissing {
                path: index_path,
                url: url.clone(),
                file: f.clone(),
            });
        }
    }
    Ok(files)
}

impl DocumentFile {
    /// The documents of the file as they are written, for documents whose
    /// own bytes matter (a signed status list): the file itself, each line
    /// of JSON Lines, or each element of a top-level array.
    pub fn raw_documents(&self) -> Result<Vec<&[u8]>, ArrayProblem> {
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
        let mut scanner = ArrayScanner::default();
        let mut ranges = Vec::new();
        scanner.feed(&self.bytes, 0, &mut ranges);
        scanner.finish(self.bytes.len() as u64, &mut ranges);
        if let Some(damage) = scanner.damage() {
            return Err(damage.problem);
        }
        Ok(ranges
            .into_iter()
            .map(|r| &self.bytes[r.start as usize..r.end as usize])
            .collect())
    }

    /// Calls `f` with each document of the file: the object itself, each
    /// element of an array, or each line of JSON Lines.
    pub fn for_each(&self, mut f: impl FnMut(Value<'_>)) -> Result<(), DocumentError> {
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
            parser
                .with_doc(piece, |v| {
                    if v.is_array() {
                        v.elements().for_each(&mut f)
                    } else {
                        f(v)
                    }
                })
                .map_err(|problem| DocumentError::NotJson {
                    path: self.path.clone(),
                    line: n + 1,
                    problem,
                })?;
        }
        Ok(())
    }
}
