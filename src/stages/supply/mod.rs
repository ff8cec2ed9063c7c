//! 补充耕地: every source of new cropland in one place — per parcel (`cropland_supply`),
//! in one ledger per village, township and total (`new_cropland_ledger`, with 新增耕地率
//! against `supply.min_new_share`), and in the 补充耕地储备库 (`cropland_reserve`: the
//! planned sources and the swap's reserve).
//!
//! The sources are what the rules plan, read through the rule registry: a parcel that is
//! not cropland now and that a rule plans as cropland supplies its official area (TBMJ,
//! else computed) under the source that rule names ([`Rule::supplies`]); cropland that
//! stays cropland supplies what a rule adds without a class change
//! ([`Rule::cropland_gain_cm2`]: 土地整理's recovered 田坎). Cropland a rule plans as
//! anything else is lost, net of its 田坎 deduction: 退耕还林 when the reforestation rule
//! decides it, 其他流出 otherwise. Classes and areas are measured as the indicator table
//! measures them ([`Measure`]), in whole cm², so the ledger's net equals the indicator
//! table's planned − current cropland to the cm².
//!
//! [`Rule::supplies`]: super::rule::Rule::supplies
//! [`Rule::cropland_gain_cm2`]: super::rule::Rule::cropland_gain_cm2

mod ledger;

pub use ledger::{follows_the_ledger, ledger, LedgerRow, AMOUNTS};

use super::indicators::Measure;
use super::restore::Phase;
use super::rule::{self, RunData};
use super::swap::{SwapPlan, SwapRole};

/// A source of new cropland, in the ledger's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// 复耕: 即可恢复.
    RestoreImmediate,
    /// 复耕: 工程恢复.
    RestoreEngineering,
    /// 未利用地开发.
    Develop,
    /// 土地整理 (recovered 田坎, 田坎 parcels in merged fields).
    Consolidation,
    /// 增减挂钩 复垦 宜耕.
    Linkage,
    /// 林耕置换 补充.
    Swap,
    /// A rule that names no source.
    Other,
}

/// Every source: (key, 中文, English), in [`Source`] order.
pub const SOURCES: [(&str, &str, &str); 7] = [
    ("restore_immediate", "复耕即可恢复", "restored now"),
    ("restore_engineering", "复耕工程恢复", "restored with works"),
    ("develop", "未利用地开发", "unused land developed"),
    ("consolidation", "土地整理", "land consolidation"),
    ("linkage", "增减挂钩复垦宜耕", "linkage reclaimed to cropland"),
    ("swap", "林耕置换补充", "forest-cropland swap in"),
    ("other", "其他补充", "other sources"),
];

/// The losses: (key, 中文, English).
pub const LOSSES: [(&str, &str, &str); 2] = [("reforest", "退耕还林", "reforestation"), ("other_out", "其他流出", "other losses")];

impl Source {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn key(self) -> &'static str {
        SOURCES[self.index()].0
    }

    /// The 复耕 source of a phase.
    pub fn of_phase(p: Phase) -> Source {
        match p {
            Phase::Immediate => Source::RestoreImmediate,
            Phase::Engineering => Source::RestoreEngineering,
        }
    }
}

/// What a rule says of the new cropland it brings a parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct Supplied {
    pub source: Source,
    pub reason: String,
}

/// One parcel's new cropland.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplyItem {
    pub parcel: usize,
    pub source: Source,
    /// New cropland, cm² (official area; a recovered 田坎 gain).
    pub cm2: i64,
    pub reason: String,
}

/// One parcel's lost cropland.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loss {
    pub parcel: usize,
    /// Index into [`LOSSES`].
    pub kind: usize,
    /// Cropland lost, cm² (official area net of its 田坎 deduction).
    pub cm2: i64,
}

/// The supply of a run: each parcel's new cropland and lost cropland, in parcel order.
#[derive(Debug, Clone, Default)]
pub struct Supply {
    pub items: Vec<SupplyItem>,
    pub losses: Vec<Loss>,
    /// Current cropland of each parcel (cm², net of 田坎, 0 if not cropland).
    pub current: Vec<i64>,
}

/// The first rule that plans a class for parcel `i`, with the class.
fn deciding(d: &RunData, i: usize) -> Option<(&'static dyn rule::Rule, &'static str)> {
    rule::enabled(d.settings).filter(|r| r.decided(d)).find_map(|r| r.planned(d, i).map(|c| (r, c)))
}

