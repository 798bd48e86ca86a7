//! The same problem solved in rayon pools of 1 and 2 threads gives the same bits.

#[path = "../benches/common/mod.rs"]
mod common;

use thermorbit::solve::{solve_steady, LinearSolverChoice, SteadyOptions};

fn solve_in_pool(threads: usize, n: usize, linear: LinearSolverChoice) -> (Vec<f64>, Vec<f64>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let sys = common::panel(n).network.assemble().expect("assemble");
        let x: Vec<f64> = (0..sys.unknowns())
            .map(|i| 250.0 + (i % 97) as f64)
            .collect();
        let mut r = vec![0.0; sys.unknowns()];
        sys.residual(0.0, &x, &mut r);
        let mut k = sys.new_matrix();
        sys.jacobian(0.0, &x, &mut k);
        let mut fingerprint = r;
        fingerprint.extend_from_slice(k.values());
        let options = SteadyOptions {
            linear_solver: linear,
            ..SteadyOptions::default()
        };
        let sol = solve_steady(&sys, &options).expect("steady");
        (sol.temperatures_k, fingerprint)
    })
}

#[test]
fn steady_solve_is_bit_identical_on_1_and_2_threads() {
    // 192² cells: above every parallel threshold, small enough for a test.
    for linear in [LinearSolverChoice::Multigrid, LinearSolverChoice::Amg] {
        let (t1, f1) = solve_in_pool(1, 192, linear);
        let (t2, f2) = solve_in_pool(2, 192, linear);
        assert!(
            f1.iter().zip(&f2).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{linear:?}: residual/Jacobian differ"
        );
        let differing = t1
            .iter()
            .zip(&t2)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(
            differing, 0,
            "{linear:?}: {differing} temperatures differ between 1 and 2 threads"
        );
    }
}
