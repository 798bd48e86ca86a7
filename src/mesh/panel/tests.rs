//! Tests of the rectangular panel: its conductances, emission and loads against closed forms.
use super::*;
use crate::constants::STEFAN_BOLTZMANN_W_M2_K4 as SIGMA;
use crate::solve::{solve_steady, SteadyOptions};
use approx::relative_eq;

const AL: Material = Material {
    k_w_m_k: 200.0,
    density_kg_m3: 2700.0,
    specific_heat_j_kg_k: 900.0,
};

fn solve(net: &ThermalNetwork) -> Vec<f64> {
    let sys = net.assemble().unwrap();
    solve_steady(&sys, &SteadyOptions::default())
        .unwrap()
        .temperatures_k
}

#[test]
fn cells_conductors_and_capacitance_follow_the_energy_balance_method() {
    let mut net = ThermalNetwork::new();
    let p = RectangularPanel::new("p", 0.6, 0.2, 0.003, AL, 3, 2)
        .add_to(&mut net)
        .unwrap();
    assert_eq!(p.nodes(), 0..6);
    let (dx, dy) = (0.2, 0.1);
    let c = 2700.0 * 900.0 * 0.003 * dx * dy;
    for id in p.nodes() {
        match net.kind(id) {
            crate::network::NodeKind::Diffusion { capacitance_j_k } => {
                assert!(relative_eq!(*capacitance_j_k, c, max_relative = 1e-14))
            }
            other => panic!("cell is {other:?}"),
        }
    }
    let lin = net.linear_conductors();
    // 2 rows × 2 x-links + 3 columns × 1 y-link.
    assert_eq!(lin.len(), 7);
    let gx = 200.0 * 0.003 * dy / dx;
    let gy = 200.0 * 0.003 * dx / dy;
    for cnd in lin {
        let along_x = cnd.b() == cnd.a() + 1;
        let expect = if along_x { gx } else { gy };
        assert!(
            relative_eq!(cnd.value(), expect, max_relative = 1e-14),
            "{cnd:?}"
        );
    }
    assert!(net.radiative_conductors().is_empty());
    assert_eq!(
        net.group("p").unwrap().grid,
        Some(GridShape { nx: 3, ny: 2 })
    );
}

#[test]
fn faces_seeing_one_node_share_one_conductor_per_cell() {
    let coat = |e| Coating {
        absorptivity: 0.5,
        emissivity: e,
    };
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 0.0).unwrap();
    RectangularPanel::new("p", 1.0, 1.0, 0.001, AL, 4, 4)
        .with_top(coat(0.8), Some(space))
        .with_bottom(coat(0.3), Some(space))
        .add_to(&mut net)
        .unwrap();
    let rad = net.radiative_conductors();
    assert_eq!(rad.len(), 16);
    assert!(rad
        .iter()
        .all(|r| relative_eq!(r.value(), 1.1 / 16.0, max_relative = 1e-14)));

    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 0.0).unwrap();
    let wall = net.add_boundary("wall", 300.0).unwrap();
    RectangularPanel::new("p", 1.0, 1.0, 0.001, AL, 4, 4)
        .with_top(coat(0.8), Some(space))
        .with_bottom(coat(0.3), Some(wall))
        .add_to(&mut net)
        .unwrap();
    assert_eq!(net.radiative_conductors().len(), 32);
}

