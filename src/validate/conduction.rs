//! Validation runners for conduction (`cond-*` cases): exact solutions of
//! steady and transient conduction, a manufactured solution for the nonlinear
//! panel, the energy balance, and NAFEMS T2, T3 and T4.
//!
//! Runners solve the problem held in the case file's `[case]` table through
//! the case pipeline (the same path as `thermorbit run`), refining its grid or
//! step by editing that table, and compute every reference in Rust
//! ([`super::exact`]). Where the case schema cannot express a problem (a
//! temperature that varies along an edge, a source that varies from cell to
//! cell) the runner builds it with the mesh API instead, and says so.
//!
//! Length: the conduction runners share the grid-refinement and exact-solution
//! helpers of this file; they stay together until a runner needs more than
//! those helpers.

use std::f64::consts::PI;

use super::convergence::{convergence_plot, f64_at, set_key, str_at, write_plot, Refinement};
use super::exact;
use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::case::{Model, RunResult, Solution};
use crate::constants::{CELSIUS_OFFSET_K, STEFAN_BOLTZMANN_W_M2_K4 as SIGMA};
use crate::error::{Error, InputError};
use crate::mesh::{Coating, Edge, EdgeCondition, Material, PanelNodes, RectangularPanel};
use crate::network::{HeatSource, Profile, ThermalNetwork};
use crate::solve::{solve_steady, SteadyOptions, TransientSolution};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("slab_steady", slab_steady),
    ("rectangle_fourier", rectangle_fourier),
    ("slab_transient", slab_transient),
    ("manufactured_nonlinear_panel", manufactured_nonlinear_panel),
    ("energy_balance", energy_balance),
    ("nafems_t2", nafems_t2),
    ("nafems_t3", nafems_t3),
    ("nafems_t4", nafems_t4),
];

// ---------------------------------------------------------------------------
// Shared helpers (also used by the radiation runners)
// ---------------------------------------------------------------------------

/// The panel called `name` in a built model.
pub(super) fn panel<'a>(
    case: &ValidationCase,
    model: &'a Model,
    name: &str,
) -> Result<&'a PanelNodes, InputError> {
    model
        .panels
        .iter()
        .find(|p| p.name == name)
        .map(|p| &p.nodes)
        .ok_or_else(|| InputError::UndefinedReference {
            file: case.file.clone(),
            key: "case.panels".into(),
            name: name.into(),
            hint: "; the runner reads this panel".into(),
        })
}

/// The node called `name` in a built model.
pub(super) fn node(case: &ValidationCase, model: &Model, name: &str) -> Result<usize, InputError> {
    model.system.node(name).map_err(|source| InputError::Model {
        file: case.file.clone(),
        source,
    })
}

/// The transient history of a solved model (a periodic run's final period;
/// an error for a steady case).
pub(super) fn transient<'a>(
    case: &ValidationCase,
    run: &'a RunResult,
) -> Result<&'a TransientSolution, InputError> {
    match &run.solution {
        Solution::Transient(t) => Ok(t),
        Solution::Periodic(p) => Ok(&p.final_period),
        Solution::Steady(_) => Err(inconsistent(
            case,
            "case.solve.mode",
            "this runner needs mode = \"transient\"",
        )),
    }
}

/// An error naming a key of the validation file.
pub(super) fn inconsistent(case: &ValidationCase, key: &str, reason: &str) -> InputError {
    InputError::Inconsistent {
        file: case.file.clone(),
        key: key.into(),
        reason: reason.into(),
    }
}

/// Integer parameters (cell counts, step counts), each ≥ 1.
pub(super) fn count_list(case: &ValidationCase, key: &str) -> Result<Vec<usize>, InputError> {
    case.f64_list_param(key)?
        .into_iter()
        .map(|v| {
            if v >= 1.0 && v.fract() == 0.0 && v < 1e7 {
                Ok(v as usize)
            } else {
                Err(InputError::OutOfRange {
                    file: case.file.clone(),
                    key: format!("parameters.{key}"),
                    value: v.to_string(),
                    allowed: "whole numbers from 1 to 1e7".into(),
                })
            }
        })
        .collect()
}

/// Conductivity, density and specific heat of a panel's material in a case table.
pub(super) fn material_of(
    case: &ValidationCase,
    table: &toml::Table,
    panel: &str,
) -> Result<Material, InputError> {
    let f = &case.file;
    let name = str_at(table, &format!("panels.{panel}.material"), f)?;
    let key = |k: &str| format!("materials.{name}.{k}");
    Ok(Material {
        k_w_m_k: f64_at(table, &key("k_w_m_k"), f)?,
        density_kg_m3: f64_at(table, &key("density_kg_m3"), f)?,
        specific_heat_j_kg_k: f64_at(table, &key("specific_heat_j_kg_k"), f)?,
    })
}

/// Max over the panel's cell centres of `|T − exact(x, y)|`.
pub(super) fn max_cell_error(
    p: &PanelNodes,
    temps: &[f64],
    exact: impl Fn(f64, f64) -> f64,
) -> Result<f64, Error> {
    max_cell_error_where(p, temps, |_, _| true, exact)
}

