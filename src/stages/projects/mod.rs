//! 项目库: the other rules' candidates become projects, one per project type and unit (a
//! village, or a 村级片区 with `projects.unit = "cluster"`; a stable id from the type's code
//! and the unit's code), with their footprints (the members dissolved), with their quantities (规模,
//! parcels, 新增耕地 from the supply ledger's sources, 节余指标 from the linkage ledger),
//! an investment estimate (`projects.unit_costs` × area), a phase (the earliest of
//! `projects.phases` with room under `projects.phase_cap_wan`, never split) and the
//! funding balance per phase (investment against the quotas' revenue, `projects.prices`).
//!
//! Money is counted in whole 分 and areas in the supply ledger's whole units (its "cm²", 0.01 m²),
//! so the funding rows add up exactly.
//! The rule runs last and does its work in its second step, once 土地整理 has said what it
//! recovers: the supply ledger is read as `stages::supply` makes it.

mod funding;
mod schedule;

pub use funding::{funding, per_mu, FundingRow};
pub use schedule::{flag_hazards, schedule, Caps, TIERS};

use std::collections::{BTreeMap, BTreeSet};

use geo::MultiPolygon;
use rayon::prelude::*;

use super::consolidation::Consolidation;
use super::develop::DevelopPlan;
use super::eco_restoration::EcoRestoration;
use super::indicators::Measure;
use super::linkage::LinkageRow;
use super::merge::MergePlan;
use super::pbf::{PbfPlan, PbfStatus};
use super::reclamation::ReclamationPlan;
use super::restore::{Phase, RestorePlan};
use super::rule::{Card, CardSource, RunData};
use super::supply::{self, Source, Supply};
use super::swap::{SwapPlan, SwapRole};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::{ProjectSettings, ProjectUnit, Settings};
use funding::fen;

/// A project type, in the project list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Consolidation,
    RestoreImmediate,
    RestoreEngineering,
    Develop,
    Linkage,
    Reforestation,
    Swap,
    Pbf,
    EcoRestoration,
}

/// Every type: (id code, 中文, English), in [`Kind`] order; the key of its unit cost is
/// `ProjectSettings::unit_costs.all()` at the same index.
pub const KINDS: [(&str, &str, &str); 9] = [
    ("NZ", "农用地整理", "farmland consolidation"),
    ("FG1", "复耕（即可恢复）", "restoration, now"),
    ("FG2", "复耕（工程恢复）", "restoration, with works"),
    ("KF", "未利用地开发", "unused land development"),
    ("ZJ", "增减挂钩", "construction land linkage"),
    ("TG", "退耕还林", "reforestation"),
    ("LG", "林耕置换", "forest-cropland swap"),
    ("JN", "永久基本农田调整", "basic farmland adjustment"),
    ("ST", "生态修复", "ecological restoration"),
];

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Consolidation,
        Kind::RestoreImmediate,
        Kind::RestoreEngineering,
        Kind::Develop,
        Kind::Linkage,
        Kind::Reforestation,
        Kind::Swap,
        Kind::Pbf,
        Kind::EcoRestoration,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        KINDS[self.index()].0
    }

    pub fn zh(self) -> &'static str {
        KINDS[self.index()].1
    }

    /// The type a supply source's new cropland counts under (None: not a project's).
    pub fn of_source(s: Source) -> Option<Kind> {
        match s {
            Source::RestoreImmediate => Some(Kind::RestoreImmediate),
            Source::RestoreEngineering => Some(Kind::RestoreEngineering),
            Source::Develop => Some(Kind::Develop),
            Source::Consolidation => Some(Kind::Consolidation),
            Source::Linkage => Some(Kind::Linkage),
            Source::Swap => Some(Kind::Swap),
            Source::Other => None,
        }
    }

    /// Whether its new cropland sells as 补充耕地指标 (the swap's balances its own loss;
    /// 增减挂钩 sells its 节余 instead).
    pub fn sells_supplement(self) -> bool {
        matches!(self, Kind::Consolidation | Kind::RestoreImmediate | Kind::RestoreEngineering | Kind::Develop)
    }
}

