//! `credverify generate`: reproducible synthetic exports of Open Badges 3.0
//! credentials, with the verdict each record must get.
//!
//! Writes `DIR/credentials.jsonl`, `DIR/truth.jsonl` (line, case, expected
//! verdict), `DIR/dids/` (documents of the did:web issuers) and
//! `DIR/manifest.json` (the parameters, `as_of` among them). Each record is
//! drawn from its own random stream ([`rng::Rng::for_record`]), so the bytes
//! depend on the seed only, never on the thread count.

mod folder;
pub mod jose;
mod ob2;
pub mod rng;
mod sd;
pub mod status;

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, ValueEnum};
use ed25519_dalek::{Signer, SigningKey};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::canon::jcs::Canonicalizer;
use crate::json::JsonParser;
use crate::json::write::write_string;
use crate::resolve::multikey::encode_multikey;
use crate::time::Timestamp;
use crate::verdict::Verdict;
use folder::Folder;
use rng::Rng;
pub use status::{StatusBit, StatusPlan};

/// Default mix, in records per thousand: an archive as registrars hold it,
/// mostly valid, with a few percent expired, and rare forgeries, broken
/// lines and odd proofs.
pub const DEFAULT_MIX: &str = "valid=950,tampered=2,wrong_key=1,other_issuer=2,expired=25,not_yet_valid=5,malformed=5,unsupported=5,no_proof=5";

/// A mix in which every case is common, for samples and tests.
pub const EVERY_CASE_MIX: &str = "valid=40,tampered=8,wrong_key=8,other_issuer=8,expired=8,not_yet_valid=8,malformed=8,unsupported=6,no_proof=6,revoked=6,suspended=6,status_message=6";

/// The proof format of generated records (`generate --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    /// Data Integrity eddsa-jcs-2022 proofs.
    Jcs,
    /// VC-JWT compact JWS (EdDSA).
    Jwt,
    /// VC-JWT signed with RS256 (every issuer a did:web listing an RSA key).
    JwtRs256,
    /// VC-JWT signed with ES256 (every issuer a did:web listing a P-256 key).
    JwtEs256,
    /// Data Integrity ecdsa-rdfc-2019 proofs with P-256 keys (did:web issuers).
    EcdsaRdfc,
    /// Data Integrity ecdsa-jcs-2019 proofs with P-256 keys (did:web issuers).
    EcdsaJcs,
    /// Data Integrity ecdsa-sd-2023 derived proofs (P-256, did:web issuers),
    /// each revealing a random half of the optional statements.
    EcdsaSd,
    /// Data Integrity eddsa-rdfc-2022 proofs (JSON-LD, RDFC-1.0).
    Rdfc,
    /// Ed25519Signature2020 proofs (JSON-LD, RDFC-1.0).
    Ed2020,
    /// Every format above, chosen per record (every issuer a did:web).
    Mixed,
}

/// `credverify generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of records.
    #[arg(long, value_name = "N")]
    pub records: u64,

    /// Seed: the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Proof format of the records.
    #[arg(long, value_enum, default_value = "jcs")]
    pub format: GenFormat,

    /// Number of issuers (half did:key, half did:web).
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=10_000))]
    pub issuers: usize,

    /// The mix of cases, as `case=weight,…` (weights are relative).
    ///
    /// Cases: valid, tampered, wrong_key, other_issuer, expired,
    /// not_yet_valid, malformed, unsupported, no_proof, and with
    /// `--status-lists` revoked, suspended and status_message. `--mix
    /// valid=1` makes an export of valid credentials only.
    #[arg(long, default_value = DEFAULT_MIX)]
    pub mix: String,

    /// Number of status lists; each record then carries two status entries.
    ///
    /// The lists are shared out among the issuers, as many revocation lists
    /// as suspension lists, each of at least 131,072 entries; each issuer also
    /// gets a 2-bit message list, and in small exports the first issuer's
    /// first revocation list is a short one (16,384 entries), as real lists
    /// often are. Signed lists go to `DIR/status/` (pass it to `verify
    /// --status-lists`). Needed by the cases revoked, suspended and
    /// status_message.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub status_lists: usize,

    /// Dated snapshots of each status list (with --status-lists).
    ///
    /// K snapshots per list, 30 days apart, the last in force at --as-of
    /// (it is the list the expected verdicts hold for); each earlier one
    /// has revoked and suspended less, and suspended some records whose
    /// suspension the later ones lift. Pass them all to `verify
    /// --status-lists`: the snapshot in force at the run's --as-of answers.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub status_history: u32,

    /// The instant the expected verdicts hold at (pass it to `verify --as-of`).
    #[arg(long, value_name = "RFC 3339", default_value = "2026-01-01T00:00:00Z")]
    pub as_of: String,

    /// How the records are written: one JSON Lines file, or a folder of
    /// files of every kind users hold.
    ///
    /// `files` writes `DIR/files/`, two levels deep: pretty-printed
    /// credentials (`.json`), one-line files, JWT files (`.jwt`), JSON
    /// arrays, JSON Lines of several records, baked PNG and SVG badges,
    /// and files that are none of these (skipped by a walk); `truth.jsonl` then names each record's
    /// `file` (below `DIR/files/`) and `line`, in the order a walk reads
    /// them.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub layout: Layout,

    /// Number of distinct record shapes, for measuring the JSON-LD shape
    /// cache (up to 1,048,576).
    ///
    /// With N > 1 each record draws one of N variants: which of sixteen
    /// optional Open Badges members it carries (achievement, alignment,
    /// result, subject and issuer members, typed and plain) and how many
    /// tags (1 to 16). Variants differ in shape, so N near the record count
    /// makes nearly every record a shape of its own. 1 (the default) gives
    /// every earlier export byte for byte.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub shapes: u32,
}

/// How `generate` writes its records (`--layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout {
    /// One `credentials.jsonl`.
    Jsonl,
    /// A folder of mixed files, `files/`.
    Files,
}

