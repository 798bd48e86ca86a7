//! Fully developed single-phase flow in a round tube: friction factor, Nusselt number, film
//! coefficient, Darcy–Weisbach pressure drop and pump power.
//!
//! [`pipe_flow`] takes a fluid's properties (from [`super::fluid::Coolant::properties_at`]),
//! a mass flow and a [`Pipe`] and returns a [`PipeFlow`]. The pieces are public for loops
//! that need them alone:
//!
//! | Re | Darcy friction factor f | Nusselt number Nu |
//! |---|---|---|
//! | < 2300 | 64/Re | 48/11 = 4.364 (uniform heat flux) |
//! | 2300–4000 | linear in Re from 64/2300 to Colebrook–White at 4000 | linear in Re … |
//! | 4000–10⁴ | Colebrook–White | … from 4.364 at 2300 to Gnielinski at 10⁴ |
//! | ≥ 10⁴ | Colebrook–White | Gnielinski with the Colebrook–White f |
//!
//! Both are continuous in Re everywhere. Properties are taken at one reference temperature
//! (no wall-to-bulk viscosity correction) and the flow is fully developed (no entrance
//! effects, which raise both f and Nu in a short tube: the values here are the lower,
//! conservative ones for heat transfer).

use std::f64::consts::{LN_10, PI};

use super::fluid::{positive, FluidProperties};
use crate::error::ComponentError;

/// Reynolds number below which pipe flow is laminar: 2300 (Incropera et al., *Fundamentals
/// of Heat and Mass Transfer*, 7th ed., eq. 8.3).
pub const LAMINAR_LIMIT_REYNOLDS: f64 = 2300.0;

/// Reynolds number from which the friction factor is Colebrook–White's: 4000, the upper end
/// of the Moody chart's critical zone (Moody, Trans. ASME 66, 671, 1944; Colebrook's formula
/// is stated for Re ≥ 4000). Between 2300 and 4000 f is blended linearly in Re.
pub const FRICTION_TURBULENT_REYNOLDS: f64 = 4000.0;

/// Reynolds number from which Gnielinski's correlation gives Nu: 10⁴. Gnielinski (Int. J.
/// Heat Mass Transfer 63, 134–140, 2013; VDI Heat Atlas, 2nd ed., ch. G1 §4.2) recommends
/// interpolating linearly in Re between the laminar value at 2300 and the turbulent value at
/// 10⁴, because his 1976 correlation over-predicts in the intermittent range.
pub const NUSSELT_TURBULENT_REYNOLDS: f64 = 1.0e4;

/// Fully developed laminar Nusselt number in a round tube with uniform wall heat flux:
/// 48/11 = 4.364 (Incropera et al., 7th ed., eq. 8.53).
///
/// Used for radiator and cold-plate tubes: heat leaves (or enters) the coolant through a
/// fixed conductance to a fin or plate whose own temperature follows the coolant, so over a
/// tube element the heat flux changes little along the wall while the wall temperature
/// follows the falling coolant temperature — the uniform-flux condition, not the
/// isothermal wall of [`LAMINAR_NUSSELT_UNIFORM_WALL_TEMPERATURE`]; the two differ by 16 %.
/// Heating that is not uniform around the perimeter (a tube bonded to a fin along two lines)
/// lowers Nu further; that is not modelled.
pub const LAMINAR_NUSSELT_UNIFORM_HEAT_FLUX: f64 = 48.0 / 11.0;

/// Fully developed laminar Nusselt number with a uniform wall temperature: 3.66
/// (Incropera et al., 7th ed., eq. 8.55), for a wall held isothermal (a condensing or
/// boiling other side). Not used by [`nusselt_number`]; given for comparison.
pub const LAMINAR_NUSSELT_UNIFORM_WALL_TEMPERATURE: f64 = 3.66;

/// Largest relative roughness ε/D accepted: 0.05, the top of the Moody chart (Moody 1944),
/// beyond which Colebrook's formula has no data behind it.
pub const MAX_RELATIVE_ROUGHNESS: f64 = 0.05;

