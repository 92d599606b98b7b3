//! Self-made vectors for proof handling: eddsa-jcs-2022 proof sets and
//! chains, proof configuration checks, VC-JWT, and key resolution. Each is
//! signed here with ed25519-dalek over our JCS, so a verdict that differs
//! names the check that broke.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};

use crate::util::{
    self, credential_members, did_key, jcs_proof_value, key, proof_members, run_lines, run_one,
    signed_credential, signed_line,
};

fn verdict_and_problems(line: &str) -> (String, Vec<String>) {
    let v = run_one(line);
    (v.verdict, v.problems)
}

fn expect(line: &str, verdict: &str, problems: &[&str]) {
    let (v, p) = verdict_and_problems(line);
    assert_eq!(
        (v.as_str(), p.iter().map(String::as_str).collect::<Vec<_>>()),
        (verdict, problems.to_vec()),
        "{line:.200}"
    );
}

#[test]
fn a_signed_credential_is_valid_and_tampering_breaks_it() {
    let good = signed_credential(&key(1), "");
    let v = run_one(&good);
    assert_eq!(
        (v.verdict.as_str(), v.format.as_deref()),
        ("valid", Some("eddsa-jcs-2022"))
    );
    assert_eq!(v.id.as_deref(), Some("urn:uuid:test-1"));
    assert!(v.issuer.as_deref().unwrap().starts_with("did:key:z6Mk"));
    expect(
        &good.replace("Ada Lovelace", "Ada Lovelacf"),
        "invalid_signature",
        &["invalid_signature"],
    );
    // Reordering members and re-escaping characters changes no canonical byte.
    let reordered = good
        .replacen("\"id\":\"urn:uuid:test-1\",", "", 1)
        .replacen(
            "\"type\":[",
            "\"id\":\"urn:uuid:\\u0074est-1\",\"type\":[",
            1,
        );
    expect(&reordered, "valid", &[]);
}

#[test]
fn proof_configuration_checks() {
    let sk = key(2);
    let (did, method) = did_key(&sk);
    let members = credential_members(&did, "");
    let sign = |proof: &str| signed_line(&members, proof, &sk);
    // A purpose other than assertionMethod, signed as such, is still refused.
    expect(
        &sign(&proof_members(&method, "").replace("assertionMethod", "authentication")),
        "invalid_proof",
        &["proof_purpose"],
    );
    // An expired proof.
    expect(
        &sign(&proof_members(
            &method,
            ",\"expires\":\"2025-01-01T00:00:00Z\"",
        )),
        "invalid_proof",
        &["proof_expired"],
    );
    expect(
        &sign(&proof_members(&method, "").replace("2024-01-01T00:00:00Z", "last week")),
        "invalid_proof",
        &["proof_malformed"],
    );
    // An undecodable proofValue.
    let good = sign(&proof_members(&method, ""));
    let cut = good.replacen("\"proofValue\":\"z", "\"proofValue\":\"z1", 1);
    expect(&cut, "invalid_proof", &["proof_value"]);
    expect(
        &good.replacen("\"proofValue\":\"z", "\"proofValue\":\"u", 1),
        "invalid_proof",
        &["proof_value"],
    );
    // No verificationMethod.
    let no_vm =
        proof_members(&method, "").replace(&format!(",\"verificationMethod\":\"{method}\""), "");
    expect(&sign(&no_vm), "invalid_proof", &["proof_malformed"]);
}

#[test]
fn proof_context_must_open_the_documents_context() {
    let sk = key(3);
    let (did, method) = did_key(&sk);
    let members = credential_members(&did, "");
    let ctx = "[\"https://www.w3.org/ns/credentials/v2\"]";
    // vc-di-eddsa §3.3.2: with a proof @context, the document is hashed with
    // that @context in place of its own.
    let proof = proof_members(&method, &format!(",\"@context\":{ctx}"));
    let doc_as_signed = members.replacen(
        "\"@context\":[\"https://www.w3.org/ns/credentials/v2\",\"https://www.w3.org/ns/credentials/examples/v2\"]",
        &format!("\"@context\":{ctx}"),
        1,
    );
    let value = jcs_proof_value(
        &format!("{{{doc_as_signed}}}"),
        &format!("{{{proof}}}"),
        &sk,
    );
    let line = format!("{{{members},\"proof\":{{{proof},\"proofValue\":\"{value}\"}}}}");
    expect(&line, "valid", &[]);
    let other = proof.replace("credentials/v2\"]", "credentials/v1\"]");
    let line = signed_line(&members, &other, &sk);
    expect(&line, "invalid_proof", &["context_mismatch"]);
}

