#!/bin/sh
# Makes the made-up Open Badges 2.0 cases of tests/ob2.rs with openssl,
# independently of credverify's own code. Run from this directory; the
# private keys are thrown away, only public documents and tokens stay.
set -eu
AS=https://made.example
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
b64url() { basenc --base64url -w0 | tr -d '='; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/a.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$tmp/b.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/weak.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/evil.pem" 2>/dev/null
pem() { awk '{printf "%s\\n", $0}' | sed 's/\\n$//'; }
# Key a in PKCS #1 form, key b and the weak key as SubjectPublicKeyInfo.
a=$(openssl rsa -in "$tmp/a.pem" -RSAPublicKey_out 2>/dev/null | pem)
b=$(openssl pkey -in "$tmp/b.pem" -pubout | pem)
weak=$(openssl pkey -in "$tmp/weak.pem" -pubout | pem)
evil=$(openssl pkey -in "$tmp/evil.pem" -pubout | pem)
key() { # id owner pem
  printf '{"@context":"https://w3id.org/openbadges/v2","id":"%s","type":"CryptographicKey","owner":"%s","publicKeyPem":"%s"}\n' "$1" "$2" "$3"
}
key "$AS/key-a.json" "$AS/issuer.json" "$a" > key-a.json
key "$AS/key-b.json" "$AS/issuer.json" "$b" > key-b.json
key "$AS/key-weak.json" "$AS/issuer.json" "$weak" > key-weak.json
key "$AS/key-other.json" "$AS/other-issuer.json" "$b" > key-other.json
# A standalone key that states no owner.
printf '{"@context":"https://w3id.org/openbadges/v2","id":"%s/key-noowner.json","type":"CryptographicKey","publicKeyPem":"%s"}\n' "$AS" "$a" > key-noowner.json
# Another Profile writes into itself a key under the id of the issuer's
# key-b, claiming the issuer owns it, with key a's PEM: it must change
# nothing for the issuer.
printf '{"@context":"https://w3id.org/openbadges/v2","type":"Issuer","id":"%s/rogue-issuer.json","name":"Rogue","url":"%s","publicKey":{"id":"%s/key-b.json","owner":"%s/issuer.json","publicKeyPem":"%s"}}\n' "$AS" "$AS" "$AS" "$AS" "$a" > rogue-issuer.json
printf '{"@context":"https://w3id.org/openbadges/v2","type":"Issuer","id":"%s/issuer.json","name":"Made Issuer","url":"%s","publicKey":["%s/key-b.json","%s/key-a.json","%s/key-weak.json","%s/key-noowner.json"],"revocationList":"%s/revocations.json"}\n' "$AS" "$AS" "$AS" "$AS" "$AS" "$AS" "$AS" > issuer.json
printf '{"@context":"https://w3id.org/openbadges/v2","type":"Issuer","id":"%s/other-issuer.json","name":"Other Issuer","url":"%s","publicKey":"%s/key-other.json"}\n' "$AS" "$AS" "$AS" > other-issuer.json
printf '{"@context":"https://w3id.org/openbadges/v2","type":"BadgeClass","id":"%s/badge.json","name":"Made Badge","description":"d","image":"%s/badge.png","criteria":"%s/criteria","issuer":"%s/issuer.json"}\n' "$AS" "$AS" "$AS" "$AS" > badge.json
printf '{"@context":"https://w3id.org/openbadges/v2","id":"%s/revocations.json","type":"RevocationList","revokedAssertions":["%s/assertions/revoked"]}\n' "$AS" "$AS" > revocations.json
sign() { # name key payload
  h=$(printf '{"alg":"RS256"}' | b64url)
  p=$(printf '%s' "$3" | b64url)
  s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$tmp/$2.pem" -binary | b64url)
  printf '%s.%s.%s\n' "$h" "$p" "$s" > "$1.jwt"
}
assertion() { # id creator-or-empty extra [badge JSON]
  creator=${2:+,\"creator\":\"$AS/$2\"}
  badge=${4:-\"$AS/badge.json\"}
  printf '{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"%s/assertions/%s","recipient":{"type":"email","hashed":false,"identity":"ada@example.org"},"issuedOn":"2024-01-01T00:00:00Z","badge":%s,"verification":{"type":"SignedBadge"%s}%s}' "$AS" "$1" "$badge" "$creator" "$3"
}
sign creator-pkcs1 a "$(assertion creator-pkcs1 key-a.json '')"
sign no-creator a "$(assertion no-creator '' '')"
sign weak weak "$(assertion weak key-weak.json '')"
sign revoked b "$(assertion revoked key-b.json '')"
sign expired a "$(assertion expired key-a.json ',"expires":"2025-01-01T00:00:00Z"')"
sign future a "$(assertion future key-a.json '' | sed 's/"issuedOn":"2024-01-01T00:00:00Z"/"issuedOn":"2031-01-01T00:00:00Z"/')"
sign unix-dates a "$(assertion unix-dates key-a.json ',"expires":1767225600' | sed 's/"issuedOn":"2024-01-01T00:00:00Z"/"issuedOn":1704067200/')"
sign other-key b "$(assertion other-key key-other.json '')"
sign wrong-key a "$(assertion wrong-key key-b.json '')"
embedded=$(printf '{"type":"BadgeClass","id":"%s/embedded","name":"Embedded","issuer":"%s/issuer.json"}' "$AS" "$AS")
sign no-owner a "$(assertion no-owner key-noowner.json '')"
# The assertion embeds its issuer Profile with a key of the signer's own:
# only the published Profile says which keys are the issuer's.
evil_profile=$(printf '{"id":"%s/issuer.json","type":"Issuer","publicKey":{"id":"%s/key-evil.json","owner":"%s/issuer.json","publicKeyPem":"%s"}}' "$AS" "$AS" "$AS" "$evil")
evil_badge=$(printf '{"type":"BadgeClass","id":"%s/embedded","name":"Embedded","issuer":%s}' "$AS" "$evil_profile")
sign embedded-profile evil "$(assertion embedded-profile key-evil.json '' "$evil_badge")"
sign embedded-badge a "$(assertion embedded-badge key-a.json '' "$embedded")"
