//! A `credentialStatus` entry as read from a credential, before any list
//! answers it: everything [`StatusLists`](super::check::StatusLists) asks
//! of the entry's JSON, in a form a revalidation index keeps (so that
//! `recheck` answers entries without parsing them again) and that answers
//! exactly as the JSON did.

use super::list::{ListKind, Purpose};
use crate::json::Value;
use crate::verdict::Problem;

/// One entry: what it is, or why it is not one before it names a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// No `type` string (`status_entry_malformed`) or one of no list kind
    /// (`status_type_unsupported`): refused before any list is looked up.
    Refused(Problem),
    /// An entry of a list kind.
    Named(Named),
}

/// An entry of a list kind, each field as far as it could be read; a
/// field that could not is its problem, raised only when the check reaches
/// it, as it would be reading the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// The list kind its `type` names.
    pub kind: ListKind,
    /// The list's URL (`statusListCredential`; a 1EdTech entry's `id`).
    pub url: Option<Box<str>>,
    /// `statusPurpose`, when a string.
    pub purpose: Option<Purpose>,
    /// `statusListIndex`.
    pub index: Index,
    /// `statusSize` in 1 to 32 (1 when absent), or `None` when given
    /// otherwise.
    pub size: Option<u32>,
    /// How many `statusMessage` items an array holds (0 when not an array).
    pub message_count: u64,
    /// The `statusMessage` items whose `status` is a hexadecimal `0x…`
    /// value that fits 32 bits and whose `message` is a string, in order.
    pub messages: Vec<(u32, Box<str>)>,
}

/// A `statusListIndex`, as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// Absent, or neither a string of decimal digits nor a JSON integer.
    Malformed,
    /// A string of decimal digits beyond 64 bits: beyond every list.
    TooLarge,
    /// A string of decimal digits.
    Text(u64),
    /// A JSON integer (accepted leniently, with `status_index_numeric`).
    Numeric(u64),
}

impl Entry {
    /// Every entry of `status` (one object or an array), in order.
    pub fn read_all(status: Value<'_>) -> Vec<Entry> {
        status.one_or_many().map(Entry::read).collect()
    }

    /// One entry.
    pub fn read(entry: Value<'_>) -> Entry {
        let text = |name| entry.get(name).and_then(Value::as_str);
        let kind = match text("type") {
            Some("BitstringStatusListEntry") => ListKind::Bitstring,
            Some("StatusList2021Entry") => ListKind::StatusList2021,
            Some("1EdTechRevocationList") => ListKind::OneEdTech,
            Some(_) => return Entry::Refused(Problem::StatusTypeUnsupported),
            None => return Entry::Refused(Problem::StatusEntryMalformed),
        };
        let url = match kind {
            ListKind::OneEdTech => text("id"),
            _ => text("statusListCredential"),
        };
        let index = match entry.get("statusListIndex") {
            None => Index::Malformed,
            Some(v) => match v.as_str() {
                Some(t) if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) => {
                    Index::Malformed
                }
                Some(t) => t.parse().map_or(Index::TooLarge, Index::Text),
                None => v.as_u64().map_or(Index::Malformed, Index::Numeric),
            },
        };
        let size = match entry.get("statusSize") {
            None => Some(1),
            Some(v) => v
                .as_u64()
                .filter(|s| (1..=32).contains(s))
                .map(|s| s as u32),
        };
        let message_count = entry
            .get("statusMessage")
            .filter(|m| m.is_array())
            .map_or(0, |m| m.elements().count() as u64);
        let messages = entry
            .get("statusMessage")
            .map(|messages| messages.one_or_many().filter_map(message).collect())
            .unwrap_or_default();
        Entry::Named(Named {
            kind,
            url: url.map(Into::into),
            purpose: text("statusPurpose").map(Purpose::from_word),
            index,
            size,
            message_count,
            messages,
        })
    }
}

/// A `statusMessage` item's value (`0x…`, lower- or upper-case hex) and
/// text, when both are there.
fn message(m: Value<'_>) -> Option<(u32, Box<str>)> {
    let status = m.get("status").and_then(Value::as_str)?;
    let digits = status
        .strip_prefix("0x")
        .or_else(|| status.strip_prefix("0X"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let value = u32::from_str_radix(digits, 16).ok()?;
    Some((value, m.get("message").and_then(Value::as_str)?.into()))
}

impl Named {
    /// The text of `value`: the first `statusMessage` item for it, else
    /// the value in hex (`0x2`).
    pub fn message(&self, value: u32) -> String {
        self.messages
            .iter()
            .find(|(v, _)| *v == value)
            .map_or_else(|| format!("0x{value:x}"), |(_, text)| text.to_string())
    }
}
