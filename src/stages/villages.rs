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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::swap::SwapRole;
    use crate::stages::testing::{flags, parcels, slope, Plot, V1, V2, V3};

    #[test]
    fn village_rows_count_cropland_by_grade_candidates_and_mismatches_then_the_total() {
        let plots = [
            Plot::new("0103").recorded(2),             // 0 V1 grade 2, as recorded
            Plot::new("0103").recorded(4),             // 1 V1 grade 5, recorded 4; a candidate
            Plot::new("0103").recorded(3),             // 2 V1 no slope data
            Plot::new("0201").recorded(1),             // 3 V1 garden
            Plot::new("0101").village(V2),             // 4 V2 grade 3, no recorded grade
            Plot::new("0301").village(V3).recorded(2), // 5 V3 forest
        ];
        let p = parcels(&[], &plots);
        let st = [slope(2, 100.0), slope(5, 300.0), slope(0, 50.0), slope(1, 400.0), slope(3, 200.0), slope(4, 1000.0)];
        let f = [flags(true, false), flags(true, true), flags(true, false), flags(false, false), flags(true, false), flags(false, false)];
        let mut rows = village_summary(&p, &st, &f);
        let figures = |r: &VillageRow| (r.village_code.clone(), r.parcel_count, r.cropland_count, r.cropland_m2, r.cropland_grade_m2, r.cropland_nodata_m2, r.reforest_count, r.reforest_m2, r.grade_mismatch_count);
        assert_eq!(
            rows.iter().map(figures).collect::<Vec<_>>(),
            [
                // V1: cropland 100 + 300 + 50 = 450 m²: 100 in grade 2, 300 in grade 5, 50
                // without data; one mismatch (5 ≠ 4; no data is no mismatch).
                (V1.to_string(), 4, 3, 450.0, [0.0, 100.0, 0.0, 0.0, 300.0], 50.0, 1, 300.0, 1),
                (V2.to_string(), 1, 1, 200.0, [0.0, 0.0, 200.0, 0.0, 0.0], 0.0, 0, 0.0, 0),
                (V3.to_string(), 1, 0, 0.0, [0.0; 5], 0.0, 0, 0.0, 0),
                (TOTAL_CODE.to_string(), 6, 4, 650.0, [0.0, 100.0, 200.0, 0.0, 300.0], 50.0, 1, 300.0, 1),
            ]
        );
        assert_eq!((rows[0].village_name.as_str(), rows[3].village_name.as_str()), ("村001", "合计"));
        assert!((rows[0].reforest_share() - 300.0 / 450.0).abs() < 1e-12);
        assert_eq!(rows[2].reforest_share(), 0.0, "no cropland");

        // Parcel 1 leaves cropland, garden 3 comes in: both in V1.
        let roles = [SwapRole::None, SwapRole::Out, SwapRole::None, SwapRole::In, SwapRole::Reserve, SwapRole::None];
        add_swap(&mut rows, &p, &st, &roles);
        let swap = |r: &VillageRow| (r.swap_out_count, r.swap_out_m2, r.swap_in_count, r.swap_in_m2);
        assert_eq!(rows.iter().map(swap).collect::<Vec<_>>(), [(1, 300.0, 1, 400.0), (0, 0.0, 0, 0.0), (0, 0.0, 0, 0.0), (1, 300.0, 1, 400.0)]);
    }
}
