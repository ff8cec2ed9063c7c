//! `landuse_changes` (地类变化图斑): the pieces of the overlay of the previous survey
//! and this one whose land-use class changed — old code, new code, area.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::transitions::Transitions;
use crate::table::{AttrValue, FieldKind::*};

pub struct LanduseChanges;

/// The 三调 一级类 (the matrix's classes, `stages::transitions::class_of`) and "" for
/// land the other survey does not cover: (stored value, 中文, English).
pub const CLASSES: &[(&str, &str, &str)] = &[
    ("00", "湿地", "wetland"),
    ("01", "耕地", "cropland"),
    ("02", "种植园用地", "plantation"),
    ("03", "林地", "forest"),
    ("04", "草地", "grassland"),
    ("05", "商业服务业用地", "commercial"),
    ("06", "工矿用地", "industrial and mining"),
    ("07", "住宅用地", "residential"),
    ("08", "公共管理与公共服务用地", "public services"),
    ("09", "特殊用地", "special use"),
    ("10", "交通运输用地", "transport"),
    ("11", "水域及水利设施用地", "water"),
    ("12", "其他土地", "other land"),
    ("", "未覆盖", "not covered"),
];

impl Layer for LanduseChanges {
    fn name(&self) -> &'static str {
        "landuse_changes"
    }

    fn title(&self) -> Title {
        Title { zh: "地类变化图斑", en: "land-use changes", description: "pieces of the previous and this survey's overlay whose land-use class changed" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.inputs.previous_parcels.is_some()
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Transitions>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("old_id", Text, "上期标识码", ""),
            Field::new("new_id", Text, "本期标识码", ""),
            Field::coded("land_use_old", Text, "上期地类编码", "", Values::LandUse),
            Field::coded("land_use_new", Text, "本期地类编码", "", Values::LandUse),
            Field::coded("class_old", Text, "上期一级类", "", Values::Codes(CLASSES)),
            Field::coded("class_new", Text, "本期一级类", "", Values::Codes(CLASSES)),
            Field::new("village_code", Text, "坐落单位代码", ""),
            Field::new("village_name", Text, "坐落单位名称", ""),
            Field::new("area_m2", Real, "面积", "m²"),
            Field::new("area_ha", Real, "面积", "公顷"),
            Field::new("area_mu", Real, "面积", "亩"),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.need::<Transitions>().changes.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        use crate::stages::transitions::class_of;
        let p = &d.need::<Transitions>().changes[k];
        out.extend([&p.old_id, &p.new_id, &p.old_code, &p.new_code].map(|s| AttrValue::text(s.as_str())));
        out.extend([class_of(&p.old_code), class_of(&p.new_code)].map(AttrValue::text));
        out.extend([&p.village_code, &p.village_name].map(|s| AttrValue::text(s.as_str())));
        out.extend(area_values(crate::stages::transitions::m2(p.cm2)));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Borrowed(&d.need::<Transitions>().changes[k].geometry))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("230,85,13,200", "80,30,0,255", 0.3)))
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        None
    }
}
