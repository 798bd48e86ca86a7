//! thermorbit — an orbital thermal and power physics solver.
//!
//! Data flow: a case file (`case`) builds a thermal network (`network`) whose
//! panels are finite-difference grids (`mesh`); orbital geometry (`orbit`) and
//! environment fluxes (`environment`) drive its sources; `solve` computes steady,
//! transient and orbit-periodic temperatures; `output` writes CSV, JSON and plots;
//! `validate` compares the whole pipeline with exact and published solutions.
//!
//! `network` and `solve` know nothing of orbits: they solve any thermal network.
//! `linalg` is the bottom layer — sparse matrices, Krylov methods, stencil
//! operators, direct factorizations, geometric and algebraic multigrid, and the
//! fixed-chunk parallel policy — and knows nothing of heat.
//!
//! Imports point one way: `linalg` ← `network` ← `mesh` ←
//! `components` (which may also use `environment` ← `orbit` and `radiation`, the
//! view factors, which stands alone); `solve` uses only
//! `network` and `linalg`; `power`, `case`, `sizing`, `output`, `validate` and
//! the CLI sit on top. Every module may use `constants` and `error`.
//!
//! # A model in code, end to end
//!
//! A 1 m × 0.5 m aluminium radiator, 2 mm thick, in 20 × 10 cells, both faces
//! radiating to deep space, its west edge held at 320 K by a coolant manifold,
//! its top face in full sun: build it, solve it, read the panel's field and the
//! energy balance, and take the matrix the solver used.
//!
//! ```
//! use thermorbit::mesh::{Coating, Edge, EdgeCondition, Material, RectangularPanel, Side};
//! use thermorbit::network::ThermalNetwork;
//! use thermorbit::solve::{solve_steady, SteadyOptions};
//!
//! let mut net = ThermalNetwork::new();
//! let space = net.add_boundary("space", 2.7)?;
//! let aluminium = Material { k_w_m_k: 167.0, density_kg_m3: 2700.0, specific_heat_j_kg_k: 896.0 };
//! let white = Coating { absorptivity: 0.2, emissivity: 0.85 };
//! let panel = RectangularPanel::new("radiator", 1.0, 0.5, 0.002, aluminium, 20, 10)
//!     .with_faces(white, Some(space))
//!     .with_edge(Edge::West, EdgeCondition::FixedTemperature { temperature_k: 320.0.into() })
//!     .with_absorbed_flux("sun", Side::Top, 1361.0)
//!     .add_to(&mut net)?;
//!
//! let system = net.assemble()?;
//! let solution = solve_steady(&system, &SteadyOptions::default())?;
//! let t = &solution.temperatures_k; // one per node
//!
//! // The panel's cells as an ny × nx array: field[[j, i]] is cell (i, j).
//! let field = panel.field_array(t)?;
//! assert_eq!(field.dim(), (10, 20));
//! assert!(field[[5, 0]] > field[[5, 19]]); // cooler away from the manifold
//!
//! // Heat in (sun, manifold) against heat out (radiation to space).
//! let balance = &solution.energy_balance;
//! assert!(balance.relative_imbalance < 1e-9);
//! assert!(balance.heat_out_w > 0.0);
//!
//! // K = −∂F/∂T at the solution (W/K) as an sprs matrix, e.g. for
//! // `sprs::io::write_matrix_market` or `thermorbit::output::write_matrix_market`.
//! let x: Vec<f64> = (0..system.unknowns()).map(|u| t[system.node_of_unknown(u)]).collect();
//! let mut k = system.new_matrix();
//! system.jacobian(0.0, &x, &mut k);
//! let k = k.to_sprs().expect("an assembled pattern is valid CSR");
//! assert_eq!(k.rows(), system.unknowns());
//! # Ok::<(), thermorbit::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod case;
pub mod components;
pub mod constants;
pub mod environment;
pub mod error;
pub mod linalg;
pub mod mesh;
pub mod network;
pub mod orbit;
pub mod output;
pub mod power;
pub mod radiation;
pub mod sizing;
pub mod solve;
pub mod validate;

pub use error::{Error, Result};
