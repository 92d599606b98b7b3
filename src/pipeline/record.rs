//! One record through parse → resolve → prepare: everything but the
//! signature equation, which runs per batch once a chunk is read.
//!
//! A [`Worker`] owns every buffer a record needs, so the steady state
//! allocates nothing per record. Its results go into a [`ChunkWork`]: one
//! [`RecordOutcome`] per record and the prepared signatures, each tagged
//! with the record that owns it.

use std::sync::Arc;

use crate::canon::jcs::{Canonicalizer, Patch, Writer};
use crate::canon::rdfc::{HashAlgorithm, Limits, canonical_nquads};
use crate::credential::jws::{self, CompactJws};
use crate::credential::{self, ClaimFallback, Credential};
use crate::hash::sha256::{Midstates, sha256_many_resuming};
use crate::json::{JsonParser, Value, number};
use crate::resolve::{KeyResolver, LocalKeys, ResolvedKey};
use crate::status::check::{StatusAnswer, StatusLists};
use crate::time::Timestamp;
use crate::verdict::{Format, Problem, Problems, Warning, Warnings};
use crate::verify::batch::Signature;
use crate::verify::{Rejection, prepare_framed};

/// What every record is judged against.
pub struct Context<'r> {
    pub resolver: &'r KeyResolver,
    /// JSON-LD to RDF, for `eddsa-rdfc-2022` and `Ed25519Signature2020`.
    pub jsonld: &'r crate::jsonld::Processor,
    pub status: &'r StatusLists,
    pub as_of: Timestamp,
    /// Records longer than this are `malformed` (`record_too_large`).
    pub max_record_bytes: usize,
}

/// The outcome of one record before its signatures are checked.
#[derive(Clone, Debug, Default)]
pub struct RecordOutcome {
    /// Line (or element) number relative to the chunk's first, 0-based.
    pub line: u64,
    /// Byte offset of the record in its (decompressed) input.
    pub offset: u64,
    /// Byte range of the `id` in [`ChunkWork::text`].
    pub id: Option<(u32, u32)>,
    /// Byte range of the issuer id in [`ChunkWork::text`].
    pub issuer: Option<(u32, u32)>,
    pub format: Option<Format>,
    pub problems: Problems,
    pub warnings: Warnings,
    /// What its status entries said; added to `problems` and `warnings`
    /// only once its proof has verified.
    pub status: StatusAnswer,
    /// The JSON-LD context its RDF was made with (JSON-LD proofs only),
    /// reported with its sources' digests when the signature fails.
    pub contexts: Option<std::sync::Arc<crate::jsonld::context::ActiveContext>>,
}

/// A chunk's records and the signatures they wait on.
///
/// Hashing is deferred: each record appends the canonical bytes its
/// signatures cover to `signed`, and [`ChunkWork::prepare_signatures`]
/// hashes them all at once, several messages per SIMD pass.
#[derive(Default)]
pub struct ChunkWork {
    pub text: String,
    /// Canonical proof configurations and documents, JWS signing inputs.
    pub signed: Vec<u8>,
    pending: Vec<Pending>,
    pub records: Vec<RecordOutcome>,
    pub signatures: Vec<Signature>,
    /// For each signature, the index of its record in `records`.
    pub owners: Vec<u32>,
    /// When set, every signature's (message, signature, key) is copied here
    /// too, up to the vector's capacity (the throughput command's raw rate).
    pub capture: Option<Vec<Triple>>,
    /// The hash states after the start that canonical forms share.
    midstates: Midstates,
}

/// A signature waiting for its message to be hashed.
struct Pending {
    owner: u32,
    signature: [u8; 64],
    key: Arc<crate::verify::VerifyingKey>,
    message: Message,
}

/// What a signature covers, as ranges of [`ChunkWork::signed`].
enum Message {
    /// eddsa-jcs-2022: SHA-256(proof configuration) ‖ SHA-256(document).
    HashedPair {
        proof: (usize, usize),
        doc: (usize, usize),
    },
    /// A JWS signing input, signed as is, stored framed as the challenge's
    /// input: `R ‖ A ‖ header.payload`.
    Framed((usize, usize)),
}

