//! Assembles the results package from the stages' plain data.

use std::path::Path;
use std::time::Instant;

use geo::MultiPolygon;

use super::RunReport;
use crate::adjacency::Graph;
use crate::changes::{self, Changes, Snapshot};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::merge::{MergeGroup, ShapeFigures};
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
    ("perimeter_m", FieldKind::Real),
    ("shape_index", FieldKind::Real),
    ("fragmented", FieldKind::Int),
    ("merge_group", FieldKind::Int),
];

fn real_or_null(v: f64) -> AttrValue {
    if v.is_finite() {
        AttrValue::Real(v)
    } else {
        AttrValue::Null
    }
}

fn parcels_table(
    layer: &ParcelLayer,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    shapes: &[ShapeFigures],
    group_of: &[usize],
) -> Table {
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
            let sh = &shapes[p.index];
            row.push(AttrValue::Real(sh.perimeter_m));
            row.push(AttrValue::Real(sh.shape_index));
            row.push(AttrValue::Int(sh.fragmented as i64));
            row.push(match group_of[p.index] {
                0 => AttrValue::Null,
                g => AttrValue::Int(g as i64),
            });
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

/// Everything the stages computed, as plain data.
pub(super) struct Results<'a> {
    pub layer: &'a ParcelLayer,
    pub stats: &'a [ParcelSlope],
    pub flags: &'a [ParcelFlags],
    pub shapes: &'a [ShapeFigures],
    pub groups: &'a [MergeGroup],
}

/// The GeoPackage with the layers that need only the rules and the adjacency graph,
/// written on a second thread while the (partly sequential) merge stage runs.
pub(super) struct EarlyGpkg {
    gpkg: GpkgWriter,
    candidates: Table,
    candidate_rows: Vec<usize>,
}

pub(super) fn write_early_layers(
    path: &Path,
    crs_wkt: &str,
    layer: &ParcelLayer,
    stats: &[ParcelSlope],
    flags: &[ParcelFlags],
    graph: &Graph,
    config: &Config,
) -> Result<EarlyGpkg> {
    let mut gpkg = GpkgWriter::create(path)?;
    let (candidates, candidate_rows) = candidates_table(layer, stats, flags, config);
    gpkg.write_layer(
        "reforestation_candidates",
        crs_wkt,
        &candidates,
        Some(&geometries_of(layer, &candidate_rows)),
    )?;
    gpkg.write_layer("adjacency", "", &adjacency_table(layer, graph), None)?;
    Ok(EarlyGpkg {
        gpkg,
        candidates,
        candidate_rows,
    })
}

/// The geometries of the parcels at `rows`, in that order (a layer's features).
fn geometries_of<'a>(layer: &'a ParcelLayer, rows: &[usize]) -> Vec<&'a MultiPolygon<f64>> {
    rows.iter().map(|&i| &layer.parcels[i].geometry).collect()
}

