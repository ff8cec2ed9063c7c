//! 林耕置换 (进出平衡): the eligible land equals an independent shapely computation of the
//! rule (fixture by scripts/swap_reference.py), every parcel that comes in respects it,
//! every unit that can balance is balanced with a minimal selection, and the ledger adds
//! up to the layers and to its total row — for the village, township and county scopes
//! and when villages have to be covered from wider pools.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;

fn demo_with(out: &Path, settings: &[&str]) -> std::path::PathBuf {
    let mut extra = Vec::new();
    for s in settings {
        extra.extend(["--set", s]);
    }
    let o = run_demo(out, &extra);
    assert!(o.status.success(), "{}", text(&o));
    out.join("landcons.gpkg")
}

fn num(v: &str) -> f64 {
    v.parse().unwrap_or(0.0)
}

/// Every swap_in parcel meets the rule; nothing is both in and out.
fn check_rule(gpkg: &Path, min_area: f64) {
    let rows = query(gpkg, "SELECT p.BSM, p.DLBM, p.is_cropland, p.grade, p.area_m2, i.shared_cropland_m, coalesce(h.share, 0) FROM swap_in i JOIN parcels p ON p.BSM = i.parcel_id LEFT JOIN constraint_hits h ON h.id = p.BSM AND h.\"constraint\" = 'roads'");
    let codes = ["0201", "0202", "0203", "0204", "0301", "0302", "0305", "0307"];
    for r in &rows {
        let code = r[1].trim_end_matches('K');
        assert!(codes.contains(&code) && r[2] == "0", "{}: land use {}", r[0], r[1]);
        assert!((1.0..=4.0).contains(&num(&r[3])), "{}: grade {}", r[0], r[3]);
        assert!(num(&r[4]) >= min_area && num(&r[5]) >= 5.0 && num(&r[6]) < 0.3, "{r:?}");
    }
    let both = query(gpkg, "SELECT count(*) FROM swap_in i JOIN swap_out o ON o.parcel_id = i.parcel_id");
    assert_eq!(both[0][0], "0", "no parcel is both in and out");
}

/// The ledger: units that can balance are balanced, with a minimal selection; totals
/// equal the layers and the sum of the unit rows.
fn check_ledger(gpkg: &Path) -> BTreeMap<String, usize> {
    let ledger = query(gpkg, "SELECT code, out_m2, in_m2, balanced, covered_by, out_count, in_count, balance_m2 FROM swap_ledger WHERE scope <> 'total'");
    let total = &query(gpkg, "SELECT code, out_m2, in_m2, balanced, covered_by, out_count, in_count, balance_m2 FROM swap_ledger WHERE scope = 'total'")[0];
    let reserve = num(&query(gpkg, "SELECT count(*) FROM parcels WHERE swap = 'reserve'")[0][0]);
    let mut how = BTreeMap::new();
    for r in &ledger {
        *how.entry(r[4].clone()).or_insert(0) += 1;
        match r[4].as_str() {
            "deficit" => assert!(reserve == 0.0 && r[3] == "no", "{} short while land was left: {r:?}", r[0]),
            _ => assert!(r[3] == "yes" && num(&r[2]) >= num(&r[1]) - 0.01 * num(&r[6]).max(1.0), "{r:?}"),
        }
        // Minimal: dropping the smallest parcel that came in for the unit unbalances it.
        let areas: Vec<f64> = query(gpkg, &format!("SELECT p.area_m2 FROM swap_in i JOIN parcels p ON p.BSM = i.parcel_id WHERE i.serves = '{}'", r[0]))
            .iter()
            .map(|a| num(&a[0]))
            .collect();
        let out: f64 = query(gpkg, &format!("SELECT coalesce(sum(p.area_m2), 0) FROM swap_out o JOIN parcels p ON p.BSM = o.parcel_id WHERE {}", unit_filter(&r[0])))[0].iter().map(|v| num(v)).sum();
        if let Some(smallest) = areas.iter().copied().reduce(f64::min).filter(|_| r[4] != "deficit") {
            assert!(areas.iter().sum::<f64>() - smallest < out, "{}: a parcel could be dropped", r[0]);
        }
    }
    for (k, layer) in [(1, "swap_out"), (2, "swap_in")] {
        let sum_layer = num(&query(gpkg, &format!("SELECT coalesce(sum(area_m2), 0) FROM {layer}"))[0][0]);
        let sum_rows: f64 = ledger.iter().map(|r| num(&r[k])).sum();
        assert!((num(&total[k]) - sum_layer).abs() <= 0.01, "{layer}: ledger {} vs layer {sum_layer}", total[k]);
        assert!((num(&total[k]) - sum_rows).abs() <= 1e-6, "total row vs unit rows");
    }
    let counts: usize = ledger.iter().map(|r| r[6].parse::<usize>().unwrap()).sum();
    assert_eq!(counts.to_string(), total[6]);
    how
}

