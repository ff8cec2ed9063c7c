//! 用地结构调整表: every parcel's planning land-use class now (现状) and after the plan
//! (规划) — by its land-use code (DLBM) and 城镇村属性码 (CZCSXM), through one code table
//! with the run's overrides — and the structure per village, 村级片区, 乡镇 and in total,
//! in whole cm², checked: classes sum to the unit's area, units sum to the total, and the
//! cropland change equals the indicator table's. Cropland counts net of its 田坎
//! deduction (KCMJ or TBMJ × KCXS), which counts as 其他土地 (三调's 1203 田坎) while the
//! parcel stays cropland; land entering or leaving cropland counts whole, as in the
//! indicator table. Printed figures (ha and mu, shares in %) are rounded by the largest
//! remainder so that printed rows add up to their printed total.

use std::collections::BTreeMap;

use super::indicators::{cm2, Measure};
use super::rule::RunData;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::settings::{Settings, LAND_USE_CLASSES, SETTLEMENT_CLASSES};
use crate::units::{largest_remainder, printed_units, M2_PER_MU};

mod print;

/// Number of classes.
pub const N: usize = LAND_USE_CLASSES.len();
const CROPLAND: usize = 0;
const OTHER: usize = N - 1;

/// Classes a parcel's land-use code and 城镇村属性码 give it.
pub struct Classifier {
    /// (prefix, class), longest prefixes first.
    codes: Vec<(String, usize)>,
    settlement: Vec<(String, usize)>,
    /// The 城镇村属性码 column.
    urban: Option<usize>,
}

impl Classifier {
    pub fn new(p: &Parcels, s: &Settings) -> Classifier {
        let mut codes = s.land_use.code_table();
        codes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let index = |k: &str| crate::settings::class_index(k).unwrap_or(OTHER);
        let mut settlement: Vec<(String, usize)> = s.land_use.settlement.iter().map(|(c, k)| (c.clone(), index(k))).collect();
        settlement.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Classifier { codes, settlement, urban: Measure::new(p, &s.indicators).urban_column() }
    }

    /// The class of a land-use code (a `K` suffix ignored) with a 城镇村属性码: the
    /// longest matching prefix; construction land takes the class of its 城镇村属性码.
    pub fn class_of(&self, code: &str, czcsxm: &str) -> usize {
        let code = code.trim().trim_end_matches(['K', 'k']);
        let class = self.codes.iter().find(|(p, _)| code.starts_with(p.as_str())).map_or(OTHER, |(_, c)| *c);
        let czcsxm = czcsxm.trim();
        let settles = SETTLEMENT_CLASSES.contains(&LAND_USE_CLASSES[class].0) && !czcsxm.is_empty();
        match settles.then(|| self.settlement.iter().find(|(p, _)| czcsxm.starts_with(p.as_str()))).flatten() {
            Some((_, c)) => *c,
            None => class,
        }
    }

    /// Parcel `i`'s class now.
    pub fn current(&self, p: &Parcels, i: usize) -> usize {
        let czcsxm = self.urban.map(|c| p.attribute(i, c).as_text().to_string()).unwrap_or_default();
        self.class_of(p.land_use(i), &czcsxm)
    }
}

/// The class the plan gives a parcel of class `current` and land-use code `code`, from
/// a rule's indicator key (None: it stays): a key naming the parcel's own indicator
/// class keeps its class; "construction" is 村庄建设用地; a key no class has is 其他土地.
pub fn planned_class(s: &Settings, code: &str, current: usize, key: Option<&str>) -> usize {
    match key {
        None => current,
        Some(k) if s.indicators.class_of(code) == k => current,
        Some("construction") => crate::settings::class_index("village").unwrap_or(OTHER),
        Some(k) => crate::settings::class_index(k).unwrap_or(OTHER),
    }
}

/// Every parcel's class now and after the plan (indices into [`LAND_USE_CLASSES`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LandUseClasses {
    pub current: Vec<u8>,
    pub planned: Vec<u8>,
}

/// The classes of every parcel, once every rule has decided.
pub fn classes(d: &RunData) -> LandUseClasses {
    let classify = Classifier::new(d.parcels, d.settings);
    let (mut current, mut planned) = (Vec::with_capacity(d.parcels.len()), Vec::with_capacity(d.parcels.len()));
    for i in 0..d.parcels.len() {
        let now = classify.current(d.parcels, i);
        current.push(now as u8);
        planned.push(planned_class(d.settings, d.parcels.land_use(i), now, d.planned(i)) as u8);
    }
    LandUseClasses { current, planned }
}

