//! Property-based fuzzing (proptest, a bounded number of cases per run) of the places
//! that take arbitrary input: the pipeline-file parser, polygon coverage, geometry
//! repair of survey polygons, and the text encodings of shapefile attributes.
//! More cases: PROPTEST_CASES=100000 cargo test --release --test fuzz

use std::path::Path;

use geo::{Area, Coord, LineString, MultiPolygon, Polygon};
use landcons::settings::Settings;
use landcons::stages::zonal::{coverage, GridFrame};
use proptest::prelude::*;

/// 2000 cases per property in the test suite; PROPTEST_CASES sets more.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Pieces of pipeline files: real sections and keys, near misses, and junk values.
fn line() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "[inputs]",
        "[fields]",
        "[terrain]",
        "[reforestation]",
        "[merge]",
        "[output]",
        "[run]",
        "[[reforestation.zones]]",
        "[terain]",
        "[inputs.dem]",
        "[",
        "]]",
    ])
    .prop_map(String::from);
    let key = prop::sample::select(vec![
        "dem",
        "parcels",
        "dem_nodata",
        "grade_breaks",
        "algorithm",
        "z_factor",
        "rule",
        "steep_share_threshold",
        "tolerance_m",
        "min_shared_m",
        "max_grade_diff",
        "threads",
        "memory_limit_mb",
        "name",
        "path",
        "mode",
        "min_share",
        "dir",
        "gpkg",
        "cropland_codes",
        "non_polygons",
        "zones",
        "bogus_key",
        "dem.x",
        "\"quoted\"",
    ]);
    let value = prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("true".to_string()),
        "[a-z./ ]{0,12}".prop_map(|s| format!("\"{s}\"")),
        prop::collection::vec(-100.0f64..100.0, 0..6).prop_map(|v| format!("{v:?}")),
        Just("[\"a.tif\", 3]".to_string()),
        Just("{ x = 1 }".to_string()),
        "[^\n]{0,10}",
    ];
    prop_oneof![
        section,
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        "[^\n]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Any text gives a configuration or an error message; never a panic.
    #[test]
    fn pipeline_parser_never_panics(
        lines in prop::collection::vec(line(), 0..25),
        overrides in prop::collection::vec("[a-z_.]{1,20}=[^\n]{0,10}", 0..3),
    ) {
        let text = lines.join("\n");
        match Settings::from_toml(&text, "fuzz.toml", Path::new("/tmp"), &overrides) {
            Ok(c) => {
                // A configuration that parsed must round-trip through its own TOML.
                prop_assert!(Settings::from_toml(&c.to_toml(), "again", Path::new("/tmp"), &[]).is_ok());
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }
}

fn frame() -> GridFrame {
    GridFrame {
        x0: 0.0,
        y0: 0.0,
        dx: 10.0,
        dy: -10.0,
    }
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString(points.iter().map(|&(x, y)| Coord { x, y }).collect())
}

/// A simple (star-shaped) polygon: n ≥ 4 vertices at increasing angles around a centre,
/// no two more than half a turn apart (so no edge passes behind the centre).
fn star() -> impl Strategy<Value = Vec<(f64, f64)>> {
    (
        -500.0f64..500.0,
        -500.0f64..500.0,
        prop::collection::vec((0.0f64..0.9, 0.5f64..300.0), 4..24),
    )
        .prop_map(|(cx, cy, spokes)| {
            let n = spokes.len() as f64;
            spokes
                .iter()
                .enumerate()
                .map(|(k, (jitter, r))| {
                    let a = (k as f64 + jitter) / n * std::f64::consts::TAU;
                    (cx + r * a.cos(), cy + r * a.sin())
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// For a simple polygon, coverage fractions lie in [0, 1] and add up to its area.
    #[test]
    fn coverage_of_a_simple_polygon_adds_up_to_its_area(points in star()) {
        let shape = MultiPolygon(vec![Polygon::new(ring(&points), vec![])]);
        let area = shape.unsigned_area();
        prop_assume!(area > 1e-6);
        let c = coverage(&shape, &frame()).expect("finite coordinates give a window");
        prop_assert!(c.fraction.iter().all(|f| (0.0..=1.0).contains(f)));
        let covered: f64 = c.fraction.iter().sum::<f64>() * 100.0;
        prop_assert!((covered - area).abs() <= 1e-7 * area.max(1.0), "covered {covered}, area {area}");
    }

    /// Arbitrary rings (self-intersecting, unclosed, repeated or collinear vertices,
    /// zero area, holes outside their shell, NaN or infinite coordinates): no panic,
    /// and every fraction is a number in [0, 1].
    #[test]
    fn coverage_of_any_rings_never_panics(
        rings in prop::collection::vec(
            prop::collection::vec(
                prop_oneof![
                    8 => (-300.0f64..300.0, -300.0f64..300.0),
                    2 => prop::sample::select(vec![(0.0, 0.0), (10.0, -10.0), (10.0, 0.0)]),
                    1 => prop::sample::select(vec![(f64::NAN, 0.0), (f64::INFINITY, 5.0), (1e-300, -1e-300)]),
                ],
                0..12,
            ),
            1..4,
        ),
    ) {
        let exterior = ring(&rings[0]);
        let holes = rings[1..].iter().map(|r| ring(r)).collect();
        // Built directly, not through Polygon::new, so rings may stay unclosed.
        let shape = MultiPolygon(vec![Polygon::new(exterior, holes)]);
        if let Some(c) = coverage(&shape, &frame()) {
            prop_assert_eq!(c.fraction.len(), c.cols * c.rows);
            prop_assert!(c.fraction.iter().all(|f| f.is_finite() && (0.0..=1.0).contains(f)));
        }
    }
}

/// A village or owner name as surveys write them: a little ASCII, then GB2312 hanzi
/// (the character set of GBK survey text) and 村组社区.
fn survey_name() -> impl Strategy<Value = String> {
    // GB2312 hanzi: lead 0xB0–0xF7, trail 0xA1–0xFE, less D7FA–D7FE (unassigned).
    let hanzi = (0xB0u8..=0xF7, 0xA1u8..=0xFE)
        .prop_filter("assigned in GB2312", |(l, t)| !(*l == 0xD7 && *t > 0xF9))
        .prop_map(|(l, t)| encoding_rs::GBK.decode_without_bom_handling(&[l, t]).0.into_owned());
    let char = prop_oneof![4 => hanzi, 1 => "[村组社区]"];
    ("[a-z0-9 ]{0,3}", prop::collection::vec(char, 1..7)).prop_map(|(ascii, hanzi)| ascii + &hanzi.concat())
}

/// Rings as deliveries have them: any vertices, repeated, crossing, unclosed, degenerate.
fn wild_rings() -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    let coord = prop_oneof![
        8 => (-50.0..50.0f64).prop_map(|v| (v * 4.0).round() / 4.0),
        1 => Just(0.0),
        1 => -1e6..1e6f64,
    ];
    prop::collection::vec(prop::collection::vec((coord.clone(), coord), 0..12), 1..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases() / 4))]

    /// Geometry preparation never panics: it gives valid polygons (repaired and reported
    /// when they were not) or an error message, never a crash in GEOS.
    #[test]
    fn geometry_repair_never_panics_and_gives_valid_polygons(rings in wild_rings()) {
        use gdal::vector::{Geometry, OGRwkbGeometryType, ToGdal};
        let mut polygon = Geometry::empty(OGRwkbGeometryType::wkbPolygon).unwrap();
        for r in &rings {
            let mut ring = Geometry::empty(OGRwkbGeometryType::wkbLinearRing).unwrap();
            for (x, y) in r {
                ring.add_point_2d((*x, *y));
            }
            let _ = polygon.add_geometry(ring);
        }
        let mut issues = Vec::new();
        if let Ok(mp) = landcons::vector::geometry::prepare(&polygon, None, "F1", &mut issues) {
            prop_assert!(mp.unsigned_area().is_finite());
            let back = mp.to_gdal().unwrap();
            prop_assert!(landcons::gdal_util::quiet(|| back.is_valid()), "prepared geometry is valid");
            prop_assert!(issues.iter().all(|i| i.id == "F1"));
        }
    }

    /// Any bytes decode or give a message, never a panic; a file's Chinese text is
    /// recognised as GBK or UTF-8 as a whole, a .cpg that says the other is caught, and
    /// the text comes back as it was.
    #[test]
    fn attribute_text_decoding_is_total_and_round_trips(
        bytes in prop::collection::vec(any::<u8>(), 0..40),
        names in prop::collection::vec(survey_name(), 1..20),
    ) {
        use encoding_rs::{GBK, UTF_8, WINDOWS_1252};
        use landcons::vector::{encoding::{detect, judge, Detected, Judgement, TextStats, AMBIGUOUS_BYTES}, TextDecoder};
        let dir = tempfile::tempdir().unwrap();
        let auto = TextDecoder::for_shapefile(&dir.path().join("x.shp"), "auto", None).unwrap();
        let _ = auto.decode(&bytes);
        let utf8: Vec<u8> = names.join("  ").into_bytes();
        let gbk: Vec<u8> = names.iter().flat_map(|n| GBK.encode(n).0.into_owned()).collect();
        let (utf8_stats, gbk_stats) = (TextStats::of(&utf8), TextStats::of(&gbk));
        // GBK bytes that also read as text in UTF-8 (Chinese, or Latin letters: "茅" is
        // C3 A9, "é") are truly ambiguous (a few in 10⁴ random names); a .cpg or
        // inputs.parcels_encoding decides those.
        prop_assume!(!gbk_stats.utf8.plausible());
        prop_assert_eq!(detect(&utf8), Detected::Utf8);
        prop_assert_eq!(detect(&gbk), Detected::Gbk);
        prop_assert_eq!(judge(Some(GBK), &gbk_stats), Judgement::Use(GBK));
        prop_assert_eq!(judge(None, &gbk_stats), Judgement::Use(GBK));
        prop_assert_eq!(judge(Some(UTF_8), &gbk_stats), Judgement::Contradicts(Some(GBK)));
        prop_assert_eq!(judge(Some(WINDOWS_1252), &gbk_stats), Judgement::Contradicts(Some(GBK)));
        prop_assert_eq!(judge(Some(UTF_8), &utf8_stats), Judgement::Use(UTF_8));
        // UTF-8 under a GBK .cpg is caught, but for a few bytes that read as Chinese in
        // GBK too, where the declaration decides.
        let gbk_reading_is_chinese = utf8_stats.gbk.clean() && utf8_stats.gbk.chinese();
        if utf8_stats.non_ascii > AMBIGUOUS_BYTES || !gbk_reading_is_chinese {
            prop_assert_eq!(judge(Some(GBK), &utf8_stats), Judgement::Contradicts(Some(UTF_8)));
        }
        let forced = TextDecoder::for_shapefile(&dir.path().join("x.shp"), "gbk", None).unwrap();
        for n in &names {
            prop_assert_eq!(&forced.decode(&GBK.encode(n).0).unwrap(), n);
            prop_assert_eq!(&auto.decode(n.as_bytes()).unwrap(), n);
        }
    }
}
