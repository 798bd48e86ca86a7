//! `thermorbit orbit`: orbit, Sun, eclipses, beta angle and absorbed environment fluxes.
//!
//! Without a case file the orbit comes from flags and the surfaces are the six faces of a
//! box (`+x … −z`) painted AZ-93 white (α = 0.15, ε = 0.91). With `--case FILE` the
//! `[orbit]`, `[attitude]`, `[environment]` and `[[surfaces]]` tables of the file are used
//! (other tables are left to the rest of the case schema). Every bad value is reported with
//! the flag or key that carries it, and exits with code 2 before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use nalgebra::{Matrix3, Vector3};
use serde::Deserialize;
use thermorbit::environment::{
    EnvironmentModel, EnvironmentPreset, FluxSeries, SeriesOptions, Surface,
};
use thermorbit::error::{InputError, OrbitError, OutputError};
use thermorbit::orbit::{
    Attitude, Eclipse, Epoch, LocalTime, Orbit, Propagation, ShadowModel, Target,
};
use thermorbit::Error;

/// Arguments of `thermorbit orbit`.
#[derive(Debug, Args)]
pub struct OrbitArgs {
    /// Case file with [orbit], [attitude], [environment] and [[surfaces]] tables; flags given
    /// as well override its orbit values.
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// Epoch (t = 0), ISO 8601 UTC, e.g. 2027-03-20T12:00:00Z.
    #[arg(long)]
    pub epoch: Option<String>,
    /// Circular-orbit altitude above the equatorial radius, km (100 – 1,000,000): the mean
    /// semi-major axis minus 6378.137 km (mean elements, J2 secular theory; an osculating
    /// circular state at the node has a ≈ 1.5 J2 R²/a sin²i larger, ~9 km for a 550 km SSO).
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

/// Shadow model flag values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShadowArg {
    /// Conical shadow with penumbra.
    Conical,
    /// Cylindrical shadow.
    Cylindrical,
}

/// Attitude flag values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttitudeArg {
    /// LVLH.
    Nadir,
    /// Sun-pointing.
    Sun,
    /// Nadir-pointing with yaw steering so ±y stays edge-on to the Sun.
    SunPerpendicular,
    /// Body axes fixed to J2000 axes.
    Inertial,
}

/// Environment preset flag values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetArg {
    /// 1361 W/m² / d², albedo 0.30, OLR 237 W/m².
    Nominal,
    /// 1414 W/m², albedo 0.35, OLR 257 W/m².
    Hot,
    /// 1322 W/m², albedo 0.25, OLR 218 W/m².
    Cold,
}

/// The orbit part of a case file (`[orbit]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrbitSpec {
    /// ISO 8601 UTC epoch.
    pub epoch: Option<String>,
    /// Altitude, km.
    pub altitude_km: Option<f64>,
    /// Inclination, degrees.
    pub inclination_deg: Option<f64>,
    /// RAAN, degrees.
    pub raan_deg: Option<f64>,
    /// Sun-synchronous.
    #[serde(default)]
    pub sun_synchronous: bool,
    /// LTAN, HH:MM.
    pub ltan: Option<String>,
    /// Geostationary.
    #[serde(default)]
    pub geostationary: bool,
    /// GEO longitude, degrees.
    pub longitude_deg: Option<f64>,
    /// No J2 drift.
    #[serde(default)]
    pub two_body: bool,
}

/// `[attitude]` of a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttitudeSpec {
    /// Mode.
    pub mode: AttitudeArg,
}

/// `[environment]` of a case file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Preset.
    pub preset: Option<PresetArg>,
    /// Shadow model.
    pub shadow: Option<ShadowArg>,
}

/// One `[[surfaces]]` entry of a case file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    /// Name.
    pub name: String,
    /// Outward normal, body frame.
    pub normal: [f64; 3],
    /// Solar absorptivity.
    pub absorptivity: f64,
    /// IR emissivity.
    pub emissivity: f64,
    /// Area, m².
    pub area_m2: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
