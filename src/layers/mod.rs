//! The layer registry: every table and map layer a run writes, one file per layer.
//!
//! A layer declares its name and titles, its fields (each with a Chinese alias and a
//! unit), how its rows are drawn from the run's data, its QGIS style, the CSV it is also
//! exported to, and how two runs' versions of it are compared. The GeoPackage writer,
//! the styles, the CSV exports, the manifest counts and the change report all iterate
//! over [`registry`], so a new layer is one new file plus one line there.

mod adjacency;
mod audit;
mod block_summary;
mod consolidation_groups;
mod constraint_hits;
mod funding_balance;
mod cropland_blocks;
mod cropland_develop;
mod cropland_reserve;
mod cropland_restore;
mod cropland_supply;
mod ecological_restoration;
mod indicators;
pub mod landuse;
mod land_use_structure;
mod landuse_changes;
mod linkage_ledger;
mod merge_candidates;
mod merge_groups;
mod new_cropland_ledger;
mod parcel_columns;
pub mod parcels;
mod pbf_in;
mod pbf_ledger;
mod pbf_out;
mod plan_progress;
mod plan_progress_parcels;
mod project_parcels;
mod project_types;
pub mod projects;
pub mod present;
pub mod rasters;
mod reclamation_candidates;
mod reforestation_candidates;
mod settlement_clusters;
mod swap_in;
mod swap_ledger;
mod swap_out;
mod targets;
mod topology_issues;
mod transition_matrix;
pub mod style;
mod village_summary;
pub mod villages;

use std::borrow::Cow;

use geo::MultiPolygon;

use crate::settings::Settings;
use crate::table::{AttrValue, FieldKind};
pub use crate::stages::merge::{MergeData, MergePlan};
pub use crate::stages::rule::RunData;
pub use crate::table::{Field, Values};
use crate::parcels::Parcels;
pub use style::{Labels, Style};

/// Every layer, in the order they are written and listed.
pub fn registry() -> &'static [&'static dyn Layer] {
    &[
        &parcels::Parcels,
        &reforestation_candidates::ReforestationCandidates,
        &cropland_restore::CroplandRestore,
        &cropland_develop::CroplandDevelop,
        &swap_out::SwapOut,
        &swap_in::SwapIn,
        &swap_ledger::SwapLedger,
        &reclamation_candidates::ReclamationCandidates,
        &settlement_clusters::SettlementClusters,
        &linkage_ledger::LinkageLedger,
        &ecological_restoration::EcologicalRestoration,
        &pbf_out::PbfOut,
        &pbf_in::PbfIn,
        &pbf_ledger::PbfLedger,
        &cropland_blocks::CroplandBlocks,
        &block_summary::BlockSummary,
        &adjacency::Adjacency,
        &merge_candidates::MergeCandidates,
        &merge_groups::MergeGroups,
        &consolidation_groups::ConsolidationGroups,
        &cropland_supply::CroplandSupply,
        &new_cropland_ledger::NewCroplandLedger,
        &cropland_reserve::CroplandReserve,
        &projects::ProjectList,
        &project_types::ProjectTypes,
        &project_parcels::ProjectParcels,
        &funding_balance::FundingBalance,
        &village_summary::VillageSummary,
        &topology_issues::TopologyIssues,
        &constraint_hits::ConstraintHits,
        &audit::Audit,
        &indicators::Indicators,
        &land_use_structure::LandUseStructure,
        &targets::Targets,
        &villages::Villages,
        &landuse_changes::LanduseChanges,
        &transition_matrix::TransitionMatrix,
        &plan_progress_parcels::PlanProgressParcels,
        &plan_progress::PlanProgressTable,
    ]
}

/// A layer by name.
pub fn by_name(name: &str) -> Option<&'static dyn Layer> {
    registry().iter().copied().find(|l| l.name() == name)
}

/// The layer whose change spec has `label` (what `changes_<label>` compares).
pub fn by_change_label(label: &str) -> Option<&'static dyn Layer> {
    registry().iter().copied().find(|l| l.changes().is_some_and(|c| c.label == label))
}

/// Titles of a layer: Chinese first, English kept beside.
#[derive(Debug, Clone, Copy)]
pub struct Title {
    pub zh: &'static str,
    pub en: &'static str,
    /// A sentence saying what the layer holds (stored with its QGIS style).
    pub description: &'static str,
}

/// How two runs' versions of a layer are compared (the change report).
#[derive(Debug, Clone, Copy)]
pub struct ChangeSpec {
    /// Short name: the change layer is `changes_<label>`, the summary key `<label>`.
    pub label: &'static str,
    /// What a row is, in the summary ("reforestation candidates").
    pub title: &'static str,
    /// What a counted row is called in the summary ("candidates", "plots").
    pub noun: &'static str,
    /// The identity key column, and its Chinese name on the change layer.
    pub key: &'static str,
    pub key_alias: &'static str,
    /// What a counted row is called in the report's Chinese lines ("图斑", "项目").
    pub noun_zh: &'static str,
    /// The unit rows are counted under in `changes_villages` (a village; a project's unit).
    pub village_code: &'static str,
    pub village_name: &'static str,
    /// The land-use code and slope grade columns; "" for a layer without them (projects).
    pub land_use: &'static str,
    pub grade: &'static str,
    pub area_m2: &'static str,
    /// Further numeric columns compared (column, 中文 name): a row whose value differs
    /// has changed ("parcels 12 → 13").
    pub figures: &'static [(&'static str, &'static str)],
    /// Per-village count column prefix in `changes_villages`.
    pub count_label: &'static str,
    /// Whether `changes_villages` carries the area in mu.
    pub village_mu: bool,
    /// A group column whose members are compared as sets (group ids are renumbered
    /// between runs), and its count prefix in `changes_villages`.
    pub group: Option<(&'static str, &'static str)>,
}

