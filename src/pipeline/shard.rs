//! `landcons run --shard I`: the per-parcel work of one shard's parcels — the slope of
//! the DEM window under them, their zonal statistics, their shares inside the
//! constraints and their adjacent pairs (neighbours of other shards loaded read-only,
//! so pairs across the border are found) — saved in the shard's folder, which appears
//! complete or not at all. A shard that has finished is not run again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use super::{cache, inputs};
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::parcels::{read_parcels_within, Candidate, Parcels, ReadOptions, Selection};
use crate::stages::spatial::{BoxTree, Indexed};
use rstar::{RTree, AABB};
use crate::raster::vrt::{self, Tile};
use crate::shard::results::{GRADE_TILE, SLOPE_TILE, ZONAL};
use crate::shard::{township_of, ShardPlan, ShardResults, ShardSpec, TileInfo};
use crate::stages::terrain::window::{write_slope_window, CellWindow};
use crate::stages::terrain::{SlopeOptions, TerrainSummary};
use crate::stages::{adjacency, constraints, zonal};
use crate::vector::crs;

/// What a shard run did.
#[derive(Debug, Clone)]
pub struct ShardOutcome {
    pub results: ShardResults,
    /// The shard had finished before: nothing was done.
    pub already_done: bool,
}

/// Runs shard `index` of the current plan of the output folder.
pub fn run_shard(ctx: &RunContext, index: usize) -> Result<ShardOutcome> {
    let (s, out) = (&ctx.settings, &ctx.settings.output.dir);
    let plan = ShardPlan::load(out)?;
    let spec = plan.shard(index)?.clone();
    let dir = ShardResults::dir(&plan, out, index);
    if let Some(results) = ShardResults::read(&dir)?.filter(|r| r.plan_id == plan.id) {
        return Ok(ShardOutcome { results, already_done: true });
    }
    crate::raster::set_gdal_cache(s.run.memory_limit_bytes());
    let opened = inputs::open(ctx)?;
    plan.check(s, &inputs::input_files(s, &opened.dem.files), out)?;
    crate::output::owned::check_private_folders(out)?;
    let tmp = plan.dir(out).join(format!(".{index}.tmp-{}", std::process::id()));
    remove_stale(&plan.dir(out), index);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::output_from(&tmp, "cannot create the shard's folder", e))?;
    let results = compute(ctx, &plan, &spec, &opened, &tmp);
    let results = match results.and_then(|r| r.write(&tmp).map(|_| r)) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    match crate::output::atomic::publish_dir(&tmp, &dir) {
        Ok(()) => Ok(ShardOutcome { results, already_done: false }),
        // Another run of the same shard finished first: its results stand.
        Err(_) if ShardResults::read(&dir).ok().flatten().is_some_and(|r| r.plan_id == plan.id) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(ShardOutcome { results, already_done: true })
        }
        Err(e) => Err(e),
    }
}

