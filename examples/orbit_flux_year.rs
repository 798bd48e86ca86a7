//! Absorbed fluxes on 100 surfaces over one year at 60 s steps (the speed target of the
//! environment module: under 1 s), with the shared geometry and eclipse root finding.
//!
//! Run 0 fills the albedo tables of the orbit's range of `H` (kept for later series at the
//! same `H`: runs 1 and 2 reuse them). Each run then reads every flux back, since the solar
//! and Earth-IR terms are evaluated when read.
//!
//! Run: `cargo run --release --example orbit_flux_year [-- RUNS [DAYS]]` (default 3 runs of
//! 365.25 days); the last line is the median compute time over the runs after the first
//! (which fills the tables when more than one run is asked for).

use std::time::Instant;

use thermorbit::environment::{
    fibonacci_normals, EnvironmentModel, EnvironmentPreset, SeriesOptions, Surface,
};
use thermorbit::orbit::{Attitude, Epoch, LocalTime, Orbit, Propagation, ShadowModel};

/// 100 surfaces with normals spread over the sphere (Fibonacci lattice) and varied coatings.
fn surfaces() -> Result<Vec<Surface>, thermorbit::Error> {
    fibonacci_normals(100)
        .into_iter()
        .enumerate()
        .map(|(k, n)| {
            Ok(Surface::new(
                format!("s{k:03}"),
                n,
                0.1 + 0.008 * k as f64,
                0.85,
            )?)
        })
        .collect()
}

/// Positional argument `k` parsed as `T`, or `default` when absent; a malformed one is an error.
fn arg<T: std::str::FromStr>(k: usize, default: T) -> Result<T, String> {
    match std::env::args().nth(k) {
        None => Ok(default),
        Some(a) => a
            .parse()
            .map_err(|_| format!("argument {k} ({a:?}): expected a number")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = arg(1, 3)?;
    let days: f64 = arg(2, 365.25)?;
    if runs == 0 || !(days > 0.0 && days <= 3660.0) {
        return Err("RUNS must be at least 1 and DAYS in (0, 3660]".into());
    }
    let epoch = Epoch::parse_iso8601("2027-01-01T00:00:00Z")?;
    let orbit = Orbit::sun_synchronous(
        epoch,
        550.0,
        LocalTime::parse("10:30")?,
        Propagation::J2Secular,
    )?;
    let model = EnvironmentModel::new(
        orbit,
        Attitude::Nadir,
        EnvironmentPreset::nominal(),
        ShadowModel::Conical,
    )?;
    let surfaces = surfaces()?;
    let span_s = days * 86_400.0;
    let start = Instant::now();
    let _table = thermorbit::environment::series::EarthFactorTable::new(1.0 + 550.0 / 6378.137);
    println!(
        "one albedo/IR table fill (not cached): {:.3} s",
        start.elapsed().as_secs_f64()
    );
    let mut compute_s = Vec::with_capacity(runs);
    for run in 0..runs {
        let start = Instant::now();
        let series = model.flux_series(&surfaces, 0.0, span_s, 60.0, &SeriesOptions::default())?;
        let dt = start.elapsed().as_secs_f64();
        compute_s.push(dt);
        // Reading every value back: the solar and IR terms are evaluated on reading.
        let start = Instant::now();
        let n = series.times_s().len();
        let total: f64 = (0..surfaces.len())
            .map(|j| {
                (0..n)
                    .map(|k| series.at_index(j, k).total_w_m2())
                    .sum::<f64>()
            })
            .sum();
        let dt_read = start.elapsed().as_secs_f64();
        println!(
            "run {run}: {} surfaces x {n} steps in {dt:.3} s, all {} values read back in \
             {dt_read:.3} s ({} eclipses; mean absorbed {:.2} W/m2)",
            surfaces.len(),
            3 * n * surfaces.len(),
            series.eclipses().len(),
            total / (n * surfaces.len()) as f64
        );
    }
    // Run 0 filled the tables; the median is over the later runs (or run 0 alone).
    let mut later = compute_s.split_off(compute_s.len().min(1));
    if later.is_empty() {
        later = compute_s;
    }
    later.sort_by(f64::total_cmp);
    let m = later.len();
    let median = 0.5 * (later[(m - 1) / 2] + later[m / 2]);
    println!(
        "compute median {median:.3} s over {m} run(s) (min {:.3}, max {:.3})",
        later[0],
        later[m - 1]
    );
    Ok(())
}
