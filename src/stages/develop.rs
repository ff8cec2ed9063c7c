//! 未利用地开发 (耕地后备资源): unused land developed into cropland.
//!
//! A parcel is developed when its land use is one of `develop.codes` (0404 其他草地, 1204
//! 盐碱地, 1206 裸土地 by default; a `K` suffix matches too), it is not cropland and no rule
//! before this one changes it (a 0404K restored by 复耕 stays restored), its computed grade
//! is 1 to `develop.max_grade`, its computed area at least `develop.min_area_m2`, it shares
//! at least `develop.min_shared_m` of boundary (summed over its neighbours) with cropland
//! that stays cropland — cropland now that no earlier rule moves out (退耕还林 does) — and
//! no control line keeps it out (as for 复耕: the constraints applying to `develop`, and
//! half of the red line).

use std::collections::BTreeMap;

use super::restore::kept_out;
use super::rule::RunData;
use crate::context::CancelToken;
use crate::error::Result;
use crate::progress::Progress;
use crate::settings::{Language, Rule};
use crate::table::{AttrValue, Field, FieldKind, Values};

/// The rule's outcome.
#[derive(Debug, Clone, Default)]
pub struct DevelopPlan {
    pub chosen: Vec<bool>,
    /// Boundary each parcel shares with cropland that stays, m (all parcels).
    pub shared_with_cropland: Vec<f64>,
    /// Why each chosen parcel is (empty for the others).
    pub reasons: Vec<String>,
}

/// Whether parcel `j` is cropland that stays cropland, as the rules so far plan it.
fn staying_cropland(d: &RunData, j: usize) -> bool {
    d.flags()[j].is_cropland && d.planned(j).is_none_or(|c| c == "cropland")
}

/// Boundary each parcel shares with cropland that stays.
fn shared_with_staying(d: &RunData) -> Vec<f64> {
    let staying: Vec<bool> = (0..d.parcels.len()).map(|j| staying_cropland(d, j)).collect();
    (0..d.parcels.len()).map(|i| d.graph.neighbours[i].iter().filter(|(j, _)| staying[*j]).map(|(_, e)| d.graph.edges[*e].shared_m).sum()).collect()
}

/// Whether parcel `i`, sharing `shared` m with staying cropland, is developed.
fn developable(d: &RunData, i: usize, shared: f64) -> bool {
    let s = &d.settings.develop;
    let code = d.parcels.land_use(i).trim_end_matches(['K', 'k']);
    s.codes.iter().any(|c| c == code)
        && !d.flags()[i].is_cropland
        && d.planned(i).is_none()
        && (1..=s.max_grade).contains(&d.slope[i].grade)
        && d.slope[i].area_m2 >= s.min_area_m2
        && shared >= s.min_shared_m
        && !kept_out(d, i, Rule::Develop)
}

/// The plan over every parcel.
pub fn plan(d: &RunData) -> DevelopPlan {
    let n = d.parcels.len();
    let shared = shared_with_staying(d);
    let chosen: Vec<bool> = (0..n).map(|i| developable(d, i, shared[i])).collect();
    let reasons = (0..n)
        .map(|i| match (chosen[i], d.settings.output.language) {
            (false, _) => String::new(),
            (true, Language::Zh) => format!("耕地后备资源{}；坡度{}级；与保留耕地共边{:.1}米；面积{:.2}亩", d.parcels.land_use(i), d.slope[i].grade, shared[i], crate::units::mu(d.slope[i].area_m2)),
            (true, Language::En) => format!("reserve land {}; slope grade {}; {:.1} m beside staying cropland; {:.2} mu", d.parcels.land_use(i), d.slope[i].grade, shared[i], crate::units::mu(d.slope[i].area_m2)),
        })
        .collect();
    DevelopPlan { chosen, shared_with_cropland: shared, reasons }
}

/// 未利用地开发 as a rule of the run.
pub struct Develop;

