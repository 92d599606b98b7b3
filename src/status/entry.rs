//! Reading `credentialStatus` entries into [`StatusEntry`]: everything
//! [`StatusLists`](super::check::StatusLists) asks of an entry's JSON,
//! read once, so that `verify` and a revalidation index answer entries
//! alike without parsing them again.

use super::list::ListKind;
use crate::json::Value;
use crate::verdict::{EntryIndex, EntryKind, NamedEntry, Problem, Purpose, StatusEntry};

/// Every entry of `status` (one object or an array), in order.
pub fn read_all(status: Value<'_>) -> Vec<StatusEntry> {
    status.one_or_many().map(read).collect()
}

/// One entry.
pub fn read(entry: Value<'_>) -> StatusEntry {
    let text = |name| entry.get(name).and_then(Value::as_str);
    let kind = match text("type") {
        Some("BitstringStatusListEntry") => EntryKind::Bitstring,
        Some("StatusList2021Entry") => EntryKind::StatusList2021,
        Some("1EdTechRevocationList") => EntryKind::OneEdTech,
        Some(_) => return StatusEntry::Refused(Problem::StatusTypeUnsupported),
        None => return StatusEntry::Refused(Problem::StatusEntryMalformed),
    };
    let url = match kind {
        EntryKind::OneEdTech => text("id"),
        _ => text("statusListCredential"),
    };
    let index = match entry.get("statusListIndex") {
        None => EntryIndex::Malformed,
        Some(v) => match v.as_str() {
            Some(t) if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) => {
                EntryIndex::Malformed
            }
            Some(t) => t.parse().map_or(EntryIndex::TooLarge, EntryIndex::Text),
            None => v
                .as_u64()
                .map_or(EntryIndex::Malformed, EntryIndex::Numeric),
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
    StatusEntry::Named(NamedEntry {
        kind,
        url: url.map(Into::into),
        purpose: text("statusPurpose").map(Purpose::from_word),
        index,
        size,
        message_count,
        messages,
    })
}

/// The list kind an entry type points at.
pub fn list_kind(kind: EntryKind) -> ListKind {
    match kind {
        EntryKind::Bitstring => ListKind::Bitstring,
        EntryKind::StatusList2021 => ListKind::StatusList2021,
        EntryKind::OneEdTech => ListKind::OneEdTech,
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
