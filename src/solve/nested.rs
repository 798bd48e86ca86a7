//! Nested iteration for the steady solver: a network coarsened by one level of
//! the geometric multigrid hierarchy, solved, and its solution interpolated as
//! the fine network's first guess; its coarse level then seeds the hierarchy.

use crate::linalg::multigrid::{galerkin_structure, NONE};
use crate::linalg::{FirstLevel, GridBlock, Transfer};
use crate::network::AssembledNetwork;

/// One step of nested iteration: a network coarsened by one level of the
/// geometric hierarchy (2 × 2 agglomeration of its grid blocks, lumped nodes
/// kept), and the bilinear prolongation back to the fine unknowns.
///
/// The coarse network's conductances are the scaled Galerkin product of the
/// fine ones — the same coarse operator as the hierarchy's (module docs), so
/// across a coarse face the conductance is the rediscretised `k t Δy/Δx` —
/// and its sinks, sources and capacities are the sums over each aggregate
/// ([`AssembledNetwork::coarsened`]). Its solution, interpolated, is a first
/// guess within the coarse grid's discretisation error of the fine one
/// (nested iteration: Trottenberg, Oosterlee & Schüller, *Multigrid*, 2001, §2.6).
pub(crate) struct CoarseNetwork {
    /// The coarse network.
    pub(crate) network: AssembledNetwork,
    /// The fine network's grid blocks (which alone, with its size, fix the transfer).
    fine_blocks: Vec<GridBlock>,
    transfer: Transfer,
    /// The diagonal of the Galerkin product of the fine conductances, which
    /// the coarse network drops: `Σ_{i,j∈c} G_ij + (1 − s) Σ_{i∈c, j∉c, same grid} G_ij`.
    inner: Vec<f64>,
    /// The coupling scale `s` of the Galerkin product.
    coupling_scale: f64,
}

impl CoarseNetwork {
    /// Coarsens `system`, or `None` when it has no grid block to coarsen (or
    /// coarsening would remove fewer than a tenth of the unknowns).
    pub(crate) fn new(system: &AssembledNetwork, coupling_scale: f64) -> Option<Self> {
        let (pattern, lin, rad) = system.row_couplings();
        let n = pattern.n();
        let fine_blocks = system.grid_blocks();
        let t = Transfer::geometric(n, &fine_blocks);
        if t.blocks.is_empty() || t.n_coarse * 10 > n * 9 {
            return None;
        }
        let owner = t.fine_block_of(n);
        // The pattern's values are the linear conductances, so the coarse
        // matrix's values are theirs; radiation between unknowns (rare) takes
        // a second product.
        let same_block = |i: usize, j: usize| owner[i] != NONE && owner[i] == owner[j];
        let (mut coarse, _) =
            galerkin_structure(pattern, &t, same_block, coupling_scale, false).ok()?;
        debug_assert!(std::ptr::eq(pattern.values(), lin));
        let lin_c = coarse.take_values();
        let rad_c = if rad.is_empty() {
            Vec::new()
        } else {
            let radiative = pattern.zeros_like().with_values(rad.to_vec());
            let (c, _) =
                galerkin_structure(&radiative, &t, same_block, coupling_scale, false).ok()?;
            c.values().to_vec()
        };
        let (network, inner) = system.coarsened(
            &t.agg,
            t.n_coarse,
            |c, out| t.members(c, out),
            &t.coarse_blocks(),
            coarse,
            lin_c,
            rad_c,
        )?;
        Some(Self {
            network,
            fine_blocks,
            transfer: t,
            inner,
            coupling_scale,
        })
    }

    /// Fine unknowns interpolated from coarse ones: bilinearly on grids
    /// (extrapolating linearly into the half cell beyond the outermost coarse
    /// centres, so the gradient at a heated edge carries over), copied elsewhere.
    pub(crate) fn prolong(&self, coarse: &[f64]) -> Vec<f64> {
        let mut fine = vec![0.0; self.transfer.agg.len()];
        self.transfer
            .interpolate_add(coarse, &mut fine, |axis| &axis.solution);
        fine
    }