struct CaseOrbitPart {
    orbit: Option<OrbitSpec>,
    attitude: Option<AttitudeSpec>,
    environment: Option<EnvironmentSpec>,
    surfaces: Option<Vec<SurfaceSpec>>,
}

fn arg_err(argument: &str, e: impl std::fmt::Display) -> Error {
    Error::Orbit(OrbitError::InvalidArgument {
        argument: argument.to_string(),
        reason: e.to_string(),
    })
}

fn positive(argument: &str, v: f64) -> Result<f64, Error> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(arg_err(
            argument,
            format!("{v} must be a positive number of seconds"),
        ))
    }
}

/// Everything resolved from flags and the case file.
struct Setup {
    model: EnvironmentModel,
    surfaces: Vec<Surface>,
    duration_s: f64,
    step_s: f64,
    preset_name: &'static str,
}

fn load_case(path: &Path) -> Result<CaseOrbitPart, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| InputError::Parse {
        file: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut part = toml::Table::new();
    for key in ["orbit", "attitude", "environment", "surfaces"] {
        if let Some(v) = table.get(key) {
            part.insert(key.to_string(), v.clone());
        }
    }
    part.try_into().map_err(|e: toml::de::Error| {
        Error::Input(InputError::Parse {
            file: path.to_path_buf(),
            message: e.to_string(),
        })
    })
}