/// Which way a member of an exchange moves: 林耕置换 (cropland out of steep land, forest
/// or garden in), 永久基本农田调整 (调出, 调入).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    In,
    Out,
}

/// A parcel's part in a project type, with the new cropland it brings there (cm²) and,
/// in an exchange, its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub kind: Kind,
    pub parcel: usize,
    pub new_cm2: i64,
    pub side: Option<Side>,
}

/// A member parcel of a project: its side in an exchange, its official area (cm²) and
/// the new cropland it brings the project (cm²).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub parcel: usize,
    pub side: Option<Side>,
    pub area_cm2: i64,
    pub new_cm2: i64,
}

/// One project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Project {
    /// Type code and unit code: "NZ-510000001001" (a village), "NZ-东片区" (a 村级片区).
    pub id: String,
    pub kind: Option<Kind>,
    /// The unit: a village code, or a 村级片区's name (`projects.unit`).
    pub unit_code: String,
    pub unit_name: String,
    /// The names of its members' villages, by village code.
    pub villages: Vec<String>,
    /// Member parcels, ascending.
    pub parcels: Vec<usize>,
    /// What each member brings, in the order of `parcels` (the table `project_parcels`).
    pub parts: Vec<Part>,
    /// 规模: the members' official area, cm².
    pub area_cm2: i64,
    /// 调入 and 调出 (林耕置换, 永久基本农田调整): the official area of the members moving
    /// in and out, cm².
    pub in_cm2: i64,
    pub out_cm2: i64,
    pub new_cm2: i64,
    /// 节余指标 (增减挂钩), cm².
    pub surplus_cm2: i64,
    /// The reward on it (节余奖励: `reclamation.reward_share`, the linkage ledger's), cm².
    pub reward_cm2: i64,
    /// 投资估算, 分.
    pub invest_fen: i64,
    /// 补充耕地指标 revenue, 分.
    pub supplement_fen: i64,
    /// 节余指标 revenue, 分.
    pub linkage_fen: i64,
    /// The reward's revenue, at the 节余指标 price, 分.
    pub reward_fen: i64,
    /// 增减挂钩: a 拆旧 member lies in a `hazard` constraint (避险拆旧: phased first).
    pub hazard: bool,
    /// Its place in the phasing order, from 1 (0 before [`schedule`]).
    pub rank: usize,
    /// Index into `projects.phases` (None: unscheduled).
    pub phase: Option<usize>,
    /// The members dissolved (None until [`footprints`]).
    pub footprint: Option<MultiPolygon<f64>>,
}

impl Project {
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Consolidation)
    }

    pub fn name(&self) -> String {
        format!("{}{}项目", self.unit_name, self.kind().zh())
    }

    pub fn revenue_fen(&self) -> i64 {
        self.supplement_fen + self.linkage_fen + self.reward_fen
    }

    /// The priority tier it is phased in: 1 避险拆旧 (增减挂钩 with a homestead in a
    /// `hazard` constraint), 2 复耕（即可恢复）, 3 the rest (by 新增耕地 per 万元).
    pub fn tier(&self) -> u8 {
        match self.kind {
            Some(Kind::Linkage) if self.hazard => 1,
            Some(Kind::RestoreImmediate) => 2,
            _ => 3,
        }
    }
}

/// The rule's outcome.
#[derive(Debug, Clone, Default)]
pub struct Projects {
    /// By type, then unit code.
    pub projects: Vec<Project>,
    /// Where each project's parts start in the list of every project's parts, and (last)
    /// their number: part `k` of that list is in project `p` with `starts[p] <= k <
    /// starts[p + 1]`.
    pub starts: Vec<usize>,
    /// A row per phase, an "unscheduled" row when a project fits nowhere, then the total.
    pub funding: Vec<FundingRow>,
}

