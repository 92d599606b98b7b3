//! RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024): blank
//! nodes relabelled `c14n0`, `c14n1`, … so that isomorphic datasets get the
//! same canonical N-Quads.
//!
//! Section numbers are the recommendation's: §4.4 the algorithm, §4.6 Hash
//! First Degree Quads, §4.7 Hash Related Blank Node, §4.8 Hash N-Degree
//! Quads. The last is exponential on adversarial graphs (§4.8 "poison
//! graphs"), so its work is bounded by [`Limits`]; a dataset that exceeds
//! them is refused, never computed for ever.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256, Sha384};

use crate::limits;
use crate::rdf::dataset::{Dataset, Slot};
use crate::rdf::nquads::Quad;

/// The hash function of a canonicalization (§4.2: SHA-256 by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256, the default and what RDFC-1.0 proofs use.
    Sha256,
    /// SHA-384, as some entries of the W3C RDFC-1.0 test suite ask.
    Sha384,
}

impl HashAlgorithm {
    fn hex(self, data: &[u8]) -> String {
        match self {
            HashAlgorithm::Sha256 => hex(&Sha256::digest(data)),
            HashAlgorithm::Sha384 => hex(&Sha384::digest(data)),
        }
    }
}

/// Lower-case hexadecimal.
fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for &b in digest {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Bounds on the work of Hash N-Degree Quads.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Calls of Hash N-Degree Quads, recursive ones included.
    pub n_degree_calls: usize,
    /// Permutations examined, over all calls.
    pub permutations: usize,
    /// Nesting of Hash N-Degree Quads calls: a chain of blank nodes that
    /// all look alike recurses once per node, so this bounds the stack.
    pub n_degree_depth: usize,
    /// Blank nodes to label.
    pub blank_nodes: usize,
}

impl Default for Limits {
    /// Generous for any credential (real ones need a handful of calls), and
    /// a few milliseconds of work at most: the bounds of the largest
    /// record.
    fn default() -> Limits {
        Limits {
            n_degree_calls: 4_096,
            permutations: 65_536,
            n_degree_depth: limits::RDFC_N_DEGREE_DEPTH,
            blank_nodes: usize::MAX,
        }
    }
}

impl Limits {
    /// The bounds of a record of `bytes` bytes ([`crate::limits`]): they
    /// grow with the record up to [`Limits::default`].
    pub fn for_record(bytes: usize) -> Limits {
        let most = Limits::default();
        let extra = bytes / limits::RDFC_BYTES_PER_STEP;
        Limits {
            n_degree_calls: (limits::RDFC_N_DEGREE_CALLS + extra).min(most.n_degree_calls),
            permutations: (limits::RDFC_PERMUTATIONS + extra).min(most.permutations),
            n_degree_depth: most.n_degree_depth,
            blank_nodes: limits::RDFC_BLANK_NODES + bytes / limits::RDFC_BYTES_PER_BLANK_NODE,
        }
    }
}

/// Why a dataset was not canonicalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// Hash N-Degree Quads needed more calls or permutations than the
    /// [`Limits`] allow (§4.8 poison graphs).
    #[error("the dataset needs more work than the canonicalization bound allows")]
    TooComplex,
    /// A relabelling ([`canonical_nquads_relabelled`]) has no label for
    /// this canonical number.
    #[error("no label for canonical blank node c14n{0}")]
    Unlabelled(usize),
}

/// The canonical form: the issued identifiers and the sorted N-Quads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canonical {
    /// Input blank node label → canonical label (`c14n0`, …).
    pub issued: BTreeMap<String, String>,
    /// Canonical N-Quads, one line per distinct quad, in code point order.
    pub nquads: String,
}

/// An identifier issuer (§4.3): labels in issue order.
#[derive(Clone, Debug)]
struct Issuer {
    prefix: &'static str,
    issued: HashMap<usize, usize>,
    order: Vec<usize>,
}