fn resolve(args: &OrbitArgs) -> Result<Setup, Error> {
    let case = match &args.case {
        Some(p) => load_case(p)?,
        None => CaseOrbitPart::default(),
    };
    let key = |flag: &'static str, k: &'static str| -> &'static str {
        if args.case.is_some() {
            k
        } else {
            flag
        }
    };
    let spec = case.orbit.clone().unwrap_or_default();
    let epoch_text = args.epoch.clone().or(spec.epoch.clone()).ok_or_else(|| {
        arg_err(
            "--epoch",
            "an epoch is required, e.g. --epoch 2027-03-20T12:00:00Z",
        )
    })?;
    let epoch = Epoch::parse_iso8601(&epoch_text).map_err(|e| {
        arg_err(
            if args.epoch.is_some() {
                "--epoch"
            } else {
                "orbit.epoch"
            },
            e,
        )
    })?;
    let propagation = if args.two_body || spec.two_body {
        Propagation::TwoBody
    } else {
        Propagation::J2Secular
    };
    let geo = args.geostationary || (spec.geostationary && args.altitude_km.is_none());
    let sso = args.sun_synchronous || (spec.sun_synchronous && !args.geostationary);
    let orbit = if geo {
        if args.altitude_km.is_some() {
            return Err(arg_err(
                "--altitude-km",
                "a geostationary orbit's altitude is fixed; drop --altitude-km",
            ));
        }
        let lon = args.longitude_deg.or(spec.longitude_deg).unwrap_or(0.0);
        Orbit::geostationary(epoch, lon, propagation)
            .map_err(|e| arg_err(key("--longitude-deg", "orbit.longitude_deg"), e))?
    } else {
        let alt = args.altitude_km.or(spec.altitude_km).ok_or_else(|| {
            arg_err(
                "--altitude-km",
                "an altitude is required (or --geostationary)",
            )
        })?;
        let alt_key = if args.altitude_km.is_some() {
            "--altitude-km"
        } else {
            "orbit.altitude_km"
        };
        if !(alt.is_finite() && (100.0..=1_000_000.0).contains(&alt)) {
            return Err(arg_err(
                alt_key,
                format!("{alt} km is out of range; allowed 100 ≤ altitude ≤ 1,000,000 km"),
            ));
        }
        if sso {
            let text =
                args.ltan.clone().or(spec.ltan.clone()).ok_or_else(|| {
                    arg_err("--ltan", "a sun-synchronous orbit needs --ltan HH:MM")
                })?;
            let ltan_key = if args.ltan.is_some() {
                "--ltan"
            } else {
                "orbit.ltan"
            };
            let ltan = LocalTime::parse(&text).map_err(|e| arg_err(ltan_key, e))?;
            Orbit::sun_synchronous(epoch, alt, ltan, propagation)
                .map_err(|e| arg_err(alt_key, e))?
        } else {
            if args.ltan.is_some() {
                return Err(arg_err("--ltan", "only meaningful with --sun-synchronous"));
            }
            let inc = args.inclination_deg.or(spec.inclination_deg).ok_or_else(|| {
                arg_err("--inclination-deg", "give --inclination-deg (and --raan-deg), --sun-synchronous --ltan, or --geostationary")
            })?;
            let inc_key = if args.inclination_deg.is_some() {
                "--inclination-deg"
            } else {
                "orbit.inclination_deg"
            };
            if !(inc.is_finite() && (0.0..=180.0).contains(&inc)) {
                return Err(arg_err(
                    inc_key,
                    format!("{inc}° is out of range; allowed 0 ≤ inclination ≤ 180°"),
                ));
            }
            let raan = args.raan_deg.or(spec.raan_deg).unwrap_or(0.0);
            if !raan.is_finite() {
                return Err(arg_err("--raan-deg", "must be a finite number of degrees"));
            }
            Orbit::circular(epoch, alt, inc, raan, propagation).map_err(|e| arg_err(alt_key, e))?
        }
    };
    let attitude_arg = args
        .attitude
        .or(case.attitude.as_ref().map(|a| a.mode))
        .unwrap_or(AttitudeArg::Nadir);
    let attitude = match attitude_arg {
        AttitudeArg::Nadir => Attitude::Nadir,
        AttitudeArg::Sun => Attitude::SunPointing {
            axis: Vector3::z(),
            secondary_axis: Vector3::y(),
            secondary_target: Target::OrbitNormal,
        },
        AttitudeArg::SunPerpendicular => Attitude::SunPerpendicular {
            edge_on_axis: Vector3::y(),
            pointing_axis: Vector3::z(),
            pointing_target: Target::Nadir,
        },
        AttitudeArg::Inertial => Attitude::InertialFixed {
            body_to_inertial: Matrix3::identity(),
        },
    };
    let env = case.environment.clone().unwrap_or_default();
    let preset_arg = args
        .environment
        .or(env.preset)
        .unwrap_or(PresetArg::Nominal);
    let (preset, preset_name) = match preset_arg {
        PresetArg::Nominal => (EnvironmentPreset::nominal(), "nominal"),
        PresetArg::Hot => (EnvironmentPreset::hot(), "hot"),
        PresetArg::Cold => (EnvironmentPreset::cold(), "cold"),
    };
    let shadow = match args.shadow.or(env.shadow).unwrap_or(ShadowArg::Conical) {
        ShadowArg::Conical => ShadowModel::Conical,
        ShadowArg::Cylindrical => ShadowModel::Cylindrical,
    };
    let surfaces = match &case.surfaces {
        Some(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let surf = Surface::new(
                    s.name.clone(),
                    Vector3::new(s.normal[0], s.normal[1], s.normal[2]),
                    s.absorptivity,
                    s.emissivity,
                )
                .map_err(|e| arg_err(&format!("surfaces[{k}]"), e))?;
                match s.area_m2 {
                    Some(a) => surf
                        .with_area_m2(a)
                        .map_err(|e| arg_err(&format!("surfaces[{k}].area_m2"), e)),
                    None => Ok(surf),
                }
            })
            .collect::<Result<Vec<_>, Error>>()?,
        Some(_) => return Err(arg_err("surfaces", "the case lists no surfaces")),
        None => Surface::body_faces(),
    };
    let step_s = positive("--step-s", args.step_s)?;
    let duration_s = match args.duration_s {
        Some(d) => positive("--duration-s", d)?,
        None => orbit.nodal_period_s(),
    };
    if duration_s / step_s > 20_000_000.0 {
        return Err(arg_err(
            "--step-s",
            format!("{duration_s} s / {step_s} s is more than 20 million rows; use a longer step"),
        ));
    }
    let model = EnvironmentModel::new(orbit, attitude, preset, shadow)?;
    Ok(Setup {
        model,
        surfaces,
        duration_s,
        step_s,
        preset_name,
    })
}

