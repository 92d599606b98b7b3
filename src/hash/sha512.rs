//! Multi-buffer SHA-512 (FIPS 180-4): many independent messages hashed at
//! once, one message per 64-bit SIMD lane.
//!
//! Ed25519 verification needs k = SHA-512(R ‖ A ‖ M) for every signature, and
//! for VC-JWT records M is a ~3 KB JWS signing input. One SHA-512 is a serial
//! chain of 80 rounds per block (§6.4.2), so instead of speeding up a single
//! message we run 8 (AVX-512) or 4 (AVX2) of them side by side: every vector
//! register holds the same working variable of all the messages in flight.
//! On a Cascade Lake core that is ~2.2 GB/s with 8 lanes and ~1.0 GB/s with
//! 4, for batches of 3 KB messages, against ~360 MB/s for `sha2`. This is
//! the design of [`super::sha256`] with 128-byte blocks, 64-bit words and a
//! 128-bit length field.
//!
//! - Padding (§5.1.2) and grouping by length are the `multibuffer`
//!   module's, shared with [`super::sha256`]: this module has the SHA-512
//!   constants and kernels, and the rule that chooses one ([`choose`]).
//! - Parsing into big-endian 64-bit words (§5.2.2) is a byte swap plus a
//!   transpose, so that word `t` of every lane's block lands in one register.
//! - The computation is §6.4.2 with the functions of §4.1.3, the constants of
//!   §4.2.3 and the initial hash value of §5.3.5.

// SIMD kernels: `#[target_feature]` functions and intrinsics, each call
// behind a run-time feature check.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use sha2::{Digest, Sha512};

#[cfg(target_arch = "x86_64")]
use super::multibuffer;
use super::{Cpu, Kernel};

/// The kernel that SHA-512 of many messages runs on `cpu`. No CPU this
/// engine meets has SHA-512 instructions, so `sha2` is its own AVX2 code
/// at best; measured with `benches/hashing.rs` (256 messages of 3,000
/// bytes): on Cascade Lake, 8 AVX-512 lanes 340 µs, 4 AVX2 lanes about
/// twice that, `sha2` 2.28 ms; on AMD EPYC (Zen 4), 276 µs, 537 µs and
/// 1.43 ms.
pub fn choose(cpu: &Cpu) -> Kernel {
    if cpu.avx512f && cpu.avx512bw {
        Kernel::Avx512
    } else if cpu.avx2 {
        Kernel::Avx2
    } else {
        Kernel::Sha2
    }
}

/// The kernel [`sha512_many`] runs on this CPU, chosen once.
pub fn kernel() -> Kernel {
    static KERNEL: OnceLock<Kernel> = OnceLock::new();
    *KERNEL.get_or_init(|| choose(&Cpu::detect()))
}

/// SHA-512 of each message; out.len() == messages.len().
///
/// A lone message leaves all but one lane idle, which is slower than
/// `sha2` (measured on Cascade Lake: 290 MB/s with AVX-512 against 360
/// MB/s on 3 KB, 135 against 167 MB/s on 128 bytes), so it goes to `sha2`.
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha512_many(messages: &[&[u8]], out: &mut [[u8; 64]]) {
    let kernel = if messages.len() > 1 {
        kernel()
    } else {
        Kernel::Sha2
    };
    if !sha512_many_with(kernel, messages, out) {
        sha512_many_with(Kernel::Sha2, messages, out);
    }
}

/// [`sha512_many`] with `kernel`, whatever the CPU would choose; false
/// (and `out` untouched) if the CPU lacks it.
///
/// # Panics
///
/// If `out.len() != messages.len()`.
pub fn sha512_many_with(kernel: Kernel, messages: &[&[u8]], out: &mut [[u8; 64]]) -> bool {
    assert_eq!(
        messages.len(),
        out.len(),
        "sha512_many: one digest slot per message"
    );
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => x86::try_avx512(messages, out),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => x86::try_avx2(messages, out),
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx512 | Kernel::Avx2 => false,
        Kernel::Sha2 => {
            for (message, digest) in messages.iter().zip(out) {
                *digest = Sha512::digest(message).into();
            }
            true
        }
    }
}

