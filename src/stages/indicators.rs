//! 规划指标分解表: current (现状) and planned (规划) figures per village, per village cluster
//! (村级片区) and in total, for each indicator class, from the official TBMJ (耕地 net of
//! 田坎) with the computed areas beside. Sums are kept in whole cm², so every cluster row is
//! exactly the sum of its villages and the total the sum of all; the run checks that, and
//! that the totals equal the parcels' own sums and the candidates' net change.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::settings::{IndicatorSettings, Role, INDICATORS};
use crate::stages::constraints::Constraints;
use crate::stages::zonal::ParcelSlope;

/// Number of indicator classes (columns groups).
pub const KEYS: usize = INDICATORS.len();
const BASIC_FARMLAND: usize = 1;
const OTHER: usize = KEYS - 1;

/// One row: per class, [current, planned, current computed, planned computed] in cm².
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorRow {
    /// "village", "cluster" or "total".
    pub level: &'static str,
    pub code: String,
    pub name: String,
    pub values: [[i64; 4]; KEYS],
    /// The values as tables show them, in ha (4 decimals) and mu (2 decimals): a village
    /// row rounds its own sum; a cluster or the total row sums what its villages show, so
    /// every printed column adds up.
    pub shown_ha: [[f64; 4]; KEYS],
    pub shown_mu: [[f64; 4]; KEYS],
}

/// ha (4 decimals) and mu (2 decimals) of an area in cm².
pub fn shown(cm2: i64) -> (f64, f64) {
    use crate::units::{round, M2_PER_MU};
    let m2 = cm2 as f64 / 100.0;
    (round(m2 / 10_000.0, 4), round(m2 / M2_PER_MU, 2))
}

/// Shown (ha, mu) sums of one row.
type ShownSums = ([[f64; 4]; KEYS], [[f64; 4]; KEYS]);

/// Sets the shown values: villages from their sums, the others from their villages'.
fn fill_shown(rows: &mut [IndicatorRow], clusters: &BTreeMap<String, String>) {
    let mut by_cluster: BTreeMap<String, ShownSums> = BTreeMap::new();
    let mut total: ShownSums = ([[0.0; 4]; KEYS], [[0.0; 4]; KEYS]);
    for r in rows.iter_mut().filter(|r| r.level == "village") {
        for k in 0..KEYS {
            for j in 0..4 {
                (r.shown_ha[k][j], r.shown_mu[k][j]) = shown(r.values[k][j]);
            }
        }
        let cluster = clusters.get(&r.code).cloned().unwrap_or_else(|| "未分片区".into());
        let sums = by_cluster.entry(cluster).or_insert(([[0.0; 4]; KEYS], [[0.0; 4]; KEYS]));
        for acc in [sums, &mut total] {
            add_f(&mut acc.0, &r.shown_ha, 4);
            add_f(&mut acc.1, &r.shown_mu, 2);
        }
    }
    for r in rows.iter_mut() {
        let sums = match r.level {
            "cluster" => by_cluster.get(&r.code).copied(),
            "total" => Some(total),
            _ => None,
        };
        if let Some((ha, mu)) = sums {
            (r.shown_ha, r.shown_mu) = (ha, mu);
        }
    }
}

fn add_f(a: &mut [[f64; 4]; KEYS], b: &[[f64; 4]; KEYS], decimals: i32) {
    for (x, y) in a.iter_mut().zip(b) {
        for (u, v) in x.iter_mut().zip(y) {
            *u = crate::units::round(*u + v, decimals);
        }
    }
}

