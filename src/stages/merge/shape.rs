//! Per-parcel shape figures and the "fragmented" flag.

use geo::{Area, Euclidean, Length, MultiPolygon};

use crate::settings::MergeSettings;

/// Shape figures of one parcel.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ShapeFigures {
    pub perimeter_m: f64,
    /// perimeter / (2·√(π·area)): 1 for a circle, larger for irregular or elongated plots.
    pub shape_index: f64,
    /// 2·area / perimeter: the width of an equivalent long strip.
    pub mean_width_m: f64,
    /// Cropland that is small, irregular or a thin strip.
    pub fragmented: bool,
}

/// Shape index perimeter / (2·√(π·area)): 1 for a circle, larger for irregular or
/// elongated shapes; 0 for an empty shape.
pub fn shape_index(perimeter_m: f64, area_m2: f64) -> f64 {
    if area_m2 > 0.0 {
        perimeter_m / (2.0 * (std::f64::consts::PI * area_m2).sqrt())
    } else {
        0.0
    }
}

/// Total length of all rings (exteriors and holes).
pub fn perimeter(g: &MultiPolygon<f64>) -> f64 {
    g.0.iter()
        .map(|p| {
            p.exterior().length::<Euclidean>()
                + p.interiors()
                    .iter()
                    .map(|r| r.length::<Euclidean>())
                    .sum::<f64>()
        })
        .sum()
}

pub fn shape_figures(
    g: &MultiPolygon<f64>,
    area_m2: f64,
    is_cropland: bool,
    s: &MergeSettings,
) -> ShapeFigures {
    let perimeter_m = perimeter(g);
    let area = if area_m2 > 0.0 {
        area_m2
    } else {
        g.unsigned_area()
    };
    let shape_index = shape_index(perimeter_m, area);
    let mean_width_m = if perimeter_m > 0.0 {
        2.0 * area / perimeter_m
    } else {
        0.0
    };
    let fragmented = is_cropland
        && area > 0.0
        && (area < s.fragment_max_m2
            || shape_index > s.fragment_shape_index
            || mean_width_m < s.strip_width_m);
    ShapeFigures {
        perimeter_m,
        shape_index,
        mean_width_m,
        fragmented,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn square_and_strip() {
        let s = MergeSettings::default();
        let sq = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)],
        ]);
        let f = shape_figures(&sq, 10_000.0, true, &s);
        assert!((f.perimeter_m - 400.0).abs() < 1e-9);
        assert!(
            (f.shape_index - 400.0 / (2.0 * (std::f64::consts::PI * 10_000.0).sqrt())).abs()
                < 1e-12
        );
        assert!(!f.fragmented, "a 1 ha square field is not fragmented");
        let strip = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 800.0, y: 0.0), (x: 800.0, y: 5.0), (x: 0.0, y: 5.0)],
        ]);
        let f = shape_figures(&strip, 4_000.0, true, &s);
        assert!(
            f.fragmented && f.mean_width_m < 8.0,
            "a 5 m wide strip is fragmented"
        );
        assert!(
            !shape_figures(&strip, 4_000.0, false, &s).fragmented,
            "only cropland is fragmented"
        );
    }
}
