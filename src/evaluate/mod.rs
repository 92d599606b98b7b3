//! One record through parse → credential → proof: everything but the
//! signature equation, which runs per batch once a chunk is read.
//!
//! ```text
//! record ─▶ JSON object ──▶ credential steps ──▶ Data Integrity proofs ─┐
//!        └▶ compact JWS ──▶ credential steps ──▶ VC-JWT signature ──────┤
//!                                                                       ▼
//!           settle: hash, prepare, batch-verify ──▶ status admitted if the proof holds
//! ```
//!
//! Every credential, whatever secures it, goes through the same
//! [credential steps](Evaluator): its members read, its validity window
//! judged at `--as-of` ([`validity`]), its status entries answered and
//! kept aside. The proof is its suite's ([`crate::suite`]). Once the
//! chunk's signatures are verified, [`admit_status`] applies the one rule
//! that joins the two: status counts only for a credential whose proof
//! verified and whose issuer matched.
//!
//! An [`Evaluator`] owns every buffer a record needs, so the steady state
//! allocates nothing per valid record. Its results go into a
//! [`ChunkWork`]: one [`RecordOutcome`] per record and the signatures
//! they wait on.

pub mod validity;

use std::sync::Arc;

use crate::canon::jcs::{self, Canonicalizer};
use crate::canon::rdfc;
use crate::credential::jws;
use crate::credential::jwt::JwtClaims;
use crate::credential::{self, Credential};
use crate::index_record::{Prepared, StatusPart};
use crate::json::{JsonParser, Value};
use crate::jsonld::context::ActiveContext;
use crate::limits::JsonLdBudget;
use crate::resolve::{KeyResolver, LocalKeys};
use crate::source::{Chunk, RawRecord, trim};
use crate::status::check::{StatusAnswer, StatusLists};
use crate::suite::{self, Canonicalizers, ProofCheck, Signer};
use crate::time::Timestamp;
use crate::verdict::{
    Evidence, Findings, Format, JwtAlg, Problem, Problems, StatusSource, Verdict,
};
use crate::verify::Rejection;
use crate::verify::queue::SignatureQueue;
use crate::verify::tuner::{BatchTuner, DEFAULT_BATCH_SIZE};
use validity::Window;

/// What every record of a run is judged against.
pub struct Context<'r> {
    /// Verification methods.
    pub resolver: &'r KeyResolver,
    /// JSON-LD to RDF, for `eddsa-rdfc-2022` and `Ed25519Signature2020`.
    pub jsonld: &'r crate::jsonld::Processor,
    /// Status lists.
    pub status: &'r StatusLists,
    /// The judging instant.
    pub as_of: Timestamp,
    /// Records longer than this are `malformed` (`record_too_large`).
    pub max_record_bytes: usize,
}

/// A range of [`ChunkWork`]'s text: start and length.
pub type TextRange = (u32, u32);

/// The outcome of one record.
#[derive(Clone, Debug, Default)]
pub struct RecordOutcome {
    /// Line (or element) number relative to the chunk's first, 0-based.
    pub line: u64,
    /// Byte offset of the record in its (decompressed) input.
    pub offset: u64,
    /// The credential's `id`, in [`ChunkWork`]'s text.
    pub id: Option<TextRange>,
    /// The issuer's id, in [`ChunkWork`]'s text.
    pub issuer: Option<TextRange>,
    /// The format of the first supported proof.
    pub format: Option<Format>,
    /// Problems, evidence and warnings.
    pub findings: Findings,
    /// What its status entries said; added to `findings` only once its
    /// proof has verified ([`admit_status`]).
    pub status: StatusAnswer,
    /// The JSON-LD context its RDF was made with (JSON-LD proofs only),
    /// reported with its sources' digests when the signature fails.
    pub contexts: Option<Arc<ActiveContext>>,
    /// The encodings of the keys its signatures were checked under (all of
    /// them verified when the record reaches its status).
    pub signed_by: Vec<[u8; 32]>,
    /// The instants that bound its validity, as judged.
    pub window: Window,
    /// Every proof's `expires`, in the order the proofs were checked.
    pub proof_expires: Vec<Timestamp>,
    /// What its status is answered from, encoded into
    /// [`ChunkWork::index`] when there is one (a revalidation index
    /// answers it again with other lists).
    pub status_part: Option<StatusPart>,
}

