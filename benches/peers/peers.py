"""Peers side by side on the thermorbit benchmark panel.

The problem (identical to benches/common/mod.rs): a 1 m x 1 m x 2 mm aluminium
plate (k = 167 W/(m K)) on an n x n cell-centred grid, both faces radiating
(emissivity 0.85 each) to a 0 K sink, 1 kW fed along the x = 0 edge, spread
evenly over the edge cells. Unknown T per cell; the balance of cell i is

    F_i(T) = q_i + sum_j G (T_j - T_i) - sigma R T_i^4 = 0,
    G = k t dy/dx,  R = 2 eps dx dy,  q_i = 1000/n on the x = 0 column.

Solvers, each in its own process (peak RSS from wait4, wall time of the solve
alone, problem set-up excluded):

* thermorbit (examples/panel_bench.rs, rayon on all cores);
* Newton + scipy SuperLU and Newton + pyamg smoothed-aggregation CG: Newton
  from T = 300 K with the exact Jacobian K = L + diag(4 sigma R T^3),
  converged when ||F||_1 <= tol * max(heat in, heat out) (tol = 1e-10), the
  same test, safeguard and inexact-Newton forcing term as thermorbit's;
  BLAS single-threaded (PEERS_PY_THREADS) -- multi-threaded OpenBLAS on a
  busy 2-core machine made pyamg's level-1 kernels 50x slower;
* CalculiX ccx (where installed): the same plate as an n x n x 1 mesh of
  C3D8 bricks, *RADIATE from both faces to 0 K, the 1 kW as a *DFLUX on the
  x = 0 face, *HEAT TRANSFER, STEADY STATE. Its element differs, so it is
  compared where the field is mesh-independent: the far-edge minimum and the
  mean temperature.

Exact reference. The load and the plate are uniform along y, so the field is
T(x) alone and solves the radiating-fin equation (Carslaw & Jaeger;
DESIGN/REFERENCES "straight rectangular radiating fin"):

    k t T'' = 2 eps sigma T^4,   -k t T'(0) = q' = 1000 W/m,   T'(L) = 0.

Its first integral T'^2 = a (T^5 - T_L^5), a = 4 eps sigma / (5 k t), gives
T_0^5 = T_L^5 + (q'/(k t))^2 / a and L = int_{T_L}^{T_0} dT / sqrt(a (T^5 - T_L^5)),
a one-dimensional quadrature for the far-edge T_L; the mean is
(1/L) int T dT / |T'|. Every solver's far-edge minimum and mean are printed
beside it (finite differences sit at cell centres, x = L - h/2: O(h^2) off).

    python peers.py --bench panel_bench --triad stream_triad --sizes 256 512
    python peers.py --from-json results.json      # re-print table and plot
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

SIGMA = 5.670374419e-8
K, THICK, EPS, POWER, SIDE = 167.0, 0.002, 0.85, 1000.0, 1.0
SOLVERS = ["thermorbit", "superlu", "pyamg", "ccx"]
LABELS = {"superlu": "Newton + scipy SuperLU", "pyamg": "Newton + pyamg SA-CG",
          "ccx": "CalculiX ccx (C3D8)"}
# Peak memory grows with unknowns N as N^p; p assumed for the first
# extrapolation of a solver (later ones use the measured growth).
MEM_EXPONENT = {"superlu": 1.3, "ccx": 1.2}


# ----------------------------------------------------------------- the problem

def build(n):
    import numpy as np
    import scipy.sparse as sp

    d = SIDE / n
    g = K * THICK * d / d
    r = 2.0 * EPS * d * d
    idx = np.arange(n * n).reshape(n, n)  # [j, i], i fastest
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = np.full(a.size, g)
    adj = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                        shape=(n * n, n * n)).tocsr()
    lap = sp.diags(np.asarray(adj.sum(axis=1)).ravel()) - adj
    q = np.zeros(n * n)
    q[idx[:, 0]] = POWER / n
    return lap.tocsr(), np.full(n * n, r), q


def newton(n, method, tol):
    """Newton on F(T) = 0 with the chosen linear solver; returns (T, info)."""
    import numpy as np
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    if method == "pyamg":
        import pyamg

    t_build = time.perf_counter()
    lap, r, q = build(n)
    x = np.full(n * n, 300.0)
    t0 = time.perf_counter()

    def residual(x):
        return q - lap @ x - SIGMA * r * x**4

    f = residual(x)
    hist = []
    lin_its = 0
    lap_diag = lap.diagonal()
    eps = np.finfo(float).eps
    for _ in range(60):
        # thermorbit's scale (src/solve/steady.rs, heat_scale): the heat flowing, but
        # never less than the residual's own round-off 8 eps sum K_ii |T_i| over tol.
        round_off = 8.0 * eps * ((lap_diag + 4.0 * SIGMA * r * x**3) * np.abs(x)).sum()
        heat = max(q.sum(), (SIGMA * r * x**4).sum(), round_off / tol)
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
    return x, {"solve_s": wall, "build_s": t0 - t_build, "newton_iterations": len(hist) - 1,
               "linear_iterations": lin_its, "history": hist}


def exact_reference():
    """Far-edge, loaded-edge and mean temperature of the 1-D radiating fin (K)."""
    from scipy.integrate import quad
    from scipy.optimize import brentq

    kt = K * THICK
    a = 4.0 * EPS * SIGMA / (5.0 * kt)
    qp = POWER / SIDE

    def t0(tl):
        return (tl**5 + (qp / kt) ** 2 / a) ** 0.2

    def integral(tl, weight):
        # T = T_L + s^2 removes the 1/sqrt singularity at the far edge.
        def g(s):
            t = tl + s * s
            if s == 0.0:
                return 2.0 * weight(tl) / math.sqrt(5.0 * a * tl**4)
            return 2.0 * s * weight(t) / math.sqrt(a * (t**5 - tl**5))
        return quad(g, 0.0, math.sqrt(t0(tl) - tl), epsabs=0.0, epsrel=1e-12, limit=400)[0]

    tl = brentq(lambda tl: integral(tl, lambda t: 1.0) - SIDE, 1.0, 1000.0, xtol=1e-12)
    return {"far_edge_k": tl, "loaded_edge_k": t0(tl),
            "mean_k": integral(tl, lambda t: t) / SIDE, "source": "1-D radiating fin, first integral + quadrature"}


def fd_summary(t, n):
    """Far-edge (last column of cells) minimum and mean of an n x n cell field."""
    g = t.reshape(n, n)
    return float(g[:, -1].min()), float(g.mean())


# ------------------------------------------------------------------- CalculiX

CCX_CONTROLS = "1.e-7, 1.e-7, 1.e-2, , 0.02, 1.e-5, 1.e-3, 1.e-8"


def write_ccx_input(n, path):
    """The panel as n x n x 1 C3D8 bricks (node layers z = 0 and z = t).

    Node (i, j, k) is 1 + i + m j + m^2 k with m = n + 1. C3D8 faces: S1 = nodes
    1-2-3-4 (z = 0), S2 = 5-8-7-6 (z = t), S6 = 4-8-5-1 (x = 0). The edge load
    is a surface flux 1000 W / (1 m x 2 mm) = 5e5 W/m^2 on S6 of the x = 0
    elements. *CONTROLS tightens ccx's heat-transfer convergence test (residual
    flux and temperature correction, defaults 0.005 and 0.01) to 1e-7 so that
    it stops, like the others, at round-off.
    """
    import numpy as np

    m = n + 1
    h = SIDE / n
    ii, jj = np.meshgrid(np.arange(m), np.arange(m))  # [j, i]
    ii, jj = ii.ravel(), jj.ravel()
    with open(path, "w") as f:
        f.write("** thermorbit benchmark panel, written by benches/peers/peers.py\n")
        f.write("*NODE, NSET=NALL\n")
        for k in range(2):
            ids = 1 + ii + m * jj + m * m * k
            f.write("".join(f"{a},{x:.12g},{y:.12g},{k * THICK:.6g}\n"
                            for a, x, y in zip(ids, ii * h, jj * h)))
        f.write(f"*NSET, NSET=NBOT, GENERATE\n1, {m * m}, 1\n")
        f.write("*ELEMENT, TYPE=C3D8, ELSET=EALL\n")
        ei, ej = np.meshgrid(np.arange(n), np.arange(n))
        ei, ej = ei.ravel(), ej.ravel()
        base = 1 + ei + m * ej
        nodes = [base, base + 1, base + 1 + m, base + m]
        nodes += [v + m * m for v in nodes]
        eid = 1 + ei + n * ej
        f.write("".join(f"{e},{a},{b},{c},{d},{e5},{f6},{g},{hh}\n"
                        for e, a, b, c, d, e5, f6, g, hh in zip(eid, *nodes)))
        f.write("*ELSET, ELSET=EWEST, GENERATE\n")
        f.write(f"1, {1 + n * (n - 1)}, {n}\n")
        f.write(f"""*MATERIAL, NAME=AL6061
