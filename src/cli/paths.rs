//! Output paths checked before any work: `-o`, `--summary` and
//! `--bitmaps` name distinct places, none of them an input, each of the
//! right kind (a file, or a directory for `--bitmaps`) in a directory this
//! process can write. A careless command line fails at once with exit 2,
//! not after an hour's run, and never overwrites an input.

use std::fs;
use std::path::{Path, PathBuf};

use super::VerifyArgs;
use crate::error::UsageError;

/// Where a path points: the canonical path of the file, or of its
/// directory joined with its name when the file does not exist yet.
fn identity(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = fs::canonicalize(p) {
        return Some(c);
    }
    Some(fs::canonicalize(directory_of(p)).ok()?.join(p.file_name()?))
}

/// The directory a path's file is in.
fn directory_of(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A device or pipe (`/dev/stdout`, `/dev/null`): written in place, and
/// free to be named twice.
fn special(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Whether this process can create a file in `dir`: tried, not guessed
/// from permission bits (root, ACLs and read-only mounts all differ).
fn writable(option: &'static str, dir: &Path) -> Result<(), UsageError> {
    let unwritable = |reason: String| UsageError::Unwritable {
        option,
        dir: dir.to_owned(),
        reason,
    };
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(unwritable("not a directory".into())),
        Err(e) => return Err(unwritable(e.to_string())),
    }
    let probe = dir.join(format!(".credverify-probe-{}", std::process::id()));
    match fs::File::create(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(unwritable(e.to_string())),
    }
}

/// Checks the output paths of `args` against each other and the inputs.
pub fn check(args: &VerifyArgs) -> Result<(), UsageError> {
    let mut outputs: Vec<(&'static str, &Path)> = Vec::new();
    for (option, path) in [("-o", &args.out), ("--summary", &args.summary)] {
        let Some(path) = path.as_deref() else {
            continue;
        };
        if special(path) {
            continue;
        }
        if path.is_dir() {
            return Err(UsageError::WrongKind {
                option,
                path: path.to_owned(),
                what: "a directory",
            });
        }
        writable(option, directory_of(path))?;
        outputs.push((option, path));
    }
    if let Some(dir) = args.bitmaps.as_deref() {
        if dir.exists() && !dir.is_dir() {
            return Err(UsageError::WrongKind {
                option: "--bitmaps",
                path: dir.to_owned(),
                what: "not a directory",
            });
        }
        let existing = if dir.is_dir() { dir } else { directory_of(dir) };
        writable("--bitmaps", existing)?;
        outputs.push(("--bitmaps", dir));
    }
    if let Some(dir) = args.index.as_deref() {
        if dir.exists() && !dir.is_dir() {
            return Err(UsageError::WrongKind {
                option: "--index",
                path: dir.to_owned(),
                what: "not a directory",
            });
        }
        if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
            return Err(UsageError::WrongKind {
                option: "--index",
                path: dir.to_owned(),
                what: "a directory that is not empty",
            });
        }
        writable("--index", directory_of(dir))?;
        outputs.push(("--index", dir));
    }
    let ids: Vec<(&'static str, Option<PathBuf>)> =
        outputs.iter().map(|&(o, p)| (o, identity(p))).collect();
    for (i, (first, a)) in ids.iter().enumerate() {
        for (second, b) in &ids[i + 1..] {
            if let (Some(a), Some(b)) = (a, b)
                && a == b
            {
                return Err(UsageError::SamePath {
                    first,
                    second,
                    path: a.clone(),
                });
            }
        }
    }
    for input in args.inputs.iter().filter(|i| *i != "-") {
        let Some(input) = identity(Path::new(input)) else {
            continue;
        };
        for (option, id) in &ids {
            if id.as_ref() == Some(&input) {
                return Err(UsageError::SamePath {
                    first: option,
                    second: "an input",
                    path: input,
                });
            }
        }
    }
    Ok(())
}
