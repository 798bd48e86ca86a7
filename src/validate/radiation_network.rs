//! Validation runners for radiation exchange inside the thermal network (`vf-07` to `vf-09`):
//! cases with a `[radiation]` table solved through the case pipeline, against closed forms
//! of grey diffuse enclosure theory and the exact geometry of a shadow.

use super::convergence::{remove_key, set_key};
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::case::{Model, Solution};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::error::{Error, InputError};
use crate::mesh::Edge;
use crate::radiation::analytic;
use crate::solve::SteadySolution;

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("parallel_plates_network", parallel_plates_network),
    ("facing_radiators_network", facing_radiators_network),
    ("shadowed_sunlight", shadowed_sunlight),
];

fn inconsistent(case: &ValidationCase, key: &str, reason: impl Into<String>) -> InputError {
    InputError::Inconsistent {
        file: case.file.clone(),
        key: key.to_string(),
        reason: reason.into(),
    }
}

/// A number at a dotted path of the `[case]` table (array items by index: `loads.0.power_w`).
fn number_at(case: &ValidationCase, table: &toml::Table, path: &str) -> Result<f64, InputError> {
    let missing = || inconsistent(case, &format!("case.{path}"), "missing or not a number");
    let mut parts = path.split('.');
    let first = parts.next().ok_or_else(missing)?;
    let mut value = table.get(first).ok_or_else(missing)?;
    for part in parts {
        value = match (value, part.parse::<usize>()) {
            (toml::Value::Array(items), Ok(k)) => items.get(k),
            (toml::Value::Table(t), _) => t.get(part),
            _ => None,
        }
        .ok_or_else(missing)?;
    }
    match value {
        toml::Value::Float(x) => Ok(*x),
        toml::Value::Integer(x) => Ok(*x as f64),
        _ => Err(missing()),
    }
}

/// Builds and solves a steady case.
fn solve(case: &ValidationCase, table: toml::Table) -> Result<(Model, SteadySolution), Error> {
    let model = case.build_model(table)?;
    match model.run()?.solution {
        Solution::Steady(s) => Ok((model, s)),
        _ => Err(inconsistent(
            case,
            "case.solve.mode",
            "these runners need mode = \"steady\"",
        )
        .into()),
    }
}

/// The panel called `name` in a built model.
fn panel<'m>(
    case: &ValidationCase,
    model: &'m Model,
    name: &str,
) -> Result<&'m crate::mesh::PanelNodes, InputError> {
    model
        .panels
        .iter()
        .find(|p| p.name == name)
        .map(|p| &p.nodes)
        .ok_or_else(|| inconsistent(case, "case.panels", format!("no panel `{name}`")))
}

/// `|Σ boundary heat| / Σ |boundary heat|` plus sources: the energy balance read from the heat
/// the boundary nodes take, independently of the solver's own report.
fn boundary_closure(s: &SteadySolution, sources_w: f64) -> f64 {
    let net: f64 = s.boundary_heat_w.iter().map(|(_, q)| q).sum::<f64>() - sources_w;
    let scale: f64 = s.boundary_heat_w.iter().map(|(_, q)| q.abs()).sum::<f64>() + sources_w.abs();
    net.abs() / scale
}

/// Net heat absorbed by panel 2 of two grey plates facing each other with view factor
/// `f` (equal plates, each seeing space with `1 − f`), per unit area: the radiosity
/// equations of a three-surface enclosure with space black (Incropera 7th ed. §13.3.2,
/// eqs. 13.20–13.21):
///
/// `J₁ = ε₁E₁ + (1 − ε₁)(f J₂ + (1 − f) E_s)`, `J₂ = ε₂E₂ + (1 − ε₂)(f J₁ + (1 − f) E_s)`,
/// net into 2: `ε₂ (G₂ − E₂)` with `G₂ = f J₁ + (1 − f) E_s`.
pub fn finite_plates_flux_w_m2(f: f64, e1: f64, e2: f64, t1_k: f64, t2_k: f64, ts_k: f64) -> f64 {
    let (b1, b2, bs) = (
        SIGMA * t1_k.powi(4),
        SIGMA * t2_k.powi(4),
        SIGMA * ts_k.powi(4),
    );
    // J₁ − (1 − ε₁) f J₂ = c₁,  −(1 − ε₂) f J₁ + J₂ = c₂.
    let c1 = e1 * b1 + (1.0 - e1) * (1.0 - f) * bs;
    let c2 = e2 * b2 + (1.0 - e2) * (1.0 - f) * bs;
    let (a12, a21) = ((1.0 - e1) * f, (1.0 - e2) * f);
    let det = 1.0 - a12 * a21;
    let j1 = (c1 + a12 * c2) / det;
    let g2 = f * j1 + (1.0 - f) * bs;
    e2 * (g2 - b2)
}

