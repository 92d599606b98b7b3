//! The revalidation index (`verify --index DIR`, `credverify recheck DIR`):
//! what a run found in each record that no instant and no status list can
//! change, and what the rest is judged from, so that an archive is judged
//! again at a new date, with new lists, without parsing a record or
//! verifying a signature.
//!
//! Format version 1 (`INDEX.md` at the repository root describes it byte
//! by byte): a directory holding `manifest.json`, `records.bin`,
//! `tables.bin` (each issuer id and each key once), and copies of the run's controller documents (`dids/`)
//! and contexts (`contexts/`), which new status lists are verified with.
//! The manifest names every other file with its size and SHA-256; a file
//! that does not match is refused before anything is read from it. The
//! directory is written beside its destination and renamed into place
//! when the run completes.
//!
//! What a record keeps ([`IndexRecord`]): its place, id, issuer and format;
//! the problems, warnings and evidence found that do not depend on the
//! instant or the lists (everything but validity, a proof's `expires` and
//! status); its contexts; and its [`Revalidation`]: the instants that bound
//! its validity, its proofs' `expires`, where its status is answered from
//! and the keys that verified it.

pub mod codec;

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::report::Sink;
use crate::time::Timestamp;
use crate::verdict::{
    Evidence, EvidenceSet, Format, Problem, Problems, Revalidation, StatusSource, Verdict,
    VerdictRecord, Warning, Warnings,
};
use codec::{Decoder, Encoder};

/// The manifest's `format`.
pub const FORMAT: &str = "credverify-index";

/// The format version this build writes and reads.
pub const VERSION: u64 = 1;

/// Magic numbers opening each binary file.
const RECORDS_MAGIC: &[u8; 8] = b"CVIXREC1";
const TABLES_MAGIC: &[u8; 8] = b"CVIXTAB1";

/// Why an index could not be written or read; a run-level error (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The index is not one this build reads, or is damaged.
    #[error("{}: {why}", path.display())]
    Refused {
        /// The file that decided it.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_owned(),
        source,
    }
}

fn refused(path: &Path, why: impl Into<String>) -> IndexError {
    IndexError::Refused {
        path: path.to_owned(),
        why: why.into(),
    }
}

/// Problems that depend on the instant or on the status lists; a record
/// keeps every other one.
pub fn judged_again(p: Problem) -> bool {
    matches!(
        p,
        Problem::Expired
            | Problem::NotYetValid
            | Problem::ProofExpired
            | Problem::Revoked
            | Problem::Suspended
    ) || p.verdict() == Verdict::StatusUnavailable
}

/// Warnings that status answers give; a record keeps every other one.
pub const STATUS_WARNINGS: [Warning; 5] = [
    Warning::StatusListShort,
    Warning::StatusIndexNumeric,
    Warning::StatusListSameKey,
    Warning::StatusRefresh,
    Warning::StatusListUnsigned,
];

/// One record of an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRecord {
    /// The input it came from (an index into the manifest's `inputs`).
    pub input: usize,
    /// Its line (or element) number in that input.
    pub line: u64,
    /// The credential's id.
    pub id: Option<String>,
    /// The issuer's id.
    pub issuer: Option<String>,
    /// The proof format checked.
    pub format: Option<Format>,
    /// The problems no instant and no list changes.
    pub problems: Problems,
    /// The warnings no instant and no list changes.
    pub warnings: Warnings,
    /// The evidence of those problems.
    pub evidence: EvidenceSet,
    /// Contexts with the digest of the version used (failed JSON-LD
    /// signatures only).
    pub contexts: Vec<(String, String)>,
    /// What judges it again.
    pub revalidation: Revalidation,
    /// Its verdict when the index was written.
    pub verdict: Verdict,
}

impl IndexRecord {
    /// The part of `record` (from `input`, `line`) that an index keeps.
    pub fn of(input: usize, line: u64, record: &VerdictRecord<'_>) -> IndexRecord {
        let problems = record
            .problems
            .iter()
            .filter(|p| !judged_again(*p))
            .collect();
        let warnings = record
            .warnings
            .iter()
            .filter(|w| !STATUS_WARNINGS.contains(w))
            .collect();
        let mut evidence = EvidenceSet::new();
        for (p, e) in record.evidence.iter() {
            if !judged_again(p) {
                evidence.note(p, e.clone());
            }
        }
        IndexRecord {
            input,
            line,
            id: record.id.map(str::to_owned),
            issuer: record.issuer.map(str::to_owned),
            format: record.format,
            problems,
            warnings,
            evidence,
            contexts: record.contexts.to_vec(),
            revalidation: record.revalidation.cloned().unwrap_or_default(),
            verdict: record.verdict(),
        }
    }
}

