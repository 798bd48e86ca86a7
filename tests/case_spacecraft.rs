//! Spacecraft components from a case file, end to end through the CLI: a GPU rack, a pumped
//! loop through radiator tubes, a sun-tracking array and a battery in a sun-synchronous orbit
//! (issue 14). What a run writes and reports, and how bad component input is refused.

mod common;

use common::{assert_bad_case, edit, run_case, stderr, stdout};
use serde_json::Value;

/// A small spacecraft over one orbit: 8 GPUs at 700 W on a water loop through eight tubes of
/// a 4 m × 2 m two-sided radiator, a 40 m² array, a 5 kWh battery.
const SMALL_SPACECRAFT: &str = r#"
title = "Small GPU sled with a pumped loop, a radiator, an array and a battery"

[materials.aluminium]
k_w_m_k = 167.0
density_kg_m3 = 2700.0
specific_heat_j_kg_k = 896.0

[coatings.white]
absorptivity = 0.15
emissivity = 0.91

[coatings.cells]
absorptivity = 0.91
emissivity = 0.85

[coatings.array_back]
absorptivity = 0.8
emissivity = 0.8

[nodes.space]
kind = "boundary"
temperature_k = 2.725

[orbit]
epoch = "2027-06-21T00:00:00Z"
altitude_km = 550.0
sun_synchronous = true
ltan = "10:30"

[attitude]
mode = "nadir"

[[surfaces]]
name = "rad_plus_x"
normal = [1.0, 0.0, 0.0]
coating = "white"

[[surfaces]]
name = "rad_minus_x"
normal = [-1.0, 0.0, 0.0]
coating = "white"

[racks.gpus]
gpu_count = 8
power_per_gpu_w = 700.0
junction_to_case_k_w = 0.02
case_to_cold_plate_k_w = 0.01
cold_plate_to_coolant_k_w = 0.02
junction_heat_capacity_j_k = 40.0
case_heat_capacity_j_k = 100.0
cold_plate_heat_capacity_j_k = 400.0
junction_limit_k = 360.15
other_loads_w = 800.0
conversion_loss_fraction = 0.05
cold_plate_pressure_drop_pa = 30000.0

[loops.main]
fluid = "water"
mass_flow_kg_s = 0.15
reference_temperature_k = 315.0
route = ["gpus", "radiator"]
initial_temperature_k = 300.0

[panels.radiator]
length_m = 4.0
width_m = 2.0
thickness_m = 0.0015
nx = 16
ny = 8
material = "aluminium"
top_coating = "white"
bottom_coating = "white"
top_sink = "space"
bottom_sink = "space"
initial_temperature_k = 300.0

[[panels.radiator.loads]]
face = "top"
orbit_surface = "rad_plus_x"

[[panels.radiator.loads]]
face = "bottom"
orbit_surface = "rad_minus_x"

[[panels.radiator.tubes]]
loop = "main"
line_m = [[0.0, 0.125], [4.0, 0.125]]
count = 8
pitch_m = [0.0, 0.25]
inner_diameter_m = 0.006

[arrays.wing]
area_m2 = 40.0
efficiency = 0.30
front_coating = "cells"
back_coating = "array_back"
areal_heat_capacity_j_m2_k = 2000.0
sink = "space"

[battery]
capacity_wh = 5000.0
mount = "gpus.cold_plate"
mount_conductance_w_k = 5.0

[power]
housekeeping_w = 300.0

[solve]
mode = "transient"

[solve.transient]
end_s = 5735.0
output_interval_s = 60.0
initial = "steady"

