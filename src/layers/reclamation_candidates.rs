//! `reclamation_candidates` (增减挂钩拆旧图斑): homesteads of scattered settlements to
//! reclaim, with their cluster and direction (宜耕 / 宜林).

use crate::stages::reclamation::ReclamationPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct ReclamationCandidates;

const FIELDS: &[Field] = &[
    Field::new("parcel_id", Text, "图斑标识码", ""),
    Field::new("cluster_id", Int, "聚居点编号", ""),
    Field::coded("land_use", Text, "地类编码", "", Values::LandUse),
    Field::new("land_use_name", Text, "地类名称", ""),
    Field::new("village_code", Text, "坐落单位代码", ""),
    Field::new("village_name", Text, "坐落单位名称", ""),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_ha", Real, "面积", "公顷"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::new("tbmj_m2", Real, "图斑面积(TBMJ)", "m²"),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("direction", Text, "复垦方向", ""),
];

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
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let plan = d.get::<ReclamationPlan>().map(|r| r.candidate.as_slice()).unwrap_or(&[]);
        (0..plan.len()).filter(|&i| plan[i]).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let Some(plan) = d.get::<ReclamationPlan>() else { return };
        let (p, s) = (d.parcels, &d.slope[i]);
        let cluster = plan.cluster_of[i].map(|c| &plan.clusters[c]);
        out.push(AttrValue::text(p.id(i)));
        out.push(AttrValue::opt_int(cluster.map(|c| c.id as i64)));
        out.extend([AttrValue::text(p.land_use(i)), super::land_use_name(d, i)]);
        out.extend([p.village_code(i), p.village_name(i)].map(AttrValue::text));
        out.extend(area_values(s.area_m2));
        out.push(p.official_area(i).map(|v| AttrValue::Real(round(v, 2))).unwrap_or(AttrValue::Null));
        out.push(AttrValue::Int(s.grade as i64));
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
