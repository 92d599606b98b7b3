//! The byte encoding of index records (`INDEX.md`): unsigned LEB128
//! integers, strings as a length and UTF-8 bytes, instants as a zigzag
//! second count and nanoseconds. The decoder checks every length against
//! what is left, so a damaged or hostile file is an error, never a panic
//! or an allocation beyond its size.

use crate::time::Timestamp;
use crate::verdict::{
    EntryIndex, EntryKind, Evidence, EvidenceSet, Format, NamedEntry, Problem, Problems, Purpose,
    Revalidation, StatusEntry, StatusSource, Verdict, Warnings, Window,
};

use super::{IndexRecord, RecordId, evidence_kind, status_kind};

/// Appends encoded values to a buffer.
#[derive(Debug, Default)]
pub struct Encoder {
    /// What was written.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// An unsigned integer, LEB128.
    pub fn uint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(byte);
                return;
            }
            self.buf.push(byte | 0x80);
        }
    }

    /// Raw bytes, no length.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// A length, then the bytes.
    pub fn blob(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.bytes(b);
    }

    /// A string: a length, then its UTF-8.
    pub fn str(&mut self, s: &str) {
        self.blob(s.as_bytes());
    }

    /// A signed integer, zigzag-encoded as a `uint`.
    pub fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    /// A roaring bitmap in the portable serialization (a `blob`).
    pub fn bitmap(&mut self, b: &roaring::RoaringBitmap) {
        let mut bytes = Vec::with_capacity(b.serialized_size());
        // Writing to a vector cannot fail.
        let _ = b.serialize_into(&mut bytes);
        self.blob(&bytes);
    }

    /// An instant: [`Encoder::int`] seconds, then nanoseconds.
    pub fn time(&mut self, t: Timestamp) {
        self.instant(t, 0);
    }

    /// An optional instant: 0, or the instant's word plus one.
    pub fn opt_time(&mut self, t: Option<Timestamp>) {
        match t {
            None => self.uint(0),
            Some(t) => self.instant(t, 1),
        }
    }

    /// The word `2·zigzag(seconds) + (nanoseconds ≠ 0)` plus `bias`, then
    /// the nanoseconds when there are any.
    fn instant(&mut self, t: Timestamp, bias: u64) {
        let zigzag = ((t.secs << 1) ^ (t.secs >> 63)) as u64;
        self.uint((zigzag << 1 | u64::from(t.nanos != 0)) + bias);
        if t.nanos != 0 {
            self.uint(u64::from(t.nanos));
        }
    }
}

/// Reads encoded values; every error is a sentence for the message.
#[derive(Debug)]
pub struct Decoder<'a> {
    data: &'a [u8],
}

/// A decoding error's description.
pub type DecodeError = String;

