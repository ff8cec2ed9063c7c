//! Tests of `swap` on hand-made parcels.

use super::*;

/// The earlier selection: best-ranked first, pruned after every pass.
fn greedy() -> SwapSettings {
    SwapSettings { selection: SwapSelection::Greedy, ..Default::default() }
}
use crate::settings::ConstraintMode;
use crate::stages::testing::{constraint, flags, graph, parcels, slope, Plot, T1, V1, V2, V3};

/// A hand-made case: plots, their slope figures and flags, shared boundaries.
struct Case {
    plots: Vec<Plot>,
    slope: Vec<ParcelSlope>,
    flags: Vec<ParcelFlags>,
    edges: Vec<(usize, usize, f64)>,
}

impl Case {
    fn new() -> Case {
        Case { plots: Vec::new(), slope: Vec::new(), flags: Vec::new(), edges: Vec::new() }
    }
    /// Adds a parcel; returns its index.
    fn add(&mut self, plot: Plot, grade: u8, area: f64, cropland: bool, reforest: bool) -> usize {
        self.plots.push(plot);
        self.slope.push(slope(grade, area));
        self.flags.push(flags(cropland, reforest));
        self.plots.len() - 1
    }
    /// Cropland leaving steep land (a reforestation candidate).
    fn out(&mut self, village: &'static str, area: f64) -> usize {
        self.add(Plot::new("0103").village(village), 5, area, true, true)
    }
    /// Cropland that stays.
    fn cropland(&mut self, village: &'static str) -> usize {
        self.add(Plot::new("0103").village(village), 2, 2000.0, true, false)
    }
    /// Garden or forest of `code`, sharing `shared` m with the parcel `next_to`.
    fn land(&mut self, code: &'static str, village: &'static str, grade: u8, area: f64, next_to: usize, shared: f64) -> usize {
        let i = self.add(Plot::new(code).village(village), grade, area, false, false);
        self.edges.push((next_to, i, shared));
        i
    }
    fn with<R>(&self, s: &SwapSettings, c: Constraints, former: Option<usize>, f: impl FnOnce(&SwapInputs) -> R) -> R {
        let p = parcels(&[], &self.plots);
        let g = graph(self.plots.len(), &self.edges);
        let progress = Progress::hidden();
        let inp = SwapInputs { parcels: &p, slope: &self.slope, flags: &self.flags, graph: &g, constraints: c, former, settings: s, progress: &progress, taken: &[] };
        f(&inp)
    }
    fn plan(&self, s: &SwapSettings) -> SwapPlan {
        self.with(s, Constraints::none(), None, plan)
    }
}

/// Roles as a string: o out, i in, r reserve, - none.
fn roles(plan: &SwapPlan) -> String {
    plan.roles
        .iter()
        .map(|r| match r {
            SwapRole::Out => 'o',
            SwapRole::In => 'i',
            SwapRole::Reserve => 'r',
            SwapRole::None => '-',
        })
        .collect()
}

fn unit<'a>(plan: &'a SwapPlan, code: &str) -> &'a Unit {
    plan.units.iter().find(|u| u.code == code).unwrap_or_else(|| panic!("no unit {code}"))
}

