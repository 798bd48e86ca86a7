//! A run's results on disk and as a JSON summary.
//!
//! Files (in the output folder): `summary.json`; `nodes.csv` (lumped nodes,
//! final temperatures); per panel `panel_<name>.csv`, `panel_<name>.png` (heat
//! map) and, if asked, `panel_<name>.vtk`; for a transient also `history.csv`
//! and `history.png` (probes and panel mean/min/max against time, eclipses
//! shaded when the case has an orbit). Each file is written atomically.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::plot::{plot_heat_map, plot_lines, HeatMap, LinePlot, Series};
use super::vtk::{write_vtk_grid, VtkGrid};
use super::{write_atomic, write_csv, write_csv_labeled};
use crate::case::{CaseOrbit, Model, RunResult, Solution};
use crate::constants::CELSIUS_OFFSET_K;
use crate::error::OutputError;
use crate::network::AssembledNetwork;

/// The machine-readable summary of a run.
///
/// Keys: `case`, `mode`, `converged`, `panels.<name>.{min_k,max_k,mean_k}`,
/// `nodes.<name>.temperature_k` (final values for a transient),
/// `boundaries.<name>.heat_w` (net heat into each boundary node, W),
/// `energy_balance.{heat_in_w,heat_out_w,stored_w,imbalance_w,relative_imbalance}`
/// (time-averaged for a transient), `iterations`, `residual_history`,
/// `linear_solver`, `unknowns`, `wall_time_s` (= `assembly_time_s` +
/// `solve_time_s`), for a transient `transient`
/// with step statistics and the energy integrals in J, and with an orbit `orbit`
/// (epoch, altitude, inclination, period, beta angle, `fluxes` — orbit-average
/// for a steady run or time-varying —, `eclipses` and each surface's average
/// absorbed flux).
pub fn summary_json(model: &Model, result: &RunResult) -> Value {
    let temps = result.solution.final_temperatures_k();
    let mut panels = Map::new();
    for p in &model.panels {
        if let Ok(s) = p.nodes.stats(temps) {
            panels.insert(
                p.name.clone(),
                json!({ "min_k": s.min_k, "max_k": s.max_k, "mean_k": s.mean_k,
                        "cells": p.nodes.nx() * p.nodes.ny() }),
            );
        }
    }
    let mut nodes = Map::new();
    let mut boundaries = Map::new();
    for (name, id) in model.system.named_nodes() {
        let kind = model.system.kind_name(*id);
        nodes.insert(
            name.clone(),
            json!({ "temperature_k": temps[*id], "temperature_c": temps[*id] - CELSIUS_OFFSET_K, "kind": kind }),
        );
    }
    let (mode, balance, iterations, history, extra, boundary_heat) = match &result.solution {
        Solution::Steady(s) => (
            "steady",
            s.energy_balance,
            s.iterations.len().saturating_sub(1),
            s.iterations
                .iter()
                .map(|i| i.relative_residual)
                .collect::<Vec<_>>(),
            Value::Null,
            s.boundary_heat_w.clone(),
        ),
        Solution::Transient(t) => (
            "transient",
            t.energy_balance,
            t.stats.newton_iterations,
            Vec::new(),
            json!({
                "start_s": t.energy.start_s, "end_s": t.energy.end_s,
                "method": t.method, "outputs": t.times_s.len(),
                "accepted_steps": t.stats.accepted_steps, "rejected_steps": t.stats.rejected_steps,
                "min_dt_s": t.stats.min_dt_s, "max_dt_s": t.stats.max_dt_s,
                "mean_dt_s": t.mean_dt_s(),
                "heat_in_j": t.energy.heat_in_j, "heat_out_j": t.energy.heat_out_j,
                "stored_j": t.energy.stored_j, "imbalance_j": t.energy.imbalance_j,
            }),
            model
                .system
                .heat_flows(t.energy.end_s, &unknowns_of(&model.system, temps))
                .boundary_w,
        ),
    };
    for (id, q) in boundary_heat {
        boundaries.insert(model.system.label(id), json!({ "heat_w": q }));
    }
    let mut summary = json!({
        "case": model.title,
        "mode": mode,
        "converged": true,
        "panels": panels,
        "nodes": nodes,
        "boundaries": boundaries,
        "energy_balance": {
            "heat_in_w": balance.heat_in_w, "heat_out_w": balance.heat_out_w,
            "stored_w": balance.stored_w, "imbalance_w": balance.imbalance_w,
            "relative_imbalance": balance.relative_imbalance,
        },
        "iterations": iterations,
        "residual_history": history,
        "linear_solver": result.solution.linear_solver(),
        "unknowns": model.system.unknowns(),
        "wall_time_s": result.wall_time_s,
        "assembly_time_s": result.assembly_time_s,
        "solve_time_s": result.solve_time_s,
    });
    if !extra.is_null() {
        summary["transient"] = extra;
    }
    if let Some(o) = &model.orbit {
        summary["orbit"] = orbit_json(o);
    }
    summary
}

