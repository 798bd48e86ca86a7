//! The fast kernels of the network's balance: the residual, the Jacobian and
//! the heat flows of an [`AssembledNetwork`], in the compiled form that the
//! solvers call thousands of times.
//!
//! They compute the equation of [`super::reference`] — conduction, radiation,
//! advection, sources, boundaries — with the terms regrouped for speed: the
//! conductances and advective capacity rates between two unknowns are the
//! pattern's values (per stored entry, advection `ṁc_p` from column `j` into
//! row `i` beside the linear `G_ij`), the terms with boundary nodes (linear,
//! radiative, and fluid advected in from a boundary) are packed per row
//! ([`BoundaryTerm`]), source loads are grouped per row in source order
//! ([`SourceRows`]), and the rows of a panel's interior read their five
//! neighbours at fixed offsets (`stencil`). Rows are summed in fixed chunks
//! (`crate::linalg::parallel`), so the bits never depend on the thread count.
//!
//! Tests (`tests.rs`): the stencil paths have the bits of the plain row-by-row
//! loop (the same order of sums); the whole kernel agrees with the reference
//! equation to round-off (`reference.rs`, bound stated there); the Jacobian
//! matches central differences.

mod rows;
mod stencil;
#[cfg(test)]
mod tests;

use rayon::prelude::*;

use super::assembly::{lookup, ADVECTED_BIT, BOUNDARY_BIT, RADIATIVE_BIT};
use super::{AssembledNetwork, HeatFlows, HeatSource, NodeId};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::linalg::parallel::{PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::CsrMatrix;
use rows::{boundary_heat, jacobian_row, load_power, stored_heat, IntoBoundary};
use stencil::{
    one_term, one_term_stencil_balance, stencil_balance, stencil_columns, stencil_jacobian,
    stencil_near,
};

/// A term of an unknown's balance that involves one boundary node: linear
/// (or advective) `v (T_b − T_i)`, or radiative `σ v (T_b⁴ − T_i⁴)`.
///
/// 12 bytes (packed to 4-byte alignment): a panel cell radiating to space has
/// one, so at 1 M cells the terms take 12 MB instead of the 24 MB of a
/// `(boundary, g, r)` triple padded to 8 bytes.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
pub(super) struct BoundaryTerm {
    /// Boundary index, with [`RADIATIVE_BIT`] for a radiative term and
    /// [`ADVECTED_BIT`] for advection from the boundary.
    pub(super) code: u32,
    /// Conductance or advective capacity rate (W/K), or radiative exchange factor (m²).
    pub(super) value: f64,
}

impl BoundaryTerm {
    /// The term of conductance `g` (or capacity rate) and exchange factor `r`
    /// (one of them zero) with boundary `boundary`.
    pub(super) fn new(boundary: u32, g: f64, r: f64) -> Self {
        if r != 0.0 {
            Self {
                code: boundary | RADIATIVE_BIT,
                value: r,
            }
        } else {
            Self {
                code: boundary,
                value: g,
            }
        }
    }

    /// Boundary index.
    #[inline(always)]
    pub(super) fn index(&self) -> usize {
        (self.code & !(ADVECTED_BIT | RADIATIVE_BIT)) as usize
    }

    /// Heat into the unknown at temperature `xi` (W), boundary temperatures
    /// `tb` and their fourth powers `tb4`.
    #[inline(always)]
    pub(super) fn heat_in(&self, xi: f64, tb: &[f64], tb4: &[f64]) -> f64 {
        let (b, v) = (self.index(), self.value);
        if self.code & RADIATIVE_BIT != 0 {
            SIGMA * v * (tb4[b] - xi.powi(4))
        } else {
            v * (tb[b] - xi)
        }
    }

    /// `−∂(heat in)/∂T_i` at `xi` (W/K): `v`, or `4σ v T_i³`.
    #[inline(always)]
    pub(super) fn conductance(&self, xi: f64) -> f64 {
        if self.code & RADIATIVE_BIT != 0 {
            4.0 * SIGMA * self.value * xi * xi * xi
        } else {
            self.value
        }
    }
}

/// A conductor between two boundary nodes: `g (T_b − T_a) + σ r (T_b⁴ − T_a⁴)`
/// flows from boundary `b` into boundary `a` (it only enters the energy balance).
#[derive(Debug, Clone, Copy)]
pub(super) struct BoundaryPair {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) g: f64,
    pub(super) r: f64,
}

