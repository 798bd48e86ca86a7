//! `thermorbit size` and `thermorbit sweep`: the sizing optimizer on the command line.
//!
//! Exit codes: 0 a feasible optimum; 2 bad input (a value out of range, an unknown preset, a
//! radiator temperature below the sink or above the junction limit); 4 no feasible design
//! (the message names the constraint and the shortfall).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use thermorbit::error::{OutputError, SizingError};
use thermorbit::output::{plot_lines, LinePlot, Series};
use thermorbit::sizing::sweep::{merge, to_csv, SizingSettings, SweepRow, SweepSpec};
use thermorbit::sizing::{
    evaluate, optimize, Design, Evaluation, Optimum, OrbitEnvironment, OrbitPreset, RadiatorStack,
};
use thermorbit::Error;

use super::Context;

/// Exit code when no design meets every constraint.
pub const EXIT_INFEASIBLE: u8 = 4;

/// Arguments of `thermorbit size`.
#[derive(Debug, Args)]
pub struct SizeArgs {
    /// GPU power to cool, MW (> 0).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub power_mw: f64,
    /// Orbit: leo-400 (ISS orbit, radiator edge-on to the Sun), sso-dawn-dusk-550
    /// (radiator edge-on to the Sun), geo (radiator faces north/south), or a case file
    /// (CASE.toml) whose [orbit] and [attitude] to use, the radiator facing body ±y or
    /// --radiator-surface.
    #[arg(long, default_value = "sso-dawn-dusk-550")]
    pub orbit: String,
    /// With --orbit CASE.toml: the case's [[surfaces]] entry whose normal the radiator's
    /// faces take (e.g. radiator_plus_x).
    #[arg(long, value_name = "NAME")]
    pub radiator_surface: Option<String>,
    /// Accelerator: h100 (700 W), b200 (1,000 W), gb200 (1,200 W).
    #[arg(long, default_value = "h100")]
    pub gpu: String,
    /// Coolant: ammonia, water, propylene_glycol_50.
    #[arg(long, default_value = "ammonia")]
    pub coolant: String,
    /// Radiator infrared emissivity, (0, 1] (default AZ-93 white paint, 0.91).
    #[arg(long, default_value_t = 0.91, allow_hyphen_values = true)]
    pub emissivity: f64,
    /// Radiator solar absorptivity, [0, 1] (default AZ-93 white paint, 0.15).
    #[arg(long, default_value_t = 0.15, allow_hyphen_values = true)]
    pub absorptivity: f64,
    /// Environment of the hot case: none, cold, nominal, hot (the cold case always uses the
    /// cold preset, or none).
    #[arg(long, default_value = "hot")]
    pub environment: String,
    /// Fix the radiator temperature (mean coolant temperature in the radiator), K.
    #[arg(long, allow_hyphen_values = true)]
    pub radiator_temp_k: Option<f64>,
    /// GPU power in the cold case (coldest instant), as a fraction of full power (default
    /// the GPU preset's idle fraction, 0.10; 1 = the GPUs keep running through eclipses).
    #[arg(long, allow_hyphen_values = true)]
    pub idle_fraction: Option<f64>,
    /// Ideal isothermal radiator: fin efficiency 1, no coolant temperature drop, no film.
    #[arg(long)]
    pub isothermal: bool,
    /// One radiating face (the back insulated).
    #[arg(long)]
    pub one_sided: bool,
    /// No loop heaters: a loop that would fall below its freezing point plus margin in the
    /// cold case (idle GPUs, coldest instant) makes a design infeasible, instead of heaters
    /// holding it there at a power cost.
    #[arg(long)]
    pub no_heaters: bool,
    /// Allow a heat pump between the racks' loop and the radiator loop.
    #[arg(long)]
    pub heat_pump: bool,
    /// What to minimise: area (planform per MW), surface, radiator-mass, mass (total).
    #[arg(long, default_value = "area")]
    pub objective: String,
    /// Radiator panels in a stack, face to face (1: each panel sees space alone); their
    /// mutual view costs rejection (view factors from the radiation module).
    #[arg(long, default_value_t = 1)]
    pub stack: usize,
    /// Gap between stacked panels, m (with --stack).
    #[arg(long, allow_hyphen_values = true)]
    pub gap_m: Option<f64>,
    /// Width of stacked panels, m (default: square panels, as wide as the radiator is long).
    #[arg(long, allow_hyphen_values = true)]
    pub panel_width_m: Option<f64>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write a markdown report with PNG plots into this folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

impl SizeArgs {
    /// The settings the flags give.
    pub fn settings(&self) -> SizingSettings {
        SizingSettings {
            power_mw: self.power_mw,
            orbit: self.orbit.clone(),
            radiator_surface: self.radiator_surface.clone(),
            gpu: self.gpu.clone(),
            coolant: self.coolant.clone(),
            emissivity: self.emissivity,
            absorptivity: self.absorptivity,
            environment: self.environment.clone(),
            one_sided: self.one_sided,
            isothermal: self.isothermal,
            heat_pump: self.heat_pump,
            objective: self.objective.clone(),
            radiator_temp_k: self.radiator_temp_k,
            idle_fraction: self.idle_fraction,
            heaters: !self.no_heaters,
            stack: self.stack,
            gap_m: self.gap_m,
            panel_width_m: self.panel_width_m,
            ..SizingSettings::default()
        }
    }
}

/// Arguments of `thermorbit sweep`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    /// Sweep file (TOML: mode, [base], [grid] or [sample]).
    pub spec: Option<PathBuf>,
    /// Run one part: `i/n` runs the points with index % n == i (0 ≤ i < n).
    #[arg(long)]
    pub shard: Option<String>,
    /// Output folder: sweep.csv and sweep.json (a shard writes part-I-of-N.csv/.json).
    #[arg(long, default_value = "out/sweep")]
    pub out: PathBuf,
    /// `merge PARTS... --out FILE`: join shard parts.
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
}