/// What a generated record is, and so which verdict it must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Signed by its issuer's key, within its validity at `as_of`.
    Valid,
    /// Its name changed after signing.
    Tampered,
    /// Names its issuer's key but is signed by another.
    WrongKey,
    /// A good signature by another issuer's key, naming that key.
    OtherIssuer,
    /// Its validity ended before `as_of`.
    Expired,
    /// Its validity starts after `as_of`.
    NotYetValid,
    /// A cut line, a duplicate member, a byte that is not UTF-8, an HTML
    /// error page, an impossible date, a JWS without its signature, or a
    /// JSON array.
    Malformed,
    /// A `bbs-2023` proof or an `ES512` JWS: kinds this engine does not verify.
    Unsupported,
    /// No proof at all.
    NoProof,
    /// Its revocation entry is set.
    Revoked,
    /// Its suspension entry is set.
    Suspended,
    /// Valid, with a `message` status entry whose value is not zero.
    StatusMessage,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 12] = [
        Case::Valid,
        Case::Tampered,
        Case::WrongKey,
        Case::OtherIssuer,
        Case::Expired,
        Case::NotYetValid,
        Case::Malformed,
        Case::Unsupported,
        Case::NoProof,
        Case::Revoked,
        Case::Suspended,
        Case::StatusMessage,
    ];

    /// Whether the case needs status lists.
    pub fn needs_status(self) -> bool {
        matches!(self, Case::Revoked | Case::Suspended | Case::StatusMessage)
    }

    /// The name used in `--mix` and in `truth.jsonl`'s `case`.
    pub fn name(self) -> &'static str {
        match self {
            Case::Valid => "valid",
            Case::Tampered => "tampered",
            Case::WrongKey => "wrong_key",
            Case::OtherIssuer => "other_issuer",
            Case::Expired => "expired",
            Case::NotYetValid => "not_yet_valid",
            Case::Malformed => "malformed",
            Case::Unsupported => "unsupported",
            Case::NoProof => "no_proof",
            Case::Revoked => "revoked",
            Case::Suspended => "suspended",
            Case::StatusMessage => "status_message",
        }
    }

    /// The verdict a record of this case must get at `as_of`.
    pub fn expected(self) -> Verdict {
        match self {
            Case::Valid => Verdict::Valid,
            Case::Tampered | Case::WrongKey => Verdict::InvalidSignature,
            Case::OtherIssuer => Verdict::IssuerMismatch,
            Case::Expired => Verdict::Expired,
            Case::NotYetValid => Verdict::NotYetValid,
            Case::Malformed => Verdict::Malformed,
            Case::Unsupported => Verdict::Unsupported,
            Case::NoProof => Verdict::NoProof,
            Case::Revoked => Verdict::Revoked,
            Case::Suspended => Verdict::Suspended,
            Case::StatusMessage => Verdict::Valid,
        }
    }
}

/// Why `generate` cannot run with its parameters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// `--mix` does not read.
    #[error("--mix: {0}")]
    Mix(#[from] MixError),
    /// `--as-of` is not an RFC 3339 date-time.
    #[error("--as-of: {0}")]
    AsOf(#[from] crate::time::DateError),
    /// A status case was asked for without status lists.
    #[error("--mix: revoked, suspended and status_message need --status-lists")]
    StatusCasesNeedLists,
    /// Writing the export failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Why a `--mix` value does not read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MixError {
    /// A part is not `case=weight`.
    #[error("{0:?} is not case=weight")]
    NotCaseWeight(String),
    /// A case this generator does not make.
    #[error("unknown case {0:?}")]
    UnknownCase(String),
    /// A weight that is not a whole number.
    #[error("{0:?}: weight is not a whole number")]
    Weight(String),
    /// Every weight is zero.
    #[error("the mix has no weight")]
    NoWeight,
}

/// Parses `case=weight,…` into cumulative weights.
pub fn parse_mix(text: &str) -> Result<Vec<(Case, u64)>, MixError> {
    let mut mix = Vec::new();
    let mut total = 0u64;
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, weight) = part
            .split_once('=')
            .ok_or_else(|| MixError::NotCaseWeight(part.to_owned()))?;
        let case = Case::ALL
            .into_iter()
            .find(|c| c.name() == name.trim())
            .ok_or_else(|| MixError::UnknownCase(name.to_owned()))?;
        let weight: u64 = weight
            .trim()
            .parse()
            .map_err(|_| MixError::Weight(part.to_owned()))?;
        total += weight;
        mix.push((case, total));
    }
    if total == 0 {
        return Err(MixError::NoWeight);
    }
    Ok(mix)
}

/// One issuer of the export.
pub struct Issuer {
    /// The issuer's DID: `did:key` or `did:web`.
    pub did: String,
    /// The id of its verification method, as proofs name it.
    pub method: String,
    /// Its signing key.
    pub key: SigningKey,
    /// Its display name, in the issuer profile.
    pub name: String,
    /// Its home page; achievement and status list URLs start with it.
    pub url: String,
    /// The DID document, for did:web issuers.
    pub document: Option<String>,
}

const ORGS: &[&str] = &[
    "Université de Montréal",
    "Technische Universität München",
    "Universidad Nacional Autónoma de México",
    "東京大学 (University of Tokyo)",
    "Open Skills Academy",
    "Høgskolen i Østfold",
    "Κρατικό Πανεπιστήμιο Αθηνών",
    "Jämtland Vocational College",
    "Learning Commons Cooperative",
    "São Paulo Institute of Technology",
];

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    s.split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