impl Projects {
    /// Every project's parts, one after the other.
    pub fn parts(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Part `k` of every project's parts, with its project.
    pub fn part(&self, k: usize) -> (&Project, &Part) {
        let p = self.starts.partition_point(|&s| s <= k) - 1;
        (&self.projects[p], &self.projects[p].parts[k - self.starts[p]])
    }
}

/// The first step's marker: the projects are made in the second.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectsPending;

/// Where a parcel counts: the unit its projects belong to (a village, or a 村级片区 with
/// `projects.unit = "cluster"`) and its own village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub unit_code: String,
    pub unit_name: String,
    pub village_code: String,
    pub village_name: String,
}

/// The place of a parcel of village `code` (`name`): the village itself, or its 村级片区
/// (`villages.clusters`; a village not listed in "未分片区", as the indicator tables put it).
pub fn place(s: &Settings, code: &str, name: &str) -> Place {
    let (unit_code, unit_name) = match s.projects.unit {
        ProjectUnit::Village => (code.to_string(), name.to_string()),
        ProjectUnit::Cluster => {
            let cluster = s.villages.clusters.get(code).cloned().unwrap_or_else(|| UNCLUSTERED.to_string());
            (cluster.clone(), cluster)
        }
    };
    Place { unit_code, unit_name, village_code: code.to_string(), village_name: name.to_string() }
}

/// The 村级片区 of villages `villages.clusters` does not list.
pub const UNCLUSTERED: &str = "未分片区";

/// A project being gathered.
#[derive(Default)]
struct Gathering {
    /// Each member parcel with the new cropland it brings.
    parcels: BTreeMap<usize, i64>,
    ins: BTreeSet<usize>,
    outs: BTreeSet<usize>,
    new_cm2: i64,
    unit_name: String,
    /// Its members' villages: code → name.
    villages: BTreeMap<String, String>,
}

/// The side a parcel of `g` is on, if it is in an exchange.
fn side_of(g: &Gathering, parcel: usize) -> Option<Side> {
    match (g.ins.contains(&parcel), g.outs.contains(&parcel)) {
        (true, _) => Some(Side::In),
        (_, true) => Some(Side::Out),
        _ => None,
    }
}

/// The projects of `members`: one per (type, unit), members deduplicated, the areas (规模,
/// 调入, 调出) summed over distinct parcels, the new cropland over the members; by type
/// then unit.
pub fn group(members: &[Member], place: &dyn Fn(usize) -> Place, area_cm2: &dyn Fn(usize) -> i64) -> Vec<Project> {
    let mut by: BTreeMap<(Kind, String), Gathering> = BTreeMap::new();
    for m in members {
        let at = place(m.parcel);
        let e = by.entry((m.kind, at.unit_code)).or_insert_with(|| Gathering { unit_name: at.unit_name, ..Default::default() });
        *e.parcels.entry(m.parcel).or_insert(0) += m.new_cm2;
        match m.side {
            Some(Side::In) => e.ins.insert(m.parcel),
            Some(Side::Out) => e.outs.insert(m.parcel),
            None => false,
        };
        e.new_cm2 += m.new_cm2;
        e.villages.entry(at.village_code).or_insert(at.village_name);
    }
    let sum = |set: &BTreeSet<usize>| set.iter().map(|&i| area_cm2(i)).sum::<i64>();
    by.into_iter()
        .map(|((kind, code), g)| Project {
            id: format!("{}-{code}", kind.code()),
            kind: Some(kind),
            area_cm2: g.parcels.keys().map(|&i| area_cm2(i)).sum(),
            in_cm2: sum(&g.ins),
            out_cm2: sum(&g.outs),
            parts: g.parcels.iter().map(|(&parcel, &new_cm2)| Part { parcel, side: side_of(&g, parcel), area_cm2: area_cm2(parcel), new_cm2 }).collect(),
            parcels: g.parcels.into_keys().collect(),
            unit_code: code,
            unit_name: g.unit_name,
            villages: g.villages.into_values().collect(),
            new_cm2: g.new_cm2,
            ..Default::default()
        })
        .collect()
}

/// Adds the linkage ledger's 节余 and 节余奖励 of each village to the 增减挂钩 project of
/// its unit (`unit` maps a village code to its unit code).
pub fn add_surplus(projects: &mut [Project], rows: &[LinkageRow], unit: &dyn Fn(&str) -> String) {
    for r in rows.iter().filter(|r| r.level == "village") {
        let code = unit(&r.code);
        if let Some(p) = projects.iter_mut().find(|p| p.kind == Some(Kind::Linkage) && p.unit_code == code) {
            p.surplus_cm2 += r.surplus;
            p.reward_cm2 += r.reward;
        }
    }
}

