//! The solver form of a network: unknowns, a fixed sparse pattern, and the
//! residual and exact Jacobian of the heat balance.
//!
//! Unknowns are the diffusion and arithmetic nodes, numbered in node order;
//! boundary nodes are eliminated (their temperatures are evaluated at `t`).
//! The residual `F_i(t, T)` is the net heat into unknown `i` (W); the matrix the
//! solvers use is `K = −∂F/∂T` (W/K), which has a positive diagonal and, for
//! conduction plus radiation to boundaries, is symmetric positive definite.

use super::{
    AdvectiveConductor, HeatSource, NodeGroup, NodeId, NodeKind, Profile,
    TemperatureDependentSource, ThermalNetwork,
};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::error::{NetworkError, SolveError};
use crate::linalg::parallel::{PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::{CsrMatrix, GridBlock};
use rayon::prelude::*;

/// Bit that marks a node reference as a boundary node.
const BOUNDARY_BIT: u32 = 1 << 31;
/// Bit that marks a boundary term as fluid advected in from the boundary (it
/// enters the balance like a conductance but carries no heat *into* the boundary).
const ADVECTED_BIT: u32 = 1 << 31;
/// Bit that marks a boundary term as radiative.
const RADIATIVE_BIT: u32 = 1 << 30;
/// Boundary indices must stay below this (the two bits above mark the term's kind).
const MAX_BOUNDARIES: usize = 1 << 30;

/// A term of an unknown's balance that involves one boundary node: linear
/// (or advective) `v (T_b − T_i)`, or radiative `σ v (T_b⁴ − T_i⁴)`.
///
/// 12 bytes (packed to 4-byte alignment): a panel cell radiating to space has
/// one, so at 1 M cells the terms take 12 MB instead of the 24 MB of a
/// `(boundary, g, r)` triple padded to 8 bytes.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct BoundaryTerm {
    /// Boundary index, with [`RADIATIVE_BIT`] for a radiative term and
    /// [`ADVECTED_BIT`] for advection from the boundary.
    code: u32,
    /// Conductance or advective capacity rate (W/K), or radiative exchange factor (m²).
    value: f64,
}

