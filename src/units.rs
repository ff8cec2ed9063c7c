//! Area units of Chinese planning tables and the rounding used for presentation.

/// 1 mu (亩) in square metres, as planning tables use it.
pub const M2_PER_MU: f64 = 666.67;

/// Square metres to hectares (公顷).
pub fn ha(m2: f64) -> f64 {
    m2 / 10_000.0
}

/// Square metres to mu (亩).
pub fn mu(m2: f64) -> f64 {
    m2 / M2_PER_MU
}

/// Rounds for presentation in tables (the GeoPackage's parcels keep full precision).
pub fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
