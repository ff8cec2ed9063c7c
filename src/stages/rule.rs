//! A planning rule as one unit, and the run's data every rule, layer and table reads.
//!
//! A rule (退耕还林, 林耕置换, 增减挂钩, 小田并大田, …) is one file in `stages/` holding its
//! logic and its [`Rule`] implementation: its name and settings switch, what it decides
//! (stored as its outcome in the run's [`Outcomes`], by type), the land-use class it plans
//! for each parcel (read by the indicator tables and the control-line audit), the columns it
//! adds to the parcels layer, its report cards and its manifest counts. The pipeline runs
//! [`registry`] in order; the indicators, the audit, report.html, the manifest and the CLI
//! summary iterate it. A new rule = its stage file, its settings file, its layer files,
//! and one line in each registry.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::adjacency::Graph;
use super::constraints::Constraints;
use super::reforestation::ParcelFlags;
use super::topology::Overlap;
use super::zonal::ParcelSlope;
use crate::context::CancelToken;
use crate::error::Result;
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::Settings;
use crate::table::{AttrValue, Field};

/// Every rule, in the order a run applies them (a rule reads the outcomes of those before
/// it; the parcels layer shows their columns in this order).
pub fn registry() -> &'static [&'static dyn Rule] {
    &[
        &super::reforestation::Reforestation,
        &super::merge::Merge,
        &super::restore::Restore,
        &super::develop::Develop,
        &super::swap::Swap,
        &super::reclamation::Reclamation,
        &super::consolidation::LandConsolidation,
        &super::blocks::ContiguousBlocks,
        &super::pbf::BasicFarmland,
        &super::projects::ProjectLibrary,
    ]
}

/// The kinds of planned class change, as the parcels layer (`plan_rule`) and the plan
/// progress name them: (key, 中文, English). A rule that plans a class adds its kinds here.
pub const PLAN_KINDS: &[(&str, &str, &str)] = &[
    ("reforestation", "退耕还林", "reforestation"),
    ("restore", "复耕", "restoration to cropland"),
    ("develop", "未利用地开发", "unused land developed"),
    ("swap_out", "林耕置换（出）", "swap: cropland out"),
    ("swap_in", "林耕置换（进）", "swap: cropland in"),
    ("eco_restoration", "生态修复", "ecological restoration"),
    ("reclamation", "增减挂钩拆旧", "homestead reclamation"),
    ("consolidation", "土地整理（田坎）", "consolidation (field banks)"),
    ("other", "其他规划", "other plan"),
];

/// One planning rule.
pub trait Rule: Sync {
    /// Its name: the stage's name in progress events and timings.
    fn name(&self) -> &'static str;
    /// Whether this run applies it (its settings switch).
    fn enabled(&self, _s: &Settings) -> bool {
        true
    }
    /// Decides, from the run's data and the outcomes of the rules before it, and stores
    /// its outcome(s) with [`RunData::put`]. `progress` is its stage's.
    fn decide(&self, d: &RunData, progress: &Progress, cancel: &CancelToken) -> Result<()>;
    /// Whether its outcome is there (in this view of the data).
    fn decided(&self, d: &RunData) -> bool;
    /// The name of its second step, if it has one: what only the tables need and takes
    /// long (the merged fields dissolved), made once every rule has decided, beside the
    /// GeoPackage writer.
    fn finish_stage(&self) -> Option<&'static str> {
        None
    }
    /// The second step (see [`Rule::finish_stage`]); stores its outcome(s).
    fn finish(&self, _d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        Ok(())
    }
    /// The land-use class (an indicator class key: "forest", "cropland", …) the plan gives
    /// parcel `i`, when this rule changes it.
    fn planned(&self, _d: &RunData, _i: usize) -> Option<&'static str> {
        None
    }
    /// The kind of plan (a key of [`PLAN_KINDS`]) that gives parcel `i` its planned class,
    /// when this rule changes it: the rule's name, unless it plans several kinds (the
    /// swap's out and in; 拆旧 and 生态修复).
    fn plan_kind(&self, d: &RunData, i: usize) -> Option<&'static str> {
        self.planned(d, i).map(|_| self.name())
    }
    /// The share of parcel `i` the plan leaves inside the control lines of `role`, when
    /// this rule changes it (the basic-farmland adjustment moves parcels in and out of
    /// 永久基本农田).
    fn planned_share(&self, _d: &RunData, _role: crate::settings::Role, _i: usize) -> Option<f64> {
        None
    }
    /// Cropland (whole cm² of official area) the plan adds to parcel `i` without changing
    /// its class, when this rule does: 土地整理 recovers part of a merged field's 田坎. The
    /// indicator tables add it to the planned cropland of cropland that stays cropland.
    fn cropland_gain_cm2(&self, _d: &RunData, _i: usize) -> Option<i64> {
        None
    }
    /// The 补充耕地 source of the new cropland this rule brings parcel `i` (planned as
    /// cropland, or given [`Rule::cropland_gain_cm2`]), and why: the new cropland ledger
    /// (`stages::supply`) reads it; None counts the land under "other".
    fn supplies(&self, _d: &RunData, _i: usize) -> Option<super::supply::Supplied> {
        None
    }
    /// The columns this rule adds to the parcels layer.
    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        Vec::new()
    }
    /// The values of [`Rule::parcel_fields`] for parcel `i`.
    fn parcel_values<'a>(&self, _d: &RunData<'a>, _i: usize, _out: &mut Vec<AttrValue<'a>>) {}
    /// Warnings (code, message) the run reports before it applies the rule (a setting left
    /// at a placeholder).
    fn warnings(&self, _s: &Settings) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Its key figures on report.html.
    fn cards(&self) -> &'static [Card] {
        &[]
    }
    /// Its figures in the manifest's `counts` (key, value).
    fn counts(&self, _d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }
    /// Its line in the summary `landcons run` prints, from the manifest's counts.
    fn summary(&self, _counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        None
    }
}

