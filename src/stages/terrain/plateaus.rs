//! Void areas filled with a constant: older SRTM and many county DEMs fill voids with 0
//! (or another constant) over whole areas, untagged. Read as heights, such an area is a
//! flat floor under a cliff; cropland on its rim becomes false reforestation. What gives
//! it away is its rim: a real flat area (a lake, a coastal plain, the sea at 0) meets the
//! land around it within a few metres, a filled void drops tens or hundreds of metres
//! into it from most sides.
//!
//! The scan streams with the terrain stage's strips: runs of equal cells in a row (two or
//! more, or one that has an equal cell above or below) are joined to the runs of the row above with the same value (connected areas),
//! each area counting its cells and its rim — 4-neighbours of another value, and those
//! among them standing `RIM_DROP_M` (and `RIM_TAN` cells) or more above it. Only the areas still open in the
//! last row are held, so memory follows the DEM's width, not its size; an area that ends
//! is kept (as its runs) only when it is a void.

use crate::parcels::Parcels;
use crate::raster::Grid;
use crate::stages::zonal::coverage::{coverage, GridFrame};
use crate::vector::crs;

/// Cells an area needs to be called a void: smaller flat spots are left alone.
pub const MIN_CELLS: u64 = 64;
/// A rim neighbour this much (metres) above the area's value drops steeply into it …
pub const RIM_DROP_M: f32 = 50.0;
/// … and at least this steeply (60°: the rise over one cell at least 1.73 cells): on a
/// coarse grid 50 m is a gentle step, and a lake in a caldera (Crater Lake on a 1° tile
/// of 300 m cells, 1882 m) would look like a filled void.
pub const RIM_TAN: f32 = 1.732;
/// Share of the rim that must drop steeply into the area.
pub const STEEP_RIM_SHARE: f64 = 0.5;

/// The void areas of one value: their cells, and each row run (row, first column, end
/// column) for the parcels that touch them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VoidArea {
    pub value: f64,
    pub cells: u64,
    /// Separate areas of this value.
    pub areas: usize,
    /// Share of their rim standing `RIM_DROP_M` or more above them.
    pub steep_rim_share: f64,
    pub runs: Vec<[u32; 3]>,
}

/// One connected area of equal cells being scanned. Most areas are one short run that
/// ends on the next row: their first run is held inline, no allocation.
#[derive(Debug, Clone, Default)]
struct Area {
    value: f32,
    cells: u64,
    rim: u64,
    steep: u64,
    first: [u32; 3],
    more: Vec<[u32; 3]>,
}

impl Area {
    fn absorb(&mut self, mut o: Area) {
        self.cells += o.cells;
        self.rim += o.rim;
        self.steep += o.steep;
        if o.more.len() > self.more.len() {
            std::mem::swap(&mut self.more, &mut o.more);
        }
        self.more.push(o.first);
        self.more.extend(o.more);
    }

    fn is_void(&self) -> bool {
        self.cells >= MIN_CELLS && self.rim > 0 && self.steep as f64 >= STEEP_RIM_SHARE * self.rim as f64
    }

    fn runs(self) -> impl Iterator<Item = [u32; 3]> {
        std::iter::once(self.first).chain(self.more)
    }
}

/// The scan's state between rows: the runs of the last row, each with its open area.
#[derive(Debug, Default)]
pub struct PlateauScan {
    nodata: Option<f32>,
    /// Runs of the previous row: first column, end column, index into `open`.
    last: Vec<(usize, usize, usize)>,
    open: Vec<Area>,
    found: Vec<Area>,
}

impl PlateauScan {
    pub fn new(nodata: Option<f64>) -> PlateauScan {
        PlateauScan { nodata: nodata.map(|v| v as f32), ..Default::default() }
    }

    fn is_value(&self, v: f32) -> bool {
        !v.is_nan() && Some(v) != self.nodata
    }

    /// Adds raster row `r` (`row`), with the rows above and below it where the raster has
    /// them; `spacing` is the row's larger cell side in metres. Rows must come in order,
    /// each once.
    pub fn add_row(&mut self, r: usize, above: Option<&[f32]>, row: &[f32], below: Option<&[f32]>, spacing: f64) {
        let drop = RIM_DROP_M.max(RIM_TAN * spacing as f32);
        let runs = self.runs_of(r, (above, row, below), drop);
        // Each run of this row starts an area; a run above with the same value that
        // shares a column joins it (union by index, resolved below).
        let mut parent: Vec<usize> = (0..self.open.len() + runs.len()).collect();
        let mut k = 0;
        for (n, (c0, c1, _)) in runs.iter().enumerate() {
            while k < self.last.len() && self.last[k].1 <= *c0 {
                k += 1;
            }
            let mut j = k;
            while j < self.last.len() && self.last[j].0 < *c1 {
                if self.open[self.last[j].2].value.to_bits() == row[*c0].to_bits() {
                    union(&mut parent, self.last[j].2, self.open.len() + n);
                }
                j += 1;
            }
        }
        self.merge(runs, parent);
    }

