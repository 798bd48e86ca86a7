//! The solved model: one radiator section and one GPU's resistance chain.
//!
//! A **section** is one coolant tube and the strip of face sheet around it, one tube pitch
//! wide and one panel long. Its long edges sit half a pitch from the tube, halfway to the
//! next tube, where symmetry makes them adiabatic; its ends are insulated. The strip is a
//! [`RectangularPanel`] (finite-difference conduction in the face sheet, each face radiating
//! to deep space with its coating and absorbing the environment's fluxes), the tube a
//! [`Tube`] along its centre line (a fluid chain with the exact exponential exchange per
//! piece and the film conductance `h π D` of [`pipe_flow`]). The coolant enters at a fixed
//! temperature from a boundary node (the racks' outlet); the outlet temperature is solved.
//!
//! So the fin efficiency (the face sheet's temperature falling away from the tube), the
//! coolant's temperature drop along the tube and the environment's back-loading all come out
//! of the steady solve ([`solve_steady`]); nothing here is a fin-efficiency formula.
//!
//! A closed loop fixes the radiator's outlet at the racks' supply temperature. For a design
//! (supply temperature, loop rise ΔT, geometry) [`hot_section`] finds the mass flow per tube
//! at which the solved outlet equals the supply temperature (a safeguarded secant on
//! `ln ṁ`); the section then rejects `Q = ṁ c_p ΔT`. [`cold_section`] does the converse for
//! the cold case: with the flow fixed and a given heat, it finds the supply temperature at
//! which the loop closes.
//!
//! [`junction_rise_k`] solves one GPU's chain (junction → case → TIM → cold plate → coolant,
//! a [`GpuRack`] of one GPU fed at the supply temperature) for the junction's rise above
//! the coolant supply.

use std::f64::consts::PI;

use crate::components::fluid::{Coolant, FluidProperties};
use crate::components::hydraulics::{pipe_flow, Pipe, PipeFlow};
use crate::components::{GpuRack, LoopFluid};
use crate::constants::{DEEP_SPACE_TEMPERATURE_K, STEFAN_BOLTZMANN_W_M2_K4 as STEFAN_BOLTZMANN};
use crate::error::{Error, SizingError};
use crate::mesh::{Coating, Material, RectangularPanel, Side, Tube};
use crate::network::{Profile, ThermalNetwork};
use crate::solve::{solve_steady, SteadyOptions};

/// Deep space as the faces' radiation sink, K ([`DEEP_SPACE_TEMPERATURE_K`]).
pub const DEEP_SPACE_K: f64 = DEEP_SPACE_TEMPERATURE_K;

/// Relative tolerance of the steady solves (energy balance closed to 1e-10 of the heat
/// flowing, the solver's default).
const STEADY_TOLERANCE: f64 = 1e-10;

/// The tube: a round aluminium tube bonded along the section's centre line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TubeSpec {
    /// Inner diameter, m.
    pub inner_diameter_m: f64,
    /// Wall thickness, m (for the tube's mass only: the wall's conduction resistance,
    /// `ln(D_o/D_i)/(2πk)` ≈ 1e-4 m·K/W for 0.5 mm of aluminium, is under 1 % of the film's).
    pub wall_thickness_m: f64,
    /// Absolute roughness of the bore, m.
    pub roughness_m: f64,
}

/// The grid of the face-sheet strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionGrid {
    /// Cells along the tube (flow direction).
    pub nx: usize,
    /// Cells across the pitch (odd: the tube runs along the middle of the centre row, whose
    /// node is then the fin's base, and the fin conduction is second-order accurate; with an
    /// even count the tube would lie on a grid line half a cell from the nearest nodes, an
    /// error of first order, measured 1.6/ny in the efficiency of an N = 1 fin).
    pub ny: usize,
}