/// A credential by the did:key of `keys[0]`, with a proof set (no
/// `previousProof`) or a chain, signed per Data Integrity §4.
fn multi_proof(keys: &[SigningKey], chain: &[Option<&[usize]>]) -> String {
    let (did, _) = did_key(&keys[0]);
    let members = credential_members(&did, "");
    let mut proofs: Vec<String> = Vec::new();
    for (i, (sk, previous)) in keys.iter().zip(chain).enumerate() {
        let (_, method) = did_key(sk);
        let mut extra = format!(",\"id\":\"urn:proof:{i}\"");
        let mut doc = format!("{{{members}}}");
        if let Some(prev) = previous {
            let ids: Vec<String> = prev.iter().map(|p| format!("\"urn:proof:{p}\"")).collect();
            let included: Vec<&str> = prev.iter().map(|p| proofs[*p].as_str()).collect();
            if prev.len() == 1 {
                extra.push_str(&format!(",\"previousProof\":{}", ids[0]));
                doc = format!("{{{members},\"proof\":{}}}", included[0]);
            } else {
                extra.push_str(&format!(",\"previousProof\":[{}]", ids.join(",")));
                doc = format!("{{{members},\"proof\":[{}]}}", included.join(","));
            }
        }
        let proof = proof_members(&method, &extra);
        let value = jcs_proof_value(&doc, &format!("{{{proof}}}"), sk);
        proofs.push(format!("{{{proof},\"proofValue\":\"{value}\"}}"));
    }
    format!("{{{members},\"proof\":[{}]}}", proofs.join(","))
}

#[test]
fn proof_sets_and_chains() {
    // All proofs by the issuer's own key: a set, a chain by string, a chain
    // by array.
    let k = [key(4), key(4), key(4)];
    expect(&multi_proof(&k, &[None, None, None]), "valid", &[]);
    expect(
        &multi_proof(&k, &[None, Some(&[0]), Some(&[1])]),
        "valid",
        &[],
    );
    expect(&multi_proof(&k, &[None, None, Some(&[0, 1])]), "valid", &[]);
    // A co-signer whose key the issuer does not control.
    let mixed = [key(4), key(5)];
    expect(
        &multi_proof(&mixed, &[None, Some(&[0])]),
        "issuer_mismatch",
        &["issuer_mismatch"],
    );
    // One proof of the set broken: the credential fails.
    let set = multi_proof(&k, &[None, None, None]);
    let second = set.match_indices("\"proofValue\":\"z").nth(1).unwrap().0 + 20;
    let mut broken = set.clone().into_bytes();
    broken[second] = if broken[second] == b'A' { b'B' } else { b'A' };
    expect(
        &String::from_utf8(broken).unwrap(),
        "invalid_signature",
        &["invalid_signature"],
    );
    // A chain that names a proof that is not there.
    let chain = multi_proof(&k, &[None, Some(&[0])]).replace(
        "\"previousProof\":\"urn:proof:0\"",
        "\"previousProof\":\"urn:proof:9\"",
    );
    expect(&chain, "invalid_proof", &["previous_proof"]);
    // A chained proof read without the proof it signed no longer verifies.
    let c = multi_proof(&k, &[None, Some(&[0])]);
    expect(
        &c.replace(",\"previousProof\":\"urn:proof:0\"", ""),
        "invalid_signature",
        &["invalid_signature"],
    );
}

