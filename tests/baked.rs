//! Badge images baked by others: 1EdTech's validator test resources and
//! Mozilla's openbadges-bakery test files, each through
//! `source::baked`. The files are listed, with their origin and SHA-256,
//! in `tests/data/baked/PROVENANCE.md`, and copied there byte for byte.

use std::path::PathBuf;

use credverify::source::baked::{
    self, BadgeVersion, BakedError, DEFAULT_MAX_PAYLOAD_BYTES, PayloadKind,
};
use sha2::{Digest, Sha256};

use crate::util;

/// What a file must give.
enum Expect {
    /// A credential of this version and kind, holding this text.
    Found(BadgeVersion, PayloadKind, &'static str),
    NoCredential,
}

/// File, SHA-256 (the copy PROVENANCE.md describes), what it holds.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "1edtech-ob30-simple-json.png",
        "9ce25809062ab207dbfda11e0e8c6d97611d39ee691f5d37d7c105944c56a518",
        // iTXt after three IDATs and two tEXt chunks; pretty-printed JSON.
        Expect::Found(
            BadgeVersion::Ob3,
            PayloadKind::Json,
            r#""id": "http://example.com/credentials/3527""#,
        ),
    ),
    (
        "1edtech-ob30-simple-jwt.png",
        "eab7597234e3ab125505882a6823cd27b1639c38cb05dfc57a8e445c154c039d",
        // A VC-JWT (RS256) whose payload is the credential; its header.
        Expect::Found(
            BadgeVersion::Ob3,
            PayloadKind::CompactJws,
            "eyJhbGciOiJSUzI1NiIsImp3ayI6",
        ),
    ),
    (
        "1edtech-ob30-simple-json.svg",
        "e300f9902b0fe9183c7c0856a8a4c61a777bae968a4ba0f8f264ef166c36528f",
        // CDATA, after a DOCTYPE with a public identifier.
        Expect::Found(
            BadgeVersion::Ob3,
            PayloadKind::Json,
            r#""id": "http://example.com/credentials/3527""#,
        ),
    ),
    (
        "1edtech-ob30-simple-jwt.svg",
        "ce221d85ec0e2d1a31cd14adeb5cab161a44e8776a34d356e2c6677f9fb13afb",
        Expect::Found(
            BadgeVersion::Ob3,
            PayloadKind::CompactJws,
            "eyJhbGciOiJSUzI1NiIsImp3ayI6",
        ),
    ),
    (
        "1edtech-ob20-simple-badge.png",
        "7805f06c5600c03fc214c5d5e2185fae77f1a622ab3e4c623acedb4581b2394a",
        Expect::Found(
            BadgeVersion::Ob2,
            PayloadKind::Json,
            r#""id":"https://example.org/beths-robotics-badge.json""#,
        ),
    ),
    (
        "mozilla-baked.svg",
        "1ddbdea2abfccd360f32702a9348795ea2a476fc495cbc79fd718898cdc6f976",
        // Both a verify URL and a body: the body wins (2.0 Baking, SVGs).
        Expect::Found(
            BadgeVersion::Ob2,
            PayloadKind::Json,
            r#"{"verify":{"url":"http://example.org"}}"#,
        ),
    ),
    (
        "mozilla-no-json.svg",
        "54e578530cbdcbe3afac7dfc324bfe7a55d9392e2cff3f9612a56e6c2e9ba659",
        // An empty CDATA body: the verify attribute.
        Expect::Found(BadgeVersion::Ob2, PayloadKind::Url, "http://example.org"),
    ),
    (
        "mozilla-unbaked.png",
        "ca813de9a8a95f03382c1fadd27679502353c4ff373a2fe2104be57301b95d07",
        Expect::NoCredential,
    ),
    (
        "mozilla-unbaked.svg",
        "1e415a3c7f4af4dce9784d284e67159dfca1f6e2bc17d9e20b8ee71242ae126a",
        Expect::NoCredential,
    ),
];

fn dir() -> PathBuf {
    util::data("baked")
}

#[test]
fn upstream_baked_badges() {
    let dir = dir();
    for (name, sha256, expect) in CASES {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &hex(&Sha256::digest(&bytes)),
            sha256,
            "{name}: not the copy PROVENANCE.md names"
        );
        let png = name.ends_with(".png");
        assert_eq!(baked::is_png(&bytes), png, "{name}: is_png");
        assert_eq!(
            baked::looks_like_svg(&bytes[..bytes.len().min(1024)]),
            !png,
            "{name}: looks_like_svg"
        );
        let got = if png {
            baked::extract_png(&bytes, DEFAULT_MAX_PAYLOAD_BYTES)
        } else {
            baked::extract_svg(&bytes, DEFAULT_MAX_PAYLOAD_BYTES)
        };
        match (expect, got) {
            (Expect::Found(version, kind, needle), Ok(found)) => {
                assert_eq!(found.version, *version, "{name}");
                assert_eq!(found.kind(), *kind, "{name}");
                assert!(!found.compressed, "{name}");
                let text = String::from_utf8(found.payload).expect("UTF-8");
                assert!(text.contains(needle), "{name}: {needle} not in {text}");
            }
            (Expect::NoCredential, Err(BakedError::NoCredential(_))) => {}
            (_, got) => panic!("{name}: {got:?}"),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