/// What the table reads.
pub struct IndicatorInputs<'a> {
    pub parcels: &'a Parcels,
    pub slope: &'a [ParcelSlope],
    pub constraints: Constraints<'a>,
    /// The class each parcel is planned to take (None: it stays as it is).
    pub planned: &'a [Option<&'static str>],
    /// The share of each parcel the plan leaves in 永久基本农田, where a rule changes it
    /// (None: as the basic-farmland constraints have it now).
    pub planned_basic_farmland: &'a [Option<f64>],
    /// Cropland (cm²) the plan adds to each parcel without changing its class, where a rule
    /// does (土地整理 recovers part of a merged field's 田坎); counted in the planned
    /// cropland of parcels that are and stay cropland. Empty: none.
    pub planned_cropland_gain: &'a [Option<i64>],
    pub settings: &'a IndicatorSettings,
    /// Village code → cluster name.
    pub clusters: &'a BTreeMap<String, String>,
}

/// Whole cm² of an area in m².
pub(crate) fn cm2(m2: f64) -> i64 {
    (m2 * 100.0).round() as i64
}

/// How the table measures a parcel: its class and its official area and 田坎 deduction in
/// whole cm². Public so that the rules that count cropland (the new cropland ledger, 土地整理)
/// count it exactly as the table does.
pub struct Measure<'a> {
    parcels: &'a Parcels,
    settings: &'a IndicatorSettings,
    urban: Option<usize>,
    deduction_area: Option<usize>,
    deduction_coefficient: Option<usize>,
}

impl<'a> Measure<'a> {
    pub fn new(p: &'a Parcels, s: &'a IndicatorSettings) -> Measure<'a> {
        let at = |name: &str| p.fields.iter().position(|f| !name.is_empty() && f.name.eq_ignore_ascii_case(name));
        Measure { parcels: p, settings: s, urban: at(&s.urban_code_field), deduction_area: at(&s.deduction_area_field), deduction_coefficient: at(&s.deduction_coefficient_field) }
    }

    /// The 城镇村属性码 column, if the parcels have it.
    pub(crate) fn urban_column(&self) -> Option<usize> {
        self.urban
    }

    /// The official area of parcel `i` (TBMJ, else its computed area), cm².
    pub fn official_cm2(&self, slope: &[ParcelSlope], i: usize) -> i64 {
        cm2(self.parcels.official_area(i).unwrap_or(slope[i].area_m2))
    }

    /// The 田坎 deduction (cm²) of a cropland parcel of `official` cm²: KCMJ, else TBMJ × KCXS.
    pub fn deduction_cm2(&self, i: usize, official: i64) -> i64 {
        let value = |c: Option<usize>| c.and_then(|c| self.parcels.attribute(i, c).as_f64());
        if let Some(area) = value(self.deduction_area) {
            return cm2(area);
        }
        value(self.deduction_coefficient).map(|k| (official as f64 * k).round() as i64).unwrap_or(0)
    }

    /// The current class key of parcel `i` ("cropland", "forest", …, "other").
    pub fn class(&self, i: usize) -> &'static str {
        INDICATORS[self.class_index(i)].0
    }

    /// A parcel's current class: by land-use code; 城镇村属性码 201–205 makes construction of
    /// land no class claims.
    fn class_index(&self, i: usize) -> usize {
        let class = key_index(self.settings.class_of(self.parcels.land_use(i)));
        let urban = self.urban.map(|c| self.parcels.attribute(i, c).as_text()).is_some_and(|v| {
            let v = v.trim();
            v.len() >= 3 && ("201".."206").contains(&&v[..3])
        });
        if class == OTHER && urban {
            key_index("construction")
        } else {
            class
        }
    }
}

