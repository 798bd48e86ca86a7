//! `thermorbit run --export-matrix FILE`: the network's matrix in Matrix Market
//! format, read back by `sprs` as any other tool would.

mod common;

use common::{stderr, thermorbit};

/// The default case's matrix at its steady state: square, one row per solved
/// node, symmetric (conduction and radiation only), with a positive diagonal
/// that dominates each row (every row is grounded through radiation).
#[test]
fn the_default_case_exports_its_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let out = thermorbit(
        &["run", "--out", "res", "--json", "--export-matrix", "k.mtx"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let k: sprs::TriMat<f64> = sprs::io::read_matrix_market(dir.path().join("k.mtx")).unwrap();
    let k: sprs::CsMat<f64> = k.to_csr();
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
                    (v - vt).abs() <= 1e-12 * v.abs(),
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
