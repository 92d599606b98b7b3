//! Every `credentialStatus` entry of a credential, answered from the lists
//! loaded for the run (CONTRACT.md `--status-lists`, `--strict-status`).
//!
//! The answers are computed while the record is parsed (a hash lookup and a
//! bitmap probe per entry) and kept aside; the pipeline adds them to the
//! record only once its proof has verified and its issuer matched, since a
//! status is trusted only then.

use std::collections::HashMap;

use super::entry::{list_kind, read_all};
use super::list::{ListBody, ListKind, MIN_ENTRIES, Purpose, StatusList};
use crate::json::Value;
use crate::time::Timestamp;
use crate::verdict::{
    EntryIndex as Index, Evidence, Findings, NamedEntry as Named, Problem, StatusEntry as Entry,
    Warning,
};

/// The loaded lists, keyed by the URL entries name them by.
#[derive(Debug, Default)]
pub struct StatusLists {
    lists: HashMap<Box<str>, StatusList>,
    /// `--strict-status`: numeric indices and short lists are problems, not
    /// warnings.
    pub strict: bool,
}

/// What a record's status entries said, before it is known whether the
/// record's proof verified.
#[derive(Clone, Debug, Default)]
pub struct StatusAnswer {
    /// Problems (with the list and index that answered) and warnings.
    pub findings: Findings,
    /// `message` entries: the `statusMessage` text of each value found, or
    /// the value in hex (`0x2`) when the entry has no text for it.
    pub messages: Vec<String>,
    /// Entries answered by a list whose issuer is not the credential's,
    /// but which was signed: they count only if the credential was
    /// verified under one of the list's keys
    /// ([`StatusAnswer::settle_same_key`]).
    pub same_key: Vec<SameKey>,
    /// The lists chosen among several snapshots of their URL that answered
    /// an entry: URL and `validFrom`, in the order first used.
    pub snapshots: Vec<(Box<str>, Option<Timestamp>)>,
}

/// An entry answered on condition that the credential and its list share
/// a signing key.
#[derive(Clone, Debug)]
pub struct SameKey {
    /// The keys the list was verified under.
    pub signers: Vec<[u8; 32]>,
    /// The list's URL, for the evidence of `status_list_issuer`.
    pub list: String,
    /// What the entry said.
    pub answer: Box<StatusAnswer>,
}

impl StatusAnswer {
    /// Notes that the snapshot of `url` valid from `from` answered.
    fn note_snapshot(&mut self, url: &str, from: Option<Timestamp>) {
        if !self.snapshots.iter().any(|(u, _)| **u == *url) {
            self.snapshots.push((url.into(), from));
        }
    }

    /// Notes `list`, found under `url`, when it is one of several snapshots.
    fn note_list(&mut self, url: &str, list: &StatusList) {
        if list.of_several {
            self.note_snapshot(url, list.valid_from);
        }
    }

    /// Decides the conditional entries once the keys that verified the
    /// credential are known: an entry whose list was signed under one of
    /// `signed_by` counts, with the warning `status_list_same_key` (the
    /// Digital Credentials Consortium signs its lists under a `did:key`
    /// whose key its issuers' `did:web` documents list); any other is
    /// `status_list_issuer`.
    pub fn settle_same_key(&mut self, signed_by: &[[u8; 32]]) {
        for entry in std::mem::take(&mut self.same_key) {
            if entry.signers.iter().any(|k| signed_by.contains(k)) {
                let answer = *entry.answer;
                self.findings.extend(answer.findings);
                self.findings.warnings.insert(Warning::StatusListSameKey);
                self.messages.extend(answer.messages);
                for (url, from) in answer.snapshots {
                    self.note_snapshot(&url, from);
                }
            } else {
                self.findings.problem_with(
                    Problem::StatusListIssuer,
                    Evidence::Status {
                        list: entry.list.into(),
                        index: None,
                    },
                );
            }
        }
    }
}

