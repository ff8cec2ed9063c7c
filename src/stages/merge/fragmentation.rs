//! Per-village fragmentation figures of cropland, before and after the proposed merges.

use std::collections::BTreeMap;

use super::{MergeGroup, ShapeFigures};
use crate::parcels::Parcels;
use crate::settings::MergeSettings;
use crate::stages::adjacency::Graph;
use crate::stages::reforestation::ParcelFlags;
use crate::stages::zonal::ParcelSlope;

/// Landscape figures of a village's cropland patches.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    pub patch_count: u64,
    pub mean_patch_m2: f64,
    /// Patches per 100 ha of village land.
    pub patch_density: f64,
    /// Metres of cropland patch edge per hectare of village land.
    pub edge_density: f64,
    /// Area-weighted mean shape index of the patches.
    pub awmsi: f64,
    /// Share of cropland area in single fields of at least `large_block_m2`.
    pub large_field_share: f64,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VillageFragmentation {
    pub before: Figures,
    pub after: Figures,
    /// Share of cropland in contiguous blocks (connected by shared edges of at least
    /// `min_shared_m`) of at least `large_block_m2` (集中连片); merges do not change it.
    pub contiguous_share: f64,
}

#[derive(Default)]
struct Acc {
    land_m2: f64,
    count: u64,
    area: f64,
    edge: f64,
    si_weighted: f64,
    large: f64,
}