/// What one face receives at one instant: incident fluxes before the coating.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaceIncident {
    /// Sunlight, direct and Earth-reflected (absorbed with α), W/m².
    pub solar_w_m2: f64,
    /// Earth infrared (absorbed with ε), W/m².
    pub infrared_w_m2: f64,
}

/// The environment of a section at one instant: both faces (the bottom one is ignored on a
/// one-sided radiator).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SectionEnvironment {
    /// The +z face.
    pub top: FaceIncident,
    /// The −z face.
    pub bottom: FaceIncident,
}

impl SectionEnvironment {
    /// No environment (deep space only).
    pub fn none() -> Self {
        Self::default()
    }

    /// Absorbed flux per m² of planform over the radiating faces, W/m².
    pub fn absorbed_w_m2(&self, coating: &Coating, two_sided: bool) -> f64 {
        let face = |f: &FaceIncident| {
            coating.absorptivity * f.solar_w_m2 + coating.emissivity * f.infrared_w_m2
        };
        face(&self.top) + if two_sided { face(&self.bottom) } else { 0.0 }
    }

    /// The sink temperature: the temperature at which a face sheet with no heat from the
    /// coolant would settle, `(q_abs / (n ε σ) + T_space⁴)^¼`, K.
    pub fn sink_temperature_k(&self, coating: &Coating, two_sided: bool) -> f64 {
        let faces = if two_sided { 2.0 } else { 1.0 };
        (self.absorbed_w_m2(coating, two_sided) / (faces * coating.emissivity * STEFAN_BOLTZMANN)
            + DEEP_SPACE_K.powi(4))
        .powf(0.25)
    }
}

/// A radiator section: the strip, its tube, coating and faces.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSpec {
    /// Length along the tube, m.
    pub length_m: f64,
    /// Tube pitch (the strip's width), m.
    pub pitch_m: f64,
    /// Face-sheet (fin) thickness, m.
    pub fin_thickness_m: f64,
    /// Face-sheet material.
    pub material: Material,
    /// Coating of the radiating faces.
    pub coating: Coating,
    /// Both faces radiate (a one-sided radiator radiates from the top face only; its back is
    /// insulated).
    pub two_sided: bool,
    /// The tube.
    pub tube: TubeSpec,
    /// The grid.
    pub grid: SectionGrid,
}

impl SectionSpec {
    /// Planform area of the section, m².
    pub fn planform_area_m2(&self) -> f64 {
        self.length_m * self.pitch_m
    }

    /// Number of radiating faces.
    pub fn faces(&self) -> f64 {
        if self.two_sided {
            2.0
        } else {
            1.0
        }
    }
}

/// A solved section at one flow and inlet temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSolution {
    /// Coolant inlet temperature, K.
    pub inlet_k: f64,
    /// Solved coolant outlet temperature, K.
    pub outlet_k: f64,
    /// Capacity rate of the tube's flow, ṁ c_p, W/K.
    pub mdot_cp_w_k: f64,
    /// Heat the coolant gives up in the section, `ṁ c_p (T_in − T_out)`, W.
    pub heat_w: f64,
    /// Mean face-sheet temperature (area-weighted), K.
    pub mean_panel_k: f64,
    /// Hottest and coldest face-sheet cells, K.
    pub panel_range_k: (f64, f64),
    /// Mean coolant temperature along the tube (pieces' mean inlet/outlet), K.
    pub mean_fluid_k: f64,
    /// Section efficiency: the heat rejected over what the same faces would reject net of
    /// their absorbed environment were every point at the local coolant temperature (the
    /// fin efficiency, film included), `Q / Σ_pieces A_p (n ε σ (T_f⁴ − T_space⁴) − q_abs)`.
    pub fin_efficiency: f64,
    /// The solve's relative energy imbalance.
    pub relative_imbalance: f64,
    /// Every node's temperature (to start the next solve near it), K.
    pub temperatures_k: Vec<f64>,
}

