"""The "landcons" Processing provider and its setting: where the landcons program is."""
from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication

from .algorithms import DiffAlgorithm, RunAlgorithm, ValidateAlgorithm
from .runner import SETTING_NAME

try:  # the Processing plugin's settings dialog; absent only in unusual set-ups
    from processing.core.ProcessingConfig import ProcessingConfig, Setting
except ImportError:  # pragma: no cover
    ProcessingConfig = Setting = None


class LandconsProvider(QgsProcessingProvider):
    def id(self):
        return "landcons"

    def name(self):
        return "landcons"

    def longName(self):  # noqa: N802
        return self.tr("landcons 土地整治规划")

    def load(self):
        # Shown under Processing ▸ Options ▸ Providers ▸ landcons; stored in the
        # profile's QGIS3.ini as Processing/Configuration/LANDCONS_BIN.
        if ProcessingConfig is not None:
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(
                self.name(), SETTING_NAME, self.tr("landcons executable (landcons 程序路径)"), "",
                valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        if ProcessingConfig is not None:
            ProcessingConfig.removeSetting(SETTING_NAME)

    def loadAlgorithms(self):  # noqa: N802
        for alg in (RunAlgorithm(), ValidateAlgorithm(), DiffAlgorithm()):
            self.addAlgorithm(alg)

    def tr(self, text):
        return QCoreApplication.translate("LandconsProvider", text)
