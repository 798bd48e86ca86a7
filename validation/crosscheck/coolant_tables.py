#!/usr/bin/env python3
"""Regenerate the coolant property tables of `src/components/fluid.rs` and the figures in
its doc comments (interpolation error, agreement with second sources).

    python3 -m venv validation/crosscheck/.venv && validation/crosscheck/.venv/bin/pip install coolprop==8.0.0
    validation/crosscheck/.venv/bin/python validation/crosscheck/coolant_tables.py            # tables + checks
    validation/crosscheck/.venv/bin/python validation/crosscheck/coolant_tables.py --rust     # Rust rows only

Sources (each table node is rounded to 5 significant figures):

* Water, saturated liquid, 273.16-400 K: IAPWS-95 (Wagner & Pruss, J. Phys. Chem. Ref.
  Data 31, 387, 2002) for density and c_p; IAPWS 2008 viscosity (Huber et al., JPCRD 38,
  101, 2009); IAPWS 2011 conductivity (Huber et al., JPCRD 41, 033102, 2012); all as
  CoolProp 8.0.0 evaluates them (``PropsSI(..., 'T', T, 'Q', 0, 'Water')``).
* Ammonia, saturated liquid, 195.495-350 K: density and c_p from the Gao et al. equation of
  state (JPCRD 49, 043102, 2020) as CoolProp 8.0.0 evaluates it; viscosity and conductivity
  from the reference correlations of Monogenidou, Assael & Huber (JPCRD 47, 023102 and
  043101, 2018), evaluated below at that density. CoolProp 8.0.0 still uses the older
  Fenghour (1995) viscosity and Tufeu (1984) conductivity for ammonia; Tufeu's liquid
  conductivity runs up to 35 % above Monogenidou's in the cold liquid (printed below), so
  the newer correlations are used. They are checked against the values the papers print
  (η(300 K, 609 kg/m³) = 133.3937 µPa s; λ0(390 K) = 35.969501 mW/(m K);
  λ(390 K, 415 kg/m³) = 264.145394 mW/(m K)).
* 50 % propylene glycol-water by mass, 243.15-373.15 K: Melinder's polynomial fit (Å.
  Melinder, Properties of Secondary Working Fluids for Indirect Systems, IIR 2010), the fit
  behind CoolProp's incompressible fluid ``MPG``; evaluated here from its coefficients and
  checked against CoolProp's ``INCOMP::MPG[0.5]``.

Second sources the fluid.rs doc comments quote: Incropera et al., Fundamentals of Heat and
Mass Transfer, Table A.6 (water, 273.15-320 K); EnergyPlus ``datasets/
GlycolPropertiesRefData.idf`` (water and propylene glycol at concentration 0.5); the
Thermal-FluidsPedia table "Thermophysical Properties: Ammonia" (saturated liquid, 10 K
steps); CoolProp's Fenghour/Tufeu ammonia transport.
"""

import math
import sys

import CoolProp.CoolProp as CP

# ---------------------------------------------------------------- ammonia transport (2018)
NA = 6.02214076e23
M_NH3 = 17.03052  # g/mol, Monogenidou et al. (2018)
TC_NH3, RHOC_NH3 = 405.56, 233.25  # K, kg/m3 (reducing values of the 2018 correlations)


def nh3_viscosity_pa_s(t, rho):
    """Monogenidou, Assael & Huber (2018): eta = eta0 + eta1 rho + d_eta, in micro-Pa s."""
    ts = t / 386.0  # T* = T / (eps/k)
    lt = math.log(ts)
    a = [0.39175, -0.59918, -0.00022, 0.19871, -0.06942]
    s = math.exp(sum(ai * lt**i for i, ai in enumerate(a)))
    sigma_nm = 0.2957
    eta0 = 0.021357 * math.sqrt(M_NH3 * t) / (sigma_nm**2 * s)
    b = [-19.572881, 219.73999, -1015.3226, 2471.01251, -3375.1717, 2491.6597,
         -787.26086, 14.085455, -0.34664158]
    tb = [0, -0.25, -0.5, -0.75, -1, -1.25, -1.5, -2.5, -5.5]
    b_eta = NA * (sigma_nm * 1e-9) ** 3 * sum(bi * ts**ti for bi, ti in zip(b, tb))
    eta1_rho = eta0 * b_eta * rho / M_NH3 * 1e3  # rho in mol/m3
    n = [0.0393308, 16.724735, 1.1975934, 0.0016995, -4.2399794]
    tt = [-0.5, -0.5, -0.5, 3.5, -1.5]
    dd = [2 / 3, 5 / 3, 14 / 3, 26 / 3, 8 / 3]
    tau, delta = TC_NH3 / t, rho / RHOC_NH3
    d_eta = sum(ni * tau**ti * delta**di for ni, ti, di in zip(n, tt, dd))
    return (eta0 + eta1_rho + d_eta) * 1e-6


