//! The 增减挂钩 ledger: per village, township and in total, the homestead area reclaimed
//! (拆旧), the part reserved for the new concentrated settlement (建新 = 拆旧 × ratio, the
//! ratio by land use: 废弃工矿 keeps all of it as 节余), the surplus quota (节余 = 拆旧 − 建新),
//! the reward on it (`reward_share` of the total 节余, at most `reward_max_m2`, shared out
//! over the villages by their 节余; taken off 节余 only with `reward_deduct`), and where the
//! reclaimed land goes (宜耕 / 宜林). Kept in whole cm² of the official TBMJ, so townships
//! and the total are exact sums.

use std::collections::BTreeMap;

use crate::parcels::Parcels;
use crate::settings::ReclamationSettings;
use crate::stages::reclamation::{Direction, ReclamationPlan};
use crate::stages::zonal::ParcelSlope;

/// One row of the ledger (areas in cm², official TBMJ unless said).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LinkageRow {
    /// "village", "township" or "total".
    pub level: &'static str,
    pub code: String,
    pub name: String,
    pub parcels: u64,
    pub demolish: i64,
    /// 拆旧 by the computed areas.
    pub demolish_computed: i64,
    pub rebuild: i64,
    pub surplus: i64,
    pub new_cropland: i64,
    pub new_forest: i64,
    /// The reward on the 节余 quota (节余奖励).
    pub reward: i64,
    /// demolish, rebuild, surplus, new cropland, new forest, reward as tables show them:
    /// (ha, mu); townships and the total sum what their villages show.
    pub shown: [(f64, f64); 6],
}

impl LinkageRow {
    fn amounts(&self) -> [i64; 6] {
        [self.demolish, self.rebuild, self.surplus, self.new_cropland, self.new_forest, self.reward]
    }
}

impl LinkageRow {
    fn add(&mut self, o: &LinkageRow) {
        self.parcels += o.parcels;
        self.demolish += o.demolish;
        self.demolish_computed += o.demolish_computed;
        self.rebuild += o.rebuild;
        self.surplus += o.surplus;
        self.new_cropland += o.new_cropland;
        self.new_forest += o.new_forest;
        self.reward += o.reward;
        for (a, b) in self.shown.iter_mut().zip(o.shown) {
            *a = (crate::units::round(a.0 + b.0, 4), crate::units::round(a.1 + b.1, 2));
        }
    }
}

/// The ledger: village rows (by code), township rows (the first `township_digits` of the
/// code), the total.
pub fn ledger(parcels: &Parcels, slope: &[ParcelSlope], plan: &ReclamationPlan, s: &ReclamationSettings, township_digits: usize) -> Vec<LinkageRow> {
    let mut villages: BTreeMap<String, LinkageRow> = BTreeMap::new();
    // Each village's 拆旧 by 建新 ratio (its bits: a ratio is a key), so 建新 is rounded once
    // per ratio and village.
    let mut by_ratio: BTreeMap<String, BTreeMap<u64, i64>> = BTreeMap::new();
    for i in (0..parcels.len()).filter(|&i| plan.candidate[i]) {
        let official = (parcels.official_area(i).unwrap_or(slope[i].area_m2) * 100.0).round() as i64;
        let code = parcels.village_code(i);
        let row = villages.entry(code.to_string()).or_insert_with(|| LinkageRow {
            level: "village",
            code: code.to_string(),
            name: parcels.village_name(i).to_string(),
            ..Default::default()
        });
        row.parcels += 1;
        row.demolish += official;
        *by_ratio.entry(code.to_string()).or_default().entry(s.rebuild_ratio_of(parcels.land_use(i)).to_bits()).or_default() += official;
        row.demolish_computed += (slope[i].area_m2 * 100.0).round() as i64;
        match plan.cluster_of[i].map(|c| plan.clusters[c].direction) {
            Some(Direction::Cropland) => row.new_cropland += official,
            _ => row.new_forest += official,
        }
    }
    let mut rows: Vec<LinkageRow> = villages.into_values().collect();
    for r in &mut rows {
        r.rebuild = by_ratio[&r.code].iter().map(|(ratio, cm2)| (*cm2 as f64 * f64::from_bits(*ratio)).round() as i64).sum();
        r.surplus = r.demolish - r.rebuild;
    }
    share_reward(&mut rows, s);
    for r in &mut rows {
        r.shown = r.amounts().map(crate::stages::indicators::shown);
    }
    let mut townships: BTreeMap<String, LinkageRow> = BTreeMap::new();
    let mut total = LinkageRow { level: "total", code: "total".into(), name: "合计".into(), ..Default::default() };
    for r in &rows {
        let code: String = r.code.chars().take(township_digits).collect();
        townships.entry(code.clone()).or_insert_with(|| LinkageRow { level: "township", code, ..Default::default() }).add(r);
        total.add(r);
    }
    rows.extend(townships.into_values());
    rows.push(total);
    rows
}

