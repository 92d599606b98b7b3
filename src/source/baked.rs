//! Credentials baked into badge images: the one credential a PNG or SVG
//! holds, found without decoding the picture.
//!
//! Open Badges travel as images with the credential inside ("baking").
//! This module finds it and hands back its bytes as found; it verifies
//! nothing (the bytes go through the pipeline like any other record).
//!
//! **PNG** (Open Badges 3.0 §"Baked Badge", PNG; Open Badges 2.0 Baking
//! Specification, PNGs). The credential is the text of an `iTXt` chunk with
//! the keyword `openbadgecredential` (3.0: a JSON credential or a compact
//! JWS) or `openbadges` (2.0: an assertion's JSON, a JWS, or the URL of a
//! hosted assertion). The chunks are walked by the `png` crate's
//! [`StreamingDecoder`], which checks the signature, every chunk's CRC and
//! the chunk order, and skips `IDAT` without inflating it: no pixel is
//! ever decoded. Two readings beyond the letter of the specifications,
//! each because real bakers need it:
//!
//! - Both specifications say "Compression MUST NOT be used"; bakers
//!   compress anyway, so a compressed `iTXt` is read, inflated at most
//!   `max_payload_bytes` (checked while inflating), and [`Baked::compressed`]
//!   says so: the caller reports the warning `baked_compressed`.
//! - A `tEXt` chunk with the keyword `openbadges` is read as Open Badges
//!   2.0: it is the pre-specification form that the 2.0 Baking
//!   Specification still describes under "Legacy PNGs" (the URL of a
//!   hosted assertion), Moodle writes it (`badges_bake`: `tEXt`
//!   `openbadges`, the assertion URL) and Mozilla's `openbadges-bakery`
//!   reads `tEXt` and `iTXt` alike. Its Latin-1 text is returned as UTF-8.
//!   No baker was found that writes `zTXt`, or `tEXt` with the 3.0 keyword:
//!   such chunks are ignored like any other chunk.
//!
//! **SVG** (Open Badges 3.0 §"Baked Badge", SVG; 2.0 Baking Specification,
//! SVGs). The credential is an `openbadges:credential` element (3.0: the
//! JSON credential as its text, usually CDATA, or a VC-JWT in its `verify`
//! attribute) or an `openbadges:assertion` element (2.0: the assertion's
//! JSON as its text; when the element has no text, the JWS or URL in its
//! `verify` attribute). Elements are matched by namespace URI, never by
//! prefix: `https://purl.imsglobal.org/ob/v3p0` (and
//! `https://purl.imsglobal.org/spec/ob/v3p0`, which bakers also write) for
//! 3.0, `http://openbadges.org` for 2.0. The XML is read by `quick-xml`,
//! which never expands an entity: a DOCTYPE may declare entities (Adobe
//! Illustrator's SVGs do), but a reference to one inside the credential is
//! [`BakedError::Corrupt`], so an "XML bomb" costs one pass over its bytes.
//! Only the five predefined entities and character references are
//! resolved. The element may stand anywhere in the document, not only
//! first as the specifications ask.
//!
//! **Promises.** Both specifications say the credential "MUST NOT appear
//! more than once" and let a reader stop at the first; this module reads
//! the whole image instead, so that two credentials are
//! [`BakedError::MoreThanOne`] rather than whichever comes first. No input
//! makes it panic; every loop is bounded by the input's size; the payload,
//! and all a compressed chunk may inflate to, are bounded by
//! `max_payload_bytes`.

use std::borrow::Cow;
use std::fmt;

use flate2::{Decompress, FlushDecompress, Status};
use png::chunk::{self, ChunkType};
use png::{DecodeOptions, Decoded, DecodingError, StreamingDecoder};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

use super::trim;

/// A sensible `max_payload_bytes`: the largest record the pipeline takes
/// ([`crate::limits::RECORD_BYTES`]), since the payload becomes a record.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = crate::limits::RECORD_BYTES;

/// The eight bytes every PNG starts with (PNG §5.2).
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// `iTXt` keyword of an Open Badges 3.0 credential (OB 3.0, Baked Badge, PNG).
const KEYWORD_OB3: &[u8] = b"openbadgecredential";
/// `iTXt` (and legacy `tEXt`) keyword of an Open Badges 2.0 assertion.
const KEYWORD_OB2: &[u8] = b"openbadges";

/// Namespace of `openbadges:credential` (OB 3.0, Baked Badge, SVG).
const NS_OB3: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The namespace some 3.0 bakers write instead: the specification's base URL.
const NS_OB3_SPEC: &str = "https://purl.imsglobal.org/spec/ob/v3p0";
/// Namespace of `openbadges:assertion` (OB 2.0 Baking Specification, SVGs).
const NS_OB2: &str = "http://openbadges.org";

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Which Open Badges version baked the credential, as the chunk keyword or
/// the element's namespace says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BadgeVersion {
    /// Open Badges 3.0: `iTXt` `openbadgecredential`, or
    /// `openbadges:credential` in `https://purl.imsglobal.org/ob/v3p0`.
    Ob3,
    /// Open Badges 2.0: `iTXt` (or legacy `tEXt`) `openbadges`, or
    /// `openbadges:assertion` in `http://openbadges.org`.
    Ob2,
}

impl BadgeVersion {
    /// "3.0" or "2.0".
    pub fn as_str(self) -> &'static str {
        match self {
            BadgeVersion::Ob3 => "3.0",
            BadgeVersion::Ob2 => "2.0",
        }
    }

    /// The PNG text keyword of this version.
    fn keyword(self) -> &'static [u8] {
        match self {
            BadgeVersion::Ob3 => KEYWORD_OB3,
            BadgeVersion::Ob2 => KEYWORD_OB2,
        }
    }
}

/// The credential found in an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baked {
    /// The version the image's chunk keyword or element namespace names.
    pub version: BadgeVersion,
    /// The credential as found, trimmed of surrounding white space (space,
    /// tab, CR, LF): a JSON object (an OB 3.0 credential or an OB 2.0
    /// assertion), a compact JWS, or (OB 2.0) a URL. Never empty; UTF-8
    /// (checked), but not parsed: [`Baked::kind`] only looks at its shape.
    pub payload: Vec<u8>,
    /// The PNG chunk was compressed, which both specifications forbid; the
    /// caller reports the warning `baked_compressed`. Always false for SVG.
    pub compressed: bool,
}

/// What a payload looks like; a guess from its first bytes, for messages
/// and routing, not a parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// Starts with `{`: a JSON credential or assertion.
    Json,
    /// Three dot-separated base64url parts (the last may be empty): a
    /// compact JWS such as a VC-JWT.
    CompactJws,
    /// Starts with `http://` or `https://`: a hosted OB 2.0 assertion.
    Url,
    /// Anything else.
    Other,
}

impl Baked {
    /// The payload's shape: JSON, compact JWS, URL or other.
    pub fn kind(&self) -> PayloadKind {
        let p = &self.payload[..];
        let starts = |prefix: &[u8]| {
            p.len() >= prefix.len() && p[..prefix.len()].eq_ignore_ascii_case(prefix)
        };
        if p.first() == Some(&b'{') {
            PayloadKind::Json
        } else if starts(b"https://") || starts(b"http://") {
            PayloadKind::Url
        } else if p.iter().filter(|&&b| b == b'.').count() == 2
            && p.iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !p.starts_with(b".")
            && !p.windows(2).any(|w| w == b"..")
        {
            PayloadKind::CompactJws
        } else {
            PayloadKind::Other
        }
    }
}