/// Max of `|T − exact(x, y)|` over the cell centres where `within(x, y)`.
pub(super) fn max_cell_error_where(
    p: &PanelNodes,
    temps: &[f64],
    within: impl Fn(f64, f64) -> bool,
    exact: impl Fn(f64, f64) -> f64,
) -> Result<f64, Error> {
    let field = p.field(temps)?;
    let mut err: f64 = 0.0;
    for j in 0..p.ny() {
        for i in 0..p.nx() {
            let (x, y) = p.cell_center(i, j);
            if within(x, y) {
                err = err.max((field[j * p.nx() + i] - exact(x, y)).abs());
            }
        }
    }
    Ok(err)
}

/// Max over `points` of `|temperature_at(x, y) − exact(x, y)|`.
pub(super) fn max_point_error(
    p: &PanelNodes,
    temps: &[f64],
    points: &[(f64, f64)],
    exact: impl Fn(f64, f64) -> f64,
) -> Result<f64, Error> {
    let mut err: f64 = 0.0;
    for &(x, y) in points {
        err = err.max((p.temperature_at(x, y, temps)? - exact(x, y)).abs());
    }
    Ok(err)
}

/// Solves a network built with the mesh API (steady, default options).
pub(super) fn solve_network(net: &ThermalNetwork) -> Result<Vec<f64>, Error> {
    let system = net.assemble()?;
    Ok(solve_steady(&system, &SteadyOptions::default())?.temperatures_k)
}

// ---------------------------------------------------------------------------
// cond-01: steady slab
// ---------------------------------------------------------------------------

/// 1D steady conduction between two held faces, through the case pipeline:
/// a panel `nx × ny` with fixed west and east edges and insulated sides. The
/// exact profile is linear ([`exact::slab_steady_k`]), which the scheme
/// reproduces to round-off at cell centres, on the edges and at corners.
fn slab_steady(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let table = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&table, &format!("panels.slab.{k}"), f);
    let (l, w, t) = (get("length_m")?, get("width_m")?, get("thickness_m")?);
    let (tw, te) = (
        get("edges.west.temperature_k")?,
        get("edges.east.temperature_k")?,
    );
    let k = material_of(case, &table, "slab")?.k_w_m_k;
    let model = case.build_model(table)?;
    let run = model.run()?;
    let temps = run.solution.final_temperatures_k();
    let p = panel(case, &model, "slab")?;
    let exact = |x: f64, _y: f64| exact::slab_steady_k(x, l, tw, te);
    let cells = max_cell_error(p, temps, exact)?;
    let mut points = Vec::new();
    for x in [0.0, l / 7.0, 0.5 * l, 0.93 * l, l] {
        for y in [0.0, 0.5 * w, w] {
            points.push((x, y));
        }
    }
    let pts = max_point_error(p, temps, &points, exact)?;
    let heat = p.edge_heat_w(Edge::West, temps)?;
    Ok(vec![
        Measurement::new("max error at cell centres (K)", cells, 0.0),
        Measurement::new("max error on edges and corners (K)", pts, 0.0),
        Measurement::new("heat through the slab (W)", heat, k * t * w * (tw - te) / l),
    ])
}

// ---------------------------------------------------------------------------
// cond-02: rectangle, Fourier series; unit square with a sine edge
// ---------------------------------------------------------------------------

