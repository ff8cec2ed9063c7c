//! The constraint engine: control lines as polygons in the working CRS (lines and points
//! buffered, by class where asked), the exact share of every parcel inside each, and the
//! verdict of each on each rule. Every rule asks the same engine.

use geo::{Area, BooleanOps, Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::RTree;

use super::spatial::{envelope, padded, Indexed};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::gdal_util::Wanted;
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::{ConstraintMode, ConstraintSettings, Rule};
use crate::vector::{self, geometry::polygons_of};

/// Overlaps smaller than this (m²) are the rounding noise of a parcel edge lying on a
/// constraint's edge, not land inside it: they count as outside.
pub const SLIVER_M2: f64 = 0.01;

/// GEOS's (and the reference's) quarter-circle segments for round buffers.
const QUADRANT_SEGMENTS: u32 = 8;

/// A constraint ready to measure parcels against.
pub struct Constraint {
    pub settings: ConstraintSettings,
    polygons: Vec<MultiPolygon<f64>>,
    /// For each polygon that is one convex ring (a buffered segment, a block): its ring,
    /// for the fast "parcel wholly inside" test.
    convex: Vec<Option<Vec<Coord<f64>>>>,
    tree: RTree<Indexed>,
}

/// Reads and buffers a constraint layer into the working CRS.
pub fn load(settings: &ConstraintSettings, work_wkt: &str) -> Result<Constraint> {
    let setting = settings.key("crs");
    let layer_setting = settings.key("layer");
    // Lines and points only make sense buffered: unbuffered, only polygon layers count.
    let wanted = if settings.buffered() { Wanted::Spatial } else { Wanted::Polygons };
    let source = vector::LayerRef { path: &settings.path, name: &settings.layer, setting: &layer_setting, wanted };
    let features = vector::read_features(
        &source,
        settings.crs.as_deref(),
        &setting,
        work_wkt,
        settings.buffer_field.as_deref(),
    )?;
    // GDAL geometries are not Send: buffered one after the other (GEOS is fast enough
    // for tens of thousands of road segments).
    let polygons = features.into_iter().map(|f| as_polygons(settings, f)).collect::<Result<Vec<_>>>()?;
    let items = polygons
        .iter()
        .enumerate()
        .filter_map(|(index, g)| envelope(g, 0.0).map(|envelope| Indexed { index, envelope }))
        .collect();
    let convex = polygons.iter().map(convex_ring).collect();
    Ok(Constraint { settings: settings.clone(), polygons, convex, tree: RTree::bulk_load(items) })
}

/// One feature as polygons: polygons as they are (or buffered), lines and points buffered.
fn as_polygons(s: &ConstraintSettings, f: vector::Feature2D) -> Result<MultiPolygon<f64>> {
    let fail = |m: String| Error::feature(&s.path, &s.layer, format!("#{}", f.index), m);
    let distance = match (&s.buffer_m, &f.class) {
        (Some(d), _) => *d,
        (None, Some(class)) => match s.buffer_classes.get(class.trim()).or(s.buffer_default_m.as_ref()) {
            Some(d) => *d,
            None => return Err(fail(format!("class {class:?} of {:?} has no buffer in buffer_classes and there is no buffer_default_m", s.buffer_field.as_deref().unwrap_or("")))),
        },
        (None, None) => 0.0,
    };
    let polygonal = vector::geometry::is_polygonal(&f.geometry);
    if distance <= 0.0 && !polygonal {
        return Err(fail("lines and points need a buffer (buffer_m, or buffer_field with buffer_classes)".into()));
    }
    let g = match distance > 0.0 {
        true => f.geometry.buffer(distance, QUADRANT_SEGMENTS).map_err(|e| fail(format!("cannot buffer: {e}")))?,
        false => f.geometry,
    };
    let geo = g.to_geo().map_err(|e| fail(format!("unreadable geometry: {e}")))?;
    Ok(vector::geometry::make_valid(polygons_of(&geo)))
}

/// The ring of a polygon without holes that is convex (all turns one way), or None.
fn convex_ring(g: &MultiPolygon<f64>) -> Option<Vec<Coord<f64>>> {
    let [p] = g.0.as_slice() else { return None };
    if !p.interiors().is_empty() || p.exterior().0.len() < 4 {
        return None;
    }
    let ring = &p.exterior().0;
    let turn = |k: usize| {
        let (a, b, c) = (ring[k], ring[k + 1], ring[(k + 2) % (ring.len() - 1)]);
        (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
    };
    let turns: Vec<f64> = (0..ring.len() - 1).map(turn).collect();
    let all = |f: &dyn Fn(f64) -> bool| turns.iter().all(|t| f(*t));
    (all(&|t| t >= 0.0) || all(&|t| t <= 0.0)).then(|| ring.clone())
}

/// Whether every vertex of `parcel` lies inside (or on) the convex `ring`: then, the
/// ring being convex, the whole parcel does.
fn inside_convex(parcel: &MultiPolygon<f64>, ring: &[Coord<f64>]) -> bool {
    let side = |a: Coord<f64>, b: Coord<f64>, p: Coord<f64>| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    let orientation = (0..ring.len() - 1).map(|k| side(ring[k], ring[k + 1], ring[(k + 2) % (ring.len() - 1)])).find(|s| *s != 0.0).unwrap_or(0.0);
    parcel.0.iter().flat_map(|p| p.exterior().0.iter()).all(|&v| {
        ring.windows(2).all(|w| side(w[0], w[1], v) * orientation >= 0.0)
    })
}

impl Constraint {
    /// Whether the layer gave no geometry at all.
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    /// How many polygons (features, buffered where asked) it holds.
    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    /// Area of `parcel` inside the constraint (overlapping constraint polygons counted
    /// once: the pieces are unioned).
    fn area_inside(&self, parcel: &MultiPolygon<f64>) -> f64 {
        let Some(env) = envelope(parcel, 0.0) else { return 0.0 };
        let near: Vec<usize> = self.tree.locate_in_envelope_intersecting(&env).map(|item| item.index).collect();
        let wholly_inside = near.iter().any(|&k| self.convex[k].as_ref().is_some_and(|r| inside_convex(parcel, r)));
        if wholly_inside {
            return parcel.unsigned_area();
        }
        let pieces: Vec<MultiPolygon<f64>> = near
            .iter()
            .map(|&k| parcel.intersection(&self.polygons[k]))
            .filter(|p| !p.0.is_empty())
            .collect();
        match pieces.len() {
            0 => 0.0,
            1 => pieces[0].unsigned_area(),
            _ => pieces.iter().skip(1).fold(pieces[0].clone(), |acc, p| acc.union(p)).unsigned_area(),
        }
    }

    fn touches(&self, parcels: &Parcels, i: usize) -> bool {
        parcels
            .bounding_rect(i)
            .is_some_and(|r| self.tree.locate_in_envelope_intersecting(&padded(r, 0.0)).next().is_some())
    }

    /// Whether a share of a parcel inside triggers the mode.
    pub fn triggered(&self, share: f64) -> bool {
        share > 0.0 && share >= self.settings.min_share
    }
}

/// Shares (0–1) of every parcel inside every constraint: `shares[c][i]`.
pub fn shares(constraints: &[Constraint], parcels: &Parcels, progress: &Progress, cancel: &CancelToken) -> Result<Vec<Vec<f64>>> {
    progress.set_length(parcels.len() as u64);
    let per_parcel: Vec<Vec<f64>> = (0..parcels.len())
        .into_par_iter()
        .with_min_len(256)
        .map(|i| {
            if i % 4096 == 0 {
                cancel.check()?;
            }
            let shares = parcel_shares(constraints, parcels, i);
            progress.inc(1);
            Ok(shares)
        })
        .collect::<Result<_>>()?;
    Ok((0..constraints.len()).map(|c| per_parcel.iter().map(|s| s[c]).collect()).collect())
}

fn parcel_shares(constraints: &[Constraint], parcels: &Parcels, i: usize) -> Vec<f64> {
    let near: Vec<bool> = constraints.iter().map(|c| c.touches(parcels, i)).collect();
    if !near.contains(&true) {
        return vec![0.0; constraints.len()];
    }
    let geometry = parcels.geometry(i);
    let area = geometry.unsigned_area();
    constraints
        .iter()
        .zip(near)
        .map(|(c, near)| {
            let inside = if near && area > 0.0 { c.area_inside(&geometry) } else { 0.0 };
            match inside >= SLIVER_M2 {
                true => (inside / area).clamp(0.0, 1.0),
                false => 0.0,
            }
        })
        .collect()
}

/// The constraints and every parcel's shares inside them, as the rules read them.
#[derive(Clone, Copy)]
pub struct Constraints<'a> {
    pub list: &'a [Constraint],
    /// `shares[c][i]`: share of parcel i inside constraint c.
    pub shares: &'a [Vec<f64>],
}

impl Constraints<'_> {
    /// No constraints (library callers, tests).
    pub fn none() -> Constraints<'static> {
        Constraints { list: &[], shares: &[] }
    }

    /// Whether parcel `i` may be a candidate of `rule`.
    pub fn allow(&self, i: usize, rule: Rule) -> bool {
        verdict(self.list, self.shares, i, rule) == Verdict::Pass
    }
}