impl<'a> Decoder<'a> {
    /// A decoder over `data`.
    pub fn new(data: &'a [u8]) -> Decoder<'a> {
        Decoder { data }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bytes left to read.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// An unsigned LEB128 integer of at most ten bytes.
    pub fn uint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for i in 0..10 {
            let (&byte, rest) = self.data.split_first().ok_or("cut short in an integer")?;
            self.data = rest;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                return Err("an integer beyond 64 bits".into());
            }
            v |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("an integer beyond 64 bits".into())
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.data.len() {
            return Err(format!("{n} bytes announced, {} left", self.data.len()));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    /// A length, then that many bytes.
    pub fn blob(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.uint()?;
        let n = usize::try_from(n).map_err(|_| "a length beyond memory")?;
        self.bytes(n)
    }

    /// A string.
    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.blob()?).map_err(|_| "a string that is not UTF-8".into())
    }

    /// A count of items, each at least `min_bytes` long: a count the rest
    /// of the data cannot hold is refused before anything is allocated.
    pub fn count(&mut self, min_bytes: usize) -> Result<usize, DecodeError> {
        let n = self.uint()?;
        if n.saturating_mul(min_bytes.max(1) as u64) > self.data.len() as u64 {
            return Err(format!("{n} items announced, too many for what is left"));
        }
        Ok(n as usize)
    }

    /// A signed integer (zigzag).
    pub fn int(&mut self) -> Result<i64, DecodeError> {
        let z = self.uint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    /// A roaring bitmap (a `blob` in the portable serialization) whose
    /// values are all below `below`.
    pub fn bitmap(&mut self, below: u64) -> Result<roaring::RoaringBitmap, DecodeError> {
        let bytes = self.blob()?;
        let b = roaring::RoaringBitmap::deserialize_from(bytes)
            .map_err(|e| format!("a bitmap that does not decode ({e})"))?;
        if b.max().is_some_and(|m| u64::from(m) >= below) {
            return Err(format!(
                "a bitmap naming record {} of {below}",
                b.max().unwrap_or(0)
            ));
        }
        Ok(b)
    }

    /// An instant.
    pub fn time(&mut self) -> Result<Timestamp, DecodeError> {
        let word = self.uint()?;
        self.instant(word)
    }

    /// An optional instant.
    pub fn opt_time(&mut self) -> Result<Option<Timestamp>, DecodeError> {
        match self.uint()? {
            0 => Ok(None),
            word => self.instant(word - 1).map(Some),
        }
    }

    /// The instant whose word ([`Encoder::time`]) is `word`.
    fn instant(&mut self, word: u64) -> Result<Timestamp, DecodeError> {
        let zigzag = word >> 1;
        let secs = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        let nanos = if word & 1 == 0 {
            0
        } else {
            u32::try_from(self.uint()?)
                .ok()
                .filter(|n| (1..1_000_000_000).contains(n))
                .ok_or("nanoseconds beyond a second")?
        };
        Ok(Timestamp { secs, nanos })
    }
}

/// Flags of a record's first byte.
const HAS_ID: u64 = 1;
const HAS_ISSUER: u64 = 2;
/// With [`HAS_ID`]: the id is `urn:uuid:` and a lowercase UUID, stored as
/// its 16 bytes.
const UUID_ID: u64 = 4;
/// A derived `ecdsa-sd-2023` proof: the count of statements it discloses
/// follows the format.
const DISCLOSED: u64 = 8;

/// The prefix of ids stored as 16 bytes.
const UUID_PREFIX: &str = "urn:uuid:";

/// The 16 bytes of `id` when it is `urn:uuid:` and a UUID in lowercase
/// hexadecimal, 8-4-4-4-12.
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let hex = id.strip_prefix(UUID_PREFIX)?.as_bytes();
    if hex.len() != 36 {
        return None;
    }
    // Where the 32 digits are among the 36 characters (the rest, 8, 13,
    // 18 and 23, are hyphens).
    const DIGITS: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28,
        29, 30, 31, 32, 33, 34, 35,
    ];
    // Each byte's value as a lowercase hexadecimal digit, 16 if it is
    // none: looked up, not branched on (the digits of ids are random).
    const NIBBLE: [u8; 256] = {
        let mut table = [16u8; 256];
        let mut i = 0;
        while i < 16 {
            table[b"0123456789abcdef"[i] as usize] = i as u8;
            i += 1;
        }
        table
    };
    if [8, 13, 18, 23].iter().any(|&i| hex[i] != b'-') {
        return None;
    }
    let mut out = [0u8; 16];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(DIGITS.chunks_exact(2)) {
        let hi = NIBBLE[usize::from(hex[usize::from(pair[0])])];
        let lo = NIBBLE[usize::from(hex[usize::from(pair[1])])];
        bad |= hi | lo;
        *byte = hi << 4 | lo;
    }
    (bad < 16).then_some(out)
}