/// The `orbit` part of the summary: the orbit, how its fluxes entered the run, its eclipses
/// and the average absorbed flux per surface.
fn orbit_json(o: &CaseOrbit) -> Value {
    let model = &o.setup.model;
    let orbit = model.orbit();
    let (t0, t1) = o.span_s();
    let mut surfaces = Map::new();
    for (k, s) in o.setup.surfaces.iter().enumerate() {
        let a = o.average_absorbed(k);
        surfaces.insert(
            s.name.clone(),
            json!({
                "normal_body": [s.normal_body.x, s.normal_body.y, s.normal_body.z],
                "absorptivity": s.absorptivity, "emissivity": s.emissivity, "area_m2": s.area_m2,
                "average_absorbed_w_m2": { "solar": a.solar_w_m2, "albedo": a.albedo_w_m2,
                    "earth_ir": a.earth_ir_w_m2, "total": a.total_w_m2() },
            }),
        );
    }
    let eclipses: Vec<Value> = o
        .series
        .eclipses()
        .iter()
        .map(|e| {
            json!({
                "penumbra_entry_s": e.penumbra_entry_s, "umbra_entry_s": e.umbra_entry_s,
                "umbra_exit_s": e.umbra_exit_s, "penumbra_exit_s": e.penumbra_exit_s,
            })
        })
        .collect();
    json!({
        "epoch": orbit.epoch().to_iso8601(),
        "perigee_altitude_km": orbit.perigee_altitude_km(),
        "apogee_altitude_km": orbit.apogee_altitude_km(),
        "inclination_deg": orbit.elements().inclination_rad.to_degrees(),
        "nodal_period_s": orbit.nodal_period_s(),
        "beta_deg_at_start": orbit.beta_angle_rad(t0).to_degrees(),
        "environment": o.setup.preset_name,
        "fluxes": o.fluxes_description(),
        "orbit_average": o.averaged_over_s.is_some(),
        "flux_span_s": [t0, t1],
        "eclipses": eclipses,
        "surfaces": surfaces,
    })
}

/// The unknowns' part of an all-node temperature vector.
fn unknowns_of(system: &AssembledNetwork, temps: &[f64]) -> Vec<f64> {
    (0..system.unknowns())
        .map(|u| temps[system.node_of_unknown(u)])
        .collect()
}

