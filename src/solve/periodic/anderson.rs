//! Anderson mixing of the period map's iterates (type II, Walker & Ni 2011;
//! see the parent module's documentation) and its least-squares problem.

use std::collections::VecDeque;

use super::ANDERSON_MAX_CONDITION;

/// Anderson mixing (type II) of the iterates' residuals `f = g − x` and images `g`.
pub(super) struct Anderson {
    depth: usize,
    /// The previous iterate's `(f, g)`.
    last: Option<(Vec<f64>, Vec<f64>)>,
    /// `Δf` and `Δg` of the last `depth` iterates, oldest first.
    df: VecDeque<Vec<f64>>,
    dg: VecDeque<Vec<f64>>,
}

impl Anderson {
    pub(super) fn new(depth: usize) -> Self {
        Self {
            depth,
            last: None,
            df: VecDeque::new(),
            dg: VecDeque::new(),
        }
    }

    /// Forgets the history (the next call starts afresh).
    pub(super) fn clear(&mut self) {
        self.last = None;
        self.df.clear();
        self.dg.clear();
    }

    /// Records the iterate `(f, g)` and returns the mixed next start, or
    /// `None` when there is no history yet (or every column was dropped, or
    /// the mixed state has a non-positive or non-finite temperature): the
    /// plain image `g` is then the next start.
    pub(super) fn next(&mut self, f: &[f64], g: &[f64], rows: &[bool]) -> Option<Vec<f64>> {
        if let Some((f_prev, g_prev)) = self.last.take() {
            self.df.push_back(difference(f, &f_prev));
            self.dg.push_back(difference(g, &g_prev));
            if self.df.len() > self.depth {
                self.df.pop_front();
                self.dg.pop_front();
            }
        }
        self.last = Some((f.to_vec(), g.to_vec()));
        let gamma = loop {
            if self.df.is_empty() {
                return None;
            }
            match least_squares(&self.df, f) {
                Some(gamma) => break gamma,
                None => {
                    self.df.pop_front();
                    self.dg.pop_front();
                }
            }
        };
        let mut x = g.to_vec();
        for (c, dg) in gamma.iter().zip(&self.dg) {
            for ((xi, d), &s) in x.iter_mut().zip(dg).zip(rows) {
                if s {
                    *xi -= c * d;
                }
            }
        }
        x.iter().all(|v| v.is_finite() && *v > 0.0).then_some(x)
    }
}

fn difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// `Σ a_i b_i`, serially in index order (the same bits on any thread count).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `γ = argmin ‖f − Σ_j γ_j a_j‖₂` by modified Gram–Schmidt QR of the columns
/// `a_j`; `None` when the factor's diagonal spans more than
/// [`ANDERSON_MAX_CONDITION`] (or a column vanishes).
pub(super) fn least_squares(columns: &VecDeque<Vec<f64>>, f: &[f64]) -> Option<Vec<f64>> {
    let m = columns.len();
    let mut q: Vec<Vec<f64>> = columns.iter().cloned().collect();
    let mut r = vec![vec![0.0; m]; m];
    for j in 0..m {
        for i in 0..j {
            let rij = dot(&q[i], &q[j]);
            r[i][j] = rij;
            let (head, tail) = q.split_at_mut(j);
            for (v, w) in tail[0].iter_mut().zip(&head[i]) {
                *v -= rij * w;
            }
        }
        let norm = dot(&q[j], &q[j]).sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        r[j][j] = norm;
        q[j].iter_mut().for_each(|v| *v /= norm);
    }
    let diag = (0..m).map(|j| r[j][j]);
    let (lo, hi) = diag.fold((f64::INFINITY, 0.0_f64), |(lo, hi), d| {
        (lo.min(d), hi.max(d))
    });
    if hi > ANDERSON_MAX_CONDITION * lo {
        return None;
    }
    // R γ = Qᵀ f, back substitution.
    let qtf: Vec<f64> = q.iter().map(|qj| dot(qj, f)).collect();
    let mut gamma = vec![0.0; m];
    for j in (0..m).rev() {
        let s: f64 = (j + 1..m).map(|k| r[j][k] * gamma[k]).sum();
        gamma[j] = (qtf[j] - s) / r[j][j];
    }
    Some(gamma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_combination_and_rejects_collinear_columns() {
        let a = vec![1.0, 0.0, 2.0, -1.0];
        let b = vec![0.5, 1.0, -1.0, 3.0];
        let f: Vec<f64> = a.iter().zip(&b).map(|(x, y)| 2.0 * x - 0.25 * y).collect();
        let cols: VecDeque<Vec<f64>> = [a.clone(), b].into_iter().collect();
        let g = least_squares(&cols, &f).unwrap();
        assert!(
            (g[0] - 2.0).abs() < 1e-14 && (g[1] + 0.25).abs() < 1e-14,
            "{g:?}"
        );
        let twin: Vec<f64> = a.iter().map(|v| v * (1.0 + 1e-12)).collect();
        let cols: VecDeque<Vec<f64>> = [a, twin].into_iter().collect();
        assert!(least_squares(&cols, &f).is_none());
    }
}