    /// The runs of equal cells of row `r` that may belong to an area, with their figures.
    fn runs_of(&self, r: usize, (above, row, below): (Option<&[f32]>, &[f32], Option<&[f32]>), drop: f32) -> Vec<(usize, usize, Area)> {
        let mut out = Vec::new();
        let mut c0 = 0;
        while c0 < row.len() {
            let v = row[c0];
            let mut c1 = c0 + 1;
            while c1 < row.len() && row[c1].to_bits() == v.to_bits() {
                c1 += 1;
            }
            // A single cell counts when it continues an area above or below (the tip of
            // a round void); alone it is no area, and a DEM has millions of those.
            let vertical = |other: Option<&[f32]>| other.is_some_and(|o| o[c0].to_bits() == v.to_bits());
            if (c1 - c0 >= 2 || vertical(above) || vertical(below)) && self.is_value(v) {
                let mut area = Area { value: v, cells: (c1 - c0) as u64, first: [r as u32, c0 as u32, c1 as u32], ..Default::default() };
                let sides = [c0.checked_sub(1).map(|c| row[c]), row.get(c1).copied()];
                let vertical = (c0..c1).flat_map(|c| [above.map(|a| a[c]), below.map(|b| b[c])]);
                for n in sides.into_iter().chain(vertical).flatten() {
                    if self.is_value(n) && n.to_bits() != v.to_bits() {
                        area.rim += 1;
                        area.steep += u64::from(n - v >= drop);
                    }
                }
                out.push((c0, c1, area));
            }
            c0 = c1;
        }
        out
    }

    /// Joins the open areas and this row's runs as `parent` says; areas no run of this row
    /// continues are finished.
    fn merge(&mut self, runs: Vec<(usize, usize, Area)>, mut parent: Vec<usize>) {
        let first_new = self.open.len();
        let spans: Vec<(usize, usize)> = runs.iter().map(|r| (r.0, r.1)).collect();
        let areas = std::mem::take(&mut self.open).into_iter().chain(runs.into_iter().map(|r| r.2));
        let mut joined: Vec<Option<Area>> = vec![None; parent.len()];
        let mut continued = vec![false; parent.len()];
        for (i, area) in areas.enumerate() {
            let root = find(&mut parent, i);
            continued[root] |= i >= first_new;
            match &mut joined[root] {
                Some(a) => a.absorb(area),
                slot => *slot = Some(area),
            }
        }
        let mut index = vec![usize::MAX; parent.len()];
        for (root, area) in joined.into_iter().enumerate() {
            let Some(area) = area else { continue };
            match continued[root] {
                true => {
                    index[root] = self.open.len();
                    self.open.push(area);
                }
                false if area.is_void() => self.found.push(area),
                false => {}
            }
        }
        self.last = spans.into_iter().enumerate().map(|(n, (c0, c1))| (c0, c1, index[find(&mut parent, first_new + n)])).collect();
    }

    /// The void areas by value (areas still open at the last row are ended), largest first.
    pub fn finish(mut self) -> Vec<VoidArea> {
        let open = std::mem::take(&mut self.open);
        self.found.extend(open.into_iter().filter(Area::is_void));
        let mut by_value: Vec<VoidArea> = Vec::new();
        let mut rims: Vec<(u64, u64)> = Vec::new();
        for a in self.found {
            let k = match by_value.iter().position(|v| v.value == a.value as f64) {
                Some(k) => k,
                None => {
                    by_value.push(VoidArea { value: a.value as f64, ..Default::default() });
                    rims.push((0, 0));
                    by_value.len() - 1
                }
            };
            rims[k].0 += a.rim;
            rims[k].1 += a.steep;
            let v = &mut by_value[k];
            v.cells += a.cells;
            v.areas += 1;
            v.runs.extend(a.runs());
        }
        for (v, (rim, steep)) in by_value.iter_mut().zip(rims) {
            v.steep_rim_share = steep as f64 / rim.max(1) as f64;
            v.runs.sort_unstable();
        }
        by_value.sort_by(|a, b| b.cells.cmp(&a.cells).then(a.value.total_cmp(&b.value)));
        by_value
    }
}