#[test]
fn edge_conductances_are_half_cell_and_in_series() {
    let mut net = ThermalNetwork::new();
    let air = net.add_boundary("air", 280.0).unwrap();
    let rail = net.add_boundary("rail", 300.0).unwrap();
    let (l, w, t, nx, ny) = (0.5, 0.3, 0.002, 5, 3);
    let (dx, dy) = (l / nx as f64, w / ny as f64);
    let before = 2 * nx * ny - nx - ny;
    RectangularPanel::new("p", l, w, t, AL, nx, ny)
        .with_edge(
            Edge::West,
            EdgeCondition::FixedTemperature {
                temperature_k: 350.0.into(),
            },
        )
        .with_edge(
            Edge::East,
            EdgeCondition::Convection {
                node: air,
                h_w_m2_k: 40.0,
            },
        )
        .with_edge(
            Edge::North,
            EdgeCondition::Conductance {
                node: rail,
                g_w_m_k: 3.0,
            },
        )
        .add_to(&mut net)
        .unwrap();
    let west = net.node("p.west").unwrap();
    let lin = &net.linear_conductors()[before..];
    let half_x = 2.0 * 200.0 * t * dy / dx;
    let half_y = 2.0 * 200.0 * t * dx / dy;
    let to = |n: NodeId| lin.iter().filter(move |c| c.b() == n);
    assert_eq!(to(west).count(), ny);
    assert!(to(west).all(|c| relative_eq!(c.value(), half_x, max_relative = 1e-14)));
    let conv = 1.0 / (1.0 / (40.0 * t * dy) + 1.0 / half_x);
    assert_eq!(to(air).count(), ny);
    assert!(to(air).all(|c| relative_eq!(c.value(), conv, max_relative = 1e-14)));
    let cond = 1.0 / (1.0 / (3.0 * dx) + 1.0 / half_y);
    assert_eq!(to(rail).count(), nx);
    assert!(to(rail).all(|c| relative_eq!(c.value(), cond, max_relative = 1e-14)));
}

#[test]
fn loads_spread_by_area_and_fluxes_by_absorptivity() {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 3.0).unwrap();
    let region = Region::new([0.05, 0.05], [0.55, 0.3]);
    RectangularPanel::new("p", 1.0, 0.4, 0.002, AL, 10, 4)
        .with_top(
            Coating {
                absorptivity: 0.25,
                emissivity: 0.9,
            },
            Some(space),
        )
        .with_absorbed_flux("sun", Side::Top, 1000.0)
        .with_infrared_flux("earth", Side::Top, 200.0)
        .with_heat_load_in("box", region, PanelLoad::Total { w: 40.0.into() })
        .with_heat_load("joule", PanelLoad::Volumetric { w_m3: 1e4.into() })
        .with_absorbed_flux("shadowed", Side::Bottom, 1000.0)
        .add_to(&mut net)
        .unwrap();
    let src = net.sources();
    // The bottom face has α = 0: its flux adds nothing.
    assert_eq!(src.len(), 4);
    let total = |s: &HeatSource| s.loads.iter().map(|l| l.1).sum::<f64>() * s.profile.value_at(0.0);
    assert!(relative_eq!(
        total(&src[0]),
        0.25 * 1000.0 * 0.4,
        max_relative = 1e-13
    ));
    assert!(relative_eq!(
        total(&src[1]),
        0.9 * 200.0 * 0.4,
        max_relative = 1e-13
    ));
    assert!(relative_eq!(total(&src[2]), 40.0, max_relative = 1e-13));
    assert_eq!(src[2].loads.len(), 6 * 3);
    assert!(relative_eq!(
        total(&src[3]),
        1e4 * 0.4 * 0.002,
        max_relative = 1e-13
    ));
    assert_eq!(src[0].loads.len(), 40);
}

