//! 林耕空间置换 (进出平衡): cropland that leaves steep land (the reforestation candidates)
//! is balanced by flat garden and forest land next to the cropland that stays.
//!
//! Per scope unit (village, township or county): choose eligible parcels in rank order
//! until their area covers the area that leaves, then drop every chosen parcel that can
//! go while the unit stays balanced (a minimal selection). A village that cannot balance
//! on its own is covered from its township's remaining pool, then the county's; what
//! stays short is a recorded deficit. Same input, same selection.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::adjacency::Graph;
use super::constraints::Constraints;
use super::reforestation::ParcelFlags;
use super::rule::{Card, CardSource, RunData};
use super::zonal::ParcelSlope;
use crate::table::{AttrValue, Field, FieldKind, Values};
use crate::parcels::Parcels;
use crate::progress::Progress;
use super::select::{self, Candidate, Need};
use crate::settings::{Rule, SwapScope, SwapSelection, SwapSettings};

mod ledger;
pub use ledger::{ledger, LedgerRow};

/// A parcel's part in the swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SwapRole {
    #[default]
    None,
    /// Cropland leaving (耕地流出).
    Out,
    /// Chosen to come into cropland (耕地补充).
    In,
    /// Eligible, not needed (耕地补充空间储备).
    Reserve,
}

impl SwapRole {
    pub fn name(self) -> &'static str {
        match self {
            SwapRole::None => "",
            SwapRole::Out => "out",
            SwapRole::In => "in",
            SwapRole::Reserve => "reserve",
        }
    }
}

/// How a scope unit was balanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoveredBy {
    Own,
    Township,
    County,
    Deficit,
}

impl CoveredBy {
    pub fn name(self) -> &'static str {
        match self {
            CoveredBy::Own => "own",
            CoveredBy::Township => "township",
            CoveredBy::County => "county",
            CoveredBy::Deficit => "deficit",
        }
    }
}

/// The swap's result: every parcel's role, and for the eligible ones what ranked them.
#[derive(Debug, Clone, Default)]
pub struct SwapPlan {
    pub roles: Vec<SwapRole>,
    /// Boundary shared with cropland that stays, metres (all parcels).
    pub shared_with_cropland: Vec<f64>,
    /// 可调整地类 (K) or mostly former cropland: ranks first.
    pub priority: Vec<bool>,
    /// For each `In` parcel: the unit whose balance it serves and how.
    pub serves: Vec<Option<(String, CoveredBy)>>,
    /// One per scope unit, by code.
    pub units: Vec<Unit>,
    /// The 进出平衡 ledger: a row per unit with something to balance, then the total.
    pub ledger: Vec<LedgerRow>,
}

/// A scope unit's balance.
#[derive(Debug, Clone)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub out: Vec<usize>,
    /// The parcels that came in for this unit (possibly from elsewhere in its township
    /// or county).
    pub chosen: Vec<usize>,
    pub covered_by: CoveredBy,
}

/// What the swap reads.
pub struct SwapInputs<'a> {
    pub parcels: &'a Parcels,
    pub slope: &'a [ParcelSlope],
    pub flags: &'a [ParcelFlags],
    pub graph: &'a Graph,
    pub constraints: Constraints<'a>,
    /// Index of the former-cropland layer among the constraints, if given.
    pub former: Option<usize>,
    pub settings: &'a SwapSettings,
    /// Counts scope units through each pass of the balancing.
    pub progress: &'a Progress,
    /// Parcels a rule before the swap already changes (restored land, 复耕): never swap-in
    /// candidates, so no parcel is new cropland twice. Empty: none.
    pub taken: &'a [bool],
}

impl SwapInputs<'_> {
    fn area(&self, i: usize) -> f64 {
        self.slope[i].area_m2
    }

    /// The scope unit of parcel `i` at `scope`.
    fn unit_of(&self, i: usize, scope: SwapScope) -> String {
        let village = self.parcels.village_code(i);
        match scope {
            SwapScope::Village => village.to_string(),
            SwapScope::Township => village.chars().take(self.settings.township_digits).collect(),
            SwapScope::County => "county".to_string(),
        }
    }
}

