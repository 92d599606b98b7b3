//! One RSA or ECDSA check, as a VC-JWT's `RS256`, `PS256`, `ES256` or
//! `ES384` signature is checked (each on the thread that judges its record,
//! not in batches): the key loaded once, as a run loads it.
//!
//! `cargo bench --bench jose`

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaEncoding, RsaKeyPair,
};
use credverify::resolve::KeyResolver;
use credverify::resolve::multikey::KeyMaterial;
use credverify::verify::ecdsa::{Curve, EcKey};
use credverify::verify::key::PublicKey;
use credverify::verify::rsa::RsaKey;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The generator's committed 2,048-bit RSA test key.
const RSA_PKCS8: &[u8] = include_bytes!("../src/generate/ob2-issuer.pk8");

/// A VC-JWT's signing input is a few hundred bytes to a few kilobytes.
const MESSAGE: &[u8] = &[0x5a; 1024];

fn rsa(padding: &'static dyn RsaEncoding) -> (RsaKey, Vec<u8>) {
    let pair = RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("RSA key");
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(padding, &SystemRandom::new(), MESSAGE, &mut sig)
        .expect("sign");
    let key = RsaKey::from_pkcs1_der(pair.public_key().as_ref()).expect("RSA");
    (key, sig)
}

fn ec(curve: Curve) -> (EcKey, Vec<u8>) {
    let rng = SystemRandom::new();
    let alg = match curve {
        Curve::P256 => &ECDSA_P256_SHA256_FIXED_SIGNING,
        Curve::P384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
    };
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("EC key");
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).expect("EC key");
    let sig = pair.sign(&rng, MESSAGE).expect("sign").as_ref().to_vec();
    let key = EcKey::from_sec1(curve, pair.public_key().as_ref()).expect("point");
    (key, sig)
}

fn checks(c: &mut Criterion) {
    let mut group = c.benchmark_group("jose");
    group.throughput(Throughput::Elements(1));
    let (rs, rs_sig) = rsa(&RSA_PKCS1_SHA256);
    assert!(rs.verify_rs256(MESSAGE, &rs_sig));
    group.bench_function("RS256 2048", |b| {
        b.iter(|| rs.verify_rs256(MESSAGE, &rs_sig))
    });
    let (ps, ps_sig) = rsa(&RSA_PSS_SHA256);
    assert!(ps.verify_ps256(MESSAGE, &ps_sig));
    group.bench_function("PS256 2048", |b| {
        b.iter(|| ps.verify_ps256(MESSAGE, &ps_sig))
    });
    for (name, curve) in [("ES256 P-256", Curve::P256), ("ES384 P-384", Curve::P384)] {
        let (key, sig) = ec(curve);
        assert!(key.verify(MESSAGE, &sig));
        group.bench_function(name, |b| b.iter(|| key.verify(MESSAGE, &sig)));
        // The same check by RustCrypto's p256 / p384 (the generator signs
        // with them), for the choice of provider (BENCHMARKS.md, "ECDSA").
        use p256::ecdsa::signature::Verifier as _;
        let rustcrypto = format!("{name}, RustCrypto");
        match curve {
            Curve::P256 => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key.uncompressed()).unwrap();
                let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
                assert!(vk.verify(MESSAGE, &s).is_ok());
                group.bench_function(&rustcrypto, |b| b.iter(|| vk.verify(MESSAGE, &s).is_ok()));
            }
            Curve::P384 => {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key.uncompressed()).unwrap();
                let s = p384::ecdsa::Signature::from_slice(&sig).unwrap();
                assert!(vk.verify(MESSAGE, &s).is_ok());
                group.bench_function(&rustcrypto, |b| b.iter(|| vk.verify(MESSAGE, &s).is_ok()));
            }
        }
    }
    group.finish();

    // What a run pays once per distinct key.
    let mut group = c.benchmark_group("key load");
    let (p256, _) = ec(Curve::P256);
    let full = p256.uncompressed().to_vec();
    let mut compressed = vec![2 + (full[64] & 1)];
    compressed.extend_from_slice(&full[1..33]);
    let resolver = KeyResolver::new(false);
    for (name, sec1) in [
        ("P-256 uncompressed", full),
        ("P-256 compressed", compressed),
    ] {
        let material = KeyMaterial::Ec {
            curve: Curve::P256,
            sec1,
        };
        group.bench_function(name, |b| {
            b.iter(|| matches!(resolver.load(&material), Ok(PublicKey::Ec(_))))
        });
    }
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
