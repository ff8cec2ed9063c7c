//! `report.html`: the page an analyst opens first after a run — the run's facts, key
//! figures, bar charts, per-village tables, warnings and changes since the previous run.
//!
//! Plain data in, one self-contained HTML string out: inline CSS and SVG only (no
//! scripts, fonts, images or links to fetch), so the file opens offline, can be mailed,
//! and prints on A4. Independent of the rest of the crate (std and serde only): the
//! pipeline fills a [`Report`] from its run data, tests fill one from a GeoPackage.
//!
//! Every number shown sits in an element carrying what it shows as attributes
//! (`data-figure`, `data-chart`/`data-bar`, `data-table`/`data-row`/`data-col`, and
//! `data-value` with the full-precision value), so a test can read the rendered page
//! back and compare it with the data it came from.

use serde::{Deserialize, Serialize};

/// Everything a report shows, in the order it shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<Fact>,
    pub figures: Vec<Figure>,
    pub charts: Vec<Chart>,
    pub tables: Vec<ReportTable>,
    /// Suspicious inputs and other things the analyst must see (shown before the rest).
    pub warnings: Vec<String>,
    /// Changes since the previous run, one line each; the section is left out when empty.
    pub changes: Vec<String>,
}

/// One line of the run's facts (time, version, inputs…).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// 中文 label.
    pub label: String,
    pub value: String,
}

/// A key figure shown as a card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable id, e.g. "reforest_mu" (the `data-figure` attribute).
    pub key: String,
    /// 中文 label.
    pub label: String,
    pub label_en: String,
    pub value: f64,
    /// 亩, 个, …
    pub unit: String,
    pub decimals: usize,
}

/// A horizontal bar chart (bars from zero; long labels and many bars fit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Stable id (the `data-chart` attribute).
    pub key: String,
    pub title: String,
    pub unit: String,
    /// Decimals of the value labels.
    pub decimals: usize,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Stable id (the `data-bar` attribute): a village code, "g1"… Labels such as
    /// village names need not be unique, keys must.
    pub key: String,
    pub label: String,
    pub value: f64,
    /// "#d7191c"; anything but a hex colour falls back to the default blue.
    pub colour: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    /// Stable id (the `data-table` attribute).
    pub key: String,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// The 合计 row; [`ReportTable::total_of_rows`] makes one that adds up.
    pub total: Option<Vec<Cell>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Stable id (the `data-col` attribute).
    pub key: String,
    pub label: String,
    pub unit: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Stable id (the `data-row` attribute), e.g. the village code.
    pub key: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Text(String),
    Number { value: f64, decimals: usize },
}

/// `data-row` of the total row's cells (which also carry `data-total="true"`).
pub const TOTAL_ROW_KEY: &str = "total";

/// Colour of bars that bring none of their own.
const DEFAULT_BAR_COLOUR: &str = "#4a7ab5";

impl ReportTable {
    /// A total row that equals the sum of the rows *as shown*: each value is rounded to
    /// its decimals before adding, so a reader adding up the column gets the total
    /// printed (a sum of unrounded values can differ in the last digit, which planning
    /// reviewers flag). `label` goes in the first column; other text columns stay empty.
    pub fn total_of_rows(&self, label: &str) -> Vec<Cell> {
        (0..self.columns.len())
            .map(|c| match column_sum(&self.rows, c) {
                Some((value, decimals)) => Cell::Number { value, decimals },
                None if c == 0 => Cell::Text(label.to_string()),
                None => Cell::Text(String::new()),
            })
            .collect()
    }
}

/// The sum of a column's values as shown and the most decimals shown in it; None when
/// the column holds text or nothing.
fn column_sum(rows: &[Row], col: usize) -> Option<(f64, usize)> {
    let mut decimals = None;
    let mut sum = 0.0;
    for row in rows {
        match row.cells.get(col) {
            Some(Cell::Number { value, decimals: d }) => {
                sum += shown(*value, *d);
                decimals = Some(decimals.map_or(*d, |m: usize| m.max(*d)));
            }
            _ => return None,
        }
    }
    decimals.map(|d| (shown(sum, d), d))
}

