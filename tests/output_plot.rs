//! Plots render to valid PNGs of the documented size, reject bad data with a
//! clear error, and never leave partial files.
//!
//! Set `THERMORBIT_REVIEW_DIR=/some/dir` to keep a copy of every image for
//! looking at.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::time::Instant;

use thermorbit::error::OutputError;
use thermorbit::output::plot::IMAGE_SIZE_PX;
use thermorbit::output::{plot_heat_map, plot_lines, HeatMap, LinePlot, ReferenceSlope, Series};

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("read png");
    assert!(
        bytes.len() > 1000,
        "{} is suspiciously small",
        path.display()
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Renders with `draw` into a temporary directory (and the review directory
/// when asked) and checks the result is a full-size PNG.
fn render(name: &str, draw: impl Fn(&Path) -> Result<(), OutputError>) -> PathBuf {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    draw(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(png_size(&path), IMAGE_SIZE_PX);
    if let Some(review) = std::env::var_os("THERMORBIT_REVIEW_DIR") {
        let review = PathBuf::from(review);
        std::fs::create_dir_all(&review).expect("review dir");
        std::fs::copy(&path, review.join(name)).expect("copy for review");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy() != name)
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    path
}

/// A radiator-like field: a hot tube along y = 0.25 W, cooling with x,
/// on `nx × ny` cells of a `length × width` plate.
fn radiator_field(nx: usize, ny: usize, length_m: f64, width_m: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let x = (i as f64 + 0.5) / nx as f64 * length_m;
            let y = (j as f64 + 0.5) / ny as f64 * width_m;
            let tube = (-((y - 0.25 * width_m) / (0.12 * width_m)).powi(2)).exp();
            v.push(260.0 + 70.0 * tube * (-x / length_m).exp() + 5.0 * (y / width_m));
        }
    }
    v
}

#[test]
fn heat_map_of_a_radiator_panel() {
    let (nx, ny) = (80, 40);
    let values = radiator_field(nx, ny, 2.0, 1.0);
    render("heat_map_radiator.png", |p| {
        plot_heat_map(
            p,
            &HeatMap {
                title: "Radiator panel, steady state",
                values: &values,
                nx,
                ny,
                length_m: 2.0,
                width_m: 1.0,
                colorbar_label: "Temperature (K)",
            },
        )
    });
}

#[test]
fn heat_map_of_a_1024_squared_grid_is_fast() {
    let n = 1024;
    let values = radiator_field(n, n, 1.5, 1.5);
    let start = Instant::now();
    render("heat_map_1024.png", |p| {
        plot_heat_map(
            p,
            &HeatMap {
                title: "1024 × 1024 cells",
                values: &values,
                nx: n,
                ny: n,
                length_m: 1.5,
                width_m: 1.5,
                colorbar_label: "Temperature (K)",
            },
        )
    });
    let elapsed = start.elapsed().as_secs_f64();
    assert!(elapsed < 5.0, "1024² heat map took {elapsed:.2} s");
}

#[test]
fn heat_map_of_a_long_thin_fin_with_missing_cells() {
    let (nx, ny) = (200, 10);
    let mut values = radiator_field(nx, ny, 10.0, 0.5);
    for k in [5, 6, 7, 205, 206, 207, 1500] {
        values[k] = f64::NAN;
    }
    values[900] = f64::INFINITY;
    render("heat_map_fin_nan.png", |p| {
        plot_heat_map(
            p,
            &HeatMap {
                title: "Fin 10 m × 0.5 m, some cells not computed",
                values: &values,
                nx,
                ny,
                length_m: 10.0,
                width_m: 0.5,
                colorbar_label: "Temperature (K)",
            },
        )
    });
}

#[test]
fn heat_map_of_a_constant_field_and_a_tall_plate() {
    let values = vec![293.15; 12 * 30];
    render("heat_map_constant.png", |p| {
        plot_heat_map(
            p,
            &HeatMap {
                title: "Isothermal plate",
                values: &values,
                nx: 12,
                ny: 30,
                length_m: 0.4,
                width_m: 1.0,
                colorbar_label: "Temperature (K)",
            },
        )
    });
    let flux: Vec<f64> = (0..6).map(|k| k as f64 * 1e-5).collect();
    render("heat_map_tiny_values.png", |p| {
        plot_heat_map(
            p,
            &HeatMap {
                title: "2 × 3 cells, tiny values",
                values: &flux,
                nx: 2,
                ny: 3,
                length_m: 0.02,
                width_m: 0.03,
                colorbar_label: "Heat flux (W/m²)",
            },
        )
    });
}

/// Temperatures of three nodes over three 95-minute orbits with a
/// 35-minute eclipse each.
fn orbit_histories() -> LinePlot {
    let period_h = 95.0 / 60.0;
    let eclipse_h = 35.0 / 60.0;
    let n = 600;
    let t: Vec<f64> = (0..n)
        .map(|k| k as f64 * 3.0 * period_h / (n - 1) as f64)
        .collect();
    let in_eclipse = |t: f64| {
        let phase = t % period_h;
        phase > period_h - eclipse_h
    };
    let mut series = Vec::new();
    for (label, mean, swing, lag) in [
        ("radiator", 285.0, 25.0, 0.1),
        ("GPU junction", 340.0, 6.0, 0.3),
        ("solar array", 320.0, 80.0, 0.05),
    ] {
        let y = t
            .iter()
            .map(|&tt| {
                let phase = 2.0 * PI * (tt / period_h - lag);
                let dip = if in_eclipse(tt - lag) { -1.0 } else { 0.4 };
                mean + swing * (0.5 * phase.sin() + dip)
            })
            .collect();
        series.push(Series::new(label, t.clone(), y));
    }
    let shaded = (0..3)
        .map(|k| {
            let start = (k + 1) as f64 * period_h - eclipse_h;
            (start, start + eclipse_h)
        })
        .collect();
    LinePlot {
        title: "Node temperatures over three orbits".into(),
        x_label: "Time (h)".into(),
        y_label: "Temperature (K)".into(),
        series,
        shaded,
        shaded_label: Some("eclipse".into()),
        ..Default::default()
    }
}

#[test]
fn line_plot_of_orbit_histories_with_eclipses() {
    let plot = orbit_histories();
    render("lines_orbit.png", |p| plot_lines(p, &plot));
}

#[test]
fn line_plot_of_a_long_history_with_gaps() {
    let n = 200_000;
    let t: Vec<f64> = (0..n).map(|k| k as f64 * 0.01).collect();
    let mut y: Vec<f64> = t
        .iter()
        .map(|&tt| 300.0 + 20.0 * (tt / 50.0).sin() + 3.0 * (tt * 7.0).sin())
        .collect();
    for v in &mut y[50_000..52_000] {
        *v = f64::NAN;
    }
    let plot = LinePlot {
        title: "200 000 steps, a gap of NaN".into(),
        x_label: "Time (s)".into(),
        y_label: "Temperature (K)".into(),
        series: vec![Series::new("node 17", t, y)],
        ..Default::default()
    };
    let start = Instant::now();
    render("lines_long.png", |p| plot_lines(p, &plot));
    assert!(start.elapsed().as_secs_f64() < 5.0);
}

#[test]
fn convergence_plot_with_reference_slopes() {
    let cells: Vec<f64> = [4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0].to_vec();
    let second: Vec<f64> = cells
        .iter()
        .map(|n| 3.2 / (n * n) * (1.0 + 0.5 / n))
        .collect();
    let first: Vec<f64> = cells.iter().map(|n| 0.9 / n).collect();
    let plot = LinePlot {
        title: "Grid convergence, plate with line source".into(),
        x_label: "Cells per side".into(),
        y_label: "Max temperature error (K)".into(),
        series: vec![
            Series::new("central differences", cells.clone(), second),
            Series::new("upwind fin model", cells, first),
        ],
        log_x: true,
        log_y: true,
        reference_slopes: vec![
            ReferenceSlope::new(-2.0, "slope −2 (2nd order)"),
            ReferenceSlope::new(-1.0, "slope −1 (1st order)"),
        ],
        ..Default::default()
    };
    render("lines_convergence.png", |p| plot_lines(p, &plot));
}

#[test]
fn narrow_log_range_and_single_point_still_plot() {
    let plot = LinePlot {
        title: "Less than a decade".into(),
        x_label: "Cells per side".into(),
        y_label: "Error (K)".into(),
        series: vec![
            Series::new("a", vec![20.0, 40.0, 80.0], vec![0.03, 0.02, 0.015]),
            Series::new("one point", vec![50.0], vec![0.025]),
        ],
        log_x: true,
        log_y: true,
        ..Default::default()
    };
    render("lines_narrow_log.png", |p| plot_lines(p, &plot));
    let flat = LinePlot {
        title: "Constant".into(),
        x_label: "Time (s)".into(),
        y_label: "Power (W)".into(),
        series: vec![Series::new("", vec![0.0, 1.0, 2.0], vec![5.0; 3])],
        ..Default::default()
    };
    render("lines_flat.png", |p| plot_lines(p, &flat));
}

fn expect_invalid(result: Result<(), OutputError>, needle: &str) {
    match result {
        Err(OutputError::InvalidData { reason, .. }) => {
            assert!(
                reason.contains(needle),
                "reason `{reason}` lacks `{needle}`"
            )
        }
        other => panic!("expected InvalidData about `{needle}`, got {other:?}"),
    }
}

#[test]
fn bad_heat_maps_are_rejected_and_leave_the_old_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("map.png");
    std::fs::write(&path, b"previous").expect("seed");
    let values = vec![1.0; 6];
    let base = HeatMap {
        title: "t",
        values: &values,
        nx: 2,
        ny: 3,
        length_m: 1.0,
        width_m: 1.0,
        colorbar_label: "T (K)",
    };
    expect_invalid(plot_heat_map(&path, &HeatMap { nx: 4, ..base }), "6 values");
    expect_invalid(plot_heat_map(&path, &HeatMap { nx: 0, ..base }), "no cells");
    expect_invalid(
        plot_heat_map(
            &path,
            &HeatMap {
                width_m: 0.0,
                ..base
            },
        ),
        "width_m",
    );
    expect_invalid(
        plot_heat_map(
            &path,
            &HeatMap {
                length_m: f64::NAN,
                ..base
            },
        ),
        "length_m",
    );
    let nan = vec![f64::NAN; 6];
    expect_invalid(
        plot_heat_map(
            &path,
            &HeatMap {
                values: &nan,
                ..base
            },
        ),
        "no finite",
    );
    expect_invalid(plot_heat_map(&dir.path().join("map.jpg"), &base), ".png");
    assert_eq!(std::fs::read(&path).expect("read"), b"previous");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}

