//! The survey's own attributes of a synthetic parcel: its land-use code (三调 可调整地类 with a
//! `K` suffix, bare land 1206 among the grass), its restoration attribute (HFSX: 即可恢复 /
//! 工程恢复), its recorded grade and 田坎 figures (GDLX, KCXS).

use super::mosaic::Kind;
use super::rng::{hash_unit, Rng};

/// Kinds that the previous survey may have had as cropland (可调整地类 when marked `K`).
fn adjustable(kind: Kind) -> bool {
    matches!(kind, Kind::Orchard | Kind::Tea | Kind::OtherGarden | Kind::Forest | Kind::Bamboo | Kind::OtherForest | Kind::Grass | Kind::Pond)
}

/// (DLBM, DLMC) of parcel `n`: 8 % of the adjustable kinds carry the `K` suffix (可调整);
/// a third of the other grass is bare land (1206 裸土地).
pub(super) fn land_use(kind: Kind, seed: u64, n: usize) -> (String, String) {
    let (code, name) = kind.code();
    if adjustable(kind) && hash_unit(seed, &[301, n as u64]) < 0.08 {
        return (format!("{code}K"), format!("可调整{name}"));
    }
    if kind == Kind::Grass && hash_unit(seed, &[302, n as u64]) < 0.33 {
        return ("1206".into(), "裸土地".into());
    }
    (code.into(), name.into())
}

/// HFSX of parcel `n` with land use `code`: 5 % of the adjustable kinds not marked `K` are
/// 即可恢复 or 工程恢复 (half each), as a 耕地恢复潜力 survey records them; a few `K`
/// parcels are marked 工程恢复 too (their works come in phase 2). Empty for the others.
pub(super) fn restore_attribute(kind: Kind, code: &str, seed: u64, n: usize) -> &'static str {
    let u = hash_unit(seed, &[303, n as u64]);
    match (adjustable(kind), code.ends_with('K')) {
        (true, false) if u < 0.025 => "即可恢复",
        (true, false) if u < 0.05 => "工程恢复",
        (true, true) if u < 0.2 => "工程恢复",
        _ => "",
    }
}

/// The grade of a slope, stale by one grade in 5 % of parcels (as in real surveys).
pub(super) fn recorded_grade(rng: &mut Rng, slope: f64) -> u8 {
    let mut g = match slope {
        s if s <= 2.0 => 1,
        s if s <= 6.0 => 2,
        s if s <= 15.0 => 3,
        s if s <= 25.0 => 4,
        _ => 5,
    };
    if rng.chance(0.05) {
        g = if g == 5 || (g > 1 && rng.chance(0.5)) { g - 1 } else { g + 1 };
    }
    g
}

/// GDLX: terraces (TT) or slope land (PD) for cropland above grade 1.
pub(super) fn terrace_type(recorded: Option<u8>, terrace: bool) -> &'static str {
    match recorded {
        Some(g) if g >= 2 => {
            if terrace {
                "TT"
            } else {
                "PD"
            }
        }
        _ => "",
    }
}

/// KCXS: the 田坎 deduction coefficient by grade, larger on terraces.
pub(super) fn terrace_deduction(recorded: Option<u8>, terrace: bool) -> f64 {
    match recorded {
        Some(g) => [0.0, 0.021, 0.065, 0.108, 0.152][g as usize - 1] * (terrace as u8 as f64 * 0.3 + 0.85),
        None => 0.0,
    }
}