/// The issuers of an export: even ones did:key, odd ones did:web; with
/// `jose`, every one a did:web whose document also lists its P-256 and
/// RSA keys ([`jose`]).
pub fn issuers(seed: u64, count: usize, jose: Option<&jose::JoseKeys>) -> Vec<Issuer> {
    (0..count)
        .map(|i| {
            let mut rng = Rng::for_record(seed ^ 0x0015_51e5, i as u64);
            let key = SigningKey::from_bytes(&rng.bytes::<32>());
            let multikey = encode_multikey(&key.verifying_key().to_bytes());
            let org = ORGS[i % ORGS.len()];
            let name = if i < ORGS.len() { org.to_owned() } else { format!("{org} ({})", i / ORGS.len() + 1) };
            let host_slug = format!("{}-{i}", slug(org));
            if i % 2 == 0 && jose.is_none() {
                let did = format!("did:key:{multikey}");
                Issuer { method: format!("{did}#{multikey}"), did, key, name, url: format!("https://{host_slug}.example"), document: None }
            } else {
                let did = format!("did:web:issuers.example:{host_slug}");
                let method = format!("{did}#key-1");
                let (more, listed) = match jose {
                    None => (String::new(), String::new()),
                    Some(keys) => {
                        let jwk = |alg: jose::JoseAlg| {
                            format!(
                                ",{{\"id\":\"{did}{}\",\"type\":\"JsonWebKey2020\",\"controller\":\"{did}\",\"publicKeyJwk\":{}}}",
                                alg.fragment(),
                                keys.jwk(alg, i)
                            )
                        };
                        (
                            format!("{}{}", jwk(jose::JoseAlg::Es256), jwk(jose::JoseAlg::Rs256)),
                            format!(",\"{did}#key-2\",\"{did}#key-3\""),
                        )
                    }
                };
                let document = format!(
                    "{{\"@context\":[\"https://www.w3.org/ns/did/v1\",\"https://w3id.org/security/multikey/v1\"],\"id\":\"{did}\",\"verificationMethod\":[{{\"id\":\"{method}\",\"type\":\"Multikey\",\"controller\":\"{did}\",\"publicKeyMultibase\":\"{multikey}\"}}{more}],\"assertionMethod\":[\"{method}\"{listed}]}}\n"
                );
                Issuer { did, method, key, name, url: format!("https://issuers.example/{host_slug}"), document: Some(document) }
            }
        })
        .collect()
}

const GIVEN: &[&str] = &[
    "José",
    "Zoë",
    "Aiyana",
    "Søren",
    "Mei",
    "Oluwaseun",
    "Ananya",
    "Łukasz",
    "Chloé",
    "Tomás",
    "Yusuf",
    "Ingrid",
    "Nguyễn",
    "Fatima",
    "Kai",
];
const FAMILY: &[&str] = &[
    "García",
    "Ødegaard",
    "Kowalski",
    "Okonkwo",
    "Müller",
    "Sato",
    "Haddad",
    "O'Brien",
    "Dubois",
    "Nakamura",
    "Fernández",
    "Björk",
    "李",
    "Smith",
    "Iyer",
];
const SKILLS: &[&str] = &[
    "Data Analysis with Python",
    "Advanced Welding — Level 3",
    "Project Management Fundamentals",
    "Künstliche Intelligenz: Grundlagen",
    "Cybersecurity Essentials",
    "Soins infirmiers gériatriques",
    "Sustainable Agriculture Practices",
    "Public Speaking & Rhetoric",
    "Cloud Architecture (AWS/Azure)",
    "Early Childhood Education",
];
const TYPES: &[&str] = &[
    "Certificate",
    "Badge",
    "Course",
    "Competency",
    "License",
    "MicroCredential",
];

fn date(secs: i64) -> String {
    Timestamp::from_unix(secs).to_string()
}

fn q(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    String::from_utf8(out).expect("escaped UTF-8")
}

/// The generated parts of one credential.
struct Body {
    id: String,
    subject_id: Option<String>,
    valid_from: i64,
    valid_until: Option<i64>,
    /// Members of the credential object, without braces or proof; with
    /// `{NAME}` standing for the credential name.
    members: String,
    name: String,
}

impl Body {
    /// The members as signed.
    fn signed(&self) -> String {
        self.members.replace("{NAME}", &q(&self.name))
    }

    /// The members with the name changed after signing (`tampered`).
    fn amended(&self) -> String {
        self.members
            .replace("{NAME}", &q(&format!("{} (amended)", self.name)))
    }
}

const YEAR: i64 = 365 * 86_400;

/// Which optional members a record of shape variant `v` carries (`--shapes`):
/// the low four bits set the length of `tag` (1 to 16 entries), so that
/// even a few variants differ, and bit `i` of the bits above adds
/// [`OPTIONAL`]`[i]`. `None` is the one shape of earlier exports (three
/// tags, no optional member).
#[derive(Clone, Copy)]
struct Variant(Option<u32>);

impl Variant {
    fn tags(self) -> usize {
        self.0.map_or(3, |v| 1 + v as usize % 16)
    }

    /// The optional members of `object` this variant has, each as
    /// `,"name":value`.
    fn members(self, object: &str, rng: &mut Rng) -> String {
        let mut out = String::new();
        let Some(v) = self.0 else { return out };
        for (i, &(on, name, value)) in OPTIONAL.iter().enumerate() {
            if on == object && (v >> 4) & (1 << i) != 0 {
                let _ = write!(out, ",\"{name}\":{}", value(rng));
            }
        }
        out
    }
}

/// The optional members `--shapes` draws from: the object they go in, the
/// name (an Open Badges 3.0 term of that object's type) and a value maker.
/// Typed terms (xsd:float, xsd:date, xsd:anyURI) and plain numbers are among
/// them, so varied shapes exercise literal conversion as well.
type MakeValue = fn(&mut Rng) -> String;
const OPTIONAL: [(&str, &str, MakeValue); 16] = [
    ("achievement", "fieldOfStudy", |_| q("Applied Science")),
    ("achievement", "humanCode", |r| {
        q(&format!("HC-{}", r.below(1000)))
    }),
    ("achievement", "specialization", |_| {
        q("Practical examination")
    }),
    ("achievement", "version", |r| {
        q(&format!("{}.0", 1 + r.below(4)))
    }),
    ("achievement", "inLanguage", |_| q("en")),
    ("achievement", "creditsAvailable", |r| {
        (1 + r.below(40)).to_string()
    }),
    ("alignment", "targetDescription", |_| {
        q("A skill of the Open Skills Framework.")
    }),
    ("alignment", "targetType", |_| q("CFItem")),
    ("result", "achievedLevel", |r| {
        q(&format!("https://framework.example/levels/{}", r.below(5)))
    }),
    ("subject", "activityStartDate", |r| {
        q(&format!("2024-0{}-1{}", 1 + r.below(9), r.below(10)))
    }),
    ("subject", "activityEndDate", |r| {
        q(&format!("2025-0{}-2{}", 1 + r.below(9), r.below(9)))
    }),
    ("subject", "creditsEarned", |r| format!("{}.5", r.below(40))),
    ("subject", "licenseNumber", |r| {
        q(&format!("L-{:06}", r.below(1_000_000)))
    }),
    ("subject", "role", |_| q("Candidate")),
    ("subject", "term", |_| q("Spring")),
    ("issuer", "phone", |r| {
        q(&format!("+1-555-01{:02}", r.below(100)))
    }),
];

