//! Exact and independent reference solutions for the conduction and radiation
//! validation cases.
//!
//! Each function states the problem it solves, derives the solution (or the
//! way it is computed) and cites its source. They are written for accuracy
//! near round-off, not speed: series are summed until their terms fall below
//! 1e-17 of the leading term, roots are bracketed and bisected to the last bit,
//! and quadratures are adaptive with a tolerance of 1e-13 or better. Functions
//! that search for a root return `None` when the inputs admit no root (a sign
//! the caller passed non-physical values), never panic.
//!
//! Sources:
//! - H. S. Carslaw & J. C. Jaeger, *Conduction of Heat in Solids*, 2nd ed.,
//!   Oxford, 1959 (C&J below).
//! - F. P. Incropera, D. P. DeWitt, T. L. Bergman & A. S. Lavine,
//!   *Fundamentals of Heat and Mass Transfer*, 7th ed., Wiley, 2011
//!   (Incropera below).
//! - NAFEMS, *The Standard NAFEMS Benchmarks*, TNSB Rev. 3, 1990 (tests T2, T3, T4).

use std::f64::consts::PI;

use nalgebra::Complex;

/// Bisection for a root of `f` in `[lo, hi]`; `None` without a sign change.
///
/// Runs until the bracket cannot shrink in floating point (at most 200
/// halvings), so the root is exact to the last bit of the bracket.
pub fn bisect(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> Option<f64> {
    let (mut a, mut b) = (lo, hi);
    let (fa, fb) = (f(a), f(b));
    let ordered = a < b;
    if !(fa.is_finite() && fb.is_finite() && ordered) {
        return None;
    }
    if fa == 0.0 {
        return Some(a);
    }
    if fb == 0.0 {
        return Some(b);
    }
    if (fa > 0.0) == (fb > 0.0) {
        return None;
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        let fm = f(m);
        if fm == 0.0 {
            return Some(m);
        }
        if (fm > 0.0) == (fa > 0.0) {
            a = m;
        } else {
            b = m;
        }
    }
    Some(0.5 * (a + b))
}

/// Adaptive Simpson quadrature of `f` over `[a, b]` to the relative tolerance
/// `rel_tol` (of a first 64-panel estimate of the integral), with Richardson's
/// correction on each accepted panel (Lyness, *J. ACM* 16 (1969) 483–495).
/// Each panel's share of the tolerance halves with its width, and recursion
/// stops at depth 40 (panels of 2⁻⁴⁰ of the interval), so a tolerance below
/// round-off costs time but never hangs.
pub fn adaptive_simpson(f: &impl Fn(f64) -> f64, a: f64, b: f64, rel_tol: f64) -> f64 {
    fn step(
        f: &impl Fn(f64) -> f64,
        (a, fa): (f64, f64),
        (m, fm): (f64, f64),
        (b, fb): (f64, f64),
        whole: f64,
        tol: f64,
        depth: u32,
    ) -> f64 {
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
        let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
        let delta = left + right - whole;
        if depth == 0 || delta.abs() <= 15.0 * tol || !delta.is_finite() {
            return left + right + delta / 15.0;
        }
        step(f, (a, fa), (lm, flm), (m, fm), left, 0.5 * tol, depth - 1)
            + step(f, (m, fm), (rm, frm), (b, fb), right, 0.5 * tol, depth - 1)
    }
    // A composite-Simpson estimate sets the scale of the absolute tolerance.
    let panels = 64;
    let h = (b - a) / panels as f64;
    let mut estimate = 0.0;
    for k in 0..panels {
        let x0 = a + k as f64 * h;
        estimate += h / 6.0 * (f(x0) + 4.0 * f(x0 + 0.5 * h) + f(x0 + h));
    }
    let tol = rel_tol * estimate.abs().max(f64::MIN_POSITIVE);
    let m = 0.5 * (a + b);
    let (fa, fm, fb) = (f(a), f(m), f(b));
    let whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
    step(f, (a, fa), (m, fm), (b, fb), whole, tol, 40)
}

/// `sinh(a)/sinh(b)` for `0 ≤ a ≤ b`, `b > 0`, without overflow:
/// `e^{a−b} (1 − e^{−2a}) / (1 − e^{−2b})`.
fn sinh_ratio(a: f64, b: f64) -> f64 {
    (a - b).exp() * (-(-2.0 * a).exp_m1()) / (-(-2.0 * b).exp_m1())
}

// ---------------------------------------------------------------------------
// Steady conduction
// ---------------------------------------------------------------------------

/// Steady 1D conduction through a slab `0 ≤ x ≤ L` with faces held at
/// `t_west_k` and `t_east_k`: `T'' = 0`, so `T = T_w + (T_e − T_w) x/L`
/// (Incropera eq. 3.3).
pub fn slab_steady_k(x_m: f64, length_m: f64, t_west_k: f64, t_east_k: f64) -> f64 {
    t_west_k + (t_east_k - t_west_k) * x_m / length_m
}

/// Steady 2D conduction in the rectangle `0 ≤ x ≤ L`, `0 ≤ y ≤ W` with the edge
/// `y = W` at `θ = 1` and the other three at `θ = 0`: the dimensionless
/// temperature `θ = (T − T₀)/(T₁ − T₀)` (Incropera eq. 4.19; C&J §5.2):
///
/// ```text
/// θ(x, y) = (2/π) Σ_{n=1}^∞ ((−1)^{n+1} + 1)/n · sin(nπx/L) · sinh(nπy/L) / sinh(nπW/L)
/// ```
///
/// Separation of variables: `X'' = −λ² X` with `X(0) = X(L) = 0` gives
/// `sin(nπx/L)`; `Y(0) = 0` gives `sinh(nπy/L)`; the sine series of 1 on
/// `(0, L)` has coefficients `2((−1)^{n+1} + 1)/(nπ)` (only odd n). The sinh
/// ratio is evaluated in exponential form so that it never overflows; the sum
/// stops once a term falls below 1e-17 (at `y < W` the terms fall like
/// `e^{−nπ(W−y)/L}/n`), or after 1e6 terms (on the hot edge itself, where the
/// series converges only conditionally: use `y < W`).
///
/// By superposition of the four rotations of this problem on a square (each
/// edge hot in turn; the sum is θ = 1 everywhere), the centre of a square is
/// exactly θ = 1/4.
pub fn rectangle_one_hot_edge(x_m: f64, y_m: f64, length_m: f64, width_m: f64) -> f64 {
    let (l, w) = (length_m, width_m);
    let mut sum = 0.0;
    let mut n = 1usize;
    while n < 2_000_000 {
        let k = n as f64 * PI / l;
        let term = 4.0 / (n as f64 * PI) * (k * x_m).sin() * sinh_ratio(k * y_m, k * w);
        sum += term;
        // The bound of the remaining terms: the sinh ratio ≤ e^{−k(W−y)}.
        let bound = 4.0 / (n as f64 * PI) * (-(k * (w - y_m))).exp();
        if bound < 1e-17 {
            break;
        }
        n += 2;
    }
    sum
}

/// Laplace's equation on the unit square with `T = sin(πx)` on `y = 0` and
/// `T = 0` on the other three edges: `T = sinh(π(1 − y)) sin(πx) / sinh π`
/// (C&J §5.2; a single term of the series above, with no corner
/// discontinuity — the cleanest test of the order of accuracy).
pub fn sine_square(x_m: f64, y_m: f64) -> f64 {
    sinh_ratio(PI * (1.0 - y_m), PI) * (PI * x_m).sin()
}

/// NAFEMS T4: steady conduction in `0 ≤ x ≤ a`, `0 ≤ y ≤ b` with conductivity
/// `k`, the edge `y = 0` held at `θ = θ₀` above the fluid, `x = 0` insulated,
/// and `x = a` and `y = b` convecting with `h` to the fluid at `θ = 0`. Returns
/// `θ(x, y)` (temperature above the fluid).
///
/// Derivation (separation of variables, as in C&J §5.4 and Incropera §4.2):
/// `θ = X(x) Y(y)` with `X'' = −λ² X`, `Y'' = λ² Y`.
/// - `X'(0) = 0` gives `X = cos(λx)`; `−k X'(a) = h X(a)` gives the
///   eigenvalue condition `λ tan(λa) = h/k`, one root `λ_n` in each
///   `((n−1)π/a, (n−½)π/a)`, `n = 1, 2, …`, found by bisection on
///   `β sin β − Bi cos β` (`β = λa`, `Bi = ha/k`).
/// - `−k Y'(b) = h Y(b)` gives `Y_n = cosh λ_n(b−y) + (h/(kλ_n)) sinh λ_n(b−y)`.
/// - `θ(x, 0) = θ₀`: the `cos(λ_n x)` are orthogonal on `[0, a]` (a
///   Sturm–Liouville system), so `c_n = θ₀ ∫cos(λ_n x)dx / ∫cos²(λ_n x)dx
///   = θ₀ (sin(λ_n a)/λ_n) / (a/2 + sin(2λ_n a)/(4λ_n))`.
///
/// `θ = Σ c_n cos(λ_n x) Y_n(y)/Y_n(0)`, with `Y_n(y)/Y_n(0)` written as
/// `e^{−λy} ((1+β) + (1−β) e^{−2λ(b−y)}) / ((1+β) + (1−β) e^{−2λb})`,
/// `β = h/(kλ)`, so nothing overflows. For `y > 0` the terms fall like
/// `e^{−λ_n y}/n`; the sum stops when that bound is below 1e-17 θ₀ (at most
/// 100,000 terms, which on `y = 0` itself leaves the slowly converging series
/// about 1e-5 θ₀ short: use `y > 0`).
pub fn nafems_t4_theta(
    x_m: f64,
    y_m: f64,
    a_m: f64,
    b_m: f64,
    k_w_m_k: f64,
    h_w_m2_k: f64,
    theta0: f64,
) -> Option<f64> {
    let biot = h_w_m2_k * a_m / k_w_m_k;
    let mut sum = 0.0;
    for n in 0..100_000usize {
        let lo = n as f64 * PI;
        let hi = lo + 0.5 * PI;
        let f = |beta: f64| beta * beta.sin() - biot * beta.cos();
        // The root lies strictly inside; the bracket's ends may be exact zeros
        // of cos only in floating-point coincidence, which bisect handles.
        let beta = bisect(f, lo, hi)?;
        let lambda = beta / a_m;
        let c = theta0 * (beta.sin() / lambda) / (a_m / 2.0 + (2.0 * beta).sin() / (4.0 * lambda));
        let bh = h_w_m2_k / (k_w_m_k * lambda);
        let ratio = (-lambda * y_m).exp()
            * ((1.0 + bh) + (1.0 - bh) * (-2.0 * lambda * (b_m - y_m)).exp())
            / ((1.0 + bh) + (1.0 - bh) * (-2.0 * lambda * b_m).exp());
        sum += c * (lambda * x_m).cos() * ratio;
        if theta0.abs() * (-lambda * y_m).exp() / (n as f64 + 1.0) < 1e-17 * theta0.abs() {
            break;
        }
    }
    Some(sum)
}

/// NAFEMS T2: a bar of length `L` and conductivity `k`, end A held at `t_a_k`,
/// end B radiating with emissivity `ε` to surroundings at `t_amb_k`, no lateral
/// loss. The steady profile is linear, so the end temperature `T_B` is the
/// root of the balance of conduction and radiation per unit cross-section
///
/// ```text
/// f(T_B) = k (T_A − T_B)/L − ε σ (T_B⁴ − T_amb⁴) = 0,
/// ```
///
/// which is strictly decreasing in `T_B` and changes sign on `[T_amb, T_A]`
/// (bisection). `sigma` is passed in so the 1990 value 5.67e-8 of the
/// original and the CODATA value can both be used.
pub fn nafems_t2_end_temperature_k(
    k_w_m_k: f64,
    length_m: f64,
    emissivity: f64,
    sigma: f64,
    t_a_k: f64,
    t_amb_k: f64,
) -> Option<f64> {
    let f = |t: f64| {
        k_w_m_k * (t_a_k - t) / length_m - emissivity * sigma * (t.powi(4) - t_amb_k.powi(4))
    };
    bisect(f, t_amb_k, t_a_k)
}

// ---------------------------------------------------------------------------
// Transient conduction
// ---------------------------------------------------------------------------

/// A slab `0 ≤ x ≤ L` initially at a uniform temperature whose two faces are
/// suddenly held at a new temperature: the dimensionless temperature
/// `θ = (T − T_s)/(T_i − T_s)` at position `x` and Fourier number
/// `Fo = α t / L²` (C&J §3.3, eq. (3); Incropera §5.5 with the origin moved
/// to a face):
///
/// ```text
/// θ = Σ_{m=0}^∞ 4/((2m+1)π) · sin((2m+1)πx/L) · exp(−(2m+1)²π² Fo)
/// ```
///
/// (the sine series of the initial θ = 1, each mode decaying at its own rate).
/// For `Fo > 0` the terms fall faster than geometrically; the sum stops when
/// the exponential factor is below 1e-18. `Fo` must be > 0 (at `Fo = 0` the
/// series is the conditionally convergent sine series of 1).
pub fn slab_sudden_faces_theta(x_m: f64, length_m: f64, fourier_number: f64) -> f64 {
    let mut sum = 0.0;
    for m in 0..100_000usize {
        let n = (2 * m + 1) as f64;
        let decay = (-n * n * PI * PI * fourier_number).exp();
        sum += 4.0 / (n * PI) * (n * PI * x_m / length_m).sin() * decay;
        if decay < 1e-18 {
            break;
        }
    }
    sum
}

/// A boundary temperature `mean + amplitude · sin(ω t)` (K), for
/// [`cell_centred_slab_semidiscrete`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HarmonicBoundary {
    /// Mean value, K.
    pub mean_k: f64,
    /// Amplitude, K.
    pub amplitude_k: f64,
    /// Angular frequency ω, rad/s.
    pub omega_rad_s: f64,
}

