#!/usr/bin/env python3
"""Makes a "next-year" survey from a DLTB layer, for the land-use transition tests (#32):
a few percent of the parcels change class, some are split (new BSMs, one half changes
class), some pairs of neighbours are merged (a new BSM), some boundaries move between
neighbours (a strip of one goes to the other), some parcels get a new BSM with nothing
else changed, and a few are dropped (land the new survey does not cover). Deterministic
(seeded); the parcels it did not touch keep their BSM and their exact coordinates.

  next_survey.py OLD.gpkg NEW.gpkg [SEED] [--plan RESULTS.gpkg]

With --plan (a landcons run's GeoPackage over OLD), the year also follows that run's plan
in part, for the plan-progress test (#32 item 2): of the parcels the plan changes
(`parcels.plan_rule`) that nothing above touched, a quarter take a code of their planned
class (carried out), a twentieth a code of neither their class nor the planned one
(contrary), and a twentieth are split in two (a third or so cut off) with one part carried out. The changes
without --plan are the same as before (their own random stream).

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
NAMES = {"0101": "水田", "0103": "旱地", "0201": "果园", "0301": "乔木林地", "0702": "农村宅基地", "1006": "农村道路", "0404": "其他草地", "1106": "内陆滩涂", "0601": "工业用地"}


def other_code(rng, code):
    return rng.choice(TO.get(code[:2], ["0103"]))


# A code of each planning class a plan moves land into, and one of a class moving away.
PLANNED_CODE = {"cropland": "0103", "forest": "0301", "grassland": "0404", "wetland": "1106"}


def contrary_code(old_class):
    return "0601" if old_class == "village" else "0702"


def follow_plan(g, rows, extra, touched, plan_path, seed, stats):
    """Carries out part of the plan of the run in plan_path (see the module's doc)."""
    plan = gpd.read_file(plan_path, layer="parcels", columns=["BSM", "class_current", "class_planned", "plan_rule"], ignore_geometry=True)
    plan = plan[plan["plan_rule"].notna() & (plan["class_current"] != plan["class_planned"])]
    by_bsm = {b: i for i, b in enumerate(g["BSM"])}
    rng = random.Random(seed * 1000 + 1)
    todo = sorted((by_bsm[r.BSM], r.class_current, r.class_planned) for r in plan.itertuples() if by_bsm.get(r.BSM) is not None and by_bsm[r.BSM] not in touched)
    rng.shuffle(todo)
    n = len(todo)
    cuts = [("carried_out", n // 4), ("contrary", n // 20), ("split_half", n // 20)]
    for what, count in cuts:
        for i, old_class, planned in [todo.pop() for _ in range(count)]:
            touched.add(i)
            r = g.iloc[i].copy()
            code = PLANNED_CODE.get(planned, "0103") if what != "contrary" else contrary_code(old_class)
            if what == "split_half":
                # Cut off a third or so, never through the centroid: a symmetric parcel's
                # halves would sit on the share of one half exactly.
                geom = g.geometry[i]
                x0, y0, x1, y1 = geom.bounds
                x = x0 + 0.35 * (x1 - x0)
                parts = list(split(geom, LineString([(x, y0 - 1), (x, y1 + 1)])).geoms)
                if len(parts) < 2:
                    r["DLBM"], r["DLMC"] = code, NAMES.get(code, "")
                    rows[i] = r
                    stats["plan_" + what] = stats.get("plan_" + what, 0) + 1
                    continue
                rows[i] = None
                for k, part in enumerate(parts):
                    q = g.iloc[i].copy()
                    q["BSM"] = f"{q['BSM']}P{k}"
                    if k == 0:
                        q["DLBM"], q["DLMC"] = code, NAMES.get(code, "")
                    q.geometry = part
                    extra.append(q)
            else:
                r["DLBM"], r["DLMC"] = code, NAMES.get(code, "")
                rows[i] = r
            stats["plan_" + what] = stats.get("plan_" + what, 0) + 1


def main(src, dst, seed=7, plan=None):
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
    if plan:
        follow_plan(g, rows, extra, touched, plan, seed, stats)
    out = [rows.get(i, g.iloc[i]) if i in rows else g.iloc[i] for i in range(n)]
    out = [r for r in out if r is not None] + extra
    new = gpd.GeoDataFrame(out, geometry="geometry", crs=g.crs)
    new = new.explode(index_parts=False) if False else new
    new.to_file(dst, layer="DLTB", driver="GPKG")
    stats["untouched"] = n - len(touched)
    stats["parcels"] = len(new)
    print(json.dumps(stats))


if __name__ == "__main__":
    args = sys.argv[1:]
    plan = None
    if "--plan" in args:
        k = args.index("--plan")
        plan = args[k + 1]
        del args[k:k + 2]
    main(args[0], args[1], int(args[2]) if len(args) > 2 else 7, plan)