*CONDUCTIVITY
{K}
*DENSITY
2700.
*SPECIFIC HEAT
896.
*SOLID SECTION, ELSET=EALL, MATERIAL=AL6061
*PHYSICAL CONSTANTS, ABSOLUTE ZERO=0., STEFAN BOLTZMANN={SIGMA}
*INITIAL CONDITIONS, TYPE=TEMPERATURE
NALL, 300.
*STEP, INC=100
*HEAT TRANSFER, STEADY STATE
1., 1.
*CONTROLS, PARAMETERS=FIELD
{CCX_CONTROLS}
*DFLUX
EWEST, S6, {POWER / (SIDE * THICK):.6g}
*RADIATE
EALL, R1, 0., {EPS}
EALL, R2, 0., {EPS}
*NODE PRINT, NSET=NBOT
NT
*END STEP
""")


def read_ccx_dat(path, n):
    """Far-edge minimum and trapezoid mean of ccx's z = 0 node temperatures.

    The trapezoid mean is the exact integral of the bilinear interpolant over
    the plate; the field is symmetric in z (both faces alike, the edge load
    uniform through the thickness), so one layer gives the plate's mean.
    """
    import numpy as np

    m = n + 1
    t = np.full(m * m, np.nan)
    pat = re.compile(r"^\s*(\d+)\s+([-+0-9.Ee]+)\s*$")
    with open(path) as f:
        for line in f:
            mt = pat.match(line)
            if mt:
                node = int(mt.group(1))
                if node <= m * m:
                    t[node - 1] = float(mt.group(2))
    if np.isnan(t).any():
        raise RuntimeError(f"{path}: missing node temperatures")
    g = t.reshape(m, m)  # [j, i]
    w = np.ones(m)
    w[0] = w[-1] = 0.5
    mean = float((w[:, None] * w[None, :] * g).sum() / (n * n))
    return float(g[:, -1].min()), mean


# --------------------------------------------------------- running a solver

def mem_available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024.0
    return float("inf")


def run_measured(cmd, env=None, cwd=None, mem_limit_mb=None, timeout_s=None):
    """Runs cmd; returns (returncode or None on timeout, stdout, stderr, wall s, peak RSS MB).

    Peak RSS is the child's own (wait4's rusage); an address-space limit turns
    a runaway allocation into a clean failure instead of the OOM killer.
    """
    import resource
    import tempfile

    def limit():
        if mem_limit_mb:
            b = int(mem_limit_mb * 1024 * 1024)
            resource.setrlimit(resource.RLIMIT_AS, (b, b))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, preexec_fn=limit)
        timed_out = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if timeout_s and time.perf_counter() - t0 > timeout_s:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                timed_out = True
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        p.returncode = None if timed_out else os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read(), wall, ru.ru_maxrss / 1024.0


def estimate_mb(rows, solver, unknowns):
    """Peak memory extrapolated from this solver's finished sizes (MB), or None."""
    done = sorted((r["unknowns"], r["rss_mb"]) for r in rows
                  if r["key"] == solver and r["status"] == "ok")
    if not done:
        return None
    n2, m2 = done[-1]
    if len(done) >= 2:
        n1, m1 = done[-2]
        p = max(1.0, math.log(m2 / m1) / math.log(n2 / n1))
    else:
        p = MEM_EXPONENT.get(solver, 1.0)
    return m2 * (unknowns / n2) ** p


