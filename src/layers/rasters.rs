//! The raster results (slope and slope grades) as map layers: their files, titles and
//! styles. Their QML goes into `.qml` side-cars beside the rasters (QGIS loads
//! `slope_grade.qml` with `slope_grade.tif`) and into the QGIS project.

use super::style::{RasterClass, RasterStyle};
use super::Title;
use crate::settings::Settings;
use crate::stages::terrain::{grade_label, GRADE_COLOURS};

/// One raster output as a map layer.
#[derive(Debug, Clone)]
pub struct RasterLayer {
    /// Short ASCII id (the project refers to the layer by it).
    pub id: &'static str,
    pub title: Title,
    /// The raster file's name in the result set.
    pub file: String,
    pub style: RasterStyle,
}

impl RasterLayer {
    /// The style side-car's name: `slope_grade.tif` → `slope_grade.qml`.
    pub fn qml_file(&self) -> String {
        qml_name(&self.file)
    }
}

/// QGIS's side-car name for a raster: its name with the extension replaced by `.qml`.
pub fn qml_name(file: &str) -> String {
    let stem = std::path::Path::new(file).file_stem().map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    format!("{stem}.qml")
}

/// The grade raster first (it is the one drawn), then the slope raster.
pub fn raster_layers(s: &Settings) -> Vec<RasterLayer> {
    vec![
        RasterLayer {
            id: "slope_grade",
            title: Title { zh: "坡度分级", en: "slope grades", description: "national slope grades 1–5" },
            file: s.output.slope_grade.clone(),
            style: grade_style(s),
        },
        RasterLayer {
            id: "slope_degrees",
            title: Title { zh: "坡度", en: "slope", description: "slope in degrees" },
            file: s.output.slope.clone(),
            style: slope_style(s),
        },
    ]
}

/// The five grades, named; the nodata value 0 is not a class (it stays transparent and
/// out of the legend).
fn grade_style(s: &Settings) -> RasterStyle {
    let (breaks, lang) = (&s.terrain.grade_breaks, s.output.language);
    let classes = GRADE_COLOURS
        .iter()
        .map(|(code, rgb)| RasterClass { value: f64::from(*code), rgb: *rgb, label: grade_label(*code, breaks, lang) })
        .collect();
    RasterStyle::Paletted(classes)
}

/// Green at 0° through the grade colours at the grade breaks to dark red at 45° and
/// above (past the steepest break, where reforestation candidates lie).
fn slope_style(s: &Settings) -> RasterStyle {
    let b = s.terrain.grade_breaks;
    let top = 45f64.max(b[3] + 10.0);
    let mut stops = vec![(0.0, GRADE_COLOURS[0].1)];
    stops.extend((0..4).map(|k| (b[k], GRADE_COLOURS[k + 1].1)));
    stops.push((top, [103, 0, 13]));
    let last = stops.len() - 1;
    let classes = stops
        .into_iter()
        .enumerate()
        .map(|(k, (value, rgb))| {
            let label = if k == last { format!("≥{value}°") } else { format!("{value}°") };
            RasterClass { value, rgb, label }
        })
        .collect();
    RasterStyle::Ramp(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_car_names_and_classes() {
        assert_eq!(qml_name("slope_grade.tif"), "slope_grade.qml");
        assert_eq!(qml_name("dem.slope.tif"), "dem.slope.qml");
        let layers = raster_layers(&Settings::default());
        let RasterStyle::Paletted(grades) = &layers[0].style else { panic!("grades are paletted") };
        assert_eq!(grades.len(), 5);
        assert_eq!(grades[0].label, "一级（≤2°）");
        let RasterStyle::Ramp(stops) = &layers[1].style else { panic!("slope is a ramp") };
        let values: Vec<f64> = stops.iter().map(|s| s.value).collect();
        assert_eq!(values, [0.0, 2.0, 6.0, 15.0, 25.0, 45.0]);
        assert_eq!(stops[5].label, "≥45°");
    }
}