/// Subcommands of `thermorbit sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Join the JSON parts of a sharded sweep into one table (FILE.csv and FILE.json).
    Merge {
        /// The parts' JSON files.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Output file (its .csv and .json are written).
        #[arg(long)]
        out: PathBuf,
    },
}

fn exit_for(err: &Error) -> ExitCode {
    match err {
        Error::Sizing(SizingError::Infeasible { .. } | SizingError::NothingCloses { .. }) => {
            super::eprint_line(&format!("error: {err}"));
            ExitCode::from(EXIT_INFEASIBLE)
        }
        Error::Sizing(
            SizingError::InvalidInput { .. }
            | SizingError::UnknownName { .. }
            | SizingError::NotApplicable { .. },
        ) => {
            super::eprint_line(&format!("error: {err}"));
            ExitCode::from(super::EXIT_BAD_INPUT)
        }
        _ => super::report_error(err),
    }
}

/// Runs `thermorbit size`.
pub fn execute(args: &SizeArgs, ctx: &Context) -> Result<ExitCode, Error> {
    match run_size(args, ctx) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Ok(exit_for(&e)),
    }
}

fn run_size(args: &SizeArgs, ctx: &Context) -> Result<(), Error> {
    let settings = args.settings();
    settings.check()?;
    let env = settings.scan()?;
    let problem = settings.problem(env.clone())?;
    let optimum = optimize(&problem, &settings.search()?)?;
    if args.json {
        ctx.console
            .data(&format!("{}\n", json(&settings, &env, &optimum)))?;
    } else {
        ctx.console.report(&table(&settings, &env, &optimum))?;
    }
    if let Some(dir) = &args.report {
        write_report(dir, &settings, &env, &optimum)?;
        if !args.json {
            ctx.console
                .report(&format!("report: {}\n", dir.join("report.md").display()))?;
        }
    }
    Ok(())
}

