//! Sizing settings by name (what `thermorbit size` flags and sweep files hold), sweeps over
//! grids or samples of them, shards of a sweep and their merge.
//!
//! A sweep file:
//!
//! ```toml
//! mode = "evaluate"            # evaluate a given design at each point, or "optimize"
//!
//! [base]                       # settings shared by every point (SizingSettings keys)
//! power_mw = 1.0
//! orbit = "sso-dawn-dusk-550"
//! rise_k = 8.0
//! fin_thickness_mm = 1.0
//! pitch_m = 0.15
//! length_m = 6.0
//!
//! [grid]                       # every combination of these lists (first key slowest)
//! radiator_temp_k = [300.0, 320.0, 340.0]
//! emissivity = [0.8, 0.9]
//!
//! [sample]                     # or: `count` points of a Halton sequence over ranges
//! count = 100
//! radiator_temp_k = [290.0, 345.0]
//! pitch_m = [0.05, 0.4]
//! ```
//!
//! Points are numbered in a fixed order (the grid's odometer order, or the Halton index), so
//! shard `i` of `n` (points with `index % n == i`) splits any sweep into disjoint parts whose
//! merge, sorted by index, is the single run's table byte for byte.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::design::{evaluate, Design, Objective, Problem};
use super::environment::{
    scan_radiator_orbit, EnvironmentChoice, OrbitEnvironment, OrbitPreset, OrbitSource,
    RadiatorOrbit,
};
use super::optimize::{optimize, Optimum, SearchOptions};
use super::presets::gpu_preset;
use super::stack::RadiatorStack;
use crate::components::fluid::Coolant;
use crate::error::{Error, InternalError, SizingError};
use crate::mesh::Coating;

/// Every setting of one sizing run, by name (the keys of `thermorbit size`'s flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizingSettings {
    /// GPU power, MW.
    pub power_mw: f64,
    /// Orbit preset name, or a case file (`CASE.toml`) whose `[orbit]` and `[attitude]` to use.
    pub orbit: String,
    /// With a case file as the orbit: the `[[surfaces]]` entry whose normal the radiator's
    /// faces take (`None`: body ±y).
    #[serde(default)]
    pub radiator_surface: Option<String>,
    /// GPU preset name.
    pub gpu: String,
    /// Coolant name.
    pub coolant: String,
    /// Radiator emissivity.
    pub emissivity: f64,
    /// Radiator solar absorptivity.
    pub absorptivity: f64,
    /// Environment: none, cold, nominal, hot.
    pub environment: String,
    /// One radiating face only.
    pub one_sided: bool,
    /// Ideal isothermal radiator.
    pub isothermal: bool,
    /// Heat pump allowed.
    pub heat_pump: bool,
    /// Objective name.
    pub objective: String,
    /// Fixed radiator temperature (mean coolant temperature in the radiator), K.
    pub radiator_temp_k: Option<f64>,
    /// GPU power in the cold case as a fraction of full power (`None`: the preset's idle
    /// fraction, [`super::presets::IDLE_FRACTION`]); 1 keeps the GPUs at full power through
    /// eclipses, which the battery sizing already provides for.
    pub idle_fraction: Option<f64>,
    /// Loop heaters hold the cold-case coolant above freezing (at a power cost); off, a loop
    /// that would freeze is infeasible.
    #[serde(default = "heaters_on")]
    pub heaters: bool,
    /// Loop rise, K (evaluate mode).
    pub rise_k: f64,
    /// Face-sheet thickness, mm (evaluate mode).
    pub fin_thickness_mm: f64,
    /// Tube pitch, m (evaluate mode).
    pub pitch_m: f64,
    /// Panel length, m (evaluate mode).
    pub length_m: f64,
    /// Heat-pump lift, K (evaluate mode).
    pub lift_k: f64,
    /// Radiator panels in a stack (1: each panel sees space alone).
    #[serde(default = "one_panel")]
    pub stack: usize,
    /// Gap between stacked panels, m (needed with `stack` > 1).
    #[serde(default)]
    pub gap_m: Option<f64>,
    /// Width of stacked panels, m (default: square panels, as wide as long).
    #[serde(default)]
    pub panel_width_m: Option<f64>,
}

