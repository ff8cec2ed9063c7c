//! 增减挂钩 拆旧: rural homesteads grouped into settlement clusters (parcels within
//! `cluster_distance_m` of each other, transitively); clusters smaller than
//! `scattered_max_m2` are 零散聚居点 whose parcels are reclaimed — 宜耕 (back to cropland)
//! when the cluster is flat enough and next to cropland, else 宜林 (to forest).

use geo::{Area, BooleanOps, Distance, Euclidean, MultiPolygon};
use rayon::prelude::*;
use rstar::RTree;

use super::adjacency::Graph;
use super::constraints::Constraints;
use super::reforestation::ParcelFlags;
use super::spatial::{padded, Indexed};
use super::rule::{Card, CardSource, RunData};
use super::zonal::{dominant_grade, ParcelSlope};
use crate::parcels::Parcels;
use crate::settings::{ReclamationSettings, Rule};

/// Where reclaimed land goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// 宜耕: back to cropland.
    Cropland,
    /// 宜林: to forest.
    Forest,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Cropland => "宜耕",
            Direction::Forest => "宜林",
        }
    }
}

/// A settlement cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub id: usize,
    /// Member parcels, by index.
    pub members: Vec<usize>,
    pub area_m2: f64,
    pub scattered: bool,
    pub direction: Direction,
    /// Dominant grade over the members' areas.
    pub grade: u8,
    pub geometry: MultiPolygon<f64>,
}

/// The reclamation plan: every homestead's cluster, and the parcels to reclaim.
#[derive(Debug, Clone, Default)]
pub struct ReclamationPlan {
    pub clusters: Vec<Cluster>,
    /// Index into `clusters` of each parcel's cluster (None: not a homestead).
    pub cluster_of: Vec<Option<usize>>,
    /// 拆旧 candidates: members of scattered clusters no constraint retains.
    pub candidate: Vec<bool>,
}

/// What reclamation reads.
pub struct ReclamationInputs<'a> {
    pub parcels: &'a Parcels,
    pub slope: &'a [ParcelSlope],
    pub flags: &'a [ParcelFlags],
    pub graph: &'a Graph,
    pub constraints: Constraints<'a>,
    pub settings: &'a ReclamationSettings,
}

/// Clusters the homesteads and picks the scattered ones.
pub fn plan(inp: &ReclamationInputs) -> ReclamationPlan {
    let n = inp.parcels.len();
    let homes: Vec<usize> = (0..n).filter(|&i| is_homestead(inp, i)).collect();
    let groups = cluster(inp, &homes);
    let mut plan = ReclamationPlan { clusters: Vec::new(), cluster_of: vec![None; n], candidate: vec![false; n] };
    plan.clusters = groups.into_par_iter().enumerate().map(|(k, members)| make_cluster(inp, k + 1, members)).collect();
    for (k, c) in plan.clusters.iter().enumerate() {
        for &m in &c.members {
            plan.cluster_of[m] = Some(k);
            plan.candidate[m] = c.scattered && inp.constraints.allow(m, Rule::Reclamation);
        }
    }
    plan
}

fn is_homestead(inp: &ReclamationInputs, i: usize) -> bool {
    let code = inp.parcels.land_use(i).trim_end_matches(['K', 'k']);
    inp.settings.codes.iter().any(|c| c == code)
}

