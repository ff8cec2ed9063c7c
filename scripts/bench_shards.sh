#!/usr/bin/env bash
# Time and peak memory of a job run in one process and in N shards (plan, each shard,
# gather — run one after another here; on a cluster the shards run side by side, so the
# critical path is plan + the slowest shard + gather), and a check that every sharded
# result set equals the single-process one (scripts/compare_results.sh; the slope
# rasters are compared by checksum since the gather writes VRTs).
#   scripts/bench_shards.sh PIPELINE.toml WORK_DIR ["2 4"] [--set KEY=VALUE ...]
set -euo pipefail
pipeline=$1 work=$2 counts=${3:-"2 4"}
shift $(( $# < 3 ? $# : 3 ))
bin=${LANDCONS:-$(cd "$(dirname "$0")/.." && pwd)/target/release/landcons}
compare=$(cd "$(dirname "$0")" && pwd)/compare_results.sh
mkdir -p "$work"
timed() { # NAME CMD...: runs CMD under GNU time, prints "seconds peak_MiB"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >/dev/null
  awk '{printf "%.2f %.0f", $1, $2/1024}' "$work/$name.time"
}
rm -rf "$work/single"
read -r t m <<<"$(timed single "$bin" run -q "$pipeline" --out "$work/single" "$@")"
echo "| 1 (single process) | | | | $t s | $m MiB |"
for n in $counts; do
  out=$work/sharded$n
  rm -rf "$out"
  read -r tp mp <<<"$(timed plan$n "$bin" plan -q "$pipeline" --out "$out" --shards "$n" "$@")"
  slowest=0 total=0 peak=0
  for i in $(seq 0 $((n - 1))); do
    read -r ts ms <<<"$(timed shard$n-$i "$bin" run -q "$pipeline" --out "$out" --shard "$i" "$@")"
    slowest=$(awk -v a="$slowest" -v b="$ts" 'BEGIN{print (b>a)?b:a}')
    total=$(awk -v a="$total" -v b="$ts" 'BEGIN{print a+b}')
    peak=$(( ms > peak ? ms : peak ))
  done
  read -r tg mg <<<"$(timed gather$n "$bin" gather -q "$pipeline" --out "$out" "$@")"
  critical=$(awk -v a="$tp" -v b="$slowest" -v c="$tg" 'BEGIN{printf "%.2f", a+b+c}')
  same=$(bash "$compare" "$work/single" "$out" | grep -v -e 'slope' -e 'landcons.qgz' -e 'report.html' | grep -c . || true)
  [ "$(gdalinfo -checksum "$work/single/slope.tif" | grep Checksum)" = "$(gdalinfo -checksum "$out/slope.vrt" | grep Checksum)" ] || same=$((same + 1))
  echo "| $n shards | $tp s | $slowest s (Σ $total s) | $tg s | $critical s | shard $peak MiB, gather $mg MiB | differences: $same"
done
