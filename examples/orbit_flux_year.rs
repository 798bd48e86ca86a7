//! Absorbed fluxes on 100 surfaces over one year at 60 s steps (the speed target of the
//! environment module: under 1 s), with the shared geometry and eclipse root finding.
//!
//! Run 0 fills the albedo tables of the orbit's range of `H` (kept for later series at the
//! same `H`: runs 1 and 2 reuse them). Each run then reads every flux back, since the solar
//! and Earth-IR terms are evaluated when read.
//!
//! Run: `cargo run --release --example orbit_flux_year [-- RUNS [DAYS]]` (default 3 runs of
//! 365.25 days); the last lines are the median compute time over the runs after the first
//! (which fills the tables when more than one run is asked for) and, on Linux, the median CPU
//! time of all threads during the compute: on a shared machine the wall time depends on the
//! load, the CPU time much less.

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

/// CPU time of all this process's threads so far, s (Linux `/proc/self/task/*/schedstat`,
/// whose first field is the time on a CPU in ns); `None` elsewhere.
fn cpu_time_s() -> Option<f64> {
    let mut ns: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

/// Median, minimum and maximum of the runs after the first (run 0 fills the tables), or of
/// run 0 alone.
fn summary(runs: &[f64]) -> (f64, f64, f64, usize) {
    let mut v = runs
        .get(1..)
        .filter(|v| !v.is_empty())
        .unwrap_or(runs)
        .to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len();
    (0.5 * (v[(m - 1) / 2] + v[m / 2]), v[0], v[m - 1], m)
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
    let mut cpu_s = Vec::with_capacity(runs);
    for run in 0..runs {
        let cpu0 = cpu_time_s();
        let start = Instant::now();
        let series = model.flux_series(&surfaces, 0.0, span_s, 60.0, &SeriesOptions::default())?;
        let dt = start.elapsed().as_secs_f64();
        compute_s.push(dt);
        if let (Some(a), Some(b)) = (cpu0, cpu_time_s()) {
            cpu_s.push(b - a);
        }
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
    let (median, lo, hi, m) = summary(&compute_s);
    println!("compute median {median:.3} s over {m} run(s) (min {lo:.3}, max {hi:.3})");
    if cpu_s.len() == runs {
        let (median, lo, hi, m) = summary(&cpu_s);
        println!(
            "compute CPU time median {median:.3} s over {m} run(s) (min {lo:.3}, max {hi:.3})"
        );
    }
    Ok(())
}