/// 2D steady conduction in a square with its north edge at `T₁` and the
/// other three at `T₀` (case pipeline), refined over `parameters.levels`
/// cells per side, against the Fourier series
/// ([`exact::rectangle_one_hot_edge`]); the centre is exactly `T₀ + (T₁−T₀)/4`.
/// A rectangle of aspect `parameters.rectangle_aspect` is solved at the
/// finest level. Then the unit square with `T = T₀ + A sin(πx)` on its south
/// edge ([`exact::sine_square`]), built with the mesh API because a case
/// file's fixed edge holds one temperature along the whole edge.
fn rectangle_fourier(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, &format!("panels.plate.{k}"), f);
    let (l, w) = (get("length_m")?, get("width_m")?);
    if (l - w).abs() > 1e-12 * l {
        return Err(inconsistent(
            case,
            "case.panels.plate.width_m",
            "the plate must be square (width_m = length_m)",
        )
        .into());
    }
    let t0 = get("edges.south.temperature_k")?;
    for e in ["west", "east"] {
        if get(&format!("edges.{e}.temperature_k"))? != t0 {
            return Err(inconsistent(
                case,
                &format!("case.panels.plate.edges.{e}"),
                "west, east and south edges must share one temperature T0",
            )
            .into());
        }
    }
    let t1 = get("edges.north.temperature_k")?;
    let levels = count_list(case, "levels")?;
    let aspect = case.f64_param("rectangle_aspect")?;
    let material = material_of(case, &base, "plate")?;
    let series =
        |x: f64, y: f64, len: f64| t0 + (t1 - t0) * exact::rectangle_one_hot_edge(x, y, len, w);
    // Away from the four corners, where the held temperature jumps from T₀ to
    // T₁ and the solution is singular, the error is O(h²).
    let inner =
        |x: f64, y: f64| (0.2 * l..=0.8 * l).contains(&x) && (0.2 * w..=0.8 * w).contains(&y);

    let (mut spacing, mut inner_err) = (Vec::new(), Vec::new());
    let mut centre_err: f64 = 0.0;
    for &n in &levels {
        let mut table = base.clone();
        set_key(&mut table, "panels.plate.nx", n as i64, f)?;
        set_key(&mut table, "panels.plate.ny", n as i64, f)?;
        let model = case.build_model(table)?;
        let run = model.run()?;
        let temps = run.solution.final_temperatures_k();
        let p = panel(case, &model, "plate")?;
        let centre_t = p.temperature_at(0.5 * l, 0.5 * w, temps)?;
        centre_err = centre_err.max((centre_t - (t0 + 0.25 * (t1 - t0))).abs());
        spacing.push(l / n as f64);
        inner_err.push(max_cell_error_where(p, temps, inner, |x, y| {
            series(x, y, l)
        })?);
    }
    let n_fine = levels.last().copied().unwrap_or(1);

    // The rectangle of aspect `aspect` (length = aspect × width), finest level.
    let mut table = base.clone();
    let long = aspect * l;
    set_key(&mut table, "panels.plate.length_m", long, f)?;
    set_key(
        &mut table,
        "panels.plate.nx",
        (aspect * n_fine as f64).round() as i64,
        f,
    )?;
    set_key(&mut table, "panels.plate.ny", n_fine as i64, f)?;
    let model = case.build_model(table)?;
    let run = model.run()?;
    let temps = run.solution.final_temperatures_k();
    let p = panel(case, &model, "plate")?;
    let rect_points = [(0.5 * long, 0.5 * w), (0.2 * long, 0.8 * w)];
    let rect_err = max_point_error(p, temps, &rect_points, |x, y| series(x, y, long))?;

    // The sine edge: mesh API, the same material, amplitude T₁ − T₀.
    let amp = t1 - t0;
    let sine_exact = |x: f64, y: f64| t0 + amp * exact::sine_square(x / l, y / l);
    let sine_points = [
        (0.5 * l, 0.5 * l),
        (0.3 * l, 0.17 * l),
        (0.21 * l, 0.0),
        (0.0, 0.4 * l),
        (l, 0.77 * l),
        (0.6 * l, l),
        (0.0, 0.0),
    ];
    let (mut sine_cells, mut sine_pts) = (Vec::new(), Vec::new());
    for &n in &levels {
        let mut net = ThermalNetwork::new();
        let square = RectangularPanel::new("square", l, l, get("thickness_m")?, material, n, n);
        let grid = square.grid()?;
        let along: Vec<f64> = Edge::South
            .face_midpoints_m(&grid)
            .iter()
            .map(|&x| sine_exact(x, 0.0))
            .collect();
        let cold = || EdgeCondition::FixedTemperature {
            temperature_k: t0.into(),
        };
        let p = square
            .with_edge(
                Edge::South,
                EdgeCondition::FixedTemperatureAlong {
                    temperatures_k: along,
                },
            )
            .with_edge(Edge::West, cold())
            .with_edge(Edge::East, cold())
            .with_edge(Edge::North, cold())
            .with_initial_temperature_k(t0)
            .add_to(&mut net)?;
        let temps = solve_network(&net)?;
        sine_cells.push(max_cell_error(&p, &temps, sine_exact)?);
        sine_pts.push(max_point_error(&p, &temps, &sine_points, sine_exact)?);
    }

    let hot = Refinement::new(
        "one hot edge: max over cells 0.2–0.8 of each side",
        spacing.clone(),
        inner_err,
    );
    let sine_c = Refinement::new(
        "sine edge: max over cell centres",
        spacing.clone(),
        sine_cells,
    );
    let sine_p = Refinement::new(
        "sine edge: max over points incl. edges, corner",
        spacing.clone(),
        sine_pts,
    );
    let plot = convergence_plot(
        "cond-02: 2D steady conduction in a square, grid convergence",
        "cell size Δx = Δy (m)",
        "|T − T_exact| (K)",
        &[&hot, &sine_c, &sine_p],
        vec![sine_c.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;

    Ok(vec![
        Measurement::new(
            "Fourier series at the centre of the square (theta)",
            exact::rectangle_one_hot_edge(0.5 * l, 0.5 * w, l, w),
            0.25,
        ),
        Measurement::new(
            "centre error vs T0 + (T1 - T0)/4, worst grid (K)",
            centre_err,
            0.0,
        ),
        Measurement::new(
            "observed order, one hot edge, inner cells",
            hot.finest_order(),
            2.0,
        ),
        Measurement::new(
            "max error vs series, inner cells, finest grid (K)",
            hot.finest_error(),
            0.0,
        ),
        Measurement::new(
            "max error vs series, 2:1 rectangle, finest grid (K)",
            rect_err,
            0.0,
        ),
        Measurement::new(
            "observed order, sine edge, cell centres",
            sine_c.finest_order(),
            2.0,
        ),
        Measurement::new(
            "observed order, sine edge, points on edges and corner",
            sine_p.finest_order(),
            2.0,
        ),
        Measurement::new(
            "max error, sine edge, finest grid (K)",
            sine_c.finest_error(),
            0.0,
        ),
    ])
}

// ---------------------------------------------------------------------------
// cond-03: transient slab, both faces suddenly held
// ---------------------------------------------------------------------------

/// A slab at `T_i` whose faces are held at `T_s` from `t = 0` (case pipeline:
/// a panel `nx × 1` with fixed west and east edges).
///
/// - Space: `parameters.space_cells` refinements with BDF2 at the small step
///   `parameters.space_dt_s`, against the Fourier series
///   ([`exact::slab_sudden_faces_theta`]) at the end time.
/// - Time: on `parameters.time_cells` cells, `parameters.time_steps` steps over
///   the run, backward Euler and BDF2, against the exact solution in time of
///   the same spatial discretisation
///   ([`exact::cell_centred_slab_semidiscrete`]), so only the time error is
///   measured.
fn slab_transient(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let l = get("panels.slab.length_m")?;
    let ti = get("panels.slab.initial_temperature_k")?;
    let ts = get("panels.slab.edges.west.temperature_k")?;
    if get("panels.slab.edges.east.temperature_k")? != ts {
        return Err(inconsistent(
            case,
            "case.panels.slab.edges.east.temperature_k",
            "both faces must be held at the same temperature",
        )
        .into());
    }
    let end = get("solve.transient.end_s")?;
    let m = material_of(case, &base, "slab")?;
    let alpha = m.k_w_m_k / (m.density_kg_m3 * m.specific_heat_j_kg_k);
    let fo = alpha * end / (l * l);

    let run_with = |nx: usize, dt: f64, method: &str| -> Result<Vec<f64>, Error> {
        let mut table = base.clone();
        set_key(&mut table, "panels.slab.nx", nx as i64, f)?;
        set_key(&mut table, "panels.slab.ny", 1, f)?;
        set_key(&mut table, "solve.transient.dt_s", dt, f)?;
        set_key(&mut table, "solve.transient.method", method, f)?;
        set_key(&mut table, "solve.transient.output_interval_s", end, f)?;
        let model = case.build_model(table)?;
        let run = model.run()?;
        let p = panel(case, &model, "slab")?;
        Ok(p.field(run.solution.final_temperatures_k())?.to_vec())
    };

    // Space.
    let space_cells = count_list(case, "space_cells")?;
    let dt_fine = case.f64_param("space_dt_s")?;
    let (mut hs, mut space_err) = (Vec::new(), Vec::new());
    let mut mid_t = f64::NAN;
    let mid_exact = ts + (ti - ts) * exact::slab_sudden_faces_theta(0.5 * l, l, fo);
    for &nx in &space_cells {
        let field = run_with(nx, dt_fine, "bdf2")?;
        let h = l / nx as f64;
        let err = field
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let x = (i as f64 + 0.5) * h;
                (t - (ts + (ti - ts) * exact::slab_sudden_faces_theta(x, l, fo))).abs()
            })
            .fold(0.0, f64::max);
        hs.push(h);
        space_err.push(err);
        // Mid-plane: the mean of the two middle cells for even nx (a
        // second-order value there), the middle cell for odd nx.
        mid_t = if nx % 2 == 0 {
            0.5 * (field[nx / 2 - 1] + field[nx / 2])
        } else {
            field[nx / 2]
        };
    }
    let space = Refinement::new("BDF2, small fixed step: max over cells", hs, space_err);

    // Time.
    let nx = count_list(case, "time_cells")?
        .first()
        .copied()
        .unwrap_or(1);
    let steps = count_list(case, "time_steps")?;
    let semi = exact::cell_centred_slab_semidiscrete(
        &vec![ti; nx],
        l,
        alpha,
        exact::HarmonicBoundary::constant(ts),
        exact::HarmonicBoundary::constant(ts),
        end,
    );
    let mut time = Vec::new();
    for (method, label) in [("backward_euler", "backward Euler"), ("bdf2", "BDF2")] {
        let (mut dts, mut errs) = (Vec::new(), Vec::new());
        for &s in &steps {
            let dt = end / s as f64;
            let field = run_with(nx, dt, method)?;
            let err = field
                .iter()
                .zip(&semi)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            dts.push(dt);
            errs.push(err);
        }
        time.push(Refinement::new(
            format!("{label}, {nx} cells: max over cells"),
            dts,
            errs,
        ));
    }
    let be = &time[0];
    let bdf2 = &time[1];

    let plot = convergence_plot(
        &format!("cond-03: slab, faces suddenly held, space convergence (Fo = {fo:.3})"),
        "cell size Δx (m)",
        "max |T − T_exact| (K)",
        &[&space],
        vec![space.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-space.png", case.id), &plot)?;
    let plot = convergence_plot(
        &format!("cond-03: slab, faces suddenly held, time convergence (Fo = {fo:.3})"),
        "time step Δt (s)",
        "max |T − T_semi-discrete| (K)",
        &[be, bdf2],
        vec![
            be.guide(1.0, "slope 1 (first order)"),
            bdf2.guide(2.0, "slope 2 (second order)"),
        ],
    );
    write_plot(ctx, &format!("{}-time.png", case.id), &plot)?;

    Ok(vec![
        Measurement::new("T at the mid-plane, finest mesh (K)", mid_t, mid_exact),
        Measurement::new(
            "observed order in space (BDF2, small step)",
            space.finest_order(),
            2.0,
        ),
        Measurement::new(
            "observed order in time, backward Euler",
            be.finest_order(),
            1.0,
        ),
        Measurement::new("observed order in time, BDF2", bdf2.finest_order(), 2.0),
        Measurement::new(
            "max time error, BDF2, smallest step (K)",
            bdf2.finest_error(),
            0.0,
        ),
    ])
}

// ---------------------------------------------------------------------------
// cond-04: manufactured solution, nonlinear panel
// ---------------------------------------------------------------------------

/// The manufactured temperature of cond-04 and its Laplacian:
/// `T_m = T_a + A cos(a x) (1 + b cos(πy/W))`, `a = parameters.wavenumber_x / L`.
struct Manufactured {
    length_m: f64,
    width_m: f64,
    thickness_m: f64,
    k_w_m_k: f64,
    eps_top: f64,
    eps_bottom: f64,
    enclosure_k: f64,
    base_k: f64,
    amplitude_k: f64,
    a_per_m: f64,
    b: f64,
}

impl Manufactured {
    fn from_case(case: &ValidationCase) -> Result<Self, InputError> {
        let p = |k: &str| case.f64_param(k);
        let length_m = p("length_m")?;
        Ok(Self {
            length_m,
            width_m: p("width_m")?,
            thickness_m: p("thickness_m")?,
            k_w_m_k: p("k_w_m_k")?,
            eps_top: p("emissivity_top")?,
            eps_bottom: p("emissivity_bottom")?,
            enclosure_k: p("enclosure_k")?,
            base_k: p("base_k")?,
            amplitude_k: p("amplitude_k")?,
            a_per_m: p("wavenumber_x")? / length_m,
            b: p("modulation_y")?,
        })
    }

    fn t(&self, x: f64, y: f64) -> f64 {
        self.base_k
            + self.amplitude_k
                * (self.a_per_m * x).cos()
                * (1.0 + self.b * (PI * y / self.width_m).cos())
    }

    fn laplacian(&self, x: f64, y: f64) -> f64 {
        let c = (self.a_per_m * x).cos();
        let py = PI / self.width_m;
        -self.amplitude_k
            * c
            * (self.a_per_m.powi(2) * (1.0 + self.b * (py * y).cos())
                + self.b * py * py * (py * y).cos())
    }

    /// The source per planform area that makes `T_m` exact:
    /// `q = −k t ∇²T_m + ε_top σ T_m⁴ + ε_bot σ (T_m⁴ − T_enc⁴)` (W/m²).
    fn source_w_m2(&self, x: f64, y: f64) -> f64 {
        let t = self.t(x, y);
        -self.k_w_m_k * self.thickness_m * self.laplacian(x, y)
            + self.eps_top * SIGMA * t.powi(4)
            + self.eps_bottom * SIGMA * (t.powi(4) - self.enclosure_k.powi(4))
    }

    /// Builds and solves the panel of `2n × n` cells.
    fn solve(&self, n: usize) -> Result<(PanelNodes, Vec<f64>), Error> {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 0.0)?;
        let enclosure = net.add_boundary("enclosure", self.enclosure_k)?;
        let material = Material {
            k_w_m_k: self.k_w_m_k,
            density_kg_m3: 2700.0,
            specific_heat_j_kg_k: 900.0,
        };
        let plate = RectangularPanel::new(
            "mms",
            self.length_m,
            self.width_m,
            self.thickness_m,
            material,
            2 * n,
            n,
        );
        let grid = plate.grid()?;
        let east: Vec<f64> = Edge::East
            .face_midpoints_m(&grid)
            .iter()
            .map(|&y| self.t(self.length_m, y))
            .collect();
        let coat = |e| Coating {
            absorptivity: 0.0,
            emissivity: e,
        };
        let p = plate
            .with_top(coat(self.eps_top), Some(space))
            .with_bottom(coat(self.eps_bottom), Some(enclosure))
            .with_edge(
                Edge::East,
                EdgeCondition::FixedTemperatureAlong {
                    temperatures_k: east,
                },
            )
            .with_initial_temperature_k(self.base_k)
            .add_to(&mut net)?;
        // The source sampled at cell centres (midpoint rule), consistent with
        // the scheme's point values of conduction and radiation there.
        let area = p.dx_m() * p.dy_m();
        let mut loads = Vec::with_capacity(p.nx() * p.ny());
        for j in 0..p.ny() {
            for i in 0..p.nx() {
                let (x, y) = p.cell_center(i, j);
                if let Some(id) = p.node(i, j) {
                    loads.push((id, self.source_w_m2(x, y) * area));
                }
            }
        }
        net.add_source(HeatSource {
            name: "manufactured source".into(),
            loads,
            profile: Profile::Constant(1.0),
        })?;
        let temps = solve_network(&net)?;
        Ok((p, temps))
    }
}

