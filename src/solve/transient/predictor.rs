//! The integration history and the predictor: the accepted points kept
//! step to step, and the polynomial through them that starts each Newton solve.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Integration state carried from step to step.
pub(super) struct History {
    /// The previous point belongs to the current smooth segment.
    pub(super) valid: bool,
    /// Step that led to the current point (s).
    pub(super) h_prev: f64,
    /// State and `T'` at the previous point.
    pub(super) y_prev: Vec<f64>,
    pub(super) z_prev: Vec<f64>,
    /// Previous step's heat in / out quadrature (J), for the BDF2 recursion.
    pub(super) prev_q: (f64, f64),
    /// Points before the previous one, newest first (for the predictor only):
    /// `older_y[k]` and the step `older_h[k]` that led from it to the next newer point.
    pub(super) older_y: [Vec<f64>; PREDICTOR_POINTS - 2],
    pub(super) older_h: [f64; PREDICTOR_POINTS - 2],
    /// How many of `older_y` belong to the current segment.
    pub(super) older_valid: usize,
}

impl History {
    /// The previous point `(h, y, T')` when it is in the current segment.
    pub(super) fn prev(&self) -> Option<(f64, &[f64], &[f64])> {
        self.valid
            .then_some((self.h_prev, self.y_prev.as_slice(), self.z_prev.as_slice()))
    }

    /// Accepts a step `h` from the current point `y` (with `T'` = `z`): the
    /// current point becomes the previous one and the older points shift back.
    /// `y` and `z` are taken by exchanging buffers, not copied: on return they
    /// hold stale values, to be overwritten.
    pub(super) fn push(&mut self, h: f64, y: &mut Vec<f64>, z: &mut Vec<f64>) {
        self.older_y.rotate_right(1);
        self.older_h.rotate_right(1);
        if self.valid {
            std::mem::swap(&mut self.older_y[0], &mut self.y_prev);
            self.older_h[0] = self.h_prev;
            self.older_valid = (self.older_valid + 1).min(self.older_y.len());
        } else {
            self.older_valid = 0;
        }
        self.valid = true;
        self.h_prev = h;
        std::mem::swap(&mut self.y_prev, y);
        std::mem::swap(&mut self.z_prev, z);
    }

    /// Forgets every point (a new smooth segment starts).
    pub(super) fn restart(&mut self) {
        self.valid = false;
        self.older_valid = 0;
    }

    /// Writes into `x` the predictor for a step `h` from `(y, z)`: the polynomial
    /// through the current point and the earlier points of the segment (up to
    /// [`PREDICTOR_POINTS`]) evaluated at `t + h`, or `y + h z` at a segment
    /// start — or `y` itself where that is NaN or below `y/2`. Rows in
    /// parallel when long.
    pub(super) fn predict(&self, h: f64, y: &[f64], z: &[f64], x: &mut [f64]) {
        let Some((h1, y1, _)) = self.prev() else {
            par_fill(x, |i| guarded(y[i] + h * z[i], y[i]));
            return;
        };
        // Node times relative to the current point.
        let mut taus = [0.0; PREDICTOR_POINTS];
        taus[1] = -h1;
        for k in 0..self.older_valid {
            taus[k + 2] = taus[k + 1] - self.older_h[k];
        }
        let count = 2 + self.older_valid;
        let w = lagrange_weights(&taus[..count], h);
        let older = &self.older_y[..self.older_valid];
        // One pass per stored state over each chunk (slice loops that
        // vectorise), adding the terms in the order of `Σ_j ℓ_j y_j`.
        par_chunks(x, |first, part| {
            let n = part.len();
            let (y, y1) = (rows_of(y, first, n), rows_of(y1, first, n));
            for ((v, &a), &b) in part.iter_mut().zip(y).zip(y1) {
                *v = w[0] * a + w[1] * b;
            }
            for (yk, &wk) in older.iter().zip(&w[2..]) {
                for (v, &c) in part.iter_mut().zip(rows_of(yk, first, n)) {
                    *v += wk * c;
                }
            }
            for (v, &a) in part.iter_mut().zip(y) {
                *v = guarded(*v, a);
            }
        });
    }
}

/// A predicted temperature `v`, or the current one `y` where `v` is NaN or
/// below `y/2` (an extrapolation that overshoots is no first guess).
pub(super) fn guarded(v: f64, y: f64) -> f64 {
    if v.is_nan() || v < 0.5 * y {
        y
    } else {
        v
    }
}

/// Points of the predictor polynomial (6: quintic). The BDF2 solution of a
/// smooth problem is a smooth sequence, so extrapolating more of it starts
/// Newton closer: on the 256² orbit case the first Newton residual fell from
/// ~1e-4 of the heat flowing (quadratic) to ~1e-6 (cubic) and ~1e-7 (quintic),
/// where one simplified-Newton iteration with a kept factor (contraction
/// ≈ 1e-3, the drift of the radiative `4σεA T³` terms) meets the 1e-10
/// tolerance: 1.57 → 1.11 Newton iterations per step, 1.74 → 1.23 solves
/// (`speed_orbit_auto_only` in tests/transient_speed.rs; 5 points: 1.23, 7:
/// 1.10, 8: 1.14). Each point costs one stored state.
pub(super) const PREDICTOR_POINTS: usize = 6;

/// Lagrange weights `ℓ_j(τ) = Π_{k≠j} (τ − τ_k)/(τ_j − τ_k)` of the interpolating
/// polynomial through the nodes `taus` (distinct, at most [`PREDICTOR_POINTS`]),
/// evaluated at `tau`: `p(τ) = Σ_j ℓ_j(τ) y_j`.
pub(super) fn lagrange_weights(taus: &[f64], tau: f64) -> [f64; PREDICTOR_POINTS] {
    let mut w = [0.0; PREDICTOR_POINTS];
    for (j, &tj) in taus.iter().enumerate() {
        w[j] = taus
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != j)
            .map(|(_, &tk)| (tau - tk) / (tj - tk))
            .product();
    }
    w
}