/// A source load on an unknown: the unknown receives `weight × p_source(t)` W.
///
/// 12 bytes (packed to 4-byte alignment), as [`BoundaryTerm`].
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
pub(super) struct SourceLoad {
    /// Index of the source in [`AssembledNetwork::sources`].
    pub(super) source: u32,
    /// Weight of the load (m², m³ or 1, as the source's profile needs).
    pub(super) weight: f64,
}

/// Source loads grouped by unknown: the unknowns with loads (increasing),
/// and for each its loads in the order they were added (by source, then as
/// listed in the source). Memory in proportion to the loads, not the unknowns.
#[derive(Debug, Clone, Default)]
pub(super) struct SourceRows {
    /// Unknowns with at least one load, increasing.
    pub(super) rows: Vec<u32>,
    /// Loads of `rows[k]`: `loads[ptr[k]..ptr[k + 1]]` (`rows.len() + 1` entries).
    pub(super) ptr: Vec<u32>,
    pub(super) loads: Vec<SourceLoad>,
    /// Runs of entries with one load each on consecutive unknowns, increasing.
    pub(super) single_runs: Vec<SingleLoadRun>,
}

/// Entries `k..k + len` of [`SourceRows`] whose unknowns are consecutive and
/// which have one load each, the loads `loads[ptr[k]..ptr[k] + len]` in row
/// order (a source spread over a panel's cells): their sources' power is
/// summed by one tight loop, without the per-row offsets.
#[derive(Debug, Clone, Copy)]
pub(super) struct SingleLoadRun {
    pub(super) k: u32,
    pub(super) len: u32,
}

impl SingleLoadRun {
    /// One past the run's last entry.
    pub(super) fn end(&self) -> usize {
        (self.k + self.len) as usize
    }
}

/// Runs of at least [`MIN_SINGLE_LOAD_RUN`] entries of `rows` (increasing
/// unknowns, loads `ptr[k]..ptr[k + 1]` per entry) that are consecutive
/// unknowns with one load each.
pub(super) fn single_load_runs(rows: &[u32], ptr: &[u32]) -> Vec<SingleLoadRun> {
    pub(super) const MIN_SINGLE_LOAD_RUN: u32 = 8;
    let mut runs: Vec<SingleLoadRun> = Vec::new();
    let mut current: Option<SingleLoadRun> = None;
    for k in 0..rows.len() {
        let single = ptr[k + 1] - ptr[k] == 1;
        current = match current {
            Some(mut run) if single && rows[k] == rows[k - 1] + 1 => {
                run.len += 1;
                Some(run)
            }
            _ => {
                runs.extend(current.filter(|run| run.len >= MIN_SINGLE_LOAD_RUN));
                single.then_some(SingleLoadRun {
                    k: k as u32,
                    len: 1,
                })
            }
        };
    }
    runs.extend(current.filter(|run| run.len >= MIN_SINGLE_LOAD_RUN));
    runs
}

