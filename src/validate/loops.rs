//! Validation runners for pumped-loop fluid physics (`loop-*` cases): pipe pressure drop,
//! friction factor and Nusselt number (`components::hydraulics`).
//!
//! References are a published textbook example (its inputs and printed answers come in the
//! case's parameters), closed forms (Hagen–Poiseuille) and independent published formulas
//! (Petukhov's explicit smooth-pipe friction factor, the Gnielinski equation as printed),
//! each evaluated here without the library.

use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::components::fluid::FluidProperties;
use crate::components::hydraulics::{
    colebrook_white_friction_factor, darcy_friction_factor, gnielinski_nusselt, nusselt_number,
    pipe_flow, Pipe, FRICTION_TURBULENT_REYNOLDS, LAMINAR_LIMIT_REYNOLDS,
    NUSSELT_TURBULENT_REYNOLDS,
};
use crate::error::{Error, InputError};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("darcy_weisbach", darcy_weisbach),
    ("iss_radiator_wing", iss_radiator_wing),
];

/// Feet to metres (exact, international foot).
const FT_M: f64 = 0.3048;

fn bad(case: &ValidationCase, key: &str, reason: &str) -> InputError {
    InputError::Inconsistent {
        file: case.file.clone(),
        key: key.into(),
        reason: reason.into(),
    }
}

/// Pressure drop, friction factor and Nusselt number of `hydraulics` against:
///
/// 1. White, *Fluid Mechanics*, 4th ed., Example 6.8 (parameters `white_*`): the head loss
///    of a pipe is given and the velocity is sought. The runner finds the mass flow at which
///    `pipe_flow`'s Darcy–Weisbach pressure drop equals `ρ g h_f` (bisection; ρ cancels) and
///    reports V, Re and f against the book's answers.
/// 2. The Colebrook–White residual `|1/√f + 2 log₁₀(ε/3.7D + 2.51/(Re√f))| / (1/√f)` of
///    [`colebrook_white_friction_factor`] over a grid of Re (`residual_reynolds`) and ε/D
///    (`residual_relative_roughness`).
/// 3. Laminar flow: `pipe_flow`'s pressure drop against Hagen–Poiseuille
///    `Δp = 128 μ L V̇ / (π D⁴)` at `laminar_reynolds`.
/// 4. The smooth-pipe friction factor against Petukhov's explicit fit
///    `f = (0.790 ln Re − 1.64)^−2` (Incropera et al., 7th ed., eq. 8.21) over
///    `petukhov_reynolds_range` (log-spaced, 1000 points).
/// 5. The laminar Nusselt number against Incropera's 4.36 (eq. 8.53), and
///    [`gnielinski_nusselt`] against eq. 8.62 evaluated here at `gnielinski_reynolds`,
///    `gnielinski_prandtl` with Petukhov's f.
/// 6. The largest jump of f and Nu across the regime boundaries 2300, 4000 and 10⁴
///    (relative change over a relative step of 1e-9 in Re).
fn darcy_weisbach(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let mut out = white_example(case)?;

    // 2. Colebrook–White residual.
    let mut worst_residual: f64 = 0.0;
    for re in case.f64_list_param("residual_reynolds")? {
        for rr in case.f64_list_param("residual_relative_roughness")? {
            let f = colebrook_white_friction_factor(re, rr);
            let x = 1.0 / f.sqrt();
            let residual = (x + 2.0 * (rr / 3.7 + 2.51 / (re * f.sqrt())).log10()).abs() / x;
            worst_residual = worst_residual.max(if residual.is_finite() {
                residual
            } else {
                f64::INFINITY
            });
        }
    }
    out.push(Measurement::new(
        "max Colebrook-White residual / (1/sqrt f)",
        worst_residual,
        0.0,
    ));

    // 3. Hagen–Poiseuille.
    let water = FluidProperties {
        density_kg_m3: 998.0,
        specific_heat_j_kg_k: 4182.0,
        viscosity_pa_s: 1.0e-3,
        conductivity_w_m_k: 0.6,
    };
    let pipe = Pipe {
        inner_diameter_m: 0.004,
        length_m: 2.0,
        roughness_m: 1.5e-6,
    };
    let mut worst_laminar: f64 = 0.0;
    for re in case.f64_list_param("laminar_reynolds")? {
        if !(re > 0.0 && re < LAMINAR_LIMIT_REYNOLDS) {
            return Err(bad(
                case,
                "parameters.laminar_reynolds",
                "each must be in (0, 2300)",
            )
            .into());
        }
        let mass_flow =
            re * std::f64::consts::PI * pipe.inner_diameter_m * water.viscosity_pa_s / 4.0;
        let flow = pipe_flow(&water, mass_flow, &pipe)?;
        let q = mass_flow / water.density_kg_m3;
        let hagen_poiseuille = 128.0 * water.viscosity_pa_s * pipe.length_m * q
            / (std::f64::consts::PI * pipe.inner_diameter_m.powi(4));
        worst_laminar = worst_laminar.max((flow.pressure_drop_pa / hagen_poiseuille - 1.0).abs());
    }
    out.push(Measurement::new(
        "max |dp / dp_Hagen-Poiseuille - 1|, laminar",
        worst_laminar,
        0.0,
    ));

    // 4. Petukhov.
    let range = case.f64_list_param("petukhov_reynolds_range")?;
    let [lo, hi] = range[..] else {
        return Err(bad(
            case,
            "parameters.petukhov_reynolds_range",
            "give [lowest, highest]",
        )
        .into());
    };
    let petukhov = |re: f64| (0.790 * re.ln() - 1.64).powi(-2);
    let n = 1000;
    let worst_petukhov = (0..=n)
        .map(|i| lo * (hi / lo).powf(i as f64 / n as f64))
        .map(|re| (colebrook_white_friction_factor(re, 0.0) / petukhov(re) - 1.0).abs())
        .fold(0.0, f64::max);
    out.push(Measurement::new(
        "max |f_Colebrook(smooth) / f_Petukhov - 1|",
        worst_petukhov,
        0.0,
    ));

    // 5. Nusselt numbers.
    out.push(Measurement::new(
        "laminar Nu, uniform heat flux",
        nusselt_number(1000.0, 7.0, 0.0),
        case.f64_param("incropera_laminar_nusselt")?,
    ));
    let (re, pr) = (
        case.f64_param("gnielinski_reynolds")?,
        case.f64_param("gnielinski_prandtl")?,
    );
    let f = petukhov(re);
    let eq_8_62 = (f / 8.0) * (re - 1000.0) * pr
        / (1.0 + 12.7 * (f / 8.0).sqrt() * (pr.powf(2.0 / 3.0) - 1.0));
    out.push(Measurement::new(
        "Gnielinski Nu (Petukhov f), Incropera eq. 8.62",
        gnielinski_nusselt(re, pr, f),
        eq_8_62,
    ));

    // 6. Continuity across the regime boundaries.
    let mut worst_jump: f64 = 0.0;
    for rr in case.f64_list_param("residual_relative_roughness")? {
        for b in [
            LAMINAR_LIMIT_REYNOLDS,
            FRICTION_TURBULENT_REYNOLDS,
            NUSSELT_TURBULENT_REYNOLDS,
        ] {
            let (below, at) = (b * (1.0 - 1e-9), b);
            let jump = |g: &dyn Fn(f64) -> f64| ((g(at) - g(below)) / g(at)).abs();
            worst_jump = worst_jump
                .max(jump(&|re| darcy_friction_factor(re, rr)))
                .max(jump(&|re| nusselt_number(re, 7.0, rr)));
        }
    }
    out.push(Measurement::new(
        "max relative jump of f and Nu at Re = 2300, 4000, 1e4",
        worst_jump,
        0.0,
    ));
    Ok(out)
}