/// The reward on the 节余 quota: `reward_share` of the villages' total 节余, capped at
/// `reward_max_m2`, shared over the villages in proportion to their 节余 by largest
/// remainders (ties: the lower code), so the villages' rewards add up to the total's to
/// the cm². With `reward_deduct` each village's 节余 is reported net of its reward.
fn share_reward(rows: &mut [LinkageRow], s: &ReclamationSettings) {
    let surplus: i64 = rows.iter().map(|r| r.surplus).sum();
    let total = ((surplus as f64 * s.reward_share).round() as i64).min((s.reward_max_m2 * 100.0).round() as i64);
    if surplus <= 0 || total <= 0 {
        return;
    }
    // Integer shares: floor(total × surplus_v / surplus), then the remainders largest first.
    let mut given = 0i64;
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter_mut().enumerate() {
        let exact = total as i128 * r.surplus as i128;
        r.reward = (exact / surplus as i128) as i64;
        given += r.reward;
        remainders.push((exact % surplus as i128, k));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, k) in remainders.iter().take((total - given) as usize) {
        rows[k].reward += 1;
    }
    if s.reward_deduct {
        for r in rows.iter_mut() {
            r.surplus -= r.reward;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::reclamation::Cluster;
    use crate::stages::testing::{parcels, slope, Plot, T1, T2, V1, V2, V3};

    fn cluster(direction: Direction) -> Cluster {
        Cluster { id: 0, members: Vec::new(), area_m2: 0.0, scattered: true, direction, grade: 2, geometry: geo::MultiPolygon::new(Vec::new()) }
    }

    /// Homesteads: (village, TBMJ, computed area, cluster 0 宜耕 / 1 宜林, candidate).
    fn ledger_of(homes: &[(&'static str, Option<f64>, f64, usize, bool)], ratio: f64) -> Vec<LinkageRow> {
        let plots: Vec<Plot> = homes
            .iter()
            .map(|&(v, tbmj, _, _, _)| {
                let p = Plot::new("0702").village(v);
                match tbmj {
                    Some(a) => p.tbmj(a),
                    None => p,
                }
            })
            .collect();
        let st: Vec<ParcelSlope> = homes.iter().map(|h| slope(2, h.2)).collect();
        let plan = ReclamationPlan {
            clusters: vec![cluster(Direction::Cropland), cluster(Direction::Forest)],
            cluster_of: homes.iter().map(|h| Some(h.3)).collect(),
            candidate: homes.iter().map(|h| h.4).collect(),
        };
        let s = ReclamationSettings { rebuild_ratio: ratio, reward_share: 0.0, ..Default::default() };
        ledger(&parcels(&[], &plots), &st, &plan, &s, 9)
    }

    #[test]
    fn demolish_minus_rebuild_is_the_surplus_and_townships_sum_their_villages() {
        let rows = ledger_of(
            &[
                (V1, Some(1000.0), 1000.4, 0, true),
                (V1, Some(605.55), 600.0, 1, true),
                (V2, None, 250.004, 1, true), // no TBMJ: the computed area
                (V3, Some(1234.56), 1234.0, 0, true),
                (V1, Some(999.0), 999.0, 0, false), // not a candidate
            ],
            0.38,
        );
        let got: Vec<(&str, &str, u64, [i64; 7])> = rows
            .iter()
            .map(|r| (r.level, r.code.as_str(), r.parcels, [r.demolish, r.demolish_computed, r.rebuild, r.surplus, r.new_cropland, r.new_forest, r.demolish - r.rebuild - r.surplus]))
            .collect();
        // cm². V1: 拆旧 100 000 + 60 555 = 160 555; 建新 = round(160 555 × 0.38 = 61 010.9)
        // = 61 011; 节余 = 99 544. V2: 250.004 m² → 25 000; 建新 9 500; 节余 15 500.
        // V3: 123 456; 建新 round(46 913.28) = 46 913; 节余 76 543. Townships and the total
        // add their villages' rows (not the ratio of their sums).
        assert_eq!(
            got,
            [
                ("village", V1, 2, [160_555, 160_040, 61_011, 99_544, 100_000, 60_555, 0]),
                ("village", V2, 1, [25_000, 25_000, 9_500, 15_500, 0, 25_000, 0]),
                ("village", V3, 1, [123_456, 123_400, 46_913, 76_543, 123_456, 0, 0]),
                ("township", T1, 3, [185_555, 185_040, 70_511, 115_044, 100_000, 85_555, 0]),
                ("township", T2, 1, [123_456, 123_400, 46_913, 76_543, 123_456, 0, 0]),
                ("total", "total", 4, [309_011, 308_440, 117_424, 191_587, 223_456, 85_555, 0]),
            ]
        );
        assert_eq!((rows[0].name.as_str(), rows[3].name.as_str(), rows[5].name.as_str()), ("村001", "", "合计"));
    }

    /// The ledger of reclaimed parcels (land use, village, TBMJ), all 宜林, under `s`.
    fn ledger_with(homes: &[(&'static str, &'static str, f64)], s: &ReclamationSettings) -> Vec<LinkageRow> {
        let plots: Vec<Plot> = homes.iter().map(|&(code, v, tbmj)| Plot::new(code).village(v).tbmj(tbmj)).collect();
        let st: Vec<ParcelSlope> = homes.iter().map(|h| slope(2, h.2)).collect();
        let plan = ReclamationPlan { clusters: vec![cluster(Direction::Forest)], cluster_of: vec![Some(0); homes.len()], candidate: vec![true; homes.len()] };
        ledger(&parcels(&[], &plots), &st, &plan, s, 9)
    }

    fn row<'a>(rows: &'a [LinkageRow], code: &str) -> &'a LinkageRow {
        rows.iter().find(|r| r.code == code).unwrap()
    }

    #[test]
    fn abandoned_mines_and_factories_keep_all_their_demolition_as_surplus() {
        // V1: a homestead of 1 000 m² (ratio 0.38: 建新 380 m²), a mine 0602 of 2 000 m² and
        // a factory 0601K of 500 m² (ratio 0 by default: nothing reserved). 拆旧 3 500 m²,
        // 建新 380 m², 节余 3 120 m² (a single ratio would have given 3 500 × 0.62 = 2 170).
        let s = ReclamationSettings { reward_share: 0.0, ..Default::default() };
        let rows = ledger_with(&[("0702", V1, 1000.0), ("0602", V1, 2000.0), ("0601K", V1, 500.0)], &s);
        let v1 = row(&rows, V1);
        assert_eq!((v1.demolish, v1.rebuild, v1.surplus), (350_000, 38_000, 312_000));
        assert_eq!((s.rebuild_ratio_of("0602"), s.rebuild_ratio_of("0601K"), s.rebuild_ratio_of("0702")), (0.0, 0.0, 0.38));
    }

    #[test]
    fn the_reward_is_five_percent_of_the_surplus_at_most_five_hectares() {
        // Mines (节余 = 拆旧): V1 120 ha, V2 80 ha; 5 % of 200 ha = 10 ha, capped at 5 ha,
        // shared 3 : 2 (3 ha, 2 ha). Reported beside 节余, not taken off it.
        let homes = [("0602", V1, 1_200_000.0), ("0602", V2, 800_000.0)];
        let rows = ledger_with(&homes, &ReclamationSettings::default());
        let (v1, v2, total) = (row(&rows, V1), row(&rows, V2), rows.last().unwrap());
        assert_eq!((v1.reward, v2.reward, total.reward), (3_000_000, 2_000_000, 5_000_000));
        assert_eq!(total.surplus, 200_000_000, "节余 keeps the reward in");
        assert_eq!(total.shown[5], (5.0, 75.0), "5 ha = 75.00 mu (3 ha 45.00 + 2 ha 30.00)");
        // Uncapped: 10 ha. Below the cap (V1 alone, 60 ha of mine): 5 % = 3 ha.
        let uncapped = ReclamationSettings { reward_max_m2: 1e9, ..Default::default() };
        assert_eq!(ledger_with(&homes, &uncapped).last().unwrap().reward, 10_000_000);
        assert_eq!(ledger_with(&[("0602", V1, 600_000.0)], &ReclamationSettings::default()).last().unwrap().reward, 3_000_000);
        // Deducted on request: 节余 200 ha − 5 ha.
        let deduct = ReclamationSettings { reward_deduct: true, ..Default::default() };
        let rows = ledger_with(&homes, &deduct);
        assert_eq!((row(&rows, V1).surplus, rows.last().unwrap().surplus), (120_000_000 - 3_000_000, 195_000_000));
    }

    #[test]
    fn the_reward_is_shared_by_largest_remainders_and_adds_up() {
        // Three villages of 100 m² of mine each (10 000 cm² 节余 each); a reward share of
        // 1/15 000 gives 2 cm² in all: shares of 2/3 cm² each, floors 0, equal remainders:
        // the lower codes get the two cm².
        let s = ReclamationSettings { reward_share: 1.0 / 15_000.0, ..Default::default() };
        let rows = ledger_with(&[("0602", V1, 100.0), ("0602", V2, 100.0), ("0602", V3, 100.0)], &s);
        assert_eq!([row(&rows, V1).reward, row(&rows, V2).reward, row(&rows, V3).reward, rows.last().unwrap().reward], [1, 1, 0, 2]);
        assert_eq!((row(&rows, T1).reward, row(&rows, T2).reward), (2, 0), "townships sum their villages");
    }

    #[test]
    fn the_jiange_figures() {
        // 拆旧 160.62 ha at the ratio 60.99 / 160.62 ≈ 0.3797: 建新 160 620 000 cm² × 0.3797 =
        // 60 987 414 cm² = 60.9874 ha, 节余 99 632 586 cm² = 99.6326 ha (printed 160.62 −
        // 60.99 = 99.63).
        let rows = ledger_of(&[(V1, Some(1_606_200.0), 1_606_200.0, 0, true)], 0.3797);
        let total = rows.last().unwrap();
        assert_eq!((total.demolish, total.rebuild, total.surplus), (160_620_000, 60_987_414, 99_632_586));
        assert_eq!([total.shown[0].0, total.shown[1].0, total.shown[2].0], [160.62, 60.9874, 99.6326]);
    }

    #[test]
    fn townships_and_the_total_show_the_sum_of_what_their_villages_show() {
        // Two villages of 670.67 m² each: 670.67 / 666.67 = 1.0060 → 1.01 mu and 0.0671 ha
        // each; their township shows 2.02 mu and 0.1342 ha, though 1 341.34 m² alone
        // would round to 2.01 mu and 0.1341 ha.
        let rows = ledger_of(&[(V1, Some(670.67), 670.67, 1, true), (V2, Some(670.67), 670.67, 1, true)], 0.0);
        assert_eq!(rows.iter().map(|r| r.level).collect::<Vec<_>>(), ["village", "village", "township", "total"]);
        for r in &rows[..2] {
            assert_eq!((r.shown[0], r.shown[4]), ((0.0671, 1.01), (0.0671, 1.01)));
        }
        for r in &rows[2..] {
            assert_eq!((r.shown[0], r.shown[2], r.shown[4]), ((0.1342, 2.02), (0.1342, 2.02), (0.1342, 2.02)));
            assert_eq!((r.shown[1], r.shown[3]), ((0.0, 0.0), (0.0, 0.0)), "ratio 0: nothing reserved");
        }
    }
}