#[test]
fn land_that_may_come_in_is_flat_garden_or_forest_next_to_staying_cropland() {
    let mut c = Case::new();
    let out = c.out(V1, 2000.0); // 0
    let stay = c.cropland(V1); // 1
    c.land("0201", V1, 2, 1000.0, stay, 10.0); // 2 eligible
    let three = c.land("0301", V1, 4, 1000.0, stay, 3.0); // 3 eligible: 3 m + 2 m with parcel 5 = 5 m
    c.land("0301", V1, 5, 1000.0, stay, 10.0); // 4 grade 5 (> 25°)
    let five = c.cropland(V1); // 5
    c.edges.push((five, three, 2.0));
    c.land("0303", V1, 1, 1000.0, stay, 10.0); // 6 红树林地, a wetland class
    c.land("0204", V1, 1, 600.0, stay, 10.0); // 7 under one mu (666.67 m²)
    c.land("0302", V1, 1, 1000.0, out, 20.0); // 8 next to leaving cropland only
    c.land("0201K", V1, 3, 1000.0, five, 10.0); // 9 可调整地类: eligible, priority
    c.land("0307", V1, 1, 1000.0, stay, 10.0); // 10 inside a swap_in exclusion
    c.land("0305", V1, 0, 1000.0, five, 10.0); // 11 no slope data
    c.land("0201", V1, 1, 1000.0, stay, 4.9); // 12 shares 4.9 m < 5 m
    let list = [constraint("pbf", ConstraintMode::Exclude, 0.5, &[Rule::SwapIn], None)];
    let mut shares = vec![vec![0.0; 13]];
    shares[0][10] = 1.0;
    let plan = c.with(&SwapSettings::default(), Constraints { list: &list, shares: &shares }, None, super::plan);
    // Eligible: 2, 3, 9. Out 2000 m²; rank: 9 (priority), 2 (grade 2), 3 (grade 4):
    // 9 + 2 = 2000 ≥ 2000 balances, 3 stays in reserve.
    assert_eq!(roles(&plan), "o-ir-----i---");
    assert_eq!(plan.shared_with_cropland[three], 5.0, "boundaries with staying cropland add up");
    assert_eq!(plan.shared_with_cropland[8], 0.0, "leaving cropland is not staying cropland");
    assert_eq!(plan.priority.iter().filter(|p| **p).count(), 1);
    assert!(plan.priority[9]);
    assert_eq!(unit(&plan, V1).chosen, [9, 2]);
}

#[test]
fn rank_order_is_priority_grade_boundary_area_then_id() {
    let mut c = Case::new();
    let stay = c.cropland(V1); // 0
    let p = |c: &mut Case, id: &str, code: &'static str, grade: u8, area: f64, shared: f64| {
        let i = c.land(code, V1, grade, area, stay, shared);
        c.plots[i].id = id.into();
        i
    };
    let e = p(&mut c, "E", "0301", 2, 1000.0, 10.0); // 1
    let f = p(&mut c, "F", "0301K", 3, 1000.0, 10.0); // 2 priority beats grade
    let d = p(&mut c, "D", "0301", 1, 1000.0, 6.0); // 3 flatter beats boundary
    let bc = p(&mut c, "C", "0301", 2, 1000.0, 20.0); // 4 longer boundary beats area
    let b = p(&mut c, "B", "0301", 2, 2000.0, 10.0); // 5 larger beats id
    let a = p(&mut c, "A", "0301", 2, 1000.0, 10.0); // 6 same as E but for the id
    let order = c.with(&SwapSettings::default(), Constraints::none(), None, |inp| {
        let plan = plan(inp);
        let mut order = vec![e, f, d, bc, b, a];
        order.sort_by(|&x, &y| by_rank(inp, &plan, x, y));
        order
    });
    // Ties go by parcel id (as by_rank documents), not by input order: A (6) before E (1).
    assert_eq!(order, [f, d, bc, b, a, e]);
}

#[test]
fn a_unit_takes_land_in_rank_order_until_balanced() {
    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let stay = c.cropland(V1); // 1
    c.land("0301", V1, 1, 800.0, stay, 10.0); // 2
    c.land("0301", V1, 2, 700.0, stay, 10.0); // 3
    c.land("0301", V1, 3, 1200.0, stay, 10.0); // 4
    let plan = c.plan(&greedy());
    // 800 (short 200), + 700 = 1500 ≥ 1000; neither can go: 1500 − 700 = 800 < 1000,
    // 1500 − 800 = 700 < 1000. Parcel 4 is not needed.
    assert_eq!(roles(&plan), "o-iir");
    let u = unit(&plan, V1);
    assert_eq!((u.chosen.clone(), u.covered_by), (vec![2, 3], CoveredBy::Own));
    assert_eq!(plan.serves[2], Some((V1.to_string(), CoveredBy::Own)));
    assert_eq!(plan.serves[4], None);
    // Exactly: the least area reaching 1000 is parcel 4 alone (1200 < 800 + 700).
    let plan = c.plan(&SwapSettings::default());
    assert_eq!(roles(&plan), "o-rri");
    assert_eq!(unit(&plan, V1).chosen, [4]);
}

