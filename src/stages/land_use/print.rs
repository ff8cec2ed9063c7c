//! The printed figures of the 用地结构调整表: ha and mu with `decimals` decimals and the
//! shares in %, rounded by the largest remainder so that every printed column adds up —
//! the townships to the total, the villages of a township to the township, the 村级片区
//! to the total, and in each unit the classes to the unit's 合计; the change is shared
//! out of the unit's (nil) change, and the planned figure is current + change.

use std::collections::BTreeMap;

use super::{apportion, exact, township_of, StructureRow, N};

/// Sets the printed figures of `rows` (villages, clusters, townships, the total last).
pub fn fill_printed(rows: &mut [StructureRow], decimals: u32) {
    for unit in 0..2 {
        let totals = unit_totals(rows, unit, decimals);
        for (r, total) in rows.iter_mut().zip(totals) {
            let printed = classes(r, unit, decimals, total);
            match unit {
                0 => r.ha = printed,
                _ => r.mu = printed,
            }
        }
    }
    let hundred = 100 * 10i64.pow(decimals);
    for r in rows.iter_mut() {
        let area = r.area();
        for j in 0..2 {
            let exact: Vec<f64> = r.areas.iter().map(|a| if area == 0 { 0.0 } else { a[j] as f64 / area as f64 * hundred as f64 }).collect();
            let total = if area == 0 { 0 } else { hundred };
            for (c, v) in apportion(&exact, total).into_iter().enumerate() {
                r.share[c][j] = v;
            }
            r.share[N][j] = total;
        }
    }
}

/// Each row's printed area: the total rounded; townships and 村级片区 share it out; the
/// villages of a township share out the township's.
fn unit_totals(rows: &[StructureRow], unit: usize, decimals: u32) -> Vec<i64> {
    let exact_of = |r: &StructureRow| exact(r.area(), unit, decimals);
    let mut out = vec![0i64; rows.len()];
    let last = rows.len() - 1;
    out[last] = exact_of(&rows[last]).round() as i64;
    for level in ["township", "cluster"] {
        let idx: Vec<usize> = (0..rows.len()).filter(|&k| rows[k].level == level).collect();
        let shares = apportion(&idx.iter().map(|&k| exact_of(&rows[k])).collect::<Vec<_>>(), out[last]);
        idx.iter().zip(shares).for_each(|(&k, v)| out[k] = v);
    }
    let township_total: BTreeMap<&str, i64> = (0..rows.len()).filter(|&k| rows[k].level == "township").map(|k| (rows[k].code.as_str(), out[k])).collect();
    let mut by_township: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for k in (0..rows.len()).filter(|&k| rows[k].level == "village") {
        by_township.entry(township_of(&rows[k].code)).or_default().push(k);
    }
    for (t, idx) in by_township {
        let shares = apportion(&idx.iter().map(|&k| exact_of(&rows[k])).collect::<Vec<_>>(), township_total[t]);
        idx.iter().zip(shares).for_each(|(&k, v)| out[k] = v);
    }
    out
}

/// A unit's classes: the current areas shared out of its printed area, the changes
/// shared out of nothing (the unit's area stays), and the planned areas their sum — so a
/// class the plan leaves alone prints no change, and 现状 + 增减 = 规划 on every row; the
/// 合计 last.
fn classes(r: &StructureRow, unit: usize, decimals: u32, total: i64) -> [[i64; 3]; N + 1] {
    let mut out = [[0i64; 3]; N + 1];
    let current: Vec<f64> = r.areas.iter().map(|a| exact(a[0], unit, decimals)).collect();
    let change: Vec<f64> = r.areas.iter().map(|a| exact(a[1] - a[0], unit, decimals)).collect();
    for (c, (now, delta)) in apportion(&current, total).into_iter().zip(apportion(&change, 0)).enumerate() {
        out[c] = [now, now + delta, delta];
    }
    out[N] = [total, total, 0];
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(level: &'static str, code: &str, cropland_m2: f64, forest_m2: f64) -> StructureRow {
        let mut r = StructureRow { level, code: code.into(), name: code.into(), areas: [[0; 2]; N], ha: [[0; 3]; N + 1], mu: [[0; 3]; N + 1], share: [[0; 2]; N + 1] };
        r.areas[0] = [(cropland_m2 * 100.0) as i64, (cropland_m2 * 100.0) as i64 - 10_000];
        r.areas[2] = [(forest_m2 * 100.0) as i64, (forest_m2 * 100.0) as i64 + 10_000];
        r
    }

    /// Three villages of 3 333.33 + 3 333.34 m² each (0.6667 ha): each prints 0.67 but
    /// the total 2.00 ha: one village prints 0.66 so that the column adds up.
    #[test]
    fn printed_rows_add_up_to_the_printed_total() {
        let t = "500230100";
        let mut rows: Vec<StructureRow> = (0..3).map(|k| row("village", &format!("{t}00{k}0000000"), 3_333.33, 3_333.34)).collect();
        let mut township = row("township", t, 0.0, 0.0);
        let mut total = row("total", "total", 0.0, 0.0);
        for r in [&mut township, &mut total] {
            r.areas = [[0; 2]; N];
            for v in &rows[..3] {
                for c in 0..N {
                    r.areas[c][0] += v.areas[c][0];
                    r.areas[c][1] += v.areas[c][1];
                }
            }
        }
        rows.push(township);
        rows.push(total);
        fill_printed(&mut rows, 2);
        let total = &rows[4];
        assert_eq!(total.ha[N][0], 200, "2.00 ha");
        assert_eq!(rows[..3].iter().map(|r| r.ha[N][0]).collect::<Vec<_>>(), [67, 67, 66]);
        for r in &rows {
            for j in 0..3 {
                let classes: i64 = r.ha[..N].iter().map(|c| c[j]).sum();
                assert_eq!(classes, if j == 2 { 0 } else { r.ha[N][j] }, "{} column {j}", r.code);
            }
            assert_eq!(r.share[..N].iter().map(|s| s[0]).sum::<i64>(), 10_000, "shares add up to 100.00 %");
        }
        for c in 0..=N {
            for j in 0..3 {
                let villages: i64 = rows[..3].iter().map(|r| r.ha[c][j]).sum();
                if c == N {
                    assert_eq!(villages, total.ha[c][j], "the villages' 合计 add up to the total's");
                }
            }
        }
        assert_eq!(total.ha[0][2], -3, "cropland −300 m² = −0.03 ha");
        assert_eq!(total.mu[N][0], 3_000, "20 000.01 m² = 29.9999 mu → 30.00");
    }
}