/// Writes every result file into `dir` (created if needed); returns their paths.
pub fn write_results(
    dir: &Path,
    model: &Model,
    result: &RunResult,
) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let temps = result.solution.final_temperatures_k();
    let named = model.system.named_nodes();
    if model.output.csv && !named.is_empty() {
        let path = dir.join("nodes.csv");
        let labels: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        let t_k: Vec<f64> = named.iter().map(|(_, id)| temps[*id]).collect();
        let t_c: Vec<f64> = t_k.iter().map(|t| t - CELSIUS_OFFSET_K).collect();
        write_csv_labeled(
            &path,
            &["node", "temperature_k", "temperature_c"],
            &labels,
            &[t_k, t_c],
        )?;
        written.push(path);
    }
    let when = match &result.solution {
        Solution::Steady(_) => "steady state".to_string(),
        Solution::Transient(t) => format!("t = {:.0} s", t.energy.end_s),
    };
    for p in &model.panels {
        let field = p.nodes.field(temps).map_err(|e| OutputError::Plot {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let stem = format!("panel_{}", file_safe(&p.name));
        if model.output.csv {
            let path = dir.join(format!("{stem}.csv"));
            let (nx, ny) = (p.nodes.nx(), p.nodes.ny());
            let mut cols: Vec<Vec<f64>> = (0..5).map(|_| Vec::with_capacity(nx * ny)).collect();
            for j in 0..ny {
                for i in 0..nx {
                    let (x, y) = p.nodes.cell_center(i, j);
                    let t = field[j * nx + i];
                    for (c, v) in cols.iter_mut().zip([i as f64, j as f64, x, y, t]) {
                        c.push(v);
                    }
                }
            }
            write_csv(&path, &["i", "j", "x_m", "y_m", "temperature_k"], &cols)?;
            written.push(path);
        }
        if model.output.vtk {
            let path = dir.join(format!("{stem}.vtk"));
            let grid = VtkGrid {
                title: &p.name,
                nx: p.nodes.nx(),
                ny: p.nodes.ny(),
                dx_m: p.nodes.dx_m(),
                dy_m: p.nodes.dy_m(),
                origin_m: [0.0, 0.0, 0.0],
            };
            write_vtk_grid(&path, &grid, &[("temperature_k", field)])?;
            written.push(path);
        }
        if model.output.plots {
            let path = dir.join(format!("{stem}.png"));
            let title = format!("{} — panel {} ({when})", model.title, p.name);
            plot_heat_map(
                &path,
                &HeatMap {
                    title: &title,
                    values: field,
                    nx: p.nodes.nx(),
                    ny: p.nodes.ny(),
                    length_m: p.nodes.length_m(),
                    width_m: p.nodes.width_m(),
                    colorbar_label: "Temperature (K)",
                },
            )?;
            written.push(path);
        }
    }
    if let Solution::Transient(t) = &result.solution {
        written.extend(write_history(dir, model, t)?);
    }
    let path = dir.join("summary.json");
    let text = format!("{:#}\n", summary_json(model, result));
    write_atomic(&path, text.as_bytes())?;
    written.push(path);
    Ok(written)
}

/// `history.csv` and `history.png` for a transient; with an orbit the plot's time axis is in
/// minutes and its eclipses (penumbra entry to exit) are shaded.
fn write_history(
    dir: &Path,
    model: &Model,
    t: &crate::solve::transient::TransientSolution,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut headers = vec!["t_s".to_string()];
    let mut columns = vec![t.times_s.clone()];
    let mut series = Vec::new();
    for (name, id) in &model.probes {
        let h = t.node_history(*id);
        headers.push(format!("{name}_k"));
        columns.push(h.clone());
        series.push(Series {
            label: name.clone(),
            x: t.times_s.clone(),
            y: h,
        });
    }
    for p in &model.panels {
        let stats: Vec<_> = t
            .temperatures_k
            .iter()
            .filter_map(|temps| p.nodes.stats(temps).ok())
            .collect();
        for (what, values) in [
            ("min", stats.iter().map(|s| s.min_k).collect::<Vec<_>>()),
            ("mean", stats.iter().map(|s| s.mean_k).collect()),
            ("max", stats.iter().map(|s| s.max_k).collect()),
        ] {
            headers.push(format!("{}_{what}_k", p.name));
            series.push(Series {
                label: format!("{} {what}", p.name),
                x: t.times_s.clone(),
                y: values.clone(),
            });
            columns.push(values);
        }
    }
    let mut written = Vec::new();
    if model.output.csv {
        let path = dir.join("history.csv");
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        write_csv(&path, &h, &columns)?;
        written.push(path);
    }
    if model.output.plots && !series.is_empty() {
        let path = dir.join("history.png");
        plot_lines(&path, &history_plot(model, t, series))?;
        written.push(path);
    }
    Ok(written)
}

/// The history plot: temperatures against time; with an orbit, time in minutes from the epoch
/// and the eclipses (penumbra entry to exit) shaded, with a legend entry.
fn history_plot(
    model: &Model,
    t: &crate::solve::transient::TransientSolution,
    mut series: Vec<Series>,
) -> LinePlot {
    let (x_label, shaded, shaded_label) = match &model.orbit {
        Some(o) => {
            for s in &mut series {
                s.x.iter_mut().for_each(|t| *t /= 60.0);
            }
            let bands: Vec<(f64, f64)> = o
                .eclipse_intervals_s(t.energy.start_s, t.energy.end_s)
                .into_iter()
                .map(|(a, b)| (a / 60.0, b / 60.0))
                .collect();
            let label = (!bands.is_empty()).then(|| "eclipse (penumbra entry to exit)".to_string());
            ("Time from epoch (min)", bands, label)
        }
        None => ("Time (s)", Vec::new(), None),
    };
    LinePlot {
        title: format!("{} — temperatures", model.title),
        x_label: x_label.into(),
        y_label: "Temperature (K)".into(),
        series,
        shaded,
        shaded_label,
        log_x: false,
        log_y: false,
        reference_slopes: Vec::new(),
    }
}

/// A name usable in a file name: letters, digits, `-` and `_`; others become `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Case;

    /// The shipped orbit case cut to one orbit: its history plot shades the one eclipse, in
    /// minutes, with a legend entry; the default (orbit-less) transient shades nothing.
    #[test]
    fn history_plot_shades_eclipses_of_an_orbit_case() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/orbit-radiator.toml");
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("end_s = 17204.0", "end_s = 5735.0");
        let model = Case::from_toml(&text, &file).unwrap().build().unwrap();
        let result = model.run().unwrap();
        let Solution::Transient(t) = &result.solution else {
            panic!("transient expected")
        };
        let series = vec![Series::new("x", t.times_s.clone(), t.times_s.clone())];
        let plot = history_plot(&model, t, series);
        assert_eq!(plot.shaded.len(), 1, "{:?}", plot.shaded);
        let (a, b) = plot.shaded[0];
        // 550 km, β ≈ −3°: ≈ 35.8 min of shadow, starting ≈ 36 min after the noon node.
        assert!((b - a - 35.8).abs() < 1.0, "{a}..{b}");
        assert!(a > 20.0 && b < 5735.0 / 60.0, "{a}..{b}");
        assert!(plot.shaded_label.is_some());
        assert_eq!(plot.x_label, "Time from epoch (min)");
        assert!((plot.series[0].x.last().copied().unwrap_or(0.0) - 5735.0 / 60.0).abs() < 1e-9);

        let mut plain = model.clone();
        plain.orbit = None;
        let plot = history_plot(&plain, t, Vec::new());
        assert!(plot.shaded.is_empty() && plot.shaded_label.is_none());
        assert_eq!(plot.x_label, "Time (s)");
    }
}
