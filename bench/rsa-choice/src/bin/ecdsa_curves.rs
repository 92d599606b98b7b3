//! ECDSA verification on P-256 (ES256) and P-384 (ES384, and the
//! `ecdsa-*-2019` suites with P-384) in ring, aws-lc-rs and RustCrypto
//! p256 / p384 0.14. For each curve: one key and signature made by ring
//! (fixed-width r || s, as JWS and Data Integrity carry them), which every
//! crate must accept from the SEC1 point, and reject with one bit of the
//! signature or of the message flipped; then single-threaded timing of each.
//!
//! Usage: ecdsa_curves [--secs S]   (default 2 s per cell, S/8 warm-up)

use std::hint::black_box;
use std::time::Instant;

use p256_014::ecdsa::signature::Verifier as _;

type Check = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// Every crate's verifier for one curve, from the uncompressed point.
fn verifiers(p384: bool, point: &[u8]) -> Vec<(&'static str, Check)> {
    let ring_alg: &'static ring::signature::EcdsaVerificationAlgorithm = if p384 {
        &ring::signature::ECDSA_P384_SHA384_FIXED
    } else {
        &ring::signature::ECDSA_P256_SHA256_FIXED
    };
    let aws_alg: &'static aws_lc_rs::signature::EcdsaVerificationAlgorithm = if p384 {
        &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED
    } else {
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED
    };
    let ring_key = point.to_vec();
    let aws_key =
        aws_lc_rs::signature::ParsedPublicKey::new(aws_alg, point).expect("aws-lc-rs key");
    let mut v: Vec<(&'static str, Check)> = vec![
        (
            "ring 0.17.14",
            Box::new(move |m: &[u8], s: &[u8]| {
                ring::signature::UnparsedPublicKey::new(ring_alg, &ring_key)
                    .verify(m, s)
                    .is_ok()
            }),
        ),
        (
            "aws-lc-rs 1.x",
            Box::new(move |m: &[u8], s: &[u8]| aws_key.verify_sig(m, s).is_ok()),
        ),
    ];
    if p384 {
        let vk = p384_014::ecdsa::VerifyingKey::from_sec1_bytes(point).expect("p384 key");
        v.push((
            "p384 0.14.0",
            Box::new(move |m: &[u8], s: &[u8]| {
                p384_014::ecdsa::Signature::from_slice(s).is_ok_and(|s| vk.verify(m, &s).is_ok())
            }),
        ));
    } else {
        let vk = p256_014::ecdsa::VerifyingKey::from_sec1_bytes(point).expect("p256 key");
        v.push((
            "p256 0.14.0",
            Box::new(move |m: &[u8], s: &[u8]| {
                p256_014::ecdsa::Signature::from_slice(s).is_ok_and(|s| vk.verify(m, &s).is_ok())
            }),
        ));
    }
    v
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut secs = 2.0f64;
    while let Some(a) = args.next() {
        if a == "--secs" {
            secs = args.next().and_then(|s| s.parse().ok()).expect("--secs S");
        }
    }
    let rng = ring::rand::SystemRandom::new();
    let message = vec![0x5au8; 1024];
    let mut failures = 0;
    println!("| crate | curve | verifications/s (one core) |");
    println!("| --- | --- | ---: |");
    for p384 in [false, true] {
        let alg = if p384 {
            &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING
        } else {
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING
        };
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key");
        let pair =
            ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("key");
        use ring::signature::KeyPair as _;
        let point = pair.public_key().as_ref().to_vec();
        let sig = pair.sign(&rng, &message).expect("sign").as_ref().to_vec();
        let curve = if p384 { "P-384" } else { "P-256" };
        for (name, check) in verifiers(p384, &point) {
            let mut bad_sig = sig.clone();
            bad_sig[7] ^= 1;
            let mut bad_msg = message.clone();
            bad_msg[100] ^= 1;
            if !check(&message, &sig) || check(&message, &bad_sig) || check(&bad_msg, &sig) {
                eprintln!("FAIL: {name} {curve}");
                failures += 1;
                continue;
            }
            let run = |limit: f64| {
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed().as_secs_f64() < limit {
                    black_box(check(black_box(&message), black_box(&sig)));
                    n += 1;
                }
                n as f64 / start.elapsed().as_secs_f64()
            };
            run(secs / 8.0);
            println!("| {name} | {curve} | {:.0} |", run(secs));
        }
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
