//! Packing whole townships into shards of balanced parcel counts: largest township first
//! into the shard with the fewest parcels so far (ties: the lower shard), townships of
//! equal size by code. Deterministic; no shard exceeds the mean by more than the
//! largest township.

use std::collections::BTreeMap;

/// Township code → the shard it goes to, for `n` shards.
pub fn pack(counts: &BTreeMap<String, u64>, n: usize) -> BTreeMap<String, usize> {
    let mut order: Vec<(&String, u64)> = counts.iter().map(|(k, v)| (k, *v)).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut load = vec![0u64; n.max(1)];
    let mut out = BTreeMap::new();
    for (township, count) in order {
        let lightest = (0..load.len()).min_by_key(|&s| (load[s], s)).unwrap_or(0);
        load[lightest] += count;
        out.insert(township.clone(), lightest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(list: &[(&str, u64)]) -> BTreeMap<String, u64> {
        list.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn balanced_within_the_largest_township() {
        let c = counts(&[("a", 50), ("b", 40), ("c", 30), ("d", 20), ("e", 10), ("f", 10), ("g", 5)]);
        let p = pack(&c, 3);
        let mut load = [0u64; 3];
        for (t, s) in &p {
            load[*s] += c[t];
        }
        let mean = c.values().sum::<u64>() as f64 / 3.0;
        assert!(load.iter().all(|l| (*l as f64) <= mean + 50.0), "{load:?}");
        assert_eq!(load.iter().sum::<u64>(), 165);
        assert_eq!(p["a"], 0, "largest first, into shard 0");
    }

    #[test]
    fn deterministic_and_every_township_placed() {
        let c = counts(&[("x", 3), ("y", 3), ("z", 3)]);
        assert_eq!(pack(&c, 2), pack(&c, 2));
        assert_eq!(pack(&c, 2).len(), 3);
        assert_eq!(pack(&c, 2)["x"], 0, "equal sizes go by code");
        assert!(pack(&c, 5).values().all(|s| *s < 5));
    }
}