impl Issuer {
    fn new(prefix: &'static str) -> Issuer {
        Issuer {
            prefix,
            issued: HashMap::new(),
            order: Vec::new(),
        }
    }

    fn get(&self, node: usize) -> Option<String> {
        self.issued
            .get(&node)
            .map(|n| format!("{}{n}", self.prefix))
    }

    fn issue(&mut self, node: usize) -> String {
        let next = self.order.len();
        let n = *self.issued.entry(node).or_insert_with(|| {
            self.order.push(node);
            next
        });
        format!("{}{n}", self.prefix)
    }
}

/// What can be canonicalized: parsed quads, or a compact [`Dataset`] as
/// JSON-LD expansion makes it.
pub trait Source {
    /// The quads as a dataset, borrowed when they are one already.
    fn dataset(&self) -> Cow<'_, Dataset>;
}

impl Source for [Quad] {
    fn dataset(&self) -> Cow<'_, Dataset> {
        Cow::Owned(Dataset::from_quads(self))
    }
}

impl Source for Vec<Quad> {
    fn dataset(&self) -> Cow<'_, Dataset> {
        Cow::Owned(Dataset::from_quads(self))
    }
}

impl Source for Dataset {
    fn dataset(&self) -> Cow<'_, Dataset> {
        Cow::Borrowed(self)
    }
}

/// The canonicalization state (§4.2).
struct State<'d> {
    ds: &'d Dataset,
    quads: Vec<&'d [Slot; 4]>,
    /// Dense index of each blank node number of the dataset (`usize::MAX`
    /// for a number no distinct quad mentions).
    dense: Vec<usize>,
    /// For each blank node, the quads that mention it.
    mentions: Vec<Vec<usize>>,
    canonical: Issuer,
    first_degree: Vec<String>,
    hash: HashAlgorithm,
    limits: Limits,
    calls: usize,
    permutations: usize,
}

/// Canonicalizes a dataset (duplicate quads are dropped: a dataset is a
/// set).
pub fn canonicalize<S: Source + ?Sized>(
    input: &S,
    hash: HashAlgorithm,
    limits: Limits,
) -> Result<Canonical, CanonError> {
    let ds = input.dataset();
    canonicalize_dataset(&ds, hash, limits, true, None)
}

/// The canonical N-Quads of a dataset alone, as a verifier needs them
/// (without the issued-label map [`canonicalize`] also returns).
pub fn canonical_nquads(
    ds: &Dataset,
    hash: HashAlgorithm,
    limits: Limits,
) -> Result<String, CanonError> {
    canonicalize_dataset(ds, hash, limits, false, None).map(|c| c.nquads)
}

/// The canonical N-Quads of a dataset with each canonical blank node
/// label `c14nK` replaced by `label(K)`, sorted again after the
/// replacement (the "labelReplacementCanonicalize" step of selective
/// disclosure suites, vc-di-ecdsa §3.4). A blank node `label` has no
/// label for is [`CanonError::Unlabelled`]. Distinct quads stay distinct
/// only when `label` gives distinct labels: the caller ensures it.
pub fn canonical_nquads_relabelled<'l>(
    ds: &Dataset,
    hash: HashAlgorithm,
    limits: Limits,
    label: &'l dyn Fn(usize) -> Option<&'l str>,
) -> Result<String, CanonError> {
    canonicalize_dataset(ds, hash, limits, false, Some(label)).map(|c| c.nquads)
}

fn canonicalize_dataset<'l>(
    ds: &Dataset,
    hash: HashAlgorithm,
    limits: Limits,
    with_issued: bool,
    relabel: Option<&'l dyn Fn(usize) -> Option<&'l str>>,
) -> Result<Canonical, CanonError> {
    let mut out = Vec::with_capacity(ds.text_len() * 2 + ds.len() * 32);
    let mut issued = BTreeMap::new();
    with_scratch(|scratch| {
        run(
            ds,
            hash,
            limits,
            relabel,
            scratch,
            &mut out,
            with_issued.then_some(&mut issued),
        )
    })?;
    let nquads = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Canonical { issued, nquads })
}