/// vf-07: two square plates (`panels.hot`, `panels.cold`, edges held at their temperatures,
/// conductivity high enough to be isothermal) facing each other across each of
/// `parameters.gaps_m`. The heat the cold plate absorbs (out through its held edges) per
/// unit area, against (1) the infinite-plate formula `σ(T₁⁴ − T₂⁴)/(1/ε₁ + 1/ε₂ − 1)`
/// (Incropera 7th ed. eq. 13.24, Table 13.3), whose error is the finite size and must shrink
/// to first order in gap/width, and (2) the finite plates' closed form with the exact
/// factor (Howell C-11), which the network reproduces to the Monte Carlo error.
fn parallel_plates_network(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let w = number_at(case, &base, "panels.hot.length_m")?;
    let e1 = number_at(case, &base, "coatings.hot_face.emissivity")?;
    let e2 = number_at(case, &base, "coatings.cold_face.emissivity")?;
    let t1 = number_at(case, &base, "panels.hot.edges.west.temperature_k")?;
    let t2 = number_at(case, &base, "panels.cold.edges.west.temperature_k")?;
    let ts = number_at(case, &base, "nodes.space.temperature_k")?;
    let rays = number_at(case, &base, "radiation.rays")?;
    let infinite = SIGMA * (t1.powi(4) - t2.powi(4)) / (1.0 / e1 + 1.0 / e2 - 1.0);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let gaps = case.f64_list_param("gaps_m")?;
    for &gap in &gaps {
        let mut table = base.clone();
        set_key(
            &mut table,
            "radiation.placement.cold.origin_m",
            vec![0.0, 0.0, gap],
            f,
        )?;
        let (model, s) = solve(case, table)?;
        let cold = panel(case, &model, "cold")?;
        let mut through_edges = 0.0;
        for edge in Edge::ALL {
            through_edges += cold.edge_heat_w(edge, &s.temperatures_k)?;
        }
        let q = -through_edges / (w * w);
        let fa = analytic::parallel_rectangles(w, w, gap).unwrap_or(f64::NAN);
        let finite = finite_plates_flux_w_m2(fa, e1, e2, t1, t2, ts);
        let rel = (q - infinite) / infinite;
        errors.push(rel.abs());
        let ratio = gap / w;
        out.push(Measurement::new(
            format!("relative error vs infinite plates, gap/width {ratio}"),
            rel.abs(),
            0.0,
        ));
        // dq/dF carried from the factor's standard error (two estimates averaged).
        let df = 1e-6;
        let slope = (finite_plates_flux_w_m2(fa + df, e1, e2, t1, t2, ts)
            - finite_plates_flux_w_m2(fa - df, e1, e2, t1, t2, ts))
            / (2.0 * df);
        let se = (fa * (1.0 - fa) / (2.0 * rays)).sqrt();
        out.push(Measurement::new(
            format!("|q - q_finite| / carried standard error, gap/width {ratio}"),
            (q - finite).abs() / (slope.abs() * se),
            0.0,
        ));
        out.push(Measurement::new(
            format!("relative energy imbalance, gap/width {ratio}"),
            s.energy_balance
                .relative_imbalance
                .max(boundary_closure(&s, 0.0)),
            0.0,
        ));
    }
    // Observed order of the finite-size error between the two smallest gaps.
    if gaps.len() >= 2 {
        let n = gaps.len();
        let order = (errors[n - 2] / errors[n - 1]).ln() / (gaps[n - 2] / gaps[n - 1]).ln();
        out.push(Measurement::new(
            "observed order of the finite-size error in gap/width",
            order,
            1.0,
        ));
    }
    Ok(out)
}

