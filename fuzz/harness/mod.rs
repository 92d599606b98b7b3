//! The fuzz targets' logic, one function per target, each taking the
//! fuzzer's bytes and panicking when an invariant breaks.
//!
//! The same file is compiled twice: into each cargo-fuzz target
//! (`fuzz/fuzz_targets/*.rs`, nightly, libFuzzer) and into the main crate's
//! test binary (`tests/fuzz_replay.rs`, stable), which replays every file of
//! `fuzz/corpus/<target>/` through it. So it uses only credverify's public
//! API and crates the main crate's tests also have (simd-json, base64).
//!
//! What each target checks is written on its function; `FUZZING.md` at the
//! repository root has the table and the findings.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credverify::canon::jcs::{self, Canonicalizer};
use credverify::canon::rdfc::{self, HashAlgorithm, Limits};
use credverify::credential::jws::{self, CompactJws};
use credverify::credential::jwt::JwtClaims;
use credverify::encoding::base64url;
use credverify::evaluate::{ChunkWork, Context, Evaluator, RecordOutcome, admit_status};
use credverify::json::{self, JsonParser, MAX_DEPTH, Value};
use credverify::jsonld::json::Json;
use credverify::jsonld::{Contexts, Processor};
use credverify::pipeline::{Settings, Silent, run_sequential};
use credverify::rdf::nquads::{self, Quad, Term};
use credverify::report::{OutputFormat, Sink, VerdictWriter};
use credverify::resolve::KeyResolver;
use credverify::resolve::multikey;
use credverify::source::array::ArrayScanner;
use credverify::source::baked::{self, BadgeVersion, Baked, BakedError};
use credverify::source::documents::DocumentFile;
use credverify::source::{InputPath, SourceOptions, trim};
use credverify::status::list::{self, Bitstring, Encoding};
use credverify::suite::vc_jwt;
use credverify::time::Timestamp;
use credverify::verdict::{Problems, VerdictRecord};
use credverify::verify::VerifyingKey;
use simd_json::{Node, StaticNode};

/// The judging instant of every target: fixed, so runs reproduce.
const AS_OF: &str = "2026-01-01T00:00:00Z";

/// Records longer than this are `record_too_large`; far above what the
/// fuzzer writes, so the limit itself is not what is tested.
const MAX_RECORD_BYTES: usize = 1 << 20;

/// The built-in JSON-LD contexts, processed once per process.
static JSONLD: LazyLock<Processor> = LazyLock::new(|| {
    Processor::new(&Contexts::builtin().expect("the pinned contexts")).expect("contexts")
});

fn as_of() -> Timestamp {
    Timestamp::parse(AS_OF).expect("an RFC 3339 instant")
}

/// The Open Badges 2.0 documents of the 1EdTech validator's `simple.jwt`
/// (`tests/data/ob2/`): its BadgeClass, issuer Profile and RSA key, so a
/// signed 2.0 assertion reaches the RS256 check.
static OB2_DOCUMENTS: [&str; 3] = [
    include_str!("../../tests/data/ob2/dids/robotics-badge.json"),
    include_str!("../../tests/data/ob2/dids/organization.json"),
    include_str!("../../tests/data/ob2/dids/key1.json"),
];

/// A resolver with [`OB2_DOCUMENTS`] registered; did:key and did:jwk
/// resolve from their ids.
fn resolver() -> KeyResolver {
    let resolver = KeyResolver::new(false);
    let mut parser = JsonParser::default();
    for doc in OB2_DOCUMENTS {
        parser
            .with_doc(doc.as_bytes(), |v| {
                credverify::resolve::document::register(&resolver, v, None)
                    .expect("an Open Badges 2.0 document")
            })
            .expect("JSON");
    }
    resolver
}

// ---------------------------------------------------------------- record

/// One record end to end through the evaluator, or (when the input starts
/// with a zero byte) a multi-record buffer through the whole pipeline.
///
/// Single record: `evaluate`, `settle`, `admit_status` as
/// `Evaluator::evaluate_chunk` runs them, with the built-in contexts, the
/// Open Badges 2.0 documents of one signed badge ([`OB2_DOCUMENTS`]; did:key
/// and did:jwk resolve from their ids), no status lists.
/// Checks: exactly one outcome; the same outcome when the record is judged
/// again by the same evaluator (no state leaks between records) and when it
/// is the second record of a chunk (signature attribution by index).
///
/// Pipeline (`\0`, a mode byte, then the buffer): the buffer is written to
/// a file and run by `run_sequential` with a chunk size from the mode byte,
/// memory-mapped and read. Checks "one verdict per record": as many
/// verdicts as the framing has records (non-blank lines; or the elements an
/// `ArrayScanner` finds in the whole buffer, which a byte-at-a-time scan
/// must agree with), numbered in order; and the same report, byte for byte,
/// whatever the chunk size and whether the file is mapped or read.
pub fn record(data: &[u8]) {
    match data.split_first() {
        Some((0, rest)) => record_stream(rest),
        _ => record_single(data),
    }
}

fn record_single(data: &[u8]) {
    let bytes = trim(data);
    if bytes.is_empty() {
        return;
    }
    let resolver = resolver();
    let status = Default::default();
    let ctx = context(&resolver, &status);
    let mut evaluator = Evaluator::default();
    let judge = |evaluator: &mut Evaluator, records: &[&[u8]]| {
        let mut work = ChunkWork::default();
        for (i, r) in records.iter().enumerate() {
            evaluator.evaluate(&ctx, r, i as u64, 0, &mut work);
        }
        evaluator.settle(&mut work, 64);
        for rec in &mut work.records {
            admit_status(rec);
        }
        assert_eq!(work.records.len(), records.len(), "one outcome per record");
        work.records
            .iter()
            .map(|r| summary(r, &work))
            .collect::<Vec<_>>()
    };
    let first = judge(&mut evaluator, &[bytes]);
    let again = judge(&mut evaluator, &[bytes]);
    assert_eq!(first, again, "judged again by the same evaluator");
    let pair = judge(&mut Evaluator::default(), &[b"{}", bytes]);
    assert_eq!(first[0], pair[1], "judged as the second record of a chunk");
}

/// The evaluation context of the record targets: built-in contexts, the
/// fixed instant, no status lists.
fn context<'c>(
    resolver: &'c KeyResolver,
    status: &'c credverify::status::check::StatusLists,
) -> Context<'c> {
    Context {
        resolver,
        jsonld: &JSONLD,
        status,
        as_of: as_of(),
        max_record_bytes: MAX_RECORD_BYTES,
    }
}

/// What a record's outcome says, in a comparable form.
#[derive(Debug, PartialEq)]
struct OutcomeSummary {
    id: Option<String>,
    issuer: Option<String>,
    format: Option<&'static str>,
    findings: String,
    status: String,
}

fn summary(rec: &RecordOutcome, work: &ChunkWork) -> OutcomeSummary {
    let text =
        |r: Option<(u32, u32)>| r.map(|(s, l)| work.text[s as usize..(s + l) as usize].to_owned());
    OutcomeSummary {
        id: text(rec.id),
        issuer: text(rec.issuer),
        format: rec.format.map(|f| f.as_str()),
        findings: format!("{:?}", rec.findings),
        status: format!("{:?}", rec.status),
    }
}

