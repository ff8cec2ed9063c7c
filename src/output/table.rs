//! Attribute tables as plain data, shared by the GeoPackage and CSV writers.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::merge::fragmentation::VillageFragmentation;
use crate::parcels::{AttrValue, FieldKind, FieldSpec};
use crate::rules::village::VillageRow;
use std::collections::BTreeMap;

/// Columns and rows of an attribute table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<FieldSpec>,
    pub rows: Vec<Vec<AttrValue>>,
}

pub fn column(name: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name: name.to_string(),
        kind,
        width: 0,
        precision: 0,
    }
}

/// The village summary as a table, with areas in m², ha and mu.
pub fn village_table(
    rows: &[VillageRow],
    fragmentation: &BTreeMap<String, VillageFragmentation>,
) -> Table {
    use FieldKind::*;
    let mut columns = vec![
        column("village_code", Text),
        column("village_name", Text),
        column("parcel_count", Int),
        column("cropland_count", Int),
    ];
    let area_cols = |name: &str| {
        vec![
            column(&format!("{name}_m2"), Real),
            column(&format!("{name}_ha"), Real),
            column(&format!("{name}_mu"), Real),
        ]
    };
    columns.extend(area_cols("cropland"));
    for g in 1..=5 {
        columns.extend(area_cols(&format!("cropland_g{g}")));
    }
    columns.extend(area_cols("cropland_nodata"));
    columns.push(column("reforest_count", Int));
    columns.extend(area_cols("reforest"));
    columns.push(column("reforest_share", Real));
    columns.push(column("grade_mismatch_count", Int));
    for when in ["before", "after"] {
        for (name, kind) in [
            ("patch_count", Int),
            ("mean_patch_m2", Real),
            ("patch_density", Real),
            ("edge_density", Real),
            ("awmsi", Real),
            ("large_field_share", Real),
        ] {
            columns.push(column(&format!("{name}_{when}"), kind));
        }
    }
    columns.push(column("contiguous_share", Real));

    let areas = |m2: f64| {
        vec![
            AttrValue::Real(round(m2, 2)),
            AttrValue::Real(round(super::ha(m2), 4)),
            AttrValue::Real(round(super::mu(m2), 2)),
        ]
    };
    let rows = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                AttrValue::Text(r.village_code.clone()),
                AttrValue::Text(r.village_name.clone()),
                AttrValue::Int(r.parcel_count as i64),
                AttrValue::Int(r.cropland_count as i64),
            ];
            v.extend(areas(r.cropland_m2));
            for g in 0..5 {
                v.extend(areas(r.cropland_grade_m2[g]));
            }
            v.extend(areas(r.cropland_nodata_m2));
            v.push(AttrValue::Int(r.reforest_count as i64));
            v.extend(areas(r.reforest_m2));
            v.push(AttrValue::Real(round(r.reforest_share(), 6)));
            v.push(AttrValue::Int(r.grade_mismatch_count as i64));
            match fragmentation
                .get(&r.village_code)
                .filter(|_| r.village_code != "TOTAL")
            {
                Some(f) => {
                    for x in [&f.before, &f.after] {
                        v.push(AttrValue::Int(x.patch_count as i64));
                        v.push(AttrValue::Real(round(x.mean_patch_m2, 2)));
                        v.push(AttrValue::Real(round(x.patch_density, 4)));
                        v.push(AttrValue::Real(round(x.edge_density, 3)));
                        v.push(AttrValue::Real(round(x.awmsi, 4)));
                        v.push(AttrValue::Real(round(x.large_field_share, 6)));
                    }
                    v.push(AttrValue::Real(round(f.contiguous_share, 6)));
                }
                None => v.extend(std::iter::repeat(AttrValue::Null).take(13)),
            }
            v
        })
        .collect();
    Table { columns, rows }
}

/// Rounds for presentation in tables (the GeoPackage parcels keep full precision).
pub fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// Writes a table as CSV, UTF-8 with a BOM so Excel shows Chinese names.
pub fn write_csv(path: &Path, table: &Table) -> Result<()> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = table.columns.iter().map(|c| csv_field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|v| csv_field(&v.as_text())).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let mut f = std::fs::File::create(path).map_err(|e| Error::output(path, e))?;
    f.write_all(out.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::output(path, e))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
