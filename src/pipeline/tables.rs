//! What the rules' outcomes make, once every rule has decided: the village rows, each
//! rule's second step (the merged fields dissolved), the village outlines, the control-line audit, the planning
//! indicators, the plan progress against a previous run (`--baseline`), and the CSVs and
//! the workbook. Each is stored with the run's outcomes and
//! the writer told, so each layer is written as soon as it can be.

use std::path::Path;

use super::baseline::{self, Located};
use super::beside::Writer;
use super::write;
use crate::context::RunContext;
use crate::error::Result;
use crate::layers::RunData;
use crate::settings::Role;
use crate::stages::audit::{self, Planned};
use crate::stages::indicators::{self, IndicatorInputs};
use crate::stages::swap::SwapPlan;
use crate::stages::land_use::{self, LandUseClasses, StructureInputs, StructureRow};
use crate::stages::targets::TargetFile;
use crate::stages::targets_check::{self, PlanFigures, TargetResult};
use crate::stages::progress::{self, PlanProgress, Survey};
use crate::stages::{dissolve, rule, supply, villages};

/// The class each parcel is planned to take (None: it stays), from the rules.
pub struct PlannedClasses(pub Vec<Option<&'static str>>);

/// The share of each parcel the plan leaves in 永久基本农田, where a rule changes it.
pub struct PlannedBasicFarmland(pub Vec<Option<f64>>);

/// The cropland (cm²) the plan adds to each parcel without a class change (土地整理's
/// recovered 田坎), where a rule does.
pub struct PlannedCroplandGain(pub Vec<Option<i64>>);

/// Every table after the rules, in order; the CSVs and the workbook last, into `dir`.
pub fn after_rules<'a>(ctx: &RunContext, d: &RunData<'a>, writer: &Writer<'a>, dir: &Path) -> Result<()> {
    let step = |name: &str, make: &dyn Fn(&crate::progress::Progress) -> Result<()>| -> Result<()> {
        ctx.stage_with_progress(name, make)?;
        writer.write_ready(d);
        Ok(())
    };
    step("villages", &|_| {
        d.put(village_rows(d));
        Ok(())
    })?;
    for r in rule::enabled(d.settings) {
        if let Some(name) = r.finish_stage() {
            step(name, &|p| r.finish(d, p, &ctx.cancel))?;
        }
    }
    // The classes once every rule has decided (土地整理's 田坎 parcels in its second step).
    step("land_use", &|_| {
        d.put(land_use::classes(d));
        Ok(())
    })?;
    crate::malloc::release_free_memory();
    step("village_outlines", &|p| {
        d.put(dissolve::village_outlines(d.parcels, d.slope, p, &ctx.cancel)?);
        Ok(())
    })?;
    d.put(PlannedClasses((0..d.parcels.len()).map(|i| d.planned(i)).collect()));
    d.put(PlannedBasicFarmland((0..d.parcels.len()).map(|i| d.planned_share(Role::BasicFarmland, i)).collect()));
    d.put(PlannedCroplandGain((0..d.parcels.len()).map(|i| d.cropland_gain_cm2(i)).collect()));
    step("supply", &|_| {
        supply::decide(d);
        Ok(())
    })?;
    step("audit", &|_| {
        d.put(audit_rows(d));
        Ok(())
    })?;
    step("indicators", &|_| {
        let rows = indicator_rows(d)?;
        supply::follows_the_ledger(&rows, d.need::<Vec<supply::LedgerRow>>())?;
        d.put(rows);
        Ok(())
    })?;
    step("land_use_structure", &|_| {
        d.put(structure_rows(d)?);
        Ok(())
    })?;
    if let Some(located) = d.get::<Located>() {
        step("progress", &|_| {
            d.put(plan_progress(ctx, d, located)?);
            Ok(())
        })?;
    }
    if let Some(file) = d.get::<TargetFile>() {
        step("targets", &|_| {
            let result = target_rows(d, file)?;
            for w in &result.warnings {
                ctx.warn("targets_inconsistent", w.clone());
            }
            d.put(result);
            Ok(())
        })?;
    }
    ctx.stage("tables", || {
        write::write_csvs(d, dir)?;
        write::write_workbook(d, dir)
    })
}

