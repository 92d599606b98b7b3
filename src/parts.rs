//! A run split across machines: each shard (`verify --shard K/N`) writes
//! a part, a directory holding its verdicts and `part.json`; `merge` joins
//! the parts into the verdicts and summary one run would have written.
//!
//! A part's verdicts are those of the records it owns ([`crate::shard`]),
//! in input order, numbered as one run numbers them except in the JSON
//! Lines files cut into byte ranges, whose lines are counted from the
//! range's start: `part.json` says, for each input, which share the part
//! read, its bytes' SHA-256, how many lines the share covers and how many
//! verdicts the part holds, so that `merge` can restore file line numbers
//! and input order. A gzip input is shared by records: each part judges
//! its contiguous share, numbered with the file's lines. A part may hold
//! its records' verdict bitmaps and revalidation index, numbered from 0
//! in the part: `merge` shifts the bitmaps to the run's ordinals and
//! joins the indexes by encoding the parts' records again in the run's
//! order, so that both are byte for byte one run's. `merge` refuses,
//! before writing anything, parts of different runs (another version,
//! inputs, options, documents or shard count), a missing or repeated
//! part, and a part whose verdicts, bitmaps or index are not the ones it
//! names (truncated, edited).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::RunError;
use crate::json::JsonParser;
use crate::json::Value;
use crate::json::write::write_string;
use crate::report::summary::RunSummary;
use crate::run::VerifyConfig;
use crate::shard::{self, Kind, Plan, Shard, Share};
use crate::source::documents;
use crate::verdict::Verdict;

/// The manifest's `format`.
pub const FORMAT: &str = "credverify-part";
/// The part layout this build writes and reads.
pub const VERSION: u64 = 1;
/// A part's verdicts, as JSON Lines.
pub const VERDICTS: &str = "verdicts.jsonl";
/// A part's manifest.
pub const MANIFEST: &str = "part.json";

/// One input as a shard saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartInput {
    /// The name verdicts give it.
    pub name: String,
    /// Its size in bytes (0 for what is not a regular file).
    pub size: u64,
    /// What this shard read of it.
    pub share: Share,
    /// For a byte range: the lines it covers.
    pub lines: u64,
    /// The SHA-256 of the bytes read (empty when skipped).
    pub sha256: String,
}

/// What a shard reads: its number and each input's share.
#[derive(Clone, Debug)]
pub struct ShardPlan {
    /// Which shard.
    pub shard: Shard,
    /// Each input, in order.
    pub inputs: Vec<PartInput>,
    /// Where the part keeps its bitmaps and index, if the shard writes them.
    pub files: PartFiles,
}

impl ShardPlan {
    /// The shares, one per input, as the source reads them.
    pub fn shares(&self) -> Vec<Share> {
        self.inputs.iter().map(|i| i.share.clone()).collect()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Plans shard `shard` of the run `config` describes: which inputs it
/// reads, and which bytes of the JSON Lines files it cuts.
pub fn plan(config: &VerifyConfig, shard: Shard) -> Result<ShardPlan, RunError> {
    let mut kinds = Vec::with_capacity(config.inputs.len());
    for input in &config.inputs {
        if matches!(input, crate::source::InputPath::Stdin) {
            return Err(RunError::Usage(crate::error::UsageError::Sharding(
                "standard input cannot be split: give the export as a file".into(),
            )));
        }
        let name = input.display();
        let kind =
            crate::source::shard_kind(input, config.source).map_err(|source| RunError::Io {
                path: PathBuf::from(&name),
                source,
            })?;
        kinds.push(kind);
    }
    let whole_plan = Plan::new(&kinds, shard);
    let mut inputs = Vec::with_capacity(kinds.len());
    for (index, ((input, &(kind, size)), part)) in config
        .inputs
        .iter()
        .zip(&kinds)
        .zip(&whole_plan.parts)
        .enumerate()
    {
        let name = input.display();
        let path = match input {
            crate::source::InputPath::File(p) | crate::source::InputPath::Found(p) => p.clone(),
            crate::source::InputPath::Stdin => PathBuf::from("-"),
        };
        let io = |source| RunError::Io {
            path: path.clone(),
            source,
        };
        let (share, lines, sha256) = match (part, kind) {
            (shard::Part::None, _) => (Share::Skip, 0, String::new()),
            (shard::Part::Lines, Kind::Lines) => {
                let base = whole_plan.bases[index];
                let (range, lines, digest) =
                    crate::source::line_share_of(&path, base, whole_plan.total, shard)
                        .map_err(io)?;
                (Share::Bytes(range), lines, hex(&digest))
            }
            (shard::Part::Records, Kind::Stream) => {
                let (of, digest) = crate::source::stream_records(index, &path, config.source)
                    .map_err(|e| RunError::Pipeline(e.into()))?;
                let range = shard::record_share(of, shard);
                (Share::Records { range, of }, 0, hex(&digest))
            }
            _ => {
                let digest = if size > 0 && path.is_file() {
                    hex(&crate::source::file_sha256(&path).map_err(io)?)
                } else {
                    String::new()
                };
                (Share::Whole, 0, digest)
            }
        };
        inputs.push(PartInput {
            name,
            size,
            share,
            lines,
            sha256,
        });
    }
    Ok(ShardPlan {
        shard,
        inputs,
        files: PartFiles::default(),
    })
}

/// The SHA-256 of every document a run loads besides its inputs: the
/// `--dids` documents, the status lists and the `--contexts` directory,
/// in the order given (shards must all have seen the same).
pub fn documents_digest(config: &VerifyConfig) -> Result<String, RunError> {
    let mut hash = Sha256::new();
    for (tag, sources) in [("dids", &config.dids), ("status", &config.status_lists)] {
        hash.update(tag.as_bytes());
        for source in sources {
            for file in documents::collect(source)? {
                hash.update((file.bytes.len() as u64).to_le_bytes());
                hash.update(&file.bytes);
            }
        }
    }
    if let Some(dir) = &config.contexts {
        hash.update(b"contexts");
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for f in files {
            let bytes = fs::read(&f).map_err(|source| RunError::Io {
                path: f.clone(),
                source,
            })?;
            hash.update(
                f.strip_prefix(dir)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .as_bytes(),
            );
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(&bytes);
        }
    }
    Ok(hex(&hash.finalize()))
}

/// What a part's manifest records of the run, beside its inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PartRun {
    /// The options verdicts depend on, as one JSON object (compared whole).
    pub options: String,
    /// [`documents_digest`].
    pub documents: String,
}

fn quoted(s: &str) -> String {
    let mut q = Vec::new();
    write_string(&mut q, s);
    String::from_utf8_lossy(&q).into_owned()
}

/// Where a part keeps its verdict bitmaps and its revalidation index,
/// when the shard wrote them: directories inside the part, by their path
/// below it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartFiles {
    /// `--bitmaps`.
    pub bitmaps: Option<String>,
    /// `--index`.
    pub index: Option<String>,
}

