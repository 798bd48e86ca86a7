//! Well-formed but absurd input is refused up front, naming its key and the limit or range:
//! work that would exhaust memory or run for days, files too large to be case files, values
//! beyond physics, a coated face that radiates nowhere — and the messages read as the user
//! wrote the input (issue 18, items 1, 2 and 7).

mod common;

use std::time::{Duration, Instant};

use common::{assert_bad_case, edit, repo, run_case, shipped, stderr, stdout, thermorbit};

fn default_case() -> String {
    shipped("cases/gpu-sled-2kw.toml")
}

/// The default case as a transient with `transient` as its `[solve.transient]` keys.
fn transient(transient: &str) -> String {
    edit(
        &default_case(),
        "mode = \"steady\"",
        &format!("mode = \"transient\"\n\n[solve.transient]\n{transient}"),
    )
}

/// A refusal must come before any work: well under the time the work would take.
fn quickly<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn six_huge_panels_are_refused_for_memory_naming_the_panel() {
    let mut text = edit(&default_case(), "nx = 80", "nx = 8192");
    text = edit(&text, "ny = 60", "ny = 8192");
    for i in 0..5 {
        text.push_str(&format!(
            "\n[panels.extra{i}]\nlength_m = 1.0\nwidth_m = 1.0\nthickness_m = 0.002\nnx = 8192\nny = 8192\nmaterial = \"al6061_t6\"\n"
        ));
    }
    let err = quickly("refusing 4e8 cells", || {
        assert_bad_case(&text, &["panels.", "memory", "available", "--allow-large"])
    });
    assert!(err.contains("402,653,188"), "{err}");
}

