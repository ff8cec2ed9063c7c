//! report.html from hand-made reports: numbers, escaping, totals, charts, self-containment.

use super::chart::*;
use super::format::*;
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
    let (_, body) = chart_section(&chart(&[]), false);
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
            pass: None,
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

#[test]
fn an_english_page_says_its_own_words_in_english_and_keeps_the_chinese_beside() {
    let mut report = table_report(villages(&[("东村", 12.5, 3)]));
    report.english = true;
    report.figures = vec![Figure { key: "parcels".into(), label: "图斑总数".into(), label_en: "parcels".into(), value: 3.0, unit: String::new(), decimals: 0, pass: None }];
    let page = html(&report);
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("<div class=\"label\">parcels</div>") && page.contains("<div class=\"en\">图斑总数</div>"));
    assert!(page.contains("key figures<span class=\"en\">主要指标</span>") && page.contains("<span class=\"no\">1. </span>"));
    assert!(page.contains("no warnings<span class=\"en\">未发现可疑输入或数据问题</span>"));
    let chinese = html(&Report { english: false, ..report });
    assert!(chinese.contains("主要指标<span class=\"en\">key figures</span>") && chinese.contains("<span class=\"no\">一、</span>"));
}