fn body(
    rng: &mut Rng,
    issuer: &Issuer,
    case: Case,
    as_of: i64,
    (v1, variant): (bool, Variant),
    status: &str,
) -> Body {
    let id = format!("urn:uuid:{}", rng.uuid());
    let skill = *rng.pick(SKILLS);
    let (given, family) = (*rng.pick(GIVEN), *rng.pick(FAMILY));
    let achievement_type = *rng.pick(TYPES);
    let (valid_from, valid_until) = match case {
        Case::Expired => {
            let until = as_of - 1 - rng.below(3 * YEAR as u64) as i64;
            (
                until - YEAR - rng.below(2 * YEAR as u64) as i64,
                Some(until),
            )
        }
        Case::NotYetValid => (as_of + 86_400 + rng.below(YEAR as u64) as i64, None),
        _ => {
            let from = as_of - 30 * 86_400 - rng.below(5 * YEAR as u64) as i64;
            (
                from,
                (rng.below(3) != 0).then(|| as_of + YEAR + rng.below(5 * YEAR as u64) as i64),
            )
        }
    };
    let by_id = rng.below(2) == 0;
    let subject_id = by_id.then(|| format!("did:example:learner-{:016x}", rng.next_u64()));
    let context = if v1 {
        crate::credential::VC_V1_CONTEXT
    } else {
        crate::credential::VC_V2_CONTEXT
    };
    let mut m = String::with_capacity(2600);
    let _ = write!(
        m,
        "\"@context\":[\"{context}\",\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"
    );
    let _ = write!(
        m,
        "\"id\":\"{id}\",\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],"
    );
    let _ = write!(
        m,
        "\"issuer\":{{\"id\":\"{}\",\"type\":[\"Profile\"],\"name\":{},\"url\":\"{}\",\"email\":\"registrar@{}\"{}}},",
        issuer.did,
        q(&issuer.name),
        issuer.url,
        issuer
            .url
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or("issuer.example"),
        variant.members("issuer", rng),
    );
    let _ = write!(m, "\"name\":{{NAME}},");
    let _ = write!(
        m,
        "\"description\":{},",
        q(&format!(
            "{given} {family} completed “{skill}” with distinction."
        ))
    );
    if v1 {
        let _ = write!(m, "\"issuanceDate\":\"{}\",", date(valid_from));
        if let Some(u) = valid_until {
            let _ = write!(m, "\"expirationDate\":\"{}\",", date(u));
        }
    } else {
        let _ = write!(m, "\"validFrom\":\"{}\",", date(valid_from));
        if let Some(u) = valid_until {
            let _ = write!(m, "\"validUntil\":\"{}\",", date(u));
        }
    }
    if !status.is_empty() {
        let _ = write!(m, "\"credentialStatus\":{status},");
    }
    m.push_str("\"credentialSubject\":{\"type\":[\"AchievementSubject\"]");
    m.push_str(&variant.members("subject", rng));
    m.push(',');
    match &subject_id {
        Some(sid) => {
            let _ = write!(m, "\"id\":\"{sid}\",");
        }
        None => {
            let salt = format!("{:016x}", rng.next_u64());
            let hash: String = Sha256::digest(format!("{given}.{family}@example.org{salt}"))
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let _ = write!(
                m,
                "\"identifier\":[{{\"type\":\"IdentityObject\",\"identityHash\":\"sha256${hash}\",\"identityType\":\"emailAddress\",\"hashed\":true,\"salt\":\"{salt}\"}}],"
            );
        }
    }
    let ach = rng.next_u64() % 100_000;
    let _ = write!(
        m,
        "\"achievement\":{{\"id\":\"{url}/achievements/{ach}\",\"type\":[\"Achievement\"],\"achievementType\":\"{achievement_type}\",\"name\":{name},\"description\":{desc},\"criteria\":{{\"narrative\":{crit}}},\"image\":{{\"id\":\"{url}/badges/{ach}.png\",\"type\":\"Image\",\"caption\":{cap}}},\"tag\":[{tags}],\"alignment\":[{{\"type\":[\"Alignment\"],\"targetName\":{name},\"targetUrl\":\"https://framework.example/skills/{ach}\",\"targetFramework\":\"Open Skills Framework\",\"targetCode\":\"OSF-{ach}\"{aligned}}}]{achieved}}},",
        url = issuer.url,
        name = q(skill),
        desc = q(&format!(
            "Learners who earn “{skill}” have demonstrated, through assessed work and a supervised practical examination, the knowledge and skills described in the criteria. The achievement is recognised by {} and aligned to the Open Skills Framework.",
            issuer.name
        )),
        crit = q(
            "Complete all modules (40 hours), pass the written assessment with a score of at least 75%, and submit a portfolio of three projects reviewed by two assessors."
        ),
        cap = q(&format!("Badge for {skill}")),
        tags = {
            let lvl = 1 + rng.below(5);
            // --shapes: 1 to 16 tags, the first three as ever.
            [
                q("skills"),
                q(&achievement_type.to_ascii_lowercase()),
                q(&format!("level-{lvl}")),
            ]
            .into_iter()
            .chain((3..16).map(|t| q(&format!("t{t}"))))
            .take(variant.tags())
            .collect::<Vec<_>>()
            .join(",")
        },
        aligned = variant.members("alignment", rng),
        achieved = variant.members("achievement", rng),
    );
    let _ = write!(
        m,
        "\"result\":[{{\"type\":[\"Result\"],\"value\":\"{}\",\"status\":\"Completed\"{}}}],\"name\":{}}}",
        60 + rng.below(41),
        variant.members("result", rng),
        q(&format!("{given} {family}"))
    );
    Body {
        id,
        subject_id,
        valid_from,
        valid_until,
        members: m,
        name: format!("{skill} — {achievement_type}"),
    }
}