/// Appends the canonical N-Quads of a dataset to `out`, as a verifier
/// hashes them; the work buffers are the calling thread's, kept from one
/// call to the next.
pub fn append_canonical_nquads(
    ds: &Dataset,
    hash: HashAlgorithm,
    limits: Limits,
    out: &mut Vec<u8>,
) -> Result<(), CanonError> {
    let mark = out.len();
    let result = with_scratch(|scratch| run(ds, hash, limits, None, scratch, out, None));
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

/// The work buffers of one canonicalization, reused by the next one on
/// the same thread: a record's two datasets would otherwise cost some
/// thirty allocations each. Quads are named by their index in the
/// dataset, blank nodes by dense number (order of first mention).
#[derive(Default)]
struct Scratch {
    keyed: Vec<([u64; 4], u32)>,
    /// Distinct quads (indices into the dataset's quads), in key order.
    distinct: Vec<u32>,
    /// Dense number of each blank node number (`u32::MAX`: unmentioned).
    dense: Vec<u32>,
    /// Blank node number of each dense number.
    nodes: Vec<u32>,
    /// (dense node, position in `distinct`) for each mention.
    pairs: Vec<(u32, u32)>,
    /// `mentions[starts[n]..starts[n + 1]]`: positions in `distinct` of
    /// the quads that mention node n.
    starts: Vec<u32>,
    mentions: Vec<u32>,
    /// First-degree hash inputs, one after another, and their ends.
    text: Vec<u8>,
    ends: Vec<usize>,
    order: Vec<u32>,
    digests: Vec<[u8; 48]>,
    /// SHA-256 digests as the multi-buffer hash writes them.
    sha256: Vec<[u8; 32]>,
    by_hash: Vec<u32>,
    /// Canonical number of each dense node.
    rank: Vec<u32>,
    /// `_:c14nK` of each dense node, one after another, and their ends.
    labels: String,
    label_ends: Vec<usize>,
    /// The subject of each run of quads with one subject, and its rank in
    /// the order of the subjects' texts (see [`line_keys`]).
    subjects: Vec<(Slot, u32)>,
    /// (line key, quad) of each distinct quad (see [`line_keys`]).
    line_keys: Vec<(u64, u32)>,
    /// Runs in the order of their subjects' texts, while ranking them.
    subject_order: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

impl Scratch {
    fn label(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.label_ends[n - 1] };
        &self.labels[start..self.label_ends[n]]
    }
}

/// Canonicalization proper: writes the canonical N-Quads to `out` and,
/// when asked, fills `issued`.
fn run<'l>(
    ds: &Dataset,
    hash: HashAlgorithm,
    limits: Limits,
    relabel: Option<&'l dyn Fn(usize) -> Option<&'l str>>,
    sc: &mut Scratch,
    out: &mut Vec<u8>,
    issued: Option<&mut BTreeMap<String, String>>,
) -> Result<(), CanonError> {
    let all = ds.quads();
    if ds.presorted() && relabel.is_none() {
        for q in all {
            ds.write_line(q, out, &|_, out| out.extend_from_slice(b"c14n0"));
        }
        if let Some(issued) = issued {
            issued.insert(ds.blank_label(0).into_owned(), "c14n0".to_owned());
        }
        return Ok(());
    }
    // Equal terms have equal slots: duplicates are equal integer tuples,
    // found by sorting integer keys.
    let key = |q: &[Slot; 4]| {
        q.map(|slot| match slot {
            Slot::Default => 0u64,
            Slot::Blank(n) => 1 << 32 | u64::from(n),
            Slot::Text { start, .. } => 2 << 32 | u64::from(start),
        })
    };
    sc.keyed.clear();
    sc.keyed
        .extend(all.iter().enumerate().map(|(i, q)| (key(q), i as u32)));
    sc.keyed.sort_unstable_by_key(|k| k.0);
    sc.keyed.dedup_by(|a, b| a.0 == b.0);
    sc.distinct.clear();
    sc.distinct.extend(sc.keyed.iter().map(|(_, i)| *i));
    // §4.4.3 step 2: the blank node to quads map.
    sc.dense.clear();
    sc.dense.resize(ds.blank_count(), u32::MAX);
    sc.nodes.clear();
    sc.pairs.clear();
    for (position, &q) in sc.distinct.iter().enumerate() {
        let quad = &all[q as usize];
        for slot in [quad[0], quad[2], quad[3]] {
            if let Slot::Blank(id) = slot {
                let d = &mut sc.dense[id as usize];
                if *d == u32::MAX {
                    *d = sc.nodes.len() as u32;
                    sc.nodes.push(id);
                }
                sc.pairs.push((*d, position as u32));
            }
        }
    }
    sc.pairs.sort_unstable();
    sc.pairs.dedup();
    let count = sc.nodes.len();
    if count > limits.blank_nodes {
        return Err(CanonError::TooComplex);
    }
    sc.starts.clear();
    sc.starts.resize(count + 1, 0);
    for &(n, _) in &sc.pairs {
        sc.starts[n as usize + 1] += 1;
    }
    for n in 0..count {
        sc.starts[n + 1] += sc.starts[n];
    }
    sc.mentions.clear();
    sc.mentions.extend(sc.pairs.iter().map(|&(_, p)| p));
    // Steps 3–5: the order labels are issued in. First-degree hashes only
    // order blank nodes among themselves: a lone blank node (a proof
    // configuration has exactly one) is c14n0 whatever its hash.
    sc.rank.clear();
    sc.rank.resize(count, 0);
    if count > 1 {
        let digest_len = first_degree_digests(ds, sc, hash);
        let digests = &sc.digests;
        let d = |n: u32| &digests[n as usize][..digest_len];
        sc.by_hash.clear();
        sc.by_hash.extend(0..count as u32);
        sc.by_hash
            .sort_unstable_by(|&a, &b| d(a).cmp(d(b)).then(a.cmp(&b)));
        // A tree of distinct nodes (most credentials): every first-degree
        // hash differs, nodes are issued in hash order, and Hash N-Degree
        // Quads has nothing to do.
        if sc.by_hash.windows(2).all(|w| d(w[0]) != d(w[1])) {
            for (k, &n) in sc.by_hash.iter().enumerate() {
                sc.rank[n as usize] = k as u32;
            }
        } else {
            let quads: Vec<&[Slot; 4]> = sc.distinct.iter().map(|&q| &all[q as usize]).collect();
            let mentions = (0..count)
                .map(|n| {
                    sc.mentions[sc.starts[n] as usize..sc.starts[n + 1] as usize]
                        .iter()
                        .map(|&p| p as usize)
                        .collect()
                })
                .collect();
            let mut state = State {
                ds,
                quads,
                dense: sc.dense.iter().map(|&d| d as usize).collect(),
                mentions,
                canonical: Issuer::new("c14n"),
                first_degree: (0..count as u32).map(|n| hex(d(n))).collect(),
                hash,
                limits,
                calls: 0,
                permutations: 0,
            };
            let by_hash: Vec<usize> = sc.by_hash.iter().map(|&n| n as usize).collect();
            state.issue_by_n_degree(&by_hash)?;
            for (k, &n) in state.canonical.order.iter().enumerate() {
                sc.rank[n] = k as u32;
            }
        }
    }
    // Step 6: relabel and sort.
    sc.labels.clear();
    sc.label_ends.clear();
    for n in 0..count {
        let k = sc.rank[n] as usize;
        sc.labels.push_str("_:");
        match relabel {
            None => {
                use std::fmt::Write as _;
                let _ = write!(sc.labels, "c14n{k}");
            }
            Some(label) => sc
                .labels
                .push_str(label(k).ok_or(CanonError::Unlabelled(k))?),
        }
        sc.label_ends.push(sc.labels.len());
    }
    if let Some(issued) = issued {
        for n in 0..count {
            issued.insert(
                ds.blank_label(sc.nodes[n]).into_owned(),
                sc.label(n)[2..].to_owned(),
            );
        }
    }
    // Taken out of the scratch for the borrows below, and put back.
    let distinct = std::mem::take(&mut sc.distinct);
    let (mut subjects, mut order, mut keyed) = (
        std::mem::take(&mut sc.subjects),
        std::mem::take(&mut sc.subject_order),
        std::mem::take(&mut sc.line_keys),
    );
    let sc_ref = &*sc;
    let blank = |id: u32| sc_ref.label(sc_ref.dense[id as usize] as usize);
    let write = |q: &[Slot; 4], out: &mut Vec<u8>| {
        ds.write_line(q, out, &|id, out| {
            out.extend_from_slice(&blank(id).as_bytes()[2..])
        })
    };
    match relabel {
        // Canonical labels are distinct, so distinct quads are distinct
        // lines: sorting the quads by their terms sorts the lines.
        None => {
            line_keys(
                ds,
                &distinct,
                &blank,
                (&mut subjects, &mut order),
                &mut keyed,
            );
            keyed.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| cmp_lines(ds, &all[a.1 as usize], &all[b.1 as usize], &blank))
            });
            for &(_, q) in &keyed {
                write(&all[q as usize], out);
            }
        }
        // Labels a caller gives may coincide: lines are written, sorted
        // and deduplicated.
        Some(_) => {
            let mut text = Vec::with_capacity(distinct.len() * 160);
            let mut ranges = Vec::with_capacity(distinct.len());
            for &q in &distinct {
                let start = text.len();
                write(&all[q as usize], &mut text);
                ranges.push(start..text.len());
            }
            ranges.sort_unstable_by(|a, b| text[a.clone()].cmp(&text[b.clone()]));
            let mut previous: Option<&[u8]> = None;
            for range in ranges {
                let line = &text[range];
                if previous != Some(line) {
                    out.extend_from_slice(line);
                }
                previous = Some(line);
            }
        }
    }
    sc.distinct = distinct;
    sc.subjects = subjects;
    sc.subject_order = order;
    sc.line_keys = keyed;
    Ok(())
}

