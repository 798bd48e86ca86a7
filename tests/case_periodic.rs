//! `mode = "periodic"` in case files: the `[solve.periodic]` checks, the orbit
//! fluxes over exactly one period, the averaged steady start, the outputs
//! (summary, history) and the exit code of a run that does not converge.

use std::path::{Path, PathBuf};
use std::process::Command;

use thermorbit::case::{Case, RunProgress, Solution};
use thermorbit::output::{summary_json, write_results};

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/orbit-periodic.toml")
}

/// The shipped periodic orbit case with the given edits, anchored beside it.
fn orbit_variant(edits: &[(&str, &str)]) -> Result<Case, thermorbit::error::InputError> {
    let mut text = std::fs::read_to_string(shipped()).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "edit target `{from}` not in the case");
        text = text.replacen(from, to, 1);
    }
    Case::from_toml(&text, &shipped())
}

/// A lumped node with a harmonic sink and a square-ish table source.
const LUMPED: &str = r#"
[nodes.body]
kind = "diffusion"
capacitance_j_k = 50000.0
initial_temperature_k = 250.0

[nodes.joint]
kind = "arithmetic"

[nodes.sink]
kind = "boundary"
temperature_k = { mean = 280.0, amplitude = 30.0, period_s = 1000.0 }

[[conductors]]
kind = "linear"
from = "body"
to = "joint"
conductance_w_k = 20.0

[[conductors]]
kind = "linear"
from = "joint"
to = "sink"
conductance_w_k = 10.0

[[sources]]
name = "sun"
node = "body"
power_w = { times_s = [0.0, 100.0, 600.0, 700.0], values = [0.0, 200.0, 200.0, 0.0], period_s = 1000.0 }

[solve]
mode = "periodic"
"#;

fn lumped(periodic: &str) -> Result<Case, thermorbit::error::InputError> {
    Case::from_toml(&format!("{LUMPED}{periodic}"), Path::new("lumped.toml"))
}

