//! QGIS styles (QML) from the layers' style data, stored in the GeoPackage's
//! `layer_styles` table as each layer's default style, so QGIS opens every layer styled.

use crate::layers::style::{Category, Fill, Style};

fn fill_symbol(name: &str, f: &Fill) -> String {
    format!(
        r#"<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map"><Option type="QString" name="color" value="{}"/><Option type="QString" name="outline_color" value="{}"/><Option type="QString" name="outline_style" value="solid"/><Option type="QString" name="outline_width" value="{}"/><Option type="QString" name="outline_width_unit" value="MM"/><Option type="QString" name="style" value="solid"/></Option></layer></symbol>"#,
        f.rgba, f.outline, f.width
    )
}

fn document(renderer: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\" styleCategories=\"Symbology\">{renderer}<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity></qgis>\n"
    )
}

fn categorized(field: &str, categories: &[Category]) -> String {
    let mut cats = String::new();
    let mut symbols = String::new();
    for (i, c) in categories.iter().enumerate() {
        cats.push_str(&format!(
            r#"<category render="true" symbol="{i}" value="{}" label="{}" type="string"/>"#,
            c.value,
            escape(&c.label)
        ));
        symbols.push_str(&fill_symbol(&i.to_string(), &c.fill));
    }
    document(&format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="{field}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>"#
    ))
}

fn single(fill: &Fill) -> String {
    document(&format!(
        r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
        fill_symbol("0", fill)
    ))
}

/// Escapes text for an XML attribute.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The QML document of a style.
pub fn qml(style: &Style) -> String {
    match style {
        Style::Single(fill) => single(fill),
        Style::Categorized { field, categories } => categorized(field, categories),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_well_formed_enough_for_qgis() {
        let cats = (0..6)
            .map(|i| (i.to_string(), format!("grade {i}: >25°"), Fill::new("1,2,3,4", "0,0,0,255", 0.1)))
            .collect();
        let q = qml(&Style::categorized("grade", cats));
        assert!(q.contains(r#"attr="grade""#));
        assert_eq!(q.matches("<category ").count(), 6);
        assert_eq!(q.matches("<symbol ").count(), 6);
        assert!(q.contains("&gt;25°"), "labels are escaped");
        assert!(qml(&Style::Single(Fill::new("1,2,3,4", "0,0,0,255", 0.1))).contains("singleSymbol"));
    }
}
