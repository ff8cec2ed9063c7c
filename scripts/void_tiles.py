#!/usr/bin/env python3
"""Reference maker for the void-area check (tests/voids.rs): two DEMs from a real SRTM
tile (Big Tujunga, 30 m, Int16, nodata 32767).

    void_tiles.py SRTM.tif OUT_DIR

- OUT_DIR/blob.tif: the tile with a round blob of cells (radius 25 cells, centre row 320,
  col 600, in the mountains) set to 0, as older SRTM and county DEMs fill voids; the
  file keeps its nodata tag 32767, so nothing marks the blob. Its rim stands hundreds of
  metres above 0.
- OUT_DIR/blob_mask.tif: 1 on the blob's cells, 0 elsewhere (for gdal_polygonize).
- OUT_DIR/coast.tif: the tile lowered so that its lowest tenth of cells is at or below 0,
  those cells set to 0: a sea at 0 with a coast rising a few metres from it, which is not
  a void.

Prints the number of blob cells and of sea cells. Needs Debian's /usr/bin/python3 with
GDAL's bindings and numpy (python3-gdal)."""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def write_like(src, path, values, nodata):
    ds = gdal.GetDriverByName("GTiff").Create(path, src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Int16)
    ds.SetGeoTransform(src.GetGeoTransform())
    ds.SetProjection(src.GetProjection())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(values)
    ds = None


def main():
    srtm, out = sys.argv[1], sys.argv[2]
    src = gdal.Open(srtm)
    heights = src.GetRasterBand(1).ReadAsArray().astype(np.int32)
    nodata = src.GetRasterBand(1).GetNoDataValue()
    rows, cols = np.indices(heights.shape)
    blob = (rows - 320) ** 2 + (cols - 600) ** 2 <= 25 ** 2
    write_like(src, f"{out}/blob.tif", np.where(blob, 0, heights).astype(np.int16), nodata)
    write_like(src, f"{out}/blob_mask.tif", blob.astype(np.int16), None)
    valid = heights != nodata
    lowered = heights - np.percentile(heights[valid], 10)
    sea = valid & (lowered <= 0)
    write_like(src, f"{out}/coast.tif", np.where(sea, 0, np.where(valid, lowered, nodata)).astype(np.int16), nodata)
    print(int(blob.sum()), int(sea.sum()))


if __name__ == "__main__":
    main()
