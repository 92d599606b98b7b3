//! Status lists, decoded once per run and shared by every worker.
//!
//! - W3C Bitstring Status List v1.0: `encodedList` is `u` (multibase
//!   base64url) followed by unpadded base64url of a GZIP (RFC 1952) stream;
//!   index 0 is the most significant bit of the first byte (§4.1 "Bitstring
//!   Encoding"). An entry of `statusSize` bits occupies bits
//!   `[i·size, (i+1)·size)`, its first bit the most significant of the value.
//! - StatusList2021 (the W3C CCG draft it replaced): the same bitstring, with
//!   no multibase prefix.
//! - The 1EdTech Revocation List of Open Badges 3.0: a document with an
//!   `id`, an `issuer` and `revokedCredentials`, each naming a credential id.
//!
//! Set bits are held in a roaring bitmap: lists are mostly zeros, and a
//! lookup is a binary search in a small container.

use std::collections::HashSet;
use std::io::Read;

use roaring::RoaringBitmap;

use crate::encoding::base64url;
use crate::encoding::multibase::{self, MultibaseError};
use crate::json::{JsonParser, Value};
use crate::time::Timestamp;
use crate::verdict::{Problem, Problems, Verdict, Warning, Warnings};

/// The shortest list the W3C recommendation allows (§4.1: 16 KB, for
/// herd privacy). Shorter lists are common in the field.
pub const MIN_ENTRIES: u64 = 131_072;

/// Largest decompressed bitstring accepted: 128 Mbit. Bounds what a
/// GZIP bomb in a list can cost.
pub const MAX_LIST_BYTES: u64 = 16 << 20;

// Bit positions are 32-bit (roaring bitmaps): the limit must keep them so.
const _: () = assert!(MAX_LIST_BYTES * 8 <= 1 << 32);

pub use crate::verdict::Purpose;

/// Which encoding of `encodedList` a list uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `u` + base64url (Bitstring Status List v1.0).
    Multibase,
    /// base64url alone (StatusList2021).
    Bare,
}

/// Why an `encodedList` does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A Bitstring Status List's `encodedList` does not start with `u`.
    #[error("encodedList lacks the multibase prefix u")]
    Prefix,
    /// Not unpadded base64url.
    #[error("encodedList is not unpadded base64url")]
    Base64,
    /// Not a single complete GZIP stream.
    #[error("encodedList is not a complete GZIP stream")]
    Gzip,
    /// Decompresses to more than [`MAX_LIST_BYTES`].
    #[error("the bitstring is larger than the limit")]
    TooLarge,
}

/// A decoded bitstring: its length and the positions of its set bits.
#[derive(Clone, Debug, PartialEq)]
pub struct Bitstring {
    set: RoaringBitmap,
    len_bits: u64,
}

