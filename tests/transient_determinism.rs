//! A transient run solved in rayon pools of 1 and 2 threads gives the same
//! bits: the step's vector passes (predictor, convergence norms, Newton trial
//! point, `T' = F/C`, error estimate), the residual and the direct sweeps all
//! reduce over fixed chunks in a fixed order, as do multigrid CG's passes.
//!
//! The orbit benchmark network at 192² (36,964 unknowns) is large enough for
//! every parallel path: the residual's chunks (≥ 16,384 rows), the step's
//! vector passes (≥ 32,768) and the split Cholesky sweeps (≥ 200,000 factor
//! entries).

#[path = "../benches/common/mod.rs"]
mod common;

use thermorbit::solve::{LinearSolverChoice, TransientOptions, TransientSolver};

/// Final state, every output's temperatures and the run's energy terms of a
/// 200 s run (20 BDF2 steps across no event) in a pool of `threads`.
fn run_in_pool(threads: usize, options: &TransientOptions) -> (Vec<f64>, Vec<f64>, [f64; 3]) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let sys = common::orbit_panel(192).assemble().expect("assemble");
        let sol = TransientSolver::new(&sys, options.clone())
            .expect("options")
            .solve()
            .expect("transient");
        let outputs = sol.temperatures_k.concat();
        let e = sol.energy;
        (
            sol.final_state_k,
            outputs,
            [e.heat_in_j, e.heat_out_j, e.stored_j],
        )
    })
}

fn assert_same_bits(options: TransientOptions, label: &str) {
    let one = run_in_pool(1, &options);
    let two = run_in_pool(2, &options);
    let differing = |a: &[f64], b: &[f64]| {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .filter(|(p, q)| p.to_bits() != q.to_bits())
            .count()
    };
    assert_eq!(
        differing(&one.0, &two.0),
        0,
        "{label}: final state differs between 1 and 2 threads"
    );
    assert_eq!(
        differing(&one.1, &two.1),
        0,
        "{label}: output temperatures differ between 1 and 2 threads"
    );
    assert_eq!(
        differing(&one.2, &two.2),
        0,
        "{label}: energy integrals differ between 1 and 2 threads"
    );
}

#[test]
fn fixed_step_orbit_is_bit_identical_on_1_and_2_threads() {
    let options = TransientOptions::fixed_step(10.0)
        .and_then(|o| o.with_span(0.0, 200.0))
        .and_then(|o| o.with_output_interval(50.0))
        .expect("options");
    assert_same_bits(options, "fixed 10 s");
}

#[test]
fn multigrid_orbit_is_bit_identical_on_1_and_2_threads() {
    // Kept multigrid CG: the V-cycle's passes, CG's fused product-and-dot
    // with the exact stencil form, its fused updates and reductions.
    let options = TransientOptions::fixed_step(10.0)
        .and_then(|o| o.with_span(0.0, 200.0))
        .and_then(|o| o.with_output_interval(50.0))
        .expect("options")
        .with_linear_solver(LinearSolverChoice::Multigrid);
    assert_same_bits(options, "fixed 10 s, multigrid");
}

#[test]
fn adaptive_orbit_is_bit_identical_on_1_and_2_threads() {
    // Adaptive steps also take the local-error estimate's parallel maximum.
    let options = TransientOptions::adaptive(1e-4, 1e-3)
        .and_then(|o| o.with_span(0.0, 200.0))
        .and_then(|o| o.with_output_interval(50.0))
        .expect("options");
    assert_same_bits(options, "adaptive");
}
