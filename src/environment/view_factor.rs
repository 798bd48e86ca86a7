//! Plate-to-Earth view factor (Earth IR) and the albedo factor of a tilted plate, by
//! integration over the sunlit visible cap.
//!
//! Geometry in Earth radii: the satellite is at distance `H = r/R` from the Earth's centre; a
//! plate's outward unit normal is given in the local frame `Z` = zenith (r̂), `X` = horizontal
//! towards the Sun, `Y = Z × X`. The Earth is a sphere that emits (IR) and reflects (albedo)
//! diffusely (Lambertian).

use std::f64::consts::{FRAC_PI_2, PI};
use std::sync::OnceLock;

/// View factor from a plate to a sphere, the plate at `H = r/R` from the centre with its
/// normal at angle γ from nadir (`cos_gamma = n · (−r̂)`), including partial visibility
/// (Howell, *A Catalog of Radiation Heat Transfer Configuration Factors*, 3rd ed., factor B-47
/// "differential planar element to sphere, plane of element tilted"; Siegel & Howell):
///
/// - full view, γ ≤ acos(1/H): `F = cos γ / H²`;
/// - no view, γ ≥ π − acos(1/H): `F = 0`;
/// - otherwise, with `X = √(H² − 1)`, `Y = −X cot γ`:
///   `F = [cos γ acos Y − X sin γ √(1 − Y²)]/(π H²) + atan(sin γ √(1 − Y²) / X)/π`.
pub fn plate_to_sphere_view_factor(cos_gamma: f64, h: f64) -> f64 {
    let c = cos_gamma.clamp(-1.0, 1.0);
    let h2 = h * h;
    if c >= 1.0 / h {
        return c / h2;
    }
    if c <= -1.0 / h {
        return 0.0;
    }
    let s = (1.0 - c * c).sqrt();
    let x = (h2 - 1.0).max(0.0).sqrt();
    if x == 0.0 {
        // On the surface: a plate sees the half-space below its horizon.
        return 0.5 * (1.0 + c);
    }
    let y = (-x * c / s).clamp(-1.0, 1.0);
    let q = (1.0 - y * y).max(0.0).sqrt();
    ((c * y.acos() - x * s * q) / h2 + (s * q / x).atan()) / PI
}

/// `∫₀^{2π} ⟨A₁ + B₁ cos φ⟩⁺ ⟨A₂ + B₂ cos(φ − ψ)⟩⁺ dφ` in closed form (`B₁, B₂ ≥ 0`): each
/// factor is positive on one arc; the product `A₁A₂ + A₁B₂ cos(φ−ψ) + A₂B₁ cos φ +
/// B₁B₂ [cos ψ + cos(2φ − ψ)]/2` is integrated exactly over the arcs' intersection.
pub fn clamped_cosine_product(a1: f64, b1: f64, a2: f64, b2: f64, psi: f64) -> f64 {
    let (sp, cp) = psi.sin_cos();
    let (Some(w1), Some(w2)) = (Arc::new(a1, b1), Arc::new(a2, b2)) else {
        return 0.0;
    };
    ring_integral(a1, b1, a2, b2, &w1, &w2, psi, sp, cp)
}

/// Half-width `w` of the arc where `A + B cos φ > 0`, with `sin w`, `cos w`.
#[derive(Clone, Copy)]
struct Arc {
    w: f64,
    s: f64,
    c: f64,
}

impl Arc {
    /// `None` if `A + B cos φ ≤ 0` everywhere; `w = π` if positive everywhere.
    fn new(a: f64, b: f64) -> Option<Self> {
        if a >= b {
            Some(Self {
                w: PI,
                s: 0.0,
                c: -1.0,
            })
        } else if a <= -b {
            None
        } else {
            let c = -a / b;
            Some(Self {
                w: c.acos(),
                s: (1.0 - c * c).max(0.0).sqrt(),
                c,
            })
        }
    }
}

/// An angle with its sine and cosine.
#[derive(Clone, Copy)]
struct Ang {
    p: f64,
    s: f64,
    c: f64,
}