/// Completes the GeoPackage begun by [`write_early_layers`].
pub(super) fn write_gpkg(
    early: EarlyGpkg,
    crs_wkt: &str,
    r: &Results,
    villages: &Table,
    config: &Config,
    run_metadata: &str,
    previous: Option<&Snapshot>,
) -> Result<Option<Changes>> {
    let layer = r.layer;
    let EarlyGpkg {
        mut gpkg,
        candidates: cand,
        candidate_rows: members,
    } = early;
    let all: Vec<&MultiPolygon<f64>> = layer.parcels.iter().map(|p| &p.geometry).collect();
    let mut group_of = vec![0usize; layer.parcels.len()];
    for g in r.groups {
        for &m in &g.members {
            group_of[m] = g.id;
        }
    }
    gpkg.write_layer(
        "parcels",
        crs_wkt,
        &parcels_table(layer, r.stats, r.flags, r.shapes, &group_of),
        Some(&all),
    )?;
    let cand_geoms = geometries_of(layer, &members);
    let (member_table, member_ids) = merge_candidates_table(r, &group_of);
    let member_geoms = geometries_of(layer, &member_ids);
    gpkg.write_layer(
        "merge_candidates",
        crs_wkt,
        &member_table,
        Some(&member_geoms),
    )?;
    let group_geoms: Vec<&MultiPolygon<f64>> = r.groups.iter().map(|g| &g.geometry).collect();
    gpkg.write_layer(
        "merge_groups",
        crs_wkt,
        &merge_groups_table(r),
        Some(&group_geoms),
    )?;
    gpkg.write_layer("village_summary", "", villages, None)?;
    // Compared with the results this run replaces, from the same tables.
    let changes = match previous {
        Some(old) => {
            let new = Snapshot::from_tables((&cand, &cand_geoms), (&member_table, &member_geoms))?;
            let changes = changes::compare(old, &new);
            changes.write_layers(&mut gpkg, crs_wkt)?;
            Some(changes)
        }
        None => None,
    };
    let labels = crate::terrain::grade_labels(&breaks_of(config));
    let mut layer_styles = vec![
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
        (
            "merge_candidates",
            styles::merge_candidates_qml(),
            "plots proposed for merging",
        ),
        (
            "merge_groups",
            styles::merge_groups_qml(),
            "proposed merged fields",
        ),
    ];
    if changes.is_some() {
        layer_styles.extend(Changes::styles());
    }
    gpkg.write_styles(&layer_styles)?;
    gpkg.set_metadata("LANDCONS_VERSION", env!("CARGO_PKG_VERSION"))?;
    gpkg.set_metadata("LANDCONS_SETTINGS", &config.to_toml())?;
    gpkg.set_metadata("LANDCONS_RUN", run_metadata)?;
    gpkg.close()?;
    Ok(changes)
}

fn merge_candidates_table(r: &Results, group_of: &[usize]) -> (Table, Vec<usize>) {
    use FieldKind::*;
    let columns = [
        ("parcel_id", Text),
        ("group_id", Int),
        ("land_use", Text),
        ("village_code", Text),
        ("village_name", Text),
        ("owner_code", Text),
        ("area_m2", Real),
        ("area_mu", Real),
        ("grade", Int),
        ("shape_index", Real),
        ("fragmented", Int),
    ]
    .iter()
    .map(|(n, k)| column(n, *k))
    .collect();
    let mut rows = Vec::new();
    let mut ids = Vec::new();
    for g in r.groups {
        for &m in &g.members {
            let p = &r.layer.parcels[m];
            ids.push(m);
            rows.push(vec![
                AttrValue::Text(p.id.clone()),
                AttrValue::Int(group_of[m] as i64),
                AttrValue::Text(p.land_use.clone()),
                AttrValue::Text(p.village_code.clone()),
                AttrValue::Text(p.village_name.clone()),
                AttrValue::Text(p.owner_code.clone()),
                AttrValue::Real(round(r.stats[m].area_m2, 2)),
                AttrValue::Real(round(mu(r.stats[m].area_m2), 2)),
                AttrValue::Int(r.stats[m].grade as i64),
                AttrValue::Real(r.shapes[m].shape_index),
                AttrValue::Int(r.shapes[m].fragmented as i64),
            ]);
        }
    }
    (Table { columns, rows }, ids)
}

