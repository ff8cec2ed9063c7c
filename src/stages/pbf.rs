//! 永久基本农田布局调整 (局部微调, 「优进劣出」): which permanent basic farmland (PBF) goes
//! out (调出) and which cropland comes in (调入), so that the farmland ends 集中连片, balanced
//! in area and not worse in quality.
//!
//! - **In PBF**: at least `pbf.min_share` of the parcel inside a `basic_farmland` constraint.
//! - **调出**: in PBF and, unless `adjust_in_urban`, not inside the urban boundary (PBF left
//!   there, 开天窗, stays); and any of: slope grade 5; not cropland now; in a current
//!   cropland block smaller than `scattered_block_m2`; inside a `pbf_out` constraint.
//! - **调入 eligible**: cropland that stays cropland (no rule before this one changes it),
//!   not in PBF, grade 1..=`in_max_grade`, at least `min_area_m2`, under half inside the red
//!   line and the urban boundary, and either inside 高标准农田 (`high_standard`) or sharing
//!   at least `min_shared_m` of boundary with PBF that stays; with a known quality grade
//!   when `fields.quality` is set.
//! - **Selection**, per scope unit (the county, or each township): the eligible parcels of
//!   least total area whose area reaches 调出 × (1 + `min_gain_share`) and whose
//!   area-weighted quality is no worse than 调出's — exact, by `select::least_area`.
//!   Ties: 高标准农田 first, then the lower grade, the longer boundary with PBF, input order.
//!
//! Areas are official (TBMJ, else computed): the farmland the plan reports is the survey's.

use std::collections::BTreeMap;

use super::blocks::Blocks;
use super::reforestation::ParcelFlags;
use super::rule::{Card, CardSource, RunData};
use super::select::{self, Candidate, Need, Status};
use crate::context::CancelToken;
use crate::error::Result;
use crate::progress::Progress;
use crate::settings::{Language, PbfScope, Role};
use crate::table::{AttrValue, Field, FieldKind, Values};

/// A parcel's part in the adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PbfStatus {
    /// Not in PBF and not coming in.
    #[default]
    None,
    /// In PBF and staying.
    Keep,
    /// In PBF, going out (调出).
    Out,
    /// Coming in (调入).
    In,
    /// Eligible to come in, not needed.
    Reserve,
}

impl PbfStatus {
    pub fn name(self) -> &'static str {
        match self {
            PbfStatus::None => "",
            PbfStatus::Keep => "keep",
            PbfStatus::Out => "out",
            PbfStatus::In => "in",
            PbfStatus::Reserve => "reserve",
        }
    }
}

/// The value map of [`PbfStatus`].
pub const STATUS_NAMES: &[(&str, &str, &str)] = &[("keep", "保留", "kept"), ("out", "调出", "out"), ("in", "调入", "in"), ("reserve", "储备", "reserve")];

/// The rule's outcome.
#[derive(Debug, Clone, Default)]
pub struct PbfPlan {
    pub status: Vec<PbfStatus>,
    /// Why each 调出 parcel goes out (empty for the others).
    pub reasons: Vec<String>,
    /// Why each eligible parcel may come in: 高标准农田 or next to PBF.
    pub basis: Vec<&'static str>,
    /// Boundary each parcel shares with PBF that stays, m.
    pub shared_with_pbf: Vec<f64>,
    /// Each parcel's quality grade (when `fields.quality` is set and readable).
    pub quality: Vec<Option<f64>>,
    /// A row per scope unit with something to balance, then the total.
    pub ledger: Vec<LedgerRow>,
}

/// One row of 永久基本农田调整台账.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerRow {
    /// "county", "township" or "total".
    pub scope: &'static str,
    pub code: String,
    pub name: String,
    pub out: Side,
    pub inn: Side,
    pub required_m2: f64,
    pub balanced: bool,
    /// None when no quality field is set.
    pub quality_ok: Option<bool>,
    pub status: &'static str,
    pub gap: f64,
}

/// The parcels of one side of the balance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    pub count: u64,
    /// Official area (TBMJ, else computed), m².
    pub area_m2: f64,
    pub tbmj_m2: f64,
    /// Area-weighted quality grade and slope grade.
    pub quality_mean: Option<f64>,
    pub grade_mean: f64,
}

/// Share of parcel `i` inside the constraints of `role` (the largest, if several).
fn role_share(d: &RunData, role: Role, i: usize) -> f64 {
    d.role_share(role, i)
}

