//! A QGIS project (`.qgz`) over a results folder: the layers with their styles, a
//! layer tree in groups, and two print layouts (an A3 overview map and an A4 atlas
//! with one page per village), written from plain data so that a planning team opens
//! one file and has everything styled and ready to print.
//!
//! Std only on purpose: the module builds the `.qgs` XML as text and packs it with a
//! small STORED-method ZIP writer, so it needs neither an XML nor a ZIP crate.
//! The XML follows what QGIS 3.22 itself writes (checked by loading the result in
//! QGIS 3.22 headless with `qgis/check_project.py`).

use std::fmt::Write as _;
use std::path::Path;

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
    pub atlas: Option<Atlas<'a>>,
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
    /// The id of the layer whose features become the pages (the villages).
    pub coverage_layer_id: &'a str,
    pub name_field: &'a str,
    pub title_prefix: &'a str,
    /// The lines of the figures text box.
    pub figures: Vec<Figure<'a>>,
}

/// One line of an atlas page's figures: `label：value unit`.
pub struct Figure<'a> {
    pub label: &'a str,
    pub field: &'a str,
    pub unit: &'a str,
    /// Decimal places shown (0 for counts).
    pub decimals: u8,
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
    if let Some(a) = &p.atlas {
        x.push_str(&atlas_layout(p, a));
    }
    x.push_str("</Layouts>\n");
    x.push_str(&view_settings(p));
    x.push_str("</qgis>\n");
    x
}

/// Writes the project as a `.qgz`: a ZIP holding `<name>.qgs`, which is what QGIS
/// saves by default and opens from a double click.
pub fn write_qgz(path: &Path, p: &Project) -> std::io::Result<()> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "project".into());
    let zip = zip_stored(&[(format!("{stem}.qgs"), project_qgs(p).into_bytes())])?;
    std::fs::write(path, zip)
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
// XML text

/// Escapes text for an XML attribute value or element content. Line breaks are
/// written as character references because an XML parser turns a literal newline in
/// an attribute into a space (and the figures text box needs its lines).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\n' => o.push_str("&#xa;"),
            '\r' => o.push_str("&#xd;"),
            '\t' => o.push_str("&#x9;"),
            _ => o.push(c),
        }
    }
    o
}