fn one_panel() -> usize {
    1
}

/// Default radiator coating: AZ-93 white paint, α = 0.15, ε = 0.91 (the environment
/// module's defaults, Gilmore Vol. 1, App. A).
pub const DEFAULT_COATING: Coating = Coating {
    absorptivity: crate::environment::DEFAULT_ABSORPTIVITY,
    emissivity: crate::environment::DEFAULT_EMISSIVITY,
};

impl Default for SizingSettings {
    /// 1 MW of H100s in a 550 km dawn–dusk orbit, ammonia, AZ-93 white two-sided radiator,
    /// hot environment, planform area objective; the design fields are a mid-range design
    /// for evaluate mode.
    fn default() -> Self {
        Self {
            power_mw: 1.0,
            orbit: OrbitPreset::SsoDawnDusk550.name().into(),
            radiator_surface: None,
            gpu: "h100".into(),
            coolant: "ammonia".into(),
            emissivity: DEFAULT_COATING.emissivity,
            absorptivity: DEFAULT_COATING.absorptivity,
            environment: "hot".into(),
            one_sided: false,
            isothermal: false,
            heat_pump: false,
            objective: Objective::PlanformArea.name().into(),
            radiator_temp_k: None,
            idle_fraction: None,
            heaters: true,
            rise_k: 8.0,
            fin_thickness_mm: 1.0,
            pitch_m: 0.15,
            length_m: 6.0,
            lift_k: 0.0,
            stack: 1,
            gap_m: None,
            panel_width_m: None,
        }
    }
}

impl SizingSettings {
    /// The coating.
    pub fn coating(&self) -> Coating {
        Coating {
            absorptivity: self.absorptivity,
            emissivity: self.emissivity,
        }
    }

    /// The coolant by name.
    pub fn coolant(&self) -> Result<Coolant, SizingError> {
        Coolant::by_name(&self.coolant).ok_or_else(|| SizingError::UnknownName {
            quantity: "coolant",
            name: self.coolant.clone(),
            allowed: Coolant::builtin_names().join(", "),
        })
    }

