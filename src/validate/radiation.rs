//! Validation runners for radiation (`rad-*` cases): a lumped body cooling by
//! radiation, the isothermal plate in sunlight, and the straight rectangular
//! radiating fin.
//!
//! Each solves the problem in its case file's `[case]` table through the case
//! pipeline (changing a step, a sink or a length by editing the table) and
//! computes its reference in Rust ([`super::exact`]).

use super::conduction::{count_list, inconsistent, material_of, node, panel, transient};
use super::convergence::{
    convergence_plot, f64_at, remove_key, set_key, str_at, write_plot, Refinement,
};
use super::exact;
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::error::{Error, InputError};
use crate::mesh::Edge;
use crate::output::{LinePlot, Series};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("lumped_radiative_cooling", lumped_radiative_cooling),
    ("isothermal_plate", isothermal_plate),
    ("radiating_fin", radiating_fin),
];

/// A lumped body (`nodes.body`, a diffusion node) radiating through
/// `conductors[0]` (area and emissivity) to `nodes.space`, first at the
/// case's sink temperature (0 K), then at `parameters.warm_sink_k`. For each
/// method in backward Euler, BDF2 and trapezoidal, `parameters.steps` fixed
/// steps over the run; the error is the largest over
/// `parameters.outputs` equally spaced output times against the closed forms
/// ([`exact::lumped_cooling_to_zero_k`], [`exact::lumped_cooling_k`]).
fn lumped_radiative_cooling(
    case: &ValidationCase,
    ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let c = get("nodes.body.capacitance_j_k")?;
    let t0 = get("nodes.body.initial_temperature_k")?;
    let area = get("conductors[0].area_m2")?;
    let eps = get("conductors[0].emissivity")?;
    if get("nodes.space.temperature_k")? != 0.0 {
        return Err(inconsistent(
            case,
            "case.nodes.space.temperature_k",
            "the case's own sink must be at 0 K (the warm sink is parameters.warm_sink_k)",
        )
        .into());
    }
    let end = get("solve.transient.end_s")?;
    let rate = eps * SIGMA * area / c;
    let warm = case.f64_param("warm_sink_k")?;
    let outputs = count_list(case, "outputs")?.first().copied().unwrap_or(1);
    let steps = count_list(case, "steps")?;
    if steps.iter().any(|s| s % outputs != 0) {
        return Err(inconsistent(
            case,
            "parameters.steps",
            "every step count must be a multiple of parameters.outputs, so outputs fall on steps",
        )
        .into());
    }

    let mut studies = Vec::new();
    let mut measurements = Vec::new();
    for (sink, sink_label) in [(0.0, "0 K sink"), (warm, "warm sink")] {
        let exact_at = |t: f64| -> Result<f64, InputError> {
            if sink == 0.0 {
                Ok(exact::lumped_cooling_to_zero_k(t, t0, rate))
            } else {
                exact::lumped_cooling_k(t, t0, sink, rate).ok_or_else(|| {
                    inconsistent(
                        case,
                        "parameters.warm_sink_k",
                        "the warm sink must be > 0 K and below the body's initial temperature",
                    )
                })
            }
        };
        for (method, label) in [
            ("backward_euler", "backward Euler"),
            ("bdf2", "BDF2"),
            ("trapezoidal", "trapezoidal"),
        ] {
            let (mut dts, mut errs) = (Vec::new(), Vec::new());
            for &s in &steps {
                let mut table = base.clone();
                set_key(&mut table, "nodes.space.temperature_k", sink, f)?;
                set_key(&mut table, "solve.transient.method", method, f)?;
                set_key(&mut table, "solve.transient.dt_s", end / s as f64, f)?;
                set_key(
                    &mut table,
                    "solve.transient.output_interval_s",
                    end / outputs as f64,
                    f,
                )?;
                let model = case.build_model(table)?;
                let run = model.run()?;
                let history = transient(case, &run)?;
                let body = node(case, &model, "body")?;
                let mut err: f64 = 0.0;
                for (t, row) in history.times_s.iter().zip(&history.temperatures_k) {
                    let got = row.get(body).copied().unwrap_or(f64::NAN);
                    err = err.max((got - exact_at(*t)?).abs());
                }
                dts.push(end / s as f64);
                errs.push(err);
            }
            let study = Refinement::new(format!("{label}, {sink_label}"), dts, errs);
            let order = if method == "backward_euler" { 1.0 } else { 2.0 };
            measurements.push(Measurement::new(
                format!("observed order, {label}, {sink_label}"),
                study.finest_order(),
                order,
            ));
            if method == "bdf2" {
                measurements.push(Measurement::new(
                    format!("max error, BDF2, smallest step, {sink_label} (K)"),
                    study.finest_error(),
                    0.0,
                ));
            }
            studies.push(study);
        }
    }
    // One plot per sink: backward Euler, BDF2, trapezoidal.
    let warm_title = format!("sink at {warm} K");
    for (k, (slug, sink_title)) in [("0K", "sink at 0 K"), ("warm", warm_title.as_str())]
        .into_iter()
        .enumerate()
    {
        let Some(three) = studies.get(3 * k..3 * k + 3) else {
            continue;
        };
        let plot = convergence_plot(
            &format!("rad-01: lumped body cooling by radiation, {sink_title}"),
            "time step Δt (s)",
            "max |T − T_exact| over the run (K)",
            &three.iter().collect::<Vec<_>>(),
            vec![
                three[0].guide(1.0, "slope 1 (first order)"),
                three[1].guide(2.0, "slope 2 (second order)"),
            ],
        );
        write_plot(ctx, &format!("{}-step-{slug}.png", case.id), &plot)?;
    }
    Ok(measurements)
}

