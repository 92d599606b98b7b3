#!/usr/bin/env python3
"""Writes the seed corpora, fuzz/seeds/<target>/, from the repository's test
data and sample dataset: one record or document per file. Standard library
only. The committed corpora (fuzz/corpus/) are these seeds plus what the
campaigns found, minimised with `cargo fuzz cmin` (see FUZZING.md)."""

import base64, gzip, hashlib, json, os, pathlib, re

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "seeds"


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def compact(path):
    return json.dumps(json.loads(pathlib.Path(path).read_text()), separators=(",", ":"), ensure_ascii=False)


data = ROOT / "tests" / "data"
sample = (ROOT / "datasets/sample/credentials.jsonl").read_bytes().split(b"\n")
truth = [json.loads(l) for l in (ROOT / "datasets/sample/truth.jsonl").read_text().splitlines()]

# One sample record per (case, format) of the truth file.
chosen, seen = [], set()
for rec, t in zip(sample, truth):
    key = (t.get("case"), t.get("format"))
    if key not in seen:
        seen.add(key)
        chosen.append((rec, t))
records = [r for r, _ in chosen]
signed = [p for p in sorted(data.glob("vc-di-eddsa/TestVectors/**/signed*.json"))] + \
    [p for p in sorted(data.glob("openbadges-3.0/**/signed-credential.json"))]

for r in records:
    put("record", r)
for p in signed:
    put("record", compact(p))
# Pipeline mode: \0, a mode byte (bit 0: `.json` name; the rest: chunk size),
# then a buffer of several records.
put("record", b"\0\x00" + b"\n".join(records[:3]) + b"\n")
put("record", b"\0\x10\n\n" + records[3] + b"\r\n  \n" + records[4])
put("record", b"\0\x01[" + b",".join(records[:3]) + b"]")
put("record", b"\0\x21\xef\xbb\xbf [" + records[5] + b', {}, [1,2],"x"]')
put("record", b"\0\x03[" + records[6] + b",")

for r in records[::3]:
    put("plain_vs_simd", r)
    put("jcs", r)
for p in sorted(data.glob("jcs-rfc8785/input/*.json")):
    put("plain_vs_simd", p.read_bytes())
    put("jcs", p.read_bytes())
for s in ['{"a":1,"a":2}', '[[[[[[[[]]]]]]]]', '{"n":9007199254740993}', '{"n":1e400}',
          '{"a" : [ true , false , null ] , "b" : { } }', '"\\u00e9"', '{"":""}']:
    put("plain_vs_simd", s)
    put("jcs", s)

for r, t in chosen:
    if t.get("format") in ("rdfc", "ed2020"):
        put("jsonld_rdfc", r)
for p in signed:
    put("jsonld_rdfc", compact(p))
for p in sorted(data.glob("rdf-canon/rdfc10/*-in.nq"))[::3]:
    put("jsonld_rdfc", p.read_bytes())

lists = sorted((ROOT / "datasets/sample/status").glob("*.json"))[:5] + \
    sorted(data.glob("status-list/spec-examples/*.json")) + sorted(data.glob("status-list/real-lists/*.json"))
for p in lists:
    put("status_list", b"\x03" + p.read_bytes())
encoded = set()
for p in sorted(data.glob("status-list/**/*.json")):
    encoded.update(re.findall(r'"encodedList"\s*:\s*"([^"]*)"', p.read_text()))
for e in sorted(encoded)[:40]:
    put("status_list", b"\x00" + (e[1:] if e.startswith("u") else e).encode())
put("status_list", b"\x01" + gzip.compress(bytes(16)))
put("status_list", b"\x02" + bytes([0x80, 0, 1, 0xff]))

for r, t in chosen:
    if t.get("format") == "jwt":
        put("jws", r.strip(b'"'))
rfc = json.loads((data / "vc-jose/rfc8037-appendixA-ed25519.json").read_text())
for v in re.findall(r'"(ey[A-Za-z0-9_\-\.]+)"', json.dumps(rfc)):
    put("jws", v)
put("jws", "a.b.")

for p in sorted((ROOT / "datasets/sample/dids").glob("*.json")):
    put("did_document", b"\x00" + p.read_bytes())
    put("did_document", b"\x02" + p.read_bytes())
for p in sorted(data.glob("did/did-key/*.json")):
    for did in sorted(json.loads(p.read_text()))[:3]:
        if did.startswith("did:key:"):
            put("did_document", b"\x00" + did[len("did:key:"):].encode())
