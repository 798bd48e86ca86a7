//! The `thermorbit` binary on good and bad input: clean messages, exit codes,
//! nothing written on failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{stderr, thermorbit};

fn default_case() -> String {
    common::shipped("cases/gpu-sled-2kw.toml")
}

/// Writes `text` as `case.toml` in a fresh folder and runs it with `--out out`.
fn run_case(text: &str) -> (tempfile::TempDir, Output, PathBuf) {
    common::run_case(text, &[])
}

fn assert_bad_input(text: &str, must_mention: &[&str]) {
    common::assert_bad_case(text, must_mention);
}

#[test]
fn the_sled_case_runs_and_writes_its_summary() {
    // The built-in default (the 1 MW module, 80,011 unknowns) is
    // built by the unit tests of `case`; this runs the small steady sled.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sled.toml"), default_case()).unwrap();
    let out = thermorbit(&["run", "sled.toml", "--out", "res", "--json"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        summary["energy_balance"]["relative_imbalance"]
            .as_f64()
            .unwrap()
            < 1e-9
    );
    assert!(summary["panels"]["radiator"]["max_k"].as_f64().unwrap() > 250.0);
    // The wall time splits into assembly and solve.
    let time = |key: &str| summary[key].as_f64().unwrap();
    assert!(time("assembly_time_s") > 0.0 && time("solve_time_s") > 0.0);
    let split = time("assembly_time_s") + time("solve_time_s");
    assert!((time("wall_time_s") - split).abs() <= 1e-12 * split);
    assert!(
        summary["nodes"]["gpu_junction"]["temperature_k"]
            .as_f64()
            .unwrap()
            > 300.0
    );
    for f in [
        "summary.json",
        "nodes.csv",
        "panel_radiator.csv",
        "panel_radiator.png",
        "panel_radiator.vtk",
    ] {
        assert!(dir.path().join("res").join(f).exists(), "{f} missing");
    }
}

#[test]
fn malformed_toml_is_bad_input() {
    assert_bad_input("[solve\nmode = ", &["line"]);
}

#[test]
fn unknown_keys_are_bad_input() {
    assert_bad_input(
        &default_case().replace("nx = 80", "nx = 80\nnz = 3"),
        &["nz"],
    );
}

#[test]
fn negative_thickness_is_bad_input() {
    assert_bad_input(
        &default_case().replace("thickness_m = 0.002", "thickness_m = -0.002"),
        &["panels.radiator.thickness_m", "> 0"],
    );
}

#[test]
fn emissivity_above_one_is_bad_input() {
    assert_bad_input(
        &default_case().replace("emissivity = 0.91", "emissivity = 1.5"),
        &["coatings.white_paint.emissivity", "0 to 1"],
    );
}

#[test]
fn zero_cells_is_bad_input() {
    assert_bad_input(
        &default_case().replace("ny = 60", "ny = 0"),
        &["panels.radiator.ny"],
    );
}

#[test]
fn nan_is_bad_input() {
    assert_bad_input(
        &default_case().replace("conductance_w_k = 100.0", "conductance_w_k = nan"),
        &["conductors[0].conductance_w_k"],
    );
}

#[test]
fn a_node_with_no_path_to_a_sink_is_bad_input() {
    let text = "[nodes.a]\nkind = \"arithmetic\"\n[nodes.b]\nkind = \"arithmetic\"\n\
                [[conductors]]\nkind = \"linear\"\nfrom = \"a\"\nto = \"b\"\nconductance_w_k = 1.0\n\
                [[sources]]\nname = \"q\"\nnode = \"a\"\npower_w = 1.0\n[solve]\nmode = \"steady\"\n";
    assert_bad_input(text, &["no conductive or radiative path"]);
}

#[test]
fn a_failed_run_leaves_earlier_results_untouched() {
    let (dir, out, out_dir) = run_case(&default_case());
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = out_dir.join("summary.json");
    let before = std::fs::read(&summary).unwrap();
    std::fs::write(
        dir.path().join("case.toml"),
        default_case().replace("emissivity = 0.91", "emissivity = 2"),
    )
    .unwrap();
    let again = thermorbit(&["run", "case.toml", "--out", "out"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read(&summary).unwrap(), before);
}

#[test]
fn help_explains_itself_with_an_example() {
    let out = thermorbit(&["run", "--help"], Path::new(env!("CARGO_MANIFEST_DIR")));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("Example"), "{text}");
}

fn orbit_case() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/orbit-radiator.toml")
}

fn json_of(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_orbit_case_runs_with_eclipses_and_its_orbit_fluxes() {
    let dir = tempfile::tempdir().unwrap();
    let case = orbit_case();
    let case_s = case.to_str().unwrap();
    let s = json_of(&thermorbit(
        &["run", case_s, "--out", "res", "--json"],
        dir.path(),
    ));
    assert!(
        s["energy_balance"]["relative_imbalance"]
            .as_f64()
            .unwrap()
            .abs()
            < 1e-6
    );
    let orbit = &s["orbit"];
    assert_eq!(orbit["eclipses"].as_array().unwrap().len(), 3, "{orbit}");
    assert_eq!(orbit["orbit_average"], false);
    assert!(orbit["fluxes"].as_str().unwrap().contains("time-varying"));
    assert!(dir.path().join("res/history.png").exists());
    // `thermorbit orbit CASE` reads the same tables: same surfaces, same eclipses.
    let o = json_of(&thermorbit(
        &["orbit", case_s, "--duration-s", "17204", "--json"],
        dir.path(),
    ));
    let names: Vec<&str> = o["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["radiator_plus_y", "radiator_minus_y", "rack_zenith"]
    );
    for (a, b) in o["eclipses"]
        .as_array()
        .unwrap()
        .iter()
        .zip(orbit["eclipses"].as_array().unwrap())
    {
        let (a, b) = (&a["penumbra_entry_s"], &b["penumbra_entry_s"]);
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6);
    }
}

#[test]
fn a_steady_orbit_run_uses_and_reports_the_orbit_average() {
    let mesh = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/radiator-2m-x-1.5m.toml");
    let text = std::fs::read_to_string(orbit_case())
        .unwrap()
        .replace(
            "../meshes/radiator-2m-x-1.5m.toml",
            &mesh.to_string_lossy().replace('\\', "/"),
        )
        .replace("mode = \"transient\"", "mode = \"steady\"");
    let cut = text.find("[solve.transient]").unwrap();
    let keep = text.find("[output]").unwrap();
    let text = format!("{}{}", &text[..cut], &text[keep..]);
    let (dir, out, _) = run_case(&text);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(
            "orbit fluxes: steady run, so every orbit load is its average over one nodal period"
        ),
        "{report}"
    );
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(s["orbit"]["orbit_average"], true);
    // The run's average absorbed flux per surface is the orbit command's orbit average.
    let o = json_of(&thermorbit(&["orbit", "case.toml", "--json"], dir.path()));
    for srf in o["surfaces"].as_array().unwrap() {
        let name = srf["name"].as_str().unwrap();
        let a = srf["orbit_average_w_m2"]["total"].as_f64().unwrap();
        let b = s["orbit"]["surfaces"][name]["average_absorbed_w_m2"]["total"]
            .as_f64()
            .unwrap();
        assert!((a - b).abs() < 1e-4 * (1.0 + a), "{name}: {a} vs {b}");
    }
}
