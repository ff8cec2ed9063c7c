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

/// Largest-remainder rounding: `exact` values (in printed units, e.g. hundredths of a
/// hectare) rounded to whole units so that they sum to exactly `total` (the rounded
/// total, or a parent's printed share). Each value goes down to its floor, then the
/// values with the largest fractional parts (ties: the earlier) go up by one until the
/// sum is `total`; a `total` outside [Σ floor, Σ ceil] (not a rounding of Σ exact) moves
/// the values with the largest (or smallest) parts by more, still in that order.
pub fn largest_remainder(exact: &[f64], total: i64) -> Vec<i64> {
    let mut out: Vec<i64> = exact.iter().map(|v| v.floor() as i64).collect();
    if out.is_empty() {
        return out;
    }
    let mut order: Vec<usize> = (0..exact.len()).collect();
    let part = |i: usize| exact[i] - exact[i].floor();
    order.sort_by(|&a, &b| part(b).total_cmp(&part(a)).then(a.cmp(&b)));
    let mut left = total - out.iter().sum::<i64>();
    let step = left.signum();
    let mut k = 0;
    while left != 0 {
        let i = if step > 0 { order[k % order.len()] } else { order[order.len() - 1 - k % order.len()] };
        out[i] += step;
        left -= step;
        k += 1;
    }
    out
}

/// An area in the tables' whole "cm²" (hundredths of a m², as `stages::indicators::cm2`
/// keeps them) as printed units of `unit_m2` square metres with `decimals` decimals (ha:
/// 10 000 m²; mu: 666.67 m²), unrounded.
pub fn printed_units(cm2: i64, unit_m2: f64, decimals: u32) -> f64 {
    cm2 as f64 / 100.0 / unit_m2 * 10f64.powi(decimals as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_rows_add_up_to_the_total() {
        // 3 × 33.333… of 100: each rounds to 33 (99); the earliest of the equal parts goes up.
        assert_eq!(largest_remainder(&[100.0 / 3.0; 3], 100), [34, 33, 33]);
        // The largest fractional part goes up: 1.2 + 2.6 + 3.2 = 7.0.
        assert_eq!(largest_remainder(&[1.2, 2.6, 3.2], 7), [1, 3, 3]);
        // Negative values (a change column) floor downwards: −1.5 + 0.75 + 2.0 = 1.25 → 1.
        assert_eq!(largest_remainder(&[-1.5, 0.75, 2.0], 1), [-2, 1, 2]);
        assert_eq!(largest_remainder(&[], 0), Vec::<i64>::new());
        // A total beyond the ceilings still adds up.
        assert_eq!(largest_remainder(&[0.5, 0.25], 3).iter().sum::<i64>(), 3);
        assert_eq!(largest_remainder(&[0.5, 0.25], -1).iter().sum::<i64>(), -1);
        assert_eq!(printed_units(10_000, 10_000.0, 2), 1.0, "100 m² (10 000 hundredths of m²) are 0.01 ha, 1 unit");
    }

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
