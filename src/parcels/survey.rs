//! Reading a second survey beside the first (the previous year's 地类图斑): the same
//! reading, field map and encoding rules, into the first one's working CRS; two layers
//! in different CRSs are an error naming both, before anything is read.

use std::path::Path;

use super::{read_parcels, work_crs_of, Parcels, ReadOptions};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::gdal_util::{crs_from_wkt, same_crs};
use crate::settings::{FieldMap, Inputs};
use crate::vector::crs::WorkCrs;

/// One survey layer: its file and layer name (empty: its only polygon layer).
#[derive(Debug, Clone, Copy)]
pub struct Survey<'a> {
    pub path: &'a Path,
    pub layer: &'a str,
}

/// `base` with another parcel layer.
pub fn inputs_of(base: &Inputs, s: Survey) -> Inputs {
    Inputs { parcels: s.path.to_path_buf(), parcels_layer: s.layer.to_string(), ..base.clone() }
}

/// The working CRS of the earlier survey, checked to be the later one's (only the
/// layers are opened). An input error naming the later file and both CRSs otherwise.
pub fn check_same_crs(old: &Inputs, new: &Inputs) -> Result<WorkCrs> {
    let (old_crs, new_crs) = (work_crs_of(old)?, work_crs_of(new)?);
    let same = match (crs_from_wkt(&old_crs.wkt), crs_from_wkt(&new_crs.wkt)) {
        (Ok(a), Ok(b)) => same_crs(&a, &b),
        _ => old_crs.wkt == new_crs.wkt,
    };
    if same {
        return Ok(old_crs);
    }
    Err(Error::input(
        &new.parcels,
        format!(
            "the later survey is in {} and the earlier one ({}) in {}: the two surveys must be in the same CRS to be overlaid; reproject one of them (ogr2ogr -t_srs)",
            new_crs.name,
            old.parcels.display(),
            old_crs.name
        ),
    ))
}

/// Reads a survey into the working CRS `work_wkt`.
pub fn read_into(inputs: &Inputs, work_wkt: &str, fields: &FieldMap, cancel: &CancelToken) -> Result<Parcels> {
    let inputs = Inputs { work_crs: Some(work_wkt.to_string()), ..inputs.clone() };
    read_parcels(&ReadOptions { inputs: &inputs, fields, cancel })
}

/// Reads the earlier and the later survey, the later in the earlier one's working CRS.
/// Fails (naming the files and CRSs) when their layers are in different CRSs.
pub fn read_pair(base: &Inputs, fields: &FieldMap, old: Survey, new: Survey, cancel: &CancelToken) -> Result<(Parcels, Parcels)> {
    let (old_inputs, new_inputs) = (inputs_of(base, old), inputs_of(base, new));
    let work = check_same_crs(&old_inputs, &new_inputs)?;
    let (old_parcels, new_parcels) = rayon::join(
        || read_parcels(&ReadOptions { inputs: &old_inputs, fields, cancel }),
        || read_into(&new_inputs, &work.wkt, fields, cancel),
    );
    Ok((old_parcels?, new_parcels?))
}
