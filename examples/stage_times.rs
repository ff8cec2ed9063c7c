//! Times each vector stage of a run alone (no other stage running beside it), with the
//! floor measured next to it, for scripts/bench_floors.sh:
//!
//!   cargo run --release --example stage_times -- PIPELINE.toml SLOPE.tif [REPS]
//!
//! SLOPE.tif is the slope raster of an earlier run of the same pipeline (the zonal
//! stage reads it). Prints one line per stage: median and minimum seconds over REPS
//! (default 3), and a digest of its result so two builds can be checked to agree.
//! Floors: "candidate pairs" is the R-tree pass every exact pairwise test needs (all
//! pairs of parcels whose boxes meet); "constraint candidates" the same for parcels
//! against constraint pieces; "group members gathered" every merge group's member
//! polygons gathered into one geometry (each vertex touched once: the least any union
//! of them reads).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use geo::Area;
use landcons::context::CancelToken;
use landcons::parcels::{read_parcels, Parcels, ReadOptions};
use landcons::progress::{Progress, Reporter};
use landcons::settings::Settings;
use landcons::stages::constraints::{self, Constraint, Constraints};
use landcons::stages::spatial::BoxTree;
use landcons::stages::{adjacency, merge, reforestation, swap, topology, villages, zonal};
use rayon::prelude::*;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// CPU seconds (user + system) the process has used so far, all threads.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Runs `f` `reps` times; prints the median and minimum wall time, the median CPU time
/// (less sensitive to other load on a shared host) and the digest of the last result.
fn timed<T>(name: &str, reps: usize, mut f: impl FnMut() -> T, digest: impl Fn(&T) -> String) -> T {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_seconds());
        let out = f();
        wall.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c);
        last = Some(out);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let out = last.expect("reps >= 1");
    let (w, c) = (wall[wall.len() / 2], cpu[cpu.len() / 2]);
    println!("{name:<24} median {w:7.3} s  min {:7.3} s  cpu {c:7.3} s  {}", wall[0], digest(&out));
    out
}

/// Floor of topology and adjacency: every pair of parcels whose bounding boxes meet.
/// The floor of topology and adjacency: the R-tree over the parcels' boxes (which both
/// share) and every pair of boxes that meet.
fn candidate_pairs(parcels: &Parcels) -> usize {
    let tree = BoxTree::of(parcels.shapes());
    (0..parcels.len())
        .into_par_iter()
        .map(|a| match parcels.bounding_rect(a) {
            Some(r) => tree.meeting(r, 0.0).filter(|&b| b > a).count(),
            None => 0,
        })
        .sum()
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, pipeline, slope, ..] = args.as_slice() else {
        return Err("usage: stage_times PIPELINE.toml SLOPE.tif [REPS]".into());
    };
    let reps: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(3);
    let s = Settings::load(&PathBuf::from(pipeline), &[])?;
    let cancel = CancelToken::new();
    let opts = ReadOptions { inputs: &s.inputs, fields: &s.fields, cancel: &cancel };
    let parcels = timed("parcels", reps, || read_parcels(&opts).expect("parcels"), |p| format!("{} parcels", p.len()));
    timed("  floor: candidate pairs", reps, || candidate_pairs(&parcels), |n| format!("{n} pairs"));
    let tree = timed("neighbour tree (topology, adjacency)", reps, || BoxTree::of(parcels.shapes()), |_| String::new());
    let overlaps = timed(
        "topology",
        reps,
        || topology::overlaps(&parcels, &tree, s.topology.min_overlap_m2, &Progress::hidden(), &cancel).expect("topology"),
        |o| format!("{} overlaps", o.len()),
    );
    let list = load_constraints(&s, &parcels, reps)?;
    let shares = match list.is_empty() {
        true => Vec::new(),
        false => timed(
            "constraints",
            reps,
            || constraints::shares(&list, &parcels, &Progress::hidden(), &cancel).expect("shares"),
            |sh| format!("share sum {:.9}", sh.iter().flatten().sum::<f64>()),
        ),
    };
    let constraints = Constraints { list: &list, shares: &shares };
    let slope = zonal_stage(&s, &parcels, slope, reps)?;
    analyse(&s, &parcels, &tree, &slope, &overlaps, constraints, reps);
    Ok(())
}