/// `urn:uuid:` and the UUID of these 16 bytes.
pub fn uuid_text(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(45);
    out.push_str(UUID_PREFIX);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// Where a record's encoding refers to `tables.bin`: what
/// [`encode_body`] asks of its caller at each such place, in the order the
/// places are written. The index writer writes positions in its tables;
/// a worker preparing records notes the places, to be filled in by the
/// writer ([`super::prepare`]).
pub trait Ids {
    /// The issuer's position among the issuers.
    fn issuer(&mut self, e: &mut Encoder, issuer: &str);
    /// A key's position among the keys.
    fn key(&mut self, e: &mut Encoder, key: &[u8; 32]);
    /// A string's position among the strings.
    fn string(&mut self, e: &mut Encoder, s: &str);
    /// The position of the URL of `entry`'s list among the strings, plus
    /// one (0, written by the caller, is an entry without a URL).
    fn entry_url(&mut self, e: &mut Encoder, entry: &NamedEntry, url: &str);
    /// The position of an Open Badges 2.0 revocation list's URL among the
    /// strings.
    fn list_url(&mut self, e: &mut Encoder, url: &str);
}

/// Writes `rec` from its flags on (its input and line are the writer's to
/// write), referring to the tables through `ids`: [`encode_head`],
/// [`encode_status`] and [`encode_keys`] in turn.
pub fn encode_body(e: &mut Encoder, rec: &IndexRecord, ids: &mut dyn Ids) {
    encode_head(e, rec, ids);
    encode_status(e, rec.revalidation.status.as_ref(), ids);
    encode_keys(e, &rec.revalidation.signed_by, ids);
}

/// Writes `rec` from its flags to its proofs' `expires`.
pub fn encode_head(e: &mut Encoder, rec: &IndexRecord, ids: &mut dyn Ids) {
    let uuid = match rec.id {
        Some(RecordId::Text(t)) => uuid_bytes(t),
        Some(RecordId::Uuid(bytes)) => Some(bytes),
        None => None,
    };
    let flags = u64::from(rec.id.is_some()) * HAS_ID
        + u64::from(rec.issuer.is_some()) * HAS_ISSUER
        + u64::from(uuid.is_some()) * UUID_ID
        + u64::from(rec.disclosed.is_some()) * DISCLOSED;
    e.uint(flags);
    match (rec.id, uuid) {
        (_, Some(bytes)) => e.bytes(&bytes),
        (Some(RecordId::Text(id)), None) => e.str(id),
        _ => {}
    }
    if let Some(issuer) = rec.issuer {
        ids.issuer(e, issuer);
    }
    e.uint(rec.format.map_or(0, |f| {
        Format::ALL
            .iter()
            .position(|g| *g == f)
            .map_or(0, |i| i as u64 + 1)
    }));
    if let Some(n) = rec.disclosed {
        e.uint(u64::from(n));
    }
    e.uint(rec.verdict as u64);
    e.uint(rec.problems.bits());
    e.uint(rec.warnings.bits());
    let kept: Vec<(Problem, &Evidence, u8)> = rec
        .evidence
        .iter()
        .filter_map(|(p, ev)| evidence_kind(ev).map(|k| (p, ev, k)))
        .collect();
    e.uint(kept.len() as u64);
    for (p, ev, kind) in kept {
        e.uint(p as u64);
        e.uint(u64::from(kind));
        match ev {
            Evidence::Method { method } => e.str(method),
            Evidence::Controller { method, controller } => {
                e.str(method);
                e.str(controller);
            }
            Evidence::Context { url } => e.str(url),
            _ => {}
        }
    }
    e.uint(rec.contexts.len() as u64);
    for (url, sha) in &rec.contexts {
        e.str(url);
        e.str(sha);
    }
    let r = &rec.revalidation;
    for t in r.window.starts.iter().chain(&r.window.ends) {
        e.opt_time(*t);
    }
    e.uint(r.proof_expires.len() as u64);
    for t in &r.proof_expires {
        e.time(*t);
    }
}

/// Writes where a record's status is answered from.
pub fn encode_status(e: &mut Encoder, status: Option<&StatusSource>, ids: &mut dyn Ids) {
    e.uint(u64::from(status_kind(status)));
    match status {
        None => {}
        Some(StatusSource::Entries(entries)) => encode_entries(e, entries, ids),
        Some(StatusSource::Ob2List(url)) => ids.list_url(e, url),
    }
}

/// Writes the keys a record's signatures were verified under.
pub fn encode_keys(e: &mut Encoder, keys: &[[u8; 32]], ids: &mut dyn Ids) {
    e.uint(keys.len() as u64);
    for key in keys {
        ids.key(e, key);
    }
}

/// Reads a record; `issuers` and `keys` are the tables, `inputs` the
/// number of inputs the manifest names.
pub fn decode_record<'a>(
    d: &mut Decoder<'a>,
    issuers: &'a [String],
    keys: &[[u8; 32]],
    strings: &[String],
    inputs: usize,
) -> Result<IndexRecord<'a>, DecodeError> {
    let input = usize::try_from(d.uint()?).map_err(|_| "an input beyond memory")?;
    if input >= inputs {
        return Err(format!("input {input} of {inputs}"));
    }
    let line = d.uint()?;
    let flags = d.uint()?;
    if flags > HAS_ID | HAS_ISSUER | UUID_ID | DISCLOSED || flags & (HAS_ID | UUID_ID) == UUID_ID {
        return Err("unknown record flags".into());
    }
    let id = if flags & UUID_ID != 0 {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(d.bytes(16)?);
        Some(RecordId::Uuid(bytes))
    } else if flags & HAS_ID != 0 {
        Some(RecordId::Text(d.str()?))
    } else {
        None
    };
    let issuer = if flags & HAS_ISSUER != 0 {
        let i = d.uint()?;
        let found = usize::try_from(i).ok().and_then(|i| issuers.get(i));
        Some(
            found
                .ok_or_else(|| format!("issuer {i} of {}", issuers.len()))?
                .as_str(),
        )
    } else {
        None
    };
    let format = match d.uint()? {
        0 => None,
        n => Some(
            *usize::try_from(n - 1)
                .ok()
                .and_then(|i| Format::ALL.get(i))
                .ok_or("an unknown format")?,
        ),
    };
    let disclosed = if flags & DISCLOSED != 0 {
        Some(u32::try_from(d.uint()?).map_err(|_| "a disclosed count beyond 32 bits")?)
    } else {
        None
    };
    let verdict = usize::try_from(d.uint()?)
        .ok()
        .and_then(|v| Verdict::ALL.iter().find(|w| **w as usize == v))
        .copied()
        .ok_or("an unknown verdict")?;
    let problems = Problems::from_bits(d.uint()?);
    let warnings = Warnings::from_bits(d.uint()?);
    let mut evidence = EvidenceSet::new();
    for _ in 0..d.count(3)? {
        let code = d.uint()?;
        let problem = *usize::try_from(code)
            .ok()
            .and_then(|i| Problem::ALL.iter().find(|p| **p as usize == i))
            .ok_or("an unknown problem code")?;
        let ev = match d.uint()? {
            1 => Evidence::Method {
                method: d.str()?.into(),
            },
            2 => Evidence::Controller {
                method: d.str()?.into(),
                controller: d.str()?.into(),
            },
            3 => Evidence::Context {
                url: d.str()?.into(),
            },
            _ => return Err("an unknown evidence kind".into()),
        };
        evidence.note(problem, ev);
    }
    let mut contexts = Vec::new();
    for _ in 0..d.count(2)? {
        contexts.push((d.str()?.to_owned(), d.str()?.to_owned()));
    }
    let mut times = [None; 4];
    for t in &mut times {
        *t = d.opt_time()?;
    }
    let window = Window {
        starts: [times[0], times[1]],
        ends: [times[2], times[3]],
    };
    let mut proof_expires = Vec::new();
    for _ in 0..d.count(2)? {
        proof_expires.push(d.time()?);
    }
    let status = match d.uint()? {
        0 => None,
        1 => Some(StatusSource::Entries(decode_entries(d, strings)?)),
        2 => Some(StatusSource::Ob2List(string(d, strings)?.into())),
        _ => return Err("an unknown status source".into()),
    };
    let mut signed_by = Vec::new();
    for _ in 0..d.count(1)? {
        let i = d.uint()?;
        let key = usize::try_from(i).ok().and_then(|i| keys.get(i));
        signed_by.push(*key.ok_or_else(|| format!("key {i} of {}", keys.len()))?);
    }
    Ok(IndexRecord {
        input,
        line,
        id,
        issuer,
        format,
        disclosed,
        problems,
        warnings,
        evidence,
        contexts,
        revalidation: std::borrow::Cow::Owned(Revalidation {
            window,
            proof_expires,
            status,
            signed_by,
        }),
        verdict,
    })
}

