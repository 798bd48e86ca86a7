#!/usr/bin/env python3
"""Independent cross-check of `thermorbit orbit`: Sun direction, beta angle, orbit and
eclipse (penumbra/umbra) entry and exit times.

Nothing here reuses thermorbit code. The references are:

* Sun: astropy ``get_body("sun")`` with the built-in ephemeris (ERFA ``epv00``, the
  VSOP2000-based Earth ephemeris, a few km), in GCRS -- the apparent geocentric direction
  (light time and annual aberration included). No kernel is downloaded.
* Orbit: Cowell integration of point-mass + J2 gravity (or point mass alone for
  ``--two-body``) with scipy ``solve_ivp`` (DOP853, rtol 1e-12, atol 1e-9 km, km/s). J2 acts
  about the Celestial Intermediate Pole of the epoch (ERFA ``pnm06a``), not the J2000 z axis.
* Initial state, from the scenario's own words, as a user would read them: a circular orbit
  is the osculating circular state ``r = R + h``, ``v = sqrt(mu/r)`` at its ascending node
  (argument of latitude 0) at the epoch; a sun-synchronous orbit takes
  ``cos i = -(2/3) w_sun a^{7/2} / (J2 R^2 sqrt(mu))`` with ``a = R + h`` and
  ``RAAN = alpha_mean_sun + 15 deg/h (LTAN - 12 h)``, the mean Sun's right ascension coming
  from ERFA's GMST (``gmst06``, UT1 = UTC) as ``alpha = GMST - 15 deg/h (UT - 12 h)``,
  rotated from the mean equator of date to GCRS (``pmat06``); a geostationary satellite sits
  over east longitude L on the true equator of date at the radius where a circular orbit
  turns with the Earth (``w^2 r^3 = mu (1 + 1.5 J2 (R/r)^2)``; two-body: ``mu/w^2``), moving
  with ``w x r``.
* Shadow: Earth a sphere of radius R = 6378.137 km, Sun a sphere of radius 695,700 km (IAU
  2015 B3), straight light rays, no atmosphere. Penumbra while the angular separation of the
  Sun's and Earth's centres seen from the satellite is below the sum of their angular radii
  ``asin(R_sun/d_sun) + asin(R/r)``; umbra while it is below their difference -- the exact
  tangent-cone conditions for spheres (Montenbruck & Gill, Satellite Orbits, sec. 3.4.2).
  Boundaries root-found (Brent) on the integrator's dense output to 1 ms.
* Beta angle: ``asin(h . s)`` with h the unit osculating angular momentum ``r x v`` and s the
  apparent geocentric Sun direction.

Constants (as in thermorbit's REFERENCES): mu = 398600.4418 km^3/s^2, R = 6378.137 km,
J2 = 1.08262668e-3, w_earth = 7.292115146706979e-5 rad/s, w_sun = 2 pi / 365.2422 d.

Usage: ``crosscheck.py --binary target/release/thermorbit [--quick] [--markdown FILE]``.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings

import erfa
import numpy as np
from astropy import units as u
from astropy.coordinates import get_body, solar_system_ephemeris
from astropy.time import Time
from astropy.utils import iers
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq

iers.conf.auto_download = False
iers.conf.auto_max_age = None
warnings.filterwarnings("ignore")

MU = 398600.4418
RE = 6378.137
J2 = 1.08262668e-3
RSUN = 695700.0
AU = 149597870.7
W_EARTH = 7.292115146706979e-5
W_SUN = 2.0 * math.pi / (365.2422 * 86400.0)
DEG = math.pi / 180.0


# ---------------------------------------------------------------------------- time, frames
def erfa_dates(epoch_iso, t_s=0.0):
    """(utc1, utc2, tt1, tt2) two-part Julian dates for epoch + t_s (SI seconds)."""
    t = Time(epoch_iso.replace("Z", ""), scale="utc") + t_s * u.s
    return t.utc.jd1, t.utc.jd2, t.tt.jd1, t.tt.jd2


def pole_of_date(epoch_iso):
    """CIP unit vector in GCRS at the epoch (third row of the NPB matrix)."""
    _, _, tt1, tt2 = erfa_dates(epoch_iso)
    return np.array(erfa.pnm06a(tt1, tt2))[2]


def mean_sun_ra_gcrs(epoch_iso):
    """Right ascension (rad, GCRS) of the mean Sun at the epoch.

    GMST is the hour angle of the mean equinox; the mean Sun's hour angle is UT - 12 h, so
    the mean Sun's right ascension of date is GMST - 15 deg/h (UT - 12 h) (UT1 = UTC)."""
    utc1, utc2, tt1, tt2 = erfa_dates(epoch_iso)
    gmst = erfa.gmst06(utc1, utc2, tt1, tt2)
    ut_h = ((utc1 - 0.5) % 1.0 + utc2) % 1.0 * 24.0
    alpha_date = gmst - (ut_h - 12.0) * 15.0 * DEG
    v_date = np.array([math.cos(alpha_date), math.sin(alpha_date), 0.0])
    pmat = np.array(erfa.pmat06(tt1, tt2))  # GCRS -> mean of date
    v = pmat.T @ v_date
    return math.atan2(v[1], v[0]) % (2 * math.pi)


