//! RS256 / ES256 verification in ring, aws-lc-rs, RustCrypto rsa (0.9, 0.10)
//! and RustCrypto p256 (0.13, 0.14): first proves each one right on real
//! vectors (the valid signature verifies; a flipped signature bit, a flipped
//! message byte, a short signature are rejected; every key input path works),
//! then times single-threaded verification and prints markdown tables.
//!
//! Usage: rsa-choice [--secs S] [--check]
//!   --secs S   seconds measured per cell (default 2; a warm-up of S/8 before)
//!   --check    the checks only, no timing

mod backends;
mod der;

use backends::{Backend, Key};
use base64::Engine as _;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Alg {
    Rs256,
    Es256,
}

/// A JWK's key members, base64url-decoded.
pub enum Jwk {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
}

struct Vector {
    label: &'static str,
    alg: Alg,
    /// JWS signing input: ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
    msg: Vec<u8>,
    sig: Vec<u8>,
    pem: String,
    spki_der: Vec<u8>,
    jwk: Jwk,
}

fn b64url(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim())
        .map_err(|e| format!("base64url: {e}"))
}

/// The string value of `"name": "..."` in a flat JSON object (enough for a
/// JWK or the OB 2.0 CryptographicKey; `\n` and `\/` escapes only).
fn json_str(json: &str, name: &str) -> Result<String, String> {
    let key = format!("\"{name}\"");
    let at = json.find(&key).ok_or(format!("no {name}"))? + key.len();
    let rest = json[at..]
        .trim_start()
        .strip_prefix(':')
        .ok_or("no colon")?;
    let rest = rest.trim_start().strip_prefix('"').ok_or("not a string")?;
    let end = rest.find('"').ok_or("unterminated string")?;
    Ok(rest[..end].replace("\\n", "\n").replace("\\/", "/"))
}

fn jwk(json: &str) -> Result<Jwk, String> {
    match json_str(json, "kty")?.as_str() {
        "RSA" => Ok(Jwk::Rsa {
            n: b64url(&json_str(json, "n")?)?,
            e: b64url(&json_str(json, "e")?)?,
        }),
        "EC" => {
            if json_str(json, "crv")? != "P-256" {
                return Err("not P-256".into());
            }
            Ok(Jwk::Ec {
                x: b64url(&json_str(json, "x")?)?,
                y: b64url(&json_str(json, "y")?)?,
            })
        }
        other => Err(format!("kty {other}")),
    }
}

fn vector(
    label: &'static str,
    alg: Alg,
    jws: &str,
    pem: String,
    jwk_json: &str,
) -> Result<Vector, String> {
    let jws = jws.trim();
    let (input, sig) = jws.rsplit_once('.').ok_or("not a compact JWS")?;
    let header = String::from_utf8(b64url(input.split('.').next().unwrap_or(""))?)
        .map_err(|e| e.to_string())?;
    let want = match alg {
        Alg::Rs256 => "RS256",
        Alg::Es256 => "ES256",
    };
    if json_str(&header, "alg")? != want {
        return Err(format!("{label}: header {header} is not {want}"));
    }
    let spki_der = der::pem_to_der(&pem)?;
    Ok(Vector {
        label,
        alg,
        msg: input.as_bytes().to_vec(),
        sig: b64url(sig)?,
        pem,
        spki_der,
        jwk: jwk(jwk_json)?,
    })
}

fn vectors() -> Result<Vec<Vector>, String> {
    let ob20_pem = json_str(include_str!("../data/ob20-key1.json"), "publicKeyPem")?;
    Ok(vec![
        vector(
            "RS256 2048 (1EdTech OB2.0)",
            Alg::Rs256,
            include_str!("../data/ob20-simple.jwt"),
            ob20_pem,
            include_str!("../data/ob20-key1.jwk.json"),
        )?,
        vector(
            "RS256 3072",
            Alg::Rs256,
            include_str!("../data/rsa3072.jwt"),
            include_str!("../data/rsa3072.pub.pem").to_string(),
            include_str!("../data/rsa3072.jwk.json"),
        )?,
        vector(
            "RS256 4096",
            Alg::Rs256,
            include_str!("../data/rsa4096.jwt"),
            include_str!("../data/rsa4096.pub.pem").to_string(),
            include_str!("../data/rsa4096.jwk.json"),
        )?,
        vector(
            "ES256 P-256",
            Alg::Es256,
            include_str!("../data/p256.jwt"),
            include_str!("../data/p256.pub.pem").to_string(),
            include_str!("../data/p256.jwk.json"),
        )?,
    ])
}

