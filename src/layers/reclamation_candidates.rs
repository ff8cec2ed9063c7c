//! `reclamation_candidates` (增减挂钩拆旧图斑): homesteads of scattered settlements to
//! reclaim, with their cluster and direction (宜耕 / 宜林).

use crate::stages::reclamation::ReclamationPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{ChangeSpec, Field, Layer, RunData, Title};
use crate::table::{AttrValue, FieldKind::*};

pub struct ReclamationCandidates;

/// The parcel's own columns, after its id and cluster.
const COLUMNS: &[ParcelColumn] = &[LandUse, LandUseName, VillageCode, VillageName, AreaM2, AreaHa, AreaMu, Tbmj, Grade];

impl Layer for ReclamationCandidates {
    fn name(&self) -> &'static str {
        "reclamation_candidates"
    }

    fn title(&self) -> Title {
        Title { zh: "增减挂钩拆旧图斑", en: "reclamation candidates", description: "homesteads of scattered settlements to reclaim (宜耕/宜林)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.reclamation.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<ReclamationPlan>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = vec![Id.field(), Field::new("cluster_id", Int, "聚居点编号", "")];
        fields.extend(parcel_columns::fields(COLUMNS));
        fields.push(Field::new("direction", Text, "复垦方向", ""));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let plan = d.get::<ReclamationPlan>().map(|r| r.candidate.as_slice()).unwrap_or(&[]);
        (0..plan.len()).filter(|&i| plan[i]).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let plan = d.need::<ReclamationPlan>();
        let cluster = plan.cluster_of[i].map(|c| &plan.clusters[c]);
        out.extend([Id.value(d, i), AttrValue::opt_int(cluster.map(|c| c.id as i64))]);
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::text(cluster.map(|c| c.direction.name()).unwrap_or("")));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let fill = |rgba: &str| Fill::new(rgba, "84,39,143,255", 0.4);
        Some(Style::categorized(
            "direction",
            vec![
                ("宜耕".into(), lang.pick("宜耕（复垦为耕地）", "back to cropland (宜耕)").into(), fill("166,97,26,220")),
                ("宜林".into(), lang.pick("宜林（复垦为林地）", "to forest (宜林)").into(), fill("1,133,113,220")),
            ],
        ))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("reclamation", "reclamation candidates", "homesteads"))
    }
}
