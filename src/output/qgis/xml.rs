//! XML for the project file: escaping (quick-xml's, plus line breaks as character
//! references), CRS and extent elements, and the QML of a style split into what a
//! `<maplayer>` takes from it.

use quick_xml::events::{BytesStart, Event};

/// Escapes text for an XML attribute value or element content. Line breaks are
/// written as character references because an XML parser turns a literal newline in
/// an attribute into a space (and the figures text box needs its lines).
pub fn esc(s: &str) -> String {
    let escaped = quick_xml::escape::escape(s);
    match escaped.contains(['\n', '\r', '\t']) {
        false => escaped.into_owned(),
        true => escaped.replace('\n', "&#xa;").replace('\r', "&#xd;").replace('\t', "&#x9;"),
    }
}

/// A field name as a QGIS expression: `"name"` with inner quotes doubled.
pub fn field_ref(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A CRS from WKT alone: with srsid 0 QGIS 3.22 skips its own CRS database and
/// builds the CRS from `<wkt>` (and finds the EPSG code in the WKT's AUTHORITY/ID).
pub fn srs(wkt: &str) -> String {
    format!(
        "<spatialrefsys nativeFormat=\"Wkt\"><wkt>{}</wkt><proj4></proj4><srsid>0</srsid><srid>0</srid><authid></authid><description></description><projectionacronym></projectionacronym><ellipsoidacronym></ellipsoidacronym><geographicflag>{}</geographicflag></spatialrefsys>",
        esc(wkt),
        is_geographic(wkt)
    )
}

pub fn is_geographic(wkt: &str) -> bool {
    let w = wkt.trim_start();
    w.starts_with("GEOGCS") || w.starts_with("GEOGCRS") || w.starts_with("GEODCRS")
}

pub fn rect_xml(e: &[f64; 4]) -> String {
    format!(
        "<xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax>",
        e[0], e[1], e[2], e[3]
    )
}

/// Splits a QML document into its root element's attributes (as ` name="value"`
/// text, minus those that describe the file rather than the layer) and the root's
/// inner XML, copied as written. Anything that is not a `<qgis>` document gives nothing:
/// the layer then has QGIS's default style, which `check_project.py` reports.
pub fn split_qml(qml: &str) -> (String, &str) {
    let mut reader = quick_xml::Reader::from_str(qml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(root)) if root.name().as_ref() == b"qgis" => {
                let body_start = reader.buffer_position() as usize;
                let body_end = qml.rfind("</qgis>").filter(|&e| e >= body_start);
                return (kept_attributes(&root), body_end.map_or("", |e| &qml[body_start..e]));
            }
            Ok(Event::Empty(root)) if root.name().as_ref() == b"qgis" => return (kept_attributes(&root), ""),
            Ok(Event::Eof) | Err(_) => return (String::new(), ""),
            Ok(_) => {}
        }
    }
}

/// The root's attributes a `<maplayer>` takes, as written (still escaped), each
/// double-quoted.
fn kept_attributes(root: &BytesStart) -> String {
    let mut kept = String::new();
    for attr in root.attributes().flatten() {
        let name = String::from_utf8_lossy(attr.key.as_ref());
        if matches!(name.as_ref(), "version" | "styleCategories" | "type" | "geometry" | "wkbType") {
            continue;
        }
        let value = String::from_utf8_lossy(&attr.value).replace('"', "&quot;");
        kept.push_str(&format!(" {name}=\"{value}\""));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_chinese_and_escapes_markup_and_line_breaks() {
        assert_eq!(esc("地块 <a & b> \"c\"\n"), "地块 &lt;a &amp; b&gt; &quot;c&quot;&#xa;");
        assert_eq!(esc("plain"), "plain");
    }

    #[test]
    fn a_style_splits_into_root_attributes_and_body() {
        let qml = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16\" styleCategories=\"Symbology\" labelsEnabled='1' minScale=\"0\"><renderer-v2 type=\"singleSymbol\"/><aliases><alias field=\"grade\" name=\"坡度级 &lt;5&gt;\" index=\"0\"/></aliases></qgis>\n";
        let (attrs, body) = split_qml(qml);
        assert_eq!(attrs, " labelsEnabled=\"1\" minScale=\"0\"");
        assert!(body.starts_with("<renderer-v2") && body.ends_with("</aliases>"), "{body}");
        assert_eq!(split_qml("not a style"), (String::new(), ""));
        assert_eq!(split_qml("<qgis version=\"3\"/>"), (String::new(), ""));
        assert_eq!(split_qml("<qgisx/><qgis a=\"'\">x</qgis>"), (" a=\"'\"".to_string(), "x"));
        assert_eq!(split_qml("<qgis a='say \"hi\"'></qgis>").0, " a=\"say &quot;hi&quot;\"");
    }
}
