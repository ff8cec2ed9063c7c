#!/usr/bin/python3
"""Opens landcons results in QGIS itself (headless) and checks that they read the way a
Chinese planning team works: every layer of the GeoPackage valid and styled from its
default style; Chinese aliases (with units) on every field of every candidate layer;
value maps on land use, grades and flags that name the codes; Chinese legends; the
slope rasters styled from their .qml side-cars, the grade legend being exactly the five
named grades; the villages layer labelled. Optionally renders a PNG of the map.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py OUT_DIR [PNG] [--language zh|en]

Prints a JSON summary on stdout; exits 1 when a check failed (listed under "errors").
Needs Debian's python3-qgis, run with Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import sqlite3
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication, QgsMapRendererCustomPainterJob, QgsMapSettings, QgsRasterLayer,
    QgsRectangle, QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage, QPainter  # noqa: E402

CANDIDATES = ["reforestation_candidates", "swap_out", "swap_in", "merge_candidates", "reclamation_candidates"]
CJK = re.compile(r"[\u4e00-\u9fff]")
# (layer, field, stored value, the name it must show as), per language
NAMED_VALUES = {
    "zh": [("reforestation_candidates", "land_use", "0103", "旱地"), ("reforestation_candidates", "grade", 5, "五级（>25°）"),
           ("swap_in", "land_use", "0201K", "果园（可调整）"), ("parcels", "DLBM", "1104", "坑塘水面"),
           ("parcels", "grade", 1, "一级（≤2°）"), ("parcels", "is_cropland", 1, "是"), ("parcels", "swap", "reserve", "储备"),
           ("topology_issues", "kind", "contains", "包含")],
    "en": [("reforestation_candidates", "land_use", "0103", "dry land"), ("reforestation_candidates", "grade", 5, "grade 5 (>25°)"),
           ("parcels", "is_cropland", 0, "no")],
}
ALIASES = {"zh": {"area_mu": "面积（亩）", "slope_mean": "平均坡度（°）", "land_use_name": "地类名称"},
           "en": {"area_mu": "area (mu)", "slope_mean": "slope mean (°)"}}
LEGENDS = {"zh": {"parcels": ["一级（≤2°）", "二级（2–6°）", "三级（6–15°）", "四级（15–25°）", "五级（>25°）", "无坡度数据"],
                  "changes_reforestation": ["新增", "移除", "变化"]},
           "en": {"parcels": ["grade 1 (≤2°)", "grade 2 (2–6°)", "grade 3 (6–15°)", "grade 4 (15–25°)", "grade 5 (>25°)", "no slope data"]}}


class Report:
    def __init__(self):
        self.data = {"errors": [], "layers": {}}

    def check(self, cond, msg):
        if not cond:
            self.data["errors"].append(msg)
        return cond


def represent(layer, field, value):
    """What QGIS shows for `value` of `field` (through its editor widget's formatter)."""
    i = layer.fields().indexOf(field)
    setup = layer.editorWidgetSetup(i)
    formatter = QgsApplication.fieldFormatterRegistry().fieldFormatter(setup.type())
    return formatter.representValue(layer, i, setup.config(), None, value)


def check_vector(rep, gpkg, name, spatial, lang):
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    msg, styled = layer.loadDefaultStyle()
    info = {"valid": layer.isValid(), "styled": styled, "features": layer.featureCount()}
    rep.check(layer.isValid(), f"layer {name} is not valid")
    rep.check(styled, f"layer {name}: no default style in layer_styles ({msg})")
    fields = layer.fields()
    aliases = {f.name(): layer.attributeAlias(i) for i, f in enumerate(fields)}
    info["aliases"] = sum(1 for a in aliases.values() if a)
    info["value_maps"] = sorted(f.name() for i, f in enumerate(fields) if layer.editorWidgetSetup(i).type() == "ValueMap")
    rep.check(info["aliases"] == len(fields), f"layer {name}: fields without an alias: {[n for n, a in aliases.items() if not a]}")
    if spatial:
        renderer = layer.renderer()
        info["renderer"] = renderer.type() if renderer else None
        rep.check(renderer is not None and layer.crs().isValid(), f"layer {name}: no renderer or no CRS")
        if renderer is not None and renderer.type() == "categorizedSymbol":
            info["legend"] = [c.label() for c in renderer.categories()]
        info["labels"] = layer.labelsEnabled()
    return layer, info, aliases


def check_candidates(rep, layers, lang):
    for name in CANDIDATES:
        if name not in layers:
            continue
        layer, info, aliases = layers[name]
        without = [f for f, a in aliases.items() if not a or (lang == "zh" and not CJK.search(a))]
        rep.check(not without, f"{name}: fields without a Chinese alias: {without}")
        for field in ("land_use", "grade"):
            rep.check(field in info["value_maps"], f"{name}: no value map on {field}")
        for field, alias in ALIASES[lang].items():
            if field in aliases:
                rep.check(aliases[field] == alias, f"{name}: alias of {field} is {aliases[field]!r}, not {alias!r}")
        rep.check("land_use_name" in aliases, f"{name}: no land_use_name field")
        names = [f["land_use_name"] for f in layer.getFeatures()]
        rep.check(all(names), f"{name}: features without a land-use name")


def check_values_and_legends(rep, layers, lang):
    for name, field, value, shown in NAMED_VALUES[lang]:
        if name in layers:
            got = represent(layers[name][0], field, value)
            rep.check(got == shown, f"{name}.{field} = {value!r} shows as {got!r}, not {shown!r}")
    for name, labels in LEGENDS[lang].items():
        if name in layers:
            got = layers[name][1].get("legend")
            rep.check(got == labels, f"{name}: legend {got}, expected {labels}")


def check_rasters(rep, out):
    grade = QgsRasterLayer(os.path.join(out, "slope_grade.tif"), "slope_grade")
    items = [label for label, _ in grade.legendSymbologyItems()] if grade.isValid() else []
    info = {"valid": grade.isValid(), "renderer": grade.renderer().type() if grade.renderer() else None, "legend": items}
    rep.check(grade.isValid() and info["renderer"] == "paletted", f"slope_grade.tif: {info}")
    rep.check(len(items) == 5 and all(CJK.search(i) or i.startswith("grade") for i in items),
              f"slope_grade.tif legend is not the five named grades: {items}")
    table = grade.dataProvider().colorTable(1) if grade.isValid() else []
    info["colour_table_entries"] = len(table)
    rep.check(len(table) == 6, f"slope_grade.tif: colour table of {len(table)} entries, not 6")
    slope = QgsRasterLayer(os.path.join(out, "slope.tif"), "slope")
    info["slope_renderer"] = slope.renderer().type() if slope.isValid() and slope.renderer() else None
    rep.check(info["slope_renderer"] == "singlebandpseudocolor", f"slope.tif is not styled by slope.qml: {info['slope_renderer']}")
    rep.data["rasters"] = info


def render(layers, png):
    names = ["villages", "merge_groups", "reforestation_candidates", "swap_in", "parcels"]
    chosen = [layers[n][0] for n in names if n in layers]
    settings = QgsMapSettings()
    settings.setLayers(chosen)
    settings.setDestinationCrs(layers["parcels"][0].crs())
    extent = QgsRectangle(layers["parcels"][0].extent())
    extent.scale(1.02)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(1200, 960))
    settings.setBackgroundColor(QColor(255, 255, 255))
    image = QImage(settings.outputSize(), QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.start()
    job.waitForFinished()
    painter.end()
    return image.save(png)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("png", nargs="?")
    ap.add_argument("--language", choices=["zh", "en"], default="zh")
    args = ap.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    rep = Report()
    gpkg = os.path.join(args.out, "landcons.gpkg")
    with sqlite3.connect(gpkg) as db:
        tables = db.execute("SELECT table_name, data_type FROM gpkg_contents ORDER BY table_name").fetchall()
    layers = {}
    for name, kind in tables:
        if name == "layer_styles":
            continue
        layers[name] = check_vector(rep, gpkg, name, kind == "features", args.language)
        rep.data["layers"][name] = layers[name][1]
    check_candidates(rep, layers, args.language)
    check_values_and_legends(rep, layers, args.language)
    check_rasters(rep, args.out)
    if "villages" in layers:
        rep.check(layers["villages"][1].get("labels"), "villages are not labelled")
    if args.png:
        rep.check(render(layers, args.png), f"cannot save {args.png}")
    rep.data["ok"] = not rep.data["errors"]
    print(json.dumps(rep.data, ensure_ascii=False, indent=1))
    sys.stdout.flush()
    # QGIS can crash while tearing down its Qt objects at interpreter exit; the
    # checks are done, so leave without that teardown.
    os._exit(0 if rep.data["ok"] else 1)


if __name__ == "__main__":
    main()
