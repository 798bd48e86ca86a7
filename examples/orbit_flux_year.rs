//! Absorbed fluxes on 100 surfaces over one year at 60 s steps (the speed target of the
//! environment module: under 1 s), with the shared geometry and eclipse root finding.
//!
//! Run 0 fills the albedo tables of the orbit's range of `H` (kept for later series at the
//! same `H`: runs 1 and 2 reuse them). Each run then reads every flux back, since the solar
//! and Earth-IR terms are evaluated when read.
//!
//! Run: `cargo run --release --example orbit_flux_year [-- RUNS [DAYS [READ [FILE]]]]` (default
//! 3 runs of 365.25 days; `READ` 0 skips the read-back, e.g. to count the compute's
//! instructions under `valgrind --tool=cachegrind` as the difference of two run counts;
//! `FILE`, when given, receives every output column of the last run as raw `f64` — or, if it
//! already exists, is compared with them, column by column: how a change to the code moves
//! the results); the last lines are the median compute time over the runs after the first
//! (which fills the tables when more than one run is asked for) and, on Linux, the median CPU
//! time of all threads during the compute: on a shared machine the wall time depends on the
//! load, the CPU time much less.

use std::io::{BufReader, BufWriter, Read, Write};
use std::time::Instant;

use thermorbit::environment::{
    fibonacci_normals, EnvironmentModel, EnvironmentPreset, FluxSeries, SeriesOptions, Surface,
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

/// Every output column of `series`, named as in the CSV of `thermorbit orbit` (fluxes as
/// `<surface>_<source>`), then the eclipse boundaries (a missing umbra as NaN).
fn columns(series: &FluxSeries) -> Vec<(String, Vec<f64>)> {
    let n = series.times_s().len();
    let mut cols: Vec<(String, Vec<f64>)> = vec![("t_s".into(), series.times_s().to_vec())];
    for (c, axis) in ["x", "y", "z"].iter().enumerate() {
        let r = series.position_km().iter().map(|r| r[c]).collect();
        cols.push((format!("r_{axis}_km"), r));
    }
    for (c, axis) in ["x", "y", "z"].iter().enumerate() {
        let s = series.sun_direction().iter().map(|s| s[c]).collect();
        cols.push((format!("sun_{axis}"), s));
    }
    cols.push(("sun_dist_au".into(), series.sun_distance_au().to_vec()));
    cols.push(("lit_fraction".into(), series.lit_fraction().to_vec()));
    cols.push(("beta_rad".into(), series.beta_rad().to_vec()));
    for (j, s) in series.surfaces().iter().enumerate() {
        let at = |f: &dyn Fn(usize) -> f64| (0..n).map(f).collect::<Vec<f64>>();
        cols.push((
            format!("{}_solar", s.name),
            at(&|k| series.solar_w_m2(j, k)),
        ));
        cols.push((
            format!("{}_albedo", s.name),
            at(&|k| series.albedo_w_m2(j, k)),
        ));
        cols.push((
            format!("{}_ir", s.name),
            at(&|k| series.earth_ir_w_m2(j, k)),
        ));
    }
    let e = series.eclipses();
    let nan = f64::NAN;
    cols.push((
        "penumbra_entry_s".into(),
        e.iter().map(|e| e.penumbra_entry_s).collect(),
    ));
    cols.push((
        "umbra_entry_s".into(),
        e.iter().map(|e| e.umbra_entry_s.unwrap_or(nan)).collect(),
    ));
    cols.push((
        "umbra_exit_s".into(),
        e.iter().map(|e| e.umbra_exit_s.unwrap_or(nan)).collect(),
    ));
    cols.push((
        "penumbra_exit_s".into(),
        e.iter().map(|e| e.penumbra_exit_s).collect(),
    ));
    cols
}

/// Writes the columns of `series` to `path` as length-prefixed little-endian `f64`, or, if
/// `path` exists, compares them with the file's and prints each group's largest absolute and
/// relative difference (groups: the geometry columns one by one, then solar, albedo, IR over
/// all surfaces, then the eclipse times).
fn dump_or_compare(series: &FluxSeries, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let cols = columns(series);
    if !std::path::Path::new(path).exists() {
        let mut w = BufWriter::new(std::fs::File::create(path)?);
        for (_, v) in &cols {
            w.write_all(&(v.len() as u64).to_le_bytes())?;
            for x in v {
                w.write_all(&x.to_le_bytes())?;
            }
        }
        w.flush()?;
        println!("wrote {} columns to {path}", cols.len());
        return Ok(());
    }
    let mut r = BufReader::new(std::fs::File::open(path)?);
    let mut word = [0u8; 8];
    let mut next = |r: &mut BufReader<std::fs::File>| -> std::io::Result<f64> {
        r.read_exact(&mut word)?;
        Ok(f64::from_le_bytes(word))
    };
    // (group, max |Δ|, values differing, values, max |x|)
    let mut groups: Vec<(String, f64, usize, usize, f64)> = Vec::new();
    for (name, v) in &cols {
        let len = next(&mut r)?.to_bits();
        if len != v.len() as u64 {
            return Err(format!("{name}: {len} values in {path}, {} now", v.len()).into());
        }
        let group = match name.rsplit_once('_') {
            Some((s, src)) if s.starts_with('s') && ["solar", "albedo", "ir"].contains(&src) => {
                src.to_string()
            }
            _ => name.clone(),
        };
        if groups.last().is_none_or(|g| g.0 != group) {
            match groups.iter().position(|g| g.0 == group) {
                Some(i) => {
                    let g = groups.remove(i);
                    groups.push(g);
                }
                None => groups.push((group, 0.0, 0, 0, 0.0)),
            }
        }
        let g = groups.last_mut().ok_or("no group")?;
        for &x in v {
            let old = next(&mut r)?;
            if old.to_bits() != x.to_bits() && !(old.is_nan() && x.is_nan()) {
                g.2 += 1;
                g.1 = g.1.max((x - old).abs());
            }
            g.3 += 1;
            g.4 = g.4.max(old.abs());
        }
    }
    println!("compared with {path}: group, values differing / values, max |diff|, relative to max |value|");
    for (name, d, k, m, big) in groups {
        println!(
            "  {name:>16}: {k:>9} / {m:>9}, {d:.3e}, {:.3e}",
            d / big.max(f64::MIN_POSITIVE)
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = arg(1, 3)?;
    let days: f64 = arg(2, 365.25)?;
    let read_back: u8 = arg(3, 1)?;
    let dump: Option<String> = std::env::args().nth(4);
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
    let _table = thermorbit::environment::EarthFactorTable::new(1.0 + 550.0 / 6378.137);
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
        if let (Some(path), true) = (&dump, run + 1 == runs) {
            dump_or_compare(&series, path)?;
        }
        if read_back == 0 {
            println!("run {run}: {} steps in {dt:.3} s", series.times_s().len());
            continue;
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