impl Bitstring {
    /// Decodes an `encodedList`.
    pub fn decode(encoded: &str, encoding: Encoding) -> Result<Bitstring, DecodeError> {
        let mut gzip = Vec::new();
        match encoding {
            Encoding::Multibase => {
                multibase::decode_base64url(encoded, &mut gzip).map_err(|e| match e {
                    MultibaseError::Prefix => DecodeError::Prefix,
                    MultibaseError::Encoding => DecodeError::Base64,
                })?
            }
            Encoding::Bare if base64url::decode(encoded.as_bytes(), &mut gzip) => {}
            Encoding::Bare => return Err(DecodeError::Base64),
        }
        // GZIP only: a zlib or raw deflate stream is refused by the header
        // check, a truncated one by the trailer check.
        let mut bytes = Vec::new();
        let mut decoder = flate2::bufread::GzDecoder::new(&gzip[..]);
        (&mut decoder)
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| DecodeError::Gzip)?;
        if bytes.len() as u64 > MAX_LIST_BYTES {
            return Err(DecodeError::TooLarge);
        }
        // One GZIP member and nothing after it.
        if !decoder.into_inner().is_empty() {
            return Err(DecodeError::Gzip);
        }
        Ok(Bitstring::from_bytes(&bytes))
    }

    /// The bitstring of `bytes`, most significant bit first.
    pub fn from_bytes(bytes: &[u8]) -> Bitstring {
        let words = bytes.chunks(8).enumerate().filter_map(|(w, chunk)| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            let word = u64::from_be_bytes(word);
            (word != 0).then_some((w as u32 * 64, word))
        });
        let positions = words.flat_map(|(base, mut word)| {
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let lead = word.leading_zeros();
                word &= !(1u64 << (63 - lead));
                Some(base + lead)
            })
        });
        let set = RoaringBitmap::from_sorted_iter(positions)
            .expect("positions are produced in increasing order");
        Bitstring {
            set,
            len_bits: bytes.len() as u64 * 8,
        }
    }

    /// Length in bits.
    pub fn len_bits(&self) -> u64 {
        self.len_bits
    }

    /// The positions of the set bits.
    pub fn set_bits(&self) -> &RoaringBitmap {
        &self.set
    }

    /// The `size`-bit value of entry `index`, most significant bit first;
    /// None if the entry lies beyond the end of the list.
    pub fn value(&self, index: u64, size: u32) -> Option<u32> {
        let size = u64::from(size);
        let first = index.checked_mul(size)?;
        if size == 0 || size > 32 || first.checked_add(size)? > self.len_bits {
            return None;
        }
        // Within the list, so below 2^27 and a valid u32 position.
        Some((first..first + size).fold(0, |v, bit| {
            v << 1 | u32::from(self.set.contains(bit as u32))
        }))
    }
}

/// The kinds of list, by the entry type that points at them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `BitstringStatusListCredential`, for `BitstringStatusListEntry`.
    Bitstring,
    /// `StatusList2021Credential`, for `StatusList2021Entry`.
    StatusList2021,
    /// A 1EdTech Revocation List, for `1EdTechRevocationList`.
    OneEdTech,
    /// An Open Badges 2.0 `RevocationList`, named by an issuer Profile's
    /// `revocationList`; unsigned by design.
    Ob2,
}

/// What a list answers.
#[derive(Debug)]
pub enum ListBody {
    /// A bitstring list (Bitstring Status List or StatusList2021).
    Bits {
        /// The subject's `statusPurpose`: one or several.
        purposes: Vec<Purpose>,
        /// The decoded `encodedList`.
        bits: Bitstring,
    },
    /// Ids of revoked credentials.
    Revoked(HashSet<Box<str>>),
}

/// A loaded list, keyed elsewhere by the URL entries name it by.
#[derive(Debug)]
pub struct StatusList {
    /// Which entries may name it.
    pub kind: ListKind,
    /// The list's issuer, which must be the credential's.
    pub issuer: Box<str>,
    /// Ok when the list verified and is within its validity window; else the
    /// problem every entry pointing at it gets.
    pub usable: Result<(), Problem>,
    /// What every entry answered from it notes (an unsigned 1EdTech list).
    pub warnings: Warnings,
    /// What it answers.
    pub body: ListBody,
    /// The encodings of the keys its proofs were checked under (empty for
    /// an unsigned list); a list whose issuer differs from a credential's
    /// still answers for it when one of these also verified the credential
    /// (warning `status_list_same_key`).
    pub signers: Vec<[u8; 32]>,
    /// Its `validFrom` (VC 1.1: `issuanceDate`; a JWT's `nbf`), which
    /// orders snapshots of one URL.
    pub valid_from: Option<Timestamp>,
    /// Whether it was chosen among several snapshots of its URL (entries
    /// it answers then name it in `status_snapshots`).
    pub of_several: bool,
    /// The SHA-256 of its document, named by a revalidation index.
    pub digest: [u8; 32],
}

