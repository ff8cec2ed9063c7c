//! The table `plan_progress`: per village, kind of plan and planned class, the planned
//! parcels and how many of them (and how much) are carried out, not yet, contrary; rows
//! of kind `outside` for the land changed outside the plan, by the class it moved into.
//! Then a row per kind and class over all villages (level `rule`), then the total.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Item, Status};
use crate::stages::rule::PLAN_KINDS;

/// The kinds of the table's rows: the kinds of plan, then `outside` (规划外).
pub const ROW_KINDS: [(&str, &str, &str); PLAN_KINDS.len() + 1] = {
    let mut out = [("outside", "规划外", "outside the plan"); PLAN_KINDS.len() + 1];
    let mut k = 0;
    while k < PLAN_KINDS.len() {
        out[k] = PLAN_KINDS[k];
        k += 1;
    }
    out
};

/// How many items, and their area in whole hundredths of m².
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: usize,
    pub area: i64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.count += other.count;
        self.area += other.area;
    }
}

/// One row of `plan_progress`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    /// `village`, `rule` (a kind and class over every village) or `total`.
    pub level: &'static str,
    pub village_code: String,
    pub village_name: String,
    /// A [`ROW_KINDS`] key ("" on the total row).
    pub kind: &'static str,
    /// The planned class, or the class moved into (outside); None on the total row.
    pub class: Option<u8>,
    /// Planned, then by status: carried out, not yet, contrary, outside (in
    /// [`super::STATUSES`] order after the planned).
    pub tallies: [Tally; 5],
}

impl ProgressRow {
    /// Carried out as a share of the planned area, % (None with nothing planned).
    pub fn done_pct(&self) -> Option<f64> {
        let [planned, done, ..] = self.tallies;
        (planned.area > 0).then(|| done.area as f64 / planned.area as f64 * 100.0)
    }
}

type Key = (String, usize, u8);

/// The row key of an item: its village, the position of its kind, its class.
fn key_of(it: &Item) -> Key {
    let kind = it.kind.unwrap_or("outside");
    (it.village_code.clone(), ROW_KINDS.iter().position(|k| k.0 == kind).unwrap_or(0), it.class_to)
}

/// The tallies one item adds to its row.
fn tallies_of(it: &Item) -> [Tally; 5] {
    let one = Tally { count: 1, area: it.area };
    let mut t = [Tally::default(); 5];
    if it.status != Status::Outside {
        t[0] = one;
    }
    t[1 + it.status as usize] = one;
    t
}

/// The table: village rows (by code, kind, class), the rows per kind and class, the total.
pub fn rows(items: &[Item]) -> Vec<ProgressRow> {
    let mut villages: BTreeMap<Key, (String, [Tally; 5])> = BTreeMap::new();
    for it in items {
        let row = villages.entry(key_of(it)).or_insert_with(|| (it.village_name.clone(), [Tally::default(); 5]));
        row.1.iter_mut().zip(tallies_of(it)).for_each(|(a, b)| a.add(b));
    }
    let mut kinds: BTreeMap<(usize, u8), [Tally; 5]> = BTreeMap::new();
    let mut total = [Tally::default(); 5];
    let mut out = Vec::new();
    for ((code, kind, class), (name, tallies)) in villages {
        let by_kind = kinds.entry((kind, class)).or_default();
        for (k, t) in tallies.iter().enumerate() {
            by_kind[k].add(*t);
            total[k].add(*t);
        }
        out.push(ProgressRow { level: "village", village_code: code, village_name: name, kind: ROW_KINDS[kind].0, class: Some(class), tallies });
    }
    for ((kind, class), tallies) in kinds {
        out.push(ProgressRow { level: "rule", village_code: String::new(), village_name: String::new(), kind: ROW_KINDS[kind].0, class: Some(class), tallies });
    }
    out.push(ProgressRow { level: "total", village_code: String::new(), village_name: "合计".into(), kind: "", class: None, tallies: total });
    out
}

/// The manifest's counts of the plan progress (from the total row), and the baseline read.
pub fn counts(p: &super::PlanProgress) -> Vec<(&'static str, Value)> {
    let Some(total) = p.rows.last() else { return Vec::new() };
    let [planned, done, not_yet, contrary, outside] = total.tallies;
    let m2 = |t: Tally| Value::from(t.area as f64 / 100.0);
    vec![
        ("progress_planned", planned.count.into()),
        ("progress_planned_m2", m2(planned)),
        ("progress_carried_out", done.count.into()),
        ("progress_carried_out_m2", m2(done)),
        ("progress_not_yet", not_yet.count.into()),
        ("progress_contrary", contrary.count.into()),
        ("progress_outside", outside.count.into()),
        ("progress_outside_m2", m2(outside)),
        ("progress_baseline", p.baseline.path.display().to_string().into()),
    ]
}

/// Its line in the summary `landcons run` prints, from the manifest's counts.
pub fn summary(counts: &BTreeMap<String, Value>) -> Option<String> {
    let n = |k: &str| counts.get(k).and_then(Value::as_u64);
    let ha = |k: &str| counts.get(k).and_then(Value::as_f64).map(|v| v / 10_000.0);
    let (planned, planned_ha, done, done_ha) = (n("progress_planned")?, ha("progress_planned_m2")?, n("progress_carried_out")?, ha("progress_carried_out_m2")?);
    let pct = if planned_ha > 0.0 { done_ha / planned_ha * 100.0 } else { 0.0 };
    Some(format!(
        "plan progress: {done} of {planned} planned parcels carried out ({done_ha:.2} of {planned_ha:.2} ha, {pct:.1} %), {} not yet, {} contrary; {} pieces ({:.2} ha) changed outside the plan",
        n("progress_not_yet")?,
        n("progress_contrary")?,
        n("progress_outside")?,
        ha("progress_outside_m2")?
    ))
}
