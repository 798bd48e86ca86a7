//! The files and reports of an orbit's flux series (`thermorbit orbit`): a summary (JSON and
//! text), the time series as CSV, and plots of the absorbed fluxes over one orbit and of the
//! beta angle and eclipse duration over a year.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::plot::{plot_lines, LinePlot, Series};
use crate::environment::{EnvironmentModel, FluxSeries, Surface};
use crate::error::{Error, OutputError};
use crate::orbit::{Eclipse, ElementKind, Orbit, Propagation, ShadowModel};

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

/// The summary of `series`, computed for `model` with the environment preset called
/// `preset_name` every `step_s`: orbit, period, beta angle, eclipses, and each surface's
/// absorbed flux averaged over the first nodal period (or the span, if shorter).
pub fn summary(
    model: &EnvironmentModel,
    preset_name: &str,
    step_s: f64,
    series: &FluxSeries,
) -> serde_json::Value {
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
        "step_s": step_s,
        "shadow": match model.shadow() { ShadowModel::Conical => "conical", ShadowModel::Cylindrical => "cylindrical" },
        "environment": {
            "preset": preset_name,
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

/// The [`summary`] as the text `thermorbit orbit` prints.
pub fn summary_text(s: &serde_json::Value, orbit: &Orbit) -> String {
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

/// Writes `series` as CSV ([`csv_header`]'s columns, one row a time step) to `path`, atomically,
/// calling `progress(rows written)` now and then.
pub fn write_series_csv(
    path: &Path,
    series: &FluxSeries,
    progress: &dyn Fn(u64),
) -> Result<(), Error> {
    super::write_atomic_with(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        writeln!(w, "{}", csv_header(series.surfaces()).join(","))?;
        let t = series.times_s();
        for (k, t_k) in t.iter().enumerate() {
            if k % ROWS_PER_TICK == 0 {
                progress(k as u64);
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

/// Draws into `dir` (made if missing): `orbit_fluxes.png`, each surface's absorbed flux over
/// the first orbit with eclipses shaded; `beta_year.png` and `eclipse_year.png`, the beta angle
/// and eclipse duration once a day over a year ([`yearly_beta_and_eclipse`]).
pub fn write_plots(dir: &Path, model: &EnvironmentModel, series: &FluxSeries) -> Result<(), Error> {
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
