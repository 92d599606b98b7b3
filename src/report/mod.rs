//! Verdict sinks: JSON Lines and CSV records, and the run summary.
//!
//! A worker serialises everything of a verdict record except its position
//! (the `file` and `line` fields), which only the writer knows once the
//! chunks before it are counted; the writer adds them in input order
//! ([`Sink::record`]).

pub mod bitmaps;
pub mod summary;

use std::io::{self, Write};

use crate::pipeline::record::{ChunkWork, RecordOutcome};
use crate::verdict::Verdict;

/// The verdict format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Jsonl,
    Csv,
}

/// Receives verdicts in input order. Each call may fail (a closed pipe, a
/// full disk); an error stops the run.
pub trait Sink: Send {
    /// One record: its input, its 1-based line (or element) number, its
    /// verdict, and the rest of its serialised record.
    fn record(&mut self, input: usize, line: u64, verdict: Verdict, rest: &[u8]) -> io::Result<()>;

    /// Called once after the last record.
    fn finish(&mut self) -> io::Result<()>;
}

/// Discards verdicts (for throughput measurement).
pub struct NullSink;

impl Sink for NullSink {
    fn record(&mut self, _: usize, _: u64, _: Verdict, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes verdict records in JSON Lines or CSV.
pub struct VerdictWriter<W: Write + Send> {
    out: W,
    format: OutputFormat,
    /// Input names, JSON- or CSV-quoted, when more than one input was given.
    files: Option<Vec<Vec<u8>>>,
    /// The CSV header line is written but for its end.
    header_open: bool,
    status_messages: bool,
}

impl<W: Write + Send> VerdictWriter<W> {
    /// `names` are the inputs' display names; `file` fields are written
    /// only when there is more than one.
    pub fn new(mut out: W, format: OutputFormat, names: &[String]) -> io::Result<Self> {
        let many = names.len() > 1;
        let files = many.then(|| {
            names
                .iter()
                .map(|n| {
                    let mut q = Vec::new();
                    match format {
                        OutputFormat::Jsonl => crate::json::write::write_string(&mut q, n),
                        OutputFormat::Csv => csv_field(&mut q, n),
                    }
                    q
                })
                .collect()
        });
        if format == OutputFormat::Csv {
            let header: &[u8] = if many {
                b"file,line,id,issuer,format,verdict,problems,warnings"
            } else {
                b"line,id,issuer,format,verdict,problems,warnings"
            };
            out.write_all(header)?;
        }
        Ok(VerdictWriter {
            out,
            format,
            files,
            header_open: format == OutputFormat::Csv,
            status_messages: false,
        })
    }

    /// Adds the CSV column `status_messages` when `on` (a run with
    /// `--status-lists`); call before the first record. JSON Lines records
    /// carry the field whenever a record has messages.
    pub fn with_status_messages_if(mut self, on: bool) -> Self {
        self.status_messages = on && self.header_open;
        self
    }

    fn close_header(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.header_open) {
            if self.status_messages {
                self.out.write_all(b",status_messages")?;
            }
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Sink for VerdictWriter<W> {
    fn record(
        &mut self,
        input: usize,
        line: u64,
        _verdict: Verdict,
        rest: &[u8],
    ) -> io::Result<()> {
        self.close_header()?;
        match (self.format, &self.files) {
            (OutputFormat::Jsonl, Some(files)) => {
                self.out.write_all(b"{\"file\":")?;
                self.out.write_all(&files[input])?;
                self.out.write_all(b",\"line\":")?;
            }
            (OutputFormat::Jsonl, None) => self.out.write_all(b"{\"line\":")?,
            (OutputFormat::Csv, Some(files)) => {
                self.out.write_all(&files[input])?;
                self.out.write_all(b",")?;
            }
            (OutputFormat::Csv, None) => {}
        }
        self.out
            .write_all(crate::json::write::digits(line).take())?;
        self.out.write_all(rest)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.close_header()?;
        self.out.flush()
    }
}

/// Appends an RFC 4180 field, quoted when it must be.
pub fn csv_field(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Serialises a record's fields after `line`, newline included.
/// The serialised record after its line number. `status_column`: the run
/// has `--status-lists`, and CSV records end with a `status_messages`
/// column.
pub fn write_rest(
    format: OutputFormat,
    status_column: bool,
    rec: &RecordOutcome,
    work: &ChunkWork,
    out: &mut Vec<u8>,
) {
    let verdict = rec.problems.verdict();
    match format {
        OutputFormat::Jsonl => {
            use crate::json::write::write_string;
            if let Some(id) = rec.id {
                out.extend_from_slice(b",\"id\":");
                write_string(out, work.str(id));
            }
            if let Some(issuer) = rec.issuer {
                out.extend_from_slice(b",\"issuer\":");
                write_string(out, work.str(issuer));
            }
            if let Some(format) = rec.format {
                out.extend_from_slice(b",\"format\":\"");
                out.extend_from_slice(format.as_str().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b",\"verdict\":\"");
            out.extend_from_slice(verdict.as_str().as_bytes());
            out.extend_from_slice(b"\",\"problems\":[");
            for (i, p) in rec.problems.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
                out.extend_from_slice(p.as_str().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"],\"warnings\":[");
            for (i, w) in rec.warnings.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
                out.extend_from_slice(w.as_str().as_bytes());
                out.push(b'"');
            }
            out.push(b']');
            // A JSON-LD proof whose signature fails: which version of each
            // context it was checked against (a context that changed since
            // signing looks exactly like tampering otherwise).
            if let Some(active) = &rec.contexts
                && rec
                    .problems
                    .contains(crate::verdict::Problem::InvalidSignature)
            {
                out.extend_from_slice(b",\"contexts\":{");
                for (i, (url, sha256)) in active.sources.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, url);
                    out.push(b':');
                    write_string(out, sha256);
                }
                out.push(b'}');
            }
            if !rec.status.messages.is_empty() {
                out.extend_from_slice(b",\"status_messages\":[");
                for (i, m) in rec.status.messages.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, m);
                }
                out.push(b']');
            }
            out.extend_from_slice(b"}\n");
        }
        OutputFormat::Csv => {
            out.push(b',');
            if let Some(id) = rec.id {
                csv_field(out, work.str(id));
            }
            out.push(b',');
            if let Some(issuer) = rec.issuer {
                csv_field(out, work.str(issuer));
            }
            out.push(b',');
            if let Some(format) = rec.format {
                out.extend_from_slice(format.as_str().as_bytes());
            }
            out.push(b',');
            out.extend_from_slice(verdict.as_str().as_bytes());
            out.push(b',');
            for (i, p) in rec.problems.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(p.as_str().as_bytes());
            }
            out.push(b',');
            for (i, w) in rec.warnings.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(w.as_str().as_bytes());
            }
            if status_column {
                out.push(b',');
                csv_field(out, &rec.status.messages.join(";"));
            }
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        let mut out = Vec::new();
        csv_field(&mut out, "plain");
        out.push(b'|');
        csv_field(&mut out, "a,\"b\"\nc");
        assert_eq!(out, b"plain|\"a,\"\"b\"\"\nc\"");
    }
}