/// A parcel's contributions to one row: [class][current, planned, calc, calc planned].
fn contributions(inp: &IndicatorInputs, cols: &Measure, i: usize) -> [[i64; 4]; KEYS] {
    let official = cols.official_cm2(inp.slope, i);
    let computed = cm2(inp.slope[i].area_m2);
    let current = cols.class_index(i);
    let planned = inp.planned[i].map_or(current, key_index);
    let cropland = key_index("cropland");
    // Cropland counts net of 田坎; land coming into cropland has no deduction yet.
    let net = |class: usize, stays: bool| match class == cropland && stays {
        true => official - cols.deduction_cm2(i, official),
        false => official,
    };
    // 田坎 a rule recovers counts only on cropland that stays cropland.
    let gain = inp.planned_cropland_gain.get(i).copied().flatten().filter(|_| current == cropland && planned == cropland).unwrap_or(0);
    let mut out = [[0i64; 4]; KEYS];
    out[current][0] += net(current, true);
    out[planned][1] += net(planned, planned == current) + gain;
    out[current][2] += computed;
    out[planned][3] += computed;
    let (mut now, mut now_computed) = (0i64, 0i64);
    for (c, constraint) in inp.constraints.list.iter().enumerate() {
        if constraint.settings.role == Some(Role::BasicFarmland) {
            let share = inp.constraints.shares[c][i];
            now += (official as f64 * share).round() as i64;
            now_computed += (computed as f64 * share).round() as i64;
        }
    }
    let planned_share = inp.planned_basic_farmland.get(i).copied().flatten();
    let share_of = |area: i64, now: i64| planned_share.map_or(now, |s| (area as f64 * s).round() as i64);
    out[BASIC_FARMLAND] = [now, share_of(official, now), now_computed, share_of(computed, now_computed)];
    out
}

fn key_index(key: &str) -> usize {
    INDICATORS.iter().position(|(k, _)| *k == key).unwrap_or(OTHER)
}

fn add(a: &mut [[i64; 4]; KEYS], b: &[[i64; 4]; KEYS]) {
    for (x, y) in a.iter_mut().zip(b) {
        for (u, v) in x.iter_mut().zip(y) {
            *u += v;
        }
    }
}

/// The table: village rows (by code), cluster rows (by name), the total row; checked.
pub fn table(inp: &IndicatorInputs) -> Result<Vec<IndicatorRow>> {
    let cols = Measure::new(inp.parcels, inp.settings);
    let mut villages: BTreeMap<String, IndicatorRow> = BTreeMap::new();
    let mut direct = [[0i64; 4]; KEYS];
    for i in 0..inp.parcels.len() {
        let c = contributions(inp, &cols, i);
        add(&mut direct, &c);
        let code = inp.parcels.village_code(i);
        let row = villages.entry(code.to_string()).or_insert_with(|| IndicatorRow {
            level: "village",
            code: code.to_string(),
            name: inp.parcels.village_name(i).to_string(),
            values: [[0; 4]; KEYS],
            shown_ha: [[0.0; 4]; KEYS],
            shown_mu: [[0.0; 4]; KEYS],
        });
        add(&mut row.values, &c);
    }
    let mut rows: Vec<IndicatorRow> = villages.into_values().collect();
    let clusters = cluster_rows(&rows, inp.clusters);
    let mut total = blank("total", "total", "合计");
    for r in &rows {
        add(&mut total.values, &r.values);
    }
    rows.extend(clusters);
    reconcile(&rows, &total, &direct, inp)?;
    rows.push(total);
    fill_shown(&mut rows, inp.clusters);
    Ok(rows)
}

fn blank(level: &'static str, code: &str, name: &str) -> IndicatorRow {
    IndicatorRow {
        level,
        code: code.to_string(),
        name: name.to_string(),
        values: [[0; 4]; KEYS],
        shown_ha: [[0.0; 4]; KEYS],
        shown_mu: [[0.0; 4]; KEYS],
    }
}

/// One row per cluster: the sum of its villages.
fn cluster_rows(villages: &[IndicatorRow], clusters: &BTreeMap<String, String>) -> Vec<IndicatorRow> {
    let mut out: BTreeMap<String, IndicatorRow> = BTreeMap::new();
    for v in villages {
        let name = clusters.get(&v.code).cloned().unwrap_or_else(|| "未分片区".into());
        let row = out.entry(name.clone()).or_insert_with(|| blank("cluster", &name, &name));
        add(&mut row.values, &v.values);
    }
    out.into_values().collect()
}

