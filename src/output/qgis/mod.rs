//! A QGIS project (`.qgz`) over a results folder: the layers with their styles, a
//! layer tree in groups, and print layouts (an A3 overview map and A4 atlases: one page
//! per village, one per project), written from plain data so that a planning team opens
//! one file and has everything styled and ready to print.
//!
//! The `.qgs` XML is written from text templates that follow what QGIS 3.22 itself
//! writes (checked by loading the result in QGIS 3.22 headless with
//! `qgis/check_project.py`), escaped and read (the styles' QML) with quick-xml, and
//! packed into the `.qgz` ZIP with the zip crate. `layout.rs` holds the print layouts,
//! `xml.rs` the XML helpers.

mod layout;
mod xml;

use std::fmt::Write as _;
use std::path::Path;

use layout::{atlas_layout, overview_layout};
use xml::{esc, is_geographic, rect_xml, split_qml, srs};
pub use xml::field_ref;

/// The project's file name in every result set (`landcons maps` looks for it).
pub const PROJECT_FILE: &str = "landcons.qgz";

pub struct Project<'a> {
    pub title: &'a str,
    pub crs_wkt: &'a str,
    /// xmin, ymin, xmax, ymax in the project CRS: the map canvas and the overview map.
    pub extent: [f64; 4],
    /// Top to bottom in the layer tree (and so in the legend and the drawing order).
    pub groups: Vec<Group<'a>>,
    pub overview: Option<Overview<'a>>,
    /// A4 atlases, each its own layout.
    pub atlases: Vec<Atlas<'a>>,
}

pub struct Group<'a> {
    pub name: &'a str,
    pub layers: Vec<Layer<'a>>,
}

pub struct Layer<'a> {
    /// Unique within the project, ASCII (QGIS refers to layers by it). See `qgis_id`
    /// for the id the project file gets.
    pub id: &'a str,
    /// The name shown in the layer tree and the legend.
    pub title: &'a str,
    pub source: Source<'a>,
    /// The whole QML document of the layer's style (`<qgis ...>...</qgis>`), as stored
    /// in `layer_styles` or a `.qml` file; empty for QGIS's default style.
    pub qml: &'a str,
    pub visible: bool,
}

pub enum Source<'a> {
    /// `file` is relative to the project file, e.g. "landcons.gpkg".
    Gpkg {
        file: &'a str,
        table: &'a str,
        geometry: GeometryKind,
    },
    Raster {
        file: &'a str,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GeometryKind {
    Polygon,
    /// An attribute table without geometry.
    None,
}

pub struct Overview<'a> {
    pub title: &'a str,
}

pub struct Atlas<'a> {
    /// The layout's name ("atlas": the villages, which `landcons maps` prints).
    pub layout: &'a str,
    /// The id of the layer whose features become the pages.
    pub coverage_layer_id: &'a str,
    /// A QGIS expression naming a page: its title after `title_prefix`, its page name
    /// and its exported file's name (`"village_name"`).
    pub name: String,
    /// A QGIS expression the pages are sorted by (ascending).
    pub sort: String,
    pub title_prefix: &'a str,
    /// The lines of the figures text box.
    pub figures: Vec<Figure<'a>>,
    /// The coverage layer's fields holding each page's map extent (xmin, ymin, xmax, ymax).
    pub extent_fields: [&'a str; 4],
    /// The layers the page's map shows (ids), locked; empty: the project's visible ones.
    pub layers: Vec<&'a str>,
}

/// One line of an atlas page's figures: `label：value unit`.
pub struct Figure<'a> {
    pub label: &'a str,
    pub field: &'a str,
    pub unit: &'a str,
    /// Decimal places shown (0 for counts); None: the field's text as it is.
    pub decimals: Option<u8>,
}

/// The font of every layout text, the labels' font (one with the CJK glyphs).
use super::qml::FONT;

