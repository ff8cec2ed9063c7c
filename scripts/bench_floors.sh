#!/usr/bin/env bash
# Each stage of a landcons run against its floor: the least work any tool must do for
# what that stage reads or writes. REPS rounds (default 3), each round running landcons
# once and every floor once, interleaved so a shared host's load hits both sides alike;
# medians are printed (wall seconds; and CPU seconds where the stage harness measures
# them). Floors:
#
#   parcels      scripts/floors/floors.c "features": every feature of the parcel layer
#                read with GDAL in a minimal C loop (every field as its type, text as raw
#                bytes, geometry exported as ISO WKB); also "arrow" (OGR_L_GetArrowStream,
#                GDAL >= 3.6) on the shapefile and on the GeoPackage, for reference
#   terrain      gdal_translate of the DEM into a Float32 GeoTIFF with the slope raster's
#                creation options (tiled 256, DEFLATE level 1, no predictor, multi-threaded), plus
#                gdal_translate of the grade raster with its options: reading the input
#                and writing rasters of the same size and kind
#   zonal        floors.c "raster": every block of the slope raster read and decoded once
#   topology,    every pair of parcels whose bounding boxes meet, from an R-tree (the
#   adjacency    candidate pairs any exact pairwise test starts from; examples/stage_times)
#   merge        every merge group's member polygons gathered once (examples/stage_times)
#   output       every table of the results GeoPackage rewritten row by row into a new
#                SQLite file (synchronous off, journal in memory, INSERT … SELECT … WHERE 1
#                so SQLite decodes and inserts each row), and VACUUM INTO as the bare copy
#
#   bash scripts/bench_floors.sh                          # the county of scripts/bench.sh
#   REGION=/work/county PIPELINE=county.toml REPS=5 bash scripts/bench_floors.sh
#
# PIPELINE (optional) is a pipeline file over REGION; without it the region's dltb.shp
# and dem.tif are run without constraints. The vector stages are timed alone (nothing
# beside them) by examples/stage_times on the same inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-target/bench}
REPS=${REPS:-3}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)  # absolute: a WORK given as /path must not land inside the repository
cargo build --release -q
cargo build --release -q --example stage_times
BIN=$PWD/target/release/landcons
HARNESS=$PWD/target/release/examples/stage_times
gcc -O2 -o "$WORK/floors" scripts/floors/floors.c $(gdal-config --cflags) $(gdal-config --libs)
if [ -z "${REGION:-}" ]; then
  REGION=$WORK/region_6000x5000_200000
  [ -f "$REGION/dltb.shp" ] || "$BIN" synth -q -o "$REGION" --cols 6000 --rows 5000 --parcels 200000
fi
REGION=$(cd "$REGION" && pwd)
OUT=$WORK/floors_out
if [ -z "${PIPELINE:-}" ]; then
  PIPELINE=$WORK/floors.toml
  printf '[inputs]\ndem = ["%s/dem.tif"]\nparcels = "%s/dltb.shp"\n[output]\ndir = "%s"\n' "$REGION" "$REGION" "$OUT" > "$PIPELINE"
fi
CO=(-co TILED=YES -co BLOCKXSIZE=256 -co BLOCKYSIZE=256 -co COMPRESS=DEFLATE -co NUM_THREADS=ALL_CPUS -co BIGTIFF=IF_SAFER)
T=$WORK/floors_tmp
mkdir -p "$T"

sec() { # label command... : appends "label seconds" to $T/times
  local label=$1; shift
  /usr/bin/time -f "$label %e" -a -o "$T/times" "$@" > /dev/null 2>> "$T/stderr"
}
sqlite_copy() { # SRC DST: every ordinary table rewritten row by row
  rm -f "$2"
  {
    echo "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY; ATTACH '$1' AS s;"
    sqlite3 "$1" "SELECT name, sql FROM sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%'" -separator $'\x1f' |
      while IFS=$'\x1f' read -r name sql; do
        echo "$sql;"
        echo "BEGIN; INSERT INTO \"$name\" SELECT * FROM s.\"$name\" WHERE 1; COMMIT;"
      done
  } | sqlite3 "$2" > /dev/null
}
export -f sqlite_copy

: > "$T/times"
: > "$T/stages"
: > "$T/harness"
echo "uptime before: $(uptime)"
for r in $(seq "$REPS"); do
  rm -rf "$OUT"
  sec "run" "$BIN" run --no-cache "$PIPELINE" --out "$OUT"
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); [print(t["stage"].replace(" ", "_"), t["seconds"]) for t in m["stage_timings"]]; print("run_total", m["seconds_total"])' "$OUT/manifest.json" >> "$T/stages"
  "$HARNESS" "$PIPELINE" "$OUT/slope.tif" 1 2>/dev/null >> "$T/harness"
  sec "parcels:features(shp)" "$WORK/floors" features "$REGION/dltb.shp"
  sec "parcels:arrow(shp)" "$WORK/floors" arrow "$REGION/dltb.shp"
  [ -f "$REGION/dltb.gpkg" ] && sec "parcels:arrow(gpkg)" "$WORK/floors" arrow "$REGION/dltb.gpkg"
  sec "terrain:translate(dem)" gdal_translate -q "${CO[@]}" -co ZLEVEL=1 --config GDAL_NUM_THREADS ALL_CPUS "$REGION/dem.tif" "$T/dem_copy.tif"
  sec "terrain:translate(grades)" gdal_translate -q "${CO[@]}" -co ZLEVEL=1 "$OUT/slope_grade.tif" "$T/grade_copy.tif"
  sec "zonal:decode(slope)" "$WORK/floors" raster "$OUT/slope.tif"
  sec "input:decode(dem)" "$WORK/floors" raster "$REGION/dem.tif"
  sec "output:sqlite_rows" bash -c "sqlite_copy '$OUT/landcons.gpkg' '$T/copy.gpkg'"
  rm -f "$T/vacuum.gpkg"
  sec "output:vacuum_into" sqlite3 "$OUT/landcons.gpkg" "VACUUM INTO '$T/vacuum.gpkg'"
done
echo "uptime after:  $(uptime)"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print "-"}'; }
echo
echo "landcons run (stage timings from the manifest; stages beside each other share the cores), medians of $REPS:"
for s in $(awk '{print $1}' "$T/stages" | awk '!seen[$0]++'); do
  printf '  %-22s %8.2f s\n' "$s" "$(awk -v s="$s" '$1==s{print $2}' "$T/stages" | median)"
done
echo
echo "vector stages alone (examples/stage_times), medians of $REPS: wall s, CPU s"
awk '{name=""; for(i=1;i<=NF;i++){ if($i=="median"){w=$(i+1); break}; name=name (name==""?"":"_") $i}; for(i=1;i<=NF;i++) if($i=="cpu") c=$(i+1); print name, w, c}' "$T/harness" > "$T/harness.tsv"
for s in $(awk '{print $1}' "$T/harness.tsv" | awk '!seen[$0]++'); do
  printf '  %-26s %8.3f s  cpu %8.3f s\n' "$s" "$(awk -v s="$s" '$1==s{print $2}' "$T/harness.tsv" | median)" "$(awk -v s="$s" '$1==s{print $3}' "$T/harness.tsv" | median)"
done
echo
echo "floors, medians of $REPS (wall s):"
for s in $(awk '{print $1}' "$T/times" | awk '!seen[$0]++'); do
  printf '  %-26s %8.2f s\n' "$s" "$(awk -v s="$s" '$1==s{print $2}' "$T/times" | median)"
done
