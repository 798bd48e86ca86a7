//! A network coarsened over aggregates, for nested iteration (`crate::solve`
//! drives it with multigrid's transfers): sinks, sources and heat capacities
//! summed per aggregate, so the coarse network carries the same heat.

use rayon::prelude::*;

use super::assembly::BOUNDARY_BIT;
use super::kernels::{BoundaryTerm, SourceRows};
use super::{AdvectiveConductor, AssembledNetwork, HeatSource, NodeGroup, NodeId};
use crate::linalg::parallel::{PARALLEL_LEN, ROW_CHUNK};
use crate::linalg::{CsrMatrix, GridBlock};

impl AssembledNetwork {
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
}
