//! The search: a coarse grid of designs evaluated in parallel, then Nelder–Mead (argmin)
//! from the grid's best point, on a bounded transform with feasibility-first penalties.
//!
//! **Variables and bounds.** Each design variable lives in `[lo, hi]` ([`Bounds`]); the
//! optimizer moves free coordinates `u ∈ ℝ` mapped by `x = lo + (hi − lo) (1 − cos πu)/2`,
//! which is smooth, monotone on `[0, 1]` and folds back outside it, so Nelder–Mead never
//! leaves the box (Box 1966's trigonometric transform; no clipping kinks). The supply
//! temperature's upper bound is the junction constraint, solved once per loop rise: the
//! rise of one GPU's junction above its coolant supply comes from the solved chain
//! ([`junction_rise_k`]) at the rack loop's flow with pump heat ignored (slightly less
//! flow than the design will have, so the bound errs safe), and `T_supply ≤ T_limit −
//! margin − rise + lift`. The junction constraint is still checked on every evaluation.
//!
//! **Constraints** (freezing, pressure drop, pump power and the junction) are handled
//! feasibility-first (Deb, *Comput. Methods Appl. Mech. Eng.* 186, 311, 2000) folded into one
//! scalar for Nelder–Mead: a feasible design costs its objective; an infeasible one costs
//! `F + V`, with `F` above every feasible objective the grid saw and `V` its summed relative
//! violation, so any feasible design beats any infeasible one and among infeasible designs
//! the less violating wins. A design the model cannot close (supply below the sink) costs
//! `F + 10⁶`.
//!
//! **Determinism.** Grid points are evaluated with rayon into their own slots and reduced in
//! index order; Nelder–Mead is sequential: the same answer on any number of threads.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;

use super::design::{evaluate, Design, Evaluation, Objective, Problem};
use super::section::junction_rise_k;
use crate::error::{Error, SizingError};

/// Bounds of the design variables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Lowest supply temperature, K (the upper one is the junction limit).
    pub supply_min_k: f64,
    /// Loop temperature rise, K.
    pub rise_k: [f64; 2],
    /// Face-sheet thickness, m.
    pub fin_thickness_m: [f64; 2],
    /// Tube pitch, m.
    pub pitch_m: [f64; 2],
    /// Panel length, m.
    pub length_m: [f64; 2],
    /// Heat-pump lift, K.
    pub lift_k: [f64; 2],
}

impl Bounds {
    /// Defaults: rise 3–20 K; face sheet 0.2–2 mm (thinner sheets are hard to handle and
    /// bond; 2 mm is past any mass optimum); pitch 5–40 cm; length 2–12 m (one launcher
    /// fairing's length folded once); lift 0–60 K. Supply from the coolant's freezing point
    /// plus the margin.
    pub fn for_problem(p: &Problem) -> Self {
        let (lo, _) = p.coolant.valid_range_k();
        Self {
            supply_min_k: (p.coolant.freezing_point_k() + p.limits.freezing_margin_k).max(lo + 1.0),
            rise_k: [3.0, 20.0],
            fin_thickness_m: [0.2e-3, 2.0e-3],
            pitch_m: [0.05, 0.40],
            length_m: [2.0, 12.0],
            lift_k: [0.0, 60.0],
        }
    }
}

/// How the search runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchOptions {
    /// What to minimise.
    pub objective: Objective,
    /// Fix the radiator temperature (mean coolant temperature in the radiator), K.
    pub radiator_temperature_k: Option<f64>,
    /// Grid levels per free variable (≥ 2).
    pub grid_levels: usize,
    /// Nelder–Mead iteration limit.
    pub max_iterations: u64,
    /// Bounds (`None`: [`Bounds::for_problem`]); a range with equal ends fixes a variable.
    pub bounds: Option<Bounds>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            objective: Objective::PlanformArea,
            radiator_temperature_k: None,
            grid_levels: 3,
            max_iterations: 120,
            bounds: None,
        }
    }
}

/// Why the search stopped and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchReport {
    /// Grid points evaluated.
    pub grid_points: usize,
    /// Feasible grid points.
    pub grid_feasible: usize,
    /// Nelder–Mead iterations.
    pub iterations: u64,
    /// argmin's termination status, in words.
    pub termination: String,
    /// Design evaluations in all.
    pub evaluations: usize,
}

/// The optimum and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The best design, evaluated.
    pub best: Evaluation,
    /// Names of the variables at a bound (`pitch_m=min`, …).
    pub at_bounds: Vec<String>,
    /// The search.
    pub report: SearchReport,
    /// The bounds used.
    pub bounds: Bounds,
}

