//! 复耕: land the survey marks as restorable goes back to cropland.
//!
//! A parcel is restored when it is not cropland now, no rule before this one changes it,
//! and it is restorable: its land use is a 三调 可调整地类 (`restore.k_codes`: 0201K–0204K,
//! 0301K, 0302K, 0307K, 0404K, 1104K — cropland in the previous survey, plough layer
//! intact), or its restoration attribute (`fields.restore`) is one of `restore.immediate`
//! (即可恢复) or `restore.engineering` (工程恢复). Its computed slope grade is 1 to
//! `restore.max_grade`, and it is kept out by no control line: under `min_share` inside
//! every `exclude` constraint applying to `restore` (and inside every `include` one), and
//! under half inside the ecological red line (`role = "red_line"`), where cropland is never
//! made. Phase 1 is 即可恢复 (a 可调整地类 is, unless its attribute says 工程恢复), phase 2
//! 工程恢复: the plan restores the first before the second.
//!
//! The rule runs before the swap: a 可调整 garden or forest parcel restored here is not
//! also a swap-in candidate (the swap leaves out what earlier rules change), so no parcel
//! counts twice as new cropland.

use std::collections::BTreeMap;

use super::rule::RunData;
use crate::context::CancelToken;
use crate::error::Result;
use crate::progress::Progress;
use crate::settings::{Language, Role, Rule};
use crate::table::{AttrValue, Field, FieldKind, Values};

/// When restorable land comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// 即可恢复: as it is (phase 1).
    Immediate,
    /// 工程恢复: with works (phase 2).
    Engineering,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Immediate => "immediate",
            Phase::Engineering => "engineering",
        }
    }

    /// 1 or 2: the order the plan restores them in.
    pub fn number(self) -> i64 {
        match self {
            Phase::Immediate => 1,
            Phase::Engineering => 2,
        }
    }
}

/// The value map of [`Phase`].
pub const PHASES: &[(&str, &str, &str)] = &[("immediate", "即可恢复", "restorable now"), ("engineering", "工程恢复", "restorable with works")];

/// The rule's outcome.
#[derive(Debug, Clone, Default)]
pub struct RestorePlan {
    /// The phase of each restored parcel (None: not restored).
    pub phase: Vec<Option<Phase>>,
    /// Why each restored parcel is (empty for the others).
    pub reasons: Vec<String>,
}

/// Whether a control line keeps parcel `i` out of a rule that makes new cropland: an
/// `exclude` constraint applying to `rule` holds at least its `min_share` of it (or an
/// `include` one does not), or the ecological red line holds half of it.
pub fn kept_out(d: &RunData, i: usize, rule: Rule) -> bool {
    !d.constraints.allow(i, rule) || d.role_share(Role::RedLine, i) >= 0.5
}

/// The column of `fields.restore`, if set and present.
fn restore_column(d: &RunData) -> Option<usize> {
    let name = &d.settings.fields.restore;
    d.parcels.fields.iter().position(|f| !name.is_empty() && f.name.eq_ignore_ascii_case(name))
}

/// The phase parcel `i` is restorable in, with its basis, before grade and control lines.
fn restorable(d: &RunData, i: usize, column: Option<usize>) -> Option<(Phase, String)> {
    let (s, lang) = (&d.settings.restore, d.settings.output.language);
    let code = d.parcels.land_use(i);
    let k = s.k_codes.iter().any(|c| c.eq_ignore_ascii_case(code));
    let value = column.map(|c| d.parcels.attribute(i, c).as_text()).unwrap_or_default();
    let value = value.trim();
    let attribute = match () {
        _ if value.is_empty() => None,
        _ if s.engineering.iter().any(|v| v == value) => Some(Phase::Engineering),
        _ if s.immediate.iter().any(|v| v == value) => Some(Phase::Immediate),
        _ => None,
    };
    let phase = attribute.or(k.then_some(Phase::Immediate))?;
    let mut why = Vec::new();
    if k {
        why.push(format!("{}{code}", lang.pick("可调整地类", "adjustable land use ")));
    }
    if attribute.is_some() {
        why.push(format!("{}{value}", lang.pick("恢复属性：", "restoration attribute: ")));
    }
    Some((phase, why.join(lang.pick("；", "; "))))
}

