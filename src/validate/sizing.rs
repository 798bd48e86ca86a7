//! Validation runners for the sizing optimizer (`opt-*` cases): the solved radiator model
//! against first principles (σεT⁴, linear scaling with power, the exact radiating fin, the
//! plate-to-Earth view factor) and the optimizer against a brute-force grid.

use rayon::prelude::*;

use super::{exact, Measurement, RunContext, Runner, ValidationCase};
use crate::constants::{DEEP_SPACE_TEMPERATURE_K, EARTH_IR_HOT_W_M2, EARTH_RADIUS_KM};
use crate::error::{Error, InputError};
use crate::mesh::Coating;
use crate::sizing::design::DEFAULT_TUBE;
use crate::sizing::section::{solve_section, SectionEnvironment, SectionGrid, SectionSpec};
use crate::sizing::sweep::SizingSettings;
use crate::sizing::{
    evaluate, optimize, Bounds, Design, OrbitPreset, RadiatorOrbit, SearchOptions,
};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("sizing_isothermal", sizing_isothermal),
    ("sizing_power_scaling", sizing_power_scaling),
    ("sizing_minimum_mass_fin", sizing_minimum_mass_fin),
    ("sizing_optimizer_grid", sizing_optimizer_grid),
    ("sizing_backloading", sizing_backloading),
];

const SIGMA: f64 = 5.670_374_419e-8;

fn bad(case: &ValidationCase, key: &str, reason: &str) -> InputError {
    InputError::Inconsistent {
        file: case.file.clone(),
        key: key.into(),
        reason: reason.into(),
    }
}

/// A fixed design at mean coolant temperature `t_k` with the settings' geometry.
fn design_at(s: &SizingSettings, t_k: f64) -> Design {
    Design {
        supply_k: t_k - 0.5 * s.rise_k,
        rise_k: s.rise_k,
        fin_thickness_m: s.fin_thickness_mm * 1e-3,
        pitch_m: s.pitch_m,
        length_m: s.length_m,
        lift_k: 0.0,
    }
}

/// An isothermal radiator with no environment: planform area per MW against
/// `P / (n ε σ (T⁴ − T_space⁴))`, two- and one-sided, at each of `temperatures_k`.
fn sizing_isothermal(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let eps = case.f64_param("emissivity")?;
    let mut out = Vec::new();
    for one_sided in [false, true] {
        let s = SizingSettings {
            isothermal: true,
            environment: "none".into(),
            emissivity: eps,
            one_sided,
            // Water's table reaches 373 K (ammonia's stops at 350 K).
            coolant: "water".into(),
            idle_fraction: Some(1.0),
            ..SizingSettings::default()
        };
        let env = s.scan()?;
        let p = s.problem(env)?;
        for t in case.f64_list_param("temperatures_k")? {
            let e = evaluate(&p, &design_at(&s, t))?;
            let faces = if one_sided { 1.0 } else { 2.0 };
            let reference =
                1e6 / (faces * eps * SIGMA * (t.powi(4) - DEEP_SPACE_TEMPERATURE_K.powi(4)));
            let sides = if one_sided { "one-sided" } else { "two-sided" };
            out.push(Measurement::new(
                format!("planform m2/MW, {sides}, T = {t} K"),
                e.per_mw.radiator_planform_area_m2,
                reference,
            ));
        }
    }
    Ok(out)
}

/// Area at a fixed design for `powers_mw`: the total area over the first power's, against
/// the power ratio (linear), per-MW area identical.
fn sizing_power_scaling(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let powers = case.f64_list_param("powers_mw")?;
    let t = case.f64_param("radiator_temperature_k")?;
    let base = SizingSettings::default();
    let env = base.scan()?;
    let first = *powers
        .first()
        .ok_or_else(|| bad(case, "parameters.powers_mw", "at least one power"))?;
    let area = |mw: f64| -> Result<f64, Error> {
        let s = SizingSettings {
            power_mw: mw,
            ..base.clone()
        };
        let p = s.problem(env.clone())?;
        Ok(evaluate(&p, &design_at(&s, t))?
            .totals
            .radiator_planform_area_m2)
    };
    let a0 = area(first)?;
    let mut out = Vec::new();
    for &mw in &powers[1..] {
        out.push(Measurement::new(
            format!("area({mw} MW) / area({first} MW)"),
            area(mw)? / a0,
            mw / first,
        ));
    }
    Ok(out)
}

