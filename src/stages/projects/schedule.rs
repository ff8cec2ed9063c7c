//! The order projects are carried out in and the phase each takes: priority tiers,
//! caps per phase in money and area, the hazard flag that puts 避险拆旧 first.

use super::funding::{fen, CM2_PER_MU};
use super::{Kind, Project};
use crate::settings::{ProjectSettings, Role};
use crate::stages::constraints::Constraints;

/// The tiers' names (tier 1 first): 中文, English.
pub const TIERS: [(&str, &str); 3] = [("避险拆旧", "hazard relocation"), ("即可恢复", "restorable now"), ("按新增耕地/投资", "by new cropland per investment")];

/// What one phase takes at most: investment (分) and area (规模, cm²); None: no cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub fen: Option<i64>,
    pub cm2: Option<i64>,
}

impl Caps {
    /// From `projects.phase_cap_wan` and `projects.phase_cap_mu`.
    pub fn of(s: &ProjectSettings) -> Caps {
        Caps { fen: s.phase_cap_wan.map(|w| fen(w * 10_000.0)), cm2: s.phase_cap_mu.map(|mu| (mu * CM2_PER_MU as f64).round() as i64) }
    }

    /// Whether `p` fits in a phase that holds `used` (分, cm²) already.
    fn fit(&self, used: (i64, i64), p: &Project) -> bool {
        self.fen.is_none_or(|cap| used.0 + p.invest_fen <= cap) && self.cm2.is_none_or(|cap| used.1 + p.area_cm2 <= cap)
    }
}

/// The order projects are phased in: by tier ([`Project::tier`]: 避险拆旧, 复耕即可恢复, the
/// rest), within a tier new cropland per 万元 descending (no investment first), ties by id.
fn priority(a: &Project, b: &Project) -> std::cmp::Ordering {
    let per = |x: &Project, y: &Project| x.new_cm2 as i128 * y.invest_fen as i128;
    a.tier().cmp(&b.tier()).then_with(|| per(b, a).cmp(&per(a, b))).then_with(|| a.id.cmp(&b.id))
}

/// Ranks the projects in priority order and gives each the earliest of `phases` phases
/// with room under both caps; a project never splits, and one that fits in no phase stays
/// unscheduled (later, smaller ones may still fit).
pub fn schedule(projects: &mut [Project], phases: usize, caps: Caps) {
    let mut order: Vec<usize> = (0..projects.len()).collect();
    order.sort_by(|&a, &b| priority(&projects[a], &projects[b]));
    let mut used = vec![(0i64, 0i64); phases];
    for (rank, k) in order.into_iter().enumerate() {
        let p = &mut projects[k];
        p.rank = rank + 1;
        p.phase = (0..phases).find(|&f| caps.fit(used[f], p));
        if let Some(f) = p.phase {
            used[f] = (used[f].0 + p.invest_fen, used[f].1 + p.area_cm2);
        }
    }
}

/// Flags the 增减挂钩 projects with a member at least its `min_share` inside a constraint of
/// role `hazard` (`shares[c][i]` is parcel i's share inside constraint c).
pub fn flag_hazards(projects: &mut [Project], constraints: &Constraints) {
    let hazards: Vec<(usize, f64)> = constraints.list.iter().enumerate().filter(|(_, c)| c.settings.role == Some(Role::Hazard)).map(|(k, c)| (k, c.settings.min_share)).collect();
    let inside = |i: usize| hazards.iter().any(|&(k, min)| constraints.shares[k][i] > 0.0 && constraints.shares[k][i] >= min);
    for p in projects.iter_mut().filter(|p| p.kind == Some(Kind::Linkage)) {
        p.hazard = p.parcels.iter().any(|&i| inside(i));
    }
}

