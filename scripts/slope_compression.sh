#!/usr/bin/env bash
# Sizes of a slope raster under the DEFLATE choices landcons could make (level 1 or 6,
# no predictor or the floating-point predictor), for the default in
# src/raster/geotiff.rs (SLOPE_OPTIONS). The slope is gdaldem's, of real DEMs in
# ../shared/data, plus any DEM given as an argument.
#
#   bash scripts/slope_compression.sh [DEM.tif ...]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
dems=("$DATA"/bigtujunga/bigtujunga.tif "$DATA"/dem25-spain/dem25.tif "$DATA"/oregon-tiles/dem1.tif "$@")
printf '%-22s %12s %12s %12s %12s %12s\n' dem raw P1_L1 P1_L6 P3_L1 P3_L6
for dem in "${dems[@]}"; do
  gdaldem slope -q -compute_edges -co TILED=YES -co COMPRESS=NONE "$dem" "$T/raw.tif"
  sizes=()
  for p in 1 3; do
    for z in 1 6; do
      gdal_translate -q -co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256 -co COMPRESS=DEFLATE \
        -co PREDICTOR=$p -co ZLEVEL=$z -co NUM_THREADS=ALL_CPUS "$T/raw.tif" "$T/c.tif"
      sizes+=("$(stat -c %s "$T/c.tif")")
    done
  done
  printf '%-22s %12s %12s %12s %12s %12s\n' "$(basename "$dem")" "$(stat -c %s "$T/raw.tif")" "${sizes[@]}"
done