def sun_gcrs_km(epoch_iso, t_s):
    """Apparent geocentric Sun (GCRS, km) at epoch + t_s (array)."""
    t = Time(epoch_iso.replace("Z", ""), scale="utc") + np.asarray(t_s) * u.s
    with solar_system_ephemeris.set("builtin"):
        s = get_body("sun", t)
    return s.cartesian.xyz.to_value(u.km).T


# ---------------------------------------------------------------------------- initial states
def circular_state(alt_km, inc_rad, raan_rad):
    r = RE + alt_km
    node = np.array([math.cos(raan_rad), math.sin(raan_rad), 0.0])
    h = np.array(
        [math.sin(raan_rad) * math.sin(inc_rad), -math.cos(raan_rad) * math.sin(inc_rad), math.cos(inc_rad)]
    )
    v = math.sqrt(MU / r) * np.cross(h, node)
    return node * r, v


def sso_inclination(alt_km):
    a = RE + alt_km
    cos_i = -(2.0 / 3.0) * W_SUN * a**3.5 / (J2 * RE * RE * math.sqrt(MU))
    return math.acos(cos_i)


def geo_state(epoch_iso, lon_deg, two_body):
    r0 = (MU / W_EARTH**2) ** (1.0 / 3.0)
    r = r0
    if not two_body:
        for _ in range(50):
            r = (MU * (1.0 + 1.5 * J2 * (RE / r) ** 2) / W_EARTH**2) ** (1.0 / 3.0)
    utc1, utc2, tt1, tt2 = erfa_dates(epoch_iso)
    # GCRS <- ITRS (polar motion neglected): r_gcrs = C^T R3(-ERA) r_itrs.
    c2i = np.array(erfa.c2i06a(tt1, tt2))
    era = erfa.era00(utc1, utc2)
    lon = lon_deg * DEG
    r_itrs = r * np.array([math.cos(lon), math.sin(lon), 0.0])
    ce, se = math.cos(era), math.sin(era)
    r3 = np.array([[ce, -se, 0.0], [se, ce, 0.0], [0.0, 0.0, 1.0]])
    r_cirs = r3 @ r_itrs
    pos = c2i.T @ r_cirs
    pole = c2i.T @ np.array([0.0, 0.0, 1.0])
    vel = W_EARTH * np.cross(pole, pos)
    return pos, vel


# ---------------------------------------------------------------------------- propagation
def propagate(r0, v0, t_end, two_body, pole):
    def rhs(_t, y):
        r = y[:3]
        v = y[3:]
        rn2 = r @ r
        rn = math.sqrt(rn2)
        acc = -MU * r / (rn2 * rn)
        if not two_body:
            z = r @ pole
            k = 1.5 * J2 * MU * RE * RE / (rn2 * rn2 * rn)
            acc = acc - k * ((1.0 - 5.0 * z * z / rn2) * r + 2.0 * z * pole)
        return np.concatenate([v, acc])

    sol = solve_ivp(
        rhs,
        (0.0, t_end),
        np.concatenate([r0, v0]),
        method="DOP853",
        rtol=1e-12,
        atol=1e-9,
        dense_output=True,
    )
    if not sol.success:
        raise RuntimeError(sol.message)
    return sol.sol


