//! SHA-256 over a batch of credential-sized messages, and SHA-512 over a
//! batch of Ed25519 challenge inputs: the `sha2` crate one message at a time
//! against the multi-buffer `sha256_many` and `sha512_many`.
//!
//! `cargo bench --bench hashing`

use std::hint::black_box;

use credverify::hash::sha256::{Midstates, PREFIX, sha256_many, sha256_many_resuming};
use credverify::hash::sha512::sha512_many;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256, Sha512};

/// Canonical credential documents are 2-3 KB and hashed hundreds at a time.
const MESSAGES: usize = 256;
const LEN: usize = 2700;

fn hashing(c: &mut Criterion) {
    let owned: Vec<Vec<u8>> = (0..MESSAGES)
        .map(|i| {
            (0..LEN)
                .map(|j| (i * 31 + j * 7 + (j >> 8)) as u8)
                .collect()
        })
        .collect();
    let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let mut out = vec![[0u8; 32]; MESSAGES];

    let mut group = c.benchmark_group("sha256_256x2700");
    group.throughput(Throughput::Bytes((MESSAGES * LEN) as u64));
    group.bench_function("sha2_digest_loop", |b| {
        b.iter(|| {
            for (m, o) in black_box(&messages).iter().zip(out.iter_mut()) {
                *o = Sha256::digest(m).into();
            }
            black_box(&out);
        })
    });
    group.bench_function("sha256_many", |b| {
        b.iter(|| {
            sha256_many(black_box(&messages), &mut out);
            black_box(&out);
        })
    });
    // Messages that all begin differently: what resuming costs when it
    // never applies (the comparisons with the starts it remembers).
    let mut midstates = Midstates::default();
    group.bench_function("sha256_many_resuming_unique_starts", |b| {
        b.iter(|| {
            sha256_many_resuming(black_box(&messages), &mut out, &mut midstates);
            black_box(&out);
        })
    });
    group.finish();

    // Canonical forms of one export begin alike (`{"@context":[...]`).
    let shared: Vec<Vec<u8>> = owned
        .iter()
        .map(|m| [&owned[0][..PREFIX], &m[PREFIX..]].concat())
        .collect();
    let messages: Vec<&[u8]> = shared.iter().map(Vec::as_slice).collect();
    let mut group = c.benchmark_group("sha256_256x2700_shared_start");
    group.throughput(Throughput::Bytes((MESSAGES * LEN) as u64));
    group.bench_function("sha256_many", |b| {
        b.iter(|| {
            sha256_many(black_box(&messages), &mut out);
            black_box(&out);
        })
    });
    let mut midstates = Midstates::default();
    group.bench_function("sha256_many_resuming", |b| {
        b.iter(|| {
            sha256_many_resuming(black_box(&messages), &mut out, &mut midstates);
            black_box(&out);
        })
    });
    group.finish();
}

/// Ed25519 hashes R ‖ A ‖ M per signature; for VC-JWT records M is the
/// ~3 KB JWS signing input. 128-byte messages show the short-message end,
/// where padding doubles the work (two blocks for 128 bytes).
fn hashing_sha512(c: &mut Criterion) {
    for len in [3000, 128] {
        let owned: Vec<Vec<u8>> = (0..MESSAGES)
            .map(|i| {
                (0..len)
                    .map(|j| (i * 31 + j * 7 + (j >> 8)) as u8)
                    .collect()
            })
            .collect();
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 64]; MESSAGES];

        let mut group = c.benchmark_group(format!("sha512_{MESSAGES}x{len}"));
        group.throughput(Throughput::Bytes((MESSAGES * len) as u64));
        group.bench_function("sha2_digest_loop", |b| {
            b.iter(|| {
                for (m, o) in black_box(&messages).iter().zip(out.iter_mut()) {
                    *o = Sha512::digest(m).into();
                }
                black_box(&out);
            })
        });
        group.bench_function("sha512_many", |b| {
            b.iter(|| {
                sha512_many(black_box(&messages), &mut out);
                black_box(&out);
            })
        });
        group.finish();
    }
}

criterion_group!(benches, hashing, hashing_sha512);
criterion_main!(benches);
