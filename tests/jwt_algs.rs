//! VC-JWTs signed with `RS256`, `PS256`, `ES256` and `ES384` through the
//! whole pipeline: keys from did:jwk, did:key (`zDn…`) and DID documents
//! (`JsonWebKey2020`, `JsonWebKey`), the header's `jwk`, and every way a
//! key can fail to fit its algorithm.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credverify::source::documents::DocumentSource;
use credverify::verify::rsa::RsaKey;

use crate::util::{self, credential_members, parse_verdicts, run_with};

/// The generator's committed RSA test key (2,048 bits).
const RSA_PKCS8: &[u8] = include_bytes!("../src/generate/ob2-issuer.pk8");

enum Signer {
    Ec(EcdsaKeyPair, &'static str),
    Rsa(RsaKeyPair),
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Signer {
    fn ec(crv: &'static str) -> Signer {
        let rng = SystemRandom::new();
        let alg = match crv {
            "P-256" => &ECDSA_P256_SHA256_FIXED_SIGNING,
            _ => &ECDSA_P384_SHA384_FIXED_SIGNING,
        };
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("EC key");
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).expect("EC key");
        Signer::Ec(pair, crv)
    }

    fn rsa() -> Signer {
        Signer::Rsa(RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("RSA key"))
    }

    /// The public JWK, as JSON.
    fn jwk(&self) -> String {
        match self {
            Signer::Ec(pair, crv) => {
                let point = pair.public_key().as_ref();
                let n = (point.len() - 1) / 2;
                format!(
                    "{{\"kty\":\"EC\",\"crv\":\"{crv}\",\"x\":\"{}\",\"y\":\"{}\"}}",
                    b64(&point[1..1 + n]),
                    b64(&point[1 + n..])
                )
            }
            Signer::Rsa(pair) => {
                let key = RsaKey::from_pkcs1_der(pair.public_key().as_ref()).expect("RSA");
                let (n, e) = key.components();
                format!(
                    "{{\"kty\":\"RSA\",\"n\":\"{}\",\"e\":\"{}\"}}",
                    b64(n),
                    b64(e)
                )
            }
        }
    }

    /// The did:jwk issuer and its one method.
    fn did_jwk(&self) -> (String, String) {
        let did = format!("did:jwk:{}", b64(self.jwk()));
        let method = format!("{did}#0");
        (did, method)
    }

    /// The did:key of a P-256 key (`zDn…`): the compressed point.
    fn did_key(&self) -> (String, String) {
        let Signer::Ec(pair, "P-256") = self else {
            panic!("did:key here is for P-256 only");
        };
        let point = pair.public_key().as_ref();
        let mut bytes = vec![0x80, 0x24, 2 + (point[64] & 1)];
        bytes.extend_from_slice(&point[1..33]);
        let id = format!("z{}", bs58::encode(bytes).into_string());
        (format!("did:key:{id}"), format!("did:key:{id}#{id}"))
    }

    fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Signer::Ec(pair, _) => pair.sign(&rng, input).expect("sign").as_ref().to_vec(),
            Signer::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                let padding: &dyn aws_lc_rs::signature::RsaEncoding = match alg {
                    "PS256" => &RSA_PSS_SHA256,
                    _ => &RSA_PKCS1_SHA256,
                };
                pair.sign(padding, &rng, input, &mut sig).expect("sign");
                sig
            }
        }
    }

    /// A VC-JWT of a VC 2.0 credential by `issuer`, its header `header`
    /// (JSON members), signed as `alg`.
    fn token(&self, alg: &str, header: &str, issuer: &str) -> String {
        let header = format!("{{\"alg\":\"{alg}\"{header}}}");
        let payload = format!("{{{}}}", credential_members(issuer, ""));
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(sig))
    }
}

/// Verdict, problems, warnings and `alg` of each token, in order.
type Seen = (String, Vec<String>, Vec<String>, Option<String>);

