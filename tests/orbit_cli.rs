//! `thermorbit orbit` run as a new user would: the documented command, its CSV and JSON, and
//! every bad input rejected with exit code 2 and a message naming the flag.

use std::process::Command;

fn thermorbit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_thermorbit"))
}

const BASE: [&str; 6] = [
    "orbit",
    "--altitude-km",
    "550",
    "--epoch",
    "2027-03-20T12:00:00Z",
    "--json",
];

fn run_ok(args: &[&str]) -> serde_json::Value {
    let out = thermorbit()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn run_bad(args: &[&str], flag: &str) {
    let out = thermorbit()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: expected exit 2, stderr: {err}"
    );
    assert!(
        err.contains(flag),
        "{args:?}: message should name {flag}: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
}

#[test]
fn documented_sun_synchronous_command_writes_csv() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("out.csv");
    let csv_s = csv.to_str().unwrap_or_default();
    let out = thermorbit()
        .args([
            "orbit",
            "--altitude-km",
            "550",
            "--sun-synchronous",
            "--ltan",
            "06:00",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--duration-s",
            "86400",
            "--step-s",
            "10",
            "--csv",
            csv_s,
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.starts_with(
        "t_s,r_x_km,r_y_km,r_z_km,sun_x,sun_y,sun_z,sun_dist_au,lit_fraction,beta_deg,"
    ));
    // Six default faces, three sources each.
    assert_eq!(header.split(',').count(), 10 + 18);
    assert_eq!(lines.count(), 8641);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("97.59"),
        "summary should print the SSO inclination: {stdout}"
    );
}

#[test]
fn json_summary_lists_eclipses_with_umbra_and_penumbra() {
    let v = run_ok(&[
        "orbit",
        "--altitude-km",
        "400",
        "--inclination-deg",
        "51.6",
        "--raan-deg",
        "0",
        "--epoch",
        "2027-03-20T12:00:00Z",
        "--duration-s",
        "20000",
        "--step-s",
        "30",
        "--json",
    ]);
    let ecl = v["eclipses"]
        .as_array()
        .unwrap_or_else(|| panic!("no eclipses array: {v}"));
    assert!(ecl.len() >= 3, "{v}");
    for e in ecl {
        let pe = e["penumbra_entry_s"].as_f64().unwrap_or(f64::NAN);
        let ue = e["umbra_entry_s"].as_f64().unwrap_or(f64::NAN);
        let ux = e["umbra_exit_s"].as_f64().unwrap_or(f64::NAN);
        let px = e["penumbra_exit_s"].as_f64().unwrap_or(f64::NAN);
        assert!(pe < ue && ue < ux && ux < px, "{e}");
        // LEO penumbra lasts ~8-20 s.
        assert!(ue - pe > 5.0 && ue - pe < 60.0, "{e}");
    }
    assert!(v["beta_deg"].as_f64().is_some());
    assert_eq!(v["surfaces"].as_array().map(|a| a.len()), Some(6));
}

#[test]
fn geostationary_and_two_body_run() {
    let v = run_ok(&[
        "orbit",
        "--geostationary",
        "--longitude-deg",
        "-75",
        "--epoch",
        "2027-03-21T00:00:00Z",
        "--step-s",
        "300",
        "--two-body",
        "--json",
    ]);
    let a = v["orbit"]["semi_major_axis_km"].as_f64().unwrap_or(0.0);
    assert!((a - 42_164.17).abs() < 0.1, "{a}");
    assert_eq!(v["propagation"], "two-body");
    // Near the equinox a GEO satellite is eclipsed once a day for ~70 min.
    let ecl = v["eclipses"].as_array().map(|a| a.len()).unwrap_or(0);
    assert_eq!(ecl, 1, "{v}");
}

#[test]
fn base_command_is_valid() {
    let mut args = BASE.to_vec();
    args.extend(["--inclination-deg", "45"]);
    let v = run_ok(&args);
    assert!((v["orbit"]["inclination_deg"].as_f64().unwrap_or(0.0) - 45.0).abs() < 1e-9);
}

