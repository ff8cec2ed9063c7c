//! Subset sums in whole units by a bitset dynamic programme: which sums of a set of whole
//! numbers (areas in cm²) are reachable, and the items that make one. Exact: a sum it
//! does not find is no subset's. The least-area selection (`select`) uses it to find a
//! selection at the bound (its area is then proven least) where a MILP solver would have
//! to search long for one.

/// The largest sum a call may consider (2²⁴ cm² ≈ 1 678 m²; 2 MiB of bits and 64 MiB of
/// parent links at most).
pub const LIMIT: u64 = 1 << 24;

/// The items (indices into `values`, tried in `order`, earlier ones first to make a sum)
/// of the least subset sum in `[target, limit]`; None when no subset sums into it.
/// `limit` must be at most [`LIMIT`].
pub fn least_in(values: &[u64], order: &[usize], target: u64, limit: u64) -> Option<Vec<usize>> {
    assert!(limit <= LIMIT && target <= limit, "sums up to {LIMIT} only");
    let (bits, from) = reachable(values, order, limit, target);
    let best = (target as usize..=limit as usize).find(|&s| is_set(&bits, s))?;
    Some(items_of(best, values, &from))
}

/// The items (tried in `order`) of the greatest subset sum at most `cap` (the empty set
/// when no item fits). `cap` must be at most [`LIMIT`]. Leaving out the greatest sum at
/// most (total − need) chooses the least area at or above the need.
pub fn greatest_at_most(values: &[u64], order: &[usize], cap: u64) -> Vec<usize> {
    assert!(cap <= LIMIT, "sums up to {LIMIT} only");
    let (bits, from) = reachable(values, order, cap, cap);
    let best = (0..=cap as usize).rev().find(|&s| is_set(&bits, s)).unwrap_or(0);
    items_of(best, values, &from)
}

/// The sums up to `limit` reachable with the items in `order` (stopping once `stop` is),
/// and for each the item + 1 that first made it.
fn reachable(values: &[u64], order: &[usize], limit: u64, stop: u64) -> (Vec<u64>, Vec<u32>) {
    let n_sums = limit as usize + 1;
    let mut bits = vec![0u64; n_sums.div_ceil(64)];
    // Item + 1 that first made each sum (0: none yet); zeroed memory is handed out lazily,
    // so only the sums reached cost anything.
    let mut from = vec![0u32; n_sums];
    bits[0] = 1;
    for &k in order {
        let a = values[k];
        if a == 0 || a > limit {
            continue;
        }
        add_item(&mut bits, &mut from, a as usize, k as u32 + 1, n_sums);
        if is_set(&bits, stop as usize) {
            break; // the stop sum itself is reachable: nothing in the range is better
        }
    }
    (bits, from)
}

/// Sums reachable with the item `link` − 1 (value `a`) added to those reachable before;
/// each new sum remembers `link`. From the top word down, so every new sum comes from an old one.
fn add_item(bits: &mut [u64], from: &mut [u32], a: usize, link: u32, n_sums: usize) {
    let (words, shift) = (a / 64, (a % 64) as u32);
    for i in (words..bits.len()).rev() {
        let low = if shift == 0 || i == words { 0 } else { bits[i - words - 1] >> (64 - shift) };
        let shifted = (bits[i - words] << shift) | low;
        let mut new = shifted & !bits[i];
        bits[i] |= new;
        while new != 0 {
            let s = i * 64 + new.trailing_zeros() as usize;
            if s < n_sums {
                from[s] = link;
            }
            new &= new - 1;
        }
    }
    // Bits past the last sum are not sums.
    let tail = n_sums % 64;
    if tail != 0 {
        let last = bits.len() - 1;
        bits[last] &= (1u64 << tail) - 1;
    }
}

fn is_set(bits: &[u64], s: usize) -> bool {
    bits.get(s / 64).is_some_and(|w| w >> (s % 64) & 1 == 1)
}

/// The items that make sum `s`, by following each sum's item back to zero.
fn items_of(mut s: usize, values: &[u64], from: &[u32]) -> Vec<usize> {
    let mut items = Vec::new();
    while s > 0 {
        let k = from[s] as usize - 1;
        items.push(k);
        s -= values[k] as usize;
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subset's sum, by enumeration (small n).
    fn brute_least(values: &[u64], target: u64, limit: u64) -> Option<u64> {
        (0u32..1 << values.len())
            .map(|m| (0..values.len()).filter(|k| m >> k & 1 == 1).map(|k| values[k]).sum::<u64>())
            .filter(|s| (target..=limit).contains(s))
            .min()
    }

    #[test]
    fn the_least_sum_in_range_equals_enumeration_and_its_items_make_it() {
        let mut seed = 7u64;
        for case in 0..300 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let n = 1 + (seed >> 60) as usize;
            let values: Vec<u64> = (0..n).map(|k| 1 + ((seed >> (k * 5 % 50)) % 200)).collect();
            let total: u64 = values.iter().sum();
            let target = (seed >> 20) % (total + 5);
            let limit = (target + (seed >> 40) % 300).min(LIMIT);
            let order: Vec<usize> = (0..n).collect();
            let got = least_in(&values, &order, target, limit);
            let sum = got.as_ref().map(|items| items.iter().map(|&k| values[k]).sum::<u64>());
            assert_eq!(sum, brute_least(&values, target, limit), "case {case}: {values:?} target {target} limit {limit}");
            if let Some(items) = got {
                let mut distinct = items.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(distinct.len(), items.len(), "an item used once");
            }
        }
    }

    #[test]
    fn the_greatest_sum_at_most_the_cap_equals_enumeration() {
        let mut seed = 11u64;
        for case in 0..300 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let n = 1 + (seed >> 60) as usize;
            let values: Vec<u64> = (0..n).map(|k| 1 + ((seed >> (k * 5 % 50)) % 200)).collect();
            let cap = (seed >> 20) % (values.iter().sum::<u64>() + 5);
            let order: Vec<usize> = (0..n).rev().collect();
            let items = greatest_at_most(&values, &order, cap);
            let best = (0u32..1 << n).map(|m| (0..n).filter(|k| m >> k & 1 == 1).map(|k| values[k]).sum::<u64>()).filter(|s| *s <= cap).max();
            assert_eq!(Some(items.iter().map(|&k| values[k]).sum::<u64>()), best, "case {case}: {values:?} cap {cap}");
        }
    }

    #[test]
    fn shifts_across_word_boundaries_and_earlier_items_first() {
        // 64 and 128 shift by whole words; 65 by a word and a bit.
        let values = [64, 128, 65, 1];
        assert_eq!(least_in(&values, &[0, 1, 2, 3], 193, 300).map(|v| v.iter().map(|&k| values[k]).sum::<u64>()), Some(193));
        // Two ways to make 5: the earlier items in `order` make it.
        let values = [2, 3, 5];
        let mut items = least_in(&values, &[0, 1, 2], 5, 5).unwrap();
        items.sort_unstable();
        assert_eq!(items, vec![0, 1]);
        assert_eq!(least_in(&values, &[2, 0, 1], 5, 5).unwrap(), vec![2]);
        assert_eq!(least_in(&[4, 6], &[0, 1], 5, 5), None);
    }
}
