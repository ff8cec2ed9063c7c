//! The planning rules as the pipeline runs them: each a call of a stage over the run's
//! plain data (swap, reclamation, merge, audit, indicators).

use crate::error::Result;
use crate::layers::{MergeData, MergePlan, RunData};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::Settings;
use crate::stages::adjacency::Graph;
use crate::stages::audit::{self, AuditRow};
use crate::stages::constraints::Constraints;
use crate::stages::indicators::{self, Change, IndicatorInputs, IndicatorRow};
use crate::stages::linkage::{self, LinkageRow};
use crate::stages::merge;
use crate::stages::reclamation::{self, ReclamationInputs, ReclamationPlan};
use crate::stages::reforestation::ParcelFlags;
use crate::stages::swap::{self, SwapInputs, SwapPlan, SwapRole};
use crate::stages::zonal::ParcelSlope;

/// The swap plan (林耕置换).
pub fn swap_stage(
    s: &Settings,
    parcels: &Parcels,
    slope: &[ParcelSlope],
    flags: &[ParcelFlags],
    graph: &Graph,
    constraints: Constraints,
    progress: &Progress,
) -> SwapPlan {
    let former = constraints.list.iter().position(|c| c.settings.name == crate::settings::FORMER_CROPLAND);
    let inputs = SwapInputs { parcels, slope, flags, graph, constraints, former, settings: &s.swap, progress };
    swap::plan(&inputs)
}

/// The reclamation plan (增减挂钩) and its ledger.
pub fn reclamation_stage(
    s: &Settings,
    parcels: &Parcels,
    slope: &[ParcelSlope],
    flags: &[ParcelFlags],
    graph: &Graph,
    constraints: Constraints,
) -> (ReclamationPlan, Vec<LinkageRow>) {
    let inputs = ReclamationInputs { parcels, slope, flags, graph, constraints, settings: &s.reclamation };
    let plan = reclamation::plan(&inputs);
    let ledger = linkage::ledger(parcels, slope, &plan, s.reclamation.rebuild_ratio, s.swap.township_digits);
    (plan, ledger)
}

/// What the plan does to each parcel: reforestation (and swap out) to forest, swap in to
/// cropland, reclamation by its direction.
pub fn changes(data: &RunData) -> Vec<Change> {
    (0..data.parcels.len())
        .map(|i| {
            let role = data.swap.map(|s| s.roles[i]).unwrap_or_default();
            let reclaimed = data.reclamation.filter(|r| r.candidate[i]).and_then(|r| r.cluster_of[i].map(|c| r.clusters[c].direction));
            match (data.flags[i].reforest || role == SwapRole::Out, role == SwapRole::In, reclaimed) {
                (true, _, _) => Change::ToForest,
                (_, true, _) => Change::ToCropland,
                (_, _, Some(direction)) => Change::Reclaimed(direction),
                _ => Change::Stays,
            }
        })
        .collect()
}

/// The planning indicator table, checked.
pub fn indicator_stage(data: &RunData) -> Result<Vec<IndicatorRow>> {
    let changes = changes(data);
    let inputs = IndicatorInputs {
        parcels: data.parcels,
        slope: data.slope,
        constraints: data.constraints,
        changes: &changes,
        settings: &data.settings.indicators,
        clusters: &data.settings.villages.clusters,
    };
    indicators::table(&inputs)
}

/// The control-line audit over what the plan changes (merging keeps cropland cropland,
/// so merge plots are never conflicts).
pub fn audit_stage(data: &RunData) -> Vec<AuditRow> {
    audit::audit(data.parcels, data.slope, data.flags, &changes(data), data.constraints)
}

/// Shape figures and each merge group's members (`progress`: of the seeds grown).
pub fn merge_plan_stage(data: &RunData, progress: &Progress) -> MergePlan {
    let s = &data.settings.merge;
    let shapes = merge::shape_figures(data.parcels, data.slope, data.flags, s);
    let members = merge::grow_groups(data.parcels, data.slope, data.flags, &shapes, data.graph, s, data.constraints, progress);
    MergePlan::new(data.parcels.len(), shapes, members)
}

/// The merge plan's fields dissolved, and each village's fragmentation before and after.
pub fn merge_fields_stage(data: &RunData, plan: &MergePlan, progress: &Progress) -> MergeData {
    let s = &data.settings.merge;
    let groups = merge::dissolve_groups(plan.members.clone(), data.parcels, data.slope, progress);
    let fragmentation =
        merge::fragmentation::village_fragmentation(data.parcels, data.slope, data.flags, &plan.shapes, data.graph, &groups, s);
    MergeData::new(data.parcels, groups, fragmentation)
}

