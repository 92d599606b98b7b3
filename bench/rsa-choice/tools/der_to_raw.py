"""X9.62 DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }) -> JWS r||s.

Usage: der_to_raw.py SIG.der > SIG.raw   (P-256: 32 bytes each, big-endian)
"""
import sys


def read_tlv(buf, i):
    tag, length = buf[i], buf[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[i:i + n], "big")
        i += n
    return tag, buf[i:i + length], i + length


der = open(sys.argv[1], "rb").read()
tag, seq, _ = read_tlv(der, 0)
assert tag == 0x30
tag, r, i = read_tlv(seq, 0)
assert tag == 0x02
tag, s, _ = read_tlv(seq, i)
assert tag == 0x02
width = 32
out = int.from_bytes(r, "big").to_bytes(width, "big") + int.from_bytes(s, "big").to_bytes(width, "big")
sys.stdout.buffer.write(out)