# ---------------------------------------------------------------------------- shadow
def shadow_functions(r, s):
    """Penumbra and umbra functions (rad), negative inside; r, s: (n, 3) km."""
    to_sun = s - r
    d_sun = np.linalg.norm(to_sun, axis=-1)
    d_e = np.linalg.norm(r, axis=-1)
    a = np.arcsin(RSUN / d_sun)
    b = np.arcsin(RE / d_e)
    cos_c = np.clip(np.einsum("...i,...i", -r, to_sun) / (d_e * d_sun), -1.0, 1.0)
    c = np.arccos(cos_c)
    return c - (a + b), c - (b - a)


def find_events(f, t_grid, vals):
    """(entry, exit) intervals where f < 0 inside the grid, Brent to 1 ms; grazing dips
    between samples are caught by bounded minimisation around local minima."""
    from scipy.optimize import minimize_scalar

    roots = []
    for k in range(len(t_grid) - 1):
        ga, gb = vals[k], vals[k + 1]
        if (ga < 0) != (gb < 0):
            roots.append((brentq(f, t_grid[k], t_grid[k + 1], xtol=1e-4), ga >= 0))
        elif ga >= 0 and gb >= 0 and 0 < k and vals[k - 1] > ga < gb:
            m = minimize_scalar(f, bounds=(t_grid[k - 1], t_grid[k + 1]), method="bounded",
                                options={"xatol": 1e-3})
            if m.fun < 0:
                roots.append((brentq(f, t_grid[k - 1], m.x, xtol=1e-4), True))
                roots.append((brentq(f, m.x, t_grid[k + 1], xtol=1e-4), False))
    roots.sort()
    out = []
    start = t_grid[0] if vals[0] < 0 else None
    for t, entering in roots:
        if entering:
            start = t
        elif start is not None:
            out.append((start, t))
            start = None
    return out


# ---------------------------------------------------------------------------- scenarios
def scenarios(quick):
    leo = [
        # (name, epoch, alt, kind, a, b)  kind: sso (LTAN) or inc (inclination, raan)
        ("LEO 550 SSO 06:00", "2027-03-20T12:00:00Z", 550.0, "sso", "06:00", None),
        ("LEO 400 SSO 10:30", "2027-03-20T12:00:00Z", 400.0, "sso", "10:30", None),
        ("LEO 800 SSO 13:30", "2027-06-21T00:00:00Z", 800.0, "sso", "13:30", None),
        ("LEO 550 SSO 22:30", "2027-12-21T06:00:00Z", 550.0, "sso", "22:30", None),
        ("LEO 400 i51.6 R0", "2027-03-20T12:00:00Z", 400.0, "inc", 51.6, 0.0),
        ("LEO 550 i53 R20", "2027-03-20T12:00:00Z", 550.0, "inc", 53.0, 20.0),
        ("LEO 800 i30 R120", "2027-09-23T00:00:00Z", 800.0, "inc", 30.0, 120.0),
        ("LEO 800 i98 R250", "2027-01-05T00:00:00Z", 800.0, "inc", 98.0, 250.0),
        ("LEO 550 i0", "2027-03-20T12:00:00Z", 550.0, "inc", 0.0, 0.0),
        ("LEO 400 i70 R300", "2027-06-21T00:00:00Z", 400.0, "inc", 70.0, 300.0),
    ]
    geo = [
        ("GEO lon 0", "2027-03-20T12:00:00Z", 0.0),
        ("GEO lon -75", "2027-09-23T00:00:00Z", -75.0),
    ]
    if quick:
        leo = [leo[0], leo[1], leo[5]]
        geo = geo[:1]
    out = []
    for two_body in (False, True):
        for name, epoch, alt, kind, a, b in leo:
            args = ["--altitude-km", str(alt)]
            if kind == "sso":
                args += ["--sun-synchronous", "--ltan", a]
                hh, mm = (int(x) for x in a.split(":"))
                inc = sso_inclination(alt)
                raan = mean_sun_ra_gcrs(epoch) + (hh + mm / 60.0 - 12.0) * 15.0 * DEG
                state = lambda inc=inc, raan=raan, alt=alt, e=epoch: circular_state(alt, inc, raan)
            else:
                args += ["--inclination-deg", str(a), "--raan-deg", str(b)]
                state = lambda alt=alt, a=a, b=b, e=epoch: circular_state(alt, a * DEG, b * DEG)
            out.append((name, epoch, args, state, two_body))
        for name, epoch, lon in geo:
            args = ["--geostationary", "--longitude-deg", str(lon)]
            state = lambda e=epoch, lon=lon, tb=two_body: geo_state(e, lon, tb)
            out.append((name, epoch, args, state, two_body))
    return out