/// A value as it reads when shown with `decimals` decimals.
fn shown(value: f64, decimals: usize) -> f64 {
    format!("{value:.decimals$}").parse().unwrap_or(value)
}

/// The report as one self-contained HTML page.
pub fn html(report: &Report) -> String {
    let mut warnings: Vec<String> = report.tables.iter().flat_map(total_mismatches).collect();
    warnings.extend(report.warnings.iter().cloned());
    let mut sections = vec![facts_section(&report.facts), figures_section(&report.figures)];
    if !report.changes.is_empty() {
        sections.push(changes_section(&report.changes));
    }
    sections.extend(report.charts.iter().map(chart_section));
    sections.extend(report.tables.iter().map(table_section));
    let mut out = head(&report.title);
    out.push_str("<body>\n<main class=\"page\">\n");
    out.push_str(&header(report));
    out.push_str(&warnings_box(&warnings));
    for (i, (heading, body)) in sections.into_iter().enumerate() {
        out.push_str(&format!(
            "<section>\n<h2><span class=\"no\">{}、</span>{heading}</h2>\n{body}</section>\n",
            chinese_ordinal(i + 1)
        ));
    }
    out.push_str(
        "<footer>由 landcons 生成 · 本文件自包含，可离线打开、直接打印（A4）\
         <span class=\"en\">generated by landcons · self-contained, prints on A4</span></footer>\n",
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"landcons\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n",
        escape(title)
    )
}

fn header(report: &Report) -> String {
    format!(
        "<header>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n</header>\n",
        escape(&report.title),
        escape(&report.subtitle)
    )
}

/// Warnings go first and stand out; an empty list says so, so that "no warnings" is
/// visibly a finding and not a missing section.
fn warnings_box(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return "<div class=\"ok\" data-warnings=\"0\">未发现可疑输入或数据问题\
                <span class=\"en\">no warnings</span></div>\n"
            .to_string();
    }
    let items: String = warnings
        .iter()
        .map(|w| format!("<li>{}</li>\n", escape(w)))
        .collect();
    format!(
        "<div class=\"warnings\" role=\"alert\" data-warnings=\"{}\">\n\
         <h2><span class=\"mark\">!</span>警告 {} 条<span class=\"en\">warnings</span></h2>\n\
         <ul>\n{items}</ul>\n</div>\n",
        warnings.len(),
        warnings.len()
    )
}

fn facts_section(facts: &[Fact]) -> (String, String) {
    let rows: String = facts
        .iter()
        .map(|f| format!("<dt>{}</dt><dd>{}</dd>\n", escape(&f.label), escape(&f.value)))
        .collect();
    (
        heading("运行信息", "run"),
        format!("<dl class=\"facts\">\n{rows}</dl>\n"),
    )
}

fn figures_section(figures: &[Figure]) -> (String, String) {
    let cards: String = figures
        .iter()
        .map(|f| {
            format!(
                "<div class=\"card\">\n<div class=\"label\">{}</div>\n\
                 <div class=\"value\"><span class=\"num\" data-figure=\"{}\" data-value=\"{}\">{}</span>\
                 <span class=\"unit\">{}</span></div>\n<div class=\"en\">{}</div>\n</div>\n",
                escape(&f.label),
                escape(&f.key),
                value_attr(f.value),
                format_number(f.value, f.decimals),
                escape(&f.unit),
                escape(&f.label_en)
            )
        })
        .collect();
    (
        heading("主要指标", "key figures"),
        format!("<div class=\"cards\">\n{cards}</div>\n"),
    )
}

fn changes_section(changes: &[String]) -> (String, String) {
    let items: String = changes
        .iter()
        .map(|c| format!("<li>{}</li>\n", escape(c)))
        .collect();
    (
        heading("与上次运行相比", "changes since the previous run"),
        format!("<ul class=\"changes\">\n{items}</ul>\n"),
    )
}

/// A section heading: Chinese, with the English small beside it.
fn heading(zh: &str, en: &str) -> String {
    format!("{}<span class=\"en\">{}</span>", escape(zh), escape(en))
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!("（{}）", escape(unit))
    }
}