fn load_constraints(s: &Settings, parcels: &Parcels, reps: usize) -> Res<Vec<Constraint>> {
    let settings = s.all_constraints();
    let wkt = parcels.source.work_crs.wkt.clone();
    let list = timed(
        "control lines",
        reps,
        || settings.iter().map(|c| constraints::load(c, &wkt)).collect::<landcons::Result<Vec<_>>>(),
        |l| format!("{} constraints", l.as_ref().map(Vec::len).unwrap_or(0)),
    )?;
    Ok(list)
}

fn zonal_stage(s: &Settings, parcels: &Parcels, slope: &str, reps: usize) -> Res<Vec<zonal::ParcelSlope>> {
    let dem = landcons::raster::open_dem(&s.inputs.dem, s.inputs.dem_nodata, s.inputs.dem_crs.as_deref())?;
    let path = PathBuf::from(slope);
    let raster = zonal::SlopeRaster { path: &path, grid: &dem.grid, breaks: s.terrain.grade_breaks, cells: None };
    let progress = Progress::new("zonal", Reporter::Hidden);
    let cancel = CancelToken::new();
    Ok(timed(
        "zonal",
        reps,
        || zonal::zonal_slope(parcels, &raster, &progress, &cancel).expect("zonal"),
        |z| format!("mean sum {:.6}", z.iter().map(|p| p.slope_mean).sum::<f64>()),
    ))
}

/// Rules, adjacency, swap and merge, each alone.
fn analyse(
    s: &Settings,
    parcels: &Parcels,
    tree: &BoxTree,
    slope: &[zonal::ParcelSlope],
    overlaps: &[topology::Overlap],
    constraints: Constraints,
    reps: usize,
) {
    let flags = timed(
        "rules",
        reps,
        || {
            let text = reforestation::ReasonText { breaks: s.terrain.grade_breaks, language: s.output.language };
            let flags = reforestation::reforestation(parcels, slope, &s.reforestation, text, constraints);
            let rows = villages::village_summary(parcels, slope, &flags);
            (flags, rows.len())
        },
        |(f, _)| format!("{} candidates", f.iter().filter(|f| f.reforest).count()),
    )
    .0;
    let excluded: HashSet<(usize, usize)> = overlaps.iter().map(|o| (o.a, o.b)).collect();
    let graph = timed(
        "adjacency",
        reps,
        || adjacency::build(parcels.shapes(), tree, s.merge.tolerance_m, 0.0, &Progress::hidden()).without(&excluded),
        |g| format!("{} edges, shared {:.6}", g.edges.len(), g.edges.iter().map(|e| e.shared_m).sum::<f64>()),
    );
    if s.swap.enabled {
        let former = constraints.list.iter().position(|c| c.settings.name == landcons::settings::FORMER_CROPLAND);
        let progress = Progress::hidden();
        let inputs = swap::SwapInputs { parcels, slope, flags: &flags, graph: &graph, constraints, former, settings: &s.swap, progress: &progress, taken: &[] };
        timed("swap", reps, || swap::plan(&inputs), |p| format!("{} ledger rows", p.ledger.len()));
    }
    merge_stage(s, parcels, slope, &flags, &graph, constraints, reps);
}

fn merge_stage(
    s: &Settings,
    parcels: &Parcels,
    slope: &[zonal::ParcelSlope],
    flags: &[reforestation::ParcelFlags],
    graph: &adjacency::Graph,
    constraints: Constraints,
    reps: usize,
) {
    let m = &s.merge;
    let shapes = timed("merge: shapes", reps, || merge::shape_figures(parcels, slope, flags, m), |f| {
        format!("{} fragmented", f.iter().filter(|f| f.fragmented).count())
    });
    let groups = timed(
        "merge: groups",
        reps,
        || {
            let members = merge::grow_groups(parcels, slope, flags, &shapes, graph, m, constraints, &Progress::hidden());
            merge::dissolve_groups(members, parcels, slope, &Progress::hidden())
        },
        |g| format!("{} groups, area {:.6}", g.len(), g.iter().map(merge::union_area).sum::<f64>()),
    );
    timed(
        "merge: fragmentation",
        reps,
        || merge::fragmentation::village_fragmentation(parcels, slope, flags, &shapes, graph, &groups, m),
        |f| format!("{} villages", f.len()),
    );
    timed(
        "  floor: group members gathered",
        reps,
        || {
            groups
                .par_iter()
                .map(|g| parcels.gathered(&g.members).unsigned_area())
                .sum::<f64>()
        },
        |a| format!("area {a:.6}"),
    );
}
