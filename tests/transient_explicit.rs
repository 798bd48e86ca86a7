//! The explicit forward-Euler cross-check: it refuses unstable steps and
//! massless nodes with clear errors, closes its energy balance, converges at
//! first order, and agrees with the implicit solver on a small nonlinear problem.

use thermorbit::error::SolveError;
use thermorbit::network::{AssembledNetwork, HeatSource, NodeKind, ThermalNetwork, TimeTable};
use thermorbit::solve::{solve_explicit, ExplicitOptions, TransientOptions, TransientSolver};

/// A radiating chain of five diffusion nodes with a heater that switches on at 60 s.
/// Returns the network and its smallest C_i / K_ii at the initial temperatures.
fn chain() -> (AssembledNetwork, f64) {
    let mut net = ThermalNetwork::new();
    let nodes = net
        .add_group("chain", &[40.0, 30.0, 30.0, 30.0, 40.0], 320.0, None)
        .unwrap();
    let ids: Vec<usize> = nodes.collect();
    let space = net.add_boundary("space", 3.0).unwrap();
    for w in ids.windows(2) {
        net.add_linear(w[0], w[1], 1.5).unwrap();
    }
    for &i in &ids {
        net.add_radiative(i, space, 0.02).unwrap();
    }
    let heater = TimeTable::new("heater", vec![60.0, 61.0], vec![0.0, 50.0], None).unwrap();
    net.add_source(HeatSource {
        name: "heater".into(),
        loads: vec![(ids[0], 1.0)],
        profile: heater.into(),
    })
    .unwrap();
    let sys = net.assemble().unwrap();
    let x = sys.initial_state();
    let mut k = sys.new_matrix();
    sys.jacobian(0.0, &x, &mut k);
    let limit = (0..sys.unknowns())
        .map(|i| sys.capacitance_j_k()[i] / k.values()[sys.diagonal_positions()[i] as usize])
        .fold(f64::INFINITY, f64::min);
    (sys, limit)
}

#[test]
fn explicit_refuses_unstable_steps() {
    let (sys, limit) = chain();
    let opts = ExplicitOptions::new(0.0, 100.0, 1.5 * limit).unwrap();
    match solve_explicit(&sys, &opts) {
        Err(SolveError::ExplicitStepUnstable {
            dt_s,
            limit_s,
            node,
            ..
        }) => {
            assert!(dt_s > limit_s);
            assert!(
                (limit_s - limit).abs() < 1e-9 * limit,
                "{limit_s} vs {limit}"
            );
            assert!(node.starts_with("chain["), "{node}");
        }
        other => panic!("expected ExplicitStepUnstable, got {other:?}"),
    }
}

#[test]
fn explicit_refuses_arithmetic_nodes() {
    let mut net = ThermalNetwork::new();
    let a = net
        .add_node("massless", NodeKind::Arithmetic, 300.0)
        .unwrap();
    let s = net.add_boundary("sink", 250.0).unwrap();
    net.add_linear(a, s, 1.0).unwrap();
    let sys = net.assemble().unwrap();
    let opts = ExplicitOptions::new(0.0, 10.0, 0.1).unwrap();
    match solve_explicit(&sys, &opts) {
        Err(SolveError::ExplicitArithmeticNodes { count, example }) => {
            assert_eq!(count, 1);
            assert_eq!(example, "massless");
        }
        other => panic!("expected ExplicitArithmeticNodes, got {other:?}"),
    }
    assert!(matches!(
        ExplicitOptions::new(0.0, 10.0, -0.1),
        Err(SolveError::InvalidOption { .. })
    ));
    assert!(matches!(
        ExplicitOptions::new(10.0, 0.0, 0.1),
        Err(SolveError::InvalidOption { .. })
    ));
}

/// Forward Euler at a small step agrees with BDF2 at a tight tolerance, its error
/// halves with the step (first order), and its energy balance closes to round-off.
#[test]
fn explicit_and_implicit_agree() {
    let (sys, limit) = chain();
    let t_end = 300.0;
    let outputs = vec![60.0, 120.0, 200.0];
    let implicit = TransientOptions::adaptive(1e-9, 1e-7)
        .unwrap()
        .with_span(0.0, t_end)
        .unwrap()
        .with_output_times(outputs.clone())
        .unwrap();
    let reference = TransientSolver::new(&sys, implicit)
        .unwrap()
        .solve()
        .unwrap();
    let mut errors = Vec::new();
    for k in 0..3 {
        let dt = 0.05 * limit / f64::from(1 << k);
        let opts = ExplicitOptions::new(0.0, t_end, dt)
            .unwrap()
            .with_output_times(outputs.clone())
            .unwrap();
        let sol = solve_explicit(&sys, &opts).unwrap();
        assert_eq!(sol.times_s, reference.times_s);
        assert_eq!(sol.method, "forward-euler");
        assert!(sol.energy.relative_imbalance < 1e-12, "{:?}", sol.energy);
        let err = sol
            .temperatures_k
            .iter()
            .zip(&reference.temperatures_k)
            .flat_map(|(p, q)| p.iter().zip(q).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        errors.push(err);
    }
    eprintln!("forward Euler vs BDF2: max errors {errors:?} K (limit {limit:.3} s)");
    assert!(errors[0] < 0.1, "{errors:?}");
    for w in errors.windows(2) {
        let p = (w[0] / w[1]).log2();
        assert!((p - 1.0).abs() < 0.15, "order {p}, errors {errors:?}");
    }
}
