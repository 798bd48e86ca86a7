//! `thermorbit run --export-matrix FILE`: the network's matrix in Matrix Market
//! format, read back by `sprs` as any other tool would.

mod common;

use common::{stderr, thermorbit};

/// Runs `thermorbit run [CASE] --export-matrix k.mtx` in a temporary folder and reads the
/// matrix back with `sprs`.
fn exported(case: Option<&str>) -> sprs::CsMat<f64> {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run"];
    args.extend(case);
    args.extend(["--out", "res", "--json", "--export-matrix", "k.mtx"]);
    let out = thermorbit(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let k: sprs::TriMat<f64> = sprs::io::read_matrix_market(dir.path().join("k.mtx")).unwrap();
    k.to_csr()
}

/// Checks that every row of `k` has a positive diagonal at least the sum of its other
/// entries' sizes (every row is grounded through radiation; advection adds `ṁc_p` to the
/// downstream row's diagonal and `−ṁc_p` to its upstream column), and, when `symmetric`,
/// that `K = Kᵀ` to round-off.
fn check(k: &sprs::CsMat<f64>, symmetric: bool) {
    assert_eq!(k.rows(), k.cols());
    assert!(k.rows() > 100, "{} rows", k.rows());
    for (i, row) in k.outer_iterator().enumerate() {
        let (mut diag, mut off) = (0.0, 0.0);
        for (j, &v) in row.iter() {
            if i == j {
                diag = v;
            } else {
                off += v.abs();
                let vt = k.get(j, i).copied().unwrap_or(0.0);
                assert!(
                    !symmetric || (v - vt).abs() <= 1e-12 * v.abs(),
                    "K[{i},{j}] = {v}, K[{j},{i}] = {vt}"
                );
            }
        }
        assert!(
            diag > 0.0 && diag >= off * (1.0 - 1e-12),
            "row {i}: {diag} vs {off}"
        );
    }
}

/// A conduction-and-radiation case (the 256² benchmark panel) exports a symmetric matrix
/// with a dominant positive diagonal.
#[test]
fn a_conduction_radiation_case_exports_a_symmetric_matrix() {
    let case = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/cases/panel-256.toml");
    check(&exported(Some(case)), true);
}

/// The default case (the 1 MW module, whose coolant advects heat one way) exports its
/// matrix at its steady state: square, one row per solved node, with a dominant positive
/// diagonal, and not symmetric (advection couples a fluid node to its upstream one only).
#[test]
fn the_default_case_exports_its_matrix() {
    let k = exported(None);
    check(&k, false);
    let one_way = k
        .outer_iterator()
        .enumerate()
        .any(|(i, row)| row.iter().any(|(j, _)| j != i && k.get(j, i).is_none()));
    assert!(
        one_way,
        "no one-way (advective) coupling in the default case"
    );
}
