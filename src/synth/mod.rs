//! `landcons synth`: a deterministic (seeded) 三调-like sample region at any size:
//! a DEM in CGCS2000 / 3-degree Gauss-Krüger CM 105E (EPSG:4544) and a clean parcel
//! mosaic with DLTB attributes, written as a GBK Shapefile and a GeoPackage.

pub mod controls;
pub mod mosaic;
pub mod names;
pub mod rng;
mod survey;
pub mod terrain;

use std::path::{Path, PathBuf};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::DriverManager;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::raster::{self, Grid};
use mosaic::{Kind, Lattice, Piece, Registry, UNITS};
use rng::{hash_unit, Rng};
use terrain::Terrain;

/// EPSG code of CGCS2000 / 3-degree Gauss-Krüger CM 105E.
pub const EPSG: u32 = 4544;
/// DEM nodata value.
pub const DEM_NODATA: f64 = -9999.0;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub out_dir: PathBuf,
    pub seed: u64,
    pub cols: usize,
    pub rows: usize,
    pub cell_size: f64,
    /// Target number of parcels (the result is close to it, not exact).
    pub parcels: usize,
    /// Share of the land steeper than 25° the relief is scaled for.
    pub steep_share: f64,
    /// Write the Shapefile without its .cpg, as many real deliveries come.
    pub without_cpg: bool,
    /// Write only the DEM (for raster benchmarks at sizes where parcels are not needed).
    pub dem_only: bool,
    /// How progress is shown.
    pub reporter: crate::progress::Reporter,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            out_dir: PathBuf::from("data"),
            seed: 42,
            cols: 600,
            rows: 480,
            cell_size: 5.0,
            parcels: 3000,
            steep_share: 0.18,
            without_cpg: false,
            dem_only: false,
            reporter: crate::progress::Reporter::Hidden,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SynthReport {
    pub dem: PathBuf,
    pub shapefile: PathBuf,
    pub geopackage: PathBuf,
    pub cols: usize,
    pub rows: usize,
    pub parcels: usize,
    pub villages: usize,
    pub area_m2: f64,
}

/// Upper-left corner of every synthetic region (a hilly area near 29.7°N, 105°E).
const ORIGIN: (f64, f64) = (482_000.0, 3_290_000.0);

/// The control lines' GeoPackage (layers `roads` and `basic_farmland`).
pub const CONTROLS: &str = "controls.gpkg";

/// Writes the roads (lines, GRADE and NAME) and the basic farmland (polygons, JBNTBH)
/// of the sample region.
fn write_controls(path: &Path, seed: u64, lattice: &Lattice, terrain: &Terrain) -> Result<()> {
    let to_map = |(px, py): (f64, f64)| (ORIGIN.0 + px, ORIGIN.1 - py);
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::output(path, e))?;
    if path.exists() {
        driver.delete(path).map_err(|e| Error::output(path, format!("cannot replace: {e}")))?;
    }
    let mut ds = driver.create_vector_only(path).map_err(|e| Error::output(path, e))?;
    let srs = SpatialRef::from_epsg(EPSG).map_err(|e| Error::output(path, e))?;
    let roads = controls::roads(lattice, &to_map);
    let road_rows = roads.iter().map(|r| {
        let wkt = format!("LINESTRING ({} {}, {} {})", r.ends[0].0, r.ends[0].1, r.ends[1].0, r.ends[1].1);
        (wkt, vec![r.grade.to_string(), r.name.clone()])
    });
    write_simple_layer(&mut ds, path, &srs, "roads", OGRwkbGeometryType::wkbLineString, &["GRADE", "NAME"], road_rows)?;
    let farmland = controls::basic_farmland(seed, lattice, terrain, &to_map);
    let farmland_rows = farmland.iter().enumerate().map(|(k, ring)| {
        let coords: Vec<String> = ring.iter().map(|(x, y)| format!("{x} {y}")).collect();
        (format!("POLYGON (({}))", coords.join(", ")), vec![format!("{}JBNT{:05}", names::COUNTY_CODE, k + 1)])
    });
    write_simple_layer(&mut ds, path, &srs, "basic_farmland", OGRwkbGeometryType::wkbPolygon, &["JBNTBH"], farmland_rows)
}