/// Distinct temporary file names within the process (the replay test runs
/// modules on several threads).
fn temp_path(suffix: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "credverify-fuzz-{}-{}{suffix}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A sink that renders JSON Lines and notes each record's line number.
struct Recorder {
    writer: VerdictWriter<Vec<u8>>,
    lines: Vec<u64>,
}

impl Sink for Recorder {
    fn record(
        &mut self,
        input: usize,
        line: u64,
        record: &VerdictRecord<'_>,
    ) -> std::io::Result<()> {
        assert_eq!(input, 0, "one input");
        self.lines.push(line);
        self.writer.record(input, line, record)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.writer.finish()
    }
}

/// Runs `input` (the file at `path`, named so in the report) through
/// `run_sequential`, no documents, no lists: the line of each verdict, the
/// JSON Lines report and the records the totals count.
fn run_one_file(
    input: InputPath,
    path: &std::path::Path,
    mmap: bool,
    chunk_bytes: usize,
) -> (Vec<u64>, Vec<u8>, u64) {
    let resolver = KeyResolver::new(false);
    let status = Default::default();
    let settings = Settings {
        ctx: Context {
            resolver: &resolver,
            jsonld: &JSONLD,
            status: &status,
            as_of: as_of(),
            max_record_bytes: MAX_RECORD_BYTES,
        },
        shares: None,
        batch_size: 64,
        threads: 1,
        source: SourceOptions {
            mmap,
            max_record_bytes: MAX_RECORD_BYTES,
            chunk_bytes,
        },
        capture: false,
    };
    let name = path.display().to_string();
    let mut sink = Recorder {
        writer: VerdictWriter::new(Vec::new(), OutputFormat::Jsonl, &[name]).expect("a writer"),
        lines: Vec::new(),
    };
    let totals =
        run_sequential(&[input], &settings, &mut sink, &Silent).expect("the run completes");
    (sink.lines, sink.writer.into_inner(), totals.records)
}

fn record_stream(data: &[u8]) {
    let Some((&mode, buffer)) = data.split_first() else {
        return;
    };
    // A file that opens with the GZIP magic number is read as GZIP, and one
    // that is not valid GZIP stops the run (`SourceError::Io`), by design:
    // the records are not reached.
    if buffer.starts_with(&[0x1f, 0x8b]) {
        return;
    }
    // Odd modes name the file `.json` (an array when it opens with `[`).
    let array_name = mode & 1 == 1;
    let small_chunk = 1 + usize::from(mode >> 1);
    let path = temp_path(if array_name { ".json" } else { ".jsonl" });
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(buffer))
        .expect("write the input file");
    let run = |mmap: bool, chunk_bytes: usize| {
        let (lines, report, records) =
            run_one_file(InputPath::File(path.clone()), &path, mmap, chunk_bytes);
        assert_eq!(records, lines.len() as u64, "totals count the verdicts");
        (lines, report)
    };
    let reference = run(true, SourceOptions::default().chunk_bytes);
    let expected = expected_lines(buffer, array_name);
    let _ = std::fs::remove_file(&path).ok();
    // Recreated: the runs below read it again.
    std::fs::write(&path, buffer).expect("write the input file");
    assert_eq!(reference.0, expected, "one verdict per record, in order");
    for (mmap, chunk) in [(true, small_chunk), (false, small_chunk), (false, 1 << 16)] {
        let other = run(mmap, chunk);
        assert_eq!(
            String::from_utf8_lossy(&other.1),
            String::from_utf8_lossy(&reference.1),
            "mmap {mmap}, chunks of {chunk} bytes: the same report"
        );
    }
    let _ = std::fs::remove_file(&path);
}

/// The 1-based line (or element) numbers the framing gives verdicts to.
/// The framing CONTRACT.md's "Inputs" rule gives `text`, whatever the
/// file's name: `Some(true)` a JSON array, `Some(false)` one JSON value,
/// `None` JSON Lines.
fn framing_rule(text: &[u8], jsonl_name: bool) -> Option<bool> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let first = text[start];
    if first != b'{' && first != b'[' {
        return None;
    }
    // The first line from the value's start, and where the value closes on
    // it (brackets counted outside strings), if it does.
    let line_end = text[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| start + i);
    let line = &text[start..line_end];
    let (mut depth, mut in_string, mut escaped, mut closes) = (0i64, false, false, None);
    for (i, &b) in line.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'{' || b == b'[' {
            depth += 1;
        } else if b == b'}' || b == b']' {
            depth = (depth - 1).max(0);
            if depth == 0 {
                closes = Some(start + i + 1);
                break;
            }
        }
    }
    let has_more_lines = line_end < text.len();
    match (first, closes) {
        (b'{', Some(_)) => None,
        (b'{', None) if has_more_lines => Some(false),
        (b'{', None) => None,
        (_, Some(end)) if jsonl_name || text[end..].iter().any(|b| !b.is_ascii_whitespace()) => {
            None
        }
        _ => Some(true),
    }
}

fn expected_lines(buffer: &[u8], array_name: bool) -> Vec<u64> {
    let text = buffer.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buffer);
    // A badge image (by its first bytes: these files are named .json or
    // .jsonl) is one record: its baked credential, or the problem why not.
    let head = &buffer[..buffer.len().min(512)];
    if credverify::source::baked::is_png(head) || credverify::source::baked::looks_like_svg(head) {
        return vec![1];
    }
    // The file is named .json when `array_name`, else .jsonl.
    let framing = framing_rule(text, !array_name);
    if framing == Some(false) {
        return vec![1];
    }
    if framing == Some(true) {
        let mut whole = ArrayScanner::default();
        let mut spans = Vec::new();
        whole.feed(text, 0, &mut spans);
        whole.finish(text.len() as u64, &mut spans);
        let mut bytewise = ArrayScanner::default();
        let mut by_byte = Vec::new();
        for (i, b) in text.iter().enumerate() {
            bytewise.feed(std::slice::from_ref(b), i as u64, &mut by_byte);
        }
        bytewise.finish(text.len() as u64, &mut by_byte);
        assert_eq!(
            spans, by_byte,
            "the array scanner does not depend on blocks"
        );
        assert_eq!(whole.damage(), bytewise.damage());
        // A well-formed array has as many elements as simd-json finds, and
        // no damage.
        let mut copy = text.to_vec();
        if let Ok(tape) = simd_json::to_tape(&mut copy)
            && let Some(Node::Array { len, .. }) = tape.0.first()
        {
            assert_eq!(spans.len(), *len, "elements of a well-formed array");
            assert_eq!(whole.damage(), None, "a well-formed array is not damaged");
        }
        // A damaged array ends in one framing_lost record.
        let records = spans.len() as u64 + u64::from(whole.damage().is_some());
        return (1..=records).collect();
    }
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.len() > MAX_RECORD_BYTES || !trim(l).is_empty())
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

// ----------------------------------------------------------------- sniff

/// The names a `sniff` input's file is given, by the low three bits of its
/// mode byte.
const SNIFF_NAMES: [&str; 8] = [
    ".json", ".jsonl", ".ndjson", ".jwt", ".png", ".svg", ".txt", "",
];

/// File-kind sniffing: a mode byte, then a file's bytes, named by the mode
/// byte ([`SNIFF_NAMES`]). The file is read as a named input (mapped,
/// then read in chunks of 1 to 32 bytes) and as a file a walk found (the
/// bundled path for small files). Checks: every read completes; a badge
/// image (a PNG by signature or `.png` name, an SVG by `.svg` name or
/// content) is one verdict, anything else as many as CONTRACT.md's
/// "Inputs" rule frames (as the `record` target's pipeline mode restates
/// it, with `.jsonl` / `.ndjson` names counting); and the three reads give
/// the same report, byte for byte.
pub fn sniff(data: &[u8]) {
    let Some((&mode, buffer)) = data.split_first() else {
        return;
    };
    // GZIP stops the run when not valid GZIP (`record_stream` says why).
    if buffer.starts_with(&[0x1f, 0x8b]) {
        return;
    }
    let name = SNIFF_NAMES[usize::from(mode & 7)];
    let small_chunk = 1 + usize::from((mode >> 3) & 31);
    let dir = temp_path("-sniff");
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(format!("badge{name}"));
    std::fs::write(&path, buffer).expect("write the input file");
    let run = |input: InputPath, mmap: bool, chunk_bytes: usize| {
        let (lines, report, _) = run_one_file(input, &path, mmap, chunk_bytes);
        (lines, report)
    };
    let default_chunk = SourceOptions::default().chunk_bytes;
    let named = run(InputPath::File(path.clone()), true, default_chunk);
    let streamed = run(InputPath::File(path.clone()), false, small_chunk);
    let found = run(InputPath::Found(path.clone()), false, default_chunk);
    let _ = std::fs::remove_dir_all(&dir);
    let head = &buffer[..buffer.len().min(512)];
    let image =
        baked::is_png(head) || name == ".png" || name == ".svg" || baked::looks_like_svg(head);
    let expected = if image {
        vec![1]
    } else {
        expected_lines(buffer, !matches!(name, ".jsonl" | ".ndjson"))
    };
    assert_eq!(
        named.0, expected,
        "{name}: one verdict per record, in order"
    );
    let report = |r: &(Vec<u64>, Vec<u8>)| String::from_utf8_lossy(&r.1).into_owned();
    assert_eq!(
        report(&streamed),
        report(&named),
        "{name}: read in chunks of {small_chunk}"
    );
    assert_eq!(report(&found), report(&named), "{name}: found by a walk");
}