def nh3_conductivity_w_m_k(t, rho):
    """Monogenidou, Assael & Huber (2018): lambda0 + residual + critical enhancement
    (simplified Olchowy-Sengers, with c_p, c_v and (d rho/d p)_T from the Gao EOS)."""
    tr = t / TC_NH3
    num = [86.9294, -170.5502, 608.0287, -100.9764, 85.1986]
    den = [4.68994, 9.21307, -1.53637, 1.0]
    lam0 = sum(c * tr**i for i, c in enumerate(num)) / sum(c * tr**i for i, c in enumerate(den))
    lam0 *= 1e-3
    b1 = [0.103432, -0.112597, 0.233301, -0.112536, 0.141129e-1]
    b2 = [-0.283976e-1, 0.482520e-1, -0.644124e-1, 0.529376e-2, 0.891203e-2]
    delta = rho / RHOC_NH3
    lam_r = sum((p + q * tr) * delta ** (i + 1) for i, (p, q) in enumerate(zip(b1, b2)))
    return lam0 + lam_r + nh3_critical_enhancement(t, rho)


def nh3_critical_enhancement(t, rho):
    if rho <= 0.0:
        return 0.0  # dilute-gas limit: no enhancement
    pc = CP.PropsSI("pcrit", "Ammonia")
    t_ref = 608.34

    def drho_dp(temp):
        return CP.PropsSI("d(Dmass)/d(P)|T", "T", temp, "Dmass", rho, "Ammonia")

    chi = pc * rho / RHOC_NH3**2 * (drho_dp(t) - t_ref / t * drho_dp(t_ref))
    if chi <= 0:
        return 0.0
    xi = 0.14e-9 * (chi / 0.053) ** (0.63 / 1.239)
    cp = CP.PropsSI("Cpmass", "T", t, "Dmass", rho, "Ammonia")
    cv = CP.PropsSI("Cvmass", "T", t, "Dmass", rho, "Ammonia")
    y = xi / 0.4e-9
    om = 2 / math.pi * ((cp - cv) / cp * math.atan(y) + cv / cp * y)
    om0 = 2 / math.pi * (1 - math.exp(-1 / (1 / y + (y * RHOC_NH3 / rho) ** 2 / 3)))
    k_b = 1.380649e-23
    return rho * cp * 1.02 * k_b * t / (6 * math.pi * nh3_viscosity_pa_s(t, rho) * xi) * (om - om0)


# ------------------------------------------------------------- Melinder (2010), MPG, x = 50 %
IJ = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2),
      (2, 3), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (5, 0)]
MEL = {
    "rho": [[1.0180e03, -5.4060e-01, -2.6660e-03, 1.3470e-05],
            [7.6040e-01, -9.4500e-03, 5.5410e-05, -1.3430e-07],
            [-2.4980e-03, 2.7000e-05, -4.0180e-07, 3.3760e-09],
            [-1.5500e-04, 2.8290e-06, -7.1750e-09], [-1.1310e-06, -2.2210e-08], [2.3420e-08]],
    "cp": [[3.8820e03, 2.6990e00, -1.6590e-03, -1.0320e-05],
           [-1.3040e01, 5.0700e-02, -4.7520e-05, 1.5220e-06],
           [-1.5980e-01, 9.5340e-05, 1.1670e-05, -4.8700e-08],
           [3.5390e-04, 3.1020e-05, -2.9500e-07], [5.0000e-05, -7.1350e-07], [-4.9590e-07]],
    "ln_mu_mpa_s": [[6.8370e-01, -3.0450e-02, 2.5250e-04, -1.3990e-06],
                    [3.3280e-02, -3.9840e-04, 4.3320e-06, -1.8600e-08],
                    [5.4530e-05, -8.6000e-08, -1.5930e-08, -4.4650e-11],
                    [-3.9000e-06, 1.0540e-07, -1.5890e-09], [-1.5870e-08, 4.4750e-10],
                    [3.5640e-09]],
    "k": [[4.5130e-01, 7.9550e-04, 3.4820e-08, -5.9660e-09],
          [-4.7950e-03, -1.6780e-05, 8.9410e-08, 1.4930e-10],
          [2.0760e-05, 1.5630e-07, -4.6150e-09, 9.8970e-12],
          [-9.0830e-08, -2.5180e-09, 6.5430e-11], [-5.9520e-10, -3.6050e-11], [2.1040e-11]],
    # freezing point, deg C
    "t_freeze": [[-1.3250e01, -3.8200e-05, 7.8650e-07, -1.7330e-09],
                 [-6.6310e-01, 6.7740e-06, -6.2420e-08, -7.8190e-10],
                 [-1.0940e-02, 5.3320e-08, -4.1690e-09, 3.2880e-11],
                 [-2.2830e-04, -1.1310e-08, 1.9180e-10], [-3.4090e-06, 8.0350e-11],
                 [1.4650e-08]],
}
X_MASS_PCT, XM, TM = 50.0, 30.7031, 32.7083


