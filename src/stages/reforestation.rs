//! Reforestation rule (退耕还林): cropland steeper than the last grade break, after the
//! terrace filters and the constraints that apply to it.

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