impl super::rule::Rule for Develop {
    fn name(&self) -> &'static str {
        "develop"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.develop.enabled
    }

    fn decide(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        d.put(plan(d));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<DevelopPlan>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        d.need::<DevelopPlan>().chosen[i].then_some("cropland")
    }

    fn supplies(&self, d: &RunData, i: usize) -> Option<super::supply::Supplied> {
        let p = d.get::<DevelopPlan>()?;
        p.chosen[i].then(|| super::supply::Supplied { source: super::supply::Source::Develop, reason: p.reasons[i].clone() })
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![Field::coded("develop", FieldKind::Int, "未利用地开发", "", Values::YesNo)]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        out.push(AttrValue::Int(d.need::<DevelopPlan>().chosen[i] as i64));
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(p) = d.get::<DevelopPlan>() else { return Vec::new() };
        let chosen: Vec<usize> = (0..p.chosen.len()).filter(|&i| p.chosen[i]).collect();
        // fold from +0.0: an empty f64 sum is −0.0, printed "-0.00".
        let area = chosen.iter().map(|&i| d.parcels.official_area(i).unwrap_or(d.slope[i].area_m2)).fold(0.0, |a, b| a + b);
        vec![("develop_parcels", chosen.len().into()), ("develop_m2", area.into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let n = counts.get("develop_parcels")?.as_u64()?;
        let ha = counts.get("develop_m2")?.as_f64()? / 10_000.0;
        Some(format!("develop: {n} parcels of unused land, {ha:.2} ha"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Role, Settings};
    use crate::stages::constraints::Constraints;
    use crate::stages::rule::{Outcomes, Rule as _};
    use crate::stages::testing::{constraint, flags, graph, parcels, slope, Plot};

    /// A plot: land use, grade, computed area, reforested (for cropland).
    struct P(&'static str, u8, f64, bool);

    fn plan_of(plots: &[P], shared: &[(usize, usize, f64)], list: &[crate::stages::constraints::Constraint], shares: &[Vec<f64>]) -> DevelopPlan {
        let p = parcels(&[], &plots.iter().map(|x| Plot::new(x.0)).collect::<Vec<_>>());
        let st: Vec<_> = plots.iter().map(|x| slope(x.1, x.2)).collect();
        let g = graph(plots.len(), shared);
        let settings = Settings::default();
        let outcomes = Outcomes::default();
        let d = RunData::new(&settings, &p, &st, &g, &[], Constraints { list, shares }, &outcomes);
        d.put(plots.iter().map(|x| flags(x.0.starts_with("010"), x.3)).collect::<Vec<_>>());
        crate::stages::restore::Restore.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        Develop.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        d.need::<DevelopPlan>().clone()
    }

    fn chosen(p: &DevelopPlan) -> Vec<usize> {
        (0..p.chosen.len()).filter(|&i| p.chosen[i]).collect()
    }

    #[test]
    fn flat_large_unused_land_beside_staying_cropland_is_developed() {
        // 0: cropland that stays; 1: reforested cropland (leaves). 2: 1206 bare land
        // sharing 3 m with 0 (< 5 m; 5 m in the second case): developed then. 3: 0404
        // beside leaving cropland only (20 m with 1): no. 4: 1204 grade 4 (> 3): no.
        // 5: 1206 of 666.66 m² (< 666.67): no. 6: 0404K, restorable first: restored, not
        // developed. 7: 0404 of exactly 666.67 m², 5 m, grade 3: every bound met, yes.
        // 8: 0301 forest: not a code. 9: 1206, 4.9 m: no. 10: 1206 without slope data: no.
        let plots = [
            P("0103", 2, 5000.0, false),
            P("0103", 5, 5000.0, true),
            P("1206", 3, 1000.0, false),
            P("0404", 1, 1000.0, false),
            P("1204", 4, 1000.0, false),
            P("1206", 2, 666.66, false),
            P("0404K", 2, 1000.0, false),
            P("0404", 3, 666.67, false),
            P("0301", 2, 1000.0, false),
            P("1206", 2, 1000.0, false),
            P("1206", 0, 1000.0, false),
        ];
        let mut edges = vec![(0, 2, 3.0), (1, 3, 20.0)];
        edges.extend([(0, 4, 10.0), (0, 5, 10.0), (0, 6, 10.0), (0, 7, 5.0), (0, 8, 10.0), (0, 9, 4.9), (0, 10, 10.0)]);
        let p = plan_of(&plots, &edges, &[], &[]);
        assert_eq!(p.shared_with_cropland[2], 3.0);
        assert_eq!(chosen(&p), [7]);
        edges[0] = (0, 2, 5.0);
        let p = plan_of(&plots, &edges, &[], &[]);
        assert_eq!(chosen(&p), [2, 7]);
        assert_eq!(p.shared_with_cropland[3], 0.0, "leaving cropland does not count");
        assert!(p.reasons[2].starts_with("耕地后备资源1206；坡度3级；与保留耕地共边5.0米"), "{}", p.reasons[2]);
    }

    #[test]
    fn boundaries_with_several_staying_parcels_add_up_and_control_lines_keep_land_out() {
        // 2 shares 3 m with 0 and 2 m with 1 (both staying): 5 m. 3 the same but inside a
        // constraint applying to develop; 4 the same but half inside the red line.
        let plots = [P("0103", 2, 5000.0, false), P("0101", 2, 5000.0, false), P("1206", 2, 1000.0, false), P("1206", 2, 1000.0, false), P("1206", 2, 1000.0, false)];
        let edges = [(0, 2, 3.0), (1, 2, 2.0), (0, 3, 3.0), (1, 3, 2.0), (0, 4, 3.0), (1, 4, 2.0)];
        let list = [constraint("water", ConstraintMode::Exclude, 0.5, &[Rule::Develop], None), constraint("eco", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::RedLine))];
        let shares = vec![vec![0.0, 0.0, 0.0, 0.7, 0.0], vec![0.0, 0.0, 0.0, 0.0, 0.5]];
        let p = plan_of(&plots, &edges, &list, &shares);
        assert_eq!((chosen(&p), p.shared_with_cropland[2]), (vec![2], 5.0));
    }
}
