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
use crate::credential::jws;
use crate::credential::jwt::JwtClaims;
use crate::credential::{self, ClaimFallback, Credential};
use crate::json::{JsonParser, Value};
use crate::jsonld::context::ActiveContext;
use crate::resolve::{KeyResolver, LocalKeys};
use crate::source::{Chunk, RawRecord, trim};
use crate::status::check::{StatusAnswer, StatusLists};
use crate::suite::{self, Canonicalizers, ProofCheck, Signer};
use crate::time::Timestamp;
use crate::verdict::{Evidence, Findings, Format, Problem, Problems, Verdict, VerdictRecord};
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
}

impl RecordOutcome {
    /// The record as a sink sees it; `text` is its chunk's
    /// [`ChunkWork::text`].
    pub fn view<'a>(&'a self, text: &'a str) -> VerdictRecord<'a> {
        let range = |r: TextRange| &text[r.0 as usize..(r.0 + r.1) as usize];
        let signature_failed = self.findings.problems.contains(Problem::InvalidSignature);
        VerdictRecord {
            id: self.id.map(range),
            issuer: self.issuer.map(range),
            format: self.format,
            problems: self.findings.problems,
            warnings: self.findings.warnings,
            evidence: &self.findings.evidence,
            status_messages: &self.status.messages,
            contexts: match &self.contexts {
                Some(active) if signature_failed => &active.sources,
                _ => &[],
            },
        }
    }
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
        let span =
            chunk.for_each_record(ctx.max_record_bytes, |record: RawRecord<'_>| {
                match record.bytes {
                    Some(bytes) => self.evaluate(ctx, bytes, record.line, record.offset, work),
                    None => self.too_large(record.line, record.offset, work),
                }
            });
        self.settle(work, batch_limit);
        for rec in &mut work.records {
            admit_status(rec);
        }
        span
    }

    /// Records a line or element longer than the record size limit.
    pub fn too_large(&mut self, line: u64, offset: u64, work: &mut ChunkWork) {
        let mut rec = RecordOutcome {
            line,
            offset,
            ..RecordOutcome::default()
        };
        rec.findings.problem(Problem::RecordTooLarge);
        work.records.push(rec);
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
            doc, canon, keys, ..
        } = self;
        // A duplicate name found once the record was read (see
        // `jcs::with_record`) voids everything recorded for it.
        let text_mark = work.text.len();
        let queue_mark = work.signatures.mark();
        let parsed = jcs::with_record(doc, canon, bytes, |root, jcs| {
            let Some(cred) = credential_steps(ctx, root, ClaimFallback::default(), None, rec, work)
            else {
                return;
            };
            let mut tools = Canonicalizers {
                jcs,
                jsonld: ctx.jsonld,
                contexts: &mut rec.contexts,
            };
            let mut check = ProofCheck {
                as_of: ctx.as_of,
                resolver: ctx.resolver,
                keys,
                record: index,
                findings: &mut rec.findings,
                format: &mut rec.format,
                signatures: &mut work.signatures,
            };
            suite::data_integrity::check_proofs(&cred, &mut tools, &mut check);
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

    /// A VC-JOSE / VC-JWT token.
    fn evaluate_jws(
        &mut self,
        ctx: &Context<'_>,
        text: &str,
        index: u32,
        rec: &mut RecordOutcome,
        work: &mut ChunkWork,
    ) {
        rec.format = Some(Format::VcJwt);
        let token = match suite::vc_jwt::open(text, &mut self.header, &mut self.decoded) {
            Ok(token) => token,
            Err(p) => return rec.findings.problem(p),
        };
        let Evaluator { doc, keys, .. } = self;
        let decode = |buf: &mut Vec<u8>| token.decode_payload(buf);
        let parsed = doc.with_filled(decode, |payload| {
            let (root, claims) = match suite::vc_jwt::credential_of(payload) {
                Ok(found) => found,
                Err(p) => return rec.findings.problem(p),
            };
            let Some(cred) =
                credential_steps(ctx, root, claims.fallback(), Some(&claims), rec, work)
            else {
                return;
            };
            let mut check = ProofCheck {
                as_of: ctx.as_of,
                resolver: ctx.resolver,
                keys,
                record: index,
                findings: &mut rec.findings,
                format: &mut rec.format,
                signatures: &mut work.signatures,
            };
            token.check(&cred, &claims, &mut check);
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

/// Marks `signer`'s record with `problem`, naming its method.
fn failed(records: &mut [RecordOutcome], signer: &Signer, problem: Problem) {
    records[signer.record as usize].findings.problem_with(
        problem,
        Evidence::Method {
            method: signer.method.method.clone(),
        },
    );
}

/// The steps every credential goes through, whatever secures it: its
/// members read (with what a JWT's claims supply), its id and issuer kept
/// for the verdict, its validity window judged at `--as-of` (with a JWT's
/// `nbf` and `exp`), its status entries answered and kept aside. Returns
/// the credential when its proof is to be checked.
fn credential_steps<'a>(
    ctx: &Context<'_>,
    root: Value<'a>,
    fallback: ClaimFallback<'a>,
    claims: Option<&JwtClaims<'_>>,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) -> Option<Credential<'a>> {
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
    if let Some(status) = cred.status {
        ctx.status
            .check(status, cred.issuer, cred.id, &mut rec.status);
    }
    Some(cred)
}

/// Status is trusted only once the credential's proof has verified and
/// its issuer matched (`CONTRACT.md`, "Verdict vocabulary"): then what the
/// status entries said joins the record's findings; otherwise it is
/// dropped, messages included.
pub fn admit_status(rec: &mut RecordOutcome) {
    if rec.findings.verdict() > Verdict::IssuerMismatch {
        let status = std::mem::take(&mut rec.status.findings);
        rec.findings.extend(status);
    } else {
        rec.status = StatusAnswer::default();
    }
}

/// Judges standalone documents (status list credentials) exactly as records
/// are judged: each one's problems, its own status entries aside.
pub fn judge_documents(ctx: &Context<'_>, docs: &[&[u8]]) -> Vec<Problems> {
    let mut evaluator = Evaluator::default();
    let mut work = ChunkWork::default();
    for (i, doc) in docs.iter().enumerate() {
        evaluator.evaluate(ctx, trim(doc), i as u64, 0, &mut work);
    }
    evaluator.settle(&mut work, DEFAULT_BATCH_SIZE);
    work.records.iter().map(|r| r.findings.problems).collect()
}