def run_thermorbit(binary, epoch, args, two_body, duration, step, extra):
    with tempfile.TemporaryDirectory() as d:
        csv_path = os.path.join(d, "out.csv")
        cmd = [binary, "orbit", *args, "--epoch", epoch, "--duration-s", str(duration),
               "--step-s", str(step), "--csv", csv_path, "--json", *extra]
        if two_body:
            cmd.append("--two-body")
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}\n{p.stderr}")
        summary = json.loads(p.stdout)
        data = np.genfromtxt(csv_path, delimiter=",", names=True, usecols=range(10))
    return summary, data, " ".join(cmd[1:]).replace(csv_path, "out.csv")


def check(binary, scenario, duration, step, extra, j2_axis="cip"):
    name, epoch, args, state, two_body = scenario
    summary, data, cmd = run_thermorbit(binary, epoch, args, two_body, duration, step, extra)
    t = data["t_s"]
    r0, v0 = state()
    pole = pole_of_date(epoch) if j2_axis == "cip" else np.array([0.0, 0.0, 1.0])
    sol = propagate(r0, v0, duration, two_body, pole)
    # Sun: astropy every 60 s, a cubic spline in between (the Sun moves 0.04 deg per minute).
    t_sun = np.arange(0.0, duration + 60.0, 60.0)
    sun_tab = sun_gcrs_km(epoch, t_sun)
    sun_spline = CubicSpline(t_sun, sun_tab, axis=0)
    s_ref = sun_spline(t)
    s_dir = s_ref / np.linalg.norm(s_ref, axis=1)[:, None]
    s_th = np.stack([data["sun_x"], data["sun_y"], data["sun_z"]], axis=1)
    s_th /= np.linalg.norm(s_th, axis=1)[:, None]
    sun_err = np.degrees(np.arccos(np.clip(np.sum(s_dir * s_th, axis=1), -1, 1)))
    dist_err = np.abs(data["sun_dist_au"] - np.linalg.norm(s_ref, axis=1) / AU)
    y = sol(t)
    r_ref, v_ref = y[:3].T, y[3:].T
    h_ref = np.cross(r_ref, v_ref)
    h_ref /= np.linalg.norm(h_ref, axis=1)[:, None]
    beta_ref = np.degrees(np.arcsin(np.clip(np.sum(h_ref * s_dir, axis=1), -1, 1)))
    beta_err = np.abs(beta_ref - data["beta_deg"])
    r_th = np.stack([data["r_x_km"], data["r_y_km"], data["r_z_km"]], axis=1)
    dr = r_th - r_ref
    pos_err = np.linalg.norm(dr, axis=1)
    along = np.abs(np.sum(dr * v_ref, axis=1)) / np.sum(v_ref * v_ref, axis=1)  # s of flight
    # Eclipses of the reference, grid 2 s (LEO penumbra lasts ~8 s), Brent on dense output.
    grid = np.arange(0.0, duration + 1e-9, 2.0)
    yg = sol(grid)[:3].T
    pen, umb = shadow_functions(yg, sun_spline(grid))

    def fpen(tt):
        return float(shadow_functions(sol(tt)[:3][None, :], sun_spline(tt)[None, :])[0][0])

    def fumb(tt):
        return float(shadow_functions(sol(tt)[:3][None, :], sun_spline(tt)[None, :])[1][0])

    ref_pen = find_events(fpen, grid, pen)
    ref_umb = find_events(fumb, grid, umb)
    # Compare complete passes inside [0, duration].
    th = [e for e in summary["eclipses"] if e["penumbra_entry_s"] > 0 and e["penumbra_exit_s"] < duration]
    ref = [p for p in ref_pen if p[0] > 0 and p[1] < duration]
    ev = {"pen_in": [], "umb_in": [], "umb_out": [], "pen_out": []}
    unmatched = 0
    used = set()
    for pe, px in ref:
        k = min(range(len(th)), key=lambda j: abs(th[j]["penumbra_entry_s"] - pe), default=None)
        if k is None or abs(th[k]["penumbra_entry_s"] - pe) > 300 or k in used:
            unmatched += 1
            continue
        used.add(k)
        e = th[k]
        ev["pen_in"].append(e["penumbra_entry_s"] - pe)
        ev["pen_out"].append(e["penumbra_exit_s"] - px)
        u_in = [a for a, b in ref_umb if pe <= a <= px]
        u_out = [b for a, b in ref_umb if pe <= b <= px]
        if u_in and e["umbra_entry_s"] is not None:
            ev["umb_in"].append(e["umbra_entry_s"] - u_in[0])
            ev["umb_out"].append(e["umbra_exit_s"] - u_out[-1])
        elif bool(u_in) != (e["umbra_entry_s"] is not None):
            unmatched += 1
    unmatched += len(th) - len(used)
    mx = lambda v: max((abs(x) for x in v), default=float("nan"))
    return {
        "name": name + (" 2body" if two_body else " J2"),
        "cmd": cmd,
        "sun_deg": float(sun_err.max()),
        "dist_au": float(dist_err.max()),
        "beta_deg": float(beta_err.max()),
        "beta_json_deg": abs(summary["beta_deg"] - beta_ref[0]),
        "pos_km": float(pos_err.max()),
        "along_s": float(along.max()),
        "n_ecl": len(ref),
        "pen_in": mx(ev["pen_in"]),
        "umb_in": mx(ev["umb_in"]),
        "umb_out": mx(ev["umb_out"]),
        "pen_out": mx(ev["pen_out"]),
        "unmatched": unmatched,
    }


