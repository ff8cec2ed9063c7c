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
