//! Thermal and power together: after the thermal solve, the power budget over
//! the run from the solved array temperatures, the battery's losses fed back
//! as its heat, and the spacecraft's figures of merit (hottest junction,
//! coolant temperatures, radiator rejection, array temperatures, state of
//! charge) as time series.
//!
//! The coupling runs one way within a solve: array output depends on array
//! temperature (inside the thermal solve, through the network's
//! temperature-dependent sources); the battery's losses depend on the budget,
//! which is integrated from the solution, so they enter a second thermal solve
//! when the battery carries any energy. The budget is then integrated again
//! from the second solve (what the run reports), and the change of the
//! battery's heat between the two passes is reported (zero when, as usual, the
//! arrays do not see the battery's heat). A periodic run instead feeds the
//! losses back period by period within one periodic solve
//! ([`Model::solve_periodic_with_battery`]), and reports the change between
//! the losses its final period used and that period's own budget. GPU load that the budget sheds is
//! reported, not taken out of the thermal solve: the temperatures are those of
//! the full load, which is conservative.

use super::spacecraft::Spacecraft;
use super::{CaseOrbit, Model, Solution};
use crate::error::Error;
use crate::error::SolveError;
use std::sync::Arc;

use crate::network::{AssembledNetwork, NodeId, Profile, SampledSeries, TimeTable};
use crate::power::{integrate, PowerDemand, PowerHistory, Storage};
use crate::solve::periodic::{
    lumped_periodic_response, solve_periodic_with_feedback, Feedback, PeriodicIteration,
    PeriodicOptions,
};
use crate::solve::transient::TransientSolution;
use crate::solve::PeriodicSolution;

/// Temperatures of every node at sample times: what the budget and the
/// figures of merit are read from.
pub(super) struct Samples<'a> {
    /// Sample times, s.
    pub times_s: Vec<f64>,
    /// `temperatures_k[k][node]`.
    pub temperatures_k: Vec<&'a [f64]>,
}

impl<'a> Samples<'a> {
    /// The samples of a solution: a transient's outputs (a periodic run's final
    /// period); for a steady state,
    /// its temperatures at the flux series' grid times over the averaged orbit
    /// (or at its one time without an orbit).
    pub fn of(solution: &'a Solution, orbit: Option<&CaseOrbit>, time_s: f64) -> Self {
        match solution {
            Solution::Transient(t)
            | Solution::Periodic(PeriodicSolution {
                final_period: t, ..
            }) => Self::of_history(t),
            Solution::Steady(s) => Self::held(
                &s.temperatures_k,
                orbit,
                orbit.and_then(|o| o.averaged_over_s),
                time_s,
            ),
        }
    }

    /// The outputs of a time history.
    pub fn of_history(t: &'a TransientSolution) -> Self {
        Self {
            times_s: t.times_s.clone(),
            temperatures_k: t.temperatures_k.iter().map(Vec::as_slice).collect(),
        }
    }

    /// Temperatures `temps` (one per node) held at the orbit's flux-grid
    /// times within `window` (its two ends when the grid has fewer points
    /// there), or at the one time `time_s` without a window.
    pub fn held(
        temps: &'a [f64],
        orbit: Option<&CaseOrbit>,
        window: Option<(f64, f64)>,
        time_s: f64,
    ) -> Self {
        let times_s = match window {
            Some((t0, t1)) => {
                let grid = orbit.map(|o| o.series.times_s()).unwrap_or(&[]);
                let mut t: Vec<f64> = grid
                    .iter()
                    .copied()
                    .filter(|&x| x >= t0 && x <= t1)
                    .collect();
                if t.len() < 2 {
                    t = vec![t0, t1];
                }
                t
            }
            None => vec![time_s],
        };
        let n = times_s.len();
        Self {
            times_s,
            temperatures_k: vec![temps; n],
        }
    }
}

