//! Verdict sinks: JSON Lines and CSV records, and the run summary.
//!
//! The driver hands each record to a [`Sink`] in input order with its
//! position (the input and the line, which only the writer knows once the
//! chunks before it are counted); [`VerdictWriter`] renders it
//! ([`render`]) in JSON Lines or CSV.

pub mod bitmaps;
pub mod summary;

use std::io::{self, Write};

use crate::json::write::write_string;
use crate::verdict::{Evidence, VerdictRecord};

/// The verdict format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// JSON Lines: one object per record (the default).
    #[default]
    Jsonl,
    /// CSV with a header row; list fields joined with `;`.
    Csv,
}

/// Receives verdicts in input order. Each call may fail (a closed pipe, a
/// full disk); an error stops the run.
pub trait Sink: Send {
    /// One record: the index of its input, its 1-based line (or element)
    /// number, and the record.
    fn record(&mut self, input: usize, line: u64, record: &VerdictRecord<'_>) -> io::Result<()>;

    /// Called once after the last record.
    fn finish(&mut self) -> io::Result<()>;
}

/// Discards verdicts (for throughput measurement).
pub struct NullSink;

impl Sink for NullSink {
    fn record(&mut self, _: usize, _: u64, _: &VerdictRecord<'_>) -> io::Result<()> {
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
    /// CSV records end with a `status_messages` column.
    status_messages: bool,
    /// A record rendered, before it is written.
    scratch: Vec<u8>,
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
                        OutputFormat::Jsonl => write_string(&mut q, n),
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
            scratch: Vec::with_capacity(512),
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

    /// The underlying writer. Call [`Sink::finish`] first: until then an
    /// empty CSV output lacks the end of its header line.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Sink for VerdictWriter<W> {
    fn record(&mut self, input: usize, line: u64, record: &VerdictRecord<'_>) -> io::Result<()> {
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
        self.scratch.clear();
        render(self.format, self.status_messages, record, &mut self.scratch);
        self.out.write_all(&self.scratch)
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

/// Appends `record` serialised in `format` after its line number, newline
/// included: `,"id":…}` in JSON Lines, `,id,…` in CSV. `status_column`:
/// the run has `--status-lists`, and CSV records end with a
/// `status_messages` column.
pub fn render(
    format: OutputFormat,
    status_column: bool,
    record: &VerdictRecord<'_>,
    out: &mut Vec<u8>,
) {
    let verdict = record.verdict();
    match format {
        OutputFormat::Jsonl => {
            if let Some(id) = record.id {
                out.extend_from_slice(b",\"id\":");
                write_string(out, id);
            }
            if let Some(issuer) = record.issuer {
                out.extend_from_slice(b",\"issuer\":");
                write_string(out, issuer);
            }
            if let Some(format) = record.format {
                out.extend_from_slice(b",\"format\":\"");
                out.extend_from_slice(format.as_str().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b",\"verdict\":\"");
            out.extend_from_slice(verdict.as_str().as_bytes());
            out.extend_from_slice(b"\",\"problems\":[");
            for (i, p) in record.problems.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
                out.extend_from_slice(p.as_str().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"],\"warnings\":[");
            for (i, w) in record.warnings.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
                out.extend_from_slice(w.as_str().as_bytes());
                out.push(b'"');
            }
            out.push(b']');
            // A JSON-LD proof whose signature fails: which version of each
            // context it was checked against (a context that changed since
            // signing looks exactly like tampering otherwise).
            if !record.contexts.is_empty() {
                out.extend_from_slice(b",\"contexts\":{");
                for (i, (url, sha256)) in record.contexts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, url);
                    out.push(b':');
                    write_string(out, sha256);
                }
                out.push(b'}');
            }
            if !record.status_messages.is_empty() {
                out.extend_from_slice(b",\"status_messages\":[");
                for (i, m) in record.status_messages.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, m);
                }
                out.push(b']');
            }
            if !record.evidence.is_empty() {
                out.extend_from_slice(b",\"evidence\":{");
                for (i, (problem, evidence)) in record.evidence.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, problem.as_str());
                    out.push(b':');
                    render_evidence(evidence, out);
                }
                out.push(b'}');
            }
            out.extend_from_slice(b"}\n");
        }
        OutputFormat::Csv => {
            out.push(b',');
            if let Some(id) = record.id {
                csv_field(out, id);
            }
            out.push(b',');
            if let Some(issuer) = record.issuer {
                csv_field(out, issuer);
            }
            out.push(b',');
            if let Some(format) = record.format {
                out.extend_from_slice(format.as_str().as_bytes());
            }
            out.push(b',');
            out.extend_from_slice(verdict.as_str().as_bytes());
            out.push(b',');
            for (i, p) in record.problems.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(p.as_str().as_bytes());
            }
            out.push(b',');
            for (i, w) in record.warnings.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(w.as_str().as_bytes());
            }
            if status_column {
                out.push(b',');
                csv_field(out, &record.status_messages.join(";"));
            }
            out.push(b'\n');
        }
    }
}

/// One problem's evidence as a JSON object (`CONTRACT.md`, "The verdict
/// record").
fn render_evidence(evidence: &Evidence, out: &mut Vec<u8>) {
    let mut first = true;
    let mut field = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(if first { b"{\"" } else { b",\"" });
        first = false;
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    };
    let instant = |out: &mut Vec<u8>, t: &crate::time::Timestamp| {
        out.push(b'"');
        t.write_rfc3339(out);
        out.push(b'"');
    };
    match evidence {
        Evidence::Expired { valid_until, as_of } => {
            field(out, "valid_until");
            instant(out, valid_until);
            field(out, "as_of");
            instant(out, as_of);
        }
        Evidence::NotYetValid { valid_from, as_of } => {
            field(out, "valid_from");
            instant(out, valid_from);
            field(out, "as_of");
            instant(out, as_of);
        }
        Evidence::ProofExpired { expires, as_of } => {
            field(out, "expires");
            instant(out, expires);
            field(out, "as_of");
            instant(out, as_of);
        }
        Evidence::Status { list, index } => {
            field(out, "list");
            write_string(out, list);
            if let Some(index) = index {
                field(out, "index");
                out.extend_from_slice(crate::json::write::digits(*index).take());
            }
        }
        Evidence::Method { method } => {
            field(out, "method");
            write_string(out, method);
        }
        Evidence::Controller { method, controller } => {
            field(out, "method");
            write_string(out, method);
            field(out, "controller");
            write_string(out, controller);
        }
        Evidence::Context { url } => {
            field(out, "context");
            write_string(out, url);
        }
    }
    out.push(b'}');
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