#[test]
fn the_selection_is_minimal() {
    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let stay = c.cropland(V1); // 1
    c.land("0301", V1, 1, 700.0, stay, 10.0); // 2 ranks first
    c.land("0301", V1, 2, 1000.0, stay, 10.0); // 3
    let plan = c.plan(&SwapSettings::default());
    // Taken in rank order: 700 (short 300), + 1000 = 1700. Pruned lowest rank first:
    // without 3, 700 < 1000: kept; without 2, 1000 ≥ 1000: dropped.
    assert_eq!(roles(&plan), "o-ri");
    assert_eq!(unit(&plan, V1).chosen, [3]);
    let total = plan.ledger.last().unwrap();
    assert_eq!((total.out_m2, total.in_m2, total.balance_m2, total.balanced), (1000.0, 1000.0, 0.0, true), "in = out is balanced");
}

#[test]
fn a_village_short_of_land_draws_on_its_township_then_the_county() {
    let mut c = Case::new();
    c.out(V1, 2000.0); // 0
    let s1 = c.cropland(V1); // 1
    c.land("0301", V1, 2, 1000.0, s1, 10.0); // 2 own
    let s2 = c.cropland(V2); // 3
    c.land("0301", V2, 2, 700.0, s2, 10.0); // 4 township (V2 in T1)
    let s3 = c.cropland(V3); // 5
    c.land("0301", V3, 1, 1500.0, s3, 10.0); // 6 county (V3 in T2)
    let plan = c.plan(&greedy());
    // Own 1000 (short 1000), township 700 (short 300), county 1500 (over by 1200).
    // Pruned lowest rank first: 4 (grade 2, 700) goes: 2500 ≥ 2000; then 2 stays
    // (1500 < 2000) and 6 stays (1000 < 2000).
    assert_eq!(roles(&plan), "o-i-r-i");
    let u = unit(&plan, V1);
    assert_eq!((u.chosen.clone(), u.covered_by), (vec![6, 2], CoveredBy::County));
    assert_eq!(plan.serves[2], Some((V1.to_string(), CoveredBy::Own)));
    assert_eq!(plan.serves[6], Some((V1.to_string(), CoveredBy::County)));
    assert_eq!(plan.ledger.len(), 2, "V1's row and the total: V2 and V3 have nothing to balance");
    assert_eq!((plan.ledger[0].code.as_str(), plan.ledger[0].covered_by.as_str(), plan.ledger[0].in_m2), (V1, "county", 2500.0));
    // Exactly: neither the village (1000) nor the township (1700) can balance 2000, the
    // county can; its least area is 1500 + 700 = 2200 (1500 + 1000 = 2500).
    let plan = c.plan(&SwapSettings::default());
    assert_eq!(roles(&plan), "o-r-i-i");
    assert_eq!(unit(&plan, V1).covered_by, CoveredBy::County);
    assert_eq!(plan.ledger[0].in_m2, 2200.0);

    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let s2 = c.cropland(V2); // 1
    c.land("0301", V2, 2, 1000.0, s2, 10.0); // 2
    let plan = c.plan(&SwapSettings::default());
    assert_eq!(roles(&plan), "o-i");
    assert_eq!(unit(&plan, V1).covered_by, CoveredBy::Township);
    assert_eq!(plan.serves[2], Some((V1.to_string(), CoveredBy::Township)));
}

