//! `thermorbit orbit`: orbit, Sun, eclipses, beta angle and absorbed environment fluxes.
//!
//! Without a case file the orbit comes from flags and the surfaces are the six faces of a
//! box (`+x … −z`) painted AZ-93 white (α = 0.15, ε = 0.91). With a case file (`--case FILE`
//! or `thermorbit orbit FILE`) its `[orbit]`, `[attitude]`, `[environment]` and `[[surfaces]]`
//! tables are used, read and checked by [`thermorbit::case::orbit`] exactly as `thermorbit run`
//! reads them (the rest of the file is not read). Every bad value is reported with the flag,
//! or the file and key, that carries it, and exits with code 2 before anything is written.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use thermorbit::case::limits::Limits;
use thermorbit::case::number_text;
use thermorbit::case::orbit::{
    arg_err, resolve as resolve_orbit, ElementsSpec, OrbitOverrides, OrbitPart, OrbitSetup,
    SpanCost,
};
pub use thermorbit::case::orbit::{
    AttitudeMode as AttitudeArg, PresetSpec as PresetArg, ShadowSpec as ShadowArg,
};
use thermorbit::environment::{EnvironmentModel, FluxSeries, SeriesOptions, Surface};
use thermorbit::error::{InputError, OutputError};
use thermorbit::orbit::{Eclipse, ElementKind, Orbit, Propagation, ShadowModel};
use thermorbit::Error;

/// Arguments of `thermorbit orbit`.
#[derive(Debug, Args)]
pub struct OrbitArgs {
    /// Case file with [orbit], [attitude], [environment] and [[surfaces]] tables; flags given
    /// as well override its orbit values.
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// The case file, given without --case: `thermorbit orbit CASE.toml`.
    #[arg(value_name = "CASE", conflicts_with = "case")]
    pub case_file: Option<PathBuf>,
    /// Epoch (t = 0), ISO 8601 UTC, e.g. 2027-03-20T12:00:00Z.
    #[arg(long)]
    pub epoch: Option<String>,
    /// Circular-orbit altitude above the equatorial radius 6378.137 km, km (100 – 1,000,000):
    /// with --elements osculating (default) the state at the epoch is r = R + h at the
    /// ascending node with the circular speed √(μ/r); with --elements mean it is the mean
    /// semi-major axis minus R (≈ 9 km lower at the node for a 550 km SSO).
    #[arg(long, allow_hyphen_values = true)]
    pub altitude_km: Option<f64>,
    /// Inclination to the J2000 equator, degrees (0 – 180).
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["sun_synchronous", "geostationary"])]
    pub inclination_deg: Option<f64>,
    /// Right ascension of the ascending node in J2000 axes, degrees (default 0).
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["sun_synchronous", "geostationary"])]
    pub raan_deg: Option<f64>,
    /// Sun-synchronous: inclination from J2, node placed by --ltan.
    #[arg(long, conflicts_with = "geostationary")]
    pub sun_synchronous: bool,
    /// Local (mean solar) time of the ascending node, HH:MM or HH:MM:SS (with --sun-synchronous).
    #[arg(long)]
    pub ltan: Option<String>,
    /// Geostationary orbit over --longitude-deg.
    #[arg(long)]
    pub geostationary: bool,
    /// East longitude of a geostationary satellite, degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub longitude_deg: Option<f64>,
    /// Span to compute, s (default: one orbit).
    #[arg(long, allow_hyphen_values = true)]
    pub duration_s: Option<f64>,
    /// Output step, s.
    #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
    pub step_s: f64,
    /// Fixed Keplerian orbit: no J2 drift of node, perigee and mean anomaly.
    #[arg(long)]
    pub two_body: bool,
    /// How the orbit's elements are read: osculating (default; what a numerical J2
    /// propagator starts from, first-order short-period terms included) or mean.
    #[arg(long, value_enum)]
    pub elements: Option<ElementsSpec>,
    /// Shadow model.
    #[arg(long, value_enum)]
    pub shadow: Option<ShadowArg>,
    /// Attitude: nadir (LVLH: +z nadir, −y orbit normal), sun (+z at the Sun, +y towards the
    /// orbit normal), sun-perpendicular (+z nadir, ±y edge-on to the Sun), inertial (body = J2000).
    #[arg(long, value_enum)]
    pub attitude: Option<AttitudeArg>,
    /// Environment preset (solar flux, albedo, Earth IR).
    #[arg(long, value_enum)]
    pub environment: Option<PresetArg>,
    /// Write the time series here (CSV).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write plots here: absorbed fluxes over the first orbit (eclipses shaded), beta angle
    /// and eclipse duration over a year.
    #[arg(long)]
    pub plot_dir: Option<PathBuf>,
}

