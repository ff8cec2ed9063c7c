//! Assembles the results package from the stages' plain data.

use std::path::Path;
use std::time::Instant;

use geo::MultiPolygon;

use super::RunReport;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::output::gpkg::GpkgWriter;
use crate::output::styles;
use crate::output::table::{column, round, Table};
use crate::output::{ha, mu};
use crate::parcels::{AttrValue, FieldKind, ParcelLayer};
use crate::raster::Dem;
use crate::rules::ParcelFlags;
use crate::terrain::TerrainSummary;
use crate::zonal::ParcelSlope;

/// Computed columns appended to every parcel's original attributes.
const COMPUTED: &[(&str, FieldKind)] = &[
    ("area_m2", FieldKind::Real),
    ("slope_mean", FieldKind::Real),
    ("slope_min", FieldKind::Real),
    ("slope_max", FieldKind::Real),
    ("share_g1", FieldKind::Real),
    ("share_g2", FieldKind::Real),
    ("share_g3", FieldKind::Real),
    ("share_g4", FieldKind::Real),
    ("share_g5", FieldKind::Real),
    ("grade", FieldKind::Int),
    ("nodata_share", FieldKind::Real),
    ("grade_recorded", FieldKind::Int),
    ("grade_mismatch", FieldKind::Int),
    ("is_cropland", FieldKind::Int),
    ("reforest", FieldKind::Int),
];

fn real_or_null(v: f64) -> AttrValue {
    if v.is_finite() {
        AttrValue::Real(v)
    } else {
        AttrValue::Null
    }
}

fn parcels_table(layer: &ParcelLayer, stats: &[ParcelSlope], flags: &[ParcelFlags]) -> Table {
    let mut columns = layer.fields.clone();
    // An input column with a computed column's name keeps its values under "<name>_in".
    for c in columns.iter_mut() {
        if COMPUTED
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&c.name))
        {
            c.name = format!("{}_in", c.name);
        }
    }
    columns.extend(COMPUTED.iter().map(|(n, k)| column(n, *k)));
    let rows = layer
        .parcels
        .iter()
        .zip(stats)
        .zip(flags)
        .map(|((p, s), f)| {
            let mut row = p.attributes.clone();
            row.push(AttrValue::Real(s.area_m2));
            row.push(real_or_null(s.slope_mean));
            row.push(real_or_null(s.slope_min));
            row.push(real_or_null(s.slope_max));
            for g in 0..5 {
                row.push(if s.grade == 0 {
                    AttrValue::Null
                } else {
                    AttrValue::Real(s.share[g])
                });
            }
            row.push(AttrValue::Int(s.grade as i64));
            row.push(AttrValue::Real(s.nodata_share));
            row.push(
                p.recorded_grade
                    .map(|g| AttrValue::Int(g as i64))
                    .unwrap_or(AttrValue::Null),
            );
            let mismatch = p.recorded_grade.map(|g| s.grade != 0 && g != s.grade);
            row.push(
                mismatch
                    .map(|m| AttrValue::Int(m as i64))
                    .unwrap_or(AttrValue::Null),
            );
            row.push(AttrValue::Int(f.is_cropland as i64));
            row.push(AttrValue::Int(f.reforest as i64));
            row
        })
        .collect();
    Table { columns, rows }
}