#[test]
fn a_unit_that_cannot_balance_is_a_deficit_and_keeps_what_it_found() {
    let mut c = Case::new();
    c.out(V1, 2000.0); // 0
    let stay = c.cropland(V1); // 1
    c.land("0301", V1, 2, 1000.0, stay, 10.0); // 2
    c.out(V2, 500.0); // 3: V2 balances with 4
    let s2 = c.cropland(V2); // 4
    c.land("0301", V2, 1, 700.0, s2, 10.0); // 5
    let plan = c.plan(&SwapSettings::default());
    // V2 takes its own 5 first (village pass), so V1 finds nothing more: 1000 < 2000.
    assert_eq!(roles(&plan), "o-io-i");
    assert_eq!(unit(&plan, V1).covered_by, CoveredBy::Deficit);
    assert_eq!(unit(&plan, V1).chosen, [2]);
    let v1 = &plan.ledger[0];
    assert_eq!((v1.balanced, v1.covered_by.as_str(), v1.balance_m2), (false, "deficit", -1000.0));
    let v2 = &plan.ledger[1];
    assert_eq!((v2.balanced, v2.covered_by.as_str(), v2.balance_m2), (true, "own", 200.0));
    let total = &plan.ledger[2];
    assert_eq!((total.balanced, total.balance_m2), (false, -800.0), "the total is balanced only when every unit is");
}

#[test]
fn wider_scopes_balance_townships_or_the_county_as_a_whole() {
    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let s2 = c.cropland(V2); // 1
    c.land("0301", V2, 2, 1000.0, s2, 10.0); // 2
    let s = SwapSettings { scope: SwapScope::Township, ..Default::default() };
    let plan = c.plan(&s);
    assert_eq!(roles(&plan), "o-i");
    assert_eq!(plan.units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), [T1]);
    assert_eq!((plan.ledger[0].scope.as_str(), plan.ledger[0].code.as_str(), plan.ledger[0].covered_by.as_str()), ("township", T1, "own"));
    let s = SwapSettings { scope: SwapScope::County, ..Default::default() };
    let plan = c.plan(&s);
    assert_eq!(plan.units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["county"]);
    assert_eq!(plan.ledger[0].covered_by, "own");
}

#[test]
fn cropland_kept_by_a_constraint_stays_and_former_cropland_ranks_first() {
    let mut c = Case::new();
    let kept = c.out(V1, 1000.0); // 0: a candidate, but swap_out refuses it
    c.land("0201", V1, 2, 1000.0, kept, 10.0); // 1: next to cropland that now stays
    let list = [constraint("pbf", ConstraintMode::Exclude, 0.5, &[Rule::SwapOut], None)];
    let shares = vec![vec![1.0, 0.0]];
    let plan = c.with(&SwapSettings::default(), Constraints { list: &list, shares: &shares }, None, super::plan);
    assert_eq!(roles(&plan), "-r");
    assert_eq!(plan.ledger.len(), 1, "only the total row");
    assert!(plan.ledger[0].balanced && plan.ledger[0].out_count == 0);

    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let stay = c.cropland(V1); // 1
    c.land("0301", V1, 1, 1000.0, stay, 10.0); // 2 flatter
    c.land("0301", V1, 3, 1000.0, stay, 10.0); // 3 half inside the former cropland
    let list = [constraint(crate::settings::FORMER_CROPLAND, ConstraintMode::Flag, 0.5, &[], None)];
    let shares = vec![vec![0.0, 0.0, 0.49, 0.5]];
    let plan = c.with(&SwapSettings::default(), Constraints { list: &list, shares: &shares }, Some(0), super::plan);
    assert_eq!(plan.priority, [false, false, false, true], "former_share 0.5");
    assert_eq!(roles(&plan), "o-ri");
}

