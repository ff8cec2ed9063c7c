#!/usr/bin/env python3
"""Reference answers of 项目库 (#31) with pandas and shapely: the projects of a run
recomputed from the INPUT parcels of a region (scripts/projects_region.sh:
parcels.gpkg, controls.gpkg) and the run's settings (manifest.json), with, from the run's
GeoPackage, only what the other rules decide and other tests check: each rule's candidate
layer (reforestation, swap, merge, restore, develop, reclamation, pbf, ecological
restoration), the new cropland per parcel and source (cropland_supply: tests/supply.rs)
and the 增减挂钩 ledger's 节余 and reward per village (linkage_ledger).

  members      per type, the parcels of its rule's layers (农用地整理: merge_candidates and
               the 土地整理 supply; 复耕: cropland_restore by phase_no and its supply;
               未利用地开发: cropland_develop; 增减挂钩: reclamation_candidates; 退耕还林:
               reforestation_candidates; 林耕置换: swap_out (out), swap_in (in); 永久基本农田
               调整: pbf_out (out), pbf_in (in); 生态修复: ecological_restoration), and
               every cropland_supply parcel of the type's source
  unit         the parcel's ZLDWDM, or with projects.unit = "cluster" its
               villages.clusters name (未分片区 when not listed); project id = code-unit
  quantities   cm² of round(100 TBMJ) summed over distinct members (调入 / 调出 over the
               members on each side); 新增耕地 = Σ round(100 new_m2) of the type's source;
               节余 and reward: the ledger's village rows summed per unit (增减挂钩)
  money        分: unit cost × area / 66 667 rounded half up; 补充耕地 price × 新增耕地
               (农用地整理, 复耕, 未利用地开发); 节余 price × (节余, reward)
  priority     tier 1: 增减挂钩 with a member ≥ min_share inside the hazard layer (shapely
               area share); 2: 复耕（即可恢复）; 3: the rest; then 新增耕地 / investment
               descending (cross-multiplied integers), then id
  phases       in that order, the earliest phase within both caps, else unscheduled
  funding      per phase (and unscheduled) the sums of its projects; total

    python scripts/projects_reference.py REGION RUN_DIR OUT_JSON
"""
import functools
import json
import os
import sys

import geopandas as gpd
import pandas as pd

CM2_PER_MU = 66_667
KINDS = ["NZ", "FG1", "FG2", "KF", "ZJ", "TG", "LG", "JN", "ST"]
COST_KEYS = ["consolidation", "restore_immediate", "restore_engineering", "develop", "linkage",
             "reforestation", "swap", "pbf", "eco_restoration"]
SELLS_SUPPLEMENT = {"NZ", "FG1", "FG2", "KF"}
SOURCE_KIND = {"consolidation": "NZ", "restore_immediate": "FG1", "restore_engineering": "FG2",
               "develop": "KF", "linkage": "ZJ", "swap": "LG"}


def fen(yuan):
    return int(round(yuan * 100))


