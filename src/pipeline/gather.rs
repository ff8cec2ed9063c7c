//! `landcons gather`: the shards' per-parcel results in place of the per-parcel stages.
//! Every shard of the current plan must have finished under the same plan; their
//! township figures must equal what the whole layer holds. Pairs across a shard border
//! were found by both shards: each appears once. The slope rasters become VRTs over
//! the shards' tiles, copied into the result set.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::raster::vrt::{self, Tile};
use crate::raster::Grid;
use crate::settings::Settings;
use crate::shard::results::{GRADE_TILE, SLOPE_TILE, ZONAL};
use crate::shard::{township_of, ShardPlan, ShardResults};
use crate::stages::adjacency::{Edge, Graph};
use crate::stages::terrain::{grades, TerrainSummary, SLOPE_NODATA};
use crate::stages::zonal::{self, cache::ZonalCache, ParcelSlope};

/// Where the gather puts the shards' tiles inside the result set.
pub const TILES: &str = "slope_tiles";

/// The finished shards of the current plan.
pub struct Gathered {
    pub plan: ShardPlan,
    /// The shards' results, less their pairs and shares (held below).
    pub shards: Vec<ShardResults>,
    pub dirs: Vec<PathBuf>,
    /// Each shard's pairs and shares, by parcel id, until [`Gathered::graph`] and
    /// [`Gathered::shares`] take them: a province's pairs as text are hundreds of MB that
    /// the rest of the gather does not need.
    pairs: Taken<Vec<(String, String, f64)>>,
    measured: Taken<Vec<Vec<(String, f64)>>>,
}

/// Per shard, a part of its results that one step takes (and frees).
type Taken<T> = std::sync::Mutex<Option<Vec<T>>>;

fn take<T>(part: &Taken<T>, what: &str) -> Result<Vec<T>> {
    let taken = part.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    taken.ok_or_else(|| Error::shards(format!("the shards' {what} were already used once in this gather")))
}

impl Gathered {
    /// Every shard's results; an error listing the shards that have not finished.
    pub fn load(out: &Path) -> Result<Gathered> {
        let plan = ShardPlan::load(out)?;
        let (mut shards, mut dirs, mut missing) = (Vec::new(), Vec::new(), Vec::new());
        for spec in &plan.shards {
            let dir = ShardResults::dir(&plan, out, spec.index);
            match ShardResults::read(&dir)? {
                Some(r) if r.plan_id == plan.id => {
                    shards.push(r);
                    dirs.push(dir);
                }
                _ => missing.push(spec.index.to_string()),
            }
        }
        if !missing.is_empty() {
            return Err(Error::shards(format!(
                "shards {} of the {} of plan {} have not finished: run them (landcons run --shard I, or landcons submit --resume); the current results are left as they are",
                missing.join(", "),
                plan.shards.len(),
                plan.id
            )));
        }
        let pairs = shards.iter_mut().map(|s| std::mem::take(&mut s.edges)).collect();
        let measured = shards.iter_mut().map(|s| std::mem::take(&mut s.shares)).collect();
        Ok(Gathered { plan, shards, dirs, pairs: Some(pairs).into(), measured: Some(measured).into() })
    }

