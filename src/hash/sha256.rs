//! Multi-buffer SHA-256 (FIPS 180-4): many independent messages hashed at
//! once, one message per 32-bit SIMD lane.
//!
//! Canonical credential documents are hashed in batches of hundreds, 2-3 KB
//! each, and on CPUs without SHA-NI the portable `sha2` crate manages about
//! 200 MB/s. One SHA-256 is a serial chain of 64 rounds per block (§6.2.2), so
//! instead of speeding up a single message we run 16 (AVX-512) or 8 (AVX2) of
//! them side by side: every vector register holds the same working variable of
//! all the messages in flight. On a Cascade Lake core that is ~2.5 GB/s with
//! 16 lanes and ~1.2 GB/s with 8, for batches of 2.7 KB documents.
//!
//! - Padding (§5.1.1) and grouping by length are the `multibuffer`
//!   module's, shared with [`super::sha512`]: this module has the SHA-256
//!   constants and kernels, and the rule that chooses one ([`choose`]).
//! - Parsing into big-endian 32-bit words (§5.2.1) is a byte swap plus a
//!   transpose, so that word `t` of every lane's block lands in one register.
//! - The computation is §6.2.2 with the functions of §4.1.2, the constants of
//!   §4.2.2 and the initial hash value of §5.3.3.

// SIMD kernels: `#[target_feature]` functions and intrinsics, each call
// behind a run-time feature check.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

#[cfg(target_arch = "x86_64")]
use super::multibuffer;
use super::{Cpu, Kernel};

/// The kernel that SHA-256 of many messages runs on `cpu`.
///
/// Measured with `benches/hashing.rs` (256 documents of 2,700 bytes):
/// - AVX-512 and the SHA extensions (AMD EPYC, Zen 4): 16 lanes 203 µs,
///   `sha2` with SHA-NI 404 µs;
/// - AVX-512 without them (Intel Cascade Lake): 16 lanes 270 µs, `sha2`
///   3.68 ms;
/// - the SHA extensions and AVX2 but not AVX-512 (AMD Zen 2 and 3, many
///   cloud instances), measured on the Zen 4 machine with each kernel
///   forced: 8 lanes 429 µs, `sha2` with SHA-NI 404 µs (388 and 377 µs
///   resuming shared starts), so such CPUs hash one message at a time;
/// - AVX2 alone: 8 lanes, several times `sha2`'s portable code (on
///   Cascade Lake 8 lanes ran at about half the 16-lane speed).
pub fn choose(cpu: &Cpu) -> Kernel {
    if cpu.avx512f {
        Kernel::Avx512
    } else if cpu.sha {
        Kernel::Sha2
    } else if cpu.avx2 {
        Kernel::Avx2
    } else {
        Kernel::Sha2
    }
}

/// Whether the CPU has the SHA extensions, read once.
fn sha_extensions() -> bool {
    static SHA: OnceLock<bool> = OnceLock::new();
    *SHA.get_or_init(|| Cpu::detect().sha)
}

/// Whether the lanes of `kernel` beat SHA-NI one message at a time on
/// `messages`. A group of lanes costs as many steps as its longest
/// message, and one step of 16 AVX-512 lanes, or of 8 AVX2 lanes, costs
/// about 8 SHA-NI compressions (`benches/hashing.rs` on the Zen 4 machine:
/// 0.30 µs a step either way, 37 ns a compression). So the lanes pay when
/// they are on average at least half full: the first-degree hashes of one
/// credential's five to ten blank nodes are not, a chunk's documents are.
fn lanes_pay(messages: &[&[u8]], resume: Resume<'_>, kernel: Kernel) -> bool {
    const STEP_IN_COMPRESSIONS: usize = 8;
    let lanes = if kernel == Kernel::Avx512 { 16 } else { 8 };
    let mut blocks: Vec<usize> = (0..messages.len())
        .map(|i| (messages[i].len() + 9).div_ceil(64) - resume.start(i).1)
        .collect();
    blocks.sort_unstable_by(|a, b| b.cmp(a));
    let total: usize = blocks.iter().sum();
    let steps: usize = blocks.iter().step_by(lanes).sum();
    total >= STEP_IN_COMPRESSIONS * steps
}

/// The kernel [`sha256_many`] runs on this CPU, chosen once.
pub fn kernel() -> Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    *KERNEL.get_or_init(|| choose(&Cpu::detect()))
}

/// SHA-256 of each message; out.len() == messages.len().
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha256_many(messages: &[&[u8]], out: &mut [[u8; 32]]) {
    check_lengths(messages, out);
    hash_dispatched(messages, Resume::default(), out);
}

/// [`sha256_many`] with `kernel`, whatever the CPU would choose; false
/// (and `out` untouched) if the CPU lacks it.
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha256_many_with(kernel: Kernel, messages: &[&[u8]], out: &mut [[u8; 32]]) -> bool {
    check_lengths(messages, out);
    hash_with(kernel, messages, Resume::default(), out)
}

