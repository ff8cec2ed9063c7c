//! `parcels`: every input parcel with its original attributes and the computed figures.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::FieldMap;
use crate::stages::land_use::LandUseClasses;
use crate::stages::rule;
use crate::stages::terrain::{grade_label, GRADE_COLOURS};
use crate::table::{AttrValue, FieldKind::*};

pub struct Parcels;

/// Columns appended to every parcel's original attributes (then those of each rule).
const COMPUTED: &[Field] = &[
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("slope_mean", Real, "平均坡度", "°"),
    Field::new("slope_min", Real, "最小坡度", "°"),
    Field::new("slope_max", Real, "最大坡度", "°"),
    Field::new("share_g1", Real, "一级坡度占比", ""),
    Field::new("share_g2", Real, "二级坡度占比", ""),
    Field::new("share_g3", Real, "三级坡度占比", ""),
    Field::new("share_g4", Real, "四级坡度占比", ""),
    Field::new("share_g5", Real, "五级坡度占比", ""),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("nodata_share", Real, "无高程数据占比", ""),
    Field::coded("grade_recorded", Int, "调查坡度级别", "", Values::Grade),
    Field::coded("grade_mismatch", Int, "坡度级别不符", "", Values::YesNo),
];

/// The planning land-use class now and after the plan (用地结构调整表's classes), and the
/// kind of plan that changes it (read back by a later run's plan progress, `--baseline`).
const CLASS_FIELDS: &[Field] = &[
    Field::coded("class_current", Text, "现状用地分类", "", Values::Codes(&CLASS_CODES)),
    Field::coded("class_planned", Text, "规划用地分类", "", Values::Codes(&CLASS_CODES)),
    Field::coded("plan_rule", Text, "规划措施", "", Values::Codes(rule::PLAN_KINDS)),
];

/// The planning classes as a value map: (key, 中文, English).
pub const CLASS_CODES: [(&str, &str, &str); 12] = {
    let c = &crate::settings::LAND_USE_CLASSES;
    let mut out = [("", "", ""); 12];
    let mut k = 0;
    while k < 12 {
        out[k] = (c[k].0, c[k].1, c[k].2);
        k += 1;
    }
    out
};

/// The style of the parcels by their planning class `field` (class_current or
/// class_planned): one fill per class, labelled in the run's language.
pub fn class_style(field: &str, lang: crate::settings::Language) -> Style {
    let cats = crate::settings::LAND_USE_CLASSES
        .iter()
        .map(|(key, zh, en, [r, g, b])| (key.to_string(), lang.pick(zh, en).to_string(), Fill::new(&format!("{r},{g},{b},255"), "110,110,110,255", 0.06)))
        .collect();
    Style::categorized(field, cats)
}

/// Chinese names of the 三调 DLTB columns, for the input attributes.
fn dltb_alias(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_uppercase().as_str() {
        "BSM" => "标识码",
        "YSDM" => "要素代码",
        "TBYBH" => "图斑预编号",
        "TBBH" => "图斑编号",
        "DLBM" => "地类编码",
        "DLMC" => "地类名称",
        "QSXZ" => "权属性质",
        "QSDWDM" => "权属单位代码",
        "QSDWMC" => "权属单位名称",
        "ZLDWDM" => "坐落单位代码",
        "ZLDWMC" => "坐落单位名称",
        "TBMJ" => "图斑面积",
        "KCDLBM" => "扣除地类编码",
        "KCXS" => "扣除地类系数",
        "KCMJ" => "扣除地类面积",
        "TBDLMJ" => "图斑地类面积",
        "GDLX" => "耕地类型",
        "GDPDJB" => "耕地坡度级别",
        "XZDWKD" => "线状地物宽度",
        "TBXHDM" => "图斑细化代码",
        "TBXHMC" => "图斑细化名称",
        "ZZSXDM" => "种植属性代码",
        "ZZSXMC" => "种植属性名称",
        "GDDB" => "耕地等别",
        "FRDBS" => "飞入地标识",
        "CZCSXM" => "城镇村属性码",
        "SJNF" => "数据年份",
        "BZ" => "备注",
        _ => return None,
    })
}

