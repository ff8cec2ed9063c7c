#!/usr/bin/env python3
"""Reference parcel topology from shapely, committed as test fixtures.

On the defective real layer made by scripts/topology_sample.sh (Cambodian plots with
duplicates, a parent polygon and redrawn outlines), with shapely's `make_valid`
geometries:
  tests/fixtures/topology/overlaps.csv: every pair whose intersection area is at least
    1 m²: ids (sorted), kind (duplicate: the overlap covers ≥ 99.9 % of both; contains:
    of one; overlap: neither), intersection area;
  tests/fixtures/topology/touches.csv: every pair that touches (shapely `touches`) with a
    shared boundary of positive length, and that length; and the pairs whose interiors
    overlap by less than 1 m² (survey slivers) with their shared boundary length.
tests/topology.rs compares landcons's `topology_issues` and `adjacency` with them.

Regenerate (from the repository root, with ../shared beside it):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install shapely geopandas
    /tmp/ref/bin/python scripts/topology_reference.py
"""
import os
import subprocess
import sys
import tempfile

import geopandas as gpd
import shapely
from shapely import STRtree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "..", "shared", "data", "parcels-fiboa", "4_cambodia_areas.gpkg")
OUT = os.path.join(ROOT, "tests", "fixtures", "topology")
MIN_OVERLAP = 1.0
INSIDE = 0.999


def main():
    with tempfile.TemporaryDirectory() as tmp:
        layer = os.path.join(tmp, "defects.gpkg")
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "topology_sample.sh"), SRC, layer], check=True)
        parcels = gpd.read_file(layer)
    ids = list(parcels["BSM"])
    geoms = [shapely.make_valid(shapely.force_2d(g)) for g in parcels.geometry]
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    overlaps, touches = [], []
    for i, j in zip(left, right):
        if i >= j:
            continue
        a, b = geoms[i], geoms[j]
        area = a.intersection(b).area
        pair = sorted([ids[i], ids[j]])
        if area >= MIN_OVERLAP:
            inside = (area / a.area >= INSIDE, area / b.area >= INSIDE)
            kind = "duplicate" if all(inside) else "contains" if any(inside) else "overlap"
            overlaps.append((*pair, kind, area))
            continue
        shared = a.boundary.intersection(b.boundary).length
        if shared > 0 and (a.touches(b) or area > 0):
            touches.append((*pair, "sliver" if area > 0 else "touches", shared))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "overlaps.csv"), "w") as f:
        f.write("id_a,id_b,kind,area_m2\n")
        for row in sorted(overlaps):
            f.write("%s,%s,%s,%.6f\n" % row)
    with open(os.path.join(OUT, "touches.csv"), "w") as f:
        f.write("id_a,id_b,relation,shared_m\n")
        for row in sorted(touches):
            f.write("%s,%s,%s,%.9f\n" % row)
    print(f"{len(overlaps)} overlapping pairs, {len(touches)} touching pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
