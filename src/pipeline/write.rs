//! Writing the results: every ready layer of the registry into the GeoPackage (in two
//! phases, so the first overlaps the merge stage), the CSV exports, the change report,
//! the QGIS styles (in the GeoPackage, and `.qml` side-cars beside the rasters), the
//! run metadata and report.html.

use std::collections::BTreeMap;
use std::path::Path;

use crate::changes::{self, Changes, Shapes, Snapshot};
use crate::error::{Error, Result};
use crate::layers::present::forms;
use crate::layers::rasters::raster_layers;
use crate::layers::{registry, Layer, RunData};
use crate::output::csv::write_csv;
use crate::output::gpkg::{GpkgWriter, StyleRow};
use crate::output::qml::{raster_qml, vector_qml};
use crate::output::rows::{LayerRows, Rows};
use crate::output::manifest::Manifest;
use crate::output::report;
use crate::output::xlsx::{write_workbook as write_workbook_file, Sheet};
use crate::settings::Settings;

/// The GeoPackage being written, and what has gone into it.
pub struct Results {
    gpkg: GpkgWriter,
    crs_wkt: String,
    written: Vec<&'static str>,
    /// Rows per layer, for the manifest.
    pub counts: BTreeMap<String, usize>,
}

impl Results {
    pub fn create(path: &Path, crs_wkt: &str) -> Result<Results> {
        Ok(Results {
            gpkg: GpkgWriter::create(path)?,
            crs_wkt: crs_wkt.to_string(),
            written: Vec::new(),
            counts: BTreeMap::new(),
        })
    }

    /// Writes every enabled layer whose data is ready and that is not written yet, in
    /// registry order.
    pub fn write_ready(&mut self, data: &RunData) -> Result<()> {
        for layer in registry() {
            if self.written.contains(&layer.name()) || !layer.enabled(data) || !layer.ready(data) {
                continue;
            }
            let rows = LayerRows::new(*layer, data);
            self.gpkg.write_layer(layer.name(), &self.crs_wkt, &rows)?;
            self.counts.insert(layer.name().to_string(), rows.len());
            self.written.push(layer.name());
        }
        self.gpkg.start_writeback()
    }

    /// Compares with the previous results and writes the change layers.
    pub fn write_changes(&mut self, data: &RunData, previous: Option<&Snapshot>) -> Result<Option<Changes>> {
        let Some(old) = previous else { return Ok(None) };
        let rows: Vec<_> = registry()
            .iter()
            .filter(|l| l.enabled(data))
            .filter_map(|l| l.changes().map(|spec| (spec, LayerRows::new(*l, data))))
            .collect();
        let views: Vec<_> = rows.iter().map(|(spec, r)| (*spec, r as &dyn Rows)).collect();
        let mut changes = changes::compare(old, &Snapshot::from_rows(&views));
        let old_shapes = match &old.file {
            Some(file) => Shapes::File(file),
            None => Shapes::Rows(&[]),
        };
        changes.locate(old_shapes, Shapes::Rows(&views))?;
        changes.write_layers(&mut self.gpkg, &self.crs_wkt)?;
        Ok(Some(changes))
    }

    /// The QGIS styles of the written layers and of the change layers (stored in the
    /// GeoPackage by [`Results::finish`]; the QGIS project embeds them too).
    pub fn styles(&self, data: &RunData, changes: Option<&Changes>) -> Vec<StyleRow> {
        let mut styles: Vec<StyleRow> = registry()
            .iter()
            .filter(|l| self.written.contains(&l.name()))
            .map(|l| layer_style(*l, data))
            .collect();
        if let Some(c) = changes {
            styles.extend(c.styles(data.settings.output.language, &data.settings.terrain.grade_breaks));
        }
        styles
    }

    /// The styles and the run metadata; then the file is closed, its writeback started.
    pub fn finish(mut self, data: &RunData, styles: &[StyleRow], run_metadata: &str) -> Result<()> {
        self.gpkg.write_styles(styles)?;
        self.gpkg.set_metadata("LANDCONS_VERSION", env!("CARGO_PKG_VERSION"))?;
        self.gpkg.set_metadata("LANDCONS_SETTINGS", &data.settings.to_toml())?;
        self.gpkg.set_metadata("LANDCONS_RUN", run_metadata)?;
        self.gpkg.close_in_result_set()
    }
}

/// A layer's whole QGIS style: renderer, labels, aliases and value maps.
fn layer_style(layer: &dyn Layer, data: &RunData) -> StyleRow {
    let s = data.settings;
    let fields = forms(&layer.fields(data), s.output.language, &s.terrain.grade_breaks);
    StyleRow {
        table: layer.name().to_string(),
        spatial: layer.spatial(),
        qml: vector_qml(layer.style(data).as_ref(), layer.labels(data).as_ref(), &fields),
        description: layer.title().description.to_string(),
    }
}

/// The `.qml` side-cars of the slope rasters (`slope_grade.tif` → `slope_grade.qml`),
/// written with the rasters into `dir`: QGIS styles a raster from its side-car.
pub fn write_raster_styles(settings: &Settings, dir: &Path) -> Result<()> {
    for r in raster_layers(settings) {
        let path = dir.join(r.qml_file());
        std::fs::write(&path, raster_qml(&r.style)).map_err(|e| Error::output_from(&path, "cannot write", e))?;
    }
    Ok(())
}

/// The CSV exports of the layers that have one.
pub fn write_csvs(data: &RunData, dir: &Path) -> Result<()> {
    for layer in registry() {
        let layer: &'static dyn Layer = *layer;
        if let Some(name) = layer.csv_name(data.settings).filter(|_| layer.enabled(data)) {
            write_csv(&dir.join(name), &LayerRows::new(layer, data))?;
        }
    }
    Ok(())
}

/// The planning workbook `indicators.xlsx`: one sheet per layer that names one, in
/// registry order, headed by the fields' Chinese aliases and units. Not written when no
/// such layer is ready.
pub fn write_workbook(data: &RunData, dir: &Path) -> Result<()> {
    let layers: Vec<(&'static dyn Layer, &str)> = registry()
        .iter()
        .filter(|l| l.enabled(data) && l.ready(data))
        .filter_map(|l| l.sheet_name().map(|s| (*l, s)))
        .collect();
    if layers.is_empty() {
        return Ok(());
    }
    let rows: Vec<LayerRows> = layers.iter().map(|(l, _)| LayerRows::new(*l, data)).collect();
    let fields: Vec<_> = layers.iter().map(|(l, _)| l.fields(data)).collect();
    let sheets: Vec<Sheet> = layers
        .iter()
        .zip(&rows)
        .zip(&fields)
        .map(|(((_, name), rows), fields)| Sheet::of_fields(name, fields, rows))
        .collect();
    write_workbook_file(&dir.join(WORKBOOK), &sheets)
}

/// The file name of the planning workbook.
pub const WORKBOOK: &str = "indicators.xlsx";

/// The file name of the run report.
pub const REPORT: &str = "report.html";

/// `report.html`: the run's facts, figures, tables, warnings and changes as one page,
/// read from the layers this run writes. `seconds` is the run's time so far.
pub fn write_report(data: &RunData, manifest: &Manifest, changes: Option<&Changes>, seconds: f64, dir: &Path) -> Result<()> {
    let html = report::html(&crate::run_report::build(data, manifest, changes, seconds));
    let path = dir.join(REPORT);
    std::fs::write(&path, html).map_err(|e| Error::output_from(&path, "cannot write", e))
}