/// The project as `.qgs` XML.
pub fn project_qgs(p: &Project) -> String {
    let mut x = String::with_capacity(64 * 1024);
    x.push_str("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
    let _ = write!(
        x,
        "<qgis version=\"3.22.16-Białowieża\" projectname=\"{t}\">\n<homePath path=\"\"/>\n<title>{t}</title>\n",
        t = esc(p.title)
    );
    let _ = writeln!(x, "<projectCrs>{}</projectCrs>", srs(p.crs_wkt));
    x.push_str(&layer_tree(p));
    x.push_str(&map_canvas(p));
    x.push_str("<projectlayers>\n");
    for layer in layers(p) {
        x.push_str(&map_layer(layer, p.crs_wkt));
    }
    x.push_str("</projectlayers>\n<layerorder>\n");
    for layer in layers(p) {
        let _ = writeln!(x, "<layer id=\"{}\"/>", esc(&qgis_id(layer.id)));
    }
    x.push_str("</layerorder>\n");
    x.push_str(PROPERTIES);
    x.push_str("<Layouts>\n");
    if let Some(o) = &p.overview {
        x.push_str(&overview_layout(p, o));
    }
    for (k, a) in p.atlases.iter().enumerate() {
        x.push_str(&atlas_layout(p, a, 2 + k as u32));
    }
    x.push_str("</Layouts>\n");
    x.push_str(&view_settings(p));
    x.push_str("</qgis>\n");
    x
}

/// Writes the project as a `.qgz`: a ZIP holding `<name>.qgs`, which is what QGIS
/// saves by default and opens from a double click.
pub fn write_qgz(path: &Path, p: &Project) -> std::io::Result<()> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "project".into());
    std::fs::write(path, zip_stored(&format!("{stem}.qgs"), project_qgs(p).as_bytes())?)
}

/// One file in a ZIP archive, uncompressed (QGIS opens it with libzip), stamped with the
/// DOS epoch (1980-01-01) so the same project gives the same bytes.
fn zip_stored(name: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    zip.start_file(name, options).map_err(std::io::Error::other)?;
    zip.write_all(bytes)?;
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The layer id as written in the project. QGIS 3.22 keeps an id from the project
/// file only if it is longer than 10 characters (it expects its own
/// `name_yyyyMMddhhmmsszzz` ids) and gives shorter ones a random id, which would cut
/// the layer tree and the atlas off their layers; so short ids get a suffix.
pub fn qgis_id(id: &str) -> String {
    if id.len() > 10 {
        id.to_string()
    } else {
        format!("{id}_landcons")
    }
}

fn layers<'p, 'a>(p: &'p Project<'a>) -> impl Iterator<Item = &'p Layer<'a>> {
    p.groups.iter().flat_map(|g| g.layers.iter())
}

// ---------------------------------------------------------------------------------
// Layers

/// The layer tree: one `<layer-tree-group>` per group, in order. The legend of the
/// layouts follows this tree, and `custom-order` disabled means the drawing order
/// does too.
fn layer_tree(p: &Project) -> String {
    let mut x = String::from("<layer-tree-group>\n<customproperties/>\n");
    for g in &p.groups {
        let _ = writeln!(
            x,
            "<layer-tree-group name=\"{}\" checked=\"Qt::Checked\" expanded=\"1\">\n<customproperties/>",
            esc(g.name)
        );
        for l in &g.layers {
            let checked = if l.visible {
                "Qt::Checked"
            } else {
                "Qt::Unchecked"
            };
            let _ = writeln!(
                x,
                "<layer-tree-layer id=\"{}\" name=\"{}\" source=\"{}\" providerKey=\"{}\" checked=\"{checked}\" expanded=\"1\" legend_exp=\"\" patch_size=\"-1,-1\" legend_split_behavior=\"0\"><customproperties/></layer-tree-layer>",
                esc(&qgis_id(l.id)),
                esc(l.title),
                esc(&datasource(&l.source)),
                provider(&l.source)
            );
        }
        x.push_str("</layer-tree-group>\n");
    }
    x.push_str("<custom-order enabled=\"0\">");
    for l in layers(p) {
        let _ = write!(x, "<item>{}</item>", esc(&qgis_id(l.id)));
    }
    x.push_str("</custom-order>\n</layer-tree-group>\n");
    x
}

/// Relative to the project file ("./"), with `<Paths><Absolute>false` in the
/// properties, so the folder can be moved or zipped with the project in it.
fn datasource(s: &Source) -> String {
    match s {
        Source::Gpkg { file, table, .. } => format!("./{file}|layername={table}"),
        Source::Raster { file } => format!("./{file}"),
    }
}

fn provider(s: &Source) -> &'static str {
    match s {
        Source::Gpkg { .. } => "ogr",
        Source::Raster { .. } => "gdal",
    }
}