/// A chunk's records and the signatures they wait on.
#[derive(Default)]
pub struct ChunkWork {
    /// The records' ids and issuers.
    pub text: String,
    /// One outcome per record, in order.
    pub records: Vec<RecordOutcome>,
    /// The signatures the records wait on.
    pub signatures: SignatureQueue<Signer>,
    /// The chunk's records as a revalidation index keeps them, when the
    /// run writes one: records then keep what it needs (their status,
    /// encoded as soon as it is read, and the keys that verified them).
    pub index: Option<Prepared>,
    /// Emptied `signed_by` vectors of earlier records, for later ones:
    /// with an index every record keeps its keys, and a vector allocated
    /// per record cost more than the index's encoding of it.
    pub spare_keys: Vec<Vec<[u8; 32]>>,
}

impl ChunkWork {
    /// Empties the work for the next chunk, keeping buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.records.clear();
        self.signatures.clear();
    }

    fn keep(&mut self, s: &str) -> TextRange {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        (start, s.len() as u32)
    }
}

/// A worker's reusable buffers, from one record to the next.
#[derive(Default)]
pub struct Evaluator {
    /// Batch sizes for this worker's signatures.
    pub tuner: BatchTuner,
    doc: JsonParser,
    header: JsonParser,
    canon: Canonicalizer,
    keys: LocalKeys,
    decoded: Vec<u8>,
    token: String,
    /// JSON-LD shape programs of the records this worker has seen.
    shapes: crate::jsonld::shape::ShapeCache,
}

/// Records a record judged without being read: a line or element longer
/// than the record size limit, or a JSON array's damaged region.
fn refuse(line: u64, offset: u64, problem: Problem, work: &mut ChunkWork) {
    let mut rec = RecordOutcome {
        line,
        offset,
        ..RecordOutcome::default()
    };
    rec.findings.problem(problem);
    work.records.push(rec);
}