/// The checks a planning table must pass: clusters sum to the total, the total equals the
/// parcels' own sums, and planned − current equals the candidates' net change.
fn reconcile(rows: &[IndicatorRow], total: &IndicatorRow, direct: &[[i64; 4]; KEYS], inp: &IndicatorInputs) -> Result<()> {
    let fail = |row: &str, what: String| Err(Error::Reconciliation { table: "indicators".into(), row: row.to_string(), message: what });
    let mut clusters = [[0i64; 4]; KEYS];
    rows.iter().filter(|r| r.level == "cluster").for_each(|r| add(&mut clusters, &r.values));
    if clusters != total.values {
        return fail("total", "the cluster rows do not add up to the total".into());
    }
    if *direct != total.values {
        return fail("total", "the total differs from the sums over the parcel layer".into());
    }
    let net = net_change(inp);
    for (k, (key, _)) in INDICATORS.iter().enumerate() {
        let table = total.values[k][1] - total.values[k][0];
        if table != net[k] {
            return fail("total", format!("{key}: planned − current = {table} cm², the candidates' net change is {} cm²", net[k]));
        }
    }
    Ok(())
}

/// Net change of each class from the changed parcels alone (cm², official areas).
fn net_change(inp: &IndicatorInputs) -> [i64; KEYS] {
    let cols = Measure::new(inp.parcels, inp.settings);
    let mut net = [0i64; KEYS];
    let changed = |i: usize| inp.planned[i].is_some() || inp.planned_basic_farmland.get(i).copied().flatten().is_some() || inp.planned_cropland_gain.get(i).copied().flatten().is_some();
    for i in (0..inp.parcels.len()).filter(|&i| changed(i)) {
        let c = contributions(inp, &cols, i);
        for (k, v) in c.iter().enumerate() {
            net[k] += v[1] - v[0];
        }
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Rule};
    use crate::stages::testing::{constraint, parcels, slope, Plot, V1, V2, V3};
    use crate::table::{AttrValue, FieldKind, FieldSpec};

    const CROPLAND: usize = 0;
    const GARDEN: usize = 2;
    const FOREST: usize = 3;
    const CONSTRUCTION: usize = 6;

    fn fields() -> Vec<FieldSpec> {
        vec![FieldSpec::new("KCMJ", FieldKind::Real), FieldSpec::new("KCXS", FieldKind::Real), FieldSpec::new("CZCSXM", FieldKind::Text)]
    }

    /// A plot with its TBMJ and its KCMJ, KCXS and CZCSXM values.
    fn plot(code: &'static str, village: &'static str, tbmj: Option<f64>, kcmj: Option<f64>, kcxs: Option<f64>, czcs: &'static str) -> Plot {
        let real = |v: Option<f64>| v.map(AttrValue::Real).unwrap_or(AttrValue::Null);
        let p = Plot::new(code).village(village).attributes(vec![real(kcmj), real(kcxs), AttrValue::text(czcs)]);
        match tbmj {
            Some(a) => p.tbmj(a),
            None => p,
        }
    }

    /// 0: V1 0103, TBMJ 1000, KCMJ 100 (KCXS 0.2 unused), → forest; 1: V1 0103, TBMJ 500,
    /// KCXS 0.1, stays, half in basic farmland; 2: V1 0201, TBMJ 300, → cropland; 3: V2
    /// 0702, TBMJ 200, → cropland; 4: V2 1001 (no class) with 城镇村属性码 203: construction;
    /// 5: V2 1001 without it: other; 6: V3 0301 without TBMJ (computed 123.456 m²).
    fn fixture() -> (Parcels, Vec<ParcelSlope>, Vec<Option<&'static str>>) {
        let plots = [
            plot("0103", V1, Some(1000.0), Some(100.0), Some(0.2), ""),
            plot("0103", V1, Some(500.0), None, Some(0.1), ""),
            plot("0201", V1, Some(300.0), None, None, ""),
            plot("0702", V2, Some(200.0), None, None, "203"),
            plot("1001", V2, Some(50.0), None, None, "203"),
            plot("1001", V2, Some(20.0), None, None, ""),
            plot("0301", V3, None, None, None, ""),
        ];
        let st = vec![slope(5, 1010.0), slope(2, 510.0), slope(2, 305.0), slope(2, 190.0), slope(2, 50.0), slope(2, 20.0), slope(4, 123.456)];
        let planned = vec![Some("forest"), None, Some("cropland"), Some("cropland"), None, None, None];
        (parcels(&fields(), &plots), st, planned)
    }

    fn clusters() -> BTreeMap<String, String> {
        BTreeMap::from([(V1.to_string(), "片区一".to_string()), (V2.to_string(), "片区一".to_string())])
    }

    fn table_of(p: &Parcels, st: &[ParcelSlope], planned: &[Option<&'static str>], c: Constraints) -> Result<Vec<IndicatorRow>> {
        let settings = IndicatorSettings::default();
        let clusters = clusters();
        table(&IndicatorInputs { parcels: p, slope: st, constraints: c, planned, planned_basic_farmland: &[], planned_cropland_gain: &[], settings: &settings, clusters: &clusters })
    }

    #[test]
    fn village_cluster_and_total_rows_in_cm2() {
        let (p, st, planned) = fixture();
        let list = [constraint("pbf", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::BasicFarmland))];
        let shares = vec![vec![0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]];
        let rows = table_of(&p, &st, &planned, Constraints { list: &list, shares: &shares }).unwrap();
        let heads: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r.level, r.code.as_str(), r.name.as_str())).collect();
        // Clusters by name: 未 (U+672A) before 片 (U+7247).
        assert_eq!(heads, [("village", V1, "村001"), ("village", V2, "村002"), ("village", V3, "村001"), ("cluster", "未分片区", "未分片区"), ("cluster", "片区一", "片区一"), ("total", "total", "合计")]);
        let mut want = [[[0i64; 4]; KEYS]; 3];
        // [current, planned, current computed, planned computed], cm².
        // V1 cropland now: 1000 − 100 (KCMJ) + 500 − 10% = 900 + 450 m²; planned: 450 +
        // the garden's 300 (no 田坎 deduction yet). Computed: 1010 + 510 → 510 + 305.
        want[0][CROPLAND] = [135_000, 75_000, 152_000, 81_500];
        // Basic farmland: half of parcel 1's TBMJ (not net) and of its computed area.
        want[0][BASIC_FARMLAND] = [25_000, 25_000, 25_500, 25_500];
        want[0][GARDEN] = [30_000, 0, 30_500, 0];
        want[0][FOREST] = [0, 100_000, 0, 101_000];
        // V2: the homestead (200) and 1001 with 203 (50) are construction; 200 → cropland.
        want[1][CROPLAND] = [0, 20_000, 0, 19_000];
        want[1][CONSTRUCTION] = [25_000, 5_000, 24_000, 5_000];
        want[1][OTHER] = [2_000, 2_000, 2_000, 2_000];
        // V3: no TBMJ, the computed 123.456 m² → 12 346 cm².
        want[2][FOREST] = [12_346, 12_346, 12_346, 12_346];
        for (k, w) in want.iter().enumerate() {
            assert_eq!(&rows[k].values, w, "{}", rows[k].code);
        }
        assert_eq!(rows[3].values, want[2], "未分片区 = V3");
        let mut v12 = want[0];
        add(&mut v12, &want[1]);
        assert_eq!(rows[4].values, v12, "片区一 = V1 + V2");
        let mut all = v12;
        add(&mut all, &want[2]);
        assert_eq!(rows[5].values, all, "the total = the clusters");
        // planned − current = the changed parcels' own change: cropland −900 (parcel 0,
        // net of its 田坎) + 300 + 200 = −400 m².
        assert_eq!(all[CROPLAND][1] - all[CROPLAND][0], -40_000);
        assert_eq!(all[FOREST][1] - all[FOREST][0], 100_000);
    }

    #[test]
    fn recovered_tiankan_adds_to_the_planned_cropland_of_cropland_that_stays() {
        // Parcel 1 (V1 0103, TBMJ 500, KCXS 0.1: 450 m² net) stays cropland and gains 25 m²
        // (half its 田坎). Gains on parcel 0 (leaving for forest) and 2 (garden coming in)
        // count nothing: recovered 田坎 is only counted on cropland that stays.
        let (p, st, planned) = fixture();
        let settings = IndicatorSettings::default();
        let clusters = clusters();
        let gain = [Some(5_000), Some(2_500), Some(700), None, None, None, None];
        let inputs = IndicatorInputs { parcels: &p, slope: &st, constraints: Constraints::none(), planned: &planned, planned_basic_farmland: &[], planned_cropland_gain: &gain, settings: &settings, clusters: &clusters };
        let rows = table(&inputs).expect("the table reconciles with the gains");
        // V1 planned cropland: 450 + 25 + the garden's 300 = 775 m²; computed areas unchanged.
        assert_eq!(rows[0].values[CROPLAND], [135_000, 77_500, 152_000, 81_500]);
        let total = rows.last().unwrap();
        assert_eq!(total.values[CROPLAND][1] - total.values[CROPLAND][0], -40_000 + 2_500);
        assert_eq!(Measure::new(&p, &settings).class(1), "cropland");
    }

    #[test]
    fn clusters_and_the_total_show_the_sum_of_their_villages_as_shown() {
        // Gardens of 670.67 m² in V1 and V2 (one cluster): 1.0060 mu → 1.01 each, 0.0671 ha;
        // the cluster and the total show 2.02 mu and 0.1342 ha (not 2.01 and 0.1341).
        let p = parcels(&fields(), &[plot("0201", V1, Some(670.67), None, None, ""), plot("0201", V2, Some(670.67), None, None, "")]);
        let st = [slope(2, 670.67), slope(2, 670.67)];
        let rows = table_of(&p, &st, &[None, None], Constraints::none()).unwrap();
        let shown: Vec<(f64, f64)> = rows.iter().map(|r| (r.shown_ha[GARDEN][0], r.shown_mu[GARDEN][0])).collect();
        assert_eq!(shown, [(0.0671, 1.01), (0.0671, 1.01), (0.1342, 2.02), (0.1342, 2.02)]);
        assert_eq!(super::shown(134_134), (0.1341, 2.01), "what the sum alone would show");
    }

    #[test]
    fn consistent_plans_always_reconcile() {
        // The fixture's parcels planned to every class (or left as they are, or to a key
        // no class has) in 200 combinations, with a basic farmland constraint: the table's
        // checks pass, and basic farmland stays as it is.
        let (p, st, _) = fixture();
        let list = [constraint("pbf", ConstraintMode::Flag, 0.5, &Rule::ALL, Some(Role::BasicFarmland))];
        let shares = vec![vec![0.3, 0.5, 0.0, 1.0, 0.0, 0.25, 0.7]];
        // Every land-use class (basic farmland is none: it comes from the constraint).
        let classes = INDICATORS.iter().map(|(k, _)| *k).filter(|k| *k != "basic_farmland");
        let choices: Vec<Option<&'static str>> = std::iter::once(None).chain(classes.map(Some)).chain([Some("unknown")]).collect();
        for seed in 0..200usize {
            let planned: Vec<Option<&'static str>> = (0..7).map(|i| choices[(seed * 7 + i * 3 + seed / 7) % choices.len()]).collect();
            let rows = table_of(&p, &st, &planned, Constraints { list: &list, shares: &shares });
            let rows = rows.unwrap_or_else(|e| panic!("{planned:?}: {e}"));
            let total = rows.last().unwrap();
            assert_eq!(total.values[BASIC_FARMLAND][0], total.values[BASIC_FARMLAND][1], "basic farmland is not planned");
        }
    }
}
