use std::path::PathBuf;

use super::*;
use crate::context::CancelToken;
use crate::settings::class_index;
use crate::stages::testing::{parcels, rect, square, Plot, V1, V2};

fn settings(min_share: f64) -> crate::settings::ProgressSettings {
    crate::settings::ProgressSettings { min_share, ..Default::default() }
}

fn class(key: &str) -> u8 {
    class_index(key).unwrap() as u8
}

/// The planning class of the codes these tests use.
fn class_of_code(code: &str) -> u8 {
    class(match &code[..2] {
        "01" => "cropland",
        "02" => "garden",
        "03" => "forest",
        "04" => "grassland",
        _ => "village",
    })
}

fn plot(id: &str, code: &'static str, village: &'static str, g: geo::MultiPolygon<f64>) -> Plot {
    Plot { id: id.into(), ..Plot::new(code).village(village).at(g) }
}

/// Baseline: six 10 × 10 parcels in a row; A, B (cropland) planned as forest, C and F
/// (garden) as cropland; D (grassland) and E (cropland) left alone.
fn baseline() -> Baseline {
    let codes = [("A", "0103"), ("B", "0103"), ("C", "0201"), ("D", "0404"), ("E", "0103"), ("F", "0201")];
    let plots: Vec<Plot> = codes.iter().enumerate().map(|(k, (id, code))| plot(id, code, if k < 3 { V1 } else { V2 }, square(10.0 * k as f64, 0.0, 10.0))).collect();
    let current: Vec<u8> = codes.iter().map(|(_, c)| class_of_code(c)).collect();
    let plan = [Some(("forest", "reforestation")), Some(("forest", "reforestation")), Some(("cropland", "restore")), None, None, Some(("cropland", "restore"))];
    let planned = plan.iter().zip(&current).map(|(p, c)| p.map_or(*c, |(to, _)| class(to))).collect();
    Baseline { parcels: parcels(&[], &plots), current, planned, kind: plan.iter().map(|p| p.map(|(_, k)| k)).collect(), path: PathBuf::new() }
}

/// The next survey: A now forest; B 30 % forest, 70 % homesteads; C unchanged; D now
/// cropland; E unchanged; F half cropland (a new BSM), half garden.
fn next() -> (crate::parcels::Parcels, Vec<u8>) {
    let plots = [
        plot("A", "0301", V1, square(0.0, 0.0, 10.0)),
        plot("B1", "0301", V1, rect(10.0, 0.0, 13.0, 10.0)),
        plot("B2", "0702", V1, rect(13.0, 0.0, 20.0, 10.0)),
        plot("C", "0201", V1, square(20.0, 0.0, 10.0)),
        plot("D", "0103", V2, square(30.0, 0.0, 10.0)),
        plot("E", "0103", V2, square(40.0, 0.0, 10.0)),
        plot("F1", "0103", V2, rect(50.0, 0.0, 55.0, 10.0)),
        plot("F2", "0201", V2, rect(55.0, 0.0, 60.0, 10.0)),
    ];
    let classes = plots.iter().map(|p| class_of_code(p.land_use)).collect();
    (parcels(&[], &plots), classes)
}

#[test]
fn statuses_shares_and_the_land_changed_outside_the_plan() {
    let (new, classes) = next();
    let progress = assess(baseline(), Survey { parcels: &new, classes: &classes }, &settings(0.5), &CancelToken::new()).unwrap();
    let got: Vec<(usize, Status, Option<&str>, i64)> = progress.items.iter().map(|it| (it.baseline, it.status, it.kind, it.area)).collect();
    assert_eq!(
        got,
        [
            (0, Status::CarriedOut, Some("reforestation"), 10_000),
            (1, Status::Contrary, Some("reforestation"), 10_000),
            (2, Status::NotYet, Some("restore"), 10_000),
            (5, Status::CarriedOut, Some("restore"), 10_000),
            (3, Status::Outside, None, 10_000),
        ]
    );
    let b = &progress.items[1];
    assert_eq!(b.shares, Some([0.3, 0.0, 0.7, 0.0]));
    assert_eq!((b.current.clone(), b.class_now), (vec![1, 2], Some(class("village"))));
    let outside = &progress.items[4];
    assert_eq!((outside.village_code.as_str(), outside.class_to, outside.current.clone()), (V2, class("cropland"), vec![4]));
    assert!(outside.geometry.is_some());
    // At a share above one half, F's half is not carried out.
    let (new, classes) = next();
    let strict = assess(baseline(), Survey { parcels: &new, classes: &classes }, &settings(0.6), &CancelToken::new()).unwrap();
    assert_eq!(strict.items[3].status, Status::NotYet);
}

#[test]
fn the_rows_add_up_to_the_rule_rows_and_the_total() {
    let (new, classes) = next();
    let progress = assess(baseline(), Survey { parcels: &new, classes: &classes }, &settings(0.5), &CancelToken::new()).unwrap();
    let rows = &progress.rows;
    let keys: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r.level, r.village_code.as_str(), r.kind)).collect();
    assert_eq!(
        keys,
        [
            ("village", V1, "reforestation"),
            ("village", V1, "restore"),
            ("village", V2, "restore"),
            ("village", V2, "outside"),
            ("rule", "", "reforestation"),
            ("rule", "", "restore"),
            ("rule", "", "outside"),
            ("total", "", ""),
        ]
    );
    let t = |count, area| Tally { count, area };
    let restore = &rows[5];
    assert_eq!(restore.tallies, [t(2, 20_000), t(1, 10_000), t(1, 10_000), t(0, 0), t(0, 0)]);
    assert_eq!(restore.done_pct(), Some(50.0));
    let total = rows.last().unwrap();
    assert_eq!(total.tallies, [t(4, 40_000), t(2, 20_000), t(1, 10_000), t(1, 10_000), t(1, 10_000)]);
    for level in ["village", "rule"] {
        for k in 0..5 {
            let sum: i64 = rows.iter().filter(|r| r.level == level).map(|r| r.tallies[k].area).sum();
            assert_eq!(sum, total.tallies[k].area, "{level} column {k}");
        }
    }
    let counts: std::collections::BTreeMap<String, serde_json::Value> = counts(&progress).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let line = summary(&counts).unwrap();
    assert!(line.starts_with("plan progress: 2 of 4 planned parcels carried out (0.02 of 0.04 ha, 50.0 %), 1 not yet, 1 contrary; 1 pieces"), "{line}");
}
