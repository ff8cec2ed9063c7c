//! `reforestation_candidates` (退耕还林候选): cropland above the steepest grade break.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{ChangeSpec, Field, Layer, RunData, Title};
use crate::settings::Rule;
use crate::table::{AttrValue, FieldKind::*};

pub struct ReforestationCandidates;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, SlopeMean];


impl Layer for ReforestationCandidates {
    fn name(&self) -> &'static str {
        "reforestation_candidates"
    }

    fn title(&self) -> Title {
        Title {
            zh: "退耕还林候选",
            en: "reforestation candidates",
            description: "cropland above the steepest grade break",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.push(Field::new("share_above_25", Real, "25°以上占比", ""));
        fields.extend([Grade.field(), GradeRecorded.field(), Field::new("reason", Text, "入选理由", "")]);
        fields.extend(super::constraint_fields(d, Rule::Reforestation));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.parcels.len()).filter(|&i| d.flags()[i].reforest).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        parcel_columns::push(COLUMNS, d, i, out);
        out.push(AttrValue::Real(d.slope[i].steep_share()));
        parcel_columns::push(&[Grade, GradeRecorded], d, i, out);
        out.push(AttrValue::text(d.flags()[i].reason.as_str()));
        out.extend(super::constraint_values(d, Rule::Reforestation, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("123,50,148,235", "20,0,30,255", 0.35)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec::parcels("reforestation", "reforestation candidates", "candidates"))
    }
}
