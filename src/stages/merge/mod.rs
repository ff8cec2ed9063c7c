//! Fragmented cropland and merge groups (小田并大田, "短并长、小并大、坡改平").
//!
//! Grouping rule (deterministic, documented in pipelines/README.md):
//! 1. A plot is *eligible* when it is cropland with a slope grade from 1 to 4, and no
//!    constraint that applies to merging rules it out.
//! 2. Seeds are the fragmented eligible plots, taken smallest first (ties: input order).
//! 3. From an unassigned seed, the group grows one plot at a time. A candidate is an
//!    unassigned eligible neighbour that shares at least `min_shared_m` of boundary with
//!    the group, has the seed's owning collective (unless crossing is allowed), keeps the
//!    group's grades within `max_grade_diff`, and keeps the group within `max_group_m2`.
//!    The candidate sharing the longest boundary with the group joins (ties: input order).
//! 4. A seed that cannot grow stays as it is; groups get ids 1, 2, … in creation order.

pub mod fragmentation;
pub mod shape;

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, MultiPolygon};
use rayon::prelude::*;

use super::adjacency::Graph;
use super::reforestation::ParcelFlags;
use super::constraints::Constraints;
use super::rule::{Card, CardSource, RunData};
use super::zonal::ParcelSlope;
use crate::table::{AttrValue, Field, FieldKind, Values};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::{MergeSettings, Rule};
pub use shape::ShapeFigures;

/// A proposed merged field.
#[derive(Debug, Clone)]
pub struct MergeGroup {
    pub id: usize,
    /// Member parcel indices, in the order they joined (the seed first).
    pub members: Vec<usize>,
    pub area_m2: f64,
    /// Area-weighted mean slope of the members, degrees.
    pub slope_mean: f64,
    /// Dominant grade of the merged field (by area over the members' grade shares).
    pub grade: u8,
    pub geometry: MultiPolygon<f64>,
    /// Perimeter of the merged field, metres.
    pub perimeter_m: f64,
}

impl MergeGroup {
    pub fn mean_member_m2(&self) -> f64 {
        self.area_m2 / self.members.len() as f64
    }
}

/// Shape figures of every parcel (fragmented: cropland that is small, irregular or a strip).
pub fn shape_figures(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    s: &MergeSettings,
) -> Vec<ShapeFigures> {
    stats
        .par_iter()
        .zip(flags)
        .enumerate()
        .map(|(i, (st, f))| shape::shape_figures(&parcels.geometry(i), st.area_m2, f.is_cropland, s))
        .collect()
}

fn eligible(flags: &ParcelFlags, stats: &ParcelSlope) -> bool {
    flags.is_cropland && (1..=4).contains(&stats.grade)
}

/// Groups fragmented cropland with its neighbours (see the module docs for the rule):
/// the members of each group, in the order groups are numbered (group id = index + 1);
/// `dissolve_groups` then makes their fields. `progress` counts the seeds grown.
#[allow(clippy::too_many_arguments)]
pub fn grow_groups(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    shapes: &[ShapeFigures],
    graph: &Graph,
    s: &MergeSettings,
    constraints: Constraints,
    progress: &Progress,
) -> Vec<Vec<usize>> {
    let n = parcels.len();
    let area: Vec<f64> = stats.iter().map(|st| st.area_m2).collect();
    let eligible: Vec<bool> = (0..n)
        .map(|i| eligible(&flags[i], &stats[i]) && constraints.allow(i, Rule::Merge))
        .collect();
    let mut seeds: Vec<usize> = (0..n).filter(|&i| shapes[i].fragmented && eligible[i]).collect();
    seeds.sort_by(|a, b| area[*a].total_cmp(&area[*b]).then(a.cmp(b)));
    progress.set_length(seeds.len() as u64);
    let grower = Grower { parcels, stats, eligible: &eligible, graph, s, area: &area };
    let mut assigned = vec![false; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for seed in seeds {
        progress.inc(1);
        if assigned[seed] {
            continue;
        }
        let members = grower.grow(seed, &mut assigned);
        if members.len() > 1 {
            groups.push(members);
        } else {
            assigned[seed] = false; // a lone seed may still join a later group
        }
    }
    groups
}

/// Each group's merged field, dissolved side by side. `progress` counts the fields.
pub fn dissolve_groups(members: Vec<Vec<usize>>, parcels: &Parcels, stats: &[ParcelSlope], progress: &Progress) -> Vec<MergeGroup> {
    progress.set_length(members.len() as u64);
    members
        .into_par_iter()
        .enumerate()
        .map(|(k, members)| {
            let field = merged_field(k + 1, members, parcels, stats);
            progress.inc(1);
            field
        })
        .collect()
}

/// What growing a group needs to know.
struct Grower<'a> {
    parcels: &'a Parcels,
    stats: &'a [ParcelSlope],
    eligible: &'a [bool],
    graph: &'a Graph,
    s: &'a MergeSettings,
    area: &'a [f64],
}