/// Areas of one unit per class: [current, planned] in cm².
pub type Areas = [[i64; 2]; N];

/// What the table reads.
pub struct StructureInputs<'a> {
    pub parcels: &'a Parcels,
    /// Each parcel's computed area (m²), used where it has no official area.
    pub computed_m2: &'a [f64],
    pub classes: &'a LandUseClasses,
    pub settings: &'a Settings,
    /// The indicator table's cropland change (planned − current, cm²), to agree with.
    pub cropland_change: Option<i64>,
    /// The cropland (cm²) a rule adds to a parcel without a class change (土地整理's
    /// recovered 田坎, [`super::rule::Rule::cropland_gain_cm2`]); empty: none.
    pub cropland_gain: &'a [Option<i64>],
}

/// A parcel's contributions: its official area (TBMJ, else computed) in its class now
/// and after the plan; cropland net of 田坎, the 田坎 in 其他土地 while it stays cropland,
/// but for the 田坎 a rule recovers (as the indicator table counts it: only on cropland
/// that stays cropland), which moves from 其他土地 to 耕地 in the plan.
pub(crate) fn contribution(inp: &StructureInputs, cols: &Measure, i: usize) -> Areas {
    let p = inp.parcels;
    let official = cm2(p.official_area(i).unwrap_or(inp.computed_m2[i]));
    let (now, then) = (inp.classes.current[i] as usize, inp.classes.planned[i] as usize);
    let tiankan = if now == CROPLAND { cols.deduction_cm2(i, official) } else { 0 };
    let mut out = [[0i64; 2]; N];
    out[now][0] += official - tiankan;
    out[OTHER][0] += tiankan;
    if then == now {
        let gain = if now == CROPLAND { inp.cropland_gain.get(i).copied().flatten().unwrap_or(0) } else { 0 };
        out[now][1] += official - tiankan + gain;
        out[OTHER][1] += tiankan - gain;
    } else {
        out[then][1] += official;
    }
    out
}

fn add(a: &mut Areas, b: &Areas) {
    for (x, y) in a.iter_mut().zip(b) {
        x[0] += y[0];
        x[1] += y[1];
    }
}

/// One unit's row.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureRow {
    /// "village", "cluster", "township" or "total".
    pub level: &'static str,
    pub code: String,
    pub name: String,
    pub areas: Areas,
    /// The printed figures, in units of the last printed decimal, per class and the
    /// unit's 合计 (index N): ha and mu [current, planned, change]; shares (%) [current,
    /// planned].
    pub ha: [[i64; 3]; N + 1],
    pub mu: [[i64; 3]; N + 1],
    pub share: [[i64; 2]; N + 1],
}

impl StructureRow {
    fn new(level: &'static str, code: &str, name: &str) -> StructureRow {
        StructureRow { level, code: code.into(), name: name.into(), areas: [[0; 2]; N], ha: [[0; 3]; N + 1], mu: [[0; 3]; N + 1], share: [[0; 2]; N + 1] }
    }

    /// The unit's area (cm²): the sum of its classes now.
    pub fn area(&self) -> i64 {
        self.areas.iter().map(|a| a[0]).sum()
    }
}

/// The township of a village code: its first 9 digits.
pub fn township_of(village: &str) -> &str {
    village.get(..9).unwrap_or(village)
}

/// The table: village rows (by code), cluster rows (by name), township rows (by code)
/// and the total; checked, with its printed figures.
pub fn structure(inp: &StructureInputs) -> Result<Vec<StructureRow>> {
    let cols = Measure::new(inp.parcels, &inp.settings.indicators);
    let mut villages: BTreeMap<String, StructureRow> = BTreeMap::new();
    let mut direct = [[0i64; 2]; N];
    for i in 0..inp.parcels.len() {
        let c = contribution(inp, &cols, i);
        add(&mut direct, &c);
        let code = inp.parcels.village_code(i);
        let row = villages.entry(code.to_string()).or_insert_with(|| StructureRow::new("village", code, inp.parcels.village_name(i)));
        add(&mut row.areas, &c);
    }
    let villages: Vec<StructureRow> = villages.into_values().collect();
    let clusters = &inp.settings.villages.clusters;
    let cluster_of = |v: &StructureRow| clusters.get(&v.code).cloned().unwrap_or_else(|| "未分片区".into());
    let mut rows = villages.clone();
    rows.extend(group(&villages, "cluster", cluster_of));
    rows.extend(group(&villages, "township", |v| township_of(&v.code).to_string()));
    let mut total = StructureRow::new("total", "total", "合计");
    villages.iter().for_each(|v| add(&mut total.areas, &v.areas));
    rows.push(total);
    reconcile(&rows, &direct, inp.cropland_change)?;
    print::fill_printed(&mut rows, inp.settings.land_use.decimals);
    Ok(rows)
}

