#!/usr/bin/env bash
# A real parcel layer with the defects survey deliveries have, for the topology tests
# (tests/topology.rs) and their shapely reference (scripts/topology_reference.py): the
# 100 Cambodian smallholder plots of the fiboa test data (real, digitised by hand),
# moved onto the Spanish 25 m DEM as tests/zonal_exactextract.rs does, with
#   - every 10th plot duplicated (a 图斑 delivered twice),
#   - one parent polygon over three plots (parts delivered with their whole),
#   - every 7th plot redrawn 1.5 m larger (digitising overlaps with its neighbours).
# Usage: scripts/topology_sample.sh CAMBODIA.gpkg OUT.gpkg
set -euo pipefail
src=$1 out=$2
moved=$(mktemp -d)/moved.gpkg
ogr2ogr -f GPKG "$moved" "$src" reference -nln plots -s_srs EPSG:32648 -t_srs EPSG:23030 \
  -ct "+proj=affine +xoff=-7000 +yoff=3000000"
rm -f "$out"
ogr2ogr -f GPKG "$out" "$moved" -nln DLTB -nlt MULTIPOLYGON -dialect sqlite -sql "
  SELECT 'c' || id_0 AS BSM, '0103' AS DLBM, CastToMultiPolygon(geom) AS geom FROM plots WHERE id_0 % 7 <> 3
  UNION ALL SELECT 'c' || id_0, '0103', CastToMultiPolygon(ST_Buffer(geom, 1.5)) FROM plots WHERE id_0 % 7 = 3
  UNION ALL SELECT 'dup' || id_0, '0103', CastToMultiPolygon(geom) FROM plots WHERE id_0 % 10 = 0
  UNION ALL SELECT 'parent', '0103', CastToMultiPolygon(ST_Union(geom)) FROM plots WHERE id_0 IN (41, 42, 43)"
rm -r "$(dirname "$moved")"
