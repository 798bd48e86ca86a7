//! Validation runners for the spacecraft components: coolant tubes on radiating
//! panels (`loop-02`, `loop-03`), solar arrays and the battery (`pwr-*`).
//!
//! The tube cases build the problem with the mesh API ([`RectangularPanel`] and
//! [`Tube`], solved by [`crate::solve::solve_steady`]), which fixes the fluid-to-panel
//! conductance per length `U′` exactly (through a loop in a case file it would
//! come from a Nusselt correlation); their references are a closed form and
//! independent RK4 integrations of the governing ODEs. The power cases run
//! through the case pipeline (`[arrays]`, `[battery]`, `[power]`, an orbit),
//! since the coupling of the thermal solve and the power budget is what they
//! validate.
//!
//! Length: the spacecraft runners (loops, tubes, arrays, battery, orbit
//! balance, the ISS-like wing) share one set of helpers that edit and run case
//! tables; they stay together until a runner needs more than those helpers.

use super::conduction::{count_list, inconsistent, node, solve_network};
use super::convergence::{convergence_plot, f64_at, set_key, str_at, write_plot, Refinement};
use super::exact::{bisect, radiating_fin};
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::case::Solution;
use crate::constants::{
    EARTH_ALBEDO_HOT, EARTH_IR_HOT_W_M2, EARTH_MU_KM3_S2, EARTH_RADIUS_KM, EARTH_ROTATION_RAD_S,
    SOLAR_FLUX_HOT_W_M2, STEFAN_BOLTZMANN_W_M2_K4 as SIGMA,
};
use crate::error::{Error, InputError};
use crate::mesh::{Coating, Material, PanelNodes, RectangularPanel, Tube, TubeNodes};
use crate::network::{NodeId, ThermalNetwork};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("tube_on_strip", tube_on_strip),
    ("tube_on_fin", tube_on_fin),
    ("array_balance", array_balance),
    ("battery_eclipse", battery_eclipse),
    ("spacecraft_orbit_balance", spacecraft_orbit_balance),
];

// ---------------------------------------------------------------------------
// Shared: the classical fourth-order Runge–Kutta march of one ODE
// ---------------------------------------------------------------------------

/// `y(x_end)` of `dy/dx = f(y)` from `y(0) = y0` by `steps` classical RK4 steps
/// (Press et al., *Numerical Recipes*, 3rd ed., eq. 17.1.3): local error
/// `O(h⁵)`, global `O(h⁴)`.
fn rk4(f: impl Fn(f64) -> f64, y0: f64, x_end: f64, steps: usize) -> f64 {
    let h = x_end / steps as f64;
    let mut y = y0;
    for _ in 0..steps {
        let k1 = f(y);
        let k2 = f(y + 0.5 * h * k1);
        let k3 = f(y + 0.5 * h * k2);
        let k4 = f(y + h * k3);
        y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
    y
}

/// Reference of an RK4 march and its own error: the value with `steps` steps
/// and `|y(steps) − y(steps/2)|`, which bounds the error of `y(steps)` by
/// 16/15 of itself once RK4 is in its asymptotic range (Richardson).
fn rk4_with_error(f: impl Fn(f64) -> f64, y0: f64, x_end: f64, steps: usize) -> (f64, f64) {
    let fine = rk4(&f, y0, x_end, steps);
    let coarse = rk4(&f, y0, x_end, (steps / 2).max(1));
    (fine, (fine - coarse).abs())
}

/// A positive parameter.
fn positive_param(case: &ValidationCase, key: &str) -> Result<f64, InputError> {
    let v = case.f64_param(key)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(InputError::OutOfRange {
            file: case.file.clone(),
            key: format!("parameters.{key}"),
            value: v.to_string(),
            allowed: "finite and > 0".into(),
        })
    }
}

// ---------------------------------------------------------------------------
// loop-02 and loop-03: coolant cooling along a tube on a radiating panel
// ---------------------------------------------------------------------------

/// A panel of length `length_m` (along the tube, x) and width `width_m` (y)
/// radiating from both faces to 0 K, with one tube along its centre line
/// `y = width/2` fed at `inlet_k`.
#[derive(Debug, Clone, Copy)]
struct TubePanel {
    length_m: f64,
    width_m: f64,
    thickness_m: f64,
    k_w_m_k: f64,
    emissivity: f64,
    inlet_k: f64,
    mdot_cp_w_k: f64,
}

impl TubePanel {
    fn from_case(case: &ValidationCase) -> Result<Self, InputError> {
        let p = |k: &str| positive_param(case, k);
        let s = Self {
            length_m: p("length_m")?,
            width_m: p("width_m")?,
            thickness_m: p("thickness_m")?,
            k_w_m_k: p("k_w_m_k")?,
            emissivity: p("emissivity")?,
            inlet_k: p("inlet_temperature_k")?,
            mdot_cp_w_k: p("mdot_cp_w_k")?,
        };
        if s.emissivity > 1.0 {
            return Err(inconsistent(case, "parameters.emissivity", "must be <= 1"));
        }
        Ok(s)
    }

    fn material(&self, k_w_m_k: f64) -> Material {
        // Density and heat capacity do not enter a steady solve.
        Material {
            k_w_m_k,
            density_kg_m3: 2700.0,
            specific_heat_j_kg_k: 896.0,
        }
    }

    fn coating(&self) -> Coating {
        Coating {
            absorptivity: 0.0,
            emissivity: self.emissivity,
        }
    }

