//! A survey-like parcel mosaic with no gaps and no overlaps.
//!
//! The region is cut into blocks by a jittered, gently warped lattice. Every parcel is
//! an axis-aligned rectangle in integer "plan" coordinates (UNITS per block), possibly
//! with a rectangular hole; plan coordinates map to the map by bilinear interpolation
//! inside each block. Every parcel boundary passes through every vertex lying on it
//! (lattice nodes and other parcels' corners), so neighbours share vertices exactly and
//! the mosaic is clean by construction.

use std::collections::HashMap;

use super::rng::{hash_unit, Rng};
use super::terrain::Terrain;

/// Plan units per block side; divisible by 2..6 so strips and grids land on integers.
pub const UNITS: i64 = 60;

/// Land-use kinds the generator places (GB/T 21010 / 三调 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Paddy,
    Irrigated,
    Dryland,
    Orchard,
    Tea,
    OtherGarden,
    Forest,
    Bamboo,
    Shrub,
    OtherForest,
    Grass,
    House,
    Road,
    Ditch,
    Pond,
    Facility,
}

impl Kind {
    /// (DLBM, DLMC)
    pub fn code(self) -> (&'static str, &'static str) {
        match self {
            Kind::Paddy => ("0101", "水田"),
            Kind::Irrigated => ("0102", "水浇地"),
            Kind::Dryland => ("0103", "旱地"),
            Kind::Orchard => ("0201", "果园"),
            Kind::Tea => ("0202", "茶园"),
            Kind::OtherGarden => ("0204", "其他园地"),
            Kind::Forest => ("0301", "乔木林地"),
            Kind::Bamboo => ("0302", "竹林地"),
            Kind::Shrub => ("0305", "灌木林地"),
            Kind::OtherForest => ("0307", "其他林地"),
            Kind::Grass => ("0404", "其他草地"),
            Kind::House => ("0702", "农村宅基地"),
            Kind::Road => ("1006", "农村道路"),
            Kind::Ditch => ("1107", "沟渠"),
            Kind::Pond => ("1104", "坑塘水面"),
            Kind::Facility => ("1202", "设施农用地"),
        }
    }

    pub fn is_cropland(self) -> bool {
        matches!(self, Kind::Paddy | Kind::Irrigated | Kind::Dryland)
    }
}

/// One parcel in plan coordinates.
#[derive(Debug, Clone)]
pub struct Piece {
    /// x0, y0, x1, y1 in plan units (y grows southwards).
    pub rect: [i64; 4],
    pub hole: Option<[i64; 4]>,
    pub kind: Kind,
    /// Terrace (梯田) rather than slope land (坡地), for cropland on slopes.
    pub terrace: bool,
}

/// The jittered lattice: block corner positions in metres from the upper-left corner.
pub struct Lattice {
    pub nbx: usize,
    pub nby: usize,
    nodes: Vec<(f64, f64)>,
}

impl Lattice {
    pub fn new(seed: u64, width: f64, height: f64, nbx: usize, nby: usize) -> Lattice {
        let (bx, by) = (width / nbx as f64, height / nby as f64);
        let mut nodes = Vec::with_capacity((nbx + 1) * (nby + 1));
        for j in 0..=nby {
            for i in 0..=nbx {
                let (mut x, mut y) = (i as f64 * bx, j as f64 * by);
                let jx = (hash_unit(seed, &[11, i as u64, j as u64]) - 0.5) * 0.40 * bx;
                let jy = (hash_unit(seed, &[12, i as u64, j as u64]) - 0.5) * 0.40 * by;
                // A smooth warp bends long runs of block edges.
                let wx = 0.30 * bx * (y / (9.1 * by) + x / (23.0 * bx)).sin();
                let wy = 0.30 * by * (x / (7.3 * bx) - y / (19.0 * by)).sin();
                // The outer boundary stays the exact rectangle: nodes move along it only.
                if i != 0 && i != nbx {
                    x += jx + wx;
                }
                if j != 0 && j != nby {
                    y += jy + wy;
                }
                nodes.push((x, y));
            }
        }
        Lattice { nbx, nby, nodes }
    }

    fn node(&self, i: usize, j: usize) -> (f64, f64) {
        self.nodes[j * (self.nbx + 1) + i]
    }

