//! Verdict sinks: JSON Lines and CSV records, and the run summary.
//!
//! The driver hands each record to a [`Sink`] in input order with its
//! position (the input and the line, which only the writer knows once the
//! chunks before it are counted); [`VerdictWriter`] renders it
//! ([`render`]) in JSON Lines or CSV.
//!
//! CSV is written by the `csv` crate (RFC 4180 quoting), and every field
//! that comes from a record (`file`, `id`, `issuer`, `status_messages`) is
//! made safe to open in a spreadsheet ([`spreadsheet_safe`]). JSON Lines
//! carries the same values byte for byte.

pub mod bitmaps;
pub mod summary;

use std::io::{self, Write};

use crate::index_record::PreparedRecord;
use crate::json::write::write_string;
use crate::verdict::{Evidence, Verdict, VerdictRecord};

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

    /// One record with its part for a revalidation index, encoded by the
    /// worker that judged it (`verify --index`). A sink that keeps no
    /// index takes the record alone (the default).
    fn record_indexed(
        &mut self,
        input: usize,
        line: u64,
        record: &VerdictRecord<'_>,
        part: PreparedRecord<'_>,
    ) -> io::Result<()> {
        let _ = part;
        self.record(input, line, record)
    }

    /// Called once after the last record.
    fn finish(&mut self) -> io::Result<()>;

    /// Renders records as this sink would write them, on any thread, for
    /// [`Sink::rendered`]; `None` (the default) when the sink renders its
    /// own.
    fn renderer(&self) -> Option<Renderer> {
        None
    }

    /// One record with verdict `verdict`, rendered whole by this sink's
    /// [`Sink::renderer`]: written as [`Sink::record`] would write it.
    fn rendered(&mut self, verdict: Verdict, bytes: &[u8]) -> io::Result<()> {
        let _ = (verdict, bytes);
        Err(io::Error::other("this sink renders its own records"))
    }
}

/// Renders verdict records as a [`VerdictWriter`] writes them, apart from
/// the writer, so that records are rendered on the threads that judge
/// them and only written in order.
#[derive(Clone, Debug)]
pub struct Renderer {
    format: OutputFormat,
    /// Input names, JSON- or CSV-quoted, when more than one input was given.
    files: Option<Vec<Vec<u8>>>,
    /// CSV records end with a `status_messages` column.
    status_messages: bool,
}

impl Renderer {
    /// Appends the record of input `input`, line `line`, to `out`, line
    /// end included.
    pub fn render(&self, input: usize, line: u64, record: &VerdictRecord<'_>, out: &mut Vec<u8>) {
        match (self.format, &self.files) {
            (OutputFormat::Jsonl, Some(files)) => {
                out.extend_from_slice(b"{\"file\":");
                out.extend_from_slice(&files[input]);
                out.extend_from_slice(b",\"line\":");
            }
            (OutputFormat::Jsonl, None) => out.extend_from_slice(b"{\"line\":"),
            (OutputFormat::Csv, Some(files)) => {
                out.extend_from_slice(&files[input]);
                out.push(b',');
            }
            (OutputFormat::Csv, None) => {}
        }
        out.extend_from_slice(crate::json::write::digits(line).take());
        render(self.format, self.status_messages, record, out);
    }
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
    renderer: Renderer,
    /// The CSV header line is written but for its end.
    header_open: bool,
    /// CSV records end with a `previous` column.
    previous: bool,
    /// A record rendered, before it is written.
    scratch: Vec<u8>,
}

impl<W: Write + Send> VerdictWriter<W> {
    /// `names` are the inputs' display names; `file` fields are written
    /// only when there is more than one.
    pub fn new(out: W, format: OutputFormat, names: &[String]) -> io::Result<Self> {
        VerdictWriter::with_files(out, format, names, names.len() > 1)
    }

