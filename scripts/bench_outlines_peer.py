"""GEOS coverage union per village (the peer of landcons' village_outlines, BENCHMARKS.md #33):
the bench-work county and its scattered copy, one thread. Usage: python bench_outlines_peer.py BENCH_WORK_DIR"""
import time, sys, geopandas as gpd, shapely
for name, path in [("contiguous", f"{sys.argv[1]}/county/dltb.gpkg"), ("scattered", f"{sys.argv[1]}/scattered/dltb.gpkg")]:
    df = gpd.read_file(path, columns=["ZLDWDM"])
    groups = [g.geometry.values for _, g in df.groupby("ZLDWDM")]
    t = time.perf_counter(); cov = [shapely.coverage_union_all(g) for g in groups]; tc = time.perf_counter() - t
    t = time.perf_counter(); un = [shapely.union_all(g) for g in groups[:5]]; tu = time.perf_counter() - t
    print(f"{name}: villages {len(groups)} coverage_union_all {tc:.2f} s (one thread); union_all first 5 villages {tu:.2f} s", flush=True)
