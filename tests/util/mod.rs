//! Fixtures shared by the test modules: temporary files, library and
//! binary runs, verdict-record readers and a signer for self-made vectors.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use credverify::canon::jcs::Canonicalizer;
use credverify::json::{JsonParser, Value};
use credverify::report::summary::RunSummary;
use credverify::report::{OutputFormat, VerdictWriter};
use credverify::source::InputPath;
use credverify::time::Timestamp;
use credverify::{VerifyConfig, verify};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

pub const AS_OF: &str = "2026-01-01T00:00:00Z";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

/// A fresh directory under target/, unique per call.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = repo().join("target/test-tmp").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `bytes` to a new temporary file called `name`.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = temp_dir("input").join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

/// Runs the library on `inputs` into JSON Lines; `tweak` adjusts the
/// configuration.
pub fn run_with(inputs: &[&Path], tweak: impl FnOnce(&mut VerifyConfig)) -> (String, RunSummary) {
    run_in(OutputFormat::Jsonl, inputs, tweak)
}

/// [`run_with`] in `format`.
pub fn run_in(
    format: OutputFormat,
    inputs: &[&Path],
    tweak: impl FnOnce(&mut VerifyConfig),
) -> (String, RunSummary) {
    let mut config = VerifyConfig::new(
        inputs
            .iter()
            .map(|p| InputPath::File(p.to_path_buf()))
            .collect(),
        Timestamp::parse(AS_OF).expect("as_of"),
    );
    config.threads = 1;
    tweak(&mut config);
    let names: Vec<String> = config.inputs.iter().map(InputPath::display).collect();
    let mut sink = VerdictWriter::new(Vec::new(), format, &names)
        .expect("sink")
        .with_status_messages_if(!config.status_lists.is_empty());
    let summary = verify(&config, &mut sink).expect("run completes");
    (
        String::from_utf8(sink.into_inner()).expect("UTF-8 verdicts"),
        summary,
    )
}

/// Runs the library on one file holding `lines` (one record each).
pub fn run_lines(lines: &[&str], tweak: impl FnOnce(&mut VerifyConfig)) -> Vec<Verdict> {
    let mut text = lines.join("\n");
    text.push('\n');
    let path = temp_file("records.jsonl", text.as_bytes());
    let (out, _) = run_with(&[&path], tweak);
    parse_verdicts(&out)
}

/// One record through the library.
pub fn run_one(line: &str) -> Verdict {
    let mut v = run_lines(&[line], |_| {});
    assert_eq!(v.len(), 1, "one record, one verdict");
    v.remove(0)
}

/// A verdict record, read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub file: Option<String>,
    pub line: u64,
    pub id: Option<String>,
    pub issuer: Option<String>,
    pub format: Option<String>,
    pub verdict: String,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub status_messages: Vec<String>,
    /// A derived `ecdsa-sd-2023` proof's revealed statements.
    pub disclosed: Option<u64>,
}

