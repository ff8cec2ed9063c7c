//! The run's own `report.html` as an analyst sees it: written by a demo run, rendered by
//! headless Chromium, read back from the DOM Chromium produced (every number carries
//! `data-*` attributes) and compared with the run's GeoPackage, queried here with SQL
//! independently of how the report was built.
//!
//! [`check_report`] takes the HTML path and the expected values only; [`Expected`] is
//! built from the GeoPackage by [`expected_from_gpkg`].
//!
//! Chromium comes from Debian's `chromium` package (`scripts/setup.sh --tests`). Without
//! it the test prints `SKIPPED:` and passes, except under `CI=true`, where it fails.
//! `REPORT_HTML_KEEP=<dir>` keeps the report, the screenshot and the DOM there.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{execute, manifest, query, run_demo, text};
use landcons::layers::registry;
use landcons::output::report::format_number;

// ---------------------------------------------------------------- the test

#[test]
fn the_runs_report_shows_its_figures_as_chromium_renders_them() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A previous run with other grade breaks, so the report has changes to show.
    let o = run_demo(&out, &["--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]);
    assert!(o.status.success(), "{}", text(&o));
    let first = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!first.contains("与上次运行相比"), "a first run has no changes to report");
    assert!(first.contains("坡度&gt;20°耕地"), "the steep-cropland card follows the grade breaks");
    // This run's parcels hold a duplicated cropland parcel: an overlapping pair and a warning.
    let parcels = parcels_with_a_duplicate(dir.path());
    // A phase area cap some 项目库 projects do not fit under: the unscheduled list shows.
    let o = run_demo(&out, &["--set", &format!("inputs.parcels={}", parcels.display()), "--set", "projects.phase_cap_mu=1500"]);
    assert!(o.status.success(), "{}", text(&o));

    // Written into the result set and shown through the atomic switch like every result.
    let html_path = out.join("report.html");
    assert_eq!(std::fs::read_link(&html_path).unwrap(), Path::new("current/report.html"));
    let expected = expected_from_gpkg(&out.join("landcons.gpkg"), &manifest(&out));
    // 新增耕地率 says 达标 or 未达标 as the ledger's total row does.
    let pass = scalar(&out.join("landcons.gpkg"), "SELECT pass FROM new_cropland_ledger WHERE level = 'total'") == 1.0;
    let page = std::fs::read_to_string(&html_path).unwrap();
    assert!(page.contains(&format!("data-pass=\"{pass}\">{}", if pass { "达标" } else { "未达标" })), "the 新增耕地率 card says pass = {pass}");
    let rendered = check_report(&chromium, &html_path, &expected, dir.path());

    if let Ok(keep) = std::env::var("REPORT_HTML_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&html_path, Path::new(&keep).join("report.html")).unwrap();
        std::fs::copy(&rendered.screenshot, Path::new(&keep).join("report.png")).unwrap();
        std::fs::write(Path::new(&keep).join("report.dom.html"), &rendered.dom).unwrap();
    }
}

/// The demo's parcels (GeoPackage copy) with the first dry-land parcel drawn twice
/// under another id, as survey deliveries sometimes are.
fn parcels_with_a_duplicate(dir: &Path) -> PathBuf {
    let gpkg = dir.join("dltb.gpkg");
    std::fs::copy(common::repo().join("data/dltb.gpkg"), &gpkg).unwrap();
    let columns = "DLBM, DLMC, QSXZ, QSDWDM, QSDWMC, ZLDWDM, ZLDWMC, TBMJ, KCXS, GDLX, GDPDJB";
    execute(
        &gpkg,
        &format!(
            "INSERT INTO DLTB (geom, BSM, {columns}) SELECT geom, BSM || 'D', {columns} FROM DLTB \
             WHERE fid = (SELECT min(fid) FROM DLTB WHERE DLBM = '0103')"
        ),
    );
    gpkg
}

fn number(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not a number: {e}"))
}

/// The single value of a query.
fn scalar(gpkg: &Path, sql: &str) -> f64 {
    number(&query(gpkg, sql)[0][0])
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
    /// Text that must be on the page (village names, facts, warnings, change lines).
    pub texts: Vec<String>,
}

impl Expected {
    fn figure(&mut self, key: &str, value: f64, decimals: usize) {
        self.figures.insert(key.into(), Shown { value, decimals });
    }
}