/// Whether parcel `i` is permanent basic farmland now, or (with `planned`) after the
/// adjustment when it ran.
pub fn in_pbf(d: &RunData, i: usize, planned: bool) -> bool {
    match d.get::<PbfPlan>().filter(|_| planned) {
        Some(plan) => matches!(plan.status[i], PbfStatus::Keep | PbfStatus::In),
        None => role_share(d, Role::BasicFarmland, i) >= d.settings.pbf.min_share,
    }
}

/// The official area of parcel `i`: TBMJ, else computed.
fn official(d: &RunData, i: usize) -> f64 {
    d.parcels.official_area(i).unwrap_or(d.slope[i].area_m2)
}

/// Why parcel `i`, in PBF, goes out; empty when it stays.
fn out_reason(d: &RunData, i: usize, blocks: Option<&Blocks>) -> String {
    let (s, lang) = (&d.settings.pbf, d.settings.output.language);
    if !s.adjust_in_urban && role_share(d, Role::UrbanBoundary, i) >= 0.5 {
        return String::new();
    }
    let mut why = Vec::new();
    if d.slope[i].grade == 5 {
        why.push(lang.pick("坡度五级（>25°）", "slope grade 5 (>25°)").to_string());
    }
    if !d.flags()[i].is_cropland {
        why.push(format!("{}{}", lang.pick("现状非耕地：", "not cropland: "), d.parcels.land_use(i)));
    } else if let Some(area) = block_area(blocks, i).filter(|a| *a < s.scattered_block_m2) {
        why.push(match lang {
            Language::Zh => format!("零散：所在连片{:.2}亩", crate::units::mu(area)),
            Language::En => format!("scattered: block of {:.2} mu", crate::units::mu(area)),
        });
    }
    for c in d.constraints.list.iter().enumerate().filter(|(_, k)| k.settings.role == Some(Role::PbfOut)).filter(|(k, _)| d.constraints.shares[*k][i] >= 0.5) {
        why.push(format!("{}{}", lang.pick("位于调出范围：", "inside "), c.1.settings.name));
    }
    why.join(lang.pick("；", "; "))
}

/// The area of the current cropland block of parcel `i`.
fn block_area(blocks: Option<&Blocks>, i: usize) -> Option<f64> {
    let current = &blocks?.current;
    current.block_of[i].map(|b| current.blocks[b].area_m2)
}

/// Whether parcel `i` may come in, and on which basis.
fn in_basis(d: &RunData, i: usize, status: &[PbfStatus], shared: f64, quality: Option<f64>) -> Option<&'static str> {
    let (s, lang, f): (_, _, &ParcelFlags) = (&d.settings.pbf, d.settings.output.language, &d.flags()[i]);
    let stays_cropland = d.planned(i).is_none_or(|c| c == "cropland");
    let grade = d.slope[i].grade;
    let ok = f.is_cropland && stays_cropland && status[i] == PbfStatus::None && (1..=s.in_max_grade).contains(&grade);
    let ok = ok && official(d, i) >= s.min_area_m2 && (d.settings.fields.quality.is_empty() || quality.is_some());
    let ok = ok && role_share(d, Role::RedLine, i) < 0.5 && role_share(d, Role::UrbanBoundary, i) < 0.5;
    if !ok {
        return None;
    }
    if role_share(d, Role::HighStandard, i) >= 0.5 {
        Some(lang.pick("高标准农田", "high-standard farmland"))
    } else if shared >= s.min_shared_m {
        Some(lang.pick("邻接永久基本农田", "next to basic farmland"))
    } else {
        None
    }
}

/// Each parcel's quality grade from `fields.quality` (None when unset or unreadable).
fn qualities(d: &RunData) -> Vec<Option<f64>> {
    let name = &d.settings.fields.quality;
    let column = d.parcels.fields.iter().position(|f| !name.is_empty() && f.name.eq_ignore_ascii_case(name));
    (0..d.parcels.len()).map(|i| column.and_then(|c| d.parcels.attribute(i, c).as_f64())).collect()
}

/// The scope unit (code, name) of parcel `i`.
fn unit_of(d: &RunData, i: usize) -> (String, String) {
    match d.settings.pbf.scope {
        PbfScope::County => ("county".into(), d.settings.output.language.pick("全县", "county").into()),
        PbfScope::Township => {
            let code: String = d.parcels.village_code(i).chars().take(d.settings.swap.township_digits).collect();
            (code.clone(), code)
        }
    }
}

