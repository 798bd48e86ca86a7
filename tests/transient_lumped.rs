//! A lumped body cooling by radiation — to 0 K and to a warm sink — against its
//! closed-form time–temperature relation: observed order in time of each
//! method at fixed steps, and adaptive stepping meeting its tolerance.
//!
//! m c dT/dt = −εσA (T⁴ − T_s⁴) (Incropera et al., *Fundamentals of Heat and
//! Mass Transfer*, 7th ed., §5.3, Problem 5.13's lumped radiating body;
//! Siegel & Howell, *Thermal Radiation Heat Transfer*).

use thermorbit::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use thermorbit::network::{AssembledNetwork, NodeKind, ThermalNetwork};
use thermorbit::solve::{TransientMethod, TransientOptions, TransientSolver};

/// Heat capacity m c (J/K).
const MC_J_K: f64 = 1000.0;
/// ε A (m²).
const EPS_AREA_M2: f64 = 1.0;
/// Initial temperature (K).
const T0_K: f64 = 1000.0;
/// End of the run (s): the body has cooled to about half its initial temperature.
const T_END_S: f64 = 50.0;

/// One diffusion node radiating to a boundary node at `sink_k`.
fn body(sink_k: f64) -> (AssembledNetwork, usize) {
    let mut net = ThermalNetwork::new();
    let b = net
        .add_node(
            "body",
            NodeKind::Diffusion {
                capacitance_j_k: MC_J_K,
            },
            T0_K,
        )
        .unwrap();
    let s = net.add_boundary("sink", sink_k).unwrap();
    net.add_radiative(b, s, EPS_AREA_M2).unwrap();
    (net.assemble().unwrap(), b)
}

/// Sink at 0 K: `T(t) = (T0⁻³ + 3εσA t/(mc))^(−1/3)`, from separating variables in
/// `mc dT/dt = −εσA T⁴`.
fn exact_to_zero(t_s: f64) -> f64 {
    (T0_K.powi(-3) + 3.0 * SIGMA * EPS_AREA_M2 * t_s / MC_J_K).powf(-1.0 / 3.0)
}

/// Time to go from `T0` to `T` with a sink at `T_s > 0`.
///
/// With `a = εσA/(mc)`, `dT/dt = a (T_s⁴ − T⁴)`. Let
/// `ψ(T) = ln|(T_s + T)/(T_s − T)| + 2 atan(T/T_s)`. Then
/// `ψ'(T) = 2T_s/(T_s² − T²) + 2T_s/(T_s² + T²) = 4T_s³/(T_s⁴ − T⁴)`, so
/// `dψ/dt = ψ'(T) dT/dt = 4 a T_s³`, a constant, and
///
/// ```text
/// t(T) = mc / (4εσA T_s³) · [ψ(T) − ψ(T0)].
/// ```
///
/// (Partial fractions `1/(T⁴ − T_s⁴) = (1/(2T_s²)) [1/(T² − T_s²) − 1/(T² + T_s²)]`
/// give the same logarithm-plus-arctangent form.) It holds on either side of
/// `T_s`, since T never crosses it.
fn time_to_reach(t_k: f64, sink_k: f64) -> f64 {
    let psi = |t: f64| ((sink_k + t) / (sink_k - t)).abs().ln() + 2.0 * (t / sink_k).atan();
    MC_J_K / (4.0 * SIGMA * EPS_AREA_M2 * sink_k.powi(3)) * (psi(t_k) - psi(T0_K))
}