impl ChunkWork {
    /// Hashes every deferred message and prepares its signature for the
    /// batch; a signature refused by the acceptance rule's encoding checks
    /// marks its record at once.
    pub fn prepare_signatures(&mut self) {
        let mut slices: Vec<&[u8]> = Vec::with_capacity(self.pending.len() * 2);
        let slice = |r: (usize, usize)| &self.signed[r.0..r.1];
        for p in &self.pending {
            if let Message::HashedPair { proof, doc } = p.message {
                slices.push(slice(proof));
                slices.push(slice(doc));
            }
        }
        let mut digests = vec![[0u8; 32]; slices.len()];
        sha256_many_resuming(&slices, &mut digests, &mut self.midstates);
        let mut next = digests.chunks_exact(2);
        let mut pending = std::mem::take(&mut self.pending);
        // Hashed pairs are framed here as R ‖ A ‖ digests; JWS signing
        // inputs were framed when deferred.
        let pairs: Vec<[u8; 128]> = pending
            .iter()
            .map(|p| {
                let mut framed = [0u8; 128];
                // Only hashed pairs own digests: a JWS must not consume one.
                if let Message::HashedPair { .. } = p.message
                    && let Some([proof, doc]) = next.next()
                {
                    framed[..32].copy_from_slice(&p.signature[..32]);
                    framed[32..64].copy_from_slice(&p.key.bytes);
                    framed[64..96].copy_from_slice(proof);
                    framed[96..].copy_from_slice(doc);
                }
                framed
            })
            .collect();
        let items: Vec<(&[u8; 64], &[u8])> = pending
            .iter()
            .zip(&pairs)
            .map(|(p, pair)| {
                let framed: &[u8] = match p.message {
                    Message::HashedPair { .. } => pair,
                    Message::Framed(r) => &self.signed[r.0..r.1],
                };
                (&p.signature, framed)
            })
            .collect();
        if let Some(capture) = &mut self.capture {
            let room = capture.capacity() - capture.len();
            capture.extend(
                items
                    .iter()
                    .zip(&pending)
                    .take(room)
                    .map(|((sig, framed), p)| (framed[64..].to_vec(), **sig, p.key.clone())),
            );
        }
        let prepared = prepare_framed(&items);
        for (p, outcome) in pending.drain(..).zip(prepared) {
            match outcome {
                Ok(prepared) => {
                    self.signatures.push(Signature {
                        prepared,
                        key: p.key,
                    });
                    self.owners.push(p.owner);
                }
                Err(
                    Rejection::SNotCanonical
                    | Rejection::RNotCanonical
                    | Rejection::RNotOnCurve
                    | Rejection::RSmallOrder,
                ) => {
                    self.records[p.owner as usize]
                        .problems
                        .insert(Problem::InvalidSignature);
                }
                Err(_) => self.records[p.owner as usize]
                    .problems
                    .insert(Problem::WeakKey),
            }
        }
        // Emptied, its capacity kept for the next chunk.
        self.pending = pending;
    }
}

/// A signature with what it covers, for measuring the verifier alone.
pub type Triple = (Vec<u8>, [u8; 64], Arc<crate::verify::VerifyingKey>);

impl ChunkWork {
    pub fn clear(&mut self) {
        self.text.clear();
        self.signed.clear();
        self.pending.clear();
        self.records.clear();
        self.signatures.clear();
        self.owners.clear();
    }

    fn keep(&mut self, s: &str) -> (u32, u32) {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        (start, s.len() as u32)
    }

    pub fn str(&self, range: (u32, u32)) -> &str {
        &self.text[range.0 as usize..(range.0 + range.1) as usize]
    }
}

/// Chooses batch sizes from the invalid signatures seen so far.
///
/// A batch of `n` costs about `α + β·n` (`α` the shared doubling chain,
/// `β` a point; `benches/verify.rs`: batches of 16 and 64 from 5 issuers
/// take 171 µs and 485 µs, so `β ≈ 6.5 µs`, `α ≈ 67 µs`), and a batch that
/// holds an invalid signature costs about one batch more to find it. With
/// a share `p` of invalid signatures the cost per signature,
/// `α/n + β + p·(α + β·n)`, is least at `n = √(α / (β·p))`: 60 at
/// `p` = 0.3%, the whole limit on an all-valid export. `p` is estimated over
/// the worker's recent signatures. Verdicts never depend on the sizes.
#[derive(Clone, Debug)]
pub struct BatchTuner {
    seen: f64,
    bad: f64,
}

impl Default for BatchTuner {
    /// Starts from a prior of one invalid signature per thousand: a first
    /// batch of 1,024 holding several invalid ones would be bisected at
    /// great cost, while an all-valid export forgets the prior within a
    /// few tens of thousands of signatures and reaches the full size.
    fn default() -> Self {
        BatchTuner {
            seen: 1000.0,
            bad: 1.0,
        }
    }
}

