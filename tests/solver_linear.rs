//! Linear solvers against the sparse direct solver, on random well-posed
//! systems (property tests) and on structured grids; multigrid convergence
//! factor; unsuitable choices are errors, never answers.

use proptest::prelude::*;
use thermorbit::error::SolveError;
use thermorbit::linalg::relative_residual;
use thermorbit::network::{CsrMatrix, GridBlock, GridShape, NodeKind, ThermalNetwork};
use thermorbit::solve::{
    new_linear_solver, AlgebraicMultigrid, DirectSolver, LinearSolver, LinearSolverChoice,
    MultigridBicgstab, MultigridCg, MultigridOptions,
};

/// A random M-matrix: conductances on random edges (plus a chain so it is
/// connected), a positive sink on a few rows; `advection` adds one-way
/// couplings (a non-symmetric M-matrix, still diagonally dominant by rows).
fn m_matrix(n: usize, seed: u64, advection: bool) -> CsrMatrix {
    let mut s = seed | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut t: Vec<(usize, usize, f64)> = Vec::new();
    let mut diag = vec![0.0; n];
    let edge =
        |t: &mut Vec<(usize, usize, f64)>, diag: &mut Vec<f64>, a: usize, b: usize, g: f64| {
            t.push((a, b, -g));
            t.push((b, a, -g));
            diag[a] += g;
            diag[b] += g;
        };
    for i in 1..n {
        let g = 0.1 + rnd() * 10.0;
        edge(&mut t, &mut diag, i - 1, i, g);
    }
    for _ in 0..2 * n {
        let (a, b) = (
            (rnd() * n as f64) as usize % n,
            (rnd() * n as f64) as usize % n,
        );
        if a != b {
            let g = rnd() * 5.0;
            edge(&mut t, &mut diag, a, b, g);
        }
    }
    for (i, d) in diag.iter_mut().enumerate() {
        if i % 7 == 0 {
            *d += 0.5 + rnd();
        }
    }
    if advection {
        for (i, d) in diag.iter_mut().enumerate().skip(1) {
            let m = rnd() * 3.0;
            t.push((i, i - 1, -m));
            *d += m;
        }
    }
    for (i, d) in diag.iter().enumerate() {
        t.push((i, i, *d));
    }
    CsrMatrix::from_triplets(n, &t)
}

/// Cell-centred 5-point conduction on an `nx × ny` grid with a uniform sink `h`
/// per cell and fixed-temperature edges (conductance 2G to the edge).
fn grid_matrix(nx: usize, ny: usize, h: f64) -> CsrMatrix {
    grid_matrix_with_edges(nx, ny, h, 2.0)
}

/// As [`grid_matrix`], with conductance `edge` (in units of G) from each edge cell to the edge.
fn grid_matrix_with_edges(nx: usize, ny: usize, h: f64, edge: f64) -> CsrMatrix {
    let id = |i: usize, j: usize| j * nx + i;
    let mut t = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let mut d = h;
            for (di, dj) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                let (a, b) = (i as i64 + di, j as i64 + dj);
                if a < 0 || b < 0 || a >= nx as i64 || b >= ny as i64 {
                    d += edge;
                } else {
                    t.push((id(i, j), id(a as usize, b as usize), -1.0));
                    d += 1.0;
                }
            }
            t.push((id(i, j), id(i, j), d));
        }
    }
    CsrMatrix::from_triplets(nx * ny, &t)
}

fn rhs(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 0.7)
        .collect()
}

fn direct(a: &CsrMatrix, b: &[f64], symmetric: bool) -> Vec<f64> {
    let mut x = vec![0.0; b.len()];
    DirectSolver::new(symmetric)
        .solve(a, b, &mut x, 0.0)
        .expect("direct solve");
    x
}

/// ‖x − y‖∞ / ‖y‖∞.
fn rel_diff(x: &[f64], y: &[f64]) -> f64 {
    let m = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    x.iter()
        .zip(y)
        .fold(0.0f64, |d, (p, q)| d.max((p - q).abs()))
        / m
}

