//! `report.html` as an analyst sees it: a report built from a real demo run, rendered by
//! headless Chromium, read back from the DOM Chromium produced (every number carries
//! `data-*` attributes) and compared with the run's GeoPackage.
//!
//! [`check_report`] takes the HTML path and the expected values only, so it serves as
//! well when the pipeline writes report.html itself: build [`Expected`] from the
//! GeoPackage and point it at the run's file.
//!
//! Chromium comes from Debian's `chromium` package. Without it the test prints
//! `SKIPPED:` and passes, except under `CI=true`, where it fails.
//! `REPORT_HTML_KEEP=<dir>` keeps the report, the screenshot and the DOM there.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{query, run_demo, text};
use landcons::output::report::{self, Bar, Cell, Chart, Column, Fact, Figure, Report, ReportTable, Row};

// ---------------------------------------------------------------- the test

#[test]
fn report_shows_the_runs_figures_as_chromium_renders_them() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A previous run with other grade breaks, so the report has changes to show.
    let o = run_demo(&out, &["--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run_demo(&out, &[]);
    assert!(o.status.success(), "{}", text(&o));

    let run = DemoRun::read(&out);
    let html_path = dir.path().join("report.html");
    std::fs::write(&html_path, report::html(&demo_report(&run))).unwrap();
    let expected = expected_from_gpkg(&out.join("landcons.gpkg"), &run);
    let rendered = check_report(&chromium, &html_path, &expected, dir.path());

    if let Ok(keep) = std::env::var("REPORT_HTML_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&html_path, Path::new(&keep).join("report.html")).unwrap();
        std::fs::copy(&rendered.screenshot, Path::new(&keep).join("report.png")).unwrap();
        std::fs::write(Path::new(&keep).join("report.dom.html"), &rendered.dom).unwrap();
    }
}

// ---------------------------------------------------------------- what the run produced

/// The demo run's facts and per-village figures, read from its manifest and GeoPackage.
struct DemoRun {
    manifest: serde_json::Value,
    villages: Vec<Village>,
    /// Upper grade bounds in degrees (terrain.grade_breaks).
    breaks: Vec<f64>,
    merge_groups: usize,
    merge_plots: usize,
    overlaps: usize,
    changes_total: Option<Vec<String>>,
}

/// A row of `village_summary` with the merge figures of its village.
struct Village {
    code: String,
    name: String,
    parcels: f64,
    cropland_count: f64,
    cropland_mu: f64,
    grade_mu: [f64; 5],
    reforest_count: f64,
    reforest_mu: f64,
    mismatches: f64,
    merge_plots: f64,
    merge_groups: f64,
}

const VILLAGE_SQL: &str = "SELECT v.village_code, v.village_name, parcel_count, cropland_count, cropland_mu, \
     cropland_g1_mu, cropland_g2_mu, cropland_g3_mu, cropland_g4_mu, cropland_g5_mu, reforest_count, reforest_mu, \
     grade_mismatch_count, \
     (SELECT count(*) FROM merge_candidates m WHERE m.village_code = v.village_code), \
     (SELECT count(*) FROM merge_groups g WHERE g.village_code = v.village_code) \
     FROM village_summary v WHERE v.village_code <> 'TOTAL' ORDER BY v.village_code";

/// The all-villages row of `changes_villages` (old, new) × candidates, their mu, merge
/// plots and merge groups; absent after a first run.
const CHANGES_SQL: &str =
    "SELECT reforestation_old, reforestation_new, reforestation_mu_old, reforestation_mu_new, \
     merge_plots_old, merge_plots_new, merge_groups_old, merge_groups_new \
     FROM changes_villages WHERE village_code = '' OR village_code IS NULL";

impl DemoRun {
    fn read(out: &Path) -> DemoRun {
        let gpkg = out.join("landcons.gpkg");
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        let villages = query(&gpkg, VILLAGE_SQL)
            .iter()
            .map(|r| Village::from_row(r))
            .collect();
        let breaks = manifest["settings"]["terrain"]["grade_breaks"]
            .as_array()
            .map(|b| b.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        let count =
            |layer: &str| number(&query(&gpkg, &format!("SELECT count(*) FROM {layer}"))[0][0]) as usize;
        let changes_total = query(&gpkg, CHANGES_SQL).into_iter().next();
        DemoRun {
            villages,
            breaks,
            merge_groups: count("merge_groups"),
            merge_plots: count("merge_candidates"),
            overlaps: count("topology_issues"),
            changes_total,
            manifest,
        }
    }
}

impl Village {
    fn from_row(r: &[String]) -> Village {
        let n = |i: usize| number(&r[i]);
        Village {
            code: r[0].clone(),
            name: r[1].clone(),
            parcels: n(2),
            cropland_count: n(3),
            cropland_mu: n(4),
            grade_mu: [n(5), n(6), n(7), n(8), n(9)],
            reforest_count: n(10),
            reforest_mu: n(11),
            mismatches: n(12),
            merge_plots: n(13),
            merge_groups: n(14),
        }
    }
}

fn number(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not a number: {e}"))
}

// ---------------------------------------------------------------- the report (stand-in for the pipeline's)

const GRADE_NAMES: [&str; 5] = ["一级", "二级", "三级", "四级", "五级"];
const GRADE_COLOURS: [&str; 5] = ["#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c"];

/// The key figures of the villages table: (column key, label, unit, decimals, value).
type Metric = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    fn(&Village) -> f64,
);
const METRICS: [Metric; 8] = [
    ("parcels", "图斑数", "个", 0, |v| v.parcels),
    ("cropland_count", "耕地图斑", "个", 0, |v| v.cropland_count),
    ("cropland_mu", "耕地面积", "亩", 2, |v| v.cropland_mu),
    ("reforest_count", "退耕还林候选", "个", 0, |v| {
        v.reforest_count
    }),
    ("reforest_mu", "候选面积", "亩", 2, |v| v.reforest_mu),
    ("merge_plots", "参与归并图斑", "个", 0, |v| v.merge_plots),
    ("merge_groups", "归并组", "个", 0, |v| v.merge_groups),
    ("grade_mismatch", "坡度级别不符", "个", 0, |v| v.mismatches),
];

/// The report the pipeline will write, built here from the run's files.
fn demo_report(run: &DemoRun) -> Report {
    let villages = villages_table(run);
    let grades = grades_table(run);
    Report {
        title: "全域土地综合整治 坡度分析与整治潜力报告".into(),
        subtitle: "landcons 运行报告 · 示例区域（pipelines/demo.toml）".into(),
        facts: facts(&run.manifest),
        figures: figures(run, &villages, &grades),
        charts: vec![grades_chart(run, &grades), candidates_chart(run)],
        tables: vec![villages, grades],
        warnings: run.manifest["warnings"]
            .as_array()
            .map(|w| {
                w.iter()
                    .map(|x| x["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        changes: change_lines(run),
    }
}

fn facts(m: &serde_json::Value) -> Vec<Fact> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let fact = |label: &str, value: String| Fact {
        label: label.into(),
        value,
    };
    let status = match m["status"].as_str() {
        Some("success") => "成功".to_string(),
        other => other.unwrap_or("未知").to_string(),
    };
    let dems: Vec<String> = m["inputs"]["dem"]
        .as_array()
        .into_iter()
        .flatten()
        .map(s)
        .collect();
    vec![
        fact("运行状态", status),
        fact(
            "开始时间",
            s(&m["started"]).replace('T', " ").replace('Z', " UTC"),
        ),
        fact(
            "运行时长",
            format!("{:.1} 秒", m["seconds_total"].as_f64().unwrap_or(f64::NAN)),
        ),
        fact(
            "程序版本",
            format!(
                "landcons {} · {} · PROJ {}",
                s(&m["version"]),
                s(&m["gdal_version"]),
                s(&m["proj_version"])
            ),
        ),
        fact("高程数据（DEM）", dems.join("；")),
        fact(
            "图斑数据（DLTB）",
            format!(
                "{}（图层 {}，编码 {}）",
                s(&m["inputs"]["parcels"]),
                s(&m["inputs"]["parcels_layer"]),
                s(&m["inputs"]["parcels_encoding"])
            ),
        ),
        fact(
            "工作坐标系",
            format!(
                "{}（{}）",
                s(&m["inputs"]["work_crs"]["name"]),
                s(&m["inputs"]["work_crs"]["reason"])
            ),
        ),
        fact("输出目录", s(&m["settings"]["output"]["dir"])),
    ]
}

/// The key figures: (key, label, label_en, unit, decimals).
const FIGURES: [(&str, &str, &str, &str, usize); 10] = [
    ("parcels", "图斑总数", "parcels", "个", 0),
    ("cropland_count", "耕地图斑", "cropland parcels", "个", 0),
    ("cropland_mu", "耕地面积", "cropland", "亩", 2),
    ("steep_cropland_mu", "坡度>25°耕地", "cropland above 25°", "亩", 2),
    (
        "reforest_count",
        "退耕还林候选",
        "reforestation candidates",
        "个",
        0,
    ),
    ("reforest_mu", "退耕还林候选面积", "reforestation area", "亩", 2),
    ("merge_groups", "小田并大田归并组", "merge groups", "个", 0),
    ("merge_plots", "参与归并图斑", "plots in merge groups", "个", 0),
    (
        "grade_mismatch",
        "坡度级别与调查不符",
        "recorded grade differs",
        "个",
        0,
    ),
    ("overlaps", "重叠图斑对", "overlapping parcel pairs", "对", 0),
];

/// Area totals come from the tables' total rows (the sums of the village rows as
/// shown), so the cards, the charts and the tables never disagree in the last digit.
fn figures(run: &DemoRun, villages: &ReportTable, grades: &ReportTable) -> Vec<Figure> {
    FIGURES
        .iter()
        .map(|&(key, label, label_en, unit, decimals)| {
            let value = match key {
                "steep_cropland_mu" => total_of(grades, "g5"),
                "merge_groups" => run.merge_groups as f64,
                "merge_plots" => run.merge_plots as f64,
                "overlaps" => run.overlaps as f64,
                column => total_of(villages, column),
            };
            let (key, label, label_en, unit) = (key.into(), label.into(), label_en.into(), unit.into());
            Figure {
                key,
                label,
                label_en,
                value,
                unit,
                decimals,
            }
        })
        .collect()
}

/// A number in a table's total row.
fn total_of(table: &ReportTable, col: &str) -> f64 {
    let i = table.columns.iter().position(|c| c.key == col);
    match i.and_then(|i| table.total.as_ref()?.get(i)) {
        Some(Cell::Number { value, .. }) => *value,
        _ => panic!("table {} has no total for {col}", table.key),
    }
}

fn village_cells(v: &Village) -> Vec<Cell> {
    let mut cells = vec![Cell::Text(v.name.clone()), Cell::Text(v.code.clone())];
    cells.extend(METRICS.iter().map(|(_, _, _, decimals, value)| Cell::Number {
        value: value(v),
        decimals: *decimals,
    }));
    cells
}

fn villages_table(run: &DemoRun) -> ReportTable {
    let column = |key: &str, label: &str, unit: &str| Column {
        key: key.into(),
        label: label.into(),
        unit: unit.into(),
    };
    let mut columns = vec![
        column("village_name", "村名称", ""),
        column("village_code", "村代码", ""),
    ];
    columns.extend(
        METRICS
            .iter()
            .map(|(key, label, unit, _, _)| column(key, label, unit)),
    );
    let rows = run
        .villages
        .iter()
        .map(|v| Row {
            key: v.code.clone(),
            cells: village_cells(v),
        })
        .collect();
    let mut table = ReportTable {
        key: "villages".into(),
        title: "各村主要指标".into(),
        columns,
        rows,
        total: None,
    };
    table.total = Some(table.total_of_rows("合计"));
    table
}

/// "一级（≤2°）" … "五级（>25°）" from the run's grade breaks.
fn grade_labels(breaks: &[f64]) -> Vec<String> {
    (0..5)
        .map(|g| match g {
            0 => format!("{}（≤{}°）", GRADE_NAMES[0], breaks[0]),
            4 => format!("{}（>{}°）", GRADE_NAMES[4], breaks[3]),
            _ => format!("{}（{}–{}°）", GRADE_NAMES[g], breaks[g - 1], breaks[g]),
        })
        .collect()
}

fn grades_table(run: &DemoRun) -> ReportTable {
    let mut columns = vec![Column {
        key: "village_name".into(),
        label: "村名称".into(),
        unit: String::new(),
    }];
    for (g, label) in grade_labels(&run.breaks).into_iter().enumerate() {
        columns.push(Column {
            key: format!("g{}", g + 1),
            label,
            unit: "亩".into(),
        });
    }
    let rows = run
        .villages
        .iter()
        .map(|v| {
            let mut cells = vec![Cell::Text(v.name.clone())];
            cells.extend(v.grade_mu.iter().map(|mu| Cell::Number {
                value: *mu,
                decimals: 2,
            }));
            Row {
                key: v.code.clone(),
                cells,
            }
        })
        .collect();
    let mut table = ReportTable {
        key: "grades".into(),
        title: "各村耕地坡度分级".into(),
        columns,
        rows,
        total: None,
    };
    table.total = Some(table.total_of_rows("合计"));
    table
}

fn grades_chart(run: &DemoRun, grades: &ReportTable) -> Chart {
    let labels = grade_labels(&run.breaks);
    let bars = (0..5)
        .map(|g| Bar {
            key: GRADE_NAMES[g].into(),
            label: labels[g].clone(),
            value: total_of(grades, &format!("g{}", g + 1)),
            colour: Some(GRADE_COLOURS[g].into()),
        })
        .collect();
    Chart {
        key: "grades".into(),
        title: "耕地坡度分级面积".into(),
        unit: "亩".into(),
        decimals: 2,
        bars,
    }
}

fn candidates_chart(run: &DemoRun) -> Chart {
    let bars = run
        .villages
        .iter()
        .map(|v| Bar {
            key: v.code.clone(),
            label: v.name.clone(),
            value: v.reforest_count,
            colour: Some("#7b3294".into()),
        })
        .collect();
    Chart {
        key: "candidates".into(),
        title: "各村退耕还林候选".into(),
        unit: "个".into(),
        decimals: 0,
        bars,
    }
}

/// A few lines from the manifest's change counts and `changes_villages`' total row.
fn change_lines(run: &DemoRun) -> Vec<String> {
    let c = &run.manifest["changes"];
    let (Some(t), false) = (&run.changes_total, c.is_null()) else {
        return Vec::new();
    };
    let counts = |kind: &str| {
        let n = |k: &str| c[kind][k].as_u64().unwrap_or(0);
        format!(
            "新增 {}、移除 {}、变化 {}",
            n("added"),
            n("removed"),
            n("changed")
        )
    };
    let delta = |old: usize, new: usize, decimals: usize| {
        let (o, n) = (number(&t[old]), number(&t[new]));
        format!(
            "{} → {}（{}{}）",
            report::format_number(o, decimals),
            report::format_number(n, decimals),
            if n >= o { "+" } else { "" },
            report::format_number(n - o, decimals)
        )
    };
    vec![
        // Areas as a change only: the old and new totals of changes_villages are rounded
        // after summing, the report's totals are sums of rounded village rows.
        format!(
            "退耕还林候选：{}；候选 {} 个，面积 {:+.2} 亩",
            counts("reforestation"),
            delta(0, 1, 0),
            number(&t[3]) - number(&t[2])
        ),
        format!(
            "小田并大田：{}；参与归并图斑 {} 个，归并组 {} 个",
            counts("merge"),
            delta(4, 5, 0),
            delta(6, 7, 0)
        ),
        format!("有变化的村：{} 个", c["villages_changed"].as_u64().unwrap_or(0)),
    ]
}

// ---------------------------------------------------------------- what must be shown

/// A value and the decimals it must be shown with.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    pub value: f64,
    pub decimals: usize,
}

/// Everything the report must show, from the GeoPackage: every number element of the
/// page must be one of these, and each of these must be on the page.
#[derive(Debug, Default)]
pub struct Expected {
    pub figures: BTreeMap<String, Shown>,
    /// (chart, bar) → value.
    pub bars: BTreeMap<(String, String), Shown>,
    /// (table, row, column) → value; total rows are checked against their rows.
    pub cells: BTreeMap<(String, String, String), Shown>,
    /// Tables whose total row must be there (and equal the sum of their rows).
    pub totals: Vec<String>,
    /// Text that must be on the page (village names, warnings, change lines).
    pub texts: Vec<String>,
}

/// The expected values, straight from the GeoPackage with SQL (independently of how the
/// report was built). Totals are the sums of the village rows as stored: the stored
/// TOTAL row is summed before rounding and may differ in the last digit (checked below).
fn expected_from_gpkg(gpkg: &Path, run: &DemoRun) -> Expected {
    let mut e = Expected {
        figures: expected_figures(gpkg),
        totals: vec!["villages".into(), "grades".into()],
        ..Default::default()
    };
    for g in 1..=5 {
        let value = sum_of_villages(gpkg, &format!("cropland_g{g}_mu"));
        e.bars.insert(
            ("grades".into(), GRADE_NAMES[g - 1].into()),
            Shown { value, decimals: 2 },
        );
    }
    expected_village_rows(gpkg, &mut e);
    e.texts.extend(run.villages.iter().map(|v| v.name.clone()));
    e.texts.extend(expected_change_texts(gpkg));
    e
}

fn expected_figures(gpkg: &Path) -> BTreeMap<String, Shown> {
    let villages = number(
        &query(
            gpkg,
            "SELECT count(*) FROM village_summary WHERE village_code <> 'TOTAL'",
        )[0][0],
    );
    let mut figures = BTreeMap::new();
    let summed = [
        ("parcels", "parcel_count", 0),
        ("cropland_count", "cropland_count", 0),
        ("cropland_mu", "cropland_mu", 2),
        ("steep_cropland_mu", "cropland_g5_mu", 2),
        ("reforest_count", "reforest_count", 0),
        ("reforest_mu", "reforest_mu", 2),
        ("grade_mismatch", "grade_mismatch_count", 0),
    ];
    for (key, col, decimals) in summed {
        let (sum, stored) = (sum_of_villages(gpkg, col), stored_total(gpkg, col));
        // Rounding each village to 0.01 moves the sum by at most 0.005 per village.
        assert!(
            (sum - stored).abs() <= villages * 0.005 + 1e-9,
            "{col}: villages add up to {sum}, TOTAL row says {stored}"
        );
        if sum != stored {
            eprintln!("note: {col}: the village rows add up to {sum}, the stored TOTAL row says {stored} (rounded after summing)");
        }
        figures.insert(key.to_string(), Shown { value: sum, decimals });
    }
    for (key, layer) in [
        ("merge_groups", "merge_groups"),
        ("merge_plots", "merge_candidates"),
        ("overlaps", "topology_issues"),
    ] {
        let value = number(&query(gpkg, &format!("SELECT count(*) FROM {layer}"))[0][0]);
        figures.insert(key.to_string(), Shown { value, decimals: 0 });
    }
    figures
}

/// The sum of a `village_summary` column over the villages (without the TOTAL row).
fn sum_of_villages(gpkg: &Path, col: &str) -> f64 {
    let sql = format!("SELECT round(sum({col}), 6) FROM village_summary WHERE village_code <> 'TOTAL'");
    number(&query(gpkg, &sql)[0][0])
}

/// A column of `village_summary`'s TOTAL row.
fn stored_total(gpkg: &Path, col: &str) -> f64 {
    number(
        &query(
            gpkg,
            &format!("SELECT {col} FROM village_summary WHERE village_code = 'TOTAL'"),
        )[0][0],
    )
}

/// Old → new of the candidate count and area, the merge plots and groups, as the
/// changes section must show them (the previous run had other grade breaks, so there
/// are changes to show).
fn expected_change_texts(gpkg: &Path) -> Vec<String> {
    let row = query(gpkg, "SELECT reforestation_old, reforestation_new, reforestation_mu_old, reforestation_mu_new, merge_plots_old, merge_plots_new, merge_groups_old, merge_groups_new FROM changes_villages WHERE village_code = ''");
    let r = row.first().expect("changes_villages has its all-villages row");
    let old_new = |i: usize, decimals: usize| {
        format!(
            "{} → {}",
            report::format_number(number(&r[i]), decimals),
            report::format_number(number(&r[i + 1]), decimals)
        )
    };
    let mu_change = format!("{:+.2} 亩", number(&r[3]) - number(&r[2]));
    let texts = vec![old_new(0, 0), mu_change, old_new(4, 0), old_new(6, 0)];
    assert_ne!(r[0], r[1], "the previous run should have had other candidates");
    texts
}

fn expected_village_rows(gpkg: &Path, e: &mut Expected) {
    for r in query(gpkg, VILLAGE_SQL) {
        let cell = |table: &str, col: &str, i: usize, decimals: usize| {
            (
                (table.to_string(), r[0].clone(), col.to_string()),
                Shown {
                    value: number(&r[i]),
                    decimals,
                },
            )
        };
        // (column, index in VILLAGE_SQL's result, decimals)
        let columns = [
            ("parcels", 2, 0),
            ("cropland_count", 3, 0),
            ("cropland_mu", 4, 2),
            ("reforest_count", 10, 0),
            ("reforest_mu", 11, 2),
            ("grade_mismatch", 12, 0),
            ("merge_plots", 13, 0),
            ("merge_groups", 14, 0),
        ];
        for (col, i, decimals) in columns {
            e.cells.extend([cell("villages", col, i, decimals)]);
        }
        for g in 1..=5 {
            e.cells.extend([cell("grades", &format!("g{g}"), 4 + g, 2)]);
        }
        e.bars.insert(
            ("candidates".into(), r[0].clone()),
            Shown {
                value: number(&r[10]),
                decimals: 0,
            },
        );
    }
}

// ---------------------------------------------------------------- checking a rendered report

/// What [`check_report`] rendered, for a look by hand.
pub struct Rendered {
    pub screenshot: PathBuf,
    pub dom: String,
}

/// Renders `html` in headless Chromium and checks what it shows against `expected`: the
/// page is self-contained, the screenshot is a real picture, every number in the DOM
/// (figure, bar, bar label, table cell) is an expected value shown to its decimals and
/// every expected value is there, bars are drawn to scale, total rows add up, and the
/// expected texts are on the page. `work` holds Chromium's files.
pub fn check_report(chromium: &Path, html: &Path, expected: &Expected, work: &Path) -> Rendered {
    check_self_contained(&std::fs::read_to_string(html).unwrap());
    let screenshot = work.join("report.png");
    let o = headless(
        chromium,
        html,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2400",
        ],
        work,
    );
    assert!(o.status.success(), "chromium --screenshot: {}", text(&o));
    check_screenshot(&screenshot, (1280, 2400));
    let o = headless(chromium, html, &["--dump-dom"], work);
    assert!(o.status.success(), "chromium --dump-dom: {}", text(&o));
    let dom = String::from_utf8(o.stdout).unwrap();
    let elements = elements(&dom);
    let numbers: Vec<&Element> = elements
        .iter()
        .filter(|e| e.attrs.contains_key("data-value"))
        .collect();
    assert!(!numbers.is_empty(), "no data-value elements in the rendered DOM");
    let seen = check_numbers(&numbers, expected);
    check_all_shown(&seen, expected);
    check_bar_scale(&numbers);
    check_totals(&numbers, expected);
    let page_text = decode(&strip_tags(&dom));
    for t in &expected.texts {
        assert!(page_text.contains(t.as_str()), "{t:?} is not on the page");
    }
    Rendered { screenshot, dom }
}

/// Nothing that would fetch or run anything: the analyst may open it offline.
fn check_self_contained(html: &str) {
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "src=",
        "href=",
        "url(",
        "@import",
        "@font-face",
    ] {
        assert!(
            !html.contains(banned),
            "report.html contains {banned:?}: it must be self-contained"
        );
    }
}

/// A PNG of the window's size whose pixels are not all one colour.
fn check_screenshot(png: &Path, (width, height): (usize, usize)) {
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        png.display()
    );
    let ds = gdal::Dataset::open(png).unwrap();
    assert_eq!(ds.raster_size(), (width, height), "screenshot size");
    let mut colours = std::collections::BTreeSet::new();
    for b in 1..=ds.raster_count().min(3) {
        let band = ds.rasterband(b).unwrap();
        let data = band
            .read_as::<u8>((0, 0), (width, height), (width, height), None)
            .unwrap();
        colours.extend(data.data().iter().step_by(7).copied().map(|v| (b, v)));
    }
    assert!(
        colours.len() > 3 * 2,
        "the screenshot is (nearly) one colour: {colours:?}"
    );
}

