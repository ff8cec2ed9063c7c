//! Exact cell-coverage fractions of a polygon on a regular grid.
//!
//! By Green's theorem the area of polygon ∩ cell is the sum, over the polygon's
//! edges, of the signed area lying to the right of each edge within the cell. An edge
//! therefore adds partial areas to the cells it crosses and a full band to every cell
//! right of it in the same row; the latter is deferred to a running sum along the
//! row (the signed-area accumulation used by font rasterisers). Holes and
//! multipolygons need nothing special: their edges carry the opposite sign.
//! Cost: O(cells crossed by edges + cells in the bounding box).

use geo::{LineString, MultiPolygon};

/// Coverage fractions of a window of cells, row-major, values in [0, 1].
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Column and row (in the full grid) of the window's upper-left cell.
    pub col0: i64,
    pub row0: i64,
    pub cols: usize,
    pub rows: usize,
    pub fraction: Vec<f64>,
}

/// The grid the polygon is measured against: origin (upper-left) and cell size.
#[derive(Debug, Clone, Copy)]
pub struct GridFrame {
    pub x0: f64,
    pub y0: f64,
    pub dx: f64,
    /// Negative for north-up grids.
    pub dy: f64,
}

impl GridFrame {
    /// The frame of a raster grid.
    pub fn of(grid: &crate::raster::Grid) -> GridFrame {
        GridFrame {
            x0: grid.transform[0],
            y0: grid.transform[3],
            dx: grid.transform[1],
            dy: grid.transform[5],
        }
    }

    /// Fractional column/row of a map coordinate.
    #[inline]
    fn cell_of(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.x0) / self.dx, (y - self.y0) / self.dy)
    }
}

/// Buffers reused from polygon to polygon: a worker measures thousands, and the threads
/// share the allocator's arenas.
#[derive(Debug, Default)]
pub struct Scratch {
    acc: Vec<f64>,
    local: Vec<(f64, f64)>,
}

/// Coverage of `shape` on the cells of `frame` that its bounding box touches.
pub fn coverage(shape: &MultiPolygon<f64>, frame: &GridFrame) -> Option<Coverage> {
    let mut out = Coverage::default();
    coverage_into(shape, frame, &mut Scratch::default(), &mut out).then_some(out)
}

/// As [`coverage`], into `out` (its buffer reused) with `scratch`; false where
/// [`coverage`] gives None (a coordinate that is not finite, no coordinates).
pub fn coverage_into(shape: &MultiPolygon<f64>, frame: &GridFrame, scratch: &mut Scratch, out: &mut Coverage) -> bool {
    // Exteriors add, holes subtract, whatever the rings' stored orientation.
    let rings = || {
        shape.0.iter().flat_map(|p| std::iter::once((p.exterior(), true)).chain(p.interiors().iter().map(|r| (r, false))))
    };
    let Some((col0, row0, cols, rows)) = cell_window(rings().map(|(ring, _)| ring), frame) else { return false };
    // One spare column: the accumulator spills one cell right of the last.
    let stride = cols + 1;
    let (acc, local) = (&mut scratch.acc, &mut scratch.local);
    acc.clear();
    acc.resize(stride * rows, 0.0);
    for (ring, exterior) in rings() {
        local.clear();
        local.extend(ring.0.iter().map(|c| {
            let (u, v) = frame.cell_of(c.x, c.y);
            (u - col0 as f64, v - row0 as f64)
        }));
        add_ring(acc, stride, rows, local, exterior);
    }
    out.fraction.clear();
    for r in 0..rows {
        let mut sum = 0.0;
        out.fraction.extend(acc[r * stride..r * stride + cols].iter().map(|a| {
            sum += a;
            sum.clamp(0.0, 1.0) // clamp rounding only
        }));
    }
    (out.col0, out.row0, out.cols, out.rows) = (col0, row0, cols, rows);
    true
}