/// The spacecraft's figures of merit over the run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpacecraftResults {
    /// Sample times, s.
    pub times_s: Vec<f64>,
    /// Per rack: `(name, junction temperature at each sample, limit)`.
    pub junctions_k: Vec<(String, Vec<f64>, f64)>,
    /// Per loop and radiator stop: `(loop, panel, inlet K, outlet K, heat rejected W)` series.
    pub radiators: Vec<RadiatorSeries>,
    /// Per array: `(name, temperature K)` series.
    pub arrays_k: Vec<(String, Vec<f64>)>,
    /// Lowest coolant temperature anywhere in each loop at each sample:
    /// `(loop, series, freezing point)`.
    pub coolant_min_k: Vec<(String, Vec<f64>, f64)>,
    /// The power budget, when the case has arrays or a battery.
    pub power: Option<PowerHistory>,
    /// Change of the battery's mean heat between the losses the solve used (fed back
    /// from the previous period, or the steady state's estimate) and the budget of the
    /// final temperatures, W (0 without a battery): how well the feedback settled.
    pub battery_heat_change_w: f64,
}

/// A limit a spacecraft run breaks. The run still succeeds: these are design findings,
/// reported on the console and in `summary.json`'s `spacecraft.warnings`.
#[derive(Debug, Clone, PartialEq)]
pub enum SpacecraftWarning {
    /// A rack's junctions exceed their temperature limit.
    JunctionOverLimit {
        /// Rack name.
        rack: String,
        /// Hottest junction temperature over the run, K.
        temperature_k: f64,
        /// The limit, K.
        limit_k: f64,
    },
    /// A loop's coolant falls to or below its freezing point somewhere.
    CoolantFreezing {
        /// Loop name.
        loop_name: String,
        /// Lowest coolant temperature over the run, K.
        temperature_k: f64,
        /// Freezing point of the coolant, K.
        freezing_k: f64,
    },
    /// The arrays and the battery cannot carry the bus load.
    PowerDeficit {
        /// Energy not delivered, Wh.
        deficit_wh: f64,
    },
    /// GPU load was shed to keep the battery within its depth of discharge.
    GpuLoadShed {
        /// GPU energy shed, Wh.
        shed_wh: f64,
    },
}

impl std::fmt::Display for SpacecraftWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = |t: f64| t - crate::constants::CELSIUS_OFFSET_K;
        match self {
            Self::JunctionOverLimit {
                rack,
                temperature_k: t,
                limit_k: l,
            } => write!(
                f,
                "the junctions of rack `{rack}` reach {t:.1} K ({:.1} °C), {:.1} K above their \
                 limit {l:.1} K ({:.1} °C)",
                c(*t),
                t - l,
                c(*l)
            ),
            Self::CoolantFreezing {
                loop_name,
                temperature_k: t,
                freezing_k: z,
            } => write!(
                f,
                "the coolant of loop `{loop_name}` falls to {t:.1} K ({:.1} °C), at or below its \
                 freezing point {z:.1} K ({:.1} °C)",
                c(*t),
                c(*z)
            ),
            Self::PowerDeficit { deficit_wh } => write!(
                f,
                "arrays and battery cannot carry the load: a deficit of {deficit_wh:.1} Wh"
            ),
            Self::GpuLoadShed { shed_wh } => write!(
                f,
                "{shed_wh:.1} Wh of GPU load was shed to stay within the battery's depth of \
                 discharge (temperatures are those of the full load)"
            ),
        }
    }
}

/// Coolant in and out of one radiator, and the heat it gave up.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RadiatorSeries {
    /// Loop name.
    pub loop_name: String,
    /// Panel name.
    pub panel: String,
    /// Coolant entering, K.
    pub inlet_k: Vec<f64>,
    /// Coolant leaving (mixed), K.
    pub outlet_k: Vec<f64>,
    /// Heat the coolant gave up, `ṁc_p (T_in − T_out)`, W.
    pub heat_w: Vec<f64>,
}

impl SpacecraftResults {
    /// Hottest junction over racks and samples: `(rack, temperature, limit, time)`.
    pub fn hottest_junction(&self) -> Option<(&str, f64, f64, f64)> {
        let mut best: Option<(&str, f64, f64, f64)> = None;
        for (name, series, limit) in &self.junctions_k {
            for (k, &t) in series.iter().enumerate() {
                if best.is_none_or(|b| t - limit > b.1 - b.2) {
                    best = Some((name, t, *limit, self.times_s[k]));
                }
            }
        }
        best
    }

