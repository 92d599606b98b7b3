//! Status lists for generated exports (`generate --status-lists N`): which
//! entries each record carries, and the signed lists with the bits its case
//! needs set.
//!
//! Every record of issuer `w` gets a revocation and a suspension entry in
//! lists `index mod L` of that issuer, at entry `index / L`, so that no two
//! records share an entry; `status_message` records also get an entry in
//! their issuer's 2-bit message list, at their own index.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Case, Issuer, YEAR, date, io, jcs_proof};
use crate::canon::jcs::Canonicalizer;
use crate::json::JsonParser;

/// Entries of a list: the W3C minimum.
pub const LIST_ENTRIES: u64 = 131_072;

/// Entries of the short list that small exports include.
pub const SHORT_ENTRIES: u64 = 16_384;

/// The `statusMessage` texts of the message lists, by value.
pub const MESSAGES: [&str; 4] = ["none", "pending review", "under appeal", "reissued"];

/// A value to set: list number, entry index, value.
#[derive(Clone, Copy, Debug)]
pub struct StatusBit {
    /// The list's position in [`StatusPlan::lists`].
    pub list: usize,
    /// The entry's index in that list.
    pub index: u64,
    /// The entry's value, below `2^size` for the list's [`ListSpec::size`].
    pub value: u8,
}

/// One list of the export.
pub struct ListSpec {
    /// The issuer's position in the export's issuers, who signs the list.
    pub issuer: usize,
    /// `revocation`, `suspension` or `message`.
    pub purpose: &'static str,
    /// The list's `id`, which entries name as `statusListCredential`.
    pub url: String,
    /// Number of entries (a multiple of 8).
    pub entries: u64,
    /// Bits per entry.
    pub size: u64,
}

/// The lists of an export and who points where.
pub struct StatusPlan {
    /// Every list, each issuer's together.
    pub lists: Vec<ListSpec>,
    /// Revocation (and suspension) lists per issuer.
    per_issuer: usize,
    /// Each issuer's first list: its revocation lists, then its suspension
    /// lists, then its message list.
    first: Vec<usize>,
}

impl StatusPlan {
    /// About `lists` lists over `issuers` for an export of `records`.
    pub fn new(issuers: &[Issuer], lists: usize, records: u64) -> StatusPlan {
        let per_issuer = (lists / (2 * issuers.len())).max(1);
        let slots = records.div_ceil(per_issuer as u64);
        let entries = LIST_ENTRIES.max(slots.next_multiple_of(8));
        let short = slots <= SHORT_ENTRIES;
        let mut plan = StatusPlan {
            lists: Vec::new(),
            per_issuer,
            first: Vec::new(),
        };
        for (w, issuer) in issuers.iter().enumerate() {
            plan.first.push(plan.lists.len());
            for purpose in ["revocation", "suspension"] {
                for j in 0..per_issuer {
                    plan.lists.push(ListSpec {
                        issuer: w,
                        purpose,
                        url: format!("{}/status/{purpose}-{j}", issuer.url),
                        entries: if w == 0 && j == 0 && short && purpose == "revocation" {
                            SHORT_ENTRIES
                        } else {
                            entries
                        },
                        size: 1,
                    });
                }
            }
            plan.lists.push(ListSpec {
                issuer: w,
                purpose: "message",
                url: format!("{}/status/message", issuer.url),
                entries: LIST_ENTRIES.max(records.next_multiple_of(8)),
                size: 2,
            });
        }
        plan
    }

    /// The `credentialStatus` of record `index` by issuer `who`, and the
    /// values its case needs set.
    pub fn entries(&self, who: usize, index: u64, case: Case) -> (String, Vec<StatusBit>) {
        let per = self.per_issuer as u64;
        let (which, slot) = ((index % per) as usize, index / per);
        let revocation = self.first[who] + which;
        let suspension = revocation + self.per_issuer;
        let message = self.first[who] + 2 * self.per_issuer;
        let mut bits = Vec::new();
        let mut json = format!(
            "[{},{}",
            self.entry(revocation, slot, ""),
            self.entry(suspension, slot, "")
        );
        match case {
            Case::Revoked => bits.push(StatusBit {
                list: revocation,
                index: slot,
                value: 1,
            }),
            Case::Suspended => bits.push(StatusBit {
                list: suspension,
                index: slot,
                value: 1,
            }),
            Case::StatusMessage => {
                let texts: Vec<String> = MESSAGES
                    .iter()
                    .enumerate()
                    .map(|(v, m)| format!("{{\"status\":\"0x{v:x}\",\"message\":\"{m}\"}}"))
                    .collect();
                let extra = format!(",\"statusSize\":2,\"statusMessage\":[{}]", texts.join(","));
                json.push(',');
                json.push_str(&self.entry(message, index, &extra));
                bits.push(StatusBit {
                    list: message,
                    index,
                    value: Self::message_value(index),
                });
            }
            _ => {}
        }
        json.push(']');
        (json, bits)
    }

    /// The value a `status_message` record's entry holds.
    pub fn message_value(index: u64) -> u8 {
        1 + (index % 3) as u8
    }

    fn entry(&self, list: usize, index: u64, extra: &str) -> String {
        let spec = &self.lists[list];
        format!(
            "{{\"id\":\"{url}#{index}\",\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"{purpose}\",\"statusListIndex\":\"{index}\",\"statusListCredential\":\"{url}\"{extra}}}",
            url = spec.url,
            purpose = spec.purpose,
        )
    }