impl BoundaryTerm {
    /// The term of conductance `g` (or capacity rate) and exchange factor `r`
    /// (one of them zero) with boundary `boundary`.
    fn new(boundary: u32, g: f64, r: f64) -> Self {
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
    fn index(&self) -> usize {
        (self.code & !(ADVECTED_BIT | RADIATIVE_BIT)) as usize
    }

    /// Heat into the unknown at temperature `xi` (W), boundary temperatures
    /// `tb` and their fourth powers `tb4`.
    #[inline(always)]
    fn heat_in(&self, xi: f64, tb: &[f64], tb4: &[f64]) -> f64 {
        let (b, v) = (self.index(), self.value);
        if self.code & RADIATIVE_BIT != 0 {
            SIGMA * v * (tb4[b] - xi.powi(4))
        } else {
            v * (tb[b] - xi)
        }
    }

    /// `−∂(heat in)/∂T_i` at `xi` (W/K): `v`, or `4σ v T_i³`.
    #[inline(always)]
    fn conductance(&self, xi: f64) -> f64 {
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
struct BoundaryPair {
    a: u32,
    b: u32,
    g: f64,
    r: f64,
}

/// A source load on an unknown: the unknown receives `weight × p_source(t)` W.
///
/// 12 bytes (packed to 4-byte alignment), as [`BoundaryTerm`].
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct SourceLoad {
    /// Index of the source in [`AssembledNetwork::sources`].
    source: u32,
    /// Weight of the load (m², m³ or 1, as the source's profile needs).
    weight: f64,
}

/// Source loads grouped by unknown: the unknowns with loads (increasing),
/// and for each its loads in the order they were added (by source, then as
/// listed in the source). Memory in proportion to the loads, not the unknowns.
#[derive(Debug, Clone, Default)]
struct SourceRows {
    /// Unknowns with at least one load, increasing.
    rows: Vec<u32>,
    /// Loads of `rows[k]`: `loads[ptr[k]..ptr[k + 1]]` (`rows.len() + 1` entries).
    ptr: Vec<u32>,
    loads: Vec<SourceLoad>,
    /// Runs of entries with one load each on consecutive unknowns, increasing.
    single_runs: Vec<SingleLoadRun>,
}

/// Entries `k..k + len` of [`SourceRows`] whose unknowns are consecutive and
/// which have one load each, the loads `loads[ptr[k]..ptr[k] + len]` in row
/// order (a source spread over a panel's cells): their sources' power is
/// summed by one tight loop, without the per-row offsets.
#[derive(Debug, Clone, Copy)]
struct SingleLoadRun {
    k: u32,
    len: u32,
}

impl SingleLoadRun {
    /// One past the run's last entry.
    fn end(&self) -> usize {
        (self.k + self.len) as usize
    }
}

/// Runs of at least [`MIN_SINGLE_LOAD_RUN`] entries of `rows` (increasing
/// unknowns, loads `ptr[k]..ptr[k + 1]` per entry) that are consecutive
/// unknowns with one load each.
fn single_load_runs(rows: &[u32], ptr: &[u32]) -> Vec<SingleLoadRun> {
    const MIN_SINGLE_LOAD_RUN: u32 = 8;
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
    fn new(sources: &[HeatSource], unknown: impl Fn(NodeId) -> Option<usize>) -> Option<Self> {
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
    fn for_each_part(
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
    fn within(
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
const MAX_PARALLEL_BOUNDARIES: usize = 256;

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
struct StencilRun {
    start: usize,
    end: usize,
    nx: usize,
    term: Option<u32>,
}

/// Heat flows at one state, for the energy balance (W).
#[derive(Debug, Clone, PartialEq)]
pub struct HeatFlows {
    /// Positive part of the heat sources.
    pub source_in_w: f64,
    /// Magnitude of the negative heat sources (heat removed by loads).
    pub source_out_w: f64,
    /// Heat entering the network from boundary nodes.
    pub boundary_in_w: f64,
    /// Heat leaving the network into boundary nodes (sinks).
    pub boundary_out_w: f64,
    /// Net heat carried in by one-way advective conductors (zero around a closed loop).
    pub advected_w: f64,
    /// Net heat into each boundary node `(node, W)`.
    pub boundary_w: Vec<(NodeId, f64)>,
}

impl HeatFlows {
    /// All heat entering the network (W).
    pub fn heat_in_w(&self) -> f64 {
        self.source_in_w + self.boundary_in_w + self.advected_w.max(0.0)
    }

    /// All heat leaving the network (W).
    pub fn heat_out_w(&self) -> f64 {
        self.source_out_w + self.boundary_out_w + (-self.advected_w).max(0.0)
    }
}

/// A network compiled for the solvers. Built by [`ThermalNetwork::assemble`].
#[derive(Debug, Clone)]
pub struct AssembledNetwork {
    /// For each node: its unknown index, or `BOUNDARY_BIT | boundary index`.
    node_ref: Vec<u32>,
    /// Node of each unknown (node ids fit `u32`: checked on assembly).
    node_of_unknown: Vec<u32>,
    capacitance_j_k: Vec<f64>,
    initial_k: Vec<f64>,
    boundaries: Vec<(NodeId, Profile)>,
    /// Conductors joining two boundary nodes (energy balance only).
    between_boundaries: Vec<BoundaryPair>,
    /// True when some radiative conductor has a non-zero exchange factor.
    radiates: bool,
    advective: Vec<AdvectiveConductor>,
    /// Position of each row's diagonal entry (`u32`: 4 MB instead of 8 at 1 M unknowns).
    diag: Vec<u32>,
    /// Per stored entry: radiative exchange factor between unknowns i and j (m²);
    /// empty when no radiation joins two unknowns.
    rad_off: Vec<f64>,
    /// Terms with boundary nodes, per unknown (`bnd_ptr` has n + 1 entries).
    bnd_ptr: Vec<u32>,
    bnd: Vec<BoundaryTerm>,
    sources: Vec<HeatSource>,
    /// Sources linear in their node's temperature, with the unknown each loads;
    /// few (solar arrays, lumped loads), so they are added after the rows' pass.
    temperature_sources: Vec<(usize, TemperatureDependentSource)>,
    /// Source loads on unknowns, per unknown in source order: each row's
    /// source power is summed in a fixed order inside the residual's parallel pass.
    source_rows: SourceRows,
    /// The pattern; its values are, per stored entry (row i, column j ≠ i), the
    /// conductance of the linear conductors between unknowns i and j plus the
    /// capacity rate of advection from j into i (W/K), zero on the diagonal.
    pattern: CsrMatrix,
    named: Vec<(String, NodeId)>,
    groups: Vec<NodeGroup>,
    symmetric: bool,
    /// Rows of grid blocks with the plain five-point pattern, increasing and
    /// disjoint (one or a few per grid row: about 40 kB at 1024²).
    stencil_runs: Vec<StencilRun>,
}

impl AssembledNetwork {
    pub(super) fn new(net: &ThermalNetwork) -> Result<Self, NetworkError> {
        let n_nodes = net.node_count();
        if n_nodes >= BOUNDARY_BIT as usize {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "node count",
                value: n_nodes as f64,
                allowed: "< 2³¹",
            });
        }
        let mut node_ref = Vec::with_capacity(n_nodes);
        let mut node_of_unknown = Vec::with_capacity(n_nodes);
        let mut capacitance_j_k = Vec::with_capacity(n_nodes);
        let mut initial_k = Vec::with_capacity(n_nodes);
        let mut boundaries = Vec::new();
        for (id, kind) in net.kinds.iter().enumerate() {
            match kind {
                NodeKind::Boundary { temperature_k } => {
                    node_ref.push(BOUNDARY_BIT | boundaries.len() as u32);
                    boundaries.push((id, temperature_k.clone()));
                }
                other => {
                    node_ref.push(node_of_unknown.len() as u32);
                    node_of_unknown.push(id as u32);
                    initial_k.push(net.initial_temperature_k[id]);
                    capacitance_j_k.push(match other {
                        NodeKind::Diffusion { capacitance_j_k } => *capacitance_j_k,
                        _ => 0.0,
                    });
                }
            }
        }
        if boundaries.len() >= MAX_BOUNDARIES {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "boundary node count",
                value: boundaries.len() as f64,
                allowed: "< 2³⁰",
            });
        }
        let n = node_of_unknown.len();
        if n == 0 {
            return Err(NetworkError::NothingToSolve);
        }
        let unknown = |id: NodeId| -> Option<usize> {
            let r = node_ref[id];
            (r & BOUNDARY_BIT == 0).then_some(r as usize)
        };
        let boundary_of = |id: NodeId| -> Option<u32> {
            let r = node_ref[id];
            (r & BOUNDARY_BIT != 0).then_some(r & !BOUNDARY_BIT)
        };
        let term = |b: Option<u32>, g: f64, r: f64| BoundaryTerm::new(b.unwrap_or(0), g, r);

        // Two-node conductors with their linear conductance and radiative
        // exchange factor (one of them zero).
        // Rows are assembled in contiguous parts in parallel: each part visits
        // every conductor and keeps the entries and boundary terms of its own
        // rows, so each row is filled in conductor order however the rows are
        // split (the same bits on any number of threads).
        let parts = row_parts(n);
        let mut count = vec![1usize; n];
        let mut terms = vec![0u32; n];
        let row_starts: Vec<usize> = parts.iter().map(|p| p.start).collect();
        split_at_offsets(&mut count, &row_starts)
            .into_par_iter()
            .zip(split_at_offsets(&mut terms, &row_starts))
            .zip(&parts)
            .for_each(|((count, terms), rows)| {
                visit_conductors(
                    net,
                    &node_ref,
                    |row, _, _, _| {
                        if rows.contains(&row) {
                            count[row - rows.start] += 1;
                        }
                    },
                    |row, _| {
                        if rows.contains(&row) {
                            let t = &mut terms[row - rows.start];
                            *t = t.saturating_add(1);
                        }
                    },
                )
            });
        let mut row_ptr = exclusive_prefix_sum(&count);
        // Boundary-term offsets, checked to fit `u32` (a saturated count too).
        let mut bnd_ptr = Vec::with_capacity(n + 1);
        bnd_ptr.push(0u32);
        let mut total_terms = 0u32;
        for &t in &terms {
            total_terms = total_terms
                .checked_add(t)
                .filter(|&v| v < u32::MAX)
                .ok_or_else(|| NetworkError::InvalidValue {
                    element: "network".into(),
                    quantity: "boundary terms",
                    value: f64::from(u32::MAX),
                    allowed: "< 2³²",
                })?;
            bnd_ptr.push(total_terms);
        }
        // Every entry's column and couplings scattered into its row in
        // conductor order, then each row sorted by column (stable: repeated
        // pairs are summed in conductor order) and compacted in place within
        // its part — no position lookups, no second array. `count` becomes
        // each row's compacted length, `diag` the diagonal's place in its row.
        // The boundary terms likewise: bucketed by row in conductor order,
        // then merged per row (one term per boundary and kind); `terms`
        // becomes each row's merged count.
        let between_unknowns =
            |c: &super::Conductor| unknown(c.a()).is_some() && unknown(c.b()).is_some();
        let any_free_radiation = net.radiative.iter().any(between_unknowns);
        let entries = row_ptr[n];
        if u32::try_from(entries).is_err() {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "stored couplings",
                value: entries as f64,
                allowed: "< 2³²",
            });
        }
        let mut cols = vec![0u32; entries];
        let mut lin_off = vec![0.0; entries];
        let mut rad_off = if any_free_radiation {
            vec![0.0; entries]
        } else {
            Vec::new()
        };
        let mut diag = vec![0u32; n];
        let mut bnd = vec![term(None, 0.0, 0.0); bnd_ptr[n] as usize];
        let offsets: Vec<usize> = row_starts.iter().map(|&r| row_ptr[r]).collect();
        let bnd_offsets: Vec<usize> = row_starts.iter().map(|&r| bnd_ptr[r] as usize).collect();
        let rad_parts = if any_free_radiation {
            split_at_offsets(&mut rad_off, &offsets)
        } else {
            parts.iter().map(|_| <&mut [f64]>::default()).collect()
        };
        let part_lengths: Vec<(usize, usize)> = split_at_offsets(&mut cols, &offsets)
            .into_par_iter()
            .zip(split_at_offsets(&mut lin_off, &offsets))
            .zip(rad_parts)
            .zip(split_at_offsets(&mut count, &row_starts))
            .zip(split_at_offsets(&mut diag, &row_starts))
            .zip(split_at_offsets(&mut bnd, &bnd_offsets))
            .zip(split_at_offsets(&mut terms, &row_starts))
            .zip(&parts)
            .map(
                |(((((((cols, lin), rad), row_len), diag), bnd), terms), rows)| {
                    let base = row_ptr[rows.start];
                    // Offsets within the part (entries and terms fit `u32`: checked).
                    let mut fill: Vec<u32> = row_ptr[rows.clone()]
                        .iter()
                        .map(|&s| (s - base) as u32)
                        .collect();
                    let bnd_base = bnd_ptr[rows.start];
                    let mut bnd_fill: Vec<u32> = bnd_ptr[rows.clone()]
                        .iter()
                        .map(|&s| s - bnd_base)
                        .collect();
                    let mut put = |row: usize, col: usize, g: f64, r: f64| {
                        let k = &mut fill[row - rows.start];
                        let at = *k as usize;
                        cols[at] = col as u32;
                        lin[at] = g;
                        if let Some(v) = rad.get_mut(at) {
                            *v = r;
                        }
                        *k += 1;
                    };
                    for i in rows.clone() {
                        put(i, i, 0.0, 0.0);
                    }
                    visit_conductors(
                        net,
                        &node_ref,
                        |row, col, g, r| {
                            if rows.contains(&row) {
                                put(row, col, g, r);
                            }
                        },
                        |row, t| {
                            if rows.contains(&row) {
                                let k = &mut bnd_fill[row - rows.start];
                                bnd[*k as usize] = t;
                                *k += 1;
                            }
                        },
                    );
                    drop((fill, bnd_fill));
                    let mut len = 0;
                    let mut bnd_len = 0;
                    for i in rows.clone() {
                        let (begin, end) = (row_ptr[i] - base, row_ptr[i + 1] - base);
                        let first = len;
                        // Insertion sort (rows are short), moving the couplings along.
                        for k in begin + 1..end {
                            let mut m = k;
                            while m > begin && cols[m - 1] > cols[m] {
                                cols.swap(m - 1, m);
                                lin.swap(m - 1, m);
                                if !rad.is_empty() {
                                    rad.swap(m - 1, m);
                                }
                                m -= 1;
                            }
                        }
                        for k in begin..end {
                            if len > first && cols[len - 1] == cols[k] {
                                lin[len - 1] += lin[k];
                                if !rad.is_empty() {
                                    rad[len - 1] += rad[k];
                                }
                            } else {
                                cols[len] = cols[k];
                                lin[len] = lin[k];
                                if !rad.is_empty() {
                                    rad[len] = rad[k];
                                }
                                if cols[k] as usize == i {
                                    diag[i - rows.start] = (len - first) as u32;
                                }
                                len += 1;
                            }
                        }
                        row_len[i - rows.start] = len - first;
                        let (begin, end) = (
                            (bnd_ptr[i] - bnd_base) as usize,
                            (bnd_ptr[i + 1] - bnd_base) as usize,
                        );
                        let first = bnd_len;
                        for k in begin..end {
                            let t = bnd[k];
                            match bnd[first..bnd_len].iter_mut().find(|e| e.code == t.code) {
                                Some(e) => e.value += t.value,
                                None => {
                                    bnd[bnd_len] = t;
                                    bnd_len += 1;
                                }
                            }
                        }
                        terms[i - rows.start] = (bnd_len - first) as u32;
                    }
                    (len, bnd_len)
                },
            )
            .collect();
        // Close the gaps the compaction left between parts.
        let (mut len, mut bnd_len) = (0, 0);
        for (k, &(part_len, part_bnd)) in part_lengths.iter().enumerate() {
            // (A part without duplicates, or the first, is in place already.)
            let from = offsets[k];
            if from != len {
                cols.copy_within(from..from + part_len, len);
                lin_off.copy_within(from..from + part_len, len);
                if any_free_radiation {
                    rad_off.copy_within(from..from + part_len, len);
                }
            }
            len += part_len;
            let from = bnd_offsets[k];
            if from != bnd_len {
                bnd.copy_within(from..from + part_bnd, bnd_len);
            }
            bnd_len += part_bnd;
        }
        let mut total = 0;
        for ((ptr, row_len), d) in row_ptr.iter_mut().zip(&count).zip(&mut diag) {
            *ptr = total;
            *d += total as u32;
            total += row_len;
        }
        row_ptr[n] = len;
        drop(count);
        cols.truncate(len);
        lin_off.truncate(len);
        rad_off.truncate(if any_free_radiation { len } else { 0 });
        let pattern = CsrMatrix::from_pattern(row_ptr, cols);
        let mut total = 0;
        for (ptr, row_terms) in bnd_ptr.iter_mut().zip(&terms) {
            *ptr = total;
            total += row_terms;
        }
        drop(terms);
        bnd_ptr[n] = total;
        bnd.truncate(bnd_len);
        let pair = |(c, g, r): (&super::Conductor, f64, f64)| match (
            boundary_of(c.a()),
            boundary_of(c.b()),
        ) {
            (Some(a), Some(b)) => Some(BoundaryPair { a, b, g, r }),
            _ => None,
        };
        let between_boundaries: Vec<BoundaryPair> = net
            .linear
            .iter()
            .map(|c| (c, c.value, 0.0))
            .chain(net.radiative.iter().map(|c| (c, 0.0, c.value)))
            .filter_map(pair)
            .collect();
        let source_rows =
            SourceRows::new(&net.sources, unknown).ok_or_else(|| NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "source loads",
                value: net.sources.iter().map(|s| s.loads.len()).sum::<usize>() as f64,
                allowed: "< 2³²",
            })?;
        let temperature_sources = net
            .temperature_sources
            .iter()
            .map(|s| {
                unknown(s.node)
                    .map(|u| (u, s.clone()))
                    .ok_or_else(|| NetworkError::InvalidValue {
                        element: format!("source `{}`", s.name),
                        quantity: "load on a boundary node",
                        value: s.weight,
                        allowed: "sources on diffusion or arithmetic nodes only",
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let free_free_radiation = any_free_radiation
            && net
                .radiative
                .iter()
                .any(|c| c.value > 0.0 && between_unknowns(c));
        let symmetric = !free_free_radiation
            && !net
                .advective
                .iter()
                .any(|c| c.mdot_cp_w_k > 0.0 && unknown(c.downstream).is_some());
        Ok(Self {
            node_ref,
            node_of_unknown,
            capacitance_j_k,
            initial_k,
            boundaries,
            between_boundaries,
            radiates: net.radiative.iter().any(|c| c.value != 0.0),
            advective: net.advective.clone(),
            diag,
            rad_off,
            bnd_ptr,
            bnd,
            sources: net.sources.clone(),
            temperature_sources,
            source_rows,
            pattern: pattern.with_values(lin_off),
            named: net.named.clone(),
            groups: net.groups.clone(),
            symmetric,
            stencil_runs: Vec::new(),
        }
        .with_stencil_runs())
    }

    /// Number of unknowns.
    pub fn unknowns(&self) -> usize {
        self.node_of_unknown.len()
    }

    /// Number of nodes (unknowns and boundaries).
    pub fn node_count(&self) -> usize {
        self.node_ref.len()
    }

    /// Node of unknown `u`.
    pub fn node_of_unknown(&self, u: usize) -> NodeId {
        self.node_of_unknown[u] as NodeId
    }

    /// Unknown index of node `id`, or `None` for a boundary node.
    pub fn unknown_of_node(&self, id: NodeId) -> Option<usize> {
        let r = *self.node_ref.get(id)?;
        (r & BOUNDARY_BIT == 0).then_some(r as usize)
    }

    /// Heat capacity of each unknown (J/K); zero for arithmetic nodes.
    pub fn capacitance_j_k(&self) -> &[f64] {
        &self.capacitance_j_k
    }

    /// Initial temperature of each unknown (K).
    pub fn initial_state(&self) -> Vec<f64> {
        self.initial_k.clone()
    }

    /// Boundary nodes with their temperature profiles.
    pub fn boundaries(&self) -> &[(NodeId, Profile)] {
        &self.boundaries
    }

    /// True when `K` is symmetric at every state: no advection into unknowns
    /// and no radiation between two unknowns.
    pub fn is_symmetric(&self) -> bool {
        self.symmetric
    }

    /// True when the off-diagonal entries of `K = −∂F/∂T` do not depend on the
    /// state: no radiation between two unknowns (linear conductors and advection
    /// have constant off-diagonal terms; radiation to boundaries sits on the
    /// diagonal). Then every Jacobian and every `C/Δt + K` differs from another
    /// only on its diagonal, which multigrid uses to update its hierarchy.
    pub fn has_constant_couplings(&self) -> bool {
        self.rad_off.is_empty()
    }

    /// True when `K = −∂F/∂T` is the same at every state and time: no
    /// radiative conductors and no temperature-dependent sources (whose
    /// slope follows their time profile).
    pub fn is_linear(&self) -> bool {
        !self.radiates && self.temperature_sources.is_empty()
    }

    /// Position of each row's diagonal entry in the matrix values.
    pub fn diagonal_positions(&self) -> &[u32] {
        &self.diag
    }

    /// A matrix with the network's pattern (shared, not copied) and zero values.
    pub fn new_matrix(&self) -> CsrMatrix {
        self.pattern.zeros_like()
    }

    /// Grids whose cells are all unknowns (for geometric multigrid and output).
    pub fn grid_blocks(&self) -> Vec<GridBlock> {
        self.groups
            .iter()
            .filter_map(|g| {
                let shape = g.grid?;
                let first_unknown = self.unknown_of_node(g.nodes.start)?;
                let all_free = g.nodes.clone().all(|id| self.unknown_of_node(id).is_some());
                all_free.then_some(GridBlock {
                    first_unknown,
                    shape,
                })
            })
            .collect()
    }

    /// This network with its [`StencilRun`]s: the rows of its grid blocks,
    /// block edges excepted, whose stored columns are exactly
    /// `i − nx, i − 1, i, i + 1, i + nx` (a row coupled to a lumped node, or with
    /// a second coupling added to a neighbour, keeps the general path).
    fn with_stencil_runs(mut self) -> Self {
        let (rp, ci) = (self.pattern.row_ptr(), self.pattern.col_idx());
        let mut blocks = self.grid_blocks();
        blocks.sort_by_key(|b| b.first_unknown);
        let mut runs: Vec<StencilRun> = Vec::new();
        for b in blocks {
            let nx = b.shape.nx;
            for j in 1..b.shape.ny.saturating_sub(1) {
                for i in 1..nx.saturating_sub(1) {
                    let row = b.first_unknown + j * nx + i;
                    let stencil = [row - nx, row - 1, row, row + 1, row + nx];
                    let plain = ci[rp[row]..rp[row + 1]]
                        .iter()
                        .map(|&c| c as usize)
                        .eq(stencil);
                    let term = match self.boundary_terms(row) {
                        [t] => Some(t.code),
                        _ => None,
                    };
                    match runs.last_mut() {
                        // Overlapping groups: each row in one run at most.
                        Some(r) if row < r.end => {}
                        Some(r) if plain && r.end == row && r.nx == nx && r.term == term => {
                            r.end += 1
                        }
                        _ if plain => runs.push(StencilRun {
                            start: row,
                            end: row + 1,
                            nx,
                            term,
                        }),
                        _ => {}
                    }
                }
            }
        }
        self.stencil_runs = runs;
        self
    }

    /// Cuts `rows` into consecutive parts in order: `visit(part, Some(run))` for
    /// rows of the [`StencilRun`] `run`, `visit(part, None)` for the others.
    fn for_each_part(
        &self,
        rows: std::ops::Range<usize>,
        mut visit: impl FnMut(std::ops::Range<usize>, Option<&StencilRun>),
    ) {
        let mut at = rows.start;
        let first = self.stencil_runs.partition_point(|r| r.end <= rows.start);
        for run in &self.stencil_runs[first..] {
            if run.start >= rows.end {
                break;
            }
            let (start, end) = (run.start.max(at), run.end.min(rows.end));
            if at < start {
                visit(at..start, None);
            }
            visit(start..end, Some(run));
            at = end;
        }
        if at < rows.end {
            visit(at..rows.end, None);
        }
    }

    /// Node groups of the network.
    pub fn groups(&self) -> &[NodeGroup] {
        &self.groups
    }

    /// Named nodes of the network.
    pub fn named_nodes(&self) -> &[(String, NodeId)] {
        &self.named
    }

    /// Terms of unknown `i` with boundary nodes.
    #[inline]
    fn boundary_terms(&self, i: usize) -> &[BoundaryTerm] {
        &self.bnd[self.bnd_ptr[i] as usize..self.bnd_ptr[i + 1] as usize]
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Result<NodeId, NetworkError> {
        self.named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .ok_or_else(|| NetworkError::UnknownNode {
                name: name.to_string(),
            })
    }

    /// True when node `id` is a boundary node (temperature prescribed).
    pub fn is_boundary(&self, id: NodeId) -> bool {
        self.node_ref.get(id).is_some_and(|r| r & BOUNDARY_BIT != 0)
    }

    /// `"boundary"`, `"diffusion"` (with heat capacity) or `"arithmetic"` (massless).
    pub fn kind_name(&self, id: NodeId) -> &'static str {
        match self.unknown_of_node(id) {
            None if self.is_boundary(id) => "boundary",
            None => "none",
            Some(u) if self.capacitance_j_k[u] > 0.0 => "diffusion",
            Some(_) => "arithmetic",
        }
    }

    /// Heat sources, as added to the network.
    pub fn sources(&self) -> &[HeatSource] {
        &self.sources
    }

    /// Replaces the time profile of heat source `source` (its loads stay): for
    /// a load known only after a first solve, such as a battery's losses from
    /// the power budget.
    pub fn set_source_profile(
        &mut self,
        source: usize,
        profile: Profile,
    ) -> Result<(), NetworkError> {
        let s = self
            .sources
            .get_mut(source)
            .ok_or(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "heat source index",
                value: source as f64,
                allowed: "< the number of sources",
            })?;
        if let Profile::Constant(v) = profile {
            super::check_finite_range(&s.name, "power (W)", v, true, "finite")?;
        }
        s.profile = profile;
        Ok(())
    }

    /// Sources linear in their node's temperature.
    pub fn temperature_dependent_sources(
        &self,
    ) -> impl Iterator<Item = &TemperatureDependentSource> {
        self.temperature_sources.iter().map(|(_, s)| s)
    }

    /// Heat (W) each temperature-dependent source puts into its node at
    /// `(t, x)`, in the order they were added.
    pub fn temperature_dependent_source_powers(&self, t_s: f64, x: &[f64]) -> Vec<f64> {
        self.temperature_sources
            .iter()
            .map(|(u, s)| s.power_w(t_s, x[*u]))
            .collect()
    }

    /// Adds the temperature-dependent sources' heat at `(t, x)` to the rows of
    /// `r` (when given) and to the sources' heat in and out.
    fn add_temperature_sources(
        &self,
        t_s: f64,
        x: &[f64],
        mut r: Option<&mut [f64]>,
        in_out: &mut (f64, f64),
    ) {
        for (u, s) in &self.temperature_sources {
            let q = s.power_w(t_s, x[*u]);
            if let Some(r) = r.as_deref_mut() {
                r[*u] += q;
            }
            if q >= 0.0 {
                in_out.0 += q;
            } else {
                in_out.1 -= q;
            }
        }
    }

    /// A readable label for node `id`.
    pub fn label(&self, id: NodeId) -> String {
        if let Some((name, _)) = self.named.iter().find(|(_, n)| *n == id) {
            return name.clone();
        }
        for g in &self.groups {
            if g.nodes.contains(&id) {
                let k = id - g.nodes.start;
                return match g.grid {
                    Some(s) => format!("{}[{},{}]", g.name, k % s.nx, k / s.nx),
                    None => format!("{}[{k}]", g.name),
                };
            }
        }
        format!("#{id}")
    }

    /// Boundary temperatures at `t_s`, in boundary order.
    fn boundary_temperatures(&self, t_s: f64) -> Vec<f64> {
        self.boundaries
            .iter()
            .map(|(_, p)| p.value_at(t_s))
            .collect()
    }

    /// Temperature of every node (K) at `t_s` for unknowns `x`.
    pub fn node_temperatures(&self, t_s: f64, x: &[f64]) -> Vec<f64> {
        let tb = self.boundary_temperatures(t_s);
        self.node_ref.iter().map(|&r| lookup(r, x, &tb)).collect()
    }

    /// Times in `(t0_s, t1_s]` where a source or boundary temperature jumps or kinks.
    pub fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        let mut times: Vec<f64> = self
            .sources
            .iter()
            .map(|s| &s.profile)
            .chain(self.temperature_sources.iter().map(|(_, s)| &s.profile))
            .chain(self.boundaries.iter().map(|(_, p)| p))
            .flat_map(|p| p.discontinuities(t0_s, t1_s))
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        times
    }

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

    /// Checks that every node has a path to a boundary node (needed for a steady solve).
    ///
    /// Works on the assembled rows, with the rule of
    /// [`ThermalNetwork::nodes_without_sink`]: a row with a boundary term of
    /// non-zero value (a conductor to a boundary, or fluid advected in from
    /// one) is grounded, and grounding spreads to row `i` from every unknown
    /// `j` of a stored entry `(i, j)` with non-zero coupling — `i`'s balance
    /// depends on `T_j` (a linear or radiative conductor stores both entries,
    /// advection from `j` into `i` only this one). The common case — every
    /// unknown touches a boundary — costs one pass.
    pub fn check_grounded(&self) -> Result<(), NetworkError> {
        let n = self.unknowns();
        let touches = |i: usize| self.boundary_terms(i).iter().any(|e| e.value > 0.0);
        let all_touch = if n < PARALLEL_LEN {
            (0..n).all(touches)
        } else {
            (0..n).into_par_iter().with_min_len(ROW_CHUNK).all(touches)
        };
        if all_touch {
            return Ok(());
        }
        let (rp, ci) = (self.pattern.row_ptr(), self.pattern.col_idx());
        let lin = self.pattern.values();
        let rad = |p: usize| self.rad_off.get(p).copied().unwrap_or(0.0);
        // Grounding spreads from column j to row i.
        let arcs = (0..n).flat_map(|i| {
            (rp[i]..rp[i + 1])
                .filter(move |&p| ci[p] as usize != i && (lin[p] > 0.0 || rad(p) > 0.0))
                .map(move |p| (ci[p] as usize, i))
        });
        let floating: Vec<NodeId> = super::unreached_nodes(n, (0..n).filter(|&i| touches(i)), arcs)
            .into_iter()
            .map(|i| self.node_of_unknown[i] as NodeId)
            .collect();
        super::no_path_to_sink(&floating, |i| self.label(i))
    }

    /// The stored-entry couplings of the rows: the pattern, the linear (plus
    /// advective) conductance and the radiative exchange factor of each stored
    /// entry (the radiative array is empty when no radiation joins two unknowns).
    /// Multigrid coarsens them into a coarse network for nested iteration.
    pub(crate) fn row_couplings(&self) -> (&CsrMatrix, &[f64], &[f64]) {
        (&self.pattern, self.pattern.values(), &self.rad_off)
    }

    /// The pattern with its linear couplings (see [`Self::row_couplings`]) and
    /// the position of each row's diagonal entry, the network dropped.
    pub(crate) fn into_pattern(self) -> (CsrMatrix, Vec<u32>) {
        (self.pattern, self.diag)
    }

    /// This network coarsened over aggregates: unknown `i` joins coarse unknown
    /// `agg[i]` (for nested iteration, which solves the coarse network first).
    ///
    /// The caller gives the coarse pattern and the per-entry couplings of the
    /// coarse network (multigrid's scaled Galerkin product of [`Self::row_couplings`],
    /// so the conductance across a coarse face is the rediscretised `k t Δy/Δx`);
    /// their diagonal entries are ignored. Over an aggregate, boundary terms
    /// (sinks: `Σ g`, `Σ r`), source loads and heat capacities are summed, so the
    /// coarse network carries the same heat; initial temperatures are averaged.
    /// Coarse unknown `c` is node `c`, boundary `b` node `n_coarse + b` with its
    /// profile; `blocks` become the coarse network's grid groups. `members(c,
    /// out)` writes the fine unknowns of aggregate `c` (those `i` with
    /// `agg[i] = c`) into `out` in increasing order. Returns the coarse network
    /// with the diagonal entries of `lin_off` it dropped; `None` when the
    /// pattern lacks a diagonal entry or the sizes disagree.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn coarsened(
        &self,
        agg: &[u32],
        n_coarse: usize,
        members: impl Fn(usize, &mut Vec<u32>) + Sync,
        blocks: &[GridBlock],
        pattern: CsrMatrix,
        mut lin_off: Vec<f64>,
        mut rad_off: Vec<f64>,
    ) -> Option<(AssembledNetwork, Vec<f64>)> {
        let (n, nc) = (self.unknowns(), n_coarse);
        let sizes_fit = agg.len() == n
            && pattern.n() == nc
            && lin_off.len() == pattern.nnz()
            && (rad_off.is_empty() || rad_off.len() == pattern.nnz())
            && agg.iter().all(|&g| (g as usize) < nc);
        if !sizes_fit || nc + self.boundaries.len() >= BOUNDARY_BIT as usize {
            return None;
        }
        let diagonal = |i: usize| pattern.position(i, i).and_then(|p| u32::try_from(p).ok());
        let diag: Vec<u32> = if nc < PARALLEL_LEN {
            (0..nc).map(diagonal).collect::<Option<_>>()?
        } else {
            (0..nc)
                .into_par_iter()
                .with_min_len(ROW_CHUNK)
                .map(diagonal)
                .collect::<Option<_>>()?
        };
        let mut dropped = Vec::with_capacity(nc);
        for &d in &diag {
            dropped.push(std::mem::replace(&mut lin_off[d as usize], 0.0));
            if let Some(r) = rad_off.get_mut(d as usize) {
                *r = 0.0;
            }
        }
        // Per aggregate, over its members in fine order: capacities and
        // initial temperatures summed, boundary terms merged (one per boundary
        // and kind). Fixed chunks of coarse rows in parallel; each row's sums
        // are its own, so the bits do not depend on the threads.
        let mut capacitance_j_k = vec![0.0; nc];
        let mut initial_k = vec![0.0; nc];
        let chunk = |k: usize, cap: &mut [f64], init: &mut [f64]| {
            let first = k * ROW_CHUNK;
            let mut own = Vec::with_capacity(4);
            let mut terms: Vec<u32> = Vec::with_capacity(cap.len());
            let mut bnd: Vec<BoundaryTerm> = Vec::with_capacity(cap.len());
            for (c, (cap, init)) in cap.iter_mut().zip(init.iter_mut()).enumerate() {
                members(first + c, &mut own);
                let start = bnd.len();
                for &i in &own {
                    let i = i as usize;
                    *cap += self.capacitance_j_k[i];
                    *init += self.initial_k[i];
                    for t in self.boundary_terms(i) {
                        match bnd[start..].iter_mut().find(|e| e.code == t.code) {
                            Some(e) => e.value += t.value,
                            None => bnd.push(*t),
                        }
                    }
                }
                *init /= own.len().max(1) as f64;
                terms.push((bnd.len() - start) as u32);
            }
            (terms, bnd)
        };
        let parts: Vec<(Vec<u32>, Vec<BoundaryTerm>)> = if nc < PARALLEL_LEN {
            capacitance_j_k
                .chunks_mut(ROW_CHUNK)
                .zip(initial_k.chunks_mut(ROW_CHUNK))
                .enumerate()
                .map(|(k, (cap, init))| chunk(k, cap, init))
                .collect()
        } else {
            capacitance_j_k
                .par_chunks_mut(ROW_CHUNK)
                .zip(initial_k.par_chunks_mut(ROW_CHUNK))
                .enumerate()
                .map(|(k, (cap, init))| chunk(k, cap, init))
                .collect()
        };
        let mut bnd_ptr: Vec<u32> = Vec::with_capacity(nc + 1);
        bnd_ptr.push(0);
        let mut total = 0u32;
        for &t in parts.iter().flat_map(|p| &p.0) {
            total = total.checked_add(t)?;
            bnd_ptr.push(total);
        }
        let mut bnd: Vec<BoundaryTerm> = Vec::with_capacity(total as usize);
        for (_, part) in &parts {
            bnd.extend_from_slice(part);
        }
        drop(parts);
        let node_of = |id: NodeId| -> NodeId {
            let r = self.node_ref[id];
            if r & BOUNDARY_BIT == 0 {
                agg[r as usize] as NodeId
            } else {
                nc + (r & !BOUNDARY_BIT) as NodeId
            }
        };
        let sources: Vec<HeatSource> = self
            .sources
            .iter()
            .map(|s| {
                let mut loads: Vec<(NodeId, f64)> = s
                    .loads
                    .iter()
                    .map(|&(node, w)| (node_of(node), w))
                    .collect();
                loads.sort_by_key(|l| l.0);
                loads.dedup_by(|later, kept| {
                    let same = later.0 == kept.0;
                    if same {
                        kept.1 += later.1;
                    }
                    same
                });
                HeatSource {
                    name: s.name.clone(),
                    loads,
                    profile: s.profile.clone(),
                }
            })
            .collect();
        let source_rows = SourceRows::new(&sources, |id| (id < nc).then_some(id))?;
        let advective = self
            .advective
            .iter()
            .map(|c| AdvectiveConductor {
                upstream: node_of(c.upstream),
                downstream: node_of(c.downstream),
                mdot_cp_w_k: c.mdot_cp_w_k,
            })
            .collect();
        // A temperature-dependent source loads its node's aggregate; the
        // aggregate's mean temperature stands in for the node's.
        let temperature_sources = self
            .temperature_sources
            .iter()
            .map(|(u, s)| {
                let c = agg[*u] as usize;
                let mut s = s.clone();
                s.node = c;
                (c, s)
            })
            .collect();
        let groups = blocks
            .iter()
            .enumerate()
            .map(|(k, b)| NodeGroup {
                name: format!("coarse-grid-{k}"),
                nodes: b.first_unknown..b.first_unknown + b.shape.nx * b.shape.ny,
                grid: Some(b.shape),
            })
            .collect();
        Some((
            AssembledNetwork {
                node_ref: (0..nc as u32)
                    .chain((0..self.boundaries.len() as u32).map(|b| BOUNDARY_BIT | b))
                    .collect(),
                node_of_unknown: (0..nc as u32).collect(),
                capacitance_j_k,
                initial_k,
                boundaries: self
                    .boundaries
                    .iter()
                    .enumerate()
                    .map(|(b, (_, p))| (nc + b, p.clone()))
                    .collect(),
                between_boundaries: self.between_boundaries.clone(),
                radiates: self.radiates,
                advective,
                diag,
                rad_off,
                bnd_ptr,
                bnd,
                sources,
                temperature_sources,
                source_rows,
                pattern: pattern.with_values(lin_off),
                named: Vec::new(),
                groups,
                symmetric: self.symmetric,
                stencil_runs: Vec::new(),
            }
            .with_stencil_runs(),
            dropped,
        ))
    }

    /// Fails if any temperature is not finite or is negative.
    pub fn check_state(&self, t_s: f64, x: &[f64]) -> Result<(), SolveError> {
        match x.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            None => Ok(()),
            Some(u) => Err(SolveError::NonPhysicalTemperature {
                node: self.label(self.node_of_unknown[u] as NodeId),
                value: x[u],
                t_s,
            }),
        }
    }
}

