//! 集中连片: cropland parcels joined into contiguous blocks, now and as the plan leaves
//! them, and the 「百千万」 tier each block reaches (百亩方 ≥ 100 mu, 千亩方 ≥ 1 000 mu,
//! 万亩方 ≥ 10 000 mu, settable).
//!
//! Two cropland parcels are in one block when they share at least `min_shared_m` of
//! boundary (corners never count), or when both share that much with one narrow linear
//! parcel between them (a road, ditch or 田坎 of `bridge_codes` whose width, 2 × area /
//! perimeter, is at most `bridge_width_m`): a bridge joins the cropland it touches and adds
//! no area; bridges do not chain. Blocks are the connected components, numbered 1, 2, …
//! by their first parcel in input order. The planned state is the cropland once the rules
//! before this one (reforestation, swap, reclamation) have changed it.

use std::collections::BTreeMap;

use geo::MultiPolygon;
use rayon::prelude::*;

use super::merge::MergePlan;
use super::rule::{Card, CardSource, RunData};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::settings::BlockSettings;
use crate::table::{AttrValue, Field, FieldKind, Values};
use crate::units::mu;

/// The two states a block layer shows.
pub const STATES: [&str; 2] = ["current", "planned"];

/// The blocks of one state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partition {
    /// The block (index into `blocks`) of each parcel; None when it is not cropland.
    pub block_of: Vec<Option<usize>>,
    pub blocks: Vec<Block>,
}

/// One contiguous block of cropland.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// 1, 2, … by first parcel.
    pub id: usize,
    /// Its parcels, in input order.
    pub members: Vec<usize>,
    pub area_m2: f64,
    /// 0 (under the first tier), 1 百亩方, 2 千亩方, 3 万亩方.
    pub tier: u8,
}

/// The rule's outcome: the blocks now and after the plan.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    pub current: Partition,
    pub planned: Partition,
}

impl Blocks {
    pub fn state(&self, s: usize) -> &Partition {
        if s == 0 {
            &self.current
        } else {
            &self.planned
        }
    }
}

/// The outlines of the blocks the layer shows (tier 1 and up), by (state, block index).
#[derive(Debug, Clone, Default)]
pub struct BlockShapes(pub BTreeMap<(usize, usize), MultiPolygon<f64>>);

/// The blocks of the cropland `is_cropland` marks, over the graph's edges.
pub fn partition(d: &RunData, s: &BlockSettings, is_cropland: &[bool], bridges: &[bool]) -> Partition {
    let n = d.parcels.len();
    let mut set = DisjointSet::new(n);
    for e in d.graph.edges.iter().filter(|e| e.shared_m >= s.min_shared_m) {
        if is_cropland[e.a] && is_cropland[e.b] {
            set.join(e.a, e.b);
        }
    }
    for k in (0..n).filter(|&k| bridges[k]) {
        let touching = d.graph.neighbours[k].iter().filter(|(j, e)| is_cropland[*j] && d.graph.edges[*e].shared_m >= s.min_shared_m);
        let mut first = None;
        for &(j, _) in touching {
            match first {
                None => first = Some(j),
                Some(f) => set.join(f, j),
            }
        }
    }
    number_blocks(d, s, is_cropland, &mut set)
}

/// Blocks numbered by their first parcel, with their areas and tiers.
fn number_blocks(d: &RunData, s: &BlockSettings, is_cropland: &[bool], set: &mut DisjointSet) -> Partition {
    let n = d.parcels.len();
    let (mut block_of, mut blocks): (Vec<Option<usize>>, Vec<Block>) = (vec![None; n], Vec::new());
    let mut of_root: Vec<Option<usize>> = vec![None; n];
    for i in (0..n).filter(|&i| is_cropland[i]) {
        let root = set.root(i);
        let b = *of_root[root].get_or_insert_with(|| {
            blocks.push(Block { id: blocks.len() + 1, members: Vec::new(), area_m2: 0.0, tier: 0 });
            blocks.len() - 1
        });
        blocks[b].members.push(i);
        blocks[b].area_m2 += d.slope[i].area_m2;
        block_of[i] = Some(b);
    }
    for b in &mut blocks {
        b.tier = tier(mu(b.area_m2), &s.tiers_mu);
    }
    Partition { block_of, blocks }
}

