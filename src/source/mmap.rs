//! Memory maps of plain files: a deliberate choice with a fallback.
//!
//! Mapping spares a copy of every byte of a large export; when a file
//! cannot be mapped it is read instead, and the caller is told why.

// The one unsafe constructor of the crate outside its SIMD kernels.
#![allow(unsafe_code)]

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use super::Notice;

/// Maps a file, or says why not and returns `None`.
pub(crate) fn map_file(file: &File, path: &Path, notices: &mut dyn FnMut(Notice)) -> Option<Mmap> {
    // An empty file cannot be mapped on every platform; reading it is free.
    if file.metadata().map(|m| m.len() == 0).unwrap_or(true) {
        return None;
    }
    // SAFETY: the map is read-only and private to this process. If another
    // process truncates the file while we read it, accesses past the new end
    // raise SIGBUS; like ripgrep, we accept that risk for plain files given
    // on the command line, and `--no-mmap` avoids it.
    match unsafe { Mmap::map(file) } {
        Ok(map) => {
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::Sequential);
            Some(map)
        }
        Err(error) => {
            notices(Notice::Unmapped {
                path: path.to_owned(),
                error,
            });
            None
        }
    }
}
