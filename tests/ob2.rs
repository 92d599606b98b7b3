//! Open Badges 2.0 signed assertions (CONTRACT.md "Open Badges 2.0 signed
//! assertions"): the 1EdTech validator's own signed badges, keys and
//! revocation lists, and cases made with openssl
//! (`tests/data/ob2/PROVENANCE.md`).

use std::path::{Path, PathBuf};

use credverify::encoding::base64url;
use credverify::source::baked::{self, BadgeVersion};
use credverify::source::documents::DocumentSource;
use credverify::time::Timestamp;

use crate::util::{self, Verdict, parse_verdicts, run_with};

fn ob2(rel: &str) -> PathBuf {
    util::data("ob2").join(rel)
}

/// Runs `inputs` with the given `--dids` and `--status-lists` folders of
/// `tests/data/ob2`, judged at `as_of`.
fn run(inputs: &[&Path], dids: &[&str], lists: &[&str], as_of: &str) -> Vec<Verdict> {
    let (out, _) = run_with(inputs, |c| {
        c.dids = dids.iter().map(|d| DocumentSource::path(ob2(d))).collect();
        c.status_lists = lists.iter().map(|d| DocumentSource::path(ob2(d))).collect();
        c.as_of = Timestamp::parse(as_of).expect("as_of");
    });
    parse_verdicts(&out)
}

/// What decides a verdict: the verdict, problems and warnings.
fn outcome(v: &Verdict) -> (&str, Vec<&str>, Vec<&str>) {
    (
        v.verdict.as_str(),
        v.problems.iter().map(String::as_str).collect(),
        v.warnings.iter().map(String::as_str).collect(),
    )
}

const AS_OF: &str = "2026-01-01T00:00:00Z";

#[test]
fn the_1edtech_signed_badges_verify_as_its_validator_says() {
    let files = [
        ob2("assertions/simple.jwt"),
        ob2("assertions/simple-not-revoked.jwt"),
        ob2("assertions/simple-revoked.jwt"),
        ob2("assertions/basic-assertion-no-public-key.json"),
    ];
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let got = run(&inputs, &["dids"], &["status"], AS_OF);
    let outcomes: Vec<_> = got.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        [
            ("valid", vec![], vec![]),
            ("valid", vec![], vec!["status_list_unsigned"]),
            ("revoked", vec!["revoked"], vec!["status_list_unsigned"]),
            ("unsupported", vec!["hosted_assertion"], vec![]),
        ]
    );
    let formats: Vec<_> = got.iter().map(|v| v.format.as_deref()).collect();
    assert_eq!(
        formats,
        [
            Some("ob2-signed"),
            Some("ob2-signed"),
            Some("ob2-signed"),
            Some("ob2-hosted")
        ]
    );
    assert_eq!(
        got[0].issuer.as_deref(),
        Some("https://example.org/organization.json")
    );
    assert_eq!(
        got[2].id.as_deref(),
        Some("https://example.org/beths-robotics-badge-revoked.json")
    );
}

#[test]
fn what_is_not_given_offline_is_named() {
    let simple = ob2("assertions/simple.jwt");
    let revoked = ob2("assertions/simple-revoked.jwt");
    // Without the issuer's documents, no key.
    let got = run(&[&simple], &[], &[], AS_OF);
    assert_eq!(
        outcome(&got[0]),
        ("unknown_key", vec!["unknown_key"], vec![])
    );
    // Without the list the Profile names, status is unavailable; a Profile
    // that names none needs no list.
    let got = run(&[&simple, &revoked], &["dids"], &[], AS_OF);
    assert_eq!(outcome(&got[0]), ("valid", vec![], vec![]));
    assert_eq!(
        outcome(&got[1]),
        ("status_unavailable", vec!["status_list_missing"], vec![])
    );
}