    /// Every limit the run breaks: junctions over their limit, coolant at or below its
    /// freezing point, a power deficit, GPU load shed.
    pub fn warnings(&self) -> Vec<SpacecraftWarning> {
        let mut out = Vec::new();
        for (rack, series, limit) in &self.junctions_k {
            let hottest = series.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if hottest > *limit {
                out.push(SpacecraftWarning::JunctionOverLimit {
                    rack: rack.clone(),
                    temperature_k: hottest,
                    limit_k: *limit,
                });
            }
        }
        for (loop_name, series, freezing) in &self.coolant_min_k {
            let lowest = series.iter().copied().fold(f64::INFINITY, f64::min);
            if lowest <= *freezing {
                out.push(SpacecraftWarning::CoolantFreezing {
                    loop_name: loop_name.clone(),
                    temperature_k: lowest,
                    freezing_k: *freezing,
                });
            }
        }
        if let Some(p) = &self.power {
            if p.deficit_wh > 0.0 {
                out.push(SpacecraftWarning::PowerDeficit {
                    deficit_wh: p.deficit_wh,
                });
            }
            if p.shed_wh > 0.0 {
                out.push(SpacecraftWarning::GpuLoadShed { shed_wh: p.shed_wh });
            }
        }
        out
    }

    /// Time-mean heat rejected by all radiators, W.
    pub fn radiator_heat_rejected_w(&self) -> f64 {
        self.radiators
            .iter()
            .map(|r| time_mean(&self.times_s, &r.heat_w))
            .sum()
    }
}

/// One point of the power budget's grid.
#[derive(Debug, Clone, Copy)]
struct BudgetPoint {
    t_s: f64,
    /// The value just after a switch of the light at `t_s` (the second of two points there).
    after_switch: bool,
    /// The samples around the point and the weight of the later one.
    bracket: (usize, usize, f64),
}

impl BudgetPoint {
    /// Temperature of `node`, linear between the samples around the point.
    fn temperature_k(&self, samples: &Samples, node: NodeId) -> f64 {
        let (i, j, w) = self.bracket;
        let (a, b) = (
            samples.temperatures_k[i][node],
            samples.temperatures_k[j][node],
        );
        a + w * (b - a)
    }
}

/// The power budget's time grid: the samples, and between them every time where an array's
/// sunlight switches or bends (eclipse boundaries); where the light switches at once, a point
/// before and a point after.
struct BudgetGrid {
    points: Vec<BudgetPoint>,
    /// Index in `points` of each sample.
    samples: Vec<usize>,
}

impl BudgetGrid {
    fn new(samples: &Samples, sunlight: &[Profile]) -> Self {
        let times = &samples.times_s;
        let n = times.len();
        let (t0, t1) = match (times.first(), times.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0.0, 0.0),
        };
        let mut breaks: Vec<f64> = sunlight
            .iter()
            .flat_map(|p| p.discontinuities(t0, t1))
            .filter(|&t| t > t0 && t < t1)
            .collect();
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let switches = |t: f64| sunlight.iter().any(|p| p.value_after(t) != p.value_at(t));
        let mut points = Vec::with_capacity(n + 2 * breaks.len());
        let mut sample_index = Vec::with_capacity(n);
        let mut next_break = breaks.iter().copied().peekable();
        let point = |t_s: f64, after_switch: bool, bracket: (usize, usize, f64)| BudgetPoint {
            t_s,
            after_switch,
            bracket,
        };
        for (k, &t) in times.iter().enumerate() {
            // Breaks between the previous sample and this one.
            while let Some(b) = next_break.next_if(|&b| b < t) {
                let w = (b - times[k - 1]) / (t - times[k - 1]);
                points.push(point(b, false, (k - 1, k, w)));
                if switches(b) {
                    points.push(point(b, true, (k - 1, k, w)));
                }
            }
            sample_index.push(points.len());
            points.push(point(t, false, (k, k, 0.0)));
            if next_break.next_if(|&b| b == t).is_some() && switches(t) {
                points.push(point(t, true, (k, k, 0.0)));
            }
        }
        Self {
            points,
            samples: sample_index,
        }
    }
}