impl Grower<'_> {
    /// The group grown from `seed` (rule 3 of the module docs), members marked assigned.
    fn grow(&self, seed: usize, assigned: &mut [bool]) -> Vec<usize> {
        let (stats, s) = (self.stats, self.s);
        let owner = self.parcels.owner_code(seed);
        let mut members = vec![seed];
        let (mut lo, mut hi) = (stats[seed].grade, stats[seed].grade);
        let mut total = self.area[seed];
        // Candidate → boundary shared with the group so far.
        let mut frontier: BTreeMap<usize, f64> = BTreeMap::new();
        assigned[seed] = true;
        self.add_neighbours(seed, &mut frontier, &members);
        loop {
            let best = frontier
                .iter()
                .filter(|(&j, &shared)| {
                    !assigned[j]
                        && shared >= s.min_shared_m
                        && self.eligible[j]
                        && (s.allow_cross_owner || self.parcels.owner_code(j) == owner)
                        && stats[j].grade.max(hi) - stats[j].grade.min(lo) <= s.max_grade_diff
                        && total + self.area[j] <= s.max_group_m2
                })
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&j, _)| j);
            let Some(j) = best else { break };
            frontier.remove(&j);
            assigned[j] = true;
            members.push(j);
            total += self.area[j];
            lo = lo.min(stats[j].grade);
            hi = hi.max(stats[j].grade);
            self.add_neighbours(j, &mut frontier, &members);
        }
        members
    }

    fn add_neighbours(&self, m: usize, frontier: &mut BTreeMap<usize, f64>, members: &[usize]) {
        for &(j, e) in &self.graph.neighbours[m] {
            if !members.contains(&j) {
                *frontier.entry(j).or_insert(0.0) += self.graph.edges[e].shared_m;
            }
        }
    }
}

/// A group's merged field: the dissolved members and its figures.
fn merged_field(id: usize, members: Vec<usize>, parcels: &Parcels, stats: &[ParcelSlope]) -> MergeGroup {
    let area = |m: usize| stats[m].area_m2;
    let geometry = dissolve(parcels.gathered(&members));
    let area_m2: f64 = members.iter().map(|&m| area(m)).sum();
    let slope_mean = members.iter().map(|&m| stats[m].slope_mean * area(m)).sum::<f64>() / area_m2;
    let mut per_grade = [0.0; 5];
    for &m in &members {
        for (acc, share) in per_grade.iter_mut().zip(stats[m].share) {
            *acc += share * area(m);
        }
    }
    let perimeter_m = shape::perimeter(&geometry);
    MergeGroup {
        id,
        members,
        area_m2,
        slope_mean,
        grade: super::zonal::dominant_grade(&per_grade),
        geometry,
        perimeter_m,
    }
}

/// One polygon per group: the union of its members. Neighbours that share their edges
/// (almost every group) are dissolved by cancelling those edges, exactly; anything else
/// by GEOS's union. (geo's float overlay, used before, can lose or invent small areas
/// between separately built pieces: tests/merge.rs has a group it got wrong.)
pub fn dissolve(polygons: MultiPolygon<f64>) -> MultiPolygon<f64> {
    crate::vector::union::dissolve(&polygons).unwrap_or_else(|_| float_union(polygons))
}

/// The last resort when GEOS fails: geo's overlay, one polygon at a time.
fn float_union(polygons: MultiPolygon<f64>) -> MultiPolygon<f64> {
    let union = polygons
        .into_iter()
        .fold(MultiPolygon::new(vec![]), |acc, p| acc.union(&MultiPolygon::new(vec![p])));
    // The union can touch itself at a vertex (two members meeting only at a corner
    // inside the group), which OGC validity forbids; GEOS's MakeValid splits such rings.
    crate::vector::geometry::make_valid(union)
}

/// Area of a dissolved group (for checks): planar.
pub fn union_area(g: &MergeGroup) -> f64 {
    g.geometry.unsigned_area()
}

/// Which parcels merge into which field: the merge stage's first step, enough for the
/// parcels and merge candidates layers (written while the fields are dissolved).
pub struct MergePlan {
    pub shapes: Vec<ShapeFigures>,
    /// Each group's members; group id = index + 1.
    pub members: Vec<Vec<usize>>,
    /// Group id of each parcel (0 = none).
    pub group_of: Vec<usize>,
}