impl SourceRows {
    /// The loads of `sources` on unknowns (`unknown` maps a node to its
    /// unknown, `None` for a boundary), grouped by unknown with a stable sort
    /// (so each unknown keeps its loads' order; sources spread over cells in
    /// order are runs that the sort merges). `None` when the loads or sources
    /// overflow `u32`.
    pub(super) fn new(
        sources: &[HeatSource],
        unknown: impl Fn(NodeId) -> Option<usize>,
    ) -> Option<Self> {
        let mut all: Vec<(u32, SourceLoad)> = Vec::new();
        for (k, s) in sources.iter().enumerate() {
            let source = u32::try_from(k).ok()?;
            for &(node, weight) in &s.loads {
                if let Some(u) = unknown(node) {
                    all.push((u32::try_from(u).ok()?, SourceLoad { source, weight }));
                }
            }
        }
        u32::try_from(all.len()).ok()?;
        all.sort_by_key(|e| e.0);
        let mut rows = Vec::new();
        let mut ptr = vec![0u32];
        for (k, (u, _)) in all.iter().enumerate() {
            if rows.last() != Some(u) {
                if k > 0 {
                    ptr.push(k as u32);
                }
                rows.push(*u);
            }
        }
        ptr.push(all.len() as u32);
        if rows.is_empty() {
            ptr.clear();
        }
        let loads = all.into_iter().map(|e| e.1).collect();
        let single_runs = single_load_runs(&rows, &ptr);
        Some(Self {
            rows,
            ptr,
            loads,
            single_runs,
        })
    }

    /// Cuts the entries of `rows` that fall in the unknowns `unknowns` into
    /// consecutive ranges of entry indices, in order: `visit(ks, true)` for
    /// part of a [`SingleLoadRun`], `visit(ks, false)` for the others.
    #[inline]
    pub(super) fn for_each_part(
        &self,
        unknowns: std::ops::Range<usize>,
        mut visit: impl FnMut(std::ops::Range<usize>, bool),
    ) {
        let from = self
            .rows
            .partition_point(|&u| (u as usize) < unknowns.start);
        let to = self.rows.partition_point(|&u| (u as usize) < unknowns.end);
        let mut at = from;
        let first = self.single_runs.partition_point(|run| run.end() <= from);
        for run in &self.single_runs[first..] {
            let (start, end) = ((run.k as usize).max(at), run.end().min(to));
            if start >= to {
                break;
            }
            if at < start {
                visit(at..start, false);
            }
            visit(start..end, true);
            at = end;
        }
        if at < to {
            visit(at..to, false);
        }
    }

    /// The rows with loads among `rows`, as `(row, loads)`, increasing.
    #[inline]
    pub(super) fn within(
        &self,
        rows: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (usize, &[SourceLoad])> + '_ {
        let from = self.rows.partition_point(|&u| (u as usize) < rows.start);
        let to = self.rows.partition_point(|&u| (u as usize) < rows.end);
        (from..to).map(move |k| {
            let loads = &self.loads[self.ptr[k] as usize..self.ptr[k + 1] as usize];
            (self.rows[k] as usize, loads)
        })
    }
}

/// Above this many boundary nodes the heat flows are summed serially (each
/// parallel chunk would carry a vector of all boundaries).
pub(super) const MAX_PARALLEL_BOUNDARIES: usize = 256;

/// A run of consecutive rows `start..end` of one grid block (row width `nx`)
/// whose stored entries are exactly the five-point stencil: columns
/// `i − nx, i − 1, i, i + 1, i + nx`, in that (column) order. Their residual
/// reads the neighbours at these fixed offsets instead of gathering by column
/// index; the conductances still come from the pattern's values, in order.
///
/// When every row of the run has exactly one boundary term, and with the same
/// code (the panel cell radiating to its sink), `term` is that code: the terms
/// are then read as one value per row, without the per-row term offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StencilRun {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) nx: usize,
    pub(super) term: Option<u32>,
}

impl AssembledNetwork {
    /// Source power into each unknown at `t_s` (W), added to `q`: each
    /// unknown's loads in turn, in source order.
    pub fn add_sources(&self, t_s: f64, q: &mut [f64]) {
        let powers = self.source_powers(t_s);
        for (u, loads) in self.source_rows.within(0..q.len()) {
            for l in loads {
                q[u] += { l.weight } * powers[l.source as usize];
            }
        }
    }

    /// Each source's profile at `t_s` (W per unit weight), in source order.
    fn source_powers(&self, t_s: f64) -> Vec<f64> {
        self.sources
            .iter()
            .map(|s| s.profile.value_at(t_s))
            .collect()
    }