impl Evaluator {
    /// Evaluates every record of `chunk` and settles its signatures;
    /// returns how many lines (or elements) the chunk covers.
    pub fn evaluate_chunk(
        &mut self,
        ctx: &Context<'_>,
        chunk: &Chunk,
        batch_limit: usize,
        work: &mut ChunkWork,
    ) -> u64 {
        work.clear();
        let span = chunk.for_each_record(ctx.max_record_bytes, |record: RawRecord<'_>| {
            if let Some(problem) = record.note.problem {
                return refuse(record.line, record.offset, problem, work);
            }
            match record.bytes {
                Some(bytes) => {
                    self.evaluate(ctx, bytes, record.line, record.offset, work);
                    if let (Some(warning), Some(rec)) =
                        (record.note.warning, work.records.last_mut())
                    {
                        rec.findings.warnings.insert(warning);
                    }
                }
                None if record.framing_lost => {
                    refuse(record.line, record.offset, Problem::FramingLost, work)
                }
                None => refuse(record.line, record.offset, Problem::RecordTooLarge, work),
            }
        });
        self.settle(work, batch_limit);
        note_keys(work, work.index.is_some());
        for rec in &mut work.records {
            admit_status(rec);
        }
        span
    }

    /// Evaluates one record (already trimmed, not blank) and appends its
    /// outcome to `work`.
    pub fn evaluate(
        &mut self,
        ctx: &Context<'_>,
        bytes: &[u8],
        line: u64,
        offset: u64,
        work: &mut ChunkWork,
    ) {
        let index = work.records.len() as u32;
        let mut rec = RecordOutcome {
            line,
            offset,
            ..RecordOutcome::default()
        };
        if bytes.len() > ctx.max_record_bytes {
            rec.findings.problem(Problem::RecordTooLarge);
        } else if bytes.first() == Some(&b'{') {
            self.evaluate_json(ctx, bytes, index, &mut rec, work);
        } else if bytes.first() == Some(&b'"') {
            // A JWS written as a JSON string.
            let token = &mut self.token;
            token.clear();
            let parsed = self
                .header
                .with_doc(bytes, |v| v.as_str().map(|s| token.push_str(s)).is_some());
            match parsed {
                Ok(true) => {
                    let token = std::mem::take(&mut self.token);
                    self.evaluate_jws(ctx, &token, index, &mut rec, work);
                    self.token = token;
                }
                Ok(false) => rec.findings.problem(Problem::NotACredential),
                Err(p) => rec.findings.problem(p),
            }
        } else if bytes.starts_with(b"https://") || bytes.starts_with(b"http://") {
            // What an Open Badges 2.0 image bakes for a hosted assertion.
            rec.format = Some(Format::Ob2Hosted);
            rec.findings.problem(Problem::HostedAssertion);
        } else if jws::looks_like_jws(bytes) {
            match std::str::from_utf8(bytes) {
                Ok(token) => self.evaluate_jws(ctx, token, index, &mut rec, work),
                Err(_) => rec.findings.problem(Problem::InvalidUtf8),
            }
        } else {
            // JSON that is not an object, or not JSON at all.
            match self.doc.with_doc(bytes, |_| ()) {
                Ok(()) => rec.findings.problem(Problem::NotACredential),
                Err(p) => rec.findings.problem(p),
            }
        }
        work.records.push(rec);
    }

    /// A credential with embedded Data Integrity proofs.
    fn evaluate_json(
        &mut self,
        ctx: &Context<'_>,
        bytes: &[u8],
        index: u32,
        rec: &mut RecordOutcome,
        work: &mut ChunkWork,
    ) {
        let Evaluator {
            doc,
            canon,
            keys,
            shapes,
            ..
        } = self;
        // A duplicate name found once the record was read (see
        // `jcs::with_record`) voids everything recorded for it.
        let text_mark = work.text.len();
        let queue_mark = work.signatures.mark();
        let parsed = jcs::with_record(doc, canon, bytes, |root, jcs| {
            if let Some(format) = ob2_assertion(root) {
                rec.id = root.get("id").and_then(Value::as_str).map(|s| work.keep(s));
                rec.format = Some(format);
                // A signed assertion's signature is the JWS around it:
                // bare JSON has none.
                rec.findings.problem(match format {
                    Format::Ob2Hosted => Problem::HostedAssertion,
                    _ => Problem::NoProof,
                });
                return;
            }
            let Some(cred) = credential_steps(ctx, root, None, rec, work) else {
                return;
            };
            let budget = JsonLdBudget::for_record(bytes.len());
            let mut tools = Canonicalizers {
                jcs,
                jsonld: ctx.jsonld,
                shapes,
                jsonld_budget: &budget,
                rdfc_limits: rdfc::Limits::for_record(bytes.len()),
                rdfc_hash: rdfc::HashAlgorithm::Sha256,
                contexts: &mut rec.contexts,
            };
            let mut check = proof_check(
                ctx,
                keys,
                index,
                &mut rec.findings,
                &mut rec.format,
                &mut rec.proof_expires,
                work,
                bytes.len(),
            );
            suite::data_integrity::check_proofs(&cred, &mut tools, &mut check);
            // Keys whose signatures were checked at once (ECDSA), for
            // status lists that compare keys and for an index, as
            // `note_keys` notes batched ones.
            for key in std::mem::take(&mut check.held) {
                if !rec.signed_by.contains(&key) {
                    rec.signed_by.push(key);
                }
            }
        });
        if let Err(p) = parsed {
            *rec = RecordOutcome {
                line: rec.line,
                offset: rec.offset,
                ..RecordOutcome::default()
            };
            work.text.truncate(text_mark);
            work.signatures.undo(queue_mark);
            rec.findings.problem(p);
        }
    }

    /// A compact JWS: a VC-JOSE / VC-JWT token, or an Open Badges 2.0
    /// signed assertion.
    fn evaluate_jws(
        &mut self,
        ctx: &Context<'_>,
        text: &str,
        index: u32,
        rec: &mut RecordOutcome,
        work: &mut ChunkWork,
    ) {
        rec.format = Some(Format::VcJwt(JwtAlg::Unknown));
        let token = match suite::vc_jwt::open(text, &mut self.header, &mut self.decoded) {
            Ok(token) => token,
            Err(p) => return rec.findings.problem(p),
        };
        rec.format = Some(Format::VcJwt(token.alg));
        let Evaluator {
            doc, keys, decoded, ..
        } = self;
        let decode = |buf: &mut Vec<u8>| token.decode_payload(buf);
        let parsed = doc.with_filled(decode, |payload| {
            if ob2_assertion(payload).is_some() {
                rec.format = Some(Format::Ob2Signed);
                return signed_assertion(ctx, &token, payload, decoded, rec, work);
            }
            let (root, claims) = match suite::vc_jwt::credential_of(payload) {
                Ok(found) => found,
                Err(p) => return rec.findings.problem(p),
            };
            let Some(cred) = credential_steps(ctx, root, Some(&claims), rec, work) else {
                return;
            };
            if token.alg == JwtAlg::Unknown {
                // `none`, `HS256` and the like.
                return rec.findings.problem(Problem::UnsupportedProof);
            }
            let mut check = proof_check(
                ctx,
                keys,
                index,
                &mut rec.findings,
                &mut rec.format,
                &mut rec.proof_expires,
                work,
                text.len(),
            );
            let held = token.check(&cred, &claims, &mut check, decoded);
            // A key whose signature was checked at once, for status lists
            // that compare keys and for an index (as `note_keys` notes
            // batched ones).
            if let Some(key) = held
                && !rec.signed_by.contains(&key)
            {
                rec.signed_by.push(key);
            }
        });
        match parsed {
            None => rec.findings.problem(Problem::BadJws),
            Some(Err(p)) => rec.findings.problem(p),
            Some(Ok(())) => {}
        }
    }

    /// Hashes and verifies the signatures the chunk's records wait on,
    /// marking each record whose signature fails.
    pub fn settle(&mut self, work: &mut ChunkWork, batch_limit: usize) {
        for (signer, rejection) in work.signatures.prepare() {
            let problem = match rejection {
                Rejection::SNotCanonical
                | Rejection::RNotCanonical
                | Rejection::RNotOnCurve
                | Rejection::RSmallOrder => Problem::InvalidSignature,
                _ => Problem::WeakKey,
            };
            failed(&mut work.records, &signer, problem);
        }
        for signer in work.signatures.verify(&mut self.tuner, batch_limit) {
            failed(&mut work.records, &signer, Problem::InvalidSignature);
        }
    }
}