/// Method of manufactured solutions (Roache, *J. Fluids Eng.* 124 (2002)
/// 4–10) for the nonlinear panel: conduction, `T⁴` radiation from the top
/// face to 0 K and from the bottom face to a warm enclosure, and a per-cell
/// source, built with the mesh API (a case file cannot give a source that
/// varies from cell to cell). West, south and north edges insulated (the
/// manufactured field has zero normal gradient there), east edge held at the
/// manufactured values. Refined over `parameters.levels`.
fn manufactured_nonlinear_panel(
    case: &ValidationCase,
    ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let m = Manufactured::from_case(case)?;
    let levels = count_list(case, "levels")?;
    let (l, w) = (m.length_m, m.width_m);
    let points = [
        (0.0, 0.0),
        (0.0, 0.5 * w),
        (0.5 * l, 0.0),
        (0.37 * l, 0.61 * w),
        (0.8 * l, w),
        (l, 0.3 * w),
        (l, w),
    ];
    let (mut hs, mut cells, mut pts) = (Vec::new(), Vec::new(), Vec::new());
    for &n in &levels {
        let (p, temps) = m.solve(n)?;
        hs.push(p.dy_m());
        cells.push(max_cell_error(&p, &temps, |x, y| m.t(x, y))?);
        pts.push(max_point_error(&p, &temps, &points, |x, y| m.t(x, y))?);
    }
    let c = Refinement::new("max over cell centres", hs.clone(), cells);
    let p = Refinement::new("max over 7 points incl. edges, corners", hs, pts);
    let plot = convergence_plot(
        "cond-04: manufactured solution, radiating panel with source",
        "cell size Δx = Δy (m)",
        "|T − T_manufactured| (K)",
        &[&c, &p],
        vec![c.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;
    Ok(vec![
        Measurement::new("observed order, cell centres", c.finest_order(), 2.0),
        Measurement::new(
            "observed order, points on edges and corners",
            p.finest_order(),
            2.0,
        ),
        Measurement::new(
            "max error vs T_m at cell centres, finest grid (K)",
            c.finest_error(),
            0.0,
        ),
    ])
}

// ---------------------------------------------------------------------------
// cond-05: energy balance
// ---------------------------------------------------------------------------

/// A steady case mixing absorbed fluxes, face radiation, a line and a region
/// attachment, lumped nodes with a source and a radiative conductor, and
/// fixed, convecting, flux and conductance edges (case pipeline).
///
/// Checks that the solver's energy balance closes, that the heat reaching the
/// boundary nodes equals the heat put in — computed by hand from the case
/// table (source power, α S A over the lit region, ε q_IR A, edge and panel
/// loads) — and that the panel's edge heats agree with the heat its edge
/// boundary nodes receive.
fn energy_balance(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let table = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&table, k, f);
    let p = "panels.radiator";
    let (l, w) = (
        get(&format!("{p}.length_m"))?,
        get(&format!("{p}.width_m"))?,
    );
    let top = str_at(&table, &format!("{p}.top_coating"), f)?;
    let bottom = str_at(&table, &format!("{p}.bottom_coating"), f)?;
    let alpha_top = get(&format!("coatings.{top}.absorptivity"))?;
    let eps_bottom = get(&format!("coatings.{bottom}.emissivity"))?;
    let r = |i: usize, j: usize| get(&format!("{p}.loads[0].region_m[{i}][{j}]"));
    let lit_area = (r(1, 0)? - r(0, 0)?).abs() * (r(1, 1)? - r(0, 1)?).abs();
    let heat_in_by_hand = get("sources[0].power_w")?
        + alpha_top * get(&format!("{p}.loads[0].incident_flux_w_m2"))? * lit_area
        + eps_bottom * get(&format!("{p}.loads[1].incident_flux_w_m2"))? * l * w
        + get(&format!("{p}.loads[2].power_w"))?
        + get(&format!("{p}.edges.south.power_w"))?;

    let model = case.build_model(table)?;
    let run = model.run()?;
    let Solution::Steady(s) = &run.solution else {
        return Err(inconsistent(
            case,
            "case.solve.mode",
            "this runner needs mode = \"steady\"",
        )
        .into());
    };
    let temps = &s.temperatures_k;
    let into_boundaries: f64 = s.boundary_heat_w.iter().map(|(_, q)| q).sum();
    let panel_nodes = panel(case, &model, "radiator")?;
    let boundary_heat = |name: &str| -> Result<f64, Error> {
        let id = node(case, &model, name)?;
        Ok(s.boundary_heat_w
            .iter()
            .filter(|(n, _)| *n == id)
            .map(|(_, q)| q)
            .sum())
    };
    Ok(vec![
        Measurement::new(
            "relative energy imbalance (summary)",
            s.energy_balance.relative_imbalance,
            0.0,
        ),
        Measurement::new(
            "heat into boundary nodes vs heat put in (W)",
            into_boundaries,
            heat_in_by_hand,
        ),
        Measurement::new(
            "west edge heat vs heat into its boundary node (W)",
            panel_nodes.edge_heat_w(Edge::West, temps)?,
            -boundary_heat("radiator.west")?,
        ),
        Measurement::new(
            "east (convecting) edge heat vs heat into the air node (W)",
            panel_nodes.edge_heat_w(Edge::East, temps)?,
            -boundary_heat("air")?,
        ),
    ])
}

// ---------------------------------------------------------------------------
// NAFEMS T2, T3, T4
// ---------------------------------------------------------------------------

/// NAFEMS T2 (case pipeline): a bar `nx × 1` of unit cross-section, end A
/// (west) held at 1000 K; end B (east) joined by a conductance edge of
/// negligible resistance to an arithmetic node `end_b` that radiates through
/// a radiative conductor (area = cross-section, ε) to the ambient node. The
/// profile is linear, so every grid in `parameters.cells` must give the root
/// of `k(T_A − T_B)/L = εσ(T_B⁴ − T_amb⁴)`
/// ([`exact::nafems_t2_end_temperature_k`]).
fn nafems_t2(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let l = get("panels.bar.length_m")?;
    let k = material_of(case, &base, "bar")?.k_w_m_k;
    let t_a = get("panels.bar.edges.west.temperature_k")?;
    let t_amb = get("nodes.ambient.temperature_k")?;
    let eps = get("conductors[0].emissivity")?;
    let area = get("conductors[0].area_m2")?;
    let cross = get("panels.bar.width_m")? * get("panels.bar.thickness_m")?;
    if (area - cross).abs() > 1e-12 * cross {
        return Err(inconsistent(
            case,
            "case.conductors[0].area_m2",
            "the radiating area must be the bar's cross-section (width_m × thickness_m)",
        )
        .into());
    }
    let sigma_1990 = case.f64_param("sigma_original_w_m2_k4")?;
    let target = case.f64_param("target_t_b_k")?;
    let root_err = |s: f64| {
        exact::nafems_t2_end_temperature_k(k, l, eps, s, t_a, t_amb)
            .ok_or_else(|| inconsistent(case, "case", "no end temperature between T_amb and T_A"))
    };
    let root = root_err(SIGMA)?;
    let root_1990 = root_err(sigma_1990)?;
    // Linearised shift of the root with σ: ∂T/∂σ = −(∂f/∂σ)/(∂f/∂T).
    let dfdt = -k / l - 4.0 * eps * SIGMA * root.powi(3);
    let dfds = -eps * (root.powi(4) - t_amb.powi(4));
    let shift_linear = -(dfds / dfdt) * (sigma_1990 - SIGMA);

    let mut worst: f64 = 0.0;
    let mut t_b = f64::NAN;
    for &nx in &count_list(case, "cells")? {
        let mut table = base.clone();
        set_key(&mut table, "panels.bar.nx", nx as i64, f)?;
        let model = case.build_model(table)?;
        let run = model.run()?;
        let temps = run.solution.final_temperatures_k();
        let p = panel(case, &model, "bar")?;
        t_b = p.temperature_at(l, 0.5 * p.width_m(), temps)?;
        worst = worst.max((t_b - root).abs());
        let node_b = temps[node(case, &model, "end_b")?];
        worst = worst.max((node_b - root).abs());
    }
    Ok(vec![
        Measurement::new("T_B, finest grid, vs NAFEMS target (K)", t_b, target),
        Measurement::new(
            "max error of T_B vs root over grids, CODATA sigma (K)",
            worst,
            0.0,
        ),
        Measurement::new(
            "root with the original sigma = 5.67e-8 vs target (K)",
            root_1990,
            target,
        ),
        Measurement::new(
            "T_B shift from sigma 5.67e-8 to CODATA: roots vs linearised (K)",
            root_1990 - root,
            shift_linear,
        ),
    ])
}

/// NAFEMS T3 (case pipeline): a bar `nx × 1`, west edge held at 0 °C, east
/// edge at `0 °C + 100 sin(πt/40)` (a harmonic temperature profile), starting
/// at 0 °C; `T(0.08 m, 32 s)` against the target 36.60 °C and the exact
/// solution ([`exact::slab_harmonic_face_rise_k`]).
///
/// - Mesh: `parameters.space_cells` with BDF2 at `parameters.space_dt_s`.
/// - Step: BDF2 on `parameters.time_cells` cells with `parameters.time_steps`
///   steps over the 32 s, against the exact solution in time of the same
///   spatial discretisation ([`exact::cell_centred_slab_semidiscrete`]).
fn nafems_t3(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let l = get("panels.bar.length_m")?;
    let m = material_of(case, &base, "bar")?;
    let alpha = m.k_w_m_k / (m.density_kg_m3 * m.specific_heat_j_kg_k);
    let t0 = get("panels.bar.edges.west.temperature_k")?;
    let east = "panels.bar.edges.east.temperature_k";
    let mean = get(&format!("{east}.mean"))?;
    let amp = get(&format!("{east}.amplitude"))?;
    let period = get(&format!("{east}.period_s"))?;
    if mean != t0 || get("panels.bar.initial_temperature_k")? != t0 {
        return Err(inconsistent(
            case,
            "case.panels.bar",
            "the west edge, the east edge's mean and the initial temperature must be equal (T0)",
        )
        .into());
    }
    let omega = 2.0 * PI / period;
    let end = get("solve.transient.end_s")?;
    let x = case.f64_param("probe_x_m")?;
    let target_c = case.f64_param("target_c")?;
    let exact_k = t0 + exact::slab_harmonic_face_rise_k(x, end, l, alpha, amp, omega);

    let run_with = |nx: usize, dt: f64| -> Result<(f64, Vec<f64>), Error> {
        let mut table = base.clone();
        set_key(&mut table, "panels.bar.nx", nx as i64, f)?;
        set_key(&mut table, "panels.bar.ny", 1, f)?;
        set_key(&mut table, "solve.transient.dt_s", dt, f)?;
        set_key(&mut table, "solve.transient.output_interval_s", end, f)?;
        let model = case.build_model(table)?;
        let run = model.run()?;
        let temps = run.solution.final_temperatures_k();
        let p = panel(case, &model, "bar")?;
        Ok((
            p.temperature_at(x, 0.5 * p.width_m(), temps)?,
            p.field(temps)?.to_vec(),
        ))
    };

    let space_cells = count_list(case, "space_cells")?;
    let dt_fine = case.f64_param("space_dt_s")?;
    let (mut hs, mut errs) = (Vec::new(), Vec::new());
    let mut t_fine = f64::NAN;
    for &nx in &space_cells {
        let (t, _) = run_with(nx, dt_fine)?;
        hs.push(l / nx as f64);
        errs.push((t - exact_k).abs());
        t_fine = t;
    }
    let mesh = Refinement::new("T(0.08 m, 32 s), BDF2 at a small step", hs, errs);

    let nx = count_list(case, "time_cells")?
        .first()
        .copied()
        .unwrap_or(1);
    let semi = exact::cell_centred_slab_semidiscrete(
        &vec![t0; nx],
        l,
        alpha,
        exact::HarmonicBoundary::constant(t0),
        exact::HarmonicBoundary {
            mean_k: mean,
            amplitude_k: amp,
            omega_rad_s: omega,
        },
        end,
    );
    let (mut dts, mut terrs) = (Vec::new(), Vec::new());
    for &s in &count_list(case, "time_steps")? {
        let dt = end / s as f64;
        let (_, field) = run_with(nx, dt)?;
        dts.push(dt);
        terrs.push(
            field
                .iter()
                .zip(&semi)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max),
        );
    }
    let step = Refinement::new(
        format!("BDF2, {nx} cells: max over cells at 32 s"),
        dts,
        terrs,
    );

    let plot = convergence_plot(
        "cond-07: NAFEMS T3, mesh convergence of T(0.08 m, 32 s)",
        "cell size Δx (m)",
        "|T − T_exact| (K)",
        &[&mesh],
        vec![mesh.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-mesh.png", case.id), &plot)?;
    let plot = convergence_plot(
        "cond-07: NAFEMS T3, step convergence (BDF2)",
        "time step Δt (s)",
        "max |T − T_semi-discrete| (K)",
        &[&step],
        vec![step.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-step.png", case.id), &plot)?;

    Ok(vec![
        Measurement::new(
            "T(0.08 m, 32 s), finest, vs NAFEMS target (degC)",
            t_fine - CELSIUS_OFFSET_K,
            target_c,
        ),
        Measurement::new(
            "exact series vs NAFEMS target (degC)",
            exact_k - CELSIUS_OFFSET_K,
            target_c,
        ),
        Measurement::new("T(0.08 m, 32 s), finest, vs exact (K)", t_fine, exact_k),
        Measurement::new("observed order, mesh", mesh.finest_order(), 2.0),
        Measurement::new("observed order, step (BDF2)", step.finest_order(), 2.0),
    ])
}

/// NAFEMS T4 (case pipeline): the rectangle with a held south edge, an
/// insulated west edge and convecting east and north edges (`kind =
/// "convection"` to a boundary node at 0 °C); `T(0.6, 0.2)` — on the
/// convecting east edge, read with `temperature_at` — against the target
/// 18.25 °C and the separation-of-variables series
/// ([`exact::nafems_t4_theta`]), over `parameters.levels` refinements
/// (`nx` cells along x; `ny` in proportion to the sides).
fn nafems_t4(case: &ValidationCase, ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let base = case.case_table()?;
    let f = &case.file;
    let get = |k: &str| f64_at(&base, k, f);
    let (a, b) = (get("panels.plate.length_m")?, get("panels.plate.width_m")?);
    let k = material_of(case, &base, "plate")?.k_w_m_k;
    let t_fluid = get("nodes.fluid.temperature_k")?;
    let t_held = get("panels.plate.edges.south.temperature_k")?;
    let h = get("panels.plate.edges.east.h_w_m2_k")?;
    if get("panels.plate.edges.north.h_w_m2_k")? != h {
        return Err(inconsistent(
            case,
            "case.panels.plate.edges.north.h_w_m2_k",
            "east and north edges must convect with the same h",
        )
        .into());
    }
    let (px, py) = (case.f64_param("probe_x_m")?, case.f64_param("probe_y_m")?);
    let target_c = case.f64_param("target_c")?;
    let theta = exact::nafems_t4_theta(px, py, a, b, k, h, t_held - t_fluid)
        .ok_or_else(|| inconsistent(case, "case", "no eigenvalue found for the T4 series"))?;
    let exact_k = t_fluid + theta;

    let (mut hs, mut errs) = (Vec::new(), Vec::new());
    let mut t_fine = f64::NAN;
    for &nx in &count_list(case, "levels")? {
        let ny = (nx as f64 * b / a).round().max(1.0) as i64;
        let mut table = base.clone();
        set_key(&mut table, "panels.plate.nx", nx as i64, f)?;
        set_key(&mut table, "panels.plate.ny", ny, f)?;
        let model = case.build_model(table)?;
        let run = model.run()?;
        let p = panel(case, &model, "plate")?;
        let t = p.temperature_at(px, py, run.solution.final_temperatures_k())?;
        hs.push(a / nx as f64);
        errs.push((t - exact_k).abs());
        t_fine = t;
    }
    let grid = Refinement::new("T(0.6 m, 0.2 m) on the convecting edge", hs, errs);
    let plot = convergence_plot(
        "cond-08: NAFEMS T4, grid convergence",
        "cell size Δx (m)",
        "|T − T_exact| (K)",
        &[&grid],
        vec![grid.guide(2.0, "slope 2 (second order)")],
    );
    write_plot(ctx, &format!("{}-grid.png", case.id), &plot)?;
    Ok(vec![
        Measurement::new(
            "T(0.6, 0.2), finest, vs NAFEMS target (degC)",
            t_fine - CELSIUS_OFFSET_K,
            target_c,
        ),
        Measurement::new(
            "exact series vs NAFEMS target (degC)",
            exact_k - CELSIUS_OFFSET_K,
            target_c,
        ),
        Measurement::new("T(0.6, 0.2), finest, vs exact (K)", t_fine, exact_k),
        Measurement::new("observed order, grid", grid.finest_order(), 2.0),
    ])
}
