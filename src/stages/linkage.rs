//! The 增减挂钩 ledger: per village, township and in total, the homestead area reclaimed
//! (拆旧), the part reserved for the new concentrated settlement (建新 = 拆旧 × ratio), the
//! surplus quota (节余 = 拆旧 − 建新), and where the reclaimed land goes (宜耕 / 宜林). Kept
//! in whole cm² of the official TBMJ, so townships and the total are exact sums.

use std::collections::BTreeMap;

use crate::parcels::Parcels;
use crate::stages::reclamation::{Direction, ReclamationPlan};
use crate::stages::zonal::ParcelSlope;

/// One row of the ledger (areas in cm², official TBMJ unless said).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LinkageRow {
    /// "village", "township" or "total".
    pub level: &'static str,
    pub code: String,
    pub name: String,
    pub parcels: u64,
    pub demolish: i64,
    /// 拆旧 by the computed areas.
    pub demolish_computed: i64,
    pub rebuild: i64,
    pub surplus: i64,
    pub new_cropland: i64,
    pub new_forest: i64,
    /// demolish, rebuild, surplus, new cropland, new forest as tables show them: (ha, mu);
    /// townships and the total sum what their villages show.
    pub shown: [(f64, f64); 5],
}

impl LinkageRow {
    fn amounts(&self) -> [i64; 5] {
        [self.demolish, self.rebuild, self.surplus, self.new_cropland, self.new_forest]
    }
}

impl LinkageRow {
    fn add(&mut self, o: &LinkageRow) {
        self.parcels += o.parcels;
        self.demolish += o.demolish;
        self.demolish_computed += o.demolish_computed;
        self.rebuild += o.rebuild;
        self.surplus += o.surplus;
        self.new_cropland += o.new_cropland;
        self.new_forest += o.new_forest;
        for (a, b) in self.shown.iter_mut().zip(o.shown) {
            *a = (crate::units::round(a.0 + b.0, 4), crate::units::round(a.1 + b.1, 2));
        }
    }
}

/// The ledger: village rows (by code), township rows (the first `township_digits` of the
/// code), the total.
pub fn ledger(parcels: &Parcels, slope: &[ParcelSlope], plan: &ReclamationPlan, rebuild_ratio: f64, township_digits: usize) -> Vec<LinkageRow> {
    let mut villages: BTreeMap<String, LinkageRow> = BTreeMap::new();
    for i in (0..parcels.len()).filter(|&i| plan.candidate[i]) {
        let official = (parcels.official_area(i).unwrap_or(slope[i].area_m2) * 100.0).round() as i64;
        let code = parcels.village_code(i);
        let row = villages.entry(code.to_string()).or_insert_with(|| LinkageRow {
            level: "village",
            code: code.to_string(),
            name: parcels.village_name(i).to_string(),
            ..Default::default()
        });
        row.parcels += 1;
        row.demolish += official;
        row.demolish_computed += (slope[i].area_m2 * 100.0).round() as i64;
        match plan.cluster_of[i].map(|c| plan.clusters[c].direction) {
            Some(Direction::Cropland) => row.new_cropland += official,
            _ => row.new_forest += official,
        }
    }
    let mut rows: Vec<LinkageRow> = villages.into_values().collect();
    for r in &mut rows {
        r.rebuild = (r.demolish as f64 * rebuild_ratio).round() as i64;
        r.surplus = r.demolish - r.rebuild;
    }
    for r in &mut rows {
        r.shown = r.amounts().map(crate::stages::indicators::shown);
    }
    let mut townships: BTreeMap<String, LinkageRow> = BTreeMap::new();
    let mut total = LinkageRow { level: "total", code: "total".into(), name: "合计".into(), ..Default::default() };
    for r in &rows {
        let code: String = r.code.chars().take(township_digits).collect();
        townships.entry(code.clone()).or_insert_with(|| LinkageRow { level: "township", code, ..Default::default() }).add(r);
        total.add(r);
    }
    rows.extend(townships.into_values());
    rows.push(total);
    rows
}