fn judge(tokens: &[String], dids: Option<&str>, trust_header_jwk: bool) -> Vec<Seen> {
    let mut text = tokens.join("\n");
    text.push('\n');
    let path = util::temp_file("tokens.jwt.jsonl", text.as_bytes());
    let dir = dids.map(|doc| {
        let dir = util::temp_dir("jwt-dids");
        std::fs::write(dir.join("issuer.json"), doc).expect("write");
        dir
    });
    let (out, _) = run_with(&[&path], |c| {
        if let Some(dir) = dir {
            c.dids = vec![DocumentSource::path(dir)];
        }
        c.trust_header_jwk = trust_header_jwk;
    });
    let algs: Vec<Option<String>> = out
        .lines()
        .map(|l| {
            l.split_once("\"alg\":\"")
                .map(|(_, rest)| rest.split('"').next().unwrap_or_default().to_owned())
        })
        .collect();
    parse_verdicts(&out)
        .into_iter()
        .zip(algs)
        .map(|(v, alg)| (v.verdict, v.problems, v.warnings, alg))
        .collect()
}

fn seen(verdict: &str, problems: &[&str], alg: Option<&str>) -> Seen {
    (
        verdict.into(),
        problems.iter().map(|p| (*p).into()).collect(),
        Vec::new(),
        alg.map(Into::into),
    )
}

#[test]
fn each_algorithm_verifies_with_its_key_and_refuses_tampering() {
    let p256 = Signer::ec("P-256");
    let p384 = Signer::ec("P-384");
    let rsa = Signer::rsa();
    let mut tokens = Vec::new();
    let mut expected = Vec::new();
    for (signer, alg, (did, method)) in [
        (&p256, "ES256", p256.did_jwk()),
        (&p256, "ES256", p256.did_key()),
        (&p384, "ES384", p384.did_jwk()),
        (&rsa, "RS256", rsa.did_jwk()),
        (&rsa, "PS256", rsa.did_jwk()),
    ] {
        let token = signer.token(alg, &format!(",\"kid\":\"{method}\""), &did);
        // The same header and signature over another payload.
        let parts: Vec<&str> = token.split('.').collect();
        let other = credential_members(&did, "").replace("Ada", "Eve");
        let tampered = format!("{}.{}.{}", parts[0], b64(format!("{{{other}}}")), parts[2]);
        // No kid: a did:key or did:jwk issuer names its one key.
        tokens.extend([token, tampered, signer.token(alg, "", &did)]);
        expected.extend([
            seen("valid", &[], Some(alg)),
            seen("invalid_signature", &["invalid_signature"], Some(alg)),
            seen("valid", &[], Some(alg)),
        ]);
    }
    assert_eq!(judge(&tokens, None, false), expected);
}

#[test]
fn an_algorithm_must_fit_its_key() {
    let p256 = Signer::ec("P-256");
    let p384 = Signer::ec("P-384");
    let rsa = Signer::rsa();
    let kid = |(did, method): (String, String)| (did, format!(",\"kid\":\"{method}\""));
    let mut tokens = Vec::new();
    // (signer, alg, issuer and kid): each alg with a key of another type.
    for (signer, alg, (did, header)) in [
        (&rsa, "ES256", kid(rsa.did_jwk())),
        (&p256, "RS256", kid(p256.did_jwk())),
        (&p256, "PS256", kid(p256.did_jwk())),
        (&p256, "ES384", kid(p256.did_jwk())),
        (&p384, "ES256", kid(p384.did_jwk())),
        (&p256, "EdDSA", kid(p256.did_key())),
    ] {
        tokens.push(signer.token(alg, &header, &did));
    }
    let got = judge(&tokens, None, false);
    let algs = ["ES256", "RS256", "PS256", "ES384", "ES256", "EdDSA"];
    for (g, alg) in got.iter().zip(algs) {
        assert_eq!(*g, seen("invalid_proof", &["key_type"], Some(alg)));
    }
}

