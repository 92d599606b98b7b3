//! Ed25519 against public vectors: RFC 8032 §7.1, the first SUPERCOP lines,
//! the C2SP/CCTV edge cases and the ed25519-speccheck cases.
//!
//! CONTRACT.md's acceptance rule is cofactored with screened keys; these tests
//! check that batches give each signature its single answer whatever the
//! batch, and pin the exact list of vectors where the rule differs from
//! ed25519-dalek's cofactorless `verify_strict`
//! (`tests/data/ed25519/differences-from-verify-strict.tsv`; regenerate it
//! with `CREDVERIFY_BLESS=1 cargo test --test tests vectors::ed25519`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use credverify::json::{Value, number};
use credverify::verify::batch::{Signature, verify_batch, verify_each, verify_each_using};
use credverify::verify::table::KeyTables;
use credverify::verify::{Prepared, Rejection, VerifyingKey, verify};
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signer;
use simd_json::Node;

use super::{data_path, hex, hex_array, read_string, str_member, with_json};

const RFC8032: &str = "ed25519/rfc8032/rfc8032-section7.1-ed25519.json";
const SUPERCOP: &str = "ed25519/supercop/sign.input.first128";
const CCTV: &str = "ed25519/cctv/ed25519vectors.json";
const SPECCHECK: &str = "ed25519/speccheck/cases.json";
const DIFFERENCES: &str = "ed25519/differences-from-verify-strict.tsv";

/// A signature made by its key's owner: seed, key, message, signature.
struct Honest {
    name: String,
    seed: [u8; 32],
    key: [u8; 32],
    msg: Vec<u8>,
    sig: [u8; 64],
}

/// An edge-case vector: whoever made it may have crafted every part.
#[derive(Clone)]
struct Edge {
    source: &'static str,
    id: String,
    flags: String,
    key: [u8; 32],
    sig: [u8; 64],
    msg: Vec<u8>,
}

impl Edge {
    fn name(&self) -> String {
        format!("{} vector {} [{}]", self.source, self.id, self.flags)
    }
}

fn rfc8032() -> Vec<Honest> {
    with_json(RFC8032, |doc| {
        doc.elements()
            .map(|v| {
                let name = format!("{RFC8032} {}", str_member(v, "name", RFC8032));
                Honest {
                    seed: hex_array(str_member(v, "secret_key", &name), &name),
                    key: hex_array(str_member(v, "public_key", &name), &name),
                    msg: hex(str_member(v, "message", &name), &name),
                    sig: hex_array(str_member(v, "signature", &name), &name),
                    name,
                }
            })
            .collect()
    })
}

/// SUPERCOP `sign.input`: `sk‖pk:pk:msg:sig‖msg:` per line.
fn supercop() -> Vec<Honest> {
    read_string(SUPERCOP)
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let name = format!("{SUPERCOP} line {}", i + 1);
            let fields: Vec<&str> = line.split(':').collect();
            assert_eq!(
                fields.len(),
                5,
                "{name}: expected 4 fields and a trailing colon"
            );
            let sk_pk = hex(fields[0], &name);
            let sig_msg = hex(fields[3], &name);
            let msg = hex(fields[2], &name);
            assert_eq!(
                sk_pk[32..],
                hex(fields[1], &name)[..],
                "{name}: the two copies of the public key differ"
            );
            assert_eq!(
                sig_msg[64..],
                msg[..],
                "{name}: the signed message differs from the message"
            );
            Honest {
                seed: sk_pk[..32].try_into().expect("32 bytes"),
                key: sk_pk[32..]
                    .try_into()
                    .unwrap_or_else(|_| panic!("{name}: key length")),
                sig: sig_msg[..64].try_into().expect("64 bytes"),
                msg,
                name,
            }
        })
        .collect()
}

fn member_u64(v: Value<'_>, key: &str, what: &str) -> u64 {
    match v.get(key).map(Value::node) {
        Some(Node::Static(s)) => number(s).map(|n| n as u64),
        _ => None,
    }
    .unwrap_or_else(|| panic!("{what}: no number member {key:?}"))
}