/// Solves `spec` with coolant entering at `inlet_k` with capacity rate `mdot_cp_w_k` through
/// the film conductance `conductance_w_m_k` (per metre of tube), under `environment`.
/// `guess` (a previous solution of a section of the same grid) starts Newton.
pub fn solve_section(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    inlet_k: f64,
    mdot_cp_w_k: f64,
    conductance_w_m_k: f64,
    guess: Option<&[f64]>,
) -> Result<SectionSolution, Error> {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", DEEP_SPACE_K)?;
    let inlet = net.add_boundary("inlet", inlet_k)?;
    let dark = Coating {
        absorptivity: 0.0,
        emissivity: 0.0,
    };
    let mut panel = RectangularPanel::new(
        "strip",
        spec.length_m,
        spec.pitch_m,
        spec.fin_thickness_m,
        spec.material,
        spec.grid.nx,
        spec.grid.ny,
    )
    .with_top(spec.coating, Some(space))
    .with_initial_temperature_k(inlet_k)
    .with_absorbed_flux("top.solar", Side::Top, environment.top.solar_w_m2)
    .with_infrared_flux("top.ir", Side::Top, environment.top.infrared_w_m2);
    panel = if spec.two_sided {
        panel
            .with_bottom(spec.coating, Some(space))
            .with_absorbed_flux("bottom.solar", Side::Bottom, environment.bottom.solar_w_m2)
            .with_infrared_flux("bottom.ir", Side::Bottom, environment.bottom.infrared_w_m2)
    } else {
        panel.with_bottom(dark, None)
    };
    let strip = panel.add_to(&mut net)?;
    let y = spec.pitch_m / 2.0;
    let tube = Tube {
        name: "tube".into(),
        start_m: [0.0, y],
        end_m: [spec.length_m, y],
        inlet,
        mdot_cp_w_k,
        conductance_w_m_k,
        fluid_heat_capacity_j_m_k: 0.0,
        initial_temperature_k: inlet_k,
    }
    .add_to(&mut net, &strip)?;
    if let Some(g) = guess {
        if g.len() == net.node_count() {
            for (id, &t) in g.iter().enumerate() {
                if id != space && id != inlet && t.is_finite() && t > 0.0 {
                    net.set_initial_temperature_k(id, t)?;
                }
            }
        }
    }
    let system = net.assemble()?;
    let options = SteadyOptions::default().with_tolerance(STEADY_TOLERANCE)?;
    let solution = solve_steady(&system, &options)?;
    let t = &solution.temperatures_k;
    let fluid: Vec<f64> = tube.nodes().map(|id| t[id]).collect();
    let outlet_k = *fluid.last().unwrap_or(&inlet_k);
    let field = strip.field(t)?;
    let mean_panel_k = field.iter().sum::<f64>() / field.len() as f64;
    let panel_range_k = field
        .iter()
        .fold((f64::NEG_INFINITY, f64::INFINITY), |(hi, lo), &v| {
            (hi.max(v), lo.min(v))
        });
    let heat_w = mdot_cp_w_k * (inlet_k - outlet_k);
    // The ideal section: each piece's faces at the piece's mean coolant temperature.
    let q_abs = environment.absorbed_w_m2(&spec.coating, spec.two_sided);
    let eps_faces = spec.faces() * spec.coating.emissivity;
    let mut upstream = inlet_k;
    let mut ideal_w = 0.0;
    let mut fluid_sum = 0.0;
    let mut previous_distance = 0.0;
    for (&tf, &distance) in fluid.iter().zip(tube.distance_m()) {
        let piece_m = distance - previous_distance;
        previous_distance = distance;
        let mean = 0.5 * (upstream + tf);
        upstream = tf;
        fluid_sum += mean * piece_m;
        ideal_w += piece_m
            * spec.pitch_m
            * (eps_faces * STEFAN_BOLTZMANN * (mean.powi(4) - DEEP_SPACE_K.powi(4)) - q_abs);
    }
    Ok(SectionSolution {
        inlet_k,
        outlet_k,
        mdot_cp_w_k,
        heat_w,
        mean_panel_k,
        panel_range_k,
        mean_fluid_k: fluid_sum / tube.length_m(),
        fin_efficiency: heat_w / ideal_w,
        relative_imbalance: solution.energy_balance.relative_imbalance,
        temperatures_k: solution.temperatures_k,
    })
}