    /// A panel of `length_k[0]` along the tube, the case's width, of
    /// conductivity `length_k[1]`, on a `cells[0] × cells[1]` grid, both faces
    /// radiating to `space`.
    fn panel(
        &self,
        net: &mut ThermalNetwork,
        name: &str,
        length_k: [f64; 2],
        cells: [usize; 2],
        space: NodeId,
    ) -> Result<PanelNodes, Error> {
        Ok(RectangularPanel::new(
            name,
            length_k[0],
            self.width_m,
            self.thickness_m,
            self.material(length_k[1]),
            cells[0],
            cells[1],
        )
        .with_faces(self.coating(), Some(space))
        .with_initial_temperature_k(self.inlet_k)
        .add_to(net)?)
    }

    /// The tube over `[x0, x1]` on `panel` along `y = width/2`, fed from `inlet`.
    fn tube(
        &self,
        net: &mut ThermalNetwork,
        panel: &PanelNodes,
        name: &str,
        inlet: NodeId,
        x_m: [f64; 2],
        conductance_w_m_k: f64,
    ) -> Result<TubeNodes, Error> {
        let y = 0.5 * self.width_m;
        Ok(Tube {
            name: name.into(),
            start_m: [x_m[0], y],
            end_m: [x_m[1], y],
            inlet,
            mdot_cp_w_k: self.mdot_cp_w_k,
            conductance_w_m_k,
            fluid_heat_capacity_j_m_k: 0.0,
            initial_temperature_k: self.inlet_k,
        }
        .add_to(net, panel)?)
    }

    /// Outlet temperature of the fluid (K) with the panel as one `nx × ny` grid
    /// of conductivity `k_w_m_k`.
    fn outlet_k(
        &self,
        conductance_w_m_k: f64,
        nx: usize,
        ny: usize,
        k_w_m_k: f64,
    ) -> Result<f64, Error> {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 0.0)?;
        let inlet = net.add_boundary("inlet", self.inlet_k)?;
        let panel = self.panel(&mut net, "panel", [self.length_m, k_w_m_k], [nx, ny], space)?;
        let tube = self.tube(
            &mut net,
            &panel,
            "tube",
            inlet,
            [0.0, self.length_m],
            conductance_w_m_k,
        )?;
        let t = solve_network(&net)?;
        Ok(t[tube.outlet()])
    }

    /// Outlet temperature (K) with the panel cut across the tube into `nx`
    /// separate strips of `1 × ny` cells, each with its piece of tube, the
    /// pieces in series: no conduction along the tube at all, so each strip is
    /// exactly a 1-D fin across the tube.
    fn strips_outlet_k(&self, conductance_w_m_k: f64, nx: usize, ny: usize) -> Result<f64, Error> {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 0.0)?;
        let mut upstream = net.add_boundary("inlet", self.inlet_k)?;
        let dx = self.length_m / nx as f64;
        for i in 0..nx {
            let strip = self.panel(
                &mut net,
                &format!("strip[{i}]"),
                [dx, self.k_w_m_k],
                [1, ny],
                space,
            )?;
            let tube = self.tube(
                &mut net,
                &strip,
                &format!("tube[{i}]"),
                upstream,
                [0.0, dx],
                conductance_w_m_k,
            )?;
            upstream = tube.outlet();
        }
        let t = solve_network(&net)?;
        Ok(t[upstream])
    }

    /// Heat per length a strip of the panel's width radiates with its whole
    /// width at `t_k`, both faces, to 0 K: `2 w ε σ T⁴` (W/m).
    fn isothermal_heat_w_m(&self, t_k: f64) -> f64 {
        2.0 * self.width_m * self.emissivity * SIGMA * t_k.powi(4)
    }

    /// The closed form of the strongly coupled strip: `ṁc_p dT/dx = −2wεσT⁴`
    /// gives `d(T⁻³)/dx = 6wεσ/(ṁc_p)`, so
    /// `1/T³ = 1/T_in³ + 6wεσx/(ṁc_p)`.
    fn closed_form_k(&self, x_m: f64) -> f64 {
        let inv_cube = self.inlet_k.powi(-3)
            + 6.0 * self.width_m * self.emissivity * SIGMA * x_m / self.mdot_cp_w_k;
        inv_cube.powf(-1.0 / 3.0)
    }

    /// The closed form behind a finite film `U′`: with `q′ = bT_w⁴`
    /// (`b = 2wεσ`) and `T_f = T_w + bT_w⁴/U′`, the balance
    /// `ṁc_p dT_f/dx = −bT_w⁴` becomes `ṁc_p (T_w⁻⁴ + 4b/(U′T_w)) dT_w = −b dx`,
    /// whose integral is
    /// `ṁc_p [(T_w⁻³ − T_w0⁻³)/3 + (4b/U′) ln(T_w0/T_w)] = b x`
    /// (`T_w0` the wall at the inlet). The left side rises from 0 as `T_w`
    /// falls from `T_w0`, so bisection finds the one root; the fluid
    /// temperature follows. As `U′ → ∞` it is [`Self::closed_form_k`].
    fn closed_form_film_k(&self, x_m: f64, conductance_w_m_k: f64) -> f64 {
        let b = self.isothermal_heat_w_m(1.0);
        let tw0 = self.wall_k(self.inlet_k, conductance_w_m_k);
        let balance = |tw: f64| {
            self.mdot_cp_w_k
                * ((tw.powi(-3) - tw0.powi(-3)) / 3.0
                    + 4.0 * b / conductance_w_m_k * (tw0 / tw).ln())
                - b * x_m
        };
        let tw = bisect(balance, 1e-3 * tw0, tw0).unwrap_or(f64::NAN);
        tw + self.isothermal_heat_w_m(tw) / conductance_w_m_k
    }

    /// The wall temperature that a fluid at `t_fluid_k` holds through `U′`:
    /// the root of `U′(T_f − T_w) = 2wεσT_w⁴` in `(0, T_f]` (the left side falls
    /// and the right side rises with `T_w`, so there is exactly one).
    fn wall_k(&self, t_fluid_k: f64, conductance_w_m_k: f64) -> f64 {
        let balance = |tw: f64| conductance_w_m_k * (t_fluid_k - tw) - self.isothermal_heat_w_m(tw);
        bisect(balance, 0.0, t_fluid_k).unwrap_or(f64::NAN)
    }

    /// `dT_f/dx` (K/m) of fluid at `t_fluid_k` behind a film `U′`: the heat the
    /// wall radiates, `−2wεσT_w⁴/(ṁc_p)`. Written with the radiated heat rather
    /// than the equal `U′(T_f − T_w)`, whose difference of two nearly equal
    /// temperatures loses digits when `U′` is large (at `U′ = 1e6` W/(m·K) the
    /// film drop is ~1e-7 K, so the round-off of `T_w` would be amplified 1e7 times).
    fn film_rate_k_m(&self, t_fluid_k: f64, conductance_w_m_k: f64) -> f64 {
        -self.isothermal_heat_w_m(self.wall_k(t_fluid_k, conductance_w_m_k)) / self.mdot_cp_w_k
    }
}