/// Signs canonical bytes for eddsa-jcs-2022 and returns the proof members.
fn jcs_proof(
    parser: &mut JsonParser,
    canon: &mut Canonicalizer,
    doc: &str,
    proof_members: &str,
    sign: Sign<'_>,
) -> String {
    let canonical = |parser: &mut JsonParser, canon: &mut Canonicalizer, text: &str| {
        parser
            .with_doc(text.as_bytes(), |v| {
                let mut out = Vec::new();
                canon.write(&mut out, v);
                out
            })
            .expect("generated JSON parses")
    };
    let proof_config = format!("{{{proof_members}}}");
    let mut message = Vec::with_capacity(64);
    message.extend_from_slice(&Sha256::digest(canonical(parser, canon, &proof_config)));
    message.extend_from_slice(&Sha256::digest(canonical(parser, canon, doc)));
    format!("z{}", bs58::encode(sign(&message)).into_string())
}

/// What signs a Data Integrity proof's hash data (SHA-256 of the proof
/// configuration ‖ SHA-256 of the document): Ed25519, or ECDSA P-256 (which
/// hashes it again with SHA-256, vc-di-ecdsa §3.2.5).
type Sign<'s> = &'s dyn Fn(&[u8]) -> Vec<u8>;

/// Signs for eddsa-rdfc-2022 or Ed25519Signature2020: the RDFC-1.0
/// canonical N-Quads of the proof configuration (under the document's
/// `@context`) and of the document, each hashed; returns the `proofValue`.
fn rdf_proof(doc: &str, proof_members: &str, sign: Sign<'_>) -> String {
    use crate::canon::rdfc::{HashAlgorithm, Limits, canonical_nquads};
    use crate::jsonld::json::Json;
    let processor = processor();
    let parse = |text: &str| {
        JsonParser::default()
            .with_doc(text.as_bytes(), |v| Json::from_value(v).into_static())
            .expect("generated JSON parses")
    };
    let without_context = |j: Json<'static>| match j {
        Json::Object(m) => Json::Object(m.into_iter().filter(|(k, _)| k != "@context").collect()),
        other => other,
    };
    let doc = parse(doc);
    let context = doc.get("@context").cloned();
    let canonical = |body: &Json<'_>| {
        let (quads, _) = processor
            .to_rdf(context.as_ref(), body)
            .expect("generated credentials have no JSON-LD data loss");
        canonical_nquads(&quads, HashAlgorithm::Sha256, Limits::default())
            .expect("generated credentials canonicalize")
    };
    let config = without_context(parse(&format!("{{{proof_members}}}")));
    let mut message = Vec::with_capacity(64);
    message.extend_from_slice(&Sha256::digest(canonical(&config)));
    message.extend_from_slice(&Sha256::digest(canonical(&without_context(doc))));
    format!("z{}", bs58::encode(sign(&message)).into_string())
}

/// An `ecdsa-sd-2023` credential as a holder shows it: `signed` (a
/// credential's JSON text, `@context` included, with built-in contexts
/// only) issued under the proof members `proof_members` (without
/// `proofValue`) and signed by `sign` (ECDSA P-256 with SHA-256, `r ‖ s`),
/// then derived revealing every optional member (`reveal_all`) or a
/// random half of them, drawn from `seed`. Which members are optional is
/// said in `src/generate/sd.rs`. For tests and the hostile-record
/// benchmark.
pub fn derived_sd_credential(
    seed: u64,
    signed: &str,
    proof_members: &str,
    sign: &dyn Fn(&[u8]) -> Vec<u8>,
    reveal_all: bool,
) -> Vec<u8> {
    let mut rng = Rng::for_record(seed, 0);
    sd::derived_record(&mut rng, signed, signed, proof_members, sign, reveal_all)
}

/// The JSON-LD processor of the built-in contexts, made once.
fn processor() -> &'static crate::jsonld::Processor {
    static PROCESSOR: std::sync::OnceLock<crate::jsonld::Processor> = std::sync::OnceLock::new();
    PROCESSOR.get_or_init(|| {
        let contexts = crate::jsonld::Contexts::builtin().expect("built-in contexts are pinned");
        crate::jsonld::Processor::new(&contexts).expect("built-in contexts parse")
    })
}

/// A generated record: its line (without newline), its case, whether it is
/// a VC-JWT, and the status bits it needs set.
pub struct Made {
    /// The record's bytes.
    pub line: Vec<u8>,
    /// The case it was drawn as.
    pub case: Case,
    /// The proof format, as `--format` names it (`jcs`, `jwt`, `jwt-rs256`,
    /// `ecdsa-sd`, …).
    pub format: &'static str,
    /// The status values its case needs set in the lists.
    pub bits: Vec<StatusBit>,
}