/// The 914 C2SP/CCTV vectors as copied by ed25519-dalek: the message is the
/// UTF-8 text of `msg`; `flags` is null for the one vector valid everywhere.
fn cctv() -> Vec<Edge> {
    with_json(CCTV, |doc| {
        doc.elements()
            .enumerate()
            .map(|(i, v)| {
                let what = format!("{CCTV} element {i}");
                let number = member_u64(v, "number", &what);
                assert_eq!(number, i as u64, "{what}: vectors are numbered in order");
                let what = format!("{CCTV} vector {number}");
                let flags: Vec<&str> = v
                    .get("flags")
                    .map(|f| f.elements().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                Edge {
                    source: "cctv",
                    id: number.to_string(),
                    flags: if flags.is_empty() {
                        "none".into()
                    } else {
                        flags.join(",")
                    },
                    key: hex_array(str_member(v, "key", &what), &what),
                    sig: hex_array(str_member(v, "sig", &what), &what),
                    msg: str_member(v, "msg", &what).as_bytes().to_vec(),
                }
            })
            .collect()
    })
}

/// The conditions of each case, from "Taming the many EdDSAs" (Chalkias,
/// Garillot, Nikolaenko, SSR 2020), in file order. "mixed" is a point with
/// both a small-order and a prime-order component.
const SPECCHECK_CASES: [&str; 12] = [
    "S = 0, small-order A, small-order R; both equations hold",
    "0 < S < L, small-order A, mixed-order R; both equations hold",
    "0 < S < L, mixed-order A, small-order R; both equations hold",
    "0 < S < L, mixed-order A, mixed-order R; both equations hold",
    "0 < S < L, mixed-order A, mixed-order R; only the cofactored equation holds",
    "0 < S < L, mixed-order A, prime-order R; only the cofactored equation holds",
    "S > L, prime-order A and R",
    "S >> L, prime-order A and R",
    "mixed-order A, small-order R encoded with x = 0 and the sign bit set; holds when R is reduced before hashing",
    "mixed-order A, small-order R encoded with x = 0 and the sign bit set; holds when R is hashed as written",
    "small-order A encoded with x = 0 and the sign bit set, mixed-order R; holds when A is reduced before hashing",
    "small-order A encoded with x = 0 and the sign bit set, mixed-order R; holds when A is hashed as written",
];

fn speccheck() -> Vec<Edge> {
    with_json(SPECCHECK, |doc| {
        assert_eq!(
            doc.len(),
            SPECCHECK_CASES.len(),
            "{SPECCHECK}: number of cases"
        );
        doc.elements()
            .enumerate()
            .map(|(i, v)| {
                let what = format!("{SPECCHECK} case{i}");
                Edge {
                    source: "speccheck",
                    id: format!("case{i}"),
                    flags: SPECCHECK_CASES[i].into(),
                    key: hex_array(str_member(v, "pub_key", &what), &what),
                    sig: hex_array(str_member(v, "signature", &what), &what),
                    msg: hex(str_member(v, "message", &what), &what),
                }
            })
            .collect()
    })
}

/// Our answer for one vector, part by part.
struct Ours {
    key: Result<VerifyingKey, Rejection>,
    prepared: Option<Result<Prepared, Rejection>>,
    /// The single cofactored verification, when the key screened.
    single: Option<Result<bool, Rejection>>,
}

impl Ours {
    fn new(key: &[u8; 32], sig: &[u8; 64], msg: &[u8], id: u32) -> Ours {
        let screened = VerifyingKey::screen(*key, id);
        let (prepared, single) = match &screened {
            Ok(k) => (Some(Prepared::new(sig, k, msg)), Some(verify(sig, k, msg))),
            Err(_) => (None, None),
        };
        Ours {
            key: screened,
            prepared,
            single,
        }
    }

    fn accepted(&self) -> bool {
        matches!(self.single, Some(Ok(true)))
    }

    /// Why the rule refused it, or `None` when accepted.
    fn rejection(&self) -> Option<String> {
        match (&self.key, &self.single) {
            (Err(r), _) => Some(format!("{r:?}")),
            (Ok(_), Some(Err(r))) => Some(format!("{r:?}")),
            (Ok(_), Some(Ok(false))) => Some("Equation".into()),
            _ => None,
        }
    }

    /// `verify` and `Prepared::new` must agree on what they refuse.
    fn check_consistent(&self, what: &str) {
        if let (Some(prepared), Some(single)) = (&self.prepared, &self.single) {
            match (prepared, single) {
                (Ok(_), Ok(_)) => {}
                (Err(a), Err(b)) => assert_eq!(
                    a, b,
                    "{what}: Prepared::new and verify refuse for different reasons"
                ),
                (p, s) => panic!(
                    "{what}: Prepared::new gave {:?} but verify gave {s:?}",
                    p.as_ref().map(|_| "a prepared signature")
                ),
            }
        }
    }
}

fn dalek_verify_strict(key: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> bool {
    match ed25519_dalek::VerifyingKey::from_bytes(key) {
        Ok(vk) => vk
            .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
            .is_ok(),
        Err(_) => false,
    }
}

/// Flips bit `bit` (0 = least significant bit of byte 0).
fn flip(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// The key is derived from the seed, the signature reproduced, our rule
/// accepts it, and a flipped bit in the message or the signature is refused.
fn check_honest(v: &Honest, sig_bits: impl Iterator<Item = usize>) {
    let signing = ed25519_dalek::SigningKey::from_bytes(&v.seed);
    assert_eq!(
        signing.verifying_key().to_bytes(),
        v.key,
        "{}: public key derived from the seed",
        v.name
    );
    assert_eq!(
        signing.sign(&v.msg).to_bytes(),
        v.sig,
        "{}: signature reproduced by signing",
        v.name
    );
    let key = VerifyingKey::screen(v.key, 0)
        .unwrap_or_else(|r| panic!("{}: key refused by screening: {r:?}", v.name));
    assert_eq!(
        verify(&v.sig, &key, &v.msg),
        Ok(true),
        "{}: not accepted",
        v.name
    );
    assert!(
        dalek_verify_strict(&v.key, &v.sig, &v.msg),
        "{}: verify_strict refuses it",
        v.name
    );
    let mut altered = v.msg.clone();
    match altered.len() {
        0 => altered.push(0),
        n => flip(&mut altered, (n * 8) / 2),
    }
    assert_ne!(
        verify(&v.sig, &key, &altered),
        Ok(true),
        "{}: accepted with an altered message",
        v.name
    );
    for bit in sig_bits {
        let mut sig = v.sig;
        flip(&mut sig, bit);
        assert_ne!(
            verify(&sig, &key, &v.msg),
            Ok(true),
            "{}: accepted with signature bit {bit} flipped",
            v.name
        );
    }
}

#[test]
fn rfc8032_section_7_1() {
    let vectors = rfc8032();
    assert_eq!(
        vectors.len(),
        5,
        "{RFC8032}: TEST 1, 2, 3, 1024 and SHA(abc)"
    );
    for v in &vectors {
        check_honest(v, 0..512);
    }
}

#[test]
fn supercop_first_128_lines() {
    let vectors = supercop();
    assert_eq!(vectors.len(), 128, "{SUPERCOP}: line count");
    for v in &vectors {
        // Bits of R (low, middle, sign) and of S (low, middle, top).
        check_honest(v, [0, 128, 255, 256, 400, 509].into_iter());
    }
}

/// The one CCTV vector without flags is a plain valid signature.
#[test]
fn cctv_vector_valid_for_everyone_is_accepted() {
    let vectors = cctv();
    assert_eq!(vectors.len(), 914, "{CCTV}: vector count");
    let plain: Vec<&Edge> = vectors.iter().filter(|v| v.flags == "none").collect();
    assert_eq!(
        plain.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["305"],
        "{CCTV}: the vectors without flags"
    );
    for v in plain {
        let ours = Ours::new(&v.key, &v.sig, &v.msg, 0);
        assert!(
            ours.accepted(),
            "{}: refused ({:?})",
            v.name(),
            ours.rejection()
        );
        assert!(
            dalek_verify_strict(&v.key, &v.sig, &v.msg),
            "{}: verify_strict refuses it",
            v.name()
        );
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): a fixed seed gives fixed batches.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A batch member with the answer it gets on its own.
struct Item {
    name: String,
    signature: Signature,
    single: bool,
}

/// Keys as the resolver hands them out: one screened key, one id, per key.
#[derive(Default)]
struct KeyTable(HashMap<[u8; 32], Arc<VerifyingKey>>);

impl KeyTable {
    fn get(&mut self, bytes: [u8; 32]) -> Result<Arc<VerifyingKey>, Rejection> {
        if let Some(k) = self.0.get(&bytes) {
            return Ok(k.clone());
        }
        let key = Arc::new(VerifyingKey::screen(bytes, self.0.len() as u32)?);
        self.0.insert(bytes, key.clone());
        Ok(key)
    }

    /// The batch item, or `None` when the rule refuses it before any equation.
    fn item(&mut self, name: String, key: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> Option<Item> {
        let key = self.get(*key).ok()?;
        let prepared = Prepared::new(sig, &key, msg).ok()?;
        let single = verify(sig, &key, msg)
            .unwrap_or_else(|r| panic!("{name}: prepared, yet verify refuses: {r:?}"));
        Some(Item {
            name,
            signature: Signature { prepared, key },
            single,
        })
    }
}

/// Every edge-case vector gets its single answer in batches of random size
/// and composition, mixed with honest signatures and with each other.
#[test]
fn batches_give_every_vector_its_single_answer() {
    let mut keys = KeyTable::default();
    let edges: Vec<Edge> = cctv().into_iter().chain(speccheck()).collect();
    let mut honest = rfc8032();
    honest.extend(supercop());

    // Valid fillers, and the same signatures over an altered message.
    let mut fillers = Vec::new();
    let mut bad = Vec::new();
    for v in &honest {
        let item = keys
            .item(v.name.clone(), &v.key, &v.sig, &v.msg)
            .unwrap_or_else(|| panic!("{}: refused", v.name));
        assert!(item.single, "{}: not accepted", v.name);
        fillers.push(item);
        let mut msg = v.msg.clone();
        msg.push(0x2a);
        let item = keys
            .item(
                format!("{} with an altered message", v.name),
                &v.key,
                &v.sig,
                &msg,
            )
            .expect("prepared");
        assert!(
            !item.single,
            "{}: accepted with an altered message",
            item.name
        );
        bad.push(item);
    }
    // Edge cases the rule lets through to the equation, as they are and
    // over an altered message.
    let mut vectors = Vec::new();
    let mut refused_early = 0;
    for v in &edges {
        match keys.item(v.name(), &v.key, &v.sig, &v.msg) {
            Some(item) => {
                let mut msg = v.msg.clone();
                msg.push(0x2a);
                vectors.push(item);
                vectors.extend(keys.item(
                    format!("{} with an altered message", v.name()),
                    &v.key,
                    &v.sig,
                    &msg,
                ));
            }
            None => refused_early += 1,
        }
    }
    let accepted: Vec<usize> = (0..vectors.len()).filter(|&i| vectors[i].single).collect();
    let rejected: Vec<usize> = (0..vectors.len()).filter(|&i| !vectors[i].single).collect();
    eprintln!(
        "{} edge vectors: {refused_early} refused before the equation; {} batch items from the rest ({} accepted, {} rejected)",
        edges.len(),
        vectors.len(),
        accepted.len(),
        rejected.len()
    );
    assert!(
        !accepted.is_empty() && !rejected.is_empty(),
        "the edge vectors give both answers in batches"
    );

    // Every item through per-key tables, each key getting one at once.
    let mut tables = KeyTables::new(1, usize::MAX);
    for item in vectors.iter().chain(&fillers).chain(&bad) {
        let signature = &item.signature;
        assert_eq!(
            tables.check(&signature.prepared, &signature.key),
            item.single,
            "{}: the table path differs from the single answer",
            item.name
        );
    }

    let mut rng = SplitMix64(0x6372_6564_7665_7269); // "credveri"
    let mut deck: Vec<usize> = Vec::new();
    let mut coverage = vec![0usize; vectors.len()];
    let forced = [1, 2, 3, 4, 5, 63, 64, 65, 1023, 1024];
    const BATCHES: usize = 240;
    for b in 0..BATCHES {
        let size = forced
            .get(b / 4)
            .copied()
            .unwrap_or_else(|| 1 + rng.below(1024));
        let mode = b % 4;
        let mut batch: Vec<&Item> = Vec::with_capacity(size);
        // Edge vectors are dealt from a shuffled deck, so every one is used.
        let mut deal = |rng: &mut SplitMix64| {
            if deck.is_empty() {
                deck.extend(0..vectors.len());
                rng.shuffle(&mut deck);
            }
            deck.pop().expect("a full deck")
        };
        match mode {
            // Edge vectors only.
            0 => {
                for _ in 0..size {
                    let i = deal(&mut rng);
                    coverage[i] += 1;
                    batch.push(&vectors[i]);
                }
            }
            // Honest signatures and edge vectors, in a random proportion.
            1 => {
                let share = rng.below(101);
                for _ in 0..size {
                    if rng.below(100) < share {
                        let i = deal(&mut rng);
                        coverage[i] += 1;
                        batch.push(&vectors[i]);
                    } else {
                        batch.push(&fillers[rng.below(fillers.len())]);
                    }
                }
            }
            // Only what is accepted: honest signatures and accepted edge vectors.
            2 => {
                for _ in 0..size {
                    if rng.below(2) == 0 {
                        let i = accepted[rng.below(accepted.len())];
                        coverage[i] += 1;
                        batch.push(&vectors[i]);
                    } else {
                        batch.push(&fillers[rng.below(fillers.len())]);
                    }
                }
            }
            // Honest signatures with one rejected item somewhere.
            _ => {
                for _ in 0..size {
                    batch.push(&fillers[rng.below(fillers.len())]);
                }
                let culprit = if rng.below(2) == 0 {
                    let i = rejected[rng.below(rejected.len())];
                    coverage[i] += 1;
                    &vectors[i]
                } else {
                    &bad[rng.below(bad.len())]
                };
                let at = rng.below(size);
                batch[at] = culprit;
            }
        }
        let signatures: Vec<Signature> = batch.iter().map(|item| item.signature.clone()).collect();
        let each = verify_each(&signatures);
        assert_eq!(
            each.len(),
            size,
            "batch {b} (size {size}, mode {mode}): verify_each length"
        );
        for (pos, (item, got)) in batch.iter().zip(&each).enumerate() {
            assert_eq!(
                *got, item.single,
                "batch {b} (size {size}, mode {mode}), position {pos}: {}: verify_each differs from the single answer",
                item.name
            );
        }
        // Attribution's single checks through the tables.
        if b % 8 < 2 {
            assert_eq!(
                verify_each_using(&signatures, Some(&mut tables)),
                each,
                "batch {b} (size {size}, mode {mode}): verify_each_using differs from verify_each"
            );
        }
        let all = batch.iter().all(|item| item.single);
        assert_eq!(
            verify_batch(&signatures),
            all,
            "batch {b} (size {size}, mode {mode}): verify_batch, all single answers accepted = {all}"
        );
    }
    let unused: Vec<&str> = vectors
        .iter()
        .zip(&coverage)
        .filter(|(_, n)| **n == 0)
        .map(|(v, _)| v.name.as_str())
        .collect();
    assert!(
        unused.is_empty(),
        "vectors never placed in a batch: {unused:?}"
    );
}

/// One row of the differences file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    source: String,
    id: String,
    flags: String,
    ours: String,
    strict: String,
    why: String,
}

impl Difference {
    fn line(&self) -> String {
        [
            &self.source,
            &self.id,
            &self.flags,
            &self.ours,
            &self.strict,
            &self.why,
        ]
        .map(String::as_str)
        .join("\t")
    }
}

/// Whether a canonical, decodable point has a small-order component.
fn has_torsion(bytes: &[u8; 32]) -> Option<bool> {
    CompressedEdwardsY(*bytes)
        .decompress()
        .map(|p| !p.is_torsion_free())
}

/// Explains a difference in CONTRACT.md's terms.
fn why(v: &Edge, ours: &Ours) -> String {
    let r: [u8; 32] = v.sig[..32].try_into().expect("32 bytes");
    match (&ours.key, &ours.single) {
        (Ok(_), Some(Ok(true))) if has_torsion(&r) == Some(true) => {
            "mixed-order R: the cofactored equation [8][S]B = [8]R + [8][k]A holds, the cofactorless [S]B = R + [k]A does not (R has a small-order component)".into()
        }
        (Err(Rejection::KeyTorsion), _) => {
            let r_note = match has_torsion(&r) {
                Some(true) => " R is mixed-order too.",
                _ => "",
            };
            format!(
                "mixed-order A: the key has a small-order component, refused by key screening (A must lie in the prime-order subgroup); verify_strict only refuses small-order A, and its cofactorless equation holds here.{r_note}"
            )
        }
        (Err(Rejection::KeyNotCanonical), _) => "non-canonical A encoding: refused by screening; verify_strict decodes it".into(),
        (_, Some(Err(Rejection::RNotCanonical))) => "non-canonical R encoding: refused; verify_strict decodes it".into(),
        _ => format!("UNEXPECTED: credverify {:?}, verify_strict {}", ours.rejection(), dalek_verify_strict(&v.key, &v.sig, &v.msg)),
    }
}

fn answer(accepted: bool, reason: Option<String>) -> String {
    match (accepted, reason) {
        (true, _) => "accept".into(),
        (false, Some(r)) => format!("reject ({r})"),
        (false, None) => "reject".into(),
    }
}

/// The rule differs from `verify_strict` exactly on the listed vectors.
#[test]
fn differences_from_verify_strict() {
    let edges: Vec<Edge> = cctv().into_iter().chain(speccheck()).collect();
    let mut computed = BTreeSet::new();
    let (mut both, mut neither) = (0, 0);
    for (n, v) in edges.iter().enumerate() {
        let ours = Ours::new(&v.key, &v.sig, &v.msg, n as u32);
        ours.check_consistent(&v.name());
        let strict = dalek_verify_strict(&v.key, &v.sig, &v.msg);
        match (ours.accepted(), strict) {
            (true, true) => both += 1,
            (false, false) => neither += 1,
            (accepted, _) => {
                computed.insert(Difference {
                    source: v.source.into(),
                    id: v.id.clone(),
                    flags: v.flags.clone(),
                    ours: answer(accepted, ours.rejection()),
                    strict: answer(strict, None),
                    why: why(v, &ours),
                });
            }
        }
    }
    eprintln!(
        "{} vectors: {both} accepted by both, {neither} refused by both, {} differ",
        edges.len(),
        computed.len()
    );
    if std::env::var_os("CREDVERIFY_BLESS").is_some_and(|v| v == "1") {
        let mut text = String::from(
            "# Vectors of ed25519/cctv/ed25519vectors.json and ed25519/speccheck/cases.json where credverify's\n\
             # Ed25519 rule (CONTRACT.md: cofactored, A screened) and ed25519-dalek 3.0.0 verify_strict differ.\n\
             # Generated by tests/vectors/ed25519.rs with CREDVERIFY_BLESS=1.\n\
             source\tvector\tflags or description\tcredverify\tverify_strict\twhy\n",
        );
        let mut rows: Vec<&Difference> = computed.iter().collect();
        rows.sort_by_key(|d| {
            (
                d.source.clone(),
                d.id.trim_start_matches("case").parse::<u64>().ok(),
            )
        });
        for d in rows {
            text.push_str(&d.line());
            text.push('\n');
        }
        std::fs::write(data_path(DIFFERENCES), text).expect("write the differences file");
    }
    let expected: BTreeSet<Difference> = read_string(DIFFERENCES)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .skip(1) // the header
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 6, "{DIFFERENCES} line {}: 6 columns", i + 1);
            Difference {
                source: f[0].into(),
                id: f[1].into(),
                flags: f[2].into(),
                ours: f[3].into(),
                strict: f[4].into(),
                why: f[5].into(),
            }
        })
        .collect();
    let missing: Vec<String> = expected
        .difference(&computed)
        .map(Difference::line)
        .collect();
    let extra: Vec<String> = computed
        .difference(&expected)
        .map(Difference::line)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{DIFFERENCES}: listed but no longer differing:\n{}\ndiffering but not listed:\n{}",
        missing.join("\n"),
        extra.join("\n")
    );
    assert!(
        computed.iter().all(|d| !d.why.starts_with("UNEXPECTED")),
        "a difference CONTRACT.md does not explain"
    );
}