impl HarmonicBoundary {
    /// A constant temperature.
    pub fn constant(t_k: f64) -> Self {
        Self {
            mean_k: t_k,
            amplitude_k: 0.0,
            omega_rad_s: 0.0,
        }
    }
}

/// The exact solution *in time* of thermorbit's spatial discretisation of a 1D
/// slab — `n` equal cells of a cell-centred grid on `[0, L]`, diffusivity `α`,
/// the faces held at harmonic temperatures — at time `t_s`, from the cell
/// temperatures `initial_k` at `t = 0`. Comparing a time integrator with this
/// isolates its time error from the space error.
///
/// The semi-discrete system (each cell `C dT_i/dt = Σ G (T_j − T_i)` with
/// `G/C = α/h²`, `h = L/n`, and the half-cell conductance `2G` to each face,
/// as in [`crate::mesh::RectangularPanel`]) is
///
/// ```text
/// dT/dt = (α/h²) (M T + 2 g_w(t) e₀ + 2 g_e(t) e_{n−1}),
/// M = tridiag(1, −2, 1) with M₀₀ = M_{n−1,n−1} = −3.
/// ```
///
/// `−3` is `−2` with an antisymmetric ghost cell (`T_{−1} = −T₀` for zero face
/// values), so the eigenvectors of `M` are the discrete sines
/// `v_k(i) = sin(kπ(i + ½)/n)`, `k = 1..n`, with eigenvalues
/// `−4 sin²(kπ/(2n))` (the DST-II basis; check at `i = 0`:
/// `−3 sin(θ/2) + sin(3θ/2) = −4 sin³(θ/2)`). In this basis each mode obeys
/// `c_k' = −μ_k c_k + w_k^w g_w(t) + w_k^e g_e(t)` with
/// `μ_k = (4α/h²) sin²(kπ/(2n))` and `w_k = (2α/h²) v_k(boundary cell)/‖v_k‖²`,
/// whose solution for `g = m + A sin ωt` is (Duhamel's integral)
///
/// ```text
/// c_k(t) = c_k(0) e^{−μt} + w [ m (1 − e^{−μt})/μ
///          + A (μ sin ωt − ω cos ωt + ω e^{−μt}) / (μ² + ω²) ].
/// ```
///
/// Cost O(n²); returns the `n` cell temperatures.
pub fn cell_centred_slab_semidiscrete(
    initial_k: &[f64],
    length_m: f64,
    diffusivity_m2_s: f64,
    west: HarmonicBoundary,
    east: HarmonicBoundary,
    t_s: f64,
) -> Vec<f64> {
    let n = initial_k.len();
    let h = length_m / n as f64;
    let rate = diffusivity_m2_s / (h * h);
    let mut out = vec![0.0; n];
    for k in 1..=n {
        let v: Vec<f64> = (0..n)
            .map(|i| (k as f64 * PI * (i as f64 + 0.5) / n as f64).sin())
            .collect();
        let norm2: f64 = v.iter().map(|x| x * x).sum();
        let c0: f64 = initial_k.iter().zip(&v).map(|(t, vi)| t * vi).sum::<f64>() / norm2;
        let mu = 4.0 * rate * (k as f64 * PI / (2.0 * n as f64)).sin().powi(2);
        let decay = (-mu * t_s).exp();
        let forced = |g: HarmonicBoundary, v_edge: f64| {
            let w = 2.0 * rate * v_edge / norm2;
            let (om, a) = (g.omega_rad_s, g.amplitude_k);
            let harmonic = if a == 0.0 {
                0.0
            } else {
                a * (mu * (om * t_s).sin() - om * (om * t_s).cos() + om * decay)
                    / (mu * mu + om * om)
            };
            w * (g.mean_k * (-(-mu * t_s).exp_m1()) / mu + harmonic)
        };
        let ck = c0 * decay + forced(west, v[0]) + forced(east, v[n - 1]);
        for (o, vi) in out.iter_mut().zip(&v) {
            *o += ck * vi;
        }
    }
    out
}

