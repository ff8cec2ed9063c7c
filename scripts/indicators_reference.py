#!/usr/bin/env python3
"""Reference figures for the 规划指标分解表 and 增减挂钩 from pandas and shapely, committed
as test fixtures.

On the demo parcels (data/dltb.gpkg, the layer pipelines/demo.toml reads):

  tests/fixtures/indicators/demo_parcels.csv — per parcel (BSM): its village, its class
    (三调 工作分类 by the longest matching DLBM prefix, a 'K' suffix ignored — the table
    written out independently below), its official area (TBMJ), its official area net of
    田坎 (cropland only: TBMJ − KCMJ, else TBMJ − round(TBMJ × KCXS, 2)), its shapely area,
    and its 永久基本农田 area (TBMJ × the share inside basic_farmland from
    tests/fixtures/constraints/demo.csv, itself shapely's, rounded to 0.01 m²).
  tests/fixtures/indicators/demo_current.csv — per village and total, per class, the
    current (现状) official and computed sums (pandas groupby sums of the above).
  tests/fixtures/reclamation/demo_clusters.csv — settlement clusters: rural homesteads
    (DLBM 0702, 'K' allowed) joined when shapely.distance ≤ 50 m, transitively
    (union-find), their members (sorted BSM, ';'-joined), their shapely area, and whether
    they are 零散 (area < 3000 m²).

tests/indicators.rs compares landcons's indicator table and settlement clusters with
these, and checks the planned (规划) columns against the current ones moved by the plan's
candidates.

Regenerate (from the repository root):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install shapely geopandas pandas
    /tmp/ref/bin/python scripts/indicators_reference.py
"""
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = {
    "cropland": ["0101", "0102", "0103"],
    "garden": ["0201", "0202", "0203", "0204"],
    "forest": ["0301", "0302", "0305", "0307"],
    "grassland": ["0401", "0403", "0404"],
    "wetland": ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"],
    "construction": ["05", "0601", "0602", "07", "08", "09", "1004", "1005", "1201"],
}
HOMESTEAD = "0702"
CLUSTER_DISTANCE_M = 50.0
SCATTERED_MAX_M2 = 3000.0


def class_of(code):
    code = code.rstrip("Kk")
    best, length = "other", 0
    for name, prefixes in CLASSES.items():
        for p in prefixes:
            if code.startswith(p) and len(p) > length:
                best, length = name, len(p)
    return best


def per_parcel(parcels):
    shares = pd.read_csv(os.path.join(ROOT, "tests", "fixtures", "constraints", "demo.csv"), dtype={"id": str})
    bf = shares[shares["constraint"] == "basic_farmland"].set_index("id")["share"]
    df = pd.DataFrame({
        "id": parcels["BSM"],
        "village_code": parcels["ZLDWDM"],
        "class": [class_of(c) for c in parcels["DLBM"]],
        "official_m2": parcels["TBMJ"].round(2),
        "computed_m2": parcels.geometry.area,
    })
    kcxs = parcels["KCXS"].fillna(0.0) if "KCXS" in parcels else 0.0
    deduction = (df["official_m2"] * kcxs).round(2)
    if "KCMJ" in parcels:
        deduction = parcels["KCMJ"].where(parcels["KCMJ"].notna(), deduction)
    df["net_m2"] = np.where(df["class"] == "cropland", (df["official_m2"] - deduction).round(2), df["official_m2"])
    share = df["id"].map(bf).fillna(0.0)
    df["basic_farmland_m2"] = (df["official_m2"] * share).round(2)
    df["basic_farmland_calc_m2"] = df["computed_m2"] * share
    return df


def current_table(df):
    rows = []
    for code, g in list(df.groupby("village_code")) + [("total", df)]:
        row = {"code": code}
        for name in list(CLASSES) + ["other"]:
            mine = g[g["class"] == name]
            row[f"{name}_m2"] = round(mine["net_m2"].sum(), 2)
            row[f"{name}_calc_m2"] = mine["computed_m2"].sum()
        row["basic_farmland_m2"] = round(g["basic_farmland_m2"].sum(), 2)
        row["basic_farmland_calc_m2"] = g["basic_farmland_calc_m2"].sum()
        rows.append(row)
    return pd.DataFrame(rows)


def clusters(parcels):
    homes = parcels[[c.rstrip("Kk") == HOMESTEAD for c in parcels["DLBM"]]].reset_index(drop=True)
    geoms = list(homes.geometry)
    tree = shapely.STRtree(geoms)
    parent = list(range(len(geoms)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    a, b = tree.query(geoms, predicate="dwithin", distance=CLUSTER_DISTANCE_M)
    for i, j in zip(a, b):
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups = {}
    for k in range(len(geoms)):
        groups.setdefault(find(k), []).append(k)
    rows = []
    for members in groups.values():
        area = sum(geoms[k].area for k in members)
        rows.append({
            "members": ";".join(sorted(homes["BSM"][k] for k in members)),
            "area_m2": area,
            "scattered": int(area < SCATTERED_MAX_M2),
        })
    return pd.DataFrame(rows).sort_values("members")


def main():
    parcels = gpd.read_file(os.path.join(ROOT, "data", "dltb.gpkg"))
    df = per_parcel(parcels)
    out = os.path.join(ROOT, "tests", "fixtures", "indicators")
    os.makedirs(out, exist_ok=True)
    df.to_csv(os.path.join(out, "demo_parcels.csv"), index=False, float_format="%.6f")
    current_table(df).to_csv(os.path.join(out, "demo_current.csv"), index=False, float_format="%.6f")
    c = clusters(parcels)
    out = os.path.join(ROOT, "tests", "fixtures", "reclamation")
    os.makedirs(out, exist_ok=True)
    c.to_csv(os.path.join(out, "demo_clusters.csv"), index=False, float_format="%.6f")
    print(len(df), "parcels;", len(c), "clusters,", int(c["scattered"].sum()), "scattered")


if __name__ == "__main__":
    main()