/// Why a parcel may not be a candidate of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    /// Inside an `exclude` constraint (its index).
    Excluded(usize),
    /// Not inside an `include` constraint (its index).
    NotIncluded(usize),
}

/// The verdict of the constraints applying to `rule` on parcel `i`.
pub fn verdict(constraints: &[Constraint], shares: &[Vec<f64>], i: usize, rule: Rule) -> Verdict {
    for (c, constraint) in constraints.iter().enumerate() {
        if !constraint.settings.applies_to.contains(&rule) {
            continue;
        }
        let inside = constraint.triggered(shares[c][i]);
        match constraint.settings.mode {
            ConstraintMode::Exclude if inside => return Verdict::Excluded(c),
            ConstraintMode::Include if !inside => return Verdict::NotIncluded(c),
            _ => {}
        }
    }
    Verdict::Pass
}

/// The constraints that apply to `rule`, by index.
pub fn applying(constraints: &[Constraint], rule: Rule) -> Vec<usize> {
    (0..constraints.len()).filter(|&c| constraints[c].settings.applies_to.contains(&rule)).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::settings::{ConstraintMode::*, Role};
    use crate::stages::testing::{parcels, rect, square, Plot};
    use geo::polygon;

    /// The settings of a constraint named `name`.
    pub(crate) fn settings(name: &str, mode: ConstraintMode, min_share: f64, applies_to: &[Rule], role: Option<Role>) -> ConstraintSettings {
        ConstraintSettings { name: name.into(), mode, min_share, applies_to: applies_to.to_vec(), role, ..ConstraintSettings::flag_for(Rule::Merge) }
    }

    /// A constraint made of `polygons` (as `load` makes one, without the file).
    pub(crate) fn with_polygons(settings: ConstraintSettings, polygons: Vec<MultiPolygon<f64>>) -> Constraint {
        let items = polygons
            .iter()
            .enumerate()
            .filter_map(|(index, g)| envelope(g, 0.0).map(|envelope| Indexed { index, envelope }))
            .collect();
        let convex = polygons.iter().map(convex_ring).collect();
        Constraint { settings, polygons, convex, tree: RTree::bulk_load(items) }
    }

    /// A constraint without polygons, for rules that read only its settings and the
    /// shares a test gives.
    pub(crate) fn constraint(name: &str, mode: ConstraintMode, min_share: f64, applies_to: &[Rule], role: Option<Role>) -> Constraint {
        with_polygons(settings(name, mode, min_share, applies_to, role), Vec::new())
    }

    #[test]
    fn exclude_include_and_flag_verdicts_on_hand_made_shares() {
        // Parcels 0–3 with shares 0.5, 0.4999, 0, 1 inside; min_share 0.5.
        let shares = vec![vec![0.5, 0.4999, 0.0, 1.0]];
        let at = |mode| {
            let list = [constraint("pbf", mode, 0.5, &Rule::ALL, None)];
            (0..4).map(|i| verdict(&list, &shares, i, Rule::Reforestation)).collect::<Vec<_>>()
        };
        use Verdict::*;
        // exclude: share ≥ 0.5 leaves the parcel out (0.5 itself included).
        assert_eq!(at(Exclude), [Excluded(0), Pass, Pass, Excluded(0)]);
        // include: only share ≥ 0.5 is kept.
        assert_eq!(at(Include), [Pass, NotIncluded(0), NotIncluded(0), Pass]);
        // flag: recorded, never decides.
        assert_eq!(at(Flag), [Pass, Pass, Pass, Pass]);
    }

    #[test]
    fn a_zero_share_never_triggers_even_at_min_share_zero() {
        let shares = vec![vec![0.0, 1e-6]];
        let include = [constraint("area", Include, 0.0, &Rule::ALL, None)];
        let exclude = [constraint("area", Exclude, 0.0, &Rule::ALL, None)];
        assert_eq!(verdict(&include, &shares, 0, Rule::Merge), Verdict::NotIncluded(0));
        assert_eq!(verdict(&include, &shares, 1, Rule::Merge), Verdict::Pass);
        assert_eq!(verdict(&exclude, &shares, 0, Rule::Merge), Verdict::Pass);
        assert_eq!(verdict(&exclude, &shares, 1, Rule::Merge), Verdict::Excluded(0));
        assert!(!exclude[0].triggered(0.0) && exclude[0].triggered(1e-6));
    }

    #[test]
    fn a_constraint_decides_only_its_rules_and_the_first_that_refuses_is_named() {
        let list = [
            constraint("project", Include, 0.5, &Rule::ALL, None),
            constraint("roads", Exclude, 0.3, &[Rule::Merge], None),
            constraint("pbf", Exclude, 0.5, &[Rule::SwapIn, Rule::SwapOut], Some(Role::BasicFarmland)),
        ];
        // Parcel 0: inside the project, 40% on roads, 60% in pbf. Parcel 1: outside the
        // project, 100% on roads.
        let shares = vec![vec![1.0, 0.0], vec![0.4, 1.0], vec![0.6, 0.0]];
        assert_eq!(verdict(&list, &shares, 0, Rule::Reforestation), Verdict::Pass);
        assert_eq!(verdict(&list, &shares, 0, Rule::Merge), Verdict::Excluded(1));
        assert_eq!(verdict(&list, &shares, 0, Rule::SwapIn), Verdict::Excluded(2));
        assert_eq!(verdict(&list, &shares, 1, Rule::Merge), Verdict::NotIncluded(0), "the first constraint in order decides");
        assert_eq!(applying(&list, Rule::SwapIn), [0, 2]);
        assert_eq!(applying(&list, Rule::Merge), [0, 1]);
        assert_eq!(applying(&list, Rule::Reclamation), [0]);
        let c = Constraints { list: &list, shares: &shares };
        let allowed = |rule| (0..2).map(|i| c.allow(i, rule)).collect::<Vec<_>>();
        assert_eq!(allowed(Rule::Reforestation), [true, false]);
        assert_eq!(allowed(Rule::Merge), [false, false]);
        assert_eq!(allowed(Rule::SwapOut), [false, false]);
        assert!(Constraints::none().allow(12, Rule::Merge), "no constraint refuses nothing");
    }

    #[test]
    fn shares_are_exact_fractions_of_each_parcel_counted_once() {
        let plots: Vec<Plot> = [0.0, 100.0, 200.0, 300.0, 400.0, 500.0, 1000.0]
            .iter()
            .map(|&x| Plot::new("0103").at(square(x, 0.0, 10.0)))
            .collect();
        let p = parcels(&[], &plots);
        // The L: [290, 320] × [-10, 20] without its corner [315, 320] × [15, 20].
        let l = MultiPolygon::new(vec![polygon![
            (x: 290.0, y: -10.0), (x: 320.0, y: -10.0), (x: 320.0, y: 15.0), (x: 315.0, y: 15.0), (x: 315.0, y: 20.0), (x: 290.0, y: 20.0)
        ]]);
        let zone = with_polygons(
            settings("zone", Flag, 0.5, &Rule::ALL, None),
            vec![
                rect(5.0, -5.0, 20.0, 15.0),         // P0: x 5–10 of 0–10 inside: 50 / 100
                rect(90.0, -10.0, 120.0, 20.0),      // P1 wholly inside a convex ring: 1
                rect(195.0, -5.0, 206.0, 15.0),      // P2: 60 m² …
                rect(204.0, -5.0, 215.0, 15.0),      // … and 60 m² overlapping by 20: 100 / 100
                l,                                   // P3 wholly inside a non-convex ring: 1
                rect(409.9995, 0.0, 420.0, 10.0),    // P4: 0.0005 × 10 = 0.005 m² < 0.01 m²: 0
                rect(509.998, 0.0, 520.0, 10.0),     // P5: 0.002 × 10 = 0.02 m²: 0.0002
            ],
        );
        let block = with_polygons(settings("block", Exclude, 0.5, &Rule::ALL, None), vec![rect(-1.0, -1.0, 11.0, 11.0)]);
        let s = shares(&[zone, block], &p, &Progress::hidden(), &CancelToken::new()).unwrap();
        let expected = [0.5, 1.0, 1.0, 1.0, 0.0, 0.0002, 0.0];
        for (i, want) in expected.iter().enumerate() {
            assert!((s[0][i] - want).abs() < 1e-9, "P{i}: share {} ≠ {want}", s[0][i]);
        }
        assert_eq!(s[1], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "shares[c][i]: constraint c, parcel i");
    }

    #[test]
    fn convex_rings_and_the_wholly_inside_test() {
        assert!(convex_ring(&rect(0.0, 0.0, 2.0, 1.0)).is_some());
        assert!(convex_ring(&MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 2.0, y: 3.0)]])).is_some());
        let l = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 2.0), (x: 0.0, y: 2.0)]]);
        assert!(convex_ring(&l).is_none(), "an L turns both ways");
        let holed = MultiPolygon::new(vec![geo::Polygon::new(rect(0.0, 0.0, 4.0, 4.0).0[0].exterior().clone(), vec![rect(1.0, 1.0, 2.0, 2.0).0[0].exterior().clone()])]);
        assert!(convex_ring(&holed).is_none(), "a ring with a hole");
        let two = MultiPolygon::new(vec![rect(0.0, 0.0, 1.0, 1.0).0[0].clone(), rect(3.0, 0.0, 4.0, 1.0).0[0].clone()]);
        assert!(convex_ring(&two).is_none(), "two polygons");
        let ring = convex_ring(&rect(0.0, 0.0, 10.0, 10.0)).unwrap();
        assert!(inside_convex(&square(2.0, 2.0, 3.0), &ring));
        assert!(inside_convex(&square(0.0, 0.0, 10.0), &ring), "on the edge counts as inside");
        assert!(!inside_convex(&square(8.0, 8.0, 3.0), &ring));
    }
}