/// NAFEMS T3 (and any slab with one face at `T₀` and the other at
/// `T₀ + A sin ωt`, starting at `T₀`): the temperature above `T₀` at `x`
/// (measured from the face held at `T₀`) and time `t`.
///
/// Derivation. Write `u = T − T₀`: `u_t = α u_xx`, `u(0, t) = 0`,
/// `u(L, t) = g(t) = A sin ωt`, `u(x, 0) = 0`. With `u = g(t) x/L + v`, `v`
/// has zero face values, zero initial value and the source `−g'(t) x/L`;
/// expanding in `sin(nπx/L)` (`x/L = Σ c_n sin(nπx/L)`,
/// `c_n = 2(−1)^{n+1}/(nπ)`) each coefficient obeys
/// `b_n' = −μ_n b_n − c_n g'(t)`, `μ_n = α(nπ/L)²`, so by Duhamel's integral
/// (C&J §1.14, §3.5)
///
/// ```text
/// b_n = −c_n A ω (μ_n cos ωt + ω sin ωt)/(μ_n² + ω²) + c_n A ω μ_n e^{−μ_n t}/(μ_n² + ω²).
/// ```
///
/// The first part, summed with `g x/L`, is the periodic steady oscillation,
/// which has the closed form (C&J §3.6) `u_p = Im[A e^{iωt} sinh(κx)/sinh(κL)]`,
/// `κ = √(iω/α)` (it satisfies the equation, `u_p(0) = 0`, `u_p(L) = g`, and
/// the periodic solution is unique). Hence
///
/// ```text
/// u(x, t) = Im[A e^{iωt} sinh(κx)/sinh(κL)]
///         + Σ_n c_n A ω μ_n/(μ_n² + ω²) e^{−μ_n t} sin(nπx/L),
/// ```
///
/// whose start-up series converges like `e^{−μ_n t}` (for NAFEMS T3 at
/// 32 s, μ₁t ≈ 0.35 and 20 terms reach 1e-17). The sum stops when the bound
/// `|c_n| A ω/μ_n e^{−μ_n t}` of a term falls below 1e-17 A; `t` must be > 0.
pub fn slab_harmonic_face_rise_k(
    x_m: f64,
    t_s: f64,
    length_m: f64,
    diffusivity_m2_s: f64,
    amplitude_k: f64,
    omega_rad_s: f64,
) -> f64 {
    let kappa = Complex::new(0.0, omega_rad_s / diffusivity_m2_s).sqrt();
    let periodic = (Complex::new(0.0, omega_rad_s * t_s).exp() * (kappa * x_m).sinh()
        / (kappa * length_m).sinh())
    .im * amplitude_k;
    let mut transient = 0.0;
    for n in 1..1_000_000usize {
        let nf = n as f64;
        let mu = diffusivity_m2_s * (nf * PI / length_m).powi(2);
        let c = 2.0 * if n % 2 == 1 { 1.0 } else { -1.0 } / (nf * PI);
        let decay = (-mu * t_s).exp();
        let amp = c * amplitude_k * omega_rad_s * mu / (mu * mu + omega_rad_s * omega_rad_s);
        transient += amp * decay * (nf * PI * x_m / length_m).sin();
        if (c * amplitude_k * omega_rad_s / mu * decay).abs() < 1e-17 * amplitude_k.abs() {
            break;
        }
    }
    periodic + transient
}