/// The swap plan over every parcel.
pub fn plan(inp: &SwapInputs) -> SwapPlan {
    let n = inp.parcels.len();
    let out: Vec<bool> = (0..n).map(|i| inp.flags[i].reforest && inp.constraints.allow(i, Rule::SwapOut)).collect();
    let shared = shared_with_staying_cropland(inp, &out);
    let priority: Vec<bool> = (0..n).map(|i| is_priority(inp, i)).collect();
    let eligible: Vec<bool> = (0..n).map(|i| eligible(inp, i, &out, shared[i])).collect();
    let mut plan = SwapPlan {
        roles: (0..n)
            .map(|i| match (out[i], eligible[i]) {
                (true, _) => SwapRole::Out,
                (false, true) => SwapRole::Reserve,
                _ => SwapRole::None,
            })
            .collect(),
        shared_with_cropland: shared,
        priority,
        serves: vec![None; n],
        units: Vec::new(),
        ledger: Vec::new(),
    };
    balance(inp, &mut plan);
    plan.ledger = ledger(inp, &plan);
    plan
}

/// Boundary each parcel shares with cropland that stays cropland.
fn shared_with_staying_cropland(inp: &SwapInputs, out: &[bool]) -> Vec<f64> {
    let staying = |j: usize| inp.flags[j].is_cropland && !out[j];
    (0..inp.parcels.len())
        .map(|i| {
            inp.graph.neighbours[i]
                .iter()
                .filter(|(j, _)| staying(*j))
                .map(|(_, e)| inp.graph.edges[*e].shared_m)
                .sum()
        })
        .collect()
}

/// The code without the 三调 suffix `K` (可调整地类), and whether it had it.
fn base_code(code: &str) -> (&str, bool) {
    match code.strip_suffix(['K', 'k']) {
        Some(base) => (base, true),
        None => (code, false),
    }
}

fn is_priority(inp: &SwapInputs, i: usize) -> bool {
    let k = base_code(inp.parcels.land_use(i)).1;
    let former = inp.former.is_some_and(|c| inp.constraints.shares[c][i] >= inp.settings.former_share);
    k || former
}

/// The 耕地补充空间 rule (see the module docs and pipelines/README.md).
pub fn eligible(inp: &SwapInputs, i: usize, out: &[bool], shared: f64) -> bool {
    let s = inp.settings;
    let (code, _) = base_code(inp.parcels.land_use(i));
    let grade = inp.slope[i].grade;
    !out[i]
        && !inp.taken.get(i).copied().unwrap_or(false)
        && !inp.flags[i].is_cropland
        && s.in_codes.iter().any(|c| c == code)
        && (1..=s.max_grade).contains(&grade)
        && inp.area(i) >= s.min_area_m2
        && shared >= s.min_shared_m
        && inp.constraints.allow(i, Rule::SwapIn)
}

/// Rank order: priority land first, then flatter, then longer boundary with staying
/// cropland (contiguity), then larger, then parcel id.
fn by_rank(inp: &SwapInputs, plan: &SwapPlan, a: usize, b: usize) -> Ordering {
    let g = |i: usize| inp.slope[i].grade;
    plan.priority[b]
        .cmp(&plan.priority[a])
        .then(g(a).cmp(&g(b)))
        .then(plan.shared_with_cropland[b].total_cmp(&plan.shared_with_cropland[a]))
        .then(inp.area(b).total_cmp(&inp.area(a)))
        .then(inp.parcels.id(a).cmp(inp.parcels.id(b)))
}

/// Balances every unit of the scope, covering villages from wider pools when needed.
fn balance(inp: &SwapInputs, plan: &mut SwapPlan) {
    let scope = inp.settings.scope;
    let mut units = scope_units(inp, plan, scope);
    let wider: &[(SwapScope, CoveredBy)] = match scope {
        SwapScope::Village => &[(SwapScope::Village, CoveredBy::Own), (SwapScope::Township, CoveredBy::Township), (SwapScope::County, CoveredBy::County)],
        SwapScope::Township => &[(SwapScope::Township, CoveredBy::Own), (SwapScope::County, CoveredBy::County)],
        SwapScope::County => &[(SwapScope::County, CoveredBy::Own)],
    };
    inp.progress.set_length((units.len() * (wider.len() + 1)) as u64);
    let exact = inp.settings.selection == SwapSelection::Exact;
    for &(level, how) in wider {
        let mut pools = Pools::new(inp, plan, level);
        let last = level == wider[wider.len() - 1].0;
        for unit in units.values_mut() {
            match exact {
                true => cover_exactly(inp, plan, unit, &mut pools, how, last),
                false => cover(inp, plan, unit, &mut pools, how),
            }
            inp.progress.inc(1);
        }
    }
    for unit in units.values_mut() {
        inp.progress.inc(1);
        if !exact {
            prune(inp, plan, unit);
        }
        unit.covered_by = match shortfall(inp, unit) > 0.0 {
            true => CoveredBy::Deficit,
            false => widest(plan, unit),
        };
    }
    plan.units = units.into_values().collect();
}