    /// As [`VerdictWriter::new`], with `file` fields written when `many`
    /// says (the command line names several inputs, or a directory).
    pub fn with_files(
        mut out: W,
        format: OutputFormat,
        names: &[String],
        many: bool,
    ) -> io::Result<Self> {
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
            renderer: Renderer {
                format,
                files,
                status_messages: false,
            },
            header_open: format == OutputFormat::Csv,
            previous: false,
            scratch: Vec::with_capacity(512),
        })
    }

    /// Adds the CSV column `status_messages` when `on` (a run with
    /// `--status-lists`); call before the first record. JSON Lines records
    /// carry the field whenever a record has messages.
    pub fn with_status_messages_if(mut self, on: bool) -> Self {
        self.renderer.status_messages = on && self.header_open;
        self
    }

    /// Adds the CSV column `previous` when `on` (`recheck
    /// --changed-only`, whose every record has it).
    pub fn with_previous_if(mut self, on: bool) -> Self {
        self.previous = on && self.header_open;
        self
    }

    fn close_header(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.header_open) {
            if self.renderer.status_messages {
                self.out.write_all(b",status_messages")?;
            }
            if self.previous {
                self.out.write_all(b",previous")?;
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
        self.scratch.clear();
        self.renderer.render(input, line, record, &mut self.scratch);
        self.out.write_all(&self.scratch)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.close_header()?;
        self.out.flush()
    }

    fn renderer(&self) -> Option<Renderer> {
        Some(self.renderer.clone())
    }

    fn rendered(&mut self, _: Verdict, bytes: &[u8]) -> io::Result<()> {
        self.close_header()?;
        self.out.write_all(bytes)
    }
}

/// Appends one CSV field, quoted by the `csv` crate when it must be, and
/// made [`spreadsheet_safe`]. No record terminator.
pub fn csv_field(out: &mut Vec<u8>, s: &str) {
    csv_fields(out, [spreadsheet_safe(s).as_bytes()]);
    out.pop();
}

/// Appends `fields` as one CSV record, `\n`-terminated.
fn csv_fields<'f>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'f [u8]>) {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(512)
        .from_writer(out);
    // Writing to memory cannot fail, and every record of a run has the
    // same number of fields.
    let _ = writer.write_record(fields);
    let _ = writer.flush();
}