#[test]
fn bad_numbers_name_the_panel_and_quantity_and_leave_the_network_alone() {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 3.0).unwrap();
    let base = || RectangularPanel::new("rad", 1.0, 1.0, 0.001, AL, 4, 4);
    let cases: Vec<(RectangularPanel, &str)> = vec![
        (
            RectangularPanel::new("rad", 1.0, 1.0, 0.0, AL, 4, 4),
            "thickness_m",
        ),
        (
            RectangularPanel::new("rad", 1.0, -1.0, 0.1, AL, 4, 4),
            "width_m",
        ),
        (RectangularPanel::new("rad", 1.0, 1.0, 0.1, AL, 0, 4), "nx"),
        (
            RectangularPanel::new(
                "rad",
                1.0,
                1.0,
                0.1,
                Material {
                    density_kg_m3: 0.0,
                    ..AL
                },
                4,
                4,
            ),
            "density_kg_m3",
        ),
        (
            RectangularPanel::new(
                "rad",
                1.0,
                1.0,
                0.1,
                Material {
                    specific_heat_j_kg_k: f64::NAN,
                    ..AL
                },
                4,
                4,
            ),
            "specific_heat_j_kg_k",
        ),
        (
            base().with_faces(
                Coating {
                    absorptivity: 0.2,
                    emissivity: 1.2,
                },
                Some(space),
            ),
            "emissivity",
        ),
        (
            base().with_top(
                Coating {
                    absorptivity: -0.1,
                    emissivity: 0.5,
                },
                Some(space),
            ),
            "absorptivity",
        ),
        (base().with_top(Coating::default(), Some(99)), "radiates_to"),
        (
            base().with_edge(
                Edge::North,
                EdgeCondition::Convection {
                    node: space,
                    h_w_m2_k: 0.0,
                },
            ),
            "h_w_m2_k",
        ),
        (
            base().with_edge(
                Edge::South,
                EdgeCondition::FixedTemperatureAlong {
                    temperatures_k: vec![300.0; 3],
                },
            ),
            "temperatures_k",
        ),
        (
            base().with_edge(
                Edge::East,
                EdgeCondition::HeatFlux {
                    flux_w_m2: f64::INFINITY,
                    load_w_m: 0.0,
                },
            ),
            "flux_w_m2",
        ),
        (
            base().with_line_attachment("hp", space, [2.0, 0.0], [3.0, 1.0], 10.0),
            "segment length inside the panel",
        ),
        (
            base().with_line_attachment("hp", space, [0.0, 0.5], [1.0, 0.5], -1.0),
            "g_w_m_k",
        ),
        (
            base().with_region_attachment(
                "plate",
                space,
                Region::new([1.5, 0.0], [2.0, 1.0]),
                100.0,
            ),
            "region area inside the panel",
        ),
        (
            base().with_heat_load_in(
                "q",
                Region::new([0.5, 0.5], [0.4, 0.6]),
                PanelLoad::Areal { w_m2: 1.0.into() },
            ),
            "region extent",
        ),
        (
            base().with_absorbed_flux("sun", Side::Top, f64::NAN),
            "incident_w_m2",
        ),
        (
            base().with_initial_temperature_k(0.0),
            "initial_temperature_k",
        ),
    ];
    for (panel, quantity) in cases {
        let err = panel.add_to(&mut net).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("rad") && msg.contains(quantity), "{msg}");
        assert_eq!(
            net.node_count(),
            1,
            "network changed by a failed add: {msg}"
        );
        assert!(net.linear_conductors().is_empty());
    }
    // A name already taken: the panel's own or one it would create.
    base().add_to(&mut net).unwrap();
    assert!(matches!(
        base().add_to(&mut net),
        Err(NetworkError::DuplicateNode { .. })
    ));
    net.add_boundary("q.west", 3.0).unwrap();
    let err = RectangularPanel::new("q", 1.0, 1.0, 0.001, AL, 2, 2)
        .with_edge(
            Edge::West,
            EdgeCondition::FixedTemperature {
                temperature_k: 300.0.into(),
            },
        )
        .add_to(&mut net)
        .unwrap_err();
    assert_eq!(
        err,
        NetworkError::DuplicateNode {
            name: "q.west".into()
        }
    );
    assert!(net.group("q").is_none());
}

