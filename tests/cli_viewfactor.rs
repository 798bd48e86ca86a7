//! `thermorbit viewfactor`: the closed-form comparisons of the issue's example commands,
//! the factor matrix of a case file, and bad input (exit 2, naming the flag or key, nothing
//! written).

mod common;

use common::{repo, stderr, stdout, thermorbit};

fn json(args: &[&str]) -> serde_json::Value {
    let out = thermorbit(args, repo());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// |MC − analytic| within 3 standard errors for the three geometries (fixed seeds).
#[test]
fn val_flags_agree_with_closed_forms() {
    let cases: [&[&str]; 3] = [
        &[
            "--parallel-rectangles",
            "--width-m",
            "1",
            "--height-m",
            "2",
            "--gap-m",
            "0.5",
        ],
        &[
            "--perpendicular-rectangles",
            "--edge-m",
            "2",
            "--width-m",
            "1",
            "--height-m",
            "0.5",
        ],
        &[
            "--coaxial-discs",
            "--radius1-m",
            "0.1",
            "--radius2-m",
            "0.2",
            "--gap-m",
            "0.5",
        ],
    ];
    for flags in cases {
        let mut args = vec!["viewfactor", "--rays", "400000", "--seed", "3", "--json"];
        args.extend_from_slice(flags);
        let v = json(&args);
        let f = v["monte_carlo"].as_f64().unwrap();
        let se = v["standard_error"].as_f64().unwrap();
        let exact = v["analytic"].as_f64().unwrap();
        assert!(se > 0.0 && se < 1e-3, "{v}");
        assert!((f - exact).abs() <= 3.0 * se, "{v}");
        assert!(
            (v["difference_in_standard_errors"].as_f64().unwrap() * se - (f - exact)).abs() < 1e-12
        );
    }
    // The spot values of the references: 1 x 1.5 at 0.5 → 0.4756; discs → 0.1339.
    let v = json(&[
        "viewfactor",
        "--parallel-rectangles",
        "--width-m",
        "1",
        "--height-m",
        "1.5",
        "--gap-m",
        "0.5",
        "--rays",
        "1000",
        "--json",
    ]);
    assert!((v["analytic"].as_f64().unwrap() - 0.4756).abs() < 5e-5);
}

#[test]
fn same_seed_same_value_and_text_report() {
    let args = [
        "viewfactor",
        "--coaxial-discs",
        "--radius1-m",
        "1",
        "--radius2-m",
        "1",
        "--gap-m",
        "1",
        "--rays",
        "200000",
    ];
    let a = thermorbit(&args, repo());
    let b = thermorbit(&args, repo());
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(stdout(&a), stdout(&b));
    let text = stdout(&a);
    for part in [
        "Monte Carlo",
        "analytic",
        "standard errors",
        "Howell catalog C-41",
    ] {
        assert!(text.contains(part), "{text}");
    }
}

#[test]
fn case_file_writes_a_closed_reciprocal_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let case = repo().join("validation/vf-cases/radiator-pair.toml");
    let csv_path = dir.path().join("f.csv");
    let out = thermorbit(
        &[
            "viewfactor",
            case.to_str().unwrap(),
            "--out",
            csv_path.to_str().unwrap(),
            "--json",
        ],
        repo(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["faces"], 33);
    assert!(summary["max_standard_error"].as_f64().unwrap() <= 0.002);
    assert!(summary["closure_error"].as_f64().unwrap() < 1e-12);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 34);
    assert_eq!(rows[0][0], "face");
    assert_eq!(rows[0][2], "lower[0;0]");
    assert_eq!(rows[0].last(), Some(&"inactive"));
    // Each row closes: faces + space + inactive = 1.
    for r in &rows[1..] {
        let sum: f64 = r[2..].iter().map(|x| x.parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{r:?}");
    }
    // Without --out the matrix goes to standard output.
    let out = thermorbit(&["viewfactor", case.to_str().unwrap(), "--quiet"], repo());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().count(), 34);
}

