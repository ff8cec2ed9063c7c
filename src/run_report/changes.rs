//! What changed since the previous run, one line per compared layer, in the figures of
//! the `changes_<label>` layers and of `changes_villages`' total row.

use crate::changes::{zh_title, ChangeKind, Changes, LayerChanges};
use crate::output::report::format_number;
use crate::settings::Language;
use crate::table::Table;

/// A signed figure: "+12", "-3.50", "+0".
fn signed(value: f64, decimals: usize) -> String {
    let text = format_number(value, decimals);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// "120 → 129（+9）", "695.82 → 327.25 亩（-368.57）" from the `<name>_old`, `_new` and
/// `_delta` columns of a row.
fn old_new(table: &Table, row: usize, name: &str, decimals: usize, unit: &str, lang: Language) -> String {
    let value = |side: &str| {
        let c = table.column(&format!("{name}_{side}"));
        c.and_then(|c| table.rows[row][c].as_f64()).unwrap_or(f64::NAN)
    };
    let (old, new, delta) = (format_number(value("old"), decimals), format_number(value("new"), decimals), signed(value("delta"), decimals));
    match lang {
        Language::Zh => format!("{old} → {new}{unit}（{delta}）"),
        Language::En => format!("{old} → {new}{unit} ({delta})"),
    }
}

fn line(l: &LayerChanges, table: &Table, total: usize, lang: Language) -> String {
    let n = |kind: ChangeKind| l.changes.iter().filter(|c| c.kind == kind).count();
    let spec = &l.spec;
    let (added, removed, changed) = (n(ChangeKind::Added), n(ChangeKind::Removed), n(ChangeKind::Changed));
    let rows = old_new(table, total, spec.count_label, 0, "", lang);
    let mut text = match lang {
        Language::Zh => format!("{}：新增 {added}、移除 {removed}、变化 {changed}；{} {rows}", zh_title(spec), spec.noun_zh),
        Language::En => format!("{}: {added} added, {removed} removed, {changed} changed; {} {rows}", spec.title, spec.noun),
    };
    if spec.village_mu {
        let unit = lang.pick(" 亩", " mu");
        text.push_str(&format!("{}{}", lang.pick("，面积 ", ", area "), old_new(table, total, &format!("{}_mu", spec.count_label), 2, unit, lang)));
    }
    if let Some((_, groups)) = spec.group {
        text.push_str(&format!("{}{}", lang.pick("，归并组 ", ", groups "), old_new(table, total, groups, 0, "", lang)));
    }
    text
}

/// One line per compared layer, then the number of villages whose figures changed.
pub fn lines(changes: &Changes, lang: Language) -> Vec<String> {
    let table = changes.village_table();
    // The total row comes last (changes_villages' row with an empty village code).
    let Some(total) = table.rows.len().checked_sub(1) else { return Vec::new() };
    let mut out: Vec<String> = changes.layers.iter().map(|l| line(l, &table, total, lang)).collect();
    out.push(match lang {
        Language::Zh => format!("有变化的村：{} 个", changes.villages.len()),
        Language::En => format!("villages with changes: {}", changes.villages.len()),
    });
    out
}
