//! The metric working CRS of all vector work, and moving geometries between it and the
//! DEM's CRS. Parcels keep their own projected CRS; lat/lon parcels get the CGCS2000
//! 3-degree Gauss-Krüger zone of their central longitude (UTM outside China). Only the
//! zonal step maps a parcel into the DEM's grid.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::error::{Error, Result};
use crate::gdal_util::{crs_from_wkt, parse_crs};

/// The CRS vector work happens in, and why.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkCrs {
    pub wkt: String,
    /// "EPSG:4545" when known, else the CRS's name.
    pub name: String,
    /// Why this CRS: the parcels' own, the setting, or chosen for lat/lon parcels.
    pub reason: String,
}

/// First EPSG code of CGCS2000 / 3-degree Gauss-Krüger CM 75E … CM 135E (4534–4554).
const CGCS2000_GK3_FIRST: u32 = 4534;

/// The working CRS for parcels in `source` whose extent (in `source`) is `extent`.
pub fn choose(source: &SpatialRef, extent: Option<[f64; 4]>, setting: Option<&str>) -> Result<WorkCrs> {
    if let Some(def) = setting {
        let srs = parse_crs(def).map_err(|m| Error::setting("inputs.work_crs", None, m))?;
        if !is_metric(&srs) {
            return Err(Error::setting("inputs.work_crs", None, format!("{def:?} is not a projected CRS in metres")));
        }
        return Ok(describe(&srs, "inputs.work_crs"));
    }
    if is_metric(source) {
        return Ok(describe(source, "the parcels' own CRS"));
    }
    let [x0, y0, x1, y1] = extent.ok_or_else(|| Error::setting("inputs.work_crs", None, "the parcels are not in a metric CRS and have no extent to choose one from; set inputs.work_crs"))?;
    let (lon, lat) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let epsg = zone_epsg(lon, lat);
    let srs = SpatialRef::from_epsg(epsg).map_err(|e| Error::setting("inputs.work_crs", None, format!("EPSG:{epsg}: {e}")))?;
    let reason = format!("chosen for lat/lon parcels centred at {lon:.3}°E {lat:.3}°N (set inputs.work_crs to change it)");
    Ok(describe(&srs, &reason))
}

/// CGCS2000 3-degree Gauss-Krüger by central meridian inside China's longitudes, UTM
/// (WGS 84) elsewhere.
pub fn zone_epsg(lon: f64, lat: f64) -> u32 {
    if (73.5..136.5).contains(&lon) && lat > 0.0 {
        let cm = ((lon / 3.0).round() * 3.0).clamp(75.0, 135.0);
        return CGCS2000_GK3_FIRST + ((cm - 75.0) / 3.0) as u32;
    }
    let zone = (((lon + 180.0) / 6.0).floor() as i64).clamp(0, 59) as u32 + 1;
    if lat >= 0.0 {
        32600 + zone
    } else {
        32700 + zone
    }
}

/// A projected CRS whose unit is the metre.
fn is_metric(srs: &SpatialRef) -> bool {
    srs.is_projected() && (srs.linear_units() - 1.0).abs() < 1e-9
}

fn describe(srs: &SpatialRef, reason: &str) -> WorkCrs {
    let epsg = srs.auth_name().zip(srs.auth_code().ok()).map(|(a, c)| format!("{a}:{c}"));
    WorkCrs {
        wkt: srs.to_wkt().unwrap_or_default(),
        name: epsg.or_else(|| srs.name()).unwrap_or_else(|| "unnamed CRS".into()),
        reason: reason.to_string(),
    }
}

/// The transform between two CRSs given as WKT (None when they are the same).
pub fn transform_between(from_wkt: &str, to_wkt: &str) -> std::result::Result<Option<CoordTransform>, String> {
    if from_wkt.is_empty() || to_wkt.is_empty() {
        return Ok(None);
    }
    let (mut from, mut to) = (crs_from_wkt(from_wkt)?, crs_from_wkt(to_wkt)?);
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    if crate::gdal_util::same_crs(&from, &to) {
        return Ok(None);
    }
    CoordTransform::new(&from, &to).map(Some).map_err(|e| e.to_string())
}

/// A multipolygon with every vertex transformed (edges stay straight: parcels are
/// small against the curvature of any CRS change).
pub fn transform_polygons(g: &MultiPolygon<f64>, t: &CoordTransform) -> std::result::Result<MultiPolygon<f64>, String> {
    let ring = |r: &LineString<f64>| -> std::result::Result<LineString<f64>, String> {
        let mut xs: Vec<f64> = r.0.iter().map(|c| c.x).collect();
        let mut ys: Vec<f64> = r.0.iter().map(|c| c.y).collect();
        t.transform_coords(&mut xs, &mut ys, &mut []).map_err(|e| format!("cannot transform into the DEM's CRS: {e}"))?;
        Ok(LineString(xs.into_iter().zip(ys).map(|(x, y)| Coord { x, y }).collect()))
    };
    g.0.iter()
        .map(|p| {
            let interiors = p.interiors().iter().map(ring).collect::<std::result::Result<_, _>>()?;
            Ok(Polygon::new(ring(p.exterior())?, interiors))
        })
        .collect::<std::result::Result<Vec<_>, String>>()
        .map(MultiPolygon::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_krueger_zones_by_central_meridian_and_utm_elsewhere() {
        assert_eq!(zone_epsg(105.2, 29.7), 4544, "CM 105E");
        assert_eq!(zone_epsg(116.4, 39.9), 4548, "Beijing: CM 117E");
        assert_eq!(zone_epsg(75.0, 39.0), 4534);
        assert_eq!(zone_epsg(135.0, 48.0), 4554);
        assert_eq!(zone_epsg(-122.5, 42.5), 32610, "Oregon: UTM 10N");
        assert_eq!(zone_epsg(-4.9, 40.3), 32630, "Spain: UTM 30N");
        assert_eq!(zone_epsg(150.0, -33.0), 32756);
    }
}