/// Why a document given as a status list is not one; a run-level error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListError {
    /// The document is not JSON.
    #[error("not JSON ({0})")]
    NotJson(Problem),
    /// Neither a JSON object nor a compact JWS (bare or as a JSON string).
    #[error("neither a JSON object nor a compact JWS")]
    NotAToken,
    /// A compact JWS whose payload is not base64url.
    #[error("a compact JWS whose payload is not base64url")]
    Payload,
    /// No URL can be given to the list.
    #[error("the list has no id and no URL is bound to it")]
    NoUrl,
    /// Not a list of a kind this engine reads.
    #[error(
        "neither a BitstringStatusList, a StatusList2021, a 1EdTech Revocation List nor an Open Badges 2.0 RevocationList"
    )]
    NotAList,
    /// The list names no issuer.
    #[error("the list has no issuer")]
    NoIssuer,
    /// An unsigned list (1EdTech, Open Badges 2.0) given beside another
    /// list of its URL.
    #[error("an unsigned list of {url} given beside another of the same URL, {}: only signed lists may be snapshots", other.display())]
    UnsignedSnapshot {
        /// The list's URL.
        url: String,
        /// The other list's file.
        other: std::path::PathBuf,
    },
    /// Two different snapshots of one URL with the same `validFrom`.
    #[error("two different snapshots of {url} with the same validFrom; the other is {}", other.display())]
    Duplicate {
        /// The list's URL.
        url: String,
        /// The other snapshot's file.
        other: std::path::PathBuf,
    },
    /// A file of lists is a JSON array that does not scan.
    #[error(transparent)]
    Array(#[from] crate::source::array::ArrayProblem),
}

/// Reads one status list document, judged as a record with `problems`,
/// under the URL it is `bound` to or else its `id`. A list that fails its
/// own checks or does not decode is kept, unusable, so that the entries
/// naming it say why; a document that is not a status list at all is an
/// `Err` for the run.
pub fn load(
    doc: &[u8],
    problems: Problems,
    bound: Option<&str>,
) -> Result<(String, StatusList), StatusListError> {
    let (json, jws) = document_json(doc)?;
    let mut parser = JsonParser::default();
    parser
        .with_doc(&json, |top| {
            // A VC-JWT 1.1 carries the credential in its `vc` claim, and
            // may name it and its issuer only in `jti` and `iss`.
            let root = top.get("vc").filter(|v| v.is_object()).unwrap_or(top);
            let claim = |name| top.get(name).and_then(Value::as_str);
            let url = bound
                .or_else(|| root.get("id").and_then(Value::as_str))
                .or_else(|| jws.then(|| claim("jti")).flatten())
                .ok_or(StatusListError::NoUrl)?;
            let kind = kind_of(root).ok_or(StatusListError::NotAList)?;
            // An Open Badges 2.0 list need not name its issuer: the
            // Profile that names the list vouches for it.
            let issuer = crate::credential::issuer_of(root)
                .or_else(|| jws.then(|| claim("iss")).flatten())
                .or_else(|| (kind == ListKind::Ob2).then_some(""))
                .ok_or(StatusListError::NoIssuer)?;
            let mut warnings = Warnings::empty();
            // 1EdTech publishes its revocation lists unsigned, and not as
            // credentials: such a document fails only for want of a proof
            // or of credential members. Anything else (a JWS, a proof that
            // fails) must verify like any list. An Open Badges 2.0 list is
            // unsigned by design, whatever judging it as a credential said.
            let unsigned = match kind {
                ListKind::Ob2 => !jws,
                ListKind::OneEdTech => {
                    !jws && root.get("proof").is_none()
                        && problems
                            .iter()
                            .all(|p| matches!(p, Problem::NoProof | Problem::BadMember))
                }
                _ => false,
            };
            let mut usable = match problems.verdict() {
                _ if unsigned => {
                    warnings.insert(Warning::StatusListUnsigned);
                    Ok(())
                }
                Verdict::Valid => Ok(()),
                Verdict::Expired => Err(Problem::StatusListExpired),
                Verdict::NotYetValid => Err(Problem::StatusListNotYetValid),
                _ => Err(Problem::StatusListUnverified),
            };
            let valid_from = ["validFrom", "issuanceDate"]
                .iter()
                .find_map(|m| root.get(m))
                .and_then(Value::as_str)
                .and_then(|t| Timestamp::parse(t).ok())
                .or_else(|| {
                    let nbf = top.get("nbf").and_then(Value::as_u64)?;
                    Some(Timestamp::from_unix(i64::try_from(nbf).ok()?))
                });
            let body = read_body(root, kind).unwrap_or_else(|_| {
                usable = usable.and(Err(Problem::StatusListMalformed));
                ListBody::Revoked(HashSet::new())
            });
            Ok((
                url.to_owned(),
                StatusList {
                    kind,
                    issuer: issuer.into(),
                    usable,
                    warnings,
                    body,
                    signers: Vec::new(),
                    valid_from,
                    of_several: false,
                    digest: [0; 32],
                },
            ))
        })
        .map_err(StatusListError::NotJson)?
}