impl Acc {
    fn add(&mut self, area: f64, perimeter: f64, large_block: f64) {
        self.count += 1;
        self.area += area;
        self.edge += perimeter;
        self.si_weighted += area * super::shape::shape_index(perimeter, area);
        if area >= large_block {
            self.large += area;
        }
    }
    fn figures(&self) -> Figures {
        let ha = self.land_m2 / 10_000.0;
        let per = |v: f64, d: f64| if d > 0.0 { v / d } else { 0.0 };
        Figures {
            patch_count: self.count,
            mean_patch_m2: per(self.area, self.count as f64),
            patch_density: per(self.count as f64 * 100.0, ha),
            edge_density: per(self.edge, ha),
            awmsi: per(self.si_weighted, self.area),
            large_field_share: per(self.large, self.area),
        }
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Figures per village code.
pub fn village_fragmentation(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    shapes: &[ShapeFigures],
    graph: &Graph,
    groups: &[MergeGroup],
    s: &MergeSettings,
) -> BTreeMap<String, VillageFragmentation> {
    let (before, after) = patches(parcels, stats, flags, shapes, groups, s);
    let contiguous = contiguous_cropland(parcels, stats, flags, graph, s);
    before
        .into_iter()
        .map(|(code, b)| {
            let a = after.get(&code).map(|a| a.figures()).unwrap_or_default();
            let share = if b.area > 0.0 {
                contiguous.get(&code).copied().unwrap_or(0.0) / b.area
            } else {
                0.0
            };
            let figures = VillageFragmentation {
                before: b.figures(),
                after: a,
                contiguous_share: share,
            };
            (code, figures)
        })
        .collect()
}

/// Cropland patches per village before the merges (every plot) and after (merged
/// fields, and the plots in no group).
fn patches(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    shapes: &[ShapeFigures],
    groups: &[MergeGroup],
    s: &MergeSettings,
) -> (BTreeMap<String, Acc>, BTreeMap<String, Acc>) {
    let mut before: BTreeMap<String, Acc> = BTreeMap::new();
    let mut after: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, st) in stats.iter().enumerate() {
        let code = parcels.village_code(i);
        before.entry(code.to_string()).or_default().land_m2 += st.area_m2;
        after.entry(code.to_string()).or_default().land_m2 += st.area_m2;
    }
    let mut in_group = vec![false; parcels.len()];
    for g in groups {
        for &m in &g.members {
            in_group[m] = true;
        }
        let village = parcels.village_code(g.members[0]);
        after
            .entry(village.to_string())
            .or_default()
            .add(g.area_m2, g.perimeter_m, s.large_block_m2);
    }
    for i in (0..parcels.len()).filter(|&i| flags[i].is_cropland) {
        let v = parcels.village_code(i);
        let (area, perimeter) = (stats[i].area_m2, shapes[i].perimeter_m);
        before.entry(v.to_string()).or_default().add(area, perimeter, s.large_block_m2);
        if !in_group[i] {
            after.entry(v.to_string()).or_default().add(area, perimeter, s.large_block_m2);
        }
    }
    (before, after)
}

/// Cropland area per village in contiguous blocks (components of cropland–cropland
/// edges of at least `min_shared_m`) of at least `large_block_m2`.
fn contiguous_cropland(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    graph: &Graph,
    s: &MergeSettings,
) -> BTreeMap<String, f64> {
    let n = parcels.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for e in &graph.edges {
        if flags[e.a].is_cropland && flags[e.b].is_cropland && e.shared_m >= s.min_shared_m {
            let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut component_area = vec![0.0; n];
    for i in (0..n).filter(|&i| flags[i].is_cropland) {
        let r = find(&mut parent, i);
        component_area[r] += stats[i].area_m2;
    }
    let mut contiguous: BTreeMap<String, f64> = BTreeMap::new();
    for i in 0..n {
        if flags[i].is_cropland && component_area[find(&mut parent, i)] >= s.large_block_m2 {
            *contiguous.entry(parcels.village_code(i).to_string()).or_default() += stats[i].area_m2;
        }
    }
    contiguous
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::testing::{flags, graph, parcels, rect, slope, square, Plot, V1, V2};
    use std::f64::consts::PI;

    #[test]
    fn village_figures_before_and_after_the_merges() {
        // V1: cropland 0 and 1, 100 m squares side by side, forest 2 above 0; V2: cropland 3,
        // 50 × 100 m, beside 1. One merge group: 0 + 1 (20 000 m², 600 m of edge).
        let plots = [
            Plot::new("0103").at(square(0.0, 0.0, 100.0)),
            Plot::new("0103").at(square(100.0, 0.0, 100.0)),
            Plot::new("0301").at(square(0.0, 100.0, 100.0)),
            Plot::new("0103").village(V2).at(rect(200.0, 0.0, 250.0, 100.0)),
        ];
        let p = parcels(&[], &plots);
        let st = [slope(2, 10_000.0), slope(2, 10_000.0), slope(2, 10_000.0), slope(2, 5_000.0)];
        let f = [flags(true, false), flags(true, false), flags(false, false), flags(true, false)];
        let perimeters = [400.0, 400.0, 400.0, 300.0];
        let shapes: Vec<ShapeFigures> = perimeters.iter().map(|&perimeter_m| ShapeFigures { perimeter_m, ..Default::default() }).collect();
        let g = graph(4, &[(0, 1, 100.0), (0, 2, 100.0), (1, 3, 100.0)]);
        let group = MergeGroup { id: 1, members: vec![0, 1], area_m2: 20_000.0, slope_mean: 4.0, grade: 2, geometry: geo::MultiPolygon::new(Vec::new()), perimeter_m: 600.0 };
        let s = MergeSettings { large_block_m2: 15_000.0, ..Default::default() };
        let v = village_fragmentation(&p, &st, &f, &shapes, &g, &[group], &s);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let si = |perimeter: f64, area: f64| perimeter / (2.0 * (PI * area).sqrt());

        // V1 holds 3 ha of land.
        let b = v[V1].before;
        assert_eq!((b.patch_count, b.mean_patch_m2, b.large_field_share), (2, 10_000.0, 0.0));
        assert!(close(b.patch_density, 2.0 * 100.0 / 3.0) && close(b.edge_density, 800.0 / 3.0), "{b:?}");
        assert!(close(b.awmsi, si(400.0, 10_000.0)), "{b:?}");
        let a = v[V1].after;
        assert_eq!((a.patch_count, a.mean_patch_m2, a.large_field_share), (1, 20_000.0, 1.0), "the merged field is ≥ 15 000 m²");
        assert!(close(a.patch_density, 100.0 / 3.0) && close(a.edge_density, 600.0 / 3.0), "{a:?}");
        assert!(close(a.awmsi, si(600.0, 20_000.0)), "{a:?}");
        // 0–1–3 is one block of 25 000 m² ≥ 15 000 m² across both villages: all of each
        // village's cropland is contiguous.
        assert_eq!((v[V1].contiguous_share, v[V2].contiguous_share), (1.0, 1.0));

        // V2 (0.5 ha): one patch, unchanged by the merges.
        let b = v[V2].before;
        assert_eq!((b.patch_count, b.mean_patch_m2), (1, 5_000.0));
        assert!(close(b.patch_density, 200.0) && close(b.edge_density, 600.0) && close(b.awmsi, si(300.0, 5_000.0)), "{b:?}");
        assert_eq!(v[V2].after, v[V2].before);

        // Without the 1–3 edge, V2's 5 000 m² is a block of its own, under 15 000 m².
        let g = graph(4, &[(0, 1, 100.0), (0, 2, 100.0)]);
        let v = village_fragmentation(&p, &st, &f, &shapes, &g, &[], &s);
        assert_eq!((v[V1].contiguous_share, v[V2].contiguous_share), (1.0, 0.0));
        assert_eq!(v[V1].after, v[V1].before, "no group, no change");
        // An edge shorter than min_shared_m does not join blocks.
        let g = graph(4, &[(0, 1, 4.9)]);
        let v = village_fragmentation(&p, &st, &f, &shapes, &g, &[], &s);
        assert_eq!(v[V1].contiguous_share, 0.0);
    }
}