#[test]
fn bad_inputs_exit_2_naming_the_flag() {
    let common = [
        "orbit",
        "--epoch",
        "2027-03-20T12:00:00Z",
        "--inclination-deg",
        "45",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = common.to_vec();
        v.extend_from_slice(extra);
        v
    };
    run_bad(&with(&["--altitude-km", "50"]), "--altitude-km");
    run_bad(&with(&["--altitude-km", "2000000"]), "--altitude-km");
    run_bad(&with(&["--altitude-km", "nan"]), "--altitude-km");
    run_bad(
        &with(&["--altitude-km", "550", "--step-s", "0"]),
        "--step-s",
    );
    run_bad(
        &with(&["--altitude-km", "550", "--step-s", "-5"]),
        "--step-s",
    );
    run_bad(
        &with(&["--altitude-km", "550", "--duration-s", "0"]),
        "--duration-s",
    );
    run_bad(
        &with(&["--altitude-km", "550", "--duration-s", "-100"]),
        "--duration-s",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--inclination-deg",
            "181",
        ],
        "--inclination-deg",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--inclination-deg",
            "-1",
        ],
        "--inclination-deg",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-13-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--inclination-deg",
            "10",
        ],
        "--epoch",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "yesterday",
            "--altitude-km",
            "550",
            "--inclination-deg",
            "10",
        ],
        "--epoch",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--sun-synchronous",
            "--ltan",
            "25:00",
        ],
        "--ltan",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--sun-synchronous",
            "--ltan",
            "6h",
        ],
        "--ltan",
    );
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "550",
            "--sun-synchronous",
        ],
        "--ltan",
    );
    run_bad(
        &["orbit", "--altitude-km", "550", "--inclination-deg", "10"],
        "--epoch",
    );
}

#[test]
fn case_file_surfaces_and_bad_normal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        r#"
[orbit]
epoch = "2027-06-21T00:00:00Z"
altitude_km = 700.0
sun_synchronous = true
ltan = "10:30"

[attitude]
mode = "sun-perpendicular"

[environment]
preset = "hot"

[[surfaces]]
name = "radiator"
normal = [0.0, 1.0, 0.0]
absorptivity = 0.08
emissivity = 0.8
area_m2 = 12.0
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let v = run_ok(&[
        "orbit",
        "--case",
        good.to_str().unwrap_or_default(),
        "--step-s",
        "30",
        "--json",
    ]);
    let s = &v["surfaces"][0];
    assert_eq!(s["name"], "radiator");
    // Edge-on to the Sun by construction: no direct solar at all.
    assert!(
        s["orbit_average_w_m2"]["solar"]
            .as_f64()
            .unwrap_or(1.0)
            .abs()
            < 1e-9,
        "{v}"
    );
    assert_eq!(v["environment"]["preset"], "hot");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        r#"
[orbit]
epoch = "2027-06-21T00:00:00Z"
altitude_km = 700.0
inclination_deg = 30.0

[[surfaces]]
name = "broken"
normal = [0.0, 0.0, 0.0]
absorptivity = 0.5
emissivity = 0.5
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run_bad(
        &["orbit", "--case", bad.to_str().unwrap_or_default()],
        "surfaces[0]",
    );

    let typo = dir.path().join("typo.toml");
    std::fs::write(
        &typo,
        "[orbit]\nepoch = \"2027-06-21T00:00:00Z\"\naltitude = 700.0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run_bad(
        &["orbit", "--case", typo.to_str().unwrap_or_default()],
        "altitude",
    );
}

#[test]
fn bad_input_leaves_existing_csv_untouched() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("keep.csv");
    std::fs::write(&csv, "precious").unwrap_or_else(|e| panic!("{e}"));
    run_bad(
        &[
            "orbit",
            "--epoch",
            "2027-03-20T12:00:00Z",
            "--altitude-km",
            "20",
            "--inclination-deg",
            "10",
            "--csv",
            csv.to_str().unwrap_or_default(),
        ],
        "--altitude-km",
    );
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap_or_default(),
        "precious"
    );
}
