#!/usr/bin/env bash
# Two landcons binaries run in turns (A, B, A, B, ...) on the same pipeline, so a shared
# host's drifting load hits both alike; prints each one's median, min and max wall time,
# median user CPU and peak memory range. Each run goes into a fresh output folder (a first
# run) unless extra arguments say otherwise (e.g. --no-cache over an existing folder: then
# give a pipeline whose output folder holds earlier results and FRESH=0).
#
#   scripts/bench_ab.sh OLD_BIN NEW_BIN ROUNDS PIPELINE.toml [run arguments...]
#   FRESH=0 scripts/bench_ab.sh old new 5 region/bench.toml --no-cache
set -euo pipefail
a=$1 b=$2 n=$3 pipeline=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$n"); do
  for side in A B; do
    bin=$a; [ "$side" = B ] && bin=$b
    out=()
    if [ "${FRESH:-1}" = 1 ]; then out=(--out "$work/out"); rm -rf "$work/out"; fi
    /usr/bin/time -f "$side %e %U %M" -a -o "$work/times" "$bin" run -q "$pipeline" "${out[@]}" "$@"
  done
done
for side in A B; do
  grep "^$side " "$work/times" | sort -k2 -n | awk -v s="$side" '
    {w[NR]=$2; u[NR]=$3; m[NR]=$4; if (NR==1 || $4<lo) lo=$4; if ($4>hi) hi=$4}
    END {printf "%s median %.2f s (min %.2f, max %.2f), user %.2f s, peak %d-%d MiB\n", s, w[int((NR+1)/2)], w[1], w[NR], u[int((NR+1)/2)], lo/1024, hi/1024}'
done