#[test]
fn hmac_none_der_and_weak_keys_never_verify() {
    let p256 = Signer::ec("P-256");
    let rsa = Signer::rsa();
    let (did, method) = rsa.did_jwk();
    let payload = b64(format!("{{{}}}", credential_members(&did, "")));
    // HS256 "signed" with the RSA public key as the HMAC secret: the
    // algorithm-confusion attack. Never verified.
    let header = b64(format!("{{\"alg\":\"HS256\",\"kid\":\"{method}\"}}"));
    let input = format!("{header}.{payload}");
    let secret = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, rsa.jwk().as_bytes());
    let mac = aws_lc_rs::hmac::sign(&secret, input.as_bytes());
    let hs256 = format!("{input}.{}", b64(mac.as_ref()));
    let none = format!("{}.{payload}.", b64("{\"alg\":\"none\"}"));
    // ES256 with the signature DER-encoded instead of r ‖ s.
    let (pdid, pmethod) = p256.did_jwk();
    let token = p256.token("ES256", &format!(",\"kid\":\"{pmethod}\""), &pdid);
    let (input, sig) = token.rsplit_once('.').unwrap();
    let raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let int = |x: &[u8]| {
        let x = &x[x.iter().take_while(|b| **b == 0).count()..];
        let pad = x[0] >= 0x80;
        let mut v = vec![2, (x.len() + usize::from(pad)) as u8];
        v.extend(pad.then_some(0));
        v.extend_from_slice(x);
        v
    };
    let body = [int(&raw[..32]), int(&raw[32..])].concat();
    let der = [vec![0x30, body.len() as u8], body].concat();
    let der_token = format!("{input}.{}", b64(der));
    // A 1,024-bit RSA key: refused as it loads, whatever the signature.
    let mut n = vec![0xc5u8; 128];
    n[127] |= 1;
    let weak_jwk = format!("{{\"kty\":\"RSA\",\"n\":\"{}\",\"e\":\"AQAB\"}}", b64(&n));
    let weak_did = format!("did:jwk:{}", b64(weak_jwk));
    let weak = rsa.token("RS256", &format!(",\"kid\":\"{weak_did}#0\""), &weak_did);
    let got = judge(&[hs256, none, der_token, weak], None, false);
    assert_eq!(
        got,
        [
            seen("unsupported", &["unsupported_proof"], None),
            seen("unsupported", &["unsupported_proof"], None),
            seen("invalid_signature", &["invalid_signature"], Some("ES256")),
            seen("invalid_signature", &["weak_key"], Some("RS256")),
        ]
    );
}

#[test]
fn a_header_jwk_counts_only_when_the_issuer_lists_it_or_under_the_relaxation() {
    let p256 = Signer::ec("P-256");
    let rsa = Signer::rsa();
    let did = "did:web:issuer.example";
    // The document lists the RSA key, as JsonWebKey2020, and an unrelated
    // P-256 key under `JsonWebKey`.
    let stranger = Signer::ec("P-256");
    let doc = format!(
        "{{\"id\":\"{did}\",\"verificationMethod\":[{{\"id\":\"{did}#rsa\",\"type\":\"JsonWebKey2020\",\"controller\":\"{did}\",\"publicKeyJwk\":{}}},{{\"id\":\"{did}#ec\",\"type\":\"JsonWebKey\",\"controller\":\"{did}\",\"publicKeyJwk\":{}}}],\"assertionMethod\":[\"{did}#rsa\",\"{did}#ec\"]}}",
        rsa.jwk(),
        stranger.jwk()
    );
    let tokens = [
        // kid names the method.
        rsa.token("RS256", &format!(",\"kid\":\"{did}#rsa\""), did),
        stranger.token("ES256", ",\"kid\":\"#ec\"", did),
        // No kid: the header's jwk is the listed RSA key.
        rsa.token("PS256", &format!(",\"jwk\":{}", rsa.jwk()), did),
        // No kid: a key the issuer does not list.
        p256.token("ES256", &format!(",\"jwk\":{}", p256.jwk()), did),
        // A header jwk that holds a private member.
        p256.token(
            "ES256",
            ",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"d\":\"AA\"}",
            did,
        ),
    ];
    let strict = judge(&tokens, Some(&doc), false);
    assert_eq!(
        strict,
        [
            seen("valid", &[], Some("RS256")),
            seen("valid", &[], Some("ES256")),
            seen("valid", &[], Some("PS256")),
            seen("unknown_key", &["unknown_key"], Some("ES256")),
            seen("unknown_key", &["unknown_key"], Some("ES256")),
        ]
    );
    let relaxed = judge(&tokens, Some(&doc), true);
    let mut trusted = seen("valid", &[], Some("ES256"));
    trusted.2 = vec!["key_from_header".into()];
    assert_eq!(relaxed[..3], strict[..3], "listed keys need no relaxation");
    assert_eq!(relaxed[3], trusted);
    assert_eq!(relaxed[4], strict[4], "a private JWK is never used");
}