/// Which expected entries each number element showed; panics on any unexpected or wrong
/// number. Returns the keys seen (as "figure:k", "bar:c:b:rect", "cell:t:r:c").
fn check_numbers(numbers: &[&Element], expected: &Expected) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for e in numbers {
        let a = |k: &str| e.attrs.get(k).cloned().unwrap_or_default();
        let (key, want) = if e.attrs.contains_key("data-figure") {
            (
                format!("figure:{}", a("data-figure")),
                expected.figures.get(&a("data-figure")).copied(),
            )
        } else if e.attrs.contains_key("data-chart") {
            (
                format!("bar:{}:{}:{}", a("data-chart"), a("data-bar"), e.tag),
                expected.bars.get(&(a("data-chart"), a("data-bar"))).copied(),
            )
        } else if e.attrs.contains_key("data-total") {
            continue; // checked against the rows in check_totals
        } else if !e.attrs.contains_key("data-table") {
            panic!(
                "a number without data-figure, data-chart or data-table: {:?}",
                e.attrs
            );
        } else {
            (
                format!("cell:{}:{}:{}", a("data-table"), a("data-row"), a("data-col")),
                expected
                    .cells
                    .get(&(a("data-table"), a("data-row"), a("data-col")))
                    .copied(),
            )
        };
        let want =
            want.unwrap_or_else(|| panic!("the page shows a number nobody expected: {key} = {:?}", e.attrs));
        check_number(&key, e, want);
        *seen.entry(key).or_insert(0) += 1;
    }
    seen
}