/// [`sha256_many`] that starts messages whose first [`PREFIX`] bytes it has
/// met before from the state after those bytes, kept in `midstates` from
/// call to call. The digests are the same.
///
/// The canonical documents of one export begin with the same
/// `{"@context":[...]` text, two blocks of about thirty, as do proof
/// configurations that carry an `@context` (two of six); those blocks are
/// compressed once per worker instead of once per message.
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha256_many_resuming(messages: &[&[u8]], out: &mut [[u8; 32]], midstates: &mut Midstates) {
    check_lengths(messages, out);
    resuming_with(None, messages, out, midstates);
}

/// [`sha256_many_resuming`] with `kernel`; false (and `out` untouched) if
/// the CPU lacks it.
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha256_many_resuming_with(
    kernel: Kernel,
    messages: &[&[u8]],
    out: &mut [[u8; 32]],
    midstates: &mut Midstates,
) -> bool {
    check_lengths(messages, out);
    resuming_with(Some(kernel), messages, out, midstates)
}

fn check_lengths(messages: &[&[u8]], out: &[[u8; 32]]) {
    assert_eq!(
        messages.len(),
        out.len(),
        "sha256_many: one digest slot per message"
    );
}

/// Hashes with the chosen kernel, or with `kernel` when one is forced,
/// resuming the messages whose starts `midstates` knows.
fn resuming_with(
    kernel: Option<Kernel>,
    messages: &[&[u8]],
    out: &mut [[u8; 32]],
    midstates: &mut Midstates,
) -> bool {
    let mut done = std::mem::take(&mut midstates.done);
    let mut states = std::mem::take(&mut midstates.states);
    done.clear();
    states.clear();
    for message in messages {
        let (blocks, state) = midstates
            .find(message)
            .map_or((0, H0), |state| (PREFIX / 64, state));
        done.push(blocks);
        states.push(state);
    }
    let resume = Resume {
        done: &done,
        states: &states,
    };
    let hashed = match kernel {
        Some(kernel) => hash_with(kernel, messages, resume, out),
        None => {
            hash_dispatched(messages, resume, out);
            true
        }
    };
    midstates.done = done;
    midstates.states = states;
    hashed
}

/// Hashes with the kernel chosen for this CPU. A lone message leaves all
/// but one lane idle, which is slower than one message at a time
/// (measured on Cascade Lake: SHA-512 with AVX-512 does 290 MB/s against
/// 360 MB/s for `sha2` on 3 KB, and 135 against 167 MB/s on 128 bytes), so
/// it goes to `sha2`.
fn hash_dispatched(messages: &[&[u8]], resume: Resume<'_>, out: &mut [[u8; 32]]) {
    let kernel = match kernel() {
        _ if messages.len() <= 1 => Kernel::Sha2,
        lanes @ (Kernel::Avx512 | Kernel::Avx2)
            if sha_extensions() && !lanes_pay(messages, resume, lanes) =>
        {
            Kernel::Sha2
        }
        k => k,
    };
    if !hash_with(kernel, messages, resume, out) {
        hash_with(Kernel::Sha2, messages, resume, out);
    }
}

/// Hashes with `kernel`; false if the CPU lacks it.
fn hash_with(kernel: Kernel, messages: &[&[u8]], resume: Resume<'_>, out: &mut [[u8; 32]]) -> bool {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => x86::with_avx512(messages, resume, out),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => x86::with_avx2(messages, resume, out),
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx512 | Kernel::Avx2 => false,
        Kernel::Sha2 => {
            one_at_a_time(messages, resume, out);
            true
        }
    }
}

/// Where each message starts: `done[i]` blocks of message `i` are
/// compressed into `states[i]`. Empty slices: every message from the
/// start.
#[derive(Clone, Copy, Default)]
struct Resume<'r> {
    done: &'r [usize],
    states: &'r [[u32; 8]],
}

impl Resume<'_> {
    /// The state message `i` starts from, and its blocks already done.
    fn start(&self, i: usize) -> ([u32; 8], usize) {
        match (self.states.get(i), self.done.get(i)) {
            (Some(state), Some(&done)) if done > 0 => (*state, done),
            _ => (H0, 0),
        }
    }
}

/// The `sha2` crate's compression (its SHA-NI code where the CPU has the
/// SHA extensions), one message at a time: the answer on CPUs where it is
/// the fastest, for single messages, and the reference the SIMD kernels
/// are tested against. A message resumed after its first blocks is
/// finished from its state with the same compression and FIPS 180-4
/// §5.1.1 padding.
fn one_at_a_time(messages: &[&[u8]], resume: Resume<'_>, out: &mut [[u8; 32]]) {
    for (i, (message, digest)) in messages.iter().zip(out).enumerate() {
        let (mut state, done) = resume.start(i);
        if done == 0 {
            *digest = Sha256::digest(message).into();
            continue;
        }
        let (full, rest) = message[done * 64..].as_chunks::<64>();
        sha2::block_api::compress256(&mut state, full);
        let mut tail = [[0u8; 64]; 2];
        let blocks = if rest.len() < 56 { 1 } else { 2 };
        let bytes = tail.as_flattened_mut();
        bytes[..rest.len()].copy_from_slice(rest);
        bytes[rest.len()] = 0x80;
        let bit_len = (message.len() as u64).wrapping_mul(8);
        bytes[blocks * 64 - 8..blocks * 64].copy_from_slice(&bit_len.to_be_bytes());
        sha2::block_api::compress256(&mut state, &tail[..blocks]);
        for (bytes, word) in digest.as_chunks_mut::<4>().0.iter_mut().zip(state) {
            *bytes = word.to_be_bytes();
        }
    }
}

