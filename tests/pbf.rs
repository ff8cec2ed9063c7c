//! 永久基本农田布局调整 and 集中连片 (#28) on real terrain, against shapely, networkx and
//! highspy (scripts/pbf_reference.py, fixtures in tests/fixtures/pbf): the demo's parcels
//! on the Gredos 25 m DEM with every control line the rule reads (scripts/pbf_region.sh:
//! basic farmland, 高标准农田, an urban boundary over PBF, a red line, a pbf_out range,
//! quality grades GDDB). Checked: the 调出 set equals the reference's; every 调入 parcel
//! (and every reserve) is reference-eligible; the ledger balances in area and quality and
//! its 调入 area is highspy's optimum of the same MILP; the current blocks are networkx's
//! components; the ledger's rows add up to the layers; per township the same; and the
//! swap's least areas are highspy's too.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn num(v: &str) -> f64 {
    v.parse().unwrap_or_else(|_| panic!("not a number: {v:?}"))
}

fn fixture_ids(name: &str) -> BTreeSet<String> {
    let path = repo().join("tests/fixtures/pbf").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
}

fn reference() -> Value {
    let path = repo().join("tests/fixtures/pbf/milp.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ids(gpkg: &Path, sql: &str) -> BTreeSet<String> {
    query(gpkg, sql).into_iter().map(|r| r[0].clone()).collect()
}

/// The region in `dir` (None when the shared DEM is absent outside CI).
fn region(dir: &Path) -> Option<PathBuf> {
    let dem = shared("dem25-spain/dem25.tif")?;
    let region = dir.join("region");
    tool("bash", &[repo().join("scripts/pbf_region.sh").to_str().unwrap(), region.to_str().unwrap(), dem.to_str().unwrap()]);
    Some(region)
}

/// `landcons run` of the region's pipeline into `out`, with settings.
fn run_region(region: &Path, out: &str, settings: &[&str]) -> PathBuf {
    let out = region.join(out);
    let pipeline = region.join("pipeline.toml");
    let mut args = vec!["run", "-q", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()];
    for s in settings {
        args.extend(["--set", s]);
    }
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    out.join("landcons.gpkg")
}

/// The region is the one the fixtures were made from: parcels, their area, their grades.
fn same_region(gpkg: &Path, r: &Value) {
    let row = &query(gpkg, "SELECT count(*), sum(area_m2) FROM parcels")[0];
    assert_eq!(num(&row[0]), r["region"]["parcels"].as_f64().unwrap());
    let area = r["region"]["area_m2"].as_f64().unwrap();
    assert!((num(&row[1]) - area).abs() <= 1e-6 * area, "parcel area {} vs the fixtures' {area}: remake them (scripts/pbf_reference.py)", row[1]);
    for (grade, count) in r["region"]["grades"].as_object().unwrap() {
        let ours = num(&query(gpkg, &format!("SELECT count(*) FROM parcels WHERE grade = {grade}"))[0][0]);
        assert_eq!(ours, count.as_f64().unwrap(), "parcels of grade {grade}: the fixtures were made from other grades");
    }
}

/// A ledger row by unit code: (out_count, out_m2, in_count, in_m2, required_m2, balanced,
/// quality_ok, status, out_quality_mean, in_quality_mean).
fn ledger(gpkg: &Path) -> BTreeMap<String, Vec<String>> {
    query(gpkg, "SELECT code, out_count, out_m2, in_count, in_m2, required_m2, balanced, quality_ok, solver_status, out_quality_mean, in_quality_mean FROM pbf_ledger")
        .into_iter()
        .map(|r| (r[0].clone(), r[1..].to_vec()))
        .collect()
}

/// The 调入 area of a unit against highspy's answer for the same MILP: equal to 1e-6
/// relative when it proved optimality, else between its dual bound and its objective.
fn matches_highspy(code: &str, row: &[String], answer: &Value) {
    let inn = num(&row[3]);
    let (objective, bound) = (answer["objective_m2"].as_f64().unwrap(), answer["dual_bound_m2"].as_f64().unwrap());
    match answer["status"].as_str().unwrap() {
        "deficit" => {
            assert_eq!((row[5].as_str(), row[7].as_str()), ("no", "deficit"), "{code}: {row:?}");
            assert!((inn - objective).abs() <= 0.005, "{code}: a deficit takes every eligible parcel: {inn} vs {objective} m²");
        }
        "Optimal" => {
            assert!((inn - objective).abs() <= 1e-6 * objective, "{code}: 调入 {inn} m² vs highspy's optimum {objective} m²");
            let required = answer["required_cm2"].as_f64().unwrap() / 100.0;
            assert!(inn + 1e-9 >= required, "{code}: 调入 {inn} m² short of 1.05 × 调出 = {required} m²");
            assert_eq!((row[5].as_str(), row[7].as_str()), ("yes", "optimal"), "{code}: {row:?}");
        }
        other => {
            assert!(other.starts_with("Time limit"), "{code}: highspy said {other}");
            assert!(inn >= bound - 1e-6 && inn <= objective * (1.0 + 1e-6), "{code}: 调入 {inn} m² outside highspy's [{bound}, {objective}]");
        }
    }
}

/// The ledger's rows reconcile with the layers: per unit, counts and official areas of
/// pbf_out and pbf_in (by `unit`, SQL over village_code); the total row sums the units.
fn reconciles(gpkg: &Path, rows: &BTreeMap<String, Vec<String>>, unit: &str) {
    let units: Vec<&String> = rows.keys().filter(|k| *k != "total").collect();
    assert!(!units.is_empty());
    for code in &units {
        let row = &rows[*code];
        for (layer, k) in [("pbf_out", 0), ("pbf_in", 2)] {
            let sums = &query(gpkg, &format!("SELECT count(*), coalesce(sum(tbmj_m2), 0) FROM {layer} WHERE {unit} = '{code}'"))[0];
            assert_eq!(sums[0], row[k], "{code}: {layer} count");
            assert!((num(&sums[1]) - num(&row[k + 1])).abs() <= 0.01, "{code}: {layer} area {} vs ledger {}", sums[1], row[k + 1]);
        }
    }
    let total = &rows["total"];
    for k in [0, 2] {
        assert_eq!(num(&total[k]), units.iter().map(|c| num(&rows[*c][k])).sum::<f64>(), "total count {k}");
    }
    for k in [1, 3, 4] {
        let sum: f64 = units.iter().map(|c| num(&rows[*c][k])).sum();
        assert!((num(&total[k]) - sum).abs() <= 0.01, "total column {k}: {} vs the units' {sum}", total[k]);
    }
    assert_eq!(query(gpkg, "SELECT count(*) FROM pbf_out o JOIN pbf_in i ON i.parcel_id = o.parcel_id")[0][0], "0");
}

/// The current blocks: parcels.block_id partitions the cropland as networkx's components
/// do; cropland_blocks's current rows are the components of 100 mu and up, with their
/// tiers, areas and parcel counts.
fn blocks_match(gpkg: &Path) {
    let path = repo().join("tests/fixtures/pbf/blocks.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut reference: BTreeMap<String, (BTreeSet<String>, f64)> = BTreeMap::new();
    for l in text.lines().skip(1) {
        let v: Vec<&str> = l.split(',').collect();
        let e = reference.entry(v[1].to_string()).or_default();
        e.0.insert(v[0].to_string());
        e.1 = num(v[2]);
    }
    let mut ours: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in query(gpkg, "SELECT block_id, BSM FROM parcels WHERE block_id IS NOT NULL") {
        ours.entry(r[0].clone()).or_default().insert(r[1].clone());
    }
    let theirs: BTreeSet<&BTreeSet<String>> = reference.values().map(|b| &b.0).collect();
    let mine: BTreeSet<&BTreeSet<String>> = ours.values().collect();
    assert_eq!(mine.len(), theirs.len(), "number of current blocks");
    assert!(mine == theirs, "current blocks (parcels.block_id) differ from networkx's components");
    // Tiers as the reference reckons them (1 mu = 10 000 / 15 m²).
    let tier = |m2: f64| [100.0, 1000.0, 10000.0].iter().filter(|t| m2 / (10000.0 / 15.0) >= **t).count().to_string();
    let big: BTreeMap<&BTreeSet<String>, (String, f64)> = reference.values().filter(|b| tier(b.1) != "0").map(|b| (&b.0, (tier(b.1), b.1))).collect();
    let rows = query(gpkg, "SELECT block_id, tier, area_m2, parcels FROM cropland_blocks WHERE state = 'current'");
    assert_eq!(rows.len(), big.len(), "current blocks of 100 mu and up");
    assert!(!rows.is_empty());
    for r in rows {
        let members = &ours[&r[0]];
        let (t, m2) = &big.get(members).unwrap_or_else(|| panic!("block {} is no component of 100 mu and up", r[0]));
        assert_eq!(&r[1], t, "block {}: tier", r[0]);
        assert!((num(&r[2]) - m2).abs() <= 0.005 + 1e-9 * m2, "block {}: {} m² vs shapely {m2}", r[0], r[2]);
        assert_eq!(num(&r[3]) as usize, members.len());
    }
}

/// The geometries of a layer's features by the text of one field (several features of
/// one key become one multipolygon).
fn geometries_by(gpkg: &Path, name: &str, key: &str, filter: &str) -> BTreeMap<String, geo::MultiPolygon<f64>> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(gpkg).unwrap();
    let mut layer = ds.layer_by_name(name).unwrap();
    layer.set_attribute_filter(filter).unwrap();
    let column = layer.defn().fields().position(|f| f.name() == key).unwrap();
    let mut out: BTreeMap<String, geo::MultiPolygon<f64>> = BTreeMap::new();
    for f in layer.features() {
        let k = f.field_as_string(column).unwrap().unwrap_or_default();
        let g: geo::Geometry<f64> = f.geometry().unwrap().to_geo().unwrap();
        let polygons = match g {
            geo::Geometry::Polygon(p) => vec![p],
            geo::Geometry::MultiPolygon(m) => m.0,
            other => panic!("{name}: not a polygon: {other:?}"),
        };
        out.entry(k).or_insert_with(|| geo::MultiPolygon::new(vec![])).0.extend(polygons);
    }
    out
}

/// Each current block's outline (edge cancellation through pinch vertices and islands)
/// is GEOS's union of its parcels: no area in one and not the other, valid.
fn block_outlines_are_geos_unions(gpkg: &Path) {
    use gdal::vector::ToGdal;
    let parcels = geometries_by(gpkg, "parcels", "block_id", "block_id IS NOT NULL");
    let blocks = geometries_by(gpkg, "cropland_blocks", "block_id", "state = 'current'");
    assert!(!blocks.is_empty());
    for (id, outline) in &blocks {
        let general = landcons::vector::union::union_all(&parcels[id]).unwrap();
        let (ours, geos) = (outline.to_gdal().unwrap(), general.to_gdal().unwrap());
        let xor = ours.difference(&geos).unwrap().area() + geos.difference(&ours).unwrap().area();
        assert!(xor < 1e-6, "block {id}: {xor} m² differ from GEOS's union of its parcels");
        assert!(ours.is_valid(), "block {id}: invalid outline");
    }
}

#[test]
fn county_adjustment_matches_shapely_networkx_and_highspy() {
    let dir = tempfile::tempdir().unwrap();
    let Some(region) = region(dir.path()) else { return };
    let gpkg = run_region(&region, "county", &[]);
    let r = reference();
    same_region(&gpkg, &r);

    // (a) 调出 exactly; the region exercises every reason and 开天窗.
    let out = fixture_ids("out.csv");
    assert!(out.len() > 100, "{}", out.len());
    assert_eq!(ids(&gpkg, "SELECT parcel_id FROM pbf_out"), out, "调出 vs shapely + networkx");
    assert_eq!(ids(&gpkg, "SELECT BSM FROM parcels WHERE pbf = 'out'"), out);
    for reason in ["坡度五级", "现状非耕地", "零散", "位于调出范围"] {
        let n = num(&query(&gpkg, &format!("SELECT count(*) FROM pbf_out WHERE reason LIKE '%{reason}%'"))[0][0]);
        assert!(n > 0.0, "no 调出 parcel for {reason}");
    }
    let windows = query(&gpkg, "SELECT count(*) FROM parcels p JOIN constraint_hits h ON h.id = p.BSM AND h.\"constraint\" = 'urban_boundary' WHERE h.share >= 0.5 AND p.pbf = 'keep' AND (p.grade = 5 OR p.is_cropland = 0)");
    assert!(num(&windows[0][0]) > 0.0, "PBF in the urban boundary that would go out stays (开天窗)");

    // (b) every 调入 parcel is eligible; so is every reserve, and nothing else.
    let eligible = fixture_ids("eligible.csv");
    let inn = ids(&gpkg, "SELECT parcel_id FROM pbf_in");
    assert!(inn.len() > 100 && inn.is_subset(&eligible), "{} 调入 parcels, not all reference-eligible: {:?}", inn.len(), inn.difference(&eligible).collect::<Vec<_>>());
    assert_eq!(ids(&gpkg, "SELECT BSM FROM parcels WHERE pbf IN ('in', 'reserve')"), eligible, "eligible (in + reserve) vs shapely");
    let bases = ids(&gpkg, "SELECT DISTINCT basis FROM pbf_in");
    assert_eq!(bases.len(), 2, "both bases come in: {bases:?}");

    // (c) the ledger balances in area and quality at highspy's optimum.
    let rows = ledger(&gpkg);
    let total = &rows["total"];
    assert_eq!(rows.len(), 2, "one county unit and the total");
    assert_eq!((total[5].as_str(), total[6].as_str()), ("yes", "yes"), "{total:?}");
    assert!(num(&total[9]) <= num(&total[8]) + 1e-4, "quality in {} worse than out {}", total[9], total[8]);
    let quality = &query(&gpkg, "SELECT sum(tbmj_m2 * quality) / sum(tbmj_m2) FROM pbf_in")[0][0];
    assert!((num(quality) - num(&total[9])).abs() <= 1e-4, "in quality {quality} vs ledger {}", total[9]);
    let county = &r["county"]["county"];
    assert_eq!(num(&rows["county"][0]), county["out_count"].as_f64().unwrap());
    assert!((num(&rows["county"][4]) - county["required_cm2"].as_f64().unwrap() / 100.0).abs() <= 0.01);
    matches_highspy("county", &rows["county"], county);

    // (d) the current blocks are networkx's components.
    blocks_match(&gpkg);
    block_outlines_are_geos_unions(&gpkg);

    // (e) the ledger adds up to the layers.
    reconciles(&gpkg, &rows, "'county'");

    // The swap's least areas, unit by unit: highspy's over the village's own land.
    let swap = query(&gpkg, "SELECT code, in_m2, covered_by FROM swap_ledger WHERE scope = 'village'");
    let answers = r["swap"].as_object().unwrap();
    assert!(!answers.is_empty());
    for (code, answer) in answers {
        let row = swap.iter().find(|s| &s[0] == code).unwrap_or_else(|| panic!("swap unit {code} missing"));
        let objective = answer["objective_m2"].as_f64().unwrap();
        assert_eq!(answer["status"], "Optimal");
        assert_eq!(row[2], "own", "{code}: its own land covers it");
        assert!(num(&row[1]) <= objective * (1.0 + 1e-6) + 0.005, "swap {code}: {} m² vs highspy's {objective}", row[1]);
        assert!(num(&row[1]) >= objective - 0.005, "swap {code}: {} m² less than highspy's optimum {objective}", row[1]);
    }
}

#[test]
fn township_units_match_highspy_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let Some(region) = region(dir.path()) else { return };
    // Townships of 12 digits: the region's six villages, some short of land.
    let gpkg = run_region(&region, "township", &["pbf.scope=\"township\"", "swap.township_digits=12"]);
    let r = reference();
    same_region(&gpkg, &r);
    assert_eq!(ids(&gpkg, "SELECT parcel_id FROM pbf_out"), fixture_ids("out.csv"), "调出 does not depend on the scope");
    let inn = ids(&gpkg, "SELECT parcel_id FROM pbf_in");
    assert!(inn.is_subset(&fixture_ids("eligible.csv")));
    let rows = ledger(&gpkg);
    let answers = r["township"].as_object().unwrap();
    assert_eq!(rows.keys().filter(|k| *k != "total").collect::<Vec<_>>(), answers.keys().collect::<Vec<_>>(), "units");
    let statuses: BTreeSet<&str> = answers.values().map(|a| a["status"].as_str().unwrap()).collect();
    assert!(statuses.contains("deficit") && statuses.contains("Optimal"), "{statuses:?}");
    for (code, answer) in answers {
        matches_highspy(code, &rows[code], answer);
        if answer["status"] == "Optimal" {
            assert_eq!(rows[code][6], "yes", "{code}: quality");
        }
    }
    reconciles(&gpkg, &rows, "substr(village_code, 1, 12)");
}
