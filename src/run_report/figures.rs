//! The key figure cards, each read from one place in the results: a field of a layer's
//! total row, or a layer's row count. Cards of rules that did not run are left out.

use super::Sources;
use crate::output::report::Figure;
use crate::stages::rule::{self, Card, CardSource as Source};

/// The run's own cards before the rules' (the land and its cropland).
const FIRST: [Card; 4] = [
    ("parcels", "图斑总数", "parcels", "个", 0, Source::Total("village_summary", "parcel_count")),
    ("cropland_count", "耕地图斑", "cropland parcels", "个", 0, Source::Total("village_summary", "cropland_count")),
    ("cropland_mu", "耕地面积", "cropland", "亩", 2, Source::Total("village_summary", "cropland_mu")),
    ("steep_cropland_mu", "坡度>{steep}°耕地", "cropland above {steep}°", "亩", 2, Source::Total("village_summary", "cropland_g5_mu")),
];

/// The run's own cards after the rules' (data quality, then the planning balance).
const LAST: [Card; 6] = [
    ("grade_mismatch", "坡度级别与调查不符", "recorded grade differs", "个", 0, Source::Total("village_summary", "grade_mismatch_count")),
    ("overlaps", "重叠图斑对", "overlapping parcel pairs", "对", 0, Source::Rows("topology_issues")),
    ("new_cropland_mu", "新增耕地", "new cropland: net", "亩", 2, Source::Total("new_cropland_ledger", "net_mu")),
    ("new_share_pct", "新增耕地率", "new cropland share", "%", 2, Source::Checked("new_cropland_ledger", "new_share_pct", "pass")),
    ("cropland_current_mu", "耕地保有量（现状）", "cropland to keep: current", "亩", 2, Source::Total("indicators", "cropland_current_mu")),
    ("cropland_planned_mu", "耕地保有量（规划）", "cropland to keep: planned", "亩", 2, Source::Total("indicators", "cropland_planned_mu")),
];

/// A card's unit in the report's language (counts have none in English).
fn unit_in(unit: &'static str, lang: crate::settings::Language) -> &'static str {
    match (lang, unit) {
        (crate::settings::Language::Zh, u) => u,
        (_, "亩") => "mu",
        (_, "个") => "",
        (_, "对") => "pairs",
        (_, u) => u,
    }
}

/// Every card: the run's first, each rule's in the order of the rule registry, the run's last.
fn cards() -> impl Iterator<Item = &'static Card> {
    FIRST.iter().chain(rule::registry().iter().flat_map(|r| r.cards().iter())).chain(LAST.iter())
}

/// Where every card reads its value.
pub fn sources() -> impl Iterator<Item = Source> {
    cards().map(|c| c.5)
}

/// The cards whose source this run wrote: the run's first, each rule's in the order of
/// the rule registry, the run's last.
pub fn figures(s: &Sources) -> Vec<Figure> {
    let steep = s.breaks[3].to_string();
    cards()
        .filter_map(|&(key, label, label_en, unit, decimals, source)| {
            let (value, pass) = match source {
                Source::Total(layer, field) => (s.layer(layer)?.total(field)?, None),
                Source::Rows(layer) => (s.rows(layer)? as f64, None),
                Source::Checked(layer, field, pass) => {
                    let held = s.layer(layer)?;
                    (held.total(field)?, held.total(pass).filter(|p| !p.is_nan()).map(|p| p != 0.0))
                }
            };
            Some(Figure {
                key: key.into(),
                label: label.replace("{steep}", &steep),
                label_en: label_en.replace("{steep}", &steep),
                value,
                unit: unit_in(unit, s.lang).into(),
                decimals,
                pass,
            })
        })
        .collect()
}