/// Connected components of "within `cluster_distance_m`", each sorted by parcel index,
/// ordered by their first member.
fn cluster(inp: &ReclamationInputs, homes: &[usize]) -> Vec<Vec<usize>> {
    let d = inp.settings.cluster_distance_m;
    let items: Vec<Indexed> = homes
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| inp.parcels.bounding_rect(i).map(|r| Indexed { index: k, envelope: padded(r, d / 2.0) }))
        .collect();
    let tree = RTree::bulk_load(items);
    let geometries: Vec<MultiPolygon<f64>> = homes.par_iter().map(|&i| inp.parcels.geometry(i)).collect();
    let pairs: Vec<(usize, usize)> = tree
        .intersection_candidates_with_other_tree(&tree)
        .filter(|(a, b)| a.index < b.index)
        .map(|(a, b)| (a.index, b.index))
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter(|&(a, b)| distance(&geometries[a], &geometries[b]) <= d)
        .collect();
    let mut parent: Vec<usize> = (0..homes.len()).collect();
    for (a, b) in pairs {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (k, &home) in homes.iter().enumerate() {
        let root = find(&mut parent, k);
        groups.entry(root).or_default().push(home);
    }
    groups.into_values().collect()
}

/// Shortest distance between two multipolygons (0 when they touch or overlap).
fn distance(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    b.0.iter().map(|p| Euclidean::distance(a, p)).fold(f64::INFINITY, f64::min)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// A cluster's figures: area, scattered or not, dominant grade, direction, outline.
fn make_cluster(inp: &ReclamationInputs, id: usize, members: Vec<usize>) -> Cluster {
    let s = inp.settings;
    let area_m2: f64 = members.iter().map(|&i| inp.slope[i].area_m2).sum();
    let mut per_grade = [0.0; 5];
    for &m in &members {
        for (acc, share) in per_grade.iter_mut().zip(inp.slope[m].share) {
            *acc += share * inp.slope[m].area_m2;
        }
    }
    let grade = if per_grade.iter().any(|a| *a > 0.0) { dominant_grade(&per_grade) } else { 0 };
    let next_to_cropland = members
        .iter()
        .any(|&m| inp.graph.neighbours[m].iter().any(|(j, _)| inp.flags[*j].is_cropland));
    let flat = (1..=s.max_cropland_grade).contains(&grade);
    let direction = if flat && next_to_cropland { Direction::Cropland } else { Direction::Forest };
    let parts: Vec<MultiPolygon<f64>> = members.iter().map(|&m| inp.parcels.geometry(m)).collect();
    let geometry = parts.iter().skip(1).fold(parts[0].clone(), |acc, p| acc.union(p));
    Cluster { id, members, area_m2, scattered: area_m2 < s.scattered_max_m2, direction, grade, geometry: MultiPolygon::new(geometry.0.into_iter().filter(|p| p.unsigned_area() > 0.0).collect()) }
}

/// 增减挂钩 as a rule of the run: the reclamation plan and its ledger.
pub struct Reclamation;

impl super::rule::Rule for Reclamation {
    fn name(&self) -> &'static str {
        "reclamation"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.reclamation.enabled
    }

    fn decide(&self, d: &RunData, _progress: &crate::progress::Progress, _cancel: &crate::context::CancelToken) -> crate::error::Result<()> {
        let s = d.settings;
        let inputs = ReclamationInputs { parcels: d.parcels, slope: d.slope, flags: d.flags(), graph: d.graph, constraints: d.constraints, settings: &s.reclamation };
        let plan = d.put(plan(&inputs));
        d.put(super::linkage::ledger(d.parcels, d.slope, plan, s.reclamation.rebuild_ratio, s.swap.township_digits));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<ReclamationPlan>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        let plan = d.need::<ReclamationPlan>();
        let direction = plan.cluster_of[i].filter(|_| plan.candidate[i]).map(|c| plan.clusters[c].direction)?;
        Some(match direction {
            Direction::Cropland => "cropland",
            Direction::Forest => "forest",
        })
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("demolish_mu", "增减挂钩拆旧面积", "linkage: reclaimed", "亩", 2, CardSource::Total("linkage_ledger", "demolish_mu")),
            ("rebuild_mu", "建新预留面积", "linkage: reserved for building", "亩", 2, CardSource::Total("linkage_ledger", "rebuild_mu")),
            ("surplus_mu", "节余指标", "linkage: surplus quota", "亩", 2, CardSource::Total("linkage_ledger", "surplus_mu")),
        ]
    }
}
