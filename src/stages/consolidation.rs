//! 土地整理: the new cropland the merge groups (小田并大田) make.
//!
//! For each merge group: `consolidation.tiankan_recovery` (a planning assumption, 0.5 by
//! default) of the 田坎 deduction of its plots (KCMJ, or TBMJ × KCXS, in whole cm² as the
//! indicator table counts it) — only plots that are cropland and stay cropland — and the
//! 田坎 parcels (`tiankan_codes`, 1203) with at least `tiankan_min_share` of their area
//! inside the group's outline (the merged field with its holes filled: a 田坎 strip the
//! merged plots enclose), not cropland and changed by no other rule. A 田坎 parcel inside
//! two outlines goes to the first group.
//!
//! The recovered 田坎 adds cropland without a class change: the rule gives it to the
//! indicator tables through [`super::rule::Rule::cropland_gain_cm2`] (planned cropland =
//! TBMJ − 田坎 + recovered), and the 田坎 parcels through their planned class. Both need the
//! merged fields, which the merge dissolves in its second step: this rule's second step
//! runs after it (the rule registry's order), so the rules deciding before it (blocks,
//! basic farmland) do not yet see the 田坎 parcels as cropland.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, MultiPolygon, Polygon};
use rayon::prelude::*;
use rstar::RTree;

use super::indicators::Measure;
use super::merge::{MergeData, MergePlan};
use super::rule::{Card, CardSource, RunData};
use super::spatial::{envelope, Indexed};
use crate::context::CancelToken;
use crate::error::Result;
use crate::progress::Progress;

/// The first step's outcome: the 田坎 each merged plot could give back (cm²), before the
/// later rules say whether the plot stays cropland.
#[derive(Debug, Clone, Default)]
pub struct ConsolidationPlan {
    pub recoverable_cm2: Vec<i64>,
}

/// The second step's outcome.
#[derive(Debug, Clone, Default)]
pub struct Consolidation {
    /// The 田坎 deduction (cm²) of each merged plot that stays cropland (0 for the others).
    pub deduction_cm2: Vec<i64>,
    /// The part of it recovered as cropland (cm²).
    pub gain_cm2: Vec<i64>,
    /// The group (index into `groups`) of each 田坎 parcel that becomes cropland.
    pub tiankan_of: Vec<Option<usize>>,
    /// Each 田坎 parcel's share inside its group's outline.
    pub tiankan_share: Vec<f64>,
    /// One per merge group, in group order.
    pub groups: Vec<GroupRow>,
}

/// What one merge group adds (areas in cm² of official area).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupRow {
    pub id: usize,
    pub village_code: String,
    pub village_name: String,
    pub members: u64,
    /// The merged field's computed area, m².
    pub area_m2: f64,
    pub deduction: i64,
    pub recovered: i64,
    pub tiankan_parcels: u64,
    pub tiankan: i64,
}

impl GroupRow {
    /// New cropland: the recovered 田坎 and the 田坎 parcels.
    pub fn new_cropland(&self) -> i64 {
        self.recovered + self.tiankan
    }
}

/// The 田坎 each merged cropland plot could give back.
fn recoverable(d: &RunData) -> ConsolidationPlan {
    let m = Measure::new(d.parcels, &d.settings.indicators);
    let recovery = d.settings.consolidation.tiankan_recovery;
    let plan = d.need::<MergePlan>();
    let recoverable_cm2 = (0..d.parcels.len())
        .map(|i| match plan.group_of[i] > 0 && m.class(i) == "cropland" {
            true => (m.deduction_cm2(i, m.official_cm2(d.slope, i)) as f64 * recovery).round() as i64,
            false => 0,
        })
        .collect();
    ConsolidationPlan { recoverable_cm2 }
}

/// A merged field's outline: its polygons with their holes filled.
fn outline(field: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(field.0.iter().map(|p| Polygon::new(p.exterior().clone(), vec![])).collect())
}