/// The window of cells the rings span: first column and row, columns, rows; None when a
/// coordinate is not finite (min/max would skip a NaN and hide it in a finite window).
fn cell_window<'a>(rings: impl Iterator<Item = &'a LineString<f64>>, frame: &GridFrame) -> Option<(i64, i64, usize, usize)> {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for ring in rings {
        for c in ring.0.iter() {
            let (u, v) = frame.cell_of(c.x, c.y);
            if !(u.is_finite() && v.is_finite()) {
                return None;
            }
            min = (min.0.min(u), min.1.min(v));
            max = (max.0.max(u), max.1.max(v));
        }
    }
    if !(min.0.is_finite() && min.1.is_finite() && max.0.is_finite() && max.1.is_finite()) {
        return None;
    }
    let (col0, row0) = (min.0.floor() as i64, min.1.floor() as i64);
    let cols = ((max.0.ceil() as i64) - col0).max(1) as usize;
    let rows = ((max.1.ceil() as i64) - row0).max(1) as usize;
    Some((col0, row0, cols, rows))
}

/// Adds one ring (in window cell coordinates) to the accumulator: +1 inside an
/// exterior, −1 inside a hole.
fn add_ring(acc: &mut [f64], stride: usize, rows: usize, local: &mut Vec<(f64, f64)>, exterior: bool) {
    // geo rings are closed; close unclosed input anyway.
    if local.first() != local.last() {
        if let Some(first) = local.first().copied() {
            local.push(first);
        }
    }
    let twice_area: f64 = local.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
    if twice_area == 0.0 {
        return;
    }
    // In cell space (y down) the running sum is positive for rings with negative
    // shoelace area; flip rings so exteriors count +1 and holes −1.
    let sign = if (twice_area < 0.0) == exterior { 1.0 } else { -1.0 };
    for w in local.windows(2) {
        add_edge(acc, stride, rows, w[0], w[1], sign);
    }
}

/// Adds one edge, in window cell units (x right, y down), to the accumulator.
/// Each row band the edge crosses receives, in the cells it passes, the part of
/// the band lying right of the edge; the rest of the band carries on via the
/// running sum.
fn add_edge(
    acc: &mut [f64],
    stride: usize,
    rows: usize,
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
    sign: f64,
) {
    if y0 == y1 {
        return; // horizontal edges enclose no area to their right
    }
    let (dir, xa, ya, xb, yb) = if y0 < y1 {
        (sign, x0, y0, x1, y1)
    } else {
        (-sign, x1, y1, x0, y0)
    };
    let dxdy = (xb - xa) / (yb - ya);
    let r_first = ya.floor().max(0.0) as usize;
    let r_last = (yb.ceil() as usize).min(rows);
    for r in r_first..r_last {
        let top = (r as f64).max(ya);
        let bottom = ((r + 1) as f64).min(yb);
        let h = bottom - top;
        if h <= 0.0 {
            continue;
        }
        let xt = xa + (top - ya) * dxdy;
        let xbm = xa + (bottom - ya) * dxdy;
        let d = h * dir;
        let line = &mut acc[r * stride..(r + 1) * stride];
        add_span(line, xt.min(xbm), xt.max(xbm), d);
    }
}

