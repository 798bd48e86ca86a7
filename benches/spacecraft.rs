//! The orbit-periodic state of the 1 MW GPU module
//! (`examples/gpu-module-1mw.toml`: four radiator panels of 15,000 cells with
//! 100 water tubes each, 80,011 unknowns, 10 s BDF2 steps over the 5,735 s
//! orbit, Anderson-accelerated periods, the battery's losses fed back period by
//! period): case building (orbit fluxes included) is outside the timing, the
//! periodic solve and power budget inside it.
//!
//! `cargo bench --bench spacecraft` (each sample is a full periodic solve:
//! about 45 s of CPU, so 10 samples take several minutes).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use thermorbit::case::Case;

fn periodic(c: &mut Criterion) {
    // The file, not `Case::default_case()`: the built-in default solves the
    // same module at orbit-average loads (a steady state).
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gpu-module-1mw.toml");
    let case = Case::load(std::path::Path::new(path)).expect("the 1 MW module's case reads");
    let model = case.build().expect("the 1 MW module's case builds");
    let mut g = c.benchmark_group("spacecraft");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(1));
    g.bench_function("gpu_module_1mw_periodic", |b| {
        b.iter(|| model.run().expect("periodic solve"))
    });
    g.finish();
}

criterion_group!(benches, periodic);
criterion_main!(benches);