#[test]
fn unsupported_and_missing_proofs() {
    let sk = key(6);
    let good = signed_credential(&sk, "");
    let bbs = good.replace("eddsa-jcs-2022", "bbs-2023");
    let v = run_one(&bbs);
    assert_eq!(
        (v.verdict.as_str(), v.warnings.as_slice()),
        ("unsupported", &["unsupported_proof_skipped".to_owned()][..])
    );
    // A supported proof beside an unknown one: the unknown is skipped.
    let proof_start = good.find(",\"proof\":{").unwrap() + ",\"proof\":".len();
    let proof = &good[proof_start..good.len() - 1];
    let other = proof.replace("DataIntegrityProof", "RsaSignature2018");
    let both = format!(
        "{},\"proof\":[{proof},{other}]}}",
        &good[..proof_start - ",\"proof\":".len()]
    );
    let v = run_one(&both);
    assert_eq!(
        (v.verdict.as_str(), v.warnings.as_slice()),
        ("valid", &["unsupported_proof_skipped".to_owned()][..])
    );
    let bare = format!("{}}}", &good[..proof_start - ",\"proof\":".len()]);
    expect(&bare, "no_proof", &["no_proof"]);
    expect(
        &format!(
            "{},\"proof\":[]}}",
            &good[..proof_start - ",\"proof\":".len()]
        ),
        "no_proof",
        &["no_proof"],
    );
}

#[test]
fn validity_windows_and_status() {
    let sk = key(7);
    expect(
        &signed_credential(&sk, ",\"validUntil\":\"2025-06-01T00:00:00Z\""),
        "expired",
        &["expired"],
    );
    expect(
        &signed_credential(&sk, ",\"validUntil\":\"2027-06-01T00:00:00+02:00\""),
        "valid",
        &[],
    );
    let future = signed_credential(&sk, "").replace(
        "2024-01-01T00:00:00Z\",\"credentialSubject",
        "2026-01-01T00:00:01Z\",\"credentialSubject",
    );
    // validFrom is signed: re-sign with the future date.
    let (did, method) = did_key(&sk);
    let members = credential_members(&did, "").replace(
        "\"validFrom\":\"2024-01-01T00:00:00Z\"",
        "\"validFrom\":\"2026-01-01T00:00:01Z\"",
    );
    let proof = proof_members(&method, "");
    expect(
        &signed_line(&members, &proof, &sk),
        "not_yet_valid",
        &["not_yet_valid"],
    );
    assert_eq!(verdict_and_problems(&future).0, "invalid_signature");
    // Both expired and not yet valid: every problem is listed.
    let members = credential_members(&did, ",\"validUntil\":\"2020-01-01T00:00:00Z\"")
        .replace("2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
    expect(
        &signed_line(&members, &proof, &sk),
        "expired",
        &["expired", "not_yet_valid"],
    );
    expect(
        &signed_credential(&sk, ",\"validUntil\":\"2025-02-30T00:00:00Z\""),
        "malformed",
        &["bad_date"],
    );
    // A status entry whose list was not given: never `valid` unchecked.
    let status = ",\"credentialStatus\":{\"id\":\"https://s.example/1#5\",\"type\":\"BitstringStatusListEntry\",\"statusPurpose\":\"revocation\",\"statusListIndex\":\"5\",\"statusListCredential\":\"https://s.example/1\"}";
    expect(
        &signed_credential(&sk, status),
        "status_unavailable",
        &["status_list_missing"],
    );
    // Status is consulted only once the proof verified.
    expect(
        &signed_credential(&sk, status).replace("Ada Lovelace", "Eve"),
        "invalid_signature",
        &["invalid_signature"],
    );
}

#[test]
fn vc_1_1_credentials_need_an_issuance_date() {
    let sk = key(8);
    let (did, method) = did_key(&sk);
    let members = credential_members(&did, "")
        .replace(
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/2018/credentials/v1",
        )
        .replace(
            "\"validFrom\":\"2024-01-01T00:00:00Z\"",
            "\"issuanceDate\":\"2024-01-01T00:00:00Z\",\"expirationDate\":\"2025-01-01T00:00:00Z\"",
        );
    let proof = proof_members(&method, "");
    let line = signed_line(&members, &proof, &sk);
    expect(&line, "expired", &["expired"]);
    let undated = line.replace("\"issuanceDate\":\"2024-01-01T00:00:00Z\",", "");
    expect(&undated, "malformed", &["bad_member"]);
}

// --- VC-JWT -----------------------------------------------------------------

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

fn jws(header: &str, payload: &str, sk: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = sk.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

#[test]
fn vc_jwt_variants() {
    let sk = key(9);
    let (did, method) = did_key(&sk);
    let cred = format!("{{{}}}", credential_members(&did, ""));
    let header = format!("{{\"alg\":\"EdDSA\",\"kid\":\"{method}\",\"typ\":\"vc+jwt\"}}");
    let token = jws(&header, &cred, &sk);
    let v = run_one(&token);
    assert_eq!(
        (v.verdict.as_str(), v.format.as_deref(), v.id.as_deref()),
        ("valid", Some("vc-jwt"), Some("urn:uuid:test-1"))
    );
    // Written as a JSON string.
    expect(&format!("\"{token}\""), "valid", &[]);
    // No kid: a did:key issuer names its one key.
    expect(&jws("{\"alg\":\"EdDSA\"}", &cred, &sk), "valid", &[]);
    // Relative kid.
    let rel = method
        .rsplit_once('#')
        .map(|(_, f)| format!("#{f}"))
        .unwrap();
    expect(
        &jws(
            &format!("{{\"alg\":\"EdDSA\",\"kid\":\"{rel}\"}}"),
            &cred,
            &sk,
        ),
        "valid",
        &[],
    );
    // Tampered payload.
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&cred.replace("Ada", "Eve")),
        parts[2]
    );
    expect(&tampered, "invalid_signature", &["invalid_signature"]);
    // Algorithms this engine does not verify, none included.
    for alg in ["HS256", "ES512", "none"] {
        expect(
            &jws(
                &format!("{{\"alg\":\"{alg}\",\"kid\":\"{method}\"}}"),
                &cred,
                &sk,
            ),
            "unsupported",
            &["unsupported_proof"],
        );
    }
    // Algorithms an Ed25519 key does not sign with (tests/jwt_algs.rs
    // has the others).
    for alg in ["RS256", "ES256"] {
        expect(
            &jws(
                &format!("{{\"alg\":\"{alg}\",\"kid\":\"{method}\"}}"),
                &cred,
                &sk,
            ),
            "invalid_proof",
            &["key_type"],
        );
    }
    // Critical extensions we do not know.
    expect(
        &jws(
            &format!("{{\"alg\":\"EdDSA\",\"kid\":\"{method}\",\"b64\":false,\"crit\":[\"b64\"]}}"),
            &cred,
            &sk,
        ),
        "invalid_proof",
        &["proof_malformed"],
    );
    // A signature of the wrong size.
    expect(
        &format!("{}.{}.AAAA", parts[0], parts[1]),
        "invalid_proof",
        &["proof_value"],
    );
}