// ---------------------------------------------------------------------------
// Radiation
// ---------------------------------------------------------------------------

/// A lumped body of heat capacity `C = mc` radiating with `εA` to a sink at
/// 0 K: `C dT/dt = −εσA T⁴`. Separating, `dT/T⁴ = −k dt` with `k = εσA/C`,
/// so `1/T³ − 1/T₀³ = 3kt` and (Incropera eq. 5.19)
///
/// ```text
/// T(t) = (T₀⁻³ + 3 ε σ A t / (m c))^(−1/3).
/// ```
///
/// `rate_k3_s` is `k = εσA/(mc)` in 1/(K³·s).
pub fn lumped_cooling_to_zero_k(t_s: f64, t0_k: f64, rate_k3_s: f64) -> f64 {
    (t0_k.powi(-3) + 3.0 * rate_k3_s * t_s).powf(-1.0 / 3.0)
}

/// The time a lumped body (`C dT/dt = −εσA (T⁴ − T_s⁴)`, `k = εσA/C`) takes
/// to cool from `T₀` to `T` (`T_s < T ≤ T₀`) when radiating to a sink at
/// `T_s > 0` (Incropera eq. 5.18).
///
/// Derivation. `dt = −dT / (k (T⁴ − T_s⁴))`, and by partial fractions
///
/// ```text
/// 1/(T⁴ − T_s⁴) = (1/(2T_s²)) [1/(T² − T_s²) − 1/(T² + T_s²)],
/// ∫ dT/(T² − T_s²) = (1/(2T_s)) ln((T − T_s)/(T + T_s)),
/// ∫ dT/(T² + T_s²) = (1/T_s) atan(T/T_s),
/// ```
///
/// so with `F(T) = (1/(4T_s³)) [ln((T − T_s)/(T + T_s)) − 2 atan(T/T_s)]`,
/// `t = (F(T₀) − F(T))/k`:
///
/// ```text
/// t = 1/(4 k T_s³) · { ln[(T₀ − T_s)(T + T_s) / ((T₀ + T_s)(T − T_s))]
///                      + 2 [atan(T/T_s) − atan(T₀/T_s)] }.
/// ```
///
/// As `T_s → 0` it tends to `(1/T³ − 1/T₀³)/(3k)`, the sink-at-0-K result:
/// the logarithm and arctangent terms each start as `±2T_s(1/T − 1/T₀)` and
/// cancel, leaving a remainder of order `(T_s/T)³`; each term carries an
/// absolute round-off of order ε, so the relative round-off of `t` grows
/// like `ε (T/T_s)³` — about 2e-10 for a 300 K body and a 3 K sink. For sinks far colder than the body use
/// [`lumped_cooling_to_zero_k`] (whose error is then `O((T_s/T)⁴)`).
pub fn lumped_cooling_time_s(t_k: f64, t0_k: f64, sink_k: f64, rate_k3_s: f64) -> f64 {
    let s = sink_k;
    let log = ((t0_k - s) * (t_k + s) / ((t0_k + s) * (t_k - s))).ln();
    let atan = 2.0 * ((t_k / s).atan() - (t0_k / s).atan());
    (log + atan) / (4.0 * rate_k3_s * s.powi(3))
}

