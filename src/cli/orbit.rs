//! `thermorbit orbit`: orbit, Sun, eclipses, beta angle and absorbed environment fluxes.
//!
//! Without a case file the orbit comes from flags and the surfaces are the six faces of a
//! box (`+x … −z`) painted AZ-93 white (α = 0.15, ε = 0.91). With a case file (`--case FILE`
//! or `thermorbit orbit FILE`) its `[orbit]`, `[attitude]`, `[environment]` and `[[surfaces]]`
//! tables are used, read and checked by [`thermorbit::case::orbit`] exactly as `thermorbit run`
//! reads them (the rest of the file is not read); the summary, CSV and plots are
//! [`thermorbit::output::orbit`]'s. Every bad value is reported with the flag,
//! or the file and key, that carries it, and exits with code 2 before anything is written.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use thermorbit::case::number_text;
use thermorbit::case::orbit::{
    resolve as resolve_orbit, AttitudeMode, ElementsSpec, OrbitField, OrbitOverrides, OrbitPart,
    OrbitSetup, PresetSpec, ShadowSpec, SpanCost,
};
use thermorbit::case::Limits;
use thermorbit::environment::SeriesOptions;
use thermorbit::error::{InputError, OrbitError};
use thermorbit::output::orbit::{summary, summary_text, write_plots, write_series_csv};
use thermorbit::Error;

use super::choice::choice;

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
    #[arg(long, value_parser = choice::<ElementsSpec>())]
    pub elements: Option<ElementsSpec>,
    /// Shadow model.
    #[arg(long, value_parser = choice::<ShadowSpec>())]
    pub shadow: Option<ShadowSpec>,
    /// Attitude: nadir (LVLH: +z nadir, −y orbit normal), sun (+z at the Sun, +y towards the
    /// orbit normal), sun-perpendicular (+z nadir, ±y edge-on to the Sun), inertial (body = J2000).
    #[arg(long, value_parser = choice::<AttitudeMode>())]
    pub attitude: Option<AttitudeMode>,
    /// Environment preset (solar flux, albedo, Earth IR).
    #[arg(long, value_parser = choice::<PresetSpec>())]
    pub environment: Option<PresetSpec>,
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

/// The flag that overrides each orbit value, which messages about it name.
pub fn flag_name(field: OrbitField) -> &'static str {
    match field {
        OrbitField::Epoch => "--epoch",
        OrbitField::AltitudeKm => "--altitude-km",
        OrbitField::InclinationDeg => "--inclination-deg",
        OrbitField::RaanDeg => "--raan-deg",
        OrbitField::SunSynchronous => "--sun-synchronous",
        OrbitField::Ltan => "--ltan",
        OrbitField::Geostationary => "--geostationary",
        OrbitField::LongitudeDeg => "--longitude-deg",
        // A field a newer library adds, before this command has a flag for it.
        _ => "an orbit option",
    }
}

/// The error of a bad flag value: names the flag and why.
fn arg_err(argument: &str, reason: impl std::fmt::Display) -> Error {
    Error::Orbit(OrbitError::InvalidArgument {
        argument: argument.to_string(),
        reason: reason.to_string(),
    })
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
        names: flag_name,
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
    let summary = summary(model, setup.orbit.preset_name, setup.step_s, &series);
    if let Some(path) = &args.csv {
        let bar = ctx
            .progress
            .bar(series.times_s().len() as u64, "writing rows");
        let written = write_series_csv(path, &series, &|rows| bar.set_position(rows));
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