/// Makes record `index`, with status entries when `plan` has lists.
#[allow(clippy::too_many_arguments)]
pub fn record(
    index: u64,
    seed: u64,
    issuers: &[Issuer],
    rogue: &SigningKey,
    mix: &[(Case, u64)],
    format: GenFormat,
    as_of: i64,
    plan: Option<&StatusPlan>,
    jose: Option<&jose::JoseKeys>,
    shapes: u32,
) -> Made {
    let mut rng = Rng::for_record(seed, index);
    // A stream of its own, so that `--shapes 1` leaves every byte as it was.
    let variant = Variant(
        (shapes > 1)
            .then(|| Rng::for_record(seed ^ 0x005e_a9e5, index).below(u64::from(shapes)) as u32),
    );
    let total = mix.last().map_or(1, |m| m.1);
    let draw = rng.below(total);
    let case = mix
        .iter()
        .find(|(_, cum)| draw < *cum)
        .map_or(Case::Valid, |m| m.0);
    let format = match format {
        GenFormat::Mixed => {
            const EVERY: [GenFormat; 9] = [
                GenFormat::Jcs,
                GenFormat::Jwt,
                GenFormat::JwtRs256,
                GenFormat::JwtEs256,
                GenFormat::EcdsaRdfc,
                GenFormat::EcdsaJcs,
                GenFormat::EcdsaSd,
                GenFormat::Rdfc,
                GenFormat::Ed2020,
            ];
            EVERY[rng.below(EVERY.len() as u64) as usize]
        }
        one => one,
    };
    // Most records come from the first issuers, as in real exports.
    let who = (rng.below(issuers.len() as u64) * rng.below(issuers.len() as u64)
        / issuers.len() as u64) as usize;
    let issuer = &issuers[who];
    let other_who = (who + 1 + rng.below(issuers.len() as u64 - 1) as usize) % issuers.len();
    let other = &issuers[other_who];
    let (method, key) = match case {
        Case::WrongKey => (issuer.method.as_str(), rogue),
        Case::OtherIssuer => (other.method.as_str(), &other.key),
        _ => (issuer.method.as_str(), &issuer.key),
    };
    let (status, bits) = match plan {
        Some(plan) => plan.entries(who, index, case),
        None => (String::new(), Vec::new()),
    };
    let line = match format {
        GenFormat::Jwt => {
            let sign = |input: &[u8]| key.sign(input).to_bytes().to_vec();
            jwt_record(
                (&mut rng, variant),
                issuer,
                method,
                ("EdDSA", &sign),
                case,
                as_of,
                &status,
            )
        }
        GenFormat::EcdsaRdfc | GenFormat::EcdsaJcs | GenFormat::EcdsaSd => {
            let keys = jose.expect("an ECDSA format has its keys");
            let (signer, signer_who, rogue) = match case {
                Case::WrongKey => (issuer, who, true),
                Case::OtherIssuer => (other, other_who, false),
                _ => (issuer, who, false),
            };
            let alg = jose::JoseAlg::Es256;
            let method = format!("{}{}", signer.did, alg.fragment());
            let sign = |data: &[u8]| keys.sign(alg, signer_who, rogue, data);
            di_record(
                (&mut rng, variant),
                issuer,
                &method,
                &sign,
                case,
                as_of,
                &status,
                format,
            )
        }
        GenFormat::JwtRs256 | GenFormat::JwtEs256 => {
            let alg = match format {
                GenFormat::JwtRs256 => jose::JoseAlg::Rs256,
                _ => jose::JoseAlg::Es256,
            };
            let keys = jose.expect("a JOSE format has its keys");
            let (signer, signer_who, rogue) = match case {
                Case::WrongKey => (issuer, who, true),
                Case::OtherIssuer => (other, other_who, false),
                _ => (issuer, who, false),
            };
            let kid = format!("{}{}", signer.did, alg.fragment());
            let sign = |input: &[u8]| keys.sign(alg, signer_who, rogue, input);
            jwt_record(
                (&mut rng, variant),
                issuer,
                &kid,
                (alg.name(), &sign),
                case,
                as_of,
                &status,
            )
        }
        suite => {
            let sign = |data: &[u8]| key.sign(data).to_bytes().to_vec();
            di_record(
                (&mut rng, variant),
                issuer,
                method,
                &sign,
                case,
                as_of,
                &status,
                suite,
            )
        }
    };
    let line = if case == Case::Malformed {
        malform(&mut rng, line)
    } else {
        line
    };
    Made {
        line,
        case,
        format: match format {
            GenFormat::Jwt => "jwt",
            GenFormat::JwtRs256 => "jwt-rs256",
            GenFormat::JwtEs256 => "jwt-es256",
            GenFormat::Rdfc => "rdfc",
            GenFormat::Ed2020 => "ed2020",
            GenFormat::EcdsaRdfc => "ecdsa-rdfc",
            GenFormat::EcdsaJcs => "ecdsa-jcs",
            GenFormat::EcdsaSd => "ecdsa-sd",
            _ => "jcs",
        },
        bits,
    }
}