    /// The source power of rows `rows` (W), `q_i = Σ_k w_k p_k` over row
    /// `i`'s loads in source order, from zero: with `RESIDUAL` written to
    /// `r[i − rows.start]` (the row's residual starts from it); with `FLOWS`
    /// each load's power added, in the same order, to `in_out.0` when
    /// positive or subtracted from `in_out.1` when negative.
    #[inline]
    fn source_rows<const RESIDUAL: bool, const FLOWS: bool>(
        &self,
        rows: std::ops::Range<usize>,
        powers: &[f64],
        r: &mut [f64],
        in_out: &mut (f64, f64),
    ) {
        let first = rows.start;
        let sr = &self.source_rows;
        // Rows before `filled` are written; those without loads get zero.
        let mut filled = 0;
        sr.for_each_part(rows, |ks, single| {
            if single {
                let (row, p) = (
                    sr.rows[ks.start] as usize - first,
                    sr.ptr[ks.start] as usize,
                );
                let loads = &sr.loads[p..p + ks.len()];
                if RESIDUAL {
                    r[filled..row].fill(0.0);
                    for (q, l) in r[row..row + ks.len()].iter_mut().zip(loads) {
                        *q = 0.0 + load_power::<FLOWS>(l, powers, in_out);
                    }
                    filled = row + ks.len();
                } else {
                    for l in loads {
                        load_power::<FLOWS>(l, powers, in_out);
                    }
                }
                return;
            }
            for k in ks {
                let loads = &sr.loads[sr.ptr[k] as usize..sr.ptr[k + 1] as usize];
                let mut q = 0.0;
                for l in loads {
                    q += load_power::<FLOWS>(l, powers, in_out);
                }
                if RESIDUAL {
                    let row = sr.rows[k] as usize - first;
                    r[filled..row].fill(0.0);
                    r[row] = q;
                    filled = row + 1;
                }
            }
        });
        if RESIDUAL {
            r[filled..].fill(0.0);
        }
    }

    /// Residual `F(t, x)`: net heat into each unknown (W), written to `r`.
    ///
    /// Each row is summed in a fixed order (stored entries by column, then the
    /// boundary terms), rows in parallel: the same bits on any number of threads.
    /// Flows are formed as differences `G (T_j − T_i)`, `σR (T_j⁴ − T_i⁴)`, so the
    /// residual keeps its accuracy near the solution.
    pub fn residual(&self, t_s: f64, x: &[f64], r: &mut [f64]) {
        let tb = self.boundary_temperatures(t_s);
        let tb4: Vec<f64> = tb.iter().map(|t| t.powi(4)).collect();
        let powers = self.source_powers(t_s);
        self.balance::<true, false>(x, &tb, &tb4, &powers, r);
        self.add_temperature_sources(t_s, x, Some(r), &mut (0.0, 0.0));
    }

    /// [`Self::residual`] and [`Self::heat_flows`] at the same `(t, x)` in one
    /// pass over the rows (the same bits as the two calls).
    pub fn residual_and_flows(&self, t_s: f64, x: &[f64], r: &mut [f64]) -> HeatFlows {
        let tb = self.boundary_temperatures(t_s);
        let tb4: Vec<f64> = tb.iter().map(|t| t.powi(4)).collect();
        let powers = self.source_powers(t_s);
        let (into_boundary, mut sources) = self.balance::<true, true>(x, &tb, &tb4, &powers, r);
        self.add_temperature_sources(t_s, x, Some(r), &mut sources);
        self.flows_from(x, &tb, &tb4, sources, into_boundary)
    }