def child_env(threads):
    env = dict(os.environ)
    for v in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
        env[v] = str(threads)
    return env


def solve_one(key, n, args, tmp, rows, ref_field):
    """Runs one solver at one size; returns its row (status 'ok', 'skipped …' or 'failed …')."""
    import numpy as np

    unknowns = 2 * (n + 1) ** 2 if key == "ccx" else n * n
    row = {"n": n, "key": key, "unknowns": unknowns, "status": "ok",
           "solver": LABELS.get(key, "thermorbit")}
    avail = mem_available_mb()
    est = estimate_mb(rows, key, unknowns)
    row["mem_estimate_mb"] = est
    if est is not None and est > 0.85 * avail:
        row["status"] = f"skipped (memory: needs ~{est / 1024:.1f} GB, {avail / 1024:.1f} GB available)"
        return row
    if n > args.max_n.get(key, n):
        row["status"] = f"skipped (above {args.max_n[key]}²: --max-n {key}=N)"
        return row
    limit = 0.9 * avail
    field = None
    if key == "thermorbit":
        path = os.path.join(tmp, f"thermorbit-{n}.f64")
        cmd = [args.bench, str(n), "--tolerance", str(args.tol), "--write", path]
        rc, out, err, wall, rss = run_measured(cmd, mem_limit_mb=limit, timeout_s=args.timeout)
    elif key in ("superlu", "pyamg"):
        path = os.path.join(tmp, f"{key}-{n}.f64")
        cmd = [sys.executable, os.path.abspath(__file__), "--solve", key, "--n", str(n),
               "--tol", str(args.tol), "--write", path]
        rc, out, err, wall, rss = run_measured(cmd, env=child_env(args.py_threads),
                                               mem_limit_mb=limit, timeout_s=args.timeout)
    else:
        work = os.path.join(tmp, f"ccx-{n}")
        os.makedirs(work, exist_ok=True)
        write_ccx_input(n, os.path.join(work, "plate.inp"))
        cmd = [args.ccx, "-i", "plate"]
        rc, out, err, wall, rss = run_measured(cmd, env=child_env(os.cpu_count() or 1), cwd=work,
                                               mem_limit_mb=limit, timeout_s=args.timeout)
    if rc is None:
        row["status"] = f"failed (timeout {args.timeout:.0f} s)"
        return row
    if rc != 0 or (key == "ccx" and "*ERROR" in out):
        tail = (err or out).strip().splitlines()[-3:]
        oom = rc == -9 or any(w in err for w in ["MemoryError", "memory allocation", "alloc"])
        row["status"] = "failed (memory limit)" if oom else f"failed (exit {rc}): {' | '.join(tail)}"
        return row
    row["rss_mb"] = rss
    if key == "ccx":
        dat = os.path.join(work, "plate.dat")
        row["solve_s"] = wall
        row["newton"] = len(re.findall(r"^\s*iteration \d+", out, flags=re.M))
        row["linear"] = row["newton"]
        row["far_min_k"], row["mean_k"] = read_ccx_dat(dat, n)
        row["max_dT_k"] = None
        for name in os.listdir(work):
            os.remove(os.path.join(work, name))
        os.rmdir(work)
        return row
    info = json.loads(out.strip().splitlines()[-1])
    row["solve_s"] = info["solve_s"]
    row["newton"] = info["newton_iterations"]
    row["linear"] = info["linear_iterations"]
    if key == "thermorbit":
        row["solver"] = f"thermorbit ({info['linear_solver']}, {info['threads']} thr)"
        row["threads"] = info["threads"]
    field = np.fromfile(path, dtype="<f8")
    os.remove(path)
    row["far_min_k"], row["mean_k"] = fd_summary(field, n)
    row["max_dT_k"] = None if ref_field is None else float(np.abs(field - ref_field).max())
    row["_field"] = field
    return row