/// Rows of `level` summing the villages by `key` (the row's code and name).
fn group(villages: &[StructureRow], level: &'static str, key: impl Fn(&StructureRow) -> String) -> Vec<StructureRow> {
    let mut out: BTreeMap<String, StructureRow> = BTreeMap::new();
    for v in villages {
        let k = key(v);
        let row = out.entry(k.clone()).or_insert_with(|| StructureRow::new(level, &k, &k));
        add(&mut row.areas, &v.areas);
    }
    out.into_values().collect()
}

/// The checks: every unit's classes hold its whole area now and after the plan; each
/// level sums to the total; the total equals the parcels' own sums; the cropland change
/// equals the indicator table's.
fn reconcile(rows: &[StructureRow], direct: &Areas, cropland_change: Option<i64>) -> Result<()> {
    let fail = |row: &str, message: String| Err(Error::Reconciliation { table: "land_use_structure".into(), row: row.to_string(), message });
    for r in rows {
        let planned: i64 = r.areas.iter().map(|a| a[1]).sum();
        if planned != r.area() {
            return fail(&r.code, format!("the classes hold {} cm² now and {planned} cm² after the plan", r.area()));
        }
    }
    let total = rows.last().expect("the total row");
    if total.areas != *direct {
        return fail("total", "the total differs from the sums over the parcel layer".into());
    }
    for level in ["village", "cluster", "township"] {
        let mut sum = [[0i64; 2]; N];
        rows.iter().filter(|r| r.level == level).for_each(|r| add(&mut sum, &r.areas));
        if sum != total.areas {
            return fail("total", format!("the {level} rows do not add up to the total"));
        }
    }
    let change = total.areas[CROPLAND][1] - total.areas[CROPLAND][0];
    match cropland_change {
        Some(c) if c != change => fail("total", format!("cropland changes by {change} cm², the indicator table by {c} cm²")),
        _ => Ok(()),
    }
}

/// ha of one printed unit in m² (10 000 m² a hectare), and mu (666.67 m²).
pub const UNITS_M2: [f64; 2] = [10_000.0, M2_PER_MU];

/// The exact value of `cm2` in printed units of ha (0) or mu (1).
pub fn exact(cm2: i64, unit: usize, decimals: u32) -> f64 {
    printed_units(cm2, UNITS_M2[unit], decimals)
}

