//! The slope grades as users see them: colours, names, and the grade raster's colour
//! table so QGIS shows it styled with no work by hand.

use std::ffi::CString;
use std::path::Path;

use crate::error::{Error, Result};

/// Grade colours, green (flat) to red (steep).
pub const GRADE_COLOURS: [(u8, [i16; 3]); 5] = [
    (1, [26, 150, 65]),
    (2, [166, 217, 106]),
    (3, [255, 255, 191]),
    (4, [253, 174, 97]),
    (5, [215, 25, 28]),
];

pub fn grade_labels(breaks: &[f64; 4]) -> [String; 5] {
    [
        format!("1: ≤{}°", breaks[0]),
        format!("2: {}–{}°", breaks[0], breaks[1]),
        format!("3: {}–{}°", breaks[1], breaks[2]),
        format!("4: {}–{}°", breaks[2], breaks[3]),
        format!("5: >{}°", breaks[3]),
    ]
}

/// Colour table and category names on band 1 of the grade raster.
pub fn style_grade_band(ds: &gdal::Dataset, path: &Path, breaks: &[f64; 4]) -> Result<()> {
    let band = ds.rasterband(1).map_err(|e| Error::output(path, e))?;
    let labels = grade_labels(breaks);
    let mut names: Vec<CString> = vec![CString::new("no data").unwrap_or_default()];
    names.extend(labels.iter().map(|l| CString::new(l.as_str()).unwrap_or_default()));
    let mut ptrs: Vec<*mut std::os::raw::c_char> = names.iter().map(|c| c.as_ptr() as *mut _).collect();
    ptrs.push(std::ptr::null_mut());
    // SAFETY: the band handle lives as long as `band`; GDAL copies the table and the names.
    unsafe {
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
        if rc != gdal_sys::CPLErr::CE_None {
            return Err(Error::output(path, "cannot set the colour table"));
        }
        gdal_sys::GDALSetRasterCategoryNames(h, ptrs.as_mut_ptr());
        gdal_sys::GDALSetRasterColorInterpretation(h, gdal_sys::GDALColorInterp::GCI_PaletteIndex);
    }
    Ok(())
}