/// The plan: statuses and reasons, then a selection per scope unit, then the ledger.
pub fn plan(d: &RunData, progress: &Progress, cancel: &CancelToken) -> Result<PbfPlan> {
    let n = d.parcels.len();
    let blocks = d.get::<Blocks>();
    let mut p = PbfPlan { status: vec![PbfStatus::None; n], reasons: vec![String::new(); n], basis: vec![""; n], shared_with_pbf: vec![0.0; n], quality: qualities(d), ledger: Vec::new() };
    for i in (0..n).filter(|&i| in_pbf(d, i, false)) {
        p.reasons[i] = out_reason(d, i, blocks);
        p.status[i] = if p.reasons[i].is_empty() { PbfStatus::Keep } else { PbfStatus::Out };
    }
    for e in &d.graph.edges {
        for (a, b) in [(e.a, e.b), (e.b, e.a)] {
            if p.status[b] == PbfStatus::Keep {
                p.shared_with_pbf[a] += e.shared_m;
            }
        }
    }
    for i in 0..n {
        if let Some(basis) = in_basis(d, i, &p.status, p.shared_with_pbf[i], p.quality[i]) {
            (p.basis[i], p.status[i]) = (basis, PbfStatus::Reserve);
        }
    }
    let mut units: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for i in (0..n).filter(|&i| matches!(p.status[i], PbfStatus::Out | PbfStatus::Reserve)) {
        units.entry(unit_of(d, i)).or_default().push(i);
    }
    // Only units with farmland going out have something to balance.
    units.retain(|_, members| members.iter().any(|&i| p.status[i] == PbfStatus::Out));
    progress.set_length(units.len() as u64);
    for ((code, name), members) in units {
        cancel.check()?;
        let row = balance_unit(d, &mut p, code, name, &members);
        p.ledger.push(row);
        progress.inc(1);
    }
    p.ledger.push(total_row(&p.ledger, d.settings.output.language));
    Ok(p)
}

/// One scope unit: the least-area selection among its eligible parcels; its ledger row.
fn balance_unit(d: &RunData, p: &mut PbfPlan, code: String, name: String, members: &[usize]) -> LedgerRow {
    let s = &d.settings.pbf;
    let out: Vec<usize> = members.iter().copied().filter(|&i| p.status[i] == PbfStatus::Out).collect();
    let mut eligible: Vec<usize> = members.iter().copied().filter(|&i| p.status[i] == PbfStatus::Reserve).collect();
    // Preference: 高标准农田, lower grade, longer boundary with PBF, input order.
    let high = |i: usize| role_share(d, Role::HighStandard, i) >= 0.5;
    eligible.sort_by(|&a, &b| high(b).cmp(&high(a)).then(d.slope[a].grade.cmp(&d.slope[b].grade)).then(p.shared_with_pbf[b].total_cmp(&p.shared_with_pbf[a])).then(a.cmp(&b)));
    let out_side = side(d, p, &out);
    let quality_on = !d.settings.fields.quality.is_empty();
    let need = Need { area_m2: out_side.area_m2 * (1.0 + s.min_gain_share), max_quality: out_side.quality_mean.filter(|_| quality_on) };
    let candidates: Vec<Candidate> = eligible.iter().enumerate().map(|(rank, &i)| Candidate { area_m2: round_cm2(official(d, i)), quality: p.quality[i], rank }).collect();
    // The need as it is: least_area rounds it up to the cm² (rounded to the nearest, a
    // selection up to half a cm² short of it would count as reaching it).
    let chosen = select::least_area(&candidates, &need, s.time_limit_s);
    for (&i, _) in eligible.iter().zip(&chosen.chosen).filter(|(_, c)| **c) {
        p.status[i] = PbfStatus::In;
    }
    let inn: Vec<usize> = eligible.iter().copied().filter(|&i| p.status[i] == PbfStatus::In).collect();
    let in_side = side(d, p, &inn);
    let no_worse = match (in_side.quality_mean, out_side.quality_mean) {
        (Some(q_in), Some(q_out)) => q_in <= q_out + 1e-9,
        _ => true,
    };
    let quality_ok = quality_on.then_some(no_worse);
    let scope = match s.scope {
        PbfScope::County => "county",
        PbfScope::Township => "township",
    };
    let balanced = in_side.area_m2 + 1e-6 >= need.area_m2;
    LedgerRow { scope, code, name, out: out_side, inn: in_side, required_m2: need.area_m2, balanced, quality_ok, status: chosen.status.name(), gap: chosen.gap }
}

fn round_cm2(m2: f64) -> f64 {
    (m2 * 100.0).round() / 100.0
}

/// The figures of a set of parcels.
fn side(d: &RunData, p: &PbfPlan, members: &[usize]) -> Side {
    let area: f64 = members.iter().map(|&i| official(d, i)).sum();
    let weighted = |v: &dyn Fn(usize) -> Option<f64>| {
        let known: Vec<(f64, f64)> = members.iter().filter_map(|&i| v(i).map(|x| (official(d, i), x))).collect();
        let w: f64 = known.iter().map(|k| k.0).sum();
        (w > 0.0).then(|| known.iter().map(|k| k.0 * k.1).sum::<f64>() / w)
    };
    Side {
        count: members.len() as u64,
        area_m2: area,
        tbmj_m2: members.iter().filter_map(|&i| d.parcels.official_area(i)).sum(),
        quality_mean: weighted(&|i| p.quality[i]),
        grade_mean: weighted(&|i| Some(d.slope[i].grade as f64)).unwrap_or(0.0),
    }
}