    /// Map position (metres from the upper-left, y south) of a plan point.
    pub fn world(&self, x: i64, y: i64) -> (f64, f64) {
        let bi = ((x / UNITS) as usize).min(self.nbx - 1);
        let bj = ((y / UNITS) as usize).min(self.nby - 1);
        let u = (x - bi as i64 * UNITS) as f64 / UNITS as f64;
        let v = (y - bj as i64 * UNITS) as f64 / UNITS as f64;
        let (p00, p10, p01, p11) = (
            self.node(bi, bj),
            self.node(bi + 1, bj),
            self.node(bi, bj + 1),
            self.node(bi + 1, bj + 1),
        );
        let a = (1.0 - u) * (1.0 - v);
        let b = u * (1.0 - v);
        let c = (1.0 - u) * v;
        let d = u * v;
        (
            a * p00.0 + b * p10.0 + c * p01.0 + d * p11.0,
            a * p00.1 + b * p10.1 + c * p01.1 + d * p11.1,
        )
    }

    /// Centre of block (i, j) in metres.
    pub fn block_centre(&self, i: usize, j: usize) -> (f64, f64) {
        self.world(i as i64 * UNITS + UNITS / 2, j as i64 * UNITS + UNITS / 2)
    }

    /// Map position of lattice node (i, j), 0 ≤ i ≤ nbx, 0 ≤ j ≤ nby.
    pub fn corner(&self, i: usize, j: usize) -> (f64, f64) {
        self.node(i, j)
    }
}

/// Cut positions splitting [0, UNITS] into `n` irregular parts of at least 6 units.
fn cuts(rng: &mut Rng, n: usize) -> Vec<i64> {
    let weights: Vec<f64> = (0..n).map(|_| 1.0 + rng.unit() * 1.5).collect();
    let total: f64 = weights.iter().sum();
    let mut out = vec![0];
    let mut acc = 0.0;
    for w in &weights[..n - 1] {
        acc += w;
        let c = ((acc / total * UNITS as f64 / 3.0).round() as i64 * 3).clamp(6, UNITS - 6);
        if c - out.last().copied().unwrap_or(0) >= 6 && UNITS - c >= 6 {
            out.push(c);
        }
    }
    out.push(UNITS);
    out
}

/// Slope zones that drive land use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Valley,
    Gentle,
    Moderate,
    Steep,
}

/// The zone of block (i, j): from the terrain's slope around its centre.
pub fn block_zone(lattice: &Lattice, terrain: &Terrain, i: usize, j: usize) -> Zone {
    let (x, y) = lattice.block_centre(i, j);
    zone_of(terrain.slope_deg(x, y, 8.0))
}

fn zone_of(slope: f64) -> Zone {
    match slope {
        s if s <= 4.0 => Zone::Valley,
        s if s <= 12.0 => Zone::Gentle,
        s if s <= 25.0 => Zone::Moderate,
        _ => Zone::Steep,
    }
}

fn plot_kind(rng: &mut Rng, zone: Zone) -> Kind {
    use Kind::*;
    *match zone {
        Zone::Valley => rng.weighted(&[
            (Paddy, 70.0),
            (Irrigated, 10.0),
            (Dryland, 7.0),
            (House, 4.0),
            (Pond, 3.0),
            (Facility, 2.0),
            (Orchard, 4.0),
        ]),
        Zone::Gentle => rng.weighted(&[
            (Dryland, 38.0),
            (Paddy, 16.0),
            (Orchard, 10.0),
            (Tea, 12.0),
            (Grass, 5.0),
            (House, 6.0),
            (OtherGarden, 4.0),
            (Irrigated, 4.0),
            (Facility, 1.0),
        ]),
        Zone::Moderate => rng.weighted(&[
            (Dryland, 45.0),
            (Tea, 25.0),
            (Orchard, 10.0),
            (Grass, 10.0),
            (OtherGarden, 10.0),
        ]),
        Zone::Steep => rng.weighted(&[(Dryland, 70.0), (Grass, 20.0), (Tea, 10.0)]),
    }
}

/// Lays out the parcels of the whole region, block by block in a fixed order.
pub fn layout(seed: u64, lattice: &Lattice, terrain: &Terrain) -> Vec<Piece> {
    let (nbx, nby) = (lattice.nbx, lattice.nby);
    let mut rng = Rng::new(seed, 7);
    let (zones, forest) = block_zones(&mut rng, lattice, terrain);
    let mut blocks = Blocks {
        nbx,
        nby,
        forest,
        taken: vec![false; nbx * nby],
    };
    let mut pieces = Vec::new();
    for j in 0..nby {
        for i in 0..nbx {
            let k = j * nbx + i;
            if blocks.taken[k] {
                continue;
            }
            if blocks.forest[k] {
                forest_pieces(&mut rng, &mut blocks, i, j, &mut pieces);
                continue;
            }
            blocks.taken[k] = true;
            farm_pieces(&mut rng, zones[k], i, j, &mut pieces);
        }
    }
    pieces
}

