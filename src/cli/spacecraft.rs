//! The spacecraft part of `thermorbit run`'s text report: the hottest junction
//! and its margin, each loop's coolant and hydraulics, radiator rejection,
//! arrays and the power budget.

use std::fmt::Write as _;

use thermorbit::case::{time_mean, Model, RunResult};
use thermorbit::components::StopNodes;
use thermorbit::constants::CELSIUS_OFFSET_K;

use super::fixed;

/// `w` in kW with one decimal, or W below 10 kW.
fn power(w: f64) -> String {
    if w.abs() >= 1e4 {
        format!("{} kW", fixed(w / 1e3, 1))
    } else {
        format!("{} W", fixed(w, 0))
    }
}

/// `T K (T °C)`.
fn kelvin(t: f64) -> String {
    format!("{} K ({} °C)", fixed(t, 1), fixed(t - CELSIUS_OFFSET_K, 1))
}

/// The report's spacecraft lines (empty without spacecraft components); the limits the run
/// breaks are `SpacecraftResults::warnings`, printed apart.
pub fn report(model: &Model, result: &RunResult) -> String {
    let mut s = String::new();
    let (Some(sc), Some(res)) = (&model.spacecraft, &result.spacecraft) else {
        return s;
    };
    let t = &res.times_s;
    let over_time = t.len() > 1 && result.solution.history().is_some();
    let _ = writeln!(s, "spacecraft:");
    if let Some((rack, tj, limit, at)) = res.hottest_junction() {
        let when = if over_time {
            format!(" at t = {} s", fixed(at, 0))
        } else {
            String::new()
        };
        let verdict = if tj <= limit {
            format!("margin {} K", fixed(limit - tj, 1))
        } else {
            format!("OVER the limit by {} K", fixed(tj - limit, 1))
        };
        let _ = writeln!(
            s,
            "  hottest junction: rack {rack}, {}{when}; limit {}: {verdict}",
            kelvin(tj),
            kelvin(limit)
        );
    }
    for (r, _) in &sc.racks {
        let input: Vec<f64> = t.iter().map(|&x| r.electrical_input_w(x)).collect();
        let _ = writeln!(
            s,
            "  rack {}: {} GPUs, electrical input {} (mean)",
            r.name,
            r.gpu_count,
            power(time_mean(t, &input))
        );
    }
    for (l, (_, min, freeze)) in sc.loops.iter().zip(&res.coolant_min_k) {
        let lowest = min.iter().copied().fold(f64::INFINITY, f64::min);
        let _ = writeln!(
            s,
            "  loop {} ({}, {} kg/s, ṁc_p {} W/K): pressure drop {} kPa, pump {}; coolant at least {} (freezes at {})",
            l.name,
            l.fluid.coolant,
            fixed(l.fluid.mass_flow_kg_s, 3),
            fixed(l.fluid.mdot_cp_w_k, 0),
            fixed(l.pressure_drop_pa / 1e3, 1),
            power(l.pump_power_w),
            kelvin(lowest),
            kelvin(*freeze)
        );
        for stop in &l.stops {
            let StopNodes::Radiator { panel, flow, .. } = stop else {
                continue;
            };
            let Some(r) = res
                .radiators
                .iter()
                .find(|r| r.loop_name == l.name && &r.panel == panel)
            else {
                continue;
            };
            let _ = writeln!(
                s,
                "    radiator {panel}: {} tubes, Re {} ({:?}), film {} W/(m²·K); coolant in {}, out {}; rejects {}",
                flow.tube_count,
                fixed(flow.reynolds, 0),
                flow.regime,
                fixed(flow.film_coefficient_w_m2_k, 0),
                kelvin(time_mean(t, &r.inlet_k)),
                kelvin(time_mean(t, &r.outlet_k)),
                power(time_mean(t, &r.heat_w))
            );
        }
    }
    if !res.radiators.is_empty() {
        let _ = writeln!(
            s,
            "  radiators reject {} in all{}",
            power(res.radiator_heat_rejected_w()),
            if over_time { " (time mean)" } else { "" }
        );
    }
    for ((a, _), (_, series)) in sc.arrays.iter().zip(&res.arrays_k) {
        let (lo, hi) = series
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let _ = writeln!(
            s,
            "  array {}: {} m², {} to {} (mean {})",
            a.name,
            fixed(a.area_m2, 1),
            kelvin(lo),
            kelvin(hi),
            kelvin(time_mean(t, series))
        );
    }
    if let Some(p) = &res.power {
        let _ = writeln!(
            s,
            "  power at the bus: generated {}, consumed {} (mean over {})",
            power(p.average_generated_w),
            power(p.average_consumed_w),
            if over_time { "the run" } else { "one orbit" }
        );
        if sc.battery.is_some() {
            let _ = writeln!(
                s,
                "  battery: deepest discharge {} %, state of charge at the end {} %",
                fixed(100.0 * p.max_depth_of_discharge, 1),
                fixed(100.0 * p.state_of_charge.last().copied().unwrap_or(0.0), 1)
            );
        }
    }
    s
}
