//! What a run leaves and prints: point probes on panels, a run's files as one set, panel
//! names as distinct file names, closed pipes and `--quiet` (issue 18, items 4, 5 and 6).

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{edit, repo, run_case, shipped, stderr, stdout, thermorbit};

fn default_case() -> String {
    shipped("cases/gpu-sled-2kw.toml")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A 1 m × 0.5 m plate held at 300 K on its west edge and 400 K on its east edge, bare
/// (no radiation), insulated elsewhere: its exact field is T = 300 + 100 x, which the
/// second-order interpolation reproduces exactly, corners and edges included.
const LINEAR_PLATE: &str = r#"
title = "linear plate"

[materials.al]
k_w_m_k = 167.0
density_kg_m3 = 2700.0
specific_heat_j_kg_k = 896.0

[panels.plate]
length_m = 1.0
width_m = 0.5
thickness_m = 0.002
nx = 10
ny = 4
material = "al"

[panels.plate.edges.west]
kind = "fixed"
temperature_k = 300.0

[panels.plate.edges.east]
kind = "fixed"
temperature_k = 400.0

[solve]
mode = "steady"

[output]
plots = false
probes = [
    { panel = "plate", at_m = [0.0, 0.0] },
    { panel = "plate", at_m = [1.0, 0.5], name = "far corner" },
    { panel = "plate", at_m = [0.25, 0.1] },
    { panel = "plate", at_m = [0.5, 0.5] },
]
"#;

#[test]
fn point_probes_read_the_panel_at_corners_edges_and_inside() {
    let (_d, out, dir) = run_case(LINEAR_PLATE, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (name, exact) in [
        ("plate@x0_y0", 300.0),
        ("far corner", 400.0),
        ("plate@x0.25_y0.1", 325.0),
        ("plate@x0.5_y0.5", 350.0),
    ] {
        let t = summary["probes"][name]["temperature_k"].as_f64().unwrap();
        assert!((t - exact).abs() < 1e-9, "{name}: {t} vs {exact}");
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(written["probes"], summary["probes"]);
    // A point off the panel is bad input naming the coordinate and the panel's size.
    let err = common::assert_bad_case(
        &edit(LINEAR_PLATE, "at_m = [0.25, 0.1]", "at_m = [1.5, 0.1]"),
        &["output.probes[2].at_m[0]", "0 to 1 m"],
    );
    assert!(err.contains("length_m"), "{err}");
    common::assert_bad_case(
        &edit(
            LINEAR_PLATE,
            "panel = \"plate\", at_m = [0.25",
            "panel = \"plat\", at_m = [0.25",
        ),
        &["output.probes[2].panel", "defined: plate"],
    );
    common::assert_bad_case(
        &edit(
            LINEAR_PLATE,
            "{ panel = \"plate\", at_m = [0.0, 0.0] }",
            "3.5",
        ),
        &["output.probes[0]", "node name", "panel point"],
    );
}

#[test]
fn transient_point_probes_go_to_history_and_the_summary_says_what_is_averaged() {
    let text = edit(
        &shipped("cases/orbit-transient.toml"),
        "end_s = 17100.0",
        "end_s = 1800.0",
    )
    .replace("../meshes/", &format!("{}/meshes/", repo().display()));
    let text = edit(
        &text,
        "[output]",
        "[output]\nprobes = [\"heat_pipes\", { panel = \"radiator\", at_m = [2.0, 0.0], name = \"tip\" }]",
    );
    let (_d, out, dir) = run_case(&text, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tip = &s["probes"]["tip"];
    for k in ["end_k", "time_average_k", "min_k", "max_k"] {
        assert!(tip[k].as_f64().is_some_and(|t| t > 100.0), "{k}: {s}");
    }
    assert!(tip["min_k"].as_f64() <= tip["time_average_k"].as_f64());
    assert!(tip["time_average_k"].as_f64() <= tip["max_k"].as_f64());
    let basis = &s["time_basis"];
    assert_eq!(basis["end_s"].as_f64(), Some(1800.0));
    assert!(basis["at_end_time"].as_str().unwrap().contains("panels"));
    assert!(basis["time_averaged"]
        .as_str()
        .unwrap()
        .contains("energy_balance"));
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let header = history.lines().next().unwrap();
    assert!(header.starts_with("t_s,heat_pipes_k,tip_k,"), "{header}");
    let last: Vec<f64> = history
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(last[0], 1800.0);
    assert_eq!(last[2], tip["end_k"].as_f64().unwrap());
}

#[test]
fn a_new_run_replaces_the_whole_set_of_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let transient = edit(
        &default_case(),
        "mode = \"steady\"",
        "mode = \"transient\"\n\n[solve.transient]\nend_s = 600.0\n",
    );
    std::fs::write(dir.path().join("t.toml"), transient).unwrap();
    std::fs::write(dir.path().join("s.toml"), default_case()).unwrap();
    let out = thermorbit(&["run", "t.toml", "--out", "res", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("res/history.csv").exists());
    let out = thermorbit(&["run", "s.toml", "--out", "res", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let files = names(&dir.path().join("res"));
    assert!(
        !files.contains(&"history.csv".to_string()),
        "a transient's history survived into a steady set: {files:?}"
    );
    assert!(files.contains(&"summary.json".to_string()), "{files:?}");
    // Nothing is left beside the set: no staging or old folders.
    assert_eq!(names(dir.path()), ["res", "s.toml", "t.toml"]);
}

#[test]
fn an_output_path_that_is_a_file_or_a_foreign_folder_is_refused_before_solving() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    let out = thermorbit(&["run", "--out", "notes.txt"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--out") && err.contains("not a folder"),
        "{err}"
    );
    assert!(!err.contains("solving"), "refused after solving: {err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "keep me"
    );
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/thesis.tex"), "years of work").unwrap();
    let out = thermorbit(&["run", "--out", "mine"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("thesis.tex"), "{err}");
    assert_eq!(names(&dir.path().join("mine")), ["thesis.tex"]);
}

#[test]
fn a_failed_run_leaves_the_previous_set_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), default_case()).unwrap();
    let out = thermorbit(&["run", "s.toml", "--out", "res", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let before: Vec<(String, Vec<u8>)> = names(&dir.path().join("res"))
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.path().join("res").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    // A run that fails (here its solver, stopped after one Newton iteration) writes nothing;
    // a failure while writing is tested on the set itself in `output_atomic.rs`.
    let failing = edit(
        &default_case(),
        "mode = \"steady\"",
        "mode = \"steady\"\nmax_iterations = 1",
    );
    std::fs::write(dir.path().join("f.toml"), failing).unwrap();
    let out = thermorbit(&["run", "f.toml", "--out", "res", "--quiet"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let after: Vec<(String, Vec<u8>)> = names(&dir.path().join("res"))
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.path().join("res").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    assert_eq!(before, after);
}

#[test]
fn two_runs_into_one_folder_never_mix_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = edit(&default_case(), "nx = 80", "nx = 20");
    let base = edit(&base, "ny = 60", "ny = 15");
    for name in ["alpha", "beta"] {
        std::fs::write(
            dir.path().join(format!("{name}.toml")),
            base.replace("[panels.radiator", &format!("[panels.{name}")),
        )
        .unwrap();
    }
    for _ in 0..3 {
        let spawn = |name: &str| {
            Command::new(env!("CARGO_BIN_EXE_thermorbit"))
                .args(["run", &format!("{name}.toml"), "--out", "res", "--quiet"])
                .current_dir(dir.path())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("alpha"), spawn("beta"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(
            a.status.success() || b.status.success(),
            "{} {}",
            stderr(&a),
            stderr(&b)
        );
        let files = names(&dir.path().join("res"));
        let alpha = files.iter().any(|f| f.contains("alpha"));
        let beta = files.iter().any(|f| f.contains("beta"));
        assert!(alpha != beta, "files of two runs mixed: {files:?}");
        let summary = std::fs::read_to_string(dir.path().join("res/summary.json")).unwrap();
        assert_eq!(summary.contains("\"alpha\""), alpha, "{summary}");
    }
}

#[test]
fn panel_names_map_to_distinct_file_names() {
    let base = edit(&default_case(), "nx = 80", "nx = 8");
    let base = edit(&base, "ny = 60", "ny = 6");
    let panel = base
        .split("[panels.radiator]")
        .nth(1)
        .unwrap()
        .split("[solve]")
        .next()
        .unwrap()
        .to_string();
    let long = "x".repeat(300);
    let mut text = base.clone();
    for name in [
        "\"a b\"",
        "a_b",
        "\"radiateur_été\"",
        &format!("\"{long}\""),
    ] {
        text.push_str(&format!(
            "\n[panels.{name}]{}",
            panel.replace("[panels.radiator", &format!("[panels.{name}"))
        ));
    }
    let (_d, out, dir) = run_case(&text, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let panels = summary["panels"].as_object().unwrap();
    assert_eq!(panels.len(), 5, "{summary}");
    let mut stems: Vec<String> = panels
        .values()
        .map(|p| p["file_stem"].as_str().unwrap().to_string())
        .collect();
    for stem in &stems {
        assert!(stem.len() < 100, "{stem}");
        for ext in ["csv", "png", "vtk"] {
            assert!(dir.join(format!("{stem}.{ext}")).exists(), "{stem}.{ext}");
        }
    }
    stems.sort();
    stems.dedup();
    assert_eq!(stems.len(), 5, "{stems:?}");
    assert_eq!(panels["a_b"]["file_stem"], "panel_a_b");
}

/// Runs `args`, closing its stdout before it writes anything; returns its exit status code and
/// stderr.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_thermorbit"))
        .args(args)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).unwrap();
    }
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("res");
    let out_dir = out_dir.to_str().unwrap();
    for args in [
        vec!["run", "--json", "--out", out_dir],
        vec!["run", "--out", out_dir],
        common::orbit_550(&["--json"]),
        common::orbit_550(&[]),
        vec!["validate", "--filter", "orb-01"],
    ] {
        let (code, err) = with_closed_stdout(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn quiet_prints_nothing_but_errors_and_no_line_names_a_type() {
    let dir = tempfile::tempdir().unwrap();
    let out = thermorbit(&["run", "--out", "res", "--quiet"], dir.path());
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
    let out = thermorbit(&["run", "--out", "res"], dir.path());
    let err = stderr(&out);
    assert!(err.contains("solving (steady state)"), "{err}");
    for internal in ["(Steady)", "(Transient)", "Solution", "Spec"] {
        assert!(!err.contains(internal), "{err}");
    }
    let out = thermorbit(&["run", "missing.toml", "--quiet"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"));
    let out = thermorbit(&common::orbit_550(&["-q"]), dir.path());
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    // --json output is asked for: printed even when quiet.
    let out = thermorbit(&["run", "--out", "res", "--quiet", "--json"], dir.path());
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok());
    assert_eq!(stderr(&out), "");
}