fn chart_section(chart: &Chart) -> (String, String) {
    let body = if chart.bars.is_empty() {
        format!(
            "<p class=\"empty\" data-chart=\"{}\">无数据 <span class=\"en\">no data</span></p>\n",
            escape(&chart.key)
        )
    } else {
        format!("<figure class=\"chart\">\n{}</figure>\n", bar_chart_svg(chart))
    };
    (
        format!("{}{}", escape(&chart.title), unit_suffix(&chart.unit)),
        body,
    )
}

/// The value range of a chart's axis and its tick step: "nice" numbers (1, 2, 5 × 10^k)
/// that include zero, so bars start at zero and ticks read as round figures. The step
/// aims at eight intervals and so gives four to eight: the longest bar fills at least
/// three quarters of the plot.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    fn for_values(values: impl Iterator<Item = f64>) -> Axis {
        let (mut lo, mut hi) = (0f64, 0f64);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi - lo <= 0.0 {
            // All zero (or no finite value): a unit axis so zero-length bars still sit
            // on a readable scale.
            hi = 1.0;
        }
        let step = nice_step((hi - lo) / 8.0);
        Axis {
            lo: (lo / step).floor() * step,
            hi: (hi / step).ceil() * step,
            step,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as usize;
        (0..=n).map(|i| self.lo + i as f64 * self.step).collect()
    }

    /// Decimals that tick labels need (0.25 → 2).
    fn tick_decimals(&self) -> usize {
        (-self.step.log10().floor()).max(0.0) as usize
    }

    /// The position of `v` on a plot spanning x0..x1.
    fn x(&self, v: f64, x0: f64, x1: f64) -> f64 {
        let v = if v.is_finite() {
            v.clamp(self.lo, self.hi)
        } else {
            0.0
        };
        x0 + (v - self.lo) / (self.hi - self.lo) * (x1 - x0)
    }
}

/// The smallest of 1, 2, 5 × 10^k not below `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Chart geometry in SVG user units (the SVG scales to the page width).
const CHART_WIDTH: f64 = 680.0;
const ROW_HEIGHT: f64 = 26.0;
const BAR_HEIGHT: f64 = 16.0;
const LABEL_FONT: f64 = 13.0;
const VALUE_FONT: f64 = 12.0;

fn bar_chart_svg(chart: &Chart) -> String {
    let axis = Axis::for_values(chart.bars.iter().map(|b| b.value));
    let values: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format_number(b.value, chart.decimals))
        .collect();
    let widest_label = chart
        .bars
        .iter()
        .map(|b| text_width(&b.label, LABEL_FONT))
        .fold(0.0, f64::max);
    let widest_value = values
        .iter()
        .map(|v| text_width(v, VALUE_FONT))
        .fold(0.0, f64::max);
    let x0 = (widest_label + 12.0).clamp(48.0, 220.0);
    let x1 = CHART_WIDTH - widest_value - 14.0;
    let plot_bottom = 6.0 + chart.bars.len() as f64 * ROW_HEIGHT;
    let height = plot_bottom + 22.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"{title}\" \
         data-chart=\"{key}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title>{title}</title>\n",
        title = escape(&chart.title),
        key = escape(&chart.key)
    );
    svg.push_str(&axis_svg(&axis, x0, x1, plot_bottom));
    for (i, (bar, value)) in chart.bars.iter().zip(&values).enumerate() {
        let y = 6.0 + i as f64 * ROW_HEIGHT;
        svg.push_str(&bar_svg(chart, bar, value, &axis, (x0, x1), y));
    }
    svg.push_str("</svg>\n");
    svg
}

/// Grid lines with their tick labels below the plot, and the zero line over them.
fn axis_svg(axis: &Axis, x0: f64, x1: f64, plot_bottom: f64) -> String {
    let decimals = axis.tick_decimals();
    let mut svg = String::from("<g class=\"axis\">\n");
    for t in axis.ticks() {
        let x = axis.x(t, x0, x1);
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"2\" x2=\"{x:.1}\" y2=\"{plot_bottom:.1}\" class=\"grid\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            plot_bottom + 15.0,
            format_number(t, decimals)
        ));
    }
    let zero = axis.x(0.0, x0, x1);
    svg.push_str(&format!(
        "<line x1=\"{zero:.1}\" y1=\"2\" x2=\"{zero:.1}\" y2=\"{plot_bottom:.1}\" class=\"zero\"/>\n</g>\n"
    ));
    svg
}

