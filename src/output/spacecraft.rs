//! A spacecraft run's own results: the summary's figures of merit (hottest
//! junction and its margin, radiator rejection, power, state of charge),
//! `spacecraft.csv` (their time series), plots of temperatures, power and
//! state of charge against time with eclipses shaded, radiator heat maps at the
//! hottest and coldest instants, and every panel as a ParaView time series
//! (`panels.pvd` with `.vti` frames) when VTK output is on.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::plot::{plot_heat_map, plot_lines, HeatMap, LinePlot, Series};
use super::vtk::{write_pvd, write_vti_grid, VtkGrid};
use super::write_csv;
use crate::case::{time_mean, Model, RunResult, Solution, SpacecraftResults};
use crate::components::StopNodes;
use crate::error::OutputError;

/// Most frames of the `.pvd` time series: outputs are thinned to this many
/// evenly spaced ones (a 10 s orbit has ~570 outputs; each frame holds every cell).
pub const MAX_PVD_FRAMES: usize = 100;

/// Figures of merit copied to the summary's top level (the keys a reader of
/// a spacecraft run looks for first) and the `spacecraft` section.
pub(super) fn add_to_summary(summary: &mut Value, model: &Model, result: &RunResult) {
    let (Some(sc), Some(res)) = (&model.spacecraft, &result.spacecraft) else {
        return;
    };
    let t = &res.times_s;
    if let Some((rack, tj, limit, at)) = res.hottest_junction() {
        summary["max_junction_temperature_k"] = json!(tj);
        summary["junction_limit_k"] = json!(limit);
        summary["junction_margin_k"] = json!(limit - tj);
        summary["hottest_junction"] = json!({ "rack": rack, "time_s": at });
    }
    summary["radiator_heat_rejected_w"] = json!(res.radiator_heat_rejected_w());
    summary["warnings"] = json!(res
        .warnings()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>());
    if let Some(p) = &res.power {
        summary["orbit_average_power_generated_w"] = json!(p.average_generated_w);
        summary["orbit_average_power_consumed_w"] = json!(p.average_consumed_w);
        summary["battery_max_depth_of_discharge"] = json!(p.max_depth_of_discharge);
    }
    let mut racks = Map::new();
    for ((r, nodes), (_, series, limit)) in sc.racks.iter().zip(&res.junctions_k) {
        let max = series.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        racks.insert(
            r.name.clone(),
            json!({
                "gpu_count": r.gpu_count,
                "max_junction_k": max, "junction_limit_k": limit, "margin_k": limit - max,
                "mean_electrical_input_w": time_mean(t, &t.iter().map(|&s| r.electrical_input_w(s)).collect::<Vec<_>>()),
                "nodes": { "junction": nodes.junction, "case": nodes.case,
                           "cold_plate": nodes.cold_plate, "coolant": nodes.coolant_out },
            }),
        );
    }
    let mut loops = Map::new();
    for (l, (_, min, freeze)) in sc.loops.iter().zip(&res.coolant_min_k) {
        let mut radiators = Map::new();
        for stop in &l.stops {
            if let StopNodes::Radiator { panel, flow, .. } = stop {
                let r = res
                    .radiators
                    .iter()
                    .find(|r| r.loop_name == l.name && &r.panel == panel);
                let mean = |v: Option<&Vec<f64>>| v.map(|v| time_mean(t, v));
                radiators.insert(
                    panel.clone(),
                    json!({
                        "tubes": flow.tube_count,
                        "mass_flow_per_tube_kg_s": flow.mass_flow_per_tube_kg_s,
                        "reynolds": flow.reynolds,
                        "regime": format!("{:?}", flow.regime).to_lowercase(),
                        "film_coefficient_w_m2_k": flow.film_coefficient_w_m2_k,
                        "fluid_to_panel_conductance_w_m_k": flow.conductance_w_m_k,
                        "tube_pressure_drop_pa": flow.pressure_drop_pa,
                        "mean_inlet_k": mean(r.map(|r| &r.inlet_k)),
                        "mean_outlet_k": mean(r.map(|r| &r.outlet_k)),
                        "mean_heat_rejected_w": mean(r.map(|r| &r.heat_w)),
                    }),
                );
            }
        }
        let lowest = min.iter().copied().fold(f64::INFINITY, f64::min);
        loops.insert(
            l.name.clone(),
            json!({
                "coolant": l.fluid.coolant,
                "mass_flow_kg_s": l.fluid.mass_flow_kg_s,
                "mdot_cp_w_k": l.fluid.mdot_cp_w_k,
                "pressure_drop_pa": l.pressure_drop_pa,
                "pump_power_w": l.pump_power_w,
                "min_coolant_k": lowest,
                "freezing_point_k": freeze,
                "freeze_margin_k": lowest - freeze,
                "radiators": radiators,
            }),
        );
    }
    let mut arrays = Map::new();
    for ((a, n), (_, series)) in sc.arrays.iter().zip(&res.arrays_k) {
        let (lo, hi) = series
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        arrays.insert(
            a.name.clone(),
            json!({
                "area_m2": a.area_m2, "efficiency_now": n.efficiency_now,
                "temperature_k": { "min": lo, "mean": time_mean(t, series), "max": hi },
            }),
        );
    }
    let power = res.power.as_ref().map(|p| {
        json!({
            "average_generated_w": p.average_generated_w,
            "average_consumed_w": p.average_consumed_w,
            "max_depth_of_discharge": p.max_depth_of_discharge,
            "final_state_of_charge": p.state_of_charge.last(),
            "deficit_wh": p.deficit_wh,
            "shed_wh": p.shed_wh,
            "unused_surplus_wh": p.unused_surplus_wh,
            "battery_heat_feedback_change_w": res.battery_heat_change_w,
            "policy": format!("{:?}", sc.bus.policy).to_lowercase(),
            "bus_efficiency": sc.bus.efficiency,
        })
    });
    let over = match &result.solution {
        Solution::Steady(_) if t.len() > 1 => {
            "steady temperatures; power over one orbit at those temperatures"
        }
        Solution::Steady(_) => "steady state",
        Solution::Transient(_) => {
            "maxima and minima over the outputs, means are time averages over the run"
        }
        Solution::Periodic(_) => {
            "the orbit-periodic state: maxima and minima over the final period's outputs, means are averages over the period"
        }
    };
    summary["spacecraft"] = json!({
        "values": over,
        "racks": racks,
        "loops": loops,
        "arrays": arrays,
        "power": power,
    });
}

