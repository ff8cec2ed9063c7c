//! 增减挂钩 拆旧: rural homesteads grouped into settlement clusters (parcels within
//! `cluster_distance_m` of each other, transitively); clusters smaller than
//! `scattered_max_m2` are 零散聚居点 whose parcels are reclaimed — 宜耕 (back to cropland)
//! when the cluster is flat enough and next to cropland, else 宜林 (to forest). The rule
//! also restores construction inside the ecological red line to nature
//! (`super::eco_restoration`), which takes precedence over 拆旧.

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
        // Construction inside the red line goes back to nature first: never 拆旧 quota.
        let eco = d.put(super::eco_restoration::plan(d));
        let inputs = ReclamationInputs { parcels: d.parcels, slope: d.slope, flags: d.flags(), graph: d.graph, constraints: d.constraints, settings: &s.reclamation };
        let mut reclaimed = plan(&inputs);
        for (candidate, target) in reclaimed.candidate.iter_mut().zip(&eco.target) {
            *candidate &= target.is_none();
        }
        let plan = d.put(reclaimed);
        d.put(super::linkage::ledger(d.parcels, d.slope, plan, &s.reclamation, s.swap.township_digits));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<ReclamationPlan>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        if let Some(class) = d.need::<super::eco_restoration::EcoRestoration>().target[i] {
            return Some(class);
        }
        let plan = d.need::<ReclamationPlan>();
        let direction = plan.cluster_of[i].filter(|_| plan.candidate[i]).map(|c| plan.clusters[c].direction)?;
        Some(match direction {
            Direction::Cropland => "cropland",
            Direction::Forest => "forest",
        })
    }

    fn plan_kind(&self, d: &RunData, i: usize) -> Option<&'static str> {
        match d.need::<super::eco_restoration::EcoRestoration>().target[i] {
            Some(_) => Some("eco_restoration"),
            None => self.planned(d, i).map(|_| "reclamation"),
        }
    }

    fn supplies(&self, d: &RunData, i: usize) -> Option<super::supply::Supplied> {
        let plan = d.get::<ReclamationPlan>()?;
        let c = plan.cluster_of[i].filter(|&c| plan.candidate[i] && plan.clusters[c].direction == Direction::Cropland)?;
        let reason = format!("{}{c}", d.settings.output.language.pick("增减挂钩拆旧复垦宜耕，聚居点", "linkage: reclaimed to cropland, settlement cluster "));
        Some(super::supply::Supplied { source: super::supply::Source::Linkage, reason })
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(eco) = d.get::<super::eco_restoration::EcoRestoration>() else { return Vec::new() };
        vec![("eco_restoration_parcels", eco.target.iter().filter(|t| t.is_some()).count().into())]
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("demolish_mu", "增减挂钩拆旧面积", "linkage: reclaimed", "亩", 2, CardSource::Total("linkage_ledger", "demolish_mu")),
            ("rebuild_mu", "建新预留面积", "linkage: reserved for building", "亩", 2, CardSource::Total("linkage_ledger", "rebuild_mu")),
            ("surplus_mu", "节余指标", "linkage: surplus quota", "亩", 2, CardSource::Total("linkage_ledger", "surplus_mu")),
            ("reward_mu", "节余奖励指标", "linkage: reward on the surplus", "亩", 2, CardSource::Total("linkage_ledger", "reward_mu")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ConstraintMode;
    use crate::stages::testing::{constraint, flags, graph, parcels, slope, square, Plot};

    /// Plots, slope figures, flags and shared boundaries.
    type Fixture = (Vec<Plot>, Vec<ParcelSlope>, Vec<ParcelFlags>, Vec<(usize, usize, f64)>);

    /// 0–2: homesteads 0702 at x = 0, 40, 100 (10 m squares: gaps 30 m and exactly 50 m);
    /// 3: a homestead at x = 200 (90 m from 2); 4: urban housing 0701 at x = 20; 5: 0702K
    /// at x = 300; 6: a homestead at (250, 45), whose corner is √(40² + 35²) = 53.15 m
    /// from 3 and from 5 (its box, padded by 25 m, meets theirs); 7: cropland next to 3
    /// and 5; 8: forest next to 6.
    fn fixture() -> Fixture {
        let home = |x: f64, y: f64| Plot::new("0702").at(square(x, y, 10.0));
        let plots = vec![
            home(0.0, 0.0),
            home(40.0, 0.0),
            home(100.0, 0.0),
            home(200.0, 0.0),
            Plot::new("0701").at(square(20.0, 0.0, 10.0)),
            Plot::new("0702K").at(square(300.0, 0.0, 10.0)),
            home(250.0, 45.0),
            Plot::new("0103").at(square(1000.0, 0.0, 10.0)),
            Plot::new("0301").at(square(2000.0, 0.0, 10.0)),
        ];
        let slope = vec![
            slope(2, 1200.0),
            slope(2, 1200.0),
            slope(2, 1200.0),
            slope(2, 1000.0),
            slope(1, 500.0),
            slope(5, 1000.0),
            slope(1, 2999.99),
            slope(2, 5000.0),
            slope(3, 5000.0),
        ];
        let mut f = vec![flags(false, false); 9];
        f[7] = flags(true, false);
        (plots, slope, f, vec![(3, 7, 10.0), (5, 7, 10.0), (6, 8, 10.0)])
    }

    fn run(s: &ReclamationSettings, c: Constraints) -> ReclamationPlan {
        let (plots, slope, flags, edges) = fixture();
        let p = parcels(&[], &plots);
        let g = graph(plots.len(), &edges);
        plan(&ReclamationInputs { parcels: &p, slope: &slope, flags: &flags, graph: &g, constraints: c, settings: s })
    }

    fn candidates(plan: &ReclamationPlan) -> Vec<usize> {
        (0..plan.candidate.len()).filter(|&i| plan.candidate[i]).collect()
    }

    #[test]
    fn homesteads_within_the_distance_form_one_cluster_transitively() {
        let plan = run(&ReclamationSettings::default(), Constraints::none());
        // 0–1 (30 m) and 1–2 (50 m ≤ 50 m) join, so 0 and 2 (90 m apart) are one cluster;
        // 3, 5 and 6 are alone (6 is 53.15 m from both though the boxes meet); 4 is no
        // homestead. Clusters are numbered by their first parcel.
        let members: Vec<(usize, Vec<usize>)> = plan.clusters.iter().map(|c| (c.id, c.members.clone())).collect();
        assert_eq!(members, [(1, vec![0, 1, 2]), (2, vec![3]), (3, vec![5]), (4, vec![6])]);
        assert_eq!(plan.cluster_of, [Some(0), Some(0), Some(0), Some(1), None, Some(2), Some(3), None, None]);
        assert_eq!(plan.clusters[0].area_m2, 3600.0, "the members' computed areas");
        assert!((plan.clusters[0].geometry.unsigned_area() - 300.0).abs() < 1e-9, "three 10 m squares");
        let s = ReclamationSettings { cluster_distance_m: 49.99, ..Default::default() };
        let plan = run(&s, Constraints::none());
        assert_eq!(plan.clusters[0].members, [0, 1], "at 49.99 m the 50 m gap splits it");
        let s = ReclamationSettings { cluster_distance_m: 53.2, ..Default::default() };
        assert_eq!(run(&s, Constraints::none()).clusters[1].members, [3, 5, 6], "at 53.2 m 6 links 3 and 5");
    }

    #[test]
    fn scattered_clusters_are_reclaimed_to_cropland_when_flat_and_next_to_it_else_forest() {
        let plan = run(&ReclamationSettings::default(), Constraints::none());
        let figures: Vec<(f64, bool, u8, Direction)> = plan.clusters.iter().map(|c| (c.area_m2, c.scattered, c.grade, c.direction)).collect();
        assert_eq!(
            figures,
            [
                (3600.0, false, 2, Direction::Forest),  // ≥ 3000 m²: a settlement that stays
                (1000.0, true, 2, Direction::Cropland), // grade 2 ≤ 4, next to cropland 7: 宜耕
                (1000.0, true, 5, Direction::Forest),   // next to cropland, but grade 5: 宜林
                (2999.99, true, 1, Direction::Forest),  // flat, next to forest only: 宜林
            ]
        );
        assert_eq!(candidates(&plan), [3, 5, 6]);
        assert_eq!((Direction::Cropland.name(), Direction::Forest.name()), ("宜耕", "宜林"));

        let s = ReclamationSettings { max_cropland_grade: 1, scattered_max_m2: 2999.99, ..Default::default() };
        let plan = run(&s, Constraints::none());
        assert_eq!(plan.clusters[1].direction, Direction::Forest, "grade 2 > max_cropland_grade 1");
        assert!(!plan.clusters[3].scattered, "2999.99 m² is not under 2999.99 m²");
        assert_eq!(candidates(&plan), [3, 5]);
    }

    #[test]
    fn a_constraint_retains_homesteads_of_scattered_clusters() {
        let keep = [constraint("urban", ConstraintMode::Exclude, 0.5, &[Rule::Reclamation], None)];
        let mut shares = vec![vec![0.0; 9]];
        shares[0][3] = 1.0;
        shares[0][6] = 0.4;
        let plan = run(&ReclamationSettings::default(), Constraints { list: &keep, shares: &shares });
        assert!(plan.clusters[1].scattered, "the cluster is still scattered");
        assert_eq!(candidates(&plan), [5, 6], "3 retained; 6 only 40% inside");
        let other = [constraint("roads", ConstraintMode::Exclude, 0.5, &[Rule::Merge], None)];
        let plan = run(&ReclamationSettings::default(), Constraints { list: &other, shares: &shares });
        assert_eq!(candidates(&plan), [3, 5, 6], "a constraint of another rule");
    }

    #[test]
    fn a_cluster_takes_the_dominant_grade_of_its_members_areas() {
        // Two touching homesteads: 100 m² all grade 5 next to cropland, 300 m² all grade 2.
        let plots = [Plot::new("0702").at(square(0.0, 0.0, 10.0)), Plot::new("0702").at(square(10.0, 0.0, 10.0)), Plot::new("0101").at(square(0.0, 10.0, 10.0))];
        let slope = [slope(5, 100.0), slope(2, 300.0), slope(1, 1000.0)];
        let flags = [flags(false, false), flags(false, false), flags(true, false)];
        let p = parcels(&[], &plots);
        let g = graph(3, &[(0, 2, 10.0)]);
        let s = ReclamationSettings::default();
        let plan = plan(&ReclamationInputs { parcels: &p, slope: &slope, flags: &flags, graph: &g, constraints: Constraints::none(), settings: &s });
        let [c] = plan.clusters.as_slice() else { panic!("{:?}", plan.clusters) };
        // Grade 5 over 100 m², grade 2 over 300 m²: grade 2, so 宜耕 (via member 0's neighbour).
        assert_eq!((c.members.clone(), c.area_m2, c.grade, c.direction), (vec![0, 1], 400.0, 2, Direction::Cropland));
        assert_eq!(c.geometry.0.len(), 1, "touching squares dissolve into one polygon");
        assert!((c.geometry.unsigned_area() - 200.0).abs() < 1e-9);
    }
}
