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

/// The run's warnings about its inputs (the project library's placeholder costs, said on
/// every run left at the defaults, are not about the DEM).
fn warnings(out: &Path) -> Vec<String> {
    manifest(out)["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] != "projects_placeholder")
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

/// The reference tiles of scripts/void_tiles.py in `dir`: (blob cells, sea cells).
fn void_tiles(dir: &Path) -> (u64, u64) {
    let srtm = shared("bigtujunga/bigtujunga.tif").unwrap();
    let o = std::process::Command::new("/usr/bin/python3")
        .arg(repo().join("scripts/void_tiles.py"))
        .arg(&srtm)
        .arg(dir)
        .output()
        .expect("/usr/bin/python3 runs (python3-gdal)");
    assert!(o.status.success(), "void_tiles.py: {}", text(&o));
    let counts: Vec<u64> = String::from_utf8_lossy(&o.stdout).split_whitespace().map(|n| n.parse().unwrap()).collect();
    (counts[0], counts[1])
}

/// Parcels with part of their area on the blob, by GEOS: the blob polygonised by GDAL,
/// each parcel intersected with it.
fn parcels_on_the_blob(dir: &Path, parcels: &Path) -> usize {
    use gdal::vector::LayerAccess;
    let mask = dir.join("blob_mask.tif");
    let shapes = dir.join("blob.gpkg");
    tool("gdal_polygonize.py", &["-q", mask.to_str().unwrap(), "-f", "GPKG", shapes.to_str().unwrap(), "blob", "value"]);
    let ds = gdal::Dataset::open(&shapes).unwrap();
    let mut layer = ds.layer_by_name("blob").unwrap();
    let value = layer.defn().field_index("value").unwrap();
    let blob: Vec<gdal::vector::Geometry> = layer.features().filter(|f| f.field_as_integer(value).ok().flatten() == Some(1)).map(|f| f.geometry().unwrap().clone()).collect();
    let ds = gdal::Dataset::open(parcels).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer
        .features()
        .filter(|f| {
            let g = f.geometry().unwrap();
            blob.iter().any(|b| g.intersection(b).is_some_and(|i| i.area() > 0.0))
        })
        .count()
}

/// A void filled with 0 over a whole area of a real SRTM tile that declares another
/// nodata value (so nothing marks the zeros, and no cell near 0 is needed elsewhere):
/// its rim stands hundreds of metres above it. The run warns, naming the DEM, the value,
/// the cells, the parcels that touch the area (as GEOS counts them) and the setting;
/// `landcons slope` warns too. The same tile lowered to a sea at 0 with a coast rising a
/// few metres does not warn.
#[test]
fn a_void_area_filled_with_zeros_warns_and_the_sea_does_not() {
    if shared("bigtujunga/bigtujunga.tif").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (blob_cells, sea_cells) = void_tiles(d);
    assert!(blob_cells > 1900 && sea_cells > 50_000, "{blob_cells} {sea_cells}");
    let parcels = parcels_on_the_tile(d);
    let (o, out) = run_on(d, &parcels, &d.join("blob.tif"), "blob", "");
    assert!(o.status.success(), "{}", text(&o));
    let touching = parcels_on_the_blob(d, &parcels);
    assert!(touching > 0, "the blob lies under parcels");
    let found: Vec<String> = warnings(&out).into_iter().filter(|w| w.starts_with("dem_fill_value")).collect();
    assert_eq!(found.len(), 1, "{:?}", warnings(&out));
    let w = &found[0];
    for part in ["blob.tif", &format!("{blob_cells} cells"), "hold 0,", "flat area", &format!("{touching} parcels touch them"), "inputs.dem_nodata = 0"] {
        assert!(w.contains(part), "the warning lacks {part:?}: {w}");
    }
    assert!(text(&o).contains(&format!("{touching} parcels touch them")), "on stderr too: {}", text(&o));

    let o = run(&["slope", "-q", d.join("blob.tif").to_str().unwrap(), "-o", d.join("blob_slope.tif").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains(&format!("{blob_cells} cells")) && said.contains("hold 0,") && said.contains("--nodata 0"), "{said}");

    let (o, out) = run_on(d, &parcels, &d.join("coast.tif"), "coast", "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(warnings(&out).is_empty(), "the sea is not a void: {:?}", warnings(&out));
    let o = run(&["slope", "-q", d.join("coast.tif").to_str().unwrap(), "-o", d.join("coast_slope.tif").to_str().unwrap()]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", text(&o));
}