    /// One pass over the rows in fixed chunks of [`ROW_CHUNK`]
    /// (in parallel for long vectors), with each source's power `powers`:
    /// with `RESIDUAL`, writes each row's net heat to `r` ([`Self::balance_rows`]:
    /// its source power, then its couplings); with `FLOWS`, returns the heat into
    /// each boundary node and the heat the sources put in and take out, each
    /// summed per chunk and the chunks added in order — the same bits on any
    /// number of threads. Without `FLOWS` the result is empty and zero.
    fn balance<const RESIDUAL: bool, const FLOWS: bool>(
        &self,
        x: &[f64],
        tb: &[f64],
        tb4: &[f64],
        powers: &[f64],
        r: &mut [f64],
    ) -> (Vec<f64>, (f64, f64)) {
        let nb = if FLOWS { tb.len() } else { 0 };
        let n = x.len();
        let chunks = n.div_ceil(ROW_CHUNK);
        let chunk = |c: usize, r: &mut [f64]| {
            let mut into = vec![0.0; nb];
            let mut sources = (0.0, 0.0);
            let first = c * ROW_CHUNK;
            let rows = first..(first + ROW_CHUNK).min(n);
            self.source_rows::<RESIDUAL, FLOWS>(rows.clone(), powers, r, &mut sources);
            self.balance_rows::<RESIDUAL, FLOWS>(rows, x, tb, tb4, r, &mut into);
            (into, sources)
        };
        let parallel = n >= PARALLEL_LEN && nb <= MAX_PARALLEL_BOUNDARIES;
        let partial: Vec<(Vec<f64>, (f64, f64))> = match (RESIDUAL, parallel) {
            (true, true) => r
                .par_chunks_mut(ROW_CHUNK)
                .enumerate()
                .map(|(c, r)| chunk(c, r))
                .collect(),
            (false, true) => (0..chunks)
                .into_par_iter()
                .map(|c| chunk(c, &mut []))
                .collect(),
            (true, false) => r
                .chunks_mut(ROW_CHUNK)
                .enumerate()
                .map(|(c, r)| chunk(c, r))
                .collect(),
            (false, false) => (0..chunks).map(|c| chunk(c, &mut [])).collect(),
        };
        let mut into_boundary = vec![0.0; nb];
        let mut sources = (0.0, 0.0);
        for (part, (source_in, source_out)) in partial {
            for (q, p) in into_boundary.iter_mut().zip(part) {
                *q += p;
            }
            sources.0 += source_in;
            sources.1 += source_out;
        }
        (into_boundary, sources)
    }

    /// Rows `rows` of [`Self::balance`]. Row `i` of the residual, added to
    /// `r[i − rows.start]`: `Σ_j G_ij (T_j − T_i)` over its stored entries in
    /// column order, then `σ Σ_j R_ij (T_j⁴ − T_i⁴)`, then its boundary terms
    /// `g (T_b − T_i) + σ r (T_b⁴ − T_i⁴)` — a fixed order, so a row has the
    /// same bits however the rows are split. The heat into boundary `b` is the
    /// negated boundary term, summed into `into[b]` (fluid advected in from a
    /// boundary excepted: it is counted as advected heat).
    ///
    /// Rows of a [`StencilRun`] read their neighbours at the offsets
    /// `−nx, −1, 0, +1, +nx` instead of by column index: the same terms in the
    /// same order, so the same bits.
    #[allow(clippy::too_many_arguments)]
    fn balance_rows<const RESIDUAL: bool, const FLOWS: bool>(
        &self,
        rows: std::ops::Range<usize>,
        x: &[f64],
        tb: &[f64],
        tb4: &[f64],
        r: &mut [f64],
        into: &mut [f64],
    ) {
        let (rp, ci) = (self.pattern.row_ptr(), self.pattern.col_idx());
        let (lin, rad) = (self.pattern.values(), self.rad_off.as_slice());
        let first = rows.start;
        let mut part_rows = |part: std::ops::Range<usize>, run: Option<&StencilRun>| {
            let (a, b) = (part.start, part.end);
            let bp = &self.bnd_ptr[a..=b];
            let terms = |o: usize| self.bnd[bp[o] as usize..bp[o + 1] as usize].iter().copied();
            let r: &mut [f64] = if RESIDUAL {
                &mut r[a - first..b - first]
            } else {
                &mut []
            };
            let mut into = IntoBoundary::new(into);
            let (pa, pb) = (rp[a], rp[b]);
            let (five, rad5) = (
                &lin[pa..pb],
                if rad.is_empty() { rad } else { &rad[pa..pb] },
            );
            let sinks = (tb, tb4);
            match run {
                Some(&StencilRun {
                    nx,
                    term: Some(code),
                    ..
                }) if rad5.is_empty() => {
                    let values = &self.bnd[bp[0] as usize..bp[b - a] as usize];
                    let near = stencil_columns(x, part, nx);
                    one_term_stencil_balance::<FLOWS>(
                        near, five, code, values, sinks, r, &mut into,
                    );
                }
                Some(&StencilRun {
                    nx,
                    term: Some(code),
                    ..
                }) => {
                    let term = one_term(code, &self.bnd[bp[0] as usize..]);
                    let near = stencil_near(x, part, nx);
                    stencil_balance::<FLOWS, _>(near, five, rad5, term, sinks, r, &mut into);
                }
                Some(run) => {
                    let near = stencil_near(x, part, run.nx);
                    stencil_balance::<FLOWS, _>(near, five, rad5, terms, sinks, r, &mut into)
                }
                None => {
                    for (o, &xi) in x[a..b].iter().enumerate() {
                        let s = if RESIDUAL {
                            let (pb, pe) = (rp[a + o], rp[a + o + 1]);
                            let near = ci[pb..pe].iter().map(|&c| x[c as usize]);
                            let rad = if rad.is_empty() { rad } else { &rad[pb..pe] };
                            stored_heat(near, &lin[pb..pe], rad, xi)
                        } else {
                            0.0
                        };
                        let s = boundary_heat::<FLOWS>(terms(o), xi, sinks, s, &mut into);
                        if RESIDUAL {
                            r[o] += s;
                        }
                    }
                }
            }
            into.finish();
        };
        if RESIDUAL {
            self.for_each_part(rows, &mut part_rows);
        } else {
            part_rows(rows, None);
        }
    }