// --------------------------------------------------------- plain_vs_simd

/// A tape node with owned strings, so two parsers' tapes compare.
#[derive(Debug, PartialEq)]
enum Owned {
    Object { len: usize, count: usize },
    Array { len: usize, count: usize },
    String(String),
    Static(String),
}

fn owned(node: Node<'_>) -> Owned {
    match node {
        Node::Object { len, count } => Owned::Object { len, count },
        Node::Array { len, count } => Owned::Array { len, count },
        Node::String(s) => Owned::String(s.to_owned()),
        // Debug keeps the variant and, for F64, every digit (NaN too).
        Node::Static(s) => Owned::Static(match s {
            StaticNode::F64(v) => format!("F64({:x})", v.to_bits()),
            other => format!("{other:?}"),
        }),
    }
}

fn tape_of(root: Value<'_>) -> Vec<Owned> {
    let count = match root.node() {
        Node::Object { count, .. } | Node::Array { count, .. } => count,
        _ => 0,
    };
    (0..=count).map(|i| owned(root.at(i).node())).collect()
}

/// Whether `text` has a byte the parsers read as a number: a `-` or a digit
/// outside strings (a plain text's strings have no escaped quote).
fn has_number_outside_strings(text: &[u8]) -> bool {
    let mut in_string = false;
    text.iter().any(|&b| {
        if b == b'"' {
            in_string = !in_string;
        }
        !in_string && (b == b'-' || b.is_ascii_digit())
    })
}

/// credverify's parser (the plain-record road for texts without escapes
/// and numbers, simd-json for the rest) against simd-json alone.
///
/// When both accept, the tapes are equal node for node. When only
/// credverify rejects, the reason must be one of its own rules, checked on
/// simd-json's tape: a duplicate member name (`duplicate_key`), nesting
/// deeper than `MAX_DEPTH` (`too_deep`; simd-json allows 1024), or an
/// integer or float outside I-JSON (`number_out_of_range`). credverify
/// never accepts what simd-json rejects. A plain text without numbers that
/// both accept must have taken the plain road: its strings point into the
/// text itself.
pub fn plain_vs_simd(data: &[u8]) {
    let mut parser = JsonParser::default();
    let ours = parser.with_doc(data, |root| {
        let strings_in_text = root_strings_in(root, data);
        (tape_of(root), strings_in_text)
    });
    let mut copy = data.to_vec();
    let theirs =
        simd_json::to_tape(&mut copy).map(|t| t.0.into_iter().map(owned).collect::<Vec<_>>());
    match (ours, theirs) {
        (Ok((ours, in_text)), Ok(theirs)) => {
            assert_eq!(ours, theirs, "both parsers accept: the same tape");
            if json::is_plain(data) && !has_number_outside_strings(data) {
                assert_ne!(in_text, Some(false), "a plain text takes the plain road");
            }
        }
        (Ok(_), Err(e)) => panic!("credverify accepts what simd-json rejects ({e})"),
        (Err(problem), Ok(theirs)) => {
            let word = problem.as_str();
            let explained = match word {
                "duplicate_key" => has_duplicate_name(&theirs),
                "too_deep" => depth(&theirs) > MAX_DEPTH,
                "number_out_of_range" => theirs.iter().any(
                    |n| matches!(n, Owned::Static(s) if !s.starts_with("Bool") && s != "Null"),
                ),
                _ => false,
            };
            assert!(
                explained,
                "credverify rejects ({word}) what simd-json accepts, for no rule of its own"
            );
        }
        (Err(_), Err(_)) => {}
    }
}

/// Whether every string of the document points into `text` (None when it
/// has no string).
fn root_strings_in(root: Value<'_>, text: &[u8]) -> Option<bool> {
    let count = match root.node() {
        Node::Object { count, .. } | Node::Array { count, .. } => count,
        _ => 0,
    };
    let range = text.as_ptr_range();
    let mut all = None;
    for i in 0..=count {
        if let Node::String(s) = root.at(i).node() {
            let inside = range.contains(&s.as_ptr()) || (s.is_empty() && s.as_ptr() == range.end);
            all = Some(all.unwrap_or(true) && inside);
        }
    }
    all
}

fn has_duplicate_name(tape: &[Owned]) -> bool {
    (0..tape.len()).any(|i| {
        let Owned::Object { len, .. } = tape[i] else {
            return false;
        };
        let mut names = Vec::with_capacity(len);
        let mut j = i + 1;
        for _ in 0..len {
            let Owned::String(name) = &tape[j] else {
                return false;
            };
            names.push(name);
            j += 1 + span(&tape[j + 1]);
        }
        names.sort();
        names.windows(2).any(|w| w[0] == w[1])
    })
}

fn span(node: &Owned) -> usize {
    match node {
        Owned::Object { count, .. } | Owned::Array { count, .. } => count + 1,
        _ => 1,
    }
}

/// The deepest nesting of a tape, from each container's extent.
fn depth(tape: &[Owned]) -> usize {
    let mut ends: Vec<usize> = Vec::new();
    let mut deepest = 0;
    for (i, node) in tape.iter().enumerate() {
        while ends.last().is_some_and(|&e| e <= i) {
            ends.pop();
        }
        if let Owned::Object { count, .. } | Owned::Array { count, .. } = node {
            ends.push(i + 1 + count);
            deepest = deepest.max(ends.len());
        }
    }
    deepest
}

// ------------------------------------------------------------------- jcs

/// JCS (RFC 8785) of any document credverify parses: the output parses,
/// and canonicalizing it again gives it back (idempotence); the record
/// writer, which copies members straight from a plain record's text, writes
/// the same bytes as the tree walk.
pub fn jcs(data: &[u8]) {
    let mut parser = JsonParser::default();
    let Ok(canonical) = parser.with_doc(data, jcs::canonicalize) else {
        return;
    };
    let mut canon = Canonicalizer::default();
    let written = jcs::with_record(&mut parser, &mut canon, data, |root, writer| {
        let mut out = Vec::new();
        writer.write(&mut out, root);
        out
    })
    .expect("a document that parsed once parses again");
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&canonical),
        "the record writer and the tree walk agree"
    );
    let again = parser
        .with_doc(&canonical, jcs::canonicalize)
        .unwrap_or_else(|p| {
            panic!(
                "canonical JSON does not parse ({p}): {}",
                String::from_utf8_lossy(&canonical)
            )
        });
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&canonical),
        "JCS is idempotent"
    );
}

// ----------------------------------------------------------- jsonld_rdfc

