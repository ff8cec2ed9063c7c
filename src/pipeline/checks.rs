//! The run's checks of its inputs: what stops it (no heights under any parcel) and what
//! only warrants a warning on stderr and in the manifest (void fill values read as
//! heights, overlapping parcels).

use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::raster::Dem;
use crate::stages::terrain::TerrainSummary;
use crate::stages::topology::Overlap;
use crate::stages::zonal::ParcelSlope;

/// Values that look like voids in a DEM without nodata: read as heights, they make
/// false cliffs. Said again on every run that uses these slope rasters.
pub fn warn_fill_values(ctx: &RunContext, dem: &Dem, summary: &TerrainSummary) {
    let files = dem.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    for f in &summary.fill_values {
        ctx.warn(
            "dem_fill_value",
            format!(
                "{files}: {} cells ({:.3}% of the DEM) hold {}, a typical void fill, and the DEM declares no nodata: they are read as heights (false cliffs and slopes). If they are voids, set inputs.dem_nodata = {}",
                f.cells,
                f.share * 100.0,
                f.value,
                f.value
            ),
        );
    }
}

/// What overlapping pairs were found, for the warning or the error; None when none.
pub fn overlaps_found(parcels: &Parcels, overlaps: &[Overlap], min_m2: f64) -> Option<String> {
    let o = overlaps.first()?;
    Some(format!(
        "{} overlapping parcel pairs (≥ {min_m2} m²), e.g. {} and {} ({}, {:.2} m²)",
        overlaps.len(),
        parcels.id(o.a),
        parcels.id(o.b),
        o.kind.name(),
        o.area_m2
    ))
}

/// A DEM with no heights under any parcel (all voids, a wrong nodata value, the wrong
/// tile) would give no figure at all: that is an error, not a result.
pub fn dem_under_parcels(dem: &Dem, parcels: &Parcels, slope: &[ParcelSlope]) -> Result<()> {
    if slope.is_empty() || slope.iter().any(|s| s.grade != 0) {
        return Ok(());
    }
    Err(Error::input(
        &dem.files[0],
        format!(
            "has no elevation under any of the {} parcels (every cell under them is nodata); check inputs.dem_nodata and that the DEM covers {}",
            parcels.len(),
            parcels.source.path.display()
        ),
    ))
}