/// A file of the run's output set: registers `name` (relative to the set,
/// `/`-separated) and returns where to write it.
pub(super) type FileNamer<'a> = dyn FnMut(String) -> PathBuf + 'a;

/// Writes `spacecraft.csv`, the spacecraft plots and the panels' time series
/// into the run's output set.
pub(super) fn write(
    model: &Model,
    result: &RunResult,
    file: &mut FileNamer<'_>,
) -> Result<(), OutputError> {
    let (Some(_), Some(res)) = (&model.spacecraft, &result.spacecraft) else {
        return Ok(());
    };
    let history = result.solution.history();
    let columns = columns(res);
    if model.output.csv && res.times_s.len() > 1 {
        let path = file("spacecraft.csv".into());
        let headers: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
        let values: Vec<Vec<f64>> = columns.iter().map(|(_, v)| v.clone()).collect();
        write_csv(&path, &headers, &values)?;
    }
    if model.output.plots && history.is_some() {
        write_plots(model, res, file)?;
    }
    if let Some(t) = history {
        if model.output.plots {
            write_extreme_heat_maps(model, res, t, file)?;
        }
        if model.output.vtk && !model.panels.is_empty() {
            write_time_series(model, t, file)?;
        }
    }
    Ok(())
}

/// The CSV columns: `(header, values)`.
fn columns(res: &SpacecraftResults) -> Vec<(String, Vec<f64>)> {
    let mut c = vec![("t_s".to_string(), res.times_s.clone())];
    for (name, series, _) in &res.junctions_k {
        c.push((format!("{name}_junction_k"), series.clone()));
    }
    for r in &res.radiators {
        let stem = format!("{}_{}", r.loop_name, r.panel);
        c.push((format!("{stem}_coolant_in_k"), r.inlet_k.clone()));
        c.push((format!("{stem}_coolant_out_k"), r.outlet_k.clone()));
        c.push((format!("{stem}_heat_rejected_w"), r.heat_w.clone()));
    }
    for (name, series, _) in &res.coolant_min_k {
        c.push((format!("{name}_coolant_min_k"), series.clone()));
    }
    for (name, series) in &res.arrays_k {
        c.push((format!("{name}_array_k"), series.clone()));
    }
    if let Some(p) = &res.power {
        c.push(("power_generated_w".into(), p.generated_w.clone()));
        c.push(("power_consumed_w".into(), p.consumed_w.clone()));
        c.push(("battery_w".into(), p.battery_w.clone()));
        c.push(("battery_heat_w".into(), p.battery_heat_w.clone()));
        c.push(("gpu_shed_w".into(), p.shed_w.clone()));
        c.push(("state_of_charge".into(), p.state_of_charge.clone()));
    }
    c
}