/// The expected values, straight from the GeoPackage with SQL (and the run's facts and
/// warnings from its manifest).
fn expected_from_gpkg(gpkg: &Path, manifest: &serde_json::Value) -> Expected {
    let mut e = Expected {
        totals: vec!["villages".into(), "grades".into()],
        ..Default::default()
    };
    expected_village_figures(gpkg, &mut e);
    expected_rule_figures(gpkg, &mut e);
    for g in 1..=5 {
        let value = sum_of_villages(gpkg, &format!("cropland_g{g}_mu"));
        e.bars.insert(("grades".into(), format!("g{g}")), Shown { value, decimals: 2 });
    }
    expected_village_rows(gpkg, &mut e);
    expected_structure_rows(gpkg, &mut e);
    expected_project_rows(gpkg, &mut e);
    e.texts.extend(expected_facts(manifest));
    e.texts.extend(expected_change_lines(gpkg));
    e
}

/// Cards summing `village_summary` (whose TOTAL row must be the sum of its village
/// rows as stored) and cards counting a layer's rows.
fn expected_village_figures(gpkg: &Path, e: &mut Expected) {
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
        assert!((sum - stored).abs() < 1e-6, "{col}: villages add up to {sum}, TOTAL row says {stored}");
        e.figure(key, sum, decimals);
    }
    for (key, layer) in [("merge_groups", "merge_groups"), ("merge_plots", "merge_candidates"), ("overlaps", "topology_issues")] {
        e.figure(key, scalar(gpkg, &format!("SELECT count(*) FROM {layer}")), 0);
    }
    assert!(e.figures["overlaps"].value >= 1.0, "the duplicated parcel is an overlapping pair");
}

/// Cards of the swap, linkage and indicator rules: a field of each ledger's total row.
fn expected_rule_figures(gpkg: &Path, e: &mut Expected) {
    let totals = [
        ("swap_out_mu", "swap_ledger", "scope", "out_mu"),
        ("swap_in_mu", "swap_ledger", "scope", "in_mu"),
        ("demolish_mu", "linkage_ledger", "level", "demolish_mu"),
        ("rebuild_mu", "linkage_ledger", "level", "rebuild_mu"),
        ("surplus_mu", "linkage_ledger", "level", "surplus_mu"),
        ("reward_mu", "linkage_ledger", "level", "reward_mu"),
        ("new_cropland_mu", "new_cropland_ledger", "level", "net_mu"),
        ("new_share_pct", "new_cropland_ledger", "level", "new_share_pct"),
        ("cropland_current_mu", "indicators", "level", "cropland_current_mu"),
        ("cropland_planned_mu", "indicators", "level", "cropland_planned_mu"),
    ];
    for (key, table, level, col) in totals {
        let value = scalar(gpkg, &format!("SELECT {col} FROM {table} WHERE {level} = 'total'"));
        e.figure(key, value, 2);
    }
    // 集中连片: the block_summary total row.
    for (key, col, decimals) in [("blocks_100_current", "blocks_100_current", 0), ("blocks_100_planned", "blocks_100_planned", 0), ("share_100_planned", "share_100_planned", 2)] {
        let value = scalar(gpkg, &format!("SELECT {col} FROM block_summary WHERE village_code = 'TOTAL'"));
        e.figure(key, value, decimals);
    }
    // 永久基本农田调整: the pbf_ledger total row.
    for (key, col) in [("pbf_out_mu", "out_mu"), ("pbf_in_mu", "in_mu"), ("pbf_gain_mu", "gain_mu")] {
        e.figure(key, scalar(gpkg, &format!("SELECT {col} FROM pbf_ledger WHERE scope = 'total'")), 2);
    }
    // 项目库: the funding_balance total row.
    e.figure("projects", scalar(gpkg, "SELECT projects FROM funding_balance WHERE phase = 'total'"), 0);
    e.figure("projects_investment", scalar(gpkg, "SELECT investment_wan FROM funding_balance WHERE phase = 'total'"), 2);
    // 土地整理: the consolidation_groups total row.
    e.figure("consolidation_mu", scalar(gpkg, "SELECT new_cropland_mu FROM consolidation_groups WHERE level = 'total'"), 2);
    // The swap ledger's total is the sum of its unit rows (as the report's card says).
    let units = scalar(gpkg, "SELECT round(sum(out_mu), 6) FROM swap_ledger WHERE scope <> 'total'");
    assert!((units - e.figures["swap_out_mu"].value).abs() < 1e-6, "swap_ledger total out_mu");
}

/// The sum of a `village_summary` column over the villages (without the TOTAL row).
fn sum_of_villages(gpkg: &Path, col: &str) -> f64 {
    scalar(gpkg, &format!("SELECT round(sum({col}), 6) FROM village_summary WHERE village_code <> 'TOTAL'"))
}

/// A column of `village_summary`'s TOTAL row.
fn stored_total(gpkg: &Path, col: &str) -> f64 {
    scalar(gpkg, &format!("SELECT {col} FROM village_summary WHERE village_code = 'TOTAL'"))
}