/// Why no credential came out of an image. Each carries what was found and
/// where (byte offsets count from the start of the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BakedError {
    /// A well-formed image with no credential chunk or element.
    #[error("no baked credential: {0}")]
    NoCredential(String),
    /// Two credential chunks or elements (of one version or of both); the
    /// specifications allow one.
    #[error("more than one baked credential: {first} and {second}")]
    MoreThanOne {
        /// The first, as "what at byte N".
        first: String,
        /// The second.
        second: String,
    },
    /// The image is damaged or not what it claims to be (bad signature, CRC,
    /// truncation, ill-formed XML, a credential chunk or element that
    /// cannot be read); the text says what and where.
    #[error("corrupt baked image: {0}")]
    Corrupt(String),
    /// The payload (for a compressed chunk: its inflated text) is longer
    /// than `max_payload_bytes`.
    #[error("the baked credential {what} is longer than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, `max_payload_bytes`.
        limit: usize,
        /// Where: the chunk or element, and its offset.
        what: String,
    },
}

/// True when `head` (the first bytes of a file; 8 are enough) opens with the
/// PNG signature. A file that does not is never a PNG, so a huge file of
/// anything else is refused after reading 8 bytes.
pub fn is_png(head: &[u8]) -> bool {
    head.starts_with(&PNG_SIGNATURE)
}