/// How a verdict was shaped, besides the instant and the lists: what
/// `recheck` must do alike, kept in the manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// `--strict-status`.
    pub strict_status: bool,
    /// `--trust-fragment-keys`.
    pub trust_fragment_keys: bool,
    /// Whether verdicts carry `file`.
    pub named_files: bool,
}

/// What the manifest says besides the files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The instant the run judged at.
    pub as_of: Option<Timestamp>,
    /// Records in the index.
    pub records: u64,
    /// The inputs as named in verdicts.
    pub inputs: Vec<String>,
    /// Options that shaped verdicts.
    pub options: IndexOptions,
    /// The status lists the run used: URL and SHA-256 of the document.
    pub status_lists: Vec<(String, String)>,
}

/// A sink that passes every record on to `inner` and writes the index of
/// the run into a temporary directory beside `dest`, renamed into place by
/// [`IndexWriter::commit`].
pub struct IndexWriter<'s> {
    inner: &'s mut dyn Sink,
    dest: PathBuf,
    tmp: PathBuf,
    records: HashingFile,
    issuers: HashMap<String, u64>,
    issuer_list: Vec<String>,
    keys: HashMap<[u8; 32], u64>,
    key_list: Vec<[u8; 32]>,
    count: u64,
    scratch: Encoder,
}

/// A file written through a buffer, hashed as it is written.
struct HashingFile {
    path: PathBuf,
    out: BufWriter<fs::File>,
    hash: Sha256,
    bytes: u64,
}

