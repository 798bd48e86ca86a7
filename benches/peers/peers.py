"""Peers side by side on the thermorbit benchmark panel.

The problem (identical to benches/common/mod.rs): a 1 m x 1 m x 2 mm aluminium
plate (k = 167 W/(m K)) on an n x n cell-centred grid, both faces radiating
(emissivity 0.85 each) to a 0 K sink, 1 kW fed along the x = 0 edge, spread
evenly over the edge cells. Unknown T per cell; the balance of cell i is

    F_i(T) = q_i + sum_j G (T_j - T_i) - sigma R T_i^4 = 0,
    G = k t dy/dx,  R = 2 eps dx dy,  q_i = 1000/n on the x = 0 column.

Newton from T = 300 K with the exact Jacobian K = L + diag(4 sigma R T^3),
converged when ||F||_1 <= tol * max(heat in, heat out) (tol = 1e-10), the
same test thermorbit uses. Linear solvers: scipy.sparse.linalg.splu (SuperLU)
and pyamg smoothed-aggregation AMG as a CG preconditioner (relative
tolerance: the same inexact-Newton forcing term as thermorbit's).

Each solver runs in its own process under /usr/bin/time -v (peak RSS).
"""
import argparse
import json
import os
import subprocess
import sys
import time

SIGMA = 5.670374419e-8
K, THICK, EPS, POWER = 167.0, 0.002, 0.85, 1000.0


def build(n):
    import numpy as np
    import scipy.sparse as sp

    d = 1.0 / n
    g = K * THICK * d / d
    r = 2.0 * EPS * d * d
    idx = np.arange(n * n).reshape(n, n)  # [j, i], i fastest
    rows, cols = [], []
    rows.append(idx[:, :-1].ravel()); cols.append(idx[:, 1:].ravel())
    rows.append(idx[:-1, :].ravel()); cols.append(idx[1:, :].ravel())
    a = np.concatenate(rows); b = np.concatenate(cols)
    w = np.full(a.size, g)
    adj = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                        shape=(n * n, n * n)).tocsr()
    lap = sp.diags(np.asarray(adj.sum(axis=1)).ravel()) - adj
    q = np.zeros(n * n)
    q[idx[:, 0]] = POWER / n
    return lap.tocsr(), np.full(n * n, r), q


def newton(n, method, tol):
    import numpy as np
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    t0 = time.perf_counter()
    lap, r, q = build(n)
    x = np.full(n * n, 300.0)

    def residual(x):
        return q - lap @ x - SIGMA * r * x**4

    f = residual(x)
    hist = []
    lin_its = 0
    ml = None
    for it in range(60):
        heat = max(q.sum(), (SIGMA * r * x**4).sum())
        rel = np.abs(f).sum() / heat
        hist.append(rel)
        if rel <= tol:
            break
        jac = (lap + sp.diags(4.0 * SIGMA * r * x**3)).tocsr()
        forcing = min(max(0.5 * tol / rel, 0.1 * rel, 1e-12), 1e-2)
        if method == "superlu":
            delta = spla.splu(jac.tocsc()).solve(f)
            lin_its += 1
        else:
            import pyamg
            ml = pyamg.smoothed_aggregation_solver(jac, symmetry="symmetric")
            res = []
            delta = ml.solve(f, tol=forcing, accel="cg", residuals=res, maxiter=500)
            lin_its += max(len(res) - 1, 1)
        # Same safeguard as thermorbit: keep temperatures above a tenth of their value.
        alpha = 1.0
        neg = delta < 0
        if neg.any():
            lim = 0.9 * x[neg] / -delta[neg]
            bad = x[neg] + delta[neg] < 0.1 * x[neg]
            if bad.any():
                alpha = min(1.0, lim[bad].min())
        norm = np.abs(f).sum()
        while True:
            trial = x + alpha * delta
            ft = residual(trial)
            if np.abs(ft).sum() <= (1 - 1e-4 * alpha) * norm or alpha < 1 / 1024:
                break
            alpha *= 0.5
        x, f = trial, ft
    wall = time.perf_counter() - t0
    return x, {"wall_s": wall, "newton_iterations": len(hist) - 1, "linear_iterations": lin_its,
               "history": hist}


