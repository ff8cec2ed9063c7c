//! Planning rules on top of the slope figures: cropland and reforestation candidates
//! (退耕还林: cropland steeper than the last grade break).

pub mod village;

use crate::config::{ReforestationRule, ReforestationSettings};
use crate::parcels::Parcel;
use crate::zonal::ParcelSlope;

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
    parcels: &[Parcel],
    stats: &[ParcelSlope],
    s: &ReforestationSettings,
    last_break: f64,
) -> Vec<ParcelFlags> {
    parcels
        .iter()
        .zip(stats)
        .map(|(p, st)| {
            let is_cropland = s.cropland_codes.contains(&p.land_use);
            let mut flags = ParcelFlags { is_cropland, ..Default::default() };
            if !is_cropland || (s.exclude_terraces && p.terrace_type.eq_ignore_ascii_case("TT")) {
                return flags;
            }
            match s.rule {
                ReforestationRule::DominantGrade if st.grade == 5 => {
                    flags.reforest = true;
                    flags.reason = format!(
                        "cropland {}; dominant slope grade 5 (>{last_break}°) on {:.0}% of its area",
                        p.land_use,
                        st.share[4] * 100.0
                    );
                }
                ReforestationRule::SteepShare if st.steep_share() >= s.steep_share_threshold && st.grade != 0 => {
                    flags.reforest = true;
                    flags.reason = format!(
                        "cropland {}; {:.0}% of its area above {last_break}° (threshold {:.0}%)",
                        p.land_use,
                        st.steep_share() * 100.0,
                        s.steep_share_threshold * 100.0
                    );
                }
                _ => {}
            }
            flags
        })
        .collect()
}
