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
    // Equal terms have equal slots: duplicates are equal integer tuples.
    // Any order finds them; integer keys are the cheapest to sort.
    let key = |q: &[Slot; 4]| {
        q.map(|slot| match slot {
            Slot::Default => 0u64,
            Slot::Blank(n) => 1 << 32 | u64::from(n),
            Slot::Text { start, .. } => 2 << 32 | u64::from(start),
        })
    };
    let mut keyed: Vec<([u64; 4], &[Slot; 4])> = ds.quads().iter().map(|q| (key(q), q)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    let distinct: Vec<&[Slot; 4]> = keyed.into_iter().map(|(_, q)| q).collect();
    // §4.4.3 step 2: the blank node to quads map, as one list of quad
    // numbers cut per node.
    let mut dense = vec![usize::MAX; ds.blank_count()];
    let mut nodes: Vec<u32> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(distinct.len() * 2);
    for (q, quad) in distinct.iter().enumerate() {
        for slot in [quad[0], quad[2], quad[3]] {
            if let Slot::Blank(id) = slot {
                let d = &mut dense[id as usize];
                if *d == usize::MAX {
                    *d = nodes.len();
                    nodes.push(id);
                }
                pairs.push((*d, q));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let count = nodes.len();
    if count > limits.blank_nodes {
        return Err(CanonError::TooComplex);
    }
    let mut starts = vec![0usize; count + 1];
    for &(n, _) in &pairs {
        starts[n + 1] += 1;
    }
    for n in 0..count {
        starts[n + 1] += starts[n];
    }
    let mentions = Mentions {
        starts,
        quads: pairs.into_iter().map(|(_, q)| q).collect(),
    };
    // Steps 3–5: the order labels are issued in. First-degree hashes only
    // order blank nodes among themselves: a lone blank node (a proof
    // configuration has exactly one) is c14n0 whatever its hash.
    let order: Vec<usize> = if count <= 1 {
        (0..count).collect()
    } else {
        let digests = first_degree_digests(ds, &distinct, &dense, &mentions, hash);
        let mut by_hash: Vec<usize> = (0..count).collect();
        by_hash.sort_unstable_by(|&a, &b| digests[a].cmp(&digests[b]).then(a.cmp(&b)));
        // A tree of distinct nodes (most credentials): every first-degree
        // hash differs, every node is issued in hash order, and Hash
        // N-Degree Quads has nothing to do.
        if by_hash
            .windows(2)
            .all(|w| digests[w[0]] != digests[w[1]])
        {
            by_hash
        } else {
            let mut state = State {
                ds,
                quads: distinct.clone(),
                dense: dense.clone(),
                mentions: (0..count).map(|n| mentions.of(n).to_vec()).collect(),
                canonical: Issuer::new("c14n"),
                first_degree: digests.iter().map(|d| hex(d)).collect(),
                hash,
                limits,
                calls: 0,
                permutations: 0,
            };
            state.issue_by_n_degree(&by_hash)?;
            state.canonical.order
        }
    };
    let mut rank = vec![usize::MAX; count];
    for (k, &n) in order.iter().enumerate() {
        rank[n] = k;
    }
    // Step 6: relabel and sort.
    let canonical: Vec<String> = match relabel {
        None => rank.iter().map(|k| format!("c14n{k}")).collect(),
        Some(label) => rank
            .iter()
            .map(|&k| label(k).map(str::to_owned).ok_or(CanonError::Unlabelled(k)))
            .collect::<Result<_, _>>()?,
    };
    let nquads = match relabel {
        // Canonical labels are distinct, so distinct quads are distinct
        // lines: sorting the quads by their terms sorts the lines.
        None => {
            let terms: Vec<String> = canonical.iter().map(|c| format!("_:{c}")).collect();
            let blank = |id: u32| terms[dense[id as usize]].as_str();
            let mut sorted = distinct.clone();
            sorted.sort_unstable_by(|a, b| cmp_lines(ds, a, b, &blank));
            let mut nquads = String::with_capacity(ds.text_len() * 2 + sorted.len() * 32);
            for q in sorted {
                ds.write_line(q, &mut nquads, &|id, out| out.push_str(&canonical[dense[id as usize]]));
            }
            nquads
        }
        Some(_) => {
            let label = |id: u32, out: &mut String| {
                if let Some(c) = canonical.get(dense[id as usize]) {
                    out.push_str(c);
                }
            };
            let mut text = String::with_capacity(distinct.len() * 160);
            let lines = write_lines(&mut text, distinct.iter().copied(), ds, &label);
            let mut nquads = String::with_capacity(text.len());
            let mut previous = None;
            for range in lines {
                let line = &text[range];
                if previous != Some(line) {
                    nquads.push_str(line);
                }
                previous = Some(line);
            }
            nquads
        }
    };
    let issued = (0..count)
        .filter(|_| with_issued)
        .map(|n| (ds.blank_label(nodes[n]).into_owned(), canonical[n].clone()))
        .collect();
    Ok(Canonical { issued, nquads })
}

/// For each blank node (by dense number), the distinct quads that
/// mention it.
struct Mentions {
    starts: Vec<usize>,
    quads: Vec<usize>,
}

impl Mentions {
    fn of(&self, n: usize) -> &[usize] {
        &self.quads[self.starts[n]..self.starts[n + 1]]
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
                let mut out = String::new();
                ds.write_line(q, &mut out, &|id, out| out.push_str(&blank(id)[2..]));
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
/// hashes them in one multi-buffer pass.
fn first_degree_digests(
    ds: &Dataset,
    quads: &[&[Slot; 4]],
    dense: &[usize],
    mentions: &Mentions,
    hash: HashAlgorithm,
) -> Vec<Vec<u8>> {
    let count = mentions.starts.len() - 1;
    let mut text = String::with_capacity(mentions.quads.len() * 128);
    let mut ranges = Vec::with_capacity(count);
    let mut order: Vec<usize> = Vec::new();
    for n in 0..count {
        let blank = |id: u32| if dense[id as usize] == n { "_:a" } else { "_:z" };
        order.clear();
        order.extend_from_slice(mentions.of(n));
        order.sort_unstable_by(|&x, &y| cmp_lines(ds, quads[x], quads[y], &blank));
        let start = text.len();
        for &q in &order {
            ds.write_line(quads[q], &mut text, &|id, out| {
                out.push(if dense[id as usize] == n { 'a' } else { 'z' })
            });
        }
        ranges.push(start..text.len());
    }
    match hash {
        HashAlgorithm::Sha256 => {
            let slices: Vec<&[u8]> = ranges.iter().map(|r| &text.as_bytes()[r.clone()]).collect();
            let mut digests = vec![[0u8; 32]; slices.len()];
            crate::hash::sha256::sha256_many(&slices, &mut digests);
            digests.iter().map(|d| d.to_vec()).collect()
        }
        HashAlgorithm::Sha384 => ranges
            .iter()
            .map(|r| Sha384::digest(&text.as_bytes()[r.clone()]).to_vec())
            .collect(),
    }
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
