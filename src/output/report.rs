//! A run's results on disk and as a JSON summary.
//!
//! Files (in the output folder): `summary.json`; `nodes.csv` (lumped nodes,
//! final temperatures); per panel `panel_<name>.csv`, `panel_<name>.png` (heat
//! map) and, if asked, `panel_<name>.vtk`; for a transient (and for the final
//! period of a periodic run) also `history.csv` and `history.png` (probes and
//! panel mean/min/max against time, eclipses shaded when the case has an
//! orbit). The files are written as one set ([`OutputSet`]): the folder holds
//! all of one run's files or, if the run fails while writing, all of the
//! previous run's. Panel names that are not plain ASCII letters, digits, `-`
//! and `_` get a short hash in their file names ([`panel_file_stems`]), so no
//! two panels share a file.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::plot::{plot_heat_map, plot_lines, HeatMap, LinePlot, Series};
use super::vtk::{write_vtk_grid, VtkGrid};
use super::{write_atomic, write_csv, write_csv_labeled, OutputSet};
use crate::case::{CaseOrbit, Model, PanelModel, Probe, RunResult, Solution};
use crate::constants::CELSIUS_OFFSET_K;
use crate::error::OutputError;
use crate::mesh::FieldStats;
use crate::network::AssembledNetwork;
use crate::solve::periodic::PeriodicSolution;
use crate::solve::transient::TransientSolution;
use crate::solve::{EnergyBalance, EnergyIntegral};

