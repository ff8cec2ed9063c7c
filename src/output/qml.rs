//! QGIS styles (QML) from the layers' style data: the renderer, the labels, and each
//! field's alias and value map. Vector styles are stored in the GeoPackage's
//! `layer_styles` table as each layer's default style; raster styles are written as
//! `.qml` side-cars, which QGIS loads with the raster; the project embeds both.
//!
//! QGIS 3.22 reads aliases and editor widgets from a style's `<aliases>` and
//! `<fieldConfiguration>` (the "Fields" and "Forms" categories); it ignores the
//! GeoPackage's own `gpkg_data_columns`, so the style is the one place for them.

use std::fmt::Write as _;

use crate::layers::present::FieldForm;
use crate::layers::style::{Category, Fill, Labels, RasterClass, RasterStyle, Rule, Style};

/// The font of every label: one with the CJK glyphs (Debian/Ubuntu
/// `fonts-wqy-microhei`), so Chinese renders instead of boxes.
pub const FONT: &str = "WenQuanYi Micro Hei";

const DOCTYPE: &str = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>";

fn fill_symbol(name: &str, f: &Fill) -> String {
    format!(
        r#"<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map"><Option type="QString" name="color" value="{}"/><Option type="QString" name="outline_color" value="{}"/><Option type="QString" name="outline_style" value="solid"/><Option type="QString" name="outline_width" value="{}"/><Option type="QString" name="outline_width_unit" value="MM"/><Option type="QString" name="style" value="solid"/></Option></layer></symbol>"#,
        f.rgba, f.outline, f.width
    )
}

fn categorized(field: &str, categories: &[Category]) -> String {
    let mut cats = String::new();
    let mut symbols = String::new();
    for (i, c) in categories.iter().enumerate() {
        let _ = write!(
            cats,
            r#"<category render="true" symbol="{i}" value="{}" label="{}" type="string"/>"#,
            escape(&c.value),
            escape(&c.label)
        );
        symbols.push_str(&fill_symbol(&i.to_string(), &c.fill));
    }
    format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>"#,
        escape(field)
    )
}

fn single(fill: &Fill) -> String {
    format!(
        r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
        fill_symbol("0", fill)
    )
}

/// A rule-based renderer: every rule that holds draws a feature (QGIS's "else" rule
/// takes what no other rule took).
fn rule_based(rules: &[Rule]) -> String {
    let mut items = String::new();
    let mut symbols = String::new();
    for (i, r) in rules.iter().enumerate() {
        // QGIS takes the filter "ELSE" as the else rule.
        let _ = write!(
            items,
            r#"<rule key="{{6c616e64-636f-6e73-0000-{i:012x}}}" symbol="{i}" label="{}" filter="{}"/>"#,
            escape(&r.label),
            escape(&r.filter)
        );
        symbols.push_str(&fill_symbol(&i.to_string(), &r.fill));
    }
    format!(
        r#"<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0"><rules key="{{6c616e64-636f-6e73-0000-ffffffffffff}}">{items}</rules><symbols>{symbols}</symbols></renderer-v2>"#
    )
}

fn renderer(style: &Style) -> String {
    match style {
        Style::Single(fill) => single(fill),
        Style::Categorized { field, categories } => categorized(field, categories),
        Style::Rules(rules) => rule_based(rules),
    }
}

/// Escapes text for an XML attribute.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A vector layer's whole style: renderer (none for an attribute table), labels, and
/// the fields' aliases and value maps.
pub fn vector_qml(style: Option<&Style>, labels: Option<&Labels>, fields: &[FieldForm]) -> String {
    let mut x = format!(
        "{DOCTYPE}\n<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology|Labeling|Fields|Forms\" labelsEnabled=\"{}\">",
        u8::from(labels.is_some())
    );
    if let Some(s) = style {
        x.push_str(&renderer(s));
    }
    if let Some(l) = labels {
        x.push_str(&labeling(l));
    }
    x.push_str("<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>");
    x.push_str(&field_configuration(fields));
    x.push_str(&aliases(fields));
    x.push_str("</qgis>\n");
    x
}

/// Editor widgets: a ValueMap for every field with a value map. QGIS keeps a value
/// map as a list of one-entry maps {name: value}, which keeps the order given.
fn field_configuration(fields: &[FieldForm]) -> String {
    let mut x = String::from("<fieldConfiguration>");
    for f in fields.iter().filter(|f| !f.value_map.is_empty()) {
        let _ = write!(
            x,
            r#"<field name="{}" configurationFlags="None"><editWidget type="ValueMap"><config><Option type="Map"><Option type="List" name="map">"#,
            escape(&f.name)
        );
        for (value, name) in &f.value_map {
            let _ = write!(
                x,
                r#"<Option type="Map"><Option type="QString" name="{}" value="{}"/></Option>"#,
                escape(name),
                escape(value)
            );
        }
        x.push_str("</Option></Option></config></editWidget></field>");
    }
    x.push_str("</fieldConfiguration>");
    x
}

