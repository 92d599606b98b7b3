//! The run summary: JSON for `--summary`, a few lines for standard error.

use std::fmt::Write as _;

use crate::time::Timestamp;
use crate::verdict::Verdict;

/// What a completed run found.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// Records judged, one verdict each.
    pub records: u64,
    /// Count per verdict, indexed by `Verdict as usize`.
    pub verdicts: [u64; 14],
    /// The instant every record was judged at.
    pub as_of: Timestamp,
    /// Wall-clock time of the run, loading included.
    pub elapsed_seconds: f64,
    /// Worker threads (1: the sequential driver).
    pub threads: usize,
    /// Upper bound of signatures per batch.
    pub batch_size: usize,
    /// The inputs as named in verdicts (`-` for standard input).
    pub inputs: Vec<String>,
    /// Signatures checked by the batch verifier.
    pub signatures: u64,
    /// JSON array inputs that lost their framing: the input's name and the
    /// element number of its `framing_lost` record.
    pub damaged_inputs: Vec<(String, u64)>,
    /// Files read: the inputs that are files, and the files found in
    /// directories.
    pub files: u64,
    /// Entries of walked directories passed over, by reason (`extension`,
    /// `not_a_file`).
    pub skipped_files: Vec<(String, u64)>,
    /// What a directory walk could not go through: path and why.
    pub walk_errors: Vec<(String, String)>,
    /// Files found in a walk that could not be opened: path and why.
    pub unreadable: Vec<(String, String)>,
    /// Inputs that were read and held no record (empty or blank files):
    /// their names, in input order.
    pub empty_inputs: Vec<String>,
    /// Verdict counts per issuer, sorted by issuer id; `None` for the
    /// records that named no issuer (they did not parse that far).
    pub issuers: Vec<(Option<String>, [u64; 14])>,
    /// Records that are Open Badges 2.0 hosted assertions: `unsupported`
    /// offline, they need an online check.
    pub hosted_assertions: u64,
    /// Verdict counts of the records of issuers past
    /// [`crate::limits::SUMMARY_ISSUERS`], together.
    pub other_issuers: Option<[u64; 14]>,
    /// `recheck`: how many records went from one verdict to another since
    /// the index was written (from, to, records), in verdict order.
    pub transitions: Vec<(Verdict, Verdict, u64)>,
    /// Records per input, in input order (not in the JSON: a shard's part
    /// records it, `crate::parts`).
    pub records_per_input: Vec<u64>,
    /// For each row of `issuers` with an id, the ordinal of its first
    /// record, in the rows' order (not in the JSON: a shard's part records
    /// it, so that `merge` keeps the issuers a run would have kept).
    pub issuers_first: Vec<u64>,
}

/// Verdict counts as a JSON object of the verdicts that occur.
fn counts_json(counts: &[u64; 14]) -> String {
    let parts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|v| counts[**v as usize] > 0)
        .map(|v| format!("\"{}\":{}", v.as_str(), counts[*v as usize]))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// Verdict counts in words, the largest first.