/// True when `head` (the first bytes of a file; give 1 KiB or more) looks
/// like an SVG document: after an optional UTF-8 byte order mark, white
/// space, an XML declaration, comments, processing instructions and a
/// DOCTYPE, the first element is `<svg` (or a prefixed `<…:svg`). A sniff
/// for routing, not a validation: [`extract_svg`] reads the document.
pub fn looks_like_svg(head: &[u8]) -> bool {
    let mut s = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    // Each turn removes at least two bytes, so the loop ends.
    loop {
        s = s.trim_ascii_start();
        let skip = if s.starts_with(b"<?") {
            find(s, b"?>").map(|i| i + 2)
        } else if s.starts_with(b"<!--") {
            find(s, b"-->").map(|i| i + 3)
        } else if s.starts_with(b"<!DOCTYPE") {
            // An internal subset ends with "]>"; otherwise the first ">".
            match (memchr::memchr(b'[', s), memchr::memchr(b'>', s)) {
                (Some(open), Some(close)) if open < close => find(s, b"]>").map(|i| i + 2),
                (_, Some(close)) => Some(close + 1),
                _ => None,
            }
        } else {
            break;
        };
        match skip {
            Some(n) => s = &s[n..],
            None => return false,
        }
    }
    let Some(rest) = s.strip_prefix(b"<") else {
        return false;
    };
    let name_end = rest
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
        .unwrap_or(rest.len());
    let name = &rest[..name_end];
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    local == b"svg" && name_end < rest.len()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

// ------------------------------------------------------------------ PNG

/// A credential chunk found while walking the PNG.
struct Found {
    baked: Baked,
    at: String,
}

/// The credential baked into a PNG. See the module documentation for which
/// chunks count; `max_payload_bytes` bounds the payload and what a
/// compressed chunk may inflate to.
///
/// Every chunk is walked, its CRC checked and `IDAT` skipped uninflated;
/// a file that does not open with the PNG signature is refused before
/// anything else is read.
pub fn extract_png(bytes: &[u8], max_payload_bytes: usize) -> Result<Baked, BakedError> {
    if bytes.is_empty() {
        return Err(BakedError::Corrupt(
            "PNG: an empty file (0 bytes)".to_owned(),
        ));
    }
    if !is_png(bytes) {
        return Err(BakedError::Corrupt(format!(
            "PNG: no PNG signature in the first 8 bytes (found {})",
            hex(&bytes[..bytes.len().min(8)])
        )));
    }
    let mut options = DecodeOptions::default();
    // Text chunks are read here, from `bytes`, so the decoder neither
    // copies them nor drops a malformed one silently; ICC profiles are not
    // our business. A bad CRC in any chunk is an error, not a skipped chunk.
    options.set_ignore_text_chunk(true);
    options.set_ignore_iccp_chunk(true);
    options.set_skip_ancillary_crc_failures(false);
    let mut decoder = StreamingDecoder::new_with_options(options);

    let mut pos = 0usize;
    // The chunk being read: its type, where its data starts, its length.
    let mut current: Option<(ChunkType, usize, usize)> = None;
    let mut seen_idat = false;
    let mut found: Option<Found> = None;
    // Each call consumes input or reports an event that moves the decoder
    // on (at most a few per chunk, and a chunk takes 12 bytes or more).
    let mut budget = bytes.len().saturating_mul(2).saturating_add(64);
    loop {
        budget = budget.checked_sub(1).ok_or_else(|| {
            BakedError::Corrupt(format!(
                "PNG: the decoder stopped making progress at byte {pos}"
            ))
        })?;
        let rest = &bytes[pos..];
        if rest.is_empty() {
            let what = current.map_or("the signature".to_owned(), |(ty, start, len)| {
                format!("a {} chunk of {len} bytes at byte {}", name(ty), start - 8)
            });
            return Err(BakedError::Corrupt(format!(
                "PNG: truncated after {what}: the file ends at byte {pos} without an IEND chunk"
            )));
        }
        let (consumed, event) = decoder
            .update(rest, None)
            .map_err(|e| png_error(e, pos, current))?;
        pos += consumed;
        match event {
            Decoded::ChunkBegin(len, ty) => {
                current = Some((ty, pos, len as usize));
                seen_idat |= ty == chunk::IDAT;
            }
            Decoded::ChunkComplete(chunk::IEND) => break,
            Decoded::SkippedAncillaryChunk(ty) | Decoded::BadAncillaryChunk(ty)
                if ty == chunk::iTXt || ty == chunk::tEXt =>
            {
                let Some((_, start, len)) = current else {
                    continue;
                };
                let data = bytes.get(start..start.saturating_add(len)).ok_or_else(|| {
                    BakedError::Corrupt(format!(
                        "PNG: the {} chunk at byte {} overruns the file",
                        name(ty),
                        start - 8
                    ))
                })?;
                let Some(candidate) = text_chunk(ty, data, start - 8, max_payload_bytes)? else {
                    continue;
                };
                if let Some(first) = found {
                    return Err(BakedError::MoreThanOne {
                        first: first.at,
                        second: candidate.at,
                    });
                }
                found = Some(candidate);
            }
            _ => {}
        }
    }
    if !seen_idat {
        return Err(BakedError::Corrupt(
            "PNG: no IDAT chunk before IEND".to_owned(),
        ));
    }
    found.map(|f| f.baked).ok_or_else(|| {
        BakedError::NoCredential(
            "PNG: no iTXt chunk with the keyword openbadgecredential or openbadges, nor a tEXt with openbadges"
                .to_owned(),
        )
    })
}

/// Reads a text chunk's data (PNG §11.3.4): `None` when its keyword is not
/// ours. `at` is the chunk's offset, for messages.
fn text_chunk(
    ty: ChunkType,
    data: &[u8],
    at: usize,
    max_payload_bytes: usize,
) -> Result<Option<Found>, BakedError> {
    let Some(nul) = memchr::memchr(0, data) else {
        return Ok(None);
    };
    let version = match &data[..nul] {
        k if k == KEYWORD_OB3 && ty == chunk::iTXt => BadgeVersion::Ob3,
        k if k == KEYWORD_OB2 => BadgeVersion::Ob2,
        _ => return Ok(None),
    };
    let what = format!(
        "{} {} at byte {at}",
        name(ty),
        String::from_utf8_lossy(version.keyword())
    );
    let corrupt = |why: &str| BakedError::Corrupt(format!("PNG: {what}: {why}"));
    let too_large = || BakedError::TooLarge {
        limit: max_payload_bytes,
        what: what.clone(),
    };
    let rest = &data[nul + 1..];
    let (text, compressed): (Cow<'_, [u8]>, bool) = if ty == chunk::tEXt {
        // Latin-1 (PNG §11.3.4.3); returned as UTF-8.
        if rest.len() > max_payload_bytes {
            return Err(too_large());
        }
        let text: String = rest.iter().map(|&b| char::from(b)).collect();
        (Cow::Owned(text.into_bytes()), false)
    } else {
        // iTXt (PNG §11.3.4.5): compression flag, compression method,
        // language tag NUL, translated keyword NUL, text.
        let [flag, method, fields @ ..] = rest else {
            return Err(corrupt(
                "the chunk ends before its compression flag and method",
            ));
        };
        let language_end =
            memchr::memchr(0, fields).ok_or_else(|| corrupt("no NUL after the language tag"))?;
        let after_language = &fields[language_end + 1..];
        let translated_end = memchr::memchr(0, after_language)
            .ok_or_else(|| corrupt("no NUL after the translated keyword"))?;
        let text = &after_language[translated_end + 1..];
        match (flag, method) {
            (0, _) => {
                if text.len() > max_payload_bytes {
                    return Err(too_large());
                }
                (Cow::Borrowed(text), false)
            }
            (1, 0) => match inflate_bounded(text, max_payload_bytes) {
                Ok(inflated) => (Cow::Owned(inflated), true),
                Err(Inflate::TooLarge) => return Err(too_large()),
                Err(Inflate::Corrupt(why)) => return Err(corrupt(&why)),
            },
            (1, m) => return Err(corrupt(&format!("unknown compression method {m}"))),
            (f, _) => return Err(corrupt(&format!("compression flag {f}, neither 0 nor 1"))),
        }
    };
    if let Err(e) = std::str::from_utf8(&text) {
        return Err(corrupt(&format!(
            "the text is not UTF-8 (at byte {} of the text)",
            e.valid_up_to()
        )));
    }
    let payload = trim(&text);
    if payload.is_empty() {
        return Err(corrupt("the text is empty"));
    }
    Ok(Some(Found {
        baked: Baked {
            version,
            payload: payload.to_vec(),
            compressed,
        },
        at: what,
    }))
}

enum Inflate {
    TooLarge,
    Corrupt(String),
}

/// Inflates a zlib stream (RFC 1950), refusing as soon as the output would
/// pass `cap` bytes: at most `cap + 1` bytes are ever produced, whatever the
/// ratio. Bytes after the end of the stream are refused too.
fn inflate_bounded(data: &[u8], cap: usize) -> Result<Vec<u8>, Inflate> {
    let limit = cap.saturating_add(1);
    let mut out = Vec::with_capacity(limit.min(data.len().saturating_mul(4)).clamp(64, 1 << 16));
    let mut inflater = Decompress::new(true);
    // Each turn consumes input or fills output (or fails), so the loop is
    // bounded by the input and `limit`; the counter is a second guard.
    let mut turns = data.len().saturating_add(limit).saturating_add(16);
    loop {
        turns = turns.checked_sub(1).ok_or(Inflate::Corrupt(
            "the compressed text makes no progress".to_owned(),
        ))?;
        if out.len() == out.capacity() {
            if out.len() >= limit {
                return Err(Inflate::TooLarge);
            }
            let grow = out.capacity().min(limit - out.len());
            out.reserve_exact(grow);
        }
        let consumed = inflater.total_in() as usize;
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            // Not `Finish`: miniz_oxide then expects the whole output to
            // fit in one call and fails when `out` is still small (fuzz
            // finding, see FUZZING.md).
            .decompress_vec(&data[consumed..], &mut out, FlushDecompress::None)
            .map_err(|e| Inflate::Corrupt(format!("the compressed text does not inflate: {e}")))?;
        if out.len() > cap {
            return Err(Inflate::TooLarge);
        }
        match status {
            Status::StreamEnd => {
                let used = inflater.total_in() as usize;
                if used != data.len() {
                    return Err(Inflate::Corrupt(format!(
                        "{} bytes after the end of the compressed text",
                        data.len() - used
                    )));
                }
                return Ok(out);
            }
            Status::Ok | Status::BufError => {
                let stalled =
                    inflater.total_in() == in_before && inflater.total_out() == out_before;
                if stalled && out.len() < out.capacity() {
                    return Err(Inflate::Corrupt(
                        "the compressed text is truncated".to_owned(),
                    ));
                }
            }
        }
    }
}

/// The png crate's error, as evidence: what, and where the decoder was.
fn png_error(
    e: DecodingError,
    pos: usize,
    current: Option<(ChunkType, usize, usize)>,
) -> BakedError {
    let chunk = current.map_or(String::new(), |(ty, start, _)| {
        format!(", in the {} chunk at byte {}", name(ty), start - 8)
    });
    BakedError::Corrupt(format!("PNG: {e} (at byte {pos}{chunk})"))
}

/// A chunk type as text (types are four ASCII letters in a valid file).
fn name(ty: ChunkType) -> String {
    String::from_utf8_lossy(&ty.0).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A small valid PNG (16 × 16, grey and alpha: a filled disc) holding
/// `payload` in an uncompressed (or, with `compressed`, a zlib-compressed)
/// `iTXt` chunk before the image data, with the keyword of `version`. For
/// the generator and tests; `extract_png` gives back `payload` trimmed.
///
/// The payload should be UTF-8, as `iTXt` requires; other bytes are
/// written as they are, and [`extract_png`] refuses them.
///
/// # Panics
///
/// When the payload is longer than a PNG chunk can hold (2^31 − 1 bytes,
/// less the chunk's 25-byte header).
pub fn bake_png(payload: &[u8], version: BadgeVersion, compressed: bool) -> Vec<u8> {
    const SIZE: u32 = 16;
    let mut data = Vec::with_capacity(version.keyword().len() + 5 + payload.len());
    data.extend_from_slice(version.keyword());
    // NUL, compression flag and method, empty language tag and translated
    // keyword (OB 3.0 and 2.0 examples).
    data.extend_from_slice(&[0, u8::from(compressed), 0, 0, 0]);
    if compressed {
        let mut z = flate2::write::ZlibEncoder::new(data, flate2::Compression::default());
        std::io::Write::write_all(&mut z, payload).expect("writing to a Vec does not fail");
        data = z.finish().expect("writing to a Vec does not fail");
    } else {
        data.extend_from_slice(payload);
    }
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 2) as usize);
    let centre = (SIZE as i32 - 1) as f32 / 2.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (dx, dy) = (x as f32 - centre, y as f32 - centre);
            let inside = dx * dx + dy * dy <= centre * centre;
            pixels.extend_from_slice(if inside { &[0x40, 0xff] } else { &[0xff, 0x00] });
        }
    }
    let mut out = Vec::with_capacity(data.len() + 200);
    let mut encoder = png::Encoder::new(&mut out, SIZE, SIZE);
    encoder.set_color(png::ColorType::GrayscaleAlpha);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a 16 × 16 header is valid");
    writer
        .write_chunk(chunk::iTXt, &data)
        .expect("the payload fits in a PNG chunk");
    writer
        .write_image_data(&pixels)
        .expect("the pixels fit the header");
    writer.finish().expect("writing to a Vec does not fail");
    out
}

// ------------------------------------------------------------------ SVG

/// A credential element being read.
struct Element {
    version: BadgeVersion,
    at: String,
    verify: Option<String>,
    text: String,
}

