//! NAFEMS T3 — one-dimensional transient conduction with a harmonic end
//! temperature (NAFEMS, *The Standard NAFEMS Benchmarks*, TNSB Rev. 3, 1990,
//! test T3; also Abaqus Benchmarks Guide 1.6.x and MOOSE's verification page).
//!
//! Bar L = 0.1 m, k = 35 W/(m·K), ρ = 7200 kg/m³, c = 440.5 J/(kg·K);
//! T(x, 0) = 0 °C; T(0, t) = 0 °C; T(L, t) = 100 sin(πt/40) °C.
//! Target: T(0.08 m, 32 s) = 36.60 °C. Temperatures are kelvin inside
//! thermorbit, so the problem is run at +273.15 K.
//!
//! Compared with the published target (at its 4 significant figures) and with
//! the exact solution derived in [`exact_excess_c`], with convergence shown in
//! space (against the series) and in time (against the exact solution of the
//! semi-discrete chain, so no spatial error enters).

use std::sync::Arc;

use thermorbit::network::{AssembledNetwork, Harmonic, NodeKind, Profile, ThermalNetwork};
use thermorbit::solve::{TransientMethod, TransientOptions, TransientSolver};

const L_M: f64 = 0.1;
const K_W_M_K: f64 = 35.0;
const RHO_KG_M3: f64 = 7200.0;
const C_J_KG_K: f64 = 440.5;
const AMPLITUDE_K: f64 = 100.0;
const KELVIN: f64 = 273.15;
const X_PROBE_M: f64 = 0.08;
const T_PROBE_S: f64 = 32.0;
/// NAFEMS target (°C), quoted to 4 significant figures.
const NAFEMS_TARGET_C: f64 = 36.60;

fn omega() -> f64 {
    std::f64::consts::PI / 40.0
}

fn diffusivity() -> f64 {
    K_W_M_K / (RHO_KG_M3 * C_J_KG_K)
}

/// The response `u(x, t)` (in °C) to `u(0,t) = 0`, `u(L,t) = A sin ωt`, `u(x,0) = 0`,
/// written for any set of modes `(c_n, λ_n, φ_n(x))`:
///
/// ```text
/// u = (x/L) A sin ωt − Σ_n c_n A ω [λ_n cos ωt + ω sin ωt − λ_n e^{−λ_n t}] / (λ_n² + ω²) · φ_n(x)
/// ```
///
/// Derivation (Duhamel's theorem in eigenfunction form; Carslaw & Jaeger §3.5):
/// split `u = (x/L) g(t) + v` with `g = A sin ωt`; the linear part satisfies the
/// boundary conditions and has zero second derivative, so
/// `v_t = α v_xx − (x/L) g'(t)`, `v(0) = v(L) = 0`, `v(x, 0) = −(x/L) g(0) = 0`.
/// Expand `x/L = Σ c_n φ_n` and `v = Σ b_n(t) φ_n` over the Dirichlet
/// eigenfunctions `φ_n = sin(nπx/L)` with `α φ_n'' = −λ_n φ_n`: each coefficient
/// obeys `b_n' + λ_n b_n = −c_n g'(t)`, `b_n(0) = 0`, whence
/// `b_n = −c_n A ω ∫₀ᵗ e^{−λ_n(t−s)} cos ωs ds` and
/// `∫₀ᵗ e^{−λ(t−s)} cos ωs ds = [λ cos ωt + ω sin ωt − λ e^{−λt}] / (λ² + ω²)`.
///
/// The continuous problem has `c_n = 2(−1)^{n+1}/(nπ)` and `λ_n = α (nπ/L)²`; the
/// terms fall as `n⁻³`, so 200,000 terms leave a tail below 1e-8 K. The
/// semi-discrete chain (`N` cells of `Δx = L/N`, node `j`) has the same form with
/// the discrete modes `sin(jnπ/N)`, `λ_n = (4α/Δx²) sin²(nπ/(2N))` and
/// `c_n = (2/N) Σ_j (j/N) sin(jnπ/N)` — the linear profile is discretely
/// harmonic too.
fn response(x_over_l: f64, t: f64, modes: impl Iterator<Item = (f64, f64, f64)>) -> f64 {
    let w = omega();
    let a = AMPLITUDE_K;
    let (s, c) = (w * t).sin_cos();
    let series: f64 = modes
        .map(|(cn, lam, phi)| {
            cn * a * w * (lam * c + w * s - lam * (-lam * t).exp()) / (lam * lam + w * w) * phi
        })
        .sum();
    x_over_l * a * s - series
}

/// Exact continuous solution (°C above the 0 °C end).
fn exact_excess_c(x: f64, t: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let alpha = diffusivity();
    let modes = (1..=200_000).map(|n| {
        let nf = n as f64;
        let cn = 2.0 * if n % 2 == 1 { 1.0 } else { -1.0 } / (nf * pi);
        let lam = alpha * (nf * pi / L_M).powi(2);
        (cn, lam, (nf * pi * x / L_M).sin())
    });
    response(x / L_M, t, modes)
}

