//! The QGIS project (`landcons.qgz`) every run writes into its result set: the
//! GeoPackage's layers and the slope rasters with their styles, in three groups, and
//! print layouts: the county overview, an atlas with one page per village, and one with
//! a page per project (项目库), grouped by type.
//! Paths are relative to the project, so the results folder can be moved or zipped.

use std::path::Path;

use crate::error::{Error, Result};
use crate::layers::present::{label, unit};
use crate::layers::rasters::raster_layers;
use crate::layers::{by_change_label, by_name, Field, RunData};
use crate::output::gpkg::StyleRow;
use crate::output::qgis::{self as qgp, field_ref, Atlas, Figure, GeometryKind, Group, Overview, Project, Source, PROJECT_FILE};
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

/// The layer of the project atlas's pages, and the figures each page shows (None: text).
const PROJECT_ATLAS_LAYER: &str = "projects";
const PROJECT_FIGURES: &[(&str, Option<u8>)] = &[
    ("project_id", None),
    ("villages", None),
    ("parcels", Some(0)),
    ("area_mu", Some(2)),
    ("new_cropland_mu", Some(2)),
    ("in_mu", Some(2)),
    ("out_mu", Some(2)),
    ("surplus_mu", Some(2)),
    ("investment_wan", Some(2)),
    ("rank", Some(0)),
    ("phase", None),
];

/// The layer of the atlas with a page per project type, and its page's figures.
const TYPE_ATLAS_LAYER: &str = "project_types";
const TYPE_FIGURES: &[(&str, Option<u8>)] = &[("projects", Some(0)), ("parcels", Some(0)), ("area_mu", Some(2)), ("new_cropland_mu", Some(2)), ("investment_wan", Some(2))];

/// What a type page's map shows: the type's footprints over the village outlines and
/// the parcels by slope grade.
const TYPE_ATLAS_MAP: &[&str] = &["villages", TYPE_ATLAS_LAYER, "parcels"];

/// The view of the projects table that draws a project atlas page's own project.
const PROJECT_PAGE: &str = "project_page";

/// What a project atlas page's map shows: the page's project over the village outlines
/// and the parcels by slope grade.
const PROJECT_ATLAS_MAP: &[&str] = &["villages", PROJECT_PAGE, "parcels"];

/// Layers in the project but switched off: the cropland leaving in the swap is the
/// land the reforestation candidates already show (drawn again it would hide them),
/// the merge candidates are drawn as the merged fields (`merge_groups`), and the
/// project footprints (per project and per type) cover every candidate layer (the
/// project atlases show them).
const SWITCHED_OFF: &[&str] = &["swap_out", "merge_candidates", "projects", TYPE_ATLAS_LAYER];

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
    let lang = data.settings.output.language;
    let entries = entries(data, styles);
    let villages_fields = by_name(ATLAS_LAYER).map(|l| l.fields(data)).unwrap_or_default();
    let figures = atlas_figures(&villages_fields, lang);
    let project_fields = by_name(PROJECT_ATLAS_LAYER).map(|l| l.fields(data)).unwrap_or_default();
    let project_figures = project_atlas_figures(&project_fields, PROJECT_FIGURES, lang);
    let type_fields = by_name(TYPE_ATLAS_LAYER).map(|l| l.fields(data)).unwrap_or_default();
    let type_figures = project_atlas_figures(&type_fields, TYPE_FIGURES, lang);
    let has = |id: &str| entries.iter().any(|e| e.id == id);
    let mut atlases = Vec::new();
    if has(ATLAS_LAYER) {
        atlases.push(Atlas {
            layout: "atlas",
            coverage_layer_id: ATLAS_LAYER,
            name: field_ref("village_name"),
            sort: field_ref("village_name"),
            title_prefix: lang.pick("村级整治图 · ", "Village: "),
            figures: figures.iter().map(|(l, f, u, d)| Figure { label: l, field: f, unit: u, decimals: Some(*d) }).collect(),
            extent_fields: EXTENT_FIELDS,
            layers: Vec::new(),
        });
    }
    if has(PROJECT_ATLAS_LAYER) {
        atlases.push(Atlas {
            layout: "project_atlas",
            coverage_layer_id: PROJECT_ATLAS_LAYER,
            // Type and name; pages in the layer's order: by type, then unit.
            name: format!("{} || ' · ' || {}", field_ref("type"), field_ref("name")),
            sort: "$id".into(),
            title_prefix: lang.pick("项目图 · ", "Project: "),
            figures: project_figures.iter().map(|(l, f, u, d)| Figure { label: l, field: f, unit: u, decimals: *d }).collect(),
            extent_fields: EXTENT_FIELDS,
            layers: PROJECT_ATLAS_MAP.to_vec(),
        });
    }
    if has(TYPE_ATLAS_LAYER) {
        atlases.push(Atlas {
            layout: "project_type_atlas",
            coverage_layer_id: TYPE_ATLAS_LAYER,
            name: field_ref("type"),
            sort: "$id".into(),
            title_prefix: lang.pick("项目分类图 · ", "Projects by type: "),
            figures: type_figures.iter().map(|(l, f, u, d)| Figure { label: l, field: f, unit: u, decimals: *d }).collect(),
            extent_fields: EXTENT_FIELDS,
            layers: TYPE_ATLAS_MAP.to_vec(),
        });
    }
    let project = Project {
        title: lang.pick("全域土地综合整治成果（landcons）", "Land consolidation results (landcons)"),
        crs_wkt,
        extent: data.parcels.extent().unwrap_or([0.0, 0.0, 1.0, 1.0]),
        groups: groups(&entries, lang),
        overview: Some(Overview { title: lang.pick("坡度分级与整治候选总图", "Slope grades and consolidation candidates") }),
        atlases,
    };
    let path = dir.join(PROJECT_FILE);
    qgp::write_qgz(&path, &project).map_err(|e| Error::output_from(&path, "cannot write the QGIS project", e))
}

