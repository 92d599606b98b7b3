//! A chunk's index records, encoded by the worker that judged them.
//!
//! The writer's thread shares the cores with the workers, so what it does
//! per record is what writing an index costs a run. Were it to encode the
//! records, it would walk every record's status entries, keys and instants
//! where the workers allocated them, and free them: the allocations of
//! another thread, each missing its cache. So each worker encodes its
//! chunk's records as `records.bin` holds them (`INDEX.md`), save the
//! positions in `tables.bin`, which depend on every record before: it
//! numbers the chunk's distinct issuers, keys and strings itself, and
//! notes each place that refers to one. The writer looks each of those
//! values up in its tables once per chunk, and copies the bytes between
//! the places (`index::IndexWriter`, a layer above this one).

use std::sync::atomic::{AtomicU64, Ordering};

use super::codec::{self, Encoder, Ids};
use super::{IndexRecord, Table, bucket};
use crate::verdict::{EntryIndex, NamedEntry, Revalidation, StatusSource, VerdictRecord};

/// Which table a place in a record refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The issuers.
    Issuer,
    /// The keys.
    Key,
    /// The strings.
    String,
    /// The strings, written as the position plus one (a status entry's
    /// URL, where 0 is none).
    Url,
}

/// A place in a chunk's bytes where a position in a table goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Patch {
    /// The offset in the chunk's bytes.
    pub at: usize,
    /// The table.
    pub slot: Slot,
    /// The value's number among the chunk's values of that table.
    pub local: usize,
}

/// A status entry that names a list, as the writer files it in the
/// list's postings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Named {
    /// The list's URL, by its number among the chunk's strings.
    pub url: usize,
    /// The entry's index and size, when both are usable.
    pub at: Option<(u64, u32)>,
}

/// Where a record's parts end in its chunk's vectors.
#[derive(Clone, Copy, Debug, Default)]
struct Ends {
    bytes: usize,
    patches: usize,
    times: usize,
    named: usize,
}

/// The numbers of a chunk's distinct values, per table.
#[derive(Debug, Default)]
pub(crate) struct LocalTables {
    pub issuers: Table<String>,
    pub keys: Table<[u8; 32]>,
    pub strings: Table<String>,
}

/// Numbers every [`Prepared`] made in this process, so that the writer
/// knows a chunk from the one before, whatever memory it reuses.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// The index records of one chunk, in order, as a worker encodes them.
#[derive(Debug)]
pub struct Prepared {
    serial: u64,
    e: Encoder,
    ends: Vec<Ends>,
    /// Per record: whether it has status.
    status: Vec<bool>,
    patches: Vec<Patch>,
    /// (kind of instant, UTC day), per record.
    times: Vec<(u8, i64)>,
    named: Vec<Named>,
    tables: LocalTables,
    /// The chunk's records' status, encoded as it was read
    /// ([`Prepared::status`]).
    early: Early,
}

/// Status sources encoded before their records are complete.
#[derive(Debug, Default)]
struct Early {
    e: Encoder,
    patches: Vec<Patch>,
    named: Vec<Named>,
}

/// Where a record's status is answered from, encoded by
/// [`Prepared::status`] as soon as its entries were read, so that they
/// are dropped at once instead of kept to the end of the chunk (a
/// chunk's worth of them, kept, outgrew the allocator's per-thread cache
/// and cost more than the encoding).
#[derive(Clone, Debug, Default)]
pub struct StatusPart {
    bytes: std::ops::Range<usize>,
    patches: std::ops::Range<usize>,
    named: std::ops::Range<usize>,
}

impl Default for Prepared {
    fn default() -> Self {
        Prepared {
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            e: Encoder::default(),
            ends: Vec::new(),
            status: Vec::new(),
            patches: Vec::new(),
            times: Vec::new(),
            named: Vec::new(),
            tables: LocalTables::default(),
            early: Early::default(),
        }
    }
}

/// Notes the places of a record that refer to tables, and its status
/// entries that name a list.
struct Places<'p> {
    patches: &'p mut Vec<Patch>,
    named: &'p mut Vec<Named>,
    tables: &'p mut LocalTables,
}

impl Places<'_> {
    fn note(&mut self, e: &Encoder, slot: Slot, local: u64) {
        self.patches.push(Patch {
            at: e.buf.len(),
            slot,
            local: local as usize,
        });
    }
}

impl Ids for Places<'_> {
    fn issuer(&mut self, e: &mut Encoder, issuer: &str) {
        let local = self.tables.issuers.id(issuer);
        self.note(e, Slot::Issuer, local);
    }

    fn key(&mut self, e: &mut Encoder, key: &[u8; 32]) {
        let local = self.tables.keys.id(key);
        self.note(e, Slot::Key, local);
    }

    fn string(&mut self, e: &mut Encoder, s: &str) {
        let local = self.tables.strings.id(s);
        self.note(e, Slot::String, local);
    }

    fn entry_url(&mut self, e: &mut Encoder, entry: &NamedEntry, url: &str) {
        let local = self.tables.strings.id(url);
        self.note(e, Slot::Url, local);
        let at = match entry.index {
            EntryIndex::Text(n) | EntryIndex::Numeric(n) => entry.size.map(|size| (n, size)),
            EntryIndex::Malformed | EntryIndex::TooLarge => None,
        };
        self.named.push(Named {
            url: local as usize,
            at,
        });
    }

    fn list_url(&mut self, e: &mut Encoder, url: &str) {
        let local = self.tables.strings.id(url);
        self.note(e, Slot::String, local);
        self.named.push(Named {
            url: local as usize,
            at: None,
        });
    }
}