impl Optimum {
    /// The binding constraint: a constraint within 0.5 % (relative) of its limit, else the
    /// first variable at a bound, else the tightest constraint.
    pub fn binding(&self) -> String {
        let tight = self.best.tightest();
        match tight {
            Some(c) if c.relative_margin() < 0.5 => c.name.to_string(),
            _ => self
                .at_bounds
                .first()
                .map(|b| format!("bound:{b}"))
                .or_else(|| tight.map(|c| c.name.to_string()))
                .unwrap_or_else(|| "none".into()),
        }
    }
}

/// The free variables of a problem, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Supply,
    Rise,
    Thickness,
    Pitch,
    Length,
    Lift,
}

impl Var {
    fn name(self) -> &'static str {
        match self {
            Var::Supply => "supply_k",
            Var::Rise => "rise_k",
            Var::Thickness => "fin_thickness_m",
            Var::Pitch => "pitch_m",
            Var::Length => "length_m",
            Var::Lift => "lift_k",
        }
    }
}

/// Maps the unit coordinates to a design.
struct Mapper<'a> {
    problem: &'a Problem,
    bounds: Bounds,
    vars: Vec<Var>,
    fixed_mean_k: Option<f64>,
}

/// `(1 − cos πu)/2`: `[0, 1] → [0, 1]`, folding outside.
fn fold(u: f64) -> f64 {
    (1.0 - (std::f64::consts::PI * u).cos()) / 2.0
}

fn lerp(r: [f64; 2], t: f64) -> f64 {
    r[0] + (r[1] - r[0]) * t
}

impl Mapper<'_> {
    /// The highest supply temperature the junction allows at `rise_k` and `lift_k`.
    fn supply_max_k(&self, rise_k: f64, lift_k: f64) -> Result<f64, Error> {
        let p = self.problem;
        let guess_k = p.gpu.chain.junction_limit_k - 30.0;
        let props = p.coolant.properties_at(
            guess_k.clamp(p.coolant.valid_range_k().0, p.coolant.valid_range_k().1),
        )?;
        let per_gpu = p.gpu.chain.power_w / rise_k;
        let rise = junction_rise_k(&p.gpu.chain, p.coolant.name(), props, per_gpu)?;
        let hi = p.gpu.chain.junction_limit_k - p.limits.junction_margin_k - rise + lift_k;
        Ok(hi.min(p.coolant.valid_range_k().1 - rise_k))
    }

    fn design(&self, u: &[f64]) -> Result<Design, Error> {
        let b = &self.bounds;
        let mut d = Design {
            supply_k: 0.0,
            rise_k: b.rise_k[0],
            fin_thickness_m: b.fin_thickness_m[0],
            pitch_m: b.pitch_m[0],
            length_m: b.length_m[0],
            lift_k: 0.0,
        };
        let mut supply_t = 1.0;
        for (v, &x) in self.vars.iter().zip(u) {
            let t = fold(x);
            match v {
                Var::Supply => supply_t = t,
                Var::Rise => d.rise_k = lerp(b.rise_k, t),
                Var::Thickness => d.fin_thickness_m = lerp(b.fin_thickness_m, t),
                Var::Pitch => d.pitch_m = lerp(b.pitch_m, t),
                Var::Length => d.length_m = lerp(b.length_m, t),
                Var::Lift => d.lift_k = lerp(b.lift_k, t),
            }
        }
        if self.problem.isothermal {
            d.rise_k = super::design::ISOTHERMAL_RISE_K;
        }
        d.supply_k = match self.fixed_mean_k {
            Some(t) => t - 0.5 * d.rise_k,
            None => {
                let hi = self.supply_max_k(d.rise_k, d.lift_k)?;
                b.supply_min_k + (hi - b.supply_min_k) * supply_t
            }
        };
        Ok(d)
    }
}

struct Cost<'a> {
    mapper: &'a Mapper<'a>,
    objective: Objective,
    infeasible_base: f64,
    evaluations: std::sync::atomic::AtomicUsize,
}

impl Cost<'_> {
    fn score(&self, e: &Result<Evaluation, Error>) -> f64 {
        match e {
            Ok(e) if e.feasible() => self.objective.value(e),
            Ok(e) => self.infeasible_base + e.violation(),
            Err(_) => self.infeasible_base + 1e6,
        }
    }

    fn eval(&self, u: &[f64]) -> Result<Evaluation, Error> {
        self.evaluations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = self.mapper.design(u)?;
        evaluate(self.mapper.problem, &d)
    }
}

/// The cost as argmin sees it (borrowed, so the evaluation count stays readable).
struct CostRef<'a>(&'a Cost<'a>);

impl CostFunction for CostRef<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, u: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.0.score(&self.0.eval(u)))
    }
}

