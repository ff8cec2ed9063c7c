#!/usr/bin/env bash
# Real parcels under control lines, for the constraint tests (tests/constraints.rs) and
# their shapely reference (scripts/constraints_reference.py): the 100 Cambodian
# smallholder plots of the fiboa test data (real, digitised by hand), moved onto the
# Spanish 25 m DEM as tests/zonal_exactextract.rs does, a classed road network crossing
# them (高速, 县道, 乡道 and an unclassed 村道) and an ecological red line polygon.
# Usage: scripts/constraints_sample.sh CAMBODIA.gpkg OUT_DIR   (writes plots.gpkg,
# roads.gpkg, red_line.gpkg)
set -euo pipefail
src=$1 out=$2
mkdir -p "$out"
rm -f "$out/plots.gpkg" "$out/roads.gpkg" "$out/red_line.gpkg"
ogr2ogr -f GPKG "$out/plots.gpkg" "$src" reference -nln DLTB -nlt MULTIPOLYGON \
  -s_srs EPSG:32648 -t_srs EPSG:23030 -ct "+proj=affine +xoff=-7000 +yoff=3000000" \
  -dialect sqlite -sql "SELECT 'c' || id_0 AS BSM, CASE WHEN id_0 % 3 = 0 THEN '0301' ELSE '0103' END AS DLBM, 'V' || (id_0 % 4) AS ZLDWDM, geom FROM reference"
cat > "$out/roads.csv" <<'CSV'
WKT,GRADE,NAME
"LINESTRING (272600 1456130, 275100 1456110, 277600 1456140)",高速,G1
"LINESTRING (274000 1455950, 274020 1456320)",县道,X1
"LINESTRING (273000 1455980, 276500 1456300)",乡道,Y1
"LINESTRING (275800 1455990, 275790 1456310)",村道,C1
CSV
ogr2ogr -f GPKG "$out/roads.gpkg" "$out/roads.csv" -nln roads -nlt LINESTRING -a_srs EPSG:32648 \
  -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -t_srs EPSG:23030 -ct "+proj=affine +xoff=-7000 +yoff=3000000"
echo 'WKT,NAME
"POLYGON ((272600 1455990, 274200 1455990, 274200 1456300, 272600 1456300, 272600 1455990))",ST1' > "$out/red_line.csv"
ogr2ogr -f GPKG "$out/red_line.gpkg" "$out/red_line.csv" -nln red_line -nlt POLYGON -a_srs EPSG:32648 \
  -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -t_srs EPSG:23030 -ct "+proj=affine +xoff=-7000 +yoff=3000000"
rm "$out/roads.csv" "$out/red_line.csv"