/// The zone of each block (from the slope around its centre) and whether it is forest.
fn block_zones(rng: &mut Rng, lattice: &Lattice, terrain: &Terrain) -> (Vec<Zone>, Vec<bool>) {
    let n = lattice.nbx * lattice.nby;
    let (mut zones, mut forest) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for j in 0..lattice.nby {
        for i in 0..lattice.nbx {
            let (x, y) = lattice.block_centre(i, j);
            let zone = zone_of(terrain.slope_deg(x, y, 8.0));
            let p_forest = match zone {
                Zone::Valley => 0.03,
                Zone::Gentle => 0.20,
                Zone::Moderate => 0.55,
                Zone::Steep => 0.80,
            };
            zones.push(zone);
            forest.push(rng.chance(p_forest));
        }
    }
    (zones, forest)
}

/// Which blocks are forest and which are already used by a piece.
struct Blocks {
    nbx: usize,
    nby: usize,
    forest: Vec<bool>,
    taken: Vec<bool>,
}

impl Blocks {
    fn free_forest(&self, i: usize, j: usize, w: usize, h: usize) -> bool {
        i + w <= self.nbx
            && j + h <= self.nby
            && (0..h).all(|dj| {
                (0..w).all(|di| {
                    let k = (j + dj) * self.nbx + i + di;
                    self.forest[k] && !self.taken[k]
                })
            })
    }
}

fn piece(rect: [i64; 4], kind: Kind) -> Piece {
    Piece {
        rect,
        hole: None,
        kind,
        terrace: false,
    }
}

/// A large forest parcel over up to 3×2 free forest blocks, sometimes with a clearing
/// (dry land or a house) as a hole.
fn forest_pieces(rng: &mut Rng, blocks: &mut Blocks, i: usize, j: usize, pieces: &mut Vec<Piece>) {
    let (x0, y0) = (i as i64 * UNITS, j as i64 * UNITS);
    let sizes = [(3, 2), (2, 2), (2, 1), (1, 2), (1, 1)];
    let start = rng.range(0, 2) as usize;
    let (w, h) = sizes[start..]
        .iter()
        .copied()
        .find(|&(w, h)| blocks.free_forest(i, j, w, h))
        .unwrap_or((1, 1));
    for dj in 0..h {
        for di in 0..w {
            blocks.taken[(j + dj) * blocks.nbx + i + di] = true;
        }
    }
    let kind = *rng.weighted(&[
        (Kind::Forest, 70.0),
        (Kind::Bamboo, 15.0),
        (Kind::Shrub, 10.0),
        (Kind::OtherForest, 5.0),
    ]);
    let rect = [x0, y0, x0 + w as i64 * UNITS, y0 + h as i64 * UNITS];
    let hole = (rng.chance(0.15)).then(|| {
        let (hx, hy) = (x0 + rng.range(5, 8) * 3, y0 + rng.range(5, 8) * 3);
        [hx, hy, hx + rng.range(4, 7) * 3, hy + rng.range(4, 7) * 3]
    });
    pieces.push(Piece { hole, ..piece(rect, kind) });
    if let Some(h) = hole {
        let kind = if rng.chance(0.6) { Kind::Dryland } else { Kind::House };
        pieces.push(piece(h, kind));
    }
}

/// A farmed block: an optional ditch or road strip, then a pond in a paddy, or plots.
fn farm_pieces(rng: &mut Rng, zone: Zone, i: usize, j: usize, pieces: &mut Vec<Piece>) {
    let (x0, y0) = (i as i64 * UNITS, j as i64 * UNITS);
    let mut y_start = y0;
    // Long thin strips: a ditch or a road along some valley blocks.
    if zone == Zone::Valley && rng.chance(0.15) {
        let kind = if rng.chance(0.5) { Kind::Ditch } else { Kind::Road };
        pieces.push(piece([x0, y0, x0 + UNITS, y0 + 3], kind));
        y_start = y0 + 3;
    }
    // A pond inside a paddy block: a parcel with a hole.
    if zone == Zone::Valley && y_start == y0 && rng.chance(0.05) {
        let hole = [x0 + 21, y0 + 21, x0 + 39, y0 + 36];
        pieces.push(Piece { hole: Some(hole), ..piece([x0, y0, x0 + UNITS, y0 + UNITS], Kind::Paddy) });
        pieces.push(piece(hole, Kind::Pond));
        return;
    }
    plots(rng, zone, (x0, y0), y_start, pieces);
}

