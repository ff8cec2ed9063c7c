#!/usr/bin/python3
"""Opens a landcons QGIS project (.qgz/.qgs) in real QGIS, headless, and checks it.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/check_project.py RESULTS/landcons.qgz \
        [--out DIR] [--relocate] [--expect-groups 结果,候选,底图] [--layouts overview,atlas] [--dpi 96]

Checks: the project reads; every layer is valid, with its source relative to the
project file; every layer is styled as its source style says (renderer type, field
aliases, editor widgets, labeling; the source style being the default style in the
GeoPackage's layer_styles table, a raster's .qml sidecar, or else the <maplayer> in
the project itself); the group names and order, the legend order; the map canvas
extent; the `overview`, `atlas` and (when the run made projects) `project_atlas` and `project_type_atlas`
layouts with their items; each atlas's texts and map per page. Exports the overview to
DIR/overview.png, each atlas to ONE multi-page DIR/<layout>.pdf (pages counted with
pdfinfo) and to one PNG per page named by the atlas filename expression
(DIR/<layout>_png/).

Prints a JSON summary on stdout and exits 1 when any check failed (the summary's
"errors"), 0 otherwise. --relocate first copies the project's folder elsewhere,
which proves the paths are relative. Needs /usr/bin/python3 with python3-qgis (the
Debian package); QT_QPA_PLATFORM defaults to offscreen.
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    Qgis, QgsApplication, QgsLayoutExporter, QgsLayoutItemLabel, QgsLayoutItemLegend,
    QgsLayoutItemMap, QgsLayoutItemPicture, QgsLayoutItemScaleBar, QgsMapLayer,
    QgsProject, QgsUnitTypes, QgsVectorLayer,
)
from qgis.gui import QgsMapCanvas  # noqa: E402
from qgis.PyQt.QtGui import QFont, QFontInfo  # noqa: E402

FONT = "WenQuanYi Micro Hei"
PAGE_SIZES = {"overview": (420, 297), "atlas": (297, 210), "project_atlas": (297, 210), "project_type_atlas": (297, 210)}
# The atlases checked page by page and exported, when the project has them.
ATLASES = ("atlas", "project_atlas", "project_type_atlas")


class Report:
    def __init__(self):
        self.data = {"errors": [], "warnings": []}

    def error(self, msg):
        self.data["errors"].append(msg)

    def warn(self, msg):
        self.data["warnings"].append(msg)

    def check(self, cond, msg):
        if not cond:
            self.error(msg)
        return cond


# --- expected styles --------------------------------------------------------------

def style_facts(root):
    """What a <qgis> style or a <maplayer> says about a layer's style."""
    facts = {}
    r = root.find("renderer-v2")
    if r is not None:
        facts["renderer"] = r.get("type")
    r = root.find("pipe/rasterrenderer")
    if r is not None:
        facts["renderer"] = r.get("type")
    facts["aliases"] = {a.get("field"): a.get("name") for a in root.findall("aliases/alias") if a.get("name")}
    facts["widgets"] = {
        f.get("name"): f.find("editWidget").get("type")
        for f in root.findall("fieldConfiguration/field")
        if f.find("editWidget") is not None and f.find("editWidget").get("type")
    }
    lab = root.find("labeling")
    if lab is not None and root.get("labelsEnabled", "1") == "1":
        facts["labeling"] = lab.get("type")
    return facts


def source_qml(layer, project_dir):
    """The layer's own default style: layer_styles row or .qml sidecar, with where."""
    src = layer.source()
    path, _, rest = src.partition("|")
    m = re.search(r"layername=([^|]+)", rest)
    if layer.providerType() == "ogr" and path.lower().endswith(".gpkg") and m:
        try:
            con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            row = con.execute(
                "SELECT styleQML FROM layer_styles WHERE f_table_name=? AND useAsDefault "
                "ORDER BY id DESC LIMIT 1", (m.group(1),)).fetchone()
            con.close()
        except sqlite3.Error:
            row = None
        if row and row[0]:
            return row[0], "layer_styles"
    sidecar = os.path.splitext(path)[0] + ".qml"
    if os.path.exists(sidecar):
        with open(sidecar, encoding="utf-8") as f:
            return f.read(), os.path.relpath(sidecar, project_dir)
    return None, None


