//! `ecological_restoration` (生态修复图斑): construction inside the ecological red line going
//! back to forest, grassland or wetland — the natural class its neighbours hold the longest
//! boundary with.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::stages::eco_restoration::EcoRestoration;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct EcologicalRestoration;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade];

/// The target classes.
const CLASSES: &[(&str, &str, &str)] = &[("forest", "林地", "forest"), ("grassland", "草地", "grassland"), ("wetland", "湿地", "wetland")];

impl Layer for EcologicalRestoration {
    fn name(&self) -> &'static str {
        "ecological_restoration"
    }

    fn title(&self) -> Title {
        Title { zh: "生态修复图斑", en: "ecological restoration", description: "construction inside the ecological red line restored to forest, grassland or wetland" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.reclamation.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<EcoRestoration>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.extend([
            Field::new("red_line_share", Real, "生态保护红线内占比", ""),
            Field::new("forest_m", Real, "与林地共边长", "m"),
            Field::new("grassland_m", Real, "与草地共边长", "m"),
            Field::new("wetland_m", Real, "与湿地共边长", "m"),
            Field::coded("target_class", Text, "修复方向", "", Values::Codes(CLASSES)),
        ]);
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let target = d.get::<EcoRestoration>().map_or(&[][..], |p| p.target.as_slice());
        (0..target.len()).filter(|&i| target[i].is_some()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let p = d.need::<EcoRestoration>();
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::Real(round(p.red_line_share[i], 6)));
        out.extend(p.boundary[i].map(|m| AttrValue::Real(round(m, 2))));
        out.push(AttrValue::text(p.target[i].unwrap_or_default()));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let fill = |rgba: &str| Fill::new(rgba, "0,68,27,255", 0.4);
        Some(Style::categorized(
            "target_class",
            vec![
                ("forest".into(), lang.pick("修复为林地", "to forest").into(), fill("35,139,69,220")),
                ("grassland".into(), lang.pick("修复为草地", "to grassland").into(), fill("161,217,155,220")),
                ("wetland".into(), lang.pick("修复为湿地", "to wetland").into(), fill("107,174,214,220")),
            ],
        ))
    }
}
