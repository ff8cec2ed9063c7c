//! CSV exports of tables: UTF-8 with a BOM and CRLF line ends, so Excel shows Chinese
//! names and opens them with a double click.

use std::io::Write;
use std::path::Path;

use super::rows::Rows;
use crate::error::{Error, Result};

/// Writes `rows` as CSV (header = column names) and syncs the file.
pub fn write_csv(path: &Path, rows: &dyn Rows) -> Result<()> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = rows.columns().iter().map(|c| field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    let mut values = Vec::new();
    for i in 0..rows.len() {
        values.clear();
        rows.fill(i, &mut values);
        let cells: Vec<String> = values.iter().map(|v| field(&v.as_text())).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let mut f = std::fs::File::create(path).map_err(|e| Error::output_from(path, "cannot create", e))?;
    f.write_all(out.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::output_from(path, "cannot write", e))
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
