//! Reforestation rule (退耕还林): cropland steeper than the last grade break, after the
//! terrace filters and the constraints that apply to it.

use super::rule::{Card, CardSource, RunData};
use crate::table::{AttrValue, Field, FieldKind, Values};
use rayon::prelude::*;

use super::constraints::{applying, verdict, Constraints, Verdict};
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;
use super::terrain::grade_label;
use crate::settings::{Language, ReforestationRule, ReforestationSettings, Rule};

/// What the rules decided for one parcel.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ParcelFlags {
    pub is_cropland: bool,
    pub reforest: bool,
    /// Why the parcel is a candidate (empty when it is not), in `output.language`.
    pub reason: String,
}

/// How the reasons are written: the grade breaks (for the grade names) and the language.
#[derive(Debug, Clone, Copy)]
pub struct ReasonText {
    pub breaks: [f64; 4],
    pub language: Language,
}

/// Applies the reforestation rule to every parcel (same order as `parcels`).
pub fn reforestation(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    s: &ReforestationSettings,
    text: ReasonText,
    constraints: Constraints,
) -> Vec<ParcelFlags> {
    stats
        .par_iter()
        .enumerate()
        .map(|(i, st)| decide(parcels, i, st, s, text, constraints))
        .collect()
}

fn decide(
    parcels: &Parcels,
    i: usize,
    st: &ParcelSlope,
    s: &ReforestationSettings,
    text: ReasonText,
    constraints: Constraints,
) -> ParcelFlags {
    let land_use = parcels.land_use(i);
    let is_cropland = s.cropland_codes.iter().any(|c| c == land_use);
    let mut flags = ParcelFlags { is_cropland, ..Default::default() };
    let terrace = parcels.terrace_type(i).eq_ignore_ascii_case("TT");
    let slope_land = parcels.terrace_type(i).eq_ignore_ascii_case("PD");
    if !is_cropland || (s.exclude_terraces && terrace) || (s.only_slope_land && !slope_land) {
        return flags;
    }
    if verdict(constraints.list, constraints.shares, i, Rule::Reforestation) != Verdict::Pass {
        return flags;
    }
    let Some(reason) = slope_reason(st, s, land_use, text) else { return flags };
    flags.reforest = true;
    flags.reason = reason;
    for c in applying(constraints.list, Rule::Reforestation) {
        let (name, share) = (&constraints.list[c].settings.name, constraints.shares[c][i] * 100.0);
        flags.reason.push_str(&match text.language {
            Language::Zh => format!("；{share:.0}%位于{name}内"),
            Language::En => format!("; {share:.0}% inside {name}"),
        });
    }
    flags
}

/// Why the slope makes the parcel a candidate under the rule, or None.
fn slope_reason(st: &ParcelSlope, s: &ReforestationSettings, land_use: &str, text: ReasonText) -> Option<String> {
    let last_break = text.breaks[3];
    let (steep, threshold) = (st.steep_share() * 100.0, s.steep_share_threshold * 100.0);
    let reason = match (s.rule, text.language) {
        (ReforestationRule::DominantGrade, _) if st.grade != 5 => return None,
        (ReforestationRule::SteepShare, _) if st.grade == 0 || st.steep_share() < s.steep_share_threshold => return None,
        (ReforestationRule::DominantGrade, Language::Zh) => format!(
            "耕地{land_use}；坡度以{}为主，占面积{:.0}%",
            grade_label(5, &text.breaks, Language::Zh),
            st.share[4] * 100.0
        ),
        (ReforestationRule::DominantGrade, Language::En) => format!(
            "cropland {land_use}; dominant slope grade 5 (>{last_break}°) on {:.0}% of its area",
            st.share[4] * 100.0
        ),
        (ReforestationRule::SteepShare, Language::Zh) => {
            format!("耕地{land_use}；{steep:.0}%的面积坡度大于{last_break}°（阈值{threshold:.0}%）")
        }
        (ReforestationRule::SteepShare, Language::En) => {
            format!("cropland {land_use}; {steep:.0}% of its area above {last_break}° (threshold {threshold:.0}%)")
        }
    };
    Some(reason)
}

/// 退耕还林 as a rule of the run: cropland flags and the candidates, before every other rule.
pub struct Reforestation;