for ex in json.loads((data / "did/did-jwk/examples.json").read_text())["examples"]:
    m = re.search(r'did:jwk:([A-Za-z0-9_\-]+)', json.dumps(ex))
    if m:
        put("did_document", b"\x00" + m.group(1).encode())
    for v in ex.values():
        if isinstance(v, dict) and "verificationMethod" in v:
            put("did_document", b"\x00" + json.dumps(v).encode())

# Badge images: PNGs with text chunks before or after IDAT, SVGs with the
# credential element in each form; and, after a zero byte, bare payloads for
# the bake-and-extract round trip.
import struct, zlib


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(before=(), after=()):
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0\x80\x80\0\x40\x40")
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"".join(png_chunk(k, d) for k, d in before)
            + png_chunk(b"IDAT", idat) + b"".join(png_chunk(k, d) for k, d in after) + png_chunk(b"IEND", b""))


def itxt(keyword, text, compressed=False):
    body = zlib.compress(text) if compressed else text
    return keyword + b"\0" + bytes([int(compressed), 0]) + b"\0\0" + body


cred = records[0].strip()
jws = b"eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ1cm46dXVpZDpiYWtlZCJ9.c2lnbmF0dXJl"
url = b"https://example.org/assertions/123"
put("baked_png", png([(b"iTXt", itxt(b"openbadgecredential", cred))]))
put("baked_png", png((), [(b"tEXt", b"date:create\x002021-03-25"), (b"iTXt", itxt(b"openbadgecredential", jws))]))
put("baked_png", png([(b"iTXt", itxt(b"openbadges", url, True))]))
put("baked_png", png([(b"tEXt", b"openbadges\0" + url)]))
put("baked_png", png([(b"iTXt", itxt(b"openbadges", jws))], [(b"iTXt", itxt(b"openbadgecredential", jws))]))
put("baked_png", png([(b"zTXt", b"Comment\0\0" + zlib.compress(b"x"))]))
put("baked_png", png([(b"iTXt", itxt(b"openbadgecredential", b" " * 5000, True))]))
for p in (cred, jws, url, b"  \r\n", b"a]]>b\rc\xff"):
    put("baked_png", b"\0" + p)
    put("baked_svg", b"\0" + p)

svg_head = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
c = cred.decode()
put("baked_svg", svg_head + 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">\n<openbadges:credential><![CDATA[' + c + ']]></openbadges:credential></svg>')
put("baked_svg", svg_head + 'xmlns:ob="https://purl.imsglobal.org/spec/ob/v3p0"><ob:credential verify="' + jws.decode() + '"/></svg>')
put("baked_svg", svg_head + 'xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="' + url.decode() + '">{&quot;a&quot;:&#34;b&#x22;}</openbadges:assertion></svg>')
put("baked_svg", svg_head + 'xmlns:o="http://openbadges.org"><o:assertion verify="a&amp;b"/><o:assertion>{}</o:assertion></svg>')
put("baked_svg", '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaa">\n<!ENTITY b "&a;&a;&a;&a;">\n]>\n<svg xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential>&b;</ob:credential></svg>')
put("baked_svg", '\ufeff<svg xmlns="http://www.w3.org/2000/svg"><!-- c --><g><text>x</text></g></svg>')

# ecdsa-sd-2023 proof values: mode 0, whole values through the parser (the
# W3C derived and base proofs, the 1EdTech one); mode 1, the 1EdTech
# components after the header, whole, cut and with a bit flipped.
def proof_bytes(path):
    p = json.loads(path.read_text())["proof"]
    value = (p[0] if isinstance(p, list) else p)["proofValue"][1:]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))

sd = [proof_bytes(data / f) for f in (
    "vc-di-ecdsa/ecdsa-sd-2023/prc/derivedRevealDocument.json",
    "vc-di-ecdsa/ecdsa-sd-2023/employ/derivedRevealDocument.json",
    "vc-di-ecdsa/ecdsa-sd-2023/prc/addSignedSDBase.json",
    "vc-di-ecdsa/1edtech/derivedcredential.json")]
for v in sd:
    put("sd_proof", b"\0" + v)
one = sd[3][3:]
flipped = bytearray(one)
flipped[100] ^= 1
for v in (one, sd[0][3:], one[:len(one) // 2], bytes(flipped)):
    put("sd_proof", b"\1" + v)