/// A field name as a QGIS expression: `"name"` with inner quotes doubled.
fn field_ref(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A CRS from WKT alone: with srsid 0 QGIS 3.22 skips its own CRS database and
/// builds the CRS from `<wkt>` (and finds the EPSG code in the WKT's AUTHORITY/ID).
fn srs(wkt: &str) -> String {
    format!(
        "<spatialrefsys nativeFormat=\"Wkt\"><wkt>{}</wkt><proj4></proj4><srsid>0</srsid><srid>0</srid><authid></authid><description></description><projectionacronym></projectionacronym><ellipsoidacronym></ellipsoidacronym><geographicflag>{}</geographicflag></spatialrefsys>",
        esc(wkt),
        is_geographic(wkt)
    )
}

fn is_geographic(wkt: &str) -> bool {
    let w = wkt.trim_start();
    w.starts_with("GEOGCS") || w.starts_with("GEOGCRS") || w.starts_with("GEODCRS")
}

fn rect_xml(e: &[f64; 4]) -> String {
    format!(
        "<xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax>",
        e[0], e[1], e[2], e[3]
    )
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

/// Splits a QML document into its root element's attributes (as ` name="value"`
/// text, minus those that describe the file rather than the layer) and the root's
/// inner XML. Anything that is not a `<qgis>` document gives nothing: the layer
/// then has QGIS's default style, which `check_project.py` reports.
fn split_qml(qml: &str) -> (String, &str) {
    let Some(start) = find_root(qml) else {
        return (String::new(), "");
    };
    let Some(tag) = StartTag::parse(&qml[start..]) else {
        return (String::new(), "");
    };
    let mut kept = String::new();
    for (name, value) in &tag.attrs {
        if !matches!(
            *name,
            "version" | "styleCategories" | "type" | "geometry" | "wkbType"
        ) {
            let _ = write!(kept, " {name}=\"{value}\"");
        }
    }
    if tag.empty {
        return (kept, "");
    }
    let body_start = start + tag.len;
    let body_end = qml.rfind("</qgis>").filter(|&e| e >= body_start);
    (kept, body_end.map_or("", |e| &qml[body_start..e]))
}

/// The offset of the `<qgis` root start tag, past any XML declaration, DOCTYPE or
/// comment (none of which can contain `<qgis` followed by a space, `>` or `/`).
fn find_root(qml: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = qml[from..].find("<qgis") {
        let at = from + i;
        match qml[at + 5..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => return Some(at),
            _ => from = at + 5,
        }
    }
    None
}

/// An element's start tag, `<name a="v" b='w'>`.
struct StartTag<'a> {
    /// Values as written (still escaped), single-quoted ones made safe for double quotes.
    attrs: Vec<(&'a str, String)>,
    /// Bytes up to and including the closing `>`.
    len: usize,
    /// `<name .../>`: no content.
    empty: bool,
}

impl<'a> StartTag<'a> {
    fn parse(s: &'a str) -> Option<StartTag<'a>> {
        let b = s.as_bytes();
        let mut i = s.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let mut attrs = Vec::new();
        loop {
            while b.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            match b[i] {
                b'>' => {
                    return Some(StartTag {
                        attrs,
                        len: i + 1,
                        empty: false,
                    })
                }
                b'/' if b.get(i + 1) == Some(&b'>') => {
                    return Some(StartTag {
                        attrs,
                        len: i + 2,
                        empty: true,
                    })
                }
                _ => {}
            }
            let eq = i + s[i..].find('=')?;
            let mut q = eq + 1;
            while b.get(q)?.is_ascii_whitespace() {
                q += 1;
            }
            let quote = *b.get(q).filter(|c| **c == b'"' || **c == b'\'')?;
            let close = q + 1 + s[q + 1..].find(quote as char)?;
            attrs.push((s[i..eq].trim(), s[q + 1..close].replace('"', "&quot;")));
            i = close + 1;
        }
    }
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

// ---------------------------------------------------------------------------------
// Layouts

/// A layout item's place on the page, in millimetres.
#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

const fn rect(x: f64, y: f64, w: f64, h: f64) -> Rect {
    Rect { x, y, w, h }
}

/// QgsLayoutItemRegistry item types (QGraphicsItem::UserType + 100 + n).
const PAGE: u32 = 65638;
const MAP: u32 = 65639;
const PICTURE: u32 = 65640;
const LABEL: u32 = 65641;
const LEGEND: u32 = 65642;
const SCALEBAR: u32 = 65646;

/// Deterministic item UUIDs: items refer to each other (legend, scale bar and north
/// arrow to their map) by them, and a fixed project text is easy to test and diff.
fn uuid(layout: u32, item: u32) -> String {
    format!("{{6c616e64-636f-6e73-{layout:04x}-{item:012x}}}")
}

/// The common part of a `<LayoutItem>` start tag; `extra` are the item's own
/// attributes. `frame` draws a thin outline, `background` a white fill.
fn item_start(kind: u32, uuid: &str, id: &str, r: Rect, frame: bool, extra: &str) -> String {
    format!(
        "<LayoutItem type=\"{kind}\" uuid=\"{uuid}\" templateUuid=\"{uuid}\" id=\"{}\" position=\"{},{},mm\" positionOnPage=\"{},{},mm\" size=\"{},{},mm\" referencePoint=\"0\" zValue=\"{}\" visibility=\"1\" opacity=\"1\" frame=\"{frame}\" frameJoinStyle=\"miter\" outlineWidthM=\"0.3,mm\" background=\"{}\" blendMode=\"0\" itemRotation=\"0\" positionLock=\"false\" excludeFromExports=\"0\" groupUuid=\"\" {extra}>\n<FrameColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>\n<BackgroundColor red=\"255\" green=\"255\" blue=\"255\" alpha=\"255\"/>\n",
        esc(id),
        r.x,
        r.y,
        r.x,
        r.y,
        r.w,
        r.h,
        z_value(kind),
        frame || kind == LEGEND || kind == SCALEBAR || kind == PAGE,
    )
}

/// Maps at the bottom, their decorations above them.
fn z_value(kind: u32) -> u32 {
    match kind {
        PAGE => 0,
        MAP => 1,
        _ => 2,
    }
}

fn layout_start(name: &str, width: f64, height: f64, single_pdf: bool) -> String {
    let mut x = format!(
        "<Layout name=\"{}\" units=\"mm\" printResolution=\"300\" worldFileMap=\"\">\n<PageCollection>\n",
        esc(name)
    );
    let page = rect(0.0, 0.0, width, height);
    x.push_str(&item_start(PAGE, &uuid(0xffff, 0), "", page, false, ""));
    x.push_str("</LayoutItem>\n<GuideCollection visible=\"1\"/>\n</PageCollection>\n");
    if single_pdf {
        // What the atlas toolbar's "single file" option stores: one PDF for all pages.
        x.push_str("<customproperties><Option type=\"Map\"><Option type=\"bool\" name=\"singleFile\" value=\"true\"/></Option></customproperties>\n");
    }
    x
}

/// Qt 5's QFont::toString(): family, point size, pixel size, style hint, weight
/// (50 normal, 75 bold), italic, underline, strike-out, fixed pitch, raw mode.
fn font(points: u32, bold: bool) -> String {
    format!(
        "{FONT},{points},-1,5,{},0,0,0,0,0",
        if bold { 75 } else { 50 }
    )
}

/// Size (points), weight and alignment of a text box.
#[derive(Clone, Copy)]
struct TextStyle {
    points: u32,
    bold: bool,
    centred: bool,
}

const TITLE: TextStyle = TextStyle {
    points: 24,
    bold: true,
    centred: true,
};
const PAGE_TITLE: TextStyle = TextStyle {
    points: 18,
    bold: true,
    centred: true,
};
const BODY: TextStyle = TextStyle {
    points: 10,
    bold: false,
    centred: false,
};

/// A text box. QGIS evaluates `[% expression %]` in the text (the atlas feature's
/// fields included).
fn label_item(uuid: &str, id: &str, r: Rect, text: &str, style: TextStyle) -> String {
    let halign = if style.centred { 4 } else { 1 }; // Qt::AlignHCenter, Qt::AlignLeft
    let extra = format!(
        "labelText=\"{}\" htmlState=\"0\" marginX=\"1\" marginY=\"1\" halign=\"{halign}\" valign=\"32\"",
        esc(text)
    );
    let mut x = item_start(LABEL, uuid, id, r, false, &extra);
    let _ = write!(
        x,
        "<LabelFont description=\"{}\" style=\"\"/>\n<FontColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>\n</LayoutItem>\n",
        font(style.points, style.bold)
    );
    x
}

/// The map, showing the project's visible layers. `atlas` makes it follow the atlas
/// feature with a 10% margin ("Margin around feature" = scaling mode 2).
fn map_item(uuid: &str, r: Rect, extent: [f64; 4], atlas: bool) -> String {
    let e = fit_extent(extent, r.w / r.h);
    let extra = "keepLayerSet=\"false\" followPreset=\"false\" followPresetName=\"\" drawCanvasItems=\"true\" mapRotation=\"0\" isTemporal=\"0\" labelMargin=\"0,mm\" mapFlags=\"0\"";
    let mut x = item_start(MAP, uuid, "map", r, true, extra);
    let _ = write!(
        x,
        "<Extent xmin=\"{}\" ymin=\"{}\" xmax=\"{}\" ymax=\"{}\"/>\n<LayerSet/>\n<AtlasMap atlasDriven=\"{}\" scalingMode=\"2\" margin=\"0.1\"/>\n</LayoutItem>\n",
        e[0], e[1], e[2], e[3], atlas as u8
    );
    x
}

/// Grows `e` around its centre to the map frame's width/height ratio (plus 2%), so
/// the whole extent shows undistorted.
fn fit_extent(e: [f64; 4], aspect: f64) -> [f64; 4] {
    let (cx, cy) = ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0);
    let (mut w, mut h) = ((e[2] - e[0]).abs().max(1e-9), (e[3] - e[1]).abs().max(1e-9));
    if w / h < aspect {
        w = h * aspect;
    } else {
        h = w / aspect;
    }
    let (w, h) = (w * 1.02, h * 1.02);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The legend of the project's layer tree (no own tree, so it follows the project's
/// groups and order), filtered to what the linked map shows: hidden layers and
/// attribute tables stay out, and on an atlas page only that village's classes.
/// `compact` (the A4 atlas, whose legend shares a narrow column with the figures)
/// uses smaller text and tighter rows.
fn legend_item(uuid: &str, map_uuid: &str, r: Rect, compact: bool) -> String {
    let symbol_height = if compact { 3.2 } else { 4.0 };
    let extra = format!(
        "map_uuid=\"{map_uuid}\" title=\"图例\" titleAlignment=\"1\" columnCount=\"1\" splitLayer=\"0\" equalColumnWidth=\"0\" resizeToContents=\"1\" legendFilterByMap=\"1\" legendFilterByAtlas=\"1\" symbolWidth=\"7\" symbolHeight=\"{symbol_height}\" wmsLegendWidth=\"50\" wmsLegendHeight=\"25\" boxSpace=\"2\" columnSpace=\"2\" lineSpacing=\"1\" wrapChar=\"\" fontColor=\"#000000\" rasterBorder=\"1\" rasterBorderColor=\"0,0,0,255\" rasterBorderWidth=\"0\" symbolAlignment=\"1\""
    );
    let mut x = item_start(LEGEND, uuid, "legend", r, false, &extra);
    x.push_str("<styles>\n");
    let styles = match compact {
        false => [
            ("title", 14, true, "marginBottom=\"3.5\""),
            ("group", 11, true, "marginTop=\"3\""),
            ("subgroup", 10, false, "marginTop=\"2.5\""),
            ("symbol", 9, false, "marginTop=\"2\""),
            ("symbolLabel", 9, false, "marginTop=\"2\" marginLeft=\"2\""),
        ],
        true => [
            ("title", 11, true, "marginBottom=\"2\""),
            ("group", 9, true, "marginTop=\"1.8\""),
            ("subgroup", 8, false, "marginTop=\"1.2\""),
            ("symbol", 8, false, "marginTop=\"1\""),
            ("symbolLabel", 8, false, "marginTop=\"1\" marginLeft=\"2\""),
        ],
    };
    for (name, points, bold, margins) in styles {
        let _ = writeln!(
            x,
            "<style name=\"{name}\" alignment=\"1\" indent=\"0\" {margins}><styleFont description=\"{}\" style=\"\"/></style>",
            font(points, bold)
        );
    }
    x.push_str("</styles>\n</LayoutItem>\n");
    x
}

/// A single-box scale bar in metres whose segments QGIS sizes to fit 25–50 mm
/// (segmentSizeMode 1), so it stays readable at every atlas page's scale.
fn scalebar_item(uuid: &str, map_uuid: &str, r: Rect) -> String {
    let extra = format!(
        "mapUuid=\"{map_uuid}\" style=\"Single Box\" unitType=\"meters\" unitLabel=\"米\" numMapUnitsPerScaleBarUnit=\"1\" numSegments=\"2\" numSegmentsLeft=\"0\" numSubdivisions=\"1\" subdivisionsHeight=\"1.5\" numUnitsPerSegment=\"100\" segmentSizeMode=\"1\" minBarWidth=\"25\" maxBarWidth=\"50\" segmentMillimeters=\"20\" height=\"2.5\" labelBarSpace=\"2\" boxContentSpace=\"1.5\" alignment=\"0\" labelVerticalPlacement=\"0\" labelHorizontalPlacement=\"0\" outlineWidth=\"0.3\" lineJoinStyle=\"miter\" lineCapStyle=\"square\""
    );
    let mut x = item_start(SCALEBAR, uuid, "scalebar", r, false, &extra);
    let _ = write!(
        x,
        "<text-style fontFamily=\"{FONT}\" namedStyle=\"Regular\" fontSize=\"8\" fontSizeUnit=\"Point\" fontWeight=\"50\" fontItalic=\"0\" textColor=\"0,0,0,255\" textOpacity=\"1\" multilineHeight=\"1\" blendMode=\"0\"/>\n<fillColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>\n<fillColor2 red=\"255\" green=\"255\" blue=\"255\" alpha=\"255\"/>\n<strokeColor red=\"0\" green=\"0\" blue=\"0\" alpha=\"255\"/>\n</LayoutItem>\n"
    );
    x
}

/// QGIS's own north arrow SVG (found through its SVG search paths by this relative
/// name), turned with the map (northMode 0 = grid north).
fn north_arrow_item(uuid: &str, map_uuid: &str, r: Rect) -> String {
    let extra = format!(
        "file=\"arrows/NorthArrow_02.svg\" mode=\"0\" resizeMode=\"0\" anchorPoint=\"4\" mapUuid=\"{map_uuid}\" northMode=\"0\" northOffset=\"0\" pictureRotation=\"0\" svgFillColor=\"0,0,0,255\" svgBorderColor=\"0,0,0,255\" svgBorderWidth=\"0.2\""
    );
    let mut x = item_start(PICTURE, uuid, "north_arrow", r, false, &extra);
    x.push_str("</LayoutItem>\n");
    x
}

/// The scale bar in the map's lower left corner and the north arrow in its upper
/// right one (items `n + 0` and `n + 1` of layout `layout`).
fn map_decorations(layout: u32, n: u32, map_uuid: &str, map: Rect) -> String {
    let bar = rect(map.x + 3.0, map.y + map.h - 14.0, 58.0, 11.0);
    let arrow = rect(map.x + map.w - 17.0, map.y + 3.0, 14.0, 21.0);
    let mut x = scalebar_item(&uuid(layout, n), map_uuid, bar);
    x.push_str(&north_arrow_item(&uuid(layout, n + 1), map_uuid, arrow));
    x
}

/// A3 landscape: the whole extent, title on top, legend on the right.
fn overview_layout(p: &Project, o: &Overview) -> String {
    let (n, map_uuid) = (1, uuid(1, 1));
    let map = rect(10.0, 24.0, 320.0, 263.0);
    let mut x = layout_start("overview", 420.0, 297.0, false);
    x.push_str(&map_item(&map_uuid, map, p.extent, false));
    let title = rect(10.0, 6.0, 400.0, 15.0);
    x.push_str(&label_item(&uuid(n, 2), "title", title, o.title, TITLE));
    let legend = rect(336.0, 24.0, 74.0, 200.0);
    x.push_str(&legend_item(&uuid(n, 3), &map_uuid, legend, false));
    x.push_str(&map_decorations(n, 4, &map_uuid, map));
    x.push_str("</Layout>\n");
    x
}

/// A4 landscape, one page per coverage feature: the map zoomed to it, its name in
/// the title, its figures and the legend on the right.
fn atlas_layout(p: &Project, a: &Atlas) -> String {
    let (n, map_uuid) = (2, uuid(2, 1));
    let map = rect(10.0, 20.0, 195.0, 182.0);
    let mut x = layout_start("atlas", 297.0, 210.0, true);
    x.push_str(&map_item(&map_uuid, map, p.extent, true));
    let title_text = format!("{}[% {} %]", a.title_prefix, field_ref(a.name_field));
    let title = rect(10.0, 5.0, 277.0, 12.0);
    x.push_str(&label_item(
        &uuid(n, 2),
        "title",
        title,
        &title_text,
        PAGE_TITLE,
    ));
    let figures = rect(211.0, 20.0, 76.0, 6.0 + 5.0 * a.figures.len() as f64);
    x.push_str(&label_item(
        &uuid(n, 3),
        "figures",
        figures,
        &figures_text(a),
        BODY,
    ));
    let legend = rect(211.0, figures.y + figures.h + 4.0, 76.0, 100.0);
    x.push_str(&legend_item(&uuid(n, 4), &map_uuid, legend, true));
    x.push_str(&map_decorations(n, 5, &map_uuid, map));
    x.push_str(&atlas_xml(p, a));
    x.push_str("</Layout>\n");
    x
}

/// One line per figure: `label：[% format_number("field", 2) %] unit`.
fn figures_text(a: &Atlas) -> String {
    a.figures
        .iter()
        .map(|f| {
            format!(
                "{}：[% format_number({}, {}) %] {}",
                f.label,
                field_ref(f.field),
                f.decimals,
                f.unit
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The atlas settings: pages from the coverage layer (found by id), named and
/// exported under the name field, sorted by it.
fn atlas_xml(p: &Project, a: &Atlas) -> String {
    let coverage = layers(p).find(|l| l.id == a.coverage_layer_id);
    let (name, source) = coverage.map_or((String::new(), String::new()), |l| {
        (esc(l.title), esc(&datasource(&l.source)))
    });
    let field = esc(&field_ref(a.name_field));
    format!(
        "<Atlas enabled=\"1\" coverageLayer=\"{}\" coverageLayerName=\"{name}\" coverageLayerSource=\"{source}\" coverageLayerProvider=\"ogr\" pageNameExpression=\"{field}\" filenamePattern=\"{field}\" sortFeatures=\"1\" sortKey=\"{field}\" sortAscending=\"1\" filterFeatures=\"0\" hideCoverage=\"0\"/>\n",
        esc(&qgis_id(a.coverage_layer_id))
    )
}

// ---------------------------------------------------------------------------------
// ZIP (STORED, no compression): all a .qgz needs, and QGIS opens it with libzip.

/// CRC-32 (IEEE, reflected, polynomial 0xEDB88320), bit by bit: a project file is
/// small enough that a table buys nothing.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A ZIP archive of `(name, bytes)` entries, uncompressed. Names are flagged UTF-8
/// (general-purpose bit 11) so a Chinese project name survives. Time stamps are the
/// DOS epoch (1980-01-01) so the same project gives the same bytes.
fn zip_stored(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let too_big =
        || std::io::Error::new(std::io::ErrorKind::InvalidInput, "over 4 GiB: needs ZIP64");
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let fields = EntryFields {
            name,
            crc: crc32(data),
            size,
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        fields.push_common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by: version 2.0
        fields.push_common(&mut central);
        central.extend_from_slice(&[0; 8]); // comment length, disk, internal + external attributes
        central.extend_from_slice(&[0; 2]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let count = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // this disk, disk of the central directory
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0; 2]); // comment length
    Ok(out)
}

/// The fields that the local header and the central directory entry share.
struct EntryFields<'a> {
    name: &'a str,
    crc: u32,
    size: u32,
}

impl EntryFields<'_> {
    /// version needed .. extra field length (26 bytes).
    fn push_common(&self, out: &mut Vec<u8>) {
        let flags: u16 = if self.name.is_ascii() { 0 } else { 1 << 11 };
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time 00:00:00
        out.extend_from_slice(&0x0021u16.to_le_bytes()); // date 1980-01-01
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes()); // compressed = stored size
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&(self.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QML: &str = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\" styleCategories=\"Symbology\" labelsEnabled='1' minScale=\"0\"><renderer-v2 type=\"singleSymbol\"/><aliases><alias field=\"grade\" name=\"坡度级 &lt;5&gt;\" index=\"0\"/></aliases></qgis>\n";

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
            atlas: Some(Atlas {
                coverage_layer_id: "villages",
                name_field: "village_name",
                title_prefix: "退耕还林：",
                figures: vec![
                    Figure { label: "面积", field: "area_mu", unit: "亩", decimals: 2 },
                    Figure { label: "候选", field: "reforest_mu", unit: "亩", decimals: 2 },
                ],
            }),
        }
    }

    #[test]
    fn crc32_of_known_strings() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn zip_structure() {
        let data = b"<qgis/>".to_vec();
        let zip = zip_stored(&[("项目.qgs".to_string(), data.clone())]).unwrap();
        let name = "项目.qgs".as_bytes();
        assert_eq!(&zip[0..4], b"PK\x03\x04");
        assert_eq!(
            u16::from_le_bytes([zip[6], zip[7]]),
            1 << 11,
            "UTF-8 name flag"
        );
        assert_eq!(u16::from_le_bytes([zip[8], zip[9]]), 0, "stored");
        assert_eq!(&zip[14..18], &crc32(&data).to_le_bytes());
        assert_eq!(
            u32::from_le_bytes(zip[18..22].try_into().unwrap()),
            data.len() as u32
        );
        assert_eq!(&zip[30..30 + name.len()], name);
        assert_eq!(
            &zip[30 + name.len()..30 + name.len() + data.len()],
            &data[..]
        );
        let cd = 30 + name.len() + data.len();
        assert_eq!(&zip[cd..cd + 4], b"PK\x01\x02");
        let eocd = zip.len() - 22;
        assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(
            u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]),
            1,
            "one entry"
        );
        let cd_size = u32::from_le_bytes(zip[eocd + 12..eocd + 16].try_into().unwrap());
        let cd_offset = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap());
        assert_eq!(
            (cd_offset as usize, cd_size as usize),
            (cd, 46 + name.len())
        );
    }

    #[test]
    fn escaping_keeps_chinese_and_escapes_markup() {
        assert_eq!(
            esc("地块 <a & b> \"c\"\n"),
            "地块 &lt;a &amp; b&gt; &quot;c&quot;&#xa;"
        );
        let x = project_qgs(&sample());
        assert!(x.contains("<title>XX县 &lt;测试&gt; &amp; &quot;项目&quot;</title>"));
        assert!(x.contains("labelText=\"退耕还林：[% &quot;village_name&quot; %]\""));
        assert!(x.contains("面积：[% format_number(&quot;area_mu&quot;, 2) %] 亩&#xa;候选："));
        assert!(x.contains("AUTHORITY[&quot;EPSG&quot;,&quot;4544&quot;]"));
    }

    #[test]
    fn qml_is_embedded_in_the_map_layer() {
        let (attrs, body) = split_qml(QML);
        assert_eq!(attrs, " labelsEnabled=\"1\" minScale=\"0\"");
        assert!(body.starts_with("<renderer-v2") && body.ends_with("</aliases>"));
        let x = project_qgs(&sample());
        assert!(x.contains("<maplayer type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\" labelsEnabled=\"1\" minScale=\"0\">"));
        assert!(x.contains("<datasource>./landcons.gpkg|layername=villages</datasource>"));
        assert!(
            x.contains("name=\"坡度级 &lt;5&gt;\""),
            "QML text is copied as written"
        );
        assert_eq!(split_qml("not a style"), (String::new(), ""));
        assert_eq!(split_qml("<qgis version=\"3\"/>"), (String::new(), ""));
        assert_eq!(find_root("<qgisx/><qgis>"), Some(8));
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
        let e = fit_extent([0.0, 0.0, 100.0, 50.0], 1.0);
        assert!((e[2] - e[0] - 102.0).abs() < 1e-9 && (e[3] - e[1] - 102.0).abs() < 1e-9);
    }
}
