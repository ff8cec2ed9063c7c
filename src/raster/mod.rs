//! Rasters: the DEM mosaic, its grid as plain data, and GeoTIFF I/O.

pub mod dem;
pub mod geotiff;
pub mod grid;
pub mod vrt;

pub use dem::{expand_dem_paths, open_dem, open_dem_band, Dem};
pub use geotiff::{written_by_landcons, 
    create_geotiff, f32_is_exact, merge_creation_options, open_raster_for_reading, read_error, read_rows,
    read_window_f32, set_gdal_cache, write_rows, GRADE_OPTIONS, GTIFF_OPTIONS, SLOPE_OPTIONS,
};
pub use grid::{Grid, Window};