/// The JSON of a list document, and whether it came from a JWS: the object
/// itself, or the payload of a VC-JWT (bare or as a JSON string).
fn document_json(doc: &[u8]) -> Result<(Vec<u8>, bool), StatusListError> {
    let doc = doc.trim_ascii();
    let token: Vec<u8> = match doc.first() {
        Some(b'{') => return Ok((doc.to_vec(), false)),
        Some(b'"') => JsonParser::default()
            .with_doc(doc, |v| v.as_str().map(|s| s.as_bytes().to_vec()))
            .ok()
            .flatten()
            .ok_or(StatusListError::NotAToken)?,
        _ => doc.to_vec(),
    };
    let payload = token
        .split(|&b| b == b'.')
        .nth(1)
        .ok_or(StatusListError::NotAToken)?;
    let mut json = Vec::new();
    if !base64url::decode(payload, &mut json) {
        return Err(StatusListError::Payload);
    }
    Ok((json, true))
}

fn kind_of(root: Value<'_>) -> Option<ListKind> {
    if root.get("revokedCredentials").is_some() {
        return Some(ListKind::OneEdTech);
    }
    if root.get("revokedAssertions").is_some() {
        return Some(ListKind::Ob2);
    }
    let types = root.get("credentialSubject")?.get("type")?;
    types.one_or_many().find_map(|t| match t.as_str()? {
        "BitstringStatusList" => Some(ListKind::Bitstring),
        "StatusList2021" => Some(ListKind::StatusList2021),
        _ => None,
    })
}

/// What the list answers; Err when its members do not decode.
fn read_body(root: Value<'_>, kind: ListKind) -> Result<ListBody, ()> {
    if kind == ListKind::OneEdTech {
        // revokedCredentials[].id
        return root
            .get("revokedCredentials")
            .ok_or(())?
            .one_or_many()
            .map(|r| r.get("id").and_then(Value::as_str).map(Box::from).ok_or(()))
            .collect::<Result<HashSet<_>, ()>>()
            .map(ListBody::Revoked);
    }
    if kind == ListKind::Ob2 {
        // revokedAssertions[]: an assertion's id, or an object with one.
        return root
            .get("revokedAssertions")
            .ok_or(())?
            .one_or_many()
            .map(|r| {
                r.as_str()
                    .or_else(|| r.get("id").and_then(Value::as_str))
                    .map(Box::from)
                    .ok_or(())
            })
            .collect::<Result<HashSet<_>, ()>>()
            .map(ListBody::Revoked);
    }
    // The credential's own type names the kind too (Bitstring Status List
    // §3.2 "Validate Algorithm").
    let credential_type = match kind {
        ListKind::StatusList2021 => "StatusList2021Credential",
        _ => "BitstringStatusListCredential",
    };
    let types = root.get("type").ok_or(())?;
    if !types
        .one_or_many()
        .any(|t| t.as_str() == Some(credential_type))
    {
        return Err(());
    }
    let subject = root.get("credentialSubject").ok_or(())?;
    let purposes = subject
        .get("statusPurpose")
        .ok_or(())?
        .one_or_many()
        .map(|p| p.as_str().map(Purpose::from_word).ok_or(()))
        .collect::<Result<Vec<_>, ()>>()?;
    let encoded = subject
        .get("encodedList")
        .and_then(Value::as_str)
        .ok_or(())?;
    let encoding = match kind {
        ListKind::StatusList2021 => Encoding::Bare,
        _ => Encoding::Multibase,
    };
    let bits = Bitstring::decode(encoded, encoding).map_err(|_| ())?;
    Ok(ListBody::Bits { purposes, bits })
}