/// A plot against time, in minutes from the epoch with eclipses shaded when the case has an
/// orbit.
fn timeline(
    model: &Model,
    res: &SpacecraftResults,
    title: &str,
    y_label: &str,
    series: Vec<Series>,
) -> LinePlot {
    let (t0, t1) = (
        res.times_s.first().copied().unwrap_or(0.0),
        res.times_s.last().copied().unwrap_or(0.0),
    );
    let (x_label, scale, shaded) = match &model.orbit {
        Some(o) => (
            "Time from epoch (min)",
            1.0 / 60.0,
            o.eclipse_intervals_s(t0, t1)
                .into_iter()
                .map(|(a, b)| (a / 60.0, b / 60.0))
                .collect::<Vec<_>>(),
        ),
        None => ("Time (s)", 1.0, Vec::new()),
    };
    let shaded_label = (!shaded.is_empty()).then(|| "eclipse (penumbra entry to exit)".to_string());
    LinePlot {
        title: format!("{} — {title}", model.title),
        x_label: x_label.into(),
        y_label: y_label.into(),
        series: series
            .into_iter()
            .map(|mut s| {
                s.x.iter_mut().for_each(|x| *x *= scale);
                s
            })
            .collect(),
        shaded,
        shaded_label,
        log_x: false,
        log_y: false,
        reference_slopes: Vec::new(),
    }
}

fn write_plots(
    model: &Model,
    res: &SpacecraftResults,
    file: &mut FileNamer<'_>,
) -> Result<(), OutputError> {
    let t = &res.times_s;
    let mut temps = Vec::new();
    for (name, series, limit) in &res.junctions_k {
        temps.push(Series::new(
            format!("{name} junction"),
            t.clone(),
            series.clone(),
        ));
        temps.push(Series::new(
            format!("{name} junction limit"),
            t.clone(),
            vec![*limit; t.len()],
        ));
    }
    // A radiator fed by the one before it on its loop starts where that one's
    // outlet ends: its inlet curve would hide under the outlet's (and use up a
    // colour of the palette), so only the first inlet of a chain is drawn.
    for (i, r) in res.radiators.iter().enumerate() {
        let chained = i
            .checked_sub(1)
            .map(|j| &res.radiators[j])
            .is_some_and(|prev| prev.loop_name == r.loop_name && prev.outlet_k == r.inlet_k);
        if !chained {
            temps.push(Series::new(
                format!("{} coolant in", r.panel),
                t.clone(),
                r.inlet_k.clone(),
            ));
        }
        temps.push(Series::new(
            format!("{} coolant out", r.panel),
            t.clone(),
            r.outlet_k.clone(),
        ));
    }
    for (name, series) in &res.arrays_k {
        temps.push(Series::new(
            format!("array {name}"),
            t.clone(),
            series.clone(),
        ));
    }
    if !temps.is_empty() {
        let path = file("spacecraft_temperatures.png".into());
        plot_lines(
            &path,
            &timeline(model, res, "temperatures", "Temperature (K)", temps),
        )?;
    }
    if let Some(p) = &res.power {
        let kw = |v: &[f64]| v.iter().map(|w| w / 1e3).collect::<Vec<_>>();
        let mut series = vec![
            Series::new("generated (at the bus)", t.clone(), kw(&p.generated_w)),
            Series::new("consumed", t.clone(), kw(&p.consumed_w)),
        ];
        if model
            .spacecraft
            .as_ref()
            .is_some_and(|s| s.battery.is_some())
        {
            series.push(Series::new(
                "battery (+ charging, − discharging)",
                t.clone(),
                kw(&p.battery_w),
            ));
        }
        let path = file("power.png".into());
        plot_lines(
            &path,
            &timeline(model, res, "electrical power", "Power (kW)", series),
        )?;
        if let Some((battery, _)) = model.spacecraft.as_ref().and_then(|s| s.battery.as_ref()) {
            let soc = p.state_of_charge.iter().map(|s| s * 100.0).collect();
            let floor = (1.0 - battery.max_depth_of_discharge) * 100.0;
            let path = file("state_of_charge.png".into());
            plot_lines(
                &path,
                &timeline(
                    model,
                    res,
                    "battery state of charge",
                    "State of charge (%)",
                    vec![
                        Series::new("state of charge", t.clone(), soc),
                        Series::new(
                            format!(
                                "lowest allowed ({:.0} % depth of discharge)",
                                battery.max_depth_of_discharge * 100.0
                            ),
                            t.clone(),
                            vec![floor; t.len()],
                        ),
                    ],
                ),
            )?;
        }
    }
    Ok(())
}