    /// Checks the plain numbers (power, coating) before any orbit is scanned.
    pub fn check(&self) -> Result<(), SizingError> {
        let bad = |q: &str, v: f64, allowed: &str| {
            Err(SizingError::InvalidInput {
                quantity: q.into(),
                value: v,
                allowed: allowed.into(),
            })
        };
        if !(self.power_mw.is_finite() && self.power_mw > 0.0) {
            return bad("power_mw", self.power_mw, "finite and > 0");
        }
        if !(self.emissivity.is_finite() && self.emissivity > 0.0 && self.emissivity <= 1.0) {
            return bad("emissivity", self.emissivity, "0 < emissivity <= 1");
        }
        if !(self.absorptivity.is_finite() && (0.0..=1.0).contains(&self.absorptivity)) {
            return bad("absorptivity", self.absorptivity, "0 <= absorptivity <= 1");
        }
        if let Some(f) = self.idle_fraction {
            if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
                return bad("idle_fraction", f, "0 <= fraction <= 1");
            }
        }
        OrbitSource::by_name(&self.orbit)?;
        EnvironmentChoice::by_name(&self.environment)?;
        gpu_preset(&self.gpu)?;
        self.coolant()?;
        Objective::by_name(&self.objective)?;
        self.radiator_stack()?;
        Ok(())
    }

    /// The radiator stack (`None` for lone panels): `gap_m` is required with `stack` > 1.
    pub fn radiator_stack(&self) -> Result<Option<RadiatorStack>, SizingError> {
        if self.stack == 1 && self.gap_m.is_none() && self.panel_width_m.is_none() {
            return Ok(None);
        }
        let gap = self.gap_m.ok_or_else(|| SizingError::InvalidInput {
            quantity: "gap_m".into(),
            value: f64::NAN,
            allowed: "a gap in m between stacked panels (> 0), needed with stack".into(),
        })?;
        RadiatorStack::new(self.stack, gap, self.panel_width_m).map(Some)
    }

    /// The key under which the orbit scan can be shared between settings.
    fn scan_key(&self) -> (String, Option<String>, String, u64, u64, bool) {
        (
            self.orbit.clone(),
            self.radiator_surface.clone(),
            self.environment.clone(),
            self.absorptivity.to_bits(),
            self.emissivity.to_bits(),
            self.one_sided,
        )
    }

    /// Scans the orbit for these settings.
    pub fn scan(&self) -> Result<OrbitEnvironment, Error> {
        self.check()?;
        scan_radiator_orbit(
            &RadiatorOrbit::from_source(
                &OrbitSource::by_name(&self.orbit)?,
                self.radiator_surface.as_deref(),
            )?,
            EnvironmentChoice::by_name(&self.environment)?,
            &self.coating(),
            !self.one_sided,
        )
    }

    /// The problem, on an orbit already scanned.
    pub fn problem(&self, environment: OrbitEnvironment) -> Result<Problem, Error> {
        self.check()?;
        let mut gpu = gpu_preset(&self.gpu)?;
        if let Some(f) = self.idle_fraction {
            gpu.idle_fraction = f;
        }
        let mut problem = Problem::new(
            self.power_mw * 1e6,
            gpu,
            self.coolant()?,
            self.coating(),
            !self.one_sided,
            self.isothermal,
            self.heat_pump,
            environment,
        )?;
        problem.loop_model.heaters = self.heaters;
        problem.stack = self.radiator_stack()?;
        Ok(problem)
    }

    /// The search options.
    pub fn search(&self) -> Result<SearchOptions, SizingError> {
        Ok(SearchOptions {
            objective: Objective::by_name(&self.objective)?,
            radiator_temperature_k: self.radiator_temp_k,
            ..SearchOptions::default()
        })
    }

    /// The fixed design of evaluate mode (the supply from `radiator_temp_k` and the rise).
    pub fn design(&self) -> Result<Design, SizingError> {
        let t = self
            .radiator_temp_k
            .ok_or_else(|| SizingError::InvalidInput {
                quantity: "radiator_temp_k".into(),
                value: f64::NAN,
                allowed:
                    "a temperature in K (evaluate mode needs the design's radiator temperature)"
                        .into(),
            })?;
        Ok(Design {
            supply_k: t - 0.5 * self.rise_k,
            rise_k: self.rise_k,
            fin_thickness_m: self.fin_thickness_mm * 1e-3,
            pitch_m: self.pitch_m,
            length_m: self.length_m,
            lift_k: self.lift_k,
        })
    }

    /// Sets a setting by name from a TOML value.
    pub fn set(&mut self, key: &str, value: &toml::Value) -> Result<(), SizingError> {
        let mut table = toml::Table::try_from(&*self).map_err(|e| SizingError::UnknownName {
            quantity: "sweep key",
            name: format!("{key}: {e}"),
            allowed: String::new(),
        })?;
        table.insert(key.to_string(), value.clone());
        *self = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| SizingError::UnknownName {
                quantity: "sweep key",
                name: format!("{key} = {value}: {}", e.message()),
                allowed: "the keys of SizingSettings with values of their type".into(),
            })?;
        Ok(())
    }
}

/// Evaluate a fixed design or optimise, at each point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Evaluate the design the settings give.
    #[default]
    Evaluate,
    /// Optimise at each point.
    Optimize,
}

/// A sweep file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Evaluate or optimise.
    #[serde(default)]
    pub mode: SweepMode,
    /// Settings of every point.
    #[serde(default)]
    pub base: toml::Table,
    /// Lists whose combinations make the points.
    #[serde(default)]
    pub grid: BTreeMap<String, Vec<toml::Value>>,
    /// A Halton sample instead: `count` and `[lo, hi]` ranges of numeric keys.
    #[serde(default)]
    pub sample: Option<toml::Table>,
}