/// JSON-LD to RDF, then RDFC-1.0; or, for a text that does not open with
/// `{` or `[`, N-Quads parsed and canonicalized.
///
/// The canonical N-Quads parse and canonicalize to themselves
/// (idempotence), and the dataset's canonical form does not depend on the
/// order of its quads or on its blank node labels.
/// A document's tree without its `@context` member.
fn without_context<'a>(root: credverify::json::Value<'a>) -> Json<'a> {
    match Json::from_value(root) {
        Json::Object(members) => Json::Object(
            members
                .into_iter()
                .filter(|(k, _)| k != "@context")
                .collect(),
        ),
        other => other,
    }
}

/// Shape programs against expansion: the document's quads replayed from
/// a program (one cache kept across inputs, so a mutated record meets the
/// program an earlier input of its shape compiled) must canonicalize to
/// what expanding it afresh gives, and fail alike when expansion fails.
pub fn shape(data: &[u8]) {
    use credverify::jsonld::shape::ShapeCache;
    use credverify::limits::JsonLdBudget;
    thread_local! {
        static SHAPES: std::cell::RefCell<ShapeCache> = std::cell::RefCell::default();
    }
    let mut parser = JsonParser::default();
    let _ = parser.with_doc(data, |root| {
        let Some(context) = root.get("@context").map(Json::from_value) else {
            return;
        };
        let body = without_context(root);
        let budget = JsonLdBudget::for_record(data.len());
        let Ok(active) = JSONLD.context(&context, &budget) else {
            return;
        };
        let canonical =
            |r: Result<credverify::rdf::dataset::Dataset, credverify::jsonld::LdError>| {
                r.map(|ds| rdfc::canonical_nquads(&ds, HashAlgorithm::Sha256, Limits::default()))
            };
        let full =
            canonical(JSONLD.to_rdf_in(&active, &body, &JsonLdBudget::for_record(data.len())));
        for _ in 0..3 {
            let budget = JsonLdBudget::for_record(data.len());
            let shaped = SHAPES.with(|s| {
                canonical(JSONLD.to_rdf_shaped(&mut s.borrow_mut(), &active, &body, &budget))
            });
            match (&full, &shaped) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "program and expansion differ"),
                (Err(a), Err(b)) => assert_eq!(
                    std::mem::discriminant(a),
                    std::mem::discriminant(b),
                    "{a:?} against {b:?}"
                ),
                _ => panic!("expansion {full:?}, program {shaped:?}"),
            }
        }
    });
}

pub fn jsonld_rdfc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opens = text.trim_start().as_bytes().first().copied();
    let canonical = if matches!(opens, Some(b'{' | b'[')) {
        let mut parser = JsonParser::default();
        let Ok(Some(canonical)) = parser.with_doc(data, |root| {
            let context = root.get("@context").map(Json::from_value);
            let body = without_context(root);
            let (dataset, _) = JSONLD.to_rdf(context.as_ref(), &body).ok()?;
            rdfc::canonical_nquads(&dataset, HashAlgorithm::Sha256, Limits::default()).ok()
        }) else {
            return;
        };
        canonical
    } else {
        let Ok(quads) = nquads::parse(text) else {
            return;
        };
        let Ok(c) = rdfc::canonicalize(&quads, HashAlgorithm::Sha256, Limits::default()) else {
            return;
        };
        c.nquads
    };
    // Finding F2 (FUZZING.md): JSON-LD to RDF writes IRIs holding
    // characters that RDF 1.1's IRIREF excludes (`^`, `{`, …), which the
    // N-Quads parser refuses. Skipped until it is decided which side moves.
    if let Err(e) = nquads::parse(&canonical)
        && e.why == "a character an IRI may not hold"
    {
        return;
    }
    let quads = nquads::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical N-Quads do not parse ({e:?}):\n{canonical}"));
    let again = rdfc::canonicalize(&quads, HashAlgorithm::Sha256, Limits::default())
        .expect("canonical N-Quads canonicalize");
    assert_eq!(again.nquads, canonical, "RDFC-1.0 is idempotent");
    // Reversed, and every blank node renamed.
    let shuffled: Vec<Quad> = quads
        .iter()
        .rev()
        .map(|q| {
            q.relabelled(|l| {
                format!(
                    "b{}",
                    l.len() * 7 + l.bytes().map(usize::from).sum::<usize>() % 13
                )
            })
        })
        .collect();
    // The renaming above may merge labels; only an injective one must agree.
    let distinct = |qs: &[Quad]| {
        let mut labels: Vec<&str> = qs
            .iter()
            .flat_map(|q| [&q.subject, &q.object].into_iter().chain(q.graph.as_ref()))
            .filter_map(|t| match t {
                Term::Blank(l) => Some(l.as_str()),
                _ => None,
            })
            .collect();
        labels.sort_unstable();
        labels.dedup();
        labels.len()
    };
    if distinct(&shuffled) == distinct(&quads) {
        let other = rdfc::canonicalize(&shuffled, HashAlgorithm::Sha256, Limits::default())
            .expect("a relabelled dataset canonicalizes");
        assert_eq!(
            other.nquads, canonical,
            "canonical form of a relabelled, reordered dataset"
        );
    }
}

// ----------------------------------------------------------- status_list

/// Status list decoding. The first byte picks what the rest is:
///
/// - 0: an `encodedList` as text, decoded bare and with the multibase `u`;
/// - 1: GZIP bytes, base64url-encoded and decoded;
/// - 2: a bitstring, compressed and encoded, which must decode to itself;
/// - 3: a status list document (credential or JWS), loaded.
///
/// A decoded bitstring's set bits lie below its length and agree with
/// `Bitstring::value`; both encodings decode alike.
pub fn status_list(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let bare = Bitstring::decode(text, Encoding::Bare);
            let multibase = Bitstring::decode(&format!("u{text}"), Encoding::Multibase);
            assert_eq!(bare, multibase, "bare and multibase decode alike");
            if let Ok(bits) = bare {
                check_bitstring(&bits);
            }
        }
        1 => {
            let text = URL_SAFE_NO_PAD.encode(rest);
            if let Ok(bits) = Bitstring::decode(&text, Encoding::Bare) {
                check_bitstring(&bits);
            }
        }
        2 => {
            let mut gz = gzip(rest);
            let text = URL_SAFE_NO_PAD.encode(&gz);
            let bits = Bitstring::decode(&text, Encoding::Bare).expect("a GZIP stream decodes");
            assert_eq!(
                bits,
                Bitstring::from_bytes(rest),
                "decodes to its bitstring"
            );
            assert_eq!(bits.len_bits(), rest.len() as u64 * 8);
            check_bitstring(&bits);
            for (i, b) in rest.iter().enumerate().take(64) {
                for bit in 0..8 {
                    let index = i as u64 * 8 + bit;
                    let want = u32::from(b >> (7 - bit) & 1);
                    assert_eq!(
                        bits.value(index, 1),
                        Some(want),
                        "bit {index}, most significant first"
                    );
                }
            }
            // Anything after the one GZIP member is refused.
            gz.push(0);
            let text = URL_SAFE_NO_PAD.encode(&gz);
            assert!(
                Bitstring::decode(&text, Encoding::Bare).is_err(),
                "trailing bytes"
            );
        }
        _ => {
            for bound in [None, Some("https://example.org/lists/1")] {
                if let Ok((_, loaded)) = list::load(rest, Problems::default(), bound)
                    && let list::ListBody::Bits { bits, .. } = &loaded.body
                {
                    check_bitstring(bits);
                }
            }
        }
    }
}

fn check_bitstring(bits: &Bitstring) {
    let len = bits.len_bits();
    if let Some(max) = bits.set_bits().max() {
        assert!(u64::from(max) < len, "set bit {max} beyond {len} bits");
    }
    for index in bits.set_bits().iter().take(64) {
        assert_eq!(bits.value(u64::from(index), 1), Some(1), "set bit {index}");
    }
    assert_eq!(bits.value(len, 1), None, "index {len} is past the end");
    for size in [1, 2, 4, 8] {
        if let Some(v) = bits.value(0, size) {
            assert!(v < 1 << size);
        }
    }
}

