//! `consolidation_groups` (土地整理新增耕地): per merge group and in total, the 田坎 deduction
//! of its plots that stay cropland, the recovery assumed, the 田坎 recovered, the 田坎
//! parcels its outline takes in, and the new cropland; also `consolidation_groups.csv`.

use super::{Field, Layer, RunData, Title};
use crate::settings::Settings;
use crate::stages::consolidation::{Consolidation, GroupRow};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct ConsolidationGroups;

/// The sum of the group rows (id 0).
fn total(c: &Consolidation) -> GroupRow {
    let mut total = GroupRow { village_name: "合计".into(), ..Default::default() };
    for g in &c.groups {
        total.members += g.members;
        total.area_m2 += g.area_m2;
        total.deduction += g.deduction;
        total.recovered += g.recovered;
        total.tiankan_parcels += g.tiankan_parcels;
        total.tiankan += g.tiankan;
    }
    total
}

impl Layer for ConsolidationGroups {
    fn name(&self) -> &'static str {
        "consolidation_groups"
    }

    fn title(&self) -> Title {
        Title { zh: "土地整理新增耕地", en: "land consolidation: new cropland", description: "per merge group: 田坎 recovered and 田坎 parcels taken into the merged fields" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.consolidation.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Consolidation>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("level", Text, "层级", ""),
            Field::new("group_id", Int, "归并组号", ""),
            Field::new("village_code", Text, "坐落单位代码", ""),
            Field::new("village_name", Text, "坐落单位名称", ""),
            Field::new("members", Int, "归并图斑数", "个"),
            Field::new("area_m2", Real, "归并后面积", "m²"),
            Field::new("deduction_m2", Real, "田坎扣除面积", "m²"),
            Field::new("tiankan_recovery", Real, "田坎恢复系数", ""),
            Field::new("recovered_m2", Real, "田坎恢复耕地", "m²"),
            Field::new("tiankan_parcels", Int, "田坎图斑数", "个"),
            Field::new("tiankan_m2", Real, "田坎图斑面积", "m²"),
            Field::new("new_cropland_m2", Real, "新增耕地", "m²"),
            Field::new("new_cropland_mu", Real, "新增耕地", "亩"),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<Consolidation>().map_or(0, |c| c.groups.len() + 1)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let c = d.need::<Consolidation>();
        // Row k is group k; the last row their sum (built once, for that row alone).
        let sum;
        let (r, total) = match c.groups.get(k) {
            Some(g) => (g, false),
            None => {
                sum = total(c);
                (&sum, true)
            }
        };
        out.push(AttrValue::text(if total { "total" } else { "group" }));
        out.push(if total { AttrValue::Null } else { AttrValue::Int(r.id as i64) });
        out.extend([AttrValue::text(r.village_code.clone()), AttrValue::text(r.village_name.clone()), AttrValue::Int(r.members as i64)]);
        out.push(AttrValue::Real(round(r.area_m2, 2)));
        out.extend([AttrValue::Real(r.deduction as f64 / 100.0), AttrValue::Real(d.settings.consolidation.tiankan_recovery), AttrValue::Real(r.recovered as f64 / 100.0)]);
        out.extend([AttrValue::Int(r.tiankan_parcels as i64), AttrValue::Real(r.tiankan as f64 / 100.0)]);
        let new = r.new_cropland() as f64 / 100.0;
        out.extend([AttrValue::Real(new), AttrValue::Real(round(mu(new), 2))]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("consolidation_groups.csv".into())
    }
}