/// Checks a fixed radiator temperature against the sink and the junction limit.
fn check_fixed_temperature(p: &Problem, t: f64) -> Result<(), SizingError> {
    let sink = p.hot_sink_k();
    let limit = p.gpu.chain.junction_limit_k;
    if !(t.is_finite() && t > sink && t < limit) {
        return Err(SizingError::InvalidInput {
            quantity: "radiator temperature (K)".into(),
            value: t,
            allowed: format!(
                "above the hot-case sink temperature {sink:.2} K (where the faces settle with \
                 no coolant) and below the junction limit {limit:.2} K"
            ),
        });
    }
    Ok(())
}

/// Checks that some supply temperature the junction allows lies above the hot-case sink
/// (where the faces settle with no coolant): the radiator's outlet is the supply, and a
/// radiator only rejects heat from coolant above its sink. The hottest supply is the
/// junction's bound at the largest rise and lift (the junction rise falls with flow, but the
/// inlet, supply + rise, is what must exceed the sink; both are taken at their most
/// favourable ends).
fn check_sink_below_supply(m: &Mapper<'_>) -> Result<(), Error> {
    let p = m.problem;
    let b = &m.bounds;
    let lift_k = if p.heat_pump { b.lift_k[1] } else { 0.0 };
    let mut hottest_inlet_k = f64::NEG_INFINITY;
    for rise_k in [b.rise_k[0], b.rise_k[1]] {
        hottest_inlet_k = hottest_inlet_k.max(m.supply_max_k(rise_k, lift_k)? + rise_k);
    }
    let sink_k = p.hot_sink_k();
    if sink_k >= hottest_inlet_k {
        return Err(SizingError::Infeasible {
            constraint: "junction".into(),
            shortfall: sink_k - hottest_inlet_k,
            unit: "K".into(),
            detail: format!(
                "the radiator's faces settle at {sink_k:.2} K with no coolant in the hot case \
                 (coating α {:.2}, ε {:.2}), above the hottest coolant the junction limit \
                 {:.2} K less its margin and resistance chain allows, {hottest_inlet_k:.2} K: \
                 no radiator of any size rejects the heat; lower the absorptivity, raise the \
                 emissivity or allow a heat pump",
                p.coating.absorptivity, p.coating.emissivity, p.gpu.chain.junction_limit_k
            ),
        }
        .into());
    }
    Ok(())
}

