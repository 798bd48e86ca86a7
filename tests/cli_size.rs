//! `thermorbit size` on good and bad input: the JSON keys the issue lists, exit code 2 for
//! bad input and 4 for an infeasible sizing, each with a message naming the quantity, the
//! allowed range or the failing constraint and by how much.

mod common;

use std::path::Path;

use common::{stderr, thermorbit};

/// Runs `thermorbit size ARGS` in a fresh folder.
fn size(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["size"];
    all.extend_from_slice(args);
    thermorbit(&all, dir.path())
}

/// Asserts exit code `code` and a message mentioning each of `words`.
fn assert_fails(args: &[&str], code: i32, words: &[&str]) -> String {
    let out = size(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: `{w}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn fixed_temperature_json_has_the_issue_keys() {
    let out = size(&["--radiator-temp-k", "315", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "radiator_planform_area_m2_per_mw",
        "radiator_surface_area_m2_per_mw",
        "radiator_mass_kg_per_mw",
        "solar_array_area_m2_per_mw",
        "total_mass_kg_per_mw",
        "radiator_temperature_k",
        "max_junction_temperature_k",
    ] {
        let v = j[key].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v > 0.0, "{key} = {v}");
    }
    assert!(j["binding_constraint"].is_string());
    // Two-sided surface is twice the planform.
    let planform = j["radiator_planform_area_m2_per_mw"].as_f64().unwrap();
    let surface = j["radiator_surface_area_m2_per_mw"].as_f64().unwrap();
    assert!((surface / planform - 2.0).abs() < 1e-12);
}

#[test]
fn power_zero_or_negative_is_bad_input() {
    assert_fails(&["--power-mw", "0"], 2, &["power_mw", "> 0"]);
    assert_fails(&["--power-mw", "-3"], 2, &["power_mw", "-3", "> 0"]);
}

#[test]
fn emissivity_outside_zero_one_is_bad_input() {
    assert_fails(
        &["--emissivity", "0"],
        2,
        &["emissivity", "0 < emissivity <= 1"],
    );
    assert_fails(&["--emissivity", "1.2"], 2, &["emissivity", "1.2"]);
    assert_fails(&["--absorptivity", "1.5"], 2, &["absorptivity", "1.5"]);
}

#[test]
fn radiator_temperature_below_the_sink_or_above_the_limit_is_bad_input() {
    assert_fails(
        &["--radiator-temp-k", "150"],
        2,
        &[
            "radiator temperature",
            "150",
            "sink temperature",
            "junction limit",
        ],
    );
    assert_fails(
        &["--radiator-temp-k", "400"],
        2,
        &["radiator temperature", "400", "junction limit"],
    );
}

#[test]
fn unknown_presets_list_the_allowed_names() {
    assert_fails(&["--gpu", "x"], 2, &["gpu", "h100", "b200"]);
    assert_fails(&["--orbit", "mars"], 2, &["mars", "geo"]);
}

#[test]
fn a_fixed_temperature_too_cold_for_the_junction_chain_is_infeasible() {
    // 340 K of coolant leaves the H100's 349.15 K limit (less its 11 K margin) far behind.
    assert_fails(
        &["--radiator-temp-k", "340"],
        4,
        &["no feasible design", "junction", "misses it by"],
    );
}

#[test]
fn a_coating_hotter_than_any_allowed_coolant_is_infeasible() {
    // α 0.9, ε 0.1: the faces settle near 330 K in sunlight, above any coolant the junction
    // allows; the message names the sink, the hottest coolant and the shortfall.
    let err = assert_fails(
        &["--absorptivity", "0.9", "--emissivity", "0.1"],
        4,
        &[
            "no feasible design",
            "junction",
            "with no coolant",
            "misses it by",
        ],
    );
    assert!(!err.contains("NaN"), "{err}");
}

/// The orbit of a case file: a case that writes down the `sso-dawn-dusk-550` preset (same
/// epoch, 550 km, node at 06:00, yaw-steered edge-on attitude, faces body ±y) sizes to the
/// preset's numbers exactly; the module's own orbit with its radiator faces' surface gives
/// its own answer and names the surface.
#[test]
fn a_case_file_as_the_orbit_sizes_like_the_preset_it_writes_down() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sso.toml"),
        "[orbit]\nepoch = \"2027-01-01T00:00:00Z\"\naltitude_km = 550.0\n\
         sun_synchronous = true\nltan = \"06:00\"\n[attitude]\nmode = \"sun-perpendicular\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["size", "--radiator-temp-k", "315", "--json"];
        all.extend_from_slice(args);
        let out = thermorbit(&all, dir.path());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let preset = run(&["--orbit", "sso-dawn-dusk-550"]);
    let case = run(&["--orbit", "sso.toml"]);
    for key in [
        "radiator_planform_area_m2_per_mw",
        "total_mass_kg_per_mw",
        "max_junction_temperature_k",
        "hot_sink_temperature_k",
        "cold_min_coolant_temperature_k",
    ] {
        assert_eq!(preset[key], case[key], "{key}");
    }
    assert_eq!(case["orbit"]["name"], "sso.toml");
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gpu-module-1mw.toml");
    let module = module.to_str().unwrap();
    let m = run(&["--orbit", module, "--radiator-surface", "radiator_plus_x"]);
    assert!((m["orbit"]["altitude_km"].as_f64().unwrap() - 550.0).abs() < 1.0);
    assert!(m["orbit"]["orientation"]
        .as_str()
        .unwrap()
        .contains("radiator_plus_x"));
    let area = m["radiator_planform_area_m2_per_mw"].as_f64().unwrap();
    assert!(area > 500.0 && area < 3000.0, "{area}");
}

#[test]
fn a_case_orbit_that_cannot_serve_is_bad_input() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gpu-module-1mw.toml");
    let module = module.to_str().unwrap();
    assert_fails(
        &["--orbit", module, "--radiator-surface", "wing"],
        2,
        &["wing", "radiator_plus_x", "radiator_minus_x"],
    );
    assert_fails(
        &["--radiator-surface", "radiator_plus_x"],
        2,
        &["radiator_surface", "--orbit CASE.toml"],
    );
    assert_fails(&["--orbit", "missing.toml"], 2, &["missing.toml"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bare.toml"),
        "[attitude]\nmode = \"nadir\"\n",
    )
    .unwrap();
    let out = thermorbit(&["size", "--orbit", "bare.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("orbit"), "{}", stderr(&out));
}

/// In GEO the radiator sized for the hot case would over-cool an ammonia loop whose GPUs
/// idle at 10 % through the coldest instant: loop heaters hold it at the freezing point plus
/// margin and their power is reported; without heaters the design is infeasible on freezing.
#[test]
fn heaters_hold_an_idle_loop_above_freezing_and_without_them_it_is_infeasible() {
    let out = size(&["--orbit", "geo", "--radiator-temp-k", "315", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let heater = j["cold_case_heater_w_per_mw"].as_f64().unwrap();
    assert!(heater > 1e3 && heater < 9e5, "{heater}");
    // Ammonia freezes at 195.5 K; 11 K of margin.
    let cold = j["cold_min_coolant_temperature_k"].as_f64().unwrap();
    assert!((cold - 206.495).abs() < 0.01, "{cold}");
    assert_fails(
        &["--orbit", "geo", "--radiator-temp-k", "315", "--no-heaters"],
        4,
        &["no feasible design", "freezing"],
    );
}

#[test]
fn a_stack_of_panels_needs_more_area_and_reports_its_loss() {
    let lone = size(&["--radiator-temp-k", "315", "--json"]);
    let stacked = size(&[
        "--radiator-temp-k",
        "315",
        "--stack",
        "3",
        "--gap-m",
        "1.0",
        "--json",
    ]);
    assert!(stacked.status.success(), "{}", stderr(&stacked));
    let a: serde_json::Value = serde_json::from_slice(&lone.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&stacked.stdout).unwrap();
    assert!(a["stack"].is_null());
    let chi = b["stack"]["view_to_space"].as_f64().unwrap();
    let lost = b["stack"]["rejection_lost"].as_f64().unwrap();
    assert!(chi > 0.5 && chi < 1.0, "view to space {chi}");
    assert!((chi + lost - 1.0).abs() < 1e-12);
    let area = |j: &serde_json::Value| j["radiator_planform_area_m2_per_mw"].as_f64().unwrap();
    assert!(area(&b) > area(&a), "{} vs {}", area(&b), area(&a));
}

#[test]
fn a_stack_without_a_gap_or_with_a_bad_one_is_bad_input() {
    assert_fails(&["--stack", "2"], 2, &["gap_m"]);
    assert_fails(&["--stack", "2", "--gap-m", "-1"], 2, &["gap_m", "> 0"]);
    assert_fails(
        &["--stack", "0", "--gap-m", "1"],
        2,
        &["stack", "1 to 1000"],
    );
}