def per_mu(fen_per_mu, cm2):
    return (fen_per_mu * cm2 + CM2_PER_MU // 2) // CM2_PER_MU


def layer_ids(gpkg, name, where=None):
    df = gpd.read_file(gpkg, layer=name, ignore_geometry=True)
    if where is not None:
        df = df[where(df)]
    return list(df["parcel_id"].astype(str))


def members(gpkg):
    """(kind, parcel id) → side ("in", "out" or None), and (kind, id) → new cropland cm²."""
    supply = gpd.read_file(gpkg, layer="cropland_supply", ignore_geometry=True)
    side, new = {}, {}
    for _, r in supply.iterrows():
        kind = SOURCE_KIND.get(r["source"])
        if kind:
            key = (kind, str(r["parcel_id"]))
            side.setdefault(key, "in" if kind == "LG" else None)
            new[key] = new.get(key, 0) + int(round(r["new_m2"] * 100))
    plain = [("NZ", "merge_candidates", None), ("FG1", "cropland_restore", lambda d: d["phase_no"] == 1),
             ("FG2", "cropland_restore", lambda d: d["phase_no"] == 2), ("KF", "cropland_develop", None),
             ("ZJ", "reclamation_candidates", None), ("TG", "reforestation_candidates", None),
             ("ST", "ecological_restoration", None)]
    for kind, name, where in plain:
        for pid in layer_ids(gpkg, name, where):
            side.setdefault((kind, pid), None)
    for kind, name, s in [("LG", "swap_out", "out"), ("LG", "swap_in", "in"), ("JN", "pbf_out", "out"), ("JN", "pbf_in", "in")]:
        for pid in layer_ids(gpkg, name):
            side[(kind, pid)] = s
    return side, new


def unit_of(settings, code, name):
    if settings["projects"]["unit"] == "cluster":
        c = settings["villages"]["clusters"].get(code, "未分片区")
        return c, c
    return code, name


def hazard_shares(region, parcels, settings):
    """Parcel id → whether it lies at least min_share inside a hazard-role constraint."""
    flagged = set()
    for c in settings["constraints"]:
        if c.get("role") != "hazard":
            continue
        zone = gpd.read_file(os.path.join(region, "controls.gpkg"), layer=c["layer"]).to_crs(parcels.crs).union_all()
        share = parcels.geometry.intersection(zone).area / parcels.geometry.area
        flagged |= set(parcels.loc[(share > 0) & (share >= c.get("min_share", 0.5)), "BSM"].astype(str))
    return flagged


def build(region, run_dir):
    settings = json.load(open(os.path.join(run_dir, "manifest.json"), encoding="utf-8"))["settings"]
    gpkg = os.path.join(run_dir, "landcons.gpkg")
    parcels = gpd.read_file(os.path.join(region, "parcels.gpkg"))
    parcels["BSM"] = parcels["BSM"].astype(str)
    by_id = parcels.set_index("BSM")
    area = {pid: int(round((r["TBMJ"] if pd.notna(r["TBMJ"]) else r.geometry.area) * 100)) for pid, r in by_id.iterrows()}
    side, new = members(gpkg)
    projects, member_list = {}, {}
    for (kind, pid), s in sorted(side.items()):
        code, name = str(by_id.at[pid, "ZLDWDM"]), str(by_id.at[pid, "ZLDWMC"])
        ucode, uname = unit_of(settings, code, name)
        pid_ = "%s-%s" % (kind, ucode)
        p = projects.setdefault(pid_, {"type_code": kind, "unit_code": ucode, "unit_name": uname, "parcels": 0, "area_cm2": 0,
                                       "in_cm2": 0, "out_cm2": 0, "new_cm2": 0, "surplus_cm2": 0, "reward_cm2": 0, "members": []})
        p["parcels"] += 1
        p["area_cm2"] += area[pid]
        if s:
            p[s + "_cm2"] += area[pid]
        p["new_cm2"] += new.get((kind, pid), 0)
        p["members"].append(pid)
        member_list.setdefault(pid_, []).append([pid, s])
    ledger = gpd.read_file(gpkg, layer="linkage_ledger", ignore_geometry=True)
    for _, r in ledger[ledger["level"] == "village"].iterrows():
        ucode, _ = unit_of(settings, str(r["code"]), "")
        p = projects.get("ZJ-" + ucode)
        if p:
            p["surplus_cm2"] += int(round(r["surplus_m2"] * 100))
            p["reward_cm2"] += int(round(r["reward_m2"] * 100))
    flagged = hazard_shares(region, parcels, settings)
    price(projects, settings, flagged)
    schedule(projects, settings)
    for p in projects.values():
        del p["members"]
    return projects, member_list, funding(projects, settings)


def price(projects, settings, flagged):
    s = settings["projects"]
    costs = dict(zip(KINDS, (fen(s["unit_costs"][k]) for k in COST_KEYS)))
    supplement, linkage = fen(s["prices"]["supplement_yuan_per_mu"]), fen(s["prices"]["linkage_wan_per_mu"] * 10_000)
    for p in projects.values():
        k = p["type_code"]
        p["invest_fen"] = per_mu(costs[k], p["area_cm2"])
        p["supplement_fen"] = per_mu(supplement, p["new_cm2"]) if k in SELLS_SUPPLEMENT else 0
        p["linkage_fen"] = per_mu(linkage, p["surplus_cm2"])
        p["reward_fen"] = per_mu(linkage, p["reward_cm2"])
        p["hazard"] = k == "ZJ" and any(m in flagged for m in p["members"])
        p["tier"] = 1 if p["hazard"] else 2 if k == "FG1" else 3


def schedule(projects, settings):
    s = settings["projects"]
    cap_fen = None if s["phase_cap_wan"] is None else fen(s["phase_cap_wan"] * 10_000)
    cap_cm2 = None if s["phase_cap_mu"] is None else int(round(s["phase_cap_mu"] * CM2_PER_MU))

    def order(a, b):
        pa, pb = projects[a], projects[b]
        if pa["tier"] != pb["tier"]:
            return pa["tier"] - pb["tier"]
        x, y = pa["new_cm2"] * pb["invest_fen"], pb["new_cm2"] * pa["invest_fen"]
        if x != y:
            return -1 if x > y else 1
        return -1 if a < b else (1 if a > b else 0)

    used = [[0, 0] for _ in s["phases"]]
    for rank, pid in enumerate(sorted(projects, key=functools.cmp_to_key(order)), start=1):
        p = projects[pid]
        p["rank"], p["phase"] = rank, "unscheduled"
        for f, u in enumerate(used):
            if (cap_fen is None or u[0] + p["invest_fen"] <= cap_fen) and (cap_cm2 is None or u[1] + p["area_cm2"] <= cap_cm2):
                u[0] += p["invest_fen"]
                u[1] += p["area_cm2"]
                p["phase"] = str(s["phases"][f])
                break


def funding(projects, settings):
    rows = {str(y): {"projects": 0, "invest_fen": 0, "supplement_fen": 0, "linkage_fen": 0, "reward_fen": 0} for y in settings["projects"]["phases"]}
    for p in projects.values():
        r = rows.setdefault(p["phase"], {"projects": 0, "invest_fen": 0, "supplement_fen": 0, "linkage_fen": 0, "reward_fen": 0})
        r["projects"] += 1
        for k in ("invest_fen", "supplement_fen", "linkage_fen", "reward_fen"):
            r[k] += p[k]
    rows["total"] = {k: sum(r[k] for r in rows.values()) for k in ("projects", "invest_fen", "supplement_fen", "linkage_fen", "reward_fen")}
    return rows


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    region, run_dir, out = sys.argv[1:]
    projects, member_list, rows = build(region, run_dir)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"projects": projects, "members": member_list, "funding": rows}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
