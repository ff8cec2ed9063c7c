//! The columns layers of parcels (candidates of every rule) take from a parcel, each
//! declared once: its field (name, alias, unit, value map) and its value. A layer lists
//! the ones it shows, in order, and adds its own.

use super::{land_use_name, recorded_grade, Field, RunData, Values};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{ha, mu, round};

/// A column taken from the parcel (and its slope figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParcelColumn {
    Id,
    LandUse,
    LandUseName,
    VillageCode,
    VillageName,
    OwnerCode,
    /// Computed area, to 0.01 m².
    AreaM2,
    AreaHa,
    AreaMu,
    /// The survey's TBMJ.
    Tbmj,
    Grade,
    GradeRecorded,
    SlopeMean,
}

use ParcelColumn::*;

impl ParcelColumn {
    pub const fn field(self) -> Field {
        match self {
            Id => Field::new("parcel_id", Text, "图斑标识码", ""),
            LandUse => Field::coded("land_use", Text, "地类编码", "", Values::LandUse),
            LandUseName => Field::new("land_use_name", Text, "地类名称", ""),
            VillageCode => Field::new("village_code", Text, "坐落单位代码", ""),
            VillageName => Field::new("village_name", Text, "坐落单位名称", ""),
            OwnerCode => Field::new("owner_code", Text, "权属单位代码", ""),
            AreaM2 => Field::new("area_m2", Real, "面积", "m²"),
            AreaHa => Field::new("area_ha", Real, "面积", "公顷"),
            AreaMu => Field::new("area_mu", Real, "面积", "亩"),
            Tbmj => Field::new("tbmj_m2", Real, "图斑面积(TBMJ)", "m²"),
            Grade => Field::coded("grade", Int, "坡度分级", "", Values::Grade),
            GradeRecorded => Field::coded("grade_recorded", Int, "调查坡度级别", "", Values::Grade),
            SlopeMean => Field::new("slope_mean", Real, "平均坡度", "°"),
        }
    }

    /// The value of parcel `i`, rounded as tables show it.
    pub fn value<'a>(self, d: &RunData<'a>, i: usize) -> AttrValue<'a> {
        let (p, s) = (d.parcels, &d.slope[i]);
        match self {
            Id => AttrValue::text(p.id(i)),
            LandUse => AttrValue::text(p.land_use(i)),
            LandUseName => land_use_name(d, i),
            VillageCode => AttrValue::text(p.village_code(i)),
            VillageName => AttrValue::text(p.village_name(i)),
            OwnerCode => AttrValue::text(p.owner_code(i)),
            AreaM2 => AttrValue::Real(round(s.area_m2, 2)),
            AreaHa => AttrValue::Real(round(ha(s.area_m2), 4)),
            AreaMu => AttrValue::Real(round(mu(s.area_m2), 2)),
            Tbmj => p.official_area(i).map(|v| AttrValue::Real(round(v, 2))).unwrap_or(AttrValue::Null),
            Grade => AttrValue::Int(s.grade as i64),
            GradeRecorded => recorded_grade(p, i),
            SlopeMean => AttrValue::real_or_null(s.slope_mean),
        }
    }
}

/// The fields of `columns`, in order.
pub fn fields(columns: &[ParcelColumn]) -> Vec<Field> {
    columns.iter().map(|c| c.field()).collect()
}

/// The values of `columns` for parcel `i`, appended to `out`.
pub fn push<'a>(columns: &[ParcelColumn], d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
    out.extend(columns.iter().map(|c| c.value(d, i)));
}
