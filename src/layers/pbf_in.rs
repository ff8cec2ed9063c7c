//! `pbf_in` (永久基本农田调入): cropland coming into permanent basic farmland, and why it
//! may (高标准农田, or next to the farmland that stays).

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{ChangeSpec, Field, Layer, RunData, Title};
use crate::stages::pbf::{PbfPlan, PbfStatus};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct PbfIn;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

impl Layer for PbfIn {
    fn name(&self) -> &'static str {
        "pbf_in"
    }

    fn title(&self) -> Title {
        Title { zh: "永久基本农田调入", en: "basic farmland in", description: "cropland coming into permanent basic farmland (调入)" }
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
        fields.push(Field::new("basis", Text, "调入依据", ""));
        fields.push(Field::new("shared_pbf_m", Real, "与保留永久基本农田共边长", "m"));
        fields.push(Field::new("quality", Real, "耕地质量等别", ""));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let status = d.get::<PbfPlan>().map_or(&[][..], |p| p.status.as_slice());
        (0..status.len()).filter(|&i| status[i] == PbfStatus::In).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let plan = d.need::<PbfPlan>();
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::text(plan.basis[i]));
        out.push(AttrValue::Real(round(plan.shared_with_pbf[i], 2)));
        out.push(plan.quality[i].map_or(AttrValue::Null, AttrValue::Real));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("102,189,99,190", "0,104,55,255", 0.4)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("pbf_in", "basic farmland in", "parcels"))
    }
}
