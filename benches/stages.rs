//! The pipeline's stages one by one on a realistic Open Badges credential,
//! extraction from baked badge images, and the whole pipeline on a small
//! generated export.
//!
//! `cargo bench --bench stages`

use credverify::canon::jcs::Canonicalizer;
use credverify::generate::{self, GenFormat};
use credverify::json::JsonParser;
use credverify::report::{OutputFormat, VerdictWriter};
use credverify::resolve::KeyResolver;
use credverify::source::InputPath;
use credverify::source::documents::DocumentSource;
use credverify::status::list::{Bitstring, Encoding};
use credverify::time::Timestamp;
use credverify::{VerifyConfig, verify};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;

const AS_OF: &str = "2026-01-01T00:00:00Z";

/// One valid generated credential (about 2.7 KB) in the given format.
fn record(format: GenFormat) -> Vec<u8> {
    let issuers = generate::issuers(1, 2, None);
    let rogue = SigningKey::from_bytes(&[9; 32]);
    let mix = generate::parse_mix("valid=1").expect("mix");
    let as_of = Timestamp::parse(AS_OF).expect("date").secs;
    generate::record(0, 1, &issuers, &rogue, &mix, format, as_of, None, None, 1).line
}

fn credential() -> Vec<u8> {
    record(GenFormat::Jcs)
}

fn stages(c: &mut Criterion) {
    let line = credential();
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(line.len() as u64));
    let mut parser = JsonParser::default();
    group.bench_function(
        "parse, plain record (quote positions, duplicate checks)",
        |b| b.iter(|| parser.with_doc(&line, |v| v.len()).expect("parses")),
    );
    // One escape makes the record not plain: simd-json parses it.
    let escaped = String::from_utf8(line.clone())
        .expect("UTF-8")
        .replacen("\"id\":\"", "\"id\":\"\\u0041", 1)
        .into_bytes();
    assert_ne!(escaped, line);
    group.bench_function(
        "parse, the record with one escape (simd-json tape, duplicate and I-JSON checks)",
        |b| b.iter(|| parser.with_doc(&escaped, |v| v.len()).expect("parses")),
    );
    let mut canon = Canonicalizer::default();
    let mut out = Vec::with_capacity(4096);
    group.bench_function("JCS of the parsed credential", |b| {
        b.iter(|| {
            parser
                .with_doc(&line, |v| {
                    out.clear();
                    canon.write(&mut out, v);
                    out.len()
                })
                .expect("parses")
        })
    });
    // As the pipeline runs it: the record is plain (no escapes), so members
    // are copied from its text, and sorting them checks their names.
    group.bench_function("JCS of the parsed credential, plain source", |b| {
        b.iter(|| {
            credverify::canon::jcs::with_record(&mut parser, &mut canon, &line, |v, jcs| {
                out.clear();
                jcs.write(&mut out, v);
                out.len()
            })
            .expect("parses")
        })
    });
    let text = std::str::from_utf8(&line).expect("UTF-8");
    let value = text
        .split("\"proofValue\":\"z")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("proofValue")
        .to_owned();
    group.bench_function("proofValue base58 decode", |b| {
        b.iter(|| credverify::encoding::base58::decode_exact::<64>(&value))
    });
    group.finish();

    // The payload of a VC-JWT of the same credential, about 3.4 KB of
    // base64url.
    let jwt = record(GenFormat::Jwt);
    let payload = jwt.split(|&b| b == b'.').nth(1).expect("payload").to_vec();
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(payload.len() as u64));
    let mut decoded = Vec::with_capacity(payload.len());
    group.bench_function("VC-JWT payload base64url decode", |b| {
        b.iter(|| credverify::encoding::base64url::decode(&payload, &mut decoded))
    });
    group.finish();

    // A 1,000,000-entry status list with 1% of its bits set, as
    // `encodedList` text: decoded once per run, so it must stay well under
    // the 20 ms target.
    let mut bytes = vec![0u8; 125_000];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bit = (x % 1_000_000) as usize;
        bytes[bit / 8] |= 0x80 >> (bit % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &bytes).expect("gzip");
    let encoded = {
        use base64::Engine;
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().expect("gzip"))
        )
    };
    let mut group = c.benchmark_group("status");
    group.bench_function(
        "decode a 1,000,000-entry list (1% set) into a roaring bitmap",
        |b| b.iter(|| Bitstring::decode(&encoded, Encoding::Multibase).expect("decodes")),
    );
    group.finish();
    json_ld(c);
    let mut group = c.benchmark_group("stages");
    group.bench_function("VC-JWT payload base64url decode, base64 crate", |b| {
        use base64::Engine;
        b.iter(|| {
            decoded.clear();
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode_vec(&payload, &mut decoded)
        })
    });
    group.finish();

    let method = text
        .split("\"verificationMethod\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("method")
        .to_owned();
    let mut group = c.benchmark_group("resolve");
    group.bench_function("did:key decode and screen (first sight)", |b| {
        b.iter(|| KeyResolver::new(false).resolve(&method).expect("resolves"))
    });
    let resolver = KeyResolver::new(false);
    group.bench_function("did:key cached", |b| {
        b.iter(|| resolver.resolve(&method).expect("resolves"))
    });
    group.finish();
}