#[test]
fn vc_jwt_claims_must_agree_with_the_credential() {
    let sk = key(10);
    let (did, method) = did_key(&sk);
    let header = format!("{{\"alg\":\"EdDSA\",\"kid\":\"{method}\",\"typ\":\"JWT\"}}");
    let vc = credential_members(&did, "")
        .replace(
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/2018/credentials/v1",
        )
        .replace(
            "\"validFrom\":\"2024-01-01T00:00:00Z\"",
            "\"issuanceDate\":\"2024-01-01T00:00:00Z\"",
        );
    let nbf = 1_704_067_200; // 2024-01-01T00:00:00Z
    let ok = format!(
        "{{\"iss\":\"{did}\",\"jti\":\"urn:uuid:test-1\",\"sub\":\"did:example:subject\",\"nbf\":{nbf},\"vc\":{{{vc}}}}}"
    );
    expect(&jws(&header, &ok, &sk), "valid", &[]);
    let with = |from: &str, to: &str| jws(&header, &ok.replace(from, to), &sk);
    let nbf_claim = format!("\"nbf\":{nbf}");
    for (token, verdict, problem) in [
        // Claims that disagree with the credential.
        (
            with(
                &format!("\"iss\":\"{did}\""),
                "\"iss\":\"did:example:someone-else\"",
            ),
            "invalid_proof",
            "jwt_claims",
        ),
        (
            with("\"jti\":\"urn:uuid:test-1\"", "\"jti\":\"urn:uuid:other\""),
            "invalid_proof",
            "jwt_claims",
        ),
        (
            with(&nbf_claim, &format!("\"nbf\":{}", nbf + 86_400)),
            "invalid_proof",
            "jwt_claims",
        ),
        // A time claim that is not a number.
        (
            with(&nbf_claim, "\"nbf\":false"),
            "invalid_proof",
            "jwt_claims",
        ),
        // exp in the past, no expirationDate: expired by the claim.
        (
            with(&nbf_claim, &format!("{nbf_claim},\"exp\":1735689600")),
            "expired",
            "expired",
        ),
    ] {
        expect(&token, verdict, &[problem]);
    }
    // The vc claim may leave id, issuer and issuanceDate to the JWT claims.
    let sparse = vc
        .replace(&format!("\"issuer\":\"{did}\","), "")
        .replace("\"id\":\"urn:uuid:test-1\",", "")
        .replace("\"issuanceDate\":\"2024-01-01T00:00:00Z\",", "");
    let payload = format!(
        "{{\"iss\":\"{did}\",\"jti\":\"urn:uuid:test-1\",\"nbf\":{nbf},\"vc\":{{{sparse}}}}}"
    );
    let v = run_one(&jws(&header, &payload, &sk));
    assert_eq!(
        (v.verdict.as_str(), v.issuer.as_deref(), v.id.as_deref()),
        ("valid", Some(did.as_str()), Some("urn:uuid:test-1"))
    );
}

