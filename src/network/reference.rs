//! The governing equation in one plain place, term by term:
//!
//! ```text
//! C_i dT_i/dt = Σ_j G_ij (T_j − T_i)               conduction
//!             + σ Σ_j R_ij (T_j⁴ − T_i⁴)           radiation
//!             + Σ_u ṁc_p,ui (T_u − T_i)            advection (upwind: into the downstream node only)
//!             + Σ_k w_ik p_k(t)                    sources
//!             + w_i p(t) max(0, 1 + β (T_i − T_ref))   temperature-dependent sources
//! ```
//!
//! with boundary nodes held at their prescribed `T_b(t)` (Gilmore, *Spacecraft
//! Thermal Control Handbook* Vol. 1, ch. 15; the SINDA lumped-parameter
//! formulation). The right side is the residual `F_i(t, T)`, the net heat into
//! node `i` (W).
//!
//! This is the reference, read straight off the editable [`ThermalNetwork`]'s
//! lists: one conductor at a time, no grouping, no parallel chunks. The fast
//! kernels ([`AssembledNetwork::residual`](super::AssembledNetwork::residual),
//! [`jacobian`](super::AssembledNetwork::jacobian), `network::kernels`) sum
//! the same terms in another order and are tested against this file.

use super::{NodeId, NodeKind, ThermalNetwork};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;

/// One term of the balance: heat `heat_w` into `node`, and its derivatives
/// `∂heat_w/∂T_k` (W/K) for the (at most two) nodes `k` it depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BalanceTerm {
    /// The node whose balance receives the heat.
    pub node: NodeId,
    /// Heat into `node` (W).
    pub heat_w: f64,
    /// `(k, ∂heat_w/∂T_k)` in W/K; a `k` of `usize::MAX` is unused.
    pub slopes_w_k: [(NodeId, f64); 2],
}

const NO_SLOPE: (NodeId, f64) = (usize::MAX, 0.0);

impl ThermalNetwork {
    /// Every node's temperature at `t_s`: boundary nodes at their prescribed
    /// `T_b(t)`, the others from `temperature_k` (one entry per node; the
    /// boundary nodes' entries are ignored).
    pub fn with_boundaries(&self, t_s: f64, temperature_k: &[f64]) -> Vec<f64> {
        self.kinds
            .iter()
            .zip(temperature_k)
            .map(|(kind, &t)| match kind {
                NodeKind::Boundary { temperature_k } => temperature_k.value_at(t_s),
                _ => t,
            })
            .collect()
    }

    /// Calls `term` for each term of the balance at `(t_s, T)`, `T` holding
    /// every node's temperature (see [`Self::with_boundaries`]), in the order
    /// of the equation: conduction, radiation, advection, sources.
    pub fn for_each_term(&self, t_s: f64, t: &[f64], mut term: impl FnMut(BalanceTerm)) {
        let mut add = |node, heat_w, slopes_w_k| {
            term(BalanceTerm {
                node,
                heat_w,
                slopes_w_k,
            })
        };
        // Conduction: G (T_b − T_a) into a, the opposite into b.
        for c in &self.linear {
            let (a, b, g) = (c.a(), c.b(), c.value());
            add(a, g * (t[b] - t[a]), [(a, -g), (b, g)]);
            add(b, g * (t[a] - t[b]), [(b, -g), (a, g)]);
        }
        // Radiation: σ R (T_b⁴ − T_a⁴) into a, the opposite into b.
        for c in &self.radiative {
            let (a, b, r) = (c.a(), c.b(), c.value());
            let (da, db) = (
                4.0 * SIGMA * r * t[a].powi(3),
                4.0 * SIGMA * r * t[b].powi(3),
            );
            add(
                a,
                SIGMA * r * (t[b].powi(4) - t[a].powi(4)),
                [(a, -da), (b, db)],
            );
            add(
                b,
                SIGMA * r * (t[a].powi(4) - t[b].powi(4)),
                [(b, -db), (a, da)],
            );
        }
        // Advection: ṁc_p (T_up − T_down) into the downstream node only.
        for c in &self.advective {
            let (u, d, m) = (c.upstream, c.downstream, c.mdot_cp_w_k);
            add(d, m * (t[u] - t[d]), [(d, -m), (u, m)]);
        }
        // Sources: weight × p(t), independent of temperature.
        for s in &self.sources {
            let p = s.profile.value_at(t_s);
            for &(node, w) in &s.loads {
                add(node, w * p, [NO_SLOPE; 2]);
            }
        }
        // Temperature-dependent sources: w p(t) max(0, 1 + β (T − T_ref)).
        for s in &self.temperature_sources {
            let slope = s.weight * s.profile.value_at(t_s) * s.factor_slope_per_k(t[s.node]);
            add(
                s.node,
                s.power_w(t_s, t[s.node]),
                [(s.node, slope), NO_SLOPE],
            );
        }
    }