/// The temperature at time `t_s` of a lumped body cooling by radiation from
/// `T₀` to a sink at `T_s > 0` (`T_s < T₀`): the inverse of
/// [`lumped_cooling_time_s`], which is strictly decreasing in `T` on
/// `(T_s, T₀]`, found by bisection. `None` if `T₀ ≤ T_s` or `t_s < 0`.
pub fn lumped_cooling_k(t_s: f64, t0_k: f64, sink_k: f64, rate_k3_s: f64) -> Option<f64> {
    if !(t0_k > sink_k && sink_k > 0.0 && t_s >= 0.0 && rate_k3_s > 0.0) {
        return None;
    }
    if t_s == 0.0 {
        return Some(t0_k);
    }
    let f = |t: f64| lumped_cooling_time_s(t, t0_k, sink_k, rate_k3_s) - t_s;
    // Just above the sink the time is finite but huge; nudge the bracket inside.
    let lo = sink_k * (1.0 + 1e-15);
    bisect(f, lo, t0_k)
}

/// Equilibrium temperature of an isothermal plate absorbing `absorbed_w_m2`
/// (`α S`) on one face and emitting with emissivity `ε` from `faces` faces to
/// 0 K: `α S = n ε σ T⁴`, so `T = (α S/(n ε σ))^¼` (Incropera §12.8 energy
/// balance; Gilmore, *Spacecraft Thermal Control Handbook*, vol. 1, ch. 2).
pub fn isothermal_plate_k(absorbed_w_m2: f64, emissivity: f64, faces: f64, sigma: f64) -> f64 {
    (absorbed_w_m2 / (faces * emissivity * sigma)).powf(0.25)
}