// --- keys -------------------------------------------------------------------

#[test]
fn did_web_documents_authorise_keys() {
    let sk = key(11);
    let mk = credverify::resolve::multikey::encode_multikey(&sk.verifying_key().to_bytes());
    let did = "did:web:registrar.example";
    let doc = |assertion: &str| {
        format!(
            "{{\"id\":\"{did}\",\"verificationMethod\":[{{\"id\":\"{did}#key-1\",\"type\":\"Multikey\",\"controller\":\"{did}\",\"publicKeyMultibase\":\"{mk}\"}}],\"assertionMethod\":[{assertion}]}}"
        )
    };
    let members = credential_members(did, "");
    let proof = proof_members(&format!("{did}#key-1"), "");
    let line = signed_line(&members, &proof, &sk);
    // Without the document: unknown key.
    expect(&line, "unknown_key", &["unknown_key"]);
    let with_doc = |doc: String| {
        let dir = util::temp_dir("dids");
        std::fs::write(dir.join("registrar.json"), doc).unwrap();
        run_lines(&[&line], |c| {
            c.dids = vec![credverify::source::documents::DocumentSource::path(dir)]
        })
        .remove(0)
    };
    let v = with_doc(doc("\"#key-1\""));
    assert_eq!(v.verdict, "valid", "{:?}", v.problems);
    let v = with_doc(doc(""));
    assert_eq!(
        (v.verdict.as_str(), v.problems.as_slice()),
        ("invalid_proof", &["not_authorized".to_owned()][..])
    );
    // A JWK form of the same key.
    let x = URL_SAFE_NO_PAD.encode(sk.verifying_key().to_bytes());
    let jwk_doc = format!(
        "{{\"id\":\"{did}\",\"verificationMethod\":[{{\"id\":\"{did}#key-1\",\"type\":\"JsonWebKey2020\",\"controller\":\"{did}\",\"publicKeyJwk\":{{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"{x}\"}}}}],\"assertionMethod\":[\"{did}#key-1\"]}}"
    );
    assert_eq!(with_doc(jwk_doc.clone()).verdict, "valid");
    // A JWK that leaks its private part is not a key we trust.
    assert_eq!(
        with_doc(jwk_doc.replace("\"kty\":\"OKP\"", "\"d\":\"AAAA\",\"kty\":\"OKP\"")).verdict,
        "unknown_key"
    );
}

