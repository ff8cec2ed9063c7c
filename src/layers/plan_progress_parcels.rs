//! `plan_progress_parcels` (规划实施图斑): every parcel a previous run (`--baseline`)
//! planned to change, drawn as the baseline drew it, with its status (已实施, 未实施,
//! 反向变化), kind of plan, classes before, planned and now, and the shares of its area
//! this survey shows in each; and every piece of land changed outside the plan (规划外变化:
//! baseline parcel ∩ current parcel, drawn as the piece).

use std::borrow::Cow;

use geo::MultiPolygon;

use super::parcels::CLASS_CODES;
use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::stages::progress::{PlanProgress, STATUSES};
use crate::stages::rule::PLAN_KINDS;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct PlanProgressParcels;

/// Each status's fill: carried out green, not yet amber, contrary red, outside blue.
const COLOURS: [&str; 4] = ["26,152,80,190", "254,196,79,190", "215,48,39,190", "69,117,180,190"];

/// A class as stored (None: null).
fn class<'a>(c: Option<u8>) -> AttrValue<'a> {
    c.map_or(AttrValue::Null, |c| AttrValue::text(CLASS_CODES[c as usize].0))
}

impl Layer for PlanProgressParcels {
    fn name(&self) -> &'static str {
        "plan_progress_parcels"
    }

    fn title(&self) -> Title {
        Title { zh: "规划实施图斑", en: "plan progress parcels", description: "a previous plan's parcels by status against this survey, and land changed outside the plan" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.progress.baseline.is_some()
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<PlanProgress>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::coded("status", Text, "实施状态", "", Values::Codes(&STATUSES)),
            Field::coded("plan_rule", Text, "规划措施", "", Values::Codes(PLAN_KINDS)),
            Field::new("baseline_id", Text, "基期图斑标识码", ""),
            Field::new("current_ids", Text, "现状图斑标识码", ""),
            Field::new("village_code", Text, "坐落单位代码", ""),
            Field::new("village_name", Text, "坐落单位名称", ""),
            Field::coded("land_use_old", Text, "基期地类编码", "", Values::LandUse),
            Field::coded("class_old", Text, "基期用地分类", "", Values::Codes(&CLASS_CODES)),
            Field::coded("class_planned", Text, "规划用地分类", "", Values::Codes(&CLASS_CODES)),
            Field::coded("class_now", Text, "现状用地分类", "", Values::Codes(&CLASS_CODES)),
            Field::new("area_m2", Real, "面积", "m²"),
            Field::new("area_mu", Real, "面积", "亩"),
            Field::new("share_planned", Real, "规划地类占比", ""),
            Field::new("share_old", Real, "原地类占比", ""),
            Field::new("share_other", Real, "其他地类占比", ""),
            Field::new("share_uncovered", Real, "未覆盖占比", ""),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.need::<PlanProgress>().items.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let p: &'a PlanProgress = d.need::<PlanProgress>();
        let (it, b) = (&p.items[k], &p.baseline);
        out.push(AttrValue::text(it.status.key()));
        out.push(it.kind.map_or(AttrValue::Null, AttrValue::text));
        out.push(AttrValue::text(b.parcels.id(it.baseline)));
        out.push(AttrValue::text(it.current.iter().map(|&j| d.parcels.id(j)).collect::<Vec<_>>().join(",")));
        out.extend([it.village_code.as_str(), it.village_name.as_str(), b.parcels.land_use(it.baseline)].map(AttrValue::text));
        out.extend([Some(b.current[it.baseline]), Some(it.class_to), it.class_now].map(class));
        let m2 = it.area as f64 / 100.0;
        out.extend([AttrValue::Real(m2), AttrValue::Real(round(mu(m2), 2))]);
        match it.shares {
            Some(shares) => out.extend(shares.map(|s| AttrValue::Real(round(s, 6)))),
            None => out.extend([AttrValue::Null, AttrValue::Null, AttrValue::Null, AttrValue::Null]),
        }
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        let p: &'a PlanProgress = d.need::<PlanProgress>();
        let it = &p.items[k];
        Some(match &it.geometry {
            Some(g) => Cow::Borrowed(g),
            None => Cow::Owned(p.baseline.parcels.geometry(it.baseline)),
        })
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let cats = STATUSES.iter().zip(COLOURS).map(|((key, zh, en), rgba)| (key.to_string(), lang.pick(zh, en).to_string(), Fill::new(rgba, "60,60,60,255", 0.2))).collect();
        Some(Style::categorized("status", cats))
    }
}
