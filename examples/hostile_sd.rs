//! Writes the worst `ecdsa-sd-2023` record the ECDSA budget lets through
//! (`src/limits.rs`): a valid derived credential, from an issuer key of
//! its own, revealing as many statements as a record of its size may
//! check, padded with a mandatory literal to `MIB` MiB. Every statement
//! signature is checked, then the verdict is `valid`.
//!
//! ```sh
//! cargo run --release --example hostile_sd -- /tmp/worst 1
//! bench/hostile/measure.sh /tmp/worst
//! ```

use p256::ecdsa::signature::Signer as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("an output directory"));
    let mib: usize = args.next().map_or(1, |m| m.parse().expect("MiB"));
    let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("a P-256 key");
    let mut bytes = vec![0x80, 0x24];
    bytes.extend_from_slice(key.verifying_key().to_sec1_point(true).as_bytes());
    let multibase = format!("z{}", bs58::encode(bytes).into_string());
    let did = format!("did:key:{multibase}");
    // The record without its newline.
    let size = (mib << 20) - 1;
    let budget =
        credverify::limits::ECDSA_UNITS_BASE + size / credverify::limits::ECDSA_BYTES_PER_UNIT;
    // One revealed statement per array item; the base signature is one
    // unit more. The pad is mandatory (outside credentialSubject).
    let items: Vec<String> = (0..budget - 1).map(|i| format!("\"s{i}\"")).collect();
    let proof = format!(
        "\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"ecdsa-sd-2023\",\"created\":\"2024-01-01T00:00:00Z\",\"verificationMethod\":\"{did}#{multibase}\",\"proofPurpose\":\"assertionMethod\""
    );
    let sign = |data: &[u8]| {
        let sig: p256::ecdsa::Signature = key.sign(data);
        sig.to_bytes().to_vec()
    };
    let doc = |pad: usize| {
        format!(
            "{{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",{{\"@vocab\":\"https://ex.org/#\"}}],\"id\":\"urn:uuid:hostile-sd\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{did}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"name\":\"{}\",\"credentialSubject\":{{\"type\":\"Person\",\"tags\":[{}]}}}}",
            "x".repeat(pad),
            items.join(",")
        )
    };
    // Sized once without the pad, then padded to the record size.
    let bare = credverify::generate::derived_sd_credential(1, &doc(0), &proof, &sign, true);
    let pad = size.saturating_sub(bare.len());
    let line = credverify::generate::derived_sd_credential(1, &doc(pad), &proof, &sign, true);
    std::fs::create_dir_all(&dir).expect("the directory");
    let path = dir.join(format!("ecdsa_sd_{mib}MiB.jsonl"));
    let mut out = line;
    out.push(b'\n');
    std::fs::write(&path, out).expect("written");
    println!(
        "{}: {} statements, {} units allowed",
        path.display(),
        budget - 1,
        budget
    );
}