#[test]
fn the_ledger_adds_up_to_its_units() {
    let mut c = Case::new();
    let a = c.out(V1, 1000.004); // 0
    let b = c.out(V1, 500.006); // 1
    let s1 = c.cropland(V1); // 2
    let r1 = c.land("0301", V1, 2, 1600.126, s1, 10.0); // 3
    let d = c.out(V3, 1500.0); // 4
    let s3 = c.cropland(V3); // 5
    let r2 = c.land("0301", V3, 1, 800.0, s3, 10.0); // 6
    let r3 = c.land("0301", V3, 3, 900.0, s3, 10.0); // 7
    for (i, tbmj) in [(a, 1000.0), (b, 499.99), (r1, 1600.1), (d, 1500.0), (r2, 800.0), (r3, 900.0)] {
        c.plots[i].tbmj = Some(tbmj);
    }
    let plan = c.plan(&SwapSettings::default());
    assert_eq!(roles(&plan), "oo-io-ii");
    let [v1, v3, total] = plan.ledger.as_slice() else { panic!("{:?}", plan.ledger) };
    // V1: out 1000.00 + 500.01 = 1500.01 m² (each parcel to the cm²), 1500.01 / 666.67
    // = 2.25 mu; TBMJ 1000 + 499.99; in 1600.13 m² = 2.40 mu; balance 100.12 m².
    assert_eq!((v1.scope.as_str(), v1.code.as_str(), v1.name.as_str()), ("village", V1, "村001"));
    assert_eq!((v1.out_count, v1.out_m2, v1.out_mu, v1.out_tbmj_m2, v1.out_grade_mean), (2, 1500.01, 2.25, 1499.99, 5.0));
    assert_eq!((v1.in_count, v1.in_m2, v1.in_mu, v1.in_tbmj_m2, v1.in_grade_mean), (1, 1600.13, 2.4, 1600.1, 2.0));
    assert_eq!((v1.balance_m2, v1.balance_tbmj_m2, v1.balanced), (100.12, 100.11, true));
    // V3: out 1500 = 2.25 mu; in 800 (grade 1, short 700) + 900 (grade 3) = 1700 m² =
    // 2.55 mu (neither can go: 900 < 1500, 800 < 1500), mean grade (800 + 2700) / 1700
    // = 2.0588.
    assert_eq!((v3.out_m2, v3.out_mu, v3.in_count, v3.in_m2, v3.in_mu, v3.in_grade_mean), (1500.0, 2.25, 2, 1700.0, 2.55, 2.0588));
    // The total sums the unit rows as shown: 2.25 + 2.25 = 4.50 mu out, 2.40 + 2.55 =
    // 4.95 mu in; its mean grade is over all parcels in: (2·1600.126 + 800 + 2700) /
    // 3300.126 = 2.0303.
    assert_eq!((total.scope.as_str(), total.name.as_str()), ("total", "合计"));
    assert_eq!((total.out_count, total.out_m2, total.out_mu, total.out_tbmj_m2), (3, 3000.01, 4.5, 2999.99));
    assert_eq!((total.in_count, total.in_m2, total.in_mu, total.in_tbmj_m2), (3, 3300.13, 4.95, 3300.1));
    assert_eq!((total.balance_m2, total.balance_tbmj_m2, total.in_grade_mean, total.out_grade_mean), (300.12, 300.11, 2.0303, 5.0));
    assert!(total.balanced);
}

/// A unit left short while land that would cover it is in reserve: with the greedy
/// selection village V1 takes 700 m² then 1000 m² for its 1000 m² out, and pruning
/// hands the 700 m² back only after V2, in the same township, found none (a deficit
/// with its township's eligible land unused). The exact selection takes the least
/// each unit needs, so V2 finds it.
#[test]
fn no_unit_is_short_while_land_that_covers_it_stays_in_reserve() {
    let mut c = Case::new();
    c.out(V1, 1000.0); // 0
    let s1 = c.cropland(V1); // 1
    c.land("0301", V1, 1, 700.0, s1, 10.0); // 2: ranks first in V1
    c.land("0301", V1, 2, 1000.0, s1, 10.0); // 3
    c.out(V2, 700.0); // 4: nothing eligible in V2
    let plan = c.plan(&SwapSettings::default());
    // V1: 2 (short 300), 3 (over by 700); pruned: without 2, 1000 ≥ 1000: 2 goes back
    // to reserve. V2 could take it (700 ≥ 700) from the township pool.
    assert_eq!(unit(&plan, V1).chosen, [3]);
    assert_ne!(unit(&plan, V2).covered_by, CoveredBy::Deficit, "roles {}: V2 short while parcel 2 (700 m²) is in reserve", roles(&plan));
}
