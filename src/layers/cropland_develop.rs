//! `cropland_develop` (未利用地开发图斑): unused land (耕地后备资源: 其他草地, 盐碱地, 裸土地)
//! developed into cropland, with its boundary beside staying cropland and the reason.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title};
use crate::settings::Rule;
use crate::stages::develop::DevelopPlan;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct CroplandDevelop;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

impl Layer for CroplandDevelop {
    fn name(&self) -> &'static str {
        "cropland_develop"
    }

    fn title(&self) -> Title {
        Title { zh: "未利用地开发图斑", en: "unused land developed", description: "耕地后备资源 (grass, saline and bare land) developed into cropland" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.develop.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<DevelopPlan>()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.push(Field::new("shared_cropland_m", Real, "与保留耕地共边长", "m"));
        fields.push(Field::new("reason", Text, "开发理由", ""));
        fields.extend(super::constraint_fields(d, Rule::Develop));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let chosen = d.get::<DevelopPlan>().map_or(&[][..], |p| p.chosen.as_slice());
        (0..chosen.len()).filter(|&i| chosen[i]).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let p = d.need::<DevelopPlan>();
        parcel_columns::push(COLUMNS, d, i, out);
        out.extend([AttrValue::Real(round(p.shared_with_cropland[i], 2)), AttrValue::text(p.reasons[i].as_str())]);
        out.extend(super::constraint_values(d, Rule::Develop, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("217,240,163,220", "102,102,0,255", 0.4)))
    }
}
