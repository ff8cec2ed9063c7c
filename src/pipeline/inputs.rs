//! The run's inputs: opened and checked before anything is written, so a bad input
//! leaves the output folder alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::output::hash::content_hash;
use crate::parcels::{read_parcels, Parcels, ReadOptions};
use crate::raster::{self, Dem};
use crate::stages::zonal::window_too_large;
use crate::stages::zones::Zone;
use crate::vector;

/// Opens the DEM (as one mosaic) and reads the zone layers into its CRS.
pub fn open_dem_and_zones(ctx: &RunContext) -> Result<(Dem, Vec<Zone>)> {
    let inputs = &ctx.settings.inputs;
    let dem = raster::open_dem(&inputs.dem, inputs.dem_nodata, inputs.dem_crs.as_deref())?;
    let zones = ctx
        .settings
        .reforestation
        .zones
        .iter()
        .map(|z| {
            let setting = format!("reforestation.zones ({}).crs", z.name);
            vector::read_polygons(&z.path, &z.layer, z.crs.as_deref(), &setting, &dem.grid.crs_wkt)
                .map(|p| Zone::new(z, p))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((dem, zones))
}

/// Reads the parcel layer into `crs_wkt`.
pub fn parcels(ctx: &RunContext, crs_wkt: &str) -> Result<Parcels> {
    read_parcels(&ReadOptions {
        inputs: &ctx.settings.inputs,
        fields: &ctx.settings.fields,
        target_crs_wkt: crs_wkt,
        cancel: &ctx.cancel,
    })
}

/// Parcels entirely off the DEM are a configuration mistake (wrong CRS, wrong file), and
/// a parcel far larger than the DEM has stray coordinates: both are refused before any
/// output is touched.
pub fn check_extents(dem: &Dem, parcels: &Parcels) -> Result<()> {
    let source = &parcels.source;
    for i in 0..parcels.len() {
        if let Some(message) = window_too_large(&parcels.geometry(i), &dem.grid) {
            return Err(Error::feature(&source.path, &source.layer_name, parcels.id(i), message));
        }
    }
    let d = dem.grid.extent();
    let Some(p) = parcels.extent() else { return Ok(()) };
    if p[0] < d[2] && p[2] > d[0] && p[1] < d[3] && p[3] > d[1] {
        return Ok(());
    }
    Err(Error::input(
        &source.path,
        format!(
            "the parcels do not overlap the DEM at all: parcels extent [{:.3}, {:.3}, {:.3}, {:.3}], DEM extent [{:.3}, {:.3}, {:.3}, {:.3}] (in the DEM's CRS); check the CRS of both",
            p[0], p[1], p[2], p[3], d[0], d[1], d[2], d[3]
        ),
    ))
}

/// SHA-256 of every input file (shapefiles with their sidecars), keyed by path.
pub fn input_hashes(ctx: &RunContext, dem_files: &[PathBuf]) -> BTreeMap<String, Option<String>> {
    let s = &ctx.settings;
    let mut files: Vec<&PathBuf> = dem_files.iter().collect();
    files.push(&s.inputs.parcels);
    files.extend(s.reforestation.zones.iter().map(|z| &z.path));
    files
        .into_iter()
        .map(|f| (f.display().to_string(), content_hash(f).ok()))
        .collect()
}