/// `α / β` of the cost model above.
const DOUBLING_CHAIN_IN_POINTS: f64 = 10.0;

/// Smallest adaptive batch: below this the shared doubling chain dominates.
const MIN_ADAPTIVE_BATCH: usize = 16;

/// Signatures the estimate of `p` remembers, roughly: old counts are
/// halved past this, so the size follows a change in the export.
const TUNER_WINDOW: f64 = 20_000.0;

impl BatchTuner {
    /// The size of the next batch, at most `limit`.
    pub fn size(&self, limit: usize) -> usize {
        if self.bad < 0.5 {
            return limit.max(1);
        }
        let p = self.bad / self.seen.max(1.0);
        let best = (DOUBLING_CHAIN_IN_POINTS / p).sqrt() as usize;
        best.clamp(MIN_ADAPTIVE_BATCH, limit.max(MIN_ADAPTIVE_BATCH))
            .min(limit)
            .max(1)
    }

    /// Records a checked batch of `signatures` of which `invalid` failed.
    pub fn record(&mut self, signatures: usize, invalid: usize) {
        self.seen += signatures as f64;
        self.bad += invalid as f64;
        if self.seen > TUNER_WINDOW {
            self.seen /= 2.0;
            self.bad /= 2.0;
        }
    }
}

/// A worker's reusable buffers.
#[derive(Default)]
pub struct Worker {
    pub batch: BatchTuner,
    doc: JsonParser,
    header: JsonParser,
    canon: Canonicalizer,
    keys: LocalKeys,
    decoded: Vec<u8>,
    token: String,
}

/// Strips the JSON Lines framing: spaces, tabs and a CR before the newline.
pub fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

