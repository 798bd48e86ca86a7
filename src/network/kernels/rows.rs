//! One row of the balance at a time, by column index: the general kernel of
//! every row that is not a five-point stencil row, and the pieces the stencil
//! rows share (boundary terms, source loads).

use super::{BoundaryTerm, SourceLoad};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::network::assembly::ADVECTED_BIT;

/// Heat into an unknown at `xi` over its stored entries (W): `Σ_j G_ij (T_j − T_i)`
/// in entry order, then `σ Σ_j R_ij (T_j⁴ − T_i⁴)` when `rad` (the row's
/// exchange factors) is not empty; `near` gives `T_j` of each entry.
#[inline(always)]
pub(super) fn stored_heat(
    near: impl Iterator<Item = f64> + Clone,
    lin: &[f64],
    rad: &[f64],
    xi: f64,
) -> f64 {
    let mut s = 0.0;
    for (xj, &g) in near.clone().zip(lin) {
        s += g * (xj - xi);
    }
    if !rad.is_empty() {
        let xi4 = xi.powi(4);
        let mut sr = 0.0;
        for (xj, &rv) in near.zip(rad) {
            sr += rv * (xj.powi(4) - xi4);
        }
        s += SIGMA * sr;
    }
    s
}

/// Row `v` of `K = −∂F/∂T` at `xi` (W/K): `−G_ij − 4σ R_ij T_j³` off the
/// diagonal (`lin`, `rad` and the neighbours' temperatures `near` per stored
/// entry; no radiative part when `rad` is empty), and at `v[diag]` the sum
/// `Σ G_ij + 4σ (Σ R_ij) T_i³` plus each boundary term's `g` or `4σ r T_i³`.
#[inline(always)]
pub(super) fn jacobian_row(
    v: &mut [f64],
    lin: &[f64],
    rad: &[f64],
    near: impl Iterator<Item = f64>,
    xi: f64,
    terms: impl IntoIterator<Item = BoundaryTerm>,
    diag: usize,
) {
    let mut d = 0.0;
    for (vp, &g) in v.iter_mut().zip(lin) {
        *vp = -g;
        d += g;
    }
    if !rad.is_empty() {
        let mut dr = 0.0;
        for ((vp, &rv), c) in v.iter_mut().zip(rad).zip(near) {
            *vp -= 4.0 * SIGMA * rv * c * c * c;
            dr += rv;
        }
        d += 4.0 * SIGMA * dr * xi * xi * xi;
    }
    for e in terms {
        d += e.conductance(xi);
    }
    v[diag] = d;
}

/// Heat into boundary nodes, summed in a fixed order (W): the running sum of
/// the boundary met last is kept in a register and written back when another
/// boundary comes or at [`Self::finish`] — the same operations on each sum, in
/// the same order, as subtracting into the slice term by term, without the
/// store-to-load round trip per term.
pub(super) struct IntoBoundary<'a> {
    pub(super) into: &'a mut [f64],
    /// The boundary whose sum is `acc` (none while `into.len()`).
    pub(super) b: usize,
    pub(super) acc: f64,
}

impl<'a> IntoBoundary<'a> {
    pub(super) fn new(into: &'a mut [f64]) -> Self {
        let b = into.len();
        Self { into, b, acc: 0.0 }
    }

    /// `into[b] −= q`.
    #[inline(always)]
    pub(super) fn sub(&mut self, b: usize, q: f64) {
        *self.running(b) -= q;
    }

    /// The running sum of boundary `b` (switching to it first).
    #[inline(always)]
    pub(super) fn running(&mut self, b: usize) -> &mut f64 {
        if b != self.b {
            self.finish();
            self.b = b;
            self.acc = self.into[b];
        }
        &mut self.acc
    }

    /// Writes the running sum back.
    #[inline(always)]
    pub(super) fn finish(&mut self) {
        if let Some(v) = self.into.get_mut(self.b) {
            *v = self.acc;
        }
    }
}

/// The power of load `l` (W), `w × p_source`; with `FLOWS` added to
/// `in_out.0` when positive or subtracted from `in_out.1` when negative.
#[inline(always)]
pub(super) fn load_power<const FLOWS: bool>(
    l: &SourceLoad,
    powers: &[f64],
    in_out: &mut (f64, f64),
) -> f64 {
    let power = { l.weight } * powers[l.source as usize];
    if FLOWS {
        if power >= 0.0 {
            in_out.0 += power;
        } else {
            in_out.1 -= power;
        }
    }
    power
}

/// `s` plus the heat from the boundary `terms` of an unknown at `xi` (W), in
/// order, with the boundary temperatures and their fourth powers `(tb, tb4)`;
/// with `FLOWS`, each term's heat into its boundary (except fluid advected in
/// from it) is subtracted from `into`.
#[inline(always)]
pub(super) fn boundary_heat<const FLOWS: bool>(
    terms: impl IntoIterator<Item = BoundaryTerm>,
    xi: f64,
    (tb, tb4): (&[f64], &[f64]),
    mut s: f64,
    into: &mut IntoBoundary,
) -> f64 {
    for e in terms {
        let q = e.heat_in(xi, tb, tb4);
        s += q;
        if FLOWS && e.code & ADVECTED_BIT == 0 {
            into.sub(e.index(), q);
        }
    }
    s
}
