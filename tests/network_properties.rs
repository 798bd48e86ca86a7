//! Property tests on random well-posed networks: the steady energy balance
//! closes, and conduction obeys the maximum principle.

use proptest::prelude::*;
use thermorbit::network::{NodeKind, ThermalNetwork};
use thermorbit::solve::{solve_steady, SteadyOptions};

/// A random connected network: a spanning chain plus extra conductors, a few
/// boundary nodes, optional radiation to a sink, non-negative sources.
#[derive(Debug, Clone)]
struct RandomNetwork {
    free: usize,
    chain_g: Vec<f64>,
    extra: Vec<(usize, usize, f64)>,
    boundaries: Vec<(usize, f64, f64)>,
    radiation: Vec<(usize, f64)>,
    sources: Vec<(usize, f64)>,
}

fn random_network(
    with_radiation: bool,
    with_sources: bool,
) -> impl Strategy<Value = RandomNetwork> {
    (3usize..40).prop_flat_map(move |free| {
        (
            Just(free),
            prop::collection::vec(0.01f64..100.0, free - 1),
            prop::collection::vec((0..free, 0..free, 0.01f64..100.0), 0..2 * free),
            prop::collection::vec((0..free, 50.0f64..500.0, 0.01f64..50.0), 1..4),
            prop::collection::vec(
                (0..free, 0.001f64..1.0),
                if with_radiation { 1..5 } else { 0..1 },
            ),
            prop::collection::vec(
                (0..free, 0.0f64..500.0),
                if with_sources { 1..6 } else { 0..1 },
            ),
        )
            .prop_map(|(free, chain_g, extra, boundaries, radiation, sources)| {
                RandomNetwork {
                    free,
                    chain_g,
                    extra,
                    boundaries,
                    radiation,
                    sources,
                }
            })
    })
}

fn build(r: &RandomNetwork) -> ThermalNetwork {
    let mut net = ThermalNetwork::new();
    let free: Vec<usize> = (0..r.free)
        .map(|i| {
            net.add_node(&format!("n{i}"), NodeKind::Arithmetic, 300.0)
                .unwrap()
        })
        .collect();
    for (i, g) in r.chain_g.iter().enumerate() {
        net.add_linear(free[i], free[i + 1], *g).unwrap();
    }
    for &(a, b, g) in &r.extra {
        if a != b {
            net.add_linear(free[a], free[b], g).unwrap();
        }
    }
    for (k, &(node, t, g)) in r.boundaries.iter().enumerate() {
        let b = net.add_boundary(&format!("b{k}"), t).unwrap();
        net.add_linear(free[node], b, g).unwrap();
    }
    if !r.radiation.is_empty() {
        let space = net.add_boundary("space", 3.0).unwrap();
        for &(node, area) in &r.radiation {
            net.add_radiative(free[node], space, area).unwrap();
        }
    }
    for (k, &(node, q)) in r.sources.iter().enumerate() {
        net.add_heat_load(&format!("q{k}"), free[node], q).unwrap();
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Heat in equals heat out to 1e-9 of the heat flowing, with radiation and sources.
    #[test]
    fn prop_steady_energy_balance_closes(r in random_network(true, true)) {
        let sys = build(&r).assemble().unwrap();
        let sol = solve_steady(&sys, &SteadyOptions::default()).unwrap();
        prop_assert!(sol.energy_balance.relative_imbalance < 1e-9,
            "relative imbalance {}", sol.energy_balance.relative_imbalance);
    }

    /// Conduction without sources: every temperature lies between the coldest
    /// and the hottest boundary (discrete maximum principle).
    #[test]
    fn prop_conduction_obeys_the_maximum_principle(r in random_network(false, false)) {
        let net = build(&r);
        let sys = net.assemble().unwrap();
        let sol = solve_steady(&sys, &SteadyOptions::default()).unwrap();
        let lo = r.boundaries.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
        let hi = r.boundaries.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
        let slack = 1e-9 * hi;
        for i in 0..r.free {
            let t = sol.temperatures_k[i];
            prop_assert!(t >= lo - slack && t <= hi + slack, "T[{i}] = {t} outside [{lo}, {hi}]");
        }
    }

    /// Conduction with heating only: no node is colder than the coldest boundary.
    #[test]
    fn prop_heating_never_cools_below_the_coldest_boundary(r in random_network(false, true)) {
        let sys = build(&r).assemble().unwrap();
        let sol = solve_steady(&sys, &SteadyOptions::default()).unwrap();
        let lo = r.boundaries.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
        for i in 0..r.free {
            prop_assert!(sol.temperatures_k[i] >= lo * (1.0 - 1e-12));
        }
    }
}