impl Worker {
    /// Records a line or element longer than the record size limit.
    pub fn too_large(&mut self, line: u64, offset: u64, work: &mut ChunkWork) {
        let mut rec = RecordOutcome {
            line,
            offset,
            ..RecordOutcome::default()
        };
        rec.problems.insert(Problem::RecordTooLarge);
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
            rec.problems.insert(Problem::RecordTooLarge);
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
                Ok(false) => rec.problems.insert(Problem::NotACredential),
                Err(p) => rec.problems.insert(p),
            }
        } else if jws::looks_like_jws(bytes) {
            match std::str::from_utf8(bytes) {
                Ok(token) => self.evaluate_jws(ctx, token, index, &mut rec, work),
                Err(_) => rec.problems.insert(Problem::InvalidUtf8),
            }
        } else {
            // JSON that is not an object, or not JSON at all.
            match self.doc.with_doc(bytes, |_| ()) {
                Ok(()) => rec.problems.insert(Problem::NotACredential),
                Err(p) => rec.problems.insert(p),
            }
        }
        work.records.push(rec);
    }

    fn evaluate_json(
        &mut self,
        ctx: &Context<'_>,
        bytes: &[u8],
        index: u32,
        rec: &mut RecordOutcome,
        work: &mut ChunkWork,
    ) {
        let Worker {
            doc, canon, keys, ..
        } = self;
        // A duplicate name found once the record was read (see
        // `JsonParser::with_record`) voids everything recorded for it.
        let undo = (work.text.len(), work.signed.len(), work.pending.len());
        let parsed = crate::canon::jcs::with_record(doc, canon, bytes, |root, jcs| {
            // A credential that reads gives the same id and issuer as
            // `id_of` and `issuer_of`, without looking them up again.
            let cred = match Credential::read(root, ClaimFallback::default()) {
                Ok(c) => c,
                Err(p) => {
                    rec.id = credential::id_of(root).map(|s| work.keep(s));
                    rec.issuer = credential::issuer_of(root).map(|s| work.keep(s));
                    return rec.problems.insert(p);
                }
            };
            rec.id = cred.id.map(|s| work.keep(s));
            rec.issuer = Some(work.keep(cred.issuer));
            judge_validity(ctx, &cred, &[], rec);
            if let Some(status) = cred.status {
                ctx.status
                    .check(status, cred.issuer, cred.id, &mut rec.status);
            }
            let mut bufs = ProofBuffers { jcs, keys };
            check_data_integrity(ctx, &cred, &mut bufs, index, rec, work);
        });
        if let Err(p) = parsed {
            *rec = RecordOutcome {
                line: rec.line,
                offset: rec.offset,
                ..RecordOutcome::default()
            };
            work.text.truncate(undo.0);
            work.signed.truncate(undo.1);
            work.pending.truncate(undo.2);
            rec.problems.insert(p);
        }
    }

    fn evaluate_jws(
        &mut self,
        ctx: &Context<'_>,
        token: &str,
        index: u32,
        rec: &mut RecordOutcome,
        work: &mut ChunkWork,
    ) {
        rec.format = Some(Format::VcJwt);
        let Some(jws) = CompactJws::split(token) else {
            return rec.problems.insert(Problem::BadJws);
        };
        // The protected header: alg and kid.
        if !jws::decode_b64url(jws.header, &mut self.decoded) {
            return rec.problems.insert(Problem::BadJws);
        }
        let mut kid = String::new();
        let header = self.header.with_doc(&self.decoded, |h| {
            if !h.is_object() {
                return Err(Problem::BadJws);
            }
            // RFC 7515 §4.1.11: extensions we do not understand (b64 among
            // them, which changes the signing input) make the JWS unusable.
            if h.get("crit").is_some() {
                return Err(Problem::ProofMalformed);
            }
            match h.get("alg").and_then(Value::as_str) {
                Some("EdDSA" | "Ed25519") => {}
                Some(_) => return Err(Problem::UnsupportedProof),
                None => return Err(Problem::BadJws),
            }
            match h.get("kid") {
                None => {}
                Some(k) => kid.push_str(k.as_str().ok_or(Problem::ProofMalformed)?),
            }
            Ok(())
        });
        match header {
            Ok(Ok(())) => {}
            Ok(Err(p)) => return rec.problems.insert(p),
            Err(_) => return rec.problems.insert(Problem::BadJws),
        }
        let mut signature = [0u8; 64];
        let mut sig_buf = Vec::new();
        let sig_ok = jws::decode_b64url(jws.signature, &mut sig_buf) && sig_buf.len() == 64;
        if sig_ok {
            signature.copy_from_slice(&sig_buf);
        }
        let message = jws.signing_input(token);
        let decode = |buf: &mut Vec<u8>| jws::decode_b64url(jws.payload, buf);
        let parsed = self.doc.with_filled(decode, |payload| {
            if !payload.is_object() {
                return rec.problems.insert(Problem::NotACredential);
            }
            let claims = JwtClaims::read(payload);
            let root = match payload.get("vc") {
                Some(vc) if vc.is_object() => vc,
                Some(_) => return rec.problems.insert(Problem::BadMember),
                None => payload,
            };
            let fallback = ClaimFallback {
                id: claims.jti,
                issuer: claims.iss,
                valid_from: claims.nbf,
            };
            rec.id = credential::id_of(root).or(claims.jti).map(|s| work.keep(s));
            rec.issuer = credential::issuer_of(root)
                .or(claims.iss)
                .map(|s| work.keep(s));
            let cred = match Credential::read(root, fallback) {
                Ok(c) => c,
                Err(p) => return rec.problems.insert(p),
            };
            if claims.malformed || !claims.agree_with(&cred) {
                rec.problems.insert(Problem::JwtClaims);
            }
            judge_validity(ctx, &cred, &[claims.nbf, claims.exp], rec);
            if let Some(status) = cred.status {
                ctx.status
                    .check(status, cred.issuer, cred.id, &mut rec.status);
            }
            if !sig_ok {
                return rec.problems.insert(Problem::ProofValue);
            }
            let method = if kid.is_empty() {
                KeyResolver::sole_method(cred.issuer)
            } else if kid.starts_with('#') {
                Some(format!("{}{kid}", cred.issuer))
            } else {
                Some(kid.clone())
            };
            let Some(method) = method else {
                return rec.problems.insert(Problem::UnknownKey);
            };
            if let Some(key) = key_for(ctx, &mut self.keys, &method, cred.issuer, rec) {
                let start = work.signed.len();
                work.signed.extend_from_slice(&signature[..32]);
                work.signed.extend_from_slice(&key.bytes);
                work.signed.extend_from_slice(message);
                defer(
                    work,
                    index,
                    &signature,
                    key,
                    Message::Framed((start, work.signed.len())),
                );
            }
        });
        match parsed {
            None => rec.problems.insert(Problem::BadJws),
            Some(Err(p)) => rec.problems.insert(p),
            Some(Ok(())) => {}
        }
    }
}

