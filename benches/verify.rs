//! Ed25519 verification: single cofactored checks, and batches over batch
//! size and issuer count, with and without a failing signature.
//!
//! `cargo bench --bench verify`

use std::sync::Arc;

use credverify::verify::batch::{Signature, verify_batch, verify_each};
use credverify::verify::{Prepared, VerifyingKey, verify_prepared};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};

/// `n` signatures on 64-byte messages from `issuers` keys.
fn signatures(n: usize, issuers: usize) -> Vec<(Vec<u8>, [u8; 64], Arc<VerifyingKey>)> {
    let keys: Vec<(SigningKey, Arc<VerifyingKey>)> = (0..issuers)
        .map(|i| {
            let sk = SigningKey::from_bytes(&[i as u8 + 1; 32]);
            let vk =
                VerifyingKey::screen(sk.verifying_key().to_bytes(), i as u32).expect("valid key");
            (sk, Arc::new(vk))
        })
        .collect();
    (0..n)
        .map(|i| {
            let (sk, vk) = &keys[i % issuers];
            let msg: Vec<u8> = (0..64).map(|j| (i * 31 + j) as u8).collect();
            (msg.clone(), sk.sign(&msg).to_bytes(), vk.clone())
        })
        .collect()
}

fn prepare(items: &[(Vec<u8>, [u8; 64], Arc<VerifyingKey>)]) -> Vec<Signature> {
    items
        .iter()
        .map(|(m, s, k)| Signature {
            prepared: Prepared::new(s, k, m).expect("encodable"),
            key: k.clone(),
        })
        .collect()
}

fn single(c: &mut Criterion) {
    let items = signatures(64, 1);
    let prepared = prepare(&items);
    let mut group = c.benchmark_group("single");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        "prepare (SHA-512 challenge, R screened by its bytes)",
        |b| b.iter(|| Prepared::new(&items[0].1, &items[0].2, &items[0].0)),
    );
    group.bench_function("cofactored equation", |b| {
        b.iter(|| verify_prepared(&prepared[0].prepared, &prepared[0].key))
    });
    group.bench_function("ed25519-dalek verify_strict", |b| {
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&items[0].2.bytes).expect("key");
        let sig = ed25519_dalek::Signature::from_bytes(&items[0].1);
        b.iter(|| vk.verify_strict(&items[0].0, &sig))
    });
    group.finish();
}

fn batches(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    for issuers in [1, 5, 64] {
        for size in [16, 64, 256, 1024] {
            let prepared = prepare(&signatures(size, issuers));
            group.throughput(Throughput::Elements(size as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{issuers} issuers"), size),
                &prepared,
                |b, p| b.iter(|| assert!(verify_batch(p))),
            );
        }
    }
    group.finish();
}

fn attribution(c: &mut Criterion) {
    let mut group = c.benchmark_group("attribution");
    for size in [16, 64, 256] {
        let mut items = signatures(size, 5);
        items[size / 3].1[40] ^= 1; // one bad signature
        let prepared = prepare(&items);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::new("one bad", size), &prepared, |b, p| {
            b.iter(|| verify_each(p))
        });
    }
    group.finish();
}

criterion_group!(benches, single, batches, attribution);
criterion_main!(benches);
