//! Batch sizes chosen from the share of invalid signatures seen so far,
//! and when invalid signatures are dense, single checks instead of batches.

use super::batch::{Signature, verify_each_using};
use super::table::KeyTables;

/// Default upper bound of signatures per batch. `benches/verify.rs`, 5
/// issuers: 7.5 µs per signature in batches of 64, 6.3 µs at 256, 4.9 µs
/// at 1,024 on an Intel Cascade Lake core; 4.6, 3.9 and 3.6 µs on an AMD
/// EPYC (Zen 4) core (the doubling chain of the multiscalar
/// multiplication, about 50 µs, is shared by the batch). These leave out
/// decompressing each `R` (about 4 µs, which the batch now does itself):
/// it is the same whatever the size.
pub const DEFAULT_BATCH_SIZE: usize = 1024;

/// Chooses batch sizes from the invalid signatures seen so far.
///
/// A batch of `n` costs about `α + β·n` (`α` the shared doubling chain,
/// `β` a point; `benches/verify.rs`: batches of 16 and 64 from 5 issuers
/// take 171 µs and 485 µs on Cascade Lake, so `β ≈ 6.5 µs`, `α ≈ 67 µs`;
/// 113 µs and 295 µs on Zen 4, `β ≈ 3.8 µs`, `α ≈ 52 µs`), and a batch that
/// holds an invalid signature costs about one batch more to find it
/// (decompressing `R`, the same at every size, is left out). With
/// a share `p` of invalid signatures the cost per signature,
/// `α/n + β + p·(α + β·n)`, is least at `n = √(α / (β·p))`: 60 at
/// `p` = 0.3%, the whole limit on an all-valid export. `p` is estimated over
/// the worker's recent signatures.
///
/// At that best size a batch costs `β·(1 + √(α·p/β))²` a signature, which
/// grows with `p` past the cost of checking each signature alone: from
/// [`SINGLES_ABOVE`] on, the tuner checks signatures one by one, through
/// per-key fixed-base tables ([`KeyTables`], which it keeps for its worker).
/// It keeps counting failures, so it returns to batches when they thin
/// out. Verdicts never depend on the sizes nor on the choice.
#[derive(Clone, Debug)]
pub struct BatchTuner {
    seen: f64,
    bad: f64,
    strategy: Strategy,
    tables: KeyTables,
}

/// How a [`BatchTuner`] checks signatures. Every strategy gives every
/// signature the same answer; they differ only in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Batches while invalid signatures are rare, single checks with
    /// per-key tables once they are dense (the default).
    Adaptive,
    /// Always batches, sized from the share of invalid signatures; failed
    /// batches are attributed without per-key tables (the verifier before
    /// the single checks; kept for comparison, `benches/forged.rs`).
    Batches,
    /// Every signature checked alone, through per-key tables.
    Singles,
}

impl Default for BatchTuner {
    /// Starts from a prior of one invalid signature per thousand: a first
    /// batch of 1,024 holding several invalid ones would be bisected at
    /// great cost, while an all-valid export forgets the prior within a
    /// few tens of thousands of signatures and reaches the full size.
    fn default() -> Self {
        BatchTuner::new(Strategy::Adaptive)
    }
}

/// `α / β` of the cost model above: 10 on Cascade Lake, about 14 on Zen 4;
/// the best size grows with its square root, so either gives batches
/// within 20% of the best.
const DOUBLING_CHAIN_IN_POINTS: f64 = 10.0;

/// Smallest adaptive batch: below this the shared doubling chain dominates.
const MIN_ADAPTIVE_BATCH: usize = 16;

/// Signatures the estimate of `p` remembers, roughly: old counts are
/// halved past this, so the size follows a change in the export.
const TUNER_WINDOW: f64 = 20_000.0;

/// `p` from which single checks beat batches of the best size. The model
/// above puts it where `(1 + √(α·p/β))² = c/β`, `c` a single check; but
/// it leaves out the bisection of batches holding two or more invalid
/// signatures, which grows with `p`. Measured (`benches/forged.rs --
/// --singles --shares 1,2,3,4,6,8 --signatures 50000 --rounds 3`, two
/// Zen 4 cores: a single check goes through per-key variable-time tables
/// and compares the encoding of `[S]B − [k]A` with `R`, needing no
/// decompression, which a batch does), batches alone still win at 3% (by
/// 5%), single checks win at 4% (by 3%) and at 6% (by 29%): the switch is
/// put at 3.5%.
pub const SINGLES_ABOVE: f64 = 0.035;

impl BatchTuner {
    /// A tuner with the default prior (see [`BatchTuner::default`]) that
    /// checks signatures as `strategy` says.
    pub fn new(strategy: Strategy) -> BatchTuner {
        BatchTuner::with_tables(strategy, KeyTables::default())
    }