/// Registered JWT claims (RFC 7519 §4.1) that VC-JWT ties to the credential.
struct JwtClaims<'a> {
    iss: Option<&'a str>,
    jti: Option<&'a str>,
    sub: Option<&'a str>,
    nbf: Option<Timestamp>,
    exp: Option<Timestamp>,
    /// A claim is present but of the wrong type.
    malformed: bool,
}

impl<'a> JwtClaims<'a> {
    fn read(payload: Value<'a>) -> JwtClaims<'a> {
        let mut malformed = false;
        let mut text = |name| match payload.get(name) {
            None => None,
            Some(v) => {
                malformed |= v.as_str().is_none();
                v.as_str()
            }
        };
        let (iss, jti, sub) = (text("iss"), text("jti"), text("sub"));
        let mut time = |name| match payload.get(name) {
            None => None,
            Some(v) => match v.node() {
                simd_json::Node::Static(s) => {
                    let time = number(s).map(|n| Timestamp::from_unix(n.floor() as i64));
                    malformed |= time.is_none();
                    time
                }
                _ => {
                    malformed = true;
                    None
                }
            },
        };
        let (nbf, exp) = (time("nbf"), time("exp"));
        JwtClaims {
            iss,
            jti,
            sub,
            nbf,
            exp,
            malformed,
        }
    }

    /// Open Badges 3.0 §8.2.4 / VC-JWT: where a claim and the credential
    /// both state a fact, they must state the same one. Times compare to
    /// the second, the resolution of a NumericDate.
    fn agree_with(&self, cred: &Credential<'_>) -> bool {
        let same_time = |claim: Option<Timestamp>, member: Option<Timestamp>| match (claim, member)
        {
            (Some(c), Some(m)) => c.secs == m.secs,
            _ => true,
        };
        let mut subjects = cred.subject.one_or_many();
        let subject_id = match (subjects.next(), subjects.next()) {
            (Some(one), None) => one.get("id").and_then(Value::as_str),
            _ => None,
        };
        self.iss.is_none_or(|i| i == cred.issuer)
            && self.jti.is_none_or(|j| cred.id.is_none_or(|id| id == j))
            && self.sub.is_none_or(|s| subject_id.is_none_or(|id| id == s))
            && same_time(self.nbf, cred.valid_from)
            && same_time(self.exp, cred.valid_until)
    }
}

/// `validUntil`/`expirationDate` (and a JWT's `exp`) before `as_of` is
/// `expired`; `validFrom`/`issuanceDate` (and `nbf`) after it is
/// `not_yet_valid`. `extra` holds a JWT's `nbf` and `exp`.
fn judge_validity(
    ctx: &Context<'_>,
    cred: &Credential<'_>,
    extra: &[Option<Timestamp>],
    rec: &mut RecordOutcome,
) {
    let (nbf, exp) = match extra {
        [nbf, exp] => (*nbf, *exp),
        _ => (None, None),
    };
    if [cred.valid_until, exp]
        .into_iter()
        .flatten()
        .any(|t| t < ctx.as_of)
    {
        rec.problems.insert(Problem::Expired);
    }
    if [cred.valid_from, nbf]
        .into_iter()
        .flatten()
        .any(|t| t > ctx.as_of)
    {
        rec.problems.insert(Problem::NotYetValid);
    }
}

struct ProofBuffers<'w, 'c, 's> {
    jcs: &'w mut Writer<'c, 's>,
    keys: &'w mut LocalKeys,
}

/// The kinds of embedded proof this engine verifies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Suite {
    EddsaJcs2022,
    /// `draft`: named `eddsa-2022`, as early Open Badges 3.0 issuers did.
    EddsaRdfc2022 {
        draft: bool,
    },
    Ed25519Signature2020,
}

impl Suite {
    fn format(self) -> Format {
        match self {
            Suite::EddsaJcs2022 => Format::EddsaJcs2022,
            Suite::EddsaRdfc2022 { .. } => Format::EddsaRdfc2022,
            Suite::Ed25519Signature2020 => Format::Ed25519Signature2020,
        }
    }
}

/// The members of a proof that verification reads, found in one pass.
#[derive(Clone, Copy, Default)]
struct ProofMembers<'a> {
    kind: Option<Value<'a>>,
    cryptosuite: Option<Value<'a>>,
    purpose: Option<Value<'a>>,
    method: Option<Value<'a>>,
    created: Option<Value<'a>>,
    expires: Option<Value<'a>>,
    value: Option<Value<'a>>,
    context: Option<Value<'a>>,
    previous: Option<Value<'a>>,
}