/// Flow regime of a [`PipeFlow`], by Reynolds number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowRegime {
    /// Re < 2300: f = 64/Re, Nu = 4.364.
    Laminar,
    /// 2300 ≤ Re < 10⁴: at least one of f and Nu is blended between its laminar and
    /// turbulent values (f up to 4000, Nu up to 10⁴).
    Transitional,
    /// Re ≥ 10⁴: Colebrook–White and Gnielinski.
    Turbulent,
}

impl FlowRegime {
    /// The regime at Reynolds number `reynolds`.
    pub fn of(reynolds: f64) -> Self {
        if reynolds < LAMINAR_LIMIT_REYNOLDS {
            FlowRegime::Laminar
        } else if reynolds < NUSSELT_TURBULENT_REYNOLDS {
            FlowRegime::Transitional
        } else {
            FlowRegime::Turbulent
        }
    }
}

/// A straight round tube.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pipe {
    /// Inner (wetted) diameter D (m).
    pub inner_diameter_m: f64,
    /// Length L (m).
    pub length_m: f64,
    /// Absolute wall roughness ε (m); 0 for a hydraulically smooth tube (drawn tubing is
    /// about 1.5e-6 m).
    pub roughness_m: f64,
}

/// Fully developed flow of a fluid through a [`Pipe`] at one mass flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PipeFlow {
    /// Reynolds number `Re = ρ V D / μ = 4 ṁ / (π D μ)`.
    pub reynolds: f64,
    /// Prandtl number `c_p μ / k`.
    pub prandtl: f64,
    /// Regime by Reynolds number.
    pub regime: FlowRegime,
    /// Mean velocity `V = ṁ / (ρ π D²/4)` (m/s).
    pub velocity_m_s: f64,
    /// Darcy friction factor ([`darcy_friction_factor`]).
    pub darcy_friction_factor: f64,
    /// Nusselt number `h D / k` ([`nusselt_number`]).
    pub nusselt: f64,
    /// Film coefficient `h = Nu k / D` (W/(m²·K)).
    pub film_coefficient_w_m2_k: f64,
    /// Frictional pressure drop over the length, Darcy–Weisbach `Δp = f (L/D) ρ V²/2` (Pa).
    pub pressure_drop_pa: f64,
}

/// Darcy friction factor of the Colebrook–White equation (Colebrook, J. Inst. Civil Eng.
/// 11, 133, 1939; White, *Fluid Mechanics*, 4th ed., eq. 6.64),
///
/// `1/√f = −2 log₁₀( (ε/D)/3.7 + 2.51/(Re √f) )`,
///
/// solved to round-off: Newton's method on `x = 1/√f`, started from Haaland's explicit
/// approximation (J. Fluids Eng. 105, 89, 1983; within about 2 % in f), converges in at most
/// four steps for 2300 ≤ Re ≤ 10⁸ and 0 ≤ ε/D ≤ 0.05 (the residual is checked in
/// `validation/loop-01-darcy-weisbach.toml`). With ε = 0 it is Prandtl's smooth-pipe law.
///
/// Meant for Re ≥ 2300 (the turbulent branch of [`darcy_friction_factor`] uses it from 4000);
/// returns NaN for a non-positive or non-finite Re or a negative or non-finite ε/D.
pub fn colebrook_white_friction_factor(reynolds: f64, relative_roughness: f64) -> f64 {
    if !(reynolds.is_finite()
        && reynolds > 0.0
        && relative_roughness.is_finite()
        && relative_roughness >= 0.0)
    {
        return f64::NAN;
    }
    let a = relative_roughness / 3.7;
    let b = 2.51 / reynolds;
    // Haaland: 1/√f ≈ −1.8 log₁₀[((ε/D)/3.7)^1.11 + 6.9/Re].
    let haaland = -1.8 * (a.powf(1.11) + 6.9 / reynolds).log10();
    let mut x = if haaland.is_finite() && haaland > 0.0 {
        haaland
    } else {
        1.0
    };
    // g(x) = x + 2 log₁₀(a + b x) is increasing and concave, so Newton converges
    // monotonically once an iterate lies left of the root.
    for _ in 0..50 {
        let arg = a + b * x;
        let g = x + 2.0 * arg.log10();
        let slope = 1.0 + 2.0 * b / (arg * LN_10);
        let step = g / slope;
        if !step.is_finite() {
            return f64::NAN;
        }
        x -= step;
        if step.abs() <= 4.0 * f64::EPSILON * x.abs() {
            break;
        }
    }
    1.0 / (x * x)
}