/// SQL selecting the parcels of a scope unit (village code, township prefix, county).
fn unit_filter(code: &str) -> String {
    match code {
        "county" => "1".into(),
        c if c.len() == 9 => format!("substr(o.village_code, 1, 9) = '{c}'"),
        c => format!("o.village_code = '{c}'"),
    }
}

#[test]
fn the_eligible_land_matches_shapely_and_the_ledger_balances() {
    let out = tempfile::tempdir().unwrap();
    let gpkg = demo_with(out.path(), &[]);
    let ours: BTreeSet<String> = query(&gpkg, "SELECT BSM FROM parcels WHERE swap IN ('in', 'reserve')").into_iter().map(|r| r[0].clone()).collect();
    let reference: BTreeSet<String> = std::fs::read_to_string(repo().join("tests/fixtures/swap/demo_eligible.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert!(reference.len() > 100);
    assert_eq!(ours, reference, "eligible land (in + reserve) vs shapely");
    check_rule(&gpkg, 666.67);
    let how = check_ledger(&gpkg);
    assert!(how.get("own").copied().unwrap_or(0) >= 3, "{how:?}");
    assert!(out.path().join("swap_ledger.csv").is_file());
}

#[test]
fn villages_short_of_land_are_covered_from_the_township_then_the_county() {
    let out = tempfile::tempdir().unwrap();
    // Only large parcels may come in: most villages cannot balance on their own.
    let gpkg = demo_with(out.path(), &["swap.min_area_m2=9000", "swap.township_digits=12"]);
    check_rule(&gpkg, 9000.0);
    let how = check_ledger(&gpkg);
    let wider = how.get("township").copied().unwrap_or(0) + how.get("county").copied().unwrap_or(0);
    assert!(wider > 0 || how.contains_key("deficit"), "some village needed wider land: {how:?}");
    // With nothing eligible anywhere every village with land leaving is a deficit.
    let none = tempfile::tempdir().unwrap();
    let gpkg = demo_with(none.path(), &["swap.in_codes=[\"9999\"]"]);
    let how = check_ledger(&gpkg);
    assert!(how.keys().all(|k| k == "deficit") && !how.is_empty(), "{how:?}");
    let total = query(&gpkg, "SELECT balanced, in_count FROM swap_ledger WHERE scope = 'total'");
    assert_eq!(total[0], ["no", "0"]);
}

#[test]
fn township_and_county_scopes_balance_as_wholes() {
    for scope in ["township", "county"] {
        let out = tempfile::tempdir().unwrap();
        let gpkg = demo_with(out.path(), &[&format!("swap.scope={scope}"), "swap.township_digits=9"]);
        check_rule(&gpkg, 666.67);
        check_ledger(&gpkg);
        let units = query(&gpkg, "SELECT DISTINCT scope FROM swap_ledger WHERE scope <> 'total'");
        assert_eq!(units, [vec![scope.to_string()]]);
    }
}