def run_timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in MB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    rss = next(int(l.split(":")[1]) for l in p.stderr.splitlines() if "Maximum resident" in l)
    return p.stdout, rss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench")
    ap.add_argument("--sizes", nargs="+", type=int, default=[256, 512, 1024])
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--solve", help=argparse.SUPPRESS)  # child mode: method
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--write", help=argparse.SUPPRESS)
    ap.add_argument("--skip-superlu-above", type=int, default=1024)
    args = ap.parse_args()
    if args.solve:
        import numpy as np
        x, info = newton(args.n, args.solve, args.tol)
        x.astype("<f8").tofile(args.write)
        print(json.dumps(info))
        return
    import numpy as np
    rows = []
    tmp = os.path.join(os.path.dirname(os.path.abspath(args.out)), ".tmp")
    os.makedirs(tmp, exist_ok=True)
    for n in args.sizes:
        t_path = os.path.join(tmp, f"thermorbit-{n}.f64")
        out, rss = run_timed([args.bench, str(n), "--tolerance", str(args.tol), "--write", t_path])
        info = json.loads(out.strip().splitlines()[-1])
        t_ref = np.fromfile(t_path, dtype="<f8")
        rows.append({"n": n, "solver": f"thermorbit ({info['linear_solver']})", "wall_s": info["solve_s"],
                     "total_s": info["wall_s"], "rss_mb": rss, "newton": info["newton_iterations"],
                     "linear": info["linear_iterations"], "max_dT_k": 0.0})
        for method in ["superlu", "pyamg"]:
            if method == "superlu" and n > args.skip_superlu_above:
                continue
            p_path = os.path.join(tmp, f"{method}-{n}.f64")
            out, rss = run_timed([sys.executable, os.path.abspath(__file__), "--solve", method,
                                  "--n", str(n), "--tol", str(args.tol), "--write", p_path])
            pinfo = json.loads(out.strip().splitlines()[-1])
            t = np.fromfile(p_path, dtype="<f8")
            rows.append({"n": n, "solver": f"Newton + {'scipy SuperLU' if method == 'superlu' else 'pyamg SA-CG'}",
                         "wall_s": pinfo["wall_s"], "total_s": pinfo["wall_s"], "rss_mb": rss,
                         "newton": pinfo["newton_iterations"], "linear": pinfo["linear_iterations"],
                         "max_dT_k": float(np.abs(t - t_ref).max())})
            print(json.dumps(rows[-1]), flush=True)
        for r in rows:
            if r["n"] == n:
                base = next(x for x in rows if x["n"] == n and x["solver"].startswith("thermorbit"))
                r["time_ratio"] = r["wall_s"] / base["wall_s"]
                r["mem_ratio"] = r["rss_mb"] / base["rss_mb"]
    with open(args.out, "w") as f:
        json.dump({"machine": machine(), "rows": rows}, f, indent=1)
    print(f"{'cells':>10} {'solver':<34} {'solve s':>8} {'peak MB':>8} {'Newton':>6} {'lin its':>7} "
          f"{'max|dT| K':>10} {'time ×':>7} {'mem ×':>6}")
    for r in rows:
        print(f"{r['n']:>5}²     {r['solver']:<34} {r['wall_s']:>8.3f} {r['rss_mb']:>8.0f} {r['newton']:>6} "
              f"{r['linear']:>7} {r['max_dT_k']:>10.2e} {r['time_ratio']:>7.1f} {r['mem_ratio']:>6.1f}")
    plot(rows, os.path.join(os.path.dirname(os.path.abspath(args.out)), "time_vs_unknowns.png"))


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": model, "load_avg": os.getloadavg()}


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name in sorted({r["solver"] for r in rows}):
        pts = sorted((r["n"] ** 2, r["wall_s"]) for r in rows if r["solver"] == name)
        ax.loglog([p[0] for p in pts], [p[1] for p in pts], "o-", label=name)
    ax.set_xlabel("unknowns (cells)")
    ax.set_ylabel("nonlinear steady solve, wall s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
