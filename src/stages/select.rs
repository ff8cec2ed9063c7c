//! The least-area selection that balances what a plan takes away: choose candidates so
//! their area reaches what is needed, their area-weighted quality is no worse than a
//! bound, and their total area is the least possible — a covering knapsack, solved
//! exactly as a mixed-integer programme by HiGHS (not a greedy guess). Used by the
//! basic-farmland adjustment (调入 for 调出) and by the swap (补充 for 流出).
//!
//! min Σ aᵢxᵢ  subject to  Σ aᵢxᵢ ≥ R,  Σ aᵢ(qᵢ − Q)xᵢ ≤ 0 (when a quality bound Q is
//! given; lower quality grades are better),  xᵢ ∈ {0, 1}.
//!
//! Areas are counted in whole cm² (the need rounded up): every selection's area is then a
//! whole number of cm², and a selection within 1 cm² of the solver's lower bound is proven
//! least — a gap HiGHS closes at once where a bound to the last float would not.
//!
//! Ties among selections of the same area go to the better-ranked candidates: after the
//! solve, a chosen candidate is exchanged for an unchosen one of the same area (to the
//! cm²) and a better rank while that keeps the quality bound.

use highs::{HighsModelStatus, RowProblem, Sense};

use super::subset_sum;

/// One candidate: its area (m²), its quality grade (when the bound applies) and its rank
/// (0 = most preferred).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub area_m2: f64,
    pub quality: Option<f64>,
    pub rank: usize,
}

/// What must be reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Need {
    pub area_m2: f64,
    /// The area-weighted mean quality the selection may not exceed.
    pub max_quality: Option<f64>,
}

/// How a selection came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing was needed.
    Nothing,
    /// The proven least area.
    Optimal,
    /// The solver's time ran out: the best selection found, not proven least.
    TimeLimit,
    /// Even every candidate together falls short: all are taken.
    Deficit,
    /// The area can be reached but not within the quality bound: the least area without it.
    QualityInfeasible,
    /// The solver failed (its message is logged): every candidate is taken.
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Nothing => "nothing_needed",
            Status::Optimal => "optimal",
            Status::TimeLimit => "time_limit",
            Status::Deficit => "deficit",
            Status::QualityInfeasible => "quality_infeasible",
            Status::Failed => "solver_failed",
        }
    }
}

/// The selection, and what the solver said.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub chosen: Vec<bool>,
    pub status: Status,
    /// Σ area chosen, m².
    pub area_m2: f64,
    /// The solver's relative gap between the selection and the best bound (0 = proven).
    pub gap: f64,
}

/// The solver, for the ledgers.
pub const SOLVER: &str = "HiGHS";

/// An area in whole cm².
fn cm2(m2: f64) -> f64 {
    (m2 * 100.0).round()
}

/// The least-area selection of `candidates` meeting `need`, the solver given at most
/// `time_limit_s` seconds.
pub fn least_area(candidates: &[Candidate], need: &Need, time_limit_s: f64) -> Selection {
    let started = std::time::Instant::now();
    let s = least_area_of(candidates, need, time_limit_s);
    let seconds = started.elapsed().as_secs_f64();
    tracing::debug!(candidates = candidates.len(), need_m2 = need.area_m2, status = s.status.name(), gap = s.gap, seconds, "least-area selection");
    s
}