/// The new and lost cropland of every parcel.
pub fn supply(d: &RunData) -> Supply {
    let m = Measure::new(d.parcels, &d.settings.indicators);
    let mut s = Supply { current: vec![0; d.parcels.len()], ..Default::default() };
    for i in 0..d.parcels.len() {
        let official = m.official_cm2(d.slope, i);
        let now = m.class(i) == "cropland";
        let decided = deciding(d, i);
        let planned = decided.map_or(now, |(_, c)| c == "cropland");
        if now {
            s.current[i] = official - m.deduction_cm2(i, official);
        }
        match (now, planned, decided) {
            (false, true, Some((r, _))) => s.items.push(item(d, r, i, official)),
            (true, false, Some((r, _))) => s.losses.push(Loss { parcel: i, kind: usize::from(r.name() != "reforestation"), cm2: s.current[i] }),
            (true, true, _) => gains(d, i, &mut s.items),
            _ => {}
        }
    }
    s
}

/// Parcel `i` coming into cropland by rule `r`.
fn item(d: &RunData, r: &dyn rule::Rule, i: usize, official: i64) -> SupplyItem {
    let said = r.supplies(d, i).unwrap_or_else(|| Supplied { source: Source::Other, reason: r.name().to_string() });
    SupplyItem { parcel: i, source: said.source, cm2: official, reason: said.reason }
}

/// What the rules add to cropland `i` that stays cropland.
fn gains(d: &RunData, i: usize, out: &mut Vec<SupplyItem>) {
    for r in rule::enabled(d.settings).filter(|r| r.decided(d)) {
        if let Some(cm2) = r.cropland_gain_cm2(d, i).filter(|g| *g != 0) {
            let said = r.supplies(d, i).unwrap_or_else(|| Supplied { source: Source::Other, reason: r.name().to_string() });
            out.push(SupplyItem { parcel: i, source: said.source, cm2, reason: said.reason });
        }
    }
}

/// A row of the 补充耕地储备库: a planned source, or land the swap keeps in reserve.
#[derive(Debug, Clone, PartialEq)]
pub struct ReserveItem {
    pub parcel: usize,
    /// A [`SOURCES`] key, or "swap_reserve".
    pub source: &'static str,
    /// "planned" (in the plan) or "reserve" (eligible, not needed).
    pub status: &'static str,
    pub cm2: i64,
}

/// The 补充耕地储备库: every planned source item, then the swap's reserve, by parcel.
pub fn reserve(d: &RunData, s: &Supply) -> Vec<ReserveItem> {
    let m = Measure::new(d.parcels, &d.settings.indicators);
    let mut out: Vec<ReserveItem> = s.items.iter().map(|it| ReserveItem { parcel: it.parcel, source: it.source.key(), status: "planned", cm2: it.cm2 }).collect();
    if let Some(plan) = d.get::<SwapPlan>() {
        let kept = (0..plan.roles.len()).filter(|&i| plan.roles[i] == SwapRole::Reserve);
        out.extend(kept.map(|i| ReserveItem { parcel: i, source: "swap_reserve", status: "reserve", cm2: m.official_cm2(d.slope, i) }));
    }
    out.sort_by_key(|r| (r.parcel, r.status != "planned"));
    out
}

/// Its figures in the manifest's `counts` (beside the rules'): the total row's net (m²),
/// 新增耕地率 and whether it reaches the target.
pub fn counts(d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
    let Some(total) = d.slice::<LedgerRow>().and_then(<[LedgerRow]>::last) else { return Vec::new() };
    vec![("new_cropland_m2", (total.net() as f64 / 100.0).into()), ("new_cropland_share", total.rate.into()), ("new_cropland_pass", total.pass.into())]
}

/// Its line in the summary `landcons run` prints, from the manifest's counts.
pub fn summary(counts: &std::collections::BTreeMap<String, serde_json::Value>, target: f64) -> Option<String> {
    let ha = counts.get("new_cropland_m2")?.as_f64()? / 10_000.0;
    let share = counts.get("new_cropland_share")?.as_f64()? * 100.0;
    let verdict = if counts.get("new_cropland_pass")?.as_bool()? { "pass" } else { "fail" };
    Some(format!("new cropland: {ha:.2} ha net, {share:.2} % of the current cropland (target {:.2} %: {verdict})", target * 100.0))
}

/// The run's supply, ledger and reserve, stored with its outcomes.
pub fn decide(d: &RunData) {
    let s = supply(d);
    d.put(ledger(d, &s));
    d.put(reserve(d, &s));
    d.put(s);
}

#[cfg(test)]
mod tests;