/// A plate (`panels.plate`) absorbing sunlight on its top face and radiating
/// from both faces to 0 K, then — with the bottom coating and sink removed —
/// from its top face only; the equilibrium temperatures against
/// `(α S/(n ε σ))^¼` ([`exact::isothermal_plate_k`]). Edges insulated, so the
/// field is uniform.
fn isothermal_plate(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let p = "panels.plate";
    let top = str_at(&base, &format!("{p}.top_coating"), f)?.to_string();
    if str_at(&base, &format!("{p}.bottom_coating"), f)? != top {
        return Err(inconsistent(
            case,
            "case.panels.plate.bottom_coating",
            "both faces must share one coating",
        )
        .into());
    }
    let alpha = f64_at(&base, &format!("coatings.{top}.absorptivity"), f)?;
    let eps = f64_at(&base, &format!("coatings.{top}.emissivity"), f)?;
    let s = f64_at(&base, &format!("{p}.loads[0].incident_flux_w_m2"), f)?;
    if f64_at(&base, "nodes.space.temperature_k", f)? != 0.0 {
        return Err(inconsistent(
            case,
            "case.nodes.space.temperature_k",
            "the sink must be at 0 K",
        )
        .into());
    }
    let solve = |table: toml::Table| -> Result<(f64, f64), Error> {
        let model = case.build_model(table)?;
        let run = model.run()?;
        let stats = panel(case, &model, "plate")?.stats(run.solution.final_temperatures_k())?;
        Ok((stats.mean_k, stats.max_k - stats.min_k))
    };
    let (two, spread_two) = solve(base.clone())?;
    let mut one_face = base.clone();
    remove_key(&mut one_face, &format!("{p}.bottom_coating"), f)?;
    remove_key(&mut one_face, &format!("{p}.bottom_sink"), f)?;
    let (one, spread_one) = solve(one_face)?;
    Ok(vec![
        Measurement::new(
            "T, both faces emitting (K)",
            two,
            exact::isothermal_plate_k(alpha * s, eps, 2.0, SIGMA),
        ),
        Measurement::new(
            "T, top face only emitting (K)",
            one,
            exact::isothermal_plate_k(alpha * s, eps, 1.0, SIGMA),
        ),
        Measurement::new(
            "max - min over the plate (K)",
            spread_two.max(spread_one),
            0.0,
        ),
    ])
}

