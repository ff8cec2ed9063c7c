//! Per-village tables and the two charts, from `village_summary` (and the merge layers'
//! rows per village). Total rows are the sums of the rows as printed.

use std::collections::BTreeMap;

use super::Sources;
use crate::output::report::{Bar, Cell, Chart, Column, ReportTable, Row};
use crate::settings::Language;
use crate::stages::terrain::GRADE_COLOURS;

const GRADE_NAMES: [&str; 5] = ["一级", "二级", "三级", "四级", "五级"];
const CANDIDATE_COLOUR: &str = "#7b3294";

/// Where a column's values come from.
#[derive(Clone, Copy)]
enum Values {
    /// A field of the village's `village_summary` row.
    Field(&'static str),
    /// How many rows of a layer lie in the village (by its `village_code`).
    Rows(&'static str),
}

/// (key, (中文 label, English label), unit, decimals, values, the layer without which the
/// column is left out).
type KeyColumn = (&'static str, (&'static str, &'static str), &'static str, usize, Values, Option<&'static str>);

const KEY_COLUMNS: [KeyColumn; 10] = [
    ("parcels", ("图斑数", "parcels"), "个", 0, Values::Field("parcel_count"), None),
    ("cropland_count", ("耕地图斑", "cropland parcels"), "个", 0, Values::Field("cropland_count"), None),
    ("cropland_mu", ("耕地面积", "cropland"), "亩", 2, Values::Field("cropland_mu"), None),
    ("reforest_count", ("退耕还林候选", "reforestation candidates"), "个", 0, Values::Field("reforest_count"), None),
    ("reforest_mu", ("候选面积", "candidates' area"), "亩", 2, Values::Field("reforest_mu"), None),
    ("swap_out_mu", ("置换流出耕地", "swap: cropland out"), "亩", 2, Values::Field("swap_out_mu"), Some("swap_ledger")),
    ("swap_in_mu", ("置换补充耕地", "swap: cropland in"), "亩", 2, Values::Field("swap_in_mu"), Some("swap_ledger")),
    ("merge_plots", ("参与归并图斑", "plots in merge groups"), "个", 0, Values::Rows("merge_candidates"), None),
    ("merge_groups", ("归并组", "merge groups"), "个", 0, Values::Rows("merge_groups"), None),
    ("grade_mismatch", ("坡度级别不符", "recorded grade differs"), "个", 0, Values::Field("grade_mismatch_count"), None),
];

/// A column, its label and unit in `lang` (counts have no unit in English).
fn column(key: &str, label: &str, unit: &str, lang: Language) -> Column {
    let unit = match (lang, unit) {
        (Language::En, "亩") => "mu",
        (Language::En, "个") => "",
        (_, u) => u,
    };
    Column { key: key.into(), label: label.into(), unit: unit.into() }
}

/// A table with its total row (the sum of the rows as shown).
fn with_total(key: &str, title: &str, columns: Vec<Column>, rows: Vec<Row>, lang: Language) -> ReportTable {
    let mut table = ReportTable { key: key.into(), title: title.into(), columns, rows, total: None };
    table.total = Some(table.total_of_rows(lang.pick("合计", "total")));
    table
}

/// 各村主要指标: per village, counts and areas of every rule that ran.
pub fn key_figures_table(s: &Sources) -> ReportTable {
    let v = s.villages();
    let shown: Vec<&KeyColumn> = KEY_COLUMNS.iter().filter(|c| c.5.is_none_or(|l| s.layer(l).is_some())).collect();
    // Per-village row counts of the layers counted, once per layer.
    let per_village: BTreeMap<&str, BTreeMap<String, usize>> = shown
        .iter()
        .filter_map(|c| match c.4 {
            Values::Rows(layer) => Some((layer, s.layer(layer).map(|h| h.count_by("village_code")).unwrap_or_default())),
            Values::Field(_) => None,
        })
        .collect();
    let lang = s.lang;
    let mut columns = vec![column("village_name", lang.pick("村名称", "village"), "", lang), column("village_code", lang.pick("村代码", "code"), "", lang)];
    columns.extend(shown.iter().map(|c| column(c.0, lang.pick(c.1 .0, c.1 .1), c.2, lang)));
    let rows = v
        .detail_rows()
        .map(|r| {
            let code = v.text(r, "village_code");
            let mut cells = vec![Cell::Text(v.text(r, "village_name")), Cell::Text(code.clone())];
            cells.extend(shown.iter().map(|c| {
                let value = match c.4 {
                    Values::Field(field) => v.num(r, field),
                    Values::Rows(layer) => per_village[layer].get(&code).copied().unwrap_or(0) as f64,
                };
                Cell::Number { value, decimals: c.3 }
            }));
            Row { key: code, cells }
        })
        .collect();
    with_total("villages", lang.pick("各村主要指标", "key figures by village"), columns, rows, lang)
}

/// "一级（≤2°）" … "五级（>25°）" (or "grade 1 (≤2°)" …) from the run's grade breaks.
fn grade_labels(b: &[f64; 4], lang: Language) -> [String; 5] {
    if lang == Language::En {
        return [
            format!("grade 1 (≤{}°)", b[0]),
            format!("grade 2 ({}–{}°)", b[0], b[1]),
            format!("grade 3 ({}–{}°)", b[1], b[2]),
            format!("grade 4 ({}–{}°)", b[2], b[3]),
            format!("grade 5 (>{}°)", b[3]),
        ];
    }
    let n = GRADE_NAMES;
    [
        format!("{}（≤{}°）", n[0], b[0]),
        format!("{}（{}–{}°）", n[1], b[0], b[1]),
        format!("{}（{}–{}°）", n[2], b[1], b[2]),
        format!("{}（{}–{}°）", n[3], b[2], b[3]),
        format!("{}（>{}°）", n[4], b[3]),
    ]
}

/// 各村耕地坡度分级: cropland mu per village and grade.
pub fn grades_table(s: &Sources) -> ReportTable {
    let v = s.villages();
    let lang = s.lang;
    let mut columns = vec![column("village_name", lang.pick("村名称", "village"), "", lang)];
    for (g, label) in grade_labels(&s.breaks, lang).iter().enumerate() {
        columns.push(column(&format!("g{}", g + 1), label, "亩", lang));
    }
    let rows = v
        .detail_rows()
        .map(|r| {
            let mut cells = vec![Cell::Text(v.text(r, "village_name"))];
            cells.extend((1..=5).map(|g| Cell::Number { value: v.num(r, &format!("cropland_g{g}_mu")), decimals: 2 }));
            Row { key: v.text(r, "village_code"), cells }
        })
        .collect();
    with_total("grades", lang.pick("各村耕地坡度分级", "cropland by slope grade and village"), columns, rows, lang)
}

/// Cropland mu by grade (the total row of `village_summary`), in the grade raster's colours.
pub fn grades_chart(s: &Sources) -> Chart {
    let v = s.villages();
    let labels = grade_labels(&s.breaks, s.lang);
    let bars = GRADE_COLOURS
        .iter()
        .zip(labels)
        .map(|((g, [r, gr, b]), label)| Bar {
            key: format!("g{g}"),
            label,
            value: v.total(&format!("cropland_g{g}_mu")).unwrap_or(f64::NAN),
            colour: Some(format!("#{r:02x}{gr:02x}{b:02x}")),
        })
        .collect();
    let (title, unit) = (s.lang.pick("耕地坡度分级面积", "cropland by slope grade"), s.lang.pick("亩", "mu"));
    Chart { key: "grades".into(), title: title.into(), unit: unit.into(), decimals: 2, bars }
}

/// Reforestation candidates per village.
pub fn candidates_chart(s: &Sources) -> Chart {
    let v = s.villages();
    let bars = v
        .detail_rows()
        .map(|r| Bar {
            key: v.text(r, "village_code"),
            label: v.text(r, "village_name"),
            value: v.num(r, "reforest_count"),
            colour: Some(CANDIDATE_COLOUR.into()),
        })
        .collect();
    let (title, unit) = (s.lang.pick("各村退耕还林候选", "reforestation candidates by village"), s.lang.pick("个", ""));
    Chart { key: "candidates".into(), title: title.into(), unit: unit.into(), decimals: 0, bars }
}