/// One row of a sweep's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Point index.
    pub index: usize,
    /// The point's settings.
    pub settings: SizingSettings,
    /// Every constraint met.
    pub feasible: bool,
    /// Radiator planform area per MW, m².
    pub radiator_planform_area_m2_per_mw: f64,
    /// Radiating surface per MW, m².
    pub radiator_surface_area_m2_per_mw: f64,
    /// Radiator mass per MW, kg.
    pub radiator_mass_kg_per_mw: f64,
    /// Solar array area per MW, m².
    pub solar_array_area_m2_per_mw: f64,
    /// Total mass per MW, kg.
    pub total_mass_kg_per_mw: f64,
    /// Mean coolant temperature in the radiator, K.
    pub radiator_temperature_k: f64,
    /// Hottest junction, K.
    pub max_junction_temperature_k: f64,
    /// Fin efficiency.
    pub fin_efficiency: f64,
    /// Loop heater power in the cold case per MW, W.
    #[serde(default)]
    pub cold_case_heater_w_per_mw: f64,
    /// The binding (tightest) constraint.
    pub binding_constraint: String,
    /// Error, if the point could not be evaluated (other columns NaN).
    pub error: String,
}

impl SweepRow {
    /// A row from an evaluation or an error.
    fn new(
        index: usize,
        settings: SizingSettings,
        result: Result<(super::Evaluation, String), Error>,
    ) -> Self {
        match result {
            Ok((e, binding)) => Self {
                index,
                settings,
                feasible: e.feasible(),
                radiator_planform_area_m2_per_mw: e.per_mw.radiator_planform_area_m2,
                radiator_surface_area_m2_per_mw: e.per_mw.radiator_surface_area_m2,
                radiator_mass_kg_per_mw: e.per_mw.masses_kg.radiator,
                solar_array_area_m2_per_mw: e.per_mw.solar_array_area_m2,
                total_mass_kg_per_mw: e.per_mw.masses_kg.total,
                radiator_temperature_k: e.radiator_temperature_k,
                max_junction_temperature_k: e.max_junction_k,
                fin_efficiency: e.fin_efficiency,
                cold_case_heater_w_per_mw: e.per_mw.cold_heater_w,
                binding_constraint: binding,
                error: String::new(),
            },
            Err(err) => Self {
                index,
                settings,
                feasible: false,
                radiator_planform_area_m2_per_mw: f64::NAN,
                radiator_surface_area_m2_per_mw: f64::NAN,
                radiator_mass_kg_per_mw: f64::NAN,
                solar_array_area_m2_per_mw: f64::NAN,
                total_mass_kg_per_mw: f64::NAN,
                radiator_temperature_k: f64::NAN,
                max_junction_temperature_k: f64::NAN,
                fin_efficiency: f64::NAN,
                cold_case_heater_w_per_mw: f64::NAN,
                binding_constraint: String::new(),
                error: err.to_string(),
            },
        }
    }
}

/// Radical inverse of `i` in base `b` (the Halton sequence's coordinate; Halton,
/// *Numer. Math.* 2, 84, 1960).
fn radical_inverse(mut i: usize, b: usize) -> f64 {
    let mut f = 1.0;
    let mut r = 0.0;
    while i > 0 {
        f /= b as f64;
        r += f * (i % b) as f64;
        i /= b;
    }
    r
}