/// §4.2.3, grouped by the 16 rounds that share one pass over the schedule.
#[cfg(target_arch = "x86_64")]
const K: [[u64; 16]; 5] = [
    [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
    ],
    [
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
    ],
    [
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
    ],
    [
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
    ],
    [
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ],
];

/// §5.3.5.
#[cfg(target_arch = "x86_64")]
const H0: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// A message as 128-byte blocks, padded with the 128-bit length field of
/// §5.1.2.
#[cfg(target_arch = "x86_64")]
type Lane<'a> = multibuffer::Lane<'a, 128, 16>;

/// One SHA-512 round (§6.4.2 step 3) on vectors of lanes. The caller rotates
/// the variable names instead of moving values, so a round is only the
/// arithmetic; with `$expand` the schedule word (§6.4.2 step 1) is computed
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
/// `ch`, `maj`, the four sigmas, `load_words` and `lane_words`).
#[cfg(target_arch = "x86_64")]
macro_rules! kernel {
    ($feature:literal, $v:ty, $lanes:literal) => {
        /// Sixteen rounds; `EXPAND` is false only for the first sixteen,
        /// which use the message words as they are.
        #[inline]
        #[target_feature(enable = $feature)]
        fn rounds16<const EXPAND: bool>(s: &mut [$v; 8], w: &mut [$v; 16], k: &[u64; 16]) {
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

        /// §6.4.2 steps 1-4 for one block per lane.
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
        /// The CPU must support the target features this function enables.
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn hash_group(
            lanes: &[Lane<'_>; $lanes],
            digests: &mut [[u8; 64]; $lanes],
        ) {
            let mut blocks = [0; $lanes];
            for (n, lane) in blocks.iter_mut().zip(lanes) {
                *n = lane.blocks();
            }
            let mut state = [splat(0); 8];
            for (v, h) in state.iter_mut().zip(H0) {
                *v = splat(h);
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
                            for (bytes, lw) in digest.as_chunks_mut::<8>().0.iter_mut().zip(&words)
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

    /// Hashes with 8 lanes if the CPU has AVX-512F and AVX-512BW; false if
    /// it has not.
    pub(super) fn try_avx512(messages: &[&[u8]], out: &mut [[u8; 64]]) -> bool {
        if !(std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw"))
        {
            return false;
        }
        many_lanes(messages, &[], out, |lanes, _, digests| {
            // SAFETY: AVX-512F and AVX-512BW support was detected just above,
            // and the closure runs only inside this call.
            unsafe { avx512::hash_group(lanes, digests) }
        });
        true
    }

    /// Hashes with 4 lanes if the CPU has AVX2; false if it has not.
    pub(super) fn try_avx2(messages: &[&[u8]], out: &mut [[u8; 64]]) -> bool {
        if !std::is_x86_feature_detected!("avx2") {
            return false;
        }
        many_lanes(messages, &[], out, |lanes, _, digests| {
            // SAFETY: AVX2 support was detected just above, and the closure
            // runs only inside this call.
            unsafe { avx2::hash_group(lanes, digests) }
        });
        true
    }

    /// 8 lanes in `__m512i`. Native rotates and three-input logic make each
    /// sigma two instructions and `Ch`/`Maj` one. AVX-512BW is used for the
    /// byte swap only: one byte shuffle where AVX-512F would need four
    /// rotates and a blend. Every AVX-512 CPU but Xeon Phi has it.
    mod avx512 {
        use std::arch::x86_64::*;

        use super::super::{H0, K, Lane};

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn add(a: __m512i, b: __m512i) -> __m512i {
            _mm512_add_epi64(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn splat(x: u64) -> __m512i {
            _mm512_set1_epi64(x.cast_signed())
        }

        // Truth tables for _mm512_ternarylogic_epi64 follow from the inputs
        // being 0xF0, 0xCC, 0xAA: XOR3 is 0x96, (a & b) | (!a & c) is 0xCA,
        // majority is 0xE8.

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn ch(e: __m512i, f: __m512i, g: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0xCA>(e, f, g)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn maj(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0xE8>(a, b, c)
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn big_sigma0(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<28>(x),
                _mm512_ror_epi64::<34>(x),
                _mm512_ror_epi64::<39>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn big_sigma1(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<14>(x),
                _mm512_ror_epi64::<18>(x),
                _mm512_ror_epi64::<41>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn small_sigma0(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<1>(x),
                _mm512_ror_epi64::<8>(x),
                _mm512_srli_epi64::<7>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn small_sigma1(x: __m512i) -> __m512i {
            _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<19>(x),
                _mm512_ror_epi64::<61>(x),
                _mm512_srli_epi64::<6>(x),
            )
        }

        /// 8x8 transpose of 64-bit elements. After the unpack stage, t[2p + j]
        /// holds, in its 128-bit lane k, column 2k + j of rows 2p and 2p + 1;
        /// the two 128-bit shuffle stages then gather lane k of `t[j]`, `t[2 + j]`,
        /// `t[4 + j]`, `t[6 + j]` into column 2k + j.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn transpose8(r: [__m512i; 8]) -> [__m512i; 8] {
            let mut t = [_mm512_setzero_si512(); 8];
            for p in 0..4 {
                t[2 * p] = _mm512_unpacklo_epi64(r[2 * p], r[2 * p + 1]);
                t[2 * p + 1] = _mm512_unpackhi_epi64(r[2 * p], r[2 * p + 1]);
            }
            let mut w = [_mm512_setzero_si512(); 8];
            for j in 0..2 {
                let lo01 = _mm512_shuffle_i64x2::<0x44>(t[j], t[2 + j]);
                let hi01 = _mm512_shuffle_i64x2::<0xEE>(t[j], t[2 + j]);
                let lo23 = _mm512_shuffle_i64x2::<0x44>(t[4 + j], t[6 + j]);
                let hi23 = _mm512_shuffle_i64x2::<0xEE>(t[4 + j], t[6 + j]);
                w[j] = _mm512_shuffle_i64x2::<0x88>(lo01, lo23);
                w[2 + j] = _mm512_shuffle_i64x2::<0xDD>(lo01, lo23);
                w[4 + j] = _mm512_shuffle_i64x2::<0x88>(hi01, hi23);
                w[6 + j] = _mm512_shuffle_i64x2::<0xDD>(hi01, hi23);
            }
            w
        }

        /// Words 0..16 of each lane's block, transposed so that vector `t`
        /// holds word `t` of every lane.
        #[inline]
        #[target_feature(enable = "avx512f,avx512bw")]
        fn load_words(blocks: &[&[u8; 128]; 8]) -> [__m512i; 16] {
            // Within each 64-bit word, reverse the byte order (§3.1).
            let bswap = _mm512_broadcast_i32x4(_mm_setr_epi8(
                7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
            ));
            let mut lo = [_mm512_setzero_si512(); 8];
            let mut hi = [_mm512_setzero_si512(); 8];
            for ((l, h), block) in lo.iter_mut().zip(&mut hi).zip(blocks) {
                let (first, second) = block.split_at(64);
                // SAFETY: `first` and `second` are 64 readable bytes each,
                // exactly one unaligned 512-bit load apiece.
                let (a, b) = unsafe {
                    (
                        _mm512_loadu_si512(first.as_ptr().cast()),
                        _mm512_loadu_si512(second.as_ptr().cast()),
                    )
                };
                *l = _mm512_shuffle_epi8(a, bswap);
                *h = _mm512_shuffle_epi8(b, bswap);
            }
            let mut w = [_mm512_setzero_si512(); 16];
            w[..8].copy_from_slice(&transpose8(lo));
            w[8..].copy_from_slice(&transpose8(hi));
            w
        }

        #[inline]
        #[target_feature(enable = "avx512f")]
        fn lane_words(v: __m512i) -> [u64; 8] {
            let mut words = [0; 8];
            // SAFETY: `words` is 64 writable bytes, exactly one unaligned
            // 512-bit store.
            unsafe { _mm512_storeu_si512(words.as_mut_ptr().cast(), v) };
            words
        }

        kernel!("avx512f,avx512bw", __m512i, 8);
    }

    /// 4 lanes in `__m256i`, for CPUs without AVX-512. A rotate is two
    /// shifts, except the rotate by 8 of σ0, which is a byte shuffle.
    mod avx2 {
        use std::arch::x86_64::*;

        use super::super::{H0, K, Lane};

        #[inline]
        #[target_feature(enable = "avx2")]
        fn add(a: __m256i, b: __m256i) -> __m256i {
            _mm256_add_epi64(a, b)
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn splat(x: u64) -> __m256i {
            _mm256_set1_epi64x(x.cast_signed())
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

        // The right- and left-shifted halves of the rotations do not overlap
        // within a rotation, so all the shifts can simply be XORed; a rotate
        // right by n is x >> n and x << (64 - n).

        #[inline]
        #[target_feature(enable = "avx2")]
        fn big_sigma0(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi64::<28>(x),
                    _mm256_srli_epi64::<34>(x),
                    _mm256_srli_epi64::<39>(x),
                ),
                _mm256_slli_epi64::<36>(x),
                _mm256_xor_si256(_mm256_slli_epi64::<30>(x), _mm256_slli_epi64::<25>(x)),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn big_sigma1(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi64::<14>(x),
                    _mm256_srli_epi64::<18>(x),
                    _mm256_srli_epi64::<41>(x),
                ),
                _mm256_slli_epi64::<50>(x),
                _mm256_xor_si256(_mm256_slli_epi64::<46>(x), _mm256_slli_epi64::<23>(x)),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn small_sigma0(x: __m256i) -> __m256i {
            // Rotating right by 8 moves byte i + 1 of each word to byte i.
            let ror8 = _mm256_setr_epi8(
                1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8, 1, 2, 3, 4, 5, 6, 7, 0, 9,
                10, 11, 12, 13, 14, 15, 8,
            );
            xor3(
                _mm256_xor_si256(_mm256_srli_epi64::<1>(x), _mm256_slli_epi64::<63>(x)),
                _mm256_shuffle_epi8(x, ror8),
                _mm256_srli_epi64::<7>(x),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn small_sigma1(x: __m256i) -> __m256i {
            xor3(
                xor3(
                    _mm256_srli_epi64::<19>(x),
                    _mm256_srli_epi64::<61>(x),
                    _mm256_srli_epi64::<6>(x),
                ),
                _mm256_slli_epi64::<45>(x),
                _mm256_slli_epi64::<3>(x),
            )
        }

        /// 4x4 transpose of 64-bit elements: the unpacks pair rows 0-1 and
        /// 2-3 within each 128-bit lane, and a 128-bit permute joins them.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn transpose4([r0, r1, r2, r3]: [__m256i; 4]) -> [__m256i; 4] {
            let t0 = _mm256_unpacklo_epi64(r0, r1);
            let t1 = _mm256_unpackhi_epi64(r0, r1);
            let t2 = _mm256_unpacklo_epi64(r2, r3);
            let t3 = _mm256_unpackhi_epi64(r2, r3);
            [
                _mm256_permute2x128_si256::<0x20>(t0, t2),
                _mm256_permute2x128_si256::<0x20>(t1, t3),
                _mm256_permute2x128_si256::<0x31>(t0, t2),
                _mm256_permute2x128_si256::<0x31>(t1, t3),
            ]
        }

        /// Words 0..16 of each lane's block, transposed so that vector `t`
        /// holds word `t` of every lane.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn load_words(blocks: &[&[u8; 128]; 4]) -> [__m256i; 16] {
            // Within each 64-bit word, reverse the byte order (§3.1).
            let bswap = _mm256_setr_epi8(
                7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 15,
                14, 13, 12, 11, 10, 9, 8,
            );
            let mut w = [_mm256_setzero_si256(); 16];
            for (q, quarter) in w.as_chunks_mut::<4>().0.iter_mut().enumerate() {
                let mut rows = [_mm256_setzero_si256(); 4];
                for (row, block) in rows.iter_mut().zip(blocks) {
                    let bytes = &block.as_chunks::<32>().0[q];
                    // SAFETY: `bytes` is 32 readable bytes, exactly one
                    // unaligned 256-bit load.
                    let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) };
                    *row = _mm256_shuffle_epi8(v, bswap);
                }
                *quarter = transpose4(rows);
            }
            w
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn lane_words(v: __m256i) -> [u64; 4] {
            let mut words = [0; 4];
            // SAFETY: `words` is 32 writable bytes, exactly one unaligned
            // 256-bit store.
            unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), v) };
            words
        }

        kernel!("avx2", __m256i, 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(digest: &[u8; 64]) -> String {
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
        let mut out = vec![[0xAA; 64]; messages.len()];
        for (m, o) in messages.chunks(per_call).zip(out.chunks_mut(per_call)) {
            hash(m, o);
        }
        for (i, (message, digest)) in messages.iter().zip(&out).enumerate() {
            let expected: [u8; 64] = Sha512::digest(message).into();
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
    type Hasher = dyn Fn(&[&[u8]], &mut [[u8; 64]]);

    /// The hashers available on this CPU, by name: the dispatched one and
    /// every kernel, forced, so that AVX2 is tested on AVX-512 machines
    /// too, and with single messages, which `sha512_many` hands to `sha2`.
    fn hashers() -> Vec<(&'static str, Box<Hasher>)> {
        let mut v: Vec<(&'static str, Box<Hasher>)> = vec![("sha512_many", Box::new(sha512_many))];
        for kernel in Kernel::ALL {
            if sha512_many_with(kernel, &[], &mut []) {
                v.push((
                    kernel.name(),
                    Box::new(move |m, o| assert!(sha512_many_with(kernel, m, o))),
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
        let cases: [(&[u8], &str); 4] = [
            (
                b"abc",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                 2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            ),
            (
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno\
                  ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018\
                 501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
            ),
            (
                b"",
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                 47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            ),
            (
                &long,
                "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb\
                 de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
            ),
        ];
        let messages: Vec<&[u8]> = cases.iter().map(|&(m, _)| m).collect();
        for (name, hash) in hashers() {
            for (message, expected) in cases {
                let mut out = [[0; 64]];
                hash(&[message], &mut out);
                assert_eq!(hex(&out[0]), expected, "{name}, alone");
                assert_eq!(hex(&Sha512::digest(message).into()), expected, "sha2 crate");
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
    fn padding_boundaries_in_every_lane() {
        // Around the one/two padding-block boundaries (111/112 bytes of the
        // last block), the block boundaries, and with each boundary length
        // in each lane position of a group.
        let data = Rng(3).bytes(400);
        let lengths = [
            0, 1, 110, 111, 112, 113, 127, 128, 129, 239, 240, 241, 255, 256, 257,
        ];
        for (name, hash) in hashers() {
            for shift in 0..lengths.len() {
                let messages: Vec<&[u8]> = (0..lengths.len())
                    .map(|i| &data[..lengths[(i + shift) % lengths.len()]])
                    .collect();
                for per_call in [1, 2, 3, 4, 5, 8, 9, lengths.len()] {
                    eprintln!("{name}, shift {shift}, {per_call} per call");
                    check(&*hash, &messages, per_call);
                }
            }
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
            for per_call in [1, 3, 4, 5, 7, 8, 9, 17, 1000] {
                eprintln!("{name}, {per_call} per call");
                check(&*hash, &messages, per_call);
            }
        }
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
        sha512_many(&[b"abc"], &mut [[0; 64]; 2]);
    }
}
