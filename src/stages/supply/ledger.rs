//! `new_cropland_ledger` (新增耕地台账): per village, township (the first
//! `swap.township_digits` of its code) and in total — current cropland, each source, the
//! losses, the net, and 新增耕地率 = net / current against `supply.min_new_share`. Kept in
//! whole cm², so townships and the total are exact sums of their villages; printed in ha
//! and mu, townships and the total show the sum of what their villages show.

use std::collections::BTreeMap;

use super::{Supply, LOSSES, SOURCES};
use crate::error::{Error, Result};
use crate::stages::indicators::{shown, IndicatorRow};
use crate::stages::rule::RunData;

/// The amounts of a row, in order: (key, 中文).
pub const AMOUNTS: [(&str, &str); 11] = [
    ("current", "现状耕地"),
    (SOURCES[0].0, SOURCES[0].1),
    (SOURCES[1].0, SOURCES[1].1),
    (SOURCES[2].0, SOURCES[2].1),
    (SOURCES[3].0, SOURCES[3].1),
    (SOURCES[4].0, SOURCES[4].1),
    (SOURCES[5].0, SOURCES[5].1),
    (SOURCES[6].0, SOURCES[6].1),
    (LOSSES[0].0, LOSSES[0].1),
    (LOSSES[1].0, LOSSES[1].1),
    ("net", "新增耕地净面积"),
];

/// One row of the ledger.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerRow {
    /// "village", "township" or "total".
    pub level: &'static str,
    pub code: String,
    pub name: String,
    /// Parcels supplying new cropland (a parcel per source it supplies).
    pub parcels: u64,
    /// cm², in [`AMOUNTS`] order: current, the 7 sources, the 2 losses, net.
    pub amounts: [i64; 11],
    /// The amounts as tables show them: (ha, mu).
    pub shown: [(f64, f64); 11],
    /// 新增耕地率: net / current (0 without current cropland).
    pub rate: f64,
    /// Whether the rate reaches the target.
    pub pass: bool,
}

const NET: usize = 10;

impl LedgerRow {
    fn add(&mut self, o: &LedgerRow) {
        self.parcels += o.parcels;
        for (a, b) in self.amounts.iter_mut().zip(o.amounts) {
            *a += b;
        }
        for (a, b) in self.shown.iter_mut().zip(o.shown) {
            *a = (crate::units::round(a.0 + b.0, 4), crate::units::round(a.1 + b.1, 2));
        }
    }

    /// Net, rate and pass from the amounts.
    fn close(&mut self, target: f64) {
        self.amounts[NET] = self.amounts[1..8].iter().sum::<i64>() - self.amounts[8..10].iter().sum::<i64>();
        self.rate = if self.amounts[0] > 0 { self.amounts[NET] as f64 / self.amounts[0] as f64 } else { 0.0 };
        self.pass = self.rate >= target;
    }

    /// The sources summed (cm²).
    pub fn sources(&self) -> i64 {
        self.amounts[1..8].iter().sum()
    }

    pub fn net(&self) -> i64 {
        self.amounts[NET]
    }
}

/// The ledger: village rows (by code), township rows, the total.
pub fn ledger(d: &RunData, s: &Supply) -> Vec<LedgerRow> {
    let p = d.parcels;
    let mut villages: BTreeMap<String, LedgerRow> = BTreeMap::new();
    fn at<'r>(villages: &'r mut BTreeMap<String, LedgerRow>, p: &crate::parcels::Parcels, i: usize) -> &'r mut LedgerRow {
        villages.entry(p.village_code(i).to_string()).or_insert_with(|| LedgerRow { level: "village", code: p.village_code(i).into(), name: p.village_name(i).into(), ..Default::default() })
    }
    for (i, &c) in s.current.iter().enumerate().filter(|(_, c)| **c != 0) {
        at(&mut villages, p, i).amounts[0] += c;
    }
    for it in &s.items {
        let row = at(&mut villages, p, it.parcel);
        row.amounts[1 + it.source.index()] += it.cm2;
        row.parcels += 1;
    }
    for l in &s.losses {
        at(&mut villages, p, l.parcel).amounts[8 + l.kind] += l.cm2;
    }
    let target = d.settings.supply.min_new_share;
    let mut rows: Vec<LedgerRow> = villages.into_values().collect();
    for r in &mut rows {
        r.close(target);
        r.shown = r.amounts.map(shown);
    }
    let digits = d.settings.swap.township_digits;
    let mut townships: BTreeMap<String, LedgerRow> = BTreeMap::new();
    let mut total = LedgerRow { level: "total", code: "total".into(), name: "合计".into(), ..Default::default() };
    for r in &rows {
        let code: String = r.code.chars().take(digits).collect();
        townships.entry(code.clone()).or_insert_with(|| LedgerRow { level: "township", code, ..Default::default() }).add(r);
        total.add(r);
    }
    rows.extend(townships.into_values());
    rows.push(total);
    for r in rows.iter_mut().filter(|r| r.level != "village") {
        r.close(target);
    }
    rows
}

/// The indicator table's planned − current cropland equals the ledger's net, village by
/// village and in total (both count in whole cm² of the same measure); the run checks it.
pub fn follows_the_ledger(rows: &[IndicatorRow], ledger: &[LedgerRow]) -> Result<()> {
    let cropland = crate::settings::INDICATORS.iter().position(|(k, _)| *k == "cropland").unwrap_or(0);
    let net_of = |level: &str, code: &str| ledger.iter().find(|r| r.level == level && r.code == code).map_or(0, LedgerRow::net);
    for r in rows.iter().filter(|r| r.level != "cluster") {
        let (table, net) = (r.values[cropland][1] - r.values[cropland][0], net_of(r.level, &r.code));
        if table != net {
            let message = format!("cropland planned − current = {table} cm², the new cropland ledger's net is {net} cm²");
            return Err(Error::Reconciliation { table: "new_cropland_ledger".into(), row: r.code.clone(), message });
        }
    }
    Ok(())
}