/// Rounds `exact` to `total` by the largest remainder (see [`largest_remainder`]).
pub fn apportion(exact: &[f64], total: i64) -> Vec<i64> {
    largest_remainder(exact, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::testing::{parcels, Plot, V1, V2, V3};
    use crate::table::{AttrValue, FieldKind, FieldSpec};

    fn key(c: usize) -> &'static str {
        LAND_USE_CLASSES[c].0
    }

    #[test]
    fn every_code_in_exactly_one_class() {
        let p = parcels(&[FieldSpec::new("CZCSXM", FieldKind::Text)], &[]);
        let c = Classifier::new(&p, &Settings::default());
        let cases = [
            ("0101", "", "cropland"),
            ("0103", "203", "cropland"),
            ("0201K", "", "garden"),
            ("0204", "", "garden"),
            ("0301K", "", "forest"),
            ("0303", "", "wetland"),
            ("0402", "", "wetland"),
            ("0404", "", "grassland"),
            ("1202", "", "agri_facility"),
            ("1006", "203", "agri_facility"),
            ("0701", "", "urban"),
            ("0701", "203", "village"),
            ("0702", "", "village"),
            ("0702", "202", "urban"),
            ("0601", "", "other_construction"),
            ("0601", "201", "urban"),
            ("0602", "204", "other_construction"),
            ("05H1", "203", "village"),
            ("08H2A", "201", "urban"),
            ("1003", "201", "infrastructure"),
            ("1004", "203", "village"),
            ("1104", "", "water"),
            ("1104A", "", "water"),
            ("1107", "", "water"),
            ("1106", "", "wetland"),
            ("1203", "203", "other"),
            ("1206", "", "other"),
            ("", "", "other"),
        ];
        for (code, czcsxm, want) in cases {
            assert_eq!(key(c.class_of(code, czcsxm)), want, "{code} with CZCSXM {czcsxm:?}");
        }
    }

    #[test]
    fn planned_classes_follow_the_rules_keys() {
        let s = Settings::default();
        let idx = |k: &str| crate::settings::class_index(k).unwrap();
        assert_eq!(planned_class(&s, "0103", idx("cropland"), None), idx("cropland"));
        assert_eq!(planned_class(&s, "0103", idx("cropland"), Some("forest")), idx("forest"));
        assert_eq!(planned_class(&s, "0702", idx("village"), Some("cropland")), idx("cropland"));
        // A key naming the parcel's own indicator class keeps its planning class.
        assert_eq!(planned_class(&s, "0701", idx("urban"), Some("construction")), idx("urban"));
        assert_eq!(planned_class(&s, "1104", idx("water"), Some("other")), idx("water"));
        assert_eq!(planned_class(&s, "0103", idx("cropland"), Some("construction")), idx("village"));
        assert_eq!(planned_class(&s, "0103", idx("cropland"), Some("nonsense")), idx("other"));
    }

    fn fixture() -> (Parcels, Vec<f64>, LandUseClasses) {
        let fields = [FieldSpec::new("KCXS", FieldKind::Real), FieldSpec::new("CZCSXM", FieldKind::Text)];
        let plot = |code: &'static str, v: &'static str, tbmj: f64, kcxs: Option<f64>, cz: &'static str| {
            Plot::new(code).village(v).tbmj(tbmj).attributes(vec![kcxs.map(AttrValue::Real).unwrap_or(AttrValue::Null), AttrValue::text(cz)])
        };
        let p = parcels(
            &fields,
            &[
                plot("0103", V1, 1000.0, Some(0.1), ""),  // cropland, 田坎 100 m², → forest
                plot("0103", V1, 500.0, Some(0.1), ""),   // stays, 田坎 50 m²
                plot("0702", V2, 200.0, None, "203"),     // village → cropland
                plot("0701", V2, 300.0, None, "202"),     // urban
                plot("1104", V3, 123.45, None, ""),       // water
            ],
        );
        let s = Settings::default();
        let c = Classifier::new(&p, &s);
        let current: Vec<u8> = (0..p.len()).map(|i| c.current(&p, i) as u8).collect();
        let keys = [Some("forest"), None, Some("cropland"), None, None];
        let planned = (0..p.len()).map(|i| planned_class(&s, p.land_use(i), current[i] as usize, keys[i]) as u8).collect();
        (p, vec![0.0; 5], LandUseClasses { current, planned })
    }

    #[test]
    fn structure_rows_in_cm2_reconcile() {
        let (p, computed, classes) = fixture();
        let mut s = Settings::default();
        s.villages.clusters.insert(V1.into(), "片区一".into());
        let idx = |k: &str| crate::settings::class_index(k).unwrap();
        // Cropland: now 900 + 450, planned 450 + 200 → −700 m²; the indicator table agrees.
        let inp = StructureInputs { parcels: &p, computed_m2: &computed, classes: &classes, settings: &s, cropland_change: Some(-70_000), cropland_gain: &[] };
        let rows = structure(&inp).unwrap();
        let heads: Vec<(&str, &str)> = rows.iter().map(|r| (r.level, r.code.as_str())).collect();
        assert_eq!(heads, [("village", V1), ("village", V2), ("village", V3), ("cluster", "未分片区"), ("cluster", "片区一"), ("township", "510000001"), ("township", "510000002"), ("total", "total")]);
        let v1 = &rows[0];
        assert_eq!(v1.areas[idx("cropland")], [135_000, 45_000]);
        assert_eq!(v1.areas[idx("other")], [15_000, 5_000], "田坎 of cropland that stays stays 其他土地");
        assert_eq!(v1.areas[idx("forest")], [0, 100_000], "land leaving cropland counts whole");
        assert_eq!(rows[1].areas[idx("village")], [20_000, 0]);
        assert_eq!(rows[1].areas[idx("urban")], [30_000, 30_000]);
        assert_eq!(rows[2].areas[idx("water")], [12_345, 12_345]);
        let total = rows.last().unwrap();
        assert_eq!(total.area(), 150_000 + 20_000 + 30_000 + 12_345);
        assert_eq!(total.ha[N][0], 21, "0.2123 ha → 0.21");
        let wrong = StructureInputs { cropland_change: Some(-69_999), ..inp };
        assert!(matches!(structure(&wrong), Err(Error::Reconciliation { .. })));
    }
}
