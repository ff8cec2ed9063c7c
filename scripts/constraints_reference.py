#!/usr/bin/env python3
"""Reference constraint shares and audit from shapely and pandas, committed as fixtures.

For each case, each parcel's share inside each constraint: every feature buffered by its
class's width (shapely.buffer, quad_segs=8: round ends and joins, GEOS's default), the
constraint's features unioned (shapely.union_all), share = area(parcel ∩ union) /
area(parcel), kept when the area inside is at least 0.01 m² (landcons's sliver limit).
  tests/fixtures/constraints/<case>.csv: id, constraint, share
  tests/fixtures/constraints/<case>_audit.csv (constraints with a role): per village and
    total, the parcel area inside, its cropland and non-cropland (pandas sums)
Cases: `demo` (data/dltb.gpkg under data/controls.gpkg, as pipelines/demo.toml) and
`cambodia` (real plots under a classed road network and a red line:
scripts/constraints_sample.sh). tests/constraints.rs compares landcons's results.

Regenerate (from the repository root, with ../shared beside it):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install shapely geopandas pandas
    /tmp/ref/bin/python scripts/constraints_reference.py
"""
import os
import subprocess
import tempfile

import geopandas as gpd
import pandas as pd
import shapely

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "constraints")
CROPLAND = {"0101", "0102", "0103"}
SLIVER_M2 = 0.01
ROADS = {"高速": 30.0, "省道": 15.0, "县道": 10.0, "乡道": 5.0}


def unioned(path, layer, widths=None, default=None):
    features = gpd.read_file(path, layer=layer)
    geoms = []
    for geom, grade in zip(features.geometry, features.get("GRADE", [None] * len(features))):
        if widths is None:
            geoms.append(shapely.make_valid(geom))
        else:
            width = widths.get(grade, default)
            geoms.append(shapely.buffer(geom, width, quad_segs=8))
    return shapely.union_all(geoms)


def shares(parcels, constraints):
    rows = []
    for name, zone in constraints:
        prepared = shapely.prepared.prep(zone)
        for pid, geom in zip(parcels["BSM"], parcels.geometry):
            if not prepared.intersects(geom):
                continue
            inside = geom.intersection(zone).area
            if inside >= SLIVER_M2:
                rows.append((pid, name, min(inside / geom.area, 1.0)))
    return pd.DataFrame(rows, columns=["id", "constraint", "share"])


def audit(parcels, hits, name):
    table = hits[hits["constraint"] == name].merge(
        parcels[["BSM", "ZLDWDM", "DLBM", "area"]], left_on="id", right_on="BSM")
    table["area_m2"] = table["share"] * table["area"]
    table["cropland_m2"] = table["area_m2"].where(table["DLBM"].isin(CROPLAND), 0.0)
    table["non_cropland_m2"] = table["area_m2"] - table["cropland_m2"]
    sums = table.groupby("ZLDWDM")[["area_m2", "cropland_m2", "non_cropland_m2"]].sum()
    sums.loc["total"] = sums.sum()
    return sums.reset_index().rename(columns={"ZLDWDM": "village_code"})


def write(case, parcels, constraints, role):
    parcels = parcels.copy()
    parcels["area"] = parcels.geometry.area
    hits = shares(parcels, constraints).sort_values(["id", "constraint"])
    os.makedirs(OUT, exist_ok=True)
    hits.to_csv(os.path.join(OUT, f"{case}.csv"), index=False, float_format="%.12f")
    audit(parcels, hits, role).to_csv(os.path.join(OUT, f"{case}_audit.csv"), index=False, float_format="%.6f")
    print(case, len(hits), "hits")


def main():
    data = os.path.join(ROOT, "data")
    controls = os.path.join(data, "controls.gpkg")
    write("demo", gpd.read_file(os.path.join(data, "dltb.gpkg")),
          [("roads", unioned(controls, "roads", ROADS)), ("basic_farmland", unioned(controls, "basic_farmland"))],
          "basic_farmland")
    cambodia = os.path.join(ROOT, "..", "shared", "data", "parcels-fiboa", "4_cambodia_areas.gpkg")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "constraints_sample.sh"), cambodia, tmp], check=True)
        roads = unioned(os.path.join(tmp, "roads.gpkg"), "roads", {"高速": 30.0, "县道": 10.0, "乡道": 5.0}, 3.0)
        red_line = unioned(os.path.join(tmp, "red_line.gpkg"), "red_line")
        write("cambodia", gpd.read_file(os.path.join(tmp, "plots.gpkg")), [("roads", roads), ("red_line", red_line)], "red_line")


if __name__ == "__main__":
    main()
