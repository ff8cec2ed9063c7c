#!/usr/bin/env python3
"""Reference zonal statistics from exactextract, committed as test fixtures.

Makes tests/fixtures/zonal/*.csv: for each parcel, exactextract's coverage-weighted
mean/min/max of slope and frac/mode of the slope grade. The slope raster is made by
`gdaldem slope -compute_edges` (Horn), the grade raster from it with the national breaks
(≤2, ≤6, ≤15, ≤25, >25 degrees; 0 = nodata). tests/zonal_exactextract.rs recomputes the
same figures with landcons and compares.

Regenerate (from the repository root, with ../shared beside it):
    python3 -m venv /tmp/ee && /tmp/ee/bin/pip install exactextract geopandas rasterio
    /tmp/ee/bin/python scripts/zonal_reference.py
"""
import os
import subprocess
import sys
import tempfile

import geopandas as gpd
import numpy as np
import rasterio
from exactextract import exact_extract
from shapely import affinity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "tests", "fixtures", "zonal")

# name, parcels, id field (None: the feature's position, as the fiboa ids repeat),
# DEM, shift (dx, dy) onto the DEM, CRS to assign after shifting
CASES = [
    ("synth_sample", os.path.join(ROOT, "data", "dltb.gpkg"), "BSM", os.path.join(ROOT, "data", "dem.tif"), (0.0, 0.0), None),
    ("vietnam_on_dem25", os.path.join(SHARED, "parcels-fiboa", "1_vietnam_areas.gpkg"), None,
     os.path.join(SHARED, "dem25-spain", "dem25.tif"), (-359000.0, 2153000.0), "EPSG:23030"),
    ("cambodia_on_dem25", os.path.join(SHARED, "parcels-fiboa", "4_cambodia_areas.gpkg"), None,
     os.path.join(SHARED, "dem25-spain", "dem25.tif"), (-7000.0, 3000000.0), "EPSG:23030"),
]
BREAKS = [2.0, 6.0, 15.0, 25.0]


def grade_raster(slope_path, grade_path):
    with rasterio.open(slope_path) as src:
        s = src.read(1)
        nodata = src.nodata
        profile = src.profile
    g = (1 + sum((s > b).astype(np.uint8) for b in BREAKS)).astype(np.uint8)
    g[s == nodata] = 0
    profile.update(dtype="uint8", nodata=0, compress="deflate")
    with rasterio.open(grade_path, "w", **profile) as dst:
        dst.write(g, 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, parcels, id_field, dem, (dx, dy), crs in CASES:
            slope = os.path.join(tmp, name + "_slope.tif")
            grade = os.path.join(tmp, name + "_grade.tif")
            subprocess.run(["gdaldem", "slope", "-compute_edges", "-q", dem, slope], check=True)
            grade_raster(slope, grade)
            gdf = gpd.read_file(parcels)
            if id_field is None:
                gdf["parcel_id"] = range(len(gdf))
            else:
                gdf = gdf.rename(columns={id_field: "parcel_id"})
            gdf = gdf[["parcel_id", "geometry"]]
            if dx or dy:
                gdf["geometry"] = gdf.geometry.apply(lambda g: affinity.translate(g, dx, dy))
                gdf = gdf.set_crs(crs, allow_override=True)
            s = exact_extract(slope, gdf, ["mean", "min", "max"], include_cols=["parcel_id"], output="pandas")
            g = exact_extract(grade, gdf, ["unique", "frac", "mode"], include_cols=["parcel_id"], output="pandas")
            # frac is a list aligned with unique: spread it into frac_1..frac_5.
            for k in range(1, 6):
                g[f"frac_{k}"] = [
                    float(sum(f for u, f in zip(us, fs) if int(u) == k)) for us, fs in zip(g["unique"], g["frac"])
                ]
            df = s.merge(g.drop(columns=["unique", "frac"]), on="parcel_id")
            df = df[["parcel_id", "mean", "min", "max"] + [f"frac_{k}" for k in range(1, 6)] + ["mode"]]
            path = os.path.join(OUT, name + ".csv")
            df.to_csv(path, index=False, float_format="%.12g")
            print(f"{path}: {len(df)} parcels", file=sys.stderr)


if __name__ == "__main__":
    main()