def project_maplayers(project_path):
    """<maplayer> elements of the project file by layer id."""
    if project_path.lower().endswith(".qgz"):
        with zipfile.ZipFile(project_path) as z:
            name = next(n for n in z.namelist() if n.lower().endswith(".qgs"))
            text = z.read(name)
    else:
        with open(project_path, "rb") as f:
            text = f.read()
    root = ET.fromstring(text)
    return root, {ml.findtext("id"): ml for ml in root.iter("maplayer")}


def actual_facts(layer):
    facts = {}
    if layer.type() == QgsMapLayer.RasterLayer:
        facts["renderer"] = layer.renderer().type() if layer.renderer() else None
        return facts
    if layer.isSpatial() and layer.renderer():
        facts["renderer"] = layer.renderer().type()
    fields = layer.fields()
    facts["aliases"] = {f.name(): layer.attributeAlias(i) for i, f in enumerate(fields) if layer.attributeAlias(i)}
    facts["widgets"] = {f.name(): layer.editorWidgetSetup(i).type() for i, f in enumerate(fields) if layer.editorWidgetSetup(i).type()}
    if layer.labelsEnabled() and layer.labeling():
        facts["labeling"] = layer.labeling().type()
    return facts


def check_layer(rep, layer, project_dir, embedded, node):
    info = {"id": layer.id(), "name": layer.name(), "valid": layer.isValid(), "provider": layer.providerType(),
            "visible": bool(node and node.isVisible()),
            "source": os.path.relpath(layer.source().split("|")[0], project_dir)}
    rep.check(layer.isValid(), "layer %s (%s) is not valid: %s" % (layer.id(), layer.name(), layer.source()))
    rep.check(not info["source"].startswith(".."), "layer %s is outside the project folder" % layer.id())
    qml, where = source_qml(layer, project_dir)
    table = re.search(r"layername=([^|]+)", layer.source())
    if table and layer.id() not in (table.group(1), table.group(1) + "_landcons"):
        # Another view of a table (现状用地 / 规划用地 over parcels, 本页项目 over projects):
        # styled by the project itself.
        qml = None
    if qml:
        expected = style_facts(ET.fromstring(qml.encode("utf-8")))
    else:
        expected, where = style_facts(embedded), "project"
    actual = actual_facts(layer)
    info.update(style_source=where, renderer=actual.get("renderer"), expected_renderer=expected.get("renderer"),
                aliases=len(actual.get("aliases", {})), widgets=actual.get("widgets", {}), labeling=actual.get("labeling"))
    if layer.type() == QgsMapLayer.RasterLayer or layer.isSpatial():
        rep.check(actual.get("renderer") is not None, "layer %s has no renderer" % layer.id())
    for key in ("renderer", "labeling"):
        if expected.get(key):
            rep.check(actual.get(key) == expected[key], "layer %s: %s %r, its style says %r" % (layer.id(), key, actual.get(key), expected[key]))
    for key, what in (("aliases", "alias"), ("widgets", "editor widget")):
        for field, value in expected.get(key, {}).items():
            got = actual.get(key, {}).get(field)
            rep.check(got == value, "layer %s: field %s %s %r, its style says %r" % (layer.id(), field, what, got, value))
    return info


# --- tree, canvas, layouts ---------------------------------------------------------

def check_tree(rep, project, expect_groups):
    root = project.layerTreeRoot()
    groups = [{"name": g.name(), "layers": [l.layerId() for l in g.findLayers()]} for g in root.children() if g.nodeType() == 0]
    rep.data["groups"] = groups
    if expect_groups:
        rep.check([g["name"] for g in groups] == expect_groups, "groups %r, expected %r" % ([g["name"] for g in groups], expect_groups))
    tree_order = [l.layerId() for l in root.findLayers()]
    spatial = [i for i in tree_order if project.mapLayer(i) is not None and project.mapLayer(i).isSpatial()]
    rep.check(not root.hasCustomLayerOrder(), "the layer order is a custom one, not the tree's")
    rep.check([l.id() for l in root.layerOrder()] == spatial, "the drawing order differs from the tree")
    rep.data["layer_order"] = tree_order


