//! `[projects]`: 项目库 — the other rules' candidates grouped into projects (one per type and
//! unit: a village or a 村级片区), priced, phased and balanced against the revenue of the quotas they yield.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

/// A figure per project type (元/亩 for `unit_costs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PerType {
    /// 农用地整理 (merge groups and 土地整理).
    pub consolidation: f64,
    /// 复耕（即可恢复）.
    pub restore_immediate: f64,
    /// 复耕（工程恢复）.
    pub restore_engineering: f64,
    /// 未利用地开发.
    pub develop: f64,
    /// 增减挂钩 (拆旧复垦).
    pub linkage: f64,
    /// 退耕还林.
    pub reforestation: f64,
    /// 林耕置换 (out and in).
    pub swap: f64,
    /// 永久基本农田调整 (调出 and 调入).
    pub pbf: f64,
    /// 生态修复 (construction in the red line).
    pub eco_restoration: f64,
}

impl Default for PerType {
    /// Placeholder unit costs (元/亩), to be replaced by the county's own.
    fn default() -> Self {
        PerType {
            consolidation: 3000.0,
            restore_immediate: 500.0,
            restore_engineering: 2500.0,
            develop: 4000.0,
            linkage: 30000.0,
            reforestation: 1500.0,
            swap: 2000.0,
            pbf: 100.0,
            eco_restoration: 20000.0,
        }
    }
}

impl PerType {
    /// Every figure with its key, in project type order.
    pub fn all(&self) -> [(&'static str, f64); 9] {
        [
            ("consolidation", self.consolidation),
            ("restore_immediate", self.restore_immediate),
            ("restore_engineering", self.restore_engineering),
            ("develop", self.develop),
            ("linkage", self.linkage),
            ("reforestation", self.reforestation),
            ("swap", self.swap),
            ("pbf", self.pbf),
            ("eco_restoration", self.eco_restoration),
        ]
    }
}

/// What the quotas a project yields sell for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Prices {
    /// 补充耕地指标, 元/亩 of new cropland (农用地整理, 复耕, 未利用地开发).
    pub supplement_yuan_per_mu: f64,
    /// 增减挂钩节余指标, 万元/亩 of 节余.
    pub linkage_wan_per_mu: f64,
}

impl Default for Prices {
    /// Placeholder prices, to be replaced by the province's.
    fn default() -> Self {
        Prices { supplement_yuan_per_mu: 50000.0, linkage_wan_per_mu: 20.0 }
    }
}

/// What a project gathers: one project type within one unit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProjectUnit {
    /// A village (行政村, by the village code ZLDWDM).
    #[default]
    Village,
    /// A 村级片区 (`villages.clusters`; villages not listed form "未分片区").
    Cluster,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectSettings {
    pub enabled: bool,
    /// The unit a project covers: "village" or "cluster" (村级片区).
    pub unit: ProjectUnit,
    /// Investment per project type, 元/亩 of project area (placeholders by default).
    pub unit_costs: PerType,
    /// Quota prices (placeholders by default).
    pub prices: Prices,
    /// The phases' years (ascending): a project goes to the earliest with room.
    pub phases: Vec<i32>,
    /// Most investment one phase takes, 万元 (none: no cap).
    pub phase_cap_wan: Option<f64>,
    /// Most project area (规模) one phase takes, 亩 (none: no cap).
    pub phase_cap_mu: Option<f64>,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings { enabled: true, unit: ProjectUnit::Village, unit_costs: PerType::default(), prices: Prices::default(), phases: vec![2025, 2027, 2030, 2035], phase_cap_wan: None, phase_cap_mu: None }
    }
}

impl ProjectSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, v) in self.unit_costs.all() {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(&format!("projects.unit_costs.{key}"), format!("must be a cost in 元/亩 ≥ 0, got {v}")));
            }
        }
        let p = &self.prices;
        for (key, v) in [("projects.prices.supplement_yuan_per_mu", p.supplement_yuan_per_mu), ("projects.prices.linkage_wan_per_mu", p.linkage_wan_per_mu)] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a price ≥ 0, got {v}")));
            }
        }
        if self.phases.is_empty() || self.phases.windows(2).any(|w| w[0] >= w[1]) {
            return Err(at.fail("projects.phases", format!("must be one or more ascending years, got {:?}", self.phases)));
        }
        if let Some(cap) = self.phase_cap_wan.filter(|c| !c.is_finite() || *c < 0.0) {
            return Err(at.fail("projects.phase_cap_wan", format!("must be an amount in 万元 ≥ 0, got {cap}")));
        }
        if let Some(cap) = self.phase_cap_mu.filter(|c| !c.is_finite() || *c < 0.0) {
            return Err(at.fail("projects.phase_cap_mu", format!("must be an area in 亩 ≥ 0, got {cap}")));
        }
        Ok(())
    }

    /// The keys left at their placeholder defaults ("unit_costs.develop", "prices.…").
    pub fn placeholders(&self) -> Vec<String> {
        let defaults = PerType::default().all();
        let costs = self.unit_costs.all().into_iter().zip(defaults).filter(|(v, d)| v.1 == d.1).map(|(v, _)| format!("unit_costs.{}", v.0));
        let (p, d) = (&self.prices, Prices::default());
        let prices = [("supplement_yuan_per_mu", p.supplement_yuan_per_mu == d.supplement_yuan_per_mu), ("linkage_wan_per_mu", p.linkage_wan_per_mu == d.linkage_wan_per_mu)];
        costs.chain(prices.into_iter().filter(|x| x.1).map(|x| format!("prices.{}", x.0))).collect()
    }
}
