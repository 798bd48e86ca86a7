//! Tests of the periodic solver: options, the iteration, Anderson mixing, warm-up.

use super::*;
use crate::network::{AssembledNetwork, Harmonic, NodeKind, ThermalNetwork, TimeTable};
use std::sync::Arc;

#[test]
fn options_are_validated() {
    assert!(PeriodicOptions::new(-1.0).is_err());
    assert!(PeriodicOptions::new(f64::NAN).is_err());
    let o = PeriodicOptions::new(100.0).unwrap();
    assert!(o.clone().with_start(f64::INFINITY).is_err());
    assert!(o.clone().with_tolerance(0.0).is_err());
    assert!(o.clone().with_tolerance(f64::NAN).is_err());
    assert!(o.clone().with_max_periods(0).is_err());
    assert!(o
        .clone()
        .with_acceleration(Acceleration::Anderson { depth: 0 })
        .is_err());
    assert!(o
        .clone()
        .with_acceleration(Acceleration::Anderson { depth: 51 })
        .is_err());
    let ok = o
        .clone()
        .with_start(50.0)
        .unwrap()
        .with_tolerance(1e-4)
        .unwrap()
        .with_max_periods(3)
        .unwrap()
        .with_acceleration(Acceleration::None)
        .unwrap();
    assert_eq!((ok.start_s, ok.end_s()), (50.0, 150.0));
    let t = ok.period_options();
    assert_eq!((t.start_s, t.end_s), (50.0, 150.0));
    assert!(ok.validate().is_ok());
    // Fields written directly are caught by `validate`.
    let bad = PeriodicOptions {
        tolerance_k: -1.0,
        ..ok.clone()
    };
    assert!(bad.validate().is_err());
    // Output times outside the period are the transient's own error.
    let outside = PeriodicOptions {
        transient: TransientOptions::default()
            .with_output_times(vec![200.0])
            .unwrap(),
        ..ok
    };
    let err = outside.validate().unwrap_err().to_string();
    assert!(err.contains("output time"), "{err}");
}

#[test]
fn profile_means_are_exact_for_tables_and_harmonics() {
    let table = TimeTable::new(
        "t",
        vec![0.0, 10.0, 30.0],
        vec![0.0, 10.0, 10.0],
        Some(40.0),
    )
    .unwrap();
    // Over one period: ramp 0→10 (mean 5, 10 s), flat 10 (20 s), ramp 10→0 (10 s): 7.5.
    let m = profile_mean(&Profile::from(table), 0.0, 40.0);
    assert!((m - 7.5).abs() < 1e-12, "{m}");
    let h = Profile::Function(Arc::new(Harmonic {
        mean: 300.0,
        amplitude: 20.0,
        period_s: 100.0,
        phase_rad: 0.3,
    }));
    assert!((profile_mean(&h, 0.0, 100.0) - 300.0).abs() < 1e-10);
    // Half a period of sin from 0: mean 2A/π.
    let s = Profile::Function(Arc::new(Harmonic {
        mean: 0.0,
        amplitude: 1.0,
        period_s: 2.0,
        phase_rad: 0.0,
    }));
    let m = profile_mean(&s, 0.0, 1.0);
    assert!((m - 2.0 / std::f64::consts::PI).abs() < 1e-13, "{m}");
    assert_eq!(profile_mean(&Profile::Constant(4.0), 0.0, 1.0), 4.0);
}

/// A heavy structure (τ = 20 P through its own conductor to space) under a
/// light panel that sees a square-wave-like orbital load, and an
/// arithmetic joint between them: linear, so the cyclic state is unique.
fn heavy_structure(period_s: f64) -> AssembledNetwork {
    let mut net = ThermalNetwork::new();
    let panel = net
        .add_node(
            "panel",
            NodeKind::Diffusion {
                capacitance_j_k: 2_000.0,
            },
            280.0,
        )
        .unwrap();
    let joint = net.add_node("joint", NodeKind::Arithmetic, 280.0).unwrap();
    let g_struct = 2.0;
    let c_struct = 20.0 * period_s * g_struct;
    let structure = net
        .add_node(
            "structure",
            NodeKind::Diffusion {
                capacitance_j_k: c_struct,
            },
            270.0,
        )
        .unwrap();
    let space = net.add_boundary("space", 200.0).unwrap();
    net.add_linear(panel, space, 1.0).unwrap();
    net.add_linear(panel, joint, 0.5).unwrap();
    net.add_linear(joint, structure, 0.5).unwrap();
    net.add_linear(structure, space, g_struct).unwrap();
    let p = period_s;
    let load = TimeTable::new(
        "sun",
        vec![0.0, 0.05 * p, 0.6 * p, 0.65 * p],
        vec![0.0, 150.0, 150.0, 0.0],
        Some(p),
    )
    .unwrap();
    net.add_source(crate::network::HeatSource {
        name: "sun".into(),
        loads: vec![(panel, 1.0)],
        profile: Profile::from(load),
    })
    .unwrap();
    net.assemble().unwrap()
}

