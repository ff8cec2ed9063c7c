//! Tests of pipeline-file loading: defaults, paths, unknown keys, types, overrides.

use super::*;

fn parse(text: &str) -> Result<Settings> {
    Settings::from_toml(text, "test.toml", Path::new("/base"), &[])
}

const MINIMAL: &str = "[inputs]\ndem = [\"dem.tif\"]\nparcels = \"parcels.shp\"\n";

#[test]
fn defaults_are_the_sandiao_names_and_national_breaks() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.fields.id, "BSM");
    assert_eq!(c.fields.land_use, "DLBM");
    assert_eq!(c.fields.recorded_grade, "GDPDJB");
    assert_eq!(c.terrain.grade_breaks, [2.0, 6.0, 15.0, 25.0]);
    assert_eq!(c.terrain.algorithm, SlopeAlgorithm::Horn);
    assert_eq!(c.inputs.parcels_encoding, "auto");
}

#[test]
fn relative_paths_resolve_from_the_pipeline_folder() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.inputs.dem, vec![PathBuf::from("/base/dem.tif")]);
    assert_eq!(c.inputs.parcels, PathBuf::from("/base/parcels.shp"));
    assert_eq!(c.output.dir, PathBuf::from("/base/out"));
    let abs = parse("[inputs]\ndem = [\"/abs/d.tif\"]\nparcels = \"p.gpkg\"\n").unwrap();
    assert_eq!(abs.inputs.dem, vec![PathBuf::from("/abs/d.tif")]);
}

#[test]
fn unknown_key_names_the_key_the_line_and_the_nearest_valid_key() {
    let text = format!("{MINIMAL}\n[terrain]\nalgoritm = \"horn\"\n");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("terrain.algoritm"), "{err}");
    assert!(err.contains("did you mean `algorithm`"), "{err}");
    assert!(err.contains("line 6"), "{err}");
}

#[test]
fn unknown_section_suggests_the_nearest_section() {
    let err = parse(&format!("{MINIMAL}[terain]\nz_factor = 1.0\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `terrain`"), "{err}");
}

#[test]
fn wrong_type_names_the_line() {
    let err = parse(&format!("{MINIMAL}[terrain]\nz_factor = \"one\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 5"), "{err}");
}

#[test]
fn breaks_must_increase() {
    let err = parse(&format!(
        "{MINIMAL}[terrain]\ngrade_breaks = [2, 15, 6, 25]\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("terrain.grade_breaks") && err.contains("increase"),
        "{err}"
    );
}

#[test]
fn overrides_apply_before_validation() {
    let c = Settings::from_toml(
        MINIMAL,
        "t",
        Path::new("/b"),
        &[
            "terrain.algorithm=zevenbergen-thorne".into(),
            "terrain.z_factor=2".into(),
            "fields.id=TBBH".into(),
        ],
    )
    .unwrap();
    assert_eq!(c.terrain.algorithm, SlopeAlgorithm::ZevenbergenThorne);
    assert_eq!(c.terrain.z_factor, 2.0);
    assert_eq!(c.fields.id, "TBBH");
    let err = Settings::from_toml(MINIMAL, "t", Path::new("/b"), &["terrain.zfactor=2".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `z_factor`"), "{err}");
}

#[test]
fn missing_dem_is_an_error_naming_the_setting() {
    let err = parse("[inputs]\nparcels = \"p.shp\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("inputs.dem"), "{err}");
}

#[test]
fn settings_round_trip_through_toml() {
    let c = parse(MINIMAL).unwrap();
    let again = Settings::from_toml(&c.to_toml(), "again", Path::new("/"), &[]).unwrap();
    assert_eq!(c, again);
}

#[test]
fn set_errors_name_the_argument_and_types_are_said_in_words() {
    let err = Settings::from_toml(MINIMAL, "t", Path::new("/b"), &["run.threads=two".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("--set run.threads=two"), "{err}");
    assert!(err.contains("a whole number"), "{err}");
    assert!(!err.contains("line"), "{err}");
}

#[test]
fn a_single_dem_path_may_be_a_string() {
    let c = parse("[inputs]\ndem = \"dem.tif\"\nparcels = \"p.shp\"\n").unwrap();
    assert_eq!(c.inputs.dem, vec![PathBuf::from("/base/dem.tif")]);
}

#[test]
fn wrong_number_of_breaks_says_how_many() {
    let err = parse(&format!("{MINIMAL}[terrain]\ngrade_breaks = [2, 6, 15]\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs 4 breaks") && err.contains("line 5"), "{err}");
}
