//! DEM voids are never heights: a real SRTM tile (Big Tujunga, California) with void
//! blocks stored as -32768 or 0 and no nodata tag warns, naming the value and the
//! setting; with the wrong tag, `inputs.dem_nodata` gives exactly the results of the
//! correctly described DEM.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Void blocks (row, col) of 15 × 15 cells, all under the parcels.
const VOIDS: [(usize, usize); 3] = [(150, 300), (300, 500), (450, 700)];

/// The tile with the void blocks set to `fill`, tagged with `nodata` (or untagged).
fn dem_with_voids(dir: &Path, name: &str, fill: f32, nodata: Option<f64>) -> PathBuf {
    let src = shared("bigtujunga/bigtujunga.tif").unwrap();
    let (cols, _, mut values, _) = read_raster(&src);
    for (r0, c0) in VOIDS {
        for r in r0..r0 + 15 {
            for c in c0..c0 + 15 {
                values[r * cols + c] = fill;
            }
        }
    }
    let path = dir.join(name);
    write_dem_like(&path, &src, values, nodata, true);
    path
}

/// Runs the synthetic parcels placed on the tile over `dem`; returns the output and folder.
fn run_on(dir: &Path, parcels: &Path, dem: &Path, out: &str, extra: &str) -> (std::process::Output, PathBuf) {
    let p = dir.join(format!("{out}.toml"));
    let text = format!(
        "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n{extra}[output]\ndir = \"{out}\"\n",
        dem.display(),
        parcels.display()
    );
    std::fs::write(&p, text).unwrap();
    (run(&["run", "-q", p.to_str().unwrap()]), dir.join(out))
}

fn parcels_on_the_tile(dir: &Path) -> PathBuf {
    let region = dir.join("region");
    let o = run(&["synth", "-q", "-o", region.to_str().unwrap(), "--cols", "400", "--rows", "300", "--cell-size", "50", "--parcels", "2000"]);
    assert!(o.status.success(), "{}", text(&o));
    let parcels = dir.join("parcels_utm11.gpkg");
    place_parcels(&region.join("dltb.gpkg"), &parcels, "EPSG:4544", "EPSG:32611", -100_000.0, 516_000.0, true);
    parcels
}

fn warnings(out: &Path) -> Vec<String> {
    manifest(out)["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{} {}", w["code"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect()
}

#[test]
fn untagged_voids_warn_and_dem_nodata_corrects_a_wrong_tag() {
    if shared("bigtujunga/bigtujunga.tif").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parcels = parcels_on_the_tile(d);

    let correct = dem_with_voids(d, "correct.tif", -32768.0, Some(-32768.0));
    let (o, correct_out) = run_on(d, &parcels, &correct, "correct", "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(warnings(&correct_out).is_empty(), "{:?}", warnings(&correct_out));

    // Voids stored as -32768 without a tag: read as heights, they make false cliffs.
    let untagged = dem_with_voids(d, "untagged.tif", -32768.0, None);
    let (o, out) = run_on(d, &parcels, &untagged, "untagged", "");
    assert!(o.status.success(), "{}", text(&o));
    let stderr = text(&o);
    assert!(
        stderr.contains("untagged.tif") && stderr.contains("675 cells") && stderr.contains("inputs.dem_nodata = -32768"),
        "the warning names the file, the cells and the setting: {stderr}"
    );
    assert!(warnings(&out).iter().any(|w| w.starts_with("dem_fill_value") && w.contains("-32768")));
    let cliffs = |out: &Path| query(&out.join("landcons.gpkg"), "SELECT count(*) FROM parcels WHERE slope_max > 85")[0][0].clone();
    assert_eq!(cliffs(&correct_out), "0");
    assert_ne!(cliffs(&out), "0", "voids read as heights make false cliffs (slopes near 90°)");

    // Voids stored as 0 in mountains (no height within 10 m of 0) are found too.
    let zeros = dem_with_voids(d, "zeros.tif", 0.0, None);
    let (o, out) = run_on(d, &parcels, &zeros, "zeros", "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(warnings(&out).iter().any(|w| w.starts_with("dem_fill_value") && w.contains("hold 0,")), "{:?}", warnings(&out));

    // A wrong tag (-9999) corrected by the setting: exactly the correct results.
    let wrong = dem_with_voids(d, "wrong.tif", -32768.0, Some(-9999.0));
    let (o, out) = run_on(d, &parcels, &wrong, "wrong", "dem_nodata = -32768\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("inputs.dem_nodata = -32768 overrides the nodata value -9999"), "{}", text(&o));
    for layer in ["parcels", "reforestation_candidates", "adjacency", "merge_candidates", "village_summary"] {
        let sql = format!("SELECT * FROM {layer}");
        assert_eq!(
            query(&out.join("landcons.gpkg"), &sql),
            query(&correct_out.join("landcons.gpkg"), &sql),
            "{layer} differs from the correctly described DEM's"
        );
    }
    for f in ["slope.tif", "slope_grade.tif", "village_summary.csv"] {
        assert!(std::fs::read(out.join(f)).unwrap() == std::fs::read(correct_out.join(f)).unwrap(), "{f} differs");
    }
}
