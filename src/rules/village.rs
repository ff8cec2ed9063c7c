//! Per-village indicator table (规划指标分解表): cropland by grade and candidates.

use std::collections::BTreeMap;

use super::ParcelFlags;
use crate::parcels::Parcel;
use crate::zonal::ParcelSlope;

/// 1 mu (亩) in square metres.
pub const M2_PER_MU: f64 = 666.67;

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
    parcels: &[Parcel],
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
) -> Vec<VillageRow> {
    let mut by_code: BTreeMap<String, VillageRow> = BTreeMap::new();
    let mut total = VillageRow {
        village_code: "TOTAL".into(),
        village_name: "合计".into(),
        ..Default::default()
    };
    for ((p, s), f) in parcels.iter().zip(stats).zip(flags) {
        let row = by_code
            .entry(p.village_code.clone())
            .or_insert_with(|| VillageRow {
                village_code: p.village_code.clone(),
                village_name: p.village_name.clone(),
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
                if p.recorded_grade
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
