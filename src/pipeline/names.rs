//! The files a result set may show, as one checked set: every name distinct (derived
//! side-cars included, so `output.gpkg = "slope.tif"` or two rasters whose `.qml` would
//! collide are caught), none reserved, and none an input of the run.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::layers::rasters::raster_layers;
use crate::layers::registry;
use crate::output::guard::real_path;
use crate::output::owned::{ResultName, CURRENT, PRIVATE};
use crate::output::qgis::PROJECT_FILE;
use crate::settings::Settings;

use super::write::{REPORT, WORKBOOK};

/// Every file a run of `s` may show at the top of its output folder, each with the
/// setting that names it; an error when two coincide or one is reserved.
pub fn result_names(s: &Settings) -> Result<Vec<ResultName>> {
    let o = &s.output;
    let named = |name: &str, key: &str| ResultName { name: name.to_string(), key: key.to_string() };
    let mut names = vec![
        named(&o.gpkg, "output.gpkg"),
        named(&o.slope, "output.slope"),
        named(&o.slope_grade, "output.slope_grade"),
        named(&format!("{}.aux.xml", o.slope_grade), "output.slope_grade (its .aux.xml)"),
        named(&o.manifest, "output.manifest"),
        named(WORKBOOK, "the planning workbook"),
        named(REPORT, "the run report"),
        named(PROJECT_FILE, "the QGIS project"),
        named(super::gather::TILES, "the slope tiles of a gathered run"),
    ];
    for r in raster_layers(s) {
        let key = if r.file == o.slope { "output.slope (its .qml style)" } else { "output.slope_grade (its .qml style)" };
        names.push(named(&r.qml_file(), key));
    }
    for layer in registry() {
        if let Some(csv) = layer.csv_name(s) {
            let key = if csv == o.village_csv { "output.village_csv".to_string() } else { format!("the {} table's CSV", layer.name()) };
            names.push(ResultName { name: csv, key });
        }
    }
    check_distinct(&names)?;
    Ok(names)
}

/// Names compared as the file system on a case-insensitive volume would (a result set
/// copied to Windows keeps working): no two alike, none `current` or `.landcons*`.
fn check_distinct(names: &[ResultName]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        let lower = n.name.to_lowercase();
        if lower == CURRENT || lower.starts_with(PRIVATE) {
            return Err(name_error(n, format!("{:?} is reserved for landcons's own files", n.name)));
        }
        if let Some(other) = names[..i].iter().find(|m| m.name.to_lowercase() == lower) {
            return Err(name_error(n, format!("{:?} would name both {} and {}; every output needs a name of its own", n.name, other.key, n.key)));
        }
    }
    Ok(())
}

fn name_error(n: &ResultName, message: String) -> Error {
    let key = n.key.split(' ').next().filter(|k| k.starts_with("output.")).unwrap_or("output");
    Error::setting("output names", Some(key), message)
}

/// No input of the run may be one of its results or lie inside landcons's own folder:
/// the run would replace the file it reads (the DEM saved as `slope.tif`), or read an
/// earlier run's result as its input (the slope of the slope).
pub fn check_inputs_apart(out: &Path, names: &[ResultName], inputs: &[(String, PathBuf)]) -> Result<()> {
    let out_real = real_path(out);
    for (key, input) in inputs {
        let real = real_path(input);
        if real.components().any(|c| c.as_os_str() == PRIVATE) {
            return Err(Error::setting(key.clone(), None, format!("{} is a file of an earlier landcons result set; give the original input, not a result", input.display())));
        }
        let Some(clash) = names.iter().find(|n| real == out_real.join(&n.name)) else { continue };
        return Err(Error::setting(
            key.clone(),
            None,
            format!("{} is where this run writes its result {} ({}); it would be replaced: move the input or choose another output folder", input.display(), clash.name, clash.key),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_names_are_distinct_and_complete() {
        let names = result_names(&Settings::default()).unwrap();
        for expected in ["landcons.gpkg", "slope.tif", "slope_grade.tif", "slope_grade.tif.aux.xml", "slope.qml", "slope_grade.qml", "manifest.json", "report.html", "indicators.xlsx", "landcons.qgz", "village_summary.csv", "indicators.csv"] {
            assert!(names.iter().any(|n| n.name == expected), "{expected}");
        }
    }

    #[test]
    fn colliding_and_reserved_names_are_refused_naming_the_setting() {
        type Change = fn(&mut Settings);
        let cases: [(Change, &str); 5] = [
            (|s| s.output.gpkg = "slope.tif".into(), "output.gpkg"),
            (|s| s.output.manifest = "current".into(), "output.manifest"),
            (|s| s.output.village_csv = "REPORT.HTML".into(), "output.village_csv"),
            (|s| s.output.slope = "slope_grade.img".into(), "output.slope"),
            (|s| s.output.manifest = ".landcons.lock".into(), "output.manifest"),
        ];
        for (change, key) in cases {
            let mut s = Settings::default();
            change(&mut s);
            let err = result_names(&s).unwrap_err().to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn an_input_at_a_result_name_or_in_a_result_set_is_refused() {
        let out = tempfile::tempdir().unwrap();
        let names = result_names(&Settings::default()).unwrap();
        let dem = out.path().join("slope.tif");
        std::fs::write(&dem, b"x").unwrap();
        let err = check_inputs_apart(out.path(), &names, &[("inputs.dem".into(), dem)]).unwrap_err().to_string();
        assert!(err.contains("inputs.dem") && err.contains("output.slope"), "{err}");
        let inside = out.path().join("elsewhere/.landcons/runs/x/dem.tif");
        let err = check_inputs_apart(out.path(), &names, &[("inputs.dem".into(), inside)]).unwrap_err().to_string();
        assert!(err.contains("earlier landcons result set"), "{err}");
        let own = out.path().join("my_dem.tif");
        check_inputs_apart(out.path(), &names, &[("inputs.dem".into(), own)]).unwrap();
    }
}