    /// The residual `F_i(t, T)`, net heat into every node (W), at every node's
    /// temperature `temperature_k` (boundary entries replaced by `T_b(t)`); a
    /// boundary node's entry is the heat flowing into it.
    pub fn reference_residual(&self, t_s: f64, temperature_k: &[f64]) -> Vec<f64> {
        let t = self.with_boundaries(t_s, temperature_k);
        let mut f = vec![0.0; t.len()];
        self.for_each_term(t_s, &t, |q| f[q.node] += q.heat_w);
        f
    }

    /// The Jacobian `∂F_i/∂T_j` (W/K) at the same state, as `(i, j, value)`
    /// entries, one per term and node (sum the duplicates).
    pub fn reference_jacobian(
        &self,
        t_s: f64,
        temperature_k: &[f64],
    ) -> Vec<(NodeId, NodeId, f64)> {
        let t = self.with_boundaries(t_s, temperature_k);
        let mut entries = Vec::new();
        self.for_each_term(t_s, &t, |q| {
            let slopes = q.slopes_w_k.iter().filter(|(k, _)| *k != usize::MAX);
            entries.extend(slopes.map(|&(k, d)| (q.node, k, d)));
        });
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_networks::{grid_with_lumped_nodes, in_pool, mixed_network};
    use crate::network::{Profile, TemperatureDependentSource, TimeTable};

    /// `mixed_network` with a temperature-dependent source on a time table, a
    /// boundary on a time table, and one source pushed past its zero floor.
    fn mixed_with_time_dependence() -> ThermalNetwork {
        let mut net = mixed_network();
        let (a, c) = (net.node("a").unwrap(), net.node("c").unwrap());
        let sun = TimeTable::new("sun", vec![0.0, 10.0], vec![800.0, 1200.0], None).unwrap();
        net.add_temperature_dependent_source(TemperatureDependentSource {
            name: "array output".into(),
            node: a,
            weight: -0.3,
            profile: Profile::from(sun),
            coefficient_per_k: -0.004,
            reference_k: 301.15,
        })
        .unwrap();
        net.add_temperature_dependent_source(TemperatureDependentSource {
            name: "floored".into(),
            node: c,
            weight: 5.0,
            profile: Profile::Constant(1.0),
            coefficient_per_k: -0.01,
            reference_k: 200.0,
        })
        .unwrap();
        let wall_t = TimeTable::new("wall", vec![0.0, 20.0], vec![250.0, 330.0], None).unwrap();
        let wall = net
            .add_node(
                "wall",
                NodeKind::Boundary {
                    temperature_k: Profile::from(wall_t),
                },
                290.0,
            )
            .unwrap();
        net.add_linear(wall, c, 0.9).unwrap();
        net.add_radiative(a, wall, 0.4).unwrap();
        net
    }

    /// The fast residual and Jacobian (stencil runs, general rows, sources by
    /// row, temperature-dependent sources, on 1 and 2 threads) against the
    /// reference, row by row and entry by entry.
    ///
    /// They sum the same terms in another order (conductors between one pair
    /// merged, a row's stored entries before its boundary terms, σ factored
    /// out of a row's radiative sum), so they agree to round-off: per row,
    /// `|F − F_ref| ≤ 2 (m + 8) ε Σ|q|` with `m` the row's terms and `Σ|q|`
    /// the sum of their magnitudes — a sum of `m` terms in any order is within
    /// `(m − 1) ε Σ|q|` of the exact one (Higham, *Accuracy and Stability of
    /// Numerical Algorithms*, 2nd ed., 2002, §4.2), and each term carries at
    /// most eight roundings of its own (T⁴, the difference, the products by σ,
    /// R, w and p); the factor 2 covers both sides. The Jacobian the same,
    /// with the slopes' magnitudes.
    #[test]
    fn fast_kernels_match_the_reference_to_round_off() {
        let cases = [
            ("mixed", mixed_with_time_dependence()),
            ("grid", grid_with_lumped_nodes(131, 127, false)),
            (
                "grid, radiation between unknowns",
                grid_with_lumped_nodes(131, 127, true),
            ),
        ];
        for (name, net) in cases {
            for threads in [1, 2] {
                in_pool(threads, || check_against_reference(name, &net, 7.0));
            }
        }
    }

    fn check_against_reference(name: &str, net: &ThermalNetwork, t_s: f64) {
        let asm = net.assemble().unwrap();
        let n = asm.unknowns();
        let x: Vec<f64> = (0..n)
            .map(|i| 300.0 + 40.0 * (0.37 * i as f64).sin())
            .collect();
        let t_nodes = net.with_boundaries(t_s, &asm.node_temperatures(t_s, &x));
        let f_ref = net.reference_residual(t_s, &t_nodes);
        let (mut scale, mut count) = (vec![0.0; t_nodes.len()], vec![0usize; t_nodes.len()]);
        net.for_each_term(t_s, &t_nodes, |q| {
            scale[q.node] += q.heat_w.abs();
            count[q.node] += 1;
        });
        let mut r = vec![0.0; n];
        asm.residual(t_s, &x, &mut r);
        for (u, &ru) in r.iter().enumerate() {
            let i = asm.node_of_unknown(u);
            let bound = 2.0 * (count[i] + 8) as f64 * f64::EPSILON * scale[i];
            assert!(
                (ru - f_ref[i]).abs() <= bound,
                "{name}: residual of node {i}: {ru} vs reference {} (bound {bound:e})",
                f_ref[i]
            );
        }
        // K = −∂F/∂T over the unknowns, against the reference's ∂F/∂T.
        let mut k = asm.new_matrix();
        asm.jacobian(t_s, &x, &mut k);
        let mut dense = std::collections::HashMap::new();
        for (i, j, d) in net.reference_jacobian(t_s, &t_nodes) {
            if let (Some(ui), Some(uj)) = (asm.unknown_of_node(i), asm.unknown_of_node(j)) {
                let e: &mut (f64, f64, usize) = dense.entry((ui, uj)).or_default();
                *e = (e.0 + d, e.1 + d.abs(), e.2 + 1);
            }
        }
        for (&(ui, uj), &(d, magnitude, m)) in &dense {
            let bound = 2.0 * (m + 8) as f64 * f64::EPSILON * magnitude;
            let kij = k.get(ui, uj);
            assert!(
                (kij + d).abs() <= bound,
                "{name}: K[{ui}, {uj}] = {kij}, reference {} (bound {bound:e})",
                -d
            );
        }
        let stored = k.values().iter().filter(|v| **v != 0.0).count();
        assert!(stored <= dense.len(), "{name}: entries the reference lacks");
    }

    /// The terms balance: conduction and radiation move heat between nodes,
    /// so over all nodes (boundaries included) the residual sums to the
    /// sources plus the advected heat (Σ ṁc_p (T_up − T_down)).
    #[test]
    fn terms_conserve_energy() {
        let net = mixed_with_time_dependence();
        let t: Vec<f64> = (0..net.node_count())
            .map(|i| 280.0 + 9.0 * i as f64)
            .collect();
        let t = net.with_boundaries(3.0, &t);
        let total: f64 = net.reference_residual(3.0, &t).iter().sum();
        let sources: f64 = net
            .sources()
            .iter()
            .map(|s| s.loads.iter().map(|l| l.1).sum::<f64>() * s.profile.value_at(3.0))
            .sum::<f64>()
            + net
                .temperature_dependent_sources()
                .iter()
                .map(|s| s.power_w(3.0, t[s.node]))
                .sum::<f64>();
        let advected: f64 = net
            .advective_conductors()
            .iter()
            .map(|c| c.mdot_cp_w_k * (t[c.upstream] - t[c.downstream]))
            .sum();
        assert!((total - sources - advected).abs() < 1e-9 * (1.0 + sources.abs()));
    }
}
