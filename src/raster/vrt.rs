//! A VRT on a whole grid made of tiles placed at their cells: how a sharded job's slope
//! tiles read as one raster (cells no tile covers are nodata). Tiles are named relative
//! to the VRT, so the folder can move.

use std::path::Path;

use super::Grid;
use crate::error::{Error, Result};

/// A tile of the mosaic: its file (relative to the VRT) and its first column and row
/// and size in the grid.
pub struct Tile<'a> {
    pub file: &'a str,
    pub col0: usize,
    pub row0: usize,
    pub cols: usize,
    pub rows: usize,
}

/// Writes the VRT at `path`: `grid`'s size, transform and CRS, one band of `data_type`
/// ("Float32", "Byte") with `nodata`, the tiles in order (later ones over earlier ones).
pub fn write_mosaic(path: &Path, grid: &Grid, data_type: &str, nodata: f64, tiles: &[Tile]) -> Result<()> {
    let t = grid.transform;
    let mut xml = format!("<VRTDataset rasterXSize=\"{}\" rasterYSize=\"{}\">\n", grid.cols, grid.rows);
    if !grid.crs_wkt.is_empty() {
        xml.push_str(&format!("  <SRS>{}</SRS>\n", escape(&grid.crs_wkt)));
    }
    // Rust prints the shortest decimal that reads back as the same double.
    xml.push_str(&format!("  <GeoTransform>{}, {}, {}, {}, {}, {}</GeoTransform>\n", t[0], t[1], t[2], t[3], t[4], t[5]));
    xml.push_str(&format!("  <VRTRasterBand dataType=\"{data_type}\" band=\"1\">\n    <NoDataValue>{nodata}</NoDataValue>\n"));
    for tile in tiles {
        xml.push_str(&format!(
            "    <SimpleSource>\n      <SourceFilename relativeToVRT=\"1\">{}</SourceFilename>\n      <SourceBand>1</SourceBand>\n      <SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{c}\" ySize=\"{r}\"/>\n      <DstRect xOff=\"{x}\" yOff=\"{y}\" xSize=\"{c}\" ySize=\"{r}\"/>\n    </SimpleSource>\n",
            escape(tile.file),
            c = tile.cols,
            r = tile.rows,
            x = tile.col0,
            y = tile.row0
        ));
    }
    xml.push_str("  </VRTRasterBand>\n</VRTDataset>\n");
    std::fs::write(path, xml).map_err(|e| Error::output_from(path, "cannot write the VRT", e))
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}