#[test]
fn an_eddsa_suite_refuses_an_ec_key() {
    let p256 = Signer::ec("P-256");
    let (did, method) = p256.did_key();
    let sk = util::key(3);
    // An eddsa-jcs-2022 proof naming the P-256 key (signed by an Ed25519
    // key: the type decides before the signature is looked at).
    let line = util::signed_line(
        &credential_members(&did, ""),
        &util::proof_members(&method, ""),
        &sk,
    );
    let path = util::temp_file("ec-on-eddsa.jsonl", format!("{line}\n").as_bytes());
    let (out, _) = run_with(&[&path], |_| {});
    let v = parse_verdicts(&out);
    assert_eq!(
        (v[0].verdict.as_str(), v[0].problems.as_slice()),
        ("invalid_proof", ["key_type".to_owned()].as_slice())
    );
}

/// The 1EdTech validator's Open Badges 3.0 VC-JWTs (RS256, the key in the
/// header's `jwk`, an https issuer), baked in a PNG and an SVG: unknown
/// without the issuer's document, valid when a controller document of the
/// issuer lists the key, and valid with `key_from_header` under the
/// relaxation.
#[test]
fn the_1edtech_rs256_jwts_verify_with_their_issuers_key() {
    let files = [
        util::data("baked/1edtech-ob30-simple-jwt.png"),
        util::data("baked/1edtech-ob30-simple-jwt.svg"),
    ];
    let inputs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let issuer = "https://1edtech.edu/issuers/565049";
    // The headers' keys (the PNG's and the SVG's differ), as the issuer's
    // document would list them.
    let keys = [
        "zrSJSmZhF8HkOD_WMMTqxddzbHC1XxdL1JQ-wYW8eidvw7hE-ANmVipFPTjIgjZy5F7IvO_ukoBdPou_BHWlz_iOHh38WcFV5_Bb_lYqIjITSl8vKwSM2ayTK3a-Oc71ixH3a-lXX28hUvsh-0p9PiSdyy5erldGD5d81SKl_9jQgvtBRJDKl_zz18P-VwDBDlnrsMxYMWHz0M0oS6jG29MIoY5OuTlQAxJ2mE1f5ur7pyobWDfriH0KLUv858mFzNby-Q9q7E_05aLWP5a_AqFPwrW-7_y3nypgROqH0o9z1sxzZyOGti8aMZbu-z7dVjqV6RSmojHb3n6g9wh_Ow",
        "04q_KmxLWmWsBSv-sHlesyD6lFf_HkKiLE6TBQvWP3E8QgYzf1YuwH3lijpcyFPEEXWxlN7G1Xxr_grj2-GPcwRfvf-UDkKxgQwSQbnW6xCZsU9qi5dEnkU7LfOYz0mYVxAzjgM1LRtVDMnrqnR6YRX1vQ7mY9kzH3xhw92MATQFrKtTK4VN27UDlzUipZyvA2OUl29-TGhBdYU7otyOMHw1U4W8j3zBNMSvLUKo-b45wRWSSXy46s8eVl4O9A6vGhZSiKi6YlQQwi2_9YYVkiTB0pWoub9ABr4t_erI_4SqRMOw53kVRSHyimSIFLQiTuDttAM1gskxvUNvskdN1Q",
    ];
    let methods: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                "{{\"id\":\"{issuer}#key-{i}\",\"type\":\"JsonWebKey2020\",\"controller\":\"{issuer}\",\"publicKeyJwk\":{{\"kty\":\"RSA\",\"n\":\"{n}\",\"e\":\"AQAB\"}}}}"
            )
        })
        .collect();
    let doc = format!(
        "{{\"id\":\"{issuer}\",\"verificationMethod\":[{}],\"assertionMethod\":[\"{issuer}#key-0\",\"{issuer}#key-1\"]}}",
        methods.join(",")
    );
    let dir = util::temp_dir("1edtech-issuer");
    std::fs::write(dir.join("issuer.json"), &doc).expect("write");
    let outcome = |dids: bool, trust: bool| {
        let (out, _) = run_with(&inputs, |c| {
            if dids {
                c.dids = vec![DocumentSource::path(dir.clone())];
            }
            c.trust_header_jwk = trust;
        });
        parse_verdicts(&out)
            .into_iter()
            .map(|v| (v.verdict, v.problems, v.warnings))
            .collect::<Vec<_>>()
    };
    let each = |verdict: &str, problems: &[&str], warnings: &[&str]| {
        let one = (
            verdict.to_owned(),
            problems.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>(),
            warnings.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>(),
        );
        vec![one.clone(), one]
    };
    assert_eq!(
        outcome(false, false),
        each("unknown_key", &["unknown_key"], &[])
    );
    assert_eq!(outcome(true, false), each("valid", &[], &[]));
    assert_eq!(
        outcome(false, true),
        each("valid", &[], &["key_from_header"])
    );
    assert_eq!(
        outcome(true, true),
        each("valid", &[], &[]),
        "a listed key needs no warning"
    );
}

