//! Splitting one run across machines (issue "Beyond one machine"): which
//! shard a run is ([`Shard`], from `K/N` or from the environment that
//! Kubernetes Indexed Jobs and Slurm job arrays set), and which part of
//! the inputs each shard owns ([`Plan`]).
//!
//! The rule, whatever N: the inputs are laid end to end, in order, as one
//! space of bytes, and shard `K` of `N` owns the bytes from `T·K/N` to
//! `T·(K+1)/N` of its `T`. A plain JSON Lines file is cut there at record
//! boundaries: a record belongs to the shard whose bytes hold its first
//! byte, so every record is in exactly one part and no shard reads more
//! than its share (and the rest of its last record). Any other input (a
//! JSON array, a single-value file, a badge, a file found in a directory)
//! is whole: it belongs to the shard whose bytes hold its first byte. A
//! gzip stream cannot be cut: every shard reads it from the start and
//! keeps its contiguous share of its records ([`record_share`]).
//!
//! Not yet wired into `verify`: this is the arithmetic, tested on its own.

use std::ops::Range;

/// Which of `count` shards a run is: `index` from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// How many shards the run is split into.
    pub count: u64,
}

/// Why a shard could not be named: exit 2, with this message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--shard: {0}")]
pub struct ShardError(pub String);

/// Kubernetes Indexed Jobs: the completion index of the pod.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The Job's `completions`, which the manifest passes on (Kubernetes does
/// not set it).
pub const K8S_COUNT: &str = "JOB_COMPLETIONS";
/// Slurm job arrays: the task's id, the lowest id, the number of tasks and
/// the highest id.
pub const SLURM_ID: &str = "SLURM_ARRAY_TASK_ID";
/// See [`SLURM_ID`].
pub const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";
/// See [`SLURM_ID`].
pub const SLURM_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// See [`SLURM_ID`].
pub const SLURM_MAX: &str = "SLURM_ARRAY_TASK_MAX";

impl Shard {
    /// The whole run: one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// `--shard K/N`, or `--shard env` read through `var` (the process
    /// environment, or a test's): Kubernetes when [`K8S_INDEX`] is set,
    /// Slurm when [`SLURM_ID`] is; never both, never neither.
    pub fn parse(arg: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        if arg == "env" {
            return Shard::from_env(var);
        }
        let (k, n) = arg
            .split_once('/')
            .ok_or_else(|| ShardError(format!("{arg:?} is neither K/N nor env")))?;
        let number = |what: &str, text: &str| {
            text.parse::<u64>().map_err(|_| {
                ShardError(format!("{what} {text:?} in {arg:?} is not a whole number"))
            })
        };
        Shard::new(number("K", k)?, number("N", n)?)
    }