/// One number element: its `data-value` is the expected value to the decimals shown, and
/// its text (bar rectangles have none) is that value with those decimals.
fn check_number(key: &str, e: &Element, want: Shown) {
    let value = number(&e.attrs["data-value"]);
    let half_unit = 0.5 * 10f64.powi(-(want.decimals as i32)) + 1e-9;
    assert!(
        (value - want.value).abs() <= half_unit,
        "{key}: data-value {value}, expected {}",
        want.value
    );
    if e.tag == "rect" {
        return;
    }
    let (shown, decimals) =
        parse_shown(&e.text).unwrap_or_else(|| panic!("{key}: {:?} is not a formatted number", e.text));
    assert_eq!(
        decimals, want.decimals,
        "{key}: {:?} shows {decimals} decimals",
        e.text
    );
    assert!(
        (shown - want.value).abs() <= half_unit,
        "{key}: shows {:?}, expected {} to {} decimals",
        e.text,
        want.value,
        want.decimals
    );
}

/// "1,234.56" → (1234.56, 2), checking the thousands grouping on the way.
fn parse_shown(text: &str) -> Option<(f64, usize)> {
    let digits = text.trim().strip_prefix('-').unwrap_or(text.trim());
    let (int, frac) = digits.split_once('.').map_or((digits, ""), |(i, f)| (i, f));
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups[0].len() <= 3
        && groups[0].chars().all(|c| c.is_ascii_digit())
        && !groups[0].is_empty()
        && groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    let value: f64 = text.trim().replace(',', "").parse().ok()?;
    (grouped && frac.chars().all(|c| c.is_ascii_digit())).then_some((value, frac.len()))
}

