#!/bin/bash
# measure.sh DIR: CPU time and peak RSS of each record file, one thread.
B=${B:-$(cd "$(dirname "$0")/../.." && pwd)/target/release/credverify}
cd "$1"
for f in *.jsonl; do
  /usr/bin/time -f "%U %S %M" -o /tmp/t.txt $B verify --as-of 2025-01-01T00:00:00Z --threads 1 $f > /tmp/o.txt 2>/dev/null
  read u s m < <(tail -1 /tmp/t.txt)
  sz=$(stat -c %s $f)
  p=$(grep -o '"problems":\[[^]]*\]' /tmp/o.txt | head -1)
  python3 -c "
u,s,m,sz=$u,$s,$m,$sz
mib=sz/2**20; cpu=u+s
print(f'{\"$f\":28s} {mib:6.2f} MiB  cpu {cpu*1000:6.0f} ms ({cpu*1000/mib:7.1f} ms/MiB)  rss {m/1024:6.1f} MB (allowed {64+16*sz/2**20:6.1f})  $p')"
done