/// One `<maplayer>`: identity and source, then the QML's children verbatim. A QML
/// document is the same XML as the style part of a `<maplayer>` (QGIS reads both
/// with the same `readSymbology`), and the QML root's attributes (labelsEnabled,
/// scale visibility, simplification) are `<maplayer>` attributes.
///
/// Every layer gets the project CRS as its `<srs>` (landcons writes all its outputs
/// in the run's CRS): QGIS 3.22 takes a layer's CRS from the project file, and a
/// layer without `<srs>` has none at all.
fn map_layer(l: &Layer, crs_wkt: &str) -> String {
    let (qml_attrs, qml_body) = split_qml(l.qml);
    let kind = match &l.source {
        Source::Gpkg {
            geometry: GeometryKind::Polygon,
            ..
        } => "type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\"",
        Source::Gpkg {
            geometry: GeometryKind::None,
            ..
        } => "type=\"vector\" geometry=\"No geometry\" wkbType=\"NoGeometry\"",
        Source::Raster { .. } => "type=\"raster\"",
    };
    let encoding = match l.source {
        Source::Gpkg { .. } => " encoding=\"UTF-8\"",
        Source::Raster { .. } => "",
    };
    format!(
        "<maplayer {kind}{qml_attrs}>\n<id>{}</id>\n<datasource>{}</datasource>\n<layername>{}</layername>\n<srs>{}</srs>\n<provider{encoding}>{}</provider>\n{qml_body}\n</maplayer>\n",
        esc(&qgis_id(l.id)),
        esc(&datasource(&l.source)),
        esc(l.title),
        srs(crs_wkt),
        provider(&l.source),
    )
}

// ---------------------------------------------------------------------------------
// Project-wide settings

/// The desktop's map canvas reads `<mapcanvas name="theMapCanvas">` on opening.
fn map_canvas(p: &Project) -> String {
    let units = if is_geographic(p.crs_wkt) {
        "degrees"
    } else {
        "meters"
    };
    format!(
        "<mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n<units>{units}</units>\n<extent>{}</extent>\n<rotation>0</rotation>\n<destinationsrs>{}</destinationsrs>\n<rendermaptile>0</rendermaptile>\n</mapcanvas>\n",
        rect_xml(&p.extent),
        srs(p.crs_wkt)
    )
}

/// The project's default view (used where there is no canvas section, e.g. QGIS
/// Server and `QgsProject.viewSettings().defaultViewExtent()`).
fn view_settings(p: &Project) -> String {
    let e = p.extent;
    format!(
        "<ProjectViewSettings UseProjectScales=\"0\" rotation=\"0\">\n<Scales/>\n<DefaultViewExtent xmin=\"{}\" ymin=\"{}\" xmax=\"{}\" ymax=\"{}\">{}</DefaultViewExtent>\n</ProjectViewSettings>\n",
        e[0],
        e[1],
        e[2],
        e[3],
        srs(p.crs_wkt)
    )
}