/// A field a spreadsheet would run as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) with a `'` put before it, as
/// OWASP's "CSV Injection" page recommends: the spreadsheet then shows the
/// text as written, and a reader can still see the original after the
/// quote. Other fields are unchanged.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Writes `,"name":{key:value,…}` for `pairs`, unless there are none.
fn write_object<'p, V>(
    out: &mut Vec<u8>,
    name: &str,
    pairs: impl IntoIterator<Item = (&'p str, V)>,
    mut value: impl FnMut(&mut Vec<u8>, V),
) {
    let mut any = false;
    for (key, v) in pairs {
        if any {
            out.push(b',');
        } else {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":{");
            any = true;
        }
        write_string(out, key);
        out.push(b':');
        value(out, v);
    }
    if any {
        out.push(b'}');
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
                if let Some(alg) = format.alg() {
                    out.extend_from_slice(b",\"alg\":\"");
                    out.extend_from_slice(alg.as_bytes());
                    out.push(b'"');
                }
            }
            if let Some(n) = record.disclosed {
                out.extend_from_slice(b",\"disclosed\":");
                out.extend_from_slice(n.to_string().as_bytes());
            }
            out.extend_from_slice(b",\"verdict\":\"");
            out.extend_from_slice(verdict.as_str().as_bytes());
            if let Some(previous) = record.previous {
                out.extend_from_slice(b"\",\"previous\":\"");
                out.extend_from_slice(previous.as_str().as_bytes());
            }
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
            let contexts = record.contexts.iter().map(|(u, h)| (u.as_str(), h));
            write_object(out, "contexts", contexts, |out, sha256| {
                write_string(out, sha256)
            });
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
            // Which snapshot of each list answered, when several were given.
            let snapshots = record.status_snapshots.iter().map(|(u, t)| (&**u, t));
            write_object(out, "status_snapshots", snapshots, |out, from| match from {
                Some(t) => {
                    out.push(b'"');
                    t.write_rfc3339(out);
                    out.push(b'"');
                }
                None => out.extend_from_slice(b"null"),
            });
            let evidence = record.evidence.iter().map(|(p, e)| (p.as_str(), e));
            write_object(out, "evidence", evidence, |out, e| render_evidence(e, out));
            out.extend_from_slice(b"}\n");
        }
        OutputFormat::Csv => {
            // The line number is written already; the rest is one record
            // of its own, so quoting is the csv crate's throughout.
            let id = spreadsheet_safe(record.id.unwrap_or_default());
            let issuer = spreadsheet_safe(record.issuer.unwrap_or_default());
            let problems: Vec<&str> = record.problems.iter().map(|p| p.as_str()).collect();
            let warnings: Vec<&str> = record.warnings.iter().map(|w| w.as_str()).collect();
            let (problems, warnings) = (problems.join(";"), warnings.join(";"));
            let messages = record.status_messages.join(";");
            let messages = spreadsheet_safe(&messages);
            let fields: [&[u8]; 7] = [
                id.as_bytes(),
                issuer.as_bytes(),
                record.format.map_or("", |f| f.as_str()).as_bytes(),
                verdict.as_str().as_bytes(),
                problems.as_bytes(),
                warnings.as_bytes(),
                messages.as_bytes(),
            ];
            out.push(b',');
            let used = if status_column { 7 } else { 6 };
            // `recheck --changed-only`: the last column.
            let previous = record.previous.map(|p| p.as_str().as_bytes());
            csv_fields(out, fields[..used].iter().copied().chain(previous));
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
            // A string of digits, as `statusListIndex` is written: an
            // index beyond 2^53 would not be an I-JSON number.
            if let Some(index) = index {
                field(out, "index");
                out.push(b'"');
                out.extend_from_slice(crate::json::write::digits(*index).take());
                out.push(b'"');
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

    use crate::json::JsonParser;
    use crate::time::Timestamp;
    use crate::verdict::{EvidenceSet, Format, Problem, Problems, Warnings};

    fn rendered(format: OutputFormat, problems: &[Problem], evidence: &EvidenceSet) -> String {
        let record = VerdictRecord {
            id: Some("urn:uuid:1"),
            issuer: Some("did:example:i"),
            format: Some(Format::EddsaJcs2022),
            disclosed: None,
            problems: problems.iter().copied().collect::<Problems>(),
            warnings: Warnings::empty(),
            evidence,
            status_messages: &[],
            status_snapshots: &[],
            previous: None,
            contexts: &[],
        };
        let mut out = Vec::new();
        render(format, false, &record, &mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn evidence_is_the_last_field_of_a_json_line() {
        let t = |s| Timestamp::parse(s).expect("date");
        let mut evidence = EvidenceSet::new();
        // Noted out of order; written in the order of the problems.
        evidence.note(
            Problem::Revoked,
            Evidence::Status {
                list: "https://issuer.example/status/3".into(),
                index: Some(18_446_744_073_709_551_615),
            },
        );
        evidence.note(
            Problem::Expired,
            Evidence::Expired {
                valid_until: t("2025-06-01T00:00:00.5Z"),
                as_of: t("2026-01-01T00:00:00Z"),
            },
        );
        evidence.note(
            Problem::StatusListMissing,
            Evidence::Status {
                list: "https://issuer.example/\"q\"".into(),
                index: None,
            },
        );
        evidence.note(
            Problem::IssuerMismatch,
            Evidence::Controller {
                method: "did:web:a#k".into(),
                controller: "did:web:a".into(),
            },
        );
        evidence.note(
            Problem::UnknownContext,
            Evidence::Context {
                url: "https://example.org/c".into(),
            },
        );
        evidence.note(
            Problem::InvalidSignature,
            Evidence::Method {
                method: "did:key:z6Mk#z6Mk".into(),
            },
        );
        let problems = [
            Problem::UnknownContext,
            Problem::InvalidSignature,
            Problem::IssuerMismatch,
            Problem::Revoked,
            Problem::Expired,
            Problem::StatusListMissing,
        ];
        let line = rendered(OutputFormat::Jsonl, &problems, &evidence);
        assert_eq!(
            line,
            concat!(
                r#","id":"urn:uuid:1","issuer":"did:example:i","format":"eddsa-jcs-2022","#,
                r#""verdict":"unknown_context","problems":["unknown_context","invalid_signature","issuer_mismatch","revoked","expired","status_list_missing"],"warnings":[],"#,
                r#""evidence":{"unknown_context":{"context":"https://example.org/c"},"#,
                r#""invalid_signature":{"method":"did:key:z6Mk#z6Mk"},"#,
                r#""issuer_mismatch":{"method":"did:web:a#k","controller":"did:web:a"},"#,
                r#""revoked":{"list":"https://issuer.example/status/3","index":"18446744073709551615"},"#,
                r#""expired":{"valid_until":"2025-06-01T00:00:00.5Z","as_of":"2026-01-01T00:00:00Z"},"#,
                r#""status_list_missing":{"list":"https://issuer.example/\"q\""}}}"#,
                "\n"
            )
        );
        // The whole line is JSON the crate's own strict parser accepts.
        let whole = format!("{{\"line\":1{}", line.trim_end());
        let parsed = JsonParser::default()
            .with_doc(whole.as_bytes(), |v| v.get("evidence").map(|e| e.len()));
        assert_eq!(parsed, Ok(Some(6)));
        // CSV has no evidence column.
        let csv = rendered(OutputFormat::Csv, &problems, &evidence);
        assert!(
            !csv.contains("evidence") && !csv.contains("status/3"),
            "{csv}"
        );
        // No evidence, no field.
        let plain = rendered(OutputFormat::Jsonl, &[], &EvidenceSet::new());
        assert!(plain.ends_with("\"warnings\":[]}\n"), "{plain}");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let mut out = Vec::new();
        csv_field(&mut out, "plain");
        out.push(b'|');
        csv_field(&mut out, "a,\"b\"\nc");
        assert_eq!(out, b"plain|\"a,\"\"b\"\"\nc\"");
    }

    #[test]
    fn formulas_are_neutralised_in_csv_only() {
        for (id, shown) in [
            ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\r=1", "'\r=1"),
        ] {
            assert!(spreadsheet_safe(id).starts_with('\''), "{id:?}");
            let evidence = EvidenceSet::new();
            let record = VerdictRecord {
                id: Some(id),
                issuer: Some("=cmd|' /C calc'!A0"),
                format: None,
                disclosed: None,
                problems: Problems::empty(),
                warnings: Warnings::empty(),
                evidence: &evidence,
                status_messages: &[],
                status_snapshots: &[],
                previous: None,
                contexts: &[],
            };
            let mut csv = Vec::new();
            render(OutputFormat::Csv, false, &record, &mut csv);
            let csv = String::from_utf8(csv).expect("UTF-8");
            assert!(csv.contains(shown), "{csv}");
            assert!(csv.contains("'=cmd|"), "{csv}");
            let mut jsonl = Vec::new();
            render(OutputFormat::Jsonl, false, &record, &mut jsonl);
            let mut expected = Vec::new();
            write_string(&mut expected, id);
            let jsonl = String::from_utf8(jsonl).expect("UTF-8");
            let expected = String::from_utf8(expected).expect("UTF-8");
            assert!(jsonl.contains(&format!("\"id\":{expected}")), "{jsonl}");
        }
        for plain in ["urn:uuid:1", "did:key:z6Mk", "", "1-2", "a=b"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}
