//! `merge_groups`: the proposed merged fields, dissolved.

use crate::stages::merge::MergeData;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, Field, Layer, RunData, Title, Values};
use crate::stages::merge::shape::shape_index;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct MergeGroups;

const FIELDS: &[Field] = &[
    Field::new("group_id", Int, "归并组号", ""),
    Field::new("member_count", Int, "地块数", "个"),
    Field::new("member_ids", Text, "地块标识码", ""),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_ha", Real, "面积", "公顷"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::new("slope_mean", Real, "平均坡度", "°"),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("village_code", Text, "坐落单位代码", ""),
    Field::new("village_name", Text, "坐落单位名称", ""),
    Field::new("owner_code", Text, "权属单位代码", ""),
    Field::new("mean_plot_m2", Real, "平均地块面积", "m²"),
    Field::new("gain_ratio", Real, "面积增大倍数", ""),
    Field::new("shape_index", Real, "形状指数", ""),
];

impl Layer for MergeGroups {
    fn name(&self) -> &'static str {
        "merge_groups"
    }

    fn title(&self) -> Title {
        Title {
            zh: "小田并大田归并后地块",
            en: "merged fields",
            description: "proposed merged fields",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<MergeData>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<MergeData>().map(|m| m.groups.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let merge = d.need::<MergeData>();
        let (g, p) = (&merge.groups[k], d.parcels);
        let seed = g.members[0];
        let ids: Vec<&str> = g.members.iter().map(|&m| p.id(m)).collect();
        // How many times larger the merged field is than its largest plot today.
        let largest = g.members.iter().map(|&m| d.slope[m].area_m2).fold(0.0, f64::max);
        out.push(AttrValue::Int(g.id as i64));
        out.push(AttrValue::Int(g.members.len() as i64));
        out.push(AttrValue::text(ids.join(",")));
        out.extend(area_values(g.area_m2));
        out.push(AttrValue::real_or_null(g.slope_mean));
        out.push(AttrValue::Int(g.grade as i64));
        out.extend([p.village_code(seed), p.village_name(seed), p.owner_code(seed)].map(AttrValue::text));
        out.push(AttrValue::Real(round(g.mean_member_m2(), 2)));
        out.push(AttrValue::Real(round(g.area_m2 / largest.max(1e-9), 4)));
        out.push(AttrValue::Real(shape_index(g.perimeter_m, g.area_m2)));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        d.get::<MergeData>().map(|m| Cow::Borrowed(&m.groups[k].geometry))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("69,117,180,60", "8,48,107,255", 0.6)))
    }
}