/// Relative paths; on-the-fly reprojection on (the 3.x default).
const PROPERTIES: &str = "<properties>\n<Paths><Absolute type=\"bool\">false</Absolute></Paths>\n<SpatialRefSys><ProjectionsEnabled type=\"int\">1</ProjectionsEnabled></SpatialRefSys>\n</properties>\n";

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const QML: &str = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\" styleCategories=\"Symbology\" labelsEnabled='1' minScale=\"0\"><renderer-v2 type=\"singleSymbol\"/><aliases><alias field=\"grade\" name=\"坡度级 &lt;5&gt;\" index=\"0\"/></aliases></qgis>\n";

    fn sample() -> Project<'static> {
        Project {
            title: "XX县 <测试> & \"项目\"",
            crs_wkt:
                "PROJCS[\"CGCS2000 / 3-degree Gauss-Kruger CM 105E\",AUTHORITY[\"EPSG\",\"4544\"]]",
            extent: [482000.0, 3287600.0, 485000.0, 3290000.0],
            groups: vec![Group {
                name: "结果",
                layers: vec![Layer {
                    id: "villages",
                    title: "行政村",
                    source: Source::Gpkg {
                        file: "landcons.gpkg",
                        table: "villages",
                        geometry: GeometryKind::Polygon,
                    },
                    qml: QML,
                    visible: true,
                }],
            }],
            overview: Some(Overview {
                title: "XX县 坡度分级",
            }),
            atlases: vec![Atlas {
                layout: "atlas",
                coverage_layer_id: "villages",
                name: "\"village_name\"".into(),
                sort: "\"village_name\"".into(),
                title_prefix: "退耕还林：",
                figures: vec![
                    Figure { label: "面积", field: "area_mu", unit: "亩", decimals: Some(2) },
                    Figure { label: "候选", field: "reforest_mu", unit: "亩", decimals: Some(2) },
                    Figure { label: "年度", field: "phase", unit: "", decimals: None },
                ],
                extent_fields: ["map_xmin", "map_ymin", "map_xmax", "map_ymax"],
                layers: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_qgz_is_one_stored_entry_read_back_as_written() {
        use std::io::Read;
        let data = project_qgs(&sample());
        let bytes = zip_stored("项目.qgs", data.as_bytes()).unwrap();
        assert_eq!(bytes, zip_stored("项目.qgs", data.as_bytes()).unwrap(), "same project, same bytes");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!((entry.name(), entry.compression()), ("项目.qgs", zip::CompressionMethod::Stored));
        let mut back = String::new();
        entry.read_to_string(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn escaping_keeps_chinese_and_escapes_markup() {
        let x = project_qgs(&sample());
        assert!(x.contains("<title>XX县 &lt;测试&gt; &amp; &quot;项目&quot;</title>"));
        assert!(x.contains("labelText=\"退耕还林：[% &quot;village_name&quot; %]\""));
        assert!(x.contains("面积：[% format_number(&quot;area_mu&quot;, 2) %] 亩&#xa;候选："));
        assert!(x.contains("年度：[% &quot;phase&quot; %]"), "a text figure as it is");
        assert!(x.contains("AUTHORITY[&quot;EPSG&quot;,&quot;4544&quot;]"));
    }

    #[test]
    fn qml_is_embedded_in_the_map_layer() {
        let x = project_qgs(&sample());
        assert!(x.contains("<maplayer type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\" labelsEnabled=\"1\" minScale=\"0\">"));
        assert!(x.contains("<datasource>./landcons.gpkg|layername=villages</datasource>"));
        assert!(
            x.contains("name=\"坡度级 &lt;5&gt;\""),
            "QML text is copied as written"
        );
    }

    #[test]
    fn layouts_and_tree() {
        let x = project_qgs(&sample());
        assert!(x.contains("<Layout name=\"overview\"") && x.contains("<Layout name=\"atlas\""));
        assert!(x.contains("size=\"420,297,mm\"") && x.contains("size=\"297,210,mm\""));
        assert!(x.contains("<Atlas enabled=\"1\" coverageLayer=\"villages_landcons\""));
        assert!(
            x.contains("<id>villages_landcons</id>")
                && x.contains("<item>villages_landcons</item>")
        );
        assert_eq!(
            qgis_id("slope_grade"),
            "slope_grade",
            "long enough for QGIS"
        );
        assert!(x.contains("<layer-tree-group name=\"结果\""));
        assert_eq!(x.matches("<LayoutItem ").count(), 6 + 7);
        assert!(x.contains("keepLayerSet=\"false\"") && !x.contains("keepLayerSet=\"true\""));
    }

    #[test]
    fn a_second_atlas_is_its_own_layout_with_its_locked_layers() {
        let mut p = sample();
        let second = Atlas { layout: "project_atlas", name: "\"type\" || ' ' || \"name\"".into(), sort: "$id".into(), layers: vec!["villages"], ..sample().atlases.remove(0) };
        p.atlases.push(second);
        let x = project_qgs(&p);
        assert!(x.contains("<Layout name=\"atlas\"") && x.contains("<Layout name=\"project_atlas\""));
        assert_eq!(x.matches("<Atlas enabled=\"1\"").count(), 2);
        assert!(x.contains("pageNameExpression=\"&quot;type&quot; || &apos; &apos; || &quot;name&quot;\" filenamePattern"));
        assert!(x.contains("sortKey=\"$id\""));
        assert!(x.contains("keepLayerSet=\"true\""));
        assert!(x.contains("<LayerSet>\n<Layer source=\"./landcons.gpkg|layername=villages\" provider=\"ogr\" name=\"行政村\">villages_landcons</Layer>\n</LayerSet>"));
        // Item ids are unique across the layouts (but for the pages', item 0 of each).
        let uuids: Vec<&str> = x.match_indices(" uuid=\"").map(|(k, _)| &x[k + 7..k + 45]).filter(|u| !u.contains("-ffff-")).collect();
        assert_eq!(uuids.len(), 5 + 2 * 6);
        let distinct: std::collections::BTreeSet<&&str> = uuids.iter().collect();
        assert_eq!(distinct.len(), uuids.len());
    }
}
