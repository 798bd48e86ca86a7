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
    AdvectiveConductor, HeatSource, NodeGroup, NodeId, Profile, TemperatureDependentSource,
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

mod build;

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

/// A network compiled for the solvers. Built by [`ThermalNetwork::assemble`](crate::network::ThermalNetwork::assemble).
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
        super::node_label(&self.named, &self.groups, id)
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
    /// [`ThermalNetwork::nodes_without_sink`](crate::network::ThermalNetwork::nodes_without_sink): a row with a boundary term of
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
    use crate::network::{NodeKind, ThermalNetwork};

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
