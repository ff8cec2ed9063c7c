//! Reforestation rule (退耕还林): cropland steeper than the last grade break, after the
//! terrace filters and the constraints that apply to it.

use rayon::prelude::*;

use super::constraints::{applying, verdict, Constraints, Verdict};
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;
use crate::settings::{ReforestationRule, ReforestationSettings, Rule};

/// What the rules decided for one parcel.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ParcelFlags {
    pub is_cropland: bool,
    pub reforest: bool,
    /// Why the parcel is a candidate (empty when it is not).
    pub reason: String,
}

/// Applies the reforestation rule to every parcel (same order as `parcels`).
pub fn reforestation(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    s: &ReforestationSettings,
    last_break: f64,
    constraints: Constraints,
) -> Vec<ParcelFlags> {
    stats
        .par_iter()
        .enumerate()
        .map(|(i, st)| decide(parcels, i, st, s, last_break, constraints))
        .collect()
}

fn decide(
    parcels: &Parcels,
    i: usize,
    st: &ParcelSlope,
    s: &ReforestationSettings,
    last_break: f64,
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
    let Some(reason) = slope_reason(st, s, land_use, last_break) else { return flags };
    flags.reforest = true;
    flags.reason = reason;
    for c in applying(constraints.list, Rule::Reforestation) {
        let name = &constraints.list[c].settings.name;
        flags.reason.push_str(&format!("; {:.0}% inside {name}", constraints.shares[c][i] * 100.0));
    }
    flags
}

/// Why the slope makes the parcel a candidate under the rule, or None.
fn slope_reason(st: &ParcelSlope, s: &ReforestationSettings, land_use: &str, last_break: f64) -> Option<String> {
    match s.rule {
        ReforestationRule::DominantGrade if st.grade == 5 => Some(format!(
            "cropland {land_use}; dominant slope grade 5 (>{last_break}°) on {:.0}% of its area",
            st.share[4] * 100.0
        )),
        ReforestationRule::SteepShare if st.grade != 0 && st.steep_share() >= s.steep_share_threshold => Some(format!(
            "cropland {land_use}; {:.0}% of its area above {last_break}° (threshold {:.0}%)",
            st.steep_share() * 100.0,
            s.steep_share_threshold * 100.0
        )),
        _ => None,
    }
}
