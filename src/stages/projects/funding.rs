//! Money: 分 from 元 and per-mu prices, and the funding rows per phase (investment
//! against the quotas' revenue).

use super::Project;

/// 1 mu in the code base's area unit (1 "cm²" = 0.01 m², as the supply ledger counts it; [`crate::units::M2_PER_MU`]).
pub(super) const CM2_PER_MU: i128 = 66_667;

/// `per_mu` (分 per mu) × `cm2`, rounded half up to whole 分.
pub fn per_mu(per_mu_fen: i64, cm2: i64) -> i64 {
    let x = per_mu_fen as i128 * cm2 as i128;
    (if x >= 0 { (x + CM2_PER_MU / 2) / CM2_PER_MU } else { -((-x + CM2_PER_MU / 2) / CM2_PER_MU) }) as i64
}

/// 元 (or 万元 × 10 000) to whole 分.
pub(super) fn fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

/// One row of `funding_balance` (money in 分).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundingRow {
    /// The phase's year as text, "unscheduled" or "total".
    pub phase: String,
    pub projects: u64,
    pub invest_fen: i64,
    pub supplement_fen: i64,
    pub linkage_fen: i64,
    pub reward_fen: i64,
}

impl FundingRow {
    pub fn revenue_fen(&self) -> i64 {
        self.supplement_fen + self.linkage_fen + self.reward_fen
    }

    pub fn balance_fen(&self) -> i64 {
        self.revenue_fen() - self.invest_fen
    }

    fn add(&mut self, p: &Project) {
        self.add_row(&FundingRow { phase: String::new(), projects: 1, invest_fen: p.invest_fen, supplement_fen: p.supplement_fen, linkage_fen: p.linkage_fen, reward_fen: p.reward_fen });
    }

    fn add_row(&mut self, r: &FundingRow) {
        self.projects += r.projects;
        self.invest_fen += r.invest_fen;
        self.supplement_fen += r.supplement_fen;
        self.linkage_fen += r.linkage_fen;
        self.reward_fen += r.reward_fen;
    }
}

/// The funding rows: one per phase (by year), "unscheduled" when a project is, and the
/// total (the sum of the rows above it).
pub fn funding(projects: &[Project], years: &[i32]) -> Vec<FundingRow> {
    let mut rows: Vec<FundingRow> = years.iter().map(|y| FundingRow { phase: y.to_string(), ..Default::default() }).collect();
    let mut unscheduled = FundingRow { phase: "unscheduled".into(), ..Default::default() };
    for p in projects {
        match p.phase {
            Some(f) => rows[f].add(p),
            None => unscheduled.add(p),
        }
    }
    if unscheduled.projects > 0 {
        rows.push(unscheduled);
    }
    let mut total = FundingRow { phase: "total".into(), ..Default::default() };
    for r in &rows {
        total.add_row(r);
    }
    rows.push(total);
    rows
}

