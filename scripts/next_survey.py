#!/usr/bin/env python3
"""Makes a "next-year" survey from a DLTB layer, for the land-use transition tests (#32):
a few percent of the parcels change class, some are split (new BSMs, one half changes
class), some pairs of neighbours are merged (a new BSM), some boundaries move between
neighbours (a strip of one goes to the other), some parcels get a new BSM with nothing
else changed, and a few are dropped (land the new survey does not cover). Deterministic
(seeded); the parcels it did not touch keep their BSM and their exact coordinates.

  next_survey.py OLD.gpkg NEW.gpkg [SEED]

Prints a JSON line of what it did ("untouched": parcels with the same BSM and geometry).
"""
import json
import random
import sys

import geopandas as gpd
from shapely.geometry import LineString
from shapely.ops import split

# Plausible yearly changes: 耕地 → 林地/园地/住宅, 园地/林地 → 耕地 (复耕), 草地 → 耕地.
TO = {"01": ["0301", "0201", "0702", "1006"], "02": ["0103", "0101"], "03": ["0103", "0201"], "04": ["0103", "0301"]}
NAMES = {"0101": "水田", "0103": "旱地", "0201": "果园", "0301": "乔木林地", "0702": "农村宅基地", "1006": "农村道路"}


def other_code(rng, code):
    return rng.choice(TO.get(code[:2], ["0103"]))


def main(src, dst, seed=7):
    rng = random.Random(seed)
    g = gpd.read_file(src)
    n = len(g)
    order = list(range(n))
    rng.shuffle(order)
    take = lambda share: [order.pop() for _ in range(max(1, int(n * share)))]
    touched, rows, extra = set(), {}, []
    sindex = g.sindex
    stats = {"reclassified": 0, "split": 0, "merged": 0, "reshaped": 0, "renumbered": 0, "dropped": 0}

    def neighbour(i):
        for j in sindex.query(g.geometry[i], predicate="touches"):
            if j not in touched and j != i and g.geometry[i].intersection(g.geometry[j]).length > 1.0:
                return int(j)
        return None

    for i in take(0.03):
        r = g.iloc[i].copy()
        r["DLBM"] = other_code(rng, r["DLBM"])
        r["DLMC"] = NAMES.get(r["DLBM"], "")
        rows[i] = r
        touched.add(i)
        stats["reclassified"] += 1
    for i in take(0.015):
        if i in touched:
            continue
        geom = g.geometry[i]
        c = geom.centroid
        lo, hi = geom.bounds[1] - 1, geom.bounds[3] + 1
        parts = list(split(geom, LineString([(c.x, lo), (c.x, hi)])).geoms)
        if len(parts) < 2:
            continue
        touched.add(i)
        rows[i] = None
        for k, part in enumerate(parts):
            r = g.iloc[i].copy()
            r["BSM"] = f"{r['BSM']}S{k}"
            if k == 1:
                r["DLBM"] = other_code(rng, r["DLBM"])
            r.geometry = part
            extra.append(r)
        stats["split"] += 1
    for i in take(0.01):
        j = None if i in touched else neighbour(i)
        if j is None:
            continue
        touched.update([i, j])
        r = g.iloc[i].copy()
        r["BSM"] = f"{r['BSM']}M"
        r.geometry = g.geometry[i].union(g.geometry[j])
        rows[i], rows[j] = r, None
        stats["merged"] += 1
    for i in take(0.01):
        j = None if i in touched else neighbour(i)
        if j is None:
            continue
        touched.update([i, j])
        strip = g.geometry[j].intersection(g.geometry[i].buffer(3.0))
        ri, rj = g.iloc[i].copy(), g.iloc[j].copy()
        ri.geometry = g.geometry[i].union(strip)
        rj.geometry = g.geometry[j].difference(strip)
        rows[i], rows[j] = ri, rj
        stats["reshaped"] += 1
    for i in take(0.01):
        if i in touched:
            continue
        touched.add(i)
        r = g.iloc[i].copy()
        r["BSM"] = f"{r['BSM']}R"
        rows[i] = r
        stats["renumbered"] += 1
    for i in take(0.001):
        if i in touched:
            continue
        touched.add(i)
        rows[i] = None
        stats["dropped"] += 1
    out = [rows.get(i, g.iloc[i]) if i in rows else g.iloc[i] for i in range(n)]
    out = [r for r in out if r is not None] + extra
    new = gpd.GeoDataFrame(out, geometry="geometry", crs=g.crs)
    new = new.explode(index_parts=False) if False else new
    new.to_file(dst, layer="DLTB", driver="GPKG")
    stats["untouched"] = n - len(touched)
    stats["parcels"] = len(new)
    print(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 7)