/// Each project's investment and revenue: 补充耕地指标 on the new cropland of the types
/// that sell it, 节余指标 and the 5 % reward on it (节余奖励) at the 节余指标 price.
pub fn price(projects: &mut [Project], s: &ProjectSettings) {
    let costs = s.unit_costs.all();
    let supplement = fen(s.prices.supplement_yuan_per_mu);
    let linkage = fen(s.prices.linkage_wan_per_mu * 10_000.0);
    for p in projects {
        let kind = p.kind();
        p.invest_fen = per_mu(fen(costs[kind.index()].1), p.area_cm2);
        p.supplement_fen = if kind.sells_supplement() { per_mu(supplement, p.new_cm2) } else { 0 };
        p.linkage_fen = per_mu(linkage, p.surplus_cm2);
        p.reward_fen = per_mu(linkage, p.reward_cm2);
    }
}

/// Each project's footprint: its member parcels dissolved as a village's outline is
/// (`dissolve::outline`: piece by piece by edge cancellation, GEOS where pieces overlap),
/// without the sliver holes between survey polygons; projects side by side.
pub fn footprints(parcels: &Parcels, projects: &mut [Project], progress: &Progress, cancel: &CancelToken) -> Result<()> {
    progress.set_length(projects.len() as u64);
    projects.par_iter_mut().try_for_each(|p| {
        cancel.check()?;
        let outline = super::dissolve::outline(parcels, &p.parcels)
            .map_err(|e| Error::input(&parcels.source.path, format!("project {}: cannot dissolve its parcels: {e}", p.id)))?;
        p.footprint = Some(super::dissolve::without_slivers(outline.geometry));
        progress.inc(1);
        Ok(())
    })
}

/// Every rule's candidates as members, by the outcomes the rules stored (a rule switched
/// off stored none: its type has no projects); the new cropland from the supply's sources.
pub fn members(d: &RunData, s: &Supply) -> Vec<Member> {
    let mut out: Vec<Member> = s.items.iter().filter_map(|it| Kind::of_source(it.source).map(|kind| Member { kind, parcel: it.parcel, new_cm2: it.cm2, side: None })).collect();
    let n = d.parcels.len();
    let mut add = |kind: Kind, side: &dyn Fn(usize) -> Option<Option<Side>>| out.extend((0..n).filter_map(|parcel| side(parcel).map(|side| Member { kind, parcel, new_cm2: 0, side })));
    let whole = |picked: bool| picked.then_some(None);
    if d.settings.consolidation.enabled {
        if let Some(m) = d.get::<MergePlan>() {
            add(Kind::Consolidation, &|i| whole(m.group_of[i] > 0));
        }
        if let Some(c) = d.get::<Consolidation>() {
            add(Kind::Consolidation, &|i| whole(c.tiankan_of[i].is_some()));
        }
    }
    if let Some(r) = d.get::<RestorePlan>() {
        add(Kind::RestoreImmediate, &|i| whole(r.phase[i] == Some(Phase::Immediate)));
        add(Kind::RestoreEngineering, &|i| whole(r.phase[i] == Some(Phase::Engineering)));
    }
    if let Some(p) = d.get::<DevelopPlan>() {
        add(Kind::Develop, &|i| whole(p.chosen[i]));
    }
    if let Some(p) = d.get::<ReclamationPlan>() {
        add(Kind::Linkage, &|i| whole(p.candidate[i]));
    }
    add(Kind::Reforestation, &|i| whole(d.flags().get(i).is_some_and(|f| f.reforest)));
    if let Some(p) = d.get::<SwapPlan>() {
        add(Kind::Swap, &|i| match p.roles[i] {
            SwapRole::In => Some(Some(Side::In)),
            SwapRole::Out => Some(Some(Side::Out)),
            _ => None,
        });
    }
    if let Some(p) = d.get::<PbfPlan>() {
        add(Kind::Pbf, &|i| match p.status[i] {
            PbfStatus::In => Some(Some(Side::In)),
            PbfStatus::Out => Some(Some(Side::Out)),
            _ => None,
        });
    }
    if let Some(p) = d.get::<EcoRestoration>() {
        add(Kind::EcoRestoration, &|i| whole(p.target[i].is_some()));
    }
    out
}

