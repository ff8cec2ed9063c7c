//! 生态修复: scattered construction inside the ecological red line goes back to nature
//! (Chongqing's rule for 增减挂钩: 红线内零星建设用地 退出, 恢复林草湿).
//!
//! A parcel is restored when its land use starts with one of
//! `reclamation.restoration_codes` (05, 0601, 0602, 07, 08, 09, 10: construction; a `K`
//! suffix ignored), at least `restoration_min_share` of it lies inside the red line (the
//! largest share among the constraints with `role = "red_line"`), and no rule before
//! 增减挂钩 changes it. Its target class is the natural class its neighbours hold the
//! longest boundary with, by their current land use — 林地 (forest), 草地 (grassland) or
//! 湿地 (wetland), as `[indicators] classes` has them; ties go in that order; without
//! natural neighbours, `restoration_default_class`.
//!
//! Restoration comes first in 增减挂钩: a homestead it restores is no 拆旧 candidate (it is
//! not traded as quota, and never goes to cropland inside the red line).

use super::rule::RunData;
use crate::settings::{Role, NATURAL_CLASSES};

/// What ecological restoration decides.
#[derive(Debug, Clone, Default)]
pub struct EcoRestoration {
    /// The class each restored parcel takes ("forest", "grassland", "wetland"; None: not restored).
    pub target: Vec<Option<&'static str>>,
    /// Each parcel's share inside the red line.
    pub red_line_share: Vec<f64>,
    /// Boundary each restored parcel shares with forest, grassland and wetland, m.
    pub boundary: Vec<[f64; 3]>,
}

/// Whether land use `code` is construction to restore.
fn is_construction(d: &RunData, code: &str) -> bool {
    let code = code.trim_end_matches(['K', 'k']);
    d.settings.reclamation.restoration_codes.iter().any(|p| code.starts_with(p.as_str()))
}

/// Boundary parcel `i` shares with each natural class, by its neighbours' land use.
fn natural_boundary(d: &RunData, i: usize) -> [f64; 3] {
    let mut out = [0.0; 3];
    for &(j, e) in &d.graph.neighbours[i] {
        let class = d.settings.indicators.class_of(d.parcels.land_use(j));
        if let Some(k) = NATURAL_CLASSES.iter().position(|c| *c == class) {
            out[k] += d.graph.edges[e].shared_m;
        }
    }
    out
}

/// The natural class with the longest boundary (ties: forest, grassland, wetland), or
/// the default when there is none.
pub fn target_class(boundary: [f64; 3], default: &str) -> &'static str {
    let best = (0..3).fold(None, |best: Option<usize>, k| match best {
        Some(b) if boundary[b] >= boundary[k] => Some(b),
        _ if boundary[k] > 0.0 => Some(k),
        _ => best,
    });
    match best {
        Some(k) => NATURAL_CLASSES[k],
        None => NATURAL_CLASSES.iter().copied().find(|c| *c == default).unwrap_or(NATURAL_CLASSES[0]),
    }
}