/// Darcy friction factor of fully developed flow in a round tube, continuous in Re:
///
/// * Re < 2300: `f = 64/Re` (Hagen–Poiseuille; Incropera et al., 7th ed., eq. 8.19);
/// * 2300 ≤ Re < 4000: linear in Re from `64/2300` to the Colebrook–White value at 4000 —
///   intermittent flow has no correlation of its own, and the blend keeps `f Re²` (so the
///   pressure drop at a given tube and fluid) increasing with flow, which a loop solver needs;
/// * Re ≥ 4000: [`colebrook_white_friction_factor`].
///
/// `relative_roughness` is ε/D. Returns NaN unless Re > 0 and ε/D ≥ 0, both finite.
pub fn darcy_friction_factor(reynolds: f64, relative_roughness: f64) -> f64 {
    if !(reynolds.is_finite()
        && reynolds > 0.0
        && relative_roughness.is_finite()
        && relative_roughness >= 0.0)
    {
        return f64::NAN;
    }
    if reynolds < LAMINAR_LIMIT_REYNOLDS {
        64.0 / reynolds
    } else if reynolds < FRICTION_TURBULENT_REYNOLDS {
        let laminar = 64.0 / LAMINAR_LIMIT_REYNOLDS;
        let turbulent =
            colebrook_white_friction_factor(FRICTION_TURBULENT_REYNOLDS, relative_roughness);
        let w = (reynolds - LAMINAR_LIMIT_REYNOLDS)
            / (FRICTION_TURBULENT_REYNOLDS - LAMINAR_LIMIT_REYNOLDS);
        laminar + w * (turbulent - laminar)
    } else {
        colebrook_white_friction_factor(reynolds, relative_roughness)
    }
}

/// Gnielinski's correlation for turbulent flow in a tube (Gnielinski, Int. Chem. Eng. 16,
/// 359, 1976; Incropera et al., 7th ed., eq. 8.62),
///
/// `Nu = (f/8)(Re − 1000) Pr / (1 + 12.7 √(f/8) (Pr^{2/3} − 1))`,
///
/// with the Darcy friction factor `f` of the same flow. Incropera states it for
/// 3000 ≤ Re ≤ 5×10⁶ and 0.5 ≤ Pr ≤ 2000; [`nusselt_number`] uses it from Re = 10⁴ (see
/// [`NUSSELT_TURBULENT_REYNOLDS`]). With the rough-tube f it carries roughness into Nu, as
/// Incropera applies it; the analogy over-states the gain for very rough tubes.
pub fn gnielinski_nusselt(reynolds: f64, prandtl: f64, darcy_friction_factor: f64) -> f64 {
    let f8 = darcy_friction_factor / 8.0;
    f8 * (reynolds - 1000.0) * prandtl / (1.0 + 12.7 * f8.sqrt() * (prandtl.powf(2.0 / 3.0) - 1.0))
}