/// Every expected figure, bar (rectangle and value label) and cell is on the page once.
fn check_all_shown(seen: &BTreeMap<String, usize>, expected: &Expected) {
    let mut want: Vec<String> = expected.figures.keys().map(|k| format!("figure:{k}")).collect();
    for (c, b) in expected.bars.keys() {
        want.extend(["rect", "text"].map(|tag| format!("bar:{c}:{b}:{tag}")));
    }
    want.extend(expected.cells.keys().map(|(t, r, c)| format!("cell:{t}:{r}:{c}")));
    for k in want {
        assert_eq!(seen.get(&k), Some(&1), "{k} should be shown exactly once");
    }
}

/// Bar lengths are proportional to the values within each chart (one scale per chart,
/// bars from zero).
fn check_bar_scale(numbers: &[&Element]) {
    let mut charts: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for e in numbers.iter().filter(|e| e.tag == "rect") {
        let width = number(&e.attrs["width"]);
        charts
            .entry(e.attrs["data-chart"].clone())
            .or_default()
            .push((number(&e.attrs["data-value"]), width));
    }
    for (chart, bars) in charts {
        let (vmax, wmax) = bars
            .iter()
            .copied()
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        assert!(vmax > 0.0 && wmax > 0.0, "{chart}: no bar drawn");
        for (v, w) in bars {
            assert!(
                (w - v / vmax * wmax).abs() < 0.05,
                "{chart}: bar of {v} is {w} long, {} expected",
                v / vmax * wmax
            );
        }
    }
}