/// Entry kinds, by their number in the index.
const ENTRY_KINDS: [EntryKind; 3] = [
    EntryKind::Bitstring,
    EntryKind::StatusList2021,
    EntryKind::OneEdTech,
];

/// Writes status entries, their text as positions among `strings`.
fn encode_entries(e: &mut Encoder, entries: &[StatusEntry], ids: &mut dyn Ids) {
    e.uint(entries.len() as u64);
    for entry in entries {
        let named = match entry {
            StatusEntry::Refused(Problem::StatusTypeUnsupported) => {
                e.uint(1);
                continue;
            }
            StatusEntry::Refused(_) => {
                e.uint(0);
                continue;
            }
            StatusEntry::Named(named) => named,
        };
        e.uint(2);
        e.uint(
            ENTRY_KINDS
                .iter()
                .position(|k| *k == named.kind)
                .unwrap_or(0) as u64,
        );
        match named.url.as_deref() {
            None => e.uint(0),
            Some(url) => ids.entry_url(e, named, url),
        }
        match &named.purpose {
            None => e.uint(0),
            Some(Purpose::Revocation) => e.uint(1),
            Some(Purpose::Suspension) => e.uint(2),
            Some(Purpose::Message) => e.uint(3),
            Some(Purpose::Refresh) => e.uint(4),
            Some(Purpose::Other(word)) => {
                e.uint(5);
                ids.string(e, word);
            }
        }
        match named.index {
            EntryIndex::Malformed => e.uint(0),
            EntryIndex::TooLarge => e.uint(1),
            EntryIndex::Text(n) => {
                e.uint(2);
                e.uint(n);
            }
            EntryIndex::Numeric(n) => {
                e.uint(3);
                e.uint(n);
            }
        }
        e.uint(u64::from(named.size.unwrap_or(0)));
        e.uint(named.message_count);
        e.uint(named.messages.len() as u64);
        for (value, text) in &named.messages {
            e.uint(u64::from(*value));
            ids.string(e, text);
        }
    }
}

