//! An electronics box cooled by a radiator through a low Earth orbit's
//! sunlight and eclipse: build the model in code, integrate three orbits, and
//! read back the box's temperature swing, the radiator's field and the energy
//! balance.
//!
//! The box (20 kJ/K, 150 W) holds the radiator's west edge at its own
//! temperature; the radiator (1 m × 0.5 m × 2 mm aluminium, white paint on both
//! faces) sees the sun on its top face for 56 min of each 92 min orbit and deep
//! space on both faces throughout.
//!
//! Run: `cargo run --release --example eclipse_radiator`

use thermorbit::mesh::{Coating, Edge, EdgeCondition, Material, RectangularPanel, Side};
use thermorbit::network::{NodeKind, Profile, ThermalNetwork, TimeTable};
use thermorbit::solve::{TransientOptions, TransientSolver};

/// Orbit period (s): a 400 km circular orbit (Vallado, *Fundamentals of
/// Astrodynamics and Applications*, 4th ed., eq. 2-27: 2π √(a³/μ) ≈ 92.6 min).
const PERIOD_S: f64 = 5556.0;
/// Eclipse length (s): about 36 min at β = 0 for 400 km.
const ECLIPSE_S: f64 = 2150.0;
/// Solar constant (W/m²).
const SOLAR_W_M2: f64 = 1361.0;

fn main() -> Result<(), thermorbit::Error> {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 2.7)?;
    let cap = NodeKind::Diffusion {
        capacitance_j_k: 20_000.0,
    };
    let box_node = net.add_node("electronics", cap, 300.0)?;
    net.add_heat_load("dissipation", box_node, 150.0)?;

    // Sunlight on the top face: lit, a 10 s ramp into eclipse, dark, a ramp out.
    let lit_s = PERIOD_S - ECLIPSE_S;
    let sun = TimeTable::new(
        "sun",
        vec![0.0, lit_s - 10.0, lit_s, PERIOD_S - 10.0],
        vec![SOLAR_W_M2, SOLAR_W_M2, 0.0, 0.0],
        Some(PERIOD_S),
    )?;
    let aluminium = Material {
        k_w_m_k: 167.0,
        density_kg_m3: 2700.0,
        specific_heat_j_kg_k: 896.0,
    };
    let white = Coating {
        absorptivity: 0.2,
        emissivity: 0.85,
    };
    let radiator = RectangularPanel::new("radiator", 1.0, 0.5, 0.002, aluminium, 20, 10)
        .with_faces(white, Some(space))
        .with_edge(
            Edge::West,
            EdgeCondition::NodeTemperature { node: box_node },
        )
        .with_absorbed_flux("sun", Side::Top, Profile::from(sun))
        .add_to(&mut net)?;

    let system = net.assemble()?;
    let options = TransientOptions::adaptive(1e-4, 0.01)?
        .with_span(0.0, 3.0 * PERIOD_S)?
        .with_output_interval(60.0)?;
    let solution = TransientSolver::new(&system, options)?.solve()?;

    println!("orbit  box min (K)  box max (K)  radiator mean at end of orbit (K)");
    for orbit in 0..3 {
        let range = orbit as f64 * PERIOD_S..=(orbit + 1) as f64 * PERIOD_S;
        let temps: Vec<&Vec<f64>> = solution
            .times_s
            .iter()
            .zip(&solution.temperatures_k)
            .filter(|(t, _)| range.contains(t))
            .map(|(_, t)| t)
            .collect();
        let box_t = temps.iter().map(|t| t[box_node]);
        let (lo, hi) = box_t.fold((f64::INFINITY, 0.0_f64), |(lo, hi), t| {
            (lo.min(t), hi.max(t))
        });
        let last = temps.last().copied().map(|t| radiator.field_array(t));
        let mean = match last {
            Some(field) => field?.mean().unwrap_or(f64::NAN),
            None => f64::NAN,
        };
        println!("{:>5}  {lo:>11.2}  {hi:>11.2}  {mean:>33.2}", orbit + 1);
    }
    let e = &solution.energy;
    println!(
        "energy over the run: in {:.3} MJ, out {:.3} MJ, stored {:.3} MJ, relative imbalance {:.1e}",
        e.heat_in_j / 1e6,
        e.heat_out_j / 1e6,
        e.stored_j / 1e6,
        e.relative_imbalance
    );
    println!(
        "{} accepted steps, {} rejected, linear solver {}",
        solution.stats.accepted_steps, solution.stats.rejected_steps, solution.linear_solver
    );
    Ok(())
}
