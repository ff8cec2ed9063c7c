//! `cropland_blocks` (集中连片地块): the contiguous cropland blocks of 百亩方 and up, now and
//! as planned, each with its tier, area, parcels, the share of its area inside permanent
//! basic farmland (after the plan's adjustment, for the planned blocks), and the villages
//! it spans.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{area_values, Field, Layer, RunData, Title, Values};
use crate::stages::blocks::{BlockShapes, Blocks, STATES, TIERS};
use crate::settings::Role;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct CroplandBlocks;

/// The states' names.
const STATE_NAMES: &[(&str, &str, &str)] = &[("current", "现状", "now"), ("planned", "规划", "planned")];

const FIELDS: &[Field] = &[
    Field::coded("state", Text, "状态", "", Values::Codes(STATE_NAMES)),
    Field::new("block_id", Int, "连片编号", ""),
    Field::coded("tier", Int, "连片规模", "", Values::Codes(TIERS)),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_ha", Real, "面积", "公顷"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::new("parcels", Int, "图斑数", "个"),
    Field::new("pbf_share", Real, "永久基本农田占比", ""),
    Field::new("villages", Text, "涉及村", ""),
];

/// The blocks of tier 1 and up, current then planned, each as an item `2 × index + state`
/// (so a row finds its block without listing them all again).
fn items_of(d: &RunData) -> Vec<usize> {
    let Some(b) = d.get::<Blocks>() else { return Vec::new() };
    (0..2).flat_map(|s| b.state(s).blocks.iter().enumerate().filter(|(_, x)| x.tier > 0).map(move |(k, _)| 2 * k + s)).collect()
}

/// (state, block index) of an item.
fn key(item: usize) -> (usize, usize) {
    (item % 2, item / 2)
}

impl Layer for CroplandBlocks {
    fn name(&self) -> &'static str {
        "cropland_blocks"
    }

    fn title(&self) -> Title {
        Title { zh: "集中连片耕地", en: "contiguous cropland blocks", description: "cropland blocks of 100 mu and more, now and planned (百亩方/千亩方/万亩方)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.blocks.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<BlockShapes>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        items_of(d)
    }

    fn row<'a>(&self, d: &RunData<'a>, item: usize, out: &mut Vec<AttrValue<'a>>) {
        let (s, k) = key(item);
        let b = &d.need::<Blocks>().state(s).blocks[k];
        // The plan may move parcels in and out of basic farmland (the farmland rule).
        let share = |i: usize| match s {
            1 => d.planned_share(Role::BasicFarmland, i).unwrap_or_else(|| d.role_share(Role::BasicFarmland, i)),
            _ => d.role_share(Role::BasicFarmland, i),
        };
        let in_pbf: f64 = b.members.iter().map(|&i| share(i) * d.slope[i].area_m2).sum();
        let mut villages: Vec<(&str, &str)> = b.members.iter().map(|&i| (d.parcels.village_code(i), d.parcels.village_name(i))).collect();
        villages.sort_unstable();
        villages.dedup();
        out.extend([AttrValue::text(STATES[s]), AttrValue::Int(b.id as i64), AttrValue::Int(b.tier as i64)]);
        out.extend(area_values(b.area_m2));
        out.push(AttrValue::Int(b.members.len() as i64));
        out.push(AttrValue::Real(round(if b.area_m2 > 0.0 { in_pbf / b.area_m2 } else { 0.0 }, 4)));
        out.push(AttrValue::text(villages.iter().map(|v| v.1).collect::<Vec<_>>().join("、")));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, item: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        d.get::<BlockShapes>().and_then(|s| s.0.get(&key(item))).map(Cow::Borrowed)
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let fill = |rgba: &str| Fill::new(rgba, "0,90,50,255", 0.5);
        Some(Style::categorized(
            "tier",
            vec![
                ("1".into(), lang.pick("百亩方", "100 mu").into(), fill("199,233,192,150")),
                ("2".into(), lang.pick("千亩方", "1 000 mu").into(), fill("116,196,118,170")),
                ("3".into(), lang.pick("万亩方", "10 000 mu").into(), fill("35,139,69,190")),
            ],
        ))
    }
}