/// A position among `strings`, as the string.
fn string<'s>(d: &mut Decoder<'_>, strings: &'s [String]) -> Result<&'s str, DecodeError> {
    let i = d.uint()?;
    usize::try_from(i)
        .ok()
        .and_then(|i| strings.get(i))
        .map(String::as_str)
        .ok_or_else(|| format!("string {i} of {}", strings.len()))
}

/// Reads status entries written by `encode_entries`.
fn decode_entries(
    d: &mut Decoder<'_>,
    strings: &[String],
) -> Result<Vec<StatusEntry>, DecodeError> {
    let mut entries = Vec::new();
    for _ in 0..d.count(1)? {
        let named = match d.uint()? {
            0 => {
                entries.push(StatusEntry::Refused(Problem::StatusEntryMalformed));
                continue;
            }
            1 => {
                entries.push(StatusEntry::Refused(Problem::StatusTypeUnsupported));
                continue;
            }
            2 => {
                let kind = *usize::try_from(d.uint()?)
                    .ok()
                    .and_then(|k| ENTRY_KINDS.get(k))
                    .ok_or("an unknown entry kind")?;
                let url = match d.uint()? {
                    0 => None,
                    n => {
                        let i = usize::try_from(n - 1).ok();
                        let url = i.and_then(|i| strings.get(i)).ok_or("an unknown string")?;
                        Some(url.as_str().into())
                    }
                };
                let purpose = match d.uint()? {
                    0 => None,
                    1 => Some(Purpose::Revocation),
                    2 => Some(Purpose::Suspension),
                    3 => Some(Purpose::Message),
                    4 => Some(Purpose::Refresh),
                    5 => Some(Purpose::Other(string(d, strings)?.into())),
                    _ => return Err("an unknown status purpose".into()),
                };
                let index = match d.uint()? {
                    0 => EntryIndex::Malformed,
                    1 => EntryIndex::TooLarge,
                    2 => EntryIndex::Text(d.uint()?),
                    3 => EntryIndex::Numeric(d.uint()?),
                    _ => return Err("an unknown status index form".into()),
                };
                let size = match d.uint()? {
                    0 => None,
                    n @ 1..=32 => Some(n as u32),
                    _ => return Err("a status size beyond 32".into()),
                };
                let message_count = d.uint()?;
                let mut messages = Vec::new();
                for _ in 0..d.count(2)? {
                    let value =
                        u32::try_from(d.uint()?).map_err(|_| "a status value beyond 32 bits")?;
                    messages.push((value, string(d, strings)?.into()));
                }
                NamedEntry {
                    kind,
                    url,
                    purpose,
                    index,
                    size,
                    message_count,
                    messages,
                }
            }
            _ => return Err("an unknown status entry form".into()),
        };
        entries.push(StatusEntry::Named(named));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_take_sixteen_bytes_and_come_back() {
        let id = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e";
        let bytes = uuid_bytes(id).expect("a UUID id");
        assert_eq!(uuid_text(&bytes), id);
        for other in [
            "urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950",
            "urn:uuid:0f8fad5bd-9cb-469f-a165-70867728950e",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950g",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e0",
            "urn:uuid:0f8fad5b+d9cb-469f-a165-70867728950e",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        ] {
            assert_eq!(uuid_bytes(other), None, "{other}");
        }
    }

    #[test]
    fn integers_and_instants_round_trip() {
        let mut e = Encoder::default();
        let values = [0, 1, 127, 128, 300, u64::MAX];
        for v in values {
            e.uint(v);
        }
        let times = [
            Timestamp { secs: 0, nanos: 0 },
            Timestamp {
                secs: -62_135_596_800,
                nanos: 5,
            },
            Timestamp {
                secs: 253_402_300_799,
                nanos: 999_999_999,
            },
        ];
        for t in times {
            e.time(t);
            e.opt_time(Some(t));
        }
        e.opt_time(None);
        let mut d = Decoder::new(&e.buf);
        for v in values {
            assert_eq!(d.uint(), Ok(v));
        }
        for t in times {
            assert_eq!(d.time(), Ok(t));
            assert_eq!(d.opt_time(), Ok(Some(t)));
        }
        assert_eq!(d.opt_time(), Ok(None));
        assert!(d.is_empty());
        // Beyond 64 bits, cut short, a count the data cannot hold.
        assert!(Decoder::new(&[0xff; 11]).uint().is_err());
        assert!(Decoder::new(&[0x80]).uint().is_err());
        assert!(Decoder::new(&[0xff, 0xff, 0x03]).count(1).is_err());
        assert!(Decoder::new(&[5, b'a']).str().is_err());
    }
}