/// The units of a scope, by code, with the parcels that leave in each.
fn scope_units(inp: &SwapInputs, plan: &SwapPlan, scope: SwapScope) -> BTreeMap<String, Unit> {
    let mut units: BTreeMap<String, Unit> = BTreeMap::new();
    for i in 0..inp.parcels.len() {
        let code = inp.unit_of(i, scope);
        let unit = units.entry(code.clone()).or_insert_with(|| Unit {
            name: if scope == SwapScope::Village { inp.parcels.village_name(i).to_string() } else { String::new() },
            code,
            out: Vec::new(),
            chosen: Vec::new(),
            covered_by: CoveredBy::Own,
        });
        if plan.roles[i] == SwapRole::Out {
            unit.out.push(i);
        }
    }
    units
}

/// The widest pool a balanced unit drew on.
fn widest(plan: &SwapPlan, unit: &Unit) -> CoveredBy {
    let level = |c: CoveredBy| match c {
        CoveredBy::Own => 0,
        CoveredBy::Township => 1,
        CoveredBy::County => 2,
        CoveredBy::Deficit => 3,
    };
    unit.chosen
        .iter()
        .filter_map(|&i| plan.serves[i].as_ref().map(|(_, how)| *how))
        .max_by_key(|c| level(*c))
        .unwrap_or(CoveredBy::Own)
}

/// Area still to cover in a unit, m², counted as the ledger counts it: each parcel's area
/// to the cm² (so a unit balanced in the ledger is balanced here, and no float remainder
/// sends a unit looking for more land).
fn shortfall(inp: &SwapInputs, unit: &Unit) -> f64 {
    let cm2 = |list: &[usize]| list.iter().map(|&i| (inp.area(i) * 100.0).round() as i64).sum::<i64>();
    (cm2(&unit.out) - cm2(&unit.chosen)) as f64 / 100.0
}

/// The reserve parcels of each pool (unit at one level), in rank order, with a cursor:
/// units draw on their pool in turn, best-ranked first.
struct Pools {
    level: SwapScope,
    lists: BTreeMap<String, (Vec<usize>, usize)>,
}

impl Pools {
    fn new(inp: &SwapInputs, plan: &SwapPlan, level: SwapScope) -> Pools {
        let mut lists: BTreeMap<String, (Vec<usize>, usize)> = BTreeMap::new();
        for i in (0..inp.parcels.len()).filter(|&i| plan.roles[i] == SwapRole::Reserve) {
            lists.entry(inp.unit_of(i, level)).or_default().0.push(i);
        }
        for (list, _) in lists.values_mut() {
            list.sort_by(|&a, &b| by_rank(inp, plan, a, b));
        }
        Pools { level, lists }
    }
}

/// Chooses reserve parcels of the unit's pool in rank order until the unit is balanced
/// or the pool is empty.
fn cover(inp: &SwapInputs, plan: &mut SwapPlan, unit: &mut Unit, pools: &mut Pools, how: CoveredBy) {
    let Some(&anchor) = unit.out.first() else { return };
    let Some((list, cursor)) = pools.lists.get_mut(&inp.unit_of(anchor, pools.level)) else { return };
    while shortfall(inp, unit) > 0.0 && *cursor < list.len() {
        let i = list[*cursor];
        *cursor += 1;
        if plan.roles[i] != SwapRole::Reserve {
            continue;
        }
        plan.roles[i] = SwapRole::In;
        plan.serves[i] = Some((unit.code.clone(), how));
        unit.chosen.push(i);
    }
}

