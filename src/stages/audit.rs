//! The control-line audit (管控审查): for each constraint with a role (永久基本农田,
//! 生态保护红线, 城镇开发边界), per village and in total, the parcel area inside it, split into
//! cropland and non-cropland (现状非耕地 inside basic farmland is a known problem), and the
//! candidates whose planned change works against it.

use std::collections::BTreeMap;

use super::constraints::Constraints;
use super::reforestation::ParcelFlags;
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;
use crate::settings::{IndicatorSettings, Role};

/// Village code of the total rows.
pub const TOTAL: &str = "total";

/// One row of the audit.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub constraint: String,
    pub role: String,
    pub village_code: String,
    pub village_name: String,
    /// Parcel area inside the constraint (share × computed area), m².
    pub area_m2: f64,
    pub cropland_m2: f64,
    pub non_cropland_m2: f64,
    /// Candidates whose planned change works against the constraint (see
    /// [`conflicts`]) with part of their area inside.
    pub conflicts: u64,
    pub conflict_m2: f64,
}

impl AuditRow {
    fn add(&mut self, area: f64, cropland: bool, candidate: bool) {
        self.area_m2 += area;
        if cropland {
            self.cropland_m2 += area;
        } else {
            self.non_cropland_m2 += area;
        }
        if candidate {
            self.conflicts += 1;
            self.conflict_m2 += area;
        }
    }
}

/// What the plan does to one parcel, as the audit weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// The parcel is cropland now.
    pub cropland: bool,
    /// The parcel is construction land now (its land-use class).
    pub construction: bool,
    /// The class the plan gives it, when a rule changes it.
    pub to: Option<&'static str>,
}

impl Planned {
    /// Parcel `i` as the plan leaves it: `to` from the rules, its current kind from its
    /// flags and its land-use class.
    pub fn of(parcels: &Parcels, flags: &[ParcelFlags], classes: &IndicatorSettings, i: usize, to: Option<&'static str>) -> Planned {
        Planned { cropland: flags[i].is_cropland, construction: classes.class_of(parcels.land_use(i)) == "construction", to }
    }
}

/// Whether a planned change works against a control line of this role: cropland leaving
/// 永久基本农田; land turned to cropland inside the 生态保护红线; construction land (homesteads)
/// demolished inside the 城镇开发边界 (拆旧 lies outside it).
pub fn conflicts(role: Role, p: Planned) -> bool {
    let Some(to) = p.to else { return false };
    match role {
        Role::BasicFarmland => p.cropland && to != "cropland",
        Role::RedLine => !p.cropland && to == "cropland",
        Role::UrbanBoundary => p.construction && to != "construction",
    }
}

/// The audit rows: per role constraint, its villages (by code) then its total row.
/// `planned[i]` is what the plan does to parcel i.
pub fn audit(parcels: &Parcels, slope: &[ParcelSlope], flags: &[ParcelFlags], planned: &[Planned], constraints: Constraints) -> Vec<AuditRow> {
    let mut rows = Vec::new();
    for (c, constraint) in constraints.list.iter().enumerate() {
        let Some(role) = constraint.settings.role else { continue };
        let blank = |code: &str, name: &str| AuditRow {
            constraint: constraint.settings.name.clone(),
            role: role.name().to_string(),
            village_code: code.to_string(),
            village_name: name.to_string(),
            ..Default::default()
        };
        let mut villages: BTreeMap<&str, AuditRow> = BTreeMap::new();
        for (i, share) in constraints.shares[c].iter().enumerate().filter(|(_, s)| **s > 0.0) {
            let area = share * slope[i].area_m2;
            let (cropland, is_candidate) = (flags[i].is_cropland, conflicts(role, planned[i]));
            let code = parcels.village_code(i);
            villages
                .entry(code)
                .or_insert_with(|| blank(code, parcels.village_name(i)))
                .add(area, cropland, is_candidate);
        }
        let mut villages: Vec<AuditRow> = villages.into_values().map(rounded).collect();
        let total = sum_rows(&villages, blank(TOTAL, "合计"));
        villages.push(total);
        rows.extend(villages);
    }
    rows
}

/// A village row as tables show it: areas to 0.01 m², area = cropland + non-cropland
/// exactly.
fn rounded(mut r: AuditRow) -> AuditRow {
    let cm2 = |m2: f64| (m2 * 100.0).round() as i64;
    let (crop, other) = (cm2(r.cropland_m2), cm2(r.non_cropland_m2));
    r.cropland_m2 = crop as f64 / 100.0;
    r.non_cropland_m2 = other as f64 / 100.0;
    r.area_m2 = (crop + other) as f64 / 100.0;
    r.conflict_m2 = cm2(r.conflict_m2) as f64 / 100.0;
    r
}

/// The total row: the sum of the shown village rows (in whole cm², so it is exact).
fn sum_rows(villages: &[AuditRow], mut total: AuditRow) -> AuditRow {
    let cm2 = |m2: f64| (m2 * 100.0).round() as i64;
    let sum = |f: fn(&AuditRow) -> f64| villages.iter().map(|r| cm2(f(r))).sum::<i64>() as f64 / 100.0;
    total.area_m2 = sum(|r| r.area_m2);
    total.cropland_m2 = sum(|r| r.cropland_m2);
    total.non_cropland_m2 = sum(|r| r.non_cropland_m2);
    total.conflict_m2 = sum(|r| r.conflict_m2);
    total.conflicts = villages.iter().map(|r| r.conflicts).sum();
    total
}