/// What checking record `record`'s proof writes to: its findings and
/// format, and the chunk's signature queue; `bytes`, the record's size,
/// sets its ECDSA budget ([`crate::limits::ecdsa_budget`]).
#[allow(clippy::too_many_arguments)]
fn proof_check<'w>(
    ctx: &Context<'w>,
    keys: &'w mut LocalKeys,
    record: u32,
    findings: &'w mut Findings,
    format: &'w mut Option<Format>,
    proof_expires: &'w mut Vec<Timestamp>,
    work: &'w mut ChunkWork,
    bytes: usize,
) -> ProofCheck<'w> {
    ProofCheck {
        as_of: ctx.as_of,
        resolver: ctx.resolver,
        keys,
        record,
        findings,
        format,
        proof_expires,
        signatures: &mut work.signatures,
        ecdsa_work: crate::limits::ecdsa_budget(bytes),
        held: Vec::new(),
    }
}

/// Marks `signer`'s record with `problem`, naming its method.
fn failed(records: &mut [RecordOutcome], signer: &Signer, problem: Problem) {
    records[signer.record as usize].findings.problem_with(
        problem,
        Evidence::Method {
            method: signer.method.method.clone(),
        },
    );
}

/// Whether a JSON record is an Open Badges 2.0 (or 1.x) assertion rather
/// than a Verifiable Credential, and of which kind: `verification.type`
/// (OB 1.x: `verify.type`) `signed` / `SignedBadge` is a signed assertion
/// (its signature travels as a JWS, not in this JSON); any other, or none,
/// is hosted. An assertion is an object without `credentialSubject` that
/// has a `verification` (or `verify`) member, or whose `@context` is Open
/// Badges 2.0's and whose `type` is `Assertion` or which has a `badge` and
/// a `recipient`, or which has a `badge` and a `recipient` and no
/// `@context` at all (Open Badges 0.5).
fn ob2_assertion(root: Value<'_>) -> Option<Format> {
    if !root.is_object() || root.get("credentialSubject").is_some() {
        return None;
    }
    let verification = root.get("verification").or_else(|| root.get("verify"));
    if verification.is_none() {
        let ob2_context = root.get("@context").is_some_and(|c| {
            c.one_or_many().any(|c| {
                c.as_str()
                    .is_some_and(|s| s.contains("w3id.org/openbadges/v2"))
            })
        });
        let typed = root
            .get("type")
            .is_some_and(|t| t.one_or_many().any(|t| t.as_str() == Some("Assertion")));
        let shaped = root.get("badge").is_some() && root.get("recipient").is_some();
        // Open Badges 0.5 assertions have no `@context` (a credential
        // always has one) and no `verify`: the issuer's origin hosts them.
        let legacy = shaped && root.get("@context").is_none();
        if !(ob2_context && (typed || shaped) || legacy) {
            return None;
        }
    }
    let kind = verification
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str);
    Some(match kind {
        Some("signed" | "SignedBadge") => Format::Ob2Signed,
        _ => Format::Ob2Hosted,
    })
}