/// Per village: cropland by grade, candidates, grade mismatches, and the swap's parcels.
fn village_rows(d: &RunData) -> Vec<villages::VillageRow> {
    let mut rows = villages::village_summary(d.parcels, d.slope, d.flags());
    if let Some(plan) = d.get::<SwapPlan>() {
        villages::add_swap(&mut rows, d.parcels, d.slope, &plan.roles);
    }
    rows
}

/// The control-line audit over what the plan changes (merging keeps cropland cropland,
/// so merge plots are never conflicts).
fn audit_rows(d: &RunData) -> Vec<audit::AuditRow> {
    let to = &d.need::<PlannedClasses>().0;
    let classes = &d.settings.indicators;
    let planned: Vec<Planned> = (0..d.parcels.len()).map(|i| Planned::of(d.parcels, d.flags(), classes, i, to[i])).collect();
    audit::audit(d.parcels, d.slope, d.flags(), &planned, d.constraints)
}

/// The planning indicator table, checked.
fn indicator_rows(d: &RunData) -> Result<Vec<indicators::IndicatorRow>> {
    let inputs = IndicatorInputs {
        parcels: d.parcels,
        slope: d.slope,
        constraints: d.constraints,
        planned: &d.need::<PlannedClasses>().0,
        planned_basic_farmland: &d.need::<PlannedBasicFarmland>().0,
        planned_cropland_gain: &d.need::<PlannedCroplandGain>().0,
        settings: &d.settings.indicators,
        clusters: &d.settings.villages.clusters,
    };
    indicators::table(&inputs)
}

/// The 用地结构调整表, checked against the indicator table's cropland change.
fn structure_rows(d: &RunData) -> Result<Vec<StructureRow>> {
    let computed: Vec<f64> = d.slope.iter().map(|s| s.area_m2).collect();
    let cropland_change = d.slice::<indicators::IndicatorRow>().and_then(|rows| rows.last()).map(|t| t.values[0][1] - t.values[0][0]);
    let inputs = StructureInputs { parcels: d.parcels, computed_m2: &computed, classes: d.need::<LandUseClasses>(), settings: d.settings, cropland_change, cropland_gain: &d.need::<PlannedCroplandGain>().0 };
    land_use::structure(&inputs)
}

/// The plan against the targets file: planned 永久基本农田 per village from the indicator
/// table, the rest from the 用地结构调整表.
fn target_rows(d: &RunData, file: &TargetFile) -> Result<TargetResult> {
    let indicators = d.need::<Vec<indicators::IndicatorRow>>();
    let basic_farmland = indicators.iter().filter(|r| r.level == "village").map(|r| (r.code.clone(), r.values[1][1])).collect();
    let s = d.settings;
    let figures = PlanFigures {
        structure: d.need::<Vec<StructureRow>>(),
        basic_farmland: &basic_farmland,
        clusters: &s.villages.clusters,
        centres: &s.villages.centres,
        decimals: s.land_use.decimals,
        tolerance_ha: s.targets.tolerance_ha,
    };
    targets_check::check(file, &figures)
}

/// The plan of the baseline (a previous run) against this survey: the baseline read into
/// the working CRS, overlaid with the parcels, each of its planned parcels assessed.
fn plan_progress(ctx: &RunContext, d: &RunData, located: &Located) -> Result<PlanProgress> {
    let baseline = baseline::read(located, &d.parcels.source.work_crs.wkt, &ctx.cancel)?;
    let survey = Survey { parcels: d.parcels, classes: &d.need::<LandUseClasses>().current };
    progress::assess(baseline, survey, &d.settings.progress, &ctx.cancel)
}
