//! report.html's tables: a header with units, rows with every value as a data attribute,
//! and a total row that is checked to be the sum of the rows as shown.

use super::{column_sum, escape, format_number, value_attr, Cell, ReportTable, TOTAL_ROW_KEY};

pub(super) fn table_section(table: &ReportTable) -> (String, String) {
    let numeric: Vec<bool> = (0..table.columns.len())
        .map(|c| {
            table
                .rows
                .iter()
                .any(|r| matches!(r.cells.get(c), Some(Cell::Number { .. })))
        })
        .collect();
    let header: String = table
        .columns
        .iter()
        .zip(&numeric)
        .map(|(c, num)| {
            let unit = if c.unit.is_empty() {
                String::new()
            } else {
                format!("<span class=\"unit\">{}</span>", escape(&c.unit))
            };
            format!(
                "<th scope=\"col\" class=\"{}\">{}{unit}</th>",
                if *num { "num" } else { "text" },
                escape(&c.label)
            )
        })
        .collect();
    let mut body: String = table
        .rows
        .iter()
        .map(|row| row_html(table, &row.key, &row.cells, None))
        .collect();
    if let Some(total) = &table.total {
        let adds_up = total_mismatch_columns(table).is_empty();
        body.push_str(&row_html(table, TOTAL_ROW_KEY, total, Some(adds_up)));
    }
    let html = format!(
        "<div class=\"table-wrap\">\n<table data-table=\"{}\">\n<thead><tr>{header}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n</div>\n",
        escape(&table.key)
    );
    (escape(&table.title), html)
}

/// One table row; `total` is None for a data row, else whether the total adds up.
pub(super) fn row_html(table: &ReportTable, row_key: &str, cells: &[Cell], total: Option<bool>) -> String {
    let (mut tr, extra) = match total {
        None => (String::from("<tr>"), ""),
        Some(true) => (String::from("<tr class=\"total\">"), " data-total=\"true\""),
        Some(false) => (
            String::from("<tr class=\"total mismatch\">"),
            " data-total=\"true\"",
        ),
    };
    // A short row gets empty cells, so later rows stay under their headings.
    for (i, column) in table.columns.iter().enumerate() {
        let attrs = format!(
            "data-table=\"{}\" data-row=\"{}\" data-col=\"{}\"{extra}",
            escape(&table.key),
            escape(row_key),
            escape(&column.key)
        );
        tr.push_str(&match cells.get(i) {
            None => format!("<td class=\"text\" {attrs}></td>"),
            Some(Cell::Text(text)) => format!("<td class=\"text\" {attrs}>{}</td>", escape(text)),
            Some(Cell::Number { value, decimals }) => format!(
                "<td class=\"num\" {attrs} data-value=\"{}\">{}</td>",
                value_attr(*value),
                format_number(*value, *decimals)
            ),
        });
    }
    tr.push_str("</tr>\n");
    tr
}

/// Columns whose total, as shown, is not the sum of the rows as shown.
pub(super) fn total_mismatch_columns(table: &ReportTable) -> Vec<usize> {
    let Some(total) = &table.total else {
        return Vec::new();
    };
    (0..table.columns.len())
        .filter(|&c| match (total.get(c), column_sum(&table.rows, c)) {
            (Some(Cell::Number { value, decimals }), Some((sum, _))) => {
                format_number(*value, *decimals) != format_number(sum, *decimals)
            }
            (Some(Cell::Number { .. }), None) => true,
            _ => false,
        })
        .collect()
}

/// A warning for each total that does not add up: the report must not print a 合计
/// that disagrees with its rows without saying so.
pub(super) fn total_mismatches(table: &ReportTable) -> Vec<String> {
    let Some(total) = &table.total else {
        return Vec::new();
    };
    total_mismatch_columns(table)
        .into_iter()
        .map(|c| {
            let shown_total = match total.get(c) {
                Some(Cell::Number { value, decimals }) => format_number(*value, *decimals),
                _ => String::new(),
            };
            let sum = column_sum(&table.rows, c).map_or("—".to_string(), |(s, d)| format_number(s, d));
            format!(
                "表「{}」的合计行「{}」为 {shown_total}，与各行之和 {sum} 不符",
                table.title,
                table.columns.get(c).map_or("", |col| col.label.as_str())
            )
        })
        .collect()
}
