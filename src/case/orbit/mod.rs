//! The orbit of a case: `[orbit]`, `[attitude]`, `[environment]` and `[[surfaces]]`, and the
//! time functions that carry its absorbed fluxes into the thermal network.
//!
//! ```toml
//! [orbit]
//! epoch = "2027-03-20T12:00:00Z"   # t = 0 of the run; ISO 8601 UTC
//! altitude_km = 550.0              # 100 – 1,000,000 km above 6378.137 km (osculating at t = 0)
//! sun_synchronous = true           # inclination from J2 ...
//! ltan = "06:00"                   # ... node at this local time (or inclination_deg, raan_deg;
//!                                  # or geostationary = true, longitude_deg)
//! elements = "osculating"          # or "mean" (first-order J2 mean elements)
//!
//! [attitude]
//! mode = "nadir"                   # nadir | sun | sun-perpendicular | inertial
//!
//! [environment]
//! preset = "nominal"               # nominal | hot | cold
//! shadow = "conical"               # conical (with penumbra) | cylindrical
//! flux_step_s = 10.0               # step of the tabulated fluxes (default 10 s)
//!
//! [[surfaces]]
//! name = "radiator_top"
//! normal = [0.0, 1.0, 0.0]         # outward normal, body frame
//! coating = "white_paint"          # or absorptivity = …, emissivity = …
//! area_m2 = 1.2                    # needed when a lumped source uses the surface
//! ```
//!
//! A surface drives the network in two ways:
//!
//! - a panel face: `[[panels.P.loads]] face = "top", orbit_surface = "radiator_top"` — the face
//!   absorbs `α (q_sun + q_albedo) + ε q_IR` per m² with its *own* coating's α and ε, where the
//!   q are the fluxes on a surface of the named normal (the surface's α, ε must equal the
//!   face's coating, so `thermorbit orbit` reports what the panel absorbs);
//! - a lumped node: `[[sources]] node = "rack", orbit_surface = "rack_zenith"` — the node takes
//!   `A (α (q_sun + q_albedo) + ε q_IR)` W with the surface's area, α and ε.
//!
//! The fluxes are those of [`FluxSeries`](crate::environment::FluxSeries) (Gilmore, *Spacecraft Thermal Control Handbook*,
//! Vol. 1, ch. 2: direct solar `α S max(0, n·ŝ) ν`, albedo `α a S F_a`, Earth IR
//! `ε q_IR F_e`), computed once on a uniform grid over the run and interpolated. In a transient
//! run the eclipse boundaries (penumbra and umbra entry and exit) are the network's
//! discontinuities, so the time stepper lands on them. A steady run uses the orbit average
//! over one nodal period starting at `solve.time_s` (default 0), and says so in its summary.

mod flux;
mod resolve;
mod schema;

pub use flux::{CaseOrbit, IncidentProfiles, OrbitFlux, SpanCost};
pub use resolve::{resolve, OrbitField, OrbitOverrides, OrbitSetup};
pub use schema::{
    AttitudeMode, AttitudeSpec, Choice, ElementsSpec, EnvironmentSpec, OrbitPart, OrbitSpec,
    OrbitTables, PresetSpec, ShadowSpec, SurfaceSpec, DEFAULT_FLUX_STEP_S, MAX_FLUX_STEP_S,
};
