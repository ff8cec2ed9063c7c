//! `swap_out` (耕地流出): cropland leaving steep land for forest, balanced by `swap_in`.

use crate::stages::swap::SwapPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{ChangeSpec, Field, Layer, RunData, Title};
use crate::stages::swap::SwapRole;
use crate::table::AttrValue;

pub struct SwapOut;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

impl Layer for SwapOut {
    fn name(&self) -> &'static str {
        "swap_out"
    }

    fn title(&self) -> Title {
        Title { zh: "林耕置换·耕地流出", en: "swap: cropland out", description: "steep cropland leaving for forest (进出平衡: out)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.swap.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<SwapPlan>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        parcel_columns::fields(COLUMNS)
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let roles = d.get::<SwapPlan>().map(|s| s.roles.as_slice()).unwrap_or(&[]);
        (0..roles.len()).filter(|&i| roles[i] == SwapRole::Out).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        parcel_columns::push(COLUMNS, d, i, out);
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("215,48,39,190", "103,0,13,255", 0.4)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("swap_out", "swap: cropland out", "parcels"))
    }
}