/// Bytes of a message start that [`Midstates`] keeps the state after:
/// two blocks.
pub const PREFIX: usize = 128;

/// Known states after this many distinct message starts at most.
const MAX_KNOWN: usize = 8;

/// Message starts met once, remembered so that a second meeting earns a
/// state; at most this many.
const MAX_SEEN: usize = 8;

/// SHA-256 states after the first [`PREFIX`] bytes of messages, for
/// [`sha256_many_resuming`]. A start gets its state (two compressions with
/// the `sha2` crate) the second time it is met, so that messages that all
/// begin differently (proof configurations begin with their `created`
/// time when they have no `@context`) pay only a fingerprint and a few
/// integer comparisons. Each worker keeps its own.
#[derive(Default)]
pub struct Midstates {
    known: Vec<(Start, [u32; 8])>,
    /// The entry of `known` to replace next once it is full.
    evict: usize,
    seen: Vec<Start>,
    /// The entry of `seen` to replace next once it is full.
    forget: usize,
    /// Reused per call: blocks done and starting state of each message.
    done: Vec<usize>,
    states: Vec<[u32; 8]>,
}

/// A message start with a fingerprint that tells most other starts apart
/// in one comparison (equal fingerprints are then compared byte by byte).
#[derive(Clone, Copy)]
struct Start {
    print: u64,
    bytes: [u8; PREFIX],
}

impl Start {
    /// The fingerprint of a start: the XOR of its sixteen words.
    fn print(bytes: &[u8; PREFIX]) -> u64 {
        bytes
            .as_chunks::<8>()
            .0
            .iter()
            .fold(0, |print, word| print ^ u64::from_le_bytes(*word))
    }

    fn is(&self, print: u64, bytes: &[u8; PREFIX]) -> bool {
        self.print == print && self.bytes == *bytes
    }
}

impl Midstates {
    /// The state after the first [`PREFIX`] bytes of `message`, if they
    /// are known or met for the second time; None for a shorter message.
    /// A start is copied only when it is remembered.
    pub fn find(&mut self, message: &[u8]) -> Option<[u32; 8]> {
        let bytes: &[u8; PREFIX] = message.first_chunk()?;
        let print = Start::print(bytes);
        if let Some((_, state)) = self.known.iter().find(|(s, _)| s.is(print, bytes)) {
            return Some(*state);
        }
        let start = Start {
            print,
            bytes: *bytes,
        };
        let Some(i) = self.seen.iter().position(|s| s.is(print, bytes)) else {
            remember(&mut self.seen, &mut self.forget, start, MAX_SEEN);
            return None;
        };
        self.seen.swap_remove(i);
        let mut state = H0;
        sha2::block_api::compress256(&mut state, bytes.as_chunks::<64>().0);
        remember(&mut self.known, &mut self.evict, (start, state), MAX_KNOWN);
        Some(state)
    }
}

/// Adds `item` to `list`, replacing entries in turn once it holds `max`.
fn remember<T>(list: &mut Vec<T>, next: &mut usize, item: T, max: usize) {
    if list.len() < max {
        list.push(item);
    } else {
        list[*next % max] = item;
        *next = (*next + 1) % max;
    }
}

/// §4.2.2, grouped by the 16 rounds that share one pass over the schedule.
#[cfg(target_arch = "x86_64")]
const K: [[u32; 16]; 4] = [
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174,
    ],
    [
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc,
        0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967,
    ],
    [
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
        0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624,
        0xf40e3585, 0x106aa070,
    ],
    [
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb,
        0xbef9a3f7, 0xc67178f2,
    ],
];

/// §5.3.3.
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A message as 64-byte blocks, padded with the 64-bit length field of
/// §5.1.1.
#[cfg(target_arch = "x86_64")]
type Lane<'a> = multibuffer::Lane<'a, 64, 8>;

