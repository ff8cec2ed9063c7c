use super::*;
use crate::settings::Settings;
use crate::stages::constraints::Constraints;
use crate::stages::rule::{Outcomes, Rule as _};
use crate::stages::testing::{flags, graph, parcels, slope, Plot, V1, V2};
use crate::table::{AttrValue, FieldKind, FieldSpec};

/// Parcels (land use, village, TBMJ, KCXS) with a restore plan over some and 退耕还林 over
/// others; returns the ledger and the supply.
fn case(min_share: f64) -> (Vec<LedgerRow>, Supply, Vec<crate::stages::indicators::IndicatorRow>) {
    // V1: 0 dry land 10 000 m² with KCXS 0.1 (net 9 000), 1 dry land 1 000 reforested
    // (net 1 000), 2 a 0301K forest 600 m² restored now, 3 orchard 0201 400 m² marked
    // 工程恢复. V2: 4 dry land 2 000 m² (net 2 000), 5 bare land 1206 100 m² not restored.
    let fields = [FieldSpec::new("KCXS", FieldKind::Real), FieldSpec::new("HFSX", FieldKind::Text)];
    let attrs = |k: Option<f64>, h: &'static str| vec![k.map_or(AttrValue::Null, AttrValue::Real), AttrValue::text(h)];
    let plots = [
        Plot::new("0103").village(V1).tbmj(10_000.0).attributes(attrs(Some(0.1), "")),
        Plot::new("0103").village(V1).tbmj(1_000.0).attributes(attrs(None, "")),
        Plot::new("0301K").village(V1).tbmj(600.0).attributes(attrs(None, "")),
        Plot::new("0201").village(V1).tbmj(400.0).attributes(attrs(None, "工程恢复")),
        Plot::new("0103").village(V2).tbmj(2_000.0).attributes(attrs(None, "")),
        Plot::new("1206").village(V2).tbmj(100.0).attributes(attrs(None, "")),
    ];
    let p = parcels(&fields, &plots);
    let st: Vec<_> = plots.iter().map(|_| slope(2, 100.0)).collect();
    let g = graph(plots.len(), &[]);
    let mut settings = Settings::default();
    settings.fields.restore = "HFSX".into();
    settings.indicators.deduction_coefficient_field = "KCXS".into();
    settings.supply.min_new_share = min_share;
    settings.swap.enabled = false;
    let outcomes = Outcomes::default();
    let d = RunData::new(&settings, &p, &st, &g, &[], Constraints::none(), &outcomes);
    let cropland = [true, true, false, false, true, false];
    d.put((0..6).map(|i| flags(cropland[i], i == 1)).collect::<Vec<_>>());
    crate::stages::restore::Restore.decide(&d, &crate::progress::Progress::hidden(), &crate::context::CancelToken::new()).unwrap();
    let s = supply(&d);
    let rows = ledger(&d, &s);
    let planned: Vec<_> = (0..6).map(|i| d.planned(i)).collect();
    let clusters = Default::default();
    let inputs = crate::stages::indicators::IndicatorInputs { parcels: &p, slope: &st, constraints: Constraints::none(), planned: &planned, planned_basic_farmland: &[], planned_cropland_gain: &[], settings: &settings.indicators, clusters: &clusters };
    (rows, s, crate::stages::indicators::table(&inputs).unwrap())
}

fn row<'a>(rows: &'a [LedgerRow], code: &str) -> &'a LedgerRow {
    rows.iter().find(|r| r.code == code).unwrap()
}

#[test]
fn sources_and_losses_per_village_and_the_rate() {
    let (rows, s, _) = case(0.05);
    let kinds: Vec<_> = s.items.iter().map(|it| (it.parcel, it.source, it.cm2)).collect();
    assert_eq!(kinds, [(2, Source::RestoreImmediate, 60_000), (3, Source::RestoreEngineering, 40_000)]);
    assert_eq!(s.losses, [Loss { parcel: 1, kind: 0, cm2: 100_000 }]);
    let v1 = row(&rows, V1);
    // Current 9 000 + 1 000 m²; +600 +400 −1 000: net 0, rate 0 (fails 5 %).
    assert_eq!((v1.amounts[0], v1.amounts[1], v1.amounts[2], v1.amounts[8], v1.net()), (1_000_000, 60_000, 40_000, 100_000, 0));
    assert!(!v1.pass && v1.rate == 0.0);
    let total = rows.last().unwrap();
    assert_eq!((total.level, total.amounts[0], total.net()), ("total", 1_200_000, 0));
    // With a target of 0 every row passes.
    let (rows, _, _) = case(0.0);
    assert!(rows.iter().all(|r| r.pass));
}

#[test]
fn the_total_and_townships_sum_their_villages_as_printed() {
    let (rows, _, _) = case(0.05);
    let villages: Vec<_> = rows.iter().filter(|r| r.level == "village").collect();
    let total = rows.last().unwrap();
    for (k, (key, _)) in AMOUNTS.iter().enumerate() {
        assert_eq!(villages.iter().map(|r| r.amounts[k]).sum::<i64>(), total.amounts[k]);
        let mu: f64 = villages.iter().map(|r| r.shown[k].1).sum();
        assert!((mu - total.shown[k].1).abs() < 1e-9, "{key} printed in mu adds up");
    }
}

#[test]
fn the_indicator_table_follows_the_ledger() {
    let (rows, _, table) = case(0.05);
    follows_the_ledger(&table, &rows).unwrap();
    let cropland = crate::settings::INDICATORS.iter().position(|(k, _)| *k == "cropland").unwrap();
    let total = table.last().unwrap();
    assert_eq!(total.values[cropland][1] - total.values[cropland][0], rows.last().unwrap().net());
    // A ledger that disagrees is an error naming the table.
    let mut wrong = rows.clone();
    wrong.last_mut().unwrap().amounts[10] += 1;
    assert!(follows_the_ledger(&table, &wrong).is_err());
}

#[test]
fn the_run_summary_says_the_net_the_rate_and_the_verdict() {
    let counts = std::collections::BTreeMap::from([
        ("new_cropland_m2".to_string(), serde_json::json!(630_094.13)),
        ("new_cropland_share".to_string(), serde_json::json!(0.218)),
        ("new_cropland_pass".to_string(), serde_json::json!(true)),
    ]);
    assert_eq!(summary(&counts, 0.05).unwrap(), "new cropland: 63.01 ha net, 21.80 % of the current cropland (target 5.00 %: pass)");
    assert!(summary(&Default::default(), 0.05).is_none(), "no ledger, no line");
}