/// The P-256 group order n, big-endian.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// r || (n - s): the other, equally valid, ECDSA signature of the same
/// message. JWS (RFC 7518 §3.4) does not ask for low-S, so a JWS verifier
/// should accept both; returns whether `s` was high, and the twin.
fn ecdsa_twin(sig: &[u8]) -> (bool, Vec<u8>) {
    let (r, s) = sig.split_at(32);
    let mut out = r.to_vec();
    let mut twin = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        twin[i] = (d + 256 * borrow) as u8;
    }
    out.extend_from_slice(&twin);
    (s > &twin[..], out)
}

struct Checks {
    failures: usize,
    lines: Vec<String>,
}

impl Checks {
    fn expect(&mut self, what: &str, got: bool, want: bool) -> bool {
        if got != want {
            self.failures += 1;
            self.lines.push(format!(
                "FAIL: {what}: verify returned {got}, expected {want}"
            ));
        }
        got == want
    }
}

/// The checks for one crate and one vector; returns the table cell.
fn check(b: &dyn Backend, v: &Vector, c: &mut Checks) -> String {
    let ctx = format!("{} / {}", b.name(), v.label);
    let mut keys: Vec<(&str, Box<dyn Key>)> = Vec::new();
    for (path, key) in [
        ("SPKI PEM", b.key_from_pem(v.alg, &v.pem)),
        ("SPKI DER", b.key_from_spki_der(v.alg, &v.spki_der)),
        ("JWK", b.key_from_jwk(v.alg, &v.jwk)),
    ] {
        match key {
            Ok(k) => keys.push((path, k)),
            Err(e) => {
                c.failures += 1;
                c.lines.push(format!("FAIL: {ctx}: key from {path}: {e}"));
            }
        }
    }
    let mut ok = keys.len() == 3;
    let last = v.sig.len() - 1;
    for (path, key) in &keys {
        let ctx = format!("{ctx} (key from {path})");
        ok &= c.expect(
            &format!("{ctx}: valid signature"),
            key.verify(&v.msg, &v.sig),
            true,
        );
        for (i, bit) in [(0, 0x80), (v.sig.len() / 2, 0x10), (last, 0x01)] {
            let mut sig = v.sig.clone();
            sig[i] ^= bit;
            ok &= c.expect(
                &format!("{ctx}: signature byte {i} ^ {bit:#04x}"),
                key.verify(&v.msg, &sig),
                false,
            );
        }
        for i in [0, v.msg.len() / 2, v.msg.len() - 1] {
            let mut msg = v.msg.clone();
            msg[i] ^= 0xff;
            ok &= c.expect(
                &format!("{ctx}: message byte {i} ^ 0xff"),
                key.verify(&msg, &v.sig),
                false,
            );
        }
        ok &= c.expect(
            &format!("{ctx}: signature short by one byte"),
            key.verify(&v.msg, &v.sig[..last]),
            false,
        );
        ok &= c.expect(
            &format!("{ctx}: empty signature"),
            key.verify(&v.msg, &[]),
            false,
        );
    }
    let mut cell = if ok {
        "ok".to_string()
    } else {
        "**FAIL**".to_string()
    };
    if v.alg == Alg::Es256
        && let Some((_, key)) = keys.first()
    {
        let (was_high, twin) = ecdsa_twin(&v.sig);
        let twin_ok = key.verify(&v.msg, &twin);
        let which = if was_high { "low-S" } else { "high-S" };
        let verdict = if twin_ok { "accepted" } else { "rejected" };
        c.lines.push(format!(
            "info: {ctx}: the {which} twin (r, n-s) is {verdict}"
        ));
        cell += &format!("; {which} twin {verdict}");
    }
    cell
}

/// This thread's (time on a CPU, time waiting for one), in ns, from
/// /proc/thread-self/schedstat (Linux); None elsewhere.
fn sched() -> Option<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut it = s.split_whitespace().map(|x| x.parse::<u64>().ok());
    Some((it.next()??, it.next()??))
}

