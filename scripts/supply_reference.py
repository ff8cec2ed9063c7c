#!/usr/bin/env python3
"""Reference answers of 补充耕地 (#29) from shapely: each source's parcel set and the new
cropland ledger per village, recomputed from the INPUT files of a region
(scripts/supply_region.sh: parcels.gpkg, controls.gpkg) with, from the run's parcels
layer, only what other rules decide and other tests check: the slope grade and grade
shares (tests/zonal_exactextract.rs), the reforestation flag (tests/reforestation.rs),
the merge group (tests/merge.rs) and the swap's role (tests/swap.rs, tests/pbf.rs: a
least-area MILP, not recomputed here).

  cropland      DLBM 0101/0102/0103 (a K suffix ignored); it stays unless reforested
  red line      area(parcel ∩ red_line) / area(parcel) (scripts/constraints_reference.py)
  neighbours    scripts/adjacency_reference.py: pairs that touch, with the length of
                a.boundary ∩ b.boundary
  复耕          not cropland; DLBM in the K codes (0201K–0204K, 0301K, 0302K, 0307K, 0404K,
                1104K) or HFSX 即可恢复/工程恢复; grade 1–4; red line < 0.5. Phase 工程恢复
                when HFSX says so, else 即可恢复
  未利用地开发  DLBM 0404/1204/1206 (K ignored), not cropland, not restored, grade 1–3,
                area ≥ 666.67 m², ≥ 5 m of boundary summed with cropland that stays, red
                line < 0.5
  土地整理      merged cropland plots that stay cropland with a 田坎 deduction:
                round(round(100 TBMJ) × KCXS) cm² × 0.5, rounded, > 0 (the region has no
                1203 田坎 parcels)
  增减挂钩      homesteads 0702 clustered by distance ≤ 50 m (transitively); a cluster of
                < 3000 m² is scattered; its grade is the dominant grade of its members'
                area per grade; 宜耕 when that grade is 1–4 and a member shares boundary
                with cropland; its members are 拆旧 unless ≥ 0.5 inside the red line
                (生态修复 takes them)
  林耕置换      the run's swap = 'in'
  ledger        per village (ZLDWDM): current cropland = Σ round(100 TBMJ) −
                round(round(100 TBMJ) × KCXS) cm²; sources Σ round(100 TBMJ) (土地整理:
                the gains); 退耕还林 = current cropland of the reforested; net; rate

    python scripts/supply_reference.py REGION RUN_GPKG OUT_JSON
"""
import json
import math
import os
import sys

import geopandas as gpd
import numpy as np
from shapely import STRtree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from adjacency_reference import pairs  # noqa: E402
from constraints_reference import shares, unioned  # noqa: E402

CROPLAND = {"0101", "0102", "0103"}
K_CODES = {"0201K", "0202K", "0203K", "0204K", "0301K", "0302K", "0307K", "0404K", "1104K"}
DEVELOP = {"0404", "1204", "1206"}
M2_PER_MU = 10000.0 / 15.0


