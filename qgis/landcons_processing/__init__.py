"""landcons Processing provider: QGIS loads this package as a plugin.

QGIS desktop calls classFactory(iface) and then initGui(); qgis_process calls
classFactory(None) and then initProcessing() only (metadata hasProcessingProvider=yes).
"""


def classFactory(iface):  # noqa: N802 (the name QGIS looks for)
    from .plugin import LandconsPlugin
    return LandconsPlugin(iface)