/// Nusselt number `h D / k` of fully developed flow in a round tube, continuous in Re:
///
/// * Re < 2300: [`LAMINAR_NUSSELT_UNIFORM_HEAT_FLUX`] = 4.364;
/// * 2300 ≤ Re < 10⁴: `(1 − γ) 4.364 + γ Nu_G(10⁴)`, `γ = (Re − 2300)/(10⁴ − 2300)`
///   (Gnielinski 2013's interpolation, with the uniform-flux laminar value);
/// * Re ≥ 10⁴: [`gnielinski_nusselt`] with the [`colebrook_white_friction_factor`] of the
///   tube.
///
/// `relative_roughness` (ε/D) enters through f. Gnielinski's Pr range is 0.5–2000; below 0.5
/// (liquid metals) the result is not meaningful and [`pipe_flow`] refuses it.
pub fn nusselt_number(reynolds: f64, prandtl: f64, relative_roughness: f64) -> f64 {
    if !(reynolds.is_finite()
        && reynolds > 0.0
        && prandtl.is_finite()
        && prandtl > 0.0
        && relative_roughness.is_finite()
        && relative_roughness >= 0.0)
    {
        return f64::NAN;
    }
    if reynolds < LAMINAR_LIMIT_REYNOLDS {
        LAMINAR_NUSSELT_UNIFORM_HEAT_FLUX
    } else if reynolds < NUSSELT_TURBULENT_REYNOLDS {
        let at_turbulent = gnielinski_nusselt(
            NUSSELT_TURBULENT_REYNOLDS,
            prandtl,
            colebrook_white_friction_factor(NUSSELT_TURBULENT_REYNOLDS, relative_roughness),
        );
        let gamma = (reynolds - LAMINAR_LIMIT_REYNOLDS)
            / (NUSSELT_TURBULENT_REYNOLDS - LAMINAR_LIMIT_REYNOLDS);
        (1.0 - gamma) * LAMINAR_NUSSELT_UNIFORM_HEAT_FLUX + gamma * at_turbulent
    } else {
        gnielinski_nusselt(
            reynolds,
            prandtl,
            colebrook_white_friction_factor(reynolds, relative_roughness),
        )
    }
}

/// Lowest Prandtl number for which [`pipe_flow`] gives a transitional or turbulent Nu: 0.5,
/// the bottom of Gnielinski's range (Incropera et al., 7th ed., eq. 8.62).
pub const MIN_TURBULENT_PRANDTL: f64 = 0.5;