fn least_area_of(candidates: &[Candidate], need: &Need, time_limit_s: f64) -> Selection {
    let all = || vec![true; candidates.len()];
    if need.area_m2 <= 0.0 {
        return done(candidates, vec![false; candidates.len()], Status::Nothing, 0.0);
    }
    if candidates.iter().map(|c| cm2(c.area_m2)).sum::<f64>() < (need.area_m2 * 100.0 - 1e-6).ceil() {
        return done(candidates, all(), Status::Deficit, 0.0);
    }
    // A quality bound every candidate meets binds nothing: the sums alone decide.
    let bounded = need.max_quality.is_some_and(|q| candidates.iter().any(|c| c.quality.is_none_or(|x| x > q)));
    if !bounded {
        if let Some(s) = at_the_bound(candidates, need) {
            return s;
        }
    }
    match solve(candidates, need, time_limit_s) {
        Some(s) => s,
        None if bounded => {
            let unbounded = Need { max_quality: None, ..*need };
            let mut s = solve(candidates, &unbounded, time_limit_s).unwrap_or_else(|| done(candidates, all(), Status::Failed, 0.0));
            s.status = Status::QualityInfeasible;
            s
        }
        None => done(candidates, all(), Status::Failed, 0.0),
    }
}

/// A selection whose area is the least there is, found by subset sums (exact, in whole
/// cm²): the least sum at or above the need when every sum up to it fits the sums'
/// limit; else, beside the best-ranked parcels that leave a remainder within the limit,
/// parcels summing to exactly that remainder (the need itself: nothing is less). None when
/// neither applies (the solver then searches).
fn at_the_bound(candidates: &[Candidate], need: &Need) -> Option<Selection> {
    let values: Vec<u64> = candidates.iter().map(|c| cm2(c.area_m2) as u64).collect();
    let target = (need.area_m2 * 100.0 - 1e-6).ceil() as u64;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&k| candidates[k].rank);
    let largest = values.iter().copied().max().unwrap_or(0);
    let total: u64 = values.iter().sum();
    // The least subset at or above the target lies below target + largest; or, when the
    // candidates barely cover the need, the greatest area left out is at most total − target.
    let items = if target + largest.saturating_sub(1) <= subset_sum::LIMIT {
        subset_sum::least_in(&values, &order, target, target + largest.saturating_sub(1))?
    } else if total - target <= subset_sum::LIMIT {
        left_out_at_most(&values, &order, total - target)
    } else {
        exact_remainder(&values, &order, target)?
    };
    let mut chosen = vec![false; candidates.len()];
    items.into_iter().for_each(|k| chosen[k] = true);
    Some(done(candidates, prefer_ranks(candidates, chosen, need), Status::Optimal, 0.0))
}

/// Every candidate but those of the greatest sum at most `cap` (the worst-ranked making
/// it where sums tie): the least area at or above total − cap.
fn left_out_at_most(values: &[u64], order: &[usize], cap: u64) -> Vec<usize> {
    let worst_first: Vec<usize> = order.iter().rev().copied().collect();
    let mut keep = vec![true; values.len()];
    subset_sum::greatest_at_most(values, &worst_first, cap).into_iter().for_each(|k| keep[k] = false);
    (0..values.len()).filter(|&k| keep[k]).collect()
}

/// The best-ranked parcels that leave between half the sums' limit and the limit to
/// reach `target`, and parcels of the others summing to exactly that remainder.
fn exact_remainder(values: &[u64], order: &[usize], target: u64) -> Option<Vec<usize>> {
    let window = subset_sum::LIMIT / 2;
    let (mut taken, mut rest, mut sum) = (Vec::new(), Vec::new(), 0u64);
    for &k in order {
        match sum + values[k] + window <= target {
            true => {
                sum += values[k];
                taken.push(k);
            }
            false => rest.push(k),
        }
    }
    let remainder = target - sum;
    if remainder > subset_sum::LIMIT {
        return None;
    }
    taken.extend(subset_sum::least_in(values, &rest, remainder, remainder)?);
    Some(taken)
}