impl StatusList {
    /// A digest of everything the list answers an entry with except its
    /// bits' values: whether it is usable, its warnings, issuer, kind,
    /// signers, `validFrom`, whether it was one of several snapshots, its
    /// purposes and length, and for a list of revoked ids the ids. Two
    /// lists with the same fingerprint answer an entry alike whenever the
    /// entry's value is the same in both (`crate::index`, status postings).
    pub fn fingerprint(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(format!("{:?}", self.usable).as_bytes());
        field(&self.warnings.bits().to_le_bytes());
        field(self.issuer.as_bytes());
        field(format!("{:?}", self.kind).as_bytes());
        for key in &self.signers {
            field(key);
        }
        field(format!("{:?} {}", self.valid_from, self.of_several).as_bytes());
        match &self.body {
            ListBody::Bits { purposes, bits } => {
                field(format!("{purposes:?}").as_bytes());
                field(&bits.len_bits().to_le_bytes());
            }
            ListBody::Revoked(ids) => {
                let mut sorted: Vec<&str> = ids.iter().map(|id| &**id).collect();
                sorted.sort_unstable();
                field(b"revoked");
                for id in sorted {
                    field(id.as_bytes());
                }
            }
        }
        h.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_significant_bit_first() {
        let bits = Bitstring::from_bytes(&[0xc0, 0x01, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(bits.len_bits(), 72);
        assert_eq!(bits.set_bits().iter().collect::<Vec<_>>(), [0, 1, 15, 64]);
        assert_eq!(bits.value(0, 1), Some(1));
        assert_eq!(bits.value(7, 1), Some(0));
        assert_eq!(bits.value(8, 1), Some(0));
        assert_eq!(bits.value(15, 1), Some(1));
        assert_eq!(bits.value(0, 2), Some(3));
        assert_eq!(bits.value(7, 2), Some(1));
        assert_eq!(bits.value(71, 1), Some(0));
        assert_eq!(bits.value(72, 1), None);
        assert_eq!(bits.value(36, 2), None);
        assert_eq!(bits.value(u64::MAX, 2), None);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..17 {
            gz.write_all(&zeros).unwrap();
        }
        let packed = gz.finish().unwrap();
        assert!(packed.len() < 64 << 10, "17 MiB of zeros packs small");
        let encoded = format!("u{}", {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&packed)
        });
        assert_eq!(
            Bitstring::decode(&encoded, Encoding::Multibase),
            Err(DecodeError::TooLarge)
        );
    }

    #[test]
    fn refuses_bad_encodings() {
        assert_eq!(
            Bitstring::decode("H4sI", Encoding::Multibase),
            Err(DecodeError::Prefix)
        );
        assert_eq!(
            Bitstring::decode("u!!!!", Encoding::Multibase),
            Err(DecodeError::Base64)
        );
        assert_eq!(
            Bitstring::decode("uAAAA", Encoding::Multibase),
            Err(DecodeError::Gzip)
        );
        // A complete stream followed by anything else is not one stream.
        use base64::Engine;
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[0x80; 16]).unwrap();
        let mut packed = gz.finish().unwrap();
        let encode = |b: &[u8]| {
            format!(
                "u{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
            )
        };
        let bits = Bitstring::decode(&encode(&packed), Encoding::Multibase).unwrap();
        assert_eq!((bits.len_bits(), bits.set_bits().len()), (128, 16));
        packed.extend_from_slice(b"junk");
        assert_eq!(
            Bitstring::decode(&encode(&packed), Encoding::Multibase),
            Err(DecodeError::Gzip)
        );
    }
}
