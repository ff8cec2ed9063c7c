//! Hot kernels: one slope block, coverage fractions of a parcel, adjacency of a block of
//! parcels, and the union of a merge group. `cargo bench` runs them.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use geo::{polygon, MultiPolygon};
use landcons::settings::SlopeAlgorithm;
use landcons::stages::terrain::{slope_row, KernelParams};
use landcons::stages::zonal::{coverage, GridFrame};

fn slope_block(c: &mut Criterion) {
    let (cols, rows) = (1024usize, 256usize);
    let dem: Vec<f32> = (0..cols * rows)
        .map(|i| ((i % cols) as f32 * 0.37).sin() * 40.0 + (i / cols) as f32 * 0.8)
        .collect();
    let p = KernelParams {
        algorithm: SlopeAlgorithm::Horn,
        ew: 5.0,
        ns: -5.0,
        z_factor: 1.0,
        nodata: Some(-9999.0),
    };
    let mut out = vec![0f32; cols];
    c.bench_function("slope 1024×256 block (Horn)", |b| {
        b.iter(|| {
            for r in 1..rows - 1 {
                slope_row(
                    Some(&dem[(r - 1) * cols..r * cols]),
                    &dem[r * cols..(r + 1) * cols],
                    Some(&dem[(r + 1) * cols..(r + 2) * cols]),
                    &p,
                    &mut out,
                );
            }
            black_box(&out);
        })
    });
}

fn irregular_parcel(x0: f64, y0: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![polygon![
        (x: x0 + 0.3, y: y0 + 0.2), (x: x0 + 47.7, y: y0 + 3.1), (x: x0 + 52.4, y: y0 + 36.9),
        (x: x0 + 23.2, y: y0 + 48.3), (x: x0 + 0.9, y: y0 + 25.5)
    ]])
}

fn coverage_fractions(c: &mut Criterion) {
    let frame = GridFrame {
        x0: 0.0,
        y0: 1000.0,
        dx: 5.0,
        dy: -5.0,
    };
    let parcel = irregular_parcel(100.0, 500.0);
    c.bench_function(
        "coverage fractions of a ~2000 m² parcel on 5 m cells",
        |b| b.iter(|| black_box(coverage(&parcel, &frame))),
    );
}

fn adjacency_pairs(c: &mut Criterion) {
    // A 40 × 40 grid of 10 m plots: 1600 parcels, 3120 shared edges.
    let parcels: Vec<MultiPolygon<f64>> = (0..1600)
        .map(|i| {
            let (x, y) = ((i % 40) as f64 * 10.0, (i / 40) as f64 * 10.0);
            MultiPolygon::new(vec![polygon![(x: x, y: y), (x: x + 10.0, y: y), (x: x + 10.0, y: y + 10.0), (x: x, y: y + 10.0)]])
        })
        .collect();
    c.bench_function("adjacency graph of 1600 plots (tolerance 0.1 m)", |b| {
        b.iter(|| black_box(landcons::stages::adjacency::build_from(&parcels, 0.1, 0.0)))
    });
}

fn group_union(c: &mut Criterion) {
    let members: MultiPolygon<f64> = (0..12)
        .map(|i| {
            let (x, y) = ((i % 4) as f64 * 30.0, (i / 4) as f64 * 20.0);
            polygon![(x: x, y: y), (x: x + 30.0, y: y), (x: x + 30.0, y: y + 20.0), (x: x, y: y + 20.0)]
        })
        .collect();
    c.bench_function("union of a 12-plot merge group", |b| {
        b.iter(|| black_box(landcons::stages::merge::dissolve(members.clone())))
    });
}

criterion_group!(
    benches,
    slope_block,
    coverage_fractions,
    adjacency_pairs,
    group_union
);
criterion_main!(benches);
