#!/bin/sh
# Times (wall, user, system, peak memory) of the revalidation commands on
# one export, each run ROUNDS times, `verify` and `recheck` alternated:
#
#   bench/revalidation/measure.sh D [WORK]
#
# D is a `credverify generate` output directory (credentials.jsonl, dids/,
# and status/ when it has lists). WORK (default /dev/shm/credverify-measure)
# receives the index and the outputs; use a memory file system so that
# the disk is not what is timed. With VERIFY=0 the `verify` rows are left
# out and WORK must already hold WORK/index (for 10,000,000 records,
# whose `verify` takes minutes). The index is written at 2026-01-01 with
# every list of D.
set -eu
D=$1
W=${2:-/dev/shm/credverify-measure}
CV=${CV:-target/release/credverify}
ROUNDS=${ROUNDS:-3}
VERIFY=${VERIFY:-1}
AT=2026-01-01T00:00:00Z
LATER=2027-06-01T00:00:00Z
mkdir -p "$W"
lists=""
[ -d "$D/status" ] && lists="--status-lists $D/status"
t() {
  label=$1
  shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s system, %M KB peak" "$@" 2>&1 >/dev/null |
    grep -v -e '^credverify' -e '^Command exited' || true
}
if [ "$VERIFY" = 1 ]; then
  rm -rf "$W/index"
  "$CV" verify --as-of $AT --dids "$D/dids" $lists "$D/credentials.jsonl" \
    -o "$W/v.jsonl" --index "$W/index" --no-progress 2>/dev/null || true
  echo "index: $(du -sb "$W/index" | cut -f1) bytes for $(wc -l < "$D/credentials.jsonl") records"
  for i in $(seq "$ROUNDS"); do
    t "verify" "$CV" verify --as-of $AT --dids "$D/dids" $lists "$D/credentials.jsonl" -o "$W/v.jsonl" --no-progress
    rm -rf "$W/index2"
    t "verify --index" "$CV" verify --as-of $AT --dids "$D/dids" $lists "$D/credentials.jsonl" -o "$W/v.jsonl" --index "$W/index2" --no-progress
  done
  rm -rf "$W/index2"
  if [ -n "$lists" ]; then
    for i in $(seq "$ROUNDS"); do
      t "verify at $LATER" "$CV" verify --as-of $LATER --dids "$D/dids" $lists "$D/credentials.jsonl" -o "$W/v2.jsonl" --no-progress
      t "recheck at $LATER" "$CV" recheck "$W/index" --as-of $LATER $lists -o "$W/r2.jsonl"
    done
    cmp "$W/v2.jsonl" "$W/r2.jsonl" && echo "recheck at $LATER: identical to verify"
  fi
fi
for i in $(seq "$ROUNDS"); do
  t "recheck at $AT" "$CV" recheck "$W/index" --as-of $AT $lists -o "$W/r.jsonl"
  rm -f "$W/r.jsonl"
done
for i in $(seq "$ROUNDS"); do
  t "recheck --changed-only at $LATER" "$CV" recheck "$W/index" --as-of $LATER $lists --changed-only -o "$W/c.jsonl"
done
echo "changed at $LATER: $(wc -l < "$W/c.jsonl")"
for to in $LATER 2040-01-01T00:00:00Z; do
  for how in "" "--by-issuer" "--ids"; do
    for i in $(seq "$ROUNDS"); do
      t "expiring to $to $how" "$CV" expiring "$W/index" --from $AT --to $to $lists $how -o "$W/e.json"
    done
  done
  "$CV" expiring "$W/index" --from $AT --to $to $lists -o "$W/e.json" 2>/dev/null
  echo "expiring to $to: $(python3 -c "import json,sys; print(sum(p['records'] for p in json.load(open(sys.argv[1]))['periods']))" "$W/e.json") records"
done