def check_canvas(rep, canvas, project):
    view = project.viewSettings().defaultViewExtent()
    e = canvas.extent()
    rep.data["canvas_extent"] = [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()]
    rep.data["default_view_extent"] = [view.xMinimum(), view.yMinimum(), view.xMaximum(), view.yMaximum()]
    tol = max(view.width(), view.height()) * 0.01
    rep.check(not view.isEmpty(), "no default view extent")
    rep.check(abs(e.center().x() - view.center().x()) < tol and abs(e.center().y() - view.center().y()) < tol,
              "the map canvas is not centred on the project extent")
    rep.check(e.width() >= view.width() - tol and e.height() >= view.height() - tol, "the map canvas does not show the whole extent")


def items_of(layout, cls):
    return [i for i in layout.items() if isinstance(i, cls)]


def check_layout_items(rep, layout):
    name = layout.name()
    page = layout.pageCollection().page(0)
    size = page.pageSize() if page else None
    info = {"name": name, "pages": layout.pageCollection().pageCount(),
            "page_mm": [round(size.width()), round(size.height())] if size else None}
    if name in PAGE_SIZES:
        rep.check(tuple(info["page_mm"] or ()) == PAGE_SIZES[name], "layout %s: page %s mm" % (name, info["page_mm"]))
    maps, legends = items_of(layout, QgsLayoutItemMap), items_of(layout, QgsLayoutItemLegend)
    bars, pictures = items_of(layout, QgsLayoutItemScaleBar), items_of(layout, QgsLayoutItemPicture)
    labels = items_of(layout, QgsLayoutItemLabel)
    info["items"] = {"maps": len(maps), "legends": len(legends), "scalebars": len(bars), "pictures": len(pictures), "labels": len(labels)}
    rep.check(len(maps) == 1 and legends and bars and pictures and labels, "layout %s lacks an item: %s" % (name, info["items"]))
    for lg in legends:
        rep.check(lg.linkedMap() is not None, "layout %s: legend not linked to the map" % name)
        # an auto-updating legend shows the project's own layer tree, so its order
        rep.check(lg.autoUpdateModel(), "layout %s: the legend has its own layer list" % name)
        family = lg.style(2).font().family()  # QgsLegendStyle.SymbolLabel
        rep.check(family == FONT, "layout %s: legend font %s" % (name, family))
        info["legend_title"] = lg.title()
    for b in bars:
        rep.check(b.linkedMap() is not None, "layout %s: scale bar not linked" % name)
        rep.check(b.units() == QgsUnitTypes.DistanceMeters, "layout %s: scale bar not in metres" % name)
    for p in pictures:
        rep.check(os.path.exists(p.picturePath()), "layout %s: north arrow %r not found" % (name, p.picturePath()))
        if hasattr(p, "isMissingImage"):
            rep.check(not p.isMissingImage(), "layout %s: north arrow image missing" % name)
    for lab in labels:
        rep.check(lab.font().family() == FONT, "layout %s: label font %s" % (name, lab.font().family()))
    return info


def export_png(rep, layout, path, dpi):
    exporter = QgsLayoutExporter(layout)
    s = QgsLayoutExporter.ImageExportSettings()
    s.dpi = dpi
    res = exporter.exportToImage(path, s)
    rep.check(res == QgsLayoutExporter.Success, "PNG export of %s failed (%s)" % (layout.name(), res))
    return path


def pdf_pages(path):
    try:
        out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    except (OSError, subprocess.CalledProcessError, AttributeError):
        with open(path, "rb") as f:  # no poppler: count the page objects
            return len(re.findall(rb"/Type\s*/Page[^s]", f.read()))