def rnd(x):
    """Rust's f64::round for the values here (half away from zero)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def load(region, run_gpkg):
    parcels = gpd.read_file(os.path.join(region, "parcels.gpkg"), layer="DLTB")
    parcels["geometry"] = parcels.geometry.force_2d()
    run = gpd.read_file(run_gpkg, layer="parcels", ignore_geometry=True).set_index("BSM")
    for col in ["grade", "reforest", "merge_group", "swap"] + [f"share_g{g}" for g in range(1, 6)]:
        parcels[col] = [run.at[b, col] for b in parcels["BSM"]]
    parcels["code"] = parcels["DLBM"].str.rstrip("Kk")
    parcels["cropland"] = parcels["code"].isin(CROPLAND)
    parcels["stays"] = parcels["cropland"] & (parcels["reforest"].fillna(0).astype(int) == 0)
    parcels["area"] = parcels.geometry.area
    hits = shares(parcels, [("red_line", unioned(os.path.join(region, "controls.gpkg"), "red_line"))])
    red = dict(zip(hits["id"], hits["share"]))
    parcels["red"] = [red.get(b, 0.0) for b in parcels["BSM"]]
    official = [rnd(100 * t) for t in parcels["TBMJ"]]
    parcels["official"] = official
    parcels["deduction"] = [rnd(o * (k if k == k and k is not None else 0.0)) for o, k in zip(official, parcels["KCXS"])]
    return parcels


def restore(p):
    hfsx = p["HFSX"].fillna("")
    marked = p["DLBM"].isin(K_CODES) | hfsx.isin(["即可恢复", "工程恢复"])
    ok = marked & ~p["cropland"] & p["grade"].between(1, 4) & (p["red"] < 0.5)
    engineering = ok & (hfsx == "工程恢复")
    return ok & ~engineering, engineering


def develop(p, edges, restored):
    shared = np.zeros(len(p))
    stays = p["stays"].values
    for i, j, length in edges:
        if stays[j]:
            shared[i] += length
        if stays[i]:
            shared[j] += length
    ok = p["code"].isin(DEVELOP) & ~p["cropland"] & ~restored & p["grade"].between(1, 3) & (p["area"] >= M2_PER_MU) & (p["red"] < 0.5)
    return ok & (shared >= 5.0)


def consolidation(p):
    gain = [rnd(d * 0.5) for d in p["deduction"]]
    merged = p["merge_group"].fillna(0).astype(int) > 0
    return merged & p["stays"] & (np.array(gain) > 0), gain


def clusters(p, homes):
    geoms = list(p.geometry.values[homes])
    tree = STRtree(geoms)
    parent = list(range(len(homes)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    left, right = tree.query(geoms, predicate="dwithin", distance=50.0)
    for a, b in zip(left, right):
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    groups = {}
    for k, i in enumerate(homes):
        groups.setdefault(find(k), []).append(i)
    return list(groups.values())


def linkage(p, edges):
    homes = [i for i, c in enumerate(p["code"]) if c == "0702"]
    beside_cropland = np.zeros(len(p), dtype=bool)
    crop = p["cropland"].values
    for i, j, _ in edges:
        beside_cropland[i] |= crop[j]
        beside_cropland[j] |= crop[i]
    out = np.zeros(len(p), dtype=bool)
    for members in clusters(p, homes):
        area = p["area"].values[members]
        per_grade = [sum(p[f"share_g{g}"].values[m] * p["area"].values[m] for m in members) for g in range(1, 6)]
        grade = (int(np.argmax(per_grade)) + 1) if max(per_grade) > 0 else 0
        to_cropland = 1 <= grade <= 4 and beside_cropland[members].any()
        if area.sum() < 3000.0 and to_cropland:
            for m in members:
                out[m] = p["red"].values[m] < 0.5
    return out


def main():
    region, run_gpkg, out = sys.argv[1:4]
    p = load(region, run_gpkg)
    edges = pairs(np.array(p.geometry.values))
    now, works = restore(p)
    dev = develop(p, edges, (now | works).values)
    cons, gain = consolidation(p)
    link = linkage(p, edges)
    swap = (p["swap"].fillna("") == "in").values
    sources = {"restore_immediate": now.values, "restore_engineering": works.values, "develop": dev.values,
               "consolidation": cons.values, "linkage": link, "swap": swap}
    ids = {k: sorted(p["BSM"].values[v].tolist()) for k, v in sources.items()}
    ledger = {}
    for i, v in enumerate(p["ZLDWDM"]):
        row = ledger.setdefault(v, {k: 0 for k in ["current", *sources, "reforest"]})
        if p["cropland"].values[i]:
            row["current"] += p["official"].values[i] - p["deduction"].values[i]
            if not p["stays"].values[i]:
                row["reforest"] += p["official"].values[i] - p["deduction"].values[i]
        for k, chosen in sources.items():
            if chosen[i]:
                row[k] += gain[i] if k == "consolidation" else p["official"].values[i]
    for row in ledger.values():
        row["net"] = sum(row[k] for k in sources) - row["reforest"]
        row["rate"] = row["net"] / row["current"] if row["current"] else 0.0
    with open(out, "w") as f:
        json.dump({"ids": ids, "ledger_cm2": {k: {c: int(x) if c != "rate" else x for c, x in r.items()} for k, r in ledger.items()},
                   "parcels": len(p)}, f, ensure_ascii=False, indent=1, default=int)


if __name__ == "__main__":
    main()