/// Golden-section maximum of `f` on `[a, b]` (unimodal), to a bracket of `tol`.
fn golden_max(
    f: impl Fn(f64) -> Result<f64, Error>,
    mut a: f64,
    mut b: f64,
    tol: f64,
) -> Result<(f64, f64), Error> {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c)?, f(d)?);
    while (b - a).abs() > tol {
        if fc > fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c)?;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d)?;
        }
    }
    let x = 0.5 * (a + b);
    Ok((x, f(x)?))
}

/// The minimum-mass straight rectangular radiating fin (both faces radiating to 0 K, base
/// at `T_b`): for a given heat per fin the fin's mass `∝ t L ∝ L³/N` with
/// `L = Q/(2εσT_b⁴ η)`, so the least mass maximises `N η(N)³`. The maximum is found twice by
/// golden section over N: on the exact first-integral efficiency ([`exact::radiating_fin`])
/// and on the solved radiator section (an isothermal tube, no environment, the half pitch
/// the fin length, η from the solve).
fn sizing_minimum_mass_fin(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let eps = case.f64_param("emissivity")?;
    let tb = case.f64_param("base_temperature_k")?;
    let t = case.f64_param("thickness_m")?;
    let ny = case.f64_param("cells_across_pitch")? as usize;
    let material = crate::sizing::presets::ALUMINIUM_2024_T6;
    let exact_obj = |n: f64| -> Result<f64, Error> {
        let fin = exact::radiating_fin(n)
            .ok_or_else(|| bad(case, "parameters", "N must be finite and > 0"))?;
        Ok(n * fin.efficiency.powi(3))
    };
    let (n_ref, obj_ref) = golden_max(exact_obj, 0.05, 5.0, 1e-7)?;
    let eta_ref = (obj_ref / n_ref).cbrt();
    let solved_eta = |n: f64| -> Result<f64, Error> {
        let half = (n * material.k_w_m_k * t / (2.0 * eps * SIGMA * tb.powi(3))).sqrt();
        let spec = SectionSpec {
            length_m: 1.0,
            pitch_m: 2.0 * half,
            fin_thickness_m: t,
            material,
            coating: Coating {
                absorptivity: 0.0,
                emissivity: eps,
            },
            two_sided: true,
            tube: DEFAULT_TUBE,
            grid: SectionGrid { nx: 2, ny },
        };
        let s = solve_section(&spec, &SectionEnvironment::none(), tb, 1e9, 1e9, None)?;
        Ok(s.fin_efficiency)
    };
    let (n_model, obj_model) = golden_max(|n| Ok(n * solved_eta(n)?.powi(3)), 0.05, 5.0, 1e-4)?;
    let eta_model = (obj_model / n_model).cbrt();
    Ok(vec![
        Measurement::new("max N eta^3 (solved section)", obj_model, obj_ref),
        Measurement::new("fin efficiency at the optimum", eta_model, eta_ref),
        Measurement::new("optimum N = 2 eps sigma Tb^3 L^2/(k t)", n_model, n_ref),
    ])
}