const PRIMES: [usize; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

impl SweepSpec {
    /// Reads a sweep file's text.
    pub fn parse(text: &str) -> Result<Self, SizingError> {
        toml::from_str(text).map_err(|e| SizingError::UnknownName {
            quantity: "sweep file",
            name: e.message().to_string(),
            allowed: "mode, [base], [grid] or [sample]".into(),
        })
    }

    /// The settings of every point, in index order.
    pub fn points(&self) -> Result<Vec<SizingSettings>, SizingError> {
        let mut base = SizingSettings::default();
        for (k, v) in &self.base {
            base.set(k, v)?;
        }
        if let Some(sample) = &self.sample {
            if !self.grid.is_empty() {
                return Err(SizingError::UnknownName {
                    quantity: "sweep file",
                    name: "both [grid] and [sample]".into(),
                    allowed: "one of them".into(),
                });
            }
            let count = match sample.get("count") {
                Some(toml::Value::Integer(n)) if *n >= 1 => *n as usize,
                _ => {
                    return Err(SizingError::InvalidInput {
                        quantity: "sample.count".into(),
                        value: f64::NAN,
                        allowed: "an integer >= 1".into(),
                    })
                }
            };
            let mut ranges = Vec::new();
            for (k, v) in sample.iter().filter(|(k, _)| k.as_str() != "count") {
                let r: Option<Vec<f64>> = v.as_array().map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_float().or(x.as_integer().map(|i| i as f64)))
                        .collect()
                });
                match r {
                    Some(r) if r.len() == 2 && r[0].is_finite() && r[1].is_finite() => {
                        ranges.push((k.clone(), r[0], r[1]))
                    }
                    _ => {
                        return Err(SizingError::InvalidInput {
                            quantity: format!("sample.{k}"),
                            value: f64::NAN,
                            allowed: "[lo, hi], two finite numbers".into(),
                        })
                    }
                }
            }
            if ranges.len() > PRIMES.len() {
                return Err(SizingError::InvalidInput {
                    quantity: "sample ranges".into(),
                    value: ranges.len() as f64,
                    allowed: format!("at most {}", PRIMES.len()),
                });
            }
            return (0..count)
                .map(|i| {
                    let mut s = base.clone();
                    for (d, (k, lo, hi)) in ranges.iter().enumerate() {
                        let t = radical_inverse(i + 1, PRIMES[d]);
                        s.set(k, &toml::Value::Float(lo + (hi - lo) * t))?;
                    }
                    Ok(s)
                })
                .collect();
        }
        let keys: Vec<(&String, &Vec<toml::Value>)> = self.grid.iter().collect();
        let total: usize = keys.iter().map(|(_, v)| v.len()).product();
        (0..total)
            .map(|mut idx| {
                let mut s = base.clone();
                // Odometer order: the last key changes fastest.
                for (k, values) in keys.iter().rev() {
                    let n = values.len();
                    s.set(k, &values[idx % n])?;
                    idx /= n;
                }
                Ok(s)
            })
            .collect()
    }

    /// Runs the points with `index % shard.1 == shard.0` (all with `(0, 1)`), in parallel,
    /// rows in index order. Orbit scans are shared between points with the same orbit,
    /// environment, coating and sides.
    pub fn run(&self, shard: (usize, usize)) -> Result<Vec<SweepRow>, Error> {
        let (i, n) = shard;
        if n == 0 || i >= n {
            return Err(SizingError::InvalidInput {
                quantity: "shard".into(),
                value: i as f64,
                allowed: format!("i/n with 0 <= i < n (got {i}/{n})"),
            }
            .into());
        }
        let points: Vec<(usize, SizingSettings)> = self
            .points()?
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % n == i)
            .collect();
        for (_, s) in &points {
            s.check()?;
        }
        let mut keys: Vec<_> = points.iter().map(|(_, s)| s.scan_key()).collect();
        keys.sort();
        keys.dedup();
        let scans: Vec<Result<OrbitEnvironment, Error>> = keys
            .par_iter()
            .map(|k| {
                points
                    .iter()
                    .find(|(_, s)| &s.scan_key() == k)
                    .map(|(_, s)| s.scan())
                    .unwrap_or_else(|| {
                        Err(InternalError::new("a sweep's scan key with no point").into())
                    })
            })
            .collect();
        let mode = self.mode;
        Ok(points
            .into_par_iter()
            .map(|(index, settings)| {
                let scan = keys
                    .binary_search(&settings.scan_key())
                    .ok()
                    .and_then(|k| scans[k].as_ref().ok().cloned());
                let result = match scan {
                    None => Err(SizingError::NoClosure {
                        reason: "the orbit scan failed".into(),
                    }
                    .into()),
                    Some(env) => run_point(&settings, env, mode),
                };
                SweepRow::new(index, settings, result)
            })
            .collect())
    }
}