fn aliases(fields: &[FieldForm]) -> String {
    let mut x = String::from("<aliases>");
    for (i, f) in fields.iter().enumerate() {
        let _ = write!(x, r#"<alias field="{}" index="{i}" name="{}"/>"#, escape(&f.name), escape(&f.alias));
    }
    x.push_str("</aliases>");
    x
}

/// Simple labels over each feature's centre (placement 1, "over point", centroid of
/// the visible part inside the polygon), drawn even where they collide, with a halo.
fn labeling(l: &Labels) -> String {
    format!(
        concat!(
            r#"<labeling type="simple"><settings calloutType="simple">"#,
            r#"<text-style fieldName="{field}" isExpression="{expression}" fontFamily="{font}" namedStyle="Bold" fontSize="{size}" fontSizeUnit="Point" fontWeight="75" fontItalic="0" fontUnderline="0" fontStrikeout="0" fontLetterSpacing="0" fontWordSpacing="0" fontKerning="1" textColor="25,25,25,255" textOpacity="1" multilineHeight="1" blendMode="0" allowHtml="0" capitalization="0" textOrientation="horizontal" useSubstitutions="0" previewBkgrdColor="255,255,255,255">"#,
            r#"<families/><text-buffer bufferDraw="1" bufferSize="1.2" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>"#,
            r#"<background shapeDraw="0"/><shadow shadowDraw="0"/><substitutions/></text-style>"#,
            r#"<text-format wrapChar="" autoWrapLength="0" useMaxLineLengthForAutoWrap="1" multilineAlign="1" addDirectionSymbol="0" formatNumbers="0" decimals="3" plussign="0" reverseDirectionSymbol="0" placeDirectionSymbol="0" leftDirectionSymbol="&lt;" rightDirectionSymbol="&gt;"/>"#,
            r#"<placement placement="1" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" priority="5" dist="0" distUnits="MM" offsetType="0" quadOffset="4" xOffset="0" yOffset="0" offsetUnits="MM" rotationAngle="0" preserveRotation="1" maxCurvedCharAngleIn="25" maxCurvedCharAngleOut="-25" repeatDistance="0" repeatDistanceUnits="MM" placementFlags="10" overrunDistance="0" overrunDistanceUnit="MM" layerType="PolygonGeometry" polygonPlacementFlags="2" geometryGenerator="" geometryGeneratorEnabled="0" geometryGeneratorType="PointGeometry" allowDegraded="0" lineAnchorPercent="0.5" lineAnchorType="0" lineAnchorClipping="0"/>"#,
            r#"<rendering obstacle="1" obstacleFactor="1" obstacleType="1" displayAll="1" upsidedownLabels="0" labelPerPart="0" mergeLines="0" minFeatureSize="0" limitNumLabels="0" maxNumLabels="2000" scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" fontMinPixelSize="3" fontMaxPixelSize="10000" drawLabels="1" zIndex="1" unplacedVisibility="0"/>"#,
            r#"<dd_properties><Option type="Map"><Option type="QString" name="name" value=""/><Option name="properties"/><Option type="QString" name="type" value="collection"/></Option></dd_properties>"#,
            r#"<callout type="simple"><Option type="Map"><Option type="QString" name="enabled" value="0"/></Option></callout>"#,
            r#"</settings></labeling>"#
        ),
        field = escape(&l.field),
        expression = u8::from(l.is_expression()),
        font = FONT,
        size = l.size
    )
}

fn hex(rgb: [i16; 3]) -> String {
    let c = |v: i16| v.clamp(0, 255) as u8;
    format!("#{:02x}{:02x}{:02x}", c(rgb[0]), c(rgb[1]), c(rgb[2]))
}

/// A raster layer's style (band 1), as QGIS writes a `.qml` for it.
pub fn raster_qml(style: &RasterStyle) -> String {
    let renderer = match style {
        RasterStyle::Paletted(classes) => paletted(classes),
        RasterStyle::Ramp(stops) => ramp(stops),
    };
    format!(
        "{DOCTYPE}\n<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology|Legend\"><pipe><provider><resampling enabled=\"false\" maxOversampling=\"2\" zoomedInResamplingMethod=\"nearestNeighbour\" zoomedOutResamplingMethod=\"nearestNeighbour\"/></provider>{renderer}<brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/><huesaturation saturation=\"0\" grayscaleMode=\"0\" colorizeOn=\"0\" colorizeRed=\"255\" colorizeGreen=\"128\" colorizeBlue=\"128\" colorizeStrength=\"100\" invertColors=\"0\"/><rasterresampler maxOversampling=\"2\"/><resamplingStage>resamplingFilter</resamplingStage></pipe><blendMode>0</blendMode></qgis>\n"
    )
}

fn paletted(classes: &[RasterClass]) -> String {
    let mut x = String::from(r#"<rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor=""><rasterTransparency/><minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor></minMaxOrigin><colorPalette>"#);
    for c in classes {
        let _ = write!(x, r#"<paletteEntry value="{}" color="{}" alpha="255" label="{}"/>"#, c.value, hex(c.rgb), escape(&c.label));
    }
    x.push_str("</colorPalette></rasterrenderer>");
    x
}

fn ramp(stops: &[RasterClass]) -> String {
    let (min, max) = (stops.first().map_or(0.0, |s| s.value), stops.last().map_or(1.0, |s| s.value));
    let mut x = format!(
        r#"<rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="{min}" classificationMax="{max}" nodataColor=""><rasterTransparency/><minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor></minMaxOrigin><rastershader><colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" minimumValue="{min}" maximumValue="{max}" labelPrecision="0">"#
    );
    for s in stops {
        let _ = write!(x, r#"<item value="{}" color="{}" alpha="255" label="{}"/>"#, s.value, hex(s.rgb), escape(&s.label));
    }
    x.push_str("</colorrampshader></rastershader></rasterrenderer>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, alias: &str, map: &[(&str, &str)]) -> FieldForm {
        FieldForm {
            name: name.into(),
            alias: alias.into(),
            value_map: map.iter().map(|(v, n)| (v.to_string(), n.to_string())).collect(),
        }
    }

    #[test]
    fn styles_are_well_formed_enough_for_qgis() {
        let cats = (0..6)
            .map(|i| (i.to_string(), format!("grade {i}: >25°"), Fill::new("1,2,3,4", "0,0,0,255", 0.1)))
            .collect();
        let fields = [form("grade", "坡度分级", &[("5", "五级（>25°）")]), form("area_mu", "面积（亩）", &[])];
        let q = vector_qml(Some(&Style::categorized("grade", cats)), None, &fields);
        assert!(q.contains(r#"attr="grade""#));
        assert_eq!(q.matches("<category ").count(), 6);
        assert_eq!(q.matches("<symbol ").count(), 6);
        assert!(q.contains("&gt;25°"), "labels are escaped");
        assert!(q.contains(r#"<alias field="area_mu" index="1" name="面积（亩）"/>"#));
        assert!(q.contains(r#"<Option type="QString" name="五级（&gt;25°）" value="5"/>"#));
        assert_eq!(q.matches("<editWidget").count(), 1, "only fields with a value map get a widget");
        assert!(q.contains("labelsEnabled=\"0\""));
        let single = vector_qml(Some(&Style::Single(Fill::new("1,2,3,4", "0,0,0,255", 0.1))), Some(&Labels { field: "village_name".into(), size: 11.0 }), &[]);
        assert!(single.contains("singleSymbol") && single.contains("fieldName=\"village_name\"") && single.contains("labelsEnabled=\"1\""));
        assert!(single.contains("isExpression=\"0\""), "a field's name");
        let expression = vector_qml(None, Some(&Labels { field: "\"name\" || '\\n' || \"project_id\"".into(), size: 8.0 }), &[]);
        assert!(expression.contains("fieldName=\"&quot;name&quot; || &apos;\\n&apos; || &quot;project_id&quot;\" isExpression=\"1\""), "{expression}");
        assert!(!vector_qml(None, None, &fields).contains("renderer-v2"), "a table has no renderer");
    }

    #[test]
    fn raster_styles() {
        let class = |v: f64, label: &str| RasterClass { value: v, rgb: [26, 150, 65], label: label.into() };
        let q = raster_qml(&RasterStyle::Paletted(vec![class(1.0, "一级（≤2°）"), class(5.0, "五级（>25°）")]));
        assert!(q.contains(r##"<paletteEntry value="1" color="#1a9641" alpha="255" label="一级（≤2°）"/>"##));
        assert_eq!(q.matches("<paletteEntry").count(), 2);
        let q = raster_qml(&RasterStyle::Ramp(vec![class(0.0, "0°"), class(45.0, "≥45°")]));
        assert!(q.contains(r#"classificationMax="45""#) && q.contains("colorRampType=\"INTERPOLATED\""));
    }
}