# -------------------------------------------------------------------- report

def fmt_row_text(r):
    if r["status"] != "ok":
        return f"{r['n']:>5}²  {r['solver']:<36} {r['status']}"
    dt = "—" if r.get("max_dT_k") is None else f"{r['max_dT_k']:.1e}"
    return (f"{r['n']:>5}²  {r['solver']:<36} {r['solve_s']:>8.3f} {r['rss_mb']:>8.0f} "
            f"{r.get('time_ratio', float('nan')):>7.1f} {r.get('mem_ratio', float('nan')):>6.1f} "
            f"{r['newton']:>6} {r['linear']:>7} {r['far_min_k']:>10.4f} {r['mean_k']:>10.4f} {dt:>10}")


def print_table(res):
    ref = res["exact"]
    print()
    print(f"Exact 1-D reference: far edge {ref['far_edge_k']:.4f} K, mean {ref['mean_k']:.4f} K, "
          f"loaded edge {ref['loaded_edge_k']:.3f} K.")
    print("time ×, mem ×: against thermorbit at the same size; max|ΔT|: against thermorbit's field "
          "on the same grid (CalculiX: different mesh, compare far-edge min and mean).")
    print(f"{'cells':>6}  {'solver':<36} {'solve s':>8} {'peak MB':>8} {'time ×':>7} {'mem ×':>6} "
          f"{'Newton':>6} {'lin its':>7} {'far min K':>10} {'mean K':>10} {'max|ΔT| K':>10}")
    for r in res["rows"]:
        print(fmt_row_text(r))
    print()
    print("Markdown:")
    print("| cells | solver | solve s | peak MB | time × | mem × | Newton | linear its "
          "| far-edge min K | mean K | max \\|ΔT\\| vs thermorbit K |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in res["rows"]:
        if r["status"] != "ok":
            print(f"| {r['n']}² | {r['solver']} | {r['status']} | | | | | | | | |")
            continue
        dt = "—" if r.get("max_dT_k") is None else f"{r['max_dT_k']:.1e}"
        print(f"| {r['n']}² | {r['solver']} | {r['solve_s']:.3g} | {r['rss_mb']:.0f} | "
              f"{r['time_ratio']:.1f} | {r['mem_ratio']:.1f} | {r['newton']} | {r['linear']} | "
              f"{r['far_min_k']:.3f} | {r['mean_k']:.3f} | {dt} |")
    print(f"| exact | 1-D radiating fin (quadrature) | | | | | | | {ref['far_edge_k']:.3f} "
          f"| {ref['mean_k']:.3f} | |")
    bound = res.get("bound")
    if bound:
        print_bound(res, bound)


def print_bound(res, bound):
    print()
    print(f"Bandwidth bound: stream triad {bound['triad_gb_s']:.1f} GB/s ({bound['threads']} threads).")
    print("mat-vec: y = K x with the panel Jacobian (CsrMatrix::mul_vec, median); bound = bytes / triad;")
    print("mat-vec equivalents = steady solve time / mat-vec time.")
    print(f"{'cells':>6} {'nnz':>9} {'MB moved':>9} {'mat-vec ms':>10} {'GB/s':>6} {'bound ms':>9} "
          f"{'solve s':>8} {'mat-vec eq':>10} {'solve/bound':>11}")
    solve = {r["n"]: r["solve_s"] for r in res["rows"] if r["key"] == "thermorbit" and r["status"] == "ok"}
    for mv in bound["matvec"]:
        s = solve.get(mv["n"])
        eq = f"{s / mv['median_s']:>10.0f}" if s else f"{'—':>10}"
        eb = f"{s / mv['bound_s']:>11.0f}" if s else f"{'—':>11}"
        st = f"{s:>8.3f}" if s else f"{'—':>8}"
        print(f"{mv['n']:>5}² {mv['nnz']:>9} {mv['bytes'] / 1e6:>9.1f} {mv['median_s'] * 1e3:>10.3f} "
              f"{mv['gb_s']:>6.1f} {mv['bound_s'] * 1e3:>9.3f} {st} {eq} {eb}")


def add_ratios(rows):
    for r in rows:
        base = next((x for x in rows if x["n"] == r["n"] and x["key"] == "thermorbit"
                     and x["status"] == "ok"), None)
        if r["status"] == "ok" and base:
            r["time_ratio"] = r["solve_s"] / base["solve_s"]
            r["mem_ratio"] = r["rss_mb"] / base["rss_mb"]
        elif r["status"] == "ok":
            r["time_ratio"] = r["mem_ratio"] = float("nan")


def short_status(status):
    """A status up to its first colon, parentheses closed ('skipped (above 1024²')."""
    head = status.split(":")[0]
    return head + ")" * (head.count("(") - head.count(")"))


def plot(res, path):
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = res["rows"]
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    order = ["thermorbit", "pyamg", "superlu", "ccx"]
    markers = {"thermorbit": "o", "pyamg": "s", "superlu": "^", "ccx": "D"}
    skipped = []
    for key in order:
        mine = [r for r in rows if r["key"] == key]
        pts = sorted((r["unknowns"], r["solve_s"]) for r in mine if r["status"] == "ok")
        skipped += [f"{r['solver'].split(' (')[0]} {r['n']}²: {short_status(r['status'])}"
                    for r in mine if r["status"] != "ok"]
        if not pts:
            continue
        x, y = np.array(pts).T
        name = mine[0]["solver"].split(" (")[0] if key != "ccx" else LABELS["ccx"]
        if len(pts) >= 2:
            slope = np.polyfit(np.log(x), np.log(y), 1)[0]
            name += f" — slope {slope:.2f}"
        ax.loglog(x, y, marker=markers[key], linestyle="-", label=name)
    xs = np.array([r["unknowns"] for r in rows])
    if xs.size:
        x0, x1 = xs.min(), xs.max()
        y0 = min(r["solve_s"] for r in rows if r["status"] == "ok")
        ax.loglog([x0, x1], [y0 * 0.5, y0 * 0.5 * x1 / x0], "k:", linewidth=1, label="slope 1 (linear cost)")
    sizes = sorted({r["n"] for r in rows})
    ax.set_xticks([n * n for n in sizes])
    ax.set_xticklabels([f"{n}²\n{n * n:,}" for n in sizes])
    ax.minorticks_off()
    has_ccx = any(r["key"] == "ccx" and r["status"] == "ok" for r in rows)
    ax.set_xlabel("unknowns (temperatures solved for"
                  + ("; CalculiX: 2(n+1)² nodes of its n² mesh)" if has_ccx else ")"))
    ax.set_ylabel("wall time of the nonlinear steady solve (s)")
    m = res["machine"]
    load = m.get("load_avg_start", [float("nan")])[0]
    ax.set_title(f"Nonlinear steady solve of the benchmark panel — {m['nproc']} cores, {m['cpu']}, "
                 f"load {load:.1f} at start", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    if skipped:
        ax.text(0.99, 0.02, "\n".join(skipped), transform=ax.transAxes, fontsize=7,
                ha="right", va="bottom", color="0.35")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine(args):
    model = "?"
    mem_gb = None
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_gb = next((int(l.split()[1]) / 2**20 for l in f if l.startswith("MemTotal:")), None)
    versions = {}
    for mod in ["numpy", "scipy", "pyamg"]:
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = None
    versions["python"] = sys.version.split()[0]
    if args.ccx:
        try:
            out = subprocess.run([args.ccx, "-v"], capture_output=True, text=True, timeout=20).stdout
            versions["ccx"] = (re.findall(r"Version\s+(\S+)", out) or ["?"])[0]
        except (OSError, subprocess.SubprocessError):
            versions["ccx"] = None
    return {"nproc": os.cpu_count(), "cpu": model, "mem_gib": mem_gb, "load_avg_start": os.getloadavg(),
            "python_threads": args.py_threads, "versions": versions}


def save(res, path):
    tmp = path + ".part"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1, default=lambda o: None)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", help="examples/panel_bench binary")
    ap.add_argument("--triad", help="examples/stream_triad binary (bandwidth bound)")
    ap.add_argument("--ccx", help="CalculiX ccx binary (omit to skip CalculiX)")
    ap.add_argument("--sizes", nargs="+", type=int, default=[256, 512, 1024, 2048])
    ap.add_argument("--solvers", nargs="+", default=SOLVERS, choices=SOLVERS)
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--py-threads", type=int, default=int(os.environ.get("PEERS_PY_THREADS", "1")))
    ap.add_argument("--max-n", nargs="+", default=[], metavar="SOLVER=N",
                    help="largest size per solver, e.g. ccx=1024 superlu=1024 (default ccx=512: "
                         "CalculiX took 6 min and 1.8 GB at 512², ~30 min and ~8 GB at 1024²)")
    ap.add_argument("--timeout", type=float, default=5400.0, help="per solver run, seconds")
    ap.add_argument("--from-json", help="re-print the table and plot from a results.json")
    ap.add_argument("--solve", help=argparse.SUPPRESS)  # child mode: method
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--write", help=argparse.SUPPRESS)
    args = ap.parse_args()
    max_n = {"ccx": 512}
    for item in args.max_n:
        key, _, val = item.partition("=")
        if key not in SOLVERS or not val.isdigit():
            ap.error(f"--max-n {item}: expected SOLVER=N with SOLVER one of {', '.join(SOLVERS)}")
        max_n[key] = int(val)
    args.max_n = max_n
    if args.solve:
        x, info = newton(args.n, args.solve, args.tol)
        x.astype("<f8").tofile(args.write)
        print(json.dumps(info))
        return
    if args.from_json:
        with open(args.from_json) as f:
            res = json.load(f)
        print_table(res)
        plot(res, os.path.join(os.path.dirname(os.path.abspath(args.from_json)), "time_vs_unknowns.png"))
        return
    if "thermorbit" in args.solvers and not args.bench:
        ap.error("--bench is required to run thermorbit")
    here = os.path.dirname(os.path.abspath(args.out))
    tmp = os.path.join(here, ".tmp")
    os.makedirs(tmp, exist_ok=True)
    solvers = [s for s in SOLVERS if s in args.solvers and (s != "ccx" or args.ccx)]
    res = {"machine": machine(args), "exact": exact_reference(), "tolerance": args.tol, "rows": []}
    ref = res["exact"]
    print(f"exact 1-D reference: far edge {ref['far_edge_k']:.4f} K, mean {ref['mean_k']:.4f} K", flush=True)
    if args.triad:
        # Always 1024² (1 M unknowns, the reference size) besides the sizes run.
        mv_sizes = sorted(set(args.sizes) | {1024})
        rc, out, err, _, _ = run_measured([args.triad, "--matvec"] + [str(n) for n in mv_sizes])
        if rc == 0:
            res["bound"] = json.loads(out.strip().splitlines()[-1])
            print(f"stream triad {res['bound']['triad_gb_s']:.1f} GB/s", flush=True)
        else:
            print(f"stream_triad failed: {err.strip()[-300:]}", flush=True)
    t_all = time.perf_counter()
    for n in args.sizes:
        ref_field = None
        for key in solvers:
            row = solve_one(key, n, args, tmp, res["rows"], ref_field)
            if key == "thermorbit" and row["status"] == "ok":
                ref_field = row["_field"]
            row.pop("_field", None)
            res["rows"].append(row)
            add_ratios(res["rows"])
            res["machine"]["load_avg_end"] = os.getloadavg()
            res["elapsed_s"] = time.perf_counter() - t_all
            save(res, args.out)
            print(fmt_row_text(row), flush=True)
    print_table(res)
    plot(res, os.path.join(here, "time_vs_unknowns.png"))
    print(f"\nwrote {args.out} and {os.path.join(here, 'time_vs_unknowns.png')} "
          f"({time.perf_counter() - t_all:.0f} s)")


if __name__ == "__main__":
    main()