fn check(solver: &mut dyn LinearSolver, a: &CsrMatrix, b: &[f64], reference: &[f64], rtol: f64) {
    let mut x = vec![0.0; b.len()];
    let stats = solver.solve(a, b, &mut x, rtol).expect("iterative solve");
    let res = relative_residual(a, b, &x);
    // The reported residual is the recursively updated one; the true one may
    // drift from it by a few n·ε·cond.
    assert!(
        res <= rtol * 10.0 + 1e3 * b.len() as f64 * f64::EPSILON,
        "{}: residual {res:e}",
        solver.name()
    );
    assert!(stats.relative_residual <= rtol);
    assert!(
        rel_diff(&x, reference) < 1e-6,
        "{}: differs from direct by {:e}",
        solver.name(),
        rel_diff(&x, reference)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn prop_symmetric_solvers_agree_with_cholesky(n in 5usize..400, seed in any::<u64>()) {
        let a = m_matrix(n, seed, false);
        let b = rhs(n);
        let x = direct(&a, &b, true);
        check(&mut AlgebraicMultigrid::new(true), &a, &b, &x, 1e-10);
        check(&mut thermorbit::linalg::JacobiCg::default(), &a, &b, &x, 1e-10);
        check(&mut AlgebraicMultigrid::new(false), &a, &b, &x, 1e-10);
    }

    #[test]
    fn prop_nonsymmetric_bicgstab_agrees_with_lu(n in 5usize..400, seed in any::<u64>()) {
        let a = m_matrix(n, seed, true);
        let b = rhs(n);
        let x = direct(&a, &b, false);
        check(&mut AlgebraicMultigrid::new(false), &a, &b, &x, 1e-10);
    }

    #[test]
    fn prop_multigrid_agrees_on_odd_grids(nx in 1usize..70, ny in 1usize..70, h in 0.0f64..1.0) {
        let a = grid_matrix(nx, ny, h);
        let b = rhs(nx * ny);
        let x = direct(&a, &b, true);
        let blocks = vec![GridBlock { first_unknown: 0, shape: GridShape { nx, ny } }];
        let mut mg = MultigridCg::new(blocks, MultigridOptions { coarsest_unknowns: 8, ..MultigridOptions::default() });
        check(&mut mg, &a, &b, &x, 1e-10);
    }
}

/// Stationary V-cycle iteration on a Poisson grid with a weak area sink
/// (a radiating plate, sink 10⁻³ of a conductance) and insulated edges: the
/// residual falls by at least 5× per cycle (Trottenberg et al. 2001, §2.5,
/// quote ≈0.1 for V(2,2) on Poisson). With fixed-temperature edges the factor
/// is weaker (see `thermorbit::linalg::MultigridCg`), bounded here at 0.75.
#[test]
fn multigrid_vcycle_convergence_factor_on_poisson() {
    for (n, h, edge, bound) in [
        (64usize, 1e-3, 0.0, 0.2),
        (255, 1e-3, 0.0, 0.2),
        (256, 1e-3, 0.0, 0.2),
        (256, 0.0, 2.0, 0.75),
    ] {
        let a = grid_matrix_with_edges(n, n, h, edge);
        let b = rhs(n * n);
        let blocks = vec![GridBlock {
            first_unknown: 0,
            shape: GridShape { nx: n, ny: n },
        }];
        let options = MultigridOptions {
            coarsest_unknowns: 16,
            ..MultigridOptions::default()
        };
        let mut mg = MultigridCg::new(blocks, options);
        let h = mg.prepare(&a).expect("hierarchy");
        assert!(h.levels() >= 4);
        let mut x = vec![0.0; n * n];
        let mut r = b.clone();
        let mut z = vec![0.0; n * n];
        let mut norms = vec![relative_residual(&a, &b, &x)];
        for _ in 0..8 {
            h.vcycle(&a, &r, &mut z).expect("v-cycle");
            x.iter_mut().zip(&z).for_each(|(xi, zi)| *xi += zi);
            let mut ax = vec![0.0; n * n];
            a.mul_vec(&x, &mut ax);
            r.iter_mut()
                .zip(b.iter().zip(&ax))
                .for_each(|(ri, (bi, axi))| *ri = bi - axi);
            norms.push(relative_residual(&a, &b, &x));
        }
        let factor = (norms[8] / norms[2]).powf(1.0 / 6.0);
        eprintln!("{n}²: {} levels, V-cycle factor {factor:.3}", h.levels());
        assert!(
            factor < bound,
            "{n}²: V-cycle convergence factor {factor:.3}, history {norms:?}"
        );
    }
}

/// A network with a grid, lumped nodes coupled to cells and a radiation sink.
fn panel_with_lumps(n: usize, advect: bool) -> ThermalNetwork {
    let mut net = ThermalNetwork::new();
    let sink = net.add_boundary("space", 3.0).expect("sink");
    let cells = net
        .add_group(
            "plate",
            &vec![1.0; n * n],
            300.0,
            Some(GridShape { nx: n, ny: n }),
        )
        .expect("cells");
    let id = |i: usize, j: usize| cells.start + j * n + i;
    for j in 0..n {
        for i in 0..n {
            if i + 1 < n {
                net.add_linear(id(i, j), id(i + 1, j), 0.3).expect("g");
            }
            if j + 1 < n {
                net.add_linear(id(i, j), id(i, j + 1), 0.3).expect("g");
            }
            net.add_radiative(id(i, j), sink, 1e-3).expect("r");
        }
    }
    let mut prev = None;
    for k in 0..5 {
        let lump = net
            .add_node(
                &format!("lump{k}"),
                NodeKind::Diffusion {
                    capacitance_j_k: 10.0,
                },
                320.0,
            )
            .expect("lump");
        net.add_linear(lump, id(k * n / 5, n / 2), 2.0).expect("g");
        net.add_heat_load(&format!("q{k}"), lump, 50.0).expect("q");
        if let (Some(p), true) = (prev, advect) {
            net.add_advective(p, lump, 1.5).expect("adv");
        }
        prev = Some(lump);
    }
    net
}

#[test]
fn unsuitable_choices_are_errors() {
    // No grid: multigrid does not fit.
    let mut net = ThermalNetwork::new();
    let a = net.add_node("a", NodeKind::Arithmetic, 300.0).expect("a");
    let s = net.add_boundary("s", 3.0).expect("s");
    net.add_linear(a, s, 1.0).expect("g");
    let sys = net.assemble().expect("assemble");
    let err = new_linear_solver(LinearSolverChoice::Multigrid, &sys).err();
    assert!(
        matches!(
            err,
            Some(SolveError::UnsuitableLinearSolver {
                solver: "multigrid",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("grid"));
    // Advection: CG-based solvers do not fit, BiCGStab and LU do.
    let sys = panel_with_lumps(8, true).assemble().expect("assemble");
    assert!(!sys.is_symmetric());
    for choice in [LinearSolverChoice::Multigrid, LinearSolverChoice::JacobiCg] {
        let err = new_linear_solver(choice, &sys).err();
        assert!(
            matches!(err, Some(SolveError::UnsuitableLinearSolver { .. })),
            "{choice:?}: {err:?}"
        );
    }
    for (choice, name) in [
        (LinearSolverChoice::Bicgstab, "amg-bicgstab"),
        (LinearSolverChoice::Amg, "amg-bicgstab"),
        (LinearSolverChoice::Direct, "lu"),
        (LinearSolverChoice::Auto, "lu"),
    ] {
        let solver = new_linear_solver(choice, &sys).expect("fits");
        assert_eq!(solver.name(), name);
    }
}

#[test]
fn choices_parse_in_kebab_case() {
    for (text, choice) in [
        ("\"auto\"", LinearSolverChoice::Auto),
        ("\"multigrid\"", LinearSolverChoice::Multigrid),
        ("\"amg\"", LinearSolverChoice::Amg),
        ("\"bicgstab\"", LinearSolverChoice::Bicgstab),
        ("\"jacobi-cg\"", LinearSolverChoice::JacobiCg),
        ("\"direct\"", LinearSolverChoice::Direct),
    ] {
        let parsed: LinearSolverChoice = serde_json::from_str(text).expect(text);
        assert_eq!(parsed, choice);
    }
}

/// Every solver on the Jacobian of a grid with lumped nodes (and with advection) agrees with the direct solver.
#[test]
fn solvers_agree_on_network_jacobians() {
    for advect in [false, true] {
        let sys = panel_with_lumps(40, advect).assemble().expect("assemble");
        let x0 = sys.initial_state();
        let mut k = sys.new_matrix();
        sys.jacobian(0.0, &x0, &mut k);
        let mut r = vec![0.0; sys.unknowns()];
        sys.residual(0.0, &x0, &mut r);
        let reference = direct(&k, &r, sys.is_symmetric());
        let mut choices = vec![LinearSolverChoice::Amg, LinearSolverChoice::Bicgstab];
        if !advect {
            choices.push(LinearSolverChoice::Multigrid);
        }
        for choice in choices {
            let mut solver = new_linear_solver(choice, &sys).expect("fits");
            check(solver.as_mut(), &k, &r, &reference, 1e-10);
            // Second solve reuses the hierarchy structure.
            sys.jacobian(0.0, &x0.iter().map(|t| t * 1.1).collect::<Vec<_>>(), &mut k);
            let reference2 = direct(&k, &r, sys.is_symmetric());
            check(solver.as_mut(), &k, &r, &reference2, 1e-10);
            sys.jacobian(0.0, &x0, &mut k);
        }
        // BiCGStab + geometric multigrid, `auto`'s choice for large grid systems with
        // advection (panels with coolant tubes), and for symmetric ones alike.
        let mut mg = MultigridBicgstab::new(sys.grid_blocks());
        check(&mut mg, &k, &r, &reference, 1e-10);
        sys.jacobian(0.0, &x0.iter().map(|t| t * 1.1).collect::<Vec<_>>(), &mut k);
        check(&mut mg, &k, &r, &direct(&k, &r, sys.is_symmetric()), 1e-10);
    }
}

/// The row-wise Jacobian matches central differences of the residual on a
/// network with every conductor kind (radiation between solved nodes included).
#[test]
fn jacobian_matches_central_differences() {
    let mut net = panel_with_lumps(4, true);
    let a = net.node("lump0").expect("lump0");
    let b = net.node("lump3").expect("lump3");
    net.add_radiative(a, b, 0.2).expect("r");
    net.add_radiative(a, 3, 0.1).expect("r");
    let sys = net.assemble().expect("assemble");
    let n = sys.unknowns();
    let x: Vec<f64> = (0..n).map(|i| 280.0 + (i * 37 % 50) as f64).collect();
    let mut k = sys.new_matrix();
    sys.jacobian(0.0, &x, &mut k);
    for j in 0..n {
        let h = 1e-3;
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += h;
        xm[j] -= h;
        let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
        sys.residual(0.0, &xp, &mut rp);
        sys.residual(0.0, &xm, &mut rm);
        for i in 0..n {
            let fd = -(rp[i] - rm[i]) / (2.0 * h);
            let exact = k.get(i, j);
            assert!(
                (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "K[{i},{j}] = {exact}, finite difference {fd}"
            );
        }
    }
}
