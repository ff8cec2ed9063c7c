//! The project's print layouts: an A3 overview map and A4 atlases with one page per
//! coverage feature — a village, a project — (map, legend, scale bar, north arrow, title
//! and the feature's figures).

use std::fmt::Write as _;

use super::xml::{esc, field_ref};
use super::{datasource, layers, provider, qgis_id, Atlas, Overview, Project, FONT};

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

/// The map, showing the project's visible layers, or `locked` ones (the layers' ids, as
/// QGIS stores a map's "lock layers"). On an atlas page its extent is the page feature's
/// own `extent_fields` (xmin, ymin, xmax, ymax: the feature framed in the frame's shape,
/// slid inside the region at its edges), as data-defined properties.
fn map_item(uuid: &str, r: Rect, extent: [f64; 4], extent_fields: Option<[&str; 4]>, locked: &str) -> String {
    let e = fit_extent(extent, r.w / r.h);
    let keep = !locked.is_empty();
    let extra = format!("keepLayerSet=\"{keep}\" followPreset=\"false\" followPresetName=\"\" drawCanvasItems=\"true\" mapRotation=\"0\" isTemporal=\"0\" labelMargin=\"0,mm\" mapFlags=\"0\"");
    let mut x = item_start(MAP, uuid, "map", r, true, &extra);
    let layer_set = if keep { format!("<LayerSet>\n{locked}</LayerSet>") } else { "<LayerSet/>".to_string() };
    let _ = write!(
        x,
        "<Extent xmin=\"{}\" ymin=\"{}\" xmax=\"{}\" ymax=\"{}\"/>\n{layer_set}\n<AtlasMap atlasDriven=\"0\" scalingMode=\"2\" margin=\"0.1\"/>\n",
        e[0], e[1], e[2], e[3]
    );
    if let Some(fields) = extent_fields {
        x.push_str(&data_defined_extent(fields));
    }
    x.push_str("</LayoutItem>\n");
    x
}

/// The `<Layer>` entries of a map's locked layers (`ids`, in the project's drawing order).
fn locked_layers(p: &Project, ids: &[&str]) -> String {
    layers(p)
        .filter(|l| ids.contains(&l.id))
        .map(|l| format!("<Layer source=\"{}\" provider=\"{}\" name=\"{}\">{}</Layer>\n", esc(&datasource(&l.source)), provider(&l.source), esc(l.title), esc(&qgis_id(l.id))))
        .collect()
}

/// The map's extent from fields of the atlas feature (QGIS's data-defined properties).
fn data_defined_extent(fields: [&str; 4]) -> String {
    let keys = ["dataDefinedMapXMin", "dataDefinedMapYMin", "dataDefinedMapXMax", "dataDefinedMapYMax"];
    let properties: String = keys
        .iter()
        .zip(fields)
        .map(|(k, f)| format!("<Option name=\"{k}\" type=\"Map\"><Option name=\"active\" type=\"bool\" value=\"true\"/><Option name=\"field\" type=\"QString\" value=\"{}\"/><Option name=\"type\" type=\"int\" value=\"2\"/></Option>", esc(f)))
        .collect();
    format!("<LayoutObject><dataDefinedProperties><Option type=\"Map\"><Option name=\"name\" type=\"QString\" value=\"\"/><Option name=\"properties\" type=\"Map\">{properties}</Option><Option name=\"type\" type=\"QString\" value=\"collection\"/></Option></dataDefinedProperties><customproperties><Option/></customproperties></LayoutObject>\n")
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
pub(super) fn overview_layout(p: &Project, o: &Overview) -> String {
    let (n, map_uuid) = (1, uuid(1, 1));
    let map = rect(10.0, 24.0, 320.0, 263.0);
    let mut x = layout_start("overview", 420.0, 297.0, false);
    x.push_str(&map_item(&map_uuid, map, p.extent, None, ""));
    let title = rect(10.0, 6.0, 400.0, 15.0);
    x.push_str(&label_item(&uuid(n, 2), "title", title, o.title, TITLE));
    let legend = rect(336.0, 24.0, 74.0, 200.0);
    x.push_str(&legend_item(&uuid(n, 3), &map_uuid, legend, false));
    x.push_str(&map_decorations(n, 4, &map_uuid, map));
    x.push_str("</Layout>\n");
    x
}

/// A4 landscape, one page per coverage feature: the map zoomed to it, its name in
/// the title, its figures and the legend on the right. `n` numbers the layout's items.
pub(super) fn atlas_layout(p: &Project, a: &Atlas, n: u32) -> String {
    let map_uuid = uuid(n, 1);
    let (w, h) = crate::layers::villages::ATLAS_MAP_MM;
    let map = rect(10.0, 20.0, w, h);
    let mut x = layout_start(a.layout, 297.0, 210.0, true);
    x.push_str(&map_item(&map_uuid, map, p.extent, Some(a.extent_fields), &locked_layers(p, &a.layers)));
    let title_text = format!("{}[% {} %]", a.title_prefix, a.name);
    let title = rect(10.0, 5.0, 277.0, 12.0);
    x.push_str(&label_item(&uuid(n, 2), "title", title, &title_text, PAGE_TITLE));
    let figures = rect(211.0, 20.0, 76.0, 6.0 + 5.0 * a.figures.len() as f64);
    x.push_str(&label_item(&uuid(n, 3), "figures", figures, &figures_text(a), BODY));
    let legend = rect(211.0, figures.y + figures.h + 4.0, 76.0, 100.0);
    x.push_str(&legend_item(&uuid(n, 4), &map_uuid, legend, true));
    x.push_str(&map_decorations(n, 5, &map_uuid, map));
    x.push_str(&atlas_xml(p, a));
    x.push_str("</Layout>\n");
    x
}

/// One line per figure: `label：[% format_number("field", 2) %] unit`, or a text field's
/// value as it is.
fn figures_text(a: &Atlas) -> String {
    a.figures
        .iter()
        .map(|f| match f.decimals {
            Some(d) => format!("{}：[% format_number({}, {d}) %] {}", f.label, field_ref(f.field), f.unit),
            None => format!("{}：[% {} %]", f.label, field_ref(f.field)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The atlas settings: pages from the coverage layer (found by id), named and exported
/// under the name expression, sorted by the sort expression.
fn atlas_xml(p: &Project, a: &Atlas) -> String {
    let coverage = layers(p).find(|l| l.id == a.coverage_layer_id);
    let (name, source) = coverage.map_or((String::new(), String::new()), |l| (esc(l.title), esc(&datasource(&l.source))));
    let (page, sort) = (esc(&a.name), esc(&a.sort));
    format!(
        "<Atlas enabled=\"1\" coverageLayer=\"{}\" coverageLayerName=\"{name}\" coverageLayerSource=\"{source}\" coverageLayerProvider=\"ogr\" pageNameExpression=\"{page}\" filenamePattern=\"{page}\" sortFeatures=\"1\" sortKey=\"{sort}\" sortAscending=\"1\" filterFeatures=\"0\" hideCoverage=\"0\"/>\n",
        esc(&qgis_id(a.coverage_layer_id))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_extent_is_fitted_to_a_square_frame_with_a_margin() {
        let e = fit_extent([0.0, 0.0, 100.0, 50.0], 1.0);
        assert!((e[2] - e[0] - 102.0).abs() < 1e-9 && (e[3] - e[1] - 102.0).abs() < 1e-9);
    }
}
