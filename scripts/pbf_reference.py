#!/usr/bin/env python3
"""Reference answers of 永久基本农田布局调整 and 集中连片 (#28) from shapely, networkx and
highspy, committed as test fixtures.

The region is scripts/pbf_region.sh's: the demo's parcels on the Gredos 25 m DEM with
every control line the [pbf] rule reads. Everything is computed here from the INPUT
files (parcels.gpkg, controls.gpkg) except the slope grade, read from the `grade` column
of the run's parcels layer (tests/zonal_exactextract.rs checks landcons's grades against
exactextract; the run is made with the release binary for nothing else).

  adjacency    scripts/adjacency_reference.py's method: pairs that touch, with
               a.boundary ∩ b.boundary's length
  shares       scripts/constraints_reference.py's method: area(parcel ∩ union of the
               layer) / area(parcel), 0 under 0.01 m²
  blocks       networkx connected components of cropland (DLBM 0101/0102/0103) joined by
               ≥ 5 m of shared boundary, or through one bridge (DLBM 1006/1107/1203,
               2·area/perimeter ≤ 8 m) that shares ≥ 5 m with each; bridges never touch
               each other in the graph (no chains) and add no area
  调出         PBF (basic_farmland share ≥ 0.5), not ≥ 0.5 inside the urban boundary, and
               grade 5, or not cropland, or cropland in a block < 6666.7 m², or ≥ 0.5
               inside pbf_out
  eligible     cropland, not PBF, grade 1-3, official area (TBMJ) ≥ 666.67 m², GDDB
               known, red line and urban boundary < 0.5, and high_standard ≥ 0.5 or
               ≥ 5 m of boundary with PBF that stays. (Cropland of grade ≤ 3 stays
               cropland: the rules before the adjustment only take grade-5 cropland out
               — reforestation, swap — and only bring non-cropland in.)
  MILP         per unit with 调出 (the county; and each township, the first 12 digits of
               ZLDWDM): a_i = TBMJ in whole cm², R = ceil(100 · 1.05 · Σ TBMJ(调出)) cm²,
               Q = 调出's TBMJ-weighted GDDB; min Σ a_i x_i, Σ a_i x_i ≥ R,
               Σ a_i (q_i − Q) x_i ≤ 0, x binary — HiGHS through highspy (mip_rel_gap 0,
               mip_abs_gap 1e-6, 600 s). Σ a_i < R: a deficit, every parcel comes in.
               Quality infeasible: the least area without the quality row.

Writes tests/fixtures/pbf/:
  out.csv        id of every 调出 parcel
  eligible.csv   id of every parcel eligible to come in
  blocks.csv     id, block (the component's first parcel in input order), block_m2
                 for every cropland parcel
  milp.json      per scope and unit: candidates, required cm², Q, status, objective and
                 dual bound (m²), the solver's time; and the region's parcel count and
                 area (to notice a region that is no longer the same); under "swap", per
                 village that the swap balances from its own land: highspy's least area
                 of that land covering what leaves (cm² of shapely's areas), no steeper on
                 average (the candidates are the run's swap in + reserve: tests/swap.rs
                 checks them against shapely on the demo)
tests/pbf.rs compares a landcons run on the same region with them.

Regenerate (from the repository root, after `cargo build --release`, ../shared beside it):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install shapely geopandas pandas networkx highspy
    /tmp/ref/bin/python scripts/pbf_reference.py
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import geopandas as gpd
import highspy
import networkx as nx
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from adjacency_reference import pairs  # noqa: E402
from constraints_reference import shares, unioned  # noqa: E402

OUT = os.path.join(ROOT, "tests", "fixtures", "pbf")
DEM = os.path.join(ROOT, "..", "shared", "data", "dem25-spain", "dem25.tif")
CROPLAND = {"0101", "0102", "0103"}
BRIDGES = {"1006", "1107", "1203"}
ROLES = ["basic_farmland", "urban_boundary", "high_standard", "red_line", "pbf_out"]
M2_PER_MU = 10000.0 / 15.0


def region(tmp):
    """The region, and the run's slope grades by parcel id."""
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "pbf_region.sh"), tmp, DEM], check=True)
    binary = os.path.join(ROOT, "target", "release", "landcons")
    subprocess.run([binary, "run", "-q", os.path.join(tmp, "pipeline.toml"), "--out", os.path.join(tmp, "run")], check=True)
    run = gpd.read_file(os.path.join(tmp, "run", "landcons.gpkg"), layer="parcels", ignore_geometry=True)
    parcels = gpd.read_file(os.path.join(tmp, "parcels.gpkg"), layer="DLTB")
    parcels["geometry"] = parcels.geometry.force_2d()
    grades = dict(zip(run["BSM"], run["grade"]))
    parcels["grade"] = [int(grades[b]) for b in parcels["BSM"]]
    swap = dict(zip(run["BSM"], run["swap"].fillna("")))
    parcels["swap"] = [swap[b] for b in parcels["BSM"]]
    controls = os.path.join(tmp, "controls.gpkg")
    hits = shares(parcels, [(role, unioned(controls, role)) for role in ROLES])
    for role in ROLES:
        of = dict(zip(*[hits[hits["constraint"] == role][c] for c in ("id", "share")]))
        parcels[role] = [of.get(b, 0.0) for b in parcels["BSM"]]
    return parcels


