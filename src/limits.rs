//! Every bound on the work one record may cause, in one place.
//!
//! A hostile uploader can build a record to crash, stall or exhaust the
//! run. Each kind of work per record has a named budget here, checked as
//! the work proceeds (never after it), and a record that would exceed one
//! gets a verdict with its own problem code, never a crash, a hang or a
//! multi-second stall. The values are far above what real credentials
//! need (the figures beside each) and far below what would hurt the run.
//! The README's "Limits" table lists them; `tests/docs.rs` checks that it
//! matches this file.
//!
//! The goal they serve, checked on the worst records of each kind the
//! tests can build (`tests/hostile.rs`): no record takes more than 100 ms
//! of core time per MiB of its size (and never more than 1 s), nor more
//! than 64 MB plus 16 times its size in memory.

/// Largest record in bytes, unless `--max-record-bytes` says otherwise
/// (problem `record_too_large`). Real credentials are a few KB; baked
/// images with embedded achievements reach a few hundred KB.
pub const RECORD_BYTES: usize = 16 << 20;

/// Deepest JSON nesting of a record (problem `too_deep`). Credentials nest
/// a handful of levels; Open Badges achievements about ten.
pub const JSON_DEPTH: usize = 64;

/// Proofs in one record's `proof` member (problem `proof_bound`). Proof
/// sets and chains in the wild hold two or three; each proof canonicalizes
/// the whole document again, so this multiplies a record's cost.
pub const PROOFS_PER_RECORD: usize = 8;

/// Entries of one proof's `previousProof` (problem `proof_bound`): each
/// is canonicalized with the proof, so n proofs naming every earlier one
/// would cost n² canonical forms.
pub const PREVIOUS_PROOFS: usize = 8;

/// Contexts in one `@context` array (problem `jsonld_invalid`). Credentials
/// name three to five.
pub const CONTEXTS_PER_ARRAY: usize = 64;

/// Remote contexts reached through one another (problem `jsonld_invalid`).
pub const REMOTE_CONTEXT_DEPTH: usize = 16;

/// Term definitions depending on one another in a chain (problem
/// `jsonld_invalid`); bounds the recursion of Create Term Definition.
pub const TERM_DEFINITION_DEPTH: usize = 64;

/// Calls of RDFC-1.0 Hash N-Degree Quads, recursive ones included, that
/// any record may make (problem `canonicalization_bound`); a record gets
/// one more per [`RDFC_BYTES_PER_STEP`] bytes, up to 4,096. Real
/// credentials need a handful.
pub const RDFC_N_DEGREE_CALLS: usize = 64;

/// Permutations RDFC-1.0 examines over all calls that any record may
/// (problem `canonicalization_bound`; RDFC-1.0 §4.8 poison graphs); a
/// record gets one more per [`RDFC_BYTES_PER_STEP`] bytes, up to 65,536.
pub const RDFC_PERMUTATIONS: usize = 256;

/// Blank nodes RDFC-1.0 labels in a graph of any record (problem
/// `canonicalization_bound`); a record gets one more per
/// [`RDFC_BYTES_PER_BLANK_NODE`] bytes. Each costs a first-degree hash;
/// credentials have a handful, a transcript one per achievement.
pub const RDFC_BLANK_NODES: usize = 256;

/// Bytes of record per extra blank node (see [`RDFC_BLANK_NODES`]).
pub const RDFC_BYTES_PER_BLANK_NODE: usize = 128;

/// Bytes of record per extra Hash N-Degree Quads call and permutation:
/// the RDFC bounds grow with the record, so a small record cannot buy
/// seconds of canonicalization.
pub const RDFC_BYTES_PER_STEP: usize = 64;

/// Nesting of Hash N-Degree Quads calls (problem `canonicalization_bound`):
/// a chain of blank nodes that all look alike recurses once per node, so
/// this bounds the stack.
pub const RDFC_N_DEGREE_DEPTH: usize = 64;

/// Verification methods in one controller document given with `--dids`
/// (a load error): DID documents list a handful.
pub const METHODS_PER_DOCUMENT: usize = 4_096;

/// Keys of an Open Badges 2.0 issuer Profile tried on one signed
/// assertion that names no `verification.creator` (the first ones the
/// Profile lists): each is an RSA check. Issuers list one or two.
pub const OB2_KEYS_TRIED: usize = 8;

/// Distinct issuers the run summary counts verdicts for, one row each;
/// the records of issuers beyond these are counted together, so that an
/// export naming a new issuer on every record cannot grow the summary
/// without bound.
pub const SUMMARY_ISSUERS: usize = 10_000;

/// Stack of each worker thread, in bytes. The deepest recursion a record
/// can cause is bounded above (JSON depth, term definitions, Hash N-Degree Quads);
/// the tests run the worst records on a quarter of this.
pub const WORKER_STACK_BYTES: usize = 8 << 20;