/// The fin (`panels.fin`, `nx × 1`): base (west edge) held at `T_b`, both
/// faces radiating to a 0 K node, insulated tip and sides. For each
/// `N = 2εσT_b³L²/(k t)` in `parameters.n_values` the length is set to
/// `L = √(N k t/(2εσT_b³))`, and the efficiency — the heat through the base
/// over `2εσT_b⁴ L W` — and the tip temperature are compared with the
/// first-integral reference ([`exact::radiating_fin`]). The grid
/// convergence of η at `parameters.order_n` over `parameters.order_cells`.
fn radiating_fin(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let p = "panels.fin";
    let get = |k: &str| f64_at(&base, k, f);
    let (t, w) = (
        get(&format!("{p}.thickness_m"))?,
        get(&format!("{p}.width_m"))?,
    );
    let tb = get(&format!("{p}.edges.west.temperature_k"))?;
    let k = material_of(case, &base, "fin")?.k_w_m_k;
    let top = str_at(&base, &format!("{p}.top_coating"), f)?.to_string();
    if str_at(&base, &format!("{p}.bottom_coating"), f)? != top {
        return Err(inconsistent(
            case,
            "case.panels.fin.bottom_coating",
            "both faces must share one coating",
        )
        .into());
    }
    let eps = get(&format!("coatings.{top}.emissivity"))?;
    let base_cells = get(&format!("{p}.nx"))?;
    if get("nodes.space.temperature_k")? != 0.0 {
        return Err(inconsistent(
            case,
            "case.nodes.space.temperature_k",
            "the sink must be at 0 K",
        )
        .into());
    }
    let length_for = |n: f64| (n * k * t / (2.0 * eps * SIGMA * tb.powi(3))).sqrt();
    let fin = |n: f64| {
        exact::radiating_fin(n)
            .ok_or_else(|| inconsistent(case, "parameters.n_values", "N must be finite and > 0"))
    };
    let solve = |n: f64, nx: Option<usize>| -> Result<(f64, f64), Error> {
        let mut table = base.clone();
        let l = length_for(n);
        set_key(&mut table, &format!("{p}.length_m"), l, f)?;
        if let Some(nx) = nx {
            set_key(&mut table, &format!("{p}.nx"), nx as i64, f)?;
        }
        let model = case.build_model(table)?;
        let run = model.run()?;
        let temps = run.solution.final_temperatures_k();
        let fin = panel(case, &model, "fin")?;
        let q = fin.edge_heat_w(Edge::West, temps)?;
        let eta = q / (2.0 * eps * SIGMA * tb.powi(4) * l * w);
        let tip = fin.temperature_at(l, 0.5 * w, temps)? / tb;
        Ok((eta, tip))
    };

    let mut measurements = Vec::new();
    let n_values = case.f64_list_param("n_values")?;
    let mut computed = Vec::new();
    for &n in &n_values {
        let reference = fin(n)?;
        let (eta, tip) = solve(n, None)?;
        computed.push(eta);
        measurements.push(Measurement::new(
            format!("fin efficiency, N = {n}"),
            eta,
            reference.efficiency,
        ));
        measurements.push(Measurement::new(
            format!("tip temperature T_tip/T_b, N = {n}"),
            tip,
            reference.theta_tip,
        ));
    }

    let order_n = case.f64_param("order_n")?;
    let reference = fin(order_n)?;
    let (mut hs, mut errs) = (Vec::new(), Vec::new());
    for &nx in &count_list(case, "order_cells")? {
        let (eta, _) = solve(order_n, Some(nx))?;
        hs.push(1.0 / nx as f64);
        errs.push((eta - reference.efficiency).abs());
    }
    let study = Refinement::new(format!("fin efficiency, N = {order_n}"), hs, errs);
    measurements.push(Measurement::new(
        format!("observed order, efficiency at N = {order_n}"),
        study.finest_order(),
        2.0,
    ));

    // η against N: the reference curve and the computed points.
    let curve_n: Vec<f64> = (0..=60)
        .map(|i| 10f64.powf(-2.0 + 3.0 * i as f64 / 60.0))
        .collect();
    let curve_eta = curve_n
        .iter()
        .map(|&n| fin(n).map(|r| r.efficiency))
        .collect::<Result<Vec<_>, _>>()?;
    let plot = LinePlot {
        title: "rad-03: radiating fin efficiency, insulated tip, 0 K sink".into(),
        x_label: "conduction–radiation parameter N = 2εσT_b³L²/(k t)".into(),
        y_label: "fin efficiency η (dimensionless)".into(),
        series: vec![
            Series::new("reference: first integral + quadrature", curve_n, curve_eta),
            // NaN between points breaks the line: markers only.
            Series::new(
                format!("thermorbit, {} cells along the fin", base_cells),
                n_values.iter().flat_map(|&n| [n, f64::NAN]).collect(),
                computed.iter().flat_map(|&e| [e, f64::NAN]).collect(),
            ),
        ],
        log_x: true,
        ..LinePlot::default()
    };
    write_plot(ctx, &format!("{}-efficiency.png", case.id), &plot)?;
    let plot = convergence_plot(
        &format!("rad-03: radiating fin, grid convergence of η at N = {order_n}"),
        "cell size Δx / L",
        "|η − η_reference| (dimensionless)",
        &[&study],
        vec![study.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;
    Ok(measurements)
}