fn strings(v: Option<Value<'_>>) -> Vec<String> {
    v.map(|a| {
        a.elements()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default()
}

pub fn parse_verdicts(out: &str) -> Vec<Verdict> {
    let mut parser = JsonParser::default();
    out.lines()
        .map(|line| {
            parser
                .with_doc(line.as_bytes(), |v| {
                    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
                    Verdict {
                        file: s("file"),
                        line: v.get("line").and_then(Value::as_u64).expect("line field"),
                        id: s("id"),
                        issuer: s("issuer"),
                        format: s("format"),
                        verdict: s("verdict").expect("verdict field"),
                        problems: strings(v.get("problems")),
                        warnings: strings(v.get("warnings")),
                        status_messages: strings(v.get("status_messages")),
                        disclosed: v.get("disclosed").and_then(Value::as_u64),
                    }
                })
                .unwrap_or_else(|p| panic!("verdict line is not JSON ({p}): {line}"))
        })
        .collect()
}

/// Runs the built binary.
pub fn cli(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credverify"));
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn credverify");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

/// A deterministic test key.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// The did:key and its verification method for a key.
pub fn did_key(sk: &SigningKey) -> (String, String) {
    let mk = credverify::resolve::multikey::encode_multikey(&sk.verifying_key().to_bytes());
    (format!("did:key:{mk}"), format!("did:key:{mk}#{mk}"))
}

/// JCS of a JSON text.
pub fn jcs(text: &str) -> Vec<u8> {
    JsonParser::default()
        .with_doc(text.as_bytes(), |v| {
            let mut out = Vec::new();
            Canonicalizer::default().write(&mut out, v);
            out
        })
        .expect("JSON")
}

/// Signs for eddsa-jcs-2022: `doc` is what the proof covers (the
/// credential without `proof`, with any previous proofs as `proof`, and the
/// proof's @context if it has one), `proof` the proof configuration.
/// Returns the `proofValue`.
pub fn jcs_proof_value(doc: &str, proof: &str, sk: &SigningKey) -> String {
    let mut message = Vec::new();
    message.extend_from_slice(&Sha256::digest(jcs(proof)));
    message.extend_from_slice(&Sha256::digest(jcs(doc)));
    format!(
        "z{}",
        bs58::encode(sk.sign(&message).to_bytes()).into_string()
    )
}

/// A credential line: `members` signed by `sk` under the proof
/// configuration `proof` (both as JSON members, without braces).
pub fn signed_line(members: &str, proof: &str, sk: &SigningKey) -> String {
    let value = jcs_proof_value(&format!("{{{members}}}"), &format!("{{{proof}}}"), sk);
    format!("{{{members},\"proof\":{{{proof},\"proofValue\":\"{value}\"}}}}")
}

/// A VC 2.0 credential by `issuer`, without proof, as JSON members.
pub fn credential_members(issuer: &str, extra: &str) -> String {
    format!(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://www.w3.org/ns/credentials/examples/v2\"],\"id\":\"urn:uuid:test-1\",\"type\":[\"VerifiableCredential\"],\"issuer\":\"{issuer}\",\"validFrom\":\"2024-01-01T00:00:00Z\",\"credentialSubject\":{{\"id\":\"did:example:subject\",\"name\":\"Ada Lovelace\"}}{extra}"
    )
}

/// A proof configuration's members for `method`.
pub fn proof_members(method: &str, extra: &str) -> String {
    format!(
        "\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-jcs-2022\",\"created\":\"2024-01-01T00:00:00Z\",\"verificationMethod\":\"{method}\",\"proofPurpose\":\"assertionMethod\"{extra}"
    )
}

/// A credential with one eddsa-jcs-2022 proof by `sk`, its did:key issuer.
pub fn signed_credential(sk: &SigningKey, extra: &str) -> String {
    let (did, method) = did_key(sk);
    signed_line(
        &credential_members(&did, extra),
        &proof_members(&method, ""),
        sk,
    )
}

/// A valid VC-JWT (EdDSA, VC 2.0 payload) by `sk`'s did:key.
pub fn signed_jwt(sk: &SigningKey) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (did, method) = did_key(sk);
    let payload = format!("{{{}}}", credential_members(&did, ""));
    let header = format!("{{\"alg\":\"EdDSA\",\"kid\":\"{method}\",\"typ\":\"vc+jwt\"}}");
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = sk.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Cuts `path` to `len` bytes while `child` (a run writing verdicts to a
/// pipe) waits on that pipe: once a first byte came, the pipe is not read
/// until the file is cut. Then reads the rest; the exit code and standard
/// error.
pub fn cut_while_blocked(
    mut child: std::process::Child,
    path: &Path,
    len: u64,
) -> (Option<i32>, String) {
    use std::io::Read;
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(len).unwrap();
    drop(file);
    let mut rest = Vec::new();
    let _ = stdout.read_to_end(&mut rest);
    code_and_stderr(child)
}

/// Waits for `child`: its exit code (`None` when a signal ended it) and
/// its standard error.
pub fn code_and_stderr(mut child: std::process::Child) -> (Option<i32>, String) {
    use std::io::Read;
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

/// A run summary without what differs from run to run (its timing
/// fields), for comparing a merged run with a single one.
pub fn steady_summary(summary: &str) -> String {
    let mut s = summary.to_owned();
    for key in ["\"elapsed_seconds\":", "\"records_per_second\":"] {
        let at = s.find(key).expect(key) + key.len();
        let end = at + s[at..].find(',').expect("a comma");
        s.replace_range(at..end, "_");
    }
    s
}