fn bar_svg(chart: &Chart, bar: &Bar, value: &str, axis: &Axis, (x0, x1): (f64, f64), y: f64) -> String {
    let zero = axis.x(0.0, x0, x1);
    let end = axis.x(bar.value, x0, x1);
    let (left, width) = (zero.min(end), (end - zero).abs());
    let mid = y + ROW_HEIGHT / 2.0;
    let attrs = format!(
        "data-chart=\"{}\" data-bar=\"{}\" data-value=\"{}\"",
        escape(&chart.key),
        escape(&bar.key),
        value_attr(bar.value)
    );
    format!(
        "<g class=\"bar\">\n<text class=\"label\" x=\"{:.1}\" y=\"{mid:.1}\" dy=\"0.35em\" text-anchor=\"end\">{}</text>\n\
         <rect x=\"{left:.2}\" y=\"{:.1}\" width=\"{width:.2}\" height=\"{BAR_HEIGHT}\" fill=\"{}\" {attrs}/>\n\
         <text class=\"value\" x=\"{:.1}\" y=\"{mid:.1}\" dy=\"0.35em\" {attrs}>{value}</text>\n</g>\n",
        x0 - 8.0,
        escape(&bar.label),
        mid - BAR_HEIGHT / 2.0,
        bar_colour(bar.colour.as_deref()),
        zero.max(end) + 5.0,
    )
}

/// A bar's colour if it is a hex colour (#rgb, #rrggbb), else the default: the colour
/// lands in an attribute, so nothing else is let through.
fn bar_colour(colour: Option<&str>) -> &str {
    match colour {
        Some(c)
            if (c.len() == 4 || c.len() == 7)
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) =>
        {
            c
        }
        _ => DEFAULT_BAR_COLOUR,
    }
}

/// Approximate rendered width of `s`: CJK and other wide characters take a full em,
/// Latin characters and digits about 0.6 em (enough to lay out labels without a font).
fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 0.6 } else { 1.0 })
        .sum::<f64>()
        * font
}

