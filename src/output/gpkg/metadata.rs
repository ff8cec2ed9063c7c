//! The run's metadata in the GeoPackage (the gpkg_metadata extension): one gpkg_metadata
//! row holding the items as GDAL's multi-domain metadata XML, referenced for the whole
//! GeoPackage, under landcons's own `md_standard_uri` ([`STANDARD`]).
//!
//! Not under GDAL's (`http://gdal.org`): GDAL 3.12 (QGIS, pyogrio) then takes the items
//! for dataset metadata and, opening the file read-only, writes them to a
//! `landcons.gpkg.aux.xml` beside the path it opened — outside the result set, where it
//! outlives the run as stale metadata. Under another URI GDAL leaves the row alone;
//! [`read_items`] reads it back.

use rusqlite::{params, Connection};

use super::schema;

const EXTENSION_DEFINITION: &str = "http://www.geopackage.org/spec120/#extension_metadata";

/// The `md_standard_uri` of landcons's metadata row.
pub const STANDARD: &str = "urn:landcons:run-metadata";

/// Metadata items of the default domain, kept as GDAL keeps them: one value per key
/// (keys compared without case) and sorted by key.
#[derive(Debug, Default)]
pub struct Items(Vec<(String, String)>);

impl Items {
    pub fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            // GDAL replaces the whole item, key spelling included.
            Some(item) => *item = (key.to_string(), value.to_string()),
            None => self.0.push((key.to_string(), value.to_string())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The XML GDAL 3.6 serialises (GDALMultiDomainMetadata, CPLSerializeXMLTree).
    pub fn gdal_xml(&self) -> String {
        let mut items: Vec<&(String, String)> = self.0.iter().collect();
        // GDAL's sorted string list compares keys upper-cased.
        items.sort_by_key(|(k, _)| k.to_ascii_uppercase());
        let mut xml = String::from("<GDALMultiDomainMetadata>\n  <Metadata>\n");
        for (key, value) in items {
            xml.push_str(&format!("    <MDI key=\"{}\">{}</MDI>\n", escape(key, true), escape(value, false)));
        }
        xml.push_str("  </Metadata>\n</GDALMultiDomainMetadata>\n");
        xml
    }

    /// Writes the metadata tables, their row and reference, and registers the extension,
    /// as GDAL does when it closes a file whose metadata was set.
    pub fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.execute_batch(schema::EXTENSIONS)?;
        conn.execute_batch(schema::METADATA)?;
        conn.execute_batch(schema::METADATA_REFERENCE)?;
        for table in ["gpkg_metadata", "gpkg_metadata_reference"] {
            conn.execute(
                "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?1, NULL, 'gpkg_metadata', ?2, 'read-write')",
                params![table, EXTENSION_DEFINITION],
            )?;
        }
        conn.execute(
            "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata) VALUES (1, 'dataset', ?1, 'text/xml', ?2)",
            params![STANDARD, self.gdal_xml()],
        )?;
        conn.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, row_id_value, timestamp, md_file_id, md_parent_id) \
             VALUES ('geopackage', NULL, NULL, NULL, strftime('%Y-%m-%dT%H:%M:%fZ','now'), 1, NULL)",
            [],
        )?;
        Ok(())
    }
}

/// The items of a GeoPackage's landcons metadata row (none when the file is no
/// GeoPackage or holds none). Results of earlier versions kept them under GDAL's URI.
pub fn read_items(gpkg: &std::path::Path) -> Vec<(String, String)> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = Connection::open_with_flags(gpkg, flags) else { return Vec::new() };
    let sql = "SELECT metadata FROM gpkg_metadata WHERE md_standard_uri IN (?1, 'http://gdal.org') ORDER BY md_standard_uri <> ?1";
    let xml: Option<String> = conn.query_row(sql, [STANDARD], |r| r.get(0)).ok();
    xml.map(|x| parse_items(&x)).unwrap_or_default()
}

/// The `<MDI key="…">value</MDI>` items of GDAL's metadata XML.
fn parse_items(xml: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut items = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == b"MDI" => {
                let key = e.try_get_attribute("key").ok().flatten().and_then(|a| a.unescape_value().ok()).map(|v| v.into_owned());
                // The value as written, entities and all, then unescaped whole.
                let raw = reader.read_text(e.name()).map(|t| t.into_owned()).unwrap_or_default();
                let value = quick_xml::escape::unescape(&raw).map(|v| v.into_owned()).unwrap_or(raw);
                items.extend(key.map(|k| (k, value)));
            }
            Ok(Event::Eof) | Err(_) => return items,
            _ => {}
        }
    }
}

/// The value of metadata item `key` of a GeoPackage landcons wrote.
pub fn read_item(gpkg: &std::path::Path, key: &str) -> Option<String> {
    read_items(gpkg).into_iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// CPLEscapeString(CPLES_XML) for attribute values, CPLES_XML_BUT_QUOTES for text:
/// `<`, `>`, `&` (and `"` in attributes) as entities, a UTF-8 byte-order mark as
/// `&#xFEFF;`, and control characters other than tab, newline and return dropped (XML
/// cannot hold them).
fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if quotes => out.push_str("&quot;"),
            '\u{FEFF}' => out.push_str("&#xFEFF;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_as_gdal_serialises_it() {
        let mut items = Items::default();
        items.set("LANDCONS_VERSION", "0.1.0");
        items.set("LANDCONS_SETTINGS", "[a]\nb = \"<&>\"\n");
        items.set("LANDCONS_RUN", "{\"x\":1}");
        items.set("landcons_version", "0.2.0");
        items.set("LANDCONS_VERSION", "0.2.0");
        assert_eq!(
            items.gdal_xml(),
            "<GDALMultiDomainMetadata>\n  <Metadata>\n    <MDI key=\"LANDCONS_RUN\">{\"x\":1}</MDI>\n    \
             <MDI key=\"LANDCONS_SETTINGS\">[a]\nb = \"&lt;&amp;&gt;\"\n</MDI>\n    \
             <MDI key=\"LANDCONS_VERSION\">0.2.0</MDI>\n  </Metadata>\n</GDALMultiDomainMetadata>\n"
        );
        assert_eq!(escape("a\u{1}b\u{FEFF}\"", true), "ab&#xFEFF;&quot;");
        let back = parse_items(&items.gdal_xml());
        assert_eq!(back[1], ("LANDCONS_SETTINGS".to_string(), "[a]\nb = \"<&>\"\n".to_string()), "read back as written");
        assert_eq!(back.len(), 3);
    }
}