    /// The first coarse level of the fine network's multigrid hierarchy, when
    /// couplings are constant: the same transfer, and the coarse pattern with
    /// its scaled Galerkin conductances (so the hierarchy need not rebuild
    /// them), with `fine`'s pattern and diagonal positions (`fine` the network
    /// this one coarsens: its matrices need not be searched for their diagonals).
    pub(crate) fn into_first_level(self, fine: &AssembledNetwork) -> Option<FirstLevel> {
        self.network.has_constant_couplings().then(|| {
            let (couplings, diagonal) = self.network.into_pattern();
            FirstLevel {
                fine_pattern: fine.row_couplings().0.pattern_only(),
                fine_diag: fine.diagonal_positions().to_vec(),
                fine_blocks: self.fine_blocks,
                transfer: self.transfer,
                couplings,
                diagonal,
                inner: self.inner,
                coupling_scale: self.coupling_scale,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::krylov::Operator;
    use crate::linalg::multigrid::hierarchy::{level_operator, LevelUpdate};
    use crate::linalg::{Coarsening, CsrMatrix, Hierarchy, MultigridOptions};
    use crate::network::{GridShape, HeatSource, NodeKind, Profile, ThermalNetwork};

    /// An `nx × ny` grid joined by conductance `g` (a square-cell plate:
    /// `k t Δy/Δx = k t`), each cell radiating `r` to a 3 K sink, 10 W into
    /// cell (0, 0), and a lumped node joined to cell (1, 1) with conductance 5.
    fn plate(nx: usize, ny: usize, g: f64, r: f64) -> AssembledNetwork {
        let mut net = ThermalNetwork::new();
        let sink = net.add_boundary("space", 3.0).unwrap();
        let cells = net
            .add_group(
                "plate",
                &vec![1.0; nx * ny],
                300.0,
                Some(GridShape { nx, ny }),
            )
            .unwrap();
        let id = |i: usize, j: usize| cells.start + j * nx + i;
        for j in 0..ny {
            for i in 0..nx {
                if i + 1 < nx {
                    net.add_linear(id(i, j), id(i + 1, j), g).unwrap();
                }
                if j + 1 < ny {
                    net.add_linear(id(i, j), id(i, j + 1), g).unwrap();
                }
                net.add_radiative(id(i, j), sink, r).unwrap();
            }
        }
        let lump = net.add_node("lump", NodeKind::Arithmetic, 320.0).unwrap();
        net.add_linear(lump, id(1, 1), 5.0).unwrap();
        net.add_source(HeatSource {
            name: "load".into(),
            loads: vec![(id(0, 0), 4.0), (id(1, 0), 6.0)],
            profile: Profile::Constant(1.0),
        })
        .unwrap();
        net.assemble().unwrap()
    }

    /// The coarse network carries the same sinks and sources, its conductance
    /// across a coarse face is the fine one (square cells stay square), and the
    /// lumped node keeps its coupling (to the aggregate of its cell).
    #[test]
    fn coarse_network_is_the_rediscretised_plate() {
        let (g, r) = (2.5, 0.01);
        let fine = plate(8, 6, g, r);
        let coarse = CoarseNetwork::new(&fine, 0.5).unwrap();
        let c = &coarse.network;
        assert_eq!(c.unknowns(), 4 * 3 + 1);
        assert_eq!(c.grid_blocks()[0].shape, GridShape { nx: 4, ny: 3 });
        // Uniform temperature: no conduction, so the summed residual is sources − sinks.
        let total = |sys: &AssembledNetwork, t: f64| {
            let x = vec![t; sys.unknowns()];
            let mut f = vec![0.0; sys.unknowns()];
            sys.residual(0.0, &x, &mut f);
            f.iter().sum::<f64>()
        };
        let (tf, tc) = (total(&fine, 290.0), total(c, 290.0));
        assert!((tf - tc).abs() < 1e-12 * tf.abs(), "{tf} vs {tc}");
        // Coarse Jacobian: −g between neighbouring coarse cells, −5 to the lump.
        let mut k = c.new_matrix();
        c.jacobian(0.0, &vec![300.0; c.unknowns()], &mut k);
        assert!((k.get(0, 1) + g).abs() < 1e-12);
        assert!((k.get(0, 4) + g).abs() < 1e-12);
        assert!((k.get(12, 0) + 5.0).abs() < 1e-12);
        assert_eq!(k.get(0, 5), 0.0);
        // Prolongation reproduces a field linear in x between coarse cell centres.
        let xc: Vec<f64> = (0..13)
            .map(|q| if q < 12 { 10.0 * (q % 4) as f64 } else { 7.0 })
            .collect();
        let xf = coarse.prolong(&xc);
        // Fine cell i has its centre at i + ½; coarse cell I at 2I + 1 (fine units).
        for i in 1..7 {
            let expected = 10.0 * ((i as f64 + 0.5) - 1.0) / 2.0;
            assert!(
                (xf[2 * 8 + i] - expected).abs() < 1e-12,
                "cell {i}: {}",
                xf[2 * 8 + i]
            );
        }
        assert_eq!(xf[48], 7.0);
    }

    /// Every level's matrix of `h` equals that of `reference` to round-off
    /// (compared through their products with a varied vector, in whichever
    /// form each level keeps).
    fn assert_same_levels(h: &Hierarchy, reference: &Hierarchy) {
        assert_eq!(h.sizes(), reference.sizes());
        let fine = CsrMatrix::from_triplets(1, &[(0, 0, 1.0)]);
        for l in 1..h.levels() {
            let n = h.sizes()[l];
            let x: Vec<f64> = (0..n).map(|i| 1.0 + (i as f64 * 0.37).sin()).collect();
            let product = |hh: &Hierarchy| {
                let mut y = vec![0.0; n];
                level_operator(l, &fine, None, &hh.mats)
                    .update_rows(&x, &mut y, |_, y, v| y.copy_from_slice(v));
                y
            };
            // Both apply the level's single-precision stencil form (or CSR
            // where there is none): equal up to an f32 rounding of a coefficient.
            for (i, (a, b)) in product(h).iter().zip(product(reference)).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                    "level {l} row {i}: {a} vs {b}"
                );
            }
        }
    }

    /// Hierarchies kept by diagonal updates (no gather maps), and built from
    /// nested iteration's coarse network, give the full Galerkin product's
    /// coarse matrices, for the first Jacobian and after the diagonal moves.
    #[test]
    fn diagonal_updates_and_the_nested_first_level_match_the_galerkin_product() {
        let fine = plate(37, 29, 2.5, 0.01);
        let blocks = fine.grid_blocks();
        assert!(fine.has_constant_couplings());
        let options = MultigridOptions {
            coarsest_unknowns: 8,
            ..MultigridOptions::default()
        };
        let geometric = Coarsening::Geometric(blocks, Vec::new());
        let jacobian = |t: f64| {
            let mut k = fine.new_matrix();
            let x: Vec<f64> = (0..fine.unknowns()).map(|i| t + (i % 17) as f64).collect();
            fine.jacobian(0.0, &x, &mut k);
            k
        };
        let (k1, k2) = (jacobian(300.0), jacobian(420.0));
        let mut full = Hierarchy::new(&k1, &geometric, true, options, false, None).unwrap();
        let mut diagonal = Hierarchy::new(&k1, &geometric, true, options, true, None).unwrap();
        let seed = CoarseNetwork::new(&fine, options.coupling_scale)
            .and_then(|c| c.into_first_level(&fine));
        assert!(seed.is_some());
        let mut seeded = Hierarchy::new(&k1, &geometric, true, options, true, seed).unwrap();
        assert!(full.levels() >= 4);
        let gathers = |h: &Hierarchy| {
            h.updates
                .iter()
                .filter(|u| matches!(u, LevelUpdate::Gather(_)))
                .count()
        };
        assert!(gathers(&diagonal) == 0 && gathers(&full) > 0);
        // The seeded first level's diagonal base is the same bits as a pass
        // over the Jacobian's entries: Σ_{i≠j∈c} a_ij + (1 − s) Σ_{same grid, j∉c} a_ij.
        let t = &seeded.transfers[0];
        let owner = t.fine_block_of(k1.n());
        let mut reference = vec![0.0; t.n_coarse];
        let (rp, ci, v) = (k1.row_ptr(), k1.col_idx(), k1.values());
        for i in 0..k1.n() {
            let c = t.agg[i] as usize;
            for p in rp[i]..rp[i + 1] {
                let j = ci[p] as usize;
                if j == i {
                    continue;
                } else if t.agg[j] as usize == c {
                    reference[c] += v[p];
                } else if owner[i] != NONE && owner[i] == owner[j] {
                    reference[c] += (1.0 - options.coupling_scale) * v[p];
                }
            }
        }
        match &seeded.updates[0] {
            LevelUpdate::Diagonal { base, .. } => assert!(base
                .iter()
                .zip(&reference)
                .all(|(a, b)| a.to_bits() == b.to_bits())),
            LevelUpdate::Gather(_) => panic!("the seeded level keeps no gather map"),
        }
        assert_same_levels(&diagonal, &full);
        assert_same_levels(&seeded, &full);
        // The radiation diagonal grows with T³: only the diagonal moves.
        full.update(&k2).unwrap();
        diagonal.update(&k2).unwrap();
        seeded.update(&k2).unwrap();
        assert_same_levels(&diagonal, &full);
        assert_same_levels(&seeded, &full);
    }
}