def blocks(parcels, edges):
    """Cropland components: a networkx graph of cropland and bridge nodes."""
    area = parcels.geometry.area.values
    perimeter = parcels.geometry.length.values
    cropland = parcels["DLBM"].isin(CROPLAND).values
    bridge = parcels["DLBM"].str.rstrip("Kk").isin(BRIDGES).values & (perimeter > 0) & (2 * area / np.where(perimeter > 0, perimeter, 1) <= 8.0)
    g = nx.Graph()
    g.add_nodes_from(np.flatnonzero(cropland).tolist())
    for i, j, length in edges:
        if length < 5.0:
            continue
        if cropland[i] and cropland[j]:
            g.add_edge(i, j)
        elif bridge[i] and cropland[j]:
            g.add_edge(("bridge", i), j)
        elif bridge[j] and cropland[i]:
            g.add_edge(("bridge", j), i)
    comps = []
    for c in nx.connected_components(g):
        members = sorted(k for k in c if not isinstance(k, tuple))
        if members:
            comps.append(members)
    comps.sort(key=lambda m: m[0])
    block_m2 = {}
    first = {}
    for m in comps:
        total = float(sum(area[k] for k in m))
        for k in m:
            block_m2[k], first[k] = total, m[0]
    return comps, first, block_m2


def solve(areas_cm2, qualities, required, q_bound):
    """min Σ a x, Σ a x ≥ required, Σ a (q − Q) x ≤ 0 (when q_bound), x binary."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.setOptionValue("time_limit", 600.0)
    n = len(areas_cm2)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.col_cost_ = np.array(areas_cm2, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    rows = [(required, inf, areas_cm2)]
    if q_bound is not None:
        rows.append((-inf, 0.0, [a * (q - q_bound) for a, q in zip(areas_cm2, qualities)]))
    lp.num_row_ = len(rows)
    lp.row_lower_ = np.array([r[0] for r in rows], dtype=float)
    lp.row_upper_ = np.array([r[1] for r in rows], dtype=float)
    matrix = highspy.HighsSparseMatrix()
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_row_, matrix.num_col_ = len(rows), n
    starts, index, value = [0], [], []
    for r in rows:
        index.extend(range(n))
        value.extend(float(v) for v in r[2])
        starts.append(len(index))
    matrix.start_, matrix.index_, matrix.value_ = starts, index, value
    lp.a_matrix_ = matrix
    h.passModel(lp)
    started = time.time()
    h.run()
    seconds = time.time() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if status != "Optimal" and status != "Time limit reached":
        return {"status": status, "seconds": seconds}
    chosen = [v > 0.5 for v in h.getSolution().col_value]
    return {
        "status": status,
        "objective_m2": round(info.objective_function_value / 100.0, 6),
        "dual_bound_m2": round(info.mip_dual_bound / 100.0, 6),
        "gap": info.mip_gap,
        "chosen_cm2": int(sum(a for a, c in zip(areas_cm2, chosen) if c)),
        "seconds": round(seconds, 2),
    }


def balance(parcels, out, eligible, unit_of):
    """Each unit's MILP, like the rule: units with 调出 only."""
    official = parcels["TBMJ"].fillna(parcels.geometry.area).values
    quality = parcels["GDDB"].values.astype(float)
    units = {}
    for i in np.flatnonzero(out | eligible):
        units.setdefault(unit_of(i), []).append(i)
    answers = {}
    for code, members in sorted(units.items()):
        outs = [i for i in members if out[i]]
        if not outs:
            continue
        cands = [i for i in members if eligible[i]]
        out_m2 = float(sum(official[i] for i in outs))
        q_bound = float(sum(official[i] * quality[i] for i in outs)) / out_m2
        required = math.ceil(round(100.0 * 1.05 * out_m2, 6))
        areas = [int(round(official[i] * 100.0)) for i in cands]
        qualities = [quality[i] for i in cands]
        row = {"out_count": len(outs), "out_m2": round(out_m2, 2), "candidates": len(cands),
               "candidates_m2": sum(areas) / 100.0, "required_cm2": required, "quality_bound": q_bound}
        if sum(areas) < required:
            row.update({"status": "deficit", "objective_m2": sum(areas) / 100.0, "dual_bound_m2": sum(areas) / 100.0})
        else:
            answer = solve(areas, qualities, required, q_bound)
            if answer["status"] == "Infeasible":
                answer = solve(areas, qualities, required, None)
                answer["status"] = "quality_infeasible: " + answer["status"]
            row.update(answer)
        answers[code] = row
        print(code, row, file=sys.stderr)
    return answers


