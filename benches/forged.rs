//! Signatures/s against the share of invalid signatures, on every core:
//! (a) ed25519-dalek's `verify_strict`, one signature at a time;
//! (b) this crate's raw verifier with batches only (`Strategy::Batches`,
//! the verifier before single checks and per-key tables);
//! (c) the raw verifier as shipped (`Strategy::Adaptive`).
//! (b) and (c) are `credverify throughput`'s raw measurement
//! (`cli::throughput::raw_run`): challenges hashed and `R` screened
//! (and decompressed where a batch needs it) inside the timing, 800-signature groups taken in turn, one tuner per
//! thread. Each round runs the three in turn on the same signatures; the
//! table gives the median of the rounds and the ratios of the medians.
//!
//! ```sh
//! cargo bench --bench forged                  # 100,000 signatures, 5 rounds
//! cargo bench --bench forged -- --micro       # single-core costs of one check
//! ```
//!
//! Options after `--`: `--signatures N`, `--rounds N`, `--issuers N`,
//! `--threads N`, `--shares 0,5,17` (invalid shares, in percent),
//! `--micro`, `--singles` (a fourth column: every signature
//! checked alone through per-key tables, `Strategy::Singles`). Invalid signatures are forgeries of the kind
//! an audit finds: a valid signature over a message changed afterwards, so
//! every one reaches the equation (none is refused by the encoding checks).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use credverify::cli::throughput::raw_run;
use credverify::verify::batch::Signature;
use credverify::verify::queue::Triple;
use credverify::verify::table::{FixedBase, KeyTables};
use credverify::verify::tuner::{DEFAULT_BATCH_SIZE, Strategy};
use credverify::verify::{Prepared, VerifyingKey, verify_prepared};
use curve25519_dalek::edwards::{
    EdwardsBasepointTable, EdwardsBasepointTableRadix32, EdwardsBasepointTableRadix64,
    EdwardsBasepointTableRadix256, EdwardsPoint,
};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{BasepointTable, Identity};
use ed25519_dalek::{Signer, SigningKey};
use rayon::prelude::*;

/// Invalid signatures, in percent (`--shares` replaces them).
const SHARES: [u64; 6] = [0, 1, 5, 17, 50, 100];

struct Options {
    signatures: usize,
    rounds: usize,
    issuers: usize,
    threads: usize,
    micro: bool,
    singles: bool,
    shares: Vec<u64>,
}

