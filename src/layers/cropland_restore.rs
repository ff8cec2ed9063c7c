//! `cropland_restore` (复耕图斑): restorable land going back to cropland — 可调整地类 and
//! parcels the survey marks 即可恢复 or 工程恢复 — with the phase and the reason.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Rule;
use crate::stages::restore::{RestorePlan, PHASES};
use crate::table::{AttrValue, FieldKind::*};

pub struct CroplandRestore;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, AreaM2, AreaHa, AreaMu, Tbmj, Grade, SlopeMean];

impl Layer for CroplandRestore {
    fn name(&self) -> &'static str {
        "cropland_restore"
    }

    fn title(&self) -> Title {
        Title { zh: "复耕图斑", en: "restorable land", description: "可调整地类 and land marked 即可恢复/工程恢复 going back to cropland (复耕), by phase" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.restore.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<RestorePlan>()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.push(Field::coded("phase", Text, "恢复类型", "", Values::Codes(PHASES)));
        fields.push(Field::new("phase_no", Int, "实施时序", ""));
        fields.push(Field::new("reason", Text, "复耕理由", ""));
        fields.extend(super::constraint_fields(d, Rule::Restore));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        let phase = d.get::<RestorePlan>().map_or(&[][..], |p| p.phase.as_slice());
        (0..phase.len()).filter(|&i| phase[i].is_some()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let p = d.need::<RestorePlan>();
        parcel_columns::push(COLUMNS, d, i, out);
        let phase = p.phase[i].expect("a restored parcel");
        out.extend([AttrValue::text(phase.name()), AttrValue::Int(phase.number()), AttrValue::text(p.reasons[i].as_str())]);
        out.extend(super::constraint_values(d, Rule::Restore, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let fill = |rgba: &str| Fill::new(rgba, "115,70,20,255", 0.4);
        Some(Style::categorized(
            "phase",
            vec![
                ("immediate".into(), lang.pick("即可恢复", "restorable now").into(), fill("230,171,2,200")),
                ("engineering".into(), lang.pick("工程恢复", "restorable with works").into(), fill("166,118,29,200")),
            ],
        ))
    }
}
