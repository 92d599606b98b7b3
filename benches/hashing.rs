//! SHA-256 over a batch of credential-sized messages, and SHA-512 over a
//! batch of Ed25519 challenge inputs: every kernel this CPU has, forced one
//! by one, so that the dispatch rule (`hash::sha256::choose`,
//! `hash::sha512::choose`) can be checked on any machine. The `sha2`
//! kernel is the `sha2` crate one message at a time (its SHA-NI code for
//! SHA-256 where the CPU has the SHA extensions).
//!
//! `cargo bench --bench hashing` prints the CPU's features and the
//! kernels chosen for it first.

use std::hint::black_box;

use credverify::hash::sha256::{self, Midstates, PREFIX};
use credverify::hash::sha512;
use credverify::hash::{Cpu, Kernel};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Canonical credential documents are 2-3 KB and hashed hundreds at a time.
const MESSAGES: usize = 256;
const LEN: usize = 2700;

fn messages(count: usize, len: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            (0..len)
                .map(|j| (i * 31 + j * 7 + (j >> 8)) as u8)
                .collect()
        })
        .collect()
}

/// The kernels this CPU can run, by name.
fn kernels(supported: impl Fn(Kernel) -> bool) -> Vec<Kernel> {
    Kernel::ALL.into_iter().filter(|k| supported(*k)).collect()
}

fn hashing(c: &mut Criterion) {
    let cpu = Cpu::detect();
    eprintln!(
        "CPU: {cpu:?}; chosen: SHA-256 {}, SHA-512 {}",
        sha256::kernel().name(),
        sha512::kernel().name()
    );
    let sha256_kernels = kernels(|k| sha256::sha256_many_with(k, &[], &mut []));
    let owned = messages(MESSAGES, LEN);
    let all: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let mut out = vec![[0u8; 32]; MESSAGES];

    let mut group = c.benchmark_group("sha256_256x2700");
    group.throughput(Throughput::Bytes((MESSAGES * LEN) as u64));
    for &kernel in &sha256_kernels {
        group.bench_function(kernel.name(), |b| {
            b.iter(|| sha256::sha256_many_with(kernel, black_box(&all), &mut out))
        });
    }
    group.bench_function("dispatched", |b| {
        b.iter(|| sha256::sha256_many(black_box(&all), &mut out))
    });
    // Messages that all begin differently: what resuming costs when it
    // never applies (the comparisons with the starts it remembers).
    let mut midstates = Midstates::default();
    group.bench_function("dispatched, resuming, unique starts", |b| {
        b.iter(|| sha256::sha256_many_resuming(black_box(&all), &mut out, &mut midstates))
    });
    group.finish();

    // Canonical forms of one export begin alike (`{"@context":[...]`).
    let shared: Vec<Vec<u8>> = owned
        .iter()
        .map(|m| [&owned[0][..PREFIX], &m[PREFIX..]].concat())
        .collect();
    let shared: Vec<&[u8]> = shared.iter().map(Vec::as_slice).collect();
    let mut group = c.benchmark_group("sha256_256x2700_shared_start");
    group.throughput(Throughput::Bytes((MESSAGES * LEN) as u64));
    for &kernel in &sha256_kernels {
        let mut midstates = Midstates::default();
        group.bench_function(format!("{}, resuming", kernel.name()), |b| {
            b.iter(|| {
                sha256::sha256_many_resuming_with(
                    kernel,
                    black_box(&shared),
                    &mut out,
                    &mut midstates,
                )
            })
        });
    }
    group.finish();
}

/// Ed25519 hashes R ‖ A ‖ M per signature; for VC-JWT records M is the
/// ~3 KB JWS signing input. 128-byte messages show the short-message end,
/// where padding doubles the work (two blocks for 128 bytes).
fn hashing_sha512(c: &mut Criterion) {
    let sha512_kernels = kernels(|k| sha512::sha512_many_with(k, &[], &mut []));
    for len in [3000, 128] {
        let owned = messages(MESSAGES, len);
        let all: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let mut out = vec![[0u8; 64]; MESSAGES];
        let mut group = c.benchmark_group(format!("sha512_{MESSAGES}x{len}"));
        group.throughput(Throughput::Bytes((MESSAGES * len) as u64));
        for &kernel in &sha512_kernels {
            group.bench_function(kernel.name(), |b| {
                b.iter(|| sha512::sha512_many_with(kernel, black_box(&all), &mut out))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, hashing, hashing_sha512);
criterion_main!(benches);