fn options() -> Options {
    let mut o = Options {
        signatures: 100_000,
        rounds: 5,
        issuers: 5,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        micro: false,
        singles: false,
        shares: SHARES.to_vec(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match arg.as_str() {
            "--signatures" => o.signatures = number("--signatures"),
            "--rounds" => o.rounds = number("--rounds").max(1),
            "--issuers" => o.issuers = number("--issuers").max(1),
            "--threads" => o.threads = number("--threads").max(1),
            "--micro" => o.micro = true,
            "--singles" => o.singles = true,
            "--shares" => {
                o.shares = args
                    .next()
                    .and_then(|v| v.split(',').map(|p| p.parse().ok()).collect())
                    .expect("--shares takes percentages, as 0,5,17")
            }
            // `cargo bench` passes `--bench`; ignore it and the like.
            _ => {}
        }
    }
    o
}

/// A reproducible 64-bit mix (splitmix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `n` valid signatures on 64-byte messages (the size of an
/// `eddsa-jcs-2022` message: two SHA-256 digests), issuers in turn.
fn signed(n: usize, issuers: usize) -> (Vec<Triple>, Vec<SigningKey>) {
    let signers: Vec<SigningKey> = (0..issuers)
        .map(|i| {
            SigningKey::from_bytes(
                &mix(i as u64 + 1000).to_le_bytes().repeat(4)[..32]
                    .try_into()
                    .expect("32 bytes"),
            )
        })
        .collect();
    let keys: Vec<Arc<VerifyingKey>> = signers
        .iter()
        .enumerate()
        .map(|(i, sk)| {
            Arc::new(VerifyingKey::screen(sk.verifying_key().to_bytes(), i as u32).expect("key"))
        })
        .collect();
    let triples = (0..n)
        .into_par_iter()
        .map(|i| {
            let message: Vec<u8> = (0..8u64)
                .flat_map(|j| mix(i as u64 * 8 + j).to_le_bytes())
                .collect();
            let signature = signers[i % issuers].sign(&message).to_bytes();
            (message, signature, keys[i % issuers].clone())
        })
        .collect();
    (triples, signers)
}

/// The same signatures with `percent` of them (spread at random, the
/// same ones every run) turned into forgeries.
fn forged(valid: &[Triple], percent: u64) -> (Vec<Triple>, usize) {
    let mut invalid = 0;
    let triples = valid
        .iter()
        .enumerate()
        .map(|(i, (m, s, k))| {
            let mut m = m.clone();
            if mix(i as u64 ^ 0x5eed) % 100 < percent {
                m[7] ^= 0x20;
                invalid += 1;
            }
            (m, *s, k.clone())
        })
        .collect();
    (triples, invalid)
}

/// `verify_strict` one signature at a time on `pool`.
fn strict_run(
    pool: &rayon::ThreadPool,
    triples: &[Triple],
    keys: &[ed25519_dalek::VerifyingKey],
) -> (f64, usize) {
    let start = Instant::now();
    let accepted = pool.install(|| {
        triples
            .par_iter()
            .with_min_len(256)
            .filter(|(m, s, k)| {
                let signature = ed25519_dalek::Signature::from_bytes(s);
                keys[k.id as usize].verify_strict(m, &signature).is_ok()
            })
            .count()
    });
    (start.elapsed().as_secs_f64(), accepted)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

fn curve(o: &Options) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.threads)
        .build()
        .expect("a thread pool");
    let (valid, signers) = pool.install(|| signed(o.signatures, o.issuers));
    let dalek_keys: Vec<ed25519_dalek::VerifyingKey> =
        signers.iter().map(|sk| sk.verifying_key()).collect();
    println!(
        "{} signatures from {} issuers, 64-byte messages, {} threads, median of {} rounds",
        o.signatures, o.issuers, o.threads, o.rounds
    );
    println!(
        "| invalid | (a) verify_strict, sig/s | (b) batches only, sig/s | (c) as shipped, sig/s | b/a | c/a |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    if o.singles {
        println!("(then: (d) single checks only, sig/s | d/a |)");
    }
    for &percent in &o.shares {
        let (triples, invalid) = forged(&valid, percent);
        let expected = triples.len() - invalid;
        let rate = |(seconds, accepted): (f64, usize)| {
            assert_eq!(accepted, expected, "{percent}%: accepted signatures");
            triples.len() as f64 / seconds
        };
        let (mut a, mut b, mut c, mut d) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..o.rounds {
            a.push(rate(strict_run(&pool, &triples, &dalek_keys)));
            b.push(rate(raw_run(
                &pool,
                &triples,
                DEFAULT_BATCH_SIZE,
                Strategy::Batches,
            )));
            c.push(rate(raw_run(
                &pool,
                &triples,
                DEFAULT_BATCH_SIZE,
                Strategy::Adaptive,
            )));
            if o.singles {
                d.push(rate(raw_run(
                    &pool,
                    &triples,
                    DEFAULT_BATCH_SIZE,
                    Strategy::Singles,
                )));
            }
        }
        let singles = if o.singles {
            let d = median(d);
            format!(" {d:.0} | {:.2} |", d / median(a.clone()))
        } else {
            String::new()
        };
        let (a, b, c) = (median(a), median(b), median(c));
        println!(
            "| {percent}% | {a:.0} | {b:.0} | {c:.0} | {:.2} | {:.2} |{singles}",
            b / a,
            c / a
        );
    }
}

