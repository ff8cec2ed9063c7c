#!/usr/bin/env python3
"""Reference 林耕置换 eligibility from shapely, committed as a test fixture.

On the demo (pipelines/demo.toml, run by the release binary), the parcels that may come
into cropland (耕地补充空间), by the rule written out independently:
  land use (DLBM, a 'K' suffix allowed) in the garden/forest codes, not cropland;
  computed slope grade 1–4; area ≥ 666.67 m²; at least 5 m of boundary shared with
  cropland that stays cropland (cropland that is not a reforestation candidate), measured
  by shapely as the length of the intersection of the two boundaries; and not inside the
  road control lines by 30 % or more (shares from tests/fixtures/constraints/demo.csv,
  themselves shapely's); and not restored to cropland by 复耕, which runs first (the run's
  `restore` column: tests/supply.rs checks that rule against shapely).
Grades, cropland and candidates are read from the run's parcels layer (they are checked
against gdaldem/exactextract elsewhere); the adjacency and the rule are computed here.
  tests/fixtures/swap/demo_eligible.csv: ids of the eligible parcels
tests/swap.rs compares landcons's `swap` column (in + reserve) with it.

Regenerate (from the repository root, after `cargo build --release`):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install shapely geopandas pandas
    /tmp/ref/bin/python scripts/swap_reference.py
"""
import os
import subprocess
import tempfile

import geopandas as gpd
import pandas as pd
from shapely import STRtree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CODES = {"0201", "0202", "0203", "0204", "0301", "0302", "0305", "0307"}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(ROOT, "target", "release", "landcons")
        subprocess.run([binary, "run", "-q", os.path.join(ROOT, "pipelines", "demo.toml"), "--out", tmp], check=True)
        parcels = gpd.read_file(os.path.join(tmp, "landcons.gpkg"), layer="parcels")
    roads = pd.read_csv(os.path.join(ROOT, "tests", "fixtures", "constraints", "demo.csv"), dtype={"id": str})
    near_roads = set(roads[(roads["constraint"] == "roads") & (roads["share"] >= 0.3)]["id"])
    restored = dict(zip(parcels["BSM"], parcels["restore"].notna() & (parcels["restore"] != "")))
    staying = parcels[(parcels["is_cropland"] == 1) & (parcels["reforest"] == 0)]
    tree = STRtree(list(staying.geometry))
    eligible = []
    for pid, code, cropland, grade, area, geom in zip(parcels["BSM"], parcels["DLBM"], parcels["is_cropland"],
                                                      parcels["grade"], parcels["area_m2"], parcels.geometry):
        base = code[:-1] if code.endswith("K") else code
        if cropland == 1 or base not in IN_CODES or restored.get(pid) or not 1 <= grade <= 4 or area < 666.67 or pid in near_roads:
            continue
        shared = sum(geom.boundary.intersection(staying.geometry.iloc[k].boundary).length
                     for k in tree.query(geom, predicate="intersects"))
        if shared >= 5.0:
            eligible.append(pid)
    out = os.path.join(ROOT, "tests", "fixtures", "swap")
    os.makedirs(out, exist_ok=True)
    pd.DataFrame({"id": sorted(eligible)}).to_csv(os.path.join(out, "demo_eligible.csv"), index=False)
    print(len(eligible), "eligible parcels")


if __name__ == "__main__":
    main()