    /// Shard `index` of `count`, which must be at least 1 and above it.
    pub fn new(index: u64, count: u64) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError("N must be at least 1".into()));
        }
        if index >= count {
            return Err(ShardError(format!(
                "K is {index}, but shards are numbered 0 to {} of {count}",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let number = |name: &str| -> Result<Option<u64>, ShardError> {
            match var(name) {
                None => Ok(None),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| ShardError(format!("{name}={text:?} is not a whole number"))),
            }
        };
        let required = |name: &str, with: &str| -> Result<u64, ShardError> {
            number(name)?.ok_or_else(|| ShardError(format!("{with} is set but {name} is not")))
        };
        match (number(K8S_INDEX)?, var(SLURM_ID).is_some()) {
            (Some(_), true) => Err(ShardError(format!(
                "both {K8S_INDEX} (Kubernetes) and {SLURM_ID} (Slurm) are set; give --shard K/N"
            ))),
            (Some(k), false) => {
                let n = required(K8S_COUNT, K8S_INDEX)?;
                Shard::new(k, n)
                    .map_err(|e| ShardError(format!("{K8S_INDEX}={k}, {K8S_COUNT}={n}: {}", e.0)))
            }
            (None, true) => {
                let id = required(SLURM_ID, SLURM_ID)?;
                let min = required(SLURM_MIN, SLURM_ID)?;
                let count = required(SLURM_COUNT, SLURM_ID)?;
                if let Some(max) = number(SLURM_MAX)?
                    && max.checked_sub(min).and_then(|d| d.checked_add(1)) != Some(count)
                {
                    return Err(ShardError(format!(
                        "{SLURM_MAX}={max}, {SLURM_MIN}={min} and {SLURM_COUNT}={count}: the array has a step or a list of ids; give it as --array=MIN-MAX"
                    )));
                }
                let k = id.checked_sub(min).ok_or_else(|| {
                    ShardError(format!("{SLURM_ID}={id} is below {SLURM_MIN}={min}"))
                })?;
                Shard::new(k, count).map_err(|e| {
                    ShardError(format!(
                        "{SLURM_ID}={id}, {SLURM_MIN}={min}, {SLURM_COUNT}={count}: {}",
                        e.0
                    ))
                })
            }
            (None, false) => Err(ShardError(format!(
                "--shard env needs {K8S_INDEX} and {K8S_COUNT} (a Kubernetes Indexed Job) or {SLURM_ID}, {SLURM_MIN} and {SLURM_COUNT} (a Slurm job array); none is set"
            ))),
        }
    }

    /// This shard's bytes of a space of `total` bytes: `total·K/N` to
    /// `total·(K+1)/N`.
    pub fn bytes_of(self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// Whether the byte at `offset` of a space of `total` bytes is this
    /// shard's. An offset at the very end (an empty input last) is the
    /// last shard's.
    pub fn owns(self, offset: u64, total: u64) -> bool {
        let range = self.bytes_of(total);
        range.contains(&offset) || (offset >= total && self.index + 1 == self.count)
    }
}

/// Where the first record at or after `at` starts in a JSON Lines text:
/// `at` itself when it starts a line, else just after the next newline
/// (the end when there is none).
pub fn record_start(text: &[u8], at: usize) -> usize {
    if at == 0 || at >= text.len() {
        return at.min(text.len());
    }
    match memchr::memchr(b'\n', &text[at - 1..]) {
        Some(i) => at + i,
        None => text.len(),
    }
}

/// The records of a JSON Lines text of input `input` that `shard` owns,
/// as a byte range of the text, when the inputs' bytes start at `base`
/// in a space of `total`: from the first record starting in its bytes to
/// the first starting after them. The ranges of all shards are adjacent
/// and cover the text.
pub fn line_share(text: &[u8], base: u64, total: u64, shard: Shard) -> Range<usize> {
    let mine = shard.bytes_of(total);
    let local = |g: u64| g.saturating_sub(base).min(text.len() as u64) as usize;
    let end = if shard.index + 1 == shard.count {
        text.len()
    } else {
        record_start(text, local(mine.end))
    };
    record_start(text, local(mine.start)).min(end)..end
}

/// Shard `shard`'s contiguous share of `records` records: from
/// `records·K/N` to `records·(K+1)/N`.
pub fn record_share(records: u64, shard: Shard) -> Range<u64> {
    shard.bytes_of(records)
}

/// What one shard reads of one input, once its plan is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Share {
    /// Nothing: another shard's input.
    Skip,
    /// The whole input.
    Whole,
    /// These bytes of a plain JSON Lines file: whole records, from one
    /// that starts the range to the end of the last that starts in it.
    Bytes(Range<u64>),
    /// These records of a stream (a gzip file), numbered from 0 as a run
    /// meets them, of `of` in all ([`record_share`]).
    Records {
        /// The records.
        range: Range<u64>,
        /// The stream's records.
        of: u64,
    },
}

/// The lines a JSON Lines range covers, as the pipeline numbers them
/// (blank ones included; a last line without a newline counts).
pub fn lines_in(bytes: &[u8]) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    newlines + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// What a shard does with each input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Not this shard's: it is not opened.
    None,
    /// The whole input.
    Whole,
    /// The records that start within this shard's bytes of a plain JSON
    /// Lines file ([`line_share`]).
    Lines,
    /// This shard's share of the records of a stream that cannot be cut
    /// ([`record_share`]): read whole, kept in part.
    Records,
}