/// The machine-readable summary of a run.
///
/// Keys: `case`, `mode`, `converged`, `panels.<name>.{min_k,max_k,mean_k}`,
/// `nodes.<name>.temperature_k` (final values for a transient or periodic run),
/// `boundaries.<name>.heat_w` (net heat into each boundary node, W),
/// `energy_balance.{heat_in_w,heat_out_w,stored_w,imbalance_w,relative_imbalance}`
/// (time-averaged for a transient), `iterations`, `residual_history`,
/// `linear_solver`, `unknowns`, `wall_time_s` (= `assembly_time_s` +
/// `solve_time_s`), `probes.<name>` (steady: `temperature_k`; transient and
/// periodic: `end_k` at the end time, `time_average_k` over the run, `min_k`,
/// `max_k` over the outputs), for a transient `time_basis` (which values are at
/// the end time, which are averages over the run) and `transient` with step
/// statistics and the energy integrals in J (a periodic run: of its final
/// period, with `iterations` = periods integrated, and `periodic`: periods,
/// per-period errors, periodicity error, the final period's energy and the
/// extremes over the period), and with an orbit `orbit`
/// (epoch, altitude, inclination, period, beta angle, `fluxes` — orbit-average
/// for a steady run or time-varying —, `eclipses` and each surface's average
/// absorbed flux).
pub fn summary_json(model: &Model, result: &RunResult) -> Value {
    let temps = result.solution.final_temperatures_k();
    let mut panels = Map::new();
    let stems = panel_file_stems(model);
    for (p, stem) in model.panels.iter().zip(&stems) {
        if let Ok(s) = p.nodes.stats(temps) {
            panels.insert(
                p.name.clone(),
                json!({ "min_k": s.min_k, "max_k": s.max_k, "mean_k": s.mean_k,
                        "cells": p.nodes.nx() * p.nodes.ny(), "file_stem": stem }),
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
        Solution::Transient(t) => {
            let (balance, extra, heat) = history_parts(model, temps, t);
            (
                "transient",
                balance,
                t.stats.newton_iterations,
                Vec::new(),
                extra,
                heat,
            )
        }
        Solution::Periodic(p) => {
            let (balance, extra, heat) = history_parts(model, temps, &p.final_period);
            ("periodic", balance, p.periods, Vec::new(), extra, heat)
        }
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
    if let (Some(o), Some(t)) = (&model.orbit, result.solution.history()) {
        let orbits = per_span_energy(t, o.setup.model.orbit().nodal_period_s());
        let worst = orbits
            .iter()
            .map(|e| e.relative_imbalance)
            .fold(0.0, f64::max);
        summary["energy_balance"]["orbits"] = json!(orbits.len());
        summary["energy_balance"]["worst_orbit_relative_imbalance"] = json!(worst);
        if model.spacecraft.is_some() {
            // A spacecraft's figure is the worst orbit's: an orbit that does not
            // close is hidden by averaging over many that do.
            let run = balance.relative_imbalance;
            summary["energy_balance"]["relative_imbalance"] = json!(run.max(worst));
        }
    }
    summary["probes"] = probes_json(model, result);
    if let Solution::Transient(t) = &result.solution {
        summary["time_basis"] = json!({
            "end_s": t.energy.end_s,
            "at_end_time": "panels, nodes, boundaries, probes.*.end_k",
            "time_averaged": "energy_balance (over the run), probes.*.time_average_k (trapezoidal rule over the outputs)",
            "over_the_outputs": "probes.*.min_k, probes.*.max_k",
        });
    }
    if !extra.is_null() {
        summary["transient"] = extra;
    }
    if let Solution::Periodic(p) = &result.solution {
        summary["periodic"] = periodic_json(model, p);
    }
    if let Some(o) = &model.orbit {
        summary["orbit"] = orbit_json(o);
    }
    super::spacecraft::add_to_summary(&mut summary, model, result);
    summary
}

/// The energy integrals of a history grouped by spans of `span_s` from its start (an orbit's
/// nodal period): each output interval joins the span holding its end. Each interval closes
/// on its own, so each group's balance is exact over the intervals it holds.
fn per_span_energy(t: &TransientSolution, span_s: f64) -> Vec<EnergyIntegral> {
    let start = t.energy.start_s;
    let mut groups: Vec<(f64, f64, f64, f64, f64, f64)> = Vec::new();
    for e in &t.interval_energy {
        // An interval ending within a microsecond past a span boundary belongs to the span it closes.
        let k = if span_s > 0.0 {
            (((e.end_s - start) / span_s) - 1e-9).floor().max(0.0) as usize
        } else {
            0
        };
        if groups.len() <= k {
            groups.resize(k + 1, (f64::NAN, f64::NAN, 0.0, 0.0, 0.0, 0.0));
        }
        let g = &mut groups[k];
        if g.0.is_nan() {
            g.0 = e.start_s;
        }
        g.1 = e.end_s;
        g.2 += e.heat_in_j;
        g.3 += e.heat_out_j;
        g.4 += e.stored_j;
        g.5 += 1.0;
    }
    groups
        .into_iter()
        .filter(|g| g.5 > 0.0)
        .map(|(a, b, i, o, st, _)| EnergyIntegral::new(a, b, i, o, st))
        .collect()
}

/// The `probes` part of the summary: a steady run's temperatures; a transient's end value,
/// time average (trapezoidal over the outputs), minimum and maximum.
fn probes_json(model: &Model, result: &RunResult) -> Value {
    let mut out = Map::new();
    for probe in &model.probes {
        let value = match &result.solution {
            Solution::Steady(s) => json!({
                "temperature_k": model
                    .probe_temperature_k(probe, &s.temperatures_k)
                    .unwrap_or(f64::NAN),
            }),
            Solution::Transient(t)
            | Solution::Periodic(PeriodicSolution {
                final_period: t, ..
            }) => {
                let h = probe_history(model, probe, t).unwrap_or_default();
                let end = h.last().copied().unwrap_or(f64::NAN);
                let span = t.times_s.last().copied().unwrap_or(0.0)
                    - t.times_s.first().copied().unwrap_or(0.0);
                let integral: f64 = t
                    .times_s
                    .windows(2)
                    .zip(h.windows(2))
                    .map(|(tw, hw)| 0.5 * (tw[1] - tw[0]) * (hw[0] + hw[1]))
                    .sum();
                let average = if span > 0.0 { integral / span } else { end };
                json!({
                    "end_k": end,
                    "time_average_k": average,
                    "min_k": h.iter().copied().fold(f64::INFINITY, f64::min),
                    "max_k": h.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                })
            }
        };
        out.insert(probe.name.clone(), value);
    }
    Value::Object(out)
}

/// A probe's temperature at every output of a transient, K.
fn probe_history(
    model: &Model,
    probe: &Probe,
    t: &crate::solve::transient::TransientSolution,
) -> Result<Vec<f64>, crate::error::NetworkError> {
    t.temperatures_k
        .iter()
        .map(|temps| model.probe_temperature_k(probe, temps))
        .collect()
}

/// A history's time-averaged energy balance, its `transient` summary and the
/// net heat into each boundary node at its end (`temps`, all nodes).
fn history_parts(
    model: &Model,
    temps: &[f64],
    t: &TransientSolution,
) -> (EnergyBalance, Value, Vec<(usize, f64)>) {
    let heat = model
        .system
        .heat_flows(t.energy.end_s, &unknowns_of(&model.system, temps))
        .boundary_w;
    (t.energy_balance, transient_json(t), heat)
}

/// The `transient` part of the summary (for a periodic run, its final period):
/// span, method, step statistics and the energy integrals in J.
fn transient_json(t: &TransientSolution) -> Value {
    json!({
        "start_s": t.energy.start_s, "end_s": t.energy.end_s,
        "method": t.method, "outputs": t.times_s.len(),
        "accepted_steps": t.stats.accepted_steps, "rejected_steps": t.stats.rejected_steps,
        "min_dt_s": t.stats.min_dt_s, "max_dt_s": t.stats.max_dt_s,
        "mean_dt_s": t.mean_dt_s(),
        "newton_iterations": t.stats.newton_iterations,
        "max_newton_iterations_per_step": t.stats.max_newton_iterations_per_step,
        "linear_iterations": t.stats.linear_iterations,
        "jacobian_evaluations": t.stats.jacobian_evaluations,
        "heat_in_j": t.energy.heat_in_j, "heat_out_j": t.energy.heat_out_j,
        "stored_j": t.energy.stored_j, "imbalance_j": t.energy.imbalance_j,
    })
}

/// The `periodic` part of the summary: how the cyclic state was reached
/// (`periods`, one entry per period in `iterations`), its final periodicity
/// error, the final period's energy over the period (J), and each named
/// node's and panel's extremes over the period (at the output times).
fn periodic_json(model: &Model, p: &PeriodicSolution) -> Value {
    let t = &p.final_period;
    let mut nodes = Map::new();
    for (name, id) in model.system.named_nodes() {
        let h = t.node_history(*id);
        let (lo, hi) = extremes(h.iter().copied());
        nodes.insert(name.clone(), json!({ "min_k": lo, "max_k": hi }));
    }
    let mut panels = Map::new();
    for panel in &model.panels {
        let stats = panel_stats(panel, t);
        let (lo, _) = extremes(stats.iter().map(|s| s.min_k));
        let (_, hi) = extremes(stats.iter().map(|s| s.max_k));
        panels.insert(panel.name.clone(), json!({ "min_k": lo, "max_k": hi }));
    }
    json!({
        "converged": true,
        "period_s": p.period_s,
        "start_s": t.energy.start_s,
        "periods": p.periods,
        "periodicity_error_k": p.periodicity_error_k,
        "tolerance_k": p.tolerance_k,
        "acceleration": p.acceleration.name(),
        "accelerated_periods": p.accelerated_periods(),
        "warm_up_periods": p.warm_up_periods,
        "warm_up": p.warm_up,
        "total_steps": p.total_steps,
        "iterations": p.iterations,
        "final_period_energy": {
            "heat_in_j": t.energy.heat_in_j, "heat_out_j": t.energy.heat_out_j,
            "stored_j": t.energy.stored_j, "imbalance_j": t.energy.imbalance_j,
            "relative_imbalance": t.energy.relative_imbalance,
        },
        "extremes_over_period": { "nodes": nodes, "panels": panels },
    })
}

/// A panel's min, mean and max at each output time of a history.
fn panel_stats(panel: &PanelModel, t: &TransientSolution) -> Vec<FieldStats> {
    t.temperatures_k
        .iter()
        .filter_map(|temps| panel.nodes.stats(temps).ok())
        .collect()
}

/// Smallest and largest of `values` (NaN, NaN when empty).
fn extremes(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::NAN, f64::NAN), |(lo, hi), v| (lo.min(v), hi.max(v)))
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

/// Writes every result file into `dir` as one set ([`OutputSet`]: the folder is replaced
/// whole, and left as it was if anything fails); returns the files' final paths.
pub fn write_results(
    dir: &Path,
    model: &Model,
    result: &RunResult,
) -> Result<Vec<PathBuf>, OutputError> {
    write_results_with(dir, model, result, &mut |_| {})
}

/// [`write_results`], calling `progress(name)` before each file is written (for progress bars).
pub fn write_results_with(
    dir: &Path,
    model: &Model,
    result: &RunResult,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<PathBuf>, OutputError> {
    let set = OutputSet::begin(dir)?;
    let names = write_set(&set, model, result, progress)?;
    let dir = set.commit()?;
    Ok(names.iter().map(|n| dir.join(n)).collect())
}

/// Writes the files into the set's staging folder; returns their names.
fn write_set(
    set: &OutputSet,
    model: &Model,
    result: &RunResult,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<String>, OutputError> {
    let mut written = Vec::new();
    let mut file = |name: String, written: &mut Vec<String>| {
        progress(&name);
        let path = set.path(&name);
        written.push(name);
        path
    };
    let temps = result.solution.final_temperatures_k();
    let named = model.system.named_nodes();
    if model.output.csv && !named.is_empty() {
        let path = file("nodes.csv".into(), &mut written);
        let labels: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        let t_k: Vec<f64> = named.iter().map(|(_, id)| temps[*id]).collect();
        let t_c: Vec<f64> = t_k.iter().map(|t| t - CELSIUS_OFFSET_K).collect();
        write_csv_labeled(
            &path,
            &["node", "temperature_k", "temperature_c"],
            &labels,
            &[t_k, t_c],
        )?;
    }
    let when = match &result.solution {
        Solution::Steady(_) => "steady state".to_string(),
        Solution::Transient(t) => format!("t = {:.0} s", t.energy.end_s),
        Solution::Periodic(p) => format!(
            "periodic state, t = {:.0} s = t0 + P",
            p.final_period.energy.end_s
        ),
    };
    for (p, stem) in model.panels.iter().zip(panel_file_stems(model)) {
        let field = p.nodes.field(temps).map_err(|e| OutputError::Plot {
            path: set.target().to_path_buf(),
            reason: e.to_string(),
        })?;
        if model.output.csv {
            let path = file(format!("{stem}.csv"), &mut written);
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
        }
        if model.output.vtk {
            let path = file(format!("{stem}.vtk"), &mut written);
            let grid = VtkGrid {
                title: &p.name,
                nx: p.nodes.nx(),
                ny: p.nodes.ny(),
                dx_m: p.nodes.dx_m(),
                dy_m: p.nodes.dy_m(),
                origin_m: [0.0, 0.0, 0.0],
            };
            write_vtk_grid(&path, &grid, &[("temperature_k", field)])?;
        }
        if model.output.plots {
            let path = file(format!("{stem}.png"), &mut written);
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
        }
    }
    if let Some(t) = result.solution.history() {
        if model.output.csv {
            let path = file("history.csv".into(), &mut written);
            write_history_csv(&path, model, t)?;
        }
        if model.output.plots && !(model.probes.is_empty() && model.panels.is_empty()) {
            let path = file("history.png".into(), &mut written);
            let mut plot = history_plot(model, t, history_series(model, t, &path)?);
            if matches!(result.solution, Solution::Periodic(_)) {
                plot.title = format!("{} — one period", model.title);
            }
            plot_lines(&path, &plot)?;
        }
    }
    super::spacecraft::write(model, result, &mut |name| file(name, &mut written))?;
    let path = file("summary.json".into(), &mut written);
    let text = format!("{:#}\n", summary_json(model, result));
    write_atomic(&path, text.as_bytes())?;
    Ok(written)
}

/// The history columns of a transient: `(header, label, values)` for each probe (`NAME_k`) and
/// each panel's min, mean and max (`PANEL_min_k` …), one value per output.
fn history_columns(
    model: &Model,
    t: &crate::solve::transient::TransientSolution,
    path: &Path,
) -> Result<Vec<(String, String, Vec<f64>)>, OutputError> {
    let mut out = Vec::new();
    for probe in &model.probes {
        let h = probe_history(model, probe, t).map_err(|e| OutputError::InvalidData {
            path: path.to_path_buf(),
            reason: format!("probe `{}`: {e}", probe.name),
        })?;
        out.push((format!("{}_k", probe.name), probe.name.clone(), h));
    }
    for p in &model.panels {
        let stats = panel_stats(p, t);
        for (what, values) in [
            ("min", stats.iter().map(|s| s.min_k).collect::<Vec<_>>()),
            ("mean", stats.iter().map(|s| s.mean_k).collect()),
            ("max", stats.iter().map(|s| s.max_k).collect()),
        ] {
            out.push((
                format!("{}_{what}_k", p.name),
                format!("{} {what}", p.name),
                values,
            ));
        }
    }
    Ok(out)
}

/// `history.csv`: `t_s`, then the [`history_columns`].
fn write_history_csv(
    path: &Path,
    model: &Model,
    t: &crate::solve::transient::TransientSolution,
) -> Result<(), OutputError> {
    let mut headers = vec!["t_s".to_string()];
    let mut columns = vec![t.times_s.clone()];
    for (header, _, values) in history_columns(model, t, path)? {
        headers.push(header);
        columns.push(values);
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    write_csv(path, &h, &columns)
}

/// The curves of `history.png`.
fn history_series(
    model: &Model,
    t: &crate::solve::transient::TransientSolution,
    path: &Path,
) -> Result<Vec<Series>, OutputError> {
    Ok(history_columns(model, t, path)?
        .into_iter()
        .map(|(_, label, y)| Series {
            label,
            x: t.times_s.clone(),
            y,
        })
        .collect())
}

/// The history plot: temperatures against time; with an orbit, time in minutes from the epoch
/// and the eclipses (penumbra entry to exit) shaded, with a legend entry.
fn history_plot(model: &Model, t: &TransientSolution, mut series: Vec<Series>) -> LinePlot {
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

/// Longest panel-name part of a file name, bytes: with `panel_`, a hash, an extension and the
/// temporary prefix of an atomic write it stays far below the 255 bytes file systems allow.
const MAX_STEM_NAME_BYTES: usize = 48;

/// The file-name stem of each panel, in [`Model::panels`] order: `panel_<name>` where the name
/// is plain (ASCII letters, digits, `-`, `_`) and short; otherwise the name's characters with
/// the others made `_`, cut to [`MAX_STEM_NAME_BYTES`], plus `-` and eight hex digits of a hash
/// of the whole name (`"a b"` → `panel_a_b-5f3c9a21`, distinct from `a_b` → `panel_a_b`). Two
/// stems that still agree, also when upper and lower case are one (macOS and Windows file
/// systems), get `-2`, `-3`, … in panel order.
pub fn panel_file_stems(model: &Model) -> Vec<String> {
    let names: Vec<&str> = model.panels.iter().map(|p| p.name.as_str()).collect();
    file_stems("panel_", &names)
}

fn file_stems(prefix: &str, names: &[&str]) -> Vec<String> {
    let mut used: Vec<String> = Vec::with_capacity(names.len());
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let plain = safe == *name && !name.is_empty() && name.len() <= MAX_STEM_NAME_BYTES;
        let base = if plain {
            format!("{prefix}{safe}")
        } else {
            let cut: String = safe.chars().take(MAX_STEM_NAME_BYTES).collect();
            format!("{prefix}{cut}-{:08x}", name_hash(name))
        };
        let mut stem = base.clone();
        let mut k = 2;
        while used.contains(&stem.to_lowercase()) {
            stem = format!("{base}-{k}");
            k += 1;
        }
        used.push(stem.to_lowercase());
        out.push(stem);
    }
    out
}

/// 32 bits of the FNV-1a 64-bit hash of `name`'s UTF-8 bytes (Fowler, Noll and Vo; the
/// constants of the IETF draft draft-eastlake-fnv): stable across runs, platforms and versions.
fn name_hash(name: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Case;

    #[test]
    fn panel_names_map_to_distinct_short_file_names() {
        let long = "x".repeat(300);
        let names = [
            "a b",
            "a_b",
            "radiateur_été",
            "Radiator",
            "radiator",
            "",
            &long,
        ];
        let stems = file_stems("panel_", &names);
        assert_eq!(stems[1], "panel_a_b");
        assert!(stems[0].starts_with("panel_a_b-") && stems[0].len() == "panel_a_b-".len() + 8);
        assert!(stems[2].starts_with("panel_radiateur__t_-"), "{}", stems[2]);
        assert_eq!(stems[3], "panel_Radiator");
        assert_eq!(
            stems[4], "panel_radiator-2",
            "case-insensitive file systems"
        );
        assert!(stems[6].len() < 80, "{}", stems[6]);
        let lower: Vec<String> = stems.iter().map(|s| s.to_lowercase()).collect();
        for (i, a) in lower.iter().enumerate() {
            assert!(a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
            assert!(!lower[i + 1..].contains(a), "{a} repeated: {stems:?}");
        }
        // Stable: the same names give the same stems.
        assert_eq!(stems, file_stems("panel_", &names));
    }

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