impl super::rule::Rule for Reforestation {
    fn name(&self) -> &'static str {
        "reforestation"
    }

    fn decide(&self, d: &RunData, _progress: &crate::progress::Progress, _cancel: &crate::context::CancelToken) -> crate::error::Result<()> {
        let s = d.settings;
        let text = ReasonText { breaks: s.terrain.grade_breaks, language: s.output.language };
        d.put(reforestation(d.parcels, d.slope, &s.reforestation, text, d.constraints));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<Vec<ParcelFlags>>()
    }

    fn planned(&self, d: &RunData, i: usize) -> Option<&'static str> {
        d.flags()[i].reforest.then_some("forest")
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::coded("is_cropland", FieldKind::Int, "是否耕地", "", Values::YesNo),
            Field::coded("reforest", FieldKind::Int, "退耕还林候选", "", Values::YesNo),
        ]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let f = &d.flags()[i];
        out.extend([AttrValue::Int(f.is_cropland as i64), AttrValue::Int(f.reforest as i64)]);
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("reforest_count", "退耕还林候选", "reforestation candidates", "个", 0, CardSource::Total("village_summary", "reforest_count")),
            ("reforest_mu", "退耕还林候选面积", "reforestation area", "亩", 2, CardSource::Total("village_summary", "reforest_mu")),
        ]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let candidates = || d.slope.iter().zip(d.flags()).filter(|(_, f)| f.reforest);
        let m2: f64 = candidates().map(|(s, _)| s.area_m2).sum();
        vec![("reforestation_candidates", candidates().count().into()), ("reforestation_m2", m2.into())]
    }

    fn summary(&self, counts: &std::collections::BTreeMap<String, serde_json::Value>) -> Option<String> {
        let n = counts.get("reforestation_candidates")?.as_u64()?;
        let ha = counts.get("reforestation_m2")?.as_f64()? / 10_000.0;
        Some(format!("reforestation: {n} candidates ({ha:.2} ha)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConstraintMode, Rule};
    use crate::stages::testing::{constraint, parcels, slope, slope_shares, Plot};

    const BREAKS: [f64; 4] = [2.0, 6.0, 15.0, 25.0];

    /// 0: 0103, grade 5 on 60% (dominant); 1: 0101, grade 4 on 55% and 5 on 45%;
    /// 2: 0201 garden, grade 5; 3: 0103 terrace (TT), grade 5; 4: 0102 slope land (PD),
    /// grade 5; 5: 0103 without slope data; 6: 0301 forest, grade 5.
    fn fixture() -> (Parcels, Vec<ParcelSlope>) {
        let plots = [
            Plot::new("0103"),
            Plot::new("0101"),
            Plot::new("0201"),
            Plot::new("0103").terrace("tt"),
            Plot::new("0102").terrace("PD"),
            Plot::new("0103"),
            Plot::new("0301"),
        ];
        let slope = vec![
            slope_shares(5, [0.0, 0.0, 0.1, 0.3, 0.6], 1000.0),
            slope_shares(4, [0.0, 0.0, 0.0, 0.55, 0.45], 1000.0),
            slope(5, 1000.0),
            slope(5, 1000.0),
            slope(5, 1000.0),
            slope(0, 1000.0),
            slope(5, 1000.0),
        ];
        (parcels(&[], &plots), slope)
    }

    fn run(s: &ReforestationSettings, language: Language, c: Constraints) -> Vec<ParcelFlags> {
        let (p, st) = fixture();
        reforestation(&p, &st, s, ReasonText { breaks: BREAKS, language }, c)
    }

    fn candidates(flags: &[ParcelFlags]) -> Vec<usize> {
        (0..flags.len()).filter(|&i| flags[i].reforest).collect()
    }

    #[test]
    fn cropland_whose_dominant_grade_is_5_is_a_candidate_with_its_reason() {
        let f = run(&ReforestationSettings::default(), Language::Zh, Constraints::none());
        // Cropland: 0101/0102/0103 (parcels 0, 1, 3, 4, 5); dominant grade 5: 0, 3, 4.
        assert_eq!(f.iter().map(|f| f.is_cropland).collect::<Vec<_>>(), [true, true, false, true, true, true, false]);
        assert_eq!(candidates(&f), [0, 3, 4]);
        assert_eq!(f[0].reason, "耕地0103；坡度以五级（>25°）为主，占面积60%");
        assert!(f[1].reason.is_empty() && f[2].reason.is_empty());
        let en = run(&ReforestationSettings::default(), Language::En, Constraints::none());
        assert_eq!(en[0].reason, "cropland 0103; dominant slope grade 5 (>25°) on 60% of its area");
    }

    #[test]
    fn steep_share_rule_takes_the_share_above_the_last_break() {
        // Parcel 1 has 45% above 25°: a candidate at threshold 0.4, not at 0.5.
        let s = ReforestationSettings { rule: ReforestationRule::SteepShare, steep_share_threshold: 0.4, ..Default::default() };
        let f = run(&s, Language::Zh, Constraints::none());
        assert_eq!(candidates(&f), [0, 1, 3, 4], "the parcel without slope data never");
        assert_eq!(f[1].reason, "耕地0101；45%的面积坡度大于25°（阈值40%）");
        let en = run(&s, Language::En, Constraints::none());
        assert_eq!(en[1].reason, "cropland 0101; 45% of its area above 25° (threshold 40%)");
        let s = ReforestationSettings { steep_share_threshold: 0.5, ..s };
        assert_eq!(candidates(&run(&s, Language::Zh, Constraints::none())), [0, 3, 4]);
    }

    #[test]
    fn terraces_and_slope_land_filters() {
        let s = ReforestationSettings { exclude_terraces: true, ..Default::default() };
        assert_eq!(candidates(&run(&s, Language::Zh, Constraints::none())), [0, 4], "terrace TT (any case) left out");
        let s = ReforestationSettings { only_slope_land: true, ..Default::default() };
        assert_eq!(candidates(&run(&s, Language::Zh, Constraints::none())), [4], "only PD");
    }

    #[test]
    fn other_codes_count_as_cropland_only_when_listed() {
        let s = ReforestationSettings { cropland_codes: vec!["0201".into()], ..Default::default() };
        let f = run(&s, Language::Zh, Constraints::none());
        assert_eq!(candidates(&f), [2]);
        assert_eq!(f[2].reason, "耕地0201；坡度以五级（>25°）为主，占面积100%");
    }

    #[test]
    fn constraints_exclude_include_and_record_their_share() {
        let s = ReforestationSettings::default();
        // Candidates without constraints: 0, 3, 4.
        let exclude = [constraint("pbf", ConstraintMode::Exclude, 0.5, &[Rule::Reforestation], None)];
        let shares = vec![vec![0.5, 0.0, 0.0, 0.49, 0.0, 0.0, 0.0]];
        let f = run(&s, Language::Zh, Constraints { list: &exclude, shares: &shares });
        assert_eq!(candidates(&f), [3, 4], "50% ≥ min_share 0.5 excludes parcel 0; 49% does not exclude 3");
        assert_eq!(f[3].reason, "耕地0103；坡度以五级（>25°）为主，占面积100%；49%位于pbf内");

        let include = [constraint("project", ConstraintMode::Include, 0.5, &[Rule::Reforestation], None)];
        let shares = vec![vec![1.0, 1.0, 1.0, 0.2, 0.5, 1.0, 1.0]];
        let f = run(&s, Language::En, Constraints { list: &include, shares: &shares });
        assert_eq!(candidates(&f), [0, 4], "only candidates at least half inside");
        assert_eq!(f[4].reason, "cropland 0102; dominant slope grade 5 (>25°) on 100% of its area; 50% inside project");

        // A constraint of another rule neither decides nor shows; a flag shows only.
        let list = [
            constraint("roads", ConstraintMode::Exclude, 0.1, &[Rule::Merge], None),
            constraint("river", ConstraintMode::Flag, 0.5, &[Rule::Reforestation], None),
        ];
        let shares = vec![vec![1.0; 7], vec![0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]];
        let f = run(&s, Language::Zh, Constraints { list: &list, shares: &shares });
        assert_eq!(candidates(&f), [0, 3, 4]);
        assert_eq!(f[0].reason, "耕地0103；坡度以五级（>25°）为主，占面积60%；60%位于river内");
    }
}