/// The credential baked into an SVG. See the module documentation for which
/// elements count; `max_payload_bytes` bounds the element's text and its
/// `verify` attribute.
///
/// The document must be UTF-8 (a byte order mark is allowed) and
/// well-formed as far as `quick-xml` checks (matching end tags, no stray
/// markup); its root element must be `svg`.
pub fn extract_svg(bytes: &[u8], max_payload_bytes: usize) -> Result<Baked, BakedError> {
    let (text, base) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, UTF8_BOM.len()),
        None => (bytes, 0),
    };
    if text.trim_ascii().is_empty() {
        return Err(BakedError::Corrupt(format!(
            "SVG: no document ({} bytes of white space)",
            bytes.len()
        )));
    }
    let text = std::str::from_utf8(text).map_err(|e| {
        BakedError::Corrupt(format!("SVG: not UTF-8 at byte {}", base + e.valid_up_to()))
    })?;
    let mut reader = NsReader::from_str(text);
    let mut root_seen = false;
    let mut inside: Option<Element> = None;
    let mut found: Option<(Baked, String)> = None;
    // Every event but the end consumes at least one byte.
    let mut budget = text.len().saturating_add(2);
    loop {
        budget = budget.checked_sub(1).ok_or_else(|| {
            BakedError::Corrupt("SVG: the XML reader stopped making progress".to_owned())
        })?;
        let at = base as u64 + reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| BakedError::Corrupt(format!("SVG: {e} (after byte {at})")))?;
        let version = match (&ns, &event) {
            (ResolveResult::Bound(Namespace(uri)), Event::Start(e) | Event::Empty(e)) => {
                credential_version(uri, e)
            }
            _ => None,
        };
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if !root_seen => {
                root_seen = true;
                let qname = e.name();
                let local = qname.0.rsplit(':').next().unwrap_or(qname.0);
                if local != "svg" {
                    return Err(BakedError::Corrupt(format!(
                        "SVG: the root element is <{}>, not <svg> (at byte {at})",
                        qname.0
                    )));
                }
            }
            Event::Start(e) | Event::Empty(e) => {
                let Some(version) = version else {
                    if let Some(el) = &inside {
                        return Err(BakedError::Corrupt(format!(
                            "SVG: an element <{}> at byte {at} inside {}",
                            e.name().0,
                            el.at
                        )));
                    }
                    continue;
                };
                let here = format!(
                    "<{}> ({}) at byte {at}",
                    e.name().0,
                    namespace_of(version, &ns)
                );
                if let Some(first) = found
                    .as_ref()
                    .map(|f| f.1.clone())
                    .or(inside.as_ref().map(|el| el.at.clone()))
                {
                    return Err(BakedError::MoreThanOne {
                        first,
                        second: here,
                    });
                }
                let verify = verify_attribute(&e, &here, max_payload_bytes)?;
                let element = Element {
                    version,
                    at: here,
                    verify,
                    text: String::new(),
                };
                if is_empty {
                    found = Some(finish_element(element)?);
                } else {
                    inside = Some(element);
                }
            }
            Event::End(_) => {
                if let Some(el) = inside.take() {
                    found = Some(finish_element(el)?);
                }
            }
            Event::Text(t) => {
                if let Some(el) = inside.as_mut() {
                    append(el, &t.xml10_content(), max_payload_bytes)?;
                }
            }
            Event::CData(c) => {
                if let Some(el) = inside.as_mut() {
                    append(el, &c.xml10_content(), max_payload_bytes)?;
                }
            }
            Event::GeneralRef(r) => {
                if let Some(el) = inside.as_mut() {
                    let name = r.xml10_content();
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_owned(),
                            None => {
                                return Err(BakedError::Corrupt(format!(
                                    "SVG: the entity &{name}; in {} (at byte {at}): entities are never expanded",
                                    el.at
                                )));
                            }
                        },
                        Err(e) => {
                            return Err(BakedError::Corrupt(format!(
                                "SVG: the character reference &{name}; in {} (at byte {at}): {e}",
                                el.at
                            )));
                        }
                    };
                    append(el, &resolved, max_payload_bytes)?;
                }
            }
            Event::Eof => break,
            // Comments, processing instructions, the XML declaration and
            // the DOCTYPE (whose entities are never expanded).
            _ => {}
        }
    }
    if let Some(el) = inside {
        return Err(BakedError::Corrupt(format!(
            "SVG: {} is not closed before the end of the document",
            el.at
        )));
    }
    if !root_seen {
        return Err(BakedError::Corrupt("SVG: no root element".to_owned()));
    }
    found.map(|f| f.0).ok_or_else(|| {
        BakedError::NoCredential(format!(
            "SVG: no credential element in {NS_OB3} or {NS_OB3_SPEC}, nor an assertion in {NS_OB2}"
        ))
    })
}

/// The version a start tag bound to `uri` stands for, if it is a
/// credential element.
fn credential_version(uri: &str, e: &BytesStart<'_>) -> Option<BadgeVersion> {
    let local = e.local_name();
    match (uri, local.as_ref()) {
        (NS_OB3 | NS_OB3_SPEC, "credential") => Some(BadgeVersion::Ob3),
        (NS_OB2, "assertion") => Some(BadgeVersion::Ob2),
        _ => None,
    }
}

fn namespace_of<'a>(version: BadgeVersion, ns: &'a ResolveResult<'_>) -> &'a str {
    match (version, ns) {
        (_, ResolveResult::Bound(Namespace(uri))) => uri,
        (BadgeVersion::Ob3, _) => NS_OB3,
        (BadgeVersion::Ob2, _) => NS_OB2,
    }
}

/// The element's unprefixed `verify` attribute, normalized as XML 1.0 says
/// (§3.3.3: character references resolved, literal white space made
/// spaces); undefined entities are refused.
fn verify_attribute(
    e: &BytesStart<'_>,
    at: &str,
    max_payload_bytes: usize,
) -> Result<Option<String>, BakedError> {
    let mut verify = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| BakedError::Corrupt(format!("SVG: {at}: {err}")))?;
        if attr.key.0 != "verify" {
            continue;
        }
        if attr.value.len() > max_payload_bytes {
            return Err(BakedError::TooLarge {
                limit: max_payload_bytes,
                what: format!("in the verify attribute of {at}"),
            });
        }
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| {
                BakedError::Corrupt(format!(
                    "SVG: the verify attribute of {at}: {err} (entities are never expanded)"
                ))
            })?;
        verify = Some(value.into_owned());
    }
    Ok(verify)
}