/// Microseconds per call of `f`, the best of five runs of `n` calls.
fn time<T>(n: usize, mut f: impl FnMut(usize) -> T) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for i in 0..n {
                black_box(f(i));
            }
            start.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn micro() {
    let (triples, signers) = signed(256, 1);
    let key = triples[0].2.clone();
    let prepared: Vec<Prepared> = triples
        .iter()
        .map(|(m, s, k)| Prepared::new(s, k, m).expect("prepares"))
        .collect();
    let dalek_key = signers[0].verifying_key();
    let n = prepared.len();
    println!("one core, µs per call (best of 5 runs of 2,000):");
    let row = |name: &str, us: f64| println!("  {name:<58} {us:8.2}");
    row(
        "ed25519-dalek verify_strict",
        time(2000, |i| {
            let (m, s, _) = &triples[i % n];
            dalek_key.verify_strict(m, &ed25519_dalek::Signature::from_bytes(s))
        }),
    );
    row(
        "prepare (SHA-512 challenge, R screened by its bytes)",
        time(2000, |i| {
            let (m, s, k) = &triples[i % n];
            Prepared::new(s, k, m)
        }),
    );
    row(
        "R decompression (batches only)",
        time(2000, |i| prepared[i % n].r_point()),
    );
    row(
        "check alone, plain (verify_prepared: one inversion)",
        time(2000, |i| verify_prepared(&prepared[i % n], &key)),
    );
    let shared = key.clone();
    let group: Vec<Signature> = prepared
        .iter()
        .map(|p| Signature {
            prepared: p.clone(),
            key: shared.clone(),
        })
        .collect();
    let mut plain = KeyTables::new(u32::MAX, 0);
    row(
        "check, 256 at once, plain (KeyTables::check_many), each",
        time(8, |_| plain.check_many(&group)) / n as f64,
    );
    let mut tables = KeyTables::new(1, 1);
    for p in &prepared {
        assert!(tables.check(p, &key));
    }
    assert_eq!(tables.tables(), 1);
    row(
        "check alone through the key's table (KeyTables::check)",
        time(2000, |i| tables.check(&prepared[i % n], &key)),
    );
    row(
        "check, 256 at once, through the key's table, each",
        time(8, |_| tables.check_many(&group)) / n as f64,
    );
    let point = EdwardsPoint::mul_base(&Scalar::from(7u64));
    let scalars: Vec<Scalar> = (0..256u64)
        .map(|i| Scalar::from_bytes_mod_order_wide(&[i as u8; 64]))
        .collect();
    row(
        "table build, radix 16 (30 KB)",
        time(200, |_| EdwardsBasepointTable::create(&point)),
    );
    row(
        "table build, radix 32 (60 KB)",
        time(200, |_| EdwardsBasepointTableRadix32::create(&point)),
    );
    row(
        "table build, FixedBase (660 KB, as KeyTables builds)",
        time(20, |_| FixedBase::new(&point)),
    );
    let t16 = EdwardsBasepointTable::create(&point);
    let t32 = EdwardsBasepointTableRadix32::create(&point);
    let t64 = EdwardsBasepointTableRadix64::create(&point);
    let t256 = EdwardsBasepointTableRadix256::create(&point);
    row(
        "[k]A, radix-16 table",
        time(2000, |i| t16.mul_base(&scalars[i % 256])),
    );
    row(
        "[k]A, radix-32 table",
        time(2000, |i| t32.mul_base(&scalars[i % 256])),
    );
    row(
        "[k]A, radix-64 table",
        time(2000, |i| t64.mul_base(&scalars[i % 256])),
    );
    row(
        "[k]A, radix-256 table",
        time(2000, |i| t256.mul_base(&scalars[i % 256])),
    );
    let fixed = FixedBase::new(&point);
    row(
        "[k]A, FixedBase table (variable-time lookups)",
        time(2000, |i| {
            let mut sum = EdwardsPoint::identity();
            fixed.add_multiple(&mut sum, &scalars[i % 256], false);
            sum
        }),
    );
    row(
        "[k]A + [S]B, vartime double-scalar multiplication",
        time(2000, |i| {
            EdwardsPoint::vartime_double_scalar_mul_basepoint(
                &scalars[i % 256],
                &point,
                &scalars[(i + 1) % 256],
            )
        }),
    );
}

fn main() {
    let o = options();
    if o.micro {
        micro();
    } else {
        curve(&o);
    }
}
