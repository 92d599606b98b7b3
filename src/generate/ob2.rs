//! Open Badges 2.0 badges for `generate --layout files`: signed assertions
//! (RS256 JWS) by one issuer Profile, hosted assertions (a URL), and the
//! Profile's documents and revocation list, all under
//! `https://badges.example.org/ob2/`.
//!
//! The issuer's key and a rogue key are RSA 2,048-bit test keys committed
//! beside this file (`ob2-issuer.pk8`, `ob2-rogue.pk8`, PKCS #8, made with
//! `openssl genpkey`): they are public, and sign only generated data. RSA
//! PKCS #1 v1.5 signatures are deterministic, so the output is too.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::Case;
use crate::time::Timestamp;

const BASE: &str = "https://badges.example.org/ob2";
pub(crate) const ISSUER_KEY: &[u8] = include_bytes!("ob2-issuer.pk8");
pub(crate) const ROGUE_KEY: &[u8] = include_bytes!("ob2-rogue.pk8");

/// What a 2.0 badge carries: a signed assertion's JWS, its bare JSON, or
/// a hosted assertion's URL.
pub(crate) struct Badge {
    /// The baked payload.
    pub(crate) payload: Vec<u8>,
    /// The verdict's `format`.
    pub(crate) format: &'static str,
}

/// The issuer of the generated 2.0 badges.
pub(crate) struct Ob2Issuer {
    key: RsaKeyPair,
    rogue: RsaKeyPair,
    rng: SystemRandom,
    as_of: i64,
    /// Ids of the assertions its revocation list names.
    revoked: Vec<String>,
    /// Whether any badge was made.
    pub(crate) used: bool,
}

fn date(secs: i64) -> String {
    let mut out = Vec::new();
    Timestamp::from_unix(secs).write_rfc3339(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

impl Ob2Issuer {
    pub(crate) fn new(as_of: i64) -> Ob2Issuer {
        let load = |der| RsaKeyPair::from_pkcs8(der).expect("a committed RSA test key");
        Ob2Issuer {
            key: load(ISSUER_KEY),
            rogue: load(ROGUE_KEY),
            rng: SystemRandom::new(),
            as_of,
            revoked: Vec::new(),
            used: false,
        }
    }

    /// Whether a record of `case` can be a 2.0 badge with the verdict the
    /// case expects (2.0 has no suspension, status messages or issuer
    /// mismatch of the kind the case means; malformed records stay as
    /// they are).
    pub(crate) fn takes(case: Case) -> bool {
        matches!(
            case,
            Case::Valid
                | Case::Tampered
                | Case::WrongKey
                | Case::Expired
                | Case::NotYetValid
                | Case::Unsupported
                | Case::NoProof
                | Case::Revoked
        )
    }

    /// The badge for record `index` of `case` (one [`Ob2Issuer::takes`]).
    pub(crate) fn badge(&mut self, index: u64, case: Case) -> Badge {
        self.used = true;
        let id = format!("{BASE}/assertions/{index:06}");
        if case == Case::Unsupported {
            return Badge {
                payload: id.into_bytes(),
                format: "ob2-hosted",
            };
        }
        let day = 86_400;
        let issued = match case {
            Case::NotYetValid => self.as_of + 30 * day,
            _ => self.as_of - 400 * day,
        };
        let expires = match case {
            Case::Expired => format!(",\"expires\":\"{}\"", date(self.as_of - day)),
            _ => String::new(),
        };
        if case == Case::Revoked {
            self.revoked.push(id.clone());
        }
        let assertion = format!(
            "{{\"@context\":\"https://w3id.org/openbadges/v2\",\"type\":\"Assertion\",\"id\":\"{id}\",\"recipient\":{{\"type\":\"email\",\"hashed\":false,\"identity\":\"learner{index}@example.org\"}},\"issuedOn\":\"{}\"{expires},\"badge\":\"{BASE}/badge.json\",\"verification\":{{\"type\":\"SignedBadge\",\"creator\":\"{BASE}/key.json\"}}}}",
            date(issued)
        );
        if case == Case::NoProof {
            return Badge {
                payload: assertion.into_bytes(),
                format: "ob2-signed",
            };
        }
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(&assertion));
        let signer = if case == Case::WrongKey {
            &self.rogue
        } else {
            &self.key
        };
        let mut signature = vec![0; signer.public_modulus_len()];
        signer
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing");
        let mut token = input;
        if case == Case::Tampered {
            // The recipient changed after signing.
            let changed = assertion.replace("@example.org", "@example.net");
            token = format!("{header}.{}", URL_SAFE_NO_PAD.encode(&changed));
        }
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(&signature));
        Badge {
            payload: token.into_bytes(),
            format: "ob2-signed",
        }
    }

    /// The Profile, BadgeClass and key documents, for `--dids`: (file
    /// name, bytes). The Profile names the revocation list when
    /// `with_list`.
    pub(crate) fn documents(&self, with_list: bool) -> Vec<(&'static str, Vec<u8>)> {
        let der = STANDARD.encode(self.key.public_key().as_ref());
        let pem: Vec<&str> = der
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\\n{}\\n-----END RSA PUBLIC KEY-----",
            pem.join("\\n")
        );
        let list = if with_list {
            format!(",\"revocationList\":\"{BASE}/revocations.json\"")
        } else {
            String::new()
        };
        let context = "\"@context\":\"https://w3id.org/openbadges/v2\"";
        vec![
            (
                "ob2-issuer.json",
                format!(
                    "{{{context},\"type\":\"Issuer\",\"id\":\"{BASE}/issuer.json\",\"name\":\"Example Badge Issuer\",\"url\":\"https://badges.example.org\",\"publicKey\":\"{BASE}/key.json\"{list}}}\n"
                )
                .into_bytes(),
            ),
            (
                "ob2-badge.json",
                format!(
                    "{{{context},\"type\":\"BadgeClass\",\"id\":\"{BASE}/badge.json\",\"name\":\"Example Badge\",\"description\":\"Generated.\",\"image\":\"{BASE}/badge.png\",\"criteria\":\"{BASE}/criteria.html\",\"issuer\":\"{BASE}/issuer.json\"}}\n"
                )
                .into_bytes(),
            ),
            (
                "ob2-key.json",
                format!(
                    "{{{context},\"type\":\"CryptographicKey\",\"id\":\"{BASE}/key.json\",\"owner\":\"{BASE}/issuer.json\",\"publicKeyPem\":\"{pem}\"}}\n"
                )
                .into_bytes(),
            ),
        ]
    }

    /// The Profile's revocation list, for `--status-lists`.
    pub(crate) fn revocation_list(&self) -> Vec<u8> {
        let ids: Vec<String> = self.revoked.iter().map(|id| format!("\"{id}\"")).collect();
        format!(
            "{{\"@context\":\"https://w3id.org/openbadges/v2\",\"id\":\"{BASE}/revocations.json\",\"type\":\"RevocationList\",\"revokedAssertions\":[{}]}}\n",
            ids.join(",")
        )
        .into_bytes()
    }
}