fn candidates_table(
    layer: &ParcelLayer,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    config: &Config,
) -> (Table, Vec<usize>) {
    use FieldKind::*;
    let mut columns: Vec<crate::parcels::FieldSpec> = [
        ("parcel_id", Text),
        ("land_use", Text),
        ("village_code", Text),
        ("village_name", Text),
        ("owner_code", Text),
        ("area_m2", Real),
        ("area_ha", Real),
        ("area_mu", Real),
        ("slope_mean", Real),
        ("share_above_25", Real),
        ("grade", Int),
        ("grade_recorded", Int),
        ("reason", Text),
    ]
    .iter()
    .map(|(n, k)| column(n, *k))
    .collect();
    for z in &config.reforestation.zones {
        columns.push(column(&format!("zone_{}_share", z.name), Real));
    }
    let mut rows = Vec::new();
    let mut members = Vec::new();
    for (i, ((p, s), f)) in layer.parcels.iter().zip(stats).zip(flags).enumerate() {
        if !f.reforest {
            continue;
        }
        members.push(i);
        rows.push(vec![
            AttrValue::Text(p.id.clone()),
            AttrValue::Text(p.land_use.clone()),
            AttrValue::Text(p.village_code.clone()),
            AttrValue::Text(p.village_name.clone()),
            AttrValue::Text(p.owner_code.clone()),
            AttrValue::Real(round(s.area_m2, 2)),
            AttrValue::Real(round(ha(s.area_m2), 4)),
            AttrValue::Real(round(mu(s.area_m2), 2)),
            real_or_null(s.slope_mean),
            AttrValue::Real(s.steep_share()),
            AttrValue::Int(s.grade as i64),
            p.recorded_grade
                .map(|g| AttrValue::Int(g as i64))
                .unwrap_or(AttrValue::Null),
            AttrValue::Text(f.reason.clone()),
        ]);
        if let Some(row) = rows.last_mut() {
            row.extend(f.zone_shares.iter().map(|v| AttrValue::Real(*v)));
        }
    }
    (Table { columns, rows }, members)
}

pub(super) fn write_gpkg(
    path: &Path,
    crs_wkt: &str,
    layer: &ParcelLayer,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    villages: &Table,
    config: &Config,
) -> Result<()> {
    let mut gpkg = GpkgWriter::create(path)?;
    let all: Vec<&MultiPolygon<f64>> = layer.parcels.iter().map(|p| &p.geometry).collect();
    gpkg.write_layer(
        "parcels",
        crs_wkt,
        &parcels_table(layer, stats, flags),
        Some(&all),
    )?;
    let (cand, members) = candidates_table(layer, stats, flags, config);
    let cand_geoms: Vec<&MultiPolygon<f64>> = members
        .iter()
        .map(|i| &layer.parcels[*i].geometry)
        .collect();
    gpkg.write_layer(
        "reforestation_candidates",
        crs_wkt,
        &cand,
        Some(&cand_geoms),
    )?;
    gpkg.write_layer("village_summary", "", villages, None)?;
    let labels = crate::terrain::grade_labels(&breaks_of(config));
    gpkg.write_styles(&[
        (
            "parcels",
            styles::parcels_qml(&labels),
            "parcels by computed slope grade",
        ),
        (
            "reforestation_candidates",
            styles::candidates_qml(),
            "cropland above the steepest grade break",
        ),
    ])?;
    gpkg.set_metadata("LANDCONS_VERSION", env!("CARGO_PKG_VERSION"))?;
    gpkg.set_metadata("LANDCONS_SETTINGS", &config.to_toml())?;
    gpkg.close()
}

fn breaks_of(config: &Config) -> [f64; 4] {
    crate::terrain::SlopeOptions::from_settings(&config.terrain, config.run.memory_limit_mb).breaks
}

pub(super) fn write_manifest(
    path: &Path,
    config: &Config,
    dem: &Dem,
    layer: &ParcelLayer,
    terrain: &TerrainSummary,
    report: &RunReport,
    started: Instant,
) -> Result<()> {
    let manifest = serde_json::json!({
        "tool": "landcons",
        "version": env!("CARGO_PKG_VERSION"),
        "gdal_version": gdal::version::VersionInfo::version_summary(),
        "settings": config,
        "inputs": {
            "dem": dem.files,
            "parcels": layer.path,
            "parcels_layer": layer.layer_name,
            "parcels_encoding": layer.encoding,
            "parcels_reprojected": layer.reprojected,
        },
        "terrain": terrain,
        "counts": report,
        "geometry_issues": layer.issues,
        "seconds_total": started.elapsed().as_secs_f64(),
        "status": "success",
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::output(path, e))?;
    std::fs::write(path, text).map_err(|e| Error::output(path, e))
}