/// The optimizer against a brute-force grid on a two-variable case (face-sheet thickness
/// and tube pitch; the rest fixed), radiator mass per MW: the optimizer's objective over the
/// grid's least (it must not be worse), and over the least of a refined grid around the
/// grid's best point.
fn sizing_optimizer_grid(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let t_k = case.f64_param("radiator_temperature_k")?;
    let n = case.f64_param("grid_points_per_axis")? as usize;
    let s = SizingSettings {
        radiator_temp_k: Some(t_k),
        objective: "radiator-mass".into(),
        idle_fraction: Some(case.f64_param("idle_fraction")?),
        ..SizingSettings::default()
    };
    let env = s.scan()?;
    let p = s.problem(env)?;
    let mut bounds = Bounds::for_problem(&p);
    bounds.rise_k = [s.rise_k, s.rise_k];
    bounds.length_m = [s.length_m, s.length_m];
    let options = SearchOptions {
        bounds: Some(bounds),
        ..s.search()?
    };
    let optimum = optimize(&p, &options)?;
    let found = optimum.best.per_mw.masses_kg.radiator;
    let lerp = |r: [f64; 2], k: usize, n: usize| r[0] + (r[1] - r[0]) * k as f64 / (n - 1) as f64;
    let mass_at = |t_m: f64, pitch: f64| -> f64 {
        let d = Design {
            fin_thickness_m: t_m,
            pitch_m: pitch,
            ..design_at(&s, t_k)
        };
        match evaluate(&p, &d) {
            Ok(e) if e.feasible() => e.per_mw.masses_kg.radiator,
            _ => f64::INFINITY,
        }
    };
    let grid = |tr: [f64; 2], pr: [f64; 2]| -> (f64, f64, f64) {
        let pts: Vec<(f64, f64)> = (0..n * n)
            .map(|k| (lerp(tr, k / n, n), lerp(pr, k % n, n)))
            .collect();
        let vals: Vec<f64> = pts.par_iter().map(|&(a, b)| mass_at(a, b)).collect();
        let (i, v) = vals
            .iter()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (i, &v)| if v < best.1 { (i, v) } else { best },
            );
        (pts[i].0, pts[i].1, v)
    };
    let (t0, p0, coarse) = grid(bounds.fin_thickness_m, bounds.pitch_m);
    let dt = (bounds.fin_thickness_m[1] - bounds.fin_thickness_m[0]) / (n - 1) as f64;
    let dp = (bounds.pitch_m[1] - bounds.pitch_m[0]) / (n - 1) as f64;
    let clamp = |x: f64, r: [f64; 2]| x.clamp(r[0], r[1]);
    let (_, _, fine) = grid(
        [
            clamp(t0 - dt, bounds.fin_thickness_m),
            clamp(t0 + dt, bounds.fin_thickness_m),
        ],
        [
            clamp(p0 - dp, bounds.pitch_m),
            clamp(p0 + dp, bounds.pitch_m),
        ],
    );
    Ok(vec![
        Measurement::new(
            "optimizer / coarse grid least radiator mass",
            found / coarse,
            1.0,
        ),
        Measurement::new(
            "optimizer / refined grid least radiator mass",
            found / fine,
            1.0,
        ),
    ])
}

/// The environment back-loading in the dawn–dusk orbit: the Earth IR the scan puts on the
/// radiator's face at the hot instant against `q_IR F` with the plate-to-sphere view factor
/// of a plate perpendicular to nadir computed here by hand,
/// `F = (1/π)(atan(1/√(H²−1)) − √(H²−1)/H²)` (Howell's catalog, differential planar element
/// to a sphere, plane through the sphere's centre's direction), and the solved isothermal
/// radiator's area per MW against `P / (2εσ(T⁴ − T_space⁴) − q_abs)`.
fn sizing_backloading(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let t_k = case.f64_param("radiator_temperature_k")?;
    let s = SizingSettings {
        isothermal: true,
        environment: "hot".into(),
        coolant: "water".into(),
        idle_fraction: Some(1.0),
        ..SizingSettings::default()
    };
    let env = s.scan()?;
    let o = RadiatorOrbit::preset(OrbitPreset::SsoDawnDusk550)?;
    let h = o.orbit.position_km(env.hot_time_s).norm() / EARTH_RADIUS_KM;
    let x = (h * h - 1.0).sqrt();
    let f = ((1.0 / x).atan() - x / (h * h)) / std::f64::consts::PI;
    let mut out = vec![
        Measurement::new(
            "Earth IR on the +y face at the hot instant (W/m2)",
            env.hot.top.infrared_w_m2,
            EARTH_IR_HOT_W_M2 * f,
        ),
        Measurement::new(
            "Earth IR on the -y face at the hot instant (W/m2)",
            env.hot.bottom.infrared_w_m2,
            EARTH_IR_HOT_W_M2 * f,
        ),
    ];
    let p = s.problem(env.clone())?;
    let e = evaluate(&p, &design_at(&s, t_k))?;
    let c = s.coating();
    let absorbed = c.absorptivity * (env.hot.top.solar_w_m2 + env.hot.bottom.solar_w_m2)
        + c.emissivity * 2.0 * EARTH_IR_HOT_W_M2 * f;
    let net =
        2.0 * c.emissivity * SIGMA * (t_k.powi(4) - DEEP_SPACE_TEMPERATURE_K.powi(4)) - absorbed;
    out.push(Measurement::new(
        format!("planform m2/MW with back-loading, T = {t_k} K"),
        e.per_mw.radiator_planform_area_m2,
        1e6 / net,
    ));
    Ok(out)
}
