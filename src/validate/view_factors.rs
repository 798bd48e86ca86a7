//! Validation runners for view factors and radiative exchange between surfaces (`vf-*`
//! cases): Monte Carlo against the closed forms of Howell's catalog, the 1/√N fall of its
//! error, reciprocity and closure with blocking, and the rejection lost by two radiator
//! panels that face each other.
//!
//! Monte Carlo errors are judged in standard errors: with a fixed seed a run is
//! deterministic, and an honest estimator lands within 3 standard errors of the exact
//! value 99.7 % of the time.

use super::convergence::{convergence_plot, write_plot, Refinement};
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::error::{Error, InputError};
use crate::radiation::analytic::{self, Configuration};
use crate::radiation::{
    factor_matrix, grey_diffuse_exchange, trace_rows, MonteCarloOptions, Scene, Surface, Vec3,
};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("view_factor_closed_form", view_factor_closed_form),
    ("view_factor_convergence", view_factor_convergence),
    (
        "view_factor_reciprocity_closure",
        view_factor_reciprocity_closure,
    ),
    ("facing_radiators", facing_radiators),
];

fn bad(case: &ValidationCase, key: &str, value: String, allowed: &str) -> InputError {
    InputError::OutOfRange {
        file: case.file.clone(),
        key: format!("parameters.{key}"),
        value,
        allowed: allowed.to_string(),
    }
}