    /// As [`BatchTuner::new`], with per-key tables built as `tables` says
    /// (unused by [`Strategy::Batches`]).
    pub fn with_tables(strategy: Strategy, tables: KeyTables) -> BatchTuner {
        BatchTuner {
            seen: 1000.0,
            bad: 1.0,
            strategy,
            tables,
        }
    }

    /// Whether the next signatures are checked one by one.
    pub fn singles(&self) -> bool {
        match self.strategy {
            Strategy::Adaptive => self.bad / self.seen.max(1.0) >= SINGLES_ABOVE,
            Strategy::Batches => false,
            Strategy::Singles => true,
        }
    }

    /// The size of the next batch, at most `limit`.
    pub fn size(&self, limit: usize) -> usize {
        if self.bad < 0.5 {
            return limit.max(1);
        }
        let p = self.bad / self.seen.max(1.0);
        let best = (DOUBLING_CHAIN_IN_POINTS / p).sqrt() as usize;
        best.clamp(MIN_ADAPTIVE_BATCH, limit.max(MIN_ADAPTIVE_BATCH))
            .min(limit)
            .max(1)
    }

    /// Records a checked batch of `signatures` of which `invalid` failed.
    pub fn record(&mut self, signatures: usize, invalid: usize) {
        self.seen += signatures as f64;
        self.bad += invalid as f64;
        if self.seen > TUNER_WINDOW {
            self.seen /= 2.0;
            self.bad /= 2.0;
        }
    }
}

/// Each signature's answer, checked in batches of at most `limit` whose
/// sizes `tuner` chooses.
pub fn verify_in_batches(
    tuner: &mut BatchTuner,
    signatures: &[Signature],
    limit: usize,
) -> Vec<bool> {
    let mut answers = Vec::with_capacity(signatures.len());
    while answers.len() < signatures.len() {
        let start = answers.len();
        let end = (start + tuner.size(limit)).min(signatures.len());
        let group = &signatures[start..end];
        let before = answers.len();
        if tuner.singles() {
            answers.extend(tuner.tables.check_many(group));
        } else {
            let tables = match tuner.strategy {
                Strategy::Batches => None,
                _ => Some(&mut tuner.tables),
            };
            answers.extend(verify_each_using(group, tables));
        }
        let invalid = answers[before..].iter().filter(|ok| !**ok).count();
        tuner.record(group.len(), invalid);
    }
    answers
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::verify::{Prepared, VerifyingKey, verify_prepared};
    use ed25519_dalek::{Signer, SigningKey};

    /// `n` signatures from two issuers, about `percent` of them over an
    /// altered message.
    fn signatures(n: usize, percent: usize) -> Vec<Signature> {
        let keys: Vec<(SigningKey, Arc<VerifyingKey>)> = (0..2u8)
            .map(|i| {
                let sk = SigningKey::from_bytes(&[i + 7; 32]);
                let vk = VerifyingKey::screen(sk.verifying_key().to_bytes(), u32::from(i));
                (sk, Arc::new(vk.expect("key")))
            })
            .collect();
        (0..n)
            .map(|i| {
                let (sk, vk) = &keys[i % 2];
                let mut msg = (i as u32).to_le_bytes().to_vec();
                let sig = sk.sign(&msg).to_bytes();
                if (i * 7919) % 100 < percent {
                    msg.push(1);
                }
                Signature {
                    prepared: Prepared::new(&sig, vk, &msg).expect("prepares"),
                    key: vk.clone(),
                }
            })
            .collect()
    }

    #[test]
    fn every_strategy_gives_every_signature_its_single_answer() {
        for percent in [0, 2, 17, 60, 100] {
            let sigs = signatures(300, percent);
            let expected: Vec<bool> = sigs
                .iter()
                .map(|s| verify_prepared(&s.prepared, &s.key))
                .collect();
            assert_eq!(
                expected.iter().filter(|ok| !**ok).count(),
                (0..300).filter(|i| (i * 7919) % 100 < percent).count(),
                "{percent}%"
            );
            for strategy in [Strategy::Adaptive, Strategy::Batches, Strategy::Singles] {
                for eager in [false, true] {
                    for limit in [1, 7, 64, 1024] {
                        let tables = if eager {
                            KeyTables::new(1, 1)
                        } else {
                            KeyTables::default()
                        };
                        let mut tuner = BatchTuner::with_tables(strategy, tables);
                        assert_eq!(
                            verify_in_batches(&mut tuner, &sigs, limit),
                            expected,
                            "{percent}%, {strategy:?}, eager tables {eager}, limit {limit}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn dense_failures_switch_to_single_checks_and_back() {
        let mut tuner = BatchTuner::default();
        assert!(!tuner.singles());
        tuner.record(1000, 170);
        assert!(tuner.singles());
        let mut batches = 0;
        while tuner.singles() {
            tuner.record(1000, 0);
            batches += 1;
            assert!(
                batches < 100,
                "still single checks after {batches} clean groups"
            );
        }
        assert!(!BatchTuner::new(Strategy::Batches).singles());
        assert!(BatchTuner::new(Strategy::Singles).singles());
    }
}
