//! Criterion benchmarks of the sizing optimizer: one design evaluated on the solved model
//! (hot-case flow search, junction chain, cold case), and the default `thermorbit size`
//! search (grid + Nelder–Mead; the target: under 30 s). The year scan of the orbit
//! is done once outside the timed loops (it is part of the CLI's time, measured in
//! benches/README.md with `time`).
//!
//! Run: `cargo bench --bench sizing`

use criterion::{criterion_group, criterion_main, Criterion};
use thermorbit::sizing::sweep::SizingSettings;
use thermorbit::sizing::{evaluate, optimize, Design, Problem, SearchOptions};

fn setup() -> (Problem, SearchOptions, Design) {
    let run = || -> Result<(Problem, SearchOptions, Design), thermorbit::Error> {
        let s = SizingSettings::default();
        let env = s.scan()?;
        let p = s.problem(env)?;
        let d = Design {
            supply_k: 313.95,
            rise_k: 6.84,
            fin_thickness_m: 2.0e-3,
            pitch_m: 0.05,
            length_m: 11.7,
            lift_k: 0.0,
        };
        Ok((p, s.search()?, d))
    };
    run().unwrap_or_else(|e| panic!("benchmark setup: {e}"))
}

fn bench_sizing(c: &mut Criterion) {
    let (problem, options, design) = setup();
    c.bench_function("sizing/evaluate one design (default problem)", |b| {
        b.iter(|| evaluate(&problem, &design).map(|e| e.per_mw.radiator_planform_area_m2))
    });
    let mut group = c.benchmark_group("sizing/optimize");
    group.sample_size(10);
    group.bench_function("default thermorbit size search", |b| {
        b.iter(|| optimize(&problem, &options).map(|o| o.best.per_mw.radiator_planform_area_m2))
    });
    group.finish();
}

criterion_group!(benches, bench_sizing);
criterion_main!(benches);