/// The eddsa-rdfc-2022 path stage by stage, on a generated Open Badges
/// credential: JSON trees, expansion to RDF (context cached, as in a run),
/// RDFC-1.0, hashing the canonical forms. Each for the document and the
/// proof configuration together, as a record needs them.
fn json_ld(c: &mut Criterion) {
    use credverify::canon::rdfc::{HashAlgorithm, Limits, canonicalize};
    use credverify::jsonld::json::Json;
    use credverify::jsonld::{Contexts, Processor};
    let line = record(GenFormat::Rdfc);
    let processor = Processor::new(&Contexts::builtin().expect("contexts")).expect("processor");
    let mut parser = JsonParser::default();
    // The trees of the document and proof configuration, as the pipeline
    // builds them (strings borrowed from the tape); `into_static` copies
    // them out for the stages below.
    fn trees<'a>(v: credverify::json::Value<'a>) -> (Option<Json<'a>>, Json<'a>, Json<'a>) {
        let strip = |o: credverify::json::Value<'a>, skip: &[&str]| {
            Json::Object(
                o.members()
                    .filter(|(k, _)| !skip.contains(k))
                    .map(|(k, v)| (k.into(), Json::from_value(v)))
                    .collect(),
            )
        };
        let proof = v.get("proof").expect("proof");
        (
            v.get("@context").map(Json::from_value),
            strip(v, &["@context", "proof"]),
            strip(proof, &["@context", "proofValue"]),
        )
    }
    let owned = |parser: &mut JsonParser| {
        parser
            .with_doc(&line, |v| {
                let (c, d, p) = trees(v);
                (c.map(Json::into_static), d.into_static(), p.into_static())
            })
            .expect("parses")
    };
    let (context, doc, config) = owned(&mut parser);
    let to_rdf = || {
        let (d, _) = processor.to_rdf(context.as_ref(), &doc).expect("RDF");
        let (p, _) = processor.to_rdf(context.as_ref(), &config).expect("RDF");
        (d, p)
    };
    let (doc_quads, config_quads) = to_rdf();
    let canon = || {
        let c = |q| canonicalize(q, HashAlgorithm::Sha256, Limits::default()).expect("canonical");
        (c(&doc_quads).nquads, c(&config_quads).nquads)
    };
    let (doc_nq, config_nq) = canon();
    let mut group = c.benchmark_group("json-ld");
    group.bench_function(
        format!(
            "parse and JSON trees of document and proof configuration ({} bytes)",
            line.len()
        ),
        |b| {
            b.iter(|| {
                parser
                    .with_doc(&line, |v| {
                        let (c, d, p) = trees(v);
                        c.is_some() as usize + d.one_or_many().len() + p.one_or_many().len()
                    })
                    .expect("parses")
            })
        },
    );
    group.bench_function(
        format!(
            "expansion and RDF ({} + {} quads)",
            doc_quads.len(),
            config_quads.len()
        ),
        |b| b.iter(to_rdf),
    );
    group.bench_function("expansion alone", |b| {
        b.iter(|| {
            let d = processor.expand(context.as_ref(), &doc).expect("expands");
            let p = processor
                .expand(context.as_ref(), &config)
                .expect("expands");
            d.len() + p.len()
        })
    });
    let expanded = (
        processor.expand(context.as_ref(), &doc).expect("expands"),
        processor
            .expand(context.as_ref(), &config)
            .expect("expands"),
    );
    group.bench_function("RDF from the expanded items", |b| {
        b.iter(|| {
            let d = credverify::jsonld::expand::emit(&expanded.0).expect("RDF");
            let p = credverify::jsonld::expand::emit(&expanded.1).expect("RDF");
            d.len() + p.len()
        })
    });
    group.bench_function("RDFC-1.0 of both", |b| b.iter(canon));
    // The pipeline's path from a shape's third record on: the shape
    // described and looked up in a warmed per-worker cache, both trees
    // replayed from their programs into recycled datasets, and the
    // canonical N-Quads appended to one buffer.
    {
        use credverify::canon::rdfc::append_canonical_nquads;
        use credverify::jsonld::shape::ShapeCache;
        use credverify::limits::JsonLdBudget;
        let unlimited = JsonLdBudget::unlimited();
        let active = processor
            .context(context.as_ref().expect("@context"), &unlimited)
            .expect("context");
        let mut shapes = ShapeCache::default();
        let replay = |shapes: &mut ShapeCache| {
            let budget = JsonLdBudget::unlimited();
            let d = processor.to_rdf_shaped(shapes, &active, &doc, &budget);
            let p = processor.to_rdf_shaped(shapes, &active, &config, &budget);
            (d.expect("RDF"), p.expect("RDF"))
        };
        for _ in 0..3 {
            let (d, p) = replay(&mut shapes);
            shapes.recycle(d);
            shapes.recycle(p);
        }
        assert!(shapes.counts()[0] >= 2, "the warmed cache replays");
        group.bench_function("shape programs: describe, look up and replay both", |b| {
            b.iter(|| {
                let (d, p) = replay(&mut shapes);
                let n = d.len() + p.len();
                shapes.recycle(d);
                shapes.recycle(p);
                n
            })
        });
        let (d, p) = replay(&mut shapes);
        let mut out = Vec::new();
        let limits = Limits::default();
        group.bench_function("RDFC-1.0 of both, replayed datasets", |b| {
            b.iter(|| {
                out.clear();
                append_canonical_nquads(&d, HashAlgorithm::Sha256, limits, &mut out)
                    .expect("canonical");
                append_canonical_nquads(&p, HashAlgorithm::Sha256, limits, &mut out)
                    .expect("canonical");
                out.len()
            })
        });
        out.clear();
        append_canonical_nquads(&d, HashAlgorithm::Sha256, limits, &mut out).expect("canonical");
        assert_eq!(
            &out[..],
            doc_nq.as_bytes(),
            "replay canonicalizes as expansion"
        );
    }
    // The same credential's RDF as a fixed file, for comparing with other
    // canonicalizers (parsing excluded).
    let ob3 = credverify::rdf::dataset::Dataset::from_quads(
        &credverify::rdf::nquads::parse(include_str!("../tests/data/rdf-canon-ob3-credential.nq"))
            .expect("N-Quads"),
    );
    group.bench_function(
        format!(
            "RDFC-1.0 of tests/data/rdf-canon-ob3-credential.nq ({} quads)",
            ob3.len()
        ),
        |b| {
            b.iter(|| {
                canonicalize(&ob3, HashAlgorithm::Sha256, Limits::default()).expect("canonical")
            })
        },
    );
    // As the pipeline hashes: every record of a chunk in one multi-buffer
    // pass; here 64 records' document and proof configuration.
    let messages: Vec<&[u8]> = (0..64)
        .flat_map(|_| [doc_nq.as_bytes(), config_nq.as_bytes()])
        .collect();
    let mut digests = vec![[0u8; 32]; messages.len()];
    group.bench_function(
        format!(
            "SHA-256 of both canonical forms ({} bytes), 64 records multi-buffer",
            doc_nq.len() + config_nq.len()
        ),
        |b| b.iter(|| credverify::hash::sha256::sha256_many(&messages, &mut digests)),
    );
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("credverify-bench-{}", std::process::id()));
    let args = generate::GenerateArgs {
        layout: generate::Layout::Jsonl,
        shapes: 1,
        records: 4000,
        seed: 3,
        out: dir.clone(),
        format: GenFormat::Jcs,
        issuers: 5,
        status_lists: 0,
        status_history: 1,
        mix: generate::DEFAULT_MIX.into(),
        as_of: AS_OF.into(),
    };
    generate::run(&args).expect("generate");
    let mut config = VerifyConfig::new(
        vec![InputPath::File(dir.join("credentials.jsonl"))],
        Timestamp::parse(AS_OF).expect("date"),
    );
    config.dids = vec![DocumentSource::path(dir.join("dids"))];
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    group.throughput(Throughput::Elements(args.records));
    for threads in [1, 2] {
        config.threads = threads;
        group.bench_function(
            format!("4,000 eddsa-jcs-2022 records, {threads} threads"),
            // Verdicts rendered as `verify` writes them, then discarded.
            |b| {
                b.iter(|| {
                    let names = ["credentials.jsonl".to_owned()];
                    let mut sink = VerdictWriter::new(std::io::sink(), OutputFormat::Jsonl, &names)
                        .expect("sink");
                    verify(&config, &mut sink).expect("run")
                })
            },
        );
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Extracting the credential baked into a badge image: a 128 × 128 RGB PNG
/// of noise (about 50 KB, incompressible, so the IDAT is as large as a
/// real badge's) with the generated credential in an `iTXt` after the
/// image data, where 1EdTech's test badges have it; and the SVG that
/// `bake_svg` writes around the same credential. Beside them, the CRC-32
/// of the whole PNG: what any reader that checks every chunk's CRC pays.
fn baked(c: &mut Criterion) {
    use credverify::source::baked::{self, BadgeVersion, DEFAULT_MAX_PAYLOAD_BYTES};
    let credential = credential();
    let mut pixels = vec![0u8; 128 * 128 * 3];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for p in &mut pixels {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *p = x as u8;
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, 128, 128);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&pixels).expect("pixels");
    let mut itxt = b"openbadgecredential\0\0\0\0\0".to_vec();
    itxt.extend_from_slice(&credential);
    writer.write_chunk(png::chunk::iTXt, &itxt).expect("iTXt");
    writer.finish().expect("IEND");
    let found = baked::extract_png(&png, DEFAULT_MAX_PAYLOAD_BYTES).expect("baked");
    assert_eq!(found.payload, credential);
    let svg = baked::bake_svg(&credential, BadgeVersion::Ob3, false);

    let mut group = c.benchmark_group("baked");
    group.throughput(Throughput::Bytes(png.len() as u64));
    group.bench_function(
        format!(
            "extract_png, {} KB PNG, credential after IDAT",
            png.len() / 1000
        ),
        |b| b.iter(|| baked::extract_png(&png, DEFAULT_MAX_PAYLOAD_BYTES).expect("baked")),
    );
    group.bench_function(format!("CRC-32 of the {} KB PNG", png.len() / 1000), |b| {
        b.iter(|| {
            let mut crc = flate2::Crc::new();
            crc.update(&png);
            crc.sum()
        })
    });
    group.throughput(Throughput::Bytes(svg.len() as u64));
    group.bench_function(
        format!(
            "extract_svg, {} KB SVG, credential in CDATA",
            svg.len() / 1000
        ),
        |b| b.iter(|| baked::extract_svg(&svg, DEFAULT_MAX_PAYLOAD_BYTES).expect("baked")),
    );
    group.finish();
}

criterion_group!(benches, stages, baked, end_to_end);
criterion_main!(benches);