/// How an input can be divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A plain (not compressed) JSON Lines file: cut at record boundaries.
    Lines,
    /// A compressed stream (gzip) or standard input: every shard reads it
    /// and judges its share of the records. Its bytes are left out of the
    /// space the other inputs are divided by.
    Stream,
    /// Anything else: whole files.
    Whole,
}

/// The parts of a shard: for each input (its kind and size, in order),
/// what the shard does with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Where each input starts in the space of bytes, and the space's size.
    pub bases: Vec<u64>,
    /// The total.
    pub total: u64,
    /// What this shard does with each input.
    pub parts: Vec<Part>,
}

impl Plan {
    /// The plan of `shard` for inputs of these kinds and sizes.
    pub fn new(inputs: &[(Kind, u64)], shard: Shard) -> Plan {
        let mut bases = Vec::with_capacity(inputs.len());
        let mut total = 0u64;
        for (kind, size) in inputs {
            bases.push(total);
            if *kind != Kind::Stream {
                total = total.saturating_add(*size);
            }
        }
        let mine = shard.bytes_of(total);
        let parts = inputs
            .iter()
            .zip(&bases)
            .map(|(&(kind, size), &base)| match kind {
                Kind::Stream => Part::Records,
                Kind::Whole if shard.owns(base, total) => Part::Whole,
                Kind::Whole => Part::None,
                // A JSON Lines file some of whose bytes are this shard's
                // (its records are, or the rest of one starting earlier:
                // the share then comes out empty).
                Kind::Lines
                    if size > 0 && base < mine.end && base + size > mine.start
                        || size == 0 && shard.owns(base, total) =>
                {
                    Part::Lines
                }
                Kind::Lines => Part::None,
            })
            .collect();
        Plan {
            bases,
            total,
            parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn k_of_n_is_parsed_and_checked() {
        let none = env(&[]);
        assert_eq!(Shard::parse("0/1", &none), Ok(Shard::WHOLE));
        assert_eq!(Shard::parse("6/7", &none), Ok(Shard { index: 6, count: 7 }));
        for bad in ["7/7", "1/0", "x/2", "1", "-1/2", "1/2/3", ""] {
            assert!(Shard::parse(bad, &none).is_err(), "{bad}");
        }
        let message = Shard::parse("7/7", &none).unwrap_err().to_string();
        assert!(message.contains("0 to 6"), "{message}");
    }

    #[test]
    fn kubernetes_and_slurm_name_the_shard() {
        let k8s = env(&[(K8S_INDEX, "3"), (K8S_COUNT, "8")]);
        assert_eq!(Shard::parse("env", &k8s), Ok(Shard { index: 3, count: 8 }));
        let slurm = env(&[
            (SLURM_ID, "12"),
            (SLURM_MIN, "10"),
            (SLURM_COUNT, "4"),
            (SLURM_MAX, "13"),
        ]);
        assert_eq!(
            Shard::parse("env", &slurm),
            Ok(Shard { index: 2, count: 4 })
        );
    }

    #[test]
    fn a_missing_or_inconsistent_variable_is_named() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (&[], K8S_INDEX),
            (&[(K8S_INDEX, "3")], K8S_COUNT),
            (&[(K8S_INDEX, "8"), (K8S_COUNT, "8")], "0 to 7"),
            (&[(K8S_INDEX, "x"), (K8S_COUNT, "8")], K8S_INDEX),
            (&[(SLURM_ID, "1"), (SLURM_MIN, "0")], SLURM_COUNT),
            // --array=0-10:2: six tasks, ids 0, 2, …, 10.
            (
                &[
                    (SLURM_ID, "2"),
                    (SLURM_MIN, "0"),
                    (SLURM_COUNT, "6"),
                    (SLURM_MAX, "10"),
                ],
                "step",
            ),
            (
                &[(K8S_INDEX, "0"), (K8S_COUNT, "1"), (SLURM_ID, "0")],
                "both",
            ),
        ];
        for (vars, named) in cases {
            let message = Shard::parse("env", &env(vars)).unwrap_err().to_string();
            assert!(message.contains(named), "{vars:?}: {message}");
        }
    }

