//! Shape programs against full expansion: for every record of the
//! committed sample and of generated exports of every JSON-LD format, the
//! quads a program replays must canonicalize to the same N-Quads, byte for
//! byte, as expanding the record afresh.

use std::path::{Path, PathBuf};

use credverify::canon::rdfc::{HashAlgorithm, Limits, canonical_nquads};
use credverify::generate::{self, GenFormat, GenerateArgs, Layout};
use credverify::json::JsonParser;
use credverify::jsonld::json::Json;
use credverify::jsonld::shape::ShapeCache;
use credverify::jsonld::{Contexts, Processor};
use credverify::limits::JsonLdBudget;

use crate::util;

/// (document, proof configuration) trees of a record, as the suites
/// build them; None for a record without a JSON-LD proof.
fn trees(line: &[u8]) -> Option<(Json<'static>, Json<'static>, Json<'static>)> {
    JsonParser::default()
        .with_doc(line, |v| {
            let proof = v.get("proof")?;
            let proof = proof.one_or_many().next()?;
            let strip = |o: credverify::json::Value<'_>, skip: &[&str]| {
                Json::Object(
                    o.members()
                        .filter(|(k, _)| !skip.contains(k))
                        .map(|(k, v)| (k.to_owned().into(), Json::from_value(v).into_static()))
                        .collect(),
                )
            };
            Some((
                Json::from_value(v.get("@context")?).into_static(),
                strip(v, &["@context", "proof"]),
                strip(proof, &["@context", "proofValue"]),
            ))
        })
        .ok()
        .flatten()
}

/// Canonical N-Quads, or the error's text.
fn canonical(r: Result<credverify::rdf::dataset::Dataset, credverify::jsonld::LdError>) -> String {
    match r {
        Ok(ds) => canonical_nquads(&ds, HashAlgorithm::Sha256, Limits::default())
            .unwrap_or_else(|e| format!("canon error {e}")),
        Err(e) => format!("error {e:?}"),
    }
}

/// Checks every JSON-LD record of `file`; returns (records, replays).
fn compare_file(file: &Path) -> (usize, u64) {
    let (records, counts) = compare_counting(file);
    (records, counts[0])
}

/// Checks every JSON-LD record of `file`; returns the records and the
/// cache's counts (replayed, compiled, expanded).
fn compare_counting(file: &Path) -> (usize, [u64; 3]) {
    let processor = Processor::new(&Contexts::builtin().expect("contexts")).expect("processor");
    let mut shapes = ShapeCache::default();
    let text = std::fs::read(file).expect("read");
    let mut records = 0;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let Some((context, doc, config)) = trees(line) else {
            continue;
        };
        let budget = JsonLdBudget::unlimited();
        let Ok(active) = processor.context(&context, &budget) else {
            continue;
        };
        records += 1;
        for body in [&doc, &config] {
            let full = canonical(processor.to_rdf_in(&active, body, &budget));
            // First sighting, compilation, then replays: all the same.
            let shaped = canonical(processor.to_rdf_shaped(&mut shapes, &active, body, &budget));
            assert_eq!(shaped, full, "{}:{}", file.display(), n + 1);
            // Both went through the same line ordering: check it against
            // a plain byte comparison of the lines, as RDFC-1.0 states it.
            let lines: Vec<&str> = shaped.lines().collect();
            assert!(
                lines.windows(2).all(|w| w[0] < w[1]),
                "{}:{}: lines out of code point order",
                file.display(),
                n + 1
            );
        }
    }
    (records, shapes.counts())
}

/// Records per generated export: 2,000, or `CREDVERIFY_SHAPE_RECORDS`
/// (100,000 by hand).
fn records_per_export() -> u64 {
    std::env::var("CREDVERIFY_SHAPE_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000)
}

fn export(format: GenFormat, records: u64, seed: u64, shapes: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "credverify-shapes-{}-{}-{seed}-{shapes}",
        std::process::id(),
        format!("{format:?}").to_lowercase()
    ));
    let args = GenerateArgs {
        layout: Layout::Jsonl,
        records,
        seed,
        out: dir.clone(),
        format,
        issuers: 5,
        status_lists: 0,
        status_history: 1,
        mix: "valid=950,tampered=2,wrong_key=1,other_issuer=2,expired=25,not_yet_valid=5,malformed=5,unsupported=5,no_proof=5".into(),
        as_of: util::AS_OF.into(),
        shapes,
    };
    generate::run(&args).expect("generate");
    dir
}

#[test]
fn programs_give_the_canonical_nquads_of_expansion_on_the_sample() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample/credentials.jsonl");
    let (records, _) = compare_file(&sample);
    assert!(records > 50, "{records} JSON-LD records in the sample");
}

#[test]
fn programs_give_the_canonical_nquads_of_expansion_on_generated_exports() {
    let records = records_per_export();
    for format in [
        GenFormat::Rdfc,
        GenFormat::Ed2020,
        GenFormat::EcdsaRdfc,
        GenFormat::Mixed,
    ] {
        let dir = export(format, records, 7, 1);
        let (seen, replays) = compare_file(&dir.join("credentials.jsonl"));
        assert!(seen as u64 > records / 2, "{format:?}: {seen} records");
        assert!(
            replays > seen as u64 / 2,
            "{format:?}: only {replays} replays of {seen} records"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `generate --shapes`: optional members (typed, numeric and plain) and tag
/// counts vary per record, so programs meet many shapes, most of them once,
/// and must still give expansion's bytes.
#[test]
fn programs_give_the_canonical_nquads_of_expansion_on_varied_shapes() {
    let records = records_per_export();
    for (format, shapes) in [
        (GenFormat::Rdfc, 64),
        (GenFormat::Ed2020, 1 << 20),
        (GenFormat::Mixed, 4096),
    ] {
        let dir = export(format, records, 11, shapes);
        let (seen, [replayed, compiled, expanded]) =
            compare_counting(&dir.join("credentials.jsonl"));
        assert!(seen as u64 > records / 3, "{format:?}: {seen} records");
        assert!(
            replayed > 0 && compiled > 0,
            "{format:?}: {replayed} replays, {compiled} programs"
        );
        if shapes > records as u32 {
            // Nearly every document a shape of its own: expanded, not replayed.
            assert!(
                expanded > seen as u64 / 2,
                "{format:?}: only {expanded} expansions of {seen}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