/// The coolant's flow through one tube: properties at the mean loop temperature, film
/// conductance per metre `h π D` and pressure drop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TubeFlow {
    /// Mass flow per tube, kg/s.
    pub mass_flow_kg_s: f64,
    /// Properties used.
    pub properties: FluidProperties,
    /// Pipe flow (Reynolds number, film coefficient, pressure drop).
    pub flow: PipeFlow,
    /// Film conductance per metre of tube, W/(m·K).
    pub conductance_w_m_k: f64,
}

/// The flow of `properties` at `mass_flow_kg_s` through the section's tube.
pub fn tube_flow(
    spec: &SectionSpec,
    properties: FluidProperties,
    mass_flow_kg_s: f64,
) -> Result<TubeFlow, Error> {
    let pipe = Pipe {
        inner_diameter_m: spec.tube.inner_diameter_m,
        length_m: spec.length_m,
        roughness_m: spec.tube.roughness_m,
    };
    let flow = pipe_flow(&properties, mass_flow_kg_s, &pipe)?;
    Ok(TubeFlow {
        mass_flow_kg_s,
        properties,
        conductance_w_m_k: flow.film_coefficient_w_m2_k * PI * spec.tube.inner_diameter_m,
        flow,
    })
}

/// A section in the hot case: the flow found, and the solution at it.
#[derive(Debug, Clone, PartialEq)]
pub struct HotSection {
    /// The tube flow at which the loop closes.
    pub tube: TubeFlow,
    /// The solved section.
    pub solution: SectionSolution,
    /// Steady solves the root search took.
    pub solves: usize,
}

/// A section closed by the flow search with a given film ([`hot_section_with_film`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedSection {
    /// The solved section.
    pub solution: SectionSolution,
    /// Steady solves the root search took.
    pub solves: usize,
}

/// Tolerance of a loop's closure, K: 1e-6 of the coolant's rise, but no finer than 3e-8 of
/// the temperature — what a steady solve to [`STEADY_TOLERANCE`] resolves in a temperature
/// of a network with film and flow conductances 1e4–1e6 times the radiative ones (measured:
/// outlet temperatures stop moving at a few 1e-6 K near 300 K).
fn closure_tolerance_k(rise_k: f64, temperature_k: f64) -> f64 {
    (1e-6 * rise_k).max(3e-8 * temperature_k)
}

/// Solves of one section in a root search, each started from the previous solution.
#[derive(Default)]
struct WarmStarted {
    guess: Option<Vec<f64>>,
}

impl WarmStarted {
    /// [`solve_section`] started from the last solution this search kept.
    fn solve(
        &mut self,
        spec: &SectionSpec,
        environment: &SectionEnvironment,
        inlet_k: f64,
        mdot_cp_w_k: f64,
        conductance_w_m_k: f64,
    ) -> Result<SectionSolution, Error> {
        let s = solve_section(
            spec,
            environment,
            inlet_k,
            mdot_cp_w_k,
            conductance_w_m_k,
            self.guess.as_deref(),
        )?;
        self.guess = Some(s.temperatures_k.clone());
        Ok(s)
    }
}

/// Largest number of steady solves a root search may take.
const MAX_ROOT_SOLVES: usize = 60;