impl StatusLists {
    /// No lists yet; `strict` as `--strict-status` says.
    pub fn new(strict: bool) -> StatusLists {
        StatusLists {
            lists: HashMap::new(),
            strict,
        }
    }

    /// Adds the list of `url`, replacing any earlier one (the caller
    /// chooses among snapshots: `crate::run::load_status_lists`).
    pub fn insert(&mut self, url: &str, list: StatusList) {
        self.lists.insert(url.into(), list);
    }

    /// The list loaded under `url`, if any.
    pub fn get(&self, url: &str) -> Option<&StatusList> {
        self.lists.get(url)
    }

    /// Every list's URL and the SHA-256 of its document, sorted by URL.
    pub fn used(&self) -> Vec<(String, [u8; 32])> {
        let mut used: Vec<(String, [u8; 32])> = self
            .lists
            .iter()
            .map(|(url, list)| (url.to_string(), list.digest))
            .collect();
        used.sort();
        used
    }

    /// Number of lists loaded.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether no list was loaded.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Answers every entry of `status` (one object or an array) for a
    /// credential by `issuer` with id `id`.
    pub fn check(&self, status: Value<'_>, issuer: &str, id: Option<&str>, out: &mut StatusAnswer) {
        self.check_entries(&read_all(status), issuer, id, out);
    }

    /// Answers `entries`, as read ([`read_all`]), for a credential
    /// by `issuer` with id `id`.
    pub fn check_entries(
        &self,
        entries: &[Entry],
        issuer: &str,
        id: Option<&str>,
        out: &mut StatusAnswer,
    ) {
        for entry in entries {
            let mut at = Located::default();
            let result = match self.check_entry(entry, Some(issuer), id, &mut at, out) {
                Err(Problem::StatusListIssuer) => self.check_same_key(entry, id, at.list, out),
                other => other,
            };
            if let Err(p) = result {
                match at.evidence() {
                    Some(evidence) => out.findings.problem_with(p, evidence),
                    None => out.findings.problem(p),
                }
            }
        }
    }

    /// Answers an Open Badges 2.0 assertion with id `id` from the
    /// `revocationList` at `url` that its issuer Profile names. The
    /// Profile, given offline, vouches for the list, so no issuer is
    /// compared; the list is unsigned (warning `status_list_unsigned`).
    pub fn check_ob2(&self, url: &str, id: &str, out: &mut StatusAnswer) {
        let answer = (|| {
            let list = self.lists.get(url).ok_or(Problem::StatusListMissing)?;
            out.note_list(url, list);
            list.usable?;
            if list.kind != ListKind::Ob2 {
                return Err(Problem::StatusListKind);
            }
            out.findings.warnings.extend(list.warnings);
            match &list.body {
                ListBody::Revoked(ids) if ids.contains(id) => Err(Problem::Revoked),
                _ => Ok(()),
            }
        })();
        if let Err(p) = answer {
            let evidence = Evidence::Status {
                list: url.into(),
                index: None,
            };
            out.findings.problem_with(p, evidence);
        }
    }

    /// Answers an entry whose list has another issuer than the credential
    /// on condition ([`SameKey`]), when the list was signed.
    fn check_same_key(
        &self,
        entry: &Entry,
        id: Option<&str>,
        url: Option<&str>,
        out: &mut StatusAnswer,
    ) -> Result<(), Problem> {
        let (Some(url), Some(list)) = (url, url.and_then(|u| self.lists.get(u))) else {
            return Err(Problem::StatusListIssuer);
        };
        if list.signers.is_empty() {
            return Err(Problem::StatusListIssuer);
        }
        let mut answer = StatusAnswer::default();
        let mut at = Located::default();
        if let Err(p) = self.check_entry(entry, None, id, &mut at, &mut answer) {
            match at.evidence() {
                Some(evidence) => answer.findings.problem_with(p, evidence),
                None => answer.findings.problem(p),
            }
        }
        out.same_key.push(SameKey {
            signers: list.signers.clone(),
            list: url.to_owned(),
            answer: Box::new(answer),
        });
        Ok(())
    }

