#!/usr/bin/env bash
# Slope benchmark: `landcons slope` against `gdaldem slope -compute_edges` on the same
# county-sized synthetic DEM, with the same GeoTIFF creation options, median of REPS runs,
# wall time and peak memory (max RSS) of each. Optionally (BIG=1) a 20000×20000 DEM
# (400 M cells) to show peak memory stays bounded.
#
#   bash scripts/bench_slope.sh            # county: 6000×5000 cells (30 M)
#   COLS=3000 ROWS=2500 bash scripts/bench_slope.sh
#   BIG=1 bash scripts/bench_slope.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

WORK=${WORK:-target/bench}
COLS=${COLS:-6000}
ROWS=${ROWS:-5000}
REPS=${REPS:-3}
cargo build --release -q
BIN=$PWD/target/release/landcons
mkdir -p "$WORK"
DEM=$WORK/county_${COLS}x${ROWS}/dem.tif
[ -f "$DEM" ] || "$BIN" synth -q -o "$(dirname "$DEM")" --cols "$COLS" --rows "$ROWS" --dem-only

# median wall seconds and the max RSS (KB) of that run, over REPS runs
measure() {
  local out=() i
  for i in $(seq "$REPS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1
    out+=("$(cat "$WORK/time.txt")")
  done
  printf '%s\n' "${out[@]}" | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2){print}'
}

CO=(-co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256)
echo "DEM: $DEM (${COLS}×${ROWS} cells), $(nproc) cores, median of $REPS runs"
printf '%-22s %10s %10s %8s %12s %12s\n' output gdaldem_s landcons_s ratio gdaldem_MiB landcons_MiB
for mode in deflate none; do
  if [ "$mode" = deflate ]; then
    OPTS=("${CO[@]}" -co COMPRESS=DEFLATE -co ZLEVEL=1)
    LC=(--co COMPRESS=DEFLATE --co ZLEVEL=1)
  else
    OPTS=("${CO[@]}" -co COMPRESS=NONE)
    LC=(--co COMPRESS=NONE --co PREDICTOR=1)
  fi
  read -r g_s g_kb < <(measure gdaldem slope -compute_edges -q "${OPTS[@]}" "$DEM" "$WORK/gdaldem.tif")
  read -r l_s l_kb < <(measure "$BIN" slope -q "$DEM" -o "$WORK/landcons.tif" "${LC[@]}")
  awk -v m="$mode" -v gs="$g_s" -v ls="$l_s" -v gk="$g_kb" -v lk="$l_kb" \
    'BEGIN{printf "%-22s %10.2f %10.2f %7.2fx %12.0f %12.0f\n", "slope ("m")", gs, ls, gs/ls, gk/1024, lk/1024}'
done

if [ "${BIG:-0}" = 1 ]; then
  BIGDEM=$WORK/big_20000x20000/dem.tif
  [ -f "$BIGDEM" ] || "$BIN" synth -q -o "$(dirname "$BIGDEM")" --cols 20000 --rows 20000 --dem-only
  read -r b_s b_kb < <(REPS=1 measure "$BIN" slope -q "$BIGDEM" -o "$WORK/big_slope.tif" --grades "$WORK/big_grade.tif" --memory-mb 512)
  awk -v s="$b_s" -v k="$b_kb" 'BEGIN{printf "400 M cells (20000×20000), slope + grades, --memory-mb 512: %.1f s, peak %.0f MiB\n", s, k/1024}'
fi