/// One solve; None when the problem is infeasible.
fn solve(candidates: &[Candidate], need: &Need, time_limit_s: f64) -> Option<Selection> {
    let mut problem = RowProblem::default();
    let columns: Vec<_> = candidates.iter().map(|c| problem.add_integer_column(cm2(c.area_m2), 0.0..=1.0)).collect();
    let required = (need.area_m2 * 100.0 - 1e-6).ceil();
    problem.add_row(required.., columns.iter().zip(candidates).map(|(x, c)| (*x, cm2(c.area_m2))));
    if let Some(q) = need.max_quality {
        let terms = columns.iter().zip(candidates).map(|(x, c)| (*x, cm2(c.area_m2) * (c.quality.unwrap_or(f64::INFINITY) - q)));
        problem.add_row(..=0.0, terms);
    }
    let mut model = problem.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("time_limit", time_limit_s);
    model.set_option("mip_rel_gap", 0.0);
    // Areas are whole cm²: within 1 cm² of the bound is the least there is.
    model.set_option("mip_abs_gap", 0.99);
    model.set_option("threads", 1);
    let solved = model.try_solve().ok()?;
    let status = match solved.status() {
        HighsModelStatus::Optimal => Status::Optimal,
        HighsModelStatus::ReachedTimeLimit if solved.get_solution().columns().len() == candidates.len() => Status::TimeLimit,
        HighsModelStatus::Infeasible => return None,
        other => {
            tracing::warn!(status = ?other, "the selection solver stopped without a selection");
            return None;
        }
    };
    let chosen: Vec<bool> = solved.get_solution().columns().iter().map(|v| *v > 0.5).collect();
    let gap = if status == Status::Optimal { 0.0 } else { solved.mip_gap() };
    Some(done(candidates, prefer_ranks(candidates, chosen, need), status, gap))
}

/// Exchanges chosen candidates for unchosen ones of the same area (to the cm²) and a
/// better rank, while the quality bound holds; the area is unchanged.
fn prefer_ranks(candidates: &[Candidate], mut chosen: Vec<bool>, need: &Need) -> Vec<bool> {
    let cm2 = |c: &Candidate| cm2(c.area_m2) as i64;
    let mut by_area: Vec<usize> = (0..candidates.len()).collect();
    by_area.sort_by_key(|&i| (cm2(&candidates[i]), candidates[i].rank));
    for group in by_area.chunk_by(|&a, &b| cm2(&candidates[a]) == cm2(&candidates[b])) {
        let mut free: Vec<usize> = group.iter().copied().filter(|&i| !chosen[i]).collect();
        free.reverse(); // pop() gives the best-ranked free one
        let taken: Vec<usize> = group.iter().rev().copied().filter(|&i| chosen[i]).collect();
        for i in taken {
            let Some(&j) = free.last() else { break };
            if candidates[j].rank >= candidates[i].rank || !quality_holds_after(candidates, &chosen, need, i, j) {
                continue;
            }
            free.pop();
            chosen[i] = false;
            chosen[j] = true;
        }
    }
    chosen
}

/// Whether exchanging `out` for `inn` keeps the area-weighted quality within the bound.
fn quality_holds_after(candidates: &[Candidate], chosen: &[bool], need: &Need, out: usize, inn: usize) -> bool {
    let Some(q) = need.max_quality else { return true };
    let excess = |k: usize| candidates[k].area_m2 * (candidates[k].quality.unwrap_or(f64::INFINITY) - q);
    let now: f64 = (0..candidates.len()).filter(|&k| chosen[k]).map(excess).sum();
    now - excess(out) + excess(inn) <= 1e-9
}