impl<'a> ProofMembers<'a> {
    fn read(proof: Value<'a>) -> ProofMembers<'a> {
        let mut m = ProofMembers::default();
        for (name, value) in proof.members() {
            let slot = match name {
                "type" => &mut m.kind,
                "cryptosuite" => &mut m.cryptosuite,
                "proofPurpose" => &mut m.purpose,
                "verificationMethod" => &mut m.method,
                "created" => &mut m.created,
                "expires" => &mut m.expires,
                "proofValue" => &mut m.value,
                "@context" => &mut m.context,
                "previousProof" => &mut m.previous,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        m
    }

    fn suite(&self) -> Option<Suite> {
        let ty = self.kind.and_then(Value::as_str)?;
        let suite = self.cryptosuite.and_then(Value::as_str);
        match (ty, suite) {
            ("DataIntegrityProof", Some("eddsa-jcs-2022")) => Some(Suite::EddsaJcs2022),
            ("DataIntegrityProof", Some("eddsa-rdfc-2022")) => {
                Some(Suite::EddsaRdfc2022 { draft: false })
            }
            ("DataIntegrityProof", Some("eddsa-2022")) => {
                Some(Suite::EddsaRdfc2022 { draft: true })
            }
            ("Ed25519Signature2020", _) => Some(Suite::Ed25519Signature2020),
            _ => None,
        }
    }
}

/// Verifiable Credential Data Integrity §4.4–4.6: every proof of a
/// supported kind must verify; proofs of other kinds are skipped with a
/// warning; none supported is `unsupported`.
fn check_data_integrity(
    ctx: &Context<'_>,
    cred: &Credential<'_>,
    bufs: &mut ProofBuffers<'_, '_, '_>,
    index: u32,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) {
    let Some(proof) = cred.proof else {
        return rec.problems.insert(Problem::NoProof);
    };
    if proof.one_or_many().next().is_none() {
        return rec.problems.insert(Problem::NoProof);
    }
    if proof.one_or_many().any(|p| !p.is_object()) {
        return rec.problems.insert(Problem::ProofMalformed);
    }
    let mut supported = 0;
    for p in proof.one_or_many() {
        let members = ProofMembers::read(p);
        match members.suite() {
            Some(suite) => {
                supported += 1;
                rec.format.get_or_insert(suite.format());
                if suite == (Suite::EddsaRdfc2022 { draft: true }) {
                    rec.warnings.insert(Warning::DraftCryptosuiteName);
                }
                check_proof(ctx, cred, p, &members, proof, suite, bufs, index, rec, work);
            }
            None => rec.warnings.insert(Warning::UnsupportedProofSkipped),
        }
    }
    if supported == 0 {
        rec.problems.insert(Problem::UnsupportedProof);
    }
}

/// Resolves a verification method for a credential by `issuer`, recording
/// every problem; returns the key when a signature can be checked with it.
fn key_for(
    ctx: &Context<'_>,
    keys: &mut LocalKeys,
    method: &str,
    issuer: &str,
    rec: &mut RecordOutcome,
) -> Option<Arc<crate::verify::VerifyingKey>> {
    let resolved: Arc<ResolvedKey> = match keys.resolve(ctx.resolver, method) {
        Ok(r) => r,
        Err(p) => {
            rec.problems.insert(p);
            return None;
        }
    };
    if resolved.from_fragment {
        // --trust-fragment-keys covers only the issuer's own URL.
        if *resolved.controller != *issuer {
            rec.problems.insert(Problem::UnknownKey);
            return None;
        }
        rec.warnings.insert(Warning::KeyFromFragment);
    }
    if !resolved.assertion {
        rec.problems.insert(Problem::NotAuthorized);
    }
    if *resolved.controller != *issuer {
        rec.problems.insert(Problem::IssuerMismatch);
    }
    match &resolved.key {
        Ok(key) => Some(key.clone()),
        Err(_) => {
            rec.problems.insert(Problem::WeakKey);
            None
        }
    }
}

/// Defers a signature until its chunk's messages are hashed.
fn defer(
    work: &mut ChunkWork,
    owner: u32,
    signature: &[u8; 64],
    key: Arc<crate::verify::VerifyingKey>,
    message: Message,
) {
    work.pending.push(Pending {
        owner,
        signature: *signature,
        key,
        message,
    });
}

/// Decodes a `proofValue`: multibase base58btc of exactly 64 bytes.
fn proof_value(value: Option<Value<'_>>) -> Option<[u8; 64]> {
    crate::encoding::multibase::decode_base58btc::<64>(value?.as_str()?).ok()
}

/// The context an `Ed25519Signature2020` document must name (the suite's
/// context requirement, as jsonld-signatures enforces it).
const ED25519_2020_CONTEXT: &str = "https://w3id.org/security/suites/ed25519-2020/v1";

/// vc-di-eddsa §3.3.2 / §3.2.2 (Verify Proof, eddsa-jcs-2022 and
/// eddsa-rdfc-2022) with their Proof Configuration steps, the legacy
/// `Ed25519Signature2020` suite, and Data Integrity §4.5 for
/// `previousProof`.
#[allow(clippy::too_many_arguments)]
fn check_proof(
    ctx: &Context<'_>,
    cred: &Credential<'_>,
    proof: Value<'_>,
    members: &ProofMembers<'_>,
    all: Value<'_>,
    suite: Suite,
    bufs: &mut ProofBuffers<'_, '_, '_>,
    index: u32,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) {
    if members.purpose.and_then(Value::as_str) != Some("assertionMethod") {
        rec.problems.insert(Problem::ProofPurpose);
    }
    let method = match members.method {
        Some(m) => m.as_str().or_else(|| m.get("id").and_then(Value::as_str)),
        None => None,
    };
    for (name, member) in [("created", members.created), ("expires", members.expires)] {
        if let Some(v) = member {
            match v.as_str().map(Timestamp::parse) {
                Some(Ok(t)) if name == "expires" && t < ctx.as_of => {
                    rec.problems.insert(Problem::ProofExpired)
                }
                Some(Ok(_)) => {}
                _ => rec.problems.insert(Problem::ProofMalformed),
            }
        }
    }
    let Some(method) = method else {
        return rec.problems.insert(Problem::ProofMalformed);
    };
    let Some(signature) = proof_value(members.value) else {
        return rec.problems.insert(Problem::ProofValue);
    };
    // §3.3.2 step 4 (and §3.2.2 for RDFC): the proof's @context must open
    // the document's.
    let context = members.context;
    let doc_ctx = Some(cred.context);
    if let Some(pc) = context {
        let doc_ctx = || doc_ctx.into_iter().flat_map(|c| c.one_or_many());
        let prefix = pc.one_or_many().count() <= doc_ctx().count()
            && pc.one_or_many().zip(doc_ctx()).all(|(a, b)| a.json_eq(b));
        if !prefix {
            return rec.problems.insert(Problem::ContextMismatch);
        }
    }
    if suite == Suite::Ed25519Signature2020
        && !doc_ctx
            .into_iter()
            .flat_map(|c| c.one_or_many())
            .any(|c| c.as_str() == Some(ED25519_2020_CONTEXT))
    {
        return rec.problems.insert(Problem::SuiteContext);
    }
    // Data Integrity §4.5: a chained proof signs the document with the
    // proofs it names as `proof`.
    let mut previous: Vec<Value<'_>> = Vec::new();
    let previous_shape = members.previous;
    if let Some(pp) = previous_shape {
        for id in pp.one_or_many() {
            let found = id.as_str().and_then(|id| {
                all.one_or_many()
                    .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
            });
            match found {
                Some(p) => previous.push(p),
                None => return rec.problems.insert(Problem::PreviousProof),
            }
        }
    }
    let Some(key) = key_for(ctx, bufs.keys, method, cred.issuer, rec) else {
        return;
    };
    let chained = previous_shape.map(|pp| (pp.is_array(), previous.as_slice()));
    let written = match suite {
        Suite::EddsaJcs2022 => Ok(write_jcs_inputs(cred, proof, context, chained, bufs, work)),
        Suite::EddsaRdfc2022 { .. } | Suite::Ed25519Signature2020 => {
            write_rdf_inputs(ctx, cred, proof, context.or(doc_ctx), chained, rec, work)
        }
    };
    match written {
        Ok([proof_start, doc_start, end]) => {
            let message = Message::HashedPair {
                proof: (proof_start, doc_start),
                doc: (doc_start, end),
            };
            defer(work, index, &signature, key, message);
        }
        Err(problem) => rec.problems.insert(problem),
    }
}

/// `proof`'s previous proofs: whether `previousProof` was an array, and the
/// proofs it names.
type Chained<'v, 'a> = Option<(bool, &'v [Value<'a>])>;

/// eddsa-jcs-2022: appends the canonical proof configuration and document
/// to `work.signed` (vc-di-eddsa §3.3.5, §3.3.3); returns where the proof
/// configuration starts, where the document starts and where it ends.
fn write_jcs_inputs(
    cred: &Credential<'_>,
    proof: Value<'_>,
    context: Option<Value<'_>>,
    chained: Chained<'_, '_>,
    bufs: &mut ProofBuffers<'_, '_, '_>,
    work: &mut ChunkWork,
) -> [usize; 3] {
    let proof_start = work.signed.len();
    bufs.jcs
        .write_patched(&mut work.signed, proof, &["proofValue"], &[]);
    let doc_start = work.signed.len();
    let context_patch = context.map(|pc| ("@context", Patch::Value(pc)));
    let proof_patch = match chained {
        Some((true, previous)) => Some(("proof", Patch::Array(previous))),
        Some((false, previous)) => Some(("proof", Patch::Value(previous[0]))),
        None => None,
    };
    let mut set = [("", Patch::Value(proof)); 2];
    let mut patches = 0;
    for patch in [context_patch, proof_patch].into_iter().flatten() {
        set[patches] = patch;
        patches += 1;
    }
    bufs.jcs
        .write_patched(&mut work.signed, cred.root, &["proof"], &set[..patches]);
    [proof_start, doc_start, work.signed.len()]
}

/// eddsa-rdfc-2022 and Ed25519Signature2020: appends the canonical N-Quads
/// (RDFC-1.0) of the proof configuration and of the document to
/// `work.signed`, placed as [`write_jcs_inputs`] places them. The proof configuration is the proof
/// without `proofValue`, under the document's `@context` (vc-di-eddsa
/// §3.2.5); `context` is that `@context` (the proof's own, when it has one,
/// which opens the document's).
fn write_rdf_inputs(
    ctx: &Context<'_>,
    cred: &Credential<'_>,
    proof: Value<'_>,
    context: Option<Value<'_>>,
    chained: Chained<'_, '_>,
    rec: &mut RecordOutcome,
    work: &mut ChunkWork,
) -> Result<[usize; 3], Problem> {
    use crate::jsonld::json::Json;
    use std::borrow::Cow;
    let context = context.map(Json::from_value);
    let config = Json::Object(
        proof
            .members()
            .filter(|(k, _)| !matches!(*k, "proofValue" | "@context"))
            .map(|(k, v)| (Cow::Borrowed(k), Json::from_value(v)))
            .collect(),
    );
    let mut body: Vec<(Cow<'_, str>, Json<'_>)> = cred
        .root
        .members()
        .filter(|(k, _)| !matches!(*k, "proof" | "@context"))
        .map(|(k, v)| (Cow::Borrowed(k), Json::from_value(v)))
        .collect();
    match chained {
        Some((true, previous)) => body.push((
            Cow::Borrowed("proof"),
            Json::Array(previous.iter().map(|p| Json::from_value(*p)).collect()),
        )),
        Some((false, previous)) => {
            body.push((Cow::Borrowed("proof"), Json::from_value(previous[0])))
        }
        None => {}
    }
    let body = Json::Object(body);
    let active = match &context {
        Some(local) => ctx.jsonld.context(local).map_err(ld_problem)?,
        None => ctx
            .jsonld
            .context(&Json::Array(Vec::new()))
            .map_err(ld_problem)?,
    };
    let config_quads = ctx.jsonld.to_rdf_in(&active, &config).map_err(ld_problem)?;
    let doc_quads = ctx.jsonld.to_rdf_in(&active, &body).map_err(ld_problem)?;
    rec.contexts = Some(active);
    let canonical = |quads: &crate::rdf::dataset::Dataset| {
        canonical_nquads(quads, HashAlgorithm::Sha256, Limits::default())
            .map_err(|_| Problem::CanonicalizationBound)
    };
    let config = canonical(&config_quads)?;
    let doc = canonical(&doc_quads)?;
    let proof_start = work.signed.len();
    work.signed.extend_from_slice(config.as_bytes());
    let doc_start = work.signed.len();
    work.signed.extend_from_slice(doc.as_bytes());
    Ok([proof_start, doc_start, work.signed.len()])
}

fn ld_problem(e: crate::jsonld::LdError) -> Problem {
    use crate::jsonld::LdError;
    match e {
        LdError::UnknownContext(_) => Problem::UnknownContext,
        LdError::DataLoss(_) => Problem::DataLoss,
        LdError::Invalid(_) | LdError::Unsupported(_) => Problem::JsonLdInvalid,
    }
}
