//! The fuzz corpora replayed on stable: every file of `fuzz/corpus/<target>/`
//! through the target's harness (`fuzz/harness/mod.rs`, shared with the
//! cargo-fuzz targets), so CI re-checks each input the fuzzers kept,
//! regressions included. See `FUZZING.md`.

use std::path::Path;

#[allow(dead_code)]
#[path = "../fuzz/harness/mod.rs"]
mod harness;

/// Runs `target` on each file of its corpus; a panic names the file.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: an empty corpus", dir.display());
    for file in files {
        let bytes = std::fs::read(&file).expect("a corpus file");
        if std::panic::catch_unwind(|| target(&bytes)).is_err() {
            panic!("fuzz target {name} fails on {}", file.display());
        }
    }
}

#[test]
fn record_corpus() {
    replay("record", harness::record);
}

#[test]
fn plain_vs_simd_corpus() {
    replay("plain_vs_simd", harness::plain_vs_simd);
}

#[test]
fn jcs_corpus() {
    replay("jcs", harness::jcs);
}

#[test]
fn shape_corpus() {
    replay("shape", harness::shape);
}

#[test]
fn jsonld_rdfc_corpus() {
    replay("jsonld_rdfc", harness::jsonld_rdfc);
}

#[test]
fn status_list_corpus() {
    replay("status_list", harness::status_list);
}

#[test]
fn jws_corpus() {
    replay("jws", harness::jws);
}

#[test]
fn did_document_corpus() {
    replay("did_document", harness::did_document);
}

#[test]
fn baked_png_corpus() {
    replay("baked_png", harness::baked_png);
}

#[test]
fn baked_svg_corpus() {
    replay("baked_svg", harness::baked_svg);
}

#[test]
fn sniff_corpus() {
    replay("sniff", harness::sniff);
}

#[test]
fn index_corpus() {
    replay("index", harness::index);
}

#[test]
fn keys_corpus() {
    replay("keys", harness::keys);
}

#[test]
fn sd_proof_corpus() {
    replay("sd_proof", harness::sd_proof);
}

#[test]
fn part_corpus() {
    replay("part", harness::part);
}

/// The `part` target's seeds, made afresh from the parts the harness
/// builds (their manifests name this process's temporary files), go
/// through it too; `CREDVERIFY_BLESS=1` adds them to the corpus.
#[test]
fn part_seeds() {
    let seeds = harness::part_seeds();
    assert!(seeds.len() > 10);
    for (i, seed) in seeds.iter().enumerate() {
        if std::env::var_os("CREDVERIFY_BLESS").is_some() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/part");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("seed-{i:02}")), seed).unwrap();
        }
        if std::panic::catch_unwind(|| harness::part(seed)).is_err() {
            panic!("fuzz target part fails on seed {i}");
        }
    }
}