/// An Open Badges 2.0 assertion in a JWS payload ([`suite::ob2`]): read,
/// its window judged, its issuer Profile found, its RS256 signature
/// checked under the Profile's keys, its revocation list answered.
/// `scratch` receives the decoded signature.
fn signed_assertion(
    ctx: &Context<'_>,
    token: &suite::vc_jwt::Token<'_>,
    payload: Value<'_>,
    scratch: &mut Vec<u8>,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) {
    rec.id = payload
        .get("id")
        .and_then(Value::as_str)
        .map(|s| work.keep(s));
    let assertion = match suite::ob2::Assertion::read(payload) {
        Ok(a) => a,
        Err(p) => return rec.findings.problem(p),
    };
    if assertion.hosted {
        // A JWS around a hosted assertion proves nothing the issuer's
        // server would not have to confirm.
        rec.format = Some(Format::Ob2Hosted);
        return rec.findings.problem(Problem::HostedAssertion);
    }
    let window = Window {
        starts: [Some(assertion.issued_on), None],
        ends: [assertion.expires, None],
    };
    validity::judge(&window, ctx.as_of, &mut rec.findings);
    rec.window = window;
    if token.alg != suite::vc_jwt::Alg::Rs256 {
        // Open Badges 2.0 signs with RS256 only.
        return rec.findings.problem(Problem::UnsupportedProof);
    }
    let docs = ctx.resolver.ob2();
    let issuer = match assertion.issuer(&docs) {
        Ok(issuer) => issuer,
        Err(p) => {
            let badge = assertion.badge.as_str().unwrap_or(assertion.id);
            let evidence = Evidence::Method {
                method: badge.into(),
            };
            return rec.findings.problem_with(p, evidence);
        }
    };
    rec.issuer = Some(work.keep(issuer));
    if !token.decode_signature(scratch) {
        return rec.findings.problem(Problem::ProofValue);
    }
    let message = token.signing_input();
    suite::ob2::check_signature(
        &assertion,
        issuer,
        &docs,
        message,
        scratch,
        &mut rec.findings,
    );
    if let Some(list) =
        suite::ob2::check_revocation(&assertion, issuer, &docs, ctx.status, &mut rec.status)
        && let Some(index) = &mut work.index
    {
        rec.status_part = Some(index.status(&StatusSource::Ob2List(list.into())));
    }
}

