//! `plan_progress` (规划实施进度): per village, kind of plan and planned class, the parcels
//! a previous run (`--baseline`) planned and how many of them — and how much — this
//! survey shows carried out, not yet, contrary; rows of kind `outside` (规划外) for land
//! changed into a class the rules plan without a plan, by that class. Then a row per kind
//! and class over every village (level `rule`) and the total. Areas are the items' areas
//! to the 0.01 m² (`plan_progress_parcels`), so every column adds up exactly. Also
//! `plan_progress.csv` and the workbook sheet 规划实施进度.

use super::parcels::CLASS_CODES;
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::progress::{PlanProgress, ROW_KINDS, STATUSES};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct PlanProgressTable;

/// The levels of the table's rows.
const LEVELS: &[(&str, &str, &str)] = &[("village", "村", "village"), ("rule", "措施合计", "plan kind total"), ("total", "合计", "total")];

/// The tallies of a row, in order: the planned parcels, then each status.
const TALLIES: [(&str, &str); 5] = [("planned", "规划"), (STATUSES[0].0, STATUSES[0].1), (STATUSES[1].0, STATUSES[1].1), (STATUSES[2].0, STATUSES[2].1), (STATUSES[3].0, STATUSES[3].1)];

impl Layer for PlanProgressTable {
    fn name(&self) -> &'static str {
        "plan_progress"
    }

    fn title(&self) -> Title {
        Title { zh: "规划实施进度", en: "plan progress", description: "a previous plan's parcels carried out, not yet and contrary per village and kind of plan, and land changed outside the plan" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.progress.baseline.is_some()
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<PlanProgress>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![
            Field::coded("level", Text, "层级", "", Values::Codes(LEVELS)),
            Field::new("village_code", Text, "坐落单位代码", ""),
            Field::new("village_name", Text, "坐落单位名称", ""),
            Field::coded("plan_rule", Text, "规划措施", "", Values::Codes(&ROW_KINDS)),
            Field::coded("class_planned", Text, "规划用地分类", "", Values::Codes(&CLASS_CODES)),
        ];
        for (key, zh) in TALLIES {
            f.push(Field::owned(format!("{key}_count"), Int, format!("{zh}图斑数"), "个").grouped(zh));
            f.push(Field::owned(format!("{key}_m2"), Real, format!("{zh}面积"), "m²").grouped(zh));
            f.push(Field::owned(format!("{key}_mu"), Real, format!("{zh}面积"), "亩").grouped(zh));
        }
        f.push(Field::new("done_pct", Real, "实施率（按面积）", "%"));
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.need::<PlanProgress>().rows.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<PlanProgress>().rows[k];
        out.push(AttrValue::text(r.level));
        out.extend([r.village_code.as_str(), r.village_name.as_str()].map(AttrValue::text));
        out.push(if r.kind.is_empty() { AttrValue::Null } else { AttrValue::text(r.kind) });
        out.push(r.class.map_or(AttrValue::Null, |c| AttrValue::text(CLASS_CODES[c as usize].0)));
        for t in r.tallies {
            let m2 = t.area as f64 / 100.0;
            out.extend([AttrValue::Int(t.count as i64), AttrValue::Real(m2), AttrValue::Real(round(mu(m2), 2))]);
        }
        out.push(r.done_pct().map_or(AttrValue::Null, |p| AttrValue::Real(round(p, 2))));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("plan_progress.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("规划实施进度")
    }
}
