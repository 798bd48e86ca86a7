//! One-way flow chains: the coolant nodes along a tube, joined upstream to
//! downstream by advective conductors, for multigrid to coarsen along the flow.

use super::AssembledNetwork;
use crate::linalg::Chain;

impl AssembledNetwork {
    /// The network's flow chains: maximal runs of unknowns outside grid
    /// blocks joined by advective conductors `a → b` where `a` feeds no other
    /// node and `b` is fed by no other (a tube's coolant nodes between its
    /// inlet and outlet manifolds, where several tubes split or join the
    /// flow), upstream first; chains of one node are left out. The row of
    /// each member then holds `−ṁc_p` for the member before it and nothing for
    /// the one after (an advective conductor changes only its downstream
    /// balance): lower bidiagonal along the chain. A closed run (a loop with no
    /// split) is cut before its lowest unknown. Chains are ordered by their
    /// first unknown.
    pub fn flow_chains(&self) -> Vec<Chain> {
        let n = self.unknowns();
        let mut in_block = vec![false; n];
        for b in self.grid_blocks() {
            in_block[b.first_unknown..b.first_unknown + b.shape.nx * b.shape.ny].fill(true);
        }
        let (mut fed_by, mut feeds) = (vec![0u32; n], vec![0u32; n]);
        // The one link out of each unknown, when it has exactly one.
        let mut next = vec![u32::MAX; n];
        for c in &self.advective {
            let (up, down) = (
                self.unknown_of_node(c.upstream),
                self.unknown_of_node(c.downstream),
            );
            if let Some(u) = up {
                feeds[u] += 1;
            }
            if let Some(d) = down {
                fed_by[d] += 1;
            }
            if let (Some(u), Some(d)) = (up, down) {
                next[u] = d as u32;
            }
        }
        let linked = |u: usize| {
            let d = next[u] as usize;
            next[u] != u32::MAX
                && feeds[u] == 1
                && fed_by[d] == 1
                && d != u
                && !in_block[u]
                && !in_block[d]
        };
        let mut has_link_in = vec![false; n];
        for u in (0..n).filter(|&u| linked(u)) {
            has_link_in[next[u] as usize] = true;
        }
        let mut seen = vec![false; n];
        let walk = |start: usize, seen: &mut Vec<bool>| {
            let mut members = vec![start as u32];
            seen[start] = true;
            let mut u = start;
            while linked(u) && !seen[next[u] as usize] {
                u = next[u] as usize;
                seen[u] = true;
                members.push(u as u32);
            }
            members
        };
        let mut chains = Vec::new();
        // Open runs from their heads, then closed ones from their lowest unknown.
        let heads = (0..n).filter(|&u| linked(u) && !has_link_in[u]);
        let heads: Vec<usize> = heads.chain((0..n).filter(|&u| linked(u))).collect();
        for u in heads {
            if !seen[u] {
                let members = walk(u, &mut seen);
                if members.len() > 1 {
                    chains.push(Chain { unknowns: members });
                }
            }
        }
        chains.sort_by_key(|c| c.unknowns[0]);
        chains
    }
}

#[cfg(test)]
mod tests {
    use crate::network::{NodeKind, ThermalNetwork};

    /// Two tubes of three nodes split from one manifold and joined into
    /// another, the return from that manifold to the first, and a closed loop
    /// of three nodes: the tubes are chains without the manifolds (which feed
    /// or are fed by two), the return is a chain of its own, and the loop is cut.
    #[test]
    fn chains_run_between_splits_and_cut_closed_loops() {
        let mut net = ThermalNetwork::new();
        let node = |net: &mut ThermalNetwork, name: &str| {
            net.add_node(
                name,
                NodeKind::Diffusion {
                    capacitance_j_k: 1.0,
                },
                300.0,
            )
            .unwrap()
        };
        let sink = net.add_boundary("sink", 3.0).unwrap();
        let inlet = node(&mut net, "inlet");
        let outlet = node(&mut net, "outlet");
        let mut tubes = Vec::new();
        for t in 0..2 {
            let ids: Vec<usize> = (0..3)
                .map(|k| node(&mut net, &format!("t{t}_{k}")))
                .collect();
            net.add_advective(inlet, ids[0], 1.0).unwrap();
            net.add_advective(ids[0], ids[1], 1.0).unwrap();
            net.add_advective(ids[1], ids[2], 1.0).unwrap();
            net.add_advective(ids[2], outlet, 1.0).unwrap();
            tubes.push(ids);
        }
        net.add_advective(outlet, inlet, 2.0).unwrap();
        let ring: Vec<usize> = (0..3).map(|k| node(&mut net, &format!("r{k}"))).collect();
        for k in 0..3 {
            net.add_advective(ring[(k + 1) % 3], ring[k], 1.0).unwrap();
            net.add_linear(ring[k], sink, 1.0).unwrap();
        }
        for &id in tubes.iter().flatten().chain([&inlet, &outlet]) {
            net.add_linear(id, sink, 1.0).unwrap();
        }
        let sys = net.assemble().unwrap();
        let u = |id: usize| sys.unknown_of_node(id).unwrap() as u32;
        let chains: Vec<Vec<u32>> = sys.flow_chains().into_iter().map(|c| c.unknowns).collect();
        let tube = |t: usize| tubes[t].iter().map(|&id| u(id)).collect::<Vec<u32>>();
        // The ring r1 → r0 → r2 → r1, cut before its lowest unknown (r0).
        let closed = vec![u(ring[0]), u(ring[2]), u(ring[1])];
        let back = vec![u(outlet), u(inlet)];
        assert_eq!(chains, vec![back, tube(0), tube(1), closed]);
    }
}