/// A layer of text fields and geometries given as WKT, in one transaction.
fn write_simple_layer(
    ds: &mut gdal::Dataset,
    path: &Path,
    srs: &SpatialRef,
    name: &str,
    ty: OGRwkbGeometryType::Type,
    fields: &[&str],
    rows: impl Iterator<Item = (String, Vec<String>)>,
) -> Result<()> {
    let err = |e: gdal::errors::GdalError| Error::output(path, format!("layer {name}: {e}"));
    let mut txn = ds.start_transaction().map_err(err)?;
    let layer = txn
        .create_layer(LayerOptions { name, srs: Some(srs), ty, options: None })
        .map_err(err)?;
    for f in fields {
        FieldDefn::new(f, OGRFieldType::OFTString).and_then(|d| d.add_to_layer(&layer)).map_err(err)?;
    }
    for (wkt, values) in rows {
        let mut feature = Feature::new(layer.defn()).map_err(err)?;
        for (i, v) in values.iter().enumerate() {
            feature.set_field_string(i, v).map_err(err)?;
        }
        feature.set_geometry(Geometry::from_wkt(&wkt).map_err(err)?).map_err(err)?;
        feature.create(&layer).map_err(err)?;
    }
    txn.commit().map_err(err)
}

/// The file names synth writes inside `out_dir`.
pub fn file_names() -> (&'static str, &'static str, &'static str) {
    ("dem.tif", "dltb.shp", "dltb.gpkg")
}

impl SynthOptions {
    /// Checks the options, naming the flag at fault.
    pub fn validate(&self) -> Result<()> {
        let fail = |flag: &str, message: String| Err(Error::setting(format!("synth {flag}"), None, message));
        if self.cols < 8 || self.rows < 8 {
            return fail("--cols/--rows", format!("need at least 8×8 cells, got {}×{}", self.cols, self.rows));
        }
        if !(self.cell_size.is_finite() && self.cell_size > 0.0) {
            return fail("--cell-size", format!("must be > 0, got {}", self.cell_size));
        }
        if self.parcels == 0 {
            return fail("--parcels", "must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.steep_share) {
            return fail("--steep-share", format!("must lie in [0, 1), got {}", self.steep_share));
        }
        Ok(())
    }
}

pub fn generate(opts: &SynthOptions) -> Result<SynthReport> {
    opts.validate()?;
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::output(&opts.out_dir, e))?;
    raster::set_gdal_cache(256 << 20);
    let width = opts.cols as f64 * opts.cell_size;
    let height = opts.rows as f64 * opts.cell_size;
    // Hills scale with the parcel size so a county has the same look as the sample.
    let mut terrain = Terrain::new(opts.seed, 1.0);
    terrain.calibrate(width, height, opts.cell_size, opts.steep_share);

    let (dem_name, shp_name, gpkg_name) = file_names();
    let dem_path = opts.out_dir.join(dem_name);
    write_dem(&dem_path, opts, &terrain)?;
    if opts.dem_only {
        return Ok(SynthReport {
            dem: dem_path,
            shapefile: PathBuf::new(),
            geopackage: PathBuf::new(),
            cols: opts.cols,
            rows: opts.rows,
            parcels: 0,
            villages: 0,
            area_m2: width * height,
        });
    }

    // About 2.6 parcels per block on average (measured on the default sample).
    let block = (width * height * 2.6 / opts.parcels as f64).sqrt();
    let nbx = ((width / block).round() as usize).max(1);
    let nby = ((height / block).round() as usize).max(1);
    let lattice = Lattice::new(opts.seed, width, height, nbx, nby);
    let pieces = mosaic::layout(opts.seed, &lattice, &terrain);
    let registry = Registry::new(&pieces, &lattice);
    let villages = names::Villages::new(opts.seed, width, height);

