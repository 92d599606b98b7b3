"""SPKI "BEGIN PUBLIC KEY" PEM (RSA or P-256) -> public JWK (RFC 7517/7518).

Usage: spki_to_jwk.py KEY.pem > KEY.jwk.json
"""
import base64
import json
import sys

RSA_OID = bytes.fromhex("2a864886f70d010101")
EC_OID = bytes.fromhex("2a8648ce3d0201")
P256_OID = bytes.fromhex("2a8648ce3d030107")


def read_tlv(buf, i):
    tag, length = buf[i], buf[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[i:i + n], "big")
        i += n
    return tag, buf[i:i + length], i + length


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unsigned(b):
    return b.lstrip(b"\0") or b"\0"


pem = open(sys.argv[1]).read()
body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
der = base64.b64decode(body)
_, spki, _ = read_tlv(der, 0)
_, alg, i = read_tlv(spki, 0)
tag, bits, _ = read_tlv(spki, i)
assert tag == 0x03 and bits[0] == 0, "BIT STRING with no unused bits"
key = bits[1:]
_, oid, j = read_tlv(alg, 0)
if oid == RSA_OID:
    _, rsa, _ = read_tlv(key, 0)
    _, n, k = read_tlv(rsa, 0)
    _, e, _ = read_tlv(rsa, k)
    jwk = {"kty": "RSA", "n": b64url(unsigned(n)), "e": b64url(unsigned(e))}
elif oid == EC_OID:
    _, curve, _ = read_tlv(alg, j)
    assert curve == P256_OID and key[0] == 4 and len(key) == 65
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(key[1:33]), "y": b64url(key[33:])}
else:
    sys.exit("not an RSA or EC key")
print(json.dumps(jwk, indent=2))
