//! The rows of a panel's interior (five-point stencil runs): the same terms,
//! in the same order, as the general row kernel, with the neighbours read at
//! fixed offsets `−nx, −1, 0, +1, +nx` instead of by column index.

use super::rows::{boundary_heat, jacobian_row, stored_heat, IntoBoundary};
use super::BoundaryTerm;
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::network::assembly::{ADVECTED_BIT, RADIATIVE_BIT};

/// The boundary term of row `o` of a [`StencilRun`] whose rows each have one
/// term with code `code`: the term of that code with the value `bnd[o]`
/// (`bnd` starting at the run's first row), so the code is not read per row.
#[inline(always)]
pub(super) fn one_term(
    code: u32,
    bnd: &[BoundaryTerm],
) -> impl Fn(usize) -> [BoundaryTerm; 1] + '_ {
    move |o| {
        [BoundaryTerm {
            code,
            value: bnd[o].value,
        }]
    }
}

/// The Jacobian rows of a [`StencilRun`]: [`jacobian_row`] of each row's five
/// stored entries (`lin`, and `rad` when not empty, five per row, filling `v`
/// five by five; the diagonal third) at the temperatures `near(o)` (`o`
/// counted from the first row), with the row's boundary terms `terms(o)`.
#[inline(always)]
pub(super) fn stencil_jacobian<T: IntoIterator<Item = BoundaryTerm>>(
    v: &mut [f64],
    near: impl Fn(usize) -> [f64; 5],
    lin: &[f64],
    rad: &[f64],
    terms: impl Fn(usize) -> T,
) {
    let rows = v.chunks_exact_mut(5).zip(lin.chunks_exact(5));
    for (o, (v, g)) in rows.enumerate() {
        let near = near(o);
        let xi = near[2];
        jacobian_row(v, g, five_of(rad, o), near.into_iter(), xi, terms(o), 2);
    }
}

/// The temperatures `[T_{i−nx}, T_{i−1}, T_i, T_{i+1}, T_{i+nx}]` of row
/// `i = rows.start + o` of a [`StencilRun`] of row width `nx`, as a function
/// of `o`: the row's stored entries' columns, in order.
#[inline(always)]
pub(super) fn stencil_near(
    x: &[f64],
    rows: std::ops::Range<usize>,
    nx: usize,
) -> impl Fn(usize) -> [f64; 5] + '_ {
    let [south, west, centre, east, north] = stencil_columns(x, rows, nx);
    move |o| [south[o], west[o], centre[o], east[o], north[o]]
}

/// The slices of `x` that [`stencil_near`] reads, one per stored entry of
/// rows `rows`: `x[i − nx]`, `x[i − 1]`, `x[i]`, `x[i + 1]`, `x[i + nx]` for
/// `i` in `rows`.
#[inline(always)]
pub(super) fn stencil_columns(x: &[f64], rows: std::ops::Range<usize>, nx: usize) -> [&[f64]; 5] {
    let (a, b) = (rows.start, rows.end);
    [
        &x[a - nx..b - nx],
        &x[a - 1..b - 1],
        &x[a..b],
        &x[a + 1..b + 1],
        &x[a + nx..b + nx],
    ]
}

/// The row's five radiative exchange factors from `rad` (five per row, or
/// empty when no radiation joins two unknowns).
#[inline(always)]
pub(super) fn five_of(rad: &[f64], o: usize) -> &[f64] {
    if rad.is_empty() {
        rad
    } else {
        &rad[5 * o..5 * o + 5]
    }
}

/// The residual rows of a [`StencilRun`], added to `r`: [`stored_heat`] of
/// each row's five stored entries (`lin`, and `rad` when not empty, five per
/// row) with the temperatures `near(o)` (`o` counted from the first row), then
/// [`boundary_heat`] of the row's boundary terms `terms(o)` with the boundary
/// temperatures and their fourth powers `sinks`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn stencil_balance<const FLOWS: bool, T: IntoIterator<Item = BoundaryTerm>>(
    near: impl Fn(usize) -> [f64; 5],
    lin: &[f64],
    rad: &[f64],
    terms: impl Fn(usize) -> T,
    sinks: (&[f64], &[f64]),
    r: &mut [f64],
    into: &mut IntoBoundary,
) {
    // A copy of the loop without radiative entries, with no test per row.
    if rad.is_empty() {
        stencil_balance_rows::<FLOWS, T>(near, lin, &[], terms, sinks, r, into)
    } else {
        stencil_balance_rows::<FLOWS, T>(near, lin, rad, terms, sinks, r, into)
    }
}

