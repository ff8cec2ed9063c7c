#!/usr/bin/env python3
"""Reference 用地结构调整表 for a landcons run, from pandas, written independently of landcons.

Usage: land_use_reference.py PARCELS RESULTS_GPKG [CLUSTERS_JSON]

From the input parcels (any OGR source; read with pyogrio, attributes only) and the run's
candidate layers (which parcels the plan moves, and where to):

  * each parcel's planning class by its DLBM (the longest matching prefix of the table
    below, a 'K' suffix ignored) and CZCSXM (201/202 城镇, 203 村庄, 204/205 其他建设用地,
    for construction land only);
  * its planned class: 'forest' for reforestation candidates and swap_out, 'cropland' for
    swap_in, 宜耕 reclamation candidates 'cropland' and 宜林 'forest'; where the run has
    the supply layers (#29), 'cropland' for cropland_restore and cropland_develop and the
    target class of ecological_restoration (later rules win, as in tests/indicators.rs);
    土地整理's 田坎 parcels (cropland_supply rows of source 'consolidation' on land that is
    not cropland) 'cropland';
  * areas: TBMJ; cropland net of 田坎 (TBMJ × KCXS, rounded to 0.01 m²), the 田坎 in
    'other' while the parcel stays cropland, but for the 田坎 土地整理 recovers on it
    (cropland_supply's new_m2 of source 'consolidation' on cropland that stays), which
    moves from 'other' to 'cropland' in the plan; land changing class counts whole;
  * pandas groupby sums per village, township (first 9 digits), cluster and total.

Prints JSON: {"parcels": {BSM: [current, planned]}, "rows": [[level, code, class,
current_m2, planned_m2], ...]}. tests/land_use.rs compares landcons's table with it.
"""
import json
import sys

import numpy as np
import pandas as pd
import pyogrio

CODES = {
    "cropland": ["0101", "0102", "0103"],
    "garden": ["02"],
    "forest": ["0301", "0302", "0305", "0307"],
    "grassland": ["0401", "0403", "0404"],
    "wetland": ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"],
    "agri_facility": ["1006", "1202"],
    "urban": ["0701"],
    "village": ["0702"],
    "infrastructure": ["1001", "1002", "1003", "1007", "1008", "1009", "1109"],
    "other_construction": ["05", "0601", "0602", "0604", "08", "09", "1004", "1005", "1201"],
    "water": ["1101", "1102", "1103", "1104", "1107", "1110"],
}
SETTLEMENT = {"201": "urban", "202": "urban", "203": "village", "204": "other_construction", "205": "other_construction"}


def class_of(code, czcsxm):
    code = str(code or "").strip().rstrip("Kk")
    best, length = "other", 0
    for name, prefixes in CODES.items():
        for p in prefixes:
            if code.startswith(p) and len(p) > length:
                best, length = name, len(p)
    cz = str(czcsxm or "").strip()
    if best in ("urban", "village", "other_construction") and cz[:3] in SETTLEMENT:
        return SETTLEMENT[cz[:3]]
    return best


def table(path, layer=None, columns=None):
    """A layer's attributes as a pandas DataFrame (pyogrio's raw reader, no geometry)."""
    meta, _, _, data = pyogrio.raw.read(path, layer=layer, columns=columns, read_geometry=False)
    return pd.DataFrame(dict(zip(meta["fields"], data)))


def layer_names(gpkg):
    return {name for name, _ in pyogrio.list_layers(gpkg)}


def consolidation(gpkg):
    """土地整理's rows of cropland_supply: {parcel_id: new cropland m²}, empty without it."""
    if "cropland_supply" not in layer_names(gpkg):
        return {}
    rows = table(gpkg, "cropland_supply", ["parcel_id", "source", "new_m2"])
    rows = rows[rows["source"] == "consolidation"]
    return rows.groupby(rows["parcel_id"].astype(str))["new_m2"].sum().to_dict()