fn positive(argument: &str, v: f64) -> Result<f64, Error> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(arg_err(
            argument,
            format!("{} must be a positive number of seconds", number_text(v)),
        ))
    }
}

/// Everything resolved from flags and the case file.
struct Setup {
    /// Orbit, attitude, environment and surfaces, as `thermorbit run` resolves them.
    orbit: OrbitSetup,
    duration_s: f64,
    step_s: f64,
}

fn resolve(args: &OrbitArgs, limits: &Limits) -> Result<Setup, Error> {
    let file = args.case.as_deref().or(args.case_file.as_deref());
    let part = match file {
        Some(p) => OrbitPart::load_with(p, limits)?,
        None => OrbitPart::default(),
    };
    let flags = OrbitOverrides {
        epoch: args.epoch.clone(),
        altitude_km: args.altitude_km,
        inclination_deg: args.inclination_deg,
        raan_deg: args.raan_deg,
        sun_synchronous: args.sun_synchronous,
        ltan: args.ltan.clone(),
        geostationary: args.geostationary,
        longitude_deg: args.longitude_deg,
        two_body: args.two_body,
        elements: args.elements,
        attitude: args.attitude,
        preset: args.environment,
        shadow: args.shadow,
    };
    let setup = resolve_orbit(&part.tables(), &flags, file)?;
    let step_s = positive("--step-s", args.step_s)?;
    let duration_s = match args.duration_s {
        Some(d) => positive("--duration-s", d)?,
        None => setup.model.orbit().nodal_period_s(),
    };
    // Before any work: the flux table and the eclipse search over the span must fit the
    // limits (a century at 1e6 s steps is few rows but billions of eclipse-scan samples).
    let cost = SpanCost::of(&setup, 0.0, duration_s, step_s);
    cost.check(limits).map_err(|reason| {
        let key = if cost.scan_samples > cost.rows {
            "--duration-s"
        } else {
            "--step-s"
        };
        Error::Input(InputError::TooLarge {
            file: PathBuf::from("command line"),
            key: key.into(),
            reason: format!(
                "{} s at steps of {} s: {reason}; shorten --duration-s or lengthen --step-s",
                number_text(duration_s),
                number_text(step_s),
            ),
        })
    })?;
    Ok(Setup {
        orbit: setup,
        duration_s,
        step_s,
    })
}

