//! `cropland_supply` (新增耕地图斑): every parcel bringing new cropland, one row per parcel
//! and source — its source (复耕即可恢复 … 林耕置换补充), the new cropland in m² and mu, its
//! TBMJ, grade, phase (复耕 only) and the rule's reason. Its rows sum to the sources of
//! `new_cropland_ledger`.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcel_columns::{self, ParcelColumn, ParcelColumn::*};
use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::stages::supply::{Source, Supply, SOURCES};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{round, M2_PER_MU};

pub struct CroplandSupply;

/// The parcel's own columns.
const COLUMNS: &[ParcelColumn] = &[Id, LandUse, LandUseName, VillageCode, VillageName, OwnerCode, Tbmj, Grade];

impl Layer for CroplandSupply {
    fn name(&self) -> &'static str {
        "cropland_supply"
    }

    fn title(&self) -> Title {
        Title { zh: "新增耕地图斑", en: "new cropland", description: "every parcel bringing new cropland, by source (复耕, 未利用地开发, 土地整理, 增减挂钩, 林耕置换)" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Supply>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut fields = parcel_columns::fields(COLUMNS);
        fields.extend([
            Field::coded("source", Text, "新增耕地来源", "", Values::Codes(&SOURCES)),
            Field::new("new_m2", Real, "新增耕地面积", "m²"),
            Field::new("new_mu", Real, "新增耕地面积", "亩"),
            Field::new("phase", Int, "实施时序", ""),
            Field::new("reason", Text, "新增理由", ""),
        ]);
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<Supply>().map_or(0, |s| s.items.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let it = &d.need::<Supply>().items[k];
        parcel_columns::push(COLUMNS, d, it.parcel, out);
        let m2 = it.cm2 as f64 / 100.0;
        out.extend([AttrValue::text(it.source.key()), AttrValue::Real(m2), AttrValue::Real(round(m2 / M2_PER_MU, 2))]);
        out.push(match it.source {
            Source::RestoreImmediate => AttrValue::Int(1),
            Source::RestoreEngineering => AttrValue::Int(2),
            _ => AttrValue::Null,
        });
        out.push(AttrValue::text(it.reason.as_str()));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(d.need::<Supply>().items[k].parcel)))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let colours = ["255,237,111,220", "254,196,79,220", "217,240,163,220", "166,217,106,220", "253,141,60,220", "120,198,121,220", "200,200,200,220"];
        let classes = SOURCES.iter().zip(colours).map(|((key, zh, en), rgba)| (key.to_string(), lang.pick(zh, en).to_string(), Fill::new(rgba, "102,102,0,255", 0.4))).collect();
        Some(Style::categorized("source", classes))
    }
}
