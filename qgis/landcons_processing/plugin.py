"""The plugin object: registers the Processing provider, nothing else (no menus, no
toolbar: the algorithms live in the Processing toolbox)."""
from qgis.core import QgsApplication

from .provider import LandconsProvider


class LandconsPlugin:
    def __init__(self, iface):
        self.iface = iface  # None under qgis_process
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS API name)
        if self.provider is None:
            self.provider = LandconsProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
