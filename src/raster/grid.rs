//! A raster grid as plain data, and ground distances on it (metres per cell, also on
//! geographic grids).

use ndarray::{s, ArrayView2, ArrayViewMut2};

/// A raster grid as plain data: size, geotransform, CRS and nodata.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// GDAL geotransform: x0, dx, rx, y0, ry, dy (dy < 0 for north-up).
    pub transform: [f64; 6],
    /// CRS as WKT ("" when unknown).
    pub crs_wkt: String,
    /// Lat/lon CRS: cell spacing must be converted to metres per row.
    pub geographic: bool,
    /// Ellipsoid semi-major axis and semi-minor axis (metres), for geographic grids.
    pub ellipsoid: (f64, f64),
    pub nodata: Option<f64>,
}

impl Grid {
    /// x, y of the upper-left corner of cell (col, row).
    pub fn corner(&self, col: f64, row: f64) -> (f64, f64) {
        let t = &self.transform;
        (
            t[0] + col * t[1] + row * t[2],
            t[3] + col * t[4] + row * t[5],
        )
    }

    /// (min x, min y, max x, max y) of the whole grid.
    pub fn extent(&self) -> [f64; 4] {
        let (x0, y0) = self.corner(0.0, 0.0);
        let (x1, y1) = self.corner(self.cols as f64, self.rows as f64);
        [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]
    }

    pub fn is_north_up(&self) -> bool {
        self.transform[2] == 0.0
            && self.transform[4] == 0.0
            && self.transform[1] > 0.0
            && self.transform[5] < 0.0
    }

    /// Ground spacing in metres (east-west, north-south) for a row: the CRS units
    /// for projected grids, the ellipsoid's arc lengths at the row's latitude for
    /// geographic ones (east-west spacing shrinks with cos(latitude)).
    pub fn row_spacing(&self, row: usize) -> (f64, f64) {
        let t = &self.transform;
        if !self.geographic {
            return (t[1], t[5]);
        }
        let (a, b) = self.ellipsoid;
        let e2 = 1.0 - (b * b) / (a * a);
        let lat = (t[3] + (row as f64 + 0.5) * t[5]).to_radians();
        let s = lat.sin();
        let w = (1.0 - e2 * s * s).sqrt();
        let prime_vertical = a / w; // N: radius of curvature in the prime vertical
        let meridional = a * (1.0 - e2) / (w * w * w); // M: radius of curvature in the meridian
        (
            t[1].to_radians() * prime_vertical * lat.cos(),
            t[5].to_radians() * meridional,
        )
    }

    /// Area of one cell of a row, in square metres.
    pub fn cell_area(&self, row: usize) -> f64 {
        let (dx, dy) = self.row_spacing(row);
        (dx * dy).abs()
    }
}

/// A window of cells: first column and row (may lie outside the grid), size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub col0: i64,
    pub row0: i64,
    pub cols: usize,
    pub rows: usize,
}

impl Window {
    /// The part of the window inside the grid; None when none is.
    pub fn within(self, grid: &Grid) -> Option<Window> {
        let (c0, r0) = (self.col0.max(0), self.row0.max(0));
        let c1 = (self.col0 + self.cols as i64).min(grid.cols as i64);
        let r1 = (self.row0 + self.rows as i64).min(grid.rows as i64);
        (c1 > c0 && r1 > r0).then(|| Window { col0: c0, row0: r0, cols: (c1 - c0) as usize, rows: (r1 - r0) as usize })
    }

    /// Copies `cells` (the part `inside` of this window, row major) into `out` (this
    /// whole window, row major).
    pub fn paste(self, inside: Window, cells: &[f32], out: &mut [f32]) {
        let from = ArrayView2::from_shape((inside.rows, inside.cols), cells).expect("cells fill the inside part");
        self.place(inside, from, out);
    }

    /// The window's cells from a whole grid held in memory (`cells`, row major);
    /// cells outside the grid are `fill`.
    pub fn read_from(self, grid: &Grid, cells: &[f32], fill: f32, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.cols * self.rows, fill);
        let Some(inside) = self.within(grid) else { return };
        let whole = ArrayView2::from_shape((grid.rows, grid.cols), cells).expect("cells fill the grid");
        let (r0, c0) = (inside.row0 as usize, inside.col0 as usize);
        self.place(inside, whole.slice(s![r0..r0 + inside.rows, c0..c0 + inside.cols]), out);
    }

    /// Puts `from`, the part `inside` of this window, at its place in `out` (this whole
    /// window, row major).
    fn place(self, inside: Window, from: ArrayView2<f32>, out: &mut [f32]) {
        let mut to = ArrayViewMut2::from_shape((self.rows, self.cols), out).expect("out holds the window");
        let (r, c) = ((inside.row0 - self.row0) as usize, (inside.col0 - self.col0) as usize);
        to.slice_mut(s![r..r + inside.rows, c..c + inside.cols]).assign(&from);
    }
}
