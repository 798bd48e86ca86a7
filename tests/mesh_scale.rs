//! A 1024 × 1024 panel (1 M cells, ~2 M conductors) is added to a network
//! quickly and without per-cell heap objects: one source per face load, one
//! radiative conductor per cell when both faces see the same sink.
//!
//! `cargo test --release --test mesh_scale -- --nocapture` prints the time.

use std::time::Instant;

use thermorbit::mesh::{Coating, Edge, EdgeCondition, Material, RectangularPanel, Side};
use thermorbit::network::ThermalNetwork;

#[test]
fn megacell_panel_is_cheap_to_add() {
    let n = 1024;
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 2.725).expect("space");
    let coolant = net.add_boundary("coolant", 290.0).expect("coolant");
    let panel = RectangularPanel::new(
        "radiator",
        1.0,
        1.0,
        0.002,
        Material {
            k_w_m_k: 167.0,
            density_kg_m3: 2700.0,
            specific_heat_j_kg_k: 896.0,
        },
        n,
        n,
    )
    .with_faces(
        Coating {
            absorptivity: 0.2,
            emissivity: 0.85,
        },
        Some(space),
    )
    .with_absorbed_flux("sun", Side::Top, 1361.0)
    .with_edge(
        Edge::West,
        EdgeCondition::HeatFlux {
            flux_w_m2: 0.0,
            load_w_m: 1000.0,
        },
    )
    .with_line_attachment("tube", coolant, [0.0, 0.5], [1.0, 0.5], 50.0);
    let start = Instant::now();
    let nodes = panel.add_to(&mut net).expect("panel");
    let elapsed = start.elapsed();
    eprintln!(
        "added a {n}×{n} panel ({} linear + {} radiative conductors, {} sources) in {:.3} s",
        net.linear_conductors().len(),
        net.radiative_conductors().len(),
        net.sources().len(),
        elapsed.as_secs_f64()
    );
    assert_eq!(nodes.nodes().len(), n * n);
    // Neighbours, plus the tube on the middle grid line (two rows of n cells).
    assert_eq!(net.linear_conductors().len(), 2 * n * (n - 1) + 2 * n);
    assert_eq!(net.radiative_conductors().len(), n * n);
    // One source for the face flux, one for the edge: not one per cell.
    assert_eq!(net.sources().len(), 2);
    // Generous bound for a loaded, unoptimised test build; the release figure
    // is in the report of `--nocapture`.
    assert!(elapsed.as_secs_f64() < 20.0, "{elapsed:?}");
}
