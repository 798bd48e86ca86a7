//! Grey diffuse radiative exchange from view factors: Gebhart absorption factors and the
//! radiative conductances `R_ij` (m²) of `Q_i = σ Σ_j R_ij (T_j⁴ − T_i⁴)`, including a
//! sink (space) that absorbs everything it sees.
//!
//! Gebhart's absorption factor `B_ij` is the fraction of the energy emitted by surface *i*
//! that is absorbed by *j*, directly or after any number of diffuse reflections
//! (Gebhart, *Heat Transfer*, 2nd ed., 1971, §5.6; Howell, Mengüç & Siegel, *Thermal
//! Radiation Heat Transfer*, 6th ed., §6.4):
//!
//! `B_ij = F_ij ε_j + Σ_k F_ik (1 − ε_k) B_kj`, i.e. `(I − F diag(1 − ε)) B = F diag(ε)`,
//!
//! with space a black column `B_i,space` (`ε = 1`, `F_i,space` given). Then
//! `R_ij = A_i ε_i B_ij`, reciprocal (`R_ij = R_ji`) whenever the factors are, and the net
//! heat into surface *i* is `σ Σ_j R_ij (T_j⁴ − T_i⁴) + σ R_i,space (T_space⁴ − T_i⁴)`.
//! Two infinite parallel plates (`F₁₂ = F₂₁ = 1`) give `R = A / (1/ε₁ + 1/ε₂ − 1)`.

use nalgebra::DMatrix;

use crate::error::RadiationError;

/// Radiative conductances between grey diffuse faces and to space.
#[derive(Debug, Clone, PartialEq)]
pub struct RadiativeExchange {
    n: usize,
    /// `R_ij` (m²), row-major `n × n`, symmetric, zero diagonal.
    exchange_m2: Vec<f64>,
    /// `R_i,space` (m²).
    to_space_m2: Vec<f64>,
    /// Gebhart factors `B_ij`, row-major `n × (n + 1)` (last column: space).
    gebhart: Vec<f64>,
}

/// Largest tolerated excess of a factor row over 1 (`Σ_j F_ij + F_i,space`): Monte Carlo
/// factors closed by [`super::monte_carlo::factor_matrix`] sum to 1 within round-off.
const ROW_SUM_TOLERANCE: f64 = 1e-9;