/// Mean of a series over its sample times (trapezoidal; the value itself for one sample).
pub fn time_mean(times_s: &[f64], values: &[f64]) -> f64 {
    let span = times_s.last().copied().unwrap_or(0.0) - times_s.first().copied().unwrap_or(0.0);
    if values.is_empty() {
        return 0.0;
    }
    if span <= 0.0 {
        return values.iter().sum::<f64>() / values.len() as f64;
    }
    times_s
        .windows(2)
        .zip(values.windows(2))
        .map(|(t, v)| 0.5 * (t[1] - t[0]) * (v[0] + v[1]))
        .sum::<f64>()
        / span
}

impl Spacecraft {
    /// The bus demand at the points of `grid`: array output from the solved array
    /// temperatures (time-resolved sunlight even for a steady run), rack,
    /// pump and housekeeping loads.
    fn demand(
        &self,
        system: &AssembledNetwork,
        samples: &Samples,
        grid: &BudgetGrid,
    ) -> PowerDemand {
        let sources: Vec<_> = system.temperature_dependent_sources().collect();
        let pumps: f64 = self.loops.iter().map(|l| l.pump_power_w).sum();
        let mut d = PowerDemand {
            times_s: grid.points.iter().map(|p| p.t_s).collect(),
            ..Default::default()
        };
        for p in &grid.points {
            let t = p.t_s;
            let generated: f64 = self
                .arrays
                .iter()
                .zip(&self.array_sunlight)
                .filter_map(|((_, a), sun)| {
                    let s = sources.get(a.electrical_source)?;
                    let light = if p.after_switch {
                        sun.value_after(t)
                    } else {
                        sun.value_at(t)
                    };
                    Some(-s.weight * light * s.factor(p.temperature_k(samples, a.node)))
                })
                .sum();
            let gpus: f64 = self
                .racks
                .iter()
                .map(|(r, _)| r.gpu_count as f64 * r.power_per_gpu_w.value_at(t))
                .sum();
            let racks: f64 = self
                .racks
                .iter()
                .map(|(r, _)| r.electrical_input_w(t))
                .sum();
            d.generated_w
                .push((self.bus.efficiency * generated).max(0.0));
            d.load_w
                .push(racks + pumps + self.bus.housekeeping_w.value_at(t).max(0.0));
            d.sheddable_w.push(gpus.max(0.0));
        }
        d
    }

    /// The power budget, integrated on the samples and the arrays' eclipse boundaries
    /// between them (so a switch of the light is not smeared over an output interval) and
    /// reported at the samples.
    pub(super) fn budget(
        &self,
        system: &AssembledNetwork,
        samples: &Samples,
    ) -> Result<PowerHistory, Error> {
        let storage = self.battery.as_ref().map(|(b, _)| Storage::from(b));
        let grid = BudgetGrid::new(samples, &self.array_sunlight);
        let history = integrate(
            &self.demand(system, samples, &grid),
            storage.as_ref(),
            self.bus.policy,
        )?;
        Ok(history.at_samples(&grid.samples))
    }

    /// The battery's losses from `budget` as a heat profile: the samples
    /// interpolated linearly (periodic with `period_s` when given), with the
    /// discontinuities of `system` over their span (where the arrays' sunlight
    /// begins or ends) as its only discontinuities ([`SampledSeries`]); or
    /// their mean for a steady run.
    pub(super) fn battery_heat_profile(
        system: &AssembledNetwork,
        budget: &PowerHistory,
        steady: bool,
        period_s: Option<f64>,
    ) -> Result<Profile, Error> {
        if steady || budget.times_s.len() < 2 {
            return Ok(Profile::Constant(time_mean(
                &budget.times_s,
                &budget.battery_heat_w,
            )));
        }
        // A periodic table joins its last point to the first one period later:
        // the sample at the period's end (the start again) is left out.
        let keep = match period_s {
            Some(p) if budget.times_s[budget.times_s.len() - 1] - budget.times_s[0] >= p => {
                budget.times_s.len() - 1
            }
            _ => budget.times_s.len(),
        };
        let times = &budget.times_s[..keep];
        let table = TimeTable::new(
            "battery losses",
            times.to_vec(),
            budget.battery_heat_w[..keep].to_vec(),
            period_s,
        )?;
        let (t0, t1) = (
            times[0],
            times[0] + period_s.unwrap_or(times[keep - 1] - times[0]),
        );
        let events = system.discontinuities(t0, t1);
        Ok(Profile::Function(Arc::new(SampledSeries::new(
            table, events,
        ))))
    }