/// `parameters.<key>`: an array of arrays of three positive numbers (lengths in metres).
fn triplets(case: &ValidationCase, key: &str) -> Result<Vec<[f64; 3]>, InputError> {
    let allowed = "an array of [a, b, c] arrays of lengths > 0 (m)";
    let Some(toml::Value::Array(rows)) = case.parameters.get(key) else {
        return Err(bad(case, key, "(missing or not an array)".into(), allowed));
    };
    rows.iter()
        .map(|row| {
            let nums: Vec<f64> = match row {
                toml::Value::Array(items) => items
                    .iter()
                    .filter_map(|v| match v {
                        toml::Value::Float(x) => Some(*x),
                        toml::Value::Integer(x) => Some(*x as f64),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            match nums.as_slice() {
                [a, b, c] if [a, b, c].iter().all(|x| x.is_finite() && **x > 0.0) => {
                    Ok([*a, *b, *c])
                }
                _ => Err(bad(case, key, row.to_string(), allowed)),
            }
        })
        .collect()
}

/// A whole-number parameter ≥ 1.
fn count(case: &ValidationCase, key: &str) -> Result<u64, InputError> {
    let v = case.f64_param(key)?;
    if v >= 1.0 && v.fract() == 0.0 && v <= 1e12 {
        Ok(v as u64)
    } else {
        Err(bad(case, key, v.to_string(), "a whole number, 1 to 1e12"))
    }
}

/// The closed-form configuration named by `parameters.geometry` with lengths `d`:
/// (width, height, gap), (edge, width, height) or (r₁, r₂, gap).
fn configuration(case: &ValidationCase, d: [f64; 3]) -> Result<Configuration, InputError> {
    match case.str_param("geometry")? {
        "parallel-rectangles" => Ok(Configuration::ParallelRectangles {
            width_m: d[0],
            height_m: d[1],
            gap_m: d[2],
        }),
        "perpendicular-rectangles" => Ok(Configuration::PerpendicularRectangles {
            edge_m: d[0],
            width_m: d[1],
            height_m: d[2],
        }),
        "coaxial-discs" => Ok(Configuration::CoaxialDiscs {
            radius1_m: d[0],
            radius2_m: d[1],
            gap_m: d[2],
        }),
        other => Err(bad(
            case,
            "geometry",
            other.to_string(),
            "parallel-rectangles, perpendicular-rectangles or coaxial-discs",
        )),
    }
}

/// `|F_MC − F_exact| / σ` for each set of lengths in `parameters.dimensions`, with
/// `parameters.rays` rays from surface 1 (`σ = √(F(1 − F)/N)`), seed `parameters.seed`.
fn view_factor_closed_form(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let options = MonteCarloOptions::new(count(case, "rays")?, count(case, "seed")?)?;
    let mut out = Vec::new();
    for d in triplets(case, "dimensions")? {
        let pair = configuration(case, d)?;
        let exact = pair.view_factor().unwrap_or(f64::NAN);
        let est = trace_rows(&pair.scene()?, &[0], &options)?;
        let (f, se) = (est.factor(0, 1), est.standard_error(0, 1));
        let label = format!("{} {} {}", d[0], d[1], d[2]);
        out.push(Measurement::new(
            format!("|F_MC - F| / standard error, {label}"),
            (f - exact).abs() / se,
            0.0,
        ));
        out.push(Measurement::new(format!("F, {label}"), f, exact));
    }
    Ok(out)
}

/// The root-mean-square error over `parameters.seeds` seeds at each ray count of
/// `parameters.rays` (parallel rectangles `parameters.dimensions[0]`): its slope against N
/// on log axes (least squares over all counts, −½ for an unbiased estimator) and its ratio
/// to the predicted standard error at the largest count.
fn view_factor_convergence(
    case: &ValidationCase,
    ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let counts: Vec<u64> = case
        .f64_list_param("rays")?
        .into_iter()
        .map(|v| {
            if v >= 1.0 && v.fract() == 0.0 && v <= 1e12 {
                Ok(v as u64)
            } else {
                Err(bad(case, "rays", v.to_string(), "whole numbers, 1 to 1e12"))
            }
        })
        .collect::<Result<_, _>>()?;
    if counts.len() < 2 {
        return Err(bad(case, "rays", format!("{counts:?}"), "two counts or more").into());
    }
    let seeds = count(case, "seeds")?;
    let d = triplets(case, "dimensions")?
        .first()
        .copied()
        .ok_or_else(|| bad(case, "dimensions", "[]".into(), "one [w, h, gap]"))?;
    let pair = Configuration::ParallelRectangles {
        width_m: d[0],
        height_m: d[1],
        gap_m: d[2],
    };
    let (scene, exact) = (pair.scene()?, pair.view_factor().unwrap_or(f64::NAN));
    let mut rms = Vec::new();
    for &n in &counts {
        let mut sum = 0.0;
        for seed in 1..=seeds {
            let est = trace_rows(&scene, &[0], &MonteCarloOptions::new(n, seed)?)?;
            sum += (est.factor(0, 1) - exact).powi(2);
        }
        rms.push((sum / seeds as f64).sqrt());
    }
    let x: Vec<f64> = counts.iter().map(|&n| (n as f64).ln()).collect();
    let y: Vec<f64> = rms.iter().map(|e| e.ln()).collect();
    let (mx, my) = (mean(&x), mean(&y));
    let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let slope = sxy / sxx;
    let n_max = counts[counts.len() - 1];
    let predicted = (exact * (1.0 - exact) / n_max as f64).sqrt();
    let study = Refinement::new(
        format!("RMS error over {seeds} seeds"),
        counts.iter().map(|&n| n as f64).collect(),
        rms.clone(),
    );
    let plot = convergence_plot(
        &format!("{}: Monte Carlo error against rays", case.id),
        "rays N",
        "RMS |F_MC - F|",
        &[&study],
        vec![study.guide(-0.5, "N^-1/2")],
    );
    write_plot(ctx, &format!("{}.png", case.id), &plot)?;
    Ok(vec![
        Measurement::new("slope of log RMS error against log N", slope, -0.5),
        Measurement::new(
            "RMS error / predicted standard error, largest N",
            rms[rms.len() - 1] / predicted,
            1.0,
        ),
    ])
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Reciprocity, closure and blocking: a closed unit cube of six single-face walls (no ray
/// may escape; opposite and adjacent walls against C-11 and C-14), an open box split into
/// `parameters.cells` cells a side (the raw estimates' reciprocity defects in standard
/// errors), and a square emitter whose view of a receiver `parameters.gap_m` away is
/// wholly blocked by an equal square halfway (`F = 0` exactly; the blocker gets C-11 at
/// half the gap).
fn view_factor_reciprocity_closure(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let rays = count(case, "rays")?;
    let cells = count(case, "cells")? as usize;
    let gap = case.f64_param("gap_m")?;
    if !(gap.is_finite() && gap > 0.0) {
        return Err(bad(case, "gap_m", gap.to_string(), "> 0").into());
    }
    let options = MonteCarloOptions::new(rays, 1)?;
    let c = Vec3::new;
    let walls = |n: usize, lid: bool| {
        let mut s = vec![
            Surface::rectangle("z0", c(0., 0., 0.), c(1., 0., 0.), c(0., 1., 0.)),
            Surface::rectangle("x0", c(0., 0., 0.), c(0., 1., 0.), c(0., 0., 1.)),
            Surface::rectangle("x1", c(1., 0., 0.), c(0., 0., 1.), c(0., 1., 0.)),
            Surface::rectangle("y0", c(0., 0., 0.), c(0., 0., 1.), c(1., 0., 0.)),
            Surface::rectangle("y1", c(0., 1., 0.), c(1., 0., 0.), c(0., 0., 1.)),
        ];
        if lid {
            s.push(Surface::rectangle(
                "z1",
                c(0., 0., 1.),
                c(0., 1., 0.),
                c(1., 0., 0.),
            ));
        }
        s.into_iter()
            .map(|w| w.with_cells(n, n))
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    // Closed cube, one face per wall.
    let cube = Scene::new(walls(1, true))?;
    let m = factor_matrix(&cube, &options)?;
    let escaped: f64 = (0..6).map(|i| m.raw().space(i)).sum();
    out.push(Measurement::new(
        "rays escaping the closed cube (fraction)",
        escaped,
        0.0,
    ));
    out.push(Measurement::new(
        "closure error, closed cube",
        m.closure_error(),
        0.0,
    ));
    let opposite = analytic::parallel_rectangles(1.0, 1.0, 1.0).unwrap_or(f64::NAN);
    let adjacent = analytic::perpendicular_rectangles(1.0, 1.0, 1.0).unwrap_or(f64::NAN);
    // Faces: z0 = 0, x0 = 1, ..., z1 = 5.
    out.push(Measurement::new(
        "|F(floor -> lid) - C-11| / standard error",
        (m.factor(0, 5) - opposite).abs() / m.standard_error(0, 5),
        0.0,
    ));
    out.push(Measurement::new(
        "|F(floor -> wall) - C-14| / standard error",
        (m.factor(0, 1) - adjacent).abs() / m.standard_error(0, 1),
        0.0,
    ));
    // Open box in cells: raw reciprocity defects and the closed matrix.
    let open = Scene::new(walls(cells, false))?;
    let m = factor_matrix(&open, &options)?;
    let raw = m.raw();
    let a = m.areas_m2();
    let (mut sum_z2, mut pairs) = (0.0, 0usize);
    for i in 0..m.len() {
        for j in i + 1..m.len() {
            let s = ((a[i] * raw.standard_error(i, j)).powi(2)
                + (a[j] * raw.standard_error(j, i)).powi(2))
            .sqrt();
            if s > 0.0 && raw.count(i, j) >= 10 && raw.count(j, i) >= 10 {
                let d = a[i] * raw.factor(i, j) - a[j] * raw.factor(j, i);
                sum_z2 += (d / s).powi(2);
                pairs += 1;
            }
        }
    }
    out.push(Measurement::new(
        "RMS raw reciprocity defect in standard errors, open box",
        (sum_z2 / pairs.max(1) as f64).sqrt(),
        1.0,
    ));
    out.push(Measurement::new(
        "reciprocity error after averaging, open box",
        m.reciprocity_error(),
        0.0,
    ));
    out.push(Measurement::new(
        "closure error, open box",
        m.closure_error(),
        0.0,
    ));
    // Complete blocking.
    let blocked = Scene::new(vec![
        Surface::rectangle("emitter", c(0., 0., 0.), c(1., 0., 0.), c(0., 1., 0.)),
        Surface::rectangle(
            "blocker",
            c(0., 0., 0.5 * gap),
            c(1., 0., 0.),
            c(0., 1., 0.),
        )
        .two_sided(),
        Surface::rectangle("receiver", c(0., 0., gap), c(0., 1., 0.), c(1., 0., 0.)),
    ])?;
    // Faces: emitter 0, blocker front 1 (facing +z, away), back 2 (facing the emitter),
    // receiver 3.
    let est = trace_rows(&blocked, &[0], &options)?;
    out.push(Measurement::new(
        "F(emitter -> receiver) behind a full blocker",
        est.factor(0, 3),
        0.0,
    ));
    let exact = analytic::parallel_rectangles(1.0, 1.0, 0.5 * gap).unwrap_or(f64::NAN);
    out.push(Measurement::new(
        "|F(emitter -> blocker) - C-11| / standard error",
        (est.factor(0, 2) - exact).abs() / est.standard_error(0, 2),
        0.0,
    ));
    Ok(out)
}

/// Two square two-sided radiator panels (`parameters.width_m`, emissivity
/// `parameters.emissivity`) facing each other at each gap of `parameters.gaps_m`, at one
/// uniform temperature: the fraction of the rejection of two lone panels that is lost,
/// from Monte Carlo factors (`parameters.rays` per face) through the Gebhart exchange,
/// against the closed form with the C-11 factor `F`: each inner face rejects
/// `εAσT⁴ (1 − F)/(1 − (1 − ε)F)` (its radiosity `J = εσT⁴ + (1 − ε)F J`, its loss
/// `εA(σT⁴ − F J)`), each outer face `εAσT⁴`, so the lost fraction is
/// `½ [1 − (1 − F)/(1 − (1 − ε)F)]`.
fn facing_radiators(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let w = case.f64_param("width_m")?;
    let eps = case.f64_param("emissivity")?;
    if !(w.is_finite() && w > 0.0) {
        return Err(bad(case, "width_m", w.to_string(), "> 0").into());
    }
    if !(eps > 0.0 && eps <= 1.0) {
        return Err(bad(case, "emissivity", eps.to_string(), "0 < eps <= 1").into());
    }
    let options = MonteCarloOptions::new(count(case, "rays")?, count(case, "seed")?)?;
    let mut out = Vec::new();
    for gap in case.f64_list_param("gaps_m")? {
        if !(gap.is_finite() && gap > 0.0) {
            return Err(bad(case, "gaps_m", gap.to_string(), "lengths > 0").into());
        }
        let scene = Scene::new(vec![
            Surface::rectangle("lower", Vec3::zeros(), Vec3::x() * w, Vec3::y() * w).two_sided(),
            Surface::rectangle("upper", Vec3::z() * gap, Vec3::x() * w, Vec3::y() * w).two_sided(),
        ])?;
        let m = factor_matrix(&scene, &options)?;
        let x = grey_diffuse_exchange(m.factors(), m.space_factors(), m.areas_m2(), &[eps; 4])?;
        // Uniform temperature: faces exchange nothing among themselves; the rejection is
        // σT⁴ Σ R_i,space against σT⁴ · 4εA for the panels alone.
        let alone = 4.0 * eps * w * w;
        let kept: f64 = (0..4).map(|i| x.to_space_m2(i)).sum();
        let lost = 1.0 - kept / alone;
        let f = analytic::parallel_rectangles(w, w, gap).unwrap_or(f64::NAN);
        let exact = 0.5 * (1.0 - (1.0 - f) / (1.0 - (1.0 - eps) * f));
        // Inner faces: lower's front (0) and upper's back (3).
        let f_mc = m.factor(0, 3);
        let se = m.standard_error(0, 3);
        // d(lost)/dF = ½ ε / (1 − (1 − ε)F)²: the standard error carried to the lost fraction.
        let slope = 0.5 * eps / (1.0 - (1.0 - eps) * f).powi(2);
        out.push(Measurement::new(
            format!("lost fraction, gap {gap} m"),
            lost,
            exact,
        ));
        out.push(Measurement::new(
            format!("|lost - exact| / standard error, gap {gap} m"),
            (lost - exact).abs() / (slope * se),
            0.0,
        ));
        out.push(Measurement::new(
            format!("F inner faces, gap {gap} m"),
            f_mc,
            f,
        ));
    }
    Ok(out)
}