/// Finds the root of a monotone `g` (`increasing` or not) from `x0`: steps of `step` in the
/// direction of the root until the sign changes (at most `MAX_ROOT_SOLVES`), then the
/// Illinois variant of regula falsi (Dowell & Jarratt, *BIT* 11, 168, 1971), which keeps the
/// bracket and converges superlinearly, to `|g| ≤ tol`. `eval` returns `g` and the state at
/// `x`; the root's `x`, state and the number of evaluations come back. `lowest` clamps the
/// steps from below.
fn monotone_root<S>(
    mut eval: impl FnMut(f64) -> Result<(f64, S), Error>,
    x0: f64,
    step: f64,
    increasing: bool,
    lowest: f64,
    tol: f64,
    what: &str,
) -> Result<(f64, S, usize), Error> {
    let mut count = 1;
    let mut a = x0;
    let (mut fa, sa) = eval(a)?;
    if fa.abs() <= tol {
        return Ok((a, sa, count));
    }
    let up = (fa < 0.0) == increasing;
    let step = if up { step.abs() } else { -step.abs() };
    let mut b = (a + step).max(lowest);
    let (mut fb, mut sb) = eval(b)?;
    count += 1;
    while fa.signum() == fb.signum() {
        if fb.abs() <= tol {
            return Ok((b, sb, count));
        }
        if count >= MAX_ROOT_SOLVES || b <= lowest {
            return Err(SizingError::NoClosure {
                reason: format!("{what}: no sign change found (last residual {fb:.4e} at {b:.6e})"),
            }
            .into());
        }
        a = b;
        fa = fb;
        b = (b + step).max(lowest);
        (fb, sb) = eval(b)?;
        count += 1;
    }
    let mut side = 0;
    while count < MAX_ROOT_SOLVES {
        let c = (a * fb - b * fa) / (fb - fa);
        let (fc, sc) = eval(c)?;
        count += 1;
        if fc.abs() <= tol {
            return Ok((c, sc, count));
        }
        if fc.signum() == fb.signum() {
            b = c;
            fb = fc;
            if side == -1 {
                fa *= 0.5;
            }
            side = -1;
        } else {
            a = c;
            fa = fc;
            if side == 1 {
                fb *= 0.5;
            }
            side = 1;
        }
    }
    Err(SizingError::NoClosure {
        reason: format!("{what}: did not converge in {MAX_ROOT_SOLVES} solves"),
    }
    .into())
}

/// The flow search of the hot case with the film conductance per metre from `film(ṁ)`:
/// coolant enters at `supply_k + rise_k`; the mass flow per tube is found at which the
/// solved outlet is `supply_k` (to [`closure_tolerance_k`]). `T_out(ṁ)` rises monotonically from
/// the face sheet's no-flow temperature (ṁ → 0) to the inlet temperature (ṁ → ∞), so a
/// root exists iff `supply_k` lies above what the section reaches with vanishing flow; the
/// search runs on `ln ṁ` from the flow that would carry two thirds of the faces' ideal heat.
fn close_hot<F: FnMut(f64) -> Result<f64, Error>>(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    cp_j_kg_k: f64,
    mut film: F,
    supply_k: f64,
    rise_k: f64,
) -> Result<(f64, SectionSolution, usize), Error> {
    let inlet_k = supply_k + rise_k;
    let mean = supply_k + 0.5 * rise_k;
    let q_ideal = spec.planform_area_m2()
        * (spec.faces() * spec.coating.emissivity * STEFAN_BOLTZMANN * mean.powi(4)
            - environment.absorbed_w_m2(&spec.coating, spec.two_sided));
    let first = (0.66 * q_ideal.max(1e-3 * spec.planform_area_m2())) / (cp_j_kg_k * rise_k);
    let mut warm = WarmStarted::default();
    let eval = |ln_m: f64| -> Result<(f64, SectionSolution), Error> {
        let m = ln_m.exp();
        let s = warm.solve(spec, environment, inlet_k, m * cp_j_kg_k, film(m)?)?;
        Ok((s.outlet_k - supply_k, s))
    };
    let what = format!(
        "no coolant flow brings the radiator outlet down to the supply temperature {supply_k:.2} K \
         (the face sheet with no coolant settles at {:.2} K)",
        environment.sink_temperature_k(&spec.coating, spec.two_sided)
    );
    let (ln_m, s, n) = monotone_root(
        eval,
        first.ln(),
        2f64.ln(),
        true,
        f64::NEG_INFINITY,
        closure_tolerance_k(rise_k, supply_k),
        &what,
    )?;
    Ok((ln_m.exp(), s, n))
}