def melinder(name, t_k):
    c = MEL[name]
    x, y = X_MASS_PCT - XM, (t_k - 273.15) - TM
    return sum(c[i][j] * x**i * y**j for i, j in IJ)


def pg50(t_k):
    return [melinder("rho", t_k), melinder("cp", t_k),
            math.exp(melinder("ln_mu_mpa_s", t_k)) * 1e-3, melinder("k", t_k)]


def water(t_k):
    return [CP.PropsSI(p, "T", t_k, "Q", 0, "Water") for p in ("D", "C", "V", "L")]


def ammonia(t_k):
    rho = CP.PropsSI("D", "T", t_k, "Q", 0, "Ammonia")
    cp = CP.PropsSI("C", "T", t_k, "Q", 0, "Ammonia")
    return [rho, cp, nh3_viscosity_pa_s(t_k, rho), nh3_conductivity_w_m_k(t_k, rho)]


NODES = {
    "water": [273.16] + [float(t) for t in range(275, 405, 5)],
    "ammonia": [195.495] + [float(t) for t in range(200, 355, 5)],
    "pg50": [round(243.15 + 5 * i, 2) for i in range(27)],
}
FLUIDS = {"water": water, "ammonia": ammonia, "pg50": pg50}


def sig5(x):
    return float(f"{x:.5g}")


def rust_rows(name):
    out = []
    for t in NODES[name]:
        r, c, m, k = (sig5(v) for v in FLUIDS[name](t))
        out.append(f"    [{t!r}, {r!r}, {c!r}, {m!r}, {k!r}],")
    return "\n".join(out)


def interpolation_error(name):
    """Largest relative error of the Rust interpolation (linear in T; ln mu linear in 1/T)
    between nodes, against the source, over 19 interior points per interval."""
    nodes, fn = NODES[name], FLUIDS[name]
    vals = [[sig5(v) for v in fn(t)] for t in nodes]
    worst = [0.0] * 4
    for i in range(len(nodes) - 1):
        a, b = nodes[i], nodes[i + 1]
        for s in [k / 20 for k in range(1, 20)]:
            t = a + s * (b - a)
            truth = fn(t)
            w = (1 / t - 1 / a) / (1 / b - 1 / a)
            est = [vals[i][j] + s * (vals[i + 1][j] - vals[i][j]) for j in (0, 1, 3)]
            mu = math.exp(math.log(vals[i][2]) + w * (math.log(vals[i + 1][2]) - math.log(vals[i][2])))
            est = [est[0], est[1], mu, est[2]]
            worst = [max(wv, abs(e / tr - 1)) for wv, e, tr in zip(worst, est, truth)]
    return worst


def checks():
    print("Monogenidou viscosity eta(300 K, 609 kg/m3) = %.4f uPa s (paper 133.3937)"
          % (nh3_viscosity_pa_s(300, 609) * 1e6))
    print("Monogenidou conductivity lambda(390 K, 0) = %.6f mW/m/K (paper 35.969501)"
          % (nh3_conductivity_w_m_k(390, 0) * 1e3))
    print("Monogenidou conductivity lambda(390 K, 415) = %.3f mW/m/K (paper 264.145394)"
          % (nh3_conductivity_w_m_k(390, 415) * 1e3))
    worst = 0.0
    for t in NODES["pg50"]:
        cp = [CP.PropsSI(p, "T", t, "P", 2e5, "INCOMP::MPG[0.5]") for p in "DCVL"]
        worst = max(worst, max(abs(a / b - 1) for a, b in zip(cp, pg50(t))))
    print("Melinder vs CoolProp INCOMP::MPG[0.5]: max relative difference %.1e" % worst)
    # Melinder's freezing-point fit carries small temperature terms: solve T_f = f(x, T_f).
    t_f = 240.0
    for _ in range(50):
        t_f = melinder("t_freeze", t_f) + 273.15
    print("Melinder freezing point, 50 %% by mass: %.3f K (CoolProp T_freeze %.3f K)"
          % (t_f, CP.PropsSI("T_freeze", "T", 300, "P", 2e5, "INCOMP::MPG[0.5]")))
    for name in NODES:
        print(name, "interpolation error rho cp mu k:",
              " ".join("%.1e" % e for e in interpolation_error(name)))
    # Ammonia: the older correlations CoolProp uses.
    wmu = wk = 0.0
    for t in NODES["ammonia"]:
        _, _, mu, k = ammonia(t)
        wmu = max(wmu, abs(CP.PropsSI("V", "T", t, "Q", 0, "Ammonia") / mu - 1))
        wk = max(wk, abs(CP.PropsSI("L", "T", t, "Q", 0, "Ammonia") / k - 1))
    print("ammonia: Fenghour/Monogenidou viscosity max %.3f, Tufeu/Monogenidou conductivity max %.3f"
          % (wmu, wk))


if __name__ == "__main__":
    if "--rust" in sys.argv:
        for name in NODES:
            print(f"// {name}\n{rust_rows(name)}")
    else:
        checks()