/// Heat into an unknown at `xi` over its stored entries (W): `Σ_j G_ij (T_j − T_i)`
/// in entry order, then `σ Σ_j R_ij (T_j⁴ − T_i⁴)` when `rad` (the row's
/// exchange factors) is not empty; `near` gives `T_j` of each entry.
#[inline(always)]
fn stored_heat(near: impl Iterator<Item = f64> + Clone, lin: &[f64], rad: &[f64], xi: f64) -> f64 {
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
fn jacobian_row(
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

/// The boundary term of row `o` of a [`StencilRun`] whose rows each have one
/// term with code `code`: the term of that code with the value `bnd[o]`
/// (`bnd` starting at the run's first row), so the code is not read per row.
#[inline(always)]
fn one_term(code: u32, bnd: &[BoundaryTerm]) -> impl Fn(usize) -> [BoundaryTerm; 1] + '_ {
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
fn stencil_jacobian<T: IntoIterator<Item = BoundaryTerm>>(
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

/// Heat into boundary nodes, summed in a fixed order (W): the running sum of
/// the boundary met last is kept in a register and written back when another
/// boundary comes or at [`Self::finish`] — the same operations on each sum, in
/// the same order, as subtracting into the slice term by term, without the
/// store-to-load round trip per term.
struct IntoBoundary<'a> {
    into: &'a mut [f64],
    /// The boundary whose sum is `acc` (none while `into.len()`).
    b: usize,
    acc: f64,
}

impl<'a> IntoBoundary<'a> {
    fn new(into: &'a mut [f64]) -> Self {
        let b = into.len();
        Self { into, b, acc: 0.0 }
    }

    /// `into[b] −= q`.
    #[inline(always)]
    fn sub(&mut self, b: usize, q: f64) {
        *self.running(b) -= q;
    }

    /// The running sum of boundary `b` (switching to it first).
    #[inline(always)]
    fn running(&mut self, b: usize) -> &mut f64 {
        if b != self.b {
            self.finish();
            self.b = b;
            self.acc = self.into[b];
        }
        &mut self.acc
    }

    /// Writes the running sum back.
    #[inline(always)]
    fn finish(&mut self) {
        if let Some(v) = self.into.get_mut(self.b) {
            *v = self.acc;
        }
    }
}

/// The temperatures `[T_{i−nx}, T_{i−1}, T_i, T_{i+1}, T_{i+nx}]` of row
/// `i = rows.start + o` of a [`StencilRun`] of row width `nx`, as a function
/// of `o`: the row's stored entries' columns, in order.
#[inline(always)]
fn stencil_near(
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
fn stencil_columns(x: &[f64], rows: std::ops::Range<usize>, nx: usize) -> [&[f64]; 5] {
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
fn five_of(rad: &[f64], o: usize) -> &[f64] {
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
fn stencil_balance<const FLOWS: bool, T: IntoIterator<Item = BoundaryTerm>>(
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
fn stencil_balance_rows<const FLOWS: bool, T: IntoIterator<Item = BoundaryTerm>>(
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
fn one_term_stencil_balance<const FLOWS: bool>(
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
fn one_term_rows<const FLOWS: bool>(
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

/// The power of load `l` (W), `w × p_source`; with `FLOWS` added to
/// `in_out.0` when positive or subtracted from `in_out.1` when negative.
#[inline(always)]
fn load_power<const FLOWS: bool>(l: &SourceLoad, powers: &[f64], in_out: &mut (f64, f64)) -> f64 {
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
fn boundary_heat<const FLOWS: bool>(
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

/// One pass over the conductors of `net`, in order (`node_ref` as
/// [`AssembledNetwork`]'s): every stored entry `(row, column, linear
/// conductance or advective capacity rate, radiative exchange factor)` to
/// `entry`, every term of an unknown with a boundary node to `boundary`
/// (conductors between two boundaries and advection out of the network to
/// neither). Generic, so each caller's closures are inlined into the loop.
fn visit_conductors(
    net: &ThermalNetwork,
    node_ref: &[u32],
    mut entry: impl FnMut(usize, usize, f64, f64),
    mut boundary: impl FnMut(usize, BoundaryTerm),
) {
    let unknown = |id: NodeId| {
        let r = node_ref[id];
        (r & BOUNDARY_BIT == 0).then_some(r as usize)
    };
    let boundary_of = |id: NodeId| node_ref[id] & !BOUNDARY_BIT;
    // Two-node conductors with their linear conductance and radiative
    // exchange factor (one of them zero).
    let mut two_node = |c: &super::Conductor, g: f64, r: f64| match (unknown(c.a()), unknown(c.b()))
    {
        (Some(a), Some(b)) => {
            entry(a, b, g, r);
            entry(b, a, g, r);
        }
        (Some(a), None) => boundary(a, BoundaryTerm::new(boundary_of(c.b()), g, r)),
        (None, Some(b)) => boundary(b, BoundaryTerm::new(boundary_of(c.a()), g, r)),
        (None, None) => {}
    };
    for c in &net.linear {
        two_node(c, c.value, 0.0);
    }
    for c in &net.radiative {
        two_node(c, 0.0, c.value);
    }
    for c in &net.advective {
        match (unknown(c.upstream), unknown(c.downstream)) {
            (Some(u), Some(d)) => entry(d, u, c.mdot_cp_w_k, 0.0),
            (None, Some(d)) => {
                let mut t = BoundaryTerm::new(boundary_of(c.upstream), c.mdot_cp_w_k, 0.0);
                t.code |= ADVECTED_BIT;
                boundary(d, t);
            }
            _ => {}
        }
    }
}

/// Contiguous row ranges covering `0..n`, one per thread (one range for few rows).
fn row_parts(n: usize) -> Vec<std::ops::Range<usize>> {
    let parts = if n < PARALLEL_LEN {
        1
    } else {
        rayon::current_num_threads().max(1)
    };
    let per = n.div_ceil(parts);
    (0..parts)
        .map(|p| (p * per).min(n)..((p + 1) * per).min(n))
        .collect()
}

/// `data` cut at the increasing `offsets` (the first is 0): one slice per offset.
fn split_at_offsets<'a, T>(mut data: &'a mut [T], offsets: &[usize]) -> Vec<&'a mut [T]> {
    let mut slices = Vec::with_capacity(offsets.len());
    for (k, &from) in offsets.iter().enumerate() {
        let to = offsets.get(k + 1).map_or(data.len() + from, |&next| next);
        let (head, tail) = std::mem::take(&mut data).split_at_mut(to - from);
        slices.push(head);
        data = tail;
    }
    slices
}

fn exclusive_prefix_sum(counts: &[usize]) -> Vec<usize> {
    let mut start = Vec::with_capacity(counts.len() + 1);
    start.push(0);
    let mut total = 0;
    for &c in counts {
        total += c;
        start.push(total);
    }
    start
}

#[inline]
fn lookup(node_ref: u32, x: &[f64], tb: &[f64]) -> f64 {
    if node_ref & BOUNDARY_BIT == 0 {
        x[node_ref as usize]
    } else {
        tb[(node_ref & !BOUNDARY_BIT) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{GridShape, ThermalNetwork};

    /// `work` run in a rayon pool of `threads` threads.
    fn in_pool<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(work)
    }

    /// An `nx × ny` grid group "plate" of 50 J/K cells at 300 K in `net`.
    fn plate(net: &mut ThermalNetwork, nx: usize, ny: usize) -> std::ops::Range<usize> {
        net.add_group(
            "plate",
            &vec![50.0; nx * ny],
            300.0,
            Some(GridShape { nx, ny }),
        )
        .unwrap()
    }

    /// A small network with every conductor type, an arithmetic node and a boundary.
    fn mixed_network() -> ThermalNetwork {
        let mut net = ThermalNetwork::new();
        let a = net
            .add_node(
                "a",
                NodeKind::Diffusion {
                    capacitance_j_k: 10.0,
                },
                310.0,
            )
            .unwrap();
        let b = net.add_node("b", NodeKind::Arithmetic, 290.0).unwrap();
        let c = net
            .add_node(
                "c",
                NodeKind::Diffusion {
                    capacitance_j_k: 5.0,
                },
                350.0,
            )
            .unwrap();
        let s = net.add_boundary("space", 3.0).unwrap();
        net.add_linear(a, b, 2.0).unwrap();
        net.add_linear(b, c, 0.5).unwrap();
        net.add_radiative(a, c, 0.3).unwrap();
        net.add_radiative(c, s, 1.2).unwrap();
        // Linear and radiative terms with the same boundary, and fluid
        // advected in from it: three kinds of boundary term.
        net.add_linear(c, s, 0.7).unwrap();
        net.add_advective(s, a, 0.2).unwrap();
        net.add_advective(a, c, 4.0).unwrap();
        net.add_advective(c, b, 4.0).unwrap();
        net.add_heat_load("q", a, 100.0).unwrap();
        net
    }

    /// Rows assembled in parallel parts: a chain long enough to be split, each
    /// link given twice (once each way) so rows on both sides of a split merge
    /// duplicates; the same pattern and values in pools of 1 and 2 threads.
    #[test]
    fn parallel_assembly_merges_duplicates_like_one_thread() {
        let n = 3 * PARALLEL_LEN;
        let assemble = |threads: usize| {
            in_pool(threads, || {
                let mut net = ThermalNetwork::new();
                let ids: Vec<_> = (0..n)
                    .map(|i| net.add_node(&format!("n{i}"), NodeKind::Arithmetic, 300.0))
                    .collect::<Result<_, _>>()
                    .unwrap();
                let space = net.add_boundary("space", 3.0).unwrap();
                for (i, w) in ids.windows(2).enumerate() {
                    let g = 1.0 + (i % 7) as f64;
                    net.add_linear(w[0], w[1], g).unwrap();
                    net.add_linear(w[1], w[0], 0.5 * g).unwrap();
                }
                net.add_radiative(ids[0], space, 0.1).unwrap();
                net.assemble().unwrap()
            })
        };
        let (one, two) = (assemble(1), assemble(2));
        assert_eq!(one.pattern, two.pattern);
        assert_eq!(one.diag, two.diag);
        let p = &two.pattern;
        for i in 0..n {
            assert_eq!(p.col_idx()[two.diag[i] as usize] as usize, i);
            if i + 1 < n {
                let g = 1.5 * (1.0 + (i % 7) as f64);
                assert_eq!(p.get(i, i + 1), g);
                assert_eq!(p.get(i + 1, i), g);
            }
        }
        assert_eq!(p.nnz(), n + 2 * (n - 1));
    }

    /// Node numbering over many nodes, boundaries spread among them: the
    /// boundaries keep their order, every unknown its node's order, capacity
    /// and initial temperature, in pools of 1 and 2 threads alike.
    #[test]
    fn parallel_node_numbering_keeps_node_order() {
        let n = 2 * (1 << 16) + 1000;
        let boundary = |i: usize| i % 40_000 == 7;
        let mut net = ThermalNetwork::new();
        for i in 0..n {
            let t = 300.0 + (i % 11) as f64;
            if boundary(i) {
                net.add_boundary(&format!("b{i}"), t).unwrap();
            } else if i % 3 == 0 {
                let kind = NodeKind::Diffusion {
                    capacitance_j_k: 1.0 + i as f64,
                };
                net.add_node(&format!("n{i}"), kind, t).unwrap();
            } else {
                net.add_node(&format!("n{i}"), NodeKind::Arithmetic, t)
                    .unwrap();
            }
            if i > 0 {
                net.add_linear(i - 1, i, 1.0).unwrap();
            }
        }
        for threads in [1, 2] {
            let asm = in_pool(threads, || net.assemble().unwrap());
            let initial = asm.initial_state();
            let mut u = 0;
            let mut boundaries = Vec::new();
            for id in 0..n {
                if boundary(id) {
                    assert_eq!(asm.unknown_of_node(id), None);
                    boundaries.push(id);
                    continue;
                }
                assert_eq!(asm.unknown_of_node(id), Some(u), "node {id}");
                assert_eq!(asm.node_of_unknown(u), id);
                let cap = if id % 3 == 0 { 1.0 + id as f64 } else { 0.0 };
                assert_eq!(asm.capacitance_j_k()[u], cap);
                assert_eq!(initial[u], 300.0 + (id % 11) as f64);
                u += 1;
            }
            assert_eq!(asm.unknowns(), u);
            let got: Vec<NodeId> = asm.boundaries().iter().map(|b| b.0).collect();
            assert_eq!(got, boundaries);
        }
    }

    /// The exact Jacobian matches central differences of the residual.
    #[test]
    fn jacobian_matches_central_differences() {
        let asm = mixed_network().assemble().unwrap();
        let x = vec![310.0, 290.0, 350.0];
        let mut k = asm.new_matrix();
        asm.jacobian(0.0, &x, &mut k);
        let n = asm.unknowns();
        for j in 0..n {
            let h = 1e-3;
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += h;
            xm[j] -= h;
            let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
            asm.residual(0.0, &xp, &mut rp);
            asm.residual(0.0, &xm, &mut rm);
            for i in 0..n {
                let fd = -(rp[i] - rm[i]) / (2.0 * h);
                let exact = k.get(i, j);
                assert!(
                    (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                    "K[{i},{j}] = {exact}, finite difference {fd}"
                );
            }
        }
        assert!(!asm.is_symmetric());
    }

    /// The grounded check on the assembled rows finds the nodes the network's
    /// own check finds: a chain to a sink grounds, and so does fluid fed from
    /// a sink or from a grounded node; advection into a sink (the node is only
    /// an upstream end) and a zero conductance do not.
    #[test]
    fn grounded_check_on_rows_matches_the_network() {
        let mut net = ThermalNetwork::new();
        let s = net.add_boundary("sink", 3.0).unwrap();
        let mut node = |name: &str| net.add_node(name, NodeKind::Arithmetic, 300.0).unwrap();
        let (a, b, c, d, e, f, g, h) = (
            node("a"),
            node("b"),
            node("c"),
            node("d"),
            node("e"),
            node("f"),
            node("g"),
            node("h"),
        );
        net.add_radiative(a, s, 1.0).unwrap();
        net.add_linear(a, b, 2.0).unwrap();
        net.add_advective(c, s, 1.0).unwrap();
        net.add_advective(s, g, 1.0).unwrap();
        net.add_advective(g, h, 1.0).unwrap();
        net.add_linear(d, e, 1.0).unwrap();
        net.add_linear(f, s, 0.0).unwrap();
        let expected = net.check_grounded().unwrap_err().to_string();
        let got = net.assemble().unwrap().check_grounded().unwrap_err();
        assert_eq!(got.to_string(), expected);
        assert!(matches!(got, NetworkError::NoPathToSink { count: 4, .. }));
        assert_eq!(net.nodes_without_sink(), vec![c, d, e, f]);
        net.add_linear(e, b, 1.0).unwrap();
        net.add_linear(f, c, 1.0).unwrap();
        // Fluid from a grounded node ties `c` (and, through it, `f`).
        net.add_advective(b, c, 1.0).unwrap();
        assert!(net.check_grounded().is_ok());
        assert!(net.assemble().unwrap().check_grounded().is_ok());
    }

    /// A grid block beside the couplings that keep rows off the stencil path:
    /// an `nx × ny` plate (conductances varying cell by cell, so a wrong
    /// neighbour changes the bits) radiating to one sink, a conductive
    /// boundary on every fifth cell, lumped nodes tied to cells, advection
    /// between two cells (a stencil row with unequal couplings), from a lumped
    /// node into a cell and from a boundary into a cell, a repeated conductor,
    /// heat loads, and with `node_radiation` a radiative conductor between a
    /// lumped node and a cell and one between two neighbouring cells (a
    /// stencil row with a radiative entry; every row then carries them).
    fn grid_with_lumped_nodes(nx: usize, ny: usize, node_radiation: bool) -> ThermalNetwork {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 3.0).unwrap();
        let wall = net.add_boundary("wall", 290.0).unwrap();
        let cells = plate(&mut net, nx, ny);
        let id = |i: usize, j: usize| cells.start + j * nx + i;
        for j in 0..ny {
            for i in 0..nx {
                let g = 1.0 + 0.1 * ((7 * i + 3 * j) % 11) as f64;
                if i + 1 < nx {
                    net.add_linear(id(i, j), id(i + 1, j), g).unwrap();
                }
                if j + 1 < ny {
                    net.add_linear(id(i, j), id(i, j + 1), 1.3 * g).unwrap();
                }
                net.add_radiative(id(i, j), space, 0.01 * g).unwrap();
                if (i + j) % 5 == 0 {
                    net.add_linear(id(i, j), wall, 0.5 * g).unwrap();
                }
            }
        }
        net.add_linear(id(3, 3), id(4, 3), 0.25).unwrap();
        net.add_advective(id(5, 5), id(6, 5), 0.75).unwrap();
        net.add_advective(wall, id(7, 7), 0.4).unwrap();
        let mut prev = None;
        for k in 0..6 {
            let node = net
                .add_node(
                    &format!("rack{k}"),
                    NodeKind::Diffusion {
                        capacitance_j_k: 500.0,
                    },
                    310.0,
                )
                .unwrap();
            net.add_heat_load(&format!("load{k}"), node, 10.0).unwrap();
            net.add_linear(node, id(2 + 3 * k, ny / 2), 2.0).unwrap();
            if let Some(p) = prev {
                net.add_linear(p, node, 5.0).unwrap();
            }
            prev = Some(node);
        }
        let rack0 = net.node("rack0").unwrap();
        net.add_advective(rack0, id(9, 9), 0.3).unwrap();
        if node_radiation {
            net.add_radiative(rack0, id(nx / 2, 2), 0.2).unwrap();
            net.add_radiative(id(20, 20), id(21, 20), 0.15).unwrap();
        }
        net.add_heat_load("corner", id(0, 0), 25.0).unwrap();
        add_spread_sources(&mut net, cells);
        net
    }

    /// Three sources spread over `cells`, of both signs, up to three on a
    /// cell: rows with several loads in every chunk, and totals that round.
    fn add_spread_sources(net: &mut ThermalNetwork, cells: std::ops::Range<NodeId>) {
        let spread = |step: usize, scale: f64| -> Vec<(NodeId, f64)> {
            cells
                .clone()
                .step_by(step)
                .map(|k| (k, scale * (1.5 + (0.37 * k as f64).sin())))
                .collect()
        };
        for (name, step, scale) in [("flux", 3, 0.7), ("cooler", 7, -0.3), ("heater", 2, 0.11)] {
            net.add_source(HeatSource {
                name: name.into(),
                loads: spread(step, scale),
                profile: Profile::Constant(1.0 + step as f64 / 10.0),
            })
            .unwrap();
        }
    }

    /// Single-load runs: consecutive unknowns with one load each, at least
    /// eight long; a row with two loads or a gap in the unknowns ends a run;
    /// `for_each_part` covers every entry in a range once, in order.
    #[test]
    fn single_load_runs_split_at_gaps_and_multiple_loads() {
        // Unknowns 0..12 one load each, 12 with two, 13..30 one each, then 40..45.
        let rows: Vec<u32> = (0..30).chain(40..45).collect();
        let mut ptr = vec![0u32];
        for &u in &rows {
            let loads = if u == 12 { 2 } else { 1 };
            ptr.push(ptr.last().copied().unwrap_or(0) + loads);
        }
        let runs = single_load_runs(&rows, &ptr);
        let spans: Vec<(u32, u32)> = runs.iter().map(|r| (r.k, r.len)).collect();
        assert_eq!(spans, vec![(0, 12), (13, 17)]);
        let sr = SourceRows {
            rows,
            ptr,
            loads: Vec::new(),
            single_runs: runs,
        };
        for range in [0..50, 5..20, 12..13, 29..41, 31..39] {
            let mut seen = Vec::new();
            sr.for_each_part(range.clone(), |ks, single| {
                for k in ks {
                    let general = k == 12 || k >= 30;
                    assert_eq!(single, !general, "entry {k} in {range:?}");
                    seen.push(sr.rows[k] as usize);
                }
            });
            let expected: Vec<usize> = sr
                .rows
                .iter()
                .map(|&u| u as usize)
                .filter(|u| range.contains(u))
                .collect();
            assert_eq!(seen, expected, "{range:?}");
        }
    }

    /// The residual at a uniform state (no heat flows through any conductor)
    /// is the source power alone: each row's loads summed in the order they
    /// were added (the bits of `q[u] += w p` over the sources in turn), and the
    /// sources' totals are the same bits on 1 and 2 threads, within round-off
    /// of a serial sum.
    #[test]
    fn residual_rows_start_from_their_loads_in_source_order() {
        let (nx, ny) = (131, 127);
        let mut net = ThermalNetwork::new();
        let wall = net.add_boundary("wall", 300.0).unwrap();
        let cells = plate(&mut net, nx, ny);
        for k in cells.clone() {
            if k + 1 < cells.end {
                net.add_linear(k, k + 1, 2.0).unwrap();
            }
            net.add_radiative(k, wall, 0.01).unwrap();
        }
        add_spread_sources(&mut net, cells.clone());
        let mut serial = (0.0, 0.0);
        let mut q = vec![0.0; nx * ny];
        for s in net.sources() {
            let p = s.profile.value_at(0.0);
            for &(node, w) in &s.loads {
                q[node - cells.start] += w * p;
                if w * p >= 0.0 {
                    serial.0 += w * p;
                } else {
                    serial.1 -= w * p;
                }
            }
        }
        assert!(q.iter().filter(|v| **v != 0.0).count() > nx * ny / 2);
        let results = [1, 2].map(|threads| {
            in_pool(threads, || {
                let asm = net.assemble().unwrap();
                let x = vec![300.0; asm.unknowns()];
                let mut r = vec![f64::NAN; asm.unknowns()];
                let flows = asm.residual_and_flows(0.0, &x, &mut r);
                let mut r2 = vec![f64::NAN; asm.unknowns()];
                asm.residual(0.0, &x, &mut r2);
                let first = (0..q.len()).find(|&i| r[i].to_bits() != q[i].to_bits());
                assert!(first.is_none(), "row {first:?}: not the loads' sum");
                let first = (0..q.len()).find(|&i| r2[i].to_bits() != q[i].to_bits());
                assert!(first.is_none(), "row {first:?}: not the loads' sum");
                assert_eq!(asm.heat_flows(0.0, &x), flows);
                (flows.source_in_w, flows.source_out_w)
            })
        });
        assert_eq!(results[0].0.to_bits(), results[1].0.to_bits());
        assert_eq!(results[0].1.to_bits(), results[1].1.to_bits());
        assert!((results[0].0 - serial.0).abs() <= 1e-12 * serial.0);
        assert!((results[0].1 - serial.1).abs() <= 1e-12 * serial.1);
    }

    /// The residual, the heat into each boundary and the Jacobian, evaluated
    /// row by row from the stored entries (each by column index) in the
    /// documented order: source loads (from the network's sources, in the
    /// order they were added), stored entries, radiative entries, boundary
    /// terms; the heat into boundaries and the sources' totals summed per
    /// chunk of [`ROW_CHUNK`] rows, the chunks added in order.
    fn reference_balance(
        asm: &AssembledNetwork,
        t_s: f64,
        x: &[f64],
    ) -> (Vec<f64>, HeatFlows, CsrMatrix) {
        let tb = asm.boundary_temperatures(t_s);
        let tb4: Vec<f64> = tb.iter().map(|t| t.powi(4)).collect();
        let (rp, ci) = (asm.pattern.row_ptr(), asm.pattern.col_idx());
        let (lin, rad) = (asm.pattern.values(), &asm.rad_off);
        let n = x.len();
        // Source power per unknown, load by load in source order (as the
        // sources were added), and the totals per chunk of rows in row order.
        let mut r = vec![0.0; n];
        let mut row_powers: Vec<Vec<f64>> = vec![Vec::new(); n];
        for s in asm.sources() {
            let p = s.profile.value_at(t_s);
            for &(node, w) in &s.loads {
                if let Some(u) = asm.unknown_of_node(node) {
                    r[u] += w * p;
                    row_powers[u].push(w * p);
                }
            }
        }
        let mut sources = (0.0, 0.0);
        for rows in row_powers.chunks(ROW_CHUNK) {
            let (mut source_in, mut source_out) = (0.0, 0.0);
            for &q in rows.iter().flatten() {
                if q >= 0.0 {
                    source_in += q;
                } else {
                    source_out -= q;
                }
            }
            sources.0 += source_in;
            sources.1 += source_out;
        }
        let mut into_boundary = vec![0.0; tb.len()];
        let mut k = asm.new_matrix();
        for rows in (0..n).collect::<Vec<_>>().chunks(ROW_CHUNK) {
            let mut into = vec![0.0; tb.len()];
            for &i in rows {
                let xi = x[i];
                let (mut s, mut d) = (0.0, 0.0);
                for p in rp[i]..rp[i + 1] {
                    s += lin[p] * (x[ci[p] as usize] - xi);
                    k.values_mut()[p] = -lin[p];
                    d += lin[p];
                }
                if !rad.is_empty() {
                    let (mut sr, mut dr) = (0.0, 0.0);
                    for p in rp[i]..rp[i + 1] {
                        let xj = x[ci[p] as usize];
                        sr += rad[p] * (xj.powi(4) - xi.powi(4));
                        k.values_mut()[p] -= 4.0 * SIGMA * rad[p] * xj * xj * xj;
                        dr += rad[p];
                    }
                    s += SIGMA * sr;
                    d += 4.0 * SIGMA * dr * xi * xi * xi;
                }
                for e in asm.boundary_terms(i) {
                    let q = e.heat_in(xi, &tb, &tb4);
                    s += q;
                    if e.code & ADVECTED_BIT == 0 {
                        into[e.index()] -= q;
                    }
                    d += e.conductance(xi);
                }
                r[i] += s;
                k.values_mut()[asm.diag[i] as usize] = d;
            }
            for (q, p) in into_boundary.iter_mut().zip(into) {
                *q += p;
            }
        }
        let flows = asm.flows_from(x, &tb, &tb4, sources, into_boundary);
        (r, flows, k)
    }

    /// Residual, heat flows and Jacobian have the bits of the row-by-row
    /// reference on every row, on 1 and 2 threads, with and without radiation
    /// between two unknowns; most rows of the plate take the stencil path, so
    /// the test sees it.
    #[test]
    fn stencil_rows_match_the_reference_bit_for_bit() {
        let (nx, ny) = (131, 127);
        assert!(nx * ny >= PARALLEL_LEN); // parallel, four chunks and more
        for node_radiation in [false, true] {
            let net = grid_with_lumped_nodes(nx, ny, node_radiation);
            let results = [1, 2].map(|threads| {
                in_pool(threads, || {
                    let asm = net.assemble().unwrap();
                    let stencil_rows: usize =
                        asm.stencil_runs.iter().map(|r| r.end - r.start).sum();
                    assert_eq!(asm.has_constant_couplings(), !node_radiation);
                    assert!(stencil_rows > (nx - 2) * (ny - 2) - 20, "{stencil_rows}");
                    // Runs with one boundary term per row, and with several.
                    let one_term = asm.stencil_runs.iter().filter(|r| r.term.is_some());
                    assert!(one_term.count() < asm.stencil_runs.len());
                    assert!(asm.stencil_runs.iter().any(|r| r.term.is_some()));
                    let n = asm.unknowns();
                    let x: Vec<f64> = (0..n)
                        .map(|i| 300.0 + 40.0 * (0.37 * i as f64).sin())
                        .collect();
                    let (r_ref, flows_ref, k_ref) = reference_balance(&asm, 10.0, &x);
                    let mut r = vec![0.0; n];
                    asm.residual(10.0, &x, &mut r);
                    let mut r2 = vec![0.0; n];
                    let flows = asm.residual_and_flows(10.0, &x, &mut r2);
                    let mut k = asm.new_matrix();
                    asm.jacobian(10.0, &x, &mut k);
                    let bits = |v: &[f64]| v.iter().map(|q| q.to_bits()).collect::<Vec<_>>();
                    for (name, v) in [("residual", &r), ("residual and flows", &r2)] {
                        if let Some(i) = (0..n).find(|&i| v[i].to_bits() != r_ref[i].to_bits()) {
                            panic!("{name} row {i}: {} vs reference {}", v[i], r_ref[i]);
                        }
                    }
                    assert_eq!(bits(k.values()), bits(k_ref.values()));
                    assert_eq!(flows, flows_ref);
                    assert_eq!(asm.heat_flows(10.0, &x), flows_ref);
                    (bits(&r), flows)
                })
            });
            assert_eq!(results[0], results[1]);
        }
    }

    /// Net heat into unknowns plus heat into boundaries equals sources (+ advection).
    #[test]
    fn heat_flows_balance_the_residual() {
        let asm = mixed_network().assemble().unwrap();
        let x = vec![310.0, 290.0, 350.0];
        let mut r = vec![0.0; 3];
        asm.residual(0.0, &x, &mut r);
        let flows = asm.heat_flows(0.0, &x);
        let net_in = flows.heat_in_w() - flows.heat_out_w();
        let stored: f64 = r.iter().sum();
        assert!((net_in - stored).abs() < 1e-9 * flows.heat_in_w());
    }

    /// A network with temperature-dependent sources (one with a time profile,
    /// one pushed past its zero floor): Jacobian against central differences,
    /// heat flows against the residual, and the per-source powers.
    #[test]
    fn temperature_dependent_sources_enter_residual_jacobian_and_flows() {
        let mut net = mixed_network();
        let a = net.node("a").unwrap();
        let m = net.node("c").unwrap();
        let table =
            crate::network::TimeTable::new("sun", vec![0.0, 10.0], vec![800.0, 1200.0], None)
                .unwrap();
        net.add_temperature_dependent_source(TemperatureDependentSource {
            name: "array output".into(),
            node: a,
            weight: -0.3,
            profile: Profile::from(table),
            coefficient_per_k: -0.004,
            reference_k: 301.15,
        })
        .unwrap();
        net.add_temperature_dependent_source(TemperatureDependentSource {
            name: "floored".into(),
            node: m,
            weight: 5.0,
            profile: Profile::Constant(1.0),
            coefficient_per_k: -0.01,
            reference_k: 200.0,
        })
        .unwrap();
        let asm = net.assemble().unwrap();
        assert!(!asm.is_linear());
        let x = vec![310.0, 290.0, 350.0];
        let t = 5.0;
        let mut k = asm.new_matrix();
        asm.jacobian(t, &x, &mut k);
        let n = asm.unknowns();
        for j in 0..n {
            let h = 1e-3;
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += h;
            xm[j] -= h;
            let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
            asm.residual(t, &xp, &mut rp);
            asm.residual(t, &xm, &mut rm);
            for i in 0..n {
                let fd = -(rp[i] - rm[i]) / (2.0 * h);
                let exact = k.get(i, j);
                assert!(
                    (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                    "K[{i},{j}] = {exact}, finite difference {fd}"
                );
            }
        }
        let powers = asm.temperature_dependent_source_powers(t, &x);
        let ua = asm.unknown_of_node(a).unwrap();
        let expected = -0.3 * 1000.0 * (1.0 - 0.004 * (x[ua] - 301.15));
        assert!((powers[0] - expected).abs() < 1e-9, "{powers:?}");
        assert_eq!(powers[1], 0.0, "the factor is floored at zero");
        let mut r = vec![0.0; n];
        let flows = asm.residual_and_flows(t, &x, &mut r);
        let stored: f64 = r.iter().sum();
        let net_in = flows.heat_in_w() - flows.heat_out_w();
        assert!((net_in - stored).abs() < 1e-9 * flows.heat_in_w());
        let flows_alone = asm.heat_flows(t, &x);
        assert_eq!(flows_alone.source_out_w, flows.source_out_w);
        let mut r_alone = vec![0.0; n];
        asm.residual(t, &x, &mut r_alone);
        assert_eq!(r, r_alone);
    }
}