fn err_of(periodic: &str) -> String {
    match lumped(periodic).and_then(|c| c.build()) {
        Ok(_) => panic!("{periodic} should be rejected"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_periodic_settings_name_their_key() {
    let e = err_of("");
    assert!(
        e.contains("solve.periodic.period_s") && e.contains("[orbit]"),
        "{e}"
    );
    let e = err_of("[solve.periodic]\nperiod_s = -5.0\n");
    assert!(
        e.contains("solve.periodic.period_s") && e.contains("> 0"),
        "{e}"
    );
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\ntolerance_k = 0.0\n");
    assert!(e.contains("solve.periodic.tolerance_k"), "{e}");
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\nmax_periods = 0\n");
    assert!(e.contains("solve.periodic.max_periods"), "{e}");
    for bad in ["0.5", "101.0", "nan"] {
        let e = err_of(&format!(
            "[solve.periodic]\nperiod_s = 1000.0\nwarm_up_step_factor = {bad}\n"
        ));
        assert!(
            e.contains("solve.periodic.warm_up_step_factor") && e.contains("1 to 100"),
            "{e}"
        );
    }
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\ndt_s = 10.0\nrtol = 1e-4\n");
    assert!(
        e.contains("solve.periodic.dt_s") && e.contains("exclude"),
        "{e}"
    );
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\nrtol = 2.0\n");
    assert!(e.contains("solve.periodic.rtol"), "{e}");
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\nacceleration = \"fast\"\n");
    assert!(e.contains("acceleration"), "{e}");
    let e = err_of("[solve.periodic]\nperiod_s = 1000.0\nend_s = 5000.0\n");
    assert!(e.contains("end_s"), "{e}");
    let e = err_of("[solve.transient]\nend_s = 5000.0\n");
    assert!(
        e.contains("solve.transient") && e.contains("[solve.periodic]"),
        "{e}"
    );
    let text = LUMPED.replace("mode = \"periodic\"", "mode = \"steady\"")
        + "[solve.periodic]\nperiod_s = 1000.0\n";
    let e = Case::from_toml(&text, Path::new("lumped.toml"))
        .and_then(|c| c.build())
        .unwrap_err()
        .to_string();
    assert!(e.contains("solve.periodic") && e.contains("mode"), "{e}");
}

/// The averaged start network holds the period means (harmonic sink 280 K,
/// table source 200 W × (500 + 100) s / 1000 s = 120 W), so its steady state
/// is the linear network's exact mean: T_body = 280 + 120 (1/20 + 1/10) = 298 K.
/// The run converges from it and its final period's energy closes.
#[test]
fn a_lumped_periodic_case_starts_from_the_period_average_and_converges() {
    let case = lumped(
        "[solve.periodic]\nperiod_s = 1000.0\ndt_s = 5.0\noutput_interval_s = 50.0\ntolerance_k = 1e-6\n",
    )
    .unwrap();
    let model = case.build().unwrap();
    let options = model.periodic_options().unwrap().unwrap();
    assert_eq!((options.period_s, options.start_s), (1000.0, 0.0));
    let x0 = model.periodic_start_state(&options).unwrap();
    let body = model.system.node("body").unwrap();
    let u = model.system.unknown_of_node(body).unwrap();
    assert!((x0[u] - 298.0).abs() < 1e-8, "{}", x0[u]);

    let mut seen = Vec::new();
    let result = model
        .run_with_progress(&mut |p| {
            if let RunProgress::Period(it) = p {
                seen.push((it.period, it.error_max_k));
            }
        })
        .unwrap();
    let Solution::Periodic(p) = &result.solution else {
        panic!("periodic expected")
    };
    assert_eq!(seen.len(), p.periods);
    assert!(p.periodicity_error_k <= 1e-6);
    // The linear network's cycle has the period mean as its time average (trapezoid over outputs).
    let h = p.final_period.node_history(body);
    let mean = (h.iter().sum::<f64>() - 0.5 * (h[0] + h[h.len() - 1])) / (h.len() - 1) as f64;
    assert!((mean - 298.0).abs() < 0.05, "{mean}");
    let e = p.final_period.energy;
    assert!(e.relative_imbalance < 1e-8, "{e:?}");

    let summary = summary_json(&model, &result);
    assert_eq!(summary["mode"], "periodic");
    let per = &summary["periodic"];
    assert_eq!(per["converged"], true);
    assert_eq!(per["periods"].as_u64(), Some(p.periods as u64));
    assert_eq!(per["iterations"].as_array().unwrap().len(), p.periods);
    assert!(per["iterations"][0]["error_max_k"].as_f64().unwrap() > 0.0);
    assert!(per["periodicity_error_k"].as_f64().unwrap() <= 1e-6);
    let lo = per["extremes_over_period"]["nodes"]["body"]["min_k"]
        .as_f64()
        .unwrap();
    let hi = per["extremes_over_period"]["nodes"]["body"]["max_k"]
        .as_f64()
        .unwrap();
    assert!(lo < 298.0 && 298.0 < hi, "{lo} {hi}");
    assert!(
        summary["energy_balance"]["relative_imbalance"]
            .as_f64()
            .unwrap()
            < 1e-8
    );

    let dir = tempfile::tempdir().unwrap();
    let files = write_results(dir.path(), &model, &result).unwrap();
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for want in ["history.csv", "history.png", "summary.json", "nodes.csv"] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    let csv = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    // One period at 50 s outputs: 21 rows and the header.
    assert_eq!(csv.lines().count(), 22, "{csv}");
}

/// With `initial = "initial"` no averaged network is built and the run starts
/// from the nodes' temperatures; plain repetition from there needs more periods.
#[test]
fn initial_start_and_plain_repetition_are_honoured() {
    let case = lumped(
        "[solve.periodic]\nperiod_s = 1000.0\ndt_s = 5.0\ninitial = \"initial\"\nacceleration = \"none\"\n",
    )
    .unwrap();
    let model = case.build().unwrap();
    assert!(model.periodic_start_system.is_none());
    let options = model.periodic_options().unwrap().unwrap();
    assert_eq!(options.acceleration, thermorbit::solve::Acceleration::None);
    let x0 = model.periodic_start_state(&options).unwrap();
    assert_eq!(x0, model.system.initial_state());
    let result = model.run().unwrap();
    let Solution::Periodic(p) = &result.solution else {
        panic!("periodic expected")
    };
    assert_eq!(p.accelerated_periods(), 0);
}

/// An orbit case: the period defaults to the nodal period, the flux series
/// spans exactly `[t0, t0 + P]`, the start network averages the orbit loads.
#[test]
fn an_orbit_case_takes_one_nodal_period_of_fluxes() {
    let model = orbit_variant(&[]).unwrap().build().unwrap();
    let orbit = model.orbit.as_ref().unwrap();
    let p = orbit.setup.model.orbit().nodal_period_s();
    let (t0, t1) = orbit.span_s();
    assert_eq!(t0, 0.0);
    assert!((t1 - p).abs() < 1e-9 * p, "{t1} vs {p}");
    assert!(orbit.averaged_over_s.is_none());
    let options = model.periodic_options().unwrap().unwrap();
    assert_eq!(options.period_s, p);
    let avg = model.periodic_start_system.as_ref().unwrap();
    assert_eq!(avg.unknowns(), model.system.unknowns());
    // The averaged network's loads do not vary; the periodic one's do.
    assert!(avg.discontinuities(t0, t1).is_empty());
    assert!(!model.system.discontinuities(t0, t1).is_empty());

    // A given period and start shift the flux span.
    let model = orbit_variant(&[(
        "# period_s defaults to the nodal period; start_s to 0.",
        "period_s = 3000.0\nstart_s = 600.0",
    )])
    .unwrap()
    .build()
    .unwrap();
    let (t0, t1) = model.orbit.as_ref().unwrap().span_s();
    assert_eq!((t0, t1), (600.0, 3600.0));
}

/// Exit code 3 with the per-period history when the limit is reached; nothing written.
#[test]
fn a_run_that_does_not_converge_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{LUMPED}[solve.periodic]\nperiod_s = 1000.0\ndt_s = 10.0\nmax_periods = 2\ninitial = \"initial\"\nwarm_up_step_factor = 1\n"
    );
    std::fs::write(dir.path().join("case.toml"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_thermorbit"))
        .args(["run", "case.toml", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("2 periods") && err.contains("max_periods"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("out").exists());
}

/// The shipped orbit case gives the same bits on one and two threads.
#[test]
fn the_orbit_case_is_deterministic_across_thread_counts() {
    let model = orbit_variant(&[]).unwrap().build().unwrap();
    let solve = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| match model.run().unwrap().solution {
            Solution::Periodic(p) => p,
            _ => panic!("periodic expected"),
        })
    };
    let (a, b) = (solve(1), solve(2));
    assert_eq!(a.periods, b.periods);
    assert_eq!(a.start_state_k, b.start_state_k);
    assert_eq!(a.final_period.temperatures_k, b.final_period.temperatures_k);
    assert!(a.final_period.energy.relative_imbalance < 1e-8);
}
