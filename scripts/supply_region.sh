#!/usr/bin/env bash
# Makes the real-terrain test region of 补充耕地 (#29) in OUT: scripts/pbf_region.sh's region
# (the demo's parcels — with their K codes, grass, bare land, HFSX and KCXS — on the
# Gredos 25 m DEM, with basic farmland, 高标准农田, an urban boundary, a red line and a
# pbf_out range), its pipeline reading the restoration attribute (fields.restore = HFSX)
# and every rule at its defaults. tests/supply.rs runs it; scripts/supply_reference.py
# recomputes each source of new cropland from its input files.
#
#   bash scripts/supply_region.sh OUT DEM     (DEM: ../shared/data/dem25-spain/dem25.tif)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:?usage: supply_region.sh OUT DEM}"
DEM="${2:?usage: supply_region.sh OUT DEM}"
bash "$ROOT/scripts/pbf_region.sh" "$OUT" "$DEM"
sed -i 's/^quality = "GDDB"$/quality = "GDDB"\nrestore = "HFSX"/' "$OUT/pipeline.toml"
grep -q '^restore = "HFSX"$' "$OUT/pipeline.toml"