/// A record with an embedded Data Integrity proof: `suite` is `Jcs`,
/// `Rdfc` or `Ed2020`.
#[allow(clippy::too_many_arguments)]
fn di_record(
    (rng, variant): (&mut Rng, Variant),
    issuer: &Issuer,
    method: &str,
    sign: Sign<'_>,
    case: Case,
    as_of: i64,
    status: &str,
    suite: GenFormat,
) -> Vec<u8> {
    let jcs = matches!(suite, GenFormat::Jcs | GenFormat::EcdsaJcs);
    let v1 = rng.below(8) == 0;
    let mut b = body(rng, issuer, case, as_of, (v1, variant), status);
    // The JSON-LD suites need their terms defined: Data Integrity's for a
    // VC 1.1 credential, the suite context for Ed25519Signature2020, the
    // status list context for VC 1.1 status entries.
    let mut extra = Vec::new();
    if matches!(
        suite,
        GenFormat::Rdfc | GenFormat::EcdsaRdfc | GenFormat::EcdsaSd
    ) && v1
    {
        extra.push("https://w3id.org/security/data-integrity/v2");
    }
    if suite == GenFormat::Ed2020 {
        extra.push("https://w3id.org/security/suites/ed25519-2020/v1");
    }
    if !jcs && v1 && !status.is_empty() {
        extra.push("https://www.w3.org/ns/credentials/status/v1");
    }
    if let Some(end) = b.members.find("],")
        && !extra.is_empty()
    {
        let added: String = extra.iter().map(|c| format!(",\"{c}\"")).collect();
        b.members.insert_str(end, &added);
    }
    let signed_members = b.signed();
    let shown_members = if case == Case::Tampered {
        b.amended()
    } else {
        signed_members.clone()
    };
    if case == Case::NoProof {
        return format!("{{{shown_members}}}").into_bytes();
    }
    let created = date(b.valid_from);
    let context = if rng.below(4) == 0 {
        let ctx_end = signed_members.find("],").map_or(0, |i| i + 1);
        format!(",{}", &signed_members[..ctx_end])
    } else {
        String::new()
    };
    let (kind, cryptosuite) = match (case, suite) {
        // BBS is a suite no issue asks this engine to verify.
        (Case::Unsupported, _) => ("DataIntegrityProof", ",\"cryptosuite\":\"bbs-2023\""),
        (_, GenFormat::Rdfc) => ("DataIntegrityProof", ",\"cryptosuite\":\"eddsa-rdfc-2022\""),
        (_, GenFormat::EcdsaRdfc) => ("DataIntegrityProof", ",\"cryptosuite\":\"ecdsa-rdfc-2019\""),
        (_, GenFormat::EcdsaJcs) => ("DataIntegrityProof", ",\"cryptosuite\":\"ecdsa-jcs-2019\""),
        (_, GenFormat::EcdsaSd) => ("DataIntegrityProof", ",\"cryptosuite\":\"ecdsa-sd-2023\""),
        (_, GenFormat::Ed2020) => ("Ed25519Signature2020", ""),
        _ => ("DataIntegrityProof", ",\"cryptosuite\":\"eddsa-jcs-2022\""),
    };
    let context = if matches!(suite, GenFormat::Ed2020 | GenFormat::EcdsaSd) {
        String::new()
    } else {
        context
    };
    let proof_members = format!(
        "\"type\":\"{kind}\"{cryptosuite},\"created\":\"{created}\",\"verificationMethod\":\"{method}\",\"proofPurpose\":\"assertionMethod\"{context}"
    );
    if suite == GenFormat::EcdsaSd && case != Case::Unsupported {
        return sd::derived_record(
            rng,
            &format!("{{{signed_members}}}"),
            &format!("{{{shown_members}}}"),
            &proof_members,
            sign,
            false,
        );
    }
    let value = if case == Case::Unsupported {
        format!("z{}", bs58::encode(rng.bytes::<64>()).into_string())
    } else {
        thread_local! {
            static TOOLS: std::cell::RefCell<(JsonParser, Canonicalizer)> = std::cell::RefCell::new(Default::default());
        }
        let doc = format!("{{{signed_members}}}");
        if jcs {
            TOOLS.with(|t| {
                let (parser, canon) = &mut *t.borrow_mut();
                jcs_proof(parser, canon, &doc, &proof_members, sign)
            })
        } else {
            rdf_proof(&doc, &proof_members, sign)
        }
    };
    format!("{{{shown_members},\"proof\":{{{proof_members},\"proofValue\":\"{value}\"}}}}")
        .into_bytes()
}

/// A VC-JWT: `signer` is the header's `alg` and what signs the signing
/// input.
type JwsSigner<'s> = (&'static str, &'s dyn Fn(&[u8]) -> Vec<u8>);

fn jwt_record(
    (rng, variant): (&mut Rng, Variant),
    issuer: &Issuer,
    method: &str,
    signer: JwsSigner<'_>,
    case: Case,
    as_of: i64,
    status: &str,
) -> Vec<u8> {
    let v1 = rng.below(2) == 0;
    let b = body(rng, issuer, case, as_of, (v1, variant), status);
    let signed_members = b.signed();
    if case == Case::NoProof {
        return format!("{{{signed_members}}}").into_bytes();
    }
    let mut claims = format!(
        "\"iss\":\"{}\",\"jti\":\"{}\",\"nbf\":{}",
        issuer.did, b.id, b.valid_from
    );
    if let Some(sid) = &b.subject_id {
        let _ = write!(claims, ",\"sub\":\"{sid}\"");
    }
    if let Some(u) = b.valid_until {
        let _ = write!(claims, ",\"exp\":{u}");
    }
    let payload = |members: &str| {
        if v1 {
            format!("{{{claims},\"vc\":{{{members}}}}}")
        } else {
            format!("{{{members},{claims}}}")
        }
    };
    // ES512 (P-521) is an algorithm no issue asks this engine to verify.
    let alg = if case == Case::Unsupported {
        "ES512"
    } else {
        signer.0
    };
    let header = format!(
        "{{\"alg\":\"{alg}\",\"kid\":\"{method}\",\"typ\":\"{}\"}}",
        if v1 { "JWT" } else { "vc+jwt" }
    );
    let h64 = URL_SAFE_NO_PAD.encode(header);
    let p64 = URL_SAFE_NO_PAD.encode(payload(&signed_members));
    let input = format!("{h64}.{p64}");
    let sig = if case == Case::Unsupported {
        rng.bytes::<64>().to_vec()
    } else {
        (signer.1)(input.as_bytes())
    };
    let shown = if case == Case::Tampered {
        format!("{h64}.{}", URL_SAFE_NO_PAD.encode(payload(&b.amended())))
    } else {
        input
    };
    let token = format!("{shown}.{}", URL_SAFE_NO_PAD.encode(sig));
    if rng.below(5) == 0 {
        format!("\"{token}\"").into_bytes()
    } else {
        token.into_bytes()
    }
}