/// `bytes` as one GZIP member, as a status list publisher writes it.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writes to memory");
    encoder.finish().expect("writes to memory")
}

// ------------------------------------------------------------------- jws

/// Compact JWS splitting and base64url.
///
/// `CompactJws::split` against a plain `split('.')`: three parts, the first
/// two not empty, which join back into the token. credverify's base64url
/// decoder against the `base64` crate's `URL_SAFE_NO_PAD` on the input and
/// on each part (accept the same texts, decode to the same bytes), and the
/// crate's encoding of the input decodes back to it. A token then goes
/// through `vc_jwt::open` and its payload through `JwtClaims`, which must
/// not panic.
pub fn jws(data: &[u8]) {
    base64url_agrees(data);
    let mut out = Vec::new();
    assert!(base64url::decode(
        URL_SAFE_NO_PAD.encode(data).as_bytes(),
        &mut out
    ));
    assert_eq!(out, data, "base64url round trip");

    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = token.split('.').collect();
    let naive = (parts.len() == 3 && !parts[0].is_empty() && !parts[1].is_empty())
        .then(|| (parts[0], parts[1], parts[2]));
    let split = CompactJws::split(token);
    assert_eq!(
        split.map(|j| (j.header, j.payload, j.signature)),
        naive,
        "split"
    );
    let Some(split) = split else {
        return;
    };
    assert!(jws::looks_like_jws(token.as_bytes()) || !token.as_bytes()[0].is_ascii_alphanumeric());
    assert_eq!(
        split.signing_input(token),
        format!("{}.{}", split.header, split.payload).as_bytes()
    );
    for part in [split.header, split.payload, split.signature] {
        base64url_agrees(part.as_bytes());
    }
    let mut parser = JsonParser::default();
    let mut scratch = Vec::new();
    if let Ok(opened) = vc_jwt::open(token, &mut parser, &mut scratch) {
        let _ = parser.with_filled(
            |buf| opened.decode_payload(buf),
            |payload| {
                if let Ok((root, claims)) = vc_jwt::credential_of(payload) {
                    let _ = (root.is_object(), claims.fallback());
                }
                let _ = JwtClaims::read(payload);
            },
        );
    }
}

fn base64url_agrees(text: &[u8]) {
    let mut ours = Vec::new();
    let accepted = base64url::decode(text, &mut ours);
    match URL_SAFE_NO_PAD.decode(text) {
        Ok(theirs) => {
            assert!(accepted, "base64 accepts what credverify rejects");
            assert_eq!(ours, theirs, "decoded bytes");
        }
        Err(e) => assert!(!accepted, "credverify accepts what base64 rejects ({e})"),
    }
}

// ---------------------------------------------------------- did_document