/// Gebhart factors and conductances from view factors (`factors`, row-major `n × n`),
/// each face's factor to space, areas (m², > 0) and emissivities (0 to 1).
///
/// A face whose row sums to less than 1 (rays absorbed by an inactive back side) loses that
/// part of its emission to nowhere: pass closed rows to conserve energy.
pub fn grey_diffuse_exchange(
    factors: &[f64],
    space: &[f64],
    areas_m2: &[f64],
    emissivities: &[f64],
) -> Result<RadiativeExchange, RadiationError> {
    let n = areas_m2.len();
    let bad = |quantity: &'static str, value: String, allowed: &'static str| {
        RadiationError::InvalidValue {
            quantity,
            value,
            allowed,
        }
    };
    if n == 0 || factors.len() != n * n || space.len() != n || emissivities.len() != n {
        return Err(bad(
            "array lengths (areas, emissivities, space, factors)",
            format!(
                "{}, {}, {}, {}",
                n,
                emissivities.len(),
                space.len(),
                factors.len()
            ),
            "n >= 1, n, n and n x n",
        ));
    }
    if let Some(a) = areas_m2.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
        return Err(bad("area (m2)", a.to_string(), "finite and > 0"));
    }
    if let Some(e) = emissivities.iter().find(|e| !(0.0..=1.0).contains(*e)) {
        return Err(bad("emissivity", e.to_string(), "0 to 1"));
    }
    if let Some(f) = factors
        .iter()
        .chain(space)
        .find(|f| !(0.0..=1.0).contains(*f))
    {
        return Err(bad("view factor", f.to_string(), "0 to 1"));
    }
    for i in 0..n {
        let sum: f64 = factors[i * n..(i + 1) * n].iter().sum::<f64>() + space[i];
        if sum > 1.0 + ROW_SUM_TOLERANCE {
            return Err(bad(
                "row sum of view factors with space",
                sum.to_string(),
                "at most 1",
            ));
        }
    }
    let f = DMatrix::from_row_slice(n, n, factors);
    let mut m = DMatrix::<f64>::identity(n, n);
    let mut rhs = DMatrix::<f64>::zeros(n, n + 1);
    for i in 0..n {
        for k in 0..n {
            m[(i, k)] -= f[(i, k)] * (1.0 - emissivities[k]);
            rhs[(i, k)] = f[(i, k)] * emissivities[k];
        }
        rhs[(i, n)] = space[i];
    }
    // I − F diag(1 − ε) is invertible unless some set of faces is a closed enclosure of
    // perfect reflectors (its spectral radius is then 1).
    let b = m
        .lu()
        .solve(&rhs)
        .filter(|b| b.iter().all(|x| x.is_finite()))
        .ok_or_else(|| {
            bad(
                "emissivities",
                "0 on faces that see only each other".into(),
                "a path from every reflector to an absorbing face or space",
            )
        })?;
    let mut exchange_m2 = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            // Reciprocal up to the factors' own reciprocity and round-off: keep the mean.
            let r = 0.5
                * (areas_m2[i] * emissivities[i] * b[(i, j)]
                    + areas_m2[j] * emissivities[j] * b[(j, i)]);
            exchange_m2[i * n + j] = r;
            exchange_m2[j * n + i] = r;
        }
    }
    let to_space_m2 = (0..n)
        .map(|i| areas_m2[i] * emissivities[i] * b[(i, n)])
        .collect();
    let mut gebhart = vec![0.0; n * (n + 1)];
    for i in 0..n {
        for j in 0..=n {
            gebhart[i * (n + 1) + j] = b[(i, j)];
        }
    }
    Ok(RadiativeExchange {
        n,
        exchange_m2,
        to_space_m2,
        gebhart,
    })
}

impl RadiativeExchange {
    /// Number of faces.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no faces (never: the constructor refuses them).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// `R_ij` (m²) between faces.
    pub fn exchange_m2(&self, i: usize, j: usize) -> f64 {
        self.exchange_m2[i * self.n + j]
    }

    /// `R_i,space` (m²).
    pub fn to_space_m2(&self, i: usize) -> f64 {
        self.to_space_m2[i]
    }

    /// Gebhart factor `B_ij`; `j = len()` is space.
    pub fn gebhart(&self, i: usize, j: usize) -> f64 {
        self.gebhart[i * (self.n + 1) + j]
    }