/// A copy of `token` with its payload replaced by `payload` (so the
/// signature no longer covers it) or its signature's first character
/// changed.
fn altered(token: &str, payload: Option<&str>) -> String {
    let parts: Vec<&str> = token.trim().split('.').collect();
    match payload {
        Some(p) => {
            format!("{}.{}.{}", parts[0], b64url(p.as_bytes()), parts[2])
        }
        None => {
            let flipped = if parts[2].starts_with('A') { "B" } else { "A" };
            format!("{}.{}.{flipped}{}", parts[0], parts[1], &parts[2][1..])
        }
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn payload_of(token: &str) -> String {
    let mut out = Vec::new();
    assert!(base64url::decode(
        token.split('.').nth(1).unwrap().as_bytes(),
        &mut out
    ));
    String::from_utf8(out).unwrap()
}

#[test]
fn a_changed_token_fails_its_signature() {
    let token = std::fs::read_to_string(ob2("assertions/simple.jwt")).unwrap();
    let payload = payload_of(&token);
    let later = payload.replace("2016-12-31T23:59:59Z", "2017-01-01T00:00:00Z");
    assert_ne!(later, payload);
    let header_ed = b64url(br#"{"alg":"EdDSA"}"#);
    let (_, rest) = token.trim().split_once('.').unwrap();
    let lines = [
        altered(&token, None),
        altered(&token, Some(&later)),
        format!("{header_ed}.{rest}"),
        format!("{}.{rest}", b64url(br#"{"alg":"ES256"}"#)),
        // The assertion without its JWS carries no signature.
        payload.clone(),
    ];
    let path = util::temp_file(
        "changed.jsonl",
        format!("{}\n", lines.join("\n")).as_bytes(),
    );
    let got = run(&[&path], &["dids"], &[], AS_OF);
    let outcomes: Vec<_> = got.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        [
            ("invalid_signature", vec!["invalid_signature"], vec![]),
            ("invalid_signature", vec!["invalid_signature"], vec![]),
            ("unsupported", vec!["unsupported_proof"], vec![]),
            ("unsupported", vec!["unsupported_proof"], vec![]),
            ("no_proof", vec!["no_proof"], vec![]),
        ]
    );
    assert!(
        got.iter()
            .all(|v| v.format.as_deref() == Some("ob2-signed")),
        "{got:?}"
    );
}

#[test]
fn keys_profiles_and_dates_as_the_contract_says() {
    let cases = [
        ("creator-pkcs1", "valid", vec![]),
        ("no-creator", "valid", vec![]),
        ("embedded-badge", "valid", vec![]),
        ("weak", "invalid_signature", vec!["weak_key"]),
        ("wrong-key", "invalid_signature", vec!["invalid_signature"]),
        (
            "other-key",
            "invalid_proof",
            vec!["not_authorized", "issuer_mismatch"],
        ),
        ("revoked", "revoked", vec!["revoked"]),
        ("expired", "expired", vec!["expired"]),
        ("unix-dates", "expired", vec!["expired"]),
        ("future", "not_yet_valid", vec!["not_yet_valid"]),
        // A standalone key that states no owner binds to no issuer.
        ("no-owner", "unknown_key", vec!["unknown_key"]),
        // The issuer Profile embedded in the assertion lists the signer's
        // key: only the published Profile counts.
        (
            "embedded-profile",
            "invalid_proof",
            vec!["not_authorized", "unknown_key"],
        ),
    ];
    let files: Vec<PathBuf> = cases
        .iter()
        .map(|(name, ..)| ob2(&format!("made/{name}.jwt")))
        .collect();
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    // The made documents are in one folder: dids and list alike.
    let (out, _) = run_with(&inputs, |c| {
        c.dids = vec![DocumentSource::path(ob2("made"))];
        c.status_lists = vec![DocumentSource::path(ob2("made/revocations.json"))];
        c.as_of = Timestamp::parse("2026-06-01T00:00:00Z").unwrap();
    });
    let got = parse_verdicts(&out);
    assert_eq!(got.len(), cases.len());
    for ((name, verdict, problems), v) in cases.iter().zip(&got) {
        assert_eq!(
            (v.verdict.as_str(), &v.problems),
            (*verdict, &problems.iter().map(|p| p.to_string()).collect()),
            "{name}"
        );
        assert_eq!(
            v.issuer.as_deref(),
            Some("https://made.example/issuer.json"),
            "{name}"
        );
        // The list answers once the signature verified (and only then).
        let trusted = matches!(*verdict, "valid" | "revoked" | "expired" | "not_yet_valid");
        assert_eq!(
            v.warnings.contains(&"status_list_unsigned".to_owned()),
            trusted,
            "{name}"
        );
    }
    // A key another Profile owns is issuer_mismatch only once it verifies
    // the signature; a bad signature under it is invalid_signature.
    let other = std::fs::read_to_string(ob2("made/other-key.jwt")).unwrap();
    let path = util::temp_file(
        "other.jsonl",
        format!("{}\n", altered(&other, None)).as_bytes(),
    );
    let (out, _) = run_with(&[&path], |c| {
        c.dids = vec![DocumentSource::path(ob2("made"))];
    });
    let got = parse_verdicts(&out);
    assert_eq!(
        outcome(&got[0]),
        (
            "invalid_proof",
            vec!["not_authorized", "invalid_signature"],
            vec![]
        )
    );
    // Exactly at `expires` (2026-01-01, a Unix timestamp) still valid.
    let (out, _) = run_with(&[&ob2("made/unix-dates.jwt")], |c| {
        c.dids = vec![DocumentSource::path(ob2("made"))];
        c.status_lists = vec![DocumentSource::path(ob2("made/revocations.json"))];
    });
    assert_eq!(parse_verdicts(&out)[0].verdict, "valid");
}

#[test]
fn baked_signed_badges_verify_from_png_and_svg() {
    let token = std::fs::read(ob2("assertions/simple-revoked.jwt")).unwrap();
    let token = token.trim_ascii();
    let dir = util::temp_dir("ob2-baked");
    std::fs::write(
        dir.join("badge.png"),
        baked::bake_png(token, BadgeVersion::Ob2, false),
    )
    .unwrap();
    std::fs::write(
        dir.join("badge.svg"),
        baked::bake_svg(token, BadgeVersion::Ob2, true),
    )
    .unwrap();
    let (out, _) = run_with(&[&dir], |c| {
        c.dids = vec![DocumentSource::path(ob2("dids"))];
        c.status_lists = vec![DocumentSource::path(ob2("status"))];
        c.walk_directories();
    });
    let got = parse_verdicts(&out);
    let outcomes: Vec<_> = got.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        vec![("revoked", vec!["revoked"], vec!["status_list_unsigned"]); 2]
    );
    assert!(got[0].file.as_deref().unwrap().ends_with("badge.png"));
}

#[test]
fn every_version_of_hosted_assertion_and_a_plain_png() {
    // openbadges-validator-core's test components (0.5 to 2.0) and image.
    let dir = ob2("validator-core");
    let (out, summary) = run_with(&[&dir], |c| {
        c.walk_directories();
    });
    let verdicts = parse_verdicts(&out);
    let got: Vec<(String, &str, Option<&str>, Vec<&str>)> = verdicts
        .iter()
        .map(|v| {
            let file = Path::new(v.file.as_deref().unwrap());
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let (verdict, problems, _) = outcome(v);
            (name, verdict, v.format.as_deref(), problems)
        })
        .collect();
    let hosted = |n: &str| {
        (
            n.to_owned(),
            "unsupported",
            Some("ob2-hosted"),
            vec!["hosted_assertion"],
        )
    };
    assert_eq!(
        got,
        [
            hosted("0-5-1-assertion.json"),
            hosted("0-5-assertion.json"),
            hosted("1-0-basic-assertion.json"),
            hosted("1-1-basic-assertion.json"),
            hosted("2-0-basic-assertion.json"),
            (
                "public-domain-heart.png".to_owned(),
                "malformed",
                None,
                vec!["baked_none"]
            ),
        ]
    );
    assert_eq!(summary.hosted_assertions, 5);
}

#[test]
fn two_different_documents_under_one_id_stop_the_run() {
    // Another key document claims the id of the issuer's key-a: no
    // document may replace another's statement of whose a key is.
    let dir = util::temp_dir("ob2-conflict");
    for name in ["issuer.json", "badge.json", "key-a.json", "key-b.json"] {
        std::fs::copy(ob2(&format!("made/{name}")), dir.join(name)).unwrap();
    }
    let impostor = std::fs::read_to_string(ob2("made/key-b.json"))
        .unwrap()
        .replace("key-b.json", "key-a.json");
    std::fs::write(dir.join("key-impostor.json"), impostor).unwrap();
    let token = ob2("made/creator-pkcs1.jwt");
    let mut config = credverify::VerifyConfig::new(
        vec![credverify::source::InputPath::File(token.clone())],
        Timestamp::parse(AS_OF).unwrap(),
    );
    config.dids = vec![DocumentSource::path(&dir)];
    let mut sink = credverify::report::VerdictWriter::new(
        Vec::new(),
        credverify::report::OutputFormat::Jsonl,
        &["t".to_owned()],
    )
    .unwrap();
    let error = credverify::verify(&config, &mut sink)
        .unwrap_err()
        .to_string();
    assert!(error.contains("https://made.example/key-a.json"), "{error}");
    // The same document twice is no conflict.
    std::fs::remove_file(dir.join("key-impostor.json")).unwrap();
    std::fs::copy(ob2("made/key-a.json"), dir.join("key-a-again.json")).unwrap();
    let (out, _) = run_with(&[&token], |c| {
        c.dids = vec![DocumentSource::path(&dir)];
        c.status_lists = vec![DocumentSource::path(ob2("made/revocations.json"))];
    });
    assert_eq!(parse_verdicts(&out)[0].verdict, "valid");
}
