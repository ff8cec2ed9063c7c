//! `landcons synth`: a deterministic 三调-like sample region.

use crate::error::Result;
use crate::synth::{self, SynthOptions, SynthReport};

pub fn synth(opts: &SynthOptions) -> Result<SynthReport> {
    synth::generate(opts)
}

/// What `landcons synth` prints.
pub fn summary(r: &SynthReport) -> String {
    format!(
        "synth: {}×{} DEM ({:.2} km²), {} parcels in {} villages\n  {}\n  {}\n  {}\n",
        r.cols,
        r.rows,
        r.area_m2 / 1e6,
        r.parcels,
        r.villages,
        r.dem.display(),
        r.shapefile.display(),
        r.geopackage.display()
    )
}