/// Breaks a record in one of the ways exports break.
fn malform(rng: &mut Rng, mut line: Vec<u8>) -> Vec<u8> {
    match rng.below(6) {
        0 => {
            line.truncate(line.len() / 2); // a cut line
            line
        }
        1 if line.first() == Some(&b'{') => {
            // A member named twice.
            let mut out = b"{\"id\":\"urn:uuid:duplicate\",".to_vec();
            out.extend_from_slice(&line[1..]);
            out
        }
        2 => {
            // A byte that is not UTF-8 inside a string.
            let at = line.iter().position(|&b| b == b'"').map_or(0, |i| i + 1);
            line.insert(at, 0xff);
            line
        }
        3 => b"<html><body>502 Bad Gateway</body></html>".to_vec(),
        4 if line.first() == Some(&b'{') => {
            let text = String::from_utf8_lossy(&line)
                .replacen("\"validFrom\":\"", "\"validFrom\":\"2023-13-45", 1)
                .replacen("\"issuanceDate\":\"", "\"issuanceDate\":\"2023-13-45", 1);
            text.into_bytes()
        }
        _ => {
            if line.first() == Some(&b'{') {
                b"[\"not\",\"a\",\"credential\"]".to_vec()
            } else {
                // A JWS with its signature cut off.
                let cut = line.iter().rposition(|&b| b == b'.').unwrap_or(line.len());
                line.truncate(cut);
                line
            }
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Runs `credverify generate`; returns where the credentials went.
pub fn run(args: &GenerateArgs) -> Result<PathBuf, GenerateError> {
    let mix = parse_mix(&args.mix)?;
    let as_of = Timestamp::parse(&args.as_of)?;
    let jose = matches!(
        args.format,
        GenFormat::JwtRs256
            | GenFormat::JwtEs256
            | GenFormat::EcdsaRdfc
            | GenFormat::EcdsaJcs
            | GenFormat::EcdsaSd
            | GenFormat::Mixed
    )
    .then(|| jose::JoseKeys::new(args.seed, args.issuers));
    let issuers = issuers(args.seed, args.issuers, jose.as_ref());
    if args.status_lists == 0 && mix.iter().any(|(c, _)| c.needs_status()) {
        return Err(GenerateError::StatusCasesNeedLists);
    }
    let plan =
        (args.status_lists > 0).then(|| StatusPlan::new(&issuers, args.status_lists, args.records));
    let mut bits: Vec<StatusBit> = Vec::new();
    let rogue = SigningKey::from_bytes(&Rng::for_record(args.seed ^ 0x0bad_c0de, 0).bytes::<32>());
    let dids = args.out.join("dids");
    fs::create_dir_all(&dids).map_err(io(&dids))?;
    for issuer in &issuers {
        if let Some(doc) = &issuer.document {
            let name = format!("{}.json", issuer.did.rsplit(':').next().unwrap_or("issuer"));
            let path = dids.join(name);
            fs::write(&path, doc).map_err(io(&path))?;
        }
    }
    let cred_path = match args.layout {
        Layout::Jsonl => args.out.join("credentials.jsonl"),
        Layout::Files => args.out.join("files"),
    };
    let truth_path = args.out.join("truth.jsonl");
    let mut folder = match args.layout {
        Layout::Jsonl => None,
        Layout::Files => Some(Folder::new(&cred_path, as_of.secs)?),
    };
    let mut creds: Box<dyn Write> = match args.layout {
        Layout::Jsonl => Box::new(BufWriter::with_capacity(
            1 << 20,
            fs::File::create(&cred_path).map_err(io(&cred_path))?,
        )),
        Layout::Files => Box::new(io::sink()),
    };
    let mut truth = BufWriter::with_capacity(
        1 << 20,
        fs::File::create(&truth_path).map_err(io(&truth_path))?,
    );
    const BLOCK: u64 = 8192;
    let mut start = 0;
    while start < args.records {
        let end = (start + BLOCK).min(args.records);
        let made: Vec<Made> = (start..end)
            .into_par_iter()
            .map(|i| {
                record(
                    i,
                    args.seed,
                    &issuers,
                    &rogue,
                    &mix,
                    args.format,
                    as_of.secs,
                    plan.as_ref(),
                    jose.as_ref(),
                    args.shapes,
                )
            })
            .collect();
        for (offset, made) in made.into_iter().enumerate() {
            let index = start + offset as u64;
            let place = match &mut folder {
                Some(folder) => Some(folder.put(index, &made)?),
                None => {
                    creds
                        .write_all(&made.line)
                        .and_then(|()| creds.write_all(b"\n"))
                        .map_err(io(&cred_path))?;
                    None
                }
            };
            // A message is reported once the record's proof verified.
            let message = match made.case {
                Case::StatusMessage => format!(
                    ",\"status_messages\":[\"{}\"]",
                    status::MESSAGES[StatusPlan::message_value(index) as usize]
                ),
                _ => String::new(),
            };
            let format = place.as_ref().and_then(|p| p.2).unwrap_or(made.format);
            let fields = format!(
                "\"case\":\"{}\",\"verdict\":\"{}\",\"format\":\"{format}\"{message}}}",
                made.case.name(),
                made.case.expected(),
            );
            match (place, &mut folder) {
                (Some((file, line, _)), Some(folder)) => folder.truth.push((file, line, fields)),
                _ => {
                    writeln!(truth, "{{\"line\":{},{fields}", index + 1).map_err(io(&truth_path))?
                }
            }
            bits.extend(made.bits);
        }
        start = end;
    }
    creds.flush().map_err(io(&cred_path))?;
    if let Some(folder) = folder {
        let status = (args.status_lists > 0).then(|| args.out.join("status"));
        folder
            .finish(&dids, status.as_deref(), &mut truth)
            .map_err(io(&truth_path))?;
    }
    truth.flush().map_err(io(&truth_path))?;
    if let Some(plan) = &plan {
        plan.write(
            &issuers,
            &bits,
            as_of.secs,
            args.status_history,
            &args.out.join("status"),
        )?;
    }
    let manifest_path = args.out.join("manifest.json");
    let manifest = format!(
        "{{\"records\":{},\"seed\":{},\"format\":\"{}\",\"issuers\":{},\"status_lists\":{}{},\"mix\":{},\"as_of\":\"{}\",\"layout\":\"{}\"{}}}\n",
        args.records,
        args.seed,
        format!("{:?}", args.format).to_lowercase(),
        args.issuers,
        plan.as_ref().map_or(0, |p| p.lists.len()),
        match args.status_history {
            1 => String::new(),
            k => format!(",\"status_history\":{k}"),
        },
        q(&args.mix),
        as_of,
        format!("{:?}", args.layout).to_lowercase(),
        match args.shapes {
            1 => String::new(),
            n => format!(",\"shapes\":{n}"),
        },
    );
    fs::write(&manifest_path, manifest).map_err(io(&manifest_path))?;
    Ok(cred_path)
}