impl MergePlan {
    pub fn new(n: usize, shapes: Vec<ShapeFigures>, members: Vec<Vec<usize>>) -> MergePlan {
        let mut group_of = vec![0usize; n];
        for (k, group) in members.iter().enumerate() {
            for &m in group {
                group_of[m] = k + 1;
            }
        }
        MergePlan { shapes, members, group_of }
    }
}

/// The merge stage's results: the dissolved fields and each village's fragmentation.
pub struct MergeData {
    pub groups: Vec<MergeGroup>,
    pub fragmentation: std::collections::BTreeMap<String, fragmentation::VillageFragmentation>,
    /// Each village's merge groups and their plots, a group counted in the village of
    /// its first plot (as `merge_groups` places it).
    pub groups_by_village: std::collections::HashMap<String, (u64, u64)>,
}

impl MergeData {
    pub fn new(
        parcels: &Parcels,
        groups: Vec<MergeGroup>,
        fragmentation: std::collections::BTreeMap<String, fragmentation::VillageFragmentation>,
    ) -> MergeData {
        let mut groups_by_village = std::collections::HashMap::<String, (u64, u64)>::new();
        for g in &groups {
            if let Some(&first) = g.members.first() {
                let entry = groups_by_village.entry(parcels.village_code(first).to_string()).or_default();
                *entry = (entry.0 + 1, entry.1 + g.members.len() as u64);
            }
        }
        MergeData { groups, fragmentation, groups_by_village }
    }
}


/// 小田并大田 as a rule of the run: which parcels merge into which field (quick; the
/// fields themselves are dissolved afterwards by [`fields`], beside the writing).
pub struct Merge;

impl super::rule::Rule for Merge {
    fn name(&self) -> &'static str {
        "merge"
    }

    fn decide(&self, d: &RunData, progress: &Progress, _cancel: &crate::context::CancelToken) -> crate::error::Result<()> {
        let s = &d.settings.merge;
        let shapes = shape_figures(d.parcels, d.slope, d.flags(), s);
        let members = grow_groups(d.parcels, d.slope, d.flags(), &shapes, d.graph, s, d.constraints, progress);
        d.put(MergePlan::new(d.parcels.len(), shapes, members));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<MergePlan>()
    }

    fn finish_stage(&self) -> Option<&'static str> {
        Some("merge_fields")
    }

    /// The merge plan's fields dissolved, and each village's fragmentation before and after.
    fn finish(&self, d: &RunData, progress: &Progress, _cancel: &crate::context::CancelToken) -> crate::error::Result<()> {
        d.put(fields(d, progress));
        Ok(())
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("perimeter_m", FieldKind::Real, "周长", "m"),
            Field::new("shape_index", FieldKind::Real, "形状指数", ""),
            Field::coded("fragmented", FieldKind::Int, "破碎耕地", "", Values::YesNo),
            Field::new("merge_group", FieldKind::Int, "归并组号", ""),
        ]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let plan = d.need::<MergePlan>();
        let sh = &plan.shapes[i];
        out.extend([AttrValue::Real(sh.perimeter_m), AttrValue::Real(sh.shape_index), AttrValue::Int(sh.fragmented as i64)]);
        out.push(match plan.group_of[i] {
            0 => AttrValue::Null,
            g => AttrValue::Int(g as i64),
        });
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("merge_groups", "小田并大田归并组", "merge groups", "个", 0, CardSource::Rows("merge_groups")),
            ("merge_plots", "参与归并图斑", "plots in merge groups", "个", 0, CardSource::Rows("merge_candidates")),
        ]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let fragmented = d.get::<MergePlan>().map(|m| m.shapes.iter().filter(|s| s.fragmented).count()).unwrap_or(0);
        let merge = d.get::<MergeData>();
        let groups = merge.map(|m| m.groups.len()).unwrap_or(0);
        let plots: usize = merge.map(|m| m.groups.iter().map(|g| g.members.len()).sum()).unwrap_or(0);
        vec![("fragmented_plots", fragmented.into()), ("merge_groups", groups.into()), ("merged_plots", plots.into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let groups = counts.get("merge_groups")?.as_u64()?;
        let plots = counts.get("merged_plots")?.as_u64()?;
        Some(format!("merge: {groups} groups of {plots} plots"))
    }
}