/// The `--json` document: the keys the issue lists at the top level, then the details.
pub fn json(settings: &SizingSettings, env: &OrbitEnvironment, o: &Optimum) -> String {
    let e = &o.best;
    let m = &e.per_mw;
    let doc = serde_json::json!({
        "radiator_planform_area_m2_per_mw": m.radiator_planform_area_m2,
        "radiator_surface_area_m2_per_mw": m.radiator_surface_area_m2,
        "radiator_mass_kg_per_mw": m.masses_kg.radiator,
        "solar_array_area_m2_per_mw": m.solar_array_area_m2,
        "total_mass_kg_per_mw": m.masses_kg.total,
        "radiator_temperature_k": e.radiator_temperature_k,
        "max_junction_temperature_k": e.max_junction_k,
        "binding_constraint": o.binding(),
        "settings": settings,
        "design": {
            "supply_k": e.design.supply_k,
            "rise_k": e.design.rise_k,
            "fin_thickness_mm": e.design.fin_thickness_m * 1e3,
            "pitch_m": e.design.pitch_m,
            "length_m": e.design.length_m,
            "lift_k": e.design.lift_k,
        },
        "stack": stack_figure(settings, e.design.length_m).map(|(st, chi)| serde_json::json!({
            "panels": st.panels,
            "gap_m": st.gap_m,
            "panel_width_m": st.width_m.unwrap_or(e.design.length_m),
            "facing_view_factor": st.facing_factor(e.design.length_m),
            "view_to_space": chi,
            "rejection_lost": 1.0 - chi,
        })),
        "at_bounds": o.at_bounds,
        "fin_efficiency": e.fin_efficiency,
        "mean_panel_temperature_k": e.mean_panel_k,
        "hot_sink_temperature_k": e.hot_sink_k,
        "cold_min_coolant_temperature_k": e.cold_min_coolant_k,
        "cold_case_heater_w_per_mw": m.cold_heater_w,
        "heat_pump_cop": e.cop,
        "sections": e.sections,
        "section_heat_w": e.section_heat_w,
        "tube_mass_flow_kg_s": e.tube_mass_flow_kg_s,
        "tube_reynolds": e.tube_reynolds,
        "tube_pressure_drop_pa": e.tube_pressure_drop_pa,
        "per_mw": m,
        "totals": e.totals,
        "constraints": e.constraints,
        "orbit": {
            "name": env.orbit,
            "orientation": env.orientation,
            "environment": env.environment.name(),
            "altitude_km": env.altitude_km,
            "period_s": env.period_s,
            "longest_eclipse_s": env.longest_eclipse_s,
            "hot_time_s": env.hot_time_s,
            "cold_time_s": env.cold_time_s,
        },
        "search": {
            "grid_points": o.report.grid_points,
            "grid_feasible": o.report.grid_feasible,
            "iterations": o.report.iterations,
            "termination": o.report.termination,
            "evaluations": o.report.evaluations,
        },
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
}

/// The GPUs' power in the cold case as a fraction of full power, as the settings give it.
fn problem_idle_fraction(s: &SizingSettings) -> f64 {
    s.idle_fraction.unwrap_or(thermorbit::sizing::IDLE_FRACTION)
}

/// The stack of the settings (if any) and its view to space χ for panels `length_m` long.
fn stack_figure(s: &SizingSettings, length_m: f64) -> Option<(RadiatorStack, f64)> {
    let stack = s.radiator_stack().ok().flatten()?;
    let chi = stack
        .view_to_space(length_m, &s.coating(), !s.one_sided)
        .ok()?;
    Some((stack, chi))
}

fn c(t_k: f64) -> f64 {
    t_k - 273.15
}

/// The table `thermorbit size` prints.
pub fn table(s: &SizingSettings, env: &OrbitEnvironment, o: &Optimum) -> String {
    let e = &o.best;
    let d = &e.design;
    let m = &e.per_mw;
    let k = &m.masses_kg;
    let mut t = String::new();
    let mut line = |l: String| {
        t.push_str(&l);
        t.push('\n');
    };
    line(format!(
        "thermorbit size: {} MW of {} in {} ({} environment), {} coolant, ε {} α {}, {}{}{}",
        s.power_mw,
        s.gpu,
        env.orbit,
        env.environment.name(),
        s.coolant,
        s.emissivity,
        s.absorptivity,
        if s.one_sided {
            "one-sided"
        } else {
            "two-sided"
        },
        if s.isothermal {
            ", ideal isothermal"
        } else {
            ""
        },
        if s.heat_pump {
            ", heat pump allowed"
        } else {
            ""
        },
    ));
    line(format!("  radiator: {}", env.orientation));
    if let Some((st, chi)) = stack_figure(s, d.length_m) {
        line(format!(
            "  stack: {} panels {:.2} m × {:.2} m, {} m apart (facing view factor {:.4}): view to space {:.4}, rejection lost at equal temperature {:.2} %",
            st.panels,
            d.length_m,
            st.width_m.unwrap_or(d.length_m),
            st.gap_m,
            st.facing_factor(d.length_m),
            chi,
            100.0 * (1.0 - chi)
        ));
    }
    line(format!(
        "  orbit: {:.0} km, period {:.1} min, longest eclipse {:.1} min; hot-case sink {:.1} K",
        env.altitude_km,
        env.period_s / 60.0,
        env.longest_eclipse_s / 60.0,
        e.hot_sink_k
    ));
    line(String::new());
    line("Optimum design".into());
    line(format!(
        "  coolant supply        {:8.2} K ({:6.2} °C)",
        d.supply_k,
        c(d.supply_k)
    ));
    line(format!("  loop rise             {:8.2} K", d.rise_k));
    line(format!(
        "  face sheet            {:8.3} mm",
        d.fin_thickness_m * 1e3
    ));
    line(format!("  tube pitch            {:8.3} m", d.pitch_m));
    line(format!("  panel length          {:8.3} m", d.length_m));
    if s.heat_pump {
        line(format!(
            "  heat-pump lift        {:8.2} K (COP {})",
            d.lift_k,
            e.cop.map_or("-".into(), |c| format!("{c:.2}"))
        ));
    }
    line(format!(
        "  radiator temperature  {:8.2} K ({:6.2} °C) mean coolant; face sheet {:.2} K",
        e.radiator_temperature_k,
        c(e.radiator_temperature_k),
        e.mean_panel_k
    ));
    line(format!("  fin efficiency        {:8.4}", e.fin_efficiency));
    line(format!(
        "  tube flow             {:8.4} kg/s, Re {:.0}, Δp {:.1} kPa",
        e.tube_mass_flow_kg_s,
        e.tube_reynolds,
        e.tube_pressure_drop_pa / 1e3
    ));
    line(String::new());
    line("Per MW of GPU power".into());
    line(format!(
        "  radiator planform     {:10.1} m²",
        m.radiator_planform_area_m2
    ));
    line(format!(
        "  radiating surface     {:10.1} m²",
        m.radiator_surface_area_m2
    ));
    line(format!(
        "  solar array           {:10.1} m²",
        m.solar_array_area_m2
    ));
    line(format!(
        "  heat rejected         {:10.1} kW (pumps {:.1} kW, heat pump {:.1} kW)",
        m.heat_rejected_w / 1e3,
        m.pump_power_w / 1e3,
        m.heat_pump_power_w / 1e3
    ));
    line(format!(
        "  array power           {:10.1} kW; battery {:.1} kWh",
        m.array_power_w / 1e3,
        m.battery_energy_wh / 1e3
    ));
    line("  mass, kg:".into());
    for (name, v) in [
        ("face sheet", k.face_sheet),
        ("tubes", k.tubes),
        ("coolant in tubes", k.coolant),
        ("manifolds/armour", k.radiator_overhead),
        ("radiator total", k.radiator),
        ("pumps", k.pumps),
        ("heat pump", k.heat_pump),
        ("solar arrays", k.solar_arrays),
        ("battery", k.battery),
        ("total", k.total),
    ] {
        line(format!("    {name:<20}{v:10.1}"));
    }
    if m.cold_heater_w > 0.0 {
        line(format!(
            "  cold-case heaters     {:10.1} kW: hold the coldest coolant at {:.2} K (freezing \
             point + margin) with the GPUs at {} % through the coldest instant",
            m.cold_heater_w / 1e3,
            e.cold_min_coolant_k,
            100.0 * problem_idle_fraction(s)
        ));
    }
    line(String::new());
    line("Constraints (margin ≥ 0 is met)".into());
    for c in &e.constraints {
        line(format!(
            "  {:<14} value {:12.4} {:<2} limit {:12.4} {:<2} margin {:10.4} {}",
            c.name, c.value, c.unit, c.limit, c.unit, c.margin, c.unit
        ));
    }
    if m.cold_heater_w > 0.0 {
        line(format!(
            "  freezing       held at {:.4} K by the cold-case heaters ({:.1} kW)",
            e.cold_min_coolant_k,
            m.cold_heater_w / 1e3
        ));
    }
    if !o.at_bounds.is_empty() {
        line(format!("  at bounds: {}", o.at_bounds.join(", ")));
    }
    line(format!("  binding: {}", o.binding()));
    line(format!(
        "search: {} grid points ({} feasible), Nelder-Mead {} iterations ({}), {} evaluations",
        o.report.grid_points,
        o.report.grid_feasible,
        o.report.iterations,
        o.report.termination,
        o.report.evaluations
    ));
    t
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|source| {
        Error::Output(OutputError::Write {
            path: path.to_path_buf(),
            source,
        })
    })
}

fn mkdir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| {
        Error::Output(OutputError::Write {
            path: dir.to_path_buf(),
            source,
        })
    })
}

