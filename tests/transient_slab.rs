//! A slab with both faces suddenly fixed (Carslaw & Jaeger, *Conduction of Heat
//! in Solids*, 2nd ed., §3.3; Incropera et al., 7th ed., §5.5): convergence in
//! space against the Fourier sine series, and in time against the exact
//! solution of the semi-discrete (method-of-lines) system.
//!
//! Non-dimensional slab: thickness L = 1 m, k = 1 W/(m·K), ρc = 1 J/(m³·K),
//! cross-section 1 m² (so α = 1 m²/s and t is the Fourier number). Initially at
//! T_i = 400 K; at t = 0 both faces drop to T_s = 300 K.

use thermorbit::network::{AssembledNetwork, ThermalNetwork};
use thermorbit::solve::{TransientMethod, TransientOptions, TransientSolver};

const T_INITIAL_K: f64 = 400.0;
const T_FACE_K: f64 = 300.0;

/// A vertex-centred chain of `n` cells: interior nodes `j = 1..n−1` at `x = j/n`
/// with `C = Δx` and `G = 1/Δx` between neighbours; the faces are boundary nodes.
/// Returns the assembled network and the node ids of the interior nodes.
fn slab(n: usize) -> (AssembledNetwork, Vec<usize>) {
    let dx = 1.0 / n as f64;
    let mut net = ThermalNetwork::new();
    let left = net.add_boundary("left", T_FACE_K).unwrap();
    let inner = net
        .add_group("slab", &vec![dx; n - 1], T_INITIAL_K, None)
        .unwrap();
    let right = net.add_boundary("right", T_FACE_K).unwrap();
    let ids: Vec<usize> = inner.collect();
    net.add_linear(left, ids[0], 1.0 / dx).unwrap();
    for w in ids.windows(2) {
        net.add_linear(w[0], w[1], 1.0 / dx).unwrap();
    }
    net.add_linear(ids[n - 2], right, 1.0 / dx).unwrap();
    (net.assemble().unwrap(), ids)
}

/// θ = (T − T_s)/(T_i − T_s) = Σ_{m odd} 4/(mπ) sin(mπx) exp(−m²π² t): the sine
/// series of the initial θ = 1 (coefficients 2∫₀¹ sin(mπx) dx = 4/(mπ) for odd m)
/// times each mode's decay.
fn theta_exact(x: f64, t: f64) -> f64 {
    let pi = std::f64::consts::PI;
    (0..2000)
        .map(|k| (2 * k + 1) as f64)
        .map(|m| 4.0 / (m * pi) * (m * pi * x).sin() * (-(m * pi).powi(2) * t).exp())
        .sum()
}

/// The exact solution of the semi-discrete chain `θ_j' = (θ_{j−1} − 2θ_j + θ_{j+1})/Δx²`,
/// θ_0 = θ_n = 0, θ_j(0) = 1: the discrete sine modes `sin(jmπ/n)` are its
/// eigenvectors with eigenvalues `λ_m = (4/Δx²) sin²(mπ/(2n))`, and the initial
/// vector's coefficients are `b_m = (2/n) Σ_j sin(jmπ/n)`.
fn theta_semi_discrete(n: usize, j: usize, t: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let nf = n as f64;
    let dx = 1.0 / nf;
    (1..n)
        .map(|m| {
            let mf = m as f64;
            let b: f64 = (1..n).map(|i| (i as f64 * mf * pi / nf).sin()).sum::<f64>() * 2.0 / nf;
            let lambda = 4.0 / (dx * dx) * (mf * pi / (2.0 * nf)).sin().powi(2);
            b * (j as f64 * mf * pi / nf).sin() * (-lambda * t).exp()
        })
        .sum()
}

fn run(sys: &AssembledNetwork, method: TransientMethod, t_end: f64, steps: usize) -> Vec<f64> {
    let opts = TransientOptions::fixed_step(t_end / steps as f64)
        .unwrap()
        .with_span(0.0, t_end)
        .unwrap()
        .with_method(method);
    let sol = TransientSolver::new(sys, opts).unwrap().solve().unwrap();
    assert_eq!(sol.stats.accepted_steps, steps);
    assert!(sol.energy.relative_imbalance < 1e-9, "{:?}", sol.energy);
    sol.final_temperatures_k().to_vec()
}

fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect()
}

/// Second order in space: centre temperature at Fo = 0.05 for 8…64 cells, with a
/// time step small enough (BDF2, Δt = 2e-5) that its error is below 1 % of the
/// finest spatial error.
#[test]
fn val_slab_sudden_faces_converges_second_order_in_space() {
    let t_end = 0.05;
    let exact = T_FACE_K + (T_INITIAL_K - T_FACE_K) * theta_exact(0.5, t_end);
    let mut errors = Vec::new();
    for n in [8, 16, 32, 64] {
        let (sys, ids) = slab(n);
        let t = run(&sys, TransientMethod::Bdf2, t_end, 2500);
        errors.push((t[ids[n / 2 - 1]] - exact).abs());
    }
    let p = orders(&errors);
    eprintln!("space: errors {errors:?}, orders {p:?}");
    for q in &p {
        assert!(
            (q - 2.0).abs() <= 0.15,
            "space order {q:.3}, errors {errors:?}"
        );
    }
}

/// Order in time against the semi-discrete exact solution (no spatial error), 16
/// cells (stiff: λ_max Δt up to 100), Fo = 0.1, steps 10·2^k.
#[test]
fn val_slab_sudden_faces_converges_in_time() {
    let n = 16;
    let t_end = 0.1;
    let (sys, ids) = slab(n);
    let exact: Vec<f64> = (1..n)
        .map(|j| T_FACE_K + (T_INITIAL_K - T_FACE_K) * theta_semi_discrete(n, j, t_end))
        .collect();
    // The semi-discrete solution tends to the series as the mesh is refined.
    assert!((exact[n / 2 - 1] - T_FACE_K - 100.0 * theta_exact(0.5, t_end)).abs() < 0.1);
    for (method, expected) in [
        (TransientMethod::BackwardEuler, 1.0),
        (TransientMethod::Bdf2, 2.0),
        (TransientMethod::Trapezoidal, 2.0),
    ] {
        let errors: Vec<f64> = (0..5)
            .map(|k| {
                let t = run(&sys, method, t_end, 10 << k);
                ids.iter()
                    .zip(&exact)
                    .map(|(&id, e)| (t[id] - e).abs())
                    .fold(0.0, f64::max)
            })
            .collect();
        let p = orders(&errors);
        eprintln!("time, {}: errors {errors:?}, orders {p:?}", method.name());
        for q in &p[1..] {
            assert!(
                (q - expected).abs() <= 0.15,
                "{}: time order {q:.3}, errors {errors:?}",
                method.name()
            );
        }
    }
}
