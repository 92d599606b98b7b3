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
    /// Blank node numbers of the dataset, by dense index, and back
    /// (`usize::MAX` for a number no distinct quad mentions).
    nodes: Vec<u32>,
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
    // Equal terms have equal slots: duplicates are equal integer tuples.
    let mut distinct: Vec<&[Slot; 4]> = ds.quads().iter().collect();
    distinct.sort_unstable();
    distinct.dedup();
    // §4.4.3 step 2: the blank node to quads map.
    let mut dense = vec![usize::MAX; ds.blank_count()];
    let mut nodes: Vec<u32> = Vec::new();
    let mut mentions: Vec<Vec<usize>> = Vec::new();
    for (q, quad) in distinct.iter().enumerate() {
        for slot in [quad[0], quad[2], quad[3]] {
            if let Slot::Blank(id) = slot {
                let d = &mut dense[id as usize];
                if *d == usize::MAX {
                    *d = nodes.len();
                    nodes.push(id);
                    mentions.push(Vec::new());
                }
                if mentions[*d].last() != Some(&q) {
                    mentions[*d].push(q);
                }
            }
        }
    }
    let mut state = State {
        ds,
        quads: distinct,
        nodes,
        dense,
        mentions,
        canonical: Issuer::new("c14n"),
        first_degree: Vec::new(),
        hash,
        limits,
        calls: 0,
        permutations: 0,
    };
    let count = state.nodes.len();
    if count > limits.blank_nodes {
        return Err(CanonError::TooComplex);
    }
    // First-degree hashes only order blank nodes among themselves: a lone
    // blank node (a proof configuration has exactly one) is c14n0 whatever
    // its hash, so it is not computed.
    state.first_degree = if count == 1 {
        vec![String::new()]
    } else {
        state.hash_first_degree_all()
    };
    // Steps 3–4: hash → nodes, unique hashes issued in hash order.
    let mut by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for n in 0..count {
        by_hash.entry(&state.first_degree[n]).or_default().push(n);
    }
    let mut shared = Vec::new();
    let mut unique = Vec::new();
    for (_, group) in by_hash {
        if group.len() == 1 {
            unique.push(group[0]);
        } else {
            shared.push(group);
        }
    }
    for n in unique {
        state.canonical.issue(n);
    }
    // Step 5: the others, through Hash N-Degree Quads.
    for group in shared {
        let mut results = Vec::new();
        for &n in &group {
            if state.canonical.get(n).is_some() {
                continue;
            }
            let mut temporary = Issuer::new("b");
            temporary.issue(n);
            results.push(state.hash_n_degree(n, temporary, 0)?);
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in results {
            for &n in &issuer.order {
                state.canonical.issue(n);
            }
        }
    }
    // Step 6: relabel and sort.
    let canonical: Vec<String> = match relabel {
        None => (0..count)
            .map(|n| state.canonical.get(n).unwrap_or_default())
            .collect(),
        Some(label) => (0..count)
            .map(|n| {
                let k = state
                    .canonical
                    .issued
                    .get(&n)
                    .copied()
                    .unwrap_or(usize::MAX);
                label(k).map(str::to_owned).ok_or(CanonError::Unlabelled(k))
            })
            .collect::<Result<_, _>>()?,
    };
    let label = |id: u32, out: &mut String| {
        if let Some(c) = canonical.get(state.dense[id as usize]) {
            out.push_str(c);
        }
    };
    let mut text = String::with_capacity(state.quads.len() * 160);
    let lines = write_lines(&mut text, state.quads.iter().copied(), ds, &label);
    let mut nquads = String::with_capacity(text.len());
    let mut previous = None;
    for range in lines {
        let line = &text[range];
        if previous != Some(line) {
            nquads.push_str(line);
        }
        previous = Some(line);
    }
    let issued = (0..count)
        .filter(|_| with_issued)
        .map(|n| {
            (
                ds.blank_label(state.nodes[n]).into_owned(),
                canonical[n].clone(),
            )
        })
        .collect();
    Ok(Canonical { issued, nquads })
}

/// Writes the N-Quads line of each quad into `text` and returns their
/// ranges sorted by line (code point order, as RDFC-1.0 sorts).
fn write_lines<'q>(
    text: &mut String,
    quads: impl Iterator<Item = &'q [Slot; 4]>,
    ds: &Dataset,
    label: &impl Fn(u32, &mut String),
) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = quads
        .map(|q| {
            let start = text.len();
            ds.write_line(q, text, label);
            start..text.len()
        })
        .collect();
    ranges.sort_unstable_by(|a, b| text[a.clone()].cmp(&text[b.clone()]));
    ranges
}

impl State<'_> {
    /// The dense index of a blank node slot, if it is one.
    fn blank(&self, slot: Slot) -> Option<usize> {
        match slot {
            Slot::Blank(id) => Some(self.dense[id as usize]),
            _ => None,
        }
    }

    /// §4.6 for every blank node: the quads mentioning it, with it as
    /// `_:a` and every other blank node as `_:z`, sorted, concatenated and
    /// hashed. The inputs are independent, so SHA-256 hashes them all in
    /// one multi-buffer pass.
    fn hash_first_degree_all(&self) -> Vec<String> {
        let inputs: Vec<String> = (0..self.nodes.len())
            .map(|n| {
                let relabel = |id: u32, out: &mut String| {
                    out.push(if self.dense[id as usize] == n {
                        'a'
                    } else {
                        'z'
                    })
                };
                let mut text = String::new();
                let quads = self.mentions[n].iter().map(|&q| self.quads[q]);
                let lines = write_lines(&mut text, quads, self.ds, &relabel);
                let mut input = String::with_capacity(text.len());
                for range in lines {
                    input.push_str(&text[range]);
                }
                input
            })
            .collect();
        match self.hash {
            HashAlgorithm::Sha256 => {
                let slices: Vec<&[u8]> = inputs.iter().map(|i| i.as_bytes()).collect();
                let mut digests = vec![[0u8; 32]; slices.len()];
                crate::hash::sha256::sha256_many(&slices, &mut digests);
                digests.iter().map(|d| hex(d)).collect()
            }
            HashAlgorithm::Sha384 => inputs.iter().map(|i| self.hash.hex(i.as_bytes())).collect(),
        }
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