    /// The figures of merit at the samples.
    pub(super) fn results(
        &self,
        samples: &Samples,
        power: Option<PowerHistory>,
    ) -> SpacecraftResults {
        let series =
            |node: NodeId| -> Vec<f64> { samples.temperatures_k.iter().map(|t| t[node]).collect() };
        let junctions_k = self
            .racks
            .iter()
            .map(|(r, n)| (r.name.clone(), series(n.junction), n.junction_limit_k))
            .collect();
        let mut radiators = Vec::new();
        let mut coolant_min_k = Vec::new();
        for l in &self.loops {
            for stop in &l.stops {
                if let crate::components::StopNodes::Radiator {
                    panel,
                    inlet,
                    outlet,
                    ..
                } = stop
                {
                    let (inlet_k, outlet_k) = (series(*inlet), series(*outlet));
                    let heat_w = inlet_k
                        .iter()
                        .zip(&outlet_k)
                        .map(|(a, b)| l.fluid.mdot_cp_w_k * (a - b))
                        .collect();
                    radiators.push(RadiatorSeries {
                        loop_name: l.name.clone(),
                        panel: panel.clone(),
                        inlet_k,
                        outlet_k,
                        heat_w,
                    });
                }
            }
            let fluid = l.fluid_nodes();
            let min = samples
                .temperatures_k
                .iter()
                .map(|t| fluid.iter().map(|&n| t[n]).fold(f64::INFINITY, f64::min))
                .collect();
            coolant_min_k.push((l.name.clone(), min, l.freezing_point_k));
        }
        SpacecraftResults {
            times_s: samples.times_s.clone(),
            junctions_k,
            radiators,
            arrays_k: self
                .arrays
                .iter()
                .map(|(a, n)| (a.name.clone(), series(n.node)))
                .collect(),
            coolant_min_k,
            power,
            battery_heat_change_w: 0.0,
        }
    }
}

