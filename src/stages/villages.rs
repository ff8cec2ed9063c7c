//! Per-village summary: cropland by grade, reforestation candidates, recorded-grade
//! mismatches.

use std::collections::BTreeMap;

use super::reforestation::ParcelFlags;
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;

/// Village code of the total row.
pub const TOTAL_CODE: &str = "TOTAL";

/// One village's figures; areas in m² (the writers add ha and mu columns).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VillageRow {
    pub village_code: String,
    pub village_name: String,
    pub parcel_count: u64,
    pub cropland_count: u64,
    pub cropland_m2: f64,
    /// Cropland area by dominant grade 1..=5 (parcels are never split).
    pub cropland_grade_m2: [f64; 5],
    /// Cropland without slope data.
    pub cropland_nodata_m2: f64,
    pub reforest_count: u64,
    pub reforest_m2: f64,
    /// Cropland whose recorded grade differs from the computed one.
    pub grade_mismatch_count: u64,
    /// 林耕置换: parcels and area out of cropland, and into it, located in the village.
    pub swap_out_count: u64,
    pub swap_out_m2: f64,
    pub swap_in_count: u64,
    pub swap_in_m2: f64,
}

impl VillageRow {
    pub fn reforest_share(&self) -> f64 {
        if self.cropland_m2 > 0.0 {
            self.reforest_m2 / self.cropland_m2
        } else {
            0.0
        }
    }
}

/// Village rows sorted by village code, plus a final total row (code "TOTAL").
pub fn village_summary(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
) -> Vec<VillageRow> {
    let mut by_code: BTreeMap<String, VillageRow> = BTreeMap::new();
    let mut total = VillageRow {
        village_code: TOTAL_CODE.into(),
        village_name: "合计".into(),
        ..Default::default()
    };
    for (i, (s, f)) in stats.iter().zip(flags).enumerate() {
        let code = parcels.village_code(i);
        let row = by_code
            .entry(code.to_string())
            .or_insert_with(|| VillageRow {
                village_code: code.to_string(),
                village_name: parcels.village_name(i).to_string(),
                ..Default::default()
            });
        for r in [&mut *row, &mut total] {
            r.parcel_count += 1;
            if f.is_cropland {
                r.cropland_count += 1;
                r.cropland_m2 += s.area_m2;
                if s.grade == 0 {
                    r.cropland_nodata_m2 += s.area_m2;
                } else {
                    r.cropland_grade_m2[s.grade as usize - 1] += s.area_m2;
                }
                if parcels
                    .recorded_grade(i)
                    .is_some_and(|g| s.grade != 0 && g != s.grade)
                {
                    r.grade_mismatch_count += 1;
                }
            }
            if f.reforest {
                r.reforest_count += 1;
                r.reforest_m2 += s.area_m2;
            }
        }
    }
    let mut rows: Vec<VillageRow> = by_code.into_values().collect();
    rows.push(total);
    rows
}

/// Adds the swap figures (by where the parcels lie) to the village rows and the total.
pub fn add_swap(rows: &mut [VillageRow], parcels: &Parcels, stats: &[ParcelSlope], roles: &[crate::stages::swap::SwapRole]) {
    use crate::stages::swap::SwapRole;
    let index: std::collections::HashMap<String, usize> = rows.iter().enumerate().map(|(k, r)| (r.village_code.clone(), k)).collect();
    let total = rows.len() - 1;
    for (i, role) in roles.iter().enumerate() {
        let Some(&k) = index.get(parcels.village_code(i)) else { continue };
        for r in [k, total] {
            let row = &mut rows[r];
            match role {
                SwapRole::Out => {
                    row.swap_out_count += 1;
                    row.swap_out_m2 += stats[i].area_m2;
                }
                SwapRole::In => {
                    row.swap_in_count += 1;
                    row.swap_in_m2 += stats[i].area_m2;
                }
                _ => {}
            }
        }
    }
}
