//! The QGIS project (`landcons.qgz`) every run writes into its result set: the
//! GeoPackage's layers and the slope rasters with their styles, in three groups, and
//! two print layouts (the county overview, and an atlas with one page per village).
//! Paths are relative to the project, so the results folder can be moved or zipped.

use std::path::Path;

use crate::error::{Error, Result};
use crate::layers::present::{label, unit};
use crate::layers::rasters::raster_layers;
use crate::layers::{by_change_label, by_name, Field, RunData};
use crate::output::gpkg::StyleRow;
use crate::output::qgis::{self as qgp, Atlas, Figure, GeometryKind, Group, Overview, Project, Source, PROJECT_FILE};
use crate::output::qml::raster_qml;
use crate::settings::Language;
use crate::table::FieldKind;

/// The layer the atlas pages through, and the figures each page shows.
const ATLAS_LAYER: &str = "villages";
const ATLAS_FIGURES: &[&str] = &[
    "parcel_count",
    "cropland_mu",
    "steep_cropland_mu",
    "reforest_count",
    "reforest_mu",
    "swap_out_mu",
    "swap_in_mu",
    "merge_groups",
];

/// Layers in the project but switched off: the cropland leaving in the swap is the
/// land the reforestation candidates already show (drawn again it would hide them),
/// and the merge candidates are drawn as the merged fields (`merge_groups`).
const SWITCHED_OFF: &[&str] = &["swap_out", "merge_candidates"];

/// Where a layer goes in the layer tree (and so in the legend and drawing order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// 结果: the village outlines on top, merged fields, topology issues, change
    /// layers (switched off), then the attribute tables.
    Results,
    /// 候选: every layer runs are compared on (the rules' candidates).
    Candidates,
    /// 底图: the parcels by slope grade and the rasters (switched off: the parcels
    /// cover them).
    Base,
}

/// One layer of the project, owned until the project borrows it.
struct Entry {
    id: String,
    title: String,
    source: (String, Option<(String, GeometryKind)>),
    qml: String,
    visible: bool,
    place: Place,
    /// Order within its group.
    rank: u8,
}

/// Writes `landcons.qgz` into `dir` over the written layers (their `styles`) and the
/// slope rasters.
pub fn write_project(data: &RunData, styles: &[StyleRow], dir: &Path, crs_wkt: &str) -> Result<()> {
    let s = data.settings;
    let lang = s.output.language;
    let mut entries: Vec<Entry> = styles.iter().map(|row| vector_entry(data, row)).collect();
    if styles.iter().any(|row| row.table == "parcels") {
        entries.extend(land_use_entries(data));
    }
    entries.extend(raster_layers(s).into_iter().map(|r| Entry {
        id: r.id.to_string(),
        title: lang.pick(r.title.zh, r.title.en).to_string(),
        source: (r.file.clone(), None),
        qml: raster_qml(&r.style),
        visible: false,
        place: Place::Base,
        rank: 1,
    }));
    entries.sort_by_key(|e| (e.place, e.rank));
    let villages_fields = by_name(ATLAS_LAYER).map(|l| l.fields(data)).unwrap_or_default();
    let figures = atlas_figures(&villages_fields, lang);
    let has_atlas = entries.iter().any(|e| e.id == ATLAS_LAYER);
    let project = Project {
        title: lang.pick("全域土地综合整治成果（landcons）", "Land consolidation results (landcons)"),
        crs_wkt,
        extent: data.parcels.extent().unwrap_or([0.0, 0.0, 1.0, 1.0]),
        groups: groups(&entries, lang),
        overview: Some(Overview { title: lang.pick("坡度分级与整治候选总图", "Slope grades and consolidation candidates") }),
        atlas: has_atlas.then(|| Atlas {
            coverage_layer_id: ATLAS_LAYER,
            name_field: "village_name",
            title_prefix: lang.pick("村级整治图 · ", "Village: "),
            figures: figures.iter().map(|(l, f, u, d)| Figure { label: l, field: f, unit: u, decimals: *d }).collect(),
            extent_fields: ["map_xmin", "map_ymin", "map_xmax", "map_ymax"],
        }),
    };
    let path = dir.join(PROJECT_FILE);
    qgp::write_qgz(&path, &project).map_err(|e| Error::output_from(&path, "cannot write the QGIS project", e))
}

