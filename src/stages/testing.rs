//! Hand-made inputs for the stages' unit tests: plots with a land use, a village, an
//! owner and an official area (TBMJ), laid out as squares; slope figures, flags, an
//! adjacency graph and constraints set by hand, so each test can work out its answer.

use geo::{polygon, MultiPolygon};

use super::adjacency::{Edge, Graph};
use super::reforestation::ParcelFlags;
use super::zonal::ParcelSlope;
use crate::parcels::{Mapped, ParcelSource, Parcels};
use crate::table::{AttrValue, FieldSpec};

pub(crate) use super::constraints::tests::constraint;

/// Village codes (ZLDWDM): V1 and V2 lie in township 510000001, V3 in 510000002.
pub(crate) const V1: &str = "510000001001";
pub(crate) const V2: &str = "510000001002";
pub(crate) const V3: &str = "510000002001";
pub(crate) const T1: &str = "510000001";
pub(crate) const T2: &str = "510000002";

/// The rectangle [x0, x1] × [y0, y1].
pub(crate) fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]])
}

/// The square of side `side` with its lower-left corner at (x, y).
pub(crate) fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
    rect(x, y, x + side, y + side)
}

/// One hand-made parcel (the village's name is the code's last three digits, "村001").
#[derive(Clone)]
pub(crate) struct Plot {
    pub id: String,
    pub land_use: &'static str,
    pub village: &'static str,
    pub owner: &'static str,
    pub terrace: &'static str,
    pub recorded_grade: Option<u8>,
    pub tbmj: Option<f64>,
    /// The input columns' values, in the order of the `fields` given to [`parcels`].
    pub attributes: Vec<AttrValue<'static>>,
    pub geometry: MultiPolygon<f64>,
}

impl Plot {
    /// A plot of land use `land_use` in village V1, owner "O1", the unit square at the origin.
    pub(crate) fn new(land_use: &'static str) -> Plot {
        Plot {
            id: String::new(),
            land_use,
            village: V1,
            owner: "O1",
            terrace: "",
            recorded_grade: None,
            tbmj: None,
            attributes: Vec::new(),
            geometry: square(0.0, 0.0, 1.0),
        }
    }
    pub(crate) fn village(mut self, code: &'static str) -> Plot {
        self.village = code;
        self
    }
    pub(crate) fn owner(mut self, owner: &'static str) -> Plot {
        self.owner = owner;
        self
    }
    pub(crate) fn terrace(mut self, terrace: &'static str) -> Plot {
        self.terrace = terrace;
        self
    }
    pub(crate) fn recorded(mut self, grade: u8) -> Plot {
        self.recorded_grade = Some(grade);
        self
    }
    pub(crate) fn tbmj(mut self, m2: f64) -> Plot {
        self.tbmj = Some(m2);
        self
    }
    pub(crate) fn attributes(mut self, values: Vec<AttrValue<'static>>) -> Plot {
        self.attributes = values;
        self
    }
    pub(crate) fn at(mut self, geometry: MultiPolygon<f64>) -> Plot {
        self.geometry = geometry;
        self
    }
}

/// The name of a village: "村" and the last three digits of its code.
pub(crate) fn village_name(code: &str) -> String {
    format!("村{}", &code[code.len().saturating_sub(3)..])
}

/// The parcels of `plots`, in order (ids "P0", "P1", … where a plot has none), with the
/// input columns `fields`.
pub(crate) fn parcels(fields: &[FieldSpec], plots: &[Plot]) -> Parcels {
    let mut p = Parcels::new(ParcelSource::default(), fields.to_vec());
    for (k, plot) in plots.iter().enumerate() {
        let id = if plot.id.is_empty() { format!("P{k}") } else { plot.id.clone() };
        let name = village_name(plot.village);
        let mapped = Mapped {
            id: &id,
            land_use: plot.land_use,
            land_use_name: "",
            village_code: plot.village,
            village_name: &name,
            owner_code: plot.owner,
            terrace_type: plot.terrace,
            recorded_grade: plot.recorded_grade,
            official_area: plot.tbmj,
        };
        p.push(&plot.attributes, &mapped, &plot.geometry);
    }
    p.seal();
    p
}

/// Slope figures of a parcel of `area_m2` lying wholly in `grade` (0: no slope data).
pub(crate) fn slope(grade: u8, area_m2: f64) -> ParcelSlope {
    let mut share = [0.0; 5];
    if grade > 0 {
        share[grade as usize - 1] = 1.0;
    }
    slope_shares(grade, share, area_m2)
}

/// Slope figures with the grade shares and the (dominant) grade given.
pub(crate) fn slope_shares(grade: u8, share: [f64; 5], area_m2: f64) -> ParcelSlope {
    let mean = [1.0, 4.0, 10.0, 20.0, 30.0];
    let slope_mean = if grade == 0 { f64::NAN } else { share.iter().zip(mean).map(|(s, m)| s * m).sum() };
    ParcelSlope { area_m2, slope_mean, slope_min: slope_mean, slope_max: slope_mean, share, grade, nodata_share: if grade == 0 { 1.0 } else { 0.0 } }
}

/// The reforestation rule's flags of one parcel, set by hand.
pub(crate) fn flags(is_cropland: bool, reforest: bool) -> ParcelFlags {
    ParcelFlags { is_cropland, reforest, reason: String::new() }
}

/// The adjacency graph of `n` parcels with the shared boundaries (a, b, metres) given.
pub(crate) fn graph(n: usize, shared: &[(usize, usize, f64)]) -> Graph {
    let mut edges: Vec<Edge> = shared.iter().map(|&(a, b, m)| Edge { a: a.min(b), b: a.max(b), shared_m: m }).collect();
    edges.sort_by_key(|e| (e.a, e.b));
    Graph::from_edges(edges, n)
}