/// The total row: the units' rows summed (means weighted by area).
fn total_row(rows: &[LedgerRow], lang: Language) -> LedgerRow {
    let sum = |f: fn(&LedgerRow) -> &Side| {
        let sides: Vec<&Side> = rows.iter().map(f).collect();
        let area: f64 = sides.iter().map(|s| s.area_m2).sum();
        let mean = |g: fn(&Side) -> Option<f64>| {
            let known: Vec<(f64, f64)> = sides.iter().filter_map(|s| g(s).map(|v| (s.area_m2, v))).collect();
            let w: f64 = known.iter().map(|k| k.0).sum();
            (w > 0.0).then(|| known.iter().map(|k| k.0 * k.1).sum::<f64>() / w)
        };
        Side { count: sides.iter().map(|s| s.count).sum(), area_m2: area, tbmj_m2: sides.iter().map(|s| s.tbmj_m2).sum(), quality_mean: mean(|s| s.quality_mean), grade_mean: mean(|s| Some(s.grade_mean)).unwrap_or(0.0) }
    };
    let quality_ok = rows.iter().filter_map(|r| r.quality_ok).reduce(|a, b| a && b).or(rows.first().and_then(|r| r.quality_ok));
    let worst = rows.iter().map(|r| r.status).find(|s| *s != Status::Optimal.name() && *s != Status::Nothing.name()).unwrap_or(Status::Optimal.name());
    LedgerRow {
        scope: "total",
        code: "total".into(),
        name: lang.pick("合计", "total").into(),
        out: sum(|r| &r.out),
        inn: sum(|r| &r.inn),
        required_m2: rows.iter().map(|r| r.required_m2).sum(),
        balanced: rows.iter().all(|r| r.balanced),
        quality_ok,
        status: worst,
        gap: rows.iter().map(|r| r.gap).fold(0.0, f64::max),
    }
}

/// 永久基本农田布局调整 as a rule of the run.
pub struct BasicFarmland;

impl super::rule::Rule for BasicFarmland {
    fn name(&self) -> &'static str {
        "pbf"
    }

    /// On unless switched off, when some constraint is the basic farmland.
    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.pbf.enabled && s.constraints.iter().any(|c| c.role == Some(Role::BasicFarmland))
    }

    fn decide(&self, d: &RunData, progress: &Progress, cancel: &CancelToken) -> Result<()> {
        d.put(plan(d, progress, cancel)?);
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<PbfPlan>()
    }

    fn planned_share(&self, d: &RunData, role: Role, i: usize) -> Option<f64> {
        match (role, d.need::<PbfPlan>().status[i]) {
            (Role::BasicFarmland, PbfStatus::Out) => Some(0.0),
            (Role::BasicFarmland, PbfStatus::In) => Some(1.0),
            _ => None,
        }
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![Field::coded("pbf", FieldKind::Text, "永久基本农田调整", "", Values::Codes(STATUS_NAMES))]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let name = d.need::<PbfPlan>().status[i].name();
        out.push(if name.is_empty() { AttrValue::Null } else { AttrValue::text(name) });
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("pbf_out_mu", "永久基本农田调出", "basic farmland out", "亩", 2, CardSource::Total("pbf_ledger", "out_mu")),
            ("pbf_in_mu", "永久基本农田调入", "basic farmland in", "亩", 2, CardSource::Total("pbf_ledger", "in_mu")),
            ("pbf_gain_mu", "永久基本农田净增", "basic farmland gained", "亩", 2, CardSource::Total("pbf_ledger", "gain_mu")),
        ]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(total) = d.get::<PbfPlan>().and_then(|p| p.ledger.last()) else { return Vec::new() };
        vec![("pbf_out_m2", total.out.area_m2.into()), ("pbf_in_m2", total.inn.area_m2.into()), ("pbf_status", total.status.into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let out = counts.get("pbf_out_m2")?.as_f64()? / 10_000.0;
        let inn = counts.get("pbf_in_m2")?.as_f64()? / 10_000.0;
        let status = counts.get("pbf_status")?.as_str()?;
        Some(format!("basic farmland: {out:.2} ha out, {inn:.2} ha in ({status})"))
    }
}

#[cfg(test)]
mod tests;
