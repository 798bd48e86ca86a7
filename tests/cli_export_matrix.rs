//! `thermorbit run --export-matrix FILE`: the network's matrix in Matrix Market
//! format, read back by `sprs` as any other tool would.

mod common;

use std::path::Path;

use common::{stderr, thermorbit};

/// Exports the matrix of `args` (run in a fresh directory) and reads it back.
fn exported(case: &[&str]) -> sprs::CsMat<f64> {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run"];
    args.extend_from_slice(case);
    args.extend([
        "--out",
        "res",
        "--json",
        "--quiet",
        "--export-matrix",
        "k.mtx",
    ]);
    let out = thermorbit(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let k: sprs::TriMat<f64> = sprs::io::read_matrix_market(dir.path().join("k.mtx")).unwrap();
    let k = k.to_csr();
    assert_eq!(k.rows(), k.cols());
    k
}

/// The 2 kW sled's matrix at its steady state: one row per solved node, symmetric
/// (conduction and radiation only), with a positive diagonal that dominates each row
/// (every row is grounded through radiation).
#[test]
fn a_conduction_and_radiation_case_exports_a_symmetric_dominant_matrix() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/gpu-sled-2kw.toml");
    let k = exported(&[case.to_str().unwrap()]);
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

/// The built-in 1 MW module carries coolant: its one-way advective conductors make the
/// matrix non-symmetric, and every entry without a mirror is such a conductor — an
/// upstream neighbour in the row of the node downstream of it, nothing in the other row.
#[test]
fn the_default_module_exports_its_non_symmetric_matrix() {
    let k = exported(&[]);
    assert!(k.rows() > 80_000, "{} rows", k.rows());
    let mut one_way = 0;
    for (i, row) in k.outer_iterator().enumerate() {
        for (j, &v) in row.iter() {
            if i == j {
                assert!(v > 0.0, "row {i}: diagonal {v}");
                continue;
            }
            let vt = k.get(j, i).copied().unwrap_or(0.0);
            if (v - vt).abs() > 1e-9 * v.abs().max(vt.abs()) {
                // The symmetric part (conduction, radiation, the tube wall) plus the
                // advective coefficient -ṁc_p in the downstream row.
                assert!(v < vt, "K[{i},{j}] = {v}, K[{j},{i}] = {vt}");
                one_way += 1;
            }
        }
    }
    assert!(one_way >= 20_000, "{one_way} one-way entries");
}
