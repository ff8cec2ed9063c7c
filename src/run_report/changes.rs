//! What changed since the previous run, one line per compared layer, in the figures of
//! the `changes_<label>` layers and of `changes_villages`' total row.

use crate::changes::{zh_title, ChangeKind, Changes, LayerChanges};
use crate::output::report::format_number;
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
fn old_new(table: &Table, row: usize, name: &str, decimals: usize, unit: &str) -> String {
    let value = |side: &str| {
        let c = table.column(&format!("{name}_{side}"));
        c.and_then(|c| table.rows[row][c].as_f64()).unwrap_or(f64::NAN)
    };
    format!(
        "{} → {}{unit}（{}）",
        format_number(value("old"), decimals),
        format_number(value("new"), decimals),
        signed(value("delta"), decimals)
    )
}

fn line(l: &LayerChanges, table: &Table, total: usize) -> String {
    let n = |kind: ChangeKind| l.changes.iter().filter(|c| c.kind == kind).count();
    let spec = &l.spec;
    let mut text = format!(
        "{}：新增 {}、移除 {}、变化 {}；图斑 {}",
        zh_title(&l.spec),
        n(ChangeKind::Added),
        n(ChangeKind::Removed),
        n(ChangeKind::Changed),
        old_new(table, total, spec.count_label, 0, "")
    );
    if spec.village_mu {
        text.push_str(&format!("，面积 {}", old_new(table, total, &format!("{}_mu", spec.count_label), 2, " 亩")));
    }
    if let Some((_, groups)) = spec.group {
        text.push_str(&format!("，归并组 {}", old_new(table, total, groups, 0, "")));
    }
    text
}

/// One line per compared layer, then the number of villages whose figures changed.
pub fn lines(changes: &Changes) -> Vec<String> {
    let table = changes.village_table();
    // The total row comes last (changes_villages' row with an empty village code).
    let Some(total) = table.rows.len().checked_sub(1) else { return Vec::new() };
    let mut out: Vec<String> = changes.layers.iter().map(|l| line(l, &table, total)).collect();
    out.push(format!("有变化的村：{} 个", changes.villages.len()));
    out
}