/// The hot case of a section: `close_hot` with the film of [`pipe_flow`], the coolant's
/// properties at the mean loop temperature `supply_k + rise_k/2`.
pub fn hot_section(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    coolant: &Coolant,
    supply_k: f64,
    rise_k: f64,
) -> Result<HotSection, Error> {
    let properties = coolant.properties_at(supply_k + 0.5 * rise_k)?;
    let cp = properties.specific_heat_j_kg_k;
    let film = |m: f64| Ok(tube_flow(spec, properties, m)?.conductance_w_m_k);
    let (m, solution, solves) = close_hot(spec, environment, cp, film, supply_k, rise_k)?;
    Ok(HotSection {
        tube: tube_flow(spec, properties, m)?,
        solution,
        solves,
    })
}

/// The hot case of a section with a fixed film conductance per metre of tube (the ideal
/// isothermal radiator's) and a given `c_p`.
pub fn hot_section_with_film(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    cp_j_kg_k: f64,
    film_w_m_k: f64,
    supply_k: f64,
    rise_k: f64,
) -> Result<ClosedSection, Error> {
    let (_, solution, solves) = close_hot(
        spec,
        environment,
        cp_j_kg_k,
        |_| Ok(film_w_m_k),
        supply_k,
        rise_k,
    )?;
    Ok(ClosedSection { solution, solves })
}

/// A section in the cold case: the loop's supply temperature found for a given heat.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdSection {
    /// Supply (radiator outlet) temperature at which the loop closes, K.
    pub supply_k: f64,
    /// The solved section.
    pub solution: SectionSolution,
    /// Steady solves the root search took.
    pub solves: usize,
}

/// The cold case of a section: the flow `mdot_cp_w_k` and film conductance of the hot case,
/// the coolant carrying `heat_w` into the section; finds the supply temperature `T_s` at
/// which the outlet of a section fed at `T_s + heat_w/ṁc_p` is `T_s` (the loop closes).
/// `T_out − T_s` falls as `T_s` rises (a warmer loop loses more than it carries), so
/// `monotone_root` brackets it in steps of 5 K from the isothermal equilibrium.
///
/// The film conductance and `c_p` are kept from the hot case (the coolant's `c_p` changes by
/// a few per cent between the two cases for the built-in coolants; the film matters little
/// when the face sheet, not the film, sets the temperatures of a lightly loaded radiator).
pub fn cold_section(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    mdot_cp_w_k: f64,
    conductance_w_m_k: f64,
    heat_w: f64,
) -> Result<ColdSection, Error> {
    let rise = heat_w / mdot_cp_w_k;
    let mut warm = WarmStarted::default();
    let eval = |ts: f64| -> Result<(f64, SectionSolution), Error> {
        let s = warm.solve(spec, environment, ts + rise, mdot_cp_w_k, conductance_w_m_k)?;
        Ok((s.outlet_k - ts, s))
    };
    let q =
        heat_w / spec.planform_area_m2() + environment.absorbed_w_m2(&spec.coating, spec.two_sided);
    let t0 = (q / (spec.faces() * spec.coating.emissivity * STEFAN_BOLTZMANN)
        + DEEP_SPACE_K.powi(4))
    .powf(0.25);
    let (supply_k, solution, solves) = monotone_root(
        eval,
        t0,
        5.0,
        false,
        DEEP_SPACE_K + 1.0,
        closure_tolerance_k(rise, t0),
        "the cold-case loop temperature",
    )?;
    Ok(ColdSection {
        supply_k,
        solution,
        solves,
    })
}