/// The merge plan's fields dissolved, and each village's fragmentation before and after.
fn fields(d: &RunData, progress: &Progress) -> MergeData {
    let (s, plan) = (&d.settings.merge, d.need::<MergePlan>());
    let groups = dissolve_groups(plan.members.clone(), d.parcels, d.slope, progress);
    let fragmentation = fragmentation::village_fragmentation(d.parcels, d.slope, d.flags(), &plan.shapes, d.graph, &groups, s);
    MergeData::new(d.parcels, groups, fragmentation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ConstraintMode;
    use crate::stages::testing::{constraint, flags, graph, parcels, slope, square, Plot, V1, V2};

    /// Cropland plots (owner O1 unless set): grade, area, fragmented.
    struct Case {
        plots: Vec<Plot>,
        slope: Vec<ParcelSlope>,
        flags: Vec<ParcelFlags>,
        fragmented: Vec<bool>,
        edges: Vec<(usize, usize, f64)>,
    }

    impl Case {
        fn new(plots: &[(u8, f64, bool)]) -> Case {
            Case {
                plots: plots.iter().map(|_| Plot::new("0103")).collect(),
                slope: plots.iter().map(|&(g, a, _)| slope(g, a)).collect(),
                flags: plots.iter().map(|_| flags(true, false)).collect(),
                fragmented: plots.iter().map(|p| p.2).collect(),
                edges: Vec::new(),
            }
        }
        fn edges(mut self, edges: &[(usize, usize, f64)]) -> Case {
            self.edges = edges.to_vec();
            self
        }
        fn groups_with(&self, s: &MergeSettings, c: Constraints) -> Vec<Vec<usize>> {
            let p = parcels(&[], &self.plots);
            let g = graph(self.plots.len(), &self.edges);
            let shapes: Vec<ShapeFigures> = self.fragmented.iter().map(|&fragmented| ShapeFigures { fragmented, ..Default::default() }).collect();
            grow_groups(&p, &self.slope, &self.flags, &shapes, &g, s, c, &Progress::hidden())
        }
        fn groups(&self) -> Vec<Vec<usize>> {
            self.groups_with(&MergeSettings::default(), Constraints::none())
        }
    }

    #[test]
    fn seeds_are_taken_smallest_first_and_groups_numbered_as_made() {
        // Seeds 0 (500 m²), 1 (300 m²) and 4 (300 m², after 1 by input order); each has one
        // large neighbour.
        let c = Case::new(&[(2, 500.0, true), (2, 300.0, true), (2, 2000.0, false), (2, 2000.0, false), (2, 300.0, true), (2, 2000.0, false)])
            .edges(&[(0, 2, 10.0), (1, 3, 10.0), (4, 5, 10.0)]);
        let groups = c.groups();
        assert_eq!(groups, [vec![1, 3], vec![4, 5], vec![0, 2]]);
        let plan = MergePlan::new(6, Vec::new(), groups);
        assert_eq!(plan.group_of, [3, 1, 3, 1, 2, 2], "group id = creation order");
    }

    #[test]
    fn the_neighbour_sharing_the_longest_boundary_with_the_group_joins_first() {
        // Seed 0; 1 shares 10 m with it, 2 shares 20 m, 3 shares 4 m with 0 and 4 m with 2
        // (8 m with the group once 2 is in), 4 shares 3 m with 0 only (< 5 m).
        let c = Case::new(&[(2, 100.0, true), (2, 1000.0, false), (2, 1000.0, false), (2, 1000.0, false), (2, 1000.0, false)])
            .edges(&[(0, 1, 10.0), (0, 2, 20.0), (0, 3, 4.0), (2, 3, 4.0), (0, 4, 3.0)]);
        assert_eq!(c.groups(), [vec![0, 2, 1, 3]], "20 m, then 10 m, then 4 + 4 = 8 m");
        // Equal boundaries: input order.
        let c = Case::new(&[(2, 100.0, true), (2, 1000.0, false), (2, 1000.0, false)]).edges(&[(0, 2, 10.0), (0, 1, 10.0)]);
        assert_eq!(c.groups(), [vec![0, 1, 2]]);
    }

    #[test]
    fn plots_of_another_owner_join_only_when_allowed() {
        let mut c = Case::new(&[(2, 100.0, true), (2, 1000.0, false), (2, 1000.0, false)]).edges(&[(0, 1, 20.0), (0, 2, 10.0)]);
        c.plots[1] = Plot::new("0103").owner("O2");
        assert_eq!(c.groups(), [vec![0, 2]]);
        let s = MergeSettings { allow_cross_owner: true, ..Default::default() };
        assert_eq!(c.groups_with(&s, Constraints::none()), [vec![0, 1, 2]]);
    }

    #[test]
    fn grades_in_a_group_differ_by_at_most_max_grade_diff_and_none_is_steep() {
        // Seed 0 grade 2; 1 grade 3 (30 m); 2 grade 1 (20 m); 3 grade 5 (40 m); 4 no data.
        let c = Case::new(&[(2, 100.0, true), (3, 1000.0, false), (1, 1000.0, false), (5, 1000.0, false), (0, 1000.0, false)])
            .edges(&[(0, 1, 30.0), (0, 2, 20.0), (0, 3, 40.0), (0, 4, 50.0)]);
        // 1 joins (grades 2–3); 2 would make 1–3, |Δ| = 2 > 1.
        assert_eq!(c.groups(), [vec![0, 1]]);
        let s = MergeSettings { max_grade_diff: 2, ..Default::default() };
        assert_eq!(c.groups_with(&s, Constraints::none()), [vec![0, 1, 2]], "grade 5 and no data never join");
    }

    #[test]
    fn a_group_stays_within_the_largest_field() {
        // Cap 2000 m²: 500 + 1000 (30 m) = 1500; + 600 (20 m) = 2100 > 2000; + 500 (10 m) = 2000 ≤ 2000.
        let c = Case::new(&[(2, 500.0, true), (2, 1000.0, false), (2, 600.0, false), (2, 500.0, false)]).edges(&[(0, 1, 30.0), (0, 2, 20.0), (0, 3, 10.0)]);
        let s = MergeSettings { max_group_m2: 2000.0, ..Default::default() };
        assert_eq!(c.groups_with(&s, Constraints::none()), [vec![0, 1, 3]]);
    }

    #[test]
    fn a_seed_that_cannot_grow_may_join_a_later_group() {
        // Seed 0 (100 m²) shares 3 m with 1 and 3 m with 2: under 5 m each, it stays alone.
        // Seed 1 (200 m²) takes 2 (20 m); 0 then shares 3 + 3 = 6 m with the group and joins.
        let c = Case::new(&[(2, 100.0, true), (2, 200.0, true), (2, 5000.0, false)]).edges(&[(0, 1, 3.0), (0, 2, 3.0), (1, 2, 20.0)]);
        assert_eq!(c.groups(), [vec![1, 2, 0]]);
    }

    #[test]
    fn land_that_is_not_cropland_or_that_a_constraint_keeps_never_joins() {
        let mut c = Case::new(&[(2, 100.0, true), (2, 1000.0, false), (2, 1000.0, false), (2, 1000.0, false), (2, 100.0, true), (2, 1000.0, false)])
            .edges(&[(0, 1, 30.0), (0, 2, 20.0), (0, 3, 10.0), (4, 5, 10.0)]);
        c.flags[1] = flags(false, false); // garden
        c.flags[4] = flags(false, false); // a "fragmented" seed that is not cropland
        let roads = [constraint("roads", ConstraintMode::Exclude, 0.5, &[Rule::Merge], None)];
        let shares = vec![vec![0.0, 0.0, 0.5, 0.0, 0.0, 0.0]];
        assert_eq!(c.groups_with(&MergeSettings::default(), Constraints { list: &roads, shares: &shares }), [vec![0, 3]]);
    }

    #[test]
    fn a_merged_field_is_its_members_dissolved_with_area_weighted_figures() {
        // Two touching 10 m squares; computed areas 100 m² (grade 2, mean 4°) and 300 m²
        // (grade 3, mean 10°): mean (4·100 + 10·300) / 400 = 8.5°, grade 3 (300 > 100).
        let plots = [Plot::new("0103").at(square(0.0, 0.0, 10.0)), Plot::new("0103").village(V2).at(square(10.0, 0.0, 10.0))];
        let p = parcels(&[], &plots);
        let st = [slope(2, 100.0), slope(3, 300.0)];
        let groups = dissolve_groups(vec![vec![1, 0]], &p, &st, &Progress::hidden());
        let g = &groups[0];
        assert_eq!((g.id, g.members.clone(), g.area_m2, g.slope_mean, g.grade), (1, vec![1, 0], 400.0, 8.5, 3));
        assert!((g.perimeter_m - 60.0).abs() < 1e-9, "a 20 × 10 rectangle: {}", g.perimeter_m);
        assert!((union_area(g) - 200.0).abs() < 1e-9);
        assert_eq!(g.mean_member_m2(), 200.0);
        let data = MergeData::new(&p, groups, BTreeMap::new());
        assert_eq!(data.groups_by_village.get(V2), Some(&(1, 2)), "a group counts in the village of its first plot");
        assert_eq!(data.groups_by_village.get(V1), None);
    }
}
