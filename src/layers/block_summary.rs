//! `block_summary` (集中连片统计): per village and in total, the cropland now and planned,
//! the blocks of each tier a village holds (a block counts where most of its area lies)
//! and the share of its cropland in blocks of 百亩方 and up.

use super::{Field, Layer, RunData, Title};
use crate::settings::Settings;
use crate::stages::blocks::BlockRow;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct BlockSummary;

impl Layer for BlockSummary {
    fn name(&self) -> &'static str {
        "block_summary"
    }

    fn title(&self) -> Title {
        Title { zh: "集中连片统计", en: "contiguous blocks by village", description: "cropland blocks by tier per village, now and planned" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.blocks.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Vec<BlockRow>>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![Field::new("village_code", Text, "坐落单位代码", ""), Field::new("village_name", Text, "坐落单位名称", "")];
        for (state, zh) in [("current", "现状"), ("planned", "规划")] {
            let owned = |name: &str, kind, alias: String, unit| Field::owned(format!("{name}_{state}"), kind, alias, unit).grouped(zh);
            f.push(owned("cropland_mu", Real, format!("{zh}耕地面积"), "亩"));
            for (t, tier) in [("100", "百亩方"), ("1000", "千亩方"), ("10000", "万亩方")] {
                f.push(owned(&format!("blocks_{t}"), Int, format!("{zh}{tier}及以上"), "个"));
            }
            f.push(owned("share_100", Real, format!("{zh}百亩方以上耕地占比"), "%"));
        }
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<BlockRow>().map_or(0, |r| r.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<BlockRow>>()[k];
        out.extend([AttrValue::text(r.village_code.clone()), AttrValue::text(r.village_name.clone())]);
        for s in 0..2 {
            out.push(AttrValue::Real(round(mu(r.cropland_m2[s]), 2)));
            out.extend((0..3).map(|t| AttrValue::Int(r.blocks[t][s] as i64)));
            out.push(AttrValue::Real(round(r.share_percent(s), 2)));
        }
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("block_summary.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("集中连片统计")
    }
}
