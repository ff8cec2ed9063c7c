#!/usr/bin/env python3
"""Peer timing for the zonal stage: exactextract (PyPI) on the same parcels and rasters.

    bench_zonal.py PARCELS.gpkg SLOPE.tif GRADE.tif

Prints "read_s extract_s parcels": seconds to read the parcels with geopandas, seconds for
exactextract's mean/max on the slope raster plus frac/mode on the grade raster.
"""
import sys
import time

import geopandas as gpd
from exactextract import exact_extract

parcels, slope, grade = sys.argv[1:4]
t0 = time.perf_counter()
gdf = gpd.read_file(parcels)[["geometry"]]
t1 = time.perf_counter()
exact_extract(slope, gdf, ["mean", "max"], output="pandas")
exact_extract(grade, gdf, ["frac", "mode"], output="pandas")
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {len(gdf)}")