impl ChangeSpec {
    /// A layer of candidate parcels with the usual columns (parcel_id, village_code,
    /// village_name, land_use, grade, area_m2), counted per village as `label` with mu.
    pub const fn parcels(label: &'static str, title: &'static str, noun: &'static str) -> ChangeSpec {
        ChangeSpec {
            label,
            title,
            noun,
            key: "parcel_id",
            key_alias: "图斑标识码",
            noun_zh: "图斑",
            village_code: "village_code",
            village_name: "village_name",
            land_use: "land_use",
            grade: "grade",
            area_m2: "area_m2",
            figures: &[],
            count_label: label,
            village_mu: true,
            group: None,
        }
    }
}

/// One layer of the results.
pub trait Layer: Sync {
    fn name(&self) -> &'static str;
    fn title(&self) -> Title;
    /// Whether it has geometries (else it is an attribute table).
    fn spatial(&self) -> bool;
    /// Whether the data it needs has been computed.
    fn ready(&self, _d: &RunData) -> bool {
        true
    }
    /// Whether this run writes it at all (a rule that is switched off).
    fn enabled(&self, _d: &RunData) -> bool {
        true
    }
    fn fields(&self, d: &RunData) -> Vec<Field>;
    /// The items its rows come from (parcel indices, edge indices, ...), in row order.
    fn items(&self, d: &RunData) -> Vec<usize>;
    /// The values of the row of `item`, in field order, appended to `out`.
    fn row<'a>(&self, d: &RunData<'a>, item: usize, out: &mut Vec<AttrValue<'a>>);
    /// The geometry of the row of `item` (spatial layers).
    fn geometry<'a>(&self, _d: &RunData<'a>, _item: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        None
    }
    fn style(&self, _d: &RunData) -> Option<Style> {
        None
    }
    /// The labels QGIS draws on its features.
    fn labels(&self, _d: &RunData) -> Option<Labels> {
        None
    }
    /// The CSV file (in the output folder) this layer is also written to.
    fn csv_name(&self, _s: &Settings) -> Option<String> {
        None
    }
    fn changes(&self) -> Option<ChangeSpec> {
        None
    }
    /// The sheet of the planning workbook (`indicators.xlsx`) this layer is also written to.
    fn sheet_name(&self) -> Option<&'static str> {
        None
    }
}

/// Area columns in m², ha and mu, rounded as tables show them.
pub fn area_values<'a>(m2: f64) -> [AttrValue<'a>; 3] {
    use crate::units::{ha, mu, round};
    [
        AttrValue::Real(round(m2, 2)),
        AttrValue::Real(round(ha(m2), 4)),
        AttrValue::Real(round(mu(m2), 2)),
    ]
}

/// Columns of the shares of a rule's candidates inside the constraints applying to it.
pub fn constraint_fields(d: &RunData, rule: crate::settings::Rule) -> Vec<Field> {
    crate::stages::constraints::applying(d.constraints.list, rule)
        .into_iter()
        .map(|c| {
            let s = &d.constraints.list[c].settings;
            Field::owned(s.column(), FieldKind::Real, format!("{}内占比", s.name), "")
        })
        .collect()
}

/// The shares of parcel `i` for [`constraint_fields`].
pub fn constraint_values<'a>(d: &RunData<'a>, rule: crate::settings::Rule, i: usize) -> Vec<AttrValue<'a>> {
    crate::stages::constraints::applying(d.constraints.list, rule)
        .into_iter()
        .map(|c| AttrValue::Real(d.constraints.shares[c][i]))
        .collect()
}

/// The land-use name of parcel `i`: the survey's own (DLMC) when it has one, else the
/// name of its code in the code table (and the code itself when the table lacks it).
pub fn land_use_name<'a>(d: &RunData<'a>, i: usize) -> AttrValue<'a> {
    let p: &'a Parcels = d.parcels;
    match p.land_use_name(i) {
        "" => {
            let code = p.land_use(i);
            let name = landuse::name(code, d.settings.output.language);
            AttrValue::text(name.map(Cow::into_owned).unwrap_or_else(|| code.to_string()))
        }
        name => AttrValue::text(name),
    }
}

/// The grade recorded in the survey, as a value.
pub fn recorded_grade<'a>(p: &Parcels, i: usize) -> AttrValue<'a> {
    AttrValue::opt_int(p.recorded_grade(i).map(i64::from))
}
