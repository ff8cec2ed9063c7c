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

mod chart;
mod format;
mod table;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use chart::chart_section;
use format::chinese_ordinal;
pub use format::{escape, format_number};
use format::value_attr;
use table::{table_section, total_mismatches};

/// The page's style sheet (inline in the page: nothing is fetched).
pub(super) const CSS: &str = include_str!("style.css");

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
    /// The page's own words in English (labels, headings): `output.language = "en"`.
    /// The Chinese is kept beside, small, as the English is on a Chinese page.
    #[serde(default)]
    pub english: bool,
}

/// The page's words in its language: (main, beside).
pub(super) fn words<'a>(english: bool, zh: &'a str, en: &'a str) -> (&'a str, &'a str) {
    if english {
        (en, zh)
    } else {
        (zh, en)
    }
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
    /// Whether a target is met (达标 / 未达标), for a figure checked against one.
    pub pass: Option<bool>,
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
pub(super) const DEFAULT_BAR_COLOUR: &str = "#4a7ab5";

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
pub(super) fn column_sum(rows: &[Row], col: usize) -> Option<(f64, usize)> {
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
pub(super) fn shown(value: f64, decimals: usize) -> f64 {
    format!("{value:.decimals$}").parse().unwrap_or(value)
}

/// The report as one self-contained HTML page.
pub fn html(report: &Report) -> String {
    let mut warnings: Vec<String> = report.tables.iter().flat_map(total_mismatches).collect();
    warnings.extend(report.warnings.iter().cloned());
    let en = report.english;
    let mut sections = vec![facts_section(&report.facts, en), figures_section(&report.figures, en)];
    if !report.changes.is_empty() {
        sections.push(changes_section(&report.changes, en));
    }
    sections.extend(report.charts.iter().map(|c| chart_section(c, en)));
    sections.extend(report.tables.iter().map(table_section));
    let mut out = head(&report.title, en);
    out.push_str("<body>\n<main class=\"page\">\n");
    out.push_str(&header(report));
    out.push_str(&warnings_box(&warnings, en));
    for (i, (heading, body)) in sections.into_iter().enumerate() {
        let number = if en { format!("{}. ", i + 1) } else { format!("{}、", chinese_ordinal(i + 1)) };
        out.push_str(&format!("<section>\n<h2><span class=\"no\">{number}</span>{heading}</h2>\n{body}</section>\n"));
    }
    let (main, beside) = words(en, "由 landcons 生成 · 本文件自包含，可离线打开、直接打印（A4）", "generated by landcons · self-contained, prints on A4");
    out.push_str(&format!("<footer>{main}<span class=\"en\">{beside}</span></footer>\n"));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

pub(super) fn head(title: &str, english: bool) -> String {
    let lang = if english { "en" } else { "zh-CN" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"landcons\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n",
        escape(title)
    )
}

pub(super) fn header(report: &Report) -> String {
    format!(
        "<header>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n</header>\n",
        escape(&report.title),
        escape(&report.subtitle)
    )
}

/// Warnings go first and stand out; an empty list says so, so that "no warnings" is
/// visibly a finding and not a missing section.
pub(super) fn warnings_box(warnings: &[String], english: bool) -> String {
    if warnings.is_empty() {
        let (main, beside) = words(english, "未发现可疑输入或数据问题", "no warnings");
        return format!("<div class=\"ok\" data-warnings=\"0\">{main}<span class=\"en\">{beside}</span></div>\n");
    }
    let title = match english {
        true => format!("{} warnings<span class=\"en\">警告</span>", warnings.len()),
        false => format!("警告 {} 条<span class=\"en\">warnings</span>", warnings.len()),
    };
    let items: String = warnings
        .iter()
        .map(|w| format!("<li>{}</li>\n", escape(w)))
        .collect();
    format!(
        "<div class=\"warnings\" role=\"alert\" data-warnings=\"{}\">\n<h2><span class=\"mark\">!</span>{title}</h2>\n<ul>\n{items}</ul>\n</div>\n",
        warnings.len()
    )
}

pub(super) fn facts_section(facts: &[Fact], english: bool) -> (String, String) {
    let rows: String = facts
        .iter()
        .map(|f| format!("<dt>{}</dt><dd>{}</dd>\n", escape(&f.label), escape(&f.value)))
        .collect();
    (
        heading(words(english, "运行信息", "run")),
        format!("<dl class=\"facts\">\n{rows}</dl>\n"),
    )
}

/// 达标 / 未达标 under a figure checked against a target (`data-pass`), nothing otherwise.
fn pass_badge(pass: Option<bool>, english: bool) -> String {
    match pass {
        None => String::new(),
        Some(p) => {
            let (zh, en) = if p { ("达标", "pass") } else { ("未达标", "fail") };
            let (first, second) = words(english, zh, en);
            format!("<div class=\"pass {}\" data-pass=\"{p}\">{first} <span class=\"en\">{second}</span></div>\n", if p { "ok" } else { "short" })
        }
    }
}

pub(super) fn figures_section(figures: &[Figure], english: bool) -> (String, String) {
    let cards: String = figures
        .iter()
        .map(|f| {
            format!(
                "<div class=\"card\">\n<div class=\"label\">{}</div>\n\
                 <div class=\"value\"><span class=\"num\" data-figure=\"{}\" data-value=\"{}\">{}</span>\
                 <span class=\"unit\">{}</span></div>\n{}<div class=\"en\">{}</div>\n</div>\n",
                escape(words(english, &f.label, &f.label_en).0),
                escape(&f.key),
                value_attr(f.value),
                format_number(f.value, f.decimals),
                escape(&f.unit),
                pass_badge(f.pass, english),
                escape(words(english, &f.label, &f.label_en).1)
            )
        })
        .collect();
    (
        heading(words(english, "主要指标", "key figures")),
        format!("<div class=\"cards\">\n{cards}</div>\n"),
    )
}

pub(super) fn changes_section(changes: &[String], english: bool) -> (String, String) {
    let items: String = changes
        .iter()
        .map(|c| format!("<li>{}</li>\n", escape(c)))
        .collect();
    (
        heading(words(english, "与上次运行相比", "changes since the previous run")),
        format!("<ul class=\"changes\">\n{items}</ul>\n"),
    )
}

/// A section heading in the page's language, the other small beside it.
pub(super) fn heading((main, beside): (&str, &str)) -> String {
    format!("{}<span class=\"en\">{}</span>", escape(main), escape(beside))
}

pub(super) fn unit_suffix(unit: &str, english: bool) -> String {
    match (unit.is_empty(), english) {
        (true, _) => String::new(),
        (false, false) => format!("（{}）", escape(unit)),
        (false, true) => format!(" ({})", escape(unit)),
    }
}