/// The SHA-256 over a bitmaps directory: each verdict's file, in the
/// vocabulary's order, its length then its bytes.
fn bitmaps_digest(dir: &Path) -> std::io::Result<String> {
    let mut hash = Sha256::new();
    for verdict in Verdict::ALL {
        let bytes = fs::read(dir.join(format!("{verdict}.roaring")))?;
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hex(&hash.finalize()))
}

/// A relative path inside a part, as `part.json` names one: plain
/// components only.
pub fn inside(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Writes `dir/part.json` for a shard that wrote `dir/verdicts.jsonl`
/// (and the bitmaps and index its plan's `files` names).
pub fn write_manifest(
    dir: &Path,
    plan: &ShardPlan,
    run: &PartRun,
    summary: &RunSummary,
) -> Result<(), RunError> {
    let files = &plan.files;
    let io_at = |path: PathBuf| move |source| RunError::Io { path, source };
    let bitmaps = match &files.bitmaps {
        Some(rel) => {
            let digest = bitmaps_digest(&dir.join(rel)).map_err(io_at(dir.join(rel)))?;
            format!("{{\"dir\":{},\"sha256\":\"{digest}\"}}", quoted(rel))
        }
        None => "null".to_owned(),
    };
    let index = match &files.index {
        Some(rel) => {
            let path = dir.join(rel).join("manifest.json");
            let bytes = fs::read(&path).map_err(io_at(path.clone()))?;
            format!(
                "{{\"dir\":{},\"sha256\":\"{}\"}}",
                quoted(rel),
                hex(&Sha256::digest(&bytes))
            )
        }
        None => "null".to_owned(),
    };
    let verdicts = dir.join(VERDICTS);
    let bytes = fs::read(&verdicts).map_err(|source| RunError::Io {
        path: verdicts.clone(),
        source,
    })?;
    let inputs: Vec<String> = plan
        .inputs
        .iter()
        .zip(summary.records_per_input.iter().chain(std::iter::repeat(&0)))
        .map(|(i, records)| {
            let (share, start, end, of) = match &i.share {
                Share::Skip => ("skip", 0, 0, 0),
                Share::Whole => ("whole", 0, i.size, 0),
                Share::Bytes(r) => ("bytes", r.start, r.end, 0),
                Share::Records { range, of } => ("records", range.start, range.end, *of),
            };
            format!(
                "{{\"name\":{},\"size\":{},\"share\":\"{share}\",\"start\":{start},\"end\":{end},\"of\":{of},\"lines\":{},\"records\":{records},\"sha256\":\"{}\"}}",
                quoted(&i.name),
                i.size,
                i.lines,
                i.sha256
            )
        })
        .collect();
    let text = format!(
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"credverify\":\"{}\",\"shard\":{},\"shards\":{},\"options\":{},\"documents\":\"{}\",\"verdicts\":{{\"bytes\":{},\"sha256\":\"{}\"}},\"bitmaps\":{bitmaps},\"index\":{index},\"inputs\":[{}],\"issuers_first\":[{}],\"summary\":{}}}\n",
        env!("CARGO_PKG_VERSION"),
        plan.shard.index,
        plan.shard.count,
        run.options,
        run.documents,
        bytes.len(),
        hex(&Sha256::digest(&bytes)),
        inputs.join(","),
        summary
            .issuers_first
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        summary.to_json().trim_end()
    );
    let path = dir.join(MANIFEST);
    fs::write(&path, text).map_err(|source| RunError::Io { path, source })
}

/// Why parts cannot be merged: exit 2, nothing written.
#[derive(Debug, thiserror::Error)]
#[error("merge: {0}")]
pub struct MergeError(pub String);

/// One part, read and checked on its own.
struct Part {
    dir: PathBuf,
    shard: Shard,
    credverify: String,
    options: String,
    documents: String,
    inputs: Vec<(PartInput, u64)>,
    verdict_counts: [u64; 14],
    summary: PartSummary,
    verdicts: crate::source::ChunkData,
    /// Its bitmaps and index directories, and their digests.
    bitmaps: Option<(PathBuf, String)>,
    index: Option<(PathBuf, String)>,
}

/// What a part's summary adds to the merged one.
#[derive(Default)]
struct PartSummary {
    as_of: String,
    elapsed: f64,
    threads: u64,
    batch_size: u64,
    signatures: u64,
    hosted: u64,
    given: Vec<String>,
    files: u64,
    skipped: Vec<(String, u64)>,
    walk_errors: Vec<(String, String)>,
    unreadable: Vec<(String, String)>,
    damaged: Vec<(String, u64)>,
    issuers: Vec<(Option<String>, [u64; 14])>,
    /// Per issuer with an id, in `issuers`' order, its first record's
    /// ordinal in the part.
    issuers_first: Vec<u64>,
    others: Option<[u64; 14]>,
}

fn bad(dir: &Path, what: impl std::fmt::Display) -> MergeError {
    MergeError(format!("{}: {what}", dir.display()))
}

fn counts_of(v: Option<Value<'_>>) -> [u64; 14] {
    let mut counts = [0u64; 14];
    if let Some(v) = v {
        for verdict in Verdict::ALL {
            counts[verdict as usize] = v.get(verdict.as_str()).and_then(Value::as_u64).unwrap_or(0);
        }
    }
    counts
}

fn read_part(dir: &Path) -> Result<Part, MergeError> {
    let manifest =
        fs::read(dir.join(MANIFEST)).map_err(|e| bad(dir, format!("{MANIFEST}: {e}")))?;
    // Mapped: a merge of many large parts holds none of them in memory.
    let verdicts = crate::source::map_or_read(&dir.join(VERDICTS))
        .map_err(|e| bad(dir, format!("{VERDICTS}: {e}")))?;
    let mut parser = JsonParser::default();
    let part = parser
        .with_doc(&manifest, |m| -> Result<Part, MergeError> {
            let s = |v: Value<'_>, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            let n = |v: Value<'_>, k: &str| v.get(k).and_then(Value::as_u64);
            if s(m, "format").as_deref() != Some(FORMAT) || n(m, "version") != Some(VERSION) {
                return Err(bad(
                    dir,
                    format!("not a part of layout {VERSION} ({FORMAT})"),
                ));
            }
            let shard = Shard::new(
                n(m, "shard").ok_or_else(|| bad(dir, "no shard"))?,
                n(m, "shards").ok_or_else(|| bad(dir, "no shard count"))?,
            )
            .map_err(|e| bad(dir, e))?;
            let recorded = m
                .get("verdicts")
                .ok_or_else(|| bad(dir, "no verdicts entry"))?;
            let verdicts = verdicts.bytes();
            if n(recorded, "bytes") != Some(verdicts.len() as u64)
                || s(recorded, "sha256").as_deref() != Some(hex(&Sha256::digest(verdicts)).as_str())
            {
                return Err(bad(
                    dir,
                    format!(
                        "{VERDICTS} is not the file its {MANIFEST} names (truncated or edited)"
                    ),
                ));
            }
            let files = |k: &str| -> Result<Option<(PathBuf, String)>, MergeError> {
                match m.get(k).filter(|v| v.is_object()) {
                    None => Ok(None),
                    Some(v) => match (s(v, "dir"), s(v, "sha256")) {
                        (Some(rel), Some(sha)) if inside(&rel) => Ok(Some((dir.join(rel), sha))),
                        _ => Err(bad(
                            dir,
                            format!("its {k} entry names no directory inside it"),
                        )),
                    },
                }
            };
            let (bitmaps, index) = (files("bitmaps")?, files("index")?);
            let mut inputs = Vec::new();
            for i in m
                .get("inputs")
                .map(|v| v.elements().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                let (start, end) = (n(i, "start").unwrap_or(0), n(i, "end").unwrap_or(0));
                let share = match s(i, "share").as_deref() {
                    Some("skip") => Share::Skip,
                    Some("whole") => Share::Whole,
                    Some("bytes") if start <= end => Share::Bytes(start..end),
                    Some("records") if start <= end => Share::Records {
                        range: start..end,
                        of: n(i, "of").unwrap_or(0),
                    },
                    _ => return Err(bad(dir, "an input with no share")),
                };
                inputs.push((
                    PartInput {
                        name: s(i, "name").ok_or_else(|| bad(dir, "an input with no name"))?,
                        size: n(i, "size").unwrap_or(0),
                        share,
                        lines: n(i, "lines").unwrap_or(0),
                        sha256: s(i, "sha256").unwrap_or_default(),
                    },
                    n(i, "records").ok_or_else(|| bad(dir, "an input with no record count"))?,
                ));
            }
            let sm = m.get("summary").ok_or_else(|| bad(dir, "no summary"))?;
            let strings = |v: Option<Value<'_>>| -> Vec<String> {
                v.map(|a| {
                    a.elements()
                        .filter_map(|e| e.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
            };
            let pairs = |v: Option<Value<'_>>, a: &str, b: &str| -> Vec<(String, String)> {
                v.map(|l| {
                    l.elements()
                        .map(|e| (s(e, a).unwrap_or_default(), s(e, b).unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default()
            };
            let summary = PartSummary {
                as_of: s(sm, "as_of").unwrap_or_default(),
                elapsed: sm
                    .get("elapsed_seconds")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0),
                threads: n(sm, "threads").unwrap_or(0),
                batch_size: n(sm, "batch_size").unwrap_or(0),
                signatures: n(sm, "signatures").unwrap_or(0),
                hosted: n(sm, "hosted_assertions").unwrap_or(0),
                given: strings(sm.get("inputs")),
                files: n(sm, "files").unwrap_or(0),
                skipped: sm
                    .get("skipped_files")
                    .map(|o| {
                        o.members()
                            .map(|(k, v)| (k.to_owned(), v.as_u64().unwrap_or(0)))
                            .collect()
                    })
                    .unwrap_or_default(),
                walk_errors: pairs(sm.get("walk_errors"), "path", "error"),
                unreadable: pairs(sm.get("unreadable"), "path", "error"),
                damaged: sm
                    .get("damaged_inputs")
                    .map(|l| {
                        l.elements()
                            .map(|e| {
                                (
                                    s(e, "input").unwrap_or_default(),
                                    n(e, "element").unwrap_or(0),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                issuers: sm
                    .get("issuers")
                    .map(|l| {
                        l.elements()
                            .map(|e| (s(e, "issuer"), counts_of(e.get("verdicts"))))
                            .collect()
                    })
                    .unwrap_or_default(),
                issuers_first: m
                    .get("issuers_first")
                    .map(|l| l.elements().filter_map(|e| e.as_u64()).collect())
                    .unwrap_or_default(),
                others: sm
                    .get("other_issuers")
                    .filter(|o| o.is_object())
                    .map(|o| counts_of(o.get("verdicts"))),
            };
            Ok(Part {
                dir: dir.to_owned(),
                shard,
                credverify: s(m, "credverify").unwrap_or_default(),
                options: m
                    .get("options")
                    .map(|o| {
                        let mut out = Vec::new();
                        crate::jsonld::json::Json::from_value(o).write_jcs(&mut out);
                        String::from_utf8_lossy(&out).into_owned()
                    })
                    .unwrap_or_default(),
                documents: s(m, "documents").unwrap_or_default(),
                inputs,
                verdict_counts: counts_of(sm.get("verdicts")),
                summary,
                verdicts: crate::source::ChunkData::Owned(Vec::new()),
                bitmaps,
                index,
            })
        })
        .map_err(|p| bad(dir, format!("{MANIFEST} is not JSON ({p})")))??;
    Ok(Part { verdicts, ..part })
}

/// Checks that `parts` are every part of one run, once each, and returns
/// them in shard order.
fn check_parts(mut parts: Vec<Part>) -> Result<Vec<Part>, MergeError> {
    parts.sort_by_key(|p| p.shard.index);
    let Some(first) = parts.first() else {
        return Err(MergeError("no parts given".into()));
    };
    let n = first.shard.count;
    for p in &parts {
        let differs = |what: &str| {
            MergeError(format!(
                "{} and {} are parts of different runs: their {what} differ",
                first.dir.display(),
                p.dir.display()
            ))
        };
        if p.credverify != first.credverify {
            return Err(differs("credverify versions"));
        }
        if p.shard.count != n {
            return Err(differs("shard counts"));
        }
        if p.options != first.options {
            return Err(differs("options"));
        }
        if p.documents != first.documents {
            return Err(differs("DID documents, status lists or contexts"));
        }
        let same_inputs = p.inputs.len() == first.inputs.len()
            && p.inputs
                .iter()
                .zip(&first.inputs)
                .all(|(a, b)| a.0.name == b.0.name && a.0.size == b.0.size);
        if !same_inputs {
            return Err(differs("inputs"));
        }
    }
    for (k, w) in parts.windows(2).enumerate() {
        if w[0].shard.index == w[1].shard.index {
            return Err(MergeError(format!(
                "part {} is given twice ({} and {})",
                w[0].shard.index,
                w[0].dir.display(),
                w[1].dir.display()
            )));
        }
        let _ = k;
    }
    for p in &parts {
        if p.verdict_counts.iter().sum::<u64>() != part_records(p) {
            return Err(bad(
                &p.dir,
                "its summary's verdicts do not add up to its records",
            ));
        }
    }
    let have: Vec<u64> = parts.iter().map(|p| p.shard.index).collect();
    if let Some(missing) = (0..n).find(|k| !have.contains(k)) {
        return Err(MergeError(format!("part {missing} of {n} is missing")));
    }
    // Every input read once (whole) or cut into adjacent ranges covering
    // it, as the shards' plans say.
    for i in 0..first.inputs.len() {
        let name = &first.inputs[i].0.name;
        let shares: Vec<&Share> = parts.iter().map(|p| &p.inputs[i].0.share).collect();
        let whole = shares.iter().filter(|s| ***s == Share::Whole).count();
        let ranges: Vec<&std::ops::Range<u64>> = shares
            .iter()
            .filter_map(|s| match s {
                Share::Bytes(r) => Some(r),
                _ => None,
            })
            .collect();
        let streamed: Vec<(&std::ops::Range<u64>, u64, u64)> = parts
            .iter()
            .filter_map(|p| match &p.inputs[i].0.share {
                Share::Records { range, of } => Some((range, *of, p.inputs[i].1)),
                _ => None,
            })
            .collect();
        // Every shard of a stream read all of it: they must have read the
        // same bytes.
        let digests = || {
            parts
                .iter()
                .all(|p| p.inputs[i].0.sha256 == first.inputs[i].0.sha256)
        };
        if !streamed.is_empty() && !digests() {
            return Err(MergeError(format!(
                "{name}: the shards read different bytes (the file changed between them)"
            )));
        }
        let ok = if !streamed.is_empty() {
            // A stream shared by records: every part judged its share.
            let of = streamed[0].1;
            streamed.len() == parts.len()
                && streamed[0].0.start == 0
                && streamed.windows(2).all(|w| w[0].0.end == w[1].0.start)
                && streamed
                    .iter()
                    .all(|(r, o, records)| *o == of && r.end - r.start == *records)
                && streamed.last().is_some_and(|(r, _, _)| r.end == of)
        } else if ranges.is_empty() {
            whole == 1
        } else {
            whole == 0
                && ranges[0].start == 0
                && ranges.windows(2).all(|w| w[0].end == w[1].start)
                && ranges
                    .last()
                    .is_some_and(|r| r.end == first.inputs[i].0.size)
        };
        if !ok {
            return Err(MergeError(format!(
                "{name}: the parts do not read it exactly once"
            )));
        }
    }
    Ok(parts)
}

/// The verdict a JSON Lines verdict line gives (`"verdict":"WORD"`: the
/// writer escapes every quote inside a string, so the first match is the
/// member).
fn verdict_word(line: &[u8]) -> Option<Verdict> {
    const KEY: &[u8] = b"\"verdict\":\"";
    let at = memchr::memmem::find(line, KEY)? + KEY.len();
    let len = memchr::memchr(b'"', &line[at..])?;
    Verdict::from_word(std::str::from_utf8(&line[at..at + len]).ok()?)
}

/// `"line":N` of a JSON Lines verdict, at the start of `line` after the
/// optional `"file"` member: where the number is.
fn line_number(line: &[u8]) -> Option<(usize, usize, u64)> {
    const KEY: &[u8] = b"\"line\":";
    let at = memchr::memmem::find(line, KEY)? + KEY.len();
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let n = std::str::from_utf8(&line[at..at + digits])
        .ok()?
        .parse()
        .ok()?;
    Some((at, at + digits, n))
}

/// What `merge` writes besides the verdicts and the summary.
#[derive(Clone, Debug, Default)]
pub struct MergeOutputs {
    /// `--bitmaps DIR`: the parts' bitmaps, shifted to the run's ordinals.
    pub bitmaps: Option<PathBuf>,
    /// `--index DIR`: the parts' indexes joined into the run's.
    pub index: Option<PathBuf>,
}

impl From<crate::index::IndexError> for MergeError {
    fn from(e: crate::index::IndexError) -> MergeError {
        MergeError(format!("index: {e}"))
    }
}

/// The records of one input that one part holds, and where they go: from
/// ordinal `from` of the part to ordinal `to` of the run, `len` of them;
/// a cut JSON Lines file's lines are `line_base` after the part's.
#[derive(Clone, Copy, Debug)]
struct Segment {
    part: usize,
    input: usize,
    from: u64,
    to: u64,
    len: u64,
    line_base: u64,
    renumber: bool,
}

/// Each part's segments, in the order of its ordinals: where a part's
/// ordinal is in the run's numbering.
struct Ordinals<'s> {
    of_part: Vec<Vec<&'s Segment>>,
}

impl<'s> Ordinals<'s> {
    fn new(segments: &'s [Segment], parts: usize) -> Ordinals<'s> {
        let mut of_part: Vec<Vec<&Segment>> = vec![Vec::new(); parts];
        for seg in segments.iter().filter(|s| s.len > 0) {
            of_part[seg.part].push(seg);
        }
        Ordinals { of_part }
    }

    /// The run's ordinal of record `ordinal` of part `part`.
    fn global(&self, part: usize, ordinal: u64) -> Option<u64> {
        let segs = self.of_part.get(part)?;
        let at = segs.partition_point(|s| s.from + s.len <= ordinal);
        segs.get(at)
            .filter(|s| s.from <= ordinal)
            .map(|s| ordinal - s.from + s.to)
    }
}

/// The segments of the run, in its order: input by input, part by part.
fn segments(parts: &[Part]) -> Vec<Segment> {
    let inputs = parts[0].inputs.len();
    let mut from = vec![0u64; parts.len()];
    let mut to = 0u64;
    let mut segments = Vec::with_capacity(inputs * parts.len());
    for input in 0..inputs {
        let mut line_base = 0u64;
        for (k, part) in parts.iter().enumerate() {
            let (share, len) = (&part.inputs[input].0, part.inputs[input].1);
            segments.push(Segment {
                part: k,
                input,
                from: from[k],
                to,
                len,
                line_base,
                renumber: matches!(share.share, Share::Bytes(_)),
            });
            from[k] += len;
            to += len;
            line_base += share.lines;
        }
    }
    segments
}

/// Every part's records in all.
fn part_records(part: &Part) -> u64 {
    part.inputs.iter().map(|(_, n)| n).sum()
}

/// Each part's bitmaps, read and checked: its own digest, one set per
/// verdict as large as the part's count of it, no ordinal past its
/// records.
fn load_bitmaps(parts: &[Part]) -> Result<Vec<Vec<roaring::RoaringBitmap>>, MergeError> {
    parts
        .iter()
        .map(|p| {
            let Some((dir, sha)) = &p.bitmaps else {
                return Err(bad(
                    &p.dir,
                    "the part holds no bitmaps (its shard ran without --bitmaps PART/bitmaps)",
                ));
            };
            let digest = bitmaps_digest(dir).map_err(|e| bad(dir, e))?;
            if digest != *sha {
                return Err(bad(
                    dir,
                    format!(
                        "the bitmaps are not the ones its {MANIFEST} names (truncated or edited)"
                    ),
                ));
            }
            let records = part_records(p);
            Verdict::ALL
                .iter()
                .map(|v| {
                    let path = dir.join(format!("{v}.roaring"));
                    let bytes = fs::read(&path).map_err(|e| bad(&path, e))?;
                    let set = roaring::RoaringBitmap::deserialize_from(&bytes[..])
                        .map_err(|e| bad(&path, format!("not a roaring bitmap ({e})")))?;
                    if set.len() != p.verdict_counts[*v as usize]
                        || set.max().is_some_and(|m| u64::from(m) >= records)
                    {
                        return Err(bad(&path, "not the part's records of that verdict"));
                    }
                    Ok(set)
                })
                .collect()
        })
        .collect()
}

/// Each part's index, opened and checked whole: its manifest the one its
/// `part.json` names, as many records of each verdict as the part holds,
/// every chunk's digest, and the same run as the first part's.
fn open_indexes(parts: &[Part]) -> Result<Vec<crate::index::Index>, MergeError> {
    let mut indexes: Vec<crate::index::Index> = Vec::with_capacity(parts.len());
    for p in parts {
        let Some((dir, sha)) = &p.index else {
            return Err(bad(
                &p.dir,
                "the part holds no index (its shard ran without --index PART/index)",
            ));
        };
        let manifest = dir.join("manifest.json");
        let bytes = fs::read(&manifest).map_err(|e| bad(&manifest, e))?;
        if hex(&Sha256::digest(&bytes)) != *sha {
            return Err(bad(
                dir,
                format!("the index is not the one its {MANIFEST} names (edited)"),
            ));
        }
        let index = crate::index::Index::open(dir)?;
        index.check(None)?;
        let counts_match = Verdict::ALL
            .iter()
            .all(|v| index.verdicts[*v as usize].len() == p.verdict_counts[*v as usize]);
        if index.manifest.records != part_records(p) || !counts_match {
            return Err(bad(dir, "the index does not hold the part's records"));
        }
        let same_run = |first: &crate::index::Index| {
            let mut theirs = index.manifest.clone();
            theirs.records = first.manifest.records;
            theirs == first.manifest
        };
        if indexes.first().is_some_and(|first| !same_run(first)) {
            return Err(bad(
                dir,
                "the index is not of the same run as the first part's",
            ));
        }
        indexes.push(index);
    }
    Ok(indexes)
}

/// Joins `parts` (directories) into `out` (verdicts, as one run writes
/// them), and into the bitmaps and index `outputs` names; returns the
/// merged summary: counts added up, `elapsed` the longest shard's;
/// `core_seconds` is every shard's added up. Everything is checked before
/// anything but the verdicts is written; a failure then leaves what was
/// written incomplete, and the caller discards the verdicts.
pub fn merge(
    part_dirs: &[PathBuf],
    out: &mut dyn Write,
    outputs: &MergeOutputs,
) -> Result<(RunSummary, f64), MergeError> {
    merge_observed(part_dirs, out, outputs, &|| false)
}

/// Why [`merge_observed`] stopped when `cancelled` said so.
pub const STOPPED: &str = "stopped before the end";

/// [`merge`], asking `cancelled` between runs of records; when it says
/// so, the merge stops with [`STOPPED`] and its index is not written.
pub fn merge_observed(
    part_dirs: &[PathBuf],
    out: &mut dyn Write,
    outputs: &MergeOutputs,
    cancelled: &dyn Fn() -> bool,
) -> Result<(RunSummary, f64), MergeError> {
    let stop = || {
        if cancelled() {
            Err(MergeError(STOPPED.into()))
        } else {
            Ok(())
        }
    };
    let parts = part_dirs
        .iter()
        .map(|d| read_part(d))
        .collect::<Result<Vec<_>, _>>()?;
    let parts = check_parts(parts)?;
    let bitmaps = match outputs.bitmaps {
        Some(_) => Some(load_bitmaps(&parts)?),
        None => None,
    };
    let indexes = match outputs.index {
        Some(_) => Some(open_indexes(&parts)?),
        None => None,
    };
    let segments = segments(&parts);
    let inputs = parts[0].inputs.len();
    // Each part's verdicts, a cursor each, split into lines.
    let mut cursors: Vec<(&[u8], usize)> =
        parts.iter().map(|p| (p.verdicts.bytes(), 0usize)).collect();
    let mut records_per_input = vec![0u64; inputs];
    // With bitmaps or an index: each record's verdict, in the run's order,
    // as its verdict line says, which both must agree with.
    let mut verdict_of: Option<Vec<u8>> = (bitmaps.is_some() || indexes.is_some()).then(Vec::new);
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let write_err =
        |e: std::io::Error| MergeError(format!("cannot write the merged verdicts: {e}"));
    for seg in &segments {
        stop()?;
        let part = &parts[seg.part];
        let (text, pos) = &mut cursors[seg.part];
        for n in 0..seg.len {
            if n % 65_536 == 65_535 {
                stop()?;
            }
            let rest = &text[*pos..];
            let end = memchr::memchr(b'\n', rest)
                .map(|e| e + 1)
                .ok_or_else(|| bad(&part.dir, "fewer verdicts than its manifest counts"))?;
            let line = &rest[..end];
            if let Some(verdicts) = &mut verdict_of {
                let verdict = verdict_word(line)
                    .ok_or_else(|| bad(&part.dir, "a verdict line without its verdict"))?;
                verdicts.push(verdict as u8);
            }
            match (seg.renumber, line_number(line)) {
                (true, Some((a, b, n))) => {
                    out.write_all(&line[..a]).map_err(write_err)?;
                    write!(out, "{}", n + seg.line_base).map_err(write_err)?;
                    out.write_all(&line[b..]).map_err(write_err)?;
                }
                (true, None) => {
                    return Err(bad(&part.dir, "a verdict without a line number"));
                }
                (false, _) => out.write_all(line).map_err(write_err)?,
            }
            *pos += end;
        }
        records_per_input[seg.input] += seg.len;
    }
    for (k, part) in parts.iter().enumerate() {
        if cursors[k].1 != part.verdicts.bytes().len() {
            return Err(bad(&part.dir, "more verdicts than its manifest counts"));
        }
    }
    out.flush().map_err(write_err)?;
    let summary = merged_summary(
        &parts,
        records_per_input,
        &Ordinals::new(&segments, parts.len()),
    )?;
    if let (Some(dest), Some(indexes)) = (&outputs.index, &indexes) {
        let verdicts = verdict_of.as_deref().unwrap_or_default();
        join_indexes(indexes, &segments, verdicts, dest, &stop)?;
    }
    if let (Some(dir), Some(sets)) = (&outputs.bitmaps, &bitmaps) {
        let mut merged = vec![roaring::RoaringBitmap::new(); Verdict::ALL.len()];
        for seg in &segments {
            for (v, set) in merged.iter_mut().enumerate() {
                let shift = |x: u32| (u64::from(x) - seg.from + seg.to) as u32;
                let range = seg.from as u32..(seg.from + seg.len) as u32;
                set.append(sets[seg.part][v].range(range).map(shift))
                    .map_err(|e| MergeError(format!("bitmaps: {e}")))?;
            }
        }
        // The sets must be the verdict lines' (a part's bitmaps may hold
        // the right counts and still put records under other verdicts).
        let mut lines = vec![roaring::RoaringBitmap::new(); Verdict::ALL.len()];
        for (ordinal, &v) in verdict_of.as_deref().unwrap_or_default().iter().enumerate() {
            lines[usize::from(v)].insert(ordinal as u32);
        }
        if let Some(v) = (0..merged.len()).find(|&v| merged[v] != lines[v]) {
            let part = segments
                .iter()
                .find(|seg| {
                    let shift = |x: u32| (u64::from(x) - seg.from + seg.to) as u32;
                    let range = seg.from as u32..(seg.from + seg.len) as u32;
                    !sets[seg.part][v]
                        .range(range)
                        .map(shift)
                        .eq(lines[v].range(seg.to as u32..(seg.to + seg.len) as u32))
                })
                .map_or(&parts[0].dir, |seg| &parts[seg.part].dir);
            return Err(bad(
                part,
                format!("its bitmap of {} is not its verdicts'", Verdict::ALL[v]),
            ));
        }
        crate::report::bitmaps::write_sets(dir, &merged).map_err(|(path, e)| bad(&path, e))?;
    }
    Ok(summary)
}

/// Writes at `dest` the index one run would have written: the parts'
/// records in the run's order (each part's lines of a cut file
/// renumbered), encoded again, with the first part's documents, contexts
/// and manifest, and each status posting's answer as its part kept it.
fn join_indexes(
    indexes: &[crate::index::Index],
    segments: &[Segment],
    verdicts: &[u8],
    dest: &Path,
    stop: &dyn Fn() -> Result<(), MergeError>,
) -> Result<(), MergeError> {
    use crate::index::{IndexWriter, Posting, Prepared};
    let mut sink = crate::report::NullSink;
    let mut writer = IndexWriter::create(&mut sink, dest)?;
    let result = (|| -> Result<(), MergeError> {
        let mut prepared = Prepared::default();
        let mut places: Vec<(usize, u64, Verdict)> = Vec::new();
        let flush = |writer: &mut IndexWriter<'_>,
                     prepared: &mut Prepared,
                     places: &mut Vec<(usize, u64, Verdict)>|
         -> Result<(), MergeError> {
            for (n, &(input, line, verdict)) in places.iter().enumerate() {
                let record = prepared.record(n).expect("a record for each place");
                writer
                    .add(input, line, verdict, record)
                    .map_err(|e| MergeError(format!("index: {e}")))?;
            }
            prepared.clear();
            places.clear();
            Ok(())
        };
        for seg in segments {
            let mut seen = 0u64;
            let range = seg.from as u32..(seg.from + seg.len) as u32;
            indexes[seg.part].for_each_in(range, |_, rec| -> Result<(), MergeError> {
                if rec.input != seg.input {
                    return Err(bad(&indexes[seg.part].dir, "a record of another input"));
                }
                let ordinal = (seg.to + seen) as usize;
                if verdicts.get(ordinal) != Some(&(rec.verdict as u8)) {
                    return Err(bad(
                        &indexes[seg.part].dir,
                        "a record whose verdict is not its verdict line's",
                    ));
                }
                let line = rec.line + if seg.renumber { seg.line_base } else { 0 };
                prepared.push_record(&rec, None);
                places.push((rec.input, line, rec.verdict));
                seen += 1;
                if places.len() >= 1024 {
                    flush(&mut writer, &mut prepared, &mut places)?;
                    stop()?;
                }
                Ok(())
            })?;
            if seen != seg.len {
                return Err(bad(
                    &indexes[seg.part].dir,
                    "fewer records than the part holds",
                ));
            }
        }
        flush(&mut writer, &mut prepared, &mut places)
    })();
    if let Err(e) = result {
        writer.abandon();
        return Err(e);
    }
    let ordinals = Ordinals::new(segments, indexes.len());
    let global =
        |part: usize, ordinal: u32| ordinals.global(part, u64::from(ordinal)).map(|o| o as u32);
    let by_url: Vec<std::collections::HashMap<&str, &crate::index::UrlPostings>> = indexes
        .iter()
        .map(|i| i.postings.iter().map(|u| (u.url.as_str(), u)).collect())
        .collect();
    let first = &indexes[0];
    let documents = first.documents()?;
    let contexts = first.contexts.then(|| first.dir.join("contexts"));
    let mut answer = |url: &str, postings: &mut [Posting]| {
        let wrong = || crate::index::IndexError::Refused {
            path: first.dir.clone(),
            why: format!("the parts' postings of {url} are not their records'"),
        };
        let mut joined: Vec<Posting> = Vec::with_capacity(postings.len());
        let mut fingerprint: Option<Option<[u8; 32]>> = None;
        for (k, urls) in by_url.iter().enumerate() {
            let Some(u) = urls.get(url) else { continue };
            if fingerprint.is_some_and(|f| f != u.fingerprint) {
                return Err(wrong());
            }
            fingerprint = Some(u.fingerprint);
            for p in &u.postings {
                let ordinal = global(k, p.ordinal).ok_or_else(wrong)?;
                joined.push(Posting { ordinal, ..*p });
            }
        }
        joined.sort_by_key(|p| p.ordinal);
        let same = joined.len() == postings.len()
            && joined
                .iter()
                .zip(postings.iter())
                .all(|(j, p)| (j.ordinal, j.index, j.size) == (p.ordinal, p.index, p.size));
        if !same {
            return Err(wrong());
        }
        for (p, j) in postings.iter_mut().zip(&joined) {
            p.value = j.value;
        }
        Ok(fingerprint.flatten())
    };
    writer.commit_with(
        &first.manifest,
        &documents,
        contexts.as_deref(),
        &mut answer,
    )?;
    Ok(())
}

/// Adds verdict counts.
fn add(into: &mut [u64; 14], from: &[u64; 14]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// The summary one run would have written, from the parts' summaries.
fn merged_summary(
    parts: &[Part],
    records_per_input: Vec<u64>,
    ordinals: &Ordinals<'_>,
) -> Result<(RunSummary, f64), MergeError> {
    let first = &parts[0].summary;
    let names: Vec<&str> = parts[0]
        .inputs
        .iter()
        .map(|(i, _)| i.name.as_str())
        .collect();
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
    let mut verdicts = [0u64; 14];
    // Per issuer: its counts, and its first record's ordinal in the run.
    let mut by_issuer: std::collections::BTreeMap<Option<String>, ([u64; 14], u64)> =
        Default::default();
    let mut others: Option<[u64; 14]> = None;
    let (mut signatures, mut hosted, mut elapsed, mut core) = (0, 0, 0f64, 0f64);
    let mut damaged = Vec::new();
    let mut unreadable = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        let s = &p.summary;
        if s.issuers_first.len() != s.issuers.iter().filter(|(id, _)| id.is_some()).count() {
            return Err(bad(&p.dir, "its issuers' first records are not given"));
        }
        signatures += s.signatures;
        hosted += s.hosted;
        elapsed = elapsed.max(s.elapsed);
        core += s.elapsed * s.threads.max(1) as f64;
        add(&mut verdicts, &p.verdict_counts);
        let mut firsts = s.issuers_first.iter();
        for (id, counts) in &s.issuers {
            let first = match id {
                Some(_) => firsts
                    .next()
                    .and_then(|&o| ordinals.global(k, o))
                    .ok_or_else(|| bad(&p.dir, "an issuer's first record is not the part's"))?,
                None => 0,
            };
            let entry = by_issuer.entry(id.clone()).or_insert(([0; 14], u64::MAX));
            add(&mut entry.0, counts);
            entry.1 = entry.1.min(first);
        }
        if let Some(o) = &s.others {
            add(others.get_or_insert([0; 14]), o);
        }
        damaged.extend(s.damaged.iter().cloned());
        unreadable.extend(s.unreadable.iter().cloned());
    }
    damaged.sort_by_key(|(name, _)| position(name));
    unreadable.sort_by_key(|(name, _)| position(name));
    // A run counts the first SUMMARY_ISSUERS issuers it meets, and the
    // rest together: the parts' first records tell which those are (an
    // issuer a part counted together was met late in the run too).
    let mut met: Vec<(u64, &String)> = by_issuer
        .iter()
        .filter_map(|(id, (_, first))| Some((*first, id.as_ref()?)))
        .collect();
    met.sort();
    let mut issuers_first = Vec::new();
    let mut issuers: Vec<(Option<String>, [u64; 14])> = Vec::new();
    let mut late = met.split_off(met.len().min(crate::limits::SUMMARY_ISSUERS));
    late.sort_by_key(|(_, id)| *id);
    for (_, id) in late {
        add(
            others.get_or_insert([0; 14]),
            &by_issuer[&Some(id.clone())].0,
        );
    }
    met.sort_by_key(|(_, id)| *id);
    for (first, id) in met {
        issuers.push((Some(id.clone()), by_issuer[&Some(id.clone())].0));
        issuers_first.push(first);
    }
    if let Some((none, _)) = by_issuer.get(&None) {
        issuers.push((None, *none));
    }
    let empty_inputs = names
        .iter()
        .enumerate()
        .filter(|(i, name)| {
            records_per_input[*i] == 0 && !unreadable.iter().any(|(u, _)| u == *name)
        })
        .map(|(_, n)| (*n).to_owned())
        .collect();
    let summary = RunSummary {
        records: records_per_input.iter().sum(),
        verdicts,
        as_of: crate::time::Timestamp::parse(&first.as_of)
            .unwrap_or(crate::time::Timestamp::from_unix(0)),
        elapsed_seconds: elapsed,
        threads: first.threads as usize,
        batch_size: first.batch_size as usize,
        inputs: first.given.clone(),
        signatures,
        damaged_inputs: damaged,
        files: first.files,
        skipped_files: first.skipped.clone(),
        walk_errors: first.walk_errors.clone(),
        unreadable,
        empty_inputs,
        issuers,
        hosted_assertions: hosted,
        other_issuers: others,
        transitions: Vec::new(),
        records_per_input,
        issuers_first,
    };
    Ok((summary, core))
}