/// The ring integral of [`clamped_cosine_product`] with the arcs and `sin ψ`, `cos ψ`
/// precomputed: every arc end's sine and cosine follows from angle-addition formulas, so no
/// trigonometric function is evaluated here.
#[allow(clippy::too_many_arguments)]
#[inline]
fn ring_integral(
    a1: f64,
    b1: f64,
    a2: f64,
    b2: f64,
    w1: &Arc,
    w2: &Arc,
    psi: f64,
    sp: f64,
    cp: f64,
) -> f64 {
    let prim = |e: Ang| -> f64 {
        let s_pm = e.s * cp - e.c * sp; // sin(φ − ψ)
        let s2 = 2.0 * e.s * e.c * cp - (e.c * e.c - e.s * e.s) * sp; // sin(2φ − ψ)
        a1 * a2 * e.p + a1 * b2 * s_pm + a2 * b1 * e.s + 0.5 * b1 * b2 * (e.p * cp + 0.5 * s2)
    };
    let seg = |lo: Ang, hi: Ang| {
        if hi.p > lo.p {
            prim(hi) - prim(lo)
        } else {
            0.0
        }
    };
    let full1 = w1.w >= PI;
    let full2 = w2.w >= PI;
    // Arc-2 ends ψ ∓ w₂ (sine and cosine by angle addition).
    let lo2 = Ang {
        p: psi - w2.w,
        s: sp * w2.c - cp * w2.s,
        c: cp * w2.c + sp * w2.s,
    };
    let hi2 = Ang {
        p: psi + w2.w,
        s: sp * w2.c + cp * w2.s,
        c: cp * w2.c - sp * w2.s,
    };
    let lo1 = Ang {
        p: -w1.w,
        s: -w1.s,
        c: w1.c,
    };
    let hi1 = Ang {
        p: w1.w,
        s: w1.s,
        c: w1.c,
    };
    if full1 && full2 {
        return seg(
            Ang {
                p: -PI,
                s: 0.0,
                c: -1.0,
            },
            Ang {
                p: PI,
                s: 0.0,
                c: -1.0,
            },
        );
    }
    if full1 {
        return seg(lo2, hi2);
    }
    if full2 {
        return seg(lo1, hi1);
    }
    let mut total = 0.0;
    for k in -1..=1 {
        let shift = k as f64 * std::f64::consts::TAU;
        let l2 = Ang {
            p: lo2.p + shift,
            ..lo2
        };
        let h2 = Ang {
            p: hi2.p + shift,
            ..hi2
        };
        let lo = if l2.p > lo1.p { l2 } else { lo1 };
        let hi = if h2.p < hi1.p { h2 } else { hi1 };
        total += seg(lo, hi);
    }
    total
}

fn gauss_legendre_16() -> &'static ([f64; 16], [f64; 16]) {
    static GL: OnceLock<([f64; 16], [f64; 16])> = OnceLock::new();
    GL.get_or_init(gauss_legendre::<16>)
}

