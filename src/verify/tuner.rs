//! Batch sizes chosen from the share of invalid signatures seen so far.

use super::batch::{Signature, verify_each};

/// Default upper bound of signatures per batch. `benches/verify.rs`, 5
/// issuers: 7.5 µs per signature in batches of 64, 6.3 µs at 256, 4.9 µs
/// at 1,024 on an Intel Cascade Lake core; 4.6, 3.9 and 3.6 µs on an AMD
/// EPYC (Zen 4) core (the doubling chain of the multiscalar
/// multiplication, about 50 µs, is shared by the batch).
pub const DEFAULT_BATCH_SIZE: usize = 1024;

/// Chooses batch sizes from the invalid signatures seen so far.
///
/// A batch of `n` costs about `α + β·n` (`α` the shared doubling chain,
/// `β` a point; `benches/verify.rs`: batches of 16 and 64 from 5 issuers
/// take 171 µs and 485 µs on Cascade Lake, so `β ≈ 6.5 µs`, `α ≈ 67 µs`;
/// 113 µs and 295 µs on Zen 4, `β ≈ 3.8 µs`, `α ≈ 52 µs`), and a batch that
/// holds an invalid signature costs about one batch more to find it. With
/// a share `p` of invalid signatures the cost per signature,
/// `α/n + β + p·(α + β·n)`, is least at `n = √(α / (β·p))`: 60 at
/// `p` = 0.3%, the whole limit on an all-valid export. `p` is estimated over
/// the worker's recent signatures. Verdicts never depend on the sizes.
#[derive(Clone, Debug)]
pub struct BatchTuner {
    seen: f64,
    bad: f64,
}

impl Default for BatchTuner {
    /// Starts from a prior of one invalid signature per thousand: a first
    /// batch of 1,024 holding several invalid ones would be bisected at
    /// great cost, while an all-valid export forgets the prior within a
    /// few tens of thousands of signatures and reaches the full size.
    fn default() -> Self {
        BatchTuner {
            seen: 1000.0,
            bad: 1.0,
        }
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

impl BatchTuner {
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
        let group = verify_each(&signatures[start..end]);
        tuner.record(group.len(), group.iter().filter(|ok| !**ok).count());
        answers.extend(group);
    }
    answers
}
