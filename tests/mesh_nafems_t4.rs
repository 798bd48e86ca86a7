//! NAFEMS T4 — 2D steady conduction with convection, through the panel mesh.
//!
//! Source: NAFEMS, *The Standard NAFEMS Benchmarks*, TNSB Rev. 3 (1990), test
//! T4 (also Abaqus Benchmarks Guide 1.4.x; Code_Aster TPLP300). Rectangle
//! 0 ≤ x ≤ 0.6 m, 0 ≤ y ≤ 1.0 m, k = 52 W/(m·K); y = 0 held at 100 °C; x = 0
//! insulated; x = 0.6 and y = 1.0 convect with h = 750 W/(m²·K) to 0 °C.
//! Target: T(0.6, 0.2) = 18.25 °C — a point on a convecting edge, so it tests
//! the edge reconstruction of `PanelNodes::temperature_at`.
//!
//! Reference: the exact separation-of-variables series (derived below) and the
//! published target at its 4 significant figures.

use thermorbit::constants::CELSIUS_OFFSET_K;
use thermorbit::mesh::{Edge, EdgeCondition, Material, RectangularPanel};
use thermorbit::network::ThermalNetwork;
use thermorbit::solve::{solve_steady, SteadyOptions};

const A_M: f64 = 0.6;
const B_M: f64 = 1.0;
const K: f64 = 52.0;
const H: f64 = 750.0;

/// Exact T (°C). With `cos(λx)` (insulated at x = 0) and `λ tan(λa) = h/k`
/// (convection at x = a), and `Y(y) = cosh λ(b−y) + (h/kλ) sinh λ(b−y)`
/// (convection at y = b):
/// `T = Σ c_n cos(λ_n x) Y_n(y)/Y_n(0)`, `c_n = 100 ∫cos / ∫cos²` over [0, a]
/// (Carslaw & Jaeger, *Conduction of Heat in Solids*, 2nd ed., §5.4 method).
fn exact_c(x: f64, y: f64) -> f64 {
    let bi = H * A_M / K;
    let mut sum = 0.0;
    for n in 0..400 {
        // Root of β sin β − Bi cos β on [nπ, nπ + π/2], by bisection.
        let (mut lo, mut hi) = (
            n as f64 * std::f64::consts::PI,
            (n as f64 + 0.5) * std::f64::consts::PI,
        );
        let f = |b: f64| b * b.sin() - bi * b.cos();
        let flo = f(lo);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if (f(mid) > 0.0) == (flo > 0.0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let lambda = 0.5 * (lo + hi) / A_M;
        let c = 100.0 * ((lambda * A_M).sin() / lambda)
            / (A_M / 2.0 + (2.0 * lambda * A_M).sin() / (4.0 * lambda));
        // Y(y)/Y(0) in a form that cannot overflow.
        let bh = H / (K * lambda);
        let ratio = (-lambda * y).exp()
            * ((1.0 + bh) + (1.0 - bh) * (-2.0 * lambda * (B_M - y)).exp())
            / ((1.0 + bh) + (1.0 - bh) * (-2.0 * lambda * B_M).exp());
        sum += c * (lambda * x).cos() * ratio;
    }
    sum
}

fn solve_t4(m: usize) -> f64 {
    let thickness = 0.01; // a 2D problem: t cancels (G′ = h t against k t)
    let material = Material {
        k_w_m_k: K,
        density_kg_m3: 7850.0,
        specific_heat_j_kg_k: 460.0,
    };
    let mut net = ThermalNetwork::new();
    let ambient = net
        .add_boundary("ambient", CELSIUS_OFFSET_K)
        .expect("ambient");
    let convect = || EdgeCondition::Convection {
        node: ambient,
        h_w_m2_k: H,
    };
    let panel = RectangularPanel::new("t4", A_M, B_M, thickness, material, 6 * m, 10 * m)
        .with_edge(
            Edge::South,
            EdgeCondition::FixedTemperature {
                temperature_k: (CELSIUS_OFFSET_K + 100.0).into(),
            },
        )
        .with_edge(Edge::East, convect())
        .with_edge(Edge::North, convect())
        .with_initial_temperature_k(CELSIUS_OFFSET_K + 50.0)
        .add_to(&mut net)
        .expect("panel");
    let sys = net.assemble().expect("assembles");
    let sol = solve_steady(&sys, &SteadyOptions::default()).expect("converges");
    panel
        .temperature_at(0.6, 0.2, &sol.temperatures_k)
        .expect("point on the edge")
        - CELSIUS_OFFSET_K
}

#[test]
fn val_nafems_t4_convecting_edge_point() {
    let exact = exact_c(0.6, 0.2);
    eprintln!("NAFEMS T4: exact series T(0.6, 0.2) = {exact:.5} °C (published 18.25 °C)");
    assert!((exact - 18.25).abs() < 0.005, "series gives {exact}");
    let levels = [1usize, 2, 4, 8, 16];
    let (mut values, mut errors) = (Vec::new(), Vec::new());
    for m in levels {
        let t = solve_t4(m);
        let e = (t - exact).abs();
        eprintln!(
            "  Δ = {:.5} m: T = {t:.5} °C, error {e:.3e} K",
            0.1 / m as f64
        );
        values.push(t);
        errors.push(e);
    }
    let orders: Vec<f64> = errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect();
    eprintln!("  observed orders {orders:?}");
    // Second order (the corner at (0.6, 0), where the held and convecting edges
    // meet, is 0.2 m away and does not pollute the point at these sizes).
    assert!(orders[1..].iter().all(|&p| p >= 1.8), "{orders:?}");
    // At Δ = 6.25 mm the result rounds to the published 18.25 °C.
    let finest = values[values.len() - 1];
    assert!((finest - 18.25).abs() < 0.01, "{finest}");
    assert!(errors[errors.len() - 1] < 0.01);
}
