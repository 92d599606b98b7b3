#!/usr/bin/env bash
# Build cost of each crate alone: a clean release build of this bench with
# only that crate's feature, in its own target dir, one build at a time.
# Sources are fetched first so download time is not counted.
#
#   ./build-cost.sh [FEATURE...]     default: none ring rsa rsa010 aws-lc-rs p256 p256-014
#   ROUNDS=2 ./build-cost.sh         each build that many times (clean each time)
#
# "none" is the harness alone (base64 + the bench's own code), the baseline
# to subtract. Prints a markdown table; logs go to /tmp/rsa-choice-logs/.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${ROUNDS:-1}
features=("$@")
[ ${#features[@]} -gt 0 ] || features=(none ring rsa rsa010 aws-lc-rs p256 p256-014)
logs=/tmp/rsa-choice-logs
mkdir -p "$logs"

cargo fetch --locked >/dev/null 2>&1

echo "| feature | round | wall s | CPU s (user+sys) | load avg before | packages compiled | normal deps (cargo tree) | stripped binary bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for f in "${features[@]}"; do
    if [ "$f" = none ]; then flags=(--no-default-features); else flags=(--no-default-features --features "$f"); fi
    deps=$(cargo tree --locked --offline "${flags[@]}" -e normal --prefix none \
        | sed 's/ (\*)$//' | grep -v '^rsa-choice ' | sort -u | grep -c . || true)
    for r in $(seq 1 "$rounds"); do
        dir=/tmp/rsa-choice-$f
        rm -rf "$dir"
        load=$(cut -d' ' -f1 /proc/loadavg)
        log=$logs/$f-$r.log
        CARGO_TARGET_DIR=$dir /usr/bin/time -f 'TIME %e %U %S' -o "$log.time" \
            cargo build --release --locked --offline "${flags[@]}" >"$log" 2>&1
        read -r _ wall user sys <"$log.time"
        cpu=$(echo "$user + $sys" | bc)
        compiled=$(grep -c '^ *Compiling ' "$log" || true)
        cp "$dir/release/rsa-choice" "$dir/stripped"
        strip "$dir/stripped"
        size=$(stat -c %s "$dir/stripped")
        # The binary must still pass its checks.
        [ "$f" = none ] || "$dir/release/rsa-choice" --check >"$log.check" 2>&1 \
            || { echo "checks failed for $f" >&2; exit 1; }
        echo "| $f | $r | $wall | $cpu | $load | $compiled | $deps | $size |"
    done
done