def swap_units(parcels):
    """The swap (village scope): each village whose own eligible land (the run's swap in +
    reserve) can cover its 流出 balances from it alone, by the least area no steeper on
    average than what leaves; highspy's least area for each such village."""
    area_cm2 = [int(round(a * 100.0)) for a in parcels.geometry.area]
    grade = parcels["grade"].values.astype(float)
    answers = {}
    for code, unit in parcels.groupby("ZLDWDM"):
        outs = [i for i in unit.index if parcels.at[i, "swap"] == "out"]
        pool = [i for i in unit.index if parcels.at[i, "swap"] in ("in", "reserve")]
        if not outs or sum(area_cm2[i] for i in pool) < sum(area_cm2[i] for i in outs):
            continue
        out_m2 = sum(parcels.geometry.area[i] for i in outs)
        g_bound = sum(parcels.geometry.area[i] * grade[i] for i in outs) / out_m2
        row = {"out_count": len(outs), "candidates": len(pool), "required_cm2": sum(area_cm2[i] for i in outs), "grade_bound": g_bound}
        row.update(solve([area_cm2[i] for i in pool], [grade[i] for i in pool], row["required_cm2"], g_bound))
        answers[code] = row
        print("swap", code, row, file=sys.stderr)
    return answers


def main():
    with tempfile.TemporaryDirectory() as tmp:
        parcels = region(tmp)
    geoms = np.array(parcels.geometry.values)
    edges = pairs(geoms)
    comps, first, block_m2 = blocks(parcels, edges)
    n = len(parcels)
    cropland = parcels["DLBM"].isin(CROPLAND).values
    grade = parcels["grade"].values
    share = {r: parcels[r].values for r in ROLES}
    in_pbf = share["basic_farmland"] >= 0.5
    urban = share["urban_boundary"] >= 0.5
    scattered = np.array([cropland[i] and block_m2[i] < 6666.7 for i in range(n)])
    out = in_pbf & ~urban & ((grade == 5) | ~cropland | scattered | (share["pbf_out"] >= 0.5))
    keep = in_pbf & ~out
    shared_keep = np.zeros(n)
    for i, j, length in edges:
        if keep[j]:
            shared_keep[i] += length
        if keep[i]:
            shared_keep[j] += length
    official = parcels["TBMJ"].fillna(parcels.geometry.area).values
    eligible = (cropland & ~in_pbf & (grade >= 1) & (grade <= 3) & (official >= 666.67) & parcels["GDDB"].notna().values
                & (share["red_line"] < 0.5) & (share["urban_boundary"] < 0.5)
                & ((share["high_standard"] >= 0.5) | (shared_keep >= 5.0)))
    ids = parcels["BSM"].values
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "out.csv"), "w") as f:
        f.write("id\n" + "".join(f"{ids[i]}\n" for i in np.flatnonzero(out)))
    with open(os.path.join(OUT, "eligible.csv"), "w") as f:
        f.write("id\n" + "".join(f"{ids[i]}\n" for i in np.flatnonzero(eligible)))
    with open(os.path.join(OUT, "blocks.csv"), "w") as f:
        f.write("id,block,block_m2\n")
        for i in np.flatnonzero(cropland):
            f.write(f"{ids[i]},{ids[first[i]]},{block_m2[i]:.6f}\n")
    village = parcels["ZLDWDM"].values
    milp = {
        "region": {"parcels": n, "area_m2": round(float(parcels.geometry.area.sum()), 3),
                   "grades": {str(g): int((grade == g).sum()) for g in range(0, 6)}},
        "counts": {"out": int(out.sum()), "keep": int(keep.sum()), "eligible": int(eligible.sum()),
                   "blocks": len(comps), "blocks_100_mu": sum(1 for m in comps if sum(geoms[k].area for k in m) / M2_PER_MU >= 100),
                   "out_urban_kept": int((in_pbf & urban).sum())},
        "county": balance(parcels, out, eligible, lambda i: "county"),
        "township": balance(parcels, out, eligible, lambda i: village[i][:12]),
        "swap": swap_units(parcels),
    }
    with open(os.path.join(OUT, "milp.json"), "w") as f:
        json.dump(milp, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(milp["counts"]), file=sys.stderr)


if __name__ == "__main__":
    main()
