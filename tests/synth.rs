//! The sample-region generator: deterministic, a clean mosaic, all slope grades,
//! GBK attributes.

mod common;

use std::path::Path;

use common::*;
use gdal::vector::LayerAccess;
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use rstar::{RTree, RTreeObject, AABB};

fn synth(dir: &Path, seed: &str, extra: &[&str]) {
    let mut args = vec![
        "synth",
        "-q",
        "-o",
        dir.to_str().unwrap(),
        "--seed",
        seed,
        "--cols",
        "300",
        "--rows",
        "240",
        "--parcels",
        "900",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
}

fn polygons(path: &Path) -> Vec<(String, MultiPolygon<f64>)> {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer
        .features()
        .map(|f| {
            let id = f
                .field_as_string(f.field_index("BSM").unwrap())
                .unwrap()
                .unwrap();
            let g = f.geometry().unwrap().to_geo().unwrap();
            (id, landcons::vector::polygons_of(&g))
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    synth(a.path(), "7", &[]);
    synth(b.path(), "7", &[]);
    synth(c.path(), "8", &[]);
    for name in [
        "dem.tif", "dltb.shp", "dltb.shx", "dltb.dbf", "dltb.cpg", "dltb.prj",
    ] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
    // GeoPackages carry creation timestamps: compare their content.
    let pa = polygons(&a.path().join("dltb.gpkg"));
    let pb = polygons(&b.path().join("dltb.gpkg"));
    assert_eq!(pa.len(), pb.len());
    assert!(pa.iter().zip(&pb).all(|(x, y)| x == y));
    assert_ne!(
        std::fs::read(a.path().join("dem.tif")).unwrap(),
        std::fs::read(c.path().join("dem.tif")).unwrap()
    );
}

struct Boxed(usize, AABB<[f64; 2]>);
impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.1
    }
}

#[test]
fn parcels_form_a_clean_mosaic_covering_the_extent() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "42", &[]);
    let parcels = polygons(&dir.path().join("dltb.gpkg"));
    assert!(parcels.len() > 500, "{} parcels", parcels.len());
    let total: f64 = parcels.iter().map(|(_, p)| p.unsigned_area()).sum();
    let extent = 300.0 * 5.0 * 240.0 * 5.0;
    assert!(
        (total - extent).abs() / extent < 1e-3,
        "parcels cover {total} m² of a {extent} m² extent"
    );

    let boxes: Vec<Boxed> = parcels
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            let r = p.bounding_rect().unwrap();
            Boxed(
                i,
                AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
            )
        })
        .collect();
    let tree = RTree::bulk_load(boxes.iter().map(|b| Boxed(b.0, b.1)).collect());
    let mut pairs = 0;
    for b in &boxes {
        for other in tree.locate_in_envelope_intersecting(&b.1) {
            if other.0 <= b.0 {
                continue;
            }
            pairs += 1;
            let overlap = parcels[b.0]
                .1
                .intersection(&parcels[other.0].1)
                .unsigned_area();
            assert!(
                overlap <= 1.0,
                "parcels {} and {} overlap by {overlap} m²",
                parcels[b.0].0,
                parcels[other.0].0
            );
        }
    }
    assert!(
        pairs > parcels.len(),
        "neighbour pairs were checked ({pairs})"
    );
    // Parcels with holes and long thin strips are part of a realistic mosaic.
    assert!(
        parcels
            .iter()
            .any(|(_, p)| p.0.iter().any(|poly| !poly.interiors().is_empty())),
        "no parcel with a hole"
    );
}

#[test]
fn dem_has_every_slope_grade_and_a_real_share_above_25_degrees() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "42", &[]);
    let grades = dir.path().join("grades.tif");
    let slope = dir.path().join("slope.tif");
    let o = run(&[
        "slope",
        "-q",
        dir.path().join("dem.tif").to_str().unwrap(),
        "-o",
        slope.to_str().unwrap(),
        "--grades",
        grades.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let (_, _, g, _) = read_raster(&grades);
    let mut counts = [0usize; 6];
    for v in &g {
        counts[*v as usize] += 1;
    }
    let with_data: usize = counts[1..].iter().sum();
    for grade in 1..=5 {
        assert!(
            counts[grade] as f64 / with_data as f64 > 0.01,
            "grade {grade} covers too little: {counts:?}"
        );
    }
    let steep = counts[5] as f64 / with_data as f64;
    assert!((0.10..=0.25).contains(&steep), "share above 25° is {steep}");
    assert!(counts[0] > 0, "the DEM has nodata voids");
}

#[test]
fn shapefile_text_is_gbk_and_reads_back_with_or_without_cpg() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "42", &["--without-cpg"]);
    assert!(!dir.path().join("dltb.cpg").exists());
    let dbf = std::fs::read(dir.path().join("dltb.dbf")).unwrap();
    assert!(
        std::str::from_utf8(&dbf).is_err(),
        "the DBF must not be UTF-8"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode("村民小组");
    assert!(
        dbf.windows(gbk.len()).any(|w| w == &gbk[..]),
        "GBK-encoded names expected in the DBF"
    );

    let inputs = landcons::settings::Inputs {
        parcels: dir.path().join("dltb.shp"),
        ..Default::default()
    };
    let layer = landcons::parcels::read_parcels(&landcons::parcels::ReadOptions {
        inputs: &inputs,
        fields: &Default::default(),
        cancel: &Default::default(),
    })
    .unwrap();
    assert!(
        (0..layer.len()).all(|i| layer.village_name(i).ends_with('村')),
        "village names decoded"
    );
    let gpkg = polygons(&dir.path().join("dltb.gpkg"));
    assert_eq!(layer.len(), gpkg.len());
}