fn done(candidates: &[Candidate], chosen: Vec<bool>, status: Status, gap: f64) -> Selection {
    let area_m2 = candidates.iter().zip(&chosen).filter(|(_, c)| **c).map(|(k, _)| cm2(k.area_m2)).sum::<f64>() / 100.0;
    Selection { chosen, status, area_m2, gap }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(areas: &[f64]) -> Vec<Candidate> {
        areas.iter().enumerate().map(|(rank, &area_m2)| Candidate { area_m2, quality: None, rank }).collect()
    }

    #[test]
    fn the_least_area_reaching_the_need_is_found_not_the_greedy_one() {
        // Need 10: greedy by size takes 7 + 5 = 12 (or 7 + 4 = 11); the optimum is 6 + 4 = 10.
        let c = items(&[7.0, 6.0, 5.0, 4.0]);
        let s = least_area(&c, &Need { area_m2: 10.0, max_quality: None }, 10.0);
        assert_eq!((s.status, s.chosen.clone()), (Status::Optimal, vec![false, true, false, true]));
        assert!((s.area_m2 - 10.0).abs() < 1e-9);
    }

    #[test]
    fn the_quality_bound_costs_area_and_an_impossible_one_is_said() {
        // Need 10 at mean quality ≤ 2: {6 (q5), 4 (q1)} has mean 3.4; {7 (q1), 4 (q1)} = 11.
        let mut c = items(&[7.0, 6.0, 5.0, 4.0]);
        for (k, q) in [1.0, 5.0, 5.0, 1.0].into_iter().enumerate() {
            c[k].quality = Some(q);
        }
        let s = least_area(&c, &Need { area_m2: 10.0, max_quality: Some(2.0) }, 10.0);
        assert_eq!((s.status, s.chosen.clone()), (Status::Optimal, vec![true, false, false, true]));
        let s = least_area(&c, &Need { area_m2: 10.0, max_quality: Some(0.5) }, 10.0);
        assert_eq!(s.status, Status::QualityInfeasible);
        assert!((s.area_m2 - 10.0).abs() < 1e-9, "the least area without the bound");
    }

    #[test]
    fn a_deficit_takes_everything_and_nothing_needed_takes_nothing() {
        let c = items(&[3.0, 2.0]);
        let s = least_area(&c, &Need { area_m2: 10.0, max_quality: None }, 10.0);
        assert_eq!((s.status, s.chosen), (Status::Deficit, vec![true, true]));
        let s = least_area(&c, &Need { area_m2: 0.0, max_quality: None }, 10.0);
        assert_eq!((s.status, s.chosen), (Status::Nothing, vec![false, false]));
    }

    #[test]
    fn equal_areas_go_to_the_better_ranked() {
        // Three parcels of 5 m², need 5: the best-ranked one, whichever the solver picked.
        let mut c = items(&[5.0, 5.0, 5.0]);
        c[0].rank = 2;
        c[1].rank = 0;
        c[2].rank = 1;
        let s = least_area(&c, &Need { area_m2: 5.0, max_quality: None }, 10.0);
        assert_eq!(s.chosen, vec![false, true, false]);
    }

    #[test]
    fn a_pool_that_barely_covers_a_large_need_is_solved_exactly_by_what_it_leaves_out() {
        // 10 parcels of 2 000–9 000 m² (each beyond the sums' limit) and 6 of 5–65 m², the
        // need 42.345 m² short of all of them: the least area is all but the greatest sum
        // ≤ 42.345 m² left out, equal to the enumeration of every subset, proven at once.
        let mut seed = 3u64;
        let areas: Vec<f64> = (0..16)
            .map(|k| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let (base, spread) = if k < 10 { (2000.0, 7000.0) } else { (5.0, 60.0) };
                base + ((seed >> 33) % (spread as u64 * 100)) as f64 / 100.0
            })
            .collect();
        let cm2s: Vec<u64> = areas.iter().map(|a| (a * 100.0).round() as u64).collect();
        let total: u64 = cm2s.iter().sum();
        let need_cm2 = total - 423_450;
        let best = (0u32..1 << 16).map(|m| (0..16).filter(|k| m >> k & 1 == 1).map(|k| cm2s[k]).sum::<u64>()).filter(|s| *s >= need_cm2).min().unwrap();
        let s = least_area(&items(&areas), &Need { area_m2: need_cm2 as f64 / 100.0, max_quality: None }, 0.001);
        assert_eq!(s.status, Status::Optimal);
        let chosen: u64 = (0..16).filter(|&k| s.chosen[k]).map(|k| cm2s[k]).sum();
        assert_eq!(chosen, best, "the enumeration's least area");
        assert!(best < total, "something is left out: {areas:?}");
    }
}