/// Calls per second of `f` (wall clock), single-threaded: a warm-up of
/// secs/8, then calls until `secs` have passed. Also the share of that wall
/// time the thread spent waiting for a CPU (other load on the machine).
fn rate(secs: f64, mut f: impl FnMut() -> bool) -> (f64, Option<f64>) {
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < secs / 8.0 {
        assert!(f());
    }
    let s0 = sched();
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        assert!(f());
        n += 1;
        let t = start.elapsed().as_secs_f64();
        if t >= secs {
            let waited = match (s0, sched()) {
                (Some((_, w0)), Some((_, w1))) => Some((w1 - w0) as f64 / 1e9 / t),
                _ => None,
            };
            return (n as f64 / t, waited);
        }
    }
}

fn fmt_rate(r: f64) -> String {
    // Thousands separated by a thin space would confuse copy-paste: plain digits.
    format!("{r:.0}")
}

fn table(header: &[String], rows: &[Vec<String>]) {
    println!("| {} |", header.join(" | "));
    println!(
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
    println!();
}

fn main() -> ExitCode {
    let mut secs = 2.0;
    let mut check_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--secs" => {
                secs = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--secs needs a number")
            }
            "--check" => check_only = true,
            _ => {
                eprintln!("usage: rsa-choice [--secs S] [--check]");
                return ExitCode::from(2);
            }
        }
    }
    let vectors = match vectors() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("bad vector: {e}");
            return ExitCode::FAILURE;
        }
    };
    let backends = backends::all();
    if backends.is_empty() {
        eprintln!(
            "no crate feature on: build with --features ring, rsa, rsa010, aws-lc-rs, p256 or p256-014"
        );
        return ExitCode::FAILURE;
    }
    let mut header = vec!["crate".to_string()];
    header.extend(vectors.iter().map(|v| v.label.to_string()));

    // 1. Correctness, before any timing.
    let mut c = Checks {
        failures: 0,
        lines: Vec::new(),
    };
    let mut rows = Vec::new();
    for b in &backends {
        let mut row = vec![b.name().to_string()];
        for v in &vectors {
            row.push(if b.supports(v.alg) {
                check(b.as_ref(), v, &mut c)
            } else {
                "–".into()
            });
        }
        rows.push(row);
    }
    println!("## Checks\n");
    println!(
        "Each cell: with the key taken from SPKI PEM, SPKI DER and JWK, the valid signature verifies and \
         3 one-bit signature flips, 3 one-byte message flips, a short and an empty signature are rejected.\n"
    );
    table(&header, &rows);
    for l in &c.lines {
        println!("{l}");
    }
    if c.failures > 0 {
        eprintln!("{} check(s) failed", c.failures);
        return ExitCode::FAILURE;
    }
    println!("All checks passed.\n");
    if check_only {
        return ExitCode::SUCCESS;
    }

    // 2. Timing, single-threaded.
    let mut worst_wait: f64 = 0.0;
    for (title, parse_each) in [
        (
            "Verifications/s, key prepared once (the crate's parsed key type; ring has none)",
            false,
        ),
        (
            "Verifications/s, key parsed from SPKI DER on every call",
            true,
        ),
    ] {
        let mut rows = Vec::new();
        for b in &backends {
            let mut row = vec![b.name().to_string()];
            for v in &vectors {
                if !b.supports(v.alg) {
                    row.push("–".into());
                    continue;
                }
                let (r, waited) = if parse_each {
                    rate(secs, || {
                        let key = b
                            .key_from_spki_der(v.alg, black_box(&v.spki_der))
                            .expect("checked");
                        key.verify(black_box(&v.msg), black_box(&v.sig))
                    })
                } else {
                    let key = b.key_from_spki_der(v.alg, &v.spki_der).expect("checked");
                    rate(secs, || key.verify(black_box(&v.msg), black_box(&v.sig)))
                };
                let waited = waited.unwrap_or(f64::NAN);
                worst_wait = worst_wait.max(waited);
                eprintln!(
                    "{} / {}: {r:.0}/s (waited for a CPU {:.1}% of the time)",
                    b.name(),
                    v.label,
                    waited * 100.0
                );
                row.push(fmt_rate(r));
            }
            rows.push(row);
        }
        println!("## {title}\n");
        table(&header, &rows);
    }
    println!(
        "{secs} s per cell after a {} s warm-up; the most any cell waited for a CPU (other load): {:.1}% of its time.",
        secs / 8.0,
        worst_wait * 100.0
    );
    ExitCode::SUCCESS
}
