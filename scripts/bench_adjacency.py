#!/usr/bin/env python3
"""Peer timing for the adjacency stage: shapely STRtree `touches` query plus the length of
each pair's shared boundary, on the same parcels.

    bench_adjacency.py PARCELS.gpkg

Prints "read_s adjacency_s pairs".
"""
import sys
import time

import geopandas as gpd
import numpy as np
from shapely import STRtree

t0 = time.perf_counter()
geoms = np.array(gpd.read_file(sys.argv[1]).geometry.values)
t1 = time.perf_counter()
tree = STRtree(geoms)
left, right = tree.query(geoms, predicate="touches")
keep = left < right
pairs = 0
for i, j in zip(left[keep], right[keep]):
    if geoms[i].boundary.intersection(geoms[j].boundary).length > 0:
        pairs += 1
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {pairs}")