/// The cold case held at a supply temperature by heat added to the loop (heaters on the
/// supply line, or GPU work): the flow and film of the hot case, the outlet of the section
/// kept at `supply_k`; finds the inlet `T_in` at which it is, and so the heat the section
/// must be given, `ṁc_p (T_in − T_s)`. The outlet rises monotonically with the inlet, and
/// the root is found by `monotone_root` from the inlet of a heat-free loop.
pub fn cold_section_at_supply(
    spec: &SectionSpec,
    environment: &SectionEnvironment,
    mdot_cp_w_k: f64,
    conductance_w_m_k: f64,
    supply_k: f64,
) -> Result<ColdSection, Error> {
    let mut warm = WarmStarted::default();
    let eval = |t_in: f64| -> Result<(f64, SectionSolution), Error> {
        let s = warm.solve(spec, environment, t_in, mdot_cp_w_k, conductance_w_m_k)?;
        Ok((s.outlet_k - supply_k, s))
    };
    let (_, solution, solves) = monotone_root(
        eval,
        supply_k + 1.0,
        5.0,
        true,
        supply_k,
        closure_tolerance_k(1.0, supply_k),
        "the heated cold-case loop",
    )?;
    Ok(ColdSection {
        supply_k,
        solution,
        solves,
    })
}

/// One GPU's resistance chain, per GPU, K/W, with its heat capacities (the steady solve
/// ignores them; the component requires them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuChain {
    /// Electrical power (all of it heat at the junction), W.
    pub power_w: f64,
    /// Junction to case, K/W.
    pub junction_to_case_k_w: f64,
    /// Case to cold plate (thermal interface), K/W.
    pub case_to_cold_plate_k_w: f64,
    /// Cold plate to coolant, `1/(hA)`, K/W.
    pub cold_plate_to_coolant_k_w: f64,
    /// Junction temperature limit, K.
    pub junction_limit_k: f64,
}

/// The junction's rise above the coolant supply of one GPU in the racks: a [`GpuRack`] of one
/// GPU fed at the supply temperature with capacity rate `mdot_cp_per_gpu_w_k`, solved
/// steadily. The chain is linear, so the rise does not depend on the supply temperature.
pub fn junction_rise_k(
    gpu: &GpuChain,
    coolant: &str,
    properties: FluidProperties,
    mdot_cp_per_gpu_w_k: f64,
) -> Result<f64, Error> {
    /// Any supply temperature: the chain is linear.
    const SUPPLY_K: f64 = 300.0;
    let mut net = ThermalNetwork::new();
    let supply = net.add_boundary("supply", SUPPLY_K)?;
    let rack = GpuRack {
        name: "gpu".into(),
        gpu_count: 1,
        power_per_gpu_w: Profile::Constant(gpu.power_w),
        junction_to_case_k_w: gpu.junction_to_case_k_w,
        case_to_cold_plate_k_w: gpu.case_to_cold_plate_k_w,
        cold_plate_to_coolant_k_w: gpu.cold_plate_to_coolant_k_w,
        junction_heat_capacity_j_k: 1.0,
        case_heat_capacity_j_k: 1.0,
        cold_plate_heat_capacity_j_k: 1.0,
        coolant_heat_capacity_j_k: 0.0,
        junction_limit_k: gpu.junction_limit_k,
        other_loads_w: Profile::Constant(0.0),
        conversion_loss_fraction: 0.0,
        initial_temperature_k: SUPPLY_K,
    };
    let fluid = LoopFluid {
        coolant: coolant.to_string(),
        properties,
        mass_flow_kg_s: mdot_cp_per_gpu_w_k / properties.specific_heat_j_kg_k,
        mdot_cp_w_k: mdot_cp_per_gpu_w_k,
    };
    let nodes = rack.add_to(&mut net, supply, &fluid)?;
    let solution = solve_steady(&net.assemble()?, &SteadyOptions::default())?;
    Ok(solution.temperatures_k[nodes.junction] - SUPPLY_K)
}
