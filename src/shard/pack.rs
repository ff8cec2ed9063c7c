//! Packing whole townships into shards that are compact on the ground and balanced in
//! parcels: townships ordered along a Hilbert curve through their envelopes' centres
//! (neighbours on the ground are near on the curve), then cut into `n` consecutive runs
//! of about equal parcel counts. A compact shard reads little beyond its own parcels (its
//! border) and a small DEM window. No shard exceeds its share by more than the largest
//! township; every shard gets at least one township. Deterministic.

use std::collections::BTreeMap;

/// A township to place: its parcel count and the centre of its envelope.
#[derive(Debug, Clone, Copy)]
pub struct Unit {
    pub parcels: u64,
    pub centre: [f64; 2],
}

/// Township code → shard, for `n` shards (`n` ≤ the number of townships).
pub fn pack(units: &BTreeMap<String, Unit>, n: usize) -> BTreeMap<String, usize> {
    let order = curve_order(units);
    let total: u64 = units.values().map(|u| u.parcels).sum();
    let n = n.clamp(1, order.len().max(1));
    let mut out = BTreeMap::new();
    let (mut shard, mut placed, mut in_shard) = (0usize, 0u64, 0usize);
    for (k, code) in order.iter().enumerate() {
        let parcels = units[*code].parcels;
        let left = order.len() - k;
        let share_reached = placed as f64 + parcels as f64 / 2.0 >= (shard + 1) as f64 * total as f64 / n as f64;
        // Move on when this shard has its share, or when each later shard needs one of
        // the townships left.
        if shard + 1 < n && in_shard > 0 && (share_reached || left <= n - 1 - shard) {
            shard += 1;
            in_shard = 0;
        }
        placed += parcels;
        in_shard += 1;
        out.insert(code.to_string(), shard);
    }
    out
}

/// The township codes along the Hilbert curve (ties by code).
fn curve_order(units: &BTreeMap<String, Unit>) -> Vec<&String> {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for u in units.values().filter(|u| u.centre[0].is_finite() && u.centre[1].is_finite()) {
        for a in 0..2 {
            lo[a] = lo[a].min(u.centre[a]);
            hi[a] = hi[a].max(u.centre[a]);
        }
    }
    let cell = |v: f64, a: usize| -> u32 {
        let span = hi[a] - lo[a];
        if !v.is_finite() || span.is_nan() || span <= 0.0 {
            return 0;
        }
        (((v - lo[a]) / span) * 65535.0).round().clamp(0.0, 65535.0) as u32
    };
    let mut keyed: Vec<(u64, &String)> = units.iter().map(|(code, u)| (hilbert(cell(u.centre[0], 0), cell(u.centre[1], 1)), code)).collect();
    keyed.sort();
    keyed.into_iter().map(|(_, c)| c).collect()
}

/// Position of cell (x, y) on the Hilbert curve over a 2^16 × 2^16 grid.
fn hilbert(mut x: u32, mut y: u32) -> u64 {
    let mut d = 0u64;
    let mut s = 1u32 << 15;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                (x, y) = (0xFFFF - x, 0xFFFF - y);
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10 × 10 grid of townships of `size(i, j)` parcels each.
    fn grid(size: impl Fn(usize, usize) -> u64) -> BTreeMap<String, Unit> {
        let mut out = BTreeMap::new();
        for i in 0..10 {
            for j in 0..10 {
                out.insert(format!("t{i}{j}"), Unit { parcels: size(i, j), centre: [i as f64 * 1000.0, j as f64 * 1000.0] });
            }
        }
        out
    }

    fn loads(units: &BTreeMap<String, Unit>, p: &BTreeMap<String, usize>, n: usize) -> Vec<u64> {
        let mut load = vec![0u64; n];
        for (t, s) in p {
            load[*s] += units[t].parcels;
        }
        load
    }

    #[test]
    fn balanced_within_the_largest_township_and_every_shard_used() {
        let units = grid(|i, j| 50 + ((i * 7 + j * 13) % 40) as u64);
        for n in [1, 2, 3, 4, 7, 100] {
            let p = pack(&units, n);
            let load = loads(&units, &p, n);
            let mean = units.values().map(|u| u.parcels).sum::<u64>() as f64 / n as f64;
            assert!(load.iter().all(|l| *l > 0), "n = {n}: {load:?}");
            assert!(load.iter().all(|l| (*l as f64 - mean).abs() <= 90.0), "n = {n}: {load:?}");
        }
    }

    #[test]
    fn shards_are_compact_on_the_ground() {
        let units = grid(|_, _| 100);
        let p = pack(&units, 4);
        for s in 0..4 {
            let xs: Vec<[f64; 2]> = p.iter().filter(|(_, v)| **v == s).map(|(t, _)| units[t].centre).collect();
            let w = xs.iter().map(|c| c[0]).fold(f64::MIN, f64::max) - xs.iter().map(|c| c[0]).fold(f64::MAX, f64::min);
            let h = xs.iter().map(|c| c[1]).fold(f64::MIN, f64::max) - xs.iter().map(|c| c[1]).fold(f64::MAX, f64::min);
            assert!(w * h <= 5000.0 * 5000.0, "shard {s} spans {w} × {h}");
        }
    }

    #[test]
    fn deterministic_and_all_placed() {
        let units = grid(|i, _| 10 + i as u64);
        assert_eq!(pack(&units, 3), pack(&units, 3));
        assert_eq!(pack(&units, 3).len(), 100);
    }

    #[test]
    fn a_curve_visits_each_cell_once() {
        let mut seen = std::collections::BTreeSet::new();
        for x in 0..64u32 {
            for y in 0..64u32 {
                seen.insert(hilbert(x << 10, y << 10));
            }
        }
        assert_eq!(seen.len(), 64 * 64);
    }
}