/// The plan over every parcel.
pub fn plan(d: &RunData) -> RestorePlan {
    let (n, s, lang) = (d.parcels.len(), &d.settings.restore, d.settings.output.language);
    let column = restore_column(d);
    let mut p = RestorePlan { phase: vec![None; n], reasons: vec![String::new(); n] };
    for i in 0..n {
        if d.flags()[i].is_cropland || d.planned(i).is_some() || !(1..=s.max_grade).contains(&d.slope[i].grade) || kept_out(d, i, Rule::Restore) {
            continue;
        }
        if let Some((phase, basis)) = restorable(d, i, column) {
            p.phase[i] = Some(phase);
            p.reasons[i] = match lang {
                Language::Zh => format!("{basis}；坡度{}级", d.slope[i].grade),
                Language::En => format!("{basis}; slope grade {}", d.slope[i].grade),
            };
        }
    }
    p
}

/// 复耕 as a rule of the run.
pub struct Restore;

impl super::rule::Rule for Restore {
    fn name(&self) -> &'static str {
        "restore"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.restore.enabled
    }

    fn decide(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        d.put(plan(d));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<RestorePlan>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        d.need::<RestorePlan>().phase[i].map(|_| "cropland")
    }

    fn supplies(&self, d: &RunData, i: usize) -> Option<super::supply::Supplied> {
        let p = d.get::<RestorePlan>()?;
        p.phase[i].map(|phase| super::supply::Supplied { source: super::supply::Source::of_phase(phase), reason: p.reasons[i].clone() })
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![Field::coded("restore", FieldKind::Text, "复耕", "", Values::Codes(PHASES))]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        out.push(d.need::<RestorePlan>().phase[i].map_or(AttrValue::Null, |p| AttrValue::text(p.name())));
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(p) = d.get::<RestorePlan>() else { return Vec::new() };
        let area = |phase: Phase| -> f64 { (0..p.phase.len()).filter(|&i| p.phase[i] == Some(phase)).map(|i| d.parcels.official_area(i).unwrap_or(d.slope[i].area_m2)).fold(0.0, |a, b| a + b) };
        let count = p.phase.iter().filter(|x| x.is_some()).count();
        vec![("restore_parcels", count.into()), ("restore_immediate_m2", area(Phase::Immediate).into()), ("restore_engineering_m2", area(Phase::Engineering).into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let n = counts.get("restore_parcels")?.as_u64()?;
        let now = counts.get("restore_immediate_m2")?.as_f64()? / 10_000.0;
        let works = counts.get("restore_engineering_m2")?.as_f64()? / 10_000.0;
        Some(format!("restore: {n} parcels, {now:.2} ha restorable now, {works:.2} ha with works"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Settings};
    use crate::stages::constraints::Constraints;
    use crate::stages::rule::{Outcomes, Rule as _};
    use crate::stages::testing::{constraint, flags, graph, parcels, slope, Plot};
    use crate::table::{FieldKind, FieldSpec};

    /// A plot: land use, restoration attribute (HFSX), grade.
    struct P(&'static str, &'static str, u8);

    /// The plan over hand-made plots, with `shares[c]` inside the constraints `list`.
    fn plan_of(plots: &[P], list: &[crate::stages::constraints::Constraint], shares: &[Vec<f64>], settings: &Settings) -> RestorePlan {
        let fields = [FieldSpec::new("HFSX", FieldKind::Text)];
        let list_plots: Vec<Plot> = plots.iter().map(|p| Plot::new(p.0).tbmj(1000.0).attributes(vec![AttrValue::text(p.1)])).collect();
        let parcels = parcels(&fields, &list_plots);
        let st: Vec<_> = plots.iter().map(|p| slope(p.2, 1000.0)).collect();
        let g = graph(plots.len(), &[]);
        let outcomes = Outcomes::default();
        let d = RunData::new(settings, &parcels, &st, &g, &[], Constraints { list, shares }, &outcomes);
        d.put(plots.iter().map(|p| flags(p.0.starts_with("010"), false)).collect::<Vec<_>>());
        Restore.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        d.need::<RestorePlan>().clone()
    }

    fn phases(p: &RestorePlan) -> String {
        p.phase.iter().map(|x| match x {
            Some(Phase::Immediate) => '1',
            Some(Phase::Engineering) => '2',
            None => '-',
        }).collect()
    }

    fn with_field() -> Settings {
        let mut s = Settings::default();
        s.fields.restore = "HFSX".into();
        s
    }

    #[test]
    fn k_codes_and_the_attribute_decide_the_phase() {
        // 0: 0201K, no attribute: 即可恢复. 1: 0301K said 工程恢复: phase 2. 2: a plain orchard
        // 即可恢复 by attribute. 3: 1104 pond 工程恢复. 4: 0201 with an unknown value: no.
        // 5: cropland marked 即可恢复: already cropland. 6: 0305 (灌木林地, no K code) without
        // an attribute: no. 7: 0404K: yes. 8: 0702K (a homestead, not in k_codes): no.
        let plots = [P("0201K", "", 2), P("0301K", "工程恢复", 3), P("0201", "即可恢复", 1), P("1104", "工程恢复", 2), P("0201", "待定", 1), P("0103", "即可恢复", 1), P("0305", "", 1), P("0404K", "", 4), P("0702K", "", 1)];
        let p = plan_of(&plots, &[], &[], &with_field());
        assert_eq!(phases(&p), "1212---1-");
        assert_eq!(p.reasons[1], "可调整地类0301K；恢复属性：工程恢复；坡度3级");
        assert_eq!(p.reasons[2], "恢复属性：即可恢复；坡度1级");
        // Without fields.restore only the K codes count.
        assert_eq!(phases(&plan_of(&plots, &[], &[], &Settings::default())), "11-----1-");
    }

    #[test]
    fn steep_land_no_slope_data_and_control_lines_keep_land_out() {
        // 0: grade 5; 1: no slope data; 2: grade 4 (the default max); 3: in a constraint
        // applying to restore (0.6 ≥ 0.5); 4: 0.49 inside it; 5: 0.5 inside the red line
        // (a flag constraint: the red line keeps restored cropland out whatever its mode);
        // 6: inside an exclude constraint of another rule.
        let plots = [P("0201K", "", 5), P("0201K", "", 0), P("0201K", "", 4), P("0201K", "", 2), P("0201K", "", 2), P("0201K", "", 2), P("0201K", "", 2)];
        let list = [
            constraint("water", ConstraintMode::Exclude, 0.5, &[Rule::Restore], None),
            constraint("eco", ConstraintMode::Flag, 0.5, &[Rule::Merge], Some(Role::RedLine)),
            constraint("roads", ConstraintMode::Exclude, 0.5, &[Rule::SwapIn], None),
        ];
        let shares = vec![vec![0.0, 0.0, 0.0, 0.6, 0.49, 0.0, 0.0], vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0], vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]];
        let p = plan_of(&plots, &list, &shares, &Settings::default());
        assert_eq!(phases(&p), "--1-1-1");
        let mut s = Settings::default();
        s.restore.max_grade = 3;
        assert_eq!(phases(&plan_of(&plots, &list, &shares, &s)), "----1-1", "grade 4 > max_grade 3");
    }

    #[test]
    fn the_swap_leaves_out_what_restore_takes() {
        // A 0201K orchard beside staying cropland is a swap-in candidate on its own; once
        // restored it is not (the swap reads the plan of the rules before it).
        use crate::stages::swap::{SwapPlan, SwapRole};
        let mut s = Settings::default();
        s.swap.min_area_m2 = 0.0;
        let plots = [Plot::new("0103").tbmj(1000.0), Plot::new("0201K").tbmj(1000.0), Plot::new("0201").tbmj(1000.0)];
        let p = parcels(&[], &plots);
        let st = [slope(2, 1000.0), slope(2, 1000.0), slope(2, 1000.0)];
        let g = graph(3, &[(0, 1, 10.0), (0, 2, 10.0)]);
        let roles = |restore: bool| {
            let outcomes = Outcomes::default();
            let d = RunData::new(&s, &p, &st, &g, &[], Constraints::none(), &outcomes);
            d.put(vec![flags(true, false), flags(false, false), flags(false, false)]);
            if restore {
                Restore.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
            }
            crate::stages::swap::Swap.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
            d.need::<SwapPlan>().roles.clone()
        };
        assert_eq!(roles(false), [SwapRole::None, SwapRole::Reserve, SwapRole::Reserve]);
        assert_eq!(roles(true), [SwapRole::None, SwapRole::None, SwapRole::Reserve]);
    }
}
