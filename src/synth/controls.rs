//! Control lines of the sample region, as a county's planning office would hold them:
//! roads by grade along block edges (高速, 省道, 县道, 乡道: the classes a road control
//! line's width depends on), and permanent basic farmland (永久基本农田) over whole blocks
//! of the flat valleys — blocks that also hold roads, ponds and houses, as real 永久基本农田
//! holds some non-cropland.

use super::mosaic::{block_zone, Lattice, Zone};
use super::rng::hash_unit;
use super::terrain::Terrain;

/// A road segment along one block edge: its two ends (map metres), grade and name.
pub struct Road {
    pub ends: [(f64, f64); 2],
    pub grade: &'static str,
    pub name: String,
}

/// The roads: an expressway across a third of the way down, provincial roads across two
/// thirds and down the middle, county roads down every 7th block line, township roads
/// across every 5th. One feature per block edge (a county gets tens of thousands).
pub fn roads(lattice: &Lattice, to_map: &dyn Fn((f64, f64)) -> (f64, f64)) -> Vec<Road> {
    let (nbx, nby) = (lattice.nbx, lattice.nby);
    let mut out = Vec::new();
    let mut across = |j: usize, grade: &'static str, name: String| {
        for i in 0..nbx {
            let ends = [to_map(lattice.corner(i, j)), to_map(lattice.corner(i + 1, j))];
            out.push(Road { ends, grade, name: name.clone() });
        }
    };
    for j in 1..nby {
        match j {
            j if j == nby / 3 => across(j, "高速", "G75".into()),
            j if j == 2 * nby / 3 => across(j, "省道", "S302".into()),
            j if j % 5 == 0 => across(j, "乡道", format!("Y{:03}", j)),
            _ => {}
        }
    }
    for i in 1..nbx {
        let (grade, name) = match i {
            i if i == nbx / 2 => ("省道", "S205".to_string()),
            i if i % 7 == 0 => ("县道", format!("X{:03}", i)),
            _ => continue,
        };
        for j in 0..nby {
            let ends = [to_map(lattice.corner(i, j)), to_map(lattice.corner(i, j + 1))];
            out.push(Road { ends, grade, name: name.clone() });
        }
    }
    out
}

/// Blocks of permanent basic farmland: most flat valley blocks, some gentle ones, a few
/// others; each as its four corners (map metres, closed ring).
pub fn basic_farmland(seed: u64, lattice: &Lattice, terrain: &Terrain, to_map: &dyn Fn((f64, f64)) -> (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for j in 0..lattice.nby {
        for i in 0..lattice.nbx {
            let p = match block_zone(lattice, terrain, i, j) {
                Zone::Valley => 0.75,
                Zone::Gentle => 0.45,
                _ => 0.05,
            };
            if hash_unit(seed, &[77, i as u64, j as u64]) < p {
                let ring = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)];
                out.push(ring.iter().map(|&(a, b)| to_map(lattice.corner(a, b))).collect());
            }
        }
    }
    out
}