/// [`trim`] for text: the white space a payload is trimmed of.
fn trim_str(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

/// Adds text to the element's content, within the limit.
fn append(el: &mut Element, piece: &str, max_payload_bytes: usize) -> Result<(), BakedError> {
    if el.text.len().saturating_add(piece.len()) > max_payload_bytes {
        return Err(BakedError::TooLarge {
            limit: max_payload_bytes,
            what: format!("in {}", el.at),
        });
    }
    el.text.push_str(piece);
    Ok(())
}

/// The payload of a closed credential element: its text, or its `verify`
/// attribute.
///
/// OB 2.0 Baking, SVGs, Extracting: "If the tag has no body, the verify
/// attribute will contain the signature of the badge. If there is a body,
/// it will be the JSON representation of a badge assertion" (the 2.0
/// example bakes both, the body and the hosted URL). OB 3.0 bakes either a
/// VC-JWT in `verify` or JSON in the body, so both at once are two
/// credentials.
fn finish_element(el: Element) -> Result<(Baked, String), BakedError> {
    let verify = el.verify.as_deref().map(trim_str).filter(|v| !v.is_empty());
    let body = trim_str(&el.text);
    let payload = match (el.version, body.is_empty(), verify) {
        (_, false, None) | (BadgeVersion::Ob2, false, Some(_)) => body,
        (_, true, Some(v)) => v,
        (BadgeVersion::Ob3, false, Some(_)) => {
            return Err(BakedError::MoreThanOne {
                first: format!("the verify attribute of {}", el.at),
                second: format!("the text of {}", el.at),
            });
        }
        (_, true, None) => {
            return Err(BakedError::Corrupt(format!(
                "SVG: {} has neither text nor a verify attribute",
                el.at
            )));
        }
    };
    Ok((
        Baked {
            version: el.version,
            payload: payload.as_bytes().to_vec(),
            compressed: false,
        },
        el.at,
    ))
}

/// A small SVG (a disc) holding `payload` in the credential element of
/// `version`, declared right after the `<svg>` tag as both specifications
/// show: in its `verify` attribute (`in_verify_attribute`; OB 3.0 VC-JWT,
/// OB 2.0 JWS or URL) or as its text, in CDATA (JSON). For the generator
/// and tests; [`extract_svg`] gives back `payload` trimmed.
///
/// Bytes that are not UTF-8 are replaced by U+FFFD. A `]]>` in the payload
/// is split across two CDATA sections and a CR is written as `&#13;`, so
/// that XML's end-of-line handling leaves the payload as it was.
pub fn bake_svg(payload: &[u8], version: BadgeVersion, in_verify_attribute: bool) -> Vec<u8> {
    let payload = String::from_utf8_lossy(payload);
    let (uri, element) = match version {
        BadgeVersion::Ob3 => (NS_OB3, "openbadges:credential"),
        BadgeVersion::Ob2 => (NS_OB2, "openbadges:assertion"),
    };
    let mut out = String::with_capacity(payload.len() + 400);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:openbadges=\"");
    out.push_str(uri);
    out.push_str("\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\">\n  <");
    out.push_str(element);
    if in_verify_attribute {
        out.push_str(" verify=\"");
        for c in payload.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '"' => out.push_str("&quot;"),
                // Literal white space in an attribute becomes a space
                // (XML 1.0 §3.3.3); references survive.
                '\t' => out.push_str("&#9;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                c => out.push(c),
            }
        }
        out.push_str("\"/>\n");
    } else {
        out.push_str("><![CDATA[");
        let mut rest: &str = &payload;
        while !rest.is_empty() {
            let cut = rest.find(['\r', ']']).unwrap_or(rest.len());
            out.push_str(&rest[..cut]);
            rest = &rest[cut..];
            if let Some(after) = rest.strip_prefix('\r') {
                // XML 1.0 §2.11 turns a literal CR into LF; a reference
                // outside CDATA is kept.
                out.push_str("]]>&#13;<![CDATA[");
                rest = after;
            } else if let Some(after) = rest.strip_prefix("]]>") {
                out.push_str("]]]]><![CDATA[>");
                rest = after;
            } else if let Some(after) = rest.strip_prefix(']') {
                out.push(']');
                rest = after;
            }
        }
        out.push_str("]]></");
        out.push_str(element);
        out.push_str(">\n");
    }
    out.push_str("  <circle cx=\"32\" cy=\"32\" r=\"30\" fill=\"#3a6ea5\"/>\n</svg>\n");
    out.into_bytes()
}

