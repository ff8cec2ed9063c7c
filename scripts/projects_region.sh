#!/usr/bin/env bash
# Makes the real-terrain test region of 项目库 (#31) in OUT: scripts/supply_region.sh's
# region (the demo's parcels on the Gredos 25 m DEM, with basic farmland, 高标准农田, an
# urban boundary, a red line, a pbf_out range and the restoration attribute, so every
# rule — and every project type — has candidates), plus
#   OUT/controls.gpkg  hazard   地质灾害隐患区: 60 m around homestead ...1209 (a 拆旧
#                               candidate of 南桥村), role "hazard", mode "flag"
# and, in OUT/pipeline.toml, that constraint and [villages.clusters]: three villages in
# 东片区, two in 西片区, 北口村 in none (未分片区 with projects.unit = "cluster").
# The project costs and prices stay at their placeholder defaults (the run warns).
# tests/projects.rs runs it; scripts/projects_reference.py recomputes the projects.
#
#   bash scripts/projects_region.sh OUT DEM     (DEM: ../shared/data/dem25-spain/dem25.tif)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: projects_region.sh OUT DEM}"
DEM="${2:?usage: projects_region.sh OUT DEM}"
bash "$ROOT/scripts/supply_region.sh" "$OUT" "$DEM"
ogr2ogr -f GPKG -update "$OUT/controls.gpkg" "$OUT/parcels.gpkg" -dialect SQLite -nln hazard -nlt POLYGON -a_srs EPSG:23030 \
  -sql "SELECT '地质灾害隐患区' AS name, ST_Buffer(ST_Centroid(geom), 60) AS geom FROM DLTB WHERE BSM = '500230211000001209'"
[ "$(ogrinfo -ro -q "$OUT/controls.gpkg" -sql "SELECT count(*) AS n FROM hazard" | grep -o 'n (Integer) = [0-9]*')" = "n (Integer) = 1" ]
cat >> "$OUT/pipeline.toml" <<'EOF'

[[constraints]]
name = "hazard"
path = "controls.gpkg"
layer = "hazard"
mode = "flag"
role = "hazard"

[villages.clusters]
"5002301002000000000" = "东片区"
"5002301002010000000" = "东片区"
"5002301002020000000" = "东片区"
"5002301002030000000" = "西片区"
"5002301002040000000" = "西片区"
EOF