/// The value map of a survey column the field map names: its land-use code, recorded
/// grade or terrace type.
fn input_values(name: &str, map: &FieldMap) -> Option<Values> {
    let is = |mapped: &str| !mapped.is_empty() && name.eq_ignore_ascii_case(mapped);
    match () {
        _ if is(&map.land_use) => Some(Values::LandUse),
        _ if is(&map.recorded_grade) => Some(Values::Grade),
        _ if is(&map.terrace_type) => Some(Values::TerraceType),
        _ => None,
    }
}

impl Layer for Parcels {
    fn name(&self) -> &'static str {
        "parcels"
    }

    fn title(&self) -> Title {
        Title {
            zh: "地类图斑（坡度）",
            en: "parcels",
            description: "parcels by computed slope grade",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    /// Once every enabled rule has decided (each adds its columns) and the land-use
    /// classes after the plan are known.
    fn ready(&self, d: &RunData) -> bool {
        rule::enabled(d.settings).all(|r| r.decided(d)) && d.has::<LandUseClasses>()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut computed = COMPUTED.to_vec();
        computed.extend(rule::enabled(d.settings).flat_map(|r| r.parcel_fields(d)));
        computed.extend(CLASS_FIELDS.iter().cloned());
        let mut fields: Vec<Field> = d
            .parcels
            .fields
            .iter()
            .map(|f| {
                let alias = dltb_alias(&f.name).map(str::to_string).unwrap_or_else(|| f.name.clone());
                // An input column with a computed column's name keeps its values under "<name>_in".
                let clashes = computed.iter().any(|c| c.name.eq_ignore_ascii_case(&f.name));
                let name = if clashes { format!("{}_in", f.name) } else { f.name.clone() };
                let field = Field::owned(name, f.kind, alias, "");
                match input_values(&f.name, &d.settings.fields) {
                    Some(values) => field.shown_as(values),
                    None => field,
                }
            })
            .collect();
        fields.extend(computed);
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.parcels.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let p = d.parcels;
        out.extend((0..p.fields.len()).map(|c| p.attribute(i, c)));
        let s = &d.slope[i];
        out.push(AttrValue::Real(s.area_m2));
        out.extend([s.slope_mean, s.slope_min, s.slope_max].map(AttrValue::real_or_null));
        out.extend(s.share.map(|v| if s.grade == 0 { AttrValue::Null } else { AttrValue::Real(v) }));
        out.push(AttrValue::Int(s.grade as i64));
        out.push(AttrValue::Real(s.nodata_share));
        out.push(super::recorded_grade(p, i));
        let mismatch = p.recorded_grade(i).map(|g| s.grade != 0 && g != s.grade);
        out.push(AttrValue::opt_int(mismatch.map(i64::from)));
        for r in rule::enabled(d.settings) {
            r.parcel_values(d, i, out);
        }
        let classes = d.need::<LandUseClasses>();
        for c in [classes.current[i], classes.planned[i]] {
            out.push(AttrValue::text(CLASS_CODES[c as usize].0));
        }
        // A plan that leaves the class as it is changes nothing a later survey could show.
        let changes = classes.current[i] != classes.planned[i];
        out.push(d.plan_kind(i).filter(|_| changes).map_or(AttrValue::Null, AttrValue::text));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let outline = "90,90,90,255";
        let (breaks, lang) = (&d.settings.terrain.grade_breaks, d.settings.output.language);
        let class = |code: u8, rgba: &str| (code.to_string(), grade_label(code, breaks, lang), Fill::new(rgba, outline, 0.06));
        let mut cats: Vec<(String, String, Fill)> =
            GRADE_COLOURS.iter().map(|(code, [r, g, b])| class(*code, &format!("{r},{g},{b},200"))).collect();
        cats.push(class(0, "200,200,200,200"));
        Some(Style::categorized("grade", cats))
    }
}