    /// Jacobian `K = −∂F/∂T` at `(t, x)`, written into `k` (which must have the
    /// network's pattern, from [`Self::new_matrix`]).
    ///
    /// Radiative terms: `∂/∂T_a σR(T_b⁴ − T_a⁴) = −4σR T_a³`, `∂/∂T_b = 4σR T_b³`.
    /// Rows are assembled independently (in parallel, same bits on any thread
    /// count); the rows of a stencil run take their five values at fixed
    /// places, without the row offsets.
    pub fn jacobian(&self, t_s: f64, x: &[f64], k: &mut CsrMatrix) {
        let (rp, ci) = (self.pattern.row_ptr(), self.pattern.col_idx());
        let (lin, rad) = (self.pattern.values(), self.rad_off.as_slice());
        let diag = &self.diag;
        // Rows `rows`, whose values are `v`.
        let fill_rows = |rows: std::ops::Range<usize>, v: &mut [f64]| {
            let base = rp[rows.start];
            let mut part_rows = |part: std::ops::Range<usize>, run: Option<&StencilRun>| {
                let (pa, pb) = (rp[part.start], rp[part.end]);
                let v = &mut v[pa - base..pb - base];
                let (five, rad5) = (
                    &lin[pa..pb],
                    if rad.is_empty() { rad } else { &rad[pa..pb] },
                );
                match run {
                    Some(&StencilRun {
                        nx,
                        term: Some(code),
                        ..
                    }) => {
                        let term = one_term(code, &self.bnd[self.bnd_ptr[part.start] as usize..]);
                        let near = stencil_near(x, part, nx);
                        return stencil_jacobian(v, near, five, rad5, term);
                    }
                    Some(run) => {
                        let first = part.start;
                        let terms = |o: usize| self.boundary_terms(first + o).iter().copied();
                        let near = stencil_near(x, part, run.nx);
                        return stencil_jacobian(v, near, five, rad5, terms);
                    }
                    None => {}
                }
                let mut rest: &mut [f64] = v;
                for i in part {
                    let (b, e) = (rp[i], rp[i + 1]);
                    let (v, tail) = std::mem::take(&mut rest).split_at_mut(e - b);
                    let near = ci[b..e].iter().map(|&c| x[c as usize]);
                    let rad = if rad.is_empty() { rad } else { &rad[b..e] };
                    let d = diag[i] as usize - b;
                    let terms = self.boundary_terms(i).iter().copied();
                    jacobian_row(v, &lin[b..e], rad, near, x[i], terms, d);
                    rest = tail;
                }
            };
            self.for_each_part(rows, &mut part_rows);
        };
        let v = k.values_mut();
        let n = x.len();
        if n < PARALLEL_LEN {
            fill_rows(0..n, v);
        } else {
            // Split the values into chunks of whole rows, then fill chunks in parallel.
            let mut chunks = Vec::with_capacity(n / ROW_CHUNK + 1);
            let mut rest: &mut [f64] = v;
            for first in (0..n).step_by(ROW_CHUNK) {
                let end = (first + ROW_CHUNK).min(n);
                let (c, tail) = rest.split_at_mut(rp[end] - rp[first]);
                chunks.push((first..end, c));
                rest = tail;
            }
            chunks
                .into_par_iter()
                .for_each(|(rows, c)| fill_rows(rows, c));
        }
        // Temperature-dependent sources: ∂Q/∂T = w p(t) β on the diagonal.
        let v = k.values_mut();
        for (u, s) in &self.temperature_sources {
            let slope = s.weight * s.profile.value_at(t_s) * s.factor_slope_per_k(x[*u]);
            v[diag[*u] as usize] -= slope;
        }
    }

