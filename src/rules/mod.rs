//! Planning rules on top of the slope figures: cropland and reforestation candidates
//! (退耕还林: cropland steeper than the last grade break).

pub mod village;
pub mod zones;

use rayon::prelude::*;

use crate::config::{ReforestationRule, ReforestationSettings, ZoneMode};
use crate::parcels::Parcel;
use crate::zonal::ParcelSlope;
pub use zones::Zone;

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
    parcels: &[Parcel],
    stats: &[ParcelSlope],
    s: &ReforestationSettings,
    last_break: f64,
    zones: &[Zone],
) -> Vec<ParcelFlags> {
    parcels
        .par_iter()
        .zip(stats)
        .map(|(p, st)| decide(p, st, s, last_break, zones))
        .collect()
}

fn decide(
    p: &Parcel,
    st: &ParcelSlope,
    s: &ReforestationSettings,
    last_break: f64,
    zones: &[Zone],
) -> ParcelFlags {
    let is_cropland = s.cropland_codes.contains(&p.land_use);
    let mut flags = ParcelFlags {
        is_cropland,
        ..Default::default()
    };
    if !is_cropland {
        return flags;
    }
    flags.zone_shares = zones.iter().map(|z| z.overlap_share(&p.geometry)).collect();
    let terrace = p.terrace_type.eq_ignore_ascii_case("TT");
    let slope_land = p.terrace_type.eq_ignore_ascii_case("PD");
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
            p.land_use,
            st.share[4] * 100.0
        ),
        ReforestationRule::SteepShare
            if st.grade != 0 && st.steep_share() >= s.steep_share_threshold =>
        {
            format!(
                "cropland {}; {:.0}% of its area above {last_break}° (threshold {:.0}%)",
                p.land_use,
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
