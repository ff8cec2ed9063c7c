#!/usr/bin/env python3
"""Reference check of the villages layer: each village's outline against shapely's
union of its parcels (GEOS), and against another results GeoPackage if given.

    villages_reference.py RESULTS.gpkg [OTHER.gpkg]

Reads the parcels layer (ZLDWDM or village_code, and geometry) and the villages layer; prints the
number of villages and the worst symmetric-difference area relative to the village's
area; exits 1 when it exceeds 1e-9 or a geometry is invalid. Run with the peers'
virtualenv (geopandas, shapely 2)."""
import sys

import geopandas as gpd
import shapely

TOLERANCE = 1e-9


def worst_difference(a, b):
    worst = 0.0
    for code in a.index:
        ga, gb = a.geometry[code], b.geometry[code]
        if not gb.is_valid:
            sys.exit(f"village {code}: invalid outline")
        worst = max(worst, ga.symmetric_difference(gb).area / max(ga.area, 1e-9))
    return worst


def main():
    results = sys.argv[1]
    villages = gpd.read_file(results, layer="villages").set_index("village_code")
    parcels = gpd.read_file(results, layer="parcels")
    # The parcels layer keeps the source's field names (三调: ZLDWDM).
    code = "ZLDWDM" if "ZLDWDM" in parcels.columns else "village_code"
    unions = parcels.groupby(code).geometry.apply(lambda g: shapely.union_all(g.values))
    # landcons drops holes under 1 m² (slivers between parcels that do not quite meet).
    def without_slivers(g):
        polys = getattr(g, "geoms", [g])
        return shapely.MultiPolygon([shapely.Polygon(p.exterior, [h for h in p.interiors if shapely.Polygon(h).area >= 1.0]) for p in polys])
    reference = gpd.GeoDataFrame(geometry=unions.apply(without_slivers), crs=parcels.crs)
    assert sorted(reference.index) == sorted(villages.index), "village codes differ"
    status = 0
    w = worst_difference(reference, villages)
    print(f"{len(villages)} villages; worst |outline xor shapely union| / area = {w:.3e}")
    status |= w > TOLERANCE
    if len(sys.argv) > 2:
        other = gpd.read_file(sys.argv[2], layer="villages").set_index("village_code")
        w = worst_difference(other, villages)
        print(f"against {sys.argv[2]}: worst |xor| / area = {w:.3e}")
        status |= w > TOLERANCE
    sys.exit(int(status))


if __name__ == "__main__":
    main()