/// The loop of [`stencil_balance`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn stencil_balance_rows<const FLOWS: bool, T: IntoIterator<Item = BoundaryTerm>>(
    near: impl Fn(usize) -> [f64; 5],
    lin: &[f64],
    rad: &[f64],
    terms: impl Fn(usize) -> T,
    sinks: (&[f64], &[f64]),
    r: &mut [f64],
    into: &mut IntoBoundary,
) {
    for ((o, g), r) in lin.chunks_exact(5).enumerate().zip(r) {
        let near = near(o);
        let xi = near[2];
        let s = stored_heat(near.into_iter(), g, five_of(rad, o), xi);
        *r += boundary_heat::<FLOWS>(terms(o), xi, sinks, s, into);
    }
}

/// [`stencil_balance`] of a run without radiative entries whose rows each
/// have one boundary term of code `code` (the panel cell and its sink), with
/// values `terms` (one per row): the same operations in the same order, with
/// the term's kind and boundary read once for the run instead of per row, and
/// its heat into the boundary summed in a register.
#[inline(always)]
pub(super) fn one_term_stencil_balance<const FLOWS: bool>(
    near: [&[f64]; 5],
    lin: &[f64],
    code: u32,
    terms: &[BoundaryTerm],
    (tb, tb4): (&[f64], &[f64]),
    r: &mut [f64],
    into: &mut IntoBoundary,
) {
    let b = BoundaryTerm { code, value: 0.0 }.index();
    let counted = FLOWS && code & ADVECTED_BIT == 0;
    let mut acc = if counted { *into.running(b) } else { 0.0 };
    if code & RADIATIVE_BIT != 0 {
        let t4 = tb4[b];
        let q = |v: f64, xi: f64| SIGMA * v * (t4 - xi.powi(4));
        one_term_rows::<FLOWS>(near, lin, terms, q, r, &mut acc);
    } else {
        let t = tb[b];
        one_term_rows::<FLOWS>(near, lin, terms, |v, xi| v * (t - xi), r, &mut acc);
    }
    if counted {
        *into.running(b) = acc;
    }
}

/// The loop of [`one_term_stencil_balance`]: row `o` adds to `r[o]` its
/// [`stored_heat`] with the temperatures `near[m][o]` plus its term's heat
/// `q(value, T_i)`, which (with `FLOWS`) is subtracted from `acc` row by row.
/// Four rows at a time are read, formed and written as one block, which the
/// compiler vectorises; each row's terms keep their order.
#[inline(always)]
pub(super) fn one_term_rows<const FLOWS: bool>(
    near: [&[f64]; 5],
    lin: &[f64],
    terms: &[BoundaryTerm],
    q: impl Fn(f64, f64) -> f64,
    r: &mut [f64],
    acc: &mut f64,
) {
    let mut sum = *acc;
    let n = r.len();
    let whole = n - n % 4;
    let row = |t: [f64; 5], g: &[f64], value: f64, sum: &mut f64| {
        let qi = q(value, t[2]);
        if FLOWS {
            *sum -= qi;
        }
        stored_heat(t.into_iter(), g, &[], t[2]) + qi
    };
    let [s, w, c, e, nn] = near.map(|v| v[..whole].chunks_exact(4));
    let columns = s.zip(w).zip(c).zip(e).zip(nn);
    let groups = r[..whole]
        .chunks_exact_mut(4)
        .zip(lin[..5 * whole].chunks_exact(20));
    for (((r4, g20), t4), ((((s, w), c), e), nn)) in groups.zip(terms.chunks_exact(4)).zip(columns)
    {
        // Loops, not `array::from_fn` (left as a call in some builds).
        let mut heat = [0.0; 4];
        for (j, h) in heat.iter_mut().enumerate() {
            let t = [s[j], w[j], c[j], e[j], nn[j]];
            *h = row(t, &g20[5 * j..5 * j + 5], t4[j].value, &mut sum);
        }
        for (rj, hj) in r4.iter_mut().zip(heat) {
            *rj += hj;
        }
    }
    for o in whole..n {
        let t = near.map(|v| v[o]);
        r[o] += row(t, &lin[5 * o..5 * o + 5], terms[o].value, &mut sum);
    }
    *acc = sum;
}