    /// Each township's parcels and Σ TBMJ over the shards equal the whole layer's.
    pub fn check_townships(&self, parcels: &Parcels) -> Result<()> {
        let mut layer: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
        for i in 0..parcels.len() {
            let t = layer.entry(township_of(parcels.village_code(i), self.plan.township_digits)).or_default();
            t.0 += 1;
            t.1 += (parcels.official_area(i).unwrap_or(0.0) * 100.0).round() as i64;
        }
        let mut shards: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
        for (t, v) in self.shards.iter().flat_map(|s| s.townships.iter()) {
            let e = shards.entry(t.as_str()).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
        if layer != shards {
            let differ = layer.keys().chain(shards.keys()).find(|t| layer.get(*t) != shards.get(*t)).copied().unwrap_or_default();
            return Err(Error::shards(format!(
                "township {differ}: the shards hold {:?} (parcels, TBMJ cm²), the parcel layer {:?}; the plan {} does not match the layer: make a new plan",
                shards.get(differ),
                layer.get(differ),
                self.plan.id
            )));
        }
        Ok(())
    }

    /// The shares of every parcel inside each of `n` constraints.
    pub fn shares(&self, parcels: &Parcels, n: usize) -> Result<Vec<Vec<f64>>> {
        let index = id_index(parcels);
        let mut out = vec![vec![0.0; parcels.len()]; n];
        for (shard, measured) in self.shards.iter().zip(take(&self.measured, "constraint shares")?) {
            if measured.len() != n {
                return Err(Error::shards(format!("shard {} measured {} constraints, the settings have {n}: make a new plan", shard.index, measured.len())));
            }
            for (c, list) in measured.iter().enumerate() {
                for (id, share) in list {
                    out[c][lookup(&index, id, shard.index)?] = *share;
                }
            }
        }
        Ok(out)
    }

    /// The adjacency graph: every shard's pairs, each once, in order.
    pub fn graph(&self, parcels: &Parcels) -> Result<Graph> {
        let index = id_index(parcels);
        let mut edges: Vec<Edge> = Vec::new();
        for (shard, pairs) in self.shards.iter().zip(take(&self.pairs, "adjacent pairs")?) {
            for (a, b, shared_m) in &pairs {
                let (a, b) = (lookup(&index, a, shard.index)?, lookup(&index, b, shard.index)?);
                edges.push(Edge { a: a.min(b), b: a.max(b), shared_m: *shared_m });
            }
        }
        edges.sort_by_key(|e| (e.a, e.b));
        for w in edges.windows(2) {
            if (w[0].a, w[0].b) == (w[1].a, w[1].b) && w[0].shared_m.to_bits() != w[1].shared_m.to_bits() {
                return Err(Error::Reconciliation {
                    table: "adjacency".into(),
                    row: format!("{} – {}", parcels.id(w[0].a), parcels.id(w[0].b)),
                    message: format!("two shards measured the shared boundary differently ({} and {} m)", w[0].shared_m, w[1].shared_m),
                });
            }
        }
        edges.dedup_by(|x, y| (x.a, x.b) == (y.a, y.b));
        Ok(Graph::from_edges(edges, parcels.len()))
    }

    /// Every parcel's zonal statistics, from the shards; an error when one is missing
    /// (its geometry differs from what its shard read, or its shard has another terrain).
    pub fn zonal(&self, parcels: &Parcels, key: &str) -> Result<Vec<ParcelSlope>> {
        let mut cache = ZonalCache::default();
        for (shard, dir) in self.shards.iter().zip(&self.dirs) {
            if shard.terrain_key != key {
                return Err(Error::shards(format!("shard {} was computed on another DEM or terrain settings: make a new plan", shard.index)));
            }
            cache.extend(ZonalCache::load_strict(&dir.join(ZONAL), key)?);
        }
        let hashes = zonal::cache::geometry_hashes(parcels);
        let found = cache.lookup(parcels, &hashes);
        if let Some(i) = found.iter().position(Option::is_none) {
            return Err(Error::shards(format!("parcel {} has no zonal statistics from any shard (its geometry differs from what its shard read): make a new plan", parcels.id(i))));
        }
        Ok(found.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// The slope and grade rasters as VRTs over the shards' tiles (copied into `dir`).
    pub fn write_rasters(&self, dir: &Path, settings: &Settings, grid: &Grid) -> Result<TerrainSummary> {
        let tiles_dir = dir.join(TILES);
        std::fs::create_dir_all(&tiles_dir).map_err(|e| Error::output_from(&tiles_dir, "cannot create", e))?;
        let mut names = Vec::new();
        for (shard, from) in self.shards.iter().zip(&self.dirs).filter(|(s, _)| s.tile.is_some()) {
            let (slope, grade) = (format!("{TILES}/slope_{}.tif", shard.index), format!("{TILES}/slope_grade_{}.tif", shard.index));
            link_or_copy(&from.join(SLOPE_TILE), &dir.join(&slope))?;
            link_or_copy(&from.join(GRADE_TILE), &dir.join(&grade))?;
            names.push((shard.tile.unwrap_or(crate::shard::TileInfo { col0: 0, row0: 0, cols: 0, rows: 0 }), slope, grade));
        }
        let tiles = |pick: fn(&(crate::shard::TileInfo, String, String)) -> &String| -> Vec<Tile> {
            names.iter().map(|n| Tile { file: pick(n), col0: n.0.col0, row0: n.0.row0, cols: n.0.cols, rows: n.0.rows }).collect()
        };
        let slope_path = dir.join(&settings.output.slope);
        vrt::write_mosaic(&slope_path, grid, "Float32", SLOPE_NODATA as f64, &tiles(|n| &n.1))?;
        let grade_path = dir.join(&settings.output.slope_grade);
        vrt::write_mosaic(&grade_path, grid, "Byte", 0.0, &tiles(|n| &n.2))?;
        grades::style_grade_raster(&grade_path, &settings.terrain.grade_breaks, settings.output.language)?;
        Ok(self.terrain_summary(grid))
    }

    /// The shards' terrain figures added up (cells under overlapping tiles count once
    /// per tile).
    fn terrain_summary(&self, grid: &Grid) -> TerrainSummary {
        let mut total = TerrainSummary { cols: grid.cols, rows: grid.rows, ..Default::default() };
        for s in &self.shards {
            for (t, c) in total.cells_per_grade.iter_mut().zip(s.terrain.cells_per_grade) {
                *t += c;
            }
            total.fill_values.extend(s.terrain.fill_values.iter().cloned());
        }
        total.cells_with_slope = total.cells_per_grade[1..].iter().sum();
        total
    }
}

fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to).map(|_| ()).map_err(|e| Error::output_from(to, format!("cannot copy {}", from.display()), e))
}

fn id_index(parcels: &Parcels) -> HashMap<&str, usize> {
    (0..parcels.len()).map(|i| (parcels.id(i), i)).collect()
}

fn lookup(index: &HashMap<&str, usize>, id: &str, shard: usize) -> Result<usize> {
    index.get(id).copied().ok_or_else(|| Error::shards(format!("shard {shard} holds parcel {id:?}, which the parcel layer does not: make a new plan")))
}