fn merge_groups_table(r: &Results) -> Table {
    use FieldKind::*;
    let columns = [
        ("group_id", Int),
        ("member_count", Int),
        ("member_ids", Text),
        ("area_m2", Real),
        ("area_ha", Real),
        ("area_mu", Real),
        ("slope_mean", Real),
        ("grade", Int),
        ("village_code", Text),
        ("village_name", Text),
        ("owner_code", Text),
        ("mean_plot_m2", Real),
        ("gain_ratio", Real),
        ("shape_index", Real),
    ]
    .iter()
    .map(|(n, k)| column(n, *k))
    .collect();
    let rows = r
        .groups
        .iter()
        .map(|g| {
            let seed = &r.layer.parcels[g.members[0]];
            let ids: Vec<&str> = g
                .members
                .iter()
                .map(|&m| r.layer.parcels[m].id.as_str())
                .collect();
            let si = crate::merge::shape::shape_index(g.perimeter_m, g.area_m2);
            vec![
                AttrValue::Int(g.id as i64),
                AttrValue::Int(g.members.len() as i64),
                AttrValue::Text(ids.join(",")),
                AttrValue::Real(round(g.area_m2, 2)),
                AttrValue::Real(round(ha(g.area_m2), 4)),
                AttrValue::Real(round(mu(g.area_m2), 2)),
                real_or_null(g.slope_mean),
                AttrValue::Int(g.grade as i64),
                AttrValue::Text(seed.village_code.clone()),
                AttrValue::Text(seed.village_name.clone()),
                AttrValue::Text(seed.owner_code.clone()),
                AttrValue::Real(round(g.mean_member_m2(), 2)),
                // How many times larger the merged field is than its largest plot today.
                AttrValue::Real(round(
                    g.area_m2
                        / g.members
                            .iter()
                            .map(|&m| r.stats[m].area_m2)
                            .fold(0.0, f64::max)
                            .max(1e-9),
                    4,
                )),
                AttrValue::Real(si),
            ]
        })
        .collect();
    Table { columns, rows }
}

fn adjacency_table(layer: &ParcelLayer, graph: &Graph) -> Table {
    use FieldKind::*;
    let columns = vec![
        column("id_a", Text),
        column("id_b", Text),
        column("shared_m", Real),
    ];
    let rows = graph
        .edges
        .iter()
        .map(|e| {
            vec![
                AttrValue::Text(layer.parcels[e.a].id.clone()),
                AttrValue::Text(layer.parcels[e.b].id.clone()),
                AttrValue::Real(e.shared_m),
            ]
        })
        .collect();
    Table { columns, rows }
}

fn breaks_of(config: &Config) -> [f64; 4] {
    crate::terrain::SlopeOptions::from_settings(&config.terrain, config.run.memory_limit_mb).breaks
}

/// SHA-256 of every input file (shapefiles with their sidecars), keyed by path.
pub(super) fn input_hashes(config: &Config, dem_files: &[std::path::PathBuf]) -> serde_json::Value {
    let mut files: Vec<&Path> = dem_files.iter().map(|p| p.as_path()).collect();
    files.push(&config.inputs.parcels);
    files.extend(config.reforestation.zones.iter().map(|z| z.path.as_path()));
    let map: serde_json::Map<String, serde_json::Value> = files
        .into_iter()
        .map(|f| {
            (
                f.display().to_string(),
                crate::output::content_hash(f)
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

pub(super) fn write_manifest(
    path: &Path,
    config: &Config,
    dem: &Dem,
    layer: &ParcelLayer,
    terrain: &TerrainSummary,
    report: &RunReport,
    started: Instant,
    cache: &serde_json::Value,
    input_hashes: &serde_json::Value,
    changes: &serde_json::Value,
) -> Result<()> {
    let manifest = serde_json::json!({
        "changes": changes,
        "cache": cache,
        "tool": "landcons",
        "version": env!("CARGO_PKG_VERSION"),
        "gdal_version": gdal::version::VersionInfo::version_summary(),
        "proj_version": crate::raster::proj_version(),
        "settings": config,
        "inputs": {
            "dem": dem.files,
            "parcels": layer.path,
            "parcels_layer": layer.layer_name,
            "parcels_encoding": layer.encoding,
            "parcels_reprojected": layer.reprojected,
        },
        "input_hashes": input_hashes,
        "terrain": terrain,
        "counts": report,
        "geometry_issues": layer.issues,
        "seconds_total": started.elapsed().as_secs_f64(),
        "status": "success",
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::output(path, e))?;
    std::fs::write(path, text).map_err(|e| Error::output(path, e))
}