def moves(gpkg, recovered):
    out = {}
    layers = layer_names(gpkg)

    def ids(layer, cols=("parcel_id",)):
        if layer not in layers:
            return pd.DataFrame(columns=list(cols))
        return table(gpkg, layer, list(cols))

    # 复耕 and 未利用地开发, 生态修复 (the supply rules of #29, when the run has them).
    for layer in ("cropland_restore", "cropland_develop"):
        for pid in ids(layer)["parcel_id"]:
            out[str(pid)] = "cropland"
    eco = ids("ecological_restoration", ("parcel_id", "target_class"))
    for pid, target in zip(eco["parcel_id"], eco["target_class"]):
        out[str(pid)] = target if target in ("grassland", "wetland") else "forest"
    rec = ids("reclamation_candidates", ("parcel_id", "direction"))
    for pid, d in zip(rec["parcel_id"], rec["direction"]):
        out[str(pid)] = "cropland" if d == "宜耕" else "forest"
    for pid in ids("swap_in")["parcel_id"]:
        out[str(pid)] = "cropland"
    for layer in ("reforestation_candidates", "swap_out"):
        for pid in ids(layer)["parcel_id"]:
            out[str(pid)] = "forest"
    # 土地整理's 田坎 parcels, which no other rule changes (its recovered 田坎 on cropland
    # that stays cropland is no move: main() counts it).
    for pid, current in recovered.items():
        if current != "cropland":
            out[pid] = "cropland"
    return out


def main():
    parcels, gpkg = sys.argv[1], sys.argv[2]
    clusters = json.loads(open(sys.argv[3]).read()) if len(sys.argv) > 3 else {}
    df = table(parcels)
    cz = df["CZCSXM"] if "CZCSXM" in df else pd.Series([""] * len(df))
    df["current"] = [class_of(c, z) for c, z in zip(df["DLBM"], cz)]
    df["BSM"] = df["BSM"].astype(str)
    gains = consolidation(gpkg)
    now = dict(zip(df["BSM"], df["current"]))
    to = moves(gpkg, {b: now.get(b) for b in gains})
    df["planned"] = [to.get(b, c) for b, c in zip(df["BSM"], df["current"])]
    tbmj = df["TBMJ"].astype(float)
    kcxs = df["KCXS"].astype(float).fillna(0.0) if "KCXS" in df else 0.0
    tiankan = np.where(df["current"] == "cropland", np.round(tbmj * kcxs, 2), 0.0)
    stays = df["planned"] == df["current"]
    gain = np.where(stays & (df["current"] == "cropland"), df["BSM"].map(gains).fillna(0.0).astype(float), 0.0)
    parts = [
        pd.DataFrame({"v": df["ZLDWDM"], "class": df["current"], "current": tbmj - tiankan, "planned": 0.0}),
        pd.DataFrame({"v": df["ZLDWDM"], "class": "other", "current": tiankan, "planned": np.where(stays, tiankan - gain, 0.0)}),
        pd.DataFrame({"v": df["ZLDWDM"], "class": df["planned"], "current": 0.0, "planned": np.where(stays, tbmj - tiankan + gain, tbmj)}),
    ]
    long = pd.concat(parts, ignore_index=True)
    long["township"] = long["v"].str[:9]
    long["cluster"] = long["v"].map(lambda v: clusters.get(v, "未分片区"))
    long["total"] = "total"
    rows = []
    for level, key in (("village", "v"), ("cluster", "cluster"), ("township", "township"), ("total", "total")):
        g = long.groupby([key, "class"])[["current", "planned"]].sum()
        for (code, cls), r in g.iterrows():
            rows.append([level, code, cls, round(float(r["current"]), 4), round(float(r["planned"]), 4)])
    out = {"parcels": {b: [c, p] for b, c, p in zip(df["BSM"], df["current"], df["planned"])}, "rows": rows}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