/// Per village: `village_summary` figures with the merge plots and groups in it.
const VILLAGE_SQL: &str = "SELECT v.village_code, v.village_name, parcel_count, cropland_count, cropland_mu, \
     reforest_count, reforest_mu, swap_out_mu, swap_in_mu, \
     (SELECT count(*) FROM merge_candidates m WHERE m.village_code = v.village_code), \
     (SELECT count(*) FROM merge_groups g WHERE g.village_code = v.village_code), grade_mismatch_count, \
     cropland_g1_mu, cropland_g2_mu, cropland_g3_mu, cropland_g4_mu, cropland_g5_mu \
     FROM village_summary v WHERE v.village_code <> 'TOTAL' ORDER BY v.village_code";

/// The villages table's columns in VILLAGE_SQL's order (from index 2), with decimals.
const VILLAGE_COLUMNS: [(&str, usize); 10] = [
    ("parcels", 0),
    ("cropland_count", 0),
    ("cropland_mu", 2),
    ("reforest_count", 0),
    ("reforest_mu", 2),
    ("swap_out_mu", 2),
    ("swap_in_mu", 2),
    ("merge_plots", 0),
    ("merge_groups", 0),
    ("grade_mismatch", 0),
];

/// 用地结构调整表 of the whole area: the total's class rows as the table prints them (its
/// 合计 row must be their sum as shown).
fn expected_structure_rows(gpkg: &Path, e: &mut Expected) {
    e.totals.push("land_use".into());
    let cols = ["current_ha", "current_share", "planned_ha", "planned_share", "change_ha"];
    let sql = format!("SELECT class, {} FROM land_use_structure WHERE level = 'total' AND class != 'total'", cols.join(", "));
    for r in query(gpkg, &sql) {
        for (i, col) in cols.iter().enumerate() {
            e.cells.insert(("land_use".into(), r[0].clone(), col.to_string()), Shown { value: number(&r[1 + i]), decimals: 2 });
        }
    }
}

/// 项目库: per project type the count and sums of the `projects` rows; 资金平衡 per phase
/// as `funding_balance` holds it (both with a 合计 row that adds up); the unscheduled
/// projects one by one.
fn expected_project_rows(gpkg: &Path, e: &mut Expected) {
    e.totals.extend(["projects".into(), "funding_balance".into()]);
    let sums = ["area_mu", "new_cropland_mu", "surplus_mu", "investment_wan", "revenue_wan"];
    let sql = format!("SELECT type_code, count(*), {} FROM projects GROUP BY type_code", sums.map(|c| format!("sum({c})")).join(", "));
    for r in query(gpkg, &sql) {
        e.cells.insert(("projects".into(), r[0].clone(), "projects".into()), Shown { value: number(&r[1]), decimals: 0 });
        for (i, col) in sums.iter().enumerate() {
            e.cells.insert(("projects".into(), r[0].clone(), col.to_string()), Shown { value: number(&r[2 + i]), decimals: 2 });
        }
    }
    let money = ["investment_wan", "supplement_wan", "linkage_wan", "reward_wan", "revenue_wan", "balance_wan"];
    for r in query(gpkg, &format!("SELECT phase, projects, {} FROM funding_balance WHERE phase <> 'total'", money.join(", "))) {
        e.cells.insert(("funding_balance".into(), r[0].clone(), "projects".into()), Shown { value: number(&r[1]), decimals: 0 });
        for (i, col) in money.iter().enumerate() {
            e.cells.insert(("funding_balance".into(), r[0].clone(), col.to_string()), Shown { value: number(&r[2 + i]), decimals: 2 });
        }
    }
    let unscheduled = query(gpkg, "SELECT project_id, rank, area_mu, investment_wan FROM projects WHERE phase = 'unscheduled'");
    assert!(!unscheduled.is_empty(), "the phase cap leaves projects unscheduled");
    for r in unscheduled {
        for (i, (col, decimals)) in [("rank", 0), ("area_mu", 2), ("investment_wan", 2)].into_iter().enumerate() {
            e.cells.insert(("projects_unscheduled".into(), r[0].clone(), col.into()), Shown { value: number(&r[1 + i]), decimals });
        }
        e.texts.push(r[0].clone());
    }
}

fn expected_village_rows(gpkg: &Path, e: &mut Expected) {
    for r in query(gpkg, VILLAGE_SQL) {
        let mut cell = |table: &str, col: &str, i: usize, decimals: usize| {
            let key = (table.to_string(), r[0].clone(), col.to_string());
            e.cells.insert(key, Shown { value: number(&r[i]), decimals });
        };
        for (i, (col, decimals)) in VILLAGE_COLUMNS.iter().enumerate() {
            cell("villages", col, 2 + i, *decimals);
        }
        for g in 1..=5 {
            cell("grades", &format!("g{g}"), 11 + g, 2);
        }
        e.bars.insert(("candidates".into(), r[0].clone()), Shown { value: number(&r[5]), decimals: 0 });
        e.texts.push(r[1].clone());
    }
}