/// Keys that order lines as their text does, for the quads `quads` of
/// `ds` (indices into its quads), blank nodes labelled by `blank`: the
/// subject's rank among the subjects' texts in the high half, and the
/// predicate's offset when every predicate is a constant term written in
/// code point order ([`Dataset::sorted_terms`]) in the low half. Quads
/// with equal keys are ordered by [`cmp_lines`]; sorting small integers
/// first spares most of its term comparisons.
///
/// A line starts with its subject and a space: two lines with different
/// subjects are ordered by the subjects' texts (a subject that is a prefix
/// of the other comes first, as the space is below every byte that can
/// follow it). When some subject holds a byte no greater than a space,
/// that argument fails: every key is 0 and [`cmp_lines`] decides alone.
fn line_keys<'a>(
    ds: &'a Dataset,
    quads: &[u32],
    blank: &impl Fn(u32) -> &'a str,
    (subjects, order): (&mut Vec<(Slot, u32)>, &mut Vec<u32>),
    keyed: &mut Vec<(u64, u32)>,
) {
    let all = ds.quads();
    let sorted = ds.sorted_terms();
    let predicates_sorted = quads
        .iter()
        .all(|&q| matches!(all[q as usize][1], Slot::Text { end, .. } if end <= sorted));
    // Runs of one subject (`distinct` is in key order, subject first, so
    // each subject makes one run; were it not so, a subject's runs would
    // share a rank below): (subject, rank) per run, and the run's number
    // in each key for now.
    subjects.clear();
    keyed.clear();
    for &q in quads {
        let subject = all[q as usize][0];
        if subjects.last().is_none_or(|last| last.0 != subject) {
            subjects.push((subject, 0));
        }
        keyed.push(((subjects.len() - 1) as u64, q));
    }
    let plain = subjects
        .iter()
        .all(|&(s, _)| term_text(ds, s, blank).bytes().all(|b| b > b' '));
    if !plain {
        keyed.iter_mut().for_each(|k| k.0 = 0);
        return;
    }
    // Ranks in text order, equal texts sharing one, into each run's `.1`,
    // then into the keys in place of the run numbers.
    order.clear();
    order.extend(0..subjects.len() as u32);
    let text = |s: &[(Slot, u32)], i: u32| term_text(ds, s[i as usize].0, blank);
    order.sort_unstable_by(|&a, &b| text(subjects, a).cmp(text(subjects, b)));
    let mut rank = 0;
    for i in 0..order.len() {
        if i > 0 && text(subjects, order[i]) != text(subjects, order[i - 1]) {
            rank += 1;
        }
        subjects[order[i] as usize].1 = rank;
    }
    for k in keyed.iter_mut() {
        let predicate = match all[k.1 as usize][1] {
            Slot::Text { start, .. } if predicates_sorted => u64::from(start),
            _ => 0,
        };
        k.0 = u64::from(subjects[k.0 as usize].1) << 32 | predicate;
    }
}

