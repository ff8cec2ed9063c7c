#!/usr/bin/env bash
# Makes the real-terrain test region of the basic-farmland adjustment (#28) in OUT:
# the demo's parcels (data/dltb.gpkg) moved onto the Gredos 25 m DEM
# (../shared/data/dem25-spain/dem25.tif, EPSG:23030, mountainous: slope grades 1-5 all
# occur) and every control line the [pbf] rule reads, moved or made the same way:
#   OUT/parcels.gpkg   layer DLTB: the demo's parcels, plus GDDB (耕地质量等别, 1-10, a
#                      deterministic function of the parcel id)
#   OUT/controls.gpkg  basic_farmland  the demo's 永久基本农田 polygons, moved
#                      high_standard   高标准农田: cropland parcels under half inside the
#                                      basic farmland whose id is not a multiple of 5,
#                                      each buffered by 0.5 m, unioned, one
#                                      feature per polygon of the union
#                      urban_boundary  城镇开发边界: 300 m around parcel ...2672 (a town over
#                                      PBF that would go out and PBF that stays: 开天窗)
#                      red_line        生态保护红线: 100 m around parcel ...1020 (eligible land)
#                      pbf_out         a river management range: 50 m around parcel
#                                      ...2474 (PBF that would otherwise stay)
# The move is tests/common's place_parcels (EPSG:4544, axes swapped, then an affine shift
# into EPSG:23030); everything else is plain SQL (GDAL's SQLite dialect with SpatiaLite).
# Deterministic: the same inputs give the same layers. tests/pbf.rs runs it;
# scripts/pbf_reference.py runs it to make the reference answers.
#
# It also writes OUT/pipeline.toml: those layers with their roles (basic_farmland as in
# the demo: it keeps PBF out of reforestation and the swap; the others flag), quality
# from GDDB, [pbf] at its defaults, results into OUT/out.
#
#   bash scripts/pbf_region.sh OUT DEM     (DEM: ../shared/data/dem25-spain/dem25.tif)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: pbf_region.sh OUT DEM}"
DEM="$(realpath "${2:?usage: pbf_region.sh OUT DEM}")"
mkdir -p "$OUT"
rm -f "$OUT/parcels.gpkg" "$OUT/controls.gpkg" "$OUT/scratch.gpkg"
# The demo's 3 × 2.4 km moved so its lower left corner is at (273472, 4460650).
CT="+proj=pipeline +step +proj=axisswap +order=2,1 +step +proj=affine +xoff=-208528 +yoff=1173050"
move() { ogr2ogr -f GPKG "$@" -s_srs EPSG:4544 -t_srs EPSG:23030 -ct "$CT"; }

move "$OUT/scratch.gpkg" "$ROOT/data/dltb.gpkg" DLTB -nln moved
move -update "$OUT/scratch.gpkg" "$ROOT/data/controls.gpkg" basic_farmland -nln basic_farmland

sql() {
  local update=(); [ -e "$OUT/$1" ] && update=(-update)
  ogr2ogr -f GPKG "${update[@]}" "${@:5}" "$OUT/$1" "$OUT/scratch.gpkg" -dialect SQLite -nln "$2" -nlt "$3" -a_srs EPSG:23030 -sql "$4"
}
# 耕地质量等别 1..10 from the parcel's serial number.
sql parcels.gpkg DLTB POLYGON "SELECT *, 1 + ((CAST(substr(BSM, 10) AS INTEGER) * 7919) % 101) % 10 AS GDDB FROM moved"
sql controls.gpkg basic_farmland POLYGON "SELECT * FROM basic_farmland"
sql controls.gpkg high_standard POLYGON "SELECT 'GBZ' AS name, ST_Union(ST_Buffer(m.geom, 0.5)) AS geom FROM moved m
  WHERE m.DLBM IN ('0101', '0102', '0103') AND CAST(substr(m.BSM, 10) AS INTEGER) % 5 <> 0
    AND coalesce(ST_Area(ST_Intersection(m.geom, (SELECT ST_Union(geom) FROM basic_farmland))), 0) < 0.5 * ST_Area(m.geom)" -explodecollections
around() { echo "SELECT '$1' AS name, ST_Buffer(ST_Centroid(geom), $3) AS geom FROM moved WHERE BSM = '$2'"; }
sql controls.gpkg urban_boundary POLYGON "$(around 城镇开发边界 500230211000002672 300)"
sql controls.gpkg red_line POLYGON "$(around 生态保护红线 500230211000001020 100)"
sql controls.gpkg pbf_out POLYGON "$(around 河道管理范围 500230211000002474 50)"
rm -f "$OUT/scratch.gpkg"

constraint() {
  printf '\n[[constraints]]\nname = "%s"\npath = "controls.gpkg"\nlayer = "%s"\nmode = "%s"\nrole = "%s"\n' "$1" "$1" "$2" "$1"
  [ -z "${3:-}" ] || printf 'applies_to = %s\n' "$3"
}
{
  printf '[inputs]\ndem = ["%s"]\nparcels = "parcels.gpkg"\n\n[fields]\nquality = "GDDB"\n\n[output]\ndir = "out"\n' "$DEM"
  constraint basic_farmland exclude '["reforestation", "swap_out"]'
  for role in urban_boundary high_standard red_line pbf_out; do constraint "$role" flag; done
} > "$OUT/pipeline.toml"
