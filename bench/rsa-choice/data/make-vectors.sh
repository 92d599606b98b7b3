#!/bin/sh
# Makes the generated vectors in this folder: RSA 3072/4096 and P-256 keys
# (by openssl, thrown away afterwards), one compact JWS per key over a fixed
# signing input, the public key as an SPKI PEM and as a public JWK; and the
# JWK form of the 1EdTech OB 2.0 key. Run from this folder. Each run makes
# new keys: the committed files are one run's output.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$tmp/rsa3072.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$tmp/rsa4096.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$tmp/p256.key"

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
payload=$(printf '%s' '{"iss":"https://example.org/issuer","sub":"credverify bench/rsa-choice","msg":"a fixed message signed once with openssl"}' | b64url)

for name in rsa3072 rsa4096 p256; do
    openssl pkey -in "$tmp/$name.key" -pubout -out "$name.pub.pem"
    case $name in
        p256) alg=ES256 ;;
        *) alg=RS256 ;;
    esac
    header=$(printf '{"alg":"%s","typ":"JWT"}' "$alg" | b64url)
    printf '%s.%s' "$header" "$payload" > "$tmp/input"
    # RSA: PKCS#1 v1.5 (openssl's default for RSA keys). ECDSA: openssl
    # writes an X9.62 DER SEQUENCE { r, s }; JWS wants r||s, 32 bytes each.
    openssl dgst -sha256 -sign "$tmp/$name.key" -out "$tmp/sig" "$tmp/input"
    openssl dgst -sha256 -verify "$name.pub.pem" -signature "$tmp/sig" "$tmp/input" >/dev/null
    if [ "$alg" = ES256 ]; then
        python3 ../tools/der_to_raw.py "$tmp/sig" > "$tmp/sig.raw"
        mv "$tmp/sig.raw" "$tmp/sig"
    fi
    printf '%s.%s' "$(cat "$tmp/input")" "$(b64url < "$tmp/sig")" > "$name.jwt"
    python3 ../tools/spki_to_jwk.py "$name.pub.pem" > "$name.jwk.json"
done

python3 -c 'import json,sys; print(json.load(open("ob20-key1.json"))["publicKeyPem"])' > "$tmp/ob20.pem"
python3 ../tools/spki_to_jwk.py "$tmp/ob20.pem" > ob20-key1.jwk.json
