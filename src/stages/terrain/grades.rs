//! The slope grades as users see them: colours, names, and the grade raster's colour
//! table so QGIS and ArcGIS show it styled with no work by hand.

use std::ffi::CString;
use std::path::Path;

use crate::error::{Error, Result};
use crate::settings::Language;

/// Grade colours, green (flat) to red (steep).
pub const GRADE_COLOURS: [(u8, [i16; 3]); 5] = [
    (1, [26, 150, 65]),
    (2, [166, 217, 106]),
    (3, [255, 255, 191]),
    (4, [253, 174, 97]),
    (5, [215, 25, 28]),
];

/// The grades' ordinal names as 三调 writes them (坡度级别 一级…五级).
const ORDINALS_ZH: [&str; 5] = ["一级", "二级", "三级", "四级", "五级"];

/// The slope range of each grade: `≤2°`, `2–6°`, …, `>25°`.
pub fn grade_ranges(breaks: &[f64; 4]) -> [String; 5] {
    [
        format!("≤{}°", breaks[0]),
        format!("{}–{}°", breaks[0], breaks[1]),
        format!("{}–{}°", breaks[1], breaks[2]),
        format!("{}–{}°", breaks[2], breaks[3]),
        format!(">{}°", breaks[3]),
    ]
}

/// A grade's name with its range: `一级（≤2°）` or `grade 1 (≤2°)`; grade 0 is a
/// parcel or cell without slope data.
pub fn grade_label(grade: u8, breaks: &[f64; 4], lang: Language) -> String {
    let ranges = grade_ranges(breaks);
    match (grade, lang) {
        (1..=5, Language::Zh) => format!("{}（{}）", ORDINALS_ZH[grade as usize - 1], ranges[grade as usize - 1]),
        (1..=5, Language::En) => format!("grade {grade} ({})", ranges[grade as usize - 1]),
        _ => lang.pick("无坡度数据", "no slope data").to_string(),
    }
}

/// The labels of grades 1–5.
pub fn grade_labels(breaks: &[f64; 4], lang: Language) -> [String; 5] {
    [1, 2, 3, 4, 5].map(|g| grade_label(g, breaks, lang))
}

/// Colour table (nodata and the five grades: six entries) and category names of the
/// grade raster, written once the raster is closed. A GeoTIFF's own palette always has
/// 256 entries (2^8), which QGIS lists as 250 black classes, so the table goes into
/// the GDAL side-car (`.aux.xml`, beside the category names) instead; the raster keeps
/// plain grey photometry, and GDAL, QGIS and ArcGIS read the table from the side-car.
pub fn style_grade_raster(path: &Path, breaks: &[f64; 4], lang: Language) -> Result<()> {
    let ds = gdal::Dataset::open(path).map_err(|e| Error::output_from(path, "cannot reopen to style it", e))?;
    set_table_and_names(&ds, path, breaks, lang)?;
    // Closing writes the side-car.
    ds.close().map_err(|e| Error::output(path, e))
}

fn set_table_and_names(ds: &gdal::Dataset, path: &Path, breaks: &[f64; 4], lang: Language) -> Result<()> {
    let band = ds.rasterband(1).map_err(|e| Error::output(path, e))?;
    let mut names: Vec<CString> = vec![CString::new(lang.pick("无数据", "no data")).unwrap_or_default()];
    names.extend(grade_labels(breaks, lang).iter().map(|l| CString::new(l.as_str()).unwrap_or_default()));
    let mut ptrs: Vec<*mut std::os::raw::c_char> = names.iter().map(|c| c.as_ptr() as *mut _).collect();
    ptrs.push(std::ptr::null_mut());
    // SAFETY: the band handle lives as long as `band`; GDAL copies the table and the names.
    let failed = unsafe {
        let h = band.c_rasterband();
        let table = gdal_sys::GDALCreateColorTable(gdal_sys::GDALPaletteInterp::GPI_RGB);
        let clear = gdal_sys::GDALColorEntry { c1: 0, c2: 0, c3: 0, c4: 0 };
        gdal_sys::GDALSetColorEntry(table, 0, &clear);
        for (code, [r, g, b]) in GRADE_COLOURS {
            let e = gdal_sys::GDALColorEntry { c1: r, c2: g, c3: b, c4: 255 };
            gdal_sys::GDALSetColorEntry(table, code as i32, &e);
        }
        let rc = gdal_sys::GDALSetRasterColorTable(h, table);
        gdal_sys::GDALDestroyColorTable(table);
        let names_rc = gdal_sys::GDALSetRasterCategoryNames(h, ptrs.as_mut_ptr());
        gdal_sys::GDALSetRasterColorInterpretation(h, gdal_sys::GDALColorInterp::GCI_PaletteIndex);
        rc != gdal_sys::CPLErr::CE_None || names_rc != gdal_sys::CPLErr::CE_None
    };
    if failed {
        return Err(Error::output(path, "cannot set the colour table"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        let b = [2.0, 6.0, 15.0, 25.0];
        assert_eq!(grade_label(1, &b, Language::Zh), "一级（≤2°）");
        assert_eq!(grade_label(5, &b, Language::Zh), "五级（>25°）");
        assert_eq!(grade_label(3, &b, Language::En), "grade 3 (6–15°)");
        assert_eq!(grade_label(0, &b, Language::Zh), "无坡度数据");
    }

    #[test]
    fn the_colour_table_has_six_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.tif");
        let grid = crate::raster::Grid {
            cols: 4,
            rows: 3,
            transform: [0.0, 1.0, 0.0, 3.0, 0.0, -1.0],
            crs_wkt: String::new(),
            geographic: false,
            ellipsoid: (6378137.0, 6356752.3),
            nodata: Some(0.0),
        };
        let ds = crate::raster::create_geotiff::<u8>(&path, &grid, Some(0.0), &[]).unwrap();
        ds.close().unwrap();
        style_grade_raster(&path, &[2.0, 6.0, 15.0, 25.0], Language::Zh).unwrap();
        let ds = gdal::Dataset::open(&path).unwrap();
        let band = ds.rasterband(1).unwrap();
        let table = band.color_table().unwrap();
        assert_eq!(table.entry_count(), 6);
        assert_eq!(table.entry_as_rgb(5).map(|c| (c.r, c.g, c.b)), Some((215, 25, 28)));
    }
}
