//! Which column of the parcel layer is which: the field map's names resolved to column
//! positions, a required one missing an error naming the nearest column.

use std::path::Path;

use crate::error::{Error, Result};
use crate::settings::FieldMap;
use crate::table::FieldSpec;

/// Column positions of the mapped fields.
pub(super) struct FieldIndex {
    pub(super) id: usize,
    pub(super) land_use: usize,
    pub(super) land_use_name: Option<usize>,
    pub(super) village_code: Option<usize>,
    pub(super) village_name: Option<usize>,
    pub(super) owner_code: Option<usize>,
    pub(super) terrace_type: Option<usize>,
    pub(super) recorded_grade: Option<usize>,
    pub(super) official_area: Option<usize>,
}

impl FieldIndex {
    pub(super) fn resolve(fields: &[FieldSpec], fm: &FieldMap, path: &Path, layer: &str) -> Result<FieldIndex> {
        let find = |key: &str, name: &str, required: bool| find_field(fields, key, name, required, path, layer);
        let required = |key: &str, name: &str| -> Result<usize> {
            Ok(find(key, name, true)?.unwrap_or_default())
        };
        Ok(FieldIndex {
            id: required("id", &fm.id)?,
            land_use: required("land_use", &fm.land_use)?,
            land_use_name: find("land_use_name", &fm.land_use_name, false)?,
            village_code: find("village_code", &fm.village_code, false)?,
            village_name: find("village_name", &fm.village_name, false)?,
            owner_code: find("owner_code", &fm.owner_code, false)?,
            terrace_type: find("terrace_type", &fm.terrace_type, false)?,
            recorded_grade: find("recorded_grade", &fm.recorded_grade, false)?,
            official_area: find("official_area", &fm.official_area, false)?,
        })
    }
}

/// A column by name (case-insensitive); a required one that is missing is an error
/// with the nearest name and the list of columns.
fn find_field(
    fields: &[FieldSpec],
    key: &str,
    name: &str,
    required: bool,
    path: &Path,
    layer: &str,
) -> Result<Option<usize>> {
    if let Some(i) = fields.iter().position(|f| f.name.eq_ignore_ascii_case(name)) {
        return Ok(Some(i));
    }
    if !required || name.is_empty() {
        return Ok(None);
    }
    let hint = crate::settings::suggest(name, fields.iter().map(|f| f.name.as_str()))
        .map(|s| format!("; did you mean {s:?}?"))
        .unwrap_or_default();
    let all: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    Err(Error::input(
        path,
        format!(
            "layer {layer}: field {name:?} (fields.{key}) not found{hint}; fields: {}",
            all.join(", ")
        ),
    ))
}