/// The restoration over every parcel.
pub fn plan(d: &RunData) -> EcoRestoration {
    let (n, s) = (d.parcels.len(), &d.settings.reclamation);
    let mut p = EcoRestoration { target: vec![None; n], red_line_share: (0..n).map(|i| d.role_share(Role::RedLine, i)).collect(), boundary: vec![[0.0; 3]; n] };
    for i in 0..n {
        if p.red_line_share[i] >= s.restoration_min_share && is_construction(d, d.parcels.land_use(i)) && d.planned(i).is_none() {
            p.boundary[i] = natural_boundary(d, i);
            p.target[i] = Some(target_class(p.boundary[i], &s.restoration_default_class));
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Rule, Settings};
    use crate::stages::constraints::Constraints;
    use crate::stages::rule::Outcomes;
    use crate::stages::testing::{constraint, flags, graph, parcels, slope, Plot};

    #[test]
    fn ties_go_forest_grassland_wetland_and_no_neighbour_takes_the_default() {
        assert_eq!(target_class([10.0, 12.0, 11.0], "forest"), "grassland");
        assert_eq!(target_class([10.0, 10.0, 10.0], "forest"), "forest");
        assert_eq!(target_class([0.0, 5.0, 5.0], "forest"), "grassland");
        assert_eq!(target_class([0.0, 0.0, 0.1], "forest"), "wetland");
        assert_eq!(target_class([0.0, 0.0, 0.0], "grassland"), "grassland");
    }

    #[test]
    fn construction_in_the_red_line_takes_its_neighbours_natural_class() {
        // 0: a homestead 0702 fully inside the red line, beside forest 0301 (8 m), shrub
        // 0305 (4 m: forest too, 12 m in all), grassland 0404 (10 m) and a marsh 1108
        // (11 m): forest, 12 m. 1: a mine 0602 0.5 inside, beside grass 0401 (6 m) and
        // cropland (30 m, not natural): grassland. 2: a road 1006 0.49 inside: no.
        // 3: a salt pan 0603 (a wetland, not construction) inside: no. 4: a shed 0702 beside
        // nothing natural, inside: the default (forest). 5–10 are the neighbours.
        let codes = ["0702", "0602", "1006", "0603", "0702", "0301", "0305", "0404", "1108", "0401", "0103"];
        let p = parcels(&[], &codes.iter().map(|c| Plot::new(c)).collect::<Vec<_>>());
        let st: Vec<_> = codes.iter().map(|_| slope(3, 1000.0)).collect();
        let g = graph(codes.len(), &[(0, 5, 8.0), (0, 6, 4.0), (0, 7, 10.0), (0, 8, 11.0), (1, 9, 6.0), (1, 10, 30.0), (2, 5, 20.0), (3, 8, 20.0)]);
        let list = [constraint("eco", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::RedLine))];
        let shares = vec![vec![1.0, 0.5, 0.49, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]];
        let settings = Settings::default();
        let outcomes = Outcomes::default();
        let d = RunData::new(&settings, &p, &st, &g, &[], Constraints { list: &list, shares: &shares }, &outcomes);
        d.put(codes.iter().map(|c| flags(c.starts_with("010"), false)).collect::<Vec<_>>());
        let r = plan(&d);
        assert_eq!(&r.target[..5], [Some("forest"), Some("grassland"), None, None, Some("forest")]);
        assert_eq!(r.boundary[0], [12.0, 10.0, 11.0]);
        assert_eq!(r.boundary[1], [0.0, 6.0, 0.0]);
    }

    #[test]
    fn a_scattered_homestead_in_the_red_line_is_restored_not_reclaimed() {
        // 0 and 1: lone homesteads (scattered, flat, beside cropland 2: 宜耕 candidates);
        // 0 lies in the red line, so it goes to grassland (its grass neighbour 3) and out
        // of the 拆旧 candidates and the ledger; 1 is reclaimed to cropland.
        use crate::stages::reclamation::{Reclamation, ReclamationPlan};
        use crate::stages::rule::Rule as _;
        use crate::stages::testing::square;
        let plots = [Plot::new("0702").tbmj(100.0).at(square(0.0, 0.0, 10.0)), Plot::new("0702").tbmj(100.0).at(square(500.0, 0.0, 10.0)), Plot::new("0103").at(square(10.0, 0.0, 10.0)), Plot::new("0404").at(square(0.0, 10.0, 10.0))];
        let p = parcels(&[], &plots);
        let st: Vec<_> = (0..4).map(|_| slope(2, 100.0)).collect();
        let g = graph(4, &[(0, 2, 10.0), (1, 2, 10.0), (0, 3, 10.0)]);
        let list = [constraint("eco", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::RedLine))];
        let shares = vec![vec![0.9, 0.0, 0.0, 0.0]];
        let settings = Settings::default();
        let outcomes = Outcomes::default();
        let d = RunData::new(&settings, &p, &st, &g, &[], Constraints { list: &list, shares: &shares }, &outcomes);
        d.put(vec![flags(false, false), flags(false, false), flags(true, false), flags(false, false)]);
        Reclamation.decide(&d, &crate::progress::Progress::hidden(), &crate::context::CancelToken::new()).unwrap();
        assert_eq!(d.need::<ReclamationPlan>().candidate, [false, true, false, false]);
        assert_eq!((Reclamation.planned(&d, 0), Reclamation.planned(&d, 1)), (Some("grassland"), Some("cropland")));
        let total = d.need::<Vec<crate::stages::linkage::LinkageRow>>().last().unwrap().clone();
        assert_eq!((total.parcels, total.demolish), (1, 10_000));
    }
}
