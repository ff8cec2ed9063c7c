//! `cropland_reserve` (补充耕地储备库): the land that supplies or could supply new cropland —
//! every planned source (`cropland_supply`) and the swap's reserve (eligible, not needed) —
//! one row per parcel and source, with its status; also `cropland_reserve.csv`.

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::supply::{ReserveItem, SOURCES};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{round, M2_PER_MU};

pub struct CroplandReserve;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, Tbmj, Grade];

/// Sources with the swap's reserve.
const KINDS: [(&str, &str, &str); 8] = [SOURCES[0], SOURCES[1], SOURCES[2], SOURCES[3], SOURCES[4], SOURCES[5], SOURCES[6], ("swap_reserve", "林耕置换储备", "swap reserve")];

/// Statuses.
const STATUS: &[(&str, &str, &str)] = &[("planned", "规划补充", "planned"), ("reserve", "储备", "in reserve")];

impl Layer for CroplandReserve {
    fn name(&self) -> &'static str {
        "cropland_reserve"
    }

    fn title(&self) -> Title {
        Title { zh: "补充耕地储备库", en: "cropland supply reserve", description: "planned new cropland by source and the swap's reserve" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<ReserveItem>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.extend([
            Field::coded("source", Text, "来源", "", Values::Codes(&KINDS)),
            Field::coded("status", Text, "状态", "", Values::Codes(STATUS)),
            Field::new("area_m2", Real, "补充耕地面积", "m²"),
            Field::new("area_mu", Real, "补充耕地面积", "亩"),
        ]);
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<ReserveItem>().map_or(0, <[ReserveItem]>::len)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<ReserveItem>>()[k];
        parcel_columns::push(COLUMNS, d, r.parcel, out);
        let m2 = r.cm2 as f64 / 100.0;
        out.extend([AttrValue::text(r.source), AttrValue::text(r.status), AttrValue::Real(m2), AttrValue::Real(round(m2 / M2_PER_MU, 2))]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("cropland_reserve.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("补充耕地储备库")
    }
}
