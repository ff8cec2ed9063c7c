#!/usr/bin/env python3
"""Independent plan progress (规划实施进度, #32 item 2) with geopandas/shapely: a landcons
run's plan (the baseline) against a later survey.

  progress_reference.py BASELINE.gpkg NEW_SURVEY OUT.json [MIN_SHARE [MIN_PIECE_M2]]

From the baseline run's `parcels` layer (BSM, ZLDWDM/ZLDWMC, DLBM, class_current,
class_planned, plan_rule) and the new survey (its planning class by DLBM/CZCSXM from
land_use_reference.class_of, the default code table):

  * the GEOS overlay (geopandas.overlay, how="intersection") of the two;
  * each parcel the plan changes (plan_rule set, class_planned != class_current):
    share_planned = area of its pieces now in class_planned / its area, share_old = in
    class_current, share_other = in any other class, share_uncovered = the rest;
    status carried_out if share_planned >= MIN_SHARE (0.5), else contrary if
    share_other >= MIN_SHARE, else not_yet;
  * every piece of a parcel the plan leaves whose new class differs from its
    class_current and is cropland, forest, grassland or wetland: changed outside the plan,
    in the new parcel's village, under the class it moved into — a piece of at least
    MIN_PIECE_M2 (1 m²; smaller ones are slivers of boundaries drawn again);
  * the table: per (village, kind — plan_rule or "outside" —, class) the count and area of
    planned, carried_out, not_yet, contrary and outside items, each item's area taken to
    0.01 m² (as printed); rows per (kind, class) over all villages; the total.

OUT.json: {"parcels": {BSM: {status, kind, area_m2, shares: [planned, old, other,
uncovered]}}, "outside": [[new BSM, baseline BSM, class, village, area_m2]], "rows":
{"level|village|kind|class": {"planned": [count, m2], "carried_out": ..., ...}}}.
"""
import json
import os
import sys
from collections import defaultdict

import geopandas as gpd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from land_use_reference import class_of  # noqa: E402

TARGETS = {"cropland", "forest", "grassland", "wetland"}
TALLIES = ["planned", "carried_out", "not_yet", "contrary", "outside"]


def hundredths(m2):
    return int(round(m2 * 100.0))


def read(baseline, survey):
    base = gpd.read_file(baseline, layer="parcels")
    base = base[["BSM", "DLBM", "ZLDWDM", "ZLDWMC", "class_current", "class_planned", "plan_rule", "geometry"]].reset_index(names="bi")
    base["planned"] = base["plan_rule"].notna() & (base["class_current"] != base["class_planned"])
    new = gpd.read_file(survey)
    cz = new["CZCSXM"] if "CZCSXM" in new.columns else [""] * len(new)
    new["cls"] = [class_of(c, z) for c, z in zip(new["DLBM"], cz)]
    new = new[["BSM", "ZLDWDM", "ZLDWMC", "cls", "geometry"]].reset_index(names="ni")
    return base, new


def assess(base, pieces, min_share):
    """Each planned parcel's shares and status."""
    out = {}
    by_parcel = pieces.groupby("bi")
    for r in base[base["planned"]].itertuples():
        area = r.geometry.area
        mine = by_parcel.get_group(r.bi) if r.bi in by_parcel.groups else pieces.iloc[0:0]
        planned = mine.loc[mine["cls"] == r.class_planned, "area"].sum()
        old = mine.loc[mine["cls"] == r.class_current, "area"].sum()
        other = mine["area"].sum() - planned - old
        shares = [planned / area, old / area, other / area, max(0.0, 1.0 - mine["area"].sum() / area)]
        status = "carried_out" if shares[0] >= min_share else "contrary" if shares[2] >= min_share else "not_yet"
        out[r.BSM] = {"status": status, "kind": r.plan_rule, "class": r.class_planned, "village": r.ZLDWDM, "area_m2": area, "shares": shares}
    return out


def table(parcels, outside):
    rows = defaultdict(lambda: {t: [0, 0] for t in TALLIES})

    def add(village, kind, cls, tallies, area):
        for key in (f"village|{village}|{kind}|{cls}", f"rule||{kind}|{cls}", "total|||"):
            for t in tallies:
                rows[key][t][0] += 1
                rows[key][t][1] += hundredths(area)

    for p in parcels.values():
        add(p["village"], p["kind"], p["class"], ["planned", p["status"]], p["area_m2"])
    for _new, _old, cls, village, area in outside:
        add(village, "outside", cls, ["outside"], area)
    return {k: {t: [c, a / 100.0] for t, (c, a) in v.items()} for k, v in rows.items()}


def main(baseline, survey, out_path, min_share=0.5, min_piece_m2=1.0):
    base, new = read(baseline, survey)
    cols_b = base[["bi", "BSM", "class_current", "planned", "geometry"]]
    cols_n = new[["ni", "BSM", "ZLDWDM", "cls", "geometry"]]
    pieces = gpd.overlay(cols_b, cols_n, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    parcels = assess(base, pieces, min_share)
    moved = pieces[~pieces["planned"] & (pieces["cls"] != pieces["class_current"]) & pieces["cls"].isin(TARGETS) & (pieces["area"] >= min_piece_m2)]
    outside = [[r.BSM_2, r.BSM_1, r.cls, r.ZLDWDM, r.area] for r in moved.itertuples()]
    result = {"parcels": parcels, "outside": outside, "rows": table(parcels, outside), "smallest_piece_m2": float(pieces["area"].min())}
    with open(out_path, "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    numbers = [float(a) for a in sys.argv[4:6]]
    main(*sys.argv[1:4], *numbers)