/// White, *Fluid Mechanics*, 4th ed., Example 6.8: V, Re and f for a given head loss.
fn white_example(case: &ValidationCase) -> Result<Vec<Measurement>, Error> {
    let get = |k: &str| case.f64_param(k);
    let d_m = get("white_diameter_ft")? * FT_M;
    let l_m = get("white_length_ft")? * FT_M;
    let nu_m2_s = get("white_kinematic_viscosity_ft2_s")? * FT_M * FT_M;
    let g_m_s2 = get("white_gravity_ft_s2")? * FT_M;
    let h_f_m = get("white_head_loss_ft")? * FT_M;
    // ρ cancels between Δp = ρ g h_f and the Darcy–Weisbach Δp; White's water: 1.94 slug/ft³.
    let rho = 999.8;
    let fluid = FluidProperties {
        density_kg_m3: rho,
        specific_heat_j_kg_k: 4182.0,
        viscosity_pa_s: rho * nu_m2_s,
        conductivity_w_m_k: 0.6,
    };
    let pipe = Pipe {
        inner_diameter_m: d_m,
        length_m: l_m,
        roughness_m: get("white_relative_roughness")? * d_m,
    };
    let area = std::f64::consts::PI * d_m * d_m / 4.0;
    let target_pa = rho * g_m_s2 * h_f_m;
    // Δp rises monotonically with the flow: bisect on the velocity.
    let (mut lo, mut hi) = (1e-3, 1e2);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if pipe_flow(&fluid, rho * mid * area, &pipe)?.pressure_drop_pa < target_pa {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let v = 0.5 * (lo + hi);
    let flow = pipe_flow(&fluid, rho * v * area, &pipe)?;
    Ok(vec![
        Measurement::new(
            "White Ex. 6.8: V (ft/s)",
            flow.velocity_m_s / FT_M,
            get("white_velocity_ft_s")?,
        ),
        Measurement::new("White Ex. 6.8: Re", flow.reynolds, get("white_reynolds")?),
        Measurement::new(
            "White Ex. 6.8: f",
            flow.darcy_friction_factor,
            get("white_friction_factor")?,
        ),
    ])
}

/// Secant iterations allowed to find the load that brings the wing's outlet to the
/// delivery temperature (the outlet is nearly linear in the load: 3–5 suffice).
const WING_MAX_ITERATIONS: usize = 20;

/// The ISS-like radiator wing (`case_file`, a shipped case) against the published
/// rejection of one EATCS loop: the load (`load_key` × `load_units`, W) is adjusted by the secant
/// method until the coolant leaving the panel `outlet_panel` (orbit mean) is at
/// `delivery_temperature_k`; the heat the wing's panels then reject is the wing's
/// capacity at that delivery temperature, reported against `published_rejection_w`.
/// Also reported: the run's relative energy imbalance.
fn iss_radiator_wing(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let file = case
        .file
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(case.str_param("case_file")?);
    let text = crate::case::read_input(&file, Some(crate::case::limits::MAX_INPUT_FILE_BYTES))?;
    let base: toml::Table = toml::from_str(&text).map_err(|e| InputError::Parse {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let load_key = case.str_param("load_key")?;
    // The load key is per unit (a rack's power per GPU): the load is split over `load_units`.
    let units = case.f64_param("load_units")?;
    let outlet_panel = case.str_param("outlet_panel")?;
    let target_k = case.f64_param("delivery_temperature_k")?;
    let published_w = case.f64_param("published_rejection_w")?;
    // Outlet temperature and rejected heat at load `q`.
    let run = |q: f64| -> Result<(f64, f64, f64), Error> {
        let mut table = base.clone();
        super::convergence::set_key(&mut table, load_key, q / units, &file)?;
        let result = crate::case::Case::from_table(table, &file)?
            .build()?
            .run()?;
        let sc = result.spacecraft.as_ref().ok_or_else(|| {
            bad(
                case,
                "parameters.case_file",
                "the case has no spacecraft components",
            )
        })?;
        let mean = |v: &[f64]| crate::case::time_mean(&sc.times_s, v);
        let outlet = sc
            .radiators
            .iter()
            .find(|r| r.panel == outlet_panel)
            .map(|r| mean(&r.outlet_k))
            .ok_or_else(|| {
                bad(
                    case,
                    "parameters.outlet_panel",
                    "no radiator panel of that name",
                )
            })?;
        let rejected: f64 = sc.radiators.iter().map(|r| mean(&r.heat_w)).sum();
        let crate::case::Solution::Steady(steady) = &result.solution else {
            return Err(bad(case, "parameters.case_file", "the case must be steady").into());
        };
        let balance = steady.energy_balance.relative_imbalance;
        Ok((outlet, rejected, balance))
    };
    let (mut q0, mut q1) = (published_w, 2.0 * published_w);
    let mut f0 = run(q0)?.0 - target_k;
    let mut last = run(q1)?;
    for _ in 0..WING_MAX_ITERATIONS {
        let f1 = last.0 - target_k;
        if f1.abs() <= 1e-3 {
            break;
        }
        if f1 == f0 {
            return Err(bad(
                case,
                "parameters.load_key",
                "the outlet does not respond to the load",
            )
            .into());
        }
        let q2 = q1 - f1 * (q1 - q0) / (f1 - f0);
        (q0, f0, q1) = (q1, f1, q2);
        last = run(q1)?;
    }
    let (outlet, rejected, balance) = last;
    if (outlet - target_k).abs() > 1e-3 {
        return Err(bad(
            case,
            "parameters.delivery_temperature_k",
            "the secant search did not bring the outlet to it",
        )
        .into());
    }
    Ok(vec![
        Measurement::new(
            "wing rejection at the delivery temperature (W)",
            rejected,
            published_w,
        ),
        Measurement::new(
            "published rating / wing rejection at the delivery temperature",
            published_w / rejected,
            0.0,
        ),
        Measurement::new("relative energy imbalance", balance.abs(), 0.0),
    ])
}
