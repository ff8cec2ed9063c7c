#!/usr/bin/env python3
"""Independent land-use transition matrix of two surveys (#32), with geopandas/shapely:
the GEOS overlay (geopandas.overlay, how="intersection") of the earlier and the later
parcel layer, every piece counted from the earlier parcel's class to the later one's
(class = the 三调 一级类, DLBM's first two digits), land one survey does not cover as
class "" (the parcel's area minus its pieces), per village (the later parcel's ZLDWDM;
the earlier one's for land the later survey does not cover) and in total.

  transitions_reference.py OLD NEW OUT.json

OUT.json: {"cells": {"<village>|<from>|<to>": m², ...} (village "" = total),
"old_totals": {class: m²}, "new_totals": {class: m²}, "unchanged": parcels with the same
BSM and the same coordinates in both}.
"""
import json
import sys
from collections import defaultdict

import geopandas as gpd


def classes(g):
    g = g.copy()
    g["cls"] = g["DLBM"].astype(str).str.strip().str[:2]
    g["area"] = g.geometry.area
    return g


def main(old_path, new_path, out_path):
    old = classes(gpd.read_file(old_path)).reset_index(names="oi")
    new = classes(gpd.read_file(new_path)).reset_index(names="ni")
    cols = lambda g, k: g[[k, "cls", "ZLDWDM", "geometry"]]
    pieces = gpd.overlay(cols(old, "oi"), cols(new, "ni"), how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    cells = defaultdict(float)
    for r in pieces.itertuples():
        for village in (r.ZLDWDM_2, ""):
            cells[(village, r.cls_1, r.cls_2)] += r.area
    for side, g, key in (("old", old, "oi"), ("new", new, "ni")):
        covered = pieces.groupby(key)["area"].sum()
        for r in g.itertuples():
            left = r.area - covered.get(getattr(r, key), 0.0)
            frm, to = (r.cls, "") if side == "old" else ("", r.cls)
            for village in (r.ZLDWDM, ""):
                cells[(village, frm, to)] += left
    same = old.merge(new, on="BSM", suffixes=("_o", "_n"))
    unchanged = int(sum(a.equals_exact(b, 0.0) for a, b in zip(same.geometry_o, same.geometry_n)))
    result = {
        "cells": {"|".join(k): v for k, v in sorted(cells.items())},
        "old_totals": old.groupby("cls")["area"].sum().to_dict(),
        "new_totals": new.groupby("cls")["area"].sum().to_dict(),
        "unchanged": unchanged,
        "pieces": len(pieces),
    }
    with open(out_path, "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main(*sys.argv[1:4])