[output]
vtk = true
"#;

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn an_orbit_of_a_small_spacecraft_reports_its_figures_and_writes_its_files() {
    let (_d, out, dir) = run_case(SMALL_SPACECRAFT, &["--json", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json_of(&out);
    let num = |k: &str| {
        s[k].as_f64()
            .unwrap_or_else(|| panic!("summary lacks `{k}`: {s:#}"))
    };
    let tj = num("max_junction_temperature_k");
    let limit = num("junction_limit_k");
    assert_eq!(limit, 360.15);
    assert!((num("junction_margin_k") - (limit - tj)).abs() < 1e-9);
    // 5.6 kW of GPUs, 800 W of other loads and 5 % conversion loss all reach the coolant
    // through the cold plate or the battery mount; the radiators reject it plus the pump.
    let rejected = num("radiator_heat_rejected_w");
    assert!(rejected > 5000.0 && rejected < 9000.0, "{rejected}");
    assert!(num("orbit_average_power_generated_w") > 0.0);
    let dod = num("battery_max_depth_of_discharge");
    assert!((0.0..=1.0).contains(&dod), "{dod}");
    let imbalance = s["energy_balance"]["relative_imbalance"].as_f64().unwrap();
    assert!(imbalance < 1e-6, "energy balance: {imbalance}");
    for f in [
        "summary.json",
        "spacecraft.csv",
        "spacecraft_temperatures.png",
        "power.png",
        "state_of_charge.png",
        "panel_radiator_hottest.png",
        "panels.pvd",
    ] {
        assert!(dir.join(f).is_file(), "{f} not written");
    }
    let csv = std::fs::read_to_string(dir.join("spacecraft.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("t_s,"), "{header}");
    assert!(header.contains("gpus"), "{header}");
    assert!(csv.lines().count() > 90, "one row per output minute");
}

#[test]
fn a_battery_too_small_for_the_eclipse_is_a_warning_with_the_deficit_not_a_failure() {
    let text = edit(
        SMALL_SPACECRAFT,
        "capacity_wh = 5000.0",
        "capacity_wh = 20.0",
    );
    let text = edit(&text, "area_m2 = 40.0", "area_m2 = 10.0");
    let (_d, out, _) = run_case(&text, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: arrays and battery cannot carry the load: a deficit of"),
        "{err}"
    );
    let s = json_of(&out);
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("deficit")),
        "{s:#}"
    );
}

#[test]
fn a_loop_routed_through_a_component_that_does_not_exist_is_refused() {
    let text = edit(
        SMALL_SPACECRAFT,
        r#"route = ["gpus", "radiator"]"#,
        r#"route = ["gpus", "radiatr"]"#,
    );
    assert_bad_case(&text, &["loops.main.route[1]", "radiatr", "radiator"]);
}

#[test]
fn a_zero_mass_flow_is_refused_with_its_range() {
    let text = edit(
        SMALL_SPACECRAFT,
        "mass_flow_kg_s = 0.15",
        "mass_flow_kg_s = 0.0",
    );
    assert_bad_case(&text, &["loops.main.mass_flow_kg_s", "> 0"]);
}

#[test]
fn a_zero_surface_normal_is_refused() {
    let text = edit(
        SMALL_SPACECRAFT,
        "normal = [1.0, 0.0, 0.0]",
        "normal = [0.0, 0.0, 0.0]",
    );
    assert_bad_case(&text, &["surfaces[0]", "zero length"]);
}

#[test]
fn a_tube_leaving_its_panel_is_refused_naming_the_line() {
    let text = edit(
        SMALL_SPACECRAFT,
        "line_m = [[0.0, 0.125], [4.0, 0.125]]",
        "line_m = [[0.0, 0.125], [5.0, 0.125]]",
    );
    assert_bad_case(
        &text,
        &["panels.radiator.tubes[0].line_m", "outside", "0–4 m"],
    );
    // The ninth copy at y = 2.125 m lies beyond the 2 m wide panel.
    let text = edit(SMALL_SPACECRAFT, "\ncount = 8", "\ncount = 9");
    assert_bad_case(&text, &["panels.radiator.tubes[0].line_m", "copy 9 of 9"]);
}

#[test]
fn parallel_tubes_without_a_pitch_are_refused() {
    let text = edit(SMALL_SPACECRAFT, "pitch_m = [0.0, 0.25]\n", "");
    assert_bad_case(&text, &["panels.radiator.tubes[0].pitch_m", "count > 1"]);
}

#[test]
fn a_periodic_solve_that_does_not_converge_exits_3_with_its_history() {
    let text = edit(
        SMALL_SPACECRAFT,
        "mode = \"transient\"\n\n[solve.transient]\nend_s = 5735.0\noutput_interval_s = 60.0\ninitial = \"steady\"",
        "mode = \"periodic\"\n\n[solve.periodic]\nmax_periods = 1\ntolerance_k = 1e-9\ninitial = \"initial\"",
    );
    let (_d, out, dir) = run_case(&text, &["--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("period"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.exists(), "a failed run writes nothing");
}