def check_atlas_pages(rep, layout, atlas):
    """Per page: the title and figures evaluated (no [% left), the map around the feature."""
    labels = items_of(layout, QgsLayoutItemLabel)
    amap = items_of(layout, QgsLayoutItemMap)[0]
    pages = []
    atlas.beginRender()
    for i in range(atlas.count()):
        atlas.seekTo(i)
        texts = [lab.currentText() for lab in labels]
        feat = atlas.layout().reportContext().feature()
        bbox = feat.geometry().boundingBox()
        e = amap.extent()
        rep.check(all("[%" not in t for t in texts), "atlas page %d: unevaluated expression in %r" % (i, texts))
        rep.check(e.contains(bbox), "atlas page %d: the map does not show the whole feature" % i)
        # QGIS's "margin 10%" scales the feature's box by 1.1 (its tighter side)
        ratio = min(e.width() / max(bbox.width(), 1e-9), e.height() / max(bbox.height(), 1e-9))
        rep.check(1.05 < ratio < 1.3, "atlas page %d: map/feature ratio %.2f, not a 10%% margin" % (i, ratio))
        pages.append({"name": atlas.currentFilename(), "texts": texts, "map_over_feature": round(ratio, 2)})
    atlas.endRender()
    return pages


def check_atlas(rep, layout, out_dir, dpi):
    """An atlas page by page; exported to DIR/<layout>.pdf and DIR/<layout>_png/."""
    atlas, name = layout.atlas(), layout.name()
    amap = items_of(layout, QgsLayoutItemMap)[0]
    info = {"enabled": atlas.enabled(), "coverage": atlas.coverageLayer().id() if atlas.coverageLayer() else None,
            "filename_expression": atlas.filenameExpression(), "page_name_expression": atlas.pageNameExpression(),
            "sort_expression": atlas.sortExpression(),
            "locked_layers": [l.id() for l in amap.layers()] if amap.keepLayerSet() else None}
    rep.check(atlas.enabled() and atlas.coverageLayer() is not None, "atlas not enabled or without a coverage layer")
    if atlas.coverageLayer() is not None:
        info["count"] = atlas.updateFeatures()
        info["features"] = atlas.coverageLayer().featureCount() if atlas.coverageLayer() else None
        rep.check(info["count"] > 0 and info["count"] == info["features"], "atlas pages %s, coverage features %s" % (info["count"], info["features"]))
        info["pages"] = check_atlas_pages(rep, layout, atlas)
        pdf = os.path.join(out_dir, name + ".pdf")
        s = QgsLayoutExporter.PdfExportSettings()
        s.dpi = dpi
        res, err = QgsLayoutExporter.exportToPdf(atlas, pdf, s)
        rep.check(res == QgsLayoutExporter.Success, "atlas PDF export failed: %s %s" % (res, err))
        info["pdf"], info["pdf_pages"] = pdf, pdf_pages(pdf) if os.path.exists(pdf) else 0
        rep.check(info["pdf_pages"] == info["count"], "atlas PDF has %s pages for %s features" % (info["pdf_pages"], info["count"]))
        png_dir = os.path.join(out_dir, name + "_png")
        os.makedirs(png_dir, exist_ok=True)
        si = QgsLayoutExporter.ImageExportSettings()
        si.dpi = dpi
        res, err = QgsLayoutExporter.exportToImage(atlas, os.path.join(png_dir, "page"), "png", si)
        rep.check(res == QgsLayoutExporter.Success, "atlas PNG export failed: %s %s" % (res, err))
        info["png_files"] = sorted(os.listdir(png_dir))
    return info


# --- main -------------------------------------------------------------------------

def relocate(project_path):
    """Copies the project's folder to a new place; returns the project's new path."""
    src_dir = os.path.dirname(os.path.abspath(project_path))
    dst_dir = os.path.join(tempfile.mkdtemp(prefix="landcons-relocated-"), "results")
    shutil.copytree(src_dir, dst_dir, ignore=shutil.ignore_patterns("qgis-check*", ".landcons-*"))
    return os.path.join(dst_dir, os.path.basename(project_path))