impl Prepared {
    /// Empties it for another chunk, keeping its buffers, under a new
    /// serial number.
    pub fn clear(&mut self) {
        self.serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        self.e.buf.clear();
        self.ends.clear();
        self.status.clear();
        self.patches.clear();
        self.times.clear();
        self.named.clear();
        self.tables.issuers.clear();
        self.tables.keys.clear();
        self.tables.strings.clear();
        self.early.e.buf.clear();
        self.early.patches.clear();
        self.early.named.clear();
    }

    /// Encodes where a record of this chunk has its status answered from,
    /// for [`Prepared::push`].
    pub fn status(&mut self, source: &StatusSource) -> StatusPart {
        let early = &mut self.early;
        let start = (early.e.buf.len(), early.patches.len(), early.named.len());
        let mut places = Places {
            patches: &mut early.patches,
            named: &mut early.named,
            tables: &mut self.tables,
        };
        codec::encode_status(&mut early.e, Some(source), &mut places);
        StatusPart {
            bytes: start.0..early.e.buf.len(),
            patches: start.1..early.patches.len(),
            named: start.2..early.named.len(),
        }
    }

    /// Encodes the next record: the part of `record` an index keeps, and
    /// `revalidation`, what judges it again, whose status is `status`
    /// when [`Prepared::status`] encoded it (its `status` is then not
    /// read).
    pub fn push(
        &mut self,
        record: &VerdictRecord<'_>,
        revalidation: &Revalidation,
        status: Option<&StatusPart>,
    ) {
        let rec = IndexRecord::of(0, 0, record, revalidation);
        self.push_record(&rec, status);
    }

    /// Encodes the next record as an index holds it, whose status is
    /// `status` when [`Prepared::status`] encoded it: a record a run
    /// judged ([`Prepared::push`]), or one read back from an index
    /// (`merge` joining the indexes of a run's parts).
    pub fn push_record(&mut self, rec: &IndexRecord<'_>, status: Option<&StatusPart>) {
        let r: &Revalidation = &rec.revalidation;
        let kinds: [&[Option<_>]; 2] = [&r.window.starts, &r.window.ends];
        for (kind, instants) in kinds.into_iter().enumerate() {
            for t in instants.iter().flatten() {
                self.times.push((kind as u8, bucket(*t)));
            }
        }
        for t in &r.proof_expires {
            self.times.push((2, bucket(*t)));
        }
        let mut places = Places {
            patches: &mut self.patches,
            named: &mut self.named,
            tables: &mut self.tables,
        };
        codec::encode_head(&mut self.e, rec, &mut places);
        match status {
            Some(part) => {
                let early = &self.early;
                let base = self.e.buf.len();
                self.e.bytes(&early.e.buf[part.bytes.clone()]);
                places
                    .patches
                    .extend(early.patches[part.patches.clone()].iter().map(|p| Patch {
                        at: p.at - part.bytes.start + base,
                        ..*p
                    }));
                places
                    .named
                    .extend_from_slice(&early.named[part.named.clone()]);
            }
            None => codec::encode_status(&mut self.e, r.status.as_ref(), &mut places),
        }
        codec::encode_keys(&mut self.e, &r.signed_by, &mut places);
        self.status.push(status.is_some() || r.status.is_some());
        self.ends.push(Ends {
            bytes: self.e.buf.len(),
            patches: self.patches.len(),
            times: self.times.len(),
            named: self.named.len(),
        });
    }

    /// Records encoded.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Record `n`, as the writer takes it.
    pub fn record(&self, n: usize) -> Option<PreparedRecord<'_>> {
        (n < self.ends.len()).then_some(PreparedRecord { chunk: self, n })
    }
}

/// One record of a [`Prepared`] chunk.
#[derive(Clone, Copy, Debug)]
pub struct PreparedRecord<'a> {
    chunk: &'a Prepared,
    n: usize,
}

impl<'a> PreparedRecord<'a> {
    fn bounds(&self) -> (Ends, Ends) {
        let end = self.chunk.ends[self.n];
        let start = match self.n {
            0 => Ends::default(),
            n => self.chunk.ends[n - 1],
        };
        (start, end)
    }

    /// Its chunk's serial number, unique in the process.
    pub(crate) fn serial(&self) -> u64 {
        self.chunk.serial
    }

    /// Its chunk's values, per table.
    pub(crate) fn tables(&self) -> &'a LocalTables {
        &self.chunk.tables
    }

    /// Its chunk's bytes, and where its own start and end.
    pub(crate) fn bytes(&self) -> (&'a [u8], usize, usize) {
        let (start, end) = self.bounds();
        (&self.chunk.e.buf, start.bytes, end.bytes)
    }

    /// The places its bytes refer to tables, in order.
    pub(crate) fn patches(&self) -> &'a [Patch] {
        let (start, end) = self.bounds();
        &self.chunk.patches[start.patches..end.patches]
    }

    /// Its instants: kind and UTC day.
    pub(crate) fn times(&self) -> &'a [(u8, i64)] {
        let (start, end) = self.bounds();
        &self.chunk.times[start.times..end.times]
    }

    /// Its status entries that name a list.
    pub(crate) fn named(&self) -> &'a [Named] {
        let (start, end) = self.bounds();
        &self.chunk.named[start.named..end.named]
    }

    /// Whether it has status.
    pub(crate) fn has_status(&self) -> bool {
        self.chunk.status[self.n]
    }
}
