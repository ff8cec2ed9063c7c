#!/usr/bin/env bash
# Zonal benchmark: landcons's zonal stage against exactextract (PyPI) on the same
# county-sized synthetic region, the same slope and grade rasters and the same parcels.
# exactextract computes mean/max on the slope raster and frac/mode on the grade raster.
#
#   bash scripts/bench_zonal.sh                      # 6000×5000 cells, ~200 000 parcels
#   COLS=3000 ROWS=2500 PARCELS=50000 bash scripts/bench_zonal.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
REGION=$(region "$COLS" "$ROWS" "$PARCELS")
# --no-cache: a full run every time, whatever an earlier benchmark left in $REGION/out.
/usr/bin/time -f "%e %M" -o "$WORK/time_lc.txt" "$BIN" run --no-cache "$REGION/bench.toml" > "$WORK/lc_run.txt"
read -r lc_total lc_kb < "$WORK/time_lc.txt"
lc_parcels=$(awk '$1=="parcels"{print $2}' "$WORK/lc_run.txt")
lc_zonal=$(awk '$1=="zonal"{print $2}' "$WORK/lc_run.txt")
/usr/bin/time -f "%e %M" -o "$WORK/time_ee.txt" "$VENV/bin/python" scripts/bench_zonal.py "$REGION/dltb.gpkg" "$REGION/out/slope.tif" "$REGION/out/slope_grade.tif" > "$WORK/ee.txt"
read -r ee_read ee_extract n < "$WORK/ee.txt"
read -r _ ee_kb < "$WORK/time_ee.txt"
echo "region: ${COLS}×${ROWS} cells, $n parcels, $(nproc) cores"
printf '%-34s %12s %14s %8s\n' step landcons_s exactextract_s ratio
awk -v a="$lc_zonal" -v b="$ee_extract" 'BEGIN{printf "%-34s %12.2f %14.2f %7.0fx\n", "zonal statistics (mean/max/frac/mode)", a, b, b/a}'
awk -v a="$lc_parcels" -v b="$lc_zonal" -v c="$ee_read" -v d="$ee_extract" 'BEGIN{printf "%-34s %12.2f %14.2f %7.0fx\n", "read parcels + zonal", a+b, c+d, (c+d)/(a+b)}'
awk -v a="$lc_kb" -v b="$ee_kb" 'BEGIN{printf "peak memory (MiB): landcons whole run %.0f, exactextract script %.0f\n", a/1024, b/1024}'