/// Controller documents and DID methods. The first byte picks how the rest
/// is read: as a `.json` or `.jsonl` document file, bound to a URL or not
/// (bits 0 and 1), loaded into a resolver as `--dids` loads it; every
/// method the document names then resolves without panic, and a registered
/// one to itself. The rest as text is also resolved as a verification
/// method, and decoded as a Multikey (`did:key`) and a `did:jwk` id: a
/// Multikey that decodes is the encoding of its key (one encoding per key),
/// and a did:key method resolves to the key its id decodes to.
pub fn did_document(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = DocumentFile {
        bound: (mode & 2 != 0).then(|| "did:web:example.org".to_owned()),
        path: if mode & 1 != 0 {
            "dids.jsonl"
        } else {
            "did.json"
        }
        .into(),
        bytes: rest.to_vec(),
    };
    let resolver = KeyResolver::new(mode & 4 != 0);
    let mut ids = Vec::new();
    let _ = file.for_each(|doc| {
        if let Ok(n) =
            credverify::resolve::document::register(&resolver, doc, file.bound.as_deref())
        {
            assert!(
                n <= method_ids(doc).len()
                    + doc
                        .get("assertionMethod")
                        .map_or(0, |a| a.one_or_many().count())
            );
        }
        ids.extend(method_ids(doc));
    });
    let _ = file.raw_documents();
    for id in &ids {
        if let Ok(key) = resolver.resolve(id) {
            assert!(
                key.method.as_ref() == id.as_str() || !id.starts_with('#'),
                "{id}"
            );
        }
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = resolver.resolve(text);
    if let Ok(key) = multikey::decode_multikey(text) {
        assert_eq!(
            multikey::encode_multikey(&key),
            text,
            "one Multikey per key"
        );
        let did = format!("did:key:{text}");
        let resolved = resolver
            .resolve(&format!("{did}#{text}"))
            .expect("a did:key resolves");
        assert_eq!(
            resolved.key.as_ref().ok().map(|k| k.fingerprint()),
            screened(key),
            "{did}"
        );
    }
    if let Ok(material) = multikey::decode_did_jwk(text) {
        let resolved = resolver
            .resolve(&format!("did:jwk:{text}#0"))
            .expect("a did:jwk resolves");
        let alone = KeyResolver::new(false).load(&material);
        assert_eq!(
            resolved.key.as_ref().ok().map(|k| k.fingerprint()),
            alone.ok().map(|k| k.fingerprint()),
            "did:jwk:{text}"
        );
    }
}

/// The key's bytes when it passes screening.
fn screened(key: [u8; 32]) -> Option<[u8; 32]> {
    VerifyingKey::screen(key, 0).ok().map(|k| k.bytes)
}

/// The ids of the verification methods a document lists or embeds.
fn method_ids(doc: Value<'_>) -> Vec<String> {
    ["verificationMethod", "assertionMethod"]
        .into_iter()
        .filter_map(|name| doc.get(name))
        .flat_map(|list| list.one_or_many())
        .filter_map(|m| m.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

// ----------------------------------------------------------------- baked

/// The payload limit of the baked targets: small, so that `TooLarge` is
/// reached by the fuzzer's inputs too.
const BAKED_CAP: usize = 4096;

/// A badge PNG through `baked::extract_png`, or (when the input starts
/// with a zero byte, which no PNG does) the rest of the input as a payload
/// through `bake_png` and back.
///
/// Image: no panic; a credential found is non-empty, trimmed, UTF-8 and
/// within the limit; baked again (same version, same compression) it comes
/// back the same; a larger limit finds the same. Payload: for both
/// versions, compressed or not, `extract_png(bake_png(p))` is `p` trimmed,
/// or `TooLarge` when `p` is longer than the limit, or `Corrupt` when it is
/// not UTF-8 or only white space.
pub fn baked_png(data: &[u8]) {
    if let Some((0, payload)) = data.split_first() {
        let utf8 = std::str::from_utf8(payload).is_ok();
        for version in [BadgeVersion::Ob3, BadgeVersion::Ob2] {
            for compressed in [false, true] {
                let got =
                    baked::extract_png(&baked::bake_png(payload, version, compressed), BAKED_CAP);
                let what = format!("{version}, compressed: {compressed}");
                if payload.len() > BAKED_CAP {
                    assert!(
                        matches!(got, Err(BakedError::TooLarge { .. })),
                        "{what}: {got:?}"
                    );
                } else if !utf8 || trim(payload).is_empty() {
                    assert!(
                        matches!(got, Err(BakedError::Corrupt(_))),
                        "{what}: {got:?}"
                    );
                } else {
                    let expected = Baked {
                        version,
                        payload: trim(payload).to_vec(),
                        compressed,
                    };
                    assert_eq!(got, Ok(expected), "{what}");
                }
            }
        }
        return;
    }
    let Ok(found) = baked::extract_png(data, BAKED_CAP) else {
        return;
    };
    check_baked_payload(&found);
    let again = baked::extract_png(
        &baked::bake_png(&found.payload, found.version, found.compressed),
        BAKED_CAP,
    );
    assert_eq!(again.as_ref(), Ok(&found), "baked again");
    assert_eq!(
        baked::extract_png(data, usize::MAX).as_ref(),
        Ok(&found),
        "a larger limit"
    );
}

/// A badge SVG through `baked::extract_svg`, or (when the input starts
/// with a zero byte) the rest of the input as a payload through `bake_svg`
/// and back.
///
/// Image: no panic; a credential found is non-empty, trimmed, UTF-8 and
/// within the limit; baked again (as text and in `verify`) it comes back
/// the same, except that `verify`, whose limit counts the escaped value,
/// may be `TooLarge`; a larger limit finds the same. Payload (made UTF-8 as
/// `bake_svg` does): for both versions, as text and in `verify`,
/// `extract_svg(bake_svg(p))` is `p` trimmed, or `TooLarge` past the limit,
/// or `Corrupt` when it is only white space.
pub fn baked_svg(data: &[u8]) {
    if let Some((0, payload)) = data.split_first() {
        let text = String::from_utf8_lossy(payload);
        let trimmed = text.trim_matches([' ', '\t', '\r', '\n']);
        for version in [BadgeVersion::Ob3, BadgeVersion::Ob2] {
            for in_verify in [false, true] {
                let svg = baked::bake_svg(payload, version, in_verify);
                assert!(baked::looks_like_svg(&svg), "bake_svg writes an SVG");
                let got = baked::extract_svg(&svg, BAKED_CAP);
                let what = format!("{version}, in verify: {in_verify}");
                let expected = Baked {
                    version,
                    payload: trimmed.as_bytes().to_vec(),
                    compressed: false,
                };
                match got {
                    Err(BakedError::TooLarge { .. }) if text.len() > BAKED_CAP || in_verify => {}
                    Err(BakedError::Corrupt(_)) if trimmed.is_empty() => {}
                    got => assert_eq!(got, Ok(expected), "{what}"),
                }
            }
        }
        return;
    }
    let Ok(found) = baked::extract_svg(data, BAKED_CAP) else {
        return;
    };
    check_baked_payload(&found);
    for in_verify in [false, true] {
        let again = baked::extract_svg(
            &baked::bake_svg(&found.payload, found.version, in_verify),
            BAKED_CAP,
        );
        match again {
            Err(BakedError::TooLarge { .. }) if in_verify => {}
            again => assert_eq!(
                again.as_ref(),
                Ok(&found),
                "baked again, in verify: {in_verify}"
            ),
        }
    }
    assert_eq!(
        baked::extract_svg(data, usize::MAX).as_ref(),
        Ok(&found),
        "a larger limit"
    );
}

fn check_baked_payload(found: &Baked) {
    let p = &found.payload;
    assert!(!p.is_empty(), "an empty payload");
    assert_eq!(trim(p), &p[..], "an untrimmed payload");
    assert!(
        std::str::from_utf8(p).is_ok(),
        "a payload that is not UTF-8"
    );
    assert!(p.len() <= BAKED_CAP, "a payload over the limit");
}

// ----------------------------------------------------------------- index

/// The body of `blocks.bin` as far as its block offsets go, then the
/// SHA-256 of each chunk of `records` they give: a fuzzed hash would
/// almost never match, and the records would never be decoded.
fn with_chunk_hashes(body: &[u8], records: &[u8]) -> Vec<u8> {
    use credverify::index::codec::{Decoder, Encoder};
    let mut d = Decoder::new(body);
    let mut offsets = Vec::new();
    if let Ok(n) = d.uint() {
        let mut at = 0u64;
        while (offsets.len() as u64) < n {
            let Ok(delta) = d.uint() else { break };
            at = at.saturating_add(delta);
            offsets.push(at);
        }
    }
    let mut e = Encoder::default();
    e.bytes(&body[..body.len() - d.remaining()]);
    let chunks = offsets.len().div_ceil(credverify::index::CHUNK_BLOCKS);
    e.uint(chunks as u64);
    for c in 0..chunks {
        let clamp = |o: u64| usize::try_from(o).unwrap_or(usize::MAX).min(records.len());
        let start = clamp(offsets[c * credverify::index::CHUNK_BLOCKS]);
        let end = offsets
            .get((c + 1) * credverify::index::CHUNK_BLOCKS)
            .map_or(records.len(), |&o| clamp(o))
            .max(start);
        let mut digest = [[0u8; 32]];
        credverify::hash::sha256::sha256_many(&[&records[start..end]], &mut digest);
        e.bytes(&digest[0]);
    }
    e.buf
}

/// A revalidation index read back (`credverify recheck`): a mode byte,
/// then bytes. 0: a record count, then `records.bin` after its magic number,
/// beside a manifest that names them with their true size and SHA-256 and
/// tables of two issuers and a key, so the record decoder itself is what is
/// fuzzed; 1: the bytes are `manifest.json`, beside empty record and
/// issuer files. `recheck` at a fixed instant, no lists, must finish with
/// verdicts or a refusal, never a panic, and write nothing when it
/// refuses.
pub fn index(data: &[u8]) {
    use credverify::report::OutputFormat;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = temp_path("-index");
    std::fs::create_dir_all(dir.join("dids")).expect("a temporary directory");
    let sha = |b: &[u8]| {
        let mut digest = [[0u8; 32]];
        credverify::hash::sha256::sha256_many(&[b], &mut digest);
        digest[0]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    // Modes 0 and 1 (1: `--changed-only`): a byte giving the record count
    // the manifest claims, four little-endian 16-bit lengths, then the
    // bodies of blocks.bin, verdicts.bin, times.bin and postings.bin of
    // those lengths, the rest records.bin; each file gets its magic, and
    // the manifest their sizes and digests. Any other mode: the rest is
    // the manifest of an index with only its tables.
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    // Two issuers, two keys, two strings.
    let tables = [
        &b"CVIXTAB3\x02\x0adid:key:z1\x0bhttps://b.x\x02"[..],
        &[7u8; 32],
        &[9u8; 32],
        b"\x02\x0dhttps://l.x/1\x03hey",
    ]
    .concat();
    files.push(("tables.bin", tables));
    let mut count = 0;
    if mode < 2 && rest.len() >= 9 {
        count = u64::from(rest[0]);
        let mut at = 9;
        let mut bodies = Vec::new();
        for k in 0..4 {
            let len = usize::from(u16::from_le_bytes([rest[1 + 2 * k], rest[2 + 2 * k]]));
            let end = (at + len).min(rest.len());
            bodies.push(&rest[at..end]);
            at = end;
        }
        let records = &rest[at..];
        for (name, magic, body) in [
            (
                "blocks.bin",
                b"CVIXBLK3",
                with_chunk_hashes(bodies[0], records),
            ),
            ("verdicts.bin", b"CVIXVRD3", bodies[1].to_vec()),
            ("times.bin", b"CVIXTIM3", bodies[2].to_vec()),
            ("postings.bin", b"CVIXPST3", bodies[3].to_vec()),
        ] {
            files.push((name, [&magic[..], &body].concat()));
        }
        files.push(("records.bin", [&b"CVIXREC3"[..], records].concat()));
    }
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    let manifest = if mode < 2 {
        let listed: Vec<String> = files
            .iter()
            .map(|(name, bytes)| {
                format!(
                    "\"{name}\":{{\"bytes\":{},\"sha256\":\"{}\"}}",
                    bytes.len(),
                    sha(bytes)
                )
            })
            .collect();
        format!(
            "{{\"format\":\"credverify-index\",\"version\":{},\"credverify\":\"0\",\"as_of\":\"{AS_OF}\",\"records\":{count},\"inputs\":[\"a\",\"b\"],\"options\":{{\"strict_status\":false,\"trust_fragment_keys\":false,\"named_files\":true}},\"contexts\":false,\"status_lists\":[],\"files\":{{{}}}}}",
            credverify::index::VERSION,
            listed.join(",")
        )
        .into_bytes()
    } else {
        rest.to_vec()
    };
    std::fs::write(dir.join("manifest.json"), manifest).expect("write");
    let config = credverify::run::RecheckConfig {
        index: dir.clone(),
        as_of: Timestamp::parse("2030-06-01T00:00:00Z").expect("an instant"),
        status_lists: Vec::new(),
        dids: Vec::new(),
        contexts: None,
        bitmaps: None,
        changed_only: mode == 1,
        check_first: true,
    };
    let names = ["a".to_owned(), "b".to_owned()];
    let mut sink = VerdictWriter::new(Vec::new(), OutputFormat::Jsonl, &names).expect("a writer");
    let result = credverify::run::recheck(&config, &mut sink);
    let out = sink.into_inner();
    let expiring = credverify::run::ExpiringConfig {
        recheck: config,
        to: Timestamp::parse("2040-01-01T00:00:00Z").expect("an instant"),
        by: credverify::run::Period::Month,
        by_issuer: mode == 1,
        ids: mode == 1,
    };
    let _ = credverify::run::expiring(&expiring);
    let _ = std::fs::remove_dir_all(&dir);
    if result.is_err() {
        assert!(out.is_empty(), "a refused index wrote verdicts");
    }
}

// ------------------------------------------------------------------ keys

/// Public keys as issuers and headers carry them: the first byte picks the
/// reading of the rest. 0: a JWK (JSON) through `decode_jwk_any` and, when
/// it reads, `KeyResolver::load`, whose key must have the fingerprint the
/// material announced (a header's `jwk` is matched to the issuer's keys by
/// it) and, for an EC point, the same uncompressed encoding. 1 and 2: a
/// SEC 1 point of P-256 or P-384: a point that loads re-encodes to a point
/// that loads to the same key, and checking a signature (the rest split in
/// two) never panics. 3: a PEM or DER RSA key. 4: a Multikey text.
pub fn keys(data: &[u8]) {
    use credverify::resolve::multikey::{KeyMaterial, decode_jwk_any, decode_multikey_any};
    use credverify::verify::ecdsa::{Curve, EcKey};
    use credverify::verify::rsa::RsaKey;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let resolver = KeyResolver::new(false);
    let loads = |material: &KeyMaterial| {
        if let Ok(key) = resolver.load(material) {
            if let Some(announced) = material.fingerprint() {
                assert_eq!(key.fingerprint(), announced, "{material:?}");
            }
            if let (KeyMaterial::Ec { sec1, .. }, credverify::verify::key::PublicKey::Ec(k)) =
                (material, &key)
                && sec1.first() == Some(&4)
            {
                assert_eq!(k.uncompressed(), &sec1[..]);
            }
        }
    };
    match mode % 5 {
        0 => {
            let _ = JsonParser::default().with_doc(rest, |v| {
                if let Ok(material) = decode_jwk_any(v) {
                    loads(&material);
                }
            });
        }
        1 | 2 => {
            let curve = if mode % 5 == 1 {
                Curve::P256
            } else {
                Curve::P384
            };
            let n = 1 + 2 * curve.field_len();
            let (point, tail) = rest.split_at(rest.len().min(n));
            if let Ok(key) = EcKey::from_sec1(curve, point) {
                let again = EcKey::from_sec1(curve, key.uncompressed()).expect("re-encoded");
                assert_eq!(again, key);
                let (message, signature) = tail.split_at(tail.len() / 2);
                let _ = key.verify(message, signature);
            }
        }
        3 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = RsaKey::from_pem(text);
            }
            if let Ok(key) = RsaKey::from_spki_der(rest).or_else(|_| RsaKey::from_pkcs1_der(rest)) {
                assert!((2048..=8192).contains(&key.bits()));
                let _ = key.verify_rs256(b"m", rest) || key.verify_ps256(b"m", rest);
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(material) = decode_multikey_any(text)
            {
                loads(&material);
            }
        }
    }
}

// ---------------------------------------------------------------- sd_proof

/// The 1EdTech validator's `ecdsa-sd-2023` derived Open Badge
/// (`tests/data/vc-di-ecdsa/1edtech/`), whose key is the P-256 Multikey in
/// its verification method's fragment (`--trust-fragment-keys`).
static SD_DERIVED: &str =
    include_str!("../../tests/data/vc-di-ecdsa/1edtech/derivedcredential.json");

/// `ecdsa-sd-2023` proof values: a mode byte, then bytes.
///
/// 0: the bytes through `parse_derived`: never a panic, and a value that
/// decodes holds at least the bytes its components take (nothing is
/// allocated by an announced count), its label map sorted by number with
/// no number twice. 1: the bytes after the derived header, as the
/// `proofValue` of the 1EdTech derived badge judged end to end (with
/// `--trust-fragment-keys`): exactly one outcome, the original proof
/// verifies, and a proof verifies only when its components are the
/// original's (the CBOR may spell them differently, never change them).
pub fn sd_proof(data: &[u8]) {
    use credverify::suite::ecdsa_sd_2023::{DERIVED_HEADER, parse_derived};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(p) = parse_derived(rest) {
            let least = 3
                + 64
                + 35
                + 64 * p.signatures.len()
                + 33 * p.label_map.len()
                + p.mandatory_indexes.len();
            assert!(
                least <= rest.len(),
                "{least} bytes of components in {}",
                rest.len()
            );
            assert!(p.label_map.windows(2).all(|w| w[0].0 < w[1].0));
        }
        return;
    }
    let doc = SD_DERIVED;
    let start = doc
        .find("\"proofValue\": \"")
        .expect("the vector's proofValue")
        + 15;
    let end = start + doc[start..].find('"').expect("closing quote");
    let mut original = Vec::new();
    assert!(base64url::decode(
        &doc.as_bytes()[start + 1..end],
        &mut original
    ));
    let mut bytes = DERIVED_HEADER.to_vec();
    bytes.extend_from_slice(rest);
    let value = format!("u{}", URL_SAFE_NO_PAD.encode(&bytes));
    let record = format!("{}{value}{}", &doc[..start], &doc[end..]);
    let compact: String = record.lines().map(str::trim).collect();
    let resolver = KeyResolver::new(true);
    let status = Default::default();
    let ctx = context(&resolver, &status);
    let mut work = ChunkWork::default();
    Evaluator::default().evaluate(&ctx, compact.as_bytes(), 0, 0, &mut work);
    let mut evaluator = Evaluator::default();
    evaluator.settle(&mut work, 64);
    assert_eq!(work.records.len(), 1, "one outcome");
    let rec = &work.records[0];
    if bytes == original {
        assert!(rec.findings.problems.is_empty(), "the original proof fails");
    }
    if rec.findings.problems.is_empty() {
        let same = parse_derived(&bytes).ok() == parse_derived(&original).ok();
        assert!(same, "a changed derived proof verified");
    }
}

// ------------------------------------------------------------------ part

/// The SHA-256 of `bytes`, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    let mut digest = [[0u8; 32]];
    credverify::hash::sha256::sha256_many(&[bytes], &mut digest);
    digest[0].iter().map(|x| format!("{x:02x}")).collect()
}

/// The digest `part.json` gives a bitmaps directory: each verdict's file,
/// in the vocabulary's order, its length then its bytes.
fn bitmaps_digest(dir: &std::path::Path) -> String {
    let mut all = Vec::new();
    for verdict in credverify::verdict::Verdict::ALL {
        let bytes = std::fs::read(dir.join(format!("{verdict}.roaring"))).expect("a bitmap");
        all.extend((bytes.len() as u64).to_le_bytes());
        all.extend(bytes);
    }
    sha256_hex(&all)
}

/// Two parts of one small run, made once: a JSON Lines file (issuers,
/// blank lines, a malformed and a non-UTF-8 line) cut in two, each part
/// with its bitmaps; and what merging them writes.
static PARTS: LazyLock<(PathBuf, Vec<u8>)> = LazyLock::new(|| {
    use credverify::parts::{self, PartRun};
    let dir = temp_path("-parts");
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let input = dir.join("in.jsonl");
    let mut text = Vec::new();
    for i in 0..9 {
        text.extend(format!(
            "{{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"],\"issuer\":\"did:example:{}\",\"credentialSubject\":{{\"id\":\"urn:x\"}}}}\n",
            i % 3
        ).bytes());
        if i == 4 {
            text.extend(b"\n{\"not\": closed\n\xff\xfe\n\n");
        }
    }
    std::fs::write(&input, text).expect("write");
    let as_of = Timestamp::parse(AS_OF).expect("an instant");
    for k in 0..2 {
        let part = dir.join(format!("p{k}"));
        let mut config =
            credverify::run::VerifyConfig::new(vec![InputPath::File(input.clone())], as_of);
        config.threads = 1;
        config.bitmaps = Some(part.join("bitmaps"));
        let shard = credverify::shard::Shard::new(k, 2).expect("a shard");
        let mut plan = parts::plan(&config, shard).expect("a plan");
        plan.files.bitmaps = Some("bitmaps".into());
        config.shares = Some(plan.shares());
        std::fs::create_dir_all(&part).expect("a part directory");
        let names = ["in.jsonl".to_owned()];
        let out = std::fs::File::create(part.join(parts::VERDICTS)).expect("verdicts");
        let mut sink = VerdictWriter::new(out, OutputFormat::Jsonl, &names).expect("a writer");
        let summary = credverify::run::verify(&config, &mut sink).expect("the shard runs");
        drop(sink);
        let run = PartRun {
            options: "{\"as_of\":\"fuzz\"}".into(),
            documents: parts::documents_digest(&config).expect("documents"),
        };
        parts::write_manifest(&part, &plan, &run, &summary).expect("part.json");
    }
    let dirs = [dir.join("p0"), dir.join("p1")];
    let mut merged = Vec::new();
    parts::merge(&dirs, &mut merged, &Default::default()).expect("the parts merge");
    (dir, merged)
});