    let parcels: Vec<SynthParcel> = pieces
        .par_iter()
        .enumerate()
        .map(|(n, piece)| {
            make_parcel(
                n, piece, &lattice, &registry, &terrain, &villages, opts.seed,
            )
        })
        .collect();

    let shp_path = opts.out_dir.join(shp_name);
    let gpkg_path = opts.out_dir.join(gpkg_name);
    write_parcels(&shp_path, "ESRI Shapefile", &parcels, opts.without_cpg)?;
    write_parcels(&gpkg_path, "GPKG", &parcels, false)?;
    write_controls(&opts.out_dir.join(CONTROLS), opts.seed, &lattice, &terrain)?;
    Ok(SynthReport {
        dem: dem_path,
        shapefile: shp_path,
        geopackage: gpkg_path,
        cols: opts.cols,
        rows: opts.rows,
        parcels: parcels.len(),
        villages: villages.len(),
        area_m2: width * height,
    })
}

/// One generated parcel with its DLTB attributes.
pub struct SynthParcel {
    pub rings: Vec<Vec<(f64, f64)>>,
    pub attrs: Vec<(&'static str, Value)>,
}

pub enum Value {
    Text(String),
    Real(f64),
}

fn make_parcel(
    n: usize,
    piece: &Piece,
    lattice: &Lattice,
    registry: &Registry,
    terrain: &Terrain,
    villages: &names::Villages,
    seed: u64,
) -> SynthParcel {
    let rings = parcel_rings(piece, lattice, registry);
    let area = rings
        .iter()
        .enumerate()
        .map(|(i, r)| if i == 0 { ring_area(r) } else { -ring_area(r) })
        .sum::<f64>();
    let r = piece.rect;
    let (cx, cy) = lattice.world((r[0] + r[2]) / 2, (r[1] + r[3]) / 2);
    let village = villages.at(cx, cy);
    let owner = villages.owner_group(village, cx, cy);
    let mut rng = Rng::new(seed, 1_000_000 + n as u64);
    // Recorded grade: the slope at the parcel's centre, sometimes stale by one grade.
    let recorded = piece
        .kind
        .is_cropland()
        .then(|| survey::recorded_grade(&mut rng, terrain.slope_deg(cx, cy, 5.0)));
    // TBMJ is the official (ellipsoidal) area: close to, not equal to, the planar one.
    let tbmj =
        ((area * (1.0 + (hash_unit(seed, &[99, n as u64]) - 0.5) * 0.004)) * 100.0).round() / 100.0;
    let (dlbm, dlmc) = survey::land_use(piece.kind, seed, n);
    let hfsx = survey::restore_attribute(piece.kind, &dlbm, seed, n);
    let attrs = vec![
        ("BSM", Value::Text(format!("{}2110{:08}", names::COUNTY_CODE, n + 1))),
        ("DLBM", Value::Text(dlbm)),
        ("DLMC", Value::Text(dlmc)),
        ("QSXZ", Value::Text(if matches!(piece.kind, Kind::Road) { "10" } else { "30" }.into())),
        ("QSDWDM", Value::Text(villages.owner_code(village, owner))),
        ("QSDWMC", Value::Text(villages.owner_name(village, owner))),
        ("ZLDWDM", Value::Text(villages.code(village))),
        ("ZLDWMC", Value::Text(villages.name(village).to_string())),
        ("TBMJ", Value::Real(tbmj)),
        ("KCXS", Value::Real((survey::terrace_deduction(recorded, piece.terrace) * 10_000.0).round() / 10_000.0)),
        ("GDLX", Value::Text(survey::terrace_type(recorded, piece.terrace).into())),
        ("GDPDJB", Value::Text(recorded.map(|g| g.to_string()).unwrap_or_default())),
        ("HFSX", Value::Text(hfsx.into())),
    ];
    SynthParcel { rings, attrs }
}

/// The parcel's rings in map coordinates: the exterior, and the hole reversed.
fn parcel_rings(piece: &Piece, lattice: &Lattice, registry: &Registry) -> Vec<Vec<(f64, f64)>> {
    let to_map = |(x, y): (i64, i64)| {
        let (px, py) = lattice.world(x, y);
        (ORIGIN.0 + px, ORIGIN.1 - py)
    };
    let mut rings = vec![registry.ring(piece.rect).into_iter().map(to_map).collect::<Vec<_>>()];
    if let Some(h) = piece.hole {
        let mut ring: Vec<(f64, f64)> = registry.ring(h).into_iter().map(to_map).collect();
        ring.reverse();
        rings.push(ring);
    }
    rings
}

fn ring_area(r: &[(f64, f64)]) -> f64 {
    (r.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        / 2.0)
        .abs()
}

/// Field widths as in the 三调 DLTB schema.
const FIELDS: &[(&str, OGRFieldType::Type, i32, i32)] = &[
    ("BSM", OGRFieldType::OFTString, 18, 0),
    ("DLBM", OGRFieldType::OFTString, 5, 0),
    ("DLMC", OGRFieldType::OFTString, 60, 0),
    ("QSXZ", OGRFieldType::OFTString, 2, 0),
    ("QSDWDM", OGRFieldType::OFTString, 19, 0),
    ("QSDWMC", OGRFieldType::OFTString, 60, 0),
    ("ZLDWDM", OGRFieldType::OFTString, 19, 0),
    ("ZLDWMC", OGRFieldType::OFTString, 60, 0),
    ("TBMJ", OGRFieldType::OFTReal, 19, 2),
    ("KCXS", OGRFieldType::OFTReal, 6, 4),
    ("GDLX", OGRFieldType::OFTString, 2, 0),
    ("GDPDJB", OGRFieldType::OFTString, 2, 0),
    ("HFSX", OGRFieldType::OFTString, 20, 0),
];

fn write_parcels(
    path: &Path,
    driver_name: &str,
    parcels: &[SynthParcel],
    without_cpg: bool,
) -> Result<()> {
    let driver =
        DriverManager::get_driver_by_name(driver_name).map_err(|e| Error::output(path, e))?;
    if path.exists() {
        driver
            .delete(path)
            .map_err(|e| Error::output(path, format!("cannot replace: {e}")))?;
    }
    let mut ds = driver
        .create_vector_only(path)
        .map_err(|e| Error::output(path, e))?;
    let srs = SpatialRef::from_epsg(EPSG).map_err(|e| Error::output(path, e))?;
    let is_shp = driver_name == "ESRI Shapefile";
    if is_shp {
        fill_layer(&mut ds, path, &srs, &["ENCODING=CP936"], parcels)?;
    } else {
        let mut txn = ds.start_transaction().map_err(|e| Error::output(path, e))?;
        fill_layer(&mut txn, path, &srs, &[], parcels)?;
        txn.commit().map_err(|e| Error::output(path, e))?;
    }
    drop(ds);
    if is_shp && without_cpg {
        let _ = std::fs::remove_file(path.with_extension("cpg"));
    }
    Ok(())
}

/// Creates the DLTB layer and its features. For shapefiles `ENCODING=CP936` makes GDAL
/// recode the UTF-8 text to GBK (code page 936) and record it in the .cpg.
fn fill_layer(
    ds: &mut gdal::Dataset,
    path: &Path,
    srs: &SpatialRef,
    options: &[&str],
    parcels: &[SynthParcel],
) -> Result<()> {
    let layer = ds
        .create_layer(LayerOptions {
            name: "DLTB",
            srs: Some(srs),
            ty: OGRwkbGeometryType::wkbPolygon,
            options: Some(options),
        })
        .map_err(|e| Error::output(path, e))?;
    for (name, ty, width, precision) in FIELDS {
        let f = FieldDefn::new(name, *ty).map_err(|e| Error::output(path, e))?;
        f.set_width(*width);
        f.set_precision(*precision);
        f.add_to_layer(&layer).map_err(|e| Error::output(path, e))?;
    }
    let defn = layer.defn();
    for p in parcels {
        let mut f = Feature::new(defn).map_err(|e| Error::output(path, e))?;
        for (i, (_, v)) in p.attrs.iter().enumerate() {
            match v {
                Value::Text(s) => f.set_field_string(i, s),
                Value::Real(x) => f.set_field_double(i, *x),
            }
            .map_err(|e| Error::output(path, e))?;
        }
        let mut poly =
            Geometry::empty(OGRwkbGeometryType::wkbPolygon).map_err(|e| Error::output(path, e))?;
        for ring in &p.rings {
            let mut lr = Geometry::empty(OGRwkbGeometryType::wkbLinearRing)
                .map_err(|e| Error::output(path, e))?;
            for &(x, y) in ring {
                lr.add_point_2d((x, y));
            }
            poly.add_geometry(lr).map_err(|e| Error::output(path, e))?;
        }
        f.set_geometry(poly).map_err(|e| Error::output(path, e))?;
        f.create(&layer).map_err(|e| Error::output(path, e))?;
    }
    Ok(())
}

/// Streams the DEM: rows computed in parallel, written in strips; a few round nodata
/// holes mimic voids.
fn write_dem(path: &Path, opts: &SynthOptions, terrain: &Terrain) -> Result<()> {
    let srs = SpatialRef::from_epsg(EPSG).map_err(|e| Error::output(path, e))?;
    let grid = Grid {
        cols: opts.cols,
        rows: opts.rows,
        transform: [
            ORIGIN.0,
            opts.cell_size,
            0.0,
            ORIGIN.1,
            0.0,
            -opts.cell_size,
        ],
        crs_wkt: srs.to_wkt().map_err(|e| Error::output(path, e))?,
        geographic: false,
        ellipsoid: (6378137.0, 6356752.314140356),
        nodata: Some(DEM_NODATA),
    };
    let area_km2 = opts.cols as f64 * opts.rows as f64 * opts.cell_size * opts.cell_size / 1e6;
    let mut rng = Rng::new(opts.seed, 3);
    let holes: Vec<(f64, f64, f64)> = (0..((area_km2 / 3.0).ceil() as usize).clamp(2, 400))
        .map(|_| {
            (
                rng.unit() * opts.cols as f64,
                rng.unit() * opts.rows as f64,
                2.0 + rng.unit() * 4.0,
            )
        })
        .collect();
    let ds = raster::create_geotiff::<f32>(path, &grid, Some(DEM_NODATA), &["PREDICTOR=3"])?;
    let progress = Progress::new("dem", opts.reporter);
    progress.set_length(opts.rows as u64);
    let strip = 256;
    let mut row0 = 0;
    while row0 < opts.rows {
        let n = strip.min(opts.rows - row0);
        let mut data = vec![0f32; opts.cols * n];
        data.par_chunks_mut(opts.cols)
            .enumerate()
            .for_each(|(i, line)| {
                let r = row0 + i;
                let y = (r as f64 + 0.5) * opts.cell_size;
                for (c, v) in line.iter_mut().enumerate() {
                    let x = (c as f64 + 0.5) * opts.cell_size;
                    let in_hole = holes.iter().any(|&(hc, hr, rad)| {
                        let (dc, dr) = (c as f64 + 0.5 - hc, r as f64 + 0.5 - hr);
                        dc * dc + dr * dr <= rad * rad
                    });
                    // Rounded to centimetres, like survey DEM products.
                    *v = if in_hole {
                        DEM_NODATA as f32
                    } else {
                        ((terrain.elevation(x, y) * 100.0).round() / 100.0) as f32
                    };
                }
            });
        raster::write_rows(&ds, path, opts.cols, row0, data)?;
        row0 += n;
        progress.inc(n as u64);
    }
    progress.finish();
    ds.close().map_err(|e| Error::output(path, e))
}

/// Plan units per block (re-exported for tests that reason about strip widths).
pub const PLAN_UNITS: i64 = UNITS;
