//! Criterion benchmarks of the environment module: absorbed fluxes for 100 surfaces over one
//! year at 60 s steps (the speed target: under 1 s), the albedo/IR table fill, and one
//! direct (quadrature) flux evaluation.
//!
//! Run: `cargo bench --bench environment`

use criterion::{criterion_group, criterion_main, Criterion};
use thermorbit::environment::EarthFactorTable;
use thermorbit::environment::{
    fibonacci_normals, EnvironmentModel, EnvironmentPreset, SeriesOptions, Surface,
};
use thermorbit::orbit::{Attitude, Epoch, LocalTime, Orbit, Propagation, ShadowModel};

fn model() -> EnvironmentModel {
    let run = || -> Result<EnvironmentModel, thermorbit::Error> {
        let epoch = Epoch::parse_iso8601("2027-01-01T00:00:00Z")?;
        let ltan = LocalTime::parse("10:30")?;
        let orbit = Orbit::sun_synchronous(epoch, 550.0, ltan, Propagation::J2Secular)?;
        Ok(EnvironmentModel::new(
            orbit,
            Attitude::Nadir,
            EnvironmentPreset::nominal(),
            ShadowModel::Conical,
        )?)
    };
    run().unwrap_or_else(|e| panic!("benchmark setup: {e}"))
}

/// 100 normals on a Fibonacci lattice.
fn surfaces() -> Vec<Surface> {
    fibonacci_normals(100)
        .into_iter()
        .enumerate()
        .map(|(k, n)| Surface::new(format!("s{k}"), n, 0.3, 0.85).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn bench(c: &mut Criterion) {
    let m = model();
    let s = surfaces();
    let year = 365.25 * 86_400.0;
    let mut g = c.benchmark_group("environment");
    g.sample_size(10);
    g.bench_function("flux_series_100_surfaces_1_year_60s", |b| {
        b.iter(|| {
            m.flux_series(&s, 0.0, year, 60.0, &SeriesOptions::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.bench_function("earth_factor_table_550km", |b| {
        b.iter(|| EarthFactorTable::new(1.0 + 550.0 / 6378.137))
    });
    g.bench_function("direct_absorbed_flux_one_surface", |b| {
        b.iter(|| m.absorbed_flux_w_m2(&s[10], 1234.5))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