/// Fully developed flow of `fluid` at `mass_flow_kg_s` through `pipe`.
///
/// `V = ṁ/(ρ π D²/4)`, `Re = 4ṁ/(π D μ)`, f from [`darcy_friction_factor`], Nu from
/// [`nusselt_number`], `h = Nu k / D`, and the Darcy–Weisbach pressure drop
/// `Δp = f (L/D) ρ V²/2` (Incropera et al., 7th ed., eq. 8.22a; White, *Fluid Mechanics*,
/// 4th ed., eq. 6.9 in head form `h_f = f (L/d) V²/2g`).
///
/// Errors ([`ComponentError::InvalidValue`], naming the quantity and its range): any
/// property, the mass flow, the diameter or the length not finite and positive; roughness
/// negative, not finite or above [`MAX_RELATIVE_ROUGHNESS`] × D; Pr below
/// [`MIN_TURBULENT_PRANDTL`] when Re ≥ 2300. [`ComponentError::Inconsistent`] if the result
/// overflows (absurdly large inputs).
pub fn pipe_flow(
    fluid: &FluidProperties,
    mass_flow_kg_s: f64,
    pipe: &Pipe,
) -> Result<PipeFlow, ComponentError> {
    const COMPONENT: &str = "pipe flow";
    fluid.check(COMPONENT)?;
    positive(COMPONENT, "mass_flow_kg_s", mass_flow_kg_s)?;
    positive(COMPONENT, "inner_diameter_m", pipe.inner_diameter_m)?;
    positive(COMPONENT, "length_m", pipe.length_m)?;
    let d = pipe.inner_diameter_m;
    let relative_roughness = pipe.roughness_m / d;
    if !(pipe.roughness_m.is_finite()
        && pipe.roughness_m >= 0.0
        && pipe.roughness_m <= MAX_RELATIVE_ROUGHNESS * d)
    {
        return Err(ComponentError::InvalidValue {
            component: COMPONENT.into(),
            quantity: "roughness_m",
            value: pipe.roughness_m,
            allowed: format!(
                "finite, >= 0 and <= {MAX_RELATIVE_ROUGHNESS} x inner_diameter_m = {} m \
                 (the Moody chart's range)",
                MAX_RELATIVE_ROUGHNESS * d
            ),
        });
    }
    let area_m2 = PI * d * d / 4.0;
    let velocity_m_s = mass_flow_kg_s / (fluid.density_kg_m3 * area_m2);
    let reynolds = fluid.density_kg_m3 * velocity_m_s * d / fluid.viscosity_pa_s;
    let prandtl = fluid.prandtl();
    if reynolds >= LAMINAR_LIMIT_REYNOLDS && prandtl < MIN_TURBULENT_PRANDTL {
        return Err(ComponentError::InvalidValue {
            component: COMPONENT.into(),
            quantity: "prandtl (c_p mu / k)",
            value: prandtl,
            allowed: format!(
                ">= {MIN_TURBULENT_PRANDTL} when Re >= {LAMINAR_LIMIT_REYNOLDS} (here Re = \
                 {reynolds:.4e}): Gnielinski's range; liquid metals need their own correlation"
            ),
        });
    }
    let f = darcy_friction_factor(reynolds, relative_roughness);
    let nusselt = nusselt_number(reynolds, prandtl, relative_roughness);
    let film_coefficient_w_m2_k = nusselt * fluid.conductivity_w_m_k / d;
    let pressure_drop_pa =
        f * (pipe.length_m / d) * fluid.density_kg_m3 * velocity_m_s * velocity_m_s / 2.0;
    let flow = PipeFlow {
        reynolds,
        prandtl,
        regime: FlowRegime::of(reynolds),
        velocity_m_s,
        darcy_friction_factor: f,
        nusselt,
        film_coefficient_w_m2_k,
        pressure_drop_pa,
    };
    let all_finite = [
        reynolds,
        prandtl,
        velocity_m_s,
        f,
        nusselt,
        film_coefficient_w_m2_k,
        pressure_drop_pa,
    ]
    .iter()
    .all(|v| v.is_finite());
    if !all_finite {
        return Err(ComponentError::Inconsistent {
            component: COMPONENT.into(),
            reason: format!(
                "the flow overflows (Re = {reynolds:e}, dp = {pressure_drop_pa:e} Pa); check \
                 the units of the mass flow, diameter and properties"
            ),
        });
    }
    Ok(flow)
}