/// Minimises `options.objective` over the design space of `problem`.
///
/// Errors: [`SizingError::InvalidInput`] for a fixed radiator temperature outside (sink,
/// junction limit); [`SizingError::Infeasible`] when no design found meets every
/// constraint — naming the constraint the best design misses and by how much.
pub fn optimize(problem: &Problem, options: &SearchOptions) -> Result<Optimum, Error> {
    if let Some(t) = options.radiator_temperature_k {
        check_fixed_temperature(problem, t)?;
    }
    let bounds = options
        .bounds
        .unwrap_or_else(|| Bounds::for_problem(problem));
    let mut vars = Vec::new();
    if options.radiator_temperature_k.is_none() {
        vars.push(Var::Supply);
    }
    if !problem.isothermal {
        vars.push(Var::Rise);
    }
    vars.extend([Var::Thickness, Var::Pitch, Var::Length]);
    if problem.heat_pump {
        vars.push(Var::Lift);
    }
    let mapper = Mapper {
        problem,
        bounds,
        vars: vars.clone(),
        fixed_mean_k: options.radiator_temperature_k,
    };
    if options.radiator_temperature_k.is_none() {
        check_sink_below_supply(&mapper)?;
    }
    let levels = options.grid_levels.max(2);
    // Grid in unit coordinates; the supply starts high (the area falls with temperature).
    let level = |var: Var, k: usize| -> f64 {
        let t = k as f64 / (levels - 1) as f64;
        match var {
            Var::Supply => 0.5 + 0.5 * t,
            _ => t,
        }
    };
    let n = vars.len();
    let total = levels.pow(n as u32);
    let points: Vec<Vec<f64>> = (0..total)
        .map(|mut idx| {
            vars.iter()
                .map(|&v| {
                    let k = idx % levels;
                    idx /= levels;
                    // Unit coordinate whose fold gives the level.
                    (1.0 - 2.0 * level(v, k)).clamp(-1.0, 1.0).acos() / std::f64::consts::PI
                })
                .collect()
        })
        .collect();
    let probe = Cost {
        mapper: &mapper,
        objective: options.objective,
        infeasible_base: 0.0,
        evaluations: 0.into(),
    };
    let results: Vec<Result<Evaluation, Error>> =
        points.par_iter().map(|u| probe.eval(u)).collect();
    let feasible: Vec<(usize, f64)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            Ok(e) if e.feasible() => Some((i, options.objective.value(e))),
            _ => None,
        })
        .collect();
    let worst_feasible = feasible.iter().map(|f| f.1).fold(0.0, f64::max);
    let cost = Cost {
        mapper: &mapper,
        objective: options.objective,
        infeasible_base: 10.0 * worst_feasible.max(1.0),
        evaluations: 0.into(),
    };
    let start = results
        .iter()
        .enumerate()
        .map(|(i, r)| (i, cost.score(r)))
        .fold(
            (0, f64::INFINITY),
            |best, (i, c)| {
                if c < best.1 {
                    (i, c)
                } else {
                    best
                }
            },
        )
        .0;
    let x0 = points[start].clone();
    // Initial simplex: the start and a step of 0.15 (unit coordinates) along each axis,
    // towards the middle of the box.
    let mut simplex = vec![x0.clone()];
    for i in 0..n {
        let mut x = x0.clone();
        let t = fold(x[i]);
        x[i] += if t > 0.5 { -0.15 } else { 0.15 };
        simplex.push(x);
    }
    let grid_points = total;
    let grid_feasible = feasible.len();
    let mut iterations = 0;
    let mut termination = "grid only".to_string();
    let mut best_u = x0;
    if n > 0 {
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-7)
            .map_err(|e| SizingError::NoClosure {
                reason: format!("Nelder-Mead set-up: {e}"),
            })?;
        let res = Executor::new(CostRef(&cost), solver)
            .configure(|s| s.max_iters(options.max_iterations))
            .run()
            .map_err(|e| SizingError::NoClosure {
                reason: format!("Nelder-Mead: {e}"),
            })?;
        iterations = res.state().get_iter();
        termination = res.state().get_termination_status().to_string();
        if let Some(b) = res.state().get_best_param() {
            best_u = b.clone();
        }
    }
    let best = match cost.eval(&best_u) {
        Ok(e) => e,
        // No design of the box could be closed: infeasible, not a solver failure.
        Err(err) => {
            return Err(SizingError::NothingCloses {
                detail: format!("no design within the bounds rejects the heat ({err})"),
            }
            .into())
        }
    };
    // The grid's best may still beat the simplex's if Nelder-Mead only saw infeasible points.
    let best = match &results[start] {
        Ok(g) if cost.score(&Ok(g.clone())) < cost.score(&Ok(best.clone())) => g.clone(),
        _ => best,
    };
    let evaluations = cost.evaluations.load(std::sync::atomic::Ordering::Relaxed)
        + probe.evaluations.load(std::sync::atomic::Ordering::Relaxed);
    if !best.feasible() {
        let worst = best
            .constraints
            .iter()
            .min_by(|a, b| {
                a.relative_margin()
                    .partial_cmp(&b.relative_margin())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .cloned();
        return Err(match worst {
            Some(c) => SizingError::Infeasible {
                constraint: c.name.to_string(),
                shortfall: -c.margin,
                unit: c.unit.to_string(),
                detail: format!(
                    "best design: value {:.4} {} against limit {:.4} {}{}",
                    c.value,
                    c.unit,
                    c.limit,
                    c.unit,
                    if c.name == "freezing" {
                        format!(
                            "; a radiator sized for the hot case over-cools the loop with the \
                             GPUs at {:.0} % of full power through the longest eclipse: a \
                             bypass or heaters (not modelled) would be needed, or \
                             an idle fraction of 1 if the GPUs keep running on the battery",
                            100.0 * problem.gpu.idle_fraction
                        )
                    } else {
                        String::new()
                    }
                ),
            },
            None => SizingError::NoClosure {
                reason: "no design could be evaluated".into(),
            },
        }
        .into());
    }
    let d = best.design;
    let b = &bounds;
    let mut at_bounds = Vec::new();
    let near = |x: f64, r: [f64; 2]| {
        let tol = 1e-3 * (r[1] - r[0]);
        if (x - r[0]).abs() <= tol {
            Some("min")
        } else if (r[1] - x).abs() <= tol {
            Some("max")
        } else {
            None
        }
    };
    for v in &vars {
        let side = match v {
            Var::Supply => None,
            Var::Rise => near(d.rise_k, b.rise_k),
            Var::Thickness => near(d.fin_thickness_m, b.fin_thickness_m),
            Var::Pitch => near(d.pitch_m, b.pitch_m),
            Var::Length => near(d.length_m, b.length_m),
            Var::Lift => near(d.lift_k, b.lift_k),
        };
        if let Some(s) = side {
            at_bounds.push(format!("{}={s}", v.name()));
        }
    }
    Ok(Optimum {
        best,
        at_bounds,
        report: SearchReport {
            grid_points,
            grid_feasible,
            iterations,
            termination,
            evaluations,
        },
        bounds,
    })
}