/// The optimum's geometry, loop rise and lift evaluated at each mean radiator temperature
/// of `temps` for one orbit and coating: how the area follows σεT⁴ less the environment
/// (not re-optimised, so one geometry is compared across orbits and coatings). Points the
/// model cannot close (coolant below the sink, beyond its property table) are left out.
fn area_curve(
    base: &SizingSettings,
    design: &Design,
    temps: &[f64],
) -> Result<Vec<(f64, Evaluation)>, Error> {
    let env = base.scan()?;
    let p = base.problem(env)?;
    Ok(temps
        .iter()
        .filter_map(|&t| {
            let d = Design {
                supply_k: t - 0.5 * design.rise_k,
                ..*design
            };
            evaluate(&p, &d).ok().map(|e| (t, e))
        })
        .collect())
}

/// A subsystem's name and its mass per MW in an evaluation.
type MassPick = (&'static str, fn(&Evaluation) -> f64);

/// Which constraint a design misses, or "meets all".
fn verdict(e: &Evaluation) -> String {
    if e.feasible() {
        return "meets all".into();
    }
    e.tightest()
        .map(|c| format!("misses {} by {:.3} {}", c.name, -c.margin, c.unit))
        .unwrap_or_else(|| "—".into())
}

/// Writes `report.md` and its plots into `dir`.
pub fn write_report(
    dir: &Path,
    s: &SizingSettings,
    env: &OrbitEnvironment,
    o: &Optimum,
) -> Result<(), Error> {
    mkdir(dir)?;
    let e = &o.best;
    // 1. Area per MW against radiator temperature: three orbits, two coatings, the optimum's
    // geometry at mean coolant temperatures from 260 K to the coolant table's top.
    let (_, coolant_top_k) = s.coolant()?.valid_range_k();
    let t_max = (coolant_top_k - 0.5 * e.design.rise_k - 1.0).min(400.0);
    let temps: Vec<f64> = (0..)
        .map(|i| 260.0 + 5.0 * i as f64)
        .take_while(|&t| t <= t_max)
        .collect();
    let coatings = [
        ("white paint AZ-93 (α 0.15, ε 0.91)", 0.15, 0.91),
        ("silver Teflon OSR (α 0.08, ε 0.78)", 0.08, 0.78),
    ];
    let mut series = Vec::new();
    let mut area_rows = String::from(
        "| orbit | coating | T (K) | hot sink (K) | planform m²/MW | total kg/MW | constraints |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let mut mass_curves: Vec<(f64, Evaluation)> = Vec::new();
    for orbit in OrbitPreset::ALL {
        for (label, a, eps) in coatings {
            let base = SizingSettings {
                orbit: orbit.name().into(),
                absorptivity: a,
                emissivity: eps,
                radiator_temp_k: None,
                ..s.clone()
            };
            let curve = area_curve(&base, &e.design, &temps)?;
            for (t, ev) in curve.iter().filter(|(t, _)| (*t as i64) % 20 == 0) {
                area_rows.push_str(&format!(
                    "| {} | {} | {:.0} | {:.1} | {:.1} | {:.0} | {} |\n",
                    orbit.name(),
                    label,
                    t,
                    ev.hot_sink_k,
                    ev.per_mw.radiator_planform_area_m2,
                    ev.per_mw.masses_kg.total,
                    verdict(ev),
                ));
            }
            if orbit.name() == s.orbit && (a - s.absorptivity).abs() < 1e-12 {
                mass_curves = curve.clone();
            }
            if !curve.is_empty() {
                series.push(Series::new(
                    format!("{} {}", orbit.name(), label),
                    curve.iter().map(|c| c.0).collect(),
                    curve
                        .iter()
                        .map(|c| c.1.per_mw.radiator_planform_area_m2)
                        .collect(),
                ));
            }
        }
    }
    let plot = |name: &str,
                title: &str,
                x: &str,
                y: &str,
                series: Vec<Series>,
                log_y: bool|
     -> Result<(), Error> {
        if series.is_empty() {
            return Ok(());
        }
        plot_lines(
            &dir.join(name),
            &LinePlot {
                title: title.into(),
                x_label: x.into(),
                y_label: y.into(),
                series,
                shaded: vec![],
                shaded_label: None,
                log_x: false,
                log_y,
                reference_slopes: vec![],
            },
        )?;
        Ok(())
    };
    plot(
        "area_vs_temperature.png",
        "Radiator planform area per MW vs radiator temperature (optimum geometry)",
        "radiator temperature (mean coolant), K",
        "planform area, m²/MW (log scale)",
        series,
        true,
    )?;
    // 2. Mass breakdown against radiator temperature (this orbit and coating).
    let pick: [MassPick; 6] = [
        ("radiator", |e| e.per_mw.masses_kg.radiator),
        ("solar arrays", |e| e.per_mw.masses_kg.solar_arrays),
        ("battery", |e| e.per_mw.masses_kg.battery),
        ("pumps", |e| e.per_mw.masses_kg.pumps),
        ("heat pump", |e| e.per_mw.masses_kg.heat_pump),
        ("total", |e| e.per_mw.masses_kg.total),
    ];
    let mass_series: Vec<Series> = pick
        .iter()
        .map(|(n, f)| {
            Series::new(
                *n,
                mass_curves.iter().map(|c| c.0).collect(),
                mass_curves.iter().map(|c| f(&c.1) / 1e3).collect(),
            )
        })
        .collect();
    plot(
        "mass_breakdown.png",
        &format!("Mass per MW by subsystem ({}, optimum geometry)", s.orbit),
        "radiator temperature (mean coolant), K",
        "mass, t/MW",
        mass_series,
        false,
    )?;
    let mut mass_rows = String::from("| subsystem | t/MW at the optimum |\n|---|---|\n");
    for (n, f) in &pick {
        mass_rows.push_str(&format!("| {n} | {:.2} |\n", f(e) / 1e3));
    }
    // 3. Area against junction margin.
    let env_s = s.scan()?;
    let mut margin_x = Vec::new();
    let mut margin_y = Vec::new();
    for margin in [0.0, 5.0, 11.0, 15.0, 20.0, 25.0] {
        let mut p = s.problem(env_s.clone())?;
        p.limits.junction_margin_k = margin;
        let sopt = thermorbit::sizing::SearchOptions {
            radiator_temperature_k: None,
            ..s.search()?
        };
        if let Ok(r) = optimize(&p, &sopt) {
            margin_x.push(margin);
            margin_y.push(r.best.per_mw.radiator_planform_area_m2);
        }
    }
    plot(
        "area_vs_junction_margin.png",
        "Planform area per MW against the junction margin",
        "junction margin below the limit, K",
        "planform area, m²/MW",
        vec![Series::new(
            format!("{} (re-optimised at each margin)", s.orbit),
            margin_x.clone(),
            margin_y.clone(),
        )],
        false,
    )?;
    // 4. Heat-pump trade: fixed lifts.
    let mut hp_x = Vec::new();
    let mut hp_area = Vec::new();
    let mut hp_mass = Vec::new();
    for lift in [0.0, 10.0, 20.0, 30.0, 40.0, 60.0] {
        let hs = SizingSettings {
            heat_pump: true,
            ..s.clone()
        };
        let mut p = hs.problem(env_s.clone())?;
        p.heat_pump = true;
        // Evaluate the optimum's geometry at each lift with the supply at the junction limit.
        let junction_top = e.design.supply_k + lift;
        let d = thermorbit::sizing::Design {
            supply_k: junction_top,
            lift_k: lift,
            ..e.design
        };
        if let Ok(ev) = thermorbit::sizing::evaluate(&p, &d) {
            hp_x.push(lift);
            hp_area.push(ev.per_mw.radiator_planform_area_m2);
            hp_mass.push(ev.per_mw.masses_kg.total);
        }
    }
    let ratio = |v: &[f64]| -> Vec<f64> {
        let first = v.first().copied().unwrap_or(1.0);
        v.iter().map(|x| x / first).collect()
    };
    plot(
        "heat_pump_trade.png",
        "Heat-pump lift: radiator area and total mass, relative to no heat pump",
        "heat-pump lift, K",
        "ratio to no lift (optimum geometry)",
        vec![
            Series::new("radiator planform area", hp_x.clone(), ratio(&hp_area)),
            Series::new(
                "total mass (arrays, battery, heat pump incl.)",
                hp_x.clone(),
                ratio(&hp_mass),
            ),
        ],
        false,
    )?;
    let mut md = String::new();
    md.push_str("# thermorbit size report\n\n```\n");
    md.push_str(&table(s, env, o));
    md.push_str("```\n\n## Area per MW against radiator temperature\n\n");
    md.push_str(
        "The optimum's geometry (face sheet, pitch, length, loop rise) evaluated on the solved \
         model at mean coolant temperatures every 5 K, in each orbit's hot case, for two \
         coatings: the area follows σεT⁴ less what the environment puts back. Points outside \
         the window that meets every constraint are kept to show the trend; the table says \
         which constraint each misses (junction when too hot, freezing in the cold case when \
         too cold).\n\n",
    );
    md.push_str("![area](area_vs_temperature.png)\n\n");
    md.push_str(&area_rows);
    md.push_str("\n## Mass per MW by subsystem\n\n![mass](mass_breakdown.png)\n\n");
    md.push_str(&mass_rows);
    md.push('\n');
    md.push_str("## Area against junction margin\n\n![margin](area_vs_junction_margin.png)\n\n| margin K | planform m²/MW |\n|---|---|\n");
    for (x, y) in margin_x.iter().zip(&margin_y) {
        md.push_str(&format!("| {x:.0} | {y:.1} |\n"));
    }
    md.push_str("\n## Heat-pump trade\n\nThe optimum's geometry with the radiator loop raised by the lift above the racks' loop (COP = Carnot fraction × T_evap / lift).\n\n![heat pump](heat_pump_trade.png)\n\n| lift K | planform m²/MW | total kg/MW |\n|---|---|---|\n");
    for ((x, a), m) in hp_x.iter().zip(&hp_area).zip(&hp_mass) {
        md.push_str(&format!("| {x:.0} | {a:.1} | {m:.0} |\n"));
    }
    write(&dir.join("report.md"), &md)?;
    write(&dir.join("size.json"), &json(s, env, o))?;
    Ok(())
}

fn parse_shard(text: &str) -> Result<(usize, usize), Error> {
    let bad = || {
        Error::Sizing(SizingError::InvalidInput {
            quantity: format!("--shard {text}"),
            value: f64::NAN,
            allowed: "i/n with integers 0 <= i < n".into(),
        })
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

fn write_table(stem: &Path, rows: &[SweepRow]) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into());
    write(&stem.with_extension("csv"), &to_csv(rows))?;
    write(&stem.with_extension("json"), &json)?;
    Ok(())
}

/// Runs `thermorbit sweep`.
pub fn execute_sweep(args: &SweepArgs, ctx: &Context) -> Result<ExitCode, Error> {
    match run_sweep(args, ctx) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Ok(exit_for(&e)),
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| {
        Error::Input(thermorbit::error::InputError::Read {
            file: path.to_path_buf(),
            source,
        })
    })
}

fn run_sweep(args: &SweepArgs, ctx: &Context) -> Result<(), Error> {
    if let Some(SweepCommand::Merge { parts, out }) = &args.command {
        let mut all = Vec::new();
        for p in parts {
            let rows: Vec<SweepRow> = serde_json::from_str(&read(p)?).map_err(|e| {
                Error::Sizing(SizingError::UnknownName {
                    quantity: "sweep part",
                    name: format!("{}: {e}", p.display()),
                    allowed: "a JSON part written by `thermorbit sweep --shard`".into(),
                })
            })?;
            all.push(rows);
        }
        let rows = merge(all)?;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            mkdir(parent)?;
        }
        write_table(out, &rows)?;
        ctx.console.report(&format!(
            "merged {} rows into {}\n",
            rows.len(),
            out.with_extension("csv").display()
        ))?;
        return Ok(());
    }
    let Some(spec_path) = &args.spec else {
        return Err(Error::Sizing(SizingError::InvalidInput {
            quantity: "sweep file".into(),
            value: f64::NAN,
            allowed: "`thermorbit sweep SPEC.toml` or `thermorbit sweep merge PARTS... --out FILE`"
                .into(),
        }));
    };
    let spec = SweepSpec::parse(&read(spec_path)?).map_err(|mut e| {
        if let SizingError::UnknownName { allowed, .. } = &mut e {
            allowed.push_str(" (see `thermorbit sweep --help`)");
        }
        e
    })?;
    let shard = match &args.shard {
        Some(s) => parse_shard(s)?,
        None => (0, 1),
    };
    let rows = spec.run(shard)?;
    mkdir(&args.out)?;
    let stem = if shard.1 == 1 {
        args.out.join("sweep")
    } else {
        args.out.join(format!("part-{}-of-{}", shard.0, shard.1))
    };
    write_table(&stem, &rows)?;
    ctx.console.report(&format!(
        "{} points ({} feasible) -> {}\n",
        rows.len(),
        rows.iter().filter(|r| r.feasible).count(),
        stem.with_extension("csv").display()
    ))?;
    Ok(())
}