/// `merge` of a run's two parts, one of them hostile: the first byte
/// picks what the rest replaces in the second part. 0: its `part.json`.
/// 1: its `verdicts.jsonl`, with `part.json` made to name the new file's
/// size and digest, so that the reader gets past them. 2: its bitmap of
/// `no_proof`, the digest made to match, merged with `--bitmaps`.
/// Merge never panics; what it accepts has one verdict line per record it
/// counts (and bitmaps holding each record once); the original bytes
/// merge to the original output; a refused merge writes no bitmaps.
pub fn part(data: &[u8]) {
    use credverify::parts;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (base, want) = &*PARTS;
    let dir = temp_path("-part");
    for k in 0..2 {
        let (from, to) = (base.join(format!("p{k}")), dir.join(format!("p{k}")));
        std::fs::create_dir_all(to.join("bitmaps")).expect("a part directory");
        for f in [parts::MANIFEST, parts::VERDICTS] {
            std::fs::copy(from.join(f), to.join(f)).expect("copy");
        }
        for verdict in credverify::verdict::Verdict::ALL {
            let name = format!("bitmaps/{verdict}.roaring");
            std::fs::copy(from.join(&name), to.join(&name)).expect("copy");
        }
    }
    let hostile = dir.join("p1");
    let manifest = std::fs::read_to_string(hostile.join(parts::MANIFEST)).expect("part.json");
    let (original, replaced) = match mode % 3 {
        0 => {
            std::fs::write(hostile.join(parts::MANIFEST), rest).expect("write");
            (manifest.as_bytes().to_vec(), rest)
        }
        1 => {
            let path = hostile.join(parts::VERDICTS);
            let old = std::fs::read(&path).expect("verdicts");
            let named = |b: &[u8]| {
                format!(
                    "\"verdicts\":{{\"bytes\":{},\"sha256\":\"{}\"}}",
                    b.len(),
                    sha256_hex(b)
                )
            };
            let text = manifest.replace(&named(&old), &named(rest));
            std::fs::write(hostile.join(parts::MANIFEST), text).expect("write");
            std::fs::write(&path, rest).expect("write");
            (old, rest)
        }
        _ => {
            let bitmaps = hostile.join("bitmaps");
            let path = bitmaps.join("no_proof.roaring");
            let old = std::fs::read(&path).expect("a bitmap");
            let before = bitmaps_digest(&bitmaps);
            std::fs::write(&path, rest).expect("write");
            let text = manifest.replace(&before, &bitmaps_digest(&bitmaps));
            std::fs::write(hostile.join(parts::MANIFEST), text).expect("write");
            (old, rest)
        }
    };
    let out_bitmaps = dir.join("merged-bitmaps");
    let outputs = parts::MergeOutputs {
        bitmaps: (mode % 3 == 2).then(|| out_bitmaps.clone()),
        index: None,
    };
    let mut merged = Vec::new();
    let result = parts::merge(&[dir.join("p0"), hostile.clone()], &mut merged, &outputs);
    match &result {
        Ok((summary, _)) => {
            let lines = merged.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(lines, summary.records, "verdict lines against records");
            assert_eq!(
                summary.verdicts.iter().sum::<u64>(),
                summary.records,
                "verdict counts"
            );
            if outputs.bitmaps.is_some() {
                let mut all = roaring::RoaringBitmap::new();
                let mut held = 0;
                for verdict in credverify::verdict::Verdict::ALL {
                    let bytes = std::fs::read(out_bitmaps.join(format!("{verdict}.roaring")))
                        .expect("a merged bitmap");
                    let set =
                        roaring::RoaringBitmap::deserialize_from(&bytes[..]).expect("a bitmap");
                    held += set.len();
                    all |= set;
                }
                assert_eq!(
                    (held, all.len()),
                    (summary.records, summary.records),
                    "bitmaps"
                );
            }
        }
        Err(_) => assert!(!out_bitmaps.exists(), "a refused merge wrote bitmaps"),
    }
    if original == replaced {
        assert!(
            result.is_ok() && merged == *want,
            "the original parts merge otherwise"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Seeds of the `part` target, from the parts it merges: each file it
/// replaces as it is, and edited (`tests/fuzz_replay.rs` writes them).
pub fn part_seeds() -> Vec<Vec<u8>> {
    let (base, _) = &*PARTS;
    let hostile = base.join("p1");
    let read = |name: &str| std::fs::read(hostile.join(name)).expect("a part's file");
    let manifest = read(credverify::parts::MANIFEST);
    let verdicts = read(credverify::parts::VERDICTS);
    let bitmap = read("bitmaps/no_proof.roaring");
    let text = String::from_utf8_lossy(&manifest).into_owned();
    let lines: Vec<&[u8]> = verdicts.split_inclusive(|&b| b == b'\n').collect();
    let mut seeds = vec![
        [&[0u8][..], &manifest].concat(),
        [
            &[0u8][..],
            text.replace("\"shard\":1", "\"shard\":0").as_bytes(),
        ]
        .concat(),
        [
            &[0u8][..],
            text.replace("\"records\":", "\"records\":1").as_bytes(),
        ]
        .concat(),
        [
            &[0u8][..],
            text.replace("\"share\":\"bytes\"", "\"share\":\"records\"")
                .as_bytes(),
        ]
        .concat(),
        [&[0u8][..], &manifest[..manifest.len() / 2]].concat(),
        [&[1u8][..], &verdicts].concat(),
        [&[1u8][..], &lines[..lines.len() - 1].concat()].concat(),
        [&[1u8][..], &verdicts, lines[0]].concat(),
        [&[2u8][..], &bitmap].concat(),
        [&[2u8][..], &bitmap[..bitmap.len() / 2]].concat(),
    ];
    let first = String::from_utf8_lossy(lines[0]).replace("\"line\":", "\"lime\":");
    seeds.push([&[1u8][..], first.as_bytes(), &lines[1..].concat()].concat());
    seeds
}