/// Runs `thermorbit orbit`.
pub fn execute(args: &OrbitArgs) -> Result<ExitCode, Error> {
    let setup = resolve(args)?;
    let model = &setup.model;
    let orbit = model.orbit();
    let series = model.flux_series(
        &setup.surfaces,
        0.0,
        setup.duration_s,
        setup.step_s,
        &SeriesOptions::default(),
    )?;
    let summary = summarize(&setup, &series);
    if let Some(path) = &args.csv {
        write_csv(path, &series)?;
    }
    if let Some(dir) = &args.plot_dir {
        write_plots(dir, model, &series)?;
    }
    if args.json {
        let mut s = summary;
        if let Some(p) = &args.csv {
            s["csv"] = serde_json::json!(p.display().to_string());
        }
        println!("{s:#}");
    } else {
        print_summary(&summary, orbit);
        if let Some(p) = &args.csv {
            println!("wrote {}", p.display());
        }
        if let Some(d) = &args.plot_dir {
            println!("wrote plots in {}", d.display());
        }
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
    let model = &setup.model;
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
        "elements": "mean Keplerian elements at the epoch (J2 secular drift of node, perigee and mean anomaly; no short-period terms)",
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
            "preset": setup.preset_name,
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

fn print_summary(s: &serde_json::Value, orbit: &Orbit) {
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let o = &s["orbit"];
    println!("epoch            {}", s["epoch"].as_str().unwrap_or(""));
    println!("frame            {}", s["frame"].as_str().unwrap_or(""));
    println!(
        "orbit            a = {:.3} km, perigee {:.1} km, apogee {:.1} km, i = {:.4}°, RAAN = {:.4}° ({})",
        f(&o["semi_major_axis_km"]),
        f(&o["perigee_altitude_km"]),
        f(&o["apogee_altitude_km"]),
        f(&o["inclination_deg"]),
        f(&o["raan_deg"]),
        s["propagation"].as_str().unwrap_or("")
    );
    println!(
        "period           {:.2} s ({:.2} min); nodal {:.2} s; node drift {:.5}°/day",
        orbit.period_s(),
        orbit.period_s() / 60.0,
        orbit.nodal_period_s(),
        f(&o["raan_rate_deg_per_day"])
    );
    println!("beta angle       {:.3}° at epoch", f(&s["beta_deg"]));
    let e = &s["eclipse"];
    println!(
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
    println!(
        "environment      {} (solar {:.1} W/m², albedo {:.2}, Earth IR {:.0} W/m²)",
        env["preset"].as_str().unwrap_or(""),
        f(&env["solar_flux_at_epoch_w_m2"]),
        f(&env["albedo"]),
        f(&env["earth_ir_w_m2"])
    );
    println!(
        "orbit-average absorbed flux over the first {:.0} s (W/m²):",
        f(&s["orbit_average_over_s"])
    );
    println!(
        "  {:<16} {:>9} {:>9} {:>9} {:>9}",
        "surface", "solar", "albedo", "earth IR", "total"
    );
    if let Some(list) = s["surfaces"].as_array() {
        for srf in list {
            let a = &srf["orbit_average_w_m2"];
            println!(
                "  {:<16} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                srf["name"].as_str().unwrap_or(""),
                f(&a["solar"]),
                f(&a["albedo"]),
                f(&a["earth_ir"]),
                f(&a["total"])
            );
        }
    }
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

fn write_csv(path: &Path, series: &FluxSeries) -> Result<(), Error> {
    thermorbit::output::write_atomic_with(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        writeln!(w, "{}", csv_header(series.surfaces()).join(","))?;
        let t = series.times_s();
        for (k, t_k) in t.iter().enumerate() {
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
