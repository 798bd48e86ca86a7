//! The solver form of a network: unknowns, a fixed sparse pattern, and the
//! residual and exact Jacobian of the heat balance.
//!
//! Unknowns are the diffusion and arithmetic nodes, numbered in node order;
//! boundary nodes are eliminated (their temperatures are evaluated at `t`).
//! The residual `F_i(t, T)` is the net heat into unknown `i` (W); the matrix the
//! solvers use is `K = −∂F/∂T` (W/K), which has a positive diagonal and, for
//! conduction plus radiation to boundaries, is symmetric positive definite.

use super::kernels::{BoundaryPair, BoundaryTerm, SourceRows, StencilRun};
use super::{
    AdvectiveConductor, HeatSource, NodeGroup, NodeId, NodeKind, Profile,
    TemperatureDependentSource, ThermalNetwork,
};
use crate::error::{NetworkError, SolveError};
use crate::linalg::parallel::{PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::{CsrMatrix, GridBlock};
use rayon::prelude::*;

/// Bit that marks a node reference as a boundary node.
pub(super) const BOUNDARY_BIT: u32 = 1 << 31;
/// Bit that marks a boundary term as fluid advected in from the boundary (it
/// enters the balance like a conductance but carries no heat *into* the boundary).
pub(super) const ADVECTED_BIT: u32 = 1 << 31;
/// Bit that marks a boundary term as radiative.
pub(super) const RADIATIVE_BIT: u32 = 1 << 30;
/// Boundary indices must stay below this (the two bits above mark the term's kind).
pub(super) const MAX_BOUNDARIES: usize = 1 << 30;

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
    pub(super) node_ref: Vec<u32>,
    /// Node of each unknown (node ids fit `u32`: checked on assembly).
    pub(super) node_of_unknown: Vec<u32>,
    pub(super) capacitance_j_k: Vec<f64>,
    pub(super) initial_k: Vec<f64>,
    pub(super) boundaries: Vec<(NodeId, Profile)>,
    /// Conductors joining two boundary nodes (energy balance only).
    pub(super) between_boundaries: Vec<BoundaryPair>,
    /// True when some radiative conductor has a non-zero exchange factor.
    pub(super) radiates: bool,
    pub(super) advective: Vec<AdvectiveConductor>,
    /// Position of each row's diagonal entry (`u32`: 4 MB instead of 8 at 1 M unknowns).
    pub(super) diag: Vec<u32>,
    /// Per stored entry: radiative exchange factor between unknowns i and j (m²);
    /// empty when no radiation joins two unknowns.
    pub(super) rad_off: Vec<f64>,
    /// Terms with boundary nodes, per unknown (`bnd_ptr` has n + 1 entries).
    pub(super) bnd_ptr: Vec<u32>,
    pub(super) bnd: Vec<BoundaryTerm>,
    pub(super) sources: Vec<HeatSource>,
    /// Sources linear in their node's temperature, with the unknown each loads;
    /// few (solar arrays, lumped loads), so they are added after the rows' pass.
    pub(super) temperature_sources: Vec<(usize, TemperatureDependentSource)>,
    /// Source loads on unknowns, per unknown in source order: each row's
    /// source power is summed in a fixed order inside the residual's parallel pass.
    pub(super) source_rows: SourceRows,
    /// The pattern; its values are, per stored entry (row i, column j ≠ i), the
    /// conductance of the linear conductors between unknowns i and j plus the
    /// capacity rate of advection from j into i (W/K), zero on the diagonal.
    pub(super) pattern: CsrMatrix,
    pub(super) named: Vec<(String, NodeId)>,
    pub(super) groups: Vec<NodeGroup>,
    pub(super) symmetric: bool,
    /// Rows of grid blocks with the plain five-point pattern, increasing and
    /// disjoint (one or a few per grid row: about 40 kB at 1024²).
    pub(super) stencil_runs: Vec<StencilRun>,
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

    /// `K = −∂F/∂T` (W/K) at `t_s` and the temperature of every node
    /// `temperatures_k` (a solution's, one per node): the matrix the solvers
    /// factor, e.g. to export it ([`CsrMatrix::to_sprs`]).
    pub fn jacobian_at_nodes(
        &self,
        t_s: f64,
        temperatures_k: &[f64],
    ) -> Result<CsrMatrix, NetworkError> {
        if temperatures_k.len() != self.node_count() {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "length of the temperature slice",
                value: temperatures_k.len() as f64,
                allowed: "one temperature per node",
            });
        }
        let x: Vec<f64> = self
            .node_of_unknown
            .iter()
            .map(|&id| temperatures_k[id as usize])
            .collect();
        let mut k = self.new_matrix();
        self.jacobian(t_s, &x, &mut k);
        Ok(k)
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
    pub(super) fn with_stencil_runs(mut self) -> Self {
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
    pub(super) fn for_each_part(
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
    pub(super) fn boundary_terms(&self, i: usize) -> &[BoundaryTerm] {
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
    pub(super) fn add_temperature_sources(
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
    pub(super) fn boundary_temperatures(&self, t_s: f64) -> Vec<f64> {
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

/// One pass over the conductors of `net`, in order (`node_ref` as
/// [`AssembledNetwork`]'s): every stored entry `(row, column, linear
/// conductance or advective capacity rate, radiative exchange factor)` to
/// `entry`, every term of an unknown with a boundary node to `boundary`
/// (conductors between two boundaries and advection out of the network to
/// neither). Generic, so each caller's closures are inlined into the loop.
pub(super) fn visit_conductors(
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
pub(super) fn row_parts(n: usize) -> Vec<std::ops::Range<usize>> {
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
pub(super) fn split_at_offsets<'a, T>(
    mut data: &'a mut [T],
    offsets: &[usize],
) -> Vec<&'a mut [T]> {
    let mut slices = Vec::with_capacity(offsets.len());
    for (k, &from) in offsets.iter().enumerate() {
        let to = offsets.get(k + 1).map_or(data.len() + from, |&next| next);
        let (head, tail) = std::mem::take(&mut data).split_at_mut(to - from);
        slices.push(head);
        data = tail;
    }
    slices
}

pub(super) fn exclusive_prefix_sum(counts: &[usize]) -> Vec<usize> {
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
pub(super) fn lookup(node_ref: u32, x: &[f64], tb: &[f64]) -> f64 {
    if node_ref & BOUNDARY_BIT == 0 {
        x[node_ref as usize]
    } else {
        tb[(node_ref & !BOUNDARY_BIT) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_networks::in_pool;

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
}
