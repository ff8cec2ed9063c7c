//! Reforestation rule options: terrace filters, the steep-share rule, and exclusion /
//! inclusion zone layers with the overlap share recorded.

mod common;

use std::path::Path;

use common::*;
use gdal::vector::{FieldValue, LayerAccess};

/// Runs the demo inputs with extra pipeline text; returns the candidates' rows as
/// (id, GDLX of the parcel, share above 25°, zone share if any).
fn candidates(dir: &Path, extra: &str) -> Vec<(String, String, f64, Option<f64>)> {
    let data = repo().join("data");
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n[output]\ndir = \"out\"\n{extra}",
            data.join("dem.tif").display(),
            data.join("dltb.gpkg").display()
        ),
    )
    .unwrap();
    let o = run(&["run", "-q", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let ds = gdal::Dataset::open(dir.join("out/landcons.gpkg")).unwrap();
    let gdlx: std::collections::HashMap<String, String> = {
        let mut l = ds.layer_by_name("parcels").unwrap();
        let (i_id, i_t) = (
            l.defn().field_index("BSM").unwrap(),
            l.defn().field_index("GDLX").unwrap(),
        );
        l.features()
            .map(|f| {
                (
                    f.field_as_string(i_id).unwrap().unwrap(),
                    f.field_as_string(i_t).unwrap().unwrap_or_default(),
                )
            })
            .collect()
    };
    let mut l = ds.layer_by_name("reforestation_candidates").unwrap();
    let defn = l.defn();
    let i_id = defn.field_index("parcel_id").unwrap();
    let i_share = defn.field_index("share_above_25").unwrap();
    let i_zone = defn.field_index("zone_test_share").ok();
    l.features()
        .map(|f| {
            let id = f.field_as_string(i_id).unwrap().unwrap();
            let zone = i_zone.and_then(|i| match f.field(i).unwrap() {
                Some(FieldValue::RealValue(v)) => Some(v),
                _ => None,
            });
            (
                id.clone(),
                gdlx[&id].clone(),
                f.field_as_double(i_share).unwrap().unwrap(),
                zone,
            )
        })
        .collect()
}

#[test]
fn terrace_filters_leave_out_terraces_or_keep_only_slope_land() {
    let all = candidates(tempfile::tempdir().unwrap().path(), "");
    assert!(
        all.iter().any(|c| c.1 == "TT") && all.iter().any(|c| c.1 == "PD"),
        "the sample has both kinds among candidates"
    );
    let no_tt = candidates(
        tempfile::tempdir().unwrap().path(),
        "[reforestation]\nexclude_terraces = true\n",
    );
    assert!(!no_tt.is_empty() && no_tt.iter().all(|c| c.1 != "TT"));
    assert_eq!(no_tt.len(), all.iter().filter(|c| c.1 != "TT").count());
    let pd = candidates(
        tempfile::tempdir().unwrap().path(),
        "[reforestation]\nonly_slope_land = true\n",
    );
    assert!(pd.iter().all(|c| c.1 == "PD"));
    assert_eq!(pd.len(), all.iter().filter(|c| c.1 == "PD").count());
}

#[test]
fn steep_share_rule_uses_the_threshold() {
    let c = candidates(
        tempfile::tempdir().unwrap().path(),
        "[reforestation]\nrule = \"steep-share\"\nsteep_share_threshold = 0.3\n",
    );
    assert!(!c.is_empty());
    assert!(
        c.iter().all(|x| x.2 >= 0.3),
        "every candidate has ≥ 30 % above 25°"
    );
    let dominant = candidates(tempfile::tempdir().unwrap().path(), "");
    assert!(
        c.len() > dominant.len(),
        "a 30 % threshold selects more than the dominant-grade rule"
    );
}

fn zone_file(dir: &Path) -> std::path::PathBuf {
    // The western half of the sample region (x from 482000 to 483500).
    let p = dir.join("zone.geojson");
    write_geojson_4544(
        &p,
        &[r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[481000,3286000],[483500,3286000],[483500,3291000],[481000,3291000],[481000,3286000]]]}}"#],
    );
    p
}

#[test]
fn exclusion_and_inclusion_zones_filter_candidates_and_record_the_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let zone = zone_file(dir.path());
    let all = candidates(tempfile::tempdir().unwrap().path(), "");
    let zone_toml = |mode: &str| {
        format!("[[reforestation.zones]]\nname = \"test\"\npath = \"{}\"\nmode = \"{mode}\"\nmin_share = 0.5\n", zone.display())
    };
    let excluded = candidates(tempfile::tempdir().unwrap().path(), &zone_toml("exclude"));
    let included = candidates(tempfile::tempdir().unwrap().path(), &zone_toml("include"));
    assert!(!excluded.is_empty() && !included.is_empty());
    assert!(excluded.iter().all(|c| c.3.unwrap() < 0.5));
    assert!(included.iter().all(|c| c.3.unwrap() >= 0.5));
    assert_eq!(
        excluded.len() + included.len(),
        all.len(),
        "the two modes split the candidates"
    );
    assert!(
        included.iter().any(|c| (c.3.unwrap() - 1.0).abs() < 1e-9),
        "parcels wholly inside have share 1"
    );
}

#[test]
fn a_zone_setting_with_a_typo_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "[inputs]\ndem = [\"d.tif\"]\nparcels = \"p.shp\"\n[[reforestation.zones]]\nname = \"a\"\npath = \"z.gpkg\"\nmode = \"exclude\"\nmin_shar = 0.2\n").unwrap();
    let o = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("min_shar"), "{}", text(&o));
}