/// A GeoPackage layer: its title in the run's language, group and visibility.
fn vector_entry(data: &RunData, row: &StyleRow) -> Entry {
    let lang = data.settings.output.language;
    let name = row.table.as_str();
    let (title, place, rank, visible) = if let Some(label) = name.strip_prefix("changes_") {
        let of = by_change_label(label).map(|l| l.title()).map_or(label.to_string(), |t| lang.pick(t.zh, t.en).to_string());
        let of = if label == "villages" { lang.pick("村级汇总", "villages").to_string() } else { of };
        (format!("{}{of}", lang.pick("变化：", "changes: ")), Place::Results, 2, false)
    } else {
        let layer = by_name(name);
        let title = layer.map(|l| l.title()).map_or(name.to_string(), |t| lang.pick(t.zh, t.en).to_string());
        match layer {
            _ if name == "parcels" => (title, Place::Base, 0, true),
            Some(l) if l.changes().is_some() => (title, Place::Candidates, 0, true),
            _ if name == ATLAS_LAYER => (title, Place::Results, 0, true),
            _ => (title, Place::Results, 1, true),
        }
    };
    let kind = if row.spatial { GeometryKind::Polygon } else { GeometryKind::None };
    Entry {
        id: name.to_string(),
        title,
        source: (data.settings.output.gpkg.clone(), Some((name.to_string(), kind))),
        qml: row.qml.clone(),
        visible: visible && row.spatial && !SWITCHED_OFF.contains(&name),
        place,
        // Attribute tables after every map layer of their group.
        rank: if row.spatial { rank } else { 3 },
    }
}

/// The parcels by planning class now (现状用地) and after the plan (规划用地): two more
/// views of the parcels table, each styled by its class column (switched off).
fn land_use_entries(data: &RunData) -> Vec<Entry> {
    let s = data.settings;
    let lang = s.output.language;
    let fields = by_name("parcels").map(|l| l.fields(data)).unwrap_or_default();
    let forms = crate::layers::present::forms(&fields, lang, &s.terrain.grade_breaks);
    [("land_use_current", "class_current", "现状用地", "land use now"), ("land_use_planned", "class_planned", "规划用地", "planned land use")]
        .into_iter()
        .map(|(id, field, zh, en)| Entry {
            id: id.to_string(),
            title: lang.pick(zh, en).to_string(),
            source: (s.output.gpkg.clone(), Some(("parcels".to_string(), GeometryKind::Polygon))),
            qml: crate::output::qml::vector_qml(Some(&crate::layers::parcels::class_style(field, lang)), None, &forms),
            visible: false,
            place: Place::Base,
            rank: 0,
        })
        .collect()
}

/// The three groups, in order, each with its layers.
fn groups(entries: &[Entry], lang: Language) -> Vec<Group<'_>> {
    [
        (Place::Results, lang.pick("结果", "results")),
        (Place::Candidates, lang.pick("候选", "candidates")),
        (Place::Base, lang.pick("底图", "base map")),
    ]
    .into_iter()
    .map(|(place, name)| Group {
        name,
        layers: entries.iter().filter(|e| e.place == place).map(project_layer).collect(),
    })
    .collect()
}

fn project_layer(e: &Entry) -> qgp::Layer<'_> {
    let source = match &e.source {
        (file, Some((table, geometry))) => Source::Gpkg { file, table, geometry: *geometry },
        (file, None) => Source::Raster { file },
    };
    qgp::Layer { id: &e.id, title: &e.title, source, qml: &e.qml, visible: e.visible }
}

/// (label, field, unit, decimals) of each atlas figure, named as the villages layer
/// names its fields.
fn atlas_figures(fields: &[Field], lang: Language) -> Vec<(String, &'static str, String, u8)> {
    ATLAS_FIGURES
        .iter()
        .filter_map(|name| fields.iter().find(|f| f.name == *name).map(|f| (f, *name)))
        .map(|(f, name)| {
            let decimals = if f.kind == FieldKind::Int { 0 } else { 2 };
            (label(f, lang), name, unit(f, lang).to_string(), decimals)
        })
        .collect()
}
