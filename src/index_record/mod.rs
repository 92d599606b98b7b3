//! A record as the revalidation index keeps it ([`IndexRecord`]): what a
//! run found in it that no instant and no status list can change, and
//! what the rest is judged from ([`Revalidation`]); its byte encoding
//! ([`codec`], `INDEX.md` at the repository root); and that encoding made
//! by the worker that judged the record ([`prepare`]), which the index
//! writer (`crate::index`) completes with positions in its tables.
//!
//! What a record keeps: its place, id, issuer and format; the problems,
//! warnings and evidence found that do not depend on the instant or the
//! lists (everything but validity, a proof's `expires` and status); its
//! contexts; and its [`Revalidation`]: the instants that bound its
//! validity, its proofs' `expires`, where its status is answered from and
//! the keys that verified it.

pub mod codec;
pub mod prepare;

use crate::time::Timestamp;
use crate::verdict::{
    Evidence, EvidenceSet, Format, Problem, Problems, Revalidation, StatusSource, Verdict,
    VerdictRecord, Warning, Warnings,
};

pub use prepare::{Prepared, PreparedRecord, StatusPart};

/// A hash map keyed by what records carry (issuer ids, keys, list URLs):
/// foldhash, seeded per process, instead of std's SipHash, which took a
/// third of the index writer's time on records with status.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;

/// Seconds in a bucket of `times.bin`: one UTC day.
pub const BUCKET_SECONDS: i64 = 86_400;

/// The bucket (UTC day number) of `t`.
pub fn bucket(t: Timestamp) -> i64 {
    t.secs.div_euclid(BUCKET_SECONDS)
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

/// A record's id as the index holds it: text, or the 16 bytes of a
/// `urn:uuid:` id, written out only when asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordId<'a> {
    /// The id's text.
    Text(&'a str),
    /// `urn:uuid:` and the UUID of these bytes.
    Uuid([u8; 16]),
}

impl<'a> RecordId<'a> {
    /// The id's text.
    pub fn text(self) -> std::borrow::Cow<'a, str> {
        match self {
            RecordId::Text(t) => std::borrow::Cow::Borrowed(t),
            RecordId::Uuid(bytes) => std::borrow::Cow::Owned(codec::uuid_text(&bytes)),
        }
    }
}

/// One record of an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRecord<'a> {
    /// The input it came from (an index into the manifest's `inputs`).
    pub input: usize,
    /// Its line (or element) number in that input.
    pub line: u64,
    /// The credential's id.
    pub id: Option<RecordId<'a>>,
    /// The issuer's id.
    pub issuer: Option<&'a str>,
    /// The proof format checked.
    pub format: Option<Format>,
    /// The non-mandatory statements a derived `ecdsa-sd-2023` proof
    /// reveals.
    pub disclosed: Option<u32>,
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
    pub revalidation: std::borrow::Cow<'a, Revalidation>,
    /// Its verdict when the index was written.
    pub verdict: Verdict,
}

impl<'a> IndexRecord<'a> {
    /// The part of `record` (from `input`, `line`) that an index keeps,
    /// and `revalidation`, what judges it again.
    pub fn of(
        input: usize,
        line: u64,
        record: &VerdictRecord<'a>,
        revalidation: &'a Revalidation,
    ) -> IndexRecord<'a> {
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
            id: record.id.map(RecordId::Text),
            issuer: record.issuer,
            format: record.format,
            disclosed: record.disclosed,
            problems,
            warnings,
            evidence,
            contexts: record.contexts.to_vec(),
            revalidation: std::borrow::Cow::Borrowed(revalidation),
            verdict: record.verdict(),
        }
    }
}

/// Values stored once in `tables.bin`, each with its position, which
/// records refer to it by.
#[derive(Debug)]
pub(crate) struct Table<T> {
    ids: HashMap<T, u64>,
    /// The values, in the order they were first given.
    pub(crate) list: Vec<T>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            ids: HashMap::default(),
            list: Vec::new(),
        }
    }
}

impl<T> Table<T> {
    /// Empties it, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.ids.clear();
        self.list.clear();
    }
}

impl<T: std::hash::Hash + Eq + Clone> Table<T> {
    /// The position of `value`, given it now if it has none.
    pub(crate) fn id<Q>(&mut self, value: &Q) -> u64
    where
        T: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = T> + ?Sized,
    {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.list.len() as u64;
        self.ids.insert(value.to_owned(), id);
        self.list.push(value.to_owned());
        id
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
pub(crate) fn status_kind(s: Option<&StatusSource>) -> u8 {
    match s {
        None => 0,
        Some(StatusSource::Entries(_)) => 1,
        Some(StatusSource::Ob2List(_)) => 2,
    }
}