fn find(parent: &mut [usize], mut k: usize) -> usize {
    while parent[k] != k {
        parent[k] = parent[parent[k]];
        k = parent[k];
    }
    k
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

/// How many parcels have a cell of the areas under them (a cell they cover any part of):
/// those whose slope figures include the false cliffs and floors. Parcels far from the
/// areas are passed over on their bounding boxes.
pub fn parcels_touching(v: &VoidArea, parcels: &Parcels, grid: &Grid) -> usize {
    let Some(cells) = cell_box(&v.runs) else { return 0 };
    let t = &grid.transform;
    let corner = |c: u32, r: u32| (t[0] + c as f64 * t[1], t[3] + r as f64 * t[5]);
    let ((x0, y0), (x1, y1)) = (corner(cells[1], cells[0]), corner(cells[3], cells[2]));
    let mut extent = [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
    let work = &parcels.source.work_crs.wkt;
    // The areas' box in the parcels' CRS (a margin of a cell for the reprojection).
    if let Ok(Some(back)) = crs::transform_between(&grid.crs_wkt, work) {
        extent = back.transform_bounds(&extent, 21).unwrap_or(extent);
    }
    let margin = t[1].abs().max(t[5].abs());
    let to_grid = crs::transform_between(work, &grid.crs_wkt).ok().flatten();
    let frame = GridFrame::of(grid);
    let near = |i: usize| {
        parcels.bounding_rect(i).is_some_and(|b| b.min().x <= extent[2] + margin && b.max().x >= extent[0] - margin && b.min().y <= extent[3] + margin && b.max().y >= extent[1] - margin)
    };
    (0..parcels.len())
        .filter(|&i| near(i))
        .filter(|&i| {
            let g = parcels.geometry(i);
            let shape = match &to_grid {
                Some(t) => match crs::transform_polygons(&g, t) {
                    Ok(s) => s,
                    Err(_) => return false,
                },
                None => g,
            };
            coverage(&shape, &frame).is_some_and(|cov| {
                (0..cov.rows).any(|r| (0..cov.cols).any(|c| cov.fraction[r * cov.cols + c] > 0.0 && in_runs(&v.runs, cov.row0 + r as i64, cov.col0 + c as i64)))
            })
        })
        .count()
}

/// Rows and columns the runs span: first row, first column, end row, end column.
fn cell_box(runs: &[[u32; 3]]) -> Option<[u32; 4]> {
    let first = runs.first()?;
    Some(runs.iter().fold([first[0], first[1], first[0] + 1, first[2]], |b, r| [b[0].min(r[0]), b[1].min(r[1]), b[2].max(r[0] + 1), b[3].max(r[2])]))
}

/// Whether cell (row, col) lies in one of the sorted runs.
fn in_runs(runs: &[[u32; 3]], row: i64, col: i64) -> bool {
    if row < 0 || col < 0 {
        return false;
    }
    let (row, col) = (row as u32, col as u32);
    let at = runs.partition_point(|r| (r[0], r[1]) <= (row, col));
    at > 0 && runs[at - 1][0] == row && col < runs[at - 1][2]
}

/// The warning for the void areas of one value: the DEM, the value, the cells, how much of
/// their rim stands high above them, how many parcels touch them (when known), and the
/// setting that declares them voids (`fix`, followed by the value: "inputs.dem_nodata = ",
/// "--nodata ").
pub fn warning(dem: &str, v: &VoidArea, dem_cells: u64, declared_nodata: Option<f64>, parcels: Option<usize>, fix: &str) -> String {
    let share = v.cells as f64 * 100.0 / dem_cells.max(1) as f64;
    let areas = if v.areas == 1 { "a flat area".to_string() } else { format!("{} flat areas", v.areas) };
    let touching = parcels.map(|n| format!("; {n} parcels touch them")).unwrap_or_default();
    let replaces = match declared_nodata {
        Some(d) if d != v.value => format!(" (it replaces the nodata value {d} the file declares: cells holding that would become heights; fill them with {} first, e.g. with gdal_calc)", v.value),
        _ => String::new(),
    };
    format!(
        "{dem}: {} cells ({share:.3}% of the DEM) hold {}, in {areas} whose rim stands {RIM_DROP_M} m or more (and 60° or steeper) above them on {:.0}% of its length: voids filled with {}, read as heights (false cliffs and slopes){touching}. If they are voids, set {fix}{}{replaces}",
        v.cells,
        v.value,
        v.steep_rim_share * 100.0,
        v.value,
        v.value
    )
}

/// Scans a whole grid held in memory (tests, small windows).
pub fn scan_grid(cells: &[f32], cols: usize, nodata: Option<f64>, spacing: f64) -> Vec<VoidArea> {
    let rows = cells.len() / cols.max(1);
    let row = |r: usize| &cells[r * cols..(r + 1) * cols];
    let mut scan = PlateauScan::new(nodata);
    for r in 0..rows {
        scan.add_row(r, r.checked_sub(1).map(row), row(r), (r + 1 < rows).then(|| row(r + 1)), spacing);
    }
    scan.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 60 × 60 ramp rising 5 m a cell from `base`, with the block (rows, cols) set to `fill`.
    fn ramp(base: f32, step: f32, block: (std::ops::Range<usize>, std::ops::Range<usize>), fill: f32) -> Vec<f32> {
        let mut cells: Vec<f32> = (0..3600).map(|k| base + step * (k % 60) as f32).collect();
        for r in block.0.clone() {
            for c in block.1.clone() {
                cells[r * 60 + c] = fill;
            }
        }
        cells
    }

    #[test]
    fn a_void_filled_with_zeros_in_mountains_is_found_with_its_runs() {
        let cells = ramp(800.0, 5.0, (10..25, 20..35), 0.0);
        let found = scan_grid(&cells, 60, None, 30.0);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].value, found[0].cells, found[0].areas), (0.0, 225, 1));
        assert_eq!(found[0].runs.len(), 15);
        assert_eq!(found[0].runs[0], [10, 20, 35]);
        assert!(found[0].steep_rim_share > 0.99);
        // Two areas of the same value, and an L-shaped one whose arms meet lower down.
        let mut two = ramp(800.0, 5.0, (10..25, 20..35), 0.0);
        for r in 40..55 {
            for c in [5, 6, 7, 8, 40, 41, 42, 43] {
                two[r * 60 + c] = 0.0;
            }
        }
        for c in 5..44 {
            two[55 * 60 + c] = 0.0;
        }
        let found = scan_grid(&two, 60, None, 30.0);
        assert_eq!((found[0].areas, found[0].cells), (2, 225 + 15 * 8 + 39));
    }

    #[test]
    fn cells_are_found_in_runs() {
        let runs = [[3, 2, 5], [3, 8, 9], [4, 0, 1]];
        assert!(in_runs(&runs, 3, 2) && in_runs(&runs, 3, 4) && in_runs(&runs, 3, 8) && in_runs(&runs, 4, 0));
        assert!(!in_runs(&runs, 3, 5) && !in_runs(&runs, 3, 1) && !in_runs(&runs, 4, 1) && !in_runs(&runs, 2, 3) && !in_runs(&runs, -1, 0));
        assert_eq!(cell_box(&runs), Some([3, 0, 5, 9]));
    }

    #[test]
    fn the_sea_and_lakes_are_not_voids() {
        // The sea at 0 beside a coastal ramp rising 2 m a cell.
        let coast = ramp(2.0, 2.0, (0..60, 0..20), 0.0);
        assert!(scan_grid(&coast, 60, None, 30.0).is_empty());
        // A lake (constant surface) in gentle hills, and a small flat spot under a cliff.
        let lake = ramp(300.0, 3.0, (10..30, 10..30), 320.0);
        assert!(scan_grid(&lake, 60, None, 30.0).is_empty());
        let spot = ramp(800.0, 5.0, (10..15, 20..25), 0.0);
        assert!(scan_grid(&spot, 60, None, 30.0).is_empty(), "25 cells: too small to call");
        // Nodata is neither an area nor a rim.
        // A caldera lake on a coarse grid: its walls stand 100 m above it, cells of 300 m.
        let caldera = ramp(1982.0, 1.0, (10..30, 10..30), 1882.0);
        assert!(scan_grid(&caldera, 60, None, 300.0).is_empty());
        assert_eq!(scan_grid(&caldera, 60, None, 30.0).len(), 1, "on 30 m cells, a 100 m step is a cliff");
        let tagged = ramp(800.0, 5.0, (10..25, 20..35), -9999.0);
        assert!(scan_grid(&tagged, 60, Some(-9999.0), 30.0).is_empty());
    }
}