/// vf-08: two square radiator panels (`panels.lower`, `panels.upper`), each dissipating
/// its load, both faces coated, space at 0 K, solved alone (each face to space) and with
/// `[radiation]`, across each of `parameters.gaps_m`. Alone, each panel's temperature is
/// `(P / (2 ε A σ))^¼`; with exchange, the fraction of the lone rejection lost is
/// `1 − (T_alone/T)⁴`, against vf-06's closed form `½[1 − (1 − F)/(1 − (1 − ε)F)]` with the
/// exact factor F (Howell C-11; Incropera §13.3). Also the energy balance, from the
/// solver and from the heat the space node takes.
fn facing_radiators_network(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let w = number_at(case, &base, "panels.lower.length_m")?;
    let eps = number_at(case, &base, "coatings.radiator.emissivity")?;
    let rays = number_at(case, &base, "radiation.rays")?;
    let power = number_at(case, &base, "panels.lower.loads.0.power_w")?;
    let alone_k = (power / (2.0 * eps * w * w * SIGMA)).powf(0.25);
    let mut out = Vec::new();
    // Alone: no [radiation], each face radiating to its sink.
    let mut table = base.clone();
    remove_key(&mut table, "radiation", f)?;
    let (model, s) = solve(case, table)?;
    let t_alone = panel(case, &model, "lower")?.mean_k(&s.temperatures_k)?;
    out.push(Measurement::new(
        "panel temperature alone (K)",
        t_alone,
        alone_k,
    ));
    for gap in case.f64_list_param("gaps_m")? {
        let mut table = base.clone();
        set_key(
            &mut table,
            "radiation.placement.upper.origin_m",
            vec![0.0, 0.0, gap],
            f,
        )?;
        let (model, s) = solve(case, table)?;
        let t = panel(case, &model, "lower")?.mean_k(&s.temperatures_k)?;
        let t_upper = panel(case, &model, "upper")?.mean_k(&s.temperatures_k)?;
        let lost = 1.0 - (t_alone / t).powi(4);
        let fa = analytic::parallel_rectangles(w, w, gap).unwrap_or(f64::NAN);
        let exact = 0.5 * (1.0 - (1.0 - fa) / (1.0 - (1.0 - eps) * fa));
        let slope = 0.5 * eps / (1.0 - (1.0 - eps) * fa).powi(2);
        let se = (fa * (1.0 - fa) / (2.0 * rays)).sqrt();
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
            format!("lower - upper temperature (K), gap {gap} m"),
            t - t_upper,
            0.0,
        ));
        out.push(Measurement::new(
            format!("relative energy imbalance, gap {gap} m"),
            s.energy_balance
                .relative_imbalance
                .max(boundary_closure(&s, 2.0 * power)),
            0.0,
        ));
    }
    Ok(out)
}

/// Direct sunlight absorbed on `panel` (W) at `t_s`: the sum of its shadowed direct-sun
/// sources.
fn direct_sun_w(model: &Model, panel: &str, t_s: f64) -> f64 {
    model
        .system
        .sources()
        .iter()
        .filter(|s| s.name.starts_with(&format!("{panel}.")) && s.name.contains("direct sun"))
        .map(|s| {
            let p = s.profile.value_at(t_s);
            s.loads.iter().map(|(_, w)| w * p).sum::<f64>()
        })
        .sum()
}

/// vf-09: a square absorber facing the Sun (sun-pointing attitude, +z at the Sun) under a
/// shade covering `parameters.shade_fraction` of it along x, at the height in the case.
/// The direct sunlight the absorber takes with the shade over it, over what it takes with
/// the shade moved aside, is the lit fraction `1 − shade_fraction` at every instant (the
/// Sun is along the normal, so the shadow is the shade's outline; the shadow's edge lies on
/// the sample grid, so the midpoint rule is exact). With the Sun along the normal the
/// answer needs no orbit: the orbit only supplies the flux that both runs share.
fn shadowed_sunlight(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let covered = case.f64_param("shade_fraction")?;
    let shaded = case.build_model(base.clone())?;
    let mut aside = base.clone();
    let h = number_at(case, &base, "radiation.placement.shade.origin_m.2")?;
    set_key(
        &mut aside,
        "radiation.placement.shade.origin_m",
        vec![5.0, 0.0, h],
        f,
    )?;
    let open = case.build_model(aside)?;
    let lit = direct_sun_w(&shaded, "absorber", 0.0) / direct_sun_w(&open, "absorber", 0.0);
    let shade_lit = direct_sun_w(&shaded, "shade", 0.0) / direct_sun_w(&open, "shade", 0.0);
    let (model, s) = solve(case, base)?;
    let absorber = panel(case, &model, "absorber")?.mean_k(&s.temperatures_k)?;
    let (model_open, s_open) = {
        let mut aside = case.case_table()?;
        set_key(
            &mut aside,
            "radiation.placement.shade.origin_m",
            vec![5.0, 0.0, h],
            f,
        )?;
        solve(case, aside)?
    };
    let absorber_open = panel(case, &model_open, "absorber")?.mean_k(&s_open.temperatures_k)?;
    Ok(vec![
        Measurement::new("lit fraction of the absorber", lit, 1.0 - covered),
        Measurement::new("lit fraction of the shade", shade_lit, 1.0),
        Measurement::new(
            "absorber cooler under the shade (K)",
            absorber_open - absorber,
            1.0,
        ),
        Measurement::new(
            "relative energy imbalance",
            s.energy_balance.relative_imbalance,
            0.0,
        ),
    ])
}