/// The enabled rules of a run, in order.
pub fn enabled(s: &Settings) -> impl Iterator<Item = &'static dyn Rule> + '_ {
    registry().iter().copied().filter(move |r| r.enabled(s))
}

/// A key figure card of report.html: (key, 中文 label, English label, unit, decimals,
/// source). `{steep}` in a label is the upper bound of grade 4.
pub type Card = (&'static str, &'static str, &'static str, &'static str, usize, CardSource);

/// Where a card's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum CardSource {
    /// A field of a layer's total row.
    Total(&'static str, &'static str),
    /// How many rows a layer has.
    Rows(&'static str),
    /// A field of a layer's total row, with whether a target is met read from another
    /// (1/0) field of that row: the card says 达标 (pass) or 未达标 (fail).
    Checked(&'static str, &'static str, &'static str),
}

/// Most outcomes one run stores (rules, and the tables made from them).
const CAPACITY: usize = 48;

/// What a run's steps produced, by type: each stored once, then read by reference from
/// any thread (the GeoPackage writer reads the rules' outcomes while later ones are made).
pub struct Outcomes {
    slots: [OnceLock<Box<dyn Any + Send + Sync>>; CAPACITY],
    /// Slots taken by a store under way or done.
    reserved: AtomicUsize,
    /// Slots filled, in order: readers look no further.
    next: AtomicUsize,
}

impl Default for Outcomes {
    fn default() -> Self {
        Outcomes { slots: std::array::from_fn(|_| OnceLock::new()), reserved: AtomicUsize::new(0), next: AtomicUsize::new(0) }
    }
}

impl Outcomes {
    /// How many outcomes are stored.
    pub fn len(&self) -> usize {
        self.next.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The outcome of type `T` among the first `seen` stored.
    fn get<T: Any>(&self, seen: usize) -> Option<&T> {
        let n = self.len().min(seen);
        self.slots[..n].iter().filter_map(OnceLock::get).find_map(|b| b.downcast_ref::<T>())
    }

    /// Stores `value` in the next slot (stores from several threads each get their own
    /// slot and become visible in slot order).
    fn put<T: Any + Send + Sync>(&self, value: T) -> &T {
        assert!(self.get::<T>(usize::MAX).is_none(), "{} stored twice", std::any::type_name::<T>());
        let k = self.reserved.fetch_add(1, Ordering::AcqRel);
        assert!(k < CAPACITY, "more than {CAPACITY} outcomes");
        let _ = self.slots[k].set(Box::new(value));
        while self.next.compare_exchange(k, k + 1, Ordering::AcqRel, Ordering::Acquire).is_err() {
            std::hint::spin_loop();
        }
        self.slots[k].get().and_then(|b| b.downcast_ref::<T>()).expect("just stored")
    }
}

/// The run's data: the per-parcel facts (parcels, slope statistics, adjacency, overlaps,
/// constraint shares) and the outcomes stored so far. A copy may look at an earlier
/// moment ([`RunData::as_of`]): the GeoPackage writer sees what was there when it was told.
#[derive(Clone, Copy)]
pub struct RunData<'a> {
    pub settings: &'a Settings,
    pub parcels: &'a Parcels,
    pub slope: &'a [ParcelSlope],
    pub graph: &'a Graph,
    /// Overlapping parcel pairs (never neighbours).
    pub overlaps: &'a [Overlap],
    /// The constraints and every parcel's shares inside them.
    pub constraints: Constraints<'a>,
    outcomes: &'a Outcomes,
    /// How many of the outcomes this view sees.
    seen: usize,
}

impl<'a> RunData<'a> {
    pub fn new(
        settings: &'a Settings,
        parcels: &'a Parcels,
        slope: &'a [ParcelSlope],
        graph: &'a Graph,
        overlaps: &'a [Overlap],
        constraints: Constraints<'a>,
        outcomes: &'a Outcomes,
    ) -> RunData<'a> {
        RunData { settings, parcels, slope, graph, overlaps, constraints, outcomes, seen: usize::MAX }
    }

    /// The outcome of type `T`, if stored (and seen by this view).
    pub fn get<T: Any>(&self) -> Option<&'a T> {
        let outcomes: &'a Outcomes = self.outcomes;
        outcomes.get(self.seen)
    }

    /// An outcome that is a list of `T` (a table's rows), as a slice.
    pub fn slice<T: Any>(&self) -> Option<&'a [T]> {
        self.get::<Vec<T>>().map(Vec::as_slice)
    }

    /// Whether the outcome of type `T` is there.
    pub fn has<T: Any>(&self) -> bool {
        self.get::<T>().is_some()
    }

    /// The outcome of type `T`, which the caller's readiness guarantees (a layer's
    /// [`crate::layers::Layer::ready`] names the types it reads).
    pub fn need<T: Any>(&self) -> &'a T {
        self.get::<T>().unwrap_or_else(|| panic!("{} is read before it was made (a readiness bug)", std::any::type_name::<T>()))
    }

    /// Stores an outcome; returns it as stored. One outcome per type.
    pub fn put<T: Any + Send + Sync>(&self, value: T) -> &'a T {
        let outcomes: &'a Outcomes = self.outcomes;
        outcomes.put(value)
    }

    /// This data as it is now, seen later on another thread as it was now.
    pub fn as_of_now(&self) -> RunData<'a> {
        RunData { seen: self.outcomes.len(), ..*self }
    }

    /// The reforestation rule's flags (every rule reads them; it runs first).
    pub fn flags(&self) -> &'a [ParcelFlags] {
        self.get::<Vec<ParcelFlags>>().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The share of parcel `i` inside the constraints of `role` now (the largest, if several).
    pub fn role_share(&self, role: crate::settings::Role, i: usize) -> f64 {
        let c = self.constraints;
        c.list.iter().enumerate().filter(|(_, k)| k.settings.role == Some(role)).map(|(k, _)| c.shares[k][i]).fold(0.0, f64::max)
    }

    /// The share of parcel `i` inside `role` after the plan, when a rule changes it.
    pub fn planned_share(&self, role: crate::settings::Role, i: usize) -> Option<f64> {
        enabled(self.settings).filter(|r| r.decided(self)).find_map(|r| r.planned_share(self, role, i))
    }

    /// The cropland (cm²) the plan adds to parcel `i` without a class change: the rules'
    /// gains summed, None when no rule adds any.
    pub fn cropland_gain_cm2(&self, i: usize) -> Option<i64> {
        enabled(self.settings).filter(|r| r.decided(self)).filter_map(|r| r.cropland_gain_cm2(self, i)).reduce(|a, b| a + b)
    }

    /// The class the plan gives parcel `i`: the first rule that decided and changes it.
    pub fn planned(&self, i: usize) -> Option<&'static str> {
        enabled(self.settings).filter(|r| r.decided(self)).find_map(|r| r.planned(self, i))
    }

    /// The kind of plan ([`PLAN_KINDS`]) of the rule that gives parcel `i` its planned
    /// class (the one [`RunData::planned`] takes).
    pub fn plan_kind(&self, i: usize) -> Option<&'static str> {
        enabled(self.settings).filter(|r| r.decided(self)).find(|r| r.planned(self, i).is_some()).and_then(|r| r.plan_kind(self, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_view_does_not_see_later_outcomes() {
        let outcomes = Outcomes::default();
        outcomes.put(7u32);
        let seen = outcomes.len();
        outcomes.put(String::from("later"));
        assert_eq!(outcomes.get::<u32>(usize::MAX), Some(&7));
        assert_eq!(outcomes.get::<u32>(seen), Some(&7));
        assert!(outcomes.get::<String>(seen).is_none() && outcomes.get::<String>(usize::MAX).is_some());
        assert!(outcomes.get::<u64>(usize::MAX).is_none());
    }

    #[test]
    fn stores_from_several_threads_all_land() {
        let outcomes = Outcomes::default();
        std::thread::scope(|s| {
            s.spawn(|| outcomes.put(1u8));
            s.spawn(|| outcomes.put(2u16));
            s.spawn(|| outcomes.put(3u32));
        });
        assert_eq!(outcomes.len(), 3);
        assert_eq!((outcomes.get::<u8>(3), outcomes.get::<u16>(3), outcomes.get::<u32>(3)), (Some(&1), Some(&2), Some(&3)));
    }
}