/// Every layer of the project, in tree order: the written layers, the views of the
/// parcels and projects tables, the rasters.
fn entries(data: &RunData, styles: &[StyleRow]) -> Vec<Entry> {
    let s = data.settings;
    let lang = s.output.language;
    let mut entries: Vec<Entry> = styles.iter().map(|row| vector_entry(data, row)).collect();
    if styles.iter().any(|row| row.table == "parcels") {
        entries.extend(land_use_entries(data));
    }
    if styles.iter().any(|row| row.table == PROJECT_ATLAS_LAYER) {
        entries.push(project_page_entry(data));
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
    entries
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

/// The projects table once more, drawing only the project of the atlas page being
/// printed (its type's colour, outlined, labelled): switched off in the tree, the
/// project atlas's map shows it.
fn project_page_entry(data: &RunData) -> Entry {
    let s = data.settings;
    let lang = s.output.language;
    let fields = by_name(PROJECT_ATLAS_LAYER).map(|l| l.fields(data)).unwrap_or_default();
    let forms = crate::layers::present::forms(&fields, lang, &s.terrain.grade_breaks);
    let style = crate::layers::projects::page_style(lang);
    Entry {
        id: PROJECT_PAGE.to_string(),
        title: lang.pick("本页项目", "this page's project").to_string(),
        source: (s.output.gpkg.clone(), Some((PROJECT_ATLAS_LAYER.to_string(), GeometryKind::Polygon))),
        qml: crate::output::qml::vector_qml(Some(&style), Some(&crate::layers::projects::labels()), &forms),
        visible: false,
        place: Place::Results,
        rank: 0,
    }
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

/// The fields holding an atlas page's map extent (the villages' and the projects').
const EXTENT_FIELDS: [&str; 4] = ["map_xmin", "map_ymin", "map_xmax", "map_ymax"];

/// (label, field, unit, decimals) of each project atlas figure, named as the projects
/// layer names its fields (None: shown as text).
fn project_atlas_figures(fields: &[Field], wanted: &[(&'static str, Option<u8>)], lang: Language) -> Vec<(String, &'static str, String, Option<u8>)> {
    wanted
        .iter()
        .filter_map(|(name, decimals)| fields.iter().find(|f| f.name == *name).map(|f| (f, *name, *decimals)))
        .map(|(f, name, decimals)| {
            // The unit follows the value: "规模（亩）" reads "规模：214.77 亩".
            let unit = unit(f, lang).to_string();
            let label = label(f, lang);
            let label = label.strip_suffix(&format!("（{unit}）")).map_or(label.clone(), str::to_string);
            (label, name, unit, decimals)
        })
        .collect()
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
