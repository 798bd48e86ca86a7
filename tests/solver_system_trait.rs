//! A model that is not a thermal network, solved through `solve::ThermalSystem`
//! by the steady and transient solvers unchanged (the trait's one optional
//! method, `network()`, left out: the direct solver serves).
//!
//! The model: one lumped body of heat capacity `C`, heated by `Q`, losing
//! heat by conduction `G (T − T_s)` and radiation `R (T⁴ − T_s⁴)` to a sink
//! at `T_s`. Its exact solutions (no discretisation, so the tolerances are
//! the solvers' own):
//!
//! - steady, `G = 0`: `T = (Q/R + T_s⁴)^¼`;
//! - transient, `R = 0`, from `T₀`: `T(t) = T_∞ + (T₀ − T_∞) e^{−G t / C}`,
//!   `T_∞ = T_s + Q/G` (Incropera et al., *Fundamentals of Heat and Mass
//!   Transfer*, 7th ed., §5.2, the lumped capacitance method).

use thermorbit::error::{NetworkError, SolveError};
use thermorbit::linalg::CsrMatrix;
use thermorbit::network::HeatFlows;
use thermorbit::solve::{
    solve_steady, DirectSolver, InitialState, LinearSolver, SteadyOptions, ThermalSystem,
    TransientMethod, TransientOptions, TransientSolver,
};

/// One lumped body and its sink (node 0 the body, node 1 the sink).
struct LumpedBody {
    capacitance_j_k: [f64; 1],
    heat_w: f64,
    conductance_w_k: f64,
    /// `ε σ A` (W/K⁴).
    radiative_w_k4: f64,
    sink_k: f64,
    initial_k: f64,
}

impl LumpedBody {
    /// Heat into the sink at body temperature `t` (W).
    fn to_sink_w(&self, t: f64) -> f64 {
        let ts = self.sink_k;
        self.conductance_w_k * (t - ts) + self.radiative_w_k4 * (t.powi(4) - ts.powi(4))
    }
}

impl ThermalSystem for LumpedBody {
    fn unknowns(&self) -> usize {
        1
    }
    fn capacitance_j_k(&self) -> &[f64] {
        &self.capacitance_j_k
    }
    fn initial_state(&self) -> Vec<f64> {
        vec![self.initial_k]
    }
    fn residual(&self, _t_s: f64, x: &[f64], r: &mut [f64]) {
        r[0] = self.heat_w - self.to_sink_w(x[0]);
    }
    fn residual_and_flows(&self, t_s: f64, x: &[f64], r: &mut [f64]) -> HeatFlows {
        self.residual(t_s, x, r);
        self.heat_flows(t_s, x)
    }
    fn heat_flows(&self, _t_s: f64, x: &[f64]) -> HeatFlows {
        let out = self.to_sink_w(x[0]);
        HeatFlows {
            source_in_w: self.heat_w,
            source_out_w: 0.0,
            boundary_in_w: (-out).max(0.0),
            boundary_out_w: out.max(0.0),
            advected_w: 0.0,
            boundary_w: vec![(1, out)],
        }
    }
    fn new_matrix(&self) -> CsrMatrix {
        CsrMatrix::from_pattern(vec![0, 1], vec![0])
    }
    fn jacobian(&self, _t_s: f64, x: &[f64], k: &mut CsrMatrix) {
        k.values_mut()[0] = self.conductance_w_k + 4.0 * self.radiative_w_k4 * x[0].powi(3);
    }
    fn diagonal_positions(&self) -> &[u32] {
        &[0]
    }
    fn is_linear(&self) -> bool {
        self.radiative_w_k4 == 0.0
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn discontinuities(&self, _t0_s: f64, _t1_s: f64) -> Vec<f64> {
        Vec::new()
    }
    fn node_temperatures(&self, _t_s: f64, x: &[f64]) -> Vec<f64> {
        vec![x[0], self.sink_k]
    }
    fn node_of_unknown(&self, _u: usize) -> usize {
        0
    }
    fn label(&self, node: usize) -> String {
        ["body", "sink"][node.min(1)].to_string()
    }
    fn check_grounded(&self) -> Result<(), NetworkError> {
        Ok(())
    }
    fn check_state(&self, _t_s: f64, x: &[f64]) -> Result<(), SolveError> {
        match x[0] {
            v if v.is_finite() && v >= 0.0 => Ok(()),
            v => Err(SolveError::NonPhysicalTemperature {
                node: "body".into(),
                value: v,
                t_s: 0.0,
            }),
        }
    }
}

/// A 1 m² black plate in deep space (ε σ A = 5.670374419e-8 W/K⁴, CODATA 2018
/// σ) heated by 1 kW: Newton from 300 K reaches `(Q/R + T_s⁴)^¼` to its
/// tolerance (1e-10 of the heat flowing, so ~1e-10 K relative) and closes the balance.
#[test]
fn steady_radiating_body_through_the_trait() {
    let body = LumpedBody {
        capacitance_j_k: [0.0],
        heat_w: 1000.0,
        conductance_w_k: 0.0,
        radiative_w_k4: 5.670_374_419e-8,
        sink_k: 2.7,
        initial_k: 300.0,
    };
    let sol = solve_steady(&body, &SteadyOptions::default()).unwrap();
    let exact = (1000.0 / 5.670_374_419e-8 + 2.7_f64.powi(4)).powf(0.25);
    let t = sol.temperatures_k[0];
    assert!((t - exact).abs() < 1e-8 * exact, "T = {t}, exact {exact}");
    assert!(sol.energy_balance.relative_imbalance < 1e-10);
    assert!(sol.iterations.len() > 2, "Newton took steps from 300 K");
    // `auto` on a system without grids: the direct solver.
    assert_eq!(sol.linear_solver, DirectSolver::new(true).name());
}

/// The lumped body cooling from 400 K towards `T_s + Q/G` = 350 K with time
/// constant `C/G` = 100 s, over three time constants, BDF2 at rtol 1e-7: the
/// temperature at the end within `100 rtol T` (3.5 mK) of the exponential —
/// rtol bounds each step's local error, and the global error BDF2 carries to
/// the end measured 2–50 rtol × T on the radiating body
/// (tests/transient_lumped.rs; 33 here) — and the run's energy balance closed.
#[test]
fn transient_lumped_body_through_the_trait() {
    let body = LumpedBody {
        capacitance_j_k: [1000.0],
        heat_w: 500.0,
        conductance_w_k: 10.0,
        radiative_w_k4: 0.0,
        sink_k: 300.0,
        initial_k: 400.0,
    };
    let opts = TransientOptions::adaptive(1e-7, 1e-6)
        .unwrap()
        .with_span(0.0, 300.0)
        .unwrap()
        .with_method(TransientMethod::Bdf2)
        .with_initial_state(InitialState::Given(vec![400.0]))
        .unwrap();
    let mut solver = TransientSolver::new(&body, opts).unwrap();
    let sol = solver.solve_from(&[400.0]).unwrap();
    let exact = 350.0 + 50.0 * (-3.0_f64).exp();
    let t = sol.final_state_k[0];
    assert!(
        (t - exact).abs() < 100.0 * 1e-7 * exact,
        "T(300 s) = {t}, exact {exact}"
    );
    assert!(sol.energy.relative_imbalance < 1e-8);
}