#[test]
fn bad_line_plots_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lines.png");
    let ok = Series::new("ok", vec![1.0, 2.0], vec![1.0, 2.0]);
    let plot = |series: Vec<Series>| LinePlot {
        series,
        ..Default::default()
    };
    expect_invalid(plot_lines(&path, &plot(vec![])), "no series");
    expect_invalid(
        plot_lines(
            &path,
            &plot(vec![ok.clone(), Series::new("e", vec![], vec![])]),
        ),
        "`e` has no points",
    );
    expect_invalid(
        plot_lines(
            &path,
            &plot(vec![Series::new("m", vec![1.0], vec![1.0, 2.0])]),
        ),
        "1 x values but 2 y values",
    );
    expect_invalid(
        plot_lines(
            &path,
            &plot(vec![Series::new("n", vec![1.0], vec![f64::NAN])]),
        ),
        "no finite point",
    );
    let log = LinePlot {
        log_y: true,
        ..plot(vec![Series::new("neg", vec![1.0, 2.0], vec![-1.0, 0.0])])
    };
    expect_invalid(plot_lines(&path, &log), "> 0");
    let slopes = LinePlot {
        reference_slopes: vec![ReferenceSlope::new(-2.0, "2nd")],
        ..plot(vec![ok.clone()])
    };
    expect_invalid(plot_lines(&path, &slopes), "log_x and log_y");
    let bands = LinePlot {
        shaded: vec![(0.0, f64::INFINITY)],
        ..plot(vec![ok])
    };
    expect_invalid(plot_lines(&path, &bands), "not finite");
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}
