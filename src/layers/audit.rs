//! `audit` (管控审查): per role constraint, per village and in total, the area inside, its
//! cropland and non-cropland, and the candidates in conflict with it.

use crate::stages::audit::AuditRow;
use crate::settings::Settings;
use super::{Field, Layer, RunData, Title};
use crate::table::{AttrValue, FieldKind::*};

pub struct Audit;

const FIELDS: &[Field] = &[
    Field::new("constraint", Text, "管控图层", ""),
    Field::new("role", Text, "管控类型", ""),
    Field::new("village_code", Text, "村代码", ""),
    Field::new("village_name", Text, "村名称", ""),
    Field::new("area_m2", Real, "管控范围内图斑面积", "m²"),
    Field::new("cropland_m2", Real, "其中耕地", "m²"),
    Field::new("non_cropland_m2", Real, "其中非耕地", "m²"),
    Field::new("conflicts", Int, "冲突候选数", ""),
    Field::new("conflict_m2", Real, "冲突面积", "m²"),
];

impl Layer for Audit {
    fn name(&self) -> &'static str {
        "audit"
    }

    fn title(&self) -> Title {
        Title {
            zh: "管控审查",
            en: "control-line audit",
            description: "per village: area inside each role constraint and candidates in conflict",
        }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.constraints.list.iter().any(|c| c.settings.role.is_some())
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<AuditRow>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<AuditRow>().map(|a| a.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<AuditRow>>()[k];
        out.extend([r.constraint.as_str(), r.role.as_str(), r.village_code.as_str(), r.village_name.as_str()].map(AttrValue::text));
        out.extend([r.area_m2, r.cropland_m2, r.non_cropland_m2].map(AttrValue::Real));
        out.push(AttrValue::Int(r.conflicts as i64));
        out.push(AttrValue::Real(r.conflict_m2));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("audit.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("控制线审查")
    }
}