    /// A JSON Lines text of `n` records of varied lengths, a blank line
    /// and a last record without a newline.
    fn lines(n: usize) -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..n {
            text.extend(format!("{{\"r\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i * 7 % 23)).bytes());
            if i == n / 2 {
                text.push(b'\n');
            }
        }
        text.extend(b"{\"last\":1}");
        text
    }

    #[test]
    fn every_record_is_in_exactly_one_share() {
        let text = lines(40);
        let starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', &text).map(|i| i + 1))
            .filter(|&s| s < text.len())
            .collect();
        // Alone, and after other inputs (`base`) in a larger space.
        for (base, total) in [(0, text.len() as u64), (500, text.len() as u64 + 900)] {
            for n in [1, 2, 3, 7, 64, 1000] {
                let shares: Vec<Range<usize>> = (0..n)
                    .map(|k| line_share(&text, base, total, Shard::new(k, n).unwrap()))
                    .collect();
                assert_eq!(shares[0].start, 0, "{n}");
                assert_eq!(shares.last().unwrap().end, text.len(), "{n}");
                for w in shares.windows(2) {
                    assert_eq!(w[0].end, w[1].start, "{n}: adjacent");
                }
                for s in &shares {
                    assert!(s.start == s.end || starts.contains(&s.start), "{n}: {s:?}");
                }
                // Each record's first byte is in the bytes of the shard
                // that has it (or before them, for the first shard
                // holding a record when the space starts earlier).
                for (k, s) in shares.iter().enumerate() {
                    let mine = Shard::new(k as u64, n).unwrap().bytes_of(total);
                    for &r in starts.iter().filter(|&&r| s.contains(&r)) {
                        let g = base + r as u64;
                        assert!(g < mine.end || k as u64 + 1 == n, "{n}/{k}: {g}");
                        assert!(g >= mine.start || r == 0, "{n}/{k}: {g}");
                    }
                }
            }
        }
    }

    #[test]
    fn whole_inputs_go_to_one_shard_and_streams_to_all() {
        let inputs = [
            (Kind::Whole, 100),
            (Kind::Lines, 1000),
            (Kind::Whole, 0),
            (Kind::Stream, 300),
            (Kind::Whole, 50),
            (Kind::Lines, 0),
        ];
        for n in [1, 2, 3, 7, 64] {
            let plans: Vec<Plan> = (0..n)
                .map(|k| Plan::new(&inputs, Shard::new(k, n).unwrap()))
                .collect();
            for (i, (kind, _)) in inputs.iter().enumerate() {
                let holders = plans.iter().filter(|p| p.parts[i] != Part::None).count();
                match kind {
                    Kind::Stream => assert_eq!(holders, n as usize, "{n}: input {i}"),
                    Kind::Whole => assert_eq!(holders, 1, "{n}: input {i}"),
                    Kind::Lines => assert!(holders >= 1, "{n}: input {i}"),
                }
            }
        }
        // One shard: everything, whole or as all its lines.
        let one = Plan::new(&inputs, Shard::WHOLE);
        assert!(one.parts.iter().all(|p| *p != Part::None));
        assert_eq!(record_share(10, Shard::new(2, 3).unwrap()), 6..10);
        assert_eq!(record_share(2, Shard::new(0, 64).unwrap()), 0..0);
    }
}