/// Runs `thermorbit orbit`.
pub fn execute(args: &OrbitArgs, ctx: &super::Context) -> Result<ExitCode, Error> {
    let setup = resolve(args, &ctx.limits)?;
    if let Some(path) = &args.csv {
        if path.is_dir() {
            return Err(super::flag_error(
                "--csv",
                format!("{} is a folder; give a file name", path.display()),
            ));
        }
    }
    let model = &setup.orbit.model;
    let orbit = model.orbit();
    let computing = ctx
        .progress
        .spinner("computing the orbit, eclipses and fluxes");
    let series = model.flux_series(
        &setup.orbit.surfaces,
        0.0,
        setup.duration_s,
        setup.step_s,
        &SeriesOptions::default(),
    );
    computing.finish_and_clear();
    let series = series?;
    let summary = summarize(&setup, &series);
    if let Some(path) = &args.csv {
        let bar = ctx
            .progress
            .bar(series.times_s().len() as u64, "writing rows");
        let written = write_csv(path, &series, &bar);
        bar.finish_and_clear();
        written?;
    }
    if let Some(dir) = &args.plot_dir {
        let drawing = ctx.progress.spinner("drawing plots");
        let drawn = write_plots(dir, model, &series);
        drawing.finish_and_clear();
        drawn?;
    }
    if args.json {
        let mut s = summary;
        if let Some(p) = &args.csv {
            s["csv"] = serde_json::json!(p.display().to_string());
        }
        ctx.console.data(&format!("{s:#}\n"))?;
    } else {
        let mut text = summary_text(&summary, orbit);
        if let Some(p) = &args.csv {
            let _ = writeln!(text, "wrote {}", p.display());
        }
        if let Some(d) = &args.plot_dir {
            let _ = writeln!(text, "wrote plots in {}", d.display());
        }
        ctx.console.report(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn eclipse_json(e: &Eclipse) -> serde_json::Value {
    serde_json::json!({
        "penumbra_entry_s": e.penumbra_entry_s,
        "umbra_entry_s": e.umbra_entry_s,
        "umbra_exit_s": e.umbra_exit_s,
        "penumbra_exit_s": e.penumbra_exit_s,
        "duration_s": e.duration_s(),
        "umbra_duration_s": e.umbra_duration_s(),
    })
}

fn summarize(setup: &Setup, series: &FluxSeries) -> serde_json::Value {
    let model = &setup.orbit.model;
    let orbit = model.orbit();
    let el = orbit.elements();
    let times = series.times_s();
    let t_end = times[times.len() - 1];
    let avg_end = orbit.nodal_period_s().min(t_end);
    let eclipses = series.eclipses();
    let durations: Vec<f64> = eclipses.iter().map(|e| e.duration_s()).collect();
    let umbras: Vec<f64> = eclipses.iter().map(|e| e.umbra_duration_s()).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    // Shadowed fraction of the span: 1 − time-average of the lit fraction.
    let mut lit_int = 0.0;
    let nodes: Vec<f64> = {
        let mut n: Vec<f64> = times.to_vec();
        n.extend(series.eclipse_boundaries_s(times[0], t_end));
        n.sort_by(f64::total_cmp);
        n.dedup();
        n
    };
    for w in nodes.windows(2) {
        lit_int +=
            0.5 * (w[1] - w[0]) * (series.lit_fraction_at(w[0]) + series.lit_fraction_at(w[1]));
    }
    let eclipse_fraction = 1.0 - lit_int / (t_end - times[0]);
    let surfaces: Vec<serde_json::Value> = series
        .surfaces()
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let a = series.average(k, 0.0, avg_end);
            serde_json::json!({
                "name": s.name,
                "normal_body": [s.normal_body.x, s.normal_body.y, s.normal_body.z],
                "absorptivity": s.absorptivity,
                "emissivity": s.emissivity,
                "area_m2": s.area_m2,
                "orbit_average_w_m2": {
                    "solar": a.solar_w_m2, "albedo": a.albedo_w_m2,
                    "earth_ir": a.earth_ir_w_m2, "total": a.total_w_m2(),
                },
            })
        })
        .collect();
    let preset = model.preset();
    serde_json::json!({
        "epoch": orbit.epoch().to_iso8601(),
        "frame": "Earth-centred, mean equator and equinox of J2000",
        "propagation": match orbit.propagation() { Propagation::J2Secular => "j2-secular", Propagation::TwoBody => "two-body" },
        "elements": match (orbit.element_kind(), orbit.has_short_period_terms()) {
            (ElementKind::Osculating, true) => "osculating Keplerian elements at the epoch (converted to mean elements with first-order J2 short-period terms; mean elements drift secularly; positions osculating)",
            (ElementKind::Osculating, false) => "osculating = mean Keplerian elements (two-body)",
            (ElementKind::Mean, _) => "mean Keplerian elements at the epoch (J2 secular drift of node, perigee and mean anomaly; no short-period terms)",
        },
        "mean_semi_major_axis_km": orbit.mean_elements().semi_major_axis_km,
        "state_at_epoch_km_km_s": {
            "position": [orbit.state(0.0).position_km.x, orbit.state(0.0).position_km.y, orbit.state(0.0).position_km.z],
            "velocity": [orbit.state(0.0).velocity_km_s.x, orbit.state(0.0).velocity_km_s.y, orbit.state(0.0).velocity_km_s.z],
        },
        "orbit": {
            "semi_major_axis_km": el.semi_major_axis_km,
            "eccentricity": el.eccentricity,
            "perigee_altitude_km": orbit.perigee_altitude_km(),
            "apogee_altitude_km": orbit.apogee_altitude_km(),
            "inclination_deg": el.inclination_rad.to_degrees(),
            "raan_deg": el.raan_rad.to_degrees(),
            "arg_latitude_deg": (el.arg_perigee_rad + el.mean_anomaly_rad).to_degrees().rem_euclid(360.0),
            "raan_rate_deg_per_day": orbit.rates().raan_rad_s.to_degrees() * 86_400.0,
            "period_s": orbit.period_s(),
            "nodal_period_s": orbit.nodal_period_s(),
        },
        "beta_deg": orbit.beta_angle_rad(0.0).to_degrees(),
        "duration_s": t_end - times[0],
        "step_s": setup.step_s,
        "shadow": match model.shadow() { ShadowModel::Conical => "conical", ShadowModel::Cylindrical => "cylindrical" },
        "environment": {
            "preset": setup.orbit.preset_name,
            "solar_flux_at_epoch_w_m2": model.geometry(0.0).solar_w_m2,
            "albedo": preset.albedo,
            "earth_ir_w_m2": preset.earth_ir_w_m2,
        },
        "eclipse": {
            "count": eclipses.len(),
            "mean_duration_s": mean(&durations),
            "max_duration_s": max(&durations),
            "mean_umbra_duration_s": mean(&umbras),
            "fraction_of_span": eclipse_fraction,
        },
        "eclipses": eclipses.iter().map(eclipse_json).collect::<Vec<_>>(),
        "orbit_average_over_s": avg_end,
        "surfaces": surfaces,
    })
}

fn summary_text(s: &serde_json::Value, orbit: &Orbit) -> String {
    let mut out = String::new();
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let o = &s["orbit"];
    let _ = writeln!(
        out,
        "epoch            {}",
        s["epoch"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "frame            {}",
        s["frame"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "orbit            a = {:.3} km, perigee {:.1} km, apogee {:.1} km, i = {:.4}°, RAAN = {:.4}° ({})",
        f(&o["semi_major_axis_km"]),
        f(&o["perigee_altitude_km"]),
        f(&o["apogee_altitude_km"]),
        f(&o["inclination_deg"]),
        f(&o["raan_deg"]),
        s["propagation"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "period           {:.2} s ({:.2} min); nodal {:.2} s; node drift {:.5}°/day",
        orbit.period_s(),
        orbit.period_s() / 60.0,
        orbit.nodal_period_s(),
        f(&o["raan_rate_deg_per_day"])
    );
    let _ = writeln!(
        out,
        "beta angle       {}° at epoch",
        super::fixed(f(&s["beta_deg"]), 3)
    );
    let e = &s["eclipse"];
    let _ = writeln!(
        out,
        "eclipses         {} in {:.0} s ({} shadow); mean {:.1} s ({:.2} min), longest {:.1} s, umbra {:.1} s; shadowed fraction {:.4}",
        e["count"],
        f(&s["duration_s"]),
        s["shadow"].as_str().unwrap_or(""),
        f(&e["mean_duration_s"]),
        f(&e["mean_duration_s"]) / 60.0,
        f(&e["max_duration_s"]),
        f(&e["mean_umbra_duration_s"]),
        f(&e["fraction_of_span"])
    );
    let env = &s["environment"];
    let _ = writeln!(
        out,
        "environment      {} (solar {:.1} W/m², albedo {:.2}, Earth IR {:.0} W/m²)",
        env["preset"].as_str().unwrap_or(""),
        f(&env["solar_flux_at_epoch_w_m2"]),
        f(&env["albedo"]),
        f(&env["earth_ir_w_m2"])
    );
    let _ = writeln!(
        out,
        "orbit-average absorbed flux over the first {:.0} s (W/m²):",
        f(&s["orbit_average_over_s"])
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>9} {:>9} {:>9} {:>9}",
        "surface", "solar", "albedo", "earth IR", "total"
    );
    if let Some(list) = s["surfaces"].as_array() {
        for srf in list {
            let a = &srf["orbit_average_w_m2"];
            let _ = writeln!(
                out,
                "  {:<16} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                srf["name"].as_str().unwrap_or(""),
                f(&a["solar"]),
                f(&a["albedo"]),
                f(&a["earth_ir"]),
                f(&a["total"])
            );
        }
    }
    out
}

/// CSV column names, in order.
pub fn csv_header(surfaces: &[Surface]) -> Vec<String> {
    let mut h: Vec<String> = [
        "t_s",
        "r_x_km",
        "r_y_km",
        "r_z_km",
        "sun_x",
        "sun_y",
        "sun_z",
        "sun_dist_au",
        "lit_fraction",
        "beta_deg",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in surfaces {
        let name: String = s
            .name
            .chars()
            .map(|c| {
                if c == ',' || c == '"' || c.is_whitespace() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        for src in ["solar", "albedo", "earth_ir"] {
            h.push(format!("{name}_{src}_w_m2"));
        }
    }
    h
}

/// Rows between two moves of the progress bar.
const ROWS_PER_TICK: usize = 4096;

fn write_csv(path: &Path, series: &FluxSeries, bar: &indicatif::ProgressBar) -> Result<(), Error> {
    thermorbit::output::write_atomic_with(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        writeln!(w, "{}", csv_header(series.surfaces()).join(","))?;
        let t = series.times_s();
        for (k, t_k) in t.iter().enumerate() {
            if k % ROWS_PER_TICK == 0 {
                bar.set_position(k as u64);
            }
            let r = series.position_km()[k];
            let s = series.sun_direction()[k];
            write!(
                w,
                "{},{:.6},{:.6},{:.6},{:.9},{:.9},{:.9},{:.9},{:.6},{:.6}",
                t_k,
                r.x,
                r.y,
                r.z,
                s.x,
                s.y,
                s.z,
                series.sun_distance_au()[k],
                series.lit_fraction()[k],
                series.beta_rad()[k].to_degrees()
            )?;
            for j in 0..series.surfaces().len() {
                let a = series.at_index(j, k);
                write!(
                    w,
                    ",{:.4},{:.4},{:.4}",
                    a.solar_w_m2, a.albedo_w_m2, a.earth_ir_w_m2
                )?;
            }
            writeln!(w)?;
        }
        w.flush()
    })?;
    Ok(())
}

/// Beta angle (deg) and eclipse duration (min) once a day over a year from the epoch.
pub fn yearly_beta_and_eclipse(model: &EnvironmentModel) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let orbit = model.orbit();
    let p = orbit.nodal_period_s();
    let mut days = Vec::new();
    let mut beta = Vec::new();
    let mut ecl = Vec::new();
    for d in 0..=365 {
        let t = d as f64 * 86_400.0;
        days.push(d as f64);
        beta.push(orbit.beta_angle_rad(t).to_degrees());
        let e = orbit.eclipses(model.shadow(), t, t + p);
        ecl.push(e.first().map(|e| e.duration_s() / 60.0).unwrap_or(0.0));
    }
    (days, beta, ecl)
}

fn write_plots(dir: &Path, model: &EnvironmentModel, series: &FluxSeries) -> Result<(), Error> {
    use thermorbit::output::plot::{plot_lines, LinePlot, Series};
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let orbit = model.orbit();
    let t = series.times_s();
    let t_end = orbit.nodal_period_s().min(t[t.len() - 1]);
    let idx: Vec<usize> = (0..t.len()).filter(|&k| t[k] <= t_end + 1e-9).collect();
    let minutes: Vec<f64> = idx.iter().map(|&k| t[k] / 60.0).collect();
    let mut curves = Vec::new();
    for (j, s) in series.surfaces().iter().enumerate() {
        curves.push(Series::new(
            format!("{} total", s.name),
            minutes.clone(),
            idx.iter()
                .map(|&k| series.at_index(j, k).total_w_m2())
                .collect(),
        ));
    }
    let shaded: Vec<(f64, f64)> = series
        .eclipses()
        .iter()
        .map(|e| (e.penumbra_entry_s / 60.0, e.penumbra_exit_s / 60.0))
        .collect();
    plot_lines(
        &dir.join("orbit_fluxes.png"),
        &LinePlot {
            title: format!(
                "Absorbed flux per surface over one orbit (β = {:.1}°)",
                orbit.beta_angle_rad(0.0).to_degrees()
            ),
            x_label: "Time from epoch (min)".into(),
            y_label: "Absorbed flux, solar + albedo + Earth IR (W/m²)".into(),
            series: curves,
            shaded,
            shaded_label: Some("eclipse".into()),
            ..Default::default()
        },
    )?;
    let (days, beta, ecl) = yearly_beta_and_eclipse(model);
    plot_lines(
        &dir.join("beta_year.png"),
        &LinePlot {
            title: "Beta angle over a year".into(),
            x_label: "Days from epoch".into(),
            y_label: "Beta angle (deg)".into(),
            series: vec![Series::new("β", days.clone(), beta)],
            ..Default::default()
        },
    )?;
    plot_lines(
        &dir.join("eclipse_year.png"),
        &LinePlot {
            title: "Eclipse duration (penumbra entry to exit) over a year".into(),
            x_label: "Days from epoch".into(),
            y_label: "Eclipse duration (min)".into(),
            series: vec![Series::new("eclipse per orbit", days, ecl)],
            ..Default::default()
        },
    )?;
    Ok(())
}