/// The text of a term as a line writes it, blank nodes by `blank`.
fn term_text<'a>(ds: &'a Dataset, slot: Slot, blank: &impl Fn(u32) -> &'a str) -> &'a str {
    match slot {
        Slot::Text { .. } => ds.text(slot),
        Slot::Blank(id) => blank(id),
        Slot::Default => "",
    }
}

/// The order of the N-Quads lines of two quads, compared term by term
/// (blank nodes written as `blank` gives them, `_:` included) without
/// writing the lines. A line is its terms joined by spaces, then ` .`: two
/// lines first differ inside the first term that differs, unless one term
/// is a prefix of the other, where the shorter line has the space. Only
/// when the longer term goes on with a byte no greater than a space (no
/// term JSON-LD writes does) are the lines written out and compared.
fn cmp_lines<'a>(
    ds: &'a Dataset,
    a: &[Slot; 4],
    b: &[Slot; 4],
    blank: &impl Fn(u32) -> &'a str,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for i in 0..4 {
        if a[i] == b[i] {
            continue;
        }
        // The default graph writes no term: its line ends where the
        // other's graph name begins.
        match (a[i], b[i]) {
            (Slot::Default, _) => return Ordering::Less,
            (_, Slot::Default) => return Ordering::Greater,
            (Slot::Text { start: x, end: xe }, Slot::Text { start: y, end: ye })
                if xe.max(ye) <= ds.sorted_terms() =>
            {
                return x.cmp(&y);
            }
            _ => {}
        }
        let (x, y) = (
            term_text(ds, a[i], blank).as_bytes(),
            term_text(ds, b[i], blank).as_bytes(),
        );
        let ord = x.cmp(y);
        let (short, long) = if x.len() < y.len() { (x, y) } else { (y, x) };
        if !long.starts_with(short) {
            return ord;
        }
        // Two blank nodes written alike (`_:z` in a first-degree hash).
        if x.len() == y.len() {
            continue;
        }
        if long[short.len()] <= b' ' {
            let line = |q: &[Slot; 4]| {
                let mut out = Vec::new();
                ds.write_line(q, &mut out, &|id, out| {
                    out.extend_from_slice(&blank(id).as_bytes()[2..])
                });
                out
            };
            return line(a).cmp(&line(b));
        }
        return x.len().cmp(&y.len());
    }
    Ordering::Equal
}