/// The 田坎 parcels that may become cropland: of `tiankan_codes`, not cropland, changed by
/// no other rule.
fn tiankan_candidates(d: &RunData, m: &Measure) -> Vec<usize> {
    let codes = &d.settings.consolidation.tiankan_codes;
    (0..d.parcels.len())
        .filter(|&i| codes.iter().any(|c| c == d.parcels.land_use(i).trim_end_matches(['K', 'k'])) && m.class(i) != "cropland" && d.planned(i).is_none())
        .collect()
}

/// For each group, the candidates (index into `candidates`) inside its outline with their shares.
fn inside_outlines(d: &RunData, groups: &[super::merge::MergeGroup], candidates: &[usize]) -> Vec<Vec<(usize, f64)>> {
    let min = d.settings.consolidation.tiankan_min_share;
    let shapes: Vec<MultiPolygon<f64>> = candidates.iter().map(|&i| d.parcels.geometry(i)).collect();
    let tree = RTree::bulk_load(shapes.iter().enumerate().filter_map(|(index, g)| envelope(g, 0.0).map(|envelope| Indexed { index, envelope })).collect());
    groups
        .par_iter()
        .map(|g| {
            let Some(env) = envelope(&g.geometry, 0.0) else { return Vec::new() };
            let filled = outline(&g.geometry);
            let mut hits: Vec<(usize, f64)> = tree
                .locate_in_envelope_intersecting(&env)
                .filter_map(|item| {
                    let shape = &shapes[item.index];
                    let area = shape.unsigned_area();
                    let share = if area > 0.0 { shape.intersection(&filled).unsigned_area() / area } else { 0.0 };
                    (share >= min).then_some((item.index, share.min(1.0)))
                })
                .collect();
            hits.sort_by_key(|h| h.0);
            hits
        })
        .collect()
}

/// The second step: which plots stay cropland and recover their 田坎, which 田坎 parcels
/// the merged fields take, and each group's row.
pub fn consolidate(d: &RunData) -> Consolidation {
    let n = d.parcels.len();
    let m = Measure::new(d.parcels, &d.settings.indicators);
    let groups = &d.need::<MergeData>().groups;
    let recoverable = &d.need::<ConsolidationPlan>().recoverable_cm2;
    let mut c = Consolidation { deduction_cm2: vec![0; n], gain_cm2: vec![0; n], tiankan_of: vec![None; n], tiankan_share: vec![0.0; n], groups: Vec::new() };
    let candidates = tiankan_candidates(d, &m);
    let hits = inside_outlines(d, groups, &candidates);
    for (k, g) in groups.iter().enumerate() {
        let first = g.members[0];
        let mut row = GroupRow { id: g.id, village_code: d.parcels.village_code(first).into(), village_name: d.parcels.village_name(first).into(), members: g.members.len() as u64, area_m2: g.area_m2, ..Default::default() };
        for &i in g.members.iter().filter(|&&i| m.class(i) == "cropland" && d.planned(i).is_none_or(|to| to == "cropland")) {
            c.deduction_cm2[i] = m.deduction_cm2(i, m.official_cm2(d.slope, i));
            c.gain_cm2[i] = recoverable[i];
            row.deduction += c.deduction_cm2[i];
            row.recovered += c.gain_cm2[i];
        }
        for &(t, share) in &hits[k] {
            let i = candidates[t];
            if c.tiankan_of[i].is_none() {
                (c.tiankan_of[i], c.tiankan_share[i]) = (Some(k), share);
                row.tiankan_parcels += 1;
                row.tiankan += m.official_cm2(d.slope, i);
            }
        }
        c.groups.push(row);
    }
    c
}

/// 土地整理 as a rule of the run.
pub struct LandConsolidation;