fn table_section(table: &ReportTable) -> (String, String) {
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
fn row_html(table: &ReportTable, row_key: &str, cells: &[Cell], total: Option<bool>) -> String {
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
fn total_mismatch_columns(table: &ReportTable) -> Vec<usize> {
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
fn total_mismatches(table: &ReportTable) -> Vec<String> {
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

/// `data-value`: the full-precision value (shortest text that reads back as the same f64).
fn value_attr(value: f64) -> String {
    if value.is_finite() {
        format!("{}", crate::units::unsigned_zero(value))
    } else {
        "NaN".to_string()
    }
}

/// A number as Chinese statistical tables print it: `decimals` decimals, thousands
/// separated by commas (1,234,567.89); no "-0"; "—" for a missing (non-finite) value.
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Text for HTML content and attribute values: user data (village names, file paths)
/// must show as typed, never become markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// 一, 二, … 十 for section numbers (digits beyond ten).
fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    DIGITS
        .get(n.wrapping_sub(1))
        .map_or(n.to_string(), |d| d.to_string())
}

const CSS: &str = r#"
:root { --ink: #1f2630; --muted: #5d6876; --line: #d5dbe3; --soft: #f4f6f9; --accent: #a4262c; --head: #24476b; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #e9ecf0; color: var(--ink);
  font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
  font-size: 14px; line-height: 1.6; }
.page { max-width: 980px; margin: 24px auto; padding: 36px 48px 28px; background: #fff;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
header { text-align: center; border-bottom: 3px double var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0; letter-spacing: .06em; color: var(--ink); }
.subtitle { margin: 6px 0 0; color: var(--muted); }
h2 { font-size: 17px; color: var(--head); margin: 26px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); break-after: avoid; }
h2 .no { color: var(--accent); }
.en { color: var(--muted); font-size: 11px; font-weight: normal; margin-left: 8px; letter-spacing: 0; }
.warnings { border: 2px solid #c62828; border-left-width: 8px; background: #fff3f2;
  padding: 10px 16px; margin: 14px 0 8px; break-inside: avoid; }
.warnings h2 { color: #b71c1c; border: 0; margin: 0 0 4px; padding: 0; }
.warnings ul { margin: 0; padding-left: 22px; }
.warnings li { margin: 2px 0; }
.mark { display: inline-block; width: 20px; height: 20px; line-height: 20px; text-align: center;
  border-radius: 50%; background: #c62828; color: #fff; font-size: 14px; margin-right: 8px; }
.ok { border-left: 6px solid #2e7d32; background: #f1f8f1; color: #1b5e20; padding: 6px 14px; margin: 14px 0 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(168px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-top: 3px solid var(--head); background: var(--soft);
  padding: 8px 12px 6px; break-inside: avoid; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { white-space: nowrap; }
.card .num { font-size: 24px; font-weight: bold; color: var(--ink); font-variant-numeric: tabular-nums; }
.card .unit { margin-left: 4px; color: var(--muted); }
.card .en { margin: 0; display: block; }
ul.changes { margin: 0; padding-left: 22px; }
figure.chart { margin: 0; break-inside: avoid; }
figure.chart svg { display: block; max-width: 760px; height: auto; }
svg text { font-family: inherit; fill: var(--ink); }
svg .label { font-size: 13px; }
svg .value { font-size: 12px; font-variant-numeric: tabular-nums; }
svg .axis text { font-size: 11px; fill: var(--muted); }
svg .grid { stroke: #e3e7ec; stroke-width: 1; }
svg .zero { stroke: #8a94a1; stroke-width: 1; }
svg rect { stroke: rgba(0,0,0,.35); stroke-width: .6; }
.empty { color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; }
th { background: #e8edf3; color: var(--ink); font-weight: bold; vertical-align: bottom; line-height: 1.3; }
th .unit { display: block; font-weight: normal; color: var(--muted); font-size: 11px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.text, th.text { text-align: left; }
td.text { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.total td { font-weight: bold; background: #eef2f7; border-top: 2px solid #9aa7b6; }
tr.mismatch td { color: #b71c1c; }
footer { margin-top: 28px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { background: #fff; font-size: 10pt; }
  .page { max-width: none; margin: 0; padding: 0; box-shadow: none; }
  h1 { font-size: 18pt; }
  h2 { font-size: 12.5pt; margin: 14px 0 8px; }
  footer { margin-top: 14px; }
  .card .num { font-size: 16pt; }
  table { font-size: 8.5pt; }
  th, td { padding: 2px 5px; }
  tr, .card, figure, .warnings { break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn number(value: f64, decimals: usize) -> Cell {
        Cell::Number { value, decimals }
    }

    fn villages(names: &[(&str, f64, u32)]) -> ReportTable {
        ReportTable {
            key: "villages".into(),
            title: "各村指标".into(),
            columns: vec![
                Column {
                    key: "name".into(),
                    label: "村名称".into(),
                    unit: String::new(),
                },
                Column {
                    key: "cropland_mu".into(),
                    label: "耕地面积".into(),
                    unit: "亩".into(),
                },
                Column {
                    key: "count".into(),
                    label: "候选".into(),
                    unit: "个".into(),
                },
            ],
            rows: names
                .iter()
                .enumerate()
                .map(|(i, (name, mu, n))| Row {
                    key: format!("v{i}"),
                    cells: vec![Cell::Text(name.to_string()), number(*mu, 2), number(*n as f64, 0)],
                })
                .collect(),
            total: None,
        }
    }

    fn chart(values: &[f64]) -> Chart {
        Chart {
            key: "c".into(),
            title: "t".into(),
            unit: "亩".into(),
            decimals: 2,
            bars: values
                .iter()
                .enumerate()
                .map(|(i, v)| Bar {
                    key: format!("b{i}"),
                    label: format!("第{i}"),
                    value: *v,
                    colour: None,
                })
                .collect(),
        }
    }

    /// The `width` of each bar rect in the chart's SVG, in order.
    fn bar_widths(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .map(|r| {
                let w = r
                    .split("width=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap();
                w.parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(format_number(0.0, 0), "0");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(1000.0, 0), "1,000");
        assert_eq!(format_number(1234.5, 2), "1,234.50");
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-1234567.891, 1), "-1,234,567.9");
        assert_eq!(format_number(999_999.996, 2), "1,000,000.00");
        assert_eq!(format_number(-0.001, 2), "0.00", "no negative zero");
        assert_eq!(format_number(-0.4, 0), "0");
        assert_eq!(value_attr(-0.0), "0", "nor in the full-precision attribute");
        assert_eq!(format_number(f64::NAN, 2), "—");
        assert_eq!(format_number(f64::INFINITY, 0), "—");
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let name = "<b>石岗</b>村 & \"<script>alert(1)</script>'";
        let mut table = villages(&[(name, 1.0, 1)]);
        table.rows[0].key = name.into();
        let mut c = chart(&[1.0]);
        c.bars[0].label = name.into();
        c.bars[0].key = name.into();
        let report = Report {
            title: name.into(),
            facts: vec![Fact {
                label: "输入".into(),
                value: name.into(),
            }],
            charts: vec![c],
            tables: vec![table],
            warnings: vec![name.into()],
            changes: vec![name.into()],
            ..Default::default()
        };
        let html = html(&report);
        assert!(
            !html.contains("<b>") && !html.contains("<script"),
            "markup from data must not survive"
        );
        assert!(
            html.contains("&lt;b&gt;石岗&lt;/b&gt;村 &amp; &quot;&lt;script&gt;alert(1)&lt;/script&gt;&#39;")
        );
        assert!(
            html.contains("data-row=\"&lt;b&gt;石岗"),
            "attributes are escaped too"
        );
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn colours_other_than_hex_fall_back() {
        assert_eq!(bar_colour(Some("#d7191c")), "#d7191c");
        assert_eq!(bar_colour(Some("#abc")), "#abc");
        assert_eq!(bar_colour(Some("red\" onload=\"x")), DEFAULT_BAR_COLOUR);
        assert_eq!(bar_colour(Some("#12345z")), DEFAULT_BAR_COLOUR);
        assert_eq!(bar_colour(None), DEFAULT_BAR_COLOUR);
    }

    #[test]
    fn the_total_row_is_the_sum_of_the_rows_as_shown() {
        // 0.126 + 0.126 shows as 0.13 + 0.13 = 0.26; summed before rounding it would show 0.25.
        let mut table = villages(&[("甲村", 0.126, 2), ("乙村", 0.126, 3), ("丙村", 1000.0, 0)]);
        let total = table.total_of_rows("合计");
        assert_eq!(
            total,
            vec![Cell::Text("合计".into()), number(1000.26, 2), number(5.0, 0)]
        );
        table.total = Some(total);
        let html = html(&table_report(table.clone()));
        assert!(html.contains("data-row=\"total\" data-col=\"cropland_mu\" data-total=\"true\" data-value=\"1000.26\">1,000.26</td>"));
        assert!(html.contains("<tr class=\"total\">"));
        assert!(
            html.contains("data-warnings=\"0\""),
            "a total that adds up raises no warning"
        );
        let mut short = table.clone();
        short.rows[0].cells.truncate(1);
        let padded = super::html(&table_report(short));
        assert!(
            padded.contains("data-row=\"v0\" data-col=\"count\"></td>"),
            "short rows are padded"
        );

        // A total that does not add up (e.g. summed before rounding) is flagged.
        table.total = Some(vec![
            Cell::Text("合计".into()),
            number(1000.252, 2),
            number(5.0, 0),
        ]);
        let html = super::html(&table_report(table));
        assert!(html.contains("<tr class=\"total mismatch\">"));
        assert!(html.contains("data-warnings=\"1\""));
        assert!(html.contains("表「各村指标」的合计行「耕地面积」为 1,000.25，与各行之和 1,000.26 不符"));
    }

    #[test]
    fn an_empty_table_has_no_column_sums() {
        let table = villages(&[]);
        let total = table.total_of_rows("合计");
        assert_eq!(total[0], Cell::Text("合计".into()));
        assert_eq!(total[1], Cell::Text(String::new()), "no rows, no sum to show");
    }

    fn table_report(table: ReportTable) -> Report {
        Report {
            title: "t".into(),
            tables: vec![table],
            ..Default::default()
        }
    }

    #[test]
    fn axes_are_round_and_include_zero() {
        let a = Axis::for_values([1569.44, 315.84, 466.12].into_iter());
        assert_eq!((a.lo, a.hi, a.step), (0.0, 1600.0, 200.0));
        assert_eq!(a.ticks().len(), 9);
        let a = Axis::for_values([1001.0].into_iter());
        assert_eq!((a.hi, a.step), (1200.0, 200.0), "never more than a quarter empty");
        let a = Axis::for_values([0.3].into_iter());
        assert_eq!((a.lo, a.tick_decimals()), (0.0, 2));
        assert!((a.step - 0.05).abs() < 1e-12 && (a.hi - 0.3).abs() < 1e-12);
        let a = Axis::for_values([-3.0, 7.0].into_iter());
        assert_eq!((a.lo, a.hi, a.step), (-4.0, 8.0, 2.0));
        let a = Axis::for_values([0.0, 0.0].into_iter());
        assert_eq!((a.lo, a.hi), (0.0, 1.0), "all zero: a unit axis");
        let a = Axis::for_values([f64::NAN, 5.0].into_iter());
        assert_eq!(
            (a.lo, a.hi, a.step),
            (0.0, 5.0, 1.0),
            "non-finite values are ignored"
        );
    }

    #[test]
    fn bars_are_drawn_to_scale() {
        let svg = bar_chart_svg(&chart(&[100.0, 50.0, 0.0, 25.0]));
        let w = bar_widths(&svg);
        assert_eq!(w.len(), 4);
        assert!(w[0] > 0.0 && (w[1] / w[0] - 0.5).abs() < 1e-3 && (w[3] / w[0] - 0.25).abs() < 1e-3);
        assert_eq!(w[2], 0.0);
        assert!(svg.contains("data-bar=\"b0\" data-value=\"100\">100.00</text>"));
        assert!(svg.contains(">100</text>"), "the axis ends on a round tick");
    }

    #[test]
    fn one_bar_fills_a_round_axis() {
        let svg = bar_chart_svg(&chart(&[466.12]));
        let w = bar_widths(&svg);
        assert_eq!(w.len(), 1);
        // Axis 0..500: the bar covers 466.12/500 of the plot, not all of it.
        let grid: Vec<f64> = svg
            .split("<line x1=\"")
            .skip(1)
            .filter(|l| l.contains("class=\"grid\""))
            .map(|l| l.split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(grid.len(), 6, "ticks 0, 100, … 500");
        assert!(svg.contains(">500</text>"));
        let plot = grid[5] - grid[0];
        assert!((w[0] - 466.12 / 500.0 * plot).abs() < 0.01, "{} of {plot}", w[0]);
    }

    #[test]
    fn zero_bars_say_no_data_and_zero_values_draw_nothing() {
        let (_, body) = chart_section(&chart(&[]));
        assert!(body.contains("无数据") && !body.contains("<svg"));
        let svg = bar_chart_svg(&chart(&[0.0, 0.0]));
        assert_eq!(bar_widths(&svg), vec![0.0, 0.0]);
        assert!(svg.contains(">1.0</text>"), "a unit axis for all-zero bars");
    }

    #[test]
    fn the_page_is_self_contained() {
        let report = Report {
            title: "报告".into(),
            figures: vec![Figure {
                key: "k".into(),
                label: "耕地".into(),
                label_en: "cropland".into(),
                value: 4567.786,
                unit: "亩".into(),
                decimals: 2,
            }],
            charts: vec![chart(&[1.0, 2.0])],
            changes: vec!["候选 +3".into()],
            ..Default::default()
        };
        let html = html(&report);
        for banned in [
            "<script",
            "<link",
            "src=",
            "href=",
            "url(",
            "@import",
            "@font-face",
        ] {
            assert!(!html.contains(banned), "{banned} would fetch or run something");
        }
        assert!(html.contains("data-figure=\"k\" data-value=\"4567.786\">4,567.79</span>"));
        assert!(
            html.contains("<h2><span class=\"no\">三、</span>与上次运行相比"),
            "changes follow the figures"
        );
    }

    #[test]
    fn no_changes_no_section() {
        let html = html(&Report::default());
        assert!(!html.contains("与上次运行相比"));
        assert!(html.contains("未发现可疑输入"));
    }
}