/// Units of JSON-LD context processing any record may spend (problem
/// `jsonld_bound`), whatever its size. Four units per term definition
/// made, one per term copied when a scoped or embedded context derives a
/// new active context. A context taken from the run's caches costs what it
/// cost to make, so a verdict never depends on which record came first.
/// The Open Badges 3.0 test vector spends 1,408 units, the CLR 2.0 one
/// 3,930 (`tests/hostile.rs` keeps real credentials below a quarter of
/// this).
pub const JSONLD_CONTEXT_WORK: usize = 32_768;

/// Units of JSON-LD expansion any record may spend beyond one per
/// [`JSONLD_BYTES_PER_UNIT`] bytes of it (problem `jsonld_bound`): one per
/// element and member expanded, four per object.
pub const JSONLD_EXPANSION_BASE: usize = 4_096;

/// Bytes of record per extra unit of JSON-LD expansion (problem
/// `jsonld_bound`). Real credentials expand at about one unit per 25
/// bytes (figures in `tests/hostile.rs`), so a
/// document of any size expands whole, while a small record cannot expand
/// a large graph.
pub const JSONLD_BYTES_PER_UNIT: usize = 16;

/// Bytes of JSON-LD shape programs one worker keeps
/// ([`crate::jsonld::shape`]); when the next program would not fit, the
/// worker's programs are dropped and compiled again as records come. A
/// credential's program is a few kilobytes.
pub const SHAPE_CACHE_BYTES: usize = 8 << 20;

/// Shapes one worker remembers having seen once (a shape is compiled at
/// its second record); past it, the set starts again empty.
pub const SHAPES_SEEN: usize = 65_536;

/// Units of ECDSA verification any record may spend beyond one per
/// [`ECDSA_BYTES_PER_UNIT`] bytes of it (problem `proof_bound`, counted
/// before any is checked): one unit per P-256 check (about 50 µs on the
/// reference machine), four per P-384 check. An `ecdsa-sd-2023` derived
/// proof checks its base signature and one signature per disclosed
/// statement; the W3C examples check 7 and 17, a proof set of eight
/// P-384 proofs 32.
pub const ECDSA_UNITS_BASE: usize = 64;

/// Bytes of record per extra unit of ECDSA verification (see
/// [`ECDSA_UNITS_BASE`]). A disclosed statement costs a derived proof
/// about 86 bytes of signature and 40 or more of JSON, so a derived
/// credential disclosing 75 statements checks whole, while the worst
/// record of any size spends about 75 ms of checks per MiB (BENCHMARKS.md,
/// "Hostile records").
pub const ECDSA_BYTES_PER_UNIT: usize = 768;

/// The ECDSA budget of a record of `bytes` bytes.
pub fn ecdsa_budget(bytes: usize) -> Budget {
    Budget::new(ECDSA_UNITS_BASE + bytes / ECDSA_BYTES_PER_UNIT)
}

/// The JSON-LD budgets of one record, shared by all its proofs.
#[derive(Debug)]
pub struct JsonLdBudget {
    /// Context processing: [`JSONLD_CONTEXT_WORK`].
    pub context: Budget,
    /// Expansion: [`JSONLD_EXPANSION_BASE`] plus one unit per
    /// [`JSONLD_BYTES_PER_UNIT`] bytes.
    pub expansion: Budget,
}

impl JsonLdBudget {
    /// The budgets of a record of `bytes` bytes.
    pub fn for_record(bytes: usize) -> JsonLdBudget {
        JsonLdBudget {
            context: Budget::new(JSONLD_CONTEXT_WORK),
            expansion: Budget::new(JSONLD_EXPANSION_BASE + bytes / JSONLD_BYTES_PER_UNIT),
        }
    }

    /// No limits: for documents the caller trusts.
    pub fn unlimited() -> JsonLdBudget {
        JsonLdBudget {
            context: Budget::unlimited(),
            expansion: Budget::unlimited(),
        }
    }
}

/// A record's budget of one kind of work, charged as the work proceeds.
/// Single-threaded by design: one record is evaluated on one thread.
#[derive(Debug)]
pub struct Budget {
    used: std::cell::Cell<usize>,
    limit: usize,
}

/// A [`Budget`] ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exceeded;

impl Budget {
    /// A budget of `limit` units.
    pub fn new(limit: usize) -> Budget {
        Budget {
            used: std::cell::Cell::new(0),
            limit,
        }
    }

    /// No limit: for documents the run itself trusts (contexts, the
    /// generator's own output, tests of the algorithms).
    pub fn unlimited() -> Budget {
        Budget::new(usize::MAX)
    }

    /// Spends `units`; fails once the total exceeds the limit (and keeps
    /// failing).
    #[inline]
    pub fn charge(&self, units: usize) -> Result<(), Exceeded> {
        let used = self.used.get().saturating_add(units);
        self.used.set(used);
        if used > self.limit {
            Err(Exceeded)
        } else {
            Ok(())
        }
    }

    /// Whether `units` more would stay within the budget.
    pub fn fits(&self, units: usize) -> bool {
        self.used.get().saturating_add(units) <= self.limit
    }

    /// Units spent so far.
    pub fn used(&self) -> usize {
        self.used.get()
    }
}