    /// Answers one entry; `issuer: None` leaves out the issuer comparison
    /// (the caller decides it, [`StatusLists::check_same_key`]).
    fn check_entry<'e>(
        &self,
        entry: &'e Entry,
        issuer: Option<&str>,
        id: Option<&str>,
        at: &mut Located<'e>,
        out: &mut StatusAnswer,
    ) -> Result<(), Problem> {
        let entry: &Named = match entry {
            Entry::Refused(p) => return Err(*p),
            Entry::Named(named) => named,
        };
        at.list = entry.url.as_deref();
        let url = entry.url.as_deref().ok_or(Problem::StatusEntryMalformed)?;
        let list = self.lists.get(url).ok_or(Problem::StatusListMissing)?;
        out.note_list(url, list);
        list.usable?;
        out.findings.warnings.extend(list.warnings);
        if issuer.is_some_and(|issuer| *list.issuer != *issuer) {
            return Err(Problem::StatusListIssuer);
        }
        if list.kind != list_kind(entry.kind) {
            return Err(Problem::StatusListKind);
        }
        let (purposes, bits) = match &list.body {
            ListBody::Revoked(ids) => {
                // A credential without an id cannot be looked up.
                if ids.contains(id.ok_or(Problem::StatusEntryMalformed)?) {
                    return Err(Problem::Revoked);
                }
                return Ok(());
            }
            ListBody::Bits { purposes, bits } => (purposes, bits),
        };
        let purpose = entry
            .purpose
            .as_ref()
            .ok_or(Problem::StatusEntryMalformed)?;
        if !purposes.contains(purpose) {
            return Err(Problem::StatusPurposeMismatch);
        }
        let index = self.index(entry.index, out)?;
        at.index = Some(index);
        let size = entry.size.ok_or(Problem::StatusEntryMalformed)?;
        // §2.1: an entry of more than one bit must say what each of its
        // 2^size values means.
        if size > 1 && entry.message_count != 1u64 << size {
            return Err(Problem::StatusEntryMalformed);
        }
        if bits.len_bits() / u64::from(size) < MIN_ENTRIES {
            self.lenient(Problem::StatusListShort, Warning::StatusListShort, out)?;
        }
        let value = bits
            .value(index, size)
            .ok_or(Problem::StatusIndexOutOfRange)?;
        match purpose {
            Purpose::Revocation if value != 0 => Err(Problem::Revoked),
            Purpose::Suspension if value != 0 => Err(Problem::Suspended),
            Purpose::Refresh if value != 0 => {
                out.findings.warn(Warning::StatusRefresh);
                Ok(())
            }
            Purpose::Message => {
                out.messages.push(entry.message(value));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `statusListIndex`: a string of decimal digits, or (leniently) a JSON
    /// integer.
    fn index(&self, index: Index, out: &mut StatusAnswer) -> Result<u64, Problem> {
        match index {
            Index::Malformed => Err(Problem::StatusEntryMalformed),
            // An integer of any size: beyond u64 it is beyond every list.
            Index::TooLarge => Err(Problem::StatusIndexOutOfRange),
            Index::Text(n) => Ok(n),
            Index::Numeric(n) => {
                self.lenient(
                    Problem::StatusIndexNumeric,
                    Warning::StatusIndexNumeric,
                    out,
                )?;
                Ok(n)
            }
        }
    }

    /// A rule real lists commonly break: a warning, or under
    /// `--strict-status` the entry's problem.
    fn lenient(
        &self,
        problem: Problem,
        warning: Warning,
        out: &mut StatusAnswer,
    ) -> Result<(), Problem> {
        if self.strict {
            return Err(problem);
        }
        out.findings.warn(warning);
        Ok(())
    }
}

/// Where a status entry points, as far as it was read.
#[derive(Default)]
struct Located<'e> {
    list: Option<&'e str>,
    index: Option<u64>,
}

impl Located<'_> {
    fn evidence(&self) -> Option<Evidence> {
        self.list.map(|list| Evidence::Status {
            list: list.into(),
            index: self.index,
        })
    }
}