fn counts_human(counts: &[u64; 14]) -> String {
    let mut parts: Vec<(u64, Verdict)> = Verdict::ALL
        .iter()
        .filter(|v| counts[**v as usize] > 0)
        .map(|v| (counts[*v as usize], *v))
        .collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    parts
        .iter()
        .map(|(n, v)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Issuers the human summary lists, those with most records first.
const HUMAN_ISSUERS: usize = 10;

impl RunSummary {
    /// Number of records that got `v`.
    pub fn count(&self, v: Verdict) -> u64 {
        self.verdicts[v as usize]
    }

    /// Throughput over the whole run; 0 when no time was measured.
    pub fn records_per_second(&self) -> f64 {
        if self.elapsed_seconds > 0.0 {
            self.records as f64 / self.elapsed_seconds
        } else {
            0.0
        }
    }

    /// Whether every record is `valid` and every file was read (exit code
    /// 0): a walk that could not read everything is an incomplete audit.
    pub fn all_valid(&self) -> bool {
        self.count(Verdict::Valid) == self.records && self.complete()
    }

    /// Whether every file found was read.
    pub fn complete(&self) -> bool {
        self.walk_errors.is_empty() && self.unreadable.is_empty()
    }

    /// The summary as one JSON object (CONTRACT.md, "The run summary").
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "{{\"records\":{},\"verdicts\":{{", self.records);
        for (i, v) in Verdict::ALL.iter().enumerate() {
            let _ = write!(
                s,
                "{}\"{}\":{}",
                if i > 0 { "," } else { "" },
                v.as_str(),
                self.count(*v)
            );
        }
        let _ = write!(
            s,
            "}},\"as_of\":\"{}\",\"elapsed_seconds\":{:.6},\"records_per_second\":{:.1},\"threads\":{},\"batch_size\":{},\"signatures\":{},\"inputs\":[",
            self.as_of,
            self.elapsed_seconds,
            self.records_per_second(),
            self.threads,
            self.batch_size,
            self.signatures
        );
        let quoted = |name: &str| {
            let mut q = Vec::new();
            crate::json::write::write_string(&mut q, name);
            String::from_utf8_lossy(&q).into_owned()
        };
        let inputs: Vec<String> = self.inputs.iter().map(|n| quoted(n)).collect();
        let empty: Vec<String> = self.empty_inputs.iter().map(|n| quoted(n)).collect();
        let damaged: Vec<String> = self
            .damaged_inputs
            .iter()
            .map(|(name, element)| format!("{{\"input\":{},\"element\":{element}}}", quoted(name)))
            .collect();
        let problems = |list: &[(String, String)]| {
            list.iter()
                .map(|(path, error)| {
                    format!("{{\"path\":{},\"error\":{}}}", quoted(path), quoted(error))
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let skipped: Vec<String> = self
            .skipped_files
            .iter()
            .map(|(reason, n)| format!("{}:{n}", quoted(reason)))
            .collect();
        let issuers: Vec<String> = self
            .issuers
            .iter()
            .map(|(id, counts)| {
                format!(
                    "{{\"issuer\":{},\"records\":{},\"verdicts\":{}}}",
                    id.as_deref().map_or_else(|| "null".to_owned(), quoted),
                    counts.iter().sum::<u64>(),
                    counts_json(counts)
                )
            })
            .collect();
        let others = self.other_issuers.as_ref().map_or_else(
            || "null".to_owned(),
            |counts| {
                format!(
                    "{{\"records\":{},\"verdicts\":{}}}",
                    counts.iter().sum::<u64>(),
                    counts_json(counts)
                )
            },
        );
        let _ = writeln!(
            s,
            "{}],\"damaged_inputs\":[{}],\"files\":{},\"skipped_files\":{{{}}},\"walk_errors\":[{}],\"unreadable\":[{}],\"empty_inputs\":[{}],\"issuers\":[{}],\"other_issuers\":{others},\"hosted_assertions\":{}}}",
            inputs.join(","),
            damaged.join(","),
            self.files,
            skipped.join(","),
            problems(&self.walk_errors),
            problems(&self.unreadable),
            empty.join(","),
            issuers.join(","),
            self.hosted_assertions
        );
        if !self.transitions.is_empty() {
            // Before the object's closing brace and newline.
            s.truncate(s.len() - 2);
            let rows: Vec<String> = self
                .transitions
                .iter()
                .map(|(from, to, n)| {
                    format!("{{\"from\":\"{from}\",\"to\":\"{to}\",\"records\":{n}}}")
                })
                .collect();
            let _ = writeln!(s, ",\"transitions\":[{}]}}", rows.join(","));
        }
        s
    }

    /// The short human summary for standard error.
    pub fn to_human(&self) -> String {
        let mut s = format!(
            "credverify: {} records in {:.2} s ({:.0} records/s, {} threads), judged at {}\n",
            self.records,
            self.elapsed_seconds,
            self.records_per_second(),
            self.threads,
            self.as_of
        );
        let parts: Vec<String> = Verdict::ALL
            .iter()
            .filter(|v| self.count(**v) > 0)
            .map(|v| format!("{} {}", self.count(*v), v))
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(s, "credverify: {}", parts.join(", "));
        }
        if self.hosted_assertions > 0 {
            let _ = writeln!(
                s,
                "credverify: {} Open Badges 2.0 hosted assertions need an online check (hosted_assertion)",
                self.hosted_assertions
            );
        }
        let skipped: u64 = self.skipped_files.iter().map(|(_, n)| n).sum();
        if skipped > 0 || !self.complete() {
            let reasons: Vec<String> = self
                .skipped_files
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect();
            let _ = writeln!(
                s,
                "credverify: {} files read, {skipped} skipped ({}), {} walk errors, {} unreadable",
                self.files,
                reasons.join(", "),
                self.walk_errors.len(),
                self.unreadable.len()
            );
        }
        if !self.transitions.is_empty() {
            let rows: Vec<String> = self
                .transitions
                .iter()
                .map(|(from, to, n)| format!("{n} {from} → {to}"))
                .collect();
            let _ = writeln!(
                s,
                "credverify: changed since the index: {}",
                rows.join(", ")
            );
        }
        if !self.empty_inputs.is_empty() {
            // A file that holds nothing is no record, but never passes
            // unseen: the first few are named, the summary has them all.
            let shown: Vec<&str> = self
                .empty_inputs
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            let more = self.empty_inputs.len() - shown.len();
            let _ = writeln!(
                s,
                "credverify: {} inputs held no record: {}{}",
                self.empty_inputs.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        if self.issuers.len() > 1 || self.other_issuers.is_some() {
            let mut rows: Vec<&(Option<String>, [u64; 14])> = self.issuers.iter().collect();
            rows.sort_by_key(|(_, c)| std::cmp::Reverse(c.iter().sum::<u64>()));
            let _ = writeln!(s, "credverify: by issuer ({} issuers):", self.issuers.len());
            for (id, counts) in rows.iter().take(HUMAN_ISSUERS) {
                let _ = writeln!(
                    s,
                    "credverify:   {}: {}",
                    id.as_deref().unwrap_or("(no issuer)"),
                    counts_human(counts)
                );
            }
            if rows.len() > HUMAN_ISSUERS {
                let _ = writeln!(
                    s,
                    "credverify:   and {} more (the --summary file lists them all)",
                    rows.len() - HUMAN_ISSUERS
                );
            }
            if let Some(counts) = &self.other_issuers {
                let _ = writeln!(
                    s,
                    "credverify:   issuers past the first {}: {}",
                    crate::limits::SUMMARY_ISSUERS,
                    counts_human(counts)
                );
            }
        }
        for (name, element) in &self.damaged_inputs {
            let _ = writeln!(
                s,
                "credverify: {name}: framing lost from element {element} on (one framing_lost record)"
            );
        }
        s
    }
}