/// 1D conduction between a held west edge and an east edge of each kind has
/// a linear exact solution, which the scheme and the reconstruction reproduce
/// to round-off — at cell centres, on the edges and at the corners.
#[test]
fn linear_fields_are_reproduced_exactly_up_to_the_edges() {
    let (l, w, t, k) = (0.8, 0.3, 0.004, 200.0);
    type EastEdge = Box<dyn Fn(NodeId) -> EdgeCondition>;
    let kinds: Vec<(&str, EastEdge)> = vec![
        (
            "fixed",
            Box::new(|_| EdgeCondition::FixedTemperature {
                temperature_k: 400.0.into(),
            }),
        ),
        (
            "flux",
            Box::new(|_| EdgeCondition::HeatFlux {
                flux_w_m2: 2.0e4,
                load_w_m: 15.0,
            }),
        ),
        (
            "convection",
            Box::new(|n| EdgeCondition::Convection {
                node: n,
                h_w_m2_k: 3000.0,
            }),
        ),
        (
            "conductance",
            Box::new(|n| EdgeCondition::Conductance {
                node: n,
                g_w_m_k: 7.0,
            }),
        ),
    ];
    for (label, east) in kinds {
        let mut net = ThermalNetwork::new();
        let fluid = net.add_boundary("fluid", 450.0).unwrap();
        let p = RectangularPanel::new("p", l, w, t, AL, 7, 3)
            .with_edge(
                Edge::West,
                EdgeCondition::FixedTemperature {
                    temperature_k: 300.0.into(),
                },
            )
            .with_edge(Edge::East, east(fluid))
            .add_to(&mut net)
            .unwrap();
        let temps = solve(&net);
        // Exact: T = 300 + s x with s from the east condition.
        let s = match label {
            "fixed" => 100.0 / l,
            "flux" => (2.0e4 * t + 15.0) / (k * t),
            "convection" => 3000.0 * (450.0 - 300.0) / (k + 3000.0 * l),
            _ => 7.0 * (450.0 - 300.0) / (k * t + 7.0 * l),
        };
        let exact = |x: f64| 300.0 + s * x;
        for x in [0.0, 0.01, 0.3, 0.79, l] {
            for y in [0.0, 0.1, w] {
                let got = p.temperature_at(x, y, &temps).unwrap();
                assert!(
                    relative_eq!(got, exact(x), max_relative = 1e-10),
                    "{label}: T({x},{y}) = {got}, exact {}",
                    exact(x)
                );
            }
        }
        let east_heat = p.edge_heat_w(Edge::East, &temps).unwrap();
        let west_heat = p.edge_heat_w(Edge::West, &temps).unwrap();
        assert!(
            relative_eq!(east_heat, k * t * w * s, max_relative = 1e-10),
            "{label}: {east_heat}"
        );
        assert!(relative_eq!(east_heat, -west_heat, max_relative = 1e-10));
    }
}

#[test]
fn reading_results_never_panics() {
    let mut net = ThermalNetwork::new();
    let space = net.add_boundary("space", 0.0).unwrap();
    let p = RectangularPanel::new("p", 1.0, 1.0, 0.001, AL, 3, 3)
        .with_faces(
            Coating {
                absorptivity: 0.5,
                emissivity: 0.5,
            },
            Some(space),
        )
        .with_absorbed_flux("sun", Side::Top, 500.0)
        .add_to(&mut net)
        .unwrap();
    let temps = solve(&net);
    assert!(p.field(&temps[..5]).is_err());
    assert!(p.stats(&[]).is_err());
    assert!(p.temperature_at(1.1, 0.5, &temps).is_err());
    assert!(p.temperature_at(0.5, f64::NAN, &temps).is_err());
    assert!(p.edge_temperature_k(Edge::West, 3, &temps).is_err());
    assert!(p
        .region_stats(&Region::new([2.0, 2.0], [3.0, 3.0]), &temps)
        .is_err());
    // Symmetric: uniform flux, both faces radiating, insulated edges → uniform.
    let s = p.stats(&temps).unwrap();
    let expect = (0.5 * 500.0 / (1.0 * SIGMA)).powf(0.25);
    assert!(
        relative_eq!(s.min_k, expect, max_relative = 1e-9)
            && relative_eq!(s.max_k, expect, max_relative = 1e-9)
    );
    assert!(relative_eq!(
        p.temperature_at(1.0, 1.0, &temps).unwrap(),
        expect,
        max_relative = 1e-9
    ));
}
