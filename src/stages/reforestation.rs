//! Reforestation rule (退耕还林): cropland steeper than the last grade break, after the
//! terrace filters and the zones.

use rayon::prelude::*;

use super::zones::Zone;
use super::zonal::ParcelSlope;
use crate::parcels::Parcels;
use crate::settings::{ReforestationRule, ReforestationSettings, ZoneMode};

/// What the rules decided for one parcel.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ParcelFlags {
    pub is_cropland: bool,
    pub reforest: bool,
    /// Why the parcel is a candidate (empty when it is not).
    pub reason: String,
    /// Share of the parcel inside each zone layer (same order as the zones), for cropland.
    pub zone_shares: Vec<f64>,
}

/// Applies the reforestation rule to every parcel (same order as `parcels`).
pub fn reforestation(
    parcels: &Parcels,
    stats: &[ParcelSlope],
    s: &ReforestationSettings,
    last_break: f64,
    zones: &[Zone],
) -> Vec<ParcelFlags> {
    stats
        .par_iter()
        .enumerate()
        .map(|(i, st)| decide(parcels, i, st, s, last_break, zones))
        .collect()
}

fn decide(
    parcels: &Parcels,
    i: usize,
    st: &ParcelSlope,
    s: &ReforestationSettings,
    last_break: f64,
    zones: &[Zone],
) -> ParcelFlags {
    let land_use = parcels.land_use(i);
    let is_cropland = s.cropland_codes.iter().any(|c| c == land_use);
    let mut flags = ParcelFlags {
        is_cropland,
        ..Default::default()
    };
    if !is_cropland {
        return flags;
    }
    if !zones.is_empty() {
        let geometry = parcels.geometry(i);
        flags.zone_shares = zones.iter().map(|z| z.overlap_share(&geometry)).collect();
    }
    let terrace = parcels.terrace_type(i).eq_ignore_ascii_case("TT");
    let slope_land = parcels.terrace_type(i).eq_ignore_ascii_case("PD");
    if (s.exclude_terraces && terrace) || (s.only_slope_land && !slope_land) {
        return flags;
    }
    for (z, share) in zones.iter().zip(&flags.zone_shares) {
        let inside = *share > 0.0 && *share >= z.min_share;
        match z.mode {
            ZoneMode::Exclude if inside => return flags,
            ZoneMode::Include if !inside => return flags,
            _ => {}
        }
    }
    let reason = match s.rule {
        ReforestationRule::DominantGrade if st.grade == 5 => format!(
            "cropland {}; dominant slope grade 5 (>{last_break}°) on {:.0}% of its area",
            land_use,
            st.share[4] * 100.0
        ),
        ReforestationRule::SteepShare
            if st.grade != 0 && st.steep_share() >= s.steep_share_threshold =>
        {
            format!(
                "cropland {}; {:.0}% of its area above {last_break}° (threshold {:.0}%)",
                land_use,
                st.steep_share() * 100.0,
                s.steep_share_threshold * 100.0
            )
        }
        _ => return flags,
    };
    flags.reforest = true;
    flags.reason = reason;
    for (z, share) in zones.iter().zip(&flags.zone_shares) {
        flags
            .reason
            .push_str(&format!("; {:.0}% inside {}", share * 100.0, z.name));
    }
    flags
}