/// Temporary folders of earlier, killed runs of this shard.
fn remove_stale(plan_dir: &Path, index: usize) {
    let prefix = format!(".{index}.tmp-");
    for entry in std::fs::read_dir(plan_dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn timed<T>(ctx: &RunContext, timings: &mut BTreeMap<String, f64>, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let t = Instant::now();
    let value = ctx.stage(name, f)?;
    timings.insert(name.to_string(), t.elapsed().as_secs_f64());
    Ok(value)
}

/// The shard's per-parcel results, its tiles written into `tmp`.
fn compute(ctx: &RunContext, plan: &ShardPlan, spec: &ShardSpec, opened: &inputs::Opened, tmp: &Path) -> Result<ShardResults> {
    let s = &ctx.settings;
    let mut timings = BTreeMap::new();
    let b = spec.bbox;
    let rect = [b[0] - plan.halo, b[1] - plan.halo, b[2] + plan.halo, b[3] + plan.halo];
    let is_own = |code: &str| spec.townships.binary_search(&township_of(code, plan.township_digits).to_string()).is_ok();
    let keep = |c: &[Candidate]| own_and_neighbours(c, &is_own, plan.halo);
    let read = ReadOptions { inputs: &s.inputs, fields: &s.fields, cancel: &ctx.cancel };
    let selection = Selection { rect, keep: &keep };
    let parcels = timed(ctx, &mut timings, "parcels", || ctx.with_progress("parcels", |p| read_parcels_within(&read, Some(&selection), p)))?;
    let own: Vec<bool> = (0..parcels.len()).map(|i| is_own(parcels.village_code(i))).collect();
    let terrain_key = cache::terrain_key(s, &opened.dem, &plan.input_hashes);
    let (tile, terrain) = timed(ctx, &mut timings, "terrain", || slope_tile(ctx, opened, &parcels, &own, tmp))?;
    timed(ctx, &mut timings, "zonal", || own_zonal(ctx, opened, &parcels, &own, tile, &terrain_key, tmp))?;
    let shares = timed(ctx, &mut timings, "constraints", || ctx.with_progress("constraints", |p| constraints::shares(&opened.constraints, &parcels, p, &ctx.cancel)))?;
    let graph = timed(ctx, &mut timings, "adjacency", || Ok(ctx.with_progress("adjacency", |p| adjacency::build(parcels.shapes(), &BoxTree::of(parcels.shapes()), s.merge.tolerance_m, 0.0, p))))?;
    let id = |i: usize| parcels.id(i).to_string();
    let edges = graph.edges.iter().filter(|e| own[e.a] || own[e.b]).map(|e| (id(e.a), id(e.b), e.shared_m)).collect();
    let shares = shares.iter().map(|per| per.iter().enumerate().filter(|(i, v)| own[*i] && **v > 0.0).map(|(i, v)| (id(i), *v)).collect()).collect();
    Ok(ShardResults {
        plan_id: plan.id.clone(),
        index: spec.index,
        finished: crate::time::now(),
        townships: township_figures(&parcels, &own, plan.township_digits),
        parcels: own.iter().filter(|o| **o).count() as u64,
        ghosts: own.iter().filter(|o| !**o).count() as u64,
        terrain_key,
        tile,
        terrain,
        edges,
        shares,
        timings,
    })
}

/// The shard's own features, and those of other shards whose envelope comes within
/// `halo` of an own one's (the neighbours pairs across the border need).
fn own_and_neighbours(candidates: &[Candidate], is_own: &(dyn Fn(&str) -> bool + Sync), halo: f64) -> Vec<bool> {
    let own: Vec<bool> = candidates.iter().map(|c| is_own(&c.village_code)).collect();
    let boxes: Vec<Indexed> = candidates
        .iter()
        .zip(&own)
        .enumerate()
        .filter(|(_, (c, o))| **o && c.envelope[0].is_finite())
        .map(|(index, (c, _))| Indexed { index, envelope: AABB::from_corners([c.envelope[0] - halo, c.envelope[1] - halo], [c.envelope[2] + halo, c.envelope[3] + halo]) })
        .collect();
    let tree = RTree::bulk_load(boxes);
    candidates
        .iter()
        .zip(&own)
        .map(|(c, o)| {
            let e = c.envelope;
            *o || (e[0].is_finite() && tree.locate_in_envelope_intersecting(&AABB::from_corners([e[0], e[1]], [e[2], e[3]])).next().is_some())
        })
        .collect()
}

/// Own parcels per township: count and Σ TBMJ (whole cm²).
fn township_figures(parcels: &Parcels, own: &[bool], digits: usize) -> BTreeMap<String, (u64, i64)> {
    let mut out: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for i in (0..parcels.len()).filter(|&i| own[i]) {
        let t = out.entry(township_of(parcels.village_code(i), digits).to_string()).or_default();
        t.0 += 1;
        t.1 += (parcels.official_area(i).unwrap_or(0.0) * 100.0).round() as i64;
    }
    out
}

/// The slope and grade tiles of the DEM cells under the own parcels (two cells more on
/// each side); none when they lie off the DEM.
fn slope_tile(ctx: &RunContext, opened: &inputs::Opened, parcels: &Parcels, own: &[bool], tmp: &Path) -> Result<(Option<TileInfo>, TerrainSummary)> {
    let s = &ctx.settings;
    let grid = &opened.dem.grid;
    let rects: Vec<_> = (0..parcels.len()).filter(|&i| own[i]).filter_map(|i| parcels.bounding_rect(i)).collect();
    let Some(first) = rects.first() else { return Ok((None, TerrainSummary::default())) };
    let mut e = [first.min().x, first.min().y, first.max().x, first.max().y];
    for r in &rects {
        e = [e[0].min(r.min().x), e[1].min(r.min().y), e[2].max(r.max().x), e[3].max(r.max().y)];
    }
    let e = match crs::transform_between(&parcels.source.work_crs.wkt, &grid.crs_wkt) {
        Ok(Some(t)) => t.transform_bounds(&e, 21).unwrap_or(e),
        _ => e,
    };
    let Some(win) = CellWindow::covering(grid, e, 2) else { return Ok((None, TerrainSummary::default())) };
    let opts = SlopeOptions::from_settings(&s.terrain, s.run.memory_limit_bytes());
    let summary = write_slope_window(&opened.dem, &opts, win, &tmp.join(SLOPE_TILE), &tmp.join(GRADE_TILE), &ctx.cancel)?;
    Ok((Some(TileInfo { col0: win.col0, row0: win.row0, cols: win.cols, rows: win.rows }), summary))
}

/// Zonal statistics of the own parcels, read through a VRT that puts the tile at its
/// place in the whole grid (so every cell has the coordinates the whole run gives it),
/// saved in the zonal cache's format.
fn own_zonal(ctx: &RunContext, opened: &inputs::Opened, parcels: &Parcels, own: &[bool], tile: Option<TileInfo>, key: &str, tmp: &Path) -> Result<()> {
    let grid = &opened.dem.grid;
    let vrt_path = tmp.join("zonal.vrt");
    let tiles: Vec<Tile> = tile.iter().map(|t| Tile { file: SLOPE_TILE, col0: t.col0, row0: t.row0, cols: t.cols, rows: t.rows }).collect();
    vrt::write_mosaic(&vrt_path, grid, "Float32", crate::stages::terrain::SLOPE_NODATA as f64, &tiles)?;
    // Neighbours of other shards are measured by their own shard.
    let known: Vec<Option<zonal::ParcelSlope>> = own.iter().map(|o| (!o).then(Default::default)).collect();
    let raster = zonal::SlopeRaster { path: &vrt_path, grid, breaks: ctx.settings.terrain.grade_breaks, cells: None };
    let progress = ctx.progress("zonal");
    let stats = zonal::zonal_slope_reusing(parcels, known, &raster, &progress, &ctx.cancel)?;
    progress.finish();
    let hashes = zonal::cache::geometry_hashes(parcels);
    zonal::cache::save_some(&tmp.join(ZONAL), key, parcels, &hashes, &stats, own)?;
    std::fs::remove_file(&vrt_path).map_err(|e| Error::output_from(&vrt_path, "cannot remove", e))
}

/// `landcons plan`: the township figures of the parcel layer packed into `n` shards,
/// saved as the output folder's current plan. A plan identical to the current one
/// keeps its finished shards; other plans' folders are removed.
pub fn plan_shards(ctx: &RunContext, n: usize) -> Result<ShardPlan> {
    // A bad option is said before the inputs are opened, as a bad option (exit code 2).
    if n == 0 {
        return Err(Error::setting("--shards", None, "must be at least 1, got 0"));
    }
    let (s, out) = (&ctx.settings, &ctx.settings.output.dir);
    let opened = inputs::open(ctx)?;
    let _lock = crate::output::Lock::acquire(out)?;
    crate::output::owned::check_private_folders(out)?;
    let files = inputs::input_files(s, &opened.dem.files);
    let hashes = ctx.stage("hashing", || Ok(inputs::input_hashes(ctx, &opened.dem.files)))?;
    let plan = ctx.stage("plan", || crate::shard::plan::make(s, n, hashes, &files, &ctx.cancel))?;
    plan.save(out)?;
    let keep = plan.dir(out);
    for entry in std::fs::read_dir(crate::shard::shards_dir(out)).into_iter().flatten().flatten() {
        if entry.path().is_dir() && entry.path() != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(plan)
}