/// Balances the unit at the narrowest level whose pool can: from this level's pool, the
/// reserve parcels of least total area that cover its shortfall and are no steeper on
/// average than what leaves (`select::least_area`). A pool that cannot cover it is left
/// for the next, wider level (whose pool holds this one's), but at the widest level the
/// unit takes all there is (a deficit). Each unit takes only the least it needs, so no
/// unit holds land a later one could use.
fn cover_exactly(inp: &SwapInputs, plan: &mut SwapPlan, unit: &mut Unit, pools: &mut Pools, how: CoveredBy, last: bool) {
    let need = shortfall(inp, unit);
    let Some(&anchor) = unit.out.first() else { return };
    let Some((list, _)) = pools.lists.get(&inp.unit_of(anchor, pools.level)) else { return };
    if need <= 0.0 {
        return;
    }
    let free: Vec<usize> = list.iter().copied().filter(|&i| plan.roles[i] == SwapRole::Reserve).collect();
    if !last && free.iter().map(|&i| inp.area(i)).sum::<f64>() < need {
        return;
    }
    let grade = |i: usize| inp.slope[i].grade as f64;
    let out_area: f64 = unit.out.iter().map(|&i| inp.area(i)).sum();
    let out_grade = unit.out.iter().map(|&i| inp.area(i) * grade(i)).sum::<f64>() / out_area.max(f64::MIN_POSITIVE);
    let candidates: Vec<Candidate> = free.iter().enumerate().map(|(rank, &i)| Candidate { area_m2: inp.area(i), quality: Some(grade(i)), rank }).collect();
    let chosen = select::least_area(&candidates, &Need { area_m2: need, max_quality: Some(out_grade) }, inp.settings.time_limit_s);
    for (&i, _) in free.iter().zip(&chosen.chosen).filter(|(_, c)| **c) {
        plan.roles[i] = SwapRole::In;
        plan.serves[i] = Some((unit.code.clone(), how));
        unit.chosen.push(i);
    }
    unit.chosen.sort_by(|&a, &b| by_rank(inp, plan, a, b));
}

/// Drops, lowest rank first, every chosen parcel the unit can do without and stay
/// balanced: no parcel of the selection can then be dropped.
fn prune(inp: &SwapInputs, plan: &mut SwapPlan, unit: &mut Unit) {
    if shortfall(inp, unit) > 0.0 {
        return;
    }
    let mut order = unit.chosen.clone();
    order.sort_by(|&a, &b| by_rank(inp, plan, b, a));
    for i in order {
        let without: f64 = shortfall(inp, unit) + inp.area(i);
        if without <= 0.0 {
            unit.chosen.retain(|&k| k != i);
            plan.roles[i] = SwapRole::Reserve;
            plan.serves[i] = None;
        }
    }
    unit.chosen.sort_by(|&a, &b| by_rank(inp, plan, a, b));
}

/// 林耕置换 as a rule of the run.
pub struct Swap;

impl super::rule::Rule for Swap {
    fn name(&self) -> &'static str {
        "swap"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.swap.enabled
    }

    fn decide(&self, d: &RunData, progress: &Progress, _cancel: &crate::context::CancelToken) -> crate::error::Result<()> {
        let s = d.settings;
        let former = d.constraints.list.iter().position(|c| c.settings.name == crate::settings::FORMER_CROPLAND);
        // What the rules before the swap change (复耕 takes 可调整 land first) is not in.
        let taken: Vec<bool> = (0..d.parcels.len()).map(|i| d.planned(i).is_some() && !d.flags()[i].is_cropland).collect();
        let inputs = SwapInputs { parcels: d.parcels, slope: d.slope, flags: d.flags(), graph: d.graph, constraints: d.constraints, former, settings: &s.swap, progress, taken: &taken };
        d.put(plan(&inputs));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<SwapPlan>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        match d.need::<SwapPlan>().roles[i] {
            SwapRole::Out => Some("forest"),
            SwapRole::In => Some("cropland"),
            _ => None,
        }
    }

    fn plan_kind(&self, d: &RunData, i: usize) -> Option<&'static str> {
        match d.need::<SwapPlan>().roles[i] {
            SwapRole::Out => Some("swap_out"),
            SwapRole::In => Some("swap_in"),
            _ => None,
        }
    }

    fn supplies(&self, d: &RunData, i: usize) -> Option<super::supply::Supplied> {
        let p = d.get::<SwapPlan>()?;
        let lang = d.settings.output.language;
        let (unit, by) = p.serves[i].as_ref().filter(|_| p.roles[i] == SwapRole::In)?;
        let reason = format!("{} {unit} ({})", lang.pick("进出平衡补充：", "swap in for"), by.name());
        Some(super::supply::Supplied { source: super::supply::Source::Swap, reason })
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![Field::coded("swap", FieldKind::Text, "林耕置换", "", Values::SwapRole)]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let role = d.need::<SwapPlan>().roles[i].name();
        out.push(if role.is_empty() { AttrValue::Null } else { AttrValue::text(role) });
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("swap_out_mu", "置换流出耕地（进出平衡·出）", "swap: cropland out", "亩", 2, CardSource::Total("swap_ledger", "out_mu")),
            ("swap_in_mu", "置换补充耕地（进出平衡·进）", "swap: cropland in", "亩", 2, CardSource::Total("swap_ledger", "in_mu")),
        ]
    }
}

#[cfg(test)]
mod tests;
