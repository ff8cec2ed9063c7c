//! A layer CRS's row in gpkg_spatial_ref_sys, chosen as GDAL 3.6 chooses it
//! (`GDALGeoPackageDataset::GetSrsId`): an authority code is the srs_id when it is free
//! (EPSG:4544 is srs_id 4544, organization EPSG), a CRS without one gets the next id from
//! 100000 with organization NONE; the definition is the CRS as WKT1 (GDAL flavour).

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use rusqlite::{params, Connection, OptionalExtension};

/// Why a CRS could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum SrsError {
    #[error("the CRS cannot be read: {0}")]
    Crs(#[from] gdal::errors::GdalError),
    #[error("the CRS has no WKT1 form (a 3-D geographic CRS needs the gpkg_crs_wkt extension, not written here)")]
    NoWkt1,
    #[error("gpkg_spatial_ref_sys: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// First srs_id GDAL gives a CRS that cannot use its authority code, clear of EPSG codes.
const FIRST_LOCAL_SRS_ID: i32 = 100_000;

/// The srs_id of the CRS `wkt`, adding its row when no row describes it yet.
pub fn srs_id(conn: &Connection, wkt: &str) -> Result<i32, SrsError> {
    let srs = with_epsg_identified(SpatialRef::from_wkt(wkt)?);
    let mut authority = authority_of(&srs);
    if let Some((name, code)) = &authority {
        match registered_under(conn, name, *code)? {
            Some((id, stored)) if same_crs(&srs, &stored) => return Ok(id),
            Some(_) => {
                tracing::warn!(authority = %name, code, "CRS differs from the registered one with its code; registered as a new entry");
                authority = None;
            }
            None => {}
        }
    }
    if srs.is_geographic() && srs.axes_count() == 3 {
        return Err(SrsError::NoWkt1);
    }
    let definition = srs.to_wkt()?;
    let known = conn
        .query_row("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE definition = ?1", [&definition], |r| r.get(0))
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    if matches!(&authority, Some((name, code)) if name.eq_ignore_ascii_case("EPSG") && !matches_official_epsg(&srs, *code)) {
        tracing::warn!("CRS uses an EPSG code but differs from its official definition; registered as a non-EPSG entry");
        authority = None;
    }
    insert(conn, &srs, authority, &definition)
}

/// Adds the row: the authority code as srs_id when no row uses it, else the next local id.
fn insert(conn: &Connection, srs: &SpatialRef, authority: Option<(String, i32)>, definition: &str) -> Result<i32, SrsError> {
    let authority = authority.filter(|(_, code)| *code > 0);
    let code_free = match &authority {
        Some((_, code)) => conn.query_row("SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = ?1", [code], |r| r.get::<_, i64>(0))? == 0,
        None => false,
    };
    let id = match (&authority, code_free) {
        (Some((_, code)), true) => *code,
        _ => {
            let max: Option<i32> = conn.query_row("SELECT max(srs_id) FROM gpkg_spatial_ref_sys", [], |r| r.get(0))?;
            FIRST_LOCAL_SRS_ID.max(max.unwrap_or(0) + 1)
        }
    };
    let (organization, coordsys_id) = match authority {
        Some((name, code)) => (name.to_uppercase(), code),
        None => ("NONE".to_string(), id),
    };
    let name = srs.name().unwrap_or_else(|| "Unnamed SRS".to_string());
    conn.execute(
        "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, id, organization, coordsys_id, definition],
    )?;
    Ok(id)
}

/// A CRS without an authority is given its EPSG code when GDAL can identify one, and
/// then the official definition of that code (as GDAL does, so the row is the clean one).
fn with_epsg_identified(mut srs: SpatialRef) -> SpatialRef {
    if srs.auth_name().is_some_and(|n| !n.is_empty()) {
        return srs;
    }
    // A CRS that cannot be identified stays as it is.
    let _ = srs.auto_identify_epsg();
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) if name.eq_ignore_ascii_case("EPSG") => u32::try_from(code)
            .ok()
            .and_then(|c| SpatialRef::from_epsg(c).ok())
            .unwrap_or(srs),
        _ => srs,
    }
}

/// The CRS's authority and integer code (GDAL registers a non-integer code as no authority).
fn authority_of(srs: &SpatialRef) -> Option<(String, i32)> {
    let name = srs.auth_name().filter(|n| !n.is_empty())?;
    srs.auth_code().ok().map(|code| (name, code))
}

/// The row already registered for authority `name` and `code`, with its CRS as GDAL would
/// read it back (from the EPSG database when the row is the official one).
fn registered_under(conn: &Connection, name: &str, code: i32) -> Result<Option<(i32, SpatialRef)>, SrsError> {
    let row: Option<(i32, String, String)> = conn
        .query_row(
            "SELECT srs_id, organization, definition FROM gpkg_spatial_ref_sys WHERE upper(organization) = upper(?1) AND organization_coordsys_id = ?2",
            params![name, code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, organization, definition)) = row else { return Ok(None) };
    let official = (organization.eq_ignore_ascii_case("EPSG") && code == id)
        .then(|| u32::try_from(code).ok().and_then(|c| SpatialRef::from_epsg(c).ok()))
        .flatten();
    let stored = match official {
        Some(srs) => srs,
        None => SpatialRef::from_wkt(&definition)?,
    };
    Ok(Some((id, stored)))
}

/// Whether the official EPSG definition of `code` is this CRS (true when GDAL cannot
/// read that code: then nothing contradicts it).
fn matches_official_epsg(srs: &SpatialRef, code: i32) -> bool {
    match u32::try_from(code).ok().and_then(|c| SpatialRef::from_epsg(c).ok()) {
        Some(official) => same_crs(srs, &official),
        None => true,
    }
}

/// OGR's IsSame ignoring the data-axis mapping (as GDAL compares here): both are given
/// the same mapping first.
fn same_crs(a: &SpatialRef, b: &SpatialRef) -> bool {
    let with_gis_order = |s: &SpatialRef| {
        let mut s = s.clone();
        s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        s
    };
    with_gis_order(a) == with_gis_order(b)
}
