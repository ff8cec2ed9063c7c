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
/// 永久基本农田 or 高标准农田; land turned to cropland inside the 生态保护红线; construction land (homesteads)
/// demolished inside the 城镇开发边界 (拆旧 lies outside it).
pub fn conflicts(role: Role, p: Planned) -> bool {
    let Some(to) = p.to else { return false };
    match role {
        Role::BasicFarmland | Role::HighStandard => p.cropland && to != "cropland",
        Role::RedLine => !p.cropland && to == "cropland",
        Role::UrbanBoundary => p.construction && to != "construction",
        // Leaving basic farmland there, or demolishing homesteads in a hazard area, is
        // what the plan is for.
        Role::PbfOut | Role::Hazard => false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Rule};
    use crate::stages::testing::{constraint, flags, parcels, slope, Plot, V1, V2, V3};

    fn planned(cropland: bool, construction: bool, to: Option<&'static str>) -> Planned {
        Planned { cropland, construction, to }
    }

    #[test]
    fn what_works_against_each_role() {
        let (crop, garden, home) = ((true, false), (false, false), (false, true));
        let cases = [
            // (role, parcel now, planned class, conflict)
            (Role::BasicFarmland, crop, Some("forest"), true),
            (Role::BasicFarmland, crop, Some("cropland"), false),
            (Role::BasicFarmland, crop, None, false),
            (Role::BasicFarmland, garden, Some("cropland"), false),
            (Role::RedLine, garden, Some("cropland"), true),
            (Role::RedLine, home, Some("cropland"), true),
            (Role::RedLine, crop, Some("cropland"), false),
            (Role::RedLine, crop, Some("forest"), false),
            (Role::UrbanBoundary, home, Some("cropland"), true),
            (Role::UrbanBoundary, home, Some("forest"), true),
            (Role::UrbanBoundary, home, Some("construction"), false),
            (Role::UrbanBoundary, home, None, false),
            (Role::UrbanBoundary, garden, Some("cropland"), false),
        ];
        for (role, (c, k), to, want) in cases {
            assert_eq!(conflicts(role, planned(c, k, to)), want, "{role:?}, cropland {c}, construction {k}, to {to:?}");
        }
        let p = parcels(&[], &[Plot::new("0702"), Plot::new("0201K"), Plot::new("0103")]);
        let f = [flags(false, false), flags(false, false), flags(true, false)];
        let classes = IndicatorSettings::default();
        assert_eq!(Planned::of(&p, &f, &classes, 0, Some("forest")), planned(false, true, Some("forest")), "0702 is construction land");
        assert_eq!(Planned::of(&p, &f, &classes, 1, None), planned(false, false, None));
        assert_eq!(Planned::of(&p, &f, &classes, 2, None), planned(true, false, None));
    }

    #[test]
    fn rows_per_role_constraint_and_village_with_totals_that_add_up() {
        let plots = [
            Plot::new("0103"),             // 0 V1 cropland → forest
            Plot::new("0103"),             // 1 V1 cropland, unchanged
            Plot::new("0201"),             // 2 V1 garden → cropland
            Plot::new("0301").village(V2), // 3 V2 forest, unchanged
            Plot::new("0702").village(V2), // 4 V2 homestead → forest
            Plot::new("0702").village(V3), // 5 V3 homestead → cropland
            Plot::new("0701").village(V3), // 6 V3 urban housing, unchanged
        ];
        let p = parcels(&[], &plots);
        let st = [slope(5, 1000.004), slope(2, 200.0), slope(2, 400.0), slope(2, 100.0), slope(2, 333.333), slope(2, 100.0), slope(2, 50.0)];
        let f = [flags(true, true), flags(true, false), flags(false, false), flags(false, false), flags(false, false), flags(false, false), flags(false, false)];
        let to = [Some("forest"), None, Some("cropland"), None, Some("forest"), Some("cropland"), None];
        let classes = IndicatorSettings::default();
        let plan: Vec<Planned> = (0..7).map(|i| Planned::of(&p, &f, &classes, i, to[i])).collect();
        let list = [
            constraint("pbf", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::BasicFarmland)),
            constraint("roads", ConstraintMode::Exclude, 0.5, &Rule::ALL, None),
            constraint("eco", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::RedLine)),
            constraint("ukb", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::UrbanBoundary)),
        ];
        let shares = vec![
            vec![1.0, 0.5, 0.25, 0.0, 0.1, 0.0, 0.0],
            vec![1.0; 7],
            vec![0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.0, 0.0, 0.3, 1.0, 1.0],
        ];
        let rows = audit(&p, &st, &f, &plan, Constraints { list: &list, shares: &shares });
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.constraint.as_str(), r.role.as_str(), r.village_code.as_str(), r.area_m2, r.cropland_m2, r.non_cropland_m2, r.conflicts, r.conflict_m2))
            .collect();
        assert_eq!(
            got,
            [
                // pbf, V1: cropland 1000.004 + 0.5·200 = 1100.004 → 1100.00; garden 0.25·400
                // = 100; parcel 0 leaves cropland: a conflict of 1000.00 m².
                ("pbf", "basic_farmland", V1, 1200.0, 1100.0, 100.0, 1, 1000.0),
                // V2: 0.1 · 333.333 = 33.3333 → 33.33 (parcel 3 has no share: no part).
                ("pbf", "basic_farmland", V2, 33.33, 0.0, 33.33, 0, 0.0),
                ("pbf", "basic_farmland", TOTAL, 1233.33, 1100.0, 133.33, 1, 1000.0),
                // The road constraint has no role: no rows. eco, V1: garden → cropland.
                ("eco", "red_line", V1, 100.0, 0.0, 100.0, 1, 100.0),
                ("eco", "red_line", TOTAL, 100.0, 0.0, 100.0, 1, 100.0),
                // ukb: 0.3 · 333.333 = 99.9999 → 100.00 demolished; V3: 100 demolished + 50 kept.
                ("ukb", "urban_boundary", V2, 100.0, 0.0, 100.0, 1, 100.0),
                ("ukb", "urban_boundary", V3, 150.0, 0.0, 150.0, 1, 100.0),
                ("ukb", "urban_boundary", TOTAL, 250.0, 0.0, 250.0, 2, 200.0),
            ]
        );
        assert_eq!((rows[0].village_name.as_str(), rows[2].village_name.as_str()), ("村001", "合计"));
    }

    #[test]
    fn the_total_is_the_sum_of_the_rows_as_shown() {
        // Two villages of 0.006 m² inside: each shows 0.01 m² (0.6 cm² → 1 cm²); the total
        // shows their sum, 0.02 m², not 0.012 → 0.01.
        let p = parcels(&[], &[Plot::new("0103"), Plot::new("0103").village(V2)]);
        let st = [slope(2, 0.006), slope(2, 0.006)];
        let f = [flags(true, false), flags(true, false)];
        let plan = [planned(true, false, None), planned(true, false, None)];
        let list = [constraint("pbf", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::BasicFarmland))];
        let shares = vec![vec![1.0, 1.0]];
        let rows = audit(&p, &st, &f, &plan, Constraints { list: &list, shares: &shares });
        let areas: Vec<(f64, f64)> = rows.iter().map(|r| (r.area_m2, r.cropland_m2)).collect();
        assert_eq!(areas, [(0.01, 0.01), (0.01, 0.01), (0.02, 0.02)]);
    }
}