def table(rows):
    head = ("| scenario | Sun (deg) | Sun dist (AU) | beta CSV (deg) | beta JSON (deg) | "
            "pos (km) | along-track (s) | eclipses | pen. in (s) | umbra in (s) | "
            "umbra out (s) | pen. out (s) | unmatched |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        f = lambda x, p: "–" if x != x else f"{x:.{p}f}"
        lines.append(
            f"| {r['name']} | {r['sun_deg']:.4f} | {r['dist_au']:.1e} | {r['beta_deg']:.4f} | "
            f"{r['beta_json_deg']:.4f} | {r['pos_km']:.2f} | {r['along_s']:.2f} | {r['n_ecl']} | "
            f"{f(r['pen_in'], 2)} | {f(r['umb_in'], 2)} | {f(r['umb_out'], 2)} | "
            f"{f(r['pen_out'], 2)} | {r['unmatched']} |"
        )
    worst = lambda k: max((r[k] for r in rows if r[k] == r[k]), default=float("nan"))
    lines.append(
        f"| **max** | {worst('sun_deg'):.4f} | {worst('dist_au'):.1e} | {worst('beta_deg'):.4f} | "
        f"{worst('beta_json_deg'):.4f} | {worst('pos_km'):.2f} | {worst('along_s'):.2f} | "
        f"{sum(r['n_ecl'] for r in rows)} | {worst('pen_in'):.2f} | {worst('umb_in'):.2f} | "
        f"{worst('umb_out'):.2f} | {worst('pen_out'):.2f} | {sum(r['unmatched'] for r in rows)} |"
    )
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--duration-s", type=float, default=86400.0)
    ap.add_argument("--step-s", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true", help="8 scenarios instead of 24")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--extra", default="", help="extra thermorbit flags, e.g. '--elements mean'")
    ap.add_argument("--j2-axis", choices=["cip", "z"], default="cip",
                    help="J2 about the pole of date (default) or the GCRS/J2000 z axis")
    ap.add_argument("--only-j2", action="store_true", help="skip the two-body scenarios")
    a = ap.parse_args()
    rows = []
    t0 = time.time()
    for sc in scenarios(a.quick):
        if a.only_j2 and sc[4]:
            continue
        r = check(a.binary, sc, a.duration_s, a.step_s, a.extra.split(), a.j2_axis)
        rows.append(r)
        print(f"  {r['name']:<28} sun {r['sun_deg']:.4f} deg  beta {r['beta_deg']:.4f} deg  "
              f"pos {r['pos_km']:.2f} km  pen.in {r['pen_in']:.2f} s  umb.in {r['umb_in']:.2f} s  "
              f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    out = table(rows)
    print(out)
    print("\nexample command:", rows[0]["cmd"])
    if a.markdown:
        with open(a.markdown, "w") as fh:
            fh.write(out + "\n")


if __name__ == "__main__":
    main()