/// The tier of an area in mu.
pub fn tier(area_mu: f64, tiers: &[f64; 3]) -> u8 {
    tiers.iter().filter(|t| area_mu >= **t).count() as u8
}

/// Narrow linear parcels of `bridge_codes` (width 2 × area / perimeter).
fn bridges(d: &RunData, s: &BlockSettings) -> Vec<bool> {
    let plan = d.get::<MergePlan>();
    (0..d.parcels.len())
        .map(|i| {
            let code = d.parcels.land_use(i).trim_end_matches(['K', 'k']);
            let perimeter = plan.map_or(0.0, |p| p.shapes[i].perimeter_m);
            s.bridge_codes.iter().any(|c| c == code) && perimeter > 0.0 && 2.0 * d.slope[i].area_m2 / perimeter <= s.bridge_width_m
        })
        .collect()
}

/// Cropland once the rules that decided before this one have changed it.
fn planned_cropland(d: &RunData) -> Vec<bool> {
    let flags = d.flags();
    (0..d.parcels.len())
        .map(|i| match d.planned(i) {
            Some(class) => class == "cropland",
            None => flags[i].is_cropland,
        })
        .collect()
}

/// Union–find over parcel indices (path halving, union by size).
struct DisjointSet {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSet {
    fn new(n: usize) -> DisjointSet {
        DisjointSet { parent: (0..n).collect(), size: vec![1; n] }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// The outline of every block of tier 1 and up; a planned block with the members of a
/// current one takes its outline.
fn outlines(parcels: &Parcels, blocks: &Blocks, progress: &Progress, cancel: &CancelToken) -> Result<BlockShapes> {
    let wanted: Vec<(usize, usize)> = (0..2).flat_map(|s| blocks.state(s).blocks.iter().enumerate().filter(|(_, b)| b.tier > 0).map(move |(k, _)| (s, k))).collect();
    progress.set_length(wanted.len() as u64);
    let current: BTreeMap<&[usize], usize> = blocks.current.blocks.iter().enumerate().map(|(k, b)| (b.members.as_slice(), k)).collect();
    let unique: Vec<&(usize, usize)> = wanted.iter().filter(|(s, k)| *s == 0 || !current.contains_key(blocks.planned.blocks[*k].members.as_slice())).collect();
    let made: Vec<((usize, usize), MultiPolygon<f64>)> = unique
        .into_par_iter()
        .map(|&(s, k)| {
            cancel.check()?;
            let members = &blocks.state(s).blocks[k].members;
            let g = crate::vector::union::dissolve(&parcels.gathered(members))
                .map_err(|e| Error::input(&parcels.source.path, format!("block {} ({}): cannot dissolve its parcels: {e}", k + 1, STATES[s])))?;
            progress.inc(1);
            Ok(((s, k), g))
        })
        .collect::<Result<_>>()?;
    let mut shapes: BTreeMap<(usize, usize), MultiPolygon<f64>> = made.into_iter().collect();
    for &(s, k) in wanted.iter().filter(|(s, _)| *s == 1) {
        if let Some(&c) = current.get(blocks.planned.blocks[k].members.as_slice()) {
            let g = shapes.get(&(0, c)).cloned().unwrap_or_else(|| MultiPolygon::new(vec![]));
            shapes.insert((s, k), g);
            progress.inc(1);
        }
    }
    Ok(BlockShapes(shapes))
}

/// One village's blocks, now and planned (areas in m²). A block counts in the village
/// that holds the largest part of its area (ties: the lower code), so the village rows of
/// every column add up to the total row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockRow {
    pub village_code: String,
    pub village_name: String,
    /// [current, planned]
    pub cropland_m2: [f64; 2],
    /// Cropland in blocks of tier 1 and up.
    pub in_tiers_m2: [f64; 2],
    /// Blocks by tier 1..=3 (a block of tier 3 counts in tier 1 and 2 too), [current, planned].
    pub blocks: [[u64; 2]; 3],
}

impl BlockRow {
    /// Share of the cropland in blocks of tier 1 and up, in percent.
    pub fn share_percent(&self, state: usize) -> f64 {
        match self.cropland_m2[state] > 0.0 {
            true => 100.0 * self.in_tiers_m2[state] / self.cropland_m2[state],
            false => 0.0,
        }
    }
}

/// Village code of the total row.
pub const TOTAL: &str = "TOTAL";

/// The village rows by code, then the total row.
pub fn village_rows(parcels: &Parcels, slope: &[super::zonal::ParcelSlope], blocks: &Blocks) -> Vec<BlockRow> {
    let mut rows: BTreeMap<&str, BlockRow> = BTreeMap::new();
    for s in 0..2 {
        let p = blocks.state(s);
        for (i, b) in p.block_of.iter().enumerate().filter_map(|(i, b)| b.map(|b| (i, b))) {
            let row = rows.entry(parcels.village_code(i)).or_insert_with(|| BlockRow { village_code: parcels.village_code(i).into(), village_name: parcels.village_name(i).into(), ..Default::default() });
            row.cropland_m2[s] += slope[i].area_m2;
            if p.blocks[b].tier > 0 {
                row.in_tiers_m2[s] += slope[i].area_m2;
            }
        }
        for b in p.blocks.iter().filter(|b| b.tier > 0) {
            let home = home_village(parcels, slope, b);
            let row = rows.get_mut(home).expect("the home village holds the block's parcels");
            for t in 0..b.tier as usize {
                row.blocks[t][s] += 1;
            }
        }
    }
    let mut out: Vec<BlockRow> = rows.into_values().collect();
    let mut total = BlockRow { village_code: TOTAL.into(), village_name: "合计".into(), ..Default::default() };
    for r in &out {
        for s in 0..2 {
            total.cropland_m2[s] += r.cropland_m2[s];
            total.in_tiers_m2[s] += r.in_tiers_m2[s];
            for t in 0..3 {
                total.blocks[t][s] += r.blocks[t][s];
            }
        }
    }
    out.push(total);
    out
}

/// The village holding the largest part of a block's area (ties: the lower code).
fn home_village<'p>(parcels: &'p Parcels, slope: &[super::zonal::ParcelSlope], b: &Block) -> &'p str {
    let mut by_village: BTreeMap<&str, f64> = BTreeMap::new();
    for &i in &b.members {
        *by_village.entry(parcels.village_code(i)).or_default() += slope[i].area_m2;
    }
    by_village.into_iter().fold(("", f64::NEG_INFINITY), |best, (v, a)| if a > best.1 { (v, a) } else { best }).0
}

