//! `swap_out` (耕地流出): cropland leaving steep land for forest, balanced by `swap_in`.

use crate::stages::swap::SwapPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::stages::swap::SwapRole;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct SwapOut;

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
    Field::new("tbmj_m2", Real, "图斑面积(TBMJ)", "m²"),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("slope_mean", Real, "平均坡度", "°"),
];

impl Layer for SwapOut {
    fn name(&self) -> &'static str {
        "swap_out"
    }

    fn title(&self) -> Title {
        Title { zh: "林耕置换·耕地流出", en: "swap: cropland out", description: "steep cropland leaving for forest (进出平衡: out)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.swap.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<SwapPlan>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let roles = d.get::<SwapPlan>().map(|s| s.roles.as_slice()).unwrap_or(&[]);
        (0..roles.len()).filter(|&i| roles[i] == SwapRole::Out).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let (p, s) = (d.parcels, &d.slope[i]);
        out.extend([AttrValue::text(p.id(i)), AttrValue::text(p.land_use(i)), super::land_use_name(d, i)]);
        out.extend([p.village_code(i), p.village_name(i), p.owner_code(i)].map(AttrValue::text));
        out.extend(area_values(s.area_m2));
        out.push(p.official_area(i).map(|v| AttrValue::Real(round(v, 2))).unwrap_or(AttrValue::Null));
        out.push(AttrValue::Int(s.grade as i64));
        out.push(AttrValue::real_or_null(s.slope_mean));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("215,48,39,190", "103,0,13,255", 0.4)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("swap_out", "swap: cropland out", "parcels"))
    }
}