/// Shaft power a pump needs to push `volumetric_flow_m3_s` against `pressure_drop_pa`:
/// `P = Δp V̇ / η`, the hydraulic power `Δp V̇` (flow work per unit time) over the pump's
/// overall efficiency η.
///
/// Δp and V̇ must be finite and ≥ 0 (a zero gives zero power); η must lie in (0, 1].
pub fn pump_power_w(
    pressure_drop_pa: f64,
    volumetric_flow_m3_s: f64,
    pump_efficiency: f64,
) -> Result<f64, ComponentError> {
    const COMPONENT: &str = "pump";
    let non_negative = |quantity: &'static str, value: f64| {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(ComponentError::InvalidValue {
                component: COMPONENT.into(),
                quantity,
                value,
                allowed: "finite, >= 0".into(),
            })
        }
    };
    non_negative("pressure_drop_pa", pressure_drop_pa)?;
    non_negative("volumetric_flow_m3_s", volumetric_flow_m3_s)?;
    if !(pump_efficiency > 0.0 && pump_efficiency <= 1.0) {
        return Err(ComponentError::InvalidValue {
            component: COMPONENT.into(),
            quantity: "pump_efficiency",
            value: pump_efficiency,
            allowed: "in (0, 1]".into(),
        });
    }
    Ok(pressure_drop_pa * volumetric_flow_m3_s / pump_efficiency)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUGHNESS: [f64; 6] = [0.0, 1e-6, 1e-4, 1e-3, 1e-2, 0.05];

    fn water() -> FluidProperties {
        FluidProperties {
            density_kg_m3: 996.5,
            specific_heat_j_kg_k: 4181.0,
            viscosity_pa_s: 8.54e-4,
            conductivity_w_m_k: 0.609,
        }
    }

    fn tube() -> Pipe {
        Pipe {
            inner_diameter_m: 0.006,
            length_m: 3.0,
            roughness_m: 1.5e-6,
        }
    }

    /// Log-spaced Reynolds numbers from `lo` to `hi`.
    fn sweep(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
        (0..=n).map(move |i| lo * (hi / lo).powf(i as f64 / n as f64))
    }

    #[test]
    fn laminar_friction_factor_is_64_over_re_exactly() {
        for re in [0.01, 1.0, 100.0, 1999.0, 2299.999] {
            for rr in ROUGHNESS {
                assert_eq!(darcy_friction_factor(re, rr), 64.0 / re);
                assert_eq!(nusselt_number(re, 7.0, rr), 48.0 / 11.0);
            }
        }
    }

    #[test]
    fn colebrook_white_satisfies_its_equation_to_round_off() {
        for rr in ROUGHNESS {
            for re in sweep(2300.0, 1e8, 60) {
                let f = colebrook_white_friction_factor(re, rr);
                let x = 1.0 / f.sqrt();
                let residual = x + 2.0 * (rr / 3.7 + 2.51 / (re * f.sqrt())).log10();
                assert!(residual.abs() <= 1e-14 * x, "Re {re}, e/D {rr}: {residual}");
            }
        }
    }

    #[test]
    fn friction_factor_and_nusselt_are_continuous_at_the_regime_boundaries() {
        for rr in ROUGHNESS {
            for b in [
                LAMINAR_LIMIT_REYNOLDS,
                FRICTION_TURBULENT_REYNOLDS,
                NUSSELT_TURBULENT_REYNOLDS,
            ] {
                let below = b * (1.0 - 1e-10);
                let f = |re| darcy_friction_factor(re, rr);
                let nu = |re| nusselt_number(re, 5.0, rr);
                assert!((f(b) / f(below) - 1.0).abs() < 1e-8, "f at {b}, e/D {rr}");
                assert!(
                    (nu(b) / nu(below) - 1.0).abs() < 1e-8,
                    "Nu at {b}, e/D {rr}"
                );
            }
        }
    }

    #[test]
    fn friction_factor_falls_with_re_except_in_the_transition_where_it_rises() {
        for rr in ROUGHNESS {
            let f = |re| darcy_friction_factor(re, rr);
            let pairs = |lo, hi| {
                sweep(lo, hi, 200)
                    .collect::<Vec<_>>()
                    .windows(2)
                    .map(|w| (f(w[0]), f(w[1])))
                    .collect::<Vec<_>>()
            };
            assert!(pairs(1.0, 2299.0).iter().all(|(a, b)| b < a));
            assert!(pairs(2300.0, 4000.0).iter().all(|(a, b)| b > a), "e/D {rr}");
            assert!(pairs(4000.0, 1e8).iter().all(|(a, b)| b <= a), "e/D {rr}");
        }
    }

    #[test]
    fn pressure_drop_and_nusselt_rise_with_flow_in_every_regime() {
        // Δp ∝ f Re² at fixed tube and fluid: a loop solver needs it increasing.
        for rr in ROUGHNESS {
            let res: Vec<f64> = sweep(10.0, 1e7, 2000).collect();
            for w in res.windows(2) {
                let dp = |re: f64| darcy_friction_factor(re, rr) * re * re;
                assert!(dp(w[1]) > dp(w[0]), "e/D {rr} at Re {}", w[0]);
                for pr in [0.7, 7.0, 200.0] {
                    let nu = |re| nusselt_number(re, pr, rr);
                    assert!(nu(w[1]) >= nu(w[0]), "Pr {pr}, e/D {rr} at Re {}", w[0]);
                }
            }
        }
    }

    #[test]
    fn roughness_never_lowers_the_friction_factor() {
        for re in sweep(2300.0, 1e8, 100) {
            for w in ROUGHNESS.windows(2) {
                assert!(darcy_friction_factor(re, w[1]) >= darcy_friction_factor(re, w[0]));
            }
        }
    }

    #[test]
    fn invalid_correlation_inputs_give_nan() {
        for (re, rr) in [
            (0.0, 0.0),
            (-1.0, 0.0),
            (f64::NAN, 0.0),
            (1e4, -1e-3),
            (1e4, f64::NAN),
        ] {
            assert!(darcy_friction_factor(re, rr).is_nan());
            assert!(colebrook_white_friction_factor(re, rr).is_nan());
            assert!(nusselt_number(re, 7.0, rr).is_nan());
        }
        assert!(nusselt_number(1e4, 0.0, 0.0).is_nan());
    }

    #[test]
    fn pipe_flow_is_consistent_with_its_definitions() {
        let (fluid, pipe) = (water(), tube());
        for mass_flow in [1e-4, 5e-3, 0.02, 0.2] {
            let flow = pipe_flow(&fluid, mass_flow, &pipe).unwrap();
            let d = pipe.inner_diameter_m;
            let re = 4.0 * mass_flow / (PI * d * fluid.viscosity_pa_s);
            assert!((flow.reynolds / re - 1.0).abs() < 1e-14);
            assert_eq!(flow.regime, FlowRegime::of(flow.reynolds));
            assert_eq!(flow.prandtl, fluid.prandtl());
            let rr = pipe.roughness_m / d;
            assert_eq!(
                flow.darcy_friction_factor,
                darcy_friction_factor(flow.reynolds, rr)
            );
            assert_eq!(
                flow.nusselt,
                nusselt_number(flow.reynolds, flow.prandtl, rr)
            );
            assert!(
                (flow.film_coefficient_w_m2_k * d / fluid.conductivity_w_m_k / flow.nusselt - 1.0)
                    .abs()
                    < 1e-14
            );
            let v = mass_flow / (fluid.density_kg_m3 * PI * d * d / 4.0);
            let dp =
                flow.darcy_friction_factor * pipe.length_m / d * fluid.density_kg_m3 * v * v / 2.0;
            assert!((flow.pressure_drop_pa / dp - 1.0).abs() < 1e-14);
        }
        let laminar = pipe_flow(&fluid, 1e-4, &pipe).unwrap();
        assert_eq!(laminar.regime, FlowRegime::Laminar);
        let turbulent = pipe_flow(&fluid, 0.2, &pipe).unwrap();
        assert_eq!(turbulent.regime, FlowRegime::Turbulent);
    }

    #[test]
    fn pipe_flow_rejects_each_bad_input_by_name() {
        let (fluid, pipe) = (water(), tube());
        let quantity = |r: Result<PipeFlow, ComponentError>| match r {
            Err(ComponentError::InvalidValue { quantity, .. }) => quantity,
            other => panic!("{other:?}"),
        };
        for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(quantity(pipe_flow(&fluid, m, &pipe)), "mass_flow_kg_s");
        }
        let with = |p: Pipe| pipe_flow(&fluid, 0.01, &p);
        for d in [0.0, -0.01, f64::NAN] {
            let p = Pipe {
                inner_diameter_m: d,
                ..pipe
            };
            assert_eq!(quantity(with(p)), "inner_diameter_m");
        }
        for l in [0.0, f64::INFINITY] {
            let p = Pipe {
                length_m: l,
                ..pipe
            };
            assert_eq!(quantity(with(p)), "length_m");
        }
        for e in [-1e-6, f64::NAN, 0.051 * pipe.inner_diameter_m] {
            let p = Pipe {
                roughness_m: e,
                ..pipe
            };
            assert_eq!(quantity(with(p)), "roughness_m");
        }
        let thin = FluidProperties {
            viscosity_pa_s: -1.0,
            ..fluid
        };
        assert_eq!(quantity(pipe_flow(&thin, 0.01, &pipe)), "viscosity_pa_s");
        // A liquid metal (Pr ≈ 0.01) in turbulent flow is outside Gnielinski's range.
        let nak = FluidProperties {
            density_kg_m3: 850.0,
            specific_heat_j_kg_k: 900.0,
            viscosity_pa_s: 5e-4,
            conductivity_w_m_k: 25.0,
        };
        assert_eq!(
            quantity(pipe_flow(&nak, 0.1, &pipe)),
            "prandtl (c_p mu / k)"
        );
        assert!(
            pipe_flow(&nak, 1e-5, &pipe).is_ok(),
            "laminar flow is fine at any Pr"
        );
        let huge = pipe_flow(&fluid, 1e300, &pipe);
        assert!(
            matches!(huge, Err(ComponentError::Inconsistent { .. })),
            "{huge:?}"
        );
    }

    #[test]
    fn pump_power_is_hydraulic_power_over_efficiency() {
        assert_eq!(pump_power_w(2.0e4, 1.0e-3, 0.5).unwrap(), 40.0);
        assert_eq!(pump_power_w(0.0, 1.0e-3, 1.0).unwrap(), 0.0);
        let quantity = |r: Result<f64, ComponentError>| match r {
            Err(ComponentError::InvalidValue { quantity, .. }) => quantity,
            other => panic!("{other:?}"),
        };
        for eta in [0.0, -0.5, 1.01, f64::NAN] {
            assert_eq!(quantity(pump_power_w(1.0, 1.0, eta)), "pump_efficiency");
        }
        assert_eq!(quantity(pump_power_w(-1.0, 1.0, 0.5)), "pressure_drop_pa");
        assert_eq!(
            quantity(pump_power_w(1.0, f64::NAN, 0.5)),
            "volumetric_flow_m3_s"
        );
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn prop_friction_factor_and_nusselt_are_finite_and_positive(
                log_re in -2.0..8.5_f64,
                log_pr in (0.5_f64).log10()..(2000.0_f64).log10(),
                rr in prop_oneof![Just(0.0), 0.0..=MAX_RELATIVE_ROUGHNESS],
            ) {
                let (re, pr) = (10f64.powf(log_re), 10f64.powf(log_pr));
                let f = darcy_friction_factor(re, rr);
                let nu = nusselt_number(re, pr, rr);
                prop_assert!(f.is_finite() && f > 0.0, "f = {f} at Re {re}, e/D {rr}");
                prop_assert!(nu.is_finite() && nu > 0.0, "Nu = {nu} at Re {re}, Pr {pr}, e/D {rr}");
            }

            #[test]
            fn prop_pipe_flow_is_finite_for_valid_inputs(
                log_mass_flow in -6.0..1.0_f64,
                diameter in 1e-3..0.1_f64,
                length in 0.01..100.0_f64,
                rr in 0.0..=MAX_RELATIVE_ROUGHNESS,
                log_mu in -4.0..0.0_f64,
            ) {
                let fluid = FluidProperties {
                    density_kg_m3: 1000.0,
                    specific_heat_j_kg_k: 4000.0,
                    viscosity_pa_s: 10f64.powf(log_mu),
                    conductivity_w_m_k: 0.5,
                };
                let pipe = Pipe { inner_diameter_m: diameter, length_m: length, roughness_m: rr * diameter };
                let flow = pipe_flow(&fluid, 10f64.powf(log_mass_flow), &pipe).unwrap();
                prop_assert!(flow.pressure_drop_pa > 0.0 && flow.film_coefficient_w_m2_k > 0.0);
            }
        }
    }
}