fn run_point(
    settings: &SizingSettings,
    env: OrbitEnvironment,
    mode: SweepMode,
) -> Result<(super::Evaluation, String), Error> {
    let problem = settings.problem(env)?;
    match mode {
        SweepMode::Evaluate => {
            let e = evaluate(&problem, &settings.design()?)?;
            let binding = e.tightest().map(|c| c.name.to_string()).unwrap_or_default();
            Ok((e, binding))
        }
        SweepMode::Optimize => {
            let o: Optimum = optimize(&problem, &settings.search()?)?;
            let binding = o.binding();
            Ok((o.best, binding))
        }
    }
}

fn heaters_on() -> bool {
    true
}

/// Column names of [`to_csv`].
const CSV_HEADER: &str = "index,orbit,gpu,coolant,power_mw,emissivity,absorptivity,environment,\
one_sided,isothermal,heat_pump,objective,radiator_temp_k_set,idle_fraction,heaters,rise_k,fin_thickness_mm,pitch_m,\
length_m,lift_k,feasible,radiator_planform_area_m2_per_mw,radiator_surface_area_m2_per_mw,\
radiator_mass_kg_per_mw,solar_array_area_m2_per_mw,total_mass_kg_per_mw,radiator_temperature_k,\
max_junction_temperature_k,fin_efficiency,cold_case_heater_w_per_mw,binding_constraint,error";

/// The rows as CSV (one header line, one line per row, `{:e}`-free decimal numbers to 9
/// significant figures).
pub fn to_csv(rows: &[SweepRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v:.9e}")
        } else {
            String::new()
        }
    };
    let text = |s: &str| format!("\"{}\"", s.replace('"', "'"));
    for r in rows {
        let s = &r.settings;
        let fields = [
            r.index.to_string(),
            match &s.radiator_surface {
                Some(face) => format!("{}#{face}", s.orbit),
                None => s.orbit.clone(),
            },
            s.gpu.clone(),
            s.coolant.clone(),
            num(s.power_mw),
            num(s.emissivity),
            num(s.absorptivity),
            s.environment.clone(),
            s.one_sided.to_string(),
            s.isothermal.to_string(),
            s.heat_pump.to_string(),
            s.objective.clone(),
            s.radiator_temp_k.map(num).unwrap_or_default(),
            s.idle_fraction.map(num).unwrap_or_default(),
            s.heaters.to_string(),
            num(s.rise_k),
            num(s.fin_thickness_mm),
            num(s.pitch_m),
            num(s.length_m),
            num(s.lift_k),
            r.feasible.to_string(),
            num(r.radiator_planform_area_m2_per_mw),
            num(r.radiator_surface_area_m2_per_mw),
            num(r.radiator_mass_kg_per_mw),
            num(r.solar_array_area_m2_per_mw),
            num(r.total_mass_kg_per_mw),
            num(r.radiator_temperature_k),
            num(r.max_junction_temperature_k),
            num(r.fin_efficiency),
            num(r.cold_case_heater_w_per_mw),
            r.binding_constraint.clone(),
            text(&r.error),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Joins shard parts: rows sorted by index; an index in two parts is an error.
pub fn merge(parts: Vec<Vec<SweepRow>>) -> Result<Vec<SweepRow>, SizingError> {
    let mut rows: Vec<SweepRow> = parts.into_iter().flatten().collect();
    rows.sort_by_key(|r| r.index);
    if let Some(w) = rows.windows(2).find(|w| w[0].index == w[1].index) {
        return Err(SizingError::InvalidInput {
            quantity: "sweep part index".into(),
            value: w[0].index as f64,
            allowed: "each point in exactly one part (this index is in two)".into(),
        });
    }
    Ok(rows)
}