/// Distributes `d` (the band height, signed) over the cells of one row for an edge
/// piece spanning [xl, xr]: each cell gets d × (share of the cell right of the edge)
/// minus what earlier cells already carried, so the running sum is exact.
fn add_span(line: &mut [f64], xl: f64, xr: f64, d: f64) {
    let last = line.len() - 1;
    let xl = xl.clamp(0.0, last as f64);
    let xr = xr.clamp(0.0, last as f64);
    let cl = xl.floor() as usize;
    let cr = (xr.ceil() as usize).max(cl + 1);
    if cr == cl + 1 {
        // Within one cell: the share right of the edge is 1 − (mean x − cell left).
        let right = 1.0 - (0.5 * (xl + xr) - cl as f64);
        line[cl] += d * right;
        if cl < last {
            line[cl + 1] += d * (1.0 - right);
        }
        return;
    }
    // The edge crosses several cells: area right of a line through a cell is the
    // integral of its coverage; use the cumulative "area left of x" function.
    let width = xr - xl;
    // A(x) = ∫_{-∞}^{x} P(x_edge < t) dt.
    let left_area = |x: f64| -> f64 {
        if x <= xl {
            0.0
        } else if x >= xr {
            0.5 * width + (x - xr)
        } else {
            0.5 * (x - xl) * (x - xl) / width
        }
    };
    // With the edge's x uniform over [xl, xr] down the band, the share of cell c
    // right of it is ∫_c^{c+1} P(x_edge < t) dt = A(c+1) − A(c).
    let mut carried = 0.0;
    for (c, cell) in line.iter_mut().enumerate().take(cr).skip(cl) {
        let cov = left_area((c + 1) as f64) - left_area(c as f64);
        *cell += d * (cov - carried);
        carried = cov;
    }
    if cr <= last {
        line[cr] += d * (1.0 - carried);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, LineString};

    fn frame() -> GridFrame {
        GridFrame {
            x0: 0.0,
            y0: 10.0,
            dx: 1.0,
            dy: -1.0,
        }
    }

    fn total(c: &Coverage) -> f64 {
        c.fraction.iter().sum()
    }

    #[test]
    fn aligned_square_covers_whole_cells() {
        let p = polygon![(x: 2.0, y: 2.0), (x: 4.0, y: 2.0), (x: 4.0, y: 4.0), (x: 2.0, y: 4.0)];
        let c = coverage(&MultiPolygon::new(vec![p]), &frame()).unwrap();
        assert_eq!((c.cols, c.rows), (2, 2));
        assert!(
            c.fraction.iter().all(|f| (f - 1.0).abs() < 1e-12),
            "{:?}",
            c.fraction
        );
    }

    #[test]
    fn triangle_splits_cells_exactly() {
        // Right triangle over one cell: half covered.
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
        let c = coverage(&MultiPolygon::new(vec![p]), &frame()).unwrap();
        assert_eq!(c.fraction.len(), 1);
        assert!((c.fraction[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn total_coverage_equals_area_for_irregular_polygons_with_holes() {
        let outer = LineString::from(vec![
            (0.3, 0.2),
            (7.7, 1.1),
            (8.4, 6.9),
            (3.2, 8.3),
            (0.9, 5.5),
            (0.3, 0.2),
        ]);
        let hole = LineString::from(vec![(3.1, 3.3), (5.2, 3.9), (4.4, 5.6), (3.1, 3.3)]);
        let p = geo::Polygon::new(outer, vec![hole]);
        let mp = MultiPolygon::new(vec![p.clone()]);
        let c = coverage(&mp, &frame()).unwrap();
        assert!(
            (total(&c) - p.unsigned_area()).abs() < 1e-9,
            "{} vs {}",
            total(&c),
            p.unsigned_area()
        );
        assert!(c.fraction.iter().all(|f| (0.0..=1.0).contains(f)));
    }

    #[test]
    fn orientation_does_not_matter() {
        let cw = polygon![(x: 0.5, y: 0.5), (x: 0.5, y: 3.2), (x: 2.7, y: 3.2), (x: 2.7, y: 0.5)];
        let ccw = polygon![(x: 0.5, y: 0.5), (x: 2.7, y: 0.5), (x: 2.7, y: 3.2), (x: 0.5, y: 3.2)];
        let a = coverage(&MultiPolygon::new(vec![cw]), &frame()).unwrap();
        let b = coverage(&MultiPolygon::new(vec![ccw]), &frame()).unwrap();
        assert_eq!(a.fraction, b.fraction);
    }

    #[test]
    fn sub_cell_polygon_has_its_area_as_fraction() {
        let p = polygon![(x: 3.1, y: 3.1), (x: 3.4, y: 3.1), (x: 3.4, y: 3.3), (x: 3.1, y: 3.3)];
        let c = coverage(&MultiPolygon::new(vec![p]), &frame()).unwrap();
        assert_eq!(c.fraction.len(), 1);
        assert!((c.fraction[0] - 0.06).abs() < 1e-12);
    }
}
