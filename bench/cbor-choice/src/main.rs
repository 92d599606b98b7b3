//! ecdsa-sd-2023 proof values (a 3-byte header, then one CBOR array of
//! byte strings, arrays and a map) decoded by ciborium and by minicbor into
//! one value tree: both must give the same tree for the W3C base and
//! derived proofs, and refuse every truncation without panic; then each
//! decode is timed on one core.
//!
//! Usage: cbor-choice [--secs S]   (default 2 s per cell, S/8 warm-up)

use std::hint::black_box;
use std::time::Instant;

/// The CBOR items an ecdsa-sd-2023 proof value holds.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Bytes(Vec<u8>),
    Uint(u64),
    Array(Vec<V>),
    Map(Vec<(V, V)>),
    Other,
}

#[cfg(feature = "ciborium")]
fn ciborium_tree(bytes: &[u8]) -> Result<V, String> {
    fn conv(v: ciborium::Value) -> V {
        match v {
            ciborium::Value::Bytes(b) => V::Bytes(b),
            ciborium::Value::Integer(i) => u64::try_from(i).map_or(V::Other, V::Uint),
            ciborium::Value::Array(a) => V::Array(a.into_iter().map(conv).collect()),
            ciborium::Value::Map(m) => {
                V::Map(m.into_iter().map(|(k, v)| (conv(k), conv(v))).collect())
            }
            _ => V::Other,
        }
    }
    let v: ciborium::Value = ciborium::de::from_reader(bytes).map_err(|e| e.to_string())?;
    Ok(conv(v))
}

#[cfg(feature = "minicbor")]
fn minicbor_tree(bytes: &[u8]) -> Result<V, String> {
    use minicbor::data::Type;
    fn item(d: &mut minicbor::Decoder<'_>, depth: usize) -> Result<V, minicbor::decode::Error> {
        if depth > 16 {
            return Err(minicbor::decode::Error::message("too deep"));
        }
        Ok(match d.datatype()? {
            Type::Bytes => V::Bytes(d.bytes()?.to_vec()),
            Type::U8 | Type::U16 | Type::U32 | Type::U64 => V::Uint(d.u64()?),
            Type::Array => {
                let n = d
                    .array()?
                    .ok_or_else(|| minicbor::decode::Error::message("indefinite"))?;
                let mut out = Vec::new();
                for _ in 0..n {
                    out.push(item(d, depth + 1)?);
                }
                V::Array(out)
            }
            Type::Map => {
                let n = d
                    .map()?
                    .ok_or_else(|| minicbor::decode::Error::message("indefinite"))?;
                let mut out = Vec::new();
                for _ in 0..n {
                    let k = item(d, depth + 1)?;
                    out.push((k, item(d, depth + 1)?));
                }
                V::Map(out)
            }
            _ => {
                d.skip()?;
                V::Other
            }
        })
    }
    let mut d = minicbor::Decoder::new(bytes);
    let v = item(&mut d, 0).map_err(|e| e.to_string())?;
    if d.position() != bytes.len() {
        return Err("trailing bytes".into());
    }
    Ok(v)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut secs = 2.0f64;
    while let Some(a) = args.next() {
        if a == "--secs" {
            secs = args.next().and_then(|s| s.parse().ok()).expect("--secs S");
        }
    }
    let inputs = [
        (
            "base proof (d9 5d 00)",
            &include_bytes!("../data/base.cbor")[..],
        ),
        (
            "derived proof (d9 5d 01)",
            &include_bytes!("../data/derived.cbor")[..],
        ),
    ];
    type Decode = fn(&[u8]) -> Result<V, String>;
    #[allow(unused_mut)]
    let mut crates: Vec<(&str, Decode)> = Vec::new();
    #[cfg(feature = "ciborium")]
    crates.push(("ciborium 0.2.2", ciborium_tree));
    #[cfg(feature = "minicbor")]
    crates.push(("minicbor 2.3.1", minicbor_tree));
    let mut failures = 0;
    println!("| crate | input | decodes/s (one core) |");
    println!("| --- | --- | ---: |");
    for (label, raw) in inputs {
        let body = &raw[3..];
        let trees: Vec<_> = crates.iter().map(|(_, f)| f(body)).collect();
        let first = trees.first().and_then(|r| r.as_ref().ok()).cloned();
        let agree = trees.iter().all(|r| r.as_ref().ok() == first.as_ref());
        match (first, agree) {
            (Some(a), true) => {
                if !matches!(&a, V::Array(items) if items.len() == 5) {
                    eprintln!("FAIL: {label}: not an array of 5: {a:?}");
                    failures += 1;
                }
            }
            _ => {
                eprintln!("FAIL: {label}: the crates disagree: {trees:?}");
                failures += 1;
            }
        }
        for cut in 0..body.len() {
            for (name, f) in &crates {
                if f(&body[..cut]).is_ok() {
                    eprintln!("FAIL: {name} accepts {label} cut at {cut}");
                    failures += 1;
                }
            }
        }
        for (name, f) in &crates {
            let run = |limit: f64| {
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed().as_secs_f64() < limit {
                    black_box(f(black_box(body)).is_ok());
                    n += 1;
                }
                n as f64 / start.elapsed().as_secs_f64()
            };
            run(secs / 8.0);
            println!("| {name} | {label} | {:.0} |", run(secs));
        }
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
