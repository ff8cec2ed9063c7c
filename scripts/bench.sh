#!/usr/bin/env bash
# End-to-end benchmark: `landcons run` on a county-sized synthetic region against the peer
# toolchain a county would otherwise chain on the same input, each step timed:
#   gdaldem slope -compute_edges (DEFLATE, as landcons writes), exactextract (PyPI)
#   mean/max/frac/mode per parcel, shapely STRtree touches + shared boundary length.
# Prints a table of time, ratio and peak memory per stage. SCALING=1 adds runs at ¼, ½,
# 1 and 2 × the county size (time and peak memory per size); LIMIT=1 adds a run with a
# memory limit smaller than the DEM.
#
#   bash scripts/bench.sh                 # 6000×5000 cells (30 M), ~200 000 parcels
#   SCALING=1 LIMIT=1 bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
stage() { awk -v s="$1" '$1==s{print $2}' "$WORK/landcons.out"; }

R=$(region "$COLS" "$ROWS" "$PARCELS")
# --no-cache: a full run every time, whatever an earlier benchmark left in $R/out.
timed landcons "$BIN" run --no-cache "$R/bench.toml"
read -r lc_s lc_kb < "$WORK/landcons.time"
timed gdaldem gdaldem slope -compute_edges -q -co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256 \
  -co COMPRESS=DEFLATE -co ZLEVEL=1 "$R/dem.tif" "$WORK/gdaldem_slope.tif"
read -r gd_s gd_kb < "$WORK/gdaldem.time"
timed exactextract "$VENV/bin/python" scripts/bench_zonal.py "$R/dltb.gpkg" "$R/out/slope.tif" "$R/out/slope_grade.tif"
read -r ee_s ee_kb < "$WORK/exactextract.time"
timed shapely "$VENV/bin/python" scripts/bench_adjacency.py "$R/dltb.gpkg"
read -r sh_s sh_kb < "$WORK/shapely.time"
n=$(awk '{print $3}' "$WORK/exactextract.out")

echo "region: ${COLS}×${ROWS} cells, $n parcels; $(nproc) cores; times in seconds, peak memory in MiB"
printf '%-40s %10s %10s %8s %12s %10s\n' stage landcons peer ratio landcons_MiB peer_MiB
row() { awk -v n="$1" -v a="$2" -v b="$3" -v am="$4" -v bm="$5" 'BEGIN{printf "%-40s %10.2f %10.2f %7.1fx %12s %10.0f\n", n, a, b, b/a, am, bm/1024}'; }
row "slope (gdaldem slope -compute_edges)" "$(stage terrain)" "$gd_s" "-" "$gd_kb"
row "zonal stats, incl. reading (exactextract)" "$(awk -v a="$(stage parcels)" -v b="$(stage zonal)" 'BEGIN{print a+b}')" "$ee_s" "-" "$ee_kb"
row "adjacency, incl. reading (shapely)" "$(awk -v a="$(stage parcels)" -v b="$(stage adjacency)" 'BEGIN{print a+b}')" "$sh_s" "-" "$sh_kb"
peer_total=$(awk -v a="$gd_s" -v b="$ee_s" -v c="$sh_s" 'BEGIN{print a+b+c}')
peer_peak=$(printf '%s\n' "$gd_kb" "$ee_kb" "$sh_kb" | sort -n | tail -1)
row "end to end (landcons run, all outputs)" "$lc_s" "$peer_total" "$(awk -v k="$lc_kb" 'BEGIN{printf "%.0f", k/1024}')" "$peer_peak"
echo "landcons stages:"; grep -E '^  [a-z]+ +[0-9.]+ s$' "$WORK/landcons.out"

if [ "${SCALING:-0}" = 1 ]; then
  echo; echo "scaling (landcons run):"
  printf '%-8s %-12s %10s %10s %12s %12s\n' size cells parcels seconds peak_MiB time_vs_1x
  base=""
  for f in 0.25 0.5 1 2; do
    c=$(awk -v c="$COLS" -v f="$f" 'BEGIN{printf "%d", c*sqrt(f)}')
    r=$(awk -v r="$ROWS" -v f="$f" 'BEGIN{printf "%d", r*sqrt(f)}')
    p=$(awk -v p="$PARCELS" -v f="$f" 'BEGIN{printf "%d", p*f}')
    D=$(region "$c" "$r" "$p")
    timed scale "$BIN" run --no-cache "$D/bench.toml"
    read -r s kb < "$WORK/scale.time"
    np=$(awk '/^landcons:/{print $2}' "$WORK/scale.out")
    [ "$f" = 1 ] && base=$s
    printf '%-8s %-12s %10s %10.2f %12.0f %12s\n' "${f}x" "${c}x${r}" "$np" "$s" "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "${base:+$(awk -v s="$s" -v b="$base" 'BEGIN{printf "%.2f", s/b}')}"
  done
fi

if [ "${LIMIT:-0}" = 1 ]; then
  echo; echo "memory limit smaller than the DEM ($(du -m "$R/dem.tif" | cut -f1) MiB compressed, $((COLS*ROWS*4/1048576)) MiB as Float32):"
  timed limit "$BIN" run --no-cache "$R/bench.toml" --set run.memory_limit_mb=64 --out "$WORK/limit_out"
  read -r s kb < "$WORK/limit.time"
  awk -v s="$s" -v k="$kb" 'BEGIN{printf "run.memory_limit_mb=64: %.2f s, peak %.0f MiB (parcels and results held in memory included)\n", s, k/1024}'
fi