/// Runs `thermorbit viewfactor args…`, asserts exit 2 without a panic and that the message
/// names every one of `must_mention`.
fn assert_bad(args: &[&str], must_mention: &[&str]) {
    let mut all = vec!["viewfactor"];
    all.extend_from_slice(args);
    let out = thermorbit(&all, repo());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for m in must_mention {
        assert!(
            err.contains(m),
            "{all:?}: message must mention `{m}`: {err}"
        );
    }
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let rect = ["--parallel-rectangles", "--width-m", "1", "--height-m", "2"];
    assert_bad(
        &[&rect[..], &["--gap-m", "0"]].concat(),
        &["--gap-m", "coincident"],
    );
    assert_bad(&[&rect[..], &["--gap-m", "-1"]].concat(), &["--gap-m"]);
    assert_bad(&[&rect[..], &["--gap-m", "nan"]].concat(), &["--gap-m"]);
    assert_bad(
        &[&rect[..], &["--gap-m", "1", "--rays", "0"]].concat(),
        &["--rays"],
    );
    assert_bad(&rect, &["--gap-m"]);
    assert_bad(
        &[
            "--perpendicular-rectangles",
            "--edge-m",
            "0",
            "--width-m",
            "1",
            "--height-m",
            "1",
        ],
        &["--edge-m", "zero area"],
    );
    assert_bad(
        &[
            "--coaxial-discs",
            "--radius1-m",
            "0",
            "--radius2-m",
            "1",
            "--gap-m",
            "1",
        ],
        &["--radius1-m"],
    );
    assert_bad(
        &["--coaxial-discs", "--parallel-rectangles"],
        &["cannot be used with"],
    );
    assert_bad(&[], &["give a geometry"]);
}

const GOOD: &str = r#"
[radiation]
rays_per_face = 1000

[[radiation.surfaces]]
name = "a"
rectangle = { origin_m = [0, 0, 0], edge_u_m = [1, 0, 0], edge_v_m = [0, 1, 0] }

[[radiation.surfaces]]
name = "b"
rectangle = { origin_m = [0, 0, 1], edge_u_m = [0, 1, 0], edge_v_m = [1, 0, 0] }
"#;

/// Writes `text` as a case, runs it with `--out f.csv`, asserts exit 2 naming the file and
/// `must_mention`, and that no matrix was written.
fn assert_bad_case(text: &str, must_mention: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vf.toml"), text).unwrap();
    let out = thermorbit(&["viewfactor", "vf.toml", "--out", "f.csv"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("vf.toml"), "{err}");
    for m in must_mention {
        assert!(err.contains(m), "message must mention `{m}`: {err}");
    }
    assert!(!dir.path().join("f.csv").exists());
}

#[test]
fn bad_case_files_exit_2_naming_the_key() {
    // The good case runs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vf.toml"), GOOD).unwrap();
    let out = thermorbit(&["viewfactor", "vf.toml", "--out", "f.csv"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Zero area.
    assert_bad_case(
        &GOOD.replacen("edge_u_m = [1, 0, 0]", "edge_u_m = [0, 0, 0]", 1),
        &["radiation.surfaces[0].rectangle.edge_u_m"],
    );
    // Coincident panels.
    assert_bad_case(
        &GOOD.replace("[0, 0, 1]", "[0.5, 0, 0]"),
        &["radiation.surfaces[1]", "coincide"],
    );
    // Intersecting panels: b stands vertically through a.
    assert_bad_case(
        &GOOD.replace(
            "origin_m = [0, 0, 1], edge_u_m = [0, 1, 0], edge_v_m = [1, 0, 0]",
            "origin_m = [0.5, -0.5, -0.5], edge_u_m = [0, 2, 0], edge_v_m = [0, 0, 1]",
        ),
        &["radiation.surfaces[1]", "intersect"],
    );
    // Zero rays.
    assert_bad_case(
        &GOOD.replace("rays_per_face = 1000", "rays_per_face = 0"),
        &["radiation.rays_per_face"],
    );
    // A disc of zero radius, cells on a disc, both shapes, an unknown key.
    let disc = "disc = { center_m = [0, 0, 2], normal = [0, 0, -1], radius_m = 0.0 }";
    assert_bad_case(
        &format!("{GOOD}\n[[radiation.surfaces]]\nname = \"d\"\n{disc}\n"),
        &["radiation.surfaces[2].disc.radius_m"],
    );
    assert_bad_case(
        &GOOD.replacen("name = \"a\"", "name = \"a\"\ncells = [0, 2]", 1),
        &["radiation.surfaces[0].cells"],
    );
    assert_bad_case(
        &GOOD.replacen("name = \"a\"", "name = \"a\"\ncolour = \"red\"", 1),
        &["colour"],
    );
    assert_bad_case(
        &GOOD.replace(
            "rays_per_face = 1000",
            "rays_per_face = 1000\nstandard_error = 0.1",
        ),
        &["standard_error"],
    );
}