/// Exact solution of the semi-discrete chain of `n` cells at node `j` (°C).
fn semi_discrete_excess_c(n: usize, j: usize, t: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let nf = n as f64;
    let dx = L_M / nf;
    let alpha = diffusivity();
    let modes = (1..n).map(|m| {
        let mf = m as f64;
        let cn = 2.0 / nf
            * (1..n)
                .map(|i| i as f64 / nf * (i as f64 * mf * pi / nf).sin())
                .sum::<f64>();
        let lam = 4.0 * alpha / (dx * dx) * (mf * pi / (2.0 * nf)).sin().powi(2);
        (cn, lam, (j as f64 * mf * pi / nf).sin())
    });
    response(j as f64 / nf, t, modes)
}

/// The bar as a vertex-centred chain of `n` cells (cross-section 1 m²): nodes at
/// `x = jL/n`, interior nodes with `C = ρ c Δx`, neighbours joined by `k/Δx`, the
/// ends boundary nodes — the hot end a [`Harmonic`] profile. Returns the network
/// and the node at x = 0.08 m.
fn bar(n: usize) -> (AssembledNetwork, usize) {
    assert_eq!(n % 5, 0, "x = 0.08 m must be a node");
    let dx = L_M / n as f64;
    let mut net = ThermalNetwork::new();
    let cold = net.add_boundary("x0", KELVIN).unwrap();
    let inner: Vec<usize> = net
        .add_group("bar", &vec![RHO_KG_M3 * C_J_KG_K * dx; n - 1], KELVIN, None)
        .unwrap()
        .collect();
    let hot = net
        .add_node(
            "xL",
            NodeKind::Boundary {
                temperature_k: Profile::Function(Arc::new(Harmonic {
                    mean: KELVIN,
                    amplitude: AMPLITUDE_K,
                    period_s: 80.0,
                    phase_rad: 0.0,
                })),
            },
            KELVIN,
        )
        .unwrap();
    let g = K_W_M_K / dx;
    net.add_linear(cold, inner[0], g).unwrap();
    for w in inner.windows(2) {
        net.add_linear(w[0], w[1], g).unwrap();
    }
    net.add_linear(inner[n - 2], hot, g).unwrap();
    let probe = inner[4 * n / 5 - 1];
    (net.assemble().unwrap(), probe)
}

/// Temperature (°C) at the probe at 32 s.
fn probe_c(n: usize, method: TransientMethod, steps: usize) -> f64 {
    let (sys, probe) = bar(n);
    let opts = TransientOptions::fixed_step(T_PROBE_S / steps as f64)
        .unwrap()
        .with_span(0.0, T_PROBE_S)
        .unwrap()
        .with_method(method);
    let sol = TransientSolver::new(&sys, opts).unwrap().solve().unwrap();
    assert!(sol.energy.relative_imbalance < 1e-9, "{:?}", sol.energy);
    sol.final_temperatures_k()[probe] - KELVIN
}

fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect()
}

#[test]
fn val_nafems_t3_exact_solution_matches_the_published_target() {
    let exact = exact_excess_c(X_PROBE_M, T_PROBE_S);
    eprintln!("exact T(0.08 m, 32 s) = {exact:.6} °C");
    // NAFEMS quotes 4 significant figures: agree to half a unit in the last one.
    assert!((exact - NAFEMS_TARGET_C).abs() <= 0.005, "{exact}");
    // The semi-discrete solution tends to it as the mesh is refined.
    let coarse = semi_discrete_excess_c(40, 32, T_PROBE_S);
    assert!((coarse - exact).abs() < 0.05, "{coarse}");
}

/// Space: 5…80 cells with BDF2 at Δt = 0.01 s (time error ≪ spatial error);
/// second order, and the finest mesh within 0.01 °C of the published target.
#[test]
fn val_nafems_t3_converges_in_space() {
    let exact = exact_excess_c(X_PROBE_M, T_PROBE_S);
    let mut values = Vec::new();
    for n in [5, 10, 20, 40, 80] {
        values.push(probe_c(n, TransientMethod::Bdf2, 3200));
    }
    let errors: Vec<f64> = values.iter().map(|v| (v - exact).abs()).collect();
    let p = orders(&errors);
    eprintln!("space: T {values:?} °C, errors {errors:?}, orders {p:?}");
    for q in &p[1..] {
        assert!(
            (q - 2.0).abs() <= 0.15,
            "space order {q:.3}, errors {errors:?}"
        );
    }
    let finest = values[values.len() - 1];
    assert!((finest - NAFEMS_TARGET_C).abs() < 0.01, "{finest}");
}

/// Time: 20 cells, 16…256 steps, against the semi-discrete exact solution.
#[test]
fn val_nafems_t3_converges_in_time() {
    let n = 20;
    let exact = semi_discrete_excess_c(n, 4 * n / 5, T_PROBE_S);
    for (method, expected) in [
        (TransientMethod::BackwardEuler, 1.0),
        (TransientMethod::Bdf2, 2.0),
        (TransientMethod::Trapezoidal, 2.0),
    ] {
        let errors: Vec<f64> = (0..5)
            .map(|k| (probe_c(n, method, 16 << k) - exact).abs())
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
