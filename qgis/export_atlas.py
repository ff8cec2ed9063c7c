#!/usr/bin/python3
"""Exports the village atlas of a landcons QGIS project as ONE multi-page PDF.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/export_atlas.py RESULTS/landcons.qgz maps.pdf [DPI]

`landcons maps` runs this script (it carries a copy inside the binary). Prints one JSON
line on stdout: {"pages": N, "pdf": "...", "font_found": true}. Exits 0 on success and
1 with a message on stderr when the project cannot be read, a layer is missing, or the
export fails. Needs Debian's /usr/bin/python3 with python3-qgis.
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsLayoutExporter, QgsProject  # noqa: E402
from qgis.PyQt.QtGui import QFont, QFontInfo  # noqa: E402

FONT = "WenQuanYi Micro Hei"


def fail(message):
    print(message, file=sys.stderr)
    sys.stderr.flush()
    # QGIS's teardown can crash after a headless run; nothing is left to do.
    os._exit(1)


def export(project_path, pdf, dpi):
    project = QgsProject.instance()
    if not project.read(project_path):
        fail("QGIS could not read %s: %s" % (project_path, project.error()))
    broken = [l.name() for l in project.mapLayers().values() if not l.isValid()]
    if broken:
        fail("%s: layers whose files are missing beside the project: %s" % (project_path, ", ".join(broken)))
    layout = project.layoutManager().layoutByName("atlas")
    if layout is None or not layout.atlas().enabled():
        fail("%s has no atlas layout (a landcons results project has one)" % project_path)
    atlas = layout.atlas()
    pages = atlas.updateFeatures()
    if pages <= 0:
        fail("%s: the atlas has no pages (no villages)" % project_path)
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = dpi
    result, error = QgsLayoutExporter.exportToPdf(atlas, pdf, settings)
    if result != QgsLayoutExporter.Success:
        fail("exporting the atlas to %s failed: %s" % (pdf, error or result))
    return pages


def main():
    if len(sys.argv) < 3:
        fail("usage: export_atlas.py PROJECT.qgz OUT.pdf [DPI]")
    project_path, pdf = sys.argv[1], sys.argv[2]
    dpi = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    app = QgsApplication([], False)
    app.initQgis()
    font_found = QFontInfo(QFont(FONT)).family() == FONT
    if not font_found:
        print("warning: font %s is not installed (apt-get install fonts-wqy-microhei): Chinese may show as boxes" % FONT,
              file=sys.stderr)
    pages = export(project_path, pdf, dpi)
    print(json.dumps({"pages": pages, "pdf": pdf, "font_found": font_found}))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