/// One SHA-256 round (§6.2.2 step 3) on vectors of lanes. The caller rotates
/// the variable names instead of moving values, so a round is only the
/// arithmetic; with `$expand` the schedule word (§6.2.2 step 1) is computed
/// in place in the 16-entry ring `$w` first.
#[cfg(target_arch = "x86_64")]
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $w:ident, $k:ident, $j:literal, $expand:ident) => {
        if $expand {
            $w[$j] = add(
                add($w[$j], small_sigma1($w[($j + 14) % 16])),
                add($w[($j + 9) % 16], small_sigma0($w[($j + 1) % 16])),
            );
        }
        // h + K + W does not wait for this round's e, which shortens the
        // dependency chain from one round to the next.
        let t1 = add(
            add($h, add($w[$j], splat($k[$j]))),
            add(big_sigma1($e), ch($e, $f, $g)),
        );
        let t2 = add(big_sigma0($a), maj($a, $b, $c));
        $d = add($d, t1);
        $h = add(t1, t2);
    };
}

/// The width-independent part of a kernel: compression and the group loop,
/// built on the primitives of the module it is expanded in (`add`, `splat`,
/// `ch`, `maj`, the four sigmas, `load_words`, `lane_words` and
/// `from_lane_words`).
#[cfg(target_arch = "x86_64")]
macro_rules! kernel {
    ($feature:literal, $v:ty, $lanes:literal) => {
        /// Sixteen rounds; `EXPAND` is false only for the first sixteen,
        /// which use the message words as they are.
        #[inline]
        #[target_feature(enable = $feature)]
        fn rounds16<const EXPAND: bool>(s: &mut [$v; 8], w: &mut [$v; 16], k: &[u32; 16]) {
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *s;
            round!(a, b, c, d, e, f, g, h, w, k, 0, EXPAND);
            round!(h, a, b, c, d, e, f, g, w, k, 1, EXPAND);
            round!(g, h, a, b, c, d, e, f, w, k, 2, EXPAND);
            round!(f, g, h, a, b, c, d, e, w, k, 3, EXPAND);
            round!(e, f, g, h, a, b, c, d, w, k, 4, EXPAND);
            round!(d, e, f, g, h, a, b, c, w, k, 5, EXPAND);
            round!(c, d, e, f, g, h, a, b, w, k, 6, EXPAND);
            round!(b, c, d, e, f, g, h, a, w, k, 7, EXPAND);
            round!(a, b, c, d, e, f, g, h, w, k, 8, EXPAND);
            round!(h, a, b, c, d, e, f, g, w, k, 9, EXPAND);
            round!(g, h, a, b, c, d, e, f, w, k, 10, EXPAND);
            round!(f, g, h, a, b, c, d, e, w, k, 11, EXPAND);
            round!(e, f, g, h, a, b, c, d, w, k, 12, EXPAND);
            round!(d, e, f, g, h, a, b, c, w, k, 13, EXPAND);
            round!(c, d, e, f, g, h, a, b, w, k, 14, EXPAND);
            round!(b, c, d, e, f, g, h, a, w, k, 15, EXPAND);
            *s = [a, b, c, d, e, f, g, h];
        }

        /// §6.2.2 steps 1-4 for one block per lane.
        #[inline]
        #[target_feature(enable = $feature)]
        fn compress(state: &mut [$v; 8], mut w: [$v; 16]) {
            let mut s = *state;
            let [k0, rest @ ..] = &K;
            rounds16::<false>(&mut s, &mut w, k0);
            for k in rest {
                rounds16::<true>(&mut s, &mut w, k);
            }
            for (h, x) in state.iter_mut().zip(s) {
                *h = add(*h, x);
            }
        }

        /// Hashes the messages of a group, one per lane, writing the digest
        /// of every non-idle lane.
        ///
        /// # Safety
        ///
        /// The CPU must support the target feature this function enables.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn hash_group(
            lanes: &[Lane<'_>; $lanes],
            starts: &[[u32; 8]; $lanes],
            digests: &mut [[u8; 32]; $lanes],
        ) {
            let mut blocks = [0; $lanes];
            for (n, lane) in blocks.iter_mut().zip(lanes) {
                *n = lane.blocks();
            }
            let mut state = [splat(0); 8];
            for (j, v) in state.iter_mut().enumerate() {
                let mut words = [0; $lanes];
                for (w, start) in words.iter_mut().zip(starts) {
                    *w = start[j];
                }
                *v = from_lane_words(&words);
            }
            let mut block_refs = [Lane::DUMMY; $lanes];
            for s in 0..blocks.iter().copied().max().unwrap_or(0) {
                for (r, lane) in block_refs.iter_mut().zip(lanes) {
                    *r = lane.block(s);
                }
                compress(&mut state, load_words(&block_refs));
                if blocks.contains(&(s + 1)) {
                    let mut words = [[0; $lanes]; 8];
                    for (lw, v) in words.iter_mut().zip(state) {
                        *lw = lane_words(v);
                    }
                    for (l, digest) in digests.iter_mut().enumerate() {
                        if blocks[l] == s + 1 {
                            for (bytes, lw) in digest.as_chunks_mut::<4>().0.iter_mut().zip(&words)
                            {
                                *bytes = lw[l].to_be_bytes();
                            }
                        }
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::multibuffer::many_lanes;
    use super::{H0, Resume};

    impl Resume<'_> {
        /// The starting states of a group's lanes (H0 for idle ones).
        fn starts<const N: usize>(&self, messages: &[usize]) -> [[u32; 8]; N] {
            let mut starts = [H0; N];
            for (start, &i) in starts.iter_mut().zip(messages) {
                *start = self.states.get(i).copied().unwrap_or(H0);
            }
            starts
        }
    }

    /// Hashes with 16 lanes, resuming messages as `resume` says; false if
    /// the CPU lacks AVX-512F.
    pub(super) fn with_avx512(
        messages: &[&[u8]],
        resume: Resume<'_>,
        out: &mut [[u8; 32]],
    ) -> bool {
        if !std::is_x86_feature_detected!("avx512f") {
            return false;
        }
        many_lanes(messages, resume.done, out, |lanes, indices, digests| {
            let starts = resume.starts(indices);
            // SAFETY: AVX-512F support was detected just above, and the
            // closure runs only inside this call.
            unsafe { avx512::hash_group(lanes, &starts, digests) }
        });
        true
    }

    /// Hashes with 8 lanes, resuming messages as `resume` says; false if
    /// the CPU lacks AVX2.
    pub(super) fn with_avx2(messages: &[&[u8]], resume: Resume<'_>, out: &mut [[u8; 32]]) -> bool {
        if !std::is_x86_feature_detected!("avx2") {
            return false;
        }
        many_lanes(messages, resume.done, out, |lanes, indices, digests| {
            let starts = resume.starts(indices);
            // SAFETY: AVX2 support was detected just above, and the closure
            // runs only inside this call.
            unsafe { avx2::hash_group(lanes, &starts, digests) }
        });
        true
    }

    /// 16 lanes in `__m512i`. Native rotates and three-input logic make each
    /// sigma two instructions and `Ch`/`Maj` one; only AVX-512F is used, so
    /// the byte swap is done with rotates rather than AVX-512BW's shuffle.
    mod avx512 {
        use std::arch::x86_64::*;

        use super::super::{K, Lane};

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn add(a: __m512i, b: __m512i) -> __m512i {
            _mm512_add_epi32(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn splat(x: u32) -> __m512i {
            _mm512_set1_epi32(x.cast_signed())
        }

        // Truth tables for _mm512_ternarylogic_epi32 follow from the inputs
        // being 0xF0, 0xCC, 0xAA: XOR3 is 0x96, (a & b) | (!a & c) is 0xCA,
        // majority is 0xE8.

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn ch(e: __m512i, f: __m512i, g: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0xCA>(e, f, g)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn maj(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0xE8>(a, b, c)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn big_sigma0(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<2>(x),
                _mm512_ror_epi32::<13>(x),
                _mm512_ror_epi32::<22>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn big_sigma1(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<6>(x),
                _mm512_ror_epi32::<11>(x),
                _mm512_ror_epi32::<25>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn small_sigma0(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<7>(x),
                _mm512_ror_epi32::<18>(x),
                _mm512_srli_epi32::<3>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn small_sigma1(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<17>(x),
                _mm512_ror_epi32::<19>(x),
                _mm512_srli_epi32::<10>(x),
            )
        }

        /// Little-endian loaded words to big-endian (§3.1): rotating by 8
        /// puts bytes 1 and 3 in place, rotating by 24 bytes 0 and 2.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn bswap(x: __m512i) -> __m512i {
            let odd_bytes = _mm512_set1_epi32(0xFF00_FF00_u32.cast_signed());
            _mm512_ternarylogic_epi32::<0xCA>(
                odd_bytes,
                _mm512_ror_epi32::<8>(x),
                _mm512_ror_epi32::<24>(x),
            )
        }

        /// Words 0..16 of each lane's block, transposed so that vector `t`
        /// holds word `t` of every lane.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn load_words(blocks: &[&[u8; 64]; 16]) -> [__m512i; 16] {
            let mut r = [_mm512_setzero_si512(); 16];
            for (row, block) in r.iter_mut().zip(blocks) {
                // SAFETY: `block` is 64 readable bytes, exactly one unaligned
                // 512-bit load.
                *row = bswap(unsafe { _mm512_loadu_si512(block.as_ptr().cast()) });
            }
            // 16x16 transpose of 32-bit elements. After the two unpack
            // stages, t[4g + c] holds, in its 128-bit lane k, column 4k + c
            // of rows 4g..4g+4; the two 128-bit shuffle stages then gather
            // lane k of t[c], t[4 + c], t[8 + c], t[12 + c] into column 4k + c.
            let mut t = [_mm512_setzero_si512(); 16];
            for p in 0..8 {
                t[2 * p] = _mm512_unpacklo_epi32(r[2 * p], r[2 * p + 1]);
                t[2 * p + 1] = _mm512_unpackhi_epi32(r[2 * p], r[2 * p + 1]);
            }
            for g in 0..4 {
                let (x0, x1, x2, x3) = (t[4 * g], t[4 * g + 1], t[4 * g + 2], t[4 * g + 3]);
                r[4 * g] = _mm512_unpacklo_epi64(x0, x2);
                r[4 * g + 1] = _mm512_unpackhi_epi64(x0, x2);
                r[4 * g + 2] = _mm512_unpacklo_epi64(x1, x3);
                r[4 * g + 3] = _mm512_unpackhi_epi64(x1, x3);
            }
            let mut w = [_mm512_setzero_si512(); 16];
            for c in 0..4 {
                let (g0, g1, g2, g3) = (r[c], r[4 + c], r[8 + c], r[12 + c]);
                let lo01 = _mm512_shuffle_i32x4::<0x44>(g0, g1);
                let hi01 = _mm512_shuffle_i32x4::<0xEE>(g0, g1);
                let lo23 = _mm512_shuffle_i32x4::<0x44>(g2, g3);
                let hi23 = _mm512_shuffle_i32x4::<0xEE>(g2, g3);
                w[c] = _mm512_shuffle_i32x4::<0x88>(lo01, lo23);
                w[4 + c] = _mm512_shuffle_i32x4::<0xDD>(lo01, lo23);
                w[8 + c] = _mm512_shuffle_i32x4::<0x88>(hi01, hi23);
                w[12 + c] = _mm512_shuffle_i32x4::<0xDD>(hi01, hi23);
            }
            w
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn lane_words(v: __m512i) -> [u32; 16] {
            let mut words = [0; 16];
            // SAFETY: `words` is 64 writable bytes, exactly one unaligned
            // 512-bit store.
            unsafe { _mm512_storeu_si512(words.as_mut_ptr().cast(), v) };
            words
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn from_lane_words(words: &[u32; 16]) -> __m512i {
            // SAFETY: `words` is 64 readable bytes, exactly one unaligned
            // 512-bit load.
            unsafe { _mm512_loadu_si512(words.as_ptr().cast()) }
        }

        kernel!("avx512f", __m512i, 16);
    }

    /// 8 lanes in `__m256i`, for CPUs without AVX-512. Rotates are two
    /// shifts, so the sigmas are built from six shifts each.
    mod avx2 {
        use std::arch::x86_64::*;

        use super::super::{K, Lane};

        #[inline]
        #[target_feature(enable = "avx2")]
        fn add(a: __m256i, b: __m256i) -> __m256i {
            _mm256_add_epi32(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn splat(x: u32) -> __m256i {
            _mm256_set1_epi32(x.cast_signed())
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn xor3(a: __m256i, b: __m256i, c: __m256i) -> __m256i {
            _mm256_xor_si256(_mm256_xor_si256(a, b), c)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn ch(e: __m256i, f: __m256i, g: __m256i) -> __m256i {
            // g ^ (e & (f ^ g)) picks f where e is set and g elsewhere.
            _mm256_xor_si256(g, _mm256_and_si256(e, _mm256_xor_si256(f, g)))
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn maj(a: __m256i, b: __m256i, c: __m256i) -> __m256i {
            _mm256_or_si256(
                _mm256_and_si256(a, b),
                _mm256_and_si256(c, _mm256_or_si256(a, b)),
            )
        }

        // The right- and left-shifted halves of the three rotations do not
        // overlap within a rotation, so all six can simply be XORed.

        #[inline]
        #[target_feature(enable = "avx2")]
        fn big_sigma0(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi32::<2>(x),
                    _mm256_srli_epi32::<13>(x),
                    _mm256_srli_epi32::<22>(x),
                ),
                _mm256_slli_epi32::<30>(x),
                _mm256_xor_si256(_mm256_slli_epi32::<19>(x), _mm256_slli_epi32::<10>(x)),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn big_sigma1(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi32::<6>(x),
                    _mm256_srli_epi32::<11>(x),
                    _mm256_srli_epi32::<25>(x),
                ),
                _mm256_slli_epi32::<26>(x),
                _mm256_xor_si256(_mm256_slli_epi32::<21>(x), _mm256_slli_epi32::<7>(x)),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn small_sigma0(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi32::<7>(x),
                    _mm256_srli_epi32::<18>(x),
                    _mm256_srli_epi32::<3>(x),
                ),
                _mm256_slli_epi32::<25>(x),
                _mm256_slli_epi32::<14>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn small_sigma1(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi32::<17>(x),
                    _mm256_srli_epi32::<19>(x),
                    _mm256_srli_epi32::<10>(x),
                ),
                _mm256_slli_epi32::<15>(x),
                _mm256_slli_epi32::<13>(x),
            )
        }

        /// 8x8 transpose of 32-bit elements: after the two unpack stages,
        /// t[4g + c] holds, in its 128-bit lane k, column 4k + c of rows
        /// 4g..4g+4, and a 128-bit permute joins the two row halves.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn transpose8(r: [__m256i; 8]) -> [__m256i; 8] {
            let mut t = [_mm256_setzero_si256(); 8];
            for p in 0..4 {
                t[2 * p] = _mm256_unpacklo_epi32(r[2 * p], r[2 * p + 1]);
                t[2 * p + 1] = _mm256_unpackhi_epi32(r[2 * p], r[2 * p + 1]);
            }
            let mut u = [_mm256_setzero_si256(); 8];
            for g in 0..2 {
                let (x0, x1, x2, x3) = (t[4 * g], t[4 * g + 1], t[4 * g + 2], t[4 * g + 3]);
                u[4 * g] = _mm256_unpacklo_epi64(x0, x2);
                u[4 * g + 1] = _mm256_unpackhi_epi64(x0, x2);
                u[4 * g + 2] = _mm256_unpacklo_epi64(x1, x3);
                u[4 * g + 3] = _mm256_unpackhi_epi64(x1, x3);
            }
            let mut w = [_mm256_setzero_si256(); 8];
            for c in 0..4 {
                w[c] = _mm256_permute2x128_si256::<0x20>(u[c], u[4 + c]);
                w[4 + c] = _mm256_permute2x128_si256::<0x31>(u[c], u[4 + c]);
            }
            w
        }

        /// Words 0..16 of each lane's block, transposed so that vector `t`
        /// holds word `t` of every lane.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn load_words(blocks: &[&[u8; 64]; 8]) -> [__m256i; 16] {
            // Within each 32-bit word, reverse the byte order (§3.1).
            let bswap = _mm256_setr_epi8(
                3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11,
                10, 9, 8, 15, 14, 13, 12,
            );
            let mut lo = [_mm256_setzero_si256(); 8];
            let mut hi = [_mm256_setzero_si256(); 8];
            for ((l, h), block) in lo.iter_mut().zip(&mut hi).zip(blocks) {
                let (first, second) = block.split_at(32);
                // SAFETY: `first` and `second` are 32 readable bytes each,
                // exactly one unaligned 256-bit load apiece.
                let (a, b) = unsafe {
                    (
                        _mm256_loadu_si256(first.as_ptr().cast()),
                        _mm256_loadu_si256(second.as_ptr().cast()),
                    )
                };
                *l = _mm256_shuffle_epi8(a, bswap);
                *h = _mm256_shuffle_epi8(b, bswap);
            }
            let mut w = [_mm256_setzero_si256(); 16];
            w[..8].copy_from_slice(&transpose8(lo));
            w[8..].copy_from_slice(&transpose8(hi));
            w
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn lane_words(v: __m256i) -> [u32; 8] {
            let mut words = [0; 8];
            // SAFETY: `words` is 32 writable bytes, exactly one unaligned
            // 256-bit store.
            unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
            words
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn from_lane_words(words: &[u32; 8]) -> __m256i {
            // SAFETY: `words` is 32 readable bytes, exactly one unaligned
            // 256-bit load.
            unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
        }

        kernel!("avx2", __m256i, 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(digest: &[u8; 32]) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Deterministic bytes (SplitMix64), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// Hashes `messages` with `hash` in calls of `per_call` messages and
    /// compares every digest with the `sha2` crate's.
    fn check(hash: &Hasher, messages: &[&[u8]], per_call: usize) {
        let mut out = vec![[0xAA; 32]; messages.len()];
        for (m, o) in messages.chunks(per_call).zip(out.chunks_mut(per_call)) {
            hash(m, o);
        }
        for (i, (message, digest)) in messages.iter().zip(&out).enumerate() {
            let expected: [u8; 32] = Sha256::digest(message).into();
            assert_eq!(
                hex(digest),
                hex(&expected),
                "message {i} of {} (length {}), {per_call} per call",
                messages.len(),
                message.len()
            );
        }
    }

    /// A hash of many messages, as the tests call it.
    type Hasher = dyn Fn(&[&[u8]], &mut [[u8; 32]]);

    /// The hashers available on this CPU, by name: the dispatched one and
    /// every kernel, forced, so that AVX2 is tested on AVX-512 machines
    /// too, and with single messages, which `sha256_many` hands to `sha2`.
    fn hashers() -> Vec<(&'static str, Box<Hasher>)> {
        let mut v: Vec<(&'static str, Box<Hasher>)> = vec![("sha256_many", Box::new(sha256_many))];
        for kernel in Kernel::ALL {
            if sha256_many_with(kernel, &[], &mut []) {
                v.push((
                    kernel.name(),
                    Box::new(move |m, o| assert!(sha256_many_with(kernel, m, o))),
                ));
            } else {
                eprintln!("this CPU lacks {}: not tested", kernel.name());
            }
        }
        v
    }

    #[test]
    fn nist_vectors() {
        let long = vec![b'a'; 1_000_000];
        let cases: [(&[u8], &str); 3] = [
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (
                &long,
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            ),
        ];
        let messages: Vec<&[u8]> = cases.iter().map(|&(m, _)| m).collect();
        for (name, hash) in hashers() {
            for (message, expected) in cases {
                let mut out = [[0; 32]];
                hash(&[message], &mut out);
                assert_eq!(hex(&out[0]), expected, "{name}, alone");
                assert_eq!(hex(&Sha256::digest(message).into()), expected, "sha2 crate");
            }
            check(&*hash, &messages, messages.len());
        }
    }

    #[test]
    fn every_length_to_300() {
        let data = Rng(1).bytes(300);
        let messages: Vec<&[u8]> = (0..=300).map(|len| &data[..len]).collect();
        for (name, hash) in hashers() {
            eprintln!("{name}");
            check(&*hash, &messages, messages.len());
        }
    }

    #[test]
    fn random_lengths_in_varied_batches() {
        let mut rng = Rng(2);
        let owned: Vec<Vec<u8>> = (0..1000)
            .map(|_| {
                let len = (rng.next() % 6000) as usize;
                rng.bytes(len)
            })
            .collect();
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        for (name, hash) in hashers() {
            for per_call in [1, 7, 8, 9, 15, 16, 17, 33, 1000] {
                eprintln!("{name}, {per_call} per call");
                check(&*hash, &messages, per_call);
            }
        }
    }

    /// Messages of a few shared starts (more than `Midstates` keeps) and
    /// of unique ones, of every length around the two-block prefix, hashed
    /// in calls of varied sizes through one `Midstates`, by each kernel.
    #[test]
    fn resumed_messages_hash_as_whole_ones() {
        let mut rng = Rng(3);
        let starts: Vec<Vec<u8>> = (0..MAX_KNOWN + 3).map(|_| rng.bytes(PREFIX)).collect();
        let mut owned: Vec<Vec<u8>> = Vec::new();
        for round in 0..6 {
            for (k, start) in starts.iter().enumerate() {
                // Starts come back in turn, a few more often than others.
                if round % (1 + k % 3) == 0 {
                    let tail = (rng.next() % 400) as usize;
                    owned.push([start.clone(), rng.bytes(tail)].concat());
                }
            }
            let len = (rng.next() % 600) as usize;
            owned.push(rng.bytes(len));
        }
        // Exactly the prefix, and one byte either side of it.
        for len in [
            PREFIX - 1,
            PREFIX,
            PREFIX + 1,
            PREFIX + 55,
            PREFIX + 56,
            PREFIX + 64,
        ] {
            owned.push(starts[0].iter().cycle().take(len).copied().collect());
            owned.push(starts[0].iter().cycle().take(len).copied().collect());
        }
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        for kernel in Kernel::ALL {
            let name = kernel.name();
            if !sha256_many_with(kernel, &[], &mut []) {
                eprintln!("this CPU lacks {name}: not tested");
                continue;
            }
            for per_call in [1, 2, 5, 16, 17, messages.len()] {
                eprintln!("{name}, {per_call} per call");
                let mut midstates = Midstates::default();
                let mut out = vec![[0xAA; 32]; messages.len()];
                for (m, o) in messages.chunks(per_call).zip(out.chunks_mut(per_call)) {
                    assert!(sha256_many_resuming_with(kernel, m, o, &mut midstates));
                }
                for (i, (message, digest)) in messages.iter().zip(&out).enumerate() {
                    let expected: [u8; 32] = Sha256::digest(message).into();
                    assert_eq!(hex(digest), hex(&expected), "{name}: message {i}");
                }
            }
        }
    }

    /// A start earns its state the second time it is met; shorter messages
    /// never do; the state is that of the start's two blocks.
    #[test]
    fn a_start_is_kept_from_its_second_meeting() {
        let mut midstates = Midstates::default();
        let message: Vec<u8> = (0..300).map(|i| (i * 31 + 7) as u8).collect();
        assert_eq!(midstates.find(&message), None);
        let state = midstates.find(&message).expect("met twice");
        assert_eq!(midstates.find(&message[..200]), Some(state));
        assert_eq!(midstates.find(&message[..PREFIX - 1]), None);
        assert_eq!(midstates.find(&message[..PREFIX - 1]), None);
        // The state continues to the message's digest with sha2's own
        // compression of the remaining padded blocks.
        let mut padded = message.clone();
        padded.push(0x80);
        while padded.len() % 64 != 56 {
            padded.push(0);
        }
        padded.extend_from_slice(&(message.len() as u64 * 8).to_be_bytes());
        let mut resumed = state;
        sha2::block_api::compress256(&mut resumed, padded[PREFIX..].as_chunks::<64>().0);
        let digest: Vec<u8> = resumed.iter().flat_map(|w| w.to_be_bytes()).collect();
        assert_eq!(digest, Sha256::digest(&message).to_vec());
        // A start that changes is not mistaken for the known one.
        let mut other = message.clone();
        other[PREFIX - 1] ^= 1;
        assert_eq!(midstates.find(&other), None);
    }

    #[test]
    fn empty_batch() {
        for (_, hash) in hashers() {
            hash(&[], &mut []);
        }
    }

    #[test]
    #[should_panic(expected = "one digest slot per message")]
    fn output_length_mismatch_panics() {
        sha256_many(&[b"abc"], &mut [[0; 32]; 2]);
    }
}