impl HashingFile {
    fn create(path: PathBuf) -> Result<HashingFile, IndexError> {
        let file = fs::File::create(&path).map_err(io_error(&path))?;
        Ok(HashingFile {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Flushes and syncs; the size and SHA-256 in hex.
    fn finish(mut self) -> Result<(u64, String), IndexError> {
        self.out.flush().map_err(io_error(&self.path))?;
        let file = self.out.get_ref();
        file.sync_all().map_err(io_error(&self.path))?;
        Ok((self.bytes, hex(&self.hash.finalize())))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The temporary directory an index to `dest` is written in.
pub fn temporary_dir(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.credverify-{}.tmp", std::process::id()))
}

impl<'s> IndexWriter<'s> {
    /// Starts an index to `dest` (which must not exist, or be an empty
    /// directory), passing records on to `inner`.
    pub fn create(inner: &'s mut dyn Sink, dest: &Path) -> Result<IndexWriter<'s>, IndexError> {
        if let Ok(mut entries) = fs::read_dir(dest)
            && entries.next().is_some()
        {
            return Err(refused(dest, "the index directory exists and is not empty"));
        }
        let tmp = temporary_dir(dest);
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(io_error(&tmp))?;
        let records = HashingFile::create(tmp.join("records.bin"))?;
        let mut writer = IndexWriter {
            inner,
            dest: dest.to_owned(),
            tmp,
            records,
            issuers: HashMap::new(),
            issuer_list: Vec::new(),
            keys: HashMap::new(),
            key_list: Vec::new(),
            count: 0,
            scratch: Encoder::default(),
        };
        writer
            .records
            .write(RECORDS_MAGIC)
            .map_err(io_error(&writer.records.path))?;
        Ok(writer)
    }

    /// Where the index is being written.
    pub fn temporary(&self) -> &Path {
        &self.tmp
    }

    /// Writes the tables, the documents and the manifest, then renames
    /// the directory into place. `documents` are the controller documents
    /// (bound URL, bytes); `contexts` the `--contexts` directory.
    pub fn commit(
        self,
        manifest: &Manifest,
        documents: &[(Option<String>, Vec<u8>)],
        contexts: Option<&Path>,
    ) -> Result<(), IndexError> {
        let IndexWriter {
            dest,
            tmp,
            records,
            issuer_list,
            key_list,
            count,
            ..
        } = self;
        let mut files: Vec<(String, u64, String)> = Vec::new();
        let (bytes, sha) = records.finish()?;
        files.push(("records.bin".into(), bytes, sha));
        let mut tables = HashingFile::create(tmp.join("tables.bin"))?;
        let mut e = Encoder::default();
        e.bytes(TABLES_MAGIC);
        e.uint(issuer_list.len() as u64);
        for issuer in &issuer_list {
            e.str(issuer);
        }
        e.uint(key_list.len() as u64);
        for key in &key_list {
            e.bytes(key);
        }
        tables.write(&e.buf).map_err(io_error(&tables.path))?;
        let (bytes, sha) = tables.finish()?;
        files.push(("tables.bin".into(), bytes, sha));
        // The documents, each a file of `dids/`, bound ones through an
        // `index.json` as `--dids` reads a directory.
        let dids = tmp.join("dids");
        fs::create_dir_all(&dids).map_err(io_error(&dids))?;
        let mut bound = Vec::new();
        for (i, (url, bytes)) in documents.iter().enumerate() {
            let name = format!("{i:06}.json");
            let path = dids.join(&name);
            fs::write(&path, bytes).map_err(io_error(&path))?;
            files.push((
                format!("dids/{name}"),
                bytes.len() as u64,
                hex(&Sha256::digest(bytes)),
            ));
            if let Some(url) = url {
                bound.push(format!("{}:{}", quoted(url), quoted(&name)));
            }
        }
        if !bound.is_empty() {
            let text = format!("{{{}}}\n", bound.join(","));
            let path = dids.join("index.json");
            fs::write(&path, &text).map_err(io_error(&path))?;
            files.push((
                "dids/index.json".into(),
                text.len() as u64,
                hex(&Sha256::digest(&text)),
            ));
        }
        if let Some(dir) = contexts {
            for (rel, bytes) in context_files(dir)? {
                let path = tmp.join("contexts").join(&rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(io_error(parent))?;
                }
                fs::write(&path, &bytes).map_err(io_error(&path))?;
                files.push((
                    format!("contexts/{rel}"),
                    bytes.len() as u64,
                    hex(&Sha256::digest(&bytes)),
                ));
            }
        }
        let manifest = Manifest {
            records: count,
            ..manifest.clone()
        };
        let text = manifest_json(&manifest, &files, contexts.is_some());
        let path = tmp.join("manifest.json");
        fs::write(&path, text).map_err(io_error(&path))?;
        let _ = fs::remove_dir(&dest);
        fs::rename(&tmp, &dest).map_err(io_error(&dest))
    }

    /// Removes the temporary directory (a run that failed).
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }

    fn encode(&mut self, input: usize, line: u64, record: &VerdictRecord<'_>) {
        let rec = IndexRecord::of(input, line, record);
        let issuer = rec.issuer.as_ref().map(|i| {
            let next = self.issuer_list.len() as u64;
            *self.issuers.entry(i.clone()).or_insert_with(|| {
                self.issuer_list.push(i.clone());
                next
            })
        });
        let keys: Vec<u64> = rec
            .revalidation
            .signed_by
            .iter()
            .map(|k| {
                let next = self.key_list.len() as u64;
                *self.keys.entry(*k).or_insert_with(|| {
                    self.key_list.push(*k);
                    next
                })
            })
            .collect();
        self.scratch.buf.clear();
        codec::encode_record(&mut self.scratch, &rec, issuer, &keys);
    }
}

impl Sink for IndexWriter<'_> {
    fn record(&mut self, input: usize, line: u64, record: &VerdictRecord<'_>) -> io::Result<()> {
        self.inner.record(input, line, record)?;
        self.encode(input, line, record);
        self.count += 1;
        let bytes = std::mem::take(&mut self.scratch.buf);
        let result = self.records.write(&bytes);
        self.scratch.buf = bytes;
        result
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }
}

fn quoted(s: &str) -> String {
    let mut out = Vec::new();
    crate::json::write::write_string(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

/// The files of a `--contexts` directory: its `index.json` and every file
/// it names, by path below the directory.
fn context_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let index_path = dir.join("index.json");
    let index = fs::read(&index_path).map_err(io_error(&index_path))?;
    let names: Vec<String> = crate::json::JsonParser::default()
        .with_doc(&index, |v| {
            v.members()
                .filter_map(|(_, f)| f.as_str().map(str::to_owned))
                .collect()
        })
        .map_err(|p| refused(&index_path, format!("not JSON ({p})")))?;
    let mut files = vec![("index.json".to_owned(), index)];
    for name in names {
        if name.contains("..") || Path::new(&name).is_absolute() {
            return Err(refused(
                &index_path,
                format!("{name} is outside the directory"),
            ));
        }
        if files.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let path = dir.join(&name);
        let bytes = fs::read(&path).map_err(io_error(&path))?;
        files.push((name, bytes));
    }
    Ok(files)
}

fn manifest_json(m: &Manifest, files: &[(String, u64, String)], contexts: bool) -> String {
    let mut as_of = Vec::new();
    if let Some(t) = m.as_of {
        t.write_rfc3339(&mut as_of);
    }
    let inputs: Vec<String> = m.inputs.iter().map(|i| quoted(i)).collect();
    let lists: Vec<String> = m
        .status_lists
        .iter()
        .map(|(url, sha)| format!("{{\"url\":{},\"sha256\":\"{sha}\"}}", quoted(url)))
        .collect();
    let files: Vec<String> = files
        .iter()
        .map(|(name, bytes, sha)| {
            format!(
                "{}:{{\"bytes\":{bytes},\"sha256\":\"{sha}\"}}",
                quoted(name)
            )
        })
        .collect();
    format!(
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"credverify\":\"{}\",\"as_of\":\"{}\",\"records\":{},\"inputs\":[{}],\"options\":{{\"strict_status\":{},\"trust_fragment_keys\":{},\"named_files\":{}}},\"contexts\":{contexts},\"status_lists\":[{}],\"files\":{{{}}}}}\n",
        env!("CARGO_PKG_VERSION"),
        String::from_utf8_lossy(&as_of),
        m.records,
        inputs.join(","),
        m.options.strict_status,
        m.options.trust_fragment_keys,
        m.options.named_files,
        lists.join(","),
        files.join(",")
    )
}

/// An index read back, every file checked against the manifest.
#[derive(Debug)]
pub struct Index {
    /// What the manifest says.
    pub manifest: Manifest,
    /// The directory.
    pub dir: PathBuf,
    /// Whether the index holds contexts (`contexts/`).
    pub contexts: bool,
    records: Vec<u8>,
    issuers: Vec<String>,
    keys: Vec<[u8; 32]>,
}

impl Index {
    /// Reads the index at `dir`: the manifest, then every file it names,
    /// each checked for size and SHA-256 before it is used.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        let manifest_path = dir.join("manifest.json");
        let text = fs::read(&manifest_path).map_err(io_error(&manifest_path))?;
        let bad = |why: &str| refused(&manifest_path, why.to_owned());
        let mut parser = crate::json::JsonParser::default();
        let (manifest, files, contexts) = parser
            .with_doc(&text, |v| -> Result<_, IndexError> {
                let s = |k: &str| v.get(k).and_then(crate::json::Value::as_str);
                if s("format") != Some(FORMAT) {
                    return Err(bad("not a credverify index (format)"));
                }
                let version = v.get("version").and_then(crate::json::Value::as_u64);
                if version != Some(VERSION) {
                    return Err(bad(&format!(
                        "format version {version:?}; this build reads version {VERSION}"
                    )));
                }
                let as_of = s("as_of")
                    .and_then(|t| Timestamp::parse(t).ok())
                    .ok_or_else(|| bad("no as_of"))?;
                let records = v
                    .get("records")
                    .and_then(crate::json::Value::as_u64)
                    .ok_or_else(|| bad("no records count"))?;
                let inputs = v
                    .get("inputs")
                    .filter(|i| i.is_array())
                    .ok_or_else(|| bad("no inputs"))?
                    .elements()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| bad("an input is not a string"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let options = v.get("options").ok_or_else(|| bad("no options"))?;
                let flag = |k: &str| {
                    options
                        .get(k)
                        .and_then(|f| match f.node() {
                            simd_json::Node::Static(simd_json::StaticNode::Bool(b)) => Some(b),
                            _ => None,
                        })
                        .ok_or_else(|| bad(&format!("no option {k}")))
                };
                let options = IndexOptions {
                    strict_status: flag("strict_status")?,
                    trust_fragment_keys: flag("trust_fragment_keys")?,
                    named_files: flag("named_files")?,
                };
                let contexts = matches!(
                    v.get("contexts").map(|c| c.node()),
                    Some(simd_json::Node::Static(simd_json::StaticNode::Bool(true)))
                );
                let status_lists = v
                    .get("status_lists")
                    .map(|l| {
                        l.elements()
                            .filter_map(|e| {
                                Some((
                                    e.get("url")?.as_str()?.to_owned(),
                                    e.get("sha256")?.as_str()?.to_owned(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let files = v
                    .get("files")
                    .filter(|f| f.is_object())
                    .ok_or_else(|| bad("no files"))?
                    .members()
                    .map(|(name, f)| {
                        let bytes = f.get("bytes").and_then(crate::json::Value::as_u64);
                        let sha = f.get("sha256").and_then(crate::json::Value::as_str);
                        match (bytes, sha) {
                            (Some(b), Some(s)) => Ok((name.to_owned(), b, s.to_owned())),
                            _ => Err(bad("a file without bytes or sha256")),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let manifest = Manifest {
                    as_of: Some(as_of),
                    records,
                    inputs,
                    options,
                    status_lists,
                };
                Ok((manifest, files, contexts))
            })
            .map_err(|p| refused(&manifest_path, format!("not JSON ({p})")))??;
        let mut records = None;
        let mut tables = None;
        for (name, bytes, sha) in &files {
            if name.contains("..") || Path::new(name).is_absolute() {
                return Err(bad(&format!("{name} is outside the index")));
            }
            let path = dir.join(name);
            let data = fs::read(&path).map_err(io_error(&path))?;
            if data.len() as u64 != *bytes {
                return Err(refused(
                    &path,
                    format!("{} bytes, the manifest says {bytes}", data.len()),
                ));
            }
            if hex(&Sha256::digest(&data)) != *sha {
                return Err(refused(
                    &path,
                    "its SHA-256 is not the manifest's: the file changed",
                ));
            }
            match name.as_str() {
                "records.bin" => records = Some(data),
                "tables.bin" => tables = Some(data),
                _ => {}
            }
        }
        let records = records.ok_or_else(|| bad("no records.bin"))?;
        let tables_path = dir.join("tables.bin");
        let tables_bytes = tables.ok_or_else(|| bad("no tables.bin"))?;
        let mut d = Decoder::new(&tables_bytes);
        let damaged = |why: String| refused(&tables_path, why);
        if d.bytes(8).map_err(damaged)? != TABLES_MAGIC {
            return Err(refused(&tables_path, "not a tables file"));
        }
        let mut issuer_list = Vec::new();
        for _ in 0..d.count(1).map_err(damaged)? {
            issuer_list.push(d.str().map_err(damaged)?.to_owned());
        }
        let mut keys = Vec::new();
        for _ in 0..d.count(32).map_err(damaged)? {
            let mut key = [0u8; 32];
            key.copy_from_slice(d.bytes(32).map_err(damaged)?);
            keys.push(key);
        }
        if !d.is_empty() {
            return Err(refused(&tables_path, "bytes after the tables"));
        }
        if !records.starts_with(RECORDS_MAGIC) {
            return Err(refused(&dir.join("records.bin"), "not a records file"));
        }
        let index = Index {
            manifest,
            dir: dir.to_owned(),
            contexts,
            records,
            issuers: issuer_list,
            keys,
        };
        // Every record decodes before any is judged: a damaged index is
        // refused whole, never half read.
        index.for_each(|_| Ok::<(), IndexError>(()))?;
        Ok(index)
    }

    /// Calls `f` with every record, in order. [`Index::open`] has decoded
    /// them all once already, so only `f` can fail here.
    pub fn for_each<E: From<IndexError>>(
        &self,
        mut f: impl FnMut(IndexRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        let path = self.dir.join("records.bin");
        let mut d = Decoder::new(&self.records[RECORDS_MAGIC.len()..]);
        let mut seen = 0u64;
        while !d.is_empty() {
            let rec = codec::decode_record(
                &mut d,
                &self.issuers,
                &self.keys,
                self.manifest.inputs.len(),
            )
            .map_err(|why| refused(&path, format!("record {}: {why}", seen + 1)))?;
            f(rec)?;
            seen += 1;
        }
        if seen != self.manifest.records {
            return Err(refused(
                &path,
                format!(
                    "{seen} records, the manifest says {}",
                    self.manifest.records
                ),
            )
            .into());
        }
        Ok(())
    }
}

/// Evidence kinds an index keeps (those of problems it keeps).
pub(crate) fn evidence_kind(e: &Evidence) -> Option<u8> {
    match e {
        Evidence::Method { .. } => Some(1),
        Evidence::Controller { .. } => Some(2),
        Evidence::Context { .. } => Some(3),
        _ => None,
    }
}

/// The status source's kind byte.
pub(crate) fn status_kind(s: &Option<StatusSource>) -> u8 {
    match s {
        None => 0,
        Some(StatusSource::Entries(_)) => 1,
        Some(StatusSource::Ob2List(_)) => 2,
    }
}