#[test]
fn fragment_keys_need_the_named_relaxation() {
    let sk = key(12);
    let mk = credverify::resolve::multikey::encode_multikey(&sk.verifying_key().to_bytes());
    let issuer = "https://badges.example/issuer";
    let members = credential_members(issuer, "");
    let proof = proof_members(&format!("{issuer}#{mk}"), "");
    let line = signed_line(&members, &proof, &sk);
    expect(&line, "unknown_key", &["unknown_key"]);
    let v = run_lines(&[&line], |c| c.trust_fragment_keys = true).remove(0);
    assert_eq!(
        (v.verdict.as_str(), v.warnings.as_slice()),
        ("valid", &["key_from_fragment".to_owned()][..])
    );
    // Only under the issuer's own URL.
    let elsewhere = line.replace(&format!("{issuer}#"), "https://elsewhere.example/keys#");
    let v = run_lines(&[&elsewhere], |c| c.trust_fragment_keys = true).remove(0);
    assert_eq!(v.verdict, "unknown_key");
}

#[test]
fn did_jwk_issuers_and_keys_signed_by_others() {
    let sk = key(13);
    let jwk = format!(
        "{{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"{}\"}}",
        URL_SAFE_NO_PAD.encode(sk.verifying_key().to_bytes())
    );
    let did = format!("did:jwk:{}", b64(&jwk));
    let members = credential_members(&did, "");
    let proof = proof_members(&format!("{did}#0"), "");
    expect(&signed_line(&members, &proof, &sk), "valid", &[]);
    // Signed by a key other than the one named.
    expect(
        &signed_line(&members, &proof, &key(14)),
        "invalid_signature",
        &["invalid_signature"],
    );
    // A key that does not resolve at all.
    let unknown = proof_members("did:example:123#key-1", "");
    expect(
        &signed_line(&members, &unknown, &sk),
        "unknown_key",
        &["unknown_key"],
    );
}

/// Regression: a JWS before JCS records in the same chunk once shifted the
/// JCS records' deferred hashes by one, making valid credentials fail and
/// letting a forgery borrow its neighbour's hash.
#[test]
fn mixed_formats_in_one_chunk_keep_their_own_hashes() {
    let sk = key(15);
    let (did, method) = did_key(&sk);
    let cred = format!("{{{}}}", credential_members(&did, ""));
    let token = jws(
        &format!("{{\"alg\":\"EdDSA\",\"kid\":\"{method}\"}}"),
        &cred,
        &sk,
    );
    let genuine = signed_credential(&sk, "");
    let forged = genuine.replace("Ada Lovelace", "Mallory");
    for threads in [1, 2] {
        let got: Vec<String> = run_lines(&[&token, &forged, &genuine, &token, &genuine], |c| {
            c.threads = threads
        })
        .into_iter()
        .map(|v| v.verdict)
        .collect();
        assert_eq!(
            got,
            ["valid", "invalid_signature", "valid", "valid", "valid"],
            "threads {threads}"
        );
    }
}

/// Regression: a controller document must not replace a did:key's key,
/// nor claim methods outside its own id.
#[test]
fn documents_cannot_speak_for_did_key_or_foreign_ids() {
    let (real, rogue) = (key(16), key(17));
    let (did, method) = did_key(&real);
    let rogue_mk =
        credverify::resolve::multikey::encode_multikey(&rogue.verifying_key().to_bytes());
    let dir = util::temp_dir("dids-hijack");
    std::fs::write(
        dir.join("fake-did-key.json"),
        format!("{{\"id\":\"{did}\",\"verificationMethod\":[{{\"id\":\"{method}\",\"type\":\"Multikey\",\"controller\":\"{did}\",\"publicKeyMultibase\":\"{rogue_mk}\"}}],\"assertionMethod\":[\"{method}\"]}}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("evil.json"),
        format!("{{\"id\":\"did:web:evil.example\",\"verificationMethod\":[{{\"id\":\"{method}\",\"type\":\"Multikey\",\"controller\":\"did:web:evil.example\",\"publicKeyMultibase\":\"{rogue_mk}\"}}],\"assertionMethod\":[\"{method}\"]}}"),
    )
    .unwrap();
    let members = credential_members(&did, "");
    let proof = proof_members(&method, "");
    let forged = signed_line(&members, &proof, &rogue);
    let genuine = signed_credential(&real, "");
    let got: Vec<String> = run_lines(&[&forged, &genuine], |c| {
        c.dids = vec![credverify::source::documents::DocumentSource::path(dir)]
    })
    .into_iter()
    .map(|v| v.verdict)
    .collect();
    assert_eq!(got, ["invalid_signature", "valid"]);
}