/// The tier names (0 = under the first tier).
pub const TIERS: &[(&str, &str, &str)] = &[("0", "不足百亩", "under 100 mu"), ("1", "百亩方", "100 mu"), ("2", "千亩方", "1 000 mu"), ("3", "万亩方", "10 000 mu")];

/// 集中连片 as a rule of the run.
pub struct ContiguousBlocks;

impl super::rule::Rule for ContiguousBlocks {
    fn name(&self) -> &'static str {
        "blocks"
    }

    fn enabled(&self, s: &crate::settings::Settings) -> bool {
        s.blocks.enabled
    }

    fn decide(&self, d: &RunData, _progress: &Progress, _cancel: &CancelToken) -> Result<()> {
        let s = &d.settings.blocks;
        let bridges = bridges(d, s);
        let now: Vec<bool> = d.flags().iter().map(|f| f.is_cropland).collect();
        let (current, planned) = rayon::join(|| partition(d, s, &now, &bridges), || partition(d, s, &planned_cropland(d), &bridges));
        let blocks = d.put(Blocks { current, planned });
        d.put(village_rows(d.parcels, d.slope, blocks));
        Ok(())
    }

    fn decided(&self, d: &RunData) -> bool {
        d.has::<Blocks>()
    }

    fn finish_stage(&self) -> Option<&'static str> {
        Some("block_outlines")
    }

    fn finish(&self, d: &RunData, progress: &Progress, cancel: &CancelToken) -> Result<()> {
        d.put(outlines(d.parcels, d.need::<Blocks>(), progress, cancel)?);
        Ok(())
    }

    fn parcel_fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("block_id", FieldKind::Int, "连片编号", ""),
            Field::coded("block_tier", FieldKind::Int, "连片规模", "", Values::Codes(TIERS)),
        ]
    }

    fn parcel_values<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let current = &d.need::<Blocks>().current;
        let block = current.block_of[i].map(|b| &current.blocks[b]);
        out.push(AttrValue::opt_int(block.map(|b| b.id as i64)));
        out.push(AttrValue::opt_int(block.map(|b| b.tier as i64)));
    }

    fn cards(&self) -> &'static [Card] {
        &[
            ("blocks_100_current", "百亩方以上连片（现状）", "blocks of 100 mu and more: now", "个", 0, CardSource::Total("block_summary", "blocks_100_current")),
            ("blocks_100_planned", "百亩方以上连片（规划）", "blocks of 100 mu and more: planned", "个", 0, CardSource::Total("block_summary", "blocks_100_planned")),
            ("share_100_planned", "百亩方以上耕地占比（规划）", "cropland in blocks of 100 mu+: planned", "%", 2, CardSource::Total("block_summary", "share_100_planned")),
        ]
    }

    fn counts(&self, d: &RunData) -> Vec<(&'static str, serde_json::Value)> {
        let Some(b) = d.get::<Blocks>() else { return Vec::new() };
        let big = |p: &Partition| p.blocks.iter().filter(|b| b.tier > 0).count();
        vec![("blocks_100_current", big(&b.current).into()), ("blocks_100_planned", big(&b.planned).into())]
    }

    fn summary(&self, counts: &BTreeMap<String, serde_json::Value>) -> Option<String> {
        let now = counts.get("blocks_100_current")?.as_u64()?;
        let planned = counts.get("blocks_100_planned")?.as_u64()?;
        Some(format!("blocks: {now} of 100 mu and more now, {planned} planned"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use crate::stages::constraints::Constraints;
    use crate::stages::merge::ShapeFigures;
    use crate::stages::rule::Outcomes;
    use crate::stages::testing::{flags, graph, parcels, slope, square, Plot, V1, V2};

    /// Blocks of hand-made parcels: land uses, areas (m²), shared boundaries, reforested
    /// parcels, and each parcel's perimeter (for the bridges' width).
    fn blocks_of(plots: &[(&'static str, &'static str, f64, f64, bool)], shared: &[(usize, usize, f64)]) -> (Blocks, Vec<BlockRow>) {
        let list: Vec<Plot> = plots.iter().enumerate().map(|(k, p)| Plot::new(p.0).village(p.1).at(square(10.0 * k as f64, 0.0, 1.0))).collect();
        let p = parcels(&[], &list);
        let st: Vec<_> = plots.iter().map(|x| slope(1, x.2)).collect();
        let g = graph(plots.len(), shared);
        let settings = Settings::default();
        let outcomes = Outcomes::default();
        let d = RunData::new(&settings, &p, &st, &g, &[], Constraints::none(), &outcomes);
        d.put(plots.iter().map(|x| flags(x.0.starts_with("010"), x.4)).collect::<Vec<_>>());
        let shapes = plots.iter().map(|x| ShapeFigures { perimeter_m: x.3, shape_index: 1.0, mean_width_m: 0.0, fragmented: false }).collect();
        d.put(MergePlan::new(plots.len(), shapes, Vec::new()));
        use super::super::rule::Rule;
        ContiguousBlocks.decide(&d, &Progress::hidden(), &CancelToken::new()).unwrap();
        (d.need::<Blocks>().clone(), d.need::<Vec<BlockRow>>().clone())
    }

    fn members(p: &Partition) -> Vec<Vec<usize>> {
        p.blocks.iter().map(|b| b.members.clone()).collect()
    }

    #[test]
    fn cropland_sharing_enough_boundary_is_one_block_with_its_tier() {
        // 0–1–2 share 10 m each: 40 000 + 30 000 + 1 000 = 71 000 m² = 106.5 mu, a 百亩方.
        // 2–3 share 4 m (< 5 m): 3 is a block of its own; 4 is forest, in no block.
        let plots = [("0103", V1, 40_000.0, 800.0, false), ("0103", V1, 30_000.0, 700.0, false), ("0101", V1, 1_000.0, 130.0, false), ("0103", V1, 2_000.0, 180.0, false), ("0301", V1, 5_000.0, 300.0, false)];
        let (b, _) = blocks_of(&plots, &[(0, 1, 10.0), (1, 2, 10.0), (2, 3, 4.0), (3, 4, 50.0)]);
        assert_eq!(members(&b.current), vec![vec![0, 1, 2], vec![3]]);
        assert_eq!((b.current.blocks[0].tier, b.current.blocks[1].tier), (1, 0));
        assert_eq!(b.current.block_of[4], None);
    }

    #[test]
    fn a_narrow_road_joins_the_fields_on_its_sides_a_wide_one_does_not() {
        // Road 1: 200 m², perimeter 210 m: 2·200/210 = 1.9 m wide, a bridge. Parcel 4 is
        // "road" too but 5 000 m² with perimeter 300: 33 m wide, no bridge.
        let plots = [("0103", V1, 1_000.0, 130.0, false), ("1006", V1, 200.0, 210.0, false), ("0103", V1, 1_000.0, 130.0, false), ("0103", V1, 1_000.0, 130.0, false), ("1006", V1, 5_000.0, 300.0, false)];
        let (b, _) = blocks_of(&plots, &[(0, 1, 10.0), (1, 2, 10.0), (2, 4, 10.0), (3, 4, 10.0)]);
        assert_eq!(members(&b.current), vec![vec![0, 2], vec![3]]);
        assert_eq!(b.current.blocks[0].area_m2, 2_000.0, "the bridge adds no area");
        assert_eq!(b.current.block_of[1], None, "a bridge is in no block");
    }

    #[test]
    fn the_planned_blocks_lose_the_cropland_that_leaves() {
        // 1 is reforested: planned, 0 and 2 are no longer joined.
        let plots = [("0103", V1, 50_000.0, 900.0, false), ("0103", V1, 10_000.0, 400.0, true), ("0103", V1, 30_000.0, 700.0, false)];
        let (b, rows) = blocks_of(&plots, &[(0, 1, 10.0), (1, 2, 10.0)]);
        assert_eq!(members(&b.current), vec![vec![0, 1, 2]]);
        assert_eq!(members(&b.planned), vec![vec![0], vec![2]]);
        // Now 90 000 m² = 135.0 mu (tier 1); planned 75.0 and 45.0 mu (tier 0).
        assert_eq!((b.current.blocks[0].tier, b.planned.blocks[0].tier, b.planned.blocks[1].tier), (1, 0, 0));
        let total = rows.last().unwrap();
        assert_eq!((total.blocks[0], total.cropland_m2, total.in_tiers_m2), ([1, 0], [90_000.0, 80_000.0], [90_000.0, 0.0]));
    }

    #[test]
    fn a_block_counts_in_the_village_holding_most_of_it_and_rows_add_up() {
        // One block over V1 (30 000 m²) and V2 (50 000 m²): 120 mu, counted in V2.
        let plots = [("0103", V1, 30_000.0, 700.0, false), ("0103", V2, 50_000.0, 900.0, false), ("0103", V1, 5_000.0, 300.0, false)];
        let (_, rows) = blocks_of(&plots, &[(0, 1, 10.0)]);
        let row = |code: &str| rows.iter().find(|r| r.village_code == code).unwrap().clone();
        assert_eq!((row(V1).blocks[0], row(V2).blocks[0]), ([0, 0], [1, 1]));
        // V1: 30 000 of 35 000 m² in tier-1 blocks = 85.71 %.
        assert!((row(V1).share_percent(0) - 100.0 * 30_000.0 / 35_000.0).abs() < 1e-9);
        let total = rows.last().unwrap();
        assert_eq!(total.blocks[0][0], rows[..rows.len() - 1].iter().map(|r| r.blocks[0][0]).sum::<u64>());
        assert_eq!(total.cropland_m2[0], 85_000.0);
    }

    #[test]
    fn tiers_count_the_thresholds_reached() {
        let t = [100.0, 1000.0, 10000.0];
        assert_eq!([tier(99.99, &t), tier(100.0, &t), tier(999.0, &t), tier(1000.0, &t), tier(20000.0, &t)], [0, 1, 1, 2, 3]);
    }
}
