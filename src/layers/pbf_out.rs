//! `pbf_out` (永久基本农田调出): permanent basic farmland going out, with the reasons.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{ChangeSpec, Field, Layer, RunData, Title};
use crate::stages::pbf::{PbfPlan, PbfStatus};
use crate::table::{AttrValue, FieldKind::*};

pub struct PbfOut;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

impl Layer for PbfOut {
    fn name(&self) -> &'static str {
        "pbf_out"
    }

    fn title(&self) -> Title {
        Title { zh: "永久基本农田调出", en: "basic farmland out", description: "permanent basic farmland going out (调出), with the reasons" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        crate::stages::rule::enabled(d.settings).any(|r| r.name() == "pbf")
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<PbfPlan>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.push(Field::new("reason", Text, "调出理由", ""));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let status = d.get::<PbfPlan>().map_or(&[][..], |p| p.status.as_slice());
        (0..status.len()).filter(|&i| status[i] == PbfStatus::Out).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::text(d.need::<PbfPlan>().reasons[i].as_str()));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("253,174,97,190", "166,54,3,255", 0.4)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("pbf_out", "basic farmland out", "parcels"))
    }
}
