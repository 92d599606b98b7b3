//! Directories given as inputs, walked into the files they hold
//! (CONTRACT.md, "Inputs").
//!
//! A directory is walked recursively with [`walkdir`], following symbolic
//! links (a link that leads back into its own ancestry is a loop and is
//! reported, not followed), entries of each directory sorted by name, so
//! the order is the paths' order component by component and never the
//! file system's. A file is read when its name ends in one of
//! [`READ_EXTENSIONS`], optionally followed by `.gz` (any letter case);
//! every other entry is skipped and counted by [`SkipReason`]. What cannot
//! be walked (an unreadable directory, a loop, a broken link) is a
//! [`WalkError`]: the run goes on without it, and its exit code says the
//! audit is incomplete.

use std::collections::BTreeMap;
use std::path::Path;

use super::InputPath;

/// The name endings a walk reads, each optionally followed by `.gz`.
pub const READ_EXTENSIONS: [&str; 6] = ["json", "jsonl", "ndjson", "jwt", "png", "svg"];

/// Why a walk passed over an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// A file whose name does not end in one of [`READ_EXTENSIONS`].
    Extension,
    /// Neither a file nor a directory: a socket, a FIFO, a device.
    NotAFile,
}

impl SkipReason {
    /// The reason's name in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Extension => "extension",
            SkipReason::NotAFile => "not_a_file",
        }
    }
}

/// Something a walk could not go through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkError {
    /// The path, as the walk named it.
    pub path: String,
    /// What went wrong.
    pub error: String,
}

/// The inputs with every directory replaced by the files it holds.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// The files to read, in order: inputs that are not directories as
    /// given, and each directory's files in its place
    /// ([`InputPath::Found`]).
    pub files: Vec<InputPath>,
    /// Entries passed over, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// What could not be walked.
    pub errors: Vec<WalkError>,
    /// How many inputs were directories.
    pub directories: usize,
    /// The inputs as given, by name.
    pub given: Vec<String>,
}

impl Walk {
    /// Entries skipped, all reasons together.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Whether a walk reads a file of this name.
pub fn is_read(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let name = lower.strip_suffix(".gz").unwrap_or(&lower);
    READ_EXTENSIONS.iter().any(|ext| {
        name.strip_suffix(ext)
            .is_some_and(|stem| stem.ends_with('.') && stem.len() > 1)
    })
}

/// Walks every input that is a directory; other inputs are kept as given.
pub fn expand(inputs: &[InputPath]) -> Walk {
    let mut walk = Walk {
        given: inputs.iter().map(InputPath::display).collect(),
        ..Walk::default()
    };
    for input in inputs {
        match input {
            InputPath::File(p) if p.is_dir() => {
                walk.directories += 1;
                walk_directory(p, &mut walk);
            }
            other => walk.files.push(other.clone()),
        }
    }
    walk
}

fn walk_directory(root: &Path, walk: &mut Walk) {
    let entries = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .min_depth(1);
    for entry in entries {
        match entry {
            Ok(entry) => {
                let kind = entry.file_type();
                if kind.is_dir() {
                    continue;
                }
                if !kind.is_file() {
                    *walk.skipped.entry(SkipReason::NotAFile).or_default() += 1;
                } else if is_read(&entry.file_name().to_string_lossy()) {
                    walk.files.push(InputPath::Found(entry.into_path()));
                } else {
                    *walk.skipped.entry(SkipReason::Extension).or_default() += 1;
                }
            }
            Err(error) => {
                let path = error.path().unwrap_or(root).display().to_string();
                let error = match error.loop_ancestor() {
                    Some(ancestor) => {
                        format!("a symbolic link loop back to {}", ancestor.display())
                    }
                    None => error
                        .io_error()
                        .map_or_else(|| error.to_string(), ToString::to_string),
                };
                walk.errors.push(WalkError { path, error });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_by_a_walk() {
        for name in [
            "a.json",
            "a.jsonl",
            "a.ndjson",
            "a.jwt",
            "badge.png",
            "badge.svg",
            "a.json.gz",
            "A.PNG",
            "x.y.JSONL.GZ",
        ] {
            assert!(is_read(name), "{name}");
        }
        for name in [
            "json",
            ".json",
            "a.txt",
            "a.gz",
            "a.pngx",
            "a_json",
            "README",
            "a.json.zip",
        ] {
            assert!(!is_read(name), "{name}");
        }
    }
}