#[test]
fn a_cell_cap_refuses_a_model_beyond_it_and_passes_one_within() {
    let (_d, out, _) = run_case(&default_case(), &["--max-cells", "1000"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("panels.radiator") && err.contains("limit is 1,000"),
        "{err}"
    );
    let (_d, out, _) = run_case(&default_case(), &["--max-cells", "10000", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn absurd_step_counts_and_output_schedules_are_refused() {
    quickly("a 3.6e12-step transient", || {
        assert_bad_case(
            &transient("end_s = 3600.0\ndt_s = 1e-9\n"),
            &["solve.transient.dt_s", "fixed steps", "limit is 10,000,000"],
        )
    });
    quickly("3.6e9 outputs", || {
        assert_bad_case(
            &transient("end_s = 3600.0\noutput_interval_s = 1e-6\n"),
            &["solve.transient.output_interval_s", "outputs", "limit"],
        )
    });
    assert_bad_case(
        &transient("end_s = 1e300\n"),
        &["solve.transient.end_s", "1e300", "1e10 s"],
    );
    assert_bad_case(
        &transient("end_s = 3600.0\nrtol = 1e-300\n"),
        &["solve.transient.rtol", "1e-12"],
    );
}

#[test]
fn an_orbit_span_beyond_the_limits_is_refused_not_aborted() {
    // Few rows (1e5) but a century of eclipse search: aborted in an allocation before.
    let out = quickly("a 1e11 s orbit", || {
        thermorbit(
            &common::orbit_550(&["--duration-s", "1e11", "--step-s", "1e6"]),
            repo(),
        )
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--duration-s") && err.contains("eclipse search") && err.contains("1e11"),
        "{err}"
    );
    // An orbit case whose transient spans 30 years of fluxes at 10 s.
    let dir = tempfile::tempdir().unwrap();
    let text = edit(
        &shipped("cases/orbit-radiator.toml"),
        "end_s = 17204.0",
        "end_s = 1e9",
    )
    .replace("output_interval_s = 60.0", "output_interval_s = 1e7")
    .replace("../meshes/", &format!("{}/meshes/", repo().display()));
    std::fs::write(dir.path().join("case.toml"), text).unwrap();
    let out = quickly("a 1e9 s orbit case", || {
        thermorbit(&["run", "case.toml", "--out", "out"], dir.path())
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("solve.transient.end_s") && err.contains("flux table"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_is_not_read_whole() {
    let out = quickly("run /dev/zero", || {
        thermorbit(&["run", "/dev/zero"], repo())
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/dev/zero") && err.contains("16.0 MiB"),
        "{err}"
    );
}

#[test]
fn oversized_case_and_mesh_files_are_refused_unless_allowed() {
    // 17 MiB of comments before a valid case.
    let padding = "# padding padding padding padding padding padding padding padding\n"
        .repeat(17 * 1024 * 1024 / 66);
    let big = format!("{padding}{}", default_case());
    let err = assert_bad_case(&big, &["16.0 MiB"]);
    assert!(!err.contains("panicked"), "{err}");
    let (_d, out, _) = run_case(&big, &["--allow-large", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mesh.toml"),
        format!("{padding}{}", shipped("meshes/radiator-2m-x-1.5m.toml")),
    )
    .unwrap();
    let case = shipped("cases/orbit-transient.toml")
        .replace("../meshes/radiator-2m-x-1.5m.toml", "mesh.toml");
    std::fs::write(dir.path().join("case.toml"), case).unwrap();
    let out = thermorbit(&["run", "case.toml", "--out", "out"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("panels.radiator.mesh") && err.contains("16.0 MiB"),
        "{err}"
    );
}

#[test]
fn values_beyond_physics_are_input_errors_naming_key_and_range() {
    let text = default_case();
    for (from, to, key, range) in [
        (
            "length_m = 2.0",
            "length_m = 1e308",
            "panels.radiator.length_m",
            "1e5 m",
        ),
        (
            "temperature_k = 2.725",
            "temperature_k = 1e300",
            "nodes.space.temperature_k",
            "1e5 K",
        ),
        (
            "power_w = 2000.0",
            "power_w = 1e308",
            "sources[0].power_w",
            "1e12 W",
        ),
        (
            "incident_flux_w_m2 = 190.0",
            "incident_flux_w_m2 = 1e300",
            "panels.radiator.loads[0].incident_flux_w_m2",
            "1e9 W/m²",
        ),
        (
            "line_m = [[0.0, 0.25], [2.0, 0.25]]",
            "line_m = [[0.0, 0.25], [1e200, 0.25]]",
            "panels.radiator.attachments[0].line_m[1][0]",
            "1e5 m",
        ),
        (
            "k_w_m_k = 167.0",
            "k_w_m_k = 1e308",
            "materials.al6061_t6.k_w_m_k",
            "1e30",
        ),
    ] {
        let err = assert_bad_case(&edit(&text, from, to), &[key, range]);
        assert!(!err.to_lowercase().contains("singular"), "{err}");
    }
}

#[test]
fn a_coated_face_must_name_its_sink_or_say_none() {
    let text = default_case();
    assert_bad_case(
        &edit(&text, "bottom_sink = \"space\"\n", ""),
        &["panels.radiator.bottom_sink", "bottom_sink = \"none\""],
    );
    // Said explicitly, the face absorbs and does not radiate: the panel runs hotter.
    let (_d, out, _) = run_case(
        &edit(&text, "bottom_sink = \"space\"", "bottom_sink = \"none\""),
        &["--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let one_face: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_d, out, _) = run_case(&text, &["--json"]);
    let two_faces: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mean = |v: &serde_json::Value| v["panels"]["radiator"]["mean_k"].as_f64().unwrap();
    assert!(
        mean(&one_face) > mean(&two_faces) + 20.0,
        "{one_face} {two_faces}"
    );
}

#[test]
fn profile_errors_name_the_key_and_the_accepted_forms() {
    let text = default_case();
    let err = assert_bad_case(
        &edit(&text, "temperature_k = 2.725", "temperature_k = \"cold\""),
        &["nodes.space.temperature_k", "a number", "times_s", "mean"],
    );
    assert!(
        !err.contains("ProfileSpec") && !err.contains("untagged"),
        "{err}"
    );
    assert_bad_case(
        &edit(
            &text,
            "temperature_k = 2.725",
            "temperature_k = { mean = 3.0, period_s = 10.0 }",
        ),
        &["nodes.space.temperature_k", "amplitude"],
    );
    assert_bad_case(
        &edit(
            &text,
            "temperature_k = 2.725",
            "temperature_k = { times_s = [0.0, 1.0], valuez = [3.0, 3.0] }",
        ),
        &["nodes.space.temperature_k.valuez", "values"],
    );
}

#[test]
fn mesh_file_errors_name_the_mesh_key_or_the_mesh_file() {
    let dir = tempfile::tempdir().unwrap();
    let case = shipped("cases/orbit-transient.toml");
    let write_case = |mesh: &str| {
        std::fs::write(
            dir.path().join("case.toml"),
            case.replace("../meshes/radiator-2m-x-1.5m.toml", mesh),
        )
        .unwrap();
        let out = thermorbit(&["run", "case.toml", "--out", "out"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        stderr(&out)
    };
    let err = write_case("missing.toml");
    assert!(
        err.contains("case.toml")
            && err.contains("panels.radiator.mesh")
            && err.contains("missing.toml"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("bad.toml"),
        shipped("meshes/radiator-2m-x-1.5m.toml")
            .replace("thickness_m = 0.002", "thickness_m = -0.002"),
    )
    .unwrap();
    let err = write_case("bad.toml");
    assert!(
        err.contains("bad.toml") && err.contains("`thickness_m` = -0.002"),
        "{err}"
    );
}

#[test]
fn numbers_are_printed_as_written() {
    let out = thermorbit(
        &[
            "orbit",
            "--altitude-km",
            "8000",
            "--sun-synchronous",
            "--ltan",
            "06:00",
            "--epoch",
            "2027-03-20T12:00:00Z",
        ],
        repo(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(" 8000 ") && !err.contains("7999.9"), "{err}");
    let err = assert_bad_case(
        &edit(&default_case(), "thickness_m = 0.002", "thickness_m = -0.0"),
        &["panels.radiator.thickness_m` = 0 "],
    );
    assert!(!err.contains("-0"), "{err}");
}

#[test]
fn validate_finds_its_cases_from_any_folder_and_refuses_an_empty_filter() {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = thermorbit(
        &["validate", "--filter", "no-such-case", "--quiet"],
        elsewhere.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--filter")
            && err.contains("cond-01-slab-steady")
            && err.contains("rad-01-lumped-cooling"),
        "{err}"
    );
    let out = thermorbit(
        &["validate", "--filter", "orb-01", "--out", "v"],
        elsewhere.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("orb-01-cylindrical-eclipse-fraction"));
    let csv = std::fs::read_to_string(elsewhere.path().join("v/results.csv")).unwrap();
    assert!(csv.starts_with("case,quantity,computed,reference,error,tolerance,test,pass\n"));
    assert!(csv.lines().count() > 1 && csv.contains("orb-01"), "{csv}");
    let md = std::fs::read_to_string(elsewhere.path().join("v/results.md")).unwrap();
    assert!(md.starts_with("| case |"), "{md}");
    let out = thermorbit(&["validate", "--cases", "nowhere"], elsewhere.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