def run(args, rep):
    path = relocate(args.project) if args.relocate else os.path.abspath(args.project)
    rep.data["project"] = path
    out_dir = os.path.abspath(args.out or os.path.join(os.path.dirname(os.path.abspath(args.project)), "qgis-check"))
    os.makedirs(out_dir, exist_ok=True)
    rep.data["font_found"] = QFontInfo(QFont(FONT)).family() == FONT
    rep.check(rep.data["font_found"], "font %s not installed (fonts-wqy-microhei): Chinese would render as boxes" % FONT)
    canvas = QgsMapCanvas()  # reads <mapcanvas name="theMapCanvas"> as the desktop does
    canvas.setObjectName("theMapCanvas")
    canvas.resize(1000, 700)
    project = QgsProject.instance()
    if not rep.check(project.read(path), "QGIS could not read %s: %s" % (path, project.error())):
        return
    project_dir = os.path.dirname(path)
    rep.data.update(title=project.title(), crs=project.crs().authid() or project.crs().description(),
                    absolute_paths=project.readBoolEntry("Paths", "/Absolute", True)[0])
    rep.check(project.crs().isValid(), "the project CRS is not valid")
    rep.check(not rep.data["absolute_paths"], "the project stores absolute paths")
    _, embedded = project_maplayers(path)
    order = [l.layerId() for l in project.layerTreeRoot().findLayers()]
    layers = sorted(project.mapLayers().values(), key=lambda l: order.index(l.id()) if l.id() in order else 999)
    root = project.layerTreeRoot()
    rep.data["layers"] = [check_layer(rep, l, project_dir, embedded.get(l.id(), ET.Element("x")), root.findLayer(l.id()))
                          for l in layers]
    check_tree(rep, project, args.expect_groups)
    check_canvas(rep, canvas, project)
    layouts = {l.name(): l for l in project.layoutManager().printLayouts()}
    rep.data["layouts"] = [check_layout_items(rep, l) for l in layouts.values()]
    for name in args.layouts:
        rep.check(name in layouts, "layout %r missing" % name)
    if "overview" in layouts:
        rep.data["overview_png"] = export_png(rep, layouts["overview"], os.path.join(out_dir, "overview.png"), args.dpi)
    for name in ATLASES:
        if name in layouts:
            rep.data[name] = check_atlas(rep, layouts[name], out_dir, args.dpi)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("project")
    ap.add_argument("--out", help="where to export (default: qgis-check/ beside the project)")
    ap.add_argument("--relocate", action="store_true", help="copy the folder elsewhere first")
    ap.add_argument("--expect-groups", type=lambda s: [g for g in s.split(",") if g])
    ap.add_argument("--layouts", type=lambda s: [n for n in s.split(",") if n], default=["overview", "atlas"],
                    help="layouts that must be there (default overview,atlas)")
    ap.add_argument("--dpi", type=int, default=96)
    args = ap.parse_args()
    app = QgsApplication([], True)
    app.initQgis()
    rep = Report()

    def on_message(message, tag, level):
        if level >= Qgis.Warning:
            rep.warn("%s: %s" % (tag, message))
    QgsApplication.messageLog().messageReceived.connect(on_message)
    try:
        run(args, rep)
    except Exception as e:  # a crash in a check is a failed check, with the summary still printed
        import traceback
        rep.error("%s: %s" % (type(e).__name__, e))
        rep.warn(traceback.format_exc())
    if args.relocate and rep.data.get("project"):
        QgsProject.instance().clear()  # release the copied files before removing them
        shutil.rmtree(os.path.dirname(os.path.dirname(rep.data["project"])), ignore_errors=True)
    rep.data["ok"] = not rep.data["errors"]
    print(json.dumps(rep.data, ensure_ascii=False, indent=1))
    sys.stdout.flush()
    # QGIS's teardown can crash or hang after a headless run; the verdict is printed.
    os._exit(0 if rep.data["ok"] else 1)


if __name__ == "__main__":
    main()