/// Gauss–Legendre nodes and weights on [−1, 1] by Newton iteration on P_N (Press et al.,
/// *Numerical Recipes*, 3rd ed., §4.6).
fn gauss_legendre<const N: usize>() -> ([f64; N], [f64; N]) {
    let mut x = [0.0; N];
    let mut w = [0.0; N];
    for i in 0..N.div_ceil(2) {
        let mut z = (PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (1.0, 0.0);
            for j in 0..N {
                let p3 = p2;
                p2 = p1;
                p1 = ((2 * j + 1) as f64 * z * p2 - j as f64 * p3) / (j + 1) as f64;
            }
            dp = N as f64 * (z * p1 - p2) / (z * z - 1.0);
            let dz = p1 / dp;
            z -= dz;
            if dz.abs() < 1e-15 {
                break;
            }
        }
        x[i] = -z;
        x[N - 1 - i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
        w[N - 1 - i] = w[i];
    }
    (x, w)
}

/// Diffuse-source irradiance factor of a tilted plate at `H = r/R`, integrated over the
/// visible cap with exact azimuthal integrals ([`clamped_cosine_product`]) and 16-point
/// Gauss–Legendre in the Earth central angle λ on panels split where the integrand's slope
/// jumps (the terminator and the plate's horizon entering the ring) and geometrically near
/// the sub-satellite point, where the kernel peaks on the scale H − 1:
///
/// `F = (1/π) ∫₀^{λmax} sin λ (H cos λ − 1)/ρ⁴ J(λ) dλ`, `ρ² = H² + 1 − 2H cos λ`,
/// `λmax = acos(1/H)`, `J = ∫ ⟨source(λ, φ)⟩⁺ ⟨n · (P − r)⟩⁺ dφ`,
///
/// where a surface point P = (sin λ cos φ, sin λ sin φ, cos λ) radiates with radiance
/// ∝ `A₁ + B₁ cos φ`. For albedo (`sun = Some(cos θs)`, θs the solar zenith angle at the
/// sub-satellite point) the source is `⟨P̂ · ŝ⟩⁺ = ⟨cos λ cos θs + sin λ sin θs cos φ⟩⁺`
/// (Lambertian reflection of a Sun at ŝ): `F` is then the albedo factor, absorbed flux
/// `α a S F`. For `sun = None` the source is uniform and `F` is the view factor.
///
/// `n_local = (n_X, n_Y, n_Z)` must be a unit vector in the local frame.
pub fn diffuse_earth_factor(h: f64, sun_cos_zenith: Option<f64>, n_local: [f64; 3]) -> f64 {
    let [nx, ny, nz] = n_local;
    let nh = (nx * nx + ny * ny).sqrt();
    let psi = if nh > 1e-15 { ny.atan2(nx) } else { 0.0 };
    let mut out = [0.0];
    diffuse_earth_factor_azimuths(h, sun_cos_zenith, nz, nh, &[psi], &mut out);
    out[0]
}

/// [`diffuse_earth_factor`] for one tilt (`n_Z`, `n_h = √(1 − n_Z²)`) and several azimuths ψ
/// (`n = (n_h cos ψ, n_h sin ψ, n_Z)`), sharing the quadrature nodes; results in `out`.
pub fn diffuse_earth_factor_azimuths(
    h: f64,
    sun_cos_zenith: Option<f64>,
    nz: f64,
    nh: f64,
    psis: &[f64],
    out: &mut [f64],
) {
    out.iter_mut().for_each(|v| *v = 0.0);
    let lam_max = (1.0 / h).clamp(-1.0, 1.0).acos();
    let uniform = sun_cos_zenith.is_none();
    let (cs, ss) = match sun_cos_zenith {
        Some(c) => {
            let c = c.clamp(-1.0, 1.0);
            (c, (1.0 - c * c).sqrt())
        }
        None => (1.0, 0.0),
    };
    // Dark cap: no sunlit point is visible.
    if sun_cos_zenith.is_some() && cs.acos() >= FRAC_PI_2 + lam_max {
        return;
    }
    // Plate facing away from the whole cap.
    if nz >= 1.0 / h {
        return;
    }
    let mut breaks = vec![0.0, lam_max];
    if sun_cos_zenith.is_some() {
        let lt = (FRAC_PI_2 - cs.acos()).abs();
        breaks.push(lt);
    }
    if nz != 0.0 && nh > 0.0 {
        // Plate horizon: n_h sin λ = |n_Z| (H − cos λ), increasing in λ on [0, π/2].
        let f = |l: f64| nh * l.sin() - nz.abs() * (h - l.cos());
        if f(0.0) < 0.0 && f(lam_max) > 0.0 {
            let (mut a, mut b) = (0.0, lam_max);
            for _ in 0..60 {
                let m = 0.5 * (a + b);
                if f(m) < 0.0 {
                    a = m;
                } else {
                    b = m;
                }
            }
            breaks.push(0.5 * (a + b));
        }
    }
    breaks.retain(|&b| (0.0..=lam_max).contains(&b));
    breaks.sort_by(f64::total_cmp);
    breaks.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    // Near the sub-satellite point the kernel peaks on the scale λ ~ H − 1 (the altitude in
    // Earth radii): add panels at (H − 1)·3^k so every panel sees a smooth integrand.
    let mut extra = (h - 1.0).max(1e-6);
    while extra < lam_max {
        breaks.push(extra);
        extra *= 3.0;
    }
    breaks.sort_by(f64::total_cmp);
    breaks.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    let (x, w) = gauss_legendre_16();
    let trig: Vec<(f64, f64, f64)> = psis
        .iter()
        .map(|&p| {
            let (s, c) = p.sin_cos();
            (p, s, c)
        })
        .collect();
    for seg in breaks.windows(2) {
        let (lo, hi) = (seg[0], seg[1]);
        let half = 0.5 * (hi - lo);
        let mid = 0.5 * (hi + lo);
        if half <= 0.0 {
            continue;
        }
        for k in 0..16 {
            let (sl, cl) = (mid + half * x[k]).sin_cos();
            let rho2 = h * h + 1.0 - 2.0 * h * cl;
            let kernel = sl * (h * cl - 1.0) / (rho2 * rho2);
            let (a1, b1) = if uniform {
                (1.0, 0.0)
            } else {
                (cl * cs, sl * ss)
            };
            let (a2, b2) = (nz * (cl - h), nh * sl);
            let (Some(w1), Some(w2)) = (Arc::new(a1, b1), Arc::new(a2, b2)) else {
                continue;
            };
            let f = w[k] * half * kernel / PI;
            for (o, &(psi, sp, cp)) in out.iter_mut().zip(&trig) {
                *o += f * ring_integral(a1, b1, a2, b2, &w1, &w2, psi, sp, cp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamped_product_against_quadrature() {
        let cases = [
            (0.3, 0.5, -0.2, 0.7, 0.4),
            (1.0, 0.2, 0.1, 0.9, 2.5),
            (-0.3, 0.5, 0.8, 0.1, -1.0),
            (0.0, 1.0, 0.0, 1.0, 3.0),
            (0.2, 0.5, 0.1, 0.3, -3.1),
        ];
        for (a1, b1, a2, b2, psi) in cases {
            let n = 200_000;
            let mut q = 0.0;
            for k in 0..n {
                let p = (k as f64 + 0.5) / n as f64 * std::f64::consts::TAU - PI;
                let f1: f64 = a1 + b1 * p.cos();
                let f2: f64 = a2 + b2 * (p - psi).cos();
                q += f1.max(0.0) * f2.max(0.0);
            }
            q *= std::f64::consts::TAU / n as f64;
            let exact = clamped_cosine_product(a1, b1, a2, b2, psi);
            assert!(
                (q - exact).abs() < 1e-8,
                "{a1} {b1} {a2} {b2} {psi}: {q} vs {exact}"
            );
        }
    }

    #[test]
    fn gauss_legendre_integrates_polynomials() {
        let (x, w) = gauss_legendre_16();
        let s: f64 = x.iter().zip(w).map(|(x, w)| w * x.powi(30)).sum();
        assert!((s - 2.0 / 31.0).abs() < 1e-13);
    }

    #[test]
    fn ir_quadrature_matches_closed_form() {
        for &h in &[1.02, 1.0862, 1.5, 6.6] {
            for k in 0..=36 {
                let g = k as f64 * 5.0_f64.to_radians();
                let n = [g.sin(), 0.0, -g.cos()];
                let q = diffuse_earth_factor(h, None, n);
                let f = plate_to_sphere_view_factor(g.cos(), h);
                // Near the surface (H = 1.02) the plate-horizon kink (a w^{3/2} edge) limits
                // Gauss–Legendre to ~3e-5 relative; elsewhere agreement is ~1e-9.
                let tol = if h < 1.05 { 3e-5 } else { 1e-7 };
                assert!((q - f).abs() < tol, "H={h} γ={k}×5°: {q} vs {f}");
            }
        }
    }
}
