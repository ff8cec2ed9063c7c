//! `reforestation_candidates` (退耕还林候选): cropland above the steepest grade break.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::settings::Rule;
use crate::table::{AttrValue, FieldKind::*};

pub struct ReforestationCandidates;

const FIELDS: &[Field] = &[
    Field::new("parcel_id", Text, "图斑标识码", ""),
    Field::coded("land_use", Text, "地类编码", "", Values::LandUse),
    Field::new("land_use_name", Text, "地类名称", ""),
    Field::new("village_code", Text, "坐落单位代码", ""),
    Field::new("village_name", Text, "坐落单位名称", ""),
    Field::new("owner_code", Text, "权属单位代码", ""),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_ha", Real, "面积", "公顷"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::new("slope_mean", Real, "平均坡度", "°"),
    Field::new("share_above_25", Real, "25°以上占比", ""),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::coded("grade_recorded", Int, "调查坡度级别", "", Values::Grade),
    Field::new("reason", Text, "入选理由", ""),
];

impl Layer for ReforestationCandidates {
    fn name(&self) -> &'static str {
        "reforestation_candidates"
    }

    fn title(&self) -> Title {
        Title {
            zh: "退耕还林候选",
            en: "reforestation candidates",
            description: "cropland above the steepest grade break",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = FIELDS.to_vec();
        fields.extend(super::constraint_fields(d, Rule::Reforestation));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.parcels.len()).filter(|&i| d.flags()[i].reforest).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let (p, s, f) = (d.parcels, &d.slope[i], &d.flags()[i]);
        out.extend([AttrValue::text(p.id(i)), AttrValue::text(p.land_use(i)), super::land_use_name(d, i)]);
        out.extend([p.village_code(i), p.village_name(i), p.owner_code(i)].map(AttrValue::text));
        out.extend(area_values(s.area_m2));
        out.push(AttrValue::real_or_null(s.slope_mean));
        out.push(AttrValue::Real(s.steep_share()));
        out.push(AttrValue::Int(s.grade as i64));
        out.push(super::recorded_grade(p, i));
        out.push(AttrValue::text(f.reason.as_str()));
        out.extend(super::constraint_values(d, Rule::Reforestation, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("123,50,148,235", "20,0,30,255", 0.35)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("reforestation", "reforestation candidates", "candidates"))
    }
}
