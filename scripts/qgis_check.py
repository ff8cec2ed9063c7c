#!/usr/bin/python3
"""Opens landcons results in QGIS itself (headless) and checks every layer is valid and
styled from the GeoPackage's default styles; optionally renders a PNG of the map.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py OUT_DIR [PNG]

Needs Debian's python3-qgis (apt-get install python3-qgis), run with Debian's
/usr/bin/python3. Exits non-zero with a message when a check fails.
"""
import os
import sqlite3
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage, QPainter  # noqa: E402

EXPECTED_RENDERER = {
    "parcels": "categorizedSymbol",
    "reforestation_candidates": "singleSymbol",
    "merge_candidates": "singleSymbol",
    "merge_groups": "singleSymbol",
}


def fail(msg):
    print(f"QGIS check FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    out = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else None
    gpkg = os.path.join(out, "landcons.gpkg")
    app = QgsApplication([], False)
    app.initQgis()
    layers = {}
    for name, renderer in EXPECTED_RENDERER.items():
        lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        if not lyr.isValid():
            fail(f"layer {name} is not valid")
        msg, ok = lyr.loadDefaultStyle()
        if not ok:
            fail(f"layer {name}: no default style in the GeoPackage ({msg})")
        got = lyr.renderer().type()
        if got != renderer:
            fail(f"layer {name}: renderer {got}, expected {renderer}")
        if lyr.featureCount() <= 0:
            fail(f"layer {name} has no features")
        if not lyr.crs().isValid():
            fail(f"layer {name} has no valid CRS")
        layers[name] = lyr
        print(f"{name}: valid, {lyr.featureCount()} features, {got} style, CRS {lyr.crs().authid() or lyr.crs().description()}")
    # Change layers exist when the run replaced earlier results; they may be empty.
    with sqlite3.connect(gpkg) as db:
        present = {r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")}
    for name in ["changes_reforestation", "changes_merge"]:
        if name not in present:
            continue
        lyr = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        msg, ok = lyr.loadDefaultStyle()
        if not lyr.isValid() or not ok or lyr.renderer().type() != "categorizedSymbol":
            fail(f"layer {name}: valid={lyr.isValid()}, style loaded={ok} ({msg})")
        print(f"{name}: valid, {lyr.featureCount()} features, categorizedSymbol style")
    for name in ["village_summary", "adjacency"]:
        table = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        if not table.isValid() or table.featureCount() <= 1:
            fail(f"{name} is not a valid table with rows")
        print(f"{name}: valid, {table.featureCount()} rows")
    grade = QgsRasterLayer(os.path.join(out, "slope_grade.tif"), "slope_grade")
    if not grade.isValid() or grade.renderer().type() != "paletted":
        fail(f"slope_grade.tif: valid={grade.isValid()}, renderer {grade.renderer().type() if grade.renderer() else None}")
    print("slope_grade.tif: valid, paletted (colour table)")

    if png:
        settings = QgsMapSettings()
        settings.setLayers([layers["merge_groups"], layers["reforestation_candidates"], layers["parcels"]])
        settings.setDestinationCrs(layers["parcels"].crs())
        extent = QgsRectangle(layers["parcels"].extent())
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
        if not image.save(png):
            fail(f"cannot save {png}")
        print(f"rendered {png}")
    print("QGIS check passed", flush=True)
    sys.stderr.flush()
    # QGIS can crash while tearing down its Qt objects at interpreter exit; the
    # checks are done, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    main()
