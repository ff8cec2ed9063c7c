//! The 进出平衡 ledger of the swap: a row per unit, the total, in the areas the layers show.

use super::{CoveredBy, SwapInputs, SwapPlan, Unit};
use crate::settings::SwapScope;

/// One row of the 进出平衡 ledger. Areas are sums of the parcels' areas as the layers
/// show them (to the centimetre²), so the ledger adds up to the layers exactly.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LedgerRow {
    pub scope: String,
    pub code: String,
    pub name: String,
    pub out_count: usize,
    pub out_m2: f64,
    pub out_mu: f64,
    pub out_tbmj_m2: f64,
    pub out_grade_mean: f64,
    pub in_count: usize,
    pub in_m2: f64,
    pub in_mu: f64,
    pub in_tbmj_m2: f64,
    pub in_grade_mean: f64,
    pub balance_m2: f64,
    pub balance_tbmj_m2: f64,
    pub balanced: bool,
    pub covered_by: String,
}

/// Sums of one side (out or in) of a unit.
struct Side {
    count: usize,
    m2: f64,
    mu: f64,
    tbmj: f64,
    grade_m2: f64,
}

fn side(inp: &SwapInputs, parcels: &[usize]) -> Side {
    use crate::units::{mu, round};
    let m2: f64 = parcels.iter().map(|&i| round(inp.area(i), 2)).sum();
    Side {
        count: parcels.len(),
        m2: round(m2, 2),
        mu: round(mu(m2), 2),
        tbmj: round(parcels.iter().map(|&i| round(inp.parcels.official_area(i).unwrap_or(0.0), 2)).sum(), 2),
        grade_m2: parcels.iter().map(|&i| inp.slope[i].grade as f64 * inp.area(i)).sum(),
    }
}

fn grade_mean(s: &Side, area: f64) -> f64 {
    if area > 0.0 {
        crate::units::round(s.grade_m2 / area, 4)
    } else {
        0.0
    }
}

/// The ledger: one row per scope unit, then the total row (the sums of the unit rows
/// as shown).
pub fn ledger(inp: &SwapInputs, plan: &SwapPlan) -> Vec<LedgerRow> {
    let scope = match inp.settings.scope {
        SwapScope::Village => "village",
        SwapScope::Township => "township",
        SwapScope::County => "county",
    };
    let mut rows: Vec<LedgerRow> = plan
        .units
        .iter()
        .filter(|u| !u.out.is_empty() || !u.chosen.is_empty())
        .map(|u| unit_row(inp, u, scope))
        .collect();
    let total = total_row(inp, plan, &rows);
    rows.push(total);
    rows
}

fn unit_row(inp: &SwapInputs, u: &Unit, scope: &str) -> LedgerRow {
    let (o, n) = (side(inp, &u.out), side(inp, &u.chosen));
    let raw_out: f64 = u.out.iter().map(|&i| inp.area(i)).sum();
    let raw_in: f64 = u.chosen.iter().map(|&i| inp.area(i)).sum();
    LedgerRow {
        scope: scope.into(),
        code: u.code.clone(),
        name: u.name.clone(),
        out_count: o.count,
        out_m2: o.m2,
        out_mu: o.mu,
        out_tbmj_m2: o.tbmj,
        out_grade_mean: grade_mean(&o, raw_out),
        in_count: n.count,
        in_m2: n.m2,
        in_mu: n.mu,
        in_tbmj_m2: n.tbmj,
        in_grade_mean: grade_mean(&n, raw_in),
        balance_m2: crate::units::round(n.m2 - o.m2, 2),
        balance_tbmj_m2: crate::units::round(n.tbmj - o.tbmj, 2),
        balanced: u.covered_by != CoveredBy::Deficit,
        covered_by: u.covered_by.name().into(),
    }
}

fn total_row(inp: &SwapInputs, plan: &SwapPlan, rows: &[LedgerRow]) -> LedgerRow {
    let sum = |f: &dyn Fn(&LedgerRow) -> f64| crate::units::round(rows.iter().map(f).sum(), 2);
    let all = |f: &dyn Fn(&Unit) -> &Vec<usize>| plan.units.iter().flat_map(|u| f(u).iter().copied()).collect::<Vec<_>>();
    let (outs, ins) = (all(&|u| &u.out), all(&|u| &u.chosen));
    let grade = |ps: &[usize]| {
        let a: f64 = ps.iter().map(|&i| inp.area(i)).sum();
        grade_mean(&side(inp, ps), a)
    };
    LedgerRow {
        scope: "total".into(),
        code: String::new(),
        name: "合计".into(),
        out_count: rows.iter().map(|r| r.out_count).sum(),
        out_m2: sum(&|r| r.out_m2),
        out_mu: sum(&|r| r.out_mu),
        out_tbmj_m2: sum(&|r| r.out_tbmj_m2),
        out_grade_mean: grade(&outs),
        in_count: rows.iter().map(|r| r.in_count).sum(),
        in_m2: sum(&|r| r.in_m2),
        in_mu: sum(&|r| r.in_mu),
        in_tbmj_m2: sum(&|r| r.in_tbmj_m2),
        in_grade_mean: grade(&ins),
        balance_m2: sum(&|r| r.balance_m2),
        balance_tbmj_m2: sum(&|r| r.balance_tbmj_m2),
        balanced: rows.iter().all(|r| r.balanced),
        covered_by: String::new(),
    }
}
