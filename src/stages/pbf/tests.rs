//! Tests of `pbf` on hand-made parcels.

use super::*;
use crate::settings::{ConstraintMode, Rule, Settings};
use crate::stages::constraints::{Constraint, Constraints};
use crate::stages::rule::Outcomes;
use crate::stages::testing::{constraint, flags, graph, parcels, slope, square, Plot};
use crate::table::{AttrValue, FieldKind, FieldSpec};

/// A plot for the cases: land use, grade, TBMJ (m², also its computed area), quality.
struct P(&'static str, u8, f64, Option<f64>);

/// The plan over hand-made plots; `shares[r]` are the parcels' shares inside the roles'
/// constraints in `ROLES` order; `shared` the adjacency.
fn plan_of(plots: &[P], shares: [Vec<f64>; 5], shared: &[(usize, usize, f64)], settings: &Settings) -> PbfPlan {
    let fields = [FieldSpec::new("GDDB", FieldKind::Real)];
    let list: Vec<Plot> = plots.iter().enumerate().map(|(k, p)| Plot::new(p.0).tbmj(p.2).attributes(vec![p.3.map_or(AttrValue::Null, AttrValue::Real)]).at(square(10.0 * k as f64, 0.0, 1.0))).collect();
    let parcels = parcels(&fields, &list);
    let st: Vec<_> = plots.iter().map(|p| slope(p.1, p.2)).collect();
    let g = graph(plots.len(), shared);
    let roles = [Role::BasicFarmland, Role::UrbanBoundary, Role::HighStandard, Role::RedLine, Role::PbfOut];
    let list: Vec<Constraint> = roles.iter().map(|r| constraint(r.name(), ConstraintMode::Flag, 0.5, &Rule::ALL, Some(*r))).collect();
    let outcomes = Outcomes::default();
    let d = RunData::new(settings, &parcels, &st, &g, &[], Constraints { list: &list, shares: &shares }, &outcomes);
    d.put(plots.iter().map(|p| flags(p.0.starts_with("010"), false)).collect::<Vec<_>>());
    plan(&d, &Progress::hidden(), &CancelToken::new()).unwrap()
}

fn statuses(p: &PbfPlan) -> String {
    p.status.iter().map(|s| match s {
        PbfStatus::None => '-',
        PbfStatus::Keep => 'k',
        PbfStatus::Out => 'o',
        PbfStatus::In => 'i',
        PbfStatus::Reserve => 'r',
    }).collect()
}

fn shares(bf: &[f64], urban: &[f64], high: &[f64], red: &[f64], out: &[f64]) -> [Vec<f64>; 5] {
    [bf.to_vec(), urban.to_vec(), high.to_vec(), red.to_vec(), out.to_vec()]
}

#[test]
fn out_for_each_reason_and_pbf_in_the_urban_boundary_stays() {
    // 0 grade 5; 1 forest in PBF; 2 inside a pbf_out range; 3 grade 5 but inside the
    // urban boundary (开天窗): kept; 4 good PBF: kept.
    let plots = [P("0103", 5, 1000.0, None), P("0301", 2, 800.0, None), P("0103", 2, 600.0, None), P("0103", 5, 900.0, None), P("0103", 1, 700.0, None)];
    let z = [0.0; 5];
    let sh = shares(&[1.0, 0.8, 0.6, 1.0, 1.0], &[0.0, 0.0, 0.0, 0.9, 0.0], &z, &z, &[0.0, 0.0, 1.0, 0.0, 0.0]);
    let p = plan_of(&plots, sh.clone(), &[], &Settings::default());
    assert_eq!(statuses(&p), "ooo" .to_string() + "kk");
    assert!(p.reasons[0].contains("五级") && p.reasons[1].contains("非耕地") && p.reasons[2].contains("pbf_out"), "{:?}", p.reasons);
    let adjusting = Settings { pbf: crate::settings::PbfSettings { adjust_in_urban: true, ..Default::default() }, ..Default::default() };
    assert_eq!(statuses(&plan_of(&plots, sh, &[], &adjusting)), "oooo" .to_string() + "k");
}

#[test]
fn the_least_area_that_covers_out_and_five_percent_comes_in() {
    // Out: 0 (1000 m², grade 5). Need 1000 × 1.05 = 1050. Eligible: 2 (700), 3 (400),
    // 4 (1200) next to kept PBF 1; 5 is too steep (grade 4), 6 too small (600 m²).
    // Least area: 700 + 400 = 1100 < 1200.
    let plots = [P("0103", 5, 1000.0, None), P("0103", 1, 5000.0, None), P("0103", 2, 700.0, None), P("0103", 2, 400.0, None), P("0103", 1, 1200.0, None), P("0103", 4, 900.0, None), P("0103", 1, 600.0, None)];
    let z = [0.0; 7];
    let sh = shares(&[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], &z, &z, &z, &z);
    let adj: Vec<(usize, usize, f64)> = (2..7).map(|k| (1, k, 10.0)).collect();
    let mut s = Settings::default();
    s.pbf.min_area_m2 = 400.0;
    let p = plan_of(&plots, sh, &adj, &s);
    // 6 is 600 m² ≥ 400 now: also eligible; least is still 700 + 400 = 1100 (600 + 700 = 1300).
    assert_eq!(statuses(&p), "okiir-r");
    let total = p.ledger.last().unwrap();
    assert_eq!((total.out.area_m2, total.inn.area_m2, total.required_m2, total.balanced, total.status), (1000.0, 1100.0, 1050.0, true, "optimal"));
    assert_eq!(p.basis[2], "邻接永久基本农田");
}

#[test]
fn the_need_is_rounded_up_to_the_cm2_never_down() {
    // Out 1000.03 m²: the need is 1050.0315 m². 1050.03 m² falls 0.15 cm² short of it
    // (rounded to the nearest cm² the need would be 1050.03 and the ledger would say
    // "not balanced" beside a proven least selection); 1050.04 m² is the least that
    // reaches it.
    let plots = [P("0103", 5, 1000.03, None), P("0103", 1, 5000.0, None), P("0103", 1, 1050.03, None), P("0103", 1, 1050.04, None)];
    let z = [0.0; 4];
    let p = plan_of(&plots, shares(&[1.0, 1.0, 0.0, 0.0], &z, &z, &z, &z), &[(1, 2, 10.0), (1, 3, 10.0)], &Settings::default());
    assert_eq!(statuses(&p), "okri");
    let total = p.ledger.last().unwrap();
    assert_eq!((total.inn.area_m2, total.balanced, total.status), (1050.04, true, "optimal"));
    assert!(total.inn.area_m2 >= total.required_m2);
}

#[test]
fn high_standard_farmland_may_come_in_without_touching_pbf_and_the_red_line_may_not() {
    // Out 0 (1000). 2: 高标准农田 not next to PBF (1100 m²); 3: next to PBF but in the
    // red line; 4: next to PBF, 1300 m². Least: 2 alone.
    let plots = [P("0103", 5, 1000.0, None), P("0103", 1, 5000.0, None), P("0103", 1, 1100.0, None), P("0103", 1, 1100.0, None), P("0103", 1, 1300.0, None)];
    let z = [0.0; 5];
    let sh = shares(&[1.0, 1.0, 0.0, 0.0, 0.0], &z, &[0.0, 0.0, 0.7, 0.0, 0.0], &[0.0, 0.0, 0.0, 0.9, 0.0], &z);
    let p = plan_of(&plots, sh, &[(1, 3, 10.0), (1, 4, 10.0)], &Settings::default());
    assert_eq!(statuses(&p), "oki-r");
    assert_eq!(p.basis[2], "高标准农田");
}

#[test]
fn a_deficit_takes_everything_eligible_and_says_so() {
    let plots = [P("0103", 5, 1000.0, None), P("0103", 1, 5000.0, None), P("0103", 1, 700.0, None)];
    let z = [0.0; 3];
    let p = plan_of(&plots, shares(&[1.0, 1.0, 0.0], &z, &z, &z, &z), &[(1, 2, 10.0)], &Settings::default());
    assert_eq!(statuses(&p), "oki");
    let total = p.ledger.last().unwrap();
    assert_eq!((total.balanced, total.status), (false, "deficit"));
}

#[test]
fn quality_bounds_the_selection_and_an_impossible_bound_is_reported() {
    // Out 0: quality 3. Eligible 2 (1100 m², q 5) and 3 (1200 m², q 2): the bound
    // (mean ≤ 3) takes 3, though 2 is smaller.
    let mut s = Settings::default();
    s.fields.quality = "GDDB".into();
    let plots = [P("0103", 5, 1000.0, Some(3.0)), P("0103", 1, 5000.0, Some(1.0)), P("0103", 1, 1100.0, Some(5.0)), P("0103", 1, 1200.0, Some(2.0))];
    let z = [0.0; 4];
    let adj = [(1, 2, 10.0), (1, 3, 10.0)];
    let p = plan_of(&plots, shares(&[1.0, 1.0, 0.0, 0.0], &z, &z, &z, &z), &adj, &s);
    assert_eq!(statuses(&p), "okri");
    assert_eq!(p.ledger.last().unwrap().quality_ok, Some(true));
    // Only worse land: the least area anyway, reported as not meeting the quality.
    let plots = [P("0103", 5, 1000.0, Some(1.0)), P("0103", 1, 5000.0, Some(1.0)), P("0103", 1, 1100.0, Some(5.0)), P("0103", 1, 1200.0, Some(4.0))];
    let p = plan_of(&plots, shares(&[1.0, 1.0, 0.0, 0.0], &z, &z, &z, &z), &adj, &s);
    let total = p.ledger.last().unwrap();
    assert_eq!((statuses(&p).as_str(), total.status, total.quality_ok), ("okir", "quality_infeasible", Some(false)));
}