impl Model {
    /// Solves with `solve` and, for a spacecraft, draws up the power budget;
    /// when the battery carries energy its losses become its heat and the
    /// model is solved again (see the module documentation).
    /// The orbit-periodic state of a spacecraft with a battery, its losses
    /// fed back from each period's own power budget inside one periodic solve
    /// ([`solve_periodic_with_feedback`]) instead of a second solve after the
    /// first; `None` without a battery (then [`Self::solve_with_power`]).
    ///
    /// The first estimate of the losses is the budget of the orbit-average
    /// steady state held over the period, and the first period starts from
    /// the steady state with their mean added. A period's losses are settled
    /// when the change from those it used moves the battery by at most the
    /// periodicity tolerance, the battery taken as a lumped mass on its mount
    /// ([`lumped_periodic_response`]; the mount, tied to the coolant and
    /// through it to the radiators, moves far less): the final period and its
    /// budget then agree to within what periodicity resolves. When they are
    /// not settled, the next period starts with the battery moved by that
    /// response at `t₀`, so the battery's slow mode does not have to be
    /// found again by repeating periods.
    pub(super) fn solve_periodic_with_battery(
        &self,
        options: &PeriodicOptions,
        progress: &mut dyn FnMut(&PeriodicIteration),
    ) -> Result<Option<(Solution, Option<SpacecraftResults>)>, Error> {
        let Some(sc) = &self.spacecraft else {
            return Ok(None);
        };
        let Some((battery, nodes)) = &sc.battery else {
            return Ok(None);
        };
        let (source, period_s) = (nodes.heat_source, Some(options.period_s));
        let window = Some((options.start_s, options.end_s()));
        let average = self.periodic_start_state(options)?;
        let held = self.system.node_temperatures(options.start_s, &average);
        let budget = sc.budget(
            &self.system,
            &Samples::held(&held, self.orbit.as_ref(), window, 0.0),
        )?;
        let mut used = Spacecraft::battery_heat_profile(&self.system, &budget, false, period_s)?;
        let mean_w = time_mean(&budget.times_s, &budget.battery_heat_w);
        let x0 = self.periodic_start_state_with(options, Some((source, mean_w)))?;
        let mut system = self.system.clone();
        system.set_source_profile(source, used.clone())?;
        let mount_w_k = battery.mount_conductance_w_k;
        let unknown = self.system.unknown_of_node(nodes.node);
        let capacitance_j_k = unknown.map_or(0.0, |u| self.system.capacitance_j_k()[u]);
        let mut last: Option<(PowerHistory, f64)> = None;
        let mut feedback = |sys: &AssembledNetwork, period: &TransientSolution| {
            let budget = sc.budget(sys, &Samples::of_history(period))?;
            let next = Spacecraft::battery_heat_profile(&self.system, &budget, false, period_s)?;
            let used_w: Vec<f64> = budget.times_s.iter().map(|&t| used.value_at(t)).collect();
            let change_w: Vec<f64> = budget
                .battery_heat_w
                .iter()
                .zip(&used_w)
                .map(|(q, u)| q - u)
                .collect();
            let moved_k =
                lumped_periodic_response(capacitance_j_k, mount_w_k, &budget.times_s, &change_w);
            let worst_k = moved_k.iter().fold(0.0_f64, |m, t| m.max(t.abs()));
            let change = time_mean(&budget.times_s, &change_w);
            let settled = worst_k <= options.tolerance_k;
            if !settled {
                used = next.clone();
            }
            last = Some((budget, change));
            let start_shift_k = match (unknown, moved_k.first()) {
                (Some(u), Some(&t0)) if !settled => vec![(u, t0)],
                _ => Vec::new(),
            };
            Ok(Feedback {
                profile: next,
                settled,
                start_shift_k,
            })
        };
        let (periodic, _) =
            solve_periodic_with_feedback(&system, options, &x0, source, &mut feedback, progress)?;
        let Some((budget, change)) = last else {
            return Err(SolveError::InvalidOption {
                option: "periodic run (internal: no period integrated)",
                value: 0.0,
                allowed: "at least one period",
            }
            .into());
        };
        let solution = Solution::Periodic(periodic);
        let mut results = sc.results(&Samples::of(&solution, None, 0.0), Some(budget));
        results.battery_heat_change_w = change;
        Ok(Some((solution, Some(results))))
    }

    pub(super) fn solve_with_power(
        &self,
        mut solve: impl FnMut(&AssembledNetwork) -> Result<Solution, Error>,
    ) -> Result<(Solution, Option<SpacecraftResults>), Error> {
        let first = solve(&self.system)?;
        let Some(sc) = &self.spacecraft else {
            return Ok((first, None));
        };
        let time_s = self.solve.time_s.unwrap_or(0.0);
        let steady = matches!(first, Solution::Steady(_));
        let period_s = match &first {
            Solution::Periodic(p) => Some(p.period_s),
            _ => None,
        };
        if !sc.has_power_system() {
            let samples = Samples::of(&first, self.orbit.as_ref(), time_s);
            let results = sc.results(&samples, None);
            return Ok((first, Some(results)));
        }
        let budget = {
            let samples = Samples::of(&first, self.orbit.as_ref(), time_s);
            sc.budget(&self.system, &samples)?
        };
        let battery_source = sc.battery.as_ref().map(|(_, b)| b.heat_source);
        let carries_energy = budget.battery_heat_w.iter().any(|&q| q > 0.0);
        let (solution, budget, change) = match battery_source {
            Some(source) if carries_energy => {
                let heat =
                    Spacecraft::battery_heat_profile(&self.system, &budget, steady, period_s)?;
                let mut system = self.system.clone();
                system.set_source_profile(source, heat)?;
                let second = solve(&system)?;
                let samples = Samples::of(&second, self.orbit.as_ref(), time_s);
                let again = sc.budget(&system, &samples)?;
                let change = time_mean(&again.times_s, &again.battery_heat_w)
                    - time_mean(&budget.times_s, &budget.battery_heat_w);
                (second, again, change)
            }
            _ => (first, budget, 0.0),
        };
        let samples = Samples::of(&solution, self.orbit.as_ref(), time_s);
        let mut results = sc.results(&samples, Some(budget));
        results.battery_heat_change_w = change;
        Ok((solution, Some(results)))
    }
}