    /// The radiative conductors `(i, j, R_ij)` for `i < j` with `R_ij > 0`; `j = len()` is
    /// space. Each stands for `σ R_ij (T_j⁴ − T_i⁴)` into `i` (and its negative into `j`),
    /// the form of the thermal network's radiative conductor.
    pub fn conductors(&self) -> Vec<(usize, usize, f64)> {
        let n = self.n;
        let mut out = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let r = self.exchange_m2(i, j);
                if r > 0.0 {
                    out.push((i, j, r));
                }
            }
            if self.to_space_m2[i] > 0.0 {
                out.push((i, n, self.to_space_m2[i]));
            }
        }
        out
    }

    /// Net heat into each face (W) at temperatures `temperatures_k`, space at
    /// `space_k`: `σ Σ_j R_ij (T_j⁴ − T_i⁴) + σ R_i,space (T_space⁴ − T_i⁴)`.
    pub fn net_heat_w(&self, temperatures_k: &[f64], space_k: f64) -> Vec<f64> {
        use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
        let n = self.n;
        let t4: Vec<f64> = temperatures_k.iter().map(|t| t.powi(4)).collect();
        (0..n)
            .map(|i| {
                let faces: f64 = (0..n)
                    .map(|j| self.exchange_m2(i, j) * (t4[j] - t4[i]))
                    .sum();
                SIGMA * (faces + self.to_space_m2[i] * (space_k.powi(4) - t4[i]))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;

    #[test]
    fn val_infinite_parallel_plates() {
        // F12 = F21 = 1: R = A / (1/ε1 + 1/ε2 − 1) (Incropera eq. 13.24, Table 13.3).
        for (e1, e2) in [(0.9, 0.9), (0.1, 0.8), (1.0, 0.05), (0.3, 0.3)] {
            let x =
                grey_diffuse_exchange(&[0.0, 1.0, 1.0, 0.0], &[0.0, 0.0], &[2.0, 2.0], &[e1, e2])
                    .unwrap();
            let exact = 2.0 / (1.0 / e1 + 1.0 / e2 - 1.0);
            assert!((x.exchange_m2(0, 1) - exact).abs() < 1e-13 * exact);
            assert_eq!(x.to_space_m2(0), 0.0);
        }
    }

    /// Three faces of unequal areas with reciprocal factors and space.
    fn three_faces() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let a = vec![1.0, 2.0, 0.5];
        // Exchange areas A_i F_ij, symmetric.
        let s = [[0.0, 0.3, 0.1], [0.3, 0.0, 0.2], [0.1, 0.2, 0.0]];
        let mut f = vec![0.0; 9];
        let mut space = vec![0.0; 3];
        for i in 0..3 {
            for j in 0..3 {
                f[i * 3 + j] = s[i][j] / a[i];
            }
            space[i] = 1.0 - f[i * 3..i * 3 + 3].iter().sum::<f64>();
        }
        (f, space, a, vec![0.8, 0.3, 0.6])
    }

    #[test]
    fn gebhart_rows_close_and_conductances_are_reciprocal() {
        let (f, space, a, e) = three_faces();
        let x = grey_diffuse_exchange(&f, &space, &a, &e).unwrap();
        for i in 0..3 {
            let sum: f64 = (0..=3).map(|j| x.gebhart(i, j)).sum();
            assert!((sum - 1.0).abs() < 1e-14, "row {i}: {sum}");
            for j in 0..3 {
                let rij = a[i] * e[i] * x.gebhart(i, j);
                let rji = a[j] * e[j] * x.gebhart(j, i);
                assert!((rij - rji).abs() < 1e-14);
            }
        }
        assert_eq!(x.conductors().len(), 6);
    }

    #[test]
    fn energy_is_conserved() {
        let (f, space, a, e) = three_faces();
        let x = grey_diffuse_exchange(&f, &space, &a, &e).unwrap();
        let t = [350.0, 280.0, 410.0];
        let t_space = 3.0;
        let q = x.net_heat_w(&t, t_space);
        let into_space: f64 = (0..3)
            .map(|i| SIGMA * x.to_space_m2(i) * (t[i].powi(4) - t_space.powi(4)))
            .sum();
        let total: f64 = q.iter().sum::<f64>() + into_space;
        assert!(total.abs() < 1e-12 * into_space, "{total}");
        // Isothermal faces with a sink at the same temperature: nothing flows.
        let q = x.net_heat_w(&[300.0; 3], 300.0);
        assert!(q.iter().all(|v| v.abs() < 1e-10));
    }

    #[test]
    fn bad_arrays_are_refused() {
        let (f, space, a, e) = three_faces();
        assert!(grey_diffuse_exchange(&f, &space, &a, &[0.5, 1.5, 0.5]).is_err());
        assert!(grey_diffuse_exchange(&f, &space, &[1.0, 0.0, 1.0], &e).is_err());
        assert!(grey_diffuse_exchange(&f[..8], &space, &a, &e).is_err());
        let over = vec![0.0, 0.9, 0.9, 0.0];
        assert!(grey_diffuse_exchange(&over, &[0.2, 0.0], &[1.0, 1.0], &[1.0, 1.0]).is_err());
        // A closed pair of perfect reflectors has no absorber.
        let closed = vec![0.0, 1.0, 1.0, 0.0];
        assert!(grey_diffuse_exchange(&closed, &[0.0, 0.0], &[1.0, 1.0], &[0.0, 0.0]).is_err());
    }
}