/// Observed order between the two finest levels of a study, and the study.
fn study(label: &str, cells: &[usize], length_m: f64, errors: Vec<f64>) -> Refinement {
    let spacing = cells.iter().map(|&n| length_m / n as f64).collect();
    Refinement::new(label, spacing, errors)
}

/// Fluid cooling along a tube bonded to a radiating strip (`loop-02`).
///
/// A strip `L × w`, thickness `t`, both faces `ε` to 0 K, one grid row
/// (`ny = 1`), a tube along its centre line. Axial conduction in the strip is
/// made negligible by a tiny conductivity (`k_w_m_k`); its effect on the
/// outlet is measured by solving again with the conductivity raised
/// `conduction_factor` times and scaling the change back (it is linear in k
/// while small).
///
/// 1. Strongly coupled (`U′ = coupled_conductance_w_m_k`, every piece's NTU at
///    the cap of 12): the fluid and the strip share one temperature and
///    `ṁc_p dT/dx = −2wεσT⁴` (Incropera et al., 7th ed., §8.3.1, the
///    differential energy balance with the heat per length radiated by both
///    faces), whose closed form is [`TubePanel::closed_form_k`]; the reference
///    of the grid study is the finite-film form at this `U′`
///    ([`TubePanel::closed_form_film_k`]), which differs from it by less than
///    the film drop. The scheme is then implicit Euler along the
///    flow — each fluid node takes the temperature of its own cell, which
///    radiates at the *downstream* value `T_i` over the whole piece:
///    `ṁc_p (T_{i−1} − T_i) = 2wεσ Δx T_i⁴` — so the outlet converges at first
///    order in Δx.
/// 2. Finite film conductance `U′ = film_conductance_w_m_k`: the pair
///    `ṁc_p dT_f/dx = −U′(T_f − T_w)`, `U′(T_f − T_w) = 2wεσT_w⁴` has the
///    implicit closed form [`TubePanel::closed_form_film_k`], the reference;
///    an RK4 march of the pair (`rk4_steps` steps, the wall solved per
///    evaluation by bisection) checks it independently. Per piece the exchange is the exact
///    exponential one for a wall at the cell-centre temperature (the midpoint
///    rule), so the outlet converges at second order.
fn tube_on_strip(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let s = TubePanel::from_case(case)?;
    let coupled = positive_param(case, "coupled_conductance_w_m_k")?;
    let film = positive_param(case, "film_conductance_w_m_k")?;
    let factor = positive_param(case, "conduction_factor")?;
    let cells = count_list(case, "cells")?;
    let steps = count_list(case, "rk4_steps")?.first().copied().unwrap_or(1);
    if cells.len() < 2 {
        return Err(inconsistent(case, "parameters.cells", "give at least two grids").into());
    }
    let exact = s.closed_form_k(s.length_m);
    let exact_coupled = s.closed_form_film_k(s.length_m, coupled);
    let exact_film = s.closed_form_film_k(s.length_m, film);
    // The ODE pair integrated by RK4: an independent check of the closed form
    // behind a finite film.
    let (film_rk4, film_rk4_error) =
        rk4_with_error(|tf| s.film_rate_k_m(tf, film), s.inlet_k, s.length_m, steps);

    let (mut coupled_err, mut film_err) = (Vec::new(), Vec::new());
    for &nx in &cells {
        coupled_err.push((s.outlet_k(coupled, nx, 1, s.k_w_m_k)? - exact_coupled).abs());
        film_err.push((s.outlet_k(film, nx, 1, s.k_w_m_k)? - exact_film).abs());
    }
    let finest = *cells.last().unwrap_or(&1);
    let conduction_effect = (s.outlet_k(coupled, finest, 1, factor * s.k_w_m_k)?
        - s.outlet_k(coupled, finest, 1, s.k_w_m_k)?)
        / (factor - 1.0);
    let coupled_study = study(
        &format!("strongly coupled U' = {coupled:e} W/(m K) vs closed form"),
        &cells,
        s.length_m,
        coupled_err,
    );
    let film_study = study(
        &format!("film U' = {film} W/(m K) vs closed form"),
        &cells,
        s.length_m,
        film_err,
    );
    let plot = convergence_plot(
        "loop-02: outlet of a tube on a radiating strip",
        "piece length Δx (m)",
        "|T_out − T_ref| (K)",
        &[&coupled_study, &film_study],
        vec![
            coupled_study.guide(1.0, "slope 1"),
            film_study.guide(2.0, "slope 2"),
        ],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;
    Ok(vec![
        Measurement::new(
            "strongly coupled: |T_out - closed form|, finest grid (K)",
            coupled_study.finest_error(),
            0.0,
        ),
        Measurement::new(
            "strongly coupled: observed order",
            coupled_study.finest_order(),
            1.0,
        ),
        Measurement::new(
            "closed form: film U' = coupled vs 1/T^3 form (K)",
            exact_coupled,
            exact,
        ),
        Measurement::new(
            "finite film: |T_out - closed form|, finest grid (K)",
            film_study.finest_error(),
            0.0,
        ),
        Measurement::new(
            "finite film: observed order",
            film_study.finest_order(),
            2.0,
        ),
        Measurement::new(
            "axial conduction: change of T_out at the case's k (K)",
            conduction_effect.abs(),
            0.0,
        ),
        Measurement::new("finite film: RK4 vs closed form (K)", film_rk4, exact_film),
        Measurement::new(
            "RK4 reference: change from half the steps (K)",
            film_rk4_error,
            0.0,
        ),
    ])
}

/// Fluid cooling along a tube on a real fin (`loop-03`).
///
/// An aluminium plate of width `P` (the tube pitch, y) and length `L` (x), a
/// tube along `y = P/2`: two half-fins of length `L_f = P/2`, both faces `ε`
/// to 0 K, the tube bonded with a large `U′` so that the fin root is at the
/// fluid temperature. The fin-efficiency model
///
/// ```text
/// ṁc_p dT/dx = −2 (2 L_f) η(N(T)) ε σ T⁴,   N = 2εσT³L_f²/(k t)
/// ```
///
/// (each half-fin rejects `η · 2εσT⁴ L_f` per metre of tube, both faces, by
/// the definition of η in [`radiating_fin`]) is integrated by RK4 with
/// `rk4_steps` steps, η evaluated at each stage from the exact first integral.
///
/// The model assumes (i) the root at the fluid temperature, (ii) a 1-D fin
/// across the tube, (iii) no conduction along the tube and (iv) η of a fin
/// whose root is at the local temperature. The panel is solved twice:
/// - cut into `nx` strips across the tube ([`TubePanel::strips_outlet_k`]):
///   (ii)–(iv) hold exactly and (i) to `e^{−12}` of each piece's drop, so the
///   strips converge to the model itself — at first order along the tube
///   (strongly coupled: implicit Euler, as in `loop-02`) and second order
///   across it (`ny` odd puts a cell centre on the root);
/// - as one plate: the difference from the strips is the model's own error,
///   conduction along the tube. For an axial dispersion `D = k t P/(ṁc_p)`
///   (plate conduction over the flow's capacity rate), perturbing
///   `ṁc_p T′ = −q′(T) + k t P T″` with adiabatic plate ends gives to first
///   order `δT_out ≈ D |T′(L)| ln(q′(T_in)/q′(T_out))` (`4 ln(T_in/T_out)`
///   for `q′ ∝ T⁴`): the Danckwerts conditions at the inlet,
///   `T(0) = T_in + D T′(0)`, and at the outlet, `T′(L) = 0`, carried through
///   the linearised balance, whose particular solution is `D T₀′ ln|T₀′|`.
///   It lets the whole plate section carry the root's axial gradient, while a
///   fin's section carries only `d T̄/dT_root < 1` of it, so it bounds the
///   effect from above; the runner reports it beside the measured difference
///   (both extrapolated along the tube).
fn tube_on_fin(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let s = TubePanel::from_case(case)?;
    let u = positive_param(case, "conductance_w_m_k")?;
    let cells_x = count_list(case, "cells_along")?;
    let cells_y = count_list(case, "cells_across")?;
    let fine_y = count_list(case, "fine_cells_across")?
        .first()
        .copied()
        .unwrap_or(1);
    let steps = count_list(case, "rk4_steps")?.first().copied().unwrap_or(1);
    if cells_x.len() < 2 || cells_y.len() < 3 {
        return Err(inconsistent(
            case,
            "parameters.cells_along",
            "give at least two grids along and three across",
        )
        .into());
    }
    if cells_y.iter().chain([&fine_y]).any(|n| n % 2 == 0) {
        return Err(inconsistent(
            case,
            "parameters.cells_across",
            "cell counts across must be odd, so a cell centre lies on the tube",
        )
        .into());
    }
    let half = 0.5 * s.width_m;
    let kt = s.k_w_m_k * s.thickness_m;
    // Heat per length of tube both half-fins reject with their root at `t`, W/m.
    let fin_heat_w_m = |t: f64| -> f64 {
        let n = 2.0 * s.emissivity * SIGMA * t.powi(3) * half * half / kt;
        let eta = radiating_fin(n).map_or(f64::NAN, |f| f.efficiency);
        2.0 * (2.0 * half) * eta * s.emissivity * SIGMA * t.powi(4)
    };
    let rate = |t: f64| -fin_heat_w_m(t) / s.mdot_cp_w_k;
    let (model, model_rk4_error) = rk4_with_error(rate, s.inlet_k, s.length_m, steps);

    // Along the tube at the fine grid across it. The error across the tube is
    // the same at every level, so successive differences give the order along it.
    let strips: Vec<f64> = cells_x
        .iter()
        .map(|&nx| s.strips_outlet_k(u, nx, fine_y))
        .collect::<Result<_, _>>()?;
    let plate: Vec<f64> = cells_x
        .iter()
        .map(|&nx| s.outlet_k(u, nx, fine_y, s.k_w_m_k))
        .collect::<Result<_, _>>()?;
    let steps_along =
        |v: &[f64]| -> Vec<f64> { v.windows(2).map(|w| (w[1] - w[0]).abs()).collect() };
    let along_study = study(
        "strips, change with cells along",
        &cells_x[..cells_x.len() - 1],
        s.length_m,
        steps_along(&strips),
    );
    let plate_study = study(
        "plate, change with cells along",
        &cells_x[..cells_x.len() - 1],
        s.length_m,
        steps_along(&plate),
    );
    // First-order Richardson extrapolation along the tube, `2 T(2n) − T(n)`.
    let extrapolated = |v: &[f64]| -> f64 {
        match v {
            [.., a, b] => 2.0 * b - a,
            _ => f64::NAN,
        }
    };
    let strips_limit = extrapolated(&strips);
    let plate_limit = extrapolated(&plate);
    // Across the tube at the coarsest grid along it: successive differences
    // (the error along the tube is the same at every level and cancels).
    let coarse_x = cells_x[0];
    let across: Vec<f64> = cells_y
        .iter()
        .map(|&ny| s.strips_outlet_k(u, coarse_x, ny))
        .collect::<Result<_, _>>()?;
    let diffs: Vec<f64> = across.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let across_study = study(
        "strips, change with cells across",
        &cells_y[..cells_y.len() - 1],
        s.width_m,
        diffs,
    );
    // A priori estimate of the axial-conduction error (see the doc comment):
    // `D |T′(L)| ln(q′(T_in)/q′(T_out))`.
    let dispersion_m = kt * s.width_m / s.mdot_cp_w_k;
    let estimate =
        dispersion_m * rate(model).abs() * (fin_heat_w_m(s.inlet_k) / fin_heat_w_m(model)).ln();
    let plot = convergence_plot(
        "loop-03: outlet of a tube on a radiating fin",
        "piece length Δx (m)",
        "|T_out(n) − T_out(2n)| (K)",
        &[&along_study, &plate_study],
        vec![along_study.guide(1.0, "slope 1")],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;
    let finest = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
    Ok(vec![
        Measurement::new(
            "strips: |T_out - fin model|, finest grid (K)",
            (finest(&strips) - model).abs(),
            0.0,
        ),
        Measurement::new(
            "strips extrapolated along the tube: T_out vs fin model (K)",
            strips_limit,
            model,
        ),
        Measurement::new(
            "strips: observed order along the tube",
            along_study.finest_order(),
            1.0,
        ),
        Measurement::new(
            "strips: observed order across the tube",
            across_study.finest_order(),
            2.0,
        ),
        Measurement::new(
            "plate: observed order along the tube",
            plate_study.finest_order(),
            1.0,
        ),
        Measurement::new(
            "plate: |T_out - fin model|, finest grid (K)",
            (finest(&plate) - model).abs(),
            0.0,
        ),
        Measurement::new(
            "plate - strips, extrapolated (K): axial conduction",
            plate_limit - strips_limit,
            estimate,
        ),
        Measurement::new(
            "RK4 fin model: change from half the steps (K)",
            model_rk4_error,
            0.0,
        ),
    ])
}

// ---------------------------------------------------------------------------
// pwr-01: a sun-tracking array's steady temperature and power
// ---------------------------------------------------------------------------

/// The hand energy balance of a sun-tracking array per m² of array:
/// `α_f S + e = (ε_f + ε_b) σ (T⁴ − T_s⁴) + η_ref (1 + β (T − T_ref)) p_f S`
/// (absorbed sunlight and Earth flux `e` in; radiation from both faces and
/// the electricity out), with its root.
#[derive(Debug, Clone, Copy)]
struct ArrayBalance {
    absorptivity_front: f64,
    emissivity_sum: f64,
    solar_w_m2: f64,
    sink_k: f64,
    efficiency: f64,
    coefficient_per_k: f64,
    reference_k: f64,
    packing_factor: f64,
}

impl ArrayBalance {
    /// Electrical output per m² at `t_k`, W/m² (the linear η(T) of Evans 1981).
    fn electrical_w_m2(&self, t_k: f64) -> f64 {
        self.efficiency
            * (1.0 + self.coefficient_per_k * (t_k - self.reference_k))
            * self.packing_factor
            * self.solar_w_m2
    }

    /// The steady temperature with Earth flux `earth_w_m2` absorbed, K: the
    /// root of the balance, which falls monotonically with `T` (radiation
    /// rises as `T⁴`, output falls with `T` for `β < 0`) — bisection between the
    /// sink and 10⁴ K.
    fn temperature_k(&self, earth_w_m2: f64) -> f64 {
        let f = |t: f64| {
            self.absorptivity_front * self.solar_w_m2 + earth_w_m2
                - self.emissivity_sum * SIGMA * (t.powi(4) - self.sink_k.powi(4))
                - self.electrical_w_m2(t)
        };
        bisect(f, self.sink_k, 1e4).unwrap_or(f64::NAN)
    }
}

/// A sun-tracking array in geostationary orbit, steady (`pwr-01`).
///
/// The case (`[case]`) holds one array `parameters.array` pointing at the
/// Sun, a `hot` environment (a fixed solar flux, [`SOLAR_FLUX_HOT_W_M2`], so
/// that `S` is known without the ephemeris) and a date without eclipse
/// (GEO eclipses need |β| < 8.7°). The array's node balances absorbed
/// sunlight against radiation from both faces and the electricity it
/// delivers, `P_el = η(T) p_f S A`:
///
/// - with the Earth flux the model absorbs (IR and albedo at GEO, read from
///   the solve's heat in less `α_f S A`), the hand balance's root must be the
///   solved temperature to solver precision;
/// - with `αS` alone — the balance `αS = (ε_f + ε_b)σT⁴ + P_el/A` — the root
///   is a lower bound, and the upper bound adds the most Earth flux a plate at
///   GEO could absorb, `(ε_f + ε_b) q_IR F + (α_f + α_b) a S F` with
///   `F = (R_E/r)²`, the nadir plate-to-sphere view factor (Howell's catalogue,
///   B-series; the largest at any tilt), each face counted in full;
/// - the power at the bus is `η_bus P_el(T)` averaged over the day.
fn array_balance(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let table = case.case_table()?;
    let f = &case.file;
    let name = case.str_param("array")?;
    let get = |k: &str| f64_at(&table, k, f);
    let arr = |k: &str| get(&format!("arrays.{name}.{k}"));
    let coating = |face: &str, what: &str| -> Result<f64, InputError> {
        let c = str_at(&table, &format!("arrays.{name}.{face}_coating"), f)?;
        get(&format!("coatings.{c}.{what}"))
    };
    if str_at(&table, "environment.preset", f)? != "hot" {
        return Err(inconsistent(
            case,
            "case.environment.preset",
            "this runner needs the hot preset, whose solar flux is fixed (not scaled by 1/d²)",
        )
        .into());
    }
    let sink = str_at(&table, &format!("arrays.{name}.sink"), f)?;
    let area_m2 = arr("area_m2")?;
    let bus_efficiency = get("power.bus_efficiency")?;
    let (alpha_b, eps_f, eps_b) = (
        coating("back", "absorptivity")?,
        coating("front", "emissivity")?,
        coating("back", "emissivity")?,
    );
    let hand = ArrayBalance {
        absorptivity_front: coating("front", "absorptivity")?,
        emissivity_sum: eps_f + eps_b,
        solar_w_m2: SOLAR_FLUX_HOT_W_M2,
        sink_k: get(&format!("nodes.{sink}.temperature_k"))?,
        efficiency: arr("efficiency")?,
        coefficient_per_k: arr("temperature_coefficient_per_k")?,
        reference_k: arr("reference_temperature_k")?,
        packing_factor: arr("packing_factor")?,
    };

    let model = case.build_model(table.clone())?;
    let node_id = node(case, &model, name)?;
    let run = model.run()?;
    let Solution::Steady(steady) = &run.solution else {
        return Err(inconsistent(
            case,
            "case.solve.mode",
            "this runner needs mode = \"steady\"",
        )
        .into());
    };
    let t_model = steady.temperatures_k[node_id];
    let budget = run
        .spacecraft
        .as_ref()
        .and_then(|s| s.power.as_ref())
        .ok_or_else(|| inconsistent(case, "case.arrays", "the run drew up no power budget"))?;

    // Earth flux the model's array absorbs: all heat in, less the sunlight.
    let absorbed_w = steady.energy_balance.heat_in_w;
    let earth_w_m2 = absorbed_w / area_m2 - hand.absorptivity_front * hand.solar_w_m2;
    // The most a plate at GEO could absorb: each face at the nadir view factor.
    let geo_radius_km = (EARTH_MU_KM3_S2 / EARTH_ROTATION_RAD_S.powi(2)).cbrt();
    let view = (EARTH_RADIUS_KM / geo_radius_km).powi(2);
    let earth_max_w_m2 = (eps_f + eps_b) * EARTH_IR_HOT_W_M2 * view
        + (hand.absorptivity_front + alpha_b) * EARTH_ALBEDO_HOT * hand.solar_w_m2 * view;
    let t_full = hand.temperature_k(earth_w_m2);
    let t_sun = hand.temperature_k(0.0);
    let t_max = hand.temperature_k(earth_max_w_m2);
    let bus = |t: f64| bus_efficiency * hand.electrical_w_m2(t) * area_m2;
    Ok(vec![
        Measurement::new(
            "T vs hand balance with the absorbed Earth flux (K)",
            t_model,
            t_full,
        ),
        Measurement::new(
            "T - T_hand(alpha S alone) (K), at least 0",
            t_model - t_sun,
            0.0,
        ),
        Measurement::new(
            "T - T_hand(alpha S alone) (K), at most the Earth-flux bound",
            t_model - t_sun,
            t_max - t_sun,
        ),
        Measurement::new(
            "absorbed Earth IR and albedo (W/m2), at most the bound",
            earth_w_m2,
            earth_max_w_m2,
        ),
        Measurement::new(
            "bus power vs eta_bus eta(T) p_f S A at the solved T (W)",
            budget.average_generated_w,
            bus(t_model),
        ),
        Measurement::new(
            "bus power vs hand balance with alpha S alone (W)",
            budget.average_generated_w,
            bus(t_sun),
        ),
        Measurement::new(
            "steady energy balance, relative imbalance",
            steady.energy_balance.relative_imbalance,
            0.0,
        ),
    ])
}

// ---------------------------------------------------------------------------
// pwr-02: the battery's state of charge over an eclipse
// ---------------------------------------------------------------------------

/// The hand integral of stored energy (J) for constant array power `G` in
/// sunlight, none in eclipse, and a constant load `L`: in sunlight the
/// battery stores `η_ch (G − L)` until full, in eclipse it gives `L`,
/// costing `L/η_dis` of storage, down to its floor (Patel, *Spacecraft Power
/// Systems*, 2005, ch. 10; Wertz & Larson, *SMAD*, 3rd ed., §11.4). Each
/// segment has a constant rate, so the integral is exact piece by piece.
#[derive(Debug, Clone, Copy)]
struct HandBattery {
    generated_w: f64,
    load_w: f64,
    capacity_j: f64,
    floor_j: f64,
    charge_efficiency: f64,
    discharge_efficiency: f64,
    initial_j: f64,
}

impl HandBattery {
    /// Stored energy at `t_s` from 0, with the shadows `eclipses_s` (start, end).
    fn stored_j(&self, eclipses_s: &[(f64, f64)], t_s: f64) -> f64 {
        // Segment boundaries up to t: sunlit until each eclipse, dark through it.
        let mut e = self.initial_j;
        let mut now = 0.0_f64;
        let advance = |until: f64, lit: bool, e: &mut f64, now: &mut f64| {
            let dt = (until.min(t_s) - *now).max(0.0);
            let net = if lit {
                self.generated_w - self.load_w
            } else {
                -self.load_w
            };
            *e = if net >= 0.0 {
                (*e + self.charge_efficiency * net * dt).min(self.capacity_j)
            } else {
                (*e + net / self.discharge_efficiency * dt).max(self.floor_j)
            };
            *now = now.max(until.min(t_s));
        };
        for &(a, b) in eclipses_s {
            advance(a, true, &mut e, &mut now);
            advance(b, false, &mut e, &mut now);
        }
        advance(t_s, true, &mut e, &mut now);
        e
    }
}

/// A battery carried through an eclipse by a sun-tracking array (`pwr-02`).
///
/// The case holds a sun-tracking array whose efficiency does not depend on
/// temperature (`temperature_coefficient_per_k = 0`) under the `hot` preset's
/// fixed solar flux, a cylindrical shadow (the array is either fully lit or
/// dark), a constant housekeeping load and a battery starting part charged.
/// The bus then receives exactly `G = η_bus η p_f S A` in sunlight and nothing
/// in eclipse, and the state of charge is the piecewise-linear
/// [`HandBattery::stored_j`] between the eclipse boundaries the orbit reports
/// (validated in `orb-01`, `orb-02`).
///
/// Neither sampling smears an eclipse boundary: the lit fraction of a cylindrical
/// shadow switches at the boundary itself, whatever the flux step
/// (`environment::series` keeps a node before and a node after the switch), and the
/// budget is integrated on the output samples and the eclipse boundaries between them.
/// The state of charge is therefore the hand integral to round-off at every output
/// interval of `parameters.output_intervals_s`, and the bus gets nothing on any sample
/// interval inside the eclipse.
fn battery_eclipse(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let name = case.str_param("array")?;
    let arr = |k: &str| get(&format!("arrays.{name}.{k}"));
    if arr("temperature_coefficient_per_k")? != 0.0
        || str_at(&base, "environment.preset", f)? != "hot"
        || str_at(&base, "environment.shadow", f)? != "cylindrical"
    {
        return Err(inconsistent(
            case,
            "case",
            "this runner needs temperature_coefficient_per_k = 0, preset = \"hot\" and shadow = \"cylindrical\" (a known, constant array output)",
        )
        .into());
    }
    let capacity_j = get("battery.capacity_wh")? * 3600.0;
    let hand = HandBattery {
        generated_w: get("power.bus_efficiency")?
            * arr("efficiency")?
            * arr("packing_factor")?
            * SOLAR_FLUX_HOT_W_M2
            * arr("area_m2")?,
        load_w: get("power.housekeeping_w")?,
        capacity_j,
        floor_j: capacity_j * (1.0 - get("battery.max_depth_of_discharge")?),
        charge_efficiency: get("battery.charge_efficiency")?,
        discharge_efficiency: get("battery.discharge_efficiency")?,
        initial_j: capacity_j * get("battery.initial_state_of_charge")?,
    };
    let intervals = case.f64_list_param("output_intervals_s")?;
    let mut out = Vec::new();
    let mut worst_error = 0.0_f64;
    let mut finest = None;
    for &dt in &intervals {
        let mut table = base.clone();
        set_key(&mut table, "solve.transient.output_interval_s", dt, f)?;
        let model = case.build_model(table)?;
        let eclipses: Vec<(f64, f64)> = model
            .orbit
            .as_ref()
            .map(|o| {
                o.series
                    .eclipses()
                    .iter()
                    .map(|e| (e.penumbra_entry_s, e.penumbra_exit_s))
                    .collect()
            })
            .unwrap_or_default();
        let run = model.run()?;
        let budget = run
            .spacecraft
            .as_ref()
            .and_then(|s| s.power.clone())
            .ok_or_else(|| inconsistent(case, "case.battery", "the run drew up no power budget"))?;
        let soc_error = budget
            .times_s
            .iter()
            .zip(&budget.state_of_charge)
            .map(|(&t, &soc)| (soc - hand.stored_j(&eclipses, t) / capacity_j).abs())
            .fold(0.0, f64::max);
        worst_error = worst_error.max(soc_error);
        finest = Some((eclipses, budget, soc_error));
    }
    let Some((eclipses, budget, soc_error)) = finest else {
        return Err(inconsistent(
            case,
            "parameters.output_intervals_s",
            "give at least one interval",
        )
        .into());
    };
    let Some(&(entry, exit)) = eclipses.first() else {
        return Err(inconsistent(case, "case.orbit", "the run has no eclipse").into());
    };
    // Samples whose interval lies wholly inside the eclipse: array off, the
    // battery carrying the whole load.
    let inside: Vec<usize> = (1..budget.times_s.len())
        .filter(|&k| budget.times_s[k - 1] >= entry && budget.times_s[k] <= exit)
        .collect();
    let max_inside = |v: &[f64]| {
        inside
            .iter()
            .map(|&k| v[k])
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let min_inside = |v: &[f64]| inside.iter().map(|&k| v[k]).fold(f64::INFINITY, f64::min);
    let deepest_hand = 1.0 - hand.stored_j(&eclipses, exit) / capacity_j;
    let end = budget.times_s.last().copied().unwrap_or(0.0);
    let heat_hand = (1.0 / hand.discharge_efficiency - 1.0) * hand.load_w;
    out.extend([
        Measurement::new(
            "deepest depth of discharge vs hand integral",
            budget.max_depth_of_discharge,
            deepest_hand,
        ),
        Measurement::new(
            "state of charge at the end vs hand integral",
            budget.state_of_charge.last().copied().unwrap_or(f64::NAN),
            hand.stored_j(&eclipses, end) / capacity_j,
        ),
        Measurement::new(
            "max |SOC - hand| over the samples, finest output interval",
            soc_error,
            0.0,
        ),
        Measurement::new(
            "max over output intervals of |SOC - hand|",
            worst_error,
            0.0,
        ),
        Measurement::new(
            "array power at the bus inside the eclipse, max (W)",
            max_inside(&budget.generated_w),
            0.0,
        ),
        Measurement::new(
            "battery power inside the eclipse, min (W)",
            min_inside(&budget.battery_w),
            -hand.load_w,
        ),
        Measurement::new(
            "battery heat inside the eclipse, max (W)",
            max_inside(&budget.battery_heat_w),
            heat_hand,
        ),
        Measurement::new("eclipses in the run", eclipses.len() as f64, 1.0),
    ]);
    Ok(out)
}

// ---------------------------------------------------------------------------
// pwr-03: the energy balance of every orbit of a spacecraft transient
// ---------------------------------------------------------------------------

/// A number in the run's `summary.json`, by its path of keys.
fn summary_number(summary: &serde_json::Value, path: &[&str]) -> f64 {
    path.iter()
        .try_fold(summary, |v, k| v.get(k))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// The energy balance of a whole spacecraft — rack, pumped loop, radiator
/// panel with tubes, sun-tracking array and battery — over each orbit of a
/// transient run (`pwr-03`).
///
/// The run is set to `parameters.orbits` nodal periods exactly; the figures
/// are those the run reports in `summary.json` (`energy_balance.orbits`,
/// `worst_orbit_relative_imbalance`, and `relative_imbalance`, which for a
/// spacecraft is the larger of the run's and the worst orbit's). Over each
/// orbit, heat in (sources, absorbed fluxes) less heat out (radiation, the
/// array's electricity) less the change of stored energy must vanish
/// relative to the heat flowing: every step closes its own balance
/// (robust-solver), so orbits — sums of steps — close too.
fn spacecraft_orbit_balance(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let mut table = case.case_table()?;
    let f = &case.file;
    let orbits = count_list(case, "orbits")?.first().copied().unwrap_or(1);
    let period_s = case
        .build_model(table.clone())?
        .orbit
        .as_ref()
        .map(|o| o.setup.model.orbit().nodal_period_s())
        .ok_or_else(|| inconsistent(case, "case.orbit", "this runner needs an orbit"))?;
    set_key(
        &mut table,
        "solve.transient.end_s",
        orbits as f64 * period_s,
        f,
    )?;
    let model = case.build_model(table)?;
    let run = model.run()?;
    let summary = crate::output::report::summary_json(&model, &run);
    let balance = |k: &str| summary_number(&summary, &["energy_balance", k]);
    let run_relative = match &run.solution {
        Solution::Transient(t) => t.energy_balance.relative_imbalance,
        _ => {
            return Err(inconsistent(
                case,
                "case.solve.mode",
                "this runner needs mode = \"transient\"",
            )
            .into())
        }
    };
    Ok(vec![
        Measurement::new(
            "orbits in the run's energy balance",
            balance("orbits"),
            orbits as f64,
        ),
        Measurement::new(
            "worst orbit: relative energy imbalance",
            balance("worst_orbit_relative_imbalance"),
            0.0,
        ),
        Measurement::new("whole run: relative energy imbalance", run_relative, 0.0),
        Measurement::new(
            "summary relative_imbalance vs max(run, worst orbit)",
            balance("relative_imbalance"),
            run_relative.max(balance("worst_orbit_relative_imbalance")),
        ),
    ])
}
