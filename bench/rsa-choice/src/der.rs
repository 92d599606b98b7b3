//! Just enough PEM and DER for the harness: the PEM armour around an SPKI,
//! and the SPKI's algorithm and key bits (what ring wants, see backends/ring.rs).
// Only ring's backend unwraps SPKIs; builds without it leave that part unused.
#![cfg_attr(not(feature = "ring"), allow(dead_code))]

use base64::Engine as _;

/// rsaEncryption, 1.2.840.113549.1.1.1
pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1
pub const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / secp256r1, 1.2.840.10045.3.1.7
pub const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The DER inside a "-----BEGIN PUBLIC KEY-----" PEM.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    let begin = "-----BEGIN PUBLIC KEY-----";
    let end = "-----END PUBLIC KEY-----";
    let start = pem.find(begin).ok_or("no BEGIN PUBLIC KEY")? + begin.len();
    let stop = pem[start..].find(end).ok_or("no END PUBLIC KEY")? + start;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("PEM base64: {e}"))
}

/// One DER TLV at the front of `input`: (tag, contents, rest).
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("DER: empty")?;
    let (&first, mut rest) = rest.split_first().ok_or("DER: no length")?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err("DER: bad length".into());
        }
        let (bytes, tail) = rest.split_at(n);
        rest = tail;
        bytes
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
    };
    if rest.len() < len {
        return Err("DER: truncated".into());
    }
    let (contents, rest) = rest.split_at(len);
    Ok((tag, contents, rest))
}

fn expect(input: &[u8], want: u8) -> Result<(&[u8], &[u8]), String> {
    let (tag, contents, rest) = tlv(input)?;
    if tag != want {
        return Err(format!("DER: tag {tag:#04x}, wanted {want:#04x}"));
    }
    Ok((contents, rest))
}

/// A SubjectPublicKeyInfo split up.
pub struct Spki<'a> {
    /// The algorithm OID's contents.
    pub algorithm: &'a [u8],
    /// The parameters' OID contents, when they are an OID (the EC curve).
    pub curve: Option<&'a [u8]>,
    /// The BIT STRING's contents less its unused-bits byte: for RSA the PKCS#1
    /// RSAPublicKey DER, for EC the SEC1 point (04 || x || y).
    pub key: &'a [u8],
}

pub fn spki(der: &[u8]) -> Result<Spki<'_>, String> {
    let (seq, trailing) = expect(der, 0x30)?;
    if !trailing.is_empty() {
        return Err("DER: bytes after the SPKI".into());
    }
    let (alg, rest) = expect(seq, 0x30)?;
    let (bits, rest) = expect(rest, 0x03)?;
    if !rest.is_empty() {
        return Err("DER: bytes after the BIT STRING".into());
    }
    let (algorithm, params) = expect(alg, 0x06)?;
    let curve = match tlv(params) {
        Ok((0x06, oid, _)) => Some(oid),
        _ => None,
    };
    match bits.split_first() {
        Some((0, key)) => Ok(Spki {
            algorithm,
            curve,
            key,
        }),
        _ => Err("DER: BIT STRING with unused bits".into()),
    }
}

/// The SPKI of an RSA key, checked, down to its PKCS#1 RSAPublicKey DER.
pub fn rsa_pkcs1(der: &[u8]) -> Result<&[u8], String> {
    let s = spki(der)?;
    if s.algorithm != OID_RSA {
        return Err("not an rsaEncryption key".into());
    }
    Ok(s.key)
}

/// The SPKI of a P-256 key, checked, down to its SEC1 uncompressed point.
pub fn p256_point(der: &[u8]) -> Result<&[u8], String> {
    let s = spki(der)?;
    if s.algorithm != OID_EC || s.curve != Some(OID_P256) {
        return Err("not a P-256 key".into());
    }
    Ok(s.key)
}
