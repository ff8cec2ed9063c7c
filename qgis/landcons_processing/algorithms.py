"""landcons:run, landcons:validate and landcons:diff: each runs the landcons program
(see runner.py) and reports its progress, warnings and errors to Processing."""
import json
import os
import shlex
import sqlite3

from qgis.core import (
    QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputFile, QgsProcessingOutputFolder, QgsProcessingOutputString,
    QgsProcessingParameterFile, QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination, QgsProcessingParameterNumber, QgsProcessingParameterString,
    QgsSettings, QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication

from . import runner


class FeedbackSink:
    """Where runner.run sends what landcons prints: a QgsProcessingFeedback."""

    def __init__(self, feedback, report_stdout=True):
        self.feedback = feedback
        self.report_stdout = report_stdout

    def info(self, text):
        self.feedback.pushInfo(text)

    def warning(self, text):
        if hasattr(self.feedback, "pushWarning"):  # QGIS >= 3.20
            self.feedback.pushWarning(text)
        else:
            self.feedback.reportError(text, False)

    def error(self, text):
        self.feedback.reportError(text, True)

    def console(self, text):
        self.feedback.pushConsoleInfo(text)

    def report(self, text):
        if self.report_stdout:
            self.feedback.pushInfo(text)

    def progress(self, percent):
        self.feedback.setProgress(percent)

    def is_canceled(self):
        return self.feedback.isCanceled()


def tr(text):
    return QCoreApplication.translate("landcons", text)


def spatial_tables(gpkg):
    """(table, display name) of the GeoPackage's feature tables, in file order. The
    display name is gpkg_contents.identifier when it says more than the table name."""
    con = sqlite3.connect("file:%s?mode=ro" % gpkg, uri=True)
    try:
        rows = con.execute("SELECT table_name, identifier FROM gpkg_contents WHERE data_type = 'features' "
                           "ORDER BY rowid").fetchall()
    finally:
        con.close()
    return [(t, i if i and i != t else t) for t, i in rows]


# Top to bottom in the layer tree: small outlines and candidates above the parcels
# that would hide them; tables not listed go on top, in file order.
DRAW_ORDER = ["changes_reforestation", "changes_merge", "changes_villages", "villages",
              "reforestation_candidates", "merge_groups", "merge_candidates", "parcels"]


class GroupLayers(QgsProcessingLayerPostProcessorInterface):
    """Puts the loaded layers into one group per results folder, in DRAW_ORDER
    (Processing itself adds them in the order of their ids)."""

    # Processing keeps only a pointer to a post-processor: hold the Python objects.
    alive = []

    def __init__(self, group_name, ranks):
        super().__init__()
        self.group_name, self.ranks = group_name, ranks
        GroupLayers.alive = GroupLayers.alive[-20:] + [self]

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        project = context.project()
        node = project.layerTreeRoot().findLayer(layer.id()) if project else None
        if node is None:
            return
        root = project.layerTreeRoot()
        group = root.findGroup(self.group_name) or root.insertGroup(0, self.group_name)
        rank = self.ranks.get(layer.id(), 0)
        pos = sum(1 for n in group.findLayers() if self.ranks.get(n.layerId(), -1) < rank)
        group.insertChildNode(pos, node.clone())
        node.parent().removeChildNode(node)


class LandconsAlgorithm(QgsProcessingAlgorithm):
    """What the three algorithms share: finding and running landcons."""

    def createInstance(self):  # noqa: N802
        return type(self)()

    def binary(self):
        try:
            return runner.find_binary(QgsSettings().value(runner.SETTING_KEY, "") or "")
        except runner.LandconsError as e:
            raise QgsProcessingException(str(e))

    def execute(self, argv, feedback, report_stdout=True):
        """Runs landcons to the end; raises QgsProcessingException when it failed."""
        feedback = feedback or QgsProcessingFeedback()
        feedback.pushCommandInfo(" ".join(shlex.quote(a) for a in argv))
        try:
            outcome = runner.run(argv, FeedbackSink(feedback, report_stdout))
        except runner.LandconsError as e:
            raise QgsProcessingException(str(e))
        failure = outcome.failure()
        if failure:
            if not outcome.error:  # an error event was reported as it came
                feedback.reportError(failure, True)
            raise QgsProcessingException(failure)
        return outcome

    def overrides(self, parameters, context):
        try:
            return runner.split_overrides(self.parameterAsString(parameters, "SET", context))
        except runner.LandconsError as e:
            raise QgsProcessingException(str(e))

    def add_set_parameter(self):
        self.addParameter(QgsProcessingParameterString(
            "SET", tr("Setting overrides, key=value separated by ; or new lines (覆盖设置)"),
            multiLine=True, optional=True))

    def load_on_completion(self, gpkg, context, feedback, output_name):
        """Adds the GeoPackage's spatial layers to the project when the algorithm
        ends. QgsVectorLayer loads each layer's default style from layer_styles."""
        if not gpkg or not os.path.isfile(gpkg):
            feedback.pushInfo(tr("no GeoPackage to load: %s") % gpkg)
            return
        tables = spatial_tables(gpkg)
        tables.sort(key=lambda t: DRAW_ORDER.index(t[0]) if t[0] in DRAW_ORDER else -1)
        ranks = {}
        group = "landcons: " + os.path.basename(os.path.dirname(os.path.abspath(gpkg)))
        for table, name in tables:
            layer = QgsVectorLayer("%s|layername=%s" % (gpkg, table), name, "ogr")
            if not layer.isValid():
                feedback.reportError(tr("cannot open layer %s of %s") % (table, gpkg), False)
                continue
            ranks[layer.id()] = len(ranks)
            context.temporaryLayerStore().addMapLayer(layer)
            details = QgsProcessingContext.LayerDetails(name, context.project(), output_name)
            details.forceName = True  # our name, not the file's
            details.setPostProcessor(GroupLayers(group, ranks))
            context.addLayerToLoadOnCompletion(layer.id(), details)


class RunAlgorithm(LandconsAlgorithm):
    def name(self):
        return "run"

    def displayName(self):  # noqa: N802
        return tr("Run a pipeline (运行规划流程)")

    def shortHelpString(self):  # noqa: N802
        return tr("Runs `landcons run` on a pipeline file: slope rasters, per-parcel slope statistics, "
                  "reforestation (退耕还林) candidates and merge groups, written to the output folder. "
                  "The results GeoPackage's layers are added to the project with their styles.\n\n"
                  "OUT overrides output.dir; SET holds `key=value` overrides (e.g. terrain.algorithm=horn); "
                  "THREADS overrides run.threads (0 = one per core).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "PIPELINE", tr("Pipeline file (流程文件, .toml)"), extension="toml"))
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUT", tr("Output folder (输出文件夹; default: the pipeline's output.dir)"),
            optional=True, createByDefault=False))
        self.add_set_parameter()
        self.addParameter(QgsProcessingParameterNumber(
            "THREADS", tr("Worker threads (线程数; 0 = one per core)"),
            type=QgsProcessingParameterNumber.Integer, optional=True, minValue=0))
        self.addOutput(QgsProcessingOutputFolder("OUTPUT_FOLDER", tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile("OUTPUT_GPKG", tr("Results GeoPackage")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        pipeline = self.parameterAsFile(parameters, "PIPELINE", context)
        out = self.parameterAsString(parameters, "OUT", context).strip()
        argv = [self.binary(), "run", pipeline, "--log-format", "json", "-v"]
        if out:
            argv += ["--out", out]
        argv += self.overrides(parameters, context)
        if parameters.get("THREADS") not in (None, ""):
            argv += ["--threads", str(self.parameterAsInt(parameters, "THREADS", context))]
        outcome = self.execute(argv, feedback)
        folder, gpkg = self.outputs(outcome, out)
        feedback.pushInfo(tr("results: %s") % (gpkg or folder))
        self.load_on_completion(gpkg, context, feedback, "OUTPUT_GPKG")
        return {"OUTPUT_FOLDER": folder, "OUTPUT_GPKG": gpkg, "OUT": folder}

    @staticmethod
    def outputs(outcome, out):
        """(folder, gpkg): from the run_finished event, else from the text summary on
        stdout ("outputs in FOLDER:" and the file names), else from OUT."""
        reported = (outcome.finished or {}).get("outputs") or {}
        folder, gpkg = reported.get("folder"), reported.get("gpkg")
        listed_folder, names = runner.outputs_from_stdout(outcome.stdout)
        folder = folder or listed_folder or out or None
        if not gpkg and folder:
            listed = [n for n in names if n.lower().endswith(".gpkg")]
            candidate = os.path.join(folder, listed[0] if listed else "landcons.gpkg")
            gpkg = candidate if os.path.isfile(candidate) else None
        return folder, gpkg


class ValidateAlgorithm(LandconsAlgorithm):
    def name(self):
        return "validate"

    def displayName(self):  # noqa: N802
        return tr("Validate a pipeline (检查流程文件)")

    def shortHelpString(self):  # noqa: N802
        return tr("Runs `landcons validate`: checks the pipeline file and that its inputs open, "
                  "and reports what a run would do. Nothing is written.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "PIPELINE", tr("Pipeline file (流程文件, .toml)"), extension="toml"))
        self.add_set_parameter()
        self.addOutput(QgsProcessingOutputString("REPORT", tr("Validation report")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        pipeline = self.parameterAsFile(parameters, "PIPELINE", context)
        argv = [self.binary(), "validate", pipeline, "--log-format", "json"] + self.overrides(parameters, context)
        outcome = self.execute(argv, feedback)
        return {"REPORT": "\n".join(outcome.stdout)}


class DiffAlgorithm(LandconsAlgorithm):
    def name(self):
        return "diff"

    def displayName(self):  # noqa: N802
        return tr("Compare two results (比较两次结果)")

    def shortHelpString(self):  # noqa: N802
        return tr("Runs `landcons diff`: reforestation and merge candidates added, removed and changed "
                  "between an earlier (OLD) and a later (NEW) results folder, per village. With OUT, "
                  "writes the change layers there and adds them to the project.")

    def initAlgorithm(self, config=None):  # noqa: N802
        for key, label in (("OLD", tr("Earlier results folder (旧结果)")), ("NEW", tr("Later results folder (新结果)"))):
            self.addParameter(QgsProcessingParameterFile(key, label, behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUT", tr("Change layers GeoPackage (变化图层)"), fileFilter="GeoPackage (*.gpkg)",
            optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputString("SUMMARY", tr("Summary")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        old = self.parameterAsFile(parameters, "OLD", context)
        new = self.parameterAsFile(parameters, "NEW", context)
        out = self.parameterAsFileOutput(parameters, "OUT", context).strip()
        argv = [self.binary(), "diff", old, new, "--json", "--log-format", "json"] + (["--out", out] if out else [])
        outcome = self.execute(argv, feedback, report_stdout=False)
        text = "\n".join(outcome.stdout)
        try:
            summary = json.loads(text).get("summary", text)
        except (ValueError, AttributeError):
            summary = text
        feedback.pushInfo(summary)
        if out:
            self.load_on_completion(out, context, feedback, "OUT")
        return {"SUMMARY": summary, "OUT": out or None}