impl fmt::Display for BadgeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Open Badges {}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    const CAP: usize = 1 << 20;

    /// An OB 3.0 credential, trimmed, as a baker writes it.
    const CREDENTIAL: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],"id":"urn:uuid:baked-0001","type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{"id":"did:key:z6MkBaker","type":["Profile"]},"validFrom":"2026-01-01T00:00:00Z","credentialSubject":{"type":["AchievementSubject"],"achievement":{"id":"urn:uuid:a","type":["Achievement"],"name":"Baking ]]> & <escapes> \"quoted\""}}}"#;
    const PLAIN: &str =
        r#"{"id":"urn:uuid:plain","type":["VerifiableCredential","OpenBadgeCredential"]}"#;
    const JWS: &str = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ1cm46dXVpZDpiYWtlZCJ9.c2lnbmF0dXJl";
    const URL: &str = "https://example.org/assertions/123";

    fn baked(version: BadgeVersion, payload: &str, compressed: bool) -> Baked {
        Baked {
            version,
            payload: payload.as_bytes().to_vec(),
            compressed,
        }
    }

    /// The data of an `iTXt` chunk.
    fn itxt(keyword: &[u8], compressed: bool, text: &[u8]) -> Vec<u8> {
        let mut data = keyword.to_vec();
        data.extend_from_slice(&[0, u8::from(compressed), 0]);
        data.extend_from_slice(b"en\0\0");
        if compressed {
            let mut z = flate2::write::ZlibEncoder::new(data, flate2::Compression::best());
            std::io::Write::write_all(&mut z, text).unwrap();
            z.finish().unwrap()
        } else {
            data.extend_from_slice(text);
            data
        }
    }

    fn text(ty: &[u8], keyword: &[u8], body: &[u8]) -> (ChunkType, Vec<u8>) {
        let mut data = keyword.to_vec();
        data.push(0);
        if ty == b"zTXt" {
            data.push(0);
            let mut z = flate2::write::ZlibEncoder::new(data, flate2::Compression::default());
            std::io::Write::write_all(&mut z, body).unwrap();
            data = z.finish().unwrap();
        } else {
            data.extend_from_slice(body);
        }
        (ChunkType(ty.try_into().unwrap()), data)
    }

    /// A 4 × 4 grey PNG with `before` written before IDAT and `after`
    /// after it (where 1EdTech's baked files have their iTXt).
    fn png_with(before: &[(ChunkType, Vec<u8>)], after: &[(ChunkType, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 4, 4);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        for (ty, data) in before {
            writer.write_chunk(*ty, data).unwrap();
        }
        writer.write_image_data(&[0x80; 16]).unwrap();
        for (ty, data) in after {
            writer.write_chunk(*ty, data).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    /// Offset of the first chunk of type `ty`.
    fn chunk_at(png: &[u8], ty: &[u8; 4]) -> usize {
        find(png, ty).expect("the chunk") - 4
    }

    #[test]
    fn png_round_trip_both_versions_compressed_or_not() {
        for version in [BadgeVersion::Ob3, BadgeVersion::Ob2] {
            for compressed in [false, true] {
                for payload in [CREDENTIAL, JWS, URL] {
                    let png = bake_png(payload.as_bytes(), version, compressed);
                    assert_eq!(
                        extract_png(&png, CAP),
                        Ok(baked(version, payload, compressed)),
                        "{version} compressed={compressed} {payload}"
                    );
                }
                // Surrounding white space is not part of the payload.
                let png = bake_png(format!("\n  {JWS} \r\n").as_bytes(), version, compressed);
                assert_eq!(extract_png(&png, CAP), Ok(baked(version, JWS, compressed)));
            }
        }
    }

    #[test]
    fn png_kinds_of_payload() {
        let kind = |p: &str| baked(BadgeVersion::Ob2, p, false).kind();
        assert_eq!(kind(CREDENTIAL), PayloadKind::Json);
        assert_eq!(kind(JWS), PayloadKind::CompactJws);
        assert_eq!(kind("e30.e30."), PayloadKind::CompactJws);
        assert_eq!(kind(URL), PayloadKind::Url);
        assert_eq!(kind("HTTP://EXAMPLE.ORG/a"), PayloadKind::Url);
        assert_eq!(kind("a.b"), PayloadKind::Other);
        assert_eq!(kind(".a.b"), PayloadKind::Other);
        assert_eq!(kind("a b.c.d"), PayloadKind::Other);
    }

    #[test]
    fn png_itxt_after_idat_as_1edtech_bakes_it() {
        let png = png_with(
            &[text(b"tEXt", b"date:create", b"2021-03-25T20:08:34+00:00")],
            &[(chunk::iTXt, itxt(KEYWORD_OB3, false, CREDENTIAL.as_bytes()))],
        );
        assert_eq!(
            extract_png(&png, CAP),
            Ok(baked(BadgeVersion::Ob3, CREDENTIAL, false))
        );
    }

    #[test]
    fn png_compressed_itxt_is_read_and_flagged() {
        let png = png_with(
            &[(chunk::iTXt, itxt(KEYWORD_OB2, true, URL.as_bytes()))],
            &[],
        );
        assert_eq!(
            extract_png(&png, CAP),
            Ok(baked(BadgeVersion::Ob2, URL, true))
        );
    }

    #[test]
    fn png_compressed_itxt_inflating_past_the_cap_is_too_large() {
        // 64 MiB of spaces compress to about 64 KiB; the cap stops the
        // inflation after 1,001 bytes.
        let bomb = vec![b' '; 64 << 20];
        let png = png_with(&[(chunk::iTXt, itxt(KEYWORD_OB3, true, &bomb))], &[]);
        assert!(png.len() < 200_000, "{}", png.len());
        let start = Instant::now();
        let err = extract_png(&png, 1000).unwrap_err();
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
        assert!(
            matches!(err, BakedError::TooLarge { limit: 1000, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("1000 bytes"), "{err}");
        // Just under, at and over the cap.
        let text = b"{\"a\":\"0123456789\"}";
        let png = png_with(&[(chunk::iTXt, itxt(KEYWORD_OB3, true, text))], &[]);
        assert!(extract_png(&png, text.len()).is_ok());
        assert!(matches!(
            extract_png(&png, text.len() - 1),
            Err(BakedError::TooLarge { .. })
        ));
    }

    #[test]
    fn png_uncompressed_payload_past_the_cap_is_too_large() {
        let png = bake_png(CREDENTIAL.as_bytes(), BadgeVersion::Ob3, false);
        assert!(extract_png(&png, CREDENTIAL.len()).is_ok());
        let err = extract_png(&png, CREDENTIAL.len() - 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the baked credential iTXt openbadgecredential at byte 33 is longer than the limit of {} bytes",
                CREDENTIAL.len() - 1
            )
        );
    }

    /// Regression (fuzz target `baked_png`): text inflating to more than
    /// the first output buffer (four times the compressed size) failed
    /// with "deflate decompression error".
    #[test]
    fn png_compressed_itxt_inflating_far_beyond_its_size() {
        let payload = format!("{{\"a\":\"{}\"}}", "Z".repeat(100_000));
        let png = bake_png(payload.as_bytes(), BadgeVersion::Ob3, true);
        assert!(png.len() < 1000, "{}", png.len());
        assert_eq!(
            extract_png(&png, CAP),
            Ok(baked(BadgeVersion::Ob3, &payload, true))
        );
        assert!(matches!(
            extract_png(&png, 99_999),
            Err(BakedError::TooLarge { .. })
        ));
    }

    #[test]
    fn png_compressed_itxt_damaged() {
        let mut data = itxt(KEYWORD_OB3, true, CREDENTIAL.as_bytes());
        data.truncate(data.len() - 10);
        let png = png_with(&[(chunk::iTXt, data.clone())], &[]);
        let err = extract_png(&png, CAP).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        data.extend_from_slice(b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff");
        let png = png_with(&[(chunk::iTXt, data)], &[]);
        assert!(matches!(
            extract_png(&png, CAP),
            Err(BakedError::Corrupt(_))
        ));
        let mut data = itxt(KEYWORD_OB3, true, CREDENTIAL.as_bytes());
        data.extend_from_slice(b"trailing");
        let png = png_with(&[(chunk::iTXt, data)], &[]);
        let err = extract_png(&png, CAP).unwrap_err();
        assert!(err.to_string().contains("8 bytes after the end"), "{err}");
    }

    #[test]
    fn png_two_chunks_of_one_version_or_both() {
        for (a, b) in [
            (KEYWORD_OB3, KEYWORD_OB3),
            (KEYWORD_OB2, KEYWORD_OB2),
            (KEYWORD_OB3, KEYWORD_OB2),
        ] {
            let png = png_with(
                &[(chunk::iTXt, itxt(a, false, JWS.as_bytes()))],
                &[(chunk::iTXt, itxt(b, false, JWS.as_bytes()))],
            );
            let err = extract_png(&png, CAP).unwrap_err();
            assert!(matches!(err, BakedError::MoreThanOne { .. }), "{err}");
        }
        // A legacy tEXt beside an iTXt is two too.
        let png = png_with(
            &[text(b"tEXt", KEYWORD_OB2, URL.as_bytes())],
            &[(chunk::iTXt, itxt(KEYWORD_OB2, false, JWS.as_bytes()))],
        );
        let err = extract_png(&png, CAP).unwrap_err();
        assert_eq!(
            err.to_string(),
            "more than one baked credential: tEXt openbadges at byte 33 and iTXt openbadges at byte 118"
        );
    }

    #[test]
    fn png_without_a_credential() {
        let png = png_with(
            &[
                text(b"tEXt", b"Software", b"credverify"),
                (chunk::iTXt, itxt(b"XML:com.adobe.xmp", false, b"<x/>")),
                // A zTXt, or a tEXt with the 3.0 keyword: no baker writes them.
                text(b"zTXt", KEYWORD_OB2, URL.as_bytes()),
                text(b"tEXt", KEYWORD_OB3, CREDENTIAL.as_bytes()),
                // The keyword must match exactly.
                (chunk::iTXt, itxt(b"openbadge", false, URL.as_bytes())),
                (chunk::iTXt, itxt(b"OpenBadges", false, URL.as_bytes())),
            ],
            &[],
        );
        assert!(matches!(
            extract_png(&png, CAP),
            Err(BakedError::NoCredential(_))
        ));
    }

    #[test]
    fn png_legacy_text_chunk_is_open_badges_2() {
        let png = png_with(&[text(b"tEXt", KEYWORD_OB2, URL.as_bytes())], &[]);
        assert_eq!(
            extract_png(&png, CAP),
            Ok(baked(BadgeVersion::Ob2, URL, false))
        );
        // Latin-1 comes back as UTF-8.
        let png = png_with(
            &[text(b"tEXt", KEYWORD_OB2, b"https://example.org/caf\xe9")],
            &[],
        );
        assert_eq!(
            extract_png(&png, CAP).unwrap().payload,
            "https://example.org/café".as_bytes()
        );
    }

    #[test]
    fn png_malformed_credential_chunk_is_corrupt() {
        let cases: [(&[u8], &str); 6] = [
            (b"openbadgecredential\0", "compression flag"),
            (b"openbadgecredential\0\0\0en", "language tag"),
            (b"openbadgecredential\0\0\0en\0", "translated keyword"),
            (b"openbadgecredential\0\x02\0\0\0{}", "flag 2"),
            (b"openbadgecredential\0\x01\x01\0\0{}", "method 1"),
            (b"openbadgecredential\0\0\0\0\0 \r\n ", "empty"),
        ];
        for (data, why) in cases {
            let png = png_with(&[(chunk::iTXt, data.to_vec())], &[]);
            match extract_png(&png, CAP) {
                Err(BakedError::Corrupt(e)) => assert!(e.contains(why), "{why}: {e}"),
                other => panic!("{why}: {other:?}"),
            }
        }
        let png = png_with(
            &[(chunk::iTXt, itxt(KEYWORD_OB3, false, b"{\"a\":\"\xff\"}"))],
            &[],
        );
        let err = extract_png(&png, CAP).unwrap_err();
        assert!(err.to_string().contains("not UTF-8 (at byte 6"), "{err}");
    }

    #[test]
    fn png_bad_crc_anywhere_is_corrupt() {
        let good = png_with(
            &[(chunk::iTXt, itxt(KEYWORD_OB3, false, CREDENTIAL.as_bytes()))],
            &[text(b"tEXt", b"Comment", b"after")],
        );
        assert!(extract_png(&good, CAP).is_ok());
        for (ty, offset) in [(b"iTXt", 30), (b"IDAT", 9), (b"tEXt", 10), (b"IHDR", 10)] {
            let mut png = good.clone();
            png[chunk_at(&good, ty) + offset] ^= 0x01;
            match extract_png(&png, CAP) {
                Err(BakedError::Corrupt(e)) => assert!(e.contains("CRC"), "{e}"),
                other => panic!("{}: {other:?}", String::from_utf8_lossy(ty)),
            }
        }
    }

    #[test]
    fn png_every_truncation_is_corrupt() {
        let png = bake_png(CREDENTIAL.as_bytes(), BadgeVersion::Ob3, true);
        for len in 0..png.len() {
            match extract_png(&png[..len], CAP) {
                Err(BakedError::Corrupt(_)) => {}
                other => panic!("truncated to {len} bytes: {other:?}"),
            }
        }
        let err = extract_png(&png[..png.len() - 12], CAP).unwrap_err();
        assert!(err.to_string().contains("without an IEND chunk"), "{err}");
    }

    #[test]
    fn png_zero_bytes_and_bad_signatures_are_corrupt() {
        assert_eq!(
            extract_png(b"", CAP),
            Err(BakedError::Corrupt(
                "PNG: an empty file (0 bytes)".to_owned()
            ))
        );
        let mut png = bake_png(JWS.as_bytes(), BadgeVersion::Ob3, false);
        png[1] = b'p';
        let err = extract_png(&png, CAP).unwrap_err();
        assert_eq!(
            err.to_string(),
            "corrupt baked image: PNG: no PNG signature in the first 8 bytes (found 89 70 4e 47 0d 0a 1a 0a)"
        );
        assert!(matches!(
            extract_png(b"\x89PNG", CAP),
            Err(BakedError::Corrupt(_))
        ));
        assert!(matches!(
            extract_png(b"GIF89a", CAP),
            Err(BakedError::Corrupt(_))
        ));
    }

    #[test]
    fn png_a_gigabyte_of_zeros_fails_at_the_signature() {
        // `vec![0; n]` maps zeroed pages lazily: only what is read is touched.
        let zeros = vec![0u8; 1 << 30];
        let start = Instant::now();
        assert!(matches!(
            extract_png(&zeros, CAP),
            Err(BakedError::Corrupt(_))
        ));
        assert!(!is_png(&zeros[..8]));
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn png_without_image_data_is_corrupt() {
        let png = bake_png(JWS.as_bytes(), BadgeVersion::Ob3, false);
        let idat = chunk_at(&png, b"IDAT");
        let len = u32::from_be_bytes(png[idat..idat + 4].try_into().unwrap()) as usize;
        let mut cut = png[..idat].to_vec();
        cut.extend_from_slice(&png[idat + 12 + len..]);
        let err = extract_png(&cut, CAP).unwrap_err();
        assert!(err.to_string().contains("no IDAT"), "{err}");
    }

    #[test]
    fn sniffing() {
        assert!(is_png(&bake_png(b"x", BadgeVersion::Ob2, false)));
        assert!(!is_png(b"\x89PNG\r\n\x1a"));
        for svg in [
            &bake_svg(b"x", BadgeVersion::Ob3, true)[..],
            b"<svg>",
            b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>",
            b"<?xml version=\"1.0\"?>\n<!-- Generator: Adobe Illustrator -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\" [\n<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n]>\n<svg version=\"1.1\">",
            b"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'>",
        ] {
            assert!(looks_like_svg(svg), "{}", String::from_utf8_lossy(svg));
        }
        for not in [
            &b""[..],
            b"{\"@context\":[]}",
            b"<svgx>",
            b"<?xml version=\"1.0\"?><html>",
            b"<!-- unterminated",
            b"<svg",
            b"<?xml",
        ] {
            assert!(!looks_like_svg(not), "{}", String::from_utf8_lossy(not));
        }
    }

    // -------------------------------------------------------------- SVG

    fn svg(body: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" {body}<circle r=\"1\"/></svg>\n"
        )
        .into_bytes()
    }

    #[test]
    fn svg_round_trip_both_versions_text_or_verify() {
        let awkward = "{\"a\":\"]]]>]] & < > \\\" ' \r\n\r \t end\"}";
        for version in [BadgeVersion::Ob3, BadgeVersion::Ob2] {
            for in_verify in [false, true] {
                for payload in [CREDENTIAL, JWS, URL, awkward] {
                    let svg = bake_svg(payload.as_bytes(), version, in_verify);
                    assert!(looks_like_svg(&svg));
                    assert_eq!(
                        extract_svg(&svg, CAP),
                        Ok(baked(version, payload, false)),
                        "{version} verify={in_verify} {payload}\n{}",
                        String::from_utf8_lossy(&svg)
                    );
                }
            }
        }
    }

    #[test]
    fn svg_credential_as_cdata_text_or_verify() {
        let cdata = svg(&format!(
            "xmlns:openbadges=\"{NS_OB3}\">\n  <openbadges:credential>\n    <![CDATA[\n {PLAIN}\n ]]>\n  </openbadges:credential>"
        ));
        assert_eq!(
            extract_svg(&cdata, CAP),
            Ok(baked(BadgeVersion::Ob3, PLAIN, false))
        );
        // Escaped text instead of CDATA, with a character reference.
        let text = svg(&format!(
            "xmlns:openbadges=\"{NS_OB3}\"><openbadges:credential>{{&quot;id&quot;:&#34;urn:x&#x22;, &quot;&amp;&lt;&gt;&apos;&quot;:1}}</openbadges:credential>"
        ));
        assert_eq!(
            extract_svg(&text, CAP),
            Ok(baked(
                BadgeVersion::Ob3,
                "{\"id\":\"urn:x\", \"&<>'\":1}",
                false
            ))
        );
        let verify = svg(&format!(
            "xmlns:openbadges=\"{NS_OB3}\"><openbadges:credential verify=\" {JWS} \"></openbadges:credential>"
        ));
        assert_eq!(
            extract_svg(&verify, CAP),
            Ok(baked(BadgeVersion::Ob3, JWS, false))
        );
    }

    #[test]
    fn svg_namespaces_by_uri_not_prefix() {
        let found = |body: &str| extract_svg(&svg(body), CAP);
        // The alternative URI bakers write.
        assert_eq!(
            found(&format!(
                "xmlns:openbadges=\"{NS_OB3_SPEC}\"><openbadges:credential verify=\"{JWS}\"/>"
            )),
            Ok(baked(BadgeVersion::Ob3, JWS, false))
        );
        // A foreign prefix bound to the right URI.
        assert_eq!(
            found(&format!(
                "xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"{JWS}\"/>"
            )),
            Ok(baked(BadgeVersion::Ob3, JWS, false))
        );
        assert_eq!(
            found(&format!(
                "xmlns:x=\"{NS_OB2}\"><x:assertion verify=\"{URL}\"/>"
            )),
            Ok(baked(BadgeVersion::Ob2, URL, false))
        );
        // The default namespace, declared on the element itself.
        assert_eq!(
            found(&format!(
                ">\n<credential xmlns=\"{NS_OB3}\" verify=\"{JWS}\"/>"
            )),
            Ok(baked(BadgeVersion::Ob3, JWS, false))
        );
        // The right prefix bound to a wrong URI, or to none.
        for body in [
            format!(
                "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v2p0\"><openbadges:credential verify=\"{JWS}\"/>"
            ),
            format!(
                "xmlns:openbadges=\"https://openbadges.org\"><openbadges:assertion verify=\"{URL}\"/>"
            ),
            format!("xmlns:openbadges=\"{NS_OB3}/\"><openbadges:credential verify=\"{JWS}\"/>"),
            format!("><credential verify=\"{JWS}\"/>"),
            // The element names are swapped between the versions.
            format!("xmlns:openbadges=\"{NS_OB2}\"><openbadges:credential verify=\"{JWS}\"/>"),
            format!("xmlns:openbadges=\"{NS_OB3}\"><openbadges:assertion verify=\"{JWS}\"/>"),
            // No credential element at all.
            format!("xmlns:openbadges=\"{NS_OB3}\"><g/>"),
        ] {
            assert!(
                matches!(found(&body), Err(BakedError::NoCredential(_))),
                "{body}"
            );
        }
        // An unbound prefix is ill-formed: quick-xml reports it or it
        // stays unmatched, never a credential.
        assert!(found(&format!("><openbadges:credential verify=\"{JWS}\"/>")).is_err());
    }

    #[test]
    fn svg_two_credentials() {
        for body in [
            format!(
                "xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"{JWS}\"/><ob:credential verify=\"{JWS}\"/>"
            ),
            format!(
                "xmlns:ob=\"{NS_OB3}\" xmlns:o2=\"{NS_OB2}\"><ob:credential verify=\"{JWS}\"/><o2:assertion verify=\"{URL}\"/>"
            ),
            format!(
                "xmlns:ob=\"{NS_OB3}\" xmlns:o3=\"{NS_OB3_SPEC}\"><o3:credential verify=\"{JWS}\"/><ob:credential>{{}}</ob:credential>"
            ),
            // One inside the other.
            format!(
                "xmlns:ob=\"{NS_OB3}\"><ob:credential><ob:credential verify=\"{JWS}\"/></ob:credential>"
            ),
            // OB 3.0: a VC-JWT and a JSON credential in one element.
            format!("xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"{JWS}\">{{}}</ob:credential>"),
        ] {
            let err = extract_svg(&svg(&body), CAP).unwrap_err();
            assert!(
                matches!(err, BakedError::MoreThanOne { .. }),
                "{body}: {err}"
            );
        }
    }

    #[test]
    fn svg_open_badges_2_text_wins_over_verify() {
        // The 2.0 Baking Specification's example: the hosted URL in
        // `verify`, the assertion as the body.
        let body = format!(
            "xmlns:openbadges=\"{NS_OB2}\"><openbadges:assertion verify=\"{URL}\"><![CDATA[ {{\"id\":\"{URL}\"}} ]]></openbadges:assertion>"
        );
        let found = extract_svg(&svg(&body), CAP).unwrap();
        assert_eq!(found.payload, format!("{{\"id\":\"{URL}\"}}").as_bytes());
        assert_eq!(found.kind(), PayloadKind::Json);
        // No body: the verify attribute.
        let body = format!(
            "xmlns:openbadges=\"{NS_OB2}\"><openbadges:assertion verify=\"{URL}\">\n  <!-- c -->\n</openbadges:assertion>"
        );
        assert_eq!(
            extract_svg(&svg(&body), CAP),
            Ok(baked(BadgeVersion::Ob2, URL, false))
        );
    }

    #[test]
    fn svg_malformed_is_corrupt() {
        let cases = [
            (
                svg(&format!("xmlns:ob=\"{NS_OB3}\"><ob:credential/>")),
                "neither text nor",
            ),
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\" \">  </ob:credential>"
                )),
                "neither text nor",
            ),
            // A namespaced verify attribute is not `verify`.
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential ob:verify=\"{JWS}\"/>"
                )),
                "neither text nor",
            ),
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential><g/></ob:credential>"
                )),
                "inside",
            ),
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential>&ext;</ob:credential>"
                )),
                "never expanded",
            ),
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"&ext;\"/>"
                )),
                "never expanded",
            ),
            (
                svg(&format!(
                    "xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"a\" verify=\"b\"/>"
                )),
                "duplicated attribute",
            ),
            (b"<html><svg/></html>".to_vec(), "root element is <html>"),
            (b"<svg>\xff</svg>".to_vec(), "not UTF-8 at byte 5"),
            (b"".to_vec(), "no document"),
            (b" \n".to_vec(), "no document"),
            (b"<?xml version=\"1.0\"?>".to_vec(), "no root element"),
        ];
        for (bytes, why) in cases {
            match extract_svg(&bytes, CAP) {
                Err(BakedError::Corrupt(e)) => assert!(e.contains(why), "{why}: {e}"),
                other => panic!("{why}: {other:?}\n{}", String::from_utf8_lossy(&bytes)),
            }
        }
        // Unclosed or mismatched: ill-formed, whoever reports it.
        for bytes in [
            format!("<svg xmlns:ob=\"{NS_OB3}\"><ob:credential>{{}}"),
            format!("<svg xmlns:ob=\"{NS_OB3}\"><ob:credential>{{}}</ob:other></svg>"),
        ] {
            assert!(
                matches!(
                    extract_svg(bytes.as_bytes(), CAP),
                    Err(BakedError::Corrupt(_))
                ),
                "{bytes}"
            );
        }
    }

    #[test]
    fn svg_payload_past_the_cap_is_too_large() {
        let svg = bake_svg(CREDENTIAL.as_bytes(), BadgeVersion::Ob3, false);
        assert!(extract_svg(&svg, CREDENTIAL.len()).is_ok());
        let err = extract_svg(&svg, CREDENTIAL.len() - 1).unwrap_err();
        assert!(matches!(err, BakedError::TooLarge { .. }), "{err}");
        let svg = bake_svg(JWS.as_bytes(), BadgeVersion::Ob3, true);
        assert!(extract_svg(&svg, JWS.len()).is_ok());
        let err = extract_svg(&svg, JWS.len() - 1).unwrap_err();
        assert!(err.to_string().contains("verify attribute"), "{err}");
    }

    /// Billion laughs (ten levels of ten references: 10^9 "lol"s if
    /// expanded). Entities are never expanded: the reference inside the
    /// credential is refused, elsewhere it is left alone, and either way
    /// the document costs one pass.
    #[test]
    fn svg_xml_bomb_is_never_expanded() {
        let mut dtd = String::from("<!DOCTYPE svg [\n<!ENTITY lol \"lol\">\n");
        for i in 1..=9 {
            let prev = if i == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", i - 1)
            };
            dtd.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        dtd.push_str("]>\n");
        let inside = format!(
            "<?xml version=\"1.0\"?>\n{dtd}<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:ob=\"{NS_OB3}\"><ob:credential>&lol9;</ob:credential></svg>"
        );
        let in_attribute = format!(
            "<?xml version=\"1.0\"?>\n{dtd}<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:ob=\"{NS_OB3}\"><ob:credential verify=\"&lol9;\"/></svg>"
        );
        let outside = format!(
            "<?xml version=\"1.0\"?>\n{dtd}<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&lol9;</text></svg>"
        );
        let start = Instant::now();
        for doc in [&inside, &in_attribute] {
            match extract_svg(doc.as_bytes(), CAP) {
                Err(BakedError::Corrupt(e)) => assert!(e.contains("lol9"), "{e}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            extract_svg(outside.as_bytes(), CAP),
            Err(BakedError::NoCredential(_))
        ));
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn svg_with_illustrator_entities_still_reads_the_credential() {
        let doc = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [\n\t<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n]>\n<svg xmlns=\"&ns_svg;\" xmlns:openbadges=\"{NS_OB3}\"><openbadges:credential verify=\"{JWS}\"></openbadges:credential></svg>"
        );
        assert!(looks_like_svg(doc.as_bytes()));
        assert_eq!(
            extract_svg(doc.as_bytes(), CAP),
            Ok(baked(BadgeVersion::Ob3, JWS, false))
        );
    }

    #[test]
    fn svg_byte_order_mark_and_offsets() {
        let mut doc = b"\xef\xbb\xbf".to_vec();
        doc.extend_from_slice(&bake_svg(URL.as_bytes(), BadgeVersion::Ob2, true));
        assert_eq!(
            extract_svg(&doc, CAP),
            Ok(baked(BadgeVersion::Ob2, URL, false))
        );
        let twice = format!(
            "<svg xmlns:o=\"{NS_OB2}\"><o:assertion verify=\"{URL}\"/><o:assertion verify=\"{URL}\"/></svg>"
        );
        let err = extract_svg(twice.as_bytes(), CAP).unwrap_err();
        assert_eq!(
            err.to_string(),
            "more than one baked credential: <o:assertion> (http://openbadges.org) at byte 37 and <o:assertion> (http://openbadges.org) at byte 95"
        );
    }
}