/// §4.6 for every blank node: the quads mentioning it, with it as `_:a`
/// and every other blank node as `_:z`, sorted, concatenated and hashed.
/// The inputs are written one after another into one buffer, and SHA-256
/// hashes them in one multi-buffer pass (or one at a time with SHA-NI,
/// where lanes would run mostly empty). Returns the digest length.
fn first_degree_digests(ds: &Dataset, sc: &mut Scratch, hash: HashAlgorithm) -> usize {
    let all = ds.quads();
    let count = sc.nodes.len();
    sc.text.clear();
    sc.ends.clear();
    for n in 0..count {
        let dense = &sc.dense;
        let node = |id: u32| dense[id as usize] as usize == n;
        let blank = |id: u32| if node(id) { "_:a" } else { "_:z" };
        sc.order.clear();
        sc.order.extend(
            sc.mentions[sc.starts[n] as usize..sc.starts[n + 1] as usize]
                .iter()
                .map(|&p| sc.distinct[p as usize]),
        );
        sc.order
            .sort_unstable_by(|&x, &y| cmp_lines(ds, &all[x as usize], &all[y as usize], &blank));
        for &q in &sc.order {
            ds.write_line(&all[q as usize], &mut sc.text, &|id, out| {
                out.push(if node(id) { b'a' } else { b'z' })
            });
        }
        sc.ends.push(sc.text.len());
    }
    let inputs: Vec<&[u8]> = (0..count)
        .map(|n| {
            let start = if n == 0 { 0 } else { sc.ends[n - 1] };
            &sc.text[start..sc.ends[n]]
        })
        .collect();
    sc.digests.clear();
    sc.digests.resize(count, [0; 48]);
    match hash {
        HashAlgorithm::Sha256 => {
            sc.sha256.clear();
            sc.sha256.resize(count, [0; 32]);
            crate::hash::sha256::sha256_many(&inputs, &mut sc.sha256);
            for (d, s) in sc.digests.iter_mut().zip(&sc.sha256) {
                d[..32].copy_from_slice(s);
            }
            32
        }
        HashAlgorithm::Sha384 => {
            for (d, input) in sc.digests.iter_mut().zip(&inputs) {
                d.copy_from_slice(&Sha384::digest(input));
            }
            48
        }
    }
}