    /// Heat flows at `(t, x)` for the energy balance.
    ///
    /// The heat into boundary `b` from unknown `i` is `g (T_i − T_b) + σ r (T_i⁴ − T_b⁴)`
    /// summed over the unknown's boundary terms (rows in chunks of fixed size,
    /// chunks added in order: the same bits on any number of threads), plus the
    /// conductors that join two boundaries. Fluid advected in from a boundary is
    /// counted in `advected_w`, not as heat into the boundary.
    pub fn heat_flows(&self, t_s: f64, x: &[f64]) -> HeatFlows {
        let tb = self.boundary_temperatures(t_s);
        let tb4: Vec<f64> = tb.iter().map(|t| t.powi(4)).collect();
        let powers = self.source_powers(t_s);
        let (into_boundary, mut sources) =
            self.balance::<false, true>(x, &tb, &tb4, &powers, &mut []);
        self.add_temperature_sources(t_s, x, None, &mut sources);
        self.flows_from(x, &tb, &tb4, sources, into_boundary)
    }

    /// Completes [`HeatFlows`] from the sources' heat in and out and the heat
    /// into each boundary node from the unknowns: adds the conductors that join
    /// two boundaries and the heat advected in.
    fn flows_from(
        &self,
        x: &[f64],
        tb: &[f64],
        tb4: &[f64],
        (source_in_w, source_out_w): (f64, f64),
        mut into_boundary: Vec<f64>,
    ) -> HeatFlows {
        for c in &self.between_boundaries {
            let (a, b) = (c.a as usize, c.b as usize);
            let q = c.g * (tb[b] - tb[a]) + SIGMA * c.r * (tb4[b] - tb4[a]);
            into_boundary[a] += q;
            into_boundary[b] -= q;
        }
        let advected_w = self
            .advective
            .iter()
            .filter(|c| self.node_ref[c.downstream] & BOUNDARY_BIT == 0)
            .map(|c| {
                let (ru, rd) = (self.node_ref[c.upstream], self.node_ref[c.downstream]);
                c.mdot_cp_w_k * (lookup(ru, x, tb) - lookup(rd, x, tb))
            })
            .sum();
        let boundary_out_w = into_boundary.iter().filter(|q| **q > 0.0).sum();
        let boundary_in_w = -into_boundary.iter().filter(|q| **q < 0.0).sum::<f64>();
        HeatFlows {
            source_in_w,
            source_out_w,
            boundary_in_w,
            boundary_out_w,
            advected_w,
            boundary_w: self
                .boundaries
                .iter()
                .map(|(id, _)| *id)
                .zip(into_boundary)
                .collect(),
        }
    }
}