/// Each expected table has a total row, and each of its numbers is the sum of the
/// table's rows as shown (in units of the last decimal, so no float noise).
fn check_totals(numbers: &[&Element], expected: &Expected) {
    for table in &expected.totals {
        let in_table = numbers
            .iter()
            .filter(|e| e.attrs.get("data-table") == Some(table));
        let (totals, rows): (Vec<&&Element>, Vec<&&Element>) =
            in_table.partition(|e| e.attrs.contains_key("data-total"));
        assert!(!totals.is_empty(), "table {table} has no total row");
        for t in totals {
            let col = &t.attrs["data-col"];
            let (total, decimals) =
                parse_shown(&t.text).unwrap_or_else(|| panic!("total {col}: {:?}", t.text));
            let scale = 10f64.powi(decimals as i32);
            let sum: i64 = rows
                .iter()
                .filter(|r| &r.attrs["data-col"] == col)
                .map(|r| (parse_shown(&r.text).map_or(f64::NAN, |(v, _)| v) * scale).round() as i64)
                .sum();
            assert_eq!(
                (total * scale).round() as i64,
                sum,
                "table {table}, column {col}: total {:?} is not the sum of its rows",
                t.text
            );
        }
    }
}

// ---------------------------------------------------------------- the DOM, read plainly