/// The steps every credential goes through, whatever secures it: its
/// members read (with what a JWT's claims supply), its id and issuer kept
/// for the verdict, its validity window judged at `--as-of` (with a JWT's
/// `nbf` and `exp`), its status entries answered and kept aside. Returns
/// the credential when its proof is to be checked.
fn credential_steps<'a>(
    ctx: &Context<'_>,
    root: Value<'a>,
    claims: Option<&JwtClaims<'a>>,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) -> Option<Credential<'a>> {
    let fallback = claims.map(JwtClaims::fallback).unwrap_or_default();
    let cred = match Credential::read(root, fallback) {
        Ok(c) => c,
        Err(p) => {
            rec.id = credential::id_of(root)
                .or(fallback.id)
                .map(|s| work.keep(s));
            rec.issuer = credential::issuer_of(root)
                .or(fallback.issuer)
                .map(|s| work.keep(s));
            rec.findings.problem(p);
            return None;
        }
    };
    rec.id = cred.id.map(|s| work.keep(s));
    rec.issuer = Some(work.keep(cred.issuer));
    let window = Window {
        starts: [cred.valid_from, claims.and_then(|c| c.nbf)],
        ends: [cred.valid_until, claims.and_then(|c| c.exp)],
    };
    validity::judge(&window, ctx.as_of, &mut rec.findings);
    rec.window = window;
    if let Some(status) = cred.status {
        let entries = crate::status::entry::read_all(status);
        ctx.status
            .check_entries(&entries, cred.issuer, cred.id, &mut rec.status);
        if let Some(index) = &mut work.index {
            rec.status_part = Some(index.status(&StatusSource::Entries(entries)));
        }
    }
    Some(cred)
}

/// Status is trusted only once the credential's proof has verified and
/// its issuer matched (`CONTRACT.md`, "Verdict vocabulary"): then what the
/// status entries said joins the record's findings; otherwise it is
/// dropped, messages included.
pub fn admit_status(rec: &mut RecordOutcome) {
    if rec.findings.verdict() > Verdict::IssuerMismatch {
        rec.status.settle_same_key(&rec.signed_by);
        let status = std::mem::take(&mut rec.status.findings);
        rec.findings.extend(status);
    } else {
        rec.status = StatusAnswer::default();
    }
}

/// Judges standalone documents (status list credentials) exactly as records
/// are judged: each one's problems, its own status entries aside.
///
/// With each document's problems come the encodings of the keys its
/// signatures were checked under (a status list signed under the key that
/// also signed a credential is that credential's issuer's list, see
/// [`StatusAnswer::settle_same_key`]).
pub fn judge_documents(ctx: &Context<'_>, docs: &[&[u8]]) -> Vec<(Problems, Vec<[u8; 32]>)> {
    let mut evaluator = Evaluator::default();
    let mut work = ChunkWork::default();
    for (i, doc) in docs.iter().enumerate() {
        evaluator.evaluate(ctx, trim(doc), i as u64, 0, &mut work);
    }
    evaluator.settle(&mut work, DEFAULT_BATCH_SIZE);
    note_keys(&mut work, true);
    work.records
        .iter_mut()
        .map(|r| (r.findings.problems, std::mem::take(&mut r.signed_by)))
        .collect()
}