impl super::rule::Rule for LandConsolidation {
    fn name(&self) -> &'static str {
        "consolidation"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.consolidation.enabled
    }

    fn decide(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        d.put(recoverable(d));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<ConsolidationPlan>()
    }

    fn finish_stage(&self) -> Option<&'static str> {
        Some("consolidation_tiankan")
    }

    fn finish(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        d.put(consolidate(d));
        Ok(())
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        d.get::<Consolidation>()?.tiankan_of[i].map(|_| "cropland")
    }

    fn cropland_gain_cm2(&self, d: &RunData, i: usize) -> Option<i64> {
        d.get::<Consolidation>().map(|c| c.gain_cm2[i]).filter(|g| *g > 0)
    }

    fn supplies(&self, d: &RunData, i: usize) -> Option<super::supply::Supplied> {
        let c = d.get::<Consolidation>()?;
        let lang = d.settings.output.language;
        let reason = match c.tiankan_of[i] {
            Some(k) => format!("{}{}", lang.pick("田坎并入整理后田块", "田坎 inside merged field "), c.groups[k].id),
            None if c.gain_cm2[i] > 0 => {
                let share = d.settings.consolidation.tiankan_recovery * 100.0;
                format!("{}{share}%", lang.pick("整理后田坎恢复为耕地：扣除面积×", "田坎 recovered in the merged field: deduction × "))
            }
            None => return None,
        };
        Some(super::supply::Supplied { source: super::supply::Source::Consolidation, reason })
    }

    fn cards(&self) -> &'static [Card] {
        &[("consolidation_mu", "土地整理新增耕地", "land consolidation: new cropland", "亩", 2, CardSource::Total("consolidation_groups", "new_cropland_mu"))]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(c) = d.get::<Consolidation>() else { return Vec::new() };
        let new: i64 = c.groups.iter().map(GroupRow::new_cropland).sum();
        let tiankan: u64 = c.groups.iter().map(|g| g.tiankan_parcels).sum();
        vec![("consolidation_m2", (new as f64 / 100.0).into()), ("consolidation_tiankan_parcels", tiankan.into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let ha = counts.get("consolidation_m2")?.as_f64()? / 10_000.0;
        let tiankan = counts.get("consolidation_tiankan_parcels")?.as_u64()?;
        Some(format!("consolidation: {ha:.2} ha of new cropland ({tiankan} 田坎 parcels taken in)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use crate::stages::constraints::Constraints;
    use crate::stages::merge::{MergeGroup, ShapeFigures};
    use crate::stages::rule::{Outcomes, Rule as _};
    use crate::stages::testing::{flags, graph, parcels, rect, slope, Plot};
    use crate::table::{AttrValue, FieldKind, FieldSpec};
    use geo::polygon;

    /// Plots 0–1: dry land side by side, merged into group 1, leaving a 2 m × 6 m 田坎 (2)
    /// enclosed between them (the merged field has a hole there); 3: a 田坎 outside; 4: a
    /// merged plot (group 2) that the swap takes out; 5: its partner. KCXS: 0 has 0.1
    /// (TBMJ 1000: 100 m² of 田坎), 1 has KCMJ 30 m², 4 has 0.2.
    fn case(recovery: f64, reforest_four: bool) -> Consolidation {
        let fields = [FieldSpec::new("KCMJ", FieldKind::Real), FieldSpec::new("KCXS", FieldKind::Real)];
        let v = |kcmj: Option<f64>, kcxs: Option<f64>| vec![kcmj.map_or(AttrValue::Null, AttrValue::Real), kcxs.map_or(AttrValue::Null, AttrValue::Real)];
        // An L around the strip [10, 12] × [2, 8]: plot 0 left and below, plot 1 right and above.
        let left = geo::MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 2.0), (x: 10.0, y: 2.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]);
        let right = geo::MultiPolygon::new(vec![polygon![(x: 12.0, y: 2.0), (x: 20.0, y: 2.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 8.0), (x: 12.0, y: 8.0)]]);
        let plots = [
            Plot::new("0103").tbmj(1000.0).attributes(v(None, Some(0.1))).at(left.clone()),
            Plot::new("0103").tbmj(800.0).attributes(v(Some(30.0), Some(0.5))).at(right.clone()),
            Plot::new("1203").tbmj(12.0).attributes(v(None, None)).at(rect(10.0, 2.0, 12.0, 8.0)),
            Plot::new("1203").tbmj(12.0).attributes(v(None, None)).at(rect(30.0, 0.0, 32.0, 6.0)),
            Plot::new("0103").tbmj(500.0).attributes(v(None, Some(0.2))).at(rect(40.0, 0.0, 50.0, 10.0)),
            Plot::new("0103").tbmj(500.0).attributes(v(None, None)).at(rect(50.0, 0.0, 60.0, 10.0)),
        ];
        let p = parcels(&fields, &plots);
        let st: Vec<_> = [1000.0, 800.0, 12.0, 12.0, 500.0, 500.0].iter().map(|a| slope(2, *a)).collect();
        let g = graph(6, &[]);
        let mut settings = Settings::default();
        settings.consolidation.tiankan_recovery = recovery;
        let outcomes = Outcomes::default();
        let d = RunData::new(&settings, &p, &st, &g, &[], Constraints::none(), &outcomes);
        let cropland = [true, true, false, false, true, true];
        d.put((0..6).map(|i| flags(cropland[i], reforest_four && i == 4)).collect::<Vec<_>>());
        let shapes = vec![ShapeFigures::default(); 6];
        d.put(MergePlan::new(6, shapes, vec![vec![0, 1], vec![4, 5]]));
        let field = |id: usize, members: Vec<usize>, geometry: geo::MultiPolygon<f64>| MergeGroup { id, members, area_m2: 0.0, slope_mean: 0.0, grade: 2, perimeter_m: 0.0, geometry };
        let dissolved = crate::stages::merge::dissolve(geo::MultiPolygon::new(left.0.into_iter().chain(right.0).collect()));
        assert_eq!(dissolved.0[0].interiors().len(), 1, "the strip is a hole of the merged field");
        d.put(MergeData::new(&p, vec![field(1, vec![0, 1], dissolved), field(2, vec![4, 5], rect(40.0, 0.0, 60.0, 10.0))], BTreeMap::new()));
        LandConsolidation.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        LandConsolidation.finish(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        assert_eq!(LandConsolidation.planned(&d, 2), Some("cropland"));
        d.need::<Consolidation>().clone()
    }

    #[test]
    fn half_the_merged_plots_tiankan_and_the_enclosed_tiankan_parcels_become_cropland() {
        let c = case(0.5, false);
        // Group 1: 0 deducts 1000 × 0.1 = 100 m², 1 its KCMJ 30 m² (KCXS unused): 130 m²,
        // half = 65 m²; the enclosed 田坎 2 (12 m², wholly inside the filled outline) comes
        // in, 3 (outside) does not. Group 2: 4 deducts 100 m² → 50 m².
        assert_eq!(c.deduction_cm2, [10_000, 3_000, 0, 0, 10_000, 0]);
        assert_eq!(c.gain_cm2, [5_000, 1_500, 0, 0, 5_000, 0]);
        assert_eq!(c.tiankan_of, [None, None, Some(0), None, None, None]);
        assert!((c.tiankan_share[2] - 1.0).abs() < 1e-12);
        let g = &c.groups[0];
        assert_eq!((g.id, g.members, g.deduction, g.recovered, g.tiankan_parcels, g.tiankan, g.new_cropland()), (1, 2, 13_000, 6_500, 1, 1_200, 7_700));
        assert_eq!(c.groups[1].new_cropland(), 5_000);
    }

    #[test]
    fn the_recovery_is_a_setting_and_plots_leaving_cropland_recover_nothing() {
        // Recovery 0.25: 100 m² → 25 m²; 30 m² → 7.5 m². Plot 4 leaves for forest: nothing.
        let c = case(0.25, true);
        assert_eq!(c.gain_cm2, [2_500, 750, 0, 0, 0, 0]);
        assert_eq!((c.groups[1].deduction, c.groups[1].recovered), (0, 0));
    }
}