/// Heat maps of each radiator panel at the instants of its highest and lowest
/// mean temperature.
fn write_extreme_heat_maps(
    model: &Model,
    res: &SpacecraftResults,
    t: &crate::solve::TransientSolution,
    file: &mut FileNamer<'_>,
) -> Result<(), OutputError> {
    let radiator_panels: Vec<&str> = res.radiators.iter().map(|r| r.panel.as_str()).collect();
    for (p, stem) in model
        .panels
        .iter()
        .zip(super::report::panel_file_stems(model))
        .filter(|(p, _)| radiator_panels.contains(&p.name.as_str()))
    {
        let means: Vec<f64> = t
            .temperatures_k
            .iter()
            .map(|temps| p.nodes.mean_k(temps).unwrap_or(f64::NAN))
            .collect();
        let pick = |hot: bool| {
            means
                .iter()
                .enumerate()
                .filter(|(_, m)| m.is_finite())
                .max_by(|a, b| {
                    let o = a.1.total_cmp(b.1);
                    if hot {
                        o
                    } else {
                        o.reverse()
                    }
                })
                .map(|(k, _)| k)
        };
        for (what, k) in [("hottest", pick(true)), ("coldest", pick(false))] {
            let Some(k) = k else { continue };
            let path = file(format!("{stem}_{what}.png"));
            let field = p
                .nodes
                .field(&t.temperatures_k[k])
                .map_err(|e| OutputError::Plot {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            let title = format!(
                "{} — panel {} at its {what} (t = {:.0} s, mean {:.1} K)",
                model.title, p.name, t.times_s[k], means[k]
            );
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
    Ok(())
}

/// Every panel at (up to [`MAX_PVD_FRAMES`]) output times as `.vti` frames
/// under `panels/`, gathered in `panels.pvd` (one part per panel).
fn write_time_series(
    model: &Model,
    t: &crate::solve::TransientSolution,
    file: &mut FileNamer<'_>,
) -> Result<(), OutputError> {
    let n = t.times_s.len();
    let stride = n.div_ceil(MAX_PVD_FRAMES).max(1);
    let mut frames: Vec<usize> = (0..n).step_by(stride).collect();
    if frames.last() != Some(&(n - 1)) {
        frames.push(n - 1);
    }
    let mut entries = Vec::new();
    let stems = super::report::panel_file_stems(model);
    for (part, (p, stem)) in model.panels.iter().zip(stems).enumerate() {
        for (f, &k) in frames.iter().enumerate() {
            let name = format!("panels/{stem}_{f:04}.vti");
            let path = file(name.clone());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| OutputError::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            let field = p
                .nodes
                .field(&t.temperatures_k[k])
                .map_err(|e| OutputError::Plot {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            let grid = VtkGrid {
                title: &p.name,
                nx: p.nodes.nx(),
                ny: p.nodes.ny(),
                dx_m: p.nodes.dx_m(),
                dy_m: p.nodes.dy_m(),
                origin_m: [0.0, 0.0, 0.0],
            };
            write_vti_grid(&path, &grid, &[("temperature_k", field)])?;
            entries.push((t.times_s[k], part, name));
        }
    }
    let path = file("panels.pvd".into());
    write_pvd(&path, &entries)
}
