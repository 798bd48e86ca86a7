//! A sparse matrix (the assembled network's `K = −∂F/∂T`, W/K) in Matrix Market
//! coordinate format, written by `sprs::io` so any Matrix Market reader (scipy's
//! `mmread`, MATLAB, Julia) can load it and check it.

use std::path::Path;

use crate::error::OutputError;
use crate::linalg::CsrMatrix;
use crate::output::atomic::write_atomic_with;

/// Writes `matrix` to `path` in Matrix Market coordinate format (1-based
/// indices, one line per stored entry), atomically: a failed write leaves an
/// existing file as it was.
pub fn write_matrix_market(path: &Path, matrix: &CsrMatrix) -> Result<(), OutputError> {
    let sparse = matrix.to_sprs().ok_or_else(|| OutputError::InvalidData {
        path: path.to_path_buf(),
        reason: "the matrix's pattern breaks the compressed-row rules".into(),
    })?;
    write_atomic_with(path, |w| {
        sprs::io::write_matrix_market_to_bufwrite(w, &sparse).map_err(std::io::Error::other)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A written matrix reads back with the same entries.
    #[test]
    fn matrix_market_round_trip() {
        let a = CsrMatrix::from_triplets(
            3,
            &[
                (0, 0, 2.5),
                (0, 2, -1.0),
                (1, 1, 1e-3),
                (2, 0, -1.0),
                (2, 2, 4.0),
            ],
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.mtx");
        write_matrix_market(&path, &a).unwrap();
        let back: sprs::TriMat<f64> = sprs::io::read_matrix_market(&path).unwrap();
        let back: sprs::CsMat<f64> = back.to_csr();
        assert_eq!(back, a.to_sprs().unwrap());
    }
}
