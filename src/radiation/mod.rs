//! Radiation exchange between surfaces: view factors between flat rectangles and discs
//! (closed forms and Monte Carlo ray tracing with blocking), and grey diffuse radiative
//! conductances from them.
//!
//! - `geometry`: surfaces ([`Surface`]: rectangles split into `nx × ny` cells, discs),
//!   checked and split into elements and faces by [`Scene::new`].
//! - `analytic`: closed forms for parallel and perpendicular rectangles and coaxial discs
//!   (Howell's catalog C-11, C-14, C-41).
//! - `monte_carlo`: cosine-weighted rays through a bounding-volume hierarchy
//!   (`bvh`), reproducible on any number of threads, with a binomial standard error per
//!   factor; [`factor_matrix`] enforces reciprocity and closure with space.
//! - `exchange`: Gebhart factors and the conductances `R_ij` (m²) of
//!   `σ R_ij (T_j⁴ − T_i⁴)`, including exchange with space — the input of the thermal
//!   network's radiative conductors.
//! - `shadow`: the lit fraction of a face along a collimated flux (direct sunlight) that
//!   other surfaces block.
//!
//! ```
//! use thermorbit::radiation::{factor_matrix, grey_diffuse_exchange, MonteCarloOptions, Scene, Surface, Vec3};
//! // Two 1 m squares facing each other 0.5 m apart.
//! let scene = Scene::new(vec![
//!     Surface::rectangle("a", Vec3::zeros(), Vec3::x(), Vec3::y()),
//!     Surface::rectangle("b", Vec3::new(0.0, 0.0, 0.5), Vec3::y(), Vec3::x()),
//! ])?;
//! let f = factor_matrix(&scene, &MonteCarloOptions::new(100_000, 1)?)?;
//! let exact = thermorbit::radiation::parallel_rectangles(1.0, 1.0, 0.5).unwrap_or(0.0);
//! assert!((f.factor(0, 1) - exact).abs() < 4.0 * f.standard_error(0, 1));
//! let x = grey_diffuse_exchange(f.factors(), f.space_factors(), f.areas_m2(), &[0.9, 0.9])?;
//! assert_eq!(x.conductors().len(), 3); // a–b, a–space, b–space
//! # Ok::<(), thermorbit::Error>(())
//! ```

pub(crate) mod analytic;
pub(crate) mod bvh;
pub(crate) mod exchange;
pub(crate) mod geometry;
pub(crate) mod monte_carlo;
pub(crate) mod shadow;

pub use analytic::{coaxial_discs, parallel_rectangles, perpendicular_rectangles, Configuration};
pub use exchange::{grey_diffuse_exchange, RadiativeExchange};
pub use geometry::{Element, Face, Scene, Shape, Side, Surface, Vec3, MAX_FACES};
pub use monte_carlo::{
    factor_matrix, trace_rows, FactorMatrix, MonteCarloOptions, RowEstimates, MAX_RAYS_PER_FACE,
};
pub use shadow::lit_fraction;
