//! `project_parcels` (项目图斑清单): every member parcel of every project — the project,
//! the parcel, its side in an exchange (调入 / 调出), its official area and the new
//! cropland it brings the project — so each project's 规模, 调入, 调出 and 新增耕地 are the
//! sums of its rows here. Also `project_parcels.csv` (no workbook sheet: a county has
//! more rows than a sheet holds).

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::projects::{Projects, Side, KINDS};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct ProjectParcels;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, VillageCode, VillageName];

/// The value map of `side`.
const SIDES: [(&str, &str, &str); 2] = [("in", "调入", "in"), ("out", "调出", "out")];

impl Layer for ProjectParcels {
    fn name(&self) -> &'static str {
        "project_parcels"
    }

    fn title(&self) -> Title {
        Title { zh: "项目图斑清单", en: "project parcels", description: "every member parcel of every project, with its side, official area and new cropland" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.projects.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Projects>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = vec![Field::new("project_id", Text, "项目编号", ""), Field::coded("type_code", Text, "类别代码", "", Values::Codes(&KINDS))];
        fields.extend(COLUMNS.iter().map(|c| c.field()));
        fields.extend([
            Field::coded("side", Text, "调入/调出", "", Values::Codes(&SIDES)),
            Field::new("area_m2", Real, "规模（图斑面积）", "m²"),
            Field::new("new_cropland_m2", Real, "新增耕地", "m²"),
        ]);
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<Projects>().map_or(0, Projects::parts)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let (p, part) = d.need::<Projects>().part(k);
        out.extend([AttrValue::text(p.id.clone()), AttrValue::text(p.kind().code())]);
        parcel_columns::push(COLUMNS, d, part.parcel, out);
        out.push(match part.side {
            Some(Side::In) => AttrValue::text("in"),
            Some(Side::Out) => AttrValue::text("out"),
            None => AttrValue::Null,
        });
        out.extend([AttrValue::Real(round(part.area_cm2 as f64 / 100.0, 2)), AttrValue::Real(round(part.new_cm2 as f64 / 100.0, 2))]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("project_parcels.csv".into())
    }
}