/// `T(t_end)` for a warm sink: bisection of `t(T) = t_end` on `(T_s, T0]`,
/// where `t(T)` decreases monotonically from +∞ to 0.
fn exact_to_sink(t_end_s: f64, sink_k: f64) -> f64 {
    let (mut lo, mut hi) = (sink_k * (1.0 + 1e-12), T0_K);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if time_to_reach(mid, sink_k) > t_end_s {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-14 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Final body temperature with fixed steps of `t_end / steps`.
fn run_fixed(sys: &AssembledNetwork, node: usize, method: TransientMethod, steps: usize) -> f64 {
    let opts = TransientOptions::fixed_step(T_END_S / steps as f64)
        .unwrap()
        .with_span(0.0, T_END_S)
        .unwrap()
        .with_method(method)
        .with_newton(1e-12, 30)
        .unwrap();
    let sol = TransientSolver::new(sys, opts).unwrap().solve().unwrap();
    assert_eq!(sol.stats.accepted_steps, steps);
    sol.final_temperatures_k()[node]
}

/// Errors at steps 20·2^k and the observed orders log2(e_k / e_{k+1}).
fn observed_orders(sink_k: f64, method: TransientMethod, exact: f64) -> (Vec<f64>, Vec<f64>) {
    let (sys, node) = body(sink_k);
    let errors: Vec<f64> = (0..5)
        .map(|k| (run_fixed(&sys, node, method, 20 << k) - exact).abs())
        .collect();
    let orders = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    (errors, orders)
}

/// `[1.2e-3, 3.1e-4]`.
fn fmt(v: &[f64]) -> String {
    let s: Vec<String> = v.iter().map(|x| format!("{x:.3e}")).collect();
    format!("[{}]", s.join(", "))
}

fn assert_order(sink_k: f64, method: TransientMethod, exact: f64, expected: f64) {
    let (errors, orders) = observed_orders(sink_k, method, exact);
    let errors = fmt(&errors);
    eprintln!(
        "sink {sink_k} K, {}: errors {errors}, orders {}",
        method.name(),
        fmt(&orders)
    );
    for p in &orders[1..] {
        assert!(
            (p - expected).abs() <= 0.15,
            "{}: observed order {p:.3} (errors {errors}), expected {expected}",
            method.name()
        );
    }
}

#[test]
fn val_radiation_to_zero_kelvin_orders_in_time() {
    let exact = exact_to_zero(T_END_S);
    assert!((exact - 472.07).abs() < 0.01, "about half-way: {exact}");
    assert_order(0.0, TransientMethod::BackwardEuler, exact, 1.0);
    assert_order(0.0, TransientMethod::Bdf2, exact, 2.0);
    assert_order(0.0, TransientMethod::Trapezoidal, exact, 2.0);
}

#[test]
fn val_radiation_to_warm_sink_orders_in_time() {
    let sink = 300.0;
    let exact = exact_to_sink(T_END_S, sink);
    // The closed form agrees with the 0 K solution as the sink gets cold.
    let cold = exact_to_sink(T_END_S, 1.0);
    assert!(
        (cold - exact_to_zero(T_END_S)).abs() < 1e-6 * cold,
        "{cold}"
    );
    assert!(exact > sink && exact < T0_K);
    assert_order(sink, TransientMethod::BackwardEuler, exact, 1.0);
    assert_order(sink, TransientMethod::Bdf2, exact, 2.0);
    assert_order(sink, TransientMethod::Trapezoidal, exact, 2.0);
}

/// Adaptive steps control the local error of each step (LSODE-style error per
/// step): the global error is the sum of the local errors carried to the end,
/// so it is bounded by `rtol × T × steps` on this contractive problem, and it
/// falls by `10^(p/(p+1))` per decade of rtol (tolerance proportionality for a
/// method of order p, Shampine 1994, §7.1). For the second-order methods that
/// is 2–50 rtol from rtol = 1e-3 to 1e-6; backward Euler, first order, needs
/// about √(1/rtol) steps and accumulates more (10–300 rtol).
#[test]
fn val_adaptive_steps_meet_the_tolerance() {
    let sink = 300.0;
    let exact = exact_to_sink(T_END_S, sink);
    let (sys, node) = body(sink);
    for method in [
        TransientMethod::Bdf2,
        TransientMethod::Trapezoidal,
        TransientMethod::BackwardEuler,
    ] {
        let mut steps = Vec::new();
        let mut errors = Vec::new();
        for rtol in [1e-3, 1e-4, 1e-5, 1e-6] {
            let opts = TransientOptions::adaptive(rtol, 0.0)
                .unwrap()
                .with_span(0.0, T_END_S)
                .unwrap()
                .with_method(method);
            let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
            let t = sol.final_temperatures_k()[node];
            let rel = (t - exact).abs() / exact;
            let n = sol.stats.accepted_steps;
            eprintln!(
                "{} rtol {rtol:.0e}: relative error {rel:.2e} ({:.1} rtol), {n} steps ({} rejected)",
                method.name(),
                rel / rtol,
                sol.stats.rejected_steps
            );
            assert!(
                rel <= rtol * n as f64,
                "{}: error {rel:.2e} above the accumulated local tolerance at rtol {rtol:.0e}",
                method.name()
            );
            if method.order() == 2 {
                assert!(
                    rel <= 60.0 * rtol,
                    "{}: error {rel:.2e} at rtol {rtol:.0e}",
                    method.name()
                );
            }
            steps.push(n);
            errors.push(rel);
        }
        assert!(
            steps.windows(2).all(|w| w[1] > w[0]),
            "{}: steps should grow as rtol shrinks: {steps:?}",
            method.name()
        );
        let p = method.order() as f64;
        let expected = 10f64.powf(p / (p + 1.0));
        for w in errors.windows(2) {
            let ratio = w[0] / w[1];
            assert!(
                ratio > 0.6 * expected && ratio < 1.6 * expected,
                "{}: error falls by {ratio:.2} per decade of rtol, expected about {expected:.2}",
                method.name()
            );
        }
    }
}

/// Issue 18: what `rtol` buys. The lumped radiative cooling case of
/// validation/rad-01-lumped-cooling.toml (a 1000 J/K body radiating from
/// 600 K to a 0 K sink through εA = 0.45 m² for 400 s) run adaptively at
/// rtol = 1e-3, 1e-4 and 1e-5 (`atol_k` at its default, 1e-3 K) with an
/// output every second: the largest error over those 401 outputs against the
/// closed form ([`lumped_cooling_to_zero_k`], Incropera eq. 5.19), and the
/// steps taken. The README's solver paragraph shows this table; the test
/// fails if the README's copy differs from what the solver now gives.
#[test]
fn val_rad_01_global_error_per_rtol() {
    use std::path::Path;
    use thermorbit::case::{Case, Solution};
    use thermorbit::validate::convergence::{f64_at, remove_key, set_key};
    use thermorbit::validate::exact::lumped_cooling_to_zero_k;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("validation/rad-01-lumped-cooling.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    let Some(toml::Value::Table(base)) = doc.remove("case") else {
        panic!("no [case] table in {}", file.display());
    };
    let get = |key: &str| f64_at(&base, key, &file).unwrap();
    assert_eq!(get("nodes.space.temperature_k"), 0.0);
    let t0 = get("nodes.body.initial_temperature_k");
    let end = get("solve.transient.end_s");
    let rate = get("conductors[0].emissivity") * get("conductors[0].area_m2") * SIGMA
        / get("nodes.body.capacitance_j_k");

    let methods = [
        ("bdf2", TransientMethod::Bdf2),
        ("trapezoidal", TransientMethod::Trapezoidal),
        ("backward_euler", TransientMethod::BackwardEuler),
    ];
    let mut rows = Vec::new();
    let mut previous = [f64::INFINITY; 3];
    for rtol in [1e-3, 1e-4, 1e-5] {
        let mut row = format!("| {rtol:.0e} |");
        for (k, (key, method)) in methods.iter().enumerate() {
            let mut table = base.clone();
            remove_key(&mut table, "solve.transient.dt_s", &file).unwrap();
            remove_key(&mut table, "solve.transient.output_interval_s", &file).unwrap();
            set_key(&mut table, "solve.transient.rtol", rtol, &file).unwrap();
            set_key(&mut table, "solve.transient.output_interval_s", 1.0, &file).unwrap();
            set_key(&mut table, "solve.transient.method", *key, &file).unwrap();
            let model = Case::from_table(table, &file).unwrap().build().unwrap();
            let body = model.system.node("body").unwrap();
            let Solution::Transient(sol) = model.run().unwrap().solution else {
                panic!("transient case");
            };
            assert_eq!(sol.times_s.len(), 401);
            let worst = sol
                .times_s
                .iter()
                .zip(&sol.temperatures_k)
                .map(|(&t, temps)| (temps[body] - lumped_cooling_to_zero_k(t, t0, rate)).abs())
                .fold(0.0, f64::max);
            let steps = sol.stats.accepted_steps;
            eprintln!(
                "{} rtol {rtol:.0e}: max error {worst:.3e} K ({:.1} rtol × T0), {steps} steps",
                method.name(),
                worst / (rtol * t0)
            );
            // Tighter tolerances give smaller errors, each within the
            // accumulated local tolerance (rtol × T0 per step).
            assert!(worst < previous[k], "{}: {worst:.2e} K", method.name());
            assert!(worst <= rtol * t0 * steps as f64, "{}", method.name());
            assert!(
                steps < end as usize,
                "{}: fewer steps than outputs",
                method.name()
            );
            previous[k] = worst;
            row.push_str(&format!(" {worst:.3} | {steps} |"));
        }
        rows.push(row);
    }
    let table = rows.join("\n");
    eprintln!("{table}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's rtol table differs from the solver's; the rows are now:\n{table}"
    );
}
