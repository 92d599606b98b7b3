#!/bin/sh
# The revalidation invariant on a generated export with a list history:
# `verify` and `recheck` at five instants with three list histories, the
# MD5 of both outputs side by side.
#
#   credverify generate --records 1000000 --seed 5 --status-lists 10 \
#     --status-history 3 --mix valid=900,...,status_message=10 --out D
#   bench/revalidation/invariant.sh D [WORK]
#
# Histories: A every snapshot; B the latest snapshot of each list only;
# C every snapshot, the latest of the first list tampered with (its
# proof fails). The index is written at 2026-01-01 with A.
set -eu
D=$1
W=${2:-/tmp/credverify-invariant}
CV=${CV:-target/release/credverify}
rm -rf "$W" && mkdir -p "$W/A" "$W/B" "$W/C"
cp "$D"/status/* "$W/A/"
cp "$D"/status/* "$W/C/"
for f in "$D"/status/*.json; do
  case $f in *.snapshot-*) ;; *) cp "$f" "$W/B/" ;; esac
done
first=$(ls "$W/C" | grep -v snapshot | head -1)
python3 - "$W/C/$first" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
at = t.index('"encodedList":"u') + 20
open(p, 'w').write(t[:at] + ('B' if t[at] == 'A' else 'A') + t[at + 1:])
PY
$CV verify --as-of 2026-01-01T00:00:00Z --dids "$D/dids" --status-lists "$W/A" \
  "$D/credentials.jsonl" -o "$W/indexed.jsonl" --index "$W/index" 2>/dev/null || true
for T in 2024-11-15T00:00:00Z 2024-12-10T00:00:00Z 2025-06-01T00:00:00Z 2026-01-01T00:00:00Z 2027-06-01T00:00:00Z; do
  for H in A B C; do
    $CV verify --as-of $T --dids "$D/dids" --status-lists "$W/$H" "$D/credentials.jsonl" -o "$W/v.jsonl" 2>/dev/null || true
    $CV recheck "$W/index" --as-of $T --status-lists "$W/$H" -o "$W/r.jsonl" 2>/dev/null || true
    [ -s "$W/v.jsonl" ] && [ -s "$W/r.jsonl" ] || { echo "$T $H: no output (is $CV built?)"; exit 1; }
    v=$(md5sum < "$W/v.jsonl" | cut -c1-32)
    r=$(md5sum < "$W/r.jsonl" | cut -c1-32)
    [ "$v" = "$r" ] && same=equal || same=DIFFERENT
    echo "$T $H verify $v recheck $r $same ($(grep -c '"verdict":"valid"' "$W/r.jsonl") valid)"
  done
done