    /// Writes every list, signed by its issuer with eddsa-jcs-2022, into
    /// `dir` (one file each); with `history` K > 1, K snapshots of each
    /// (see `snapshot_bits`), the last named as a lone list would be.
    pub fn write(
        &self,
        issuers: &[Issuer],
        bits: &[StatusBit],
        as_of: i64,
        history: u32,
        dir: &Path,
    ) -> Result<(), super::GenerateError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let history = history.max(1);
        let mut lists: Vec<Vec<u8>> = self
            .lists
            .iter()
            .map(|l| vec![0u8; (l.entries * l.size / 8) as usize])
            .collect();
        for b in bits {
            let size = self.lists[b.list].size;
            for k in 0..size {
                if b.value >> (size - 1 - k) & 1 == 1 {
                    let at = b.index * size + k;
                    lists[b.list][(at / 8) as usize] |= 0x80 >> (at % 8);
                }
            }
        }
        let (mut parser, mut canon) = (JsonParser::default(), Canonicalizer::default());
        for (n, (spec, last)) in self.lists.iter().zip(&lists).enumerate() {
            for snapshot in 0..history {
                let later = i64::from(history - 1 - snapshot);
                let from = date(as_of - YEAR - later * 30 * 86_400);
                let bytes = match later {
                    0 => last.clone(),
                    _ => snapshot_bits(spec, n, last, snapshot, history),
                };
                let name = match later {
                    0 => format!("list-{n:04}.json"),
                    _ => format!("list-{n:04}.snapshot-{snapshot}.json"),
                };
                let text = self
                    .signed(
                        &issuers[spec.issuer],
                        spec,
                        &bytes,
                        &from,
                        &mut parser,
                        &mut canon,
                    )
                    .map_err(io(dir))?;
                let path = dir.join(name);
                fs::write(&path, text).map_err(io(&path))?;
            }
        }
        Ok(())
    }

    /// The signed list credential of `spec` holding `bytes`, valid from
    /// `from`.
    fn signed(
        &self,
        issuer: &Issuer,
        spec: &ListSpec,
        bytes: &[u8],
        from: &str,
        parser: &mut JsonParser,
        canon: &mut Canonicalizer,
    ) -> std::io::Result<String> {
        {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(bytes)?;
            let encoded = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish()?));
            let members = format!(
                "\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"{url}\",\"type\":[\"VerifiableCredential\",\"BitstringStatusListCredential\"],\"issuer\":\"{did}\",\"validFrom\":\"{from}\",\"credentialSubject\":{{\"id\":\"{url}#list\",\"type\":\"BitstringStatusList\",\"statusPurpose\":\"{purpose}\",\"encodedList\":\"{encoded}\"}}",
                url = spec.url,
                did = issuer.did,
                purpose = spec.purpose,
            );
            let proof = format!(
                "\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-jcs-2022\",\"created\":\"{from}\",\"verificationMethod\":\"{}\",\"proofPurpose\":\"assertionMethod\"",
                issuer.method
            );
            let sign = |data: &[u8]| {
                ed25519_dalek::Signer::sign(&issuer.key, data)
                    .to_bytes()
                    .to_vec()
            };
            let value = jcs_proof(parser, canon, &format!("{{{members}}}"), &proof, &sign);
            Ok(format!(
                "{{{members},\"proof\":{{{proof},\"proofValue\":\"{value}\"}}}}\n"
            ))
        }
    }
}

/// Snapshot `k` of `history` (k < history - 1) of list `n`, whose last
/// snapshot holds `last`: each entry set in `last` was set from snapshot
/// `h mod (history - 1)` on (so each snapshot sets more than the one
/// before, and nothing a later one clears, but for suspensions); and on a
/// suspension list the entry after each set one was suspended from
/// snapshot `h mod (history - 1)` and lifted before the last. `h` is a
/// hash of the list and the entry, so the output is the same everywhere.
fn snapshot_bits(spec: &ListSpec, n: usize, last: &[u8], k: u32, history: u32) -> Vec<u8> {
    let size = spec.size;
    let step = u64::from(history - 1);
    let from_snapshot = |index: u64, salt: u64| {
        let h = (n as u64 ^ salt)
            .wrapping_add(index)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) % step
    };
    let value = |bytes: &[u8], index: u64| -> u64 {
        (0..size).fold(0, |v, b| {
            let at = index * size + b;
            (v << 1) | u64::from(bytes[(at / 8) as usize] >> (7 - at % 8) & 1)
        })
    };
    let mut out = vec![0u8; last.len()];
    let set = |out: &mut Vec<u8>, index: u64, v: u64| {
        for b in 0..size {
            if v >> (size - 1 - b) & 1 == 1 {
                let at = index * size + b;
                out[(at / 8) as usize] |= 0x80 >> (at % 8);
            }
        }
    };
    for index in 0..spec.entries {
        let v = value(last, index);
        if v != 0 {
            if from_snapshot(index, 0) <= u64::from(k) {
                set(&mut out, index, v);
            }
            let next = index + 1;
            if spec.purpose == "suspension"
                && next < spec.entries
                && value(last, next) == 0
                && from_snapshot(next, 1) <= u64::from(k)
            {
                set(&mut out, next, 1);
            }
        }
    }
    out
}
