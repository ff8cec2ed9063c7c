//! The key figure cards, each read from one place in the results: a field of a layer's
//! total row, or a layer's row count. Cards of rules that did not run are left out.

use super::Sources;
use crate::output::report::Figure;

/// Where a card's value comes from.
#[derive(Clone, Copy)]
enum Source {
    /// A field of a layer's total row.
    Total(&'static str, &'static str),
    /// How many rows a layer has.
    Rows(&'static str),
}

/// (key, 中文 label, English label, unit, decimals, source). `{steep}` in a label is the
/// upper bound of grade 4 (25° unless terrain.grade_breaks says otherwise).
type Card = (&'static str, &'static str, &'static str, &'static str, usize, Source);

const CARDS: [Card; 17] = [
    ("parcels", "图斑总数", "parcels", "个", 0, Source::Total("village_summary", "parcel_count")),
    ("cropland_count", "耕地图斑", "cropland parcels", "个", 0, Source::Total("village_summary", "cropland_count")),
    ("cropland_mu", "耕地面积", "cropland", "亩", 2, Source::Total("village_summary", "cropland_mu")),
    ("steep_cropland_mu", "坡度>{steep}°耕地", "cropland above {steep}°", "亩", 2, Source::Total("village_summary", "cropland_g5_mu")),
    ("reforest_count", "退耕还林候选", "reforestation candidates", "个", 0, Source::Total("village_summary", "reforest_count")),
    ("reforest_mu", "退耕还林候选面积", "reforestation area", "亩", 2, Source::Total("village_summary", "reforest_mu")),
    ("merge_groups", "小田并大田归并组", "merge groups", "个", 0, Source::Rows("merge_groups")),
    ("merge_plots", "参与归并图斑", "plots in merge groups", "个", 0, Source::Rows("merge_candidates")),
    ("grade_mismatch", "坡度级别与调查不符", "recorded grade differs", "个", 0, Source::Total("village_summary", "grade_mismatch_count")),
    ("overlaps", "重叠图斑对", "overlapping parcel pairs", "对", 0, Source::Rows("topology_issues")),
    ("swap_out_mu", "置换流出耕地（进出平衡·出）", "swap: cropland out", "亩", 2, Source::Total("swap_ledger", "out_mu")),
    ("swap_in_mu", "置换补充耕地（进出平衡·进）", "swap: cropland in", "亩", 2, Source::Total("swap_ledger", "in_mu")),
    ("demolish_mu", "增减挂钩拆旧面积", "linkage: reclaimed", "亩", 2, Source::Total("linkage_ledger", "demolish_mu")),
    ("rebuild_mu", "建新预留面积", "linkage: reserved for building", "亩", 2, Source::Total("linkage_ledger", "rebuild_mu")),
    ("surplus_mu", "节余指标", "linkage: surplus quota", "亩", 2, Source::Total("linkage_ledger", "surplus_mu")),
    ("cropland_current_mu", "耕地保有量（现状）", "cropland to keep: current", "亩", 2, Source::Total("indicators", "cropland_current_mu")),
    ("cropland_planned_mu", "耕地保有量（规划）", "cropland to keep: planned", "亩", 2, Source::Total("indicators", "cropland_planned_mu")),
];

/// The cards whose source this run wrote.
pub fn figures(s: &Sources) -> Vec<Figure> {
    let steep = s.breaks[3].to_string();
    CARDS
        .iter()
        .filter_map(|&(key, label, label_en, unit, decimals, source)| {
            let value = match source {
                Source::Total(layer, field) => s.layer(layer)?.total(field)?,
                Source::Rows(layer) => s.rows(layer)? as f64,
            };
            Some(Figure {
                key: key.into(),
                label: label.replace("{steep}", &steep),
                label_en: label_en.replace("{steep}", &steep),
                value,
                unit: unit.into(),
                decimals,
            })
        })
        .collect()
}