/// `recheck` of an index written by `verify --trust-header-jwk --index`
/// gives `verify`'s output byte for byte, `alg` included, at the index's
/// instant and at another.
#[test]
fn recheck_keeps_each_algorithm_and_the_relaxation() {
    let p256 = Signer::ec("P-256");
    let p384 = Signer::ec("P-384");
    let rsa = Signer::rsa();
    let kid = |(did, method): (String, String)| (did, format!(",\"kid\":\"{method}\""));
    let (pdid, pkid) = kid(p256.did_key());
    let (qdid, qkid) = kid(p384.did_jwk());
    let (rdid, rkid) = kid(rsa.did_jwk());
    let tokens = [
        p256.token("ES256", &pkid, &pdid),
        p384.token("ES384", &qkid, &qdid),
        rsa.token("RS256", &rkid, &rdid),
        rsa.token("PS256", &rkid, &rdid),
        p256.token("ES384", &pkid, &pdid),
        p256.token(
            "ES256",
            &format!(",\"jwk\":{}", p256.jwk()),
            "did:web:x.example",
        ),
        rsa.token("HS256", &rkid, &rdid),
    ];
    let dir = util::temp_dir("jwt-index");
    let input = dir.join("tokens.jsonl");
    std::fs::write(&input, tokens.join("\n") + "\n").expect("write");
    let index = dir.join("index");
    let path = |p: &std::path::Path| p.to_str().expect("UTF-8 path").to_owned();
    let run = |args: &[&str]| {
        let out = util::cli(args, None);
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{args:?}: {out:?}"
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let input_s = path(&input);
    let index_s = path(&index);
    let at = util::AS_OF;
    let verified = run(&[
        "verify",
        "--as-of",
        at,
        "--trust-header-jwk",
        &input_s,
        "--index",
        &index_s,
    ]);
    let kinds: Vec<String> = parse_verdicts(&verified)
        .into_iter()
        .map(|v| format!("{} {}", v.verdict, v.warnings.join(",")))
        .collect();
    assert_eq!(
        kinds,
        [
            "valid ",
            "valid ",
            "valid ",
            "valid ",
            "invalid_proof ",
            "valid key_from_header",
            "unsupported ",
        ]
    );
    for alg in ["ES256", "ES384", "RS256", "PS256"] {
        assert!(verified.contains(&format!("\"alg\":\"{alg}\"")), "{alg}");
    }
    assert_eq!(run(&["recheck", &index_s, "--as-of", at]), verified);
    let later = "2031-01-01T00:00:00Z";
    assert_eq!(
        run(&["recheck", &index_s, "--as-of", later]),
        run(&["verify", "--as-of", later, "--trust-header-jwk", &input_s]),
    );
}