/// The run's status, version, inputs and warnings as the manifest records them.
fn expected_facts(m: &serde_json::Value) -> Vec<String> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    assert_eq!(m["status"], "success");
    let mut texts = vec![
        "成功".to_string(),
        "坡度>25°耕地".to_string(),
        format!("landcons {}", s(&m["version"])),
        s(&m["inputs"]["parcels"]),
        s(&m["inputs"]["work_crs"]["name"]),
    ];
    let warnings: Vec<String> = m["warnings"].as_array().unwrap().iter().map(|w| s(&w["message"])).collect();
    assert!(warnings.iter().any(|w| w.contains("overlapping")), "the duplicate is warned about: {warnings:?}");
    texts.extend(warnings);
    texts
}

/// "+12", "-3.50": a signed figure as the changes section shows it.
fn signed(value: f64, decimals: usize) -> String {
    let text = format_number(value, decimals);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// One line per compared layer (from `changes_<label>` and `changes_villages`' total
/// row), then the number of villages that changed.
fn expected_change_lines(gpkg: &Path) -> Vec<String> {
    let present = query(gpkg, "SELECT table_name FROM gpkg_contents");
    let has = |t: &str| present.iter().any(|r| r[0] == t);
    let mut lines = Vec::new();
    for layer in registry() {
        let Some(spec) = layer.changes() else { continue };
        if !has(&format!("changes_{}", spec.label)) {
            continue;
        }
        let kinds = |kind: &str| scalar(gpkg, &format!("SELECT count(*) FROM changes_{} WHERE change = '{kind}'", spec.label));
        let old_new = |name: &str, decimals: usize, unit: &str| {
            let r = &query(gpkg, &format!("SELECT {name}_old, {name}_new, {name}_delta FROM changes_villages WHERE village_code = ''"))[0];
            let v = |i: usize| number(&r[i]);
            format!("{} → {}{unit}（{}）", format_number(v(0), decimals), format_number(v(1), decimals), signed(v(2), decimals))
        };
        let mut line = format!(
            "{}：新增 {}、移除 {}、变化 {}；{} {}",
            layer.title().zh,
            kinds("added"),
            kinds("removed"),
            kinds("changed"),
            spec.noun_zh,
            old_new(spec.count_label, 0, "")
        );
        if spec.village_mu {
            line.push_str(&format!("，面积 {}", old_new(&format!("{}_mu", spec.count_label), 2, " 亩")));
        }
        if let Some((_, groups)) = spec.group {
            line.push_str(&format!("，归并组 {}", old_new(groups, 0, "")));
        }
        lines.push(line);
    }
    assert!(lines.len() >= 2, "the demo compares candidates and merge plots: {lines:?}");
    let villages = scalar(gpkg, "SELECT count(*) FROM changes_villages WHERE village_code <> ''") as usize;
    assert!(villages > 0, "the other grade breaks changed some village's figures");
    lines.push(format!("有变化的村：{villages} 个"));
    lines
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

/// `output.language = "en"`: the report's own words (headings, facts, cards, tables,
/// charts, units) are English, the Chinese small beside them; the figures are those of the
/// Chinese report (issue #33: every label stayed Chinese).
#[test]
fn the_report_speaks_english_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (zh, en) = (dir.path().join("zh"), dir.path().join("en"));
    for (out, extra) in [(&zh, vec![]), (&en, vec!["--set", "output.language=\"en\""])] {
        let o = run_demo(out, &extra);
        assert!(o.status.success(), "{}", text(&o));
    }
    let page = std::fs::read_to_string(en.join("report.html")).unwrap();
    assert!(page.contains("<html lang=\"en\">"), "html lang");
    for english in ["key figures<span class=\"en\">主要指标</span>", "<dt>status</dt>", "<dt>working CRS</dt>", "<div class=\"label\">cropland</div>", "key figures by village", "cropland by slope grade", "grade 5 (&gt;25°)", "<span class=\"unit\">mu</span>"] {
        assert!(page.contains(english), "{english:?} missing from the English report");
    }
    for chinese in ["<dt>运行状态</dt>", "<div class=\"label\">耕地面积</div>", "各村主要指标", "五级（"] {
        assert!(!page.contains(chinese), "{chinese:?} still in the English report");
    }
    // The same figures in both.
    let values = |p: &Path| -> Vec<String> {
        let html = std::fs::read_to_string(p.join("report.html")).unwrap();
        html.split("data-value=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
    };
    assert_eq!(values(&zh), values(&en));
}