/// Notes on each record the keys its prepared signatures were checked
/// under: on every record when `all` (status list documents), else only
/// on those with an entry waiting on them (`StatusAnswer::same_key`), so
/// that an ordinary record allocates nothing for it.
fn note_keys(work: &mut ChunkWork, all: bool) {
    for (signer, key) in work.signatures.signed() {
        let rec = &mut work.records[signer.record as usize];
        if !all && rec.status.same_key.is_empty() {
            continue;
        }
        let keys = &mut rec.signed_by;
        if keys.capacity() == 0
            && let Some(spare) = work.spare_keys.pop()
        {
            *keys = spare;
        }
        if !keys.contains(key) {
            keys.push(*key);
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer as _, SigningKey};
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::json::JsonParser;
    use crate::jsonld::{Contexts, Processor};
    use crate::resolve::multikey::encode_multikey;
    use crate::verdict::Warning;

    const AS_OF: &str = "2026-01-01T00:00:00Z";

    /// What a record is judged against in these tests: no documents, no
    /// status lists (so every status entry is `status_list_missing`).
    struct Run {
        resolver: KeyResolver,
        jsonld: Processor,
        status: StatusLists,
    }

    impl Run {
        fn new() -> Run {
            Run {
                resolver: KeyResolver::new(false),
                jsonld: Processor::new(&Contexts::builtin().expect("pinned")).expect("contexts"),
                status: StatusLists::default(),
            }
        }

        /// Each line's outcome, through the evaluator as the pipeline runs
        /// it: evaluate, settle, admit status.
        fn judge(&self, lines: &[String]) -> Vec<RecordOutcome> {
            let ctx = Context {
                resolver: &self.resolver,
                jsonld: &self.jsonld,
                status: &self.status,
                as_of: Timestamp::parse(AS_OF).expect("date"),
                max_record_bytes: 1 << 20,
            };
            let mut evaluator = Evaluator::default();
            let mut work = ChunkWork::default();
            for (i, line) in lines.iter().enumerate() {
                evaluator.evaluate(&ctx, line.as_bytes(), i as u64, 0, &mut work);
            }
            evaluator.settle(&mut work, 64);
            for rec in &mut work.records {
                admit_status(rec);
            }
            work.records
        }
    }

    fn codes(rec: &RecordOutcome) -> Vec<&'static str> {
        rec.findings.problems.iter().map(Problem::as_str).collect()
    }

    /// A VC 2.0 credential by a did:key issuer with one `eddsa-jcs-2022`
    /// proof, signed over `extra` members; `tamper` changes the name after
    /// signing.
    fn signed(extra: &str, tamper: bool) -> String {
        let key = SigningKey::from_bytes(&[7; 32]);
        let multikey = encode_multikey(&key.verifying_key().to_bytes());
        let did = format!("did:key:{multikey}");
        let document = format!(
            r#"{{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:1","type":["VerifiableCredential"],"issuer":"{did}","validFrom":"2024-01-01T00:00:00Z","credentialSubject":{{"name":"Ada"}}{extra}}}"#
        );
        let config = format!(
            r#"{{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","created":"2024-01-01T00:00:00Z","verificationMethod":"{did}#{multikey}","proofPurpose":"assertionMethod"}}"#
        );
        let jcs = |text: &str| {
            JsonParser::default()
                .with_doc(text.as_bytes(), crate::canon::jcs::canonicalize)
                .expect("JSON")
        };
        let mut message = Sha256::digest(jcs(&config)).to_vec();
        message.extend_from_slice(&Sha256::digest(jcs(&document)));
        let value = format!(
            "z{}",
            bs58::encode(key.sign(&message).to_bytes()).into_string()
        );
        let proof = format!(
            r#"{},"proofValue":"{value}"}}"#,
            &config[..config.len() - 1]
        );
        let mut record = format!(r#"{},"proof":{proof}}}"#, &document[..document.len() - 1]);
        if tamper {
            record = record.replace("\"Ada\"", "\"Eve\"");
        }
        record
    }

    const STATUS: &str = r#","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"7","statusListCredential":"https://example.org/lists/1"}"#;

    #[test]
    fn a_valid_signature_admits_what_the_status_entries_said() {
        let run = Run::new();
        let records = run.judge(&[signed("", false), signed(STATUS, false)]);
        assert_eq!(codes(&records[0]), Vec::<&str>::new());
        assert_eq!(records[0].format, Some(Format::EddsaJcs2022));
        assert_eq!(codes(&records[1]), ["status_list_missing"]);
        assert_eq!(
            records[1].findings.evidence.get(Problem::StatusListMissing),
            Some(&Evidence::Status {
                list: "https://example.org/lists/1".into(),
                index: None
            })
        );
    }

    #[test]
    fn status_is_dropped_when_the_proof_fails() {
        let run = Run::new();
        let records = run.judge(&[signed(STATUS, true)]);
        assert_eq!(codes(&records[0]), ["invalid_signature"]);
        assert!(records[0].status.findings.problems.is_empty());
        let Some(Evidence::Method { method }) =
            records[0].findings.evidence.get(Problem::InvalidSignature)
        else {
            panic!("no method evidence: {:?}", records[0].findings.evidence)
        };
        assert!(method.starts_with("did:key:z6Mk"), "{method}");
    }

    #[test]
    fn status_joins_other_problems_below_issuer_mismatch() {
        // Expired still lets status count: a revoked credential that also
        // expired is both.
        let run = Run::new();
        let extra = format!(r#","validUntil":"2025-01-01T00:00:00Z"{STATUS}"#);
        let records = run.judge(&[signed(&extra, false)]);
        assert_eq!(codes(&records[0]), ["expired", "status_list_missing"]);
    }

    #[test]
    fn admit_status_is_the_rule_for_each_verdict() {
        for verdict_problem in [
            None,
            Some(Problem::Expired),
            Some(Problem::NotYetValid),
            Some(Problem::IssuerMismatch),
            Some(Problem::InvalidSignature),
            Some(Problem::UnknownKey),
            Some(Problem::BadMember),
        ] {
            let mut rec = RecordOutcome::default();
            if let Some(p) = verdict_problem {
                rec.findings.problem(p);
            }
            rec.status.findings.problem_with(
                Problem::Revoked,
                Evidence::Status {
                    list: "https://example.org/l".into(),
                    index: Some(3),
                },
            );
            rec.status.findings.warn(Warning::StatusListShort);
            rec.status.messages.push("0x1".into());
            let trusted = rec.findings.verdict() > Verdict::IssuerMismatch;
            admit_status(&mut rec);
            assert_eq!(
                rec.findings.problems.contains(Problem::Revoked),
                trusted,
                "{verdict_problem:?}"
            );
            assert_eq!(
                rec.findings.evidence.get(Problem::Revoked).is_some(),
                trusted
            );
            assert_eq!(
                rec.findings.warnings.contains(Warning::StatusListShort),
                trusted
            );
            assert_eq!(
                rec.status.messages.is_empty(),
                !trusted,
                "{verdict_problem:?}"
            );
        }
    }

    #[test]
    fn each_proof_reaches_its_suite() {
        let run = Run::new();
        let did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        // 64 zero bytes: a proofValue that decodes, so that each suite's
        // own requirement and then the key are reached (the method's
        // fragment is not the did:key's, so the key is unknown).
        let zeros = "1".repeat(64);
        let record = |proof_type: &str, suite: &str, context: &str| {
            format!(
                r#"{{"@context":["https://www.w3.org/ns/credentials/v2"{context}],"type":["VerifiableCredential"],"issuer":"{did}","credentialSubject":{{"id":"did:example:s"}},"proof":{{"type":"{proof_type}"{suite},"verificationMethod":"{did}#x","proofPurpose":"assertionMethod","proofValue":"z{zeros}"}}}}"#
            )
        };

        let ed2020 = r#","https://w3id.org/security/suites/ed25519-2020/v1""#;
        let records = run.judge(&[
            record(
                "DataIntegrityProof",
                r#","cryptosuite":"eddsa-jcs-2022""#,
                "",
            ),
            record(
                "DataIntegrityProof",
                r#","cryptosuite":"eddsa-rdfc-2022""#,
                "",
            ),
            record("DataIntegrityProof", r#","cryptosuite":"eddsa-2022""#, ""),
            record("Ed25519Signature2020", "", ed2020),
            record("Ed25519Signature2020", "", ""),
            record(
                "DataIntegrityProof",
                r#","cryptosuite":"ecdsa-rdfc-2019""#,
                "",
            ),
            record("DataIntegrityProof", r#","cryptosuite":"bbs-2023""#, ""),
        ]);
        let got: Vec<(Option<&str>, Vec<&str>)> = records
            .iter()
            .map(|r| (r.format.map(Format::as_str), codes(r)))
            .collect();
        assert_eq!(
            got,
            [
                (Some("eddsa-jcs-2022"), vec!["unknown_key"]),
                (Some("eddsa-rdfc-2022"), vec!["unknown_key"]),
                (Some("eddsa-rdfc-2022"), vec!["unknown_key"]),
                (Some("Ed25519Signature2020"), vec!["unknown_key"]),
                (Some("Ed25519Signature2020"), vec!["suite_context"]),
                (Some("ecdsa-rdfc-2019"), vec!["unknown_key"]),
                (None, vec!["unsupported_proof"]),
            ]
        );
        assert!(
            records[2]
                .findings
                .warnings
                .contains(Warning::DraftCryptosuiteName)
        );
    }
}
