//! `--bitmaps DIR`: for each verdict word, the set of record ordinals
//! (0-based, counting across all inputs in order) as a roaring bitmap in the
//! portable serialization format, `DIR/<verdict>.roaring`.
//!
//! The portable format (RoaringFormatSpec, github.com/RoaringBitmap/
//! RoaringFormatSpec) is the one the C (`roaring_bitmap_portable_deserialize`),
//! Java (`RoaringBitmap.deserialize`) and Go (`ReadFrom`) libraries read, so
//! runs can be intersected with their tools. Every verdict gets a file, empty
//! sets included, written only once the run has completed.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use super::Sink;
use crate::verdict::{Verdict, VerdictRecord};

/// Passes records on to another sink and notes each one's ordinal under its
/// verdict.
pub struct BitmapSink<'s> {
    inner: &'s mut dyn Sink,
    dir: PathBuf,
    next: u64,
    sets: Vec<RoaringBitmap>,
}

impl<'s> BitmapSink<'s> {
    /// Passes records on to `inner`; [`BitmapSink::write`] writes the
    /// bitmaps into `dir`.
    pub fn new(inner: &'s mut dyn Sink, dir: &Path) -> BitmapSink<'s> {
        BitmapSink {
            inner,
            dir: dir.to_owned(),
            next: 0,
            sets: vec![RoaringBitmap::new(); Verdict::ALL.len()],
        }
    }

    /// Notes the next record's ordinal under `verdict`.
    fn note(&mut self, verdict: Verdict) -> io::Result<()> {
        let ordinal = u32::try_from(self.next).map_err(|_| {
            io::Error::other(
                "--bitmaps holds at most 4,294,967,296 records (32-bit roaring bitmaps)",
            )
        })?;
        self.sets[verdict as usize].insert(ordinal);
        self.next += 1;
        Ok(())
    }

    /// The ordinals recorded under `verdict` so far.
    pub fn set(&self, verdict: Verdict) -> &RoaringBitmap {
        &self.sets[verdict as usize]
    }

    /// Writes the files: all of them under temporary names first, then each
    /// renamed into place, so that a failure while writing leaves the
    /// previous set whole. On failure, the path and the error.
    pub fn write(self) -> Result<(), (PathBuf, io::Error)> {
        write_sets(&self.dir, &self.sets)
    }
}

/// Writes one bitmap per verdict (`sets`, by the verdict's position in
/// the vocabulary) into `dir` as [`BitmapSink::write`] does: all under
/// temporary names first, then each renamed into place.
pub fn write_sets(dir: &Path, sets: &[RoaringBitmap]) -> Result<(), (PathBuf, io::Error)> {
    let at = |path: &Path| {
        let path = path.to_owned();
        move |e| (path, e)
    };
    fs::create_dir_all(dir).map_err(at(dir))?;
    let names: Vec<(PathBuf, PathBuf)> = Verdict::ALL
        .iter()
        .map(|verdict| {
            let tmp = format!(".{verdict}.roaring.credverify-{}.tmp", std::process::id());
            (dir.join(tmp), dir.join(format!("{verdict}.roaring")))
        })
        .collect();
    let clean = |names: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in names {
            let _ = fs::remove_file(tmp);
        }
    };
    for (verdict, (tmp, _)) in Verdict::ALL.iter().zip(&names) {
        let written = (|| {
            let mut out = BufWriter::new(fs::File::create(tmp)?);
            sets[*verdict as usize].serialize_into(&mut out)?;
            out.flush()?;
            out.get_ref().sync_all()
        })();
        if let Err(e) = written {
            clean(&names);
            return Err(at(tmp)(e));
        }
    }
    for (tmp, dest) in &names {
        if let Err(e) = fs::rename(tmp, dest) {
            clean(&names);
            return Err(at(dest)(e));
        }
    }
    Ok(())
}

impl Sink for BitmapSink<'_> {
    fn record(&mut self, input: usize, line: u64, record: &VerdictRecord<'_>) -> io::Result<()> {
        self.note(record.verdict())?;
        self.inner.record(input, line, record)
    }

    fn record_indexed(
        &mut self,
        input: usize,
        line: u64,
        record: &VerdictRecord<'_>,
        part: crate::index_record::PreparedRecord<'_>,
    ) -> io::Result<()> {
        self.note(record.verdict())?;
        self.inner.record_indexed(input, line, record, part)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }

    fn renderer(&self) -> Option<super::Renderer> {
        self.inner.renderer()
    }

    fn rendered(&mut self, verdict: Verdict, bytes: &[u8]) -> io::Result<()> {
        self.note(verdict)?;
        self.inner.rendered(verdict, bytes)
    }
}
