//! CSV tables: header and values round-trip exactly; bad shapes are refused
//! without touching the target.

use std::path::Path;

use thermorbit::error::OutputError;
use thermorbit::output::{write_csv, write_csv_labeled, write_csv_rows};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read csv")
}

/// Parses the numeric cells of a CSV written without text columns.
fn parse_numbers(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().expect("number")).collect())
        .collect()
}

#[test]
fn column_major_table_round_trips_bit_for_bit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.csv");
    let t = [0.0, 0.1, 1.0 / 3.0, 5400.0];
    let temp = [293.15, 1e-300, -2.5e-7, 6.02214076e23];
    write_csv(&path, &["time_s", "temperature_k"], &[&t[..], &temp[..]]).expect("write");
    let text = read(&path);
    assert!(text.starts_with("time_s,temperature_k\n"), "{text}");
    assert!(text.ends_with('\n'));
    let rows = parse_numbers(&text);
    assert_eq!(rows.len(), 4);
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(row[0].to_bits(), t[r].to_bits());
        assert_eq!(row[1].to_bits(), temp[r].to_bits());
    }
}

#[test]
fn vectors_and_arrays_are_accepted_as_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v.csv");
    let a = vec![1.0, 2.0];
    let b = vec![3.0, 4.0];
    write_csv(&path, &["a", "b"], &[a, b]).expect("write");
    assert_eq!(read(&path), "a,b\n1,3\n2,4\n");
}

#[test]
fn row_major_table_matches_column_major() {
    let dir = tempfile::tempdir().expect("tempdir");
    let by_col = dir.path().join("c.csv");
    let by_row = dir.path().join("r.csv");
    write_csv(&by_col, &["x", "y"], &[[1.5, 2.5], [10.0, 20.0]]).expect("cols");
    write_csv_rows(&by_row, &["x", "y"], &[[1.5, 10.0], [2.5, 20.0]]).expect("rows");
    assert_eq!(read(&by_col), read(&by_row));
    assert_eq!(read(&by_row), "x,y\n1.5,10\n2.5,20\n");
}

#[test]
fn labelled_rows_quote_text_that_needs_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nodes.csv");
    write_csv_labeled(
        &path,
        &["node", "temperature_k", "heat_w"],
        &["gpu_0", "radiator, panel 1", "the \"hot\" one"],
        &[[330.0, 280.5, 400.0], [700.0, -699.5, 0.0]],
    )
    .expect("write");
    assert_eq!(
        read(&path),
        "node,temperature_k,heat_w\n\
         gpu_0,330,700\n\
         \"radiator, panel 1\",280.5,-699.5\n\
         \"the \"\"hot\"\" one\",400,0\n"
    );
}

#[test]
fn non_finite_values_are_written_readably() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nan.csv");
    write_csv(
        &path,
        &["v"],
        &[[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]],
    )
    .expect("write");
    assert_eq!(read(&path), "v\nNaN\ninf\n-inf\n");
    let back: Vec<f64> = read(&path)
        .lines()
        .skip(1)
        .map(|l| l.parse().expect("parse"))
        .collect();
    assert!(back[0].is_nan() && back[1] == f64::INFINITY && back[2] == f64::NEG_INFINITY);
}

#[test]
fn a_header_only_table_is_fine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.csv");
    let empty: [&[f64]; 2] = [&[], &[]];
    write_csv(&path, &["a", "b"], &empty).expect("write");
    assert_eq!(read(&path), "a,b\n");
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
fn bad_shapes_are_refused_and_the_old_file_stays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keep.csv");
    std::fs::write(&path, "old\n").expect("seed");
    expect_invalid(
        write_csv(&path, &["a", "b"], &[&[1.0, 2.0][..], &[1.0][..]]),
        "column 1 has 1 values but column 0 has 2",
    );
    expect_invalid(
        write_csv(&path, &["a"], &[[1.0], [2.0]]),
        "1 headers but 2 columns",
    );
    expect_invalid(
        write_csv_rows(&path, &["a", "b"], &[vec![1.0, 2.0], vec![3.0]]),
        "row 1 has 1 values",
    );
    expect_invalid(
        write_csv_labeled(&path, &["n", "a"], &["x", "y"], &[[1.0]]),
        "labels has 2",
    );
    expect_invalid(
        write_csv_labeled(&path, &["a"], &["x"], &[[1.0]]),
        "expected 2",
    );
    assert_eq!(read(&path), "old\n");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}