/// An element's tag, attributes (entities decoded) and the text directly after its start
/// tag (the leaf text of number elements).
#[derive(Debug)]
struct Element {
    tag: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

/// Every start tag of a serialized DOM. Chromium writes it regularly (quoted attributes,
/// `&amp;` `&quot;` `&lt;` `&gt;` `&nbsp;` entities), which is all this needs to read.
fn elements(dom: &str) -> Vec<Element> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = tag_end(rest);
        let (tag, attrs) = parse_tag(&rest[..end]);
        rest = &rest[(end + 1).min(rest.len())..];
        let text = decode(&rest[..rest.find('<').unwrap_or(rest.len())]);
        out.push(Element { tag, attrs, text });
    }
    out
}

/// The index of the `>` closing a start tag, skipping quoted attribute values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    s.len()
}

fn parse_tag(s: &str) -> (String, BTreeMap<String, String>) {
    let s = s.trim_end_matches('/');
    let name_end = s.find(|c: char| c.is_whitespace()).unwrap_or(s.len());
    let mut attrs = BTreeMap::new();
    let mut rest = s[name_end..].trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_string();
        rest = &rest[key_end..];
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix("=\"") {
            let close = after.find('"').unwrap_or(after.len());
            value = decode(&after[..close]);
            rest = &after[(close + 1).min(after.len())..];
        }
        attrs.insert(key, value);
        rest = rest.trim_start();
    }
    (s[..name_end].to_ascii_lowercase(), attrs)
}

/// The text of the body: what follows each tag's `>` up to the next `<`.
fn strip_tags(dom: &str) -> String {
    let body = dom.split_once("<body").map_or(dom, |(_, b)| b);
    body.split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text))
        .collect()
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------- headless Chromium

/// Debian's chromium, or None with `SKIPPED:` (a failure under `CI=true`).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        let message = "chromium is not installed (apt-get install chromium)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "under CI=true: {message}"
        );
        eprintln!("SKIPPED: {message}");
    }
    found
}

/// Runs headless Chromium on `html` with a fresh profile, no network services, and a
/// time limit (a hung browser must fail the test, not stall the suite).
fn headless(chromium: &Path, html: &Path, args: &[&str], work: &Path) -> Output {
    let profile = tempfile::tempdir_in(work).unwrap();
    // Output goes to files: a DOM larger than a pipe's buffer would block Chromium while
    // this waits for it to finish.
    let (stdout, stderr) = (work.join("chromium.out"), work.join("chromium.err"));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium {args:?} did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(&stdout).unwrap(),
        stderr: std::fs::read(&stderr).unwrap(),
    }
}
