//! Legacy VTK panel files: the header lines and counts ParaView requires,
//! cell order i fastest, and refusal of data it could not read.

use std::path::Path;

use thermorbit::error::OutputError;
use thermorbit::output::{write_vtk_grid, VtkGrid};

fn grid(nx: usize, ny: usize) -> VtkGrid<'static> {
    VtkGrid {
        title: "radiator panel 1",
        nx,
        ny,
        dx_m: 0.05,
        dy_m: 0.1,
        origin_m: [1.0, -0.5, 0.0],
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read vtk")
}

#[test]
fn header_and_counts_are_what_paraview_expects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("panel.vtk");
    let (nx, ny) = (4, 3);
    let temp: Vec<f64> = (0..nx * ny).map(|k| 280.0 + k as f64).collect();
    let flux: Vec<f64> = (0..nx * ny).map(|k| -0.5 * k as f64).collect();
    write_vtk_grid(
        &path,
        &grid(nx, ny),
        &[("temperature_k", &temp), ("heat flux w_m2", &flux)],
    )
    .expect("write");
    let text = read(&path);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# vtk DataFile Version 3.0");
    assert_eq!(lines[1], "radiator panel 1");
    assert_eq!(lines[2], "ASCII");
    assert_eq!(lines[3], "DATASET STRUCTURED_POINTS");
    // Points are cell corners: one more than cells along each axis.
    assert_eq!(lines[4], "DIMENSIONS 5 4 1");
    assert_eq!(lines[5], "ORIGIN 1 -0.5 0");
    assert_eq!(lines[6], "SPACING 0.05 0.1 1");
    assert_eq!(lines[7], "CELL_DATA 12");
    assert_eq!(lines[8], "SCALARS temperature_k double 1");
    assert_eq!(lines[9], "LOOKUP_TABLE default");
    // Row j = 0 first, i fastest: cell (i, j) is value j*nx + i.
    assert_eq!(lines[10], "280 281 282 283");
    assert_eq!(lines[12], "288 289 290 291");
    // Whitespace in a name would end the name for a VTK reader.
    assert_eq!(lines[13], "SCALARS heat_flux_w_m2 double 1");
    assert_eq!(lines[14], "LOOKUP_TABLE default");
    let values: Vec<f64> = lines[15..]
        .iter()
        .flat_map(|l| l.split_whitespace())
        .map(|v| v.parse().expect("number"))
        .collect();
    assert_eq!(values, flux);
    assert_eq!(lines.len(), 15 + ny);
}

#[test]
fn values_keep_full_precision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.vtk");
    let v = [1.0 / 3.0, 2.0e-9, 6.02214076e23, -0.0];
    write_vtk_grid(&path, &grid(2, 2), &[("v", &v)]).expect("write");
    let text = read(&path);
    let back: Vec<f64> = text
        .lines()
        .skip(10)
        .flat_map(|l| l.split_whitespace())
        .map(|s| s.parse().expect("number"))
        .collect();
    for (a, b) in back.iter().zip(&v) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
}

#[test]
fn a_multi_line_title_stays_on_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.vtk");
    let g = VtkGrid {
        title: "line one\nline two",
        ..grid(1, 1)
    };
    write_vtk_grid(&path, &g, &[("v", &[1.0])]).expect("write");
    assert_eq!(read(&path).lines().nth(1), Some("line one line two"));
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
fn unreadable_data_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.vtk");
    let four = [1.0; 4];
    expect_invalid(
        write_vtk_grid(&path, &grid(2, 3), &[("t", &four)]),
        "6 cells",
    );
    expect_invalid(
        write_vtk_grid(&path, &grid(0, 3), &[("t", &four)]),
        "no cells",
    );
    expect_invalid(write_vtk_grid(&path, &grid(2, 2), &[]), "no field");
    expect_invalid(
        write_vtk_grid(&path, &grid(2, 2), &[("t", &[1.0, 2.0, f64::NAN, 4.0])]),
        "cell (i = 0, j = 1)",
    );
    expect_invalid(
        write_vtk_grid(&path, &grid(2, 2), &[("a b", &four), ("a_b", &four)]),
        "two fields are named `a_b`",
    );
    expect_invalid(
        write_vtk_grid(&path, &grid(2, 2), &[(" ", &four)]),
        "empty name",
    );
    let flat = VtkGrid {
        dy_m: 0.0,
        ..grid(2, 2)
    };
    expect_invalid(write_vtk_grid(&path, &flat, &[("t", &four)]), "dy_m");
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}