/// The block cut into strips or a grid of plots.
fn plots(rng: &mut Rng, zone: Zone, (x0, y0): (i64, i64), y_start: i64, pieces: &mut Vec<Piece>) {
    let terrace_p = match zone {
        Zone::Valley => 0.0,
        Zone::Gentle => 0.5,
        Zone::Moderate => 0.6,
        Zone::Steep => 0.15,
    };
    let (max_split, grid_p) = match zone {
        Zone::Valley => (6, 0.35),
        Zone::Gentle => (4, 0.3),
        _ => (3, 0.2),
    };
    let (xs, ys) = if rng.chance(grid_p) {
        let (nx, ny) = (rng.range(2, 3) as usize, rng.range(2, 3) as usize);
        (cuts(rng, nx), cuts(rng, ny))
    } else {
        let n = rng.range(1, max_split) as usize;
        if rng.chance(0.5) {
            (cuts(rng, n), vec![0, UNITS])
        } else {
            (vec![0, UNITS], cuts(rng, n))
        }
    };
    for yw in ys.windows(2) {
        let (py0, py1) = ((y0 + yw[0]).max(y_start), y0 + yw[1]);
        if py1 <= py0 {
            continue;
        }
        for xw in xs.windows(2) {
            let kind = plot_kind(rng, zone);
            let terrace = kind.is_cropland() && rng.chance(terrace_p);
            pieces.push(Piece { terrace, ..piece([x0 + xw[0], py0, x0 + xw[1], py1], kind) });
        }
    }
}

/// Vertices lying on each horizontal and vertical plan line, so every boundary walks
/// through all of them.
pub struct Registry {
    horizontal: HashMap<i64, Vec<i64>>,
    vertical: HashMap<i64, Vec<i64>>,
}

impl Registry {
    pub fn new(pieces: &[Piece], lattice: &Lattice) -> Registry {
        let mut horizontal: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut vertical: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut add = |x: i64, y: i64| {
            horizontal.entry(y).or_default().push(x);
            vertical.entry(x).or_default().push(y);
        };
        for j in 0..=lattice.nby as i64 {
            for i in 0..=lattice.nbx as i64 {
                add(i * UNITS, j * UNITS);
            }
        }
        for p in pieces {
            for r in std::iter::once(&p.rect).chain(p.hole.as_ref()) {
                for (x, y) in [(r[0], r[1]), (r[2], r[1]), (r[2], r[3]), (r[0], r[3])] {
                    add(x, y);
                }
            }
        }
        for v in horizontal.values_mut().chain(vertical.values_mut()) {
            v.sort_unstable();
            v.dedup();
        }
        Registry {
            horizontal,
            vertical,
        }
    }

    fn between(line: Option<&Vec<i64>>, lo: i64, hi: i64) -> &[i64] {
        match line {
            Some(v) => {
                let a = v.partition_point(|&t| t <= lo);
                let b = v.partition_point(|&t| t < hi);
                &v[a..b.max(a)]
            }
            None => &[],
        }
    }

    /// Closed ring of a plan rectangle, clockwise on the map (y south), through every
    /// registered vertex on its sides.
    pub fn ring(&self, r: [i64; 4]) -> Vec<(i64, i64)> {
        let [x0, y0, x1, y1] = r;
        let mut pts = vec![(x0, y0)];
        pts.extend(
            Self::between(self.horizontal.get(&y0), x0, x1)
                .iter()
                .map(|&x| (x, y0)),
        );
        pts.push((x1, y0));
        pts.extend(
            Self::between(self.vertical.get(&x1), y0, y1)
                .iter()
                .map(|&y| (x1, y)),
        );
        pts.push((x1, y1));
        pts.extend(
            Self::between(self.horizontal.get(&y1), x0, x1)
                .iter()
                .rev()
                .map(|&x| (x, y1)),
        );
        pts.push((x0, y1));
        pts.extend(
            Self::between(self.vertical.get(&x0), y0, y1)
                .iter()
                .rev()
                .map(|&y| (x0, y)),
        );
        pts.push((x0, y0));
        pts
    }
}

#[cfg(test)]
mod tests;
