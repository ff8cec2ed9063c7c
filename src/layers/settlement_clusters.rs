//! `settlement_clusters` (农村居民点聚类): every cluster of homesteads, scattered or not,
//! with its size, grade and direction.

use crate::stages::reclamation::ReclamationPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, Field, Layer, RunData, Title, Values};
use crate::table::{AttrValue, FieldKind::*};

pub struct SettlementClusters;

const FIELDS: &[Field] = &[
    Field::new("cluster_id", Int, "聚居点编号", ""),
    Field::new("member_count", Int, "图斑数", ""),
    Field::new("member_ids", Text, "图斑标识码", ""),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_ha", Real, "面积", "公顷"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::coded("scattered", Text, "零散聚居点", "", Values::YesNoText),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("direction", Text, "复垦方向", ""),
    Field::new("village_code", Text, "坐落单位代码", ""),
    Field::new("village_name", Text, "坐落单位名称", ""),
];

impl Layer for SettlementClusters {
    fn name(&self) -> &'static str {
        "settlement_clusters"
    }

    fn title(&self) -> Title {
        Title { zh: "农村居民点聚类", en: "settlement clusters", description: "homestead clusters; scattered ones are reclaimed" }
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
        (0..d.get::<ReclamationPlan>().map(|r| r.clusters.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let c = &d.need::<ReclamationPlan>().clusters[k];
        let p = d.parcels;
        let largest = c.members.iter().copied().max_by(|a, b| d.slope[*a].area_m2.total_cmp(&d.slope[*b].area_m2).then(b.cmp(a))).unwrap_or(c.members[0]);
        let ids: Vec<&str> = c.members.iter().map(|&m| p.id(m)).collect();
        out.push(AttrValue::Int(c.id as i64));
        out.push(AttrValue::Int(c.members.len() as i64));
        out.push(AttrValue::text(ids.join(",")));
        out.extend(area_values(c.area_m2));
        out.push(AttrValue::text(if c.scattered { "yes" } else { "no" }));
        out.push(AttrValue::Int(c.grade as i64));
        out.push(AttrValue::text(c.direction.name()));
        out.extend([p.village_code(largest), p.village_name(largest)].map(AttrValue::text));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        d.get::<ReclamationPlan>().map(|r| Cow::Borrowed(&r.clusters[k].geometry))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let fill = |rgba: &str| Fill::new(rgba, "60,60,60,255", 0.3);
        Some(Style::categorized(
            "scattered",
            vec![
                ("yes".into(), lang.pick("零散聚居点（拆旧）", "scattered: reclaimed").into(), fill("231,138,195,200")),
                ("no".into(), lang.pick("集中居民点（保留）", "kept").into(), fill("190,190,190,140")),
            ],
        ))
    }
}
