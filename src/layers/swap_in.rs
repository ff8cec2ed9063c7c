//! `swap_in` (耕地补充): flat garden and forest land next to staying cropland chosen to
//! balance the cropland that leaves (进出平衡), with why it ranked where it did.

use crate::stages::swap::SwapPlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::settings::Rule;
use crate::stages::swap::SwapRole;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct SwapIn;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

/// This layer's columns, after (or among) the parcel's.
const OWN: &[Field] = &[
    Field::new("shared_cropland_m", Real, "与保留耕地共边长", "m"),
    Field::new("rank_reason", Text, "入选次序理由", ""),
    Field::new("serves", Text, "平衡单元", ""),
    Field::coded("covered_by", Text, "平衡方式", "", Values::CoveredBy),
];

impl Layer for SwapIn {
    fn name(&self) -> &'static str {
        "swap_in"
    }

    fn title(&self) -> Title {
        Title { zh: "林耕置换·耕地补充", en: "swap: cropland in", description: "flat garden/forest land chosen to balance the cropland out (进出平衡: in)" }
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

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.extend_from_slice(OWN);
        fields.extend(super::constraint_fields(d, Rule::SwapIn));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let roles = d.get::<SwapPlan>().map(|s| s.roles.as_slice()).unwrap_or(&[]);
        (0..roles.len()).filter(|&i| roles[i] == SwapRole::In).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let plan = d.need::<SwapPlan>();
        parcel_columns::push(COLUMNS, d, i, out);
        let shared = plan.shared_with_cropland[i];
        out.push(AttrValue::Real(round(shared, 2)));
        let first = if plan.priority[i] { "可调整地类/原耕地优先; " } else { "" };
        let s = &d.slope[i];
        out.push(AttrValue::text(format!("{first}坡度{}级; 与保留耕地共边{shared:.1}米; 面积{:.2}亩", s.grade, crate::units::mu(s.area_m2))));
        let (unit, how) = plan.serves[i].as_ref().map(|(u, h)| (u.as_str(), h.name())).unwrap_or(("", ""));
        out.extend([AttrValue::text(unit), AttrValue::text(how)]);
        out.extend(super::constraint_values(d, Rule::SwapIn, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("254,224,139,220", "140,81,10,255", 0.4)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("swap_in", "swap: cropland in", "parcels"))
    }
}