impl State<'_> {
    /// The dense index of a blank node slot, if it is one.
    fn blank(&self, slot: Slot) -> Option<usize> {
        match slot {
            Slot::Blank(id) => Some(self.dense[id as usize]),
            _ => None,
        }
    }

    /// Steps 3–5 when first-degree hashes are shared: nodes with a hash
    /// of their own are issued in hash order, then each group sharing a
    /// hash through Hash N-Degree Quads. `by_hash` is every node in order
    /// of first-degree hash.
    fn issue_by_n_degree(&mut self, by_hash: &[usize]) -> Result<(), CanonError> {
        let mut groups: Vec<&[usize]> = Vec::new();
        let mut start = 0;
        for end in 1..=by_hash.len() {
            if end == by_hash.len()
                || self.first_degree[by_hash[end]] != self.first_degree[by_hash[start]]
            {
                groups.push(&by_hash[start..end]);
                start = end;
            }
        }
        for group in &groups {
            if let [n] = group {
                self.canonical.issue(*n);
            }
        }
        for group in groups.into_iter().filter(|g| g.len() > 1) {
            let mut results = Vec::new();
            for &n in group {
                if self.canonical.get(n).is_some() {
                    continue;
                }
                let mut temporary = Issuer::new("b");
                temporary.issue(n);
                results.push(self.hash_n_degree(n, temporary, 0)?);
            }
            results.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, issuer) in results {
                for &n in &issuer.order {
                    self.canonical.issue(n);
                }
            }
        }
        Ok(())
    }

    /// §4.7: the hash of `related`, seen from `quad` at `position`.
    fn hash_related(
        &self,
        related: usize,
        quad: &[Slot; 4],
        issuer: &Issuer,
        position: char,
    ) -> String {
        let mut input = String::new();
        input.push(position);
        if position != 'g' {
            match quad[1] {
                Slot::Blank(id) => {
                    input.push_str("_:");
                    input.push_str(&self.ds.blank_label(id));
                }
                p => input.push_str(self.ds.text(p)),
            }
        }
        match self.canonical.get(related).or_else(|| issuer.get(related)) {
            Some(id) => {
                input.push_str("_:");
                input.push_str(&id);
            }
            None => input.push_str(&self.first_degree[related]),
        }
        self.hash.hex(input.as_bytes())
    }

    /// §4.8: the hash of `n`'s neighbourhood, with the issuer that labelled
    /// it.
    fn hash_n_degree(
        &mut self,
        n: usize,
        mut issuer: Issuer,
        depth: usize,
    ) -> Result<(String, Issuer), CanonError> {
        self.calls += 1;
        if self.calls > self.limits.n_degree_calls || depth >= self.limits.n_degree_depth {
            return Err(CanonError::TooComplex);
        }
        // Steps 1–3: related hash → related nodes.
        let mut hn: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &q in &self.mentions[n] {
            let quad = self.quads[q];
            for (slot, position) in [(quad[0], 's'), (quad[2], 'o'), (quad[3], 'g')] {
                if let Some(related) = self.blank(slot)
                    && related != n
                {
                    let h = self.hash_related(related, quad, &issuer, position);
                    hn.entry(h).or_default().push(related);
                }
            }
        }
        // Steps 4–5.
        let mut data = String::new();
        for (related_hash, nodes) in hn {
            data.push_str(&related_hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            let mut permutation = nodes;
            permutation.sort_unstable();
            loop {
                self.permutations += 1;
                if self.permutations > self.limits.permutations {
                    return Err(CanonError::TooComplex);
                }
                if let Some((path, copy)) =
                    self.try_permutation(&permutation, &issuer, &chosen_path, depth)?
                    && (chosen_issuer.is_none() || path < chosen_path)
                {
                    chosen_path = path;
                    chosen_issuer = Some(copy);
                }
                if !next_permutation(&mut permutation) {
                    break;
                }
            }
            data.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        Ok((self.hash.hex(data.as_bytes()), issuer))
    }

    /// §4.8 step 5.4 for one permutation: its path and issuer, or None when
    /// it cannot beat `chosen`.
    fn try_permutation(
        &mut self,
        permutation: &[usize],
        issuer: &Issuer,
        chosen: &str,
        depth: usize,
    ) -> Result<Option<(String, Issuer)>, CanonError> {
        let mut copy = issuer.clone();
        let mut path = String::new();
        let mut recursion = Vec::new();
        let worse = |path: &str| !chosen.is_empty() && path.len() >= chosen.len() && path > chosen;
        for &related in permutation {
            if let Some(id) = self.canonical.get(related) {
                path.push_str("_:");
                path.push_str(&id);
            } else {
                if copy.get(related).is_none() {
                    recursion.push(related);
                }
                path.push_str("_:");
                path.push_str(&copy.issue(related));
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for related in recursion {
            let (hash, result) = self.hash_n_degree(related, copy.clone(), depth + 1)?;
            path.push_str("_:");
            path.push_str(&copy.issue(related));
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            copy = result;
            if worse(&path) {
                return Ok(None);
            }
        }
        Ok(Some((path, copy)))
    }
}

/// The next permutation in lexicographic order; false after the last.
fn next_permutation(v: &mut [usize]) -> bool {
    let Some(i) = (1..v.len()).rev().find(|&i| v[i - 1] < v[i]) else {
        return false;
    };
    let j = (i..v.len()).rev().find(|&j| v[j] > v[i - 1]).unwrap_or(i);
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}
