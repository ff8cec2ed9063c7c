#!/usr/bin/env python3
"""Reference adjacency pairs from shapely, committed as test fixtures.

For each parcel file: pairs of parcels that touch (shapely `touches`, via an STRtree
query) and share a boundary of positive length, with that length
(`a.boundary.intersection(b.boundary).length`). Parcels are numbered by their position in
the layer. tests/adjacency_shapely.rs compares landcons's graph at tolerance 0.

Regenerate (from the repository root, with ../shared beside it):
    python3 -m venv /tmp/ee && /tmp/ee/bin/pip install shapely geopandas
    /tmp/ee/bin/python scripts/adjacency_reference.py
"""
import os
import sys

import geopandas as gpd
import numpy as np
from shapely import STRtree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data", "parcels-fiboa")
OUT = os.path.join(ROOT, "tests", "fixtures", "adjacency")
CASES = [
    ("synth_sample", os.path.join(ROOT, "data", "dltb.gpkg")),
    ("vietnam", os.path.join(SHARED, "1_vietnam_areas.gpkg")),
    ("cambodia", os.path.join(SHARED, "4_cambodia_areas.gpkg")),
    ("netherlands", os.path.join(SHARED, "brpgewaspercelen_definitief_2023.gpkg")),
    ("switzerland", os.path.join(SHARED, "lwb_nutzungsflaechen_v2_0_lv95.gpkg")),
]


def pairs(geoms):
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="touches")
    out = []
    for i, j in zip(left, right):
        if i >= j:
            continue
        length = geoms[i].boundary.intersection(geoms[j].boundary).length
        if length > 0:
            out.append((int(i), int(j), length))
    return sorted(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, path in CASES:
        geoms = np.array(gpd.read_file(path).geometry.force_2d().values)
        found = pairs(geoms)
        with open(os.path.join(OUT, name + ".csv"), "w") as f:
            f.write("a,b,shared_m\n")
            for i, j, length in found:
                f.write(f"{i},{j},{length:.12g}\n")
        print(f"{name}: {len(geoms)} parcels, {len(found)} touching pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
