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
/// A value that rounds to zero is +0: a tiny negative (a balance of −0.001) must not
/// print as "-0" or "-0.00".
pub fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    unsigned_zero((v * f).round() / f)
}

/// `v`, with a negative zero made +0 (Rust and Excel print −0.0 as "-0").
pub fn unsigned_zero(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// `v` as text with `decimals` decimals, never "-0.00": a value that shows as zero is
/// printed without a sign.
pub fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.chars().all(|c| c == '0' || c == '.') => unsigned.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_never_negative_once_rounded_or_printed() {
        assert!(round(-0.001, 2).is_sign_positive() && round(-0.001, 2) == 0.0);
        assert_eq!(round(-0.006, 2), -0.01);
        assert_eq!(round(-0.001, 2).to_string(), "0");
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(fixed(-0.004, 2), "0.00");
        assert_eq!(fixed(-0.005001, 2), "-0.01");
        assert_eq!(fixed(-12.5, 1), "-12.5");
        assert_eq!(unsigned_zero(-0.0).to_string(), "0");
        // CSV cells are AttrValue text.
        assert_eq!(crate::table::AttrValue::Real(-0.0).as_text(), "0");
    }
}