/// The projects of a run, priced and phased, with the funding rows.
pub fn projects(d: &RunData) -> Projects {
    let s = &d.settings.projects;
    let m = Measure::new(d.parcels, &d.settings.indicators);
    let supply = supply::supply(d);
    let at = |i: usize| place(d.settings, d.parcels.village_code(i), d.parcels.village_name(i));
    let area = |i: usize| m.official_cm2(d.slope, i);
    let mut list = group(&members(d, &supply), &at, &area);
    if let Some(rows) = d.slice::<LinkageRow>() {
        add_surplus(&mut list, rows, &|code| place(d.settings, code, "").unit_code);
    }
    price(&mut list, s);
    flag_hazards(&mut list, &d.constraints);
    schedule(&mut list, s.phases.len(), Caps::of(s));
    let funding = funding(&list, &s.phases);
    let starts = std::iter::once(0).chain(list.iter().scan(0, |n, p| {
        *n += p.parts.len();
        Some(*n)
    }));
    Projects { starts: starts.collect(), projects: list, funding }
}

/// 项目库 as a rule of the run (last: it reads every other rule's outcome).
pub struct ProjectLibrary;

impl super::rule::Rule for ProjectLibrary {
    fn name(&self) -> &'static str {
        "projects"
    }

    fn enabled(&self, s: &Settings) -> bool {
        s.projects.enabled
    }

    fn decide(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        d.put(ProjectsPending);
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<ProjectsPending>()
    }

    fn finish_stage(&self) -> Option<&'static str> {
        // Its own name: a stage starts and finishes once in the run's events and timings.
        Some("project_library")
    }

    fn finish(&self, d: &RunData, progress: &Progress, cancel: &CancelToken) -> Result<()> {
        let mut made = projects(d);
        footprints(d.parcels, &mut made.projects, progress, cancel)?;
        d.put(made);
        Ok(())
    }

    fn warnings(&self, s: &Settings) -> Vec<(&'static str, String)> {
        let keys = s.projects.placeholders();
        if keys.is_empty() {
            return Vec::new();
        }
        let keys = keys.iter().map(|k| format!("projects.{k}")).collect::<Vec<_>>().join(", ");
        vec![("projects_placeholder", format!("{keys} left at placeholder defaults: the investment estimates and the funding balance are illustrative until the county's own figures are set"))]
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("projects", "项目数", "projects", "个", 0, CardSource::Total("funding_balance", "projects")),
            ("projects_investment", "投资估算", "investment", "万元", 2, CardSource::Checked("funding_balance", "investment_wan", "balanced")),
        ]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(p) = d.get::<Projects>() else { return Vec::new() };
        let total = p.funding.last().cloned().unwrap_or_default();
        let unscheduled = p.projects.iter().filter(|p| p.phase.is_none()).count();
        vec![
            ("projects", p.projects.len().into()),
            ("projects_unscheduled", unscheduled.into()),
            ("projects_investment_wan", (total.invest_fen as f64 / 1e6).into()),
            ("projects_balance_wan", (total.balance_fen() as f64 / 1e6).into()),
        ]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let n = counts.get("projects")?.as_u64()?;
        let invest = counts.get("projects_investment_wan")?.as_f64()?;
        let balance = counts.get("projects_balance_wan")?.as_f64()?;
        let unscheduled = match counts.get("projects_unscheduled").and_then(|v| v.as_u64()) {
            Some(u) if u > 0 => format!(" ({u} unscheduled: no phase has room)"),
            _ => String::new(),
        };
        Some(format!("projects: {n}{unscheduled}, investment {invest:.2} 万元, balance {balance:.2} 万元"))
    }
}

#[cfg(test)]
mod tests;
