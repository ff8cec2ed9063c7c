//! `transition_matrix` (地类转移矩阵): the area that went from each land-use class of the
//! previous survey to each class of this one, per village and in total (village code
//! empty, name 合计); class "" (未覆盖) is land the other survey does not cover. Each
//! class's row adds up to the previous survey's class total and its column to this
//! survey's, to the cm² (`area_cm2`, whole cm²). Also `transition_matrix.csv` and a workbook sheet.

use super::landuse_changes::CLASSES;
use super::{area_values, Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::transitions::Transitions;
use crate::table::{AttrValue, FieldKind::*};

pub struct TransitionMatrix;

impl Layer for TransitionMatrix {
    fn name(&self) -> &'static str {
        "transition_matrix"
    }

    fn title(&self) -> Title {
        Title { zh: "地类转移矩阵", en: "land-use transition matrix", description: "area from each previous class to each current class, per village and total" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.inputs.previous_parcels.is_some()
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Transitions>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("village_code", Text, "坐落单位代码", ""),
            Field::new("village_name", Text, "坐落单位名称", ""),
            Field::coded("from_class", Text, "上期地类", "", Values::Codes(CLASSES)),
            Field::coded("to_class", Text, "本期地类", "", Values::Codes(CLASSES)),
            Field::new("area_m2", Real, "面积", "m²"),
            Field::new("area_ha", Real, "面积", "公顷"),
            Field::new("area_mu", Real, "面积", "亩"),
            Field::new("area_cm2", Int, "面积（整平方厘米，行列对账）", "cm²"),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.need::<Transitions>().matrix.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Transitions>().matrix[k];
        out.extend([&r.village_code, &r.village_name, &r.from, &r.to].map(|s| AttrValue::text(s.as_str())));
        out.extend(area_values(crate::stages::transitions::m2(r.cm2)));
        out.push(AttrValue::Int(r.cm2));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("transition_matrix.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("地类转移矩阵")
    }
}