/// The straight rectangular fin radiating from both faces to 0 K with an
/// insulated tip, in the dimensionless form of the conduction–radiation
/// parameter `N = 2εσT_b³L²/(k t)`: `θ'' = N θ⁴` on `0 ≤ ξ ≤ 1`, `θ(0) = 1`,
/// `θ'(1) = 0` (`θ = T/T_b`, `ξ = x/L`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadiatingFin {
    /// The conduction–radiation parameter N.
    pub n: f64,
    /// Tip temperature over base temperature, θ(1).
    pub theta_tip: f64,
    /// Fin efficiency: heat rejected over that of the fin held at `T_b`,
    /// `η = −θ'(0)/N`.
    pub efficiency: f64,
}

/// Solves the radiating fin (see [`RadiatingFin`]) from its first integral.
///
/// Multiplying `θ'' = Nθ⁴` by `θ'` and integrating from the tip, where
/// `θ' = 0`, gives `θ'² = (2N/5)(θ⁵ − θ_t⁵)`; θ falls from the base, so
/// `θ' = −√((2N/5)(θ⁵ − θ_t⁵))` and the fin length is
///
/// ```text
/// 1 = ∫_{θ_t}^{1} dθ / √((2N/5)(θ⁵ − θ_t⁵)).
/// ```
///
/// The integrand is infinite (integrably) at `θ = θ_t`; the substitution
/// `θ = θ_t + u²` and `θ⁵ − θ_t⁵ = u² P(u²)`,
/// `P(s) = 5θ_t⁴ + 10θ_t³ s + 10θ_t² s² + 5θ_t s³ + s⁴` (the binomial
/// expansion with the zero term removed, so no cancellation), turns it into
/// the smooth integral `∫_0^{√(1−θ_t)} 2 du / √((2N/5) P(u²))`, computed by
/// adaptive Simpson to a relative 1e-13. The integral falls monotonically from +∞ at
/// `θ_t → 0` to 0 at `θ_t → 1`, so `θ_t` is found by bisection, and then
/// `η = −θ'(0)/N = √((2N/5)(1 − θ_t⁵))/N`.
///
/// The efficiency definition follows from the base heat flow
/// `q = −k t W T_b θ'(0)/L` over the ideal `2εσT_b⁴ L W` of a fin at `T_b`
/// throughout. This is an independent reference (quadrature and root finding
/// on the exact first integral, not a discretisation of the ODE). `None`
/// when `n` is not finite and > 0.
pub fn radiating_fin(n: f64) -> Option<RadiatingFin> {
    if !(n.is_finite() && n > 0.0) {
        return None;
    }
    let length = |tt: f64| {
        let c = 2.0 * n / 5.0;
        let integrand = |u: f64| {
            let s = u * u;
            let p = 5.0 * tt.powi(4)
                + 10.0 * tt.powi(3) * s
                + 10.0 * tt * tt * s * s
                + 5.0 * tt * s.powi(3)
                + s.powi(4);
            2.0 / (c * p).sqrt()
        };
        adaptive_simpson(&integrand, 0.0, (1.0 - tt).sqrt(), 1e-13)
    };
    // length(θ_t) − 1 changes sign on (0, 1): huge near 0, → 0 near 1.
    let theta_tip = bisect(|tt| length(tt) - 1.0, 1e-6, 1.0 - 1e-15)?;
    let efficiency = (2.0 * n / 5.0 * (1.0 - theta_tip.powi(5))).sqrt() / n;
    Some(RadiatingFin {
        n,
        theta_tip,
        efficiency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_of_a_square_is_a_quarter() {
        assert!((rectangle_one_hot_edge(0.5, 0.5, 1.0, 1.0) - 0.25).abs() < 1e-15);
        assert!((rectangle_one_hot_edge(1.5, 1.5, 3.0, 3.0) - 0.25).abs() < 1e-15);
        // Near the hot edge the series still converges.
        let near = rectangle_one_hot_edge(0.5, 0.999, 1.0, 1.0);
        assert!(near > 0.99 && near < 1.0, "{near}");
    }

    #[test]
    fn slab_series_is_one_early_and_decays_like_its_first_mode() {
        assert!((slab_sudden_faces_theta(0.5, 1.0, 1e-4) - 1.0).abs() < 1e-12);
        let fo = 0.5;
        let first = 4.0 / PI * (-PI * PI * fo).exp();
        assert!((slab_sudden_faces_theta(0.5, 1.0, fo) - first).abs() < 1e-9 * first);
    }

    /// The semi-discrete solution tends to the exact series as the grid is refined,
    /// and keeps a linear steady profile steady.
    #[test]
    fn semidiscrete_slab_matches_the_series_and_keeps_steady_states() {
        let n = 400;
        let l = 0.1;
        let alpha = 1e-5;
        let init = vec![1.0; n];
        let t = 0.05 * l * l / alpha;
        let zero = HarmonicBoundary::constant(0.0);
        let got = cell_centred_slab_semidiscrete(&init, l, alpha, zero, zero, t);
        for (i, g) in got.iter().enumerate() {
            let x = (i as f64 + 0.5) * l / n as f64;
            let exact = slab_sudden_faces_theta(x, l, 0.05);
            assert!((g - exact).abs() < 1e-4, "cell {i}: {g} vs {exact}");
        }
        let lin: Vec<f64> = (0..20)
            .map(|i| 300.0 + 100.0 * (i as f64 + 0.5) / 20.0)
            .collect();
        let kept = cell_centred_slab_semidiscrete(
            &lin,
            l,
            alpha,
            HarmonicBoundary::constant(300.0),
            HarmonicBoundary::constant(400.0),
            123.0,
        );
        for (a, b) in kept.iter().zip(&lin) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    /// The closed-form periodic part plus the start-up series agrees with the
    /// plain Duhamel series summed to many terms.
    #[test]
    fn harmonic_face_closed_form_matches_the_duhamel_series() {
        let (l, alpha, a, om) = (0.1, 35.0 / (7200.0 * 440.5), 100.0, PI / 40.0);
        for &(x, t) in &[(0.08, 32.0), (0.05, 10.0), (0.02, 70.0)] {
            let closed = slab_harmonic_face_rise_k(x, t, l, alpha, a, om);
            let mut duhamel = a * (om * t).sin() * x / l;
            for n in 1..200_000 {
                let nf = n as f64;
                let mu = alpha * (nf * PI / l).powi(2);
                let c = 2.0 * if n % 2 == 1 { 1.0 } else { -1.0 } / (nf * PI);
                let b = -c * a * om * (mu * (om * t).cos() + om * (om * t).sin())
                    / (mu * mu + om * om)
                    + c * a * om * mu * (-mu * t).exp() / (mu * mu + om * om);
                duhamel += b * (nf * PI * x / l).sin();
            }
            assert!(
                (closed - duhamel).abs() < 1e-6,
                "x={x} t={t}: {closed} vs {duhamel}"
            );
        }
    }

    #[test]
    fn warm_sink_cooling_tends_to_the_zero_sink_result() {
        let (t0, k) = (600.0_f64, 2e-11);
        let t = 400.0_f64;
        let zero = (t.powi(-3) - t0.powi(-3)) / (3.0 * k);
        let warm = lumped_cooling_time_s(t, t0, 1.0, k);
        assert!((warm - zero).abs() < 1e-6 * zero, "{warm} vs {zero}");
        // With T_s = 1 K the leading terms cancel (see the doc comment):
        // ε (T/T_s)³ ≈ 1.4e-8 of t, about 1e-6 K here.
        let back = lumped_cooling_k(warm, t0, 1.0, k).unwrap();
        assert!((back - t).abs() < 1e-5, "{back} vs {t}");
        // Round trip at a warm sink.
        let s = lumped_cooling_time_s(350.0, 600.0, 300.0, k);
        assert!((lumped_cooling_k(s, 600.0, 300.0, k).unwrap() - 350.0).abs() < 1e-9);
        assert!(lumped_cooling_k(1.0, 300.0, 300.0, k).is_none());
    }

    /// Shooting with RK4 on θ'' = Nθ⁴ from the tip (θ(1) = θ_t, θ'(1) = 0)
    /// back to the base must land on θ(0) = 1 with θ'(0) = −ηN.
    #[test]
    fn radiating_fin_agrees_with_rk4_shooting() {
        for &n in &[0.1, 1.0, 5.0] {
            let fin = radiating_fin(n).unwrap();
            let steps = 20_000;
            let h = -1.0 / steps as f64;
            let (mut th, mut dth) = (fin.theta_tip, 0.0);
            let f = |th: f64, dth: f64| (dth, n * th.powi(4));
            for _ in 0..steps {
                let k1 = f(th, dth);
                let k2 = f(th + 0.5 * h * k1.0, dth + 0.5 * h * k1.1);
                let k3 = f(th + 0.5 * h * k2.0, dth + 0.5 * h * k2.1);
                let k4 = f(th + h * k3.0, dth + h * k3.1);
                th += h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
                dth += h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
            }
            assert!((th - 1.0).abs() < 1e-10, "N={n}: θ(0) = {th}");
            assert!((-dth / n - fin.efficiency).abs() < 1e-10, "N={n}");
        }
        // Small N: η ≈ 1 − (4/3)N + … (θ ≈ 1 − N(ξ − ξ²/2)).
        let small = radiating_fin(1e-4).unwrap();
        assert!((small.efficiency - (1.0 - 4.0e-4 / 3.0)).abs() < 1e-7);
        assert!(radiating_fin(0.0).is_none());
    }

    #[test]
    fn t2_root_balances_conduction_and_radiation() {
        let s = 5.67e-8;
        let t = nafems_t2_end_temperature_k(55.6, 0.1, 0.98, s, 1000.0, 300.0).unwrap();
        let f = 55.6 * (1000.0 - t) / 0.1 - 0.98 * s * (t.powi(4) - 300f64.powi(4));
        assert!(f.abs() < 1e-6);
        assert!((t - 927.0).abs() < 0.5, "{t}");
    }

    #[test]
    fn t4_series_satisfies_its_boundary_conditions() {
        let th = |x, y| nafems_t4_theta(x, y, 0.6, 1.0, 52.0, 750.0, 100.0).unwrap();
        // Convection at x = a: −k ∂θ/∂x = h θ.
        let (a, y, d) = (0.6, 0.4, 1e-5);
        // One-sided, second order: (3f(a) − 4f(a−d) + f(a−2d)) / (2d).
        let dtdx = (3.0 * th(a, y) - 4.0 * th(a - d, y) + th(a - 2.0 * d, y)) / (2.0 * d);
        assert!((-52.0 * dtdx - 750.0 * th(a, y)).abs() < 1e-3 * 750.0 * th(a, y));
        // Near y = 0 the series approaches the held value 100.
        assert!((th(0.3, 1e-4) - 100.0).abs() < 0.1);
    }
}
