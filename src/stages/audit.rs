//! The control-line audit (管控审查): for each constraint with a role (永久基本农田,
//! 生态保护红线, 城镇开发边界), per village and in total, the parcel area inside it, split into
//! cropland and non-cropland (现状非耕地 inside basic farmland is a known problem), and the
//! candidates of any rule that touch it.

use std::collections::BTreeMap;

use super::constraints::Constraints;
use super::reforestation::ParcelFlags;
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;

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
    /// Candidates of any rule with part of their area inside.
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

/// The audit rows: per role constraint, its villages (by code) then its total row.
/// `candidate[i]` says whether parcel i is a candidate of a rule that changes its land
/// use (reforestation, swap, reclamation).
pub fn audit(
    parcels: &Parcels,
    slope: &[ParcelSlope],
    flags: &[ParcelFlags],
    candidate: &[bool],
    constraints: Constraints,
) -> Vec<AuditRow> {
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
        let mut total = blank(TOTAL, "合计");
        for (i, share) in constraints.shares[c].iter().enumerate().filter(|(_, s)| **s > 0.0) {
            let area = share * slope[i].area_m2;
            let (cropland, is_candidate) = (flags[i].is_cropland, candidate[i]);
            let code = parcels.village_code(i);
            villages
                .entry(code)
                .or_insert_with(|| blank(code, parcels.village_name(i)))
                .add(area, cropland, is_candidate);
            total.add(area, cropland, is_candidate);
        }
        rows.extend(villages.into_values());
        rows.push(total);
    }
    rows
}