fn run(system: &AssembledNetwork, accel: Acceleration, tol: f64) -> PeriodicSolution {
    let p = 1000.0;
    let opts = PeriodicOptions::new(p)
        .unwrap()
        .with_transient(
            TransientOptions::fixed_step(p / 100.0)
                .unwrap()
                .with_output_interval(p / 20.0)
                .unwrap(),
        )
        .with_tolerance(tol)
        .unwrap()
        .with_max_periods(400)
        .unwrap()
        .with_acceleration(accel)
        .unwrap();
    solve_periodic(system, &opts, &mut |_| {}).unwrap()
}

/// Plain repetition crawls along the slow mode (ρ = e^{−1/20} per period
/// for the structure, slightly slower with the panel coupled); Anderson
/// mixing removes it within a few periods and lands on the same state.
#[test]
fn anderson_needs_far_fewer_periods_than_plain_repetition_for_the_same_state() {
    let system = heavy_structure(1000.0);
    let tol = 1e-6;
    let plain = run(&system, Acceleration::None, tol);
    let mixed = run(&system, Acceleration::default(), tol);
    eprintln!(
        "periods: plain {}, anderson {} ({} accelerated)",
        plain.periods,
        mixed.periods,
        mixed.accelerated_periods()
    );
    assert!(plain.periods > 150, "plain: {}", plain.periods);
    assert!(mixed.periods <= 15, "anderson: {}", mixed.periods);
    // Same cyclic state: the plain iterate sits within ρ/(1−ρ) ≈ 20 tolerances
    // of the fixed point, the mixed one closer.
    let diff = plain
        .final_period
        .temperatures_k
        .iter()
        .flatten()
        .zip(mixed.final_period.temperatures_k.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(diff < 30.0 * tol, "max difference {diff:e} K");
    // The final period closes its own energy balance and stores ~nothing.
    let e = mixed.final_period.energy;
    assert!(e.relative_imbalance < 1e-8, "{e:?}");
    assert!(e.stored_j.abs() < 1e-3 * e.heat_in_j, "{e:?}");
    // Arithmetic joint balanced in the reported start state.
    let sys = &system;
    let mut r = vec![0.0; sys.unknowns()];
    sys.residual(0.0, &mixed.start_state_k, &mut r);
    let joint = sys.unknown_of_node(sys.node("joint").unwrap()).unwrap();
    // Balanced to the Newton tolerance of its projection (1e-10 of ~150 W flowing, with margin).
    assert!(r[joint].abs() < 1e-6, "{}", r[joint]);
}

#[test]
fn not_converging_reports_the_history_as_numbers() {
    let system = heavy_structure(1000.0);
    let opts = PeriodicOptions::new(1000.0)
        .unwrap()
        .with_transient(TransientOptions::fixed_step(50.0).unwrap())
        .with_max_periods(4)
        .unwrap()
        .with_acceleration(Acceleration::None)
        .unwrap();
    let mut seen = Vec::new();
    let err = PeriodicSolver::new(&system, opts)
        .unwrap()
        .solve(&mut |it| seen.push(it.error_max_k))
        .unwrap_err();
    let SolveError::PeriodicNotConverged {
        periods,
        tolerance_k,
        error_max_k,
        error_rms_k,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*periods, 4);
    assert_eq!(*tolerance_k, DEFAULT_PERIODICITY_TOLERANCE_K);
    assert_eq!(error_max_k, &seen);
    assert_eq!(error_rms_k.len(), 4);
    assert!(error_max_k.iter().all(|e| *e > 1e-3));
    assert!(error_rms_k.iter().zip(error_max_k).all(|(r, m)| r <= m));
    let text = err.to_string();
    assert!(text.contains("4 periods"), "{text}");
}

/// The safeguard: far from the root of `f(x) = −½ atan(x − 3000)` (the map
/// `g(x) = x + f(x)`, contracting by ½ near its fixed point 3000), `f` is
/// nearly flat, so the depth-1 Anderson step (the secant step) overshoots
/// to where `|f|` is larger; the solver must fall back to the plain image
/// of the earlier point, clear its history, and still converge.
#[test]
fn a_mixed_start_that_raises_the_error_falls_back_to_plain_iteration() {
    let opts = PeriodicOptions::new(1.0)
        .unwrap()
        .with_tolerance(1e-10)
        .unwrap()
        .with_acceleration(Acceleration::Anderson { depth: 1 })
        .unwrap();
    let g = |x: &[f64]| -> Result<(Vec<f64>, NextMap), SolveError> {
        Ok((
            vec![x[0] - 0.5 * (x[0] - 3000.0).atan(), x[1]],
            NextMap::Same,
        ))
    };
    // A second, algebraic row: never mixed, never counted.
    let rows = [true, false];
    let mut seen = Vec::new();
    let done = iterate_periods(
        &[3010.0, 5.0],
        &rows,
        &opts,
        Stage::Full,
        0,
        g,
        |v| v,
        &mut |it| seen.push(*it),
    )
    .unwrap();
    assert!(done.converged.is_some());
    assert!(seen.iter().any(|it| it.fallback), "{seen:#?}");
    // Every fallback is followed by a plain start.
    for w in seen.windows(2) {
        if w[0].fallback {
            assert!(!w[1].accelerated, "{w:?}");
        }
    }
    assert!((done.start[0] - 3000.0).abs() < 1e-9, "{}", done.start[0]);
    assert_eq!(done.start[1], 5.0);
    // Plain repetition from 3010 creeps at ~0.7 per period, then halves the error:
    // acceleration still pays once near the root.
    let plain = PeriodicOptions {
        acceleration: Acceleration::None,
        ..opts
    };
    let slow = iterate_periods(
        &[3010.0, 5.0],
        &rows,
        &plain,
        Stage::Full,
        0,
        g,
        |v| v,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        slow.iterations.len() > seen.len(),
        "{} vs {}",
        slow.iterations.len(),
        seen.len()
    );
}

/// The warm-up's steps: fixed steps lengthened up to `P / 48`, none when
/// that is no longer; adaptive tolerances loosened by the cube.
#[test]
fn warm_up_steps_are_longer_and_bounded() {
    let fixed = |dt: f64, f: f64| {
        PeriodicOptions::new(4_800.0)
            .unwrap()
            .with_transient(TransientOptions::fixed_step(dt).unwrap())
            .with_warm_up(WarmUp::Coarse { step_factor: f })
            .unwrap()
            .warm_up_options()
            .map(|o| o.step)
    };
    assert_eq!(fixed(10.0, 6.0), Some(StepControl::Fixed { dt_s: 60.0 }));
    assert_eq!(fixed(10.0, 50.0), Some(StepControl::Fixed { dt_s: 100.0 }));
    assert_eq!(fixed(100.0, 6.0), None);
    assert_eq!(fixed(10.0, 1.0), None);
    let adaptive = PeriodicOptions::new(4_800.0)
        .unwrap()
        .with_transient(TransientOptions::adaptive(1e-5, 1e-3).unwrap())
        .warm_up_options()
        .map(|o| o.step);
    let Some(StepControl::Adaptive(a)) = adaptive else {
        panic!("{adaptive:?}")
    };
    // The default factor 4: tolerances 64 times looser.
    assert!((a.rtol - 64e-5).abs() < 1e-15 && (a.atol_k - 0.064).abs() < 1e-12);
    let off = PeriodicOptions::new(4_800.0)
        .unwrap()
        .with_warm_up(WarmUp::None)
        .unwrap();
    assert!(off.warm_up_options().is_none());
    for bad in [0.5, 101.0, f64::NAN] {
        let w = WarmUp::Coarse { step_factor: bad };
        assert!(off.clone().with_warm_up(w).is_err(), "{bad}");
    }
}

/// A warm-up changes the cost, not the answer: with and without it the
/// heavy structure reaches the same cyclic state within the tolerance's
/// reach, and the iteration always ends on full-step periods.
#[test]
fn a_warm_up_leads_to_the_same_cyclic_state_from_full_steps() {
    let system = heavy_structure(1000.0);
    let solve = |warm_up: WarmUp| {
        let opts = PeriodicOptions::new(1000.0)
            .unwrap()
            .with_transient(
                TransientOptions::fixed_step(2.0)
                    .unwrap()
                    .with_output_interval(50.0)
                    .unwrap(),
            )
            .with_tolerance(1e-6)
            .unwrap()
            .with_warm_up(warm_up)
            .unwrap();
        solve_periodic(&system, &opts, &mut |_| {}).unwrap()
    };
    let with = solve(WarmUp::default());
    let without = solve(WarmUp::None);
    assert!(with.warm_up_periods >= 1, "{:#?}", with.iterations);
    assert_eq!(without.warm_up_periods, 0);
    assert!(with
        .iterations
        .iter()
        .take(with.warm_up_periods)
        .all(|i| i.warm_up));
    assert!(!with.iterations.last().unwrap().warm_up);
    assert!(with.periodicity_error_k <= 1e-6);
    let diff = with
        .start_state_k
        .iter()
        .zip(&without.start_state_k)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // Each is within ρ/(1 − ρ) ≈ 20 tolerances of the fixed point.
    assert!(diff < 40.0 * 1e-6, "{diff:e} K");
    // Fewer full-step periods after the warm-up.
    let full = with.periods - with.warm_up_periods;
    assert!(full < without.periods, "{full} vs {}", without.periods);
}

/// The same bits on one and two threads.
#[test]
fn periodic_solution_is_deterministic_across_thread_counts() {
    let system = heavy_structure(1000.0);
    let solve = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&system, Acceleration::default(), 1e-6))
    };
    let (a, b) = (solve(1), solve(2));
    assert_eq!(a.periods, b.periods);
    assert_eq!(a.start_state_k, b.start_state_k);
    assert_eq!(a.final_period.temperatures_k, b.final_period.temperatures_k);
}
